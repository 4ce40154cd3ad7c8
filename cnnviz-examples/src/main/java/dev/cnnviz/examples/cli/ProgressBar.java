package dev.cnnviz.examples.cli;

import dev.cnnviz.api.ProgressListener;
import dev.cnnviz.core.data.ScanProgress;
import dev.cnnviz.core.train.TrainingListener;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;

/**
 * The one progress line of every long CLI run, on stderr:
 * <pre>   embedding gap [=========>                    ] 3072/10000 images, 0:02, ETA 0:05
 *   [==============>               ] 52/100 steps, 0:12, ETA 0:11, loss -12.345
 *   train-style [=>            ] 40/2000 steps, 0:31, ETA 25:20, loss 3.12e+05 (content 1.1e+05 style 2.0e+05 tv 7.1e+03)</pre>
 * redrawn with a carriage return at most every 200 ms (and always at the first and the last update), so that a log
 * of stderr stays short. The ETA is the elapsed time per unit done times the units left. Dataset scans draw it as a
 * {@link ScanProgress} (the line ends by itself at the last image); optimizations through {@link #steps} and
 * training through {@link #training} (the caller ends the line with {@link SynthesisOutput#finishProgress}, or the
 * training's last step ends it).
 */
final class ProgressBar implements ScanProgress {
    private static final int WIDTH = 30;
    private static final long REDRAW_NANOS = 200_000_000L;
    private final PrintWriter err;
    private final String label;
    private final boolean endLineAtTotal;
    private final long start = System.nanoTime();
    private long last = Long.MIN_VALUE;

    /**
     * A bar for a dataset scan; its line ends at the last image.
     *
     * @param err   where to draw
     * @param label what runs, e.g. {@code "embedding gap"}; empty for none
     */
    ProgressBar(PrintWriter err, String label) {
        this(err, label, true);
    }

    private ProgressBar(PrintWriter err, String label, boolean endLineAtTotal) {
        this.err = err;
        this.label = label;
        this.endLineAtTotal = endLineAtTotal;
    }

    /**
     * A bar for an optimization's steps with the current loss; the caller ends its line.
     *
     * @return a listener that never stops the run
     */
    static ProgressListener steps(PrintWriter err, String label) {
        ProgressBar bar = new ProgressBar(err, label, false);
        return step -> {
            bar.update(step.step(), step.steps(), "steps", String.format(Locale.ROOT, "loss %.5g", step.loss()));
            return true;
        };
    }

    /**
     * A bar for a training run's steps with the loss and its terms; its line ends at the last step.
     *
     * @return a listener that never stops the run
     */
    static TrainingListener training(PrintWriter err, String label) {
        ProgressBar bar = new ProgressBar(err, label, true);
        return p -> {
            bar.update(p.step(), p.steps(), "steps", lossWithTerms(p.loss(), p.terms()));
            return true;
        };
    }

    @Override
    public void progress(int done, int total) {
        update(done, total, "images", "");
    }

    /** Draws the line if 200 ms have passed since the last drawing, or this is the first or last update. */
    void update(long done, long total, String unit, String detail) {
        long now = System.nanoTime();
        boolean atEnd = done >= total;
        if (!atEnd && last != Long.MIN_VALUE && now - last < REDRAW_NANOS) {
            return;
        }
        last = now;
        err.print("\r" + line(label, done, total, unit, now - start, detail));
        if (atEnd && endLineAtTotal) {
            err.println();
        }
        err.flush();
    }

    /**
     * @return e.g. {@code "label [=====>    ] 31/100 steps, 0:12, ETA 0:26, loss -12.3"}: no label part when empty,
     * no ETA before the first unit is done or after the last, no detail part when empty
     */
    static String line(String label, long done, long total, String unit, long elapsedNanos, String detail) {
        StringBuilder sb = new StringBuilder();
        if (!label.isEmpty()) {
            sb.append(label).append(' ');
        }
        int filled = total <= 0 ? WIDTH : (int) Math.min(WIDTH, Math.max(0, done) * WIDTH / total);
        sb.append('[');
        for (int i = 0; i < WIDTH; i++) {
            sb.append(i < filled ? '=' : i == filled ? '>' : ' ');
        }
        sb.append("] ").append(done).append('/').append(total).append(' ').append(unit).append(", ")
                .append(clock(elapsedNanos));
        if (done > 0 && done < total) {
            sb.append(", ETA ").append(clock((long) ((double) elapsedNanos / done * (total - done))));
        }
        if (!detail.isEmpty()) {
            sb.append(", ").append(detail);
        }
        return sb.toString();
    }

    /** @return {@code "loss 3.12e+05 (content 1.1e+05 style 2.0e+05)"}, without the parenthesis when no terms */
    static String lossWithTerms(double loss, Map<String, Double> terms) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "loss %.4g", loss));
        if (!terms.isEmpty()) {
            sb.append(" (");
            boolean first = true;
            for (Map.Entry<String, Double> e : terms.entrySet()) {
                sb.append(first ? "" : " ").append(e.getKey()).append(String.format(Locale.ROOT, " %.3g", e.getValue()));
                first = false;
            }
            sb.append(')');
        }
        return sb.toString();
    }

    /** @return {@code m:ss}, or {@code h:mm:ss} from an hour */
    static String clock(long nanos) {
        long s = Math.max(0, nanos) / 1_000_000_000L;
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
