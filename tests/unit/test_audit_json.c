/* test_audit_json.c -- the proofs of `relais audit` as JSON (agents/audit/audit_json.c): the exact text printed,
 * round trips, the hex of earlier inclusion proofs, and each refusal of the readers with its sentence. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "audit_json_internal.h"
#include "relais_proto.h"

/* 00 01 .. 1f, 20 21 .. 3f, ff .. ff in base64. */
#define S_B64_A "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
#define S_B64_B "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8="
#define S_B64_F "//////////////////////////////////////////8="
#define S_HEX_A "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

static const char s_note[] = "relais/relais-hub\n3\n" S_B64_A "\n\n\xe2\x80\x94 relais-hub AAAA\n";

static void s_fill(uint8_t *h, uint8_t first)
{
    for (int i = 0; i < RELAIS_HASH_SIZE; i++)
        h[i] = (uint8_t)(first + i);
}

static void s_expect_detail(int rc, int want, const char *fragment)
{
    if (rc != want || !strstr(relais_status_detail(), fragment))
        fail_msg("got %s \"%s\", wanted %s with \"%s\"", relais_status_name(rc), relais_status_detail(),
                 relais_status_name(want), fragment);
}

/* Compact text of a value it steals, for comparison; caller frees. */
static char *s_text(json_t *v)
{
    assert_non_null(v);
    char *text = json_dumps(v, JSON_COMPACT);
    json_decref(v);
    assert_non_null(text);
    return text;
}

static relais_audit_consistency_t *s_consistency_sample(void)
{
    relais_audit_consistency_t *c = calloc(1, sizeof *c);
    assert_non_null(c);
    c->old_size = 3;
    c->new_size = 7;
    s_fill(c->old_root, 0);
    s_fill(c->new_root, 32);
    memset(c->path[0], 0xff, RELAIS_HASH_SIZE);
    s_fill(c->path[1], 0);
    c->path_len = 2;
    memcpy(c->old_note, s_note, sizeof s_note);
    return c;
}

/* ---- Printing -------------------------------------------------------------------------------- */

static void test_consistency_text(void **state)
{
    (void)state;
    relais_audit_consistency_t *c = s_consistency_sample();
    char *text = s_text(relais_audit_consistency_json(c));
    assert_string_equal(text, "{\"old_size\":3,\"new_size\":7,\"old_root\":\"" S_B64_A "\",\"new_root\":\"" S_B64_B
                              "\",\"path\":[\"" S_B64_F "\",\"" S_B64_A "\"],"
                              "\"old_checkpoint\":\"relais/relais-hub\\n3\\n" S_B64_A
                              "\\n\\n\xe2\x80\x94 relais-hub AAAA\\n\",\"new_checkpoint\":null}");
    free(text);
    free(c);
}

static void test_proof_text(void **state)
{
    (void)state;
    relais_audit_proof_t p = {.seq = 2, .tree_size = 5, .path_len = 1};
    s_fill(p.leaf, 0);
    s_fill(p.root, 32);
    memset(p.path[0], 0xff, RELAIS_HASH_SIZE);
    char *text = s_text(relais_audit_proof_json(&p));
    assert_string_equal(text, "{\"seq\":2,\"tree_size\":5,\"leaf_hash\":\"" S_B64_A "\",\"path\":[\"" S_B64_F
                              "\"],\"root\":\"" S_B64_B "\"}");
    free(text);
}

/* ---- Round trips ------------------------------------------------------------------------------ */

static void test_consistency_round_trip(void **state)
{
    (void)state;
    relais_audit_consistency_t *c = s_consistency_sample();
    relais_audit_consistency_t *back = calloc(1, sizeof *back);
    assert_non_null(back);
    /* every path length, the longest included, and both notes or none */
    for (size_t len = 0; len <= RELAIS_MERKLE_MAX_PATH; len++) {
        memset(c->path, 0, sizeof c->path);
        for (size_t i = 0; i < len; i++)
            memset(c->path[i], (int)(i * 7 + 1), RELAIS_HASH_SIZE);
        c->path_len = len;
        if (len % 2)
            memcpy(c->new_note, s_note, sizeof s_note);
        else
            memset(c->new_note, 0, sizeof c->new_note);
        char *text = s_text(relais_audit_consistency_json(c));
        assert_int_equal(relais_audit_consistency_parse(text, strlen(text), back), 0);
        free(text);
        assert_memory_equal(back, c, sizeof *c);
    }
    free(back);
    free(c);
}

static void test_proof_round_trip_and_hex(void **state)
{
    (void)state;
    relais_audit_proof_t p = {.seq = 9, .tree_size = 9, .path_len = 2}, back;
    s_fill(p.leaf, 0);
    s_fill(p.root, 32);
    s_fill(p.path[0], 100);
    s_fill(p.path[1], 200);
    char *text = s_text(relais_audit_proof_json(&p));
    assert_int_equal(relais_audit_proof_parse(text, strlen(text), &back), 0);
    free(text);
    assert_memory_equal(&back, &p, sizeof p);

    /* earlier versions wrote hex: read as the same proof, in either case, mixed with base64 */
    const char *hex = "{\"seq\":9,\"tree_size\":9,\"leaf_hash\":\"" S_HEX_A "\",\"path\":[],\"root\":"
                      "\"202122232425262728292A2B2C2D2E2F303132333435363738393A3B3C3D3E3F\"}";
    assert_int_equal(relais_audit_proof_parse(hex, strlen(hex), &back), 0);
    assert_memory_equal(back.leaf, p.leaf, RELAIS_HASH_SIZE);
    assert_memory_equal(back.root, p.root, RELAIS_HASH_SIZE);
    assert_int_equal(back.path_len, 0);
    /* a consistency proof is base64 only: it never was anything else */
    const char *chex = "{\"old_size\":1,\"new_size\":1,\"old_root\":\"" S_HEX_A "\",\"new_root\":\"" S_B64_A
                       "\",\"path\":[]}";
    relais_audit_consistency_t *c = calloc(1, sizeof *c);
    assert_non_null(c);
    s_expect_detail(relais_audit_consistency_parse(chex, strlen(chex), c), RELAIS_E_MALFORMED,
                    "\"old_root\" must be 32 bytes in standard base64");
    free(c);
}

/* ---- Refusals ----------------------------------------------------------------------------------- */

/* A consistency proof with one member replaced (or removed, `value` NULL), refused with `fragment`. */
static void s_refuse_member(const char *member, const char *value, const char *fragment)
{
    relais_audit_consistency_t *c = s_consistency_sample();
    json_t *doc = relais_audit_consistency_json(c);
    assert_non_null(doc);
    if (value) {
        json_error_t err;
        json_t *v = json_loads(value, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
        if (!v)
            fail_msg("bad test value %s: %s", value, err.text);
        assert_int_equal(json_object_set_new(doc, member, v), 0);
    } else {
        assert_int_equal(json_object_del(doc, member), 0);
    }
    char *text = s_text(doc);
    int rc = relais_audit_consistency_parse(text, strlen(text), c);
    if (rc != RELAIS_E_MALFORMED || !strstr(relais_status_detail(), fragment))
        fail_msg("%s = %s: got %s \"%s\", wanted \"%s\"", member, value ? value : "(none)", relais_status_name(rc),
                 relais_status_detail(), fragment);
    free(text);
    free(c);
}

static void test_consistency_refusals(void **state)
{
    (void)state;
    s_refuse_member("old_size", NULL, "\"old_size\" must be an integer from 1");
    s_refuse_member("old_size", "0", "\"old_size\" must be an integer from 1");
    s_refuse_member("old_size", "-3", "\"old_size\" must be an integer from 1");
    s_refuse_member("old_size", "\"3\"", "\"old_size\" must be an integer from 1");
    s_refuse_member("old_size", "3.0", "\"old_size\" must be an integer from 1");
    s_refuse_member("new_size", "null", "\"new_size\" must be an integer from 1");
    s_refuse_member("old_size", "8", "\"old_size\" (8) is above \"new_size\" (7)");
    s_refuse_member("old_root", NULL, "\"old_root\" must be 32 bytes in standard base64");
    s_refuse_member("new_root", "\"" S_HEX_A "\"", "\"new_root\" must be 32 bytes in standard base64");
    /* one character short, no padding, padding inside, whitespace, the URL-safe alphabet */
    s_refuse_member("old_root", "\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\"", "\"old_root\"");
    s_refuse_member("old_root", "\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8A\"", "\"old_root\"");
    s_refuse_member("old_root", "\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd=h8=\"", "\"old_root\"");
    s_refuse_member("old_root", "\" AECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\"", "\"old_root\"");
    s_refuse_member("old_root", "\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\\n\"", "\"old_root\"");
    s_refuse_member("old_root", "\"__________________________________________8=\"", "\"old_root\"");
    /* the last character's unused bits set: decodes, but is not what encoding gives back */
    s_refuse_member("old_root", "\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9=\"", "\"old_root\"");
    /* a NUL: jansson refuses it in any string (the readers never pass JSON_ALLOW_NUL) */
    s_refuse_member("old_root", "\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\\u0000\"", "not valid JSON");
    /* 33 bytes */
    s_refuse_member("old_root", "\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g\"", "\"old_root\"");
    s_refuse_member("path", NULL, "\"path\" must be an array of at most 64 hashes");
    s_refuse_member("path", "{}", "\"path\" must be an array");
    s_refuse_member("path", "[\"" S_B64_A "\", 7]", "\"path\"[1] must be 32 bytes in standard base64");
    s_refuse_member("old_checkpoint", "3", "\"old_checkpoint\" must be null or a checkpoint note's text");
    s_refuse_member("new_checkpoint", "\"\"", "\"new_checkpoint\" must be null");
    s_refuse_member("new_checkpoint", "\"relais\\u0000hub\"", "not valid JSON");

    /* 65 hashes */
    char *long_path = malloc(70 * 50);
    assert_non_null(long_path);
    strcpy(long_path, "[");
    for (int i = 0; i <= RELAIS_MERKLE_MAX_PATH; i++)
        strcat(strcat(long_path, i ? ",\"" : "\""), S_B64_A "\"");
    strcat(long_path, "]");
    s_refuse_member("path", long_path, "\"path\" must be an array of at most 64 hashes");
    free(long_path);
    /* a note as long as the buffer */
    char *long_note = malloc(RELAIS_CHECKPOINT_MAX + 3);
    assert_non_null(long_note);
    memset(long_note, 'n', RELAIS_CHECKPOINT_MAX + 2);
    long_note[0] = long_note[RELAIS_CHECKPOINT_MAX + 1] = '"';
    long_note[RELAIS_CHECKPOINT_MAX + 2] = '\0';
    s_refuse_member("old_checkpoint", long_note, "\"old_checkpoint\" must be null");
    free(long_note);
}

static void test_documents_refused(void **state)
{
    (void)state;
    relais_audit_consistency_t *c = calloc(1, sizeof *c);
    relais_audit_proof_t p;
    assert_non_null(c);
    static const struct {
        const char *text;
        const char *fragment;
    } bad[] = {
        {"", "not valid JSON (line 1, column 0)"},
        {"{\"old_size\":3,", "not valid JSON (line 1"},
        {"\n\n  [1, 2]", "not a JSON object"},
        {"\"proof\"", "not valid JSON"},
        {"{\"old_size\":3,\"old_size\":3}", "not valid JSON"}, /* a member twice */
        {"{} {}", "not valid JSON"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s_expect_detail(relais_audit_consistency_parse(bad[i].text, strlen(bad[i].text), c), RELAIS_E_MALFORMED,
                        bad[i].fragment);
        s_expect_detail(relais_audit_proof_parse(bad[i].text, strlen(bad[i].text), &p), RELAIS_E_MALFORMED,
                        bad[i].fragment);
    }
    /* members it does not know are left alone: a later version may add some */
    const char *more = "{\"old_size\":2,\"new_size\":2,\"old_root\":\"" S_B64_A "\",\"new_root\":\"" S_B64_A
                       "\",\"path\":[],\"cosignatures\":[1,2]}";
    assert_int_equal(relais_audit_consistency_parse(more, strlen(more), c), 0);
    assert_int_equal(c->old_note[0], 0);
    assert_int_equal(c->new_note[0], 0);
    free(c);

    static const struct {
        const char *text;
        const char *fragment;
    } bad_proof[] = {
        {"{\"tree_size\":3,\"leaf_hash\":\"" S_B64_A "\",\"root\":\"" S_B64_A "\",\"path\":[]}", "\"seq\""},
        {"{\"seq\":1,\"tree_size\":0,\"leaf_hash\":\"" S_B64_A "\",\"root\":\"" S_B64_A "\",\"path\":[]}",
         "\"tree_size\""},
        {"{\"seq\":1,\"tree_size\":3,\"leaf_hash\":\"" S_B64_A "x\",\"root\":\"" S_B64_A "\",\"path\":[]}",
         "\"leaf_hash\" must be 32 bytes in standard base64 (44 characters with the padding), or 64 hex digits"},
        {"{\"seq\":1,\"tree_size\":3,\"leaf_hash\":\"" S_B64_A "\",\"root\":\"" S_HEX_A "0\",\"path\":[]}",
         "\"root\""},
        {"{\"seq\":1,\"tree_size\":3,\"leaf_hash\":\"" S_B64_A "\",\"root\":\"" S_B64_A "\",\"path\":[\"zz\"]}",
         "\"path\"[0]"},
    };
    for (size_t i = 0; i < sizeof bad_proof / sizeof bad_proof[0]; i++)
        s_expect_detail(relais_audit_proof_parse(bad_proof[i].text, strlen(bad_proof[i].text), &p), RELAIS_E_MALFORMED,
                        bad_proof[i].fragment);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_consistency_text),
        cmocka_unit_test(test_proof_text),
        cmocka_unit_test(test_consistency_round_trip),
        cmocka_unit_test(test_proof_round_trip_and_hex),
        cmocka_unit_test(test_consistency_refusals),
        cmocka_unit_test(test_documents_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
