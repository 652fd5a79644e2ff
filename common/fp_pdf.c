#include "fp_pdf.h"
#include "fp_buf.h"
#include "fp_err.h"
#include "fp_log.h"

#include <ctype.h>
#include <dlfcn.h>
#include <poppler.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* poppler-glib is opened when the first PDF arrives, not linked: linked,
 * it and the ~50 libraries it pulls in cost every start of fupin and
 * fupin-ingest ~18 M instructions of dynamic loading, PDF or not. Its
 * header still gives the types; the functions are looked up once, by
 * name, and the library stays open for the process's life. glib and
 * gobject come with it (dlsym on its handle searches its dependencies). */
#ifndef FUPIN_POPPLER_SONAME
#define FUPIN_POPPLER_SONAME "libpoppler-glib.so.8"
#endif

static struct {
    __typeof__(&g_utf8_strlen) utf8_strlen;
    __typeof__(&g_utf8_get_char) utf8_get_char;
    __typeof__(&g_unichar_isspace) unichar_isspace;
    const gchar *const *utf8_skip; /* the table g_utf8_next_char steps by */
    __typeof__(&g_bytes_new_static) bytes_new_static;
    __typeof__(&g_bytes_unref) bytes_unref;
    __typeof__(&g_error_free) error_free;
    __typeof__(&g_free) free;
    __typeof__(&g_object_unref) object_unref;
    __typeof__(&poppler_error_quark) error_quark;
    __typeof__(&poppler_document_new_from_bytes) document_new_from_bytes;
    __typeof__(&poppler_document_get_n_pages) document_get_n_pages;
    __typeof__(&poppler_document_get_page) document_get_page;
    __typeof__(&poppler_document_get_creation_date) document_get_creation_date;
    __typeof__(&poppler_page_get_text) page_get_text;
    __typeof__(&poppler_page_get_text_layout) page_get_text_layout;
} pp;
static const char *pp_failed; /* why poppler-glib cannot be used, NULL once loaded */
static char pp_why[512];
static pthread_once_t pp_once = PTHREAD_ONCE_INIT;

/* dlsym returns a data pointer; POSIX guarantees a function pointer of the
 * same size and representation, so its bytes are copied into one. */
_Static_assert(sizeof(void *) == sizeof(void (*)(void)), "function pointers as wide as data pointers (POSIX dlsym)");

static void pp_load(void)
{
    void *h = dlopen(FUPIN_POPPLER_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        snprintf(pp_why, sizeof pp_why, "reading PDF needs poppler-glib (Debian: libpoppler-glib8): %s",
                 e ? e : "cannot load " FUPIN_POPPLER_SONAME);
        pp_failed = pp_why;
        return;
    }
    struct {
        const char *name;
        void *slot;
    } sym[] = {{"g_utf8_strlen", &pp.utf8_strlen},
               {"g_utf8_get_char", &pp.utf8_get_char},
               {"g_unichar_isspace", &pp.unichar_isspace},
               {"g_utf8_skip", NULL},
               {"g_bytes_new_static", &pp.bytes_new_static},
               {"g_bytes_unref", &pp.bytes_unref},
               {"g_error_free", &pp.error_free},
               {"g_free", &pp.free},
               {"g_object_unref", &pp.object_unref},
               {"poppler_error_quark", &pp.error_quark},
               {"poppler_document_new_from_bytes", &pp.document_new_from_bytes},
               {"poppler_document_get_n_pages", &pp.document_get_n_pages},
               {"poppler_document_get_page", &pp.document_get_page},
               {"poppler_document_get_creation_date", &pp.document_get_creation_date},
               {"poppler_page_get_text", &pp.page_get_text},
               {"poppler_page_get_text_layout", &pp.page_get_text_layout}};
    for (size_t i = 0; i < sizeof sym / sizeof sym[0]; i++) {
        void *f = dlsym(h, sym[i].name);
        if (!f) {
            snprintf(pp_why, sizeof pp_why, "reading PDF needs poppler-glib: %s has no %s", FUPIN_POPPLER_SONAME,
                     sym[i].name);
            pp_failed = pp_why;
            return; /* a poppler-glib without it: every PDF is refused with this line */
        }
        if (sym[i].slot) memcpy(sym[i].slot, &f, sizeof f);
        else pp.utf8_skip = f; /* a variable: its address */
    }
    pp_failed = NULL;
}

int fp_pdf_sniff(const char *raw, size_t n)
{
    if (n > 1024) n = 1024;
    for (size_t i = 0; i + 5 <= n; i++)
        if (raw[i] == '%' && !memcmp(raw + i, "%PDF-", 5)) return 1;
    return 0;
}

typedef struct {
    const char *s; /* into its page's text */
    size_t len;
    int page, geom, drop;
    double x1, y1, x2, y2;
} line;

typedef struct {
    line *v;
    size_t n, cap;
} lines;

static int push(lines *ls, const line *l)
{
    if (ls->n == ls->cap) {
        size_t cap = ls->cap ? ls->cap * 2 : 256;
        line *nv = realloc(ls->v, cap * sizeof *nv);
        if (!nv) return FP_ENOMEM;
        ls->v = nv;
        ls->cap = cap;
    }
    ls->v[ls->n++] = *l;
    return FP_OK;
}

/* Splits a page's text into lines with the box of their visible characters
 * (rects holds one box per character of text, when nrects matches). */
static int page_lines(lines *ls, int page, const char *text, const PopplerRectangle *rects, guint nrects,
                      size_t *visible)
{
    int geom = rects && (glong)nrects == pp.utf8_strlen(text, -1);
    size_t ci = 0;
    const char *p = text;
    while (*p) {
        line l = {.s = p, .page = page, .x1 = 1e9, .y1 = 1e9, .x2 = -1e9, .y2 = -1e9};
        size_t vis = 0;
        while (*p && *p != '\n') {
            gunichar u = pp.utf8_get_char(p);
            if (!pp.unichar_isspace(u)) {
                vis++;
                if (geom) {
                    const PopplerRectangle *r = &rects[ci];
                    if (r->x1 < l.x1) l.x1 = r->x1;
                    if (r->y1 < l.y1) l.y1 = r->y1;
                    if (r->x2 > l.x2) l.x2 = r->x2;
                    if (r->y2 > l.y2) l.y2 = r->y2;
                }
            }
            p += (*pp.utf8_skip)[*(const guchar *)p]; /* g_utf8_next_char */
            ci++;
        }
        l.len = (size_t)(p - l.s);
        while (l.len && isspace((unsigned char)l.s[l.len - 1])) l.len--;
        while (l.len && isspace((unsigned char)*l.s)) l.s++, l.len--;
        l.geom = geom && vis;
        /* an empty line is kept as a paragraph break */
        if (push(ls, &l)) return FP_ENOMEM;
        *visible += vis;
        if (*p == '\n') p++, ci++;
    }
    return FP_OK;
}

/* A line's text with digits as '#' and no spaces: "第 3 页" and "第 4 页" are the same running line. */
static void line_key(const line *l, char *k, size_t cap)
{
    size_t m = 0;
    for (size_t i = 0; i < l->len && m + 1 < cap; i++) {
        unsigned char c = (unsigned char)l->s[i];
        if (isspace(c)) continue;
        k[m++] = isdigit(c) ? '#' : (char)c;
    }
    k[m] = '\0';
}

/* Only a page number: digits and - / 第 页 共 of page. */
static int page_number(const line *l)
{
    char k[128];
    line_key(l, k, sizeof k);
    if (!strchr(k, '#')) return 0;
    static const char *const parts[] = {"#", "-", "/", "—", "第", "页", "共", "of", "Page", "page", ".", NULL};
    for (const char *p = k; *p;) {
        const char *const *q = parts;
        for (; *q; q++)
            if (!strncmp(p, *q, strlen(*q))) break;
        if (!*q) return 0;
        p += strlen(*q);
    }
    return 1;
}

#define EDGE 3 /* lines at each end of a page that may be running headers or footers (a browser prints two a side) */

static int drop_running(lines *ls, int npages)
{
    /* edge: the first and last EDGE non-empty lines of each page */
    char *edge = calloc(ls->n + 1, 1);
    if (!edge) return FP_ENOMEM;
    for (size_t i = 0; i < ls->n;) {
        size_t j = i;
        while (j < ls->n && ls->v[j].page == ls->v[i].page) j++;
        int seen = 0;
        for (size_t q = i; q < j && seen < EDGE; q++)
            if (ls->v[q].len) edge[q] = 1, seen++;
        seen = 0;
        for (size_t q = j; q-- > i && seen < EDGE;)
            if (ls->v[q].len) edge[q] = 1, seen++;
        i = j;
    }
    for (size_t i = 0; i < ls->n; i++) {
        line *l = &ls->v[i];
        if (!edge[i]) continue;
        if (page_number(l)) {
            l->drop = 1;
            continue;
        }
        if (npages < 2) continue;
        char k[512], k2[512];
        line_key(l, k, sizeof k);
        int pages = 0, last = -1;
        for (size_t j = 0; j < ls->n; j++) {
            const line *o = &ls->v[j];
            if (!edge[j] || o->page == last) continue;
            line_key(o, k2, sizeof k2);
            if (!strcmp(k, k2)) pages++, last = o->page;
        }
        if (pages >= 2 && pages * 2 >= npages) l->drop = 1;
    }
    free(edge);
    return FP_OK;
}

static int cmp_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

static int ends_sentence(const line *l)
{
    static const char *const ends[] = {"。", "！", "？", "：", "；", "”", ".", "!", "?", ":", NULL};
    for (const char *const *e = ends; *e; e++) {
        size_t k = strlen(*e);
        if (l->len >= k && !memcmp(l->s + l->len - k, *e, k)) return 1;
    }
    return 0;
}

/* Joins the kept lines into paragraphs, one a line, into b. */
static void join_lines(const lines *ls, fp_buf *b)
{
    /* the usual line height, and the right edge most full lines reach */
    double *hs = malloc((ls->n + 1) * sizeof *hs), *xs = malloc((ls->n + 1) * sizeof *xs);
    if (!hs || !xs) {
        free(hs);
        free(xs);
        b->oom = 1;
        return;
    }
    size_t ng = 0;
    for (size_t i = 0; i < ls->n; i++)
        if (ls->v[i].geom && !ls->v[i].drop) hs[ng] = ls->v[i].y2 - ls->v[i].y1, xs[ng++] = ls->v[i].x2;
    double h = 10, right = 0;
    if (ng) {
        qsort(hs, ng, sizeof *hs, cmp_desc);
        h = hs[ng / 2];
        qsort(xs, ng, sizeof *xs, cmp_desc);
        size_t need = ng < 3 ? ng : 3;
        for (size_t i = 0; i < ng; i++) {
            size_t c = 0;
            for (size_t j = i; j < ng && xs[j] >= xs[i] - h; j++) c++;
            if (c >= need) {
                right = xs[i];
                break;
            }
        }
    }
    free(hs);
    free(xs);
    const line *prev = NULL;
    for (size_t i = 0; i < ls->n; i++) {
        const line *l = &ls->v[i];
        if (l->drop) continue;
        if (!l->len) {
            if (prev) fp_buf_append(b, "\n", 1);
            prev = NULL;
            continue;
        }
        if (prev) {
            int brk;
            int full = prev->x2 >= right - 1.5 * h;
            if (!prev->geom || !l->geom) brk = ends_sentence(prev);
            else if (l->page != prev->page) brk = !full || ends_sentence(prev);
            else brk = !full || l->y1 - prev->y2 > 0.7 * h || l->x1 > prev->x1 + 1.5 * h;
            if (brk) {
                fp_buf_append(b, "\n", 1);
            } else {
                unsigned char a = (unsigned char)prev->s[prev->len - 1], c = (unsigned char)l->s[0];
                if (a == '-' && prev->len > 1 && isalpha((unsigned char)prev->s[prev->len - 2]) && islower(c))
                    b->p[--b->len] = '\0'; /* hyphenated at the line's end */
                else if (a < 0x80 && c < 0x80 && isalnum(a) && isalnum(c))
                    fp_buf_append(b, " ", 1);
            }
        }
        fp_buf_append(b, l->s, l->len);
        prev = l;
    }
    /* collapse the breaks of empty lines that followed a break already */
    size_t k = 0;
    for (size_t i = 0; i < b->len; i++)
        if (!(b->p[i] == '\n' && (k == 0 || b->p[k - 1] == '\n'))) b->p[k++] = b->p[i];
    while (k && b->p[k - 1] == '\n') k--;
    b->len = k;
    if (b->p) b->p[k] = '\0';
}

int fp_pdf_text(const fp_format_words *w, const char *raw, size_t len, char **text, size_t *tlen, int *year,
                const char **why)
{
    *text = NULL;
    *year = 0;
    pthread_once(&pp_once, pp_load);
    if (pp_failed) {
        *why = pp_failed;
        return FP_EINVAL;
    }
    GError *err = NULL;
    GBytes *bytes = pp.bytes_new_static(raw, len);
    PopplerDocument *doc = bytes ? pp.document_new_from_bytes(bytes, NULL, &err) : NULL;
    if (!doc) {
        int enc = err && err->domain == pp.error_quark() && err->code == POPPLER_ERROR_ENCRYPTED;
        fp_warn("pdf: %s", err ? err->message : "cannot be opened");
        if (err) pp.error_free(err);
        if (bytes) pp.bytes_unref(bytes);
        *why = enc ? "encrypted PDF (needs a password)" : "not a readable PDF (damaged?)";
        return FP_EINVAL;
    }
    int npages = pp.document_get_n_pages(doc);
    char **texts = calloc(npages > 0 ? (size_t)npages : 1, sizeof *texts);
    lines ls = {0};
    size_t visible = 0;
    int rc = texts ? FP_OK : FP_ENOMEM;
    for (int i = 0; i < npages && !rc; i++) {
        PopplerPage *pg = pp.document_get_page(doc, i);
        if (!pg) continue;
        texts[i] = pp.page_get_text(pg);
        PopplerRectangle *rects = NULL;
        guint nrects = 0;
        if (!pp.page_get_text_layout(pg, &rects, &nrects)) rects = NULL, nrects = 0;
        if (texts[i]) rc = page_lines(&ls, i, texts[i], rects, nrects, &visible);
        pp.free(rects);
        pp.object_unref(pg);
    }
    fp_buf b = {0};
    if (!rc && !visible) {
        rc = FP_EINVAL;
        *why = "no text layer; OCR it first";
    }
    if (!rc) {
        if (drop_running(&ls, npages)) b.oom = 1;
        else join_lines(&ls, &b);
        if (b.oom) rc = FP_ENOMEM, *why = "out of memory";
        else if (!b.len) rc = FP_EINVAL, *why = "no text layer; OCR it first";
    }
    if (!rc) {
        /* a date line belongs to the head of a document, not to its body */
        *year = fp_labelled_year(w, b.p, b.len < 1500 ? b.len : 1500);
        time_t t = pp.document_get_creation_date(doc);
        struct tm tm;
        if (!*year && t > 0 && gmtime_r(&t, &tm)) *year = tm.tm_year + 1900;
    } else if (rc == FP_ENOMEM) {
        *why = "out of memory";
    }
    free(ls.v);
    for (int i = 0; texts && i < npages; i++) pp.free(texts[i]);
    free(texts);
    pp.object_unref(doc);
    pp.bytes_unref(bytes);
    if (rc) {
        fp_buf_free(&b);
        return rc;
    }
    fp_debug("pdf: %d page(s), %zu bytes of text, year %d", npages, b.len, *year);
    *text = b.p;
    *tlen = b.len;
    return FP_OK;
}
