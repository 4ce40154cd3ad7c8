package dev.cnnviz.examples.adversarial;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.Tensor;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.adversarial.Norm;
import dev.cnnviz.core.adversarial.UniversalPerturbation;
import dev.cnnviz.examples.DefaultModel;
import dev.cnnviz.examples.train.FashionMnist;
import java.nio.file.Files;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A universal perturbation of the embedded Fashion-MNIST model (issue 13): fitted on training images, it fools a
 * stated share of held-out test images, about twice as many as random noise of the same L2 norm (the paper's control; random
 * ±ξ noise, which fills the whole L∞ ball and so has a much larger L2 norm, fooled 46% here). Measured when written
 * (64 training images, one pass, ξ = 0.1): 36% of the training and 37.5% of 128 test images fooled, against 18.8% for
 * same-norm noise. The test asks for at least 25% held out and at least 1.5 times the rate of the same-norm noise.
 */
class EmbeddedUniversalPerturbationTest {

    static Tensor images(FashionMnist.Split s, int n) {
        float[] u = new float[n * 784];
        for (int i = 0; i < n; i++) {
            for (int y = 0; y < 28; y++) {
                System.arraycopy(s.images()[i][0][y], 0, u, i * 784 + y * 28, 28);
            }
        }
        return Tensor.of(u, n, 1, 28, 28);
    }

    @Test
    void aPerturbationFittedOnTrainingImagesFoolsHeldOutTestImages() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(FashionMnist.DEFAULT_DIR),
                "Fashion-MNIST is not installed at " + FashionMnist.DEFAULT_DIR);
        Model m = DefaultModel.load();
        Tensor train = images(FashionMnist.loadTrain(FashionMnist.DEFAULT_DIR), 64);
        Tensor test = images(FashionMnist.loadTest(FashionMnist.DEFAULT_DIR), 128);
        double xi = 0.1;
        UniversalPerturbation up = UniversalPerturbation.of(m).withXi(xi).withPasses(1);
        UniversalPerturbation.Result r = up.fit(train, test);
        float[] v = r.perturbation().data();
        assertTrue(Norm.LINF.of(v, 0, v.length) <= xi + 1e-6, "within ξ");
        // The paper's control: random noise of the same L2 norm (and within the same L∞ ball).
        SplittableRandom rnd = new SplittableRandom(1);
        float[] noise = new float[v.length];
        double n2 = 0;
        for (int i = 0; i < noise.length; i++) {
            noise[i] = (float) (Math.sqrt(-2 * Math.log(1 - rnd.nextDouble())) * Math.cos(2 * Math.PI * rnd.nextDouble()));
            n2 += noise[i] * noise[i];
        }
        double scale = Norm.L2.of(v, 0, v.length) / Math.sqrt(n2);
        for (int i = 0; i < noise.length; i++) {
            noise[i] = (float) Math.max(-xi, Math.min(xi, noise[i] * scale));
        }
        double noiseRate = up.foolingRate(test, Tensor.of(noise, 1, 28, 28));
        System.out.printf("universal perturbation, ξ = %.2f: fooling rate %.3f on 64 training, %.3f on 128 test images; "
                + "random noise of the same L2 norm: %.3f%n", xi, r.trainFoolingRate(), r.heldOutFoolingRate(), noiseRate);
        assertTrue(r.heldOutFoolingRate() >= 0.25, "held-out fooling rate " + r.heldOutFoolingRate());
        assertTrue(r.heldOutFoolingRate() >= 1.5 * noiseRate, "universal " + r.heldOutFoolingRate() + " vs noise " + noiseRate);
    }
}
