// Synthesis: images made by gradient ascent on the network's input. Class visualization (Simonyan et al. 2014),
// a channel's feature visualization (Olah et al. 2017), feature inversion (Mahendran & Vedaldi 2015), DeepDream.
// Paste it line by line after `./cnnviz jshell`, or run it whole: ./cnnviz jshell cnnviz-examples/src/main/jshell/synthesis.jsh
// It runs on the embedded Fashion-MNIST CNN; with -R-Dcnnviz.shared=../shared on the shared SqueezeNet and its cat.
// The pictures go to ./synthesis/.
out("synthesis");
var model = model();
var img = image();
var layers = spatialLayers(model);
layers

// A class's image: the input that maximises its score, with an L2 penalty, blur and jitter as regularizers.
int cls = model.labels().size() - 1;
var classVis = ClassVisualization.of(model).withSteps(40).withSeed(1).visualize(cls);
classVis
show("class-" + cls, classVis);

// One channel of a middle layer, in Lucid's decorrelated Fourier parameterization.
String middle = layers.get(layers.size() / 2);
var channel = FeatureVisualization.of(model).withSteps(32).withSeed(1).visualize(Target.channel(middle, 0));
channel
show("channel-0-of-" + middle, channel);

// What a layer keeps of an image: reconstruct the image from its code at a shallow and at a deep layer.
String shallow = layers.get(1);
String deep = layers.get(layers.size() - 2);
var inverted = FeatureInversion.of(model).withSteps(50).withSeed(1).invert(img, deep);
inverted
show("inverted-" + shallow, FeatureInversion.of(model).withSteps(50).withSeed(1).invert(img, shallow));
show("inverted-" + deep, inverted);

// DeepDream: amplify whatever a layer sees in the photograph, over two octaves.
var dream = DeepDream.of(model).withLayer(middle).withOctaves(2).withSteps(8).withSeed(1).dream(img);
dream
show("dream-" + middle, dream);
