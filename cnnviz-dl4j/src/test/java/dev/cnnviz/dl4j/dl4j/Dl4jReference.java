package dev.cnnviz.dl4j.dl4j;

import java.util.HashMap;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.graph.vertex.VertexIndices;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.ndarray.INDArray;

/** DL4J's own answers, for cross-checks: outputs and backpropagated input gradients. */
public final class Dl4jReference {
    private Dl4jReference() {
    }

    /** @return {@code ||a - b|| / ||b||} (shapes must match) */
    public static double relL2(INDArray a, INDArray b) {
        if (!java.util.Arrays.equals(a.shape(), b.shape())) {
            throw new AssertionError("shapes differ: " + java.util.Arrays.toString(a.shape()) + " vs "
                    + java.util.Arrays.toString(b.shape()));
        }
        INDArray bd = b.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE);
        INDArray d = a.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).sub(bd);
        return d.norm2Number().doubleValue() / Math.max(bd.norm2Number().doubleValue(), 1e-30);
    }

    /** @return the NCHW form of an NHWC array */
    public static INDArray nchw(INDArray nhwc) {
        return nhwc.permute(0, 3, 1, 2).dup('c');
    }

    /** @return the NHWC form of an NCHW array */
    public static INDArray nhwc(INDArray nchw) {
        return nchw.permute(0, 2, 3, 1).dup('c');
    }

    /**
     * A copy of a computation graph that DL4J 1.0.0-M2.1 can backpropagate: its {@code MergeVertex} backward
     * fails for the negative merge axis ({@code -1}) that its Keras importer sets, so negative axes are made
     * explicit (rank 4). The copy has the same parameters and runs without workspaces.
     */
    public static ComputationGraph backpropReady(ComputationGraph net) {
        ComputationGraphConfiguration conf = net.getConfiguration().clone();
        // (MergeVertex.clone() drops the axis, so it is read from the original)
        for (Map.Entry<String, org.deeplearning4j.nn.conf.graph.GraphVertex> e : net.getConfiguration().getVertices().entrySet()) {
            if (e.getValue() instanceof MergeVertex orig && conf.getVertices().get(e.getKey()) instanceof MergeVertex copy) {
                int axis = orig.getMergeAxis();
                copy.setMergeAxis(axis < 0 ? axis + 4 : axis);
                copy.setModified(orig.isModified());
            }
        }
        conf.setTrainingWorkspaceMode(WorkspaceMode.NONE);
        conf.setInferenceWorkspaceMode(WorkspaceMode.NONE);
        ComputationGraph copy = new ComputationGraph(conf);
        copy.init(net.params().dup(), false);
        for (org.deeplearning4j.nn.api.Layer l : copy.getLayers()) {
            l.conf().getLayer().setIDropout(null);
        }
        return copy;
    }

    /**
     * DL4J's gradient of {@code <seed, value of vertex seedAt>} with respect to the network's first input, by
     * DL4J's own per-vertex backward ({@code GraphVertex.doBackward}) in reverse topological order after a
     * training-mode forward pass (use networks without dropout and batch normalization, whose training-mode
     * forward differs from inference).
     *
     * @param net    a network from {@link #backpropReady}
     * @param input  the input, in the network's layout
     * @param seedAt the vertex whose output the seed multiplies (any vertex, not only outputs)
     * @param seed   the gradient at that vertex, its output's shape
     * @return the input gradient, in the network's input layout
     */
    public static INDArray inputGradient(ComputationGraph net, INDArray input, String seedAt, INDArray seed) {
        net.initGradientsView();
        net.feedForward(new INDArray[] {input}, true, false);
        LayerWorkspaceMgr ws = LayerWorkspaceMgr.noWorkspaces();
        GraphVertex[] vertices = net.getVertices();
        Map<Integer, INDArray> eps = new HashMap<>();
        eps.put(net.getVertex(seedAt).getVertexIndex(), seed.dup());
        int[] order = net.topologicalSortOrder();
        for (int k = order.length - 1; k >= 0; k--) {
            GraphVertex v = vertices[order[k]];
            INDArray e = eps.get(v.getVertexIndex());
            if (e == null || v.isInputVertex()) {
                continue;
            }
            v.setEpsilon(e);
            Pair<?, INDArray[]> res = v.doBackward(false, ws);
            VertexIndices[] ins = v.getInputVertices();
            for (int i = 0; i < ins.length; i++) {
                INDArray gi = res.getSecond()[i].dup();
                eps.merge(ins[i].getVertexIndex(), gi, INDArray::add);
            }
        }
        String in = net.getConfiguration().getNetworkInputs().get(0);
        return eps.get(net.getVertex(in).getVertexIndex());
    }
}
