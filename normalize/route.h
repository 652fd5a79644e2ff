/* route: which aggregate shard owns a total. Every figure of one total key
 * (region code, year, metric, unit) goes to the same shard, so a total, its
 * facts and the reports behind them live whole on one shard. */
#ifndef FP_ROUTE_H
#define FP_ROUTE_H

#include <stdint.h>

/* Stable across processes, hosts and versions: FNV-1a over the key. */
uint32_t fp_route_shard(const char *region_code, int year, const char *metric, const char *unit, uint32_t nshards);

#endif
