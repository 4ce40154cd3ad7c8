package dev.cnnviz.examples.cli;

import dev.cnnviz.api.ProgressListener;
import dev.cnnviz.api.Stylization;
import dev.cnnviz.api.WeightedStyle;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.image.ImageIo;
import dev.cnnviz.core.style.AdaIn;
import dev.cnnviz.dl4j.Models;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/**
 * {@code stylize --method adain}: one forward pass of an AdaIN model that {@code train-adain} wrote ({@code --model
 * DIR|FILE}), with {@code --content}, {@code --style FILE[,FILE]}, {@code --style-weights}, {@code --alpha} and
 * {@code --size} (the longest side images are scaled down to, default 512). The encoder's network is the file the
 * model names ({@code encoder.model}) unless {@code --loss-model} gives another path to it; if that file is not
 * there, the shared SqueezeNet. The preprocessing is the one recorded at training.
 */
final class StylizeAdain implements StylizeCommand.StylizeMethod {
    @Override
    public Stylization run(StylizeCommand c, ProgressListener listener) throws Exception {
        CommandLine cmd = c.spec.commandLine();
        if (c.model == null) {
            throw new ParameterException(cmd, "--method adain needs --model DIR|FILE (a model that train-adain wrote)");
        }
        if (c.style == null || c.style.isEmpty()) {
            throw new ParameterException(cmd, "--method adain needs --style FILE[,FILE...]");
        }
        if (c.styleWeights != null && c.styleWeights.length != c.style.size()) {
            throw new ParameterException(cmd, "--style-weights needs one weight per --style image: " + c.style.size()
                    + " images, found " + c.styleWeights.length + " weights");
        }
        Properties props = AdaIn.readProperties(c.model);
        Model loss;
        String named = props.getProperty("encoder.model", "");
        if (c.lossModel.lossModel == null && !named.isBlank() && Files.isRegularFile(Path.of(named))) {
            loss = Models.load(Path.of(named));
        } else {
            // --loss-model, or the shared SqueezeNet; AdaIn.load checks that the decoder fits its layers
            loss = c.lossModel.load();
        }
        AdaIn adain;
        List<WeightedStyle> styles = new ArrayList<>();
        try {
            adain = AdaIn.load(c.model, loss).withAlpha(c.alpha == null ? 1 : c.alpha);
            if (c.size != null) {
                adain = adain.withMaxSize(c.size);
            }
            for (int i = 0; i < c.style.size(); i++) {
                BufferedImage img = ImageIo.read(c.style.get(i));
                styles.add(new WeightedStyle(img, c.styleWeights == null ? 1 : c.styleWeights[i]));
            }
        } catch (IllegalArgumentException e) {
            throw new ParameterException(cmd, e.getMessage());
        }
        BufferedImage content = ImageIo.read(c.content);
        try {
            return adain.stylize(content, styles, listener);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(cmd, e.getMessage());
        }
    }
}
