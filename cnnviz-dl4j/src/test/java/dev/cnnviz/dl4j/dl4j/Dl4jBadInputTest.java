package dev.cnnviz.dl4j.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.ModelImportException;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.graph.ForwardPass;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Hostile DL4J zips: parameters with NaN or infinite values, and configurations that do not match the parameters. */
class Dl4jBadInputTest {
    @TempDir
    Path dir;

    /** conv (3x3, 4 filters) -> batch norm (variance, not log10 std) -> global average pooling -> softmax output (3 classes), 8x8 grey input. */
    private static MultiLayerNetwork small() {
        MultiLayerConfiguration conf = Dl4jTranslatorTest.base(DataType.FLOAT).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.RELU).name("conv").build())
                .layer(new BatchNormalization.Builder().useLogStd(false).name("bn").build())
                .layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).name("gap").build())
                .layer(new OutputLayer.Builder().nOut(3).activation(Activation.SOFTMAX).name("fc").build())
                .setInputType(InputType.convolutional(8, 8, 1))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        Dl4jTranslatorTest.randomize(net.getLayers(), 5);
        return net;
    }

    private Path save(MultiLayerNetwork net, String name) throws Exception {
        Path zip = dir.resolve(name);
        ModelSerializer.writeModel(net, zip.toFile(), false);
        return zip;
    }

    private static String fails(Path zip, Dl4jImporter.Options options) {
        ModelImportException e = assertThrows(ModelImportException.class, () -> Dl4jImporter.load(zip, null, options));
        assertTrue(e.getMessage().startsWith(zip + ": "), e.getMessage());
        return e.getMessage();
    }

    private static float[] predict(Model m) {
        try (INDArray x = Nd4j.rand(DataType.FLOAT, m.inputSpec().batchShape(1)); ForwardPass p = m.graph().forward(x)) {
            return p.output().dup().toFloatVector();
        }
    }

    @Test
    void finiteNetworkLoads() throws Exception {
        float[] out = predict(Dl4jImporter.load(save(small(), "ok.zip")));
        assertEquals(3, out.length);
        for (float v : out) {
            assertTrue(Float.isFinite(v), Arrays.toString(out));
        }
    }

    @Test
    void nanParameterIsAnErrorNamingTheLayerAndTheOptOutLoadsIt() throws Exception {
        MultiLayerNetwork net = small();
        net.getLayer("conv").getParam("b").putScalar(1, Float.NaN);
        net.getLayer("conv").getParam("b").putScalar(2, Float.NaN);
        net.getLayer("fc").getParam("b").putScalar(0, Float.NaN);
        Path zip = save(net, "nan.zip");
        String m = fails(zip, Dl4jImporter.Options.defaults());
        assertTrue(m.contains("layer 'conv' weight 'b': 2 of 4 values are NaN; layer 'fc' weight 'b': 1 of 3 values are NaN"), m);
        assertTrue(m.contains("withNonFiniteWeightsAllowed(true)"), m);
        Model loaded = Dl4jImporter.load(zip, null, Dl4jImporter.Options.defaults().withNonFiniteWeightsAllowed(true));
        float[] out = predict(loaded);
        assertTrue(Float.isNaN(out[0]), "the parameters are loaded as they are: " + Arrays.toString(out));
    }

    @Test
    void infiniteParametersAndNegativeVariancesAreNamed() throws Exception {
        MultiLayerNetwork net = small();
        net.getLayer("fc").getParam("W").putScalar(0, 0, Float.POSITIVE_INFINITY);
        net.getLayer("bn").getParam("var").assign(-1);
        String m = fails(save(net, "inf.zip"), null);
        assertTrue(m.contains("layer 'bn' weight 'var': 4 of 4 values are at most -eps"), m);
        assertTrue(m.contains("layer 'fc' weight 'W': 1 of 12 values are infinite"), m);
    }

    @Test
    void hugeKernelInTheConfigurationIsAnErrorNotACrash() throws Exception {
        // DL4J compares the configuration's parameter count with coefficients.bin before allocating: a regression guard
        Path ok = save(small(), "small.zip");
        Path bad = dir.resolve("kernel99999.zip");
        try (ZipFile zf = new ZipFile(ok.toFile()); OutputStream os = Files.newOutputStream(bad); ZipOutputStream out = new ZipOutputStream(os)) {
            for (Enumeration<? extends ZipEntry> en = zf.entries(); en.hasMoreElements(); ) {
                ZipEntry e = en.nextElement();
                byte[] b = zf.getInputStream(e).readAllBytes();
                if (e.getName().equals("configuration.json")) {
                    String s = new String(b, StandardCharsets.UTF_8);
                    String t = s.replaceFirst("\"kernelSize\"\\s*:\\s*\\[\\s*3\\s*,\\s*3\\s*]", "\"kernelSize\" : [ 99999, 99999 ]");
                    assertTrue(!t.equals(s), s);
                    b = t.getBytes(StandardCharsets.UTF_8);
                }
                out.putNextEntry(new ZipEntry(e.getName()));
                out.write(b);
                out.closeEntry();
            }
        }
        String m = fails(bad, null);
        assertTrue(m.contains("DL4J could not restore the network") && m.contains("Invalid parameters"), m);
        assertEquals(3, predict(Dl4jImporter.load(ok)).length);
    }
}
