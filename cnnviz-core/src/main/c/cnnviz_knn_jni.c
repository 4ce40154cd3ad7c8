/*
 * JNI entry points of dev.cnnviz.core.embedding.NativeKnn. The Java side checks every length and index before it
 * calls; the arrays are pinned (GetPrimitiveArrayCritical) for the call only, a few milliseconds.
 */
#include <jni.h>

int cnnviz_knn_search(const float *queries, const float *raw, int count, int d, const float *panels,
                      const float *offsets, const float *data, int n, int k, const float *slack, int skip_from,
                      int cosine, int *out_idx, float *out_dist, int *status, int isa);
int cnnviz_knn_isa(void);

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
