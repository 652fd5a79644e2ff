#include "fp_json.h"
#include "fp_err.h"

#include <string.h>

int fp_json_key(fp_buf *b, const char *key, int first)
{
    int rc = first ? FP_OK : fp_buf_puts(b, ",");
    rc |= fp_buf_json_str(b, key, strlen(key));
    return rc ? rc : fp_buf_puts(b, ":");
}

int fp_json_kv(fp_buf *b, const char *key, const char *val, int first)
{
    int rc = fp_json_key(b, key, first);
    return rc ? rc : fp_buf_json_str(b, val ? val : "", val ? strlen(val) : 0);
}

int fp_json_figure(fp_buf *b, const fp_figure *f)
{
    char val[32];
    fp_dec_format(f->value, val, sizeof val);
    int rc = fp_buf_puts(b, "{");
    rc |= fp_json_kv(b, "source", f->source, 1);
    rc |= fp_json_kv(b, "text", f->text, 0);
    rc |= fp_json_kv(b, "value", val, 0);
    rc |= fp_json_kv(b, "unit", f->unit, 0);
    rc |= fp_json_kv(b, "counter", f->counter, 0);
    rc |= fp_json_kv(b, "qualifier", f->qualifier, 0);
    rc |= fp_json_kv(b, "relation", f->relation, 0);
    rc |= fp_json_kv(b, "region_code", f->region_code, 0);
    rc |= fp_json_kv(b, "region_path", f->region_path, 0);
    rc |= f->year ? fp_buf_printf(b, ",\"year\":%d", f->year) : fp_buf_puts(b, ",\"year\":null");
    rc |= fp_json_kv(b, "metric", f->metric, 0);
    rc |= fp_json_kv(b, "indicator", f->indicator, 0);
    rc |= fp_json_kv(b, "series", f->series, 0);
    rc |= fp_buf_printf(b, ",\"weight\":%u", f->weight);
    if (f->published) rc |= fp_buf_printf(b, ",\"published\":%d", f->published);
    rc |= fp_json_kv(b, "label", f->label, 0);
    rc |= fp_buf_printf(b, ",\"offset\":%u,\"length\":%u,\"optional\":%u", f->offset, f->length, f->optional);
    rc |= fp_json_kv(b, "sentence", f->sentence, 0);
    rc |= fp_buf_puts(b, "}");
    return rc ? FP_ENOMEM : FP_OK;
}
