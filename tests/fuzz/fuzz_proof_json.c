/* fuzz_proof_json.c -- libFuzzer target: the proof files `relais audit check-proof` and `check-consistency` read
 * (agents/audit/audit_json.c), and what check-consistency does next with what they hold. */
#include "fuzz_common.h"

#include "audit_json_internal.h"
#include "relais_merkle.h"
#include "relais_proto.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static uint8_t s_public[32];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_sign_public(s_public);
    return 0;
}

/* Compact text of what the printer makes of a value it steals; caller frees. */
static char *s_text(json_t *json)
{
    FUZZ_CHECK(json != NULL, "printing a proof that was read failed", 0);
    char *text = json_dumps(json, JSON_COMPACT);
    json_decref(json);
    FUZZ_CHECK(text != NULL, "dumping a proof that was read failed", 0);
    return text;
}

/* A refusal is MALFORMED with a sentence, never anything else. */
static void s_refused(int rc)
{
    FUZZ_CHECK(rc == RELAIS_E_MALFORMED, "a proof file refused with another code than MALFORMED", rc);
    FUZZ_CHECK(*relais_status_detail() != '\0', "a proof file refused without a sentence", rc);
}

/* A note the file carries, checked as check-consistency checks its notes, with the fixed key
 * as the hub's (the seeds' notes are signed with it). */
static void s_note(const char *note)
{
    relais_checkpoint_t cp;
    FUZZ_CHECK(strlen(note) < RELAIS_CHECKPOINT_MAX, "a note read past its buffer", 0);
    if (*note)
        (void)relais_checkpoint_verify(note, FUZZ_KEY_NAME, s_public, &cp);
}

static void s_consistency(const uint8_t *data, size_t size)
{
    static relais_audit_consistency_t proof, again;
    int rc = relais_audit_consistency_parse((const char *)data, size, &proof);
    if (rc) {
        s_refused(rc);
        return;
    }
    FUZZ_CHECK(proof.old_size >= 1 && proof.old_size <= proof.new_size, "sizes read out of order", 0);
    FUZZ_CHECK(proof.path_len <= RELAIS_MERKLE_MAX_PATH, "a path read longer than any proof", 0);
    /* What was read prints, and the print reads back as the same proof and prints the same. */
    char *text = s_text(relais_audit_consistency_json(&proof));
    rc = relais_audit_consistency_parse(text, strlen(text), &again);
    FUZZ_CHECK(rc == 0, "the printed consistency proof does not read back", rc);
    FUZZ_CHECK(memcmp(&again, &proof, sizeof proof) == 0, "the consistency proof read back differs", 0);
    char *text2 = s_text(relais_audit_consistency_json(&again));
    FUZZ_CHECK(strcmp(text, text2) == 0, "the consistency proof prints two ways", 0);
    free(text2);
    free(text);
    s_note(proof.old_note);
    s_note(proof.new_note);
    (void)relais_merkle_verify_consistency(proof.old_size, proof.new_size, proof.old_root, proof.new_root, proof.path,
                                           proof.path_len);
}

static void s_inclusion(const uint8_t *data, size_t size)
{
    static relais_audit_proof_t proof, again;
    int rc = relais_audit_proof_parse((const char *)data, size, &proof);
    if (rc) {
        s_refused(rc);
        return;
    }
    FUZZ_CHECK(proof.seq >= 1 && proof.tree_size >= 1, "a size or a sequence number read as 0", 0);
    FUZZ_CHECK(proof.path_len <= RELAIS_MERKLE_MAX_PATH, "a path read longer than any proof", 0);
    /* hex read, base64 printed: the same hashes either way */
    char *text = s_text(relais_audit_proof_json(&proof));
    rc = relais_audit_proof_parse(text, strlen(text), &again);
    FUZZ_CHECK(rc == 0, "the printed inclusion proof does not read back", rc);
    FUZZ_CHECK(memcmp(&again, &proof, sizeof proof) == 0, "the inclusion proof read back differs", 0);
    free(text);
    (void)relais_merkle_verify_inclusion(proof.seq - 1, proof.tree_size, proof.leaf, proof.path, proof.path_len,
                                             proof.root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    s_consistency(data, size);
    s_inclusion(data, size);
    return 0;
}
