package dev.cnnviz.examples.cli;

import dev.cnnviz.core.Model;
import dev.cnnviz.core.attribution.AttributionBase;
import dev.cnnviz.core.attribution.Deconvnet;
import dev.cnnviz.core.attribution.GuidedBackprop;
import dev.cnnviz.core.attribution.InputXGradient;
import dev.cnnviz.core.attribution.IntegratedGradients;
import dev.cnnviz.core.attribution.Saliency;
import dev.cnnviz.core.attribution.SmoothGrad;
import dev.cnnviz.core.cam.Cam;
import dev.cnnviz.core.cam.CamBase;
import dev.cnnviz.core.cam.EigenCam;
import dev.cnnviz.core.cam.GradCam;
import dev.cnnviz.core.cam.GradCamPlusPlus;
import dev.cnnviz.core.cam.GuidedGradCam;
import dev.cnnviz.core.cam.HiResCam;
import dev.cnnviz.core.cam.LayerCam;
import dev.cnnviz.core.cam.ScoreCam;
import dev.cnnviz.core.cam.XGradCam;
import dev.cnnviz.core.perturbation.FeatureAblation;
import dev.cnnviz.core.perturbation.Features;
import dev.cnnviz.core.perturbation.KernelShap;
import dev.cnnviz.core.perturbation.Lime;
import dev.cnnviz.core.perturbation.Occlusion;
import dev.cnnviz.core.perturbation.PerturbationBase;
import dev.cnnviz.core.perturbation.PerturbationBaseline;
import dev.cnnviz.core.perturbation.Rise;
import dev.cnnviz.core.perturbation.ShapleyValueSampling;
import dev.cnnviz.core.perturbation.ShapleyValues;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Locale;
import java.util.stream.Collectors;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * The attribution methods of the CLI, by their command-line names ({@code --method grad-cam}), and how each is
 * built from a {@link Model} and the options.
 */
public enum Method {
    /** Simonyan et al.: max over channels of |∂S/∂x|. */
    SALIENCY("saliency", false),
    /** Gradient times input. */
    INPUT_X_GRADIENT("input-x-gradient", false),
    /** Sundararajan et al.: path integral of gradients from a black baseline ({@code --steps}). */
    INTEGRATED_GRADIENTS("integrated-gradients", false),
    /** Smilkov et al.: saliency averaged over noisy copies ({@code --samples}). */
    SMOOTHGRAD("smoothgrad", false),
    /** Springenberg et al.: ReLUs pass only positive gradients of positive inputs. */
    GUIDED_BACKPROP("guided-backprop", false),
    /** Zeiler and Fergus: ReLUs pass only positive gradients. */
    DECONVNET("deconvnet", false),
    /** Zhou et al.: class activation map (global-average-pooled networks). */
    CAM("cam", true),
    /** Selvaraju et al.: channel weights = mean gradient. */
    GRAD_CAM("grad-cam", true),
    /** Chattopadhay et al.: weights from second- and third-order terms. */
    GRAD_CAM_PLUS_PLUS("grad-cam++", true),
    /** Fu et al.: activation-weighted gradients. */
    XGRAD_CAM("xgrad-cam", true),
    /** Draelos and Carin: element-wise gradient times activation. */
    HIRES_CAM("hires-cam", true),
    /** Jiang et al.: positive gradients times activations. */
    LAYER_CAM("layer-cam", true),
    /** Muhammad and Yeasin: first principal component of the activations (class-agnostic). */
    EIGEN_CAM("eigen-cam", true),
    /** Wang et al.: weights from the score of the input masked by each channel. */
    SCORE_CAM("score-cam", true),
    /** Guided backprop times the upsampled Grad-CAM map (input resolution, channels kept). */
    GUIDED_GRAD_CAM("guided-grad-cam", true),
    /** Zeiler and Fergus: a sliding window of the baseline ({@code --window}, {@code --stride}). */
    OCCLUSION("occlusion", false),
    /** Each feature ({@code --segments}) set to the baseline in turn. */
    FEATURE_ABLATION("feature-ablation", false),
    /** Shapley values by sampling permutations of the features ({@code --samples} permutations). */
    SHAPLEY_SAMPLING("shapley-sampling", false),
    /** Exact Shapley values over all coalitions of at most 16 features. */
    SHAPLEY("shapley", false),
    /** Lundberg and Lee: weighted regression with the Shapley kernel ({@code --samples}). */
    KERNEL_SHAP("kernel-shap", false),
    /** Ribeiro et al.: a local linear model on superpixels ({@code --samples}). */
    LIME("lime", false),
    /** Petsiuk et al.: the score averaged over random masks ({@code --masks}). */
    RISE("rise", false),
    /** Mahendran and Vedaldi's feature inversion: for {@code bench} only (per optimization step; {@code cnnviz invert}). */
    INVERSION("inversion", true),
    /** Mordvintsev et al.'s DeepDream: for {@code bench} only (per optimization step; {@code cnnviz dream}). */
    DEEPDREAM("deepdream", true),
    /** Class visualization (Simonyan et al., CS231n's defaults): {@code bench} only; {@code visualize} runs it. */
    CLASS_VISUALIZATION("class-visualization", false),
    /** Neuron visualization (Lucid's defaults) at {@code --layer}: {@code bench} only; {@code visualize} runs it. */
    NEURON_VISUALIZATION("neuron-visualization", true);

    private final String cliName;
    private final boolean layered;

    Method(String cliName, boolean layered) {
        this.cliName = cliName;
        this.layered = layered;
    }

    /** @return the name on the command line, e.g. {@code grad-cam++}. */
    public String cliName() {
        return cliName;
    }

    /** @return whether the method works at a layer ({@code --layer}): the CAM family, inversion and DeepDream. */
    public boolean layered() {
        return layered;
    }

    /**
     * @return whether the raw attribution is a map {@code [h, w]} at the layer's resolution (every CAM but Guided
     *         Grad-CAM) rather than an input-shaped {@code [C, H, W]} tensor
     */
    public boolean layerResolution() {
        return layered && this != GUIDED_GRAD_CAM && !synthesis();
    }

    /**
     * @return whether the method is an image optimization rather than an attribution (class and neuron
     *         visualization, inversion, DeepDream): {@code bench} times it per step; {@code explain} refuses it
     */
    public boolean synthesis() {
        return this == CLASS_VISUALIZATION || this == NEURON_VISUALIZATION || this == INVERSION || this == DEEPDREAM;
    }

    /** @return whether the method synthesizes an image from nothing (class and neuron visualization): no input */
    public boolean needsNoInput() {
        return this == CLASS_VISUALIZATION || this == NEURON_VISUALIZATION;
    }

    /** @return the command that runs this image optimization ({@code visualize}, {@code invert}, {@code dream}) */
    public String synthesisCommand() {
        return this == INVERSION ? "invert" : this == DEEPDREAM ? "dream" : "visualize";
    }

    /** @return whether the method perturbs the input and evaluates the model forward only (occlusion ... rise) */
    public boolean perturbation() {
        return ordinal() >= OCCLUSION.ordinal() && ordinal() <= RISE.ordinal();
    }

    /** @return whether the method uses features ({@code --segments}) */
    public boolean perFeature() {
        return perturbation() && this != OCCLUSION && this != RISE;
    }

    /** @return whether {@code --samples} applies */
    public boolean takesSamples() {
        return this == SMOOTHGRAD || this == SHAPLEY_SAMPLING || this == KERNEL_SHAP || this == LIME;
    }

    /**
     * The options of the perturbation methods, each null for the method's default.
     *
     * @param window      occlusion's window
     * @param stride      occlusion's stride
     * @param baseline    the fill of hidden features
     * @param features    the features of per-feature methods
     * @param masks       RISE's number of masks
     * @param seed        the seed of sampling methods
     * @param probability explain the probability (occlusion: Zeiler and Fergus's map of it)
     */
    public record Perturbation(Integer window, Integer stride, PerturbationBaseline baseline, Features features,
            Integer masks, Long seed, boolean probability) {
        /** No options: every default. */
        public static final Perturbation DEFAULTS = new Perturbation(null, null, null, null, null, null, false);
    }

    /**
     * Builds the method for a model.
     *
     * @param model   the model
     * @param layer   the layer for CAM methods, or null for the default (the last 4-D layer)
     * @param steps   integrated-gradients steps, or null for the default
     * @param samples SmoothGrad samples, or null for the default
     * @throws IllegalArgumentException if an option does not apply to this method or is invalid
     */
    public AttributionBase create(Model model, String layer, Integer steps, Integer samples) {
        return create(model, layer, steps, samples, Perturbation.DEFAULTS);
    }

    /**
     * Builds the method for a model, with the perturbation methods' options.
     *
     * @param p the perturbation options (ignored by other methods but for {@code --samples}; see
     *          {@link MethodOptions#check()} for the usage errors)
     * @throws IllegalArgumentException if an option does not apply to this method or is invalid
     */
    public AttributionBase create(Model model, String layer, Integer steps, Integer samples, Perturbation p) {
        if (synthesis()) {
            throw new IllegalArgumentException(cliName + " is an image optimization, not an attribution: run 'cnnviz "
                    + synthesisCommand() + "' (or time it with 'cnnviz bench -m " + cliName + "')");
        }
        if (layer != null && !layered) {
            throw new IllegalArgumentException("--layer applies only to the CAM methods, not to " + cliName);
        }
        if (steps != null && this != INTEGRATED_GRADIENTS && !synthesis()) {
            throw new IllegalArgumentException("--steps applies only to integrated-gradients, not to " + cliName);
        }
        if (samples != null && !takesSamples()) {
            throw new IllegalArgumentException("--samples applies only to smoothgrad, shapley-sampling, kernel-shap and lime, not to "
                    + cliName);
        }
        AttributionBase a = switch (this) {
            case SALIENCY -> Saliency.of(model);
            case INPUT_X_GRADIENT -> InputXGradient.of(model);
            case INTEGRATED_GRADIENTS -> steps == null ? IntegratedGradients.of(model)
                    : IntegratedGradients.of(model).withSteps(steps);
            case SMOOTHGRAD -> samples == null ? SmoothGrad.of(Saliency.of(model))
                    : SmoothGrad.of(Saliency.of(model)).withSamples(samples);
            case GUIDED_BACKPROP -> GuidedBackprop.of(model);
            case DECONVNET -> Deconvnet.of(model);
            case CAM -> Cam.of(model);
            case GRAD_CAM -> GradCam.of(model);
            case GRAD_CAM_PLUS_PLUS -> GradCamPlusPlus.of(model);
            case XGRAD_CAM -> XGradCam.of(model);
            case HIRES_CAM -> HiResCam.of(model);
            case LAYER_CAM -> LayerCam.of(model);
            case EIGEN_CAM -> EigenCam.of(model);
            case SCORE_CAM -> ScoreCam.of(model);
            case GUIDED_GRAD_CAM -> GuidedGradCam.of(model);
            case INVERSION, DEEPDREAM, CLASS_VISUALIZATION, NEURON_VISUALIZATION ->
                    throw new IllegalStateException("unreachable: refused above: " + cliName);
            case OCCLUSION -> {
                Occlusion o = Occlusion.of(model);
                o = p.window() == null ? o : o.withWindow(p.window());
                o = p.stride() == null ? o : o.withStride(p.stride());
                yield p.probability() ? o.withMode(Occlusion.Mode.OUTPUT_MAP) : o;
            }
            case FEATURE_ABLATION -> FeatureAblation.of(model);
            case SHAPLEY_SAMPLING -> samples == null ? ShapleyValueSampling.of(model)
                    : ShapleyValueSampling.of(model).withSamples(samples);
            case SHAPLEY -> ShapleyValues.of(model);
            case KERNEL_SHAP -> samples == null ? KernelShap.of(model) : KernelShap.of(model).withSamples(samples);
            case LIME -> samples == null ? Lime.of(model) : Lime.of(model).withSamples(samples);
            case RISE -> p.masks() == null ? Rise.of(model) : Rise.of(model).withMasks(p.masks());
        };
        if (a instanceof PerturbationBase<?> pb) {
            pb = pb.withProbability(p.probability());
            pb = p.baseline() == null ? pb : pb.withBaseline(p.baseline());
            pb = p.features() == null ? pb : pb.withFeatures(p.features());
            pb = p.seed() == null ? pb : pb.withSeed(p.seed());
            a = pb;
        }
        if (layer != null) {
            a = ((CamBase<?>) a).withLayer(layer);
        }
        return a;
    }

    /**
     * @return the method with this command-line name (case-insensitive; {@code _} and {@code -} are the same;
     *         {@code gradcam} style names without dashes are accepted too)
     * @throws IllegalArgumentException listing the valid names
     */
    public static Method parse(String name) {
        String q = name == null ? "" : name.strip().toLowerCase(Locale.ROOT).replace('_', '-');
        for (Method m : values()) {
            if (m.cliName.equals(q) || m.cliName.replace("-", "").equals(q.replace("-", ""))) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown method '" + name + "'; valid methods: " + names());
    }

    /** @return the command-line names, comma-separated. */
    public static String names() {
        return Arrays.stream(values()).map(Method::cliName).collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return cliName;
    }

    /** picocli converter: an unknown method is a usage error listing the valid ones. */
    public static final class Converter implements ITypeConverter<Method> {
        @Override
        public Method convert(String value) {
            try {
                return parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** The command-line names, for picocli's {@code ${COMPLETION-CANDIDATES}} and shell completion. */
    public static final class Names implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Arrays.stream(values()).map(Method::cliName).iterator();
        }
    }
}
