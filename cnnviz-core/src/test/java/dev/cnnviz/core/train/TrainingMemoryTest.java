package dev.cnnviz.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.core.data.ImageFolder;
import dev.cnnviz.core.graph.NativeMemory;
import dev.cnnviz.core.image.ImageIo;
import dev.cnnviz.core.style.FeedForwardTraining;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12's "memory flat over a 2,000-step training run": a feed-forward style network (instance norm, reflect pad,
 * residual blocks, nearest upsampling, tanh) trained for 2,000 steps against a small loss network, native memory
 * sampled every 222 steps from the training listener (after a GC): the late samples' floor may exceed the early
 * samples' peak by less than 16 MB (a leak of 20 KB a step would fail it).
 */
class TrainingMemoryTest {
    @TempDir
    Path dir;

    @Test
    void twoThousandTrainingStepsKeepNativeMemoryFlat() throws Exception {
        ImageIo.writePng(TrainerTest.picture(), dir.resolve("one.png"));
        NativeMemory.Sampler sampler = new NativeMemory.Sampler(222, 9);
        FeedForwardTraining.Result r = FeedForwardTraining.of(TrainerTest.tinyLossModel(), TrainerTest.picture())
                .withContentLayer("r1").withStyleLayers(List.of("r1", "r2")).withWidth(4).withResidualBlocks(1)
                .withSize(16).withStyleSize(16).withBatch(1).withLearningRate(0.01).withStyleWeight(10).withSeed(5)
                .withSteps(2000).train(ImageFolder.of(dir), p -> sampler.onStep(p.step()));
        assertEquals(2000, r.history().loss().length);
        NativeMemory.Samples s = sampler.samples();
        // glibc's arenas make the resident size step between two levels (728 and 757 MB in one CI run) without
        // growing: a leak shows as the late samples' floor rising above the early samples' peak
        long[] mb = s.resident();
        long earlyPeak = Math.max(Math.max(mb[1], mb[2]), Math.max(mb[3], mb[4]));
        long lateFloor = Math.min(Math.min(mb[5], mb[6]), Math.min(mb[7], mb[8]));
        assertTrue(lateFloor - earlyPeak < 16L << 20, s.describe() + "; early peak " + (earlyPeak >> 20) + " MB");
    }
}
