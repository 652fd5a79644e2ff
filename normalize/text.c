/* text: the document model's skeleton -- sentences, clauses, paragraphs and
 * list items of a report's text, found once and looked up by offset. */
#include "doc.h"

#include <stdlib.h>
#include <string.h>

/* Characters that end a sentence, and those that end a clause within one.
 * Asked at every character: the marks are compared by their bytes (。 、 are
 * E3 80 82 and E3 80 81; ！ ？ ； ， ： are EF BC 81, 9F, 9B, 8C, 9A). */
static inline size_t sentence_mark(const char *t, size_t len, size_t p)
{
    const unsigned char *u = (const unsigned char *)t + p;
    if (u[0] < 0x80) return u[0] == '\n' || u[0] == '!' || u[0] == '?' || u[0] == ';';
    if ((u[0] != 0xE3 && u[0] != 0xEF) || p + 3 > len) return 0;
    if (u[0] == 0xE3) return u[1] == 0x80 && u[2] == 0x82 ? 3 : 0;
    return u[1] == 0xBC && (u[2] == 0x81 || u[2] == 0x9F || u[2] == 0x9B) ? 3 : 0;
}

size_t clause_mark(const char *t, size_t len, size_t p)
{
    const unsigned char *u = (const unsigned char *)t + p;
    if (u[0] < 0x80) {
        if (u[0] == '\n' || u[0] == '!' || u[0] == '?' || u[0] == ';' || u[0] == ':') return 1;
        if (u[0] != ',') return 0;
        /* 12,856: a thousands separator, not a clause break */
        int digit_before = p > 0 && t[p - 1] >= '0' && t[p - 1] <= '9';
        int digit_after = p + 1 < len && t[p + 1] >= '0' && t[p + 1] <= '9';
        return digit_before && digit_after ? 0 : 1;
    }
    if ((u[0] != 0xE3 && u[0] != 0xEF) || p + 3 > len) return 0;
    if (u[0] == 0xE3) return u[1] == 0x80 && (u[2] == 0x82 || u[2] == 0x81) ? 3 : 0;
    return u[1] == 0xBC && (u[2] == 0x81 || u[2] == 0x9F || u[2] == 0x9B || u[2] == 0x8C || u[2] == 0x9A) ? 3 : 0;
}

/* A word of a class of lx->sent_ix found by scan_sentences: where it starts,
 * its class's bit (lx->sent_bit) and the length of its class's longest word there that ends in
 * the sentence. The hits of the whole text, ascending by pos, lie in skip's
 * block after the cues (hit_table), so cue_first and cue_last look them up
 * instead of walking the characters again. */
typedef struct {
    size_t pos;
    uint32_t len, cls;
} cue_hit;

typedef struct {
    cue_hit *h;
    size_t n, cap;
} hit_buf;

static int sentence_cues(const fp_lexicon *lx, const char *t, size_t e, const size_t *at, size_t n, hit_buf *hb,
                         uint64_t *found);
static void skip_links(doc *d);

/* One pass over the characters finds both the sentences (their end marks)
 * and the positions sentence_cues needs to look at: each character is
 * decoded once, and asked fp_cue_may3 of sent_ix where it is CJK. */
int scan_sentences(doc *d)
{
    const fp_lexicon *lx = &d->x->lx;
    const fp_cue_index *ix = &lx->sent_ix;
    const unsigned char *u = (const unsigned char *)d->t;
    size_t *at = NULL, nat = 0, capat = 0; /* sentence_cues' positions, ascending */
    size_t start = 0;
    int rc = FP_OK;
    for (size_t p = 0; p < d->len && !rc;) {
        unsigned char c = u[p];
        uint32_t cp;
        size_t k, step;
        int look;
        if (c < 0x80) {
            k = c == '\n' || c == '!' || c == '?' || c == ';';
            step = 1;
            unsigned b = (c * 2654435761u) >> 20; /* fp_cue_at's filter of an ASCII first character */
            look = ix->n && (ix->bloom[b >> 6] >> (b & 63) & 1);
        } else if (fp_utf8_cjk3(u + p, d->len - p, &cp)) {
            /* 。！？； (sentence_mark's bytes E3 80 82, EF BC 81 9F 9B) and first3, in one load */
            uint8_t f = lx->cls3[cp];
            if (!f) { /* nearly every character */
                p += 3;
                continue;
            }
            k = f & FP_CC_SENT_END ? 3 : 0;
            step = 3;
            look = f & FP_CC_SENT_CUE && fp_cue_may3(ix, cp, u + p, d->len - p);
        } else {
            k = 0; /* every mark is ASCII or a well-formed character of three bytes */
            step = fp_utf8_len(c);
            look = 1; /* sentence_cues checks it, or asks fp_cue_at */
        }
        if (look) {
            if (nat == capat) {
                size_t nc = capat ? capat * 2 : 256;
                size_t *na = realloc(at, nc * sizeof *na);
                if (!na) {
                    rc = FP_ENOMEM;
                    break;
                }
                at = na, capat = nc;
            }
            at[nat++] = p;
        }
        if (k) {
            if (p + k > start) {
                if (d->ns == d->caps) {
                    size_t nc = d->caps ? d->caps * 2 : 16;
                    span *ns = realloc(d->sent, nc * sizeof *ns);
                    if (!ns) {
                        rc = FP_ENOMEM;
                        break;
                    }
                    d->sent = ns, d->caps = nc;
                }
                d->sent[d->ns++] = (span){start, p + k};
            }
            start = p + k;
        }
        p += step;
    }
    if (!rc && start < d->len) {
        if (d->ns == d->caps) {
            size_t nc = d->caps ? d->caps * 2 : 16;
            span *ns = realloc(d->sent, nc * sizeof *ns);
            if (ns) d->sent = ns, d->caps = nc;
            else rc = FP_ENOMEM;
        }
        if (!rc) d->sent[d->ns++] = (span){start, d->len};
    }
    /* one block, skip first: whoever frees skip frees cues too, and the hits after them */
    size_t ns = d->ns ? d->ns : 1, skip_bytes = (ns + 7) / 8 * 8;
    uint64_t *cues = NULL;
    hit_buf hb = {NULL, 0, 0};
    if (!rc && !(cues = malloc(ns * sizeof *cues))) rc = FP_ENOMEM;
    for (size_t i = 0, j = 0; i < d->ns && !rc; i++) {
        size_t j0 = j; /* the sentences are contiguous: their positions follow one another */
        while (j < nat && at[j] < d->sent[i].end) j++;
        rc = sentence_cues(lx, d->t, d->sent[i].end, at ? at + j0 : NULL, j - j0, &hb, &cues[i]); /* none yet: NULL */
    }
    if (!d->ns && cues) cues[0] = 0;
    if (!rc && !(d->skip = calloc(skip_bytes + (ns + 1) * sizeof *d->cues + hb.n * sizeof(cue_hit), 1))) rc = FP_ENOMEM;
    if (rc) {
        free(cues);
        free(hb.h);
        free(at);
        return rc;
    }
    d->cues = (uint64_t *)(void *)(d->skip + skip_bytes);
    memcpy(d->cues, cues, ns * sizeof *cues);
    d->cues[ns] = hb.n;
    if (hb.n) memcpy(d->cues + ns + 1, hb.h, hb.n * sizeof(cue_hit));
    free(cues);
    free(hb.h);
    for (size_t i = 0; i < d->ns; i++) {
        /* malformed, every bit is set: ask the boilerplate list itself */
        d->skip[i] = d->cues[i] == ~0ULL ? fp_words_first(&lx->cues[CUE_BOILERPLATE], d->t + d->sent[i].start,
                                                           d->sent[i].end - d->sent[i].start, NULL) >= 0
                                         : (d->cues[i] >> lx->sent_bit[CUE_BOILERPLATE] & 1);
    }
    free(at);
    skip_links(d);
    return FP_OK;
}

/* The characters of sentence s when it is a line of its own, ending in no sentence mark (a title,
 * a heading, a link), counted up to max + 1; (size_t)-1 when it is not. *text: those that are not
 * blank. */
static size_t own_line(const doc *d, size_t s, size_t max, size_t *text)
{
    size_t a = d->sent[s].start, e = d->sent[s].end, chars = 0;
    *text = 0;
    if ((a > 0 && d->t[a - 1] != '\n') || (e < d->len && d->t[e - 1] != '\n')) return (size_t)-1;
    for (size_t p = a; p < e && chars <= max; p += fp_utf8_len((unsigned char)d->t[p])) {
        unsigned char c = (unsigned char)d->t[p];
        chars++;
        *text += c != '\n' && c != '\r' && c != ' ' && c != '\t';
    }
    return chars;
}

/* 1 when sentence s is a line of its own of at most max characters (a title, a link). */
static int bare_line(const doc *d, size_t s, size_t max)
{
    size_t text;
    return own_line(d, s, max, &text) <= max;
}

/* A web page's list of other stories (相关阅读 on a line of its own, then their titles, one a
 * line): boilerplate, not this report's figures. The list ends at a line that is a sentence. */
static void skip_links(doc *d)
{
    const fp_words *w = &d->x->lx.cues[CUE_LINKS_HEADING];
    int in_list = 0;
    for (size_t i = 0; i < d->ns; i++) {
        size_t a = d->sent[i].start;
        while (a < d->sent[i].end && (d->t[a] == ' ' || d->t[a] == '\t' || d->t[a] == '\n' || d->t[a] == '\r')) a++;
        if (bare_line(d, i, 30) && fp_words_prefix(w, d->t + a, d->sent[i].end - a)) {
            d->skip[i] = 1, in_list = 1;
            continue;
        }
        if (in_list && bare_line(d, i, 60)) d->skip[i] = 1;
        else if (d->sent[i].end > a) in_list = 0;
    }
}

/* Sets *found to the classes of lx->sent_ix with a word in t[a..e); all
 * bits when the text there is malformed UTF-8, where the character steps of
 * fp_words_first from another start might differ. Looks only at the
 * positions at[0..n) (ascending, in [a, e)) that scan_sentences' pass found
 * a word may start at, or that are no well-formed character of three
 * bytes: at the others, a look at each character (as this did) finds
 * nothing, so the answer is the same. Each word found goes on hb (a
 * malformed sentence's hits are never read). FP_OK or FP_ENOMEM. */
static int sentence_cues(const fp_lexicon *lx, const char *t, size_t e, const size_t *at, size_t n, hit_buf *hb,
                         uint64_t *found)
{
    const unsigned char *u = (const unsigned char *)t;
    size_t len[64];
    const fp_cue_index *ix = &lx->sent_ix;
    *found = 0;
    for (size_t i = 0; i < n; i++) {
        size_t p = at[i];
        uint32_t cp;
        uint64_t here;
        if (fp_utf8_cjk3(u + p, e - p, &cp)) {
            /* fp_cue_may3 said yes with the text's end: asked again with the sentence's, a no
             * would mean no word fits before e, which fp_cue_at_key finds as well */
            here = fp_cue_at_key(ix, t + p, e - p, (uint32_t)u[p] << 16 | (uint32_t)u[p + 1] << 8 | u[p + 2], len);
        } else {
            size_t k = u[p] < 0x80 ? 1 : u[p] < 0xC0 ? 0 : u[p] < 0xE0 ? 2 : u[p] < 0xF0 ? 3 : u[p] < 0xF8 ? 4 : 0;
            if (!k || p + k > e) {
                *found = ~0ULL;
                return FP_OK;
            }
            for (size_t j = 1; j < k; j++)
                if ((u[p + j] & 0xC0) != 0x80) {
                    *found = ~0ULL;
                    return FP_OK;
                }
            here = fp_cue_at(ix, t + p, e - p, len);
        }
        *found |= here;
        for (uint64_t m = here; m; m &= m - 1) {
            if (hb->n == hb->cap) {
                size_t nc = hb->cap ? hb->cap * 2 : 256;
                cue_hit *nh = realloc(hb->h, nc * sizeof *nh);
                if (!nh) return FP_ENOMEM;
                hb->h = nh, hb->cap = nc;
            }
            unsigned c = (unsigned)__builtin_ctzll(m);
            hb->h[hb->n++] = (cue_hit){p, (uint32_t)len[c], c};
        }
    }
    return FP_OK;
}

/* The hits of scan_sentences, ascending by pos, and their number. */
static const cue_hit *hit_table(const doc *d, size_t *n)
{
    size_t ns = d->ns ? d->ns : 1;
    *n = (size_t)d->cues[ns];
    return (const cue_hit *)(const void *)(d->cues + ns + 1);
}

/* The first hit at or after pos. */
static size_t hit_from(const cue_hit *h, size_t n, size_t pos)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (h[mid].pos < pos) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* The sentence [a, b) lies in, when it lies in one, else (size_t)-1. */
static size_t sentence_holding(const doc *d, size_t a, size_t b)
{
    if (!d->cues || !d->ns) return (size_t)-1;
    size_t s = d->cur_sent;
    if (s >= d->ns || a < d->sent[s].start || a >= d->sent[s].end) s = sentence_of(d, a);
    return d->sent[s].start <= a && b <= d->sent[s].end ? s : (size_t)-1;
}

/* 0 when class cue has no word in the sentence holding [a, b) */
static int may_hold(const doc *d, int cue, size_t a, size_t b)
{
    int bit = cue >= 0 && cue < CUE_COUNT ? d->x->lx.sent_bit[cue] : -1;
    if (bit < 0) return 1; /* not in the masks: may */
    size_t s = sentence_holding(d, a, b);
    return s == (size_t)-1 || (d->cues[s] >> bit & 1);
}

/* How cue_first and cue_last answer for class cue in [a, b): 0 when the
 * sentence holding it has no word of the class (none there); 2 when that
 * sentence is well-formed, the class one of sent_ix's and a starts a
 * character, so scan_sentences' hits answer; else 1 (the text is walked). */
static int cue_way(const doc *d, int cue, size_t a, size_t b)
{
    int bit = cue >= 0 && cue < CUE_COUNT ? d->x->lx.sent_bit[cue] : -1;
    if (bit < 0) return 1; /* not in the masks: may */
    size_t s = sentence_holding(d, a, b);
    if (s == (size_t)-1) return 1;
    if (!(d->cues[s] >> bit & 1)) return 0;
    if (d->cues[s] == ~0ULL || (a < b && ((unsigned char)d->t[a] & 0xC0) == 0x80)) return 1;
    return 2;
}

/* The longest word of class cue at a hit h that ends by b (0 when none):
 * the hit's, when it does; else a shorter one may. */
static size_t hit_len(const doc *d, int cue, const cue_hit *h, size_t b)
{
    if (h->pos + h->len <= b) return h->len;
    return fp_words_prefix(&d->x->lx.cues[cue], d->t + h->pos, b - h->pos);
}

long cue_first(const doc *d, int cue, size_t a, size_t b, size_t *wlen)
{
    if (wlen) *wlen = 0;
    int way = cue_way(d, cue, a, b);
    if (!way) return -1;
    if (way == 1) return fp_words_first(&d->x->lx.cues[cue], d->t + a, b - a, wlen);
    int bit = d->x->lx.sent_bit[cue];
    size_t n;
    const cue_hit *h = hit_table(d, &n);
    for (size_t i = hit_from(h, n, a); i < n && h[i].pos < b; i++) {
        if (h[i].cls != (uint32_t)bit) continue;
        size_t l = hit_len(d, cue, &h[i], b);
        if (l) {
            if (wlen) *wlen = l;
            return (long)(h[i].pos - a);
        }
    }
    return -1;
}

long cue_last(const doc *d, int cue, size_t a, size_t b, size_t *wlen)
{
    if (wlen) *wlen = 0;
    int way = cue_way(d, cue, a, b);
    if (!way) return -1;
    if (way == 1) return fp_words_last(&d->x->lx.cues[cue], d->t + a, b - a, wlen);
    int bit = d->x->lx.sent_bit[cue];
    size_t n;
    const cue_hit *h = hit_table(d, &n);
    for (size_t i = hit_from(h, n, b); i > 0 && h[i - 1].pos >= a; i--) {
        if (h[i - 1].cls != (uint32_t)bit) continue;
        size_t l = hit_len(d, cue, &h[i - 1], b);
        if (l) {
            if (wlen) *wlen = l;
            return (long)(h[i - 1].pos - a);
        }
    }
    return -1;
}

size_t cue_suffix(const doc *d, int cue, size_t a, size_t b)
{
    if (b > a && d->t[b - 1] == ' ') b--; /* 由 2018 年: text laid out from a PDF spaces a number off */
    return may_hold(d, cue, a, b) ? fp_words_suffix(&d->x->lx.cues[cue], d->t + a, b - a) : 0;
}

size_t sentence_of(const doc *d, size_t pos)
{
    size_t lo = 0, hi = d->ns;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (d->sent[mid].start <= pos) lo = mid;
        else hi = mid;
    }
    return lo;
}

/* The start of the paragraph before offset p (of the paragraph holding p
 * when p starts none): past the last newline before p that ends a line
 * with text, blank lines skipped. */
size_t para_start(const char *t, size_t p)
{
    while (p > 0 && (t[p - 1] == '\n' || t[p - 1] == '\r' || t[p - 1] == ' ')) p--;
    while (p > 0 && t[p - 1] != '\n') p--;
    return p;
}

/* A paragraph that goes on a list (1. ① （一） 一是 …) continues the one before it. */
int list_item_at(const char *t, size_t len, size_t p)
{
    while (p < len && (t[p] == ' ' || t[p] == '\t' || at(t, len, p, "　"))) p += t[p] == ' ' || t[p] == '\t' ? 1 : 3;
    if (p < len && t[p] >= '0' && t[p] <= '9') {
        while (p < len && t[p] >= '0' && t[p] <= '9') p++;
        return p < len && (t[p] == '.' || at(t, len, p, "、") || at(t, len, p, "．") || t[p] == ')' ||
                           at(t, len, p, "）"));
    }
    /* ① .. ⑳ are U+2460..U+2473 */
    if (p + 2 < len && (unsigned char)t[p] == 0xE2 && (unsigned char)t[p + 1] == 0x91 &&
        (unsigned char)t[p + 2] >= 0xA0 && (unsigned char)t[p + 2] <= 0xB3)
        return 1;
    if (at(t, len, p, "（") || (p < len && t[p] == '(')) return 1; /* (a text may end in white space) */
    static const char *const ord[] = {"一是", "二是", "三是", "四是", "五是", "六是", "七是", "八是", "九是", "十是"};
    for (size_t i = 0; i < sizeof ord / sizeof ord[0]; i++)
        if (at(t, len, p, ord[i])) return 1;
    return 0;
}

int heading_line(const doc *d, size_t s)
{
    size_t text;
    return own_line(d, s, 30, &text) <= 30 && text > 0;
}

size_t clause_start(const doc *d, size_t sent_start, size_t pos)
{
    const unsigned char *u = (const unsigned char *)d->t;
    size_t p = pos;
    while (p > sent_start) {
        /* a hanzi (first byte E4..E9) is no mark: one step back over it, where fp_utf8_prev
         * stops as well, with no look byte by byte (nearly every character) */
        if (p >= 3 && u[p - 3] >= 0xE4 && u[p - 3] <= 0xE9 && (u[p - 2] & 0xC0) == 0x80 && (u[p - 1] & 0xC0) == 0x80) {
            p -= 3;
            continue;
        }
        size_t q = fp_utf8_prev(d->t, p);
        if (clause_mark(d->t, d->len, q)) return p;
        p = q;
    }
    return sent_start;
}

size_t clause_end(const doc *d, size_t sent_end, size_t pos)
{
    const unsigned char *u = (const unsigned char *)d->t;
    for (size_t p = pos; p < sent_end;) {
        if (u[p] >= 0xE4 && u[p] <= 0xE9) { /* a hanzi's first byte: no mark, three bytes */
            p += 3;
            continue;
        }
        size_t k = clause_mark(d->t, d->len, p);
        if (k) return p;
        p += fp_utf8_len((unsigned char)d->t[p]);
    }
    return sent_end;
}

/* 1 when the character at t[p] is a CJK ideograph (U+4E00..U+9FFF). */
static int ideograph_at(const char *t, size_t len, size_t p)
{
    const unsigned char *u = (const unsigned char *)t + p;
    return p + 3 <= len && u[0] >= 0xE4 && u[0] <= 0xE9 && (u[1] & 0xC0) == 0x80 && (u[2] & 0xC0) == 0x80;
}

/* 1 when the line at t[p] opens a heading or a list item (一、 第三 （二） 1.). */
static int heading_at(const char *t, size_t len, size_t p)
{
    if (list_item_at(t, len, p) || at(t, len, p, "第")) return 1;
    static const char numerals[] = "一二三四五六七八九十"; /* 3 bytes each */
    size_t q = p;
    for (int more = 1; more;) {
        more = 0;
        for (size_t k = 0; k + 3 < sizeof numerals && !more; k += 3)
            if (q + 3 <= len && !memcmp(t + q, numerals + k, 3)) q += 3, more = 1;
    }
    return q > p && (at(t, len, q, "、") || at(t, len, q, "．") || t[q] == '.');
}

/* A line of prose: 20 characters or more, with a comma or a sentence mark among them --
 * a title is shorter, or has none, and a byline has colons only. */
static int prose_line(const char *t, size_t len, size_t a, size_t b)
{
    size_t chars = 0;
    int marked = 0;
    for (size_t p = a; p < b; p += fp_utf8_len((unsigned char)t[p])) {
        chars++;
        /* a comma of prose, not the colons of a byline (发布时间：… 来源：… 浏览次数：…) */
        marked |= at(t, len, p, "，") || at(t, len, p, "、") || at(t, len, p, "；") || t[p] == ',' || t[p] == ';' ||
                  sentence_mark(t, len, p) != 0;
    }
    /* 20 characters: an official document's lines hold 28 (GB/T 9704) */
    return marked && chars >= 20;
}

/* Sets *out to a copy of t[0..len) if it is not one yet. */
static int own_copy(const char *t, size_t len, char **out)
{
    if (*out) return FP_OK;
    if (!(*out = malloc(len ? len : 1))) return FP_ENOMEM;
    memcpy(*out, t, len);
    return FP_OK;
}

/* 旗县（市、区）, 县(市、区): a 、 inside brackets of at most 12 characters
 * lists inside a name; it becomes ・ (as long), which no clause breaks at. */
static int unlist_brackets(const char *t, size_t len, char **out)
{
    /* the next ( and the next （ at or after p, each found by memchr (find3) and kept until p
     * passes it, instead of two compares at every byte; len stands for none */
    size_t half = 0, full = 0;
    for (size_t p = 0; p < len;) {
        if (half < p || p == 0) {
            const char *h = memchr(t + p, '(', len - p);
            half = h ? (size_t)(h - t) : len;
        }
        if (full < p || p == 0) {
            const char *f = find3(t + p, len - p, "（");
            full = f ? (size_t)(f - t) : len;
        }
        p = half < full ? half : full;
        if (p >= len) break;
        size_t open = p == full ? 3 : 1;
        size_t q = p + open, chars = 0;
        int lists = 0;
        while (q < len && chars <= 12 && !at(t, len, q, "）") && t[q] != ')' && t[q] != '\n' && !at(t, len, q, "（") &&
               t[q] != '(' && !sentence_mark(t, len, q)) {
            lists |= at(t, len, q, "、");
            q += fp_utf8_len((unsigned char)t[q]);
            chars++;
        }
        if (lists && chars <= 12 && q < len && (at(t, len, q, "）") || t[q] == ')')) {
            int rc = own_copy(t, len, out);
            if (rc) return rc;
            for (size_t r = p + open; r < q; r += fp_utf8_len((unsigned char)t[r]))
                if (at(t, len, r, "、")) memcpy(*out + r, "・", 3);
        }
        p = q > p ? q : p + 1;
    }
    return FP_OK;
}

int layout_text(const char *t, size_t len, char **out)
{
    *out = NULL;
    int rc = unlist_brackets(t, len, out);
    if (rc) return rc;
    size_t line = 0;
    for (const char *nl; (nl = memchr(t + line, '\n', len - line)) != NULL;) {
        size_t e = (size_t)(nl - t), next = e;
        while (next < len && (t[next] == '\n' || t[next] == '\r' || t[next] == ' ' || t[next] == '\t')) next++;
        size_t last = e;
        while (last > line && (t[last - 1] == '\r' || t[last - 1] == ' ' || t[last - 1] == '\t')) last--;
        /* the line stops mid-sentence: on a character or a comma, not a digit (a
         * figure cut there keeps its first part) nor an end mark */
        int open = 0;
        if (last > line) {
            size_t q = fp_utf8_prev(t, last);
            open = ideograph_at(t, len, q) || at(t, len, q, "，") || at(t, len, q, "、") || t[q] == ',';
        }
        if (open && next < len && (ideograph_at(t, len, next) || (t[next] >= '0' && t[next] <= '9')) &&
            !heading_at(t, len, next) &&
            prose_line(t, len, line, last)) {
            if ((rc = own_copy(t, len, out))) return rc;
            for (size_t q = e; q < next; q++) (*out)[q] = ' ';
        }
        line = next > e ? next : e + 1;
        /* the blank lines skipped belong to this break, not to a line of their own */
    }
    return FP_OK;
}
