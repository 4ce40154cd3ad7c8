package dev.cnnviz.core.cam;

import dev.cnnviz.core.Model;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.Node;
import dev.cnnviz.core.graph.ops.Add;
import dev.cnnviz.core.graph.ops.AutoPad;
import dev.cnnviz.core.graph.ops.AveragePool;
import dev.cnnviz.core.graph.ops.Constant;
import dev.cnnviz.core.graph.ops.Dense;
import dev.cnnviz.core.graph.ops.Gemm;
import dev.cnnviz.core.graph.ops.GlobalAveragePool;
import dev.cnnviz.core.graph.ops.MatMul;
import dev.cnnviz.core.graph.ops.ReduceMean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * CAM, the original class activation map (Zhou, Khosla, Lapedriza, Oliva &amp; Torralba 2016, "Learning Deep
 * Features for Discriminative Localization", CVPR).
 *
 * <p>For a network whose class scores are a linear layer applied to the global average pooling of a 4-D layer
 * {@code f [K, h, w]}, {@code S_c = Σ_k w_k^c · mean(f_k) + b_c}, the class activation map is
 * <pre>  M_c(x, y) = Σ_k w_k^c f_k(x, y)</pre>
 * with {@code w} read from the linear layer's constant weights ({@code Gemm} {@code α·B'}, {@code Dense}
 * {@code W [in, out]} or {@code MatMul} {@code B [in, out]}, optionally followed by a constant bias {@code Add};
 * {@code Flatten}, {@code Reshape}, {@code Squeeze}, {@code Dropout} and {@code Identity} may sit between pooling
 * and linear layer). The bias is not part of the map, as in the paper. Global average pooling is a
 * {@code GlobalAveragePool}, a {@code ReduceMean} over the two spatial axes, or an {@code AveragePool} whose
 * unpadded kernel covers the whole map.
 *
 * <p>Networks in SqueezeNet's form — a convolution producing one channel per class (optionally followed by a
 * ReLU), then global average pooling — are their own CAM: the map is <b>the target class's channel of the layer
 * feeding the global pooling</b>, {@code M_c = f_c}, whose mean is exactly the class score.
 *
 * <p>No backward pass is needed. The layer is always the one feeding the global pooling; naming any other
 * layer, a model of another form, or a target that is not a class gives an {@link IllegalArgumentException}
 * explaining what is needed (use {@link GradCam}, which generalises CAM to any architecture and equals CAM divided
 * by {@code h·w} on the models CAM supports). The paper shows the unrectified map; the ReLU is on by default
 * here as in the rest of the family, {@code withRelu(false)} gives the paper's signed map.
 *
 * <p>Defaults: the layer feeding the global average pooling (found from the graph's structure and a forward pass
 * on a zero batch), ReLU on, batch size {@value CamBase#DEFAULT_BATCH_SIZE}; one forward pass per batch.
 *
 * <pre>{@code
 * Explanation e = Cam.of(model).explain(image, 285);
 * Explanation signed = Cam.of(model).withRelu(false).explain(image, 285);
 * e.save(Path.of("cam.png"));
 * }</pre>
 */
public final class Cam extends CamBase<Cam> {
    private volatile Structure structure;

    /**
     * The CAM structure of a model.
     *
     * @param layer   the layer feeding the global average pooling
     * @param pool    the pooling node
     * @param linear  the linear node, or null for the conv-then-pool form
     * @param weights the linear weights as stored, or null
     * @param transB  whether the weights are stored {@code [classes, K]}
     * @param scale   the factor applied to the weights (Gemm's alpha)
     */
    private record Structure(String layer, String pool, String linear, INDArray weights, boolean transB, double scale) {
        double[] column(int c, int k) {
            double[] w = new double[k];
            for (int i = 0; i < k; i++) {
                w[i] = scale * (transB ? weights.getDouble(c, i) : weights.getDouble(i, c));
            }
            return w;
        }
    }

    private Cam(Model model, Settings s) {
        super(model, s);
    }

    /** @return CAM for a model. @throws IllegalArgumentException on use if the model has no CAM structure */
    public static Cam of(Model model) {
        return new Cam(model, defaults(model, DEFAULT_BATCH_SIZE));
    }

    @Override
    protected Cam with(Settings s) {
        return new Cam(model, s);
    }

    @Override
    public String name() {
        return "CAM";
    }

    @Override
    protected boolean usesGradients() {
        return false;
    }

    @Override
    protected String defaultLayer() {
        return structure().layer();
    }

    @Override
    protected void checkLayer(String layer) {
        Structure s = structure();
        if (!layer.equals(s.layer())) {
            throw new IllegalArgumentException("CAM is defined only at the layer feeding the global average pooling '"
                    + s.pool() + "', which is '" + s.layer() + "'; found '" + layer + "' (use GradCam for other layers)");
        }
    }

    @Override
    protected Map<String, String> extraOptions() {
        Structure s;
        try {
            s = structure();
        } catch (IllegalArgumentException e) {
            return Map.of(); // toString() of a CAM on an unsuitable model; explaining reports the problem
        }
        return Map.of("weights", s.linear() == null ? "class channels of " + s.layer() : s.linear());
    }

    @Override
    protected double[] map(Capture c) {
        int cls = c.target().classIndex();
        if (cls < 0) {
            throw new IllegalArgumentException("CAM explains class scores; the target " + c.target().target().describe()
                    + " is not a class (use GradCam for other targets)");
        }
        Structure s = structure();
        if (s.linear() == null) {
            if (cls >= c.channels()) {
                throw new IllegalArgumentException("class " + cls + " has no channel in '" + s.layer() + "' ("
                        + c.channels() + " channels)");
            }
            double[] m = new double[c.positions()];
            for (int p = 0; p < m.length; p++) {
                m[p] = c.a(cls, p);
            }
            return m;
        }
        return weightedSum(c, s.column(cls, c.channels()));
    }

    private Structure structure() {
        Structure s = structure;
        if (s == null) {
            s = detect();
            structure = s;
        }
        return s;
    }

    private Structure detect() {
        Graph g = model.graph();
        Map<String, long[]> shapes = shapes();
        List<String> path = new ArrayList<>();
        String cur = skipShapeOnly(g, g.scoresNode(), path);
        Node n = g.node(cur);
        if (isGlobalAveragePool(n, shapes)) {
            return new Structure(n.inputs().get(0), n.name(), null, null, false, 1);
        }
        if (n.op() instanceof Add && n.inputs().size() == 2) {
            boolean c0 = isConstant(g, n.inputs().get(0));
            boolean c1 = isConstant(g, n.inputs().get(1));
            if (c0 != c1) {
                cur = n.inputs().get(c0 ? 1 : 0);
                path.add(cur);
                n = g.node(cur);
            }
        }
        INDArray w = null;
        boolean transB = false;
        double scale = 1;
        if (n.inputs().size() >= 2 && isConstant(g, n.inputs().get(1))) {
            INDArray b = g.constant(n.inputs().get(1));
            if (n.op() instanceof Gemm gemm && !gemm.transA()) {
                w = b;
                transB = gemm.transB();
                scale = gemm.alpha();
            } else if ((n.op() instanceof Dense || n.op() instanceof MatMul) && b.rank() == 2) {
                w = b;
            }
        }
        if (w != null) {
            String pooled = skipShapeOnly(g, n.inputs().get(0), path);
            Node p = g.node(pooled);
            if (isGlobalAveragePool(p, shapes)) {
                String layer = p.inputs().get(0);
                long k = shapes.get(layer)[1];
                long rows = transB ? w.size(1) : w.size(0);
                if (rows != k) {
                    throw new IllegalArgumentException("CAM: the linear layer '" + n.name() + "' takes " + rows
                            + " features but the pooled layer '" + layer + "' has " + k + " channels");
                }
                return new Structure(layer, p.name(), n.name(), w, transB, scale);
            }
        }
        throw new IllegalArgumentException("CAM needs a model whose class scores are either (a) one linear layer "
                + "(Gemm, Dense or MatMul with constant weights, optionally plus a constant bias) applied to the global "
                + "average pooling of a 4-D layer, with only Flatten/Reshape/Squeeze/Dropout/Identity in between, or "
                + "(b) the global average pooling of a 4-D layer with one channel per class (SqueezeNet's 1x1 conv, "
                + "ReLU, global average pooling); walking back from the scores node '" + g.scoresNode() + "' found "
                + describe(g, path) + ". Use GradCam, which works for any architecture");
    }

    private static String describe(Graph g, List<String> path) {
        List<String> parts = new ArrayList<>();
        for (String name : path) {
            Node n = g.node(name);
            parts.add("'" + name + "' (" + n.op().kind() + ")");
        }
        return String.join(" <- ", parts);
    }

    private static boolean isConstant(Graph g, String name) {
        return g.node(name).op() instanceof Constant;
    }

    private static String skipShapeOnly(Graph g, String name, List<String> path) {
        String cur = name;
        path.add(cur);
        Node n = g.node(cur);
        while (n.op() instanceof Graph.ShapeOnly && !n.inputs().isEmpty()) {
            cur = n.inputs().get(0);
            path.add(cur);
            n = g.node(cur);
        }
        return cur;
    }

    /** Global average pooling over the two spatial axes of a 4-D input. */
    private static boolean isGlobalAveragePool(Node n, Map<String, long[]> shapes) {
        if (n.inputs().isEmpty()) {
            return false;
        }
        long[] in = shapes.get(n.inputs().get(0));
        if (in == null || in.length != 4) {
            return false;
        }
        if (n.op() instanceof GlobalAveragePool) {
            return true;
        }
        if (n.op() instanceof ReduceMean rm) {
            int[] axes = rm.axes();
            for (int i = 0; i < axes.length; i++) {
                axes[i] = axes[i] < 0 ? axes[i] + 4 : axes[i];
            }
            Arrays.sort(axes);
            return Arrays.equals(axes, new int[] {2, 3});
        }
        if (n.op() instanceof AveragePool ap) {
            int[] pads = ap.pads();
            boolean unpadded = ap.autoPad() == AutoPad.VALID
                    || (ap.autoPad() == AutoPad.NOTSET && Arrays.stream(pads).allMatch(v -> v == 0));
            return unpadded && ap.kernel()[0] == in[2] && ap.kernel()[1] == in[3];
        }
        return false;
    }
}
