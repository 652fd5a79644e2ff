#include "lexicon.h"
#include "fp_err.h"
#include "fp_file.h"
#include "fp_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *cue_names[CUE_COUNT] = {
    "approx_before", "approx_after", "at_least_before", "at_least_after", "at_most_before", "at_most_after",
    "per_unit", "per_unit_after", "change", "change_to", "plan", "part", "part_list", "boilerplate", "since",
    "household_noun", "person_noun", "not_after"};

/* Calls fn(fields, nfields, lineno, ud) for every non-comment line of a TSV file. */
static int each_line(const char *path, int (*fn)(char **f, int nf, const char *path, int lineno, void *ud), void *ud)
{
    char *data;
    size_t len;
    const char *why;
    if (fp_file_read(path, &data, &len, &why)) {
        fp_error("cannot read %s: %s", path, why);
        return FP_EIO;
    }
    int rc = FP_OK, lineno = 0;
    for (char *line = data, *next; line && *line && !rc; line = next) {
        lineno++;
        next = strchr(line, '\n');
        if (next) *next++ = '\0';
        size_t l = strlen(line);
        if (l && line[l - 1] == '\r') line[l - 1] = '\0';
        if (*line == '#' || *line == '\0') continue;
        char *f[8];
        int nf = 0;
        for (char *p = line; p && nf < 8;) {
            f[nf++] = p;
            p = strchr(p, '\t');
            if (p) *p++ = '\0';
        }
        rc = fn(f, nf, path, lineno, ud);
    }
    free(data);
    return rc;
}

static int words_add_all(fp_words *w, char *list)
{
    for (char *tok = strtok(list, " "); tok; tok = strtok(NULL, " ")) {
        size_t n = strlen(tok);
        if (n > 255) return FP_EINVAL;
        char **nw = realloc(w->w, sizeof *nw * (size_t)(w->n + 1));
        if (!nw) return FP_ENOMEM;
        w->w = nw;
        unsigned char *nl = realloc(w->len, (size_t)(w->n + 1));
        if (!nl) return FP_ENOMEM;
        w->len = nl;
        if (!(w->w[w->n] = strdup(tok))) return FP_ENOMEM;
        w->len[w->n++] = (unsigned char)n;
    }
    return FP_OK;
}

static void words_free(fp_words *w)
{
    for (int i = 0; i < w->n; i++) free(w->w[i]);
    free(w->w);
    free(w->len);
    memset(w, 0, sizeof *w);
}

static int on_unit(char **f, int nf, const char *path, int lineno, void *ud)
{
    fp_lexicon *lx = ud;
    fp_dec factor;
    if (nf < 3 || strlen(f[0]) >= 24 || strlen(f[1]) >= 16 || fp_dec_parse(f[2], strlen(f[2]), &factor)) {
        fp_error("%s:%d: expected word<TAB>unit<TAB>factor<TAB>counter", path, lineno);
        return FP_EINVAL;
    }
    fp_unit *nu = realloc(lx->units, sizeof *nu * (size_t)(lx->nunits + 1));
    if (!nu) return FP_ENOMEM;
    lx->units = nu;
    fp_unit *u = &nu[lx->nunits++];
    memset(u, 0, sizeof *u);
    strcpy(u->word, f[0]);
    u->len = strlen(f[0]);
    strcpy(u->unit, f[1]);
    u->factor = factor;
    u->counter = nf > 3 && atoi(f[3]) == 1;
    return FP_OK;
}

static int on_cue(char **f, int nf, const char *path, int lineno, void *ud)
{
    fp_lexicon *lx = ud;
    for (int i = 0; i < CUE_COUNT && nf == 2; i++)
        if (!strcmp(f[0], cue_names[i])) return words_add_all(&lx->cues[i], f[1]);
    fp_error("%s:%d: expected class<TAB>words, with a known class (not '%s')", path, lineno, f[0]);
    return FP_EINVAL;
}

static int on_metric(char **f, int nf, const char *path, int lineno, void *ud)
{
    fp_lexicon *lx = ud;
    if (strlen(f[0]) >= 24) {
        fp_error("%s:%d: metric name too long", path, lineno);
        return FP_EINVAL;
    }
    fp_metric *nm = realloc(lx->metrics, sizeof *nm * (size_t)(lx->nmetrics + 1));
    if (!nm) return FP_ENOMEM;
    lx->metrics = nm;
    fp_metric *m = &nm[lx->nmetrics++];
    memset(m, 0, sizeof *m);
    strcpy(m->name, f[0]);
    return nf > 1 ? words_add_all(&m->cues, f[1]) : FP_OK;
}

static int by_len_desc(const void *a, const void *b)
{
    const fp_unit *x = a, *y = b;
    return (int)y->len - (int)x->len;
}

int fp_lexicon_load(fp_lexicon *lx, const char *datadir)
{
    memset(lx, 0, sizeof *lx);
    char path[4096];
    snprintf(path, sizeof path, "%s/units.tsv", datadir);
    int rc = each_line(path, on_unit, lx);
    if (!rc) {
        snprintf(path, sizeof path, "%s/cues.tsv", datadir);
        rc = each_line(path, on_cue, lx);
    }
    if (!rc) {
        snprintf(path, sizeof path, "%s/metrics.tsv", datadir);
        rc = each_line(path, on_metric, lx);
    }
    if (!rc && (!lx->nunits || !lx->nmetrics)) {
        fp_error("%s: no units or no metrics defined", datadir);
        rc = FP_EINVAL;
    }
    if (rc) {
        fp_lexicon_free(lx);
        return rc;
    }
    qsort(lx->units, (size_t)lx->nunits, sizeof *lx->units, by_len_desc);
    return FP_OK;
}

void fp_lexicon_free(fp_lexicon *lx)
{
    free(lx->units);
    for (int i = 0; i < CUE_COUNT; i++) words_free(&lx->cues[i]);
    for (int i = 0; i < lx->nmetrics; i++) words_free(&lx->metrics[i].cues);
    free(lx->metrics);
    memset(lx, 0, sizeof *lx);
}

const fp_unit *fp_lexicon_unit(const fp_lexicon *lx, const char *s, size_t n)
{
    for (int i = 0; i < lx->nunits; i++)
        if (lx->units[i].len <= n && memcmp(s, lx->units[i].word, lx->units[i].len) == 0) return &lx->units[i];
    return NULL;
}

size_t fp_words_prefix(const fp_words *w, const char *s, size_t n)
{
    size_t best = 0;
    for (int i = 0; i < w->n; i++)
        if (w->len[i] <= n && w->len[i] > best && memcmp(s, w->w[i], w->len[i]) == 0) best = w->len[i];
    return best;
}

size_t fp_words_suffix(const fp_words *w, const char *s, size_t n)
{
    size_t best = 0;
    for (int i = 0; i < w->n; i++)
        if (w->len[i] <= n && w->len[i] > best && memcmp(s + n - w->len[i], w->w[i], w->len[i]) == 0)
            best = w->len[i];
    return best;
}

long fp_words_last(const fp_words *w, const char *s, size_t n, size_t *wlen)
{
    long best = -1;
    size_t bl = 0;
    for (int i = 0; i < w->n; i++) {
        size_t l = w->len[i];
        for (size_t off = n >= l ? n - l + 1 : 0; off-- > 0;) {
            if (memcmp(s + off, w->w[i], l) == 0) {
                if ((long)off > best || ((long)off == best && l > bl)) best = (long)off, bl = l;
                break;
            }
            if ((long)off <= best) break;
        }
    }
    if (wlen) *wlen = bl;
    return best;
}

long fp_words_first(const fp_words *w, const char *s, size_t n, size_t *wlen)
{
    long best = -1;
    size_t bl = 0;
    for (int i = 0; i < w->n; i++) {
        size_t l = w->len[i];
        for (size_t off = 0; off + l <= n; off++) {
            if (best >= 0 && (long)off > best) break;
            if (memcmp(s + off, w->w[i], l) == 0) {
                if (best < 0 || (long)off < best || l > bl) best = (long)off, bl = l;
                break;
            }
        }
    }
    if (wlen) *wlen = bl;
    return best;
}
