/* The aggregate store and the sink's table, without sockets: exactly-once
 * apply, the part rule, revisions, re-opening after a crash, the checks,
 * and the common map they build on. */
#include "check.h"
#include "fp_err.h"
#include "fp_map.h"
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RID_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define RID_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define RID_C "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"

typedef struct {
    fp_total t[64];
    int nt;
    char kinds[16][24];
    int live[16];
    int na;
    uint64_t last_seq;
} seen;

static int on_total(const fp_total *t, void *ud)
{
    seen *s = ud;
    if (s->nt < 64) s->t[s->nt++] = *t;
    s->last_seq = t->seq;
    return FP_OK;
}

static int on_anomaly(const fp_anomaly *a, void *ud)
{
    seen *s = ud;
    if (s->na < 16) {
        snprintf(s->kinds[s->na], sizeof s->kinds[0], "%s", a->kind);
        s->live[s->na++] = a->live;
    }
    s->last_seq = a->seq;
    return FP_OK;
}

static fp_figure fig(const char *rid, uint32_t seq, const char *rc, long long yuan, const char *rel,
                     const char *sentence, uint32_t off)
{
    fp_figure f = {.seq = seq, .value = yuan * 10000, .year = 2019, .region_path = "内蒙古自治区/锡林郭勒盟",
                   .text = "x", .sentence = (char *)sentence, .offset = off, .source = "r.txt"};
    snprintf(f.report_id, sizeof f.report_id, "%s", rid);
    snprintf(f.unit, sizeof f.unit, "CNY");
    snprintf(f.relation, sizeof f.relation, "%s", rel);
    snprintf(f.qualifier, sizeof f.qualifier, "exact");
    snprintf(f.region_code, sizeof f.region_code, "%s", rc);
    snprintf(f.metric, sizeof f.metric, "funds");
    return f;
}

static fp_end end_of(const char *rid, uint32_t n, const char *sup)
{
    fp_end e = {.count = n, .source = "r.txt"};
    snprintf(e.report_id, sizeof e.report_id, "%s", rid);
    snprintf(e.supersedes, sizeof e.supersedes, "%s", sup ? sup : "");
    return e;
}

/* The last total seen for a region code. */
static const fp_total *last(const seen *s, const char *rc)
{
    for (int i = s->nt; i-- > 0;)
        if (!strcmp(s->t[i].region_code, rc)) return &s->t[i];
    return NULL;
}

static void test_store(const char *path)
{
    fp_store *st;
    CHECK(fp_store_open(&st, path, 0) == FP_OK);
    seen s = {0};
    fp_store_out out = {on_total, on_anomaly, &s};
    const char *sent = "全年投入资金9.4亿元,其中财政资金5.8亿元,协作资金4.0亿元。";
    /* A: a whole of 100 with parts 60 + 50 (they exceed it), and a 30 on its own. */
    fp_figure a[] = {fig(RID_A, 0, "1525", 100, "total", sent, 0), fig(RID_A, 1, "1525", 60, "part", sent, 10),
                     fig(RID_A, 2, "1525", 50, "part", sent, 20), fig(RID_A, 3, "1525", 30, "total", "s2", 0)};
    fp_end ea = end_of(RID_A, 4, NULL);
    int fresh;
    CHECK(fp_store_apply(st, &ea, a, 4, &fresh, &out) == FP_OK && fresh == 1);
    const fp_total *t = last(&s, "1525");
    CHECK(t && t->own == 130 * 10000 && t->facts == 2 && t->reports == 1);
    CHECK(s.na == 1 && !strcmp(s.kinds[0], "parts_exceed_whole") && s.live[0] == 1);
    /* the same report again: nothing changes, nothing is sent */
    int before = s.nt;
    CHECK(fp_store_apply(st, &ea, a, 4, &fresh, &out) == FP_OK && fresh == 0 && s.nt == before);
    /* B states 60 as a total (A has it as a part: still not counted) and 30 (already counted: no new fact),
     * and 45, a new value for the key: a conflict between reports */
    fp_figure b[] = {fig(RID_B, 0, "1525", 60, "total", "b", 0), fig(RID_B, 1, "1525", 30, "total", "b", 5),
                     fig(RID_B, 2, "1525", 45, "total", "b", 9)};
    fp_end eb = end_of(RID_B, 3, NULL);
    s.na = 0;
    CHECK(fp_store_apply(st, &eb, b, 3, &fresh, &out) == FP_OK && fresh == 1);
    t = last(&s, "1525");
    CHECK(t && t->own == 175 * 10000 && t->facts == 3 && t->reports == 2);
    CHECK(s.na == 1 && !strcmp(s.kinds[0], "conflicting_values") && s.live[0] == 1);
    uint64_t seq_before = s.last_seq;
    fp_store_close(st);

    /* re-open, as after kill -9: the sequence and the totals are where they were */
    CHECK(fp_store_open(&st, path, 0) == FP_OK);
    seen snap = {0};
    fp_store_out sout = {on_total, on_anomaly, &snap};
    uint64_t seq;
    CHECK(fp_store_snapshot(st, &sout, &seq) == FP_OK && seq == seq_before);
    t = last(&snap, "1525");
    CHECK(t && t->own == 175 * 10000 && t->facts == 3 && snap.na == 2);

    /* C revises A: only 100 remains of it; the parts go, so 60 (B's total) now counts */
    fp_figure c[] = {fig(RID_C, 0, "1525", 100, "total", "c", 0)};
    fp_end ec = end_of(RID_C, 1, RID_A);
    seen s2 = {0};
    fp_store_out out2 = {on_total, on_anomaly, &s2};
    CHECK(fp_store_apply(st, &ec, c, 1, &fresh, &out2) == FP_OK && fresh == 1);
    t = last(&s2, "1525");
    /* facts: 100 (C), 60, 30, 45 (B) */
    CHECK(t && t->own == 235 * 10000 && t->facts == 4 && t->reports == 2);
    int cleared = 0;
    for (int i = 0; i < s2.na; i++) cleared += !strcmp(s2.kinds[i], "parts_exceed_whole") && !s2.live[i];
    CHECK(cleared == 1);
    /* the superseded report arriving late changes nothing */
    CHECK(fp_store_apply(st, &ea, a, 4, &fresh, &out2) == FP_OK && fresh == 0);
    /* A comes back as the revision of C (its source revised back): A lives again, C retires */
    fp_end ea2 = end_of(RID_A, 4, RID_C);
    seen s3 = {0};
    fp_store_out out3 = {on_total, on_anomaly, &s3};
    CHECK(fp_store_apply(st, &ea2, a, 4, &fresh, &out3) == FP_OK && fresh == 1);
    t = last(&s3, "1525");
    CHECK(t && t->own == 175 * 10000 && t->facts == 3 && t->reports == 2);
    long long reports, mentions;
    CHECK(fp_store_counts(st, &reports, &mentions) == FP_OK && reports == 3 && mentions == 7);
    fp_store_close(st);
    CHECK(!fp_unit_additive("percent") && fp_unit_additive("household"));
}

static void test_map(void)
{
    fp_map m = {0};
    char k[32];
    int vals[1000];
    for (int i = 0; i < 1000; i++) {
        vals[i] = i;
        snprintf(k, sizeof k, "key%d", i);
        CHECK(fp_map_put(&m, k, &vals[i], NULL) == FP_OK);
    }
    CHECK(m.n == 1000);
    for (int i = 0; i < 1000; i += 2) {
        snprintf(k, sizeof k, "key%d", i);
        CHECK(fp_map_del(&m, k) == &vals[i]);
    }
    int ok = 1;
    for (int i = 0; i < 1000; i++) {
        snprintf(k, sizeof k, "key%d", i);
        int *v = fp_map_get(&m, k);
        ok &= (i % 2) ? (v && *v == i) : v == NULL;
    }
    CHECK(ok && m.n == 500);
    void *old;
    CHECK(fp_map_put(&m, "key1", &vals[7], &old) == FP_OK && old == &vals[1] && m.n == 500);
    CHECK(fp_map_get(&m, "nope") == NULL && fp_map_del(&m, "nope") == NULL);
    fp_map_free(&m);
}

int main(void)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/fupin-test-store-%d.db", (int)getpid());
    test_store(path);
    char p2[80];
    unlink(path);
    snprintf(p2, sizeof p2, "%s-wal", path), unlink(p2);
    snprintf(p2, sizeof p2, "%s-shm", path), unlink(p2);
    test_map();
    return CHECK_DONE();
}
