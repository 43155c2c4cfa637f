/* fuzz_cosig.c -- libFuzzer target: a checkpoint note with cosignature lines (C2SP tlog-cosignature),
 * as an auditor reads it from the hub, and a witness's answer as the hub reads it. */
#include "fuzz_common.h"

#include "relais_cosig.h"
#include "relais_merkle.h"
#include "relais_proto.h"

#include <stdlib.h>
#include <string.h>

static uint8_t s_log_public[32], s_witness_public[32];
static char s_note[RELAIS_CHECKPOINT_MAX]; /* a valid checkpoint, for the answers */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_sign_public(s_log_public);
    fuzz_witness_public(s_witness_public);
    relais_checkpoint_t cp = {.origin = FUZZ_ORIGIN, .size = 13};
    memset(cp.root, 0x5a, sizeof cp.root);
    int rc = relais_checkpoint_sign(&cp, FUZZ_KEY_NAME, fuzz_sign_seed, s_note, sizeof s_note);
    FUZZ_CHECK(rc == 0, "checkpoint_sign", rc);
    return 0;
}

/* The input as a served note: the hub's signature and the witness's, each with any verdict it
 * lists; a cosignature that verifies is one the witness could have made. */
static void s_note_input(const char *note)
{
    relais_checkpoint_t cp;
    int rc = relais_checkpoint_verify(note, FUZZ_KEY_NAME, s_log_public, &cp);
    FUZZ_CHECK(rc == 0 || rc == RELAIS_E_MALFORMED || rc == RELAIS_E_BAD_SIGNATURE,
               "checkpoint_verify failed with a code it does not list", rc);
    uint64_t t = 0;
    int crc = relais_cosig_verify(note, FUZZ_WITNESS_NAME, s_witness_public, &t);
    FUZZ_CHECK(crc == 0 || crc == RELAIS_E_MALFORMED || crc == RELAIS_E_BAD_SIGNATURE || crc == RELAIS_E_NOT_FOUND,
               "cosig_verify failed with a code it does not list", crc);
    if (crc != 0)
        return;
    FUZZ_CHECK(t <= (uint64_t)INT64_MAX, "a cosignature's time past 2^63 - 1 verified", 0);
    /* the same witness at the same time signs the same bytes (Ed25519 is deterministic): the line
     * that verified is among the note's lines */
    char line[RELAIS_COSIG_LINE_MAX];
    rc = relais_cosig_sign(note, FUZZ_WITNESS_NAME, fuzz_witness_seed, t, line, sizeof line);
    FUZZ_CHECK(rc == 0, "a note whose cosignature verified cannot be cosigned", rc);
    FUZZ_CHECK(strstr(note, line) != NULL, "a cosignature verified that the witness would not have written", 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > RELAIS_NOTE_MAX)
        return 0;
    char *text = malloc(size + 1);
    FUZZ_CHECK(text != NULL, "no memory for a note", 0);
    memcpy(text, data, size);
    text[size] = '\0';
    s_note_input(text);
    /* the input as a witness's answer about a valid checkpoint */
    char line[RELAIS_COSIG_LINE_MAX];
    uint64_t t = 0;
    int rc = relais_cosig_pick(s_note, (const char *)data, size, FUZZ_WITNESS_NAME, s_witness_public, line,
                               sizeof line, &t);
    FUZZ_CHECK(rc == 0 || rc == RELAIS_E_MALFORMED || rc == RELAIS_E_BAD_SIGNATURE || rc == RELAIS_E_NOT_FOUND ||
                   rc == RELAIS_E_INVALID,
               "cosig_pick failed with a code it does not list", rc);
    /* an answer with a NUL is refused, so the text holds all of it */
    if (rc == 0)
        FUZZ_CHECK(strstr(text, line) != NULL, "a picked line the answer does not hold", 0);
    free(text);
    return 0;
}
