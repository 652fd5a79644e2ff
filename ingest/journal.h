/* journal: ingest's durable record of every report it has taken in
 * (SQLite, WAL). A report stays `pending` until every aggregate shard has
 * acknowledged it; pending reports are re-sent after a time-out and after a
 * restart. The same content taken again changes nothing; the same source
 * with new content is a revision that supersedes the earlier one. */
#ifndef FP_JOURNAL_H
#define FP_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "fp_record.h"

typedef struct fp_journal fp_journal;

enum fp_take { FP_TAKE_NEW, FP_TAKE_SAME, FP_TAKE_REVISION };

int fp_journal_open(fp_journal **out, const char *path, uint32_t nshards);
void fp_journal_close(fp_journal *j);

/* Records a decoded report and the year hint it is sent with (0: none).
 * *id gets its content id; *supersedes (cap 65) the id it replaces, or "". */
int fp_journal_take(fp_journal *j, const char *source, const char *encoding, int year_hint, const char *text,
                    size_t len, char id[FP_ID_HEX + 1], char supersedes[FP_ID_HEX + 1], enum fp_take *what);
/* fp_journal_take, and, with now_ms > 0, a new report is marked sent at
 * now_ms (in the same transaction) when fewer than window reports are out
 * unacknowledged (0: no limit) and no report taken before waits unsent:
 * then *send is 1 and the caller sends it at once, from the text it holds,
 * with arrived_ms *taken_ms. A crash before that send changes nothing:
 * after a restart every pending report is sent again. */
int fp_journal_take_send(fp_journal *j, const char *source, const char *encoding, int year_hint, const char *text,
                         size_t len, size_t window, uint64_t now_ms, char id[FP_ID_HEX + 1],
                         char supersedes[FP_ID_HEX + 1], enum fp_take *what, int *send, uint64_t *taken_ms);
/* Records shard's acknowledgement; *done is 1 when this completed the report.
 * dead: the shard dead-lettered it (could not apply it, aggregate/store.h):
 * it counts as acknowledged, so it is not re-sent, and is kept marked dead. */
int fp_journal_ack(fp_journal *j, const char *id, uint32_t shard, int dead, int *done);
/* A batch: acknowledgements recorded between fp_journal_begin and
 * fp_journal_commit share one transaction, committed without an fsync. A
 * crash before the commit (or, for the machine, before the next take's
 * commit syncs it) loses them all: those reports are re-sent, and the
 * shards, which applied them, acknowledge them again.
 * fp_journal_epoch is not called inside a batch (FP_EINVAL for a new one). */
int fp_journal_begin(fp_journal *j);
int fp_journal_commit(fp_journal *j);
/* Notes the identity of shard's store, from one of its acks. The first
 * time it is recorded; when it differs from the one recorded, the shard's
 * store was made anew (lost, emptied) and holds none of what it had
 * acknowledged: every current report (the latest revision of each source)
 * it had acknowledged is pending again, to be re-sent, and *reopened says
 * how many (else -1). Superseded revisions stay done: sent again they could
 * arrive after their successor and undo it. */
int fp_journal_epoch(fp_journal *j, uint32_t shard, const char *epoch, long long *reopened);
/* Calls cb for every pending report that is due, and marks it sent at
 * now_ms: first those sent before and not acknowledged for longer than
 * timeout_ms doubled for each earlier re-send (at most 32 times), plus
 * ms_per_mb for each MB of the report (a 50 MB report takes a worker that
 * long to extract, and is not re-sent meanwhile); then
 * never-sent ones, while fewer than `window` reports are out unacknowledged
 * (0: no limit). *resent counts the first kind. */
int fp_journal_due(fp_journal *j, uint64_t now_ms, uint64_t timeout_ms, uint64_t ms_per_mb, size_t window,
                   int (*cb)(const fp_report *r, void *ud), void *ud, size_t *resent);
/* fp_journal_due's second half alone: never-sent reports while the window
 * has room, no re-sends. Cheap when there is nothing to send (the window is
 * full or nothing waits): two lookups in an index, no transaction. For the
 * moments a place may have come free (an acknowledgement, a take); re-sends
 * wait for the next fp_journal_due. */
int fp_journal_send_fresh(fp_journal *j, uint64_t now_ms, size_t window, int (*cb)(const fp_report *r, void *ud),
                          void *ud);
/* Forgets every pending report's send time, so the next fp_journal_due sends them all (after a restart). */
int fp_journal_reset_sent(fp_journal *j);
/* How many reports were taken, are done and pending: counted once, then
 * kept in memory by the writes that change them, so cheap enough for every
 * status request. */
int fp_journal_counts(fp_journal *j, long long *taken, long long *done, long long *pending);
/* Reports some shard dead-lettered. */
int fp_journal_dead(fp_journal *j, long long *dead);

#endif
