package dev.cnnviz.dl4j.onnx;

import com.google.protobuf.ByteString;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.Node;
import dev.cnnviz.core.graph.Op;
import dev.cnnviz.core.graph.ops.Add;
import dev.cnnviz.core.graph.ops.AutoPad;
import dev.cnnviz.core.graph.ops.Concat;
import dev.cnnviz.core.graph.ops.Constant;
import dev.cnnviz.core.graph.ops.Conv;
import dev.cnnviz.core.graph.ops.ConvTranspose;
import dev.cnnviz.core.graph.ops.GlobalAveragePool;
import dev.cnnviz.core.graph.ops.Identity;
import dev.cnnviz.core.graph.ops.Input;
import dev.cnnviz.core.graph.ops.InstanceNorm;
import dev.cnnviz.core.graph.ops.Mul;
import dev.cnnviz.core.graph.ops.Pad;
import dev.cnnviz.core.graph.ops.Relu;
import dev.cnnviz.core.graph.ops.Resize;
import dev.cnnviz.core.graph.ops.Scale;
import dev.cnnviz.core.graph.ops.Sigmoid;
import dev.cnnviz.core.graph.ops.Sub;
import dev.cnnviz.core.graph.ops.Tanh;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.AttributeProto;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.GraphProto;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.ModelProto;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.NodeProto;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.OperatorSetIdProto;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.TensorProto;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.TensorShapeProto;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.TypeProto;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.ValueInfoProto;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Writes a cnnviz {@link Graph} as an ONNX model (opset {@value #OPSET}, IR version 7): constants become
 * initializers, every node one ONNX node (or two, for {@link Scale}: {@code Mul} then {@code Add} by scalars), value
 * names are the cnnviz node names. The file loads back with {@link OnnxImporter} / {@code Models.load} and gives
 * the same output, and other runtimes (onnxruntime, PyTorch's importers) can run it.
 *
 * <p>Supported operators: Conv, ConvTranspose, InstanceNorm, Pad (constant, reflect, edge), Resize, Relu, Tanh,
 * Sigmoid, Add, Sub, Mul, Scale, Identity, Concat and GlobalAveragePool; any other is an
 * {@link IllegalArgumentException} naming it and the node. The graph must have one input; sizes it declares as "any"
 * are written as symbolic dimensions ({@code N}, {@code H}, {@code W}), except a height and width given to
 * {@link #write(Graph, Path, String, int, int)}: cnnviz's importer needs those fixed (a file with symbolic ones loads
 * with {@code OnnxImporter.Options.withInputSize}).
 *
 * <p>The doc string is written on the model and on the graph input and output: say there what the pixels are, e.g.
 * {@code "Image(s) in RGB format, pixel values 0..255, NCHW float32"}, which cnnviz's importer reads for the channel
 * order (as it does in the {@code candy}/{@code mosaic} files' "Image(s) in BGR format").
 *
 * <pre>{@code
 * OnnxExporter.write(trained.network(), Path.of("starry.onnx"), "Image(s) in RGB format, 0..255; output the same", 256, 256);
 * Model back = Models.load(Path.of("starry.onnx"));
 * }</pre>
 */
public final class OnnxExporter {
    /** The opset the files import. */
    public static final int OPSET = 13;
    /** The operators {@link #toModel} writes, by cnnviz kind. */
    public static final Set<String> SUPPORTED = new TreeSet<>(List.of("Add", "Concat", "Conv", "ConvTranspose",
            "GlobalAveragePool", "Identity", "InstanceNorm", "Mul", "Pad", "Relu", "Resize", "Scale", "Sigmoid", "Sub",
            "Tanh"));

    private OnnxExporter() {
    }

    /**
     * Writes the graph to a file (through a temporary file in the same folder, then moved into place).
     *
     * @param graph     the graph, one input
     * @param file      the .onnx file to write
     * @param docString what the input and output are (pixel range, channel order)
     * @throws IllegalArgumentException for an operator outside {@link #SUPPORTED} (naming it and the node), a graph
     *                                  with several inputs, or a constant of a type other than float32 or float64
     * @throws IOException              naming the file if it cannot be written
     */
    public static void write(Graph graph, Path file, String docString) throws IOException {
        write(graph, file, docString, 0, 0);
    }

    /**
     * Writes the graph to a file as {@link #write(Graph, Path, String)} does, declaring the input's height and width
     * where the graph's input takes any size. ONNX importers that need fixed sizes, {@code Models.load} among them,
     * then read the file without options; a fully convolutional network still runs on other sizes (as the shared
     * {@code candy.onnx}, declared 720×720, does through {@code FeedForwardStyle.load}).
     *
     * @param graph     the graph, one input
     * @param file      the .onnx file to write
     * @param docString what the input and output are (pixel range, channel order)
     * @param height    the height to declare when the graph's is "any", at least 1; or 0 to leave it symbolic
     * @param width     the width to declare when the graph's is "any", at least 1; or 0 to leave it symbolic
     * @throws IllegalArgumentException as {@link #write(Graph, Path, String)}, or for a negative height or width
     * @throws IOException              naming the file if it cannot be written
     */
    public static void write(Graph graph, Path file, String docString, int height, int width) throws IOException {
        ModelProto m = toModel(graph, docString, height, width);
        Path abs = file.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            throw new IOException("cannot write " + file + ": the folder " + dir + " does not exist");
        }
        // a sibling created as any new file is (not Files.createTempFile, whose owner-only permissions the move would
        // carry over to the model file)
        Path tmp = abs.resolveSibling("." + abs.getFileName() + "." + Long.toHexString(System.nanoTime()) + ".tmp");
        try {
            try (OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                m.writeTo(out);
            }
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw new IOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The graph as an ONNX model.
     *
     * @param graph     the graph, one input
     * @param docString the model's and its input's and output's doc string (may be empty)
     * @return the model
     * @throws IllegalArgumentException as {@link #write}
     */
    public static ModelProto toModel(Graph graph, String docString) {
        return toModel(graph, docString, 0, 0);
    }

    /**
     * The graph as an ONNX model, declaring the input's height and width where the graph's input takes any size.
     *
     * @param graph     the graph, one input
     * @param docString the model's and its input's and output's doc string (may be empty)
     * @param height    the height to declare when the graph's is "any", at least 1; or 0 to leave it symbolic
     * @param width     the width to declare when the graph's is "any", at least 1; or 0 to leave it symbolic
     * @return the model
     * @throws IllegalArgumentException as {@link #write(Graph, Path, String, int, int)}, or when static shape
     *                                  inference of the output fails at the input's declared size (64 and 68 pixels
     *                                  stand in for symbolic sides, to tell which output sizes follow them)
     */
    public static ModelProto toModel(Graph graph, String docString, int height, int width) {
        if (height < 0 || width < 0) {
            throw new IllegalArgumentException("the declared input height and width must be at least 1 (or 0 for "
                    + "symbolic), found " + height + "x" + width);
        }
        if (graph == null) {
            throw new IllegalArgumentException("OnnxExporter needs a graph, found null");
        }
        String doc = docString == null ? "" : docString;
        if (graph.inputNames().size() != 1) {
            throw new IllegalArgumentException("OnnxExporter writes graphs with one input, found " + graph.inputNames());
        }
        GraphProto.Builder g = GraphProto.newBuilder().setName("cnnviz").setDocString(doc);
        long[] declared = null;
        for (Node n : graph.nodes()) {
            Op op = n.op();
            String name = n.name();
            List<String> in = n.inputs();
            if (op instanceof Input input) {
                long[] shape = input.shape();
                if (shape.length == 3) {
                    shape[1] = shape[1] > 0 ? shape[1] : height > 0 ? height : -1;
                    shape[2] = shape[2] > 0 ? shape[2] : width > 0 ? width : -1;
                }
                g.addInput(inputInfo(name, shape, graph.dataType(), doc));
                declared = shape;
            } else if (op instanceof Constant c) {
                g.addInitializer(tensor(name, c.value()));
            } else if (op instanceof Conv c) {
                g.addNode(node("Conv", name, in, List.of(name), convAttrs(c.strides(), c.pads(), c.dilations(), c.group(),
                        c.autoPad(), null)));
            } else if (op instanceof ConvTranspose c) {
                g.addNode(node("ConvTranspose", name, in, List.of(name), convAttrs(c.strides(), c.pads(), c.dilations(),
                        c.group(), c.autoPad(), c.outputPadding())));
            } else if (op instanceof InstanceNorm i) {
                g.addNode(node("InstanceNormalization", name, in, List.of(name), List.of(f("epsilon", i.epsilon()))));
            } else if (op instanceof Pad p) {
                String pads = name + "/pads";
                long[] pv = new long[p.pads().length];
                for (int k = 0; k < pv.length; k++) {
                    pv[k] = p.pads()[k];
                }
                g.addInitializer(OnnxModels.longs(pads, pv));
                List<String> ins = new ArrayList<>(List.of(in.get(0), pads));
                if (p.value() != 0) {
                    String v = name + "/value";
                    g.addInitializer(scalar(v, p.value(), graph.dataType()));
                    ins.add(v);
                }
                g.addNode(node("Pad", name, ins, List.of(name),
                        List.of(s("mode", p.mode().name().toLowerCase(Locale.ROOT)))));
            } else if (op instanceof Resize r) {
                resize(g, name, in.get(0), r);
            } else if (op instanceof Relu) {
                g.addNode(node("Relu", name, in, List.of(name), List.of()));
            } else if (op instanceof Tanh) {
                g.addNode(node("Tanh", name, in, List.of(name), List.of()));
            } else if (op instanceof Sigmoid) {
                g.addNode(node("Sigmoid", name, in, List.of(name), List.of()));
            } else if (op instanceof Add) {
                g.addNode(node("Add", name, in, List.of(name), List.of()));
            } else if (op instanceof Sub) {
                g.addNode(node("Sub", name, in, List.of(name), List.of()));
            } else if (op instanceof Mul) {
                g.addNode(node("Mul", name, in, List.of(name), List.of()));
            } else if (op instanceof Identity) {
                g.addNode(node("Identity", name, in, List.of(name), List.of()));
            } else if (op instanceof Concat c) {
                g.addNode(node("Concat", name, in, List.of(name), List.of(i("axis", c.axis()))));
            } else if (op instanceof GlobalAveragePool) {
                g.addNode(node("GlobalAveragePool", name, in, List.of(name), List.of()));
            } else if (op instanceof Scale sc) {
                g.addInitializer(scalar(name + "/scale", sc.scale(), graph.dataType()));
                g.addInitializer(scalar(name + "/shift", sc.shift(), graph.dataType()));
                g.addNode(node("Mul", name + "/mul", List.of(in.get(0), name + "/scale"), List.of(name + "/mul"), List.of()));
                g.addNode(node("Add", name, List.of(name + "/mul", name + "/shift"), List.of(name), List.of()));
            } else {
                throw new IllegalArgumentException("OnnxExporter cannot write node '" + name + "': its operator "
                        + op.kind() + " is not one of " + SUPPORTED);
            }
        }
        g.addOutput(outputInfo(graph, declared, doc));
        return ModelProto.newBuilder().setIrVersion(7).setProducerName("cnnviz").setProducerVersion("0.1.0")
                .setDocString(doc)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setGraph(g).build();
    }

    private static void resize(GraphProto.Builder g, String name, String x, Resize r) {
        String roi = name + "/roi";
        g.addInitializer(TensorProto.newBuilder().setName(roi).setDataType(TensorProto.DataType.FLOAT_VALUE).addDims(0));
        List<String> ins = new ArrayList<>(List.of(x, roi));
        if (r.outH() == 0 && r.outW() == 0) {
            String scales = name + "/scales";
            g.addInitializer(OnnxModels.floats(scales, new long[] {4}, 1, 1, (float) r.scaleH(), (float) r.scaleW()));
            if ((float) r.scaleH() != r.scaleH() || (float) r.scaleW() != r.scaleW()) {
                throw new IllegalArgumentException("OnnxExporter cannot write node '" + name + "': Resize scales "
                        + r.scaleH() + " x " + r.scaleW() + " are not float32 values (ONNX scales are float32)");
            }
            ins.add(scales);
        } else if (r.outH() > 0 && r.outW() > 0) {
            throw new IllegalArgumentException("OnnxExporter cannot write node '" + name + "': Resize to a fixed "
                    + r.outH() + " x " + r.outW() + " needs the batch and channel sizes, which the graph does not fix");
        } else {
            throw new IllegalArgumentException("OnnxExporter cannot write node '" + name + "': Resize with a fixed size "
                    + "on one axis and a scale on the other");
        }
        g.addNode(node("Resize", name, ins, List.of(name), List.of(
                s("mode", r.interpolation().name().toLowerCase(Locale.ROOT)),
                s("coordinate_transformation_mode", r.transform().name().toLowerCase(Locale.ROOT)),
                s("nearest_mode", r.nearestMode().name().toLowerCase(Locale.ROOT)))));
    }

    private static List<AttributeProto> convAttrs(int[] strides, int[] pads, int[] dilations, int group, AutoPad autoPad,
            int[] outputPadding) {
        List<AttributeProto> a = new ArrayList<>();
        a.add(ints("strides", strides));
        a.add(ints("dilations", dilations));
        a.add(i("group", group));
        if (autoPad == AutoPad.NOTSET) {
            a.add(ints("pads", pads));
        } else {
            a.add(s("auto_pad", autoPad.name()));
        }
        if (outputPadding != null) {
            a.add(ints("output_padding", outputPadding));
        }
        return a;
    }

    private static ValueInfoProto inputInfo(String name, long[] shape, DataType type, String doc) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        s.addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("N"));
        String[] symbolic = {"C", "H", "W"};
        for (int k = 0; k < shape.length; k++) {
            TensorShapeProto.Dimension.Builder d = TensorShapeProto.Dimension.newBuilder();
            if (shape[k] > 0) {
                d.setDimValue(shape[k]);
            } else {
                d.setDimParam(k < symbolic.length ? symbolic[k] : "d" + (k + 1));
            }
            s.addDim(d);
        }
        return ValueInfoProto.newBuilder().setName(name).setDocString(doc).setType(TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(elemType(type, name)).setShape(s))).build();
    }

    /**
     * The output's type: its shape for a batch of {@code N} at the input's declared size, from static shape inference;
     * sizes that depend on a symbolic input size are symbolic ({@code H_out}, {@code W_out}, ...).
     */
    private static ValueInfoProto outputInfo(Graph graph, long[] declared, String doc) {
        String out = graph.outputName();
        long[] fixed = declared.clone();
        long[] other = declared.clone();
        for (int k = 0; k < declared.length; k++) {
            fixed[k] = declared[k] > 0 ? declared[k] : 64;
            other[k] = declared[k] > 0 ? declared[k] : 68;
        }
        long[] a = shapeFor(graph, fixed);
        long[] b = shapeFor(graph, other);
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        s.addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("N"));
        String[] symbolic = {"C_out", "H_out", "W_out"};
        for (int k = 1; k < a.length; k++) {
            TensorShapeProto.Dimension.Builder d = TensorShapeProto.Dimension.newBuilder();
            if (a[k] == b[k]) {
                d.setDimValue(a[k]);
            } else {
                d.setDimParam(k - 1 < symbolic.length ? symbolic[k - 1] : "d" + k + "_out");
            }
            s.addDim(d);
        }
        return ValueInfoProto.newBuilder().setName(out).setDocString(doc).setType(TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(elemType(graph.dataType(), out)).setShape(s))).build();
    }

    /** The output's shape for a batch of 1 of the given input shape (without batch). */
    private static long[] shapeFor(Graph graph, long[] inputShape) {
        long[] full = new long[inputShape.length + 1];
        full[0] = 1;
        System.arraycopy(inputShape, 0, full, 1, inputShape.length);
        try {
            return graph.shapes(full).get(graph.outputName());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("OnnxExporter infers the output shape for an input of shape "
                    + java.util.Arrays.toString(full) + " and the graph does not take it: " + e.getMessage(), e);
        }
    }

    private static int elemType(DataType type, String name) {
        return switch (type) {
            case FLOAT -> TensorProto.DataType.FLOAT_VALUE;
            case DOUBLE -> TensorProto.DataType.DOUBLE_VALUE;
            default -> throw new IllegalArgumentException("OnnxExporter writes float32 and float64 tensors; '" + name
                    + "' is " + type);
        };
    }

    private static TensorProto tensor(String name, INDArray v) {
        int type = elemType(v.dataType(), name);
        long n = v.length();
        int width = v.dataType() == DataType.DOUBLE ? 8 : 4;
        if (n * width > Integer.MAX_VALUE - 64) {
            throw new IllegalArgumentException("constant '" + name + "' has " + n + " values, more than one protobuf "
                    + "message holds (2 GB)");
        }
        ByteBuffer b = ByteBuffer.allocate((int) (n * width)).order(ByteOrder.LITTLE_ENDIAN);
        INDArray flat = v.dup('c').reshape(n);
        if (width == 8) {
            for (double d : flat.toDoubleVector()) {
                b.putDouble(d);
            }
        } else {
            for (float f : flat.toFloatVector()) {
                b.putFloat(f);
            }
        }
        b.flip();
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(type).setRawData(ByteString.copyFrom(b));
        for (long d : v.shape()) {
            t.addDims(d);
        }
        return t.build();
    }

    private static TensorProto scalar(String name, double value, DataType type) {
        ByteBuffer b = ByteBuffer.allocate(type == DataType.DOUBLE ? 8 : 4).order(ByteOrder.LITTLE_ENDIAN);
        if (type == DataType.DOUBLE) {
            b.putDouble(value);
        } else {
            b.putFloat((float) value);
        }
        b.flip();
        return TensorProto.newBuilder().setName(name).setDataType(elemType(type, name)).setRawData(ByteString.copyFrom(b))
                .build();
    }

    private static NodeProto node(String op, String name, List<String> in, List<String> out, List<AttributeProto> attrs) {
        return NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(in).addAllOutput(out).addAllAttribute(attrs)
                .build();
    }

    private static AttributeProto ints(String name, int[] v) {
        long[] l = new long[v.length];
        for (int k = 0; k < v.length; k++) {
            l[k] = v[k];
        }
        return OnnxModels.ints(name, l);
    }

    private static AttributeProto i(String name, long v) {
        return OnnxModels.i(name, v);
    }

    private static AttributeProto f(String name, double v) {
        return OnnxModels.f(name, (float) v);
    }

    private static AttributeProto s(String name, String v) {
        return OnnxModels.s(name, v);
    }
}
