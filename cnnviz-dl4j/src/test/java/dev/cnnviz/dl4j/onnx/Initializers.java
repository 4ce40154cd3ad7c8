package dev.cnnviz.dl4j.onnx;

import dev.cnnviz.dl4j.onnx.proto.OnnxProto.ModelProto;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.TensorProto;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads a model's float32 initializers straight from the protobuf (little-endian {@code raw_data} or
 * {@code float_data}), independently of the importer's TensorReader, for plain-Java reference computations.
 */
final class Initializers {
    private Initializers() {
    }

    /** A float32 initializer. */
    record Tensor(long[] dims, float[] values) {
    }

    static Map<String, Tensor> read(Path onnx) throws IOException {
        ModelProto m = ModelProto.parseFrom(Files.readAllBytes(onnx));
        Map<String, Tensor> out = new HashMap<>();
        for (TensorProto t : m.getGraph().getInitializerList()) {
            if (t.getDataType() != TensorProto.DataType.FLOAT_VALUE) {
                continue;
            }
            long[] dims = t.getDimsList().stream().mapToLong(Long::longValue).toArray();
            float[] v;
            if (!t.getRawData().isEmpty()) {
                ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
                v = new float[b.remaining() / 4];
                b.asFloatBuffer().get(v);
            } else {
                v = new float[t.getFloatDataCount()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = t.getFloatData(i);
                }
            }
            out.put(t.getName(), new Tensor(dims, v));
        }
        return out;
    }
}
