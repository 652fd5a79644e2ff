#include "store.h"
#include "fp_json.h"
#include "fp_buf.h"
#include "fp_err.h"
#include "fp_log.h"
#include "fp_map.h"

#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SCHEMA_VERSION 4 /* 2: cells keyed by indicator and series; 3: kept per value in `vals`; 4: published */
#define KEY_PK "rc, year, indicator, series, unit"
#define KEY_WHERE "rc=?1 AND year=?2 AND indicator=?3 AND series=?4 AND unit=?5"

static const char *schema =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=FULL;"
    "PRAGMA cache_size=-32768;"
    "CREATE TABLE IF NOT EXISTS applied(report_id TEXT PRIMARY KEY, source TEXT);"
    "CREATE TABLE IF NOT EXISTS retired(report_id TEXT PRIMARY KEY);"
    "CREATE TABLE IF NOT EXISTS mentions(report_id TEXT, seq INTEGER, rc TEXT, rp TEXT, year INTEGER,"
    " indicator TEXT, series TEXT, unit TEXT, metric TEXT, value INTEGER, relation TEXT, qualifier TEXT,"
    " counter TEXT, text TEXT, label TEXT, sentence TEXT, off INTEGER, len INTEGER, source TEXT, curated INTEGER,"
    " weight INTEGER, ord TEXT, published INTEGER, PRIMARY KEY(report_id, seq));"
    "CREATE INDEX IF NOT EXISTS mentions_cell ON mentions(" KEY_PK ", value);"
    /* per cell and value, kept in step with mentions: how often, how strongly, and the first statement */
    "CREATE TABLE IF NOT EXISTS vals(rc TEXT, year INTEGER, indicator TEXT, series TEXT, unit TEXT, value INTEGER,"
    " n INTEGER, cur INTEGER, w INTEGER, exact INTEGER, ord TEXT, rid TEXT, src TEXT, text TEXT, qual TEXT,"
    " rp TEXT, metric TEXT, PRIMARY KEY(" KEY_PK ", value)) WITHOUT ROWID;"
    /* per cell and report: how many of its mentions */
    "CREATE TABLE IF NOT EXISTS reps(rc TEXT, year INTEGER, indicator TEXT, series TEXT, unit TEXT, report_id TEXT,"
    " n INTEGER, PRIMARY KEY(" KEY_PK ", report_id)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS anomalies(id TEXT PRIMARY KEY, report_id TEXT, kind TEXT, rc TEXT, year INTEGER,"
    " indicator TEXT, unit TEXT, rp TEXT, detail TEXT);"
    "CREATE INDEX IF NOT EXISTS anomalies_report ON anomalies(report_id);"
    "CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v INTEGER);"
    /* TEXT: in meta's INTEGER column a hex epoch like 0123… or 12e4… would turn into a number */
    "CREATE TABLE IF NOT EXISTS identity(k TEXT PRIMARY KEY, v TEXT);"
    /* reports this shard failed to apply: tries so far, the last error, and whether it gave up (dead) */
    "CREATE TABLE IF NOT EXISTS failures(report_id TEXT PRIMARY KEY, source TEXT, tries INTEGER, error TEXT,"
    " dead INTEGER DEFAULT 0);";

enum {
    ST_IS_APPLIED, ST_IS_RETIRED, ST_INS_MENTION, ST_INS_APPLIED, ST_INS_RETIRED, ST_KEYS_OF, ST_DEL_MENTIONS,
    ST_CELL, ST_SET_SEQ, ST_AN_PUT, ST_AN_OF_REPORT, ST_AN_DEL_REPORT, ST_DEL_RETIRED, ST_VAL_ADD, ST_REP_ADD,
    ST_VAL_AGG, ST_VAL_FIRST, ST_VAL_PUT, ST_VAL_DEL, ST_REP_DEL, ST_REPORTS, ST_FAIL_ADD, ST_FAIL_DEAD, ST_IS_DEAD,
    ST_N
};

static const char *sql[ST_N] = {
    [ST_IS_APPLIED] = "SELECT 1 FROM applied WHERE report_id=?1",
    [ST_IS_RETIRED] = "SELECT 1 FROM retired WHERE report_id=?1",
    [ST_INS_MENTION] = "INSERT OR REPLACE INTO mentions VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,"
                       "?17,?18,?19,?20,?21,?22,?23)",
    [ST_INS_APPLIED] = "INSERT OR IGNORE INTO applied VALUES(?1,?2)",
    [ST_INS_RETIRED] = "INSERT OR IGNORE INTO retired VALUES(?1)",
    [ST_KEYS_OF] = "SELECT DISTINCT " KEY_PK ", value FROM mentions WHERE report_id=?1",
    [ST_DEL_MENTIONS] = "DELETE FROM mentions WHERE report_id=?1",
    /* a cell's values in the order first stated */
    [ST_CELL] = "SELECT value, n, cur, w, exact, rid, src, text, qual, rp, metric FROM vals WHERE " KEY_WHERE
                " ORDER BY ord",
    [ST_VAL_ADD] = "INSERT INTO vals VALUES(?1,?2,?3,?4,?5,?6,1,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16)"
                   " ON CONFLICT DO UPDATE SET n=n+1, cur=cur+excluded.cur, w=MAX(w,excluded.w),"
                   " exact=exact+excluded.exact,"
                   " rid=CASE WHEN excluded.ord<ord THEN excluded.rid ELSE rid END,"
                   " src=CASE WHEN excluded.ord<ord THEN excluded.src ELSE src END,"
                   " text=CASE WHEN excluded.ord<ord THEN excluded.text ELSE text END,"
                   " qual=CASE WHEN excluded.ord<ord THEN excluded.qual ELSE qual END,"
                   " rp=CASE WHEN excluded.ord<ord THEN excluded.rp ELSE rp END,"
                   " metric=CASE WHEN excluded.ord<ord THEN excluded.metric ELSE metric END,"
                   " ord=MIN(ord,excluded.ord)",
    [ST_REP_ADD] = "INSERT INTO reps VALUES(?1,?2,?3,?4,?5,?6,1) ON CONFLICT DO UPDATE SET n=n+1",
    /* rebuilding a value's row after a report's mentions went */
    [ST_VAL_AGG] = "SELECT COUNT(*), SUM(curated), MAX(weight), SUM(qualifier='exact') FROM mentions WHERE " KEY_WHERE
                   " AND value=?6",
    [ST_VAL_FIRST] = "SELECT ord, report_id, source, text, qualifier, rp, metric FROM mentions WHERE " KEY_WHERE
                     " AND value=?6 ORDER BY ord LIMIT 1",
    [ST_VAL_PUT] = "INSERT OR REPLACE INTO vals VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17)",
    [ST_VAL_DEL] = "DELETE FROM vals WHERE " KEY_WHERE " AND value=?6",
    [ST_REP_DEL] = "DELETE FROM reps WHERE " KEY_WHERE " AND report_id=?6",
    [ST_REPORTS] = "SELECT COUNT(*) FROM reps WHERE " KEY_WHERE,
    [ST_SET_SEQ] = "INSERT OR REPLACE INTO meta VALUES('seq', ?1)",
    [ST_AN_PUT] = "INSERT OR REPLACE INTO anomalies VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9)",
    [ST_AN_OF_REPORT] = "SELECT id, kind, rc, year, indicator, unit FROM anomalies WHERE report_id=?1",
    [ST_AN_DEL_REPORT] = "DELETE FROM anomalies WHERE report_id=?1",
    [ST_DEL_RETIRED] = "DELETE FROM retired WHERE report_id=?1",
    [ST_FAIL_ADD] = "INSERT INTO failures VALUES(?1,?2,1,?3,0) ON CONFLICT DO UPDATE SET tries=tries+1,"
                    " error=excluded.error RETURNING tries, dead",
    [ST_FAIL_DEAD] = "UPDATE failures SET dead=1 WHERE report_id=?1",
    [ST_IS_DEAD] = "SELECT 1 FROM failures WHERE report_id=?1 AND dead=1",
};

typedef struct {
    char rc[16];
    int year;
    char indicator[96], series[12], unit[16];
} key;

typedef struct {
    key *k;
    size_t n, cap;
    fp_map ix; /* "rc|year|indicator|series|unit" -> index + 1: a group of many reports stays linear */
} keyset;

/* Findings changed in this transaction, sent after the commit. */
typedef struct {
    fp_anomaly *a;
    size_t n, cap;
} anolist;

struct fp_store {
    sqlite3 *db;
    uint32_t shard;
    uint64_t seq;
    char epoch[17];
    int group;     /* inside fp_store_begin .. fp_store_commit */
    keyset gks;    /* the group's touched cells */
    anolist gal;   /* the group's findings */
    sqlite3_stmt *st[ST_N];
};

static int fail(fp_store *s, const char *what)
{
    fp_error("store: %s: %s", what, sqlite3_errmsg(s->db));
    return FP_EIO;
}

static const char *col(sqlite3_stmt *st, int c)
{
    const char *t = (const char *)sqlite3_column_text(st, c);
    return t ? t : "";
}

static int user_version(sqlite3 *db, int *v)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK) return FP_EIO;
    *v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    sqlite3_finalize(st);
    return FP_OK;
}

static int table_count(sqlite3 *db, int *n)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM sqlite_master WHERE type='table'", -1, &st, NULL) != SQLITE_OK)
        return FP_EIO;
    *n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    sqlite3_finalize(st);
    return FP_OK;
}

int fp_store_open(fp_store **out, const char *path, uint32_t shard)
{
    fp_store *s = calloc(1, sizeof *s);
    if (!s) return FP_ENOMEM;
    s->shard = shard;
    int rc = FP_OK, ver = 0, tables = 0;
    char *err = NULL;
    if (sqlite3_open(path, &s->db) != SQLITE_OK) {
        fp_error("cannot open store %s: %s", path, sqlite3_errmsg(s->db));
        rc = FP_EIO;
    }
    if (!rc) sqlite3_busy_timeout(s->db, 5000);
    if (!rc && (user_version(s->db, &ver) || table_count(s->db, &tables))) {
        fp_error("cannot read store %s: %s", path, sqlite3_errmsg(s->db));
        rc = FP_EIO;
    }
    if (!rc && tables > 0 && ver != SCHEMA_VERSION) {
        fp_error("store %s was written by an older fupin (schema %d, this one reads %d): move it aside and let "
                 "ingest re-send the reports",
                 path, ver, SCHEMA_VERSION);
        rc = FP_EINVAL;
    }
    if (!rc && (sqlite3_exec(s->db, schema, NULL, NULL, &err) != SQLITE_OK ||
                sqlite3_exec(s->db, "PRAGMA user_version=4", NULL, NULL, &err) != SQLITE_OK)) {
        fp_error("cannot open store %s: %s", path, err ? err : sqlite3_errmsg(s->db));
        sqlite3_free(err);
        rc = FP_EIO;
    }
    for (int i = 0; i < ST_N && !rc; i++)
        if (sqlite3_prepare_v2(s->db, sql[i], -1, &s->st[i], NULL) != SQLITE_OK) rc = fail(s, "prepare");
    if (!rc) {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(s->db, "SELECT v FROM meta WHERE k='seq'", -1, &st, NULL) == SQLITE_OK) {
            if (sqlite3_step(st) == SQLITE_ROW) s->seq = (uint64_t)sqlite3_column_int64(st, 0);
            sqlite3_finalize(st);
        }
        /* The store's identity, made with it: a store lost or emptied comes back with another, which
         * tells the sink and ingest to rebuild it rather than trust sequence numbers that restarted. */
        if (sqlite3_exec(s->db, "INSERT OR IGNORE INTO identity VALUES('epoch', lower(hex(randomblob(8))))", NULL, NULL,
                         NULL) != SQLITE_OK ||
            sqlite3_prepare_v2(s->db, "SELECT v FROM identity WHERE k='epoch'", -1, &st, NULL) != SQLITE_OK)
            rc = fail(s, "epoch");
        else {
            if (sqlite3_step(st) == SQLITE_ROW) snprintf(s->epoch, sizeof s->epoch, "%s", col(st, 0));
            sqlite3_finalize(st);
            if (strlen(s->epoch) != 16) {
                fp_error("store %s: its epoch is not 16 hex digits", path);
                rc = FP_EIO;
            }
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

/* ---- statement helpers ---- */

static sqlite3_stmt *with_text(fp_store *s, int which, const char *t)
{
    sqlite3_stmt *st = s->st[which];
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    sqlite3_bind_text(st, 1, t, -1, SQLITE_STATIC);
    return st;
}

static sqlite3_stmt *with_key(fp_store *s, int which, const key *k)
{
    sqlite3_stmt *st = with_text(s, which, k->rc);
    sqlite3_bind_int(st, 2, k->year);
    sqlite3_bind_text(st, 3, k->indicator, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, k->series, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, k->unit, -1, SQLITE_STATIC);
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


static void key_set(key *k, const char *rc, int year, const char *indicator, const char *series, const char *unit)
{
    snprintf(k->rc, sizeof k->rc, "%s", rc);
    k->year = year;
    snprintf(k->indicator, sizeof k->indicator, "%s", indicator);
    snprintf(k->series, sizeof k->series, "%s", series[0] ? series : "value");
    snprintf(k->unit, sizeof k->unit, "%s", unit);
}

static int keyset_add(keyset *ks, const key *nk)
{
    char name[200];
    snprintf(name, sizeof name, "%s|%d|%s|%s|%s", nk->rc, nk->year, nk->indicator, nk->series, nk->unit);
    if (fp_map_get(&ks->ix, name)) return FP_OK;
    if (ks->n == ks->cap) {
        size_t cap = ks->cap ? ks->cap * 2 : 16;
        key *n = realloc(ks->k, cap * sizeof *n);
        if (!n) return FP_ENOMEM;
        ks->k = n;
        ks->cap = cap;
    }
    if (fp_map_put(&ks->ix, name, (void *)(uintptr_t)(ks->n + 1), NULL)) return FP_ENOMEM;
    ks->k[ks->n++] = *nk;
    return FP_OK;
}

static void keyset_free(keyset *ks)
{
    free(ks->k);
    fp_map_free(&ks->ix);
    memset(ks, 0, sizeof *ks);
}

/* ---- choosing a cell's stated value ---- */

static fp_dec unit_of_precision(fp_dec v)
{
    if (v == 0) return 0;
    fp_dec p = 1;
    while (v % (p * 10) == 0 && p < (fp_dec)1000000000000000LL) p *= 10;
    return p;
}

/* 1 when `coarse` is `fine` rounded to coarse's last digit, with at least two digits kept (100 is no rounding of 96). */
static int rounds_to(fp_dec fine, fp_dec coarse)
{
    fp_dec pc = unit_of_precision(coarse), pf = unit_of_precision(fine);
    if (!pc || !pf || pc <= pf || coarse < 0 || fine < 0) return 0;
    if (coarse / pc < 10) return 0;
    /* fine + pc/2 leaves the int64 range for values near the top of fp_dec: no value rounds to one out there */
    fp_dec r;
    if (__builtin_add_overflow(fine, pc / 2, &r)) return 0;
    r = r / pc * pc;
    return r == coarse;
}

size_t fp_cell_choose(const fp_fact *f, size_t n, size_t *group, size_t *groups)
{
    size_t ng = 0, best = 0;
    int have = 0;
    for (size_t i = 0; i < n; i++) {
        size_t g = i;
        for (size_t j = 0; j < i; j++) {
            if (group[j] != j) continue; /* compare with representatives only */
            if (f[j].value == f[i].value || rounds_to(f[i].value, f[j].value) || rounds_to(f[j].value, f[i].value)) {
                g = j;
                break;
            }
        }
        group[i] = g;
        if (g == i) ng++;
    }
    /* a group's standing: any of its facts curated; its strongest statement */
    for (size_t i = 0; i < n; i++) {
        if (group[i] != i) continue;
        int cur = 0, w = 0;
        for (size_t j = i; j < n; j++) {
            if (group[j] != i) continue;
            cur |= f[j].curated;
            if (f[j].weight > w) w = f[j].weight;
        }
        int better = !have;
        if (have) {
            int bc = 0, bw = 0;
            for (size_t j = best; j < n; j++) {
                if (group[j] != best) continue;
                bc |= f[j].curated;
                if (f[j].weight > bw) bw = f[j].weight;
            }
            if (cur != bc) better = cur > bc;
            else if (w != bw) better = w > bw;
            else better = f[i].value > f[best].value;
        }
        if (better) best = i, have = 1;
    }
    *groups = ng;
    return best;
}

/* ---- cells ---- */

typedef struct {
    fp_fact *f;
    char **rid, **src, **text, **qual;
    uint32_t *n;
    size_t cnt, cap;
    char *rp, *metric;
} cellrows;

static void cellrows_free(cellrows *c)
{
    for (size_t i = 0; i < c->cnt; i++) free(c->rid[i]), free(c->src[i]), free(c->text[i]), free(c->qual[i]);
    free(c->f), free(c->rid), free(c->src), free(c->text), free(c->qual), free(c->n);
    free(c->rp), free(c->metric);
    memset(c, 0, sizeof *c);
}

static int cellrows_grow(cellrows *c)
{
    size_t cap = c->cap ? c->cap * 2 : 8;
    fp_fact *nf = realloc(c->f, cap * sizeof *nf);
    if (nf) c->f = nf;
    char **a = realloc(c->rid, cap * sizeof *a);
    if (a) c->rid = a;
    char **b = realloc(c->src, cap * sizeof *b);
    if (b) c->src = b;
    char **d = realloc(c->text, cap * sizeof *d);
    if (d) c->text = d;
    char **e = realloc(c->qual, cap * sizeof *e);
    if (e) c->qual = e;
    uint32_t *g = realloc(c->n, cap * sizeof *g);
    if (g) c->n = g;
    if (!nf || !a || !b || !d || !e || !g) return FP_ENOMEM;
    c->cap = cap;
    return FP_OK;
}

/* A cell's distinct values, in the order first stated (one row each in `vals`). */
static int cellrows_read(fp_store *s, const key *k, cellrows *c)
{
    memset(c, 0, sizeof *c);
    sqlite3_stmt *st = with_key(s, ST_CELL, k);
    int rc = FP_OK, r;
    while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
        if (c->cnt == c->cap && (rc = cellrows_grow(c))) break;
        size_t i = c->cnt++;
        c->f[i] = (fp_fact){.value = sqlite3_column_int64(st, 0), .curated = sqlite3_column_int(st, 2) > 0,
                            .weight = sqlite3_column_int(st, 3), .exact = sqlite3_column_int(st, 4) > 0};
        c->n[i] = (uint32_t)sqlite3_column_int64(st, 1);
        c->rid[i] = strdup(col(st, 5));
        c->src[i] = strdup(col(st, 6));
        c->text[i] = strdup(col(st, 7));
        c->qual[i] = strdup(col(st, 8));
        if (!c->rid[i] || !c->src[i] || !c->text[i] || !c->qual[i]) rc = FP_ENOMEM;
        if (!rc && i == 0 && (!(c->rp = strdup(col(st, 9))) || !(c->metric = strdup(col(st, 10))))) rc = FP_ENOMEM;
    }
    if (!rc && r != SQLITE_DONE) rc = fail(s, "read cell");
    sqlite3_reset(st);
    if (rc) cellrows_free(c);
    return rc;
}

/* Builds the cell of key k from its values; t->facts is 0 when it has none.
 * The cost is the cell's distinct values, not its mentions. */
static int cell_of(fp_store *s, const key *k, fp_total *t)
{
    cellrows c;
    int rc = cellrows_read(s, k, &c);
    if (rc) return rc;
    memset(t, 0, sizeof *t);
    t->shard = s->shard;
    snprintf(t->region_code, sizeof t->region_code, "%s", k->rc);
    t->year = k->year;
    snprintf(t->indicator, sizeof t->indicator, "%s", k->indicator);
    snprintf(t->series, sizeof t->series, "%s", k->series);
    snprintf(t->unit, sizeof t->unit, "%s", k->unit);
    snprintf(t->metric, sizeof t->metric, "%s", c.metric ? c.metric : "");
    t->region_path = c.rp;
    c.rp = NULL;
    if (c.cnt == 0) {
        cellrows_free(&c);
        return (t->region_path = strdup("")) ? FP_OK : FP_ENOMEM;
    }
    size_t *group = malloc(c.cnt * sizeof *group), ng = 0;
    if (!group) {
        cellrows_free(&c);
        free(t->region_path);
        t->region_path = NULL;
        return FP_ENOMEM;
    }
    size_t best = fp_cell_choose(c.f, c.cnt, group, &ng);
    t->stated = c.f[best].value;
    for (size_t i = 0; i < c.cnt; i++) t->facts += c.n[i];
    sqlite3_stmt *st = with_key(s, ST_REPORTS, k);
    if (sqlite3_step(st) == SQLITE_ROW) t->reports = (uint32_t)sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    int exact = 0;
    for (size_t i = 0; i < c.cnt; i++) exact |= group[i] == best && c.f[i].exact;
    snprintf(t->status, sizeof t->status, "%s", ng > 1 ? "conflict" : exact ? "exact" : "approx");
    /* candidates: the chosen fact first, then the others in statement order, at most 16 */
    fp_buf b = {0};
    rc = fp_buf_puts(&b, "[");
    size_t shown = 0;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < c.cnt && shown < 16; i++) {
            if (group[i] != i || (pass == 0) != (i == best)) continue;
            size_t nf = 0;
            for (size_t j = 0; j < c.cnt; j++)
                if (group[j] == i) nf += c.n[j];
            char v[32];
            fp_dec_format(c.f[i].value, v, sizeof v);
            rc |= fp_buf_puts(&b, shown ? ",{" : "{");
            rc |= fp_json_kv(&b, "value", v, 1);
            rc |= fp_json_key(&b, "chosen", 0);
            rc |= fp_buf_puts(&b, i == best ? "true" : "false");
            rc |= fp_json_kv(&b, "qualifier", c.qual[i], 0);
            rc |= fp_json_key(&b, "curated", 0);
            rc |= fp_buf_printf(&b, "%s", c.f[i].curated ? "true" : "false");
            rc |= fp_json_key(&b, "facts", 0);
            rc |= fp_buf_printf(&b, "%zu", nf);
            rc |= fp_json_kv(&b, "report", c.rid[i], 0);
            rc |= fp_json_kv(&b, "source", c.src[i], 0);
            rc |= fp_json_kv(&b, "text", c.text[i], 0);
            rc |= fp_buf_puts(&b, "}");
            shown++;
        }
    rc |= fp_buf_puts(&b, "]");
    free(group);
    cellrows_free(&c);
    if (rc || b.oom || !t->region_path) {
        fp_buf_free(&b);
        free(t->region_path);
        t->region_path = NULL;
        return FP_ENOMEM;
    }
    t->candidates = b.p;
    return FP_OK;
}

static void total_release(fp_total *t)
{
    free(t->region_path);
    free(t->candidates);
}

/* ---- applying ---- */

/* Statement order: curated first, then by source and place in it, so a
 * cell never depends on the order reports arrived in. The whole key, on the
 * heap: cut after a long source it would tie two statements. NULL: no memory. */
static char *order_key(const fp_figure *f, int curated)
{
    const char *src = f->source ? f->source : "";
    size_t cap = strlen(src) + FP_ID_HEX + 32;
    char *buf = malloc(cap);
    if (buf) snprintf(buf, cap, "%d|%s|%s|%010u|%010u", !curated, src, f->report_id, f->offset, f->seq);
    return buf;
}

static int insert_mention(fp_store *s, const fp_figure *f, const key *k, int curated)
{
    char *ord = order_key(f, curated);
    if (!ord) return FP_ENOMEM;
    sqlite3_stmt *st = with_text(s, ST_INS_MENTION, f->report_id);
    sqlite3_bind_int64(st, 2, f->seq);
    sqlite3_bind_text(st, 3, k->rc, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, f->region_path ? f->region_path : "", -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 5, k->year);
    sqlite3_bind_text(st, 6, k->indicator, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, k->series, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, k->unit, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 9, f->metric, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 10, f->value);
    sqlite3_bind_text(st, 11, f->relation, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 12, f->qualifier, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 13, f->counter, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 14, f->text ? f->text : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 15, f->label ? f->label : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 16, f->sentence ? f->sentence : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 17, f->offset);
    sqlite3_bind_int64(st, 18, f->length);
    sqlite3_bind_text(st, 19, f->source ? f->source : "", -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 20, curated);
    sqlite3_bind_int(st, 21, f->weight);
    sqlite3_bind_text(st, 22, ord, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 23, f->published);
    int rc = done(s, st);
    if (rc) {
        free(ord);
        return rc;
    }
    st = with_key(s, ST_VAL_ADD, k);
    sqlite3_bind_int64(st, 6, f->value);
    sqlite3_bind_int(st, 7, curated);
    sqlite3_bind_int(st, 8, f->weight);
    sqlite3_bind_int(st, 9, !strcmp(f->qualifier, "exact"));
    sqlite3_bind_text(st, 10, ord, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 11, f->report_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 12, f->source ? f->source : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 13, f->text ? f->text : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 14, f->qualifier, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 15, f->region_path ? f->region_path : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 16, f->metric, -1, SQLITE_STATIC);
    rc = done(s, st);
    free(ord); /* bound SQLITE_STATIC: only after both statements ran */
    if (rc) return rc;
    st = with_key(s, ST_REP_ADD, k);
    sqlite3_bind_text(st, 6, f->report_id, -1, SQLITE_STATIC);
    return done(s, st);
}

/* Rebuilds one value's row of `vals` from the mentions left (after a report's went). */
static int rebuild_value(fp_store *s, const key *k, fp_dec value)
{
    sqlite3_stmt *st = with_key(s, ST_VAL_AGG, k);
    sqlite3_bind_int64(st, 6, value);
    int64_t n = 0, cur = 0, w = 0, exact = 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        n = sqlite3_column_int64(st, 0);
        cur = sqlite3_column_int64(st, 1);
        w = sqlite3_column_int64(st, 2);
        exact = sqlite3_column_int64(st, 3);
    }
    sqlite3_reset(st);
    if (n == 0) {
        st = with_key(s, ST_VAL_DEL, k);
        sqlite3_bind_int64(st, 6, value);
        return done(s, st);
    }
    sqlite3_stmt *fst = with_key(s, ST_VAL_FIRST, k);
    sqlite3_bind_int64(fst, 6, value);
    if (sqlite3_step(fst) != SQLITE_ROW) {
        sqlite3_reset(fst);
        return fail(s, "rebuild value");
    }
    st = with_key(s, ST_VAL_PUT, k);
    sqlite3_bind_int64(st, 6, value);
    sqlite3_bind_int64(st, 7, n);
    sqlite3_bind_int64(st, 8, cur);
    sqlite3_bind_int64(st, 9, w);
    sqlite3_bind_int64(st, 10, exact);
    for (int c = 0; c < 7; c++) sqlite3_bind_text(st, 11 + c, col(fst, c), -1, SQLITE_TRANSIENT);
    sqlite3_reset(fst);
    return done(s, st);
}

/* Removes every mention of a superseded report, noting the cells it touched
 * and rebuilding their values. */
static int retire(fp_store *s, const char *id, keyset *ks)
{
    typedef struct {
        key k;
        fp_dec v;
    } kv;
    kv *list = NULL;
    size_t n = 0, cap = 0;
    sqlite3_stmt *st = with_text(s, ST_KEYS_OF, id);
    int rc = FP_OK;
    while (!rc && sqlite3_step(st) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            kv *nl = realloc(list, cap * sizeof *nl);
            if (!nl) {
                rc = FP_ENOMEM;
                break;
            }
            list = nl;
        }
        key_set(&list[n].k, col(st, 0), sqlite3_column_int(st, 1), col(st, 2), col(st, 3), col(st, 4));
        list[n].v = sqlite3_column_int64(st, 5);
        rc = keyset_add(ks, &list[n].k);
        n++;
    }
    sqlite3_reset(st);
    if (!rc) rc = done(s, with_text(s, ST_DEL_MENTIONS, id));
    for (size_t i = 0; i < n && !rc; i++) {
        rc = rebuild_value(s, &list[i].k, list[i].v);
        if (!rc) {
            st = with_key(s, ST_REP_DEL, &list[i].k);
            sqlite3_bind_text(st, 6, id, -1, SQLITE_STATIC);
            rc = done(s, st);
        }
    }
    free(list);
    return rc;
}

static int anolist_add(anolist *l, const fp_anomaly *src, int live)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        fp_anomaly *n = realloc(l->a, cap * sizeof *n);
        if (!n) return FP_ENOMEM;
        l->a = n;
        l->cap = cap;
    }
    fp_anomaly *a = &l->a[l->n];
    *a = *src;
    a->id = strdup(src->id ? src->id : "");
    a->region_path = strdup(src->region_path ? src->region_path : "");
    a->detail = strdup(live && src->detail ? src->detail : "{}");
    a->live = (uint8_t)live;
    if (!a->id || !a->region_path || !a->detail) {
        free(a->id), free(a->region_path), free(a->detail);
        return FP_ENOMEM;
    }
    l->n++;
    return FP_OK;
}

static void anolist_free(anolist *l)
{
    for (size_t i = 0; i < l->n; i++) free(l->a[i].id), free(l->a[i].region_path), free(l->a[i].detail);
    free(l->a);
}

static int store_finding(fp_store *s, const char *report, const fp_anomaly *a)
{
    sqlite3_stmt *st = with_text(s, ST_AN_PUT, a->id ? a->id : "");
    sqlite3_bind_text(st, 2, report, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, a->kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, a->region_code, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 5, a->year);
    sqlite3_bind_text(st, 6, a->indicator, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, a->unit, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, a->region_path ? a->region_path : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 9, a->detail ? a->detail : "{}", -1, SQLITE_STATIC);
    return done(s, st);
}

/* A superseded report's findings go with it. */
static int clear_findings_of(fp_store *s, const char *report, anolist *l)
{
    sqlite3_stmt *st = with_text(s, ST_AN_OF_REPORT, report);
    int rc = FP_OK;
    while (!rc && sqlite3_step(st) == SQLITE_ROW) {
        fp_anomaly a = {.id = (char *)col(st, 0), .year = sqlite3_column_int(st, 3)};
        snprintf(a.kind, sizeof a.kind, "%s", col(st, 1));
        snprintf(a.region_code, sizeof a.region_code, "%s", col(st, 2));
        snprintf(a.indicator, sizeof a.indicator, "%s", col(st, 4));
        snprintf(a.unit, sizeof a.unit, "%s", col(st, 5));
        rc = anolist_add(l, &a, 0);
    }
    sqlite3_reset(st);
    return rc ? rc : done(s, with_text(s, ST_AN_DEL_REPORT, report));
}

/* Reads the cells of ks, writes the new sequence number, commits, and sends
 * the cells and findings (al) numbered from the old sequence on. */
static int commit_and_send(fp_store *s, const keyset *ks, anolist *al, const fp_store_out *out)
{
    uint64_t seq0 = s->seq, seq1 = seq0 + ks->n + al->n;
    sqlite3_stmt *st = s->st[ST_SET_SEQ];
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)seq1);
    int rc = done(s, st);
    /* The cells are read inside the transaction, so what is sent is what committed. */
    fp_total *cells = NULL;
    if (!rc && ks->n && !(cells = calloc(ks->n, sizeof *cells))) rc = FP_ENOMEM;
    size_t built = 0;
    for (; built < ks->n && !rc; built++) rc = cell_of(s, &ks->k[built], &cells[built]);
    if (!rc && sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) rc = fail(s, "commit");
    if (rc) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    } else {
        s->seq = seq1;
        uint64_t seq = seq0;
        for (size_t i = 0; i < ks->n && !rc; i++) {
            cells[i].seq = ++seq;
            if (out && out->total) rc = out->total(&cells[i], out->ud);
        }
        for (size_t i = 0; i < al->n && !rc; i++) {
            al->a[i].shard = s->shard;
            al->a[i].seq = ++seq;
            if (out && out->anomaly) rc = out->anomaly(&al->a[i], out->ud);
        }
    }
    for (size_t i = 0; i < built && cells; i++) total_release(&cells[i]);
    free(cells);
    return rc;
}

int fp_store_apply(fp_store *s, const fp_end *end, const fp_figure *figs, size_t n, const fp_anomaly *checks,
                   size_t nchecks, int *fresh, const fp_store_out *out)
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
    /* In a group, a savepoint keeps each report whole or absent inside the group's transaction. */
    keyset own = {0};
    anolist own_al = {0};
    keyset *ks = s->group ? &s->gks : &own;
    anolist *al = s->group ? &s->gal : &own_al;
    size_t al0 = al->n;
    const char *begin = s->group ? "SAVEPOINT report" : "BEGIN IMMEDIATE";
    int rc = sqlite3_exec(s->db, begin, NULL, NULL, NULL) == SQLITE_OK ? FP_OK : fail(s, "begin");
    if (!rc && revive) rc = done(s, with_text(s, ST_DEL_RETIRED, end->report_id));
    /* A revision newer than this report may have arrived first: then this one only records that it was seen. */
    int retired = !rc && exists(s, ST_IS_RETIRED, end->report_id);
    for (size_t i = 0; i < n && !rc && !retired; i++) {
        const fp_figure *f = &figs[i];
        key k;
        key_set(&k, f->region_code, f->year, f->indicator[0] ? f->indicator : "other:", f->series, f->unit);
        rc = keyset_add(ks, &k);
        if (!rc) rc = insert_mention(s, f, &k, end->curated);
    }
    for (size_t i = 0; i < nchecks && !rc && !retired; i++) {
        rc = store_finding(s, end->report_id, &checks[i]);
        if (!rc) rc = anolist_add(al, &checks[i], 1);
    }
    if (!rc && end->supersedes[0] && !exists(s, ST_IS_RETIRED, end->supersedes)) {
        rc = done(s, with_text(s, ST_INS_RETIRED, end->supersedes));
        if (!rc) rc = retire(s, end->supersedes, ks);
        if (!rc) rc = clear_findings_of(s, end->supersedes, al);
    }
    if (!rc) {
        sqlite3_stmt *st = with_text(s, ST_INS_APPLIED, end->report_id);
        sqlite3_bind_text(st, 2, end->source ? end->source : "", -1, SQLITE_STATIC);
        rc = done(s, st);
    }
    if (s->group) {
        if (rc) {
            sqlite3_exec(s->db, "ROLLBACK TO report", NULL, NULL, NULL);
            /* the cells it touched stay in the group's set: sending them again unchanged is harmless */
            while (al->n > al0) {
                fp_anomaly *a = &al->a[--al->n];
                free(a->id), free(a->region_path), free(a->detail);
            }
        }
        sqlite3_exec(s->db, "RELEASE report", NULL, NULL, NULL);
        if (!rc) *fresh = 1;
        return rc;
    }
    if (!rc) rc = commit_and_send(s, ks, al, out);
    else sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    if (!rc) *fresh = 1;
    keyset_free(&own);
    anolist_free(&own_al);
    return rc;
}

/* The finding that shows a dead letter beside the checks (the sink's /api/anomalies, anomalies.jsonl, the dashboard). */
static int dead_finding(fp_store *s, const fp_end *end, long long tries, const char *error, anolist *al)
{
    char id[8 + FP_ID_HEX];
    snprintf(id, sizeof id, "dead|%s", end->report_id);
    const char *src = end->source ? end->source : "";
    fp_buf d = {0};
    int rc = fp_buf_puts(&d, "{");
    rc |= fp_json_kv(&d, "rule", "dead_letter", 1);
    rc |= fp_json_kv(&d, "report", end->report_id, 0);
    rc |= fp_json_kv(&d, "source", src, 0);
    rc |= fp_json_key(&d, "tries", 0);
    rc |= fp_buf_printf(&d, "%lld", tries);
    rc |= fp_json_kv(&d, "error", error, 0);
    rc |= fp_buf_puts(&d, "}");
    if (rc || d.oom) {
        fp_buf_free(&d);
        return FP_ENOMEM;
    }
    fp_anomaly a = {.id = id, .kind = "dead_letter", .region_path = "", .detail = d.p, .live = 1};
    rc = store_finding(s, end->report_id, &a);
    if (!rc) rc = anolist_add(al, &a, 1);
    fp_buf_free(&d);
    return rc;
}

int fp_store_failed(fp_store *s, const fp_end *end, const char *error, int max_tries, int *dead,
                    const fp_store_out *out)
{
    *dead = 0;
    anolist own_al = {0};
    anolist *al = s->group ? &s->gal : &own_al;
    size_t al0 = al->n;
    const char *begin = s->group ? "SAVEPOINT failure" : "BEGIN IMMEDIATE";
    int rc = sqlite3_exec(s->db, begin, NULL, NULL, NULL) == SQLITE_OK ? FP_OK : fail(s, "begin");
    long long tries = 0;
    int was_dead = 0;
    if (!rc) {
        sqlite3_stmt *st = with_text(s, ST_FAIL_ADD, end->report_id);
        sqlite3_bind_text(st, 2, end->source ? end->source : "", -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, error, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW) {
            tries = sqlite3_column_int64(st, 0);
            was_dead = sqlite3_column_int(st, 1);
            rc = sqlite3_step(st) == SQLITE_DONE ? FP_OK : fail(s, "count a failure");
        } else {
            rc = fail(s, "count a failure");
        }
        sqlite3_reset(st);
    }
    int now_dead = !rc && !was_dead && tries >= (max_tries > 0 ? max_tries : 1);
    if (now_dead) rc = done(s, with_text(s, ST_FAIL_DEAD, end->report_id));
    if (now_dead && !rc) rc = dead_finding(s, end, tries, error, al);
    if (s->group) {
        if (rc) {
            sqlite3_exec(s->db, "ROLLBACK TO failure", NULL, NULL, NULL);
            while (al->n > al0) {
                fp_anomaly *a = &al->a[--al->n];
                free(a->id), free(a->region_path), free(a->detail);
            }
        }
        sqlite3_exec(s->db, "RELEASE failure", NULL, NULL, NULL);
    } else if (!rc) {
        keyset none = {0};
        rc = commit_and_send(s, &none, al, out);
    } else {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    }
    anolist_free(&own_al);
    if (!rc) *dead = was_dead || now_dead;
    return rc;
}

int fp_store_is_dead(fp_store *s, const char *report_id) { return exists(s, ST_IS_DEAD, report_id); }

int fp_store_begin(fp_store *s)
{
    if (s->group) return FP_OK;
    if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) return fail(s, "begin");
    s->group = 1;
    return FP_OK;
}

int fp_store_commit(fp_store *s, const fp_store_out *out)
{
    if (!s->group) return FP_OK;
    s->group = 0;
    int rc = commit_and_send(s, &s->gks, &s->gal, out);
    keyset_free(&s->gks);
    anolist_free(&s->gal);
    memset(&s->gal, 0, sizeof s->gal);
    return rc;
}

int fp_store_in_group(const fp_store *s) { return s->group; }

int fp_store_snapshot(fp_store *s, const fp_store_out *out, uint64_t *seq)
{
    *seq = s->seq;
    sqlite3_stmt *st;
    int rc = FP_OK;
    if (sqlite3_prepare_v2(s->db, "SELECT DISTINCT " KEY_PK " FROM vals", -1, &st, NULL) != SQLITE_OK)
        return fail(s, "snapshot");
    while (!rc && sqlite3_step(st) == SQLITE_ROW) {
        key k;
        key_set(&k, col(st, 0), sqlite3_column_int(st, 1), col(st, 2), col(st, 3), col(st, 4));
        fp_total t;
        rc = cell_of(s, &k, &t);
        if (rc) break;
        t.seq = s->seq;
        if (t.facts && out->total) rc = out->total(&t, out->ud);
        total_release(&t);
    }
    sqlite3_finalize(st);
    if (rc || !out->anomaly) return rc;
    if (sqlite3_prepare_v2(s->db, "SELECT id, kind, rc, year, indicator, unit, rp, detail FROM anomalies", -1, &st,
                           NULL) != SQLITE_OK)
        return fail(s, "snapshot");
    while (!rc && sqlite3_step(st) == SQLITE_ROW) {
        fp_anomaly a = {.shard = s->shard, .seq = s->seq, .live = 1, .year = sqlite3_column_int(st, 3)};
        a.id = (char *)col(st, 0);
        snprintf(a.kind, sizeof a.kind, "%s", col(st, 1));
        snprintf(a.region_code, sizeof a.region_code, "%s", col(st, 2));
        snprintf(a.indicator, sizeof a.indicator, "%s", col(st, 4));
        snprintf(a.unit, sizeof a.unit, "%s", col(st, 5));
        a.region_path = (char *)col(st, 6);
        a.detail = (char *)col(st, 7);
        rc = out->anomaly(&a, out->ud);
    }
    sqlite3_finalize(st);
    return rc;
}

uint64_t fp_store_seq(const fp_store *s) { return s->seq; }
const char *fp_store_epoch(const fp_store *s) { return s->epoch; }

int fp_store_each_applied(fp_store *s, int (*cb)(const char *id, void *ud), void *ud)
{
    sqlite3_stmt *st;
    /* superseded revisions are settled here even when they never arrived (a store rebuilt from current ones) */
    if (sqlite3_prepare_v2(s->db, "SELECT report_id FROM applied UNION SELECT report_id FROM retired", -1, &st,
                           NULL) != SQLITE_OK)
        return fail(s, "read");
    int rc = FP_OK;
    while (!rc && sqlite3_step(st) == SQLITE_ROW) rc = cb(col(st, 0), ud);
    sqlite3_finalize(st);
    return rc;
}

int fp_store_counts(fp_store *s, long long *reports, long long *mentions, long long *dead)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT (SELECT COUNT(*) FROM applied), (SELECT COUNT(*) FROM mentions),"
                           " (SELECT COUNT(*) FROM failures WHERE dead=1)",
                           -1, &st, NULL) != SQLITE_OK)
        return fail(s, "read");
    if (sqlite3_step(st) == SQLITE_ROW) {
        *reports = sqlite3_column_int64(st, 0);
        *mentions = sqlite3_column_int64(st, 1);
        if (dead) *dead = sqlite3_column_int64(st, 2);
    }
    sqlite3_finalize(st);
    return FP_OK;
}

int fp_store_facts(fp_store *s, const char *rc, int year, const char *indicator, const char *series, const char *unit,
                   fp_buf *out)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT report_id, source, text, value, unit, qualifier, relation, label, sentence,"
                           " series, indicator, off, len, published FROM mentions"
                           " WHERE rc=?1 AND year=?2 AND indicator=?3 AND (?4 = '' OR series=?4)"
                           " AND (?5 = '' OR unit=?5) ORDER BY series, unit, source, off LIMIT 1000",
                           -1, &st, NULL) != SQLITE_OK)
        return fail(s, "facts");
    sqlite3_bind_text(st, 1, rc, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, year);
    sqlite3_bind_text(st, 3, indicator, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, series, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, unit, -1, SQLITE_STATIC);
    int r = fp_buf_puts(out, "[");
    /* which value each (series, unit) cell states: computed once per cell */
    char cur_series[12] = "", cur_unit[16] = "";
    fp_dec stated = 0;
    for (int k = 0; !r && sqlite3_step(st) == SQLITE_ROW; k++) {
        if (strcmp(cur_series, col(st, 9)) || strcmp(cur_unit, col(st, 4))) {
            snprintf(cur_series, sizeof cur_series, "%s", col(st, 9));
            snprintf(cur_unit, sizeof cur_unit, "%s", col(st, 4));
            key kk;
            key_set(&kk, rc, year, indicator, cur_series, cur_unit);
            fp_total t;
            if ((r = cell_of(s, &kk, &t))) break;
            stated = t.stated;
            total_release(&t);
        }
        static const char *const keys[] = {"report", "source", "text", NULL, "unit", "qualifier", "relation",
                                           "label", "sentence", "series", "indicator"};
        r |= fp_buf_puts(out, k ? ",{" : "{");
        for (int c = 0; c < 11; c++) {
            if (c == 3) {
                char val[32];
                fp_dec_format(sqlite3_column_int64(st, 3), val, sizeof val);
                r |= fp_json_kv(out, "value", val, 0);
                continue;
            }
            r |= fp_json_kv(out, keys[c], col(st, c), c == 0);
        }
        int pub = sqlite3_column_int(st, 13);
        r |= fp_buf_printf(out, ",\"offset\":%lld,\"length\":%lld,\"stated\":%s,\"published\":",
                           (long long)sqlite3_column_int64(st, 11), (long long)sqlite3_column_int64(st, 12),
                           sqlite3_column_int64(st, 3) == stated ? "true" : "false");
        r |= pub ? fp_buf_printf(out, "%d}", pub) : fp_buf_puts(out, "null}");
    }
    r |= fp_buf_puts(out, "]");
    sqlite3_finalize(st);
    return r ? (r == FP_EIO ? FP_EIO : FP_ENOMEM) : FP_OK;
}
