package dev.cnnviz.core.cam;

import static dev.cnnviz.core.cam.CamNets.assertMap;
import static dev.cnnviz.core.cam.CamNets.x;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.Explanation;
import dev.cnnviz.api.Map2D;
import dev.cnnviz.api.Target;
import dev.cnnviz.api.Tensor;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.attribution.TargetResolver;
import dev.cnnviz.core.graph.ForwardPass;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.ops.AutoPad;
import dev.cnnviz.core.graph.ops.Conv;
import dev.cnnviz.core.graph.ops.Dense;
import dev.cnnviz.core.graph.ops.Flatten;
import dev.cnnviz.core.graph.ops.GlobalAveragePool;
import dev.cnnviz.core.graph.ops.Relu;
import dev.cnnviz.core.graph.ops.Softmax;
import dev.cnnviz.core.render.Resample;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** Input forms, options, errors, upsampling and the model-randomisation sanity check. */
class CamBehaviourTest {

    // ---- input forms: BufferedImage, Path, Tensor, INDArray give the same map ----

    private static BufferedImage image() {
        BufferedImage img = new BufferedImage(2, 2, BufferedImage.TYPE_BYTE_GRAY);
        img.getRaster().setSamples(0, 0, 2, 2, 0, new int[] {1, 2, 3, 4});
        return img;
    }

    @Test
    void explainsImagesFilesAndTensors(@TempDir Path dir) throws Exception {
        GradCam gc = GradCam.of(CamNets.netA());
        double[] expected = {1.25, 1, 0.75, 1};
        assertMap(expected, gc.explain(image(), 0));
        Path png = dir.resolve("x.png");
        ImageIO.write(image(), "png", png.toFile());
        assertMap(expected, gc.explain(png, 0));
        assertMap(expected, gc.explain(Tensor.of(new float[] {1, 2, 3, 4}, 1, 2, 2), 0));
        assertMap(expected, gc.explain(x(), 0));
        Path out = gc.explain(image(), 0).save(dir.resolve("panel.png"));
        assertTrue(Files.size(out) > 0);
    }

    @Test
    void batchesGiveOneExplanationPerImageWithItsOwnTarget() {
        List<Explanation> es = GradCam.of(CamNets.netA()).withBatchSize(1)
                .explainAll(List.of(image(), image()), List.of(Target.classIndex(0), Target.classIndex(2)));
        assertEquals(2, es.size());
        assertMap(new double[] {1.25, 1, 0.75, 1}, es.get(0));
        assertMap(new double[] {0, 0, 0.375, 0.5}, es.get(1));      // relu(0.5 f0 - f1) / 4
    }

    @Test
    void optionsAreImmutableCopiesRecordedInProvenance() {
        GradCam base = GradCam.of(CamNets.netB());
        GradCam at1 = base.withLayer("relu1").withRelu(false).withBatchSize(3);
        assertNotSame(base, at1);
        assertEquals("relu2", base.layer());
        assertTrue(base.relu());
        assertEquals(CamBase.DEFAULT_BATCH_SIZE, base.batchSize());
        assertEquals("relu1", at1.layer());
        assertEquals(3, at1.batchSize());
        Explanation e = at1.explain(x(), 1);
        assertEquals("relu1", e.provenance().layer());
        assertEquals(Map.of("relu", "false", "batchSize", "3"), e.provenance().options());
        assertTrue(e.signed());
        assertEquals("PROBABILITY", ScoreCam.of(CamNets.netA()).explain(x(), 0).provenance().options().get("weighting"));
    }

    // ---- errors ----

    @Test
    void unknownLayerListsCloseNames() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GradCam.of(CamNets.netB()).withLayer("relu"));
        assertTrue(e.getMessage().contains("relu1") && e.getMessage().contains("relu2"), e.getMessage());
    }

    @Test
    void nonFourDimensionalLayerIsRejectedWithItsShape() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GradCam.of(CamNets.netB()).withLayer("flat").explain(x(), 0));
        assertTrue(e.getMessage().contains("4-D") && e.getMessage().contains("[1, 2]"), e.getMessage());
        IllegalArgumentException w = assertThrows(IllegalArgumentException.class,
                () -> GradCam.of(CamNets.netB()).withLayer("w2"));
        assertTrue(w.getMessage().contains("constant"), w.getMessage());
    }

    @Test
    void classIndexOutOfRangeIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GradCam.of(CamNets.netB()).explain(x(), 5));
        assertTrue(e.getMessage().contains("out of range"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ScoreCam.of(CamNets.netB()).explain(x(), 2));
        assertThrows(IllegalArgumentException.class, () -> Cam.of(CamNets.netA()).explain(x(), 3));
    }

    @Test
    void camWithoutGapAndLinearExplainsWhatItNeeds() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Cam.of(CamNets.noGap()).explain(x(), 0));
        assertTrue(e.getMessage().contains("global average pooling") && e.getMessage().contains("'fc' (Dense)")
                && e.getMessage().contains("'flat' (Flatten)") && e.getMessage().contains("GradCam"), e.getMessage());
        assertTrue(Cam.of(CamNets.noGap()).toString().startsWith("CAM"));
        // Grad-CAM works on it
        assertEquals(4, GradCam.of(CamNets.noGap()).explain(x(), 0).map().size());
    }

    @Test
    void camOnlyAtThePooledLayerAndOnlyForClasses() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Cam.of(CamNets.netB()).withLayer("relu1").explain(x(), 0));
        assertTrue(e.getMessage().contains("relu2"), e.getMessage());
        IllegalArgumentException t = assertThrows(IllegalArgumentException.class,
                () -> Cam.of(CamNets.netA()).explain(x(), Target.neuron("relu1", 0, 0, 0)));
        assertTrue(t.getMessage().contains("not a class"), t.getMessage());
    }

    @Test
    void noDefaultLayerWithoutSpatialLayers() {
        Graph g = Graph.builder()
                .input("x", 1, 2, 2)
                .add("flat", new Flatten(), "x")
                .constant("w", CamNets.d(new double[] {1, 0, 0, 1, 1, 0, 0, 1}, 4, 2))
                .constant("b", CamNets.d(new double[] {0, 0}, 2))
                .add("fc", new Dense(), "flat", "w", "b")
                .add("prob", Softmax.classes(), "fc")
                .build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GradCam.of(CamNets.model(g, 2, 2)).layer());
        assertTrue(e.getMessage().contains("4-D") && e.getMessage().contains(".withLayer("), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> GradCam.of(CamNets.netA()).withBatchSize(0));
    }

    @Test
    void nonClassTargetsWorkForGradientCams() {
        // the mean of channel 0 of relu2 (net B): dS/dr0 = 1/4, so Grad-CAM at relu2 is r0 / 4
        Explanation e = GradCam.of(CamNets.netB()).explain(x(), Target.channel("relu2", 0));
        assertMap(new double[] {0, 0.25, 0.75, 1}, e);
        assertEquals(-1, e.target().classIndex());
    }

    // ---- Score-CAM upsampling against a direct re-implementation with Resample.bilinear ----

    @Test
    void scoreCamUpsamplesMasksBilinearlyToTheInput() {
        Random r = new Random(3);
        Graph g = Graph.builder()
                .input("x", 1, 4, 4)
                .constant("w1", CamNets.random(r, 3, 1, 2, 2))
                .constant("b1", CamNets.random(r, 3))
                .add("conv1", new Conv(new int[] {2, 2}, new int[4], new int[] {1, 1}, 1, AutoPad.NOTSET), "x", "w1", "b1")
                .add("relu1", new Relu(), "conv1")
                .add("gap", new GlobalAveragePool(), "relu1")
                .add("flat", new Flatten(), "gap")
                .constant("fc_w", CamNets.random(r, 3, 2))
                .constant("fc_b", CamNets.random(r, 2))
                .add("fc", new Dense(), "flat", "fc_w", "fc_b")
                .add("prob", Softmax.classes(), "fc")
                .build();
        Model m = CamNets.model(g, 4, 4);
        INDArray x = CamNets.randomInput(11, 4).addi(1.5);
        int cls = 1;
        double[] expected = new double[4];
        try (ForwardPass pass = g.forward(x)) {
            INDArray a = pass.get("relu1");
            for (int k = 0; k < 3; k++) {
                double[] ak = CamSupport.doubles(a.get(NDArrayIndex.point(0), NDArrayIndex.point(k)));
                float[] f = new float[4];
                for (int i = 0; i < 4; i++) {
                    f[i] = (float) ak[i];
                }
                Map2D up = Resample.bilinear(new Map2D(2, 2, f), 4, 4);
                if (up.max() == up.min()) {
                    continue;
                }
                INDArray masked = x.dup();
                for (int p = 0; p < 16; p++) {
                    double h = (up.at(p) - up.min()) / (up.max() - up.min());
                    masked.putScalar(new long[] {0, 0, p / 4, p % 4}, x.getDouble(0, 0, p / 4, p % 4) * h);
                }
                double prob;
                try (ForwardPass mp = g.forward(masked)) {
                    prob = TargetResolver.softmax(mp.scores()).getDouble(0, cls);
                }
                for (int i = 0; i < 4; i++) {
                    expected[i] += prob * ak[i];
                }
            }
        }
        assertMap(expected, ScoreCam.of(m).withRelu(false).explain(x, cls));
    }

    @Test
    void upsamplerMatchesResample() {
        Random r = new Random(5);
        for (int t = 0; t < 20; t++) {
            int ih = 1 + r.nextInt(6);
            int iw = 1 + r.nextInt(6);
            int oh = 1 + r.nextInt(20);
            int ow = 1 + r.nextInt(20);
            double[] src = new double[ih * iw + 3];
            float[] f = new float[ih * iw];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) r.nextGaussian();
                src[i + 3] = f[i];
            }
            double[] out = new double[oh * ow];
            new CamSupport.Upsampler(ih, iw, oh, ow).apply(src, 3, out);
            Map2D ref = Resample.bilinear(new Map2D(ih, iw, f), oh, ow);
            for (int i = 0; i < out.length; i++) {
                assertEquals(ref.at(i), out[i], 1e-5, ih + "x" + iw + " -> " + oh + "x" + ow + " at " + i);
            }
        }
    }

    // ---- sanity check (Adebayo et al. 2018): randomising the top layers changes the maps ----

    @Test
    void randomisingTheLastLayersChangesTheMaps() {
        Model m = CamNets.randomNet(42, 6, 4, 3);
        INDArray x = CamNets.randomInput(43, 6);
        Random r = new Random(44);
        Graph g = m.graph();
        Model topRandom = m.withGraph(g.withConstants(Map.of(
                "fc_w", CamNets.random(r, 4, 3), "fc_b", CamNets.random(r, 3))));
        Model cascade = topRandom.withGraph(topRandom.graph().withConstants(Map.of(
                "w2", CamNets.random(r, 4, 4, 3, 3), "b2", CamNets.random(r, 4))));
        for (int cls : new int[] {1}) {
            for (String method : List.of("cam", "grad", "score", "gpp", "hires", "layer", "xgrad")) {
                double[] before = map(method, m, x, cls);
                double[] top = map(method, topRandom, x, cls);
                double[] both = map(method, cascade, x, cls);
                assertTrue(distance(before, top) > 0.05, method + " class " + cls + " ignores the top layer");
                assertTrue(distance(before, both) > 0.05, method + " class " + cls + " ignores the top two layers");
            }
        }
        // the original model is untouched
        assertEquals(0, distance(map("grad", m, x, 0), map("grad", CamNets.randomNet(42, 6, 4, 3), x, 0)), 1e-12);
    }

    private static double[] map(String method, Model m, INDArray x, int cls) {
        CamBase<?> a = switch (method) {
            case "cam" -> Cam.of(m);
            case "grad" -> GradCam.of(m);
            case "score" -> ScoreCam.of(m);
            case "gpp" -> GradCamPlusPlus.of(m);
            case "hires" -> HiResCam.of(m);
            case "layer" -> LayerCam.of(m);
            default -> XGradCam.of(m);
        };
        // signed maps, at the last conv layer (relu2): the ReLU could hide differences in the sign
        return CamNets.values(a.withRelu(false).explain(x, cls));
    }

    /** 1 − |cosine similarity| would miss scale changes; use the relative L2 distance of the unit-normalised maps. */
    private static double distance(double[] a, double[] b) {
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        na = Math.sqrt(na);
        nb = Math.sqrt(nb);
        if (na == 0 || nb == 0) {
            return na == nb ? 0 : 1;
        }
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            double v = a[i] / na - b[i] / nb;
            d += v * v;
        }
        return Math.sqrt(d);
    }
}
