/*
 * cnnviz's exact k-NN kernel: the products of a block of queries with every data row, computed in registers and
 * compared there with each query's running threshold, so that the N products per query never reach memory; then the
 * few rows kept are re-ranked in double precision. Called from dev.cnnviz.core.embedding.NativeKnn (Java), which
 * checks every argument; this file trusts them.
 *
 * For query i and data row j the float key is  key = offset[j] - q_i . x_j  (L2: offset = ||x||^2/2; cosine: 0 on
 * normalised rows), the dot product summed in float in any order. A row is kept while its key is at most the query's
 * threshold theta_i, which starts at +inf and, with each key kept, becomes
 *     theta_i = min(theta_i, round_up(kth + slack_i)),  kth = the k-th smallest key kept so far;
 * when the buffer of kept rows reaches its limit, the rows above theta_i are dropped. The k-th smallest key kept never
 * falls below the k-th smallest key of all rows, so every row whose key is within slack_i of the final k-th best key
 * is kept: with slack_i at least twice the key's rounding error (ExactKnn.keyError), every row that can be among the
 * k nearest by the double-precision distance. Those rows are re-ranked by that distance, computed bit for bit as
 * Metric.distance does in Java. Padding rows have a NaN offset: an ordered compare never keeps them.
 *
 * The self-search (cnnviz_knn_self_*) computes each product x_i . x_j once, for blocks of rows I <= J, and compares
 * it both with row i's threshold (ranking j) and with row j's (ranking i): half the products of the search.
 *
 * Layout: the data come packed in panels of 32 rows (Java arrays, loaded unaligned), panel p holding d x 32 floats
 * (dimension t, lane l at t*32 + l for row 32p + l). Queries are row-major [count, d]. Kernels: AVX-512 (14 queries x
 * 32 rows, 28 accumulators) and AVX2 + FMA (6 queries x 16 rows, 12 accumulators, twice per panel), chosen by the
 * caller.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <immintrin.h>

#include "cnnviz_knn.h"

#define PANEL 32
#define MR512 14
#define MR256 6
/* Queries per block: the block's packed queries (56 x 512 B for D = 128) and one panel (16 KB) stay in L1 together
   while every panel passes once per block. AVX-512 blocks of 112 queries, which spill to L2, were 10-15% slower. */
#define BLOCK_QUERIES_512 56
#define BLOCK_QUERIES_256 48

typedef struct {
    float *keys;   /* cap keys */
    int *rows;     /* cap rows */
    float *best;   /* the k smallest keys kept so far, ascending, +inf where fewer */
    int count;     /* kept rows, or -1 once overflowed */
    int skip;      /* row never kept, or -1 */
    float *theta;  /* in an array of the thresholds of consecutive queries (the column side reads them as vectors) */
    float slack;
} query_state;

typedef struct {
    int k;
    int limit; /* count at which the kept rows are filtered by theta: cap - 32 (keep512 writes up to 32 values past
                  it). Filtering only when the buffer is full was 4% faster than from 2k + 16 up. */
} select_ctx;

/* The kept keys and rows a query can hold: 2k + 32 rows within its slack of one another after a filter (more is an
   overflow), twice that before the next filter, and the 32 values keep512 writes past the limit. */
static int kept_cap(int k) {
    return 4 * k + 96;
}

/* The floats of a query's k best keys: k, and at least the 16 that offer16 reads and writes. */
static int best_width(int k) {
    return k < 16 ? 16 : k;
}

/* round_up(a + b) to float: the smallest float at least the double sum (+inf if a is). Branch-free. */
static inline float sum_up(float a, float b) {
    double s = (double) a + (double) b;
    float f = (float) s;
    uint32_t bits;
    memcpy(&bits, &f, sizeof bits);
    /* The next float up: one more ulp away from zero if positive, one less if negative; -0 and +0 to the smallest
       positive. Not taken for +inf or NaN (never below s). */
    uint32_t up = (bits & 0x7fffffffu) == 0 ? 1u : ((int32_t) bits < 0 ? bits - 1 : bits + 1);
    bits = (double) f < s ? up : bits;
    memcpy(&f, &bits, sizeof f);
    return f;
}

/* Inserts a kept key into the k smallest so far (ascending, +inf where none yet), dropping the largest, with no
   branch: new[i] = min(best[i], max(best[i-1], key)). Then theta = min(theta, round_up(best[k-1] + slack)). */
static inline void offer(query_state *q, int k, float key) {
    float *h = q->best;
    for (int i = k - 1; i > 0; i--) {
        float lower = h[i - 1] > key ? h[i - 1] : key;
        h[i] = h[i] < lower ? h[i] : lower;
    }
    h[0] = h[0] < key ? h[0] : key;
    float t = sum_up(h[k - 1], q->slack);
    *q->theta = t < *q->theta ? t : *q->theta;
}

/* Drops the kept rows whose key is now above theta. */
static void filter(query_state *q) {
    int w = 0;
    for (int r = 0; r < q->count; r++) {
        if (q->keys[r] <= *q->theta) {
            q->keys[w] = q->keys[r];
            q->rows[w++] = q->rows[r];
        }
    }
    q->count = w;
}

/* Called when the kept rows reach the limit: filters them. 0 if the query overflowed, more than half the limit staying
   (that many rows within slack of each other: the caller answers the query another way). */
static int make_room(query_state *q, const select_ctx *ctx) {
    filter(q);
    if (q->count > ctx->limit / 2) {
        q->count = -1;
        *q->theta = -INFINITY;
        return 0;
    }
    return 1;
}

/* Appends one row if its key passes the threshold (and it is not the query's own): 1 if appended, for the caller to
   offer the key to the k best. */
static inline int append_one(query_state *q, const select_ctx *ctx, float key, int row) {
    if (q->count < 0 || row == q->skip || !(key <= *q->theta)) return 0;
    if (q->count >= ctx->limit && !make_room(q, ctx)) return 0;
    q->keys[q->count] = key;
    q->rows[q->count++] = row;
    return 1;
}

/* Keeps one row if its key passes the threshold (and it is not the query's own). */
static void keep_one(query_state *q, const select_ctx *ctx, float key, int row) {
    if (append_one(q, ctx, key, row)) offer(q, ctx->k, key);
}

/* Keeps the rows whose bit is set in mask (bit l: key[l], row base + l), one by one (the AVX2 kernel's, for 16 rows
   at a time; keep512 is the AVX-512 one). */
static void keep(query_state *q, const select_ctx *ctx, uint32_t mask, const float *key, int base) {
    while (mask && q->count >= 0) {
        int l = __builtin_ctz(mask);
        mask &= mask - 1;
        keep_one(q, ctx, key[l], base + l);
    }
}

/* Inserts key into the 16 smallest so far, ascending in one AVX-512 register, as offer does: new[i] = min(v[i],
   max(v[i-1], key)), v[-1] = -inf (lane 15's value drops out). Three instructions on the dependency chain. */
__attribute__((target("avx512f")))
static inline __m512 insert16(__m512 v, float key) {
    const __m512i below = _mm512_set_epi32(14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 16);
    __m512 lower = _mm512_permutex2var_ps(v, below, _mm512_set1_ps(-INFINITY));
    return _mm512_min_ps(v, _mm512_max_ps(lower, _mm512_set1_ps(key)));
}

/* offer for k <= 16, best padded to 16 floats (lanes k..15 only ever receive values from below and are never read),
   for the keys keys[0 .. m): the k best stay in a register from one key to the next, and theta is updated once. */
__attribute__((target("avx512f")))
static inline void offer16(query_state *q, int k, const float *keys, int m) {
    __m512 v = _mm512_loadu_ps(q->best);
    for (int r = 0; r < m; r++) v = insert16(v, keys[r]);
    _mm512_storeu_ps(q->best, v);
    float kth = _mm_cvtss_f32(_mm512_castps512_ps128(_mm512_permutexvar_ps(_mm512_set1_epi32(k - 1), v)));
    float t = sum_up(kth, q->slack);
    *q->theta = t < *q->theta ? t : *q->theta;
}

/* The AVX-512 keep: the rows whose bit is set in m0 (keys k0, rows base..base+15) and m1 (keys k1, rows
   base+16..base+31) are appended with two compressions each, no branch per row, then offered to the k best. Writes
   16 values past each append (hence the limit cap - 32). */
__attribute__((target("avx512f"), noinline))
static void keep512(query_state *q, const select_ctx *ctx, __mmask16 m0, __mmask16 m1, __m512 k0, __m512 k1,
                    int base) {
    if (q->count < 0) return;
    unsigned sk = (unsigned) (q->skip - base);
    if (sk < 16) m0 &= (__mmask16) ~(1u << sk);
    else if (sk < 32) m1 &= (__mmask16) ~(1u << (sk - 16));
    if (!(m0 | m1)) return;
    if (q->count >= ctx->limit && !make_room(q, ctx)) return;
    const __m512i iota = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    int from = q->count;
    int at = from;
    _mm512_storeu_ps(q->keys + at, _mm512_maskz_compress_ps(m0, k0));
    _mm512_storeu_si512(q->rows + at, _mm512_maskz_compress_epi32(m0, _mm512_add_epi32(iota, _mm512_set1_epi32(base))));
    at += __builtin_popcount(m0);
    _mm512_storeu_ps(q->keys + at, _mm512_maskz_compress_ps(m1, k1));
    _mm512_storeu_si512(q->rows + at,
                        _mm512_maskz_compress_epi32(m1, _mm512_add_epi32(iota, _mm512_set1_epi32(base + 16))));
    at += __builtin_popcount(m1);
    q->count = at;
    int k = ctx->k;
    if (k <= 16) {
        offer16(q, k, q->keys + from, at - from);
    } else {
        for (int r = from; r < at; r++) offer(q, k, q->keys[r]);
    }
}

/* keep_one with the AVX-512 offer16 (the column side of the self-search: each key goes to another query). */
__attribute__((target("avx512f")))
static void keep_one512(query_state *q, const select_ctx *ctx, float key, int row) {
    if (!append_one(q, ctx, key, row)) return;
    if (ctx->k <= 16) offer16(q, ctx->k, &key, 1);
    else offer(q, ctx->k, key);
}

/*
 * The column side of a tile in the self-search: the tile's products q_i . x_j also rank row i for query j (the
 * product is symmetric), with the key offset[i] - q_i . x_j against query j's threshold. Set for tiles of two
 * different blocks of the self-search, NULL otherwise.
 */
typedef struct {
    query_state *qs;       /* the panel's 32 rows as queries (lane l: row base + l) */
    const float *theta;    /* their thresholds, consecutive (NaN past the last row: never passed) */
    const float *row_off;  /* offset[i] of the tile's query rows */
    int row_base;          /* the tile's first query row */
} column_side;

/* Copies queries [rows, d] into tiles of mr: tile s holds dimension t of its queries at s*d*mr + t*mr + i, zeros for
   missing queries. */
static void pack_queries(const float *queries, int rows, int d, int mr, float *out) {
    int tiles = (rows + mr - 1) / mr;
    memset(out, 0, (size_t) tiles * d * mr * sizeof(float));
    for (int r = 0; r < rows; r++) {
        float *tile = out + (size_t) (r / mr) * d * mr + r % mr;
        const float *q = queries + (size_t) r * d;
        for (int t = 0; t < d; t++) tile[t * mr] = q[t];
    }
}

__attribute__((target("avx512f")))
static void tile512(const float *a, const float *b, int d, const float *off, query_state *qs, int valid,
                    const select_ctx *ctx, int base, const column_side *col) {
    __m512 c[MR512][2];
#pragma GCC unroll 14
    for (int i = 0; i < MR512; i++) {
        c[i][0] = _mm512_setzero_ps();
        c[i][1] = _mm512_setzero_ps();
    }
    for (int t = 0; t < d; t++) {
        __m512 b0 = _mm512_loadu_ps(b + t * PANEL);
        __m512 b1 = _mm512_loadu_ps(b + t * PANEL + 16);
        const float *at = a + t * MR512;
#pragma GCC unroll 14
        for (int i = 0; i < MR512; i++) {
            __m512 av = _mm512_set1_ps(at[i]);
            c[i][0] = _mm512_fmadd_ps(av, b0, c[i][0]);
            c[i][1] = _mm512_fmadd_ps(av, b1, c[i][1]);
        }
    }
    __m512 o0 = _mm512_loadu_ps(off), o1 = _mm512_loadu_ps(off + 16);
    __m512 ct0 = _mm512_setzero_ps(), ct1 = _mm512_setzero_ps();
    if (col) {
        ct0 = _mm512_loadu_ps(col->theta);
        ct1 = _mm512_loadu_ps(col->theta + 16);
    }
#pragma GCC unroll 14
    for (int i = 0; i < MR512; i++) {
        if (i < valid) {
            __m512 k0 = _mm512_sub_ps(o0, c[i][0]);
            __m512 k1 = _mm512_sub_ps(o1, c[i][1]);
            __m512 th = _mm512_set1_ps(*qs[i].theta);
            __mmask16 m0 = _mm512_cmp_ps_mask(k0, th, _CMP_LE_OQ);
            __mmask16 m1 = _mm512_cmp_ps_mask(k1, th, _CMP_LE_OQ);
            if (__builtin_expect((m0 | m1) != 0, 0)) keep512(&qs[i], ctx, m0, m1, k0, k1, base);
            if (col) {
                __m512 ro = _mm512_set1_ps(col->row_off[i]);
                __m512 q0 = _mm512_sub_ps(ro, c[i][0]);
                __m512 q1 = _mm512_sub_ps(ro, c[i][1]);
                uint32_t m = (uint32_t) _mm512_cmp_ps_mask(q0, ct0, _CMP_LE_OQ)
                             | (uint32_t) _mm512_cmp_ps_mask(q1, ct1, _CMP_LE_OQ) << 16;
                if (__builtin_expect(m != 0, 0)) {
                    float key[PANEL] __attribute__((aligned(64)));
                    _mm512_store_ps(key, q0);
                    _mm512_store_ps(key + 16, q1);
                    while (m) {
                        int l = __builtin_ctz(m);
                        m &= m - 1;
                        keep_one512(&col->qs[l], ctx, key[l], col->row_base + i);
                    }
                    ct0 = _mm512_loadu_ps(col->theta);
                    ct1 = _mm512_loadu_ps(col->theta + 16);
                }
            }
        }
    }
}

__attribute__((target("avx2,fma")))
static void tile256(const float *a, const float *b, int d, const float *off, query_state *qs, int valid,
                    const select_ctx *ctx, int base, const column_side *col) {
    /* The panel's two 16-row halves one after the other, each with its own 12 accumulators (the 16 ymm registers
       hold no more), its keys checked before the next half. */
    for (int h = 0; h < 2; h++) {
        __m256 c[MR256][2];
#pragma GCC unroll 6
        for (int i = 0; i < MR256; i++) {
            c[i][0] = _mm256_setzero_ps();
            c[i][1] = _mm256_setzero_ps();
        }
        const float *bh = b + h * 16;
        for (int t = 0; t < d; t++) {
            __m256 b0 = _mm256_loadu_ps(bh + t * PANEL);
            __m256 b1 = _mm256_loadu_ps(bh + t * PANEL + 8);
            const float *at = a + t * MR256;
#pragma GCC unroll 6
            for (int i = 0; i < MR256; i++) {
                __m256 av = _mm256_broadcast_ss(at + i);
                c[i][0] = _mm256_fmadd_ps(av, b0, c[i][0]);
                c[i][1] = _mm256_fmadd_ps(av, b1, c[i][1]);
            }
        }
        __m256 o0 = _mm256_loadu_ps(off + h * 16), o1 = _mm256_loadu_ps(off + h * 16 + 8);
        /* Unrolled with constant indices, so that the accumulators stay in registers (a loop to valid would keep
           them in memory, stored at every step of the product). */
#pragma GCC unroll 6
        for (int i = 0; i < MR256; i++) {
            if (i >= valid) break;
            __m256 th = _mm256_set1_ps(*qs[i].theta);
            __m256 k0 = _mm256_sub_ps(o0, c[i][0]);
            __m256 k1 = _mm256_sub_ps(o1, c[i][1]);
            uint32_t m = (uint32_t) _mm256_movemask_ps(_mm256_cmp_ps(k0, th, _CMP_LE_OQ))
                         | (uint32_t) _mm256_movemask_ps(_mm256_cmp_ps(k1, th, _CMP_LE_OQ)) << 8;
            if (__builtin_expect(m != 0, 0)) {
                float key[16] __attribute__((aligned(32)));
                _mm256_store_ps(key, k0);
                _mm256_store_ps(key + 8, k1);
                keep(&qs[i], ctx, m, key, base + h * 16);
            }
            if (col) {
                __m256 ro = _mm256_set1_ps(col->row_off[i]);
                __m256 q0 = _mm256_sub_ps(ro, c[i][0]);
                __m256 q1 = _mm256_sub_ps(ro, c[i][1]);
                uint32_t mc = (uint32_t) _mm256_movemask_ps(
                                      _mm256_cmp_ps(q0, _mm256_loadu_ps(col->theta + h * 16), _CMP_LE_OQ))
                              | (uint32_t) _mm256_movemask_ps(
                                      _mm256_cmp_ps(q1, _mm256_loadu_ps(col->theta + h * 16 + 8), _CMP_LE_OQ)) << 8;
                if (__builtin_expect(mc != 0, 0)) {
                    float key[16] __attribute__((aligned(32)));
                    _mm256_store_ps(key, q0);
                    _mm256_store_ps(key + 8, q1);
                    while (mc) {
                        int l = __builtin_ctz(mc);
                        mc &= mc - 1;
                        keep_one(&col->qs[h * 16 + l], ctx, key[l], col->row_base + i);
                    }
                }
            }
        }
    }
}

/*
 * The re-ranking: the distance of a query and a data row in double precision, bit for bit as Metric.distance computes
 * it in Java (four interleaved partial sums, element i into sum i % 4, the last d % 4 elements into sum 0, then
 * (s0 + s1) + (s2 + s3); the four sums are the lanes of one vector, and no multiply-add is fused: -ffp-contract=off).
 */
__attribute__((target("avx2")))
static double distance_l2(const float *a, const float *b, int d) {
    int end4 = d & ~3;
    __m256d s = _mm256_setzero_pd();
    for (int i = 0; i < end4; i += 4) {
        __m256d x = _mm256_sub_pd(_mm256_cvtps_pd(_mm_loadu_ps(a + i)), _mm256_cvtps_pd(_mm_loadu_ps(b + i)));
        s = _mm256_add_pd(s, _mm256_mul_pd(x, x));
    }
    double v[4];
    _mm256_storeu_pd(v, s);
    for (int i = end4; i < d; i++) {
        double x = (double) a[i] - (double) b[i];
        v[0] += x * x;
    }
    return sqrt((v[0] + v[1]) + (v[2] + v[3]));
}

__attribute__((target("avx2")))
static double distance_cosine(const float *a, const float *b, int d) {
    int end4 = d & ~3;
    __m256d dot = _mm256_setzero_pd(), na = _mm256_setzero_pd(), nb = _mm256_setzero_pd();
    for (int i = 0; i < end4; i += 4) {
        __m256d x = _mm256_cvtps_pd(_mm_loadu_ps(a + i));
        __m256d y = _mm256_cvtps_pd(_mm_loadu_ps(b + i));
        dot = _mm256_add_pd(dot, _mm256_mul_pd(x, y));
        na = _mm256_add_pd(na, _mm256_mul_pd(x, x));
        nb = _mm256_add_pd(nb, _mm256_mul_pd(y, y));
    }
    double vd[4], va[4], vb[4];
    _mm256_storeu_pd(vd, dot);
    _mm256_storeu_pd(va, na);
    _mm256_storeu_pd(vb, nb);
    for (int i = end4; i < d; i++) {
        double x = a[i], y = b[i];
        vd[0] += x * y;
        va[0] += x * x;
        vb[0] += y * y;
    }
    double sa = (va[0] + va[1]) + (va[2] + va[3]);
    double sb = (vb[0] + vb[1]) + (vb[2] + vb[3]);
    if (sa == 0 || sb == 0) return 1;
    return 1 - ((vd[0] + vd[1]) + (vd[2] + vd[3])) / sqrt(sa * sb);
}

/*
 * A query's k nearest among its m >= k kept rows by their double distances, ties to the smaller row, nearest first
 * (insertion into a sorted array of k: m is about k). Every row that can be among the k nearest is kept (the top of
 * this file), so this is the exact answer by those distances.
 */
static void rerank(const float *query, const float *data, int d, int cosine, const int *rows, int m, int k,
                   int *out_idx, float *out_dist, double *best) {
    int size = 0;
    for (int c = 0; c < m; c++) {
        int j = rows[c];
        const float *x = data + (size_t) j * d;
        double v = cosine ? distance_cosine(query, x, d) : distance_l2(query, x, d);
        if (size == k && !(v < best[k - 1] || (v == best[k - 1] && j < out_idx[k - 1]))) continue;
        int at = size < k ? size++ : k - 1;
        while (at > 0 && (best[at - 1] > v || (best[at - 1] == v && out_idx[at - 1] > j))) {
            best[at] = best[at - 1];
            out_idx[at] = out_idx[at - 1];
            at--;
        }
        best[at] = v;
        out_idx[at] = j;
    }
    for (int t = 0; t < k; t++) out_dist[t] = (float) best[t];
}

/* A query's starting state: nothing kept, threshold +inf. */
static void start(query_state *q, float *keys, int *rows, float *best, int width, float *theta, int skip,
                  float slack) {
    q->keys = keys;
    q->rows = rows;
    q->best = best;
    for (int i = 0; i < width; i++) best[i] = INFINITY;
    q->count = 0;
    q->skip = skip;
    q->theta = theta;
    *theta = INFINITY;
    q->slack = slack;
}

/*
 * The answers of queries whose scan is over: the kept rows above the final threshold dropped, their data rows asked
 * for (they are scattered over the data, which the panels have pushed out of the near caches: all their cache lines
 * at once, so that they arrive together rather than one row after another), then re-ranked. qs[r] is query first + r.
 */
static void answer(query_state *qs, int count, int first, const float *raw, const float *data, int d, int k,
                   int cosine, int *out_idx, float *out_dist, int *status, double *best) {
    for (int r = 0; r < count; r++) {
        query_state *q = &qs[r];
        if (q->count >= 0) filter(q);
        for (int c = 0; c < q->count; c++) {
            const char *row = (const char *) (data + (size_t) q->rows[c] * d);
            for (size_t at = 0; at < (size_t) d * sizeof(float); at += 64) _mm_prefetch(row + at, _MM_HINT_T0);
            _mm_prefetch(row + (size_t) d * sizeof(float) - 1, _MM_HINT_T0);
        }
    }
    for (int r = 0; r < count; r++) {
        query_state *q = &qs[r];
        if (q->count < k) { /* overflowed (-1); fewer than k cannot happen, and is answered the other way too */
            status[r] = -1;
            continue;
        }
        status[r] = 0;
        rerank(raw + (size_t) (first + r) * d, data, d, cosine, q->rows, q->count, k, out_idx + (size_t) r * k,
               out_dist + (size_t) r * k, best);
    }
}

/*
 * The k nearest data rows of queries [count, d], exactly (see the top of this file). queries: as multiplied (L2: the
 * queries; cosine: normalised); raw: the queries as given, for the distances; data: the data rows as given, row-major
 * [n, d]; panels and offsets: the data packed (panels of 32, offsets NaN-padded); slack[i] >= twice query i's largest
 * key error. skip_from: query i never takes row skip_from + i, or -1. Query i's neighbours go to out_idx and out_dist
 * from i * k, and status[i] is 0, or -1 if more than (cap - 32) / 2 rows stayed within its slack of each other
 * (many equal points; cap = kept_cap(k)): then the caller answers it another way. isa: 2 AVX-512, 1 AVX2. Returns 0, or -1
 * if out of memory.
 */
int cnnviz_knn_search(const float *queries, const float *raw, int count, int d, const float *panels,
                      const float *offsets, const float *data, int n, int k, const float *slack, int skip_from,
                      int cosine, int *out_idx, float *out_dist, int *status, int isa) {
    int mr = isa == 2 ? MR512 : MR256;
    int block = isa == 2 ? BLOCK_QUERIES_512 : BLOCK_QUERIES_256; /* whole tiles: 4 of 14, 8 of 6 */
    int npanels = (n + PANEL - 1) / PANEL;
    int cap = kept_cap(k);
    int width = best_width(k);
    float *packed = aligned_alloc(64, ((size_t) block * d * sizeof(float) + 63) / 64 * 64);
    query_state *qs = malloc((size_t) block * sizeof(query_state));
    float *heaps = malloc((size_t) block * width * sizeof(float));
    float *theta = malloc((size_t) block * sizeof(float));
    float *keys = malloc((size_t) block * cap * sizeof(float));
    int *rows = malloc((size_t) block * cap * sizeof(int));
    double *best = malloc((size_t) k * sizeof(double));
    select_ctx ctx = {k, cap - 32};
    int result = 0;
    if (!packed || !qs || !heaps || !theta || !keys || !rows || !best) {
        result = -1;
        goto done;
    }
    for (int from = 0; from < count; from += block) {
        int here = count - from < block ? count - from : block;
        pack_queries(queries + (size_t) from * d, here, d, mr, packed);
        for (int r = 0; r < here; r++) {
            start(&qs[r], keys + (size_t) r * cap, rows + (size_t) r * cap, heaps + (size_t) r * width, width,
                  theta + r, skip_from < 0 ? -1 : skip_from + from + r, slack[from + r]);
        }
        int tiles = (here + mr - 1) / mr;
        for (int p = 0; p < npanels; p++) {
            const float *panel = panels + (size_t) p * d * PANEL;
            const float *off = offsets + (size_t) p * PANEL;
            for (int s = 0; s < tiles; s++) {
                int valid = here - s * mr < mr ? here - s * mr : mr;
                const float *a = packed + (size_t) s * d * mr;
                if (isa == 2) tile512(a, panel, d, off, qs + s * mr, valid, &ctx, p * PANEL, NULL);
                else tile256(a, panel, d, off, qs + s * mr, valid, &ctx, p * PANEL, NULL);
            }
        }
        answer(qs, here, from, raw, data, d, k, cosine, out_idx + (size_t) from * k, out_dist + (size_t) from * k,
               status + from, best);
    }
done:
    free(packed);
    free(qs);
    free(heaps);
    free(theta);
    free(keys);
    free(rows);
    free(best);
    return result;
}

/*
 * The self-search's state, in the caller's arrays (so that it lives across calls): per row i of the data, its
 * threshold theta[i] (npad = whole panels of rows), its k best keys best[i * width ..] (width = best_width(k)), its
 * kept keys and rows from i * cap (cap = kept_cap(k); cnnviz_knn_row_state gives both) and their count in
 * counts[i]. The caller starts it: theta +inf (NaN past n), best +inf, counts 0. cnnviz_knn_self_pair scans one pair
 * of blocks of rows; cnnviz_knn_self_answer answers rows once every pair is done. Each product q_i . x_j is computed
 * once, for i in block I and j in block J >= I, and ranks j for i (the row side) and i for j (the column side); a
 * pair (I, I) is a whole block against itself, row side only. Pairs that share no block may run at the same time;
 * the caller schedules them so (BlockPairs).
 */

/* The states of rows [from, to) as query_states (the counts copied in; put back by self_store). */
static void self_load(query_state *qs, int from, int to, float *theta, float *best, float *keys, int *rows,
                      int *counts, const float *slack, int k) {
    int width = best_width(k);
    int cap = kept_cap(k);
    for (int i = from; i < to; i++) {
        query_state *q = &qs[i - from];
        q->keys = keys + (size_t) i * cap;
        q->rows = rows + (size_t) i * cap;
        q->best = best + (size_t) i * width;
        q->count = counts[i];
        q->skip = i;
        q->theta = theta + i;
        q->slack = slack[i];
    }
}

static void self_store(const query_state *qs, int from, int to, int *counts) {
    for (int i = from; i < to; i++) counts[i] = qs[i - from].count;
}

/* The self-search's rows per block: whole tiles and whole panels (224 = 16 tiles of 14 = 7 panels; 96 = 16 tiles of
   6 = 3 panels). */
static int self_block(int isa) {
    return isa == 2 ? 224 : 96;
}

/* The layout the caller packs for and blocks by, for the kernel isa: out = {queries per tile, queries per block of
   cnnviz_knn_search, rows per block of the self-search}. */
void cnnviz_knn_layout(int isa, int *out) {
    out[0] = isa == 2 ? MR512 : MR256;
    out[1] = isa == 2 ? BLOCK_QUERIES_512 : BLOCK_QUERIES_256;
    out[2] = self_block(isa);
}

/* The self-search's state per row, for the caller that holds it: out = {kept keys and rows, floats of the best keys}. */
void cnnviz_knn_row_state(int k, int *out) {
    out[0] = kept_cap(k);
    out[1] = best_width(k);
}

/*
 * Scans the pair of blocks (I, J), I <= J (the self-search's state above). apack: the data rows as multiplied
 * (cosine: normalised), packed in tiles of the kernel's mr queries (tile s holds dimension t of rows s*mr + i at
 * s*d*mr + t*mr + i, zeros past n); panels and offsets as for cnnviz_knn_search. Returns 0, or -1 if out of memory.
 */
int cnnviz_knn_self_pair(const float *apack, const float *panels, const float *offsets, float *theta, float *best,
                         float *keys, int *rows, int *counts, const float *slack, int n, int d, int k, int isa, int I,
                         int J) {
    int mr = isa == 2 ? MR512 : MR256;
    int bq = self_block(isa);
    int cap = kept_cap(k);
    int i0 = I * bq, i1 = i0 + bq < n ? i0 + bq : n;
    int j0 = J * bq, j1 = j0 + bq < n ? j0 + bq : n;
    query_state *qi = malloc((size_t) 2 * bq * sizeof(query_state));
    if (!qi) return -1;
    query_state *qj = qi + bq;
    select_ctx ctx = {k, cap - 32};
    self_load(qi, i0, i1, theta, best, keys, rows, counts, slack, k);
    if (I != J) self_load(qj, j0, j1, theta, best, keys, rows, counts, slack, k);
    int tiles = (i1 - i0 + mr - 1) / mr;
    int p0 = j0 / PANEL, p1 = (j1 + PANEL - 1) / PANEL;
    /* Groups of 4 tiles of I (their packed rows and one panel stay in L1) against every panel of J. */
    for (int g = 0; g < tiles; g += 4) {
        int gend = g + 4 < tiles ? g + 4 : tiles;
        for (int p = p0; p < p1; p++) {
            const float *panel = panels + (size_t) p * d * PANEL;
            const float *off = offsets + (size_t) p * PANEL;
            for (int s = g; s < gend; s++) {
                int row = i0 + s * mr;
                int valid = i1 - row < mr ? i1 - row : mr;
                const float *a = apack + (size_t) (row / mr) * d * mr;
                column_side col = {qj + (p * PANEL - j0), theta + p * PANEL, offsets + row, row};
                const column_side *cs = I != J ? &col : NULL;
                if (isa == 2) tile512(a, panel, d, off, qi + s * mr, valid, &ctx, p * PANEL, cs);
                else tile256(a, panel, d, off, qi + s * mr, valid, &ctx, p * PANEL, cs);
            }
        }
    }
    self_store(qi, i0, i1, counts);
    if (I != J) self_store(qj, j0, j1, counts);
    free(qi);
    return 0;
}

/*
 * Answers rows [from, from + count) of the self-search once every pair is done, as cnnviz_knn_search answers its
 * queries (raw = data: the rows as given). Returns 0, or -1 if out of memory.
 */
int cnnviz_knn_self_answer(const float *data, float *theta, float *best, float *keys, int *rows, int *counts,
                           const float *slack, int d, int k, int cosine, int from, int count, int *out_idx,
                           float *out_dist, int *status) {
    query_state *qs = malloc((size_t) (count > 0 ? count : 1) * sizeof(query_state));
    double *top = malloc((size_t) k * sizeof(double));
    if (!qs || !top) {
        free(qs);
        free(top);
        return -1;
    }
    self_load(qs, from, from + count, theta, best, keys, rows, counts, slack, k);
    answer(qs, count, from, data, data, d, k, cosine, out_idx, out_dist, status, top);
    free(qs);
    free(top);
    return 0;
}

/* 2 if this CPU runs the AVX-512 kernel, 1 the AVX2 one, 0 neither. */
int cnnviz_knn_isa(void) {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return 2;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return 1;
    return 0;
}
