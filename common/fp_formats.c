#include "fp_formats.h"
#include "fp_err.h"
#include "fp_file.h"
#include "fp_log.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void list_free(fp_wordlist *l)
{
    for (size_t i = 0; i < l->n; i++) free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

void fp_format_words_free(fp_format_words *w)
{
    if (!w) return;
    list_free(&w->boilerplate);
    list_free(&w->content);
    list_free(&w->date_meta);
    list_free(&w->date_label);
}

static int list_add(fp_wordlist *l, const char *s, size_t n)
{
    char **nv = realloc(l->v, sizeof *nv * (l->n + 1));
    if (!nv) return FP_ENOMEM;
    l->v = nv;
    char *c = malloc(n + 1);
    if (!c) return FP_ENOMEM;
    for (size_t i = 0; i < n; i++) c[i] = (char)tolower((unsigned char)s[i]);
    c[n] = '\0';
    l->v[l->n++] = c;
    return FP_OK;
}

int fp_format_words_load(fp_format_words *w, const char *datadir)
{
    memset(w, 0, sizeof *w);
    char path[4096], *data;
    size_t len;
    const char *why;
    snprintf(path, sizeof path, "%s/formats.tsv", datadir);
    if (fp_file_read(path, &data, &len, &why)) {
        fp_error("cannot read %s: %s", path, why);
        return FP_EIO;
    }
    int rc = FP_OK, lineno = 0;
    for (char *line = data, *next; line && *line && !rc; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = '\0';
        lineno++;
        if (*line == '#' || *line == '\0' || *line == '\r') continue;
        char *tab = strchr(line, '\t');
        if (!tab) {
            fp_error("%s:%d: no tab between class and words", path, lineno);
            rc = FP_EINVAL;
            break;
        }
        *tab = '\0';
        fp_wordlist *l = !strcmp(line, "boilerplate") ? &w->boilerplate
                         : !strcmp(line, "content")   ? &w->content
                         : !strcmp(line, "date_meta") ? &w->date_meta
                         : !strcmp(line, "date_label") ? &w->date_label
                                                       : NULL;
        if (!l) {
            fp_error("%s:%d: unknown class '%s'", path, lineno, line);
            rc = FP_EINVAL;
            break;
        }
        for (char *p = tab + 1; *p && !rc;) {
            while (*p == ' ' || *p == '\t' || *p == '\r') p++;
            char *e = p;
            while (*e && *e != ' ' && *e != '\t' && *e != '\r') e++;
            if (e > p) rc = list_add(l, p, (size_t)(e - p));
            p = e;
        }
    }
    free(data);
    if (rc) fp_format_words_free(w);
    return rc;
}

int fp_wordlist_within(const fp_wordlist *l, const char *s, size_t n)
{
    for (size_t i = 0; i < l->n; i++) {
        size_t k = strlen(l->v[i]);
        for (size_t j = 0; k && j + k <= n; j++)
            if (!memcmp(s + j, l->v[i], k)) return 1;
    }
    return 0;
}

int fp_wordlist_is(const fp_wordlist *l, const char *s)
{
    for (size_t i = 0; i < l->n; i++)
        if (!strcasecmp(l->v[i], s)) return 1;
    return 0;
}

/* Reads up to max digits at s[*i]; returns how many (0: none). */
static int digits(const char *s, size_t n, size_t *i, int max, int *val)
{
    int k = 0;
    *val = 0;
    while (*i < n && k < max && isdigit((unsigned char)s[*i])) *val = *val * 10 + (s[(*i)++] - '0'), k++;
    return k;
}

static int starts(const char *s, size_t n, size_t i, const char *w)
{
    size_t k = strlen(w);
    return i + k <= n && !memcmp(s + i, w, k);
}

int fp_date_year(const char *s, size_t n, int need_day)
{
    size_t i = 0;
    while (i < n && isspace((unsigned char)s[i])) i++;
    if (starts(s, n, i, "D:")) i += 2; /* PDF date strings */
    int y, m, d;
    int k = digits(s, n, &i, 8, &y);
    if (k == 8) { /* 20200512 */
        d = y % 100, m = y / 100 % 100, y /= 10000;
        return y >= 1949 && y <= 2100 && m >= 1 && m <= 12 && d >= 1 && d <= 31 ? y : 0;
    }
    if (k != 4 || y < 1949 || y > 2100) return 0;
    const char *sep = NULL;
    if (starts(s, n, i, "年")) sep = "年", i += 3;
    else if (i < n && (s[i] == '-' || s[i] == '/' || s[i] == '.')) sep = "", i++;
    else return 0;
    if (!digits(s, n, &i, 2, &m) || m < 1 || m > 12) return 0;
    if (*sep) {
        if (!starts(s, n, i, "月")) return 0;
        i += 3;
    } else if (i < n && (s[i] == '-' || s[i] == '/' || s[i] == '.')) {
        i++;
    } else {
        return need_day ? 0 : y;
    }
    if (!digits(s, n, &i, 2, &d) || d < 1 || d > 31) return need_day ? 0 : y;
    return y;
}

int fp_labelled_year(const fp_format_words *w, const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        for (size_t k = 0; k < w->date_label.n; k++) {
            const char *l = w->date_label.v[k];
            size_t ll = strlen(l);
            if (i + ll > len || strncasecmp(text + i, l, ll)) continue;
            size_t j = i + ll;
            /* a colon (half or full width) or spaces, then the date */
            int sep = 0;
            for (;;) {
                if (j < len && (text[j] == ':' || text[j] == ' ' || text[j] == '\t')) j++, sep++;
                else if (starts(text, len, j, "：") || starts(text, len, j, "\u3000")) j += 3, sep++;
                else if (starts(text, len, j, "\u00a0")) j += 2, sep++;
                else break;
            }
            int y = sep ? fp_date_year(text + j, len - j, 1) : 0;
            if (y) return y;
        }
    }
    return 0;
}
