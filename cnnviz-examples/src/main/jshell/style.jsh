// Style: what a texture is to the network. Texture synthesis (Gatys, Ecker & Bethge 2015) makes, from noise, an
// image whose Gram matrices (which channels fire together, wherever they fire) match an example's; style transfer
// (Gatys, Ecker & Bethge 2016) keeps a photograph's features at one layer and takes a painting's Gram matrices.
// Paste it line by line after `./cnnviz jshell`, or run it whole: ./cnnviz jshell cnnviz-examples/src/main/jshell/style.jsh
// With -R-Dcnnviz.shared=../shared it runs on the shared SqueezeNet, its cat and Van Gogh's "Starry Night" (the CS231n
// assignment's layers and weights, GatysStyle's defaults). Without it, on the embedded Fashion-MNIST CNN: a grey
// texture of its default image with a few steps (a sketch of the mechanics: a good texture needs hundreds), and
// no style transfer, which needs a colour model.
// The pictures go to ./style/.
out("style");
var model = model();
var img = image();
var painting = sharedImage("starry_night.jpg");
boolean colour = model.inputSpec().channels() == 3;

// The Gram layers: SqueezeNet's from the CS231n assignment, or the first layer and a middle one of another model.
var layers = spatialLayers(model);
var gramLayers = colour ? GatysStyle.SQUEEZENET_STYLE_LAYERS : java.util.List.of(layers.get(0), layers.get(layers.size() / 2));
double[] weights = colour ? new double[] {300000, 1000, 15, 3} : new double[] {1e5, 1e5};

// Texture synthesis: from seeded noise, L-BFGS on the pixels until the Gram matrices match the example's.
var example = painting != null ? painting : img;
var textures = TextureSynthesis.of(model).withLayers(gramLayers, weights).withSize(colour ? 128 : 56);
var texture = textures.withSteps(colour ? 40 : 20).synthesize(example);
texture
show("texture", texture.image());

// Style transfer: the image painted in the painting's style, starting from the image (a colour model only).
if (colour && painting != null) {
    var styled = GatysStyle.of(model).withSize(160).withSteps(40).stylize(img, painting);
    show("gatys", styled.image());
} else {
    System.out.println("style transfer needs a colour model and a painting: run with -R-Dcnnviz.shared=../shared");
}
