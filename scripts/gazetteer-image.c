/* gazetteer-image REGIONS.TSV OUT.IMG [NAMES.TSV...]: makes the binary
 * image of the gazetteer that the daemons map at start (see
 * common/fp_gazetteer.c): the regions, and the names of the name files
 * (aliases.tsv, aliases-auto.tsv, former-names.tsv, township-names.tsv, in
 * the order the extractor loads them), so no start parses them. The build
 * runs it whenever one of these files changes; the image is a derived
 * file, never edited. */
#include "fp_gazetteer.h"
#include "fp_log.h"

#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc < 3 || argc - 3 > FP_GAZ_MAX_NAMES) {
        fprintf(stderr, "usage: gazetteer-image REGIONS.TSV OUT.IMG [NAMES.TSV...] (at most %d)\n", FP_GAZ_MAX_NAMES);
        return 2;
    }
    fp_log_init("gazetteer-image", FP_LOG_INFO);
    return fp_gaz_write_image(argv[1], (const char *const *)(argv + 3), (size_t)(argc - 3), argv[2]) ? 1 : 0;
}
