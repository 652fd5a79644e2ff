/* fp_record: the records stages exchange (SPEC.md "Records") and their
 * msgpack codec.
 *
 * On the wire every record is a msgpack map with short string keys, a
 * version key "v" (FP_RECORD_VERSION) and a type key "t". One ZeroMQ message
 * holds one or more records back to back (batching). Decoding never trusts
 * the input: a truncated, garbled or unknown-version record is an error code,
 * never a crash, and unknown keys are ignored so newer writers can add them.
 *
 * Ownership: a record fp_record_next or fp_figure_copy made holds all its
 * strings (char * members) in one allocation, `strings`, which
 * fp_record_free / fp_figure_free release with them: its string pointers
 * must not be freed, kept past that free or replaced one by one. A record
 * whose `strings` is NULL (one a caller built, zeroed) owns each non-NULL
 * string as its own allocation, as before, and those functions free each.
 * Moving a decoded record by struct copy moves its strings with it: free it
 * once, through one of the copies. */
#ifndef FP_RECORD_H
#define FP_RECORD_H

#include <msgpack.h>
#include <stddef.h>
#include <stdint.h>

#include "fp_decimal.h"

#define FP_RECORD_VERSION 2 /* 2: indicator cells (indicator, series, stated, status) */
#define FP_ID_HEX 64 /* BLAKE2b-256 as lowercase hex */

enum fp_rec_type { FP_REC_REPORT = 1, FP_REC_FIGURE, FP_REC_END, FP_REC_ACK, FP_REC_TOTAL, FP_REC_ANOMALY };

typedef struct {
    char id[FP_ID_HEX + 1];
    char *source;      /* file name or label the report came from */
    char *encoding;    /* encoding it was decoded from */
    int year_hint;     /* 0 = none */
    char *region_hint; /* region code or "" */
    char *supersedes;  /* id of the revision this replaces, or "" */
    uint64_t arrived_ms; /* wall clock (ms since the epoch) when ingest first took it in; 0 = unknown */
    uint64_t acked;    /* bit i: shard i acknowledged it already, so a re-send skips it (0: send to all) */
    char *text;        /* UTF-8 */
    size_t text_len;
    void *strings;     /* see "Ownership" above */
} fp_report;

typedef struct {
    char report_id[FP_ID_HEX + 1];
    uint32_t seq;         /* index among the figures of this report sent to this shard */
    char *text;           /* the figure as written */
    fp_dec value;         /* in the base unit */
    char unit[16];
    char counter[16];
    char qualifier[12];
    char relation[12];
    char region_code[16];
    char *region_path;    /* canonical names joined by '/' */
    int year;             /* 0 = unknown */
    char metric[24];
    char indicator[96];   /* INDICATORS.md id, or other:<label> */
    char series[12];      /* value | target | change | rate */
    uint16_t weight;      /* how strongly the text names the indicator (cells prefer stronger statements) */
    int published;        /* the report's year hint: its page's or PDF's publication year, or the caller's; 0 = none */
    char *label;          /* the phrase measured */
    char *sentence;       /* the sentence it stands in, for tracing */
    char *source;         /* the report's source name */
    uint32_t offset, length; /* bytes in the decoded report text */
    uint8_t optional;
    /* the text extraction read, as long as the report's with its layout undone (a line break
     * inside a sentence is a space): what fp_indicate_figure reads in its place, so both see
     * one sentence. Valid during fp_extract's callback only; never sent; NULL when none. */
    const char *read_text;
    void *strings;     /* see "Ownership" above */
} fp_figure;

typedef struct {
    char report_id[FP_ID_HEX + 1];
    uint32_t shard;
    uint32_t count;                  /* figures of the report this shard was sent */
    char supersedes[FP_ID_HEX + 1];  /* the revision this report replaces, or "" */
    char *source;
    uint64_t arrived_ms;             /* the report's, passed on for latency */
    uint8_t curated;                 /* the report holds curated figures (first in precedence) */
    void *strings;     /* see "Ownership" above */
} fp_end;

/* An ack whose report_id is FP_HELLO_ID is a shard's hello, sent when it
 * starts: it acknowledges no report, it tells its store's epoch and sequence. */
#define FP_HELLO_ID "0000000000000000000000000000000000000000000000000000000000000000"

typedef struct {
    char report_id[FP_ID_HEX + 1];
    uint32_t shard;
    uint64_t arrived_ms; /* set on acks of fresh applies sent to the sink; 0 in snapshots and to ingest */
    uint64_t seq;        /* to the sink: the shard's sequence number once this report is in it */
    char epoch[17];      /* the shard store's identity: a store made anew (lost, emptied) has another */
    uint8_t dead;        /* 1: the shard could not apply the report and dead-lettered it (aggregate/store.h) */
} fp_ack;

/* One cell (SPEC.md Totals): the value the reports state for a region,
 * year, indicator, series and unit, and how sure that is. */
typedef struct {
    uint32_t shard;
    uint64_t seq;
    char region_code[16];
    char *region_path;
    int year;
    char indicator[96];
    char series[12];
    char metric[24];     /* the indicator's metric */
    char unit[16];
    fp_dec stated;
    char status[12];     /* exact | approx | conflict */
    uint32_t facts, reports; /* facts 0: the cell is gone */
    char *candidates;    /* JSON array: every distinct value stated, with its reports */
    char epoch[17];      /* on a snapshot's end marker: the shard store's identity */
    void *strings;     /* see "Ownership" above */
} fp_total;

/* A check's finding (SPEC.md Totals, "checks"), kept by the shard that holds
 * its key and numbered in that shard's sequence like totals. */
typedef struct {
    uint32_t shard;
    uint64_t seq;
    char *id;             /* stable identity: a later record with the same id replaces it */
    char kind[24];        /* parts_exceed_whole */
    char region_code[16];
    char *region_path;
    int year;
    char indicator[96];
    char unit[16];
    char *detail;         /* a JSON object: the reports and figures concerned */
    uint8_t live;         /* 0: the finding no longer holds */
    void *strings;     /* see "Ownership" above */
} fp_anomaly;

typedef struct {
    enum fp_rec_type type;
    union {
        fp_report report;
        fp_figure figure;
        fp_end end;
        fp_ack ack;
        fp_total total;
        fp_anomaly anomaly;
    } u;
} fp_record;

/* Packers append one record to pk. They return FP_OK or FP_ENOMEM. */
int fp_pack_report(msgpack_packer *pk, const fp_report *r);
int fp_pack_figure(msgpack_packer *pk, const fp_figure *f);
int fp_pack_end(msgpack_packer *pk, const fp_end *e);
int fp_pack_ack(msgpack_packer *pk, const fp_ack *a);
int fp_pack_total(msgpack_packer *pk, const fp_total *t);
int fp_pack_anomaly(msgpack_packer *pk, const fp_anomaly *a);

/* Decodes the record that starts at *off in buf[0..len), advancing *off
 * past it (past a well-formed map even when it does not decode). Returns
 * FP_OK with *out filled, its strings in one allocation (free it with
 * fp_record_free), 1 when *off is at the end of the buffer, or FP_EPROTO
 * (malformed, a required key missing, a value of the wrong type or out of
 * range) / FP_EVERSION / FP_ENOMEM. Unknown keys are skipped; where a key
 * comes twice the last counts. On error *out needs no freeing. */
int fp_record_next(const char *buf, size_t len, size_t *off, fp_record *out);
void fp_record_free(fp_record *r);

/* Deep copy of a figure, its strings in one allocation of its own (dst must
 * not hold owned strings; on FP_ENOMEM it holds none). */
int fp_figure_copy(fp_figure *dst, const fp_figure *src);
void fp_figure_free(fp_figure *f);

#endif
