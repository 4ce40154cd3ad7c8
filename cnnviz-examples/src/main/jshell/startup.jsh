// cnnviz's JShell startup script: what `./cnnviz jshell` loads before your first line (after JShell's own DEFAULT
// startup). The imports of the API, the techniques, the model loader and the helpers of dev.cnnviz.examples.Notebook:
//
//   var model = model();                                  // the embedded Fashion-MNIST CNN (-R-Dcnnviz.shared=DIR:
//                                                         //   the shared SqueezeNet); model("file.onnx", "labels.txt", "caffe-bgr")
//   var img = image();                                    // its default image; image("cat.jpg")
//   show("gradcam", GradCam.of(model).explain(img, Target.topClass()));   // writes cnnviz-out/gradcam.png
//   out("my-pictures");                                   // later pictures go there
//
// Without the launcher: jshell --class-path "cnnviz-examples/target/classes:$(cat cnnviz-examples/target/classpath.txt)" \
//   --startup DEFAULT --startup cnnviz-examples/src/main/jshell/startup.jsh
import java.awt.image.*;
import java.io.File;
import java.nio.file.*;
import javax.imageio.ImageIO;
import dev.cnnviz.api.*;
import dev.cnnviz.core.*;
import dev.cnnviz.core.adversarial.*;
import dev.cnnviz.core.attribution.*;
import dev.cnnviz.core.cam.*;
import dev.cnnviz.core.data.*;
import dev.cnnviz.core.embedding.*;
import dev.cnnviz.core.featurevis.*;
import dev.cnnviz.core.image.*;
import dev.cnnviz.core.inspect.*;
import dev.cnnviz.core.inversion.*;
import dev.cnnviz.core.metrics.*;
import dev.cnnviz.core.perturbation.*;
import dev.cnnviz.core.render.*;
import dev.cnnviz.core.style.*;
import dev.cnnviz.dl4j.Models;
import dev.cnnviz.examples.DefaultModel;
import static dev.cnnviz.examples.Notebook.*;
