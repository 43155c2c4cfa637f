/* test_merkle.c -- merkle.c against RFC 6962/9162 vectors, a naive reference, tampered proofs and checkpoints. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/evp.h>

#include "relais_merkle.h"
#include "relais_proto.h"

/* ---- Helpers --------------------------------------------------------------------------------- */

static size_t s_unhex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = strlen(hex) / 2;
    assert_true(n <= cap);
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
    return n;
}

static void s_hash_from_hex(const char *hex, relais_hash_t out)
{
    assert_int_equal(s_unhex(hex, out, RELAIS_HASH_SIZE), RELAIS_HASH_SIZE);
}

static void s_sha256(const uint8_t *data, size_t len, relais_hash_t out)
{
    unsigned int n = 0;
    assert_int_equal(EVP_Digest(data, len, out, &n, EVP_sha256(), NULL), 1);
    assert_int_equal(n, RELAIS_HASH_SIZE);
}

/* ---- The reference: RFC 9162 section 2.1 written as recursively as the RFC states it --------- */

static void s_ref_leaf(const uint8_t *data, size_t len, relais_hash_t out)
{
    uint8_t buf[256];
    assert_true(len < sizeof buf);
    buf[0] = 0x00;
    memcpy(buf + 1, data, len);
    s_sha256(buf, len + 1, out);
}

static void s_ref_node(const relais_hash_t l, const relais_hash_t r, relais_hash_t out)
{
    uint8_t buf[1 + 2 * RELAIS_HASH_SIZE];
    buf[0] = 0x01;
    memcpy(buf + 1, l, RELAIS_HASH_SIZE);
    memcpy(buf + 1 + RELAIS_HASH_SIZE, r, RELAIS_HASH_SIZE);
    s_sha256(buf, sizeof buf, out);
}

static uint64_t s_ref_k(uint64_t n)
{
    uint64_t k = 1;
    while (k * 2 < n)
        k *= 2;
    return k;
}

/* MTH(D[n]) over leaf hashes d. */
static void s_ref_mth(const relais_hash_t *d, uint64_t n, relais_hash_t out)
{
    if (n == 0) {
        s_sha256(NULL, 0, out);
    } else if (n == 1) {
        memcpy(out, d[0], RELAIS_HASH_SIZE);
    } else {
        uint64_t k = s_ref_k(n);
        relais_hash_t l, r;
        s_ref_mth(d, k, l);
        s_ref_mth(d + k, n - k, r);
        s_ref_node(l, r, out);
    }
}

/* PATH(m, D[n]). */
static void s_ref_path(uint64_t m, const relais_hash_t *d, uint64_t n, relais_hash_t *out, size_t *len)
{
    if (n == 1) {
        *len = 0;
        return;
    }
    uint64_t k = s_ref_k(n);
    if (m < k) {
        s_ref_path(m, d, k, out, len);
        s_ref_mth(d + k, n - k, out[(*len)++]);
    } else {
        s_ref_path(m - k, d + k, n - k, out, len);
        s_ref_mth(d, k, out[(*len)++]);
    }
}

/* SUBPROOF(m, D[n], b); PROOF(m, D[n]) = SUBPROOF(m, D[n], true). */
static void s_ref_subproof(uint64_t m, const relais_hash_t *d, uint64_t n, bool b, relais_hash_t *out, size_t *len)
{
    if (m == n) {
        *len = 0;
        if (!b)
            s_ref_mth(d, n, out[(*len)++]);
        return;
    }
    uint64_t k = s_ref_k(n);
    if (m <= k) {
        s_ref_subproof(m, d, k, b, out, len);
        s_ref_mth(d + k, n - k, out[(*len)++]);
    } else {
        s_ref_subproof(m - k, d + k, n - k, false, out, len);
        s_ref_mth(d, k, out[(*len)++]);
    }
}

/* ---- An in-memory tree behind the subtree callback ------------------------------------------- */

#define S_MAX_LEAVES 72 /* sizes 1..70 are proved; sizes up to 72 serve as wrong claims */
#define S_MAX_SIZE 70

typedef struct {
    relais_hash_t leaves[S_MAX_LEAVES]; /* leaf hashes */
    uint64_t count;                     /* leaves the callback may serve */
    unsigned lookups;                   /* callback calls so far */
    unsigned fail_at;                   /* the lookup (1-based) that fails with RELAIS_E_IO; 0 never */
} s_tree_t;

/* Serves only perfect, aligned subtrees inside the tree: anything else fails the test. */
static int s_tree_get(void *ctx, unsigned level, uint64_t index, relais_hash_t out)
{
    s_tree_t *t = ctx;
    t->lookups++;
    if (t->fail_at != 0 && t->lookups == t->fail_at)
        return RELAIS_E_IO;
    if (level >= 63 || index > (UINT64_MAX >> level))
        return RELAIS_E_NOT_FOUND;
    uint64_t width = UINT64_C(1) << level, start = index << level;
    if (start >= t->count || width > t->count - start)
        return RELAIS_E_NOT_FOUND;
    s_ref_mth(t->leaves + start, width, out);
    return 0;
}

static const char *const s_ct_data[8] = {"",         "00",       "10",       "2021", "3031", "40414243",
                                         "5051525354555657", "606162636465666768696a6b6c6d6e6f"};

static void s_tree_ct(s_tree_t *t)
{
    memset(t, 0, sizeof *t);
    for (int i = 0; i < 8; i++) {
        uint8_t d[16];
        size_t n = s_unhex(s_ct_data[i], d, sizeof d);
        s_ref_leaf(d, n, t->leaves[i]);
    }
    t->count = 8;
}

static void s_tree_big(s_tree_t *t)
{
    memset(t, 0, sizeof *t);
    for (unsigned i = 0; i < S_MAX_LEAVES; i++) {
        char d[32];
        int n = snprintf(d, sizeof d, "relais leaf %u", i);
        s_ref_leaf((const uint8_t *)d, (size_t)n, t->leaves[i]);
    }
    t->count = S_MAX_LEAVES;
}

static void s_assert_hash_hex(const relais_hash_t h, const char *hex)
{
    relais_hash_t want;
    s_hash_from_hex(hex, want);
    assert_memory_equal(h, want, RELAIS_HASH_SIZE);
}

/* ---- (1) Known vectors ----------------------------------------------------------------------- */

/* Roots of the first n Certificate Transparency test leaves (RFC 6962 implementations). */
static const char *const s_ct_roots[9] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

static void test_hash_primitives(void **state)
{
    (void)state;
    relais_hash_t h, l, r;
    relais_merkle_empty_root(h);
    s_assert_hash_hex(h, s_ct_roots[0]);
    relais_merkle_leaf_hash(NULL, 0, h);
    s_assert_hash_hex(h, s_ct_roots[1]);

    const uint8_t zero = 0x00;
    relais_merkle_leaf_hash((const uint8_t *)"", 0, l);
    relais_merkle_leaf_hash(&zero, 1, r);
    relais_merkle_node_hash(l, r, h);
    s_assert_hash_hex(h, s_ct_roots[2]);
    /* out may alias either input */
    relais_hash_t a;
    memcpy(a, l, sizeof a);
    relais_merkle_node_hash(a, r, a);
    assert_memory_equal(a, h, RELAIS_HASH_SIZE);
    memcpy(a, r, sizeof a);
    relais_merkle_node_hash(l, a, a);
    assert_memory_equal(a, h, RELAIS_HASH_SIZE);
}

static void test_ct_roots(void **state)
{
    (void)state;
    s_tree_t t;
    s_tree_ct(&t);
    relais_hash_t h;
    for (uint64_t n = 0; n <= 8; n++) {
        t.lookups = 0;
        assert_int_equal(relais_merkle_root(s_tree_get, &t, n, h), 0);
        s_assert_hash_hex(h, s_ct_roots[n]);
        assert_int_equal(t.lookups, __builtin_popcountll(n));
    }
    assert_int_equal(relais_merkle_root(NULL, NULL, 0, h), 0);
    s_assert_hash_hex(h, s_ct_roots[0]);
}

static void s_assert_path_hex(const relais_hash_t *path, size_t len, const char *const *hex, size_t want)
{
    assert_int_equal(len, want);
    for (size_t i = 0; i < want; i++)
        s_assert_hash_hex(path[i], hex[i]);
}

/* Inclusion and consistency proofs published with the same CT test data. */
static void test_ct_proofs(void **state)
{
    (void)state;
    static const char *const incl_0_8[] = {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                                           "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                                           "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"};
    static const char *const incl_5_8[] = {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                                           "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                                           "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"};
    static const char *const cons_2_8[] = {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                                           "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"};
    static const char *const cons_6_8[] = {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                                           "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                                           "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"};
    static const char *const cons_2_5[] = {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                                           "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"};
    s_tree_t t;
    s_tree_ct(&t);
    relais_hash_t path[RELAIS_MERKLE_MAX_PATH], r_old, r_new;
    size_t len = 99;

    s_hash_from_hex(s_ct_roots[8], r_new);
    assert_int_equal(relais_merkle_inclusion_proof(s_tree_get, &t, 0, 8, path, &len), 0);
    s_assert_path_hex(path, len, incl_0_8, 3);
    assert_int_equal(relais_merkle_verify_inclusion(0, 8, t.leaves[0], path, len, r_new), 0);
    assert_int_equal(relais_merkle_inclusion_proof(s_tree_get, &t, 5, 8, path, &len), 0);
    s_assert_path_hex(path, len, incl_5_8, 3);
    assert_int_equal(relais_merkle_verify_inclusion(5, 8, t.leaves[5], path, len, r_new), 0);

    assert_int_equal(relais_merkle_consistency_proof(s_tree_get, &t, 2, 8, path, &len), 0);
    s_assert_path_hex(path, len, cons_2_8, 2);
    s_hash_from_hex(s_ct_roots[2], r_old);
    assert_int_equal(relais_merkle_verify_consistency(2, 8, r_old, r_new, path, len), 0);
    assert_int_equal(relais_merkle_consistency_proof(s_tree_get, &t, 6, 8, path, &len), 0);
    s_assert_path_hex(path, len, cons_6_8, 3);
    s_hash_from_hex(s_ct_roots[6], r_old);
    assert_int_equal(relais_merkle_verify_consistency(6, 8, r_old, r_new, path, len), 0);
    assert_int_equal(relais_merkle_consistency_proof(s_tree_get, &t, 2, 5, path, &len), 0);
    s_assert_path_hex(path, len, cons_2_5, 2);
    s_hash_from_hex(s_ct_roots[2], r_old);
    s_hash_from_hex(s_ct_roots[5], r_new);
    assert_int_equal(relais_merkle_verify_consistency(2, 5, r_old, r_new, path, len), 0);
}

/* ---- (2) The library against the reference, every size 1..70 ---------------------------------- */

static void s_assert_paths_equal(const relais_hash_t *got, size_t got_len, const relais_hash_t *want,
                                 size_t want_len, const char *what, uint64_t a, uint64_t b)
{
    if (got_len != want_len)
        fail_msg("%s(%llu, %llu): %zu hashes, reference has %zu", what, (unsigned long long)a,
                 (unsigned long long)b, got_len, want_len);
    for (size_t i = 0; i < got_len; i++)
        if (memcmp(got[i], want[i], RELAIS_HASH_SIZE) != 0)
            fail_msg("%s(%llu, %llu): hash %zu differs from the reference", what, (unsigned long long)a,
                     (unsigned long long)b, i);
}

static void test_roots_match_reference(void **state)
{
    (void)state;
    s_tree_t t;
    s_tree_big(&t);
    for (uint64_t n = 0; n <= S_MAX_SIZE; n++) {
        relais_hash_t got, want;
        t.count = n; /* the callback must never look past the tree */
        t.lookups = 0;
        assert_int_equal(relais_merkle_root(s_tree_get, &t, n, got), 0);
        s_ref_mth(t.leaves, n, want);
        assert_memory_equal(got, want, RELAIS_HASH_SIZE);
        assert_int_equal(t.lookups, __builtin_popcountll(n));
    }
}

static void test_inclusion_matches_reference(void **state)
{
    (void)state;
    s_tree_t t;
    s_tree_big(&t);
    for (uint64_t n = 1; n <= S_MAX_SIZE; n++) {
        t.count = n;
        for (uint64_t i = 0; i < n; i++) {
            relais_hash_t got[RELAIS_MERKLE_MAX_PATH], want[RELAIS_MERKLE_MAX_PATH];
            size_t got_len = 0, want_len = 0;
            assert_int_equal(relais_merkle_inclusion_proof(s_tree_get, &t, i, n, got, &got_len), 0);
            s_ref_path(i, t.leaves, n, want, &want_len);
            s_assert_paths_equal(got, got_len, want, want_len, "PATH", i, n);
        }
    }
}

static void test_consistency_matches_reference(void **state)
{
    (void)state;
    s_tree_t t;
    s_tree_big(&t);
    for (uint64_t n = 1; n <= S_MAX_SIZE; n++) {
        t.count = n;
        for (uint64_t m = 1; m <= n; m++) {
            relais_hash_t got[RELAIS_MERKLE_MAX_PATH], want[RELAIS_MERKLE_MAX_PATH];
            size_t got_len = 99, want_len = 0;
            assert_int_equal(relais_merkle_consistency_proof(s_tree_get, &t, m, n, got, &got_len), 0);
            s_ref_subproof(m, t.leaves, n, true, want, &want_len);
            s_assert_paths_equal(got, got_len, want, want_len, "PROOF", m, n);
        }
    }
}

/* ---- (3) Every proof verifies, and no altered one does ----------------------------------------- */

/* Reference roots of the big tree, for sizes 0..S_MAX_LEAVES. */
static void s_big_roots(const s_tree_t *t, relais_hash_t roots[S_MAX_LEAVES + 1])
{
    for (uint64_t n = 0; n <= S_MAX_LEAVES; n++)
        s_ref_mth(t->leaves, n, roots[n]);
}

static void s_expect_incl(int want_ok, uint64_t i, uint64_t n, const relais_hash_t leaf, const relais_hash_t *path,
                          size_t len, const relais_hash_t root, const char *what)
{
    int rc = relais_merkle_verify_inclusion(i, n, leaf, path, len, root);
    if (rc != (want_ok ? 0 : RELAIS_E_PROOF))
        fail_msg("inclusion %s (index %llu, size %llu, %zu hashes): rc %d", what, (unsigned long long)i,
                 (unsigned long long)n, len, rc);
}

/* Bytes flipped, and the path cut short or extended. */
static void s_tamper_inclusion_path(uint64_t i, uint64_t n, const relais_hash_t leaf, relais_hash_t *path, size_t len,
                                    const relais_hash_t root)
{
    relais_hash_t longer[RELAIS_MERKLE_MAX_PATH + 1];
    for (size_t e = 0; e < len; e++)
        for (size_t b = 0; b < RELAIS_HASH_SIZE; b++) {
            path[e][b] ^= 0x01;
            s_expect_incl(0, i, n, leaf, path, len, root, "flipped byte");
            path[e][b] ^= 0x01;
        }
    for (size_t cut = 0; cut < len; cut++)
        s_expect_incl(0, i, n, leaf, path, cut, root, "truncated");
    memcpy(longer, path, len * sizeof *path);
    memset(longer[len], 0, RELAIS_HASH_SIZE);
    s_expect_incl(0, i, n, leaf, longer, len + 1, root, "extended with zeros");
    if (len > 0) {
        memcpy(longer[len], path[len - 1], RELAIS_HASH_SIZE);
        s_expect_incl(0, i, n, leaf, longer, len + 1, root, "extended with a copy");
    }
}

/* The index and the size changed; a changed size is checked against its own root, and
 * against the proof's root whenever the RFC's path for that size has another length (with
 * equal lengths and the same shape, RFC 9162 binds the size only through the root). */
static void s_tamper_inclusion_claim(const s_tree_t *t, const relais_hash_t *roots, uint64_t i, uint64_t n,
                                     const relais_hash_t *path, size_t len)
{
    for (uint64_t j = 0; j < n + 2; j++)
        if (j != i)
            s_expect_incl(0, j, n, t->leaves[i], path, len, roots[n], "other index");
    s_expect_incl(0, UINT64_MAX, n, t->leaves[i], path, len, roots[n], "index max");
    s_expect_incl(0, i, n, t->leaves[(i + 1) % S_MAX_LEAVES], path, len, roots[n], "other leaf");
    for (uint64_t m = 1; m <= S_MAX_LEAVES; m++) {
        if (m == n)
            continue;
        s_expect_incl(0, i, m, t->leaves[i], path, len, roots[m], "other size, its root");
        relais_hash_t ref[RELAIS_MERKLE_MAX_PATH];
        size_t ref_len = 0;
        if (i < m)
            s_ref_path(i, t->leaves, m, ref, &ref_len);
        if (i >= m || ref_len != len)
            s_expect_incl(0, i, m, t->leaves[i], path, len, roots[n], "other size");
    }
    s_expect_incl(0, i, 0, t->leaves[i], path, len, roots[n], "size 0");
    s_expect_incl(0, i, UINT64_MAX, t->leaves[i], path, len, roots[n], "size max");
}

static void test_inclusion_tampering(void **state)
{
    (void)state;
    s_tree_t t;
    s_tree_big(&t);
    relais_hash_t roots[S_MAX_LEAVES + 1];
    s_big_roots(&t, roots);
    for (uint64_t n = 1; n <= S_MAX_SIZE; n++) {
        for (uint64_t i = 0; i < n; i++) {
            relais_hash_t path[RELAIS_MERKLE_MAX_PATH], root;
            size_t len = 0;
            assert_int_equal(relais_merkle_inclusion_proof(s_tree_get, &t, i, n, path, &len), 0);
            s_expect_incl(1, i, n, t.leaves[i], path, len, roots[n], "genuine");
            s_tamper_inclusion_path(i, n, t.leaves[i], path, len, roots[n]);
            s_tamper_inclusion_claim(&t, roots, i, n, path, len);
            memcpy(root, roots[n], sizeof root);
            root[31] ^= 0x80;
            s_expect_incl(0, i, n, t.leaves[i], path, len, root, "other root");
        }
    }
}

static void s_expect_cons(int want_ok, uint64_t m, uint64_t n, const relais_hash_t r_old, const relais_hash_t r_new,
                          const relais_hash_t *path, size_t len, const char *what)
{
    int rc = relais_merkle_verify_consistency(m, n, r_old, r_new, path, len);
    if (rc != (want_ok ? 0 : RELAIS_E_PROOF))
        fail_msg("consistency %s (%llu -> %llu, %zu hashes): rc %d", what, (unsigned long long)m,
                 (unsigned long long)n, len, rc);
}

static void s_tamper_consistency_path(uint64_t m, uint64_t n, const relais_hash_t *roots, relais_hash_t *path,
                                      size_t len)
{
    relais_hash_t longer[RELAIS_MERKLE_MAX_PATH + 1];
    for (size_t e = 0; e < len; e++)
        for (size_t b = 0; b < RELAIS_HASH_SIZE; b++) {
            path[e][b] ^= 0x01;
            s_expect_cons(0, m, n, roots[m], roots[n], path, len, "flipped byte");
            path[e][b] ^= 0x01;
        }
    for (size_t cut = 0; cut < len; cut++)
        s_expect_cons(0, m, n, roots[m], roots[n], path, cut, "truncated");
    memcpy(longer, path, len * sizeof *path);
    memset(longer[len], 0, RELAIS_HASH_SIZE);
    s_expect_cons(0, m, n, roots[m], roots[n], longer, len + 1, "extended with zeros");
    if (len > 0) {
        memcpy(longer[len], path[len - 1], RELAIS_HASH_SIZE);
        s_expect_cons(0, m, n, roots[m], roots[n], longer, len + 1, "extended with a copy");
    }
}

static void s_tamper_consistency_claim(uint64_t m, uint64_t n, const relais_hash_t *roots, const relais_hash_t *path,
                                       size_t len)
{
    for (uint64_t m2 = 0; m2 <= S_MAX_LEAVES; m2++)
        if (m2 != m)
            s_expect_cons(0, m2, n, roots[m2], roots[n], path, len, "other old size");
    for (uint64_t n2 = 1; n2 <= S_MAX_LEAVES; n2++)
        if (n2 != n)
            s_expect_cons(0, m, n2, roots[m], roots[n2], path, len, "other new size");
    if (m != n) {
        s_expect_cons(0, m, n, roots[n], roots[m], path, len, "roots swapped");
        s_expect_cons(0, n, m, roots[n], roots[m], path, len, "sizes swapped");
        s_expect_cons(0, m, n, roots[m], roots[m], path, len, "old root twice");
    }
    s_expect_cons(0, m, n, roots[m - 1], roots[n], path, len, "other old root");
    s_expect_cons(0, m, n, roots[m], roots[n - 1], path, len, "other new root");
    s_expect_cons(0, m, UINT64_MAX, roots[m], roots[n], path, len, "new size max");
}

static void test_consistency_tampering(void **state)
{
    (void)state;
    s_tree_t t;
    s_tree_big(&t);
    relais_hash_t roots[S_MAX_LEAVES + 1];
    s_big_roots(&t, roots);
    for (uint64_t n = 1; n <= S_MAX_SIZE; n++) {
        for (uint64_t m = 1; m <= n; m++) {
            relais_hash_t path[RELAIS_MERKLE_MAX_PATH];
            size_t len = 99;
            assert_int_equal(relais_merkle_consistency_proof(s_tree_get, &t, m, n, path, &len), 0);
            s_expect_cons(1, m, n, roots[m], roots[n], path, len, "genuine");
            s_tamper_consistency_path(m, n, roots, path, len);
            s_tamper_consistency_claim(m, n, roots, path, len);
        }
    }
}

/* The root a proof of the last leaf leads to is the tree's root, for every size; any other
 * leaf's proof leads there too, and a path of the wrong length leads nowhere. */
static void test_inclusion_root(void **state)
{
    (void)state;
    s_tree_t t;
    s_tree_big(&t);
    for (uint64_t n = 1; n <= S_MAX_SIZE; n++) {
        relais_hash_t path[RELAIS_MERKLE_MAX_PATH], want, got;
        size_t len = 0;
        memset(path, 0, sizeof path);
        t.count = n;
        s_ref_mth(t.leaves, n, want);
        for (uint64_t i = n - 1; i < n; i -= n / 3 + 1) {
            assert_int_equal(relais_merkle_inclusion_proof(s_tree_get, &t, i, n, path, &len), 0);
            memset(got, 0, sizeof got);
            assert_int_equal(relais_merkle_inclusion_root(i, n, t.leaves[i], path, len, got), 0);
            assert_memory_equal(got, want, RELAIS_HASH_SIZE);
            if (len > 0)
                assert_int_equal(relais_merkle_inclusion_root(i, n, t.leaves[i], path, len - 1, got), RELAIS_E_PROOF);
            assert_int_equal(relais_merkle_inclusion_root(i, n, t.leaves[i], path, len + 1, got), RELAIS_E_PROOF);
        }
    }
    relais_hash_t out;
    assert_int_equal(relais_merkle_inclusion_root(1, 1, t.leaves[0], NULL, 0, out), RELAIS_E_PROOF);
    assert_int_equal(relais_merkle_inclusion_root(0, 1, t.leaves[0], NULL, 0, NULL), RELAIS_E_PROOF);
}

static void test_verify_rejects_malformed_calls(void **state)
{
    (void)state;
    s_tree_t t;
    s_tree_ct(&t);
    relais_hash_t root, path[RELAIS_MERKLE_MAX_PATH + 1];
    size_t len = 0;
    assert_int_equal(relais_merkle_root(s_tree_get, &t, 8, root), 0);
    assert_int_equal(relais_merkle_inclusion_proof(s_tree_get, &t, 3, 8, path, &len), 0);
    assert_int_equal(relais_merkle_verify_inclusion(3, 8, t.leaves[3], path, len, root), 0);
    assert_int_equal(relais_merkle_verify_inclusion(8, 8, t.leaves[3], path, len, root), RELAIS_E_PROOF);
    assert_int_equal(relais_merkle_verify_inclusion(3, 0, t.leaves[3], path, len, root), RELAIS_E_PROOF);
    assert_int_equal(relais_merkle_verify_inclusion(3, 8, NULL, path, len, root), RELAIS_E_PROOF);
    assert_int_equal(relais_merkle_verify_inclusion(3, 8, t.leaves[3], NULL, len, root), RELAIS_E_PROOF);
    assert_int_equal(relais_merkle_verify_inclusion(3, 8, t.leaves[3], path, len, NULL), RELAIS_E_PROOF);
    assert_int_equal(relais_merkle_verify_inclusion(3, 8, t.leaves[3], path, RELAIS_MERKLE_MAX_PATH + 1, root),
                     RELAIS_E_PROOF);
    /* a one-leaf tree: the leaf is the root, the path is empty */
    assert_int_equal(relais_merkle_verify_inclusion(0, 1, t.leaves[0], NULL, 0, t.leaves[0]), 0);
    assert_int_equal(relais_merkle_verify_inclusion(0, 1, t.leaves[0], path, 1, t.leaves[0]), RELAIS_E_PROOF);

    relais_hash_t r4, empty;
    assert_int_equal(relais_merkle_root(s_tree_get, &t, 4, r4), 0);
    relais_merkle_empty_root(empty);
    assert_int_equal(relais_merkle_verify_consistency(4, 4, r4, r4, NULL, 0), 0);
    assert_int_equal(relais_merkle_verify_consistency(4, 4, r4, root, NULL, 0), RELAIS_E_PROOF);
    assert_int_equal(relais_merkle_verify_consistency(4, 4, r4, r4, path, 1), RELAIS_E_PROOF);
    assert_int_equal(relais_merkle_verify_consistency(0, 8, empty, root, NULL, 0), RELAIS_E_PROOF);
    assert_int_equal(relais_merkle_verify_consistency(0, 0, empty, empty, NULL, 0), RELAIS_E_PROOF);
    assert_int_equal(relais_merkle_verify_consistency(8, 4, root, r4, path, len), RELAIS_E_PROOF);
    assert_int_equal(relais_merkle_verify_consistency(4, 8, r4, root, NULL, 0), RELAIS_E_PROOF);
    relais_hash_t r3;
    assert_int_equal(relais_merkle_root(s_tree_get, &t, 3, r3), 0);
    assert_int_equal(relais_merkle_verify_consistency(3, 8, r3, root, NULL, 0), RELAIS_E_PROOF);
    assert_int_equal(relais_merkle_verify_consistency(3, 8, r3, root, path, 0), RELAIS_E_PROOF);
    assert_int_equal(relais_merkle_verify_consistency(4, 8, r4, root, NULL, 1), RELAIS_E_PROOF);
    assert_int_equal(relais_merkle_verify_consistency(4, 8, NULL, root, path, 1), RELAIS_E_PROOF);
    assert_int_equal(relais_merkle_verify_consistency(4, 8, r4, NULL, path, 1), RELAIS_E_PROOF);
    assert_int_equal(relais_merkle_consistency_proof(s_tree_get, &t, 4, 8, path, &len), 0);
    assert_int_equal(relais_merkle_verify_consistency(4, 8, r4, root, path, len), 0);
    assert_int_equal(relais_merkle_verify_consistency(4, 8, r4, root, path, RELAIS_MERKLE_MAX_PATH + 1),
                     RELAIS_E_PROOF);
}

static void test_proof_generation_rejects_invalid(void **state)
{
    (void)state;
    s_tree_t t;
    s_tree_ct(&t);
    relais_hash_t path[RELAIS_MERKLE_MAX_PATH], h;
    size_t len = 99;
    assert_int_equal(relais_merkle_inclusion_proof(s_tree_get, &t, 8, 8, path, &len), RELAIS_E_INVALID);
    assert_int_equal(relais_merkle_inclusion_proof(s_tree_get, &t, 0, 0, path, &len), RELAIS_E_INVALID);
    assert_int_equal(relais_merkle_inclusion_proof(s_tree_get, &t, UINT64_MAX, 8, path, &len), RELAIS_E_INVALID);
    assert_int_equal(relais_merkle_inclusion_proof(NULL, &t, 0, 8, path, &len), RELAIS_E_INVALID);
    assert_int_equal(relais_merkle_inclusion_proof(s_tree_get, &t, 0, 8, NULL, &len), RELAIS_E_INVALID);
    assert_int_equal(relais_merkle_inclusion_proof(s_tree_get, &t, 0, 8, path, NULL), RELAIS_E_INVALID);
    assert_int_equal(relais_merkle_consistency_proof(s_tree_get, &t, 0, 8, path, &len), RELAIS_E_INVALID);
    assert_int_equal(relais_merkle_consistency_proof(s_tree_get, &t, 0, 0, path, &len), RELAIS_E_INVALID);
    assert_int_equal(relais_merkle_consistency_proof(s_tree_get, &t, 5, 4, path, &len), RELAIS_E_INVALID);
    assert_int_equal(relais_merkle_consistency_proof(NULL, &t, 4, 8, path, &len), RELAIS_E_INVALID);
    assert_int_equal(relais_merkle_consistency_proof(s_tree_get, &t, 4, 8, NULL, &len), RELAIS_E_INVALID);
    assert_int_equal(relais_merkle_consistency_proof(s_tree_get, &t, 4, 8, path, NULL), RELAIS_E_INVALID);
    assert_int_equal(relais_merkle_root(NULL, &t, 8, h), RELAIS_E_INVALID);
    assert_int_equal(relais_merkle_root(s_tree_get, &t, 8, NULL), RELAIS_E_INVALID);
    /* equal sizes: an empty proof, without asking the store anything */
    t.lookups = 0;
    assert_int_equal(relais_merkle_consistency_proof(s_tree_get, &t, 5, 5, path, &len), 0);
    assert_int_equal(len, 0);
    assert_int_equal(t.lookups, 0);
}

/* Every lookup of every call, made to fail in turn: the callback's status comes back as is. */
static void test_callback_errors_propagate(void **state)
{
    (void)state;
    s_tree_t t;
    s_tree_big(&t);
    t.count = 45;
    relais_hash_t path[RELAIS_MERKLE_MAX_PATH], h;
    size_t len;
    for (int call = 0; call < 3; call++) {
        t.fail_at = 0;
        t.lookups = 0;
        int rc = call == 0   ? relais_merkle_root(s_tree_get, &t, 45, h)
                 : call == 1 ? relais_merkle_inclusion_proof(s_tree_get, &t, 37, 45, path, &len)
                             : relais_merkle_consistency_proof(s_tree_get, &t, 13, 45, path, &len);
        assert_int_equal(rc, 0);
        unsigned total = t.lookups;
        assert_true(total > 1);
        for (unsigned f = 1; f <= total; f++) {
            t.fail_at = f;
            t.lookups = 0;
            rc = call == 0   ? relais_merkle_root(s_tree_get, &t, 45, h)
                 : call == 1 ? relais_merkle_inclusion_proof(s_tree_get, &t, 37, 45, path, &len)
                             : relais_merkle_consistency_proof(s_tree_get, &t, 13, 45, path, &len);
            assert_int_equal(rc, RELAIS_E_IO);
            assert_int_equal(t.lookups, f);
        }
    }
}

/* A tree of identical leaves is consistent at any size: subtree hashes depend on the level
 * only. It lets proofs over 2^64 - 1 leaves be generated and checked. */
static int s_uniform_get(void *ctx, unsigned level, uint64_t index, relais_hash_t out)
{
    const relais_hash_t *levels = ctx;
    if (level > 63 || index > (UINT64_MAX >> level))
        return RELAIS_E_NOT_FOUND;
    memcpy(out, levels[level], RELAIS_HASH_SIZE);
    return 0;
}

static void s_uniform_levels(relais_hash_t levels[64])
{
    s_ref_leaf((const uint8_t *)"same", 4, levels[0]);
    for (int l = 1; l < 64; l++)
        s_ref_node(levels[l - 1], levels[l - 1], levels[l]);
}

static void test_huge_trees(void **state)
{
    (void)state;
    relais_hash_t levels[64], path[RELAIS_MERKLE_MAX_PATH], r_old, r_new;
    s_uniform_levels(levels);
    const uint64_t max = UINT64_MAX, half = UINT64_C(1) << 63;
    size_t len = 0;
    assert_int_equal(relais_merkle_root(s_uniform_get, levels, half, r_new), 0);
    assert_memory_equal(r_new, levels[63], RELAIS_HASH_SIZE);

    assert_int_equal(relais_merkle_root(s_uniform_get, levels, max, r_new), 0);
    const uint64_t idx[] = {0, 1, half - 1, half, max - 2, max - 1};
    for (size_t i = 0; i < sizeof idx / sizeof idx[0]; i++) {
        assert_int_equal(relais_merkle_inclusion_proof(s_uniform_get, levels, idx[i], max, path, &len), 0);
        assert_true(len <= RELAIS_MERKLE_MAX_PATH);
        assert_int_equal(relais_merkle_verify_inclusion(idx[i], max, levels[0], path, len, r_new), 0);
    }
    /* the deepest leaves sit under the left 2^63 subtree: 64 hashes, the most there can be */
    assert_int_equal(relais_merkle_inclusion_proof(s_uniform_get, levels, 0, max, path, &len), 0);
    assert_int_equal(len, 64);
    assert_int_equal(relais_merkle_inclusion_proof(s_uniform_get, levels, max - 1, max, path, &len), 0);
    assert_int_equal(len, 63);

    /* The longest consistency proofs fit: 3 -> 2^63 needs exactly 64 hashes... */
    assert_int_equal(relais_merkle_consistency_proof(s_uniform_get, levels, 3, half, path, &len), 0);
    assert_int_equal(len, 64);
    assert_int_equal(relais_merkle_root(s_uniform_get, levels, 3, r_old), 0);
    assert_int_equal(relais_merkle_root(s_uniform_get, levels, half, r_new), 0);
    assert_int_equal(relais_merkle_verify_consistency(3, half, r_old, r_new, path, len), 0);
    assert_int_equal(relais_merkle_consistency_proof(s_uniform_get, levels, half, max, path, &len), 0);
    assert_int_equal(relais_merkle_root(s_uniform_get, levels, max, r_new), 0);
    assert_int_equal(relais_merkle_verify_consistency(half, max, levels[63], r_new, path, len), 0);
    assert_int_equal(relais_merkle_consistency_proof(s_uniform_get, levels, max - 1, max, path, &len), 0);
    assert_int_equal(relais_merkle_root(s_uniform_get, levels, max - 1, r_old), 0);
    assert_int_equal(relais_merkle_verify_consistency(max - 1, max, r_old, r_new, path, len), 0);
    /* ...but beyond 2^63 leaves some would need 65, more than RELAIS_MERKLE_MAX_PATH: refused. */
    assert_int_equal(relais_merkle_consistency_proof(s_uniform_get, levels, 3, half + 1, path, &len),
                     RELAIS_E_INVALID);
    assert_int_equal(relais_merkle_consistency_proof(s_uniform_get, levels, 3, max, path, &len), RELAIS_E_INVALID);
}

/* ---- (4) Checkpoints --------------------------------------------------------------------------- */

/* RFC 8032 section 7.1, TEST 1: the seed and the public key it gives. */
static const char s_seed_hex[] = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
static const char s_pub_hex[] = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
static const char s_key_name[] = "relais.example/broker";

/* The note for origin "relais.example/log", size 42, the 8-leaf CT root, made independently
 * (Python's `cryptography` Ed25519, hashlib, base64) from the C2SP signed-note spec. */
static const char s_known_note[] =
    "relais.example/log\n42\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n\n"
    "\xE2\x80\x94 relais.example/broker "
    "RDjQkp2+HohON+UqHPgjo5Pg3Z3IcZRaOZuZ8jLSVWRtY+/QMKC5w+GM8PD4YW7KPICSggS4H0+ZQs71+8OdQ6t2jgU=\n";

typedef struct {
    uint8_t seed[32]; /* Ed25519 private key seed */
    uint8_t pub[32];  /* its public key, derived by OpenSSL here */
} s_keys_t;

static void s_keys(s_keys_t *k)
{
    assert_int_equal(s_unhex(s_seed_hex, k->seed, 32), 32);
    EVP_PKEY *key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, k->seed, 32);
    assert_non_null(key);
    size_t n = 32;
    assert_int_equal(EVP_PKEY_get_raw_public_key(key, k->pub, &n), 1);
    EVP_PKEY_free(key);
    uint8_t want[32];
    s_unhex(s_pub_hex, want, 32);
    assert_memory_equal(k->pub, want, 32);
}

static void s_known_checkpoint(relais_checkpoint_t *cp)
{
    memset(cp, 0, sizeof *cp);
    strcpy(cp->origin, "relais.example/log");
    cp->size = 42;
    s_hash_from_hex(s_ct_roots[8], cp->root);
}

/* Signs `text` the way the spec says, with the test's own OpenSSL calls: text, blank line,
 * then one signature line for `name`. */
static void s_make_note(const s_keys_t *k, const char *name, const char *text, char *out, size_t cap)
{
    uint8_t blob[68], h[32], buf[512];
    size_t name_len = strlen(name), sig_len = 64;
    memcpy(buf, name, name_len);
    buf[name_len] = '\n';
    buf[name_len + 1] = 0x01;
    memcpy(buf + name_len + 2, k->pub, 32);
    s_sha256(buf, name_len + 34, h);
    memcpy(blob, h, 4);
    EVP_PKEY *key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, k->seed, 32);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    assert_int_equal(EVP_DigestSignInit(md, NULL, NULL, NULL, key), 1);
    assert_int_equal(EVP_DigestSign(md, blob + 4, &sig_len, (const uint8_t *)text, strlen(text)), 1);
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(key);
    char b64[100];
    EVP_EncodeBlock((unsigned char *)b64, blob, sizeof blob);
    int n = snprintf(out, cap, "%s\n\xE2\x80\x94 %s %s\n", text, name, b64);
    assert_true(n > 0 && (size_t)n < cap);
}

static void test_checkpoint_known_note(void **state)
{
    (void)state;
    s_keys_t k;
    s_keys(&k);
    relais_checkpoint_t cp, got;
    s_known_checkpoint(&cp);
    char note[RELAIS_CHECKPOINT_MAX], mine[RELAIS_CHECKPOINT_MAX];
    assert_int_equal(relais_checkpoint_sign(&cp, s_key_name, k.seed, note, sizeof note), 0);
    assert_string_equal(note, s_known_note);
    s_make_note(&k, s_key_name, "relais.example/log\n42\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n", mine,
                sizeof mine);
    assert_string_equal(note, mine);

    memset(&got, 0xa5, sizeof got);
    assert_int_equal(relais_checkpoint_verify(s_known_note, s_key_name, k.pub, &got), 0);
    assert_string_equal(got.origin, cp.origin);
    assert_int_equal(got.size, 42);
    assert_memory_equal(got.root, cp.root, RELAIS_HASH_SIZE);
}

static void test_checkpoint_round_trip(void **state)
{
    (void)state;
    s_keys_t k;
    s_keys(&k);
    const uint64_t sizes[] = {0, 1, 9, 10, 4294967296ull, UINT64_MAX};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        relais_checkpoint_t cp, got;
        memset(&cp, 0, sizeof cp);
        memset(cp.origin, 'o', sizeof cp.origin - 1); /* the longest origin there is room for */
        cp.size = sizes[i];
        for (int b = 0; b < RELAIS_HASH_SIZE; b++)
            cp.root[b] = (uint8_t)(b * 7 + i);
        char note[RELAIS_CHECKPOINT_MAX];
        assert_int_equal(relais_checkpoint_sign(&cp, s_key_name, k.seed, note, sizeof note), 0);
        assert_int_equal(relais_checkpoint_verify(note, s_key_name, k.pub, &got), 0);
        assert_memory_equal(&got, &cp, sizeof cp);
    }
}

/* Replaces the first `from` in `note` with `to`, into `out`. */
static void s_replace(const char *note, const char *from, const char *to, char *out, size_t cap)
{
    const char *at = strstr(note, from);
    assert_non_null(at);
    int n = snprintf(out, cap, "%.*s%s%s", (int)(at - note), note, to, at + strlen(from));
    assert_true(n > 0 && (size_t)n < cap);
}

static void s_expect_note(const char *note, const char *name, const uint8_t pub[32], int want)
{
    relais_checkpoint_t got;
    int rc = relais_checkpoint_verify(note, name, pub, &got);
    if (rc != want)
        fail_msg("note verified with %d, want %d:\n%s", rc, want, note);
}

static void test_checkpoint_tampered(void **state)
{
    (void)state;
    s_keys_t k;
    s_keys(&k);
    char bad[RELAIS_CHECKPOINT_MAX];
    s_replace(s_known_note, "\n42\n", "\n43\n", bad, sizeof bad);
    s_expect_note(bad, s_key_name, k.pub, RELAIS_E_BAD_SIGNATURE);
    s_replace(s_known_note, "\nXcna", "\nXdna", bad, sizeof bad);
    s_expect_note(bad, s_key_name, k.pub, RELAIS_E_BAD_SIGNATURE);
    s_replace(s_known_note, "relais.example/log", "relais.example/loh", bad, sizeof bad);
    s_expect_note(bad, s_key_name, k.pub, RELAIS_E_BAD_SIGNATURE);
    s_replace(s_known_note, "RDjQkp2", "RDjQkp3", bad, sizeof bad); /* inside the signature */
    s_expect_note(bad, s_key_name, k.pub, RELAIS_E_BAD_SIGNATURE);
    s_replace(s_known_note, "RDjQ", "RDjR", bad, sizeof bad); /* the key id */
    s_expect_note(bad, s_key_name, k.pub, RELAIS_E_BAD_SIGNATURE);
    s_expect_note(s_known_note, "relais.example/other", k.pub, RELAIS_E_BAD_SIGNATURE);
    s_expect_note(s_known_note, "relais.example/broke", k.pub, RELAIS_E_BAD_SIGNATURE);
    uint8_t other_pub[32];
    memcpy(other_pub, k.pub, 32);
    other_pub[0] ^= 1;
    s_expect_note(s_known_note, s_key_name, other_pub, RELAIS_E_BAD_SIGNATURE);

    /* any single byte changed anywhere: never accepted */
    const unsigned char subst[] = {'A', '0', '+', '=', ' ', '\n', 0x80};
    size_t len = strlen(s_known_note);
    for (size_t i = 0; i < len; i++)
        for (size_t s = 0; s < sizeof subst; s++) {
            if ((unsigned char)s_known_note[i] == subst[s])
                continue;
            memcpy(bad, s_known_note, len + 1);
            bad[i] = (char)subst[s];
            relais_checkpoint_t got;
            int rc = relais_checkpoint_verify(bad, s_key_name, k.pub, &got);
            if (rc != RELAIS_E_BAD_SIGNATURE && rc != RELAIS_E_MALFORMED)
                fail_msg("byte %zu set to 0x%02x: rc %d", i, subst[s], rc);
        }
}

static void test_checkpoint_foreign_signatures(void **state)
{
    (void)state;
    s_keys_t k, other;
    s_keys(&k);
    memcpy(&other, &k, sizeof other);
    other.seed[0] ^= 0x42;
    EVP_PKEY *key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, other.seed, 32);
    size_t n = 32;
    assert_int_equal(EVP_PKEY_get_raw_public_key(key, other.pub, &n), 1);
    EVP_PKEY_free(key);

    const char *text = "relais.example/log\n42\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n";
    char theirs[RELAIS_CHECKPOINT_MAX], note[2 * RELAIS_CHECKPOINT_MAX];
    s_make_note(&other, "witness.example/w1", text, theirs, sizeof theirs);
    const char *their_line = strstr(theirs, "\n\n") + 2;
    const char *our_line = strstr(s_known_note, "\n\n") + 2;

    snprintf(note, sizeof note, "%s%s", s_known_note, their_line); /* ours first */
    s_expect_note(note, s_key_name, k.pub, 0);
    s_expect_note(note, "witness.example/w1", other.pub, 0);
    snprintf(note, sizeof note, "%s\n%s%s", text, their_line, our_line); /* theirs first */
    s_expect_note(note, s_key_name, k.pub, 0);
    /* a line under our name by another key (wrong key id) does not hide the real one */
    s_make_note(&other, s_key_name, text, theirs, sizeof theirs);
    their_line = strstr(theirs, "\n\n") + 2;
    snprintf(note, sizeof note, "%s\n%s%s", text, their_line, our_line);
    s_expect_note(note, s_key_name, k.pub, 0);
    /* a blob of another length under the same name (another algorithm): skipped */
    snprintf(note, sizeof note, "%s\n\xE2\x80\x94 %s AAAAAAAAAAAAAAAA\n%s", text, s_key_name, our_line);
    s_expect_note(note, s_key_name, k.pub, 0);
    /* only other keys' signatures: not verified */
    s_expect_note(theirs, s_key_name, k.pub, RELAIS_E_BAD_SIGNATURE);
    s_expect_note(s_known_note, "witness.example/w1", other.pub, RELAIS_E_BAD_SIGNATURE);
}

/* Texts that are not relais checkpoints, each correctly signed: the parse refuses them. */
static void test_checkpoint_malformed_texts(void **state)
{
    (void)state;
    s_keys_t k;
    s_keys(&k);
    static const char *const texts[] = {
        "\n42\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n",                 /* empty origin */
        "relais example/log\n42\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n", /* space in origin */
        "relais.example/log\tx\n42\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n",
        "relais.example/log\n042\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n",
        "relais.example/log\n00\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n",
        "relais.example/log\n+42\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n",
        "relais.example/log\n-1\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n",
        "relais.example/log\n 42\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n",
        "relais.example/log\n42 \nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n",
        "relais.example/log\n\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n",
        "relais.example/log\n4a\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n",
        "relais.example/log\n0x2a\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n",
        "relais.example/log\n18446744073709551616\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n",
        "relais.example/log\n99999999999999999999\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n",
        "relais.example/log\n42\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg\n",    /* no padding */
        "relais.example/log\n42\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyh=\n",   /* stray bits */
        "relais.example/log\n42\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQ==\n",    /* 31 bytes */
        "relais.example/log\n42\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQygA\n",   /* 33 bytes */
        "relais.example/log\n42\nXcnaeacGWamtVZy3Ad7Zoqudg*qtL0lgz+Nw7/RgQyg=\n",   /* not base64 */
        "relais.example/log\n42\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz-Nw7_RgQyg=\n",   /* base64url */
        "relais.example/log\n42\n XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n",
        "relais.example/log\n42\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\nextension line\n",
        "relais.example/log\r\n42\r\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\r\n",
        "relais.example/log\n42\n",
        "",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        char note[RELAIS_CHECKPOINT_MAX];
        s_make_note(&k, s_key_name, texts[i], note, sizeof note);
        s_expect_note(note, s_key_name, k.pub, RELAIS_E_MALFORMED);
    }
    char note[RELAIS_CHECKPOINT_MAX];
    s_make_note(&k, s_key_name, "relais.example/log\n18446744073709551615\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n",
                note, sizeof note);
    s_expect_note(note, s_key_name, k.pub, 0);
}

/* Damage to the signature block and every truncation: refused as malformed. */
static void test_checkpoint_malformed_notes(void **state)
{
    (void)state;
    s_keys_t k;
    s_keys(&k);
    const char *text = "relais.example/log\n42\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n";
    const char *line = strstr(s_known_note, "\n\n") + 2;
    char bad[2 * RELAIS_CHECKPOINT_MAX];
    const char *edits[][2] = {
        {"=\n\n\xE2\x80\x94", "=\n\xE2\x80\x94"},               /* no blank line */
        {"\xE2\x80\x94 ", "-- "},                                /* not an em dash */
        {"\xE2\x80\x94 ", "\xE2\x80\x94"},                       /* no space after it */
        {"\xE2\x80\x94 relais.example/broker", "\xE2\x80\x94 "}, /* no key name */
        {"broker RDjQ", "brokerRDjQ"},                           /* no space before the signature */
        {"broker RDjQ", "broker  RDjQ"},
        {"RDjQ", "RD*Q"},
        {"jgU=\n", "jgU="},                                      /* no final newline */
        {"jgU=\n", "jgU=\n\n"},
        {"jgU=\n", "jgU=\ntrailing\n"},
        {"jgU=\n", "jgU=\r\n"},
        {"jgU=\n", "jgU=\n\xE2\x80\x94 a AAAA\n"},              /* a signature too short for a key id */
    };
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
        s_replace(s_known_note, edits[i][0], edits[i][1], bad, sizeof bad);
        s_expect_note(bad, s_key_name, k.pub, RELAIS_E_MALFORMED);
    }
    snprintf(bad, sizeof bad, "%s\n", text); /* no signature at all */
    s_expect_note(bad, s_key_name, k.pub, RELAIS_E_MALFORMED);
    snprintf(bad, sizeof bad, "%s\n%s\n%s", text, line, line); /* blank line between signatures */
    s_expect_note(bad, s_key_name, k.pub, RELAIS_E_MALFORMED);
    snprintf(bad, sizeof bad, "%s\n%s", text, line);
    s_expect_note(bad, s_key_name, k.pub, 0);

    size_t len = strlen(s_known_note);
    for (size_t cut = 0; cut < len; cut++) {
        memcpy(bad, s_known_note, cut);
        bad[cut] = '\0';
        s_expect_note(bad, s_key_name, k.pub, RELAIS_E_MALFORMED);
    }
}

static void test_checkpoint_invalid_arguments(void **state)
{
    (void)state;
    s_keys_t k;
    s_keys(&k);
    relais_checkpoint_t cp, got;
    char note[RELAIS_CHECKPOINT_MAX];
    const char *origins[] = {"", "relais example", "relais\nexample", "relais\texample", "relais\x7f"};
    for (size_t i = 0; i < sizeof origins / sizeof origins[0]; i++) {
        s_known_checkpoint(&cp);
        strcpy(cp.origin, origins[i]);
        assert_int_equal(relais_checkpoint_sign(&cp, s_key_name, k.seed, note, sizeof note), RELAIS_E_INVALID);
    }
    s_known_checkpoint(&cp);
    memset(cp.origin, 'o', sizeof cp.origin); /* no terminating NUL */
    assert_int_equal(relais_checkpoint_sign(&cp, s_key_name, k.seed, note, sizeof note), RELAIS_E_INVALID);

    char long_name[300];
    memset(long_name, 'k', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    const char *names[] = {"", "a b", "a\nb", "a+b", long_name, NULL};
    s_known_checkpoint(&cp);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        assert_int_equal(relais_checkpoint_sign(&cp, names[i], k.seed, note, sizeof note), RELAIS_E_INVALID);
        assert_int_equal(relais_checkpoint_verify(s_known_note, names[i], k.pub, &got), RELAIS_E_INVALID);
    }

    size_t need = strlen(s_known_note) + 1;
    memset(note, 'x', sizeof note);
    assert_int_equal(relais_checkpoint_sign(&cp, s_key_name, k.seed, note, need - 1), RELAIS_E_INVALID);
    assert_int_equal(note[0], 'x'); /* nothing half-written */
    assert_int_equal(relais_checkpoint_sign(&cp, s_key_name, k.seed, note, need), 0);
    assert_string_equal(note, s_known_note);
    assert_int_equal(relais_checkpoint_sign(NULL, s_key_name, k.seed, note, sizeof note), RELAIS_E_INVALID);
    assert_int_equal(relais_checkpoint_sign(&cp, s_key_name, NULL, note, sizeof note), RELAIS_E_INVALID);
    assert_int_equal(relais_checkpoint_sign(&cp, s_key_name, k.seed, NULL, sizeof note), RELAIS_E_INVALID);
    assert_int_equal(relais_checkpoint_verify(NULL, s_key_name, k.pub, &got), RELAIS_E_INVALID);
    assert_int_equal(relais_checkpoint_verify(s_known_note, s_key_name, NULL, &got), RELAIS_E_INVALID);
    assert_int_equal(relais_checkpoint_verify(s_known_note, s_key_name, k.pub, NULL), RELAIS_E_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_primitives),
        cmocka_unit_test(test_ct_roots),
        cmocka_unit_test(test_ct_proofs),
        cmocka_unit_test(test_roots_match_reference),
        cmocka_unit_test(test_inclusion_matches_reference),
        cmocka_unit_test(test_consistency_matches_reference),
        cmocka_unit_test(test_inclusion_tampering),
        cmocka_unit_test(test_consistency_tampering),
        cmocka_unit_test(test_inclusion_root),
        cmocka_unit_test(test_verify_rejects_malformed_calls),
        cmocka_unit_test(test_proof_generation_rejects_invalid),
        cmocka_unit_test(test_callback_errors_propagate),
        cmocka_unit_test(test_huge_trees),
        cmocka_unit_test(test_checkpoint_known_note),
        cmocka_unit_test(test_checkpoint_round_trip),
        cmocka_unit_test(test_checkpoint_tampered),
        cmocka_unit_test(test_checkpoint_foreign_signatures),
        cmocka_unit_test(test_checkpoint_malformed_texts),
        cmocka_unit_test(test_checkpoint_malformed_notes),
        cmocka_unit_test(test_checkpoint_invalid_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
