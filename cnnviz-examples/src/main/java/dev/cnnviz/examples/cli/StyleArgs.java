package dev.cnnviz.examples.cli;

import dev.cnnviz.core.optim.Adam;
import dev.cnnviz.core.optim.Lbfgs;
import dev.cnnviz.core.optim.Optimizer;
import dev.cnnviz.core.style.GatysStyle;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/** Parsing shared by {@code stylize --method gatys} and {@code texture}: layer lists with weights, the optimizer. */
final class StyleArgs {
    /** Adam's default learning rate for style optimization, in pixel units (0..255) per step. */
    static final double DEFAULT_ADAM_RATE = 4.0;

    private StyleArgs() {
    }

    /** Layers and their weights. */
    record Layers(List<String> names, double[] weights) {
    }

    /**
     * Parses {@code NAME[:WEIGHT],...}. A layer without a weight takes its default weight if it is one of the shared
     * SqueezeNet's default style layers, else 1.
     */
    static Layers layers(CommandLine cmd, String option, List<String> specs) {
        List<String> names = new ArrayList<>();
        List<Double> weights = new ArrayList<>();
        for (String s : specs) {
            String t = s.trim();
            if (t.isEmpty()) {
                throw new ParameterException(cmd, option + ": empty layer name in " + specs);
            }
            int colon = t.lastIndexOf(':');
            String name = colon < 0 ? t : t.substring(0, colon);
            double w;
            if (colon < 0) {
                int k = GatysStyle.SQUEEZENET_STYLE_LAYERS.indexOf(name);
                w = k >= 0 ? GatysStyle.DEFAULT_STYLE_WEIGHTS.get(k) : 1;
            } else {
                try {
                    w = Double.parseDouble(t.substring(colon + 1));
                } catch (NumberFormatException e) {
                    throw new ParameterException(cmd, option + ": '" + t + "' is not NAME or NAME:WEIGHT (the weight "
                            + "'" + t.substring(colon + 1) + "' is not a number)");
                }
            }
            names.add(name);
            weights.add(w);
        }
        return new Layers(names, weights.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /** @return L-BFGS or Adam with {@code rate} (pixel units per step; null: {@value #DEFAULT_ADAM_RATE}) */
    static Optimizer optimizer(CommandLine cmd, String name, Double rate) {
        switch (name.toLowerCase(Locale.ROOT)) {
            case "lbfgs", "l-bfgs":
                if (rate != null) {
                    throw new ParameterException(cmd, "--lr is Adam's learning rate; L-BFGS takes none (found --lr " + rate + ")");
                }
                return Lbfgs.create();
            case "adam":
                double r = rate == null ? DEFAULT_ADAM_RATE : rate;
                if (!(r > 0) || Double.isInfinite(r)) {
                    throw new ParameterException(cmd, "--lr must be a finite number > 0, found " + r);
                }
                return Adam.create().withLearningRate(r);
            default:
                throw new ParameterException(cmd, "--optimizer must be lbfgs or adam, found '" + name + "'");
        }
    }
}
