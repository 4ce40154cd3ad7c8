package dev.cnnviz.core.graph.ops;

/** ONNX {@code Pad} {@code mode}: what the added border holds. */
public enum PadMode {
    /** A constant value ({@code constant_value}, default 0). */
    CONSTANT,
    /** The mirror image of the input, excluding the edge element (numpy {@code 'reflect'}): {@code c b | a b c | b a}. */
    REFLECT,
    /** The edge element repeated (numpy {@code 'edge'}): {@code a a | a b c | c c}. */
    EDGE
}
