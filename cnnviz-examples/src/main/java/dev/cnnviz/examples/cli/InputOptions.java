package dev.cnnviz.examples.cli;

import dev.cnnviz.api.InputSpec;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.image.ImageIo;
import dev.cnnviz.core.image.ImageTensors;
import dev.cnnviz.examples.DefaultModel;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * The input: {@code --image FILE}, {@code --images DIR} (the folder's images in file-name order) or
 * {@code --input-npy FILE} (mutually exclusive), or the default image.
 */
public class InputOptions {
    @Option(names = "--image", paramLabel = "FILE",
            description = "Image file (PNG, JPEG, BMP, GIF): resized to the model's input size and preprocessed.")
    Path image;

    @Option(names = "--input-npy", paramLabel = "FILE",
            description = {"Preprocessed input (.npy, float32 or float64):",
                "  [N,C,H,W] or [C,H,W] (NHWC for channels_last Keras)", "N > 1 inputs give N results."})
    Path npy;

    /**
     * The inputs of commands that also take a folder, {@code --images DIR} (all but {@code bench}, whose
     * {@code --images} names a dataset).
     */
    public static final class OrFolder extends InputOptions {
        @Option(names = "--images", paramLabel = "DIR",
                description = "A folder of images (.png, .jpg, .jpeg, .bmp, .gif), taken in file-name order: N images give N results.")
        Path images;
    }

    /**
     * A loaded input batch.
     *
     * @param batch       {@code [N, C, H, W]}, preprocessed, owned by the caller
     * @param description what it is, for messages
     */
    public record Input(INDArray batch, String description) {
        /** @return the number of examples. */
        public int size() {
            return (int) batch.size(0);
        }
    }

    /**
     * Loads the input for a model: the image or npy file given, else (for the embedded model only) its default image.
     *
     * @param options      the parsed group, or null if neither option was given
     * @param model        the model
     * @param defaultModel whether the model is the embedded default
     * @param cmd          the command, for usage errors
     * @throws IOException naming the file if it cannot be read or does not fit the model
     */
    public static Input load(InputOptions options, Model model, boolean defaultModel, CommandLine cmd) throws IOException {
        InputSpec spec = model.inputSpec();
        Path folder = options instanceof OrFolder f ? f.images : null;
        if (options == null || (options.image == null && folder == null && options.npy == null)) {
            if (!defaultModel) {
                throw new ParameterException(cmd, "give the input: --image FILE" + (options instanceof OrFolder ? ", --images DIR" : "")
                        + " or --input-npy FILE "
                        + "(only the embedded default model has a default image)");
            }
            return new Input(ImageTensors.toBatch(List.of(DefaultModel.defaultImage()), spec), "the default image");
        }
        if (options.image != null) {
            BufferedImage img = ImageIo.read(options.image);
            return new Input(ImageTensors.toBatch(List.of(img), spec), options.image.toString());
        }
        if (folder != null) {
            List<BufferedImage> imgs = AttackSupport.readFolder(folder).stream().map(AttackSupport.Named::image).toList();
            return new Input(ImageTensors.toBatch(imgs, spec), folder + " (" + imgs.size() + " images)");
        }
        INDArray x = ImageTensors.readNpy(options.npy);
        if (!x.dataType().isFPType()) {
            throw new IOException(options.npy + ": expected a floating-point array, found " + x.dataType());
        }
        if (x.rank() == 3) {
            x = x.reshape(1, x.size(0), x.size(1), x.size(2));
        }
        if (x.rank() == 4 && !(x.size(1) == spec.channels() && x.size(2) == spec.height() && x.size(3) == spec.width())) {
            x = ImageTensors.toNchw(x, spec.originalLayout());
        }
        try {
            ImageTensors.checkBatch(x, spec);
        } catch (IllegalArgumentException e) {
            throw new IOException(options.npy + ": " + e.getMessage(), e);
        }
        return new Input(x.castTo(Nd4j.defaultFloatingPointType()).dup('c'), options.npy.toString());
    }
}
