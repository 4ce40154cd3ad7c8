/**
 * Datasets that stream images, with optional labels and ids, in batches: an image folder whose sub-folders name
 * the classes ({@link dev.cnnviz.core.data.ImageFolder}), gzip-compressed IDX files such as Fashion-MNIST's
 * ({@link dev.cnnviz.core.data.IdxDataset}), and a preprocessed {@code .npy} batch
 * ({@link dev.cnnviz.core.data.NpyDataset}), all behind {@link dev.cnnviz.core.data.Dataset}; a scan keeps one
 * {@link dev.cnnviz.core.data.Batch} in memory.
 *
 * <pre>{@code
 * Dataset test = IdxDataset.fashionMnist(IdxDataset.FASHION_MNIST_DIR, IdxDataset.Split.TEST);
 * test.limit(1000).forEachBatch(128, b -> consume(b.toInput(model.inputSpec()), b.labels()));
 * }</pre>
 */
package dev.cnnviz.core.data;
