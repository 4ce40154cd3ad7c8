package dev.cnnviz.core.style;

import dev.cnnviz.core.graph.ForwardPass;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.optim.FeatureReconstructionLoss;
import dev.cnnviz.core.optim.StyleLoss;
import dev.cnnviz.core.optim.TotalVariationLoss;
import dev.cnnviz.core.train.TrainingObjective;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The perceptual loss of Johnson, Alahi &amp; Fei-Fei 2016 (section 3) for a batch of content images {@code x} and
 * the transformation network's outputs {@code ŷ}, on a loss network {@code φ}:
 * <pre>
 * L = λ_c · ℓ_feat(ŷ, x)  +  λ_s · Σ_layers ℓ_style(ŷ, style)  +  λ_tv · TV(ŷ)
 * ℓ_feat  = mean over the batch and positions of (φ_j(ŷ) − φ_j(x))²       ({@link FeatureReconstructionLoss}, MEAN)
 * ℓ_style = (1/N) Σ_n mean over C×C of (G(φ_j(ŷ_n)) − G(φ_j(style)))²     ({@link StyleLoss}, CHW Gram)
 * TV      = Σ horizontal and vertical squared neighbour differences of ŷ ({@link TotalVariationLoss}, β = 2)
 * </pre>
 * which is PyTorch's {@code examples/fast_neural_style} ({@code mse_loss} on features and on Gram matrices divided
 * by {@code C·H·W}) plus Johnson's total-variation term. The three terms are reported as {@code content},
 * {@code style} and {@code tv}. The training graph is the transformation network with the loss network appended;
 * the content targets {@code φ_j(x)} come from a separate inference pass of the loss network alone.
 */
public final class PerceptualLoss implements TrainingObjective {
    private final Graph lossNet;
    private final String lossContent;
    private final String content;
    private final List<String> style;
    private final List<StyleLoss> styleLosses;
    private final String output;
    private final double contentWeight;
    private final double styleWeight;
    private final double tvWeight;

    /**
     * @param lossNet       the loss network alone (input RGB 0..255), for the content targets
     * @param lossContent   the content layer's name in {@code lossNet}
     * @param content       the content layer's name in the training graph
     * @param style         the style layers' names in the training graph
     * @param styleLosses   a style loss (weight 1) per style layer, towards the style image's Gram matrix
     * @param output        the transformation network's output node in the training graph
     * @param contentWeight λ_c
     * @param styleWeight   λ_s
     * @param tvWeight      λ_tv
     */
    PerceptualLoss(Graph lossNet, String lossContent, String content, List<String> style, List<StyleLoss> styleLosses,
            String output, double contentWeight, double styleWeight, double tvWeight) {
        this.lossNet = lossNet;
        this.lossContent = lossContent;
        this.content = content;
        this.style = List.copyOf(style);
        this.styleLosses = List.copyOf(styleLosses);
        this.output = output;
        this.contentWeight = contentWeight;
        this.styleWeight = styleWeight;
        this.tvWeight = tvWeight;
    }

    @Override
    public List<String> nodes() {
        LinkedHashSet<String> n = new LinkedHashSet<>();
        n.add(output);
        n.add(content);
        n.addAll(style);
        return new ArrayList<>(n);
    }

    @Override
    public Map<String, Double> evaluate(ForwardPass pass, INDArray batch, Map<String, INDArray> seeds) {
        Map<String, Double> terms = new LinkedHashMap<>();
        INDArray a = pass.get(content);
        double c;
        try (ForwardPass target = lossNet.infer(batch, List.of(lossContent))) {
            INDArray g = a.ulike();
            c = FeatureReconstructionLoss.of(target.get(lossContent), FeatureReconstructionLoss.Normalization.MEAN)
                    .withWeight(contentWeight).evaluate(a, g);
            add(seeds, content, g);
        }
        terms.put("content", c);
        double s = 0;
        long n = batch.size(0);
        for (int i = 0; i < style.size(); i++) {
            INDArray f = pass.get(style.get(i));
            INDArray g = f.ulike();
            s += styleLosses.get(i).withWeight(styleWeight / n).evaluate(f, g);
            add(seeds, style.get(i), g);
        }
        terms.put("style", s);
        double tv = 0;
        if (tvWeight != 0) {
            INDArray y = pass.get(output);
            INDArray g = y.ulike();
            tv = TotalVariationLoss.of().withWeight(tvWeight).evaluate(y, g);
            add(seeds, output, g);
        }
        terms.put("tv", tv);
        return terms;
    }

    private static void add(Map<String, INDArray> seeds, String node, INDArray g) {
        INDArray old = seeds.get(node);
        if (old == null) {
            seeds.put(node, g);
        } else {
            old.addi(g);
            g.close();
        }
    }
}
