/* ingest's journal without sockets: takes (new, unchanged, revision), the
 * window of reports out, re-sends, acknowledgements batched in one
 * transaction (ingest's on_ack: a shard's whole group at once) and
 * what a crash before their commit leaves, and a journal written before
 * texts had their own table (its texts inline in reports); sends into the
 * window alone (fp_journal_send_fresh) and the counts. */
#include "check.h"
#include "fp_err.h"
#include "journal.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    int n;
    char ids[8][FP_ID_HEX + 1];
    char texts[8][64];
    uint64_t acked[8];
} sent;

static int on_send(const fp_report *r, void *ud)
{
    sent *s = ud;
    if (s->n < 8) {
        snprintf(s->ids[s->n], sizeof s->ids[s->n], "%s", r->id);
        snprintf(s->texts[s->n], sizeof s->texts[s->n], "%.*s", (int)r->text_len, r->text);
        s->acked[s->n] = r->acked;
    }
    s->n++;
    return FP_OK;
}

static int count_pending(fp_journal *j)
{
    long long taken = 0, done = 0, pending = 0;
    return fp_journal_counts(j, &taken, &done, &pending) == FP_OK ? (int)pending : -1;
}

static void takes_and_window(const char *path)
{
    fp_journal *j = NULL;
    CHECK(fp_journal_open(&j, path, 2) == FP_OK);
    if (!j) return;
    char id[3][FP_ID_HEX + 1], sup[FP_ID_HEX + 1];
    enum fp_take what;
    CHECK(fp_journal_take(j, "a.txt", "UTF-8", 0, "一号报告", strlen("一号报告"), id[0], sup, &what) == FP_OK);
    CHECK(what == FP_TAKE_NEW && sup[0] == '\0');
    CHECK(fp_journal_take(j, "a.txt", "UTF-8", 0, "一号报告", strlen("一号报告"), id[1], sup, &what) == FP_OK);
    CHECK(what == FP_TAKE_SAME && !strcmp(id[0], id[1]));
    CHECK(fp_journal_take(j, "a.txt", "UTF-8", 0, "一号报告(修订)", strlen("一号报告(修订)"), id[1], sup, &what) ==
          FP_OK);
    CHECK(what == FP_TAKE_REVISION && !strcmp(sup, id[0]));
    CHECK(fp_journal_take(j, "b.txt", "UTF-8", 2019, "二号报告", strlen("二号报告"), id[2], sup, &what) == FP_OK);
    CHECK(what == FP_TAKE_NEW);
    CHECK(count_pending(j) == 3);

    /* a window of 2: the oldest two go out, with the text as taken; the third waits */
    sent s = {0};
    size_t resent = 9;
    CHECK(fp_journal_due(j, 1000, 5000, 0, 2, on_send, &s, &resent) == FP_OK);
    CHECK(s.n == 2 && resent == 0);
    CHECK(!strcmp(s.ids[0], id[0]) && !strcmp(s.texts[0], "一号报告"));
    CHECK(!strcmp(s.ids[1], id[1]) && !strcmp(s.texts[1], "一号报告(修订)"));
    memset(&s, 0, sizeof s);
    CHECK(fp_journal_due(j, 1100, 5000, 0, 2, on_send, &s, &resent) == FP_OK);
    CHECK(s.n == 0); /* the window is full, and nothing is late yet */

    /* a batch of acks: both shards acknowledge the first; one shard the second */
    int done = -1;
    CHECK(fp_journal_begin(j) == FP_OK);
    long long reopened = 0;
    CHECK(fp_journal_epoch(j, 0, "e0", &reopened) == FP_EINVAL); /* a first epoch is not recorded inside a batch */
    CHECK(fp_journal_ack(j, id[0], 0, 0, &done) == FP_OK && done == 0);
    CHECK(fp_journal_ack(j, id[0], 1, 0, &done) == FP_OK && done == 1);
    CHECK(fp_journal_ack(j, id[0], 1, 0, &done) == FP_OK && done == 0); /* again: completes nothing */
    CHECK(fp_journal_ack(j, id[1], 1, 0, &done) == FP_OK && done == 0);
    CHECK(fp_journal_ack(j, id[1], 7, 0, &done) == FP_EINVAL); /* no such shard */
    CHECK(fp_journal_commit(j) == FP_OK);
    CHECK(count_pending(j) == 2);

    /* a place in the window: the third goes out; late, the second is re-sent to shard 0 alone */
    memset(&s, 0, sizeof s);
    CHECK(fp_journal_due(j, 7000, 5000, 0, 2, on_send, &s, &resent) == FP_OK);
    CHECK(s.n == 2 && resent == 1);
    CHECK(!strcmp(s.ids[0], id[1]) && s.acked[0] == 2 && !strcmp(s.ids[1], id[2]) && s.acked[1] == 0);

    /* acks batched, then a crash before their commit (close rolls back): none of them counts */
    CHECK(fp_journal_begin(j) == FP_OK);
    CHECK(fp_journal_ack(j, id[1], 0, 0, &done) == FP_OK && done == 1);
    CHECK(fp_journal_ack(j, id[2], 0, 0, &done) == FP_OK);
    fp_journal_close(j);
    j = NULL;
    CHECK(fp_journal_open(&j, path, 2) == FP_OK);
    if (!j) return;
    CHECK(count_pending(j) == 2);
    /* after a restart every pending report goes out again, at once */
    CHECK(fp_journal_reset_sent(j) == FP_OK);
    memset(&s, 0, sizeof s);
    CHECK(fp_journal_due(j, 7100, 5000, 0, 0, on_send, &s, &resent) == FP_OK);
    CHECK(s.n == 2 && !strcmp(s.texts[1], "二号报告"));
    /* acknowledged again, in a batch that commits: done, and a dead letter is counted as one */
    CHECK(fp_journal_begin(j) == FP_OK);
    CHECK(fp_journal_ack(j, id[1], 0, 0, &done) == FP_OK && done == 1);
    CHECK(fp_journal_ack(j, id[2], 0, 1, &done) == FP_OK && done == 0);
    CHECK(fp_journal_ack(j, id[2], 1, 0, &done) == FP_OK && done == 1);
    CHECK(fp_journal_commit(j) == FP_OK);
    CHECK(count_pending(j) == 0);
    long long dead = 0;
    CHECK(fp_journal_dead(j, &dead) == FP_OK && dead == 1);
    fp_journal_close(j);
}

/* fp_journal_send_fresh: never-sent reports into the window's room, never a re-send; and the counts
 * (taken kept in memory, dead counted again after a dead acknowledgement) as the table has them. */
static void fresh_and_counts(const char *path)
{
    fp_journal *j = NULL;
    CHECK(fp_journal_open(&j, path, 1) == FP_OK);
    if (!j) return;
    char id[3][FP_ID_HEX + 1], sup[FP_ID_HEX + 1];
    enum fp_take what;
    const char *texts[] = {"甲报告", "乙报告", "丙报告"}, *names[] = {"a", "b", "c"};
    long long taken = -1, done = -1, pending = -1, dead = -1;
    CHECK(fp_journal_counts(j, &taken, &done, &pending) == FP_OK && taken == 0 && done == 0 && pending == 0);
    for (int i = 0; i < 3; i++)
        CHECK(fp_journal_take(j, names[i], "UTF-8", 0, texts[i], strlen(texts[i]), id[i], sup, &what) == FP_OK);
    CHECK(fp_journal_take(j, "a", "UTF-8", 0, texts[0], strlen(texts[0]), id[0], sup, &what) == FP_OK);
    CHECK(what == FP_TAKE_SAME);
    CHECK(fp_journal_counts(j, &taken, &done, &pending) == FP_OK && taken == 3 && done == 0 && pending == 3);
    sent s = {0};
    CHECK(fp_journal_send_fresh(j, 1000, 2, on_send, &s) == FP_OK);
    CHECK(s.n == 2 && !strcmp(s.ids[0], id[0]) && !strcmp(s.ids[1], id[1]));
    memset(&s, 0, sizeof s);
    CHECK(fp_journal_send_fresh(j, 1001, 2, on_send, &s) == FP_OK);
    CHECK(s.n == 0); /* the window is full */
    int d = 0;
    CHECK(fp_journal_ack(j, id[0], 0, 1, &d) == FP_OK && d == 1);
    CHECK(fp_journal_dead(j, &dead) == FP_OK && dead == 1);
    CHECK(fp_journal_counts(j, &taken, &done, &pending) == FP_OK && taken == 3 && done == 1 && pending == 2);
    /* long after the time-out: a place came free, the third goes, the second is not re-sent here */
    memset(&s, 0, sizeof s);
    CHECK(fp_journal_send_fresh(j, 100000, 2, on_send, &s) == FP_OK);
    CHECK(s.n == 1 && !strcmp(s.ids[0], id[2]));
    memset(&s, 0, sizeof s);
    CHECK(fp_journal_send_fresh(j, 100001, 0, on_send, &s) == FP_OK);
    CHECK(s.n == 0); /* nothing waits unsent */
    size_t resent = 0;
    CHECK(fp_journal_due(j, 100002, 5000, 0, 2, on_send, &s, &resent) == FP_OK);
    CHECK(s.n == 1 && resent == 1 && !strcmp(s.ids[0], id[1]));
    fp_journal_close(j);
    /* reopened: counted afresh, the same */
    CHECK(fp_journal_open(&j, path, 1) == FP_OK);
    if (!j) return;
    CHECK(fp_journal_counts(j, &taken, &done, &pending) == FP_OK && taken == 3 && done == 1 && pending == 2);
    CHECK(fp_journal_dead(j, &dead) == FP_OK && dead == 1);
    /* the counts follow what changes them: a batch that completes, a store made anew (its reports
     * re-opened), a revision back to done content */
    int d2 = 0;
    CHECK(fp_journal_begin(j) == FP_OK);
    CHECK(fp_journal_ack(j, id[1], 0, 0, &d2) == FP_OK && d2 == 1);
    CHECK(fp_journal_commit(j) == FP_OK);
    CHECK(fp_journal_counts(j, &taken, &done, &pending) == FP_OK && done == 2 && pending == 1);
    long long reopened = 0;
    CHECK(fp_journal_epoch(j, 0, "e1", &reopened) == FP_OK && reopened == -1); /* the first: recorded */
    CHECK(fp_journal_epoch(j, 0, "e2", &reopened) == FP_OK && reopened == 2);
    CHECK(fp_journal_counts(j, &taken, &done, &pending) == FP_OK && taken == 3 && done == 0 && pending == 3);
    CHECK(fp_journal_ack(j, id[0], 0, 0, &d2) == FP_OK && d2 == 1); /* outside a batch */
    CHECK(fp_journal_counts(j, &taken, &done, &pending) == FP_OK && done == 1 && pending == 2);
    CHECK(fp_journal_take(j, "a", "UTF-8", 0, "甲报告二", strlen("甲报告二"), id[1], sup, &what) == FP_OK);
    CHECK(what == FP_TAKE_REVISION);
    CHECK(fp_journal_counts(j, &taken, &done, &pending) == FP_OK && taken == 4 && done == 1 && pending == 3);
    CHECK(fp_journal_ack(j, id[0], 0, 0, &d2) == FP_OK && d2 == 0); /* done already */
    CHECK(fp_journal_take(j, "a", "UTF-8", 0, texts[0], strlen(texts[0]), id[2], sup, &what) == FP_OK);
    CHECK(what == FP_TAKE_REVISION && !strcmp(id[2], id[0])); /* back to done content: pending again */
    CHECK(fp_journal_counts(j, &taken, &done, &pending) == FP_OK && taken == 4 && done == 0 && pending == 4);
    fp_journal_close(j);
}

/* A journal from before the texts table: its reports keep their text in reports.text and are sent from there. */
static void old_journal(const char *path)
{
    sqlite3 *db = NULL;
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db,
                       "PRAGMA journal_mode=WAL;"
                       "CREATE TABLE reports(id TEXT PRIMARY KEY, source TEXT, encoding TEXT, text BLOB,"
                       " supersedes TEXT, acks INTEGER DEFAULT 0, done INTEGER DEFAULT 0, sent_ms INTEGER DEFAULT 0,"
                       " sends INTEGER DEFAULT 0, taken_at TEXT DEFAULT CURRENT_TIMESTAMP, taken_ms INTEGER DEFAULT 0);"
                       "CREATE INDEX reports_pending ON reports(done, sent_ms);"
                       "CREATE TABLE sources(source TEXT PRIMARY KEY, id TEXT);"
                       "INSERT INTO reports(id, source, encoding, text, supersedes) VALUES('00ab', 'old.txt', 'UTF-8',"
                       " CAST('旧报告' AS BLOB), '');"
                       "INSERT INTO sources VALUES('old.txt', '00ab');",
                       NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
    fp_journal *j = NULL;
    CHECK(fp_journal_open(&j, path, 1) == FP_OK);
    if (!j) return;
    sent s = {0};
    size_t resent = 0;
    CHECK(fp_journal_due(j, 1000, 5000, 2000, 0, on_send, &s, &resent) == FP_OK);
    CHECK(s.n == 1 && !strcmp(s.ids[0], "00ab") && !strcmp(s.texts[0], "旧报告"));
    /* and a report taken now sits beside it, its text in texts */
    char id[FP_ID_HEX + 1], sup[FP_ID_HEX + 1];
    enum fp_take what;
    CHECK(fp_journal_take(j, "new.txt", "UTF-8", 0, "新报告", strlen("新报告"), id, sup, &what) == FP_OK);
    memset(&s, 0, sizeof s);
    CHECK(fp_journal_due(j, 1001, 5000, 2000, 0, on_send, &s, &resent) == FP_OK);
    CHECK(s.n == 1 && !strcmp(s.ids[0], id) && !strcmp(s.texts[0], "新报告"));
    /* re-sent after the time-out plus the time a worker takes per MB: here a millisecond per byte, and
     * each text is 9 bytes (the old one's length read from its row, the new one's from its size) */
    memset(&s, 0, sizeof s);
    CHECK(fp_journal_due(j, 6008, 5000, 1048576, 0, on_send, &s, &resent) == FP_OK);
    CHECK(s.n == 0);
    CHECK(fp_journal_due(j, 6009, 5000, 1048576, 0, on_send, &s, &resent) == FP_OK);
    CHECK(s.n == 1 && resent == 1 && !strcmp(s.ids[0], "00ab"));
    CHECK(fp_journal_due(j, 6010, 5000, 1048576, 0, on_send, &s, &resent) == FP_OK);
    CHECK(s.n == 2 && resent == 1 && !strcmp(s.ids[1], id) && !strcmp(s.texts[1], "新报告"));
    int done = 0;
    CHECK(fp_journal_ack(j, "00ab", 0, 0, &done) == FP_OK && done == 1);
    fp_journal_close(j);
}

int main(void)
{
    char dir[] = "/tmp/fupin-test-journal-XXXXXX";
    if (!mkdtemp(dir)) return perror("mkdtemp"), 1;
    char p1[128], p2[128], p3[128];
    snprintf(p1, sizeof p1, "%s/new.db", dir);
    snprintf(p2, sizeof p2, "%s/old.db", dir);
    snprintf(p3, sizeof p3, "%s/fresh.db", dir);
    takes_and_window(p1);
    old_journal(p2);
    fresh_and_counts(p3);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return CHECK_DONE();
}
