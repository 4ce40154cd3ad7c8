package dev.cnnviz.examples.cli;

import dev.cnnviz.api.AdversarialExample;
import dev.cnnviz.api.Attack;
import dev.cnnviz.api.Tensor;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.adversarial.CarliniWagner;
import dev.cnnviz.core.adversarial.DeepFool;
import dev.cnnviz.core.adversarial.Fgsm;
import dev.cnnviz.core.adversarial.FoolingImage;
import dev.cnnviz.core.adversarial.ImageSpace;
import dev.cnnviz.core.adversarial.Norm;
import dev.cnnviz.core.adversarial.Pgd;
import dev.cnnviz.core.image.ImageIo;
import dev.cnnviz.core.image.ImageTensors;
import dev.cnnviz.examples.train.FashionMnist;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/** What the attack commands share: the attack names, image folders, the Fashion-MNIST sets, and .npy output. */
final class AttackSupport {
    /** The most images {@code --images DIR} takes. */
    static final int MAX_IMAGES = 10_000;
    /** The attack names of {@code --method}. */
    static final List<String> METHODS = List.of("fgsm", "bim", "pgd", "pgd-l2", "fool", "deepfool", "cw");
    /** The attacks that take an ε (for robustness curves). */
    static final List<String> EPSILON_METHODS = List.of("fgsm", "bim", "pgd", "pgd-l2");

    private AttackSupport() {
    }

    /** The attack options given on the command line; null means the attack's default. */
    record Settings(Integer target, Double epsilon, Double alpha, Integer steps, Long seed, boolean quantize) {
    }

    /**
     * Builds an attack.
     *
     * @throws ParameterException for an unknown name or an option the attack does not take or accept
     */
    static Attack create(CommandLine cmd, String method, Model model, Settings s) {
        if (!METHODS.contains(method)) {
            throw new ParameterException(cmd, "unknown attack '" + method + "'; use one of " + String.join(", ", METHODS));
        }
        if (s.target() != null && method.equals("deepfool")) {
            throw new ParameterException(cmd, "--target does not apply to deepfool, which is untargeted");
        }
        if (s.epsilon() != null && (method.equals("deepfool") || method.equals("cw"))) {
            throw new ParameterException(cmd, "--epsilon does not apply to " + method + ", which finds the smallest change itself");
        }
        if (s.alpha() != null && List.of("fgsm", "deepfool", "cw").contains(method)) {
            throw new ParameterException(cmd, "--alpha does not apply to " + method);
        }
        if (s.steps() != null && method.equals("fgsm")) {
            throw new ParameterException(cmd, "--steps does not apply to fgsm, which takes one step");
        }
        try {
            return switch (method) {
                case "fgsm" -> common(Fgsm.of(model).withEpsilon(or(s.epsilon(), Fgsm.DEFAULT_EPSILON)), s);
                case "bim", "pgd", "pgd-l2" -> {
                    Pgd p = method.equals("bim") ? Pgd.bim(model) : Pgd.of(model);
                    p = method.equals("pgd-l2") ? p.withNorm(Norm.L2) : p;
                    p = s.epsilon() != null ? p.withEpsilon(s.epsilon()) : p;
                    p = s.alpha() != null ? p.withAlpha(s.alpha()) : p;
                    p = s.steps() != null ? p.withSteps(s.steps()) : p;
                    yield common(p, s);
                }
                case "fool" -> {
                    if (s.target() == null) {
                        throw new ParameterException(cmd, "fool makes a fooling image of a class: give --target N");
                    }
                    FoolingImage f = FoolingImage.of(model).withTargetClass(s.target());
                    f = s.epsilon() != null ? f.withEpsilon(s.epsilon()) : f;
                    f = s.alpha() != null ? f.withAlpha(s.alpha()) : f;
                    f = s.steps() != null ? f.withSteps(s.steps()) : f;
                    yield common(f, s);
                }
                case "deepfool" -> common(s.steps() != null ? DeepFool.of(model).withSteps(s.steps()) : DeepFool.of(model), s);
                default -> common(s.steps() != null ? CarliniWagner.of(model).withSteps(s.steps()) : CarliniWagner.of(model), s);
            };
        } catch (IllegalArgumentException e) {
            throw new ParameterException(cmd, e.getMessage());
        }
    }

    private static double or(Double v, double d) {
        return v == null ? d : v;
    }

    private static <A extends dev.cnnviz.core.adversarial.AttackBase<A>> A common(A a, Settings s) {
        A out = a.withQuantize(s.quantize());
        return s.seed() != null ? out.withSeed(s.seed()) : out;
    }

    /**
     * The images of a folder, in file-name order: regular files ending in .png, .jpg, .jpeg, .bmp or .gif.
     *
     * @throws IOException naming the folder or a file that cannot be read
     */
    static List<Named> readFolder(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw Files.exists(dir) ? new IOException(dir + ": not a folder (--images takes a folder of images)")
                    : new NoSuchFileException(dir.toString(), null, "no such folder");
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(Files::isRegularFile).filter(p -> {
                String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
                return n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg") || n.endsWith(".bmp") || n.endsWith(".gif");
            }).sorted((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString())).toList();
        }
        if (files.isEmpty()) {
            throw new IOException(dir + ": no images (.png, .jpg, .jpeg, .bmp, .gif) in the folder");
        }
        if (files.size() > MAX_IMAGES) {
            throw new IOException(dir + ": " + files.size() + " images, more than the " + MAX_IMAGES + " --images takes");
        }
        List<Named> out = new ArrayList<>();
        for (Path f : files) {
            out.add(new Named(f.getFileName().toString(), ImageIo.read(f)));
        }
        return out;
    }

    /** An image with its name. */
    record Named(String name, BufferedImage image) {
    }

    /** Image-space images with optional true labels. */
    record Images(Tensor tensor, int[] labels, List<String> names) {
        int size() {
            return tensor.size(0);
        }
    }

    /** Images as an image-space tensor for a model. */
    static Images images(Model model, List<Named> named) {
        ImageSpace space = ImageSpace.of(model.inputSpec());
        float[] u = space.fromImages(named.stream().map(Named::image).toList());
        int[] s = space.imageShape();
        return new Images(Tensor.of(u, named.size(), s[0], s[1], s[2]), null,
                named.stream().map(Named::name).toList());
    }

    /**
     * The first {@code count} images of a Fashion-MNIST split as an image-space tensor with their labels.
     *
     * @throws ParameterException if the model does not take 1 x 28 x 28 images
     */
    static Images fashionMnist(CommandLine cmd, Model model, boolean train, int count) throws IOException {
        ImageSpace space = ImageSpace.of(model.inputSpec());
        int[] s = space.imageShape();
        if (s[0] != 1 || s[1] != 28 || s[2] != 28) {
            throw new ParameterException(cmd, "--fashion-mnist needs a model of 28x28 grey images; this one takes "
                    + model.inputSpec());
        }
        FashionMnist.Split split = train ? FashionMnist.loadTrain(FashionMnist.DEFAULT_DIR)
                : FashionMnist.loadTest(FashionMnist.DEFAULT_DIR);
        int n = Math.min(count, split.size());
        float[] u = new float[n * 28 * 28];
        int[] labels = new int[n];
        List<String> names = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            for (int y = 0; y < 28; y++) {
                System.arraycopy(split.images()[i][0][y], 0, u, i * 784 + y * 28, 28);
            }
            labels[i] = split.labels()[i];
            names.add((train ? "train-" : "test-") + i);
        }
        return new Images(Tensor.of(u, n, 1, 28, 28), labels, names);
    }

    /** Image-space tensors of one shape, stacked, written as a float32 .npy file. */
    static void writeNpy(List<Tensor> images, Path file) throws IOException {
        int[] s = images.get(0).shape();
        int len = images.get(0).length();
        float[] all = new float[len * images.size()];
        for (int i = 0; i < images.size(); i++) {
            System.arraycopy(images.get(i).data(), 0, all, i * len, len);
        }
        try (INDArray a = Nd4j.create(all, new long[] {images.size(), s[0], s[1], s[2]}, 'c')) {
            ImageTensors.writeNpy(a, file);
        }
    }

    /** @return one JSON line for a result */
    static String json(String name, AdversarialExample a) {
        return "{\"image\":" + Json.string(name)
                + ",\"method\":" + Json.string(a.provenance().method())
                + ",\"targeted\":" + a.targeted()
                + (a.targeted() ? ",\"target\":" + ((dev.cnnviz.api.Target.ClassIndex) a.target()).index() : "")
                + ",\"before\":{\"class\":" + a.before().classIndex() + ",\"label\":" + Json.string(a.before().label())
                + ",\"p\":" + Json.number(a.before().probability()) + "}"
                + ",\"after\":{\"class\":" + a.after().classIndex() + ",\"label\":" + Json.string(a.after().label())
                + ",\"p\":" + Json.number(a.after().probability()) + "}"
                + ",\"linf\":" + Json.floatNumber(a.linf()) + ",\"l2\":" + Json.floatNumber(a.l2())
                + ",\"l0\":" + a.l0() + ",\"steps\":" + a.steps() + ",\"success\":" + a.success() + "}";
    }

    /** Parses an ε list such as {@code 0,1/255,2/255,0.03}. */
    static double[] parseEpsilons(CommandLine cmd, String spec) {
        String[] parts = spec.split(",");
        double[] out = new double[parts.length];
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i].trim();
            try {
                int slash = p.indexOf('/');
                out[i] = slash < 0 ? Double.parseDouble(p)
                        : Double.parseDouble(p.substring(0, slash)) / Double.parseDouble(p.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new ParameterException(cmd, "--eps: '" + p + "' is not a number or a fraction such as 2/255");
            }
            if (!(out[i] >= 0) || Double.isInfinite(out[i])) {
                throw new ParameterException(cmd, "--eps values must be finite and >= 0, found '" + p + "'");
            }
        }
        return out;
    }
}
