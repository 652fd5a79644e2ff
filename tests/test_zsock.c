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
#include <stdatomic.h>
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

#define NBP 20000

typedef struct {
    void *ctx;
    atomic_int finished; /* the feeder stays connected until the consumer has everything */
} feeder;

/* Another thread's plain PUSH, blocking: it sends as fast as the stage takes. */
static void *feed(void *arg)
{
    feeder *f = arg;
    void *z = zmq_socket(f->ctx, ZMQ_PUSH);
    zmq_connect(z, "inproc://bp-in");
    for (long i = 1; i <= NBP; i++) zmq_send(z, &i, sizeof i, 0);
    while (!atomic_load(&f->finished)) usleep(1000);
    int linger = 0;
    zmq_setsockopt(z, ZMQ_LINGER, &linger, sizeof linger);
    zmq_close(z);
    return NULL;
}

typedef struct {
    fp_zsock in, out, consumer;
    uv_timer_t check, guard;
    long forwarded, consumed;
    long long sum;
    size_t max_outbox;
    int held_seen;
    long forwarded_at_check;
} stage;

static void on_forward(fp_zsock *z, const char *data, size_t len, void *ud)
{
    (void)z;
    stage *g = ud;
    g->forwarded++;
    CHECK(fp_zsock_send(&g->out, data, len) == FP_OK);
    if (fp_zsock_outbox(&g->out) > g->max_outbox) g->max_outbox = fp_zsock_outbox(&g->out);
}

static void stage_close(stage *g)
{
    fp_zsock_close(&g->in, NULL);
    fp_zsock_close(&g->out, NULL);
    fp_zsock_close(&g->consumer, NULL);
    uv_close((uv_handle_t *)&g->check, NULL);
    uv_close((uv_handle_t *)&g->guard, NULL);
}

static void on_consume(fp_zsock *z, const char *data, size_t len, void *ud)
{
    (void)z;
    stage *g = ud;
    long v;
    CHECK(len == sizeof v);
    memcpy(&v, data, sizeof v);
    g->sum += v;
    if (++g->consumed == NBP) stage_close(g);
}

/* After the consumer stalled for a while: the stage must be holding its input. Then the consumer reads again. */
static void on_check(uv_timer_t *t)
{
    stage *g = t->data;
    g->held_seen = fp_zsock_held(&g->in);
    g->forwarded_at_check = g->forwarded;
    fp_zsock_pause(&g->consumer, 0);
}

static void on_bp_guard(uv_timer_t *t)
{
    stage *g = t->data;
    fprintf(stderr, "back-pressure: stalled at %ld forwarded, %ld consumed\n", g->forwarded, g->consumed);
    stage_close(g);
}

static void back_pressure(void)
{
    void *ctx = zmq_ctx_new();
    uv_loop_t loop;
    uv_loop_init(&loop);
    stage g;
    memset(&g, 0, sizeof g);
    /* the consumer is exempt from being held (it stands for the next process) and starts stalled */
    CHECK(fp_zsock_open(&g.consumer, &loop, ctx, ZMQ_PULL, "inproc://bp-out", 1, on_consume, &g) == FP_OK);
    fp_zsock_unheld(&g.consumer);
    fp_zsock_pause(&g.consumer, 1);
    CHECK(fp_zsock_open(&g.in, &loop, ctx, ZMQ_PULL, "inproc://bp-in", 1, on_forward, &g) == FP_OK);
    CHECK(fp_zsock_open(&g.out, &loop, ctx, ZMQ_PUSH, "inproc://bp-out", 0, NULL, NULL) == FP_OK);
    uv_timer_init(&loop, &g.check);
    uv_timer_init(&loop, &g.guard);
    g.check.data = g.guard.data = &g;
    uv_timer_start(&g.check, on_check, 500, 0);
    uv_timer_start(&g.guard, on_bp_guard, 60000, 0);
    feeder f = {.ctx = ctx};
    pthread_t th;
    pthread_create(&th, NULL, feed, &f);
    uv_run(&loop, UV_RUN_DEFAULT);
    atomic_store(&f.finished, 1);
    pthread_join(th, NULL);
    long long want = (long long)NBP * (NBP + 1) / 2;
    printf("back-pressure: %ld forwarded before the consumer read again (held: %d), outbox at most %zu; "
           "consumed %ld of %d\n", g.forwarded_at_check, g.held_seen, g.max_outbox, g.consumed, NBP);
    CHECK(g.held_seen && g.forwarded_at_check < NBP);
    CHECK(g.max_outbox <= FP_ZSOCK_BACKLOG);
    CHECK(g.consumed == NBP && g.sum == want);
    uv_loop_close(&loop);
    zmq_ctx_term(ctx);
}

int main(void)
{
    char ep[128];
    snprintf(ep, sizeof ep, "ipc:///tmp/fupin-test-zsock-%d", (int)getpid());
    run(ep);
    run("inproc://burst");
    back_pressure();
    CHECK(!fp_endpoint_valid("tcp://nohost") && !fp_endpoint_valid("http://x:1") && fp_endpoint_valid("tcp://127.0.0.1:5"));
    return CHECK_DONE();
}
