package dev.cnnviz.core.image;

import dev.cnnviz.api.ChannelOrder;
import dev.cnnviz.api.InputSpec;
import dev.cnnviz.api.Layout;
import dev.cnnviz.api.Preprocessing;
import dev.cnnviz.core.MemoryBudget;
import dev.cnnviz.core.graph.HostArrays;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The bridge between images and model tensors: images to preprocessed NCHW batches and back, numpy
 * {@code .npy} files, layout conversion and input validation.
 *
 * <p><b>Image to tensor</b> ({@link #toBatch}): each image is converted to RGB ({@link ImageIo#toRgb}), resized to
 * the model's {@code width × height} with {@link ImageResize#resize} (rounded to 8 bits, like a Pillow or OpenCV
 * pipeline; skipped when the size already matches), its channels put in the model's order, and every pixel
 * value {@code p} (0..255) of channel {@code c} preprocessed:
 * <pre>   x[n, c, y, x] = spec.preprocessing().apply(c, p) = (p * scale - mean[c]) / std[c]</pre>
 * For {@link ChannelOrder#BGR} channel 0 is blue; for {@link ChannelOrder#GREY} the single channel is the
 * luminance {@code 0.299 R + 0.587 G + 0.114 B}, kept as a float (not rounded; exactly the grey value for grey
 * pixels).
 *
 * <p><b>Tensor to image</b> ({@link #toImage}): the inverse, {@code p = round(clamp(p.invert(c, x), 0, 255))},
 * channels reordered to RGB; a GREY tensor gives a {@code TYPE_BYTE_GRAY} image, colour tensors
 * {@code TYPE_INT_RGB}. {@code toImage(toBatch(img))} gives back {@code img} (resized) exactly, up to float
 * rounding of at most one grey level.
 *
 * <pre>{@code
 * INDArray x = ImageTensors.toBatch(ImageIo.read(Path.of("cat.jpg")), model.inputSpec());   // [1,3,224,224]
 * ImageIo.writePng(ImageTensors.toImage(x, model.inputSpec().preprocessing()), Path.of("out/input.png"));
 * }</pre>
 */
public final class ImageTensors {
    private ImageTensors() {}

    /**
     * One image as a batch of one, resized with the {@link ImageResize#DEFAULT_FILTER}; see
     * {@link #toBatch(List, InputSpec, ResizeFilter)}.
     *
     * <pre>{@code
     * InputSpec spec = new InputSpec(3, 224, 224, Layout.NCHW, Preprocessing.caffeBgr(104, 117, 123));
     * INDArray x = ImageTensors.toBatch(ImageIo.read(Path.of("cat.jpg")), spec);   // float32 [1,3,224,224]
     * }</pre>
     *
     * @param image the image (any size and type)
     * @param spec  the model input: channels, size and preprocessing
     * @return a float32 {@code [1, C, H, W]} array
     */
    public static INDArray toBatch(BufferedImage image, InputSpec spec) {
        return toBatch(List.of(Objects.requireNonNull(image, "image")), spec, ImageResize.DEFAULT_FILTER);
    }

    /**
     * Images as one batch, resized with the {@link ImageResize#DEFAULT_FILTER}; see
     * {@link #toBatch(List, InputSpec, ResizeFilter)}.
     *
     * <pre>{@code
     * INDArray x = ImageTensors.toBatch(List.of(cat, dog), spec);   // [2, C, H, W]
     * INDArray dogOnly = x.slice(1);
     * }</pre>
     *
     * @param images the images, at least one
     * @param spec   the model input
     * @return a float32 {@code [N, C, H, W]} array
     */
    public static INDArray toBatch(List<BufferedImage> images, InputSpec spec) {
        return toBatch(images, spec, ImageResize.DEFAULT_FILTER);
    }

    /**
     * Images as one preprocessed float32 NCHW batch (see the class comment for the formula): each image is
     * resized with {@code filter} to {@code spec.width() × spec.height()} unless it already has that size, its
     * channels ordered as {@code spec.preprocessing().order()}, and each value preprocessed.
     *
     * <pre>{@code
     * INDArray x = ImageTensors.toBatch(List.of(photo), spec, ResizeFilter.BILINEAR);   // OpenCV-style resize
     * ImageTensors.checkBatch(x, spec);
     * }</pre>
     *
     * @param images the images, at least one, none null
     * @param spec   the model input: channel count and order, size and preprocessing
     * @param filter the resize filter
     * @return a float32 {@code [N, C, H, W]} array with {@code N = images.size()}
     * @throws IllegalArgumentException if {@code images} is empty or contains null; a
     *                                  {@link dev.cnnviz.api.ResourceLimitException} if the batch exceeds the memory budget
     */
    public static INDArray toBatch(List<BufferedImage> images, InputSpec spec, ResizeFilter filter) {
        Objects.requireNonNull(images, "images");
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(filter, "filter");
        if (images.isEmpty()) {
            throw new IllegalArgumentException("toBatch needs at least one image");
        }
        Preprocessing pre = spec.preprocessing();
        ChannelOrder order = pre.order();
        int c = spec.channels();
        int h = spec.height();
        int w = spec.width();
        long count = (long) images.size() * c * h * w;
        MemoryBudget.defaultBudget().check("a batch of " + images.size() + " " + c + "x" + h + "x" + w + " images",
                MemoryBudget.bytesOf(4, images.size(), c, h, w), "use fewer images per batch");
        if (count > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a batch of " + images.size() + " " + c + "x" + h + "x" + w + " images has "
                    + count + " values, more than one Java array holds (2^31); use fewer images per batch");
        }
        int plane = h * w;
        int perImage = c * plane;
        float[] data = new float[(int) count];
        for (int n = 0; n < images.size(); n++) {
            BufferedImage img = images.get(n);
            if (img == null) {
                throw new IllegalArgumentException("image " + n + " of the batch is null");
            }
            BufferedImage sized = img.getWidth() == w && img.getHeight() == h
                    ? img : ImageResize.resize(img, w, h, filter);
            float[] rgb = ImageResize.rgbPlanes(sized);
            int base = n * perImage;
            for (int i = 0; i < plane; i++) {
                double r = rgb[i];
                double g = rgb[plane + i];
                double b = rgb[2 * plane + i];
                switch (order) {
                    case RGB -> {
                        data[base + i] = (float) pre.apply(0, r);
                        data[base + plane + i] = (float) pre.apply(1, g);
                        data[base + 2 * plane + i] = (float) pre.apply(2, b);
                    }
                    case BGR -> {
                        data[base + i] = (float) pre.apply(0, b);
                        data[base + plane + i] = (float) pre.apply(1, g);
                        data[base + 2 * plane + i] = (float) pre.apply(2, r);
                    }
                    case GREY -> data[base + i] = (float) pre.apply(0, luminance(r, g, b));
                    default -> throw new IllegalStateException("unknown channel order " + order);
                }
            }
        }
        return Nd4j.create(data, spec.batchShape(images.size()), 'c');
    }

    /** {@code 0.299 R + 0.587 G + 0.114 B}, exactly {@code R} when {@code R == G == B}. */
    static double luminance(double r, double g, double b) {
        return r == g && g == b ? r : 0.299 * r + 0.587 * g + 0.114 * b;
    }

    /**
     * One model input as an image: {@code p = round(clamp(pre.invert(c, x), 0, 255))} per channel, reordered to
     * RGB ({@code TYPE_INT_RGB}); a one-channel GREY tensor gives a {@code TYPE_BYTE_GRAY} image. Infinite values
     * clamp to 0 or 255.
     *
     * <pre>{@code
     * BufferedImage seen = ImageTensors.toImage(x, Preprocessing.caffeBgr(104, 117, 123));   // x: [1,3,224,224]
     * ImageIo.writePng(seen, Path.of("out/input.png"));
     * }</pre>
     *
     * @param x   a {@code [C, H, W]} or {@code [1, C, H, W]} array with {@code C = pre.order().channels()}
     * @param pre the preprocessing that produced {@code x}
     * @return a new image of width {@code W} and height {@code H}
     * @throws IllegalArgumentException if the shape does not fit, or {@code x} contains NaN (naming its index)
     */
    public static BufferedImage toImage(INDArray x, Preprocessing pre) {
        Objects.requireNonNull(x, "x");
        Objects.requireNonNull(pre, "pre");
        long[] s = x.shape();
        if (s.length == 4 && s[0] == 1) {
            return image(x.reshape(s[1], s[2], s[3]), pre, "");
        }
        if (s.length == 3) {
            return image(x, pre, "");
        }
        throw new IllegalArgumentException("toImage expects one image as [C, H, W] or [1, C, H, W], found "
                + Arrays.toString(s) + (s.length == 4 ? "; use toImages for a batch" : ""));
    }

    /**
     * Every image of a {@code [N, C, H, W]} batch; see {@link #toImage}.
     *
     * <pre>{@code
     * List<BufferedImage> imgs = ImageTensors.toImages(batch, spec.preprocessing());
     * ImageIo.writePng(imgs.get(0), Path.of("out/first.png"));
     * }</pre>
     *
     * @param batch a rank-4 NCHW array
     * @param pre   the preprocessing that produced it
     * @return {@code N} new images
     * @throws IllegalArgumentException if the shape does not fit, or the batch contains NaN
     */
    public static List<BufferedImage> toImages(INDArray batch, Preprocessing pre) {
        Objects.requireNonNull(batch, "batch");
        Objects.requireNonNull(pre, "pre");
        long[] s = batch.shape();
        if (s.length != 4) {
            throw new IllegalArgumentException("toImages expects a batch [N, C, H, W], found " + Arrays.toString(s));
        }
        List<BufferedImage> out = new ArrayList<>();
        for (long n = 0; n < s[0]; n++) {
            out.add(image(batch.slice(n), pre, n + ", "));
        }
        return out;
    }

    private static BufferedImage image(INDArray chw, Preprocessing pre, String prefix) {
        long[] s = chw.shape();
        int c = pre.order().channels();
        if (s[0] != c) {
            throw new IllegalArgumentException("the tensor has " + s[0] + " channel(s) but " + pre.order()
                    + " preprocessing has " + c + "; shape " + Arrays.toString(s) + " should be [C, H, W]");
        }
        if (s[1] < 1 || s[2] < 1 || s[1] * s[2] > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("cannot make an image of " + s[2] + "x" + s[1] + " pixels");
        }
        int h = (int) s[1];
        int w = (int) s[2];
        int plane = h * w;
        double[] v = HostArrays.doubles(chw);
        // Channel k of the pixel goes to bits shift[k] of the packed RGB value (GREY: the grey level itself).
        int[] shift = switch (pre.order()) {
            case RGB -> new int[] {16, 8, 0};
            case BGR -> new int[] {0, 8, 16};
            case GREY -> new int[] {0};
        };
        int[] rgb = new int[plane];
        for (int k = 0; k < c; k++) {
            int from = k * plane;
            int sh = shift[k];
            for (int i = 0; i < plane; i++) {
                double x = v[from + i];
                if (Double.isNaN(x)) {
                    throw new IllegalArgumentException("the tensor contains NaN at index [" + prefix + k + ", "
                            + i / w + ", " + i % w + "]");
                }
                rgb[i] |= ImageResize.to8(pre.invert(k, x)) << sh;
            }
        }
        if (pre.order() == ChannelOrder.GREY) {
            BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
            out.getRaster().setSamples(0, 0, w, h, 0, rgb);
            return out;
        }
        return ImageResize.fromRgbPixels(rgb, w, h);
    }

    /** The default limit on the size of an {@code .npy} file read by {@link #readNpy(Path)}: 1 GiB. */
    public static final long DEFAULT_MAX_NPY_BYTES = Npy.DEFAULT_MAX_BYTES;

    /**
     * Reads a numpy {@code .npy} file of at most {@link #DEFAULT_MAX_NPY_BYTES} (1 GiB). The file is validated in
     * Java first so that a wrong or damaged file gives a clear {@link IOException} instead of crashing ND4J's
     * native reader: it must be a regular file (not a directory, device, FIFO, or {@code /proc} file) within the
     * size limit; the magic {@code \x93NUMPY}, a format version 1.0, 2.0 or 3.0 and a header that lies within the
     * file; a header dict of exactly {@code descr}, {@code fortran_order} and {@code shape} (at most 32 non-negative
     * dimensions); and exactly as many data bytes as the shape and dtype promise (a short file and trailing bytes
     * are both refused, giving the numbers). Supported dtypes: little-endian {@code f2 f4 f8 i1 i2 i4 i8 u1 u2 u8
     * b1} (ND4J HALF, FLOAT, DOUBLE, BYTE, SHORT, INT, LONG, UBYTE, UINT16, UINT64, BOOL); big-endian, complex,
     * object, string, {@code u4} and structured dtypes are refused, naming the dtype. C or Fortran order (the
     * result is always C-ordered). The values are read exactly.
     *
     * <pre>{@code
     * INDArray x = ImageTensors.readNpy(Path.of("models/squeezenet1.1/cat-input.npy"));   // float32 [1,3,224,224]
     * ImageTensors.checkBatch(x, model.inputSpec());
     * }</pre>
     *
     * @param file the {@code .npy} file (the whole file is read into memory)
     * @return a new C-ordered array of the file's dtype and shape
     * @throws NoSuchFileException if the file does not exist
     * @throws IOException         naming the file if it is not a regular file, empty, larger than the limit, not an
     *                             npy file, truncated, longer than its header says, or of an unsupported dtype or
     *                             version
     */
    public static INDArray readNpy(Path file) throws IOException {
        return Npy.read(file);
    }

    /**
     * Reads a numpy {@code .npy} file as {@link #readNpy(Path)} does, with another size limit.
     *
     * <pre>{@code
     * INDArray big = ImageTensors.readNpy(Path.of("batch-of-2000.npy"), 1_500_000_000L);
     * }</pre>
     *
     * @param file     the {@code .npy} file
     * @param maxBytes the largest file accepted, in bytes (1 to {@code Integer.MAX_VALUE - 9}: the file is read
     *                 into one Java array)
     * @return a new C-ordered array of the file's dtype and shape
     * @throws IllegalArgumentException if {@code maxBytes} is out of range
     * @throws NoSuchFileException      if the file does not exist
     * @throws IOException              naming the file, as for {@link #readNpy(Path)}
     */
    public static INDArray readNpy(Path file, long maxBytes) throws IOException {
        return Npy.read(file, maxBytes);
    }

    /**
     * Writes an array as a numpy {@code .npy} file (format 1.0, C order, the array's dtype), creating missing
     * parent directories; {@link #readNpy} and {@code numpy.load} give back exactly the same values.
     *
     * <pre>{@code
     * ImageTensors.writeNpy(x, Path.of("out/cat-input.npy"));
     * // python: numpy.load("out/cat-input.npy").shape == (1, 3, 224, 224)
     * }</pre>
     *
     * @param array the array (views and Fortran-ordered arrays are written in C order)
     * @param file  the destination, replaced if it exists
     * @throws IllegalArgumentException if the dtype has no npy equivalent readable by {@link #readNpy}
     *                                  (e.g. BFLOAT16, UINT32, UTF8)
     * @throws IOException              naming the file if it cannot be written
     */
    public static void writeNpy(INDArray array, Path file) throws IOException {
        Npy.write(array, file);
    }

    /**
     * A raw batch given in a model's original layout, as NCHW (the layout cnnviz computes in): an
     * {@link Layout#NHWC} array {@code [N, H, W, C]} is permuted to {@code [N, C, H, W]} (a new C-ordered copy);
     * an {@link Layout#NCHW} array is returned as is.
     *
     * <pre>{@code
     * INDArray keras = ImageTensors.readNpy(Path.of("keras-input.npy"));           // [1, 224, 224, 3]
     * INDArray x = ImageTensors.toNchw(keras, model.inputSpec().originalLayout()); // [1, 3, 224, 224]
     * }</pre>
     *
     * @param batch  a rank-4 array
     * @param layout the layout {@code batch} is in
     * @return the NCHW batch
     * @throws IllegalArgumentException if {@code batch} is not rank 4
     */
    public static INDArray toNchw(INDArray batch, Layout layout) {
        Objects.requireNonNull(batch, "batch");
        Objects.requireNonNull(layout, "layout");
        if (batch.rank() != 4) {
            throw new IllegalArgumentException("expected a rank-4 " + layout + " batch, found rank " + batch.rank()
                    + " " + Arrays.toString(batch.shape())
                    + (batch.rank() == 3 ? "; add the batch dimension first, e.g. x.reshape(1, ...)" : ""));
        }
        return switch (layout) {
            case NCHW -> batch;
            case NHWC -> batch.permute(0, 3, 1, 2).dup('c');
        };
    }

    /**
     * Checks that {@code x} is a valid NCHW input batch for a model: rank 4, {@code [N >= 1, C, H, W]} as
     * {@code spec} says, a floating-point type, and only finite values.
     *
     * <pre>{@code
     * ImageTensors.checkBatch(x, model.inputSpec());
     * // "expected an input batch of shape [N, 3, 224, 224] (NCHW), found [1, 224, 224, 3] ..."
     * }</pre>
     *
     * @param x    the batch
     * @param spec the model input
     * @throws IllegalArgumentException naming the expected and found shapes, a wrong channel count, or the index
     *                                  of the first NaN or infinite value
     */
    public static void checkBatch(INDArray x, InputSpec spec) {
        Objects.requireNonNull(x, "x");
        Objects.requireNonNull(spec, "spec");
        long[] s = x.shape();
        String expected = "[N, " + spec.channels() + ", " + spec.height() + ", " + spec.width() + "] (NCHW)";
        if (s.length != 4) {
            throw new IllegalArgumentException("expected an input batch of shape " + expected + ", found rank "
                    + s.length + " " + Arrays.toString(s));
        }
        if (s[0] < 1) {
            throw new IllegalArgumentException("expected an input batch of shape " + expected
                    + " with at least one image, found " + Arrays.toString(s));
        }
        if (s[1] != spec.channels() || s[2] != spec.height() || s[3] != spec.width()) {
            String hint = "";
            if (s[3] == spec.channels() && s[1] == spec.height() && s[2] == spec.width()) {
                hint = "; this looks like NHWC: convert it with ImageTensors.toNchw(x, Layout.NHWC)";
            } else if (s[1] != spec.channels()) {
                hint = "; wrong channel count: the model takes " + spec.channels() + " channel(s) ("
                        + spec.preprocessing().order() + "), found " + s[1];
            }
            throw new IllegalArgumentException("expected an input batch of shape " + expected + ", found "
                    + Arrays.toString(s) + hint);
        }
        if (!x.dataType().isFPType()) {
            throw new IllegalArgumentException("expected a floating-point input batch, found " + x.dataType()
                    + " " + Arrays.toString(s) + "; convert it with x.castTo(DataType.FLOAT)");
        }
        double sum = x.sumNumber().doubleValue();
        if (Double.isFinite(sum)) {
            return; // a NaN or infinity anywhere would make the sum non-finite
        }
        double[] v = x.dup('c').castTo(DataType.DOUBLE).data().asDouble();
        for (int i = 0; i < v.length; i++) {
            if (!Double.isFinite(v[i])) {
                long chw = s[1] * s[2] * s[3];
                long hw = s[2] * s[3];
                String what = Double.isNaN(v[i]) ? "NaN" : v[i] > 0 ? "+Infinity" : "-Infinity";
                throw new IllegalArgumentException("the input batch contains " + what + " at index [" + i / chw + ", "
                        + (i % chw) / hw + ", " + (i % hw) / s[3] + ", " + i % s[3] + "]");
            }
        }
        // The sum overflowed although all values are finite (huge values): valid.
    }
}
