#include "checks.h"
#include "fp_json.h"
#include "fp_err.h"
#include "fp_indicators.h"

#include <stdio.h>
#include <string.h>

static int same_str(const char *a, const char *b) { return !strcmp(a ? a : "", b ? b : ""); }

void fp_parts_init(fp_parts *p, const char *report_id, const char *source, fp_check_cb cb, void *ud)
{
    memset(p, 0, sizeof *p);
    p->report_id = report_id;
    p->source = source;
    p->cb = cb;
    p->ud = ud;
}

static int fig_json(fp_buf *b, const fp_figure *f)
{
    char v[32];
    fp_dec_format(f->value, v, sizeof v);
    int rc = fp_buf_puts(b, "{");
    rc |= fp_json_kv(b, "text", f->text, 1);
    rc |= fp_json_kv(b, "value", v, 0);
    rc |= fp_json_kv(b, "indicator", f->indicator, 0);
    rc |= fp_json_key(b, "offset", 0);
    rc |= fp_buf_printf(b, "%u", f->offset);
    rc |= fp_json_key(b, "length", 0);
    rc |= fp_buf_printf(b, "%u}", f->length);
    return rc;
}

static int close_group(fp_parts *p)
{
    int rc = FP_OK;
    if (p->active && p->nparts && !p->overflow && p->sum > p->whole.value) {
        const fp_figure *w = &p->whole;
        char left[32], right[32], imb[32], id[160];
        fp_dec_format(p->sum, left, sizeof left);
        fp_dec_format(w->value, right, sizeof right);
        fp_dec_format(p->sum - w->value, imb, sizeof imb);
        fp_buf b = {0};
        rc = fp_buf_puts(&b, "{");
        rc |= fp_json_kv(&b, "rule", "parts_exceed_whole", 1);
        rc |= fp_json_kv(&b, "left", left, 0);
        rc |= fp_json_kv(&b, "op", ">", 0);
        rc |= fp_json_kv(&b, "right", right, 0);
        rc |= fp_json_kv(&b, "imbalance", imb, 0);
        rc |= fp_json_kv(&b, "report", p->report_id, 0);
        rc |= fp_json_kv(&b, "source", p->source, 0);
        rc |= fp_buf_puts(&b, ",\"whole\":");
        rc |= fig_json(&b, w);
        rc |= fp_buf_printf(&b, ",\"parts\":[%s],\"sentence\":", p->parts.p ? p->parts.p : "");
        rc |= fp_buf_json_str(&b, w->sentence ? w->sentence : "", w->sentence ? strlen(w->sentence) : 0);
        rc |= fp_buf_puts(&b, "}");
        if (rc || b.oom) rc = FP_ENOMEM;
        if (!rc) {
            snprintf(id, sizeof id, "parts|%s|%u", p->report_id, w->offset);
            fp_anomaly a = {.id = id, .region_path = w->region_path, .year = w->year, .detail = b.p, .live = 1};
            snprintf(a.kind, sizeof a.kind, "parts_exceed_whole");
            snprintf(a.region_code, sizeof a.region_code, "%s", w->region_code);
            snprintf(a.indicator, sizeof a.indicator, "%s", w->indicator);
            snprintf(a.unit, sizeof a.unit, "%s", w->unit);
            rc = p->cb(&a, p->ud);
        }
        fp_buf_free(&b);
    }
    if (p->active) fp_figure_free(&p->whole);
    p->active = 0;
    p->nparts = p->overflow = 0;
    p->sum = 0;
    fp_buf_reset(&p->parts);
    return rc;
}

static int of_whole(const fp_parts *p, const fp_figure *f)
{
    const fp_figure *w = &p->whole;
    return p->active && same_str(w->sentence, f->sentence) && !strcmp(w->region_code, f->region_code) &&
           w->year == f->year && !strcmp(w->unit, f->unit);
}

void fp_parts_demote(const fp_parts *p, fp_figure *f)
{
    if (!strcmp(f->relation, "part") && of_whole(p, f) && !strcmp(p->whole.indicator, f->indicator) &&
        !strcmp(p->whole.series, f->series))
        f->weight = 0;
}

int fp_parts_feed(fp_parts *p, const fp_figure *f)
{
    if (!strcmp(f->relation, "part")) {
        if (!of_whole(p, f)) return FP_OK; /* a part of nothing stated here */
        if (__builtin_add_overflow(p->sum, f->value, &p->sum)) p->overflow = 1;
        if (p->nparts++ && fp_buf_puts(&p->parts, ",")) return FP_ENOMEM;
        return fig_json(&p->parts, f) ? FP_ENOMEM : FP_OK;
    }
    if (strcmp(f->relation, "total") || !fp_unit_additive(f->unit)) return FP_OK;
    int rc = close_group(p);
    if (rc) return rc;
    if (fp_figure_copy(&p->whole, f)) return FP_ENOMEM;
    p->active = 1;
    return FP_OK;
}

int fp_parts_finish(fp_parts *p)
{
    int rc = close_group(p);
    fp_buf_free(&p->parts);
    return rc;
}
