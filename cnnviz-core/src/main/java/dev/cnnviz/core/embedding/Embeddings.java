package dev.cnnviz.core.embedding;

import dev.cnnviz.api.NonFiniteResultException;
import dev.cnnviz.core.MemoryBudget;
import dev.cnnviz.core.data.ScanProgress;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.data.Dataset;
import dev.cnnviz.core.graph.ForwardPass;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.Node;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The activations of one layer over a dataset, as one vector per example: the dataset is streamed in batches,
 * each run forward for inference only (only the layer is kept, every other activation is dropped as soon as it is
 * consumed), the layer's activation pooled or flattened ({@link Pooling}) and optionally L2-normalised, and written
 * into one {@code [N, D]} float matrix that is sized, and checked against the memory budget, before the scan. Memory
 * is that matrix plus one batch, however large the dataset.
 *
 * <pre>{@code
 * EmbeddingSet e = Embeddings.of(model).withLayer("gap").compute(dataset);      // [N, 128]
 * Neighbours n = e.neighbours(5);
 * double[][] xy = e.tsne();
 * e.save(Path.of("out/gap.npy"));                                             // + gap.ids.txt, gap.labels.npy
 * Embeddings.of(model).withLayer("relu2").withPooling(Pooling.FLATTEN).withL2Normalization(true);
 * }</pre>
 *
 * <p>Options are immutable copies ({@code withX}) read by {@code x()}. The default layer is the input of the class
 * score node (the penultimate layer, e.g. the global average pool of the embedded Fashion-MNIST model); the default
 * pooling {@link Pooling#AVERAGE}; the default batch 64.
 */
public final class Embeddings {
    private final Model model;
    private final String layer;
    private final Pooling pooling;
    private final boolean l2Normalization;
    private final int batchSize;

    private Embeddings(Model model, String layer, Pooling pooling, boolean l2Normalization, int batchSize) {
        this.model = model;
        this.layer = layer;
        this.pooling = pooling;
        this.l2Normalization = l2Normalization;
        this.batchSize = batchSize;
    }

    /**
     * @param model the model whose layer embeds the examples
     * @return embeddings of its default layer
     */
    public static Embeddings of(Model model) {
        Objects.requireNonNull(model, "model");
        return new Embeddings(model, defaultLayer(model.graph()), Pooling.AVERAGE, false, 64);
    }

    /**
     * The penultimate layer: the first input of the class score node that is not a constant (for a final
     * dense layer, its input).
     *
     * @param graph a graph
     * @return the layer's name
     */
    public static String defaultLayer(Graph graph) {
        Node scores = graph.node(graph.scoresNode());
        for (String in : scores.inputs()) {
            if (!graph.constantNames().contains(in)) {
                return in;
            }
        }
        return scores.name();
    }

    /**
     * @param newLayer a node of the graph (as {@code summary} prints it); the graph's input name embeds the
     *                 preprocessed pixels themselves (with {@link Pooling#FLATTEN}: neighbours in pixel space)
     * @return a copy embedding that layer
     * @throws IllegalArgumentException if the graph has no such node (naming the closest names)
     */
    public Embeddings withLayer(String newLayer) {
        Objects.requireNonNull(newLayer, "layer");
        model.graph().node(newLayer);
        return new Embeddings(model, newLayer, pooling, l2Normalization, batchSize);
    }

    /** @return the layer embedded */
    public String layer() {
        return layer;
    }

    /**
     * @param newPooling how a spatial activation becomes a vector
     * @return a copy with that pooling
     */
    public Embeddings withPooling(Pooling newPooling) {
        return new Embeddings(model, layer, Objects.requireNonNull(newPooling, "pooling"), l2Normalization, batchSize);
    }

    /** @return the pooling */
    public Pooling pooling() {
        return pooling;
    }

    /**
     * @param normalize whether each vector is divided by its Euclidean norm (zero vectors stay zero)
     * @return a copy with that choice
     */
    public Embeddings withL2Normalization(boolean normalize) {
        return new Embeddings(model, layer, pooling, normalize, batchSize);
    }

    /** @return whether the vectors are L2-normalised */
    public boolean l2Normalization() {
        return l2Normalization;
    }

    /**
     * @param newBatchSize examples per forward pass, 1..4096
     * @return a copy with that batch size
     * @throws IllegalArgumentException if out of range
     */
    public Embeddings withBatchSize(int newBatchSize) {
        if (newBatchSize < 1 || newBatchSize > 4096) {
            throw new IllegalArgumentException("batch size must be in 1..4096, found " + newBatchSize);
        }
        return new Embeddings(model, layer, pooling, l2Normalization, newBatchSize);
    }

    /** @return examples per forward pass */
    public int batchSize() {
        return batchSize;
    }

    /** @return the model */
    public Model model() {
        return model;
    }

    /**
     * @return the length of one embedding vector, from the graph's static shapes
     */
    public int dimension() {
        long[] s = layerShape();
        long dim = 1;
        if (pooling == Pooling.FLATTEN || s.length <= 2) {
            for (int i = 1; i < s.length; i++) {
                dim = Math.multiplyExact(dim, s[i]);
            }
        } else {
            dim = s[1];
        }
        if (dim > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("layer " + layer + " of shape " + Arrays.toString(s) + " flattens to "
                    + dim + " values; pool it (Pooling.AVERAGE)");
        }
        return (int) dim;
    }

    private long[] layerShape() {
        var spec = model.inputSpec();
        long[] s = model.graph().shapes(1, spec.channels(), spec.height(), spec.width()).get(layer);
        if (s == null) {
            throw new IllegalArgumentException("layer " + layer + " has no static shape");
        }
        return s;
    }

    /**
     * Embeds a whole dataset.
     *
     * @param dataset the examples
     * @return the embeddings, with the dataset's ids, labels and classes
     * @throws IOException if an example cannot be read
     */
    public EmbeddingSet compute(Dataset dataset) throws IOException {
        return compute(dataset, ScanProgress.NONE);
    }

    /**
     * Embeds a whole dataset, telling {@code progress} after each batch.
     *
     * @param dataset  the examples, at least one
     * @param progress told after each batch
     * @return the embeddings
     * @throws IllegalArgumentException if the dataset is empty or does not fit the model's input
     * @throws dev.cnnviz.api.ResourceLimitException if the {@code [N, D]} matrix exceeds the memory budget
     * @throws NonFiniteResultException if an embedding comes out NaN or infinite
     * @throws IOException              if an example cannot be read
     */
    public EmbeddingSet compute(Dataset dataset, ScanProgress progress) throws IOException {
        Objects.requireNonNull(dataset, "dataset");
        Objects.requireNonNull(progress, "progress");
        int n = dataset.size();
        if (n < 1) {
            throw new IllegalArgumentException("dataset " + dataset.name() + " is empty");
        }
        int dim = dimension();
        MemoryBudget.defaultBudget().check(n + " embeddings of " + dim + " values (layer " + layer + ")",
                MemoryBudget.bytesOf(4, n, dim), "embed fewer examples (--limit) or pool the layer");
        INDArray out = Nd4j.create(DataType.FLOAT, n, dim);
        List<String> ids = new ArrayList<>(n);
        int[] labels = new int[n];
        int[] done = {0};
        dataset.forEachBatch(batchSize, batch -> {
            INDArray v = embed(batch.toInput(model.inputSpec()));
            int from = done[0];
            int to = from + batch.size();
            out.get(NDArrayIndex.interval(from, to), NDArrayIndex.all()).assign(v);
            for (int i = 0; i < batch.size(); i++) {
                ids.add(batch.id(i));
                labels[from + i] = batch.label(i);
            }
            done[0] = to;
            progress.progress(to, n);
        });
        if (done[0] != n) {
            throw new IllegalStateException("dataset " + dataset.name() + " gave " + done[0] + " examples, its size is "
                    + n);
        }
        return new EmbeddingSet(out, ids, labels, dataset.classes(), layer, dataset.name());
    }

    /**
     * Embeds one preprocessed input batch (e.g. query images): one inference pass.
     *
     * @param input a {@code [B, C, H, W]} batch for the model
     * @return a new float {@code [B, D]} matrix
     * @throws NonFiniteResultException if an embedding comes out NaN or infinite
     */
    public INDArray embed(INDArray input) {
        Objects.requireNonNull(input, "input");
        int b = (int) input.size(0);
        if (layer.equals(model.graph().inputName())) {
            return reduce(input, b); // pixel space: the preprocessed input itself, no pass
        }
        try (ForwardPass pass = model.graph().infer(input, List.of(layer))) {
            return reduce(pass.get(layer), b);
        }
    }

    private INDArray reduce(INDArray a, int b) {
        {
            INDArray v;
            if (a.rank() <= 2 || pooling == Pooling.FLATTEN) {
                v = a.reshape('c', b, a.length() / b).castTo(DataType.FLOAT).dup('c');
            } else {
                int[] axes = new int[a.rank() - 2];
                for (int i = 0; i < axes.length; i++) {
                    axes[i] = i + 2;
                }
                v = (pooling == Pooling.AVERAGE ? a.mean(axes) : a.max(axes)).castTo(DataType.FLOAT)
                        .reshape(b, a.size(1)).dup('c');
            }
            float[] host = v.data().asFloat();
            NonFiniteResultException.requireFinite(host, "the embeddings of layer " + layer);
            if (l2Normalization) {
                int dim = (int) v.size(1);
                for (int r = 0; r < b; r++) {
                    double s = 0;
                    for (int j = r * dim; j < (r + 1) * dim; j++) {
                        s += (double) host[j] * host[j];
                    }
                    if (s > 0) {
                        float inv = (float) (1 / Math.sqrt(s));
                        for (int j = r * dim; j < (r + 1) * dim; j++) {
                            host[j] *= inv;
                        }
                    }
                }
                v = Nd4j.createFromArray(host).reshape(b, dim);
            }
            return v;
        }
    }
}
