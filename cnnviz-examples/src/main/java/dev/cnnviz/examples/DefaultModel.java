package dev.cnnviz.examples;

import dev.cnnviz.api.ChannelOrder;
import dev.cnnviz.api.ModelImportException;
import dev.cnnviz.api.Preprocessing;
import dev.cnnviz.core.Labels;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.image.ImageIo;
import dev.cnnviz.dl4j.Models;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The model embedded in cnnviz: a small CNN trained on Fashion-MNIST (28×28 grey images, 10 classes), with its
 * labels and 300 test images, all read from the class path ({@code dev/cnnviz/examples/default/}, written by
 * {@link dev.cnnviz.examples.train.TrainDefaultModel}). It is what the CLI explains when no {@code --model} is
 * given, and what the JShell scripts and tests use when nothing else is at hand.
 *
 * <pre>{@code
 * Model model = DefaultModel.load();                    // labels and Preprocessing.unit(GREY) set
 * Explanation e = GradCam.of(model).explain(DefaultModel.defaultImage());
 * e.save(Path.of("gradcam.png"));
 * for (DefaultModel.TestImage t : DefaultModel.testImages()) { ... t.image() ... t.label() ... }
 * }</pre>
 *
 * <p>Failures to read these resources mean a broken build, not bad user input: they are unchecked
 * ({@link IllegalStateException}, naming the resource).
 */
public final class DefaultModel {
    /** The class-path folder of the default model's resources. */
    public static final String RESOURCE_DIR = "/dev/cnnviz/examples/default/";
    /** The model file name in {@link #RESOURCE_DIR}. */
    public static final String MODEL_FILE = "fashion-cnn.zip";
    /** A one-line description used as the model's source. */
    public static final String DESCRIPTION = "cnnviz default model (Fashion-MNIST CNN, embedded)";

    private static final Pattern TEST_IMAGE = Pattern.compile("(\\d+)-(\\d+)\\.png");
    private static volatile Model cached;

    private DefaultModel() {
    }

    /**
     * One of the bundled Fashion-MNIST test images.
     *
     * @param name  the file name, {@code NNN-L.png}
     * @param index {@code NNN}, the index in the Fashion-MNIST test set
     * @param label {@code L}, the true class index
     * @param image the 28×28 image
     */
    public record TestImage(String name, int index, int label, BufferedImage image) {
    }

    /**
     * Loads the embedded model (cached: the model is immutable), with its labels and
     * {@code Preprocessing.unit(ChannelOrder.GREY)} (pixels / 255, as it was trained).
     *
     * @throws IllegalStateException if the resources are missing or cannot be imported
     */
    public static Model load() {
        Model m = cached;
        if (m == null) {
            synchronized (DefaultModel.class) {
                m = cached;
                if (m == null) {
                    m = read();
                    cached = m;
                }
            }
        }
        return m;
    }

    private static Model read() {
        URL zip = resource(MODEL_FILE);
        Path tmp = null;
        try {
            tmp = Files.createTempFile("cnnviz-default-", ".zip");
            try (InputStream in = zip.openStream()) {
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            }
            Model m = Models.load(tmp);
            return new Model(m.graph(), m.inputSpec(), labels(), DESCRIPTION)
                    .withPreprocessing(Preprocessing.unit(ChannelOrder.GREY));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the default model " + zip + ": " + e.getMessage(), e);
        } catch (ModelImportException e) {
            throw new IllegalStateException("cannot import the default model " + zip + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    tmp.toFile().deleteOnExit();
                }
            }
        }
    }

    /** @return the 10 class labels, in index order ("T-shirt/top" … "Ankle boot"). */
    public static List<String> labels() {
        try {
            return Labels.readResource(DefaultModel.class, RESOURCE_DIR + "labels.txt");
        } catch (IOException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** @return the default image (a correctly classified 28×28 test image), as RGB. */
    public static BufferedImage defaultImage() {
        return image("default.png");
    }

    /**
     * @return the true class of {@link #defaultImage()}, from {@code model.properties} ({@code defaultImage=NNN-L.png}),
     *         if recorded
     */
    public static Optional<Integer> defaultImageLabel() {
        String name = properties().getProperty("defaultImage", "").trim();
        Matcher m = TEST_IMAGE.matcher(name);
        return m.matches() ? Optional.of(Integer.parseInt(m.group(2))) : Optional.empty();
    }

    /** @return the contents of {@code model.properties} (accuracy, epochs, architecture, …). */
    public static Properties properties() {
        Properties p = new Properties();
        try (InputStream in = resource("model.properties").openStream()) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE_DIR + "model.properties", e);
        }
        return p;
    }

    /**
     * @return the bundled test images {@code images/NNN-L.png} in index order, with their true labels parsed from
     *         the file names
     */
    public static List<TestImage> testImages() {
        List<TestImage> out = new ArrayList<>();
        int classes = Math.max(10, labels().size());
        for (int i = 0; ; i++) {
            TestImage found = null;
            for (int label = 0; label < classes && found == null; label++) {
                String name = String.format(Locale.ROOT, "%03d-%d.png", i, label);
                if (DefaultModel.class.getResource(RESOURCE_DIR + "images/" + name) != null) {
                    found = new TestImage(name, i, label, image("images/" + name));
                }
            }
            if (found == null) {
                break;
            }
            out.add(found);
        }
        if (out.isEmpty()) {
            throw new IllegalStateException("no test images " + RESOURCE_DIR + "images/NNN-L.png on the class path");
        }
        return out;
    }

    private static BufferedImage image(String name) {
        URL url = resource(name);
        try (InputStream in = url.openStream()) {
            return ImageIo.read(in, url.toString());
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + url + ": " + e.getMessage(), e);
        }
    }

    private static URL resource(String name) {
        URL url = DefaultModel.class.getResource(RESOURCE_DIR + name);
        if (url == null) {
            throw new IllegalStateException("resource " + RESOURCE_DIR + name + " is not on the class path "
                    + "(the default model is written by dev.cnnviz.examples.train.TrainDefaultModel)");
        }
        return url;
    }

    /**
     * The bundled test images ({@link #testImages()}) as a cnnviz dataset: index order, ids are the file names, the
     * true labels; what the JShell notebook and the Spark jobs read when no dataset is given.
     *
     * @return the dataset
     */
    public static dev.cnnviz.core.data.Dataset testDataset() {
        List<TestImage> all = testImages();
        List<String> classes = labels();
        return new dev.cnnviz.core.data.Dataset() {
            @Override
            public String name() {
                return "cnnviz default model's test images";
            }

            @Override
            public int size() {
                return all.size();
            }

            @Override
            public List<String> classes() {
                return classes;
            }

            @Override
            public dev.cnnviz.core.data.Batch read(int from, int to) {
                if (from < 0 || from > to || to > all.size()) {
                    throw new IllegalArgumentException("range " + from + ".." + to + " is outside 0.." + all.size());
                }
                int n = to - from;
                int[] indices = new int[n];
                int[] labels = new int[n];
                List<String> ids = new ArrayList<>(n);
                List<BufferedImage> images = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    TestImage t = all.get(from + i);
                    indices[i] = from + i;
                    labels[i] = t.label();
                    ids.add(t.name());
                    images.add(t.image());
                }
                return dev.cnnviz.core.data.Batch.ofImages(indices, ids, labels, images);
            }
        };
    }
}
