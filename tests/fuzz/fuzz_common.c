/* fuzz_common.c -- the fixed test keys, Ed25519 through OpenSSL (no identity files), the abort, and
 * the payload of to_json's text. */
#include "fuzz_common.h"

#include "relais_proto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

const uint8_t fuzz_msg_id[16] = {0xf0, 0x0d, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14};

const uint8_t fuzz_sign_seed[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
                                    17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

const uint8_t fuzz_witness_seed[32] = {0x77, 0x69, 0x74, 0x6e, 0x65, 0x73, 0x73, 8,  9,  10, 11, 12, 13, 14, 15, 16,
                                       17,   18,   19,   20,   21,   22,   23,   24, 25, 26, 27, 28, 29, 30, 31, 32};

void fuzz_fail(const char *what, int status)
{
    fprintf(stderr, "fuzz invariant failed: %s (%s: %s)\n", what, relais_status_name(status),
            relais_status_detail());
    abort();
}

static EVP_PKEY *s_key_of(const uint8_t seed[32])
{
    EVP_PKEY *key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
    FUZZ_CHECK(key != NULL, "OpenSSL made no Ed25519 key from the fixed seed", 0);
    return key;
}

static EVP_PKEY *s_key(void)
{
    return s_key_of(fuzz_sign_seed);
}

void fuzz_witness_public(uint8_t out[32])
{
    EVP_PKEY *key = s_key_of(fuzz_witness_seed);
    size_t len = 32;
    int ok = EVP_PKEY_get_raw_public_key(key, out, &len) == 1 && len == 32;
    EVP_PKEY_free(key);
    FUZZ_CHECK(ok, "OpenSSL gave no public key for the witness's seed", 0);
}

void fuzz_sign_public(uint8_t out[32])
{
    EVP_PKEY *key = s_key();
    size_t len = 32;
    int ok = EVP_PKEY_get_raw_public_key(key, out, &len) == 1 && len == 32;
    EVP_PKEY_free(key);
    FUZZ_CHECK(ok, "OpenSSL gave no public key for the fixed seed", 0);
}

void fuzz_sign_body(const uint8_t *body, size_t len, uint8_t sig[64])
{
    static const char context[] = RELAIS_SIGN_CONTEXT; /* sizeof counts the NUL: the 0x00 separator */
    uint8_t *msg = malloc(sizeof context + len);
    FUZZ_CHECK(msg != NULL, "no memory for the message to sign", 0);
    memcpy(msg, context, sizeof context);
    if (len)
        memcpy(msg + sizeof context, body, len);
    EVP_PKEY *key = s_key();
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    size_t sig_len = 64;
    int ok = md != NULL && EVP_DigestSignInit(md, NULL, NULL, NULL, key) == 1 &&
             EVP_DigestSign(md, sig, &sig_len, msg, sizeof context + len) == 1 && sig_len == 64;
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(key);
    free(msg);
    FUZZ_CHECK(ok, "OpenSSL could not sign with the fixed seed", 0);
}

char *fuzz_payload_of(const char *to_json_text)
{
    json_error_t err;
    json_t *root = json_loads(to_json_text, 0, &err);
    FUZZ_CHECK(root != NULL && json_is_object(root), "to_json wrote text that is not a JSON object", 0);
    FUZZ_CHECK(json_object_del(root, "header") == 0 && json_object_size(root) == 1,
               "to_json wrote no header or not exactly one payload", 0);
    char *payload = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    FUZZ_CHECK(payload != NULL, "no memory for the payload JSON", 0);
    return payload;
}
