package dev.cnnviz.api;

/**
 * The target an explanation was computed for, as resolved on the image: for class targets the class index,
 * its label, its score before the softmax and its probability.
 *
 * @param target      the target as requested
 * @param classIndex  the class index, or -1 for non-class targets
 * @param label       the class label, or "" if unknown
 * @param score       the target's value on the image (class score before the softmax, or the activation)
 * @param probability the class probability after the softmax, or NaN for non-class targets
 */
public record ResolvedTarget(Target target, int classIndex, String label, double score, double probability) {

    /** Validates. */
    public ResolvedTarget {
        if (target == null) {
            throw new IllegalArgumentException("target must not be null");
        }
        label = label == null ? "" : label;
    }

    /** @return a caption such as {@code "class 285 Egyptian cat · score 38.86 · p=0.762"}. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        if (classIndex >= 0) {
            sb.append("class ").append(classIndex);
            if (!label.isEmpty()) {
                sb.append(' ').append(label);
            }
        } else {
            sb.append(target.describe());
        }
        sb.append(String.format(java.util.Locale.ROOT, " · score %.4g", score));
        if (!Double.isNaN(probability)) {
            sb.append(String.format(java.util.Locale.ROOT, " · p=%.3f", probability));
        }
        return sb.toString();
    }
}
