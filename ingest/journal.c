#include "journal.h"
#include "fp_encoding.h"
#include "fp_err.h"
#include "fp_log.h"

#include <sqlite3.h>
#include <uv.h>
#include <stdlib.h>
#include <string.h>

/* The cached statements (see cached()). */
enum { C_SOURCE, C_KNOWN, C_INSERT, C_SET_SOURCE, C_LATE, C_FRESH, C_SENT, C_OUT, C_TEXT, C_NOSYNC, C_SYNC, C_WAITING,
       C_BEGIN_IMM, C_BEGIN, C_COMMIT, C_ROLLBACK, C_TAKEN, C_PENDING, C_LATE_PROBE, C_N };

struct fp_journal {
    sqlite3 *db;
    uint32_t nshards;
    sqlite3_stmt *ack;      /* prepared once: one per acknowledgement */
    sqlite3_stmt *c[C_N];   /* the statements of every take and every send, prepared once (cached) */
    char epoch[62][17];     /* each shard's identity as recorded, once read or written ("" unknown) */
    int batch;              /* inside fp_journal_begin .. fp_journal_commit */
    /* counted once, then kept by the writes that change them (-1: count again): a status request every
     * 50 ms counted the whole table twice */
    long long taken, dead, pending;
    long long batch_done; /* reports the open batch of acknowledgements completed */
};

static const char *schema =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=FULL;"
    "CREATE TABLE IF NOT EXISTS reports(id TEXT PRIMARY KEY, source TEXT, encoding TEXT, text BLOB,"
    " supersedes TEXT, acks INTEGER DEFAULT 0, done INTEGER DEFAULT 0, sent_ms INTEGER DEFAULT 0,"
    " sends INTEGER DEFAULT 0, taken_at TEXT DEFAULT CURRENT_TIMESTAMP, taken_ms INTEGER DEFAULT 0,"
    " year_hint INTEGER DEFAULT 0, dead INTEGER DEFAULT 0, size INTEGER);"
    "CREATE INDEX IF NOT EXISTS reports_pending ON reports(done, sent_ms);"
    "CREATE TABLE IF NOT EXISTS sources(source TEXT PRIMARY KEY, id TEXT);"
    "CREATE TABLE IF NOT EXISTS shard_epochs(shard INTEGER PRIMARY KEY, epoch TEXT);"
    /* A report's text lives apart from its row: SQLite rewrites a whole row, overflow pages and all, on every
     * UPDATE that changes its size (sent_ms 0 -> a time, acks, done), so with the text inline each report's
     * text was written three times to the WAL and again at each checkpoint. Journals written before keep
     * their texts in reports.text; new rows leave it NULL. */
    "CREATE TABLE IF NOT EXISTS texts(id TEXT PRIMARY KEY, text BLOB);";

static sqlite3_int64 wall_ms(void)
{
    uv_timeval64_t tv;
    return uv_gettimeofday(&tv) == 0 ? (sqlite3_int64)tv.tv_sec * 1000 + tv.tv_usec / 1000 : 0;
}

static int fail(fp_journal *j, const char *what)
{
    fp_error("journal: %s: %s", what, sqlite3_errmsg(j->db));
    return FP_EIO;
}

int fp_journal_open(fp_journal **out, const char *path, uint32_t nshards)
{
    if (nshards == 0 || nshards > 62) {
        fp_error("journal: shard count %u out of range 1..62", nshards);
        return FP_EINVAL;
    }
    fp_journal *j = calloc(1, sizeof *j);
    if (!j) return FP_ENOMEM;
    j->nshards = nshards;
    j->taken = j->dead = j->pending = -1;
    char *err = NULL;
    if (sqlite3_open(path, &j->db) != SQLITE_OK || sqlite3_exec(j->db, schema, NULL, NULL, &err) != SQLITE_OK) {
        fp_error("cannot open journal %s: %s", path, err ? err : sqlite3_errmsg(j->db));
        sqlite3_free(err);
        fp_journal_close(j);
        return FP_EIO;
    }
    sqlite3_busy_timeout(j->db, 5000);
    /* A journal written before reports had a year hint gains the column. */
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(j->db, "SELECT year_hint FROM reports LIMIT 0", -1, &st, NULL) != SQLITE_OK &&
        sqlite3_exec(j->db, "ALTER TABLE reports ADD COLUMN year_hint INTEGER DEFAULT 0", NULL, NULL, NULL) !=
            SQLITE_OK) {
        sqlite3_finalize(st);
        int rc = fail(j, "add year_hint");
        fp_journal_close(j);
        return rc;
    }
    sqlite3_finalize(st);
    /* and before texts had their own table, a report's size (the re-send wait grows with it): reading
     * length() of a text in another table would read the whole text */
    st = NULL;
    if (sqlite3_prepare_v2(j->db, "SELECT size FROM reports LIMIT 0", -1, &st, NULL) != SQLITE_OK &&
        sqlite3_exec(j->db, "ALTER TABLE reports ADD COLUMN size INTEGER", NULL, NULL, NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        int rc = fail(j, "add size");
        fp_journal_close(j);
        return rc;
    }
    sqlite3_finalize(st);
    /* and before dead letters, the shards that dead-lettered a report */
    st = NULL;
    if (sqlite3_prepare_v2(j->db, "SELECT dead FROM reports LIMIT 0", -1, &st, NULL) != SQLITE_OK &&
        sqlite3_exec(j->db, "ALTER TABLE reports ADD COLUMN dead INTEGER DEFAULT 0", NULL, NULL, NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        int rc = fail(j, "add dead");
        fp_journal_close(j);
        return rc;
    }
    sqlite3_finalize(st);
    *out = j;
    return FP_OK;
}

void fp_journal_close(fp_journal *j)
{
    if (!j) return;
    if (j->batch) sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_finalize(j->ack);
    for (size_t i = 0; i < sizeof j->c / sizeof j->c[0]; i++) sqlite3_finalize(j->c[i]);
    sqlite3_close(j->db);
    free(j);
}

/* Statement `which` (sql), prepared the first time, reset and unbound after;
 * NULL when it cannot be prepared. The caller resets it when done. */
static sqlite3_stmt *cached(fp_journal *j, int which, const char *sql)
{
    sqlite3_stmt **st = &j->c[which];
    if (*st) {
        sqlite3_reset(*st);
        sqlite3_clear_bindings(*st);
    } else if (sqlite3_prepare_v2(j->db, sql, -1, st, NULL) != SQLITE_OK) {
        *st = NULL;
    }
    return *st;
}

/* BEGIN, COMMIT and ROLLBACK as cached statements: sqlite3_exec parses its SQL at every call, and a
 * report's take and send run several. */
static int tx(fp_journal *j, int which)
{
    static const char *const sql[] = {[C_BEGIN_IMM] = "BEGIN IMMEDIATE", [C_BEGIN] = "BEGIN", [C_COMMIT] = "COMMIT",
                                      [C_ROLLBACK] = "ROLLBACK"};
    sqlite3_stmt *st = cached(j, which, sql[which]);
    if (!st) return SQLITE_ERROR;
    int r = sqlite3_step(st);
    sqlite3_reset(st);
    return r == SQLITE_DONE ? SQLITE_OK : r;
}

/* The content a source last had, into cur; 0 when the source is new. */
static int source_current(fp_journal *j, const char *source, char cur[FP_ID_HEX + 1])
{
    cur[0] = '\0';
    sqlite3_stmt *st = cached(j, C_SOURCE, "SELECT id FROM sources WHERE source=?1");
    if (!st) return 0;
    sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC);
    int found = sqlite3_step(st) == SQLITE_ROW;
    if (found) snprintf(cur, FP_ID_HEX + 1, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    return found;
}

static int run(fp_journal *j, sqlite3_stmt *st, const char *what)
{
    int r = st ? sqlite3_step(st) : SQLITE_ERROR;
    sqlite3_finalize(st);
    return r == SQLITE_DONE ? FP_OK : fail(j, what);
}

/* run, for a cached statement: reset, not finalized. */
static int run_cached(fp_journal *j, sqlite3_stmt *st, const char *what)
{
    int r = st ? sqlite3_step(st) : SQLITE_ERROR;
    if (st) sqlite3_reset(st);
    return r == SQLITE_DONE ? FP_OK : fail(j, what);
}

/* 1 when a report taken now may go out at once: fewer than window are out unacknowledged (0: no limit)
 * and none taken before it waits unsent (they go first, in order, through fp_journal_due). */
static int may_send_now(fp_journal *j, size_t window)
{
    sqlite3_stmt *w = cached(j, C_WAITING, "SELECT 1 FROM reports WHERE done=0 AND sent_ms = 0 LIMIT 1");
    if (!w) return 0;
    int waiting = sqlite3_step(w) != SQLITE_DONE; /* a row, or an error: not now */
    sqlite3_reset(w);
    if (waiting || window == 0) return !waiting;
    sqlite3_stmt *cnt = cached(j, C_OUT, "SELECT COUNT(*) FROM reports WHERE done=0 AND sent_ms > 0");
    if (!cnt) return 0;
    long long out = sqlite3_step(cnt) == SQLITE_ROW ? sqlite3_column_int64(cnt, 0) : (long long)window;
    sqlite3_reset(cnt);
    return out >= 0 && (size_t)out < window;
}

int fp_journal_take(fp_journal *j, const char *source, const char *encoding, int year_hint, const char *text,
                    size_t len, char id[FP_ID_HEX + 1], char supersedes[FP_ID_HEX + 1], enum fp_take *what)
{
    return fp_journal_take_send(j, source, encoding, year_hint, text, len, 0, 0, id, supersedes, what, NULL, NULL);
}

int fp_journal_take_send(fp_journal *j, const char *source, const char *encoding, int year_hint, const char *text,
                         size_t len, size_t window, uint64_t now_ms, char id[FP_ID_HEX + 1],
                         char supersedes[FP_ID_HEX + 1], enum fp_take *what, int *send, uint64_t *taken_ms)
{
    fp_content_id(text, len, id);
    supersedes[0] = '\0';
    if (send) *send = 0;
    sqlite3_stmt *st = NULL;
    if (tx(j, C_BEGIN_IMM) != SQLITE_OK) return fail(j, "begin");
    int rc = FP_OK;
    if (!(st = cached(j, C_KNOWN, "SELECT source = ?2 FROM reports WHERE id=?1"))) {
        rc = fail(j, "take");
        tx(j, C_ROLLBACK);
        return rc;
    }
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, source, -1, SQLITE_STATIC);
    int known = sqlite3_step(st) == SQLITE_ROW;
    int known_here = known && sqlite3_column_int(st, 0); /* taken before under this same source */
    sqlite3_reset(st);
    char cur[FP_ID_HEX + 1];
    int has_source = source_current(j, source, cur);
    /* New content of a known source is a revision; so is content this source
     * had before and has moved on from since (a revision back). Content first
     * taken under another source is that report, unchanged. */
    *what = has_source && strcmp(cur, id) && (!known || known_here) ? FP_TAKE_REVISION
            : known                                                 ? FP_TAKE_SAME
                                                                    : FP_TAKE_NEW;
    if (*what == FP_TAKE_REVISION) snprintf(supersedes, FP_ID_HEX + 1, "%s", cur);
    if (known && *what == FP_TAKE_REVISION) {
        sqlite3_prepare_v2(j->db, "UPDATE reports SET supersedes=?2, done=0, acks=0, sent_ms=0, taken_ms=?3 WHERE id=?1",
                           -1, &st, NULL);
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, supersedes, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, wall_ms());
        rc = run(j, st, "revise");
    } else if (!known) {
        /* sent at once (marked so in this same transaction, which saves one of its own per report) when
         * nothing else waits for the window */
        int now = now_ms && send && may_send_now(j, window);
        sqlite3_int64 taken = wall_ms();
        st = cached(j, C_INSERT,
                    "INSERT INTO reports(id, source, encoding, supersedes, taken_ms, year_hint, size, sent_ms, sends)"
                    " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9)");
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, source, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, encoding, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, supersedes, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, taken);
        sqlite3_bind_int(st, 6, year_hint);
        sqlite3_bind_int64(st, 7, (sqlite3_int64)len);
        sqlite3_bind_int64(st, 8, now ? (sqlite3_int64)now_ms : 0);
        sqlite3_bind_int(st, 9, now);
        rc = run_cached(j, st, "insert");
        if (!rc && now) {
            *send = 1;
            if (taken_ms) *taken_ms = (uint64_t)taken;
        }
        if (!rc) {
            st = cached(j, C_TEXT, "INSERT OR REPLACE INTO texts(id, text) VALUES(?1,?2)");
            sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
            sqlite3_bind_blob(st, 2, text, (int)len, SQLITE_STATIC);
            rc = run_cached(j, st, "insert text");
        }
    }
    if (!rc && *what != FP_TAKE_SAME) {
        st = cached(j, C_SET_SOURCE, "INSERT OR REPLACE INTO sources VALUES(?1,?2)");
        sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
        rc = run_cached(j, st, "source");
    }
    if (tx(j, rc ? C_ROLLBACK : C_COMMIT) != SQLITE_OK && !rc) {
        rc = fail(j, "commit");
        tx(j, C_ROLLBACK); /* a failed COMMIT can leave the transaction open */
    }
    if (rc && send) *send = 0;
    if (!rc && !known && j->taken >= 0) j->taken++;
    if (!rc && !known && j->pending >= 0) j->pending++;
    if (!rc && known && *what == FP_TAKE_REVISION) j->pending = -1; /* it may have been done: count again */
    return rc;
}

int fp_journal_ack(fp_journal *j, const char *id, uint32_t shard, int dead, int *done)
{
    *done = 0;
    if (shard >= j->nshards) return FP_EINVAL;
    long long all = (1LL << j->nshards) - 1;
    if (!j->ack && sqlite3_prepare_v2(j->db,
                                      "UPDATE reports SET acks = acks | ?2, done = ((acks | ?2) = ?3),"
                                      " dead = dead | ?4 WHERE id=?1 AND done=0 RETURNING done",
                                      -1, &j->ack, NULL) != SQLITE_OK)
        return fail(j, "ack");
    sqlite3_stmt *st = j->ack;
    if (dead) j->dead = -1; /* counted again when next asked (dead letters are rare) */
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, 1LL << shard);
    sqlite3_bind_int64(st, 3, all);
    sqlite3_bind_int64(st, 4, dead ? 1LL << shard : 0);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        *done = sqlite3_column_int(st, 0);
        r = sqlite3_step(st);
    }
    sqlite3_reset(st);
    if (r != SQLITE_DONE) {
        *done = 0;
        j->pending = -1;
        return fail(j, "ack");
    }
    /* one pending fewer, once the batch it is in commits */
    if (*done && j->batch) j->batch_done++;
    else if (*done && j->pending >= 0) j->pending--;
    return FP_OK;
}

/* PRAGMA synchronous: NORMAL (0) for commits whose loss a restart repairs, else FULL. */
static int synchronous(fp_journal *j, int full)
{
    sqlite3_stmt *st = full ? cached(j, C_SYNC, "PRAGMA synchronous=FULL") : cached(j, C_NOSYNC, "PRAGMA synchronous=NORMAL");
    return run_cached(j, st, "synchronous");
}

int fp_journal_begin(fp_journal *j)
{
    if (j->batch) return FP_OK;
    /* Acknowledgements commit without an fsync (one per shard group commit was about as many as the takes'
     * own, and half of ingest's CPU time was the kernel's). Lost to a crash of the machine (not of ingest:
     * the WAL is in the page cache), their reports are pending again and re-sent, and the shards, which
     * applied them, acknowledge them again. The next FULL commit (a take) makes them durable with its own. */
    if (synchronous(j, 0)) return FP_EIO;
    if (tx(j, C_BEGIN_IMM) != SQLITE_OK) {
        int rc = fail(j, "begin");
        synchronous(j, 1);
        return rc;
    }
    j->batch = 1;
    j->batch_done = 0;
    return FP_OK;
}

int fp_journal_commit(fp_journal *j)
{
    if (!j->batch) return FP_OK;
    j->batch = 0;
    int rc = tx(j, C_COMMIT) == SQLITE_OK ? FP_OK : fail(j, "commit");
    if (rc) {
        tx(j, C_ROLLBACK);
        j->dead = j->pending = -1; /* the batch's dead letters and completions are gone with it: count again */
    } else if (j->pending >= 0) {
        j->pending -= j->batch_done;
    }
    j->batch_done = 0;
    /* every other commit stays synchronous (FULL): a take answered "ok" must survive a crash */
    if (synchronous(j, 1) && !rc) rc = FP_EIO;
    return rc;
}

int fp_journal_epoch(fp_journal *j, uint32_t shard, const char *epoch, long long *reopened)
{
    *reopened = -1;
    if (shard >= j->nshards || !epoch || !*epoch) return shard >= j->nshards ? FP_EINVAL : FP_OK;
    if (!strcmp(j->epoch[shard], epoch)) return FP_OK; /* as recorded: the common case, every ack */
    if (j->batch) return FP_EINVAL;                    /* its own transaction: not inside a batch of acks */
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(j->db, "SELECT epoch FROM shard_epochs WHERE shard=?1", -1, &st, NULL) != SQLITE_OK)
        return fail(j, "epoch");
    sqlite3_bind_int(st, 1, (int)shard);
    int known = sqlite3_step(st) == SQLITE_ROW;
    int same = known && !strcmp((const char *)sqlite3_column_text(st, 0), epoch);
    sqlite3_finalize(st);
    if (same) {
        snprintf(j->epoch[shard], sizeof j->epoch[shard], "%s", epoch);
        return FP_OK;
    }
    /* One transaction: the new identity and the reports to send it again, or neither. */
    int rc = sqlite3_exec(j->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK ? FP_OK : fail(j, "epoch");
    if (!rc && known) {
        if (sqlite3_prepare_v2(j->db,
                               "UPDATE reports SET acks = acks & ~?1, done = 0, sent_ms = 0 WHERE (acks & ?1) != 0"
                               " AND id IN (SELECT id FROM sources)",
                               -1, &st, NULL) != SQLITE_OK)
            rc = fail(j, "epoch");
        else {
            sqlite3_bind_int64(st, 1, 1LL << shard);
            if (sqlite3_step(st) != SQLITE_DONE) rc = fail(j, "epoch");
            else *reopened = sqlite3_changes(j->db);
            sqlite3_finalize(st);
        }
    }
    if (!rc && sqlite3_prepare_v2(j->db, "INSERT OR REPLACE INTO shard_epochs VALUES(?1, ?2)", -1, &st, NULL) ==
                   SQLITE_OK) {
        sqlite3_bind_int(st, 1, (int)shard);
        sqlite3_bind_text(st, 2, epoch, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE) rc = fail(j, "epoch");
        sqlite3_finalize(st);
    } else if (!rc) {
        rc = fail(j, "epoch");
    }
    if (!rc && sqlite3_exec(j->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) rc = fail(j, "epoch");
    j->pending = -1; /* reports re-opened (or, on failure, not known): count again */
    if (rc) sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL), *reopened = -1;
    else snprintf(j->epoch[shard], sizeof j->epoch[shard], "%s", epoch);
    return rc;
}

/* Sends the rows of st (bound by the caller) through cb, marking each sent now. */
static int send_rows(fp_journal *j, sqlite3_stmt *st, sqlite3_stmt *up, uint64_t now_ms,
                     int (*cb)(const fp_report *r, void *ud), void *ud, size_t *sent, size_t *resent)
{
    int rc = FP_OK;
    while (!rc && sqlite3_step(st) == SQLITE_ROW) {
        fp_report r = {0};
        snprintf(r.id, sizeof r.id, "%s", (const char *)sqlite3_column_text(st, 0));
        r.source = (char *)sqlite3_column_text(st, 1);
        r.encoding = (char *)sqlite3_column_text(st, 2);
        r.text = (char *)sqlite3_column_blob(st, 3);
        r.text_len = (size_t)sqlite3_column_bytes(st, 3);
        r.supersedes = (char *)sqlite3_column_text(st, 4);
        if (sqlite3_column_int(st, 5) > 0) (*resent)++;
        r.arrived_ms = (uint64_t)sqlite3_column_int64(st, 6);
        r.year_hint = sqlite3_column_int(st, 7);
        r.acked = (uint64_t)sqlite3_column_int64(st, 8); /* a re-send goes only to the shards still missing */
        rc = cb(&r, ud);
        sqlite3_reset(up);
        sqlite3_bind_text(up, 1, r.id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(up, 2, (sqlite3_int64)(now_ms ? now_ms : 1));
        if (!rc && sqlite3_step(up) != SQLITE_DONE) rc = fail(j, "mark sent");
        if (!rc) (*sent)++;
    }
    sqlite3_reset(st);
    return rc;
}

/* the text from texts, or, for a report journaled before texts had their own table, from its row */
#define REPORT_COLS                                                                                               \
    "SELECT r.id, r.source, r.encoding, COALESCE(t.text, r.text), r.supersedes, r.sends, r.taken_ms, r.year_hint," \
    " r.acks FROM reports r LEFT JOIN texts t ON t.id = r.id"

/* fp_journal_due, and, with late 0, fp_journal_send_fresh. */
static int due(fp_journal *j, uint64_t now_ms, uint64_t timeout_ms, uint64_t ms_per_mb, size_t window, int late,
               int (*cb)(const fp_report *r, void *ud), void *ud, size_t *resent)
{
    *resent = 0;
    sqlite3_stmt *lt = NULL, *fresh = NULL, *up = NULL, *cnt = NULL;
    int rc = FP_OK;
    /* re-sends first: each waits twice as long as the one before (up to 32 times the time-out), plus
     * the time a worker takes over a report of its size (its size column; length() of an inline text, in a
     * journal from before, reads no content) */
    if ((late && !(lt = cached(j, C_LATE,
                               REPORT_COLS " WHERE r.done=0 AND r.sent_ms > 0 AND r.sent_ms + ?2 * (1 << MIN(MAX(r.sends - 1, 0), 5))"
                                           " + COALESCE(r.size, length(r.text), length(t.text)) * ?3 / 1048576 <= ?1 ORDER BY r.rowid LIMIT 256"))) ||
        !(fresh = cached(j, C_FRESH, REPORT_COLS " WHERE r.done=0 AND r.sent_ms = 0 ORDER BY r.rowid LIMIT ?1")) ||
        !(up = cached(j, C_SENT, "UPDATE reports SET sent_ms=?2, sends=sends+1 WHERE id=?1")) ||
        !(cnt = cached(j, C_OUT, "SELECT COUNT(*) FROM reports WHERE done=0 AND sent_ms > 0")))
        return fail(j, "due");
    /* A report can be late only if it went out longer than timeout_ms ago (every other term of the late
     * test adds to its wait): asked of the (done, sent_ms) index first, the tick's look for re-sends,
     * four times a second, costs one lookup while nothing is late. */
    if (late) {
        sqlite3_stmt *pr = cached(j, C_LATE_PROBE, "SELECT 1 FROM reports WHERE done=0 AND sent_ms > 0 AND sent_ms <= ?1 LIMIT 1");
        if (!pr) return fail(j, "due");
        sqlite3_bind_int64(pr, 1, (sqlite3_int64)now_ms - (sqlite3_int64)timeout_ms);
        late = sqlite3_step(pr) != SQLITE_DONE; /* a row, or an error: look */
        sqlite3_reset(pr);
    }
    /* Without re-sends to look for, nothing is written unless the window has room and a report waits
     * (asked of the index alone): called at every acknowledgement and every take, this is the common case. */
    if (!late) {
        long long out = sqlite3_step(cnt) == SQLITE_ROW ? sqlite3_column_int64(cnt, 0) : (long long)window;
        sqlite3_reset(cnt);
        if (window && (out < 0 || (size_t)out >= window)) return FP_OK;
        sqlite3_stmt *w = cached(j, C_WAITING, "SELECT 1 FROM reports WHERE done=0 AND sent_ms = 0 LIMIT 1");
        if (!w) return fail(j, "due");
        int waiting = sqlite3_step(w) == SQLITE_ROW;
        sqlite3_reset(w);
        if (!waiting) return FP_OK;
    }
    size_t sent = 0, ignored = 0;
    /* When a report went out matters only to this run (a restart sends every pending report again,
     * fp_journal_reset_sent): its commit is not worth an fsync, which would be one more per report. The
     * next FULL commit (a take) syncs these WAL frames with its own. */
    if (synchronous(j, 0)) return FP_EIO;
    if (tx(j, C_BEGIN) != SQLITE_OK) rc = fail(j, "due");
    if (!rc && late) {
        sqlite3_bind_int64(lt, 1, (sqlite3_int64)now_ms);
        sqlite3_bind_int64(lt, 2, (sqlite3_int64)timeout_ms);
        sqlite3_bind_int64(lt, 3, (sqlite3_int64)ms_per_mb);
        rc = send_rows(j, lt, up, now_ms, cb, ud, &sent, resent);
    }
    /* new reports only while fewer than `window` are out unacknowledged: the rest wait here, durable,
     * instead of queueing behind busy workers until their time-out re-sends them */
    if (!rc) {
        long long out = sqlite3_step(cnt) == SQLITE_ROW ? sqlite3_column_int64(cnt, 0) : 0;
        sqlite3_reset(cnt);
        if (window == 0 || (size_t)out < window) {
            sqlite3_bind_int64(fresh, 1, window ? (sqlite3_int64)(window - (size_t)out) : 256);
            rc = send_rows(j, fresh, up, now_ms, cb, ud, &sent, &ignored);
        }
    }
    /* cached: reset before the transaction ends, so none holds the database open */
    if (lt) sqlite3_reset(lt);
    sqlite3_reset(fresh);
    sqlite3_reset(up);
    sqlite3_reset(cnt);
    if (!rc) {
        if (tx(j, C_COMMIT) != SQLITE_OK) rc = fail(j, "due");
    }
    if (rc) tx(j, C_ROLLBACK);
    /* every other commit stays synchronous (FULL): a take answered "ok" must survive a crash */
    if (synchronous(j, 1) && !rc) rc = FP_EIO;
    return rc;
}

int fp_journal_due(fp_journal *j, uint64_t now_ms, uint64_t timeout_ms, uint64_t ms_per_mb, size_t window,
                   int (*cb)(const fp_report *r, void *ud), void *ud, size_t *resent)
{
    return due(j, now_ms, timeout_ms, ms_per_mb, window, 1, cb, ud, resent);
}

int fp_journal_send_fresh(fp_journal *j, uint64_t now_ms, size_t window, int (*cb)(const fp_report *r, void *ud),
                          void *ud)
{
    size_t none;
    return due(j, now_ms, 0, 0, window, 0, cb, ud, &none);
}

int fp_journal_reset_sent(fp_journal *j)
{
    return sqlite3_exec(j->db, "UPDATE reports SET sent_ms=0 WHERE done=0", NULL, NULL, NULL) == SQLITE_OK
               ? FP_OK
               : fail(j, "reset");
}

/* One number from a cached statement; FP_EIO when it gives none. */
static int count_of(fp_journal *j, int which, const char *sql, long long *n)
{
    sqlite3_stmt *st = cached(j, which, sql);
    int rc = st && sqlite3_step(st) == SQLITE_ROW ? FP_OK : FP_EIO;
    if (!rc) *n = sqlite3_column_int64(st, 0);
    if (st) sqlite3_reset(st);
    return rc ? fail(j, "count") : FP_OK;
}

int fp_journal_counts(fp_journal *j, long long *taken, long long *done, long long *pending)
{
    /* rows are never deleted, and `done` is 0 or 1: both are counted once, then kept by the takes and
     * acknowledgements that change them (counted again after a revision, a re-opening or a failure) */
    if (j->taken < 0 && count_of(j, C_TAKEN, "SELECT COUNT(*) FROM reports", &j->taken)) return FP_EIO;
    if (j->pending < 0 && count_of(j, C_PENDING, "SELECT COUNT(*) FROM reports WHERE done=0", &j->pending))
        return FP_EIO;
    *taken = j->taken;
    *pending = j->pending;
    *done = j->taken - j->pending;
    return FP_OK;
}

int fp_journal_dead(fp_journal *j, long long *dead)
{
    /* a full scan, so kept until an acknowledgement says dead again */
    if (j->dead < 0) {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(j->db, "SELECT COUNT(*) FROM reports WHERE dead != 0", -1, &st, NULL) != SQLITE_OK)
            return fail(j, "count dead");
        int rc = sqlite3_step(st) == SQLITE_ROW ? FP_OK : fail(j, "count dead");
        if (!rc) j->dead = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        if (rc) return rc;
    }
    *dead = j->dead;
    return FP_OK;
}
