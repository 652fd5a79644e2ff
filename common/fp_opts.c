#include "fp_opts.h"
#include "fp_err.h"
#include "fp_log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int fp_strlist_push(fp_strlist *l, const char *s)
{
    char **v = realloc(l->v, sizeof *v * (size_t)(l->n + 1));
    if (!v) return FP_ENOMEM;
    l->v = v;
    if (!(v[l->n] = strdup(s))) return FP_ENOMEM;
    l->n++;
    return FP_OK;
}

void fp_strlist_free(fp_strlist *l)
{
    for (int i = 0; i < l->n; i++) free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

/* Finds an option by name in every set; *cfg gets the set's struct. */
static const fp_opt *find(const fp_optset *sets, size_t nsets, const char *name, size_t len, void **cfg)
{
    for (size_t k = 0; k < nsets; k++)
        for (size_t i = 0; i < sets[k].n; i++) {
            const fp_opt *o = &sets[k].opts[i];
            if (strlen(o->name) == len && strncmp(o->name, name, len) == 0) {
                *cfg = sets[k].cfg;
                return o;
            }
        }
    return NULL;
}

static int set(const fp_opt *o, void *cfg, const char *val, const char *where)
{
    void *p = (char *)cfg + o->off;
    switch (o->kind) {
    case FP_OPT_STR: {
        char *s = strdup(val);
        if (!s) return FP_ENOMEM;
        free(*(char **)p);
        *(char **)p = s;
        return FP_OK;
    }
    case FP_OPT_INT: {
        char *end;
        errno = 0;
        long v = strtol(val, &end, 10);
        if (errno || end == val || *end || v < 0 || v > 1000000000) {
            fprintf(stderr, "%s: error: %s: --%s wants a non-negative whole number, not '%s'\n", fp_log_prog(),
                    where, o->name, val);
            return FP_EINVAL;
        }
        *(int *)p = (int)v;
        return FP_OK;
    }
    case FP_OPT_FLAG:
        if (!strcmp(val, "1") || !strcmp(val, "true") || !strcmp(val, "yes") || !strcmp(val, "on")) *(int *)p = 1;
        else if (!strcmp(val, "0") || !strcmp(val, "false") || !strcmp(val, "no") || !strcmp(val, "off"))
            *(int *)p = 0;
        else {
            fprintf(stderr, "%s: error: %s: --%s wants yes or no, not '%s'\n", fp_log_prog(), where, o->name, val);
            return FP_EINVAL;
        }
        return FP_OK;
    case FP_OPT_LIST: return fp_strlist_push(p, val);
    }
    return FP_EINVAL;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t') s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n')) s[--n] = '\0';
    return s;
}

static int load_file(const fp_optset *sets, size_t nsets, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "%s: error: cannot read config '%s': %s\n", fp_log_prog(), path, strerror(errno));
        return FP_EINVAL; /* a usage error, as a bad flag */
    }
    char line[4096];
    int lineno = 0, rc = FP_OK;
    while (!rc && fgets(line, sizeof line, f)) {
        lineno++;
        char *s = trim(line);
        if (*s == '#' || *s == '\0') continue;
        char *eq = strchr(s, '=');
        char where[600];
        snprintf(where, sizeof where, "%s:%d", path, lineno);
        if (!eq) {
            fprintf(stderr, "%s: error: %s: expected 'name = value'\n", fp_log_prog(), where);
            rc = FP_EINVAL;
            break;
        }
        *eq = '\0';
        char *name = trim(s), *val = trim(eq + 1);
        void *cfg = NULL;
        const fp_opt *o = find(sets, nsets, name, strlen(name), &cfg);
        if (!o || !strcmp(name, "config")) {
            fprintf(stderr, "%s: error: %s: unknown setting '%s'\n", fp_log_prog(), where, name);
            rc = FP_EINVAL;
            break;
        }
        rc = set(o, cfg, val, where);
    }
    fclose(f);
    return rc;
}

/* An option's help, its default and whether it repeats, ending the line. */
static void print_help_text(const fp_opt *o)
{
    printf("%s", o->help);
    if (o->def && o->kind != FP_OPT_FLAG) printf(" (default: %s)", o->def);
    printf("%s\n", o->kind == FP_OPT_LIST ? " [repeatable]" : "");
}

static void help_sets(const fp_optset *sets, size_t nsets, const char *usage)
{
    printf("%s\n\nOptions (also as 'name = value' lines in a --config file):\n", usage);
    for (size_t k = 0; k < nsets; k++)
        for (size_t i = 0; i < sets[k].n; i++) {
            const fp_opt *o = &sets[k].opts[i];
            char left[64];
            snprintf(left, sizeof left, "--%s%s", o->name,
                     o->kind == FP_OPT_FLAG ? "" : o->kind == FP_OPT_INT ? " N" : " VALUE");
            printf("  %-26s ", left);
            print_help_text(o);
        }
    printf("  %-26s %s\n  %-26s %s\n  %-26s %s\n", "--config FILE", "read settings from FILE first",
           "--print-config", "print these settings as a --config file, then exit", "-h, --help", "show this help");
}

/* The usage text as comment lines ("#" alone for its blank lines). */
static void comment(const char *text)
{
    for (const char *p = text; *p;) {
        size_t n = strcspn(p, "\n");
        printf(n ? "# %.*s\n" : "#\n", (int)n, p);
        p += n;
        if (*p == '\n') p++;
    }
}

static void print_config(const fp_optset *sets, size_t nsets, const char *usage)
{
    comment(usage);
    printf("#\n# Every flag of `%s --help`, as \"name = value\" lines (the flag without its\n"
           "# dashes), for --config FILE; flags on the command line win. A \"# name =\"\n"
           "# line is unset. Made by --print-config from the same table as --help.\n",
           fp_log_prog());
    for (size_t k = 0; k < nsets; k++)
        for (size_t i = 0; i < sets[k].n; i++) {
            const fp_opt *o = &sets[k].opts[i];
            const void *p = (const char *)sets[k].cfg + o->off;
            printf("\n# ");
            print_help_text(o);
            switch (o->kind) {
            case FP_OPT_STR: {
                const char *v = *(char *const *)p;
                printf(v ? "%s = %s\n" : "# %s =\n", o->name, v);
                break;
            }
            case FP_OPT_INT: printf("%s = %d\n", o->name, *(const int *)p); break;
            case FP_OPT_FLAG: printf("%s = %s\n", o->name, *(const int *)p ? "yes" : "no"); break;
            case FP_OPT_LIST: {
                const fp_strlist *l = p;
                if (!l->n) printf("# %s =\n", o->name);
                for (int j = 0; j < l->n; j++) printf("%s = %s\n", o->name, l->v[j]);
                break;
            }
            }
        }
}

void fp_opts_help(const fp_opt *opts, size_t nopts, const char *usage)
{
    fp_optset one = {opts, nopts, NULL};
    help_sets(&one, 1, usage);
}

static int parse(const fp_optset *sets, size_t nsets, int argc, char **argv, fp_strlist *args, const char *usage)
{
    int rc = FP_OK, print = 0;
    for (size_t k = 0; k < nsets && !rc; k++)
        for (size_t i = 0; i < sets[k].n && !rc; i++)
            if (sets[k].opts[i].def) rc = set(&sets[k].opts[i], sets[k].cfg, sets[k].opts[i].def, "default");
    /* The config file first, so flags override it. */
    for (int i = 1; i < argc && !rc; i++) {
        if (!strcmp(argv[i], "--")) break;
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            help_sets(sets, nsets, usage);
            return FP_OPTS_DONE;
        }
        const char *cf = NULL;
        if (!strcmp(argv[i], "--config")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "%s: error: --config needs a file name\n", fp_log_prog());
                return FP_OPTS_USAGE;
            }
            cf = argv[++i];
        } else if (!strncmp(argv[i], "--config=", 9)) {
            cf = argv[i] + 9;
        }
        if (cf) rc = load_file(sets, nsets, cf);
    }
    int rest = 0;
    for (int i = 1; i < argc && !rc; i++) {
        const char *a = argv[i];
        if (rest || a[0] != '-' || !strcmp(a, "-")) {
            rc = fp_strlist_push(args, a);
            continue;
        }
        if (!strcmp(a, "--")) {
            rest = 1;
            continue;
        }
        if (!strcmp(a, "--config")) {
            i++;
            continue;
        }
        if (!strncmp(a, "--config=", 9)) continue;
        if (!strcmp(a, "--print-config")) {
            print = 1;
            continue;
        }
        if (a[1] != '-') {
            fprintf(stderr, "%s: error: unknown flag '%s' (try --help)\n", fp_log_prog(), a);
            return FP_OPTS_USAGE;
        }
        const char *name = a + 2, *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        void *cfg = NULL;
        const fp_opt *o = find(sets, nsets, name, len, &cfg);
        if (!o) {
            fprintf(stderr, "%s: error: unknown flag '--%.*s' (try --help)\n", fp_log_prog(), (int)len, name);
            return FP_OPTS_USAGE;
        }
        const char *val;
        if (eq) val = eq + 1;
        else if (o->kind == FP_OPT_FLAG) val = "1";
        else if (i + 1 < argc) val = argv[++i];
        else {
            fprintf(stderr, "%s: error: --%s needs a value\n", fp_log_prog(), o->name);
            return FP_OPTS_USAGE;
        }
        rc = set(o, cfg, val, "command line");
    }
    if (!rc && print) {
        print_config(sets, nsets, usage);
        return FP_OPTS_DONE;
    }
    return rc == FP_EINVAL ? FP_OPTS_USAGE : rc;
}

void fp_opts_free(const fp_opt *opts, size_t nopts, void *cfg, fp_strlist *args)
{
    for (size_t i = 0; i < nopts; i++) {
        void *p = (char *)cfg + opts[i].off;
        if (opts[i].kind == FP_OPT_STR) {
            free(*(char **)p);
            *(char **)p = NULL;
        } else if (opts[i].kind == FP_OPT_LIST) {
            fp_strlist_free(p);
        }
    }
    if (args) fp_strlist_free(args);
}

int fp_opts_parse_sets(const fp_optset *sets, size_t nsets, int argc, char **argv, fp_strlist *args,
                       const char *usage)
{
    int rc = parse(sets, nsets, argc, argv, args, usage);
    /* On --help or an error the caller exits at once: nothing it must free. */
    if (rc) {
        for (size_t k = 0; k < nsets; k++) fp_opts_free(sets[k].opts, sets[k].n, sets[k].cfg, NULL);
        if (args) fp_strlist_free(args);
    }
    return rc;
}

int fp_opts_parse(const fp_opt *opts, size_t nopts, void *cfg, int argc, char **argv, fp_strlist *args,
                  const char *usage)
{
    fp_optset one = {opts, nopts, cfg};
    return fp_opts_parse_sets(&one, 1, argc, argv, args, usage);
}
