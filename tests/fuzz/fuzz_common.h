/* fuzz_common.h -- what the libFuzzer targets and their seed generator share: the fixed keys and checks. */
#ifndef RELAIS_FUZZ_COMMON_H
#define RELAIS_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

/* libFuzzer's entry points; declared here because -Wmissing-prototypes wants a prototype. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* The header every JSON input is built with, and the checkpoint log's names: fixed so that
 * the seeds the generator writes are what the targets expect. */
#define FUZZ_SENDER "fuzz-partner"
#define FUZZ_CREATED_MS INT64_C(1795422600000)
#define FUZZ_KEY_NAME "fuzz-log"
#define FUZZ_ORIGIN "relais.example/fuzz"
#define FUZZ_WITNESS_NAME "witness.example/fuzz"
extern const uint8_t fuzz_msg_id[16];

/* The fixed Ed25519 seed (a test key, public in this file) and its public key. */
extern const uint8_t fuzz_sign_seed[32];
void fuzz_sign_public(uint8_t out[32]);

/* The fixed seed of the witness that cosigns the seeds' checkpoints, and its public key. */
extern const uint8_t fuzz_witness_seed[32];
void fuzz_witness_public(uint8_t out[32]);

/* Signs RELAIS_SIGN_CONTEXT || 0x00 || body with the fixed seed, as a sender would. */
void fuzz_sign_body(const uint8_t *body, size_t len, uint8_t sig[64]);

/* An invariant the code promises failed: says which, with the status detail, and aborts
 * so that libFuzzer keeps the input as a crash. Never for input that is merely refused. */
void fuzz_fail(const char *what, int status) __attribute__((noreturn));

/* The payload object of relais_message_to_json's text, without the header it adds, as
 * compact JSON (what `relais submit` reads back); caller frees. Fails the run when the text
 * is not one header and exactly one payload. */
char *fuzz_payload_of(const char *to_json_text);

#define FUZZ_CHECK(cond, what, status)                                                                             \
    do {                                                                                                           \
        if (!(cond))                                                                                               \
            fuzz_fail(what, status);                                                                               \
    } while (0)

#endif
