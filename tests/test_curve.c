/* CURVE with the ZAP allow-list (common/fp_curve.c), in one process: a
 * daemon-like PULL bound on tcp with --key and --allow, served by
 * fp_zsock's ZAP handler on the loop, and clients made by hand: one with
 * the listed key gets through; one with an unlisted key, one in the clear
 * and one that expects another server key do not, and the refused key is
 * counted. Also: the key files fupin keygen writes, the start-up errors
 * (a bound tcp endpoint nobody is allowed on, a connect without a server
 * key, a secret key anyone can read), ipc:// staying open, and the ZAP
 * handler closing with the last CURVE server so the loop ends. */
#include "check.h"
#include "fp_curve.h"
#include "fp_err.h"
#include "fp_zsock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
    int good, bad, plain, wrongserver, ipc, other;
    fp_zsock pull, ipull;
    uv_timer_t stop;
} server;

static void on_msg(fp_zsock *s, const char *data, size_t len, void *ud)
{
    (void)s;
    server *v = ud;
    if (len == 4 && !memcmp(data, "good", 4)) v->good++;
    else if (len == 3 && !memcmp(data, "bad", 3)) v->bad++;
    else if (len == 5 && !memcmp(data, "plain", 5)) v->plain++;
    else if (len == 11 && !memcmp(data, "wrongserver", 11)) v->wrongserver++;
    else if (len == 3 && !memcmp(data, "ipc", 3)) v->ipc++;
    else v->other++;
}

static void on_stop(uv_timer_t *t)
{
    server *v = t->data;
    fp_zsock_close(&v->pull, NULL);
    fp_zsock_close(&v->ipull, NULL);
    uv_close((uv_handle_t *)t, NULL);
}

/* A client by hand: CURVE with (pub, sec) expecting server key srv, or in the clear when pub is NULL. */
static void *client(void *ctx, const char *ep, const char *pub, const char *sec, const char *srv, const char *msg)
{
    void *z = zmq_socket(ctx, ZMQ_PUSH);
    int zero = 0;
    zmq_setsockopt(z, ZMQ_LINGER, &zero, sizeof zero);
    if (pub) {
        zmq_setsockopt(z, ZMQ_CURVE_SERVERKEY, srv, FP_Z85_KEY);
        zmq_setsockopt(z, ZMQ_CURVE_PUBLICKEY, pub, FP_Z85_KEY);
        zmq_setsockopt(z, ZMQ_CURVE_SECRETKEY, sec, FP_Z85_KEY);
    }
    CHECK(zmq_connect(z, ep) == 0);
    CHECK(zmq_send(z, msg, strlen(msg), ZMQ_DONTWAIT) == (int)strlen(msg));
    return z;
}

static char dir[64];

static void keys(const char *name, char pub[41], char sec[41])
{
    char path[256], why[600], p2[41];
    CHECK(fp_curve_keygen(dir, name, pub, why, sizeof why) == FP_OK);
    snprintf(path, sizeof path, "%s/%s.key", dir, name);
    CHECK(fp_curve_read(path, p2, sec, why, sizeof why) == FP_OK);
    CHECK(!strcmp(p2, pub));
    struct stat sb;
    CHECK(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/fupin-test-curve-XXXXXX");
    CHECK(mkdtemp(dir) != NULL);
    if (!zmq_has("curve")) {
        printf("skipped: this libzmq has no CURVE\n");
        return 0;
    }
    char spub[41], ssec[41], gpub[41], gsec[41], bpub[41], bsec[41], why[600], path[256];
    keys("server", spub, ssec);
    keys("good", gpub, gsec);
    keys("bad", bpub, bsec);
    char scratch[41];
    CHECK(fp_curve_keygen(dir, "good", scratch, why, sizeof why) == FP_EBUSY); /* never overwritten */
    CHECK(fp_curve_keygen(dir, "../x", scratch, why, sizeof why) == FP_EINVAL);
    snprintf(path, sizeof path, "%s/good.pub", dir);
    char p2[41];
    CHECK(fp_curve_read(path, p2, NULL, why, sizeof why) == FP_OK && !strcmp(p2, gpub));
    CHECK(fp_curve_read(path, p2, ssec, why, sizeof why) == FP_EINVAL); /* a .pub holds no secret */

    /* Settings as a daemon's flags give them. */
    char keypath[256];
    snprintf(keypath, sizeof keypath, "%s/server.key", dir);
    fp_curve_settings.key = strdup(keypath);
    fp_strlist_push(&fp_curve_settings.allow, "tcp://127.0.0.1:*=good");
    fp_strlist_push(&fp_curve_settings.allow, "tcp://127.0.0.1:1=bad, server"); /* another endpoint's list */
    CHECK(fp_curve_setup("test_curve") == FP_OK);
    CHECK(fp_curve_on());

    void *ctx = zmq_ctx_new();
    uv_loop_t loop;
    uv_loop_init(&loop);
    server v = {0};
    CHECK(fp_zsock_open(&v.pull, &loop, ctx, ZMQ_PULL, "tcp://127.0.0.1:*", 1, on_msg, &v) == FP_OK);
    char ipc[128];
    snprintf(ipc, sizeof ipc, "ipc://%s/open", dir);
    CHECK(fp_zsock_open(&v.ipull, &loop, ctx, ZMQ_PULL, ipc, 1, on_msg, &v) == FP_OK);
    char ep[256];
    size_t sz = sizeof ep;
    zmq_getsockopt(v.pull.z, ZMQ_LAST_ENDPOINT, ep, &sz);
    printf("CURVE server on %s\n", ep);

    /* Refused at start: a bound tcp endpoint no --allow line names; a
     * connect with no server key. */
    fp_zsock x;
    CHECK(fp_zsock_open(&x, &loop, ctx, ZMQ_PULL, "tcp://127.0.0.1:0", 1, on_msg, &v) == FP_EINVAL);
    CHECK(fp_zsock_open(&x, &loop, ctx, ZMQ_PUSH, ep, 0, NULL, NULL) == FP_EINVAL);

    void *c[5];
    c[0] = client(ctx, ep, gpub, gsec, spub, "good");
    c[1] = client(ctx, ep, bpub, bsec, spub, "bad");
    c[2] = client(ctx, ep, NULL, NULL, NULL, "plain");
    c[3] = client(ctx, ep, gpub, gsec, bpub, "wrongserver");
    c[4] = client(ctx, ipc, NULL, NULL, NULL, "ipc");
    uv_timer_init(&loop, &v.stop);
    v.stop.data = &v;
    uv_timer_start(&v.stop, on_stop, 1500, 0);
    uv_run(&loop, UV_RUN_DEFAULT); /* ends only when the ZAP handler has closed too */
    for (int i = 0; i < 5; i++) zmq_close(c[i]);
    printf("good %d, bad %d, plain %d, wrong server key %d, ipc %d; refused %llu, admitted %llu\n", v.good, v.bad,
           v.plain, v.wrongserver, v.ipc, fp_curve_refused(), fp_curve_admitted());
    CHECK(v.good == 1);
    CHECK(v.bad == 0);
    CHECK(v.plain == 0);
    CHECK(v.wrongserver == 0);
    CHECK(v.ipc == 1); /* ipc:// stays open */
    CHECK(v.other == 0);
    CHECK(fp_curve_refused() >= 1);
    CHECK(fp_curve_admitted() == 1);
    CHECK(uv_loop_close(&loop) == 0);
    zmq_ctx_term(ctx);

    /* A secret key anyone may read is refused; --allow without --key too. */
    fp_curve_reset();
    chmod(keypath, 0644);
    fp_curve_settings.key = strdup(keypath);
    CHECK(fp_curve_setup("test_curve") == FP_EINVAL);
    fp_curve_reset();
    fp_strlist_push(&fp_curve_settings.allow, "tcp://127.0.0.1:5=good");
    CHECK(fp_curve_setup("test_curve") == FP_EINVAL);
    fp_curve_reset();
    CHECK(!fp_curve_on());

    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
    return CHECK_DONE();
}
