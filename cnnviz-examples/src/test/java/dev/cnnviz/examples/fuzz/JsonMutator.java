package dev.cnnviz.examples.fuzz;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.node.ArrayNode;
import org.nd4j.shade.jackson.databind.node.JsonNodeFactory;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

/**
 * Edits of a JSON model configuration (a Keras {@code model_config}, a DL4J {@code configuration.json}): one
 * field chosen at random gets a value that breaks shape arithmetic (zero, negative, huge, fractional, another type,
 * a list of another length), is removed, or the text is cut.
 */
final class JsonMutator {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private JsonMutator() {
    }

    /** An edited JSON text and what was edited. */
    record Edited(String json, String description) {
    }

    private record Slot(ObjectNode parent, String field, String path) {
    }

    /**
     * Edits one field; {@code preferred} names fields to pick with priority one half (e.g. kernel_size, strides).
     */
    static Edited mutate(String json, SplittableRandom r, List<String> preferred) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (Exception e) {
            throw new IllegalStateException("the seed config is not JSON", e);
        }
        if (r.nextInt(12) == 0) {
            int cut = r.nextInt(json.length());
            return new Edited(json.substring(0, cut), "JSON text cut at " + cut + " of " + json.length());
        }
        List<Slot> all = new ArrayList<>();
        collect(root, "$", all);
        List<Slot> pref = new ArrayList<>();
        for (Slot s : all) {
            if (preferred.contains(s.field())) {
                pref.add(s);
            }
        }
        Slot s = !pref.isEmpty() && r.nextBoolean() ? pref.get(r.nextInt(pref.size())) : all.get(r.nextInt(all.size()));
        JsonNode old = s.parent().get(s.field());
        String d;
        int choice = r.nextInt(10);
        if (choice == 0) {
            s.parent().remove(s.field());
            d = "removed";
        } else if (old.isArray() && old.size() > 0 && choice < 6) {
            ArrayNode a = (ArrayNode) old;
            switch (r.nextInt(4)) {
                case 0 -> a.remove(r.nextInt(a.size()));
                case 1 -> a.add(OnnxMutator.nasty(r));
                case 2 -> a.removeAll();
                default -> a.set(r.nextInt(a.size()), value(r));
            }
            d = "= " + a;
        } else {
            JsonNode v = value(r);
            s.parent().set(s.field(), v);
            d = "= " + v;
        }
        return new Edited(root.toString(), s.path() + " " + d);
    }

    private static JsonNode value(SplittableRandom r) {
        return switch (r.nextInt(9)) {
            case 0 -> F.numberNode(0);
            case 1 -> F.numberNode(-1);
            case 2 -> F.numberNode(1L << 31);
            case 3 -> F.numberNode(1 << 24);
            case 4 -> F.numberNode(2.5);
            case 5 -> F.textNode("bogus");
            case 6 -> F.nullNode();
            case 7 -> F.arrayNode().add(0).add(-1).add(1 << 20);
            default -> F.numberNode(OnnxMutator.nasty(r));
        };
    }

    private static void collect(JsonNode n, String path, List<Slot> out) {
        if (n.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String p = path + "." + e.getKey();
                out.add(new Slot((ObjectNode) n, e.getKey(), p));
                collect(e.getValue(), p, out);
            }
        } else if (n.isArray()) {
            for (int k = 0; k < n.size(); k++) {
                collect(n.get(k), path + "[" + k + "]", out);
            }
        }
    }
}
