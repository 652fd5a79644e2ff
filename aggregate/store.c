#include "store.h"
#include "fp_json.h"
#include "fp_buf.h"
#include "fp_err.h"
#include "fp_log.h"

#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SCHEMA_VERSION 6 /* 2: cells keyed by indicator and series; 3: kept per value in `vals`; 4: published;
                            * 5: cells in memory (no `vals`, `reps`), a report's sentences once in `sentences`;
                            * 6: rows keyed by the report's number (applied.rn), not its 64-digit id.
                            * Still 6 without the index mentions_cell: the rows mean what they meant, and a
                            * binary that wants the index makes it again (CREATE INDEX IF NOT EXISTS). */
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
    /* No index by cell: its entries land at random places, so every figure dirtied a page of it and
     * each commit wrote those pages to the log again (half the WAL and a third of a shard's CPU in the
     * profile). The cells in memory know their rows' ids instead (cell.ids); a store made with the
     * index loses it once, here. */
    "DROP INDEX IF EXISTS mentions_cell;"
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
    ST_DEL_MENTIONS, ST_DEL_SENTENCES, ST_ROW_OF, ST_ROW_IS, ST_FACT_OF, ST_SET_SEQ, ST_AN_PUT, ST_AN_OF_REPORT,
    ST_AN_DEL_REPORT, ST_DEL_RETIRED, ST_FAIL_ADD, ST_FAIL_DEAD, ST_IS_DEAD, ST_SAVEPOINT, ST_RELEASE, ST_N
};

static const char *sql[ST_N] = {
    [ST_IS_APPLIED] = "SELECT rn FROM applied WHERE report_id=?1",
    [ST_IS_RETIRED] = "SELECT 1 FROM retired WHERE report_id=?1",
    /* OR IGNORE: a figure sent twice in one report is one mention, in the rows and in memory alike */
    [ST_INS_MENTION] = "INSERT OR IGNORE INTO mentions VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,"
                       "?17,?18,?19,?20,?21)",
    [ST_INS_SENTENCE] = "INSERT OR REPLACE INTO sentences VALUES(?1,?2)",
    /* rn from fp_store.next_rn: never handed out twice in a process, even after a rollback (cell.ids) */
    [ST_INS_APPLIED] = "INSERT INTO applied(rn, report_id, source) VALUES(?3,?1,?2)",
    [ST_INS_RETIRED] = "INSERT OR IGNORE INTO retired VALUES(?1)",
    /* a report's rows: ids ?1 ..= ?2 */
    [ST_KEYS_OF] = "SELECT DISTINCT " KEY_PK " FROM mentions WHERE id BETWEEN ?1 AND ?2",
    [ST_DEL_MENTIONS] = "DELETE FROM mentions WHERE id BETWEEN ?1 AND ?2",
    [ST_DEL_SENTENCES] = "DELETE FROM sentences WHERE id BETWEEN ?1 AND ?2",
    /* one row of a cell by its id, for rebuilding the cell in memory: none when the row is gone or
     * (a report re-sent after its indicators changed) now belongs to another cell */
    [ST_ROW_OF] = "SELECT " MENTION_COLS MENTION_FROM " WHERE m.id=?6 AND m.rc=?1 AND m.year=?2 AND m.indicator=?3"
                  " AND m.series=?4 AND m.unit=?5",
    [ST_ROW_IS] = "SELECT 1 FROM mentions WHERE id=?6 AND " KEY_WHERE,
    /* one figure as /api/facts shows it */
    [ST_FACT_OF] = "SELECT a.report_id, m.source, m.text, m.value, m.unit, m.qualifier, m.relation, m.label,"
                   " COALESCE(x.text, ''), m.series, m.indicator, m.off, m.len, m.published" MENTION_FROM
                   " LEFT JOIN sentences x ON x.id = (m.id >> " STR(ID_BITS) " << " STR(ID_BITS) ") | m.sent"
                   " WHERE m.id=?1",
    [ST_SET_SEQ] = "INSERT OR REPLACE INTO meta VALUES('seq', ?1)",
    [ST_AN_PUT] = "INSERT OR REPLACE INTO anomalies VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9)",
    [ST_AN_OF_REPORT] = "SELECT id, kind, rc, year, indicator, unit FROM anomalies WHERE report_id=?1",
    [ST_AN_DEL_REPORT] = "DELETE FROM anomalies WHERE report_id=?1",
    [ST_DEL_RETIRED] = "DELETE FROM retired WHERE report_id=?1",
    [ST_FAIL_ADD] = "INSERT INTO failures VALUES(?1,?2,1,?3,0) ON CONFLICT DO UPDATE SET tries=tries+1,"
                    " error=excluded.error RETURNING tries, dead",
    [ST_FAIL_DEAD] = "UPDATE failures SET dead=1 WHERE report_id=?1",
    [ST_IS_DEAD] = "SELECT 1 FROM failures WHERE report_id=?1 AND dead=1",
    /* a report's savepoint in a group: prepared, not parsed again for every report */
    [ST_SAVEPOINT] = "SAVEPOINT report",
    [ST_RELEASE] = "RELEASE report",
};

typedef struct {
    char rc[16];
    int year;
    char indicator[96], series[12], unit[16];
} key;

/* A set of keys in the order added (the group's touched cells go out in it). */
typedef struct {
    key *k;
    uint64_t *h;   /* k[i]'s key_hash */
    size_t n, cap;
    uint32_t *ix;  /* open addressing: index into k + 1, 0 empty; a group of many reports stays linear */
    size_t ixcap;  /* a power of two, more than n * 4 / 3 */
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
 * them in any order), rebuilt from the rows at open and after a rollback.
 *
 * ids holds the row id of every live mention of the cell, and, while a
 * transaction is open, maybe ids of rows that are gone (holes): rows a
 * rollback removed, or a retired report's, which a rollback of the
 * retirement would bring back. They are pruned once no transaction is open
 * (prune_holes); until then a rebuild skips them. Row ids are never handed
 * out twice in a process (fp_store.next_rn), so a hole cannot come to name
 * another report's row. */
typedef struct {
    key k;
    uint64_t h;       /* key_hash(&k) */
    cval *v;
    size_t nv, capv;  /* nv 0: no live mention (the cell stays while its ids may have holes) */
    int64_t *ids;
    uint32_t nids, capids;
    uint32_t reports; /* distinct reports among its mentions */
    uint64_t mark;    /* the apply (fp_store.gen) that last counted a report here */
    uint64_t touch;   /* the apply that last changed it: what a savepoint's rollback rebuilds */
    int holes;        /* ids may name rows that are gone (then its key is in fp_store.holes) */
} cell;

/* The cells by key: open addressing, linear probing, the hash kept beside each. */
typedef struct {
    cell **c;         /* NULL: empty */
    size_t cap, n;    /* cap a power of two, n * 4 <= cap * 3 */
} celltab;

struct fp_store {
    sqlite3 *db;
    uint32_t shard;
    uint64_t seq;
    char epoch[17];
    int group;     /* inside fp_store_begin .. fp_store_commit */
    keyset gks;    /* the group's touched cells */
    anolist gal;   /* the group's findings */
    celltab cells; /* every cell with a live mention (and those waiting for prune_holes) */
    keyset holes;  /* cells whose ids may have holes, pruned when no transaction is open */
    int64_t next_rn; /* the next report number (applied.rn) to hand out: only ever grows */
    uint64_t gen;  /* one per fp_store_apply, for cell.mark and cell.touch */
    long long nmentions; /* live mentions, the sum of the cells' */
    int stale;     /* memory could not be rebuilt after a rollback: rebuild it before the next change */
    int group_load; /* memory was rebuilt whole inside the group's transaction: from rows its rollback may
                     * bring back only partly known (retired earlier in it), so a rollback rebuilds it whole */
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
    /* NOMUTEX: a store is used by one thread; the connection's mutex, taken by every bind and step, was
     * ~9 % of a shard's instructions */
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
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
        if (sqlite3_prepare_v2(s->db, "SELECT COALESCE(MAX(rn), 0) + 1 FROM applied", -1, &st, NULL) != SQLITE_OK ||
            sqlite3_step(st) != SQLITE_ROW)
            rc = fail(s, "report numbers");
        else
            s->next_rn = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    if (!rc) {
        sqlite3_stmt *st;
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

static uint64_t fnv(uint64_t h, const char *p)
{
    while (*p) h = (h ^ (unsigned char)*p++) * 1099511628211ULL;
    return (h ^ 0xff) * 1099511628211ULL; /* a separator: "ab","c" is not "a","bc" */
}

/* FNV-1a over the key's fields: the cells' and the keysets' hash. */
static uint64_t key_hash(const key *k)
{
    uint64_t h = fnv(1469598103934665603ULL, k->rc);
    h = (h ^ (uint32_t)k->year) * 1099511628211ULL;
    return fnv(fnv(fnv(h, k->indicator), k->series), k->unit);
}

static int key_eq(const key *a, const key *b)
{
    return a->year == b->year && !strcmp(a->rc, b->rc) && !strcmp(a->indicator, b->indicator) &&
           !strcmp(a->series, b->series) && !strcmp(a->unit, b->unit);
}

/* Adds key nk (hash h) unless it is there. */
static int keyset_add_h(keyset *ks, const key *nk, uint64_t h)
{
    if (ks->ixcap) {
        size_t mask = ks->ixcap - 1;
        for (size_t i = h & mask; ks->ix[i]; i = (i + 1) & mask) {
            uint32_t j = ks->ix[i] - 1;
            if (ks->h[j] == h && key_eq(&ks->k[j], nk)) return FP_OK;
        }
    }
    if (ks->n == ks->cap) {
        size_t cap = ks->cap ? ks->cap * 2 : 16;
        key *n = realloc(ks->k, cap * sizeof *n);
        if (!n) return FP_ENOMEM;
        ks->k = n;
        uint64_t *nh = realloc(ks->h, cap * sizeof *nh);
        if (!nh) return FP_ENOMEM;
        ks->h = nh;
        ks->cap = cap;
    }
    if ((ks->n + 1) * 4 > ks->ixcap * 3) { /* grow the index and place every key again */
        size_t cap = ks->ixcap ? ks->ixcap * 2 : 32;
        uint32_t *ix = calloc(cap, sizeof *ix);
        if (!ix) return FP_ENOMEM;
        for (size_t j = 0; j < ks->n; j++) {
            size_t i = ks->h[j] & (cap - 1);
            while (ix[i]) i = (i + 1) & (cap - 1);
            ix[i] = (uint32_t)j + 1;
        }
        free(ks->ix);
        ks->ix = ix;
        ks->ixcap = cap;
    }
    size_t i = h & (ks->ixcap - 1);
    while (ks->ix[i]) i = (i + 1) & (ks->ixcap - 1);
    ks->ix[i] = (uint32_t)ks->n + 1;
    ks->k[ks->n] = *nk;
    ks->h[ks->n++] = h;
    return FP_OK;
}

static void keyset_free(keyset *ks)
{
    free(ks->k);
    free(ks->h);
    free(ks->ix);
    memset(ks, 0, sizeof *ks);
}

/* ---- the cells by key ---- */

/* The slot of key k (hash h): the cell's, or the empty one where it would go. t->cap > 0. */
static size_t celltab_slot(const celltab *t, const key *k, uint64_t h)
{
    size_t mask = t->cap - 1, i = h & mask;
    while (t->c[i] && !(t->c[i]->h == h && key_eq(&t->c[i]->k, k))) i = (i + 1) & mask;
    return i;
}

static cell *celltab_get(const celltab *t, const key *k, uint64_t h)
{
    return t->cap ? t->c[celltab_slot(t, k, h)] : NULL;
}

/* Adds c (not there yet). */
static int celltab_put(celltab *t, cell *c)
{
    if ((t->n + 1) * 4 > t->cap * 3) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        cell **n = calloc(cap, sizeof *n);
        if (!n) return FP_ENOMEM;
        for (size_t j = 0; j < t->cap; j++) {
            if (!t->c[j]) continue;
            size_t i = t->c[j]->h & (cap - 1);
            while (n[i]) i = (i + 1) & (cap - 1);
            n[i] = t->c[j];
        }
        free(t->c);
        t->c = n;
        t->cap = cap;
    }
    t->c[celltab_slot(t, &c->k, c->h)] = c;
    t->n++;
    return FP_OK;
}

/* Removes c (there), moving back the cells after it on its probe path so none is cut off. */
static void celltab_del(celltab *t, const cell *c)
{
    size_t mask = t->cap - 1, i = celltab_slot(t, &c->k, c->h);
    t->c[i] = NULL;
    t->n--;
    for (size_t j = (i + 1) & mask; t->c[j]; j = (j + 1) & mask) {
        size_t home = t->c[j]->h & mask;
        /* c[j] may move to the hole at i when i lies on its path from home to j (cyclically) */
        if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
            t->c[i] = t->c[j];
            t->c[j] = NULL;
            i = j;
        }
    }
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
    free(c->ids);
    free(c);
}

static void cells_clear(fp_store *s)
{
    for (size_t i = 0; i < s->cells.cap; i++) cell_free(s->cells.c[i]);
    free(s->cells.c);
    memset(&s->cells, 0, sizeof s->cells);
    keyset_free(&s->holes);
    s->nmentions = 0;
}

/* The cell of key k (hash h), made empty when absent; NULL: no memory. */
static cell *cell_get(fp_store *s, const key *k, uint64_t h)
{
    cell *c = celltab_get(&s->cells, k, h);
    if (c) return c;
    if (!(c = calloc(1, sizeof *c))) return NULL;
    c->k = *k;
    c->h = h;
    if (celltab_put(&s->cells, c)) {
        free(c);
        return NULL;
    }
    return c;
}

/* Notes the row id of one of c's mentions. */
static int cell_push_id(cell *c, int64_t id)
{
    if (c->nids == c->capids) {
        uint32_t cap = c->capids ? c->capids * 2 : 2;
        int64_t *n = realloc(c->ids, cap * sizeof *n);
        if (!n) return FP_ENOMEM;
        c->ids = n;
        c->capids = cap;
    }
    c->ids[c->nids++] = id;
    return FP_OK;
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

static int id_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Builds cell c again from its rows (as the current transaction, if any,
 * sees them), looked up by the ids it knows: after a report's mentions
 * went, or after a rollback. An id whose row is gone is kept when
 * keep_missing (a transaction is open: its rollback may bring the row
 * back; prune_holes drops it later), else dropped. The cell stays in
 * memory, with nv 0, while it has ids; with none it is gone (c is freed). */
static int cell_reload(fp_store *s, cell *c, int keep_missing)
{
    for (size_t i = 0; i < c->nv; i++) {
        s->nmentions -= c->v[i].n;
        free(c->v[i].first);
    }
    c->nv = 0;
    c->reports = 0;
    /* in order, so a report's rows are together (reports are counted as runs) and a duplicate is seen */
    qsort(c->ids, c->nids, sizeof *c->ids, id_cmp);
    uint32_t kept = 0;
    int64_t last_rn = -1, prev = -1;
    int rc = FP_OK, missing = 0;
    sqlite3_stmt *st = with_key(s, ST_ROW_OF, &c->k);
    for (uint32_t i = 0; i < c->nids && !rc; i++) {
        int64_t id = c->ids[i];
        if (id == prev) continue;
        prev = id;
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 6, id);
        int r = sqlite3_step(st);
        if (r == SQLITE_ROW) {
            mention m;
            mention_of_row(st, 0, &m);
            rc = cell_add(s, c, &m);
            if ((id >> ID_BITS) != last_rn) c->reports++, last_rn = id >> ID_BITS;
        } else if (r != SQLITE_DONE) {
            rc = fail(s, "read cell");
            break;
        } else {
            missing = 1;
            if (!keep_missing) continue;
        }
        c->ids[kept++] = id;
    }
    sqlite3_reset(st);
    if (rc) return rc; /* the caller marks memory stale */
    c->nids = kept;
    if (!keep_missing) c->holes = 0; /* its ids are exact now (prune_holes passes it over) */
    if (!c->nids) { /* no row of it is left, nor can come back */
        celltab_del(&s->cells, c);
        cell_free(c);
        return FP_OK;
    }
    if (missing && keep_missing && !c->holes) {
        c->holes = 1;
        rc = keyset_add_h(&s->holes, &c->k, c->h);
    }
    return rc;
}

/* Rebuilds the cells of ks that are in memory (only those the current
 * apply touched, when touched_only) from the rows; when that fails,
 * memory is marked stale and rebuilt whole before the next change. */
static void cells_reload(fp_store *s, const keyset *ks, int touched_only, int keep_missing)
{
    for (size_t i = 0; i < ks->n; i++) {
        cell *c = celltab_get(&s->cells, &ks->k[i], ks->h[i]);
        if (!c || (touched_only && c->touch != s->gen)) continue;
        if (cell_reload(s, c, keep_missing)) {
            s->stale = 1;
            return;
        }
    }
}

/* With no transaction open, a hole can come back no more: drops the ids
 * of rows that are gone, and the cells left with none. */
static void prune_holes(fp_store *s)
{
    for (size_t i = 0; i < s->holes.n && !s->stale; i++) {
        cell *c = celltab_get(&s->cells, &s->holes.k[i], s->holes.h[i]);
        if (!c || !c->holes) continue;
        sqlite3_stmt *st = with_key(s, ST_ROW_IS, &c->k);
        /* a report retired and revived in one transaction was noted twice: once is enough */
        qsort(c->ids, c->nids, sizeof *c->ids, id_cmp);
        uint32_t kept = 0;
        for (uint32_t j = 0; j < c->nids; j++) {
            if (kept && c->ids[kept - 1] == c->ids[j]) continue;
            sqlite3_reset(st);
            sqlite3_bind_int64(st, 6, c->ids[j]);
            int r = sqlite3_step(st);
            if (r == SQLITE_ROW) c->ids[kept++] = c->ids[j];
            else if (r != SQLITE_DONE) s->stale = 1; /* rebuilt from the rows before the next change */
        }
        sqlite3_reset(st);
        if (s->stale) break;
        c->nids = kept;
        c->holes = 0;
        if (!c->nids && !c->nv) {
            celltab_del(&s->cells, c);
            cell_free(c);
        }
    }
    keyset_free(&s->holes);
}

/* Every cell from the rows: at open, and when memory went stale. */
static int cells_load(fp_store *s)
{
    cells_clear(s);
    if (s->group) s->group_load = 1;
    sqlite3_stmt *st;
    /* in id order: a report's rows come together, so a cell counts its reports as runs */
    if (sqlite3_prepare_v2(s->db,
                           "SELECT m.rc, m.year, m.indicator, m.series, m.unit, " MENTION_COLS MENTION_FROM
                           " ORDER BY m.id",
                           -1, &st, NULL) != SQLITE_OK)
        return fail(s, "load cells");
    int rc = FP_OK, r;
    while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
        key k;
        key_set(&k, col(st, 0), sqlite3_column_int(st, 1), col(st, 2), col(st, 3), col(st, 4));
        mention m;
        mention_of_row(st, 5, &m);
        int64_t id = sqlite3_column_int64(st, 5 + 5);
        cell *c = cell_get(s, &k, key_hash(&k));
        if (!c) rc = FP_ENOMEM;
        if (!rc && (!c->nids || (c->ids[c->nids - 1] >> ID_BITS) != (id >> ID_BITS))) c->reports++;
        if (!rc) rc = cell_add(s, c, &m);
        if (!rc) rc = cell_push_id(c, id);
    }
    if (!rc && r != SQLITE_DONE) rc = fail(s, "load cells");
    sqlite3_finalize(st);
    if (rc) cells_clear(s);
    s->stale = rc != 0;
    return rc;
}

/* Appends a literal key text (given with its length: keys need no escaping) and val as a JSON string. */
static int kv_lit(fp_buf *b, const char *lit, size_t n, const char *val)
{
    int rc = fp_buf_append(b, lit, n);
    return rc ? rc : fp_buf_json_str(b, val, strlen(val));
}
#define KV(b, lit, val) kv_lit((b), lit, sizeof lit - 1, (val))
#define LIT(b, lit) fp_buf_append((b), lit, sizeof lit - 1)

/* Builds the cell of key k from memory; t->facts is 0 when it has none.
 * The cost is the cell's distinct values, not its mentions. It runs for
 * every cell a group touched (11 % of a shard's CPU in the profile when
 * it went through snprintf and printf per field): fields are copied,
 * keys appended as literals, and a cell of few values needs no malloc. */
static int cell_of(fp_store *s, const key *k, uint64_t h, fp_total *t)
{
    const cell *c = celltab_get(&s->cells, k, h);
    memset(t, 0, sizeof *t);
    t->shard = s->shard;
    copy_cut(t->region_code, sizeof t->region_code, k->rc);
    t->year = k->year;
    copy_cut(t->indicator, sizeof t->indicator, k->indicator);
    copy_cut(t->series, sizeof t->series, k->series);
    copy_cut(t->unit, sizeof t->unit, k->unit);
    if (!c || c->nv == 0) return (t->region_path = strdup("")) ? FP_OK : FP_ENOMEM;
    size_t cnt = c->nv;
    /* the values in the order first stated */
    enum { FEW = 8 };
    const cval *v_few[FEW];
    fp_fact f_few[FEW];
    size_t g_few[FEW];
    const cval **v = v_few;
    fp_fact *f = f_few;
    size_t *group = g_few, ng = 0;
    if (cnt > FEW) {
        v = malloc(cnt * sizeof *v);
        f = malloc(cnt * sizeof *f);
        group = malloc(cnt * sizeof *group);
        if (!v || !f || !group) {
            free(v), free(f), free(group);
            return FP_ENOMEM;
        }
    }
    for (size_t i = 0; i < cnt; i++) {
        const cval *x = &c->v[i];
        size_t j = i;
        for (; j > 0 && cval_cmp(x, v[j - 1]) < 0; j--) v[j] = v[j - 1];
        v[j] = x;
    }
    for (size_t i = 0; i < cnt; i++)
        f[i] = (fp_fact){.value = v[i]->value, .curated = v[i]->cur > 0, .weight = v[i]->w, .exact = v[i]->exact > 0};
    copy_cut(t->metric, sizeof t->metric, first_field(v[0]->first, F_METRIC));
    t->region_path = strdup(first_field(v[0]->first, F_RP));
    size_t best = fp_cell_choose(f, cnt, group, &ng);
    t->stated = f[best].value;
    for (size_t i = 0; i < cnt; i++) t->facts += v[i]->n;
    t->reports = c->reports;
    int exact = 0;
    for (size_t i = 0; i < cnt; i++) exact |= group[i] == best && f[i].exact;
    copy_cut(t->status, sizeof t->status, ng > 1 ? "conflict" : exact ? "exact" : "approx");
    /* candidates: the chosen fact first, then the others in statement order, at most 16 */
    fp_buf b = {0};
    int rc = LIT(&b, "[");
    size_t shown = 0;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < cnt && shown < 16; i++) {
            if (group[i] != i || (pass == 0) != (i == best)) continue;
            size_t nf = 0;
            for (size_t j = 0; j < cnt; j++)
                if (group[j] == i) nf += v[j]->n;
            char val[32], num[24];
            fp_dec_format(f[i].value, val, sizeof val);
            size_t d = sizeof num;
            do num[--d] = (char)('0' + nf % 10); while (nf /= 10);
            _Static_assert(F_SRC == 0 && F_RID == 1 && F_TEXT == 2 && F_QUAL == 3, "first's fields in order");
            const char *first = v[i]->first; /* its fields in order: F_SRC, F_RID, F_TEXT, F_QUAL */
            const char *src = first, *rid = src + strlen(src) + 1, *text = rid + strlen(rid) + 1;
            const char *qual = text + strlen(text) + 1;
            rc |= shown ? KV(&b, ",{\"value\":", val) : KV(&b, "{\"value\":", val);
            rc |= i == best ? LIT(&b, ",\"chosen\":true") : LIT(&b, ",\"chosen\":false");
            rc |= KV(&b, ",\"qualifier\":", qual);
            rc |= f[i].curated ? LIT(&b, ",\"curated\":true") : LIT(&b, ",\"curated\":false");
            rc |= LIT(&b, ",\"facts\":");
            rc |= fp_buf_append(&b, num + d, sizeof num - d);
            rc |= KV(&b, ",\"report\":", rid);
            rc |= KV(&b, ",\"source\":", src);
            rc |= KV(&b, ",\"text\":", text);
            rc |= LIT(&b, "}");
            shown++;
        }
    rc |= LIT(&b, "]");
    if (cnt > FEW) free(v), free(f), free(group);
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
static int insert_mention(fp_store *s, const fp_figure *f, const key *k, uint64_t h, int curated, int64_t rn,
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
        cell *c = cell_get(s, k, h);
        rc = c ? cell_add(s, c, &m) : FP_ENOMEM;
        if (c) c->touch = s->gen; /* even half changed: a rollback rebuilds it */
        if (!rc) rc = cell_push_id(c, rn << ID_BITS | f->seq);
        if (!rc && c->mark != s->gen) {
            c->mark = s->gen;
            c->reports++;
        }
    }
    return rc;
}

/* A report's sentences already written, by text: the texts are the figures', alive for the whole
 * apply, so they are pointed to, not copied. */
typedef struct {
    struct sent_slot {
        uint64_t h;
        const char *text; /* NULL: empty */
        int place;
    } *slot;
    size_t cap, n;
} sentset;

/* Writes the sentence of figure f once per report rn: *sent is its place.
 * *last is the sentence of the figure before, whose place *sent still
 * holds: a sentence's figures come one after another, so most are found
 * there without hashing the sentence. */
static int insert_sentence(fp_store *s, const fp_figure *f, int64_t rn, sentset *seen, int *sent, const char **last)
{
    const char *text = f->sentence ? f->sentence : "";
    if (*last && (*last == text || !strcmp(*last, text))) return FP_OK;
    *last = text;
    uint64_t h = fnv(1469598103934665603ULL, text);
    size_t i = 0;
    if (seen->cap) {
        for (i = h & (seen->cap - 1); seen->slot[i].text; i = (i + 1) & (seen->cap - 1))
            if (seen->slot[i].h == h && !strcmp(seen->slot[i].text, text)) {
                *sent = seen->slot[i].place;
                return FP_OK;
            }
    }
    if ((seen->n + 1) * 4 > seen->cap * 3) {
        size_t cap = seen->cap ? seen->cap * 2 : 64;
        struct sent_slot *n = calloc(cap, sizeof *n);
        if (!n) return FP_ENOMEM;
        for (size_t j = 0; j < seen->cap; j++) {
            if (!seen->slot[j].text) continue;
            size_t k = seen->slot[j].h & (cap - 1);
            while (n[k].text) k = (k + 1) & (cap - 1);
            n[k] = seen->slot[j];
        }
        free(seen->slot);
        seen->slot = n;
        seen->cap = cap;
        for (i = h & (cap - 1); seen->slot[i].text; i = (i + 1) & (cap - 1)) {}
    }
    /* the places are below the figures' seq, which fit ID_BITS (insert_mention) */
    if (seen->n > ID_MAX) return FP_EINVAL;
    *sent = (int)seen->n++;
    seen->slot[i] = (struct sent_slot){h, text, *sent};
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
        uint64_t h = key_hash(&k);
        rc = keyset_add_h(ks, &k, h);
        if (!rc) rc = keyset_add_h(&mine, &k, h);
    }
    sqlite3_reset(st);
    if (!rc) rc = done(s, with_range(s, ST_DEL_MENTIONS, rn));
    if (!rc) rc = done(s, with_range(s, ST_DEL_SENTENCES, rn));
    /* its ids stay in the cells as holes until the retirement commits (prune_holes) */
    for (size_t i = 0; i < mine.n && !rc; i++) {
        cell *c = celltab_get(&s->cells, &mine.k[i], mine.h[i]);
        if (!c) continue;
        c->touch = s->gen;
        rc = cell_reload(s, c, 1);
    }
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
    a->strings = NULL; /* its strings are its own copies below, not the decoded record's block */
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
    for (; built < ks->n && !rc; built++) rc = cell_of(s, &ks->k[built], ks->h[built], &cells[built]);
    if (!rc && sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) rc = fail(s, "commit");
    if (rc) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        if (s->group_load) s->stale = 1; /* rebuilt whole before the next change */
        else cells_reload(s, ks, 0, 0);  /* memory follows the rows back */
        prune_holes(s);
    } else {
        prune_holes(s);
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
    s->gen++; /* what this apply touches is marked with it (cell.touch, cell.mark) */
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
    int rc = s->group ? done(s, s->st[ST_SAVEPOINT])
                      : sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK ? FP_OK
                                                                                          : fail(s, "begin");
    if (!rc && revive) rc = done(s, with_text(s, ST_DEL_RETIRED, end->report_id));
    if (!rc && !rn) { /* recorded as applied first: its rows are numbered after it */
        rn = s->next_rn++; /* not handed out again, even when this rolls back (cell.ids) */
        sqlite3_stmt *st = with_text(s, ST_INS_APPLIED, end->report_id);
        sqlite3_bind_text(st, 2, end->source ? end->source : "", -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, rn);
        rc = done(s, st);
    }
    /* A revision newer than this report may have arrived first: then this one only records that it was seen. */
    int retired = !rc && exists(s, ST_IS_RETIRED, end->report_id);
    sentset sentences = {0};
    int sent = 0;
    const char *last = NULL;
    for (size_t i = 0; i < n && !rc && !retired; i++) {
        const fp_figure *f = &figs[i];
        key k;
        key_set(&k, f->region_code, f->year, f->indicator[0] ? f->indicator : "other:", f->series, f->unit);
        uint64_t h = key_hash(&k);
        rc = keyset_add_h(ks, &k, h);
        if (!rc) rc = insert_sentence(s, f, rn, &sentences, &sent, &last);
        if (!rc) rc = insert_mention(s, f, &k, h, end->curated, rn, sent);
    }
    free(sentences.slot);
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
            /* memory follows the rows back (the group's transaction is still open: ids stay as holes);
             * the cells it touched stay in the group's set: sending them again unchanged is harmless */
            cells_reload(s, ks, 1, 1);
            while (al->n > al0) {
                fp_anomaly *a = &al->a[--al->n];
                free(a->id), free(a->region_path), free(a->detail);
            }
        }
        sqlite3_step(s->st[ST_RELEASE]);
        sqlite3_reset(s->st[ST_RELEASE]);
        if (!rc) *fresh = 1;
        return rc;
    }
    if (!rc) {
        rc = commit_and_send(s, ks, al, out);
    } else {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        cells_reload(s, ks, 0, 0);
        prune_holes(s);
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
    s->group_load = 0;
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
    for (size_t i = 0; i < s->cells.cap && !rc; i++) {
        const cell *c = s->cells.c[i];
        if (!c || !c->nv) continue;
        fp_total t;
        rc = cell_of(s, &c->k, c->h, &t);
        if (rc) break;
        t.seq = s->seq;
        if (t.facts && out->total) rc = out->total(&t, out->ud);
        total_release(&t);
    }
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

/* A figure under /api/facts, for ordering them as the rows were ordered: by series, unit, source, place. */
typedef struct {
    const cell *c;
    int64_t id, off;
    char *source;
} fact_ref;

static int fact_cmp(const void *a, const void *b)
{
    const fact_ref *x = a, *y = b;
    int r = strcmp(x->c->k.series, y->c->k.series);
    if (!r) r = strcmp(x->c->k.unit, y->c->k.unit);
    if (!r) r = strcmp(x->source, y->source);
    if (!r) r = x->off < y->off ? -1 : x->off > y->off;
    if (!r) r = x->id < y->id ? -1 : x->id > y->id;
    return r;
}

int fp_store_facts(fp_store *s, const char *rc, int year, const char *indicator, const char *series, const char *unit,
                   fp_buf *out)
{
    if (s->stale && cells_load(s)) return FP_EIO;
    /* The cells asked for are found in memory (no index by cell on disk), their rows by id. */
    fact_ref *refs = NULL;
    size_t n = 0, cap = 0;
    int r = FP_OK;
    sqlite3_stmt *st = s->st[ST_FACT_OF];
    for (size_t i = 0; i < s->cells.cap && !r; i++) {
        const cell *c = s->cells.c[i];
        if (!c || !c->nv || c->k.year != year || strcmp(c->k.rc, rc) || strcmp(c->k.indicator, indicator) ||
            (series[0] && strcmp(c->k.series, series)) || (unit[0] && strcmp(c->k.unit, unit)))
            continue;
        for (uint32_t j = 0; j < c->nids && !r; j++) {
            sqlite3_reset(st);
            sqlite3_bind_int64(st, 1, c->ids[j]);
            int sr = sqlite3_step(st);
            if (sr == SQLITE_DONE) continue; /* a hole: its row is gone */
            if (sr != SQLITE_ROW) {
                r = fail(s, "facts");
                break;
            }
            if (n == cap) {
                size_t nc = cap ? cap * 2 : 64;
                fact_ref *nr = realloc(refs, nc * sizeof *nr);
                if (!nr) {
                    r = FP_ENOMEM;
                    break;
                }
                refs = nr, cap = nc;
            }
            refs[n] = (fact_ref){.c = c, .id = c->ids[j], .off = sqlite3_column_int64(st, 11),
                                 .source = strdup(col(st, 1))};
            if (!refs[n].source) r = FP_ENOMEM;
            else n++;
        }
    }
    sqlite3_reset(st);
    if (n) qsort(refs, n, sizeof *refs, fact_cmp);
    if (!r) r = fp_buf_puts(out, "[");
    /* which value each (series, unit) cell states: computed once per cell */
    const cell *cur = NULL;
    fp_dec stated = 0;
    size_t shown = 0;
    for (size_t i = 0; i < n && !r && shown < 1000; i++) {
        if (i && refs[i].id == refs[i - 1].id && refs[i].c == refs[i - 1].c) continue; /* one row, one fact */
        if (refs[i].c != cur) {
            cur = refs[i].c;
            fp_total t;
            if ((r = cell_of(s, &cur->k, cur->h, &t))) break;
            stated = t.stated;
            total_release(&t);
        }
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, refs[i].id);
        if (sqlite3_step(st) != SQLITE_ROW) {
            r = fail(s, "facts");
            break;
        }
        static const char *const keys[] = {"report", "source", "text", NULL, "unit", "qualifier", "relation",
                                           "label", "sentence", "series", "indicator"};
        r |= fp_buf_puts(out, shown++ ? ",{" : "{");
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
    sqlite3_reset(st);
    if (!r) r = fp_buf_puts(out, "]");
    for (size_t i = 0; i < n; i++) free(refs[i].source);
    free(refs);
    return r ? (r == FP_EIO ? FP_EIO : FP_ENOMEM) : FP_OK;
}
