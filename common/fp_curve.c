#include "fp_curve.h"
#include "fp_err.h"
#include "fp_log.h"
#include "fp_zsock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#define ZAP_ENDPOINT "inproc://zeromq.zap.01"
#ifndef ZMQ_ZAP_ENFORCE_DOMAIN
#define ZMQ_ZAP_ENFORCE_DOMAIN 93 /* a draft option in 4.3: tried, and fine to lack */
#endif

fp_curve_cfg fp_curve_settings;

#define KEY_OPT                                                                                          \
    {"key", FP_OPT_STR, NULL, offsetof(fp_curve_cfg, key),                                               \
     "this process's CURVE key pair (NAME.key from fupin keygen); turns CURVE on for every tcp:// endpoint"}
#define KEY_DIR_OPT                                                                                      \
    {"key-dir", FP_OPT_STR, NULL, offsetof(fp_curve_cfg, key_dir),                                       \
     "folder where the names in --allow and --server-key are found as NAME.pub (default: that of --key)"}
#define SERVER_KEY_OPT                                                                                   \
    {"server-key", FP_OPT_LIST, NULL, offsetof(fp_curve_cfg, server_key),                                \
     "ENDPOINT=NAME: the public key of the daemon this process connects to there (NAME alone: any tcp "  \
     "endpoint not listed)"}

const fp_opt fp_curve_opts[] = {
    KEY_OPT,
    KEY_DIR_OPT,
    {"allow", FP_OPT_LIST, NULL, offsetof(fp_curve_cfg, allow),
     "ENDPOINT=NAME,NAME...: the public keys admitted on a tcp:// endpoint this daemon binds (no line: it "
     "refuses to start)"},
    SERVER_KEY_OPT,
};
const size_t fp_curve_nopts = sizeof fp_curve_opts / sizeof fp_curve_opts[0];
const fp_opt fp_curve_client_opts[] = {KEY_OPT, KEY_DIR_OPT, SERVER_KEY_OPT};
const size_t fp_curve_client_nopts = sizeof fp_curve_client_opts / sizeof fp_curve_client_opts[0];

typedef struct {
    char *endpoint; /* NULL: the default (server keys only) */
    char name[64];
    char z85[FP_Z85_KEY + 1];
    uint8_t bin[32];
} entry;

typedef struct zap {
    fp_zsock s; /* first: the close callback gets it */
    void *zctx;
    int refs;
    struct zap *next;
} zap;

static struct {
    int on;
    char pub[FP_Z85_KEY + 1], sec[FP_Z85_KEY + 1];
    entry *allow, *servers;
    size_t nallow, nservers;
    zap *zaps;
    char **seen; /* "endpoint key" already logged */
    size_t nseen;
    unsigned long long refused, admitted;
} st;

int fp_curve_on(void) { return st.on; }
unsigned long long fp_curve_refused(void) { return st.refused; }
unsigned long long fp_curve_admitted(void) { return st.admitted; }

void fp_curve_status(char *buf, size_t cap)
{
    size_t l = strlen(buf);
    if (st.on && l < cap) snprintf(buf + l, cap - l, " auth_refused=%llu", st.refused);
}

static void free_entries(entry *e, size_t n)
{
    for (size_t i = 0; i < n; i++) free(e[i].endpoint);
    free(e);
}

void fp_curve_reset(void)
{
    free_entries(st.allow, st.nallow);
    free_entries(st.servers, st.nservers);
    for (size_t i = 0; i < st.nseen; i++) free(st.seen[i]);
    free(st.seen);
    zap *z = st.zaps; /* only ones still open: their sockets close with their loops */
    memset(&st, 0, sizeof st);
    st.zaps = z;
    fp_opts_free(fp_curve_opts, fp_curve_nopts, &fp_curve_settings, NULL);
}

static int z85_ok(const char *s, uint8_t bin[32])
{
    uint8_t tmp[32];
    return strlen(s) == FP_Z85_KEY && zmq_z85_decode(bin ? bin : tmp, s) != NULL;
}

/* The quoted value after "name =" on a ZPL line, into out. */
static int zpl_value(const char *line, const char *name, char out[FP_Z85_KEY + 1])
{
    while (*line == ' ' || *line == '\t') line++;
    size_t nl = strlen(name);
    if (strncmp(line, name, nl)) return 0;
    line += nl;
    while (*line == ' ' || *line == '\t') line++;
    if (*line++ != '=') return 0;
    while (*line == ' ' || *line == '\t') line++;
    if (*line++ != '"') return 0;
    const char *end = strchr(line, '"');
    if (!end || end - line != FP_Z85_KEY) return 0;
    memcpy(out, line, FP_Z85_KEY);
    out[FP_Z85_KEY] = '\0';
    return 1;
}

int fp_curve_read(const char *path, char pub[FP_Z85_KEY + 1], char sec[FP_Z85_KEY + 1], char *why, size_t cap)
{
    FILE *f = fopen(path, "r");
    if (!f) return snprintf(why, cap, "cannot read %s: %s", path, strerror(errno)), FP_EIO;
    char line[512];
    int havepub = 0, havesec = 0, lines = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        lines++;
        if (zpl_value(line, "public-key", pub)) havepub = 1;
        else if (sec && zpl_value(line, "secret-key", sec)) havesec = 1;
        else if (lines == 1 && z85_ok(line, NULL)) { /* a bare key */
            memcpy(pub, line, FP_Z85_KEY + 1);
            havepub = 1;
        }
    }
    fclose(f);
    if (!havepub || !z85_ok(pub, NULL)) return snprintf(why, cap, "%s holds no public-key in Z85", path), FP_EINVAL;
    if (!sec) return FP_OK;
    if (!havesec || !z85_ok(sec, NULL))
        return snprintf(why, cap, "%s holds no secret-key (a NAME.key file from fupin keygen is needed)", path),
               FP_EINVAL;
    char derived[FP_Z85_KEY + 1];
    if (zmq_curve_public(derived, sec) == 0 && strcmp(derived, pub))
        return snprintf(why, cap, "%s: its public-key is not that of its secret-key", path), FP_EINVAL;
    return FP_OK;
}

static int valid_name(const char *name)
{
    if (!*name || *name == '.' || strlen(name) > 60) return 0;
    for (const char *c = name; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '-' ||
              *c == '_' || *c == '.'))
            return 0;
    return 1;
}

static int write_file(const char *path, const char *text, mode_t mode, char *why, size_t cap)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
    if (fd < 0) return snprintf(why, cap, "cannot create %s: %s", path, strerror(errno)), FP_EIO;
    size_t len = strlen(text);
    int ok = write(fd, text, len) == (ssize_t)len && fchmod(fd, mode) == 0 && fsync(fd) == 0;
    if (close(fd) || !ok) {
        unlink(path);
        return snprintf(why, cap, "cannot write %s", path), FP_EIO;
    }
    return FP_OK;
}

int fp_curve_keygen(const char *dir, const char *name, char pub[FP_Z85_KEY + 1], char *why, size_t cap)
{
    if (!valid_name(name))
        return snprintf(why, cap, "a key's NAME is letters, digits, '-', '_' and '.', not '%s'", name), FP_EINVAL;
    if (!zmq_has("curve")) return snprintf(why, cap, "this libzmq was built without CURVE"), FP_EINVAL;
    char kpath[4096], ppath[4096], text[1024], sec[FP_Z85_KEY + 1];
    snprintf(kpath, sizeof kpath, "%s/%s.key", dir, name);
    snprintf(ppath, sizeof ppath, "%s/%s.pub", dir, name);
    struct stat sb;
    if (stat(kpath, &sb) == 0 || stat(ppath, &sb) == 0)
        return snprintf(why, cap, "%s/%s.key or .pub exists already: not overwritten", dir, name), FP_EBUSY;
    if (zmq_curve_keypair(pub, sec)) return snprintf(why, cap, "zmq_curve_keypair: %s", zmq_strerror(errno)), FP_EIO;
    snprintf(text, sizeof text,
             "#   ZeroMQ CURVE **Secret** Certificate (fupin keygen)\n"
             "#   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.\n"
             "#   Give %s.pub to the daemons that must admit or reach this one.\n\n"
             "metadata\n    name = \"%s\"\ncurve\n    public-key = \"%s\"\n    secret-key = \"%s\"\n",
             name, name, pub, sec);
    int rc = write_file(kpath, text, 0600, why, cap);
    memset(text, 0, sizeof text);
    memset(sec, 0, sizeof sec);
    if (rc) return rc;
    snprintf(text, sizeof text,
             "#   ZeroMQ CURVE Public Certificate (fupin keygen)\n"
             "#   List it in --allow of the endpoints %s may connect to, or as --server-key of its endpoints.\n\n"
             "metadata\n    name = \"%s\"\ncurve\n    public-key = \"%s\"\n",
             name, name, pub);
    rc = write_file(ppath, text, 0644, why, cap);
    if (rc) unlink(kpath);
    return rc;
}

/* NAME (KEY_DIR/NAME.pub), a path with '/', or a bare Z85 key, into e. */
static int resolve(entry *e, const char *name, const char *key_dir, const char *prog)
{
    char why[600], path[4096];
    snprintf(e->name, sizeof e->name, "%s", name);
    if (z85_ok(name, e->bin)) {
        memcpy(e->z85, name, FP_Z85_KEY + 1);
        snprintf(e->name, sizeof e->name, "%.8s...", name);
        return FP_OK;
    }
    if (strchr(name, '/')) {
        snprintf(path, sizeof path, "%s", name);
        const char *base = strrchr(name, '/') + 1;
        snprintf(e->name, sizeof e->name, "%.*s", (int)strcspn(base, "."), base);
    } else if (valid_name(name)) {
        snprintf(path, sizeof path, "%s/%s.pub", key_dir, name);
    } else {
        fprintf(stderr, "%s: error: '%s' is neither a key name, a key file nor a Z85 key\n", prog, name);
        return FP_EINVAL;
    }
    if (fp_curve_read(path, e->z85, NULL, why, sizeof why)) {
        fprintf(stderr, "%s: error: %s\n", prog, why);
        return FP_EINVAL;
    }
    zmq_z85_decode(e->bin, e->z85);
    return FP_OK;
}

static int push(entry **v, size_t *n, const char *endpoint, const char *name, const char *key_dir, const char *prog)
{
    entry *nv = realloc(*v, sizeof *nv * (*n + 1));
    if (!nv) return FP_ENOMEM;
    *v = nv;
    entry *e = &nv[*n];
    memset(e, 0, sizeof *e);
    if (endpoint && !(e->endpoint = strdup(endpoint))) return FP_ENOMEM;
    int rc = resolve(e, name, key_dir, prog);
    if (rc) {
        free(e->endpoint);
        return rc;
    }
    (*n)++;
    return FP_OK;
}

/* "ENDPOINT=NAME[,NAME...]" (names also split by blanks). */
static int parse_line(const char *line, int server, const char *key_dir, const char *prog)
{
    char *copy = strdup(line);
    if (!copy) return FP_ENOMEM;
    char *eq = strchr(copy, '='), *names = copy, *ep = NULL;
    if (eq) {
        *eq = '\0';
        ep = copy;
        names = eq + 1;
        ep[strcspn(ep, " \t")] = '\0';
        if (!fp_endpoint_valid(ep) || strncmp(ep, "tcp://", 6)) {
            fprintf(stderr, "%s: error: --%s %s: '%s' is no tcp:// endpoint\n", prog, server ? "server-key" : "allow",
                    line, ep);
            free(copy);
            return FP_EINVAL;
        }
    } else if (!server) {
        fprintf(stderr, "%s: error: --allow wants ENDPOINT=NAME[,NAME...], not '%s'\n", prog, line);
        free(copy);
        return FP_EINVAL;
    }
    int rc = FP_OK, count = 0;
    for (char *save = NULL, *tok = strtok_r(names, ", \t", &save); tok && !rc; tok = strtok_r(NULL, ", \t", &save)) {
        if (server && count) {
            fprintf(stderr, "%s: error: --server-key %s: one key per endpoint\n", prog, line);
            rc = FP_EINVAL;
            break;
        }
        rc = server ? push(&st.servers, &st.nservers, ep, tok, key_dir, prog)
                    : push(&st.allow, &st.nallow, ep, tok, key_dir, prog);
        count++;
    }
    if (!rc && !count) {
        fprintf(stderr, "%s: error: --%s %s names no key\n", prog, server ? "server-key" : "allow", line);
        rc = FP_EINVAL;
    }
    free(copy);
    return rc;
}

int fp_curve_setup(const char *prog)
{
    const fp_curve_cfg *c = &fp_curve_settings;
    st.on = 0;
    if (!c->key || !*c->key) {
        if (c->allow.n || c->server_key.n) {
            fprintf(stderr, "%s: error: --allow and --server-key need --key (this process's CURVE key pair)\n", prog);
            return FP_EINVAL;
        }
        return FP_OK;
    }
    if (!zmq_has("curve")) {
        fprintf(stderr,
                "%s: error: --key asks for CURVE, but this libzmq was built without it (it needs libsodium); "
                "refusing to run in the clear\n",
                prog);
        return FP_EINVAL;
    }
    char why[600];
    if (fp_curve_read(c->key, st.pub, st.sec, why, sizeof why)) {
        fprintf(stderr, "%s: error: --key: %s\n", prog, why);
        return FP_EINVAL;
    }
    struct stat sb;
    if (stat(c->key, &sb) == 0 && (sb.st_mode & 0007)) {
        fprintf(stderr, "%s: error: --key %s can be read by anyone (mode %03o): chmod 600 it\n", prog, c->key,
                (unsigned)(sb.st_mode & 0777));
        return FP_EINVAL;
    }
    char dir[4096];
    if (c->key_dir && *c->key_dir) snprintf(dir, sizeof dir, "%s", c->key_dir);
    else {
        const char *slash = strrchr(c->key, '/');
        if (slash) snprintf(dir, sizeof dir, "%.*s", slash == c->key ? 1 : (int)(slash - c->key), c->key);
        else snprintf(dir, sizeof dir, ".");
    }
    int rc = FP_OK;
    for (int i = 0; i < c->allow.n && !rc; i++) rc = parse_line(c->allow.v[i], 0, dir, prog);
    for (int i = 0; i < c->server_key.n && !rc; i++) rc = parse_line(c->server_key.v[i], 1, dir, prog);
    if (rc) return rc;
    st.on = 1;
    return FP_OK;
}

/* ---- the ZAP handler ---- */

static int msg_is(zmq_msg_t *m, const char *s)
{
    size_t n = strlen(s);
    return zmq_msg_size(m) == n && memcmp(zmq_msg_data(m), s, n) == 0;
}

static void copy_str(char *out, size_t cap, zmq_msg_t *m)
{
    size_t n = zmq_msg_size(m);
    if (n >= cap) n = cap - 1;
    memcpy(out, zmq_msg_data(m), n);
    out[n] = '\0';
    for (char *c = out; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f) *c = '?';
}

/* 1 the first time this text is seen (the log says each refusal once). */
static int first_time(const char *what)
{
    for (size_t i = 0; i < st.nseen; i++)
        if (!strcmp(st.seen[i], what)) return 0;
    if (st.nseen >= 4096) return 0; /* enough said */
    char **v = realloc(st.seen, sizeof *v * (st.nseen + 1));
    if (!v) return 1;
    st.seen = v;
    if ((v[st.nseen] = strdup(what))) st.nseen++;
    return 1;
}

static void on_zap(fp_zsock *s, zmq_msg_t *parts, int n, void *ud)
{
    (void)ud;
    char domain[256] = "", address[128] = "", z85[FP_Z85_KEY + 1] = "", seen[512];
    const char *status = "400", *text = "key not allowed on this endpoint", *user = "";
    int wellformed = n >= 6 && msg_is(&parts[0], "1.0");
    if (!wellformed) {
        status = "500";
        text = "malformed ZAP request";
    } else {
        copy_str(domain, sizeof domain, &parts[2]);
        copy_str(address, sizeof address, &parts[3]);
        if (!msg_is(&parts[5], "CURVE") || n < 7 || zmq_msg_size(&parts[6]) != 32) {
            text = "only CURVE is admitted";
        } else {
            const uint8_t *key = zmq_msg_data(&parts[6]);
            zmq_z85_encode(z85, key, 32);
            for (size_t i = 0; i < st.nallow; i++)
                if (st.allow[i].endpoint && !strcmp(st.allow[i].endpoint, domain) &&
                    !memcmp(st.allow[i].bin, key, 32)) {
                    status = "200";
                    text = "OK";
                    user = st.allow[i].name;
                    break;
                }
        }
    }
    if (!strcmp(status, "200")) {
        snprintf(seen, sizeof seen, "+%s %s", domain, z85);
        if (first_time(seen)) {
            st.admitted++;
            fp_info("CURVE: admitted %s (%s) from %s on %s", user, z85, address, domain);
        }
    } else {
        st.refused++;
        snprintf(seen, sizeof seen, "-%s %s", domain, z85);
        if (first_time(seen))
            fp_warn("CURVE: refused the key %s from %s on %s: %s (logged once; refusals so far: %llu)",
                    z85[0] ? z85 : "(none)", address[0] ? address : "?", domain[0] ? domain : "?", text, st.refused);
    }
    if (n < 2) return; /* no request id to answer to (ZeroMQ never sends such a request) */
    const void *data[6] = {"1.0", zmq_msg_data(&parts[1]), status, text, user, ""};
    size_t len[6] = {3, zmq_msg_size(&parts[1]), 3, strlen(text), strlen(user), 0};
    fp_zsock_send_parts(s, data, len, 6);
}

static void zap_closed(fp_zsock *s)
{
    zap *z = (zap *)s;
    for (zap **p = &st.zaps; *p; p = &(*p)->next)
        if (*p == z) {
            *p = z->next;
            break;
        }
    free(z);
}

static zap *zap_acquire(void *zctx, uv_loop_t *loop)
{
    for (zap *z = st.zaps; z; z = z->next)
        if (z->zctx == zctx && z->refs > 0) {
            z->refs++;
            return z;
        }
    zap *z = calloc(1, sizeof *z);
    if (!z) return NULL;
    if (fp_zsock_open(&z->s, loop, zctx, ZMQ_REP, ZAP_ENDPOINT, 1, NULL, NULL)) {
        free(z);
        return NULL;
    }
    fp_zsock_on_parts(&z->s, on_zap, z);
    z->zctx = zctx;
    z->refs = 1;
    z->next = st.zaps;
    st.zaps = z;
    return z;
}

void fp_curve_release(void *h)
{
    zap *z = h;
    if (z && --z->refs == 0) fp_zsock_close(&z->s, zap_closed);
}

static const entry *server_for(const char *endpoint)
{
    const entry *def = NULL;
    for (size_t i = 0; i < st.nservers; i++) {
        if (!st.servers[i].endpoint) def = &st.servers[i];
        else if (!strcmp(st.servers[i].endpoint, endpoint)) return &st.servers[i];
    }
    return def;
}

static int setopt(void *z, int opt, const void *v, size_t len, const char *endpoint)
{
    if (zmq_setsockopt(z, opt, v, len) == 0) return FP_OK;
    fp_error("%s: cannot set CURVE option %d: %s", endpoint, opt, zmq_strerror(errno));
    return FP_EIO;
}

int fp_curve_apply(void *z, const char *endpoint, int bind, void *zctx, uv_loop_t *loop, void **zap_ref)
{
    if (zap_ref) *zap_ref = NULL;
    if (!st.on || strncmp(endpoint, "tcp://", 6)) return FP_OK;
    if (!bind) {
        const entry *e = server_for(endpoint);
        if (!e) {
            fp_error("%s is tcp and CURVE is on (--key), but no --server-key says whose key to expect there "
                     "(--server-key %s=NAME)",
                     endpoint, endpoint);
            return FP_EINVAL;
        }
        int rc = setopt(z, ZMQ_CURVE_SERVERKEY, e->z85, FP_Z85_KEY, endpoint);
        if (!rc) rc = setopt(z, ZMQ_CURVE_PUBLICKEY, st.pub, FP_Z85_KEY, endpoint);
        if (!rc) rc = setopt(z, ZMQ_CURVE_SECRETKEY, st.sec, FP_Z85_KEY, endpoint);
        if (!rc) fp_debug("%s: CURVE client, expecting the server key %s (%s)", endpoint, e->name, e->z85);
        return rc;
    }
    char names[1024] = "";
    size_t nl = 0, count = 0;
    for (size_t i = 0; i < st.nallow; i++)
        if (!strcmp(st.allow[i].endpoint, endpoint)) {
            count++;
            if (nl < sizeof names) {
                int w = snprintf(names + nl, sizeof names - nl, "%s%s", nl ? ", " : "", st.allow[i].name);
                if (w > 0) nl += (size_t)w;
            }
        }
    if (!count) {
        fp_error("%s is tcp and CURVE is on (--key), but no --allow line lists who may connect to it "
                 "(--allow %s=NAME,...)",
                 endpoint, endpoint);
        return FP_EINVAL;
    }
    if (strlen(endpoint) > 255) {
        fp_error("%s: too long for a ZAP domain", endpoint);
        return FP_EINVAL;
    }
    if (!loop || !zap_ref) {
        fp_error("%s: a CURVE server needs a loop to serve its ZAP handler", endpoint);
        return FP_EINVAL;
    }
    int one = 1;
    int rc = setopt(z, ZMQ_CURVE_SERVER, &one, sizeof one, endpoint);
    if (!rc) rc = setopt(z, ZMQ_CURVE_SECRETKEY, st.sec, FP_Z85_KEY, endpoint);
    if (!rc) rc = setopt(z, ZMQ_ZAP_DOMAIN, endpoint, strlen(endpoint), endpoint);
    if (rc) return rc;
    /* Where the library has it: no handler, no entry (the handler is there
     * for as long as this socket is, so this only matters while closing). */
    zmq_setsockopt(z, ZMQ_ZAP_ENFORCE_DOMAIN, &one, sizeof one);
    zap *h = zap_acquire(zctx, loop);
    if (!h) {
        fp_error("%s: cannot start the ZAP handler", endpoint);
        return FP_EIO;
    }
    *zap_ref = h;
    fp_info("%s: CURVE server, admitting %s", endpoint, names);
    return FP_OK;
}
