package dev.cnnviz.dl4j.onnx;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.core.SharedData;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.graph.ForwardPass;
import dev.cnnviz.core.graph.Graph;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Native memory over 1,000 forward + input-gradient passes of the real SqueezeNet (the foundation issue's
 * requirement, on the model users run rather than a toy net). Resident memory outside the Java heap and
 * JavaCPP's tracked allocations are sampled after 200, 600 and 1,000 passes; a leak of one activation per pass
 * (3 MB for conv1's output) would add more than a gigabyte between the last two samples.
 *
 * <p>Resident memory outside the heap is read from {@code /proc/self/smaps} minus the Java heap's own mapping:
 * subtracting the committed heap size instead (as {@code Pointer.physicalBytes() - totalMemory()}) counts heap
 * pages as the collector first touches them, which swung by ±60 MB between samples.
 */
class SqueezeNetMemoryTest {

    /** Resident bytes of every mapping except the Java heap's (the one mapping at least as large as -Xmx). */
    static long residentOutsideHeap() throws java.io.IOException {
        long heapReserve = Runtime.getRuntime().maxMemory();
        long total = 0;
        long size = 0;
        for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/smaps"))) {
            int dash = line.indexOf('-');
            int space = line.indexOf(' ');
            if (dash > 0 && space > dash && line.substring(0, dash).chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
                size = Long.parseUnsignedLong(line.substring(dash + 1, space), 16) - Long.parseUnsignedLong(line.substring(0, dash), 16);
            } else if (line.startsWith("Rss:") && size < heapReserve) {
                total += Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return total;
    }

    @Test
    void nativeMemoryStaysFlatOverAThousandPasses() throws Exception {
        Model m = OnnxImporter.load(SharedData.require("models/squeezenet1.1/squeezenet1.1-imagenet.onnx"));
        Graph g = m.graph();
        INDArray x = Nd4j.createFromNpyFile(SharedData.require("models/squeezenet1.1/cat-input.npy").toFile());
        INDArray seed = Nd4j.zeros(x.dataType(), 1, 1000, 1, 1);
        seed.putScalar(new long[] {0, 285, 0, 0}, 1);
        long[] resident = new long[3];
        long[] tracked = new long[3];
        int[] marks = {200, 600, 1000};
        int done = 0;
        for (int round = 0; round < marks.length; round++) {
            for (; done < marks[round]; done++) {
                try (ForwardPass pass = g.forward(x)) {
                    pass.backward(Map.of(g.scoresNode(), seed), List.of(g.inputName()));
                }
            }
            System.gc();
            resident[round] = residentOutsideHeap();
            tracked[round] = Pointer.totalBytes();
        }
        System.out.printf("SqueezeNet, 1,000 passes: resident outside the heap %d / %d / %d MB, JavaCPP-tracked %d / %d / %d MB"
                + " after 200 / 600 / 1,000%n", resident[0] >> 20, resident[1] >> 20, resident[2] >> 20,
                tracked[0] >> 20, tracked[1] >> 20, tracked[2] >> 20);
        long lateGrowth = resident[2] - resident[1];
        long trackedGrowth = tracked[2] - tracked[1];
        assertTrue(lateGrowth < 48L << 20, "resident memory outside the heap grew by " + (lateGrowth >> 20)
                + " MB over passes 600-1,000 (after " + ((resident[1] - resident[0]) >> 20) + " MB over 200-600)");
        assertTrue(trackedGrowth < 8L << 20, "JavaCPP-tracked memory grew by " + (trackedGrowth >> 20)
                + " MB over passes 600-1,000");
    }
}
