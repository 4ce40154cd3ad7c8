/**
 * The differentiable graph that every cnnviz technique is written over.
 *
 * <p>A {@link dev.cnnviz.core.graph.Graph} is an immutable DAG of named {@link dev.cnnviz.core.graph.Node}s,
 * each holding a stateless {@link dev.cnnviz.core.graph.Op} over ND4J arrays in NCHW layout. Weights and biases
 * are {@link dev.cnnviz.core.graph.ops.Constant} nodes, so parameter gradients are simply gradients at those
 * nodes. {@link dev.cnnviz.core.graph.Graph#forward} returns a {@link dev.cnnviz.core.graph.ForwardPass}, an
 * {@code AutoCloseable} scope that owns every activation (closing it frees their native memory) and runs
 * {@link dev.cnnviz.core.graph.ForwardPass#backward backward} from gradient seeds at any nodes, with the
 * per-operator rules given by {@link dev.cnnviz.core.graph.BackwardRules} (plain gradients by default; guided
 * backprop, deconvnet and LRP-style rules swap the rule of one operator kind).
 *
 * <p>Two engines run a graph, with the same results to float32 rounding. On the CPU, the convolutional part of a
 * float32 graph runs directly on oneDNN (a compiled, pooled plan per input shape: convolutions with fused ReLUs and
 * transposed convolutions, with their weight and bias gradients; pooling, channel concatenation, tanh, instance
 * normalization with its scale and bias gradients, residual additions, crops, reflect padding and whole-factor
 * nearest upsampling; with the exact, guided and deconvnet ReLU rules, see {@link dev.cnnviz.core.graph.ReluGate};
 * the list is {@code OneDnnPlan}'s); every other node, float64 graphs and custom rules of other operators run on the
 * operators' own ND4J code. {@link dev.cnnviz.core.graph.Graph#withNd4jOnly()} uses ND4J alone.
 *
 * <pre>{@code
 * try (ForwardPass pass = graph.forward(batch)) {
 *     INDArray scores = pass.get(graph.scoresNode());
 *     INDArray seed = Nd4j.zeros(scores.dataType(), scores.shape());
 *     seed.putScalar(new long[] {0, 285}, 1.0);
 *     Gradients g = pass.backward(Map.of(graph.scoresNode(), seed), Set.of(graph.inputName()));
 *     float[] saliency = g.get(graph.inputName()).toFloatVector();
 * }
 * }</pre>
 */
package dev.cnnviz.core.graph;
