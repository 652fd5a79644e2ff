/* Records are described by field tables, so one packer and one decoder
 * serve every type and a new field is one line. */
#include "fp_record.h"
#include "fp_err.h"

#include <stdlib.h>
#include <string.h>

enum kind { K_ID, K_FIX, K_STR, K_TEXT, K_INT, K_U32, K_U64, K_U16, K_U8, K_DEC };

typedef struct {
    const char *key;
    enum kind kind;
    size_t off;
    size_t size; /* K_FIX: capacity; K_TEXT: offset of the size_t length */
    int required;
} field;

#define F(type, k, kind, member, req) {k, kind, offsetof(type, member), sizeof(((type *)0)->member), req}
#define FT(type, k, member, lenmember, req) {k, K_TEXT, offsetof(type, member), offsetof(type, lenmember), req}

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
} schema;

#define S(name, arr) {name, arr, sizeof arr / sizeof arr[0]}
static const schema schemas[] = {
    {NULL, NULL, 0},
    S("report", report_fields), S("figure", figure_fields), S("end", end_fields),
    S("ack", ack_fields), S("total", total_fields), S("anomaly", anomaly_fields),
};
#define NSCHEMA (sizeof schemas / sizeof schemas[0])

static int pack_str(msgpack_packer *pk, const char *s, size_t n)
{
    if (msgpack_pack_str(pk, n)) return FP_ENOMEM;
    return msgpack_pack_str_body(pk, s, n) ? FP_ENOMEM : FP_OK;
}

static int pack_cstr(msgpack_packer *pk, const char *s)
{
    return pack_str(pk, s ? s : "", s ? strlen(s) : 0);
}

static int pack(msgpack_packer *pk, enum fp_rec_type t, const void *rec)
{
    const schema *sc = &schemas[t];
    const char *base = rec;
    int rc = msgpack_pack_map(pk, sc->n + 2) ? FP_ENOMEM : FP_OK;
    if (!rc) rc = pack_cstr(pk, "v");
    if (!rc) rc = msgpack_pack_uint32(pk, FP_RECORD_VERSION) ? FP_ENOMEM : FP_OK;
    if (!rc) rc = pack_cstr(pk, "t");
    if (!rc) rc = pack_cstr(pk, sc->name);
    for (size_t i = 0; i < sc->n && !rc; i++) {
        const field *f = &sc->fields[i];
        const void *p = base + f->off;
        rc = pack_cstr(pk, f->key);
        if (rc) break;
        switch (f->kind) {
        case K_ID:
        case K_FIX: rc = pack_cstr(pk, (const char *)p); break;
        case K_STR: rc = pack_cstr(pk, *(char *const *)p); break;
        case K_TEXT: {
            const char *s = *(char *const *)p;
            rc = pack_str(pk, s ? s : "", s ? *(const size_t *)(base + f->size) : 0);
            break;
        }
        case K_INT: rc = msgpack_pack_int64(pk, *(const int *)p) ? FP_ENOMEM : FP_OK; break;
        case K_U32: rc = msgpack_pack_uint32(pk, *(const uint32_t *)p) ? FP_ENOMEM : FP_OK; break;
        case K_U64: rc = msgpack_pack_uint64(pk, *(const uint64_t *)p) ? FP_ENOMEM : FP_OK; break;
        case K_U16: rc = msgpack_pack_uint16(pk, *(const uint16_t *)p) ? FP_ENOMEM : FP_OK; break;
        case K_U8: rc = msgpack_pack_uint8(pk, *(const uint8_t *)p) ? FP_ENOMEM : FP_OK; break;
        case K_DEC: {
            char buf[32];
            int n = fp_dec_format(*(const fp_dec *)p, buf, sizeof buf);
            rc = pack_str(pk, buf, (size_t)n);
            break;
        }
        }
    }
    return rc;
}

int fp_pack_report(msgpack_packer *pk, const fp_report *r) { return pack(pk, FP_REC_REPORT, r); }
int fp_pack_figure(msgpack_packer *pk, const fp_figure *f) { return pack(pk, FP_REC_FIGURE, f); }
int fp_pack_end(msgpack_packer *pk, const fp_end *e) { return pack(pk, FP_REC_END, e); }
int fp_pack_ack(msgpack_packer *pk, const fp_ack *a) { return pack(pk, FP_REC_ACK, a); }
int fp_pack_total(msgpack_packer *pk, const fp_total *t) { return pack(pk, FP_REC_TOTAL, t); }
int fp_pack_anomaly(msgpack_packer *pk, const fp_anomaly *a) { return pack(pk, FP_REC_ANOMALY, a); }

static int key_is(const msgpack_object *k, const char *s)
{
    size_t n = strlen(s);
    return k->type == MSGPACK_OBJECT_STR && k->via.str.size == n && memcmp(k->via.str.ptr, s, n) == 0;
}

static int get_int(const msgpack_object *o, int64_t lo, int64_t hi, int64_t *out)
{
    if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
        if (o->via.u64 > (uint64_t)hi) return FP_EPROTO;
        *out = (int64_t)o->via.u64;
    } else if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
        if (o->via.i64 < lo) return FP_EPROTO;
        *out = o->via.i64;
    } else {
        return FP_EPROTO;
    }
    return FP_OK;
}

static void free_fields(const schema *sc, void *rec)
{
    for (size_t i = 0; i < sc->n; i++) {
        const field *f = &sc->fields[i];
        if (f->kind == K_STR || f->kind == K_TEXT) {
            char **p = (char **)((char *)rec + f->off);
            free(*p);
            *p = NULL;
        }
    }
}

static int is_hex_id(const char *s, size_t n)
{
    if (n != FP_ID_HEX) return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return 0;
    return 1;
}

static int set_field(const field *f, char *base, const msgpack_object *v)
{
    void *p = base + f->off;
    int64_t i;
    switch (f->kind) {
    case K_ID:
    case K_FIX:
        if (v->type != MSGPACK_OBJECT_STR || v->via.str.size >= f->size) return FP_EPROTO;
        if (f->kind == K_ID && !is_hex_id(v->via.str.ptr, v->via.str.size)) return FP_EPROTO;
        if (memchr(v->via.str.ptr, '\0', v->via.str.size)) return FP_EPROTO;
        memcpy(p, v->via.str.ptr, v->via.str.size);
        ((char *)p)[v->via.str.size] = '\0';
        return FP_OK;
    case K_STR:
    case K_TEXT: {
        if (v->type != MSGPACK_OBJECT_STR) return FP_EPROTO;
        char *s = malloc(v->via.str.size + 1);
        if (!s) return FP_ENOMEM;
        memcpy(s, v->via.str.ptr, v->via.str.size);
        s[v->via.str.size] = '\0';
        free(*(char **)p);
        *(char **)p = s;
        if (f->kind == K_TEXT) *(size_t *)(base + f->size) = v->via.str.size;
        return FP_OK;
    }
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
        if (v->type != MSGPACK_OBJECT_STR) return FP_EPROTO;
        return fp_dec_parse(v->via.str.ptr, v->via.str.size, p) ? FP_EPROTO : FP_OK;
    }
    return FP_EPROTO;
}

static int decode(const msgpack_object *o, fp_record *out)
{
    if (o->type != MSGPACK_OBJECT_MAP) return FP_EPROTO;
    const msgpack_object_kv *kv = o->via.map.ptr;
    uint32_t n = o->via.map.size;
    const msgpack_object *ver = NULL, *typ = NULL;
    for (uint32_t i = 0; i < n; i++) {
        if (key_is(&kv[i].key, "v")) ver = &kv[i].val;
        else if (key_is(&kv[i].key, "t")) typ = &kv[i].val;
    }
    if (!ver || !typ || typ->type != MSGPACK_OBJECT_STR) return FP_EPROTO;
    if (ver->type != MSGPACK_OBJECT_POSITIVE_INTEGER) return FP_EPROTO;
    if (ver->via.u64 != FP_RECORD_VERSION) return FP_EVERSION;
    size_t t;
    for (t = 1; t < NSCHEMA; t++)
        if (key_is(typ, schemas[t].name)) break;
    if (t == NSCHEMA) return FP_EPROTO;
    const schema *sc = &schemas[t];
    memset(out, 0, sizeof *out);
    out->type = (enum fp_rec_type)t;
    char *base = (char *)&out->u;
    int rc = FP_OK;
    for (size_t fi = 0; fi < sc->n && !rc; fi++) {
        const field *f = &sc->fields[fi];
        const msgpack_object *v = NULL;
        for (uint32_t i = 0; i < n; i++)
            if (key_is(&kv[i].key, f->key)) v = &kv[i].val;
        if (!v) {
            if (f->required) rc = FP_EPROTO;
            continue;
        }
        rc = set_field(f, base, v);
    }
    if (rc) free_fields(sc, base);
    return rc;
}

/* msgpack-c allocates a container's declared size before reading it, so a
 * hostile "array of 2^32 items" in 5 bytes would cost gigabytes. Walk the
 * headers first: every container must fit the bytes left, nesting stays shallow. */
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

int fp_record_next(const char *buf, size_t len, size_t *off, fp_record *out)
{
    if (*off >= len) return 1;
    size_t probe = *off;
    if (!sane((const unsigned char *)buf, len, &probe, 0)) return FP_EPROTO;
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    size_t pos = *off;
    msgpack_unpack_return ur = msgpack_unpack_next(&u, buf, len, &pos);
    int rc;
    if (ur == MSGPACK_UNPACK_SUCCESS) {
        rc = decode(&u.data, out);
        *off = pos;
    } else if (ur == MSGPACK_UNPACK_NOMEM_ERROR) {
        rc = FP_ENOMEM;
    } else {
        rc = FP_EPROTO; /* truncated or not msgpack */
    }
    msgpack_unpacked_destroy(&u);
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
    char **dp[] = {&dst->text, &dst->region_path, &dst->label, &dst->sentence, &dst->source};
    for (size_t i = 0; i < sizeof dp / sizeof dp[0]; i++) {
        if (!*dp[i]) continue;
        *dp[i] = strdup(*dp[i]);
        if (!*dp[i]) {
            for (size_t j = i + 1; j < sizeof dp / sizeof dp[0]; j++) *dp[j] = NULL;
            fp_figure_free(dst);
            return FP_ENOMEM;
        }
    }
    return FP_OK;
}
