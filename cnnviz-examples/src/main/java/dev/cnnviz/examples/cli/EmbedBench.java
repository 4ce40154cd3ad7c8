package dev.cnnviz.examples.cli;

import dev.cnnviz.core.Model;
import dev.cnnviz.core.data.Dataset;
import dev.cnnviz.core.embedding.Embeddings;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/**
 * {@code cnnviz bench --method embed}: embeds a dataset batch by batch and prints images per second and the median
 * and minimum milliseconds per batch (the forward pass and pooling of a batch; decoding the images is not timed but
 * is in the overall rate).
 */
final class EmbedBench {
    private EmbedBench() {
    }

    static int run(CommandLine cmd, ModelOptions modelOptions, DatasetOptions datasetOptions,
            MethodOptions methodOptions, boolean inputGiven, int warmup, int batchOption) throws Exception {
        if (inputGiven) {
            throw new ParameterException(cmd, "--method embed reads a dataset (--fashion-mnist or --images DIR), "
                    + "not --image or --input-npy");
        }
        if (methodOptions.hasAttributionOptions()) {
            throw new ParameterException(cmd, "--target, --steps and --samples do not apply to --method embed");
        }
        if (cmd.getParseResult().hasMatchedOption("--runs")) {
            throw new ParameterException(cmd, "--runs does not apply to --method embed: every batch of the dataset "
                    + "is timed");
        }
        int batch = cmd.getParseResult().hasMatchedOption("--batch") ? batchOption : 64;
        if (batch < 1 || batch > 4096) {
            throw new ParameterException(cmd, "--batch must be between 1 and 4096, found " + batch);
        }
        Model model = modelOptions.load();
        Embeddings e = Embeddings.of(model).withBatchSize(batch);
        if (methodOptions.layer() != null) {
            try {
                e = e.withLayer(methodOptions.layer());
            } catch (IllegalArgumentException ex) {
                throw new ParameterException(cmd, "--layer: " + ex.getMessage());
            }
        }
        Embeddings embeddings = e;
        Dataset dataset = datasetOptions.open(modelOptions.isDefault());
        int batches = (dataset.size() + batch - 1) / batch;
        if (batches <= warmup) {
            throw new ParameterException(cmd, "the dataset has " + batches + " batches of " + batch + "; --warmup "
                    + warmup + " leaves none to time (use a larger --limit or a smaller --warmup)");
        }
        double[] ms = new double[batches - warmup];
        int[] seen = {0, 0};
        long[] timed = {0};
        ProgressBar bar = new ProgressBar(cmd.getErr(), "bench embed");
        long start = System.nanoTime();
        dataset.forEachBatch(batch, b -> {
            var x = b.toInput(model.inputSpec());
            long t0 = System.nanoTime();
            embeddings.embed(x).close();
            long dt = System.nanoTime() - t0;
            int i = seen[0]++;
            if (i >= warmup) {
                ms[i - warmup] = dt / 1e6;
                timed[0] += dt;
                seen[1] += b.size();
            }
            bar.progress(seen[0] == batches ? dataset.size() : seen[0] * batch, dataset.size());
        });
        double wall = (System.nanoTime() - start) / 1e9;
        double[] sorted = ms.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        PrintWriter out = cmd.getOut();
        out.println(String.format(Locale.ROOT,
                "embed %s on %s (%d images, batch %d): %.1f images/s in the passes (%.1f images/s with reading); "
                        + "median %.2f ms per batch, min %.2f (%d batches timed after %d warm-up)",
                embeddings.layer(), dataset.name(), dataset.size(), batch, seen[1] / (timed[0] / 1e9),
                dataset.size() / wall, median, sorted[0], n, warmup));
        out.flush();
        return 0;
    }
}
