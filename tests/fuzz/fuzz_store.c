/* libFuzzer target: store apply (aggregate/store.c) on any message a shard
 * could receive: records decoded as fupin-aggregate does, each report's
 * figures and findings applied at its end, a failure recorded towards a
 * dead letter. Never a crash or a leak; a report applied twice changes
 * nothing the second time. The store is in memory, made anew now and then
 * so it stays small. */
#include "fp_err.h"
#include "fp_record.h"
#include "store.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static fp_store *st;
static unsigned runs;

static int on_total(const fp_total *t, void *ud)
{
    (void)t, (void)ud;
    return FP_OK;
}

static int on_anomaly(const fp_anomaly *a, void *ud)
{
    (void)a, (void)ud;
    return FP_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!st || ++runs % 500 == 0) {
        fp_store_close(st);
        st = NULL;
        if (fp_store_open(&st, ":memory:", 0)) abort();
    }
    fp_figure figs[64];
    fp_anomaly checks[8];
    size_t nf = 0, na = 0, off = 0;
    fp_record r;
    fp_store_out out = {on_total, on_anomaly, NULL};
    while (fp_record_next((const char *)data, size, &off, &r) == FP_OK) {
        if (r.type == FP_REC_FIGURE && nf < 64) {
            figs[nf++] = r.u.figure;
            continue;
        }
        if (r.type == FP_REC_ANOMALY && na < 8) {
            checks[na++] = r.u.anomaly;
            continue;
        }
        if (r.type == FP_REC_END) {
            int fresh = 0, dead = 0;
            if (fp_store_apply(st, &r.u.end, figs, nf, checks, na, &fresh, &out) != FP_OK) {
                fp_store_failed(st, &r.u.end, "fuzz", 3, &dead, &out);
            } else {
                uint64_t seq = fp_store_seq(st);
                if (fp_store_apply(st, &r.u.end, figs, nf, checks, na, &fresh, &out) != FP_OK || fresh ||
                    fp_store_seq(st) != seq)
                    abort(); /* exactly once: the second time changes nothing */
            }
            for (size_t i = 0; i < nf; i++) fp_figure_free(&figs[i]);
            for (size_t i = 0; i < na; i++) {
                fp_record a = {.type = FP_REC_ANOMALY, .u.anomaly = checks[i]};
                fp_record_free(&a);
            }
            nf = na = 0;
        }
        fp_record_free(&r);
    }
    for (size_t i = 0; i < nf; i++) fp_figure_free(&figs[i]);
    for (size_t i = 0; i < na; i++) {
        fp_record a = {.type = FP_REC_ANOMALY, .u.anomaly = checks[i]};
        fp_record_free(&a);
    }
    return 0;
}
