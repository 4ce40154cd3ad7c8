package dev.cnnviz.examples.fuzz;

import dev.cnnviz.dl4j.onnx.proto.OnnxProto.GraphProto;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.ModelProto;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.StringStringEntryProto;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.TensorProto;
import dev.cnnviz.examples.fuzz.FuzzCase.Kind;
import dev.cnnviz.examples.fuzz.KerasFiles.Weight;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Generates fuzz cases: each family turns a seed into one mutated file in its own folder
 * {@code <root>/<family>-<seed>/}, deterministically, so that {@code family:seed} replays a case. A canary file
 * ({@link #canary()}) lies in {@code <root>}, outside every case's folder; ONNX external-data cases point at it.
 */
final class CaseFactory {
    /** The number of external-data variants; the suite runs each once. */
    static final int EXT_VARIANTS = 19;

    /** The families and how many cases of each a run makes (scaled by {@code cnnviz.fuzz.scale}). */
    static final Map<String, Integer> COUNTS = new LinkedHashMap<>();

    static {
        COUNTS.put("onnx-attr", 120);
        COUNTS.put("onnx-dims", 60);
        COUNTS.put("onnx-dtype", 20);
        COUNTS.put("onnx-raw", 20);
        COUNTS.put("onnx-nan", 12);
        COUNTS.put("onnx-graph", 60);
        COUNTS.put("onnx-ext", EXT_VARIANTS);
        COUNTS.put("onnx-bytes", 80);
        COUNTS.put("keras-config", 60);
        COUNTS.put("keras-weights", 30);
        COUNTS.put("keras-bytes", 30);
        COUNTS.put("dl4j-zip", 30);
        COUNTS.put("dl4j-bytes", 16);
        COUNTS.put("image", 100);
        COUNTS.put("npy", 60);
        COUNTS.put("cli", 50);
        COUNTS.put("shared", 80);
    }

    /** The bytes of the canary: recognisable text, as long as the tensor the external-data cases move out. */
    static final byte[] CANARY = canaryBytes(36 * 4);

    /** A second canary, of a size no tensor of the seeds has (its size must not appear in a message). */
    static final byte[] CANARY_BIG = canaryBytes(1237);

    private final Path root;
    private final List<Path> shared;

    CaseFactory(Path root) {
        this.root = root;
        this.shared = Seeds.sharedFixtures();
        write(canary(), CANARY);
        write(root.resolve("canary-big.bin"), CANARY_BIG);
    }

    /** @return the canary file, outside every case's folder. */
    Path canary() {
        return root.resolve("canary.bin");
    }

    /** @return whether the shared fixtures are available. */
    boolean hasShared() {
        return !shared.isEmpty();
    }

    private static byte[] canaryBytes(int size) {
        byte[] text = "CANARY-SECRET-".getBytes(StandardCharsets.US_ASCII);
        byte[] b = new byte[size];
        for (int k = 0; k < b.length; k++) {
            b[k] = text[k % text.length];
        }
        return b;
    }

    /** The seed of case {@code index} of a family under a master seed. */
    static long seedOf(long master, String family, int index) {
        if (family.equals("onnx-ext")) {
            return index;
        }
        long h = master * 0x9E3779B97F4A7C15L + family.hashCode() * 0xC2B2AE3D27D4EB4FL + index * 0x165667B19E3779F9L;
        h ^= h >>> 29;
        return (h & 0xFFFF_FFFFL) * 1000 + index % 1000;
    }

    /** Makes the case {@code family:seed}. */
    FuzzCase make(String family, long seed) {
        Path dir = root.resolve(family + "-" + seed);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        SplittableRandom r = new SplittableRandom(seed);
        return switch (family) {
            case "onnx-attr" -> onnx(family, seed, dir, OnnxMutator.attribute(onnxSeed(r), r));
            case "onnx-dims" -> onnx(family, seed, dir, OnnxMutator.dims(onnxSeed(r), r));
            case "onnx-dtype" -> onnx(family, seed, dir, OnnxMutator.dataType(onnxSeed(r), r));
            case "onnx-raw" -> onnx(family, seed, dir, OnnxMutator.rawData(onnxSeed(r), r));
            case "onnx-nan" -> onnx(family, seed, dir, OnnxMutator.nonFinite(onnxSeed(r), r));
            case "onnx-graph" -> onnx(family, seed, dir, OnnxMutator.graph(onnxSeed(r), r));
            case "onnx-ext" -> external(seed, dir);
            case "onnx-bytes" -> {
                boolean conv = r.nextBoolean();
                byte[] b = (conv ? OnnxSeeds.convNet() : OnnxSeeds.branchNet()).toByteArray();
                ByteMutator.Mutated m = ByteMutator.mutate(b, r, 1);
                yield model(family, seed, dir, "model.onnx", m.bytes(), (conv ? "convnet" : "branchnet") + ": " + m.description());
            }
            case "keras-config" -> kerasConfig(seed, dir, r);
            case "keras-weights" -> kerasWeights(seed, dir, r);
            case "keras-bytes" -> {
                boolean seq = r.nextBoolean();
                Path tmp = dir.resolve("seed.h5");
                KerasFiles.write(tmp, seq ? KerasFiles.sequentialConfig() : KerasFiles.functionalConfig(),
                        seq ? KerasFiles.sequentialWeights() : KerasFiles.functionalWeights());
                byte[] b = read(tmp);
                delete(tmp);
                ByteMutator.Mutated m = ByteMutator.mutate(b, r, 8);
                yield model(family, seed, dir, "model.h5", m.bytes(), (seq ? "sequential" : "functional") + ": " + m.description());
            }
            case "dl4j-zip" -> dl4jZip(seed, dir, r);
            case "dl4j-bytes" -> {
                ByteMutator.Mutated m = ByteMutator.mutate(Seeds.defaultModelZip(), r, 4);
                yield model(family, seed, dir, "model.zip", m.bytes(), "fashion-cnn.zip: " + m.description());
            }
            case "image" -> image(seed, dir, r);
            case "npy" -> npy(seed, dir, r);
            case "cli" -> cli(seed, dir, r);
            case "shared" -> sharedCase(seed, dir, r);
            default -> throw new IllegalArgumentException("unknown fuzz family '" + family + "'; known: " + COUNTS.keySet());
        };
    }

    /** An unmutated control case of each seed: these must succeed, else the suite's seeds (not the code) are wrong. */
    List<FuzzCase> controls() {
        List<FuzzCase> out = new ArrayList<>();
        Path dir = root.resolve("control");
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.add(control(dir, "convnet.onnx", OnnxSeeds.convNet().toByteArray(), Kind.MODEL));
        out.add(control(dir, "branchnet.onnx", OnnxSeeds.branchNet().toByteArray(), Kind.MODEL));
        KerasFiles.write(dir.resolve("sequential.h5"), KerasFiles.sequentialConfig(), KerasFiles.sequentialWeights());
        out.add(new FuzzCase("control", 0, Kind.MODEL, dir.resolve("sequential.h5"), List.of(), "unmutated", false));
        KerasFiles.write(dir.resolve("functional.h5"), KerasFiles.functionalConfig(), KerasFiles.functionalWeights());
        out.add(new FuzzCase("control", 0, Kind.MODEL, dir.resolve("functional.h5"), List.of(), "unmutated", false));
        out.add(control(dir, "fashion.zip", Seeds.defaultModelZip(), Kind.MODEL));
        for (Map.Entry<String, byte[]> e : Seeds.images().entrySet()) {
            out.add(control(dir, e.getKey(), e.getValue(), Kind.IMAGE));
        }
        out.add(control(dir, "input.npy", Seeds.inputNpy(), Kind.NPY));
        Path ext = dir.resolve("external");
        FuzzCase valid = external(0, ext);
        out.add(new FuzzCase("control", 0, Kind.MODEL, valid.file(), List.of(), valid.mutation(), false));
        return out;
    }

    private FuzzCase control(Path dir, String name, byte[] bytes, Kind kind) {
        write(dir.resolve(name), bytes);
        return new FuzzCase("control", 0, kind, dir.resolve(name), List.of(), "unmutated", false);
    }

    private static ModelProto onnxSeed(SplittableRandom r) {
        return r.nextBoolean() ? OnnxSeeds.convNet() : OnnxSeeds.branchNet();
    }

    private FuzzCase onnx(String family, long seed, Path dir, OnnxMutator.Edited e) {
        return model(family, seed, dir, "model.onnx", e.model().toByteArray(), e.model().getGraph().getName() + ": " + e.description());
    }

    private FuzzCase model(String family, long seed, Path dir, String name, byte[] bytes, String what) {
        Path f = dir.resolve(name);
        write(f, bytes);
        return new FuzzCase(family, seed, Kind.MODEL, f, List.of(), what, false);
    }

    /**
     * External data for initializer {@code w1} of the conv net, in variant {@code seed % EXT_VARIANTS}: inside the folder
     * (valid), or pointing outside it (absolute, {@code ../}, a symlink, {@code /proc}), or with bad offsets and
     * lengths. The canary is exactly as long as {@code w1}'s data, so a read of it succeeds silently.
     */
    FuzzCase external(long seed, Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int variant = (int) Math.floorMod(seed, (long) EXT_VARIANTS);
        ModelProto m = OnnxSeeds.convNet();
        GraphProto.Builder g = m.getGraph().toBuilder();
        TensorProto.Builder t = g.getInitializerBuilder(0);
        byte[] data = t.getRawData().toByteArray();
        write(dir.resolve("weights.bin"), data);
        Path canaryLink = dir.resolve("link.bin");
        String location;
        String offset = null;
        String length = null;
        boolean outside = false;
        boolean keepRaw = false;
        String what;
        switch (variant) {
            case 0 -> { location = "weights.bin"; what = "valid, inside the folder"; }
            case 1 -> { location = "sub/../weights.bin"; what = "inside the folder through sub/.."; }
            case 2 -> { location = canary().toAbsolutePath().toString(); outside = true; what = "absolute path to the canary"; }
            case 3 -> { location = "../canary.bin"; outside = true; what = "../canary.bin"; }
            case 4 -> {
                try {
                    Files.deleteIfExists(canaryLink);
                    Files.createSymbolicLink(canaryLink, Path.of("..", "canary.bin"));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                location = "link.bin";
                outside = true;
                what = "a symlink in the folder to ../canary.bin";
            }
            case 5 -> { location = dir.resolve("weights.bin").toAbsolutePath().toString(); outside = true;
                what = "absolute path (to the valid file inside the folder)"; }
            case 6 -> { location = "weights.bin"; offset = "4096"; what = "offset beyond the file"; }
            case 7 -> { location = "weights.bin"; length = "100000"; what = "length beyond the file"; }
            case 8 -> { location = "weights.bin"; offset = "-8"; what = "negative offset"; }
            case 9 -> { location = "weights.bin"; length = "-5"; what = "negative length"; }
            case 10 -> { location = "weights.bin"; offset = "12abc"; what = "offset not a number"; }
            case 11 -> { location = null; what = "no location"; }
            case 12 -> { location = "."; what = "location is the folder itself"; }
            case 13 -> { location = ""; what = "empty location"; }
            case 14 -> { location = "/proc/self/environ"; outside = true; what = "/proc/self/environ"; }
            case 15 -> { location = "weights.bin"; offset = "8"; length = String.valueOf(1L << 40); what = "length 2^40"; }
            case 16 -> { location = "weights.bin\u0000x"; what = "a NUL character in the location"; }
            case 17 -> { location = "weights.bin"; keepRaw = true; what = "external and raw_data both present"; }
            default -> { location = "../canary-big.bin"; outside = true; what = "../canary-big.bin (of another size)"; }
        }
        if (!keepRaw) {
            t.clearRawData();
        }
        t.setDataLocation(TensorProto.DataLocation.EXTERNAL);
        if (location != null) {
            t.addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue(location));
        }
        if (offset != null) {
            t.addExternalData(StringStringEntryProto.newBuilder().setKey("offset").setValue(offset));
        }
        if (length != null) {
            t.addExternalData(StringStringEntryProto.newBuilder().setKey("length").setValue(length));
        }
        Path f = dir.resolve("model.onnx");
        write(f, m.toBuilder().setGraph(g).build().toByteArray());
        return new FuzzCase("onnx-ext", seed, Kind.MODEL, f, List.of(), "external data of w1: " + what, outside);
    }

    private FuzzCase kerasConfig(long seed, Path dir, SplittableRandom r) {
        boolean seq = r.nextBoolean();
        JsonMutator.Edited e = JsonMutator.mutate(seq ? KerasFiles.sequentialConfig() : KerasFiles.functionalConfig(), r,
                List.of("kernel_size", "strides", "filters", "batch_input_shape", "units", "pool_size", "dilation_rate",
                        "padding", "data_format", "axis", "epsilon", "activation", "class_name", "inbound_nodes"));
        Path f = dir.resolve("model.h5");
        KerasFiles.write(f, e.json(), seq ? KerasFiles.sequentialWeights() : KerasFiles.functionalWeights());
        return new FuzzCase("keras-config", seed, Kind.MODEL, f, List.of(),
                (seq ? "sequential" : "functional") + " model_config " + e.description(), false);
    }

    private FuzzCase kerasWeights(long seed, Path dir, SplittableRandom r) {
        boolean seq = r.nextBoolean();
        Map<String, Map<String, Weight>> w = seq ? KerasFiles.sequentialWeights() : KerasFiles.functionalWeights();
        List<String> layers = new ArrayList<>();
        for (Map.Entry<String, Map<String, Weight>> e : w.entrySet()) {
            if (!e.getValue().isEmpty()) {
                layers.add(e.getKey());
            }
        }
        String layer = layers.get(r.nextInt(layers.size()));
        Map<String, Weight> ds = w.get(layer);
        List<String> names = new ArrayList<>(ds.keySet());
        String name = names.get(r.nextInt(names.size()));
        Weight old = ds.get(name);
        String d;
        switch (r.nextInt(8)) {
            case 0 -> {
                long[] s = old.shape().clone();
                s[r.nextInt(s.length)] += 1 + r.nextInt(3);
                ds.put(name, new Weight(s, old.values(), false));
                d = "shape " + Arrays.toString(s);
            }
            case 1 -> {
                long[] s = Arrays.copyOf(old.shape(), old.shape().length + 1);
                s[s.length - 1] = 1;
                ds.put(name, new Weight(s, old.values(), false));
                d = "an extra dimension " + Arrays.toString(s);
            }
            case 2 -> {
                long[] s = old.shape().clone();
                s[r.nextInt(s.length)] = 0;
                ds.put(name, new Weight(s, new float[0], false));
                d = "empty, shape " + Arrays.toString(s);
            }
            case 3 -> {
                float[] v = old.values().clone();
                float x = new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}[r.nextInt(3)];
                if (r.nextBoolean()) {
                    Arrays.fill(v, x);
                } else {
                    v[r.nextInt(v.length)] = x;
                }
                ds.put(name, new Weight(old.shape(), v, false));
                d = "values with " + x;
            }
            case 4 -> {
                ds.put(name, new Weight(old.shape(), old.values(), true));
                d = "stored as float64";
            }
            case 5 -> {
                ds.remove(name);
                d = "removed";
            }
            case 6 -> {
                ds.put("extra:0", Weight.random(r, 2, 2));
                d = "plus a dataset extra:0";
            }
            default -> {
                long[] s = old.shape().clone();
                if (s.length > 1) {
                    long tmp = s[0];
                    s[0] = s[s.length - 1];
                    s[s.length - 1] = tmp;
                }
                ds.put(name, new Weight(s, old.values(), false));
                d = "shape reversed ends " + Arrays.toString(s);
            }
        }
        Path f = dir.resolve("model.h5");
        KerasFiles.write(f, seq ? KerasFiles.sequentialConfig() : KerasFiles.functionalConfig(), w);
        return new FuzzCase("keras-weights", seed, Kind.MODEL, f, List.of(),
                (seq ? "sequential" : "functional") + " weight " + layer + "/" + name + ": " + d, false);
    }

    private FuzzCase dl4jZip(long seed, Path dir, SplittableRandom r) {
        Map<String, byte[]> entries = Seeds.unzip(Seeds.defaultModelZip());
        String d;
        if (r.nextBoolean()) {
            JsonMutator.Edited e = JsonMutator.mutate(new String(entries.get("configuration.json"), StandardCharsets.UTF_8), r,
                    List.of("kernelSize", "stride", "padding", "nin", "nout", "dilation", "convolutionMode", "@class",
                            "inputType", "height", "width", "channels", "dataType", "activationFn"));
            entries.put("configuration.json", e.json().getBytes(StandardCharsets.UTF_8));
            d = "configuration.json " + e.description();
        } else {
            ByteMutator.Mutated m = ByteMutator.mutate(entries.get("coefficients.bin"), r, 0);
            entries.put("coefficients.bin", m.bytes());
            d = "coefficients.bin: " + m.description();
        }
        return model("dl4j-zip", seed, dir, "model.zip", Seeds.zip(entries), "fashion-cnn.zip, " + d);
    }

    private FuzzCase image(long seed, Path dir, SplittableRandom r) {
        Map<String, byte[]> seeds = Seeds.images();
        List<String> names = new ArrayList<>(seeds.keySet());
        String name = names.get(r.nextInt(names.size()));
        byte[] b = seeds.get(name);
        String d;
        int choice = r.nextInt(10);
        if (choice == 0 && name.endsWith(".png")) {
            long[] sizes = {0, 1L << 16, 100_000, 0x7fff_ffffL, 0xffff_ffffL, 1L << 30};
            long w = sizes[r.nextInt(sizes.length)];
            long h = r.nextBoolean() ? w : sizes[r.nextInt(sizes.length)];
            boolean crc = r.nextInt(4) != 0;
            b = pngSize(b, w, h, crc);
            d = "PNG IHDR declares " + w + "x" + h + (crc ? " (CRC fixed)" : " (CRC stale)");
        } else if (choice == 1 && name.endsWith(".jpg")) {
            int[] sizes = {0, 1, 65_535, 30_000};
            int w = sizes[r.nextInt(sizes.length)];
            int h = sizes[r.nextInt(sizes.length)];
            b = jpegSize(b, w, h);
            d = "JPEG SOF declares " + w + "x" + h;
        } else if (choice == 2) {
            b = new byte[0];
            d = "zero-size file";
        } else if (choice == 3) {
            int len = r.nextInt(b.length);
            b = Arrays.copyOf(b, len);
            d = "truncated to " + len + " of " + seeds.get(name).length + " bytes";
        } else {
            ByteMutator.Mutated m = ByteMutator.mutate(b, r, 8);
            b = m.bytes();
            d = m.description();
        }
        Path f = dir.resolve(name);
        write(f, b);
        return new FuzzCase("image", seed, Kind.IMAGE, f, List.of(), name + ": " + d, false);
    }

    /** Rewrites a PNG's IHDR width and height (the first chunk, at offset 16), optionally fixing its CRC. */
    static byte[] pngSize(byte[] png, long w, long h, boolean fixCrc) {
        byte[] b = png.clone();
        ByteBuffer bb = ByteBuffer.wrap(b);
        bb.putInt(16, (int) w).putInt(20, (int) h);
        if (fixCrc) {
            java.util.zip.CRC32 crc = new java.util.zip.CRC32();
            crc.update(b, 12, 17);
            bb.putInt(29, (int) crc.getValue());
        }
        return b;
    }

    /** Rewrites a baseline JPEG's SOF0 height and width. */
    static byte[] jpegSize(byte[] jpg, int w, int h) {
        byte[] b = jpg.clone();
        for (int k = 2; k + 9 < b.length; k++) {
            if ((b[k] & 0xff) == 0xff && ((b[k + 1] & 0xff) == 0xc0 || (b[k + 1] & 0xff) == 0xc2)) {
                ByteBuffer.wrap(b).putShort(k + 5, (short) h).putShort(k + 7, (short) w);
                return b;
            }
        }
        throw new IllegalStateException("no SOF marker in the seed JPEG");
    }

    private FuzzCase npy(long seed, Path dir, SplittableRandom r) {
        byte[] data = Seeds.floats(784, 9);
        byte[] b;
        String d;
        switch (r.nextInt(9)) {
            case 0 -> {
                String[] shapes = {"(1, 1, 28, 29)", "(1, 1, 28, 27)", "(0,)", "(-1, 28)", "(99999999999,)",
                    "(1, 1, 28, 28, 1, 1)", "()", "(1, 1, 28, 28.5)", "(3037000500, 3037000500)", "(1,1,28,a)"};
                String s = shapes[r.nextInt(shapes.length)];
                b = Seeds.npy(Seeds.npyHeader("<f4", "False", s), data);
                d = "header shape " + s + " for 784 float32 values";
            }
            case 1 -> {
                String[] dt = {"<f8", ">f4", "|O", "<c8", "<U3", "<f3", "<i4", "|b1", "<u4", "<V4", "<M8", "", "<f4<f4"};
                String t = dt[r.nextInt(dt.length)];
                b = Seeds.npy(Seeds.npyHeader(t, "False", "(1, 1, 28, 28)"), data);
                d = "dtype '" + t + "'";
            }
            case 2 -> {
                int n = 1 + r.nextInt(100);
                b = ByteMutator.splice(Seeds.inputNpy(), Seeds.inputNpy().length, 0, new byte[n]);
                d = n + " trailing bytes";
            }
            case 3 -> {
                byte[] full = Seeds.inputNpy();
                int len = r.nextInt(full.length);
                b = Arrays.copyOf(full, len);
                d = "truncated to " + len + " of " + full.length + " bytes";
            }
            case 4 -> {
                b = Seeds.inputNpy();
                int v = new int[] {0, 2, 3, 4, 255}[r.nextInt(5)];
                b[6] = (byte) v;
                if (v >= 2 && r.nextBoolean()) {
                    b[7] = (byte) r.nextInt(256);
                }
                d = "format version byte " + v;
            }
            case 5 -> {
                b = Seeds.inputNpy();
                int len = new int[] {0, 0xffff, 1, 200}[r.nextInt(4)];
                ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putShort(8, (short) len);
                d = "header length field " + len;
            }
            case 6 -> {
                String fo = new String[] {"True", "maybe", "1"}[r.nextInt(3)];
                b = Seeds.npy(Seeds.npyHeader("<f4", fo, "(1, 1, 28, 28)"), data);
                d = "fortran_order " + fo;
            }
            case 7 -> {
                String[] headers = {"{}", "{'descr': '<f4'}", "not a dict", "{'descr': '<f4', 'fortran_order': False, "
                        + "'shape': (1, 1, 28, 28), 'shape': (784,)}", "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 28, 28), "
                        + "'extra': " + "[".repeat(3000) + "}"};
                String h = headers[r.nextInt(headers.length)];
                b = Seeds.npy(h, data);
                d = "header " + (h.length() > 60 ? h.substring(0, 60) + "..." : h);
            }
            default -> {
                ByteMutator.Mutated m = ByteMutator.mutate(Seeds.inputNpy(), r, 6);
                b = m.bytes();
                d = m.description();
            }
        }
        Path f = dir.resolve("input.npy");
        write(f, b);
        return new FuzzCase("npy", seed, Kind.NPY, f, List.of(), d, false);
    }

    private FuzzCase cli(long seed, Path dir, SplittableRandom r) {
        Path png = dir.resolve("valid.png");
        write(png, Seeds.images().get("rgb.png"));
        int choice = r.nextInt(5);
        FuzzCase inner;
        List<String> args;
        if (choice <= 1) {
            String fam = new String[] {"onnx-attr", "onnx-dims", "onnx-graph", "onnx-nan", "onnx-bytes"}[r.nextInt(5)];
            inner = make(fam, r.nextLong() & 0xFFFF_FFFFL);
            args = choice == 0
                    ? List.of("predict", "--model", inner.file().toString(), "--image", png.toString(), "--top", "3")
                    : List.of("explain", "--method", "grad-cam", "--model", inner.file().toString(), "--image", png.toString(),
                            "--out", dir.resolve("out.png").toString());
        } else if (choice == 2) {
            inner = make(r.nextBoolean() ? "keras-config" : "keras-weights", r.nextLong() & 0xFFFF_FFFFL);
            args = List.of("predict", "--model", inner.file().toString(), "--image", png.toString(), "--top", "2");
        } else if (choice == 3) {
            inner = make("image", r.nextLong() & 0xFFFF_FFFFL);
            args = List.of("predict", "--image", inner.file().toString());
        } else {
            inner = make("npy", r.nextLong() & 0xFFFF_FFFFL);
            args = List.of(r.nextBoolean() ? "predict" : "explain", "--input-npy", inner.file().toString());
            if (args.get(0).equals("explain")) {
                args = List.of("explain", "--method", "saliency", "--input-npy", inner.file().toString(),
                        "--out", dir.resolve("out.png").toString());
            }
        }
        return new FuzzCase("cli", seed, Kind.CLI, inner.file(), args,
                String.join(" ", args.subList(0, 1)) + " with " + inner.key() + " (" + inner.mutation() + ")", inner.mustFail());
    }

    private FuzzCase sharedCase(long seed, Path dir, SplittableRandom r) {
        if (shared.isEmpty()) {
            throw new IllegalStateException("the shared fixtures are not available (set -Dcnnviz.shared)");
        }
        Path src = shared.get(r.nextInt(shared.size()));
        String name = src.getFileName().toString();
        byte[] b = read(src);
        if (name.endsWith(".onnx") && r.nextBoolean()) {
            try {
                ModelProto m = ModelProto.parseFrom(b);
                OnnxMutator.Edited e = switch (r.nextInt(4)) {
                    case 0 -> OnnxMutator.dims(m, r);
                    case 1 -> OnnxMutator.graph(m, r);
                    default -> OnnxMutator.attribute(m, r);
                };
                return model("shared", seed, dir, name, e.model().toByteArray(), name + ": " + e.description());
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                throw new IllegalStateException("shared fixture " + src + " is not ONNX", e);
            }
        }
        ByteMutator.Mutated m = ByteMutator.mutate(b, r, name.endsWith(".onnx") ? 1 : 8);
        return model("shared", seed, dir, name, m.bytes(), name + ": " + m.description());
    }

    static void write(Path f, byte[] b) {
        try {
            Files.createDirectories(f.getParent());
            Files.write(f, b);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] read(Path f) {
        try {
            return Files.readAllBytes(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void delete(Path f) {
        try {
            Files.deleteIfExists(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

}
