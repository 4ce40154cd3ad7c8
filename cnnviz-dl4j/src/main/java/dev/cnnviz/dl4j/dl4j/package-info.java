/**
 * DL4J networks as cnnviz graphs: {@link dev.cnnviz.dl4j.dl4j.Dl4jTranslator} turns a {@code MultiLayerNetwork} or
 * {@code ComputationGraph} (built in code, restored from a zip, or created by DL4J's Keras importer) into an NCHW
 * {@link dev.cnnviz.core.graph.Graph}; {@link dev.cnnviz.dl4j.dl4j.Dl4jImporter} loads DL4J model zips as
 * {@link dev.cnnviz.core.Model}s, with optional {@linkplain dev.cnnviz.dl4j.dl4j.ModelSidecar sidecar} facts
 * (input size, preprocessing, labels).
 */
package dev.cnnviz.dl4j.dl4j;
