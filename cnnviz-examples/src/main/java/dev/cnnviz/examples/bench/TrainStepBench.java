package dev.cnnviz.examples.bench;

import dev.cnnviz.api.ModelImportException;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.data.ImageFolder;
import dev.cnnviz.core.image.ImageIo;
import dev.cnnviz.core.style.FeedForwardTraining;
import dev.cnnviz.core.train.TrainingListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * JMH benchmark of one training step of the feed-forward style network (Johnson et al. 2016, the paper's width 32
 * and 5 residual blocks) with the perceptual loss on SqueezeNet 1.1 ({@link FeedForwardTraining}'s defaults, style
 * {@code starry_night.jpg}): a batch of random crops of the shared photo {@code chelsea.png} (kept decoded), the
 * transformation and loss networks forward, backward to the network's weights, one Adam step. Batch 4 of 128×128
 * crops by default, as the issue asks.
 *
 * <p>Its Python twin {@code cnnviz-examples/src/main/python/train_style_step.py} runs the same network, loss and
 * Adam step in PyTorch on the same SqueezeNet weights; compare the two on the same machine.
 *
 * <pre>
 *   ./cnnviz jmh TrainStepBench
 *   ./cnnviz jmh TrainStepBench -p batch=2 -p size=256
 * </pre>
 * The shared folder is found as by {@link GraphBench} ({@code -Dcnnviz.shared=DIR} or {@code ../shared}). Scores are
 * milliseconds per training step.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xmx3g", "-Dorg.bytedeco.javacpp.maxbytes=8G"})
@State(Scope.Benchmark)
public class TrainStepBench {
    /** Crops per step. */
    @Param("4")
    public int batch;

    /** Crop side in pixels. */
    @Param("128")
    public int size;

    private FeedForwardTraining.Run run;
    private Path photos;

    /** Loads SqueezeNet and the style image, builds the training graph. */
    @Setup(Level.Trial)
    public void setUp() throws ModelImportException, IOException {
        Model squeeze = Shared.loadSqueezeNet(Shared.squeezeNet(""));
        Path images = Shared.sharedDir().resolve("images");
        photos = Files.createTempDirectory("cnnviz-train-bench");
        Files.copy(images.resolve("chelsea.png"), photos.resolve("chelsea.png"));
        run = FeedForwardTraining.of(squeeze, ImageIo.read(images.resolve("starry_night.jpg"))).withSize(size)
                .withBatch(batch).withSeed(1).start(ImageFolder.of(photos));
    }

    /** Frees the run and deletes the temporary folder. */
    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        run.close();
        Files.deleteIfExists(photos.resolve("chelsea.png"));
        Files.deleteIfExists(photos);
    }

    /** @return the step's loss (so that the work is not eliminated) */
    @Benchmark
    public double step() throws IOException {
        return run.train(1, TrainingListener.NONE).loss()[0];
    }
}
