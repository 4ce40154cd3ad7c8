package dev.cnnviz.examples.fuzz;

import java.nio.file.Path;
import java.util.List;

/**
 * One generated fuzz case: what the worker does ({@link Kind}), on which file, and how to name and replay it.
 *
 * @param family    the mutator family, e.g. {@code onnx-attr}
 * @param seed      the seed that, with the family, regenerates the case ({@code -Dcnnviz.fuzz.replay=family:seed})
 * @param kind      what the worker runs
 * @param file      the (mutated) file the case reads
 * @param cliArgs   for {@link Kind#CLI}: the arguments of {@code Cli.execute}; otherwise empty
 * @param mutation  a one-line description of the mutation
 * @param mustFail  whether success is itself a violation (external data pointing outside the model's folder)
 */
record FuzzCase(String family, long seed, Kind kind, Path file, List<String> cliArgs, String mutation,
                boolean mustFail) {

    /** What the worker does with a case's file. */
    enum Kind {
        /** {@code Models.load(file)}, then one inference on a seeded random input of the model's input shape. */
        MODEL,
        /** {@code ImageIo.read(file)}, then {@code ImageTensors.toBatch} to the embedded model's input. */
        IMAGE,
        /** {@code ImageTensors.readNpy(file)}. */
        NPY,
        /** {@code Cli.execute(out, err, cliArgs)} in the worker's process, with {@code --verbose}. */
        CLI,
        /** Harness self-check: the worker crashes with a segmentation fault (a write to address 0). */
        SELF_CRASH,
        /** Harness self-check: the worker never answers. */
        SELF_HANG
    }

    /** @return the replay key {@code family:seed}. */
    String key() {
        return family + ":" + seed;
    }

    /** @return the line sent to the worker: id, kind, file and the CLI arguments, separated by tabs. */
    String workerLine(int id) {
        StringBuilder b = new StringBuilder().append(id).append('\t').append(kind).append('\t').append(file);
        for (String a : cliArgs) {
            b.append('\t').append(a);
        }
        return b.toString();
    }
}
