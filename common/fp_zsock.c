#include "fp_zsock.h"
#include "fp_curve.h"
#include "fp_err.h"
#include "fp_log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define FAIR_SHARE 256 /* messages per wake-up before yielding to the loop */

static void drive(fp_zsock *s);
static void on_idle(uv_idle_t *h);
static void on_poll(uv_poll_t *h, int status, int events);

/* Back-pressure is per loop (one daemon: one loop). The loop's fp_zsocks are
 * found among its handles (their poll handles run on_poll), so no list of
 * them can go stale when one is closed. */
static fp_zsock *zsock_of(uv_handle_t *h)
{
    if (h->type != UV_POLL || ((uv_poll_t *)h)->poll_cb != on_poll) return NULL;
    fp_zsock *z = h->data;
    return z->closing ? NULL : z;
}

static void count_blocked(uv_handle_t *h, void *arg)
{
    fp_zsock *z = zsock_of(h);
    if (z && z->blocked) ++*(int *)arg;
}

static void set_held(uv_handle_t *h, void *arg)
{
    fp_zsock *z = zsock_of(h);
    if (!z || !z->input) return;
    int held = *(int *)arg;
    if (z->held && !held) uv_idle_start(&z->idle, on_idle); /* go on where it stopped */
    z->held = held;
}

static void hold_inputs(uv_loop_t *loop)
{
    int blocked = 0;
    uv_walk(loop, count_blocked, &blocked);
    int held = blocked > 0;
    uv_walk(loop, set_held, &held);
}

/* Called whenever a PUSH outbox changed length: blocked at FP_ZSOCK_BACKLOG, free again at a quarter of it. */
static void note_backlog(fp_zsock *s)
{
    if (s->type != ZMQ_PUSH || !s->loop) return;
    if (!s->blocked && s->out_len >= FP_ZSOCK_BACKLOG && !s->closing) {
        s->blocked = 1;
        hold_inputs(s->loop);
    } else if (s->blocked && (s->out_len <= FP_ZSOCK_BACKLOG / 4 || s->closing)) {
        s->blocked = 0;
        hold_inputs(s->loop);
    }
}

/* zmq_bind on ipc:// silently unlinks a path another daemon is serving.
 * Connecting first tells a live listener from a stale file. */
static int fp_ipc_in_use(const char *path)
{
    struct sockaddr_un sa;
    if (strlen(path) >= sizeof sa.sun_path) return 0;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    strcpy(sa.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0) return 0;
    int live = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
    close(fd);
    return live;
}

static void on_idle(uv_idle_t *h)
{
    fp_zsock *s = h->data;
    uv_idle_stop(h);
    drive(s);
}

static void on_poll(uv_poll_t *h, int status, int events)
{
    (void)status;
    (void)events;
    drive(h->data);
}

static int flush_outbox(fp_zsock *s)
{
    while (s->out_head) {
        fp_zmsg *m = s->out_head;
        if (zmq_msg_send(&m->msg, s->z, ZMQ_DONTWAIT | (m->more ? ZMQ_SNDMORE : 0)) < 0) {
            if (errno == EAGAIN) return 0;
            fp_warn("send failed: %s (message dropped from outbox)", zmq_strerror(errno));
            zmq_msg_close(&m->msg);
        }
        s->out_head = m->next;
        if (!s->out_head) s->out_tail = NULL;
        s->out_len--;
        s->sent++;
        free(m);
        if (s->blocked) note_backlog(s);
    }
    return 1;
}

/* Receives one whole message into parts_cb; 0 when none was waiting. */
static int recv_parts(fp_zsock *s)
{
    zmq_msg_t parts[FP_ZSOCK_PARTS];
    int n = 0, more = 1;
    while (more) {
        zmq_msg_t spare, *m = n < FP_ZSOCK_PARTS ? &parts[n] : &spare;
        zmq_msg_init(m);
        if (zmq_msg_recv(m, s->z, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(m);
            break;
        }
        more = zmq_msg_more(m);
        if (m == &spare) zmq_msg_close(m);
        else n++;
    }
    if (n) {
        s->received++;
        s->parts_cb(s, parts, n, s->ud);
    }
    for (int i = 0; i < n; i++) zmq_msg_close(&parts[i]);
    return n > 0;
}

static void drive(fp_zsock *s)
{
    int budget = FAIR_SHARE;
    while (!s->closing) {
        int ev = 0;
        size_t sz = sizeof ev;
        if (zmq_getsockopt(s->z, ZMQ_EVENTS, &ev, &sz) < 0) return;
        int progress = 0;
        if ((ev & ZMQ_POLLOUT) && s->out_head) {
            size_t before = s->out_len;
            flush_outbox(s);
            progress = s->out_len != before;
        }
        if ((ev & ZMQ_POLLIN) && !s->paused && !s->held && (s->cb || s->parts_cb)) {
            if (budget-- == 0) { /* yield; continue on the next loop turn */
                uv_idle_start(&s->idle, on_idle);
                return;
            }
            if (s->parts_cb) {
                progress |= recv_parts(s);
                if (!progress) return;
                continue;
            }
            zmq_msg_t msg;
            zmq_msg_init(&msg);
            if (zmq_msg_recv(&msg, s->z, ZMQ_DONTWAIT) >= 0) {
                s->received++;
                s->cb(s, zmq_msg_data(&msg), zmq_msg_size(&msg), s->ud);
                progress = 1;
            }
            zmq_msg_close(&msg);
        }
        if (!progress) return;
    }
}

int fp_endpoint_valid(const char *ep)
{
    if (!ep) return 0;
    if (strncmp(ep, "ipc://", 6) == 0) return ep[6] != '\0' && strlen(ep + 6) < 100;
    if (strncmp(ep, "inproc://", 9) == 0) return ep[9] != '\0';
    if (strncmp(ep, "tcp://", 6) == 0) {
        const char *colon = strrchr(ep + 6, ':');
        if (!colon || colon == ep + 6 || colon[1] == '\0') return 0;
        if (strcmp(colon + 1, "*") == 0) return 1;
        char *end;
        long port = strtol(colon + 1, &end, 10);
        return *end == '\0' && port >= 0 && port <= 65535;
    }
    return 0;
}

int fp_zsock_open(fp_zsock *s, uv_loop_t *loop, void *zctx, int type, const char *ep, int bind,
                  fp_zsock_cb cb, void *ud)
{
    memset(s, 0, sizeof *s);
    if (!fp_endpoint_valid(ep)) {
        fp_error("malformed endpoint '%s' (want ipc://PATH, tcp://HOST:PORT or inproc://NAME)", ep ? ep : "");
        return FP_EINVAL;
    }
    s->z = zmq_socket(zctx, type);
    if (!s->z) {
        fp_error("cannot create socket for %s: %s", ep, zmq_strerror(errno));
        return FP_EIO;
    }
    int linger = 2000, hwm = FP_ZSOCK_HWM;
    zmq_setsockopt(s->z, ZMQ_LINGER, &linger, sizeof linger);
    /* bounded queues: what a slow peer has not taken waits in the outbox, which holds the inputs (above) */
    if (zmq_setsockopt(s->z, ZMQ_SNDHWM, &hwm, sizeof hwm) < 0 || zmq_setsockopt(s->z, ZMQ_RCVHWM, &hwm, sizeof hwm) < 0) {
        fp_error("cannot bound the queues of %s: %s", ep, zmq_strerror(errno));
        zmq_close(s->z);
        s->z = NULL;
        return FP_EIO;
    }
    if (bind && strncmp(ep, "ipc://", 6) == 0 && fp_ipc_in_use(ep + 6)) {
        fp_error("cannot bind %s: a running process already listens there", ep);
        zmq_close(s->z);
        s->z = NULL;
        return FP_EBUSY;
    }
    /* CURVE and the ZAP handler before the first peer can come in. */
    int rc = fp_curve_apply(s->z, ep, bind, zctx, loop, &s->zap);
    if (rc) {
        zmq_close(s->z);
        s->z = NULL;
        return rc;
    }
    rc = bind ? zmq_bind(s->z, ep) : zmq_connect(s->z, ep);
    if (rc < 0) {
        int e = errno;
        fp_error("cannot %s %s: %s", bind ? "bind" : "connect", ep, zmq_strerror(e));
        zmq_close(s->z);
        s->z = NULL;
        fp_curve_release(s->zap);
        s->zap = NULL;
        return e == EADDRINUSE ? FP_EBUSY : FP_EIO;
    }
    int fd;
    size_t fdsz = sizeof fd;
    zmq_getsockopt(s->z, ZMQ_FD, &fd, &fdsz);
    s->loop = loop;
    s->cb = cb;
    s->ud = ud;
    s->type = type;
    s->input = type == ZMQ_PULL && cb;
    uv_poll_init(loop, &s->poll, fd);
    uv_idle_init(loop, &s->idle);
    s->poll.data = s->idle.data = s;
    s->open_handles = 2;
    uv_poll_start(&s->poll, UV_READABLE, on_poll);
    if (s->input) { /* an input opened while an output is blocked starts held */
        int blocked = 0;
        uv_walk(loop, count_blocked, &blocked);
        s->held = blocked > 0;
    }
    /* The edge may already have passed: look once now. */
    uv_idle_start(&s->idle, on_idle);
    return FP_OK;
}

void fp_zsock_on_parts(fp_zsock *s, fp_zsock_parts_cb cb, void *ud)
{
    s->parts_cb = cb;
    s->ud = ud;
}

static fp_zmsg *new_msg(const void *data, size_t len, int more)
{
    fp_zmsg *m = malloc(sizeof *m);
    if (!m) return NULL;
    if (zmq_msg_init_size(&m->msg, len) < 0) {
        free(m);
        return NULL;
    }
    if (len) memcpy(zmq_msg_data(&m->msg), data, len);
    m->more = more;
    m->next = NULL;
    return m;
}

int fp_zsock_send_parts(fp_zsock *s, const void *const *data, const size_t *len, int n)
{
    fp_zmsg *head = NULL, *tail = NULL;
    for (int i = 0; i < n; i++) {
        fp_zmsg *m = new_msg(data[i], len[i], i + 1 < n);
        if (!m) {
            while (head) {
                fp_zmsg *next = head->next;
                zmq_msg_close(&head->msg);
                free(head);
                head = next;
            }
            return FP_ENOMEM;
        }
        if (tail) tail->next = m;
        else head = m;
        tail = m;
    }
    if (!head) return FP_OK;
    if (s->out_tail) s->out_tail->next = head;
    else s->out_head = head;
    s->out_tail = tail;
    s->out_len += (size_t)n;
    flush_outbox(s);
    note_backlog(s);
    if (!s->closing) uv_idle_start(&s->idle, on_idle);
    return FP_OK;
}

int fp_zsock_send(fp_zsock *s, const void *data, size_t len)
{
    fp_zmsg *m = new_msg(data, len, 0);
    if (!m) return FP_ENOMEM;
    if (s->out_tail) s->out_tail->next = m;
    else s->out_head = m;
    s->out_tail = m;
    s->out_len++;
    flush_outbox(s);
    note_backlog(s);
    /* A send may consume the fd's edge: re-check events on the next turn. */
    if (!s->closing) uv_idle_start(&s->idle, on_idle);
    return FP_OK;
}

size_t fp_zsock_outbox(const fp_zsock *s) { return s->out_len; }

void fp_zsock_unheld(fp_zsock *s)
{
    s->input = s->held = 0;
    if (!s->closing && s->z) uv_idle_start(&s->idle, on_idle);
}

int fp_zsock_held(const fp_zsock *s) { return s->held; }

void fp_zsock_pause(fp_zsock *s, int paused)
{
    s->paused = paused;
    if (!paused && !s->closing) uv_idle_start(&s->idle, on_idle);
}

static void on_handle_closed(uv_handle_t *h)
{
    fp_zsock *s = h->data;
    if (--s->open_handles > 0) return;
    /* Hand what is still queued to ZeroMQ, whose linger delivers it. */
    while (s->out_head) {
        fp_zmsg *m = s->out_head;
        s->out_head = m->next;
        if (zmq_msg_send(&m->msg, s->z, ZMQ_DONTWAIT | (m->more ? ZMQ_SNDMORE : 0)) < 0) zmq_msg_close(&m->msg);
        free(m);
    }
    s->out_tail = NULL;
    s->out_len = 0;
    zmq_close(s->z);
    s->z = NULL;
    /* The last CURVE server of a context closes its ZAP handler. */
    void *zap = s->zap;
    s->zap = NULL;
    fp_curve_release(zap);
    if (s->on_closed) s->on_closed(s);
}

void fp_zsock_close(fp_zsock *s, void (*on_closed)(fp_zsock *))
{
    if (!s->z || s->closing) return;
    s->closing = 1;
    s->on_closed = on_closed;
    note_backlog(s); /* a closing PUSH holds nothing any more */
    uv_poll_stop(&s->poll);
    uv_idle_stop(&s->idle);
    uv_close((uv_handle_t *)&s->poll, on_handle_closed);
    uv_close((uv_handle_t *)&s->idle, on_handle_closed);
}
