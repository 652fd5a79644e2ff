#include "fp_encoding.h"
#include "fp_buf.h"
#include "fp_file.h"
#include "fp_err.h"
#include "fp_formats.h"
#include "fp_html.h"
#include "fp_log.h"
#include "fp_pdf.h"

#include <errno.h>
#include <iconv.h>
#include <opencc.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <uchardet.h>

struct fp_decoder {
    size_t replaced; /* invalid UTF-8 bytes the last decode replaced by U+FFFD */
    uint64_t *trad;  /* one bit per BMP code point: OpenCC's t2s changes it */
    unsigned char *trad8; /* the same, a byte each: plain_utf8's look-up is one load */
    uchardet_t det;
    /* opened on the first text holding a character t2s changes (opening it costs ~9.5M instructions,
     * and most reports and most `fupin extract` runs hold none): NULL until then, (opencc_t)-1 when
     * that open failed (said once in the log; every later text needing it fails likewise) */
    opencc_t t2s;
    fp_format_words words;
};

int fp_decoder_new(fp_decoder **out, const char *datadir)
{
    fp_decoder *d = calloc(1, sizeof *d);
    if (!d) return FP_ENOMEM;
    d->det = uchardet_new();
    if (!d->det || sodium_init() < 0) {
        fp_decoder_free(d);
        return FP_EIO;
    }
    /* Which characters t2s changes (data/t2s-chars.txt, asked of OpenCC by scripts/make-t2s-chars.py):
     * most reports hold none, and then the conversion, most of decoding's time, is skipped. */
    d->trad = calloc(65536 / 64, sizeof *d->trad);
    if (!d->trad) {
        fp_decoder_free(d);
        return FP_ENOMEM;
    }
    char tp[4096], *tc = NULL;
    size_t tl = 0;
    const char *why = NULL;
    snprintf(tp, sizeof tp, "%s/t2s-chars.txt", datadir);
    if (fp_file_read(tp, &tc, &tl, &why)) {
        fp_warn("%s: %s: every report goes through OpenCC", tp, why);
        memset(d->trad, 0xFF, 65536 / 8);
    } else {
        for (char *l = tc, *next; l && *l; l = next) {
            next = strchr(l, '\n');
            if (next) *next++ = '\0';
            if (*l == '#') continue;
            for (const unsigned char *u = (const unsigned char *)l; *u;) {
                if ((u[0] & 0xF0) == 0xE0 && u[1] && u[2]) {
                    unsigned cp = (u[0] & 0x0Fu) << 12 | (u[1] & 0x3Fu) << 6 | (u[2] & 0x3Fu);
                    d->trad[cp / 64] |= 1ULL << (cp % 64);
                    u += 3;
                } else {
                    u++;
                }
            }
        }
        free(tc);
    }
    if (!(d->trad8 = malloc(65536))) {
        fp_decoder_free(d);
        return FP_ENOMEM;
    }
    for (unsigned cp = 0; cp < 65536; cp++) d->trad8[cp] = (unsigned char)(d->trad[cp / 64] >> (cp % 64) & 1);
    int rc = fp_format_words_load(&d->words, datadir);
    if (rc) {
        fp_decoder_free(d);
        return rc;
    }
    *out = d;
    return FP_OK;
}

void fp_decoder_free(fp_decoder *d)
{
    if (!d) return;
    if (d->det) uchardet_delete(d->det);
    if (d->t2s && d->t2s != (opencc_t)-1) opencc_close(d->t2s); /* NULL: never needed, never opened */
    free(d->trad);
    free(d->trad8);
    fp_format_words_free(&d->words);
    free(d);
}

/* The length of the valid UTF-8 character at s[i], 0 when the byte there starts none. */
static size_t utf8_char(const unsigned char *s, size_t n, size_t i)
{
    unsigned c = s[i];
    size_t k = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : 9;
    if (k == 9 || k > n - i - 1) return 0;
    for (size_t j = 1; j <= k; j++)
        if ((s[i + j] & 0xC0) != 0x80) return 0;
    return k + 1;
}

static int utf8_valid(const unsigned char *s, size_t n)
{
    for (size_t i = 0, k; i < n; i += k)
        if (!(k = utf8_char(s, n, i))) return 0;
    return 1;
}

/* The eight bytes at s as a little-endian word. */
static inline uint64_t load_le64(const unsigned char *s)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t w;
    memcpy(&w, s, 8);
    return w;
#else
    uint64_t w = 0;
    for (int k = 7; k >= 0; k--) w = w << 8 | s[k];
    return w;
#endif
}

/* The end of the ASCII run at s[i], taken 8 bytes at a time. */
static inline size_t past_ascii(const unsigned char *s, size_t n, size_t i)
{
    for (; i + 8 <= n; i += 8)
        if (load_le64(s + i) & 0x8080808080808080ull) break;
    while (i < n && s[i] < 0x80) i++;
    return i;
}

/* For two characters of three bytes in w's low 48 bits (their shape checked): 1 when neither is
 * overlong nor a surrogate. Of the first two bytes of each (in & 0x200F), a lead E0 with a second
 * byte below A0 is overlong, a lead ED with one from A0 a surrogate. */
static inline int pair3_ok(uint64_t w)
{
    uint64_t t0 = w & 0x200F, t1 = w >> 24 & 0x200F;
    return t0 && t0 != 0x200D && t1 && t1 != 0x200D;
}

/* 1 when s[0..n) is well-formed UTF-8 as Unicode defines it (no overlong
 * form, surrogate or code point past U+10FFFF, none cut short). iconv from
 * UTF-8 to UTF-8 gives such bytes back unchanged, so they are used as they
 * are: iconv costs ~40 instructions a byte, this ~4. ASCII runs are taken
 * 8 bytes at a time. */
static int utf8_wellformed(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        if (c < 0x80) {
            i = past_ascii(s, n, i);
            continue;
        }
        /* runs of three-byte characters (all of CJK), the common case, two at a time then one,
         * without the table below */
        for (uint64_t w; i + 8 <= n; i += 6) {
            w = load_le64(s + i);
            if ((w & 0xC0C0F0C0C0F0ull) != 0x8080E08080E0ull) break;
            if (!pair3_ok(w)) return 0;
        }
        while (i + 3 <= n && (s[i] & 0xF0) == 0xE0 && (s[i + 1] & 0xC0) == 0x80 && (s[i + 2] & 0xC0) == 0x80) {
            unsigned cp = (s[i] & 0x0Fu) << 12 | (s[i + 1] & 0x3Fu) << 6;
            if (cp < 0x800 || (cp >= 0xD800 && cp < 0xE000)) return 0; /* overlong, surrogate */
            i += 3;
        }
        if (i >= n || (c = s[i]) < 0x80) continue;
        /* the allowed range of the second byte (Unicode's table 3-7), then plain continuation bytes */
        unsigned lo = 0x80, hi = 0xBF;
        size_t k;
        if (c >= 0xC2 && c <= 0xDF) k = 1;
        else if (c >= 0xE0 && c <= 0xEF) k = 2, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
        else if (c >= 0xF0 && c <= 0xF4) k = 3, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
        else return 0;
        if (k > n - i - 1 || s[i + 1] < lo || s[i + 1] > hi) return 0;
        for (size_t j = 2; j <= k; j++)
            if ((s[i + j] & 0xC0) != 0x80) return 0;
        i += k + 1;
    }
    return 1;
}

/* 1 when s[0..n) is well-formed UTF-8 (as utf8_wellformed says) holding no
 * character t2s changes and none beyond the BMP (as has_traditional says of
 * each of its lines), 2 when it is well-formed but holds one, 0 when it is
 * not well-formed. One pass for what was two: most reports are such text,
 * and then t2s's line-by-line look is skipped. */
static int plain_utf8(const fp_decoder *d, const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        if (c < 0x80) {
            i = past_ascii(s, n, i);
            continue;
        }
        /* as utf8_wellformed, each character's bit in d->trad looked at too */
        for (uint64_t w; i + 8 <= n; i += 6) {
            w = load_le64(s + i);
            if ((w & 0xC0C0F0C0C0F0ull) != 0x8080E08080E0ull) break;
            if (!pair3_ok(w)) return 0;
            unsigned cp0 = (unsigned)(w & 0x0F) << 12 | (unsigned)(w >> 8 & 0x3F) << 6 | (unsigned)(w >> 16 & 0x3F);
            unsigned cp1 = (unsigned)(w >> 24 & 0x0F) << 12 | (unsigned)(w >> 32 & 0x3F) << 6 | (unsigned)(w >> 40 & 0x3F);
            if (d->trad8[cp0] | d->trad8[cp1])
                return utf8_wellformed(s + i, n - i) ? 2 : 0; /* i starts a character: the rest as before */
        }
        while (i + 3 <= n && (s[i] & 0xF0) == 0xE0 && (s[i + 1] & 0xC0) == 0x80 && (s[i + 2] & 0xC0) == 0x80) {
            unsigned cp = (s[i] & 0x0Fu) << 12 | (s[i + 1] & 0x3Fu) << 6;
            if (cp < 0x800 || (cp >= 0xD800 && cp < 0xE000)) return 0; /* overlong, surrogate */
            cp |= s[i + 2] & 0x3Fu;
            if (d->trad8[cp]) return utf8_wellformed(s + i, n - i) ? 2 : 0;
            i += 3;
        }
        if (i >= n || (c = s[i]) < 0x80) continue;
        /* anything else: utf8_wellformed says whether it is well-formed; a three- or four-byte
         * character here is one has_traditional would answer 1 for or one it never sees (a
         * malformed one), so the text is not plain */
        if (c >= 0xC2 && c <= 0xDF) {
            if (n - i < 2 || (s[i + 1] & 0xC0) != 0x80) return 0;
            i += 2;
            continue;
        }
        return utf8_wellformed(s + i, n - i) ? 2 : 0;
    }
    return 1;
}

/* Bytes that are not valid UTF-8 (each counted once) and valid multi-byte characters. */
static void utf8_scan(const unsigned char *s, size_t n, size_t *bad, size_t *multi)
{
    *bad = *multi = 0;
    for (size_t i = 0; i < n;) {
        size_t k = utf8_char(s, n, i);
        if (!k) {
            (*bad)++;
            i++;
            continue;
        }
        *multi += k > 1;
        i += k;
    }
}

/* UTF-8 text with its invalid bytes replaced by U+FFFD. */
static int utf8_repair(const unsigned char *s, size_t n, char **out, size_t *out_len)
{
    char *b = malloc(n * 3 + 1), *o = b;
    if (!b) return FP_ENOMEM;
    for (size_t i = 0; i < n;) {
        size_t k = utf8_char(s, n, i);
        if (!k) {
            memcpy(o, "\xEF\xBF\xBD", 3), o += 3, i++;
            continue;
        }
        memcpy(o, s + i, k), o += k, i += k;
    }
    *o = '\0';
    *out = b;
    *out_len = (size_t)(o - b);
    return FP_OK;
}

size_t fp_decoder_replaced(const fp_decoder *d) { return d->replaced; }

static int convert(const char *from, const char *raw, size_t len, char **out, size_t *out_len)
{
    iconv_t cd = iconv_open("UTF-8", from);
    if (cd == (iconv_t)-1) return FP_EINVAL;
    size_t cap = len * 2 + 16;
    char *buf = malloc(cap);
    if (!buf) {
        iconv_close(cd);
        return FP_ENOMEM;
    }
    char *in = (char *)raw, *o = buf;
    size_t inleft = len, oleft = cap - 1;
    int rc = FP_OK;
    while (inleft) {
        if (iconv(cd, &in, &inleft, &o, &oleft) != (size_t)-1) continue;
        if (errno == E2BIG) {
            size_t used = (size_t)(o - buf);
            cap *= 2;
            char *nb = realloc(buf, cap);
            if (!nb) {
                rc = FP_ENOMEM;
                break;
            }
            buf = nb;
            o = buf + used;
            oleft = cap - used - 1;
            continue;
        }
        rc = FP_EINVAL; /* undecodable or truncated */
        break;
    }
    iconv_close(cd);
    if (rc) {
        free(buf);
        return rc;
    }
    *o = '\0';
    *out = buf;
    *out_len = (size_t)(o - buf);
    return FP_OK;
}

/* The encoding a page's meta tag names, as iconv knows it; NULL for none or one iconv lacks. */
static const char *page_charset(const char *raw, size_t len, char *cs, size_t cap)
{
    if (!fp_html_sniff(raw, len) || !fp_html_meta_charset(raw, len, cs, cap)) return NULL;
    /* Pages labelled GB2312 or GBK often hold characters only GBK or GB18030 has. */
    if (!strcmp(cs, "gb2312") || !strcmp(cs, "gbk") || !strcmp(cs, "gb18030") || !strcmp(cs, "x-gbk") ||
        !strcmp(cs, "cp936"))
        return "GB18030";
    if (!strcmp(cs, "big5") || !strcmp(cs, "big5-hkscs")) return "BIG5-HKSCS";
    iconv_t cd = iconv_open("UTF-8", cs);
    if (cd == (iconv_t)-1) return NULL;
    iconv_close(cd);
    return cs;
}

/* OpenCC's t2s, opened now if not yet. FP_EIO when it cannot be: logged
 * the first time only, so a stream of traditional reports is one line. */
static int t2s_open(fp_decoder *d)
{
    if (d->t2s == (opencc_t)-1) return FP_EIO;
    if (d->t2s) return FP_OK;
    d->t2s = opencc_open(OPENCC_DEFAULT_CONFIG_TRAD_TO_SIMP);
    if (d->t2s == (opencc_t)-1) {
        const char *e = opencc_error();
        fp_error("OpenCC (%s) cannot be opened: %s; texts with traditional characters are refused",
                 OPENCC_DEFAULT_CONFIG_TRAD_TO_SIMP, e && *e ? e : "no reason given");
        return FP_EIO;
    }
    return FP_OK;
}

/* 1 when s[0..n) holds a character t2s changes (or one beyond the BMP). */
static int has_traditional(const fp_decoder *d, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        /* two three-byte characters at a time while they come (CJK text): the same steps as below */
        for (uint64_t w; i + 8 <= n; i += 6) {
            w = load_le64(u + i);
            if ((w & 0xC0C0F0C0C0F0ull) != 0x8080E08080E0ull) break;
            unsigned cp0 = (unsigned)(w & 0x0F) << 12 | (unsigned)(w >> 8 & 0x3F) << 6 | (unsigned)(w >> 16 & 0x3F);
            unsigned cp1 = (unsigned)(w >> 24 & 0x0F) << 12 | (unsigned)(w >> 32 & 0x3F) << 6 | (unsigned)(w >> 40 & 0x3F);
            if ((d->trad[cp0 / 64] >> (cp0 % 64) | d->trad[cp1 / 64] >> (cp1 % 64)) & 1) return 1;
        }
        if (i >= n) break;
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) i++;
        else if ((c & 0xE0) == 0xC0) i += 2;
        else if ((c & 0xF0) == 0xE0 && i + 2 < n) {
            unsigned cp = (c & 0x0Fu) << 12 | ((unsigned char)s[i + 1] & 0x3Fu) << 6 | ((unsigned char)s[i + 2] & 0x3Fu);
            if (d->trad[cp / 64] >> (cp % 64) & 1) return 1;
            i += 3;
        } else {
            if ((c & 0xF8) == 0xF0) return 1;
            i++;
        }
    }
    return 0;
}

int fp_decode(fp_decoder *d, const char *raw, size_t len, char **text, size_t *text_len, char *enc, int *year,
              const char **why)
{
    const unsigned char *u = (const unsigned char *)raw;
    const char *from = NULL;
    size_t skip = 0;
    int wf = -1; /* raw is well-formed UTF-8 (-1: not yet asked; 1: and plain_utf8, 2: not plain) */
    int plain = 0; /* the text is raw, and plain_utf8 said 1 of it: t2s would change none of its lines */
    char mcs[40];
    int pub = 0;
    d->replaced = 0;
    *text = NULL;
    if (year) *year = 0;
    if (len == 0) {
        *why = "empty file";
        return FP_EINVAL;
    }
    char *utf8;
    size_t n;
    int rc;
    if (fp_pdf_sniff(raw, len)) {
        if ((rc = fp_pdf_text(&d->words, raw, len, &utf8, &n, &pub, why))) return rc;
        snprintf(enc, 32, "pdf");
        goto decoded;
    }
    if (len >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) from = "UTF-8", skip = 3;
    else if (len >= 2 && u[0] == 0xFF && u[1] == 0xFE) from = "UTF-16LE", skip = 2;
    else if (len >= 2 && u[0] == 0xFE && u[1] == 0xFF) from = "UTF-16BE", skip = 2;
    else if (((wf = plain_utf8(d, u, len)) || utf8_valid(u, len)) && !memchr(raw, '\0', len)) from = "UTF-8";
    else if (len >= 4 && u[1] == 0 && u[3] == 0 && u[0] && u[2]) from = "UTF-16LE";
    else if (len >= 4 && u[0] == 0 && u[2] == 0 && u[1] && u[3]) from = "UTF-16BE";
    else if ((from = page_charset(raw, len, mcs, sizeof mcs))) {
        /* a web page says its encoding; bytes that are valid UTF-8 were taken as such above */
    } else {
        uchardet_reset(d->det);
        uchardet_handle_data(d->det, raw, len);
        uchardet_data_end(d->det);
        const char *cs = uchardet_get_charset(d->det);
        /* GB2312 and GBK text is a subset of GB18030: decode with the superset. */
        if (!cs || !*cs) from = NULL;
        else if (!strcasecmp(cs, "GB2312") || !strcasecmp(cs, "GBK") || !strcasecmp(cs, "GB18030"))
            from = "GB18030";
        else if (!strcasecmp(cs, "BIG5") || !strcasecmp(cs, "Big5")) from = "BIG5-HKSCS";
        else if (!strcasecmp(cs, "UTF-16")) from = "UTF-16";
        else if (!strcasecmp(cs, "ASCII")) from = "UTF-8";
        else from = NULL; /* single-byte European guesses mean binary or foreign text */
        if (!from) {
            /* uchardet often has no opinion on short Chinese text: GB18030 decodes any Chinese it holds. */
            from = "GB18030";
        }
    }
    snprintf(enc, 32, "%.31s", from);
    size_t bad = 0, multi = 0;
    if (strcmp(from, "UTF-8") && !skip && !memchr(raw, '\0', len)) utf8_scan(u, len, &bad, &multi);
    if (bad && multi >= 8 * bad) {
        /* UTF-8 with a few broken bytes (a cut download, a bad copy): keep the report, mark the bytes */
        snprintf(enc, 32, "UTF-8");
        rc = utf8_repair(u, len, &utf8, &n);
        d->replaced = bad;
    } else if (!strcmp(from, "UTF-8") && (skip || wf < 0 ? utf8_wellformed(u + skip, len - skip) : wf)) {
        /* what iconv would give back, byte for byte (the BOM dropped) */
        rc = (utf8 = malloc(len - skip + 1)) ? FP_OK : FP_ENOMEM;
        if (!rc) {
            memcpy(utf8, raw + skip, len - skip);
            utf8[len - skip] = '\0';
            n = len - skip;
            plain = !skip && wf == 1;
        }
    } else {
        rc = convert(from, raw + skip, len - skip, &utf8, &n);
    }
    if (rc == FP_EINVAL && !strcmp(from, "GB18030")) {
        /* Not GB18030 either: maybe Big5. */
        snprintf(enc, 32, "BIG5-HKSCS");
        rc = convert("BIG5-HKSCS", raw + skip, len - skip, &utf8, &n);
    }
    if (rc) {
        *why = rc == FP_ENOMEM ? "out of memory" : "not text in any supported encoding";
        return rc;
    }
    /* Sniffed on the decoded text too, so that a UTF-16 page is a page. */
    if (fp_html_sniff(utf8, n)) {
        char *art;
        size_t an;
        rc = fp_html_article(&d->words, utf8, n, &art, &an, &pub, why);
        free(utf8);
        if (rc) return rc;
        utf8 = art, n = an;
        plain = 0; /* another text now */
        char e[32];
        snprintf(e, sizeof e, "%s", enc);
        snprintf(enc, 32, "html/%.26s", e);
    }
decoded:
    if (memchr(utf8, '\0', n)) {
        free(utf8);
        *why = "not text (holds NUL bytes)";
        return FP_EINVAL;
    }
    /* Control bytes other than tab and line breaks mean binary data. */
    size_t ctl = 0;
    for (size_t i = 0; i < n;) {
        /* 8 bytes at a time past words with no byte below 0x20 (most of them) */
        uint64_t w;
        if (i + 8 <= n && (memcpy(&w, utf8 + i, 8), !((w - 0x2020202020202020ull) & ~w & 0x8080808080808080ull))) {
            i += 8;
            continue;
        }
        for (size_t e = i + 8 < n ? i + 8 : n; i < e; i++) {
            unsigned char c = (unsigned char)utf8[i];
            if (c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f') ctl++;
        }
    }
    if (ctl * 100 > n || n == 0) {
        free(utf8);
        *why = n ? "not text (binary control bytes)" : "empty file";
        return FP_EINVAL;
    }
    /* t2s only on the lines where a character it changes stands (or one beyond
     * the BMP, which the table does not cover): a 50 MB report with one
     * traditional character converts one line, not 50 MB */
    fp_buf out = {0};
    int converted = 0;
    for (size_t a = 0; a < n && !plain;) {
        const char *nl = memchr(utf8 + a, '\n', n - a);
        size_t e = nl ? (size_t)(nl - utf8) + 1 : n;
        char *simp = NULL;
        if (has_traditional(d, utf8 + a, e - a)) {
            if (t2s_open(d)) {
                /* kept unconverted, the text would total under names no gazetteer entry has */
                fp_buf_free(&out);
                free(utf8);
                *why = "traditional characters, and OpenCC cannot be opened to convert them";
                return FP_EIO;
            }
            simp = opencc_convert_utf8(d->t2s, utf8 + a, e - a);
        }
        if (simp) {
            if (!converted && fp_buf_append(&out, utf8, a)) break; /* the lines before, as they were */
            converted = 1;
            fp_buf_append(&out, simp, strlen(simp));
            opencc_convert_utf8_free(simp);
        } else if (converted) {
            fp_buf_append(&out, utf8 + a, e - a);
        }
        a = e;
    }
    if (converted && !out.oom && out.p) {
        /* Offsets and the content id refer to this simplified text, the one every stage sees. */
        free(utf8);
        utf8 = out.p;
        n = out.len;
    } else {
        fp_buf_free(&out); /* out of memory: the text unconverted, as when OpenCC is missing */
    }
    *text = utf8;
    *text_len = n;
    if (year) *year = pub;
    return FP_OK;
}

void fp_content_id(const char *text, size_t len, char out[FP_ID_HEX + 1])
{
    unsigned char h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)text, len, NULL, 0);
    sodium_bin2hex(out, FP_ID_HEX + 1, h, sizeof h);
}
