/* fp_opts: command-line flags and config files from one table.
 *
 * A daemon describes its options once (name, kind, default, help, where in
 * its config struct the value goes). fp_opts_parse fills the struct from the
 * defaults, then a --config FILE ("name = value" lines, '#' comments), then
 * the command line (--name VALUE, --name=VALUE), so flags win over the file.
 * Unknown names, missing values and non-numbers are one clear error line. */
#ifndef FP_OPTS_H
#define FP_OPTS_H

#include <stddef.h>

typedef enum { FP_OPT_STR, FP_OPT_INT, FP_OPT_FLAG, FP_OPT_LIST } fp_opt_kind;

typedef struct {
    char **v;
    int n;
} fp_strlist;

typedef struct {
    const char *name;
    fp_opt_kind kind;
    const char *def; /* default as text, NULL for none */
    size_t off;      /* offset in the config struct: char*, int, int, fp_strlist */
    const char *help;
} fp_opt;

/* What fp_opts_parse returns besides FP_OK and error codes. */
enum {
    FP_OPTS_DONE = 1,  /* --help or --print-config printed: the caller exits 0 */
    FP_OPTS_USAGE = 2, /* a usage error, reported in one line: the caller exits 2 */
};

/* Returns FP_OK; FP_OPTS_DONE after --help (the usage, then every option)
 * or --print-config (every option with its value after the defaults,
 * --config and the other flags, as a config file, commented with the usage
 * and each option's help); FP_OPTS_USAGE after one error line about a flag,
 * a config file it cannot read or a line of it; or FP_ENOMEM. On anything but FP_OK it has already freed what it stored.
 * Non-option arguments go to *args. */
int fp_opts_parse(const fp_opt *opts, size_t nopts, void *cfg, int argc, char **argv, fp_strlist *args,
                  const char *usage);
/* Options from more than one table, each filling its own struct (a daemon's
 * own flags and those common/fp_curve.c keeps for the whole process): the
 * same as fp_opts_parse over their union. On --help or an error it frees
 * what it stored in every set. */
typedef struct {
    const fp_opt *opts;
    size_t n;
    void *cfg;
} fp_optset;
int fp_opts_parse_sets(const fp_optset *sets, size_t nsets, int argc, char **argv, fp_strlist *args,
                       const char *usage);
/* Frees every string the parse stored in cfg and args. */
void fp_opts_free(const fp_opt *opts, size_t nopts, void *cfg, fp_strlist *args);
void fp_opts_help(const fp_opt *opts, size_t nopts, const char *usage);

int fp_strlist_push(fp_strlist *l, const char *s);
void fp_strlist_free(fp_strlist *l);

#endif
