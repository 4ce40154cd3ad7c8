package dev.cnnviz.examples.fuzz;

import static dev.cnnviz.dl4j.onnx.OnnxModels.f;
import static dev.cnnviz.dl4j.onnx.OnnxModels.floats;
import static dev.cnnviz.dl4j.onnx.OnnxModels.i;
import static dev.cnnviz.dl4j.onnx.OnnxModels.input;
import static dev.cnnviz.dl4j.onnx.OnnxModels.ints;
import static dev.cnnviz.dl4j.onnx.OnnxModels.longs;
import static dev.cnnviz.dl4j.onnx.OnnxModels.model;
import static dev.cnnviz.dl4j.onnx.OnnxModels.node;
import static dev.cnnviz.dl4j.onnx.OnnxModels.output;

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
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The ONNX seeds of the fuzz suite, built with the generated protobuf classes (the builders follow
 * cnnviz-dl4j's {@code OnnxModels}): two small image classifiers that import and run, covering the
 * attributes the mutators edit (kernel_shape, strides, pads, dilations, group, axis) and float and int64
 * initializers.
 */
final class OnnxSeeds {
    private OnnxSeeds() {
    }

    /**
     * A 1x8x8 grey-image CNN: Conv (pads 1) → Relu → depthwise Conv (group 4, stride 2) → BatchNormalization →
     * MaxPool → Flatten → Gemm → Softmax. Weights are fixed pseudo-random values.
     */
    static ModelProto convNet() {
        SplittableRandom r = new SplittableRandom(11);
        GraphProto g = GraphProto.newBuilder().setName("fuzz-convnet")
                .addInput(input("x", "N", 1, 8, 8))
                .addOutput(output("probs"))
                .addInitializer(randomFloats("w1", new long[] {4, 1, 3, 3}, r))
                .addInitializer(randomFloats("b1", new long[] {4}, r))
                .addInitializer(randomFloats("w2", new long[] {4, 1, 3, 3}, r))
                .addInitializer(randomFloats("bn_scale", new long[] {4}, r))
                .addInitializer(randomFloats("bn_bias", new long[] {4}, r))
                .addInitializer(randomFloats("bn_mean", new long[] {4}, r))
                .addInitializer(positive("bn_var", 4, r))
                .addInitializer(randomFloats("fc_w", new long[] {3, 16}, r))
                .addInitializer(randomFloats("fc_b", new long[] {3}, r))
                .addNode(node("Conv", "conv1", List.of("x", "w1", "b1"), List.of("c1"),
                        ints("kernel_shape", 3, 3), ints("strides", 1, 1), ints("pads", 1, 1, 1, 1),
                        ints("dilations", 1, 1), i("group", 1)))
                .addNode(node("Relu", "relu1", List.of("c1"), List.of("r1")))
                .addNode(node("Conv", "dw", List.of("r1", "w2"), List.of("c2"),
                        ints("kernel_shape", 3, 3), ints("strides", 2, 2), ints("pads", 1, 1, 1, 1),
                        ints("dilations", 1, 1), i("group", 4)))
                .addNode(node("BatchNormalization", "bn", List.of("c2", "bn_scale", "bn_bias", "bn_mean", "bn_var"),
                        List.of("n2"), f("epsilon", 1e-5f)))
                .addNode(node("MaxPool", "pool", List.of("n2"), List.of("p2"),
                        ints("kernel_shape", 2, 2), ints("strides", 2, 2), ints("pads", 0, 0, 0, 0)))
                .addNode(node("Flatten", "flat", List.of("p2"), List.of("f"), i("axis", 1)))
                .addNode(node("Gemm", "fc", List.of("f", "fc_w", "fc_b"), List.of("logits"), i("transB", 1)))
                .addNode(node("Softmax", "softmax", List.of("logits"), List.of("probs"), i("axis", 1)))
                .build();
        return model(13, g);
    }

    /**
     * A 3x8x8 colour-image CNN with two branches: Conv 1x1 and Conv 3x3 (dilation 2) concatenated on axis 1,
     * AveragePool, a residual Add, GlobalAveragePool, Reshape by an int64 initializer, Gemm.
     */
    static ModelProto branchNet() {
        SplittableRandom r = new SplittableRandom(12);
        GraphProto g = GraphProto.newBuilder().setName("fuzz-branchnet")
                .addInput(input("image", 1, 3, 8, 8))
                .addOutput(output("scores"))
                .addInitializer(randomFloats("wa", new long[] {2, 3, 1, 1}, r))
                .addInitializer(randomFloats("wb", new long[] {2, 3, 3, 3}, r))
                .addInitializer(randomFloats("bb", new long[] {2}, r))
                .addInitializer(randomFloats("wc", new long[] {4, 4, 3, 3}, r))
                .addInitializer(longs("shape", 1, 4))
                .addInitializer(randomFloats("fc_w", new long[] {4, 5}, r))
                .addInitializer(randomFloats("fc_b", new long[] {5}, r))
                .addNode(node("Conv", "branch_a", List.of("image", "wa"), List.of("a"), ints("kernel_shape", 1, 1)))
                .addNode(node("Conv", "branch_b", List.of("image", "wb", "bb"), List.of("b"),
                        ints("kernel_shape", 3, 3), ints("pads", 2, 2, 2, 2), ints("dilations", 2, 2)))
                .addNode(node("Concat", "concat", List.of("a", "b"), List.of("ab"), i("axis", 1)))
                .addNode(node("AveragePool", "avg", List.of("ab"), List.of("p"),
                        ints("kernel_shape", 3, 3), ints("strides", 1, 1), ints("pads", 1, 1, 1, 1)))
                .addNode(node("Conv", "conv_c", List.of("p", "wc"), List.of("c"),
                        ints("kernel_shape", 3, 3), ints("pads", 1, 1, 1, 1)))
                .addNode(node("Relu", "relu_c", List.of("c"), List.of("rc")))
                .addNode(node("Add", "residual", List.of("rc", "p"), List.of("s")))
                .addNode(node("GlobalAveragePool", "gap", List.of("s"), List.of("gp")))
                .addNode(node("Reshape", "reshape", List.of("gp", "shape"), List.of("flat")))
                .addNode(node("Gemm", "fc", List.of("flat", "fc_w", "fc_b"), List.of("scores")))
                .build();
        return model(13, g);
    }

    static TensorProto randomFloats(String name, long[] dims, SplittableRandom r) {
        int n = 1;
        for (long d : dims) {
            n *= (int) d;
        }
        float[] v = new float[n];
        for (int k = 0; k < n; k++) {
            v[k] = (float) (r.nextDouble() - 0.5);
        }
        return floats(name, dims, v);
    }

    static TensorProto positive(String name, int n, SplittableRandom r) {
        float[] v = new float[n];
        for (int k = 0; k < n; k++) {
            v[k] = (float) (0.5 + r.nextDouble());
        }
        return floats(name, new long[] {n}, v);
    }
}
