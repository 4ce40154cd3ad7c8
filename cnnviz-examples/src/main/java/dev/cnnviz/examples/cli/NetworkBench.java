package dev.cnnviz.examples.cli;

import dev.cnnviz.core.MemoryBudget;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.image.ImageIo;
import dev.cnnviz.core.image.ImageResize;
import dev.cnnviz.core.style.FeedForwardStyle;
import dev.cnnviz.examples.bench.Flops;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/**
 * {@code cnnviz bench --method network}: times a feed-forward style network ({@link FeedForwardStyle#run}, the
 * forward pass alone) on {@code --batch} images of {@code --size}×{@code --size}; prints the median, minimum and
 * maximum milliseconds per image, the forward FLOPs per image ({@link Flops}: the convolutions and transposed
 * convolutions) and the GFLOP/s of the median and of the fastest run.
 */
final class NetworkBench {
    /** The image side when {@code --size} is not given. */
    static final int DEFAULT_SIZE = 224;
    /** The largest {@code --size}. */
    static final int MAX_SIZE = 8192;

    private NetworkBench() {
    }

    /**
     * @param image an image to resize to the bench size, or null for seeded noise (the time does not depend on the
     *              pixels)
     * @return the exit code
     */
    static int run(CommandLine cmd, ModelOptions modelOptions, Path image, Integer size, int warmup, int runs, int batch)
            throws Exception {
        if (modelOptions.isDefault()) {
            throw new ParameterException(cmd, "--method network needs --model FILE.onnx (a style network such as candy.onnx)");
        }
        int s = size == null ? DEFAULT_SIZE : size;
        if (s < 1 || s > MAX_SIZE) {
            throw new ParameterException(cmd, "--size must be between 1 and " + MAX_SIZE + ", found " + s);
        }
        Model model = modelOptions.load();
        FeedForwardStyle style;
        try {
            style = FeedForwardStyle.load(model);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(cmd, "--model: " + e.getMessage());
        }
        if (s < style.minHeight() || s < style.minWidth()) {
            throw new ParameterException(cmd, "--size: this style network needs images of at least " + style.minWidth() + "x"
                    + style.minHeight() + ", found " + s);
        }
        long[] shape = {batch, 3, s, s};
        MemoryBudget budget = style.model().graph().memoryBudget();
        budget.check("a batch of " + batch + " " + s + "x" + s + " images", MemoryBudget.bytesOf(4, shape),
                "use a smaller --size or --batch");
        budget.check("a forward pass at " + s + "x" + s + ", batch " + batch,
                style.model().graph().passBytes(Map.of(style.model().graph().inputName(), shape), false),
                "use a smaller --size or --batch");
        long flops = Flops.count(style.model().graph(), shape) / batch;
        BufferedImage content = image == null ? noise(s) : ImageResize.resize(ImageIo.read(image), s, s);
        List<BufferedImage> same = new ArrayList<>();
        for (int i = 0; i < batch; i++) {
            same.add(content);
        }
        double[] ms = new double[runs];
        try (INDArray x = dev.cnnviz.core.image.ImageTensors.toBatch(same, new dev.cnnviz.api.InputSpec(3, s, s,
                dev.cnnviz.api.Layout.NCHW, model.inputSpec().preprocessing().withOrder(style.channelOrder())))) {
            for (int i = 0; i < warmup; i++) {
                style.run(x).close();
            }
            for (int i = 0; i < runs; i++) {
                long t0 = System.nanoTime();
                INDArray y = style.run(x);
                ms[i] = (System.nanoTime() - t0) / 1e6 / batch;
                y.close();
            }
        }
        Arrays.sort(ms);
        double median = runs % 2 == 1 ? ms[runs / 2] : (ms[runs / 2 - 1] + ms[runs / 2]) / 2;
        PrintWriter out = cmd.getOut();
        out.println(String.format(Locale.ROOT,
                "network %s on %s %s: median %.2f ms per image (min %.2f, max %.2f; %d runs after %d warm-up); "
                        + "%.3f GFLOP per image, %.1f GFLOP/s at the median (%.1f at the min)",
                modelOptions.describe(), image == null ? "noise" : image.toString(), Arrays.toString(shape), median, ms[0],
                ms[runs - 1], runs, warmup, flops / 1e9, flops / 1e6 / median, flops / 1e6 / ms[0]));
        out.flush();
        return 0;
    }

    /** A seeded noise image. */
    private static BufferedImage noise(int s) {
        BufferedImage b = new BufferedImage(s, s, BufferedImage.TYPE_INT_RGB);
        SplittableRandom r = new SplittableRandom(12);
        for (int y = 0; y < s; y++) {
            for (int x = 0; x < s; x++) {
                b.setRGB(x, y, r.nextInt(1 << 24));
            }
        }
        return b;
    }
}
