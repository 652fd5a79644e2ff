/* store: one aggregate shard's durable state, in SQLite (WAL mode), and the
 * cells (SPEC.md "Totals") it owns.
 *
 * Tables: `mentions` (every figure of every live report routed here: its
 * cell by number, its source, and its other fields packed in one BLOB; the
 * first mention of each sentence of a report holds the sentence's text),
 * `cells` (each cell key once: region, year, indicator, series, unit),
 * `applied` and `retired` (reports seen; reports superseded by a newer
 * revision), `anomalies` (the findings normalize made on a report, kept
 * with it). The cells themselves are kept in memory, built from `mentions`
 * at open: the rows are their log, and after a rollback memory is rebuilt
 * from them. A report's rows are one range of row ids and each cell knows
 * the numbers of its reports, so there is no index by cell on disk: the
 * tables are only appended to while reports apply (`cells` when a cell is
 * first seen).
 *
 * Invariants, each kept by one transaction per report (or, in a group, one
 * savepoint per report inside the group's transaction):
 *  - a report's figures are in `mentions` iff the report is in `applied`
 *    and not in `retired`;
 *  - applying a report already in `applied` changes nothing;
 *  - a cell is a pure function of its live mentions (fp_store_cell_of): so
 *    a re-sent, re-ingested or replayed report never counts twice, the
 *    order reports arrive in never changes a cell, and a crash at any
 *    point leaves either the whole report or none of it.
 *
 * A cell's `stated` is one value the reports state, not a sum: every
 * distinct value is a candidate; a value that is another rounded (0.46亿
 * beside 4635.2万) is the same fact, and the first statement stands for
 * it; among different facts, precedence picks: curated figures, then the
 * statement that names the indicator most strongly (normalize's weight: a
 * cue right at the figure, of its own metric, longer), then the larger (a
 * sub-channel stated beside its whole is smaller), then the first stated
 * (in source order: never the arrival order). status is exact, approx (the
 * chosen value is approximate, at least or at most) or
 * conflict (more than one fact; all are kept as candidates). */
#ifndef FP_STORE_H
#define FP_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "fp_buf.h"
#include "fp_record.h"

typedef struct fp_store fp_store;

/* Opens (creating) the database at path; ":memory:" for a throw-away one.
 * A database written by an older schema is refused with a clear error. */
int fp_store_open(fp_store **out, const char *path, uint32_t shard);
void fp_store_close(fp_store *s);

/* Where changes go: every cell and finding a change touched, each with the
 * next sequence number of this shard (or, in a snapshot, the current one).
 * A cell whose last fact went is sent with facts 0. */
typedef struct {
    int (*total)(const fp_total *t, void *ud);
    int (*anomaly)(const fp_anomaly *a, void *ud);
    void *ud;
} fp_store_out;

/* Applies a report's figures (those routed to this shard, in document
 * order), the findings normalize made on it for this shard, and its end.
 * *fresh is 1 when the report was new, 0 when it had been applied before
 * (then nothing changes and out is not called) -- but a retired report
 * that comes back as the revision of its own successor lives again (a
 * source revised back to earlier content). */
int fp_store_apply(fp_store *s, const fp_end *end, const fp_figure *figs, size_t n, const fp_anomaly *checks,
                   size_t nchecks, int *fresh, const fp_store_out *out);
/* Group commit: reports applied between fp_store_begin and fp_store_commit
 * share one transaction, so one fsync; each still applies whole or not at
 * all (a savepoint each), and fp_store_apply sends nothing for them. The
 * commit sends every cell the group touched, once, in its final state,
 * then the group's findings. A failed commit undoes the whole group: the
 * caller must acknowledge none of its reports (ingest re-sends them). */
int fp_store_begin(fp_store *s);
int fp_store_commit(fp_store *s, const fp_store_out *out);
/* 1 between fp_store_begin and fp_store_commit. */
int fp_store_in_group(const fp_store *s);
/* Every cell with a fact and every live finding, all at the current sequence number. */
int fp_store_snapshot(fp_store *s, const fp_store_out *out, uint64_t *seq);
/* Calls cb(report_id) for every report applied or superseded here. */
int fp_store_each_applied(fp_store *s, int (*cb)(const char *id, void *ud), void *ud);
/* Appends, as a JSON array, the figures of live reports stated for a
 * region, year and indicator (and series and unit, unless ""), each with
 * its report's source, text, sentence and offset, its report's publication
 * year (or the caller's year hint, null for none), and whether its value is
 * the cell's stated one. */
int fp_store_facts(fp_store *s, const char *rc, int year, const char *indicator, const char *series, const char *unit,
                   fp_buf *out);
/* The sequence number of the last change. */
uint64_t fp_store_seq(const fp_store *s);
/* The store's identity (16 hex digits), made with it and kept: a store made
 * anew (its file lost or emptied) has another, and its sequence restarts. */
const char *fp_store_epoch(const fp_store *s);
/* Counts for metrics: reports applied, figures stored, reports dead-lettered (dead may be NULL). */
int fp_store_counts(fp_store *s, long long *reports, long long *mentions, long long *dead);

/* Dead letters. A report this shard cannot apply (fp_store_apply failed:
 * a value out of range, a store error, anything) is re-sent by ingest; a
 * report that fails the same way forever would be re-sent forever. The
 * caller records each failed try here (the report's id, source and error,
 * kept in `failures`); at the max_tries-th, *dead is 1: the report is
 * dead-lettered, durably, and a `dead_letter` finding (detail: report,
 * source, tries, error) goes out with the next changes like any other, so
 * the sink shows it. The caller then acknowledges the report as dead
 * (fp_ack.dead) so ingest stops re-sending it. In a group (fp_store_begin)
 * the record commits with the group; else at once, sending through out.
 * A superseding revision removes the finding (its report is retired). */
int fp_store_failed(fp_store *s, const fp_end *end, const char *error, int max_tries, int *dead,
                    const fp_store_out *out);
/* 1 when report_id was dead-lettered here: it is acknowledged as dead again, never applied. */
int fp_store_is_dead(fp_store *s, const char *report_id);

/* One fact as a cell sees it, for fp_cell_choose. */
typedef struct {
    fp_dec value;
    int curated, exact; /* a curated figure; qualifier exact */
    int weight;         /* fp_figure.weight */
} fp_fact;

/* Picks the stated value among facts (in statement order) by the rules
 * above. Returns the index of the chosen fact, sets *groups to the number
 * of different facts and group[i] to the index of the fact that stands
 * for fact i. */
size_t fp_cell_choose(const fp_fact *f, size_t n, size_t *group, size_t *groups);

#endif
