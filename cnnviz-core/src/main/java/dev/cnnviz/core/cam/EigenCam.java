package dev.cnnviz.core.cam;

import dev.cnnviz.core.Model;
import java.util.Map;

/**
 * Eigen-CAM (Muhammad &amp; Yeasin 2020, "Eigen-CAM: Class Activation Map using Principal Components", IJCNN).
 *
 * <p>The projection of the layer's activations on their first principal direction: with the activation reshaped
 * to a matrix {@code O [h·w, K]} (one row per position) and its singular value decomposition
 * {@code O = U Σ Vᵀ},
 * <pre>  M = ReLU( O · v₁ )      reshaped to [h, w]</pre>
 * where {@code v₁} is the first right singular vector. The sign of a singular vector is arbitrary; it is fixed so
 * that the map's sum is positive (for non-negative activations, e.g. after a ReLU, the whole map then is).
 *
 * <p><b>Gradient-free and class-agnostic</b>: the map does not depend on the target (which is still resolved and
 * reported); it shows what the layer responds to most strongly, whatever the class.
 *
 * <p>The paper does not centre {@code O}, and neither does this class by default. pytorch-grad-cam's
 * {@code EigenCAM} subtracts each channel's mean over positions before the SVD (and does not fix the sign);
 * {@link #withCentred(boolean) withCentred(true)} reproduces that, with the sign fixed by the map's sum, or if that is
 * zero, by its correlation with the mean activation over channels.
 *
 * <p>Defaults: the last 4-D layer before the global pooling, not centred, ReLU on, batch size
 * {@value CamBase#DEFAULT_BATCH_SIZE}. The leading singular vector is computed in double precision by power
 * iteration on the smaller Gram matrix ({@code OᵀO} or {@code OOᵀ}).
 *
 * <pre>{@code
 * Explanation e = EigenCam.of(model).explain(image);          // the target does not matter
 * Explanation c = EigenCam.of(model).withCentred(true).explain(image);
 * e.save(Path.of("eigencam.png"));
 * }</pre>
 */
public final class EigenCam extends CamBase<EigenCam> {
    private static final int MAX_ITERATIONS = 5000;
    private final boolean centred;

    private EigenCam(Model model, Settings s, boolean centred) {
        super(model, s);
        this.centred = centred;
    }

    /** @return Eigen-CAM for a model, with the default layer, not centred. */
    public static EigenCam of(Model model) {
        return new EigenCam(model, defaults(model, DEFAULT_BATCH_SIZE), false);
    }

    /** Returns a copy that subtracts each channel's mean over positions before the SVD (pytorch-grad-cam). */
    public EigenCam withCentred(boolean on) {
        return new EigenCam(model, settings(), on);
    }

    /** @return whether the activations are centred before the SVD. */
    public boolean centred() {
        return centred;
    }

    @Override
    protected EigenCam with(Settings s) {
        return new EigenCam(model, s, centred);
    }

    @Override
    public String name() {
        return "Eigen-CAM";
    }

    @Override
    protected boolean usesGradients() {
        return false;
    }

    @Override
    protected Map<String, String> extraOptions() {
        return Map.of("centred", String.valueOf(centred));
    }

    @Override
    protected double[] map(Capture c) {
        int k = c.channels();
        int hw = c.positions();
        double[][] o = new double[hw][k];
        double[] mean = new double[hw];
        for (int ch = 0; ch < k; ch++) {
            double mu = 0;
            for (int p = 0; p < hw; p++) {
                o[p][ch] = c.a(ch, p);
                mu += o[p][ch];
                mean[p] += o[p][ch] / k;
            }
            mu /= hw;
            if (centred) {
                for (int p = 0; p < hw; p++) {
                    o[p][ch] -= mu;
                }
            }
        }
        double[] proj = new double[hw];
        if (k <= hw) {
            double[] v = leadingEigenvector(gram(o, hw, k, true));
            for (int p = 0; p < hw; p++) {
                for (int ch = 0; ch < k; ch++) {
                    proj[p] += o[p][ch] * v[ch];
                }
            }
        } else {
            double[][] d = gram(o, hw, k, false);
            double[] u = leadingEigenvector(d);
            double lambda = 0;
            for (int p = 0; p < hw; p++) {
                double s = 0;
                for (int q = 0; q < hw; q++) {
                    s += d[p][q] * u[q];
                }
                lambda += u[p] * s;
            }
            double sigma = Math.sqrt(Math.max(lambda, 0));
            for (int p = 0; p < hw; p++) {
                proj[p] = sigma * u[p];
            }
        }
        double sum = 0;
        double abs = 0;
        double corr = 0;
        for (int p = 0; p < hw; p++) {
            sum += proj[p];
            abs += Math.abs(proj[p]);
            corr += proj[p] * mean[p];
        }
        double sign = Math.abs(sum) > 1e-12 * abs ? Math.signum(sum) : (corr < 0 ? -1 : 1);
        if (sign < 0) {
            for (int p = 0; p < hw; p++) {
                proj[p] = -proj[p];
            }
        }
        return proj;
    }

    /** @return {@code OᵀO} ({@code k × k}) if {@code columns}, else {@code OOᵀ} ({@code hw × hw}). */
    private static double[][] gram(double[][] o, int hw, int k, boolean columns) {
        int m = columns ? k : hw;
        double[][] g = new double[m][m];
        for (int i = 0; i < m; i++) {
            for (int j = i; j < m; j++) {
                double s = 0;
                if (columns) {
                    for (int p = 0; p < hw; p++) {
                        s += o[p][i] * o[p][j];
                    }
                } else {
                    for (int ch = 0; ch < k; ch++) {
                        s += o[i][ch] * o[j][ch];
                    }
                }
                g[i][j] = s;
                g[j][i] = s;
            }
        }
        return g;
    }

    /** Power iteration for the eigenvector of the largest eigenvalue of a symmetric positive semi-definite matrix. */
    static double[] leadingEigenvector(double[][] m) {
        int n = m.length;
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = 1 + 0.37 * Math.sin(1.3 * i + 0.5);
        }
        normalise(v);
        double[] w = new double[n];
        for (int it = 0; it < MAX_ITERATIONS; it++) {
            for (int i = 0; i < n; i++) {
                double s = 0;
                double[] row = m[i];
                for (int j = 0; j < n; j++) {
                    s += row[j] * v[j];
                }
                w[i] = s;
            }
            if (normalise(w) == 0) {
                return new double[n];
            }
            double diff = 0;
            for (int i = 0; i < n; i++) {
                diff = Math.max(diff, Math.abs(w[i] - v[i]));
            }
            double[] t = v;
            v = w;
            w = t;
            if (diff < 1e-14) {
                break;
            }
        }
        return v;
    }

    private static double normalise(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        double norm = Math.sqrt(s);
        if (norm > 0) {
            for (int i = 0; i < v.length; i++) {
                v[i] /= norm;
            }
        }
        return norm;
    }
}
