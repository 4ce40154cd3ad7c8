/**
 * The operators of the cnnviz graph, each a stateless value with a forward computation and its exact
 * gradient, written over libnd4j kernels ({@code conv2d}/{@code conv2d_bp}, {@code maxpool2d_bp}, ...) where
 * they exist. Attributes follow the ONNX operator specification; images are NCHW.
 */
package dev.cnnviz.core.graph.ops;
