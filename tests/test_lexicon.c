/* Unit test of the tagged cue index (fp_cue_index_build, fp_cue_at): one
 * look at a position gives, for each list, what fp_words_prefix gives. */
#include "check.h"
#include "fp_err.h"
#include "lexicon.h"

#include <stdlib.h>
#include <string.h>

/* A small list made as fp_lexicon_load makes one, from the lexicon itself:
 * the real lists are the test's material. */
int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_lexicon DATADIR\n");
        return 2;
    }
    fp_lexicon lx;
    CHECK(fp_lexicon_load(&lx, argv[1]) == FP_OK);
    /* three lists, two sharing a tag: that tag's length is the longest of both */
    const fp_words *lists[] = {&lx.cues[CUE_YEAR_THIS], &lx.cues[CUE_YEAR_LAST], &lx.cues[CUE_PLACE_NOT]};
    int tags[] = {3, 7, 3};
    fp_cue_index ix;
    CHECK(fp_cue_index_build(&ix, lists, tags, 3) == FP_OK);
    int bad_tag[] = {64};
    fp_cue_index no;
    CHECK(fp_cue_index_build(&no, lists, bad_tag, 1) == FP_EINVAL);
    fp_cue_index_free(&no);
    /* at every character of a text holding words of each list, and their
     * cut-off beginnings at its end */
    const char *text = "今年全年去年上年目前资源惠民完成安置，2019年以前abc今";
    size_t n = strlen(text);
    int asked = 0;
    for (size_t p = 0; p < n; p++) {
        for (size_t end = p + 1; end <= n; end++) {
            size_t len[64];
            uint64_t m = fp_cue_at(&ix, text + p, end - p, len);
            size_t a = fp_words_prefix(lists[0], text + p, end - p), b = fp_words_prefix(lists[1], text + p, end - p),
                   c = fp_words_prefix(lists[2], text + p, end - p);
            size_t t3 = a > c ? a : c;
            CHECK(!!(m >> 3 & 1) == (t3 > 0));
            CHECK(!!(m >> 7 & 1) == (b > 0));
            CHECK((m & ~(1ULL << 3 | 1ULL << 7)) == 0);
            if (m >> 3 & 1) CHECK(len[3] == t3);
            if (m >> 7 & 1) CHECK(len[7] == b);
            asked += m != 0;
        }
    }
    CHECK(asked > 0); /* the data files have words of these lists in the text */
    CHECK(fp_cue_at(&ix, "", 0, (size_t[64]){0}) == 0);
    /* the lexicon's own index for scan_refs answers as the lists do */
    size_t len[64];
    uint64_t m = fp_cue_at(&lx.refs_ix, "去年", strlen("去年"), len);
    size_t want = fp_words_prefix(&lx.cues[CUE_YEAR_LAST], "去年", strlen("去年"));
    CHECK(!!(m >> CUE_YEAR_LAST & 1) == (want > 0));
    if (want) CHECK(len[CUE_YEAR_LAST] == want);
    fp_cue_index_free(&ix);
    fp_lexicon_free(&lx);
    return CHECK_DONE();
}
