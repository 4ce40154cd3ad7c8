package dev.cnnviz.dl4j.keras;

import dev.cnnviz.dl4j.keras.H5Files.Weight;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.shade.jackson.core.JsonProcessingException;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * A small valid Keras 2 Sequential model (8x8x1 input, Conv2D 3x3 with 4 filters, BatchNormalization, MaxPooling2D,
 * Flatten, Dense with 3 units) as mutable maps, written as an HDF5 file that DL4J imports; tests change one
 * attribute or weight to make it invalid.
 */
final class CraftedKeras {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The layers, in order: each {class_name, config}. */
    final List<Map<String, Object>> layers = new ArrayList<>();
    /** Layer name -> weight name -> weight. */
    final Map<String, Map<String, Weight>> weights = new LinkedHashMap<>();

    private CraftedKeras() {
    }

    private static Map<String, Object> init(String cls) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("class_name", cls);
        m.put("config", cls.equals("VarianceScaling") ? Map.of("scale", 1.0, "mode", "fan_avg", "distribution", "uniform")
                : Map.of());
        return m;
    }

    static CraftedKeras base() {
        CraftedKeras k = new CraftedKeras();
        Map<String, Object> conv = new LinkedHashMap<>();
        conv.put("name", "conv2d_1");
        conv.put("batch_input_shape", new ArrayList<>(java.util.Arrays.asList(null, 8, 8, 1)));
        conv.put("dtype", "float32");
        conv.put("filters", 4);
        conv.put("kernel_size", List.of(3, 3));
        conv.put("strides", List.of(1, 1));
        conv.put("padding", "valid");
        conv.put("data_format", "channels_last");
        conv.put("dilation_rate", List.of(1, 1));
        conv.put("activation", "relu");
        conv.put("use_bias", true);
        conv.put("kernel_initializer", init("VarianceScaling"));
        conv.put("bias_initializer", init("Zeros"));
        k.add("Conv2D", conv);
        Map<String, Object> bn = new LinkedHashMap<>();
        bn.put("name", "batch_normalization_1");
        bn.put("axis", -1);
        bn.put("momentum", 0.99);
        bn.put("epsilon", 0.001);
        bn.put("center", true);
        bn.put("scale", true);
        bn.put("beta_initializer", init("Zeros"));
        bn.put("gamma_initializer", init("Ones"));
        bn.put("moving_mean_initializer", init("Zeros"));
        bn.put("moving_variance_initializer", init("Ones"));
        k.add("BatchNormalization", bn);
        Map<String, Object> pool = new LinkedHashMap<>();
        pool.put("name", "max_pooling2d_1");
        pool.put("pool_size", List.of(2, 2));
        pool.put("strides", List.of(2, 2));
        pool.put("padding", "valid");
        pool.put("data_format", "channels_last");
        k.add("MaxPooling2D", pool);
        k.add("Flatten", new LinkedHashMap<>(Map.of("name", "flatten_1")));
        Map<String, Object> dense = new LinkedHashMap<>();
        dense.put("name", "dense_1");
        dense.put("units", 3);
        dense.put("activation", "softmax");
        dense.put("use_bias", true);
        dense.put("kernel_initializer", init("VarianceScaling"));
        dense.put("bias_initializer", init("Zeros"));
        k.add("Dense", dense);
        k.weights.put("conv2d_1", new LinkedHashMap<>(Map.of("kernel", Weight.of(3, 3, 1, 4), "bias", Weight.of(4))));
        Map<String, Weight> bnw = new LinkedHashMap<>();
        bnw.put("gamma", Weight.filled(1.5f, 4));
        bnw.put("beta", Weight.of(4));
        bnw.put("moving_mean", Weight.of(4));
        bnw.put("moving_variance", Weight.filled(0.7f, 4));
        k.weights.put("batch_normalization_1", bnw);
        k.weights.put("dense_1", new LinkedHashMap<>(Map.of("kernel", Weight.of(36, 3), "bias", Weight.of(3))));
        return k;
    }

    private void add(String cls, Map<String, Object> config) {
        Map<String, Object> l = new LinkedHashMap<>();
        l.put("class_name", cls);
        l.put("config", config);
        layers.add(l);
    }

    /** The mutable config of the named layer. */
    @SuppressWarnings("unchecked")
    Map<String, Object> config(String layer) {
        for (Map<String, Object> l : layers) {
            Map<String, Object> c = (Map<String, Object>) l.get("config");
            if (layer.equals(c.get("name"))) {
                return c;
            }
        }
        throw new IllegalArgumentException("no layer " + layer);
    }

    /** Inserts a layer without weights after the named one. */
    CraftedKeras insertAfter(String layer, String cls, Map<String, Object> config) {
        for (int i = 0; i < layers.size(); i++) {
            if (config(layer) == layers.get(i).get("config")) {
                Map<String, Object> l = new LinkedHashMap<>();
                l.put("class_name", cls);
                l.put("config", new LinkedHashMap<>(config));
                layers.add(i + 1, l);
                return this;
            }
        }
        throw new IllegalArgumentException("no layer " + layer);
    }

    String json() {
        try {
            return JSON.writeValueAsString(Map.of("class_name", "Sequential", "config", layers));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    Path write(Path file) {
        return H5Files.model(file, json(), weights);
    }
}
