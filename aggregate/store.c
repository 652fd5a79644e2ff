#include "store.h"
#include "fp_err.h"
#include "fp_log.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

struct fp_store {
    sqlite3 *db;
    uint32_t shard;
    uint64_t seq;
    sqlite3_stmt *is_applied, *is_retired, *ins_mention, *ins_applied, *ins_retired, *keys_of, *del_of, *total,
        *reports, *path_of, *all_keys, *set_seq;
};

static const char *schema =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=FULL;"
    "CREATE TABLE IF NOT EXISTS applied(report_id TEXT PRIMARY KEY, source TEXT);"
    "CREATE TABLE IF NOT EXISTS retired(report_id TEXT PRIMARY KEY);"
    "CREATE TABLE IF NOT EXISTS mentions(report_id TEXT, seq INTEGER, rc TEXT, rp TEXT, year INTEGER,"
    " metric TEXT, unit TEXT, value INTEGER, relation TEXT, qualifier TEXT, counter TEXT, text TEXT, label TEXT,"
    " sentence TEXT, off INTEGER, len INTEGER, source TEXT, PRIMARY KEY(report_id, seq));"
    "CREATE INDEX IF NOT EXISTS mentions_key ON mentions(rc, year, metric, unit);"
    "CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v INTEGER);";

#define ADDITIVE_SQL "('CNY','person','person_time','household','mu','head','km','kW','kWh','kg','sqm','count')"

int fp_unit_additive(const char *unit)
{
    static const char *add[] = {"CNY", "person", "person_time", "household", "mu", "head",
                                "km",  "kW",     "kWh",         "kg",        "sqm", "count"};
    for (size_t i = 0; i < sizeof add / sizeof add[0]; i++)
        if (!strcmp(unit, add[i])) return 1;
    return 0;
}

/* The additive facts of one key: distinct values stated as a total and never as a part. */
#define FACTS_SQL                                                                                          \
    "SELECT value FROM mentions WHERE rc=?1 AND year=?2 AND metric=?3 AND unit=?4 AND unit IN " ADDITIVE_SQL \
    " GROUP BY value HAVING SUM(relation='total')>0 AND SUM(relation='part')=0"

static int prep(fp_store *s, sqlite3_stmt **st, const char *sql)
{
    if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK) {
        fp_error("store: %s", sqlite3_errmsg(s->db));
        return FP_EIO;
    }
    return FP_OK;
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
    sqlite3_busy_timeout(s->db, 5000);
    if (!rc) rc = prep(s, &s->is_applied, "SELECT 1 FROM applied WHERE report_id=?1");
    if (!rc) rc = prep(s, &s->is_retired, "SELECT 1 FROM retired WHERE report_id=?1");
    if (!rc)
        rc = prep(s, &s->ins_mention,
                  "INSERT OR REPLACE INTO mentions VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17)");
    if (!rc) rc = prep(s, &s->ins_applied, "INSERT OR IGNORE INTO applied VALUES(?1,?2)");
    if (!rc) rc = prep(s, &s->ins_retired, "INSERT OR IGNORE INTO retired VALUES(?1)");
    if (!rc) rc = prep(s, &s->keys_of, "SELECT DISTINCT rc, year, metric, unit FROM mentions WHERE report_id=?1");
    if (!rc) rc = prep(s, &s->del_of, "DELETE FROM mentions WHERE report_id=?1");
    if (!rc) rc = prep(s, &s->total, "SELECT COUNT(*), TOTAL(value), SUM(value) FROM (" FACTS_SQL ")");
    if (!rc)
        rc = prep(s, &s->reports,
                  "SELECT COUNT(DISTINCT report_id) FROM mentions WHERE rc=?1 AND year=?2 AND metric=?3 AND unit=?4"
                  " AND relation='total' AND value IN (" FACTS_SQL ")");
    if (!rc) rc = prep(s, &s->path_of, "SELECT rp FROM mentions WHERE rc=?1 LIMIT 1");
    if (!rc) rc = prep(s, &s->all_keys, "SELECT DISTINCT rc, year, metric, unit FROM mentions WHERE unit IN " ADDITIVE_SQL);
    if (!rc) rc = prep(s, &s->set_seq, "INSERT OR REPLACE INTO meta VALUES('seq', ?1)");
    if (!rc) {
        sqlite3_stmt *st;
        if (prep(s, &st, "SELECT v FROM meta WHERE k='seq'") == FP_OK) {
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
    sqlite3_stmt *all[] = {s->is_applied, s->is_retired, s->ins_mention, s->ins_applied, s->ins_retired, s->keys_of,
                           s->del_of,     s->total,      s->reports,     s->path_of,     s->all_keys,    s->set_seq};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) sqlite3_finalize(all[i]);
    sqlite3_close(s->db);
    free(s);
}

static int exists(sqlite3_stmt *st, const char *id)
{
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int r = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_reset(st);
    return r;
}

static int step_done(fp_store *s, sqlite3_stmt *st)
{
    int r = sqlite3_step(st);
    sqlite3_reset(st);
    if (r != SQLITE_DONE) {
        fp_error("store: %s", sqlite3_errmsg(s->db));
        return FP_EIO;
    }
    return FP_OK;
}

typedef struct {
    char rc[16];
    int year;
    char metric[24], unit[16];
} key;

typedef struct {
    key *k;
    size_t n, cap;
} keyset;

static int keyset_add(keyset *ks, const char *rc, int year, const char *metric, const char *unit)
{
    for (size_t i = 0; i < ks->n; i++)
        if (ks->k[i].year == year && !strcmp(ks->k[i].rc, rc) && !strcmp(ks->k[i].metric, metric) &&
            !strcmp(ks->k[i].unit, unit))
            return FP_OK;
    if (ks->n == ks->cap) {
        size_t cap = ks->cap ? ks->cap * 2 : 16;
        key *nk = realloc(ks->k, cap * sizeof *nk);
        if (!nk) return FP_ENOMEM;
        ks->k = nk;
        ks->cap = cap;
    }
    key *k = &ks->k[ks->n++];
    snprintf(k->rc, sizeof k->rc, "%s", rc);
    k->year = year;
    snprintf(k->metric, sizeof k->metric, "%s", metric);
    snprintf(k->unit, sizeof k->unit, "%s", unit);
    return FP_OK;
}

static int compute(fp_store *s, const key *k, fp_total *t, char **path)
{
    memset(t, 0, sizeof *t);
    t->shard = s->shard;
    snprintf(t->region_code, sizeof t->region_code, "%s", k->rc);
    t->year = k->year;
    snprintf(t->metric, sizeof t->metric, "%s", k->metric);
    snprintf(t->unit, sizeof t->unit, "%s", k->unit);
    sqlite3_stmt *sts[] = {s->total, s->reports};
    for (int i = 0; i < 2; i++) {
        sqlite3_stmt *st = sts[i];
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, k->rc, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, k->year);
        sqlite3_bind_text(st, 3, k->metric, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, k->unit, -1, SQLITE_STATIC);
        int r = sqlite3_step(st);
        if (r != SQLITE_ROW) {
            fp_error("store: %s", sqlite3_errmsg(s->db));
            sqlite3_reset(st);
            return FP_EIO;
        }
        if (i == 0) {
            t->facts = (uint32_t)sqlite3_column_int64(st, 0);
            t->own = sqlite3_column_int64(st, 2); /* SUM() raises on overflow rather than wrap */
        } else {
            t->reports = (uint32_t)sqlite3_column_int64(st, 0);
        }
        sqlite3_reset(st);
    }
    sqlite3_reset(s->path_of);
    sqlite3_bind_text(s->path_of, 1, k->rc, -1, SQLITE_STATIC);
    *path = NULL;
    if (sqlite3_step(s->path_of) == SQLITE_ROW) {
        const char *p = (const char *)sqlite3_column_text(s->path_of, 0);
        *path = strdup(p ? p : "");
    }
    sqlite3_reset(s->path_of);
    if (!*path) return FP_ENOMEM;
    t->region_path = *path;
    return FP_OK;
}

static int collect_keys_of(fp_store *s, const char *id, keyset *ks)
{
    sqlite3_reset(s->keys_of);
    sqlite3_bind_text(s->keys_of, 1, id, -1, SQLITE_STATIC);
    int rc = FP_OK;
    while (!rc && sqlite3_step(s->keys_of) == SQLITE_ROW)
        rc = keyset_add(ks, (const char *)sqlite3_column_text(s->keys_of, 0), sqlite3_column_int(s->keys_of, 1),
                        (const char *)sqlite3_column_text(s->keys_of, 2),
                        (const char *)sqlite3_column_text(s->keys_of, 3));
    sqlite3_reset(s->keys_of);
    return rc;
}

static int insert_mention(fp_store *s, const fp_figure *f)
{
    sqlite3_stmt *st = s->ins_mention;
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, f->report_id, -1, SQLITE_STATIC);
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
    return step_done(s, st);
}

int fp_store_apply(fp_store *s, const fp_end *end, const fp_figure *figs, size_t n, int *fresh, fp_total_cb cb,
                   void *ud)
{
    *fresh = 0;
    if (exists(s->is_applied, end->report_id)) return FP_OK;
    keyset ks = {0};
    int rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK ? FP_OK : FP_EIO;
    /* A revision newer than this report may have arrived first: then this one only records that it was seen. */
    int retired = !rc && exists(s->is_retired, end->report_id);
    for (size_t i = 0; i < n && !rc && !retired; i++) {
        rc = insert_mention(s, &figs[i]);
        if (!rc) rc = keyset_add(&ks, figs[i].region_code, figs[i].year, figs[i].metric, figs[i].unit);
    }
    if (!rc && end->supersedes[0]) {
        sqlite3_bind_text(s->ins_retired, 1, end->supersedes, -1, SQLITE_STATIC);
        rc = step_done(s, s->ins_retired);
        if (!rc) rc = collect_keys_of(s, end->supersedes, &ks);
        if (!rc) {
            sqlite3_bind_text(s->del_of, 1, end->supersedes, -1, SQLITE_STATIC);
            rc = step_done(s, s->del_of);
        }
    }
    if (!rc) {
        sqlite3_bind_text(s->ins_applied, 1, end->report_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(s->ins_applied, 2, end->source ? end->source : "", -1, SQLITE_STATIC);
        rc = step_done(s, s->ins_applied);
    }
    uint64_t seq0 = s->seq;
    if (!rc) {
        sqlite3_bind_int64(s->set_seq, 1, (sqlite3_int64)(seq0 + ks.n));
        rc = step_done(s, s->set_seq);
    }
    if (!rc && sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        fp_error("store: commit failed: %s", sqlite3_errmsg(s->db));
        rc = FP_EIO;
    }
    if (rc) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        free(ks.k);
        return rc;
    }
    *fresh = 1;
    s->seq = seq0 + ks.n;
    for (size_t i = 0; i < ks.n && !rc; i++) {
        fp_total t;
        char *path;
        rc = compute(s, &ks.k[i], &t, &path);
        if (!rc) {
            t.seq = seq0 + i + 1;
            if (cb) rc = cb(&t, ud);
            free(path);
        }
    }
    free(ks.k);
    return rc;
}

int fp_store_snapshot(fp_store *s, fp_total_cb cb, void *ud, uint64_t *seq)
{
    keyset ks = {0};
    int rc = FP_OK;
    sqlite3_reset(s->all_keys);
    while (!rc && sqlite3_step(s->all_keys) == SQLITE_ROW)
        rc = keyset_add(&ks, (const char *)sqlite3_column_text(s->all_keys, 0), sqlite3_column_int(s->all_keys, 1),
                        (const char *)sqlite3_column_text(s->all_keys, 2),
                        (const char *)sqlite3_column_text(s->all_keys, 3));
    sqlite3_reset(s->all_keys);
    *seq = s->seq;
    for (size_t i = 0; i < ks.n && !rc; i++) {
        fp_total t;
        char *path;
        rc = compute(s, &ks.k[i], &t, &path);
        if (!rc) {
            t.seq = s->seq;
            if (t.facts) rc = cb(&t, ud);
            free(path);
        }
    }
    free(ks.k);
    return rc;
}

int fp_store_each_applied(fp_store *s, int (*cb)(const char *id, void *ud), void *ud)
{
    sqlite3_stmt *st;
    int rc = prep(s, &st, "SELECT report_id FROM applied");
    while (!rc && sqlite3_step(st) == SQLITE_ROW) rc = cb((const char *)sqlite3_column_text(st, 0), ud);
    sqlite3_finalize(st);
    return rc;
}

int fp_store_counts(fp_store *s, long long *reports, long long *mentions)
{
    sqlite3_stmt *st;
    int rc = prep(s, &st, "SELECT (SELECT COUNT(*) FROM applied), (SELECT COUNT(*) FROM mentions)");
    if (!rc && sqlite3_step(st) == SQLITE_ROW) {
        *reports = sqlite3_column_int64(st, 0);
        *mentions = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    return rc;
}
