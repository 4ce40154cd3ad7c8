package dev.cnnviz.dl4j.dl4j;

import static dev.cnnviz.dl4j.dl4j.Dl4jReference.nchw;
import static dev.cnnviz.dl4j.dl4j.Dl4jReference.nhwc;
import static dev.cnnviz.dl4j.dl4j.Dl4jReference.relL2;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.ModelImportException;
import dev.cnnviz.core.graph.ForwardPass;
import dev.cnnviz.core.graph.Gradients;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.ops.Softmax;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.ScaleVertex;
import org.deeplearning4j.nn.conf.graph.ShiftVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Deconvolution2D;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.LocalResponseNormalization;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PReLULayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SeparableConvolution2D;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.Upsampling2D;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Random DL4J networks translated and compared with DL4J's own {@code output()} and backpropagation. */
class Dl4jTranslatorTest {
    private static final double TOL = 1e-5;

    static NeuralNetConfiguration.Builder base(DataType dt) {
        return new NeuralNetConfiguration.Builder().seed(7).dataType(dt).weightInit(WeightInit.XAVIER).updater(new Sgd(0.1));
    }

    /** Random parameters everywhere (biases and statistics too; variances and std logs kept sensible). */
    static void randomize(Layer[] layers, long seed) {
        Nd4j.getRandom().setSeed(seed);
        for (Layer l : layers) {
            for (Map.Entry<String, INDArray> e : l.paramTable().entrySet()) {
                INDArray p = e.getValue();
                INDArray r = switch (e.getKey()) {
                    case "var" -> Nd4j.rand(p.dataType(), p.shape()).addi(0.5);
                    case "log10stdev" -> Nd4j.rand(p.dataType(), p.shape()).muli(0.4).subi(0.2);
                    default -> Nd4j.randn(p.dataType(), p.shape()).muli(0.4);
                };
                l.setParam(e.getKey(), r);
            }
        }
    }

    static INDArray input(DataType dt, long... shape) {
        Nd4j.getRandom().setSeed(11);
        return Nd4j.randn(dt, shape);
    }

    private static INDArray ours(Graph g, INDArray x) {
        try (ForwardPass pass = g.forward(x)) {
            return pass.output().dup();
        }
    }

    static MultiLayerNetwork mln(CNN2DFormat f, DataType dt) {
        MultiLayerConfiguration conf = base(dt).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).convolutionMode(ConvolutionMode.Same).dataFormat(f)
                        .activation(Activation.RELU).name("conv1").build())
                .layer(new BatchNormalization.Builder().useLogStd(false).dataFormat(f).name("bn1").build())
                .layer(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).dataFormat(f).name("pool1").build())
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(6).stride(2, 2).padding(1, 1).dataFormat(f)
                        .activation(Activation.TANH).name("conv2").build())
                .layer(new SubsamplingLayer.Builder(PoolingType.AVG).kernelSize(3, 3).stride(2, 2).dataFormat(f)
                        .convolutionMode(ConvolutionMode.Same).name("pool2").build())
                .layer(new DenseLayer.Builder().nOut(10).activation(Activation.LEAKYRELU).name("fc1").build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(5).activation(Activation.SOFTMAX)
                        .name("out").build())
                .setInputType(InputType.convolutional(13, 12, 3, f))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        randomize(net.getLayers(), 1);
        return net;
    }

    @Test
    void multiLayerNetworkNchwMatchesDl4j() throws Exception {
        MultiLayerNetwork net = mln(CNN2DFormat.NCHW, DataType.DOUBLE);
        Graph g = Dl4jTranslator.translate(net, InputType.convolutional(13, 12, 3));
        INDArray x = input(DataType.DOUBLE, 2, 3, 13, 12);
        INDArray expected = net.output(x);
        INDArray actual = ours(g, x);
        assertTrue(relL2(actual, expected) < TOL, "rel L2 " + relL2(actual, expected));
        assertEquals("out", g.outputName());
        assertEquals("out_preact", g.scoresNode());
        assertTrue(g.node("out").op() instanceof Softmax);
        for (String n : List.of("input", "conv1", "conv1_preact", "bn1", "pool1", "conv2", "conv2_preact", "pool2", "fc1", "fc1_preact",
                "conv1/W", "conv1/b", "bn1/mean", "fc1/W")) {
            assertTrue(g.contains(n), n + " missing in\n" + g.summary());
        }
    }

    @Test
    void multiLayerNetworkNhwcMatchesDl4jAndFlattensInKerasOrder() throws Exception {
        MultiLayerNetwork net = mln(CNN2DFormat.NHWC, DataType.DOUBLE);
        Graph g = Dl4jTranslator.translate(net, InputType.convolutional(13, 12, 3, CNN2DFormat.NHWC));
        INDArray x = input(DataType.DOUBLE, 2, 3, 13, 12);
        INDArray expected = net.output(nhwc(x));
        INDArray actual = ours(g, x);
        assertTrue(relL2(actual, expected) < TOL, "rel L2 " + relL2(actual, expected));
        assertTrue(g.contains("fc1_preprocess_transpose"), g.summary());
        // the conv activation is NCHW in our graph while DL4J holds NHWC
        try (ForwardPass pass = g.forward(x)) {
            assertArrayEquals(new long[] {2, 4, 13, 12}, pass.get("conv1").shape());
        }
    }

    @Test
    void multiLayerNetworkFloatMatchesDl4j() throws Exception {
        MultiLayerNetwork net = mln(CNN2DFormat.NCHW, DataType.FLOAT);
        Graph g = Dl4jTranslator.translate(net, InputType.convolutional(13, 12, 3));
        INDArray x = input(DataType.FLOAT, 3, 3, 13, 12);
        INDArray expected = net.output(x);
        assertTrue(relL2(ours(g, x), expected) < TOL, "rel L2 " + relL2(ours(g, x), expected));
        assertEquals(DataType.FLOAT, g.dataType());
    }

    static ComputationGraph residualGraph(boolean withBatchNorm) {
        ComputationGraphConfiguration.GraphBuilder gb = base(DataType.DOUBLE).graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.convolutional(10, 9, 3))
                .addLayer("stem", new ConvolutionLayer.Builder(3, 3).nOut(8).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.RELU).build(), "in")
                .addLayer("b1", new ConvolutionLayer.Builder(1, 1).nOut(4).activation(Activation.RELU).build(), "stem")
                .addLayer("b2", new ConvolutionLayer.Builder(3, 3).nOut(4).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.RELU).build(), "stem")
                .addVertex("merge", new MergeVertex(), "b1", "b2");
        String beforeAdd = "merge";
        if (withBatchNorm) {
            gb.addLayer("bn", new BatchNormalization.Builder().build(), "merge");
            beforeAdd = "bn";
        }
        gb.addVertex("res", new ElementWiseVertex(ElementWiseVertex.Op.Add), beforeAdd, "stem")
                .addLayer("pool", new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(3, 3).stride(2, 2).build(), "res")
                .addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "pool")
                .addLayer("fc", new DenseLayer.Builder().nOut(6).activation(Activation.RELU).build(), "gap")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX)
                        .build(), "fc")
                .setOutputs("out");
        ComputationGraph net = new ComputationGraph(gb.build());
        net.init();
        randomize(net.getLayers(), 2);
        return net;
    }

    @Test
    void computationGraphWithMergeAddAndBatchNormMatchesDl4j() throws Exception {
        ComputationGraph net = residualGraph(true);
        Graph g = Dl4jTranslator.translate(net, InputType.convolutional(10, 9, 3));
        INDArray x = input(DataType.DOUBLE, 2, 3, 10, 9);
        INDArray expected = net.outputSingle(x);
        assertTrue(relL2(ours(g, x), expected) < TOL, "rel L2 " + relL2(ours(g, x), expected));
        assertEquals(List.of("in"), g.inputNames());
        assertEquals("out_preact", g.scoresNode());
        assertTrue(g.contains("gap_pool"), g.summary());
    }

    @Test
    void computationGraphInputGradientMatchesDl4jBackprop() throws Exception {
        ComputationGraph net = Dl4jReference.backpropReady(residualGraph(false));
        Graph g = Dl4jTranslator.translate(net, InputType.convolutional(10, 9, 3));
        INDArray x = input(DataType.DOUBLE, 2, 3, 10, 9);
        Nd4j.getRandom().setSeed(5);
        INDArray seed = Nd4j.randn(DataType.DOUBLE, 2, 6);
        // DL4J's OutputLayer backpropagates its loss (it needs labels), so seed the layer before it
        INDArray expected = Dl4jReference.inputGradient(net, x, "fc", seed);
        try (ForwardPass pass = g.forward(x)) {
            Gradients grads = pass.backward(Map.of("fc", seed), List.of("in"));
            INDArray actual = grads.get("in");
            assertTrue(relL2(actual, expected) < 1e-6, "rel L2 " + relL2(actual, expected));
        }
    }

    @Test
    void zooOfLayersAndVerticesMatchesDl4j() throws Exception {
        ComputationGraphConfiguration conf = base(DataType.DOUBLE).graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.convolutional(8, 7, 2))
                .addLayer("dw", new DepthwiseConvolution2D.Builder(3, 3).depthMultiplier(2).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.ELU).build(), "in")
                .addLayer("sep", new SeparableConvolution2D.Builder(3, 3).depthMultiplier(2).nOut(4).padding(1, 1)
                        .activation(Activation.SIGMOID).build(), "in")
                .addVertex("prod", new ElementWiseVertex(ElementWiseVertex.Op.Product), "dw", "sep")
                .addVertex("sub", new ElementWiseVertex(ElementWiseVertex.Op.Subtract), "dw", "sep")
                .addVertex("avg", new ElementWiseVertex(ElementWiseVertex.Op.Average), "prod", "sub", "dw")
                .addVertex("scale", new ScaleVertex(0.5), "avg")
                .addVertex("shift", new ShiftVertex(0.1), "scale")
                .addLayer("zp", new ZeroPaddingLayer.Builder(1, 0, 2, 1).build(), "shift")
                .addLayer("prelu", new PReLULayer.Builder().inputShape(4, 9, 10).sharedAxes(2, 3).build(), "zp")
                .addLayer("act", new ActivationLayer.Builder().activation(Activation.HARDSIGMOID).build(), "prelu")
                .addLayer("act2", new ActivationLayer.Builder().activation(Activation.RELU6).build(), "act")
                .addLayer("act3", new ActivationLayer.Builder().activation(Activation.HARDTANH).build(), "act2")
                .addLayer("up", new Upsampling2D.Builder(2).build(), "act3")
                .addLayer("drop", new DropoutLayer.Builder(0.5).build(), "up")
                .addLayer("pool", new SubsamplingLayer.Builder(PoolingType.AVG).kernelSize(3, 3).stride(2, 2).padding(1, 1)
                        .avgPoolIncludePadInDivisor(true).build(), "drop")
                .addLayer("pool2", new SubsamplingLayer.Builder(PoolingType.AVG).kernelSize(2, 2).stride(1, 1).padding(1, 1)
                        .avgPoolIncludePadInDivisor(false).build(), "pool")
                .addLayer("gmax", new GlobalPoolingLayer.Builder(PoolingType.MAX).build(), "pool2")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(3).activation(Activation.TANH).build(), "gmax")
                .setOutputs("out")
                .build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        randomize(net.getLayers(), 3);
        Graph g = Dl4jTranslator.translate(net, InputType.convolutional(8, 7, 2));
        INDArray x = input(DataType.DOUBLE, 2, 2, 8, 7);
        INDArray expected = net.outputSingle(x);
        assertTrue(relL2(ours(g, x), expected) < TOL, "rel L2 " + relL2(ours(g, x), expected) + "\n" + g.summary());
        // intermediate values too (DL4J's activations are NCHW here)
        Map<String, INDArray> acts = net.feedForward(x, false);
        try (ForwardPass pass = g.forward(x)) {
            // (DL4J's activation layers work in place on their input arrays, so only values not overwritten later are compared)
            for (String n : List.of("dw", "sep", "prod", "sub", "avg", "scale", "shift", "pool", "pool2", "gmax")) {
                assertTrue(relL2(pass.get(n), acts.get(n)) < TOL, n + ": rel L2 " + relL2(pass.get(n), acts.get(n)));
            }
        }
    }

    @Test
    void deconvolutionAndChannelsLastBatchNormWithLogStdMatchDl4j() throws Exception {
        for (ConvolutionMode mode : new ConvolutionMode[] {ConvolutionMode.Truncate, ConvolutionMode.Same}) {
            MultiLayerConfiguration conf = base(DataType.DOUBLE).list()
                    .layer(new ConvolutionLayer.Builder(3, 3).nOut(3).stride(2, 2).activation(Activation.RELU).build())
                    .layer(new Deconvolution2D.Builder(3, 3).nOut(4).stride(2, 2).padding(1, 1).convolutionMode(mode)
                            .activation(Activation.IDENTITY).build())
                    .layer(new BatchNormalization.Builder().useLogStd(true).build())
                    .layer(new BatchNormalization.Builder().lockGammaBeta(true).gamma(1.5).beta(-0.25).build())
                    .setInputType(InputType.convolutional(11, 10, 2))
                    .build();
            MultiLayerNetwork net = new MultiLayerNetwork(conf);
            net.init();
            randomize(net.getLayers(), 4);
            Graph g = Dl4jTranslator.translate(net, InputType.convolutional(11, 10, 2));
            INDArray x = input(DataType.DOUBLE, 2, 2, 11, 10);
            INDArray expected = net.output(x);
            assertTrue(relL2(ours(g, x), expected) < TOL, mode + ": rel L2 " + relL2(ours(g, x), expected));
        }
    }

    @Test
    void softmaxActivationOnConvolutionsFollowsDl4jAxis() throws Exception {
        for (CNN2DFormat f : CNN2DFormat.values()) {
            MultiLayerConfiguration conf = base(DataType.DOUBLE).list()
                    .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).dataFormat(f).activation(Activation.SOFTMAX).name("c").build())
                    .setInputType(InputType.convolutional(7, 6, 2, f))
                    .build();
            MultiLayerNetwork net = new MultiLayerNetwork(conf);
            net.init();
            randomize(net.getLayers(), 6);
            Graph g = Dl4jTranslator.translate(net, InputType.convolutional(7, 6, 2, f));
            INDArray x = input(DataType.DOUBLE, 2, 2, 7, 6);
            INDArray expected = net.output(f == CNN2DFormat.NHWC ? nhwc(x) : x);
            INDArray actual = ours(g, x);
            INDArray cmp = f == CNN2DFormat.NHWC ? nchw(expected) : expected;
            assertTrue(relL2(actual, cmp) < TOL, f + ": rel L2 " + relL2(actual, cmp));
        }
    }

    @Test
    void unsupportedLayerNamesLayerClassAndSupportedSet() {
        ComputationGraphConfiguration conf = base(DataType.FLOAT).graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.convolutional(8, 8, 3))
                .addLayer("c1", new ConvolutionLayer.Builder(3, 3).nOut(4).build(), "in")
                .addLayer("lrn1", new LocalResponseNormalization.Builder().build(), "c1")
                .addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "lrn1")
                .addLayer("out", new OutputLayer.Builder().nOut(2).activation(Activation.SOFTMAX).build(), "gap")
                .setOutputs("out")
                .build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        ModelImportException e = assertThrows(ModelImportException.class,
                () -> Dl4jTranslator.translate(net, new InputType[] {InputType.convolutional(8, 8, 3)}, java.nio.file.Path.of("m.zip")));
        String m = e.getMessage();
        assertTrue(m.startsWith("m.zip: "), m);
        assertTrue(m.contains("'lrn1'") && m.contains("LocalResponseNormalization") && m.contains("supported layers:"), m);
    }

    @Test
    void unsupportedActivationAndPoolingAreNamed() {
        MultiLayerConfiguration conf = base(DataType.FLOAT).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.SWISH).name("c1").build())
                .setInputType(InputType.convolutional(8, 8, 3))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        ModelImportException e = assertThrows(ModelImportException.class,
                () -> Dl4jTranslator.translate(net, InputType.convolutional(8, 8, 3)));
        assertTrue(e.getMessage().contains("'c1'") && e.getMessage().contains("ActivationSwish"), e.getMessage());

        MultiLayerConfiguration conf2 = base(DataType.FLOAT).list()
                .layer(new SubsamplingLayer.Builder(PoolingType.PNORM).kernelSize(2, 2).pnorm(2).name("p").build())
                .setInputType(InputType.convolutional(8, 8, 3))
                .build();
        MultiLayerNetwork net2 = new MultiLayerNetwork(conf2);
        net2.init();
        ModelImportException e2 = assertThrows(ModelImportException.class,
                () -> Dl4jTranslator.translate(net2, InputType.convolutional(8, 8, 3)));
        assertTrue(e2.getMessage().contains("'p'") && e2.getMessage().contains("PNORM"), e2.getMessage());
    }
}
