/*
 * The entry points of cnnviz_knn.c, for its JNI glue (cnnviz_knn_jni.c). See cnnviz_knn.c for what each computes and
 * the layouts of its arguments.
 */
#ifndef CNNVIZ_KNN_H
#define CNNVIZ_KNN_H

int cnnviz_knn_isa(void);
int cnnviz_knn_search(const float *queries, const float *raw, int count, int d, const float *panels,
                      const float *offsets, const float *data, int n, int k, const float *slack, int skip_from,
                      int cosine, int *out_idx, float *out_dist, int *status, int isa);
void cnnviz_knn_layout(int isa, int *out);
void cnnviz_knn_row_state(int k, int *out);
int cnnviz_knn_self_pair(const float *apack, const float *panels, const float *offsets, float *theta, float *best,
                         float *keys, int *rows, int *counts, const float *slack, int n, int d, int k, int isa, int I,
                         int J);
int cnnviz_knn_self_answer(const float *data, float *theta, float *best, float *keys, int *rows, int *counts,
                           const float *slack, int d, int k, int cosine, int from, int count, int *out_idx,
                           float *out_dist, int *status);

#endif
