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
        return distance(a, 0, b, 0, a.length);
    }

    /**
     * The distance of {@code a[aFrom, aFrom + length)} and {@code b[bFrom, bFrom + length)}, as
     * {@link #distance(float[], float[])}. The sums run in double over four interleaved partial sums (element
     * {@code i} into sum {@code i % 4}, the last {@code length % 4} elements into sum 0, then
     * {@code (s0 + s1) + (s2 + s3)}): four independent chains of additions instead of one, so the re-ranking of
     * {@link ExactKnn} is not bound by the latency of each addition. The order is fixed, so equal inputs give equal
     * distances (ties stay ties).
     */
    double distance(float[] a, int aFrom, float[] b, int bFrom, int length) {
        int end4 = length & ~3;
        if (this == L2) {
            double s0 = 0;
            double s1 = 0;
            double s2 = 0;
            double s3 = 0;
            for (int i = 0; i < end4; i += 4) {
                double d0 = (double) a[aFrom + i] - b[bFrom + i];
                double d1 = (double) a[aFrom + i + 1] - b[bFrom + i + 1];
                double d2 = (double) a[aFrom + i + 2] - b[bFrom + i + 2];
                double d3 = (double) a[aFrom + i + 3] - b[bFrom + i + 3];
                s0 += d0 * d0;
                s1 += d1 * d1;
                s2 += d2 * d2;
                s3 += d3 * d3;
            }
            for (int i = end4; i < length; i++) {
                double d = (double) a[aFrom + i] - b[bFrom + i];
                s0 += d * d;
            }
            return Math.sqrt((s0 + s1) + (s2 + s3));
        }
        double dot0 = 0;
        double dot1 = 0;
        double dot2 = 0;
        double dot3 = 0;
        double na0 = 0;
        double na1 = 0;
        double na2 = 0;
        double na3 = 0;
        double nb0 = 0;
        double nb1 = 0;
        double nb2 = 0;
        double nb3 = 0;
        for (int i = 0; i < end4; i += 4) {
            double x0 = a[aFrom + i];
            double x1 = a[aFrom + i + 1];
            double x2 = a[aFrom + i + 2];
            double x3 = a[aFrom + i + 3];
            double y0 = b[bFrom + i];
            double y1 = b[bFrom + i + 1];
            double y2 = b[bFrom + i + 2];
            double y3 = b[bFrom + i + 3];
            dot0 += x0 * y0;
            dot1 += x1 * y1;
            dot2 += x2 * y2;
            dot3 += x3 * y3;
            na0 += x0 * x0;
            na1 += x1 * x1;
            na2 += x2 * x2;
            na3 += x3 * x3;
            nb0 += y0 * y0;
            nb1 += y1 * y1;
            nb2 += y2 * y2;
            nb3 += y3 * y3;
        }
        for (int i = end4; i < length; i++) {
            double x = a[aFrom + i];
            double y = b[bFrom + i];
            dot0 += x * y;
            na0 += x * x;
            nb0 += y * y;
        }
        double sa = (na0 + na1) + (na2 + na3);
        double sb = (nb0 + nb1) + (nb2 + nb3);
        if (sa == 0 || sb == 0) {
            return 1;
        }
        return 1 - ((dot0 + dot1) + (dot2 + dot3)) / Math.sqrt(sa * sb);
    }
}
