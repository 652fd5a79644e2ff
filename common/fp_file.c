#define _GNU_SOURCE /* sync_file_range */
#include "fp_file.h"
#include "fp_err.h"
#include "fp_log.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int fp_file_read(const char *path, char **data, size_t *len, const char **why)
{
    *data = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        *why = strerror(errno);
        return FP_EIO;
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        *why = S_ISDIR(st.st_mode) ? "is a directory" : "not a regular file";
        close(fd);
        return FP_EINVAL;
    }
    char *buf = malloc((size_t)st.st_size + 1);
    if (!buf) {
        close(fd);
        *why = "out of memory";
        return FP_ENOMEM;
    }
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += (size_t)n;
    }
    close(fd);
    buf[got] = '\0';
    *data = buf;
    *len = got;
    return FP_OK;
}

int fp_read_stream(FILE *f, char **data, size_t *len, const char **why)
{
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n - 1, f);
        if (n < cap - 1) break;
        cap *= 2;
        char *nb = realloc(buf, cap);
        if (!nb) {
            free(buf);
            buf = NULL;
        }
        buf = nb;
    }
    if (!buf) {
        *why = "out of memory";
        return FP_ENOMEM;
    }
    if (ferror(f)) {
        free(buf);
        *why = strerror(errno);
        return FP_EIO;
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return FP_OK;
}

int fp_file_replace(const char *path, const void *data, size_t len)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) return FP_EINVAL;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        fp_error("cannot write %s: %s", tmp, strerror(errno));
        return FP_EIO;
    }
    const char *p = data;
    size_t left = len;
    while (left) {
        ssize_t n = write(fd, p, left);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            fp_error("cannot write %s: %s", tmp, strerror(errno));
            close(fd);
            unlink(tmp);
            return FP_EIO;
        }
        p += n;
        left -= (size_t)n;
    }
    if (fsync(fd) < 0 || close(fd) < 0 || rename(tmp, path) < 0) {
        fp_error("cannot replace %s: %s", path, strerror(errno));
        unlink(tmp);
        return FP_EIO;
    }
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    int dfd = open(dirname(dir), O_RDONLY);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return FP_OK;
}

/* Writes tmp whole and leaves it open in *fdp (-1 on failure), its writeback started but not waited for:
 * the caller waits for every file of the set at once (fp_file_replace_all). */
static int write_tmp(const char *tmp, const void *data, size_t len, int *fdp)
{
    *fdp = -1;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return -1;
    const char *p = data;
    for (size_t left = len; left;) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) {
            int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
        p += w;
        left -= (size_t)w;
    }
#ifdef SYNC_FILE_RANGE_WRITE
    /* only a hint: the fdatasync below is what makes the data durable */
    (void)sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
#endif
    *fdp = fd;
    return 0;
}

int fp_file_replace_all(const char *const *paths, const void *const *data, const size_t *lens, size_t n,
                        const char **why)
{
    char tmp[4096];
    size_t written = 0;
    int rc = FP_OK;
    int fds[16];
    if (n > sizeof fds / sizeof fds[0]) {
        *why = "too many files in one set";
        return FP_EINVAL;
    }
    /* Every file is written and its writeback started before any is waited for: the disk takes the set in
     * one go, and the first fdatasync's journal commit covers the others' new inodes, instead of one full
     * round trip per file (the sink writes after each report: this is on its latency). */
    for (; written < n; written++) {
        if (snprintf(tmp, sizeof tmp, "%s.tmp", paths[written]) >= (int)sizeof tmp) {
            *why = "path too long";
            rc = FP_EINVAL;
            break;
        }
        if (write_tmp(tmp, data[written] ? data[written] : "", lens[written], &fds[written]) < 0) {
            *why = strerror(errno);
            unlink(tmp);
            rc = FP_EIO;
            break;
        }
    }
    for (size_t i = 0; i < written; i++) {
        if (!rc && fdatasync(fds[i]) < 0) {
            *why = strerror(errno);
            rc = FP_EIO;
        }
        if (close(fds[i]) < 0 && !rc) {
            *why = strerror(errno);
            rc = FP_EIO;
        }
    }
    for (size_t i = 0; i < written; i++) {
        snprintf(tmp, sizeof tmp, "%s.tmp", paths[i]);
        if (rc) unlink(tmp);
        else if (rename(tmp, paths[i]) < 0) {
            *why = strerror(errno);
            rc = FP_EIO;
        }
    }
    if (!rc && n) {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s", paths[0]);
        int dfd = open(dirname(dir), O_RDONLY);
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
    }
    return rc;
}

void fp_content_name(const char *prefix, const void *data, size_t len, char *out, size_t cap)
{
    unsigned char h[6];
    crypto_generichash(h, sizeof h, data, len, NULL, 0);
    snprintf(out, cap, "%s-%02x%02x%02x%02x%02x%02x", prefix, h[0], h[1], h[2], h[3], h[4], h[5]);
}
