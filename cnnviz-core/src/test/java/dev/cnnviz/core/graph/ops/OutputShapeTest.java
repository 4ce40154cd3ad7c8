package dev.cnnviz.core.graph.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.core.graph.Op;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Known answers of the operators' static shape functions, and the errors they give for inputs that do not fit. */
class OutputShapeTest {

    private static long[][] in(long[]... shapes) {
        return shapes;
    }

    private static long[] s(long... dims) {
        return dims;
    }

    /** Asserts an IllegalArgumentException whose message contains every fragment. */
    private static void assertIae(Executable e, String... fragments) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        for (String f : fragments) {
            assertTrue(ex.getMessage().contains(f), "'" + f + "' not in: " + ex.getMessage());
        }
    }

    private static Conv conv(int stride, int pad, int dilation, int group, AutoPad auto) {
        return new Conv(new int[] {stride, stride}, new int[] {pad, pad, pad, pad}, new int[] {dilation, dilation}, group, auto);
    }

    @Test
    void everyOperatorOfThePackageHasAShapeFunction() throws Exception {
        Path dir = Path.of(Conv.class.getResource("Conv.class").toURI()).getParent();
        List<String> ops = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String file = f.getFileName().toString();
                if (!file.endsWith(".class")) {
                    continue;
                }
                Class<?> c = Class.forName(Conv.class.getPackageName() + "." + file.substring(0, file.length() - 6));
                if (!Op.class.isAssignableFrom(c) || c.isInterface() || Modifier.isAbstract(c.getModifiers())) {
                    continue;
                }
                ops.add(c.getSimpleName());
                if (c.getMethod("outputShape", long[][].class).getDeclaringClass() == Op.class) {
                    missing.add(c.getSimpleName());
                }
            }
        }
        assertTrue(ops.size() >= 41, "found only " + ops.size() + " operators: " + ops);
        assertEquals(List.of(), missing, "operators without a shape function");
    }

    @Test
    void theDefaultRefusesWithAnIllegalStateException() {
        Op foreign = new Op() {
            @Override
            public INDArray forward(INDArray[] inputs) {
                return inputs[0].dup();
            }

            @Override
            public INDArray[] backward(INDArray[] inputs, INDArray output, INDArray gradOutput, boolean[] wanted) {
                return new INDArray[] {gradOutput.dup()};
            }

            @Override
            public String kind() {
                return "Foreign";
            }
        };
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> foreign.outputShape(in(s(1, 2))));
        assertTrue(e.getMessage().contains("Foreign") && e.getMessage().contains("no shape function"), e.getMessage());
    }

    @Test
    void convolutionShapes() {
        long[] x = s(2, 3, 224, 224);
        assertArrayEquals(s(2, 64, 111, 111), conv(2, 0, 1, 1, AutoPad.NOTSET).outputShape(in(x, s(64, 3, 3, 3), s(64))));
        assertArrayEquals(s(2, 64, 112, 112), conv(2, 0, 1, 1, AutoPad.SAME_UPPER).outputShape(in(x, s(64, 3, 3, 3))));
        assertArrayEquals(s(2, 64, 220, 220), conv(1, 0, 2, 1, AutoPad.NOTSET).outputShape(in(x, s(64, 3, 3, 3))));
        assertArrayEquals(s(1, 32, 8, 8), conv(1, 1, 1, 32, AutoPad.NOTSET).outputShape(in(s(1, 32, 8, 8), s(32, 1, 3, 3))));
        Conv asym = new Conv(new int[] {1, 2}, new int[] {0, 1, 2, 0}, new int[] {1, 1}, 1, AutoPad.NOTSET);
        assertArrayEquals(s(1, 4, 7, 3), asym.outputShape(in(s(1, 3, 7, 5), s(4, 3, 3, 2))));
    }

    @Test
    void convolutionErrorsNameTheAttributeAndTheValues() {
        assertIae(() -> Conv.simple().outputShape(in(s(1, 4, 8, 8), s(16, 3, 3, 3))),
                "weights [16, 3, 3, 3] need 3 x group 1 input channels", "has 4");
        assertIae(() -> conv(1, 0, 1, 3, AutoPad.NOTSET).outputShape(in(s(1, 4, 8, 8), s(6, 1, 3, 3))),
                "group 3 does not divide the 4 channels", "[1, 4, 8, 8]");
        assertIae(() -> conv(1, 0, 1, 2, AutoPad.NOTSET).outputShape(in(s(1, 4, 8, 8), s(5, 2, 3, 3))),
                "group 2 does not divide the 5 output channels", "[5, 2, 3, 3]");
        assertIae(() -> Conv.simple().outputShape(in(s(1, 3, 5, 5), s(8, 3, 11, 11))),
                "kernel 11 (dilation 1) does not fit input 5 padded by 0+0");
        assertIae(() -> conv(1, 0, 3, 1, AutoPad.NOTSET).outputShape(in(s(1, 3, 6, 6), s(8, 3, 3, 3))),
                "kernel 3 (dilation 3) does not fit input 6 padded by 0+0");
        assertIae(() -> Conv.simple().outputShape(in(s(1, 3, 5, 5), s(8, 3, 3, 3), s(7))), "bias [7] must have 8 values");
        assertIae(() -> Conv.simple().outputShape(in(s(1, 3, 5), s(8, 3, 3, 3))), "input X must have rank 4", "[1, 3, 5]");
        assertIae(() -> Conv.simple().outputShape(in(s(1, 3, 5, 5))), "Conv needs 2 to 3 inputs, found 1");
    }

    @Test
    void constructorsRejectImpossibleAttributesNamingTheValue() {
        assertIae(() -> new Conv(new int[] {1, 1}, new int[] {0, -1, 0, 0}, new int[] {1, 1}, 1, null), "pads", "[0, -1, 0, 0]");
        assertIae(() -> new Conv(new int[] {0, 1}, new int[4], new int[] {1, 1}, 1, null), "strides", "[0, 1]");
        assertIae(() -> new Conv(new int[] {1, 1}, new int[4], new int[] {1, -2}, 1, null), "dilations", "[1, -2]");
        assertIae(() -> new Conv(new int[] {1, 1}, new int[4], new int[] {1, 1}, 0, null), "group", "0");
        assertIae(() -> new ConvTranspose(new int[] {1, 1}, new int[] {-1, 0, 0, 0}, new int[] {1, 1}, 1, new int[2], null),
                "pads", "[-1, 0, 0, 0]");
        assertIae(() -> new ConvTranspose(new int[] {1, 1}, new int[4], new int[] {1, 1}, 1, new int[] {0, -1}, null),
                "outputPadding", "[0, -1]");
        assertIae(() -> new MaxPool(new int[] {0, 2}, new int[] {1, 1}, new int[4], new int[] {1, 1}, false, null), "kernel", "[0, 2]");
        assertIae(() -> new MaxPool(new int[] {2, 2}, new int[] {1, 1}, new int[4], new int[] {0, 1}, false, null),
                "dilations", "[0, 1]");
        assertIae(() -> new AveragePool(new int[] {2, 2}, new int[] {-1, 1}, new int[4], false, false, null), "strides", "[-1, 1]");
        assertIae(() -> new Pad(new int[] {0, -1, 0, 1}, PadMode.EDGE, 0), "negative pads", "[0, -1, 0, 1]");
    }

    @Test
    void hugePadsGiveAClearErrorInsteadOfReachingNd4j() {
        int p = Integer.MAX_VALUE / 2;
        Conv huge = conv(1, p, 1, 1, AutoPad.NOTSET);
        // 2^31-ish rows and columns of 16 channels: more elements than a long counts
        assertIae(() -> huge.outputShape(in(s(1, 3, 8, 8), s(16, 3, 3, 3))), "Conv output", "overflows a long");
        Pad pad = Pad.spatial(p, p, p, p, PadMode.CONSTANT, 0);
        assertIae(() -> pad.outputShape(in(s(1, 16, 8, 8))), "overflows a long");
        // within a long the shape is exact: sizing it against memory is the caller's budget check
        assertArrayEquals(s(1, 16, 200006, 200006), conv(1, 100000, 1, 1, AutoPad.NOTSET).outputShape(in(s(1, 3, 8, 8), s(16, 3, 3, 3))));
    }

    @Test
    void aHundredThousandSquaredInputIsCountedInLongs() {
        long[] x = s(1, 3, 100000, 100000);
        long[] y = conv(2, 1, 1, 1, AutoPad.NOTSET).outputShape(in(x, s(64, 3, 3, 3)));
        assertArrayEquals(s(1, 64, 50000, 50000), y);
        assertEquals(160_000_000_000L, Shapes.count(y));
        assertArrayEquals(s(1, 30_000_000_000L), new Flatten().outputShape(in(x)));
        // the interpolation matrix of a resize this large cannot be an array: a clear error, not a NegativeArraySizeException
        assertIae(() -> Resize.upsampleNearest(1).outputShape(in(x)), "interpolation matrix of 100000 x 100000", "[1, 3, 100000, 100000]");
        INDArray row = Nd4j.zeros(DataType.FLOAT, 1, 1, 1, 100000);
        assertIae(() -> new Resize(Interpolation.NEAREST, 0, 0, 1, 100000, null, null).forward(new INDArray[] {row}).close(),
                "interpolation matrix of 100000 x 100000");
        assertIae(() -> Shapes.count(s(1 << 20, 1 << 20, 1 << 20, 1 << 20)), "overflows a long");
        assertIae(() -> new Reshape(s(-1)).outputShape(in(s(1 << 20, 1 << 20, 1 << 20, 1 << 20))), "overflows a long");
    }

    @Test
    void poolingShapes() {
        long[] x = s(1, 96, 109, 109);
        assertArrayEquals(s(1, 96, 54, 54), MaxPool.of(3, 2).outputShape(in(x)));
        MaxPool ceil = new MaxPool(new int[] {3, 3}, new int[] {2, 2}, new int[4], new int[] {1, 1}, true, AutoPad.NOTSET);
        assertArrayEquals(s(1, 96, 55, 55), ceil.outputShape(in(s(1, 96, 110, 110))));
        AveragePool avg = new AveragePool(new int[] {3, 3}, new int[] {2, 2}, new int[] {1, 1, 1, 1}, true, false, null);
        assertArrayEquals(s(1, 8, 4, 4), avg.outputShape(in(s(1, 8, 7, 7))));
        assertArrayEquals(s(2, 5, 1, 1), new GlobalAveragePool().outputShape(in(s(2, 5, 7, 3))));
        assertArrayEquals(s(2, 5, 1), new GlobalMaxPool().outputShape(in(s(2, 5, 7))));
        assertIae(() -> MaxPool.of(3, 1).outputShape(in(s(1, 1, 2, 5))), "kernel 3 (dilation 1) does not fit input 2", "[1, 1, 2, 5]");
        MaxPool ceilPadded = new MaxPool(new int[] {2, 2}, new int[] {1, 1}, new int[] {1, 0, 1, 0}, new int[] {1, 1}, true, null);
        assertArrayEquals(s(1, 1, 2, 3), ceilPadded.outputShape(in(s(1, 1, 1, 4))));
        // two taps 3 apart after a begin pad of 2 on a 1-pixel axis: the first window's taps fall at -2 and 1, both padding
        MaxPool gap = new MaxPool(new int[] {2, 1}, new int[] {1, 1}, new int[] {2, 0, 2, 0}, new int[] {3, 1}, false, null);
        assertIae(() -> gap.outputShape(in(s(1, 1, 1, 3))), "window 0 along dimension 2 covers only padding");
        assertIae(() -> new GlobalMaxPool().outputShape(in(s(2, 3))), "rank 3 or more", "[2, 3]");
    }

    @Test
    void transposedConvolutionShapes() {
        assertArrayEquals(s(1, 8, 16, 16), ConvTranspose.of(2, 1).outputShape(in(s(1, 4, 8, 8), s(4, 8, 4, 4))));
        ConvTranspose grouped = new ConvTranspose(new int[] {2, 2}, new int[4], new int[] {1, 1}, 2, new int[] {1, 1}, AutoPad.NOTSET);
        assertArrayEquals(s(1, 6, 18, 18), grouped.outputShape(in(s(1, 4, 8, 8), s(4, 3, 3, 3))));
        assertIae(() -> ConvTranspose.of(1, 0).outputShape(in(s(1, 5, 8, 8), s(4, 3, 3, 3))), "need 4 input channels", "has 5");
        assertIae(() -> ConvTranspose.of(1, 5).outputShape(in(s(1, 4, 2, 2), s(4, 3, 3, 3))), "leave an empty output");
    }

    @Test
    void padResizeAndShapeOperators() {
        assertArrayEquals(s(1, 3, 11, 12), Pad.spatial(1, 2, 3, 4, PadMode.REFLECT, 0).outputShape(in(s(1, 3, 7, 6))));
        assertArrayEquals(s(1, 3, 5, 4), Pad.spatial(-1, -1, -1, 0, PadMode.CONSTANT, 0).outputShape(in(s(1, 3, 7, 5))));
        assertIae(() -> Pad.spatial(-4, 0, -3, 0, PadMode.CONSTANT, 0).outputShape(in(s(1, 3, 7, 5))), "leave nothing of dimension 2");
        assertIae(() -> Pad.spatial(3, 0, 0, 0, PadMode.REFLECT, 0).outputShape(in(s(1, 3, 3, 5))), "at most 2");
        assertArrayEquals(s(1, 3, 14, 15), new Resize(Interpolation.LINEAR, 2, 2.5, 0, 0, null, null).outputShape(in(s(1, 3, 7, 6))));
        assertArrayEquals(s(1, 3, 5, 9), Resize.bilinear(5, 9).outputShape(in(s(1, 3, 7, 6))));
        assertIae(() -> new Resize(Interpolation.LINEAR, 0.1, 1, 0, 0, null, null).outputShape(in(s(1, 3, 7, 6))), "empty output");
        assertArrayEquals(s(2, 60), new Reshape(s(0, -1)).outputShape(in(s(2, 3, 4, 5))));
        assertIae(() -> new Reshape(s(7, -1)).outputShape(in(s(2, 3, 4, 5))), "cannot infer the -1");
        assertArrayEquals(s(6, 20), new Flatten(2).outputShape(in(s(2, 3, 4, 5))));
        assertArrayEquals(s(2, 5), new Squeeze(new int[] {1, 3}).outputShape(in(s(2, 1, 5, 1))));
        assertArrayEquals(s(2, 1, 5), new Unsqueeze(new int[] {1}).outputShape(in(s(2, 5))));
        assertArrayEquals(s(2, 4, 5, 3), new Transpose(new int[] {0, 2, 3, 1}).outputShape(in(s(2, 3, 4, 5))));
        assertArrayEquals(s(5, 4, 3), new Transpose().outputShape(in(s(3, 4, 5))));
        assertIae(() -> new Transpose(new int[] {1, 0}).outputShape(in(s(3, 4, 5))), "perm [1, 0]", "rank 3");
        assertArrayEquals(s(1, 9, 4, 4), new Concat(1).outputShape(in(s(1, 4, 4, 4), s(1, 5, 4, 4))));
        assertArrayEquals(s(1, 4, 4, 4), new Concat(-3).outputShape(in(s(1, 4, 4, 4), s(1, 0, 4, 4))));
        assertIae(() -> new Concat(1).outputShape(in(s(1, 4, 4, 4), s(1, 5, 3, 4))), "equal sizes on the other axes");
        assertIae(() -> new Concat(4).outputShape(in(s(1, 4, 4, 4))), "axis 4 is out of range");
        assertArrayEquals(s(2, 3, 1, 1), ReduceMean.globalPool().outputShape(in(s(2, 3, 4, 5))));
        assertArrayEquals(s(3), new ReduceMean(new int[] {0, -1}, false).outputShape(in(s(2, 3, 4))));
        assertArrayEquals(s(), new ReduceMean(null, false).outputShape(in(s(2, 3, 4))));
    }

    @Test
    void matrixAndElementwiseShapes() {
        assertArrayEquals(s(8, 10), new Gemm(1, 1, false, true).outputShape(in(s(8, 512), s(10, 512), s(10))));
        assertArrayEquals(s(8, 10), new Gemm(1, 1, true, false).outputShape(in(s(512, 8), s(512, 10), s(8, 1))));
        assertIae(() -> new Gemm().outputShape(in(s(8, 512), s(500, 10))), "inner dimensions differ (512 vs 500)");
        assertIae(() -> new Gemm().outputShape(in(s(8, 5), s(5, 10), s(3))), "C shape [3] does not broadcast to the output shape [8, 10]");
        assertArrayEquals(s(2, 3, 4, 6), new MatMul().outputShape(in(s(2, 1, 4, 5), s(3, 5, 6))));
        assertArrayEquals(s(4), new MatMul().outputShape(in(s(4, 5), s(5))));
        assertIae(() -> new MatMul().outputShape(in(s(4, 5), s(6, 2))), "inner dimensions differ");
        assertArrayEquals(s(3, 7), new Dense().outputShape(in(s(3, 5), s(5, 7), s(7))));
        assertIae(() -> new Dense().outputShape(in(s(3, 5), s(4, 7))), "has 5 features but W [4, 7] expects 4");
        assertArrayEquals(s(2, 3, 4, 5), new Add().outputShape(in(s(2, 3, 4, 5), s(3, 1, 1))));
        assertArrayEquals(s(3, 2), new Mul().outputShape(in(s(3, 1), s(2))));
        assertArrayEquals(s(4, 3, 2), new Sum().outputShape(in(s(3, 1), s(2), s(4, 1, 1))));
        assertIae(() -> new Sub().outputShape(in(s(2, 3), s(4))), "[2, 3] and [4] do not broadcast");
        assertIae(() -> new Div().outputShape(in(s(2, 3))), "Div needs 2 inputs, found 1");
        assertArrayEquals(s(1, 8, 4, 4), new PRelu().outputShape(in(s(1, 8, 4, 4), s(8, 1, 1))));
        assertIae(() -> new PRelu().outputShape(in(s(1, 8, 4, 4), s(8))), "slope shape [8] does not broadcast");
        assertArrayEquals(s(1, 8, 4, 4), BatchNorm.standard().outputShape(in(s(1, 8, 4, 4), s(8), s(8), s(8), s(8))));
        assertIae(() -> BatchNorm.standard().outputShape(in(s(1, 8, 4, 4), s(8), s(7), s(8), s(8))), "B must have 8 values", "[7]");
        assertArrayEquals(s(1, 8, 4, 4), InstanceNorm.standard().outputShape(in(s(1, 8, 4, 4), s(8), s(8))));
        assertArrayEquals(s(1, 10), Softmax.classes().outputShape(in(s(1, 10))));
        assertIae(() -> new LogSoftmax(2, false).outputShape(in(s(1, 10))), "axis 2 is out of range", "[1, 10]");
        for (Op unary : new Op[] {new Relu(), new Sigmoid(), new Tanh(), new Elu(1), new LeakyRelu(0.1), new HardSigmoid(0.2, 0.5),
            new Log(), new Identity(), new Scale(2, 1), new Clip(0, 6), new Dropout()}) {
            assertArrayEquals(s(2, 3, 5), unary.outputShape(in(s(2, 3, 5))), unary.kind());
            assertIae(() -> unary.outputShape(in(s(2, 0, 5))), "dimension 1 of size 0");
        }
    }

    @Test
    void inputsAndConstants() {
        Input x = new Input(s(3, -1, 8));
        assertIae(() -> x.outputShape(in()), "no fixed size at axis 2");
        assertArrayEquals(s(4, 3, 5, 8), x.outputShape(in(s(4, 3, 5, 8))));
        assertIae(() -> x.outputShape(in(s(4, 3, 5, 9))), "expects shape [N, 3, ?, 8], found [4, 3, 5, 9]");
        assertArrayEquals(s(1, 3, 8), new Input(s(3, 8)).outputShape(in()));
        INDArray empty = Nd4j.create(DataType.FLOAT, 0);
        assertArrayEquals(s(0), new Constant(empty).outputShape(in()), "a constant may be empty");
        long[] given = s(4, 3, 5, 8);
        long[] out = x.outputShape(in(given));
        out[0] = 99;
        assertNotEquals(99, given[0], "the result is a fresh array");
    }
}
