/* Codec: every record type round-trips; the bytes packed are the ones the packer made before it was
 * rewritten (old and new daemons read each other); truncated, garbage and unknown-version input is
 * rejected; unknown keys are skipped, keys in any order are found, a missing or mistyped key is an error,
 * never a crash; decoded and copied records own their strings in one block. */
#include "check.h"
#include "fp_encoding.h"
#include "fp_err.h"
#include "fp_record.h"
#include "record_golden.h"

#include <stdlib.h>
#include <string.h>

static const char *ID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

static int decode_one(msgpack_sbuffer *sb, fp_record *r)
{
    size_t off = 0;
    return fp_record_next(sb->data, sb->size, &off, r);
}

/* A map of the given pairs: key then value, each packed by a callback-free spec ("s:text", "u:123",
 * "i:-5", "n" nil, "a" an array [1, "x"], "m" a map {"k": [1]}, "b" true, "f" 1.5, "z" "C" and a NUL, "K5" an integer key 5). */
static void pack_map(msgpack_sbuffer *sb, const char *const *kv, size_t n)
{
    msgpack_packer pk;
    msgpack_sbuffer_clear(sb);
    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, n / 2);
    for (size_t i = 0; i < n; i++) {
        const char *s = kv[i];
        if (i % 2 == 0 && s[0] != 'K') msgpack_pack_str_with_body(&pk, s, strlen(s));
        else if (s[0] == 'K') msgpack_pack_int64(&pk, atoll(s + 1));
        else if (s[0] == 's') msgpack_pack_str_with_body(&pk, s + 2, strlen(s + 2));
        else if (s[0] == 'u') msgpack_pack_uint64(&pk, strtoull(s + 2, NULL, 10));
        else if (s[0] == 'i') msgpack_pack_int64(&pk, atoll(s + 2));
        else if (s[0] == 'n') msgpack_pack_nil(&pk);
        else if (s[0] == 'b') msgpack_pack_true(&pk);
        else if (s[0] == 'z') msgpack_pack_str_with_body(&pk, "C\0", 2);
        else if (s[0] == 'f') msgpack_pack_double(&pk, 1.5);
        else if (s[0] == 'a') {
            msgpack_pack_array(&pk, 2);
            msgpack_pack_int(&pk, 1);
            msgpack_pack_str_with_body(&pk, "x", 1);
        } else if (s[0] == 'm') {
            msgpack_pack_map(&pk, 1);
            msgpack_pack_str_with_body(&pk, "k", 1);
            msgpack_pack_array(&pk, 1);
            msgpack_pack_int(&pk, 1);
        }
    }
}

static int decode_kv(msgpack_sbuffer *sb, const char *const *kv, size_t n, fp_record *r)
{
    pack_map(sb, kv, n);
    size_t off = 0;
    int rc = fp_record_next(sb->data, sb->size, &off, r);
    CHECK(off == sb->size); /* a whole map is passed over, decoded or refused */
    return rc;
}

#define N(a) (sizeof a / sizeof a[0])
#define HEXID "s:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* The packer's bytes are those the msgpack-c calls made (tests/record_golden.h), and they decode back. */
static void wire_unchanged(void)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    static char longs[70001];
    golden_records(&pk, longs, sizeof longs);
    char id[FP_ID_HEX + 1];
    fp_content_id(sb.data, sb.size, id);
    CHECK(sb.size == 111362);
    CHECK(!strcmp(id, "d08a328bb199fa4c1eb7fb66aa5a636f91c76eb3934ff5d594604f232e728385"));
    size_t off = 0;
    fp_record r;
    CHECK(fp_record_next(sb.data, sb.size, &off, &r) == FP_OK && r.type == FP_REC_REPORT);
    CHECK(r.u.report.year_hint == -7 && r.u.report.acked == 300 && r.u.report.arrived_ms == 1764479000123ULL);
    CHECK(r.u.report.text_len == 70000 && !strcmp(r.u.report.text, longs) && !strcmp(r.u.report.supersedes, ""));
    fp_record_free(&r);
    CHECK(r.u.report.text == NULL && r.u.report.strings == NULL);
    CHECK(fp_record_next(sb.data, sb.size, &off, &r) == FP_OK && r.type == FP_REC_FIGURE);
    CHECK(r.u.figure.seq == 70000 && r.u.figure.value == -123456789012LL && r.u.figure.weight == 65535);
    CHECK(r.u.figure.offset == 4294967295u && r.u.figure.length == 255 && r.u.figure.published == 200);
    CHECK(!strcmp(r.u.figure.counter, "个") && !strcmp(r.u.figure.indicator, "funds.donation"));
    CHECK(!strcmp(r.u.figure.sentence, longs + sizeof longs - 300) && !strcmp(r.u.figure.label, "捐赠资金"));
    fp_record_free(&r);
    CHECK(fp_record_next(sb.data, sb.size, &off, &r) == FP_OK && r.type == FP_REC_END);
    CHECK(r.u.end.count == 128 && r.u.end.arrived_ms == 65536 && r.u.end.curated == 1 && !strcmp(r.u.end.source, "x"));
    fp_record_free(&r);
    CHECK(fp_record_next(sb.data, sb.size, &off, &r) == FP_OK && r.type == FP_REC_ACK);
    CHECK(r.u.ack.seq == 4294967296ULL && r.u.ack.dead == 1 && !strcmp(r.u.ack.epoch, "0011223344556677"));
    fp_record_free(&r);
    CHECK(fp_record_next(sb.data, sb.size, &off, &r) == FP_OK && r.type == FP_REC_TOTAL);
    CHECK(r.u.total.year == -129 && !strcmp(r.u.total.status, "conflict") && strlen(r.u.total.candidates) == 39999);
    fp_record_free(&r);
    CHECK(fp_record_next(sb.data, sb.size, &off, &r) == FP_OK && r.type == FP_REC_ANOMALY);
    CHECK(r.u.anomaly.year == -40000 && r.u.anomaly.live == 0 && !strcmp(r.u.anomaly.region_path, ""));
    fp_record_free(&r);
    CHECK(fp_record_next(sb.data, sb.size, &off, &r) == 1);
    msgpack_sbuffer_destroy(&sb);
}

/* Keys: found in any order, unknown ones skipped whatever their value, the last of a repeated key counts;
 * a missing required key, a value of the wrong type or out of range is FP_EPROTO and leaks nothing. */
static void keys(void)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    fp_record r;
    /* an ack, its keys reversed, with unknown keys between them (containers, nil, an integer key) */
    const char *ack[] = {"zz", "m", "dl", "u:1", "K5", "s:x", "sh", "u:3", "new", "a", "rid", HEXID,
                         "t", "s:ack", "f", "n", "v", "u:2"};
    CHECK(decode_kv(&sb, ack, N(ack), &r) == FP_OK && r.type == FP_REC_ACK && r.u.ack.shard == 3 && r.u.ack.dead == 1);
    CHECK(r.u.ack.seq == 0 && r.u.ack.epoch[0] == '\0'); /* missing optional keys: zero, empty */
    fp_record_free(&r);
    /* an end whose source comes twice: the last counts */
    const char *end[] = {"v", "u:2", "t", "s:end", "rid", HEXID, "sh", "u:0", "n", "u:4", "src", "s:first",
                         "src", "s:second"};
    CHECK(decode_kv(&sb, end, N(end), &r) == FP_OK && r.type == FP_REC_END && !strcmp(r.u.end.source, "second"));
    fp_record_free(&r);
    /* missing optional strings stay NULL, present ones are set */
    const char *fig[] = {"v", "u:2", "t", "s:figure", "rid", HEXID, "seq", "u:1", "tx", "s:5户", "val", "s:5",
                         "u", "s:household", "q", "s:exact", "rel", "s:total", "rc", "s:15", "rp", "s:内蒙古自治区",
                         "m", "s:households", "y", "i:-3"};
    CHECK(decode_kv(&sb, fig, N(fig), &r) == FP_OK && r.type == FP_REC_FIGURE && r.u.figure.year == -3);
    CHECK(r.u.figure.label == NULL && r.u.figure.sentence == NULL && r.u.figure.source == NULL);
    CHECK(!strcmp(r.u.figure.text, "5户") && !strcmp(r.u.figure.region_path, "内蒙古自治区"));
    fp_record_free(&r);
    /* each required key of the figure missing in turn */
    for (size_t skip = 4; skip < N(fig); skip += 2) {
        const char *kv[N(fig)];
        size_t n = 0;
        for (size_t i = 0; i < N(fig); i += 2)
            if (i != skip) kv[n++] = fig[i], kv[n++] = fig[i + 1];
        int rc = decode_kv(&sb, kv, n, &r);
        if (!strcmp(fig[skip], "y")) { /* the year is optional */
            CHECK(rc == FP_OK);
            if (rc == FP_OK) fp_record_free(&r);
        } else {
            CHECK(rc == FP_EPROTO);
        }
    }
    /* wrong types and out-of-range values, one at a time, in the figure (after its strings were seen) */
    static const struct {
        const char *key, *val;
    } bad[] = {
        {"seq", "s:1"},     {"seq", "i:-1"},          {"seq", "u:4294967296"}, {"seq", "n"},
        {"tx", "u:5"},      {"tx", "a"},              {"tx", "m"},             {"tx", "n"},
        {"rp", "b"},        {"val", "u:5"},           {"val", "s:abc"},        {"u", "s:0123456789abcdef"},
        {"u", "u:1"},       {"y", "s:2019"},          {"y", "i:-1000001"},     {"y", "u:1000001"},
        {"y", "f"},         {"rid", "s:0123"},        {"wt", "u:65536"},       {"opt", "i:-1"},
        {"opt", "u:256"},   {"lb", "a"},              {"ctx", "u:0"},          {"off", "s:1"},
        {"u", "z"},         {"rc", "z"}, /* a NUL inside a fixed field */
    };
    for (size_t b = 0; b < N(bad); b++) {
        const char *kv[N(fig) + 2];
        memcpy(kv, fig, sizeof fig);
        kv[N(fig)] = bad[b].key, kv[N(fig) + 1] = bad[b].val; /* a repeated key: this last one counts */
        if (decode_kv(&sb, kv, N(kv), &r) != FP_EPROTO) {
            fprintf(stderr, "accepted %s = %s\n", bad[b].key, bad[b].val);
            CHECK(0);
            fp_record_free(&r);
        }
    }
    /* not a map: refused, passed over */
    msgpack_sbuffer_clear(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_array(&pk, 1);
    msgpack_pack_int(&pk, 1);
    size_t off = 0;
    CHECK(fp_record_next(sb.data, sb.size, &off, &r) == FP_EPROTO && off == sb.size);
    /* more keys than fit on the decoder's stack: the record still decodes */
    {
        const char *kv[N(ack) + 200];
        char names[100][8];
        memcpy(kv, ack, sizeof ack);
        for (int i = 0; i < 100; i++) {
            snprintf(names[i], sizeof names[i], "x%d", i);
            kv[N(ack) + 2 * i] = names[i];
            kv[N(ack) + 2 * i + 1] = "u:7";
        }
        CHECK(decode_kv(&sb, kv, N(kv), &r) == FP_OK && r.type == FP_REC_ACK && r.u.ack.shard == 3);
        fp_record_free(&r);
    }
    /* a map claiming more pairs than its bytes can hold */
    const char lie[] = "\xdf\x7f\xff\xff\xff\xa1v\x02";
    off = 0;
    CHECK(fp_record_next(lie, sizeof lie - 1, &off, &r) == FP_EPROTO && off == 0);
    msgpack_sbuffer_destroy(&sb);
}

/* A decoded record's strings are one block; a copy has its own; a figure a caller built with strdup'd
 * strings (strings NULL) is still freed string by string (ASan checks both for leaks and double frees). */
static void ownership(void)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    fp_figure f = {.seq = 1, .text = "5户", .unit = "household", .qualifier = "exact", .relation = "total",
                   .region_code = "15", .region_path = "内蒙古自治区", .metric = "households", .label = "户",
                   .source = "a.txt"};
    strcpy(f.report_id, ID);
    CHECK(fp_pack_figure(&pk, &f) == FP_OK);
    fp_record r;
    CHECK(decode_one(&sb, &r) == FP_OK && r.type == FP_REC_FIGURE && r.u.figure.strings != NULL);
    CHECK(r.u.figure.text == r.u.figure.strings); /* the first string starts the block */
    CHECK(!strcmp(r.u.figure.sentence, "") && !strcmp(r.u.figure.label, "户"));
    fp_figure copy;
    CHECK(fp_figure_copy(&copy, &r.u.figure) == FP_OK && copy.strings && copy.strings != r.u.figure.strings);
    fp_record_free(&r); /* the copy outlives it */
    CHECK(!strcmp(copy.text, "5户") && !strcmp(copy.region_path, "内蒙古自治区") && !strcmp(copy.source, "a.txt"));
    fp_figure_free(&copy);
    CHECK(copy.text == NULL && copy.strings == NULL);
    fp_figure own = {.text = strdup("a"), .region_path = strdup("b"), .label = NULL, .sentence = strdup("c")};
    CHECK(own.text && own.region_path && own.sentence);
    fp_figure_free(&own);
    fp_figure none = {0}, none2;
    CHECK(fp_figure_copy(&none2, &none) == FP_OK && none2.strings == NULL && none2.text == NULL);
    fp_figure_free(&none2);
    msgpack_sbuffer_destroy(&sb);
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
    wire_unchanged();
    keys();
    ownership();
    return CHECK_DONE();
}
