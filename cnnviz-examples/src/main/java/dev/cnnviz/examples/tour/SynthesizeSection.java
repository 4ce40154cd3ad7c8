package dev.cnnviz.examples.tour;

import dev.cnnviz.api.ProgressListener;
import dev.cnnviz.api.Synthesis;
import dev.cnnviz.api.Target;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.featurevis.ClassVisualization;
import dev.cnnviz.core.featurevis.DeepDream;
import dev.cnnviz.core.featurevis.FeatureVisualization;
import dev.cnnviz.core.image.ImageResize;
import dev.cnnviz.core.inversion.FeatureInversion;
import dev.cnnviz.core.inversion.InversionPanel;
import dev.cnnviz.core.render.Resample;
import dev.cnnviz.core.render.TileGrid;
import dev.cnnviz.examples.cli.SynthesisOutput;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The synthesis page: images made by gradient ascent on the input. The class-visualization panel (Simonyan et al.),
 * channel visualizations (Lucid's Fourier parameterization), feature inversion at three depths (Mahendran and
 * Vedaldi) and DeepDream (Mordvintsev et al.).
 */
public final class SynthesizeSection implements TourSection {
    @Override
    public String name() {
        return "synthesize";
    }

    @Override
    public String title() {
        return "Synthesis: images the network wants to see";
    }

    @Override
    public String intro() {
        return "Start from noise (or from the image) and follow the gradient of a class score, a channel, or the "
                + "distance to an image's code, with regularizers that keep the result an image.";
    }

    @Override
    public List<TourStep> steps(TourContext ctx) {
        Model m = ctx.model();
        List<TourStep> s = new ArrayList<>();
        int cvSteps = ctx.steps(60, 8);
        s.add(new TourStep("class visualization", () -> {
            List<BufferedImage> tiles = new ArrayList<>();
            List<String> captions = new ArrayList<>();
            for (int c : classes(ctx)) {
                Synthesis syn = ClassVisualization.of(m).withSteps(cvSteps).visualize(Target.classIndex(c),
                        ProgressListener.NONE);
                tiles.add(Resample.nearest(syn.image(), 160, 160));
                String label = m.label(c).orElse("class " + c);
                captions.add(String.format(Locale.ROOT, "%s: p = %.3f", label, ctx.probabilities(syn.input())[c]));
            }
            return Figure.of("Class visualization", "Simonyan et al. 2014; Yosinski et al. 2015",
                    cvSteps + " L2-normalised steps from seeded noise (seed 42), L2 decay, blur and jitter as CS231n's "
                            + "defaults; p is the model's probability for the class on the result",
                    TileGrid.grid(tiles, 4, 8, captions)).asWide();
        }));
        int fvSteps = ctx.steps(128, 8);
        s.add(new TourStep("feature visualization", () -> {
            String layer = ctx.middleLayer();
            int channels = (int) Math.min(4, ctx.shape(layer)[1]);
            int size = ctx.smallInput() ? 64 : 128;
            List<BufferedImage> tiles = new ArrayList<>();
            List<String> captions = new ArrayList<>();
            for (int c = 0; c < channels; c++) {
                Synthesis syn = FeatureVisualization.of(m).withSteps(fvSteps).withSize(size)
                        .visualize(Target.channel(layer, c), ProgressListener.NONE);
                tiles.add(Resample.resize(syn.image(), 160, 160));
                captions.add("channel " + c);
            }
            return Figure.of("Channel visualization", "Olah et al. 2017 (Lucid)",
                    "layer " + layer + ", " + fvSteps + " Adam steps on a decorrelated Fourier image of " + size
                            + " px with jitter, scale and rotation", TileGrid.grid(tiles, 4, 8, captions)).asWide();
        }));
        int invSteps = ctx.steps(FeatureInversion.DEFAULT_STEPS, 10);
        s.add(new TourStep("feature inversion", () -> {
            Set<String> layers = new LinkedHashSet<>(List.of(ctx.earlyLayer(), ctx.middleLayer(), ctx.lateLayer()));
            InversionPanel.Result r = InversionPanel.byDepth(FeatureInversion.of(m).withSteps(invSteps), ctx.image(),
                    new ArrayList<>(layers));
            return Figure.of("Feature inversion by depth", "Mahendran & Vedaldi 2015",
                    "the image reconstructed from the codes of " + String.join(", ", layers) + "; " + invSteps
                            + " Adam steps, total variation " + FeatureInversion.DEFAULT_TV + ", seeded noise start",
                    r.panel()).asWide();
        }));
        int ddSteps = ctx.steps(DeepDream.DEFAULT_STEPS, 2);
        s.add(new TourStep("deepdream", () -> {
            BufferedImage photo = dreamPhoto(ctx.image());
            String layer = ctx.middleLayer();
            int octaves = 3;
            Synthesis syn = DeepDream.of(m).withLayer(layer).withOctaves(octaves).withSteps(ddSteps)
                    .dream(photo, ProgressListener.NONE);
            return Figure.of("DeepDream", "Mordvintsev, Olah & Tyka 2015",
                    "layer " + layer + ", " + octaves + " octaves of scale " + DeepDream.DEFAULT_OCTAVE_SCALE + ", "
                            + ddSteps + " steps each, on the image at " + photo.getWidth() + "x" + photo.getHeight(),
                    SynthesisOutput.panel(photo, "original", syn, "DeepDream · " + layer)).asWide();
        }));
        return s;
    }

    /** @return up to four classes spread over the model's classes, the image's top class first */
    private static List<Integer> classes(TourContext ctx) {
        Set<Integer> out = new LinkedHashSet<>();
        out.add(ctx.topClass());
        int n = ctx.classes();
        for (int k = 1; out.size() < Math.min(4, n); k++) {
            out.add((ctx.topClass() + k * Math.max(1, n / 4)) % n);
        }
        return new ArrayList<>(out);
    }

    /** @return the image scaled so that its longer side is between 112 and 320 pixels */
    private static BufferedImage dreamPhoto(BufferedImage image) {
        int side = Math.max(image.getWidth(), image.getHeight());
        int target = Math.max(112, Math.min(320, side));
        if (target == side) {
            return image;
        }
        double f = target / (double) side;
        return ImageResize.resize(image, Math.max(1, (int) Math.round(image.getWidth() * f)),
                Math.max(1, (int) Math.round(image.getHeight() * f)));
    }
}
