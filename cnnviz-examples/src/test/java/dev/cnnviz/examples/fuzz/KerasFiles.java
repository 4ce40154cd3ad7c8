package dev.cnnviz.examples.fuzz;

import static org.bytedeco.hdf5.global.hdf5.H5F_ACC_TRUNC;
import static org.bytedeco.hdf5.global.hdf5.H5S_SCALAR;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.bytedeco.hdf5.Attribute;
import org.bytedeco.hdf5.DataSet;
import org.bytedeco.hdf5.DataSpace;
import org.bytedeco.hdf5.Group;
import org.bytedeco.hdf5.H5File;
import org.bytedeco.hdf5.H5Object;
import org.bytedeco.hdf5.PredType;
import org.bytedeco.hdf5.StrType;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerScope;
import org.deeplearning4j.nn.modelimport.keras.Hdf5Archive;

/**
 * Writes small Keras 2 HDF5 model files the way {@code model.save("m.h5")} lays them out (the project's
 * cnnviz-dl4j tests write HDF5 the same way, through JavaCPP's HDF5 C++ binding): root attributes
 * {@code model_config}, {@code keras_version}, {@code backend}; a group {@code model_weights} holding one group
 * per layer (attribute {@code weight_names}) with its datasets {@code <layer>/<layer>/kernel:0}, ...
 */
final class KerasFiles {
    private KerasFiles() {
    }

    /** A weight array: shape and values, stored as float32 (or float64). */
    record Weight(long[] shape, float[] values, boolean asDouble) {
        static Weight random(SplittableRandom r, long... shape) {
            int n = 1;
            for (long d : shape) {
                n *= (int) d;
            }
            float[] v = new float[n];
            for (int k = 0; k < n; k++) {
                v[k] = (float) (r.nextDouble() - 0.5);
            }
            return new Weight(shape, v, false);
        }
    }

    /** A Sequential Keras 2.2.4 CNN on 8x8x1 images: Conv2D(2, 3x3, relu) → MaxPooling2D → Flatten → Dense(3, softmax). */
    static String sequentialConfig() {
        return "{\"class_name\": \"Sequential\", \"config\": {\"name\": \"sequential_1\", \"layers\": ["
                + "{\"class_name\": \"Conv2D\", \"config\": {\"name\": \"conv2d_1\", \"trainable\": true, "
                + "\"batch_input_shape\": [null, 8, 8, 1], \"dtype\": \"float32\", \"filters\": 2, \"kernel_size\": [3, 3], "
                + "\"strides\": [1, 1], \"padding\": \"valid\", \"data_format\": \"channels_last\", \"dilation_rate\": [1, 1], "
                + "\"activation\": \"relu\", \"use_bias\": true, " + INIT + "}}, "
                + "{\"class_name\": \"MaxPooling2D\", \"config\": {\"name\": \"max_pooling2d_1\", \"trainable\": true, "
                + "\"pool_size\": [2, 2], \"padding\": \"valid\", \"strides\": [2, 2], \"data_format\": \"channels_last\"}}, "
                + "{\"class_name\": \"Flatten\", \"config\": {\"name\": \"flatten_1\", \"trainable\": true, "
                + "\"data_format\": \"channels_last\"}}, "
                + "{\"class_name\": \"Dense\", \"config\": {\"name\": \"dense_1\", \"trainable\": true, \"units\": 3, "
                + "\"activation\": \"softmax\", \"use_bias\": true, " + INIT + "}}]}}";
    }

    /** The weights of {@link #sequentialConfig()}. */
    static Map<String, Map<String, Weight>> sequentialWeights() {
        SplittableRandom r = new SplittableRandom(21);
        Map<String, Map<String, Weight>> w = new LinkedHashMap<>();
        w.put("conv2d_1", ordered("kernel:0", Weight.random(r, 3, 3, 1, 2), "bias:0", Weight.random(r, 2)));
        w.put("max_pooling2d_1", new LinkedHashMap<>());
        w.put("flatten_1", new LinkedHashMap<>());
        w.put("dense_1", ordered("kernel:0", Weight.random(r, 18, 3), "bias:0", Weight.random(r, 3)));
        return w;
    }

    /**
     * A functional Keras 2.2.4 model on 8x8x3 images: InputLayer → Conv2D(4, 3x3, same, stride 2) →
     * BatchNormalization → GlobalAveragePooling2D → Dense(2).
     */
    static String functionalConfig() {
        return "{\"class_name\": \"Model\", \"config\": {\"name\": \"model_1\", \"layers\": ["
                + "{\"name\": \"input_1\", \"class_name\": \"InputLayer\", \"config\": {\"batch_input_shape\": [null, 8, 8, 3], "
                + "\"dtype\": \"float32\", \"sparse\": false, \"name\": \"input_1\"}, \"inbound_nodes\": []}, "
                + "{\"name\": \"conv\", \"class_name\": \"Conv2D\", \"config\": {\"name\": \"conv\", \"trainable\": true, "
                + "\"filters\": 4, \"kernel_size\": [3, 3], \"strides\": [2, 2], \"padding\": \"same\", "
                + "\"data_format\": \"channels_last\", \"dilation_rate\": [1, 1], \"activation\": \"linear\", \"use_bias\": true, "
                + INIT + "}, \"inbound_nodes\": [[[\"input_1\", 0, 0, {}]]]}, "
                + "{\"name\": \"bn\", \"class_name\": \"BatchNormalization\", \"config\": {\"name\": \"bn\", \"trainable\": true, "
                + "\"axis\": -1, \"momentum\": 0.99, \"epsilon\": 0.001, \"center\": true, \"scale\": true, "
                + "\"beta_initializer\": {\"class_name\": \"Zeros\", \"config\": {}}, "
                + "\"gamma_initializer\": {\"class_name\": \"Ones\", \"config\": {}}, "
                + "\"moving_mean_initializer\": {\"class_name\": \"Zeros\", \"config\": {}}, "
                + "\"moving_variance_initializer\": {\"class_name\": \"Ones\", \"config\": {}}, "
                + "\"beta_regularizer\": null, \"gamma_regularizer\": null, \"beta_constraint\": null, \"gamma_constraint\": null}, "
                + "\"inbound_nodes\": [[[\"conv\", 0, 0, {}]]]}, "
                + "{\"name\": \"gap\", \"class_name\": \"GlobalAveragePooling2D\", \"config\": {\"name\": \"gap\", "
                + "\"trainable\": true, \"data_format\": \"channels_last\"}, \"inbound_nodes\": [[[\"bn\", 0, 0, {}]]]}, "
                + "{\"name\": \"dense\", \"class_name\": \"Dense\", \"config\": {\"name\": \"dense\", \"trainable\": true, "
                + "\"units\": 2, \"activation\": \"linear\", \"use_bias\": true, " + INIT + "}, "
                + "\"inbound_nodes\": [[[\"gap\", 0, 0, {}]]]}], "
                + "\"input_layers\": [[\"input_1\", 0, 0]], \"output_layers\": [[\"dense\", 0, 0]]}}";
    }

    /** The weights of {@link #functionalConfig()}. */
    static Map<String, Map<String, Weight>> functionalWeights() {
        SplittableRandom r = new SplittableRandom(22);
        Map<String, Map<String, Weight>> w = new LinkedHashMap<>();
        w.put("input_1", new LinkedHashMap<>());
        w.put("conv", ordered("kernel:0", Weight.random(r, 3, 3, 3, 4), "bias:0", Weight.random(r, 4)));
        float[] var = new float[4];
        for (int k = 0; k < 4; k++) {
            var[k] = (float) (0.5 + r.nextDouble());
        }
        Map<String, Weight> bn = new LinkedHashMap<>();
        bn.put("gamma:0", Weight.random(r, 4));
        bn.put("beta:0", Weight.random(r, 4));
        bn.put("moving_mean:0", Weight.random(r, 4));
        bn.put("moving_variance:0", new Weight(new long[] {4}, var, false));
        w.put("bn", bn);
        w.put("gap", new LinkedHashMap<>());
        w.put("dense", ordered("kernel:0", Weight.random(r, 4, 2), "bias:0", Weight.random(r, 2)));
        return w;
    }

    private static final String INIT = "\"kernel_initializer\": {\"class_name\": \"VarianceScaling\", \"config\": "
            + "{\"scale\": 1.0, \"mode\": \"fan_avg\", \"distribution\": \"uniform\", \"seed\": null}}, "
            + "\"bias_initializer\": {\"class_name\": \"Zeros\", \"config\": {}}, \"kernel_regularizer\": null, "
            + "\"bias_regularizer\": null, \"activity_regularizer\": null, \"kernel_constraint\": null, \"bias_constraint\": null";

    private static Map<String, Weight> ordered(String k1, Weight w1, String k2, Weight w2) {
        Map<String, Weight> m = new LinkedHashMap<>();
        m.put(k1, w1);
        m.put(k2, w2);
        return m;
    }

    /** Writes a Keras HDF5 file with this config and these weights (layer → dataset name → weight). */
    static Path write(Path file, String modelConfig, Map<String, Map<String, Weight>> weights) {
        synchronized (Hdf5Archive.LOCK_OBJECT) {
            // every HDF5 object is freed here, under the lock, in reverse order: left to JavaCPP's deallocator
            // thread, its destructor would run outside the lock while another thread uses the library
            try (PointerScope scope = new PointerScope()) {
                H5File f = new H5File(file.toString(), H5F_ACC_TRUNC);
                try {
                    stringAttribute(f, "model_config", modelConfig);
                    stringAttribute(f, "keras_version", "2.2.4");
                    stringAttribute(f, "backend", "tensorflow");
                    Group mw = f.createGroup("model_weights");
                    stringArrayAttribute(mw, "layer_names", new ArrayList<>(weights.keySet()));
                    stringAttribute(mw, "keras_version", "2.2.4");
                    stringAttribute(mw, "backend", "tensorflow");
                    for (Map.Entry<String, Map<String, Weight>> layer : weights.entrySet()) {
                        Group lg = mw.createGroup(layer.getKey());
                        List<String> names = new ArrayList<>();
                        for (String w : layer.getValue().keySet()) {
                            names.add(layer.getKey() + "/" + w);
                        }
                        stringArrayAttribute(lg, "weight_names", names);
                        if (!layer.getValue().isEmpty()) {
                            Group inner = lg.createGroup(layer.getKey());
                            for (Map.Entry<String, Weight> w : layer.getValue().entrySet()) {
                                dataset(inner, w.getKey(), w.getValue());
                            }
                            inner.close();
                        }
                        lg.close();
                    }
                    mw.close();
                } finally {
                    f.close();
                }
            }
        }
        return file;
    }

    private static void dataset(Group g, String name, Weight w) {
        DataSpace sp = new DataSpace(w.shape().length, w.shape());
        PredType type = w.asDouble() ? PredType.NATIVE_DOUBLE() : PredType.NATIVE_FLOAT();
        DataSet ds = g.createDataSet(name, type, sp);
        long n = 1;
        for (long d : w.shape()) {
            n *= d;
        }
        if (n > 0) {
            if (w.asDouble()) {
                double[] v = new double[(int) n];
                for (int k = 0; k < n; k++) {
                    v[k] = w.values()[k % w.values().length];
                }
                ds.write(new DoublePointer(v), type);
            } else {
                float[] v = new float[(int) n];
                for (int k = 0; k < n; k++) {
                    v[k] = w.values().length == 0 ? 0f : w.values()[k % w.values().length];
                }
                ds.write(new FloatPointer(v), type);
            }
        }
        ds.close();
        sp.close();
    }

    private static void stringAttribute(H5Object loc, String name, String value) {
        byte[] b = value.getBytes(StandardCharsets.UTF_8);
        StrType t = new StrType(new PredType(PredType.C_S1()), Math.max(1, b.length));
        DataSpace sp = new DataSpace(H5S_SCALAR);
        Attribute a = loc.createAttribute(name, t, sp);
        a.write(t, new BytePointer(b.length == 0 ? new byte[1] : b));
        a.close();
        sp.close();
        t.close();
    }

    private static void stringArrayAttribute(H5Object loc, String name, List<String> values) {
        int len = 1;
        for (String v : values) {
            len = Math.max(len, v.getBytes(StandardCharsets.UTF_8).length);
        }
        byte[] buf = new byte[Math.max(1, values.size()) * len];
        for (int k = 0; k < values.size(); k++) {
            byte[] b = values.get(k).getBytes(StandardCharsets.UTF_8);
            System.arraycopy(b, 0, buf, k * len, b.length);
        }
        StrType t = new StrType(new PredType(PredType.C_S1()), len);
        DataSpace sp = new DataSpace(1, new long[] {values.size()});
        Attribute a = loc.createAttribute(name, t, sp);
        if (!values.isEmpty()) {
            a.write(t, new BytePointer(buf));
        }
        a.close();
        sp.close();
        t.close();
    }
}
