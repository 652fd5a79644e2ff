/* http: libmicrohttpd driven from the sink's libuv loop, so handlers run on
 * the loop's thread and read the sink's state without locks.
 *
 * MHD runs with no thread of its own, in epoll mode: its epoll fd is
 * watched by a uv_poll, and a timer follows MHD_get_timeout. A handler
 * answers at once with fp_http_reply, or keeps the request and answers
 * later (the connection is suspended meanwhile), as /api/facts does while
 * the shards reply. */
#ifndef FP_HTTP_H
#define FP_HTTP_H

#include <stddef.h>
#include <uv.h>

typedef struct fp_http fp_http;
typedef struct fp_http_req fp_http_req;

/* Called once per GET request with its path (no query string). */
typedef void (*fp_http_handler)(fp_http_req *req, const char *path, void *ud);

/* Listens on "ADDR:PORT" (IPv4). On failure logs one line and returns an FP_E* code. */
int fp_http_start(fp_http **out, uv_loop_t *loop, const char *addr_port, fp_http_handler h, void *ud);
/* Stops listening and closes every connection; safe on NULL. Answer every
 * kept request first: a suspended connection cannot be closed cleanly. */
void fp_http_stop(fp_http *h);
/* The port actually bound (useful with port 0). */
int fp_http_port(const fp_http *h);

/* A query argument, or NULL. Valid while the request is. */
const char *fp_http_arg(fp_http_req *r, const char *name);
/* Answers the request; body is copied. After this r must not be used. */
void fp_http_reply(fp_http_req *r, int status, const char *content_type, const char *body, size_t len);

#endif
