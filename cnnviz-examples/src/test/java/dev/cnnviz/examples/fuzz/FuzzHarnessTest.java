package dev.cnnviz.examples.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.examples.fuzz.FuzzCase.Kind;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checks the fuzz suite's harness itself: a worker that crashes (a real segmentation fault) or hangs is recorded
 * as CRASH or HANG, is replaced, and the next case runs; a documented error and a success are told apart.
 */
class FuzzHarnessTest {

    @Test
    void crashesAndHangsAreRecordedAndTheNextCaseStillRuns(@TempDir Path tmp) {
        CaseFactory f = new CaseFactory(tmp.resolve("cases"));
        FuzzCase valid = f.external(0, tmp.resolve("cases/valid"));
        FuzzCase missing = new FuzzCase("self", 1, Kind.MODEL, tmp.resolve("no-such.onnx"), List.of(), "missing file", false);
        FuzzCase crash = new FuzzCase("self", 2, Kind.SELF_CRASH, valid.file(), List.of(), "segfault", false);
        FuzzCase hang = new FuzzCase("self", 3, Kind.SELF_HANG, valid.file(), List.of(), "sleep", false);
        FuzzRunner runner = new FuzzRunner(tmp, List.of(), 5_000, 300_000);
        List<Outcome> o = runner.run(List.of(valid, missing, crash, valid, hang, valid));

        assertEquals("OK", o.get(0).status(), o.get(0).oneLine());
        assertEquals("THROWN", o.get(1).status(), o.get(1).oneLine());
        assertEquals("dev.cnnviz.api.ModelImportException", o.get(1).exception());
        assertTrue(o.get(1).documented());
        assertEquals(null, FuzzSuiteTest.violation(missing, o.get(1)));
        assertEquals("CRASH", o.get(2).status(), o.get(2).oneLine());
        assertTrue(o.get(2).message().contains("SIGSEGV"), "the crash report names the signal: " + o.get(2).message());
        assertEquals("the JVM crashed", FuzzSuiteTest.violation(crash, o.get(2)));
        assertEquals("OK", o.get(3).status(), "a new worker takes the case after a crash: " + o.get(3).oneLine());
        assertEquals("HANG", o.get(4).status(), o.get(4).oneLine());
        assertEquals("OK", o.get(5).status(), "a new worker takes the case after a hang: " + o.get(5).oneLine());
        assertEquals(3, runner.starts(), "one worker at first, one after the crash, one after the hang");
    }
}
