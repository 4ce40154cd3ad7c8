package dev.cnnviz.dl4j.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.core.SharedData;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.graph.ForwardPass;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The opset-7 feed-forward style networks: ImageScaler, reflection Pad, InstanceNormalization, Crop (as a
 * negative Pad), ConvTranspose with output_shape, Affine.
 */
class StyleOnnxTest {

    @ParameterizedTest
    @ValueSource(strings = {"candy", "mosaic"})
    void importsAndStylizes(String name) throws Exception {
        long t0 = System.nanoTime();
        Model m = OnnxImporter.load(SharedData.require("models/style/" + name + ".onnx"));
        long t1 = System.nanoTime();
        assertEquals(3, m.inputSpec().channels());
        assertEquals(720, m.inputSpec().height());
        assertTrue(m.graph().nodes().stream().anyMatch(n -> n.op().kind().equals("ConvTranspose")));
        assertTrue(m.graph().nodes().stream().anyMatch(n -> n.op().kind().equals("InstanceNorm")));
        System.out.printf("%s: import %.0f ms%n", name, (t1 - t0) / 1e6);
        if (!name.equals("candy")) {
            return; // one forward pass at 720x720 (about 10 s on a CPU) is enough
        }
        System.out.println(m.graph().summary());
        INDArray x = Nd4j.rand(DataType.FLOAT, 1, 3, 720, 720).muli(255);
        try (ForwardPass pass = m.graph().infer(x, List.of())) {
            INDArray y = pass.output();
            long t2 = System.nanoTime();
            System.out.printf("%s: forward at 720x720 %.0f ms, output range [%.1f, %.1f]%n", name, (t2 - t1) / 1e6,
                    y.minNumber().doubleValue(), y.maxNumber().doubleValue());
            assertArrayEquals(new long[] {1, 3, 720, 720}, y.shape());
            assertTrue(Double.isFinite(y.sumNumber().doubleValue()));
        }
    }
}
