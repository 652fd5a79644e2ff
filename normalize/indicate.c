#define _GNU_SOURCE /* memmem */
#include "indicate.h"
#include "utf8.h"
#include "keyline.h"
#include "planword.h"
#include "fp_err.h"
#include "fp_tsv.h"
#include "fp_log.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every cue phrase, bucketed by the first character of its first part, so
 * one walk over a clause finds them all. */
typedef struct {
    uint32_t key; /* first UTF-8 character, packed; 0 = empty slot */
    uint32_t start, count;
} bucket;

typedef struct {
    int ind;             /* indicator index */
    const fp_phrase *ph;
    /* the first part's first eight bytes (all of it when shorter) and their mask: one compare
     * turns most entries of a bucket away, where a memcmp call was a tenth of a figure's cost */
    uint64_t pre, mask;
    uint32_t key; /* fp_utf8_key of the first part: its bucket (kept so the sort need not remake it) */
} entry;

/* The cue phrases of one metric's indicators. fits() takes only an
 * indicator of the figure's own metric, so a figure walks only those:
 * the others never count, and were most of each bucket. */
typedef struct {
    const char *metric;
    entry *e;  /* sorted by bucket, in the order one table of every phrase has them */
    bucket *b;
    size_t nb; /* power of two */
    /* a 1024-bit filter of the buckets' keys (key_bit): most characters start no phrase of the
     * metric, and are turned away without a probe */
    uint64_t keys[16];
} cue_index;

/* The filter bit of a packed first character. */
static unsigned key_bit(uint32_t key) { return key * 2654435761u >> 22; }

enum { W_FLOW_NEW, W_PLAN, W_RUNNING, W_THIS_YEAR, W_REMAINDER, W_WHOLE, W_NEGATION, W_YEARS, W_CLASSES };
static const char *const word_class[W_CLASSES] = {"flow_new", "plan",  "running",  "this_year",
                                                  "remainder", "whole", "negation", "years"};

/* A word of series.tsv. */
typedef struct {
    const char *w;
    uint32_t len;
    int cls;
    uint32_t key; /* key3 of a word of three bytes or more */
} word;

struct fp_indicate {
    fp_indicators t;
    cue_index *ci; /* one per metric */
    int nci;
    char **words[W_CLASSES]; /* series.tsv's word classes */
    int nwords[W_CLASSES];
    /* every class's words but negation's, by their first three bytes, so one walk over the text
     * before a figure finds them all (find_words) where a memmem per word and range was a fifth
     * of a figure's cost; words shorter than three bytes are in shortw */
    word *wv, *shortw;
    bucket *wb;
    size_t nwb; /* power of two */
    int nshort;
    uint8_t wfirst[32]; /* bit per byte value: some word starts with it */
    int cont_first;     /* some word starts with a continuation byte (80..BF) */
    uint64_t wkeys[16]; /* a 1024-bit filter of the words' first three bytes (wbit): most CJK
                           characters start no word, and are turned away without a probe */
};

static size_t slot_of(const cue_index *c, uint32_t key)
{
    size_t h = (key * 2654435761u) & (c->nb - 1);
    while (c->b[h].key && c->b[h].key != key) h = (h + 1) & (c->nb - 1);
    return h;
}

static int cmp_entry_key(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return x->ind - y->ind;
}

/* The eight bytes at p as one little-endian word. */
static inline uint64_t load_le64(const char *p)
{
    const unsigned char *u = (const unsigned char *)p;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t w;
    memcpy(&w, u, 8);
    return w;
#else
    return (uint64_t)u[0] | (uint64_t)u[1] << 8 | (uint64_t)u[2] << 16 | (uint64_t)u[3] << 24 | (uint64_t)u[4] << 32 |
           (uint64_t)u[5] << 40 | (uint64_t)u[6] << 48 | (uint64_t)u[7] << 56;
#endif
}

/* The four bytes at p as one big-endian word. */
static inline uint32_t load_be32(const char *p)
{
    const unsigned char *u = (const unsigned char *)p;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && defined(__GNUC__)
    uint32_t w;
    memcpy(&w, u, 4);
    return __builtin_bswap32(w);
#else
    return (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 | (uint32_t)u[2] << 8 | u[3];
#endif
}

/* The metric's index, or NULL when no indicator is of it. */
static const cue_index *index_of(const fp_indicate *x, const char *metric)
{
    for (int i = 0; i < x->nci; i++)
        if (x->ci[i].metric[0] == metric[0] && !strcmp(x->ci[i].metric, metric)) return &x->ci[i];
    return NULL;
}

static int build_index(fp_indicate *x)
{
    size_t n = 0;
    for (int i = 0; i < x->t.n; i++) n += (size_t)x->t.v[i].ncues;
    entry *all = calloc(n + 1, sizeof *all);
    x->ci = calloc((size_t)x->t.n, sizeof *x->ci);
    if (!all || !x->ci) {
        free(all);
        return FP_ENOMEM;
    }
    size_t k = 0;
    for (int i = 0; i < x->t.n; i++)
        for (int c = 0; c < x->t.v[i].ncues; c++) {
            const fp_phrase *ph = &x->t.v[i].cues[c];
            entry *en = &all[k++];
            *en = (entry){i, ph, 0, 0, fp_utf8_key(ph->part[0], ph->plen[0])};
            for (int j = 0; j < ph->plen[0] && j < 8; j++) {
                en->pre |= (uint64_t)(unsigned char)ph->part[0][j] << (8 * j);
                en->mask |= (uint64_t)0xFF << (8 * j);
            }
        }
    qsort(all, n, sizeof *all, cmp_entry_key);
    /* each indicator's index, found once (not a strcmp per phrase and metric) */
    int *of = calloc((size_t)x->t.n, sizeof *of);
    if (!of) {
        free(all);
        return FP_ENOMEM;
    }
    for (int i = 0; i < x->t.n; i++) {
        const cue_index *c = index_of(x, x->t.v[i].metric);
        if (!c) x->ci[x->nci].metric = x->t.v[i].metric, c = &x->ci[x->nci++];
        of[i] = (int)(c - x->ci);
    }
    /* the phrases of each metric, in the order of all: entries of one key stay together
     * (nb counts them first, then becomes the table's size) */
    for (size_t j = 0; j < n; j++) x->ci[of[all[j].ind]].nb++;
    int rc = FP_OK;
    for (int m = 0; m < x->nci && !rc; m++) {
        cue_index *c = &x->ci[m];
        size_t nm = c->nb;
        c->nb = 64;
        while (c->nb < nm * 2) c->nb <<= 1;
        c->e = calloc(nm + 1, sizeof *c->e);
        c->b = calloc(c->nb, sizeof *c->b);
        if (!c->e || !c->b) {
            rc = FP_ENOMEM;
            break;
        }
        size_t km = 0;
        for (size_t j = 0; j < n; j++) {
            if (of[all[j].ind] != m) continue;
            c->e[km] = all[j];
            uint32_t key = all[j].key;
            bucket *bk = &c->b[slot_of(c, key)];
            c->keys[key_bit(key) >> 6] |= 1ULL << (key_bit(key) & 63);
            if (!bk->key) *bk = (bucket){key, (uint32_t)km, 0};
            bk->count++;
            km++;
        }
    }
    free(of);
    free(all);
    return rc;
}

typedef struct {
    fp_indicate *x;
    const char *path;
} series_loader;

static int series_line(char **f, int nf, int lineno, void *ud)
{
    series_loader *sl = ud;
    fp_indicate *x = sl->x;
    int cls = -1;
    for (int c = 0; c < W_CLASSES && nf == 2; c++)
        if (!strcmp(f[0], word_class[c])) cls = c;
    if (cls < 0) {
        fp_error("%s:%d: expected a class (flow_new, plan, running, this_year, remainder, whole, negation), a tab, "
                 "then words",
                 sl->path, lineno);
        return FP_EINVAL;
    }
    char *save = NULL;
    for (char *w = strtok_r(f[1], " ", &save); w; w = strtok_r(NULL, " ", &save)) {
        char **nv = realloc(x->words[cls], (size_t)(x->nwords[cls] + 1) * sizeof *nv);
        if (!nv) return FP_ENOMEM;
        x->words[cls] = nv;
        if (!(nv[x->nwords[cls]] = strdup(w))) return FP_ENOMEM;
        x->nwords[cls]++;
    }
    return FP_OK;
}

static int load_series(fp_indicate *x, const char *datadir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/series.tsv", datadir);
    series_loader sl = {x, path};
    return fp_tsv_each(path, series_line, &sl);
}

/* The first three bytes of w, the key of its bucket (never 0: w starts with no NUL). */
static uint32_t key3(const char *w)
{
    const unsigned char *u = (const unsigned char *)w;
    return (uint32_t)u[0] << 16 | (uint32_t)u[1] << 8 | u[2];
}

/* The filter bit of a word's first three bytes. */
static unsigned wbit(uint32_t key) { return key * 2654435761u >> 22; }

static size_t wslot_of(const fp_indicate *x, uint32_t key)
{
    size_t h = (key * 2654435761u) & (x->nwb - 1);
    while (x->wb[h].key && x->wb[h].key != key) h = (h + 1) & (x->nwb - 1);
    return h;
}

static int cmp_word(const void *a, const void *b)
{
    const word *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return x->cls != y->cls ? x->cls - y->cls : strcmp(x->w, y->w);
}

/* Indexes the words of series.tsv for find_words. */
static int build_words(fp_indicate *x)
{
    size_t n = 0;
    for (int c = 0; c < W_CLASSES; c++)
        if (c != W_NEGATION) n += (size_t)x->nwords[c];
    x->nwb = 64;
    while (x->nwb < n * 2) x->nwb <<= 1;
    x->wv = calloc(n + 1, sizeof *x->wv);
    x->shortw = calloc(n + 1, sizeof *x->shortw);
    x->wb = calloc(x->nwb, sizeof *x->wb);
    if (!x->wv || !x->shortw || !x->wb) return FP_ENOMEM;
    size_t k = 0;
    for (int c = 0; c < W_CLASSES; c++)
        for (int i = 0; i < x->nwords[c] && c != W_NEGATION; i++) {
            word w = {x->words[c][i], (uint32_t)strlen(x->words[c][i]), c, 0};
            unsigned char b0 = (unsigned char)w.w[0];
            x->wfirst[b0 >> 3] |= (uint8_t)(1u << (b0 & 7));
            if ((b0 & 0xC0) == 0x80) x->cont_first = 1;
            if (w.len < 3) x->shortw[x->nshort++] = w;
            else {
                w.key = key3(w.w);
                x->wv[k++] = w;
            }
        }
    qsort(x->wv, k, sizeof *x->wv, cmp_word);
    for (size_t i = 0; i < k; i++) {
        uint32_t key = x->wv[i].key;
        unsigned b = wbit(key);
        x->wkeys[b >> 6] |= 1ULL << (b & 63);
        bucket *bk = &x->wb[wslot_of(x, key)];
        if (!bk->key) *bk = (bucket){key, (uint32_t)i, 0};
        bk->count++;
    }
    return FP_OK;
}

void fp_indicate_free(fp_indicate *x)
{
    if (!x) return;
    fp_indicators_free(&x->t);
    for (int c = 0; c < W_CLASSES; c++) {
        for (int i = 0; i < x->nwords[c]; i++) free(x->words[c][i]);
        free(x->words[c]);
    }
    for (int i = 0; i < x->nci; i++) {
        free(x->ci[i].e);
        free(x->ci[i].b);
    }
    free(x->ci);
    free(x->wv);
    free(x->shortw);
    free(x->wb);
    free(x);
}

int fp_indicate_load(fp_indicate **out, const char *datadir)
{
    fp_indicate *x = calloc(1, sizeof *x);
    if (!x) return FP_ENOMEM;
    int rc = fp_indicators_load_dir(&x->t, datadir);
    if (!rc) rc = build_index(x);
    if (!rc) rc = load_series(x, datadir);
    if (!rc) rc = build_words(x);
    if (rc) {
        fp_indicate_free(x);
        return rc;
    }
    *out = x;
    return FP_OK;
}

const fp_indicators *fp_indicate_table(const fp_indicate *x) { return &x->t; }

/* ---- the text around a figure ---- */

/* Length of the clause mark at t[p], 0 if none. */
static size_t clause_mark(const char *t, size_t len, size_t p)
{
    unsigned char c = (unsigned char)t[p];
    /* most characters are CJK, led by neither byte of a mark: one range test and two compares */
    if (c < 0x80) return c == ',' || c == ';' || c == ':' || c == '!' || c == '?' || c == '\n' || c == '\r';
    if (c != 0xEF && c != 0xE3) return 0;
    if (p + 3 > len) return 0;
    static const char *const marks[] = {"，", "；", "：", "。", "！", "？"};
    for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++)
        if (!memcmp(t + p, marks[i], 3)) return 3;
    return 0;
}

static int sentence_mark(const char *t, size_t len, size_t p)
{
    unsigned char c = (unsigned char)t[p];
    if (c < 0x80) return c == '!' || c == '?' || c == '\n';
    if (c != 0xEF && c != 0xE3) return 0; /* 。 ！ ？ are led by these */
    return p + 3 <= len && (!memcmp(t + p, "。", 3) || !memcmp(t + p, "！", 3) || !memcmp(t + p, "？", 3));
}

/* A number or list separator ends a figure's own stretch of its clause. */
static int stretch_stop(const char *t, size_t len, size_t p)
{
    unsigned char c = (unsigned char)t[p];
    return (c >= '0' && c <= '9') || (p + 3 <= len && !memcmp(t + p, "、", 3));
}


typedef struct {
    size_t ss, cs, is, bs, fs, fe, ae, ce; /* sentence start, clause, list item, stretch before, figure,
                                              stretch after, clause end */
    size_t ps;                             /* the start of the clause before the figure's (cs when none) */
    size_t vs;                             /* where anti-cues are looked for from: the list item's start
                                              (is), or the last item of the clause before (see vetoed) */
    /* per word class of series.tsv, the start of the last of its words lying wholly in [ps, fs),
     * SIZE_MAX when none: a class has a word in [from, fs) when its start is from or after */
    size_t wlast[W_CLASSES];
} around;

/* Fills a->wlast from [a->ps, a->fs), the words of every class that has_word
 * asks there: at every byte that may start a word, not every character, as
 * memmem looks. (this_year is asked of the whole sentence: has_this_year.) */
static void find_words(const fp_indicate *x, const char *t, size_t len, around *a)
{
    for (int c = 0; c < W_CLASSES; c++) a->wlast[c] = SIZE_MAX;
    const unsigned char *u = (const unsigned char *)t;
    /* q < fast: three bytes before fs and four before the text's end, read as one word */
    size_t fast = a->fs >= 2 ? a->fs - 2 : 0;
    if (fast > (len >= 3 ? len - 3 : 0)) fast = len >= 3 ? len - 3 : 0;
    for (size_t q = a->ps, step; q < a->fs; q += step) {
        /* a well-formed three-byte character (most of the text) is passed at once when no word
         * starts with a continuation byte; any other byte is looked at alone */
        uint32_t w4 = 0;
        if (q < fast) {
            w4 = load_be32(t + q);
            step = !x->cont_first && (w4 & 0xF0C0C000u) == 0xE0808000u ? 3 : 1;
        } else
            step = x->cont_first || a->fs - q < 3 || (u[q] & 0xF0) != 0xE0 || (u[q + 1] & 0xC0) != 0x80 ||
                           (u[q + 2] & 0xC0) != 0x80
                       ? 1
                       : 3;
        if (!(x->wfirst[u[q] >> 3] >> (u[q] & 7) & 1)) continue;
        size_t room = a->fs - q;
        for (int i = 0; i < x->nshort; i++)
            if (x->shortw[i].len <= room && !memcmp(t + q, x->shortw[i].w, x->shortw[i].len))
                a->wlast[x->shortw[i].cls] = q;
        if (room < 3) continue;
        uint32_t key = q < fast ? w4 >> 8 : key3(t + q);
        unsigned b = wbit(key);
        if (!(x->wkeys[b >> 6] >> (b & 63) & 1)) continue;
        const bucket *bk = &x->wb[wslot_of(x, key)];
        for (uint32_t e = bk->start; e < bk->start + bk->count; e++) {
            const word *w = &x->wv[e];
            if (w->len <= room && !memcmp(t + q + 3, w->w + 3, w->len - 3)) a->wlast[w->cls] = q;
        }
    }
}

/* fp_utf8_prev(t, p), with the usual case told from one load: before p a
 * character of three bytes (two continuation bytes after one that is none),
 * which the byte-by-byte walk takes three steps to find. */
static inline size_t prev_char(const char *t, size_t p)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (p >= 4) {
        uint32_t w; /* t[p-4..p), t[p-1] in the top byte */
        memcpy(&w, t + p - 4, 4);
        if ((w & 0xC0C00000u) == 0x80800000u && (w & 0xC000u) != 0x8000u) return p - 3;
    }
#endif
    return fp_utf8_prev(t, p);
}

static void find_around(const char *t, size_t len, size_t fs, size_t fe, around *a)
{
    a->fs = fs;
    a->fe = fe;
    /* back to the clause's start; the stretch before the figure ends at the first number or 、 on
     * the way (one walk for both) */
    size_t p = fs, bs = SIZE_MAX;
    while (p > 0) {
        size_t q = prev_char(t, p);
        if (clause_mark(t, len, q)) break;
        if (bs == SIZE_MAX && stretch_stop(t, len, q)) bs = p;
        p = q;
    }
    a->cs = fp_key_line_start(t, p); /* 出列贫困村：37个: the key is the figure's clause */
    p = bs == SIZE_MAX ? a->cs : bs;
    /* 农户933户1878人: a figure written right after another (its stretch no
     * more than that one's unit) shares that one's stretch */
    if (fs - p <= 6 && p > a->cs && t[p - 1] >= '0' && t[p - 1] <= '9') {
        while (p > a->cs && ((t[p - 1] >= '0' && t[p - 1] <= '9') || t[p - 1] == '.' || t[p - 1] == ',')) p--;
        while (p > a->cs) {
            size_t q = fp_utf8_prev(t, p);
            if (stretch_stop(t, len, q)) break;
            p = q;
        }
    }
    a->bs = p;
    /* the list item the figure stands in: after the last 、 before it in its clause */
    a->is = a->cs;
    for (size_t q = a->cs; q + 3 <= fs; q += fp_utf8_len((unsigned char)t[q]))
        if (!memcmp(t + q, "、", 3)) a->is = q + 3;
    /* back to the sentence's start (at most 600 bytes); the clause before the figure's starts
     * after the first clause mark on the way past the one ending it (one walk for both) */
    p = a->cs;
    size_t back = 0, ps = SIZE_MAX;
    while (p > 0 && back < 600) {
        size_t q = prev_char(t, p);
        if (sentence_mark(t, len, q)) break;
        if (ps == SIZE_MAX && p != a->cs && clause_mark(t, len, q)) ps = p;
        back += p - q;
        p = q;
    }
    a->ss = p;
    a->ps = ps == SIZE_MAX ? a->ss : ps;
    a->vs = a->is;
    p = fe;
    while (p < len && !clause_mark(t, len, p)) p += fp_utf8_len((unsigned char)t[p]);
    a->ce = p;
    p = fe;
    while (p < a->ce && !stretch_stop(t, len, p)) p += fp_utf8_len((unsigned char)t[p]);
    a->ae = p;
}

/* The best cue so far: nearer zone, then longer, then closer. */
typedef struct {
    int ind, zone;
    size_t len, dist;
} best;

typedef struct {
    const fp_indicate *x;
    const fp_figure *f;
    const char *t;
    size_t len;
    around a;
    const cue_index *cues; /* the cue phrases of the figure's metric's indicators, NULL when none */
    int any_unit;          /* growth in percent or points: any indicator's units fit */
    int own_label;      /* the figure's clause names what it measures: no topic from before it */
    int item_label;     /* and its own list item, before it */
    size_t lab_s, lab_e; /* growth with no word of its own: the label of the figure it measures (lab_e 0: none) */
    /* indicators ruled out by an anti-cue (bit per index, up to 256), asked only of an indicator
     * that otherwise fits: most figures meet few, and looking for every anti-cue was a third of
     * the figure's cost */
    uint64_t veto[4], veto_asked[4];
    best b;
} scan;

/* 1 when a negation word (series.tsv: 未 尚未) ends right at t[p] within t[from..p). */
static int negated(const fp_indicate *x, const char *t, size_t from, size_t p)
{
    for (int i = 0; i < x->nwords[W_NEGATION]; i++) {
        size_t n = strlen(x->words[W_NEGATION][i]);
        if (p >= from + n && !memcmp(t + p - n, x->words[W_NEGATION][i], n)) return 1;
    }
    return 0;
}

/* 1 when the phrase occurs in t[from..to), its first part not negated
 * (3个贫困县未摘帽 holds no 摘帽). */
static int occurs(const fp_indicate *x, const fp_phrase *ph, const char *t, size_t from, size_t to)
{
    size_t p = from;
    for (int k = 0; k < ph->nparts; k++) {
        if (to - p < ph->plen[k]) return 0;
        const char *hit = memmem(t + p, to - p, ph->part[k], ph->plen[k]);
        while (hit && k == 0 && negated(x, t, from, (size_t)(hit - t))) {
            size_t q = (size_t)(hit - t) + 1;
            hit = to - q >= ph->plen[0] ? memmem(t + q, to - q, ph->part[0], ph->plen[0]) : NULL;
        }
        if (!hit) return 0;
        p = (size_t)(hit - t) + ph->plen[k];
    }
    return 1;
}

/* 1 when an anti-cue of indicator i rules it out. Anti-cues are looked for
 * in the figure's own list item of its clause, so "1150个贫困村出列、21个贫困县摘帽"
 * vetoes neither item by the other's words. Asked once per indicator and
 * figure, the answer kept in s. */
static int vetoed(scan *s, int i)
{
    if (i >= 256) return 0;
    uint64_t bit = 1ULL << (i % 64);
    if (!(s->veto_asked[i / 64] & bit)) {
        s->veto_asked[i / 64] |= bit;
        for (int k = 0; k < s->x->t.v[i].nanti; k++)
            if (occurs(s->x, &s->x->t.v[i].anti[k], s->t, s->a.vs, s->a.ae)) {
                s->veto[i / 64] |= bit;
                break;
            }
    }
    return (s->veto[i / 64] & bit) != 0;
}

/* 1 when indicator i may measure the figure: its metric, a unit it is
 * stated in, no anti-cue. The anti-cues, the costly test, come last. The
 * metric is not compared: scan_range asks only of indicators from the
 * figure's metric's cue table. */
static int fits(scan *s, int i)
{
    /* growth in percent or points fits any indicator */
    if (!s->any_unit && !fp_indicator_has_unit(&s->x->t.v[i], s->f->unit)) return 0;
    return !vetoed(s, i);
}

static void consider(scan *s, int ind, int zone, size_t len, size_t dist)
{
    best *b = &s->b;
    if (b->ind >= 0 && (zone > b->zone || (zone == b->zone && (len < b->len || (len == b->len && dist >= b->dist)))))
        return;
    *b = (best){ind, zone, len, dist};
}

/* A phrase occurrence whose first part starts at p; its other parts are
 * looked for after it, inside [p, to). Returns the span's end, 0 if none. */
static size_t match_at(const fp_phrase *ph, const char *t, size_t p, size_t to, size_t near, size_t *last_start)
{
    if (to - p < ph->plen[0] || memcmp(t + p, ph->part[0], ph->plen[0])) return 0;
    size_t q = p + ph->plen[0];
    *last_start = p;
    for (int k = 1; k < ph->nparts; k++) {
        if (q >= to) return 0;
        const char *hit = memmem(t + q, to - q, ph->part[k], ph->plen[k]);
        if (!hit) return 0;
        /* the last part: its occurrence nearest before `near` if there is one (北京市…帮扶资金…，…帮扶资金12亿) */
        while (k == ph->nparts - 1 && near) {
            size_t from = (size_t)(hit - t) + ph->plen[k];
            const char *again = from < to ? memmem(t + from, to - from, ph->part[k], ph->plen[k]) : NULL;
            if (!again || (size_t)(again - t) + ph->plen[k] > near) break;
            hit = again;
        }
        *last_start = (size_t)(hit - t);
        q = *last_start + ph->plen[k];
    }
    return q;
}

/* Cues in [from, to): zone 1 when they touch the figure's own stretch,
 * else `outer`, or with outer 0, 2 inside the clause and 3 before it.
 * Phrases never take the figure's own characters. */
static void scan_range(scan *s, size_t from, size_t to, int outer)
{
    const cue_index *c = s->cues;
    const char *t = s->t;
    if (!c) return; /* no indicator is of the figure's metric */
    int title = 0;  /* inside 《…》: a document's name measures nothing */
    /* p < fast: three bytes before to and four before the text's end (for load_be32) */
    size_t fast = to >= 2 ? to - 2 : 0;
    if (fast > (s->len >= 3 ? s->len - 3 : 0)) fast = s->len >= 3 ? s->len - 3 : 0;
    size_t flen = s->a.fe - s->a.fs; /* the figure's own bytes: p - fs < flen */
    for (size_t p = from, step; p < to; p += step) {
        uint32_t key;
        if (((unsigned char)t[p] & 0xF0) == 0xE0 && p < fast) {
            /* a character led by a three-byte lead (most of the text): its key from one load, as
             * fp_utf8_key packs it */
            key = load_be32(t + p) >> 8;
            step = 3;
        } else {
            key = fp_utf8_key(t + p, to - p);
            step = fp_utf8_len((unsigned char)t[p]);
        }
        if (key == 0xE3808Au) title = 1; /* 《 */
        else if (key == 0xE3808Bu) title = 0; /* 》 */
        if (title || p - s->a.fs < flen) continue;
        unsigned kb = key_bit(key);
        if (!(c->keys[kb >> 6] >> (kb & 63) & 1)) continue;
        const bucket *bk = &c->b[slot_of(c, key)];
        if (!bk->key) continue;
        /* a phrase wholly before the figure may not run into it */
        size_t lim = p < s->a.fs ? s->a.fs : to;
        size_t avail = s->len - p;
        uint64_t w = avail >= 8 ? load_le64(t + p) : 0;
        for (uint32_t e = bk->start; e < bk->start + bk->count; e++) {
            const entry *en = &c->e[e];
            /* the phrase's first part must stand at p (as match_at asks) before fits is asked: most do not */
            size_t l0 = en->ph->plen[0];
            if (l0 > avail) continue;
            if (avail >= 8) {
                if ((w & en->mask) != en->pre || (l0 > 8 && memcmp(t + p + 8, en->ph->part[0] + 8, l0 - 8))) continue;
            } else if (memcmp(t + p, en->ph->part[0], l0))
                continue;
            if (!fits(s, en->ind)) continue;
            /* a gapped phrase may run on to the figure from an earlier clause (贫困人口…，占…7.1%) */
            size_t gto = to < s->a.fs ? s->a.fs : to;
            size_t last = 0, end = match_at(en->ph, t, p, en->ph->nparts > 1 ? gto : lim, s->a.fs, &last);
            if (!end) continue;
            /* a gapped phrase may straddle the figure, but its parts may not overlap it */
            if (p < s->a.fs && end > s->a.fs && !(last >= s->a.fe)) continue;
            int touches = (end > s->a.bs && p < s->a.fs) || (p >= s->a.fe && p < s->a.ae) ||
                          (last >= s->a.fe && last < s->a.ae);
            size_t dist = end <= s->a.fs ? s->a.fs - end : p >= s->a.fe ? p - s->a.fe : 0;
            int zone = touches ? 1 : outer ? outer : p >= s->a.cs ? 2 : 3;
            if (s->lab_e && end > s->lab_s && end <= s->lab_e) zone = 1; /* ends in the measured figure's label */
            if (zone == 3 && s->own_label) continue;
            /* 贫困乡镇15个、贫困村99个: a figure its own list item names is not measured by the next item's words */
            if (s->item_label && p >= s->a.ae && s->a.ae < s->a.ce && !memcmp(t + s->a.ae, "、", 3)) continue;
            consider(s, en->ind, zone, en->ph->len, dist);
        }
    }
}

/* snprintf(dst, cap, "%s", s) without the formatting machinery (two of them were 6 % of a figure's cost). */
static void copy_str(char *dst, size_t cap, const char *s)
{
    size_t n = strlen(s);
    if (n >= cap) n = cap - 1;
    memcpy(dst, s, n);
    dst[n] = '\0';
}

static void copy_id(char *dst, size_t cap, const char *prefix, const char *s)
{
    size_t pl = strlen(prefix), n = strlen(s);
    if (pl + n >= cap) {
        n = cap - 1 - pl;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--; /* cut on a character boundary */
    }
    memcpy(dst, prefix, pl);
    memcpy(dst + pl, s, n);
    dst[pl + n] = '\0';
}

void fp_indicate_other(fp_figure *f)
{
    copy_id(f->indicator, sizeof f->indicator, FP_OTHER_PREFIX,
            f->label && *f->label ? f->label : f->counter[0] ? f->counter : f->unit);
}

/* 1 when a word of class cls lies wholly in [from, a->fs); from is a->ps or after. */
static int has_word(int cls, const around *a, size_t from) { return a->wlast[cls] != SIZE_MAX && a->wlast[cls] >= from; }

/* 1 when a word of this_year lies wholly in [a->ss, a->fs): find_words looked
 * from a->ps on; before it memmem looks, for the few figures that ask. */
static int has_this_year(const fp_indicate *x, const char *t, const around *a)
{
    if (has_word(W_THIS_YEAR, a, a->ps)) return 1;
    for (int i = 0; i < x->nwords[W_THIS_YEAR] && a->fs > a->ss; i++)
        if (memmem(t + a->ss, a->fs - a->ss, x->words[W_THIS_YEAR][i], strlen(x->words[W_THIS_YEAR][i]))) return 1;
    return 0;
}

/* 1 when a plan word in [a->ps, a->fs) governs what follows it: not a noun
 * that ends its phrase (围绕“减贫摘帽”目标，…; 任务和…), as relations.c's
 * plans_in also asks; with of_noun, nor one before 的 (占年度计划的82.3%). */
static int plan_governs(const fp_indicate *x, const char *t, size_t len, const around *a, int of_noun)
{
    if (!has_word(W_PLAN, a, a->ps)) return 0;
    for (int i = 0; i < x->nwords[W_PLAN]; i++) {
        const char *w = x->words[W_PLAN][i];
        size_t n = strlen(w);
        for (size_t p = a->ps; p + n <= a->fs;) {
            const char *hit = memmem(t + p, a->fs - p, w, n);
            if (!hit) break;
            size_t e = (size_t)(hit - t) + n;
            int noun = e >= len || clause_mark(t, len, e) || fp_plan_noun_after(t, len, e, of_noun);
            if (!noun) return 1;
            p = e;
        }
    }
    return 0;
}

/* The relation says the series, but a plan is a target only when a plan
 * word governs the figure: in its clause or the one before (a 规划 three
 * clauses back, or in a title, plans nothing here); and a change that is
 * planned (确保减少贫困人口140万人) is a target too. */
static void pick_series(const fp_indicate *x, const char *t, size_t len, const around *a, int ind, fp_figure *f)
{
    const fp_indicator *in = ind >= 0 ? &x->t.v[ind] : NULL;
    const char *rel = f->relation;
    const char *se = "value";
    if (!strcmp(rel, "plan")) se = !t || plan_governs(x, t, len, a, 0) ? "target" : "value";
    else if (!strcmp(rel, "change")) {
        /* growth a plan's base stands before (占年度计划的82.3%，比去年同期增加21.5亿元) is no target */
        int planned = t && plan_governs(x, t, len, a, 1);
        int pct = !strcmp(f->unit, "percent") || !strcmp(f->unit, "pct_point");
        if (planned && !pct) se = "target";
        else
            /* (and a running total of it: 累计减少贫困人口500万人 is exit.cumulative's value) */
            se = in && (in->kind == FP_KIND_FLOW || in->kind == FP_KIND_RUNNING) && t && !pct &&
                         has_word(W_FLOW_NEW, a, a->cs)
                     ? "value"
                     : "change";
    } else if (!strcmp(rel, "per_unit"))
        se = in && in->kind == FP_KIND_PER_CAPITA ? "value" : "rate";
    copy_str(f->series, sizeof f->series, se);
}

/* 1 when t[from..to) writes a range of years (2016—2019年, 2016年至2019年, 2014-2019年间). */
static int year_range_in(const char *t, size_t from, size_t to)
{
    for (size_t p = from; p + 9 <= to; p++) {
        if (!(t[p] >= '1' && t[p] <= '2') || (p > from && t[p - 1] >= '0' && t[p - 1] <= '9')) continue;
        size_t q = p;
        while (q < to && q - p < 4 && t[q] >= '0' && t[q] <= '9') q++;
        if (q - p != 4 || (q < to && t[q] >= '0' && t[q] <= '9')) continue;
        if (q + 3 <= to && !memcmp(t + q, "年", 3)) q += 3;
        static const char *const dash[] = {"—", "－", "～", "至", "到", "-", "~"};
        size_t dl = 0;
        for (size_t k = 0; k < sizeof dash / sizeof dash[0] && !dl; k++)
            if (q + strlen(dash[k]) <= to && !memcmp(t + q, dash[k], strlen(dash[k]))) dl = strlen(dash[k]);
        if (!dl) continue;
        q += dl;
        if (q + 4 <= to && t[q] >= '1' && t[q] <= '2' && t[q + 1] >= '0' && t[q + 1] <= '9' && t[q + 2] >= '0' &&
            t[q + 2] <= '9' && t[q + 3] >= '0' && t[q + 3] <= '9')
            return 1;
    }
    return 0;
}

/* A running total over years: a running word before the figure in its
 * clause, unless its sentence says it is this year's (全年累计 is the
 * year's, and so is 今年1至8月，该市已有…). */
static int running(const fp_indicate *x, const char *t, const around *a)
{
    return has_word(W_RUNNING, a, a->cs) && !has_this_year(x, t, a);
}

void fp_indicate_figure(const fp_indicate *x, const char *text, size_t len, fp_figure *f)
{
    int known = f->indicator[0] ? fp_indicators_find(&x->t, f->indicator) : -1;
    const char *t = text && f->read_text ? f->read_text : text; /* the report as extraction read it */
    size_t fs = f->offset, fe = (size_t)f->offset + f->length;
    if (!t || fe > len || fe <= fs) {
        /* curated figures: their sentence, with the figure found in it by its text */
        t = f->sentence ? f->sentence : "";
        len = strlen(t);
        const char *hit = f->text && *f->text ? strstr(t, f->text) : NULL;
        fs = hit ? (size_t)(hit - t) : len;
        fe = hit ? fs + strlen(f->text) : len;
    }
    scan s = {.x = x, .f = f, .t = t, .len = len, .b = {.ind = -1}};
    find_around(t, len, fs, fe, &s.a);
    find_words(x, t, len, &s.a);
    /* 清理闲置资金3.74万元 says what it measures in its own clause; 金额达2亿元 takes the topic before it */
    s.own_label = f->label && *f->label && s.a.ce > s.a.cs &&
                  memmem(t + s.a.cs, s.a.ce - s.a.cs, f->label, strlen(f->label)) != NULL;
    s.item_label = s.own_label && s.a.fs > s.a.is &&
                   memmem(t + s.a.is, s.a.fs - s.a.is, f->label, strlen(f->label)) != NULL;
    /* the rest of a breakdown (其他扶贫资金2.21亿) measures no named indicator */
    int remainder = has_word(W_REMAINDER, &s.a, s.a.bs);
    if (known < 0 && !(f->indicator[0] && !strncmp(f->indicator, FP_OTHER_PREFIX, strlen(FP_OTHER_PREFIX))) &&
        !remainder) {
        /* indicators of the figure's own metric only: a word of another metric's
         * indicator beside it names who, where or what for (1万名志愿者 beside
         * 脱贫, 党组织13个 beside 安置点), not what it measures -- such a figure is
         * other:<label>, published but never pooled. The sentence before the
         * clause counts too: its words as the topic (zone 3), and a phrase
         * reaching from there into the figure's stretch (北京市…，…帮扶资金) as near. */
        s.cues = index_of(x, f->metric);
        s.any_unit = !strcmp(f->relation, "change") && (!strcmp(f->unit, "percent") || !strcmp(f->unit, "pct_point"));
        /* 城镇居民人均可支配收入21453元，增长8.1%: growth with no word of its own in its clause
         * measures the figure before it, so that figure's list item rules indicators out too */
        if (s.any_unit && !s.own_label && s.a.ps < s.a.cs) {
            s.a.vs = s.a.ps;
            for (size_t q = s.a.ps; q + 3 <= s.a.cs; q += fp_utf8_len((unsigned char)t[q]))
                if (!memcmp(t + q, "、", 3)) s.a.vs = q + 3;
        }
        /* 2.36亿元（其中中央资金1.42亿元）: the words after 其中 name the part, not this figure */
        size_t to = s.a.ce;
        const char *part = s.a.ce > s.a.fe ? memmem(t + s.a.fe, s.a.ce - s.a.fe, "其中", 6) : NULL;
        if (part) to = (size_t)(part - t);
        /* 财政投入38.26亿元，同比增长28.8%: growth with no word of its own measures the figure before
         * it, whose label extraction gave it: that label's words come first */
        if (s.any_unit && !s.own_label && f->label && *f->label && s.a.cs > s.a.ss) {
            size_t ll = strlen(f->label);
            const char *hit = NULL;
            for (const char *q = t + s.a.ss; (q = memmem(q, (size_t)(t + s.a.cs - q), f->label, ll)) != NULL; q++)
                hit = q;
            if (hit) s.lab_s = (size_t)(hit - t), s.lab_e = s.lab_s + ll;
        }
        scan_range(&s, s.a.ss, to, 0);
        known = s.b.ind;
        /* the weight: near beats far, a statement of the year beats a running total over years
         * (三年累计, 2014年以来), a whole (总共, 合计) beats its breakdown's items, then the longer cue */
        int run = known >= 0 && running(x, t, &s.a);
        /* 2016年以来，全县累计投入扶贫资金32亿元: a flow summed over years is no year's value (its
         * running indicator, where there is one, took it already): a measure of its own */
        if (run && x->t.v[known].kind == FP_KIND_FLOW &&
            (has_word(W_YEARS, &s.a, s.a.ps) || year_range_in(t, s.a.ss, s.a.fs)))
            known = -1;
        if (known >= 0)
            f->weight = (uint16_t)((4 - s.b.zone) * 1000 + (run ? 0 : 200) +
                                   (has_word(W_WHOLE, &s.a, s.a.is) ? 150 : 0) + (s.b.len < 150 ? s.b.len : 149));
        if (known >= 0) copy_str(f->indicator, sizeof f->indicator, x->t.v[known].id);
        else
            fp_indicate_other(f);
    }
    if (known < 0 && !f->indicator[0]) fp_indicate_other(f);
    if (!f->series[0]) pick_series(x, t, len, &s.a, known, f);
}
