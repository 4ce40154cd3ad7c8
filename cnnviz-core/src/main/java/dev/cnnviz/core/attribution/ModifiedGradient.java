package dev.cnnviz.core.attribution;

import dev.cnnviz.core.Model;
import dev.cnnviz.core.graph.BackwardRules;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The shared part of the methods that are the input gradient under replaced backward rules (guided backprop,
 * deconvnet): the raw attribution is the signed modified gradient {@code [C, H, W]} itself, the map its
 * maximum over channels of the absolute value, and the options the batch size and the rules. A leaf supplies
 * its name and its {@link BackwardRules}.
 */
abstract class ModifiedGradient extends GradientAttribution {
    private final BackwardRules rules;

    ModifiedGradient(Model model, int batchSize, BackwardRules rules) {
        super(model, batchSize);
        this.rules = rules;
    }

    @Override
    protected final Map<String, String> options() {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("batchSize", String.valueOf(batchSize()));
        o.put("rules", rules.toString());
        return o;
    }

    @Override
    public final BackwardRules rules() {
        return rules;
    }

    @Override
    public final ChannelReduction reduction() {
        return ChannelReduction.MAX_ABS;
    }

    @Override
    protected final INDArray attribute(INDArray x, INDArray gradient) {
        return gradient.dup();
    }
}
