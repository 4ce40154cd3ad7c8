package dev.cnnviz.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.OptimizationStep;
import dev.cnnviz.core.train.TrainingProgress;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The one progress line that scans, optimizations and training draw. */
class ProgressBarTest {
    @Test
    void theLineShowsCountsElapsedEtaAndDetail() {
        assertEquals("embedding gap [=========>                    ] 3/10 images, 0:06, ETA 0:14",
                ProgressBar.line("embedding gap", 3, 10, "images", 6_000_000_000L, ""));
        assertEquals("[==============================] 100/100 steps, 1:05:00, loss -12.345",
                ProgressBar.line("", 100, 100, "steps", 3_900_000_000_000L, "loss -12.345"));
        assertEquals("[>                             ] 0/50 steps, 0:00", ProgressBar.line("", 0, 50, "steps", 10, ""));
        Map<String, Double> terms = new LinkedHashMap<>();
        terms.put("content", 1.25e5);
        terms.put("style", 2.0);
        assertEquals("loss 3.120e+05 (content 1.25e+05 style 2.00)", ProgressBar.lossWithTerms(3.12e5, terms));
        assertEquals("loss 1.000", ProgressBar.lossWithTerms(1, Map.of()));
    }

    @Test
    void scansRedrawAtMostEvery200msAndEndTheirLine() {
        StringWriter out = new StringWriter();
        ProgressBar bar = new ProgressBar(new PrintWriter(out), "scan");
        for (int i = 0; i < 1000; i++) {
            bar.progress(i, 1000);                 // within 200 ms: the first update only
        }
        bar.progress(1000, 1000);                  // the last always draws
        String s = out.toString();
        long draws = s.chars().filter(c -> c == '\r').count();
        assertTrue(draws >= 2 && draws < 10, draws + " drawings of 1001 updates: " + s);   // 2 unless a pause > 200 ms
        assertTrue(s.endsWith("1000/1000 images, 0:00" + System.lineSeparator()), s);
    }

    @Test
    void optimizationStepsLeaveTheLineOpenAndTrainingEndsIt() {
        StringWriter a = new StringWriter();
        ProgressBar.steps(new PrintWriter(a), "").onStep(new OptimizationStep(10, 10, -3.5, Map.of(), java.util.Optional.empty()));
        assertTrue(a.toString().startsWith("\r[====="), a.toString());
        assertTrue(a.toString().endsWith("10/10 steps, 0:00, loss -3.5000"), a.toString());
        StringWriter b = new StringWriter();
        ProgressBar.training(new PrintWriter(b), "train-style").onStep(new TrainingProgress(4, 4, 2.0, Map.of("tv", 0.5), 0));
        assertTrue(b.toString().endsWith("4/4 steps, 0:00, loss 2.000 (tv 0.500)" + System.lineSeparator()), b.toString());
    }
}
