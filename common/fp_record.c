/* Records are described by field tables, so one packer and one decoder
 * serve every type and a new field is one line. */
#include "fp_record.h"
#include "fp_err.h"

#include <stdlib.h>
#include <string.h>

enum kind { K_ID, K_FIX, K_STR, K_TEXT, K_INT, K_U32, K_U64, K_U16, K_U8, K_DEC };

typedef struct {
    char key[8];   /* as on the wire, at most 7 bytes, zero-padded (key_is reads all 8) */
    uint8_t klen;
    enum kind kind;
    size_t off;
    size_t size; /* K_FIX: capacity; K_TEXT: offset of the size_t length */
    int required;
} field;

#define F(type, k, kind, member, req) {k, sizeof k - 1, kind, offsetof(type, member), sizeof(((type *)0)->member), req}
#define FT(type, k, member, lenmember, req) {k, sizeof k - 1, K_TEXT, offsetof(type, member), offsetof(type, lenmember), req}

static const field report_fields[] = {
    F(fp_report, "id", K_ID, id, 1),
    F(fp_report, "src", K_STR, source, 1),
    F(fp_report, "enc", K_STR, encoding, 0),
    F(fp_report, "yh", K_INT, year_hint, 0),
    F(fp_report, "rh", K_STR, region_hint, 0),
    F(fp_report, "sup", K_STR, supersedes, 0),
    F(fp_report, "at", K_U64, arrived_ms, 0),
    F(fp_report, "ack", K_U64, acked, 0),
    FT(fp_report, "text", text, text_len, 1),
};
static const field figure_fields[] = {
    F(fp_figure, "rid", K_ID, report_id, 1),
    F(fp_figure, "seq", K_U32, seq, 1),
    F(fp_figure, "tx", K_STR, text, 1),
    F(fp_figure, "val", K_DEC, value, 1),
    F(fp_figure, "u", K_FIX, unit, 1),
    F(fp_figure, "c", K_FIX, counter, 0),
    F(fp_figure, "q", K_FIX, qualifier, 1),
    F(fp_figure, "rel", K_FIX, relation, 1),
    F(fp_figure, "rc", K_FIX, region_code, 1),
    F(fp_figure, "rp", K_STR, region_path, 1),
    F(fp_figure, "y", K_INT, year, 0),
    F(fp_figure, "m", K_FIX, metric, 1),
    F(fp_figure, "in", K_FIX, indicator, 0),
    F(fp_figure, "se", K_FIX, series, 0),
    F(fp_figure, "wt", K_U16, weight, 0),
    F(fp_figure, "pub", K_INT, published, 0),
    F(fp_figure, "lb", K_STR, label, 0),
    F(fp_figure, "ctx", K_STR, sentence, 0),
    F(fp_figure, "src", K_STR, source, 0),
    F(fp_figure, "off", K_U32, offset, 0),
    F(fp_figure, "len", K_U32, length, 0),
    F(fp_figure, "opt", K_U8, optional, 0),
};
static const field end_fields[] = {
    F(fp_end, "rid", K_ID, report_id, 1),
    F(fp_end, "sh", K_U32, shard, 1),
    F(fp_end, "n", K_U32, count, 1),
    F(fp_end, "sup", K_FIX, supersedes, 0),
    F(fp_end, "src", K_STR, source, 0),
    F(fp_end, "at", K_U64, arrived_ms, 0),
    F(fp_end, "cu", K_U8, curated, 0),
};
static const field ack_fields[] = {
    F(fp_ack, "rid", K_ID, report_id, 1),
    F(fp_ack, "sh", K_U32, shard, 1),
    F(fp_ack, "at", K_U64, arrived_ms, 0),
    F(fp_ack, "sq", K_U64, seq, 0),
    F(fp_ack, "ep", K_FIX, epoch, 0),
    F(fp_ack, "dl", K_U8, dead, 0),
};
static const field total_fields[] = {
    F(fp_total, "sh", K_U32, shard, 1),
    F(fp_total, "sq", K_U64, seq, 1),
    F(fp_total, "rc", K_FIX, region_code, 1),
    F(fp_total, "rp", K_STR, region_path, 1),
    F(fp_total, "y", K_INT, year, 0),
    F(fp_total, "in", K_FIX, indicator, 1),
    F(fp_total, "se", K_FIX, series, 1),
    F(fp_total, "m", K_FIX, metric, 0),
    F(fp_total, "u", K_FIX, unit, 1),
    F(fp_total, "st", K_DEC, stated, 1),
    F(fp_total, "ss", K_FIX, status, 0),
    F(fp_total, "f", K_U32, facts, 1),
    F(fp_total, "r", K_U32, reports, 1),
    F(fp_total, "ca", K_STR, candidates, 0),
    F(fp_total, "ep", K_FIX, epoch, 0),
};
static const field anomaly_fields[] = {
    F(fp_anomaly, "sh", K_U32, shard, 1),
    F(fp_anomaly, "sq", K_U64, seq, 1),
    F(fp_anomaly, "id", K_STR, id, 1),
    F(fp_anomaly, "k", K_FIX, kind, 1),
    F(fp_anomaly, "rc", K_FIX, region_code, 1),
    F(fp_anomaly, "rp", K_STR, region_path, 0),
    F(fp_anomaly, "y", K_INT, year, 0),
    F(fp_anomaly, "in", K_FIX, indicator, 0),
    F(fp_anomaly, "u", K_FIX, unit, 0),
    F(fp_anomaly, "d", K_STR, detail, 0),
    F(fp_anomaly, "on", K_U8, live, 1),
};

typedef struct {
    const char *name;
    const field *fields;
    size_t n;
    size_t strings; /* offset of the record's `strings` block; NO_STRINGS for none */
} schema;

#define NO_STRINGS ((size_t)-1)
#define MAX_FIELDS 32 /* more than any table above has (a static assertion below checks) */
#define S(type, name, arr) {name, arr, sizeof arr / sizeof arr[0], offsetof(type, strings)}
static const schema schemas[] = {
    {NULL, NULL, 0, NO_STRINGS},
    S(fp_report, "report", report_fields), S(fp_figure, "figure", figure_fields), S(fp_end, "end", end_fields),
    /* fp_ack has no string, so no `strings` block: a string field added to it needs both */
    {"ack", ack_fields, sizeof ack_fields / sizeof ack_fields[0], NO_STRINGS},
    S(fp_total, "total", total_fields), S(fp_anomaly, "anomaly", anomaly_fields),
};
_Static_assert(sizeof figure_fields / sizeof figure_fields[0] <= MAX_FIELDS, "MAX_FIELDS too small");
#define NSCHEMA (sizeof schemas / sizeof schemas[0])

/* Packing writes each record through a small buffer and hands it to the
 * packer's callback once (or a few times for long strings), instead of
 * one callback per key and per value; the bytes are the ones msgpack-c's
 * msgpack_pack_* give (the smallest form of each integer and string
 * header), so the wire is unchanged (tests/test_record.c checks it
 * against bytes the msgpack-c packer made). */
typedef struct {
    msgpack_packer *pk;
    size_t n;
    int rc;
    unsigned char b[1024];
} wbuf;

static void w_flush(wbuf *w)
{
    if (w->n && !w->rc && w->pk->callback(w->pk->data, (const char *)w->b, w->n)) w->rc = FP_ENOMEM;
    w->n = 0;
}

static void w_put(wbuf *w, const void *p, size_t n)
{
    if (n > sizeof w->b - w->n) {
        w_flush(w);
        if (n > sizeof w->b / 2) { /* a long string: straight to the callback, not copied twice */
            if (!w->rc && w->pk->callback(w->pk->data, p, n)) w->rc = FP_ENOMEM;
            return;
        }
    }
    memcpy(w->b + w->n, p, n);
    w->n += n;
}

/* A type byte and the low `bytes` bytes of v, big-endian. */
static void w_head(wbuf *w, unsigned char type, uint64_t v, int bytes)
{
    if (sizeof w->b - w->n < 9) w_flush(w);
    unsigned char *h = w->b + w->n; /* written in place: most records are headers and short strings */
    h[0] = type;
    for (int i = 0; i < bytes; i++) h[1 + i] = (unsigned char)(v >> (8 * (bytes - 1 - i)));
    w->n += (size_t)bytes + 1;
}

static void w_uint(wbuf *w, uint64_t v)
{
    if (v < 128) w_head(w, (unsigned char)v, 0, 0);
    else if (v < 256) w_head(w, 0xcc, v, 1);
    else if (v < 65536) w_head(w, 0xcd, v, 2);
    else if (v < 4294967296ULL) w_head(w, 0xce, v, 4);
    else w_head(w, 0xcf, v, 8);
}

/* As msgpack_pack_int64: non-negative values in their unsigned form. */
static void w_int(wbuf *w, int64_t v)
{
    if (v >= 0) w_uint(w, (uint64_t)v);
    else if (v >= -32) w_head(w, (unsigned char)(int8_t)v, 0, 0);
    else if (v >= -128) w_head(w, 0xd0, (uint64_t)v, 1);
    else if (v >= -32768) w_head(w, 0xd1, (uint64_t)v, 2);
    else if (v >= INT32_MIN) w_head(w, 0xd2, (uint64_t)v, 4);
    else w_head(w, 0xd3, (uint64_t)v, 8);
}

static inline __attribute__((always_inline)) void w_str(wbuf *w, const char *s, size_t n)
{
    if (n < 32 && sizeof w->b - w->n > n) { /* the common case, a short string: header and bytes in place */
        unsigned char *h = w->b + w->n;
        h[0] = (unsigned char)(0xa0 | n);
        memcpy(h + 1, s, n);
        w->n += n + 1;
        return;
    }
    if (n < 32) w_head(w, (unsigned char)(0xa0 | n), 0, 0);
    else if (n < 256) w_head(w, 0xd9, n, 1);
    else if (n < 65536) w_head(w, 0xda, n, 2);
    else w_head(w, 0xdb, n, 4);
    if (n) w_put(w, s, n);
}

static void w_cstr(wbuf *w, const char *s) { w_str(w, s ? s : "", s ? strlen(s) : 0); }

/* A field's key: its header and its (zero-padded) 8 bytes stored at once, klen + 1 of them kept. */
static inline void w_key(wbuf *w, const field *f)
{
    if (sizeof w->b - w->n < 9) w_flush(w);
    unsigned char *h = w->b + w->n;
    h[0] = (unsigned char)(0xa0 | f->klen);
    memcpy(h + 1, f->key, sizeof f->key);
    w->n += (size_t)f->klen + 1;
}

/* w_uint, with the small values (most counts, flags, years' offsets) in place. */
static inline void w_small(wbuf *w, uint64_t v)
{
    if (v < 128 && w->n < sizeof w->b) w->b[w->n++] = (unsigned char)v;
    else w_uint(w, v);
}

static int pack(msgpack_packer *pk, enum fp_rec_type t, const void *rec)
{
    const schema *sc = &schemas[t];
    const char *base = rec;
    wbuf w;
    w.pk = pk, w.n = 0, w.rc = FP_OK;
    size_t nkeys = sc->n + 2;
    if (nkeys < 16) w_head(&w, (unsigned char)(0x80 | nkeys), 0, 0);
    else w_head(&w, 0xde, nkeys, 2);
    w_str(&w, "v", 1);
    w_uint(&w, FP_RECORD_VERSION);
    w_str(&w, "t", 1);
    w_cstr(&w, sc->name);
    for (size_t i = 0; i < sc->n && !w.rc; i++) {
        const field *f = &sc->fields[i];
        const void *p = base + f->off;
        w_key(&w, f);
        switch (f->kind) {
        case K_ID:
        case K_FIX: w_cstr(&w, (const char *)p); break;
        case K_STR: w_cstr(&w, *(char *const *)p); break;
        case K_TEXT: {
            const char *s = *(char *const *)p;
            w_str(&w, s ? s : "", s ? *(const size_t *)(base + f->size) : 0);
            break;
        }
        case K_INT: w_int(&w, *(const int *)p); break;
        case K_U32: w_small(&w, *(const uint32_t *)p); break;
        case K_U64: w_small(&w, *(const uint64_t *)p); break;
        case K_U16: w_small(&w, *(const uint16_t *)p); break;
        case K_U8: w_small(&w, *(const uint8_t *)p); break;
        case K_DEC: {
            char buf[32];
            int n = fp_dec_format(*(const fp_dec *)p, buf, sizeof buf);
            w_str(&w, buf, n > 0 ? (size_t)n : 0);
            break;
        }
        }
    }
    w_flush(&w);
    return w.rc;
}

int fp_pack_report(msgpack_packer *pk, const fp_report *r) { return pack(pk, FP_REC_REPORT, r); }
int fp_pack_figure(msgpack_packer *pk, const fp_figure *f) { return pack(pk, FP_REC_FIGURE, f); }
int fp_pack_end(msgpack_packer *pk, const fp_end *e) { return pack(pk, FP_REC_END, e); }
int fp_pack_ack(msgpack_packer *pk, const fp_ack *a) { return pack(pk, FP_REC_ACK, a); }
int fp_pack_total(msgpack_packer *pk, const fp_total *t) { return pack(pk, FP_REC_TOTAL, t); }
int fp_pack_anomaly(msgpack_packer *pk, const fp_anomaly *a) { return pack(pk, FP_REC_ANOMALY, a); }

/* One msgpack value as decoding needs it: a string (pointing into the
 * input), an integer, or something else (nil, bool, float, bin, ext, a
 * container), which no field takes. */
typedef struct {
    enum { V_STR, V_UINT, V_NINT, V_OTHER } kind;
    uint32_t n;    /* V_STR: length */
    const char *s; /* V_STR */
    uint64_t u;    /* V_UINT */
    int64_t i;     /* V_NINT */
} mval;

static int get_int(const mval *v, int64_t lo, int64_t hi, int64_t *out)
{
    if (v->kind == V_UINT) {
        if (v->u > (uint64_t)hi) return FP_EPROTO;
        *out = (int64_t)v->u;
    } else if (v->kind == V_NINT) {
        if (v->i < lo) return FP_EPROTO;
        *out = v->i;
    } else {
        return FP_EPROTO;
    }
    return FP_OK;
}

static void free_fields(const schema *sc, void *rec)
{
    void **block = sc->strings == NO_STRINGS ? NULL : (void **)((char *)rec + sc->strings);
    for (size_t i = 0; i < sc->n; i++) {
        const field *f = &sc->fields[i];
        if (f->kind == K_STR || f->kind == K_TEXT) {
            char **p = (char **)((char *)rec + f->off);
            if (!block || !*block) free(*p); /* a caller's record: each string its own allocation */
            *p = NULL;
        }
    }
    if (block) {
        free(*block);
        *block = NULL;
    }
}

static int is_hex_id(const char *s, size_t n)
{
    if (n != FP_ID_HEX) return 0;
    /* or-ed over the id, so one branch per id rather than two per digit: a byte outside 0-9a-f sets 1 */
    unsigned bad = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned c = (unsigned char)s[i];
        bad |= (c - '0' > 9u) & (c - 'a' > 5u);
    }
    return !bad;
}

/* Sets a field of any kind but K_STR and K_TEXT (decode places those). */
static int set_field(const field *f, char *base, const mval *v)
{
    void *p = base + f->off;
    int64_t i;
    switch (f->kind) {
    case K_ID:
    case K_FIX:
        if (v->kind != V_STR || v->n >= f->size) return FP_EPROTO;
        if (f->kind == K_ID && !is_hex_id(v->s, v->n)) return FP_EPROTO;
        if (memchr(v->s, '\0', v->n)) return FP_EPROTO;
        memcpy(p, v->s, v->n);
        ((char *)p)[v->n] = '\0';
        return FP_OK;
    case K_STR:
    case K_TEXT: return FP_EPROTO;
    case K_INT:
        if (get_int(v, -1000000, 1000000, &i)) return FP_EPROTO;
        *(int *)p = (int)i;
        return FP_OK;
    case K_U32:
        if (get_int(v, 0, UINT32_MAX, &i)) return FP_EPROTO;
        *(uint32_t *)p = (uint32_t)i;
        return FP_OK;
    case K_U64:
        if (get_int(v, 0, INT64_MAX, &i)) return FP_EPROTO;
        *(uint64_t *)p = (uint64_t)i;
        return FP_OK;
    case K_U16:
        if (get_int(v, 0, UINT16_MAX, &i)) return FP_EPROTO;
        *(uint16_t *)p = (uint16_t)i;
        return FP_OK;
    case K_U8:
        if (get_int(v, 0, 255, &i)) return FP_EPROTO;
        *(uint8_t *)p = (uint8_t)i;
        return FP_OK;
    case K_DEC:
        if (v->kind != V_STR) return FP_EPROTO;
        return fp_dec_parse(v->s, v->n, p) ? FP_EPROTO : FP_OK;
    }
    return FP_EPROTO;
}

/* Walks the value at p[*pos] (any type, nested at most 8 deep), advancing
 * *pos past it; 0 when it is malformed or runs past len. Decoding reads
 * the bytes itself rather than through msgpack-c's unpacker, which
 * allocated a zone and an object tree per record and, given a hostile
 * "array of 2^32 items" in 5 bytes, would allocate its declared size
 * first: here every container must fit the bytes left, and nothing is
 * allocated for values no field takes. */
static int sane(const unsigned char *p, size_t len, size_t *pos, int depth)
{
    if (depth > 8 || *pos >= len) return 0;
    unsigned c = p[(*pos)++];
    size_t need = 0, count = 0, left = len - *pos;
    uint64_t v = 0;
    int hdr = 0;
    if (c <= 0x7f || c >= 0xe0 || c == 0xc0 || c == 0xc2 || c == 0xc3) return 1;
    if ((c & 0xe0) == 0xa0) need = c & 0x1f;
    else if ((c & 0xf0) == 0x90) count = c & 0x0f;
    else if ((c & 0xf0) == 0x80) count = (c & 0x0f) * 2;
    else {
        switch (c) {
        case 0xcc: case 0xd0: need = 1; break;
        case 0xcd: case 0xd1: need = 2; break;
        case 0xca: case 0xce: case 0xd2: need = 4; break;
        case 0xcb: case 0xcf: case 0xd3: need = 8; break;
        case 0xd4: need = 2; break;
        case 0xd5: need = 3; break;
        case 0xd6: need = 5; break;
        case 0xd7: need = 9; break;
        case 0xd8: need = 17; break;
        case 0xc4: case 0xd9: case 0xc7: hdr = 1; break;
        case 0xc5: case 0xda: case 0xc8: case 0xdc: case 0xde: hdr = 2; break;
        case 0xc6: case 0xdb: case 0xc9: case 0xdd: case 0xdf: hdr = 4; break;
        default: return 0;
        }
        if (hdr) {
            if (left < (size_t)hdr) return 0;
            for (int i = 0; i < hdr; i++) v = v << 8 | p[*pos + (size_t)i];
            *pos += (size_t)hdr;
            left -= (size_t)hdr;
            if (c == 0xdc || c == 0xdd) count = v;
            else if (c == 0xde || c == 0xdf) count = v * 2;
            else need = v + (c >= 0xc7 && c <= 0xc9 ? 1 : 0);
        }
    }
    if (count) {
        if (count > left) return 0;
        for (size_t i = 0; i < count; i++)
            if (!sane(p, len, pos, depth + 1)) return 0;
        return 1;
    }
    if (need > left) return 0;
    *pos += need;
    return 1;
}


/* Reads the n-byte big-endian number at p[*pos], advancing *pos; 0 when the input ends first. */
static int be(const unsigned char *p, size_t len, size_t *pos, int n, uint64_t *v)
{
    if (len - *pos < (size_t)n) return 0;
    *v = 0;
    for (int i = 0; i < n; i++) *v = *v << 8 | p[*pos + (size_t)i];
    *pos += (size_t)n;
    return 1;
}

/* Reads the value at p[*pos] into v, advancing *pos past it (containers and
 * other values are walked by sane, at nesting depth `depth`). 0 when it is
 * malformed or runs past len. Integers read as msgpack-c reads them: a
 * signed form holding a value >= 0 is V_UINT. */
static int read_val(const unsigned char *p, size_t len, size_t *pos, mval *v, int depth)
{
    if (*pos >= len) return 0;
    size_t at = *pos;
    unsigned c = p[at];
    uint64_t x;
    int n = 0;
    if (c <= 0x7f) {
        v->kind = V_UINT, v->u = c, *pos = at + 1;
        return 1;
    }
    if (c >= 0xe0) {
        v->kind = V_NINT, v->i = (int8_t)c, *pos = at + 1;
        return 1;
    }
    if ((c & 0xe0) == 0xa0 || c == 0xd9 || c == 0xda || c == 0xdb) {
        *pos = at + 1;
        if ((c & 0xe0) == 0xa0) x = c & 0x1f;
        else if (!be(p, len, pos, c == 0xd9 ? 1 : c == 0xda ? 2 : 4, &x)) return 0;
        if (x > len - *pos) return 0;
        v->kind = V_STR, v->s = (const char *)p + *pos, v->n = (uint32_t)x;
        *pos += (size_t)x;
        return 1;
    }
    if (c >= 0xcc && c <= 0xcf) {
        *pos = at + 1;
        if (!be(p, len, pos, 1 << (c - 0xcc), &x)) return 0;
        v->kind = V_UINT, v->u = x;
        return 1;
    }
    if (c >= 0xd0 && c <= 0xd3) {
        *pos = at + 1;
        n = 1 << (c - 0xd0);
        if (!be(p, len, pos, n, &x)) return 0;
        int64_t i = n == 1 ? (int8_t)x : n == 2 ? (int16_t)x : n == 4 ? (int32_t)x : (int64_t)x;
        if (i >= 0) v->kind = V_UINT, v->u = (uint64_t)i;
        else v->kind = V_NINT, v->i = i;
        return 1;
    }
    v->kind = V_OTHER;
    return sane(p, len, pos, depth);
}

typedef struct {
    mval k, v;
} entry;

/* 1 when f's key is the n bytes whose little-endian number is kc: keys are
 * at most 7 bytes, zero-padded in the table, so one load and two compares
 * instead of a call to memcmp. */
static inline int key_is(const field *f, uint64_t kc, uint32_t n)
{
    uint64_t fc;
    memcpy(&fc, f->key, sizeof fc);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    fc = __builtin_bswap64(fc);
#endif
    return f->klen == n && fc == kc;
}

#define ENTRIES_ON_STACK 48 /* a figure has 24 keys; more only from a newer writer or a hostile one */

static int fill(const schema *sc, const mval *const *at, fp_record *out);

/* Decodes the map in e[0..n) (already read whole, from bytes ending at end) into out. */
static int decode(const entry *e, uint32_t n, const char *end, fp_record *out)
{
    const mval *ver = NULL, *typ = NULL;
    /* a key twice: the last one counts (as msgpack maps read into a dictionary) */
    for (uint32_t i = 0; i < n; i++) {
        if (e[i].k.kind != V_STR || e[i].k.n != 1) continue;
        if (e[i].k.s[0] == 'v') ver = &e[i].v;
        else if (e[i].k.s[0] == 't') typ = &e[i].v;
    }
    if (!ver || !typ || typ->kind != V_STR) return FP_EPROTO;
    if (ver->kind != V_UINT) return FP_EPROTO;
    if (ver->u != FP_RECORD_VERSION) return FP_EVERSION;
    size_t t;
    for (t = 1; t < NSCHEMA; t++)
        if (strlen(schemas[t].name) == typ->n && !memcmp(schemas[t].name, typ->s, typ->n)) break;
    if (t == NSCHEMA) return FP_EPROTO;
    const schema *sc = &schemas[t];
    memset(out, 0, sizeof *out);
    out->type = (enum fp_rec_type)t;

    /* One pass over the keys. Writers put them in the table's order, so the
     * field after the last one found is tried first: one comparison per key;
     * a key elsewhere in the table is found by a scan, an unknown one is skipped. */
    const mval *at[MAX_FIELDS] = {0};
    size_t next = 0;
    for (uint32_t i = 0; i < n; i++) {
        const mval *k = &e[i].k;
        if (k->kind != V_STR || k->n > 7) continue;
        if (k->n == 1 && (k->s[0] == 'v' || k->s[0] == 't')) continue; /* read above; no field has them */
        uint64_t kc = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        if ((size_t)(end - k->s) >= sizeof kc) { /* a value follows every key: 8 bytes at once, masked */
            memcpy(&kc, k->s, sizeof kc);
            kc &= k->n ? ~0ULL >> (64 - 8 * k->n) : 0;
        } else
#endif
            for (uint32_t j = 0; j < k->n; j++) kc |= (uint64_t)(unsigned char)k->s[j] << (8 * j);
        size_t fi = next;
        if (fi >= sc->n || !key_is(&sc->fields[fi], kc, k->n)) {
            for (fi = 0; fi < sc->n; fi++)
                if (key_is(&sc->fields[fi], kc, k->n)) break;
            if (fi == sc->n) continue;
        }
        at[fi] = &e[i].v;
        next = fi + 1;
    }

    return fill(sc, at, out);
}

/* Sets out's fields (out zeroed, its type set) from the values at[fi] found for each field of sc. */
static int fill(const schema *sc, const mval *const *at, fp_record *out)
{
    char *base = (char *)&out->u;
    /* Every string of the record in one allocation: a figure's five strings
     * were five mallocs and five frees. */
    size_t total = 0;
    for (size_t fi = 0; fi < sc->n; fi++) {
        const field *f = &sc->fields[fi];
        if (!at[fi]) {
            if (f->required) return FP_EPROTO;
            continue;
        }
        if (f->kind == K_STR || f->kind == K_TEXT) {
            if (at[fi]->kind != V_STR) return FP_EPROTO;
            total += (size_t)at[fi]->n + 1;
        } else if (set_field(f, base, at[fi])) {
            return FP_EPROTO;
        }
    }
    if (!total) return FP_OK;
    if (sc->strings == NO_STRINGS) return FP_EPROTO; /* a string field in a type with no block (see schemas) */
    char *block = malloc(total), *w = block;
    if (!block) return FP_ENOMEM;
    for (size_t fi = 0; fi < sc->n; fi++) {
        const field *f = &sc->fields[fi];
        if (!at[fi] || (f->kind != K_STR && f->kind != K_TEXT)) continue;
        memcpy(w, at[fi]->s, at[fi]->n);
        w[at[fi]->n] = '\0';
        *(char **)(base + f->off) = w;
        if (f->kind == K_TEXT) *(size_t *)(base + f->size) = at[fi]->n;
        w += at[fi]->n + 1;
    }
    *(void **)(base + sc->strings) = block;
    return FP_OK;
}

#define FAST_NO 2 /* fast() leaves the record to the general decoder */

/* The record as this file's packer writes it, decoded in one pass: "v" and
 * "t" first, then every key a short string (fixstr of at most 7 bytes).
 * Each value is kept only where a field takes it, not every key and value
 * first (in the shard, ~4% of what decoding a figure costs). Anything
 * else (another order, a key of another form, a second "v" or "t", bytes
 * malformed or cut short) returns FAST_NO before *off or *out is touched,
 * and the general decoder reads it from the start, so both give the same
 * answer for every input. n is the map's count, pos the first key's place. */
static int fast(const unsigned char *p, size_t len, size_t pos, uint64_t n, size_t *off, fp_record *out)
{
    /* "v": FP_RECORD_VERSION (a positive fixint), "t": a fixstr */
    if (n < 2 || len - pos < 5 || p[pos] != 0xa1 || p[pos + 1] != 'v' || p[pos + 2] != FP_RECORD_VERSION ||
        p[pos + 3] != 0xa1 || p[pos + 4] != 't')
        return FAST_NO;
    pos += 5;
    if (pos >= len || (p[pos] & 0xe0) != 0xa0) return FAST_NO;
    size_t tn = p[pos] & 0x1f, t;
    if (tn > len - pos - 1) return FAST_NO;
    for (t = 1; t < NSCHEMA; t++)
        if (strlen(schemas[t].name) == tn && !memcmp(schemas[t].name, p + pos + 1, tn)) break;
    if (t == NSCHEMA) return FAST_NO;
    pos += 1 + tn;
    const schema *sc = &schemas[t];
    mval val[MAX_FIELDS];
    const mval *at[MAX_FIELDS] = {0};
    size_t next = 0;
    for (uint64_t i = 2; i < n; i++) {
        if (pos >= len) return FAST_NO;
        unsigned c = p[pos];
        uint32_t kn = c & 0x1f;
        if ((c & 0xe0) != 0xa0 || kn > 7 || kn >= len - pos - 1) return FAST_NO; /* a value must follow */
        const unsigned char *k = p + ++pos;
        pos += kn;
        if (kn == 1 && (k[0] == 'v' || k[0] == 't')) return FAST_NO;
        uint64_t kc = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        if (len - (size_t)(k - p) >= sizeof kc) {
            memcpy(&kc, k, sizeof kc);
            kc &= kn ? ~0ULL >> (64 - 8 * kn) : 0;
        } else
#endif
            for (uint32_t j = 0; j < kn; j++) kc |= (uint64_t)k[j] << (8 * j);
        size_t fi = next;
        if (fi >= sc->n || !key_is(&sc->fields[fi], kc, kn)) {
            for (fi = 0; fi < sc->n; fi++)
                if (key_is(&sc->fields[fi], kc, kn)) break;
        }
        mval v, *dst = fi < sc->n ? &val[fi] : &v;
        unsigned vc = p[pos]; /* there: checked with the key */
        if (vc <= 0x7f) { /* the common forms in place: a small count, a short string */
            dst->kind = V_UINT, dst->u = vc, pos++;
        } else if ((vc & 0xe0) == 0xa0) {
            size_t sn = vc & 0x1f;
            if (sn > len - pos - 1) return FAST_NO;
            dst->kind = V_STR, dst->s = (const char *)p + pos + 1, dst->n = (uint32_t)sn;
            pos += 1 + sn;
        } else if (!read_val(p, len, &pos, dst, 1)) {
            return FAST_NO;
        }
        if (fi == sc->n) continue;
        at[fi] = &val[fi];
        next = fi + 1;
    }
    *off = pos; /* a whole record: the next one starts here, whether this one decodes or not */
    memset(out, 0, sizeof *out);
    out->type = (enum fp_rec_type)t;
    return fill(sc, at, out);
}

int fp_record_next(const char *buf, size_t len, size_t *off, fp_record *out)
{
    if (*off >= len) return 1;
    const unsigned char *p = (const unsigned char *)buf;
    size_t pos = *off;
    uint64_t n;
    unsigned c = p[pos++];
    if ((c & 0xf0) == 0x80) n = c & 0x0f;
    else if (c == 0xde || c == 0xdf) {
        if (!be(p, len, &pos, c == 0xde ? 2 : 4, &n)) return FP_EPROTO;
    } else {
        /* not a map: skipped when well-formed (the caller may go on to the next record), refused all the same */
        pos = *off;
        if (!sane(p, len, &pos, 0)) return FP_EPROTO;
        *off = pos;
        return FP_EPROTO;
    }
    /* every key and value takes a byte at least: a count past that is a lie, never an allocation */
    if (n > (len - pos) / 2) return FP_EPROTO;
    int frc = fast(p, len, pos, n, off, out);
    if (frc != FAST_NO) return frc;
    entry stack[ENTRIES_ON_STACK], *e = stack;
    if (n > ENTRIES_ON_STACK && !(e = malloc((size_t)n * sizeof *e))) return FP_ENOMEM;
    int rc = FP_OK;
    for (uint64_t i = 0; i < n && !rc; i++)
        if (!read_val(p, len, &pos, &e[i].k, 1) || !read_val(p, len, &pos, &e[i].v, 1)) rc = FP_EPROTO;
    if (!rc) {
        *off = pos; /* a whole record: the next one starts here, whether this one decodes or not */
        rc = decode(e, (uint32_t)n, buf + len, out);
    }
    if (e != stack) free(e);
    return rc;
}

void fp_record_free(fp_record *r)
{
    if (r->type > 0 && (size_t)r->type < NSCHEMA) free_fields(&schemas[r->type], &r->u);
}

void fp_figure_free(fp_figure *f) { free_fields(&schemas[FP_REC_FIGURE], f); }

int fp_figure_copy(fp_figure *dst, const fp_figure *src)
{
    *dst = *src;
    dst->strings = NULL;
    dst->read_text = NULL; /* valid during the extraction callback only: a copy outlives it */
    char **dp[] = {&dst->text, &dst->region_path, &dst->label, &dst->sentence, &dst->source};
    size_t len[sizeof dp / sizeof dp[0]], total = 0;
    for (size_t i = 0; i < sizeof dp / sizeof dp[0]; i++) {
        len[i] = *dp[i] ? strlen(*dp[i]) : 0;
        if (*dp[i]) total += len[i] + 1;
    }
    if (!total) return FP_OK;
    char *block = malloc(total), *w = block;
    if (!block) {
        for (size_t i = 0; i < sizeof dp / sizeof dp[0]; i++) *dp[i] = NULL;
        return FP_ENOMEM;
    }
    for (size_t i = 0; i < sizeof dp / sizeof dp[0]; i++) {
        if (!*dp[i]) continue;
        memcpy(w, *dp[i], len[i] + 1);
        *dp[i] = w;
        w += len[i] + 1;
    }
    dst->strings = block;
    return FP_OK;
}
