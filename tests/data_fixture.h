/* The gazetteer and the indicators of a data folder, loaded as the daemons load them, for the
 * C unit tests that build cells (test_store, test_table). Include after check.h. */
#ifndef FP_DATA_FIXTURE_H
#define FP_DATA_FIXTURE_H
#include "fp_err.h"
#include "fp_gazetteer.h"
#include "fp_indicators.h"

#include <stdio.h>

/* Loads data/regions.tsv with data/aliases.tsv into *g (NULL when that fails) and the folder's
 * indicators into *ind, a failed CHECK for each that fails. 1 when the gazetteer loaded. */
static int load_data_fixture(const char *data, fp_gazetteer **g, fp_indicators *ind)
{
    char rp[4096], ap[4096];
    snprintf(rp, sizeof rp, "%s/regions.tsv", data);
    snprintf(ap, sizeof ap, "%s/aliases.tsv", data);
    *g = NULL;
    CHECK(fp_gaz_load(g, rp, ap) == FP_OK);
    CHECK(fp_indicators_load_dir(ind, data) == FP_OK);
    return *g != NULL;
}

#endif
