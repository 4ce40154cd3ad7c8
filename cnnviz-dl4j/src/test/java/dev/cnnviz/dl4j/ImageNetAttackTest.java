package dev.cnnviz.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.AdversarialExample;
import dev.cnnviz.api.Preprocessing;
import dev.cnnviz.api.Target;
import dev.cnnviz.core.Labels;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.SharedData;
import dev.cnnviz.core.adversarial.AttackFigures;
import dev.cnnviz.core.adversarial.FoolingImage;
import dev.cnnviz.core.adversarial.Pgd;
import dev.cnnviz.core.image.ImageIo;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Attacks on the real SqueezeNet 1.1 (issue 13): PGD with ε = 2/255 and 10 steps fools it on every shared image,
 * and a fooling image of the cat as class 6 (stingray) reaches top-1 with an L∞ change under 2/255.
 */
class ImageNetAttackTest {

    static Model squeezeNet() throws Exception {
        Path dir = SharedData.require("models/squeezenet1.1/squeezenet1.1-imagenet.onnx").getParent();
        return Models.load(dir.resolve("squeezenet1.1-imagenet.onnx"))
                .withPreprocessing(Preprocessing.caffeBgr(104, 117, 123))
                .withLabels(Labels.read(dir.resolve("imagenet-labels.txt")));
    }

    @Test
    void pgdAtTwoGreyLevelsFoolsItOnEverySharedImage() throws Exception {
        Model m = squeezeNet();
        Path images = SharedData.require("images/cat.jpg").getParent();
        List<Path> files;
        try (Stream<Path> s = Files.list(images)) {
            files = s.filter(p -> p.toString().matches(".*\\.(jpg|png)$")).sorted().toList();
        }
        List<BufferedImage> imgs = new ArrayList<>();
        for (Path f : files) {
            imgs.add(ImageIo.read(f));
        }
        assertTrue(imgs.size() >= 10, "the shared images: " + files);
        Pgd pgd = Pgd.of(m).withEpsilon(2 / 255.0).withSteps(10).withBatchSize(imgs.size());
        List<AdversarialExample> r = pgd.attackAll(imgs, List.of(Target.topClass()));
        for (int i = 0; i < r.size(); i++) {
            AdversarialExample a = r.get(i);
            assertTrue(a.success(), files.get(i).getFileName() + ": " + a.describe());
            assertTrue(a.linf() <= 2 / 255.0 + 1e-6, files.get(i).getFileName() + ": L∞ " + a.linf());
            assertEquals(10, a.steps());
        }
        assertEquals(285, r.get(files.indexOf(images.resolve("cat.jpg"))).before().classIndex());
    }

    @Test
    void foolingImageTurnsTheCatIntoAStingrayUnderTwoGreyLevels() throws Exception {
        Model m = squeezeNet();
        BufferedImage cat = ImageIo.read(SharedData.require("images/cat.jpg"));
        AdversarialExample a = FoolingImage.of(m).withTargetClass(6).withEpsilon(1.99 / 255).attack(cat);
        assertEquals(285, a.before().classIndex());
        assertTrue(a.success(), a.describe());
        assertEquals(6, a.after().classIndex());
        assertEquals("stingray", a.after().label());
        assertTrue(a.linf() < 2 / 255.0, "L∞ " + a.linf() * 255 + "/255");
        assertTrue(a.steps() >= 1 && a.steps() <= FoolingImage.DEFAULT_STEPS, "steps " + a.steps());
        BufferedImage fig = AttackFigures.panel(a, 224);
        assertTrue(fig.getWidth() > 3 * 224, "three tiles");
    }
}
