package dev.cnnviz.core.adversarial;

import dev.cnnviz.api.NonFiniteResultException;
import dev.cnnviz.core.MemoryBudget;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.graph.ForwardPass;
import dev.cnnviz.core.graph.Gradients;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.HostArrays;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Evaluates a model on image-space batches of a fixed size and pushes class-score gradients back to the image:
 * {@code P(u)} into one model-input array allocated per run, one forward pass, the class scores to the host, then
 * as many backward passes to the input as the attack asks (one for FGSM and PGD, one per candidate class for
 * DeepFool), each through {@link ImageSpace#adjoint}. Close it to free its arrays.
 */
final class GradientEngine implements AutoCloseable {
    private final Graph graph;
    private final ImageSpace space;
    private final int n;
    private final int classes;
    private final INDArray input;
    private final float[] modelValues;
    private final float[] modelGradient;
    /** The backward seed at the scores node, {@code [n, classes]} float32, rewritten by every gradient. */
    private final INDArray seedArray;
    private final java.util.Set<String> scoresOnly;
    /** The batch's clean images and its adversarial images, {@code n · imageLength()} each, for the attack's use. */
    private final float[] clean;
    private final float[] adversarial;

    /**
     * @param model   the model
     * @param space   its image space
     * @param n       the batch size of every evaluation
     * @param classes the number of classes
     * @throws dev.cnnviz.api.ResourceLimitException if the run's buffers or one forward and backward pass at batch
     *                                               {@code n} are over the memory budget (checked before allocation)
     */
    GradientEngine(Model model, ImageSpace space, int n, int classes) {
        this.graph = model.graph();
        this.space = space;
        this.n = n;
        this.classes = classes;
        long[] shape = model.inputSpec().batchShape(n);
        MemoryBudget budget = graph.memoryBudget();
        // The model input, its host copy and gradient, and the attack's image-space buffers (about six).
        long bytes = MemoryBudget.saturatedAdd(MemoryBudget.bytesOf(12, shape),
                MemoryBudget.bytesOf(4 * 6, n, space.imageLength()));
        budget.check("an attack's buffers for a batch of " + n + " images " + java.util.Arrays.toString(shape), bytes,
                "attack fewer images per batch (withBatchSize)");
        budget.check("a forward and backward pass at batch " + n,
                graph.passBytes(java.util.Map.of(graph.inputName(), shape), true),
                "attack fewer images per batch (withBatchSize)");
        this.input = Nd4j.create(graph.dataType(), shape);
        this.modelValues = new float[n * space.modelLength()];
        this.modelGradient = new float[n * space.modelLength()];
        this.seedArray = Nd4j.create(graph.dataType(), n, classes);
        this.scoresOnly = java.util.Set.of(graph.scoresNode());
        this.clean = new float[n * space.imageLength()];
        this.adversarial = new float[n * space.imageLength()];
    }

    /** @return the engine's buffer for the batch's clean images ({@code n · imageLength()} values), reused per call */
    float[] cleanBuffer() {
        return clean;
    }

    /** @return the engine's buffer for the batch's adversarial images, reused per call */
    float[] adversarialBuffer() {
        return adversarial;
    }

    /** @return the batch size */
    int batch() {
        return n;
    }

    /** @return the number of classes */
    int classes() {
        return classes;
    }

    /**
     * The class scores (before the softmax) of an image-space batch, inference only.
     *
     * @return {@code [n · classes]} scores, row-major
     */
    double[] scores(float[] u) {
        load(u);
        try (ForwardPass p = graph.infer(input, List.of())) {
            return hostScores(p);
        }
    }

    /**
     * Opens a forward pass on an image-space batch for gradients, up to the scores node (nodes after it, such as a
     * final softmax, are not computed: gradients start at the scores). Close it before the next one.
     */
    Pass forward(float[] u) {
        load(u);
        return new Pass(graph.forwardTo(input, scoresOnly));
    }

    private void load(float[] u) {
        if (HostArrays.plain(input) && input.dataType() == org.nd4j.linalg.api.buffer.DataType.FLOAT) {
            space.apply(u, input.data().asNioFloat());   // straight into the native input, through a cached chunk
        } else {
            space.apply(u, modelValues);
            Host.write(modelValues, input);
        }
    }

    private double[] hostScores(ForwardPass p) {
        INDArray s = p.scores();
        if (s.length() != (long) n * classes) {
            throw new IllegalArgumentException("the scores node '" + graph.scoresNode() + "' has shape "
                    + java.util.Arrays.toString(s.shape()) + ", expected " + n + " x " + classes + " class scores");
        }
        double[] v = HostArrays.doubles(s);
        for (int i = 0; i < v.length; i++) {
            if (!Double.isFinite(v[i])) {
                throw new NonFiniteResultException("the model's class score " + (i % classes) + " of image " + (i / classes)
                        + " is " + v[i]);
            }
        }
        return v;
    }

    /** One forward pass: its class scores, and gradients of linear functions of them with respect to the image. */
    final class Pass implements AutoCloseable {
        private final ForwardPass pass;
        private final double[] scores;

        private Pass(ForwardPass pass) {
            this.pass = pass;
            try {
                this.scores = hostScores(pass);
            } catch (RuntimeException e) {
                pass.close();
                throw e;
            }
        }

        /** @return the class scores, {@code [n · classes]} row-major (do not modify) */
        double[] scores() {
            return scores;
        }

        /**
         * The image-space gradient of {@code Σ_{i,k} seed[i, k] · z[i, k]} (z the class scores).
         *
         * @param seed {@code [n · classes]} weights
         * @param gu   receives {@code ∂/∂u}, {@code n · imageLength()} values
         * @throws NonFiniteResultException if the gradient holds NaN or infinite values
         */
        void gradient(double[] seed, float[] gu) {
            space.adjoint(modelGradient(seed), gu);
        }

        /**
         * The gradient of {@code Σ_{i,k} seed[i, k] · z[i, k]} with respect to the model's input (before the
         * preprocessing's adjoint), in the engine's buffer: valid until the next call, do not modify.
         *
         * @param seed {@code [n · classes]} weights
         * @return {@code n · modelLength()} values
         * @throws NonFiniteResultException if the gradient holds NaN or infinite values
         */
        float[] modelGradient(double[] seed) {
            modelGradient(seed, g -> g.get(0, modelGradient));
            if (!HostArrays.allFinite(modelGradient, 0, modelGradient.length)) {
                throw new NonFiniteResultException("the input gradient of the attack's loss holds NaN or infinite values");
            }
            return modelGradient;
        }

        /**
         * The gradient of {@code Σ_{i,k} seed[i, k] · z[i, k]} with respect to the model's input, handed to
         * {@code reader} where the backward pass wrote it (the native buffer of a plain float32 gradient, else a copy):
         * {@code n · modelLength()} values, row-major, valid only during the call, <b>not checked</b>: the reader
         * must refuse NaN and infinite values itself.
         */
        void modelGradient(double[] seed, java.util.function.Consumer<java.nio.FloatBuffer> reader) {
            INDArray s = pass.scores();
            if (seed.length != seedArray.length() || s.length() != seedArray.length()) {
                throw new IllegalArgumentException("the seed has " + seed.length + " values, the scores "
                        + java.util.Arrays.toString(s.shape()));
            }
            INDArray seedIn = seedArray.reshape(s.shape());
            if (graph.dataType() == org.nd4j.linalg.api.buffer.DataType.FLOAT && HostArrays.plain(seedArray)) {
                java.nio.FloatBuffer b = seedArray.data().asNioFloat();
                for (int i = 0; i < seed.length; i++) {
                    b.put(i, (float) seed[i]);
                }
            } else {
                for (int i = 0; i < seed.length; i++) {
                    seedArray.putScalar(i, seed[i]);
                }
            }
            try (Gradients g = pass.backward(java.util.Map.of(graph.scoresNode(), seedIn), List.of(graph.inputName()))) {
                reader.accept(HostArrays.floatValues(g.get(graph.inputName())));
            }
        }

        @Override
        public void close() {
            pass.close();
        }
    }

    @Override
    public void close() {
        input.close();
        seedArray.close();
    }
}
