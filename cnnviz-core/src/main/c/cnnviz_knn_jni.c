/*
 * JNI entry points of dev.cnnviz.core.embedding.NativeKnn. The Java side checks every length and index before it
 * calls; the arrays are pinned (GetPrimitiveArrayCritical) for the call only, a few milliseconds.
 */
#include <jni.h>

int cnnviz_knn_search(const float *queries, const float *raw, int count, int d, const float *panels,
                      const float *offsets, const float *data, int n, int k, const float *slack, int skip_from,
                      int cosine, int *out_idx, float *out_dist, int *status, int isa);
int cnnviz_knn_isa(void);
int cnnviz_knn_self_block(int isa);
void cnnviz_knn_self_start(float *theta, float *best, int *counts, int n, int npad, int k);
int cnnviz_knn_self_pair(const float *apack, const float *panels, const float *offsets, float *theta, float *best,
                         float *keys, int *rows, int *counts, const float *slack, int n, int d, int k, int isa, int I,
                         int J);
int cnnviz_knn_self_answer(const float *data, float *theta, float *best, float *keys, int *rows, int *counts,
                           const float *slack, int d, int k, int cosine, int from, int count, int *out_idx,
                           float *out_dist, int *status);

JNIEXPORT jint JNICALL Java_dev_cnnviz_core_embedding_NativeKnn_cpuIsa(JNIEnv *env, jclass cls) {
    (void) env;
    (void) cls;
    return cnnviz_knn_isa();
}

#define PIN(array) (*env)->GetPrimitiveArrayCritical(env, array, NULL)
#define UNPIN(array, pointer, mode) \
    if (pointer) (*env)->ReleasePrimitiveArrayCritical(env, array, pointer, mode)

JNIEXPORT jint JNICALL Java_dev_cnnviz_core_embedding_NativeKnn_search0(
        JNIEnv *env, jclass cls, jfloatArray queries, jfloatArray raw, jint from, jint count, jint d,
        jfloatArray panels, jfloatArray offsets, jfloatArray data, jint n, jint k, jfloatArray slack, jint skipFrom,
        jboolean cosine, jintArray outIdx, jfloatArray outDist, jintArray status, jint isa) {
    (void) cls;
    jfloat *q = PIN(queries);
    jfloat *w = PIN(raw);
    jfloat *p = PIN(panels);
    jfloat *o = PIN(offsets);
    jfloat *x = PIN(data);
    jfloat *s = PIN(slack);
    jint *oi = PIN(outIdx);
    jfloat *od = PIN(outDist);
    jint *st = PIN(status);
    int result = -2;
    if (q && w && p && o && x && s && oi && od && st) {
        result = cnnviz_knn_search(q + (size_t) from * d, w + (size_t) from * d, count, d, p, o, x, n, k, s + from,
                                   skipFrom < 0 ? -1 : skipFrom + from, cosine, oi, od, st, isa);
    }
    UNPIN(status, st, 0);
    UNPIN(outDist, od, 0);
    UNPIN(outIdx, oi, 0);
    UNPIN(slack, s, JNI_ABORT);
    UNPIN(data, x, JNI_ABORT);
    UNPIN(offsets, o, JNI_ABORT);
    UNPIN(panels, p, JNI_ABORT);
    UNPIN(raw, w, JNI_ABORT);
    UNPIN(queries, q, JNI_ABORT);
    return result;
}

/* 1 if this JVM pins arrays in place for GetPrimitiveArrayCritical (no copy), which the self-search needs: its calls
   on several threads update one set of arrays, in disjoint parts. */
JNIEXPORT jint JNICALL Java_dev_cnnviz_core_embedding_NativeKnn_pinsInPlace0(JNIEnv *env, jclass cls,
                                                                          jfloatArray probe) {
    (void) cls;
    jboolean copy = JNI_TRUE;
    jfloat *p = (*env)->GetPrimitiveArrayCritical(env, probe, &copy);
    if (!p) return 0;
    (*env)->ReleasePrimitiveArrayCritical(env, probe, p, JNI_ABORT);
    return copy ? 0 : 1;
}

JNIEXPORT jint JNICALL Java_dev_cnnviz_core_embedding_NativeKnn_selfBlock0(JNIEnv *env, jclass cls, jint isa) {
    (void) env;
    (void) cls;
    return cnnviz_knn_self_block(isa);
}

JNIEXPORT jint JNICALL Java_dev_cnnviz_core_embedding_NativeKnn_selfStart0(
        JNIEnv *env, jclass cls, jfloatArray theta, jfloatArray best, jintArray counts, jint n, jint npad, jint k) {
    (void) cls;
    jfloat *t = PIN(theta);
    jfloat *b = PIN(best);
    jint *c = PIN(counts);
    int result = -2;
    if (t && b && c) {
        cnnviz_knn_self_start(t, b, c, n, npad, k);
        result = 0;
    }
    UNPIN(counts, c, 0);
    UNPIN(best, b, 0);
    UNPIN(theta, t, 0);
    return result;
}

JNIEXPORT jint JNICALL Java_dev_cnnviz_core_embedding_NativeKnn_selfPair0(
        JNIEnv *env, jclass cls, jfloatArray apack, jfloatArray panels, jfloatArray offsets, jfloatArray theta,
        jfloatArray best, jfloatArray keys, jintArray rows, jintArray counts, jfloatArray slack, jint n, jint d,
        jint k, jint isa, jint bi, jint bj) {
    (void) cls;
    jboolean copies[5] = {JNI_FALSE, JNI_FALSE, JNI_FALSE, JNI_FALSE, JNI_FALSE};
    jfloat *a = PIN(apack);
    jfloat *p = PIN(panels);
    jfloat *o = PIN(offsets);
    jfloat *t = (*env)->GetPrimitiveArrayCritical(env, theta, &copies[0]);
    jfloat *b = (*env)->GetPrimitiveArrayCritical(env, best, &copies[1]);
    jfloat *kk = (*env)->GetPrimitiveArrayCritical(env, keys, &copies[2]);
    jint *r = (*env)->GetPrimitiveArrayCritical(env, rows, &copies[3]);
    jint *c = (*env)->GetPrimitiveArrayCritical(env, counts, &copies[4]);
    jfloat *s = PIN(slack);
    /* The state is shared with the other pairs of the round, on other threads: a copy would lose their updates. */
    int copied = copies[0] || copies[1] || copies[2] || copies[3] || copies[4];
    int mode = copied ? JNI_ABORT : 0;
    int result = -2;
    if (copied) {
        result = -3;
    } else if (a && p && o && t && b && kk && r && c && s) {
        result = cnnviz_knn_self_pair(a, p, o, t, b, kk, r, c, s, n, d, k, isa, bi, bj);
    }
    UNPIN(slack, s, JNI_ABORT);
    UNPIN(counts, c, mode);
    UNPIN(rows, r, mode);
    UNPIN(keys, kk, mode);
    UNPIN(best, b, mode);
    UNPIN(theta, t, mode);
    UNPIN(offsets, o, JNI_ABORT);
    UNPIN(panels, p, JNI_ABORT);
    UNPIN(apack, a, JNI_ABORT);
    return result;
}

JNIEXPORT jint JNICALL Java_dev_cnnviz_core_embedding_NativeKnn_selfAnswer0(
        JNIEnv *env, jclass cls, jfloatArray data, jfloatArray theta, jfloatArray best, jfloatArray keys,
        jintArray rows, jintArray counts, jfloatArray slack, jint d, jint k, jboolean cosine, jint from, jint count,
        jintArray outIdx, jfloatArray outDist, jintArray status) {
    (void) cls;
    jfloat *x = PIN(data);
    jfloat *t = PIN(theta);
    jfloat *b = PIN(best);
    jfloat *kk = PIN(keys);
    jint *r = PIN(rows);
    jint *c = PIN(counts);
    jfloat *s = PIN(slack);
    jint *oi = PIN(outIdx);
    jfloat *od = PIN(outDist);
    jint *st = PIN(status);
    int result = -2;
    if (x && t && b && kk && r && c && s && oi && od && st) {
        result = cnnviz_knn_self_answer(x, t, b, kk, r, c, s, d, k, cosine, from, count, oi, od, st);
    }
    UNPIN(status, st, 0);
    UNPIN(outDist, od, 0);
    UNPIN(outIdx, oi, 0);
    UNPIN(slack, s, JNI_ABORT);
    UNPIN(counts, c, 0);
    UNPIN(rows, r, 0);
    UNPIN(keys, kk, 0);
    UNPIN(best, b, 0);
    UNPIN(theta, t, 0);
    UNPIN(data, x, JNI_ABORT);
    return result;
}
