package dev.cnnviz.examples.cli;

import dev.cnnviz.api.ModelImportException;
import dev.cnnviz.api.Preprocessing;
import dev.cnnviz.core.Model;
import dev.cnnviz.dl4j.Models;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The loss network of {@code texture} and {@code stylize --method gatys}: {@code --loss-model FILE} with
 * {@code --preprocess SPEC}. Without {@code --loss-model}, the shared SqueezeNet 1.1
 * ({@code models/squeezenet1.1/squeezenet1.1-imagenet.onnx} with {@code caffe-bgr:104,117,123}, as its README says) is
 * looked for in the folder named by the system property {@code cnnviz.shared}, the environment variable
 * {@code CNNVIZ_SHARED}, {@code ../shared} from the working directory, and {@code ../shared} beside this checkout;
 * the embedded Fashion-MNIST model is never used (it is grey and 28×28: no loss network for style). Not found: an
 * error that says to pass {@code --loss-model}.
 */
public final class LossModelOptions {
    /** The shared SqueezeNet's path inside the shared folder. */
    static final String SHARED_MODEL = "models/squeezenet1.1/squeezenet1.1-imagenet.onnx";

    @Spec(Spec.Target.MIXEE)
    CommandLine.Model.CommandSpec mixee;

    @Option(names = "--loss-model", paramLabel = "FILE",
            description = "The loss network (ONNX, Keras .h5 or DL4J zip; a colour ImageNet model). Default: the "
                    + "shared SqueezeNet 1.1 (" + SHARED_MODEL + " under -Dcnnviz.shared, $CNNVIZ_SHARED or "
                    + "../shared) with caffe-bgr preprocessing.")
    Path lossModel;

    @Option(names = "--preprocess", paramLabel = "SPEC", converter = PreprocessSpec.Converter.class,
            description = "How pixels become the loss model's input (caffe-bgr[:B,G,R], torch-imagenet, unit-rgb, "
                    + "raw-rgb, ...). Default: caffe-bgr:104,117,123 for the shared SqueezeNet, else what the file says.")
    Preprocessing preprocess;

    /**
     * Loads the loss model.
     *
     * @throws ModelImportException if the file cannot be read
     * @throws ParameterException   if no loss model is given and the shared one is not found, or the preprocessing
     *                              does not fit
     */
    public Model load() throws ModelImportException {
        CommandLine cmd = mixee.commandLine();
        Path file = lossModel;
        Preprocessing pre = preprocess;
        if (file == null) {
            List<Path> tried = new ArrayList<>();
            file = findShared(tried);
            if (file == null) {
                throw new ParameterException(cmd, "no --loss-model given and the shared SqueezeNet was not found (looked"
                        + " for " + tried + "); pass --loss-model FILE (e.g. squeezenet1.1-imagenet.onnx with"
                        + " --preprocess caffe-bgr)");
            }
            if (pre == null) {
                pre = Preprocessing.caffeBgr(104, 117, 123);
            }
        } else if (!Files.isRegularFile(file)) {
            throw new ParameterException(cmd, "--loss-model: " + file + " is not a readable file");
        }
        Model m = Models.load(file);
        if (pre != null) {
            try {
                m = m.withPreprocessing(pre);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(cmd, "--preprocess: " + e.getMessage());
            }
        }
        return m;
    }

    /** @return the shared SqueezeNet, or null (the paths tried are added to {@code tried}) */
    static Path findShared(List<Path> tried) {
        List<Path> roots = new ArrayList<>();
        String prop = System.getProperty("cnnviz.shared");
        if (prop != null && !prop.isBlank()) {
            roots.add(Path.of(prop));
        }
        String env = System.getenv("CNNVIZ_SHARED");
        if (env != null && !env.isBlank()) {
            roots.add(Path.of(env));
        }
        roots.add(Path.of("..", "shared"));
        try {
            Path code = Path.of(LossModelOptions.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            // .../<checkout>/cnnviz-examples/target/classes (or a jar in target/): the checkout is three levels up
            Path p = code;
            for (int i = 0; i < 3 && p != null; i++) {
                p = p.getParent();
            }
            if (p != null && p.getParent() != null) {
                roots.add(p.getParent().resolve("shared"));
            }
        } catch (URISyntaxException | SecurityException | NullPointerException e) {
            // no code location: the other places are still searched
        }
        for (Path r : roots) {
            Path f = r.resolve(SHARED_MODEL).toAbsolutePath().normalize();
            tried.add(f);
            if (Files.isRegularFile(f)) {
                return f;
            }
        }
        return null;
    }

    /**
     * @param relative a path inside the shared folder, e.g. {@code images/chelsea.png}
     * @return that file in the shared folder that holds the shared SqueezeNet, or null if either is missing
     */
    static Path sharedFile(String relative) {
        Path model = findShared(new ArrayList<>());
        if (model == null) {
            return null;
        }
        // <shared>/models/squeezenet1.1/<file>: the shared folder is three levels up
        Path f = model.getParent().getParent().getParent().resolve(relative);
        return Files.isRegularFile(f) ? f : null;
    }

    /** @return a short name of the loss model for messages */
    public String describe() {
        return lossModel == null ? "the shared SqueezeNet 1.1" : lossModel.toString();
    }
}
