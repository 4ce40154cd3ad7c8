package dev.cnnviz.examples.train;

import dev.cnnviz.api.ChannelOrder;
import dev.cnnviz.api.ModelImportException;
import dev.cnnviz.api.Preprocessing;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.graph.Node;
import dev.cnnviz.core.graph.ops.Dense;
import dev.cnnviz.core.image.ImageIo;
import dev.cnnviz.core.inspect.Filters;
import dev.cnnviz.dl4j.dl4j.Dl4jImporter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Trains a linear softmax classifier on Fashion-MNIST and draws its ten weight images, the "templates" of the
 * CS231n lecture on linear classifiers (there for CIFAR-10): {@code scores = W·x + b} over the 784 pixels, so the
 * row of {@code W} for a class is a 28×28 image whose bright pixels vote for it and dark ones against it. A trouser
 * template shows two legs, a sandal template straps.
 *
 * <p>The network is one DL4J {@code OutputLayer} (softmax, cross-entropy, zero-initialised, L2 weight penalty
 * {@value #L2}) on the flattened image, trained with Adam (learning rate {@value #LEARNING_RATE}, batches of
 * {@value #BATCH_SIZE}) as {@link TrainDefaultModel} trains the embedded CNN; it reaches about 84% test accuracy in
 * a few epochs. It is imported into cnnviz like any DL4J model and drawn by {@link Filters} as
 * {@link Filters.Kind#TEMPLATES}.
 *
 * <p>Usage: {@code TrainLinearClassifier [--data DIR] [--epochs N] [--seed S] [--out PNG]} (default
 * {@code linear-templates.png}).
 *
 * <pre>{@code
 * TrainLinearClassifier.Result r = TrainLinearClassifier.train(FashionMnist.loadTrain(dir), FashionMnist.loadTest(dir), 3, 42);
 * BufferedImage templates = Filters.of(r.model()).withLayer(r.layer()).grid();
 * }</pre>
 */
public final class TrainLinearClassifier {
    /** Adam's learning rate. */
    public static final double LEARNING_RATE = 1e-3;
    /** The L2 penalty on the weights: it smooths the templates. */
    public static final double L2 = 1e-4;
    /** Examples per training batch. */
    public static final int BATCH_SIZE = 128;
    private static final int SIZE = 28;

    private TrainLinearClassifier() {
    }

    /**
     * A trained classifier.
     *
     * @param model        the classifier as a cnnviz model (Fashion-MNIST labels, pixels / 255)
     * @param layer        the name of its fully connected layer, whose weights are the templates
     * @param testAccuracy its accuracy on the test split
     */
    public record Result(Model model, String layer, double testAccuracy) {
    }

    /**
     * Trains the classifier.
     *
     * @param train  the training split
     * @param test   the test split (for the accuracy)
     * @param epochs passes over the training split, at least 1
     * @param seed   the random seed (initialisation is zero; the seed orders the batches)
     * @return the model, its layer and its test accuracy
     * @throws IOException              if the trained network cannot be written to or read from a temporary file
     * @throws IllegalArgumentException if {@code epochs < 1}
     */
    public static Result train(FashionMnist.Split train, FashionMnist.Split test, int epochs, long seed) throws IOException {
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be at least 1, found " + epochs);
        }
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .updater(new Adam(LEARNING_RATE))
                .l2(L2)
                .list()
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("linear")
                        .nOut(FashionMnist.LABELS.size()).activation(Activation.SOFTMAX).weightInit(WeightInit.ZERO).build())
                .setInputType(InputType.convolutional(SIZE, SIZE, 1))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        Random random = new Random(seed);
        int[] order = TrainDefaultModel.identity(train.size());
        for (int epoch = 0; epoch < epochs; epoch++) {
            TrainDefaultModel.shuffle(order, random);
            for (int from = 0; from < order.length; from += BATCH_SIZE) {
                int to = Math.min(order.length, from + BATCH_SIZE);
                try (INDArray x = TrainDefaultModel.features(train.images(), order, from, to);
                        INDArray y = TrainDefaultModel.oneHot(train.labels(), order, from, to)) {
                    net.fit(x, y);
                }
            }
        }
        int correct = 0;
        int[] all = TrainDefaultModel.identity(test.size());
        for (int from = 0; from < test.size(); from += 1000) {
            int to = Math.min(test.size(), from + 1000);
            try (INDArray x = TrainDefaultModel.features(test.images(), all, from, to);
                    INDArray p = net.output(x, false)) {
                int[] predicted = p.argMax(1).toIntVector();
                for (int i = from; i < to; i++) {
                    if (predicted[i - from] == test.labels()[i]) {
                        correct++;
                    }
                }
            }
        }
        Path zip = Files.createTempFile("cnnviz-linear-", ".zip");
        try {
            ModelSerializer.writeModel(net, zip.toFile(), false);
            Model m = Dl4jImporter.load(zip, InputType.convolutional(SIZE, SIZE, 1)).withLabels(FashionMnist.LABELS)
                    .withPreprocessing(Preprocessing.unit(ChannelOrder.GREY));
            String layer = m.graph().nodes().stream().filter(n -> n.op() instanceof Dense).map(Node::name).findFirst()
                    .orElseThrow(() -> new IllegalStateException("the imported classifier has no Dense node: " + m.graph()));
            return new Result(m, layer, (double) correct / test.size());
        } catch (ModelImportException e) {
            throw new IOException("cannot import the trained classifier: " + e.getMessage(), e);
        } finally {
            Files.deleteIfExists(zip);
        }
    }

    /**
     * Trains the classifier and writes its templates.
     *
     * @param args {@code [--data DIR] [--epochs N] [--seed S] [--out PNG]}
     * @throws IOException if the data cannot be read or the picture written
     */
    public static void main(String[] args) throws IOException {
        Path data = FashionMnist.DEFAULT_DIR;
        int epochs = 3;
        long seed = 42;
        Path out = Path.of("linear-templates.png");
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(a + " needs a value; usage: TrainLinearClassifier [--data DIR]"
                        + " [--epochs N] [--seed S] [--out PNG]");
            }
            switch (a) {
                case "--data" -> data = Path.of(args[++i]);
                case "--epochs" -> epochs = Integer.parseInt(args[++i]);
                case "--seed" -> seed = Long.parseLong(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unexpected argument '" + a + "'; usage: TrainLinearClassifier"
                        + " [--data DIR] [--epochs N] [--seed S] [--out PNG]");
            }
        }
        Result r = train(FashionMnist.loadTrain(data), FashionMnist.loadTest(data), epochs, seed);
        ImageIo.writePng(Filters.of(r.model()).withLayer(r.layer()).withScale(4).grid(), out);
        System.out.println(String.format(Locale.ROOT, "linear classifier: test accuracy %.2f%%, templates -> %s",
                100 * r.testAccuracy(), out));
    }
}
