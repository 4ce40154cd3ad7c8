package dev.cnnviz.core.style;

import dev.cnnviz.core.graph.ops.AdaIn;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The per-sample, per-channel mean and standard deviation of feature maps, and AdaIN's two training losses with
 * their exact gradients (as the reference implementation, naoto0804/pytorch-AdaIN, computes them: mean squared
 * errors; standard deviation as in {@link AdaIn}: sample variance plus {@code ε = 1e-5}, square-rooted).
 *
 * <ul>
 *   <li>content: {@code L_c = mean((f - t)²)} over all elements, {@code dL_c/df = 2 (f - t) / count};</li>
 *   <li>style, per layer {@code φ [N, C, S]} against target moments {@code μ_t, σ_t [N, C]}:
 *       {@code L_s = Σ (μ - μ_t)² / (N·C) + Σ (σ - σ_t)² / (N·C)},
 *       {@code dL_s/dφ = 2 (μ - μ_t) / (N·C·S) + 2 (σ - σ_t) / (N·C) · (φ - μ) / ((S - 1) σ)}.</li>
 * </ul>
 * Arrays are ND4J arrays of any floating type; results are fresh arrays.
 */
final class ChannelMoments {
    private ChannelMoments() {
    }

    /** The moments of a {@code [N, C, spatial...]} array: {@code [N, C]} mean and {@code [N, C]} standard deviation. */
    record Moments(INDArray mean, INDArray std) {
        /** Weighted sum of several styles' moments (weights already normalised by the caller). */
        static Moments mix(Moments[] ms, double[] w) {
            INDArray mu = ms[0].mean.mul(w[0]);
            INDArray sd = ms[0].std.mul(w[0]);
            for (int i = 1; i < ms.length; i++) {
                mu.addi(ms[i].mean.mul(w[i]));
                sd.addi(ms[i].std.mul(w[i]));
            }
            return new Moments(mu, sd);
        }
    }

    static Moments moments(INDArray z) {
        long n = z.size(0);
        long c = z.size(1);
        long s = z.length() / (n * c);
        if (s < 2) {
            throw new IllegalArgumentException("feature maps need at least 2 spatial positions per channel for a standard deviation, found shape "
                    + java.util.Arrays.toString(z.shape()));
        }
        INDArray z2 = z.dup('c').reshape(n * c, s);
        INDArray mu = z2.mean(true, 1);
        z2.subiColumnVector(mu);
        INDArray var = z2.muli(z2).sum(true, 1).divi(s - 1);
        INDArray sd = Transforms.sqrt(var.addi(AdaIn.DEFAULT_EPSILON), false);
        return new Moments(mu.reshape(n, c), sd.reshape(n, c));
    }

    /**
     * Style loss of one layer against target moments (same {@code [N, C]} shape; a {@code [1, C]} target is
     * broadcast over the batch).
     *
     * @param phi      the layer's features {@code [N, C, spatial...]}
     * @param target   the style's moments
     * @param gradient receives {@code weight · dL_s/dφ} (fresh, φ's shape and type) when not null
     * @param weight   factor of the loss and the gradient
     * @return {@code weight · L_s}
     */
    static double styleLoss(INDArray phi, Moments target, INDArray[] gradient, double weight) {
        long n = phi.size(0);
        long c = phi.size(1);
        long s = phi.length() / (n * c);
        Moments m = moments(phi);
        INDArray tMean = target.mean.castTo(phi.dataType());
        INDArray tStd = target.std.castTo(phi.dataType());
        if (tMean.size(0) != n) {
            tMean = tMean.broadcast(n, c);
            tStd = tStd.broadcast(n, c);
        }
        INDArray dMu = m.mean.sub(tMean);
        INDArray dSd = m.std.sub(tStd);
        double nc = n * c;
        double loss = weight * (dMu.mul(dMu).sumNumber().doubleValue() + dSd.mul(dSd).sumNumber().doubleValue()) / nc;
        if (gradient != null) {
            INDArray g = phi.dup('c').reshape(n * c, s);
            INDArray mu = m.mean.reshape(n * c, 1);
            g.subiColumnVector(mu);
            INDArray k = dSd.reshape(n * c, 1).div(m.std.reshape(n * c, 1)).muli(2 * weight / (nc * (s - 1)));
            g.muliColumnVector(k);
            g.addiColumnVector(dMu.reshape(n * c, 1).mul(2 * weight / (nc * s)));
            gradient[0] = g.reshape(phi.shape());
        }
        return loss;
    }

    /**
     * Content loss {@code weight · mean((f - t)²)}; its gradient {@code weight · 2 (f - t) / count} into
     * {@code gradient[0]} when not null.
     */
    static double contentLoss(INDArray f, INDArray t, INDArray[] gradient, double weight) {
        if (!java.util.Arrays.equals(f.shape(), t.shape())) {
            throw new IllegalArgumentException("content features " + java.util.Arrays.toString(f.shape())
                    + " and target " + java.util.Arrays.toString(t.shape()) + " differ in shape");
        }
        INDArray d = f.sub(t.castTo(f.dataType()));
        double count = f.length();
        double loss = weight * d.mul(d).sumNumber().doubleValue() / count;
        if (gradient != null) {
            gradient[0] = d.muli(2 * weight / count);
        }
        return loss;
    }
}
