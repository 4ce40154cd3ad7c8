package dev.cnnviz.examples.cli;

import static dev.cnnviz.examples.cli.CliTest.assertClearError;
import static dev.cnnviz.examples.cli.CliTest.cli;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import dev.cnnviz.core.image.ImageIo;
import dev.cnnviz.core.image.ImageTensors;
import dev.cnnviz.examples.DefaultModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/** {@code cnnviz embed} and {@code cnnviz bench --method embed} on a folder of the committed test images. */
class EmbedCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Path folder;

    @BeforeEach
    void writeFolder() throws IOException {
        folder = dir.resolve("images");
        Files.createDirectories(folder);
        List<DefaultModel.TestImage> images = DefaultModel.testImages().subList(0, 16);
        for (DefaultModel.TestImage t : images) {
            ImageIO.write(t.image(), "png", folder.resolve(t.name()).toFile());
        }
    }

    @Test
    void neighboursOfAQueryThatIsInTheFolder() throws IOException {
        Path query = dir.resolve("query.png");
        Files.copy(folder.resolve("003-1.png"), query);
        Path png = dir.resolve("nn.png");
        CliTest.Run r = cli("embed", "--images", folder.toString(), "--neighbours", "3", "--query", query.toString(),
                "--json", "--out", png.toString()).expect(0);
        String[] lines = r.out().strip().split("\\R");
        assertEquals(1, lines.length, r.out());
        JsonNode q = JSON.readTree(lines[0]);
        assertEquals(query.toString(), q.get("query").asText());
        assertEquals("gap", q.get("layer").asText());
        JsonNode nn = q.get("neighbours");
        assertEquals(3, nn.size());
        assertEquals("003-1.png", nn.get(0).get("id").asText(), "the query's own file is its nearest neighbour");
        assertEquals(0.0, nn.get(0).get("distance").asDouble(), 1e-4);
        assertTrue(nn.get(1).get("distance").asDouble() <= nn.get(2).get("distance").asDouble());
        assertTrue(r.err().contains("16/16 images"), r.err());
        assertTrue(ImageIo.read(png).getWidth() > 8 * 48, "query + 3 + 3 thumbnails");
    }

    @Test
    void pcaJsonAndSavedEmbeddings() throws IOException {
        Path npy = dir.resolve("emb.npy");
        Path png = dir.resolve("pca.png");
        CliTest.Run r = cli("embed", "--images", folder.toString(), "--pca", "3", "--json", "--save-npy",
                npy.toString(), "--out", png.toString()).expect(0);
        JsonNode j = JSON.readTree(r.out().strip());
        JsonNode ratio = j.get("explainedVarianceRatio");
        assertEquals(3, ratio.size());
        assertTrue(ratio.get(0).asDouble() >= ratio.get(1).asDouble() && ratio.get(1).asDouble() >= ratio.get(2).asDouble());
        assertTrue(ratio.get(0).asDouble() + ratio.get(1).asDouble() + ratio.get(2).asDouble() <= 1 + 1e-9);
        INDArray e = ImageTensors.readNpy(npy);
        assertArrayEquals(new long[] {16, 128}, e.shape());
        assertEquals(16, Files.readAllLines(dir.resolve("emb.ids.txt")).size());
        assertEquals("000-9.png", Files.readAllLines(dir.resolve("emb.ids.txt")).get(0));
        assertArrayEquals(new long[] {16}, ImageTensors.readNpy(dir.resolve("emb.labels.npy")).shape());
        assertTrue(Files.size(png) > 0);
    }

    @Test
    void tsneAndAtlasOfASmallFolder() throws IOException {
        Path png = dir.resolve("atlas.png");
        cli("embed", "--images", folder.toString(), "--tsne", "--perplexity", "4", "--iterations", "300", "--atlas",
                "--grid", "5", "--out", png.toString()).expect(0);
        assertEquals(5 * 29 + 1, ImageIo.read(png).getWidth());
        CliTest.Run tooFew = cli("embed", "--images", folder.toString(), "--tsne", "--out",
                dir.resolve("t.png").toString());
        tooFew.expect(2);
        assertClearError(tooFew, "perplexity 30", "at least 91 images, found 16", "lower --perplexity");
        assertTrue(!tooFew.err().contains("embedding"), "refused before the scan: " + tooFew.err());
    }

    @Test
    void umapOfTheFashionMnistTestImages() throws IOException {
        Path png = dir.resolve("umap.png");
        CliTest.Run r = cli("embed", "--umap", "--limit", "300", "--umap-neighbours", "10", "--json", "--out",
                png.toString()).expect(0);
        assertTrue(r.out().contains("\"points\": 300"), r.out());
        assertTrue(ImageIo.read(png).getWidth() > 100);
        CliTest.Run tooFew = cli("embed", "--images", folder.toString(), "--umap", "--umap-neighbours", "20", "--out",
                dir.resolve("u.png").toString());   // 16 images
        tooFew.expect(2);
        assertClearError(tooFew, "20 neighbours", "at least 21 images, found 16", "lower --umap-neighbours");
        assertTrue(!tooFew.err().contains("embedding"), "refused before the scan: " + tooFew.err());
        assertClearError(cli("embed", "--images", folder.toString(), "--umap", "--min-dist", "3").expect(2),
                "minDist", "found 3.0");
    }

    @Test
    void usageErrors() {
        String f = folder.toString();
        assertClearError(cli("embed", "--images", f, "--atlas").expect(2), "--atlas needs --tsne, --umap or --pca");
        assertClearError(cli("embed", "--images", f, "--neighbours", "0").expect(2), "--neighbours", "found 0");
        assertClearError(cli("embed", "--images", f, "--pooling", "median").expect(2), "median");
        assertClearError(cli("embed", "--images", f, "--layer", "gapp").expect(2), "gapp", "gap");
        assertClearError(cli("embed", "--images", f, "--query", "x.png").expect(2), "--query applies only");
        assertClearError(cli("embed", "--images", f, "--fashion-mnist").expect(2), "not both");
        assertClearError(cli("embed", "--images", f, "--pca", "2", "--tsne").expect(2), "one of");
        assertClearError(cli("embed", "--images", f, "--tsne", "--out", "t.jpg").expect(2), "--out must end in .png");
        assertClearError(cli("embed", "--images", dir.resolve("absent").toString()).expect(1), "absent");
        // Arguments that the scan does not decide are refused before it (no progress bar): a query that is not an
        // image, a --pca above the layer's dimension.
        CliTest.Run dirQuery = cli("embed", "--images", f, "--neighbours", "2", "--query", f).expect(1);
        assertClearError(dirQuery, "directory");
        assertTrue(!dirQuery.err().contains("embedding"), dirQuery.err());
        CliTest.Run bigPca = cli("embed", "--images", f, "--pca", "500").expect(2);
        assertClearError(bigPca, "--pca must be between 1 and", "found 500");
        assertTrue(!bigPca.err().contains("embedding"), bigPca.err());
        assertClearError(cli("explain", "--method", "embed").expect(2), "unknown method 'embed'");
        Path ids = folder.resolve("e.ids.txt");
        assertClearError(cli("embed", "--images", f, "--neighbours", "1", "--query", ids.toString(), "--save-npy",
                folder.resolve("e.npy").toString()).expect(2), "same file", "--query");
    }

    @Test
    void benchEmbedPrintsThroughput() {
        CliTest.Run r = cli("bench", "--method", "embed", "--images", folder.toString(), "--batch", "4", "--warmup",
                "1").expect(0);
        assertTrue(r.out().contains("images/s") && r.out().contains("median") && r.out().contains("3 batches timed"),
                r.out());
        assertClearError(cli("bench", "--method", "embed", "--images", folder.toString(), "--runs", "3").expect(2),
                "--runs does not apply");
        assertClearError(cli("bench", "--method", "grad-cam", "--images", folder.toString()).expect(2),
                "apply only to --method embed");
    }
}
