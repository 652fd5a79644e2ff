/* A tiny assertion helper for the C unit tests: each failed CHECK prints
 * file:line and the expression, and the test exits 1 at the end. */
#ifndef FP_CHECK_H
#define FP_CHECK_H
#include <stdio.h>
static int check_failures;
#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (!(cond)) {                                                                \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            check_failures++;                                                         \
        }                                                                             \
    } while (0)
#define CHECK_DONE() (check_failures ? (fprintf(stderr, "%d check(s) failed\n", check_failures), 1) : 0)
#endif
