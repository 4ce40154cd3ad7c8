package dev.cnnviz.core.graph;

import java.util.HashMap;
import java.util.Map;

/**
 * An immutable table of {@link BackwardRule}s by operator class; operators without an entry use their own
 * {@link Op#backward} (the exact gradient).
 *
 * <pre>{@code
 * BackwardRules guided = BackwardRules.standard().with(Relu.class, GUIDED_RELU);
 * }</pre>
 */
public final class BackwardRules {
    private static final BackwardRules STANDARD = new BackwardRules(Map.of(), "standard");

    private final Map<Class<? extends Op>, BackwardRule> rules;
    private final String name;

    private BackwardRules(Map<Class<? extends Op>, BackwardRule> rules, String name) {
        this.rules = Map.copyOf(rules);
        this.name = name;
    }

    /** @return the exact gradient for every operator. */
    public static BackwardRules standard() {
        return STANDARD;
    }

    /**
     * Returns a copy in which operators of class {@code kind} (exactly that class) use {@code rule}.
     *
     * @param kind an operator class, e.g. {@code Relu.class}
     * @param rule the rule to use for it
     */
    public BackwardRules with(Class<? extends Op> kind, BackwardRule rule) {
        if (kind == null || rule == null) {
            throw new IllegalArgumentException("operator class and rule must not be null");
        }
        Map<Class<? extends Op>, BackwardRule> copy = new HashMap<>(rules);
        copy.put(kind, rule);
        return new BackwardRules(copy, name.equals("standard") ? kind.getSimpleName() + "-rule" : name + "+" + kind.getSimpleName() + "-rule");
    }

    /** Returns a copy with a name for provenance, e.g. {@code "guided-backprop"}. */
    public BackwardRules named(String newName) {
        return new BackwardRules(rules, newName);
    }

    /** @return the rule for this operator: a registered one, or {@link BackwardRule#STANDARD}. */
    public BackwardRule ruleFor(Op op) {
        return rules.getOrDefault(op.getClass(), BackwardRule.STANDARD);
    }

    /** @return whether no operator has a replaced rule. */
    public boolean isStandard() {
        return rules.isEmpty();
    }

    @Override
    public String toString() {
        return name;
    }
}
