/* fp_json: figure and total records as the JSON lines users and the
 * reference scorers (../shared/eval) read. */
#ifndef FP_JSON_H
#define FP_JSON_H

#include "fp_buf.h"
#include "fp_record.h"

/* Appends one figure as a JSON object (no newline): source, text, value (a
 * decimal string), unit, counter, qualifier, relation, region_code,
 * region_path, year (null when unknown), metric, label, offset, length,
 * optional, sentence. */
int fp_json_figure(fp_buf *b, const fp_figure *f);
/* Every JSON string fupin writes goes through fp_buf_json_str (common/fp_buf.h),
 * by these or directly: nothing is escaped by hand. */
/* Appends "key": (escaped), after a comma unless first. */
int fp_json_key(fp_buf *b, const char *key, int first);
/* Appends "key":"val" (both escaped; NULL as ""), after a comma unless first. */
int fp_json_kv(fp_buf *b, const char *key, const char *val, int first);

#endif
