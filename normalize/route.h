/* route: which aggregate shard owns a cell. Every figure of one cell's
 * region, year and indicator goes to the same shard (whatever its series
 * and unit), so a cell, its facts and the reports behind them live whole
 * on one shard (SPEC.md Scaling). */
#ifndef FP_ROUTE_H
#define FP_ROUTE_H

#include <stdint.h>

/* Stable across processes, hosts and versions: FNV-1a over the key. */
uint32_t fp_route_shard(const char *region_code, int year, const char *indicator, uint32_t nshards);

#endif
