package dev.cnnviz.examples.tour;

import java.io.PrintWriter;
import java.util.Locale;

/** A one-line progress bar per section on stderr: {@code attribute [=====>        ] 5/17 grad-cam, 3.1 s}. */
final class TourProgress {
    private static final int WIDTH = 24;
    private final PrintWriter err;
    private final String section;
    private final int total;
    private final long start = System.nanoTime();
    private int done;

    TourProgress(PrintWriter err, String section, int total) {
        this.err = err;
        this.section = section;
        this.total = total;
    }

    /** Draws the bar before the next step, named. */
    void step(String technique) {
        draw(technique);
        done++;
    }

    /** Draws the full bar and ends the line. */
    void done() {
        draw("done");
        err.println();
        err.flush();
    }

    private void draw(String what) {
        int shown = Math.min(done, total);
        int filled = total == 0 ? WIDTH : shown * WIDTH / total;
        StringBuilder sb = new StringBuilder("\r").append(String.format(Locale.ROOT, "%-10s [", section));
        for (int i = 0; i < WIDTH; i++) {
            sb.append(i < filled ? '=' : i == filled ? '>' : ' ');
        }
        String name = what.length() > 28 ? what.substring(0, 28) : what;
        sb.append(String.format(Locale.ROOT, "] %2d/%d %-28s %6.1f s", shown, total, name, (System.nanoTime() - start) / 1e9));
        err.print(sb);
        err.flush();
    }
}
