package dev.cnnviz.examples.cli;

import dev.cnnviz.api.Preprocessing;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.data.Batch;
import dev.cnnviz.core.data.Dataset;
import dev.cnnviz.core.image.ImageIo;
import dev.cnnviz.core.style.FeedForwardTraining;
import dev.cnnviz.dl4j.Models;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/**
 * {@code cnnviz bench --method train-style}: times training steps of the feed-forward style network (paper width 32,
 * 5 residual blocks) with the perceptual loss on the loss model: each step reads a batch of random crops of one image
 * (kept decoded), runs the transformation and loss networks forward and backward and takes an Adam step.
 */
final class TrainStyleBench {
    private TrainStyleBench() {
    }

    /**
     * Runs {@code warmup + runs} steps and prints the median, minimum and maximum milliseconds per step.
     *
     * @param lossFile   the loss model, or null for the shared SqueezeNet (caffe-bgr)
     * @param preprocess the loss model's preprocessing, or null
     * @param style      the style image, or null for a generated one
     * @param content    the image the crops are taken from ({@code --image}), or null for the style image
     */
    static int run(CommandLine cmd, Path lossFile, Preprocessing preprocess, Path style, Path content, int size, int batch,
            int warmup, int runs) throws Exception {
        Path file = lossFile != null ? lossFile : TrainStyleCommand.SHARED_LOSS_MODEL;
        if (lossFile == null && !Files.isRegularFile(file)) {
            throw new ParameterException(cmd, "--loss-model is needed for train-style: the default " + file
                    + " is not there");
        }
        new OutputChecks(cmd).input("--loss-model", file).input("--style", style).input("--image", content);
        Model model = Models.load(file);
        Preprocessing pre = preprocess != null ? preprocess : lossFile == null ? PreprocessSpec.parse("caffe-bgr") : null;
        if (pre != null) {
            model = model.withPreprocessing(pre);
        }
        BufferedImage s = style != null ? ImageIo.read(style) : generated(size);
        BufferedImage c = content != null ? ImageIo.read(content) : s;
        int total = warmup + runs;
        long[] times = new long[total + 1];
        FeedForwardTraining t;
        try {
            t = FeedForwardTraining.of(model, s).withSize(size).withBatch(batch).withSteps(total).withSeed(1);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(cmd, e.getMessage());
        }
        times[0] = System.nanoTime();
        t.train(single(c), p -> {
            times[p.step()] = System.nanoTime();
            return true;
        });
        double[] ms = new double[runs];
        for (int i = 0; i < runs; i++) {
            int k = warmup + i + 1;
            ms[i] = (times[k] - times[k - 1]) / 1e6;
        }
        Arrays.sort(ms);
        double median = runs % 2 == 1 ? ms[runs / 2] : (ms[runs / 2 - 1] + ms[runs / 2]) / 2;
        PrintWriter out = cmd.getOut();
        out.println(String.format(Locale.ROOT,
                "train-style on %s, batch %d of %dx%d crops: median %.2f ms per training step (min %.2f, max %.2f; %d runs "
                        + "after %d warm-up)", file.getFileName(), batch, size, size, median, ms[0], ms[runs - 1], runs, warmup));
        out.flush();
        return 0;
    }

    /** A colour gradient, for a bench without --style. */
    private static BufferedImage generated(int size) {
        BufferedImage img = new BufferedImage(size * 2, size * 2, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                img.setRGB(x, y, (x * 255 / img.getWidth()) << 16 | (y * 255 / img.getHeight()) << 8 | ((x + y) % 256));
            }
        }
        return img;
    }

    /** A dataset of one in-memory image. */
    private static Dataset single(BufferedImage image) {
        return new Dataset() {
            @Override
            public String name() {
                return "one image";
            }

            @Override
            public int size() {
                return 1;
            }

            @Override
            public List<String> classes() {
                return List.of();
            }

            @Override
            public Batch read(int from, int to) throws IOException {
                if (from < 0 || to > 1 || from > to) {
                    throw new IllegalArgumentException("range " + from + ".." + to + " is outside 0..1");
                }
                List<BufferedImage> images = new ArrayList<>();
                int[] idx = new int[to - from];
                int[] labels = new int[to - from];
                List<String> ids = new ArrayList<>();
                for (int i = from; i < to; i++) {
                    images.add(image);
                    idx[i - from] = i;
                    labels[i - from] = Batch.NO_LABEL;
                    ids.add("image");
                }
                return Batch.ofImages(idx, ids, labels, images);
            }
        };
    }
}
