package dev.cnnviz.dl4j.dl4j;

import static dev.cnnviz.dl4j.dl4j.Dl4jReference.relL2;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.ChannelOrder;
import dev.cnnviz.api.Layout;
import dev.cnnviz.api.ModelImportException;
import dev.cnnviz.api.Preprocessing;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.graph.ForwardPass;
import dev.cnnviz.core.graph.Graph;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.List;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** DL4J model zips saved in a temporary folder, loaded back through {@link Dl4jImporter}. */
class Dl4jImporterTest {
    @TempDir
    Path dir;

    /** The layout of the embedded default model: conv/relu/maxpool x3, global average pooling, softmax output. */
    static MultiLayerNetwork fashionLike(DataType dt) {
        MultiLayerConfiguration conf = Dl4jTranslatorTest.base(dt).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(8).convolutionMode(ConvolutionMode.Same).name("conv1").build())
                .layer(new ActivationLayer.Builder().activation(Activation.RELU).name("relu1").build())
                .layer(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).name("pool1").build())
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(8).convolutionMode(ConvolutionMode.Same).name("conv2").build())
                .layer(new ActivationLayer.Builder().activation(Activation.RELU).name("relu2").build())
                .layer(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).name("pool2").build())
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(8).convolutionMode(ConvolutionMode.Same).name("conv3").build())
                .layer(new ActivationLayer.Builder().activation(Activation.RELU).name("relu3").build())
                .layer(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).name("pool3").build())
                .layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).name("gap").build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10).activation(Activation.SOFTMAX)
                        .name("fc").build())
                .setInputType(InputType.convolutional(28, 28, 1))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        Dl4jTranslatorTest.randomize(net.getLayers(), 21);
        return net;
    }

    private static INDArray run(Model m, INDArray x) {
        try (ForwardPass pass = m.graph().forward(x)) {
            return pass.output().dup();
        }
    }

    @Test
    void multiLayerNetworkZipRoundTrip() throws Exception {
        MultiLayerNetwork net = fashionLike(DataType.FLOAT);
        Path zip = dir.resolve("fashion.zip");
        ModelSerializer.writeModel(net, zip.toFile(), false);
        Model m = Dl4jImporter.load(zip);
        assertEquals(1, m.inputSpec().channels());
        assertEquals(28, m.inputSpec().height());
        assertEquals(28, m.inputSpec().width());
        assertEquals(Layout.NCHW, m.inputSpec().originalLayout());
        assertEquals(Preprocessing.unit(ChannelOrder.GREY), m.inputSpec().preprocessing());
        assertEquals("DL4J MultiLayerNetwork (zip): fashion.zip", m.source());
        Graph g = m.graph();
        for (String n : List.of("conv1", "relu1", "pool1", "conv2", "relu2", "pool2", "conv3", "relu3", "pool3", "gap", "fc", "fc_preact")) {
            assertTrue(g.contains(n), n + "\n" + g.summary());
        }
        assertEquals("fc", g.outputName());
        assertEquals("fc_preact", g.scoresNode());
        INDArray x = Dl4jTranslatorTest.input(DataType.FLOAT, 4, 1, 28, 28);
        INDArray expected = net.output(x);
        assertTrue(relL2(run(m, x), expected) < 1e-5, "rel L2 " + relL2(run(m, x), expected));
    }

    @Test
    void computationGraphZipRoundTrip() throws Exception {
        ComputationGraph net = Dl4jTranslatorTest.residualGraph(true);
        Path zip = dir.resolve("graph.zip");
        ModelSerializer.writeModel(net, zip.toFile(), false);
        // the network was built for 10x9 inputs, which the zip does not record: the caller says so
        Model m = Dl4jImporter.load(zip, InputType.convolutional(10, 9, 3));
        assertEquals("DL4J ComputationGraph (zip): graph.zip", m.source());
        assertEquals(Preprocessing.raw(ChannelOrder.RGB), m.inputSpec().preprocessing());
        INDArray x = Dl4jTranslatorTest.input(DataType.DOUBLE, 2, 3, 10, 9);
        INDArray expected = net.outputSingle(x);
        assertTrue(relL2(run(m, x), expected) < 1e-5, "rel L2 " + relL2(run(m, x), expected));
        // inferred: global pooling leaves the size free, so the default colour size is used
        Model inferred = Dl4jImporter.load(zip);
        assertEquals(224, inferred.inputSpec().height());
        assertEquals(3, inferred.inputSpec().channels());
    }

    @Test
    void inputSizeIsInferredFromTheFlattenBeforeADenseLayer() throws Exception {
        MultiLayerConfiguration conf = Dl4jTranslatorTest.base(DataType.FLOAT).list()
                .layer(new ConvolutionLayer.Builder(5, 5).nOut(4).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new DenseLayer.Builder().nOut(7).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder().nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(20, 20, 3))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        Path zip = dir.resolve("dense.zip");
        ModelSerializer.writeModel(net, zip.toFile(), false);
        Model m = Dl4jImporter.load(zip);
        assertEquals(3, m.inputSpec().channels());
        assertEquals(20, m.inputSpec().height());
        assertEquals(20, m.inputSpec().width());
        INDArray x = Dl4jTranslatorTest.input(DataType.FLOAT, 2, 3, 20, 20);
        assertTrue(relL2(run(m, x), net.output(x)) < 1e-5);
    }

    @Test
    void flatInputTypeGivesAnImageInput() throws Exception {
        MultiLayerConfiguration conf = Dl4jTranslatorTest.base(DataType.FLOAT).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.RELU).build())
                .layer(new GlobalPoolingLayer.Builder(PoolingType.MAX).build())
                .layer(new OutputLayer.Builder().nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(12, 10, 1))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        Path zip = dir.resolve("flat.zip");
        ModelSerializer.writeModel(net, zip.toFile(), false);
        Model m = Dl4jImporter.load(zip);
        assertArrayEquals(new long[] {2, 1, 12, 10}, m.inputSpec().batchShape(2));
        INDArray x = Dl4jTranslatorTest.input(DataType.FLOAT, 2, 1, 12, 10);
        INDArray expected = net.output(x.reshape(2, 120));
        assertTrue(relL2(run(m, x), expected) < 1e-5);
    }

    @Test
    void sidecarInsideTheZipAndBesideIt() throws Exception {
        MultiLayerNetwork net = fashionLike(DataType.FLOAT);
        Path plain = dir.resolve("plain.zip");
        ModelSerializer.writeModel(net, plain.toFile(), false);
        Path zip = dir.resolve("with-sidecar.zip");
        addEntries(plain, zip, "input = 1,32,32\npreprocessing.order = GREY\npreprocessing.scale = 0.00392156862745098\n"
                + "preprocessing.mean = 0.5\npreprocessing.std = 0.25\n", "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n");
        Model m = Dl4jImporter.load(zip);
        assertEquals(32, m.inputSpec().height());
        assertEquals(0.5, m.inputSpec().preprocessing().mean()[0]);
        assertEquals(0.25, m.inputSpec().preprocessing().std()[0]);
        assertEquals(10, m.labels().size());
        assertEquals("c", m.labels().get(2));

        Files.writeString(dir.resolve("plain.labels.txt"), "zero\none\n", StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("plain.properties"), "preprocessing.order = GREY\npreprocessing.scale = 1\n", StandardCharsets.UTF_8);
        Model beside = Dl4jImporter.load(plain);
        assertEquals(List.of("zero", "one"), beside.labels());
        assertEquals(Preprocessing.raw(ChannelOrder.GREY), beside.inputSpec().preprocessing());

        Files.writeString(dir.resolve("plain.properties"), "preprocessing.order = RGB\n", StandardCharsets.UTF_8);
        ModelImportException e = assertThrows(ModelImportException.class, () -> Dl4jImporter.load(plain));
        assertTrue(e.getMessage().contains("sidecar"), e.getMessage());
    }

    private static void addEntries(Path from, Path to, String props, String labels) throws IOException {
        try (ZipFile in = new ZipFile(from.toFile()); OutputStream os = Files.newOutputStream(to); ZipOutputStream out = new ZipOutputStream(os)) {
            for (Enumeration<? extends ZipEntry> en = in.entries(); en.hasMoreElements(); ) {
                ZipEntry e = en.nextElement();
                out.putNextEntry(new ZipEntry(e.getName()));
                try (InputStream is = in.getInputStream(e)) {
                    is.transferTo(out);
                }
                out.closeEntry();
            }
            out.putNextEntry(new ZipEntry("cnnviz.properties"));
            out.write(props.getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
            out.putNextEntry(new ZipEntry("labels.txt"));
            out.write(labels.getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
        }
    }

    @Test
    void badFilesAreModelImportExceptions() throws Exception {
        Path missing = dir.resolve("missing.zip");
        assertMessage(missing, "no such file");

        Path random = dir.resolve("random.zip");
        byte[] bytes = new byte[5000];
        new Random(3).nextBytes(bytes);
        Files.write(random, bytes);
        assertMessage(random, "not a DL4J model zip");

        Path empty = dir.resolve("empty.zip");
        Files.write(empty, new byte[0]);
        assertMessage(empty, "empty");

        MultiLayerNetwork net = fashionLike(DataType.FLOAT);
        Path good = dir.resolve("good.zip");
        ModelSerializer.writeModel(net, good.toFile(), false);
        byte[] all = Files.readAllBytes(good);
        Path truncated = dir.resolve("truncated.zip");
        Files.write(truncated, java.util.Arrays.copyOf(all, all.length / 2));
        assertMessage(truncated, "");

        Path notModel = dir.resolve("other.zip");
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(notModel))) {
            out.putNextEntry(new ZipEntry("hello.txt"));
            out.write("hi".getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
        }
        assertMessage(notModel, "no configuration.json");
    }

    private static void assertMessage(Path file, String part) {
        ModelImportException e = assertThrows(ModelImportException.class, () -> Dl4jImporter.load(file));
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }

    @Test
    void embeddedDefaultModelWhenPresent() throws Exception {
        Path zip = null;
        for (Path d = Path.of("").toAbsolutePath(); d != null && zip == null; d = d.getParent()) {
            Path candidate = d.resolve("cnnviz-examples/src/main/resources/dev/cnnviz/examples/default/fashion-cnn.zip");
            if (Files.isRegularFile(candidate)) {
                zip = candidate;
            }
        }
        Assumptions.assumeTrue(zip != null, "the embedded default model fashion-cnn.zip is not there yet");
        Model m = Dl4jImporter.load(zip);
        assertEquals(1, m.inputSpec().channels());
        assertEquals(28, m.inputSpec().height());
        for (String n : List.of("conv1", "relu1", "pool1", "gap", "fc")) {
            assertTrue(m.graph().contains(n), n + "\n" + m.graph().summary());
        }
        INDArray x = Nd4j.rand(DataType.FLOAT, 3, 1, 28, 28);
        INDArray expected = m.source().contains("ComputationGraph")
                ? ModelSerializer.restoreComputationGraph(zip.toFile(), false).outputSingle(x)
                : ModelSerializer.restoreMultiLayerNetwork(zip.toFile(), false).output(x);
        assertTrue(relL2(run(m, x), expected) < 1e-5, "rel L2 " + relL2(run(m, x), expected));
        System.out.println("default model: " + m);
    }
}
