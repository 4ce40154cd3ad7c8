package dev.cnnviz.examples.cli;

import dev.cnnviz.api.ProgressListener;
import dev.cnnviz.api.Stylization;
import dev.cnnviz.api.WeightedStyle;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.image.ImageIo;
import dev.cnnviz.core.style.GatysStyle;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/** {@code stylize --method gatys}: {@link GatysStyle} with the command's options. */
final class GatysMethod implements StylizeCommand.StylizeMethod {
    @Override
    public Stylization run(StylizeCommand c, ProgressListener listener) throws Exception {
        CommandLine cmd = c.spec.commandLine();
        if (c.style == null || c.style.isEmpty()) {
            throw new ParameterException(cmd, "--method gatys needs --style FILE[,FILE...]");
        }
        if (c.styleWeights != null && c.styleWeights.length != c.style.size()) {
            throw new ParameterException(cmd, "--style-weights needs one weight per --style image: " + c.style.size()
                    + " images, found " + c.styleWeights.length + " weights");
        }
        Model model = c.lossModel.load();
        GatysStyle g;
        try {
            g = GatysStyle.of(model);
            if (c.contentLayer != null) {
                g = g.withContentLayer(c.contentLayer);
            }
            if (c.styleLayers != null) {
                StyleArgs.Layers l = StyleArgs.layers(cmd, "--style-layers", c.styleLayers);
                g = g.withStyleLayers(l.names(), l.weights());
            }
            if (c.contentWeight != null) {
                g = g.withContentWeight(c.contentWeight);
            }
            if (c.styleWeight != null) {
                g = g.withStyleWeight(c.styleWeight);
            }
            if (c.tv != null) {
                g = g.withTv(c.tv);
            }
            if (c.steps != null) {
                g = g.withSteps(c.steps);
            }
            if (c.size != null) {
                g = g.withSize(c.size);
            }
            if (c.scales != null) {
                g = g.withScales(c.scales);
            }
            if (c.init != null) {
                g = g.withInit(init(cmd, c.init));
            }
            if (c.seed != null) {
                g = g.withSeed(c.seed);
            }
            g = g.withPreserveColor(c.preserveColor).withOptimizer(StyleArgs.optimizer(cmd, c.optimizer, c.lr));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(cmd, e.getMessage());
        }
        BufferedImage content = ImageIo.read(c.content);
        List<BufferedImage> styles = new ArrayList<>();
        for (Path p : c.style) {
            styles.add(ImageIo.read(p));
        }
        List<WeightedStyle> blend;
        try {
            blend = WeightedStyle.blend(styles, c.styleWeights == null ? new double[0] : c.styleWeights);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(cmd, "--style-weights: " + e.getMessage());
        }
        try {
            return g.stylize(content, blend, listener);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(cmd, e.getMessage());
        }
    }

    private static GatysStyle.Init init(CommandLine cmd, String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "content" -> GatysStyle.Init.CONTENT;
            case "noise" -> GatysStyle.Init.NOISE;
            default -> throw new ParameterException(cmd, "--init must be content or noise, found '" + s + "'");
        };
    }
}
