package dev.cnnviz.examples.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.ModelImportException;
import dev.cnnviz.dl4j.Models;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The canary check of the fuzz suite: ONNX models whose external data points outside the model's folder (an
 * absolute path, {@code ../canary.bin}, a symlink inside the folder that points out, {@code ../canary-big.bin})
 * must fail to import with a {@link ModelImportException} that shows neither the canary's content nor its size,
 * and the worker JVM, traced with {@code strace -f -y -e trace=open,openat,openat2} where strace exists, must
 * never open the canary.
 */
class FuzzCanaryTest {
    /** The external-data variants of {@link CaseFactory#external} that point outside the folder. */
    private static final int[] OUTSIDE = {2, 3, 4, 18};
    /** The valid variant (external data inside the folder), the positive control of the trace. */
    private static final int INSIDE = 0;

    @Test
    void externalDataOutsideTheModelFolderIsRefusedWithoutShowingTheCanary(@TempDir Path tmp) throws Exception {
        CaseFactory f = new CaseFactory(tmp);
        List<String> problems = new ArrayList<>();
        for (int v : OUTSIDE) {
            FuzzCase c = f.external(v, tmp.resolve("model-" + v));
            try {
                Models.load(c.file());
                problems.add(c.mutation() + ": imported (the canary was read as weights)");
            } catch (ModelImportException e) {
                String leak = leak(e.getMessage());
                if (leak != null) {
                    problems.add(c.mutation() + ": the message shows " + leak + ": " + e.getMessage());
                }
            }
        }
        FuzzCase valid = f.external(INSIDE, tmp.resolve("model-valid"));
        Models.load(valid.file());
        assertTrue(problems.isEmpty(), "external data outside the model's folder:\n" + String.join("\n", problems));
    }

    @Test
    void theWorkerNeverOpensTheCanary(@TempDir Path tmp) throws Exception {
        Assumptions.assumeTrue(onPath("strace"), "strace is not installed (Debian package strace): skipping the "
                + "system-call check of the canary; the import check above still runs");
        CaseFactory f = new CaseFactory(tmp);
        List<FuzzCase> cases = new ArrayList<>();
        for (int v : OUTSIDE) {
            cases.add(f.external(v, tmp.resolve("model-" + v)));
        }
        cases.add(f.external(INSIDE, tmp.resolve("model-valid")));
        Path trace = tmp.resolve("trace.txt");
        List<String> strace = List.of("strace", "-f", "-y", "-qq", "--seccomp-bpf", "-e", "trace=open,openat,openat2",
                "-o", trace.toString());
        List<Outcome> outcomes = new FuzzRunner(tmp, strace, 60_000, 600_000).run(cases);
        assertEquals("OK", outcomes.get(cases.size() - 1).status(),
                "the valid model with external data inside its folder must import: " + outcomes.get(cases.size() - 1).oneLine());

        List<String> lines = Files.readAllLines(trace);
        String weights = tmp.resolve("model-valid").resolve("weights.bin").toRealPath().toString();
        assertTrue(lines.stream().anyMatch(l -> l.contains(weights)),
                "the trace does not show the valid model's weights.bin being opened; strace did not see the worker's files");
        List<String> opened = new ArrayList<>();
        for (String canary : List.of(f.canary().toRealPath().toString(),
                tmp.resolve("canary-big.bin").toRealPath().toString())) {
            for (String l : lines) {
                if (l.contains(canary)) {
                    opened.add(l.strip());
                }
            }
        }
        List<String> why = new ArrayList<>();
        for (int k = 0; k < OUTSIDE.length; k++) {
            why.add(cases.get(k).mutation() + " -> " + outcomes.get(k).oneLine());
        }
        assertTrue(opened.isEmpty(), "the worker opened a file outside the model's folder:\n" + String.join("\n", opened)
                + "\nwhile importing:\n" + String.join("\n", why));
    }

    /** @return what of the canary a message shows (its content or size), or null. */
    static String leak(String message) {
        if (message.contains("CANARY-SECRET")) {
            return "the canary's content";
        }
        int small = CaseFactory.CANARY.length;
        if (message.contains(String.valueOf(CaseFactory.CANARY_BIG.length)) || message.contains("(" + small + " bytes)")
                || message.contains("found " + small)) {
            return "the canary's size";
        }
        return null;
    }

    private static boolean onPath(String tool) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("sh", "-c", "command -v " + tool).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor() == 0;
    }
}
