/* fp_curve: CURVE keys and the ZAP allow-list, for every tcp:// socket.
 *
 * Off by default: nothing changes until a daemon (or a `fupin` command) is
 * given --key. From then on every tcp:// endpoint it binds is a CURVE
 * server that admits only the public keys its --allow lines list for that
 * endpoint, and every tcp:// endpoint it connects to is reached as a CURVE
 * client that checks the server's key (--server-key). ipc:// and inproc://
 * stay as they are: they do not leave the host, and the file system's
 * permissions guard them.
 *
 * Keys (fupin keygen DIR NAME): NAME.key holds the pair (secret, mode
 * 0600), NAME.pub the public key only. Both are czmq's certificate format
 * (ZPL text), so zcert can read them and they can be read by eye:
 *
 *     metadata
 *         name = "NAME"
 *     curve
 *         public-key = "<40 characters of Z85>"
 *         secret-key = "<40 characters of Z85>"      (NAME.key only)
 *
 * A name in --allow and --server-key is looked up as KEY_DIR/NAME.pub;
 * a value with a '/' is a file; a bare 40-character Z85 key is the key.
 *
 * Who may connect is decided by a ZAP handler (RFC 27) that each binding
 * process serves from its own libuv loop: a REP socket on
 * inproc://zeromq.zap.01 in the daemon's ZeroMQ context. Each CURVE
 * server socket carries its endpoint as ZAP domain, so the handler tells
 * the endpoints (and so the roles) apart. A refused key is logged once per
 * endpoint, in Z85 with the peer's address, and counted
 * (fp_curve_refused()). */
#ifndef FP_CURVE_H
#define FP_CURVE_H

#include <stddef.h>
#include <uv.h>

#include "fp_opts.h"

#define FP_Z85_KEY 40 /* a 32-byte key in Z85, without the NUL */

/* The process's settings (filled by the option tables below). */
typedef struct {
    char *key;            /* this process's NAME.key */
    char *key_dir;        /* where names are looked up (default: the folder of key) */
    fp_strlist allow;     /* "ENDPOINT=NAME[,NAME...]" */
    fp_strlist server_key; /* "ENDPOINT=NAME", or "NAME" for every tcp endpoint not listed */
} fp_curve_cfg;

extern fp_curve_cfg fp_curve_settings;
/* Daemons: --key, --key-dir, --allow, --server-key. */
extern const fp_opt fp_curve_opts[];
extern const size_t fp_curve_nopts;
/* Clients (fupin submit, status, top): --key, --key-dir, --server-key. */
extern const fp_opt fp_curve_client_opts[];
extern const size_t fp_curve_client_nopts;

/* Loads and checks what fp_curve_settings names (keys readable, well
 * formed, the secret not readable by others, CURVE built into libzmq).
 * FP_OK, or an error already reported in one line on stderr. */
int fp_curve_setup(const char *prog);
/* 1 once fp_curve_setup has turned CURVE on. */
int fp_curve_on(void);
/* Forgets every setting and key (the tests use it between cases). */
void fp_curve_reset(void);

/* Makes socket z secure for endpoint before it binds or connects (nothing
 * for ipc:// and inproc://, or when CURVE is off). A binding socket needs a
 * loop (the ZAP handler is served there): *zap then holds a reference on
 * that handler, which fp_curve_release drops after the socket is closed.
 * FP_OK or an error code, already logged. */
int fp_curve_apply(void *z, const char *endpoint, int bind, void *zctx, uv_loop_t *loop, void **zap);
void fp_curve_release(void *zap);

/* Handshakes refused so far (every try, not every key). */
unsigned long long fp_curve_refused(void);
/* Keys admitted so far (each once per endpoint). */
unsigned long long fp_curve_admitted(void);

/* Appends " auth_refused=N" to the status line in buf while CURVE is on. */
void fp_curve_status(char *buf, size_t cap);

/* Writes DIR/NAME.key (0600) and DIR/NAME.pub; refuses to overwrite. */
int fp_curve_keygen(const char *dir, const char *name, char pub[FP_Z85_KEY + 1], char *why, size_t cap);
/* Reads a key file: pub always, sec when asked for (NULL: not wanted). */
int fp_curve_read(const char *path, char pub[FP_Z85_KEY + 1], char sec[FP_Z85_KEY + 1], char *why, size_t cap);

#endif
