package dev.cnnviz.examples.cli;

import dev.cnnviz.api.Stylization;
import dev.cnnviz.api.Tensor;
import dev.cnnviz.core.image.ImageTensors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Writing a {@link Stylization}: the PNG, the {@code .npy} and the closing line of {@code stylize} and {@code texture}. */
final class StyleOutput {
    private StyleOutput() {
    }

    /** Writes the stylization's pixels, float32 {@code [N, 3, H, W]} RGB in 0..255, as {@code .npy}. */
    static void writeNpy(Stylization s, Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            java.nio.file.Files.createDirectories(parent);
        }
        Tensor t = s.pixels();
        long[] shape = new long[t.rank()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = t.size(i);
        }
        try (INDArray a = Nd4j.create(t.data(), shape, DataType.FLOAT)) {
            ImageTensors.writeNpy(a, file);
        }
    }

    /** @return the closing line: key=value pairs, or one JSON object with {@code json} */
    static String summary(String method, Stylization s, Path png, Path npy, boolean json) {
        Map<String, Double> last = s.history().isEmpty() ? Map.of() : s.history().get(s.history().size() - 1).terms();
        double loss = s.history().isEmpty() ? Double.NaN : s.history().get(s.history().size() - 1).loss();
        int w = s.image().getWidth();
        int h = s.image().getHeight();
        if (json) {
            StringBuilder sb = new StringBuilder("{\"method\":").append(Json.string(method)).append(",\"steps\":")
                    .append(s.steps()).append(",\"width\":").append(w).append(",\"height\":").append(h);
            if (!s.history().isEmpty()) {
                sb.append(",\"loss\":").append(Json.number(loss)).append(",\"terms\":{");
                boolean first = true;
                for (Map.Entry<String, Double> e : last.entrySet()) {
                    sb.append(first ? "" : ",").append(Json.string(e.getKey())).append(':').append(Json.number(e.getValue()));
                    first = false;
                }
                sb.append('}');
            }
            sb.append(",\"interrupted\":").append(s.interrupted()).append(",\"out\":").append(Json.string(png.toString()));
            if (npy != null) {
                sb.append(",\"npy\":").append(Json.string(npy.toString()));
            }
            return sb.append('}').toString();
        }
        return "method=" + method + " steps=" + s.steps() + " size=" + w + "x" + h
                + (s.history().isEmpty() ? "" : String.format(Locale.ROOT, " loss=%.5g", loss))
                + (s.interrupted() ? " interrupted=true" : "") + " out=" + png + (npy == null ? "" : " npy=" + npy);
    }
}
