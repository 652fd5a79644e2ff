/* checks: what one report states that no single cell can check, run in
 * normalize where the whole report is in hand (SPEC.md Scaling): the parts
 * of a whole stated with it add up to more than the whole (seed 000:
 * 5.8+1.02+0.11+0.46+2.21 = 9.6亿 against 9.4亿).
 *
 * Streaming: feed the report's figures in text order, then finish. A whole
 * is a `total` figure in an additive unit; its parts are the `part`
 * figures after it in the same sentence, place, year and unit, up to the
 * next whole. Each finding goes to cb as an anomaly record (id
 * parts|<report>|<offset of the whole>, the whole's cell, and a detail
 * with rule, left, op, right, imbalance and the figures on both sides). */
#ifndef FP_CHECKS_H
#define FP_CHECKS_H

#include "fp_buf.h"
#include "fp_record.h"

typedef int (*fp_check_cb)(const fp_anomaly *a, void *ud);

typedef struct {
    int active;
    fp_figure whole; /* a deep copy */
    fp_dec sum;
    int nparts, overflow;
    fp_buf parts; /* JSON objects, comma-separated */
    const char *report_id, *source;
    fp_check_cb cb;
    void *ud;
} fp_parts;

void fp_parts_init(fp_parts *p, const char *report_id, const char *source, fp_check_cb cb, void *ud);
/* Takes the next figure; may call cb for the group it closes. */
int fp_parts_feed(fp_parts *p, const fp_figure *f);
/* A part of the whole under way that measures the same indicator as the
 * whole is a sub-group of it (其中进京转移就业47人 under 1175名…就业), not the
 * cell's value: its weight drops to 0, so the whole stands for the cell.
 * Call before fp_parts_feed with the same figure. */
void fp_parts_demote(const fp_parts *p, fp_figure *f);
/* Closes the last group; frees what p holds. */
int fp_parts_finish(fp_parts *p);

#endif
