/* latency: the time from a report's arrival at ingest to its totals at the
 * sink, kept two ways: the last FP_LAT_RING samples for exact quantiles
 * (p50, p99 in status and the benchmark), and cumulative buckets for a
 * Prometheus histogram, which never forget. */
#ifndef FP_LATENCY_H
#define FP_LATENCY_H

#include <stddef.h>
#include <stdint.h>

#define FP_LAT_RING 8192
#define FP_LAT_NBUCKETS 14

/* Upper bounds of the buckets, in milliseconds (a last +Inf bucket is implied). */
extern const double fp_lat_bounds[FP_LAT_NBUCKETS];

typedef struct {
    uint32_t ring[FP_LAT_RING]; /* ms */
    size_t head, n;             /* n = samples in the ring (<= FP_LAT_RING) */
    uint64_t count, sum_ms;
    uint64_t buckets[FP_LAT_NBUCKETS + 1]; /* per bucket, not cumulative; last = above every bound */
} fp_latency;

/* Records one sample. */
void fp_lat_observe(fp_latency *l, uint64_t ms);
/* The q-quantile (0..1) of the samples in the ring, nearest-rank; 0 when empty (or out of memory). */
uint64_t fp_lat_quantile(const fp_latency *l, double q);

#endif
