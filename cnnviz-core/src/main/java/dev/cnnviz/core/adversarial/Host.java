package dev.cnnviz.core.adversarial;

import dev.cnnviz.core.graph.HostArrays;
import java.nio.DoubleBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Bulk writes of Java float arrays into ND4J arrays, without per-call allocation (reads go through
 * {@link HostArrays#floatValues}).
 */
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
}
