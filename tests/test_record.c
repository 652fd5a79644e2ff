/* Codec: every record type round-trips; truncated, garbage and unknown-version input is rejected. */
#include "check.h"
#include "fp_err.h"
#include "fp_record.h"

#include <stdlib.h>
#include <string.h>

static const char *ID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

static int decode_one(msgpack_sbuffer *sb, fp_record *r)
{
    size_t off = 0;
    return fp_record_next(sb->data, sb->size, &off, r);
}

int main(void)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    fp_record r;

    fp_report rep = {.source = "a.txt", .encoding = "GB18030", .year_hint = 2019, .region_hint = "1525",
                     .supersedes = "", .acked = 5, .text = "锡林郭勒盟9.4亿元", .text_len = strlen("锡林郭勒盟9.4亿元")};
    strcpy(rep.id, ID);
    CHECK(fp_pack_report(&pk, &rep) == FP_OK);
    CHECK(decode_one(&sb, &r) == FP_OK && r.type == FP_REC_REPORT);
    CHECK(!strcmp(r.u.report.text, rep.text) && r.u.report.text_len == rep.text_len && r.u.report.year_hint == 2019);
    CHECK(!strcmp(r.u.report.id, ID) && !strcmp(r.u.report.encoding, "GB18030"));
    CHECK(r.u.report.acked == 5); /* the shards that acknowledged it: a re-send skips them */
    fp_record_free(&r);

    msgpack_sbuffer_clear(&sb);
    fp_figure f = {.seq = 7, .text = "0.11亿元", .value = 110000000LL * 10000, .unit = "CNY", .qualifier = "exact",
                   .relation = "part", .region_code = "1525", .region_path = "内蒙古自治区/锡林郭勒盟", .year = 2019,
                   .metric = "donation", .label = "捐赠资金", .sentence = "s", .source = "a.txt", .offset = 3,
                   .length = 10, .optional = 1};
    strcpy(f.report_id, ID);
    CHECK(fp_pack_figure(&pk, &f) == FP_OK);
    CHECK(decode_one(&sb, &r) == FP_OK && r.type == FP_REC_FIGURE);
    CHECK(r.u.figure.value == f.value && r.u.figure.seq == 7 && r.u.figure.year == 2019 && r.u.figure.optional == 1);
    CHECK(!strcmp(r.u.figure.region_path, f.region_path) && !strcmp(r.u.figure.metric, "donation"));
    /* the codec rejects the key, not the copy */
    fp_figure copy;
    CHECK(fp_figure_copy(&copy, &r.u.figure) == FP_OK && !strcmp(copy.text, f.text));
    fp_figure_free(&copy);
    fp_record_free(&r);

    msgpack_sbuffer_clear(&sb);
    fp_end e = {.shard = 2, .count = 5, .source = "x"};
    strcpy(e.report_id, ID);
    fp_ack a = {.shard = 1};
    strcpy(a.report_id, ID);
    fp_total t = {.shard = 1, .seq = 99, .region_code = "15", .region_path = "内蒙古自治区", .year = 2018,
                  .metric = "funds", .unit = "CNY", .stated = 12345, .facts = 3, .reports = 2};
    CHECK(fp_pack_end(&pk, &e) == FP_OK && fp_pack_ack(&pk, &a) == FP_OK && fp_pack_total(&pk, &t) == FP_OK);
    size_t off = 0;
    CHECK(fp_record_next(sb.data, sb.size, &off, &r) == FP_OK && r.type == FP_REC_END && r.u.end.count == 5);
    fp_record_free(&r);
    CHECK(fp_record_next(sb.data, sb.size, &off, &r) == FP_OK && r.type == FP_REC_ACK && r.u.ack.shard == 1);
    fp_record_free(&r);
    CHECK(fp_record_next(sb.data, sb.size, &off, &r) == FP_OK && r.type == FP_REC_TOTAL && r.u.total.stated == 12345 &&
          r.u.total.seq == 99 && !strcmp(r.u.total.region_path, "内蒙古自治区"));
    fp_record_free(&r);
    CHECK(fp_record_next(sb.data, sb.size, &off, &r) == 1);

    /* every truncation of a valid stream is an error, never a crash */
    for (size_t cut = 0; cut < sb.size; cut++) {
        size_t o = 0;
        int rc;
        while ((rc = fp_record_next(sb.data, cut, &o, &r)) == FP_OK) fp_record_free(&r);
        CHECK(rc == 1 || rc == FP_EPROTO);
    }
    /* garbage */
    srand(7);
    for (int round = 0; round < 2000; round++) {
        char junk[64];
        for (size_t i = 0; i < sizeof junk; i++) junk[i] = (char)rand();
        size_t o = 0;
        int rc;
        while ((rc = fp_record_next(junk, sizeof junk, &o, &r)) == FP_OK) fp_record_free(&r);
        CHECK(rc != FP_OK);
    }
    /* flipped bytes of a valid record */
    for (size_t i = 0; i < sb.size; i++) {
        char *m = malloc(sb.size);
        memcpy(m, sb.data, sb.size);
        m[i] ^= 0x5a;
        size_t o = 0;
        while (fp_record_next(m, sb.size, &o, &r) == FP_OK) fp_record_free(&r);
        free(m);
    }
    /* unknown version, missing type, unknown type, missing required key, wrong id */
    msgpack_sbuffer_clear(&sb);
    msgpack_pack_map(&pk, 2);
    msgpack_pack_str_with_body(&pk, "v", 1);
    msgpack_pack_uint32(&pk, FP_RECORD_VERSION + 1);
    msgpack_pack_str_with_body(&pk, "t", 1);
    msgpack_pack_str_with_body(&pk, "ack", 3);
    CHECK(decode_one(&sb, &r) == FP_EVERSION);
    msgpack_sbuffer_clear(&sb);
    msgpack_pack_map(&pk, 1);
    msgpack_pack_str_with_body(&pk, "v", 1);
    msgpack_pack_uint32(&pk, FP_RECORD_VERSION);
    CHECK(decode_one(&sb, &r) == FP_EPROTO);
    msgpack_sbuffer_clear(&sb);
    msgpack_pack_map(&pk, 2);
    msgpack_pack_str_with_body(&pk, "v", 1);
    msgpack_pack_uint32(&pk, FP_RECORD_VERSION);
    msgpack_pack_str_with_body(&pk, "t", 1);
    msgpack_pack_str_with_body(&pk, "bogus", 5);
    CHECK(decode_one(&sb, &r) == FP_EPROTO);
    msgpack_sbuffer_clear(&sb);
    msgpack_pack_map(&pk, 4);
    msgpack_pack_str_with_body(&pk, "v", 1);
    msgpack_pack_uint32(&pk, FP_RECORD_VERSION);
    msgpack_pack_str_with_body(&pk, "t", 1);
    msgpack_pack_str_with_body(&pk, "ack", 3);
    msgpack_pack_str_with_body(&pk, "rid", 3);
    msgpack_pack_str_with_body(&pk, "not-hex", 7);
    msgpack_pack_str_with_body(&pk, "sh", 2);
    msgpack_pack_uint32(&pk, 0);
    CHECK(decode_one(&sb, &r) == FP_EPROTO);
    msgpack_sbuffer_destroy(&sb);
    return CHECK_DONE();
}
