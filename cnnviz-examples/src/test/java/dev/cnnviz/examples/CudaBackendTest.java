package dev.cnnviz.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.AdversarialExample;
import dev.cnnviz.api.Explanation;
import dev.cnnviz.api.Target;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.adversarial.Pgd;
import dev.cnnviz.core.attribution.IntegratedGradients;
import dev.cnnviz.core.cam.GradCam;
import dev.cnnviz.core.graph.ForwardPass;
import dev.cnnviz.core.image.ImageTensors;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The GPU path ({@code mvn -Pcuda verify}, README "CPU or CUDA"): on ND4J's CUDA backend with a CUDA device, the
 * embedded model classifies its 300 bundled test images as on the CPU, and gradients, CAMs and attacks run on it
 * with finite results. Without a CUDA device (or on the CPU backend, the default build) the GPU test is skipped with
 * the reason; the CPU reference it compares with is checked on every build.
 */
class CudaBackendTest {
    /** Test images the embedded model classifies correctly on the CPU (of 300). */
    static final int CPU_CORRECT = 271;
    /** The embedded model's probability of class 9 (ankle boot) on its default image, on the CPU. */
    static final double CPU_DEFAULT_PROBABILITY = 0.95944;

    /** @return null on ND4J's CUDA backend with at least one device, else why the GPU test cannot run */
    static String whyNoCuda() {
        String backend;
        try {
            backend = Nd4j.getBackend().getClass().getName();
        } catch (RuntimeException | LinkageError e) {
            return "ND4J's backend could not be loaded (" + e + ")";
        }
        if (!backend.toLowerCase(Locale.ROOT).contains("jcublas")) {
            return "ND4J's backend is " + backend + ", not CUDA: run 'mvn -Pcuda verify' on a machine with an NVIDIA GPU "
                    + "and driver (README, \"CPU or CUDA\")";
        }
        int devices = Nd4j.getAffinityManager().getNumberOfDevices();
        return devices > 0 ? null : "ND4J's CUDA backend sees no CUDA device";
    }

    @Test
    void onTheGpuTheEmbeddedModelAgreesWithTheCpu() {
        String why = whyNoCuda();
        Assumptions.assumeTrue(why == null, () -> "skipped: " + why);
        check(1, 1e-3);
    }

    @Test
    void theCpuReferenceHolds() {
        String why = whyNoCuda();
        Assumptions.assumeTrue(why != null, "on a CUDA device: the GPU test compares with this reference");
        check(0, 1e-4);
    }

    /** Classifies the test images and the default image, then runs a gradient method, a CAM and an attack. */
    private static void check(int miscountAllowed, double probabilityTolerance) {
        Model model = DefaultModel.load();
        List<DefaultModel.TestImage> test = DefaultModel.testImages();
        int correct = 0;
        for (int from = 0; from < test.size(); from += 50) {
            List<DefaultModel.TestImage> part = test.subList(from, Math.min(test.size(), from + 50));
            try (INDArray x = ImageTensors.toBatch(part.stream().map(DefaultModel.TestImage::image).toList(), model.inputSpec());
                 ForwardPass pass = model.graph().infer(x, List.of())) {
                INDArray top = pass.scores().argMax(1);
                for (int i = 0; i < part.size(); i++) {
                    if (top.getInt(i) == part.get(i).label()) {
                        correct++;
                    }
                }
            }
        }
        assertTrue(Math.abs(correct - CPU_CORRECT) <= miscountAllowed,
                correct + " of " + test.size() + " test images right, on the CPU " + CPU_CORRECT);

        BufferedImage img = DefaultModel.defaultImage();
        Explanation cam = GradCam.of(model).explain(img, Target.topClass());
        assertEquals(9, cam.target().classIndex(), cam.toString());
        assertEquals(CPU_DEFAULT_PROBABILITY, cam.target().probability(), probabilityTolerance, cam.toString());
        assertTrue(cam.map().max() > 0, cam.toString());

        // Integrated gradients' completeness: the attributions add up to score(x) − score(black), on any backend.
        Explanation ig = IntegratedGradients.of(model).withSteps(64).explain(img, Target.classIndex(9));
        try (INDArray black = ImageTensors.toBatch(new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY), model.inputSpec());
             ForwardPass pass = model.graph().infer(black, List.of())) {
            double expected = ig.target().score() - pass.scores().getDouble(0, 9);
            assertEquals(expected, ig.attribution().sum(), 0.02 * Math.abs(expected) + 1e-3, ig.toString());
        }

        AdversarialExample a = Pgd.of(model).withEpsilon(16 / 255.0).withSeed(1).attack(img);
        assertTrue(a.success() && a.linf() <= 16 / 255.0 + 1e-6, a.toString());
    }
}
