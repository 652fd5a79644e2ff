/* The one JSON escaper (fp_buf_json_str, through fp_json_key/fp_json_kv):
 * every string it writes, keys included, reads back the same with jansson,
 * and control characters never appear raw. */
#include "check.h"
#include "fp_json.h"

#include <jansson.h>
#include <string.h>

int main(void)
{
    const char *cases[] = {"", "plain", "quote \" inside", "back\\slash", "new\nline\ttab\rcr", "\x01\x02\x1f\x7f",
                           "锡林郭勒盟 9.4亿元", "</script><b>", "\\\"\\\"", "end\\"};
    size_t n = sizeof cases / sizeof cases[0];
    for (size_t i = 0; i < n; i++) {
        fp_buf b = {0};
        CHECK(fp_buf_puts(&b, "{") == 0);
        CHECK(fp_json_kv(&b, cases[i], cases[(i + 1) % n], 1) == 0);
        CHECK(fp_json_key(&b, "k", 0) == 0);
        CHECK(fp_buf_json_str(&b, cases[i], strlen(cases[i])) == 0);
        CHECK(fp_buf_puts(&b, "}") == 0);
        for (const char *p = b.p; *p; p++) CHECK((unsigned char)*p >= 0x20);
        json_error_t err;
        json_t *o = json_loads(b.p, 0, &err);
        CHECK(o != NULL);
        if (!o) {
            fprintf(stderr, "case %zu: %s: %s\n", i, err.text, b.p);
        } else {
            CHECK(json_object_size(o) == (strcmp(cases[i], "k") ? 2u : 1u));
            const char *v = json_string_value(json_object_get(o, cases[i]));
            CHECK(v && !strcmp(v, cases[(i + 1) % n]));
            v = json_string_value(json_object_get(o, "k"));
            CHECK(v && !strcmp(v, cases[i]));
            json_decref(o);
        }
        fp_buf_free(&b);
    }
    /* NULL is the empty string */
    fp_buf b = {0};
    CHECK(fp_json_kv(&b, "x", NULL, 1) == 0 && !strcmp(b.p, "\"x\":\"\""));
    fp_buf_free(&b);
    return CHECK_DONE();
}
