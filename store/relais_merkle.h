/* relais_merkle.h -- RFC 9162 Merkle tree hashing, proofs and signed checkpoints, without storage.
 *
 * Pure functions: an auditor links this (and OpenSSL) to check a log without LMDB.
 * Indices are 0-based leaf positions (the record of sequence number s is leaf s - 1).
 *
 *   leaf hash = SHA-256(0x00 || leaf)
 *   node hash = SHA-256(0x01 || left || right)
 *   MTH of n leaves: split at k, the largest power of two < n (RFC 9162 section 2.1.1).
 */
#ifndef RELAIS_MERKLE_H
#define RELAIS_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RELAIS_HASH_SIZE 32
/* No proof over a tree of fewer than 2^63 leaves holds more hashes than this. */
#define RELAIS_MERKLE_MAX_PATH 64

typedef uint8_t relais_hash_t[RELAIS_HASH_SIZE];

/* SHA-256 of the empty string: the root of the empty tree. */
void relais_merkle_empty_root(relais_hash_t out);

/* SHA-256(0x00 || data). */
void relais_merkle_leaf_hash(const uint8_t *data, size_t len, relais_hash_t out);

/* SHA-256(0x01 || left || right). `out` may alias either input. */
void relais_merkle_node_hash(const relais_hash_t left, const relais_hash_t right, relais_hash_t out);

/* Where proofs and roots get their hashes: the hash of the perfect subtree of height
 * `level` (2^level leaves) that starts at leaf `index << level`. Returns 0 or a status,
 * which the caller passes on. Level 0 is the leaf hash itself. */
typedef int (*relais_merkle_subtree_fn)(void *ctx, unsigned level, uint64_t index, relais_hash_t out);

/* Root of the first `size` leaves, from at most popcount(size) subtree lookups.
 * size 0 gives the empty root. */
int relais_merkle_root(relais_merkle_subtree_fn get, void *ctx, uint64_t size, relais_hash_t out);

/* Inclusion proof of leaf `index` in the tree of `size` leaves (RFC 9162 section 2.1.3.1).
 * Writes up to RELAIS_MERKLE_MAX_PATH hashes into `path`, their count into *path_len.
 * Errors: RELAIS_E_INVALID (index >= size), or what `get` returns. */
int relais_merkle_inclusion_proof(relais_merkle_subtree_fn get, void *ctx, uint64_t index, uint64_t size,
                                  relais_hash_t *path, size_t *path_len);

/* Consistency proof that the tree of `new_size` extends the one of `old_size`
 * (RFC 9162 section 2.1.4.1). 0 < old_size <= new_size; an equal size gives an empty proof.
 * Errors: RELAIS_E_INVALID, or what `get` returns. */
int relais_merkle_consistency_proof(relais_merkle_subtree_fn get, void *ctx, uint64_t old_size,
                                    uint64_t new_size, relais_hash_t *path, size_t *path_len);

/* Checks an inclusion proof (RFC 9162 section 2.1.3.2). Returns 0 when `leaf` at `index`
 * with `path` gives `root` for a tree of `size`; RELAIS_E_PROOF otherwise. */
int relais_merkle_verify_inclusion(uint64_t index, uint64_t size, const relais_hash_t leaf,
                                   const relais_hash_t *path, size_t path_len, const relais_hash_t root);

/* The root an inclusion proof leads to: RFC 9162 section 2.1.3.2 without its last comparison.
 * With the proof of the last leaf (index size - 1) it is the root of the tree of `size` as the
 * prover holds it. Returns 0 and writes `root`, or RELAIS_E_PROOF (a path of the wrong length
 * for the tree, index not below size). */
int relais_merkle_inclusion_root(uint64_t index, uint64_t size, const relais_hash_t leaf, const relais_hash_t *path,
                                 size_t path_len, relais_hash_t root);

/* Checks a consistency proof (RFC 9162 section 2.1.4.2). Returns 0 or RELAIS_E_PROOF. */
int relais_merkle_verify_consistency(uint64_t old_size, uint64_t new_size, const relais_hash_t old_root,
                                     const relais_hash_t new_root, const relais_hash_t *path, size_t path_len);

/* ---- Checkpoints: C2SP tlog-checkpoint signed notes, Ed25519 ------------------------------
 *
 *   <origin>\n<size>\n<base64 root>\n\n— <key name> <base64(key id || signature)>\n
 *
 * key id = first 4 bytes of SHA-256(<key name> || "\n" || 0x01 || public key); the
 * signature is pure Ed25519 over the note text (the first three lines with their "\n"). */

#define RELAIS_CHECKPOINT_MAX 1024 /* a formatted note never exceeds this many bytes */
/* Room for a checkpoint as the hub serves it, its witnesses' cosignatures added (relais_cosig.h):
 * signed notes must be read with at least 16 signature lines, of names up to 255 bytes. */
#define RELAIS_NOTE_MAX 8192

typedef struct {
    char origin[256];      /* the log's origin line, e.g. "relais.sceaux.fr/enfance" */
    uint64_t size;         /* tree size */
    relais_hash_t root;    /* root hash of that size */
} relais_checkpoint_t;

/* Formats and signs `cp` with the 32-byte Ed25519 seed `secret` under `key_name`;
 * writes the NUL-terminated note into `note` (room `cap`).
 * Errors: RELAIS_E_INVALID (origin or key name with spaces or newlines, cap too small),
 * RELAIS_E_CRYPTO. */
int relais_checkpoint_sign(const relais_checkpoint_t *cp, const char *key_name, const uint8_t secret[32],
                           char *note, size_t cap);

/* Parses `note` and checks its signature line for `key_name` with the 32-byte Ed25519
 * `public_key`; lines of other keys (a witness's cosignatures) are read as signature lines and
 * otherwise ignored. On success fills *out. Errors: RELAIS_E_MALFORMED (not a checkpoint note),
 * RELAIS_E_BAD_SIGNATURE (no valid signature by that key). */
int relais_checkpoint_verify(const char *note, const char *key_name, const uint8_t public_key[32],
                             relais_checkpoint_t *out);

#ifdef __cplusplus
}
#endif

#endif
