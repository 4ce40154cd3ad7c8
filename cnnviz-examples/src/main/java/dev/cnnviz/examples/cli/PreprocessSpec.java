package dev.cnnviz.examples.cli;

import dev.cnnviz.api.ChannelOrder;
import dev.cnnviz.api.Preprocessing;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * The {@code --preprocess SPEC} values: a short name for each common pixel preprocessing.
 *
 * <table>
 *   <caption>specs</caption>
 *   <tr><td>{@code caffe-bgr[:B,G,R]}</td><td>{@link Preprocessing#caffeBgr}: BGR, 0..255 minus a mean given in
 *       B,G,R order (default 104,117,123, the Caffe ImageNet mean)</td></tr>
 *   <tr><td>{@code torch-imagenet}</td><td>{@link Preprocessing#imagenetTorch()}: RGB / 255, ImageNet mean and
 *       std</td></tr>
 *   <tr><td>{@code unit-rgb}, {@code unit-bgr}, {@code unit-grey}</td><td>{@link Preprocessing#unit}: pixels / 255</td></tr>
 *   <tr><td>{@code raw-rgb}, {@code raw-bgr}, {@code raw-grey}</td><td>{@link Preprocessing#raw}: pixels 0..255</td></tr>
 * </table>
 * {@code gray} is accepted for {@code grey}; names are case-insensitive.
 */
public final class PreprocessSpec {
    /** The Caffe ImageNet mean in B, G, R order. */
    static final double[] CAFFE_MEAN = {104, 117, 123};
    /** The accepted forms, for help and error messages. */
    public static final String FORMS = "caffe-bgr[:B,G,R], torch-imagenet, unit-rgb, unit-bgr, unit-grey, raw-rgb, "
            + "raw-bgr, raw-grey";

    private PreprocessSpec() {
    }

    /**
     * Parses a spec.
     *
     * @throws IllegalArgumentException explaining what is wrong and listing the accepted forms
     */
    public static Preprocessing parse(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("empty preprocessing; use one of: " + FORMS);
        }
        String s = spec.strip().toLowerCase(Locale.ROOT);
        int colon = s.indexOf(':');
        String name = colon < 0 ? s : s.substring(0, colon);
        String args = colon < 0 ? null : s.substring(colon + 1);
        if (name.equals("caffe-bgr")) {
            double[] mean = args == null ? CAFFE_MEAN.clone() : numbers(spec, args);
            if (mean.length != 3) {
                throw new IllegalArgumentException("'" + spec + "': caffe-bgr takes three means B,G,R, e.g. caffe-bgr:104,117,123");
            }
            return Preprocessing.caffeBgr(mean[0], mean[1], mean[2]);
        }
        if (args != null) {
            throw new IllegalArgumentException("'" + spec + "': only caffe-bgr takes values after ':'; use one of: " + FORMS);
        }
        if (name.equals("torch-imagenet") || name.equals("imagenet-torch")) {
            return Preprocessing.imagenetTorch();
        }
        int dash = name.indexOf('-');
        if (dash > 0) {
            ChannelOrder order = order(name.substring(dash + 1));
            String kind = name.substring(0, dash);
            if (order != null && kind.equals("unit")) {
                return Preprocessing.unit(order);
            }
            if (order != null && kind.equals("raw")) {
                return Preprocessing.raw(order);
            }
        }
        throw new IllegalArgumentException("unknown preprocessing '" + spec + "'; use one of: " + FORMS);
    }

    private static ChannelOrder order(String s) {
        switch (s) {
            case "rgb":
                return ChannelOrder.RGB;
            case "bgr":
                return ChannelOrder.BGR;
            case "grey":
            case "gray":
                return ChannelOrder.GREY;
            default:
                return null;
        }
    }

    private static double[] numbers(String spec, String list) {
        String[] parts = list.split(",", -1);
        double[] out = new double[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                out[i] = Double.parseDouble(parts[i].strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + spec + "': '" + parts[i].strip() + "' is not a number");
            }
            if (!Double.isFinite(out[i])) {
                throw new IllegalArgumentException("'" + spec + "': the values must be finite");
            }
        }
        return out;
    }

    /** picocli converter: a bad spec is a usage error. */
    public static final class Converter implements ITypeConverter<Preprocessing> {
        @Override
        public Preprocessing convert(String value) {
            try {
                return parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
