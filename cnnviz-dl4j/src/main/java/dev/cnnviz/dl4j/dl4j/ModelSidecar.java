package dev.cnnviz.dl4j.dl4j;

import dev.cnnviz.api.ChannelOrder;
import dev.cnnviz.api.ModelImportException;
import dev.cnnviz.api.Preprocessing;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;

/**
 * Optional facts about a model that its file cannot hold: input size, pixel preprocessing and class labels.
 *
 * <p>For a model file {@code dir/name.ext} they are read from {@code dir/name.properties} and
 * {@code dir/name.labels.txt} beside it; a DL4J zip may also carry them as the entries {@code cnnviz.properties}
 * and {@code labels.txt} (files beside the zip win). Properties (all optional):
 * <pre>
 * input = 1,28,28                 # channels,height,width (DL4J zips only: they do not record it)
 * preprocessing.order = GREY      # GREY, RGB or BGR
 * preprocessing.scale = 0.00392156862745098
 * preprocessing.mean = 0          # one value or one per channel
 * preprocessing.std = 1
 * </pre>
 * The labels file has one class name a line, in index order.
 *
 * @param input         {channels, height, width}, if given
 * @param order         the channel order, if given
 * @param scale         the pixel scale, if given
 * @param mean          the per-channel mean, if given
 * @param std           the per-channel std, if given
 * @param labels        the class labels (empty if none)
 */
public record ModelSidecar(Optional<int[]> input, Optional<ChannelOrder> order, Optional<Double> scale,
        Optional<double[]> mean, Optional<double[]> std, List<String> labels) {

    /** Copies the labels. */
    public ModelSidecar {
        labels = List.copyOf(labels);
    }

    /** No facts. */
    public static ModelSidecar empty() {
        return new ModelSidecar(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), List.of());
    }

    /** @return the base name of a model file: its name without the last extension. */
    static String baseName(Path model) {
        String n = model.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }

    /**
     * Reads the sidecar files beside {@code model}, falling back to the given embedded texts (null when absent).
     *
     * @throws ModelImportException if a sidecar exists but cannot be read or has malformed values
     */
    public static ModelSidecar read(Path model, String embeddedProperties, String embeddedLabels) throws ModelImportException {
        Path dir = model.toAbsolutePath().getParent();
        String base = baseName(model);
        String props = embeddedProperties;
        String labels = embeddedLabels;
        Path pFile = dir == null ? null : dir.resolve(base + ".properties");
        Path lFile = dir == null ? null : dir.resolve(base + ".labels.txt");
        try {
            if (pFile != null && Files.isRegularFile(pFile)) {
                props = Files.readString(pFile, StandardCharsets.UTF_8);
            }
            if (lFile != null && Files.isRegularFile(lFile)) {
                labels = Files.readString(lFile, StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new ModelImportException(model, "could not read its sidecar file: " + e.getMessage(), e);
        }
        return parse(model, props, labels);
    }

    static ModelSidecar parse(Path model, String propsText, String labelsText) throws ModelImportException {
        List<String> labels = new ArrayList<>();
        if (labelsText != null) {
            for (String line : labelsText.split("\\R")) {
                if (!line.isBlank()) {
                    labels.add(line.strip());
                }
            }
        }
        if (propsText == null) {
            return new ModelSidecar(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), labels);
        }
        Properties p = new Properties();
        try {
            p.load(new StringReader(propsText));
            Optional<int[]> input = Optional.ofNullable(p.getProperty("input")).map(s -> {
                double[] v = numbers(s);
                if (v.length != 3) {
                    throw new IllegalArgumentException("input must be channels,height,width, found '" + s + "'");
                }
                return new int[] {(int) v[0], (int) v[1], (int) v[2]};
            });
            Optional<ChannelOrder> order = Optional.ofNullable(p.getProperty("preprocessing.order"))
                    .map(s -> ChannelOrder.valueOf(s.strip().toUpperCase(Locale.ROOT)));
            Optional<Double> scale = Optional.ofNullable(p.getProperty("preprocessing.scale")).map(s -> Double.valueOf(s.strip()));
            Optional<double[]> mean = Optional.ofNullable(p.getProperty("preprocessing.mean")).map(ModelSidecar::numbers);
            Optional<double[]> std = Optional.ofNullable(p.getProperty("preprocessing.std")).map(ModelSidecar::numbers);
            return new ModelSidecar(input, order, scale, mean, std, labels);
        } catch (IOException | IllegalArgumentException e) {
            throw new ModelImportException(model, "its sidecar properties are malformed: " + e.getMessage(), e);
        }
    }

    private static double[] numbers(String s) {
        String[] parts = s.split(",");
        double[] v = new double[parts.length];
        for (int i = 0; i < parts.length; i++) {
            v[i] = Double.parseDouble(parts[i].strip());
        }
        return v;
    }

    /**
     * Applies the preprocessing facts to a default.
     *
     * @throws ModelImportException if they do not fit the model's channel count
     */
    public Preprocessing preprocessing(Path model, Preprocessing dflt) throws ModelImportException {
        if (order.isEmpty() && scale.isEmpty() && mean.isEmpty() && std.isEmpty()) {
            return dflt;
        }
        try {
            return new Preprocessing(order.orElse(dflt.order()), scale.orElse(dflt.scale()), mean.orElse(dflt.mean()),
                    std.orElse(dflt.std()));
        } catch (IllegalArgumentException e) {
            throw new ModelImportException(model, "its sidecar preprocessing is invalid: " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "ModelSidecar[input " + input.map(java.util.Arrays::toString).orElse("-") + ", " + labels.size() + " labels]";
    }
}
