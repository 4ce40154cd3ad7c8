package dev.cnnviz.examples.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.ops.Conv;
import dev.cnnviz.core.graph.ops.Dense;
import dev.cnnviz.core.graph.ops.Flatten;
import dev.cnnviz.core.graph.ops.Gemm;
import dev.cnnviz.core.graph.ops.Relu;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

class FlopsTest {

    /** x [N,2,5,5] -> conv 3x3 pad 1 (3 filters) -> relu -> conv 3x3 stride 2 groups 3 (6 filters) -> flatten -> gemm (4). */
    private static Graph tiny(boolean dense) {
        Graph.Builder b = Graph.builder()
                .input("x", 2, 5, 5)
                .constant("w1", Nd4j.rand(DataType.FLOAT, 3, 2, 3, 3))
                .add("conv1", Conv.padded(1), "x", "w1")
                .add("relu", new Relu(), "conv1")
                .constant("w2", Nd4j.rand(DataType.FLOAT, 6, 1, 3, 3))
                .add("conv2", new Conv(new int[] {2, 2}, new int[4], new int[] {1, 1}, 3, null), "relu", "w2")
                .add("flat", new Flatten(), "conv2");
        if (dense) {
            b.constant("fc", Nd4j.rand(DataType.FLOAT, 24, 4)).add("out", new Dense(), "flat", "fc");
        } else {
            b.constant("fc", Nd4j.rand(DataType.FLOAT, 4, 24)).add("out", new Gemm(1, 1, false, true), "flat", "fc");
        }
        return b.output("out").build();
    }

    @Test
    void countsConvolutionsAndMatrixProducts() {
        // conv1: 2·N·O·(C/g)·kH·kW·oH·oW = 2·3·2·3·3·5·5 = 2700 per image
        // conv2: output 2x2 (5 -> (5-3)/2+1), groups 3: 2·6·1·3·3·2·2 = 432
        // gemm: 2·K·Nout = 2·24·4 = 192
        long perImage = 2700 + 432 + 192;
        assertEquals(perImage, Flops.count(tiny(false), new long[] {1, 2, 5, 5}));
        assertEquals(7 * perImage, Flops.count(tiny(false), new long[] {7, 2, 5, 5}));
        assertEquals(perImage, Flops.count(tiny(true), new long[] {1, 2, 5, 5}));
    }

    @Test
    void rejectsShapesWithoutABatch() {
        assertThrows(IllegalArgumentException.class, () -> Flops.count(tiny(false), new long[] {0, 2, 5, 5}));
        assertThrows(IllegalArgumentException.class, () -> Flops.count(tiny(false), new long[] {5}));
    }
}
