/**
 * Measuring explanations: which attribution maps should one believe?
 *
 * <ul>
 *   <li>{@link dev.cnnviz.core.metrics.DeletionInsertion}: deletion and insertion curves and their AUC
 *       (Petsiuk et al. 2018);</li>
 *   <li>{@link dev.cnnviz.core.metrics.Road}: ROAD with {@link dev.cnnviz.core.metrics.NoisyLinearImputer noisy linear
 *       imputation} (Rong et al. 2022);</li>
 *   <li>{@link dev.cnnviz.core.metrics.Infidelity} and {@link dev.cnnviz.core.metrics.MaxSensitivity} (Yeh et al.
 *       2019);</li>
 *   <li>sanity checks (Adebayo et al. 2018): {@link dev.cnnviz.core.metrics.ModelRandomization cascading model-parameter
 *       randomisation} and the {@link dev.cnnviz.core.metrics.DataRandomization data-randomisation test}, compared by
 *       {@link dev.cnnviz.core.metrics.RankCorrelation Spearman's rank correlation};</li>
 *   <li>{@link dev.cnnviz.core.metrics.Summary}: mean and 95% confidence interval over images.</li>
 * </ul>
 * Every metric takes any {@link dev.cnnviz.api.Attribution} or {@link dev.cnnviz.api.Explanation}, evaluates the model
 * through {@link dev.cnnviz.core.metrics.ModelScorer} in batches of inference-only passes, draws its randomness from
 * explicit seeds, and has immutable {@code withX} options.
 *
 * <pre>{@code
 * INDArray x = ImageTensors.toBatch(image, model.inputSpec());
 * Explanation e = GradCam.of(model).explain(x, Target.topClass());
 * double deletion = DeletionInsertion.of(model).curve(x, e).auc();
 * double road = Road.of(model).curve(x, e).auc();
 * double infd = Infidelity.of(model).value(x, e);
 * double sens = MaxSensitivity.of(model).value(GradCam.of(model), x, Target.topClass());
 * ModelRandomization.Result r = ModelRandomization.of(model, GradCam::of).run(x, Target.topClass());
 * }</pre>
 */
package dev.cnnviz.core.metrics;
