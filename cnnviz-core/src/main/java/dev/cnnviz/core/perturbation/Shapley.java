package dev.cnnviz.core.perturbation;

import java.util.SplittableRandom;

/** Shared arithmetic of the Shapley methods: weights and random permutations. */
final class Shapley {
    private Shapley() {
    }

    /** @return a uniformly random permutation of {@code 0..m-1} (Fisher–Yates) */
    static int[] shuffled(int m, SplittableRandom rng) {
        int[] a = new int[m];
        for (int i = 0; i < m; i++) {
            a[i] = i;
        }
        for (int i = m - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }

    /** @return {@code ln C(n, k)} */
    static double logChoose(int n, int k) {
        return logFactorial(n) - logFactorial(k) - logFactorial(n - k);
    }

    /** @return {@code ln n!} */
    static double logFactorial(int n) {
        double s = 0;
        for (int i = 2; i <= n; i++) {
            s += Math.log(i);
        }
        return s;
    }

    /** @return the Shapley weight {@code s! (m − s − 1)! / m!} of a coalition of {@code s} of {@code m} players without the player */
    static double weight(int s, int m) {
        return Math.exp(logFactorial(s) + logFactorial(m - s - 1) - logFactorial(m));
    }
}
