package dev.cnnviz.core.attribution;

import dev.cnnviz.core.Model;
import dev.cnnviz.core.graph.BackwardRules;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Input × gradient (Shrikumar et al. 2016, "Not Just a Black Box: Learning Important Features Through
 * Propagating Activation Differences"; Captum's {@code InputXGradient}).
 *
 * <p>Raw attribution {@code A = x ⊙ ∂S/∂x} (signed, shape {@code [C, H, W]}, in the preprocessed input
 * space); map {@code M[h,w] = Σ_c A[c,h,w]} (signed, so {@code signed()} is true). For a linear model
 * {@code S = w·x + b} it is {@code w ⊙ x}, which sums to {@code S - b}. Default batch size
 * {@value GradientAttribution#DEFAULT_BATCH_SIZE}; one forward and one backward pass per batch.
 *
 * <pre>{@code
 * InputXGradient ixg = InputXGradient.of(model).withBatchSize(8);
 * Explanation e = ixg.explain(image, Target.topClass());
 * BufferedImage picture = e.overlay(0.5);
 * }</pre>
 */
public final class InputXGradient extends GradientAttribution {

    private InputXGradient(Model model, int batchSize) {
        super(model, batchSize);
    }

    /** @return input × gradient for a model (batch size 32). */
    public static InputXGradient of(Model model) {
        return new InputXGradient(model, DEFAULT_BATCH_SIZE);
    }

    /** @return a copy that puts {@code n} examples into one forward/backward pass (at least 1). */
    public InputXGradient withBatchSize(int n) {
        return new InputXGradient(model, n);
    }

    @Override
    public String name() {
        return "Input x Gradient";
    }

    @Override
    protected Map<String, String> options() {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("batchSize", String.valueOf(batchSize()));
        return o;
    }

    @Override
    public BackwardRules rules() {
        return BackwardRules.standard();
    }

    @Override
    public ChannelReduction reduction() {
        return ChannelReduction.SUM;
    }

    @Override
    protected INDArray attribute(INDArray x, INDArray gradient) {
        return x.mul(gradient);
    }
}
