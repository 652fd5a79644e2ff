#define _GNU_SOURCE
#include "http.h"
#include "fp_err.h"
#include "fp_log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct fp_http {
    struct MHD_Daemon *mhd;
    uv_loop_t *loop;
    uv_poll_t poll;
    uv_timer_t timer;
    uv_idle_t idle; /* runs MHD once more after a resume */
    fp_http_handler handler;
    void *ud;
    int fd, port, handles;
};

struct fp_http_req {
    fp_http *h;
    struct MHD_Connection *conn;
    int handled, suspended, ready, status;
    char *body, ctype[64];
    size_t len;
};

static void drive(fp_http *h);

static void on_poll(uv_poll_t *p, int status, int events)
{
    (void)status;
    (void)events;
    drive(p->data);
}

static void on_timer(uv_timer_t *t) { drive(t->data); }

static void on_idle(uv_idle_t *i)
{
    uv_idle_stop(i);
    drive(i->data);
}

static void drive(fp_http *h)
{
    if (!h->mhd) return;
    MHD_run(h->mhd);
    MHD_UNSIGNED_LONG_LONG to;
    if (MHD_get_timeout(h->mhd, &to) == MHD_YES) uv_timer_start(&h->timer, on_timer, to ? to : 1, 0);
    else uv_timer_stop(&h->timer);
}

static enum MHD_Result queue(fp_http_req *r)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(r->len, r->body, MHD_RESPMEM_MUST_FREE);
    if (!resp) return MHD_NO;
    r->body = NULL; /* the response owns it now */
    MHD_add_response_header(resp, "Content-Type", r->ctype);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    enum MHD_Result ret = MHD_queue_response(r->conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    (void)version;
    (void)upload;
    fp_http *h = cls;
    fp_http_req *r = *con_cls;
    if (!r) {
        if (!(r = calloc(1, sizeof *r))) return MHD_NO;
        r->h = h;
        r->conn = conn;
        *con_cls = r;
        return MHD_YES;
    }
    if (*upload_size) { /* no route takes a body */
        *upload_size = 0;
        return MHD_YES;
    }
    if (!r->handled) {
        r->handled = 1;
        if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
            const char *msg = "{\"error\":\"only GET is served\"}";
            fp_http_reply(r, 405, "application/json", msg, strlen(msg));
        } else {
            h->handler(r, url, h->ud);
        }
        if (!r->ready) {
            r->suspended = 1;
            MHD_suspend_connection(conn);
            return MHD_YES;
        }
    }
    return r->ready ? queue(r) : MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    fp_http_req *r = *con_cls;
    if (r) {
        free(r->body);
        free(r);
    }
    *con_cls = NULL;
}

const char *fp_http_arg(fp_http_req *r, const char *name)
{
    const char *v = NULL;
    size_t n = 0;
    if (MHD_lookup_connection_value_n(r->conn, MHD_GET_ARGUMENT_KIND, name, strlen(name), &v, &n) != MHD_YES)
        return NULL;
    /* region=%00abc must not read as an empty (dropped) filter: a value holding NUL matches nothing */
    if (v && strlen(v) != n) return "\x7f";
    return v;
}

void fp_http_reply(fp_http_req *r, int status, const char *content_type, const char *body, size_t len)
{
    free(r->body);
    r->body = malloc(len ? len : 1);
    if (r->body) {
        memcpy(r->body, body, len);
        r->len = len;
        r->status = status;
    } else {
        r->len = 0;
        r->status = 500;
    }
    snprintf(r->ctype, sizeof r->ctype, "%s", content_type);
    r->ready = 1;
    if (r->suspended) {
        r->suspended = 0;
        MHD_resume_connection(r->conn);
        uv_idle_start(&r->h->idle, on_idle);
    }
}

static int listen_on(const char *addr_port, int *port_out)
{
    char host[64];
    const char *colon = strrchr(addr_port, ':');
    if (!colon || (size_t)(colon - addr_port) >= sizeof host) return -EINVAL;
    memcpy(host, addr_port, (size_t)(colon - addr_port));
    host[colon - addr_port] = '\0';
    char *end;
    long port = strtol(colon + 1, &end, 10);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (*end || port < 0 || port > 65535 || inet_pton(AF_INET, *host ? host : "127.0.0.1", &sa.sin_addr) != 1)
        return -EINVAL;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 64) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    socklen_t sl = sizeof sa;
    getsockname(fd, (struct sockaddr *)&sa, &sl);
    *port_out = ntohs(sa.sin_port);
    return fd;
}

static void on_closed(uv_handle_t *hd)
{
    fp_http *h = hd->data;
    if (--h->handles == 0) free(h);
}

int fp_http_start(fp_http **out, uv_loop_t *loop, const char *addr_port, fp_http_handler handler, void *ud)
{
    *out = NULL;
    fp_http *h = calloc(1, sizeof *h);
    if (!h) return FP_ENOMEM;
    int fd = listen_on(addr_port, &h->port);
    if (fd < 0) {
        fp_error("cannot serve HTTP on %s: %s", addr_port,
                 fd == -EINVAL ? "want ADDR:PORT, e.g. 127.0.0.1:8080" : strerror(-fd));
        free(h);
        return fd == -EADDRINUSE ? FP_EBUSY : FP_EINVAL;
    }
    h->fd = fd;
    h->loop = loop;
    h->handler = handler;
    h->ud = ud;
    h->mhd = MHD_start_daemon(MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME, 0, NULL, NULL, on_request, h,
                              MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
                              /* half-open connections time out and one address cannot take every slot */
                              MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10, MHD_OPTION_CONNECTION_LIMIT, (unsigned)512,
                              MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)64, MHD_OPTION_END);
    const union MHD_DaemonInfo *info = h->mhd ? MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_EPOLL_FD) : NULL;
    if (!info) {
        fp_error("cannot serve HTTP on %s: libmicrohttpd did not start", addr_port);
        if (h->mhd) MHD_stop_daemon(h->mhd);
        close(fd);
        free(h);
        return FP_EIO;
    }
    uv_poll_init(loop, &h->poll, info->epoll_fd);
    uv_timer_init(loop, &h->timer);
    uv_idle_init(loop, &h->idle);
    h->poll.data = h->timer.data = h->idle.data = h;
    h->handles = 3;
    uv_poll_start(&h->poll, UV_READABLE, on_poll);
    drive(h);
    *out = h;
    return FP_OK;
}

int fp_http_port(const fp_http *h) { return h ? h->port : 0; }

void fp_http_stop(fp_http *h)
{
    if (!h || !h->mhd) return;
    uv_close((uv_handle_t *)&h->poll, on_closed);
    uv_close((uv_handle_t *)&h->timer, on_closed);
    uv_close((uv_handle_t *)&h->idle, on_closed);
    /* quiesce hands the listening socket back, so it is closed once, here */
    MHD_quiesce_daemon(h->mhd);
    MHD_stop_daemon(h->mhd);
    h->mhd = NULL;
    close(h->fd);
}
