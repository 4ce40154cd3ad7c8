package dev.cnnviz.core.adversarial;

import dev.cnnviz.core.graph.HostArrays;
import java.nio.DoubleBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Bulk copies between Java float arrays and ND4J arrays, without per-call allocation on the plain paths. */
final class Host {
    private Host() {
    }

    /** Writes {@code src} into the plain float32 or float64 array {@code dst} (row-major). */
    static void write(float[] src, INDArray dst) {
        if (HostArrays.plain(dst) && dst.dataType() == DataType.FLOAT) {
            dst.data().asNioFloat().put(0, src);
            return;
        }
        if (HostArrays.plain(dst) && dst.dataType() == DataType.DOUBLE) {
            DoubleBuffer d = dst.data().asNioDouble();
            for (int i = 0; i < src.length; i++) {
                d.put(i, src[i]);
            }
            return;
        }
        throw new IllegalStateException("expected a plain float32 or float64 array, found " + dst.dataType()
                + " " + java.util.Arrays.toString(dst.shape()));
    }

    /** Reads {@code src} (any layout) into {@code dst}, row-major, narrowing to float. */
    static void read(INDArray src, float[] dst) {
        if (HostArrays.plain(src) && src.dataType() == DataType.FLOAT) {
            src.data().asNioFloat().get(0, dst);
            return;
        }
        if (HostArrays.plain(src) && src.dataType() == DataType.DOUBLE) {
            DoubleBuffer d = src.data().asNioDouble();
            for (int i = 0; i < dst.length; i++) {
                dst[i] = (float) d.get(i);
            }
            return;
        }
        float[] f = HostArrays.floats(src);
        System.arraycopy(f, 0, dst, 0, dst.length);
    }
}
