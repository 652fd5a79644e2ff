/* Unit test of the filters and tables the scans over every character ask
 * (issue #12): each must say what the slower look it stands for says.
 *   - fp_hanzi_digit_cp: the value of every code point, against a switch;
 *   - lexicon cls3: its bits, against the indexes' first3 and the marks;
 *   - fp_cue_may3: never 0 where fp_cue_at_key finds a word;
 *   - fp_words_suffix: against a look at every word of the list;
 *   - fp_lexicon_unit_metrics: against a look at every line in order;
 *   - fp_gaz_match, fp_gaz_match3 (with the alias triples): the same
 *     answer as fp_gaz_match_full at every position;
 *   - cue_first, cue_last (answered from the words scan_sentences found):
 *     the same as fp_words_first, fp_words_last on parts of each sentence;
 *   - clause_start, clause_end: as a look at every character, from every byte.
 * The material is the data files and the example reports (argv). */
#include "charclass.h"
#include "check.h"
#include "doc.h"
#include "extract.h"
#include "fp_err.h"
#include "fp_file.h"
#include "fp_gazetteer.h"
#include "lexicon.h"

#include <stdlib.h>
#include <string.h>

/* hanzi_digit's switch before charclass.h's table */
static int hanzi_switch(uint32_t cp)
{
    switch (cp) {
    case 0x3007: case 0x96F6: case 0x25CB: return 0;
    case 0x4E00: return 1;
    case 0x4E8C: return 2;
    case 0x4E09: return 3;
    case 0x56DB: return 4;
    case 0x4E94: return 5;
    case 0x516D: return 6;
    case 0x4E03: return 7;
    case 0x516B: return 8;
    case 0x4E5D: return 9;
    default: return -1;
    }
}

/* fp_words_suffix as a look at every word */
static size_t suffix_slow(const fp_words *w, const char *s, size_t n)
{
    size_t best = 0;
    for (int i = 0; i < w->n; i++)
        if (w->len[i] && w->len[i] <= n && w->len[i] > best && !memcmp(s + n - w->len[i], w->w[i], w->len[i]))
            best = w->len[i];
    return best;
}

/* fp_lexicon_unit_metrics as a look at every line in order */
static const fp_unit_metrics *unit_metrics_slow(const fp_lexicon *lx, const char *unit, const char *counter)
{
    char key[80];
    if (counter && *counter) {
        snprintf(key, sizeof key, "%s/%s", unit, counter);
        for (int i = 0; i < lx->num; i++)
            if (!strcmp(lx->um[i].unit, key)) return &lx->um[i];
    }
    for (int i = 0; i < lx->num; i++)
        if (!strcmp(lx->um[i].unit, unit)) return &lx->um[i];
    return NULL;
}

static int bit(const uint64_t *set, uint32_t cp) { return set[cp >> 6] >> (cp & 63) & 1; }

/* fp_cue_may3 against fp_cue_at_key at every CJK character of t, with all of t after it and
 * with the character's own bytes only */
static void may3_holds(const fp_cue_index *ix, const char *t, size_t n)
{
    const unsigned char *u = (const unsigned char *)t;
    for (size_t p = 0; p < n; p++) {
        uint32_t cp;
        if (!fp_utf8_cjk3(u + p, n - p, &cp)) continue;
        size_t ends[] = {n - p, 3, n - p > 6 ? 6 : n - p};
        for (size_t e = 0; e < 3; e++) {
            size_t len[64];
            uint64_t m = fp_cue_at_key(ix, t + p, ends[e], (uint32_t)u[p] << 16 | (uint32_t)u[p + 1] << 8 | u[p + 2], len);
            if (m) CHECK(fp_cue_may3(ix, cp, u + p, ends[e]));
        }
    }
}

/* clause_start and clause_end as they were, a look at every character */
static size_t clause_start_slow(const doc *d, size_t sent_start, size_t pos)
{
    for (size_t p = pos; p > sent_start;) {
        size_t q = fp_utf8_prev(d->t, p);
        if (clause_mark(d->t, d->len, q)) return p;
        p = q;
    }
    return sent_start;
}

static size_t clause_end_slow(const doc *d, size_t sent_end, size_t pos)
{
    for (size_t p = pos; p < sent_end; p += fp_utf8_len((unsigned char)d->t[p]))
        if (clause_mark(d->t, d->len, p)) return p;
    return sent_end;
}

/* cue_first and cue_last against the walks they stand for, every class, on
 * parts of each sentence of t: whole, from a character inside, up to one
 * (a word may then no longer fit), and from a byte inside a character. */
static void cues_hold(const fp_lexicon *lx, const char *t, size_t len)
{
    fp_extractor *x = calloc(1, sizeof *x);
    CHECK(x != NULL);
    if (!x) return;
    x->lx = *lx; /* a copy of the pointers: freed with lx only */
    doc d;
    memset(&d, 0, sizeof d);
    d.x = x, d.t = t, d.src = t, d.len = len;
    CHECK(scan_sentences(&d) == FP_OK);
    for (size_t s = 0; s < d.ns; s++) {
        size_t a0 = d.sent[s].start, b0 = d.sent[s].end, mid = a0 + (b0 - a0) / 2;
        size_t cut = mid; /* a character's first byte in the middle */
        while (cut > a0 && ((unsigned char)t[cut] & 0xC0) == 0x80) cut--;
        const size_t parts[][2] = {{a0, b0}, {cut, b0}, {a0, cut}, {mid, b0}, {a0 + (a0 < b0), b0 - (b0 > cut)}};
        d.cur_sent = s % 2 ? s : 0; /* tried first, or not the one */
        for (size_t p = a0; p <= b0; p++) {
            CHECK(clause_start(&d, a0, p) == clause_start_slow(&d, a0, p));
            CHECK(clause_end(&d, b0, p) == clause_end_slow(&d, b0, p));
        }
        for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
            size_t a = parts[i][0], b = parts[i][1];
            if (a > b) continue;
            for (int c = 0; c < CUE_COUNT; c++) {
                size_t w0, w1;
                long f0 = cue_first(&d, c, a, b, &w0), f1 = fp_words_first(&lx->cues[c], t + a, b - a, &w1);
                CHECK(f0 == f1 && w0 == w1);
                long l0 = cue_last(&d, c, a, b, &w0), l1 = fp_words_last(&lx->cues[c], t + a, b - a, &w1);
                CHECK(l0 == l1 && w0 == w1);
            }
        }
    }
    free(d.sent);
    free(d.skip);
    free(x);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: test_scan DATADIR REPORT...\n");
        return 2;
    }
    for (uint32_t cp = 0; cp < 65536; cp++) CHECK(fp_hanzi_digit_cp(cp) == hanzi_switch(cp));

    fp_lexicon lx;
    if (fp_lexicon_load(&lx, argv[1]) != FP_OK) {
        fprintf(stderr, "cannot load the lexicon of %s\n", argv[1]);
        return 1;
    }
    for (uint32_t cp = 0; cp < 65536; cp++) {
        uint8_t f = lx.cls3[cp];
        CHECK(!!(f & FP_CC_SENT_CUE) == bit(lx.sent_ix.first3, cp));
        CHECK(!!(f & FP_CC_REFS_CUE) == bit(lx.refs_ix.first3, cp));
        CHECK(!!(f & FP_CC_HANZI) == (hanzi_switch(cp) >= 0));
        CHECK(!!(f & FP_CC_TITLE) == (cp == 0x300A || cp == 0x300B));
        CHECK(!!(f & FP_CC_SENT_END) == (cp == 0x3002 || cp == 0xFF01 || cp == 0xFF1F || cp == 0xFF1B));
    }
    /* every unit line, with and without its counter, and names no line has */
    for (int i = 0; i < lx.num; i++) {
        char unit[32], *slash;
        strcpy(unit, lx.um[i].unit);
        const char *counter = "";
        if ((slash = strchr(unit, '/'))) *slash = '\0', counter = slash + 1;
        CHECK(fp_lexicon_unit_metrics(&lx, unit, counter) == unit_metrics_slow(&lx, unit, counter));
        CHECK(fp_lexicon_unit_metrics(&lx, unit, NULL) == unit_metrics_slow(&lx, unit, NULL));
        CHECK(fp_lexicon_unit_metrics(&lx, unit, "无此量词") == unit_metrics_slow(&lx, unit, "无此量词"));
    }
    CHECK(fp_lexicon_unit_metrics(&lx, "no-such-unit", "") == NULL);
    CHECK(fp_lexicon_unit_metrics(&lx, "", "") == unit_metrics_slow(&lx, "", ""));

    char r[4096], a[4096], n[3][4096];
    snprintf(r, sizeof r, "%s/regions.tsv", argv[1]);
    snprintf(a, sizeof a, "%s/aliases.tsv", argv[1]);
    static const char *const more[] = {"aliases-auto.tsv", "former-names.tsv", "township-names.tsv"};
    for (size_t i = 0; i < 3; i++) snprintf(n[i], sizeof n[i], "%s/%s", argv[1], more[i]);
    const char *const names[] = {a, n[0], n[1], n[2]};
    fp_gazetteer *g;
    if (fp_gaz_load_names(&g, r, names, 4) != FP_OK) {
        fprintf(stderr, "cannot load the gazetteer of %s\n", argv[1]);
        fp_lexicon_free(&lx);
        return 1;
    }
    CHECK(((const fp_gaz_quick *)(const void *)g)->over_tri != NULL);

    size_t positions = 0, names_found = 0;
    for (int f = 2; f < argc; f++) {
        char *t;
        size_t len;
        const char *why;
        if (fp_file_read(argv[f], &t, &len, &why)) {
            fprintf(stderr, "%s: %s\n", argv[f], why);
            check_failures++;
            continue;
        }
        may3_holds(&lx.sent_ix, t, len);
        may3_holds(&lx.refs_ix, t, len);
        may3_holds(&lx.cues_ix, t, len);
        cues_hold(&lx, t, len);
        const unsigned char *u = (const unsigned char *)t;
        for (size_t p = 0; p < len; p++) {
            /* every list's suffix, ending at every byte (CJK or not, a whole character or not) */
            for (int c = 0; c < CUE_COUNT; c++) {
                size_t from = p >= 24 ? p - 24 : 0;
                CHECK(fp_words_suffix(&lx.cues[c], t + from, p + 1 - from) == suffix_slow(&lx.cues[c], t + from, p + 1 - from));
            }
            /* the gazetteer at every byte, with the text's end here and further on */
            const int *c0, *c1;
            int n0, n1;
            for (size_t end = p + 1; end <= len && end <= p + 16; end += end < len ? 5 : 1) {
                size_t l0 = fp_gaz_match_full(g, t, end, p, &c0, &n0), l1 = fp_gaz_match(g, t, end, p, &c1, &n1);
                CHECK(l0 == l1 && n0 == n1 && (!n0 || c0 == c1));
            }
            size_t l0 = fp_gaz_match_full(g, t, len, p, &c0, &n0), l1 = fp_gaz_match(g, t, len, p, &c1, &n1);
            CHECK(l0 == l1 && n0 == n1 && (!n0 || c0 == c1));
            uint32_t cp;
            if (fp_utf8_cjk3(u + p, len - p, &cp)) {
                size_t l3 = fp_gaz_match3(g, t, len, p, cp, &c1, &n1);
                CHECK(l0 == l3 && n0 == n1 && (!n0 || c0 == c1));
            }
            positions++;
            names_found += l0 > 0;
        }
        free(t);
    }
    CHECK(positions > 0 && names_found > 0);
    printf("test_scan: %zu positions, %zu names\n", positions, names_found);
    fp_gaz_free(g);
    fp_lexicon_free(&lx);
    return CHECK_DONE();
}
