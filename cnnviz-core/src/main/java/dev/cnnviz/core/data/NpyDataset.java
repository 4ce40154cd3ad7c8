package dev.cnnviz.core.data;

import dev.cnnviz.core.image.ImageTensors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A batch of preprocessed model inputs in one numpy {@code .npy} file, {@code [N, C, H, W]} (as
 * {@code --save-npy} writes it), read whole with {@link ImageTensors#readNpy(Path)}'s checks and 1 GiB limit. Ids
 * are the indices; labels are optional ({@link #withLabels}).
 *
 * <pre>{@code
 * Dataset inputs = NpyDataset.of(Path.of("inputs.npy")).withLabels(labels, List.of("cat", "dog"));
 * }</pre>
 */
public final class NpyDataset implements Dataset {
    private final Path file;
    private final INDArray data;
    private final int[] labels;
    private final List<String> classes;

    private NpyDataset(Path file, INDArray data, int[] labels, List<String> classes) {
        this.file = file;
        this.data = data;
        this.labels = labels;
        this.classes = classes;
    }

    /**
     * Reads an {@code .npy} batch.
     *
     * @param file a float {@code [N, C, H, W]} array (float64 is converted to float32)
     * @return the dataset, without labels
     * @throws IOException naming the file if it cannot be read, is not floating point, not rank 4, or holds a
     *                     NaN or infinite value
     */
    public static NpyDataset of(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        INDArray a = ImageTensors.readNpy(file);
        if (!a.dataType().isFPType()) {
            throw new IOException(file + ": expected a floating-point [N, C, H, W] array, found " + a.dataType()
                    + " " + Arrays.toString(a.shape()));
        }
        if (a.rank() != 4) {
            throw new IOException(file + ": expected a rank-4 [N, C, H, W] array of preprocessed inputs, found rank "
                    + a.rank() + " " + Arrays.toString(a.shape()));
        }
        if (a.dataType() != DataType.FLOAT) {
            a = a.castTo(DataType.FLOAT);
        }
        if (!Double.isFinite(a.sumNumber().doubleValue()) && (a.isNaN().any() || a.isInfinite().any())) {
            throw new IOException(file + ": the array holds NaN or infinite values");
        }
        return new NpyDataset(file, a, null, List.of());
    }

    /**
     * A copy with labels.
     *
     * @param newLabels one label per example, each in {@code 0..classes.size()-1} (or any non-negative value when
     *                  {@code classes} is empty), or {@link Batch#NO_LABEL}
     * @param newClasses the class names, indexed by label; may be empty
     * @return the labelled dataset
     * @throws IllegalArgumentException if the count differs from {@link #size()} or a label is out of range
     */
    public NpyDataset withLabels(int[] newLabels, List<String> newClasses) {
        Objects.requireNonNull(newLabels, "newLabels");
        Objects.requireNonNull(newClasses, "newClasses");
        if (newLabels.length != size()) {
            throw new IllegalArgumentException(newLabels.length + " labels for the " + size() + " examples of "
                    + file);
        }
        for (int i = 0; i < newLabels.length; i++) {
            int l = newLabels[i];
            if (l < Batch.NO_LABEL || (!newClasses.isEmpty() && l >= newClasses.size())) {
                throw new IllegalArgumentException("label " + l + " of example " + i + " is outside "
                        + (newClasses.isEmpty() ? "0.." : "0.." + (newClasses.size() - 1)) + " (or -1 for none)");
            }
        }
        return new NpyDataset(file, data, newLabels.clone(), List.copyOf(newClasses));
    }

    /** @return the file */
    public Path file() {
        return file;
    }

    @Override
    public String name() {
        return file.toString();
    }

    @Override
    public int size() {
        return (int) data.size(0);
    }

    @Override
    public List<String> classes() {
        return classes;
    }

    @Override
    public Batch read(int from, int to) throws IOException {
        Batches.checkRange(from, to, size(), name());
        int n = to - from;
        int[] idx = new int[n];
        List<String> ids = new ArrayList<>(n);
        int[] lab = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = from + i;
            ids.add(Integer.toString(from + i));
            lab[i] = labels == null ? Batch.NO_LABEL : labels[from + i];
        }
        long[] shape = data.shape();
        INDArray slice = n == 0 ? Nd4j.create(DataType.FLOAT, 0, shape[1], shape[2], shape[3])
                : data.get(NDArrayIndex.interval(from, to), NDArrayIndex.all(), NDArrayIndex.all(),
                        NDArrayIndex.all()).dup('c');
        return Batch.ofTensor(idx, ids, lab, slice);
    }
}
