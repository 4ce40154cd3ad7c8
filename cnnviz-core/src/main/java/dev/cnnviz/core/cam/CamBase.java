package dev.cnnviz.core.cam;

import dev.cnnviz.api.Explanation;
import dev.cnnviz.api.Map2D;
import dev.cnnviz.api.ResolvedTarget;
import dev.cnnviz.api.Target;
import dev.cnnviz.api.Tensor;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.attribution.AttributionBase;
import dev.cnnviz.core.attribution.ExplanationResult;
import dev.cnnviz.core.attribution.TargetResolver;
import dev.cnnviz.core.graph.ForwardPass;
import dev.cnnviz.core.graph.Gradients;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.ops.Constant;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The template of the class-activation-map family, in the manner of pytorch-grad-cam's {@code BaseCAM}: a CAM is
 * a map over the positions of one 4-D layer {@code A [N, K, h, w]},
 * <pre>  M = ReLU( Σ_k α_k · A_k )</pre>
 * where each method defines the channel weights {@code α_k} (or, for the methods that are not a weighted sum,
 * the map itself).
 *
 * <p>This class owns everything the methods share:
 * <ul>
 *   <li>the <b>layer</b>: {@link #withLayer(String)}, or by default the last node the class scores depend on whose
 *       output is 4-D with more than one spatial position — the layer that feeds the global pooling (or the
 *       flatten) of a classifier, e.g. SqueezeNet's final ReLU, ResNet's last block, VGG's last max pool. It is
 *       found once, lazily, from a forward pass on a zero batch;</li>
 *   <li>the <b>capture</b>: per batch one forward pass keeping the layer's activation {@code A}, and (for
 *       gradient methods) one backward pass from the targets' seeds giving {@code G = ∂S/∂A};</li>
 *   <li>the weighted sum over channels and the final <b>ReLU</b> (on by default; {@link #withRelu(boolean)});</li>
 *   <li>the <b>results</b>: {@link Explanation#attribution()} and {@link Explanation#map()} are the map
 *       {@code [h, w]} at the layer's resolution (upsampling for display happens in rendering), non-negative
 *       unless the ReLU is switched off (then {@link Explanation#signed()} is true); the provenance names the
 *       layer.</li>
 * </ul>
 * Options are immutable: every setter returns a copy. Errors: an unknown layer name gives an
 * {@link IllegalArgumentException} listing the closest names; a layer that is not 4-D gives one naming its
 * shape; class indices out of range are reported by the target resolution.
 *
 * <pre>{@code
 * Explanation e = GradCam.of(model).explain(image, 285);
 * Explanation f = GradCamPlusPlus.of(model).withLayer("fire9_concat").withRelu(false).explain(image, 285);
 * e.save(Path.of("gradcam.png"));
 * }</pre>
 *
 * @param <T> the concrete method, returned by the option setters
 */
public abstract class CamBase<T extends CamBase<T>> extends AttributionBase {
    /** The default number of examples per forward/backward pass. */
    public static final int DEFAULT_BATCH_SIZE = 16;

    private final Settings settings;

    /**
     * The options shared by every CAM; leaves pass them through to their copies and add their own fields.
     * Created by {@link #defaults(Model, int)}.
     */
    protected static final class Settings {
        final String layer;
        final boolean relu;
        final int batchSize;
        final CamSupport.Shapes shapes;

        private Settings(String layer, boolean relu, int batchSize, CamSupport.Shapes shapes) {
            this.layer = layer;
            this.relu = relu;
            this.batchSize = batchSize;
            this.shapes = shapes;
        }
    }

    /**
     * @param model     the model
     * @param batchSize the default batch size of the method
     * @return the default settings: automatic layer, ReLU on
     */
    protected static Settings defaults(Model model, int batchSize) {
        if (model == null) {
            throw new IllegalArgumentException("model must not be null");
        }
        return new Settings(null, true, batchSize, new CamSupport.Shapes(model));
    }

    /**
     * @param model    the model
     * @param settings the shared options
     */
    protected CamBase(Model model, Settings settings) {
        super(model, settings.batchSize);
        this.settings = settings;
    }

    /** @return the shared options, for leaves that copy themselves with options of their own. */
    protected final Settings settings() {
        return settings;
    }

    /** @return a copy of this method with other shared options (and the same method-specific options). */
    protected abstract T with(Settings s);

    /**
     * Returns a copy that explains at layer {@code name}.
     *
     * @param name a node of the graph whose output is {@code [N, K, h, w]}
     * @throws IllegalArgumentException for an unknown name (listing the closest names) or a constant
     */
    public T withLayer(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("layer name must not be blank");
        }
        Graph g = model.graph();
        if (g.node(name).op() instanceof Constant) {
            throw new IllegalArgumentException("'" + name + "' is a constant (weights), not a layer; closest layers: "
                    + g.closestNames(name, 5));
        }
        return with(new Settings(name, settings.relu, settings.batchSize, settings.shapes));
    }

    /** Returns a copy with the final ReLU on (the default, as in the papers) or off (signed maps). */
    public T withRelu(boolean on) {
        return with(new Settings(settings.layer, on, settings.batchSize, settings.shapes));
    }

    /** Returns a copy that puts {@code n} examples (at least 1) into one forward pass. */
    public T withBatchSize(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, found " + n);
        }
        return with(new Settings(settings.layer, settings.relu, n, settings.shapes));
    }

    /**
     * @return the layer explained: the one given to {@link #withLayer(String)}, or the default layer (found on first
     * use by a forward pass on a zero batch)
     * @throws IllegalArgumentException if no layer was given and the model has no suitable 4-D layer
     */
    public String layer() {
        return settings.layer != null ? settings.layer : defaultLayer();
    }

    /** @return whether the final ReLU is applied. */
    public boolean relu() {
        return settings.relu;
    }

    /** @return whether a layer was chosen explicitly. */
    protected boolean layerGiven() {
        return settings.layer != null;
    }

    /** @return the default layer; see the class comment. */
    protected String defaultLayer() {
        return settings.shapes.defaultLayer();
    }

    /** @return the output shapes of the graph's nodes for a batch of one (computed once, lazily). */
    protected Map<String, long[]> shapes() {
        return settings.shapes.all();
    }

    /** @return whether the method needs {@code ∂S/∂A} (false: no backward pass). */
    protected boolean usesGradients() {
        return true;
    }

    /**
     * Checks the layer before a batch is explained (e.g. CAM accepts only the layer feeding global pooling).
     *
     * @param layer the layer about to be used
     */
    protected void checkLayer(String layer) {
    }

    /** @return the method's own options for provenance (none by default). */
    protected Map<String, String> extraOptions() {
        return Map.of();
    }

    /**
     * The channel weights {@code α_k} of one example; weighted-sum methods implement this.
     *
     * @param c the example's activation (and gradient)
     * @return {@code K} weights
     */
    protected double[] weights(Capture c) {
        throw new UnsupportedOperationException(name() + " defines neither channel weights nor a map");
    }

    /**
     * The map of one example before the final ReLU: by default {@code Σ_k α_k A_k} with
     * {@code α = }{@link #weights(Capture)}; methods that are not a weighted sum override this.
     *
     * @param c the example's activation (and gradient)
     * @return {@code h · w} values, row-major
     */
    protected double[] map(Capture c) {
        return weightedSum(c, weights(c));
    }

    /** @return {@code Σ_k α_k A_k} for one example, {@code h · w} values. */
    protected static double[] weightedSum(Capture c, double[] alpha) {
        if (alpha.length != c.channels()) {
            throw new IllegalStateException("expected " + c.channels() + " channel weights, found " + alpha.length);
        }
        int hw = c.positions();
        double[] m = new double[hw];
        double[] a = c.activations;
        for (int k = 0; k < alpha.length; k++) {
            double w = alpha[k];
            if (w == 0) {
                continue;
            }
            int off = k * hw;
            for (int p = 0; p < hw; p++) {
                m[p] += w * a[off + p];
            }
        }
        return m;
    }

    @Override
    protected final Map<String, String> options() {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("relu", String.valueOf(settings.relu));
        o.put("batchSize", String.valueOf(batchSize()));
        o.putAll(extraOptions());
        return o;
    }

    @Override
    protected final List<Explanation> compute(INDArray x, List<Target> targetList, List<BufferedImage> images) {
        Graph g = model.graph();
        String layer = layer();
        checkLayer(layer);
        Set<String> keep = new LinkedHashSet<>();
        keep.add(layer);
        for (Target t : targetList) {
            keep.add(targets.nodeOf(t));
        }
        boolean grads = usesGradients();
        try (ForwardPass pass = grads ? g.forward(x) : g.infer(x, keep)) {
            INDArray act = pass.get(layer);
            if (act.rank() != 4) {
                throw new IllegalArgumentException(name() + " needs a 4-D layer [N, C, H, W]; '" + layer
                        + "' has shape " + CamSupport.shape(act.shape()) + "; choose another with .withLayer(name)");
            }
            TargetResolver.Resolved resolved = targets.resolve(pass, targetList);
            try {
                int n = (int) act.size(0);
                int k = (int) act.size(1);
                int h = (int) act.size(2);
                int w = (int) act.size(3);
                double[] a = CamSupport.doubles(act);
                double[] gr = null;
                if (grads) {
                    try (Gradients gs = pass.backward(resolved.seeds(), List.of(layer))) {
                        gr = CamSupport.doubles(gs.get(layer));
                    }
                }
                int size = k * h * w;
                List<double[]> maps = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    double[] ai = new double[size];
                    System.arraycopy(a, i * size, ai, 0, size);
                    double[] gi = null;
                    if (gr != null) {
                        gi = new double[size];
                        System.arraycopy(gr, i * size, gi, 0, size);
                    }
                    Capture c = new Capture(i, layer, k, h, w, ai, gi, resolved.targets().get(i), x);
                    double[] m = map(c);
                    if (settings.relu) {
                        for (int p = 0; p < m.length; p++) {
                            m[p] = Math.max(m[p], 0.0);
                        }
                    }
                    maps.add(m);
                }
                return finish(new Batch(layer, x, pass, resolved, images, h, w), maps);
            } finally {
                for (INDArray s : resolved.seeds().values()) {
                    if (!s.wasClosed() && s.closeable()) {
                        s.close();
                    }
                }
            }
        }
    }

    /**
     * Builds the results of a batch from its maps; by default one CAM result per example. Guided Grad-CAM
     * overrides this to combine the maps with a second (guided) backward pass.
     *
     * @param b    the batch (forward pass still open, seeds still valid)
     * @param maps one map of {@code h · w} values per example, after the ReLU
     * @return one explanation per example
     */
    protected List<Explanation> finish(Batch b, List<double[]> maps) {
        List<Explanation> out = new ArrayList<>(maps.size());
        for (int i = 0; i < maps.size(); i++) {
            float[] f = CamSupport.floats(maps.get(i), name() + " map of example " + i);
            out.add(result(b, i, Tensor.of(f, b.height(), b.width()), new Map2D(b.height(), b.width(), f),
                    !settings.relu));
        }
        return out;
    }

    /** @return an explanation for example {@code i} of a batch, with this method's provenance. */
    protected Explanation result(Batch b, int i, Tensor raw, Map2D map, boolean signed) {
        return new ExplanationResult(raw, map, signed, b.resolved().targets().get(i), provenance(b.layer(), null),
                b.images().get(i));
    }

    /**
     * One batch being explained.
     *
     * @param layer    the layer
     * @param x        the preprocessed input batch {@code [n, C, H, W]}
     * @param pass     the open forward pass
     * @param resolved the targets and their seeds
     * @param images   the images as the model saw them
     * @param height   the layer's height {@code h}
     * @param width    the layer's width {@code w}
     */
    protected record Batch(String layer, INDArray x, ForwardPass pass, TargetResolver.Resolved resolved,
            List<BufferedImage> images, int height, int width) {
    }

    /**
     * One example's view of the layer: activation {@code A [K, h, w]} and, for gradient methods,
     * {@code G = ∂S/∂A} of the same shape, both in double precision, row-major ({@code index = k·h·w + y·w + x}).
     */
    protected static final class Capture {
        private final int index;
        private final String layer;
        private final int channels;
        private final int height;
        private final int width;
        final double[] activations;
        final double[] gradients;
        private final ResolvedTarget target;
        private final INDArray batch;

        Capture(int index, String layer, int channels, int height, int width, double[] activations,
                double[] gradients, ResolvedTarget target, INDArray batch) {
            this.index = index;
            this.layer = layer;
            this.channels = channels;
            this.height = height;
            this.width = width;
            this.activations = activations;
            this.gradients = gradients;
            this.target = target;
            this.batch = batch;
        }

        /** @return the example's index in the batch. */
        public int index() {
            return index;
        }

        /** @return the layer's name. */
        public String layer() {
            return layer;
        }

        /** @return the number of channels {@code K}. */
        public int channels() {
            return channels;
        }

        /** @return the layer's height {@code h}. */
        public int height() {
            return height;
        }

        /** @return the layer's width {@code w}. */
        public int width() {
            return width;
        }

        /** @return {@code h · w}. */
        public int positions() {
            return height * width;
        }

        /** @return {@code A[k, p]} with {@code p = y·w + x}. */
        public double a(int k, int p) {
            return activations[k * height * width + p];
        }

        /** @return {@code ∂S/∂A[k, p]}. @throws IllegalStateException for gradient-free methods */
        public double g(int k, int p) {
            if (gradients == null) {
                throw new IllegalStateException("this method captured no gradients");
            }
            return gradients[k * height * width + p];
        }

        /** @return the resolved target (class index, score, probability). */
        public ResolvedTarget target() {
            return target;
        }

        /** @return the whole preprocessed input batch {@code [n, C, H, W]} (not to be modified). */
        public INDArray batch() {
            return batch;
        }
    }
}
