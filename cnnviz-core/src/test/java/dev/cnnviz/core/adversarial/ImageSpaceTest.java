package dev.cnnviz.core.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cnnviz.api.ChannelOrder;
import dev.cnnviz.api.InputSpec;
import dev.cnnviz.api.Layout;
import dev.cnnviz.api.Preprocessing;
import dev.cnnviz.core.image.ImageTensors;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The preprocessing map of the attacks' image space: its adjoint, and agreement with {@link ImageTensors#toBatch}. */
class ImageSpaceTest {

    static Preprocessing pre(String name) {
        return switch (name) {
            case "raw-rgb" -> Preprocessing.raw(ChannelOrder.RGB);
            case "caffe-bgr" -> Preprocessing.caffeBgr(104, 117, 123);
            case "torch" -> Preprocessing.imagenetTorch();
            case "unit-grey" -> Preprocessing.unit(ChannelOrder.GREY);
            default -> throw new IllegalArgumentException(name);
        };
    }

    @ParameterizedTest
    @ValueSource(strings = {"raw-rgb", "caffe-bgr", "torch", "unit-grey"})
    void adjointSatisfiesTheInnerProductIdentity(String name) {
        Preprocessing p = pre(name);
        int c = p.order().channels();
        ImageSpace s = ImageSpace.of(new InputSpec(c, 5, 3, Layout.NCHW, p));
        Random r = new Random(name.hashCode());
        int n = 2;
        float[] u = new float[n * s.imageLength()];
        float[] g = new float[n * s.modelLength()];
        for (int i = 0; i < u.length; i++) {
            u[i] = r.nextFloat();
        }
        for (int i = 0; i < g.length; i++) {
            g[i] = r.nextFloat() * 2 - 1;
        }
        float[] pu = new float[g.length];
        float[] p0 = new float[g.length];
        s.apply(u, pu);
        s.apply(new float[u.length], p0);
        float[] atg = new float[u.length];
        s.adjoint(g, atg);
        double lhs = 0;
        for (int i = 0; i < g.length; i++) {
            lhs += ((double) pu[i] - p0[i]) * g[i];
        }
        double rhs = 0;
        for (int i = 0; i < u.length; i++) {
            rhs += (double) u[i] * atg[i];
        }
        assertEquals(lhs, rhs, 1e-4 * Math.max(1, Math.abs(lhs)), "<A u, g> = <u, A^T g> for " + p);
    }

    @ParameterizedTest
    @ValueSource(strings = {"raw-rgb", "caffe-bgr", "torch", "unit-grey"})
    void forwardMapMatchesTheImagePipeline(String name) {
        Preprocessing p = pre(name);
        InputSpec spec = new InputSpec(p.order().channels(), 4, 6, Layout.NCHW, p);
        BufferedImage img = new BufferedImage(6, 4, BufferedImage.TYPE_INT_RGB);
        Random r = new Random(3);
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 6; x++) {
                img.setRGB(x, y, r.nextInt(1 << 24));
            }
        }
        ImageSpace s = ImageSpace.of(spec);
        float[] u = s.fromImages(List.of(img));
        float[] x = new float[s.modelLength()];
        s.apply(u, x);
        try (INDArray want = ImageTensors.toBatch(img, spec)) {
            float[] w = want.data().asFloat();
            for (int i = 0; i < w.length; i++) {
                assertEquals(w[i], x[i], 1e-3 * Math.max(1, Math.abs(w[i])), "value " + i + " for " + p);
            }
        }
    }
}
