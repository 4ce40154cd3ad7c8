package dev.cnnviz.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.ModelImportException;
import dev.cnnviz.core.data.Batch;
import dev.cnnviz.core.data.Dataset;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JShell helpers' contracts: where {@code show} writes, and the project's errors for bad names and files. */
class NotebookTest {

    @AfterEach
    void resetOutputFolder() {
        Notebook.out("cnnviz-out");
    }

    @Test
    void showWritesThePngIntoTheOutputFolder(@TempDir Path dir) throws IOException {
        System.setProperty(Notebook.WINDOW_PROPERTY, "false");
        Path folder = Notebook.out(dir.resolve("pictures").toString());
        assertEquals(dir.resolve("pictures").toAbsolutePath(), folder);
        BufferedImage img = new BufferedImage(5, 3, BufferedImage.TYPE_INT_RGB);
        img.setRGB(4, 2, 0xff8000);
        Path file = Notebook.show("little", img);
        assertEquals(folder.resolve("little.png"), file);
        BufferedImage back = ImageIO.read(file.toFile());
        assertEquals(5, back.getWidth());
        assertEquals(0xff8000, back.getRGB(4, 2) & 0xffffff);
        assertEquals(folder.resolve("b.png"), Notebook.show("b.png", img), "a name ending in .png is kept");
    }

    @Test
    void badNamesAndFoldersAreIllegalArguments() {
        BufferedImage img = new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Notebook.show("../up", img));
        assertTrue(e.getMessage().contains("'../up'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Notebook.show(" ", img));
        e = assertThrows(IllegalArgumentException.class, () -> Notebook.show("x", (BufferedImage) null));
        assertTrue(e.getMessage().contains("'x'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Notebook.out(" "));
    }

    @Test
    void unreadableFilesNameTheFile(@TempDir Path dir) throws IOException {
        Path missing = dir.resolve("no-such.png");
        IOException io = assertThrows(IOException.class, () -> Notebook.image(missing.toString()));
        assertTrue(io.getMessage().contains("no-such.png"), io.getMessage());
        Path notAModel = Files.writeString(dir.resolve("model.onnx"), "not a model");
        ModelImportException m = assertThrows(ModelImportException.class, () -> Notebook.model(notAModel.toString()));
        assertTrue(m.getMessage().contains("model.onnx"), m.getMessage());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> Notebook.model(notAModel.toString(), missing.toString(), "no-such-preprocessing"));
        assertTrue(bad.getMessage().contains("no-such-preprocessing"), bad.getMessage());
    }

    @Test
    void testImagesAreTheBundledLabelledImages() throws IOException {
        Dataset d = Notebook.testImages();
        assertEquals(300, d.size());
        assertEquals(10, d.classes().size());
        Batch b = d.read(298, 300);
        assertEquals(2, b.size());
        assertEquals(DefaultModel.testImages().get(299).label(), b.labels()[1]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> d.read(290, 301));
        assertTrue(e.getMessage().contains("290..301"), e.getMessage());
    }
}
