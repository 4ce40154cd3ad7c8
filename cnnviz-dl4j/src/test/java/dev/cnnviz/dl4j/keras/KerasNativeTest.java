package dev.cnnviz.dl4j.keras;

import static dev.cnnviz.dl4j.dl4j.Dl4jReference.relL2;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.core.SharedData;
import dev.cnnviz.api.ChannelOrder;
import dev.cnnviz.api.Layout;
import dev.cnnviz.api.Preprocessing;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.graph.ForwardPass;
import java.nio.file.Path;
import java.util.List;
import org.deeplearning4j.nn.modelimport.keras.Hdf5Archive;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * cnnviz's own Keras reader: the model DL4J rejects (mixed channels_first/channels_last layers) against a
 * plain-Java implementation of Keras' semantics, and the other Keras files against the DL4J-based import.
 */
class KerasNativeTest {

    private static INDArray input(long... shape) {
        Nd4j.getRandom().setSeed(23);
        return Nd4j.rand(DataType.FLOAT, shape);
    }

    private static INDArray run(Model m, INDArray x, String node) {
        try (ForwardPass pass = m.graph().forward(x)) {
            return pass.get(node == null ? m.graph().outputName() : node).dup();
        }
    }

    @Test
    void simpleConv2dImportsAndComputesWhatKerasComputes() throws Exception {
        Path file = SharedData.require("models/fixtures/simpleconv2d_model.hdf5");
        Model m = KerasImporter.load(file);
        System.out.println("simpleconv2d_model.hdf5: " + m.source());
        assertTrue(m.source().contains("read in Java by cnnviz"), m.source());
        assertArrayEquals(new long[] {1, 1, 28, 28}, m.inputSpec().batchShape(1));
        assertEquals(Layout.NCHW, m.inputSpec().originalLayout()); // its first layer is channels_first
        assertEquals(Preprocessing.unit(ChannelOrder.GREY), m.inputSpec().preprocessing());
        assertEquals("dense_4", m.graph().outputName());
        assertEquals("dense_4_preact", m.graph().scoresNode());
        for (String n : List.of("conv2d_1", "max_pooling2d_1", "max_pooling2d_1_relayout", "conv2d_2", "max_pooling2d_2", "dropout_1",
                "flatten_1", "dense_1", "dense_2", "dense_3", "dense_4")) {
            assertTrue(m.graph().contains(n), n + "\n" + m.graph().summary());
        }
        INDArray x = input(2, 1, 28, 28);
        INDArray ours = run(m, x, null);
        assertArrayEquals(new long[] {2, 22}, ours.shape());
        double[][] expected = reference(file, x);
        double err = relL2(ours, Nd4j.createFromArray(expected));
        System.out.printf("simpleconv2d vs plain-Java Keras reference: rel L2 %.3g%n", err);
        assertTrue(err < 1e-5, "rel L2 " + err);
    }

    /** Keras' forward pass of simpleconv2d_model.hdf5 written out with loops, each layer in its own data format. */
    private static double[][] reference(Path file, INDArray xin) throws Exception {
        float[][][][] k1;
        float[] b1;
        float[][][][] k2;
        float[] b2;
        float[][][] dense = new float[4][][];
        float[][] denseB = new float[4][];
        try (Hdf5Archive h = new Hdf5Archive(file.toString())) {
            k1 = rank4(h.readDataSet("kernel:0", "model_weights", "conv2d_1", "conv2d_1"));
            b1 = h.readDataSet("bias:0", "model_weights", "conv2d_1", "conv2d_1").toFloatVector();
            k2 = rank4(h.readDataSet("kernel:0", "model_weights", "conv2d_2", "conv2d_2"));
            b2 = h.readDataSet("bias:0", "model_weights", "conv2d_2", "conv2d_2").toFloatVector();
            for (int i = 0; i < 4; i++) {
                String l = "dense_" + (i + 1);
                dense[i] = h.readDataSet("kernel:0", "model_weights", l, l).toFloatMatrix();
                denseB[i] = h.readDataSet("bias:0", "model_weights", l, l).toFloatVector();
            }
        }
        int n = (int) xin.size(0);
        double[][] out = new double[n][];
        for (int s = 0; s < n; s++) {
            // conv2d_1, channels_first: input [1, 28, 28] -> [30, 26, 26], relu
            double[][][] a1 = new double[30][26][26];
            for (int o = 0; o < 30; o++) {
                for (int i = 0; i < 26; i++) {
                    for (int j = 0; j < 26; j++) {
                        double v = b1[o];
                        for (int di = 0; di < 3; di++) {
                            for (int dj = 0; dj < 3; dj++) {
                                v += xin.getDouble(s, 0, i + di, j + dj) * k1[di][dj][0][o];
                            }
                        }
                        a1[o][i][j] = Math.max(v, 0);
                    }
                }
            }
            // max_pooling2d_1, channels_last: the array [30, 26, 26] read as H=30, W=26, C=26 -> [15, 13, 26]
            double[][][] p1 = new double[15][13][26];
            for (int i = 0; i < 15; i++) {
                for (int j = 0; j < 13; j++) {
                    for (int c = 0; c < 26; c++) {
                        double mx = Double.NEGATIVE_INFINITY;
                        for (int a = 0; a < 2; a++) {
                            for (int bb = 0; bb < 2; bb++) {
                                mx = Math.max(mx, a1[2 * i + a][2 * j + bb][c]);
                            }
                        }
                        p1[i][j][c] = mx;
                    }
                }
            }
            // conv2d_2, channels_last: [15, 13, 26] -> [13, 11, 15], relu
            double[][][] a2 = new double[13][11][15];
            for (int i = 0; i < 13; i++) {
                for (int j = 0; j < 11; j++) {
                    for (int o = 0; o < 15; o++) {
                        double v = b2[o];
                        for (int di = 0; di < 3; di++) {
                            for (int dj = 0; dj < 3; dj++) {
                                for (int c = 0; c < 26; c++) {
                                    v += p1[i + di][j + dj][c] * k2[di][dj][c][o];
                                }
                            }
                        }
                        a2[i][j][o] = Math.max(v, 0);
                    }
                }
            }
            // max_pooling2d_2, channels_last -> [6, 5, 15]; dropout (identity); flatten in (h, w, c) order -> 450
            double[] f = new double[450];
            int idx = 0;
            for (int i = 0; i < 6; i++) {
                for (int j = 0; j < 5; j++) {
                    for (int c = 0; c < 15; c++) {
                        double mx = Double.NEGATIVE_INFINITY;
                        for (int a = 0; a < 2; a++) {
                            for (int bb = 0; bb < 2; bb++) {
                                mx = Math.max(mx, a2[2 * i + a][2 * j + bb][c]);
                            }
                        }
                        f[idx++] = mx;
                    }
                }
            }
            for (int d = 0; d < 4; d++) {
                double[] y = new double[denseB[d].length];
                for (int o = 0; o < y.length; o++) {
                    double v = denseB[d][o];
                    for (int i = 0; i < f.length; i++) {
                        v += f[i] * dense[d][i][o];
                    }
                    y[o] = d < 3 ? Math.max(v, 0) : v;
                }
                f = y;
            }
            double mx = java.util.Arrays.stream(f).max().orElse(0);
            double sum = 0;
            for (int i = 0; i < f.length; i++) {
                f[i] = Math.exp(f[i] - mx);
                sum += f[i];
            }
            for (int i = 0; i < f.length; i++) {
                f[i] /= sum;
            }
            out[s] = f;
        }
        return out;
    }

    private static float[][][][] rank4(INDArray a) {
        long[] sh = a.shape();
        float[][][][] r = new float[(int) sh[0]][(int) sh[1]][(int) sh[2]][(int) sh[3]];
        for (int i = 0; i < sh[0]; i++) {
            for (int j = 0; j < sh[1]; j++) {
                for (int k = 0; k < sh[2]; k++) {
                    for (int l = 0; l < sh[3]; l++) {
                        r[i][j][k][l] = a.getFloat(i, j, k, l);
                    }
                }
            }
        }
        return r;
    }

    @Test
    void ownReaderAgreesWithTheDl4jImportOnTheOtherFiles() throws Exception {
        record Case(String file, long[] shape, String node) {
        }
        for (Case c : List.of(
                new Case("models/squeezenet1.1/squeezenet1.1-imagenet.h5", new long[] {1, 3, 224, 224}, null),
                new Case("models/fixtures/12net.h5", new long[] {2, 3, 20, 14}, "conv4-2"),
                new Case("models/fixtures/12net.h5", new long[] {2, 3, 20, 14}, "conv4-1"),
                new Case("models/fixtures/cnn_batch_norm.h5", new long[] {3, 3, 10, 10}, null),
                new Case("models/fixtures/wgan_discriminator.h5", new long[] {2, 1, 28, 28}, "dropout_4"))) {
            Path file = SharedData.require(c.file());
            Model viaDl4j = KerasImporter.loadWithDl4j(file);
            Model own = KerasImporter.load(file);
            assertTrue(own.source().contains("read in Java by cnnviz") && viaDl4j.source().contains("via DL4J"), own.source());
            assertEquals(viaDl4j.inputSpec(), own.inputSpec(), c.file());
            INDArray x = input(c.shape());
            if (c.file().contains("squeezenet")) {
                x = Nd4j.createFromNpyFile(SharedData.require("models/squeezenet1.1/cat-input.npy").toFile());
            }
            double err = relL2(run(own, x, c.node()), run(viaDl4j, x, c.node()));
            System.out.printf("own Keras reader vs DL4J import, %s%s: rel L2 %.3g%n", file.getFileName(),
                    c.node() == null ? "" : " at " + c.node(), err);
            assertTrue(err < 1e-5, c.file() + ": rel L2 " + err);
            if (!c.file().contains("wgan")) { // (DL4J drops wgan's trailing Keras Flatten; the own reader keeps it)
                assertEquals(viaDl4j.graph().scoresNode(), own.graph().scoresNode(), c.file());
            }
        }
    }
}
