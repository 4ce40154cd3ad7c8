package dev.cnnviz.core.data;

import dev.cnnviz.core.image.ImageIo;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A dataset with random crops and horizontal flips, for augmented sets: each example's crop position and flip are
 * drawn from a generator seeded by {@code (seed, index)}, so an example is augmented the same way however it is
 * read (in any batch, by {@link #select}), and a new seed (e.g. the epoch) draws new augmentations. Image batches
 * are cropped and mirrored as pictures; tensor batches ({@code .npy}) on their last two axes.
 *
 * <pre>{@code
 * Dataset train = Augmented.of(ImageFolder.of(dir)).withRandomCrop(224, 224).withHorizontalFlip(true).withSeed(epoch);
 * }</pre>
 */
public final class Augmented implements Dataset {
    private final Dataset inner;
    private final int cropWidth;
    private final int cropHeight;
    private final boolean flip;
    private final long seed;

    private Augmented(Dataset inner, int cropWidth, int cropHeight, boolean flip, long seed) {
        this.inner = inner;
        this.cropWidth = cropWidth;
        this.cropHeight = cropHeight;
        this.flip = flip;
        this.seed = seed;
    }

    /**
     * @param inner the examples to augment
     * @return a view that augments nothing yet (no crop, no flip, seed 0)
     */
    public static Augmented of(Dataset inner) {
        return new Augmented(Objects.requireNonNull(inner, "inner"), 0, 0, false, 0);
    }

    /**
     * @param width  crop width in pixels, 1..100,000
     * @param height crop height in pixels, 1..100,000 (every example must be at least this large)
     * @return a copy cropping each example at a random position
     * @throws IllegalArgumentException if a size is out of range
     */
    public Augmented withRandomCrop(int width, int height) {
        if (width < 1 || height < 1 || width > 100_000 || height > 100_000) {
            throw new IllegalArgumentException("crop size must be 1..100000 x 1..100000, found " + width + " x "
                    + height);
        }
        return new Augmented(inner, width, height, flip, seed);
    }

    /** @return the crop width, 0 for no crop */
    public int cropWidth() {
        return cropWidth;
    }

    /** @return the crop height, 0 for no crop */
    public int cropHeight() {
        return cropHeight;
    }

    /**
     * @param mirror whether each example is mirrored left-right with probability 1/2
     * @return a copy
     */
    public Augmented withHorizontalFlip(boolean mirror) {
        return new Augmented(inner, cropWidth, cropHeight, mirror, seed);
    }

    /** @return whether examples may be mirrored */
    public boolean horizontalFlip() {
        return flip;
    }

    /**
     * @param newSeed the seed of the augmentations
     * @return a copy
     */
    public Augmented withSeed(long newSeed) {
        return new Augmented(inner, cropWidth, cropHeight, flip, newSeed);
    }

    /** @return the seed */
    public long seed() {
        return seed;
    }

    @Override
    public String name() {
        return inner.name() + " (augmented)";
    }

    @Override
    public int size() {
        return inner.size();
    }

    @Override
    public List<String> classes() {
        return inner.classes();
    }

    @Override
    public Batch read(int from, int to) throws IOException {
        Batch b = inner.read(from, to);
        int n = b.size();
        if (b.isTensor()) {
            INDArray x = b.toInputUnchecked();
            INDArray[] out = new INDArray[n];
            for (int i = 0; i < n; i++) {
                int h = (int) x.size(2);
                int w = (int) x.size(3);
                int[] c = draw(b.index(i), w, h, b.id(i));
                long[] cols = new long[c[2]];
                for (int j = 0; j < c[2]; j++) {
                    cols[j] = c[4] == 1 ? c[0] + c[2] - 1 - j : c[0] + j;
                }
                out[i] = x.get(NDArrayIndex.interval(i, i + 1), NDArrayIndex.all(),
                        NDArrayIndex.interval(c[1], c[1] + c[3]), NDArrayIndex.indices(cols)).dup('c');
            }
            return n == 0 ? b : Batch.ofTensor(b.indices(), b.ids(), b.labels(), Nd4j.concat(0, out));
        }
        List<BufferedImage> images = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            BufferedImage img = b.rawImages().get(i);
            BufferedImage src = img.getType() == BufferedImage.TYPE_CUSTOM ? ImageIo.toRgb(img) : img;
            int[] c = draw(b.index(i), src.getWidth(), src.getHeight(), b.id(i));
            // Copy raw pixel data (exact for every image type; getRGB/setRGB would convert grey levels).
            BufferedImage out = new BufferedImage(src.getColorModel(),
                    src.getRaster().createCompatibleWritableRaster(c[2], c[3]), src.isAlphaPremultiplied(), null);
            Object px = null;
            for (int y = 0; y < c[3]; y++) {
                for (int x = 0; x < c[2]; x++) {
                    int sx = c[4] == 1 ? c[0] + c[2] - 1 - x : c[0] + x;
                    px = src.getRaster().getDataElements(sx, c[1] + y, px);
                    out.getRaster().setDataElements(x, y, px);
                }
            }
            images.add(out);
        }
        return Batch.ofImages(b.indices(), b.ids(), b.labels(), images);
    }

    /** @return {x0, y0, width, height, flip} of example {@code index} */
    private int[] draw(int index, int width, int height, String id) {
        SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index);
        int w = cropWidth == 0 ? width : cropWidth;
        int h = cropHeight == 0 ? height : cropHeight;
        if (w > width || h > height) {
            throw new IllegalArgumentException("example " + id + " is " + width + " x " + height
                    + ", smaller than the crop " + w + " x " + h);
        }
        int x0 = r.nextInt(width - w + 1);
        int y0 = r.nextInt(height - h + 1);
        int f = flip && r.nextBoolean() ? 1 : 0;
        return new int[] {x0, y0, w, h, f};
    }
}
