package dev.cnnviz.examples.cli;

import dev.cnnviz.core.data.ScanProgress;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * A one-line progress bar on stderr for dataset scans ({@code [=====>    ] 5000/10000 images}), redrawn at most
 * every 200 ms and once at the end, then a line break.
 */
final class ProgressBar implements ScanProgress {
    private static final int WIDTH = 30;
    private final PrintWriter err;
    private final String what;
    private long last;
    private final long start = System.nanoTime();

    ProgressBar(PrintWriter err, String what) {
        this.err = err;
        this.what = what;
    }

    @Override
    public void progress(int done, int total) {
        long now = System.nanoTime();
        if (done < total && now - last < 200_000_000L) {
            return;
        }
        last = now;
        int filled = total == 0 ? WIDTH : (int) ((long) done * WIDTH / total);
        StringBuilder bar = new StringBuilder("\r").append(what).append(" [");
        for (int i = 0; i < WIDTH; i++) {
            bar.append(i < filled ? '=' : i == filled ? '>' : ' ');
        }
        double s = (now - start) / 1e9;
        bar.append(String.format(Locale.ROOT, "] %d/%d images, %.1f s", done, total, s));
        err.print(bar);
        if (done >= total) {
            err.println();
        }
        err.flush();
    }
}
