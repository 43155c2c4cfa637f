/* audit_json_internal.h -- the proofs `relais audit` prints and reads back, as JSON (docs/protocol.md, "Proofs as JSON").
 *
 * An inclusion proof (`audit prove`, read by `audit check-proof`) and a consistency proof (`audit
 * consistency`, read by `audit check-consistency`): one JSON object each, every hash 32 bytes in
 * standard base64 with its padding, as in the checkpoints' notes. Needs nothing but jansson,
 * libsodium and the status codes, so that a fuzzer and the unit tests take it alone.
 */
#ifndef RELAIS_AUDIT_JSON_INTERNAL_H
#define RELAIS_AUDIT_JSON_INTERNAL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "relais_merkle.h"

/* A proof file is a few dozen hashes: a file far larger is not one, and is not read whole. */
#define RELAIS_AUDIT_PROOF_FILE_MAX (1024 * 1024)

/* An inclusion proof as `prove` prints it and `check-proof` reads it. */
typedef struct {
    uint64_t seq;                                /* the record (leaf index seq - 1) */
    uint64_t tree_size;                          /* the tree it is proven in */
    relais_hash_t leaf;                          /* the record's leaf hash */
    relais_hash_t path[RELAIS_MERKLE_MAX_PATH];  /* RFC 9162 audit path, bottom up */
    size_t path_len;                             /* hashes in path */
    relais_hash_t root;                          /* root of the tree of tree_size */
} relais_audit_proof_t;

/* A consistency proof as `consistency` prints it and `check-consistency` reads it. */
typedef struct {
    uint64_t old_size;                          /* the older tree, from 1 */
    uint64_t new_size;                          /* the newer tree, old_size or more */
    relais_hash_t old_root;                     /* root of the tree of old_size */
    relais_hash_t new_root;                     /* root of the tree of new_size */
    relais_hash_t path[RELAIS_MERKLE_MAX_PATH]; /* RFC 9162 section 2.1.4 proof, as the RFC orders it */
    size_t path_len;                            /* hashes in path */
    char old_note[RELAIS_CHECKPOINT_MAX];       /* the hub's signed note of old_size; "" when none */
    char new_note[RELAIS_CHECKPOINT_MAX];       /* the same of new_size */
} relais_audit_consistency_t;

/* A hash as a JSON string, standard base64 with padding; NULL when out of memory. */
json_t *relais_audit_json_hash(const relais_hash_t hash);

/* {"seq","tree_size","leaf_hash","path":[...],"root"}; NULL when out of memory. */
json_t *relais_audit_proof_json(const relais_audit_proof_t *proof);

/* {"old_size","new_size","old_root","new_root","path":[...],"old_checkpoint","new_checkpoint"},
 * a note null when there is none; NULL when out of memory. */
json_t *relais_audit_consistency_json(const relais_audit_consistency_t *proof);

/* Reads an inclusion proof from `len` bytes of JSON. Its hashes are base64; the hex of proofs
 * written before base64 (64 hex digits) is read too. Members it does not know are ignored.
 * Errors: RELAIS_E_MALFORMED, the detail saying where and what (the line and column of
 * broken JSON, or the member and what it must be). */
int relais_audit_proof_parse(const char *text, size_t len, relais_audit_proof_t *out);

/* Reads a consistency proof from `len` bytes of JSON: both sizes from 1, old_size not above
 * new_size, both roots and every hash of the path in base64, at most RELAIS_MERKLE_MAX_PATH of
 * them, and each note absent, null, or the text of a note (no NUL, under
 * RELAIS_CHECKPOINT_MAX bytes; its signature is not checked here). Members it does not know
 * are ignored. Errors: RELAIS_E_MALFORMED, as relais_audit_proof_parse. */
int relais_audit_consistency_parse(const char *text, size_t len, relais_audit_consistency_t *out);

#endif
