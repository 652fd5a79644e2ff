/* fp_figjson: curated figures as JSON lines, the JSON `fupin extract`
 * prints, taken in as a report of their own (fupin-ingest --figures).
 *
 * A line is an object with value (a decimal string or a number), unit,
 * metric, and the region as region_code or region_path (or region, the
 * gold files' name for the path); optional: year, relation (default
 * total), qualifier (default exact), text, counter, label, sentence,
 * offset, length, optional, indicator (an id of indicators.tsv or
 * other:<label>; when absent normalize maps the figure as it maps
 * extracted ones), series (value, target, change, rate). Blank lines are
 * skipped.
 *
 * All or nothing: a line that does not parse, or names an unknown region,
 * unit, metric, relation or qualifier, makes the whole file fail with
 * "line N: why", and no figure of it is passed on. */
#ifndef FP_FIGJSON_H
#define FP_FIGJSON_H

#include <stddef.h>

#include "fp_gazetteer.h"
#include "fp_map.h"
#include "fp_record.h"

/* The names a figure may use, from the data files. */
typedef struct {
    fp_map units, metrics, indicators;
} fp_vocab;

/* Loads unit names (column 2 of units.tsv), metric names (column 1 of
 * metrics.tsv) and indicator ids (column 1 of indicators.tsv). */
int fp_vocab_load(fp_vocab *v, const char *datadir);
void fp_vocab_free(fp_vocab *v);

/* Parses text; on success calls cb once per figure, in order (source set,
 * report_id and seq left to the caller) and sets *count. On a bad line
 * returns FP_EINVAL with err set and calls cb for nothing. */
int fp_figjson_parse(const char *text, size_t len, const fp_gazetteer *g, const fp_vocab *v, const char *source,
                     int (*cb)(const fp_figure *f, void *ud), void *ud, size_t *count, char *err, size_t errcap);

/* The encoding name ingest gives a report that holds curated figures. */
#define FP_FIGURES_ENCODING "figures-jsonl"

#endif
