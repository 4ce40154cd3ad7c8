package dev.cnnviz.dl4j.dl4j;

import dev.cnnviz.api.ModelImportException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Collects the weights of a model that hold NaN or infinite values (and other values that make every output
 * NaN, such as a negative variance) while an importer reads them, and turns them into one
 * {@link ModelImportException} naming the first few tensors: a model with such weights computes NaN or garbage
 * that looks like a prediction, so importers reject it unless the caller asks to inspect it anyway.
 *
 * <pre>{@code
 * NonFiniteWeights bad = new NonFiniteWeights();
 * bad.count("conv2d_1", "bias", values);            // for every weight
 * bad.throwIfAny(file, "KerasImporter.Options.withNonFiniteWeightsAllowed(true)");
 * }</pre>
 */
public final class NonFiniteWeights {
    /** How many offending tensors the message lists by name. */
    public static final int LISTED = 5;

    private final List<String> found = new ArrayList<>();

    /** An empty collection. */
    public NonFiniteWeights() {
    }

    /** Counts the NaN and infinite values of {@code values} (a weight of {@code layer}) and records it if it has any. */
    public void count(String layer, String weight, float[] values) {
        long nan = 0;
        long inf = 0;
        for (float v : values) {
            if (v != v) {
                nan++;
            } else if (Float.isInfinite(v)) {
                inf++;
            }
        }
        add(layer, weight, nan, inf, values.length);
    }

    /** Counts the NaN and infinite values of an array (any data type; integer arrays have none). */
    public void count(String layer, String weight, INDArray values) {
        if (values == null || values.isEmpty() || !values.dataType().isFPType()) {
            return;
        }
        double[] d = values.dup('c').castTo(DataType.DOUBLE).data().asDouble();
        long nan = 0;
        long inf = 0;
        for (double v : d) {
            if (v != v) {
                nan++;
            } else if (Double.isInfinite(v)) {
                inf++;
            }
        }
        add(layer, weight, nan, inf, d.length);
    }

    /** Records a weight with {@code nan} NaN and {@code inf} infinite values out of {@code total} (nothing if both are 0). */
    public void add(String layer, String weight, long nan, long inf, long total) {
        if (nan == 0 && inf == 0) {
            return;
        }
        String what = inf == 0 ? nan + " of " + total + " values are NaN"
                : nan == 0 ? inf + " of " + total + " values are infinite"
                : (nan + inf) + " of " + total + " values are NaN or infinite (" + nan + " NaN, " + inf + " infinite)";
        addProblem(layer, weight, what);
    }

    /** Records another problem of a weight that makes the model compute NaN, described by {@code what}. */
    public void addProblem(String layer, String weight, String what) {
        found.add("layer '" + layer + "' weight '" + weight + "': " + what);
    }

    /** @return true if no weight was recorded */
    public boolean isEmpty() {
        return found.isEmpty();
    }

    /** @return the recorded problems, one line per tensor, in the order found */
    public List<String> problems() {
        return List.copyOf(found);
    }

    /**
     * Throws if any weight was recorded.
     *
     * @param file   the model file, for the message
     * @param optOut how the caller allows such weights (named in the message)
     * @throws ModelImportException naming the first {@value #LISTED} tensors and how many more there are
     */
    public void throwIfAny(Path file, String optOut) throws ModelImportException {
        if (found.isEmpty()) {
            return;
        }
        StringBuilder sb = new StringBuilder("the model has weights that are not finite numbers (it would compute NaN): ");
        for (int i = 0; i < Math.min(LISTED, found.size()); i++) {
            sb.append(i == 0 ? "" : "; ").append(found.get(i));
        }
        if (found.size() > LISTED) {
            sb.append("; and ").append(found.size() - LISTED).append(" more tensors");
        }
        sb.append(". To load it anyway (to inspect it), use ").append(optOut);
        throw new ModelImportException(file, sb.toString());
    }
}
