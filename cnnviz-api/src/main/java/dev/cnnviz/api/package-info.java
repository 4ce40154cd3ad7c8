/**
 * The interfaces and value types that users of cnnviz hold: model input specifications, preprocessing,
 * tensors, targets and explanations. This module depends on no ND4J type, so that applications embedding
 * the library need not learn it; the ND4J-backed implementations live in {@code cnnviz-core}.
 */
package dev.cnnviz.api;
