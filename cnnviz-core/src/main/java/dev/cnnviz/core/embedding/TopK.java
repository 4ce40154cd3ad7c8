package dev.cnnviz.core.embedding;

/**
 * The {@code k} smallest (value, index) pairs seen, in a bounded max-heap: ties go to the smaller index. Not thread-safe.
 */
final class TopK {
    private final int k;
    private final double[] values;
    private final int[] indices;
    private int size;

    TopK(int k) {
        this.k = k;
        this.values = new double[k];
        this.indices = new int[k];
    }

    void clear() {
        size = 0;
    }

    /** @return whether (value, index) would enter the heap */
    boolean accepts(double value, int index) {
        return size < k || worse(values[0], indices[0], value, index);
    }

    void offer(double value, int index) {
        if (size < k) {
            values[size] = value;
            indices[size] = index;
            siftUp(size++);
        } else if (worse(values[0], indices[0], value, index)) {
            values[0] = value;
            indices[0] = index;
            siftDown(0);
        }
    }

    int size() {
        return size;
    }

    /** @return the value a newcomer must beat (strictly, or equal with a smaller index), +∞ while not full */
    double bound() {
        return size < k ? Double.POSITIVE_INFINITY : values[0];
    }

    /** Empties the heap into the arrays, best first. */
    void drainSorted(int[] outIndices, double[] outValues) {
        int n = size;
        for (int i = n - 1; i >= 0; i--) {
            outIndices[i] = indices[0];
            outValues[i] = values[0];
            size--;
            values[0] = values[size];
            indices[0] = indices[size];
            siftDown(0);
        }
    }

    /** Whether (v1, i1) ranks after (v2, i2). */
    private static boolean worse(double v1, int i1, double v2, int i2) {
        return v1 > v2 || (v1 == v2 && i1 > i2);
    }

    private void siftUp(int i) {
        while (i > 0) {
            int parent = (i - 1) / 2;
            if (!worse(values[i], indices[i], values[parent], indices[parent])) {
                return;
            }
            swap(i, parent);
            i = parent;
        }
    }

    private void siftDown(int i) {
        while (true) {
            int l = 2 * i + 1;
            int r = l + 1;
            int largest = i;
            if (l < size && worse(values[l], indices[l], values[largest], indices[largest])) {
                largest = l;
            }
            if (r < size && worse(values[r], indices[r], values[largest], indices[largest])) {
                largest = r;
            }
            if (largest == i) {
                return;
            }
            swap(i, largest);
            i = largest;
        }
    }

    private void swap(int a, int b) {
        double v = values[a];
        values[a] = values[b];
        values[b] = v;
        int t = indices[a];
        indices[a] = indices[b];
        indices[b] = t;
    }
}
