package dev.cnnviz.core.embedding;

import dev.cnnviz.core.data.Batch;
import dev.cnnviz.core.image.ImageTensors;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The embeddings of a dataset: an {@code [N, D]} float matrix, one row per example in dataset order, with the
 * examples' ids, labels ({@link Batch#NO_LABEL} for none) and class names, and the layer they come from.
 *
 * <pre>{@code
 * EmbeddingSet e = Embeddings.of(model).compute(dataset);
 * Neighbours nn = e.neighbours(10);                  // exact, L2, each example's 10 nearest others
 * Pca.Result pca = e.pca(2);                         // pca.explainedVarianceRatio()
 * double[][] xy = e.tsne();
 * e.save(Path.of("out/emb.npy"));                    // emb.npy, emb.labels.npy, emb.ids.txt
 * }</pre>
 */
public final class EmbeddingSet {
    private final INDArray vectors;
    private final List<String> ids;
    private final int[] labels;
    private final List<String> classes;
    private final String layer;
    private final String source;

    /**
     * @param vectors a float {@code [N, D]} matrix (not copied: do not modify it)
     * @param ids     N ids
     * @param labels  N labels, {@link Batch#NO_LABEL} for none
     * @param classes the class names, indexed by label (may be empty)
     * @param layer   the layer embedded
     * @param source  the dataset's name
     * @throws IllegalArgumentException if the counts differ
     */
    public EmbeddingSet(INDArray vectors, List<String> ids, int[] labels, List<String> classes, String layer,
            String source) {
        Objects.requireNonNull(vectors, "vectors");
        if (vectors.rank() != 2) {
            throw new IllegalArgumentException("embeddings must be [N, D], found " + Arrays.toString(vectors.shape()));
        }
        if (ids.size() != vectors.size(0) || labels.length != vectors.size(0)) {
            throw new IllegalArgumentException(vectors.size(0) + " embeddings but " + ids.size() + " ids and "
                    + labels.length + " labels");
        }
        this.vectors = vectors;
        this.ids = List.copyOf(ids);
        this.labels = labels.clone();
        this.classes = List.copyOf(classes);
        this.layer = Objects.requireNonNull(layer, "layer");
        this.source = Objects.requireNonNull(source, "source");
    }

    /**
     * One line for JShell and logs, e.g. {@code "EmbeddingSet[300 x 128 at gap, 300 labelled of 10 classes, from
     * test images]"}.
     *
     * @return the description (never the vectors)
     */
    @Override
    public String toString() {
        long labelled = Arrays.stream(labels).filter(l -> l != Batch.NO_LABEL).count();
        return "EmbeddingSet[" + size() + " x " + dimension() + " at " + layer + ", " + labelled + " labelled"
                + (classes.isEmpty() ? "" : " of " + classes.size() + " classes") + ", from " + source + "]";
    }

    /** @return N */
    public int size() {
        return (int) vectors.size(0);
    }

    /** @return D */
    public int dimension() {
        return (int) vectors.size(1);
    }

    /** @return the {@code [N, D]} matrix (do not modify it) */
    public INDArray vectors() {
        return vectors;
    }

    /**
     * @param i a row
     * @return a copy of row {@code i}
     */
    public float[] vector(int i) {
        return vectors.getRow(i).dup().toFloatVector();
    }

    /** @return the ids, in row order */
    public List<String> ids() {
        return ids;
    }

    /** @return the labels (a copy) */
    public int[] labels() {
        return labels.clone();
    }

    /** @return the class names, indexed by label */
    public List<String> classes() {
        return classes;
    }

    /** @return the layer embedded */
    public String layer() {
        return layer;
    }

    /** @return the dataset's name */
    public String source() {
        return source;
    }

    /**
     * Each row's {@code k} nearest other rows, exact, Euclidean ({@link ExactKnn#searchSelf}).
     *
     * @param k neighbours per row
     * @return the neighbours
     */
    public Neighbours neighbours(int k) {
        return ExactKnn.of(vectors).searchSelf(k);
    }

    /**
     * The {@code k} nearest rows of each query, exact.
     *
     * @param queries {@code [Q, D]} embeddings (e.g. from {@link Embeddings#embed})
     * @param k       neighbours per query
     * @param metric  the distance
     * @return the neighbours
     */
    public Neighbours neighbours(INDArray queries, int k, Metric metric) {
        return ExactKnn.of(vectors).withMetric(metric).search(queries, k);
    }

    /**
     * @param components how many principal components
     * @return the PCA of the rows
     */
    public Pca.Result pca(int components) {
        return Pca.fit(vectors, components);
    }

    /** @return the rows laid out in 2-D by {@link Tsne#defaults()} */
    public double[][] tsne() {
        return Tsne.defaults().fit(vectors);
    }

    /** @return the rows laid out in 2-D by {@link Umap#defaults()} */
    public double[][] umap() {
        return Umap.defaults().fit(vectors);
    }

    /**
     * Writes the matrix as {@code file} ({@code .npy}, float32 {@code [N, D]}), the labels beside it as
     * {@code NAME.labels.npy} (int32 {@code [N]}, -1 for none) and the ids as {@code NAME.ids.txt} (UTF-8, one a
     * line; a backslash is written {@code \\}, a line break {@code \n}, a carriage return {@code \r}).
     *
     * @param file the {@code .npy} file to write
     * @return the three files written
     * @throws IllegalArgumentException if the name does not end in {@code .npy}
     * @throws IOException              naming the file if one cannot be written
     */
    public List<Path> save(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        String name = file.getFileName().toString();
        if (!name.endsWith(".npy") || name.length() == 4) {
            throw new IllegalArgumentException("embeddings are written as .npy, found " + file);
        }
        String base = name.substring(0, name.length() - 4);
        Path labelsFile = file.resolveSibling(base + ".labels.npy");
        Path idsFile = file.resolveSibling(base + ".ids.txt");
        ImageTensors.writeNpy(vectors, file);
        ImageTensors.writeNpy(Nd4j.createFromArray(labels), labelsFile);
        List<String> lines = new ArrayList<>(ids.size());
        for (String id : ids) {
            lines.add(id.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r"));
        }
        try {
            Files.write(idsFile, lines, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IOException("Cannot write " + idsFile + ": " + e, e);
        }
        return List.of(file, labelsFile, idsFile);
    }
}
