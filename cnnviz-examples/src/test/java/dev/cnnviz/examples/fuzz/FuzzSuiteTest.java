package dev.cnnviz.examples.fuzz;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fuzz suite: seeded mutations of ONNX, Keras and DL4J models, images and {@code .npy} arrays (and the CLI on
 * them), each run in a forked worker JVM with a small heap and memory budget, so that a crash or a hang fails the
 * case instead of the suite.
 *
 * <p>Property of every case: the outcome is OK with finite outputs, or an exception of a documented type
 * ({@code ModelImportException}, an {@code IOException}, an {@code IllegalArgumentException} (its subclass
 * {@code ResourceLimitException} included), or a {@code NonFiniteResultException}) whose message is non-empty and <em>one line</em>. Multi-line
 * messages are violations even when they list things: they end up in the logs and HTTP answers of the services
 * that embed cnnviz, and the CLI shows only their first line. Never a crash, a hang past the time limit, another
 * exception type (NullPointerException, ArrayIndexOutOfBoundsException, NegativeArraySizeException, ND4J's runtime
 * exceptions, OutOfMemoryError, ...), a NaN or infinite output, or a success reading external data from outside
 * the model's folder (those cases must fail, and their message must not show the canary's content or size).
 *
 * <p>Knobs (system properties): {@code cnnviz.fuzz.seed} (the master seed, default 20261207),
 * {@code cnnviz.fuzz.scale} (a factor on the number of cases per family), {@code cnnviz.fuzz.timeout} (seconds per
 * case, default 20), {@code cnnviz.fuzz.budget} (seconds for all cases, default 240) and
 * {@code cnnviz.fuzz.replay=family:seed,...} (run only these cases; a failing case prints its key). With
 * {@code cnnviz.shared} set, mutations of the shared importer fixtures are added. The summary and the violation
 * table are printed and written to {@code target/fuzz-report.txt}.
 */
class FuzzSuiteTest {

    @Test
    void mutatedInputsFailCleanlyOrGiveFiniteResults(@TempDir Path tmp) throws IOException {
        long master = Long.getLong("cnnviz.fuzz.seed", 20261207L);
        double scale = Double.parseDouble(System.getProperty("cnnviz.fuzz.scale", "1"));
        long timeout = Long.getLong("cnnviz.fuzz.timeout", 20L) * 1000;
        long budget = Long.getLong("cnnviz.fuzz.budget", 240L) * 1000;
        String replay = System.getProperty("cnnviz.fuzz.replay", "").strip();

        CaseFactory factory = new CaseFactory(tmp.resolve("cases"));
        List<FuzzCase> cases = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        if (!replay.isEmpty()) {
            for (String key : replay.split(",")) {
                int colon = key.lastIndexOf(':');
                cases.add(factory.make(key.substring(0, colon).strip(), Long.parseLong(key.substring(colon + 1).strip())));
            }
        } else {
            cases.addAll(factory.controls());
            for (Map.Entry<String, Integer> e : CaseFactory.COUNTS.entrySet()) {
                String family = e.getKey();
                if (family.equals("shared") && !factory.hasShared()) {
                    notes.add("cnnviz.shared is not set: the mutations of the shared fixtures were left out");
                    continue;
                }
                int n = family.equals("onnx-ext") ? CaseFactory.EXT_VARIANTS : Math.max(1, (int) Math.round(e.getValue() * scale));
                for (int i = 0; i < n; i++) {
                    cases.add(factory.make(family, CaseFactory.seedOf(master, family, i)));
                }
            }
        }

        long t0 = System.currentTimeMillis();
        FuzzRunner runner = new FuzzRunner(tmp, List.of(), timeout, budget);
        List<Outcome> outcomes = runner.run(cases);
        long seconds = (System.currentTimeMillis() - t0) / 1000;

        List<String> controlFailures = new ArrayList<>();
        List<String[]> violations = new ArrayList<>();
        Map<String, Map<String, Integer>> byFamily = new TreeMap<>();
        Map<String, Integer> byLabel = new TreeMap<>();
        for (int i = 0; i < cases.size(); i++) {
            FuzzCase c = cases.get(i);
            Outcome o = outcomes.get(i);
            byFamily.computeIfAbsent(c.family(), k -> new TreeMap<>()).merge(o.label(), 1, Integer::sum);
            byLabel.merge(o.label(), 1, Integer::sum);
            if (c.family().equals("control")) {
                if (!o.status().equals("OK")) {
                    controlFailures.add(c.file().getFileName() + ": " + o.oneLine() + "\n" + o.stack());
                }
                continue;
            }
            String v = violation(c, o);
            if (v != null) {
                violations.add(new String[] {c.kind().toString(), c.key(), c.mutation(), v, o.oneLine(), o.topFrame(), o.stack()});
            }
        }

        String report = report(cases.size(), seconds, runner.starts(), byLabel, byFamily, violations, notes, master);
        System.out.println(report);
        Path target = Path.of("target");
        if (Files.isDirectory(target)) {
            Files.writeString(target.resolve("fuzz-report.txt"), report, StandardCharsets.UTF_8);
        }
        assertTrue(controlFailures.isEmpty(), "unmutated seeds must import and run (else the suite, not the code, is wrong):\n"
                + String.join("\n", controlFailures));
        if (!violations.isEmpty()) {
            fail(violations.size() + " of " + cases.size() + " fuzz cases violate the properties (replay one with "
                    + "-Dcnnviz.fuzz.replay=family:seed):\n" + table(violations));
        }
    }

    /** @return why the outcome violates the properties, or null if it does not. */
    static String violation(FuzzCase c, Outcome o) {
        String m = o.message();
        // The small canary is exactly as long as the tensor (so that reading it succeeds), so only the big one's size
        // tells a leak apart from the tensor's own size.
        if (c.mustFail() && (m.contains("CANARY-SECRET") || m.contains(String.valueOf(CaseFactory.CANARY_BIG.length)))) {
            return "the message shows the content or size of a file outside the model's folder";
        }
        return switch (o.status()) {
            case "OK" -> c.mustFail() ? "succeeded: it read external data outside the model's folder" : null;
            case "NONFINITE" -> "non-finite result";
            case "CRASH" -> "the JVM crashed";
            case "HANG" -> "hang past the time limit";
            case "NOT_RUN" -> "not run: the suite's time budget was spent";
            case "THROWN", "CLI_ERROR", "CLI_USAGE" -> {
                if (!o.documented()) {
                    yield "undocumented exception type";
                }
                if (m.isBlank()) {
                    yield "empty message";
                }
                if (o.messageLines() > 1) {
                    yield "multi-line message (" + o.messageLines() + " lines)";
                }
                yield null;
            }
            default -> "unknown outcome " + o.status();
        };
    }

    private static String report(int cases, long seconds, int starts, Map<String, Integer> byLabel,
                                 Map<String, Map<String, Integer>> byFamily, List<String[]> violations, List<String> notes,
                                 long master) {
        StringBuilder b = new StringBuilder();
        b.append("== cnnviz fuzz suite: ").append(cases).append(" cases (master seed ").append(master).append(") in ")
                .append(seconds).append(" s, ").append(starts).append(" worker JVM start(s); ")
                .append(violations.size()).append(" violation(s)\n");
        for (String n : notes) {
            b.append("   note: ").append(n).append('\n');
        }
        b.append("-- outcomes: ").append(byLabel).append('\n');
        for (Map.Entry<String, Map<String, Integer>> e : byFamily.entrySet()) {
            b.append(String.format("   %-14s %s%n", e.getKey(), e.getValue()));
        }
        Map<String, List<String[]>> groups = new LinkedHashMap<>();
        for (String[] v : violations) {
            String exception = v[4].split(":")[0];
            groups.computeIfAbsent(v[3] + " | " + exception + " | " + v[5], k -> new ArrayList<>()).add(v);
        }
        if (!groups.isEmpty()) {
            b.append("-- violations grouped by (why | outcome | first frame):\n");
            for (Map.Entry<String, List<String[]>> g : groups.entrySet()) {
                List<String[]> vs = g.getValue();
                b.append(String.format("   [%d] %s%n", vs.size(), g.getKey()));
                List<String> keys = new ArrayList<>();
                for (String[] v : vs) {
                    keys.add(v[1]);
                }
                b.append("       cases: ").append(String.join(", ", keys.subList(0, Math.min(12, keys.size()))))
                        .append(keys.size() > 12 ? ", ..." : "").append('\n');
                b.append("       e.g. ").append(vs.get(0)[2]).append('\n');
                b.append("            ").append(vs.get(0)[4]).append('\n');
                for (String l : vs.get(0)[6].split("\n")) {
                    if (!l.isBlank()) {
                        b.append("              ").append(l.strip()).append('\n');
                    }
                }
            }
        }
        return b.toString();
    }

    private static String table(List<String[]> violations) {
        StringBuilder b = new StringBuilder("| kind | seed (family:seed) | mutation | violation | outcome |\n|---|---|---|---|---|\n");
        for (String[] v : violations) {
            b.append("| ").append(v[0]).append(" | ").append(v[1]).append(" | ").append(cut(v[2], 140)).append(" | ")
                    .append(v[3]).append(" | ").append(cut(v[4], 200)).append(" |\n");
        }
        return b.toString();
    }

    private static String cut(String s, int n) {
        String t = s.replace('|', '/').replace('\n', ' ');
        return t.length() > n ? t.substring(0, n) + "..." : t;
    }
}
