package dev.cnnviz.dl4j.onnx;

import com.google.protobuf.ByteString;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.AttributeProto;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.GraphProto;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.ModelProto;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.NodeProto;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.OperatorSetIdProto;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.TensorProto;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.TensorShapeProto;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.TypeProto;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.ValueInfoProto;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Builds small ONNX models in code with the generated protobuf builders ({@code dev.cnnviz.dl4j.onnx.proto.OnnxProto}):
 * tensors, graph inputs and outputs, attributes, nodes and models. For tests, benchmarks and hand-made known-answer
 * models; {@link OnnxImporter#load(java.io.InputStream, String)} reads what they build.
 *
 * <pre>{@code
 * GraphProto g = GraphProto.newBuilder().setName("g")
 *     .addInput(OnnxModels.input("x", 1, 3, 4, 4)).addOutput(OnnxModels.output("y"))
 *     .addInitializer(OnnxModels.floats("w", new long[] {2, 3, 3, 3}, weights))
 *     .addNode(OnnxModels.node("Conv", "conv", List.of("x", "w"), List.of("y"), OnnxModels.ints("pads", 1, 1, 1, 1)))
 *     .build();
 * Model m = OnnxImporter.load(OnnxModels.stream(OnnxModels.model(13, g)), "conv.onnx");
 * }</pre>
 */
public final class OnnxModels {
    private OnnxModels() {
    }

    /** @return a FLOAT tensor of these dimensions holding {@code values} as little-endian raw data */
    public static TensorProto floats(String name, long[] dims, float... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        b.flip();
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE)
                .setRawData(ByteString.copyFrom(b));
        for (long d : dims) {
            t.addDims(d);
        }
        return t.build();
    }

    /** @return a 1-D INT64 tensor holding {@code values} in int64_data */
    public static TensorProto longs(String name, long... values) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE)
                .addDims(values.length);
        for (long v : values) {
            t.addInt64Data(v);
        }
        return t.build();
    }

    /** @return a FLOAT graph input; each dimension a number or a symbolic name (a String) */
    public static ValueInfoProto input(String name, Object... dims) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        for (Object d : dims) {
            if (d instanceof String p) {
                s.addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(p));
            } else {
                s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(((Number) d).longValue()));
            }
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(s))).build();
    }

    /** @return a graph output of that name, without a type */
    public static ValueInfoProto output(String name) {
        return ValueInfoProto.newBuilder().setName(name).build();
    }

    /** @return an INTS attribute */
    public static AttributeProto ints(String name, long... v) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long x : v) {
            a.addInts(x);
        }
        return a.build();
    }

    /** @return a FLOATS attribute */
    public static AttributeProto floatsAttr(String name, float... v) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOATS);
        for (float x : v) {
            a.addFloats(x);
        }
        return a.build();
    }

    /** @return an INT attribute */
    public static AttributeProto i(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
    }

    /** @return a FLOAT attribute */
    public static AttributeProto f(String name, float v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(v).build();
    }

    /** @return a STRING attribute (UTF-8) */
    public static AttributeProto s(String name, String v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
                .setS(ByteString.copyFromUtf8(v)).build();
    }

    /** @return a TENSOR attribute */
    public static AttributeProto t(String name, TensorProto v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.TENSOR).setT(v).build();
    }

    /** @return a node of the default domain with these inputs, outputs and attributes */
    public static NodeProto node(String op, String name, List<String> inputs, List<String> outputs, AttributeProto... attrs) {
        return NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(inputs).addAllOutput(outputs)
                .addAllAttribute(List.of(attrs)).build();
    }

    /** @return a model of IR version 7 importing {@code opset} of the default domain */
    public static ModelProto model(int opset, GraphProto graph) {
        return ModelProto.newBuilder().setIrVersion(7).setProducerName("cnnviz-test").setProducerVersion("1")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset)).setGraph(graph).build();
    }

    /** A model of IR version 1, from before ONNX 1.0: no opset import (PyTorch 0.2 wrote such files). */
    public static ModelProto legacyModel(GraphProto graph) {
        return ModelProto.newBuilder().setIrVersion(1).setProducerName("pytorch").setProducerVersion("0.2")
                .setGraph(graph).build();
    }

    /** @return the model's bytes as a stream, for {@link OnnxImporter#load(java.io.InputStream, String)} */
    public static ByteArrayInputStream stream(ModelProto m) {
        return new ByteArrayInputStream(m.toByteArray());
    }
}
