package dev.cnnviz.examples.fuzz;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One forked {@link FuzzWorker} JVM: the test class path, {@code -Xmx1g}, {@code -Dcnnviz.memory.budget=512m},
 * JavaCPP's native allocation capped, one OpenMP thread. Cases go in on its standard input; result lines come back
 * through a reader thread, so that the test can wait for each with a time limit and notice a dead process.
 */
final class WorkerProcess implements AutoCloseable {
    private static final String EOF = "@@EOF";

    private final Process process;
    private final BufferedWriter stdin;
    private final BlockingQueue<String> results = new LinkedBlockingQueue<>();
    private final Deque<String> stderrTail = new ArrayDeque<>();

    private WorkerProcess(Process process) {
        this.process = process;
        this.stdin = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
        Thread out = new Thread(() -> pump(new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8)), true), "fuzz-worker-stdout");
        Thread err = new Thread(() -> pump(new BufferedReader(new InputStreamReader(process.getErrorStream(),
                StandardCharsets.UTF_8)), false), "fuzz-worker-stderr");
        out.setDaemon(true);
        err.setDaemon(true);
        out.start();
        err.start();
    }

    /** The command that starts a worker JVM (after {@code prefix}, e.g. {@code strace -f ...}). */
    static List<String> command(List<String> prefix, Path errorDir) {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx1g");
        cmd.add("-Xss2m");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-Djava.awt.headless=true");
        cmd.add("-Dcnnviz.memory.budget=512m");
        cmd.add("-Dorg.bytedeco.javacpp.maxbytes=1536m");
        cmd.add("-Dorg.bytedeco.javacpp.maxphysicalbytes=4g");
        cmd.add("-XX:ErrorFile=" + errorDir.resolve("hs_err_pid%p.log"));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(FuzzWorker.class.getName());
        return cmd;
    }

    /**
     * Starts a worker and waits until it has loaded ND4J.
     *
     * @throws IllegalStateException if it does not come up within {@code startSeconds}
     */
    static WorkerProcess start(List<String> prefix, Path errorDir, int startSeconds) {
        ProcessBuilder pb = new ProcessBuilder(command(prefix, errorDir));
        pb.environment().put("OMP_NUM_THREADS", "1");
        pb.directory(errorDir.toFile());
        WorkerProcess w;
        try {
            w = new WorkerProcess(pb.start());
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the fuzz worker: " + e, e);
        }
        String line = w.next(startSeconds * 1000L);
        if (line == null || !line.equals(FuzzWorker.READY)) {
            w.kill();
            throw new IllegalStateException("the fuzz worker did not start (" + (line == null ? "timeout" : line)
                    + "); its last output:\n" + w.tail(40));
        }
        return w;
    }

    private void pump(BufferedReader r, boolean isStdout) {
        try {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (isStdout) {
                    int at = line.indexOf(FuzzWorker.RESULT);
                    if (at >= 0) {
                        results.add(line.substring(at));
                    } else if (line.contains(FuzzWorker.READY)) {
                        results.add(FuzzWorker.READY);
                    } else {
                        remember(line);
                    }
                } else {
                    remember(line);
                }
            }
        } catch (IOException ignored) {
            // the process is gone
        } finally {
            if (isStdout) {
                results.add(EOF);
            }
        }
    }

    private void remember(String line) {
        synchronized (stderrTail) {
            stderrTail.addLast(line);
            while (stderrTail.size() > 200) {
                stderrTail.removeFirst();
            }
        }
    }

    /** @return the last lines the worker printed outside result lines. */
    String tail(int n) {
        synchronized (stderrTail) {
            List<String> all = new ArrayList<>(stderrTail);
            return String.join("\n", all.subList(Math.max(0, all.size() - n), all.size()));
        }
    }

    /** Forgets the output so far (so that a crash report shows the crashing case's output). */
    void clearTail() {
        synchronized (stderrTail) {
            stderrTail.clear();
        }
    }

    private String next(long millis) {
        try {
            String s = results.poll(millis, TimeUnit.MILLISECONDS);
            return s == null || s.equals(EOF) ? (s == null ? null : EOF) : s;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** The answer to one case: a result line, or that the worker died ({@code EOF}) or timed out ({@code null}). */
    record Reply(String line, boolean died, boolean timedOut) {
    }

    /** Sends a case and waits for its result line. */
    Reply send(String caseLine, long timeoutMillis) {
        clearTail();
        try {
            stdin.write(caseLine);
            stdin.write('\n');
            stdin.flush();
        } catch (IOException e) {
            return new Reply(null, true, false);
        }
        String line = next(timeoutMillis);
        if (line == null) {
            return new Reply(null, false, true);
        }
        if (line.equals(EOF)) {
            return new Reply(null, true, false);
        }
        return new Reply(line, false, false);
    }

    /** @return the exit code, waiting a little for the process to end, or -1 if it is still running. */
    int exitCode() {
        try {
            if (process.waitFor(10, TimeUnit.SECONDS)) {
                return process.exitValue();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return -1;
    }

    /** @return whether the process is running. */
    boolean alive() {
        return process.isAlive();
    }

    /** Kills the worker (and waits for it). */
    void kill() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Closes its input (the worker then ends by itself) and waits for it; kills it if it does not. */
    @Override
    public void close() {
        try {
            stdin.close();
        } catch (IOException ignored) {
            // already gone
        }
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                kill();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill();
        }
    }
}
