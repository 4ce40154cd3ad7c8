/**
 * Embeddings of a layer over a dataset and what is done with them: {@link dev.cnnviz.core.embedding.Embeddings}
 * streams a {@link dev.cnnviz.core.data.Dataset} through inference-only passes into an
 * {@link dev.cnnviz.core.embedding.EmbeddingSet}; nearest neighbours exactly by batched matrix products
 * ({@link dev.cnnviz.core.embedding.ExactKnn}) or approximately with HNSW ({@link dev.cnnviz.core.embedding.HnswKnn});
 * {@link dev.cnnviz.core.embedding.Pca} with explained variance; Barnes-Hut {@link dev.cnnviz.core.embedding.Tsne}
 * and its {@link dev.cnnviz.core.embedding.Trustworthiness}. The pictures (scatter plot, image atlas, neighbours
 * figure) are in {@code dev.cnnviz.core.render}.
 *
 * <pre>{@code
 * EmbeddingSet e = Embeddings.of(model).withLayer("gap").compute(IdxDataset.fashionMnist(dir, Split.TEST));
 * double[][] xy = e.tsne();
 * ImageIo.writePng(ScatterPlot.of(xy, e.labels(), e.classes()).render(), Path.of("tsne.png"));
 * }</pre>
 */
package dev.cnnviz.core.embedding;
