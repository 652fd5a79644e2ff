#include "latency.h"

#include <stdlib.h>
#include <string.h>

const double fp_lat_bounds[FP_LAT_NBUCKETS] = {5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000};

void fp_lat_observe(fp_latency *l, uint64_t ms)
{
    uint32_t v = ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms;
    l->ring[l->head] = v;
    l->head = (l->head + 1) % FP_LAT_RING;
    if (l->n < FP_LAT_RING) l->n++;
    l->count++;
    l->sum_ms += ms;
    size_t b = 0;
    while (b < FP_LAT_NBUCKETS && (double)ms > fp_lat_bounds[b]) b++;
    l->buckets[b]++;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

uint64_t fp_lat_quantile(const fp_latency *l, double q)
{
    if (l->n == 0) return 0;
    uint32_t *tmp = malloc(l->n * sizeof *tmp);
    if (!tmp) return 0;
    memcpy(tmp, l->ring, l->n * sizeof *tmp);
    qsort(tmp, l->n, sizeof *tmp, cmp_u32);
    if (q < 0) q = 0;
    if (q > 1) q = 1;
    size_t rank = (size_t)(q * (double)l->n + 0.999999); /* nearest rank, 1-based */
    if (rank == 0) rank = 1;
    if (rank > l->n) rank = l->n;
    uint64_t v = tmp[rank - 1];
    free(tmp);
    return v;
}
