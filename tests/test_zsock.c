/* The ZeroMQ-on-libuv glue under a burst: 100 000 messages from a PUSH in
 * one loop to a PULL in another thread's loop, over ipc and inproc, none
 * stalled and none lost, sent with no blocking call.
 *
 * The sender stays connected until the receiver has counted the last
 * message: ZeroMQ drops what a bound PULL has not yet read when its peer
 * disconnects (the session's pipe is torn down with the connection), which
 * is ZeroMQ's delivery contract and not the glue's; fupin's acks and
 * re-sends cover it in the daemons. */
#include "check.h"
#include "fp_err.h"
#include "fp_zsock.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define N 100000

typedef struct {
    void *ctx;
    const char *ep;
    long received;
    long long sum;
    uv_loop_t loop;
    fp_zsock pull;
    uv_timer_t guard;
    uv_async_t *done; /* wakes the sender's loop: the receiver has finished */
} receiver;

static void on_msg(fp_zsock *s, const char *data, size_t len, void *ud)
{
    receiver *r = ud;
    long v;
    memcpy(&v, data, sizeof v);
    (void)len;
    r->sum += v;
    if (++r->received == N) {
        fp_zsock_close(s, NULL);
        uv_close((uv_handle_t *)&r->guard, NULL);
        uv_async_send(r->done);
    }
}

static void on_guard(uv_timer_t *t)
{
    receiver *r = t->data;
    fprintf(stderr, "receiver stalled at %ld of %d\n", r->received, N);
    fp_zsock_close(&r->pull, NULL);
    uv_close((uv_handle_t *)t, NULL);
    uv_async_send(r->done);
}

static void *recv_thread(void *arg)
{
    receiver *r = arg;
    uv_run(&r->loop, UV_RUN_DEFAULT);
    return NULL;
}

static void sender_done(uv_async_t *a)
{
    fp_zsock_close(a->data, NULL);
    uv_close((uv_handle_t *)a, NULL);
}

static void run(const char *ep)
{
    void *ctx = zmq_ctx_new();
    uv_loop_t loop;
    uv_loop_init(&loop);
    fp_zsock push;
    uv_async_t done;
    uv_async_init(&loop, &done, sender_done);
    done.data = &push;
    receiver r = {.ctx = ctx, .ep = ep, .done = &done};
    uv_loop_init(&r.loop);
    CHECK(fp_zsock_open(&r.pull, &r.loop, ctx, ZMQ_PULL, ep, 1, on_msg, &r) == FP_OK);
    uv_timer_init(&r.loop, &r.guard);
    r.guard.data = &r;
    uv_timer_start(&r.guard, on_guard, 60000, 0);
    pthread_t th;
    pthread_create(&th, NULL, recv_thread, &r);

    CHECK(fp_zsock_open(&push, &loop, ctx, ZMQ_PUSH, ep, 0, NULL, NULL) == FP_OK);
    long long want = 0;
    char msg[64] = {0};
    for (long i = 1; i <= N; i++) {
        memcpy(msg, &i, sizeof i);
        want += i;
        CHECK(fp_zsock_send(&push, msg, sizeof msg) == FP_OK);
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    pthread_join(th, NULL);
    printf("%s: sent %d, received %ld\n", ep, N, r.received);
    CHECK(r.received == N);
    CHECK(r.sum == want);
    uv_loop_close(&loop);
    uv_loop_close(&r.loop);
    zmq_ctx_term(ctx);
}

int main(void)
{
    char ep[128];
    snprintf(ep, sizeof ep, "ipc:///tmp/fupin-test-zsock-%d", (int)getpid());
    run(ep);
    run("inproc://burst");
    CHECK(!fp_endpoint_valid("tcp://nohost") && !fp_endpoint_valid("http://x:1") && fp_endpoint_valid("tcp://127.0.0.1:5"));
    return CHECK_DONE();
}
