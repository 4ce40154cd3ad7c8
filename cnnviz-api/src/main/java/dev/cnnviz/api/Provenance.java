package dev.cnnviz.api;

import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where a result came from: the method, its options, the layer, the seed, the model and when.
 *
 * @param method  the method's name, e.g. {@code "Grad-CAM"}
 * @param options the method's options by name (e.g. {@code steps=50}), sorted
 * @param layer   the layer used, or "" for input-space methods
 * @param seed    the random seed, or null for deterministic methods
 * @param model   the model's source description
 * @param created when the result was computed
 */
public record Provenance(String method, Map<String, String> options, String layer, Long seed, String model, Instant created) {

    /** Validates and copies. */
    public Provenance {
        if (method == null || method.isBlank()) {
            throw new IllegalArgumentException("method must not be blank");
        }
        options = options == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(options));
        layer = layer == null ? "" : layer;
        model = model == null ? "" : model;
        created = created == null ? Instant.now() : created;
    }

    /** @return e.g. {@code "Grad-CAM · fire9_concat"}. */
    public String describe() {
        return layer.isEmpty() ? method : method + " · " + layer;
    }
}
