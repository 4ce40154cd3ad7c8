package dev.cnnviz.core.embedding;

/** A distance between embedding vectors. */
public enum Metric {
    /** Euclidean distance {@code ||a - b||}. */
    L2,
    /** Cosine distance {@code 1 - a.b / (||a|| ||b||)} (0 for a zero vector against anything, by convention 1). */
    COSINE;

    /**
     * The distance of two vectors, in double precision (the reference the batched searches are checked against).
     *
     * @param a a vector
     * @param b a vector of the same length
     * @return the distance
     * @throws IllegalArgumentException if the lengths differ
     */
    public double distance(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("vectors of lengths " + a.length + " and " + b.length);
        }
        if (this == L2) {
            double s = 0;
            for (int i = 0; i < a.length; i++) {
                double d = (double) a[i] - b[i];
                s += d * d;
            }
            return Math.sqrt(s);
        }
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        if (na == 0 || nb == 0) {
            return 1;
        }
        return 1 - dot / Math.sqrt(na * nb);
    }
}
