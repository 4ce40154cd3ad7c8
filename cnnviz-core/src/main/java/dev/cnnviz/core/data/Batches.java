package dev.cnnviz.core.data;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Helpers behind {@link Dataset}'s default methods: gathering, limiting and concatenating. */
final class Batches {
    private Batches() {
    }

    /**
     * Puts batches of single examples together in the order asked.
     *
     * @param read    {@code read[k]} holds the example {@code sorted[k]}
     * @param sorted  distinct indices, increasing
     * @param wanted  the indices in the order wanted (each one of {@code sorted})
     */
    static Batch gather(Batch[] read, int[] sorted, int[] wanted) {
        int n = wanted.length;
        int[] idx = new int[n];
        List<String> ids = new ArrayList<>(n);
        int[] labels = new int[n];
        List<BufferedImage> images = new ArrayList<>(n);
        INDArray[] slices = new INDArray[n];
        boolean tensor = false;
        for (int i = 0; i < n; i++) {
            Batch b = read[Arrays.binarySearch(sorted, wanted[i])];
            idx[i] = b.index(0);
            ids.add(b.id(0));
            labels[i] = b.label(0);
            if (b.isTensor()) {
                tensor = true;
                slices[i] = b.toInputUnchecked();
            } else {
                images.add(b.rawImages().get(0));
            }
        }
        if (tensor) {
            return n == 0 ? Batch.ofImages(idx, ids, labels, List.of())
                    : Batch.ofTensor(idx, ids, labels, Nd4j.concat(0, slices));
        }
        return Batch.ofImages(idx, ids, labels, images);
    }

    /** The first {@code n} examples of a dataset. */
    static final class Limited implements Dataset {
        private final Dataset inner;
        private final int n;

        Limited(Dataset inner, int n) {
            this.inner = inner;
            this.n = n;
        }

        @Override
        public String name() {
            return inner.name() + " (first " + n + ")";
        }

        @Override
        public int size() {
            return n;
        }

        @Override
        public List<String> classes() {
            return inner.classes();
        }

        @Override
        public Batch read(int from, int to) throws IOException {
            checkRange(from, to, n, name());
            return inner.read(from, to);
        }
    }

    /** Datasets one after the other. */
    static final class Concat implements Dataset {
        private final List<Dataset> parts;
        private final int[] starts;
        private final int size;

        Concat(List<Dataset> parts) {
            if (parts.isEmpty()) {
                throw new IllegalArgumentException("concat needs at least one dataset, found none");
            }
            List<String> classes = parts.get(0).classes();
            starts = new int[parts.size() + 1];
            long total = 0;
            for (int i = 0; i < parts.size(); i++) {
                Dataset p = parts.get(i);
                if (!p.classes().equals(classes)) {
                    throw new IllegalArgumentException("cannot concatenate " + parts.get(0).name() + " (classes "
                            + classes + ") and " + p.name() + " (classes " + p.classes() + ")");
                }
                starts[i] = (int) total;
                total += p.size();
                if (total > Integer.MAX_VALUE) {
                    throw new IllegalArgumentException("the concatenation holds " + total
                            + " examples, more than " + Integer.MAX_VALUE);
                }
            }
            starts[parts.size()] = (int) total;
            this.parts = List.copyOf(parts);
            this.size = (int) total;
        }

        @Override
        public String name() {
            StringBuilder sb = new StringBuilder();
            for (Dataset p : parts) {
                sb.append(sb.length() == 0 ? "" : " + ").append(p.name());
            }
            return sb.toString();
        }

        @Override
        public int size() {
            return size;
        }

        @Override
        public List<String> classes() {
            return parts.get(0).classes();
        }

        @Override
        public Batch read(int from, int to) throws IOException {
            checkRange(from, to, size, name());
            List<Batch> pieces = new ArrayList<>();
            List<Integer> offsets = new ArrayList<>();
            List<String> names = new ArrayList<>();
            for (int i = 0; i < parts.size(); i++) {
                int lo = Math.max(from, starts[i]);
                int hi = Math.min(to, starts[i + 1]);
                if (lo < hi) {
                    pieces.add(parts.get(i).read(lo - starts[i], hi - starts[i]));
                    offsets.add(starts[i]);
                    names.add(parts.get(i).name());
                }
            }
            int n = to - from;
            int[] idx = new int[n];
            List<String> ids = new ArrayList<>(n);
            int[] labels = new int[n];
            List<BufferedImage> images = new ArrayList<>(n);
            List<INDArray> tensors = new ArrayList<>();
            int k = 0;
            for (int p = 0; p < pieces.size(); p++) {
                Batch b = pieces.get(p);
                for (int i = 0; i < b.size(); i++, k++) {
                    idx[k] = b.index(i) + offsets.get(p);
                    ids.add(names.get(p) + ":" + b.id(i));
                    labels[k] = b.label(i);
                }
                if (b.isTensor()) {
                    tensors.add(b.toInputUnchecked());
                } else {
                    images.addAll(b.rawImages());
                }
            }
            if (!tensors.isEmpty()) {
                if (!images.isEmpty()) {
                    throw new IllegalArgumentException("cannot concatenate image and tensor datasets: " + name());
                }
                return Batch.ofTensor(idx, ids, labels, Nd4j.concat(0, tensors.toArray(INDArray[]::new)));
            }
            return Batch.ofImages(idx, ids, labels, images);
        }
    }

    /** Checks a read range, naming the dataset. */
    static void checkRange(int from, int to, int size, String name) {
        if (from < 0 || to < from || to > size) {
            throw new IllegalArgumentException("example range [" + from + ", " + to + ") is outside [0, " + size
                    + ") of " + name);
        }
    }
}
