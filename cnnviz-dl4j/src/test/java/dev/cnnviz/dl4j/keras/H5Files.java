package dev.cnnviz.dl4j.keras;

import static org.bytedeco.hdf5.global.hdf5.H5F_ACC_TRUNC;
import static org.bytedeco.hdf5.global.hdf5.H5S_SCALAR;

import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.hdf5.Attribute;
import org.bytedeco.hdf5.DataSpace;
import org.bytedeco.hdf5.Group;
import org.bytedeco.hdf5.H5File;
import org.bytedeco.hdf5.PredType;
import org.bytedeco.hdf5.StrType;
import org.bytedeco.javacpp.BytePointer;
import org.deeplearning4j.nn.modelimport.keras.Hdf5Archive;

/** Writes tiny HDF5 files with string attributes (a Keras model config without weights), for error-path tests. */
final class H5Files {
    private H5Files() {
    }

    static Path write(Path file, Map<String, String> attributes, boolean modelWeightsGroup) {
        synchronized (Hdf5Archive.LOCK_OBJECT) {
            H5File f = new H5File(file.toString(), H5F_ACC_TRUNC);
            try {
                for (Map.Entry<String, String> e : attributes.entrySet()) {
                    StrType t = new StrType(new PredType(PredType.C_S1()), e.getValue().length());
                    DataSpace sp = new DataSpace(H5S_SCALAR);
                    Attribute a = f.createAttribute(e.getKey(), t, sp);
                    a.write(t, new BytePointer(e.getValue()));
                    a.close();
                    sp.close();
                    t.close();
                }
                if (modelWeightsGroup) {
                    Group g = f.createGroup("model_weights");
                    g.close();
                }
            } finally {
                f.close();
            }
        }
        return file;
    }
}
