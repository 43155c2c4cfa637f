/* test_cosig.c -- cosignature/v1 lines and tlog-witness bodies (store/relais_cosig.h), the bytes
 * rebuilt here from the C2SP texts with OpenSSL alone, then each way of getting them wrong. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/evp.h>

#include "relais_cosig.h"
#include "relais_merkle.h"
#include "relais_proto.h"

#define S_EM "\xE2\x80\x94 "
#define S_TIME UINT64_C(1679315147)

/* RFC 8032's first test key, for the witness; another for the log. Test keys, public here. */
static const uint8_t s_witness_seed[32] = {0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60, 0xba, 0x84, 0x4a,
                                           0xf4, 0x92, 0xec, 0x2c, 0xc4, 0x44, 0x49, 0xc5, 0x69, 0x7b, 0x32,
                                           0x69, 0x19, 0x70, 0x3b, 0xac, 0x03, 0x1c, 0xae, 0x7f, 0x60};
static const uint8_t s_log_seed[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                       17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

static void s_public(const uint8_t seed[32], uint8_t pub[32])
{
    EVP_PKEY *k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
    size_t len = 32;
    assert_non_null(k);
    assert_int_equal(EVP_PKEY_get_raw_public_key(k, pub, &len), 1);
    EVP_PKEY_free(k);
}

static void s_sign(const uint8_t seed[32], const uint8_t *msg, size_t len, uint8_t sig[64])
{
    EVP_PKEY *k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    size_t sig_len = 64;
    assert_int_equal(EVP_DigestSignInit(md, NULL, NULL, NULL, k), 1);
    assert_int_equal(EVP_DigestSign(md, sig, &sig_len, msg, len), 1);
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(k);
}

/* A checkpoint of the log "relais.example/log", signed by its key as the hub would. */
static void s_note(uint64_t size, uint8_t root_byte, char note[RELAIS_CHECKPOINT_MAX])
{
    relais_checkpoint_t cp = {.origin = "relais.example/log", .size = size};
    memset(cp.root, root_byte, sizeof cp.root);
    assert_int_equal(relais_checkpoint_sign(&cp, "relais-hub", s_log_seed, note, RELAIS_CHECKPOINT_MAX), 0);
}

/* The line tlog-cosignature describes, built from its text alone. */
static void s_expected_line(const char *note, const char *name, uint64_t t, char *out, size_t cap)
{
    uint8_t pub[32], h[32], blob[76];
    unsigned h_len = 0;
    s_public(s_witness_seed, pub);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    const uint8_t sep[2] = {'\n', 0x04};
    assert_int_equal(EVP_DigestInit_ex(md, EVP_sha256(), NULL), 1);
    EVP_DigestUpdate(md, name, strlen(name));
    EVP_DigestUpdate(md, sep, 2);
    EVP_DigestUpdate(md, pub, 32);
    assert_int_equal(EVP_DigestFinal_ex(md, h, &h_len), 1);
    EVP_MD_CTX_free(md);
    memcpy(blob, h, 4);
    for (int i = 0; i < 8; i++)
        blob[4 + i] = (uint8_t)(t >> (56 - 8 * i));
    char msg[2048];
    const char *blank = strstr(note, "\n\n");
    assert_non_null(blank);
    int n = snprintf(msg, sizeof msg, "cosignature/v1\ntime %llu\n%.*s", (unsigned long long)t,
                     (int)(blank + 1 - note), note);
    s_sign(s_witness_seed, (const uint8_t *)msg, (size_t)n, blob + 12);
    char b64[105];
    EVP_EncodeBlock((unsigned char *)b64, blob, sizeof blob);
    snprintf(out, cap, S_EM "%s %s\n", name, b64);
}

static void test_cosig_bytes_as_the_specification_says(void **state)
{
    (void)state;
    char note[RELAIS_CHECKPOINT_MAX], line[RELAIS_COSIG_LINE_MAX], want[RELAIS_COSIG_LINE_MAX];
    s_note(20852163, 0x11, note);
    assert_int_equal(relais_cosig_sign(note, "witness.example/w1", s_witness_seed, S_TIME, line, sizeof line), 0);
    s_expected_line(note, "witness.example/w1", S_TIME, want, sizeof want);
    assert_string_equal(line, want);
    /* 76 bytes: 104 characters of base64 after the name */
    assert_int_equal(strlen(line), strlen(S_EM "witness.example/w1 ") + 104 + 1);
    /* the time 1679315147 = 0x641850CB, big-endian after the key id, as in tlog-cosignature's example */
    assert_memory_equal(line + strlen(S_EM "witness.example/w1 ") + 8, "AABkGFDL", 8);
}

static void test_cosig_verify(void **state)
{
    (void)state;
    char note[RELAIS_CHECKPOINT_MAX], line[RELAIS_COSIG_LINE_MAX], full[RELAIS_NOTE_MAX];
    uint8_t wpub[32], lpub[32];
    uint64_t t = 0;
    s_public(s_witness_seed, wpub);
    s_public(s_log_seed, lpub);
    s_note(7, 0x22, note);
    assert_int_equal(relais_cosig_sign(note, "w1", s_witness_seed, S_TIME, line, sizeof line), 0);
    snprintf(full, sizeof full, "%s%s", note, line);
    assert_int_equal(relais_cosig_verify(full, "w1", wpub, &t), 0);
    assert_int_equal(t, S_TIME);
    /* the hub's own check reads past the witness's line */
    relais_checkpoint_t cp;
    assert_int_equal(relais_checkpoint_verify(full, "relais-hub", lpub, &cp), 0);
    assert_int_equal(cp.size, 7);
    /* none by that witness: the hub's note alone, or another name, or the same name with another key */
    assert_int_equal(relais_cosig_verify(note, "w1", wpub, &t), RELAIS_E_NOT_FOUND);
    assert_int_equal(relais_cosig_verify(full, "w2", wpub, &t), RELAIS_E_NOT_FOUND);
    assert_int_equal(relais_cosig_verify(full, "w1", lpub, &t), RELAIS_E_NOT_FOUND);
    /* the hub's plain Ed25519 line under the witness's name is another algorithm's key id */
    char plain[RELAIS_CHECKPOINT_MAX];
    relais_checkpoint_t same = {.origin = "relais.example/log", .size = 7};
    memset(same.root, 0x22, sizeof same.root);
    assert_int_equal(relais_checkpoint_sign(&same, "w1", s_witness_seed, plain, sizeof plain), 0);
    assert_int_equal(relais_cosig_verify(plain, "w1", wpub, &t), RELAIS_E_NOT_FOUND);
    /* a cosignature of another tree moved onto this note does not verify: the note is refused */
    char other[RELAIS_CHECKPOINT_MAX], other_line[RELAIS_COSIG_LINE_MAX], moved[RELAIS_NOTE_MAX];
    s_note(7, 0x23, other);
    assert_int_equal(relais_cosig_sign(other, "w1", s_witness_seed, S_TIME, other_line, sizeof other_line), 0);
    snprintf(moved, sizeof moved, "%s%s", note, other_line);
    assert_int_equal(relais_cosig_verify(moved, "w1", wpub, &t), RELAIS_E_BAD_SIGNATURE);
    /* another time than the one signed */
    char shifted[RELAIS_NOTE_MAX];
    snprintf(shifted, sizeof shifted, "%s", full);
    char *b64 = strstr(shifted, S_EM "w1 ") + strlen(S_EM "w1 ");
    b64[10] = b64[10] == 'A' ? 'B' : 'A';
    assert_int_equal(relais_cosig_verify(shifted, "w1", wpub, &t), RELAIS_E_BAD_SIGNATURE);
    /* two cosignatures by the witness: the later time */
    char again[RELAIS_COSIG_LINE_MAX], both[RELAIS_NOTE_MAX];
    assert_int_equal(relais_cosig_sign(note, "w1", s_witness_seed, S_TIME + 60, again, sizeof again), 0);
    snprintf(both, sizeof both, "%s%s%s", note, again, line);
    assert_int_equal(relais_cosig_verify(both, "w1", wpub, &t), 0);
    assert_int_equal(t, S_TIME + 60);
    /* a line that is no signature line */
    char bad[RELAIS_NOTE_MAX];
    snprintf(bad, sizeof bad, "%sw1 %s", note, strchr(line, ' ') + 1);
    assert_int_equal(relais_cosig_verify(bad, "w1", wpub, &t), RELAIS_E_MALFORMED);
    assert_int_equal(relais_cosig_verify("not a note\n", "w1", wpub, &t), RELAIS_E_MALFORMED);
    assert_int_equal(relais_cosig_verify(full, "w 1", wpub, &t), RELAIS_E_INVALID);
}

static void test_cosig_pick(void **state)
{
    (void)state;
    char note[RELAIS_CHECKPOINT_MAX], mine[RELAIS_COSIG_LINE_MAX], theirs[RELAIS_COSIG_LINE_MAX];
    char reply[2 * RELAIS_COSIG_LINE_MAX], got[RELAIS_COSIG_LINE_MAX];
    uint8_t wpub[32];
    uint64_t t = 0;
    s_public(s_witness_seed, wpub);
    s_note(3, 0x33, note);
    assert_int_equal(relais_cosig_sign(note, "w1", s_witness_seed, S_TIME, mine, sizeof mine), 0);
    assert_int_equal(relais_cosig_sign(note, "w2", s_log_seed, S_TIME, theirs, sizeof theirs), 0);
    int n = snprintf(reply, sizeof reply, "%s%s", theirs, mine);
    assert_int_equal(relais_cosig_pick(note, reply, (size_t)n, "w1", wpub, got, sizeof got, &t), 0);
    assert_string_equal(got, mine);
    assert_int_equal(t, S_TIME);
    assert_int_equal(relais_cosig_pick(note, theirs, strlen(theirs), "w1", wpub, got, sizeof got, &t),
                     RELAIS_E_NOT_FOUND);
    assert_int_equal(relais_cosig_pick(note, mine, strlen(mine) - 1, "w1", wpub, got, sizeof got, &t),
                     RELAIS_E_MALFORMED);
    assert_int_equal(relais_cosig_pick(note, "200 OK\n", 7, "w1", wpub, got, sizeof got, &t), RELAIS_E_MALFORMED);
    assert_int_equal(relais_cosig_pick(note, "", 0, "w1", wpub, got, sizeof got, &t), RELAIS_E_MALFORMED);
    char nul[RELAIS_COSIG_LINE_MAX];
    memcpy(nul, mine, strlen(mine) + 1);
    nul[5] = '\0';
    assert_int_equal(relais_cosig_pick(note, nul, strlen(mine), "w1", wpub, got, sizeof got, &t), RELAIS_E_MALFORMED);
    assert_int_equal(relais_cosig_pick(note, mine, strlen(mine), "w1", wpub, got, 20, &t), RELAIS_E_INVALID);
    /* the cosignature of another checkpoint */
    char other[RELAIS_CHECKPOINT_MAX];
    s_note(4, 0x33, other);
    assert_int_equal(relais_cosig_pick(other, mine, strlen(mine), "w1", wpub, got, sizeof got, &t),
                     RELAIS_E_BAD_SIGNATURE);
}

static void test_cosig_sign_refusals(void **state)
{
    (void)state;
    char note[RELAIS_CHECKPOINT_MAX], line[RELAIS_COSIG_LINE_MAX];
    s_note(3, 0x44, note);
    assert_int_equal(relais_cosig_sign(note, "w 1", s_witness_seed, S_TIME, line, sizeof line), RELAIS_E_INVALID);
    assert_int_equal(relais_cosig_sign(note, "w+1", s_witness_seed, S_TIME, line, sizeof line), RELAIS_E_INVALID);
    assert_int_equal(relais_cosig_sign(note, "", s_witness_seed, S_TIME, line, sizeof line), RELAIS_E_INVALID);
    assert_int_equal(relais_cosig_sign(note, "w1", s_witness_seed, UINT64_C(1) << 63, line, sizeof line),
                     RELAIS_E_INVALID);
    assert_int_equal(relais_cosig_sign(note, "w1", s_witness_seed, S_TIME, line, 40), RELAIS_E_INVALID);
    assert_int_equal(relais_cosig_sign("a\n1\n", "w1", s_witness_seed, S_TIME, line, sizeof line), RELAIS_E_MALFORMED);
    assert_int_equal(relais_cosig_sign(NULL, "w1", s_witness_seed, S_TIME, line, sizeof line), RELAIS_E_INVALID);
}

static void test_tlogw_add_round_trip(void **state)
{
    (void)state;
    char note[RELAIS_CHECKPOINT_MAX], body[RELAIS_TLOGW_BODY_MAX + 1];
    relais_hash_t proof[3];
    for (int i = 0; i < 3; i++)
        memset(proof[i], 0x50 + i, sizeof proof[i]);
    s_note(9, 0x55, note);
    size_t len = 0;
    assert_int_equal(relais_tlogw_add_format(5, proof, 3, note, body, sizeof body, &len), 0);
    char want[RELAIS_TLOGW_BODY_MAX];
    int n = snprintf(want, sizeof want,
                     "old 5\nUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFA=\nUVFRUVFRUVFRUVFRUVFRUVFRUVFRUVFRUVFRUVFRUVE=\n"
                     "UlJSUlJSUlJSUlJSUlJSUlJSUlJSUlJSUlJSUlJSUlI=\n\n%s",
                     note);
    assert_int_equal(len, (size_t)n);
    assert_string_equal(body, want);
    relais_tlogw_add_t *add = malloc(sizeof *add);
    assert_non_null(add);
    assert_int_equal(relais_tlogw_add_parse(body, len, add), 0);
    assert_int_equal(add->old_size, 5);
    assert_int_equal(add->proof_len, 3);
    assert_memory_equal(add->proof, proof, sizeof proof);
    assert_string_equal(add->note, note);
    /* the first submission: old 0, no proof */
    assert_int_equal(relais_tlogw_add_format(0, NULL, 0, note, body, sizeof body, &len), 0);
    n = snprintf(want, sizeof want, "old 0\n\n%s", note);
    assert_string_equal(body, want);
    assert_int_equal(relais_tlogw_add_parse(body, len, add), 0);
    assert_int_equal(add->old_size, 0);
    assert_int_equal(add->proof_len, 0);
    /* refusals of the writer */
    relais_hash_t many[RELAIS_TLOGW_PROOF_MAX + 1];
    memset(many, 0, sizeof many);
    assert_int_equal(relais_tlogw_add_format(1, many, RELAIS_TLOGW_PROOF_MAX + 1, note, body, sizeof body, &len),
                     RELAIS_E_INVALID);
    assert_int_equal(relais_tlogw_add_format(1, proof, 3, "no newline", body, sizeof body, &len), RELAIS_E_INVALID);
    assert_int_equal(relais_tlogw_add_format(1, proof, 3, note, body, 100, &len), RELAIS_E_INVALID);
    free(add);
}

static int s_parse(const char *body)
{
    relais_tlogw_add_t *add = malloc(sizeof *add);
    assert_non_null(add);
    int rc = relais_tlogw_add_parse(body, strlen(body), add);
    free(add);
    return rc;
}

static void test_tlogw_add_malformed(void **state)
{
    (void)state;
    const char *note = "o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n" S_EM "k AAAAAAAA\n";
    char body[4096];
    const char *heads[] = {"old 01\n\n", "old -1\n\n", "old  5\n\n", "old 5 \n\n", "Old 5\n\n", "old\n\n", "\n",
                           "old 18446744073709551616\n\n", "old 5\nAAAA\n\n",
                           /* unused bits set: a second spelling of the same hash */
                           "old 5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=\n\n",
                           "old 5\n AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n"};
    for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++) {
        snprintf(body, sizeof body, "%s%s", heads[i], note);
        assert_int_equal(s_parse(body), RELAIS_E_MALFORMED);
    }
    snprintf(body, sizeof body, "old 5\n%s", note); /* no empty line: the note is read as the proof */
    assert_int_equal(s_parse(body), RELAIS_E_MALFORMED);
    assert_int_equal(s_parse("old 5\n\n"), RELAIS_E_MALFORMED);                 /* no checkpoint */
    assert_int_equal(s_parse("old 5\n\no\n1\nroot"), RELAIS_E_MALFORMED);        /* last line not ended */
    assert_int_equal(s_parse("old 5"), RELAIS_E_MALFORMED);
    /* 63 proof lines are read, 64 are not */
    size_t at = (size_t)snprintf(body, sizeof body, "old 5\n");
    for (int i = 0; i < RELAIS_TLOGW_PROOF_MAX; i++)
        at += (size_t)snprintf(body + at, sizeof body - at, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n");
    snprintf(body + at, sizeof body - at, "\n%s", note);
    assert_int_equal(s_parse(body), 0);
    snprintf(body + at, sizeof body - at, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n%s", note);
    assert_int_equal(s_parse(body), RELAIS_E_MALFORMED);
    /* a NUL byte, and a body past the bound */
    relais_tlogw_add_t *add = malloc(sizeof *add);
    assert_non_null(add);
    char nul[] = "old 5\n\no\n1\nA\0A\n";
    assert_int_equal(relais_tlogw_add_parse(nul, sizeof nul - 1, add), RELAIS_E_MALFORMED);
    char *big = malloc(RELAIS_TLOGW_BODY_MAX + 2);
    assert_non_null(big);
    memset(big, 'a', RELAIS_TLOGW_BODY_MAX + 1);
    assert_int_equal(relais_tlogw_add_parse(big, RELAIS_TLOGW_BODY_MAX + 1, add), RELAIS_E_TOO_LARGE);
    /* a note that fits the body but not a note's room */
    at = (size_t)snprintf(big, RELAIS_TLOGW_BODY_MAX, "old 5\n\n");
    memset(big + at, 'n', RELAIS_NOTE_MAX);
    big[at + RELAIS_NOTE_MAX] = '\n';
    assert_int_equal(relais_tlogw_add_parse(big, at + RELAIS_NOTE_MAX + 1, add), RELAIS_E_TOO_LARGE);
    free(big);
    free(add);
}

static void test_tlogw_size(void **state)
{
    (void)state;
    uint64_t size = 0;
    assert_int_equal(relais_tlogw_size_parse("12\n", 3, &size), 0);
    assert_int_equal(size, 12);
    assert_int_equal(relais_tlogw_size_parse("0\n", 2, &size), 0);
    assert_int_equal(size, 0);
    const char *bad[] = {"012\n", "12", "x\n", "", "\n", "1 \n", "12\n\n", "-1\n", "18446744073709551616\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(relais_tlogw_size_parse(bad[i], strlen(bad[i]), &size), RELAIS_E_MALFORMED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cosig_bytes_as_the_specification_says),
        cmocka_unit_test(test_cosig_verify),
        cmocka_unit_test(test_cosig_pick),
        cmocka_unit_test(test_cosig_sign_refusals),
        cmocka_unit_test(test_tlogw_add_round_trip),
        cmocka_unit_test(test_tlogw_add_malformed),
        cmocka_unit_test(test_tlogw_size),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
