package dev.cnnviz.examples.fuzz;

import com.google.protobuf.ByteString;
import dev.cnnviz.dl4j.onnx.OnnxModels;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.AttributeProto;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.GraphProto;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.ModelProto;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.NodeProto;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.OperatorSetIdProto;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.TensorProto;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.TensorShapeProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Edits of ONNX models through the schema (so that the file still parses and the importer's validation, not the
 * protobuf parser, is exercised): attribute values, tensor dimensions, data types, raw data sizes, non-finite
 * weights and the graph's wiring. Each method returns the edited model and a one-line description.
 */
final class OnnxMutator {
    private OnnxMutator() {
    }

    /** An edited model and what was edited. */
    record Edited(ModelProto model, String description) {
    }

    /** Integer values that break shape arithmetic: zero, negative, overflowing and merely wrong. */
    static long nasty(SplittableRandom r) {
        long[] v = {0, -1, -3, 1L << 31, (1L << 31) - 1, Long.MAX_VALUE, Long.MIN_VALUE, 1L << 20, 65_536, 1L << 40};
        return r.nextInt(3) == 0 ? 2 + r.nextInt(9) : v[r.nextInt(v.length)];
    }

    /** Changes one attribute of one node: a value, the length of a list, or its type. */
    static Edited attribute(ModelProto m, SplittableRandom r) {
        GraphProto.Builder g = m.getGraph().toBuilder();
        List<Integer> withAttrs = new ArrayList<>();
        for (int k = 0; k < g.getNodeCount(); k++) {
            if (g.getNode(k).getAttributeCount() > 0) {
                withAttrs.add(k);
            }
        }
        int ni = withAttrs.get(r.nextInt(withAttrs.size()));
        NodeProto.Builder n = g.getNodeBuilder(ni);
        int ai = r.nextInt(n.getAttributeCount());
        AttributeProto.Builder a = n.getAttributeBuilder(ai);
        String what = "node " + n.getName() + " (" + n.getOpType() + ") attribute " + a.getName();
        String d;
        switch (a.getType()) {
            case INTS -> {
                int choice = r.nextInt(5);
                if (choice == 0 || a.getIntsCount() == 0) {
                    a.addInts(nasty(r));
                    d = "append a value: " + a.getIntsList();
                } else if (choice == 1) {
                    List<Long> v = new ArrayList<>(a.getIntsList());
                    v.remove(r.nextInt(v.size()));
                    a.clearInts().addAllInts(v);
                    d = "drop a value: " + a.getIntsList();
                } else if (choice == 2) {
                    long v = nasty(r);
                    for (int j = 0; j < a.getIntsCount(); j++) {
                        a.setInts(j, v);
                    }
                    d = "all values " + v;
                } else {
                    int j = r.nextInt(a.getIntsCount());
                    a.setInts(j, nasty(r));
                    d = "value " + j + " edited: " + a.getIntsList();
                }
            }
            case INT -> {
                a.setI(nasty(r));
                d = "= " + a.getI();
            }
            case FLOAT -> {
                float[] v = {Float.NaN, Float.POSITIVE_INFINITY, -1f, 0f, 1e30f};
                a.setF(v[r.nextInt(v.length)]);
                d = "= " + a.getF();
            }
            default -> {
                a.setType(AttributeProto.AttributeType.STRING).setS(ByteString.copyFromUtf8("bogus"));
                d = "became the string 'bogus'";
            }
        }
        if (r.nextInt(8) == 0) {
            a.setType(AttributeProto.AttributeType.FLOAT).setF(2.5f);
            d += ", then its type FLOAT 2.5";
        }
        if (r.nextInt(8) == 0) {
            n.addAttribute(OnnxModels.i("axis", nasty(r)));
            d += ", plus an axis attribute";
        }
        if (r.nextInt(10) == 0) {
            String[] pads = {"SAME_UPPER", "SAME_LOWER", "VALID", "bogus"};
            n.addAttribute(AttributeProto.newBuilder().setName("auto_pad").setType(AttributeProto.AttributeType.STRING)
                    .setS(ByteString.copyFromUtf8(pads[r.nextInt(pads.length)])));
            d += ", plus auto_pad";
        }
        return new Edited(m.toBuilder().setGraph(g).build(), what + ": " + d);
    }

    /**
     * Changes the dimensions of an initializer (keeping its data, or with data regenerated to the new size) or of
     * the graph input.
     */
    static Edited dims(ModelProto m, SplittableRandom r) {
        GraphProto.Builder g = m.getGraph().toBuilder();
        if (r.nextInt(4) == 0) {
            TensorShapeProto.Builder s = g.getInputBuilder(0).getTypeBuilder().getTensorTypeBuilder().getShapeBuilder();
            String d;
            switch (r.nextInt(3)) {
                case 0 -> {
                    int j = r.nextInt(s.getDimCount());
                    s.getDimBuilder(j).setDimValue(nasty(r));
                    d = "dim " + j + " = " + s.getDim(j).getDimValue();
                }
                case 1 -> {
                    s.removeDim(r.nextInt(s.getDimCount()));
                    d = "one dim removed";
                }
                default -> {
                    s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(1 + r.nextInt(3)));
                    d = "one dim added";
                }
            }
            return new Edited(m.toBuilder().setGraph(g).build(), "graph input " + g.getInput(0).getName() + ": " + d);
        }
        int ti = r.nextInt(g.getInitializerCount());
        TensorProto.Builder t = g.getInitializerBuilder(ti);
        List<Long> dims = new ArrayList<>(t.getDimsList());
        String d;
        switch (r.nextInt(4)) {
            case 0 -> {
                int j = r.nextInt(dims.size());
                dims.set(j, nasty(r));
                d = "dim " + j + " edited";
            }
            case 1 -> {
                dims.remove(r.nextInt(dims.size()));
                d = "one dim removed";
            }
            case 2 -> {
                dims.add(r.nextInt(dims.size() + 1), (long) r.nextInt(3));
                d = "one dim inserted";
            }
            default -> {
                int j = r.nextInt(dims.size());
                dims.set(j, dims.get(j) + 1 + r.nextInt(3));
                d = "dim " + j + " grown";
            }
        }
        t.clearDims().addAllDims(dims);
        boolean regenerate = r.nextBoolean() && t.getDataType() == TensorProto.DataType.FLOAT_VALUE;
        long count = 1;
        for (long x : dims) {
            count = x < 0 || count > 1_000_000 ? -1 : count * x;
            if (count < 0) {
                break;
            }
        }
        if (regenerate && count >= 0 && count <= 1_000_000) {
            ByteBuffer b = ByteBuffer.allocate((int) count * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (long k = 0; k < count; k++) {
                b.putFloat((float) (r.nextDouble() - 0.5));
            }
            b.flip();
            t.setRawData(ByteString.copyFrom(b));
            d += ", data regenerated to fit";
        }
        return new Edited(m.toBuilder().setGraph(g).build(), "initializer " + t.getName() + " dims " + dims + ": " + d);
    }

    /** Changes the data type of an initializer or of the graph input. */
    static Edited dataType(ModelProto m, SplittableRandom r) {
        int[] types = {0, 2, 3, 6, 7, 8, 9, 10, 11, 14, 16, 17, 100, -1};
        int type = types[r.nextInt(types.length)];
        GraphProto.Builder g = m.getGraph().toBuilder();
        if (r.nextInt(4) == 0) {
            g.getInputBuilder(0).getTypeBuilder().getTensorTypeBuilder().setElemType(type);
            return new Edited(m.toBuilder().setGraph(g).build(), "graph input elem_type = " + type);
        }
        TensorProto.Builder t = g.getInitializerBuilder(r.nextInt(g.getInitializerCount()));
        t.setDataType(type);
        return new Edited(m.toBuilder().setGraph(g).build(), "initializer " + t.getName() + " data_type = " + type);
    }

    /** Makes the stored data disagree with the declared size: raw_data cut, extended, cleared or doubled in typed fields. */
    static Edited rawData(ModelProto m, SplittableRandom r) {
        GraphProto.Builder g = m.getGraph().toBuilder();
        TensorProto.Builder t = g.getInitializerBuilder(r.nextInt(g.getInitializerCount()));
        String d;
        if (!t.hasRawData()) {
            t.addInt64Data(nasty(r));
            d = "int64_data gets an extra value";
        } else {
            ByteString raw = t.getRawData();
            switch (r.nextInt(4)) {
                case 0 -> {
                    int len = r.nextInt(Math.max(1, raw.size()));
                    t.setRawData(raw.substring(0, len));
                    d = "raw_data cut to " + len + " bytes of " + raw.size();
                }
                case 1 -> {
                    int n = 1 + r.nextInt(7);
                    t.setRawData(raw.concat(ByteString.copyFrom(new byte[n])));
                    d = "raw_data extended by " + n + " bytes";
                }
                case 2 -> {
                    t.clearRawData();
                    d = "raw_data removed (no data at all)";
                }
                default -> {
                    t.clearRawData();
                    for (int k = 0; k < 3; k++) {
                        t.addFloatData(1f);
                    }
                    d = "raw_data replaced by 3 float_data values";
                }
            }
        }
        return new Edited(m.toBuilder().setGraph(g).build(), "initializer " + t.getName() + ": " + d);
    }

    /** Puts NaN, infinities or huge values into one float initializer. */
    static Edited nonFinite(ModelProto m, SplittableRandom r) {
        GraphProto.Builder g = m.getGraph().toBuilder();
        List<Integer> floats = new ArrayList<>();
        for (int k = 0; k < g.getInitializerCount(); k++) {
            if (g.getInitializer(k).getDataType() == TensorProto.DataType.FLOAT_VALUE) {
                floats.add(k);
            }
        }
        TensorProto.Builder t = g.getInitializerBuilder(floats.get(r.nextInt(floats.size())));
        byte[] raw = t.getRawData().toByteArray();
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        float[] v = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 3e38f};
        float x = v[r.nextInt(v.length)];
        int n = r.nextBoolean() ? 1 : raw.length / 4;
        for (int k = 0; k < n; k++) {
            b.putFloat(4 * (n == 1 ? r.nextInt(raw.length / 4) : k), x);
        }
        t.setRawData(ByteString.copyFrom(raw));
        return new Edited(m.toBuilder().setGraph(g).build(), "initializer " + t.getName() + ": "
                + (n == 1 ? "one value" : "every value") + " = " + x);
    }

    /** Rewires the graph: cycles, dangling names, removed nodes/outputs/initializers, other operators, other opsets. */
    static Edited graph(ModelProto m, SplittableRandom r) {
        GraphProto.Builder g = m.getGraph().toBuilder();
        ModelProto.Builder mb = m.toBuilder();
        int nodes = g.getNodeCount();
        int ni = r.nextInt(nodes);
        NodeProto.Builder n = g.getNodeBuilder(ni);
        String d;
        switch (r.nextInt(9)) {
            case 0 -> {
                int later = ni + r.nextInt(nodes - ni);
                n.setInput(0, g.getNode(later).getOutput(0));
                d = "node " + n.getName() + " reads the output of node " + g.getNode(later).getName() + " (a cycle)";
            }
            case 1 -> {
                n.setInput(0, "no_such_tensor");
                d = "node " + n.getName() + " reads a tensor nobody writes";
            }
            case 2 -> {
                String name = g.getNode(ni).getName();
                g.removeNode(ni);
                d = "node " + name + " removed";
            }
            case 3 -> {
                String[] ops = {"Conv", "Relu", "MaxPool", "Gemm", "Concat", "Reshape", "Flatten", "Softmax", "Add",
                    "BatchNormalization", "AveragePool", "Transpose", "Squeeze", "MatMul", "Pad", "Resize", "LSTM"};
                String op = ops[r.nextInt(ops.length)];
                d = "node " + n.getName() + " op " + n.getOpType() + " -> " + op;
                n.setOpType(op);
            }
            case 4 -> {
                g.clearOutput();
                d = "graph outputs removed";
            }
            case 5 -> {
                String name = g.getInitializer(0).getName();
                g.removeInitializer(r.nextInt(g.getInitializerCount()));
                d = "an initializer removed (first is " + name + ")";
            }
            case 6 -> {
                int v = new int[] {0, 1, 6, 18, 1000, -5}[r.nextInt(6)];
                mb.clearOpsetImport().addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(v));
                d = "opset " + v;
            }
            case 7 -> {
                g.getNodeBuilder(r.nextInt(nodes)).setOutput(0, n.getOutput(0));
                d = "two nodes write " + n.getOutput(0);
            }
            default -> {
                n.addInput(g.getInitializer(r.nextInt(g.getInitializerCount())).getName());
                n.addInput(g.getInput(0).getName());
                d = "node " + n.getName() + " gets two extra inputs";
            }
        }
        return new Edited(mb.setGraph(g).build(), d);
    }
}
