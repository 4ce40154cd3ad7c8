package dev.cnnviz.core.adversarial;

import dev.cnnviz.api.ChannelOrder;
import dev.cnnviz.api.InputSpec;
import dev.cnnviz.api.Layout;
import dev.cnnviz.api.Preprocessing;
import dev.cnnviz.core.image.ImageTensors;
import dev.cnnviz.core.graph.HostArrays;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The image space attacks work in, and the model's preprocessing as a differentiable map from it.
 *
 * <p>Image space: values {@code u} in {@code [0, 1]}, {@code [N, C, H, W]} at the model's input size, RGB
 * ({@code C = 3}) for colour models and grey ({@code C = 1}, the luminance {@code 0.299 R + 0.587 G + 0.114 B}) for
 * one-channel models. The preprocessing {@code P} maps it to the model's input: for model channel {@code c} reading
 * image channel {@code s(c)} ({@code s(c) = c} for RGB and grey, {@code 2 − c} for BGR),
 * <pre>   x[n, c, y, x] = a_c · u[n, s(c), y, x] + b_c,   a_c = 255 · scale / std_c,   b_c = −mean_c / std_c</pre>
 * which is {@link Preprocessing#apply} of the 8-bit value {@code 255 u}. {@code P} is affine, so its derivative is
 * its linear part {@code A}, and gradients come back through the adjoint {@code Aᵀ}:
 * {@code ∂L/∂u[n, s, y, x] = Σ_{c: s(c) = s} a_c · ∂L/∂x[n, c, y, x]}. ({@code ⟨A u, g⟩ = ⟨u, Aᵀ g⟩}, tested.)
 *
 * <pre>{@code
 * ImageSpace space = ImageSpace.of(model.inputSpec());
 * float[] u = space.fromImages(List.of(photo));           // [1, 3, 224, 224] in [0, 1], row-major
 * float[] x = new float[u.length];
 * space.apply(u, x);                                      // the model's input
 * }</pre>
 */
public final class ImageSpace {
    private final InputSpec spec;
    private final int channels;
    private final int[] source;
    private final double[] a;
    private final double[] b;

    private ImageSpace(InputSpec spec) {
        this.spec = spec;
        Preprocessing p = spec.preprocessing();
        int c = spec.channels();
        this.channels = p.order() == ChannelOrder.GREY ? 1 : 3;
        this.source = new int[c];
        this.a = new double[c];
        this.b = new double[c];
        for (int k = 0; k < c; k++) {
            source[k] = p.order() == ChannelOrder.BGR ? 2 - k : k;
            a[k] = p.apply(k, 255) - p.apply(k, 0);
            b[k] = p.apply(k, 0);
        }
    }

    /** @return the image space of a model input */
    public static ImageSpace of(InputSpec spec) {
        return new ImageSpace(Objects.requireNonNull(spec, "spec"));
    }

    /** @return the model input this space feeds */
    public InputSpec inputSpec() {
        return spec;
    }

    /** @return image-space channels: 3 (RGB) or 1 (grey) */
    public int channels() {
        return channels;
    }

    /** @return the image channel {@code s(c)} that model channel {@code c} reads */
    int source(int c) {
        return source[c];
    }

    /** @return {@code a_c} in float, as {@link #adjoint} multiplies by it */
    float gain(int c) {
        return (float) a[c];
    }

    /** @return values per image in image space, {@code C·H·W} */
    public int imageLength() {
        return channels * spec.height() * spec.width();
    }

    /** @return values per image in the model's input, {@code C_model·H·W} */
    public int modelLength() {
        return spec.channels() * spec.height() * spec.width();
    }

    /** @return the image-space shape of one image, {@code [C, H, W]} */
    public int[] imageShape() {
        return new int[] {channels, spec.height(), spec.width()};
    }

    /**
     * The forward map {@code x = P(u)} for a batch.
     *
     * @param u image-space values, {@code n · imageLength()} of them
     * @param x receives the model input, {@code n · modelLength()} values (overwritten)
     */
    public void apply(float[] u, float[] x) {
        apply(u, java.nio.FloatBuffer.wrap(x));
    }

    /**
     * {@link #apply(float[], float[])} into a buffer (a native model input), through a small array that stays in the
     * cache: the same values, without an intermediate array of the batch's size.
     */
    void apply(float[] u, java.nio.FloatBuffer x) {
        int n = u.length / imageLength();
        int plane = spec.height() * spec.width();
        float[] chunk = new float[Math.min(plane, 4096)];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < a.length; c++) {
                int from = (i * channels + source[c]) * plane;
                int to = (i * a.length + c) * plane;
                float ac = (float) a[c];
                float bc = (float) b[c];
                for (int at = 0; at < plane; at += chunk.length) {
                    int len = Math.min(chunk.length, plane - at);
                    for (int j = 0; j < len; j++) {
                        chunk[j] = ac * u[from + at + j] + bc;
                    }
                    x.put(to + at, chunk, 0, len);
                }
            }
        }
    }

    /**
     * The adjoint of the linear part, {@code g_u = Aᵀ g_x}: a gradient with respect to the model input becomes one
     * with respect to the image.
     *
     * @param gx the gradient at the model input, {@code n · modelLength()} values
     * @param gu receives the image-space gradient, {@code n · imageLength()} values (overwritten)
     */
    public void adjoint(float[] gx, float[] gu) {
        int n = gu.length / imageLength();
        int plane = spec.height() * spec.width();
        java.util.Arrays.fill(gu, 0f);
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < a.length; c++) {
                int to = (i * channels + source[c]) * plane;
                int from = (i * a.length + c) * plane;
                float ac = (float) a[c];
                for (int j = 0; j < plane; j++) {
                    gu[to + j] += ac * gx[from + j];
                }
            }
        }
    }

    /**
     * The inverse map, for a model input given as numbers ({@code --input-npy}): {@code u = (x − b_c) / a_c}, clipped
     * to {@code [0, 1]}.
     *
     * @param x the model input, {@code n · modelLength()} values
     * @param u receives the image-space values, {@code n · imageLength()} (overwritten)
     */
    public void invert(float[] x, float[] u) {
        int n = u.length / imageLength();
        int plane = spec.height() * spec.width();
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < a.length; c++) {
                int to = (i * channels + source[c]) * plane;
                int from = (i * a.length + c) * plane;
                for (int j = 0; j < plane; j++) {
                    u[to + j] = (float) Math.max(0, Math.min(1, (x[from + j] - b[c]) / a[c]));
                }
            }
        }
    }

    /**
     * Images as image-space values: each converted to RGB (or luminance), resized to the model's input size and
     * rounded to 8 bits as {@link ImageTensors#toBatch} does, divided by 255.
     *
     * @return {@code [N, C, H, W]} values in {@code [0, 1]}, row-major
     * @throws dev.cnnviz.api.ResourceLimitException if the batch is over the memory budget
     */
    public float[] fromImages(List<BufferedImage> images) {
        InputSpec unit = new InputSpec(spec.channels() == 1 ? 1 : 3, spec.height(), spec.width(), Layout.NCHW,
                Preprocessing.unit(channels == 1 ? ChannelOrder.GREY : ChannelOrder.RGB));
        try (INDArray x = ImageTensors.toBatch(images, unit)) {
            float[] v = HostArrays.floats(x);
            for (int i = 0; i < v.length; i++) {
                v[i] = Math.max(0f, Math.min(1f, v[i]));
            }
            return v;
        }
    }
}
