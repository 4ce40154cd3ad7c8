package dev.cnnviz.core.attribution;

import dev.cnnviz.api.Map2D;
import dev.cnnviz.api.NonFiniteResultException;
import dev.cnnviz.api.Tensor;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * How an input-space attribution {@code [N, C, H, W]} becomes the 2-D maps {@code [N, H, W]} people look at.
 *
 * <ul>
 *   <li>{@link #MAX_ABS}: {@code M[h,w] = max_c |A[c,h,w]|} — Simonyan et al. 2014's saliency map, also
 *       used for guided backprop and deconvnet; non-negative;</li>
 *   <li>{@link #SUM}: {@code M[h,w] = Σ_c A[c,h,w]} — keeps the sign; used for integrated gradients and
 *       input × gradient, whose attributions add up to the change of the target.</li>
 * </ul>
 *
 * <pre>{@code
 * INDArray maps = ChannelReduction.MAX_ABS.apply(gradients);   // [N, H, W], a fresh array
 * boolean signed = ChannelReduction.SUM.signed();             // true
 * }</pre>
 */
public enum ChannelReduction {
    /** Maximum over channels of the absolute value. */
    MAX_ABS,
    /** Sum over channels, signed. */
    SUM;

    /**
     * @param raw an attribution batch {@code [N, C, H, W]} (not modified)
     * @return the maps {@code [N, H, W]}, a fresh array the caller closes
     */
    public INDArray apply(INDArray raw) {
        if (raw.rank() != 4) {
            throw new IllegalArgumentException("a channel reduction needs [N, C, H, W], found rank " + raw.rank());
        }
        if (this == SUM) {
            return raw.sum(1);
        }
        INDArray abs = Transforms.abs(raw, true);
        try {
            return abs.max(1);
        } finally {
            abs.close();
        }
    }

    /**
     * @param chw one example's attribution {@code [C, H, W]}
     * @return its 2-D map {@code [H, W]}
     */
    public Map2D apply(Tensor chw) {
        if (chw.rank() != 3) {
            throw new IllegalArgumentException("a channel reduction needs [C, H, W], found " + Arrays.toString(chw.shape()));
        }
        int c = chw.size(0);
        int plane = chw.size(1) * chw.size(2);
        float[] a = chw.data();
        float[] m = new float[plane];
        for (int p = 0; p < plane; p++) {
            double v = 0;
            for (int k = 0; k < c; k++) {
                double x = a[k * plane + p];
                v = this == SUM ? v + x : Math.max(v, Math.abs(x));
            }
            m[p] = (float) v;
        }
        NonFiniteResultException.requireFinite(m, "the channel-reduced map");
        return new Map2D(chw.size(1), chw.size(2), m);
    }

    /** @return whether the maps can be negative. */
    public boolean signed() {
        return this == SUM;
    }
}
