// Attribution: which pixels made the network say what it said? Gradients, CAMs and perturbations on one image.
// Paste it line by line after `./cnnviz jshell` (its startup script brings the imports and model(), image(),
// show(...), out(...)), or run it whole: ./cnnviz jshell cnnviz-examples/src/main/jshell/attribution.jsh
// It runs on the embedded Fashion-MNIST CNN; with -R-Dcnnviz.shared=../shared on the shared SqueezeNet and its cat.
// The pictures go to ./attribution/.
out("attribution");
var model = model();
var img = image();
var top = Target.topClass();

// Gradients: saliency (|∂score/∂pixel|, Simonyan et al. 2014), averaged over noisy copies (SmoothGrad), integrated
// along a path from a black image (Sundararajan et al. 2017), and through guided ReLUs (Springenberg et al. 2015).
var saliency = Saliency.of(model).explain(img, top);
saliency
show("saliency", saliency);
show("smoothgrad", SmoothGrad.of(Saliency.of(model)).withSamples(16).withSeed(7).explain(img, top));
var ig = IntegratedGradients.of(model).withSteps(32).explain(img, top);
ig
show("integrated-gradients", ig);
show("guided-backprop", GuidedBackprop.of(model).explain(img, top));

// Class activation maps at the last convolutional layer: Grad-CAM (Selvaraju et al. 2017), its guided variant, and
// Score-CAM (forward passes only).
var gradcam = GradCam.of(model).explain(img, top);
gradcam
show("grad-cam", gradcam);
show("guided-grad-cam", GuidedGradCam.of(model).explain(img, top));
show("score-cam", ScoreCam.of(model).explain(img, top));

// Perturbation: hide a window, watch the class probability fall (Zeiler & Fergus 2014).
int window = Math.max(4, model.inputSpec().width() / 7);
var occlusion = Occlusion.of(model).withWindow(window).withStride(Math.max(1, window / 2)).explain(img, top);
show("occlusion", occlusion);

// The same image for another class: where is the evidence against the top class?
int second = (gradcam.target().classIndex() + 1) % model.labels().size();
show("grad-cam-class-" + second, GradCam.of(model).explain(img, second));
