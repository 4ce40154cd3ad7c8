package dev.cnnviz.core.attribution;

import dev.cnnviz.api.Explanation;
import dev.cnnviz.api.Provenance;
import dev.cnnviz.api.Target;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.graph.BackwardRules;
import dev.cnnviz.core.graph.ForwardPass;
import dev.cnnviz.core.graph.Gradients;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.HostArrays;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The template of the single-pass gradient methods ({@link Saliency}, {@link InputXGradient},
 * {@link GuidedBackprop}, {@link Deconvnet}): for each batch, one forward pass, the target's seed
 * {@code ∂S/∂A} at the target node, one backward pass to the input with the method's
 * {@link #rules() backward rules}, then a per-method post-processing of the input gradient
 * {@code g = ∂S/∂x} into the raw attribution ({@link #attribute}), reduced over channels to the 2-D map
 * ({@link #reduction()}).
 *
 * <p>Results: {@link Explanation#attribution()} is {@code [C, H, W]} (the input's shape without the batch),
 * {@link Explanation#map()} is {@code [H, W]}, {@link Explanation#signed()} is that of the reduction
 * (the map's sign, which decides how it is normalised for pictures). Provenance has no layer and no seed.
 *
 * <pre>{@code
 * GradientAttribution m = Saliency.of(model);            // or InputXGradient, GuidedBackprop, Deconvnet
 * List<Explanation> es = m.explainAll(images, List.of(Target.topClass()));
 * es.get(0).save(Path.of("saliency.png"));
 * }</pre>
 */
public abstract class GradientAttribution extends AttributionBase {
    /** The default number of examples per forward/backward pass. */
    public static final int DEFAULT_BATCH_SIZE = 32;

    /**
     * @param model     the model
     * @param batchSize examples per forward/backward pass, at least 1
     */
    protected GradientAttribution(Model model, int batchSize) {
        super(model, batchSize);
    }

    /** @return the backward rules ({@link BackwardRules#standard()} for the exact gradient). */
    public abstract BackwardRules rules();

    /** @return how the raw attribution becomes a 2-D map. */
    public abstract ChannelReduction reduction();

    /**
     * Turns the input gradient into the raw attribution.
     *
     * @param x        the input batch {@code [n, C, H, W]} (not to be modified)
     * @param gradient {@code ∂S/∂x} under {@link #rules()}, same shape (not to be modified)
     * @return the raw attribution, same shape, a fresh array (the caller closes it)
     */
    protected abstract INDArray attribute(INDArray x, INDArray gradient);

    @Override
    protected final List<Explanation> compute(INDArray x, List<Target> targetList, List<BufferedImage> images) {
        return attributeBatch(x, targetList, (raw, r) -> {
            INDArray maps = null;
            try {
                maps = reduction().apply(raw);
                Provenance p = provenance("", null);
                List<Explanation> out = new ArrayList<>(targetList.size());
                for (int i = 0; i < targetList.size(); i++) {
                    out.add(new ExplanationResult(example(raw, i), map2d(maps.get(NDArrayIndex.point(i))),
                            reduction().signed(), r.targets().get(i), p, images.get(i)));
                }
                return out;
            } finally {
                close(maps);
            }
        });
    }

    /**
     * The raw attributions of a batch, row-major ({@code [n, C, H, W]} flattened), without building explanations
     * or maps: for {@link SmoothGrad}, which only aggregates them (building 25 explanations per image was about a
     * tenth of its time).
     */
    float[] rawAttributions(INDArray x, List<Target> targetList) {
        return attributeBatch(x, targetList, (raw, r) -> HostArrays.floats(raw));
    }

    /** One forward and one backward pass on a batch; {@code use} reads the raw attribution while it is valid. */
    private <T> T attributeBatch(INDArray x, List<Target> targetList, BiFunction<INDArray, TargetResolver.Resolved, T> use) {
        Graph g = model.graph();
        String in = g.inputName();
        try (ForwardPass pass = g.forward(x)) {
            TargetResolver.Resolved r = targets.resolve(pass, targetList);
            INDArray raw = null;
            try (Gradients grads = pass.backward(r.seeds(), List.of(in), rules())) {
                raw = attribute(x, grads.get(in));
                return use.apply(raw, r);
            } finally {
                close(raw);
                closeAll(r);
            }
        }
    }

    /** Closes an array if it owns its memory. */
    static void close(INDArray a) {
        if (a != null && !a.wasClosed() && a.closeable()) {
            a.close();
        }
    }

    /** Closes the seeds of a resolution. */
    static void closeAll(TargetResolver.Resolved r) {
        for (INDArray s : r.seeds().values()) {
            close(s);
        }
    }
}
