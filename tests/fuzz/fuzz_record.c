/* libFuzzer target: the record decoder (common/fp_record.c). Any bytes: a
 * record decodes or is an error code, never a crash or a leak; and a record
 * that decoded packs and decodes again to the same type. */
#include "fp_err.h"
#include "fp_record.h"

#include <stdint.h>
#include <stdlib.h>

static int repack(msgpack_packer *pk, const fp_record *r)
{
    switch (r->type) {
    case FP_REC_REPORT: return fp_pack_report(pk, &r->u.report);
    case FP_REC_FIGURE: return fp_pack_figure(pk, &r->u.figure);
    case FP_REC_END: return fp_pack_end(pk, &r->u.end);
    case FP_REC_ACK: return fp_pack_ack(pk, &r->u.ack);
    case FP_REC_TOTAL: return fp_pack_total(pk, &r->u.total);
    case FP_REC_ANOMALY: return fp_pack_anomaly(pk, &r->u.anomaly);
    }
    return FP_EINVAL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t off = 0;
    fp_record r;
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    while (fp_record_next((const char *)data, size, &off, &r) == FP_OK) {
        msgpack_sbuffer_clear(&sb);
        if (repack(&pk, &r) == FP_OK) {
            size_t o2 = 0;
            fp_record again;
            if (fp_record_next(sb.data, sb.size, &o2, &again) != FP_OK || again.type != r.type) abort();
            fp_record_free(&again);
        }
        fp_record_free(&r);
    }
    msgpack_sbuffer_destroy(&sb);
    return 0;
}
