package dev.cnnviz.examples.bench;

import dev.cnnviz.api.ModelImportException;
import dev.cnnviz.api.WeightedStyle;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.image.ImageIo;
import dev.cnnviz.core.image.ImageResize;
import dev.cnnviz.core.style.GatysStyle;
import dev.cnnviz.core.style.StyleObjective;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * JMH benchmark of one Gatys style-transfer iteration on SqueezeNet 1.1 at {@code size × size} (default 256): one
 * evaluation of {@link GatysStyle}'s loss with its default layers (content fire2; style relu_conv1, fire3, fire4,
 * fire5), i.e. the forward pass to fire5, the losses and the backward pass to the image, as
 * {@link StyleObjective#evaluate}. The PyTorch twin is {@code src/main/python/gatys_step.py} (the same loop plus an
 * Adam update, which is a few element-wise passes over the image).
 *
 * <pre>
 *   ./cnnviz jmh GatysBench                    # content chelsea.png, style starry_night.jpg from ../shared/images
 *   ./cnnviz jmh GatysBench -p size=512 -f 1 -wi 2 -i 3
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "-Dorg.bytedeco.javacpp.maxbytes=8G"})
public class GatysBench {
    /** The loss function and a point. */
    @State(Scope.Benchmark)
    public static class Problem {
        /** The ONNX file; empty: from {@code cnnviz.shared} or {@code ../shared}. */
        @Param("")
        public String model;

        /** The side of the square image. */
        @Param("256")
        public int size;

        StyleObjective f;
        double[] x;
        double[] g;

        /** Loads the model and the images, builds the objective at the content image. */
        @Setup(Level.Trial)
        public void setUp() throws ModelImportException, IOException {
            Model m = Shared.loadSqueezeNet(Shared.squeezeNet(model));
            Path images = Shared.sharedDir().resolve("images");
            BufferedImage content = ImageResize.resize(ImageIo.read(images.resolve("chelsea.png")), size, size);
            BufferedImage style = ImageIo.read(images.resolve("starry_night.jpg"));
            f = GatysStyle.of(m).withSize(size).objective(content, List.of(new WeightedStyle(style, 1)));
            x = f.start();
            g = new double[x.length];
        }

        /** Frees the native buffers. */
        @TearDown(Level.Trial)
        public void tearDown() {
            f.close();
        }
    }

    /** One iteration: forward to the deepest loss layer, the losses, backward to the image. */
    @Benchmark
    public double iteration(Problem p) {
        return p.f.evaluate(p.x, p.g);
    }
}
