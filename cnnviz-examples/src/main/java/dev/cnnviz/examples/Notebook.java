package dev.cnnviz.examples;

import dev.cnnviz.api.AdversarialExample;
import dev.cnnviz.api.Explanation;
import dev.cnnviz.api.ModelImportException;
import dev.cnnviz.api.Preprocessing;
import dev.cnnviz.api.Synthesis;
import dev.cnnviz.core.Labels;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.adversarial.AttackFigures;
import dev.cnnviz.core.data.Dataset;
import dev.cnnviz.core.image.ImageIo;
import dev.cnnviz.core.inspect.ModelSummary;
import dev.cnnviz.dl4j.Models;
import dev.cnnviz.examples.cli.PreprocessSpec;
import java.awt.GraphicsEnvironment;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The helpers of a JShell session ({@code ./cnnviz jshell}; its startup script {@code src/main/jshell/startup.jsh}
 * imports them statically): load a model, read an image, show a result.
 *
 * <pre>{@code
 * var model = model();                                    // the embedded Fashion-MNIST CNN (or see model())
 * var e = GradCam.of(model).explain(image(), Target.topClass());
 * show("gradcam", e);                                     // writes cnnviz-out/gradcam.png and prints its path
 * out("attribution");                                     // later pictures go to ./attribution/
 * }</pre>
 *
 * <p>{@code show} always writes a PNG into the output folder ({@link #out()}: {@code cnnviz-out} in the current
 * directory unless {@code -Dcnnviz.out=DIR} or {@link #out(String)} says otherwise; relative folders resolve against
 * {@code -Dcnnviz.dir=DIR} when it is set) and prints its path; when the
 * JVM has a display it also opens the picture in a window ({@code -Dcnnviz.window=false} turns that off).
 * Errors follow the project's rules: a file that cannot be read is an {@link IOException} naming it, a model that
 * cannot be imported a {@link ModelImportException}, a wrong argument an {@link IllegalArgumentException}.
 */
public final class Notebook {
    /** System property: the output folder of {@link #show} (default {@code cnnviz-out}). */
    public static final String OUT_PROPERTY = "cnnviz.out";
    /**
     * System property: the folder relative output folders are resolved against (default: the current directory).
     */
    public static final String DIR_PROPERTY = "cnnviz.dir";
    /** System property: {@code false} keeps {@link #show} from opening windows on a display. */
    public static final String WINDOW_PROPERTY = "cnnviz.window";
    /** System property: the folder of the shared models and images (a {@code ../shared} checkout). */
    public static final String SHARED_PROPERTY = "cnnviz.shared";
    /** The shared SqueezeNet 1.1 model, relative to {@link #SHARED_PROPERTY}'s folder. */
    public static final String SHARED_MODEL = "models/squeezenet1.1/squeezenet1.1-imagenet.onnx";
    /** The shared SqueezeNet's labels, relative to {@link #SHARED_PROPERTY}'s folder. */
    public static final String SHARED_LABELS = "models/squeezenet1.1/imagenet-labels.txt";
    /** The shared cat photograph, relative to {@link #SHARED_PROPERTY}'s folder. */
    public static final String SHARED_IMAGE = "images/cat.jpg";

    private static volatile Path out;

    private Notebook() {
    }

    /**
     * The session's model: the shared SqueezeNet 1.1 (ImageNet, Caffe BGR preprocessing) when the system property
     * {@code cnnviz.shared} names a folder that holds it, else the embedded Fashion-MNIST CNN
     * ({@link DefaultModel#load()}).
     *
     * @return the model
     * @throws ModelImportException if the shared model exists but cannot be imported
     * @throws IOException          if the shared labels cannot be read
     */
    public static Model model() throws ModelImportException, IOException {
        Path shared = sharedDir();
        if (shared == null) {
            return DefaultModel.load();
        }
        return model(shared.resolve(SHARED_MODEL).toString(), shared.resolve(SHARED_LABELS).toString(),
                "caffe-bgr:104,117,123");
    }

    /**
     * Loads a model file (ONNX, Keras HDF5 or DL4J zip, see {@link Models#load(Path)}).
     *
     * @param file the model file
     * @return the model, with the preprocessing its file declares (none for ONNX)
     * @throws ModelImportException naming the file if it cannot be imported
     */
    public static Model model(String file) throws ModelImportException {
        return Models.load(Path.of(file));
    }

    /**
     * Loads a model file with labels and a preprocessing.
     *
     * @param file       the model file
     * @param labels     a label file, one class name a line
     * @param preprocess a preprocessing as the CLI's {@code --preprocess} takes it, e.g. {@code "caffe-bgr"} or
     *                   {@code "torch-imagenet"} (the forms: {@link PreprocessSpec#FORMS})
     * @return the model
     * @throws ModelImportException     naming the file if it cannot be imported
     * @throws IOException              naming the label file if it cannot be read
     * @throws IllegalArgumentException naming {@code preprocess} if it is not one of the forms
     */
    public static Model model(String file, String labels, String preprocess) throws ModelImportException, IOException {
        Preprocessing pre = PreprocessSpec.parse(preprocess);
        List<String> names = Labels.read(Path.of(labels));
        return Models.load(Path.of(file)).withLabels(names).withPreprocessing(pre);
    }

    /**
     * The session's image: the shared cat photograph when {@link #model()} is the shared SqueezeNet, else the
     * embedded model's default image (a Fashion-MNIST ankle boot).
     *
     * @return the image
     * @throws IOException if the shared image cannot be read
     */
    public static BufferedImage image() throws IOException {
        Path shared = sharedDir();
        return shared == null ? DefaultModel.defaultImage() : image(shared.resolve(SHARED_IMAGE).toString());
    }

    /**
     * An image of the shared folder's {@code images/} (e.g. the paintings {@code starry_night.jpg} and
     * {@code the_scream.jpg}) when the system property {@code cnnviz.shared} names the shared folder, as for
     * {@link #model()}; null without it, so that a script can fall back to the embedded model's images.
     *
     * @param name the file name in {@code images/}
     * @return the image, or null when the shared folder is not set
     * @throws IOException naming the file if the shared folder is set and the image cannot be read
     */
    public static BufferedImage sharedImage(String name) throws IOException {
        Path shared = sharedDir();
        return shared == null ? null : image(shared.resolve("images").resolve(name).toString());
    }

    /**
     * Reads an image file (PNG, JPEG, BMP, GIF), within the project's limits on size.
     *
     * @param file the image file
     * @return the image
     * @throws IOException naming the file if it cannot be read or is not an image
     */
    public static BufferedImage image(String file) throws IOException {
        return ImageIo.read(Path.of(file));
    }

    /**
     * The embedded model's 300 Fashion-MNIST test images as a dataset, with their labels and class names (ids
     * {@code NNN-L.png}: the index in the Fashion-MNIST test set and the label).
     *
     * @return the dataset
     */
    public static Dataset testImages() {
        return DefaultModel.testDataset();
    }

    /**
     * The names of a model's layers whose output is a 4-D feature map ({@code [1, C, H, W]}), in graph order: the
     * layers one can invert, dream on, or look at channel by channel.
     *
     * @param model the model
     * @return the layer names, first to last
     */
    public static List<String> spatialLayers(Model model) {
        List<String> names = new ArrayList<>();
        String input = model.graph().inputName();
        for (ModelSummary.Row r : ModelSummary.of(model).rows()) {
            if (r.outputShape().length == 4 && !r.name().equals(input)) {
                names.add(r.name());
            }
        }
        return names;
    }

    /** @return the folder {@code show} writes into (created when the first picture is written) */
    public static Path out() {
        Path o = out;
        return o != null ? o : base().resolve(System.getProperty(OUT_PROPERTY, "cnnviz-out")).toAbsolutePath().normalize();
    }

    /**
     * Sets the folder {@code show} writes into.
     *
     * @param dir the folder, absolute or relative to the current directory (to {@code -Dcnnviz.dir=DIR} if set)
     * @return the folder, absolute
     * @throws IllegalArgumentException if {@code dir} is blank
     */
    public static Path out(String dir) {
        if (dir == null || dir.isBlank()) {
            throw new IllegalArgumentException("the output folder must not be blank, found '" + dir + "'");
        }
        out = base().resolve(dir).toAbsolutePath().normalize();
        return out;
    }

    /**
     * Writes a picture as {@code NAME.png} in {@link #out()}, prints its path and size, and opens it in a window
     * when there is a display.
     *
     * @param name  the file name, without {@code .png} (a name ending in {@code .png} is taken as it is)
     * @param image the picture
     * @return the file written
     * @throws IllegalArgumentException if the name is blank or holds a path separator
     * @throws IOException              naming the file if it cannot be written
     */
    public static Path show(String name, BufferedImage image) throws IOException {
        if (image == null) {
            throw new IllegalArgumentException("nothing to show: the image for '" + name + "' is null");
        }
        Path file = file(name);
        Files.createDirectories(file.getParent());
        ImageIo.writePng(image, file);
        System.out.println(String.format(Locale.ROOT, "wrote %s (%dx%d)", file, image.getWidth(), image.getHeight()));
        if (!GraphicsEnvironment.isHeadless() && Boolean.parseBoolean(System.getProperty(WINDOW_PROPERTY, "true"))) {
            Windows.show(name, image);
        }
        return file;
    }

    /**
     * Shows an explanation's panel (image | heat map | overlay, with its caption).
     *
     * @param name        the file name, without {@code .png}
     * @param explanation the explanation
     * @return the file written
     * @throws IOException naming the file if it cannot be written
     */
    public static Path show(String name, Explanation explanation) throws IOException {
        return show(name, explanation.panel());
    }

    /**
     * Shows a synthesized image (the first of its batch).
     *
     * @param name      the file name, without {@code .png}
     * @param synthesis the synthesis
     * @return the file written
     * @throws IOException naming the file if it cannot be written
     */
    public static Path show(String name, Synthesis synthesis) throws IOException {
        return show(name, synthesis.image());
    }

    /**
     * Shows an adversarial example as the panel original | magnified perturbation | adversarial.
     *
     * @param name    the file name, without {@code .png}
     * @param example the adversarial example
     * @return the file written
     * @throws IOException naming the file if it cannot be written
     */
    public static Path show(String name, AdversarialExample example) throws IOException {
        return show(name, AttackFigures.panel(example, Math.max(112, example.original().size(1))));
    }

    private static Path file(String name) {
        if (name == null || name.isBlank() || name.contains("/") || name.contains("\\") || name.equals("..")) {
            throw new IllegalArgumentException("a picture's name must be a plain file name, found '" + name + "'");
        }
        String file = name.toLowerCase(Locale.ROOT).endsWith(".png") ? name : name + ".png";
        return out().toAbsolutePath().normalize().resolve(file);
    }

    private static Path base() {
        String dir = System.getProperty(DIR_PROPERTY, "");
        return Path.of(dir.isBlank() ? "" : dir);
    }

    private static Path sharedDir() {
        String dir = System.getProperty(SHARED_PROPERTY, "");
        if (dir.isBlank()) {
            return null;
        }
        Path d = Path.of(dir);
        return Files.isRegularFile(d.resolve(SHARED_MODEL)) ? d : null;
    }

    /** Swing windows, touched only when there is a display (so a headless JVM never loads the Swing classes). */
    private static final class Windows {
        static void show(String title, BufferedImage image) {
            javax.swing.SwingUtilities.invokeLater(() -> {
                javax.swing.JFrame f = new javax.swing.JFrame(title);
                f.setDefaultCloseOperation(javax.swing.WindowConstants.DISPOSE_ON_CLOSE);
                f.add(new javax.swing.JScrollPane(new javax.swing.JLabel(new javax.swing.ImageIcon(image))));
                f.pack();
                f.setLocationByPlatform(true);
                f.setVisible(true);
            });
        }
    }
}
