package dev.cnnviz.examples.fuzz;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs cases through forked {@link WorkerProcess}es: one worker for as long as it lives; a case whose worker dies
 * is a CRASH, one with no result within the time limit a HANG (the worker is killed); either way a new worker
 * takes the next case. Cases left when the suite's time budget is spent are NOT_RUN.
 */
final class FuzzRunner {
    private final Path workDir;
    private final List<String> prefix;
    private final long caseMillis;
    private final long budgetMillis;
    private int starts;

    /**
     * @param workDir      the workers' working directory (where a crashing JVM leaves its hs_err file)
     * @param prefix       a command to start the worker JVM under (e.g. strace), or empty
     * @param caseMillis   the time limit of one case
     * @param budgetMillis the time budget of the whole run
     */
    FuzzRunner(Path workDir, List<String> prefix, long caseMillis, long budgetMillis) {
        this.workDir = workDir;
        this.prefix = prefix;
        this.caseMillis = caseMillis;
        this.budgetMillis = budgetMillis;
    }

    /** @return how many worker JVMs were started. */
    int starts() {
        return starts;
    }

    /** Runs the cases in order; the outcomes are in the same order. */
    List<Outcome> run(List<FuzzCase> cases) {
        List<Outcome> out = new ArrayList<>();
        long deadline = System.currentTimeMillis() + budgetMillis;
        WorkerProcess w = null;
        try {
            for (int i = 0; i < cases.size(); i++) {
                FuzzCase c = cases.get(i);
                if (System.currentTimeMillis() > deadline) {
                    out.add(new Outcome("NOT_RUN", "", false, 0, "the suite's time budget of " + budgetMillis / 1000
                            + " s was spent", "", 0));
                    continue;
                }
                if (w == null || !w.alive()) {
                    w = WorkerProcess.start(prefix, workDir, 180);
                    starts++;
                }
                long t0 = System.currentTimeMillis();
                WorkerProcess.Reply reply = w.send(c.workerLine(i), caseMillis);
                long ms = System.currentTimeMillis() - t0;
                if (reply.timedOut()) {
                    String tail = w.tail(12);
                    w.kill();
                    w = null;
                    out.add(new Outcome("HANG", "", false, 0, "no result within " + caseMillis / 1000 + " s", tail, ms));
                } else if (reply.died()) {
                    int code = w.exitCode();
                    String tail = w.tail(30);
                    w = null;
                    out.add(new Outcome("CRASH", "", false, 0, "the worker JVM died, exit code " + code
                            + (code > 128 ? " (signal " + (code - 128) + ")" : "") + lastWords(tail), tail, ms));
                } else {
                    String[] f = reply.line().split("\t", -1);
                    if (!f[1].equals(String.valueOf(i))) {
                        throw new IllegalStateException("the worker answered case " + f[1] + " to case " + i);
                    }
                    out.add(new Outcome(f[2], f[3], Boolean.parseBoolean(f[4]), Integer.parseInt(f[5]),
                            FuzzWorker.unescape(f[6]), FuzzWorker.unescape(f[7]), ms));
                    if (Boolean.parseBoolean(f[8])) {
                        w.exitCode();
                        w = null;
                    }
                }
            }
        } finally {
            if (w != null) {
                w.close();
            }
        }
        return out;
    }

    /** The telling lines of a dead JVM's output: the fatal error header, an abort message, or the last line. */
    private static String lastWords(String tail) {
        List<String> keep = new ArrayList<>();
        for (String l : tail.split("\n")) {
            String s = l.strip();
            if (s.contains("SIGSEGV") || s.contains("SIGABRT") || s.contains("SIGBUS") || s.contains("SIGFPE")
                    || s.startsWith("# C ") || s.startsWith("# J ") || s.startsWith("# V ") || s.contains("terminate called")
                    || s.contains("what()") || s.contains("Aborted") || s.contains("OutOfMemory")
                    || s.contains("malloc") || s.contains("double free") || s.contains("Killed")) {
                keep.add(s);
            }
        }
        if (keep.isEmpty()) {
            String[] lines = tail.strip().split("\n");
            if (lines.length > 0 && !lines[lines.length - 1].isBlank()) {
                keep.add(lines[lines.length - 1].strip());
            }
        }
        return keep.isEmpty() ? "" : ": " + String.join(" | ", keep.subList(0, Math.min(4, keep.size())));
    }
}
