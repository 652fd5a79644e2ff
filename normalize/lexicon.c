#include "lexicon.h"
#include "charclass.h"
#include "utf8.h"
#include "fp_tsv.h"
#include "fp_err.h"
#include "fp_file.h"
#include "fp_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *cue_names[CUE_COUNT] = {
    "approx_before", "approx_after", "at_least_before", "at_least_after", "at_most_before", "at_most_after",
    "per_unit", "per_unit_after", "change", "change_to", "plan", "part", "part_list", "boilerplate", "since",
    "household_noun", "person_noun", "not_after",
    "year_this", "year_last", "year_last2", "year_next", "year_bind", "year_current", "from", "to",
    "place_not", "place_not_before", "place_suffix", "place_written", "place_village", "place_not_written", "place_list", "place_group",
    "implied_person", "implied_household", "implied_modifier",
    "counted_county", "counted_township", "counted_village", "counted_modifier", "counted_not_after",
    "per_unit_adjacent", "per_unit_not", "part_around", "part_of_before", "share_of", "plan_over_change", "topic_verb",
    "place_located", "place_back_village", "place_back_township", "place_back_not", "place_whole", "scope_before", "progress", "compare", "year_onset", "respectively", "plan_not", "standard", "year_same", "year_after",
    "duration_after", "person_noun_not", "plan_heading", "part_in_clause", "links_heading", "label_stop", "plan_obtain", "obtained", "compared_before", "compared_after", "until", "until_end", "plan_done", "year_whole", "review_heading", "give", "give_to", "period_to_now", "breakdown_open", "plan_after", "village_not_after", "kou_thing", "group_noun", "object_verb"};

typedef struct {
    int (*fn)(char **f, int nf, const char *path, int lineno, void *ud);
    const char *path;
    void *ud;
} each_ctx;

static int each_adapt(char **f, int nf, int lineno, void *ud)
{
    each_ctx *c = ud;
    return c->fn(f, nf, c->path, lineno, c->ud);
}

/* Calls fn(fields, nfields, path, lineno, ud) for every data line of a TSV file (fp_tsv). */
static int each_line(const char *path, int (*fn)(char **f, int nf, const char *path, int lineno, void *ud), void *ud)
{
    each_ctx c = {fn, path, ud};
    return fp_tsv_each(path, each_adapt, &c);
}


/* The bit of a character in a 2048-bit filter, and in the 4096-bit one of the cue index. */
static unsigned bloom_bit(uint32_t k) { return (k * 2654435761u) >> 21; }
static unsigned bloom_bit4k(uint32_t k) { return (k * 2654435761u) >> 20; }

static int in_bloom(const uint64_t *bloom, uint32_t k)
{
    unsigned b = bloom_bit(k);
    return (bloom[b >> 6] >> (b & 63)) & 1;
}

static void bloom_set(uint64_t *bloom, uint32_t k)
{
    unsigned b = bloom_bit(k);
    bloom[b >> 6] |= 1ULL << (b & 63);
}

/* fp_utf8_key of s (n > 0 bytes) and the bytes it covers: a CJK character,
 * the common case, without the general loop. */
static inline uint32_t key_at(const char *s, size_t n, size_t *kl)
{
    const unsigned char *u = (const unsigned char *)s;
    if (u[0] < 0x80) {
        *kl = 1;
        return u[0];
    }
    if (u[0] >= 0xE0 && u[0] < 0xF0 && n >= 3) {
        *kl = 3;
        return (uint32_t)u[0] << 16 | (uint32_t)u[1] << 8 | u[2];
    }
    size_t l = fp_utf8_len(u[0]);
    *kl = l > n ? n : l;
    return fp_utf8_key(s, n);
}

/* The key of the last character of s[0..n) (n > 0): its bytes packed, at most four. */
static uint32_t last_key(const char *s, size_t n)
{
    size_t p = fp_utf8_prev(s, n);
    uint32_t k = 0;
    for (size_t i = p; i < n && i < p + 4; i++) k = k << 8 | (unsigned char)s[i];
    return k;
}

typedef struct {
    uint32_t key;
    unsigned char len;
    int i;
} word_order;

static int by_key_len(const void *a, const void *b)
{
    const word_order *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    if (x->len != y->len) return x->len > y->len ? -1 : 1; /* longest first: the first that fits wins */
    return x->i - y->i;
}

/* Sorts a list's words by first character, longest first, and makes its
 * buckets and filters (fp_words says why). */
static int words_index(fp_words *w)
{
    if (w->n > 65535) return FP_EINVAL;
    size_t n = (size_t)w->n;
    word_order *o = malloc(sizeof *o * (n ? n : 1));
    char **nw = malloc(sizeof *nw * (n ? n : 1));
    unsigned char *nl = malloc(n ? n : 1);
    uint32_t *nk = malloc(sizeof *nk * (n ? n : 1));
    free(w->lkey);
    w->lkey = malloc(sizeof *w->lkey * (n ? n : 1));
    size_t nb = 4;
    while (nb < 2 * n) nb *= 2;
    w->bkey = calloc(nb, sizeof *w->bkey);
    w->bfirst = calloc(nb, sizeof *w->bfirst);
    w->bcount = calloc(nb, sizeof *w->bcount);
    if (!o || !nw || !nl || !nk || !w->lkey || !w->bkey || !w->bfirst || !w->bcount) {
        free(o), free(nw), free(nl), free(nk);
        return FP_ENOMEM;
    }
    w->bmask = (uint32_t)nb - 1;
    for (size_t i = 0; i < n; i++) o[i] = (word_order){w->key[i], w->len[i], (int)i};
    qsort(o, n, sizeof *o, by_key_len);
    memset(w->bloom, 0, sizeof w->bloom);
    memset(w->bloom_last, 0, sizeof w->bloom_last);
    for (size_t i = 0; i < n; i++) {
        nw[i] = w->w[o[i].i];
        nl[i] = w->len[o[i].i];
        nk[i] = w->key[o[i].i];
        bloom_set(w->bloom, nk[i]);
        w->lkey[i] = nl[i] ? last_key(nw[i], nl[i]) : 0;
        if (nl[i]) bloom_set(w->bloom_last, w->lkey[i]);
        uint32_t b = (nk[i] * 2654435761u >> 16) & w->bmask;
        while (w->bcount[b] && w->bkey[b] != nk[i]) b = (b + 1) & w->bmask;
        if (!w->bcount[b]) w->bkey[b] = nk[i], w->bfirst[b] = (uint16_t)i;
        w->bcount[b]++;
    }
    free(w->w), free(w->len), free(w->key);
    w->w = nw, w->len = nl, w->key = nk;
    /* the same by last character, for fp_words_suffix (a word of no bytes ends with none) */
    free(w->sorder), free(w->skey), free(w->sfirst), free(w->scount);
    w->sorder = malloc(sizeof *w->sorder * (n ? n : 1));
    w->skey = calloc(nb, sizeof *w->skey);
    w->sfirst = calloc(nb, sizeof *w->sfirst);
    w->scount = calloc(nb, sizeof *w->scount);
    if (!w->sorder || !w->skey || !w->sfirst || !w->scount) {
        free(o);
        return FP_ENOMEM;
    }
    size_t ns = 0;
    for (size_t i = 0; i < n; i++)
        if (nl[i]) o[ns++] = (word_order){w->lkey[i], nl[i], (int)i};
    qsort(o, ns, sizeof *o, by_key_len);
    for (size_t i = 0; i < ns; i++) {
        w->sorder[i] = (uint16_t)o[i].i;
        uint32_t b = (o[i].key * 2654435761u >> 16) & w->bmask;
        while (w->scount[b] && w->skey[b] != o[i].key) b = (b + 1) & w->bmask;
        if (!w->scount[b]) w->skey[b] = o[i].key, w->sfirst[b] = (uint16_t)i;
        w->scount[b]++;
    }
    free(o);
    return FP_OK;
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
        uint32_t *nk = realloc(w->key, sizeof *nk * (size_t)(w->n + 1));
        if (!nk) return FP_ENOMEM;
        w->key = nk;
        nk[w->n] = fp_utf8_key(tok, n);
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
    free(w->key);
    free(w->lkey);
    free(w->bkey);
    free(w->bfirst);
    free(w->bcount);
    free(w->sorder);
    free(w->skey);
    free(w->sfirst);
    free(w->scount);
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

static int on_unit_metrics(char **f, int nf, const char *path, int lineno, void *ud)
{
    fp_lexicon *lx = ud;
    if (nf != 2 || strlen(f[0]) >= 32) {
        fp_error("%s:%d: expected unit[/counter]<TAB>metrics", path, lineno);
        return FP_EINVAL;
    }
    fp_unit_metrics *n = realloc(lx->um, sizeof *n * (size_t)(lx->num + 1));
    if (!n) return FP_ENOMEM;
    lx->um = n;
    fp_unit_metrics *u = &n[lx->num];
    memset(u, 0, sizeof *u);
    strcpy(u->unit, f[0]);
    u->fallback = -1;
    for (char *tok = strtok(f[1], " "); tok; tok = strtok(NULL, " ")) {
        int mi = 0;
        while (mi < lx->nmetrics && strcmp(lx->metrics[mi].name, tok)) mi++;
        if (mi == lx->nmetrics || mi >= 64) {
            fp_error("%s:%d: unknown metric '%s'", path, lineno, tok);
            return FP_EINVAL;
        }
        u->allowed |= 1ULL << mi;
        if (u->fallback < 0) u->fallback = mi;
    }
    lx->num++;
    return FP_OK;
}

/* FNV-1a over a string's bytes, going on from h. */
static uint32_t fnv_str(uint32_t h, const char *s)
{
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}
#define FNV_START 2166136261u

/* The table of the unit lines by their unit string (fp_lexicon's umh): a
 * line whose string an earlier line has is not entered, as the first of
 * equal lines is the one a lookup in order would find. FP_OK or FP_ENOMEM. */
static int units_metrics_index(fp_lexicon *lx)
{
    size_t nb = 16;
    while (nb < 2 * (size_t)lx->num) nb *= 2;
    if (!(lx->umh = calloc(nb, sizeof *lx->umh))) return FP_ENOMEM;
    lx->ummask = (uint32_t)nb - 1;
    for (int i = 0; i < lx->num; i++) {
        uint32_t h = fnv_str(FNV_START, lx->um[i].unit) & lx->ummask;
        while (lx->umh[h] && strcmp(lx->um[lx->umh[h] - 1].unit, lx->um[i].unit)) h = (h + 1) & lx->ummask;
        if (!lx->umh[h]) lx->umh[h] = (uint32_t)i + 1;
    }
    return FP_OK;
}

const fp_unit_metrics *fp_lexicon_unit_metrics(const fp_lexicon *lx, const char *unit, const char *counter)
{
    /* asked a few dozen times per figure: hashed, and compared in place (no "unit/counter"
     * string made); each string's first line, as a look in order finds */
    if (!lx->umh) return NULL;
    size_t ul = strlen(unit);
    if (counter && *counter) {
        uint32_t h = fnv_str((fnv_str(FNV_START, unit) ^ '/') * 16777619u, counter) & lx->ummask;
        for (; lx->umh[h]; h = (h + 1) & lx->ummask) {
            const char *u = lx->um[lx->umh[h] - 1].unit;
            if (!strncmp(u, unit, ul) && u[ul] == '/' && !strcmp(u + ul + 1, counter)) return &lx->um[lx->umh[h] - 1];
        }
    }
    for (uint32_t h = fnv_str(FNV_START, unit) & lx->ummask; lx->umh[h]; h = (h + 1) & lx->ummask)
        if (!strcmp(lx->um[lx->umh[h] - 1].unit, unit)) return &lx->um[lx->umh[h] - 1];
    return NULL;
}

typedef struct {
    uint32_t key;
    const fp_words *list;
    int tag, word;
} entry;

static int by_key(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    if (x->tag != y->tag) return x->tag - y->tag; /* one tag's words together in a bucket */
    return x->word - y->word;
}

static size_t bucket_of(const fp_cue_index *ix, uint32_t key)
{
    /* the product's high bits: its low ones are the key's last byte's, a few dozen values for CJK */
    size_t mask = ix->nb - 1, i = (size_t)((uint64_t)key * 0x9E3779B97F4A7C15ull >> 40) & mask;
    while (ix->bcount[i] && ix->bkey[i] != key) i = (i + 1) & mask;
    return i;
}

int fp_cue_index_build(fp_cue_index *ix, const fp_words *const *lists, const int *tags, int nlists)
{
    memset(ix, 0, sizeof *ix);
    int n = 0;
    for (int l = 0; l < nlists; l++) {
        if (tags[l] < 0 || tags[l] > 63) return FP_EINVAL;
        n += lists[l]->n;
    }
    entry *e = malloc(sizeof *e * (size_t)(n ? n : 1));
    ix->w = malloc(sizeof *ix->w * (size_t)(n ? n : 1));
    ix->len = malloc((size_t)(n ? n : 1));
    ix->tag = malloc(sizeof *ix->tag * (size_t)(n ? n : 1));
    for (ix->nb = 16; ix->nb < (size_t)n * 2; ix->nb *= 2) {}
    ix->bkey = calloc(ix->nb, sizeof *ix->bkey);
    ix->bstart = calloc(ix->nb, sizeof *ix->bstart);
    ix->bcount = calloc(ix->nb, sizeof *ix->bcount);
    if (!e || !ix->w || !ix->len || !ix->tag || !ix->bkey || !ix->bstart || !ix->bcount) {
        free(e);
        fp_cue_index_free(ix);
        return FP_ENOMEM;
    }
    int k = 0;
    for (int l = 0; l < nlists; l++)
        for (int i = 0; i < lists[l]->n; i++) e[k++] = (entry){lists[l]->key[i], lists[l], tags[l], i};
    qsort(e, (size_t)n, sizeof *e, by_key);
    for (int i = 0; i < n; i++) {
        ix->w[i] = e[i].list->w[e[i].word];
        ix->len[i] = e[i].list->len[e[i].word];
        ix->tag[i] = (uint16_t)e[i].tag;
        unsigned b = bloom_bit4k(e[i].key);
        ix->bloom[b >> 6] |= 1ULL << (b & 63);
        uint32_t k3 = e[i].key;
        if ((k3 & 0xF0C0C0u) == 0xE08080u) {
            uint32_t cp = (k3 >> 16 & 0x0F) << 12 | (k3 >> 8 & 0x3F) << 6 | (k3 & 0x3F);
            ix->first3[cp >> 6] |= 1ULL << (cp & 63);
            const unsigned char *w = (const unsigned char *)ix->w[i];
            uint32_t cp1;
            if (ix->len[i] >= 6 && fp_utf8_cjk3(w + 3, ix->len[i] - 3, &cp1)) {
                uint32_t pb = fp_cue_pair_bit(cp, cp1);
                ix->pair[pb >> 6] |= 1ULL << (pb & 63);
            } else {
                ix->any3[cp >> 6] |= 1ULL << (cp & 63);
            }
        }
        size_t bi = bucket_of(ix, e[i].key);
        if (!ix->bcount[bi]) ix->bkey[bi] = e[i].key, ix->bstart[bi] = (uint32_t)i;
        ix->bcount[bi]++;
    }
    ix->n = n;
    free(e);
    return FP_OK;
}

/* Every metric's cue words, tagged with the metric's index. */
static int build_cue_index(fp_lexicon *lx)
{
    const fp_words **lists = malloc(sizeof *lists * (size_t)(lx->nmetrics ? lx->nmetrics : 1));
    int *tags = malloc(sizeof *tags * (size_t)(lx->nmetrics ? lx->nmetrics : 1));
    int rc = lists && tags ? FP_OK : FP_ENOMEM;
    for (int m = 0; m < lx->nmetrics && !rc; m++) lists[m] = &lx->metrics[m].cues, tags[m] = m;
    if (!rc) rc = fp_cue_index_build(&lx->cues_ix, lists, tags, lx->nmetrics);
    free(lists);
    free(tags);
    return rc;
}

/* The cue classes scan_refs asks about at every character, in one index. */
static const int ref_cues[] = {CUE_YEAR_LAST2, CUE_YEAR_LAST, CUE_YEAR_THIS, CUE_YEAR_NEXT, CUE_YEAR_SAME, CUE_YEAR_AFTER, CUE_PLACE_NOT,
                               CUE_PLACE_BACK_VILLAGE, CUE_PLACE_BACK_TOWNSHIP, CUE_PLACE_WHOLE, CUE_PLACE_BACK_NOT};

/* The cue classes looked for in parts of a sentence, per figure
 * (relations.c, years.c, extract.c): a sentence that holds none of a class
 * (scan_sentences finds which it holds, in one pass) needs no look. */
static const int sent_cues[] = {CUE_BOILERPLATE, CUE_PER_UNIT, CUE_PER_UNIT_ADJACENT, CUE_CHANGE, CUE_CHANGE_TO,
                                CUE_PLAN_OVER_CHANGE, CUE_SHARE_OF, CUE_PLAN, CUE_PART, CUE_PART_LIST,
                                CUE_PART_OF_BEFORE, CUE_PART_AROUND, CUE_FROM, CUE_TO, CUE_COMPARE, CUE_SCOPE_BEFORE,
                                CUE_RESPECTIVELY, CUE_PROGRESS, CUE_STANDARD, CUE_PLAN_NOT};

/* Classes past CUE_INDEXABLE_END that cue_first and cue_last ask of whole
 * sentences or long parts of them, once per sentence or figure: in sent_ix
 * under a spare bit (sent_bit), the sentence's words answer them too. */
static const int sent_late[] = {CUE_PERIOD_TO_NOW, CUE_PART_IN_CLAUSE, CUE_PLAN_AFTER, CUE_PLAN_DONE};

/* sent_ix: the classes of sent_cues tagged with their enum fp_cue, then
 * those of sent_late each with a bit none of those uses (a class left
 * without one is walked for, as before). Sets lx->sent_bit and
 * lx->sent_classes. FP_OK or FP_ENOMEM. */
static int build_sent_index(fp_lexicon *lx)
{
    const fp_words *lists[64];
    int tags[64], n = 0;
    uint64_t used = 0;
    memset(lx->sent_bit, -1, sizeof lx->sent_bit);
    for (size_t i = 0; i < sizeof sent_cues / sizeof sent_cues[0]; i++) {
        int c = sent_cues[i];
        lists[n] = &lx->cues[c], tags[n++] = c;
        used |= 1ULL << c, lx->sent_bit[c] = (int8_t)c;
        lx->sent_classes |= 1ULL << c;
    }
    for (size_t i = 0; i < sizeof sent_late / sizeof sent_late[0] && n < 64; i++) {
        int c = sent_late[i], b = 0;
        while (b < 64 && used >> b & 1) b++;
        if (b == 64) break;
        lists[n] = &lx->cues[c], tags[n++] = b;
        used |= 1ULL << b, lx->sent_bit[c] = (int8_t)b;
    }
    return fp_cue_index_build(&lx->sent_ix, lists, tags, n);
}

/* An index over some cue classes, each word tagged with its class. */
static int build_class_index(fp_lexicon *lx, fp_cue_index *ix, const int *cues, int n)
{
    const fp_words *lists[CUE_COUNT];
    for (int i = 0; i < n; i++) lists[i] = &lx->cues[cues[i]];
    return fp_cue_index_build(ix, lists, cues, n);
}

void fp_cue_index_free(fp_cue_index *ix)
{
    free(ix->w);
    free(ix->len);
    free(ix->tag);
    free(ix->bkey);
    free(ix->bstart);
    free(ix->bcount);
    memset(ix, 0, sizeof *ix);
}

uint64_t fp_cue_at_key(const fp_cue_index *ix, const char *s, size_t n, uint32_t k, size_t *len)
{
    size_t bi = bucket_of(ix, k);
    uint64_t found = 0;
    /* the bucket's words start with the key's bytes: the compare starts past them */
    size_t j0 = k < 0x100 ? 1 : k < 0x10000 ? 2 : k < 0x1000000 ? 3 : 4;
    for (uint32_t i = ix->bstart[bi], e = i + ix->bcount[bi]; i < e; i++) {
        size_t l = ix->len[i], j = j0;
        if (l > n) continue;
        const unsigned char *a = (const unsigned char *)s, *c = (const unsigned char *)ix->w[i];
        while (j < l && a[j] == c[j]) j++; /* words are a few bytes: no call to memcmp */
        if (j < l) continue;
        unsigned t = ix->tag[i];
        if (!(found >> t & 1)) found |= 1ULL << t, len[t] = 0;
        if (l > len[t]) len[t] = l;
    }
    return found;
}

uint64_t fp_cue_at_other(const fp_cue_index *ix, const char *s, size_t n, size_t *len)
{
    if (!n || !ix->n) return 0;
    size_t kl;
    uint32_t k = key_at(s, n, &kl);
    unsigned b = bloom_bit4k(k);
    return (ix->bloom[b >> 6] >> (b & 63)) & 1 ? fp_cue_at_key(ix, s, n, k, len) : 0;
}

void fp_cue_scan(const fp_cue_index *ix, const char *s, size_t n, fp_cue_cb cb, void *ud)
{
    if (!ix->n) return;
    const unsigned char *u = (const unsigned char *)s;
    for (size_t p = 0, kl; p < n; p += kl) {
        /* a well-formed character of three bytes: the exact table, one bit test */
        uint32_t cp;
        if (fp_utf8_cjk3(u + p, n - p, &cp)) {
            kl = 3;
            if (!fp_cue_may3(ix, cp, u + p, n - p)) continue;
        }
        uint32_t k = key_at(s + p, n - p, &kl);
        unsigned b = bloom_bit4k(k);
        if (!((ix->bloom[b >> 6] >> (b & 63)) & 1)) continue;
        size_t bi = bucket_of(ix, k);
        if (!ix->bcount[bi]) continue;
        /* each metric's longest word here: words of one bucket are few; they start with the
         * key's bytes, so the compare starts past them (as in fp_cue_at_key), with no call */
        int last_tag = -1;
        size_t best = 0, j0 = k < 0x100 ? 1 : k < 0x10000 ? 2 : k < 0x1000000 ? 3 : 4;
        for (uint32_t i = ix->bstart[bi], e = i + ix->bcount[bi]; i < e; i++) {
            size_t l = ix->len[i], j = j0;
            if (l > n - p) continue;
            const unsigned char *c = (const unsigned char *)ix->w[i];
            while (j < l && u[p + j] == c[j]) j++;
            if (j < l) continue;
            if (ix->tag[i] != last_tag) {
                if (last_tag >= 0) cb(last_tag, p, best, ud);
                last_tag = ix->tag[i];
                best = 0;
            }
            if (ix->len[i] > best) best = ix->len[i];
        }
        if (last_tag >= 0) cb(last_tag, p, best, ud);
    }
}

/* Chains the units by first character (unext) and hashes each chain's first unit (uhead), so
 * fp_lexicon_unit looks only at the units a character starts. FP_OK or FP_ENOMEM. */
static int units_index(fp_lexicon *lx)
{
    size_t nb = 16;
    while (nb < 2 * (size_t)lx->nunits) nb *= 2;
    lx->unext = malloc(sizeof *lx->unext * (size_t)(lx->nunits ? lx->nunits : 1));
    lx->uhead = calloc(nb, sizeof *lx->uhead);
    if (!lx->unext || !lx->uhead) return FP_ENOMEM;
    lx->umask = (uint32_t)nb - 1;
    for (int i = lx->nunits - 1; i >= 0; i--) { /* from the last, so each head ends up the first */
        uint32_t k = lx->ukey[i], h = (k * 2654435761u >> 8) & lx->umask;
        while (lx->uhead[h] && lx->ukey[lx->uhead[h] - 1] != k) h = (h + 1) & lx->umask;
        lx->unext[i] = lx->uhead[h] - 1;
        lx->uhead[h] = i + 1;
    }
    return FP_OK;
}

/* Makes lx->cls3 (FP_CC_*) from the indexes and the fixed marks. FP_OK or FP_ENOMEM. */
static int class_table(fp_lexicon *lx)
{
    if (!(lx->cls3 = calloc(65536, 1))) return FP_ENOMEM;
    for (uint32_t cp = 0; cp < 65536; cp++) {
        uint8_t f = 0;
        if (lx->sent_ix.first3[cp >> 6] >> (cp & 63) & 1) f |= FP_CC_SENT_CUE;
        if (lx->refs_ix.first3[cp >> 6] >> (cp & 63) & 1) f |= FP_CC_REFS_CUE;
        if (fp_hanzi_digit_cp(cp) >= 0) f |= FP_CC_HANZI;
        lx->cls3[cp] = f;
    }
    lx->cls3[0x3002] |= FP_CC_SENT_END; /* 。 */
    lx->cls3[0xFF01] |= FP_CC_SENT_END; /* ！ */
    lx->cls3[0xFF1F] |= FP_CC_SENT_END; /* ？ */
    lx->cls3[0xFF1B] |= FP_CC_SENT_END; /* ； */
    lx->cls3[FP_CP_TITLE_OPEN] |= FP_CC_TITLE;
    lx->cls3[FP_CP_TITLE_CLOSE] |= FP_CC_TITLE;
    return FP_OK;
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
        snprintf(path, sizeof path, "%s/place-words.tsv", datadir);
        rc = each_line(path, on_cue, lx);
    }
    if (!rc) {
        snprintf(path, sizeof path, "%s/metrics.tsv", datadir);
        rc = each_line(path, on_metric, lx);
    }
    if (!rc) {
        snprintf(path, sizeof path, "%s/metric-units.tsv", datadir);
        struct stat st;
        if (stat(path, &st) == 0) rc = each_line(path, on_unit_metrics, lx);
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
    lx->m_poor = lx->m_personnel = lx->m_funds = lx->m_benef = -1;
    for (int m = 0; m < lx->nmetrics; m++) {
        if (!strcmp(lx->metrics[m].name, "poor_population")) lx->m_poor = m;
        if (!strcmp(lx->metrics[m].name, "personnel")) lx->m_personnel = m;
        if (!strcmp(lx->metrics[m].name, "funds")) lx->m_funds = m;
        if (!strcmp(lx->metrics[m].name, "beneficiaries")) lx->m_benef = m;
    }
    if (lx->nmetrics > 64) {
        fp_error("%s/metrics.tsv: at most 64 metrics", datadir);
        fp_lexicon_free(lx);
        return FP_EINVAL;
    }
    for (int i = 0; i < CUE_COUNT && !rc; i++) rc = words_index(&lx->cues[i]);
    for (int m = 0; m < lx->nmetrics && !rc; m++) rc = words_index(&lx->metrics[m].cues);
    if (!rc && !(lx->ukey = malloc(sizeof *lx->ukey * (size_t)lx->nunits))) rc = FP_ENOMEM;
    for (int i = 0; i < lx->nunits && !rc; i++) {
        lx->ukey[i] = fp_utf8_key(lx->units[i].word, lx->units[i].len ? lx->units[i].len : 1);
        bloom_set(lx->ubloom, lx->ukey[i]);
    }
    if (!rc) rc = units_index(lx);
    if (!rc) rc = units_metrics_index(lx);
    if (!rc) rc = build_cue_index(lx);
    if (!rc) rc = build_class_index(lx, &lx->refs_ix, ref_cues, (int)(sizeof ref_cues / sizeof ref_cues[0]));
    if (!rc) rc = build_sent_index(lx);
    if (!rc) rc = class_table(lx);
    if (rc) {
        fp_lexicon_free(lx);
        return rc;
    }
    return FP_OK;
}

void fp_lexicon_free(fp_lexicon *lx)
{
    free(lx->units);
    free(lx->ukey);
    free(lx->unext);
    free(lx->uhead);
    free(lx->um);
    free(lx->umh);
    free(lx->cls3);
    fp_cue_index_free(&lx->cues_ix);
    fp_cue_index_free(&lx->refs_ix);
    fp_cue_index_free(&lx->sent_ix);
    for (int i = 0; i < CUE_COUNT; i++) words_free(&lx->cues[i]);
    for (int i = 0; i < lx->nmetrics; i++) words_free(&lx->metrics[i].cues);
    free(lx->metrics);
    memset(lx, 0, sizeof *lx);
}

const fp_unit *fp_lexicon_unit(const fp_lexicon *lx, const char *s, size_t n)
{
    if (!n) return NULL;
    size_t kl;
    uint32_t k = key_at(s, n, &kl);
    if (!in_bloom(lx->ubloom, k)) return NULL;
    uint32_t h = (k * 2654435761u >> 8) & lx->umask;
    while (lx->uhead[h] && lx->ukey[lx->uhead[h] - 1] != k) h = (h + 1) & lx->umask;
    /* the units of this first character only, in the order of the list (longest first) */
    for (int i = lx->uhead[h] - 1; i >= 0; i = lx->unext[i])
        if (lx->units[i].len <= n && memcmp(s, lx->units[i].word, lx->units[i].len) == 0) return &lx->units[i];
    return NULL;
}

/* Longest word of w starting at s[0..n), given the key of its first
 * character: the first of its bucket that fits, the bucket being longest first. */
static size_t longest_at(const fp_words *w, const char *s, size_t n, uint32_t k)
{
    uint32_t b = (k * 2654435761u >> 16) & w->bmask;
    while (w->bcount[b] && w->bkey[b] != k) b = (b + 1) & w->bmask;
    for (uint32_t i = w->bfirst[b], e = i + w->bcount[b]; i < e; i++) {
        size_t l = w->len[i];
        if (l > n) continue;
        const unsigned char *a = (const unsigned char *)s, *c = (const unsigned char *)w->w[i];
        size_t j = 0;
        while (j < l && a[j] == c[j]) j++; /* words are a few bytes: no call to memcmp */
        if (j == l) return l;
    }
    return 0;
}

size_t fp_words_prefix_key(const fp_words *w, const char *s, size_t n, uint32_t key)
{
    return longest_at(w, s, n, key);
}

/* fp_words_prefix at a character neither ASCII nor of three bytes. */
size_t fp_words_prefix_other(const fp_words *w, const char *s, size_t n)
{
    if (!n || !w->n) return 0;
    size_t kl;
    uint32_t k = key_at(s, n, &kl);
    return in_bloom(w->bloom, k) ? longest_at(w, s, n, k) : 0;
}

size_t fp_words_suffix(const fp_words *w, const char *s, size_t n)
{
    if (!n || !w->n) return 0;
    const unsigned char *u = (const unsigned char *)s;
    /* last_key, without its walk back where a CJK character ends s (nearly always) */
    uint32_t lk = n >= 3 && (u[n - 3] & 0xF0) == 0xE0 && (u[n - 2] & 0xC0) == 0x80 && (u[n - 1] & 0xC0) == 0x80
                      ? (uint32_t)u[n - 3] << 16 | (uint32_t)u[n - 2] << 8 | u[n - 1]
                      : last_key(s, n);
    if (!in_bloom(w->bloom_last, lk)) return 0;
    /* only the words that end with s's last character, longest first: the first that fits wins */
    uint32_t b = (lk * 2654435761u >> 16) & w->bmask;
    while (w->scount[b] && w->skey[b] != lk) b = (b + 1) & w->bmask;
    for (uint32_t i = w->sfirst[b], e = i + w->scount[b]; i < e; i++) {
        size_t l = w->len[w->sorder[i]], j = 0;
        if (l > n) continue;
        const unsigned char *a = u + n - l, *c = (const unsigned char *)w->w[w->sorder[i]];
        while (j < l && a[j] == c[j]) j++; /* words are a few bytes: no call to memcmp */
        if (j == l) return l;
    }
    return 0;
}

long fp_words_last(const fp_words *w, const char *s, size_t n, size_t *wlen)
{
    if (wlen) *wlen = 0;
    if (!w->n) return -1;
    const unsigned char *u = (const unsigned char *)s;
    for (size_t p = n; p > 0;) {
        uint32_t k;
        if (p >= 3 && (u[p - 3] & 0xF0) == 0xE0 && (u[p - 2] & 0xC0) == 0x80 && (u[p - 1] & 0xC0) == 0x80) {
            /* a three-byte character ends here (CJK): one step back over it, its key as key_at gives it */
            p -= 3;
            k = (uint32_t)u[p] << 16 | (uint32_t)u[p + 1] << 8 | u[p + 2];
        } else {
            if ((u[--p] & 0xC0) == 0x80) continue; /* not a character's first byte */
            size_t kl;
            k = key_at(s + p, n - p, &kl);
        }
        if (!in_bloom(w->bloom, k)) continue;
        size_t l = longest_at(w, s + p, n - p, k);
        if (l) {
            if (wlen) *wlen = l;
            return (long)p;
        }
    }
    return -1;
}

long fp_words_first(const fp_words *w, const char *s, size_t n, size_t *wlen)
{
    if (wlen) *wlen = 0;
    if (!w->n) return -1;
    for (size_t p = 0, kl; p < n; p += kl) {
        uint32_t k = key_at(s + p, n - p, &kl);
        if (!in_bloom(w->bloom, k)) continue;
        size_t l = longest_at(w, s + p, n - p, k);
        if (l) {
            if (wlen) *wlen = l;
            return (long)p;
        }
    }
    return -1;
}
