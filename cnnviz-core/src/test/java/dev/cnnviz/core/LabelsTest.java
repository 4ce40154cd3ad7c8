package dev.cnnviz.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LabelsTest {
    @TempDir
    Path dir;

    private Path file(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content, StandardCharsets.UTF_8);
    }

    private IOException fails(Path file) {
        IOException e = assertThrows(IOException.class, () -> Labels.read(file));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        return e;
    }

    @Test
    void oneLabelPerLineTrimmedWithoutTrailingEmptyLines() throws IOException {
        Path f = file("l.txt", "\uFEFFtench, Tinca tinca\r\n  goldfish \n\tgreat white shark\n\n  \n");
        assertEquals(List.of("tench, Tinca tinca", "goldfish", "great white shark"), Labels.read(f));
        assertEquals(List.of("only"), Labels.read(file("one.txt", "only")));
        assertEquals(List.of("über", "日本"), Labels.read(file("utf.txt", "über\n日本\n")));
    }

    @Test
    void indexColonPrefixesAreStripped() throws IOException {
        assertEquals(List.of("tench", "goldfish", "Egyptian cat"),
                Labels.read(file("c0.txt", "0: tench\n1:goldfish\n2 : Egyptian cat\n")));
        assertEquals(List.of("a", "b"), Labels.read(file("c1.txt", "1: a\n2: b\n")));
        IOException e = fails(file("gap.txt", "0: a\n1: b\n3: d\n"));
        assertTrue(e.getMessage().contains("line 3") && e.getMessage().contains("expected 2"), e.getMessage());
        // Colons that are not indices from 0 or 1 are part of the label.
        assertEquals(List.of("12: noon", "13: one"), Labels.read(file("t.txt", "12: noon\n13: one\n")));
    }

    @Test
    void indexSpacePrefixesAreStrippedOnlyWhenTheyCountUp() throws IOException {
        assertEquals(List.of("zero", "one", "two"), Labels.read(file("s.txt", "0 zero\n1 one\n2 two\n")));
        // Not consecutive: real labels that happen to start with a number.
        assertEquals(List.of("7 up", "3 musketeers"), Labels.read(file("n.txt", "7 up\n3 musketeers\n")));
        // Only some lines: kept.
        assertEquals(List.of("0 zero", "one"), Labels.read(file("m.txt", "0 zero\none\n")));
    }

    @Test
    void synsetIdsAreStripped() throws IOException {
        assertEquals(List.of("tench, Tinca tinca", "goldfish, Carassius auratus"),
                Labels.read(file("syn.txt", "n01440764 tench, Tinca tinca\nn01443537 goldfish, Carassius auratus\n")));
    }

    @Test
    void emptyFilesAndEmptyLinesAreRejected() throws IOException {
        assertTrue(fails(file("empty.txt", "")).getMessage().contains("empty"));
        assertTrue(fails(file("blank.txt", "\n  \n\n")).getMessage().contains("empty"));
        IOException e = fails(file("hole.txt", "a\n\nc\n"));
        assertTrue(e.getMessage().contains("line 2 is empty"), e.getMessage());
    }

    @Test
    void badUtf8AndMissingFilesAreNamed() throws IOException {
        Path latin1 = Files.write(dir.resolve("latin1.txt"), new byte[] {'o', 'k', '\n', (byte) 0xFC, 'b', '\n'});
        IOException e = fails(latin1);
        assertTrue(e.getMessage().contains("UTF-8") && e.getMessage().contains("line 2"), e.getMessage());
        Path missing = dir.resolve("missing.txt");
        NoSuchFileException n = assertThrows(NoSuchFileException.class, () -> Labels.read(missing));
        assertTrue(n.getMessage().contains(missing.toString()), n.getMessage());
    }

    @Test
    void resourcesAreReadRelativeToAClass() throws IOException {
        IOException e = assertThrows(IOException.class, () -> Labels.readResource(LabelsTest.class, "nope.txt"));
        assertTrue(e.getMessage().contains("nope.txt") && e.getMessage().contains("not found"), e.getMessage());
        // Put a label file beside this class (on the test class path) and read it both ways.
        URL here = LabelsTest.class.getResource("LabelsTest.class");
        Assumptions.assumeTrue(here != null && "file".equals(here.getProtocol()), "test classes are not in a folder");
        Path res;
        try {
            res = Path.of(here.toURI()).resolveSibling("labels-test-resource.txt");
        } catch (URISyntaxException ex) {
            throw new IllegalStateException(ex);
        }
        Files.writeString(res, "0: cat\n1: dog\n");
        try {
            assertEquals(List.of("cat", "dog"), Labels.readResource(LabelsTest.class, "labels-test-resource.txt"));
            assertEquals(List.of("cat", "dog"),
                    Labels.readResource(LabelsTest.class, "/dev/cnnviz/core/labels-test-resource.txt"));
        } finally {
            Files.deleteIfExists(res);
        }
    }

    @Test
    void sharedImagenetLabels() throws IOException {
        Path f = SharedData.require("models/squeezenet1.1/imagenet-labels.txt");
        List<String> labels = Labels.read(f);
        assertEquals(1000, labels.size());
        assertEquals("tench, Tinca tinca", labels.get(0));
        assertEquals("Egyptian cat", labels.get(285));
        assertEquals("tiger cat", labels.get(282));
        assertEquals("tabby, tabby cat", labels.get(281));
    }
}
