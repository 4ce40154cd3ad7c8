// Grad-CAM in JShell, the way you would type it: load a model, read an image, explain its top class, save the picture.
//
// Run it from the root of the cnnviz checkout, after a build (mvn -B -DskipTests install, or any ./cnnviz command):
//
//   jshell --class-path "cnnviz-examples/target/classes:$(cat cnnviz-examples/target/classpath.txt)" \
//       cnnviz-examples/src/main/jshell/gradcam.jsh
//
// or, the same through the launcher (which builds first if needed):  ./cnnviz jshell cnnviz-examples/src/main/jshell/gradcam.jsh
//
// It writes gradcam-jshell.png to the current directory. Without options it explains the embedded Fashion-MNIST
// model on its default image. Other models and images: -R-D system properties, e.g. for SqueezeNet
//
//   jshell --class-path "..." -R-Dcnnviz.model=../shared/models/squeezenet1.1/squeezenet1.1-imagenet.onnx \
//       -R-Dcnnviz.labels=../shared/models/squeezenet1.1/imagenet-labels.txt -R-Dcnnviz.preprocess=caffe-bgr \
//       -R-Dcnnviz.image=../shared/images/cat.jpg cnnviz-examples/src/main/jshell/gradcam.jsh
//
// (cnnviz.class=N explains class N instead of the top class; cnnviz.preprocess takes the CLI's --preprocess specs.)
// Leave out the file name to get an interactive session with the class path set, and type the lines below.

import java.io.File;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import dev.cnnviz.api.*;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.Labels;
import dev.cnnviz.core.cam.GradCam;
import dev.cnnviz.core.image.ImageTensors;
import dev.cnnviz.dl4j.Models;
import dev.cnnviz.examples.DefaultModel;
import dev.cnnviz.examples.cli.PreprocessSpec;

// The model: a file given with -R-Dcnnviz.model=..., else the embedded Fashion-MNIST CNN.
String modelFile = System.getProperty("cnnviz.model", "");
Model model = modelFile.isEmpty() ? DefaultModel.load() : Models.load(Path.of(modelFile));
if (!System.getProperty("cnnviz.labels", "").isEmpty()) model = model.withLabels(Labels.read(Path.of(System.getProperty("cnnviz.labels"))));
if (!System.getProperty("cnnviz.preprocess", "").isEmpty()) model = model.withPreprocessing(PreprocessSpec.parse(System.getProperty("cnnviz.preprocess")));
System.out.println(model);

// The image: a file given with -R-Dcnnviz.image=..., else the default model's default image (an ankle boot).
String imageFile = System.getProperty("cnnviz.image", "");
var img = imageFile.isEmpty() ? ImageIO.read(DefaultModel.class.getResource("/dev/cnnviz/examples/default/default.png")) : ImageIO.read(new File(imageFile));

// The class to explain: -R-Dcnnviz.class=N, else the top class of one forward pass.
int cls;
if (System.getProperty("cnnviz.class") != null) {
    cls = Integer.getInteger("cnnviz.class");
} else {
    try (var x = ImageTensors.toBatch(img, model.inputSpec()); var pass = model.graph().infer(x, List.of())) {
        cls = pass.scores().argMax(1).getInt(0);
    }
}
System.out.println("explaining class " + cls + " " + model.label(cls).orElse(""));

// Grad-CAM at the default layer (the last 4-D layer the class scores depend on); .withLayer("name") picks another.
Explanation e = GradCam.of(model).explain(img, cls);
System.out.println(e.provenance().describe() + ": " + e.target().describe() + ", map " + e.map().width() + "x" + e.map().height());

// The picture: input | heat map | overlay, with a caption.
e.save(Path.of("gradcam-jshell.png"));
System.out.println("wrote " + Path.of("gradcam-jshell.png").toAbsolutePath());
/exit
