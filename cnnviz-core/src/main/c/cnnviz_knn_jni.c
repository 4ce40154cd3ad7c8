/*
 * JNI entry points of dev.cnnviz.core.embedding.NativeKnn. The Java side checks every length and index before it
 * calls; the arrays are pinned (GetPrimitiveArrayCritical) for the call only, a few milliseconds.
 */
#include <jni.h>

#include "cnnviz_knn.h"

/* One array to pin: the array, JNI_ABORT for an input (nothing to write back) or 0 for an output; at and copied are
   set by pin_all. */
typedef struct {
    jarray array;
    jint mode;
    void *at;
    jboolean copied;
} pin;

#define IN(array) {(array), JNI_ABORT, NULL, JNI_FALSE}
#define OUT(array) {(array), 0, NULL, JNI_FALSE}
#define PINS(p) (int) (sizeof(p) / sizeof((p)[0]))

/* Pins every array in turn; 0 if one could not be pinned (the caller still calls unpin_all). */
static int pin_all(JNIEnv *env, pin *p, int n) {
    for (int i = 0; i < n; i++) {
        p[i].at = (*env)->GetPrimitiveArrayCritical(env, p[i].array, &p[i].copied);
        if (!p[i].at) return 0;
    }
    return 1;
}

/* Releases the pinned arrays in the reverse order, writing back the outputs unless abort is set. */
static void unpin_all(JNIEnv *env, pin *p, int n, int abort) {
    for (int i = n - 1; i >= 0; i--) {
        if (p[i].at) (*env)->ReleasePrimitiveArrayCritical(env, p[i].array, p[i].at, abort ? JNI_ABORT : p[i].mode);
    }
}

JNIEXPORT jint JNICALL Java_dev_cnnviz_core_embedding_NativeKnn_cpuIsa(JNIEnv *env, jclass cls) {
    (void) env;
    (void) cls;
    return cnnviz_knn_isa();
}

JNIEXPORT jint JNICALL Java_dev_cnnviz_core_embedding_NativeKnn_search0(
        JNIEnv *env, jclass cls, jfloatArray queries, jfloatArray raw, jint from, jint count, jint d,
        jfloatArray panels, jfloatArray offsets, jfloatArray data, jint n, jint k, jfloatArray slack, jint skipFrom,
        jboolean cosine, jintArray outIdx, jfloatArray outDist, jintArray status, jint isa) {
    (void) cls;
    pin p[] = {IN(queries), IN(raw), IN(panels), IN(offsets), IN(data), IN(slack), OUT(outIdx), OUT(outDist),
               OUT(status)};
    int result = -2;
    if (pin_all(env, p, PINS(p))) {
        result = cnnviz_knn_search((float *) p[0].at + (size_t) from * d, (float *) p[1].at + (size_t) from * d,
                                   count, d, p[2].at, p[3].at, p[4].at, n, k, (float *) p[5].at + from,
                                   skipFrom < 0 ? -1 : skipFrom + from, cosine, p[6].at, p[7].at, p[8].at, isa);
    }
    unpin_all(env, p, PINS(p), 0);
    return result;
}

/* 1 if this JVM pins arrays in place for GetPrimitiveArrayCritical (no copy), which the self-search needs: its calls
   on several threads update one set of arrays, in disjoint parts. */
JNIEXPORT jint JNICALL Java_dev_cnnviz_core_embedding_NativeKnn_pinsInPlace0(JNIEnv *env, jclass cls,
                                                                          jfloatArray probe) {
    (void) cls;
    pin p[] = {IN(probe)};
    int ok = pin_all(env, p, 1) && !p[0].copied;
    unpin_all(env, p, 1, 1);
    return ok;
}

JNIEXPORT void JNICALL Java_dev_cnnviz_core_embedding_NativeKnn_layout0(JNIEnv *env, jclass cls, jint isa,
                                                                      jintArray out) {
    (void) cls;
    jint layout[3];
    int values[3];
    cnnviz_knn_layout(isa, values);
    for (int i = 0; i < 3; i++) layout[i] = values[i];
    (*env)->SetIntArrayRegion(env, out, 0, 3, layout);
}

JNIEXPORT void JNICALL Java_dev_cnnviz_core_embedding_NativeKnn_rowState0(JNIEnv *env, jclass cls, jint k,
                                                                        jintArray out) {
    (void) cls;
    int values[2];
    cnnviz_knn_row_state(k, values);
    jint state[2] = {values[0], values[1]};
    (*env)->SetIntArrayRegion(env, out, 0, 2, state);
}

JNIEXPORT jint JNICALL Java_dev_cnnviz_core_embedding_NativeKnn_selfPair0(
        JNIEnv *env, jclass cls, jfloatArray apack, jfloatArray panels, jfloatArray offsets, jfloatArray theta,
        jfloatArray best, jfloatArray keys, jintArray rows, jintArray counts, jfloatArray slack, jint n, jint d,
        jint k, jint isa, jint bi, jint bj) {
    (void) cls;
    pin p[] = {IN(apack), IN(panels), IN(offsets), OUT(theta), OUT(best), OUT(keys), OUT(rows), OUT(counts),
               IN(slack)};
    int result = -2;
    int copied = 0;
    if (pin_all(env, p, PINS(p))) {
        /* The state (theta .. counts) is shared with the pairs running on other threads: a copy would lose their
           updates, so nothing is written back then. */
        for (int i = 3; i <= 7; i++) copied |= p[i].copied;
        result = copied ? -3
                        : cnnviz_knn_self_pair(p[0].at, p[1].at, p[2].at, p[3].at, p[4].at, p[5].at, p[6].at, p[7].at,
                                               p[8].at, n, d, k, isa, bi, bj);
    }
    unpin_all(env, p, PINS(p), copied);
    return result;
}

JNIEXPORT jint JNICALL Java_dev_cnnviz_core_embedding_NativeKnn_selfAnswer0(
        JNIEnv *env, jclass cls, jfloatArray data, jfloatArray theta, jfloatArray best, jfloatArray keys,
        jintArray rows, jintArray counts, jfloatArray slack, jint d, jint k, jboolean cosine, jint from, jint count,
        jintArray outIdx, jfloatArray outDist, jintArray status) {
    (void) cls;
    pin p[] = {IN(data), OUT(theta), OUT(best), OUT(keys), OUT(rows), OUT(counts), IN(slack), OUT(outIdx),
               OUT(outDist), OUT(status)};
    int result = -2;
    if (pin_all(env, p, PINS(p))) {
        result = cnnviz_knn_self_answer(p[0].at, p[1].at, p[2].at, p[3].at, p[4].at, p[5].at, p[6].at, d, k, cosine,
                                        from, count, p[7].at, p[8].at, p[9].at);
    }
    unpin_all(env, p, PINS(p), 0);
    return result;
}
