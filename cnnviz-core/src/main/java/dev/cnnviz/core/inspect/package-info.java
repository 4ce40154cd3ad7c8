/**
 * Inspecting a network: what it is ({@link dev.cnnviz.core.inspect.ModelSummary}, with FLOPs and
 * {@link dev.cnnviz.core.inspect.ReceptiveField receptive fields}), what it has learned
 * ({@link dev.cnnviz.core.inspect.Filters}: first-layer filters, deeper kernels, linear-classifier templates), what it
 * computes on an image ({@link dev.cnnviz.core.inspect.Activations}: activation maps) and which parts of a data set
 * excite a unit most ({@link dev.cnnviz.core.inspect.MaxActivatingPatches}).
 *
 * <p>Every entry point follows the library's option style: {@code X.of(model)} with the defaults, {@code withX(value)}
 * returning a validated copy, {@code x()} reading it.
 */
package dev.cnnviz.core.inspect;
