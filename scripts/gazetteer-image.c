/* gazetteer-image REGIONS.TSV OUT.IMG: makes the binary image of the
 * gazetteer that the daemons map at start (see common/fp_gazetteer.c).
 * The build runs it whenever data/regions.tsv changes; the image is a
 * derived file, never edited. */
#include "fp_gazetteer.h"
#include "fp_log.h"

#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: gazetteer-image REGIONS.TSV OUT.IMG\n");
        return 2;
    }
    fp_log_init("gazetteer-image", FP_LOG_INFO);
    return fp_gaz_write_image(argv[1], argv[2]) ? 1 : 0;
}
