package dev.cnnviz.examples.cli;

import dev.cnnviz.api.Preprocessing;
import dev.cnnviz.api.ProgressListener;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.image.ImageIo;
import dev.cnnviz.core.optim.Adam;
import dev.cnnviz.core.style.GatysStyle;
import dev.cnnviz.core.style.TextureSynthesis;
import dev.cnnviz.dl4j.Models;
import java.awt.image.BufferedImage;
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
 * {@code bench --method gatys|texture}: the time of one evaluation of the style (or texture) loss at the default
 * SqueezeNet layers, i.e. a forward pass to the deepest loss layer, the losses, and a backward pass to the image.
 * Timed with Adam, whose every step is exactly one evaluation (an L-BFGS iteration takes one or more); one run of
 * {@code warmup + runs} steps, the last {@code runs} timed.
 */
final class StyleBench {
    static final List<String> METHODS = List.of("gatys", "texture");

    private StyleBench() {
    }

    /** @return whether {@code name} is one of {@link #METHODS} */
    static boolean handles(String name) {
        return name != null && METHODS.contains(name.strip().toLowerCase(Locale.ROOT));
    }

    static int run(CommandLine cmd, PrintWriter out, String method, Path lossModel, Preprocessing preprocess, Path content,
            Path style, String contentLayer, List<String> styleLayers, Integer size, int warmup, int runs)
            throws Exception {
        method = method.strip().toLowerCase(Locale.ROOT);
        Model model;
        if (lossModel == null) {
            Path shared = LossModelOptions.findShared(new ArrayList<>());
            if (shared == null) {
                throw new ParameterException(cmd, "bench --method " + method + ": no --loss-model and the shared SqueezeNet "
                        + "was not found; pass --loss-model FILE");
            }
            model = Models.load(shared).withPreprocessing(preprocess != null ? preprocess : Preprocessing.caffeBgr(104, 117, 123));
            lossModel = shared;
        } else {
            model = Models.load(lossModel);
            if (preprocess != null) {
                model = model.withPreprocessing(preprocess);
            }
        }
        BufferedImage st = ImageIo.read(style != null ? style : orRequire(cmd, "images/starry_night.jpg", "--style"));
        int n = size == null ? 256 : size;
        int total = warmup + runs;
        long[] times = new long[total + 1];
        ProgressListener timer = step -> {
            if (step.step() > 0 && step.step() <= total) {
                times[step.step()] = System.nanoTime();
            }
            return true;
        };
        Adam adam = Adam.create().withLearningRate(1);
        String layers;
        try {
            if (method.equals("gatys")) {
                BufferedImage ct = ImageIo.read(content != null ? content
                        : orRequire(cmd, "images/chelsea.png", "--content"));
                GatysStyle g = GatysStyle.of(model).withSteps(total).withOptimizer(adam).withSize(n);
                if (contentLayer != null) {
                    g = g.withContentLayer(contentLayer);
                }
                if (styleLayers != null) {
                    StyleArgs.Layers l = StyleArgs.layers(cmd, "--style-layers", styleLayers);
                    g = g.withStyleLayers(l.names(), l.weights());
                }
                // a square content image, so that "--size N" is an N x N problem as in the PyTorch twin
                ct = dev.cnnviz.core.image.ImageResize.resize(ct, n, n);
                layers = g.contentLayer() + " + " + g.styleLayers();
                times[0] = System.nanoTime();
                g.stylize(ct, st, timer);
            } else {
                TextureSynthesis t = TextureSynthesis.of(model).withSteps(total).withOptimizer(adam).withSize(n);
                if (styleLayers != null) {
                    StyleArgs.Layers l = StyleArgs.layers(cmd, "--style-layers", styleLayers);
                    t = t.withLayers(l.names(), l.weights());
                }
                layers = t.layers().toString();
                times[0] = System.nanoTime();
                t.synthesize(st, timer);
            }
        } catch (IllegalArgumentException e) {
            throw new ParameterException(cmd, e.getMessage());
        }
        double[] ms = new double[runs];
        for (int i = 0; i < runs; i++) {
            ms[i] = (times[warmup + i + 1] - times[warmup + i]) / 1e6;
        }
        Arrays.sort(ms);
        double median = runs % 2 == 1 ? ms[runs / 2] : (ms[runs / 2 - 1] + ms[runs / 2]) / 2;
        out.println(String.format(Locale.ROOT,
                "%s at %s on %dx%d: median %.2f ms per step (min %.2f, max %.2f; %d steps after %d warm-up; one step = "
                        + "forward to the deepest loss layer, losses, backward to the image)",
                method, layers, n, n, median, ms[0], ms[runs - 1], runs, warmup));
        out.flush();
        return 0;
    }

    /** The shared file {@code relative}, or a usage error asking for {@code option}. */
    private static Path orRequire(CommandLine cmd, String relative, String option) {
        Path p = LossModelOptions.sharedFile(relative);
        if (p == null) {
            throw new ParameterException(cmd, option + " FILE is needed: the shared " + relative + " was not found "
                    + "(set -Dcnnviz.shared or CNNVIZ_SHARED to the shared folder)");
        }
        return p;
    }
}
