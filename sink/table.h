/* table: the sink's merged view of every shard's totals, with subtree sums
 * up the region tree, and its writers (totals.csv, totals.jsonl).
 *
 * Each total key (region, year, metric, unit) lives on one shard, so the
 * table holds at most one row per key; a row whose facts drop to 0 is
 * removed. A report is complete when every shard has acknowledged it. */
#ifndef FP_TABLE_H
#define FP_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "fp_buf.h"
#include "fp_gazetteer.h"
#include "fp_record.h"

typedef struct fp_table fp_table;

/* One node's total as published: the node's own sum and its subtree's. */
typedef struct {
    int region; /* gazetteer index, -1 for a code it does not know */
    int year;   /* 0 = unknown */
    const char *metric, *unit; /* valid until the table changes */
    fp_dec own, subtree;
    uint32_t facts, reports;
    char *path;
    char code[16];
} fp_view_row;

typedef struct {
    fp_view_row *r;
    size_t n;
} fp_view;

int fp_table_new(fp_table **out, const fp_gazetteer *g, uint32_t nshards);
void fp_table_free(fp_table *t);

/* Stores (or, with facts 0, removes) the total of one key. */
int fp_table_put(fp_table *t, const fp_total *tot);
/* Stores (live) or removes a shard's finding, by its id. */
int fp_table_anomaly(fp_table *t, const fp_anomaly *a);
size_t fp_table_anomalies(const fp_table *t);
/* Drops every row, finding and acknowledgement of one shard (before its snapshot). */
void fp_table_clear_shard(fp_table *t, uint32_t shard);
/* Records a shard's acknowledgement; *completed (may be NULL) is 1 when it
 * was the last shard the report was waiting for. */
int fp_table_ack(fp_table *t, const char *report_id, uint32_t shard, int *completed);
size_t fp_table_complete(const fp_table *t);
size_t fp_table_rows(const fp_table *t);

/* Every node with an additive fact and its ancestors, with subtree sums,
 * sorted by region path, year, metric, unit. Free with fp_view_free. */
int fp_table_view(const fp_table *t, fp_view *v);
void fp_view_free(fp_view *v);

/* Renders a view as CSV (header region_code,region_path,year,metric,unit,
 * own,subtree,facts,reports) and as JSON lines; and, when anomalies is not
 * NULL, the findings as JSON lines: the shards' and the tree's own
 * (children_exceed_parent: a node's children add up to more than the
 * node's stated own). */
int fp_table_render(const fp_table *t, const fp_view *v, fp_buf *csv, fp_buf *jsonl, fp_buf *anomalies);

#endif
