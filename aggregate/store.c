#include "store.h"
#include "fp_buf.h"
#include "fp_err.h"
#include "fp_log.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#define KEY_COLS "rc TEXT, year INTEGER, metric TEXT, unit TEXT"
#define KEY_PK "rc, year, metric, unit"
#define KEY_WHERE "rc=?1 AND year=?2 AND metric=?3 AND unit=?4"

static const char *schema =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=FULL;"
    "PRAGMA cache_size=-32768;" /* 32 MiB: the working set of the incremental tables stays in memory */
    "CREATE TABLE IF NOT EXISTS applied(report_id TEXT PRIMARY KEY, source TEXT);"
    "CREATE TABLE IF NOT EXISTS retired(report_id TEXT PRIMARY KEY);"
    "CREATE TABLE IF NOT EXISTS mentions(report_id TEXT, seq INTEGER, rc TEXT, rp TEXT, year INTEGER,"
    " metric TEXT, unit TEXT, value INTEGER, relation TEXT, qualifier TEXT, counter TEXT, text TEXT, label TEXT,"
    " sentence TEXT, off INTEGER, len INTEGER, source TEXT, PRIMARY KEY(report_id, seq));"
    "CREATE INDEX IF NOT EXISTS mentions_fact ON mentions(" KEY_PK ", value);"
    "CREATE TABLE IF NOT EXISTS facts(" KEY_COLS ", value INTEGER, nt INTEGER, np INTEGER,"
    " PRIMARY KEY(" KEY_PK ", value)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS stated(" KEY_COLS ", report_id TEXT, n INTEGER,"
    " PRIMARY KEY(" KEY_PK ", report_id)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS totals(" KEY_COLS ", own INTEGER, facts INTEGER, reports INTEGER,"
    " PRIMARY KEY(" KEY_PK ")) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS anomalies(id TEXT PRIMARY KEY, report_id TEXT, kind TEXT, " KEY_COLS ","
    " rp TEXT, detail TEXT);"
    "CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v INTEGER);";

int fp_unit_additive(const char *unit)
{
    static const char *add[] = {"CNY", "person", "person_time", "household", "mu", "head",
                                "km",  "kW",     "kWh",         "kg",        "sqm", "count"};
    for (size_t i = 0; i < sizeof add / sizeof add[0]; i++)
        if (!strcmp(unit, add[i])) return 1;
    return 0;
}

enum {
    ST_IS_APPLIED, ST_IS_RETIRED, ST_INS_MENTION, ST_INS_APPLIED, ST_INS_RETIRED, ST_MENTIONS_OF, ST_DEL_MENTION,
    ST_FACT_GET, ST_FACT_PUT, ST_FACT_DEL, ST_OTHERS, ST_STATED_GET, ST_STATED_PUT, ST_STATED_DEL, ST_TOTAL_GET,
    ST_TOTAL_PUT, ST_TOTAL_DEL, ST_PATH_OF, ST_SET_SEQ, ST_VALUES_STATED, ST_VALUE_STMTS, ST_STMT_TEXT, ST_AN_GET, ST_AN_PUT, ST_AN_DEL,
    ST_AN_OF_REPORT, ST_DEL_RETIRED, ST_N
};

static const char *sql[ST_N] = {
    [ST_IS_APPLIED] = "SELECT 1 FROM applied WHERE report_id=?1",
    [ST_IS_RETIRED] = "SELECT 1 FROM retired WHERE report_id=?1",
    [ST_INS_MENTION] = "INSERT OR REPLACE INTO mentions VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17)",
    [ST_INS_APPLIED] = "INSERT OR IGNORE INTO applied VALUES(?1,?2)",
    [ST_INS_RETIRED] = "INSERT OR IGNORE INTO retired VALUES(?1)",
    [ST_MENTIONS_OF] = "SELECT rc, year, metric, unit, value, relation, seq FROM mentions WHERE report_id=?1",
    [ST_DEL_MENTION] = "DELETE FROM mentions WHERE report_id=?1 AND seq=?2",
    [ST_FACT_GET] = "SELECT nt, np FROM facts WHERE " KEY_WHERE " AND value=?5",
    [ST_FACT_PUT] = "INSERT OR REPLACE INTO facts VALUES(?1,?2,?3,?4,?5,?6,?7)",
    [ST_FACT_DEL] = "DELETE FROM facts WHERE " KEY_WHERE " AND value=?5",
    [ST_OTHERS] = "SELECT report_id, COUNT(*) FROM mentions WHERE " KEY_WHERE
                  " AND value=?5 AND relation='total' GROUP BY report_id",
    [ST_STATED_GET] = "SELECT n FROM stated WHERE " KEY_WHERE " AND report_id=?5",
    [ST_STATED_PUT] = "INSERT OR REPLACE INTO stated VALUES(?1,?2,?3,?4,?5,?6)",
    [ST_STATED_DEL] = "DELETE FROM stated WHERE " KEY_WHERE " AND report_id=?5",
    [ST_TOTAL_GET] = "SELECT own, facts, reports FROM totals WHERE " KEY_WHERE,
    [ST_TOTAL_PUT] = "INSERT OR REPLACE INTO totals VALUES(?1,?2,?3,?4,?5,?6,?7)",
    [ST_TOTAL_DEL] = "DELETE FROM totals WHERE " KEY_WHERE,
    [ST_PATH_OF] = "SELECT rp FROM mentions WHERE rc=?1 LIMIT 1",
    [ST_SET_SEQ] = "INSERT OR REPLACE INTO meta VALUES('seq', ?1)",
    [ST_VALUES_STATED] = "SELECT value FROM facts WHERE " KEY_WHERE " AND nt > 0 ORDER BY value LIMIT 64",
    /* DISTINCT with LIMIT stops at the third report: the cost does not grow with the reports stating it. */
    [ST_VALUE_STMTS] = "SELECT DISTINCT report_id FROM mentions WHERE " KEY_WHERE
                       " AND value=?5 AND relation='total' LIMIT 3",
    [ST_STMT_TEXT] = "SELECT a.source, m.text FROM mentions m JOIN applied a USING(report_id) WHERE " KEY_WHERE
                     " AND m.value=?5 AND m.report_id=?6 AND m.relation='total' LIMIT 1",
    [ST_AN_GET] = "SELECT detail FROM anomalies WHERE id=?1",
    [ST_AN_PUT] = "INSERT OR REPLACE INTO anomalies VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9)",
    [ST_AN_DEL] = "DELETE FROM anomalies WHERE id=?1",
    [ST_DEL_RETIRED] = "DELETE FROM retired WHERE report_id=?1",
    [ST_AN_OF_REPORT] = "SELECT id, kind, " KEY_PK ", rp FROM anomalies WHERE report_id=?1",
};

struct fp_store {
    sqlite3 *db;
    uint32_t shard;
    uint64_t seq;
    sqlite3_stmt *st[ST_N];
};

typedef struct {
    char rc[16];
    int year;
    char metric[24], unit[16];
} key;

typedef struct {
    key *k;
    size_t n, cap;
} keyset;

/* A finding changed in this transaction, sent after the commit. */
typedef struct {
    fp_anomaly *a;
    size_t n, cap;
} anolist;

static int fail(fp_store *s, const char *what)
{
    fp_error("store: %s: %s", what, sqlite3_errmsg(s->db));
    return FP_EIO;
}

int fp_store_open(fp_store **out, const char *path, uint32_t shard)
{
    fp_store *s = calloc(1, sizeof *s);
    if (!s) return FP_ENOMEM;
    s->shard = shard;
    int rc = FP_OK;
    char *err = NULL;
    if (sqlite3_open(path, &s->db) != SQLITE_OK || sqlite3_exec(s->db, schema, NULL, NULL, &err) != SQLITE_OK) {
        fp_error("cannot open store %s: %s", path, err ? err : sqlite3_errmsg(s->db));
        sqlite3_free(err);
        rc = FP_EIO;
    }
    if (!rc) sqlite3_busy_timeout(s->db, 5000);
    for (int i = 0; i < ST_N && !rc; i++)
        if (sqlite3_prepare_v2(s->db, sql[i], -1, &s->st[i], NULL) != SQLITE_OK) rc = fail(s, "prepare");
    if (!rc) {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(s->db, "SELECT v FROM meta WHERE k='seq'", -1, &st, NULL) == SQLITE_OK) {
            if (sqlite3_step(st) == SQLITE_ROW) s->seq = (uint64_t)sqlite3_column_int64(st, 0);
            sqlite3_finalize(st);
        }
    }
    if (rc) {
        fp_store_close(s);
        return rc;
    }
    *out = s;
    return FP_OK;
}

void fp_store_close(fp_store *s)
{
    if (!s) return;
    for (int i = 0; i < ST_N; i++) sqlite3_finalize(s->st[i]);
    sqlite3_close(s->db);
    free(s);
}

/* ---- statement helpers: bind a key as ?1..?4, run, reset ---- */

static sqlite3_stmt *with_key(fp_store *s, int which, const key *k)
{
    sqlite3_stmt *st = s->st[which];
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    sqlite3_bind_text(st, 1, k->rc, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, k->year);
    sqlite3_bind_text(st, 3, k->metric, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, k->unit, -1, SQLITE_STATIC);
    return st;
}

static sqlite3_stmt *with_text(fp_store *s, int which, const char *t)
{
    sqlite3_stmt *st = s->st[which];
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    sqlite3_bind_text(st, 1, t, -1, SQLITE_STATIC);
    return st;
}

static int done(fp_store *s, sqlite3_stmt *st)
{
    int r = sqlite3_step(st);
    sqlite3_reset(st);
    return r == SQLITE_DONE ? FP_OK : fail(s, "write");
}

static int exists(fp_store *s, int which, const char *id)
{
    sqlite3_stmt *st = with_text(s, which, id);
    int r = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_reset(st);
    return r;
}

static void key_set(key *k, const char *rc, int year, const char *metric, const char *unit)
{
    snprintf(k->rc, sizeof k->rc, "%s", rc);
    k->year = year;
    snprintf(k->metric, sizeof k->metric, "%s", metric);
    snprintf(k->unit, sizeof k->unit, "%s", unit);
}

static int keyset_add(keyset *ks, const key *nk)
{
    for (size_t i = 0; i < ks->n; i++)
        if (ks->k[i].year == nk->year && !strcmp(ks->k[i].rc, nk->rc) && !strcmp(ks->k[i].metric, nk->metric) &&
            !strcmp(ks->k[i].unit, nk->unit))
            return FP_OK;
    if (ks->n == ks->cap) {
        size_t cap = ks->cap ? ks->cap * 2 : 16;
        key *n = realloc(ks->k, cap * sizeof *n);
        if (!n) return FP_ENOMEM;
        ks->k = n;
        ks->cap = cap;
    }
    ks->k[ks->n++] = *nk;
    return FP_OK;
}

/* ---- the incremental totals ---- */

typedef struct {
    int64_t own, facts, reports;
} tot;

static int total_get(fp_store *s, const key *k, tot *t)
{
    sqlite3_stmt *st = with_key(s, ST_TOTAL_GET, k);
    memset(t, 0, sizeof *t);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        t->own = sqlite3_column_int64(st, 0);
        t->facts = sqlite3_column_int64(st, 1);
        t->reports = sqlite3_column_int64(st, 2);
    }
    sqlite3_reset(st);
    return r == SQLITE_ROW || r == SQLITE_DONE ? FP_OK : fail(s, "read total");
}

static int total_put(fp_store *s, const key *k, const tot *t)
{
    if (t->facts == 0 && t->reports == 0) return done(s, with_key(s, ST_TOTAL_DEL, k));
    sqlite3_stmt *st = with_key(s, ST_TOTAL_PUT, k);
    sqlite3_bind_int64(st, 5, t->own);
    sqlite3_bind_int64(st, 6, t->facts);
    sqlite3_bind_int64(st, 7, t->reports);
    return done(s, st);
}

/* stated[k][report] += d; keeps t->reports = the reports with n > 0. */
static int stated_add(fp_store *s, const key *k, const char *report, int64_t d, tot *t)
{
    if (d == 0) return FP_OK;
    sqlite3_stmt *st = with_key(s, ST_STATED_GET, k);
    sqlite3_bind_text(st, 5, report, -1, SQLITE_STATIC);
    int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    int64_t m = n + d;
    if (n == 0 && m > 0) t->reports++;
    if (n > 0 && m <= 0) t->reports--;
    if (m <= 0) {
        st = with_key(s, ST_STATED_DEL, k);
        sqlite3_bind_text(st, 5, report, -1, SQLITE_STATIC);
        return done(s, st);
    }
    st = with_key(s, ST_STATED_PUT, k);
    sqlite3_bind_text(st, 5, report, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, m);
    return done(s, st);
}

typedef struct {
    key k;
    int64_t value;
    int total, part; /* the mention's relation */
    const char *report;
    int64_t seq; /* its row in `mentions` (retire uses it) */
} mention;

/* Adds (sign 1) or removes (sign -1) one mention's effect on facts, stated
 * and totals. The mention itself must not be in `mentions` at this point:
 * the others' contributions are read from there. */
static int apply_mention(fp_store *s, const mention *m, int sign, keyset *ks)
{
    if (!fp_unit_additive(m->k.unit) || !(m->total || m->part)) return FP_OK;
    int rc = keyset_add(ks, &m->k);
    tot t;
    if (!rc) rc = total_get(s, &m->k, &t);
    if (rc) return rc;
    sqlite3_stmt *st = with_key(s, ST_FACT_GET, &m->k);
    sqlite3_bind_int64(st, 5, m->value);
    int64_t nt = 0, np = 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        nt = sqlite3_column_int64(st, 0);
        np = sqlite3_column_int64(st, 1);
    }
    sqlite3_reset(st);
    int before = nt > 0 && np == 0;
    nt += sign * m->total;
    np += sign * m->part;
    int after = nt > 0 && np == 0;
    if (nt <= 0 && np <= 0) {
        st = with_key(s, ST_FACT_DEL, &m->k);
        sqlite3_bind_int64(st, 5, m->value);
    } else {
        st = with_key(s, ST_FACT_PUT, &m->k);
        sqlite3_bind_int64(st, 5, m->value);
        sqlite3_bind_int64(st, 6, nt);
        sqlite3_bind_int64(st, 7, np);
    }
    if ((rc = done(s, st))) return rc;
    if (before != after) {
        int d = after - before;
        if (__builtin_add_overflow(t.own, d * m->value, &t.own)) {
            fp_error("store: the total of %s %d %s overflows", m->k.rc, m->k.year, m->k.metric);
            return FP_ERANGE;
        }
        t.facts += d;
        /* The fact's other total mentions now count, or no longer do. */
        st = with_key(s, ST_OTHERS, &m->k);
        sqlite3_bind_int64(st, 5, m->value);
        typedef struct {
            char *id;
            int64_t c;
        } oc;
        oc *o = NULL;
        size_t no = 0, cap = 0;
        while (!rc && sqlite3_step(st) == SQLITE_ROW) {
            if (no == cap) {
                cap = cap ? cap * 2 : 8;
                oc *n = realloc(o, cap * sizeof *n);
                if (!n) {
                    rc = FP_ENOMEM;
                    break;
                }
                o = n;
            }
            o[no].c = sqlite3_column_int64(st, 1);
            if (!(o[no].id = strdup((const char *)sqlite3_column_text(st, 0)))) rc = FP_ENOMEM;
            else no++;
        }
        sqlite3_reset(st);
        for (size_t i = 0; i < no; i++) {
            if (!rc) rc = stated_add(s, &m->k, o[i].id, d * o[i].c, &t);
            free(o[i].id);
        }
        free(o);
    }
    /* The mention's own contribution. */
    if (!rc && m->total) {
        if (sign > 0 && after) rc = stated_add(s, &m->k, m->report, 1, &t);
        if (sign < 0 && before) rc = stated_add(s, &m->k, m->report, -1, &t);
    }
    if (!rc) rc = total_put(s, &m->k, &t);
    return rc;
}

static int insert_mention(fp_store *s, const fp_figure *f)
{
    sqlite3_stmt *st = with_text(s, ST_INS_MENTION, f->report_id);
    sqlite3_bind_int64(st, 2, f->seq);
    sqlite3_bind_text(st, 3, f->region_code, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, f->region_path ? f->region_path : "", -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 5, f->year);
    sqlite3_bind_text(st, 6, f->metric, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, f->unit, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 8, f->value);
    sqlite3_bind_text(st, 9, f->relation, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 10, f->qualifier, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 11, f->counter, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 12, f->text ? f->text : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 13, f->label ? f->label : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 14, f->sentence ? f->sentence : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 15, f->offset);
    sqlite3_bind_int64(st, 16, f->length);
    sqlite3_bind_text(st, 17, f->source ? f->source : "", -1, SQLITE_STATIC);
    return done(s, st);
}

/* Removes every mention of a superseded report, undoing its effect. */
static int retire(fp_store *s, const char *id, keyset *ks)
{
    sqlite3_stmt *st = with_text(s, ST_MENTIONS_OF, id);
    mention *ms = NULL;
    size_t n = 0, cap = 0;
    int rc = FP_OK;
    while (!rc && sqlite3_step(st) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            mention *nm = realloc(ms, cap * sizeof *nm);
            if (!nm) {
                rc = FP_ENOMEM;
                break;
            }
            ms = nm;
        }
        mention *m = &ms[n];
        key_set(&m->k, (const char *)sqlite3_column_text(st, 0), sqlite3_column_int(st, 1),
                (const char *)sqlite3_column_text(st, 2), (const char *)sqlite3_column_text(st, 3));
        m->value = sqlite3_column_int64(st, 4);
        const char *rel = (const char *)sqlite3_column_text(st, 5);
        m->total = rel && !strcmp(rel, "total");
        m->part = rel && !strcmp(rel, "part");
        m->report = id;
        m->seq = sqlite3_column_int64(st, 6);
        n++;
    }
    sqlite3_reset(st);
    for (size_t i = 0; i < n && !rc; i++) {
        st = with_text(s, ST_DEL_MENTION, id);
        sqlite3_bind_int64(st, 2, ms[i].seq);
        rc = done(s, st);
        if (!rc) rc = apply_mention(s, &ms[i], -1, ks);
    }
    free(ms);
    return rc;
}

/* ---- checks ---- */

static int anolist_add(anolist *l, const char *id, const char *kind, const key *k, const char *rp, const char *detail,
                       int live)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        fp_anomaly *n = realloc(l->a, cap * sizeof *n);
        if (!n) return FP_ENOMEM;
        l->a = n;
        l->cap = cap;
    }
    fp_anomaly *a = &l->a[l->n];
    memset(a, 0, sizeof *a);
    a->id = strdup(id);
    a->region_path = strdup(rp ? rp : "");
    a->detail = strdup(detail ? detail : "{}");
    if (!a->id || !a->region_path || !a->detail) {
        free(a->id), free(a->region_path), free(a->detail);
        return FP_ENOMEM;
    }
    snprintf(a->kind, sizeof a->kind, "%s", kind);
    snprintf(a->region_code, sizeof a->region_code, "%s", k->rc);
    a->year = k->year;
    snprintf(a->metric, sizeof a->metric, "%s", k->metric);
    snprintf(a->unit, sizeof a->unit, "%s", k->unit);
    a->live = (uint8_t)live;
    l->n++;
    return FP_OK;
}

static void anolist_free(anolist *l)
{
    for (size_t i = 0; i < l->n; i++) free(l->a[i].id), free(l->a[i].region_path), free(l->a[i].detail);
    free(l->a);
}

/* Stores a finding (detail) or clears it (detail NULL); records a change in l. */
static int finding(fp_store *s, anolist *l, const char *id, const char *report, const char *kind, const key *k,
                   const char *rp, const char *detail)
{
    sqlite3_stmt *st = with_text(s, ST_AN_GET, id);
    int had = sqlite3_step(st) == SQLITE_ROW;
    int same = had && detail && !strcmp((const char *)sqlite3_column_text(st, 0), detail);
    sqlite3_reset(st);
    if (same || (!had && !detail)) return FP_OK;
    int rc;
    if (!detail) {
        rc = done(s, with_text(s, ST_AN_DEL, id));
    } else {
        st = with_text(s, ST_AN_PUT, id);
        sqlite3_bind_text(st, 2, report, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, k->rc, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 5, k->year);
        sqlite3_bind_text(st, 6, k->metric, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 7, k->unit, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 8, rp ? rp : "", -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 9, detail, -1, SQLITE_STATIC);
        rc = done(s, st);
    }
    return rc ? rc : anolist_add(l, id, kind, k, rp, detail, detail != NULL);
}

static int json_fig(fp_buf *b, const char *text, fp_dec v)
{
    char val[32];
    fp_dec_format(v, val, sizeof val);
    int rc = fp_buf_puts(b, "{\"text\":");
    rc |= fp_buf_json_str(b, text ? text : "", text ? strlen(text) : 0);
    rc |= fp_buf_printf(b, ",\"value\":\"%s\"}", val);
    return rc ? FP_ENOMEM : FP_OK;
}

/* Parts after a whole in the same sentence, of the same key, that add up to
 * more than it (seed 000: 5.8+1.02+0.11+0.46+2.21 亿 under a stated 9.4亿).
 * Parts that add up to less are normal: a breakdown often names only some. */
/* The next part of whole w at or after p: a figure of its sentence, after it,
 * of its key, stated as a part; n once the breakdown ends (at the next
 * whole of that key, or the figures' end). */
static size_t next_part(const fp_figure *f, size_t n, size_t w, size_t p)
{
    for (; p < n; p++) {
        if (!f[p].sentence || strcmp(f[p].sentence, f[w].sentence) || f[p].offset < f[w].offset) continue;
        if (f[p].year != f[w].year || strcmp(f[p].region_code, f[w].region_code) ||
            strcmp(f[p].metric, f[w].metric) || strcmp(f[p].unit, f[w].unit))
            continue;
        if (!strcmp(f[p].relation, "total")) return n; /* the next whole */
        if (!strcmp(f[p].relation, "part")) return p;
    }
    return n;
}

static int check_parts(fp_store *s, const fp_end *end, const fp_figure *f, size_t n, anolist *l)
{
    int rc = FP_OK;
    for (size_t w = 0; w < n && !rc; w++) {
        if (strcmp(f[w].relation, "total") || !fp_unit_additive(f[w].unit) || !f[w].sentence) continue;
        fp_dec sum = 0;
        size_t parts = 0;
        for (size_t p = next_part(f, n, w, w + 1); p < n; p = next_part(f, n, w, p + 1))
            if (!__builtin_add_overflow(sum, f[p].value, &sum)) parts++;
        if (!parts || sum <= f[w].value) continue;
        fp_buf b = {0};
        char val[32], id[128];
        fp_dec_format(sum, val, sizeof val);
        rc = fp_buf_puts(&b, "{\"report\":\"");
        rc |= fp_buf_printf(&b, "%s\",\"source\":", end->report_id);
        rc |= fp_buf_json_str(&b, end->source ? end->source : "", end->source ? strlen(end->source) : 0);
        rc |= fp_buf_puts(&b, ",\"whole\":");
        rc |= json_fig(&b, f[w].text, f[w].value);
        rc |= fp_buf_printf(&b, ",\"parts_sum\":\"%s\",\"parts\":[", val);
        size_t k = 0;
        for (size_t p = next_part(f, n, w, w + 1); p < n && !rc; p = next_part(f, n, w, p + 1)) {
            if (k++) rc |= fp_buf_puts(&b, ",");
            rc |= json_fig(&b, f[p].text, f[p].value);
        }
        rc |= fp_buf_puts(&b, "],\"sentence\":");
        rc |= fp_buf_json_str(&b, f[w].sentence, strlen(f[w].sentence));
        rc |= fp_buf_puts(&b, "}");
        if (rc) {
            fp_buf_free(&b);
            return FP_ENOMEM;
        }
        key k0;
        key_set(&k0, f[w].region_code, f[w].year, f[w].metric, f[w].unit);
        snprintf(id, sizeof id, "parts|%s|%u", end->report_id, f[w].seq);
        rc = finding(s, l, id, end->report_id, "parts_exceed_whole", &k0, f[w].region_path, b.p);
        fp_buf_free(&b);
    }
    return rc;
}

/* One key stated as a total with different values by different reports.
 * Up to 3 reports per value are enough to decide, and to show. */
static int check_conflict(fp_store *s, const key *k, const char *rp, anolist *l)
{
    typedef struct {
        int64_t v;
        char *rid, *src, *text;
    } row;
    int64_t vals[64];
    size_t nv = 0;
    sqlite3_stmt *st = with_key(s, ST_VALUES_STATED, k);
    while (nv < 64 && sqlite3_step(st) == SQLITE_ROW) vals[nv++] = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    row *r = NULL;
    size_t n = 0;
    int rc = FP_OK;
    if (nv >= 2 && !(r = calloc(nv * 3, sizeof *r))) rc = FP_ENOMEM;
    for (size_t i = 0; i < nv && nv >= 2 && !rc; i++) {
        st = with_key(s, ST_VALUE_STMTS, k);
        sqlite3_bind_int64(st, 5, vals[i]);
        size_t first = n;
        while (!rc && sqlite3_step(st) == SQLITE_ROW) {
            r[n].v = vals[i];
            if (!(r[n].rid = strdup((const char *)sqlite3_column_text(st, 0)))) rc = FP_ENOMEM;
            n++;
        }
        sqlite3_reset(st);
        for (size_t j = first; j < n && !rc; j++) {
            sqlite3_stmt *tx = with_key(s, ST_STMT_TEXT, k);
            sqlite3_bind_int64(tx, 5, vals[i]);
            sqlite3_bind_text(tx, 6, r[j].rid, -1, SQLITE_STATIC);
            int ok = sqlite3_step(tx) == SQLITE_ROW;
            r[j].src = strdup(ok ? (const char *)sqlite3_column_text(tx, 0) : "");
            r[j].text = strdup(ok ? (const char *)sqlite3_column_text(tx, 1) : "");
            if (!r[j].src || !r[j].text) rc = FP_ENOMEM;
            sqlite3_reset(tx);
        }
    }
    int conflict = 0;
    for (size_t i = 0; i < n && !conflict && !rc; i++)
        for (size_t j = i + 1; j < n && !conflict; j++)
            conflict = r[i].v != r[j].v && strcmp(r[i].rid, r[j].rid);
    fp_buf b = {0};
    if (!rc && conflict) {
        rc |= fp_buf_puts(&b, "{\"statements\":[");
        for (size_t i = 0; i < n; i++) {
            char val[32];
            fp_dec_format(r[i].v, val, sizeof val);
            rc |= fp_buf_printf(&b, "%s{\"value\":\"%s\",\"report\":\"%s\",\"source\":", i ? "," : "", val, r[i].rid);
            rc |= fp_buf_json_str(&b, r[i].src, strlen(r[i].src));
            rc |= fp_buf_puts(&b, ",\"text\":");
            rc |= fp_buf_json_str(&b, r[i].text, strlen(r[i].text));
            rc |= fp_buf_puts(&b, "}");
        }
        rc |= fp_buf_puts(&b, "]}");
        if (rc) rc = FP_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) free(r[i].rid), free(r[i].src), free(r[i].text);
    free(r);
    char id[128];
    snprintf(id, sizeof id, "conflict|%s|%d|%s|%s", k->rc, k->year, k->metric, k->unit);
    if (!rc) rc = finding(s, l, id, "", "conflicting_values", k, rp, conflict ? b.p : NULL);
    fp_buf_free(&b);
    return rc;
}

/* A superseded report's own findings go with it. */
static int clear_findings_of(fp_store *s, const char *report, anolist *l)
{
    sqlite3_stmt *st = with_text(s, ST_AN_OF_REPORT, report);
    char ids[64][128];
    key ks[64];
    char kinds[64][24];
    int n = 0, rc = FP_OK;
    while (n < 64 && sqlite3_step(st) == SQLITE_ROW) {
        snprintf(ids[n], sizeof ids[n], "%s", (const char *)sqlite3_column_text(st, 0));
        snprintf(kinds[n], sizeof kinds[n], "%s", (const char *)sqlite3_column_text(st, 1));
        key_set(&ks[n], (const char *)sqlite3_column_text(st, 2), sqlite3_column_int(st, 3),
                (const char *)sqlite3_column_text(st, 4), (const char *)sqlite3_column_text(st, 5));
        n++;
    }
    sqlite3_reset(st);
    for (int i = 0; i < n && !rc; i++) rc = finding(s, l, ids[i], report, kinds[i], &ks[i], "", NULL);
    return rc;
}

/* ---- applying ---- */

static char *path_of(fp_store *s, const char *rc)
{
    sqlite3_stmt *st = with_text(s, ST_PATH_OF, rc);
    char *p = NULL;
    if (sqlite3_step(st) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(st, 0);
        p = strdup(t ? t : "");
    } else {
        p = strdup("");
    }
    sqlite3_reset(st);
    return p;
}

static int emit_total(fp_store *s, const key *k, uint64_t seq, const fp_store_out *out, int skip_empty)
{
    tot t;
    int rc = total_get(s, k, &t);
    if (rc || (skip_empty && t.facts == 0) || !out || !out->total) return rc;
    fp_total ft = {.shard = s->shard, .seq = seq, .year = k->year, .own = t.own, .facts = (uint32_t)t.facts,
                   .reports = (uint32_t)t.reports};
    snprintf(ft.region_code, sizeof ft.region_code, "%s", k->rc);
    snprintf(ft.metric, sizeof ft.metric, "%s", k->metric);
    snprintf(ft.unit, sizeof ft.unit, "%s", k->unit);
    if (!(ft.region_path = path_of(s, k->rc))) return FP_ENOMEM;
    rc = out->total(&ft, out->ud);
    free(ft.region_path);
    return rc;
}

int fp_store_apply(fp_store *s, const fp_end *end, const fp_figure *figs, size_t n, int *fresh,
                   const fp_store_out *out)
{
    *fresh = 0;
    /* A report applied before changes nothing, unless it comes back as the
     * revision of the one that replaced it (a source revised back to earlier
     * content): then it lives again and its successor retires. */
    int revive = 0;
    if (exists(s, ST_IS_APPLIED, end->report_id)) {
        if (!end->supersedes[0] || !exists(s, ST_IS_RETIRED, end->report_id) ||
            exists(s, ST_IS_RETIRED, end->supersedes))
            return FP_OK;
        revive = 1;
    }
    keyset ks = {0};
    anolist al = {0};
    int rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK ? FP_OK : fail(s, "begin");
    if (!rc && revive) rc = done(s, with_text(s, ST_DEL_RETIRED, end->report_id));
    /* A revision newer than this report may have arrived first: then this one only records that it was seen. */
    int retired = !rc && exists(s, ST_IS_RETIRED, end->report_id);
    for (size_t i = 0; i < n && !rc && !retired; i++) {
        const fp_figure *f = &figs[i];
        mention m = {.value = f->value, .total = !strcmp(f->relation, "total"), .part = !strcmp(f->relation, "part"),
                     .report = end->report_id};
        key_set(&m.k, f->region_code, f->year, f->metric, f->unit);
        rc = apply_mention(s, &m, 1, &ks);
        if (!rc) rc = insert_mention(s, f);
    }
    if (!rc && !retired) rc = check_parts(s, end, figs, n, &al);
    if (!rc && end->supersedes[0] && !exists(s, ST_IS_RETIRED, end->supersedes)) {
        rc = done(s, with_text(s, ST_INS_RETIRED, end->supersedes));
        if (!rc) rc = retire(s, end->supersedes, &ks);
        if (!rc) rc = clear_findings_of(s, end->supersedes, &al);
    }
    for (size_t i = 0; i < ks.n && !rc; i++) {
        char *rp = path_of(s, ks.k[i].rc);
        rc = rp ? check_conflict(s, &ks.k[i], rp, &al) : FP_ENOMEM;
        free(rp);
    }
    if (!rc) {
        sqlite3_stmt *st = with_text(s, ST_INS_APPLIED, end->report_id);
        sqlite3_bind_text(st, 2, end->source ? end->source : "", -1, SQLITE_STATIC);
        rc = done(s, st);
    }
    uint64_t seq0 = s->seq, seq1 = seq0 + ks.n + al.n;
    if (!rc) {
        sqlite3_stmt *st = s->st[ST_SET_SEQ];
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, (sqlite3_int64)seq1);
        rc = done(s, st);
    }
    if (!rc && sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) rc = fail(s, "commit");
    if (rc) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    } else {
        *fresh = 1;
        s->seq = seq1;
        uint64_t seq = seq0;
        for (size_t i = 0; i < ks.n && !rc; i++) rc = emit_total(s, &ks.k[i], ++seq, out, 0);
        for (size_t i = 0; i < al.n && !rc; i++) {
            al.a[i].shard = s->shard;
            al.a[i].seq = ++seq;
            if (out && out->anomaly) rc = out->anomaly(&al.a[i], out->ud);
        }
    }
    free(ks.k);
    anolist_free(&al);
    return rc;
}

int fp_store_snapshot(fp_store *s, const fp_store_out *out, uint64_t *seq)
{
    *seq = s->seq;
    sqlite3_stmt *st;
    int rc = FP_OK;
    if (sqlite3_prepare_v2(s->db, "SELECT " KEY_PK " FROM totals WHERE facts > 0", -1, &st, NULL) != SQLITE_OK)
        return fail(s, "snapshot");
    keyset ks = {0};
    while (!rc && sqlite3_step(st) == SQLITE_ROW) {
        key k;
        key_set(&k, (const char *)sqlite3_column_text(st, 0), sqlite3_column_int(st, 1),
                (const char *)sqlite3_column_text(st, 2), (const char *)sqlite3_column_text(st, 3));
        rc = keyset_add(&ks, &k);
    }
    sqlite3_finalize(st);
    for (size_t i = 0; i < ks.n && !rc; i++) rc = emit_total(s, &ks.k[i], s->seq, out, 1);
    free(ks.k);
    if (rc || !out->anomaly) return rc;
    if (sqlite3_prepare_v2(s->db, "SELECT id, kind, " KEY_PK ", rp, detail FROM anomalies", -1, &st, NULL) !=
        SQLITE_OK)
        return fail(s, "snapshot");
    while (!rc && sqlite3_step(st) == SQLITE_ROW) {
        fp_anomaly a = {.shard = s->shard, .seq = s->seq, .live = 1, .year = sqlite3_column_int(st, 3)};
        a.id = (char *)sqlite3_column_text(st, 0);
        snprintf(a.kind, sizeof a.kind, "%s", (const char *)sqlite3_column_text(st, 1));
        snprintf(a.region_code, sizeof a.region_code, "%s", (const char *)sqlite3_column_text(st, 2));
        snprintf(a.metric, sizeof a.metric, "%s", (const char *)sqlite3_column_text(st, 4));
        snprintf(a.unit, sizeof a.unit, "%s", (const char *)sqlite3_column_text(st, 5));
        a.region_path = (char *)sqlite3_column_text(st, 6);
        a.detail = (char *)sqlite3_column_text(st, 7);
        rc = out->anomaly(&a, out->ud);
    }
    sqlite3_finalize(st);
    return rc;
}

uint64_t fp_store_seq(const fp_store *s) { return s->seq; }

int fp_store_each_applied(fp_store *s, int (*cb)(const char *id, void *ud), void *ud)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT report_id FROM applied", -1, &st, NULL) != SQLITE_OK) return fail(s, "read");
    int rc = FP_OK;
    while (!rc && sqlite3_step(st) == SQLITE_ROW) rc = cb((const char *)sqlite3_column_text(st, 0), ud);
    sqlite3_finalize(st);
    return rc;
}

int fp_store_counts(fp_store *s, long long *reports, long long *mentions)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT (SELECT COUNT(*) FROM applied), (SELECT COUNT(*) FROM mentions)", -1, &st,
                           NULL) != SQLITE_OK)
        return fail(s, "read");
    if (sqlite3_step(st) == SQLITE_ROW) {
        *reports = sqlite3_column_int64(st, 0);
        *mentions = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    return FP_OK;
}

int fp_store_facts(fp_store *s, const char *rc, int year, const char *metric, const char *unit, fp_buf *out)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT m.report_id, m.source, m.text, m.value, m.unit, m.qualifier, m.relation, m.label,"
                           " m.sentence, m.off, m.len, COALESCE(f.nt > 0 AND f.np = 0, 0)"
                           " FROM mentions m LEFT JOIN facts f ON f.rc=m.rc AND f.year=m.year AND f.metric=m.metric"
                           " AND f.unit=m.unit AND f.value=m.value"
                           " WHERE m.rc=?1 AND m.year=?2 AND m.metric=?3 AND (?4 = '' OR m.unit=?4)"
                           " ORDER BY m.source, m.off LIMIT 1000",
                           -1, &st, NULL) != SQLITE_OK)
        return fail(s, "facts");
    sqlite3_bind_text(st, 1, rc, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, year);
    sqlite3_bind_text(st, 3, metric, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, unit, -1, SQLITE_STATIC);
    int r = fp_buf_puts(out, "[");
    for (int k = 0; sqlite3_step(st) == SQLITE_ROW && !r; k++) {
        static const char *const keys[] = {"report", "source", "text", NULL, "unit", "qualifier", "relation", "label",
                                           "sentence"};
        r |= fp_buf_puts(out, k ? ",{" : "{");
        for (int c = 0; c < 9; c++) {
            if (c == 3) {
                char val[32];
                fp_dec_format(sqlite3_column_int64(st, 3), val, sizeof val);
                r |= fp_buf_printf(out, ",\"value\":\"%s\"", val);
                continue;
            }
            const char *v = (const char *)sqlite3_column_text(st, c);
            r |= fp_buf_printf(out, "%s\"%s\":", c ? "," : "", keys[c]);
            r |= fp_buf_json_str(out, v ? v : "", v ? strlen(v) : 0);
        }
        const char *unit_c = (const char *)sqlite3_column_text(st, 4);
        int counted = sqlite3_column_int(st, 11) && unit_c && fp_unit_additive(unit_c);
        r |= fp_buf_printf(out, ",\"offset\":%lld,\"length\":%lld,\"counted\":%s}",
                           (long long)sqlite3_column_int64(st, 9), (long long)sqlite3_column_int64(st, 10),
                           counted ? "true" : "false");
    }
    r |= fp_buf_puts(out, "]");
    sqlite3_finalize(st);
    return r ? FP_ENOMEM : FP_OK;
}
