#include "store.h"
#include "fp_json.h"
#include "fp_buf.h"
#include "fp_err.h"
#include "fp_log.h"

#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SCHEMA_VERSION 7 /* 2: cells keyed by indicator and series; 3: kept per value in `vals`; 4: published;
                            * 5: cells in memory (no `vals`, `reps`), a report's sentences once in `sentences`;
                            * 6: rows keyed by the report's number (applied.rn), not its 64-digit id;
                            * 7: a mention names its cell by number (`cells`) and packs its fields in one BLOB; a
                            *    report's sentence is stored in its first mention, not in `sentences`. */
#define STR_(x) #x
#define STR(x) STR_(x)
#define KEY_WHERE "rc=?1 AND year=?2 AND indicator=?3 AND series=?4 AND unit=?5"
/* A mention's row id: its report's number (applied.rn) above, its place in the report below,
 * so a report's rows are one range and need no index of their own. */
#define ID_BITS 24
#define ID_MAX ((1u << ID_BITS) - 1)
/* Mentions are written up to this many in one INSERT: a statement per figure cost its start and its end
 * (a cursor opened and closed, the statement halted and reset) for every figure; 32 to a statement took
 * a shard's instructions per figure down by 9 %. */
#define ROWS_MAX 32
/* what a cell in memory is made of, per mention (mention_of_row): from column c0 on */
#define MENTION_COLS "m.id, m.source, a.report_id, m.f"

static const char *schema =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=FULL;"
    /* 8 MB of pages: reached early in a stream, so a shard's memory stays flat after */
    "PRAGMA cache_size=-8192;"
    /* checkpoint every 16 MB of log, not 4: a hot page is copied to the database fewer times */
    "PRAGMA wal_autocheckpoint=4000;"
    /* rn: the report's number here, kept for good (rows are never deleted from applied) */
    "CREATE TABLE IF NOT EXISTS applied(rn INTEGER PRIMARY KEY, report_id TEXT UNIQUE, source TEXT);"
    "CREATE TABLE IF NOT EXISTS retired(report_id TEXT PRIMARY KEY);"
    /* Each cell's key once; mentions name it by id. Written only when a cell is first seen (rows are
     * never deleted from it), so its index costs nothing per figure. */
    "CREATE TABLE IF NOT EXISTS cells(id INTEGER PRIMARY KEY, rc TEXT, year INTEGER, indicator TEXT, series TEXT,"
    " unit TEXT, UNIQUE(rc, year, indicator, series, unit));"
    /* id: rn << ID_BITS | the figure's seq; cell: cells.id; f: the rest, packed (row_pack): only this
     * code reads it, and one BLOB is bound and recorded per figure instead of 17 columns (with the
     * cell's number for its key, a seventh of a shard's instructions less). source stays a column:
     * the tests' triggers pick reports by it. No index by cell: its entries land at random places, so
     * every figure dirtied a page of it and each commit wrote those pages to the log again. The cells
     * in memory know their reports' numbers instead (cell.rns), and a report's rows are one range of
     * ids. */
    "CREATE TABLE IF NOT EXISTS mentions(id INTEGER PRIMARY KEY, cell INTEGER, source TEXT, f BLOB);"
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
    ST_IS_APPLIED, ST_IS_RETIRED, ST_INS_APPLIED, ST_INS_RETIRED, ST_CELLS_OF, ST_DEL_MENTIONS,
    ST_ROWS_OF, ST_CELL_ID, ST_INS_CELL, ST_FACT_OF, ST_SET_SEQ,
    ST_AN_PUT, ST_AN_OF_REPORT, ST_AN_DEL_REPORT, ST_DEL_RETIRED, ST_FAIL_ADD, ST_FAIL_DEAD, ST_IS_DEAD, ST_SAVEPOINT,
    ST_RELEASE, ST_N
};

static const char *sql[ST_N] = {
    [ST_IS_APPLIED] = "SELECT rn FROM applied WHERE report_id=?1",
    [ST_IS_RETIRED] = "SELECT 1 FROM retired WHERE report_id=?1",
    /* rn from fp_store.next_rn: never handed out twice in a process, even after a rollback (cell.rns) */
    [ST_INS_APPLIED] = "INSERT INTO applied(rn, report_id, source) VALUES(?3,?1,?2)",
    [ST_INS_RETIRED] = "INSERT OR IGNORE INTO retired VALUES(?1)",
    /* the cells of a report's rows (ids ?1 ..= ?2) */
    [ST_CELLS_OF] = "SELECT DISTINCT c.id, c.rc, c.year, c.indicator, c.series, c.unit FROM mentions m"
                    " JOIN cells c ON c.id = m.cell WHERE m.id BETWEEN ?1 AND ?2",
    [ST_DEL_MENTIONS] = "DELETE FROM mentions WHERE id BETWEEN ?1 AND ?2",
    /* a report's rows (ids ?1 ..= ?2, its number ?3), each with its cell, for rebuilding cells in memory */
    [ST_ROWS_OF] = "SELECT m.cell, " MENTION_COLS " FROM mentions m JOIN applied a ON a.rn = ?3"
                   " WHERE m.id BETWEEN ?1 AND ?2",
    [ST_CELL_ID] = "SELECT id FROM cells WHERE " KEY_WHERE,
    [ST_INS_CELL] = "INSERT INTO cells(rc, year, indicator, series, unit) VALUES(?1,?2,?3,?4,?5)",
    /* one figure as /api/facts shows it */
    [ST_FACT_OF] = "SELECT a.report_id, m.source, m.f FROM mentions m JOIN applied a ON a.rn = m.id >> " STR(ID_BITS)
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
    /* its candidate's JSON from the first statement on, made when a cell is first sent after first
     * changed (cval_json): escaping these strings for every cell sent was 5 % of a shard's work */
    char *json;
    size_t jq, jlen;        /* ,"qualifier":… is json[0, jq); ,"report":…,"source":…,"text":…} the rest */
} cval;

enum { F_SRC, F_RID, F_TEXT, F_QUAL, F_RP, F_METRIC, FIRST_FIELDS };

/* A cell in memory: a pure function of its live mentions (cell_add folds
 * them in any order), rebuilt from the rows at open and after a rollback.
 *
 * rns holds, sorted, the number of every report with a live mention of
 * the cell, each as its difference from the one before (a varint): about
 * a byte per report and cell, where a row id per mention took 8 per figure
 * and grew a shard's memory 22 % from its 1,000th report to its 5,000th
 * (4-byte numbers: 9 %). A report's rows are one range of ids, so the
 * cell's rows are found from them (cells_rebuild) without an index by
 * cell. The list is exact between applies: a rollback puts back the
 * numbers of the reports whose retirement it undid (readd_retired), and a
 * rebuild drops the reports left with no row of the cell. Report numbers
 * are never handed out twice in a process (fp_store.next_rn), so a number
 * a rollback removed cannot come to name another report. */
typedef struct {
    key k;
    uint64_t h;       /* key_hash(&k) */
    int64_t num;      /* cells.id, 0 while unknown (not yet stored, or after a rollback: looked up again) */
    cval *v;
    size_t nv, capv;
    unsigned char *rns;    /* nrns numbers in rlen bytes (rn_next, cell_push_rn) */
    uint32_t nrns, rlen, rcap; /* nrns: the distinct reports among its mentions */
    uint32_t rlast;        /* the last (largest) of them; 0 when none */
    uint64_t touch;   /* the apply that last changed it: what a savepoint's rollback rebuilds */
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
    celltab cells; /* every cell with a live mention */
    int64_t next_rn; /* the next report number (applied.rn) to hand out: only ever grows */
    uint64_t gen;  /* one per fp_store_apply, for cell.touch */
    long long nmentions; /* live mentions, the sum of the cells' */
    int64_t *tret; /* the reports retired in the open transaction, in order: a rollback puts them back */
    size_t ntret, captret;
    /* mentions packed (row_pack), waiting to be written together (rows_flush) */
    unsigned char *pk;
    size_t pklen, pkcap;
    struct pending_row {
        int64_t id, cell;
        const char *source; /* the figure's: alive for the apply */
        size_t at, len;     /* its packed fields: pk[at, at + len) */
    } *pend;
    size_t npend, cappend;
    sqlite3_stmt *ins[ROWS_MAX + 1]; /* ins[n] writes n rows; prepared when first used */
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
    *out = NULL;
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
    for (int i = 0; i <= ROWS_MAX; i++) sqlite3_finalize(s->ins[i]);
    sqlite3_close(s->db);
    cells_clear(s);
    free(s->tret);
    free(s->pk);
    free(s->pend);
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

/* Binds report rn's range of row ids to ?1, ?2. */
static sqlite3_stmt *with_range(fp_store *s, int which, int64_t rn)
{
    sqlite3_stmt *st = s->st[which];
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, rn << ID_BITS);
    sqlite3_bind_int64(st, 2, rn << ID_BITS | ID_MAX);
    return st;
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
    for (size_t i = 0; i < c->nv; i++) free(c->v[i].first), free(c->v[i].json);
    free(c->v);
    free(c->rns);
    free(c);
}

static void cells_clear(fp_store *s)
{
    for (size_t i = 0; i < s->cells.cap; i++) cell_free(s->cells.c[i]);
    free(s->cells.c);
    memset(&s->cells, 0, sizeof s->cells);
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

/* ---- a mention's packed fields (mentions.f) ----
 * Varints (7 bits a byte, low first; the signed ones zigzagged): value,
 * weight, off, len, sent (its sentence's place in the report), published,
 * curated; then, each ended by a NUL: metric, relation, qualifier, counter,
 * text, label, region path, and the sentence's text in the first mention
 * of each sentence of a report, "" in the others (a report's sentences
 * stored once each, without a statement of their own per sentence). */
enum { R_METRIC, R_RELATION, R_QUAL, R_COUNTER, R_TEXT, R_LABEL, R_RP, R_SENT, ROW_STRS };

/* A mention's row, unpacked: the strings point into the row's BLOB. */
typedef struct {
    fp_dec value;
    int weight, published, curated;
    uint32_t off, len, sent;
    const char *s[ROW_STRS];
} row;

static unsigned char *put_varint(unsigned char *p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    *p++ = (unsigned char)v;
    return p;
}

static uint64_t zigzag(int64_t v) { return v < 0 ? ~((uint64_t)v << 1) : (uint64_t)v << 1; }
static int64_t unzigzag(uint64_t u) { return u & 1 ? (int64_t)~(u >> 1) : (int64_t)(u >> 1); }

/* Reads a varint at *p (before end); -1 when it runs past end or 64 bits. */
static int get_varint(const unsigned char **p, const unsigned char *end, uint64_t *v)
{
    uint64_t r = 0;
    for (int sh = 0; sh < 64 && *p < end; sh += 7) {
        unsigned char b = *(*p)++;
        r |= (uint64_t)(b & 0x7f) << sh;
        if (!(b & 0x80)) {
            *v = r;
            return 0;
        }
    }
    return -1;
}

/* ---- a cell's report numbers (cell.rns) ---- */

/* Reads the next of a cell's report numbers from *p (before end) into *rn, which holds the one before
 * (0 at the start); 0 at the end. */
static int rn_next(const unsigned char **p, const unsigned char *end, uint32_t *rn)
{
    uint64_t d;
    if (*p >= end || get_varint(p, end, &d)) return 0;
    *rn += (uint32_t)d;
    return 1;
}

/* Appends rn, larger than any of c's, to its list. */
static int rn_append(cell *c, uint32_t rn)
{
    if (c->rlen + 5 > c->rcap) {
        uint32_t cap = c->rcap + c->rcap / 2 + 8; /* 1.5x: less slack than doubling */
        unsigned char *n = realloc(c->rns, cap);
        if (!n) return FP_ENOMEM;
        c->rns = n, c->rcap = cap;
    }
    c->rlen = (uint32_t)(put_varint(c->rns + c->rlen, rn - c->rlast) - c->rns);
    c->rlast = rn;
    c->nrns++;
    return FP_OK;
}

/* Notes report rn among c's (once: the list stays sorted and distinct). */
static int cell_push_rn(cell *c, uint32_t rn)
{
    if (!c->nrns || rn > c->rlast) return rn_append(c, rn);
    /* out of order only for a report revived or put back: rare, so the list is written again */
    uint32_t *all = malloc(((size_t)c->nrns + 1) * sizeof *all), n = 0, v = 0;
    if (!all) return FP_ENOMEM;
    for (const unsigned char *p = c->rns, *end = p + c->rlen; rn_next(&p, end, &v);) {
        if (v == rn) {
            free(all);
            return FP_OK;
        }
        if (v > rn && (n == 0 || all[n - 1] < rn)) all[n++] = rn;
        all[n++] = v;
    }
    c->rlen = c->nrns = c->rlast = 0;
    int rc = FP_OK;
    for (uint32_t i = 0; i < n && !rc; i++) rc = rn_append(c, all[i]); /* no larger than before: fits */
    free(all);
    return rc;
}

/* Packs figure f's fields at the end of s->pk, with its sentence's text when with_sentence; *len its
 * length. FP_ENOMEM leaves s as it was. */
static int row_pack(fp_store *s, const fp_figure *f, int curated, int sent, int with_sentence, size_t *len)
{
    const char *str[ROW_STRS] = {[R_METRIC] = f->metric, [R_RELATION] = f->relation, [R_QUAL] = f->qualifier,
                                 [R_COUNTER] = f->counter, [R_TEXT] = f->text ? f->text : "",
                                 [R_LABEL] = f->label ? f->label : "", [R_RP] = f->region_path ? f->region_path : "",
                                 [R_SENT] = with_sentence && f->sentence ? f->sentence : ""};
    size_t sl[ROW_STRS], need = 7 * 10;
    for (int i = 0; i < ROW_STRS; i++) need += (sl[i] = strlen(str[i])) + 1;
    if (s->pklen + need > s->pkcap) {
        size_t cap = s->pklen + need < 8192 ? 8192 : (s->pklen + need) * 2;
        unsigned char *n = realloc(s->pk, cap);
        if (!n) return FP_ENOMEM;
        s->pk = n, s->pkcap = cap;
    }
    unsigned char *p = s->pk + s->pklen;
    p = put_varint(p, zigzag(f->value));
    p = put_varint(p, f->weight);
    p = put_varint(p, f->offset);
    p = put_varint(p, f->length);
    p = put_varint(p, (uint64_t)sent);
    p = put_varint(p, zigzag(f->published));
    p = put_varint(p, curated != 0);
    for (int i = 0; i < ROW_STRS; i++) p = (unsigned char *)memcpy(p, str[i], sl[i] + 1) + sl[i] + 1;
    *len = (size_t)(p - (s->pk + s->pklen));
    return FP_OK;
}

/* Unpacks a row's BLOB (n bytes at b) into r; FP_EIO when it is not one row_pack wrote. */
static int row_unpack(const void *b, int n, row *r)
{
    const unsigned char *p = b, *end = p + (n > 0 ? n : 0);
    uint64_t v[7];
    for (int i = 0; i < 7; i++)
        if (!p || get_varint(&p, end, &v[i])) return FP_EIO;
    r->value = unzigzag(v[0]);
    r->weight = (int)v[1];
    r->off = (uint32_t)v[2], r->len = (uint32_t)v[3], r->sent = (uint32_t)v[4];
    r->published = (int)unzigzag(v[5]);
    r->curated = v[6] != 0;
    for (int i = 0; i < ROW_STRS; i++) {
        const unsigned char *z = memchr(p, '\0', (size_t)(end - p));
        if (!z) return FP_EIO;
        r->s[i] = (const char *)p;
        p = z + 1;
    }
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
        free(v->first), free(v->json);
        v->first = blk;
        v->json = NULL;
        v->fcur = m->curated != 0;
        v->foff = m->off;
        v->fseq = m->seq;
    }
    s->nmentions++;
    return FP_OK;
}

/* Says that mention id's packed fields are not what row_pack wrote: FP_EIO. */
static int damaged(int64_t id)
{
    fp_error("store: mention %lld: its packed fields are damaged", (long long)id);
    return FP_EIO;
}

/* A mention from a row whose columns are MENTION_COLS from column c0 on; FP_EIO (logged) when its BLOB is
 * not one row_pack wrote. Its strings live until the statement steps again. */
static int mention_of_row(sqlite3_stmt *st, int c0, mention *m)
{
    row r;
    if (row_unpack(sqlite3_column_blob(st, c0 + 3), sqlite3_column_bytes(st, c0 + 3), &r))
        return damaged(sqlite3_column_int64(st, c0));
    m->value = r.value;
    m->curated = r.curated;
    m->weight = r.weight;
    m->f[F_QUAL] = r.s[R_QUAL];
    m->exact = !strcmp(r.s[R_QUAL], "exact");
    m->off = r.off;
    m->seq = (uint32_t)(sqlite3_column_int64(st, c0) & ID_MAX);
    m->f[F_SRC] = col(st, c0 + 1);
    m->f[F_RID] = col(st, c0 + 2);
    m->f[F_TEXT] = r.s[R_TEXT];
    m->f[F_RP] = r.s[R_RP];
    m->f[F_METRIC] = r.s[R_METRIC];
    return FP_OK;
}

/* The number of c's key in `cells` as the open transaction sees it, 0 when it is not there: after a
 * rollback, which may have taken the row it had. */
static int cell_lookup(fp_store *s, cell *c)
{
    sqlite3_stmt *st = with_key(s, ST_CELL_ID, &c->k);
    int r = sqlite3_step(st);
    c->num = r == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return r == SQLITE_ROW || r == SQLITE_DONE ? FP_OK : fail(s, "read cell");
}

/* c's number in `cells`, stored now when it has none. */
static int cell_number(fp_store *s, cell *c)
{
    if (c->num) return FP_OK;
    int rc = cell_lookup(s, c);
    if (rc || c->num) return rc;
    if ((rc = done(s, with_key(s, ST_INS_CELL, &c->k)))) return rc;
    c->num = sqlite3_last_insert_rowid(s->db);
    return FP_OK;
}

typedef struct {
    int64_t num;
    cell *c;
} numcell;

static int numcell_cmp(const void *a, const void *b)
{
    int64_t x = ((const numcell *)a)->num, y = ((const numcell *)b)->num;
    return x < y ? -1 : x > y;
}

static int u32_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Builds the cells of ks that are in memory (only those the current apply
 * touched, when touched_only) again from their rows, as the open
 * transaction (if any) sees them: after a retirement took some of their
 * rows, or after a rollback. Each report named in their lists is read once
 * (its rows are one range of ids), whatever the number of cells it shares.
 * A report with no row of a cell left leaves its list; a cell with no
 * report left is gone from memory. On an error the caller marks memory
 * stale. */
static int cells_rebuild(fp_store *s, const keyset *ks, int touched_only)
{
    numcell *cs = NULL;
    uint32_t *all = NULL;
    size_t n = 0, nall = 0, capall = 0;
    int rc = FP_OK;
    if (ks->n && !(cs = malloc(ks->n * sizeof *cs))) return FP_ENOMEM;
    for (size_t i = 0; i < ks->n && !rc; i++) {
        cell *c = celltab_get(&s->cells, &ks->k[i], ks->h[i]);
        if (!c || (touched_only && c->touch != s->gen)) continue;
        if ((rc = cell_lookup(s, c))) break;
        if (nall + c->nrns > capall) {
            size_t cap = (nall + c->nrns) * 2;
            uint32_t *na = realloc(all, cap * sizeof *na);
            if (!na) {
                rc = FP_ENOMEM;
                break;
            }
            all = na, capall = cap;
        }
        uint32_t v = 0;
        for (const unsigned char *p = c->rns, *end = p + c->rlen; rn_next(&p, end, &v);) all[nall++] = v;
        for (size_t j = 0; j < c->nv; j++) {
            s->nmentions -= c->v[j].n;
            free(c->v[j].first), free(c->v[j].json);
        }
        c->nv = 0;
        c->nrns = c->rlen = c->rlast = 0; /* filled again below, in order, with the reports whose rows are found */
        cs[n++] = (numcell){c->num, c};
    }
    if (!rc && nall) {
        qsort(all, nall, sizeof *all, u32_cmp);
        qsort(cs, n, sizeof *cs, numcell_cmp);
    }
    sqlite3_stmt *st = s->st[ST_ROWS_OF];
    for (size_t i = 0; i < nall && !rc; i++) {
        if (i && all[i] == all[i - 1]) continue;
        int64_t rn = all[i];
        st = with_range(s, ST_ROWS_OF, rn);
        sqlite3_bind_int64(st, 3, rn);
        int r;
        while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
            numcell want = {sqlite3_column_int64(st, 0), NULL};
            const numcell *f = want.num ? bsearch(&want, cs, n, sizeof *cs, numcell_cmp) : NULL;
            if (!f) continue; /* a row of another cell */
            mention m;
            rc = mention_of_row(st, 1, &m);
            if (!rc) rc = cell_add(s, f->c, &m);
            if (!rc) rc = cell_push_rn(f->c, (uint32_t)rn);
        }
        if (!rc && r != SQLITE_DONE) rc = fail(s, "read cells");
        sqlite3_reset(st);
    }
    for (size_t i = 0; i < n && !rc; i++) {
        if (cs[i].c->nrns) continue;
        celltab_del(&s->cells, cs[i].c); /* no row of it is left */
        cell_free(cs[i].c);
    }
    free(cs);
    free(all);
    return rc;
}

/* Rebuilds the cells of ks from the rows (cells_rebuild); when that fails,
 * memory is marked stale and rebuilt whole before the next change. */
static void cells_reload(fp_store *s, const keyset *ks, int touched_only)
{
    if (cells_rebuild(s, ks, touched_only)) s->stale = 1;
}

/* After a rollback: the reports retired in the open transaction from
 * s->tret[from] on have their rows back, so their numbers go back into the
 * cells of those rows (made again when gone, added to ks and marked touched
 * by this apply, so the rebuild that follows reads them). */
static void readd_retired(fp_store *s, size_t from, keyset *ks)
{
    for (size_t i = from; i < s->ntret && !s->stale; i++) {
        sqlite3_stmt *st = with_range(s, ST_CELLS_OF, s->tret[i]);
        int r, rc = FP_OK;
        while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
            key k;
            key_set(&k, col(st, 1), sqlite3_column_int(st, 2), col(st, 3), col(st, 4), col(st, 5));
            uint64_t h = key_hash(&k);
            cell *c = cell_get(s, &k, h);
            rc = c ? keyset_add_h(ks, &k, h) : FP_ENOMEM;
            if (!rc) rc = cell_push_rn(c, (uint32_t)s->tret[i]);
            if (c) c->num = sqlite3_column_int64(st, 0), c->touch = s->gen;
        }
        if (rc || r != SQLITE_DONE) s->stale = 1;
        sqlite3_reset(st);
    }
    s->ntret = from;
}

/* Every cell from the rows: at open, and when memory went stale. */
static int cells_load(fp_store *s)
{
    cells_clear(s);
    s->ntret = 0; /* memory is the rows now */
    if (s->group) s->group_load = 1;
    sqlite3_stmt *st;
    /* in id order: a report's rows come together, so a cell notes each report once, in order */
    if (sqlite3_prepare_v2(s->db,
                           "SELECT m.cell, c.rc, c.year, c.indicator, c.series, c.unit, " MENTION_COLS
                           " FROM mentions m JOIN applied a ON a.rn = m.id >> " STR(ID_BITS)
                           " JOIN cells c ON c.id = m.cell ORDER BY m.id",
                           -1, &st, NULL) != SQLITE_OK)
        return fail(s, "load cells");
    int rc = FP_OK, r;
    cell *c = NULL;
    while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t num = sqlite3_column_int64(st, 0);
        if (!c || c->num != num) { /* a report's figures of one cell often come together */
            key k;
            key_set(&k, col(st, 1), sqlite3_column_int(st, 2), col(st, 3), col(st, 4), col(st, 5));
            if (!(c = cell_get(s, &k, key_hash(&k)))) {
                rc = FP_ENOMEM;
                break;
            }
            c->num = num;
        }
        mention m;
        rc = mention_of_row(st, 6, &m);
        if (!rc) rc = cell_add(s, c, &m);
        if (!rc) rc = cell_push_rn(c, (uint32_t)(sqlite3_column_int64(st, 6) >> ID_BITS));
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

/* Makes x's candidate JSON from its first statement (cval.json), unless made already. */
static int cval_json(cval *x)
{
    if (x->json) return FP_OK;
    _Static_assert(F_SRC == 0 && F_RID == 1 && F_TEXT == 2 && F_QUAL == 3, "first's fields in order");
    const char *src = x->first, *rid = src + strlen(src) + 1, *text = rid + strlen(rid) + 1;
    const char *qual = text + strlen(text) + 1;
    fp_buf b = {0};
    int rc = KV(&b, ",\"qualifier\":", qual);
    size_t jq = b.len;
    rc |= KV(&b, ",\"report\":", rid);
    rc |= KV(&b, ",\"source\":", src);
    rc |= KV(&b, ",\"text\":", text);
    rc |= LIT(&b, "}");
    if (rc || b.oom) {
        fp_buf_free(&b);
        return FP_ENOMEM;
    }
    char *j = realloc(b.p, b.len); /* kept for the cell's life: no slack */
    x->json = j ? j : b.p;
    x->jq = jq;
    x->jlen = b.len;
    return FP_OK;
}

/* Builds the cell of key k from memory; t->facts is 0 when it has none.
 * The cost is the cell's distinct values, not its mentions. It runs for
 * every cell a group touched (11 % of a shard's CPU in the profile when
 * it went through snprintf and printf per field): fields are copied,
 * keys appended as literals, and a cell of few values needs no malloc. */
static int cell_of(fp_store *s, const key *k, uint64_t h, fp_total *t)
{
    cell *c = celltab_get(&s->cells, k, h);
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
    for (size_t i = 0; i < cnt; i++)
        if (cval_json(&c->v[i])) {
            if (cnt > FEW) free(v), free(f), free(group);
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
    copy_cut(t->metric, sizeof t->metric, first_field(v[0]->first, F_METRIC));
    t->region_path = strdup(first_field(v[0]->first, F_RP));
    size_t best = fp_cell_choose(f, cnt, group, &ng);
    t->stated = f[best].value;
    for (size_t i = 0; i < cnt; i++) t->facts += v[i]->n;
    t->reports = c->nrns;
    int exact = 0;
    for (size_t i = 0; i < cnt; i++) exact |= group[i] == best && f[i].exact;
    copy_cut(t->status, sizeof t->status, ng > 1 ? "conflict" : exact ? "exact" : "approx");
    /* candidates: the chosen fact first, then the others in statement order, at most 16 */
    enum { SHOWN = 16 };
    size_t order[SHOWN], nf[SHOWN], shown = 0;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < cnt && shown < SHOWN; i++) {
            if (group[i] != i || (pass == 0) != (i == best)) continue;
            nf[shown] = 0;
            for (size_t j = 0; j < cnt; j++)
                if (group[j] == i) nf[shown] += v[j]->n;
            order[shown++] = i;
        }
    /* sized first, then written with memcpy into one exact allocation: appending piece by piece
     * through fp_buf was a fifth of this function */
    static const char chosen[2][16] = {",\"chosen\":false", ",\"chosen\":true"};
    static const char curated[2][17] = {",\"curated\":false", ",\"curated\":true"};
    char val[SHOWN][32], num[SHOWN][24];
    size_t vlen[SHOWN], nlen[SHOWN], need = 3;
    for (size_t k = 0; k < shown; k++) {
        size_t i = order[k], x = nf[k], d = sizeof num[k];
        vlen[k] = (size_t)fp_dec_format(f[i].value, val[k], sizeof val[k]); /* digits, '-', '.': no escapes */
        do num[k][--d] = (char)('0' + x % 10); while (x /= 10);
        nlen[k] = sizeof num[k] - d;
        memmove(num[k], num[k] + d, nlen[k]);
        need += 64 + vlen[k] + nlen[k] + v[i]->jlen;
    }
    char *out = malloc(need), *p = out;
#define PUT(src, n) (memcpy(p, (src), (n)), p += (n))
    if (out) {
        *p++ = '[';
        for (size_t k = 0; k < shown; k++) {
            size_t i = order[k];
            if (k) *p++ = ',';
            PUT("{\"value\":\"", sizeof "{\"value\":\"" - 1);
            PUT(val[k], vlen[k]);
            *p++ = '"';
            PUT(chosen[i == best], strlen(chosen[i == best]));
            PUT(v[i]->json, v[i]->jq);
            PUT(curated[f[i].curated != 0], strlen(curated[f[i].curated != 0]));
            PUT(",\"facts\":", sizeof ",\"facts\":" - 1);
            PUT(num[k], nlen[k]);
            PUT(v[i]->json + v[i]->jq, v[i]->jlen - v[i]->jq);
        }
        *p++ = ']';
        *p = '\0';
    }
#undef PUT
    if (cnt > FEW) free(v), free(f), free(group);
    if (!out || !t->region_path) {
        free(out);
        free(t->region_path);
        t->region_path = NULL;
        return FP_ENOMEM;
    }
    t->candidates = out;
    return FP_OK;
}

static void total_release(fp_total *t)
{
    free(t->region_path);
    free(t->candidates);
}

/* ---- applying ---- */

/* Writes the mentions waiting in s->pend, up to ROWS_MAX in one INSERT. A
 * row already there is an error (a report's figures are told apart in
 * memory first: add_mention), so memory and the rows never differ. OR
 * IGNORE and a count of the rows written, not a plain INSERT that fails:
 * a statement that may fail half way keeps a journal of its own of every
 * page it touches. */
static int rows_flush(fp_store *s)
{
    int rc = FP_OK;
    for (size_t at = 0; at < s->npend && !rc; at += ROWS_MAX) {
        size_t n = s->npend - at < ROWS_MAX ? s->npend - at : ROWS_MAX;
        sqlite3_stmt *st = s->ins[n];
        if (!st) {
            char q[48 + ROWS_MAX * 10];
            size_t len = (size_t)snprintf(q, sizeof q, "INSERT OR IGNORE INTO mentions VALUES(?,?,?,?)");
            for (size_t i = 1; i < n; i++) len += (size_t)snprintf(q + len, sizeof q - len, ",(?,?,?,?)");
            if (sqlite3_prepare_v3(s->db, q, -1, SQLITE_PREPARE_PERSISTENT, &s->ins[n], NULL) != SQLITE_OK)
                return fail(s, "prepare");
            st = s->ins[n];
        }
        for (size_t i = 0; i < n; i++) {
            const struct pending_row *r = &s->pend[at + i];
            int c = (int)i * 4;
            sqlite3_bind_int64(st, c + 1, r->id);
            sqlite3_bind_int64(st, c + 2, r->cell);
            sqlite3_bind_text(st, c + 3, r->source, -1, SQLITE_STATIC);
            sqlite3_bind_blob(st, c + 4, s->pk + r->at, (int)r->len, SQLITE_STATIC);
        }
        rc = done(s, st);
        if (!rc && sqlite3_changes(s->db) != (int)n) {
            fp_error("store: report %lld: %d of %zu figures were there already", (long long)(s->pend[at].id >> ID_BITS),
                     (int)n - sqlite3_changes(s->db), n);
            rc = FP_EIO;
        }
    }
    s->npend = 0;
    s->pklen = 0;
    return rc;
}

/* Adds one mention of report rn (sent: its sentence's place; the
 * sentence's text goes with it unless *stored, which is then set) to the
 * rows waiting for rows_flush, and folds it into its cell in memory,
 * noting the report there. The caller passes each figure (seq) once. */
static int add_mention(fp_store *s, const fp_figure *f, const key *k, uint64_t h, int curated, int64_t rn, int sent,
                       unsigned char *stored)
{
    if (f->seq > ID_MAX) {
        fp_error("report %.12s: figure %u: more than %u figures in one report", f->report_id, f->seq, ID_MAX);
        return FP_EINVAL;
    }
    cell *c = cell_get(s, k, h);
    if (!c) return FP_ENOMEM;
    c->touch = s->gen; /* even half changed: a rollback rebuilds it (and looks its number up again) */
    if (s->npend == s->cappend) {
        size_t cap = s->cappend ? s->cappend * 2 : ROWS_MAX;
        struct pending_row *n = realloc(s->pend, cap * sizeof *n);
        if (!n) return FP_ENOMEM;
        s->pend = n, s->cappend = cap;
    }
    size_t len;
    int rc = cell_number(s, c);
    if (!rc) rc = row_pack(s, f, curated, sent, !*stored, &len);
    if (rc) return rc;
    const char *src = f->source ? f->source : "";
    s->pend[s->npend++] = (struct pending_row){rn << ID_BITS | f->seq, c->num, src, s->pklen, len};
    s->pklen += len;
    *stored = 1;
    mention m = {.value = f->value, .curated = curated, .weight = f->weight, .exact = !strcmp(f->qualifier, "exact"),
                 .off = f->offset, .seq = f->seq};
    m.f[F_SRC] = src, m.f[F_RID] = f->report_id, m.f[F_TEXT] = f->text ? f->text : "";
    m.f[F_QUAL] = f->qualifier, m.f[F_RP] = f->region_path ? f->region_path : "", m.f[F_METRIC] = f->metric;
    rc = cell_add(s, c, &m);
    if (!rc) rc = cell_push_rn(c, (uint32_t)rn);
    if (!rc && s->npend == ROWS_MAX) rc = rows_flush(s);
    return rc;
}

/* The figures (by seq) of one report seen so far: a figure sent twice is one mention. */
typedef struct {
    uint32_t *slot; /* seq + 1; 0 empty */
    size_t cap;     /* a power of two, at least twice the report's figures */
} seqset;

/* 1 when seq was seen already (else notes it); -1 without memory. */
static int seq_seen(seqset *q, size_t figures, uint32_t seq)
{
    if (!q->cap) {
        size_t cap = 64;
        while (cap < figures * 2) cap *= 2;
        if (!(q->slot = calloc(cap, sizeof *q->slot))) return -1;
        q->cap = cap;
    }
    size_t i = (seq * 2654435761u) & (q->cap - 1);
    for (; q->slot[i]; i = (i + 1) & (q->cap - 1))
        if (q->slot[i] == seq + 1) return 1;
    q->slot[i] = seq + 1;
    return 0;
}

/* A report's sentences seen so far, by text: the texts are the figures', alive for the whole
 * apply, so they are pointed to, not copied. */
typedef struct {
    struct sent_slot {
        uint64_t h;
        const char *text; /* NULL: empty */
        int place;
    } *slot;
    size_t cap, n;
    unsigned char *stored; /* by place: 1 once a mention holding the sentence's text is written */
    size_t capstored;
} sentset;

/* Numbers the sentences of a report by first appearance: *sent is figure
 * f's place. *last is the sentence of the figure before, whose place
 * *sent still holds: a sentence's figures come one after another, so most
 * are found there without hashing the sentence. */
static int place_sentence(const fp_figure *f, sentset *seen, int *sent, const char **last)
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
    if (seen->n == seen->capstored) {
        size_t cap = seen->capstored ? seen->capstored * 2 : 64;
        unsigned char *n = realloc(seen->stored, cap);
        if (!n) return FP_ENOMEM;
        seen->stored = n, seen->capstored = cap;
    }
    seen->stored[seen->n] = 0;
    *sent = (int)seen->n++;
    seen->slot[i] = (struct sent_slot){h, text, *sent};
    return FP_OK;
}

/* The number of report id in `applied`; 0 when it is not there. */
static int64_t report_number(fp_store *s, const char *id)
{
    sqlite3_stmt *st = with_text(s, ST_IS_APPLIED, id);
    int64_t rn = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return rn;
}

/* Removes every mention of a superseded report, noting the
 * cells it touched and rebuilding them in memory from the rows left. */
static int retire(fp_store *s, const char *id, keyset *ks)
{
    int64_t rn = report_number(s, id);
    if (!rn) return FP_OK; /* never applied here: nothing of it to remove */
    if (s->ntret == s->captret) {
        size_t cap = s->captret ? s->captret * 2 : 8;
        int64_t *n = realloc(s->tret, cap * sizeof *n);
        if (!n) return FP_ENOMEM;
        s->tret = n, s->captret = cap;
    }
    keyset mine = {0};
    sqlite3_stmt *st = with_range(s, ST_CELLS_OF, rn);
    int rc = FP_OK, r;
    while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
        key k;
        key_set(&k, col(st, 1), sqlite3_column_int(st, 2), col(st, 3), col(st, 4), col(st, 5));
        uint64_t h = key_hash(&k);
        rc = keyset_add_h(ks, &k, h);
        if (!rc) rc = keyset_add_h(&mine, &k, h);
    }
    if (!rc && r != SQLITE_DONE) rc = fail(s, "read a report's cells");
    sqlite3_reset(st);
    if (!rc) rc = done(s, with_range(s, ST_DEL_MENTIONS, rn));
    if (!rc) s->tret[s->ntret++] = rn; /* a rollback brings its rows back: readd_retired */
    for (size_t i = 0; i < mine.n && !rc; i++) {
        cell *c = celltab_get(&s->cells, &mine.k[i], mine.h[i]);
        if (c) c->touch = s->gen;
    }
    if (!rc) rc = cells_rebuild(s, &mine, 0);
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
static int commit_and_send(fp_store *s, keyset *ks, anolist *al, const fp_store_out *out)
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
        if (s->group_load) {
            s->stale = 1; /* rebuilt whole before the next change */
        } else { /* memory follows the rows back */
            readd_retired(s, 0, ks);
            cells_reload(s, ks, 0);
        }
        s->ntret = 0;
    } else {
        s->ntret = 0;
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
    s->gen++; /* what this apply touches is marked with it (cell.touch) */
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
    size_t al0 = al->n, tret0 = s->ntret;
    int rc = s->group ? done(s, s->st[ST_SAVEPOINT])
                      : sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK ? FP_OK
                                                                                          : fail(s, "begin");
    if (!rc && revive) rc = done(s, with_text(s, ST_DEL_RETIRED, end->report_id));
    if (!rc && !rn) { /* recorded as applied first: its rows are numbered after it */
        rn = s->next_rn++; /* not handed out again, even when this rolls back (cell.rns) */
        sqlite3_stmt *st = with_text(s, ST_INS_APPLIED, end->report_id);
        sqlite3_bind_text(st, 2, end->source ? end->source : "", -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, rn);
        rc = done(s, st);
    }
    /* A revision newer than this report may have arrived first: then this one only records that it was seen. */
    int retired = !rc && exists(s, ST_IS_RETIRED, end->report_id);
    sentset sentences = {0};
    seqset seqs = {0};
    int sent = 0;
    const char *last = NULL;
    for (size_t i = 0; i < n && !rc && !retired; i++) {
        const fp_figure *f = &figs[i];
        key k;
        key_set(&k, f->region_code, f->year, f->indicator[0] ? f->indicator : "other:", f->series, f->unit);
        uint64_t h = key_hash(&k);
        rc = keyset_add_h(ks, &k, h);
        if (!rc) rc = place_sentence(f, &sentences, &sent, &last);
        int dup = rc ? 0 : f->seq > ID_MAX ? 0 : seq_seen(&seqs, n, f->seq);
        if (dup < 0) rc = FP_ENOMEM;
        if (!rc && !dup) rc = add_mention(s, f, &k, h, end->curated, rn, sent, &sentences.stored[sent]);
    }
    if (!rc) rc = rows_flush(s);
    s->npend = 0, s->pklen = 0; /* nothing of a failed report waits */
    free(sentences.slot);
    free(sentences.stored);
    free(seqs.slot);
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
            /* memory follows the rows back: a report this one retired is put back; the cells it
             * touched stay in the group's set: sending them again unchanged is harmless */
            readd_retired(s, tret0, ks);
            cells_reload(s, ks, 1);
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
        readd_retired(s, 0, ks);
        cells_reload(s, ks, 0);
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

/* Sets *text to a copy of the text of sentence `sent` of report rn, from
 * the mention that holds it (the first one of the sentence written), or
 * to NULL when none holds it (its text was ""). */
static int sentence_of(fp_store *s, int64_t rn, uint32_t sent, char **text)
{
    *text = NULL;
    sqlite3_stmt *st = with_range(s, ST_ROWS_OF, rn);
    sqlite3_bind_int64(st, 3, rn);
    int r, rc = FP_OK;
    while (!rc && !*text && (r = sqlite3_step(st)) == SQLITE_ROW) {
        row w;
        if (row_unpack(sqlite3_column_blob(st, 4), sqlite3_column_bytes(st, 4), &w))
            rc = damaged(sqlite3_column_int64(st, 1));
        else if (w.sent == sent && w.s[R_SENT][0] && !(*text = strdup(w.s[R_SENT]))) rc = FP_ENOMEM;
    }
    if (!rc && !*text && r != SQLITE_DONE) rc = fail(s, "facts: a sentence");
    sqlite3_reset(st);
    return rc;
}

int fp_store_facts(fp_store *s, const char *rc, int year, const char *indicator, const char *series, const char *unit,
                   fp_buf *out)
{
    if (s->stale && cells_load(s)) return FP_EIO;
    /* The cells asked for are found in memory (no index by cell on disk), their rows among their reports'. */
    fact_ref *refs = NULL;
    size_t n = 0, cap = 0;
    int r = FP_OK;
    for (size_t i = 0; i < s->cells.cap && !r; i++) {
        const cell *c = s->cells.c[i];
        if (!c || !c->nv || c->k.year != year || strcmp(c->k.rc, rc) || strcmp(c->k.indicator, indicator) ||
            (series[0] && strcmp(c->k.series, series)) || (unit[0] && strcmp(c->k.unit, unit)))
            continue;
        uint32_t rn = 0;
        for (const unsigned char *p = c->rns, *end = p + c->rlen; !r && rn_next(&p, end, &rn);) {
            sqlite3_stmt *st = with_range(s, ST_ROWS_OF, rn);
            sqlite3_bind_int64(st, 3, rn);
            int sr;
            while (!r && (sr = sqlite3_step(st)) == SQLITE_ROW) {
                row w;
                if (sqlite3_column_int64(st, 0) != c->num) continue;
                if (row_unpack(sqlite3_column_blob(st, 4), sqlite3_column_bytes(st, 4), &w)) {
                    r = damaged(sqlite3_column_int64(st, 1));
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
                refs[n] = (fact_ref){.c = c, .id = sqlite3_column_int64(st, 1), .off = w.off,
                                     .source = strdup(col(st, 2))};
                if (!refs[n].source) r = FP_ENOMEM;
                else n++;
            }
            if (!r && sr != SQLITE_DONE) r = fail(s, "facts");
            sqlite3_reset(st);
        }
    }
    if (n) qsort(refs, n, sizeof *refs, fact_cmp);
    if (!r) r = fp_buf_puts(out, "[");
    /* which value each (series, unit) cell states: computed once per cell */
    const cell *cur = NULL;
    fp_dec stated = 0;
    size_t shown = 0;
    sqlite3_stmt *st = s->st[ST_FACT_OF];
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
        row w;
        if (sqlite3_step(st) != SQLITE_ROW || row_unpack(sqlite3_column_blob(st, 2), sqlite3_column_bytes(st, 2), &w)) {
            r = fail(s, "facts");
            break;
        }
        char *held = NULL; /* the sentence's text from the mention that holds it, when not this one */
        if (!w.s[R_SENT][0] && (r = sentence_of(s, refs[i].id >> ID_BITS, w.sent, &held))) break;
        const char *sentence = held ? held : w.s[R_SENT];
        char val[32];
        fp_dec_format(w.value, val, sizeof val);
        const key *k = &refs[i].c->k;
        r |= fp_buf_puts(out, shown++ ? ",{" : "{");
        r |= fp_json_kv(out, "report", col(st, 0), 1);
        r |= fp_json_kv(out, "source", col(st, 1), 0);
        r |= fp_json_kv(out, "text", w.s[R_TEXT], 0);
        r |= fp_json_kv(out, "value", val, 0);
        r |= fp_json_kv(out, "unit", k->unit, 0);
        r |= fp_json_kv(out, "qualifier", w.s[R_QUAL], 0);
        r |= fp_json_kv(out, "relation", w.s[R_RELATION], 0);
        r |= fp_json_kv(out, "label", w.s[R_LABEL], 0);
        r |= fp_json_kv(out, "sentence", sentence, 0);
        r |= fp_json_kv(out, "series", k->series, 0);
        r |= fp_json_kv(out, "indicator", k->indicator, 0);
        r |= fp_buf_printf(out, ",\"offset\":%lld,\"length\":%lld,\"stated\":%s,\"published\":", (long long)w.off,
                           (long long)w.len, w.value == stated ? "true" : "false");
        r |= w.published ? fp_buf_printf(out, "%d}", w.published) : fp_buf_puts(out, "null}");
        free(held);
    }
    sqlite3_reset(st);
    if (!r) r = fp_buf_puts(out, "]");
    for (size_t i = 0; i < n; i++) free(refs[i].source);
    free(refs);
    return r ? (r == FP_EIO ? FP_EIO : FP_ENOMEM) : FP_OK;
}
