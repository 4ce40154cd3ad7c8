package dev.cnnviz.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.core.image.ImageIo;
import dev.cnnviz.examples.tour.TourContext;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How {@code cnnviz tour} reads a dataset folder: bounded in count and in pixels, and refused when too small. */
class TourCommandTest {
    @TempDir
    Path dir;

    @Test
    void aLargeFolderGivesItsFirstImagesByNameAndNothingElse() throws Exception {
        BufferedImage px = new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB);
        int n = TourContext.MAX_DATASET + 5;
        for (int i = 0; i < n; i++) {
            ImageIo.writePng(px, dir.resolve(String.format("img%04d.png", i)));
        }
        Files.writeString(dir.resolve("README.md"), "not an image");
        List<Path> files = TourCommand.datasetFiles(dir);
        assertEquals(TourContext.MAX_DATASET, files.size());
        assertEquals("img0000.png", files.get(0).getFileName().toString());
        assertEquals(String.format("img%04d.png", TourContext.MAX_DATASET - 1),
                files.get(files.size() - 1).getFileName().toString());
    }

    @Test
    void photographsAreShrunkToTheDatasetSideAndSmallImagesKept() {
        BufferedImage big = new BufferedImage(1000, 500, BufferedImage.TYPE_INT_RGB);
        BufferedImage small = TourCommand.shrink(big);
        assertEquals(TourCommand.DATASET_SIDE, small.getWidth());
        assertEquals(TourCommand.DATASET_SIDE / 2, small.getHeight());
        BufferedImage tiny = new BufferedImage(28, 28, BufferedImage.TYPE_INT_RGB);
        assertSame(tiny, TourCommand.shrink(tiny));
    }

    @Test
    void aFolderWithOneImageIsAUsageErrorNamingIt() throws Exception {
        Path image = dir.resolve("only.png");
        ImageIo.writePng(new BufferedImage(28, 28, BufferedImage.TYPE_INT_RGB), image);
        StringWriter err = new StringWriter();
        int code = Cli.execute(new PrintWriter(new StringWriter()), new PrintWriter(err), "tour", "--image",
                image.toString(), "--images", dir.toString(), "--out", dir.resolve("t").toString());
        assertEquals(Cli.EXIT_USAGE, code, err.toString());
        assertTrue(err.toString().contains("has 1 image") && err.toString().contains(dir.toString()), err.toString());
        assertTrue(!Files.exists(dir.resolve("t")), "the tour wrote a folder before refusing its dataset");
    }
}
