package dev.cnnviz.examples.cli;

import dev.cnnviz.core.Model;
import dev.cnnviz.core.image.ImageIo;
import dev.cnnviz.core.image.ImageResize;
import dev.cnnviz.examples.DefaultModel;
import dev.cnnviz.examples.tour.Tour;
import dev.cnnviz.examples.tour.TourContext;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code cnnviz tour}: every technique on one model, written as a static HTML gallery ({@link Tour}). */
@Command(name = "tour", mixinStandardHelpOptions = true, sortOptions = false,
        headerHeading = "",
        header = "Run every technique on a model and write the lecture as a static HTML gallery.",
        synopsisHeading = "%nUsage: ",
        descriptionHeading = "%n",
        description = {
            "Writes DIR/index.html and one page per lecture section (inspect, attribute, synthesize, stylize, "
                + "attack), each figure captioned with its technique, paper, settings and the seconds it took. The "
                + "pages have no scripts and no external resources: open DIR/index.html in a browser.",
            "",
            "Without --model: the embedded Fashion-MNIST CNN, its default image and its 300 bundled test images, "
                + "nothing outside the repository. With --model: give --image; the dataset (patches, t-SNE, "
                + "universal perturbation, robustness curves, metrics) is --images, else the folder of --image "
                + "(its first " + TourContext.MAX_DATASET + " images by file name, at least 2; photographs are kept at "
                + "256 pixels on the longer side).",
            "",
            "A progress bar per section goes to stderr."},
        optionListHeading = "%nOptions:%n",
        footerHeading = "%nExamples:%n",
        footer = {
            "  cnnviz tour",
            "  cnnviz tour --model squeezenet1.1.onnx --labels imagenet-labels.txt --preprocess caffe-bgr \\",
            "      --image images/cat.jpg --style images/starry_night.jpg --out cat-tour"})
public final class TourCommand implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--image", paramLabel = "FILE",
            description = "The image to explain, attack and dream on. Default: the embedded model's default image.")
    Path image;

    @Option(names = "--images", paramLabel = "DIR",
            description = "The dataset's folder of images (file-name order). Default: the bundled test images of the "
                    + "embedded model, else the folder of --image.")
    Path images;

    @Option(names = "--style", paramLabel = "FILE",
            description = "A painting for the style page: its texture is synthesized and, on a colour model taking "
                    + "images of at least 64 pixels, the image is painted in its style (Gatys et al.). Default: none "
                    + "(the page synthesizes a texture from the image, or on the embedded model from its bundled images).")
    Path style;

    @Option(names = {"-o", "--out"}, paramLabel = "DIR", defaultValue = "tour",
            description = "The folder to write (created). Default: ${DEFAULT-VALUE}.")
    Path out;

    @Option(names = "--quick", description = "Reduced steps everywhere (a first look; the tests run this).")
    boolean quick;

    /** The longest side a dataset image is kept at in memory; larger photographs are shrunk on reading. */
    static final int DATASET_SIDE = 256;

    /**
     * @return the first {@link TourContext#MAX_DATASET} image files of the folder in file-name order, so that a large
     *         folder is neither read nor held whole
     * @throws IOException naming the folder if it cannot be listed
     */
    static List<Path> datasetFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile).filter(p -> {
                String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
                return n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg") || n.endsWith(".bmp")
                        || n.endsWith(".gif");
            }).sorted(Comparator.comparing(p -> p.getFileName().toString())).limit(TourContext.MAX_DATASET).toList();
        }
    }

    /** @return the image, shrunk so that its longer side is at most {@link #DATASET_SIDE} pixels */
    static BufferedImage shrink(BufferedImage image) {
        int side = Math.max(image.getWidth(), image.getHeight());
        if (side <= DATASET_SIDE) {
            return image;
        }
        double f = DATASET_SIDE / (double) side;
        return ImageResize.resize(image, Math.max(1, (int) Math.round(image.getWidth() * f)),
                Math.max(1, (int) Math.round(image.getHeight() * f)));
    }

    @Override
    public Integer call() throws Exception {
        CommandLine cmd = spec.commandLine();
        if (Files.exists(out, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(out, LinkOption.NOFOLLOW_LINKS)) {
            throw new ParameterException(cmd, "--out " + out + " is not a folder: the tour writes index.html, its pages "
                    + "and img/ into a folder");
        }
        if (!modelOptions.isDefault() && image == null) {
            throw new ParameterException(cmd, "give the image: --image FILE (only the embedded default model has a "
                    + "default image)");
        }
        Path dataDir = images != null ? images : image != null ? image.toAbsolutePath().getParent() : null;
        if (images != null && !Files.isDirectory(images)) {
            throw new ParameterException(cmd, "--images " + images + " is not a folder");
        }
        Model model = modelOptions.load();
        BufferedImage photo = image != null ? ImageIo.read(image) : DefaultModel.defaultImage();
        BufferedImage painting = style != null ? shrink(ImageIo.read(style)) : null;
        String photoName = image != null ? image.getFileName().toString() : "the default image";
        List<BufferedImage> data = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        int[] labels = null;
        if (dataDir == null) {
            List<DefaultModel.TestImage> test = DefaultModel.testImages();
            int n = Math.min(test.size(), TourContext.MAX_DATASET);
            labels = new int[n];
            for (int i = 0; i < n; i++) {
                data.add(test.get(i).image());
                ids.add(test.get(i).name());
                labels[i] = test.get(i).label();
            }
        } else {
            for (Path f : datasetFiles(dataDir)) {
                data.add(shrink(ImageIo.read(f)));
                ids.add(f.getFileName().toString());
            }
            if (data.size() < 2) {
                throw new ParameterException(cmd, "the dataset " + dataDir + " has " + data.size() + " image; the tour "
                        + "needs at least 2 (give --images DIR)");
            }
        }
        PrintWriter err = cmd.getErr();
        TourContext ctx;
        try {
            ctx = new TourContext(model, photo, photoName, data, labels, ids, quick, err)
                    .withStyle(painting, style == null ? null : style.getFileName().toString());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(cmd, e.getMessage());
        }
        long t0 = System.nanoTime();
        Path index = Tour.run(ctx, out);
        PrintWriter w = cmd.getOut();
        w.println(String.format(Locale.ROOT, "tour of %s in %.1f s -> %s", modelOptions.describe(),
                (System.nanoTime() - t0) / 1e9, index));
        w.flush();
        return 0;
    }
}
