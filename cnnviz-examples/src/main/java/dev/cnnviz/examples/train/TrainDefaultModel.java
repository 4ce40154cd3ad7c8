package dev.cnnviz.examples.train;

import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.io.File;
import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Locale;
import java.util.Random;
import dev.cnnviz.api.ModelImportException;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.dl4j.dl4j.Dl4jTranslator;
import dev.cnnviz.examples.DefaultModel;
import javax.imageio.ImageIO;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNBatchNormHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNConvHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNSubsamplingHelper;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.schedule.MapSchedule;
import org.nd4j.linalg.schedule.ScheduleType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains the default model embedded in cnnviz: a small all-convolutional CNN on Fashion-MNIST
 * whose class scores are one linear layer on the global average pool of the last convolutional
 * feature map (the structure that class activation maps need).
 *
 * <p>Usage: {@code TrainDefaultModel [OUTPUT_DIR] [--data DIR] [--epochs N] [--seed S]}. The
 * output directory defaults to {@value #DEFAULT_OUTPUT}, the data directory to
 * {@link FashionMnist#DEFAULT_DIR}. Training is reproducible for a given seed.
 *
 * <p>Written into the output directory: {@code fashion-cnn.zip} (DL4J model without updater
 * state), {@code labels.txt}, {@code images/NNN-L.png} (the first {@value #EXPORTED_IMAGES} test
 * images, {@code L} being the label index), {@code default.png} (a correctly classified test
 * image), {@code model.properties} and {@code README.md}.
 */
public final class TrainDefaultModel {

    /** Default output directory, relative to the root of the cnnviz checkout. */
    public static final String DEFAULT_OUTPUT =
            "cnnviz-examples/src/main/resources/dev/cnnviz/examples/default";

    /** Number of training epochs unless {@code --epochs} says otherwise. */
    public static final int DEFAULT_EPOCHS = 8;

    /** Random seed unless {@code --seed} says otherwise. */
    public static final long DEFAULT_SEED = 42;

    /** Number of test images exported as PNG files. */
    public static final int EXPORTED_IMAGES = 300;

    /** One-line description of the network, written to {@code model.properties}. */
    public static final String ARCHITECTURE =
            "conv1(3x3x32,same)-bn1-relu1-pool1(max2x2/2)-conv2(3x3x64,same)-bn2-relu2"
                    + "-pool2(max2x2/2)-conv3(3x3x128,same)-bn3-relu3-gap(avg)-fc(128->10,softmax)";

    private static final Logger LOG = LoggerFactory.getLogger(TrainDefaultModel.class);

    private static final int BATCH_SIZE = 128;
    private static final int EVAL_BATCH_SIZE = 500;
    /** Batches between two progress messages within an epoch. */
    private static final int PROGRESS_INTERVAL = 100;
    /** Adam's learning rate, divided by 3 after 60% and by 10 after 85% of the iterations. */
    private static final double LEARNING_RATE = 1e-3;
    private static final int SIZE = 28;
    private static final int PIXELS = SIZE * SIZE;
    private static final int CLASSES = FashionMnist.LABELS.size();
    /** Label of the preferred default image: Ankle boot. */
    private static final int DEFAULT_IMAGE_LABEL = 9;
    /** Minimum softmax probability for the default image. */
    private static final double DEFAULT_IMAGE_CONFIDENCE = 0.95;

    private TrainDefaultModel() {
    }

    /** Parsed command line. */
    private record Options(Path output, Path data, int epochs, long seed) {

        private static final String USAGE = "Usage: TrainDefaultModel [OUTPUT_DIR] [--data DIR]"
                + " [--epochs N] [--seed S]";

        static Options parse(String[] args) {
            Path output = Path.of(DEFAULT_OUTPUT);
            Path data = FashionMnist.DEFAULT_DIR;
            int epochs = DEFAULT_EPOCHS;
            long seed = DEFAULT_SEED;
            boolean outputSeen = false;
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                switch (arg) {
                    case "--data" -> data = Path.of(value(args, ++i, arg));
                    case "--epochs" -> epochs = parseInt(value(args, ++i, arg), arg);
                    case "--seed" -> seed = parseLong(value(args, ++i, arg), arg);
                    default -> {
                        if (arg.startsWith("-") || outputSeen) {
                            throw new IllegalArgumentException("Unexpected argument '" + arg
                                    + "'. " + USAGE);
                        }
                        output = Path.of(arg);
                        outputSeen = true;
                    }
                }
            }
            if (epochs < 1) {
                throw new IllegalArgumentException("--epochs must be at least 1, got " + epochs);
            }
            return new Options(output, data, epochs, seed);
        }

        private static String value(String[] args, int i, String option) {
            if (i >= args.length) {
                throw new IllegalArgumentException(option + " needs a value. " + USAGE);
            }
            return args[i];
        }

        private static int parseInt(String s, String option) {
            try {
                return Integer.parseInt(s);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + " needs an integer, got '" + s + "'");
            }
        }

        private static long parseLong(String s, String option) {
            try {
                return Long.parseLong(s);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + " needs an integer, got '" + s + "'");
            }
        }
    }

    /**
     * Trains the model and writes it with its resources.
     *
     * @param args {@code [OUTPUT_DIR] [--data DIR] [--epochs N] [--seed S]}
     * @throws IOException if the data set cannot be read or an output cannot be written
     */
    public static void main(String[] args) throws IOException {
        Options options = Options.parse(args);
        LOG.info("Loading Fashion-MNIST from {}", options.data());
        FashionMnist.Split train = FashionMnist.loadTrain(options.data());
        FashionMnist.Split test = FashionMnist.loadTest(options.data());
        LOG.info("{} training and {} test images", train.size(), test.size());

        long start = System.nanoTime();
        Evaluation[] last = new Evaluation[1];
        MultiLayerNetwork net = train(train, options.epochs(), options.seed(), (n, epoch, loss) -> {
            last[0] = evaluate(n, test);
            LOG.info("Epoch {}/{}: mean training loss {}, test accuracy {}%, {} s elapsed",
                    epoch, options.epochs(), String.format(Locale.ROOT, "%.4f", loss),
                    percent(last[0].accuracy()), (System.nanoTime() - start) / 1_000_000_000L);
        });
        Evaluation evaluation = last[0];
        long seconds = (System.nanoTime() - start) / 1_000_000_000L;
        double accuracy = evaluation.accuracy();
        LOG.info("Training took {} s; final test accuracy {}%", seconds, percent(accuracy));

        int defaultImage = chooseDefaultImage(test.labels(), evaluation);
        writeOutputs(options, net, test, accuracy, seconds, defaultImage);
        System.out.println("Final test accuracy: " + percent(accuracy) + "% ("
                + Math.round(accuracy * test.size()) + "/" + test.size() + "), training time "
                + seconds + " s");
    }

    /** Called after each training epoch. */
    @FunctionalInterface
    public interface EpochListener {
        /**
         * @param net      the network after the epoch
         * @param epoch    the epoch, from 1
         * @param meanLoss the mean training loss of the epoch's batches
         */
        void epochDone(MultiLayerNetwork net, int epoch, double meanLoss);
    }

    /**
     * Trains the default model's architecture on {@code train} with the default model's recipe (Adam with the step
     * schedule, batches of 128, random left-right mirroring of half of each batch), reproducibly for a seed. This is
     * what {@link #main} runs on the whole training set, and what the data-randomisation sanity check (Adebayo et al.
     * 2018) runs on labels shuffled by {@link FashionMnist.Split#withShuffledLabels}.
     *
     * <pre>{@code
     * FashionMnist.Split s = FashionMnist.loadTrain(FashionMnist.DEFAULT_DIR).first(4096).withShuffledLabels(7);
     * MultiLayerNetwork net = TrainDefaultModel.train(s, 3, 7, (n, epoch, loss) -> { });
     * Model m = TrainDefaultModel.toModel(net, "random labels");
     * }</pre>
     *
     * @param train    the training images and labels, at least one
     * @param epochs   the epochs, at least 1
     * @param seed     the seed of the weights, the batch order and the mirroring
     * @param listener called after each epoch
     * @return the trained network
     * @throws IllegalArgumentException if there is no image or {@code epochs < 1}
     */
    public static MultiLayerNetwork train(FashionMnist.Split train, int epochs, long seed, EpochListener listener) {
        if (train == null || train.size() == 0) {
            throw new IllegalArgumentException("training needs at least one image");
        }
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be at least 1, found " + epochs);
        }
        Nd4j.getRandom().setSeed(seed);
        int iterationsPerEpoch = (train.size() + BATCH_SIZE - 1) / BATCH_SIZE;
        MultiLayerNetwork net = new MultiLayerNetwork(configuration(seed, epochs * iterationsPerEpoch));
        net.init();
        attachOneDnnHelpers(net);
        LOG.info("{}", net.summary());
        Random random = new Random(seed);
        int[] order = identity(train.size());
        for (int epoch = 1; epoch <= epochs; epoch++) {
            shuffle(order, random);
            double lossSum = 0;
            int batches = 0;
            for (int from = 0; from < order.length; from += BATCH_SIZE) {
                int to = Math.min(order.length, from + BATCH_SIZE);
                try (INDArray x = flipHalf(features(train.images(), order, from, to), random);
                        INDArray y = oneHot(train.labels(), order, from, to)) {
                    net.fit(x, y);
                }
                lossSum += net.score();
                batches++;
                if (batches % PROGRESS_INTERVAL == 0) {
                    LOG.info("Epoch {}: batch {}/{}, mean training loss {}", epoch, batches,
                            iterationsPerEpoch,
                            String.format(Locale.ROOT, "%.4f", lossSum / batches));
                }
            }
            listener.epochDone(net, epoch, lossSum / batches);
        }
        return net;
    }

    /**
     * A trained network as a cnnviz {@link Model} with the default model's input specification (pixels / 255,
     * grey) and labels, translated in memory ({@link Dl4jTranslator}).
     *
     * @param net    a network of the default model's architecture
     * @param source a one-line description
     * @throws ModelImportException if the network cannot be translated
     */
    public static Model toModel(MultiLayerNetwork net, String source) throws ModelImportException {
        Graph g = Dl4jTranslator.translate(net, InputType.convolutional(SIZE, SIZE, 1));
        Model def = DefaultModel.load();
        return new Model(g, def.inputSpec(), def.labels(), source).validate();
    }

    /**
     * The accuracy of {@code net} on {@code split}.
     *
     * @return the fraction of images whose top class is their label
     */
    public static double accuracy(MultiLayerNetwork net, FashionMnist.Split split) {
        return evaluate(net, split).accuracy();
    }

    private static MultiLayerConfiguration configuration(long seed, int totalIterations) {
        return new NeuralNetConfiguration.Builder()
                .seed(seed)
                .weightInit(WeightInit.RELU)
                // Step decay of the learning rate. (The first model used linear decay to zero from 3e-3
                // with weight decay 1e-4: its test accuracy stalled near 88-89%.)
                .updater(new Adam(new MapSchedule.Builder(ScheduleType.ITERATION)
                        .add(0, LEARNING_RATE)
                        .add((int) (totalIterations * 0.60), LEARNING_RATE / 3)
                        .add((int) (totalIterations * 0.85), LEARNING_RATE / 10)
                        .build()))
                .list()
                .layer(conv("conv1", 32)).layer(batchNorm("bn1")).layer(relu("relu1"))
                .layer(maxPool("pool1"))
                .layer(conv("conv2", 64)).layer(batchNorm("bn2")).layer(relu("relu2"))
                .layer(maxPool("pool2"))
                .layer(conv("conv3", 128)).layer(batchNorm("bn3")).layer(relu("relu3"))
                .layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).name("gap").build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("fc")
                        .nOut(CLASSES).activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER)
                        .build())
                .setInputType(InputType.convolutional(SIZE, SIZE, 1))
                .build();
    }

    /**
     * Attaches DL4J's oneDNN helpers to the convolution, batch-normalization and pooling layers.
     *
     * <p>DL4J 1.0.0-M2.1 never attaches them on its own: {@code HelperUtils} skips helpers unless
     * {@code -Dorg.eclipse.deeplearning4j.helpers.disable=false}, and even then
     * {@code BaseMKLDNNHelper.mklDnnEnabled()} looks up {@code org.nd4j.nativeblas.Nd4jCpu$Environment}
     * and its method {@code isUseMKLDNN}, neither of which nd4j-native 1.0.0-M2.1 has, so every
     * helper reports itself unsupported. The built-in fallback (im2col + gemm, Java-side batch
     * normalization) makes training about four times slower. The helpers change speed only: the
     * layers, parameters and saved model are the same. If the fields cannot be set, training goes
     * on with the built-in implementation.
     */
    private static void attachOneDnnHelpers(MultiLayerNetwork net) {
        int attached = 0;
        for (Layer layer : net.getLayers()) {
            Object conf = layer.conf().getLayer();
            Object helper;
            if (conf instanceof ConvolutionLayer) {
                helper = new MKLDNNConvHelper(DataType.FLOAT);
            } else if (conf instanceof BatchNormalization) {
                helper = new MKLDNNBatchNormHelper(DataType.FLOAT);
            } else if (conf instanceof SubsamplingLayer) {
                helper = new MKLDNNSubsamplingHelper(DataType.FLOAT);
            } else {
                continue;
            }
            try {
                Field field = helperField(layer.getClass());
                field.setAccessible(true);
                field.set(layer, helper);
                attached++;
            } catch (ReflectiveOperationException | RuntimeException e) {
                LOG.warn("Cannot attach the oneDNN helper to {} ({}); training will be slower",
                        layer.getClass().getSimpleName(), e.toString());
            }
        }
        LOG.info("Attached oneDNN helpers to {} layers", attached);
    }

    private static Field helperField(Class<?> type) throws NoSuchFieldException {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            try {
                return c.getDeclaredField("helper");
            } catch (NoSuchFieldException e) {
                // keep looking in the superclass
            }
        }
        throw new NoSuchFieldException("helper in " + type.getName());
    }

    private static ConvolutionLayer conv(String name, int filters) {
        return new ConvolutionLayer.Builder(3, 3).name(name).nOut(filters)
                .convolutionMode(ConvolutionMode.Same).activation(Activation.IDENTITY).build();
    }

    private static BatchNormalization batchNorm(String name) {
        return new BatchNormalization.Builder().name(name).build();
    }

    private static ActivationLayer relu(String name) {
        return new ActivationLayer.Builder().name(name).activation(Activation.RELU).build();
    }

    private static SubsamplingLayer maxPool(String name) {
        return new SubsamplingLayer.Builder(PoolingType.MAX).name(name)
                .kernelSize(2, 2).stride(2, 2).build();
    }

    /** @return {@code 0, 1, ..., n-1} (shared with {@link TrainLinearClassifier}). */
    static int[] identity(int n) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        return order;
    }

    /** Shuffles {@code order} in place (Fisher-Yates). */
    static void shuffle(int[] order, Random random) {
        for (int i = order.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
    }

    /** Copies the images {@code order[from..to)} into an NCHW array {@code [n,1,28,28]}. */
    static INDArray features(float[][][][] images, int[] order, int from, int to) {
        float[] buffer = new float[(to - from) * PIXELS];
        int p = 0;
        for (int i = from; i < to; i++) {
            for (float[] row : images[order[i]][0]) {
                System.arraycopy(row, 0, buffer, p, SIZE);
                p += SIZE;
            }
        }
        return Nd4j.create(buffer, new long[] {to - from, 1, SIZE, SIZE}, 'c');
    }

    /**
     * Augmentation: mirrors a random half of the batch left to right (clothes stay clothes when mirrored),
     * in place.
     */
    private static INDArray flipHalf(INDArray x, Random random) {
        float[] px = x.data().asFloat();
        long n = x.size(0);
        for (int i = 0; i < n; i++) {
            if (random.nextBoolean()) {
                for (int row = 0; row < SIZE; row++) {
                    int start = i * PIXELS + row * SIZE;
                    for (int a = start, b = start + SIZE - 1; a < b; a++, b--) {
                        float t = px[a];
                        px[a] = px[b];
                        px[b] = t;
                    }
                }
            }
        }
        INDArray flipped = Nd4j.create(px, x.shape(), 'c');
        x.close();
        return flipped;
    }

    /** One-hot rows {@code [n, 10]} of the labels {@code order[from..to)}. */
    static INDArray oneHot(int[] labels, int[] order, int from, int to) {
        float[] buffer = new float[(to - from) * CLASSES];
        for (int i = from; i < to; i++) {
            buffer[(i - from) * CLASSES + labels[order[i]]] = 1f;
        }
        return Nd4j.create(buffer, new long[] {to - from, CLASSES}, 'c');
    }

    /** Predicted class and its probability for every test image. */
    private record Evaluation(int[] predicted, float[] confidence, double accuracy) {
    }

    private static Evaluation evaluate(MultiLayerNetwork net, FashionMnist.Split test) {
        int n = test.size();
        int[] order = identity(n);
        int[] predicted = new int[n];
        float[] confidence = new float[n];
        int correct = 0;
        for (int from = 0; from < n; from += EVAL_BATCH_SIZE) {
            int to = Math.min(n, from + EVAL_BATCH_SIZE);
            try (INDArray x = features(test.images(), order, from, to);
                    INDArray probabilities = net.output(x, false)) {
                int[] argMax = probabilities.argMax(1).toIntVector();
                for (int i = from; i < to; i++) {
                    predicted[i] = argMax[i - from];
                    confidence[i] = probabilities.getFloat(i - from, predicted[i]);
                    if (predicted[i] == test.labels()[i]) {
                        correct++;
                    }
                }
            }
        }
        return new Evaluation(predicted, confidence, (double) correct / n);
    }

    /**
     * Picks the first exported Ankle boot that the model classifies correctly and confidently,
     * else the first correctly classified exported image.
     */
    private static int chooseDefaultImage(int[] labels, Evaluation evaluation) {
        int fallback = -1;
        for (int i = 0; i < EXPORTED_IMAGES; i++) {
            if (evaluation.predicted()[i] != labels[i]) {
                continue;
            }
            if (labels[i] == DEFAULT_IMAGE_LABEL
                    && evaluation.confidence()[i] >= DEFAULT_IMAGE_CONFIDENCE) {
                return i;
            }
            if (fallback < 0) {
                fallback = i;
            }
        }
        if (fallback < 0) {
            throw new IllegalStateException("None of the first " + EXPORTED_IMAGES
                    + " test images is classified correctly");
        }
        return fallback;
    }

    private static void writeOutputs(Options options, MultiLayerNetwork net,
            FashionMnist.Split test, double accuracy, long seconds, int defaultImage)
            throws IOException {
        Path out = options.output();
        Path images = out.resolve("images");
        Files.createDirectories(images);

        Path model = out.resolve("fashion-cnn.zip");
        ModelSerializer.writeModel(net, model.toFile(), false);
        LOG.info("Wrote {} ({} bytes)", model, Files.size(model));

        Files.write(out.resolve("labels.txt"), FashionMnist.LABELS, StandardCharsets.UTF_8);

        for (int i = 0; i < EXPORTED_IMAGES; i++) {
            writePng(test.images()[i][0], images.resolve(imageName(i, test.labels()[i])));
        }
        String defaultName = imageName(defaultImage, test.labels()[defaultImage]);
        Files.copy(images.resolve(defaultName), out.resolve("default.png"),
                StandardCopyOption.REPLACE_EXISTING);
        LOG.info("Wrote {} test images to {}; default.png is {} ({})", EXPORTED_IMAGES, images,
                defaultName, FashionMnist.LABELS.get(test.labels()[defaultImage]));

        String date = LocalDate.now(ZoneOffset.UTC).toString();
        String properties = String.join("\n",
                "# The default cnnviz model, written by " + TrainDefaultModel.class.getName(),
                "accuracy=" + String.format(Locale.ROOT, "%.4f", accuracy),
                "epochs=" + options.epochs(),
                "seed=" + options.seed(),
                "trainedAt=" + date,
                "dataset=Fashion-MNIST (Debian dataset-fashion-mnist)",
                "architecture=" + ARCHITECTURE,
                "input=[1,28,28] NCHW scaled 0..1",
                "labels=labels.txt",
                "defaultImage=" + defaultName,
                "");
        Files.writeString(out.resolve("model.properties"), properties, StandardCharsets.UTF_8);
        Files.writeString(out.resolve("README.md"),
                readme(options, accuracy, seconds, date, defaultName, Files.size(model)),
                StandardCharsets.UTF_8);
        LOG.info("Wrote labels.txt, model.properties and README.md to {}", out);
    }

    private static String imageName(int index, int label) {
        return String.format(Locale.ROOT, "%03d-%d.png", index, label);
    }

    private static void writePng(float[][] pixels, Path file) throws IOException {
        BufferedImage image = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_BYTE_GRAY);
        WritableRaster raster = image.getRaster();
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                raster.setSample(x, y, 0, FashionMnist.toGreyLevel(pixels[y][x]));
            }
        }
        File target = file.toFile();
        if (!ImageIO.write(image, "png", target)) {
            throw new IOException("No PNG writer available for " + file);
        }
    }

    private static String percent(double fraction) {
        return String.format(Locale.ROOT, "%.2f", 100 * fraction);
    }

    private static String readme(Options options, double accuracy, long seconds, String date,
            String defaultName, long modelBytes) {
        String args = "--epochs " + options.epochs() + " --seed " + options.seed();
        return """
                # The default cnnviz model

                This directory is the model that cnnviz uses when no model is named: a small \
                convolutional network trained on [Fashion-MNIST](https://github.com/zalandoresearch/fashion-mnist) \
                with Deeplearning4j, plus test images to run it on.

                | File | Content |
                |------|---------|
                | `fashion-cnn.zip` | DL4J `MultiLayerNetwork` (`ModelSerializer`, no updater state, %d bytes) |
                | `labels.txt` | the 10 class names, one a line, in label order |
                | `images/NNN-L.png` | the first %d Fashion-MNIST test images, 28x28 8-bit greyscale; `NNN` is the index in the test set, `L` the label |
                | `default.png` | a copy of `images/%s`, correctly classified; the CLI's default image |
                | `model.properties` | accuracy, epochs, seed, date, architecture, input format |

                ## Model

                Input `[N,1,28,28]` (NCHW), pixels scaled to `0..1` (grey level / 255). Layers, by name:

                ```
                %s
                ```

                Every 3x3 convolution uses `ConvolutionMode.Same`, identity activation, and is \
                followed by batch normalization and a separate ReLU `ActivationLayer`. The class \
                scores are a single linear layer (`fc`, softmax output) on the global average \
                pool (`gap`) of the last feature map, so class activation maps apply directly.

                **Test accuracy: %s%%** on the 10,000 Fashion-MNIST test images.

                ## Training

                Trained on %s with Adam (learning rate %s, divided by 3 after 60%% and by 10 after \
                85%% of the iterations), random left-right mirroring of half of each batch, batch size %d, %d epochs, seed %d, in %d s on %d CPU cores. Reproduce from the root \
                of the checkout (the data come from the Debian package `dataset-fashion-mnist`, \
                installed under `%s`; pass `--data DIR` to read them elsewhere):

                ```
                mvn -q -B -pl cnnviz-examples -am install -DskipTests
                MAVEN_OPTS=-Xmx4g mvn -q -B -pl cnnviz-examples exec:java \\
                    -Dexec.mainClass=dev.cnnviz.examples.train.TrainDefaultModel -Dexec.args="%s"
                ```

                The trainer overwrites the files in this directory.

                ## Licence of the data

                The images are Fashion-MNIST test images. Fashion-MNIST is copyright Zalando \
                Research and is distributed under the MIT licence.
                """.formatted(modelBytes, EXPORTED_IMAGES, defaultName,
                ARCHITECTURE, percent(accuracy), date, LEARNING_RATE, BATCH_SIZE,
                options.epochs(), options.seed(), seconds,
                Runtime.getRuntime().availableProcessors(), FashionMnist.DEFAULT_DIR, args);
    }
}
