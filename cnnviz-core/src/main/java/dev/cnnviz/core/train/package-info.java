/**
 * Training graphs: trainable constants updated by Adam ({@link dev.cnnviz.core.train.Trainer},
 * {@link dev.cnnviz.core.train.ParameterAdam}), graphs joined into one ({@link dev.cnnviz.core.train.GraphComposer}),
 * seeded batches of random crops ({@link dev.cnnviz.core.train.RandomCrops}) and the progress and history of a run.
 */
package dev.cnnviz.core.train;
