/* fp_daemon: what every fupin daemon's main() shares: a libuv loop, one
 * ZeroMQ context, SIGTERM/SIGINT handling, and where the data files are. */
#ifndef FP_DAEMON_H
#define FP_DAEMON_H

#include <uv.h>

#include "fp_opts.h"

typedef struct fp_daemon {
    uv_loop_t *loop;
    void *zctx;
    uv_signal_t sigterm, sigint;
    void (*on_stop)(struct fp_daemon *d);
    void *ud;
    int stopping;
    uint64_t started_ms;
} fp_daemon;

/* Holds SIGTERM and SIGINT back until fp_daemon_init can handle them, so a
 * stop asked for while the daemon is still loading is a clean stop too.
 * Call first thing in main(). */
void fp_daemon_hold_signals(void);
/* Sets up the loop, the ZeroMQ context and the signal handlers (and lets
 * held signals through). on_stop is
 * called once on the first SIGTERM or SIGINT: it should finish what is in
 * hand and close its sockets and handles so the loop ends. */
int fp_daemon_init(fp_daemon *d, void (*on_stop)(fp_daemon *d), void *ud);
/* Runs the loop until no handle is left, then ends the ZeroMQ context. */
int fp_daemon_run(fp_daemon *d);
/* Stops listening for signals (call from on_stop, or on a fatal error). */
void fp_daemon_unsignal(fp_daemon *d);
/* After a failed start: closes whatever on_stop closes and runs the loop
 * until every handle is gone, so the daemon exits without leaks. Safe
 * when fp_daemon_init never ran. */
void fp_daemon_abort(fp_daemon *d);

/* The data folder: the flag if given, else $FUPIN_DATA, else the source
 * tree's data/ for the binaries of the build folder, else share/fupin of the
 * prefix the running binary is installed in (<exe dir>/../share/fupin),
 * never the source tree. The string lives as long as the process. */
const char *fp_datadir(const char *flag);

/* Common flags every daemon takes, and the log set-up from them. */
#define FP_COMMON_OPTS(type)                                                                          \
    {"log-level", FP_OPT_STR, "info", offsetof(type, log_level), "debug, info, warn, error or quiet"}, \
    {"data", FP_OPT_STR, NULL, offsetof(type, data), "folder of the data files (default: $FUPIN_DATA, else share/fupin of the install prefix)"}
int fp_daemon_log_setup(const char *prog, const char *level);

/* The start every daemon's main() shares: holds stop signals back (see
 * fp_daemon_hold_signals), parses flags and --config into cfg (usage for
 * --help), refuses stray arguments unless args is given, and sets up the
 * log from *log_level (a field of cfg). The CURVE flags (--key, --key-dir,
 * --allow, --server-key; common/fp_curve.h) are taken too, into the
 * process-wide settings every fp_zsock_open of a tcp:// endpoint applies.
 * Returns FP_OK; FP_OPTS_DONE after --help or --print-config and
 * FP_OPTS_USAGE after a usage error (a flag, a stray argument, the log
 * level), in both cases with cfg and args freed: the caller exits with 0 or
 * 2 at once; or an error code already reported in one line. */
int fp_daemon_start(const char *prog, const fp_opt *opts, size_t nopts, void *cfg, int argc, char **argv,
                    fp_strlist *args, const char *usage, char *const *log_level);

#endif
