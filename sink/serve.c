#include "serve.h"
#include "api.h"
#include "fp_err.h"
#include "fp_file.h"
#include "fp_log.h"
#include "fp_zsock.h"

#include <stdlib.h>
#include <string.h>

typedef struct query query;

struct fp_serve {
    fp_serve_cfg cfg;
    fp_http *http;
    query *pending; /* facts queries waiting for shards */
};

/* One /api/facts request: a REQ to every shard, answered when all reply or time runs out. */
typedef struct {
    fp_zsock z;
    query *q;
    int open;
} shard_req;

struct query {
    fp_serve *s;
    fp_http_req *req;
    shard_req *reqs;
    int waiting, answered, closing, handles;
    uv_timer_t timer;
    fp_buf facts;
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

static void finish(query *q, int timed_out)
{
    if (q->closing) return;
    fp_buf b = {0};
    int rc = fp_buf_printf(&b, "{\"region_code\":\"%s\",\"year\":", q->code);
    rc |= q->year ? fp_buf_printf(&b, "%d", q->year) : fp_buf_puts(&b, "null");
    rc |= fp_buf_puts(&b, ",\"indicator\":");
    rc |= fp_buf_json_str(&b, q->indicator, strlen(q->indicator));
    rc |= fp_buf_printf(&b, ",\"series\":\"%s\",\"unit\":", q->series);
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
    shard_req *sr = ud;
    query *q = sr->q;
    if (q->closing) return;
    /* a shard answers a JSON array: take what is between the brackets */
    if (len >= 2 && data[0] == '[' && data[len - 1] == ']' && len > 2) {
        if (q->facts.len) fp_buf_puts(&q->facts, ",");
        fp_buf_append(&q->facts, data + 1, len - 2);
    }
    q->answered++;
    if (--q->waiting == 0) finish(q, 0);
}

static void on_query_timeout(uv_timer_t *t) { finish(t->data, 1); }

static void unlink_query(query *q)
{
    for (query **p = &q->s->pending; *p; p = &(*p)->next)
        if (*p == q) {
            *p = q->next;
            return;
        }
}

/* A query is freed when its last handle (timer, sockets) has closed. */
static void release(query *q)
{
    if (--q->handles > 0) return;
    fp_buf_free(&q->facts);
    free(q->reqs);
    free(q);
}

static void on_timer_closed(uv_handle_t *h) { release(h->data); }
static void on_part_closed(fp_zsock *z) { release(((shard_req *)z)->q); }

static void query_free_later(query *q)
{
    q->closing = 1;
    unlink_query(q);
    for (int i = 0; i < q->s->cfg.nshards; i++)
        if (q->reqs[i].open) fp_zsock_close(&q->reqs[i].z, on_part_closed);
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
    uv_timer_init(s->cfg.loop, &q->timer);
    q->timer.data = q;
    q->handles = 1;
    q->next = s->pending;
    s->pending = q;
    char msg[256];
    int n = snprintf(msg, sizeof msg, "facts\n%s\n%d\n%s\n%s\n%s", q->code, q->year, q->indicator, q->series, q->unit);
    for (int i = 0; i < s->cfg.nshards; i++) {
        q->reqs[i].q = q;
        if (fp_zsock_open(&q->reqs[i].z, s->cfg.loop, s->cfg.zctx, ZMQ_REQ, s->cfg.shard_eps[i], 0, on_shard_reply,
                          &q->reqs[i]) == FP_OK) {
            q->reqs[i].open = 1;
            q->handles++;
            int linger = 0;
            zmq_setsockopt(q->reqs[i].z.z, ZMQ_LINGER, &linger, sizeof linger);
            fp_zsock_send(&q->reqs[i].z, msg, (size_t)n);
            q->waiting++;
        }
    }
    if (!q->waiting) finish(q, 1);
    else uv_timer_start(&q->timer, on_query_timeout, 3000, 0);
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
    int rc = fp_http_start(&s->http, cfg->loop, addr_port, on_request, s);
    if (rc) {
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
        query_free_later(q); /* unlinks q */
    }
    fp_http_stop(s->http);
    free(s);
}
