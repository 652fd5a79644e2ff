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

#define SCHEMA_VERSION 6 /* 2: cells keyed by indicator and series; 3: kept per value in `vals`; 4: published;
                            * 5: cells in memory (no `vals`, `reps`), a report's sentences once in `sentences`;
                            * 6: rows keyed by the report's number (applied.rn), not its 64-digit id */
#define STR_(x) #x
#define STR(x) STR_(x)
#define KEY_PK "rc, year, indicator, series, unit"
#define KEY_WHERE "rc=?1 AND year=?2 AND indicator=?3 AND series=?4 AND unit=?5"
/* A mention's or a sentence's row id: its report's number (applied.rn) above, its place in the report below,
 * so a report's rows are one range and need no index of their own. */
#define ID_BITS 24
#define ID_MAX ((1u << ID_BITS) - 1)
/* what a cell in memory is made of, per mention (mention_of_row) */
#define MENTION_COLS "m.value, m.curated, m.weight, m.qualifier, m.off, m.id, m.source, a.report_id, m.text, m.rp, m.metric"
#define MENTION_FROM " FROM mentions m JOIN applied a ON a.rn = m.id >> " STR(ID_BITS)

static const char *schema =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=FULL;"
    /* 8 MB of pages: reached early in a stream, so a shard's memory stays flat after */
    "PRAGMA cache_size=-8192;"
    /* checkpoint every 16 MB of log, not 4: a hot index page is copied to the database fewer times */
    "PRAGMA wal_autocheckpoint=4000;"
    /* rn: the report's number here, kept for good (rows are never deleted from applied) */
    "CREATE TABLE IF NOT EXISTS applied(rn INTEGER PRIMARY KEY, report_id TEXT UNIQUE, source TEXT);"
    "CREATE TABLE IF NOT EXISTS retired(report_id TEXT PRIMARY KEY);"
    /* id: rn << ID_BITS | the figure's seq; sent: its sentence's place in the report (sentences.id's low bits) */
    "CREATE TABLE IF NOT EXISTS mentions(id INTEGER PRIMARY KEY, rc TEXT, rp TEXT, year INTEGER,"
    " indicator TEXT, series TEXT, unit TEXT, metric TEXT, value INTEGER, relation TEXT, qualifier TEXT,"
    " counter TEXT, text TEXT, label TEXT, sent INTEGER, off INTEGER, len INTEGER, source TEXT, curated INTEGER,"
    " weight INTEGER, published INTEGER);"
    "CREATE INDEX IF NOT EXISTS mentions_cell ON mentions(" KEY_PK ");"
    /* each sentence of a report once: id is rn << ID_BITS | its place */
    "CREATE TABLE IF NOT EXISTS sentences(id INTEGER PRIMARY KEY, text TEXT);"
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
    ST_IS_APPLIED, ST_IS_RETIRED, ST_INS_MENTION, ST_INS_SENTENCE, ST_INS_APPLIED, ST_INS_RETIRED, ST_KEYS_OF,
    ST_DEL_MENTIONS, ST_DEL_SENTENCES, ST_CELL_ROWS, ST_CELL_REPORTS, ST_SET_SEQ, ST_AN_PUT, ST_AN_OF_REPORT,
    ST_AN_DEL_REPORT, ST_DEL_RETIRED, ST_FAIL_ADD, ST_FAIL_DEAD, ST_IS_DEAD, ST_N
};

static const char *sql[ST_N] = {
    [ST_IS_APPLIED] = "SELECT rn FROM applied WHERE report_id=?1",
    [ST_IS_RETIRED] = "SELECT 1 FROM retired WHERE report_id=?1",
    /* OR IGNORE: a figure sent twice in one report is one mention, in the rows and in memory alike */
    [ST_INS_MENTION] = "INSERT OR IGNORE INTO mentions VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,"
                       "?17,?18,?19,?20,?21)",
    [ST_INS_SENTENCE] = "INSERT OR REPLACE INTO sentences VALUES(?1,?2)",
    [ST_INS_APPLIED] = "INSERT INTO applied(report_id, source) VALUES(?1,?2)",
    [ST_INS_RETIRED] = "INSERT OR IGNORE INTO retired VALUES(?1)",
    /* a report's rows: ids ?1 ..= ?2 */
    [ST_KEYS_OF] = "SELECT DISTINCT " KEY_PK " FROM mentions WHERE id BETWEEN ?1 AND ?2",
    [ST_DEL_MENTIONS] = "DELETE FROM mentions WHERE id BETWEEN ?1 AND ?2",
    [ST_DEL_SENTENCES] = "DELETE FROM sentences WHERE id BETWEEN ?1 AND ?2",
    /* a cell as the rows say it, for rebuilding it in memory */
    [ST_CELL_ROWS] = "SELECT " MENTION_COLS MENTION_FROM " WHERE " KEY_WHERE,
    [ST_CELL_REPORTS] = "SELECT COUNT(DISTINCT id >> " STR(ID_BITS) ") FROM mentions WHERE " KEY_WHERE,
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

/* One value of a cell, in memory: what the live mentions stating it add up to. */
typedef struct {
    fp_dec value;
    uint32_t n, cur, exact; /* mentions; of them curated; of them with qualifier exact */
    int w;                  /* the strongest weight */
    /* the first statement (statement order: stmt_cmp): */
    int fcur;               /* curated */
    uint32_t foff, fseq;    /* its offset in the report, its seq */
    char *first;            /* its FIRST_FIELDS, NUL-separated in one block */
} cval;

enum { F_SRC, F_RID, F_TEXT, F_QUAL, F_RP, F_METRIC, FIRST_FIELDS };

/* A cell in memory: a pure function of its live mentions (cell_add folds
 * them in any order), rebuilt from the rows at open and after a rollback. */
typedef struct {
    key k;
    cval *v;
    size_t nv, capv;
    uint32_t reports; /* distinct reports among its mentions */
    uint64_t mark;    /* the apply (fp_store.gen) that last counted a report here */
} cell;

struct fp_store {
    sqlite3 *db;
    uint32_t shard;
    uint64_t seq;
    char epoch[17];
    int group;     /* inside fp_store_begin .. fp_store_commit */
    keyset gks;    /* the group's touched cells */
    anolist gal;   /* the group's findings */
    fp_map cells;  /* key name -> cell*: every cell with a live mention */
    uint64_t gen;  /* one per fp_store_apply, for cell.mark */
    long long nmentions; /* live mentions, the sum of the cells' */
    int stale;     /* memory could not be rebuilt after a rollback: rebuild it before the next change */
    sqlite3_stmt *st[ST_N];
};

static int cells_load(fp_store *s);
static void cells_clear(fp_store *s);
static void keyset_free(keyset *ks);
static void anolist_free(anolist *l);

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
                sqlite3_exec(s->db, "PRAGMA user_version=" STR(SCHEMA_VERSION), NULL, NULL, &err) != SQLITE_OK)) {
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
    if (!rc) rc = cells_load(s);
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
    cells_clear(s);
    keyset_free(&s->gks);
    anolist_free(&s->gal);
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


/* Copies src into dst[cap], cut to fit, always terminated; returns the length copied. (snprintf per field
 * and per figure showed in the profile.) */
static size_t copy_cut(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n > cap - 1) n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
    return n;
}

static void key_set(key *k, const char *rc, int year, const char *indicator, const char *series, const char *unit)
{
    copy_cut(k->rc, sizeof k->rc, rc);
    k->year = year;
    copy_cut(k->indicator, sizeof k->indicator, indicator);
    copy_cut(k->series, sizeof k->series, series[0] ? series : "value");
    copy_cut(k->unit, sizeof k->unit, unit);
}

/* The name a cell goes by in the maps. */
static void key_name(const key *k, char *name, size_t cap)
{
    /* "rc|year|indicator|series|unit": the fields are bounded, so the name always fits KEY_NAME_MAX */
    size_t n = copy_cut(name, cap, k->rc);
    n += (size_t)snprintf(name + n, cap - n, "|%d|", k->year);
    n += copy_cut(name + n, cap - n, k->indicator);
    name[n++] = '|';
    n += copy_cut(name + n, cap - n, k->series);
    name[n++] = '|';
    copy_cut(name + n, cap - n, k->unit);
}

#define KEY_NAME_MAX 200

static int keyset_add_named(keyset *ks, const key *nk, const char *name)
{
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

static int keyset_add(keyset *ks, const key *nk)
{
    char name[KEY_NAME_MAX];
    key_name(nk, name, sizeof name);
    return keyset_add_named(ks, nk, name);
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

/* ---- cells in memory ---- */

/* Field i (0..FIRST_FIELDS) of a cval's first statement. */
static const char *first_field(const char *first, int i)
{
    while (i-- > 0) first += strlen(first) + 1;
    return first;
}

static void cell_free(cell *c)
{
    if (!c) return;
    for (size_t i = 0; i < c->nv; i++) free(c->v[i].first);
    free(c->v);
    free(c);
}

static void cells_free_one(const char *name, void *val, void *ud)
{
    (void)name, (void)ud;
    cell_free(val);
}

static void cells_clear(fp_store *s)
{
    fp_map_each(&s->cells, cells_free_one, NULL);
    fp_map_free(&s->cells);
    memset(&s->cells, 0, sizeof s->cells);
    s->nmentions = 0;
}

/* The cell named name, made empty when absent; NULL: no memory. */
static cell *cell_get(fp_store *s, const key *k, const char *name)
{
    cell *c = fp_map_get(&s->cells, name);
    if (c) return c;
    if (!(c = calloc(1, sizeof *c))) return NULL;
    c->k = *k;
    if (fp_map_put(&s->cells, name, c, NULL)) {
        free(c);
        return NULL;
    }
    return c;
}

/* One mention, as its row has it. */
typedef struct {
    fp_dec value;
    int curated, weight, exact;
    uint32_t off, seq;
    const char *f[FIRST_FIELDS];
} mention;

/* Statement order: curated first, then by source and place in it, so a
 * cell never depends on the order reports arrived in. */
static int stmt_cmp(int cur_a, const char *src_a, const char *rid_a, uint32_t off_a, uint32_t seq_a, int cur_b,
                    const char *src_b, const char *rid_b, uint32_t off_b, uint32_t seq_b)
{
    if (cur_a != cur_b) return cur_a ? -1 : 1;
    int c = strcmp(src_a, src_b);
    if (!c) c = strcmp(rid_a, rid_b);
    if (c) return c;
    if (off_a != off_b) return off_a < off_b ? -1 : 1;
    return seq_a < seq_b ? -1 : seq_a > seq_b;
}

static int cval_cmp(const cval *a, const cval *b)
{
    return stmt_cmp(a->fcur, first_field(a->first, F_SRC), first_field(a->first, F_RID), a->foff, a->fseq, b->fcur,
                    first_field(b->first, F_SRC), first_field(b->first, F_RID), b->foff, b->fseq);
}

/* Folds one mention into c. The result does not depend on the order
 * mentions come in (counts, a maximum, the least ord), which is what lets
 * the rows rebuild it. FP_ENOMEM leaves c unchanged. */
static int cell_add(fp_store *s, cell *c, const mention *m)
{
    size_t i = 0;
    while (i < c->nv && c->v[i].value != m->value) i++;
    const cval *o = i < c->nv ? &c->v[i] : NULL;
    int first = !o || stmt_cmp(m->curated != 0, m->f[F_SRC], m->f[F_RID], m->off, m->seq, o->fcur,
                               first_field(o->first, F_SRC), first_field(o->first, F_RID), o->foff, o->fseq) < 0;
    char *blk = NULL;
    if (first) {
        size_t len[FIRST_FIELDS], tot = 0;
        for (int j = 0; j < FIRST_FIELDS; j++) tot += (len[j] = strlen(m->f[j])) + 1;
        if (!(blk = malloc(tot))) return FP_ENOMEM;
        char *p = blk;
        for (int j = 0; j < FIRST_FIELDS; j++) p = (char *)memcpy(p, m->f[j], len[j] + 1) + len[j] + 1;
    }
    if (i == c->nv) {
        if (c->nv == c->capv) {
            size_t cap = c->capv ? c->capv * 2 : 4;
            cval *nv = realloc(c->v, cap * sizeof *nv);
            if (!nv) {
                free(blk);
                return FP_ENOMEM;
            }
            c->v = nv;
            c->capv = cap;
        }
        c->v[c->nv++] = (cval){.value = m->value};
    }
    cval *v = &c->v[i];
    v->n++;
    v->cur += m->curated != 0;
    v->exact += m->exact != 0;
    if (m->weight > v->w) v->w = m->weight;
    if (blk) {
        free(v->first);
        v->first = blk;
        v->fcur = m->curated != 0;
        v->foff = m->off;
        v->fseq = m->seq;
    }
    s->nmentions++;
    return FP_OK;
}

/* A mention from a row whose first columns are MENTION_COLS (from column c0 on). */
static void mention_of_row(sqlite3_stmt *st, int c0, mention *m)
{
    m->value = sqlite3_column_int64(st, c0);
    m->curated = sqlite3_column_int(st, c0 + 1);
    m->weight = sqlite3_column_int(st, c0 + 2);
    m->f[F_QUAL] = col(st, c0 + 3);
    m->exact = !strcmp(m->f[F_QUAL], "exact");
    m->off = (uint32_t)sqlite3_column_int64(st, c0 + 4);
    m->seq = (uint32_t)(sqlite3_column_int64(st, c0 + 5) & ID_MAX);
    m->f[F_SRC] = col(st, c0 + 6);
    m->f[F_RID] = col(st, c0 + 7);
    m->f[F_TEXT] = col(st, c0 + 8);
    m->f[F_RP] = col(st, c0 + 9);
    m->f[F_METRIC] = col(st, c0 + 10);
}

/* Drops cell k from memory and builds it again from its rows (in the
 * current transaction, if any): after a report's mentions went, or after a
 * rollback. A cell with no rows left is gone. */
static int cell_reload(fp_store *s, const key *k)
{
    char name[KEY_NAME_MAX];
    key_name(k, name, sizeof name);
    cell *old = fp_map_del(&s->cells, name);
    if (old) {
        for (size_t i = 0; i < old->nv; i++) s->nmentions -= old->v[i].n;
        cell_free(old);
    }
    sqlite3_stmt *st = with_key(s, ST_CELL_ROWS, k);
    cell *c = NULL;
    int rc = FP_OK, r;
    while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
        mention m;
        mention_of_row(st, 0, &m);
        if (!c && !(c = cell_get(s, k, name))) rc = FP_ENOMEM;
        if (!rc) rc = cell_add(s, c, &m);
    }
    if (!rc && r != SQLITE_DONE) rc = fail(s, "read cell");
    sqlite3_reset(st);
    if (!rc && c) {
        st = with_key(s, ST_CELL_REPORTS, k);
        if (sqlite3_step(st) == SQLITE_ROW) c->reports = (uint32_t)sqlite3_column_int64(st, 0);
        else rc = fail(s, "read cell");
        sqlite3_reset(st);
    }
    return rc;
}

/* Rebuilds every cell of ks from the rows; when that fails, memory is
 * marked stale and rebuilt whole before the next change. */
static void cells_reload(fp_store *s, const keyset *ks)
{
    for (size_t i = 0; i < ks->n; i++)
        if (cell_reload(s, &ks->k[i])) {
            s->stale = 1;
            return;
        }
}

/* Every cell from the rows: at open, and when memory went stale. */
static int cells_load(fp_store *s)
{
    cells_clear(s);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT m.rc, m.year, m.indicator, m.series, m.unit, " MENTION_COLS MENTION_FROM, -1,
                           &st, NULL) != SQLITE_OK)
        return fail(s, "load cells");
    int rc = FP_OK, r;
    while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
        key k;
        char name[KEY_NAME_MAX];
        key_set(&k, col(st, 0), sqlite3_column_int(st, 1), col(st, 2), col(st, 3), col(st, 4));
        key_name(&k, name, sizeof name);
        mention m;
        mention_of_row(st, 5, &m);
        cell *c = cell_get(s, &k, name);
        rc = c ? cell_add(s, c, &m) : FP_ENOMEM;
    }
    if (!rc && r != SQLITE_DONE) rc = fail(s, "load cells");
    sqlite3_finalize(st);
    if (!rc && sqlite3_prepare_v2(s->db, "SELECT " KEY_PK ", COUNT(DISTINCT id >> " STR(ID_BITS) ") FROM mentions GROUP BY " KEY_PK,
                                  -1, &st, NULL) != SQLITE_OK)
        rc = fail(s, "load cells");
    else if (!rc) {
        while ((r = sqlite3_step(st)) == SQLITE_ROW) {
            key k;
            char name[KEY_NAME_MAX];
            key_set(&k, col(st, 0), sqlite3_column_int(st, 1), col(st, 2), col(st, 3), col(st, 4));
            key_name(&k, name, sizeof name);
            cell *c = fp_map_get(&s->cells, name);
            if (c) c->reports = (uint32_t)sqlite3_column_int64(st, 5);
        }
        if (r != SQLITE_DONE) rc = fail(s, "load cells");
        sqlite3_finalize(st);
    }
    if (rc) cells_clear(s);
    s->stale = rc != 0;
    return rc;
}

/* Builds the cell of key k from memory; t->facts is 0 when it has none.
 * The cost is the cell's distinct values, not its mentions. */
static int cell_of(fp_store *s, const key *k, fp_total *t)
{
    char name[KEY_NAME_MAX];
    key_name(k, name, sizeof name);
    const cell *c = fp_map_get(&s->cells, name);
    memset(t, 0, sizeof *t);
    t->shard = s->shard;
    snprintf(t->region_code, sizeof t->region_code, "%s", k->rc);
    t->year = k->year;
    snprintf(t->indicator, sizeof t->indicator, "%s", k->indicator);
    snprintf(t->series, sizeof t->series, "%s", k->series);
    snprintf(t->unit, sizeof t->unit, "%s", k->unit);
    if (!c || c->nv == 0) return (t->region_path = strdup("")) ? FP_OK : FP_ENOMEM;
    size_t cnt = c->nv;
    /* the values in the order first stated */
    const cval **v = malloc(cnt * sizeof *v);
    fp_fact *f = malloc(cnt * sizeof *f);
    size_t *group = malloc(cnt * sizeof *group), ng = 0;
    if (!v || !f || !group) {
        free(v), free(f), free(group);
        return FP_ENOMEM;
    }
    for (size_t i = 0; i < cnt; i++) {
        const cval *x = &c->v[i];
        size_t j = i;
        for (; j > 0 && cval_cmp(x, v[j - 1]) < 0; j--) v[j] = v[j - 1];
        v[j] = x;
    }
    for (size_t i = 0; i < cnt; i++)
        f[i] = (fp_fact){.value = v[i]->value, .curated = v[i]->cur > 0, .weight = v[i]->w, .exact = v[i]->exact > 0};
    snprintf(t->metric, sizeof t->metric, "%s", first_field(v[0]->first, F_METRIC));
    t->region_path = strdup(first_field(v[0]->first, F_RP));
    size_t best = fp_cell_choose(f, cnt, group, &ng);
    t->stated = f[best].value;
    for (size_t i = 0; i < cnt; i++) t->facts += v[i]->n;
    t->reports = c->reports;
    int exact = 0;
    for (size_t i = 0; i < cnt; i++) exact |= group[i] == best && f[i].exact;
    snprintf(t->status, sizeof t->status, "%s", ng > 1 ? "conflict" : exact ? "exact" : "approx");
    /* candidates: the chosen fact first, then the others in statement order, at most 16 */
    fp_buf b = {0};
    int rc = fp_buf_puts(&b, "[");
    size_t shown = 0;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < cnt && shown < 16; i++) {
            if (group[i] != i || (pass == 0) != (i == best)) continue;
            size_t nf = 0;
            for (size_t j = 0; j < cnt; j++)
                if (group[j] == i) nf += v[j]->n;
            char val[32];
            fp_dec_format(f[i].value, val, sizeof val);
            rc |= fp_buf_puts(&b, shown ? ",{" : "{");
            rc |= fp_json_kv(&b, "value", val, 1);
            rc |= fp_json_key(&b, "chosen", 0);
            rc |= fp_buf_puts(&b, i == best ? "true" : "false");
            rc |= fp_json_kv(&b, "qualifier", first_field(v[i]->first, F_QUAL), 0);
            rc |= fp_json_key(&b, "curated", 0);
            rc |= fp_buf_printf(&b, "%s", f[i].curated ? "true" : "false");
            rc |= fp_json_key(&b, "facts", 0);
            rc |= fp_buf_printf(&b, "%zu", nf);
            rc |= fp_json_kv(&b, "report", first_field(v[i]->first, F_RID), 0);
            rc |= fp_json_kv(&b, "source", first_field(v[i]->first, F_SRC), 0);
            rc |= fp_json_kv(&b, "text", first_field(v[i]->first, F_TEXT), 0);
            rc |= fp_buf_puts(&b, "}");
            shown++;
        }
    rc |= fp_buf_puts(&b, "]");
    free(v), free(f), free(group);
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

/* Writes one mention of report rn (sent: its sentence's place) and folds
 * it into its cell in memory, counting the report there once per apply. */
static int insert_mention(fp_store *s, const fp_figure *f, const key *k, const char *name, int curated, int64_t rn,
                          int sent)
{
    if (f->seq > ID_MAX) {
        fp_error("report %.12s: figure %u: more than %u figures in one report", f->report_id, f->seq, ID_MAX);
        return FP_EINVAL;
    }
    const char *rp = f->region_path ? f->region_path : "", *src = f->source ? f->source : "";
    const char *text = f->text ? f->text : "";
    sqlite3_stmt *st = s->st[ST_INS_MENTION];
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, rn << ID_BITS | f->seq);
    sqlite3_bind_text(st, 2, k->rc, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, rp, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, k->year);
    sqlite3_bind_text(st, 5, k->indicator, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, k->series, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, k->unit, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, f->metric, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 9, f->value);
    sqlite3_bind_text(st, 10, f->relation, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 11, f->qualifier, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 12, f->counter, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 13, text, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 14, f->label ? f->label : "", -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 15, sent);
    sqlite3_bind_int64(st, 16, f->offset);
    sqlite3_bind_int64(st, 17, f->length);
    sqlite3_bind_text(st, 18, src, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 19, curated);
    sqlite3_bind_int(st, 20, f->weight);
    sqlite3_bind_int(st, 21, f->published);
    int rc = done(s, st);
    if (!rc && sqlite3_changes(s->db) == 1) {
        mention m = {.value = f->value, .curated = curated, .weight = f->weight,
                     .exact = !strcmp(f->qualifier, "exact"), .off = f->offset, .seq = f->seq};
        m.f[F_SRC] = src, m.f[F_RID] = f->report_id, m.f[F_TEXT] = text, m.f[F_QUAL] = f->qualifier;
        m.f[F_RP] = rp, m.f[F_METRIC] = f->metric;
        cell *c = cell_get(s, k, name);
        rc = c ? cell_add(s, c, &m) : FP_ENOMEM;
        if (!rc && c->mark != s->gen) {
            c->mark = s->gen;
            c->reports++;
        }
    }
    return rc;
}

/* Writes the sentence of figure f once per report rn: *sent is its place. */
static int insert_sentence(fp_store *s, const fp_figure *f, int64_t rn, fp_map *seen, int *next, int *sent)
{
    const char *text = f->sentence ? f->sentence : "";
    void *at = fp_map_get(seen, text);
    if (at) {
        *sent = (int)((uintptr_t)at - 1);
        return FP_OK;
    }
    if ((unsigned)*next > ID_MAX) return FP_EINVAL; /* unreachable: no more sentences than figures */
    *sent = (*next)++;
    if (fp_map_put(seen, text, (void *)(uintptr_t)(*sent + 1), NULL)) return FP_ENOMEM;
    sqlite3_stmt *st = s->st[ST_INS_SENTENCE];
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, rn << ID_BITS | *sent);
    sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
    return done(s, st);
}

/* Binds report rn's range of row ids to ?1, ?2. */
static sqlite3_stmt *with_range(fp_store *s, int which, int64_t rn)
{
    sqlite3_stmt *st = s->st[which];
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, rn << ID_BITS);
    sqlite3_bind_int64(st, 2, rn << ID_BITS | ID_MAX);
    return st;
}

/* The number of report id in `applied`; 0 when it is not there. */
static int64_t report_number(fp_store *s, const char *id)
{
    sqlite3_stmt *st = with_text(s, ST_IS_APPLIED, id);
    int64_t rn = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return rn;
}

/* Removes every mention (and sentence) of a superseded report, noting the
 * cells it touched and rebuilding them in memory from the rows left. */
static int retire(fp_store *s, const char *id, keyset *ks)
{
    int64_t rn = report_number(s, id);
    if (!rn) return FP_OK; /* never applied here: nothing of it to remove */
    keyset mine = {0};
    sqlite3_stmt *st = with_range(s, ST_KEYS_OF, rn);
    int rc = FP_OK;
    while (!rc && sqlite3_step(st) == SQLITE_ROW) {
        key k;
        key_set(&k, col(st, 0), sqlite3_column_int(st, 1), col(st, 2), col(st, 3), col(st, 4));
        rc = keyset_add(ks, &k);
        if (!rc) rc = keyset_add(&mine, &k);
    }
    sqlite3_reset(st);
    if (!rc) rc = done(s, with_range(s, ST_DEL_MENTIONS, rn));
    if (!rc) rc = done(s, with_range(s, ST_DEL_SENTENCES, rn));
    for (size_t i = 0; i < mine.n && !rc; i++) rc = cell_reload(s, &mine.k[i]);
    keyset_free(&mine);
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
    /* The cells are built before the commit, so what is sent is what committed. */
    fp_total *cells = NULL;
    if (!rc && ks->n && !(cells = calloc(ks->n, sizeof *cells))) rc = FP_ENOMEM;
    size_t built = 0;
    for (; built < ks->n && !rc; built++) rc = cell_of(s, &ks->k[built], &cells[built]);
    if (!rc && sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) rc = fail(s, "commit");
    if (rc) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        cells_reload(s, ks); /* memory follows the rows back */
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
    if (s->stale && cells_load(s)) return FP_EIO;
    /* A report applied before changes nothing, unless it comes back as the
     * revision of the one that replaced it (a source revised back to earlier
     * content): then it lives again and its successor retires. */
    int revive = 0;
    int64_t rn = report_number(s, end->report_id);
    if (rn) {
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
    if (!rc && !rn) { /* recorded as applied first: its rows are numbered after it */
        sqlite3_stmt *st = with_text(s, ST_INS_APPLIED, end->report_id);
        sqlite3_bind_text(st, 2, end->source ? end->source : "", -1, SQLITE_STATIC);
        rc = done(s, st);
        rn = sqlite3_last_insert_rowid(s->db);
    }
    /* A revision newer than this report may have arrived first: then this one only records that it was seen. */
    int retired = !rc && exists(s, ST_IS_RETIRED, end->report_id);
    fp_map sentences = {0}; /* this report's sentence -> its row + 1 */
    int nsent = 0;
    s->gen++;
    for (size_t i = 0; i < n && !rc && !retired; i++) {
        const fp_figure *f = &figs[i];
        key k;
        char name[KEY_NAME_MAX];
        key_set(&k, f->region_code, f->year, f->indicator[0] ? f->indicator : "other:", f->series, f->unit);
        key_name(&k, name, sizeof name);
        int sent = 0;
        rc = keyset_add_named(ks, &k, name);
        if (!rc) rc = insert_sentence(s, f, rn, &sentences, &nsent, &sent);
        if (!rc) rc = insert_mention(s, f, &k, name, end->curated, rn, sent);
    }
    fp_map_free(&sentences);
    for (size_t i = 0; i < nchecks && !rc && !retired; i++) {
        rc = store_finding(s, end->report_id, &checks[i]);
        if (!rc) rc = anolist_add(al, &checks[i], 1);
    }
    if (!rc && end->supersedes[0] && !exists(s, ST_IS_RETIRED, end->supersedes)) {
        rc = done(s, with_text(s, ST_INS_RETIRED, end->supersedes));
        if (!rc) rc = retire(s, end->supersedes, ks);
        if (!rc) rc = clear_findings_of(s, end->supersedes, al);
    }
    if (s->group) {
        if (rc) {
            sqlite3_exec(s->db, "ROLLBACK TO report", NULL, NULL, NULL);
            /* memory follows the rows back; the cells it touched stay in the group's set: sending them
             * again unchanged is harmless */
            cells_reload(s, ks);
            while (al->n > al0) {
                fp_anomaly *a = &al->a[--al->n];
                free(a->id), free(a->region_path), free(a->detail);
            }
        }
        sqlite3_exec(s->db, "RELEASE report", NULL, NULL, NULL);
        if (!rc) *fresh = 1;
        return rc;
    }
    if (!rc) {
        rc = commit_and_send(s, ks, al, out);
    } else {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        cells_reload(s, ks);
    }
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
    if (s->stale && cells_load(s)) return FP_EIO;
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
    if (s->stale && cells_load(s)) return FP_EIO;
    size_t n = s->cells.n;
    cell **all = n ? malloc(n * sizeof *all) : NULL;
    if (n && !all) return FP_ENOMEM;
    fp_map_values(&s->cells, (void **)all);
    for (size_t i = 0; i < n && !rc; i++) {
        fp_total t;
        rc = cell_of(s, &all[i]->k, &t);
        if (rc) break;
        t.seq = s->seq;
        if (t.facts && out->total) rc = out->total(&t, out->ud);
        total_release(&t);
    }
    free(all);
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
                           "SELECT (SELECT COUNT(*) FROM applied), (SELECT COUNT(*) FROM failures WHERE dead=1)",
                           -1, &st, NULL) != SQLITE_OK)
        return fail(s, "read");
    *mentions = s->nmentions; /* kept in memory: counting the rows is a scan of them all */
    if (sqlite3_step(st) == SQLITE_ROW) {
        *reports = sqlite3_column_int64(st, 0);
        if (dead) *dead = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    return FP_OK;
}

int fp_store_facts(fp_store *s, const char *rc, int year, const char *indicator, const char *series, const char *unit,
                   fp_buf *out)
{
    sqlite3_stmt *st;
    if (s->stale && cells_load(s)) return FP_EIO;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT a.report_id, m.source, m.text, m.value, m.unit, m.qualifier, m.relation, m.label,"
                           " COALESCE(x.text, ''), m.series, m.indicator, m.off, m.len, m.published" MENTION_FROM
                           " LEFT JOIN sentences x ON x.id = (m.id >> " STR(ID_BITS) " << " STR(ID_BITS) ") | m.sent"
                           " WHERE m.rc=?1 AND m.year=?2 AND m.indicator=?3 AND (?4 = '' OR m.series=?4)"
                           " AND (?5 = '' OR m.unit=?5) ORDER BY m.series, m.unit, m.source, m.off LIMIT 1000",
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
