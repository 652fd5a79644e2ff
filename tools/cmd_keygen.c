/* fupin keygen: makes a CURVE key pair for a daemon or a client.
 *   fupin keygen DIR NAME   writes DIR/NAME.key (the pair; mode 0600) and
 *                           DIR/NAME.pub (the public key, to hand to peers)
 * in czmq's certificate format (see common/fp_curve.h), and prints the
 * public key in Z85. */
#include "cli.h"
#include "fp_curve.h"
#include "fp_opts.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

typedef struct {
    int dummy;
} config;

static const fp_opt opts[] = {0};

int fupin_keygen(int argc, char **argv)
{
    config cfg = {0};
    fp_strlist args = {0};
    int rc = fp_opts_parse(opts, 0, &cfg, argc, argv, &args,
                           "usage: fupin keygen [options] DIR NAME\n\n"
                           "Writes a CURVE key pair: DIR/NAME.key (public and secret key, mode 0600: keep it on\n"
                           "the host that runs NAME) and DIR/NAME.pub (the public key: copy it to the hosts\n"
                           "whose daemons must admit NAME (--allow) or reach it (--server-key)). DIR is made\n"
                           "if missing (mode 0700); an existing key is never overwritten.");
    if (rc == 1) return 0;
    if (rc) return 2;
    if (args.n != 2) {
        fprintf(stderr, "fupin: error: keygen wants DIR NAME (try fupin keygen --help)\n");
        fp_strlist_free(&args);
        return 2;
    }
    if (mkdir(args.v[0], 0700) && errno != EEXIST) {
        fprintf(stderr, "fupin: error: cannot make %s: %s\n", args.v[0], strerror(errno));
        fp_strlist_free(&args);
        return 1;
    }
    char pub[FP_Z85_KEY + 1], why[600];
    rc = fp_curve_keygen(args.v[0], args.v[1], pub, why, sizeof why);
    if (rc) fprintf(stderr, "fupin: error: %s\n", why);
    else printf("%s/%s.key %s/%s.pub %s\n", args.v[0], args.v[1], args.v[0], args.v[1], pub);
    fp_strlist_free(&args);
    return rc ? 1 : 0;
}
