// Adversarial examples: change an image by an invisible amount until the network says something else. FGSM
// (Goodfellow et al. 2015), PGD (Madry et al. 2018), a targeted fooling image, DeepFool (Moosavi-Dezfooli et al. 2016).
// Paste it line by line after `./cnnviz jshell`, or run it whole: ./cnnviz jshell cnnviz-examples/src/main/jshell/adversarial.jsh
// It runs on the embedded Fashion-MNIST CNN; with -R-Dcnnviz.shared=../shared on the shared SqueezeNet and its cat.
// Attacks work on images in [0, 1] before the model's preprocessing: ε = 8/255 is eight grey levels.
// The pictures go to ./adversarial/.
out("adversarial");
var model = model();
var img = image();

// One signed-gradient step, untargeted: away from the top class.
var fgsm = Fgsm.of(model).withEpsilon(8 / 255.0).attack(img);
fgsm
show("fgsm", fgsm);

// Ten projected steps inside the same L∞ ball, from a seeded random start.
var pgd = Pgd.of(model).withEpsilon(8 / 255.0).withSeed(1).attack(img);
pgd
show("pgd", pgd);

// Targeted: make it another class, here the class after the top one.
int target = (pgd.before().classIndex() + 1) % model.labels().size();
var fooled = FoolingImage.of(model).withTargetClass(target).withEpsilon(16 / 255.0).withAlpha(1 / 255.0).withSteps(60).attack(img);
fooled
show("fooling-class-" + target, fooled);

// The smallest L2 step across the nearest decision boundary.
var deepfool = DeepFool.of(model).attack(img);
deepfool
show("deepfool", deepfool);
String.format("perturbation sizes: FGSM L∞ %.4f, PGD L∞ %.4f, DeepFool L2 %.4f", fgsm.linf(), pgd.linf(), deepfool.l2())
