package dev.cnnviz.core.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** Every kind of array gives its row-major values: plain float32/float64 (bulk), views, 'f' order, other types. */
class HostArraysTest {
    private static final double[] VALUES = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};

    @Test
    void plainArraysOfEveryTypeGiveTheirValues() {
        for (DataType t : new DataType[] {DataType.FLOAT, DataType.DOUBLE, DataType.HALF, DataType.INT}) {
            INDArray a = Nd4j.createFromArray(VALUES).castTo(t).reshape(3, 4);
            assertArrayEquals(VALUES, HostArrays.doubles(a), 0, t.toString());
            assertArrayEquals(floats(VALUES), HostArrays.floats(a), 0, t.toString());
        }
        assertTrue(HostArrays.plain(Nd4j.createFromArray(VALUES).reshape(3, 4)));
    }

    @Test
    void viewsAndFortranOrderGiveRowMajorValues() {
        INDArray whole = Nd4j.createFromArray(VALUES).castTo(DataType.FLOAT).reshape(3, 4);
        INDArray row = whole.get(NDArrayIndex.point(1), NDArrayIndex.all());
        assertFalse(HostArrays.plain(row));
        assertArrayEquals(new double[] {4, 5, 6, 7}, HostArrays.doubles(row), 0);
        assertArrayEquals(new float[] {4, 5, 6, 7}, HostArrays.floats(row), 0);
        INDArray column = whole.get(NDArrayIndex.all(), NDArrayIndex.point(2));
        assertArrayEquals(new double[] {2, 6, 10}, HostArrays.doubles(column), 0);
        INDArray fortran = whole.dup('f');
        assertFalse(HostArrays.plain(fortran));
        assertArrayEquals(VALUES, HostArrays.doubles(fortran), 0);
        assertArrayEquals(VALUES, HostArrays.doubles(whole.transpose().transpose()), 0);
    }

    private static float[] floats(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }

    @Test
    void allFiniteFindsEveryNonFiniteValueInPlainArraysAndViews() {
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            double big = type == DataType.FLOAT ? Float.MAX_VALUE : Double.MAX_VALUE;
            INDArray a = Nd4j.create(type, 3, 37).assign(1.5);
            a.putScalar(0, 0, -big);
            a.putScalar(2, 36, big);
            assertTrue(HostArrays.allFinite(a), type + ": the largest finite values are finite");
            for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
                for (long at : new long[] {0, 50, 110}) {
                    INDArray b = a.dup();
                    b.putScalar(at, bad);
                    assertFalse(HostArrays.allFinite(b), type + ": " + bad + " at " + at);
                    INDArray view = b.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 37));
                    assertFalse(HostArrays.allFinite(view.transpose()), type + ": " + bad + " at " + at + ", a view");
                }
            }
            assertTrue(HostArrays.allFinite(a.get(NDArrayIndex.interval(1, 3), NDArrayIndex.all())), type + ", a slice");
        }
    }

    @Test
    void allFiniteOverAHostRangeSeesOnlyThatRange() {
        float[] v = {1, -0f, Float.MAX_VALUE, -Float.MAX_VALUE, Float.MIN_VALUE, 3};
        org.junit.jupiter.api.Assertions.assertTrue(HostArrays.allFinite(v, 0, v.length));
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            for (int at = 0; at < v.length; at++) {
                float[] w = v.clone();
                w[at] = bad;
                org.junit.jupiter.api.Assertions.assertFalse(HostArrays.allFinite(w, 0, w.length), bad + " at " + at);
                org.junit.jupiter.api.Assertions.assertEquals(true, HostArrays.allFinite(w, at + 1, w.length - at - 1),
                        "after " + at);
                org.junit.jupiter.api.Assertions.assertEquals(true, HostArrays.allFinite(w, 0, at), "before " + at);
            }
        }
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> HostArrays.allFinite(v, 4, 3));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> HostArrays.allFinite(v, -1, 1));
    }

    @Test
    void valuesAreTheArraysOwnBufferWhenPlainElseACopy() {
        INDArray plain = Nd4j.createFromArray(new float[][] {{1, 2, 3}, {4, 5, 6}});
        java.nio.FloatBuffer own = HostArrays.floatValues(plain);
        assertTrue(own.isDirect());
        own.put(4, 50f);   // no copy: a write through the buffer is a write to the array
        assertTrue(plain.getFloat(1, 1) == 50f);
        // a transposed view and a float64 array come as row-major copies, narrowed
        INDArray view = plain.transpose();
        java.nio.FloatBuffer copy = HostArrays.floatValues(view);
        assertFalse(copy.isDirect());
        float[] got = new float[6];
        copy.get(0, got);
        assertArrayEquals(new float[] {1, 4, 2, 50, 3, 6}, got);
        java.nio.FloatBuffer narrowed = HostArrays.floatValues(plain.castTo(DataType.DOUBLE));
        narrowed.get(0, got);
        assertArrayEquals(new float[] {1, 2, 3, 4, 50, 6}, got);
        INDArray wide = Nd4j.createFromArray(new double[] {0.5, -1, 1e300});
        assertTrue(HostArrays.doubleValues(wide).isDirect());
        double[] d = new double[3];
        HostArrays.doubleValues(wide).get(0, d);
        assertArrayEquals(new double[] {0.5, -1, 1e300}, d);
        HostArrays.doubleValues(plain).get(0, d);   // float32 widened, a copy
        assertArrayEquals(new double[] {1, 2, 3}, d);
        assertFalse(HostArrays.doubleValues(plain).isDirect());
    }
}
