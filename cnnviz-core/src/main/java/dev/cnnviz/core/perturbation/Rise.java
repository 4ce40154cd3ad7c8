package dev.cnnviz.core.perturbation;

import dev.cnnviz.api.Explanation;
import dev.cnnviz.core.Model;
import java.awt.image.BufferedImage;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * RISE (Petsiuk, Das &amp; Saenko 2018, "RISE: Randomized Input Sampling for Explanation of Black-box Models", BMVC):
 * the saliency of a pixel is the expected target over random soft masks that keep it,
 * <pre>  S(p) = (1 / (N · P)) Σ_{i=1..N} f(b + M_i ⊙ (x − b)) · M_i(p)</pre>
 * Each mask {@code M_i}: an {@code s × s} grid of cells kept with probability {@code P}, upsampled bilinearly to
 * {@code (s + 1)·⌈H/s⌉ × (s + 1)·⌈W/s⌉} (half-pixel centres, edges clamped) and cropped to {@code H × W} at a random
 * shift of less than one cell, as in the authors' code. With the default baseline 0 the perturbed input is
 * {@code M ⊙ x}, the paper's. The map is {@code [H, W]}.
 *
 * <p>Defaults: {@code N} = 4,000 masks, {@code s} = 7, {@code P} = 0.5 (the paper's for ResNet-50), baseline
 * {@code constant(0)}, the score (the paper explains probabilities: {@code withProbability(true)}), seed 0. Cost:
 * {@code N} perturbed inputs, forward only, in batches; masks are regenerated from per-mask seeds rather than stored
 * (4,000 masks of 224 × 224 would take 800 MB). Seeded: same seed, same map, whatever the batch size.
 *
 * <pre>{@code
 * Explanation e = Rise.of(model).withMasks(4000).withCells(7).withKeepProbability(0.5).withSeed(3).explain(image, 285);
 * }</pre>
 */
public final class Rise extends PerturbationBase<Rise> {
    /** The default number of masks. */
    public static final int DEFAULT_MASKS = 4000;
    /** The most masks accepted. */
    public static final int MAX_MASKS = 100_000;
    /** The default grid size. */
    public static final int DEFAULT_CELLS = 7;
    /** The default probability of keeping a cell. */
    public static final double DEFAULT_KEEP = 0.5;

    private final int masks;
    private final int cells;
    private final double keep;

    private Rise(Model model, Common c, int masks, int cells, double keep) {
        super(model, c);
        this.masks = masks;
        this.cells = cells;
        this.keep = keep;
    }

    /** @return RISE for a model with the defaults */
    public static Rise of(Model model) {
        return new Rise(model, Common.defaults(), DEFAULT_MASKS, DEFAULT_CELLS, DEFAULT_KEEP);
    }

    @Override
    protected Rise with(Common c) {
        return new Rise(model, c, masks, cells, keep);
    }

    /** @return a copy with {@code n} masks, 1 to {@value #MAX_MASKS} */
    public Rise withMasks(int n) {
        if (n < 1 || n > MAX_MASKS) {
            throw new IllegalArgumentException("RISE masks must be 1 to " + MAX_MASKS + ", found " + n);
        }
        return new Rise(model, common(), n, cells, keep);
    }

    /** @return the number of masks */
    public int masks() {
        return masks;
    }

    /** @return a copy with an {@code s × s} grid, {@code s} at least 1 and at most the input's size */
    public Rise withCells(int s) {
        if (s < 1) {
            throw new IllegalArgumentException("RISE's grid needs at least 1 cell, found " + s);
        }
        return new Rise(model, common(), masks, s, keep);
    }

    /** @return the grid size {@code s} */
    public int cells() {
        return cells;
    }

    /** @return a copy keeping each cell with probability {@code p}, in (0, 1] */
    public Rise withKeepProbability(double p) {
        if (!(p > 0 && p <= 1)) {
            throw new IllegalArgumentException("RISE's keep probability must be in (0, 1], found " + p);
        }
        return new Rise(model, common(), masks, cells, p);
    }

    /** @return the probability of keeping a cell */
    public double keepProbability() {
        return keep;
    }

    @Override
    public String name() {
        return "RISE";
    }

    @Override
    protected Map<String, String> ownOptions() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("masks", String.valueOf(masks));
        m.put("cells", String.valueOf(cells));
        m.put("keep", String.valueOf(keep));
        return m;
    }

    @Override
    protected boolean usesFeatures() {
        return false;
    }

    @Override
    protected boolean seeded() {
        return true;
    }

    @Override
    protected void check(int height, int width) {
        if (cells > Math.min(height, width)) {
            throw new IllegalArgumentException("RISE's grid of " + cells + " x " + cells + " cells is finer than the "
                    + height + " x " + width + " input");
        }
    }

    @Override
    protected Explanation explainOne(Evaluator ev, FeatureMask unused, BufferedImage image) {
        int[] dims = ev.dims();
        int h = dims[1];
        int w = dims[2];
        long[] seeds = new long[masks];
        SplittableRandom rng = new SplittableRandom(seed());
        for (int i = 0; i < masks; i++) {
            seeds[i] = rng.nextLong();
        }
        double[] v = ev.evaluate(masks, (k, m) -> mask(seeds[k], h, w, m));
        double[] sum = new double[h * w];
        float[] m = new float[h * w];
        for (int k = 0; k < masks; k++) {
            mask(seeds[k], h, w, m);
            for (int p = 0; p < m.length; p++) {
                sum[p] += v[k] * m[p];
            }
        }
        float[] out = new float[h * w];
        boolean signed = false;
        for (int p = 0; p < out.length; p++) {
            out[p] = (float) (sum[p] / (masks * keep));
            signed |= out[p] < 0;
        }
        return pixelResult(out, h, w, signed, ev, image);
    }

    /** Writes mask {@code seed} of {@code h × w} into {@code out}. */
    void mask(long seed, int h, int w, float[] out) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] grid = new float[cells * cells];
        for (int i = 0; i < grid.length; i++) {
            grid[i] = r.nextDouble() < keep ? 1f : 0f;
        }
        int cellH = (h + cells - 1) / cells;
        int cellW = (w + cells - 1) / cells;
        int dy = r.nextInt(cellH);
        int dx = r.nextInt(cellW);
        double upH = (double) (cells + 1) * cellH;
        double upW = (double) (cells + 1) * cellW;
        for (int y = 0; y < h; y++) {
            double sy = Math.min(cells - 1, Math.max(0, (y + dy + 0.5) * cells / upH - 0.5));
            int y0 = (int) sy;
            int y1 = Math.min(cells - 1, y0 + 1);
            double fy = sy - y0;
            for (int x = 0; x < w; x++) {
                double sx = Math.min(cells - 1, Math.max(0, (x + dx + 0.5) * cells / upW - 0.5));
                int x0 = (int) sx;
                int x1 = Math.min(cells - 1, x0 + 1);
                double fx = sx - x0;
                double top = grid[y0 * cells + x0] * (1 - fx) + grid[y0 * cells + x1] * fx;
                double bot = grid[y1 * cells + x0] * (1 - fx) + grid[y1 * cells + x1] * fx;
                out[y * w + x] = (float) (top * (1 - fy) + bot * fy);
            }
        }
    }
}
