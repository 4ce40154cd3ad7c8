package dev.cnnviz.examples.cli;

import static dev.cnnviz.examples.cli.CliTest.assertClearError;
import static dev.cnnviz.examples.cli.CliTest.cli;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.core.Model;
import dev.cnnviz.core.data.IdxDataset;
import dev.cnnviz.core.graph.ForwardPass;
import dev.cnnviz.core.graph.Node;
import dev.cnnviz.core.graph.ops.Constant;
import dev.cnnviz.core.image.ImageIo;
import dev.cnnviz.core.image.ImageTensors;
import dev.cnnviz.core.inspect.ReceptiveField;
import dev.cnnviz.examples.DefaultModel;
import dev.cnnviz.examples.cli.CliTest.Run;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/** The inspection commands (summary, filters, activations, patches) run in-process, as {@link CliTest} runs the rest. */
class InspectCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    // ----------------------------------------------------------------------------------------------- summary

    @Test
    void summaryTableAndJsonDescribeEveryLayer() throws IOException {
        Model m = DefaultModel.load();
        Run text = cli("summary").expect(0);
        assertTrue(text.out().contains(m.graph().summary()), "the node list is still printed:\n" + text.out());
        assertTrue(text.out().matches("(?s).*layer\\s+operator\\s+output shape\\s+params\\s+FLOPs\\s+RF size\\s+RF stride.*"),
                text.out());
        Run r = cli("summary", "--json").expect(0);
        assertEquals(1, r.out().strip().lines().count(), "one JSON value on one line");
        JsonNode a = JSON.readTree(r.out());
        List<String> names = new ArrayList<>();
        for (Node n : m.graph().nodes()) {
            if (!(n.op() instanceof Constant)) {
                names.add(n.name());
            }
        }
        assertEquals(names.size(), a.size());
        for (int i = 0; i < a.size(); i++) {
            JsonNode e = a.get(i);
            assertEquals(names.get(i), e.get("name").asText());
            Set<String> keys = new HashSet<>();
            e.fieldNames().forEachRemaining(keys::add);
            assertEquals(Set.of("name", "op", "inputs", "outputShape", "params", "flops", "receptiveField"), keys);
        }
        JsonNode conv1 = a.get(names.indexOf("conv1"));
        assertEquals("Conv", conv1.get("op").asText());
        assertEquals("input", conv1.get("inputs").get(0).asText());
        assertEquals("[1,32,28,28]", conv1.get("outputShape").toString());
        assertEquals(32 * 9 + 32, conv1.get("params").asLong());
        assertEquals(2L * 32 * 9 * 28 * 28, conv1.get("flops").asLong());
        assertEquals("{\"size\":[3,3],\"stride\":[1,1]}", conv1.get("receptiveField").toString());
        assertEquals("{\"size\":[18,18],\"stride\":[4,4]}", a.get(names.indexOf("relu3")).get("receptiveField").toString(),
                "three 3x3 convolutions and two 2x2 poolings: 1 + 2 + 1 + 4 + 2 + 8 = 18");
        assertTrue(a.get(names.indexOf("gap_pool")).get("receptiveField").get("global").asBoolean());
    }

    // ----------------------------------------------------------------------------------------------- filters

    @Test
    void filtersOfTheDefaultModelAreItsFirstConvolutionsWeights() throws IOException {
        Path png = dir.resolve("f.png");
        Path npy = dir.resolve("f.npy");
        Run r = cli("filters", "--out", png.toString(), "--save-npy", npy.toString(), "--scale", "4", "--json").expect(0);
        JsonNode j = JSON.readTree(r.out());
        assertEquals("conv1", j.get("layer").asText());
        assertEquals("grey", j.get("kind").asText());
        assertEquals("[32,1,3,3]", j.get("shape").toString());
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(6 * (12 + 2) + 2, img.getWidth(), "32 filters in 6 columns of 12-pixel tiles with 2-pixel gutters");
        INDArray w = DefaultModel.load().graph().constant("conv1/W");
        try (INDArray saved = ImageTensors.readNpy(npy)) {
            assertArrayEquals(w.shape(), saved.shape());
            assertTrue(saved.equalsWithEps(w.castTo(saved.dataType()), 0), "the weights as stored");
        }
        Run bad = cli("filters", "--layer", "relu1", "--out", png.toString()).expect(2);
        assertTrue(bad.err().contains("relu1") && bad.err().contains("Relu"), bad.err());
        assertTrue(cli("filters", "--layer", "nope").expect(2).err().contains("closest names"));
        assertTrue(cli("filters", "--out", dir.resolve("f.jpg").toString()).expect(2).err().contains(".png"));
        assertTrue(cli("filters", "--max", "0").expect(2).err().contains("--max must be at least 1"));
    }

    // ----------------------------------------------------------------------------------------------- activations

    @Test
    void activationsSaveTheLayersRawValuesAndDrawTheChosenChannels() throws IOException {
        Path png = dir.resolve("a.png");
        Path npy = dir.resolve("a.npy");
        Run r = cli("activations", "--layer", "relu2", "--sort", "--max", "16", "--scale", "2", "--out", png.toString(),
                "--save-npy", npy.toString(), "--json").expect(0);
        JsonNode j = JSON.readTree(r.out());
        assertEquals("relu2", j.get("layer").asText());
        assertEquals("[64,14,14]", j.get("shape").toString());
        Model m = DefaultModel.load();
        float[] expected;
        try (INDArray x = ImageTensors.toBatch(DefaultModel.defaultImage(), m.inputSpec());
                ForwardPass pass = m.graph().forward(x)) {
            expected = pass.get("relu2").dup().data().asFloat();
        }
        float[] saved;
        try (INDArray a = ImageTensors.readNpy(npy)) {
            assertArrayEquals(new long[] {64, 14, 14}, a.shape());
            saved = a.data().asFloat();
        }
        assertArrayEquals(expected, saved, 1e-4f);
        JsonNode order = j.get("order");
        assertEquals(16, order.size());
        double previous = Double.POSITIVE_INFINITY;
        for (JsonNode c : order) {
            double mean = 0;
            for (int p = 0; p < 196; p++) {
                mean += saved[c.asInt() * 196 + p] / 196.0;
            }
            assertTrue(mean <= previous + 1e-6, "sorted by decreasing mean: " + order);
            previous = mean;
        }
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(4 * (28 + 2) + 2, img.getWidth(), "16 maps of 14x14 at scale 2 in 4 columns");
        assertTrue(cli("activations", "--scaling", "loud").expect(2).err().contains("per-channel or shared"));
        assertClearError(cli("activations", "--image", dir.resolve("missing.png").toString()).expect(1), "missing.png");
    }

    // ----------------------------------------------------------------------------------------------- patches

    /** Writes the embedded test images as a folder of PNGs; returns the folder. */
    private Path folder(int n) throws IOException {
        Path images = dir.resolve("images");
        Files.createDirectories(images);
        List<DefaultModel.TestImage> all = DefaultModel.testImages();
        for (int i = 0; i < n; i++) {
            ImageIo.writePng(all.get(i).image(), images.resolve(all.get(i).name()));
        }
        return images;
    }

    @Test
    void patchesOverAFolderNameTheImagesTheirUnitsAndExactBoxes() throws IOException {
        Path images = folder(40);
        Path png = dir.resolve("p.png");
        Path npy = dir.resolve("p.npy");
        Run r = cli("patches", "--images", images.toString(), "--layer", "relu2", "--channels", "2:5", "--top", "3",
                "--batch", "7", "--out", png.toString(), "--save-npy", npy.toString(), "--json").expect(0);
        List<String> lines = r.out().strip().lines().toList();
        assertEquals(3, lines.size(), "one line per channel:\n" + r.out());
        assertTrue(r.err().contains("40/40 images"), "a progress bar on stderr: " + r.err());
        Model m = DefaultModel.load();
        ReceptiveField field = ReceptiveField.of(m.graph(), "relu2");
        float[] saved;
        try (INDArray a = ImageTensors.readNpy(npy)) {
            assertArrayEquals(new long[] {3, 3}, a.shape());
            saved = a.data().asFloat();
        }
        for (int c = 0; c < 3; c++) {
            JsonNode line = JSON.readTree(lines.get(c));
            assertEquals(2 + c, line.get("channel").asInt());
            JsonNode hits = line.get("hits");
            assertEquals(3, hits.size());
            for (int k = 0; k < 3; k++) {
                JsonNode h = hits.get(k);
                String id = h.get("id").asText();
                assertTrue(Files.isRegularFile(images.resolve(id)), "ids are paths relative to the folder: " + id);
                int y = h.get("y").asInt();
                int x = h.get("x").asInt();
                float activation = (float) h.get("activation").asDouble();
                assertEquals(saved[c * 3 + k], activation, 1e-5f);
                try (INDArray in = ImageTensors.toBatch(ImageIo.read(images.resolve(id)), m.inputSpec());
                        ForwardPass pass = m.graph().forward(in)) {
                    assertEquals(pass.get("relu2").getFloat(0, 2 + c, y, x), activation, 1e-4f, "the unit's value");
                }
                int[] box = new int[4];
                for (int b = 0; b < 4; b++) {
                    box[b] = h.get("box").get(b).asInt();
                }
                assertArrayEquals(field.box(y, x), box);
            }
        }
        assertNotNull(ImageIO.read(png.toFile()));
        assertTrue(cli("patches", "--images", images.toString(), "--channels", "5:2").expect(2).err().contains("FIRST:END"));
        assertTrue(cli("patches", "--images", images.toString(), "--layer", "relu2", "--channels", "0:65").expect(2).err()
                .contains("64 channels"));
        assertTrue(cli("patches", "--images", images.toString(), "--layer", "fc").expect(2).err().contains("spatial"));
        assertTrue(cli("patches", "--images", images.toString(), "--out", images.resolve(DefaultModel.testImages().get(0).name())
                .toString()).expect(2).err().contains("--out"));
    }

    @Test
    void patchesOverFashionMnistDefaultToItsTestSplit() throws IOException {
        Assumptions.assumeTrue(Files.isDirectory(IdxDataset.FASHION_MNIST_DIR),
                "Fashion-MNIST is not installed at " + IdxDataset.FASHION_MNIST_DIR + "; skipping");
        Run r = cli("patches", "--fashion-mnist", "--limit", "500", "--batch", "100", "--layer", "relu3", "--channels", "0:2",
                "--top", "4", "--out", dir.resolve("fm.png").toString(), "--json").expect(0);
        JsonNode first = JSON.readTree(r.out().lines().findFirst().orElseThrow());
        IdxDataset test = IdxDataset.fashionMnist(IdxDataset.FASHION_MNIST_DIR, IdxDataset.Split.TEST);
        int[] labels = test.labels();
        for (JsonNode h : first.get("hits")) {
            int index = h.get("index").asInt();
            assertTrue(index < 500, "within --limit");
            assertEquals(Integer.toString(index), h.get("id").asText());
            assertEquals(labels[index], h.get("label").asInt());
        }
    }

    // ----------------------------------------------------------------------------------------------- help

    @ParameterizedTest
    @ValueSource(strings = {"filters", "activations", "patches", "summary"})
    void everyInspectionCommandHasHelpWithExamples(String command) {
        Run r = cli(command, "--help").expect(0);
        assertTrue(r.out().contains("Examples:") && r.out().contains("--model") && r.out().contains("cnnviz " + command),
                r.out());
    }

    // ----------------------------------------------------------------------------------------------- SqueezeNet

    @Nested
    class SqueezeNet {
        Path model;
        Path cat;

        @BeforeEach
        void shared() {
            String shared = System.getProperty("cnnviz.shared", "");
            Assumptions.assumeFalse(shared.isBlank(), "cnnviz.shared is not set: skipping the SqueezeNet inspection tests");
            model = Path.of(shared).resolve("models/squeezenet1.1/squeezenet1.1-imagenet.onnx");
            cat = Path.of(shared).resolve("images/cat.jpg");
            assertTrue(Files.isRegularFile(model) && Files.isRegularFile(cat), "cnnviz.shared=" + shared + " is incomplete");
        }

        @Test
        void summaryGivesTheKnownReceptiveFieldsAndFlops() throws IOException {
            JsonNode a = JSON.readTree(cli("summary", "--model", model.toString(), "--json").expect(0).out());
            long flops = 0;
            java.util.Map<String, String> rf = new java.util.HashMap<>();
            for (JsonNode e : a) {
                flops += e.get("flops").asLong();
                rf.put(e.get("name").asText(), e.get("receptiveField").toString());
            }
            // conv1 3x3/2; pool1 3x3/2; each fire's expand3x3 adds 2 strides; pool3 and pool5 3x3/2
            assertEquals("{\"size\":[3,3],\"stride\":[2,2]}", rf.get("conv_conv1_1"));
            assertEquals("{\"size\":[7,7],\"stride\":[4,4]}", rf.get("maxpool_pool1_1"));
            assertEquals("{\"size\":[15,15],\"stride\":[4,4]}", rf.get("concat_fire2/concat_1"));
            assertEquals("{\"size\":[31,31],\"stride\":[8,8]}", rf.get("maxpool_pool3_1"));
            assertEquals("{\"size\":[63,63],\"stride\":[8,8]}", rf.get("concat_fire5/concat_1"));
            assertEquals("{\"size\":[79,79],\"stride\":[16,16]}", rf.get("maxpool_pool5_1"));
            assertEquals("{\"size\":[207,207],\"stride\":[16,16]}", rf.get("concat_fire9/concat_1"));
            assertEquals("{\"size\":[207,207],\"stride\":[16,16]}", rf.get("relu_conv10_2"));
            assertEquals(0.698e9, flops, 0.005e9, "SqueezeNet 1.1's forward pass at 224x224");
        }

        @Test
        void conv1FiltersAreColourTilesAndFire5MapsAreDrawn() throws IOException {
            Run f = cli("filters", "--model", model.toString(), "--preprocess", "caffe-bgr", "--out",
                    dir.resolve("conv1.png").toString(), "--json").expect(0);
            JsonNode j = JSON.readTree(f.out());
            assertEquals("rgb", j.get("kind").asText());
            assertEquals("[64,3,3,3]", j.get("shape").toString());
            Run a = cli("activations", "--model", model.toString(), "--preprocess", "caffe-bgr", "--image", cat.toString(),
                    "--layer", "concat_fire5/concat_1", "--max", "64", "--out", dir.resolve("fire5.png").toString(),
                    "--json").expect(0);
            assertEquals("[256,27,27]", JSON.readTree(a.out()).get("shape").toString());
        }
    }
}
