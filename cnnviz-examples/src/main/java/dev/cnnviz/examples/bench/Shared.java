package dev.cnnviz.examples.bench;

import dev.cnnviz.api.Preprocessing;
import dev.cnnviz.api.ModelImportException;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.image.ImageTensors;
import dev.cnnviz.dl4j.Models;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Where the benchmarks find SqueezeNet 1.1 and its cat input. */
final class Shared {
    /** The model's path relative to the shared folder. */
    static final String SQUEEZENET = "models/squeezenet1.1/squeezenet1.1-imagenet.onnx";
    /** The preprocessed cat image relative to the shared folder. */
    static final String CAT = "models/squeezenet1.1/cat-input.npy";

    private Shared() {
    }

    /**
     * @param param the benchmark's {@code model} parameter: a path, or empty for the default
     * @return {@code param}, else {@code $cnnviz.shared/models/squeezenet1.1/squeezenet1.1-imagenet.onnx}, else
     *         {@code ../shared/models/squeezenet1.1/squeezenet1.1-imagenet.onnx}
     */
    static Path squeezeNet(String param) {
        if (param != null && !param.isBlank()) {
            return Path.of(param);
        }
        return sharedDir().resolve(SQUEEZENET);
    }

    static Path sharedDir() {
        String dir = System.getProperty("cnnviz.shared", "");
        return Path.of(dir.isBlank() ? "../shared" : dir);
    }

    /** Loads SqueezeNet with Caffe preprocessing, with a clear message if it is missing. */
    static Model loadSqueezeNet(Path file) throws ModelImportException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException("SqueezeNet not found at " + file.toAbsolutePath()
                    + "; pass -Dcnnviz.shared=DIR (the folder holding models/squeezenet1.1) or -p model=FILE");
        }
        return Models.load(file).withPreprocessing(Preprocessing.caffeBgr(104, 117, 123));
    }

    /**
     * @return {@code n} copies of the cat input {@code [n, 3, 224, 224]} next to the model (or seeded random
     *         values of the same range if it is missing)
     */
    static INDArray catBatch(Path model, int n) throws IOException {
        Path cat = model.resolveSibling("cat-input.npy");
        INDArray one;
        if (Files.isRegularFile(cat)) {
            one = ImageTensors.readNpy(cat).castTo(DataType.FLOAT);
        } else {
            Nd4j.getRandom().setSeed(42);
            one = Nd4j.rand(DataType.FLOAT, 1, 3, 224, 224).muli(255).subi(117);
        }
        return n == 1 ? one : one.repeat(0, n);
    }
}
