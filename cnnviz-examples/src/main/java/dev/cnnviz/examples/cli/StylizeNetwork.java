package dev.cnnviz.examples.cli;

import dev.cnnviz.api.ChannelOrder;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.data.ImageFolder;
import dev.cnnviz.core.image.ImageIo;
import dev.cnnviz.core.image.ImageTensors;
import dev.cnnviz.core.style.FeedForwardStyle;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/**
 * {@code cnnviz stylize --method network}: a feed-forward style network ({@link FeedForwardStyle}) on one photograph or
 * a folder of them, each at its own size.
 */
final class StylizeNetwork {
    private StylizeNetwork() {
    }

    /** Parses {@code rgb} or {@code bgr} (any case). */
    static final class OrderConverter implements CommandLine.ITypeConverter<ChannelOrder> {
        @Override
        public ChannelOrder convert(String v) {
            return switch (v.toLowerCase(Locale.ROOT)) {
                case "rgb" -> ChannelOrder.RGB;
                case "bgr" -> ChannelOrder.BGR;
                default -> throw new CommandLine.TypeConversionException("expected rgb or bgr, found '" + v + "'");
            };
        }
    }

    /** Runs the command's network method; returns the exit code. */
    static int run(StylizeCommand c) throws Exception {
        CommandLine cmd = c.spec.commandLine();
        if (c.model == null) {
            throw new ParameterException(cmd, "--method network needs --model FILE.onnx (a style network such as candy.onnx)");
        }
        Path png = c.out != null ? c.out : Path.of("stylized.png");
        if (c.content == null && c.images == null) {
            throw new ParameterException(cmd, "--method network needs --content FILE or --images DIR");
        }
        if (c.content != null && c.images != null) {
            throw new ParameterException(cmd, "--content and --images are mutually exclusive");
        }
        if (c.style != null || c.alpha != null || c.lossModel.lossModel != null) {
            throw new ParameterException(cmd, "--method network takes the style from its --model: --style, --alpha and "
                    + "--loss-model do not apply");
        }
        new OutputChecks(cmd)
                .input("--content", c.content)
                .input("--model", c.model)
                .output(c.out != null ? "--out" : "the default --out", png, ".png")
                .output("--save-npy", c.saveNpy, ".npy");
        List<Path> files = new ArrayList<>();
        if (c.content != null) {
            files.add(c.content);
        } else {
            ImageFolder folder = ImageFolder.of(c.images);
            for (String p : folder.paths()) {
                files.add(folder.root().resolve(p));
            }
            if (files.isEmpty()) {
                throw new ParameterException(cmd, "--images: no images in " + c.images);
            }
        }
        Model model = dev.cnnviz.dl4j.Models.load(c.model);
        FeedForwardStyle style;
        try {
            style = FeedForwardStyle.load(model);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(cmd, "--model: " + e.getMessage());
        }
        if (c.channelOrder != null) {
            style = style.withChannelOrder(c.channelOrder);
        }
        List<BufferedImage> images = new ArrayList<>();
        for (Path f : files) {
            BufferedImage b = ImageIo.read(f);
            if (b.getWidth() < style.minWidth() || b.getHeight() < style.minHeight()) {
                throw new ParameterException(cmd, (c.content != null ? "--content: " : "--images: ") + f + " is "
                        + b.getWidth() + "x" + b.getHeight() + ", but this style network needs images of at least "
                        + style.minWidth() + "x" + style.minHeight());
            }
            images.add(b);
        }
        if (c.saveNpy != null) {
            BufferedImage first = images.get(0);
            for (int i = 1; i < images.size(); i++) {
                if (images.get(i).getWidth() != first.getWidth() || images.get(i).getHeight() != first.getHeight()) {
                    throw new ParameterException(cmd, "--save-npy writes one [N,3,H,W] array, but " + files.get(0) + " is "
                            + first.getWidth() + "x" + first.getHeight() + " and " + files.get(i) + " is "
                            + images.get(i).getWidth() + "x" + images.get(i).getHeight());
                }
            }
        }
        PrintWriter w = cmd.getOut();
        List<INDArray> arrays = new ArrayList<>();
        try {
            for (int i = 0; i < images.size(); i += style.batchSize()) {
                List<BufferedImage> part = images.subList(i, Math.min(images.size(), i + style.batchSize()));
                boolean sameSize = part.stream().allMatch(b -> b.getWidth() == part.get(0).getWidth()
                        && b.getHeight() == part.get(0).getHeight());
                List<BufferedImage> results;
                if (sameSize) {
                    INDArray rgb = style.stylizeRgb(part);
                    results = ImageTensors.toImages(rgb, dev.cnnviz.api.Preprocessing.raw(ChannelOrder.RGB));
                    if (c.saveNpy != null) {
                        arrays.add(rgb);
                    } else {
                        rgb.close();
                    }
                } else {
                    results = style.stylize(part);
                }
                for (int k = 0; k < results.size(); k++) {
                    int n = i + k;
                    Path target = images.size() == 1 ? png : numbered(png, n);
                    SynthesisOutput.writeImage(results.get(k), target);
                    BufferedImage r = results.get(k);
                    w.println(c.json
                            ? "{\"method\":\"network\",\"content\":" + Json.string(files.get(n).toString()) + ",\"width\":"
                                    + r.getWidth() + ",\"height\":" + r.getHeight() + ",\"channelOrder\":"
                                    + Json.string(style.channelOrder().name().toLowerCase(Locale.ROOT)) + ",\"out\":"
                                    + Json.string(target.toString()) + "}"
                            : "method=network content=" + files.get(n) + " size=" + r.getWidth() + "x" + r.getHeight()
                                    + " channelOrder=" + style.channelOrder().name().toLowerCase(Locale.ROOT) + " out=" + target);
                    w.flush();
                }
            }
            if (c.saveNpy != null) {
                INDArray all = arrays.size() == 1 ? arrays.get(0) : org.nd4j.linalg.factory.Nd4j.concat(0, arrays.toArray(new INDArray[0]));
                try {
                    ImageTensors.writeNpy(all, c.saveNpy);
                } finally {
                    if (all != arrays.get(0)) {
                        all.close();
                    }
                }
                w.println(c.json ? "{\"npy\":" + Json.string(c.saveNpy.toString()) + "}" : "npy=" + c.saveNpy);
            }
        } finally {
            arrays.forEach(INDArray::close);
        }
        w.flush();
        return 0;
    }

    /** {@code out.png} → {@code out-3.png}. */
    static Path numbered(Path png, int n) {
        String name = png.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        String ext = dot > 0 ? name.substring(dot) : ".png";
        return png.resolveSibling(stem + "-" + n + ext);
    }
}
