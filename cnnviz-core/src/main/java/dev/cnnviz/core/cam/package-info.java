/**
 * The class-activation-map family: {@link dev.cnnviz.core.cam.Cam CAM}, {@link dev.cnnviz.core.cam.GradCam Grad-CAM},
 * {@link dev.cnnviz.core.cam.GradCamPlusPlus Grad-CAM++}, {@link dev.cnnviz.core.cam.XGradCam XGrad-CAM},
 * {@link dev.cnnviz.core.cam.HiResCam HiResCAM}, {@link dev.cnnviz.core.cam.LayerCam Layer-CAM},
 * {@link dev.cnnviz.core.cam.EigenCam Eigen-CAM}, {@link dev.cnnviz.core.cam.ScoreCam Score-CAM} and
 * {@link dev.cnnviz.core.cam.GuidedGradCam Guided Grad-CAM}, all built on one template,
 * {@link dev.cnnviz.core.cam.CamBase}, which owns the layer choice, the capture of activations and gradients,
 * the weighted sum, the ReLU and the results; each method supplies only its channel weights or its map.
 *
 * <pre>{@code
 * Explanation e = GradCam.of(model).explain(image, 285);
 * Explanation s = ScoreCam.of(model).withLayer("fire9_concat").explain(image, 285);
 * e.save(Path.of("gradcam.png"));
 * }</pre>
 */
package dev.cnnviz.core.cam;
