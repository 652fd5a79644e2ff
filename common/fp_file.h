/* fp_file: whole-file reads and crash-safe replacement of output files. */
#ifndef FP_FILE_H
#define FP_FILE_H

#include <stddef.h>
#include <stdio.h>

/* Reads a regular file whole into a malloc'd, NUL-terminated buffer. A
 * missing file, a directory or an unreadable file is an error: *why gets a
 * short reason ("No such file or directory", "is a directory"). */
int fp_file_read(const char *path, char **data, size_t *len, const char **why);
/* A name for a report that has no file name (stdin): prefix, '-', and the
 * first 12 hex digits of the BLAKE2b hash of its bytes, so two different
 * reports never share a name (and one report sent twice keeps its own). */
void fp_content_name(const char *prefix, const void *data, size_t len, char *out, size_t cap);
/* Reads a stream (stdin) to its end into a malloc'd, NUL-terminated buffer. */
int fp_read_stream(FILE *f, char **data, size_t *len, const char **why);
/* Replaces path atomically: writes path.tmp, fsyncs, renames over path,
 * fsyncs the folder. Readers see the old file or the new, never a mix. */
int fp_file_replace(const char *path, const void *data, size_t len);
/* Replaces n files of one folder as a set: every path.tmp is written and
 * made durable first (all written, then each fdatasync'd, so the disk takes
 * the set in one go), and only if all were is each renamed over its path
 * (at most 16 files); on a
 * failure (a full disk) every .tmp is removed and the old set stays. *why
 * gets the reason. Logs nothing (callers say it once). */
int fp_file_replace_all(const char *const *paths, const void *const *data, const size_t *lens, size_t n,
                        const char **why);

#endif
