package dev.cnnviz.dl4j.keras;

import static org.bytedeco.hdf5.global.hdf5.H5F_ACC_TRUNC;
import static org.bytedeco.hdf5.global.hdf5.H5S_SCALAR;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.hdf5.Attribute;
import org.bytedeco.hdf5.DataSet;
import org.bytedeco.hdf5.DataSpace;
import org.bytedeco.hdf5.DataType;
import org.bytedeco.hdf5.Group;
import org.bytedeco.hdf5.H5File;
import org.bytedeco.hdf5.H5Object;
import org.bytedeco.hdf5.PredType;
import org.bytedeco.hdf5.StrType;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.javacpp.FloatPointer;
import org.deeplearning4j.nn.modelimport.keras.Hdf5Archive;

/**
 * Writes tiny HDF5 files: string attributes (a Keras model config without weights), or a whole Keras 2 model
 * file with weights laid out as Keras 2 writes them ({@code model_weights/<layer>/<layer>/kernel:0}, with the
 * layer group's {@code weight_names}), for error-path tests.
 */
final class H5Files {
    private H5Files() {
    }

    /** A weight: its shape and values (null: declared but never written, so the file holds no data for it). */
    record Weight(long[] shape, float[] values) {
        /** A weight of the given shape filled with {@code v}. */
        static Weight filled(float v, long... shape) {
            float[] a = new float[Math.toIntExact(Arrays.stream(shape).reduce(1, Math::multiplyExact))];
            Arrays.fill(a, v);
            return new Weight(shape, a);
        }

        /** Small deterministic values in [-0.48, 0.48]. */
        static Weight of(long... shape) {
            float[] a = new float[Math.toIntExact(Arrays.stream(shape).reduce(1, Math::multiplyExact))];
            for (int i = 0; i < a.length; i++) {
                a[i] = 0.01f * ((i * 7919) % 97) - 0.48f;
            }
            return new Weight(shape, a);
        }

        /** A copy with value {@code i} replaced. */
        Weight with(int i, float v) {
            float[] a = values.clone();
            a[i] = v;
            return new Weight(shape, a);
        }
    }

    static Path write(Path file, Map<String, String> attributes, boolean modelWeightsGroup) {
        synchronized (Hdf5Archive.LOCK_OBJECT) {
            // every HDF5 object is freed here, under the lock, in reverse order: left to JavaCPP's deallocator
            // thread, its destructor would run outside the lock while another thread uses the library
            try (PointerScope scope = new PointerScope()) {
                H5File f = new H5File(file.toString(), H5F_ACC_TRUNC);
                try {
                    writeAttributes(f, attributes);
                    if (modelWeightsGroup) {
                        Group g = f.createGroup("model_weights");
                        g.close();
                    }
                } finally {
                    f.close();
                }
            }
        }
        return file;
    }

    /** A Keras 2.2.4 (TensorFlow backend) model file with the given config and weights per layer. */
    static Path model(Path file, String modelConfig, Map<String, Map<String, Weight>> weights) {
        Map<String, String> attrs = new LinkedHashMap<>();
        attrs.put("model_config", modelConfig);
        attrs.put("keras_version", "2.2.4");
        attrs.put("backend", "tensorflow");
        synchronized (Hdf5Archive.LOCK_OBJECT) {
            // every HDF5 object is freed here, under the lock, in reverse order: left to JavaCPP's deallocator
            // thread, its destructor would run outside the lock while another thread uses the library
            try (PointerScope scope = new PointerScope()) {
                H5File f = new H5File(file.toString(), H5F_ACC_TRUNC);
                try {
                    writeAttributes(f, attrs);
                    Group root = f.createGroup("model_weights");
                    for (Map.Entry<String, Map<String, Weight>> l : weights.entrySet()) {
                        Group lg = root.createGroup(l.getKey());
                        StringBuilder names = new StringBuilder();
                        for (String w : l.getValue().keySet()) {
                            names.append(names.length() == 0 ? "" : " ").append(l.getKey()).append('/').append(w).append(":0");
                        }
                        writeAttributes(lg, Map.of("weight_names", names.toString()));
                        Group inner = lg.createGroup(l.getKey());
                        for (Map.Entry<String, Weight> w : l.getValue().entrySet()) {
                            long[] shape = w.getValue().shape();
                            DataSpace sp = new DataSpace(shape.length, shape);
                            DataType t = new DataType(PredType.NATIVE_FLOAT());
                            DataSet ds = inner.createDataSet(w.getKey() + ":0", t, sp);
                            if (w.getValue().values() != null) {
                                ds.write(new FloatPointer(w.getValue().values()), t);
                            }
                            ds.close();
                            t.close();
                            sp.close();
                        }
                        inner.close();
                        lg.close();
                    }
                    root.close();
                } finally {
                    f.close();
                }
            }
        }
        return file;
    }

    private static void writeAttributes(H5Object at, Map<String, String> attributes) {
        for (Map.Entry<String, String> e : attributes.entrySet()) {
            StrType t = new StrType(new PredType(PredType.C_S1()), e.getValue().length());
            DataSpace sp = new DataSpace(H5S_SCALAR);
            Attribute a = at.createAttribute(e.getKey(), t, sp);
            a.write(t, new BytePointer(e.getValue()));
            a.close();
            sp.close();
            t.close();
        }
    }
}
