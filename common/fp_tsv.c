#include "fp_tsv.h"
#include "fp_err.h"
#include "fp_file.h"
#include "fp_log.h"

#include <stdlib.h>
#include <string.h>

int fp_tsv_each(const char *path, int (*fn)(char **field, int nfields, int lineno, void *ud), void *ud)
{
    char *data;
    size_t len;
    const char *why;
    if (fp_file_read(path, &data, &len, &why)) {
        fp_error("%s: %s", path, why);
        return FP_EIO;
    }
    int rc = FP_OK, lineno = 0;
    for (char *line = data, *next; line && *line && !rc; line = next) {
        lineno++;
        next = strchr(line, '\n');
        if (next) *next++ = '\0';
        size_t l = strlen(line);
        if (l && line[l - 1] == '\r') line[--l] = '\0';
        if (!l || line[0] == '#') continue;
        char *f[FP_TSV_MAX_FIELDS];
        int nf = 0;
        for (char *c = line; nf < FP_TSV_MAX_FIELDS;) {
            f[nf++] = c;
            char *tab = nf < FP_TSV_MAX_FIELDS ? strchr(c, '\t') : NULL;
            if (!tab) break;
            *tab = '\0';
            c = tab + 1;
        }
        rc = fn(f, nf, lineno, ud);
    }
    free(data);
    return rc;
}
