#include "fp_ctl.h"
#include "fp_curve.h"
#include "fp_err.h"
#include "fp_zsock.h"

#include <stdlib.h>
#include <string.h>
#include <zmq.h>

int fp_endpoint_ok(const char *endpoint) { return fp_endpoint_valid(endpoint); }

int fp_ctl_request(void *zctx, const char *endpoint, int timeout_ms, const void *req, size_t len, char *reply,
                   size_t cap)
{
    reply[0] = '\0';
    void *s = zmq_socket(zctx, ZMQ_REQ);
    if (!s) return FP_EIO;
    int zero = 0;
    zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(s, ZMQ_RCVTIMEO, &timeout_ms, sizeof timeout_ms);
    zmq_setsockopt(s, ZMQ_SNDTIMEO, &timeout_ms, sizeof timeout_ms);
    int rc = FP_EIO;
    if (fp_curve_apply(s, endpoint, 0, zctx, NULL, NULL) == FP_OK && zmq_connect(s, endpoint) == 0 &&
        zmq_send(s, req, len, 0) >= 0) {
        int n = zmq_recv(s, reply, cap - 1, 0);
        if (n >= 0) {
            reply[(size_t)n < cap - 1 ? (size_t)n : cap - 1] = '\0';
            rc = strncmp(reply, "error", 5) == 0 ? FP_EINVAL : FP_OK;
        }
    }
    zmq_close(s);
    return rc;
}

int fp_ctl_submit(void *zctx, const char *endpoint, int timeout_ms, const char *source, int year, const char *data,
                  size_t len, char *reply, size_t cap)
{
    char yr[24] = "";
    if (year > 0) snprintf(yr, sizeof yr, "\tyear=%d", year);
    size_t sl = strlen(source), yl = strlen(yr);
    char *req = malloc(8 + sl + yl + len);
    if (!req) return FP_ENOMEM;
    memcpy(req, "submit\n", 7);
    memcpy(req + 7, source, sl);
    memcpy(req + 7 + sl, yr, yl);
    req[7 + sl + yl] = '\n';
    memcpy(req + 8 + sl + yl, data, len);
    int rc = fp_ctl_request(zctx, endpoint, timeout_ms, req, 8 + sl + yl + len, reply, cap);
    free(req);
    return rc;
}

long long fp_ctl_field(const char *status, const char *key)
{
    size_t kl = strlen(key);
    for (const char *p = status; (p = strstr(p, key)); p += kl) {
        if ((p == status || p[-1] == ' ') && p[kl] == '=') return atoll(p + kl + 1);
    }
    return -1;
}
