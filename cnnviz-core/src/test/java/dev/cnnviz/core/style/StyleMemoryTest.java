package dev.cnnviz.core.style;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.Stylization;
import dev.cnnviz.api.WeightedStyle;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.graph.NativeMemory;
import dev.cnnviz.core.inversion.TinyNets;
import dev.cnnviz.core.optim.Adam;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 12's "memory flat over a 1,000-iteration optimization": Gatys style transfer on a small convolutional net,
 * 1,000 Adam iterations (Adam so that the run cannot stop early), native memory sampled every 111 iterations from the
 * progress listener (after a GC): the late samples' floor may exceed the early ones' by less than 24 MB.
 */
class StyleMemoryTest {
    @Test
    void aThousandIterationsKeepNativeMemoryFlat() {
        Model net = TinyNets.convolutional(5);
        int every = 111;
        NativeMemory.Sampler sampler = new NativeMemory.Sampler(every, 9);
        Stylization s = GatysStyle.of(net).withContentLayer("r2").withStyleLayers(List.of("r1", "r2"), 1, 1).withSize(16)
                .withSteps(1000).withOptimizer(Adam.create().withLearningRate(2))
                .stylize(GatysStyleTest.image(1, 16, 16), List.of(new WeightedStyle(GatysStyleTest.image(2, 16, 16), 1)),
                        step -> sampler.onStep(step.step()));
        assertEquals(9, sampler.taken(), "samples taken in " + s.steps() + " iterations");
        NativeMemory.Samples m = sampler.samples();
        assertTrue(m.floorGrowth() < 24L << 20, m.describe());
    }
}
