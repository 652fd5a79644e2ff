/* Writes the seed corpora of the record and store fuzz targets: messages as
 * the stages send them (a report; each seed report's figures and end, as
 * normalize sends one shard; an ack, a total, a finding).
 * usage: fuzz_corpus DATADIR CORPUSDIR SEED.txt... */
#include "extract.h"
#include "fp_err.h"
#include "fp_record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    msgpack_packer *pk;
    const char *id;
    uint32_t n;
} packing;

static int pack_fig(const fp_figure *f, void *ud)
{
    packing *p = ud;
    fp_figure g = *f;
    snprintf(g.report_id, sizeof g.report_id, "%s", p->id);
    g.seq = p->n++;
    return p->n > 40 ? 1 : fp_pack_figure(p->pk, &g); /* a small seed is enough */
}

static int put(const char *dir, const char *name, const msgpack_sbuffer *sb)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(sb->data, 1, sb->size, f) != sb->size) {
        fprintf(stderr, "cannot write %s\n", path);
        if (f) fclose(f);
        return FP_EIO;
    }
    return fclose(f) ? FP_EIO : FP_OK;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: fuzz_corpus DATADIR CORPUSDIR SEED.txt...\n");
        return 2;
    }
    fp_extractor *x;
    if (fp_extractor_load(&x, argv[1])) return 1;
    char rec[4096], sto[4096];
    snprintf(rec, sizeof rec, "%s/record", argv[2]);
    snprintf(sto, sizeof sto, "%s/store", argv[2]);
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    int rc = 0;
    for (int i = 3; i < argc && !rc; i++) {
        FILE *f = fopen(argv[i], "rb");
        char text[3000];
        size_t len = f ? fread(text, 1, sizeof text - 1, f) : 0;
        if (f) fclose(f);
        while (len && (text[len - 1] & 0xC0) == 0x80) len--; /* whole characters only */
        if (len) len--;
        text[len] = '\0';
        char id[FP_ID_HEX + 1];
        memset(id, 'a' + i, FP_ID_HEX);
        id[FP_ID_HEX] = '\0';
        msgpack_sbuffer_clear(&sb);
        packing p = {&pk, id, 0};
        fp_doc_info info;
        fp_extract(x, argv[i], text, len, 0, NULL, pack_fig, &p, &info);
        fp_end e = {.count = p.n > 40 ? 40 : p.n, .source = argv[i]};
        snprintf(e.report_id, sizeof e.report_id, "%s", id);
        if (i == 4) memset(e.supersedes, 'a' + 3, FP_ID_HEX); /* a revision of the first */
        fp_pack_end(&pk, &e);
        char name[32];
        snprintf(name, sizeof name, "seed-%d", i - 3);
        rc = put(sto, name, &sb);
        if (!rc && i == 3) rc = put(rec, "figures-end", &sb);
        if (!rc && i == 3) {
            msgpack_sbuffer_clear(&sb);
            fp_report r = {.source = argv[i], .encoding = "UTF-8", .region_hint = "", .supersedes = "", .text = text,
                           .text_len = len, .year_hint = 2019};
            snprintf(r.id, sizeof r.id, "%s", id);
            fp_pack_report(&pk, &r);
            rc = put(rec, "report", &sb);
            msgpack_sbuffer_clear(&sb);
            fp_ack a = {.shard = 1, .seq = 7, .epoch = "0123456789abcdef", .dead = 1};
            snprintf(a.report_id, sizeof a.report_id, "%s", id);
            fp_pack_ack(&pk, &a);
            fp_total t = {.shard = 1, .seq = 8, .region_code = "1525", .region_path = "内蒙古自治区/锡林郭勒盟",
                          .year = 2019, .indicator = "funds.total", .series = "value", .metric = "funds",
                          .unit = "CNY", .stated = 9400000000000LL, .status = "exact", .facts = 2, .reports = 1,
                          .candidates = "[]"};
            fp_pack_total(&pk, &t);
            fp_anomaly an = {.shard = 1, .seq = 9, .id = "parts|x", .kind = "parts_exceed_whole",
                             .region_code = "1525", .region_path = "", .year = 2019, .indicator = "funds.total",
                             .unit = "CNY", .detail = "{}", .live = 1};
            fp_pack_anomaly(&pk, &an);
            if (!rc) rc = put(rec, "ack-total-anomaly", &sb);
        }
    }
    msgpack_sbuffer_destroy(&sb);
    fp_extractor_free(x);
    return rc ? 1 : 0;
}
