package dev.cnnviz.core.attribution;

import dev.cnnviz.api.InputSpec;
import dev.cnnviz.api.Preprocessing;
import dev.cnnviz.api.Tensor;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The reference input {@code x'} of path methods such as {@link IntegratedGradients}: the "absence of
 * signal" the input is compared with. Always expressed in the model's preprocessed input space.
 *
 * <ul>
 *   <li>{@link #zeros()} (the default): {@code x' = 0} in preprocessed space (Captum's default baseline);
 *       for mean-subtracted models this is the mean image, not black;</li>
 *   <li>{@link #black()}: the preprocessed image of a black picture, {@code x'[c] = (0 · scale − mean[c]) /
 *       std[c]} per channel;</li>
 *   <li>{@link #of(Tensor)}: any preprocessed tensor {@code [C, H, W]} (or {@code [1, C, H, W]}) of the
 *       model's input shape, e.g. a blurred copy of the image.</li>
 * </ul>
 *
 * <pre>{@code
 * IntegratedGradients ig = IntegratedGradients.of(model).withBaseline(Baseline.black());
 * Explanation e = ig.explain(image, 285);
 * double delta = IntegratedGradients.delta(e);
 * }</pre>
 */
public final class Baseline {
    private enum Kind { ZEROS, BLACK, TENSOR }

    private static final Baseline ZEROS = new Baseline(Kind.ZEROS, null);
    private static final Baseline BLACK = new Baseline(Kind.BLACK, null);

    private final Kind kind;
    private final Tensor tensor;

    private Baseline(Kind kind, Tensor tensor) {
        this.kind = kind;
        this.tensor = tensor;
    }

    /** @return the all-zero input in preprocessed space (the default). */
    public static Baseline zeros() {
        return ZEROS;
    }

    /** @return the preprocessed image of a black picture (pixel value 0 in every channel). */
    public static Baseline black() {
        return BLACK;
    }

    /**
     * @param value a preprocessed input {@code [C, H, W]} or {@code [1, C, H, W]}; its shape is checked against
     *              the model when the baseline is given to a method
     * @return that input as a baseline
     */
    public static Baseline of(Tensor value) {
        if (value == null) {
            throw new IllegalArgumentException("baseline tensor must not be null");
        }
        int[] s = value.shape();
        if (s.length == 4 && s[0] == 1) {
            value = Tensor.of(value.data(), s[1], s[2], s[3]);
        } else if (s.length != 3) {
            throw new IllegalArgumentException("a baseline tensor must be [C, H, W] or [1, C, H, W], found " + Arrays.toString(s));
        }
        return new Baseline(Kind.TENSOR, value);
    }

    /**
     * Checks that this baseline fits a model's input.
     *
     * @throws IllegalArgumentException naming both shapes
     */
    public void check(InputSpec spec) {
        if (kind == Kind.TENSOR) {
            int[] want = {spec.channels(), spec.height(), spec.width()};
            if (!Arrays.equals(want, tensor.shape())) {
                throw new IllegalArgumentException("the baseline has shape " + Arrays.toString(tensor.shape())
                        + " but the model takes [C, H, W] = " + Arrays.toString(want));
            }
        }
    }

    /**
     * @param spec     the model's input
     * @param dataType the data type wanted
     * @return the baseline {@code [C, H, W]} as a fresh array (the caller closes it)
     */
    public INDArray toArray(InputSpec spec, DataType dataType) {
        check(spec);
        long[] shape = {spec.channels(), spec.height(), spec.width()};
        switch (kind) {
            case ZEROS:
                return Nd4j.zeros(dataType, shape);
            case BLACK: {
                INDArray b = Nd4j.create(dataType, shape);
                Preprocessing p = spec.preprocessing();
                for (int c = 0; c < spec.channels(); c++) {
                    b.get(NDArrayIndex.point(c)).assign(p.apply(c, 0));
                }
                return b;
            }
            default: {
                INDArray f = Nd4j.create(tensor.data(), shape, 'c');
                if (f.dataType() == dataType) {
                    return f;
                }
                INDArray t = f.castTo(dataType);
                f.close();
                return t;
            }
        }
    }

    /** @return e.g. {@code "zeros"}, {@code "black"} or {@code "tensor[3, 224, 224]"}, for provenance. */
    public String describe() {
        return kind == Kind.TENSOR ? "tensor" + Arrays.toString(tensor.shape()) : kind.name().toLowerCase(java.util.Locale.ROOT);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Baseline b && b.kind == kind && java.util.Objects.equals(b.tensor, tensor);
    }

    @Override
    public int hashCode() {
        return kind.hashCode() * 31 + java.util.Objects.hashCode(tensor);
    }

    @Override
    public String toString() {
        return "Baseline[" + describe() + "]";
    }
}
