package dev.cnnviz.core.adversarial;

/**
 * The norm that bounds a perturbation {@code δ} in image space ({@code [0, 1]} units, over all channels and pixels).
 */
public enum Norm {
    /** {@code ‖δ‖∞ = max |δ_i|}: no value moves by more than ε (8/255 = eight grey levels). */
    LINF,
    /** {@code ‖δ‖₂ = sqrt(Σ δ_i²)}. */
    L2;

    /**
     * Projects each image's perturbation {@code x − x0} onto the ball of radius {@code eps} in this norm, then clips
     * {@code x} to {@code [0, 1]} (which only shrinks {@code |δ_i|}, so the result stays in the ball).
     *
     * @param x   images to project in place, {@code n · len} values
     * @param x0  the centres
     * @param len values per image
     * @param eps the radius
     * @param active which images to project (null: all)
     */
    void project(float[] x, float[] x0, int len, double eps, boolean[] active) {
        int n = x.length / len;
        float e = (float) eps;
        for (int i = 0; i < n; i++) {
            if (active != null && !active[i]) {
                continue;
            }
            int from = i * len;
            if (this == LINF) {
                for (int j = from; j < from + len; j++) {
                    float d = Math.max(-e, Math.min(e, x[j] - x0[j]));
                    x[j] = Math.max(0f, Math.min(1f, x0[j] + d));
                }
            } else {
                double s = 0;
                for (int j = from; j < from + len; j++) {
                    double d = (double) x[j] - x0[j];
                    s += d * d;
                }
                double norm = Math.sqrt(s);
                // A float margin: the clipped result must stay within eps when measured again in float.
                double f = norm > eps ? eps / norm * (1 - 1e-6) : 1;
                for (int j = from; j < from + len; j++) {
                    x[j] = Math.max(0f, Math.min(1f, (float) (x0[j] + f * ((double) x[j] - x0[j]))));
                }
            }
        }
    }

    /**
     * Projects {@code v[from, from + len)} onto the ball of radius {@code r} around 0, in place, without clipping
     * (for perturbations, which may be negative).
     */
    void projectBall(float[] v, int from, int len, double r) {
        if (this == LINF) {
            float e = (float) r;
            for (int j = from; j < from + len; j++) {
                v[j] = Math.max(-e, Math.min(e, v[j]));
            }
            return;
        }
        double norm = of(v, from, len);
        if (norm > r) {
            double f = r / norm * (1 - 1e-6);
            for (int j = from; j < from + len; j++) {
                v[j] = (float) (v[j] * f);
            }
        }
    }

    /**
     * @param v    values
     * @param from the first index
     * @param len  how many
     * @return the norm of {@code v[from, from + len)} (e.g. of a perturbation)
     */
    public double of(float[] v, int from, int len) {
        double r = 0;
        for (int j = from; j < from + len; j++) {
            r = this == LINF ? Math.max(r, Math.abs(v[j])) : r + (double) v[j] * v[j];
        }
        return this == LINF ? r : Math.sqrt(r);
    }

    /** @return the CLI spelling: {@code inf} or {@code 2} */
    public String cliName() {
        return this == LINF ? "inf" : "2";
    }
}
