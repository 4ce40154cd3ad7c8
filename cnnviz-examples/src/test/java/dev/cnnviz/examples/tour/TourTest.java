package dev.cnnviz.examples.tour;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.examples.DefaultModel;
import dev.cnnviz.examples.cli.Cli;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tour's machinery without a browser: steps, pages, captions, and the command's usage errors. */
class TourTest {
    @TempDir
    Path dir;

    private static TourContext context(StringWriter err) {
        List<DefaultModel.TestImage> test = DefaultModel.testImages().subList(0, 4);
        List<BufferedImage> images = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        int[] labels = new int[test.size()];
        for (int i = 0; i < test.size(); i++) {
            images.add(test.get(i).image());
            ids.add(test.get(i).name());
            labels[i] = test.get(i).label();
        }
        return new TourContext(DefaultModel.load(), DefaultModel.defaultImage(), "a <boot>", images, labels, ids, true,
                new PrintWriter(err, true));
    }

    /** A section of the given steps. */
    private record Section(String name, List<TourStep> list) implements TourSection {
        @Override
        public String title() {
            return "Title of " + name;
        }

        @Override
        public String intro() {
            return "Intro of " + name;
        }

        @Override
        public List<TourStep> steps(TourContext ctx) {
            return list;
        }
    }

    @Test
    void stepsThatDoNotApplyBecomeNotesAndPagesCaptionEveryFigure() throws Exception {
        StringWriter err = new StringWriter();
        TourContext ctx = context(err);
        Section s = new Section("demo", List.of(
                new TourStep("picture", () -> Figure.of("Pic & co", "Someone et al. 2020", "size 4 < 5", ctx.image())),
                new TourStep("refused", () -> {
                    throw new IllegalArgumentException("no spatial layer 'x'");
                })));
        Path index = Tour.run(ctx, List.of(s), dir);
        String page = Files.readString(dir.resolve("demo.html"), StandardCharsets.UTF_8);
        assertTrue(page.contains("<strong>Pic &amp; co</strong>") && page.contains("size 4 &lt; 5"), page);
        assertTrue(page.contains("Not applicable to this model: no spatial layer &#39;x&#39;"), page);
        assertEquals(2, page.split("class=\"time\">[0-9]+\\.[0-9]{2} s<", -1).length - 1, page);
        assertTrue(Files.size(dir.resolve("img/demo-01.png")) > 0);
        assertTrue(err.toString().contains("refused does not apply to this model: no spatial layer 'x'"), err.toString());
        String home = Files.readString(index, StandardCharsets.UTF_8);
        assertTrue(home.contains("href=\"demo.html\"") && home.contains("a &lt;boot&gt;") && !home.contains("http"), home);
    }

    @Test
    void theStyleSectionDrawsTheGramMatricesOfThreeDepths() throws Exception {
        TourContext ctx = context(new StringWriter());
        List<Figure> figures = new StylizeSection().run(ctx);
        assertEquals(3, figures.size());
        // On the embedded grey 28-pixel model the texture and the style transfer say why they do not run.
        assertTrue(figures.get(1).text() != null && figures.get(1).text().contains("hundreds of steps"), figures.get(1).toString());
        assertTrue(figures.get(2).text() != null && figures.get(2).text().contains("colour images of at least 64"),
                figures.get(2).toString());
        Figure f = figures.get(0);
        assertTrue(f.image() != null && f.wide() && f.seconds() >= 0, f.toString());
        assertTrue(f.settings().contains(ctx.earlyLayer()) && f.settings().contains(ctx.lateLayer()), f.settings());
        // Three 192-pixel tiles side by side, each a colour map of a Gram matrix: not one flat colour.
        assertTrue(f.image().getWidth() >= 3 * 192, "width " + f.image().getWidth());
        BufferedImage img = f.image();
        Set<Integer> colours = new HashSet<>();
        for (int x = 0; x < img.getWidth(); x += 3) {
            colours.add(img.getRGB(x, img.getHeight() / 3));
        }
        assertTrue(colours.size() > 10, colours.size() + " colours across the panel");
    }

    @Test
    void otherFailuresStopTheTour() {
        TourContext ctx = context(new StringWriter());
        Section s = new Section("broken", List.of(new TourStep("boom", () -> {
            throw new IOException("disk gone");
        })));
        IOException e = assertThrows(IOException.class, () -> Tour.run(ctx, List.of(s), dir));
        assertEquals("disk gone", e.getMessage());
    }

    @Test
    void theContextRefusesADatasetOfOneImage() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new TourContext(
                DefaultModel.load(), DefaultModel.defaultImage(), "x", List.of(DefaultModel.defaultImage()), null,
                List.of("x"), true, new PrintWriter(new StringWriter())));
        assertTrue(e.getMessage().contains("2 to 300 images, found 1"), e.getMessage());
    }

    @Test
    void theCommandRefusesAnOutputThatIsAFileAndAModelWithoutAnImage() throws IOException {
        Path file = Files.writeString(dir.resolve("index.html"), "x");
        StringWriter err = new StringWriter();
        int code = Cli.execute(new PrintWriter(new StringWriter()), new PrintWriter(err), "tour", "--out", file.toString());
        assertEquals(Cli.EXIT_USAGE, code, err.toString());
        assertTrue(err.toString().contains("is not a folder"), err.toString());
        err = new StringWriter();
        code = Cli.execute(new PrintWriter(new StringWriter()), new PrintWriter(err), "tour", "--model", file.toString(),
                "--out", dir.resolve("t").toString());
        assertEquals(Cli.EXIT_USAGE, code, err.toString());
        assertTrue(err.toString().contains("give the image: --image FILE"), err.toString());
        assertEquals("x", Files.readString(file));
    }
}
