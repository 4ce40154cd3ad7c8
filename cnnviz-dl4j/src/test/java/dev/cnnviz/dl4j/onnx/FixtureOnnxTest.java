package dev.cnnviz.dl4j.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.core.SharedData;
import dev.cnnviz.api.ChannelOrder;
import dev.cnnviz.api.ModelImportException;
import dev.cnnviz.api.Preprocessing;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.graph.ForwardPass;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.ops.Input;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/** The shared importer fixtures: PyTorch exports with known outputs, and third-party small models. */
class FixtureOnnxTest {

    /** tiny-resnet and tiny-mobilenet (opset 13, symbolic batch) reproduce PyTorch's outputs. */
    @ParameterizedTest
    @ValueSource(strings = {"tiny-resnet", "tiny-mobilenet"})
    void reproducesPyTorch(String name) throws Exception {
        Model m = OnnxImporter.load(SharedData.require("models/fixtures/" + name + ".onnx"));
        INDArray x = Nd4j.createFromNpyFile(SharedData.require("models/fixtures/" + name + "-input.npy").toFile());
        INDArray expected = Nd4j.createFromNpyFile(SharedData.require("models/fixtures/" + name + "-output.npy").toFile())
                .castTo(DataType.FLOAT);
        assertEquals(3, m.inputSpec().channels());
        assertEquals(64, m.inputSpec().height());
        Graph g = m.graph();
        assertEquals(g.outputName(), g.scoresNode(), "no final softmax: the scores are the output");
        try (ForwardPass pass = g.infer(x, List.of())) {
            INDArray y = pass.output().castTo(DataType.FLOAT);
            assertArrayEquals(expected.shape(), y.shape());
            double rel = y.sub(expected).norm2Number().doubleValue() / expected.norm2Number().doubleValue();
            double maxAbs = y.sub(expected).amaxNumber().doubleValue();
            System.out.printf("%s: relative L2 error %.3g, max abs error %.3g (output norm %.3g)%n", name, rel, maxAbs,
                    expected.norm2Number().doubleValue());
            assertTrue(rel < 1e-4, name + " relative L2 error " + rel);
        }
    }

    @Test
    void tinyMobilenetClipBoundsAreFoldedFromConstantInputs() throws Exception {
        Model m = OnnxImporter.load(SharedData.require("models/fixtures/tiny-mobilenet.onnx"));
        Graph g = m.graph();
        long clips = g.nodes().stream().filter(n -> n.op().kind().equals("Clip")).count();
        assertTrue(clips > 10);
        g.nodes().stream().filter(n -> n.op().kind().equals("Clip"))
                .forEach(n -> assertEquals(1, n.inputs().size(), "Clip bounds are attributes: " + n));
        assertTrue(g.contains("/features/features.0/features.0.0/Conv"), "ONNX node names are kept");
    }

    /** The Windows ML MNIST model (CNTK, opset 7): SAME_UPPER convolutions, reshaped MatMul weights. */
    @Test
    void winmlMnistImportsAndRuns() throws Exception {
        Model m = OnnxImporter.load(SharedData.require("models/fixtures/winml-mnist.onnx"));
        assertEquals(1, m.inputSpec().channels());
        assertEquals(28, m.inputSpec().height());
        assertEquals(28, m.inputSpec().width());
        assertEquals(Preprocessing.unit(ChannelOrder.GREY), m.inputSpec().preprocessing());
        System.out.println(m.graph().summary());
        for (INDArray x : List.of(Nd4j.zeros(DataType.FLOAT, 1, 1, 28, 28), Nd4j.rand(DataType.FLOAT, 1, 1, 28, 28).muli(255))) {
            try (ForwardPass pass = m.graph().infer(x, List.of())) {
                INDArray y = pass.output();
                assertArrayEquals(new long[] {1, 10}, y.shape());
                assertTrue(Double.isFinite(y.sumNumber().doubleValue()));
            }
        }
    }

    // ---- DL4J's output_cnn_mnist.onnx and sm_cnn.onnx ---------------------------------------------------------

    /**
     * DL4J's output_cnn_mnist.onnx (PyTorch 1.12, opset 13): two Conv-Relu-MaxPool blocks, a Reshape to the
     * exporter's fixed batch of 10, Gemm, and LogSoftmax with axis 0, i.e. across the batch (as the exported
     * {@code log_softmax(dim=0)} does): each column of exp(output) sums to 1. The output matches a plain-Java
     * computation of the network from the file's initializers.
     */
    @Test
    void outputCnnMnistImportsAndRuns() throws Exception {
        Path f = SharedData.require("models/fixtures/output_cnn_mnist.onnx");
        OnnxImporter.Result r = OnnxImporter.read(f, OnnxImporter.Options.defaults());
        Model m = r.model();
        assertEquals(13, r.opset());
        assertEquals(1, m.inputSpec().channels());
        assertEquals(28, m.inputSpec().height());
        assertEquals(28, m.inputSpec().width());
        Graph g = m.graph();
        assertEquals("LogSoftmax_15", g.outputName());
        assertEquals("LogSoftmax", g.node("LogSoftmax_15").op().kind());
        assertEquals("Gemm_14", g.scoresNode(), "the class scores are the input of the final LogSoftmax");
        float[] x = new float[10 * 28 * 28];
        for (int i = 0; i < x.length; i++) {
            x[i] = ((i * 37) % 101) / 100f;
        }
        INDArray input = Nd4j.create(x, new long[] {10, 1, 28, 28}, 'c');
        double[][] expected = mnistReference(Initializers.read(f), x);
        try (ForwardPass pass = g.infer(input, List.of())) {
            INDArray y = pass.output();
            assertArrayEquals(new long[] {10, 10}, y.shape());
            assertTrue(Double.isFinite(y.sumNumber().doubleValue()), "finite output");
            INDArray columnSums = Transforms.exp(y.castTo(DataType.DOUBLE), true).sum(0);
            for (int c = 0; c < 10; c++) {
                assertEquals(1.0, columnSums.getDouble(c), 1e-5, "exp(LogSoftmax) over the batch axis, class " + c);
            }
            double maxErr = 0;
            for (int n = 0; n < 10; n++) {
                for (int c = 0; c < 10; c++) {
                    maxErr = Math.max(maxErr, Math.abs(y.getDouble(n, c) - expected[n][c]));
                }
            }
            System.out.printf("output_cnn_mnist: max abs error %.3g against the plain-Java reference%n", maxErr);
            assertTrue(maxErr < 1e-4, "max abs error " + maxErr);
        }
        // The exporter fixed the batch at 10 in the Reshape's target [10, -1]: another batch fails, naming the node.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> g.infer(Nd4j.zeros(DataType.FLOAT, 1, 1, 28, 28), List.of()).close());
        assertTrue(e.getMessage().contains("Reshape_13"), e.getMessage());
    }

    /** The reference forward pass of output_cnn_mnist in plain Java, from the ONNX initializers. */
    private static double[][] mnistReference(Map<String, Initializers.Tensor> w, float[] x) {
        double[][][][] a = new double[10][1][28][28];
        for (int i = 0; i < x.length; i++) {
            a[i / 784][0][(i % 784) / 28][i % 28] = x[i];
        }
        a = maxPool2(relu(conv5x5pad2(a, w.get("conv1.0.weight"), w.get("conv1.0.bias"))));
        a = maxPool2(relu(conv5x5pad2(a, w.get("conv2.0.weight"), w.get("conv2.0.bias"))));
        Initializers.Tensor ow = w.get("out.weight");
        Initializers.Tensor ob = w.get("out.bias");
        double[][] logits = new double[10][10];
        for (int n = 0; n < 10; n++) {
            for (int o = 0; o < 10; o++) {
                double s = ob.values()[o];
                int k = 0;
                for (int c = 0; c < 32; c++) {
                    for (int i = 0; i < 7; i++) {
                        for (int j = 0; j < 7; j++) {
                            s += a[n][c][i][j] * ow.values()[o * 1568 + k++];
                        }
                    }
                }
                logits[n][o] = s;
            }
        }
        // LogSoftmax along axis 0 (the batch).
        for (int o = 0; o < 10; o++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int n = 0; n < 10; n++) {
                max = Math.max(max, logits[n][o]);
            }
            double sum = 0;
            for (int n = 0; n < 10; n++) {
                sum += Math.exp(logits[n][o] - max);
            }
            for (int n = 0; n < 10; n++) {
                logits[n][o] = logits[n][o] - max - Math.log(sum);
            }
        }
        return logits;
    }

    private static double[][][][] conv5x5pad2(double[][][][] x, Initializers.Tensor w, Initializers.Tensor b) {
        int n = x.length;
        int c = x[0].length;
        int h = x[0][0].length;
        int wd = x[0][0][0].length;
        int o = (int) w.dims()[0];
        double[][][][] y = new double[n][o][h][wd];
        for (int s = 0; s < n; s++) {
            for (int k = 0; k < o; k++) {
                for (int i = 0; i < h; i++) {
                    for (int j = 0; j < wd; j++) {
                        double acc = b.values()[k];
                        for (int ci = 0; ci < c; ci++) {
                            for (int di = 0; di < 5; di++) {
                                for (int dj = 0; dj < 5; dj++) {
                                    int ii = i + di - 2;
                                    int jj = j + dj - 2;
                                    if (ii >= 0 && ii < h && jj >= 0 && jj < wd) {
                                        acc += x[s][ci][ii][jj] * w.values()[((k * c + ci) * 5 + di) * 5 + dj];
                                    }
                                }
                            }
                        }
                        y[s][k][i][j] = acc;
                    }
                }
            }
        }
        return y;
    }

    private static double[][][][] relu(double[][][][] x) {
        for (double[][][] a : x) {
            for (double[][] b : a) {
                for (double[] r : b) {
                    for (int i = 0; i < r.length; i++) {
                        r[i] = Math.max(0, r[i]);
                    }
                }
            }
        }
        return x;
    }

    private static double[][][][] maxPool2(double[][][][] x) {
        int h = x[0][0].length / 2;
        int w = x[0][0][0].length / 2;
        double[][][][] y = new double[x.length][x[0].length][h][w];
        for (int n = 0; n < x.length; n++) {
            for (int c = 0; c < x[0].length; c++) {
                for (int i = 0; i < h; i++) {
                    for (int j = 0; j < w; j++) {
                        y[n][c][i][j] = Math.max(Math.max(x[n][c][2 * i][2 * j], x[n][c][2 * i][2 * j + 1]),
                                Math.max(x[n][c][2 * i + 1][2 * j], x[n][c][2 * i + 1][2 * j + 1]));
                    }
                }
            }
        }
        return y;
    }

    /**
     * DL4J's sm_cnn.onnx: a PyTorch 0.2 text CNN (SM-CNN answer selection) of IR version 1 without opset imports,
     * read at opset 1. Inputs: two sentences as [N, 50, length] embeddings (lengths 20 and 19) and [N, 4] extra
     * features; 1-D convolutions (written with PyTorch 0.2's 2-D-view attributes), the bias added with the
     * legacy broadcast from axis 1, Tanh, max pooling over the whole sentence, Reshape with a shape attribute,
     * Concat, two Gemm layers with Dropout (is_test=1) between them, Softmax and Log. Not an image model, so it
     * imports as a graph; its output matches a plain-Java computation, and each row of exp(output) sums to 1.
     */
    @Test
    void smCnnImportsAsAGraphAndRuns() throws Exception {
        Path f = SharedData.require("models/fixtures/sm_cnn.onnx");
        ModelImportException notAModel = assertThrows(ModelImportException.class, () -> OnnxImporter.load(f));
        assertTrue(notAModel.getMessage().contains("3 inputs") && notAModel.getMessage().contains("readGraph"),
                notAModel.getMessage());
        OnnxImporter.GraphResult r = OnnxImporter.readGraph(f, OnnxImporter.Options.defaults());
        assertEquals(OnnxImporter.LEGACY_OPSET, r.opset());
        assertEquals("pytorch 0.2", r.producer());
        Graph g = r.graph();
        System.out.println(g.summary());
        assertEquals(List.of("1", "2", "3"), g.inputNames());
        assertArrayEquals(new long[] {50, 20}, ((Input) g.node("1").op()).shape());
        assertArrayEquals(new long[] {50, 19}, ((Input) g.node("2").op()).shape());
        assertArrayEquals(new long[] {4}, ((Input) g.node("3").op()).shape());
        assertEquals(r.tensorToNode().get("34"), g.outputName());
        assertEquals(r.tensorToNode().get("32"), g.scoresNode(), "the scores are the input of the Softmax under the Log");
        assertEquals("Conv", g.node("conv_13").op().kind(), "the 1-D convolution keeps its node's name");

        Map<String, Initializers.Tensor> w = Initializers.read(f);
        float[][] q = new float[2][50 * 20];
        float[][] ans = new float[2][50 * 19];
        float[][] feat = new float[2][4];
        for (int n = 0; n < 2; n++) {
            for (int i = 0; i < q[n].length; i++) {
                q[n][i] = (float) Math.sin(0.37 * i + n);
            }
            for (int i = 0; i < ans[n].length; i++) {
                ans[n][i] = (float) Math.cos(0.23 * i - n);
            }
            for (int i = 0; i < 4; i++) {
                feat[n][i] = (i + 1) * (n == 0 ? 0.25f : -0.5f);
            }
        }
        Map<String, INDArray> batch = Map.of(
                "1", Nd4j.create(concat(q), new long[] {2, 50, 20}, 'c'),
                "2", Nd4j.create(concat(ans), new long[] {2, 50, 19}, 'c'),
                "3", Nd4j.create(concat(feat), new long[] {2, 4}, 'c'));
        try (ForwardPass pass = g.infer(batch, List.of())) {
            INDArray y = pass.output();
            assertArrayEquals(new long[] {2, 2}, y.shape());
            assertTrue(Double.isFinite(y.sumNumber().doubleValue()), "finite output " + y);
            double maxErr = 0;
            for (int n = 0; n < 2; n++) {
                double[] expected = smCnnReference(w, q[n], ans[n], feat[n]);
                assertEquals(1.0, Math.exp(y.getDouble(n, 0)) + Math.exp(y.getDouble(n, 1)), 1e-5, "exp(log-probabilities), row " + n);
                for (int c = 0; c < 2; c++) {
                    // float32 keeps about 7 digits: relative to the log-probability's size (about -21 in row 1)
                    maxErr = Math.max(maxErr, Math.abs(y.getDouble(n, c) - expected[c]) / (1 + Math.abs(expected[c])));
                }
            }
            System.out.printf("sm_cnn: %s, max relative error %.3g against the plain-Java reference%n", y, maxErr);
            assertTrue(maxErr < 1e-5, "max relative error " + maxErr);
        }
    }

    private static float[] concat(float[][] rows) {
        float[] out = new float[rows.length * rows[0].length];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, out, i * rows[i].length, rows[i].length);
        }
        return out;
    }

    /** One example of sm_cnn in plain Java with the opset-1 semantics: returns log(softmax(scores)). */
    private static double[] smCnnReference(Map<String, Initializers.Tensor> w, float[] q, float[] a, float[] feat) {
        double[] hidden = new double[204];
        System.arraycopy(sentence(q, 20, w.get("4"), w.get("5")), 0, hidden, 0, 100);
        System.arraycopy(sentence(a, 19, w.get("6"), w.get("7")), 0, hidden, 100, 100);
        for (int i = 0; i < 4; i++) {
            hidden[200 + i] = feat[i];
        }
        // Gemm(A, Transpose(W8), b9) = A·W8ᵀ + b9, then Tanh; Dropout with is_test=1 is the identity.
        double[] h = dense(hidden, w.get("8"), w.get("9"));
        for (int i = 0; i < h.length; i++) {
            h[i] = Math.tanh(h[i]);
        }
        double[] s = dense(h, w.get("10"), w.get("11"));
        double max = Math.max(s[0], s[1]);
        double sum = Math.exp(s[0] - max) + Math.exp(s[1] - max);
        return new double[] {Math.log(Math.exp(s[0] - max) / sum), Math.log(Math.exp(s[1] - max) / sum)};
    }

    /** Conv1d (kernel 5, padding 4 on both sides), + bias per channel, Tanh, max over the whole length. */
    private static double[] sentence(float[] x, int len, Initializers.Tensor w, Initializers.Tensor b) {
        int out = len + 4;
        double[] pooled = new double[100];
        for (int o = 0; o < 100; o++) {
            double best = Double.NEGATIVE_INFINITY;
            for (int t = 0; t < out; t++) {
                double acc = 0;
                for (int c = 0; c < 50; c++) {
                    for (int k = 0; k < 5; k++) {
                        int i = t + k - 4;
                        if (i >= 0 && i < len) {
                            acc += x[c * len + i] * w.values()[(o * 50 + c) * 5 + k];
                        }
                    }
                }
                best = Math.max(best, Math.tanh(acc + b.values()[o]));
            }
            pooled[o] = best;
        }
        return pooled;
    }

    /** {@code x·Wᵀ + b} for W [out, in]. */
    private static double[] dense(double[] x, Initializers.Tensor w, Initializers.Tensor b) {
        int out = (int) w.dims()[0];
        double[] y = new double[out];
        for (int o = 0; o < out; o++) {
            double acc = b.values()[o];
            for (int i = 0; i < x.length; i++) {
                acc += x[i] * w.values()[o * x.length + i];
            }
            y[o] = acc;
        }
        return y;
    }
}
