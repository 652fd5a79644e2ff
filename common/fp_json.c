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

/* Appends the key's text ,"key": (given with its length, so nothing is measured or escaped per
 * figure: the keys need no escaping) and the value as a JSON string. */
static int kv_lit(fp_buf *b, const char *lit, size_t n, const char *val)
{
    int rc = fp_buf_append(b, lit, n);
    return rc ? rc : fp_buf_json_str(b, val ? val : "", val ? strlen(val) : 0);
}
#define KV(b, lit, val) kv_lit((b), lit, sizeof lit - 1, (val))

/* Appends the key's text and the decimal digits of v (what %u / %d print), without printf. */
static int kv_int(fp_buf *b, const char *lit, size_t n, long long v)
{
    char d[32];
    size_t i = sizeof d;
    unsigned long long a = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do d[--i] = (char)('0' + a % 10); while (a /= 10);
    if (v < 0) d[--i] = '-';
    int rc = fp_buf_append(b, lit, n);
    return rc ? rc : fp_buf_append(b, d + i, sizeof d - i);
}
#define KI(b, lit, v) kv_int((b), lit, sizeof lit - 1, (long long)(v))

int fp_json_figure(fp_buf *b, const fp_figure *f)
{
    char val[32];
    fp_dec_format(f->value, val, sizeof val);
    int rc = KV(b, "{\"source\":", f->source);
    rc |= KV(b, ",\"text\":", f->text);
    rc |= KV(b, ",\"value\":", val);
    rc |= KV(b, ",\"unit\":", f->unit);
    rc |= KV(b, ",\"counter\":", f->counter);
    rc |= KV(b, ",\"qualifier\":", f->qualifier);
    rc |= KV(b, ",\"relation\":", f->relation);
    rc |= KV(b, ",\"region_code\":", f->region_code);
    rc |= KV(b, ",\"region_path\":", f->region_path);
    rc |= f->year ? KI(b, ",\"year\":", f->year) : fp_buf_puts(b, ",\"year\":null");
    rc |= KV(b, ",\"metric\":", f->metric);
    rc |= KV(b, ",\"indicator\":", f->indicator);
    rc |= KV(b, ",\"series\":", f->series);
    rc |= KI(b, ",\"weight\":", f->weight);
    if (f->published) rc |= KI(b, ",\"published\":", f->published);
    rc |= KV(b, ",\"label\":", f->label);
    rc |= KI(b, ",\"offset\":", f->offset);
    rc |= KI(b, ",\"length\":", f->length);
    rc |= KI(b, ",\"optional\":", f->optional);
    rc |= KV(b, ",\"sentence\":", f->sentence);
    rc |= fp_buf_append(b, "}", 1);
    return rc ? FP_ENOMEM : FP_OK;
}
