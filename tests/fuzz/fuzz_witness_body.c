/* fuzz_witness_body.c -- libFuzzer target: what reaches a witness over HTTP, the body of
 * add-checkpoint (C2SP tlog-witness), and what reaches the hub, a 409 answer's size. */
#include "fuzz_common.h"

#include "relais_cosig.h"
#include "relais_merkle.h"
#include "relais_proto.h"

#include <stdlib.h>
#include <string.h>

static uint8_t s_log_public[32];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_sign_public(s_log_public);
    return 0;
}

/* Every syntax the parser accepts has one spelling: written again, the body is the input. */
static void s_round_trip(const uint8_t *data, size_t size, const relais_tlogw_add_t *add)
{
    char *again = malloc(RELAIS_TLOGW_BODY_MAX + 1);
    FUZZ_CHECK(again != NULL, "no memory for a body", 0);
    size_t len = 0;
    int rc = relais_tlogw_add_format(add->old_size, add->proof, add->proof_len, add->note, again,
                                     RELAIS_TLOGW_BODY_MAX + 1, &len);
    FUZZ_CHECK(rc == 0, "a parsed body does not format", rc);
    FUZZ_CHECK(len == size && memcmp(again, data, size) == 0, "a parsed body formats to other bytes", 0);
    free(again);
}

/* What the witness does next with the note: its signature checked, and when it holds, cosigned
 * and that cosignature found again. */
static void s_witness(const relais_tlogw_add_t *add)
{
    relais_checkpoint_t cp;
    int rc = relais_checkpoint_verify(add->note, FUZZ_KEY_NAME, s_log_public, &cp);
    FUZZ_CHECK(rc == 0 || rc == RELAIS_E_MALFORMED || rc == RELAIS_E_BAD_SIGNATURE,
               "checkpoint_verify failed with a code it does not list", rc);
    if (rc)
        return;
    char line[RELAIS_COSIG_LINE_MAX];
    uint8_t wpub[32];
    uint64_t t = 0;
    rc = relais_cosig_sign(add->note, FUZZ_WITNESS_NAME, fuzz_witness_seed, 1795422600, line, sizeof line);
    FUZZ_CHECK(rc == 0, "a witness cannot cosign a checkpoint that verified", rc);
    fuzz_witness_public(wpub);
    rc = relais_cosig_pick(add->note, line, strlen(line), FUZZ_WITNESS_NAME, wpub, line, sizeof line, &t);
    FUZZ_CHECK(rc == 0 && t == 1795422600, "the hub does not find the witness's own cosignature", rc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    relais_tlogw_add_t *add = malloc(sizeof *add);
    FUZZ_CHECK(add != NULL, "no memory for a body", 0);
    int rc = relais_tlogw_add_parse((const char *)data, size, add);
    FUZZ_CHECK(rc == 0 || rc == RELAIS_E_MALFORMED || rc == RELAIS_E_TOO_LARGE,
               "tlogw_add_parse failed with a code it does not list", rc);
    if (rc == 0) {
        FUZZ_CHECK(add->proof_len <= RELAIS_TLOGW_PROOF_MAX, "more proof hashes than the bound", 0);
        FUZZ_CHECK(strlen(add->note) < RELAIS_NOTE_MAX, "a note read past its room", 0);
        s_round_trip(data, size, add);
        s_witness(add);
    }
    free(add);
    uint64_t old = 0;
    rc = relais_tlogw_size_parse((const char *)data, size, &old);
    FUZZ_CHECK(rc == 0 || rc == RELAIS_E_MALFORMED, "tlogw_size_parse failed with a code it does not list", rc);
    return 0;
}
