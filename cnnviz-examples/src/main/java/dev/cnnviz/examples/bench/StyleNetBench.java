package dev.cnnviz.examples.bench;

import dev.cnnviz.api.ModelImportException;
import dev.cnnviz.core.style.FeedForwardStyle;
import dev.cnnviz.dl4j.Models;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
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
 * JMH benchmark of one feed-forward stylization (Johnson et al. 2016): the shared {@code candy.onnx} (or
 * {@code -p model=FILE}) run by {@link FeedForwardStyle#run} on one {@code size × size} image (224 and 720 by
 * default), the forward pass alone. Setup prints the FLOPs per image (the convolutions and transposed
 * convolutions, {@link Flops}); {@code GFLOP/s = GFLOP / (ms / 1000)}.
 *
 * <p>Its Python twin {@code cnnviz-examples/src/main/python/candy_net.py} runs the same network in PyTorch with
 * the ONNX weights; compare the two on the same (quiet) machine.
 *
 * <pre>
 *   ./cnnviz jmh StyleNetBench
 *   ./cnnviz jmh StyleNetBench -p size=720
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "-Dorg.bytedeco.javacpp.maxbytes=8G"})
@State(Scope.Benchmark)
public class StyleNetBench {
    /** The style network's ONNX file; empty: {@code models/style/candy.onnx} in the shared folder. */
    @Param("")
    public String model;

    /** The side of the square image. */
    @Param({"224", "720"})
    public int size;

    private FeedForwardStyle style;
    private INDArray x;

    /** Loads the network, makes a seeded 0..255 image and prints the FLOPs. */
    @Setup(Level.Trial)
    public void setUp() throws ModelImportException {
        Path file = model == null || model.isBlank() ? Shared.sharedDir().resolve("models/style/candy.onnx") : Path.of(model);
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException("style network not found at " + file.toAbsolutePath()
                    + "; pass -Dcnnviz.shared=DIR (the folder holding models/style) or -p model=FILE");
        }
        style = FeedForwardStyle.load(Models.load(file));
        Nd4j.getRandom().setSeed(42);
        x = Nd4j.rand(DataType.FLOAT, 1, 3, size, size).muli(255);
        long flops = Flops.count(style.model().graph(), x.shape());
        System.out.printf(Locale.ROOT, "%n# %s at %dx%d: %.3f GFLOP per image (GFLOP/s = %.3f / (ms / 1000))%n",
                file.getFileName(), size, size, flops / 1e9, flops / 1e9);
    }

    /** Frees the image. */
    @TearDown(Level.Trial)
    public void tearDown() {
        x.close();
    }

    /** @return the sum of one output value, so that the work is not eliminated */
    @Benchmark
    public double stylize() {
        try (INDArray y = style.run(x)) {
            return y.getDouble(0, 0, 0, 0);
        }
    }
}
