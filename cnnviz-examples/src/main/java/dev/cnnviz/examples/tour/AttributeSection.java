package dev.cnnviz.examples.tour;

import dev.cnnviz.api.Attribution;
import dev.cnnviz.api.Explanation;
import dev.cnnviz.api.Target;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.attribution.Deconvnet;
import dev.cnnviz.core.attribution.GuidedBackprop;
import dev.cnnviz.core.attribution.InputXGradient;
import dev.cnnviz.core.attribution.IntegratedGradients;
import dev.cnnviz.core.attribution.Saliency;
import dev.cnnviz.core.attribution.SmoothGrad;
import dev.cnnviz.core.cam.Cam;
import dev.cnnviz.core.cam.EigenCam;
import dev.cnnviz.core.cam.GradCam;
import dev.cnnviz.core.cam.GradCamPlusPlus;
import dev.cnnviz.core.cam.GuidedGradCam;
import dev.cnnviz.core.cam.HiResCam;
import dev.cnnviz.core.cam.LayerCam;
import dev.cnnviz.core.cam.ScoreCam;
import dev.cnnviz.core.cam.XGradCam;
import dev.cnnviz.core.image.ImageTensors;
import dev.cnnviz.core.metrics.Evaluation;
import dev.cnnviz.core.metrics.Summary;
import dev.cnnviz.core.perturbation.FeatureAblation;
import dev.cnnviz.core.perturbation.Features;
import dev.cnnviz.core.perturbation.KernelShap;
import dev.cnnviz.core.perturbation.Lime;
import dev.cnnviz.core.perturbation.Occlusion;
import dev.cnnviz.core.perturbation.Rise;
import dev.cnnviz.core.perturbation.ShapleyValueSampling;
import dev.cnnviz.core.perturbation.ShapleyValues;
import dev.cnnviz.core.render.Resample;
import dev.cnnviz.core.render.TileGrid;
import dev.cnnviz.core.segmentation.GrabCut;
import dev.cnnviz.core.segmentation.Segmentation;
import dev.cnnviz.examples.report.EvaluationReport;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The attribution page: which pixels a class score depends on. Occlusion's probability map (Zeiler and Fergus), the
 * gradient methods (saliency, input × gradient, guided backprop, deconvnet, integrated gradients, SmoothGrad), the
 * Grad-CAM family as one grid, the perturbation methods (LIME, KernelSHAP, Shapley values, feature ablation, RISE),
 * GrabCut from saliency, and the deletion, insertion and ROAD curves that measure the maps.
 */
public final class AttributeSection implements TourSection {
    private EvaluationReport report;
    private int evaluated;

    @Override
    public String name() {
        return "attribute";
    }

    @Override
    public String title() {
        return "Attribution: which pixels the class depends on";
    }

    @Override
    public String intro() {
        return "Every map explains the top class of the same image. Gradient maps are at the input's resolution; the "
                + "CAM family's at a layer's; perturbation methods run the model forward only, on masked copies.";
    }

    @Override
    public List<TourStep> steps(TourContext ctx) {
        Model m = ctx.model();
        int top = ctx.topClass();
        String target = "target " + ctx.describeClass(top) + String.format(Locale.ROOT, ", p = %.3f", ctx.probability(top));
        int h = m.inputSpec().height();
        int window = ctx.smallInput() ? Math.max(3, h / 4) : Math.max(8, h / 7);
        int stride = Math.max(1, window / 3);
        int gridPx = Math.max(1, (int) Math.ceil(h / 4.0));
        int exactPx = Math.max(1, (int) Math.ceil(h / 3.0));
        int igSteps = ctx.steps(50, 8);
        int sgSamples = ctx.steps(25, 4);
        int samples = ctx.steps(500, 100);
        int permutations = ctx.steps(25, 3);
        int masks = ctx.steps(ctx.smallInput() ? 1500 : 1000, 200);
        List<TourStep> s = new ArrayList<>();
        s.add(new TourStep("occlusion", () -> {
            Explanation e = Occlusion.of(m).withWindow(window).withStride(stride).withMode(Occlusion.Mode.OUTPUT_MAP)
                    .withProbability(true).explain(ctx.image(), top);
            return Figure.of("Occlusion: the class probability as a grey square slides", "Zeiler & Fergus 2014",
                    "window " + window + " px, stride " + stride + " px, filled with 0 in the model's input space; "
                            + "the map is p(" + ctx.describeClass(top) + ") at each position (clean image: "
                            + String.format(Locale.ROOT, "%.3f", ctx.probability(top)) + ")", e.panel());
        }));
        s.add(explain("saliency", "Saliency map", "Simonyan et al. 2014", target + ", max over channels of |∂S/∂x|",
                () -> Saliency.of(m), ctx));
        s.add(explain("input-x-gradient", "Input × gradient", "Shrikumar et al. 2016", target, () -> InputXGradient.of(m), ctx));
        s.add(explain("guided-backprop", "Guided backpropagation", "Springenberg et al. 2015", target,
                () -> GuidedBackprop.of(m), ctx));
        s.add(explain("deconvnet", "Deconvnet", "Zeiler & Fergus 2014", target, () -> Deconvnet.of(m), ctx));
        s.add(explain("integrated-gradients", "Integrated gradients", "Sundararajan et al. 2017",
                target + ", " + igSteps + " Gauss-Legendre steps from a black baseline",
                () -> IntegratedGradients.of(m).withSteps(igSteps), ctx));
        s.add(explain("smoothgrad", "SmoothGrad", "Smilkov et al. 2017", target + ", saliency over " + sgSamples + " noisy copies",
                () -> SmoothGrad.of(Saliency.of(m)).withSamples(sgSamples), ctx));
        s.add(explain("grad-cam", "Grad-CAM", "Selvaraju et al. 2017", target + ", layer " + GradCam.of(m).layer(),
                () -> GradCam.of(m), ctx));
        s.add(new TourStep("grad-cam family", () -> camFamily(ctx)));
        s.add(explain("lime", "LIME", "Ribeiro et al. 2016", target + ", " + samples + " samples, SLIC superpixels, seed 1",
                () -> Lime.of(m).withSamples(samples).withSeed(1), ctx));
        s.add(explain("kernel-shap", "KernelSHAP", "Lundberg & Lee 2017",
                target + ", " + samples + " coalitions of " + gridPx + " px squares, seed 1",
                () -> KernelShap.of(m).withSamples(samples).withFeatures(Features.grid(gridPx)).withSeed(1), ctx));
        s.add(explain("shapley-sampling", "Shapley value sampling", "Castro et al. 2009",
                target + ", " + permutations + " permutations of " + gridPx + " px squares, seed 1",
                () -> ShapleyValueSampling.of(m).withSamples(permutations).withFeatures(Features.grid(gridPx)).withSeed(1), ctx));
        s.add(explain("shapley", "Exact Shapley values", "Shapley 1953",
                target + ", all coalitions of " + exactPx + " px squares",
                () -> ShapleyValues.of(m).withFeatures(Features.grid(exactPx)), ctx));
        s.add(explain("feature-ablation", "Feature ablation", "Zeiler & Fergus 2014 (Captum's form)",
                target + ", each " + gridPx + " px square set to 0 in turn",
                () -> FeatureAblation.of(m).withFeatures(Features.grid(gridPx)), ctx));
        s.add(explain("rise", "RISE", "Petsiuk et al. 2018", target + ", " + masks + " random masks, seed 1",
                () -> Rise.of(m).withMasks(masks).withSeed(1), ctx));
        s.add(new TourStep("grabcut", () -> {
            Explanation e = Saliency.of(m).explain(ctx.image(), top);
            Segmentation seg = GrabCut.defaults().segment(e);
            return Figure.of("GrabCut from saliency", "Simonyan et al. 2014; Rother et al. 2004",
                    target + ", seeds from the saliency map's top 5% and bottom 30%; foreground "
                            + String.format(Locale.ROOT, "%.0f%%", 100 * seg.foregroundFraction()),
                    atLeast(seg.panel(), 160)).asWide();
        }));
        s.add(new TourStep("metrics curves", () -> {
            EvaluationReport r = evaluate(ctx);
            Map<String, BufferedImage> plots = r.plots();
            boolean road = ctx.smallInput();
            return Figure.of(road ? "Deletion, insertion and ROAD curves" : "Deletion and insertion curves",
                    road ? "Petsiuk et al. 2018; Rong et al. 2022" : "Petsiuk et al. 2018",
                    "the top class of " + evaluated + " dataset images, for " + String.join(", ", METHODS.keySet())
                            + "; seed 1" + (road ? "" : "; ROAD (a linear-system imputation per step and image) runs "
                            + "only on inputs of at most 64 px in the tour (cnnviz evaluate runs it on any model)"),
                    TileGrid.grid(new ArrayList<>(plots.values()), 2, 8, new ArrayList<>(plots.keySet()))).asWide();
        }));
        s.add(new TourStep("metrics table", () -> Figure.text("Explanation metrics (mean ± 95% interval)",
                "Petsiuk et al. 2018; Rong et al. 2022", "from the curves above", table(evaluate(ctx)))));
        return s;
    }

    /** @return the panel enlarged by a whole factor (nearest neighbour) until it is at least {@code height} px high */
    static BufferedImage atLeast(BufferedImage panel, int height) {
        int k = (height + panel.getHeight() - 1) / panel.getHeight();
        return k <= 1 ? panel : Resample.nearest(panel, panel.getWidth() * k, panel.getHeight() * k);
    }

    private static final Map<String, Function<Model, Attribution>> METHODS = methods();

    private static Map<String, Function<Model, Attribution>> methods() {
        Map<String, Function<Model, Attribution>> m = new LinkedHashMap<>();
        m.put("grad-cam", GradCam::of);
        m.put("saliency", Saliency::of);
        m.put("integrated-gradients", model -> IntegratedGradients.of(model).withSteps(16));
        return m;
    }

    private EvaluationReport evaluate(TourContext ctx) {
        if (report == null) {
            int n = Math.min(ctx.images().size(), ctx.steps(ctx.smallInput() ? 8 : 6, 4));
            // ROAD imputes every removed pixel by a sparse linear solve per step and image: cheap at 28x28, minutes
            // per image at 224x224, so the tour runs it on small inputs only.
            EnumSet<Evaluation.Metric> metrics = ctx.smallInput()
                    ? EnumSet.of(Evaluation.Metric.DELETION, Evaluation.Metric.INSERTION, Evaluation.Metric.ROAD_MORF,
                            Evaluation.Metric.ROAD_LERF)
                    : EnumSet.of(Evaluation.Metric.DELETION, Evaluation.Metric.INSERTION);
            Evaluation eval = Evaluation.of(ctx.model()).withSeed(1).withMetrics(metrics);
            List<Evaluation.Result> results = new ArrayList<>();
            List<BufferedImage> imgs = ctx.images().subList(0, n);
            try (INDArray batch = ImageTensors.toBatch(imgs, ctx.model().inputSpec())) {
                for (Map.Entry<String, Function<Model, Attribution>> e : METHODS.entrySet()) {
                    results.add(eval.run(e.getKey(), e.getValue(), batch, Target.topClass()));
                }
            }
            List<String> names = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                names.add("image " + i);
            }
            evaluated = n;
            report = new EvaluationReport(ctx.model().source(), names, results);
        }
        return report;
    }

    private static String table(EvaluationReport r) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-22s", "method"));
        List<Evaluation.Metric> metrics = r.metrics();
        for (Evaluation.Metric m : metrics) {
            sb.append(String.format(Locale.ROOT, "  %-22s", m.label() + (m.higherIsBetter() ? " ↑" : " ↓")));
        }
        sb.append('\n');
        for (String method : METHODS.keySet()) {
            sb.append(String.format(Locale.ROOT, "%-22s", method));
            for (Evaluation.Metric m : metrics) {
                Summary s = r.summaries(m).get(method);
                sb.append(String.format(Locale.ROOT, "  %-22s", s == null ? "-" : s.format(3)));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private static TourStep explain(String id, String technique, String paper, String settings,
            Supplier<Attribution> method, TourContext ctx) {
        return new TourStep(id, () -> Figure.of(technique, paper, settings,
                method.get().explain(ctx.image(), ctx.topClass()).panel()));
    }

    private static Figure camFamily(TourContext ctx) {
        Model m = ctx.model();
        Map<String, Attribution> family = new LinkedHashMap<>();
        family.put("CAM", Cam.of(m));
        family.put("Grad-CAM", GradCam.of(m));
        family.put("Grad-CAM++", GradCamPlusPlus.of(m));
        family.put("XGrad-CAM", XGradCam.of(m));
        family.put("HiRes-CAM", HiResCam.of(m));
        family.put("Layer-CAM", LayerCam.of(m));
        family.put("Eigen-CAM", EigenCam.of(m));
        family.put("Score-CAM", ScoreCam.of(m));
        family.put("Guided Grad-CAM", GuidedGradCam.of(m));
        List<BufferedImage> tiles = new ArrayList<>();
        List<String> captions = new ArrayList<>();
        StringBuilder times = new StringBuilder();
        int tile = 160;
        for (Map.Entry<String, Attribution> e : family.entrySet()) {
            long t0 = System.nanoTime();
            Explanation x;
            try {
                x = e.getValue().explain(ctx.image(), ctx.topClass());
            } catch (IllegalArgumentException ex) {
                // CAM needs a global-average-pooled network; say so in the grid's caption instead of the tile.
                times.append(times.length() == 0 ? "" : ", ").append(e.getKey()).append(" not applicable (")
                        .append(ex.getMessage()).append(')');
                continue;
            }
            double sec = (System.nanoTime() - t0) / 1e9;
            BufferedImage shown = e.getKey().equals("Guided Grad-CAM") ? x.heatmap() : x.overlay(0.5);
            tiles.add(Resample.resize(shown, tile, tile));
            captions.add(e.getKey() + String.format(Locale.ROOT, " (%.2f s)", sec));
            times.append(times.length() == 0 ? "" : ", ").append(e.getKey()).append(String.format(Locale.ROOT, " %.2f s", sec));
        }
        if (tiles.isEmpty()) {
            throw new IllegalArgumentException("no CAM method applies to this model: " + times);
        }
        return Figure.of("The Grad-CAM family", "Zhou et al. 2016; Selvaraju et al. 2017; Chattopadhay et al. 2018; "
                + "Fu et al. 2020; Draelos & Carin 2020; Jiang et al. 2021; Muhammad & Yeasin 2020; Wang et al. 2020",
                "target " + ctx.describeClass(ctx.topClass()) + ", layer " + GradCam.of(m).layer() + "; " + times,
                TileGrid.grid(tiles, 5, 8, captions)).asWide();
    }
}
