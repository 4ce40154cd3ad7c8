package dev.cnnviz.dl4j.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The import-time folding helpers against hand-computed numpy results. */
class OnnxTensorTest {
    private static final OnnxTensor M = OnnxTensor.ofFloats(new long[] {2, 3}, new float[] {0, 1, 2, 3, 4, 5});

    @Test
    void transpose() {
        OnnxTensor t = M.transpose(new int[] {1, 0});
        assertArrayEquals(new long[] {3, 2}, t.dims());
        assertArrayEquals(new double[] {0, 3, 1, 4, 2, 5}, t.doubles());
    }

    @Test
    void sliceWithStepsAndNegativeIndices() {
        // numpy: m[:, ::-2] -> [[2, 0], [5, 3]]
        OnnxTensor s = M.slice(new long[] {-1}, new long[] {Long.MIN_VALUE + 2}, new int[] {1}, new long[] {-2});
        assertArrayEquals(new long[] {2, 2}, s.dims());
        assertArrayEquals(new double[] {2, 0, 5, 3}, s.doubles());
        // m[1:, 1:100] -> [[4, 5]]
        OnnxTensor t = M.slice(new long[] {1, 1}, new long[] {Long.MAX_VALUE, 100}, new int[] {0, 1}, new long[] {1, 1});
        assertArrayEquals(new double[] {4, 5}, t.doubles());
    }

    @Test
    void gatherConcatAndBroadcastArithmetic() {
        assertArrayEquals(new double[] {2, 0, 5, 3}, M.gather(OnnxTensor.vector(2, -3), 1).doubles());
        OnnxTensor c = OnnxTensor.concat(new OnnxTensor[] {M, OnnxTensor.ofLongs(new long[] {2, 1}, new long[] {7, 8})}, 1);
        assertArrayEquals(new long[] {2, 4}, c.dims());
        assertArrayEquals(new double[] {0, 1, 2, 7, 3, 4, 5, 8}, c.doubles());
        OnnxTensor col = OnnxTensor.ofFloats(new long[] {2, 1}, new float[] {10, 20});
        assertArrayEquals(new double[] {10, 11, 12, 23, 24, 25}, OnnxTensor.arithmetic(M, col, '+').doubles());
        assertArrayEquals(new long[] {-3, 3}, OnnxTensor.arithmetic(OnnxTensor.vector(-7, 7), OnnxTensor.vector(2), '/').longs(),
                "integer division truncates like C");
    }

    @Test
    void batchPlaceholderIsNotArithmetic() {
        OnnxTensor shape = OnnxTensor.vector(OnnxTensor.BATCH, 4);
        assertThrows(IllegalArgumentException.class, () -> OnnxTensor.arithmetic(shape, OnnxTensor.vector(2), '*'));
        assertEquals("int[2] [N, 4]", shape.toString());
    }

    @Test
    void halfPrecision() {
        assertEquals(1.5f, TensorReader.halfToFloat(0x3E00));
        assertEquals(-2f, TensorReader.halfToFloat(0xC000));
        assertEquals(65504f, TensorReader.halfToFloat(0x7BFF));
        assertEquals(0x1p-24f, TensorReader.halfToFloat(0x0001));
        assertEquals(Float.NEGATIVE_INFINITY, TensorReader.halfToFloat(0xFC00));
    }
}
