/* fp_zsock: a ZeroMQ socket driven by a libuv loop.
 *
 * ZMQ_FD is edge-triggered and signals "events may have changed", not "a
 * message is here". So the glue watches it for READABLE only, and on every
 * wake-up (and after every send) loops on ZMQ_EVENTS: it receives with
 * ZMQ_DONTWAIT until EAGAIN and flushes queued sends while ZMQ_POLLOUT
 * holds. Work left after a fair share of messages continues from a uv_idle
 * handle, so one busy socket cannot starve the loop and no message stalls.
 *
 * Sends never block the loop: a message the socket cannot take now (HWM
 * reached, no peer yet) waits in an outbox, sent in order as soon as
 * possible. fp_zsock_outbox() lets a daemon stop reading while it grows.
 *
 * Back-pressure. Every socket's ZeroMQ queues are bounded (FP_ZSOCK_HWM
 * messages each way). A PUSH socket whose outbox reaches FP_ZSOCK_BACKLOG
 * (its peer is slow or gone) holds every PULL socket of the same loop
 * (the daemon's inputs): they stop reading until each such outbox is down
 * to FP_ZSOCK_BACKLOG / 4; then they go on where they stopped. Nothing is
 * dropped: unread messages wait in ZeroMQ's bounded queue, then in the
 * sender's. So a daemon's memory stays bounded however slow the stage
 * after it. A PULL socket whose reading frees the way (ingest's acks) must
 * never be held, or stages could wait on each other in a ring: it says so
 * with fp_zsock_unheld().
 *
 * Delivery is ZeroMQ's: messages a bound peer has queued but not yet read
 * are dropped when the connection closes. Nothing in fupin relies on a
 * socket for durability: the journal's acks and re-sends recover them. */
#ifndef FP_ZSOCK_H
#define FP_ZSOCK_H

#include <stddef.h>
#include <uv.h>
#include <zmq.h>

typedef struct fp_zsock fp_zsock;

#define FP_ZSOCK_HWM 256     /* ZeroMQ's send and receive high-water marks, on every socket */
#define FP_ZSOCK_BACKLOG 64  /* a PUSH outbox this long holds the loop's inputs */
/* Called once per received message (single frame). data is valid only during the call. */
typedef void (*fp_zsock_cb)(fp_zsock *s, const char *data, size_t len, void *ud);

/* Called once per received multi-frame message (fp_zsock_on_parts); the
 * frames are valid only during the call. */
typedef void (*fp_zsock_parts_cb)(fp_zsock *s, zmq_msg_t *parts, int n, void *ud);
#define FP_ZSOCK_PARTS 16 /* frames kept of one message; more are dropped */

typedef struct fp_zmsg {
    zmq_msg_t msg;
    int more; /* another frame of the same message follows */
    struct fp_zmsg *next;
} fp_zmsg;

struct fp_zsock {
    void *z;
    uv_poll_t poll;
    uv_idle_t idle;
    uv_loop_t *loop;
    fp_zsock_cb cb;
    void *ud;
    fp_zmsg *out_head, *out_tail;
    size_t out_len;
    int paused, closing, open_handles;
    void (*on_closed)(fp_zsock *);
    unsigned long long sent, received;
    int type;         /* the ZeroMQ socket type */
    int input, held;  /* input: a PULL the loop's blocked PUSH sockets hold; held: held now */
    int blocked;      /* a PUSH whose outbox reached FP_ZSOCK_BACKLOG, until it drains */
    fp_zsock_parts_cb parts_cb;
    void *zap; /* a CURVE server's hold on its ZAP handler (fp_curve) */
};

/* Creates a socket of ZeroMQ type `type`, binds (bind=1) or connects to
 * endpoint, and starts reading into cb (cb may be NULL for send-only). On
 * failure returns an FP_E* code and logs one line naming the endpoint.
 * A tcp:// endpoint gets the CURVE security the process was configured
 * with (common/fp_curve.h): a CURVE server with its ZAP allow-list when
 * bound, a CURVE client when connected; nothing changes while it has none. */
int fp_zsock_open(fp_zsock *s, uv_loop_t *loop, void *zctx, int type, const char *endpoint, int bind,
                  fp_zsock_cb cb, void *ud);
/* Delivers whole multi-frame messages to cb instead (set right after open). */
void fp_zsock_on_parts(fp_zsock *s, fp_zsock_parts_cb cb, void *ud);
/* Queues one message of n frames; FP_OK or FP_ENOMEM (nothing queued). */
int fp_zsock_send_parts(fp_zsock *s, const void *const *data, const size_t *len, int n);
/* Queues a copy of data for sending; FP_OK or FP_ENOMEM. */
int fp_zsock_send(fp_zsock *s, const void *data, size_t len);
/* Messages waiting in the outbox. */
size_t fp_zsock_outbox(const fp_zsock *s);
/* Stops / restarts delivering received messages (backpressure). */
void fp_zsock_pause(fp_zsock *s, int paused);
/* Exempts a PULL socket from being held by its loop's blocked PUSH sockets (see above). */
void fp_zsock_unheld(fp_zsock *s);
/* 1 while a PULL socket is held by back-pressure. */
int fp_zsock_held(const fp_zsock *s);
/* Closes the libuv handles, then the ZeroMQ socket (with its linger), then
 * calls on_closed (may be NULL). Queued sends are handed to ZeroMQ first. */
void fp_zsock_close(fp_zsock *s, void (*on_closed)(fp_zsock *));

/* Checks an endpoint's syntax (ipc://PATH, tcp://HOST:PORT, inproc://NAME). */
int fp_endpoint_valid(const char *endpoint);

#endif
