package dev.cnnviz.core.data;

import dev.cnnviz.api.InputSpec;
import dev.cnnviz.api.Preprocessing;
import dev.cnnviz.core.image.ImageTensors;
import java.awt.image.BufferedImage;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A batch of examples read from a {@link Dataset}: for each example its index in the dataset, its id (a dataset
 * index as text, or a folder image's relative path) and its label ({@link #NO_LABEL} when it has none), and the
 * examples themselves, either as images (image folders, IDX files) or as an already preprocessed NCHW tensor
 * ({@code .npy} batches).
 *
 * <pre>{@code
 * Batch b = dataset.read(0, 64);
 * INDArray x = b.toInput(model.inputSpec());        // [64, C, H, W], preprocessed for the model
 * int label = b.label(3);                            // or Batch.NO_LABEL
 * BufferedImage thumb = b.images(model.inputSpec().preprocessing()).get(3);
 * }</pre>
 */
public final class Batch {
    /** The label of an example that has none. */
    public static final int NO_LABEL = -1;

    private final int[] indices;
    private final List<String> ids;
    private final int[] labels;
    private final List<BufferedImage> images;
    private final INDArray input;

    private Batch(int[] indices, List<String> ids, int[] labels, List<BufferedImage> images, INDArray input) {
        Objects.requireNonNull(indices, "indices");
        Objects.requireNonNull(ids, "ids");
        Objects.requireNonNull(labels, "labels");
        int n = indices.length;
        int found = images != null ? images.size() : (int) input.size(0);
        if (ids.size() != n || labels.length != n || found != n) {
            throw new IllegalArgumentException("a batch needs as many indices, ids, labels and examples; found "
                    + n + " indices, " + ids.size() + " ids, " + labels.length + " labels and " + found
                    + " examples");
        }
        for (int i = 0; i < n; i++) {
            if (labels[i] < NO_LABEL) {
                throw new IllegalArgumentException("label " + labels[i] + " of example " + i
                        + " is negative (use Batch.NO_LABEL = -1 for none)");
            }
        }
        this.indices = indices.clone();
        this.ids = List.copyOf(ids);
        this.labels = labels.clone();
        this.images = images == null ? null : List.copyOf(images);
        this.input = input;
    }

    /**
     * A batch of images.
     *
     * @param indices the examples' indices in their dataset
     * @param ids     the examples' ids
     * @param labels  the labels, {@link #NO_LABEL} for none
     * @param images  the images, none null
     * @return the batch
     * @throws IllegalArgumentException if the lengths differ or a label is below {@link #NO_LABEL}
     */
    public static Batch ofImages(int[] indices, List<String> ids, int[] labels, List<BufferedImage> images) {
        Objects.requireNonNull(images, "images");
        return new Batch(indices, ids, labels, images, null);
    }

    /**
     * A batch held as a preprocessed NCHW tensor (a model's input).
     *
     * @param indices the examples' indices in their dataset
     * @param ids     the examples' ids
     * @param labels  the labels, {@link #NO_LABEL} for none
     * @param input   a rank-4 {@code [N, C, H, W]} array, already preprocessed
     * @return the batch
     * @throws IllegalArgumentException if {@code input} is not rank 4, or the lengths differ
     */
    public static Batch ofTensor(int[] indices, List<String> ids, int[] labels, INDArray input) {
        Objects.requireNonNull(input, "input");
        if (input.rank() != 4) {
            throw new IllegalArgumentException("a tensor batch must be rank 4 [N, C, H, W], found rank "
                    + input.rank() + " " + Arrays.toString(input.shape()));
        }
        return new Batch(indices, ids, labels, null, input);
    }

    /** @return the number of examples */
    public int size() {
        return indices.length;
    }

    /**
     * @param i an example of this batch, {@code 0 <= i < size()}
     * @return its index in the dataset
     */
    public int index(int i) {
        return indices[i];
    }

    /**
     * @param i an example of this batch
     * @return its id: the dataset index as text, or for an image folder the image's path relative to the folder
     */
    public String id(int i) {
        return ids.get(i);
    }

    /**
     * @param i an example of this batch
     * @return its label, or {@link #NO_LABEL}
     */
    public int label(int i) {
        return labels[i];
    }

    /** @return the examples' dataset indices (a copy) */
    public int[] indices() {
        return indices.clone();
    }

    /** @return the examples' ids */
    public List<String> ids() {
        return ids;
    }

    /** @return the labels (a copy), {@link #NO_LABEL} for examples without one */
    public int[] labels() {
        return labels.clone();
    }

    /** @return true if the examples are held as a preprocessed tensor rather than images */
    public boolean isTensor() {
        return input != null;
    }

    /**
     * The examples as the model input {@code spec} describes: images are resized, reordered and preprocessed with
     * {@link ImageTensors#toBatch(List, InputSpec)}; a tensor batch is checked against {@code spec} and returned.
     *
     * @param spec the model input
     * @return a float {@code [N, C, H, W]} array (for a tensor batch, this batch's own array: do not modify it)
     * @throws IllegalArgumentException if a tensor batch does not have the shape {@code spec} expects, or holds a
     *                                  non-finite value
     */
    public INDArray toInput(InputSpec spec) {
        Objects.requireNonNull(spec, "spec");
        if (input != null) {
            ImageTensors.checkBatch(input, spec);
            return input;
        }
        return ImageTensors.toBatch(images, spec);
    }

    /**
     * The examples as images: the images themselves, or for a tensor batch each example turned back into an
     * image with {@link ImageTensors#toImages(INDArray, Preprocessing)}.
     *
     * @param preprocessing how a tensor batch was preprocessed (ignored for image batches)
     * @return the images, in batch order
     */
    public List<BufferedImage> images(Preprocessing preprocessing) {
        Objects.requireNonNull(preprocessing, "preprocessing");
        if (images != null) {
            return images;
        }
        return ImageTensors.toImages(input, preprocessing);
    }

    /** The tensor of a tensor batch, unchecked (for gathering and concatenating). */
    INDArray toInputUnchecked() {
        return input;
    }

    /** The images of an image batch (for gathering and concatenating). */
    List<BufferedImage> rawImages() {
        return images;
    }
}
