#include "serve.h"
#include "fp_json.h"
#include "api.h"
#include "fp_err.h"
#include "fp_file.h"
#include "fp_log.h"
#include "fp_zsock.h"

#include <stdlib.h>
#include <string.h>

typedef struct query query;
typedef struct conn conn;

/* /api/facts asks every shard over REQ sockets kept in a pool per shard and
 * reused: a socket per request per shard ran out of sockets and failed a
 * sixth of 3,000 concurrent requests. At most POOL_MAX requests are out to
 * one shard at a time (it answers one after another anyway); the rest
 * wait their turn in order. */
#define POOL_MAX 8
#define ANSWER_MS 3000   /* a shard asked answers within this, or the query goes on without it */
#define WAIT_MAX_MS 30000 /* a query waits at most this long for its turn and its answers */

/* One query's request to one shard: waiting for a socket, out on one, or settled. */
typedef struct shard_req {
    query *q;
    int shard;
    conn *c;                           /* the socket it is out on */
    struct shard_req *prev, *next;     /* in its shard's queue while waiting for a socket */
    int queued;
} shard_req;

struct conn {
    fp_zsock z; /* first: fp_zsock callbacks get the conn */
    fp_serve *s;
    int shard;
    shard_req *req; /* the request it carries, NULL when idle */
    conn *next_idle;
};

typedef struct {
    conn *idle;
    int open;                 /* sockets made, idle or busy */
    shard_req *head, *tail;   /* requests waiting for a socket */
} pool;

struct fp_serve {
    fp_serve_cfg cfg;
    fp_http *http;
    query *pending; /* facts queries waiting for shards */
    pool *pools;    /* one per shard */
};

struct query {
    fp_serve *s;
    fp_http_req *req;
    shard_req *reqs;
    int waiting, answered, closing;
    uint64_t started_ms;
    uv_timer_t timer;
    fp_buf facts;
    char msg[256];
    int msglen;
    char code[16], indicator[96], series[12], unit[16];
    int year;
    query *next;
};

static const char *get_arg(void *ctx, const char *name) { return fp_http_arg(ctx, name); }

static void reply_buf(fp_http_req *r, int status, const char *ctype, const fp_buf *b)
{
    fp_http_reply(r, status, ctype, b->p ? b->p : "", b->len);
}

static void reply_error(fp_http_req *r, int status, const char *msg)
{
    fp_buf b = {0};
    int rc = fp_api_error(&b, msg);
    reply_buf(r, rc ? 500 : status, "application/json; charset=utf-8", &b);
    fp_buf_free(&b);
}

static void query_free_later(query *q);
static void on_shard_reply(fp_zsock *z, const char *data, size_t len, void *ud);

static void unqueue(pool *p, shard_req *r)
{
    if (!r->queued) return;
    if (r->prev) r->prev->next = r->next;
    else p->head = r->next;
    if (r->next) r->next->prev = r->prev;
    else p->tail = r->prev;
    r->prev = r->next = NULL;
    r->queued = 0;
}

/* Puts r out on c. REQ_RELAXED lets a socket whose last request went
 * unanswered carry the next, and REQ_CORRELATE drops the late answer. */
static void dispatch(conn *c, shard_req *r)
{
    c->req = r;
    r->c = c;
    if (fp_zsock_send(&c->z, r->q->msg, (size_t)r->q->msglen)) on_shard_reply(&c->z, "", 0, c);
}

/* A socket free again: the next request waiting for its shard, else the idle list. */
static void conn_release(conn *c)
{
    pool *p = &c->s->pools[c->shard];
    c->req = NULL;
    shard_req *r = p->head;
    if (r) {
        unqueue(p, r);
        dispatch(c, r);
        return;
    }
    c->next_idle = p->idle;
    p->idle = c;
}

static void conn_closed(fp_zsock *z) { free((conn *)z); }

/* A socket for shard i: an idle one, a new one while fewer than POOL_MAX are open, else NULL (wait in line). */
static conn *conn_get(fp_serve *s, int i)
{
    pool *p = &s->pools[i];
    conn *c = p->idle;
    if (c) {
        p->idle = c->next_idle;
        return c;
    }
    if (p->open >= POOL_MAX || !(c = calloc(1, sizeof *c))) return NULL;
    if (fp_zsock_open(&c->z, s->cfg.loop, s->cfg.zctx, ZMQ_REQ, s->cfg.shard_eps[i], 0, on_shard_reply, c) != FP_OK) {
        free(c);
        return NULL;
    }
    int on = 1, linger = 0;
    zmq_setsockopt(c->z.z, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(c->z.z, ZMQ_REQ_RELAXED, &on, sizeof on);
    zmq_setsockopt(c->z.z, ZMQ_REQ_CORRELATE, &on, sizeof on);
    c->s = s;
    c->shard = i;
    p->open++;
    return c;
}

static void finish(query *q, int timed_out)
{
    if (q->closing) return;
    fp_buf b = {0};
    int rc = fp_buf_puts(&b, "{");
    rc |= fp_json_kv(&b, "region_code", q->code, 1);
    rc |= fp_json_key(&b, "year", 0);
    rc |= q->year ? fp_buf_printf(&b, "%d", q->year) : fp_buf_puts(&b, "null");
    rc |= fp_buf_puts(&b, ",\"indicator\":");
    rc |= fp_buf_json_str(&b, q->indicator, strlen(q->indicator));
    rc |= fp_json_kv(&b, "series", q->series, 0);
    rc |= fp_json_key(&b, "unit", 0);
    rc |= fp_buf_json_str(&b, q->unit, strlen(q->unit));
    rc |= fp_buf_printf(&b, ",\"shards\":%d,\"shards_answered\":%d,\"facts\":[", q->s->cfg.nshards, q->answered);
    rc |= fp_buf_append(&b, q->facts.p ? q->facts.p : "", q->facts.len);
    rc |= fp_buf_puts(&b, "]}");
    if (q->req) {
        if (rc) reply_error(q->req, 500, "out of memory");
        else reply_buf(q->req, timed_out && !q->answered ? 503 : 200, "application/json; charset=utf-8", &b);
        q->req = NULL;
    }
    fp_buf_free(&b);
    query_free_later(q);
}

static void on_shard_reply(fp_zsock *z, const char *data, size_t len, void *ud)
{
    (void)z;
    conn *c = ud;
    shard_req *sr = c->req;
    if (!sr) return; /* a late answer to a query that has gone */
    sr->c = NULL;
    query *q = sr->q;
    /* a shard answers a JSON array: take what is between the brackets */
    if (len > 2 && data[0] == '[' && data[len - 1] == ']') {
        if (q->facts.len) fp_buf_puts(&q->facts, ",");
        fp_buf_append(&q->facts, data + 1, len - 2);
    }
    if (len) q->answered++;
    conn_release(c);
    if (--q->waiting == 0) finish(q, 0);
}

/* Out of time: a request still waiting for its turn gets more, up to WAIT_MAX_MS; an unanswered one does not. */
static void on_query_timeout(uv_timer_t *t)
{
    query *q = t->data;
    int queued = 0;
    for (int i = 0; i < q->s->cfg.nshards; i++) queued |= q->reqs[i].queued;
    if (queued && uv_now(q->s->cfg.loop) - q->started_ms < WAIT_MAX_MS) {
        uv_timer_start(&q->timer, on_query_timeout, ANSWER_MS, 0);
        return;
    }
    finish(q, 1);
}

static void unlink_query(query *q)
{
    for (query **p = &q->s->pending; *p; p = &(*p)->next)
        if (*p == q) {
            *p = q->next;
            return;
        }
}

static void on_timer_closed(uv_handle_t *h)
{
    query *q = h->data;
    fp_buf_free(&q->facts);
    free(q->reqs);
    free(q);
}

/* Leaves the line and hands back its sockets (an answer still due is dropped when it comes), then frees q. */
static void query_free_later(query *q)
{
    q->closing = 1;
    unlink_query(q);
    for (int i = 0; i < q->s->cfg.nshards; i++) {
        shard_req *r = &q->reqs[i];
        unqueue(&q->s->pools[i], r);
        if (r->c) {
            conn *c = r->c;
            r->c = NULL;
            conn_release(c);
        }
    }
    uv_close((uv_handle_t *)&q->timer, on_timer_closed);
}

static void start_facts(fp_serve *s, fp_http_req *r)
{
    fp_args a = {get_arg, r};
    fp_buf body = {0};
    int status;
    query *q = calloc(1, sizeof *q);
    if (!q || !(q->reqs = calloc((size_t)s->cfg.nshards, sizeof *q->reqs))) {
        free(q);
        reply_error(r, 500, "out of memory");
        return;
    }
    int rc = fp_api_facts_args(s->cfg.gaz, &a, q->code, &q->year, q->indicator, q->series, q->unit, &body, &status);
    if (rc || status != 200) {
        reply_buf(r, rc ? 500 : status, "application/json; charset=utf-8", &body);
        fp_buf_free(&body);
        free(q->reqs);
        free(q);
        return;
    }
    fp_buf_free(&body);
    q->s = s;
    q->req = r;
    q->started_ms = uv_now(s->cfg.loop);
    uv_timer_init(s->cfg.loop, &q->timer);
    q->timer.data = q;
    q->next = s->pending;
    s->pending = q;
    q->msglen = snprintf(q->msg, sizeof q->msg, "facts\n%s\n%d\n%s\n%s\n%s", q->code, q->year, q->indicator,
                         q->series, q->unit);
    q->waiting = s->cfg.nshards;
    for (int i = 0; i < s->cfg.nshards; i++) {
        shard_req *sr = &q->reqs[i];
        sr->q = q;
        sr->shard = i;
        conn *c = conn_get(s, i);
        if (c) {
            dispatch(c, sr);
            if (q->closing) return; /* every shard failed at once: answered */
        } else {
            pool *p = &s->pools[i];
            sr->queued = 1;
            sr->prev = p->tail;
            if (p->tail) p->tail->next = sr;
            else p->head = sr;
            p->tail = sr;
        }
    }
    uv_timer_start(&q->timer, on_query_timeout, ANSWER_MS, 0);
}

static void serve_page(fp_serve *s, fp_http_req *r)
{
    char *data;
    size_t len;
    const char *why;
    if (fp_file_read(s->cfg.page, &data, &len, &why)) {
        char msg[600];
        snprintf(msg, sizeof msg, "the dashboard page %s cannot be read: %s", s->cfg.page, why);
        reply_error(r, 500, msg);
        return;
    }
    fp_http_reply(r, 200, "text/html; charset=utf-8", data, len);
    free(data);
}

static void on_request(fp_http_req *r, const char *path, void *ud)
{
    fp_serve *s = ud;
    fp_args a = {get_arg, r};
    fp_buf b = {0};
    int status = 200, rc = FP_OK;
    const char *json = "application/json; charset=utf-8";
    uint64_t now = uv_now(s->cfg.loop);
    if (!strcmp(path, "/") || !strcmp(path, "/index.html")) {
        serve_page(s, r);
        return;
    } else if (!strcmp(path, "/api/facts")) {
        start_facts(s, r);
        return;
    } else if (!strcmp(path, "/api/totals")) {
        rc = fp_api_totals(s->cfg.table, s->cfg.gaz, &a, &b, &status);
    } else if (!strcmp(path, "/api/regions")) {
        rc = fp_api_regions(s->cfg.table, s->cfg.gaz, &a, &b, &status);
    } else if (!strcmp(path, "/api/indicators")) {
        rc = fp_api_indicators(s->cfg.indicators, &b, &status);
    } else if (!strcmp(path, "/api/anomalies")) {
        rc = fp_api_anomalies(s->cfg.table, &b, &status);
    } else if (!strcmp(path, "/api/stages")) {
        rc = fp_health_json(s->cfg.health, now, &b);
    } else if (!strcmp(path, "/metrics")) {
        rc = fp_api_metrics(s->cfg.table, s->cfg.gaz, s->cfg.health, s->cfg.lat, now, &b);
        json = "text/plain; version=0.0.4; charset=utf-8";
    } else if (!strcmp(path, "/healthz")) {
        fp_buf why = {0};
        int n = fp_health_problems(s->cfg.health, now, s->cfg.need, s->cfg.nneed, &why);
        const char *extra = s->cfg.problems_extra ? s->cfg.problems_extra(s->cfg.ud) : NULL;
        if (extra && *extra) n += !fp_buf_printf(&why, "%s%s", why.len ? "; " : "", extra);
        status = n > 0 ? 503 : 200;
        rc = fp_buf_printf(&b, "%s%s\n", n > 0 ? "unhealthy: " : "ok", n > 0 && why.p ? why.p : "");
        fp_buf_free(&why);
        json = "text/plain; charset=utf-8";
    } else {
        status = 404;
        char msg[512]; /* the path goes through the JSON escaping, whatever it holds */
        snprintf(msg, sizeof msg, "no route %.200s (try /, /api/totals, /api/regions, /api/indicators, /api/anomalies, /api/facts, "
                 "/api/stages, /metrics, /healthz)", path);
        rc = fp_api_error(&b, msg);
    }
    if (rc) reply_error(r, 500, "out of memory");
    else reply_buf(r, status, json, &b);
    fp_buf_free(&b);
}

int fp_serve_start(fp_serve **out, const fp_serve_cfg *cfg, const char *addr_port)
{
    fp_serve *s = calloc(1, sizeof *s);
    if (!s) return FP_ENOMEM;
    s->cfg = *cfg;
    if (cfg->nshards > 0 && !(s->pools = calloc((size_t)cfg->nshards, sizeof *s->pools))) {
        free(s);
        return FP_ENOMEM;
    }
    int rc = fp_http_start(&s->http, cfg->loop, addr_port, on_request, s);
    if (rc) {
        free(s->pools);
        free(s);
        return rc;
    }
    *out = s;
    return FP_OK;
}

int fp_serve_port(const fp_serve *s) { return s ? fp_http_port(s->http) : 0; }

void fp_serve_stop(fp_serve *s)
{
    if (!s) return;
    while (s->pending) {
        query *q = s->pending;
        if (q->req) {
            reply_error(q->req, 503, "the sink is stopping");
            q->req = NULL;
        }
        query_free_later(q); /* unlinks q, hands its sockets back */
    }
    for (int i = 0; i < s->cfg.nshards; i++)
        while (s->pools[i].idle) {
            conn *c = s->pools[i].idle;
            s->pools[i].idle = c->next_idle;
            fp_zsock_close(&c->z, conn_closed);
        }
    fp_http_stop(s->http);
    free(s->pools);
    free(s);
}
