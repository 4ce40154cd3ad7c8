// Inspection: what a network is and what it has learned. Its layers, its first filters, the activation maps of an
// image, the dataset patches that excite a channel most, and its embedding of a dataset laid out by t-SNE.
// Paste it line by line after `./cnnviz jshell`, or run it whole: ./cnnviz jshell cnnviz-examples/src/main/jshell/inspection.jsh
// It runs on the embedded Fashion-MNIST CNN and its 300 bundled test images; with -R-Dcnnviz.shared=../shared the
// summary, filters and activations are the shared SqueezeNet's (the dataset scans stay on the embedded model).
// The pictures go to ./inspection/.
out("inspection");
var model = model();
var img = image();

// The layers: output shape, parameters, FLOPs, receptive field.
var summary = ModelSummary.of(model);
summary
System.out.println(summary.table());
var layers = spatialLayers(model);
var field = ReceptiveField.of(model.graph(), layers.get(layers.size() - 2));
field

// The first convolution's filters, and one image's activation maps at the last spatial layer.
show("filters", Filters.of(model).grid());
show("activations", Activations.of(model).withSorted(true).withLimit(32).grid(img));

// The 9 test images' patches that excite each of the first 8 channels of the last spatial layer the most
// (on the embedded model and its bundled test images: no files outside the repository).
var fashion = DefaultModel.load();
var patches = MaxActivatingPatches.of(fashion).withChannels(0, 8).withTop(9).scan(testImages());
patches
show("patches", patches.grid());

// The embedding of the test images (global-average-pooled last layer), its nearest neighbours, and t-SNE.
var embeddings = Embeddings.of(fashion).compute(testImages());
embeddings
var nn = embeddings.neighbours(5);
nn
double[][] xy = Tsne.defaults().withPerplexity(20).withSeed(1).fit(embeddings.vectors());
show("tsne", ScatterPlot.of(xy, embeddings.labels(), embeddings.classes()).render());
