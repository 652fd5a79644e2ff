/* The aggregate store and the sink's table, without sockets: exactly-once
 * apply, one stated value per cell with precedence and conflict, revisions,
 * re-opening after a crash, findings kept with their report; the table's
 * rollup per kind and every check, positive and negative; and the common
 * map they build on. */
#include "check.h"
#include "data_fixture.h"
#include "fp_err.h"
#include "fp_gazetteer.h"
#include "fp_indicators.h"
#include "fp_map.h"
#include "store.h"
#include "table.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RID_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define RID_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define RID_C "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
#define D(x) ((fp_dec)(x) * FP_DEC_SCALE)

/* What the store sent: the last cell per indicator, copied. */
typedef struct {
    char ind[8][96];
    fp_dec stated[8];
    char status[8][12];
    uint32_t facts[8], reports[8];
    char cand[8][2048];
    int n;
    int anomalies, live;
    uint64_t last_seq;
} seen;

static int on_total(const fp_total *t, void *ud)
{
    seen *s = ud;
    int i = 0;
    while (i < s->n && strcmp(s->ind[i], t->indicator)) i++;
    if (i == s->n && s->n < 8) s->n++;
    if (i < 8) {
        snprintf(s->ind[i], sizeof s->ind[i], "%s", t->indicator);
        s->stated[i] = t->stated;
        snprintf(s->status[i], sizeof s->status[i], "%s", t->status);
        s->facts[i] = t->facts;
        s->reports[i] = t->reports;
        snprintf(s->cand[i], sizeof s->cand[i], "%s", t->candidates ? t->candidates : "");
    }
    s->last_seq = t->seq;
    return FP_OK;
}

static int on_anomaly(const fp_anomaly *a, void *ud)
{
    seen *s = ud;
    s->anomalies++;
    s->live += a->live ? 1 : -1;
    s->last_seq = a->seq;
    return FP_OK;
}

static int cell(const seen *s, const char *ind)
{
    for (int i = 0; i < s->n; i++)
        if (!strcmp(s->ind[i], ind)) return i;
    return -1;
}

static fp_figure fig(const char *rid, uint32_t seq, const char *ind, long long yuan, uint16_t weight, uint32_t off)
{
    fp_figure f = {.seq = seq, .value = D(yuan), .year = 2019, .region_path = "内蒙古自治区/锡林郭勒盟",
                   .text = "x", .sentence = "s", .offset = off, .source = "r.txt", .weight = weight};
    snprintf(f.report_id, sizeof f.report_id, "%s", rid);
    snprintf(f.unit, sizeof f.unit, "CNY");
    snprintf(f.relation, sizeof f.relation, "total");
    snprintf(f.qualifier, sizeof f.qualifier, "exact");
    snprintf(f.region_code, sizeof f.region_code, "1525");
    snprintf(f.metric, sizeof f.metric, "funds");
    snprintf(f.indicator, sizeof f.indicator, "%s", ind);
    snprintf(f.series, sizeof f.series, "value");
    return f;
}

static fp_end end_of(const char *rid, uint32_t n, const char *sup, const char *source)
{
    fp_end e = {.count = n, .source = (char *)source};
    snprintf(e.report_id, sizeof e.report_id, "%s", rid);
    snprintf(e.supersedes, sizeof e.supersedes, "%s", sup ? sup : "");
    return e;
}

static void test_choose(void)
{
    size_t g[8], ng;
    /* the stronger statement wins over the larger */
    fp_fact a[] = {{D(100), 0, 1, 3000}, {D(500), 0, 1, 2000}};
    CHECK(fp_cell_choose(a, 2, g, &ng) == 0 && ng == 2);
    /* equal weight: the larger (a sub-channel beside its whole is smaller) */
    fp_fact b[] = {{D(100), 0, 1, 3000}, {D(500), 0, 1, 3000}};
    CHECK(fp_cell_choose(b, 2, g, &ng) == 1 && ng == 2);
    /* curated beats everything */
    fp_fact c[] = {{D(100), 1, 1, 0}, {D(500), 0, 1, 3999}};
    CHECK(fp_cell_choose(c, 2, g, &ng) == 0);
    /* a rounded restatement is the same fact: 0.46亿 and 4635.2万; the first stands */
    fp_fact d[] = {{D(46000000), 0, 1, 3000}, {(fp_dec)463520000000LL, 0, 1, 3000}};
    CHECK(fp_cell_choose(d, 2, g, &ng) == 0 && ng == 1 && g[1] == 0);
    /* 100 is no rounding of 96 (one digit kept), nor 5 of 6 */
    fp_fact e[] = {{D(100), 0, 1, 3000}, {D(96), 0, 1, 3000}, {D(5), 0, 1, 3000}, {D(6), 0, 1, 3000}};
    CHECK(fp_cell_choose(e, 4, g, &ng) == 0 && ng == 4);
    /* the same value twice is one fact */
    fp_fact f[] = {{D(7), 0, 1, 3000}, {D(7), 0, 0, 2000}};
    CHECK(fp_cell_choose(f, 2, g, &ng) == 0 && ng == 1);
}

static void test_store(const char *path)
{
    fp_store *st;
    CHECK(fp_store_open(&st, path, 0) == FP_OK);
    seen s = {0};
    fp_store_out out = {on_total, on_anomaly, &s};
    int fresh;
    /* A states the whole twice (one fact) and a part */
    fp_figure a[] = {fig(RID_A, 0, "funds.total", 940000000, 3524, 10), fig(RID_A, 1, "funds.fiscal", 580000000, 3524, 30),
                     fig(RID_A, 2, "funds.total", 940000000, 3000, 90)};
    snprintf(a[1].relation, sizeof a[1].relation, "part");
    fp_anomaly chk = {.id = "parts|" RID_A "|10", .kind = "parts_exceed_whole", .region_code = "1525", .year = 2019,
                      .indicator = "funds.total", .unit = "CNY", .region_path = "内蒙古自治区/锡林郭勒盟",
                      .detail = "{\"rule\":\"parts_exceed_whole\"}", .live = 1};
    fp_end ea = end_of(RID_A, 3, NULL, "a.txt");
    CHECK(fp_store_apply(st, &ea, a, 3, &chk, 1, &fresh, &out) == FP_OK && fresh);
    int t = cell(&s, "funds.total"), f = cell(&s, "funds.fiscal");
    CHECK(t >= 0 && s.stated[t] == D(940000000) && !strcmp(s.status[t], "exact") && s.facts[t] == 2 &&
          s.reports[t] == 1);
    CHECK(f >= 0 && s.stated[f] == D(580000000));
    CHECK(s.anomalies == 1 && s.live == 1);
    /* applied again: nothing changes, nothing is sent */
    seen before = s;
    CHECK(fp_store_apply(st, &ea, a, 3, &chk, 1, &fresh, &out) == FP_OK && !fresh && s.last_seq == before.last_seq);
    /* B states another value, more weakly: a conflict, A's value stands, both are candidates */
    fp_figure b[] = {fig(RID_B, 0, "funds.total", 363000000, 3000, 5)};
    fp_end eb = end_of(RID_B, 1, NULL, "b.txt");
    CHECK(fp_store_apply(st, &eb, b, 1, NULL, 0, &fresh, &out) == FP_OK && fresh);
    t = cell(&s, "funds.total");
    CHECK(s.stated[t] == D(940000000) && !strcmp(s.status[t], "conflict") && s.reports[t] == 2);
    CHECK(strstr(s.cand[t], "\"value\":\"940000000\",\"chosen\":true") && strstr(s.cand[t], "\"value\":\"363000000\""));
    /* C revises A and no longer states the whole: B's value is all there is; A's finding goes */
    fp_figure c[] = {fig(RID_C, 0, "funds.fiscal", 600000000, 3524, 30)};
    fp_end ec = end_of(RID_C, 1, RID_A, "a.txt");
    CHECK(fp_store_apply(st, &ec, c, 1, NULL, 0, &fresh, &out) == FP_OK && fresh);
    t = cell(&s, "funds.total");
    f = cell(&s, "funds.fiscal");
    CHECK(s.stated[t] == D(363000000) && !strcmp(s.status[t], "exact") && s.facts[t] == 1);
    CHECK(s.stated[f] == D(600000000) && s.live == 0);
    uint64_t seq = fp_store_seq(st);
    fp_store_close(st);
    /* reopened (as after kill -9): same sequence, same cells in the snapshot */
    CHECK(fp_store_open(&st, path, 0) == FP_OK);
    CHECK(fp_store_seq(st) == seq);
    seen snap = {0};
    fp_store_out so = {on_total, on_anomaly, &snap};
    uint64_t sq;
    CHECK(fp_store_snapshot(st, &so, &sq) == FP_OK && sq == seq && snap.n == 2 && snap.anomalies == 0);
    CHECK(snap.stated[cell(&snap, "funds.total")] == D(363000000));
    /* revising back to A's content brings A back (its page said 2019) */
    for (int i = 0; i < 3; i++) a[i].published = 2019;
    fp_end back = end_of(RID_A, 3, RID_C, "a.txt");
    CHECK(fp_store_apply(st, &back, a, 3, &chk, 1, &fresh, &out) == FP_OK && fresh);
    CHECK(s.stated[cell(&s, "funds.total")] == D(940000000) && s.stated[cell(&s, "funds.fiscal")] == D(580000000));
    fp_buf facts = {0};
    CHECK(fp_store_facts(st, "1525", 2019, "funds.total", "", "", &facts) == FP_OK && facts.p &&
          strstr(facts.p, "\"stated\":true") && strstr(facts.p, "\"stated\":false"));
    CHECK(strstr(facts.p, "\"published\":2019") && strstr(facts.p, "\"published\":null"));
    fp_buf_free(&facts);
    fp_store_close(st);
}

static int count_in(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; hay && (p = strstr(p, needle)); p += strlen(needle)) n++;
    return n;
}

/* seen a and b agree on every cell, field by field (candidates included). */
static int same_cells(const seen *a, const seen *b)
{
    int ok = a->n == b->n;
    for (int i = 0; ok && i < a->n; i++) {
        int j = cell(b, a->ind[i]);
        ok = j >= 0 && a->stated[i] == b->stated[j] && !strcmp(a->status[i], b->status[j]) &&
             a->facts[i] == b->facts[j] && a->reports[i] == b->reports[j] && !strcmp(a->cand[i], b->cand[j]);
    }
    return ok;
}

static int exec_on(const char *path, const char *sql)
{
    sqlite3 *db;
    int ok = sqlite3_open(path, &db) == SQLITE_OK && sqlite3_busy_timeout(db, 5000) == SQLITE_OK &&
             sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK;
    sqlite3_close(db);
    return ok;
}

/* the mentions of report rid that hold a sentence's text (the last string of their packed fields) */
#define SENTENCES_OF(rid)                                                                                        \
    "SELECT COUNT(*) FROM mentions m JOIN applied a ON a.rn = m.id >> 24 WHERE a.report_id = '" rid "'" \
    " AND substr(m.f, -2, 1) <> x'00'"

/* The first column of the first row of sql on the database at path; -1 on an error. */
static long long int_of(const char *path, const char *sql)
{
    sqlite3 *db;
    sqlite3_stmt *st = NULL;
    long long v = -1;
    if (sqlite3_open(path, &db) == SQLITE_OK && sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

/* Cells live in memory, the rows are their log: a report that fails half
 * way (its first mention folded in, its second refused), and a group whose
 * commit fails, leave memory as the rows say; reopening rebuilds the same
 * cells; a sentence with many figures is stored once; a store of the
 * previous schema is refused. */
static void test_memory(const char *path)
{
    unlink(path);
    fp_store *st;
    CHECK(fp_store_open(&st, path, 0) == FP_OK);
    fp_store_close(st);
    /* B's second mention is refused: its first (already in memory) must go too */
    CHECK(exec_on(path, "CREATE TRIGGER half BEFORE INSERT ON mentions"
                        " WHEN NEW.source = 'b.txt' AND (NEW.id & 16777215) = 1"
                        " BEGIN SELECT RAISE(ABORT, 'half'); END"));
    CHECK(fp_store_open(&st, path, 0) == FP_OK);
    seen s = {0};
    fp_store_out out = {on_total, on_anomaly, &s};
    int fresh;
    fp_figure a[] = {fig(RID_A, 0, "funds.total", 7, 3000, 1), fig(RID_A, 1, "funds.total", 7, 3000, 5),
                     fig(RID_A, 2, "funds.fiscal", 3, 3000, 9)};
    a[0].sentence = a[1].sentence = "全旗投入7元。";
    a[2].sentence = "其中财政3元。";
    fp_figure b[] = {fig(RID_B, 0, "funds.total", 9, 4000, 1), fig(RID_B, 1, "funds.fiscal", 2, 3000, 3)};
    b[0].source = b[1].source = "b.txt";
    fp_end ea = end_of(RID_A, 3, NULL, "a.txt"), eb = end_of(RID_B, 2, NULL, "b.txt");
    CHECK(fp_store_begin(st) == FP_OK);
    CHECK(fp_store_apply(st, &ea, a, 3, NULL, 0, &fresh, &out) == FP_OK && fresh);
    CHECK(fp_store_apply(st, &eb, b, 2, NULL, 0, &fresh, &out) != FP_OK);
    CHECK(fp_store_commit(st, &out) == FP_OK);
    int t = cell(&s, "funds.total");
    CHECK(t >= 0 && s.stated[t] == D(7) && !strcmp(s.status[t], "exact") && s.facts[t] == 2 && s.reports[t] == 1);
    long long reports = 0, mentions = 0;
    CHECK(fp_store_counts(st, &reports, &mentions, NULL) == FP_OK && reports == 1 && mentions == 3);
    /* the sentence two figures share is one row, and each figure still shows its own */
    fp_buf facts = {0};
    CHECK(fp_store_facts(st, "1525", 2019, "funds.total", "value", "CNY", &facts) == FP_OK && facts.p &&
          count_in(facts.p, "\"sentence\":\"全旗投入7元。\"") == 2);
    fp_buf_free(&facts);
    CHECK(fp_store_facts(st, "1525", 2019, "funds.fiscal", "", "", &facts) == FP_OK && facts.p &&
          count_in(facts.p, "\"sentence\":\"其中财政3元。\"") == 1);
    fp_buf_free(&facts);
    fp_store_close(st);
    CHECK(int_of(path, SENTENCES_OF(RID_A)) == 2);
    /* a group whose commit fails: nothing of it stays, in the rows or in memory */
    CHECK(exec_on(path, "DROP TRIGGER half; CREATE TRIGGER nocommit BEFORE INSERT ON meta"
                        " BEGIN SELECT RAISE(ABORT, 'no commit'); END"));
    CHECK(fp_store_open(&st, path, 0) == FP_OK);
    CHECK(fp_store_begin(st) == FP_OK);
    CHECK(fp_store_apply(st, &eb, b, 2, NULL, 0, &fresh, &out) == FP_OK && fresh);
    seen before = s;
    CHECK(fp_store_commit(st, &out) != FP_OK && s.last_seq == before.last_seq);
    seen snap = {0};
    fp_store_out so = {on_total, on_anomaly, &snap};
    uint64_t sq;
    CHECK(fp_store_snapshot(st, &so, &sq) == FP_OK && snap.n == 2);
    t = cell(&snap, "funds.total");
    CHECK(t >= 0 && snap.stated[t] == D(7) && snap.facts[t] == 2 && snap.reports[t] == 1);
    CHECK(fp_store_counts(st, &reports, &mentions, NULL) == FP_OK && reports == 1 && mentions == 3);
    fp_store_close(st);
    /* it commits once it can: B's stronger value stands, in conflict; a reopened store says the same */
    CHECK(exec_on(path, "DROP TRIGGER nocommit"));
    CHECK(fp_store_open(&st, path, 0) == FP_OK);
    CHECK(fp_store_apply(st, &eb, b, 2, NULL, 0, &fresh, &out) == FP_OK && fresh);
    t = cell(&s, "funds.total");
    CHECK(s.stated[t] == D(9) && !strcmp(s.status[t], "conflict") && s.reports[t] == 2 && s.facts[t] == 3);
    /* a revision of A retires it: the rows and memory lose it together */
    fp_figure c[] = {fig(RID_C, 0, "funds.fiscal", 2, 3000, 9)};
    fp_end ec = end_of(RID_C, 1, RID_A, "a.txt");
    CHECK(fp_store_apply(st, &ec, c, 1, NULL, 0, &fresh, &out) == FP_OK && fresh);
    t = cell(&s, "funds.total");
    int f = cell(&s, "funds.fiscal");
    CHECK(s.stated[t] == D(9) && !strcmp(s.status[t], "exact") && s.facts[t] == 1 && s.reports[t] == 1);
    CHECK(s.stated[f] == D(2) && s.facts[f] == 2 && s.reports[f] == 2);
    fp_store_close(st);
    CHECK(int_of(path, SENTENCES_OF(RID_A)) == 0);
    CHECK(fp_store_open(&st, path, 0) == FP_OK);
    seen again = {0};
    fp_store_out ao = {on_total, on_anomaly, &again};
    CHECK(fp_store_snapshot(st, &ao, &sq) == FP_OK && same_cells(&s, &again));
    /* a figure numbered past what a row id holds is refused, not folded into another report's rows */
#define RID_D "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
    fp_figure big[] = {fig(RID_D, 0, "funds.total", 5, 3000, 1), fig(RID_D, 1u << 24, "funds.total", 6, 3000, 2)};
    fp_end ed = end_of(big[0].report_id, 2, NULL, "d.txt");
    CHECK(fp_store_apply(st, &ed, big, 2, NULL, 0, &fresh, &out) == FP_EINVAL && !fresh);
    CHECK(fp_store_counts(st, &reports, &mentions, NULL) == FP_OK && reports == 3 && mentions == 3);
    fp_store_close(st);
    /* a store of the previous schema is refused, not misread */
    CHECK(exec_on(path, "PRAGMA user_version=4"));
    st = NULL;
    CHECK(fp_store_open(&st, path, 0) == FP_EINVAL && !st);
}

/* Every store gets an epoch of 16 hex digits, whatever digits it draws (one that looks like a number
 * once failed to open: 1 in a few dozen stores). */
static void test_epochs(void)
{
    int bad = 0;
    char prev[17] = "";
    for (int i = 0; i < 500; i++) {
        fp_store *st;
        if (fp_store_open(&st, ":memory:", 0) != FP_OK) {
            bad++;
            continue;
        }
        const char *e = fp_store_epoch(st);
        bad += strlen(e) != 16 || strspn(e, "0123456789abcdef") != 16 || !strcmp(e, prev);
        snprintf(prev, sizeof prev, "%s", e);
        fp_store_close(st);
    }
    CHECK(bad == 0);
}

/* A seen copy that keeps the last finding's kind and detail. */
static char last_kind[24], last_detail[512];
static int on_anomaly_kept(const fp_anomaly *a, void *ud)
{
    snprintf(last_kind, sizeof last_kind, "%s", a->kind);
    snprintf(last_detail, sizeof last_detail, "%s", a->detail ? a->detail : "");
    return on_anomaly(a, ud);
}

/* Dead letters: a report the shard cannot apply fails the same way at every
 * re-send; after max_tries it is dead (durably, with a finding), and the
 * other reports still total. The failure is a real SQLite error: a trigger
 * refuses the poison report's mentions, as a constraint or a full value would. */
static void test_dead(const char *path, int grouped)
{
    unlink(path);
    fp_store *st;
    CHECK(fp_store_open(&st, path, 0) == FP_OK);
    fp_store_close(st);
    sqlite3 *db;
    CHECK(sqlite3_open(path, &db) == SQLITE_OK &&
          sqlite3_exec(db, "CREATE TRIGGER poison BEFORE INSERT ON mentions WHEN NEW.source = 'poison.txt'"
                           " BEGIN SELECT RAISE(ABORT, 'poisoned'); END",
                       NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
    CHECK(fp_store_open(&st, path, 0) == FP_OK);
    seen s = {0};
    fp_store_out out = {on_total, on_anomaly_kept, &s};
    fp_figure p = fig(RID_A, 0, "funds.total", 5, 3000, 0), ok = fig(RID_B, 0, "funds.fiscal", 7, 3000, 0);
    p.source = "poison.txt";
    fp_end ep = end_of(RID_A, 1, NULL, "poison.txt"), eo = end_of(RID_B, 1, NULL, "ok.txt");
    int fresh, dead = -1;
    for (int try = 1; try <= 3; try++) {
        if (grouped) CHECK(fp_store_begin(st) == FP_OK);
        CHECK(!fp_store_is_dead(st, RID_A));
        CHECK(fp_store_apply(st, &ep, &p, 1, NULL, 0, &fresh, &out) != FP_OK);
        CHECK(fp_store_failed(st, &ep, "poisoned", 3, &dead, &out) == FP_OK && dead == (try == 3));
        if (try == 2) CHECK(fp_store_apply(st, &eo, &ok, 1, NULL, 0, &fresh, &out) == FP_OK && fresh);
        if (grouped) CHECK(fp_store_commit(st, &out) == FP_OK);
    }
    CHECK(fp_store_is_dead(st, RID_A) && !fp_store_is_dead(st, RID_B));
    /* the finding went out, with the report's source, tries and error */
    CHECK(!strcmp(last_kind, "dead_letter") && strstr(last_detail, "\"source\":\"poison.txt\"") &&
          strstr(last_detail, "\"tries\":3") && strstr(last_detail, "\"error\":\"poisoned\""));
    int c = cell(&s, "funds.fiscal");
    int t = cell(&s, "funds.total"); /* a group sends the cells a failed report touched again, empty */
    CHECK(c >= 0 && s.stated[c] == D(7) && (t < 0 || s.facts[t] == 0));
    long long reports = 0, mentions = 0, ndead = 0;
    CHECK(fp_store_counts(st, &reports, &mentions, &ndead) == FP_OK && reports == 1 && ndead == 1);
    fp_store_close(st);
    /* durable: after a restart it is still dead, and its finding is in the snapshot */
    CHECK(fp_store_open(&st, path, 0) == FP_OK && fp_store_is_dead(st, RID_A));
    seen snap = {0};
    fp_store_out sout = {on_total, on_anomaly_kept, &snap};
    uint64_t seq;
    last_kind[0] = '\0';
    CHECK(fp_store_snapshot(st, &sout, &seq) == FP_OK && snap.live == 1 && !strcmp(last_kind, "dead_letter"));
    /* a revision of the poison source supersedes it: its finding goes */
    fp_figure r = fig(RID_C, 0, "funds.total", 9, 3000, 0);
    r.source = "poison2.txt";
    fp_end er = end_of(RID_C, 1, RID_A, "poison2.txt");
    seen rs = {0};
    fp_store_out rout = {on_total, on_anomaly_kept, &rs};
    CHECK(fp_store_apply(st, &er, &r, 1, NULL, 0, &fresh, &rout) == FP_OK && fresh && rs.live == -1);
    fp_store_close(st);
}

/* Values at the top of the decimal range in one cell: comparing them for
 * rounding must not overflow (UBSan stops the test where it did). */
static void test_huge(void)
{
    size_t g[2], ng;
    fp_fact f[] = {{(fp_dec)9223372036854690000LL, 0, 1, 3000}, {(fp_dec)9223000000000000000LL, 0, 1, 3000}};
    CHECK(fp_cell_choose(f, 2, g, &ng) == 0 && ng == 2);
    CHECK(fp_cell_choose(f + 1, 1, g, &ng) == 0 && ng == 1);
    fp_fact h[] = {{(fp_dec)9223000000000000000LL, 0, 1, 3000}, {(fp_dec)9223372036854690000LL, 0, 1, 3000}};
    CHECK(fp_cell_choose(h, 2, g, &ng) == 1 && ng == 2);
}

/* Group commit: two reports in one transaction send each cell once, in its final state. */
static void test_group(void)
{
    fp_store *st;
    CHECK(fp_store_open(&st, ":memory:", 0) == FP_OK);
    seen s = {0};
    fp_store_out out = {on_total, on_anomaly, &s};
    int fresh;
    fp_figure a[] = {fig(RID_A, 0, "funds.total", 100, 3000, 1)};
    fp_figure b[] = {fig(RID_B, 0, "funds.total", 200, 3500, 1), fig(RID_B, 1, "funds.fiscal", 50, 3500, 9)};
    fp_end ea = end_of(RID_A, 1, NULL, "a.txt"), eb = end_of(RID_B, 2, NULL, "b.txt");
    CHECK(fp_store_begin(st) == FP_OK && fp_store_in_group(st));
    CHECK(fp_store_apply(st, &ea, a, 1, NULL, 0, &fresh, &out) == FP_OK && fresh && s.n == 0);
    CHECK(fp_store_apply(st, &eb, b, 2, NULL, 0, &fresh, &out) == FP_OK && fresh && s.n == 0);
    /* the same report again inside the group changes nothing */
    CHECK(fp_store_apply(st, &ea, a, 1, NULL, 0, &fresh, &out) == FP_OK && !fresh);
    CHECK(fp_store_commit(st, &out) == FP_OK && !fp_store_in_group(st));
    int t = cell(&s, "funds.total");
    CHECK(s.n == 2 && t >= 0 && s.stated[t] == D(200) && !strcmp(s.status[t], "conflict") && s.reports[t] == 2);
    CHECK(fp_store_seq(st) == 2 && s.last_seq == 2);
    /* nothing pending: a commit sends nothing */
    CHECK(fp_store_commit(st, &out) == FP_OK && fp_store_seq(st) == 2);
    fp_store_close(st);
}

/* Every cell and finding a store holds, one sorted line each, all fields (the candidates included). */
static int dump_total(const fp_total *t, void *ud)
{
    fp_buf *b = ud;
    char v[32];
    fp_dec_format(t->stated, v, sizeof v);
    return fp_buf_printf(b, "%s|%s|%d|%s|%s|%s|%s|%s|%s|%u|%u|%s\n", t->region_code, t->region_path, t->year,
                         t->indicator, t->series, t->unit, t->metric, v, t->status, t->facts, t->reports,
                         t->candidates ? t->candidates : "");
}

static int dump_anomaly(const fp_anomaly *a, void *ud)
{
    return fp_buf_printf(ud, "! %s|%s|%s|%d|%s\n", a->id ? a->id : "", a->kind, a->region_code, a->year,
                         a->detail ? a->detail : "");
}

static int line_cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The snapshot of st as sorted text (caller frees); NULL on an error. */
static char *state_of(fp_store *st)
{
    fp_buf b = {0};
    fp_store_out o = {dump_total, dump_anomaly, &b};
    uint64_t seq;
    if (fp_store_snapshot(st, &o, &seq) || b.oom) {
        fp_buf_free(&b);
        return NULL;
    }
    size_t n = 0;
    for (size_t i = 0; i < b.len; i++) n += b.p[i] == '\n';
    char **lines = calloc(n + 1, sizeof *lines), *save = NULL;
    size_t k = 0;
    for (char *l = b.p ? strtok_r(b.p, "\n", &save) : NULL; l && lines; l = strtok_r(NULL, "\n", &save)) lines[k++] = l;
    if (k) qsort(lines, k, sizeof *lines, line_cmp);
    fp_buf out = {0};
    fp_buf_puts(&out, "");
    for (size_t i = 0; i < k; i++) fp_buf_printf(&out, "%s\n", lines[i]);
    free(lines);
    fp_buf_free(&b);
    return out.p;
}

/* What st holds in memory is what its rows say: the same as a store opened anew on them (path). */
static int memory_is_disk(fp_store *st, const char *path)
{
    fp_store *again;
    if (fp_store_open(&again, path, 0) != FP_OK) return 0;
    char *mem = state_of(st), *disk = state_of(again);
    int same = mem && disk && !strcmp(mem, disk);
    if (!same) fprintf(stderr, "memory:\n%s\nrows:\n%s\n", mem ? mem : "(error)", disk ? disk : "(error)");
    free(mem), free(disk);
    fp_store_close(again);
    return same;
}

#define RID_E "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"
#define RID_F "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
#define RID_G "0000000000000000000000000000000000000000000000000000000000000001"
#define APPLIED "SELECT COUNT(*) FROM applied"

/* A batch: the reports the daemon finds waiting go into one transaction
 * (fp_store_begin .. fp_store_commit), a savepoint each. Nothing of it is
 * visible before its commit; a report re-sent inside it, or a figure sent
 * twice, counts once; a report that fails in the middle leaves the others
 * whole and memory as the rows say; a failed commit undoes all of it;
 * retiring and reviving a report inside one batch, or a rollback that
 * brings a retired report's rows back, leave memory as the rows say. */
static void test_batch(const char *path)
{
    unlink(path);
    fp_store *st;
    CHECK(fp_store_open(&st, path, 0) == FP_OK);
    seen s = {0};
    fp_store_out out = {on_total, on_anomaly, &s};
    int fresh;
    /* three reports, one re-sent and one with a figure sent twice, in one transaction */
    fp_figure a[] = {fig(RID_A, 0, "funds.total", 100, 3000, 1), fig(RID_A, 1, "funds.fiscal", 40, 3000, 5)};
    fp_figure b[] = {fig(RID_B, 0, "funds.total", 100, 3000, 2), fig(RID_B, 0, "funds.total", 100, 3000, 2),
                     fig(RID_B, 1, "poor.exit", 7, 3000, 8)};
    fp_figure c[] = {fig(RID_C, 0, "funds.total", 120, 2000, 3)};
    for (int i = 0; i < 3; i++) b[i].source = "b.txt";
    c[0].source = "c.txt";
    fp_anomaly chk = {.id = "parts|" RID_A "|1", .kind = "parts_exceed_whole", .region_code = "1525", .year = 2019,
                      .indicator = "funds.total", .unit = "CNY", .region_path = "内蒙古自治区/锡林郭勒盟",
                      .detail = "{}", .live = 1};
    fp_end ea = end_of(RID_A, 2, NULL, "a.txt"), eb = end_of(RID_B, 3, NULL, "b.txt"),
           ec = end_of(RID_C, 1, NULL, "c.txt");
    CHECK(fp_store_begin(st) == FP_OK);
    CHECK(fp_store_apply(st, &ea, a, 2, &chk, 1, &fresh, &out) == FP_OK && fresh);
    CHECK(fp_store_apply(st, &eb, b, 3, NULL, 0, &fresh, &out) == FP_OK && fresh);
    CHECK(fp_store_apply(st, &ea, a, 2, &chk, 1, &fresh, &out) == FP_OK && !fresh); /* re-sent: once */
    CHECK(fp_store_apply(st, &ec, c, 1, NULL, 0, &fresh, &out) == FP_OK && fresh);
    CHECK(s.n == 0 && s.anomalies == 0);  /* nothing goes out before the commit */
    CHECK(int_of(path, APPLIED) == 0);    /* nor is anything of it in the rows: one transaction, open */
    uint64_t seq0 = fp_store_seq(st);
    CHECK(fp_store_commit(st, &out) == FP_OK && int_of(path, APPLIED) == 3);
    /* each cell once, in its final state, then the finding: 3 cells + 1 finding */
    CHECK(fp_store_seq(st) == seq0 + 4 && s.n == 3 && s.anomalies == 1);
    int t = cell(&s, "funds.total");
    CHECK(t >= 0 && s.stated[t] == D(100) && !strcmp(s.status[t], "conflict") && s.facts[t] == 3 &&
          s.reports[t] == 3);
    long long reports = 0, mentions = 0;
    CHECK(fp_store_counts(st, &reports, &mentions, NULL) == FP_OK && reports == 3 && mentions == 5);
    CHECK(int_of(path, "SELECT COUNT(*) FROM mentions") == 5);
    CHECK(memory_is_disk(st, path));
    fp_store_close(st);

    /* a report that fails in the middle of a batch: the others commit, it leaves nothing */
    CHECK(exec_on(path, "CREATE TRIGGER half BEFORE INSERT ON mentions"
                        " WHEN NEW.source = 'e.txt' AND (NEW.id & 16777215) = 1"
                        " BEGIN SELECT RAISE(ABORT, 'half'); END"));
    CHECK(fp_store_open(&st, path, 0) == FP_OK);
    fp_figure d[] = {fig(RID_D, 0, "funds.total", 130, 3500, 1)};
    fp_figure e[] = {fig(RID_E, 0, "funds.total", 900, 3999, 1), fig(RID_E, 1, "funds.fiscal", 90, 3999, 3)};
    fp_figure g[] = {fig(RID_G, 0, "funds.fiscal", 40, 3000, 4), fig(RID_G, 1, "poor.exit", 8, 3000, 9)};
    d[0].source = "d.txt", e[0].source = e[1].source = "e.txt", g[0].source = g[1].source = "g.txt";
    fp_end ed = end_of(RID_D, 1, NULL, "d.txt"), ee = end_of(RID_E, 2, NULL, "e.txt"),
           eg = end_of(RID_G, 2, NULL, "g.txt");
    seen s2 = {0};
    fp_store_out out2 = {on_total, on_anomaly, &s2};
    CHECK(fp_store_begin(st) == FP_OK);
    CHECK(fp_store_apply(st, &ed, d, 1, NULL, 0, &fresh, &out2) == FP_OK && fresh);
    CHECK(fp_store_apply(st, &ee, e, 2, NULL, 0, &fresh, &out2) != FP_OK && !fresh);
    CHECK(fp_store_apply(st, &eg, g, 2, NULL, 0, &fresh, &out2) == FP_OK && fresh);
    CHECK(fp_store_commit(st, &out2) == FP_OK);
    t = cell(&s2, "funds.total");
    /* E's 900, stronger than all, was folded in before its second figure failed: it must be gone */
    CHECK(t >= 0 && s2.stated[t] == D(130) && s2.facts[t] == 4 && s2.reports[t] == 4);
    CHECK(fp_store_counts(st, &reports, &mentions, NULL) == FP_OK && reports == 5 && mentions == 8);
    CHECK(int_of(path, "SELECT COUNT(*) FROM applied WHERE report_id = '" RID_E "'") == 0);
    CHECK(memory_is_disk(st, path));
    fp_store_close(st);

    /* a batch whose commit fails: none of it stays, in the rows or in memory; a retirement in it is undone
     * with it (the retired report's rows come back, and memory with them), also when a report that
     * failed after it rebuilt a cell the retired report is in */
    CHECK(exec_on(path, "CREATE TRIGGER nocommit BEFORE INSERT ON meta BEGIN SELECT RAISE(ABORT, 'no'); END"));
    CHECK(fp_store_open(&st, path, 0) == FP_OK);
    char *before = state_of(st);
    fp_figure f2[] = {fig(RID_F, 0, "funds.total", 55, 3999, 1)};
    f2[0].source = "a.txt";
    fp_end ef = end_of(RID_F, 1, RID_A, "a.txt"); /* F revises A */
    CHECK(fp_store_begin(st) == FP_OK);
    CHECK(fp_store_apply(st, &ef, f2, 1, NULL, 0, &fresh, &out2) == FP_OK && fresh);
    CHECK(fp_store_apply(st, &ee, e, 2, NULL, 0, &fresh, &out2) != FP_OK && !fresh); /* funds.fiscal, as A */
    seen pre = s2;
    CHECK(fp_store_commit(st, &out2) != FP_OK && s2.last_seq == pre.last_seq); /* nothing sent */
    char *after = state_of(st);
    CHECK(before && after && !strcmp(before, after));
    free(after);
    CHECK(memory_is_disk(st, path));
    CHECK(fp_store_counts(st, &reports, &mentions, NULL) == FP_OK && reports == 5 && mentions == 8);
    fp_store_close(st);
    CHECK(exec_on(path, "DROP TRIGGER nocommit; DROP TRIGGER half"));

    /* a report that fails after retiring another: its savepoint's rollback brings the retired rows back,
     * and memory must have them again (the ids a retirement leaves stay known until it commits) */
    CHECK(exec_on(path, "CREATE TRIGGER keepfind BEFORE DELETE ON anomalies BEGIN SELECT RAISE(ABORT, 'k'); END"));
    CHECK(fp_store_open(&st, path, 0) == FP_OK);
    CHECK(fp_store_begin(st) == FP_OK);
    CHECK(fp_store_apply(st, &ef, f2, 1, NULL, 0, &fresh, &out2) != FP_OK && !fresh);
    CHECK(fp_store_commit(st, &out2) == FP_OK);
    after = state_of(st);
    CHECK(before && after && !strcmp(before, after));
    free(after);
    CHECK(memory_is_disk(st, path));
    fp_store_close(st);
    CHECK(exec_on(path, "DROP TRIGGER keepfind"));

    /* retired and revived in one batch, and a new report between: memory as the rows say, each row once */
    CHECK(fp_store_open(&st, path, 0) == FP_OK);
    fp_end back = end_of(RID_A, 2, RID_F, "a.txt"); /* A again, as the revision of F: A lives again */
    CHECK(fp_store_begin(st) == FP_OK);
    CHECK(fp_store_apply(st, &ef, f2, 1, NULL, 0, &fresh, &out2) == FP_OK && fresh);
    CHECK(fp_store_apply(st, &ee, e, 2, NULL, 0, &fresh, &out2) == FP_OK && fresh);
    CHECK(fp_store_apply(st, &back, a, 2, &chk, 1, &fresh, &out2) == FP_OK && fresh);
    CHECK(fp_store_commit(st, &out2) == FP_OK);
    CHECK(memory_is_disk(st, path));
    /* A's two figures are back, F's one gone: 8 + E's 2 */
    CHECK(fp_store_counts(st, &reports, &mentions, NULL) == FP_OK && mentions == 10);
    fp_buf facts = {0};
    CHECK(fp_store_facts(st, "1525", 2019, "funds.fiscal", "", "", &facts) == FP_OK && facts.p &&
          count_in(facts.p, "\"report\":\"" RID_A "\"") == 1 && count_in(facts.p, "\"report\":") == 3);
    fp_buf_free(&facts);
    /* and retired again in a batch of its own, committed: A's rows and facts go */
    fp_end again = end_of(RID_F, 1, RID_A, "a.txt");
    CHECK(fp_store_begin(st) == FP_OK);
    CHECK(fp_store_apply(st, &again, f2, 1, NULL, 0, &fresh, &out2) == FP_OK && fresh);
    CHECK(fp_store_commit(st, &out2) == FP_OK);
    CHECK(memory_is_disk(st, path));
    CHECK(fp_store_facts(st, "1525", 2019, "funds.fiscal", "", "", &facts) == FP_OK && facts.p &&
          count_in(facts.p, "\"report\":\"" RID_A "\"") == 0 && count_in(facts.p, "\"report\":") == 2);
    fp_buf_free(&facts);
    fp_store_close(st);
    free(before);
}

#define RID_H "1111111111111111111111111111111111111111111111111111111111111111"
#define RID_I "2222222222222222222222222222222222222222222222222222222222222222"
#define RID_J "3333333333333333333333333333333333333333333333333333333333333333"

/* A mention's fields are packed into one BLOB and written up to 32 rows
 * at once; a cell knows its reports' numbers, not its rows. /api/facts
 * shows every field as given, for a report of more than 32 figures (its
 * sentences held by the first mention of each, across INSERTs), values
 * near both ends of the range included; the first statement's report
 * retired gives the next one, and a report revived out of order is noted
 * in its place, memory as the rows say; a packed row that is not one is
 * refused at open. */
static void test_rows(const char *path)
{
    unlink(path);
    fp_store *st;
    CHECK(fp_store_open(&st, path, 0) == FP_OK);
    seen s = {0};
    fp_store_out out = {on_total, on_anomaly, &s};
    int fresh;
    enum { N = 70 };
    fp_figure h[N];
    char texts[N][16], sents[3][48];
    for (int i = 0; i < 3; i++) snprintf(sents[i], sizeof sents[i], "第%d句：投入若干元。", i);
    for (int i = 0; i < N; i++) {
        snprintf(texts[i], sizeof texts[i], "%d元", i);
        h[i] = fig(RID_H, (uint32_t)i, i % 2 ? "funds.total" : "funds.fiscal", i, (uint16_t)(3000 + i),
                   (uint32_t)(10 * i));
        h[i].text = texts[i];
        h[i].sentence = sents[i * 3 / N]; /* three sentences of about 23 figures each */
        h[i].label = "扶贫资金\"合计\"";
        h[i].length = (uint32_t)i + 1;
        h[i].published = i == 5 ? 2020 : 0;
        h[i].source = "h.txt";
        snprintf(h[i].counter, sizeof h[i].counter, "%s", i == 5 ? "个" : "");
        snprintf(h[i].relation, sizeof h[i].relation, "%s", i == 5 ? "part" : "total");
        snprintf(h[i].qualifier, sizeof h[i].qualifier, "%s", i == 5 ? "about" : "exact");
    }
    h[3].value = -D(12345); /* odd: funds.total */
    h[7].value = (fp_dec)9223372036854775807LL;
    fp_end eh = end_of(RID_H, N, NULL, "h.txt");
    CHECK(fp_store_begin(st) == FP_OK);
    CHECK(fp_store_apply(st, &eh, h, N, NULL, 0, &fresh, &out) == FP_OK && fresh);
    CHECK(fp_store_commit(st, &out) == FP_OK);
    long long reports = 0, mentions = 0;
    CHECK(fp_store_counts(st, &reports, &mentions, NULL) == FP_OK && reports == 1 && mentions == N);
    CHECK(int_of(path, "SELECT COUNT(*) FROM mentions") == N);
    CHECK(int_of(path, SENTENCES_OF(RID_H)) == 3);
    fp_buf facts = {0};
    CHECK(fp_store_facts(st, "1525", 2019, "funds.total", "", "", &facts) == FP_OK && facts.p);
    CHECK(count_in(facts.p, "\"report\":") == N / 2);
    for (int i = 0; i < 3; i++) {
        char sn[256];
        snprintf(sn, sizeof sn, "\"sentence\":\"%s\"", sents[i]);
        int want = 0;
        for (int j = 1; j < N; j += 2) want += j * 3 / N == i;
        CHECK(count_in(facts.p, sn) == want);
    }
    char val[32], one[512];
    fp_dec_format(-D(12345), val, sizeof val);
    snprintf(one, sizeof one,
             "{\"report\":\"%s\",\"source\":\"h.txt\",\"text\":\"3元\",\"value\":\"%s\",\"unit\":\"CNY\","
             "\"qualifier\":\"exact\",\"relation\":\"total\",\"label\":\"扶贫资金\\\"合计\\\"\","
             "\"sentence\":\"%s\",\"series\":\"value\",\"indicator\":\"funds.total\",\"offset\":30,\"length\":4,"
             "\"stated\":false,\"published\":null}",
             RID_H, val, sents[0]);
    CHECK(strstr(facts.p, one) != NULL);
    fp_dec_format((fp_dec)9223372036854775807LL, val, sizeof val);
    snprintf(one, sizeof one, "\"text\":\"7元\",\"value\":\"%s\"", val);
    CHECK(strstr(facts.p, one) != NULL);
    /* figure 5 (odd: funds.total) has every field of its own */
    snprintf(one, sizeof one,
             "\"text\":\"5元\",\"value\":\"5\",\"unit\":\"CNY\",\"qualifier\":\"about\",\"relation\":\"part\","
             "\"label\":\"扶贫资金\\\"合计\\\"\",\"sentence\":\"%s\",\"series\":\"value\",\"indicator\":\"funds.total\","
             "\"offset\":50,\"length\":6,\"stated\":false,\"published\":2020}",
             sents[0]);
    CHECK(strstr(facts.p, one) != NULL && count_in(facts.p, "\"qualifier\":\"about\"") == 1);
    /* the value stated is the strongest statement's: figure 69's */
    CHECK(strstr(facts.p, "\"text\":\"69元\",\"value\":\"69\"") && count_in(facts.p, "\"stated\":true") == 1);
    fp_buf_free(&facts);
    CHECK(fp_store_facts(st, "1525", 2019, "funds.fiscal", "", "", &facts) == FP_OK && facts.p &&
          count_in(facts.p, "\"report\":") == N / 2 &&
          strstr(facts.p, "\"text\":\"4元\",\"value\":\"4\",\"unit\":\"CNY\",\"qualifier\":\"exact\""));
    fp_buf_free(&facts);
    CHECK(memory_is_disk(st, path));

    /* I states funds.total's 1 first in source order ("a.txt"), J after it: retiring I makes J's the first */
    fp_figure fi[] = {fig(RID_I, 0, "funds.total", 1, 3000, 1)}, fj[] = {fig(RID_J, 0, "funds.total", 1, 3000, 2)};
    fi[0].source = "a.txt", fj[0].source = "b.txt";
    fi[0].text = "一元", fj[0].text = "壹元";
    fp_end ei = end_of(RID_I, 1, NULL, "a.txt"), ej = end_of(RID_J, 1, NULL, "b.txt");
    CHECK(fp_store_apply(st, &ei, fi, 1, NULL, 0, &fresh, &out) == FP_OK && fresh);
    CHECK(fp_store_apply(st, &ej, fj, 1, NULL, 0, &fresh, &out) == FP_OK && fresh);
    int t = cell(&s, "funds.total");
    CHECK(t >= 0 && s.reports[t] == 3 && strstr(s.cand[t], "\"text\":\"一元\"") && !strstr(s.cand[t], "壹元"));
    fp_end ei2 = end_of(RID_E, 0, RID_I, "a.txt"); /* I's revision states nothing here */
    CHECK(fp_store_apply(st, &ei2, NULL, 0, NULL, 0, &fresh, &out) == FP_OK && fresh);
    CHECK(s.reports[t] == 2 && strstr(s.cand[t], "\"text\":\"壹元\"") && !strstr(s.cand[t], "一元"));
    CHECK(memory_is_disk(st, path));
    /* I revived (as the revision of its revision): its number, older than J's, goes back in its place */
    fp_end back = end_of(RID_I, 1, RID_E, "a.txt");
    CHECK(fp_store_apply(st, &back, fi, 1, NULL, 0, &fresh, &out) == FP_OK && fresh);
    CHECK(s.reports[t] == 3 && strstr(s.cand[t], "\"text\":\"一元\""));
    CHECK(memory_is_disk(st, path));
    fp_store_close(st);

    /* a packed row cut short: the store says so at open instead of reading past it */
    CHECK(exec_on(path, "UPDATE mentions SET f = substr(f, 1, 3) WHERE id = (SELECT MIN(id) FROM mentions)"));
    CHECK(fp_store_open(&st, path, 0) == FP_EIO && !st);
}

/* ---- the sink's table ---- */

static fp_total total(const char *rc, const char *path, int year, const char *ind, const char *series, const char *unit,
                      fp_dec v, const char *status)
{
    fp_total t = {.year = year, .stated = v, .facts = 1, .reports = 1, .region_path = (char *)path, .candidates = "[]"};
    snprintf(t.region_code, sizeof t.region_code, "%s", rc);
    snprintf(t.indicator, sizeof t.indicator, "%s", ind);
    snprintf(t.series, sizeof t.series, "%s", series);
    snprintf(t.unit, sizeof t.unit, "%s", unit);
    snprintf(t.status, sizeof t.status, "%s", status);
    return t;
}

static const fp_view_row *row(const fp_view *v, const char *code, int year, const char *ind, const char *unit)
{
    for (size_t i = 0; i < v->n; i++)
        if (!strcmp(v->r[i].code, code) && v->r[i].year == year && !strcmp(v->r[i].indicator, ind) &&
            !strcmp(v->r[i].unit, unit))
            return &v->r[i];
    return NULL;
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; hay && (p = strstr(p, needle)); p += strlen(needle)) n++;
    return n;
}

static void test_table(const char *data)
{
    fp_gazetteer *g;
    fp_indicators ind;
    if (!load_data_fixture(data, &g, &ind)) return;
    fp_table *t;
    CHECK(fp_table_new(&t, g, &ind, 1) == FP_OK);
    const char *xl = "内蒙古自治区/锡林郭勒盟", *a = "内蒙古自治区/锡林郭勒盟/太仆寺旗", *b = "内蒙古自治区/锡林郭勒盟/多伦县";
    int xli = fp_gaz_find_code(g, "1525");
    const char *ca = fp_gaz_region(g, fp_gaz_find_path(g, a))->code, *cb = fp_gaz_region(g, fp_gaz_find_path(g, b))->code;
    fp_total rows[] = {
        /* a flow: two banners and the league itself, which states less than they add up to */
        total(ca, a, 2019, "funds.total", "value", "CNY", D(300000000), "exact"),
        total(cb, b, 2019, "funds.total", "value", "CNY", D(200000000), "exact"),
        total("1525", xl, 2019, "funds.total", "value", "CNY", D(400000000), "exact"),
        /* a finer indicator larger than its whole */
        total("1525", xl, 2019, "funds.fiscal", "value", "CNY", D(450000000), "exact"),
        total(ca, a, 2019, "funds.fiscal", "value", "CNY", D(100000000), "exact"),
        /* ratios never sum; one is out of range */
        total(ca, a, 2019, "rate.incidence", "value", "percent", D(3), "exact"),
        total(cb, b, 2019, "rate.incidence", "value", "percent", D(120), "exact"),
        /* a stock over years: never summed across them; 2019 moves against the exits */
        total(ca, a, 2018, "poor.remaining", "value", "person", D(1000), "exact"),
        total(ca, a, 2019, "poor.remaining", "value", "person", D(900), "exact"),
        total(ca, a, 2019, "exit.people", "value", "person", D(200), "exact"),
        total(cb, b, 2018, "poor.remaining", "value", "person", D(500), "exact"),
        total(cb, b, 2019, "poor.remaining", "value", "person", D(400), "exact"),
        total(cb, b, 2019, "exit.people", "value", "person", D(100), "exact"),
        /* other:<label> never pools; a conflict is reported */
        total(ca, a, 2019, "other:推进组", "value", "count", D(20), "conflict"),
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) CHECK(fp_table_put(t, &rows[i]) == FP_OK);
    fp_view v;
    CHECK(fp_table_view(t, &v) == FP_OK);
    const fp_view_row *r = row(&v, "1525", 2019, "funds.total", "CNY");
    CHECK(r && r->has_stated && r->stated == D(400000000) && r->has_rollup && r->rollup == D(500000000) &&
          r->best == D(400000000) && r->coverage == 2 &&
          r->children >= 2);
    /* the region above rolls up the league's best (its stated value), not the banners' */
    const fp_view_row *top = row(&v, "15", 2019, "funds.total", "CNY");
    CHECK(top && !top->has_stated && top->has_rollup && top->rollup == D(400000000) && top->coverage == 1);
    /* ratios: no row above the banners */
    CHECK(!row(&v, "1525", 2019, "rate.incidence", "percent"));
    /* stocks: per year, never across */
    r = row(&v, "1525", 2019, "poor.remaining", "person");
    CHECK(r && r->rollup == D(1300) && !r->has_stated);
    r = row(&v, "1525", 2018, "poor.remaining", "person");
    CHECK(r && r->rollup == D(1500));
    CHECK(!row(&v, "1525", 2019, "other:推进组", "count"));
    (void)xli;
    fp_buf csv = {0}, jsonl = {0}, an = {0};
    CHECK(fp_table_render(t, &v, &csv, &jsonl, &an) == FP_OK);
    CHECK(csv.p && !strncmp(csv.p, "region_code,region_path,year,indicator,indicator_name,metric,series,unit,stated,"
                                   "status,rollup,coverage,best,facts,reports\n", 120));
    CHECK(strstr(csv.p, "1525,内蒙古自治区/锡林郭勒盟,2019,funds.total,扶贫资金投入,funds,value,CNY,400000000,exact,"
                        "500000000,2/"));
    CHECK(count(an.p, "\"kind\":\"children_exceed_parent\"") == 1);
    CHECK(strstr(an.p, "\"rule\":\"children_exceed_parent\",\"left\":\"500000000\",\"op\":\">\",\"right\":\"400000000\","
                       "\"imbalance\":\"100000000\""));
    CHECK(count(an.p, "\"kind\":\"part_exceeds_whole\"") == 1);  /* fiscal 4.5亿 > total 4亿; not the banner's 1亿 < 3亿 */
    CHECK(count(an.p, "\"kind\":\"rate_out_of_range\"") == 1);   /* 120 %, not 3 % */
    CHECK(count(an.p, "\"kind\":\"stock_against_flows\"") == 1); /* 900 > 1000-200; not 400 = 500-100 */
    CHECK(count(an.p, "\"kind\":\"conflicting_values\"") == 1);
    fp_buf_free(&csv);
    fp_buf_free(&jsonl);
    fp_buf_free(&an);
    fp_view_free(&v);
    /* a cell whose facts go to 0 goes; the league's rollup follows */
    fp_total gone = rows[0];
    gone.facts = 0;
    CHECK(fp_table_put(t, &gone) == FP_OK);
    CHECK(fp_table_view(t, &v) == FP_OK);
    r = row(&v, "1525", 2019, "funds.total", "CNY");
    CHECK(r && r->rollup == D(200000000) && r->coverage == 1);
    fp_view_free(&v);
    /* two banners' huge values overflow the league's rollup: it is left out and said, the rest renders */
    fp_total big[] = {total(ca, a, 2020, "funds.total", "value", "CNY", (fp_dec)INT64_MAX / 2 + 1, "exact"),
                      total(cb, b, 2020, "funds.total", "value", "CNY", (fp_dec)INT64_MAX / 2 + 1, "exact")};
    for (int i = 0; i < 2; i++) CHECK(fp_table_put(t, &big[i]) == FP_OK);
    CHECK(fp_table_view(t, &v) == FP_OK);
    r = row(&v, "1525", 2020, "funds.total", "CNY");
    CHECK(r && r->overflow);
    const fp_view_row *up = row(&v, "15", 2020, "funds.total", "CNY");
    CHECK(up && !up->has_rollup); /* nothing known to add up there */
    fp_buf c2 = {0}, j2 = {0}, a2 = {0};
    CHECK(fp_table_render(t, &v, &c2, &j2, &a2) == FP_OK && count(a2.p, "\"kind\":\"rollup_overflow\"") >= 1);
    CHECK(strstr(c2.p, "1525,内蒙古自治区/锡林郭勒盟,2020,funds.total,扶贫资金投入,funds,value,CNY,,,,2/"));
    fp_buf_free(&c2), fp_buf_free(&j2), fp_buf_free(&a2);
    fp_view_free(&v);
    fp_table_free(t);
    fp_indicators_free(&ind);
    fp_gaz_free(g);
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

int main(int argc, char **argv)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/fupin-test-store-%d.db", (int)getpid());
    test_choose();
    test_store(path);
    test_group();
    test_memory(path);
    test_batch(path);
    test_rows(path);
    test_epochs();
    test_dead(path, 0);
    test_dead(path, 1);
    test_huge();
    char p2[80];
    unlink(path);
    snprintf(p2, sizeof p2, "%s-wal", path), unlink(p2);
    snprintf(p2, sizeof p2, "%s-shm", path), unlink(p2);
    test_map();
    test_table(argc > 1 ? argv[1] : "data");
    CHECK(!fp_unit_additive("percent") && fp_unit_additive("household"));
    return CHECK_DONE();
}
