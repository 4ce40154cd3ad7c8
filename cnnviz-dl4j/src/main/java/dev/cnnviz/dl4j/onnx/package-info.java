/**
 * The ONNX importer: {@link dev.cnnviz.dl4j.onnx.OnnxImporter} reads ONNX files (opsets 7 to 17, and opset 1 for
 * files from before ONNX 1.0) with a minimal, wire-compatible subset of the ONNX protobuf schema
 * ({@code src/main/proto/onnx.proto}, compiled to {@code dev.cnnviz.dl4j.onnx.proto.OnnxProto}) and translates
 * them into cnnviz graphs.
 */
package dev.cnnviz.dl4j.onnx;
