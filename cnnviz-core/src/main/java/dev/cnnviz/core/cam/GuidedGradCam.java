package dev.cnnviz.core.cam;

import dev.cnnviz.api.Explanation;
import dev.cnnviz.api.Map2D;
import dev.cnnviz.api.Tensor;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.attribution.ReluRules;
import dev.cnnviz.core.graph.Gradients;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Guided Grad-CAM (Selvaraju et al. 2017, "Grad-CAM: Visual Explanations from Deep Networks via Gradient-based
 * Localization", Section 3.1): the point-wise product of guided backpropagation (Springenberg et al. 2015) and
 * the Grad-CAM map upsampled to the input,
 * <pre>  raw[c, y, x] = GB[c, y, x] · Up(M)[y, x]      GB = ∂S/∂X with ReluRules.GUIDED, M = Grad-CAM map
 *   map[y, x]    = max_c |raw[c, y, x]|</pre>
 * so the result is both high-resolution and class-discriminative. {@code Up} is bilinear with
 * {@code align_corners=false}. Unlike the rest of the family, the raw attribution has the input's shape
 * {@code [C, H, W]} (signed) and the map is {@code [H, W]} (non-negative, so {@code signed()} is false), like
 * {@link dev.cnnviz.core.attribution.GuidedBackprop}. pytorch-grad-cam computes the two parts with separate
 * model calls; here one forward pass serves both backward passes (exact, then guided).
 *
 * <p>Defaults: Grad-CAM's (the last 4-D layer before the global pooling, ReLU on), batch size
 * {@value CamBase#DEFAULT_BATCH_SIZE}; {@link #withRelu(boolean)} applies to the Grad-CAM factor.
 *
 * <pre>{@code
 * Explanation e = GuidedGradCam.of(model).explain(image, 285);
 * Tensor raw = e.attribution();              // [C, H, W]
 * e.save(Path.of("guided-gradcam.png"));
 * }</pre>
 */
public final class GuidedGradCam extends CamBase<GuidedGradCam> {

    private GuidedGradCam(Model model, Settings s) {
        super(model, s);
    }

    /** @return Guided Grad-CAM for a model, with the default layer. */
    public static GuidedGradCam of(Model model) {
        return new GuidedGradCam(model, defaults(model, DEFAULT_BATCH_SIZE));
    }

    @Override
    protected GuidedGradCam with(Settings s) {
        return new GuidedGradCam(model, s);
    }

    @Override
    public String name() {
        return "Guided Grad-CAM";
    }

    @Override
    protected double[] weights(Capture c) {
        return GradCam.meanGradients(c);
    }

    @Override
    protected List<Explanation> finish(Batch b, List<double[]> maps) {
        String in = model.graph().inputName();
        INDArray x = b.x();
        int channels = (int) x.size(1);
        int height = (int) x.size(2);
        int width = (int) x.size(3);
        int plane = height * width;
        CamSupport.Upsampler up = new CamSupport.Upsampler(b.height(), b.width(), height, width);
        double[] cam = new double[plane];
        List<Explanation> out = new ArrayList<>(maps.size());
        try (Gradients g = b.pass().backward(b.resolved().seeds(), List.of(in), ReluRules.guidedBackprop())) {
            INDArray guided = g.get(in);
            for (int i = 0; i < maps.size(); i++) {
                up.apply(maps.get(i), 0, cam);
                double[] raw = CamSupport.doubles(guided.get(NDArrayIndex.point(i)));
                double[] m = new double[plane];
                for (int ch = 0; ch < channels; ch++) {
                    for (int p = 0; p < plane; p++) {
                        double v = raw[ch * plane + p] * cam[p];
                        raw[ch * plane + p] = v;
                        m[p] = Math.max(m[p], Math.abs(v));
                    }
                }
                String what = name() + " of example " + i;
                out.add(result(b, i, Tensor.of(CamSupport.floats(raw, what), channels, height, width),
                        new Map2D(height, width, CamSupport.floats(m, what)), false));
            }
        }
        return out;
    }
}
