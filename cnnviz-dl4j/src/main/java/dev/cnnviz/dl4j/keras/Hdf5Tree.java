package dev.cnnviz.dl4j.keras;

import dev.cnnviz.api.ModelImportException;
import dev.cnnviz.core.MemoryBudget;
import io.jhdf.HdfFile;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Link;
import io.jhdf.api.Node;
import io.jhdf.object.datatype.FloatingPoint;
import java.lang.reflect.Array;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * The groups and datasets of a Keras HDF5 file that {@link Hdf5Walk} read whole, open for reading its weights in
 * Java with jHDF: cnnviz's Keras import never hands a file to the native HDF5 library (crafted files made it abort
 * the JVM). Paths are lists of group names from the root; names are listed in ascending order, as the native
 * library's name index lists them. Soft links (which the walk resolved inside the file) are followed.
 */
final class Hdf5Tree implements AutoCloseable {
    private final Path file;
    private final HdfFile hdf;
    private final Hdf5Walk.Contents contents;

    Hdf5Tree(Path file, HdfFile hdf, Hdf5Walk.Contents contents) {
        this.file = file;
        this.hdf = hdf;
        this.contents = contents;
    }

    /** @return the root group's Keras attributes */
    Hdf5Walk.Contents contents() {
        return contents;
    }

    /** @return the names of the groups in the group at {@code path} (empty if there is no such group) */
    List<String> groups(List<String> path) {
        return children(path, true);
    }

    /** @return the names of the datasets in the group at {@code path} (empty if there is no such group) */
    List<String> datasets(List<String> path) {
        return children(path, false);
    }

    /** @return the dataset's dimensions */
    long[] shape(List<String> path, String name) throws ModelImportException {
        int[] d = dataset(path, name).getDimensions();
        long[] out = new long[d.length];
        for (int i = 0; i < d.length; i++) {
            out[i] = d[i];
        }
        return out;
    }

    /** @return whether the dataset holds floating-point numbers */
    boolean floating(List<String> path, String name) throws ModelImportException {
        return dataset(path, name).getDataType() instanceof FloatingPoint;
    }

    /**
     * Reads a numeric dataset as float32 values in C order (float64 rounded, integers converted).
     *
     * @throws ModelImportException naming the dataset if it is not numeric or cannot be read
     * @throws dev.cnnviz.api.ResourceLimitException if its values do not fit the memory budget
     */
    float[] floats(List<String> path, String name) throws ModelImportException {
        Dataset d = dataset(path, name);
        String where = where(path, name);
        MemoryBudget.defaultBudget().check("weight array '" + where + "'", MemoryBudget.bytesOf(4, d.getSize()));
        if (d.getSize() > Integer.MAX_VALUE) {
            throw new ModelImportException(file, "weight array '" + where + "' holds " + d.getSize() + " values, more than an "
                    + "array holds");
        }
        if (d.isEmpty()) {
            return new float[(int) d.getSize()]; // no storage allocated: HDF5's default fill value, zeros
        }
        Object flat;
        try {
            flat = d.isScalar() ? d.getData() : d.getDataFlat();
        } catch (RuntimeException e) {
            throw new ModelImportException(file, "weight array '" + where + "' could not be read: " + Hdf5Walk.oneLine(e), e);
        }
        if (flat instanceof float[] f) {
            return f;
        }
        if (flat instanceof Number n) {
            return new float[] {n.floatValue()};
        }
        if (flat != null && flat.getClass().isArray() && flat.getClass().getComponentType().isPrimitive()
                && flat.getClass().getComponentType() != boolean.class && flat.getClass().getComponentType() != char.class) {
            int n = Array.getLength(flat);
            float[] out = new float[n];
            for (int i = 0; i < n; i++) {
                out[i] = ((Number) Array.get(flat, i)).floatValue();
            }
            return out;
        }
        throw new ModelImportException(file, "weight array '" + where + "' is not numeric (" + d.getJavaType().getSimpleName() + ")");
    }

    private Dataset dataset(List<String> path, String name) throws ModelImportException {
        Node n = child(group(path), name);
        if (n instanceof Dataset d) {
            return d;
        }
        throw new ModelImportException(file, "'" + where(path, name) + "' is not a dataset");
    }

    private List<String> children(List<String> path, boolean groups) {
        Group g = group(path);
        if (g == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (String name : g.getChildren().keySet()) {
            Node n = child(g, name);
            if (groups ? n instanceof Group : n instanceof Dataset) {
                out.add(name);
            }
        }
        Collections.sort(out);
        return out;
    }

    /** The group at {@code path}, or null. */
    private Group group(List<String> path) {
        Group g = hdf;
        for (String name : path) {
            if (!(child(g, name) instanceof Group next)) {
                return null;
            }
            g = next;
        }
        return g;
    }

    /** A child with soft links resolved inside the file (as the walk checked), or null. */
    private Node child(Group g, String name) {
        if (g == null) {
            return null;
        }
        Map<String, Node> children = g.getChildren();
        Node n = children.get(name);
        if (n instanceof Link l) {
            return Hdf5Walk.resolve(hdf, g, l.getTargetPath(), 0);
        }
        return n;
    }

    private static String where(List<String> path, String name) {
        return path.isEmpty() ? name : String.join("/", path) + "/" + name;
    }

    @Override
    public void close() {
        hdf.close();
    }
}
