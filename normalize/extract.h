/* extract: turns the text of one report into figure records, by the
 * contract of ../shared/gold/GUIDE.md (docs/EXTRACTION.md says how).
 *
 * Pure: text in, figures out through a callback; no I/O but loading the
 * data files once. One pass finds numbers, region names and years; each
 * figure then looks only at its own clause and sentence, so the cost is
 * linear in the text's length. */
#ifndef FP_EXTRACT_H
#define FP_EXTRACT_H

#include <stddef.h>
#include <stdint.h>

#include "fp_gazetteer.h"
#include "fp_record.h"
#include "lexicon.h"

typedef struct {
    fp_gazetteer *gaz;
    fp_lexicon lx;
    /* bit per code point of three bytes: a number may start with it (fp_num_starts), or 百分之
     * does; the figure walk asks it at every character before anything slower */
    uint64_t num_first[1024];
} fp_extractor;

/* Loads regions.tsv, aliases.tsv, units.tsv, cues.tsv, metrics.tsv from datadir. */
int fp_extractor_load(fp_extractor **out, const char *datadir);
void fp_extractor_free(fp_extractor *x);

/* Called once per figure, in text order. A non-zero return stops extraction
 * and is returned by fp_extract. The figure and its strings are valid only
 * during the call. */
typedef int (*fp_figure_cb)(const fp_figure *f, void *ud);

typedef struct {
    int subject;      /* region index of the report's subject place, -1 if none */
    int year;         /* the report's own year, 0 if unknown */
    size_t figures;   /* figures emitted */
} fp_doc_info;

/* Extracts every figure of text[0..len) (UTF-8). year_hint and region_hint
 * (a region code) are used when the text does not tell; pass 0 / NULL. */
int fp_extract(const fp_extractor *x, const char *source, const char *text, size_t len, int year_hint,
               const char *region_hint, fp_figure_cb cb, void *ud, fp_doc_info *info);

#endif
