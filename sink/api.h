/* api: the sink's HTTP answers, as functions of its state (no I/O).
 *
 *   /api/totals     ?region=CODE|NAME &level=province|prefecture|county|township|village
 *                   &year=YYYY &indicator=ID &series=S &metric=M (all its indicators)
 *                   &unit=U                           rows like totals.jsonl, with level
 *   /api/regions    ?year= &indicator= &series= &metric= &unit=
 *                                                     the tree, each node with its cells
 *   /api/indicators                                   the indicators: id, name, metric, kind, units
 *   /api/anomalies                                    the checks of anomalies.jsonl
 *   /api/facts      ?region= &year= &indicator= [&series=] [&unit=]
 *                                                     the figures under a cell (the
 *                   shards answer; fp_api_facts_args checks the query)
 *   /metrics        Prometheus text: fupin_stated, fupin_rollup and fupin_best per
 *                   cell, the stages' counters, the arrival-to-totals histogram
 *
 * Each returns FP_OK with *status (200, 400 or 404) and a JSON body (an
 * object with "error" for 400/404), or FP_ENOMEM. */
#ifndef FP_API_H
#define FP_API_H

#include "fp_buf.h"
#include "fp_gazetteer.h"
#include "health.h"
#include "latency.h"
#include "table.h"

/* Query arguments: get(ctx, name) returns the value or NULL. */
typedef struct {
    const char *(*get)(void *ctx, const char *name);
    void *ctx;
} fp_args;

int fp_api_totals(const fp_table *t, const fp_gazetteer *g, const fp_args *a, fp_buf *body, int *status);
int fp_api_regions(const fp_table *t, const fp_gazetteer *g, const fp_args *a, fp_buf *body, int *status);
int fp_api_anomalies(const fp_table *t, fp_buf *body, int *status);
int fp_api_indicators(const fp_indicators *ind, fp_buf *body, int *status);

/* Checks /api/facts' query: the region (by code or name) must be known,
 * year a number and indicator given; fills region code, year, indicator,
 * series and unit ("" = any). */
int fp_api_facts_args(const fp_gazetteer *g, const fp_args *a, char code[16], int *year, char indicator[96],
                      char series[12], char unit[16], fp_buf *body, int *status);

/* The Prometheus page: totals, stages (health), latency. */
int fp_api_metrics(const fp_table *t, const fp_gazetteer *g, const fp_health *h, const fp_latency *lat,
                   uint64_t now_ms, fp_buf *body);

/* Replaces body with {"error": msg}; FP_OK or FP_ENOMEM. Every error answer uses it. */
int fp_api_error(fp_buf *body, const char *msg);

/* The region a query names: a code, a canonical path, or a name or short
 * form the gazetteer knows (the highest-level region of that name). -1 if none. */
int fp_api_region(const fp_gazetteer *g, const char *q);
/* "province", "prefecture", ... for a level, and back (-1 if unknown). */
const char *fp_level_name(int level);
int fp_level_parse(const char *s);

#endif
