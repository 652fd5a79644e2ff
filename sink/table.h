/* table: the sink's merged view of every shard's cells, rolled up the
 * region tree (SPEC.md "Totals"), its checks, and its writers
 * (totals.csv, totals.jsonl, anomalies.jsonl).
 *
 * Each cell key (region, year, indicator, series, unit) lives on one shard,
 * so the table holds at most one row per key; a cell whose facts drop to 0
 * is removed. A report is complete when every shard has acknowledged it.
 *
 * The view publishes, per node and key: `stated` (what the reports state
 * for the node itself, never a sum), `rollup` (the sum of the children's
 * best values, for flows, stocks and running counts in additive units and
 * the value and target series only: ratios, per-capita amounts and
 * other:<label> cells never roll up), `coverage` (children with a value, of
 * the node's children in the gazetteer) and `best` (stated, else rollup).
 * A parent's stated value is never added to its children's. */
#ifndef FP_TABLE_H
#define FP_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "fp_buf.h"
#include "fp_gazetteer.h"
#include "fp_indicators.h"
#include "fp_record.h"

typedef struct fp_table fp_table;

/* One node's cell as published. Strings are valid until the table changes. */
typedef struct {
    int region; /* gazetteer index, -1 for a code it does not know */
    int year;   /* 0 = unknown */
    const char *indicator, *name, *metric, *series, *unit;
    const char *kind; /* flow, stock, running, ratio, per_capita, or other */
    int ind;    /* index in the indicators table, -1 for other:<label> */
    int has_stated, has_rollup, overflow; /* overflow: the rollup left the decimal range and is not shown */
    fp_dec stated, rollup, best;
    const char *status;     /* exact | approx | conflict; "" without a stated value */
    uint32_t coverage, children;
    uint32_t facts, reports;
    const char *candidates; /* JSON array, or NULL */
    fp_dec other;           /* with status conflict: the first candidate's value not chosen */
    const char *path;       /* the table's (a stated cell's, or the gazetteer's, made once per region) */
    char code[16];
    /* the table's own: the stated cell's version (0 for a roll-up node) and the row's rendered lines, so a
     * write renders again only the rows that changed */
    uint64_t gen;
    void *lines;
    size_t parent, child, sibling; /* index + 1 (0: none) of its parent, first child and next sibling */
} fp_view_row;

typedef struct {
    fp_view_row *r;
    size_t n;
} fp_view;

int fp_table_new(fp_table **out, const fp_gazetteer *g, const fp_indicators *ind, uint32_t nshards);
void fp_table_free(fp_table *t);

/* Stores (or, with facts 0, removes) the cell of one key. */
int fp_table_put(fp_table *t, const fp_total *tot);
/* fp_table_put, taking tot's strings when it holds them in one block (a
 * record fp_record_next decoded) instead of copying them: then tot holds
 * none after (its fp_record_free frees nothing). */
int fp_table_put_owned(fp_table *t, fp_total *tot);
/* Stores (live) or removes a shard's finding, by its id. */
int fp_table_anomaly(fp_table *t, const fp_anomaly *a);
size_t fp_table_anomalies(const fp_table *t);
/* Drops every row, finding and acknowledgement of one shard (before its snapshot). */
void fp_table_clear_shard(fp_table *t, uint32_t shard);
/* Records a shard's acknowledgement; *completed (may be NULL) is 1 when it
 * was the last shard the report was waiting for. arrived_ms: the report's
 * arrival at ingest when the ack carries it (0: it does not). *sample_ms
 * (may be NULL) is the report's arrival time once, at the first ack that
 * finds it complete with an arrival time known from any of its acks (else
 * 0): so each report is one latency sample, even when a snapshot's acks
 * complete it before the live ack with its arrival is replayed. */
int fp_table_ack(fp_table *t, const char *report_id, uint32_t shard, uint64_t arrived_ms, int *completed,
                 uint64_t *sample_ms);
size_t fp_table_complete(const fp_table *t);
size_t fp_table_rows(const fp_table *t);

/* Every stated cell and every ancestor its value rolls up to, sorted by
 * region path, year, indicator, series, unit. Free with fp_view_free. */
int fp_table_view(const fp_table *t, fp_view *v);
void fp_view_free(fp_view *v);

/* Renders a view as CSV (header region_code,region_path,year,indicator,
 * indicator_name,metric,series,unit,stated,status,rollup,coverage,best,
 * facts,reports) and as JSON lines (the same, with the candidates); and,
 * when anomalies is not NULL, the checks as JSON lines, each with its rule,
 * left side, operator, right side, imbalance and the facts behind them:
 * the shards' (parts_exceed_whole) and the view's own
 * (conflicting_values, children_exceed_parent, part_exceeds_whole,
 * rate_out_of_range, stock_against_flows, rollup_overflow: a sum that
 * leaves the decimal range is left out, said, and never stops the files).
 * A row's lines (and a conflict's finding) are kept in the table and reused
 * while what it shows is unchanged; v must be the table's latest view. */
int fp_table_render(const fp_table *t, const fp_view *v, fp_buf *csv, fp_buf *jsonl, fp_buf *anomalies);

/* How many view rows fp_table_render has rendered (not taken from its cache) since the table was made: a
 * row is rendered again only when what it shows changed (its cell, its roll-up, its coverage). */
uint64_t fp_table_rendered(const fp_table *t);

/* One row as a JSON object (totals.jsonl's, /api/totals'); level (may be
 * NULL) adds the region's level, candidates the stated values' candidates. */
int fp_view_row_json(const fp_view_row *r, fp_buf *b, const char *level, int candidates);

/* The checks alone, as JSON lines (what anomalies.jsonl holds). */
int fp_table_checks(const fp_table *t, const fp_view *v, fp_buf *out);

/* The three output files as last written, so a write rewrites only those
 * whose content changed. Zeroed to start; free with fp_outfiles_free. */
typedef struct {
    fp_buf written[3]; /* totals.csv, totals.jsonl, anomalies.jsonl as on disk */
    int on_disk;       /* 0: what is on disk is not known (none written yet, a write failed, the folder re-made) */
} fp_outfiles;

/* Writes now[0..2] as dir/totals.csv, dir/totals.jsonl and dir/anomalies.jsonl,
 * as one set made durable together (fp_file_replace_all), leaving out each
 * file whose content is the one last written and still on disk (its size
 * checked): what is left out is durable from an earlier write, so the three
 * files always show one state. On success now[i] and o->written[i] swap
 * (the new content is kept without a copy; now[i] gets the old buffers to
 * render into). *bytes: the bytes written; *changed: bit i for file i
 * written. On failure (FP_EIO, *why says why) all three are written next time. */
int fp_outfiles_write(fp_outfiles *o, const char *dir, fp_buf now[3], size_t *bytes, unsigned *changed,
                      const char **why);
void fp_outfiles_free(fp_outfiles *o);

#endif
