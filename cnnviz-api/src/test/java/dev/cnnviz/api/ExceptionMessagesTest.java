package dev.cnnviz.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Messages end up in logs and in services' answers: one line each, of a bounded length. */
class ExceptionMessagesTest {
    @Test
    void importMessagesAreOneLine() {
        ModelImportException e = new ModelImportException(Path.of("m.zip"),
                "malformed configuration.json: Unexpected end-of-input\n at [Source: (String)\"{\"; line: 1, column: 2]\r\n\tmore");
        assertEquals("m.zip: malformed configuration.json: Unexpected end-of-input at [Source: (String)\"{\"; line: 1, column: 2] more",
                e.getMessage());
    }

    @Test
    void longMessagesAreCut() {
        String m = new ModelImportException(Path.of("m.onnx"), "x".repeat(5000)).getMessage();
        assertEquals(ModelImportException.MAX_MESSAGE_CHARS, m.length());
        assertTrue(m.endsWith("..."));
    }

    @Test
    void resourceLimitMessagesNameWhatAndHowMuch() {
        ResourceLimitException e = new ResourceLimitException("a batch", 3L << 30, 1L << 30, "use a smaller batch");
        assertEquals("a batch needs 3.0 GiB, more than the memory budget of 1.0 GiB; use a smaller batch", e.getMessage());
        assertEquals("512 bytes", ResourceLimitException.formatBytes(512));
        assertEquals("1.5 KiB", ResourceLimitException.formatBytes(1536));
    }
}
