package dev.cnnviz.core.attribution;

import dev.cnnviz.api.Attribution;
import dev.cnnviz.api.Explanation;
import dev.cnnviz.api.Map2D;
import dev.cnnviz.api.NonFiniteResultException;
import dev.cnnviz.api.Provenance;
import dev.cnnviz.api.Target;
import dev.cnnviz.api.Tensor;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.graph.HostArrays;
import dev.cnnviz.core.graph.ScratchArrays;
import dev.cnnviz.core.image.ImageTensors;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The template every attribution method extends: it turns images, files and tensors into preprocessed
 * NCHW batches, validates and expands targets, cuts work into batches of {@link #batchSize()}, and builds
 * {@link ExplanationResult}s with provenance. A leaf implements {@link #compute} for one batch.
 *
 * <p>Subclasses are immutable (options are copied by {@code withX} methods) and therefore thread-safe; the
 * user's model is never modified.
 */
public abstract class AttributionBase implements Attribution {
    /** The model explained. */
    protected final Model model;
    /** Target resolution for {@link #model}. */
    protected final TargetResolver targets;
    private final int batchSize;

    /**
     * @param model     the model
     * @param batchSize how many examples (or, for methods that evaluate the model many times per example,
     *                  how many model evaluations) go into one forward pass; at least 1
     */
    protected AttributionBase(Model model, int batchSize) {
        if (model == null) {
            throw new IllegalArgumentException("model must not be null");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, found " + batchSize);
        }
        this.model = model;
        this.targets = new TargetResolver(model);
        this.batchSize = batchSize;
    }

    /** @return the model explained. */
    public Model model() {
        return model;
    }

    /** @return the batch size. */
    public int batchSize() {
        return batchSize;
    }

    /** @return the method's options by name, for provenance. */
    protected abstract Map<String, String> options();

    /**
     * Explains one batch.
     *
     * @param x       preprocessed {@code [n, C, H, W]} in the graph's data type (owned by the caller)
     * @param targets one validated target per example
     * @param images  the images as the model saw them, one per example
     * @return one explanation per example
     */
    protected abstract List<Explanation> compute(INDArray x, List<Target> targets, List<BufferedImage> images);

    @Override
    public List<Explanation> explainAll(List<BufferedImage> images, List<Target> targetList) {
        if (images == null || images.isEmpty()) {
            throw new IllegalArgumentException("at least one image is needed");
        }
        List<Explanation> out = new ArrayList<>(images.size());
        List<Target> expanded = targets.expand(targetList, images.size());
        for (int start = 0; start < images.size(); start += batchSize) {
            int end = Math.min(images.size(), start + batchSize);
            List<BufferedImage> chunk = images.subList(start, end);
            try (INDArray x = ImageTensors.toBatch(chunk, model.inputSpec())) {
                INDArray typed = x.castTo(model.graph().dataType());
                List<BufferedImage> seen = ImageTensors.toImages(typed, model.inputSpec().preprocessing());
                out.addAll(compute(typed, expanded.subList(start, end), seen));
                if (typed != x) {
                    typed.close();
                }
            }
        }
        return out;
    }

    @Override
    public List<Explanation> explainTensor(Tensor input, List<Target> targetList) {
        if (input == null) {
            throw new IllegalArgumentException("input tensor must not be null");
        }
        long[] shape = Arrays.stream(input.shape()).asLongStream().toArray();
        if (shape.length == 3) {
            shape = new long[] {1, shape[0], shape[1], shape[2]};
        }
        try (INDArray x = Nd4j.create(input.data(), shape, 'c')) {
            return explain(x, targetList);
        }
    }

    /**
     * Explains a preprocessed batch {@code [N, C, H, W]} (or one example {@code [C, H, W]}); the array is
     * not modified.
     */
    public List<Explanation> explain(INDArray batch, List<Target> targetList) {
        INDArray x = batch.rank() == 3 ? batch.reshape(1, batch.size(0), batch.size(1), batch.size(2)) : batch;
        ImageTensors.checkBatch(x, model.inputSpec());
        List<Target> expanded = targets.expand(targetList, (int) x.size(0));
        List<Explanation> out = new ArrayList<>();
        DataType type = model.graph().dataType();
        for (long start = 0; start < x.size(0); start += batchSize) {
            long end = Math.min(x.size(0), start + batchSize);
            INDArray slice = x.get(NDArrayIndex.interval(start, end));
            if (slice.dataType() != type) {
                try (INDArray chunk = typedCopy(slice, type)) {
                    out.addAll(computeChunk(chunk, expanded.subList((int) start, (int) end)));
                }
                continue;
            }
            // The method's own copy of the chunk, in a pooled array: a fresh one per call would land on fresh
            // pages (ND4J does not free on close), 19 MB for a batch of 32 224x224 images.
            long[] shape = slice.shape();
            try (ScratchArrays.Lease lease = ScratchArrays.lease(type, shape)) {
                INDArray chunk = lease.array().assign(slice);
                out.addAll(computeChunk(chunk, expanded.subList((int) start, (int) end)));
            }
        }
        return out;
    }

    private List<Explanation> computeChunk(INDArray chunk, List<Target> chunkTargets) {
        List<BufferedImage> seen = ImageTensors.toImages(chunk, model.inputSpec().preprocessing());
        return compute(chunk, chunkTargets, seen);
    }

    /** Explains one preprocessed example for a target. */
    public Explanation explain(INDArray example, Target target) {
        return explain(example, List.of(target)).get(0);
    }

    /** Explains one preprocessed example for class {@code classIndex}. */
    public Explanation explain(INDArray example, int classIndex) {
        return explain(example, Target.classIndex(classIndex));
    }

    @Override
    public Explanation explain(Path file, Target target) throws IOException {
        if (file == null) {
            throw new IllegalArgumentException("file must not be null");
        }
        if (file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".npy")) {
            try (INDArray x = ImageTensors.readNpy(file)) {
                return explain(ImageTensors.toNchw(x, model.inputSpec().originalLayout()), List.of(target)).get(0);
            }
        }
        return explain(dev.cnnviz.core.image.ImageIo.read(file), target);
    }

    /** @return provenance for a result of this method. */
    protected Provenance provenance(String layer, Long seed) {
        return new Provenance(name(), options(), layer, seed, model.source(), Instant.now());
    }

    /** @return a fresh copy of {@code a} in data type {@code type}. */
    protected static INDArray typedCopy(INDArray a, DataType type) {
        INDArray cast = a.castTo(type);
        if (cast != a && !cast.isView()) {
            return cast;
        }
        return cast.dup('c');
    }

    /**
     * Splits {@code total} model evaluations into passes of at most {@code batch} inputs, choosing between full
     * passes plus a remainder ({@code 32 + 18} for 50) and equal passes ({@code 25 + 25}) whichever needs less
     * memory. Each distinct pass size gets a compiled oneDNN plan and a workspace of its own that stay pooled:
     * integrated gradients' 50 steps at batch 32 held plans for 32 + 18 images (3.2 GB on SqueezeNet), and hold
     * one for 25 (1.6 GB) with equal passes, for the same arithmetic.
     *
     * @return the pass sizes, in order, summing to {@code total}
     * @throws IllegalArgumentException if {@code total} or {@code batch} is below 1
     */
    protected static int[] passSizes(int total, int batch) {
        if (total < 1 || batch < 1) {
            throw new IllegalArgumentException("pass sizes need at least one evaluation and a batch of at least one, found "
                    + total + " evaluations in batches of " + batch);
        }
        int passes = (total + batch - 1) / batch;
        int equal = (total + passes - 1) / passes;
        int lastEqual = total - (passes - 1) * equal;
        int lastFull = total - (passes - 1) * batch;
        // Memory in images: the largest pass plus a different last one.
        long memEqual = equal + (lastEqual != equal ? lastEqual : 0);
        long memFull = batch + (lastFull != batch ? lastFull : 0);
        int size = memEqual <= memFull ? equal : batch;
        int[] out = new int[passes];
        java.util.Arrays.fill(out, size);
        out[passes - 1] = total - (passes - 1) * size;
        return out;
    }

    /**
     * @return example {@code i} of a batch as a {@link Tensor} without the batch dimension
     * @throws NonFiniteResultException if a value is NaN or infinite
     */
    protected static Tensor example(INDArray batch, int i) {
        INDArray row = batch.get(NDArrayIndex.point(i));
        int[] shape = Arrays.stream(row.shape()).mapToInt(Math::toIntExact).toArray();
        float[] v = HostArrays.floats(row);
        NonFiniteResultException.requireFinite(v, "the attribution");
        return Tensor.of(v, shape);
    }

    /**
     * @return a 2-D {@code [h, w]} array as a {@link Map2D}
     * @throws NonFiniteResultException if a value is NaN or infinite
     */
    protected static Map2D map2d(INDArray hw) {
        float[] v = HostArrays.floats(hw);
        NonFiniteResultException.requireFinite(v, "the attribution map");
        return new Map2D((int) hw.size(0), (int) hw.size(1), v);
    }

    @Override
    public String toString() {
        return name() + options();
    }
}
