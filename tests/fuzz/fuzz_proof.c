/* fuzz_proof.c -- libFuzzer target: an auditor's proof and checkpoint checks on hostile input, and real proofs. */
#include "fuzz_common.h"

#include "relais_merkle.h"
#include "relais_proto.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Input layout for the verifiers; anything shorter is zero-padded, anything past it is the path. */
#define S_HEAD (8 + 8 + RELAIS_HASH_SIZE + RELAIS_HASH_SIZE) /* index, size, leaf, root */
#define S_MAX_PATH (RELAIS_MERKLE_MAX_PATH + 2)              /* a little over, to try the bound */
#define S_SMALL_MAX 300                                      /* leaves of the real, distinct tree */
#define S_LEVELS 9                                           /* its levels: 2^8 <= 300 < 2^9 */

static uint8_t s_public[32];

typedef struct {
    uint64_t index;                /* leaf index, or the old size */
    uint64_t size;                 /* tree size, or the new size */
    relais_hash_t leaf;            /* leaf hash, or the old root */
    relais_hash_t root;            /* root, or the new root */
    relais_hash_t *path;           /* the proof, exactly path_len long so that ASan sees an over-read */
    size_t path_len;               /* its hashes */
} s_input_t;

static uint64_t s_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

static void s_parse(const uint8_t *data, size_t size, s_input_t *in)
{
    uint8_t head[S_HEAD] = {0};
    memcpy(head, data, size < S_HEAD ? size : S_HEAD);
    in->index = s_u64(head);
    in->size = s_u64(head + 8);
    memcpy(in->leaf, head + 16, RELAIS_HASH_SIZE);
    memcpy(in->root, head + 16 + RELAIS_HASH_SIZE, RELAIS_HASH_SIZE);
    size_t rest = size > S_HEAD ? (size - S_HEAD) / RELAIS_HASH_SIZE : 0;
    in->path_len = rest < S_MAX_PATH ? rest : S_MAX_PATH;
    in->path = in->path_len ? malloc(in->path_len * sizeof *in->path) : NULL;
    FUZZ_CHECK(in->path != NULL || in->path_len == 0, "no memory for a path", 0);
    if (in->path_len)
        memcpy(in->path, data + S_HEAD, in->path_len * sizeof *in->path);
}

/* ---- Trees whose proofs must verify ------------------------------------------------------ */

/* Two trees the callback serves, built once: the input picks a size and positions. Small: 300
 * distinct leaves, every perfect subtree stored by level, and RFC 9162's MTH of every prefix
 * by its recursive definition. Huge: every leaf the same, so a subtree's hash depends on its
 * height only and a tree of 2^62 leaves costs 63 hashes; it reaches the index arithmetic
 * near 2^63 that a small tree never does. */
typedef struct {
    uint64_t size;                    /* leaves served: the prefix the input chose */
    bool uniform;                     /* the huge kind */
} s_tree_t;

static relais_hash_t s_levels[S_LEVELS][S_SMALL_MAX]; /* [l][i]: subtree of 2^l leaves at i << l */
static relais_hash_t s_mth[S_SMALL_MAX + 1];          /* [n]: reference root of the first n leaves */
static relais_hash_t s_heights[64];                   /* [l]: any perfect subtree of the huge tree */

/* The proof code promises to ask only for perfect subtrees inside the tree. */
static int s_get(void *ctx, unsigned level, uint64_t index, relais_hash_t out)
{
    const s_tree_t *t = ctx;
    FUZZ_CHECK(level < 64 && index < (t->size >> level), "the proof code asked for a subtree outside the tree", 0);
    memcpy(out, t->uniform ? s_heights[level] : s_levels[level][index], RELAIS_HASH_SIZE);
    return 0;
}

/* MTH(D[start:start+n]) by the RFC's recursion, from the stored leaves. */
static void s_reference_root(uint64_t start, uint64_t n, relais_hash_t out)
{
    if (n == 1) {
        memcpy(out, s_levels[0][start], RELAIS_HASH_SIZE);
        return;
    }
    uint64_t k = 1;
    while (k * 2 < n)
        k *= 2;
    relais_hash_t left, right;
    s_reference_root(start, k, left);
    s_reference_root(start + k, n - k, right);
    relais_merkle_node_hash(left, right, out);
}

static void s_trees_build(void)
{
    for (uint64_t i = 0; i < S_SMALL_MAX; i++) {
        char leaf[32];
        int n = snprintf(leaf, sizeof leaf, "leaf-%llu", (unsigned long long)i);
        relais_merkle_leaf_hash((const uint8_t *)leaf, (size_t)n, s_levels[0][i]);
    }
    for (unsigned l = 1; l < S_LEVELS; l++)
        for (uint64_t i = 0; i < (S_SMALL_MAX >> l); i++)
            relais_merkle_node_hash(s_levels[l - 1][2 * i], s_levels[l - 1][2 * i + 1], s_levels[l][i]);
    for (uint64_t n = 1; n <= S_SMALL_MAX; n++)
        s_reference_root(0, n, s_mth[n]);
    relais_merkle_leaf_hash((const uint8_t *)"same", 4, s_heights[0]);
    for (unsigned l = 1; l < 64; l++)
        relais_merkle_node_hash(s_heights[l - 1], s_heights[l - 1], s_heights[l]);
}

/* A proof with one bit changed anywhere must fail; SHA-256 makes that certain, not likely. */
static void s_check_tamper(relais_hash_t *path, size_t len, uint64_t pick, bool inclusion, uint64_t a, uint64_t b,
                           const relais_hash_t x, const relais_hash_t root)
{
    if (len == 0)
        return;
    size_t i = (size_t)(pick % len);
    uint8_t bit = (uint8_t)(1u << (pick >> 8) % 8);
    path[i][(pick >> 16) % RELAIS_HASH_SIZE] ^= bit;
    int rc = inclusion ? relais_merkle_verify_inclusion(a, b, x, path, len, root)
                       : relais_merkle_verify_consistency(a, b, x, root, path, len);
    FUZZ_CHECK(rc == RELAIS_E_PROOF, "a proof with a flipped bit still verifies", rc);
    path[i][(pick >> 16) % RELAIS_HASH_SIZE] ^= bit;
}

/* A proof of a tree the API covers must be made and verify; past 2^63 - 1 leaves a proof may
 * need more than RELAIS_MERKLE_MAX_PATH hashes, and refusing it is the only other answer. */
static int s_made(int rc, const s_tree_t *t, const char *what)
{
    FUZZ_CHECK(rc == 0 || (rc == RELAIS_E_INVALID && t->size >> 63), what, rc);
    return rc == 0;
}

static void s_proofs_verify(const s_tree_t *t, uint64_t pick)
{
    relais_hash_t root, old_root, leaf, path[RELAIS_MERKLE_MAX_PATH];
    size_t len = 0;
    uint64_t m = pick % t->size, old = 1 + pick % t->size;
    int rc = relais_merkle_root(s_get, (void *)t, t->size, root);
    FUZZ_CHECK(rc == 0, "merkle_root failed on a served tree", rc);
    if (!t->uniform)
        FUZZ_CHECK(memcmp(s_mth[t->size], root, RELAIS_HASH_SIZE) == 0, "merkle_root differs from RFC 9162's MTH", 0);
    s_get((void *)t, 0, m, leaf);
    rc = relais_merkle_inclusion_proof(s_get, (void *)t, m, t->size, path, &len);
    if (s_made(rc, t, "inclusion_proof failed on a served tree")) {
        rc = relais_merkle_verify_inclusion(m, t->size, leaf, path, len, root);
        FUZZ_CHECK(rc == 0, "a generated inclusion proof does not verify", rc);
        s_check_tamper(path, len, pick >> 8, true, m, t->size, leaf, root);
    }
    rc = relais_merkle_root(s_get, (void *)t, old, old_root);
    FUZZ_CHECK(rc == 0, "merkle_root failed on a served tree", rc);
    rc = relais_merkle_consistency_proof(s_get, (void *)t, old, t->size, path, &len);
    if (s_made(rc, t, "consistency_proof failed on a served tree")) {
        rc = relais_merkle_verify_consistency(old, t->size, old_root, root, path, len);
        FUZZ_CHECK(rc == 0, "a generated consistency proof does not verify", rc);
        s_check_tamper(path, len, pick >> 16, false, old, t->size, old_root, root);
    }
}

/* Hostile proofs: any answer but a crash, and no more than the two the API lists. Against a
 * genuine root of the small tree (the seeds' proofs come from its first leaves), acceptance
 * must also prove the genuine leaf, or the genuine old root: what an auditor relies on. */
static void s_verify_hostile(const s_input_t *in)
{
    bool genuine = in->size >= 1 && in->size <= S_SMALL_MAX && memcmp(in->root, s_mth[in->size], RELAIS_HASH_SIZE) == 0;
    int rc = relais_merkle_verify_inclusion(in->index, in->size, in->leaf, in->path, in->path_len, in->root);
    FUZZ_CHECK(rc == 0 || rc == RELAIS_E_PROOF, "verify_inclusion failed other than PROOF", rc);
    if (rc == 0) {
        FUZZ_CHECK(in->index < in->size && in->path_len <= RELAIS_MERKLE_MAX_PATH, "inclusion accepted bad bounds", 0);
        FUZZ_CHECK(!genuine || memcmp(in->leaf, s_levels[0][in->index], RELAIS_HASH_SIZE) == 0,
                   "inclusion accepted a leaf that is not at that index of the tree", 0);
    }
    rc = relais_merkle_verify_consistency(in->index, in->size, in->leaf, in->root, in->path, in->path_len);
    FUZZ_CHECK(rc == 0 || rc == RELAIS_E_PROOF, "verify_consistency failed other than PROOF", rc);
    if (rc == 0) {
        FUZZ_CHECK(in->index > 0 && in->index <= in->size, "consistency accepted bad sizes", 0);
        FUZZ_CHECK(!genuine || memcmp(in->leaf, s_mth[in->index], RELAIS_HASH_SIZE) == 0,
                   "consistency accepted an old root that is not the tree's", 0);
    }
}

static void s_real_trees(const s_input_t *in)
{
    s_tree_t small = {.size = 1 + in->size % S_SMALL_MAX};
    s_proofs_verify(&small, in->index);
    /* size's top bit picks up to 2^63 - 1 leaves, the bound under which the API promises a
     * proof fits its path, or beyond; one of the two per input, as each costs ~2000 hashes */
    s_tree_t huge = {.size = in->size >> 63 ? in->size : 1 + in->size % ((UINT64_C(1) << 63) - 1), .uniform = true};
    s_proofs_verify(&huge, in->index);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_sign_public(s_public);
    s_trees_build();
    return 0;
}

/* ---- Checkpoint notes --------------------------------------------------------------------- */

/* The input as a note: any verdict, and a note it accepts re-signs to one it accepts again. */
static void s_checkpoint(const uint8_t *data, size_t size)
{
    char *note = malloc(size + 1);
    FUZZ_CHECK(note != NULL, "no memory for a note", 0);
    memcpy(note, data, size);
    note[size] = '\0';
    relais_checkpoint_t cp, cp2;
    int rc = relais_checkpoint_verify(note, FUZZ_KEY_NAME, s_public, &cp);
    free(note);
    FUZZ_CHECK(rc == 0 || rc == RELAIS_E_MALFORMED || rc == RELAIS_E_BAD_SIGNATURE,
               "checkpoint_verify failed with a code it does not list", rc);
    if (rc != 0)
        return;
    char again[RELAIS_CHECKPOINT_MAX];
    rc = relais_checkpoint_sign(&cp, FUZZ_KEY_NAME, fuzz_sign_seed, again, sizeof again);
    FUZZ_CHECK(rc == 0, "checkpoint_sign refused a checkpoint that verified", rc);
    rc = relais_checkpoint_verify(again, FUZZ_KEY_NAME, s_public, &cp2);
    FUZZ_CHECK(rc == 0 && strcmp(cp.origin, cp2.origin) == 0 && cp.size == cp2.size &&
                   memcmp(cp.root, cp2.root, RELAIS_HASH_SIZE) == 0,
               "a re-signed checkpoint does not verify to the same values", rc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    s_input_t in;
    s_parse(data, size, &in);
    s_verify_hostile(&in);
    s_real_trees(&in);
    free(in.path);
    s_checkpoint(data, size);
    return 0;
}
