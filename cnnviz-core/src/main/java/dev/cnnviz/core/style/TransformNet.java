package dev.cnnviz.core.style;

import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.ops.Add;
import dev.cnnviz.core.graph.ops.Conv;
import dev.cnnviz.core.graph.ops.ConvTranspose;
import dev.cnnviz.core.graph.ops.InstanceNorm;
import dev.cnnviz.core.graph.ops.Pad;
import dev.cnnviz.core.graph.ops.PadMode;
import dev.cnnviz.core.graph.ops.Relu;
import dev.cnnviz.core.graph.ops.Resize;
import dev.cnnviz.core.graph.ops.Scale;
import dev.cnnviz.core.graph.ops.Tanh;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The image transformation network of Johnson, Alahi &amp; Fei-Fei 2016 ("Perceptual Losses for Real-Time Style
 * Transfer and Super-Resolution", ECCV, supplementary material), with the published improvements that Johnson's
 * {@code fast-neural-style} and PyTorch's {@code examples/fast_neural_style} use: instance normalization instead of
 * batch normalization (Ulyanov et al. 2016), reflect padding instead of zero padding, and optionally nearest
 * upsampling followed by a convolution instead of a transposed convolution (Odena et al. 2016, against checkerboard
 * artefacts). With width {@code w}:
 * <pre>
 * input [N, 3, H, W], RGB 0..255
 * reflect-pad 4, conv 9×9 3→w,       instance norm, ReLU
 * reflect-pad 1, conv 3×3 w→2w /2,   instance norm, ReLU
 * reflect-pad 1, conv 3×3 2w→4w /2,  instance norm, ReLU
 * B residual blocks: x + IN(conv3×3(pad(ReLU(IN(conv3×3(pad(x)))))))
 * ×2 nearest, reflect-pad 1, conv 3×3 4w→2w, instance norm, ReLU     (or transposed conv 3×3 /2)
 * ×2 nearest, reflect-pad 1, conv 3×3 2w→w,  instance norm, ReLU
 * reflect-pad 4, conv 9×9 w→3
 * output = 150 · tanh(y) + 127.5      (RGB pixels; values outside 0..255 are clamped when written)
 * </pre>
 * The defaults are the paper's: width 32 (32/64/128 channels), 5 residual blocks, 9×9 outer convolutions and
 * instance normalization with learned scale and shift. The output scaling is Johnson's ({@code nn.Tanh} then
 * {@code MulConstant(150)} on mean-centred pixels); {@code fast_neural_style} in PyTorch instead leaves the output
 * linear and clamps it to 0..255 when saving ({@link #builder()}{@code .tanhOutput(false)}). Images whose sides are
 * multiples of 4 come out at their own size; other sizes come out rounded up to a multiple of 4.
 *
 * <p>Weights start as PyTorch's default {@code Conv2d} initialisation, uniform in {@code ±1/√fan_in} (weights and
 * biases), drawn from a {@link SplittableRandom} of the seed; instance-norm scales start at 1, shifts at 0.
 *
 * <pre>{@code
 * Graph paper = TransformNet.builder().build();                                     // 1.68 M parameters
 * Graph small = TransformNet.builder().width(8).residualBlocks(2).outerKernel(5).seed(3).build();
 * }</pre>
 */
public final class TransformNet {
    /** The name of the network's input node. */
    public static final String INPUT = "input";
    /** The name of the network's output node (RGB pixels). */
    public static final String OUTPUT = "output";

    private TransformNet() {
    }

    /** @return a builder with the paper's defaults */
    public static Builder builder() {
        return new Builder();
    }

    /** Options of the network; every setter validates its value. */
    public static final class Builder {
        private int width = 32;
        private int residualBlocks = 5;
        private int outerKernel = 9;
        private boolean upsampleConv = true;
        private boolean tanhOutput = true;
        private long seed = 0;
        private DataType dataType = DataType.FLOAT;

        private Builder() {
        }

        /**
         * @param w channels of the first layer (the others have 2w and 4w), 1..256; default 32
         * @return this builder
         */
        public Builder width(int w) {
            if (w < 1 || w > 256) {
                throw new IllegalArgumentException("TransformNet width must be 1..256, found " + w);
            }
            this.width = w;
            return this;
        }

        /**
         * @param n residual blocks, 0..32; default 5
         * @return this builder
         */
        public Builder residualBlocks(int n) {
            if (n < 0 || n > 32) {
                throw new IllegalArgumentException("TransformNet residual blocks must be 0..32, found " + n);
            }
            this.residualBlocks = n;
            return this;
        }

        /**
         * @param k the kernel size of the first and last convolutions, an odd number 1..15; default 9
         * @return this builder
         */
        public Builder outerKernel(int k) {
            if (k < 1 || k > 15 || k % 2 == 0) {
                throw new IllegalArgumentException("TransformNet outer kernel must be odd, 1..15, found " + k);
            }
            this.outerKernel = k;
            return this;
        }

        /**
         * @param nearest true (default): upsample by nearest-neighbour repetition then convolve; false: the paper's
         *                transposed convolutions (stride 2, pad 1, output padding 1)
         * @return this builder
         */
        public Builder upsampleConv(boolean nearest) {
            this.upsampleConv = nearest;
            return this;
        }

        /**
         * @param tanh true (default): {@code 150·tanh(y) + 127.5}; false: the last convolution's output as it is
         * @return this builder
         */
        public Builder tanhOutput(boolean tanh) {
            this.tanhOutput = tanh;
            return this;
        }

        /**
         * @param s the seed of the initial weights
         * @return this builder
         */
        public Builder seed(long s) {
            this.seed = s;
            return this;
        }

        /**
         * @param type FLOAT (default) or DOUBLE (for gradient checks)
         * @return this builder
         */
        public Builder dataType(DataType type) {
            if (type != DataType.FLOAT && type != DataType.DOUBLE) {
                throw new IllegalArgumentException("TransformNet data type must be FLOAT or DOUBLE, found " + type);
            }
            this.dataType = type;
            return this;
        }

        /** @return the network, input {@value #INPUT} {@code [N, 3, ?, ?]}, output {@value #OUTPUT} */
        public Graph build() {
            Net n = new Net(new SplittableRandom(seed), dataType);
            n.g.input(INPUT, 3, -1, -1);
            String x = n.convLayer("conv1", INPUT, 3, width, outerKernel, 1, true);
            x = n.convLayer("conv2", x, width, 2 * width, 3, 2, true);
            x = n.convLayer("conv3", x, 2 * width, 4 * width, 3, 2, true);
            for (int i = 1; i <= residualBlocks; i++) {
                String r = "res" + i;
                String y = n.convLayer(r + "/conv1", x, 4 * width, 4 * width, 3, 1, true);
                y = n.convLayer(r + "/conv2", y, 4 * width, 4 * width, 3, 1, false);
                n.g.add(r, new Add(), x, y);
                x = r;
            }
            x = n.upLayer("deconv1", x, 4 * width, 2 * width, upsampleConv);
            x = n.upLayer("deconv2", x, 2 * width, width, upsampleConv);
            String last = n.conv("deconv3", x, width, 3, outerKernel, 1);
            if (tanhOutput) {
                n.g.add("deconv3/tanh", new Tanh(), last);
                n.g.add(OUTPUT, new Scale(150, 127.5), "deconv3/tanh");
            } else {
                n.g.add(OUTPUT, new Scale(1, 0), last);
            }
            return n.g.output(OUTPUT).scores(OUTPUT).build();
        }
    }

    /** Adds layers to a graph builder, drawing weights from one generator in layer order. */
    private static final class Net {
        final Graph.Builder g = Graph.builder();
        final SplittableRandom r;
        final DataType type;

        Net(SplittableRandom r, DataType type) {
            this.r = r;
            this.type = type;
        }

        INDArray uniform(double bound, long... shape) {
            long count = 1;
            for (long s : shape) {
                count *= s;
            }
            double[] v = new double[(int) count];
            for (int i = 0; i < v.length; i++) {
                v[i] = (2 * r.nextDouble() - 1) * bound;
            }
            return Nd4j.create(v, shape, DataType.DOUBLE).castTo(type);
        }

        /** reflect pad k/2 then conv with bias; returns the conv node's name ({@code name}). */
        String conv(String name, String in, int cin, int cout, int k, int stride) {
            String src = in;
            if (k / 2 > 0) {
                int p = k / 2;
                g.add(name + "/pad", Pad.spatial(p, p, p, p, PadMode.REFLECT, 0), in);
                src = name + "/pad";
            }
            double bound = 1 / Math.sqrt((double) cin * k * k);
            g.constant(name + "/W", uniform(bound, cout, cin, k, k));
            g.constant(name + "/B", uniform(bound, cout));
            g.add(name, new Conv(new int[] {stride, stride}, new int[4], new int[] {1, 1}, 1, null),
                    src, name + "/W", name + "/B");
            return name;
        }

        String norm(String name, String in, int c) {
            g.constant(name + "/scale", Nd4j.ones(type, c));
            g.constant(name + "/B", Nd4j.zeros(type, c));
            g.add(name, InstanceNorm.standard(), in, name + "/scale", name + "/B");
            return name;
        }

        String convLayer(String name, String in, int cin, int cout, int k, int stride, boolean relu) {
            String c = conv(name, in, cin, cout, k, stride);
            String n = norm(name + "/in", c, cout);
            if (!relu) {
                return n;
            }
            g.add(name + "/relu", new Relu(), n);
            return name + "/relu";
        }

        String upLayer(String name, String in, int cin, int cout, boolean nearest) {
            String c;
            if (nearest) {
                g.add(name + "/up", Resize.upsampleNearest(2), in);
                c = conv(name, name + "/up", cin, cout, 3, 1);
            } else {
                double bound = 1 / Math.sqrt((double) cout * 9);
                g.constant(name + "/W", uniform(bound, cin, cout, 3, 3));
                g.constant(name + "/B", uniform(bound, cout));
                g.add(name, new ConvTranspose(new int[] {2, 2}, new int[] {1, 1, 1, 1}, new int[] {1, 1}, 1,
                        new int[] {1, 1}, null), in, name + "/W", name + "/B");
                c = name;
            }
            String n = norm(name + "/in", c, cout);
            g.add(name + "/relu", new Relu(), n);
            return name + "/relu";
        }
    }
}
