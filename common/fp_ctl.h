/* fp_ctl: the control protocol of ingest and sink, spoken over a REQ/REP
 * socket as plain text so it can be read in logs and captures:
 *   "status"                      → "taken=N done=N inflight=N ..." (key=value words)
 *   "submit\n<source>[\tyear=Y]\n<bytes>"
 *                                 → "ok <id> <what happened>" | "error <reason>"
 *                                   (year=Y: the report's year when its text does not tell)
 * Clients use these blocking helpers (the CLI and tests); daemons answer
 * from their loops. */
#ifndef FP_CTL_H
#define FP_CTL_H

#include <stddef.h>

/* Sends one request and waits up to timeout_ms for the reply (NUL-terminated
 * into reply). FP_OK when the reply starts with "ok" or is a status line,
 * FP_EINVAL when it starts with "error", FP_EIO on time-out. */
int fp_ctl_request(void *zctx, const char *endpoint, int timeout_ms, const void *req, size_t len, char *reply,
                   size_t cap);
/* The longest source name a report may have, in bytes: a name is a report's
 * identity, so one too long is refused (by fupin submit and by ingest), never
 * cut into another file's. */
#define FP_SOURCE_MAX 500

int fp_ctl_submit(void *zctx, const char *endpoint, int timeout_ms, const char *source, int year, const char *data,
                  size_t len, char *reply, size_t cap);
/* Reads the number after "key=" in a status line; -1 when absent. */
long long fp_ctl_field(const char *status, const char *key);
int fp_endpoint_ok(const char *endpoint);

#endif
