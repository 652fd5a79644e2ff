/* store: one aggregate shard's durable state, in SQLite (WAL mode).
 *
 * Tables: `mentions` (every figure of every live report routed here),
 * `applied` and `retired` (reports seen; reports superseded), and three
 * tables kept in step with `mentions` so a report costs the same however
 * many came before it:
 *   facts(key, value)       how many mentions state it as total, as part;
 *   stated(key, report)     how many of the report's total mentions state a
 *                           counted fact;
 *   totals(key)             own, facts, reports;
 * plus `anomalies`, the checks' findings.
 *
 * Invariants, each kept by one transaction per report:
 *  - a report's figures are in `mentions` iff the report is in `applied` and
 *    not in `retired` (superseded by a newer revision);
 *  - applying a report already in `applied` changes nothing;
 *  - a fact (key, value) is counted iff some mention states it as a total
 *    and none as a part, in an additive unit (SPEC.md Totals); a total's own
 *    is the sum of its counted facts, `facts` their number, `reports` the
 *    number of reports with a total mention of one of them.
 * So a re-sent, re-ingested or replayed report never counts twice, and a
 * crash at any point leaves either the whole report or none of it. */
#ifndef FP_STORE_H
#define FP_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "fp_buf.h"
#include "fp_record.h"

typedef struct fp_store fp_store;

/* Opens (creating) the database at path; ":memory:" for a throw-away one. */
int fp_store_open(fp_store **out, const char *path, uint32_t shard);
void fp_store_close(fp_store *s);

/* Where changes go: every total and finding a change touched, each with the
 * next sequence number of this shard (or, in a snapshot, the current one). */
typedef struct {
    int (*total)(const fp_total *t, void *ud);
    int (*anomaly)(const fp_anomaly *a, void *ud);
    void *ud;
} fp_store_out;

/* Applies a report's figures (those routed to this shard, in document
 * order) and its end. *fresh is 1 when the report was new, 0 when it had
 * been applied before (then nothing changes and out is not called) -- but
 * a retired report that comes back as the revision of its own successor
 * lives again (a source revised back to earlier content). */
int fp_store_apply(fp_store *s, const fp_end *end, const fp_figure *figs, size_t n, int *fresh,
                   const fp_store_out *out);
/* Every total with a fact and every live finding, all at the current sequence number. */
int fp_store_snapshot(fp_store *s, const fp_store_out *out, uint64_t *seq);
/* Calls cb(report_id) for every report applied. */
int fp_store_each_applied(fp_store *s, int (*cb)(const char *id, void *ud), void *ud);
/* Appends, as a JSON array, the figures of live reports stated for a region,
 * year and metric (and unit, unless ""), each with its report's source, its
 * text, sentence and offset, and whether it counts in the total. */
int fp_store_facts(fp_store *s, const char *rc, int year, const char *metric, const char *unit, fp_buf *out);
/* The sequence number of the last change. */
uint64_t fp_store_seq(const fp_store *s);
/* Counts for metrics: reports applied, figures stored. */
int fp_store_counts(fp_store *s, long long *reports, long long *mentions);

/* 1 when SPEC.md counts this unit in totals. */
int fp_unit_additive(const char *unit);

#endif
