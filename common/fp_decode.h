/* The old name of fp_encoding.h, kept only because ingest/journal.c (owned
 * and being edited elsewhere) still includes it: remove this file once that
 * include says "fp_encoding.h". */
#ifndef FP_DECODE_H
#define FP_DECODE_H
#include "fp_encoding.h"
#endif
