/* merkle.c -- RFC 9162 Merkle hashing and proofs over a subtree callback, and C2SP signed checkpoints. */
#include "relais_merkle.h"

#include "note_internal.h"

#include "relais_proto.h"

#include <inttypes.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

/* ---- Hashing ------------------------------------------------------------------------------ */

/* OpenSSL 3 looks the implementation of EVP_sha256() up again (under a lock) at every
 * init, which costs as much as hashing a 1 KiB leaf on a CPU with SHA extensions; fetched
 * once, the method serves every thread. Kept for the life of the process. */
static const EVP_MD *s_sha256_method(void)
{
    static _Atomic(EVP_MD *) cached;
    EVP_MD *md = atomic_load(&cached);
    if (md)
        return md;
    EVP_MD *fetched = EVP_MD_fetch(NULL, "SHA256", NULL);
    if (!fetched)
        return NULL;
    if (atomic_compare_exchange_strong(&cached, &md, fetched))
        return fetched;
    EVP_MD_free(fetched); /* another thread stored its own first: `md` holds that one */
    return md;
}

/* SHA-256 of prefix || a || b; every hash of the tree is one of these. */
static int s_sha256(const uint8_t *prefix, size_t prefix_len, const uint8_t *a, size_t a_len, const uint8_t *b,
                    size_t b_len, relais_hash_t out)
{
    const EVP_MD *sha256 = s_sha256_method();
    EVP_MD_CTX *md = sha256 ? EVP_MD_CTX_new() : NULL;
    unsigned int out_len = 0;
    int ok = md != NULL && EVP_DigestInit_ex(md, sha256, NULL) == 1 &&
             EVP_DigestUpdate(md, prefix, prefix_len) == 1 && EVP_DigestUpdate(md, a, a_len) == 1 &&
             EVP_DigestUpdate(md, b, b_len) == 1 && EVP_DigestFinal_ex(md, out, &out_len) == 1 &&
             out_len == RELAIS_HASH_SIZE;
    EVP_MD_CTX_free(md);
    return ok ? 0 : relais_status_set(RELAIS_E_CRYPTO, "SHA-256 failed in the crypto library");
}

static int s_leaf_hash(const uint8_t *data, size_t len, relais_hash_t out)
{
    static const uint8_t prefix = 0x00;
    return s_sha256(&prefix, 1, data, len, NULL, 0, out);
}

static int s_node_hash(const relais_hash_t left, const relais_hash_t right, relais_hash_t out)
{
    static const uint8_t prefix = 0x01;
    relais_hash_t h;
    int rc = s_sha256(&prefix, 1, left, RELAIS_HASH_SIZE, right, RELAIS_HASH_SIZE, h);
    if (rc == 0)
        memcpy(out, h, RELAIS_HASH_SIZE); /* through `h` so that `out` may alias an input */
    return rc;
}

/* The void hash functions of the API cannot report a failure, and a wrong hash would
 * silently corrupt a tamper-evident log: stopping is the only safe answer. SHA-256 fails
 * only when OpenSSL cannot allocate or is misconfigured. */
static void s_hash_or_die(int rc)
{
    if (rc != 0) {
        fprintf(stderr, "relais_merkle: %s\n", relais_status_detail());
        abort();
    }
}

void relais_merkle_empty_root(relais_hash_t out)
{
    s_hash_or_die(s_sha256(NULL, 0, NULL, 0, NULL, 0, out));
}

void relais_merkle_leaf_hash(const uint8_t *data, size_t len, relais_hash_t out)
{
    s_hash_or_die(s_leaf_hash(data, len, out));
}

void relais_merkle_node_hash(const relais_hash_t left, const relais_hash_t right, relais_hash_t out)
{
    s_hash_or_die(s_node_hash(left, right, out));
}

/* ---- Tree shape ---------------------------------------------------------------------------- */

static unsigned s_log2(uint64_t power_of_two)
{
    return (unsigned)__builtin_ctzll(power_of_two);
}

/* RFC 9162's k: the largest power of two smaller than n (n >= 2). */
static uint64_t s_split(uint64_t n)
{
    return UINT64_C(1) << (63 - __builtin_clzll(n - 1));
}

static bool s_is_power_of_two(uint64_t n)
{
    return n != 0 && (n & (n - 1)) == 0;
}

/* MTH of leaves [start, start + count), count >= 1. Every range a proof needs starts at a
 * multiple of a power of two >= count, so it splits into popcount(count) perfect aligned
 * subtrees, largest first; folding them from the right gives the RFC's left-heavy shape. */
static int s_range_hash(relais_merkle_subtree_fn get, void *ctx, uint64_t start, uint64_t count, relais_hash_t out)
{
    uint64_t end = start + count;
    bool have = false;
    for (uint64_t rest = count; rest != 0; rest &= rest - 1) {
        uint64_t part = rest & (~rest + 1); /* lowest set bit: the rightmost subtree left */
        unsigned level = s_log2(part);
        relais_hash_t h;
        end -= part;
        int rc = get(ctx, level, end >> level, h);
        if (rc != 0)
            return rc;
        if (!have) {
            memcpy(out, h, RELAIS_HASH_SIZE);
            have = true;
        } else if ((rc = s_node_hash(h, out, out)) != 0) {
            return rc;
        }
    }
    return 0;
}

/* The perfect subtree [start, start + size), size a power of two. */
static int s_perfect_hash(relais_merkle_subtree_fn get, void *ctx, uint64_t start, uint64_t size, relais_hash_t out)
{
    unsigned level = s_log2(size);
    return get(ctx, level, start >> level, out);
}

int relais_merkle_root(relais_merkle_subtree_fn get, void *ctx, uint64_t size, relais_hash_t out)
{
    if (out == NULL || (size != 0 && get == NULL))
        return relais_status_set(RELAIS_E_INVALID, "merkle root: missing callback or output");
    if (size == 0)
        return s_sha256(NULL, 0, NULL, 0, NULL, 0, out);
    return s_range_hash(get, ctx, 0, size, out);
}

/* ---- Proof generation ---------------------------------------------------------------------- */

/* A proof under construction. The RFC's recursions append the outer hashes after the inner
 * ones; walking the tree from the root we meet them outer first, so we collect and reverse. */
typedef struct {
    relais_hash_t *path; /* the caller's array, RELAIS_MERKLE_MAX_PATH long */
    size_t len;          /* hashes written so far */
} s_proof_t;

static int s_proof_slot(s_proof_t *proof, uint8_t **slot)
{
    if (proof->len == RELAIS_MERKLE_MAX_PATH)
        return relais_status_set(RELAIS_E_INVALID, "proof longer than %d hashes", RELAIS_MERKLE_MAX_PATH);
    *slot = proof->path[proof->len++];
    return 0;
}

static void s_proof_reverse(s_proof_t *proof)
{
    for (size_t i = 0, j = proof->len; i + 1 < j; i++, j--) {
        relais_hash_t t;
        memcpy(t, proof->path[i], RELAIS_HASH_SIZE);
        memcpy(proof->path[i], proof->path[j - 1], RELAIS_HASH_SIZE);
        memcpy(proof->path[j - 1], t, RELAIS_HASH_SIZE);
    }
}

/* PATH(m, D[start:start+count]) of RFC 9162 section 2.1.3.1, walked from the root down. */
static int s_inclusion_walk(relais_merkle_subtree_fn get, void *ctx, uint64_t m, uint64_t count, s_proof_t *proof)
{
    uint64_t start = 0;
    while (count > 1) {
        uint64_t k = s_split(count);
        uint8_t *slot = NULL;
        int rc = s_proof_slot(proof, &slot);
        if (rc != 0)
            return rc;
        if (m < k) {
            rc = s_range_hash(get, ctx, start + k, count - k, slot);
            count = k;
        } else {
            rc = s_perfect_hash(get, ctx, start, k, slot);
            start += k;
            m -= k;
            count -= k;
        }
        if (rc != 0)
            return rc;
    }
    return 0;
}

int relais_merkle_inclusion_proof(relais_merkle_subtree_fn get, void *ctx, uint64_t index, uint64_t size,
                                  relais_hash_t *path, size_t *path_len)
{
    if (get == NULL || path == NULL || path_len == NULL)
        return relais_status_set(RELAIS_E_INVALID, "inclusion proof: missing callback or output");
    if (index >= size)
        return relais_status_set(RELAIS_E_INVALID, "inclusion proof: index %" PRIu64 " not below size %" PRIu64,
                                 index, size);
    s_proof_t proof = {path, 0};
    int rc = s_inclusion_walk(get, ctx, index, size, &proof);
    if (rc != 0)
        return rc;
    s_proof_reverse(&proof);
    *path_len = proof.len;
    return 0;
}

/* SUBPROOF(m, D[start:start+count], b) of RFC 9162 section 2.1.4.1, walked from the root down;
 * b stays true while the old tree is a left-edge subtree, whose hash the verifier has. */
static int s_consistency_walk(relais_merkle_subtree_fn get, void *ctx, uint64_t m, uint64_t count, s_proof_t *proof)
{
    uint64_t start = 0;
    bool b = true;
    uint8_t *slot = NULL;
    int rc;
    while (m != count) {
        uint64_t k = s_split(count);
        if ((rc = s_proof_slot(proof, &slot)) != 0)
            return rc;
        if (m <= k) {
            rc = s_range_hash(get, ctx, start + k, count - k, slot);
            count = k;
        } else {
            rc = s_perfect_hash(get, ctx, start, k, slot);
            start += k;
            m -= k;
            count -= k;
            b = false;
        }
        if (rc != 0)
            return rc;
    }
    if (b)
        return 0;
    if ((rc = s_proof_slot(proof, &slot)) != 0)
        return rc;
    return s_range_hash(get, ctx, start, count, slot);
}

int relais_merkle_consistency_proof(relais_merkle_subtree_fn get, void *ctx, uint64_t old_size,
                                    uint64_t new_size, relais_hash_t *path, size_t *path_len)
{
    if (get == NULL || path == NULL || path_len == NULL)
        return relais_status_set(RELAIS_E_INVALID, "consistency proof: missing callback or output");
    if (old_size == 0 || old_size > new_size)
        return relais_status_set(RELAIS_E_INVALID,
                                 "consistency proof: sizes %" PRIu64 " -> %" PRIu64 " (need 0 < old <= new)",
                                 old_size, new_size);
    s_proof_t proof = {path, 0};
    int rc = s_consistency_walk(get, ctx, old_size, new_size, &proof);
    if (rc != 0)
        return rc;
    s_proof_reverse(&proof);
    *path_len = proof.len;
    return 0;
}

/* ---- Proof verification -------------------------------------------------------------------- */

static int s_proof_failed(const char *what)
{
    return relais_status_set(RELAIS_E_PROOF, "%s", what);
}

/* Right-shifts fn and sn together while fn is even and not zero (RFC 9162 step ii). */
static void s_shift_to_odd(uint64_t *fn, uint64_t *sn)
{
    while ((*fn & 1) == 0 && *fn != 0) {
        *fn >>= 1;
        *sn >>= 1;
    }
}

int relais_merkle_inclusion_root(uint64_t index, uint64_t size, const relais_hash_t leaf, const relais_hash_t *path,
                                 size_t path_len, relais_hash_t root)
{
    if (leaf == NULL || root == NULL || (path == NULL && path_len != 0))
        return s_proof_failed("inclusion: missing argument");
    if (index >= size)
        return s_proof_failed("inclusion: index not below size");
    if (path_len > RELAIS_MERKLE_MAX_PATH)
        return s_proof_failed("inclusion: path too long");
    uint64_t fn = index, sn = size - 1;
    relais_hash_t r;
    memcpy(r, leaf, RELAIS_HASH_SIZE);
    for (size_t i = 0; i < path_len; i++) {
        int rc;
        if (sn == 0)
            return s_proof_failed("inclusion: path too long for the tree");
        if ((fn & 1) != 0 || fn == sn) {
            rc = s_node_hash(path[i], r, r);
            s_shift_to_odd(&fn, &sn);
        } else {
            rc = s_node_hash(r, path[i], r);
        }
        if (rc != 0)
            return rc;
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0)
        return s_proof_failed("inclusion: path too short for the tree");
    memcpy(root, r, RELAIS_HASH_SIZE);
    return 0;
}

int relais_merkle_verify_inclusion(uint64_t index, uint64_t size, const relais_hash_t leaf,
                                   const relais_hash_t *path, size_t path_len, const relais_hash_t root)
{
    relais_hash_t r;
    if (root == NULL)
        return s_proof_failed("inclusion: missing argument");
    int rc = relais_merkle_inclusion_root(index, size, leaf, path, path_len, r);
    if (rc != 0)
        return rc;
    if (memcmp(r, root, RELAIS_HASH_SIZE) != 0)
        return s_proof_failed("inclusion: path does not lead to the root");
    return 0;
}

/* Checks the cases the RFC's iteration does not cover: equal sizes, and bounds. Returns 1
 * when the proof is settled (valid), 0 to go on, or RELAIS_E_PROOF. */
static int s_consistency_precheck(uint64_t old_size, uint64_t new_size, const relais_hash_t old_root,
                                  const relais_hash_t new_root, const relais_hash_t *path, size_t path_len)
{
    if (old_root == NULL || new_root == NULL || (path == NULL && path_len != 0))
        return s_proof_failed("consistency: missing argument");
    if (old_size == 0 || old_size > new_size)
        return s_proof_failed("consistency: need 0 < old size <= new size");
    if (path_len > RELAIS_MERKLE_MAX_PATH)
        return s_proof_failed("consistency: path too long");
    if (old_size == new_size) {
        if (path_len != 0 || memcmp(old_root, new_root, RELAIS_HASH_SIZE) != 0)
            return s_proof_failed("consistency: equal sizes need equal roots and an empty path");
        return 1;
    }
    if (path_len == 0)
        return s_proof_failed("consistency: empty path");
    return 0;
}

int relais_merkle_verify_consistency(uint64_t old_size, uint64_t new_size, const relais_hash_t old_root,
                                     const relais_hash_t new_root, const relais_hash_t *path, size_t path_len)
{
    int rc = s_consistency_precheck(old_size, new_size, old_root, new_root, path, path_len);
    if (rc != 0)
        return rc > 0 ? 0 : rc;
    /* A power-of-two old tree is a left-edge subtree: the proof leaves out its hash, which
     * the verifier already has, and the RFC prepends it. */
    size_t i = 0;
    const uint8_t *first = s_is_power_of_two(old_size) ? old_root : path[i++];
    uint64_t fn = old_size - 1, sn = new_size - 1;
    while ((fn & 1) != 0) {
        fn >>= 1;
        sn >>= 1;
    }
    relais_hash_t fr, sr;
    memcpy(fr, first, RELAIS_HASH_SIZE);
    memcpy(sr, first, RELAIS_HASH_SIZE);
    for (; i < path_len; i++) {
        if (sn == 0)
            return s_proof_failed("consistency: path too long for the sizes");
        if ((fn & 1) != 0 || fn == sn) {
            if ((rc = s_node_hash(path[i], fr, fr)) != 0 || (rc = s_node_hash(path[i], sr, sr)) != 0)
                return rc;
            s_shift_to_odd(&fn, &sn);
        } else if ((rc = s_node_hash(sr, path[i], sr)) != 0) {
            return rc;
        }
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0)
        return s_proof_failed("consistency: path too short for the sizes");
    if (memcmp(fr, old_root, RELAIS_HASH_SIZE) != 0 || memcmp(sr, new_root, RELAIS_HASH_SIZE) != 0)
        return s_proof_failed("consistency: path does not lead to both roots");
    return 0;
}

/* ---- Checkpoints ----------------------------------------------------------------------------- */

#define S_SIG_BLOB (NOTE_KEY_ID + NOTE_ED25519_SIG) /* what a relais signature line carries */

/* The signed text: "<origin>\n<size>\n<base64 root>\n". */
static int s_format_text(const relais_checkpoint_t *cp, char *text, size_t cap, size_t *len)
{
    char root[NOTE_B64_LEN(RELAIS_HASH_SIZE) + 1];
    note_b64_encode(cp->root, RELAIS_HASH_SIZE, root);
    int n = snprintf(text, cap, "%s\n%" PRIu64 "\n%s\n", cp->origin, cp->size, root);
    if (n < 0 || (size_t)n >= cap)
        return relais_status_set(RELAIS_E_INVALID, "checkpoint text too long");
    *len = (size_t)n;
    return 0;
}

int relais_checkpoint_sign(const relais_checkpoint_t *cp, const char *key_name, const uint8_t secret[32],
                           char *note, size_t cap)
{
    if (cp == NULL || secret == NULL || note == NULL)
        return relais_status_set(RELAIS_E_INVALID, "checkpoint sign: missing argument");
    if (!note_valid_origin(cp->origin, strnlen(cp->origin, sizeof cp->origin)))
        return relais_status_set(RELAIS_E_INVALID, "checkpoint origin empty, too long, or with spaces");
    if (!note_valid_key_name(key_name))
        return relais_status_set(RELAIS_E_INVALID, "checkpoint key name empty, too long, or with spaces or '+'");

    char text[RELAIS_CHECKPOINT_MAX];
    size_t text_len = 0;
    uint8_t blob[S_SIG_BLOB], public_key[32];
    int rc = s_format_text(cp, text, sizeof text, &text_len);
    if (rc == 0)
        rc = note_ed25519_sign(secret, (const uint8_t *)text, text_len, blob + NOTE_KEY_ID, public_key);
    if (rc == 0)
        rc = note_key_id(key_name, strlen(key_name), NOTE_ALG_ED25519, public_key, blob);
    if (rc != 0)
        return rc;

    char sig[NOTE_B64_LEN(S_SIG_BLOB) + 1];
    note_b64_encode(blob, sizeof blob, sig);
    char full[RELAIS_CHECKPOINT_MAX];
    int n = snprintf(full, sizeof full, "%s\n" NOTE_EM_DASH "%s %s\n", text, key_name, sig);
    if (n < 0 || (size_t)n >= sizeof full || (size_t)n >= cap)
        return relais_status_set(RELAIS_E_INVALID, "checkpoint note needs %d bytes, room for %zu", n + 1, cap);
    memcpy(note, full, (size_t)n + 1);
    return 0;
}

/* ---- Checkpoint parsing ---------------------------------------------------------------------- */

/* 1 when the line is a valid relais signature by (key_name, key_id, public_key), else 0. */
static int s_check_sig_line(const note_sig_line_t *sl, const char *key_name, const uint8_t key_id[NOTE_KEY_ID],
                            const uint8_t public_key[32], const char *text, size_t text_len)
{
    uint8_t blob[S_SIG_BLOB];
    if (sl->name_len != strlen(key_name) || memcmp(sl->name, key_name, sl->name_len) != 0)
        return 0;
    /* Another algorithm's or key's line under the same name (a witness's cosignature) is not ours
     * to judge. */
    if (!note_b64_decode_exact(sl->b64, sl->b64_len, blob, sizeof blob) || memcmp(blob, key_id, NOTE_KEY_ID) != 0)
        return 0;
    return note_ed25519_verify(public_key, (const uint8_t *)text, text_len, blob + NOTE_KEY_ID);
}

/* Walks every signature line: all must be well formed, one must verify. */
static int s_check_sigs(const char *note, size_t sigs_at, const char *key_name, const uint8_t public_key[32])
{
    uint8_t key_id[NOTE_KEY_ID];
    int rc = note_key_id(key_name, strlen(key_name), NOTE_ALG_ED25519, public_key, key_id);
    if (rc != 0)
        return rc;
    size_t pos = sigs_at, len;
    const char *line;
    bool verified = false;
    while (note[pos] != '\0') {
        note_sig_line_t sl;
        if (!note_next_line(note, &pos, &line, &len) || !note_parse_sig_line(line, len, &sl))
            return relais_status_set(RELAIS_E_MALFORMED, "checkpoint: bad signature line");
        rc = verified ? 0 : s_check_sig_line(&sl, key_name, key_id, public_key, note, sigs_at - 1);
        if (rc < 0)
            return rc;
        verified = verified || rc == 1;
    }
    if (pos == sigs_at)
        return relais_status_set(RELAIS_E_MALFORMED, "checkpoint: no signature line");
    if (!verified)
        return relais_status_set(RELAIS_E_BAD_SIGNATURE, "checkpoint: no valid signature by key '%s'", key_name);
    return 0;
}

int relais_checkpoint_verify(const char *note, const char *key_name, const uint8_t public_key[32],
                             relais_checkpoint_t *out)
{
    if (note == NULL || public_key == NULL || out == NULL)
        return relais_status_set(RELAIS_E_INVALID, "checkpoint verify: missing argument");
    if (!note_valid_key_name(key_name))
        return relais_status_set(RELAIS_E_INVALID, "checkpoint verify: bad key name");
    relais_checkpoint_t cp;
    size_t sigs_at = 0;
    int rc = note_parse_checkpoint(note, &cp, &sigs_at);
    if (rc == 0)
        rc = s_check_sigs(note, sigs_at, key_name, public_key);
    if (rc == 0)
        *out = cp;
    return rc;
}
