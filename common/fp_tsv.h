/* fp_tsv: reading the tab-separated data files users edit (indicators,
 * series words, …) the same way everywhere: blank lines and lines starting
 * with # are skipped, a trailing \r is cut, fields are split on tabs. */
#ifndef FP_TSV_H
#define FP_TSV_H

#define FP_TSV_MAX_FIELDS 16

/* Calls fn for every data line of path with its fields (at most
 * FP_TSV_MAX_FIELDS; the last keeps any further tabs) and its 1-based line
 * number. A non-zero return from fn stops the walk and is returned. A file
 * that cannot be read is logged as "path: why" and is FP_EIO. */
int fp_tsv_each(const char *path, int (*fn)(char **field, int nfields, int lineno, void *ud), void *ud);

#endif
