/* indicate: the indicator and series of a figure (INDICATORS.md), the last
 * phase of normalize. Pure: a figure and the text around it in, its
 * `indicator` and `series` fields out.
 *
 * The indicator is found from cue phrases (data/indicators.tsv) around the
 * figure: first in the figure's own stretch of its clause (back to the
 * previous number or 、, on to the next), then in the rest of the clause,
 * then in the sentence before the clause (only when the figure's clause
 * does not name what it measures, its label). Among phrases there the longest
 * wins, then the nearest; an anti-cue in the figure's list item of its
 * clause (after the last 、 before it, up to the next number) rules its
 * indicator out; an indicator must be statable in the figure's unit and
 * be of the figure's own metric (a word of another metric's indicator
 * beside a figure names who, where or what for, not what it measures). A
 * figure that fits none gets other:<label>. Its weight says how strongly
 * the text names the indicator (near, a statement of the year rather than
 * a running total over years, a whole, longer cue), so a cell stated twice
 * in one report takes the stronger statement.
 *
 * The series follows the relation: plan → target, change → change (but a
 * flow newly done in the year, 新增贷款, is its value), per_unit → rate
 * (value for per-capita indicators), total and part → value. */
#ifndef FP_INDICATE_H
#define FP_INDICATE_H

#include <stddef.h>

#include "fp_indicators.h"
#include "fp_record.h"

typedef struct fp_indicate fp_indicate;

/* Loads indicators.tsv and series.tsv from datadir (errors name file:line). */
int fp_indicate_load(fp_indicate **out, const char *datadir);
void fp_indicate_free(fp_indicate *x);
const fp_indicators *fp_indicate_table(const fp_indicate *x);

/* Sets f->indicator and f->series. text[0..len) is the report the figure
 * stands in (f->offset and f->length locate it); with text NULL the
 * figure's sentence is read instead and the figure found in it by its text.
 * A figure that already names a known indicator keeps it (its series is
 * still derived when empty). Never fails: the worst is other:<label>. */
void fp_indicate_figure(const fp_indicate *x, const char *text, size_t len, fp_figure *f);
/* Sets f->indicator to other:<its label, else its counter, else its unit>, cut on a character
 * boundary: a measure published on its own, never pooled with another. */
void fp_indicate_other(fp_figure *f);

#endif
