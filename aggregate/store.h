/* store: one aggregate shard's durable state, in SQLite (WAL mode).
 *
 * Invariants, each kept by one transaction per report:
 *  - a report's figures are in `mentions` iff the report is in `applied` and
 *    not in `retired` (superseded by a newer revision);
 *  - applying a report already in `applied` changes nothing;
 *  - a total's own sum is computed from `mentions` (SPEC.md Totals): the
 *    distinct facts (value) of its key that some mention states as a total
 *    and none as a part, in an additive unit.
 * So a re-sent, re-ingested or replayed report never counts twice, and a
 * crash at any point leaves either the whole report or none of it. */
#ifndef FP_STORE_H
#define FP_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "fp_record.h"

typedef struct fp_store fp_store;

/* Opens (creating) the database at path; ":memory:" for a throw-away one. */
int fp_store_open(fp_store **out, const char *path, uint32_t shard);
void fp_store_close(fp_store *s);

/* Called with each total that the last change touched, or during a snapshot. */
typedef int (*fp_total_cb)(const fp_total *t, void *ud);

/* Applies a report's figures (those routed to this shard) and its end.
 * *fresh is 1 when the report was new, 0 when it had been applied before.
 * For a fresh report, cb is called with every total it changed, each with the
 * next sequence number of this shard. */
int fp_store_apply(fp_store *s, const fp_end *end, const fp_figure *figs, size_t n, int *fresh, fp_total_cb cb,
                   void *ud);
/* Calls cb for every total this shard holds (sequence number = the current one). */
int fp_store_snapshot(fp_store *s, fp_total_cb cb, void *ud, uint64_t *seq);
/* Calls cb(report_id) for every report applied. */
int fp_store_each_applied(fp_store *s, int (*cb)(const char *id, void *ud), void *ud);
/* Counts for metrics: reports applied, facts stored. */
int fp_store_counts(fp_store *s, long long *reports, long long *mentions);

/* 1 when SPEC.md counts this unit in totals. */
int fp_unit_additive(const char *unit);

#endif
