/* text: the document model's skeleton -- sentences, clauses, paragraphs and
 * list items of a report's text, found once and looked up by offset. */
#include "doc.h"

#include <stdlib.h>
#include <string.h>

/* Characters that end a sentence, and those that end a clause within one. */
static size_t sentence_mark(const char *t, size_t len, size_t p)
{
    if (t[p] == '\n' || t[p] == '!' || t[p] == '?' || t[p] == ';') return 1;
    /* 。 starts with E3, ！？； with EF: any other byte is no mark */
    if ((unsigned char)t[p] != 0xE3 && (unsigned char)t[p] != 0xEF) return 0;
    static const char *m[] = {"。", "！", "？", "；"};
    for (size_t i = 0; i < 4; i++)
        if (at(t, len, p, m[i])) return 3;
    return 0;
}

size_t clause_mark(const char *t, size_t len, size_t p)
{
    size_t s = sentence_mark(t, len, p);
    if (s) return s;
    if (t[p] == ',') {
        /* 12,856: a thousands separator, not a clause break */
        int digit_before = p > 0 && t[p - 1] >= '0' && t[p - 1] <= '9';
        int digit_after = p + 1 < len && t[p + 1] >= '0' && t[p + 1] <= '9';
        return digit_before && digit_after ? 0 : 1;
    }
    if (t[p] == ':') return 1;
    if ((unsigned char)t[p] != 0xE3 && (unsigned char)t[p] != 0xEF) return 0; /* ，：、 start so */
    static const char *m[] = {"，", "：", "、"};
    for (size_t i = 0; i < 3; i++)
        if (at(t, len, p, m[i])) return 3;
    return 0;
}

int scan_sentences(doc *d)
{
    size_t start = 0;
    for (size_t p = 0; p < d->len;) {
        size_t k = sentence_mark(d->t, d->len, p);
        if (k) {
            if (p + k > start) PUSH(d->sent, d->ns, d->caps, ((span){start, p + k}));
            start = p + k;
            p += k;
        } else {
            p += fp_utf8_len((unsigned char)d->t[p]);
        }
    }
    if (start < d->len) PUSH(d->sent, d->ns, d->caps, ((span){start, d->len}));
    d->skip = calloc(d->ns ? d->ns : 1, 1);
    if (!d->skip) return FP_ENOMEM;
    const fp_words *bp = &d->x->lx.cues[CUE_BOILERPLATE];
    for (size_t i = 0; i < d->ns; i++)
        d->skip[i] = fp_words_first(bp, d->t + d->sent[i].start, d->sent[i].end - d->sent[i].start, NULL) >= 0;
    return FP_OK;
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
    if (at(t, len, p, "（") || t[p] == '(') return 1;
    static const char *const ord[] = {"一是", "二是", "三是", "四是", "五是", "六是", "七是", "八是", "九是", "十是"};
    for (size_t i = 0; i < sizeof ord / sizeof ord[0]; i++)
        if (at(t, len, p, ord[i])) return 1;
    return 0;
}

size_t clause_start(const doc *d, size_t sent_start, size_t pos)
{
    size_t p = pos;
    while (p > sent_start) {
        size_t q = fp_utf8_prev(d->t, p);
        if (clause_mark(d->t, d->len, q)) return p;
        p = q;
    }
    return sent_start;
}

size_t clause_end(const doc *d, size_t sent_end, size_t pos)
{
    for (size_t p = pos; p < sent_end;) {
        size_t k = clause_mark(d->t, d->len, p);
        if (k) return p;
        p += fp_utf8_len((unsigned char)d->t[p]);
    }
    return sent_end;
}
