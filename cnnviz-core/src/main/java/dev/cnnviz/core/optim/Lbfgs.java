package dev.cnnviz.core.optim;

import dev.cnnviz.api.NonFiniteResultException;

/**
 * Limited-memory BFGS (Nocedal 1980; Liu &amp; Nocedal 1989) with a strong-Wolfe line search, as in Nocedal &amp;
 * Wright, <i>Numerical Optimization</i> (2nd ed., 2006): the search direction {@code d = −H·g} comes from the
 * two-loop recursion over the last {@code m} pairs {@code s = x_{k+1} − x_k}, {@code y = g_{k+1} − g_k}
 * (Algorithm 7.4) with the initial inverse Hessian {@code H₀ = γI}, {@code γ = sᵀy / yᵀy} of the newest pair
 * (eq. 7.20); the step length satisfies the strong Wolfe conditions
 * {@code f(x + αd) ≤ f(x) + c₁α∇fᵀd} and {@code |∇f(x + αd)ᵀd| ≤ c₂|∇fᵀd|} (Algorithm 3.5, doubling the trial step
 * while it is too short, then Algorithm 3.6, "zoom", with cubic interpolation, eq. 3.59, safeguarded to the middle
 * 80% of the bracket and falling back to bisection). The style-transfer loss of Gatys et al. is usually minimized
 * with it.
 *
 * <p>One step is one iteration: one line search, one accepted point, one call of the listener. An iteration
 * evaluates f once or more: {@link #run} reports the evaluations. The first trial step is {@code 1 / ‖g‖₂} on the
 * first iteration (a step of length 1, as liblbfgs and scipy's L-BFGS-B) and after a reset, and {@code 1}
 * afterwards. A pair with {@code sᵀy ≤ ε_mach·yᵀy} (curvature lost to rounding) is not stored. If a line search
 * fails, the history is dropped and the iteration is retried along {@code −g}; if that fails as well, the run stops
 * ({@link Termination#LINE_SEARCH_FAILED}) at the last accepted point.
 *
 * <p>The run stops before its step budget when ({@link OptimizationTrace#stoppedEarly()} is then true):
 * <ul>
 *   <li>{@code max_i |g_i| ≤ gradientTolerance} (absolute, the largest gradient coordinate, as scipy's
 *   {@code gtol}/{@code pgtol}; default {@code 1e-5}, scipy's default);</li>
 *   <li>{@code (f_k − f_{k+1}) / max(|f_k|, |f_{k+1}|, 1) ≤ functionTolerance} (no progress; scipy's {@code ftol},
 *   default {@code 2.22e-9} = {@code 1e7 ×} machine epsilon, scipy's default);</li>
 *   <li>the line search fails twice in a row as above;</li>
 *   <li>the listener says stop.</li>
 * </ul>
 * Other defaults: history {@code m = 10} (scipy's {@code maxcor}; Nocedal &amp; Wright suggest 3 to 20),
 * {@code c₁ = 1e-4}, {@code c₂ = 0.9} (Nocedal &amp; Wright's values for quasi-Newton methods), at most 20
 * evaluations per line search (scipy's {@code maxls}). For a tight solution, lower both tolerances (or set them
 * to 0 and bound the run by its steps).
 *
 * <p>Memory: {@code 2·min(m, steps)} history vectors and four more, each as long as x, allocated once per call:
 * {@code 8·(2m + 4)·n} bytes, about 29 MB for a 3×224×224 image with the defaults.
 * A NaN or infinite value or gradient, at an accepted point or a line-search trial, throws
 * {@link NonFiniteResultException}; x then holds the last accepted point.
 *
 * <pre>{@code
 * Lbfgs lbfgs = Lbfgs.create().withGradientTolerance(1e-8);
 * Lbfgs.Result r = lbfgs.run(styleLoss, pixels, 500, StepListener.NONE);
 * System.out.println(r.trace().steps() + " iterations, " + r.evaluations() + " evaluations: " + r.termination());
 * }</pre>
 */
public final class Lbfgs implements Optimizer {
    /** The default number of (s, y) pairs kept: 10. */
    public static final int DEFAULT_HISTORY = 10;
    /** The most pairs accepted: 1,000. */
    public static final int MAX_HISTORY = 1000;
    /** The default bound on the largest absolute gradient coordinate: 1e-5. */
    public static final double DEFAULT_GRADIENT_TOLERANCE = 1e-5;
    /** The default bound on the relative decrease of f in one iteration: 1e7 × machine epsilon, about 2.22e-9. */
    public static final double DEFAULT_FUNCTION_TOLERANCE = 1e7 * 0x1.0p-52;
    /** The default bound on the evaluations of one line search: 20. */
    public static final int DEFAULT_MAX_LINE_SEARCH_EVALUATIONS = 20;
    /** The most evaluations per line search accepted: 1,000. */
    public static final int MAX_LINE_SEARCH_EVALUATIONS = 1000;
    /** The default sufficient-decrease constant c₁: 1e-4. */
    public static final double DEFAULT_C1 = 1e-4;
    /** The default curvature constant c₂: 0.9. */
    public static final double DEFAULT_C2 = 0.9;

    private static final String NAME = "Lbfgs";
    private static final double MACHINE_EPSILON = 0x1.0p-52;

    /** Why a run ended. */
    public enum Termination {
        /** The step budget was used. */
        STEPS,
        /** The listener said stop. */
        LISTENER,
        /** The largest absolute gradient coordinate fell to the gradient tolerance. */
        GRADIENT_TOLERANCE,
        /** An iteration decreased f by no more than the function tolerance (relative). */
        FUNCTION_TOLERANCE,
        /** No step satisfying the strong Wolfe conditions was found, even along −g. */
        LINE_SEARCH_FAILED
    }

    /**
     * A run's trace with what L-BFGS adds to it.
     *
     * @param trace       the trace {@link #minimize} returns
     * @param evaluations how many times f was evaluated (the starting point and every line-search trial)
     * @param termination why the run ended
     */
    public record Result(OptimizationTrace trace, int evaluations, Termination termination) {
        /** Checks the components: a non-null trace and termination, at least one evaluation. */
        public Result {
            if (trace == null || termination == null) {
                throw new IllegalArgumentException("trace and termination must not be null");
            }
            if (evaluations < 1) {
                throw new IllegalArgumentException("a run evaluates f at least once, found " + evaluations);
            }
        }
    }

    private final int history;
    private final double gradientTolerance;
    private final double functionTolerance;
    private final int maxLineSearchEvaluations;
    private final double c1;
    private final double c2;

    private Lbfgs(int history, double gradientTolerance, double functionTolerance, int maxLineSearchEvaluations,
                  double c1, double c2) {
        if (history < 1 || history > MAX_HISTORY) {
            throw new IllegalArgumentException(NAME + ": the history must keep 1 to " + MAX_HISTORY
                    + " pairs, found " + history);
        }
        if (!(gradientTolerance >= 0) || Double.isInfinite(gradientTolerance)) {
            throw new IllegalArgumentException(NAME + ": the gradient tolerance must be a finite number >= 0, found "
                    + gradientTolerance);
        }
        if (!(functionTolerance >= 0) || Double.isInfinite(functionTolerance)) {
            throw new IllegalArgumentException(NAME + ": the function tolerance must be a finite number >= 0, found "
                    + functionTolerance);
        }
        if (maxLineSearchEvaluations < 1 || maxLineSearchEvaluations > MAX_LINE_SEARCH_EVALUATIONS) {
            throw new IllegalArgumentException(NAME + ": a line search must be allowed 1 to "
                    + MAX_LINE_SEARCH_EVALUATIONS + " evaluations, found " + maxLineSearchEvaluations);
        }
        if (!(c1 > 0 && c1 < c2 && c2 < 1)) {
            throw new IllegalArgumentException(NAME + ": the Wolfe constants must satisfy 0 < c1 < c2 < 1, found c1 = "
                    + c1 + ", c2 = " + c2);
        }
        this.history = history;
        this.gradientTolerance = gradientTolerance;
        this.functionTolerance = functionTolerance;
        this.maxLineSearchEvaluations = maxLineSearchEvaluations;
        this.c1 = c1;
        this.c2 = c2;
    }

    /**
     * @return L-BFGS with the defaults: history 10, gradient tolerance 1e-5, function tolerance 2.22e-9, at most 20
     *         evaluations per line search, c₁ = 1e-4, c₂ = 0.9
     */
    public static Lbfgs create() {
        return new Lbfgs(DEFAULT_HISTORY, DEFAULT_GRADIENT_TOLERANCE, DEFAULT_FUNCTION_TOLERANCE,
                DEFAULT_MAX_LINE_SEARCH_EVALUATIONS, DEFAULT_C1, DEFAULT_C2);
    }

    /** @return a copy keeping {@code m} pairs (1 to 1,000). */
    public Lbfgs withHistory(int m) {
        return new Lbfgs(m, gradientTolerance, functionTolerance, maxLineSearchEvaluations, c1, c2);
    }

    /** @return a copy that stops when {@code max|g_i| <= tolerance} (finite, {@code >= 0}; 0 never stops on it). */
    public Lbfgs withGradientTolerance(double tolerance) {
        return new Lbfgs(history, tolerance, functionTolerance, maxLineSearchEvaluations, c1, c2);
    }

    /**
     * @return a copy that stops when an iteration decreases f by at most {@code tolerance · max(|f_k|, |f_{k+1}|, 1)}
     *         (finite, {@code >= 0}; 0 stops only when f does not decrease at all)
     */
    public Lbfgs withFunctionTolerance(double tolerance) {
        return new Lbfgs(history, gradientTolerance, tolerance, maxLineSearchEvaluations, c1, c2);
    }

    /** @return a copy allowing {@code n} evaluations per line search (1 to 1,000). */
    public Lbfgs withMaxLineSearchEvaluations(int n) {
        return new Lbfgs(history, gradientTolerance, functionTolerance, n, c1, c2);
    }

    /** @return a copy with other strong Wolfe constants, {@code 0 < c1 < c2 < 1}. */
    public Lbfgs withWolfe(double newC1, double newC2) {
        return new Lbfgs(history, gradientTolerance, functionTolerance, maxLineSearchEvaluations, newC1, newC2);
    }

    /** @return the number of (s, y) pairs kept. */
    public int history() {
        return history;
    }

    /** @return the bound on the largest absolute gradient coordinate. */
    public double gradientTolerance() {
        return gradientTolerance;
    }

    /** @return the bound on the relative decrease of f per iteration. */
    public double functionTolerance() {
        return functionTolerance;
    }

    /** @return the most evaluations of one line search. */
    public int maxLineSearchEvaluations() {
        return maxLineSearchEvaluations;
    }

    /** @return the sufficient-decrease constant c₁. */
    public double c1() {
        return c1;
    }

    /** @return the curvature constant c₂. */
    public double c2() {
        return c2;
    }

    @Override
    public OptimizationTrace minimize(DifferentiableFunction f, double[] x, int steps, StepListener listener) {
        return run(f, x, steps, listener).trace();
    }

    /**
     * Minimizes as {@link #minimize} does and also reports the evaluations and why the run ended.
     *
     * @param f        the function to minimize
     * @param x        the starting point (finite, at least one coordinate); receives the final point
     * @param steps    the most iterations ({@code >= 0})
     * @param listener told after every iteration; may stop the run
     * @return the trace, the number of evaluations of f and the reason the run ended
     * @throws IllegalArgumentException if an argument is invalid (named in the message)
     * @throws NonFiniteResultException if f gives a NaN or infinite value or gradient
     */
    public Result run(DifferentiableFunction f, double[] x, int steps, StepListener listener) {
        Runs.checkArguments(NAME, f, x, steps, listener);
        int n = x.length;
        int m = Math.min(history, Math.max(steps, 1));
        double[][] s = new double[m][n];
        double[][] y = new double[m][n];
        double[] rho = new double[m];
        double[] alpha = new double[m];
        double[] d = new double[n];
        double[] g = new double[n];
        Runs.Losses losses = new Runs.Losses(steps);
        Search search = new Search(f, x, d, n);

        double fx = Runs.evaluate(NAME, f, x, g, 0, true);
        search.evaluations = 1;
        int count = 0;
        int newest = -1;
        double gamma = 1;
        int k = 0;
        Termination termination = Termination.STEPS;
        while (k < steps) {
            if (Runs.maxAbs(g) <= gradientTolerance) {
                termination = Termination.GRADIENT_TOLERANCE;
                break;
            }
            // d = -H g by the two-loop recursion (Nocedal & Wright, Algorithm 7.4)
            System.arraycopy(g, 0, d, 0, n);
            for (int j = 0; j < count; j++) {
                int i = Math.floorMod(newest - j, m);
                alpha[i] = rho[i] * dot(s[i], d);
                axpy(-alpha[i], y[i], d);
            }
            if (count > 0) {
                for (int i = 0; i < n; i++) {
                    d[i] *= gamma;   // r = H0 q, H0 = gamma I
                }
                for (int j = count - 1; j >= 0; j--) {
                    int i = Math.floorMod(newest - j, m);
                    double beta = rho[i] * dot(y[i], d);
                    axpy(alpha[i] - beta, s[i], d);
                }
            }
            for (int i = 0; i < n; i++) {
                d[i] = -d[i];
            }
            double dphi0 = dot(g, d);
            if (!(dphi0 < 0) || Double.isInfinite(dphi0)) {
                // not a descent direction (rounding in the history): start over along -g
                count = 0;
                for (int i = 0; i < n; i++) {
                    d[i] = -g[i];
                }
                dphi0 = dot(g, d);
            }
            double first = count == 0 ? 1 / norm2(g) : 1;
            search.step = k + 1;
            double a = search.strongWolfe(fx, dphi0, first);
            if (!(a > 0)) {
                if (count == 0) {
                    termination = Termination.LINE_SEARCH_FAILED;
                    break;
                }
                count = 0;   // drop the history and retry this iteration along -g
                continue;
            }
            // the pair (s, y) of this iteration; kept only if it carries positive curvature
            double[] xt = search.xt;
            double[] gt = search.gt;
            double sy = 0;
            double yy = 0;
            for (int i = 0; i < n; i++) {
                double si = xt[i] - x[i];
                double yi = gt[i] - g[i];
                sy += si * yi;
                yy += yi * yi;
            }
            if (sy > MACHINE_EPSILON * yy) {
                newest = (newest + 1) % m;
                double[] sn = s[newest];
                double[] yn = y[newest];
                for (int i = 0; i < n; i++) {
                    sn[i] = xt[i] - x[i];
                    yn[i] = gt[i] - g[i];
                }
                rho[newest] = 1 / sy;
                gamma = sy / yy;
                count = Math.min(count + 1, m);
            }
            System.arraycopy(xt, 0, x, 0, n);
            search.gt = g;
            g = gt;
            double before = fx;
            fx = search.phi;
            losses.add(before);
            k++;
            if (!listener.afterStep(k, before, x)) {
                termination = Termination.LISTENER;
                break;
            }
            if (before - fx <= functionTolerance * Math.max(Math.max(Math.abs(before), Math.abs(fx)), 1)) {
                termination = Termination.FUNCTION_TOLERANCE;
                break;
            }
        }
        OptimizationTrace trace = new OptimizationTrace(losses.values(), k, termination != Termination.STEPS, fx);
        return new Result(trace, search.evaluations, termination);
    }

    /** The line search of one call: trial points and gradients, and the evaluation count. */
    private final class Search {
        private final DifferentiableFunction f;
        private final double[] x;
        private final double[] d;
        final double[] xt;
        double[] gt;
        /** f at the last trial point (the accepted one after a successful search). */
        double phi;
        int evaluations;
        int step;
        private int used;

        Search(DifferentiableFunction f, double[] x, double[] d, int n) {
            this.f = f;
            this.x = x;
            this.d = d;
            this.xt = new double[n];
            this.gt = new double[n];
        }

        /**
         * Nocedal &amp; Wright, Algorithm 3.5.
         *
         * @return the accepted step (xt, gt and phi hold its point), or -1 if none was found
         */
        double strongWolfe(double phi0, double dphi0, double first) {
            used = 0;
            double prev = 0;
            double phiPrev = phi0;
            double dphiPrev = dphi0;
            double a = first;
            for (int i = 1; ; i++) {
                if (used >= maxLineSearchEvaluations || !(a > 0) || Double.isInfinite(a)) {
                    return -1;
                }
                double phiA = trial(a);
                double dphiA = dot(gt, d);
                if (phiA > phi0 + c1 * a * dphi0 || (i > 1 && phiA >= phiPrev)) {
                    return zoom(prev, phiPrev, dphiPrev, a, phiA, dphiA, phi0, dphi0);
                }
                if (Math.abs(dphiA) <= -c2 * dphi0) {
                    return a;
                }
                if (dphiA >= 0) {
                    return zoom(a, phiA, dphiA, prev, phiPrev, dphiPrev, phi0, dphi0);
                }
                prev = a;
                phiPrev = phiA;
                dphiPrev = dphiA;
                a = 2 * a;   // too short and still descending: extrapolate (as scipy's scalar_search_wolfe2)
            }
        }

        /** Nocedal &amp; Wright, Algorithm 3.6, with safeguarded cubic interpolation (eq. 3.59). */
        private double zoom(double lo, double phiLo, double dphiLo, double hi, double phiHi, double dphiHi,
                            double phi0, double dphi0) {
            while (used < maxLineSearchEvaluations) {
                double left = Math.min(lo, hi);
                double right = Math.max(lo, hi);
                double width = right - left;
                if (!(width > 1e-14 * right)) {
                    return -1;   // the bracket has collapsed to rounding
                }
                double a = cubicMinimizer(lo, phiLo, dphiLo, hi, phiHi, dphiHi);
                if (!(a >= left + 0.1 * width && a <= right - 0.1 * width)) {
                    a = left + 0.5 * width;
                }
                double phiA = trial(a);
                double dphiA = dot(gt, d);
                if (phiA > phi0 + c1 * a * dphi0 || phiA >= phiLo) {
                    hi = a;
                    phiHi = phiA;
                    dphiHi = dphiA;
                } else {
                    if (Math.abs(dphiA) <= -c2 * dphi0) {
                        return a;
                    }
                    if (dphiA * (hi - lo) >= 0) {
                        hi = lo;
                        phiHi = phiLo;
                        dphiHi = dphiLo;
                    }
                    lo = a;
                    phiLo = phiA;
                    dphiLo = dphiA;
                }
            }
            return -1;
        }

        /** Evaluates f at {@code x + a·d} into xt, gt and phi. */
        private double trial(double a) {
            for (int i = 0; i < xt.length; i++) {
                xt[i] = x[i] + a * d[i];
            }
            used++;
            evaluations++;
            double value = f.evaluate(xt, gt);
            if (!Double.isFinite(value)) {
                throw new NonFiniteResultException(NAME + ": the function value at a line-search point of step " + step
                        + " is " + value + " (the optimizer needs finite values; x holds the last accepted point)");
            }
            for (double e : gt) {
                if (!Double.isFinite(e)) {
                    NonFiniteResultException.requireFinite(gt, NAME + ": the gradient at a line-search point of step "
                            + step);
                }
            }
            phi = value;
            return value;
        }
    }

    /**
     * The minimizer of the cubic through {@code (a, fa)} and {@code (b, fb)} with slopes {@code da}, {@code db}
     * (Nocedal &amp; Wright, eq. 3.59); NaN when the cubic has none.
     */
    static double cubicMinimizer(double a, double fa, double da, double b, double fb, double db) {
        double d1 = da + db - 3 * (fa - fb) / (a - b);
        double disc = d1 * d1 - da * db;
        if (!(disc >= 0)) {
            return Double.NaN;
        }
        double d2 = Math.signum(b - a) * Math.sqrt(disc);
        return b - (b - a) * (db + d2 - d1) / (db - da + 2 * d2);
    }

    private static double dot(double[] u, double[] v) {
        double sum = 0;
        for (int i = 0; i < u.length; i++) {
            sum += u[i] * v[i];
        }
        return sum;
    }

    private static void axpy(double a, double[] u, double[] v) {
        for (int i = 0; i < u.length; i++) {
            v[i] += a * u[i];
        }
    }

    /** The Euclidean norm, scaled by the largest coordinate so that it neither overflows nor underflows. */
    private static double norm2(double[] v) {
        double scale = Runs.maxAbs(v);
        if (scale == 0) {
            return 0;
        }
        double sum = 0;
        for (double e : v) {
            double u = e / scale;
            sum += u * u;
        }
        return scale * Math.sqrt(sum);
    }

    /** Equal when every option is. */
    @Override
    public boolean equals(Object o) {
        return o instanceof Lbfgs l
                && history == l.history
                && Double.compare(gradientTolerance, l.gradientTolerance) == 0
                && Double.compare(functionTolerance, l.functionTolerance) == 0
                && maxLineSearchEvaluations == l.maxLineSearchEvaluations
                && Double.compare(c1, l.c1) == 0
                && Double.compare(c2, l.c2) == 0;
    }

    /** @return a hash consistent with {@link #equals(Object)}. */
    @Override
    public int hashCode() {
        int h = history;
        h = 31 * h + Double.hashCode(gradientTolerance);
        h = 31 * h + Double.hashCode(functionTolerance);
        h = 31 * h + maxLineSearchEvaluations;
        h = 31 * h + Double.hashCode(c1);
        return 31 * h + Double.hashCode(c2);
    }

    /** @return the options, e.g. {@code Lbfgs[history=10, gradientTolerance=1.0E-5, ...]}. */
    @Override
    public String toString() {
        return NAME + "[history=" + history + ", gradientTolerance=" + gradientTolerance + ", functionTolerance="
                + functionTolerance + ", maxLineSearchEvaluations=" + maxLineSearchEvaluations + ", c1=" + c1
                + ", c2=" + c2 + "]";
    }
}
