package dev.cnnviz.examples.cli;

import dev.cnnviz.api.Attack;
import dev.cnnviz.api.Target;
import dev.cnnviz.api.Tensor;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.adversarial.AttackBase;
import dev.cnnviz.core.adversarial.ImageSpace;
import dev.cnnviz.core.graph.HostArrays;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/** {@code cnnviz bench --method fgsm|pgd|deepfool|cw}: times one attack on a batch, in the bench command's format. */
final class AttackBench {
    private AttackBench() {
    }

    static void run(CommandLine cmd, PrintWriter out, String method, Model model, INDArray x, String description,
                    Integer target, Integer steps, int warmup, int runs) {
        if (!List.of("fgsm", "pgd", "deepfool", "cw").contains(method)) {
            throw new ParameterException(cmd, "bench times the attacks fgsm, pgd, deepfool and cw, not '" + method + "'");
        }
        Attack a = AttackSupport.create(cmd, method, model, new AttackSupport.Settings(target, null, null, steps, null, false));
        int n = (int) x.size(0);
        ImageSpace space = ImageSpace.of(model.inputSpec());
        float[] u = new float[n * space.imageLength()];
        space.invert(HostArrays.floats(x), u);
        int[] s = space.imageShape();
        Tensor images = Tensor.of(u, n, s[0], s[1], s[2]);
        a = ((AttackBase<?>) a).withBatchSize(n);
        List<Target> t = List.of(target == null ? Target.topClass() : Target.classIndex(target));
        for (int i = 0; i < warmup; i++) {
            a.attackTensor(images, t);
        }
        double[] ms = new double[runs];
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            a.attackTensor(images, t);
            ms[i] = (System.nanoTime() - t0) / 1e6 / n;
        }
        Arrays.sort(ms);
        double median = runs % 2 == 1 ? ms[runs / 2] : (ms[runs / 2 - 1] + ms[runs / 2]) / 2;
        out.println(String.format(Locale.ROOT,
                "%s on %s %s: median %.2f ms per image (min %.2f, max %.2f; %d runs after %d warm-up)",
                a.name(), description, Arrays.toString(x.shape()), median, ms[0], ms[runs - 1], runs, warmup));
    }
}
