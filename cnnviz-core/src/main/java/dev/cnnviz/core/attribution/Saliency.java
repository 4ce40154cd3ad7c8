package dev.cnnviz.core.attribution;

import dev.cnnviz.core.Model;
import dev.cnnviz.core.graph.BackwardRules;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Vanilla gradient saliency (Simonyan, Vedaldi &amp; Zisserman 2014, "Deep Inside Convolutional Networks:
 * Visualising Image Classification Models and Saliency Maps").
 *
 * <p>For a target score {@code S_c} (by default the class score before the softmax):
 * <ul>
 *   <li>raw attribution {@code A = |∂S_c/∂x|}, shape {@code [C, H, W]} (Captum's {@code Saliency(abs=True)});
 *       with {@link #withAbs withAbs(false)} the signed gradient {@code ∂S_c/∂x};</li>
 *   <li>map {@code M[h,w] = max_c |∂S_c/∂x[c,h,w]|} (the paper's channel reduction), non-negative, so
 *       {@code signed()} is false in both modes.</li>
 * </ul>
 * Defaults: {@code abs = true}, batch size {@value GradientAttribution#DEFAULT_BATCH_SIZE}. One forward and
 * one backward pass per batch.
 *
 * <pre>{@code
 * Saliency saliency = Saliency.of(model);
 * Explanation e = saliency.explain(image, 285);           // class 285
 * e.save(Path.of("saliency.png"));
 * }</pre>
 */
public final class Saliency extends GradientAttribution {
    private final boolean abs;

    private Saliency(Model model, int batchSize, boolean abs) {
        super(model, batchSize);
        this.abs = abs;
    }

    /** @return saliency for a model with the defaults ({@code abs = true}, batch size 32). */
    public static Saliency of(Model model) {
        return new Saliency(model, DEFAULT_BATCH_SIZE, true);
    }

    /** @return a copy that returns {@code |gradient|} ({@code true}, the default) or the signed gradient. */
    public Saliency withAbs(boolean newAbs) {
        return new Saliency(model, batchSize(), newAbs);
    }

    /** @return a copy that puts {@code n} examples into one forward/backward pass (at least 1). */
    public Saliency withBatchSize(int n) {
        return new Saliency(model, n, abs);
    }

    /** @return whether the raw attribution is the absolute gradient. */
    public boolean abs() {
        return abs;
    }

    @Override
    public String name() {
        return "Saliency";
    }

    @Override
    protected Map<String, String> options() {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("abs", String.valueOf(abs));
        o.put("batchSize", String.valueOf(batchSize()));
        return o;
    }

    @Override
    public BackwardRules rules() {
        return BackwardRules.standard();
    }

    @Override
    public ChannelReduction reduction() {
        return ChannelReduction.MAX_ABS;
    }

    @Override
    protected INDArray attribute(INDArray x, INDArray gradient) {
        return abs ? Transforms.abs(gradient, true) : gradient.dup();
    }
}
