package dev.cnnviz.examples.cli;

import dev.cnnviz.core.data.Dataset;
import dev.cnnviz.core.data.IdxDataset;
import dev.cnnviz.core.data.ImageFolder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The options that choose a dataset: {@code --images DIR} (recursively, in path order, class sub-folders as labels)
 * or {@code --fashion-mnist [--split test|train|all] [--fashion-mnist-dir DIR]}, either cut with {@code --limit N}.
 * Without either, the embedded model's data (the Fashion-MNIST test split).
 */
public final class DatasetOptions {
    @Spec(Spec.Target.MIXEE)
    CommandLine.Model.CommandSpec mixee;

    @Option(names = "--images", paramLabel = "DIR",
            description = "A folder of images (PNG, JPEG, BMP, GIF), searched recursively in path order; images in "
                    + "a sub-folder are labelled by its name.")
    Path images;

    @Option(names = "--fashion-mnist", description = "The Fashion-MNIST IDX files (the embedded model's data).")
    boolean fashionMnist;

    @Option(names = "--split", paramLabel = "SPLIT", defaultValue = "test",
            description = "With --fashion-mnist: test (10,000 images), train (60,000) or all (70,000: train then test).")
    String split;

    @Option(names = "--fashion-mnist-dir", paramLabel = "DIR",
            description = "Where the Fashion-MNIST .gz files are. Default: /usr/share/datasets/fashion-mnist.")
    Path fashionMnistDir;

    @Option(names = "--limit", paramLabel = "N", description = "Use only the first N examples.")
    Integer limit;

    /** @return the option that names the dataset's input file or folder, for {@link OutputChecks}, or null */
    public Path inputPath() {
        return images;
    }

    /**
     * Opens the dataset.
     *
     * @param defaultModel whether the model is the embedded one (whose data is the default)
     * @return the dataset
     * @throws ParameterException for contradictory or out-of-range options, or no dataset with another model
     * @throws IOException        naming the folder or file if it cannot be read
     */
    public Dataset open(boolean defaultModel) throws IOException {
        CommandLine cmd = mixee.commandLine();
        if (images != null && fashionMnist) {
            throw new ParameterException(cmd, "give one dataset: --images DIR or --fashion-mnist, not both");
        }
        if (limit != null && limit < 1) {
            throw new ParameterException(cmd, "--limit must be at least 1, found " + limit);
        }
        String s = split.strip().toLowerCase(Locale.ROOT);
        if (!s.equals("test") && !s.equals("train") && !s.equals("all")) {
            throw new ParameterException(cmd, "--split must be test, train or all, found '" + split + "'");
        }
        boolean fashion = fashionMnist || (images == null && defaultModel);
        if (!fashion && images == null) {
            throw new ParameterException(cmd, "give the dataset: --images DIR or --fashion-mnist (only the embedded "
                    + "default model has a default dataset)");
        }
        if (!fashion && (fashionMnistDir != null || !s.equals("test"))) {
            throw new ParameterException(cmd, "--split and --fashion-mnist-dir apply only to --fashion-mnist");
        }
        Dataset d;
        if (fashion) {
            Path dir = fashionMnistDir != null ? fashionMnistDir : IdxDataset.FASHION_MNIST_DIR;
            d = switch (s) {
                case "train" -> IdxDataset.fashionMnist(dir, IdxDataset.Split.TRAIN);
                case "all" -> IdxDataset.fashionMnistAll(dir);
                default -> IdxDataset.fashionMnist(dir, IdxDataset.Split.TEST);
            };
        } else {
            d = ImageFolder.of(images);
        }
        return limit == null ? d : d.limit(limit);
    }
}
