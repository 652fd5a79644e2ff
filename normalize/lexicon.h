/* lexicon: the word lists the extractor reads from data files users edit:
 * units.tsv (units and counters), cues.tsv (qualifier, relation and other
 * cue words), metrics.tsv (metric cue words). Nothing here is in C literals
 * but the names of the cue classes. */
#ifndef FP_LEXICON_H
#define FP_LEXICON_H

#include <stddef.h>
#include <stdint.h>

#include "fp_decimal.h"
#include "utf8.h"

/* A word list, indexed at load (fp_lexicon_load) for the scans below: the
 * words sorted by first character and, within one, longest first; a bucket
 * per first character; and 2048-bit filters of first and last characters
 * (a list has a few dozen words, so a filter turns away nearly every
 * position it should, in a few instructions and one cache line). */
typedef struct {
    char **w;
    unsigned char *len;
    uint32_t *key;           /* each word's first character, packed */
    uint64_t bloom[32];      /* filter of the first characters */
    uint64_t bloom_last[32]; /* filter of the last characters, for fp_words_suffix */
    uint32_t *lkey;          /* each word's last character, packed: fp_words_suffix compares it first */
    uint32_t *bkey;          /* buckets: first character -> words [bfirst, bfirst + bcount) */
    uint16_t *bfirst, *bcount;
    uint32_t bmask;          /* bucket table size - 1 (a power of two) */
    uint16_t *sorder;        /* the words by last character, longest first within one: fp_words_suffix */
    uint32_t *skey;          /* buckets: last character -> sorder [sfirst, sfirst + scount) */
    uint16_t *sfirst, *scount;
    int n;
} fp_words;

typedef struct {
    char word[24];
    size_t len;
    char unit[16];
    fp_dec factor; /* multiply the value by factor / FP_DEC_SCALE */
    int counter;   /* record the word as the figure's counter */
} fp_unit;

enum fp_cue {
    CUE_APPROX_BEFORE, CUE_APPROX_AFTER, CUE_AT_LEAST_BEFORE, CUE_AT_LEAST_AFTER, CUE_AT_MOST_BEFORE,
    CUE_AT_MOST_AFTER, CUE_PER_UNIT, CUE_PER_UNIT_AFTER, CUE_CHANGE, CUE_CHANGE_TO, CUE_PLAN, CUE_PART,
    CUE_PART_LIST, CUE_BOILERPLATE, CUE_SINCE, CUE_HOUSEHOLD_NOUN, CUE_PERSON_NOUN, CUE_NOT_AFTER,
    CUE_YEAR_THIS, CUE_YEAR_LAST, CUE_YEAR_LAST2, CUE_YEAR_NEXT, CUE_YEAR_BIND, CUE_YEAR_CURRENT, CUE_FROM, CUE_TO,
    CUE_PLACE_NOT, CUE_PLACE_NOT_BEFORE, CUE_PLACE_SUFFIX, CUE_PLACE_WRITTEN, CUE_PLACE_VILLAGE, CUE_PLACE_NOT_WRITTEN, CUE_PLACE_LIST, CUE_PLACE_GROUP,
    CUE_IMPLIED_PERSON, CUE_IMPLIED_HOUSEHOLD, CUE_IMPLIED_MODIFIER,
    CUE_COUNTED_COUNTY, CUE_COUNTED_TOWNSHIP, CUE_COUNTED_VILLAGE, CUE_COUNTED_MODIFIER, CUE_COUNTED_NOT_AFTER,
    CUE_PER_UNIT_ADJACENT, CUE_PER_UNIT_NOT, CUE_PART_AROUND, CUE_PART_OF_BEFORE, CUE_SHARE_OF, CUE_PLAN_OVER_CHANGE, CUE_TOPIC_VERB,
    CUE_PLACE_LOCATED, CUE_PLACE_BACK_VILLAGE, CUE_PLACE_BACK_TOWNSHIP, CUE_PLACE_BACK_NOT, CUE_PLACE_WHOLE, CUE_SCOPE_BEFORE, CUE_PROGRESS, CUE_COMPARE, CUE_YEAR_ONSET, CUE_RESPECTIVELY, CUE_PLAN_NOT, CUE_STANDARD, CUE_YEAR_SAME, CUE_YEAR_AFTER,
    /* the classes the indexes below tag (refs_ix, sent_ix) are bits of one uint64_t (per-sentence
     * masks, fp_cue_at), so they stand before CUE_INDEXABLE_END; those after it are asked of
     * their own lists only */
    CUE_INDEXABLE_END, CUE_DURATION_AFTER = CUE_INDEXABLE_END, CUE_PERSON_NOUN_NOT, CUE_PLAN_HEADING, CUE_PART_IN_CLAUSE,
    CUE_LINKS_HEADING, CUE_LABEL_STOP, CUE_PLAN_OBTAIN, CUE_OBTAINED, CUE_COMPARED_BEFORE, CUE_COMPARED_AFTER, CUE_UNTIL, CUE_UNTIL_END, CUE_PLAN_DONE, CUE_YEAR_WHOLE, CUE_REVIEW_HEADING, CUE_GIVE, CUE_GIVE_TO, CUE_PERIOD_TO_NOW, CUE_BREAKDOWN_OPEN, CUE_PLAN_AFTER, CUE_VILLAGE_NOT_AFTER, CUE_KOU_THING, CUE_GROUP_NOUN, CUE_OBJECT_VERB, CUE_COUNT
};
_Static_assert(CUE_INDEXABLE_END <= 64, "more indexable cue classes than bits in a mask");

typedef struct {
    char name[24];
    fp_words cues;
} fp_metric;

/* Every metric's cue words in one index, so one pass over a clause finds
 * them all: words bucketed by their first character (an open-addressing
 * table), each tagged with its metric. */
typedef struct {
    const char **w;      /* points into the metrics' own word lists */
    unsigned char *len;
    uint16_t *tag;       /* metric index */
    uint32_t *bkey, *bstart, *bcount; /* buckets: first-character key -> words [start, start+count) */
    size_t nb;           /* bucket table size, a power of two */
    uint64_t bloom[64];  /* 4096-bit filter of the first characters */
    uint64_t first3[1024]; /* bit per code point of three bytes: some word starts with it (exact,
                              so a character no word starts with costs one bit test) */
    uint64_t any3[1024];   /* bit per such code point: a word of it is one character, or its second
                              is not of three bytes: the pair filter cannot speak for it */
    uint64_t pair[1024];   /* 65536-bit filter of the first two characters (fp_cue_pair_bit) of the
                              words whose two are of three bytes: most characters that start a word
                              (上, 全, 年) start none there */
    int n;
} fp_cue_index;

/* The bit of two code points in fp_cue_index's pair filter. */
static inline uint32_t fp_cue_pair_bit(uint32_t cp0, uint32_t cp1) { return (cp0 << 16 | cp1) * 2654435761u >> 16; }

/* 0 when no word of ix starts at u[0..n), whose first character is of three bytes with code
 * point cp; 1 when one may (fp_cue_at_key says). */
static inline int fp_cue_may3(const fp_cue_index *ix, uint32_t cp, const unsigned char *u, size_t n)
{
    if (!(ix->first3[cp >> 6] >> (cp & 63) & 1)) return 0;
    if (ix->any3[cp >> 6] >> (cp & 63) & 1) return 1;
    uint32_t cp1; /* a word here has a second character of three bytes */
    if (n < 6 || !fp_utf8_cjk3(u + 3, n - 3, &cp1)) return 0;
    uint32_t b = fp_cue_pair_bit(cp, cp1);
    return ix->pair[b >> 6] >> (b & 63) & 1;
}

/* Calls cb(tag, off, len) for every cue word occurrence that starts in
 * s[0..n) and ends inside it: each metric's longest word at a position. */
typedef void (*fp_cue_cb)(int tag, size_t off, size_t len, void *ud);
void fp_cue_scan(const fp_cue_index *ix, const char *s, size_t n, fp_cue_cb cb, void *ud);

/* Builds ix over the word lists lists[0..n), each word tagged with its
 * list's tag (0..63; lists may share one). The index points into the lists'
 * words: they must outlive it. FP_OK, FP_EINVAL (a tag out of range) or
 * FP_ENOMEM (ix then holds nothing). */
int fp_cue_index_build(fp_cue_index *ix, const fp_words *const *lists, const int *tags, int n);
void fp_cue_index_free(fp_cue_index *ix);

/* The words of ix that s[0..n) starts with: returns the mask of their tags
 * (bit t for tag t) and sets len[t] to the longest word of tag t there for
 * each bit set; other len[] are left alone. So one look at a character
 * answers what fp_words_prefix would of each list (same longest length).
 * Inline: nearly every character is turned away by the filter. */
uint64_t fp_cue_at_key(const fp_cue_index *ix, const char *s, size_t n, uint32_t key, size_t *len);
uint64_t fp_cue_at_other(const fp_cue_index *ix, const char *s, size_t n, size_t *len);
static inline uint64_t fp_cue_at(const fp_cue_index *ix, const char *s, size_t n, size_t *len)
{
    const unsigned char *u = (const unsigned char *)s;
    if (!n || !ix->n) return 0;
    uint32_t k, cp;
    if (fp_utf8_cjk3(u, n, &cp)) /* the common case: a bit test or two */
        return fp_cue_may3(ix, cp, u, n) ? fp_cue_at_key(ix, s, n, (uint32_t)u[0] << 16 | (uint32_t)u[1] << 8 | u[2], len)
                                         : 0;
    if (u[0] >= 0xE0 && u[0] < 0xF0 && n >= 3) k = (uint32_t)u[0] << 16 | (uint32_t)u[1] << 8 | u[2];
    else if (u[0] < 0x80) k = u[0];
    else return fp_cue_at_other(ix, s, n, len);
    unsigned b = (k * 2654435761u) >> 20; /* lexicon.c's bloom_bit4k */
    return (ix->bloom[b >> 6] >> (b & 63)) & 1 ? fp_cue_at_key(ix, s, n, k, len) : 0;
}

/* The metrics a unit can measure (metric-units.tsv). */
typedef struct {
    char unit[32];    /* a base unit, or unit/counter (count/家) */
    uint64_t allowed; /* bit i: metrics[i] */
    int fallback;     /* metric index taken when no allowed cue is near */
} fp_unit_metrics;

typedef struct {
    fp_unit *units; /* longest word first */
    int nunits;
    uint32_t *ukey;     /* each unit word's first character, packed */
    uint64_t ubloom[32]; /* filter of those */
    int *unext;         /* the next unit (in order) with unit i's first character, -1 after the last */
    int *uhead;         /* open-addressing table by first character: its first unit + 1, 0 = empty */
    uint32_t umask;     /* uhead's size - 1 (a power of two) */
    fp_unit_metrics *um;
    int num;
    uint32_t *umh;      /* open-addressing table of um by its unit string (FNV-1a): the first
                           line's index + 1, 0 = empty; asked a few times per figure */
    uint32_t ummask;    /* umh's size - 1 (a power of two) */
    fp_words cues[CUE_COUNT];
    fp_metric *metrics;
    int nmetrics;
    fp_cue_index cues_ix; /* all metrics' cue words, for fp_cue_scan */
    fp_cue_index refs_ix; /* the classes scan_refs asks at every character (year_*, place_not,
                             place_back_*, place_whole), tagged with their enum fp_cue */
    fp_cue_index sent_ix; /* the classes looked for in parts of a sentence (boilerplate, relation
                             and year words), tagged with their enum fp_cue */
    uint64_t sent_classes; /* bit c: class c is in sent_ix */
    int8_t sent_bit[CUE_COUNT]; /* the tag of class c in sent_ix and its bit in the per-sentence
                                   masks, -1 when c is not in sent_ix: a class of sent_cues is its own
                                   bit, one of sent_late (past CUE_INDEXABLE_END) a bit no class of
                                   sent_cues uses */
    uint8_t *cls3;         /* FP_CC_* bits per code point of three bytes (65536): what a pass over
                              every character asks of one, in one load */
    int m_poor, m_personnel, m_funds, m_benef; /* metrics the extractor weighs specially, -1 if absent */
} fp_lexicon;

/* The bits of fp_lexicon's cls3: a character that ends a sentence (。！？；), starts a word
 * of sent_ix or of refs_ix (their first3), is a Chinese numeral, or opens or closes a title
 * (《 》). A character with none is nothing to scan_sentences or scan_refs but a character. */
enum { FP_CC_SENT_END = 1, FP_CC_SENT_CUE = 2, FP_CC_REFS_CUE = 4, FP_CC_HANZI = 8, FP_CC_TITLE = 16 };

/* Loads units.tsv, cues.tsv, place-words.tsv, metrics.tsv and (if present) metric-units.tsv
 * from datadir. Logs file:line on error. */
int fp_lexicon_load(fp_lexicon *lx, const char *datadir);
void fp_lexicon_free(fp_lexicon *lx);

/* The metrics a figure in this unit (and counter, which may be NULL or "")
 * may measure: the unit/counter line if there is one, else the unit's, else
 * NULL (any). */
const fp_unit_metrics *fp_lexicon_unit_metrics(const fp_lexicon *lx, const char *unit, const char *counter);
/* The unit whose word s[0..n) starts with (longest), or NULL. */
const fp_unit *fp_lexicon_unit(const fp_lexicon *lx, const char *s, size_t n);
/* Length of the longest word of w that s[0..n) starts with, 0 if none.
 * Inline: the extractor asks this of five lists at every character, and
 * nearly every time the first-character filter says no without a call. */
size_t fp_words_prefix_key(const fp_words *w, const char *s, size_t n, uint32_t key);
size_t fp_words_prefix_other(const fp_words *w, const char *s, size_t n);
static inline size_t fp_words_prefix(const fp_words *w, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    if (!n || !w->n) return 0;
    uint32_t k;
    if (u[0] >= 0xE0 && u[0] < 0xF0 && n >= 3) k = (uint32_t)u[0] << 16 | (uint32_t)u[1] << 8 | u[2];
    else if (u[0] < 0x80) k = u[0];
    else return fp_words_prefix_other(w, s, n);
    unsigned b = (k * 2654435761u) >> 21; /* lexicon.c's bloom_bit */
    return (w->bloom[b >> 6] >> (b & 63)) & 1 ? fp_words_prefix_key(w, s, n, k) : 0;
}
/* Length of the longest word of w that s[0..n) ends with, 0 if none. */
size_t fp_words_suffix(const fp_words *w, const char *s, size_t n);
/* Offset of the rightmost occurrence in s[0..n) of any word of w, -1 if none. */
long fp_words_last(const fp_words *w, const char *s, size_t n, size_t *wlen);
/* Offset of the leftmost occurrence, -1 if none. */
long fp_words_first(const fp_words *w, const char *s, size_t n, size_t *wlen);

#endif
