package dev.cnnviz.core.train;

import dev.cnnviz.api.ChannelOrder;
import dev.cnnviz.api.InputSpec;
import dev.cnnviz.api.Layout;
import dev.cnnviz.api.Preprocessing;
import dev.cnnviz.core.MemoryBudget;
import dev.cnnviz.core.data.Augmented;
import dev.cnnviz.core.data.Batch;
import dev.cnnviz.core.data.Dataset;
import dev.cnnviz.core.image.ImageIo;
import dev.cnnviz.core.image.ImageResize;
import dev.cnnviz.core.image.ImageTensors;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Batches of random square crops of a dataset's images, with random horizontal flips, as RGB pixels 0..255 (float32,
 * {@code [batch, 3, size, size]}): the training data of the feed-forward style and AdaIN networks. For step
 * {@code t}, a generator seeded by {@code (seed, t)} draws {@code batch} example indices (uniformly, with
 * replacement); each image is resized so that its shorter side is {@code size · scale} (bilinear with antialiasing)
 * and a {@code size × size} crop at a random position is taken and mirrored with probability 1/2 (the crop and flip
 * of {@link Augmented}). {@code scale = 1} is Johnson et al.'s {@code fast_neural_style} ({@code Resize(size)},
 * {@code CenterCrop(size)}) with a random instead of a central crop; larger scales crop smaller parts of each photo.
 *
 * <pre>{@code
 * BatchSource photos = RandomCrops.of(ImageFolder.of(dir), 128, 4).withSeed(7);
 * INDArray x = photos.batch(0);     // [4, 3, 128, 128], RGB 0..255
 * }</pre>
 */
public final class RandomCrops implements BatchSource {
    private static final Preprocessing RAW_RGB = Preprocessing.raw(ChannelOrder.RGB);
    /** The most pixels of resized images kept decoded between steps (128 MB as int RGB). */
    static final long CACHE_PIXELS = 32L << 20;

    private final Dataset images;
    private final int size;
    private final int batch;
    private final double scale;
    private final long seed;
    /** Resized images by dataset index, least recently used first, up to {@link #CACHE_PIXELS} pixels. */
    private final Map<Integer, BufferedImage> cache = new LinkedHashMap<>(16, 0.75f, true);
    private long cachedPixels;

    private RandomCrops(Dataset images, int size, int batch, double scale, long seed) {
        this.images = images;
        this.size = size;
        this.batch = batch;
        this.scale = scale;
        this.seed = seed;
    }

    /**
     * @param images the examples (at least one)
     * @param size   the crop side in pixels, 1..4096
     * @param batch  the examples per batch, 1..4096
     * @return a source with scale 1 and seed 0
     * @throws IllegalArgumentException for an empty dataset or a size or batch out of range (naming it)
     */
    public static RandomCrops of(Dataset images, int size, int batch) {
        if (images == null || images.size() == 0) {
            throw new IllegalArgumentException("the training images must hold at least one image, found "
                    + (images == null ? "null" : images.name() + " with none"));
        }
        if (size < 1 || size > 4096) {
            throw new IllegalArgumentException("crop size must be 1..4096 pixels, found " + size);
        }
        if (batch < 1 || batch > 4096) {
            throw new IllegalArgumentException("batch size must be 1..4096, found " + batch);
        }
        return new RandomCrops(images, size, batch, 1, 0);
    }

    /**
     * @param newScale the shorter side before cropping, in crop sizes: 1..8
     * @return a copy
     * @throws IllegalArgumentException if out of range
     */
    public RandomCrops withScale(double newScale) {
        if (!(newScale >= 1 && newScale <= 8)) {
            throw new IllegalArgumentException("crop scale must be in 1..8, found " + newScale);
        }
        return new RandomCrops(images, size, batch, newScale, seed);
    }

    /**
     * @param newSeed the seed of the draws
     * @return a copy
     */
    public RandomCrops withSeed(long newSeed) {
        return new RandomCrops(images, size, batch, scale, newSeed);
    }

    /** @return the crop side */
    public int size() {
        return size;
    }

    /** @return the examples per batch */
    public int batchSize() {
        return batch;
    }

    /** @return the dataset */
    public Dataset images() {
        return images;
    }

    /**
     * {@inheritDoc}
     *
     * @throws dev.cnnviz.api.ResourceLimitException if the batch is over the memory budget (before reading)
     */
    @Override
    public INDArray batch(long step) throws IOException {
        MemoryBudget.defaultBudget().check("a training batch of " + batch + " crops of " + size + "x" + size,
                MemoryBudget.bytesOf(4, batch, 3, size, size), "use a smaller batch or crop size");
        SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + step);
        int[] idx = new int[batch];
        for (int i = 0; i < batch; i++) {
            idx[i] = r.nextInt(images.size());
        }
        BufferedImage[] resized = resized(idx);
        List<BufferedImage> crops = new ArrayList<>(batch);
        for (int i = 0; i < batch; i++) {
            BufferedImage img = resized[i];
            int x0 = r.nextInt(img.getWidth() - size + 1);
            int y0 = r.nextInt(img.getHeight() - size + 1);
            boolean flip = r.nextBoolean();
            BufferedImage out = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
            int[] row = new int[size];
            for (int y = 0; y < size; y++) {
                img.getRGB(x0, y0 + y, size, 1, row, 0, size);
                if (flip) {
                    for (int a = 0, z = size - 1; a < z; a++, z--) {
                        int t = row[a];
                        row[a] = row[z];
                        row[z] = t;
                    }
                }
                out.setRGB(0, y, size, 1, row, 0, size);
            }
            crops.add(out);
        }
        return ImageTensors.toBatch(crops, new InputSpec(3, size, size, Layout.NCHW, RAW_RGB));
    }

    /** The examples resized (shorter side {@code size · scale}), read and resized once while they fit the cache. */
    private synchronized BufferedImage[] resized(int[] idx) throws IOException {
        BufferedImage[] out = new BufferedImage[idx.length];
        List<Integer> missing = new ArrayList<>();
        for (int i = 0; i < idx.length; i++) {
            out[i] = cache.get(idx[i]);
            if (out[i] == null && !missing.contains(idx[i])) {
                missing.add(idx[i]);
            }
        }
        if (!missing.isEmpty()) {
            Batch b = images.select(missing.stream().mapToInt(Integer::intValue).toArray());
            List<BufferedImage> raw = b.images(RAW_RGB);
            int side = (int) Math.ceil(size * scale);
            Map<Integer, BufferedImage> read = new HashMap<>();
            for (int k = 0; k < missing.size(); k++) {
                BufferedImage img = ImageResize.resizeShorterSide(ImageIo.toRgb(raw.get(k)), side, ImageResize.DEFAULT_FILTER);
                read.put(missing.get(k), img);
                long px = (long) img.getWidth() * img.getHeight();
                cache.put(missing.get(k), img);
                cachedPixels += px;
                while (cachedPixels > CACHE_PIXELS && !cache.isEmpty()) {
                    Map.Entry<Integer, BufferedImage> eldest = cache.entrySet().iterator().next();
                    cachedPixels -= (long) eldest.getValue().getWidth() * eldest.getValue().getHeight();
                    cache.remove(eldest.getKey());
                }
            }
            for (int i = 0; i < idx.length; i++) {
                if (out[i] == null) {
                    out[i] = read.get(idx[i]);
                }
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return "RandomCrops[" + images.name() + ", " + size + " px, batch " + batch + ", scale " + scale + ", seed "
                + seed + "]";
    }
}
