package dev.cnnviz.examples.tour;

import dev.cnnviz.api.AdversarialExample;
import dev.cnnviz.api.Attack;
import dev.cnnviz.api.Tensor;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.adversarial.AttackFigures;
import dev.cnnviz.core.adversarial.CarliniWagner;
import dev.cnnviz.core.adversarial.DeepFool;
import dev.cnnviz.core.adversarial.Fgsm;
import dev.cnnviz.core.adversarial.FoolingImage;
import dev.cnnviz.core.adversarial.Pgd;
import dev.cnnviz.core.adversarial.RobustnessCurve;
import dev.cnnviz.core.adversarial.UniversalPerturbation;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleFunction;

/**
 * The adversarial page: the adversarial panel of a fooling image (the image changed, invisibly, until the network
 * says another class), FGSM, PGD, DeepFool and Carlini-Wagner on the same image, a universal perturbation fitted on
 * the dataset, and robustness curves (accuracy against ε).
 */
public final class AttackSection implements TourSection {
    /**
     * The universal perturbation's radius: 0.1 in [0, 1] units, the point where the embedded model's fooling rate is
     * clearly above noise's (about 40% held out, against 19% for random noise of the same L2 norm).
     */
    private static final double XI = 0.1;
    private static final double[] EPSILONS = {0, 1 / 255.0, 2 / 255.0, 4 / 255.0, 8 / 255.0, 16 / 255.0};

    @Override
    public String name() {
        return "attack";
    }

    @Override
    public String title() {
        return "Adversarial examples: fooling the network";
    }

    @Override
    public String intro() {
        return "Attacks change the image in [0, 1] image space, before the model's preprocessing, so ε = 8/255 means "
                + "eight grey levels for every model. Each panel shows the original, the change magnified, and the "
                + "adversarial image with the class and probability before and after.";
    }

    @Override
    public List<TourStep> steps(TourContext ctx) {
        Model m = ctx.model();
        int[] ranking = ctx.ranking();
        int fool = ranking[Math.min(ranking.length - 1, Math.max(1, ranking.length / 2))];
        int pgdSteps = ctx.steps(Pgd.DEFAULT_STEPS, 3);
        int foolSteps = ctx.steps(FoolingImage.DEFAULT_STEPS, 20);
        int cwSteps = ctx.steps(CarliniWagner.DEFAULT_STEPS, 10);
        List<TourStep> s = new ArrayList<>();
        s.add(attack("fooling image", "Fooling image: " + ctx.describeClass(ctx.topClass()) + " → " + ctx.describeClass(fool),
                "Szegedy et al. 2014; CS231n",
                "targeted at class " + ctx.describeClass(fool) + ", log-probability ascent, " + foolSteps
                        + " steps of 0.25/255, no ε cap",
                () -> FoolingImage.of(m).withTargetClass(fool).withSteps(foolSteps), ctx));
        s.add(attack("fgsm", "FGSM", "Goodfellow et al. 2015", "untargeted, ε = 8/255 (L∞), one step",
                () -> Fgsm.of(m), ctx));
        s.add(attack("pgd", "PGD", "Madry et al. 2018", "untargeted, ε = 8/255 (L∞), α = 2/255, " + pgdSteps
                + " steps, random start, seed 13", () -> Pgd.of(m).withSteps(pgdSteps).withSeed(13), ctx));
        int dfSteps = ctx.steps(DeepFool.DEFAULT_STEPS, 10);
        s.add(attack("deepfool", "DeepFool", "Moosavi-Dezfooli et al. 2016",
                "untargeted, minimal L2, overshoot 0.02, at most " + dfSteps + " steps, 10 candidate classes",
                () -> DeepFool.of(m).withSteps(dfSteps), ctx));
        s.add(attack("carlini-wagner", "Carlini-Wagner L2", "Carlini & Wagner 2017",
                "untargeted, κ = 0, 5 binary-search rounds of " + cwSteps + " Adam steps",
                () -> CarliniWagner.of(m).withSteps(cwSteps), ctx));
        s.add(new TourStep("universal perturbation", () -> {
            int n = ctx.images().size();
            int train = Math.max(1, Math.min(ctx.steps(128, 24), (2 * n) / 3));
            int held = Math.max(1, Math.min(ctx.steps(96, 12), n - train));
            Tensor all = ctx.imageSpace(train + held);
            int len = all.length() / all.size(0);
            int[] sh = all.shape();
            float[] v = all.data();
            Tensor trainSet = Tensor.of(Arrays.copyOfRange(v, 0, train * len), train, sh[1], sh[2], sh[3]);
            Tensor heldSet = Tensor.of(Arrays.copyOfRange(v, train * len, (train + held) * len), held, sh[1], sh[2], sh[3]);
            int passes = ctx.steps(4, 1);
            UniversalPerturbation.Result r = UniversalPerturbation.of(m).withXi(XI).withPasses(passes).withSeed(1)
                    .fit(trainSet, heldSet);
            return Figure.of("Universal adversarial perturbation", "Moosavi-Dezfooli et al. 2017",
                    String.format(Locale.ROOT, "ξ = 0.1 (L∞, about 25/255), fitted on %d images in at most %d passes (%d done): "
                            + "fooling rate %.2f on them, %.2f on %d held-out images", train, passes, r.passes(),
                            r.trainFoolingRate(), r.heldOutFoolingRate(), held), AttackFigures.universal(r, 224));
        }));
        s.add(curve("robustness (FGSM)", "Robustness curve: FGSM", "Goodfellow et al. 2015", "one step",
                e -> Fgsm.of(m).withEpsilon(e), ctx));
        // The curve runs PGD at six ε on every image: 5 steps of α = ε/2 (Madry et al.'s rule α = 2.5ε/steps) cost
        // half of the single attack's 10 steps.
        int curveSteps = ctx.steps(5, 3);
        s.add(curve("robustness (PGD)", "Robustness curve: PGD", "Madry et al. 2018",
                curveSteps + " steps of α = ε/2, random start",
                e -> Pgd.of(m).withEpsilon(e).withAlpha(Math.max(e / 2, 1e-6)).withSteps(curveSteps).withSeed(13), ctx));
        return s;
    }

    private static TourStep attack(String id, String technique, String paper, String settings,
            java.util.function.Supplier<Attack> attack, TourContext ctx) {
        return new TourStep(id, () -> {
            AdversarialExample a = attack.get().attack(ctx.image());
            String result = String.format(Locale.ROOT, "%s → %s, L∞ %.2f/255, L2 %.3f, %d steps, %s", a.before(), a.after(),
                    a.linf() * 255, a.l2(), a.steps(), a.success() ? "success" : "failure");
            return Figure.of(technique, paper, settings + "; " + result, AttackFigures.panel(a, 224));
        });
    }

    private static TourStep curve(String id, String technique, String paper, String settings,
            DoubleFunction<? extends Attack> attack, TourContext ctx) {
        return new TourStep(id, () -> {
            int n = Math.min(ctx.images().size(), ctx.steps(ctx.smallInput() ? 100 : 12, 12));
            RobustnessCurve.Result r = RobustnessCurve.of(attack).withEpsilons(EPSILONS)
                    .evaluate(ctx.imageSpace(n), ctx.labels(n));
            return Figure.of(technique, paper, settings + "; ε from 0 to 16/255 on " + r.images() + " dataset images"
                    + (ctx.labels() == null ? " (their clean top classes as truth)" : " with their true classes"),
                    AttackFigures.robustness(r));
        });
    }
}
