#include "fp_daemon.h"
#include "fp_curve.h"
#include "fp_err.h"
#include "fp_log.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

static void on_signal(uv_signal_t *h, int signum)
{
    fp_daemon *d = h->data;
    if (d->stopping) return;
    d->stopping = 1;
    fp_info("signal %d: finishing what is in hand, then stopping", signum);
    fp_daemon_unsignal(d);
    if (d->on_stop) d->on_stop(d);
}

static void mask_stop_signals(int how)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGTERM);
    sigaddset(&s, SIGINT);
    sigprocmask(how, &s, NULL);
}

void fp_daemon_hold_signals(void) { mask_stop_signals(SIG_BLOCK); }

int fp_daemon_init(fp_daemon *d, void (*on_stop)(fp_daemon *d), void *ud)
{
    d->loop = uv_default_loop();
    d->zctx = zmq_ctx_new();
    d->on_stop = on_stop;
    d->ud = ud;
    d->stopping = 0;
    d->started_ms = uv_now(d->loop);
    if (!d->zctx) return FP_EIO;
    uv_signal_init(d->loop, &d->sigterm);
    uv_signal_init(d->loop, &d->sigint);
    d->sigterm.data = d->sigint.data = d;
    uv_signal_start(&d->sigterm, on_signal, SIGTERM);
    uv_signal_start(&d->sigint, on_signal, SIGINT);
    mask_stop_signals(SIG_UNBLOCK); /* a stop asked for meanwhile arrives now */
    return FP_OK;
}

void fp_daemon_unsignal(fp_daemon *d)
{
    if (!uv_is_closing((uv_handle_t *)&d->sigterm)) uv_close((uv_handle_t *)&d->sigterm, NULL);
    if (!uv_is_closing((uv_handle_t *)&d->sigint)) uv_close((uv_handle_t *)&d->sigint, NULL);
}

void fp_daemon_abort(fp_daemon *d)
{
    if (!d->loop) return;
    fp_daemon_unsignal(d);
    if (d->on_stop) d->on_stop(d);
    fp_daemon_run(d);
}

int fp_daemon_run(fp_daemon *d)
{
    uv_run(d->loop, UV_RUN_DEFAULT);
    zmq_ctx_term(d->zctx);
    uv_loop_close(d->loop);
    return FP_OK;
}

const char *fp_datadir(const char *flag)
{
    if (flag && *flag) return flag;
    const char *env = getenv("FUPIN_DATA");
    if (env && *env) return env;
    /* Found once from where the binary is: the source tree's data/ only for
     * the build's own binaries, else <exe dir>/../share/fupin, so an install
     * to any prefix (or one moved after) finds its own copy. */
    static char dir[PATH_MAX];
    if (*dir) return dir;
    char exe[PATH_MAX], build[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) {
        snprintf(dir, sizeof dir, "%s", FUPIN_DATADIR_INSTALL);
        return dir;
    }
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash) *slash = '\0';
    if (realpath(FUPIN_BINDIR_BUILD, build) && !strcmp(build, exe))
        snprintf(dir, sizeof dir, "%s", FUPIN_DATADIR_BUILD);
    else if (snprintf(dir, sizeof dir, "%s/%s", exe, FUPIN_DATADIR_REL) >= (int)sizeof dir)
        snprintf(dir, sizeof dir, "%s", FUPIN_DATADIR_INSTALL); /* a path too long to open anyway */
    return dir;
}

int fp_daemon_start(const char *prog, const fp_opt *opts, size_t nopts, void *cfg, int argc, char **argv,
                    fp_strlist *args, const char *usage, char *const *log_level)
{
    fp_daemon_hold_signals();
    fp_log_init(prog, FP_LOG_INFO);
    fp_strlist stray = {0};
    /* Every daemon also takes the CURVE flags (--key, --allow, ...). */
    fp_optset sets[2] = {{opts, nopts, cfg}, {fp_curve_opts, fp_curve_nopts, &fp_curve_settings}};
    int rc = fp_opts_parse_sets(sets, 2, argc, argv, args ? args : &stray, usage);
    if (rc) return rc;
    if (!args && stray.n) {
        fprintf(stderr, "%s: error: unexpected argument '%s' (try --help)\n", prog, stray.v[0]);
        rc = FP_OPTS_USAGE;
    }
    fp_strlist_free(&stray);
    if (!rc && fp_daemon_log_setup(prog, *log_level)) rc = FP_OPTS_USAGE;
    if (rc) { /* the caller exits at once, as after any other usage error */
        fp_opts_free(opts, nopts, cfg, args);
        fp_opts_free(fp_curve_opts, fp_curve_nopts, &fp_curve_settings, NULL);
        return rc;
    }
    return fp_curve_setup(prog);
}

int fp_daemon_log_setup(const char *prog, const char *level)
{
    int lv = fp_log_level_parse(level ? level : "info");
    fp_log_init(prog, lv < 0 ? FP_LOG_INFO : (enum fp_log_level)lv);
    if (lv < 0) {
        fprintf(stderr, "%s: error: --log-level wants debug, info, warn, error or quiet, not '%s'\n", prog, level);
        return FP_EINVAL;
    }
    return FP_OK;
}
