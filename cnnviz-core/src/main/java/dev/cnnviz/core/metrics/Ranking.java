package dev.cnnviz.core.metrics;

import dev.cnnviz.api.Explanation;
import dev.cnnviz.api.Map2D;
import dev.cnnviz.api.NonFiniteResultException;
import dev.cnnviz.core.render.Resample;
import java.util.Arrays;

/** Pixel and feature orders from saliency maps, shared by the metrics of this package. */
final class Ranking {
    private Ranking() {
    }

    /**
     * @return the map resampled bilinearly to {@code h × w} (unchanged at that size)
     * @throws IllegalArgumentException if the map is null
     * @throws NonFiniteResultException if it holds a NaN or infinite value
     */
    static float[] atInput(Map2D map, int h, int w) {
        if (map == null) {
            throw new IllegalArgumentException("saliency map must not be null");
        }
        NonFiniteResultException.requireFinite(map.values(), "the saliency map");
        Map2D m = map.height() == h && map.width() == w ? map : Resample.bilinear(map, h, w);
        return m.values();
    }

    /**
     * Pixels from most to least salient; ties keep the pixel order (row-major), so the order is deterministic.
     *
     * @return pixel indices {@code y*w + x}
     */
    static int[] descending(float[] saliency) {
        return order(saliency, true);
    }

    /** @return pixel indices from least to most salient (ties in row-major order) */
    static int[] ascending(float[] saliency) {
        return order(saliency, false);
    }

    private static int[] order(float[] s, boolean desc) {
        Integer[] idx = new Integer[s.length];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        Arrays.sort(idx, (a, b) -> {
            int c = desc ? Float.compare(s[b], s[a]) : Float.compare(s[a], s[b]);
            return c != 0 ? c : Integer.compare(a, b);
        });
        int[] out = new int[idx.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = idx[i];
        }
        return out;
    }

    /**
     * Checks a feature mask against the input size and flattens it.
     *
     * @param mask {@code [H][W]} labels, each at least 0
     * @return the labels row-major
     * @throws IllegalArgumentException naming the mask's shape and the input's, or a negative label
     */
    static int[] features(int[][] mask, int h, int w) {
        if (mask == null || mask.length == 0) {
            throw new IllegalArgumentException("the feature mask is empty; expected " + h + "x" + w + " labels");
        }
        if (mask.length != h) {
            throw new IllegalArgumentException("the feature mask has " + mask.length + " rows, the model's input has " + h
                    + " (expected a " + h + "x" + w + " mask)");
        }
        int[] out = new int[h * w];
        for (int y = 0; y < h; y++) {
            if (mask[y] == null || mask[y].length != w) {
                throw new IllegalArgumentException("row " + y + " of the feature mask has " + (mask[y] == null ? 0 : mask[y].length)
                        + " columns, the model's input has " + w + " (expected a " + h + "x" + w + " mask)");
            }
            for (int x = 0; x < w; x++) {
                if (mask[y][x] < 0) {
                    throw new IllegalArgumentException("feature labels must not be negative, found " + mask[y][x]
                            + " at (" + y + ", " + x + ")");
                }
                out[y * w + x] = mask[y][x];
            }
        }
        return out;
    }

    /**
     * Groups pixels by feature, features ordered by their mean saliency (highest first), ties by label.
     *
     * @return {@code [feature][pixels]} in removal order
     */
    static int[][] featureGroups(int[] labels, float[] saliency) {
        int max = 0;
        for (int l : labels) {
            max = Math.max(max, l);
        }
        double[] sum = new double[max + 1];
        int[] count = new int[max + 1];
        for (int p = 0; p < labels.length; p++) {
            sum[labels[p]] += saliency[p];
            count[labels[p]]++;
        }
        int used = 0;
        for (int c : count) {
            used += c > 0 ? 1 : 0;
        }
        float[] mean = new float[used];
        int[] label = new int[used];
        int k = 0;
        for (int l = 0; l <= max; l++) {
            if (count[l] > 0) {
                mean[k] = (float) (sum[l] / count[l]);
                label[k++] = l;
            }
        }
        int[] order = descending(mean);
        int[] slot = new int[max + 1];
        int[][] groups = new int[used][];
        for (int i = 0; i < used; i++) {
            slot[label[order[i]]] = i;
            groups[i] = new int[count[label[order[i]]]];
        }
        int[] fill = new int[used];
        for (int p = 0; p < labels.length; p++) {
            int g = slot[labels[p]];
            groups[g][fill[g]++] = p;
        }
        return groups;
    }

    /**
     * The explanation's map as a per-pixel saliency at the input size: its {@link Explanation#map()} resampled.
     */
    static float[] atInput(Explanation e, int h, int w) {
        return atInput(e.map(), h, w);
    }

    /**
     * The attribution per input element: the raw attribution when it has the input's {@code C×H×W} shape, otherwise
     * its 2-D map resampled to {@code H×W} and repeated over the channels (CAMs).
     */
    static float[] perElement(Explanation e, int c, int h, int w) {
        int[] s = e.attribution().shape();
        if (s.length == 3 && s[0] == c && s[1] == h && s[2] == w) {
            float[] v = e.attribution().data();
            NonFiniteResultException.requireFinite(v, "the attribution");
            return v;
        }
        float[] m = atInput(e.map(), h, w);
        float[] out = new float[c * h * w];
        for (int ch = 0; ch < c; ch++) {
            System.arraycopy(m, 0, out, ch * h * w, h * w);
        }
        return out;
    }
}
