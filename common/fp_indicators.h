/* fp_indicators: the indicators a published cell measures (data/indicators.tsv,
 * ../shared/gold/INDICATORS.md): per indicator its name, metric, units, kind
 * (how it rolls up), the whole it is part of, its cue and anti-cue phrases,
 * and the flow that lowers it (for stocks).
 *
 * Loaded once, read-only after: normalize maps figures with it, the sink
 * rolls cells up and runs its checks with it. A malformed line is an error
 * naming the file and line; nothing half-loaded is returned. */
#ifndef FP_INDICATORS_H
#define FP_INDICATORS_H

#include <stddef.h>

#include "fp_map.h"

typedef enum { FP_KIND_FLOW, FP_KIND_STOCK, FP_KIND_RUNNING, FP_KIND_RATIO, FP_KIND_PER_CAPITA } fp_kind;

/* A cue phrase: one or more parts that must stand in this order ("发放…贷款"). */
typedef struct {
    char *part[4];
    unsigned char plen[4];
    int nparts;
    size_t len; /* the parts' bytes together: longer is more specific */
} fp_phrase;

#define FP_IND_UNITS 6

typedef struct {
    char id[48];
    char name[64];
    char metric[24];
    char units[FP_IND_UNITS][16];
    int nunits;
    fp_kind kind;
    int part_of;      /* index of the whole, -1 = none */
    int decreased_by; /* index of the flow that lowers this stock, -1 = none */
    fp_phrase *cues, *anti;
    int ncues, nanti;
} fp_indicator;

typedef struct {
    fp_indicator *v;
    int n;
    fp_map by_id; /* id -> index + 1 */
} fp_indicators;

/* Loads path (an indicators.tsv). Errors are logged as "path:line: why". */
int fp_indicators_load(fp_indicators *s, const char *path);
/* Loads datadir/indicators.tsv. */
int fp_indicators_load_dir(fp_indicators *s, const char *datadir);
void fp_indicators_free(fp_indicators *s);

/* The indicator with this id, or -1 (other:<label> ids are never in the table). */
int fp_indicators_find(const fp_indicators *s, const char *id);
/* 1 when indicator i may be stated in unit u. */
int fp_indicator_has_unit(const fp_indicator *ind, const char *unit);
/* "flow", "stock", "running", "ratio", "per_capita". */
const char *fp_kind_name(fp_kind k);
/* 1 for kinds whose values add up over regions (flow, stock, running). */
int fp_kind_additive(fp_kind k);

/* 1 when values in this unit add up (money, people, households, areas,
 * counts); percentages and points never do. */
int fp_unit_additive(const char *unit);

/* The prefix of ids that fit no indicator (other:<label>). */
#define FP_OTHER_PREFIX "other:"

#endif
