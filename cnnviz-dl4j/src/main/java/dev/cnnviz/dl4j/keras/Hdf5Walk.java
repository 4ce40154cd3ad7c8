package dev.cnnviz.dl4j.keras;

import dev.cnnviz.api.ModelImportException;
import dev.cnnviz.api.ResourceLimitException;
import dev.cnnviz.core.MemoryBudget;
import io.jhdf.HdfFile;
import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Link;
import io.jhdf.api.Node;
import io.jhdf.api.dataset.ContiguousDataset;
import io.jhdf.filter.PipelineFilterWithData;
import io.jhdf.links.ExternalLink;
import java.io.IOException;
import java.lang.reflect.Array;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a whole HDF5 file with jHDF, a pure-Java HDF5 reader, before the native HDF5 library sees it: the native
 * library is not hardened against crafted files (bit-flipped files made it abort the JVM with heap corruption), so
 * only files that jHDF reads completely, within the limits below, are handed to it.
 *
 * <p>The walk visits every group (following hard links, each object once), every link, every attribute of every
 * object (reading its value) and every dataset (its dataspace, datatype, layout and filters, and its data). It
 * refuses:
 * <ul>
 *   <li>external links (to another file) and soft links that do not resolve inside the file, naming the link and not
 *       its target; the linked file is never opened (the file is read from memory, where jHDF cannot open others);</li>
 *   <li>attributes over {@value #MAX_ATTRIBUTE_BYTES} bytes (Keras' {@code model_config} is a few hundred kB);</li>
 *   <li>datasets whose declared size exceeds what the file can hold (its size, or {@value #MAX_COMPRESSION} times
 *       its size for compressed data) or the {@link MemoryBudget}; datasets with filters other than deflate,
 *       shuffle and fletcher32 (the ones the native library has); compressed datasets over
 *       {@value #MAX_READ_BYTES} bytes, which the walk would have to inflate whole;</li>
 *   <li>more than {@value #MAX_OBJECTS} objects or links, or groups nested deeper than {@value #MAX_DEPTH};</li>
 *   <li>anything jHDF cannot read: corrupt structures, unsupported features (external data files, shared message
 *       tables, unknown messages), checksum mismatches.</li>
 * </ul>
 * Datasets up to {@value #MAX_READ_BYTES} bytes are read whole; larger uncompressed ones have their extent checked
 * against the file. Every refusal is a one-line {@link ModelImportException} naming the file and the object.
 */
final class Hdf5Walk {
    /** The largest attribute value read (bytes, as declared; strings: characters). */
    static final long MAX_ATTRIBUTE_BYTES = 64L << 20;
    /** Datasets up to this size are read whole; larger ones are checked against the file without being read. */
    static final long MAX_READ_BYTES = 256L << 20;
    /** deflate cannot compress by more than about 1032:1. */
    static final long MAX_COMPRESSION = 1100;
    /** Objects and links in one file. */
    static final int MAX_OBJECTS = 1_000_000;
    /** Group nesting. */
    static final int MAX_DEPTH = 64;
    /** deflate, shuffle and fletcher32: the filters the native HDF5 library reads. */
    private static final Set<Integer> FILTERS = Set.of(1, 2, 3);

    /** What the root group of the file says about a Keras model: null where an attribute is absent. */
    record Contents(String modelConfig, String kerasVersion, String backend) {
    }

    private final Path file;
    private final long fileSize;
    private final MemoryBudget budget = MemoryBudget.defaultBudget();
    private final Set<Long> visited = new HashSet<>();
    private Group root;
    private int objects;
    /** What is being read, for messages. */
    private String where = "the superblock";
    private String modelConfig;
    private String kerasVersion;
    private String backend;

    private Hdf5Walk(Path file, long fileSize) {
        this.file = file;
        this.fileSize = fileSize;
    }

    /**
     * Walks the file.
     *
     * @param file     an HDF5 file whose superblock {@link Hdf5Check} accepted
     * @param fileSize its size in bytes
     * @param at       where its superblock starts (0, or after a user block: 512, 1024, ...)
     * @param base     the base address the superblock records
     * @return the root's Keras attributes, as jHDF read them
     * @throws ModelImportException naming the file and the object when the file is refused (see the class comment)
     */
    static Contents walk(Path file, long fileSize, long at, long base) throws ModelImportException {
        try (Hdf5Tree tree = open(file, fileSize, at, base)) {
            return tree.contents();
        }
    }

    /**
     * Walks the file and keeps it open for reading its weights in Java ({@link Hdf5Tree}).
     *
     * @see #walk
     */
    static Hdf5Tree open(Path file, long fileSize, long at, long base) throws ModelImportException {
        Hdf5Walk w = new Hdf5Walk(file, fileSize);
        HdfFile hdf = null;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            if (fileSize > Integer.MAX_VALUE) {
                // too big for one buffer: jHDF reads the file itself (it allocates what a structure declares, at most 2 GiB)
                hdf = new HdfFile(file);
            } else {
                // from memory: a structure that declares more than the file holds fails at once instead of allocating,
                // and jHDF cannot open other files (external links)
                // addresses count from the base address; a file behind a user block that records base 0 (a file
                // shifted by prepending bytes) is read by the native library from its superblock, and so here
                long from = at > 0 && base != at ? at : 0;
                ByteBuffer map = ch.map(FileChannel.MapMode.READ_ONLY, from, fileSize - from);
                hdf = HdfFile.fromByteBuffer(map);
            }
            w.root(hdf);
            return new Hdf5Tree(file, hdf, new Contents(w.modelConfig, w.kerasVersion, w.backend));
        } catch (ModelImportException e) {
            throw closing(hdf, e);
        } catch (ResourceLimitException e) {
            throw closing(hdf, new ModelImportException(file, e.getMessage(), e));
        } catch (IOException e) {
            throw closing(hdf, new ModelImportException(file, "could not be read: " + e.getMessage(), e));
        } catch (RuntimeException | StackOverflowError | OutOfMemoryError | LinkageError e) {
            throw closing(hdf, new ModelImportException(file, "is corrupt or uses an HDF5 feature cnnviz does not read ("
                    + w.where + "): " + oneLine(e), e));
        }
    }

    /** Closes a file that failed the walk; a failure to close is recorded on the walk's error, which is the news. */
    private static ModelImportException closing(HdfFile hdf, ModelImportException e) {
        if (hdf != null) {
            try {
                hdf.close();
            } catch (RuntimeException c) {
                e.addSuppressed(c);
            }
        }
        return e;
    }

    private void root(HdfFile hdf) throws ModelImportException {
        root = hdf;
        where = "the root group";
        group(hdf, "/", 0);
    }

    private void group(Group g, String path, int depth) throws ModelImportException {
        if (!visited.add(g.getAddress())) {
            return; // a second hard link to a group already walked (HDF5 allows cycles)
        }
        if (depth > MAX_DEPTH) {
            throw new ModelImportException(file, "group '" + path + "' is nested " + depth + " deep; cnnviz reads at most "
                    + MAX_DEPTH + " levels");
        }
        where = "group '" + path + "'";
        attributes(g, path);
        where = "group '" + path + "'";
        Map<String, Node> children = g.getChildren();
        for (Map.Entry<String, Node> e : children.entrySet()) {
            String child = (path.endsWith("/") ? path : path + "/") + e.getKey();
            if (++objects > MAX_OBJECTS) {
                throw new ModelImportException(file, "has more than " + MAX_OBJECTS + " HDF5 objects and links (at '"
                        + child + "')");
            }
            node(e.getValue(), child, depth);
            where = "group '" + path + "'";
        }
    }

    private void node(Node n, String path, int depth) throws ModelImportException {
        where = "'" + path + "'";
        if (n instanceof ExternalLink) {
            throw new ModelImportException(file, "'" + path + "' is an HDF5 external link to another file; cnnviz does "
                    + "not follow external links");
        }
        if (n instanceof Link link) {
            Node target = resolve(link.getParent(), link.getTargetPath(), 0);
            if (target == null) {
                throw new ModelImportException(file, "'" + path + "' is an HDF5 soft link that does not resolve to an "
                        + "object inside the file");
            }
            node(target, path, depth);
            return;
        }
        if (n instanceof Group g) {
            group(g, path, depth + 1);
        } else if (visited.add(n.getAddress())) {
            if (n instanceof Dataset d) {
                dataset(d, path);
            } else {
                attributes(n, path); // a committed datatype
            }
        }
    }

    /**
     * Resolves a soft link's target path by hand, group by group, so that no external link on the way is followed;
     * null when it does not lead to an object in this file (missing, through an external link, or more than 16
     * soft links deep, the native library's limit).
     */
    private Node resolve(Group from, String target, int hops) {
        return resolve(root, from, target, hops);
    }

    /** {@link #resolve(Group, String, int)} from a given root group. */
    static Node resolve(Group root, Group from, String target, int hops) {
        if (hops > 16 || target == null || from == null) {
            return null;
        }
        Node at = target.startsWith("/") ? root : from;
        for (String part : target.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (!(at instanceof Group g)) {
                return null;
            }
            Node next = g.getChildren().get(part);
            if (next == null || next instanceof ExternalLink) {
                return null;
            }
            if (next instanceof Link l) {
                next = resolve(root, g, l.getTargetPath(), hops + 1);
                if (next == null) {
                    return null;
                }
            }
            at = next;
        }
        return at;
    }

    private void attributes(Node n, String path) throws ModelImportException {
        for (Map.Entry<String, Attribute> e : n.getAttributes().entrySet()) {
            String name = e.getKey();
            where = "attribute '" + name + "' of '" + path + "'";
            Attribute a = e.getValue();
            long declared = a.getSizeInBytes();
            if (declared < 0 || declared > MAX_ATTRIBUTE_BYTES) {
                throw new ModelImportException(file, "attribute '" + name + "' of '" + path + "' declares " + declared
                        + " bytes; cnnviz reads attributes of at most " + MAX_ATTRIBUTE_BYTES + " bytes");
            }
            Object value = a.getData();
            long chars = characters(value);
            if (chars > MAX_ATTRIBUTE_BYTES) {
                throw new ModelImportException(file, "attribute '" + name + "' of '" + path + "' holds " + chars
                        + " characters; cnnviz reads attributes of at most " + MAX_ATTRIBUTE_BYTES);
            }
            if (path.equals("/")) {
                String s = value instanceof String str ? str
                        : value instanceof String[] arr && arr.length == 1 ? arr[0] : null;
                if (s == null && (name.equals("model_config") || name.equals("keras_version") || name.equals("backend"))) {
                    throw new ModelImportException(file, "attribute '" + name + "' of the root group is not a string but "
                            + (value == null ? "empty" : value.getClass().getSimpleName()));
                }
                switch (name) {
                    case "model_config" -> modelConfig = s;
                    case "keras_version" -> kerasVersion = s;
                    case "backend" -> backend = s;
                    default -> { }
                }
            }
        }
    }

    /** The characters of the strings in an attribute value (0 for numbers). */
    private static long characters(Object v) {
        if (v instanceof String s) {
            return s.length();
        }
        if (v == null || !v.getClass().isArray() || v.getClass().getComponentType().isPrimitive()) {
            return 0;
        }
        long n = 0;
        int len = Array.getLength(v);
        for (int i = 0; i < len && n <= MAX_ATTRIBUTE_BYTES; i++) {
            n += characters(Array.get(v, i));
        }
        return n;
    }

    private void dataset(Dataset d, String path) throws ModelImportException {
        attributes(d, path);
        where = "dataset '" + path + "'";
        int[] dims = d.getDimensions();
        long elementBytes = d.getDataType().getSize();
        long[] shape = Arrays.stream(dims).asLongStream().toArray();
        long bytes = elementBytes < 0 ? Long.MAX_VALUE : MemoryBudget.bytesOf((int) Math.min(elementBytes, Integer.MAX_VALUE), shape);
        List<PipelineFilterWithData> filters = d.getFilters();
        for (PipelineFilterWithData f : filters) {
            if (!FILTERS.contains(f.getId())) {
                throw new ModelImportException(file, "dataset '" + path + "' uses the HDF5 filter '" + f.getName() + "' (id "
                        + f.getId() + "); cnnviz reads deflate, shuffle and fletcher32 only");
            }
        }
        if (d.isEmpty()) {
            // no storage allocated: the native library reads fill values and nothing of the file; the weights' sizes
            // are checked against the file by KerasModelCheck, naming the layer
            return;
        }
        long holds = filters.isEmpty() ? fileSize : MemoryBudget.bytesOf(1, fileSize, MAX_COMPRESSION);
        if (bytes > holds) {
            throw new ModelImportException(file, "dataset '" + path + "' declares shape " + Arrays.toString(dims) + " of "
                    + elementBytes + "-byte values (" + (bytes == Long.MAX_VALUE ? "more than 2^63" : bytes) + " bytes), more "
                    + "than the file's " + fileSize + " bytes can hold" + (filters.isEmpty() ? "" : " compressed"));
        }
        budget.check("dataset '" + path + "'", bytes);
        if (bytes <= MAX_READ_BYTES) {
            d.getDataFlat();
        } else if (d instanceof ContiguousDataset c && filters.isEmpty()) {
            ByteBuffer b = c.getBuffer();
            if (b == null || b.remaining() < bytes) {
                throw new ModelImportException(file, "dataset '" + path + "' declares " + bytes + " bytes but its data in "
                        + "the file are " + (b == null ? "missing" : b.remaining() + " bytes"));
            }
        } else {
            throw new ModelImportException(file, "dataset '" + path + "' is chunked or compressed and holds " + bytes
                    + " bytes; cnnviz checks such datasets of at most " + MAX_READ_BYTES + " bytes");
        }
    }

    /** The exception's class and message on one line, with its causes. */
    static String oneLine(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null && sb.length() < 400; t = t.getCause() == t ? null : t.getCause()) {
            if (sb.length() > 0) {
                sb.append(" <- ");
            }
            sb.append(t.getClass().getSimpleName());
            if (t.getMessage() != null) {
                sb.append(": ").append(t.getMessage().replaceAll("\\s+", " ").strip());
            }
        }
        return sb.length() > 600 ? sb.substring(0, 600) + "..." : sb.toString();
    }
}
