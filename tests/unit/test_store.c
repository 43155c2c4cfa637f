/* test_store.c -- unit tests of the LMDB store: log, Merkle tree, indexes and checkpoints. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <lmdb.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "relais_proto.h"
#include "relais_store.h"

#define S_MSG_MAX 4096
#define S_MAX_LEAVES 4096

/* One test's store in its own temporary directory. */
typedef struct {
    char dir[64];          /* mkdtemp'd directory, removed at teardown */
    relais_store_t *store; /* the store open in it (NULL once a test closed it) */
} fixture_t;

/* A message as the broker would hand it to the store. */
typedef struct {
    uint8_t msg_id[RELAIS_MSG_ID_SIZE]; /* derived from the message number */
    uint8_t bytes[S_MSG_MAX];           /* stand-in for SignedMessage bytes */
    size_t len;                         /* bytes used */
} s_msg_t;

/* ---- Helpers ---------------------------------------------------------------------------- */

static void s_rmtree(const char *path)
{
    DIR *d = opendir(path);
    if (d) {
        struct dirent *e;
        char child[512];
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(child, sizeof child, "%s/%s", path, e->d_name);
            s_rmtree(child);
        }
        closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

static int s_setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    strcpy(f->dir, "/tmp/relais-store-XXXXXX");
    if (!mkdtemp(f->dir) || relais_store_open(f->dir, NULL, &f->store) != 0) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int s_teardown(void **state)
{
    fixture_t *f = *state;
    relais_store_destroy(&f->store);
    s_rmtree(f->dir);
    free(f);
    return 0;
}

/* Message `n` of `len` bytes; `variant` changes the bytes but not the id. */
static void s_msg_make(s_msg_t *m, uint64_t n, size_t len, int variant)
{
    memset(m->msg_id, 0xA5, sizeof m->msg_id);
    for (int i = 0; i < 8; i++)
        m->msg_id[i] = (uint8_t)(n >> (56 - 8 * i));
    m->len = len;
    for (size_t i = 0; i < len; i++)
        m->bytes[i] = (uint8_t)(n * 31 + i * 7 + (size_t)variant * 13);
}

static relais_store_entry_t s_entry(const s_msg_t *m, int64_t received_ms)
{
    relais_store_entry_t e = {.signed_message = m->bytes, .signed_len = m->len, .msg_id = m->msg_id,
                              .received_ms = received_ms};
    return e;
}

static void s_sha256(uint8_t prefix, const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len,
                     relais_hash_t out)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned out_len = 0;
    assert_non_null(ctx);
    assert_int_equal(EVP_DigestInit_ex(ctx, EVP_sha256(), NULL), 1);
    assert_int_equal(EVP_DigestUpdate(ctx, &prefix, 1), 1);
    assert_int_equal(EVP_DigestUpdate(ctx, a, a_len), 1);
    assert_int_equal(EVP_DigestUpdate(ctx, b, b_len), 1);
    assert_int_equal(EVP_DigestFinal_ex(ctx, out, &out_len), 1);
    assert_int_equal(out_len, RELAIS_HASH_SIZE);
    EVP_MD_CTX_free(ctx);
}

/* RFC 9162 MTH, the naive recursive way, independent of the store and of merkle.c. */
static void s_mth(const relais_hash_t *leaves, uint64_t n, relais_hash_t out)
{
    relais_hash_t left, right;
    if (n == 0) {
        unsigned len = 0;
        assert_int_equal(EVP_Digest("", 0, out, &len, EVP_sha256(), NULL), 1);
        return;
    }
    if (n == 1) {
        memcpy(out, leaves[0], RELAIS_HASH_SIZE);
        return;
    }
    uint64_t k = 1;
    while (k * 2 < n)
        k *= 2;
    s_mth(leaves, k, left);
    s_mth(leaves + k, n - k, right);
    s_sha256(0x01, left, sizeof left, right, sizeof right, out);
}

/* Appends messages first..first+count-1 (received at 1000 + n) in one batch and keeps
 * their leaf hashes in leaves[n - 1]. Returns the batch's status. */
static int s_append_range(relais_store_t *store, uint64_t first, size_t count, size_t len, relais_hash_t *leaves)
{
    s_msg_t *msgs = calloc(count, sizeof *msgs);
    relais_store_entry_t *entries = calloc(count, sizeof *entries);
    relais_store_ack_t *acks = calloc(count, sizeof *acks);
    assert_true(msgs && entries && acks);
    for (size_t i = 0; i < count; i++) {
        s_msg_make(&msgs[i], first + i, len, 0);
        entries[i] = s_entry(&msgs[i], (int64_t)(1000 + first + i));
    }
    int rc = relais_store_append_batch(store, entries, count, acks);
    for (size_t i = 0; rc == 0 && i < count; i++) {
        assert_int_equal(acks[i].status, 0);
        assert_int_equal(acks[i].duplicate, 0);
        assert_int_equal(acks[i].seq, first + i);
        if (leaves)
            memcpy(leaves[first + i - 1], acks[i].leaf_hash, RELAIS_HASH_SIZE);
    }
    free(msgs);
    free(entries);
    free(acks);
    return rc;
}

/* Fills an empty store with n records in batches of varying sizes. */
static void s_fill(relais_store_t *store, uint64_t n, relais_hash_t *leaves)
{
    uint64_t next = 1;
    for (size_t batch = 1; next <= n; batch = batch % 17 + 1) {
        size_t count = (size_t)(n - next + 1 < batch ? n - next + 1 : batch);
        assert_int_equal(s_append_range(store, next, count, 40 + (size_t)next % 50, leaves), 0);
        next += count;
    }
}

static void s_assert_head(relais_store_t *store, uint64_t expected)
{
    uint64_t head = UINT64_MAX;
    assert_int_equal(relais_store_head(store, &head), 0);
    assert_int_equal(head, expected);
}

static void s_assert_root(relais_store_t *store, const relais_hash_t *leaves, uint64_t size)
{
    relais_hash_t got, want;
    assert_int_equal(relais_store_root(store, size, got), 0);
    s_mth(leaves, size, want);
    assert_memory_equal(got, want, RELAIS_HASH_SIZE);
}

static int s_msg_found(relais_store_t *store, uint64_t n)
{
    s_msg_t m;
    relais_store_ack_t ack;
    s_msg_make(&m, n, 1, 0);
    int rc = relais_store_find_msg(store, m.msg_id, &ack);
    assert_true(rc == 0 || rc == RELAIS_E_NOT_FOUND);
    return rc == 0;
}

static void s_assert_detail(void)
{
    assert_true(strlen(relais_status_detail()) > 0);
}

static void s_reopen(fixture_t *f, const relais_store_options_t *opts)
{
    relais_store_destroy(&f->store);
    assert_null(f->store);
    assert_int_equal(relais_store_open(f->dir, opts, &f->store), 0);
}

/* Writes (or, with val NULL, deletes) meta "format" with raw LMDB, as a newer or broken
 * relais might have left it. */
static void s_meta_format_put(const char *dir, const void *val, size_t len)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    MDB_val k = {6, (void *)"format"}, v = {len, (void *)val};
    assert_int_equal(mdb_env_create(&env), 0);
    assert_int_equal(mdb_env_set_maxdbs(env, 16), 0);
    assert_int_equal(mdb_env_open(env, dir, 0, 0600), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, "meta", 0, &dbi), 0);
    if (val)
        assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
    else
        assert_int_equal(mdb_del(txn, dbi, &k, NULL), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
}

/* ---- Opening and the basic log -------------------------------------------------------- */

static void test_open_arguments(void **state)
{
    fixture_t *f = *state;
    relais_store_t *store = (relais_store_t *)f;
    assert_int_equal(relais_store_open(NULL, NULL, &store), RELAIS_E_INVALID);
    assert_null(store);
    assert_int_equal(relais_store_open(f->dir, NULL, NULL), RELAIS_E_INVALID);
    relais_store_destroy(NULL);
    store = NULL;
    relais_store_destroy(&store);
    relais_store_destroy(&f->store);
    relais_store_destroy(&f->store);
    assert_null(f->store);
}

static void test_append_and_read(void **state)
{
    fixture_t *f = *state;
    relais_store_stat_t st;
    relais_hash_t leaves[3], h, want;
    uint8_t *rec;
    size_t len;

    s_assert_head(f->store, 0);
    assert_int_equal(relais_store_stat(f->store, &st), 0);
    assert_int_equal(st.records, 0);
    assert_int_equal(st.map_size, 4ULL << 30);
    assert_true(st.used_bytes > 0);
    assert_int_equal(st.checkpoints, 0);

    assert_int_equal(s_append_range(f->store, 1, 3, 100, leaves), 0);
    s_assert_head(f->store, 3);
    for (uint64_t seq = 1; seq <= 3; seq++) {
        relais_log_record_t decoded;
        s_msg_t m;
        s_msg_make(&m, seq, 100, 0);
        assert_int_equal(relais_store_get_record(f->store, seq, &rec, &len), 0);
        assert_int_equal(relais_log_record_decode(rec, len, &decoded), 0);
        assert_int_equal(decoded.seq, seq);
        assert_int_equal(decoded.received_ms, 1000 + seq);
        assert_int_equal(decoded.signed_len, m.len);
        assert_memory_equal(decoded.signed_message, m.bytes, m.len);
        relais_merkle_leaf_hash(rec, len, want);
        assert_memory_equal(leaves[seq - 1], want, RELAIS_HASH_SIZE);
        s_sha256(0x00, rec, len, NULL, 0, want);
        assert_memory_equal(leaves[seq - 1], want, RELAIS_HASH_SIZE);
        assert_int_equal(relais_store_get_leaf_hash(f->store, seq, h), 0);
        assert_memory_equal(h, want, RELAIS_HASH_SIZE);
        free(rec);
    }
    assert_int_equal(relais_store_get_record(f->store, 0, &rec, &len), RELAIS_E_NOT_FOUND);
    assert_int_equal(relais_store_get_record(f->store, 4, &rec, &len), RELAIS_E_NOT_FOUND);
    assert_int_equal(relais_store_get_leaf_hash(f->store, 0, h), RELAIS_E_NOT_FOUND);
    assert_int_equal(relais_store_get_leaf_hash(f->store, 4, h), RELAIS_E_NOT_FOUND);
    assert_int_equal(relais_store_stat(f->store, &st), 0);
    assert_int_equal(st.records, 3);
}

static void test_find_msg(void **state)
{
    fixture_t *f = *state;
    relais_hash_t leaves[5];
    relais_store_ack_t ack;
    s_msg_t m;
    assert_int_equal(s_append_range(f->store, 1, 5, 64, leaves), 0);
    s_msg_make(&m, 4, 64, 0);
    assert_int_equal(relais_store_find_msg(f->store, m.msg_id, &ack), 0);
    assert_int_equal(ack.status, 0);
    assert_int_equal(ack.duplicate, 1);
    assert_int_equal(ack.seq, 4);
    assert_int_equal(ack.received_ms, 1004);
    assert_memory_equal(ack.leaf_hash, leaves[3], RELAIS_HASH_SIZE);
    s_msg_make(&m, 6, 64, 0);
    assert_int_equal(relais_store_find_msg(f->store, m.msg_id, &ack), RELAIS_E_NOT_FOUND);
    assert_int_equal(relais_store_find_msg(f->store, NULL, &ack), RELAIS_E_INVALID);
}

static void test_append_arguments(void **state)
{
    fixture_t *f = *state;
    relais_store_ack_t ack;
    s_msg_t m;
    s_msg_make(&m, 1, 10, 0);
    relais_store_entry_t e = s_entry(&m, 1);
    assert_int_equal(relais_store_append_batch(f->store, NULL, 0, NULL), 0);
    assert_int_equal(relais_store_append_batch(f->store, NULL, 1, &ack), RELAIS_E_INVALID);
    assert_int_equal(relais_store_append_batch(f->store, &e, 1, NULL), RELAIS_E_INVALID);
    assert_int_equal(relais_store_append_batch(NULL, &e, 1, &ack), RELAIS_E_INVALID);
    e.msg_id = NULL;
    assert_int_equal(relais_store_append_batch(f->store, &e, 1, &ack), RELAIS_E_INVALID);
    s_assert_detail();
    e = s_entry(&m, 1);
    e.signed_message = NULL;
    assert_int_equal(relais_store_append_batch(f->store, &e, 1, &ack), RELAIS_E_INVALID);
    s_assert_head(f->store, 0);
    assert_int_equal(relais_store_head(f->store, NULL), RELAIS_E_INVALID);
    assert_int_equal(relais_store_stat(f->store, NULL), RELAIS_E_INVALID);
}

/* ---- The Merkle tree ------------------------------------------------------------------ */

static void test_roots(void **state)
{
    fixture_t *f = *state;
    static relais_hash_t leaves[300];
    relais_hash_t h;
    s_fill(f->store, 300, leaves);
    for (uint64_t seq = 1; seq <= 300; seq++) {
        uint8_t *rec;
        size_t len;
        relais_hash_t want;
        assert_int_equal(relais_store_get_record(f->store, seq, &rec, &len), 0);
        s_sha256(0x00, rec, len, NULL, 0, want);
        assert_memory_equal(leaves[seq - 1], want, RELAIS_HASH_SIZE);
        free(rec);
    }
    for (uint64_t size = 0; size <= 300; size++)
        s_assert_root(f->store, leaves, size);
    assert_int_equal(relais_store_root(f->store, 301, h), RELAIS_E_INVALID);
    s_assert_detail();
}

static void s_check_inclusion(relais_store_t *store, const relais_hash_t *leaves, uint64_t seq, uint64_t size)
{
    relais_hash_t path[RELAIS_MERKLE_MAX_PATH], root;
    size_t path_len = 99;
    assert_int_equal(relais_store_inclusion_proof(store, seq, size, path, &path_len), 0);
    s_mth(leaves, size, root);
    assert_int_equal(relais_merkle_verify_inclusion(seq - 1, size, leaves[seq - 1], path, path_len, root), 0);
    if (size > 1) {
        relais_hash_t wrong;
        memcpy(wrong, root, sizeof wrong);
        wrong[0] ^= 1;
        assert_int_equal(relais_merkle_verify_inclusion(seq - 1, size, leaves[seq - 1], path, path_len, wrong),
                         RELAIS_E_PROOF);
    }
}

static void test_inclusion_proofs(void **state)
{
    fixture_t *f = *state;
    static relais_hash_t leaves[300];
    static const uint64_t big[] = {100, 127, 128, 129, 255, 256, 257, 299, 300};
    relais_hash_t path[RELAIS_MERKLE_MAX_PATH], root;
    size_t path_len;
    s_fill(f->store, 300, leaves);
    for (uint64_t size = 1; size <= 70; size++)
        for (uint64_t seq = 1; seq <= size; seq++)
            s_check_inclusion(f->store, leaves, seq, size);
    for (size_t i = 0; i < sizeof big / sizeof big[0]; i++)
        for (uint64_t seq = 1; seq <= big[i]; seq++)
            s_check_inclusion(f->store, leaves, seq, big[i]);
    /* size 0 is the head */
    assert_int_equal(relais_store_inclusion_proof(f->store, 17, 0, path, &path_len), 0);
    s_mth(leaves, 300, root);
    assert_int_equal(relais_merkle_verify_inclusion(16, 300, leaves[16], path, path_len, root), 0);
    assert_int_equal(relais_store_inclusion_proof(f->store, 0, 10, path, &path_len), RELAIS_E_INVALID);
    assert_int_equal(relais_store_inclusion_proof(f->store, 11, 10, path, &path_len), RELAIS_E_INVALID);
    assert_int_equal(relais_store_inclusion_proof(f->store, 1, 301, path, &path_len), RELAIS_E_INVALID);
    assert_int_equal(relais_store_inclusion_proof(f->store, 301, 0, path, &path_len), RELAIS_E_INVALID);
    assert_int_equal(relais_store_inclusion_proof(f->store, 1, 1, NULL, &path_len), RELAIS_E_INVALID);
}

static void s_check_consistency(relais_store_t *store, const relais_hash_t *leaves, uint64_t m, uint64_t n)
{
    relais_hash_t path[RELAIS_MERKLE_MAX_PATH], old_root, new_root;
    size_t path_len = 99;
    assert_int_equal(relais_store_consistency_proof(store, m, n, path, &path_len), 0);
    s_mth(leaves, m, old_root);
    s_mth(leaves, n, new_root);
    assert_int_equal(relais_merkle_verify_consistency(m, n, old_root, new_root, path, path_len), 0);
}

static void test_consistency_proofs(void **state)
{
    fixture_t *f = *state;
    static relais_hash_t leaves[300];
    static const uint64_t big[] = {64, 100, 255, 256, 257, 300};
    relais_hash_t path[RELAIS_MERKLE_MAX_PATH];
    size_t path_len;
    s_fill(f->store, 300, leaves);
    for (uint64_t n = 1; n <= 40; n++)
        for (uint64_t m = 1; m <= n; m++)
            s_check_consistency(f->store, leaves, m, n);
    for (size_t i = 0; i < sizeof big / sizeof big[0]; i++)
        for (uint64_t m = 1; m <= big[i]; m += 7)
            s_check_consistency(f->store, leaves, m, big[i]);
    assert_int_equal(relais_store_consistency_proof(f->store, 0, 10, path, &path_len), RELAIS_E_INVALID);
    assert_int_equal(relais_store_consistency_proof(f->store, 11, 10, path, &path_len), RELAIS_E_INVALID);
    assert_int_equal(relais_store_consistency_proof(f->store, 10, 301, path, &path_len), RELAIS_E_INVALID);
    s_assert_detail();
}

/* ---- Duplicates --------------------------------------------------------------------------- */

static void test_duplicate_idempotent(void **state)
{
    fixture_t *f = *state;
    relais_store_ack_t first, again;
    s_msg_t m;
    s_msg_make(&m, 1, 80, 0);
    relais_store_entry_t e = s_entry(&m, 10);
    assert_int_equal(relais_store_append_batch(f->store, &e, 1, &first), 0);
    e.received_ms = 99;
    assert_int_equal(relais_store_append_batch(f->store, &e, 1, &again), 0);
    assert_int_equal(again.status, 0);
    assert_int_equal(again.duplicate, 1);
    assert_int_equal(again.seq, 1);
    assert_int_equal(again.received_ms, 10);
    assert_memory_equal(again.leaf_hash, first.leaf_hash, RELAIS_HASH_SIZE);
    s_assert_head(f->store, 1);
}

static void test_duplicate_conflict(void **state)
{
    fixture_t *f = *state;
    relais_store_ack_t ack;
    relais_hash_t before, after;
    s_msg_t m, other, shorter;
    s_msg_make(&m, 1, 80, 0);
    s_msg_make(&other, 1, 80, 1);
    s_msg_make(&shorter, 1, 79, 0);
    relais_store_entry_t e = s_entry(&m, 10);
    assert_int_equal(relais_store_append_batch(f->store, &e, 1, &ack), 0);
    assert_int_equal(relais_store_root(f->store, 1, before), 0);
    e = s_entry(&other, 11);
    assert_int_equal(relais_store_append_batch(f->store, &e, 1, &ack), 0);
    assert_int_equal(ack.status, RELAIS_E_DUPLICATE_CONFLICT);
    assert_int_equal(ack.duplicate, 0);
    e = s_entry(&shorter, 12);
    assert_int_equal(relais_store_append_batch(f->store, &e, 1, &ack), 0);
    assert_int_equal(ack.status, RELAIS_E_DUPLICATE_CONFLICT);
    s_assert_head(f->store, 1);
    assert_int_equal(relais_store_root(f->store, 1, after), 0);
    assert_memory_equal(before, after, RELAIS_HASH_SIZE);
}

static void test_duplicates_in_one_batch(void **state)
{
    fixture_t *f = *state;
    s_msg_t m2, m2b, m3;
    relais_store_ack_t acks[4];
    s_msg_make(&m2, 2, 50, 0);
    s_msg_make(&m2b, 2, 50, 1);
    s_msg_make(&m3, 3, 50, 0);
    relais_store_entry_t entries[4] = {s_entry(&m2, 20), s_entry(&m2, 21), s_entry(&m2b, 22), s_entry(&m3, 23)};
    assert_int_equal(relais_store_append_batch(f->store, entries, 4, acks), 0);
    assert_int_equal(acks[0].seq, 1);
    assert_int_equal(acks[0].duplicate, 0);
    assert_int_equal(acks[1].status, 0);
    assert_int_equal(acks[1].duplicate, 1);
    assert_int_equal(acks[1].seq, 1);
    assert_int_equal(acks[1].received_ms, 20);
    assert_memory_equal(acks[1].leaf_hash, acks[0].leaf_hash, RELAIS_HASH_SIZE);
    assert_int_equal(acks[2].status, RELAIS_E_DUPLICATE_CONFLICT);
    assert_int_equal(acks[3].status, 0);
    assert_int_equal(acks[3].duplicate, 0);
    assert_int_equal(acks[3].seq, 2);
    s_assert_head(f->store, 2);
}

static void test_batch_api(void **state)
{
    fixture_t *f = *state;
    relais_store_batch_t *b = NULL;
    relais_store_ack_t ack, found;
    s_msg_t m, mb;
    assert_int_equal(s_append_range(f->store, 1, 3, 30, NULL), 0);
    s_msg_make(&m, 4, 30, 0);
    s_msg_make(&mb, 4, 30, 1);
    relais_store_entry_t e = s_entry(&m, 44), eb = s_entry(&mb, 45);
    assert_int_equal(relais_store_batch_begin(f->store, &b), 0);
    assert_non_null(b);
    assert_int_equal(relais_store_batch_head(b), 3);
    assert_int_equal(relais_store_batch_find_msg(b, m.msg_id, &found), RELAIS_E_NOT_FOUND);
    assert_int_equal(relais_store_batch_append(b, &e, &ack), 0);
    assert_int_equal(ack.seq, 4);
    assert_int_equal(relais_store_batch_head(b), 4);
    assert_int_equal(relais_store_batch_find_msg(b, m.msg_id, &found), 0);
    assert_int_equal(found.duplicate, 1);
    assert_int_equal(found.seq, 4);
    assert_memory_equal(found.leaf_hash, ack.leaf_hash, RELAIS_HASH_SIZE);
    assert_int_equal(relais_store_batch_append(b, &eb, &ack), 0);
    assert_int_equal(ack.status, RELAIS_E_DUPLICATE_CONFLICT);
    assert_int_equal(relais_store_batch_append(b, NULL, &ack), RELAIS_E_INVALID);
    /* readers see only what is committed */
    assert_int_equal(relais_store_find_msg(f->store, m.msg_id, &found), RELAIS_E_NOT_FOUND);
    s_assert_head(f->store, 3);
    assert_int_equal(relais_store_batch_commit(&b), 0);
    assert_null(b);
    assert_int_equal(relais_store_find_msg(f->store, m.msg_id, &found), 0);
    s_assert_head(f->store, 4);
    assert_int_equal(relais_store_batch_commit(&b), RELAIS_E_INVALID);
    assert_int_equal(relais_store_batch_commit(NULL), RELAIS_E_INVALID);
    assert_int_equal(relais_store_batch_head(NULL), 0);
    assert_int_equal(relais_store_batch_begin(f->store, NULL), RELAIS_E_INVALID);
}

/* ---- Durability and failure ----------------------------------------------------------- */

static int s_count_seq(void *ctx, uint64_t seq, const uint8_t *status, size_t len)
{
    (void)seq;
    (void)status;
    (void)len;
    (*(int *)ctx)++;
    return 0;
}

static void test_abort_leaves_nothing(void **state)
{
    fixture_t *f = *state;
    relais_store_batch_t *b = NULL;
    relais_store_ack_t ack;
    uint8_t child[RELAIS_CHILD_KEY_SIZE], *st;
    char case_id[RELAIS_CASE_ID_MAX];
    size_t len;
    int count = 0;
    s_msg_t m1, m2;
    memset(child, 7, sizeof child);
    s_msg_make(&m1, 1, 30, 0);
    s_msg_make(&m2, 2, 30, 0);
    relais_store_entry_t e1 = s_entry(&m1, 1), e2 = s_entry(&m2, 2);
    assert_int_equal(relais_store_batch_begin(f->store, &b), 0);
    assert_int_equal(relais_store_batch_append(b, &e1, &ack), 0);
    assert_int_equal(relais_store_batch_append(b, &e2, &ack), 0);
    assert_int_equal(relais_store_batch_case_put(b, "case-1", (const uint8_t *)"x", 1), 0);
    assert_int_equal(relais_store_batch_case_link(b, "case-1", 2, (const uint8_t *)"st", 2), 0);
    assert_int_equal(relais_store_batch_child_put(b, child, "case-1"), 0);
    relais_store_batch_abort(&b);
    assert_null(b);
    relais_store_batch_abort(&b);
    relais_store_batch_abort(NULL);

    s_assert_head(f->store, 0);
    assert_false(s_msg_found(f->store, 1));
    assert_int_equal(relais_store_case_get(f->store, "case-1", &st, &len), RELAIS_E_NOT_FOUND);
    assert_int_equal(relais_store_child_case(f->store, child, case_id), RELAIS_E_NOT_FOUND);
    assert_int_equal(relais_store_case_history(f->store, "case-1", s_count_seq, &count), 0);
    assert_int_equal(count, 0);
    assert_int_equal(relais_store_seq_case(f->store, 2, case_id, NULL, NULL), RELAIS_E_NOT_FOUND);
    assert_int_equal(relais_store_append_batch(f->store, &e2, 1, &ack), 0);
    assert_int_equal(ack.seq, 1);
}

/* The child appends without committing and dies, as a broker killed mid-batch would. */
static void s_child_appends_and_dies(const char *dir)
{
    relais_store_t *store = NULL;
    relais_store_batch_t *b = NULL;
    relais_store_ack_t ack;
    int rc = relais_store_open(dir, NULL, &store);
    if (!rc)
        rc = relais_store_batch_begin(store, &b);
    for (uint64_t n = 6; !rc && n <= 10; n++) {
        s_msg_t m;
        s_msg_make(&m, n, 500, 0);
        relais_store_entry_t e = s_entry(&m, 1);
        rc = relais_store_batch_append(b, &e, &ack);
    }
    if (!rc)
        rc = relais_store_batch_case_put(b, "case-x", (const uint8_t *)"y", 1);
    _exit(rc ? 3 : 0);
}

static void test_fork_exit_without_commit(void **state)
{
    fixture_t *f = *state;
    relais_hash_t leaves[6];
    uint8_t *st;
    size_t len;
    int status = 0;
    s_fill(f->store, 5, leaves);
    /* One writer at a time (relaisd holds the store's lock): the child is the only one. */
    relais_store_destroy(&f->store);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        s_child_appends_and_dies(f->dir);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_int_equal(relais_store_open(f->dir, NULL, &f->store), 0);

    s_assert_head(f->store, 5);
    assert_false(s_msg_found(f->store, 6));
    assert_int_equal(relais_store_case_get(f->store, "case-x", &st, &len), RELAIS_E_NOT_FOUND);
    s_assert_root(f->store, leaves, 5);
    /* the dead writer's lock is recovered: the next batch goes through */
    assert_int_equal(s_append_range(f->store, 6, 1, 20, leaves), 0);
    s_assert_root(f->store, leaves, 6);
    s_reopen(f, NULL);
    s_assert_head(f->store, 6);
    s_assert_root(f->store, leaves, 6);
}

static void s_assert_all_readable(relais_store_t *store, const relais_hash_t *leaves, uint64_t head)
{
    relais_hash_t h;
    s_assert_head(store, head);
    for (uint64_t seq = 1; seq <= head; seq++) {
        assert_int_equal(relais_store_get_leaf_hash(store, seq, h), 0);
        assert_memory_equal(h, leaves[seq - 1], RELAIS_HASH_SIZE);
        assert_true(s_msg_found(store, seq));
    }
    s_assert_root(store, leaves, head);
}

/* Appends single records until the map refuses; returns the head reached. */
static uint64_t s_fill_singles(relais_store_t *store, relais_hash_t *leaves, uint64_t head, size_t len)
{
    for (int tries = 0; tries < 50; tries++) {
        int rc = s_append_range(store, head + 1, 1, len, leaves);
        assert_true(rc == 0 || rc == RELAIS_E_STORE_FULL);
        if (rc == 0)
            head++;
        s_assert_head(store, head);
        assert_false(s_msg_found(store, head + 1));
        s_assert_root(store, leaves, head);
        if (rc)
            break;
    }
    return head;
}

static void test_store_full(void **state)
{
    fixture_t *f = *state;
    relais_store_options_t opts = {.map_size = 1 << 20};
    relais_store_stat_t st;
    static relais_hash_t leaves[S_MAX_LEAVES];
    uint64_t head = 0;
    int rc = 0;
    s_reopen(f, &opts);
    for (int batches = 0; batches < 1000; batches++) {
        rc = s_append_range(f->store, head + 1, 8, 2000, leaves);
        if (rc)
            break;
        head += 8;
        assert_true(head + 8 <= S_MAX_LEAVES);
    }
    assert_int_equal(rc, RELAIS_E_STORE_FULL);
    s_assert_detail();
    assert_true(head > 0);
    assert_false(s_msg_found(f->store, head + 1));
    s_assert_all_readable(f->store, leaves, head);
    head = s_fill_singles(f->store, leaves, head, 2000);
    head = s_fill_singles(f->store, leaves, head, 100);
    assert_int_equal(relais_store_stat(f->store, &st), 0);
    assert_int_equal(st.records, head);
    assert_true(st.used_bytes <= st.map_size);
    s_reopen(f, &opts);
    s_assert_all_readable(f->store, leaves, head);
}

/* Inside an explicit batch, a full map fails the append, and then the whole batch. */
static void test_store_full_in_batch(void **state)
{
    fixture_t *f = *state;
    relais_store_options_t opts = {.map_size = 1 << 20};
    relais_store_batch_t *b = NULL;
    relais_store_ack_t ack;
    static relais_hash_t leaves[S_MAX_LEAVES];
    int rc = 0;
    s_reopen(f, &opts);
    s_fill(f->store, 20, leaves);
    assert_int_equal(relais_store_batch_begin(f->store, &b), 0);
    for (uint64_t n = 21; n < S_MAX_LEAVES && rc == 0; n++) {
        s_msg_t m;
        s_msg_make(&m, n, 3000, 0);
        relais_store_entry_t e = s_entry(&m, 1);
        rc = relais_store_batch_append(b, &e, &ack);
    }
    assert_int_equal(rc, RELAIS_E_STORE_FULL);
    uint8_t *st;
    size_t len;
    assert_int_equal(relais_store_batch_case_get(b, "c", &st, &len), RELAIS_E_STORE_FULL);
    assert_int_equal(relais_store_batch_commit(&b), RELAIS_E_STORE_FULL);
    assert_null(b);
    s_assert_all_readable(f->store, leaves, 20);
    assert_false(s_msg_found(f->store, 21));
    assert_int_equal(s_append_range(f->store, 21, 1, 50, leaves), 0);
    s_assert_all_readable(f->store, leaves, 21);
}

/* ---- Opening existing stores ------------------------------------------------------------ */

static void test_reopen_keeps_everything(void **state)
{
    fixture_t *f = *state;
    static relais_hash_t leaves[41];
    relais_store_batch_t *b = NULL;
    relais_store_checkpoint_t cp = {.size = 40, .time_ms = 1234}, got;
    uint8_t child[RELAIS_CHILD_KEY_SIZE], *st;
    char case_id[RELAIS_CASE_ID_MAX];
    size_t len;
    int count = 0;
    memset(child, 3, sizeof child);
    s_fill(f->store, 40, leaves);
    assert_int_equal(relais_store_batch_begin(f->store, &b), 0);
    assert_int_equal(relais_store_batch_case_put(b, "case-7", (const uint8_t *)"state", 5), 0);
    assert_int_equal(relais_store_batch_case_link(b, "case-7", 7, (const uint8_t *)"a", 1), 0);
    assert_int_equal(relais_store_batch_case_link(b, "case-7", 9, NULL, 0), 0);
    assert_int_equal(relais_store_batch_child_put(b, child, "case-7"), 0);
    assert_int_equal(relais_store_batch_commit(&b), 0);
    assert_int_equal(relais_store_root(f->store, 40, cp.root), 0);
    strcpy(cp.note, "relais.test/log\n40\nroot\n\n- sig\n");
    assert_int_equal(relais_store_checkpoint_put(f->store, &cp), 0);

    s_reopen(f, NULL);
    s_assert_all_readable(f->store, leaves, 40);
    for (uint64_t size = 0; size <= 40; size++)
        s_assert_root(f->store, leaves, size);
    assert_int_equal(relais_store_case_get(f->store, "case-7", &st, &len), 0);
    assert_int_equal(len, 5);
    assert_memory_equal(st, "state", 5);
    free(st);
    assert_int_equal(relais_store_case_history(f->store, "case-7", s_count_seq, &count), 0);
    assert_int_equal(count, 2);
    assert_int_equal(relais_store_seq_case(f->store, 9, case_id, &st, &len), 0);
    assert_string_equal(case_id, "case-7");
    assert_int_equal(len, 0);
    free(st);
    assert_int_equal(relais_store_child_case(f->store, child, case_id), 0);
    assert_string_equal(case_id, "case-7");
    assert_int_equal(relais_store_checkpoint_latest(f->store, &got), 0);
    assert_int_equal(got.size, 40);
    assert_int_equal(got.time_ms, 1234);
    assert_memory_equal(got.root, cp.root, RELAIS_HASH_SIZE);
    assert_string_equal(got.note, cp.note);
    assert_int_equal(s_append_range(f->store, 41, 1, 10, leaves), 0);
    s_assert_root(f->store, leaves, 41);
}

static void test_newer_format_refused(void **state)
{
    fixture_t *f = *state;
    relais_store_options_t ro = {.read_only = 1};
    relais_store_t *store = (relais_store_t *)f;
    uint8_t newer[4] = {0, 0, 0, RELAIS_STORE_FORMAT + 1}, current[4] = {0, 0, 0, RELAIS_STORE_FORMAT};
    uint8_t older[4] = {0, 0, 0, RELAIS_STORE_FORMAT_OLDEST - 1};
    relais_store_destroy(&f->store);
    s_meta_format_put(f->dir, newer, sizeof newer);
    relais_status_clear();
    assert_int_equal(relais_store_open(f->dir, NULL, &store), RELAIS_E_VERSION);
    assert_null(store);
    s_assert_detail();
    assert_non_null(strstr(relais_status_detail(), "upgrade"));
    relais_status_clear();
    assert_int_equal(relais_store_open(f->dir, &ro, &store), RELAIS_E_VERSION);
    s_assert_detail();
    s_meta_format_put(f->dir, older, sizeof older);
    relais_status_clear();
    assert_int_equal(relais_store_open(f->dir, NULL, &store), RELAIS_E_VERSION);
    assert_non_null(strstr(relais_status_detail(), "no longer reads"));
    s_meta_format_put(f->dir, current, 3);
    assert_int_equal(relais_store_open(f->dir, NULL, &store), RELAIS_E_CORRUPT);
    s_meta_format_put(f->dir, NULL, 0);
    assert_int_equal(relais_store_open(f->dir, NULL, &store), RELAIS_E_CORRUPT);
    s_meta_format_put(f->dir, current, sizeof current);
    assert_int_equal(relais_store_open(f->dir, NULL, &f->store), 0);
}

static void test_foreign_lmdb_refused(void **state)
{
    fixture_t *f = *state;
    char dir[128];
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    MDB_val k = {3, (void *)"key"}, v = {3, (void *)"val"};
    relais_store_t *store = NULL;
    snprintf(dir, sizeof dir, "%s/foreign", f->dir);
    assert_int_equal(mkdir(dir, 0700), 0);
    assert_int_equal(mdb_env_create(&env), 0);
    assert_int_equal(mdb_env_open(env, dir, 0, 0600), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, NULL, 0, &dbi), 0);
    assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
    assert_int_equal(relais_store_open(dir, NULL, &store), RELAIS_E_CORRUPT);
    assert_null(store);
    s_assert_detail();
}

static void test_read_only(void **state)
{
    fixture_t *f = *state;
    relais_store_options_t ro = {.read_only = 1};
    relais_store_t *store = (relais_store_t *)f;
    relais_store_batch_t *b = (relais_store_batch_t *)f;
    relais_store_checkpoint_t cp = {.size = 10};
    relais_store_ack_t ack;
    relais_hash_t leaves[10];
    char missing[128], empty[128], data[160];
    struct stat sb;
    s_msg_t m;

    snprintf(missing, sizeof missing, "%s/missing", f->dir);
    assert_int_not_equal(relais_store_open(missing, &ro, &store), 0);
    assert_null(store);
    s_assert_detail();
    assert_int_not_equal(stat(missing, &sb), 0);
    snprintf(empty, sizeof empty, "%s/empty", f->dir);
    assert_int_equal(mkdir(empty, 0700), 0);
    assert_int_not_equal(relais_store_open(empty, &ro, &store), 0);
    snprintf(data, sizeof data, "%s/data.mdb", empty);
    assert_int_not_equal(stat(data, &sb), 0);

    s_fill(f->store, 10, leaves);
    assert_int_equal(relais_store_root(f->store, 10, cp.root), 0);
    strcpy(cp.note, "note\n");
    assert_int_equal(relais_store_checkpoint_put(f->store, &cp), 0);
    s_reopen(f, &ro);
    s_assert_all_readable(f->store, leaves, 10);
    assert_int_equal(relais_store_checkpoint_latest(f->store, &cp), 0);
    assert_int_equal(relais_store_batch_begin(f->store, &b), RELAIS_E_INVALID);
    assert_null(b);
    s_msg_make(&m, 11, 10, 0);
    relais_store_entry_t e = s_entry(&m, 1);
    assert_int_equal(relais_store_append_batch(f->store, &e, 1, &ack), RELAIS_E_INVALID);
    assert_int_equal(relais_store_checkpoint_put(f->store, &cp), RELAIS_E_INVALID);
    s_assert_head(f->store, 10);
}

/* ---- Threads ---------------------------------------------------------------------------- */

/* One reader thread's view: it proves records against roots while the writer appends. */
typedef struct {
    relais_store_t *store;    /* shared with the writer */
    atomic_int *done;         /* set by the writer when it has finished */
    atomic_ullong *published; /* the head the writer's last returned commit made */
    int failures;          /* checks that did not hold */
    int rounds;            /* checks made */
} s_reader_t;

static void *s_reader_main(void *arg)
{
    s_reader_t *r = arg;
    relais_hash_t root, leaf, path[RELAIS_MERKLE_MAX_PATH];
    size_t path_len;
    uint64_t head;
    while (!atomic_load(r->done) || r->rounds < 50) {
        /* What a reader may rely on is a commit that has returned: LMDB can let a read begun
         * during a commit glimpse it before it is published, and a later read then see the
         * published state only. So the sizes come from the writer, and the store's own head
         * must be at least that. */
        uint64_t published = atomic_load(r->published);
        if (relais_store_head(r->store, &head) != 0 || head < published) {
            r->failures++;
            break;
        }
        r->rounds++;
        head = published;
        if (head == 0)
            continue;
        /* records never change once written, so separate snapshots must agree */
        uint64_t seq = 1 + (uint64_t)r->rounds * 7919 % head;
        if (relais_store_root(r->store, head, root) != 0 || relais_store_get_leaf_hash(r->store, seq, leaf) != 0 ||
            relais_store_inclusion_proof(r->store, seq, head, path, &path_len) != 0 ||
            relais_merkle_verify_inclusion(seq - 1, head, leaf, path, path_len, root) != 0)
            r->failures++;
    }
    return NULL;
}

static void test_readers_during_writes(void **state)
{
    fixture_t *f = *state;
    static relais_hash_t leaves[600];
    s_reader_t readers[4];
    pthread_t threads[4];
    atomic_int done = 0;
    atomic_ullong published = 0;
    for (int i = 0; i < 4; i++) {
        readers[i] = (s_reader_t){.store = f->store, .done = &done, .published = &published};
        assert_int_equal(pthread_create(&threads[i], NULL, s_reader_main, &readers[i]), 0);
    }
    for (uint64_t first = 1; first <= 600; first += 5) {
        assert_int_equal(s_append_range(f->store, first, 5, 60, leaves), 0);
        atomic_store(&published, first + 4);
    }
    atomic_store(&done, 1);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(threads[i], NULL), 0);
        assert_int_equal(readers[i].failures, 0);
        assert_true(readers[i].rounds >= 50);
    }
    s_assert_root(f->store, leaves, 600);
}

/* ---- Iterating ---------------------------------------------------------------------------- */

/* What an iteration saw. */
typedef struct {
    relais_store_t *store; /* to compare with get_record */
    uint64_t first;        /* first sequence number seen */
    uint64_t last;         /* last one seen */
    uint64_t calls;        /* how many */
    uint64_t stop_at;      /* return 42 at this sequence number (0: never) */
    int check_bytes;       /* compare each record with get_record */
} s_seen_t;

static int s_on_record(void *ctx, uint64_t seq, const uint8_t *record, size_t len, const relais_hash_t leaf_hash)
{
    s_seen_t *seen = ctx;
    relais_hash_t want;
    if (seen->calls == 0)
        seen->first = seq;
    else
        assert_int_equal(seq, seen->last + 1);
    seen->last = seq;
    seen->calls++;
    s_sha256(0x00, record, len, NULL, 0, want);
    assert_memory_equal(leaf_hash, want, RELAIS_HASH_SIZE);
    if (seen->check_bytes) {
        uint8_t *rec;
        size_t rec_len;
        assert_int_equal(relais_store_get_record(seen->store, seq, &rec, &rec_len), 0);
        assert_int_equal(rec_len, len);
        assert_memory_equal(rec, record, len);
        free(rec);
    }
    return seq == seen->stop_at ? 42 : 0;
}

static s_seen_t s_iterate(relais_store_t *store, uint64_t from, uint64_t to, uint64_t stop_at, int expect_rc)
{
    s_seen_t seen = {.store = store, .stop_at = stop_at, .check_bytes = 1};
    assert_int_equal(relais_store_iterate(store, from, to, s_on_record, &seen), expect_rc);
    return seen;
}

static void test_iterate(void **state)
{
    fixture_t *f = *state;
    s_seen_t seen = s_iterate(f->store, 0, 0, 0, 0);
    assert_int_equal(seen.calls, 0);
    for (uint64_t first = 1; first <= 2500; first += 500)
        assert_int_equal(s_append_range(f->store, first, 500, 30, NULL), 0);
    seen = s_iterate(f->store, 0, 0, 0, 0);
    assert_int_equal(seen.calls, 2500);
    assert_int_equal(seen.first, 1);
    assert_int_equal(seen.last, 2500);
    seen = s_iterate(f->store, 10, 20, 0, 0);
    assert_int_equal(seen.calls, 11);
    assert_int_equal(seen.first, 10);
    assert_int_equal(seen.last, 20);
    seen = s_iterate(f->store, 1020, 2100, 0, 0);
    assert_int_equal(seen.calls, 1081);
    seen = s_iterate(f->store, 2500, 0, 0, 0);
    assert_int_equal(seen.calls, 1);
    seen = s_iterate(f->store, 20, 10, 0, 0);
    assert_int_equal(seen.calls, 0);
    seen = s_iterate(f->store, 2501, 0, 0, 0);
    assert_int_equal(seen.calls, 0);
    seen = s_iterate(f->store, 1, 0, 7, 42);
    assert_int_equal(seen.calls, 7);
    seen = s_iterate(f->store, 1000, 0, 1500, 42);
    assert_int_equal(seen.calls, 501);
    seen = s_iterate(f->store, 1, 2501, 0, RELAIS_E_INVALID);
    assert_int_equal(seen.calls, 0);
    assert_int_equal(relais_store_iterate(f->store, 1, 0, NULL, NULL), RELAIS_E_INVALID);
}

/* The process's resident memory backed by files (RssFile, and RssShmem: a store on tmpfs is
 * shared memory to the kernel), in KiB; -1 when unknown. */
static long s_rss_file_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1, file = -1, shmem = -1, v;
    while (f && fgets(line, sizeof line, f)) {
        if (sscanf(line, "RssFile: %ld kB", &v) == 1)
            file = v;
        if (sscanf(line, "RssShmem: %ld kB", &v) == 1)
            shmem = v;
    }
    if (f)
        fclose(f);
    if (file >= 0)
        kib = file + (shmem > 0 ? shmem : 0);
    return kib;
}

static void test_release_mapped(void **state)
{
    fixture_t *f = *state;
    relais_hash_t before, after;
    /* 3,000 records of 3 KiB: one page of the map each, about 12 MiB to read. */
    for (uint64_t first = 1; first <= 3000; first += 500)
        assert_int_equal(s_append_range(f->store, first, 500, 3000, NULL), 0);
    assert_int_equal(relais_store_root(f->store, 3000, before), 0);
    s_seen_t seen = s_iterate(f->store, 0, 0, 0, 0);
    assert_int_equal(seen.calls, 3000);
    long mapped = s_rss_file_kib();
    if (mapped < 0)
        skip();
    assert_int_equal(relais_store_release_mapped(f->store), 0);
    long released = s_rss_file_kib();
    assert_true(released + 8 * 1024 < mapped);
    /* Every page reads back as it was, through the same map. */
    seen = s_iterate(f->store, 0, 0, 0, 0);
    assert_int_equal(seen.calls, 3000);
    assert_int_equal(relais_store_root(f->store, 3000, after), 0);
    assert_memory_equal(before, after, sizeof before);
    assert_int_equal(s_append_range(f->store, 3001, 10, 3000, NULL), 0);
    assert_int_equal(relais_store_release_mapped(NULL), RELAIS_E_INVALID);
}

static void test_copy(void **state)
{
    fixture_t *f = *state;
    char dir[64];
    relais_hash_t root, copied;
    struct stat st;
    assert_int_equal(s_append_range(f->store, 1, 300, 200, NULL), 0);
    assert_int_equal(relais_store_root(f->store, 300, root), 0);
    strcpy(dir, "/tmp/relais-copy-XXXXXX");
    assert_non_null(mkdtemp(dir));
    assert_int_equal(relais_store_copy(f->store, dir), 0);
    /* The original goes on; the copy is the store as it was. */
    assert_int_equal(s_append_range(f->store, 301, 10, 200, NULL), 0);
    char path[128];
    snprintf(path, sizeof path, "%s/data.mdb", dir);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    relais_store_t *copy = NULL;
    const relais_store_options_t ro = {.read_only = 1};
    uint64_t head = 0;
    assert_int_equal(relais_store_open(dir, &ro, &copy), 0);
    assert_int_equal(relais_store_head(copy, &head), 0);
    assert_int_equal(head, 300);
    assert_int_equal(relais_store_root(copy, 300, copied), 0);
    assert_memory_equal(root, copied, sizeof root);
    s_seen_t seen = s_iterate(copy, 0, 0, 0, 0);
    assert_int_equal(seen.calls, 300);
    /* Never over another store. */
    assert_int_equal(relais_store_copy(f->store, dir), RELAIS_E_INVALID);
    relais_store_destroy(&copy);
    s_rmtree(dir);
}

/* ---- Cases ---------------------------------------------------------------------------------- */

/* Collects what case_iterate or case_history passes. */
typedef struct {
    char ids[8][RELAIS_CASE_ID_MAX]; /* case ids in call order */
    char states[8][16];              /* their states (or history statuses), NUL-terminated */
    uint64_t seqs[8];                /* history sequence numbers */
    int n;                           /* calls so far */
    int stop_after;                  /* return 5 after this many calls (0: never) */
} s_cases_seen_t;

static int s_on_case(void *ctx, const char *case_id, const uint8_t *state, size_t len)
{
    s_cases_seen_t *seen = ctx;
    assert_true(seen->n < 8 && len < 16);
    strcpy(seen->ids[seen->n], case_id);
    memcpy(seen->states[seen->n], state, len);
    seen->states[seen->n][len] = '\0';
    seen->n++;
    return seen->n == seen->stop_after ? 5 : 0;
}

static int s_on_seq(void *ctx, uint64_t seq, const uint8_t *status, size_t len)
{
    s_cases_seen_t *seen = ctx;
    assert_true(seen->n < 8 && len < 16);
    memcpy(seen->states[seen->n], status, len);
    seen->states[seen->n][len] = '\0';
    seen->seqs[seen->n++] = seq;
    return seen->n == seen->stop_after ? 5 : 0;
}

static void s_put_state(relais_store_batch_t *b, const char *case_id, const char *state)
{
    assert_int_equal(relais_store_batch_case_put(b, case_id, (const uint8_t *)state, strlen(state)), 0);
}

static void s_assert_case(relais_store_t *store, relais_store_batch_t *b, const char *case_id, const char *want)
{
    uint8_t *st = NULL;
    size_t len = 0;
    if (b)
        assert_int_equal(relais_store_batch_case_get(b, case_id, &st, &len), 0);
    else
        assert_int_equal(relais_store_case_get(store, case_id, &st, &len), 0);
    assert_non_null(st);
    assert_int_equal(len, strlen(want));
    assert_memory_equal(st, want, len);
    free(st);
}

/* Writes three cases, a history and a child link in one batch, checking that the batch
 * sees its own writes. */
static void s_write_cases(relais_store_t *store, const uint8_t *child_a, const uint8_t *child_b)
{
    relais_store_batch_t *b = NULL;
    char case_id[RELAIS_CASE_ID_MAX];
    uint8_t *st;
    size_t len;
    assert_int_equal(relais_store_batch_begin(store, &b), 0);
    assert_int_equal(relais_store_batch_case_get(b, "c-1", &st, &len), RELAIS_E_NOT_FOUND);
    s_put_state(b, "c-1", "s1");
    s_assert_case(store, b, "c-1", "s1");
    s_put_state(b, "c-10", "s10");
    s_put_state(b, "c-2", "s2");
    s_put_state(b, "c-1", "s1b");
    s_assert_case(store, b, "c-1", "s1b");
    assert_int_equal(relais_store_batch_case_link(b, "c-1", 3, (const uint8_t *)"after3", 6), 0);
    assert_int_equal(relais_store_batch_case_link(b, "c-1", 1, (const uint8_t *)"after1", 6), 0);
    assert_int_equal(relais_store_batch_case_link(b, "c-10", 2, (const uint8_t *)"after2", 6), 0);
    assert_int_equal(relais_store_batch_case_link(b, "c-1", 4, (const uint8_t *)"x", 1), RELAIS_E_INVALID);
    assert_int_equal(relais_store_batch_case_link(b, "c-1", 0, (const uint8_t *)"x", 1), RELAIS_E_INVALID);
    assert_int_equal(relais_store_batch_case_link(b, "c-1", 2, NULL, 3), RELAIS_E_INVALID);
    /* One record is the event of one case: a second link is refused, the batch stays usable. */
    assert_int_equal(relais_store_batch_case_link(b, "c-2", 3, (const uint8_t *)"x", 1), RELAIS_E_INVALID);
    uint8_t *blob = NULL;
    size_t blob_len = 0;
    assert_int_equal(relais_store_batch_seq_case(b, 3, case_id, &blob, &blob_len), 0);
    assert_string_equal(case_id, "c-1");
    assert_int_equal(blob_len, 6);
    assert_memory_equal(blob, "after3", 6);
    free(blob);
    assert_int_equal(relais_store_batch_child_get(b, child_a, case_id), RELAIS_E_NOT_FOUND);
    assert_int_equal(relais_store_batch_child_put(b, child_a, "c-1"), 0);
    assert_int_equal(relais_store_batch_child_get(b, child_a, case_id), 0);
    assert_string_equal(case_id, "c-1");
    assert_int_equal(relais_store_batch_child_del(b, child_b), RELAIS_E_NOT_FOUND);
    assert_int_equal(relais_store_batch_case_put(b, "c-empty", (const uint8_t *)"", 0), 0);
    assert_int_equal(relais_store_batch_commit(&b), 0);
}

static void test_cases(void **state)
{
    fixture_t *f = *state;
    uint8_t child_a[RELAIS_CHILD_KEY_SIZE], child_b[RELAIS_CHILD_KEY_SIZE];
    s_cases_seen_t seen = {0};
    char case_id[RELAIS_CASE_ID_MAX];
    memset(child_a, 0xAA, sizeof child_a);
    memset(child_b, 0xBB, sizeof child_b);
    assert_int_equal(s_append_range(f->store, 1, 3, 30, NULL), 0);
    s_write_cases(f->store, child_a, child_b);

    s_assert_case(f->store, NULL, "c-1", "s1b");
    s_assert_case(f->store, NULL, "c-empty", "");
    assert_int_equal(relais_store_case_iterate(f->store, s_on_case, &seen), 0);
    assert_int_equal(seen.n, 4);
    assert_string_equal(seen.ids[0], "c-1");
    assert_string_equal(seen.states[0], "s1b");
    assert_string_equal(seen.ids[1], "c-10");
    assert_string_equal(seen.ids[2], "c-2");
    assert_string_equal(seen.states[2], "s2");
    assert_string_equal(seen.ids[3], "c-empty");
    memset(&seen, 0, sizeof seen);
    seen.stop_after = 2;
    assert_int_equal(relais_store_case_iterate(f->store, s_on_case, &seen), 5);
    assert_int_equal(seen.n, 2);
    /* A following page: strictly after an id that is there, or after one that is not. */
    memset(&seen, 0, sizeof seen);
    assert_int_equal(relais_store_case_iterate_after(f->store, "c-10", s_on_case, &seen), 0);
    assert_int_equal(seen.n, 2);
    assert_string_equal(seen.ids[0], "c-2");
    assert_string_equal(seen.ids[1], "c-empty");
    memset(&seen, 0, sizeof seen);
    assert_int_equal(relais_store_case_iterate_after(f->store, "c-11", s_on_case, &seen), 0);
    assert_int_equal(seen.n, 2);
    assert_string_equal(seen.ids[0], "c-2");
    memset(&seen, 0, sizeof seen);
    assert_int_equal(relais_store_case_iterate_after(f->store, "c-empty", s_on_case, &seen), 0);
    assert_int_equal(seen.n, 0);
    memset(&seen, 0, sizeof seen);
    assert_int_equal(relais_store_case_iterate_after(f->store, "", s_on_case, &seen), 0);
    assert_int_equal(seen.n, 4);

    memset(&seen, 0, sizeof seen);
    assert_int_equal(relais_store_case_history(f->store, "c-1", s_on_seq, &seen), 0);
    assert_int_equal(seen.n, 2);
    assert_int_equal(seen.seqs[0], 1);
    assert_string_equal(seen.states[0], "after1");
    assert_int_equal(seen.seqs[1], 3);
    assert_string_equal(seen.states[1], "after3");
    memset(&seen, 0, sizeof seen);
    seen.stop_after = 1;
    assert_int_equal(relais_store_case_history(f->store, "c-1", s_on_seq, &seen), 5);
    memset(&seen, 0, sizeof seen);
    assert_int_equal(relais_store_case_history(f->store, "c-10", s_on_seq, &seen), 0);
    assert_int_equal(seen.n, 1);
    assert_int_equal(seen.seqs[0], 2);
    memset(&seen, 0, sizeof seen);
    assert_int_equal(relais_store_case_history(f->store, "c", s_on_seq, &seen), 0);
    assert_int_equal(seen.n, 0);

    /* The reverse index: record -> case, with the status blob; not every record is an event. */
    uint8_t *blob = NULL;
    size_t blob_len = 0;
    assert_int_equal(relais_store_seq_case(f->store, 2, case_id, &blob, &blob_len), 0);
    assert_string_equal(case_id, "c-10");
    assert_int_equal(blob_len, 6);
    assert_memory_equal(blob, "after2", 6);
    free(blob);
    assert_int_equal(relais_store_seq_case(f->store, 1, case_id, NULL, NULL), 0);
    assert_string_equal(case_id, "c-1");
    assert_int_equal(relais_store_seq_case(f->store, 4, case_id, &blob, &blob_len), RELAIS_E_NOT_FOUND);
    assert_int_equal(relais_store_seq_case(f->store, 1, case_id, &blob, NULL), RELAIS_E_INVALID);

    assert_int_equal(relais_store_child_case(f->store, child_a, case_id), 0);
    assert_string_equal(case_id, "c-1");
    assert_int_equal(relais_store_child_case(f->store, child_b, case_id), RELAIS_E_NOT_FOUND);
    relais_store_batch_t *b = NULL;
    assert_int_equal(relais_store_batch_begin(f->store, &b), 0);
    assert_int_equal(relais_store_batch_child_del(b, child_a), 0);
    assert_int_equal(relais_store_batch_commit(&b), 0);
    assert_int_equal(relais_store_child_case(f->store, child_a, case_id), RELAIS_E_NOT_FOUND);
}

static void test_case_ids(void **state)
{
    fixture_t *f = *state;
    relais_store_batch_t *b = NULL;
    char longest[RELAIS_CASE_ID_MAX], too_long[RELAIS_CASE_ID_MAX + 1];
    uint8_t child[RELAIS_CHILD_KEY_SIZE] = {0}, *st;
    size_t len;
    memset(longest, 'a', sizeof longest - 1);
    longest[sizeof longest - 1] = '\0';
    memset(too_long, 'b', sizeof too_long - 1);
    too_long[sizeof too_long - 1] = '\0';
    assert_int_equal(relais_store_batch_begin(f->store, &b), 0);
    assert_int_equal(relais_store_batch_case_put(b, "", (const uint8_t *)"x", 1), RELAIS_E_INVALID);
    assert_int_equal(relais_store_batch_case_put(b, NULL, (const uint8_t *)"x", 1), RELAIS_E_INVALID);
    assert_int_equal(relais_store_batch_case_put(b, too_long, (const uint8_t *)"x", 1), RELAIS_E_INVALID);
    assert_int_equal(relais_store_batch_case_put(b, "ok", NULL, 1), RELAIS_E_INVALID);
    assert_int_equal(relais_store_batch_child_put(b, child, too_long), RELAIS_E_INVALID);
    assert_int_equal(relais_store_batch_child_put(b, NULL, "ok"), RELAIS_E_INVALID);
    assert_int_equal(relais_store_batch_case_put(b, longest, (const uint8_t *)"x", 1), 0);
    assert_int_equal(relais_store_batch_child_put(b, child, longest), 0);
    assert_int_equal(relais_store_batch_commit(&b), 0);
    s_assert_case(f->store, NULL, longest, "x");
    char case_id[RELAIS_CASE_ID_MAX];
    assert_int_equal(relais_store_child_case(f->store, child, case_id), 0);
    assert_string_equal(case_id, longest);
    assert_int_equal(relais_store_case_get(f->store, too_long, &st, &len), RELAIS_E_INVALID);
    assert_int_equal(relais_store_case_get(f->store, "nope", &st, &len), RELAIS_E_NOT_FOUND);
    assert_int_equal(relais_store_case_history(f->store, "", s_count_seq, NULL), RELAIS_E_INVALID);
    assert_int_equal(relais_store_batch_case_put(NULL, "ok", (const uint8_t *)"x", 1), RELAIS_E_INVALID);
}

/* ---- Checkpoints ---------------------------------------------------------------------------- */

static int s_on_checkpoint(void *ctx, const relais_store_checkpoint_t *cp)
{
    s_cases_seen_t *seen = ctx;
    assert_true(seen->n < 8);
    seen->seqs[seen->n++] = cp->size;
    return seen->n == seen->stop_after ? 5 : 0;
}

static void s_checkpoint_make(relais_store_t *store, uint64_t size, relais_store_checkpoint_t *cp)
{
    memset(cp, 0, sizeof *cp);
    cp->size = size;
    cp->time_ms = 1700000000000 + (int64_t)size;
    assert_int_equal(relais_store_root(store, size, cp->root), 0);
    snprintf(cp->note, sizeof cp->note, "relais.test/log\n%llu\nROOT\n\n- relais SIG\n", (unsigned long long)size);
}

static void test_checkpoints(void **state)
{
    fixture_t *f = *state;
    relais_store_checkpoint_t cp5, cp10, bad, got;
    relais_store_stat_t st;
    s_cases_seen_t seen = {0};
    assert_int_equal(relais_store_checkpoint_latest(f->store, &got), RELAIS_E_NOT_FOUND);
    assert_int_equal(relais_store_checkpoint_iterate(f->store, s_on_checkpoint, &seen), 0);
    assert_int_equal(seen.n, 0);
    s_fill(f->store, 10, NULL);
    s_checkpoint_make(f->store, 5, &cp5);
    s_checkpoint_make(f->store, 10, &cp10);
    assert_int_equal(relais_store_checkpoint_put(f->store, &cp10), 0);
    assert_int_equal(relais_store_checkpoint_put(f->store, &cp5), 0);
    assert_int_equal(relais_store_checkpoint_put(f->store, &cp5), 0);

    bad = cp5;
    bad.root[3] ^= 0x40;
    assert_int_equal(relais_store_checkpoint_put(f->store, &bad), RELAIS_E_INVALID);
    s_assert_detail();
    bad = cp5;
    bad.note[0] = 'X';
    assert_int_equal(relais_store_checkpoint_put(f->store, &bad), RELAIS_E_INVALID);
    bad = cp5;
    bad.time_ms++;
    assert_int_equal(relais_store_checkpoint_put(f->store, &bad), RELAIS_E_INVALID);
    s_checkpoint_make(f->store, 10, &bad);
    bad.size = 11;
    assert_int_equal(relais_store_checkpoint_put(f->store, &bad), RELAIS_E_INVALID);
    s_checkpoint_make(f->store, 7, &bad);
    memset(bad.note, 'n', sizeof bad.note);
    assert_int_equal(relais_store_checkpoint_put(f->store, &bad), RELAIS_E_INVALID);
    assert_int_equal(relais_store_checkpoint_put(f->store, NULL), RELAIS_E_INVALID);

    assert_int_equal(relais_store_checkpoint_latest(f->store, &got), 0);
    assert_int_equal(got.size, 10);
    assert_int_equal(got.time_ms, cp10.time_ms);
    assert_memory_equal(got.root, cp10.root, RELAIS_HASH_SIZE);
    assert_string_equal(got.note, cp10.note);
    /* By size: exactly the one stored of that size, and none of a size never signed. */
    assert_int_equal(relais_store_checkpoint_get(f->store, 5, &got), 0);
    assert_int_equal(got.size, 5);
    assert_memory_equal(got.root, cp5.root, RELAIS_HASH_SIZE);
    assert_string_equal(got.note, cp5.note);
    assert_int_equal(relais_store_checkpoint_get(f->store, 7, &got), RELAIS_E_NOT_FOUND);
    s_assert_detail();
    assert_int_equal(relais_store_checkpoint_get(f->store, 0, &got), RELAIS_E_NOT_FOUND);
    assert_int_equal(relais_store_checkpoint_get(f->store, 5, NULL), RELAIS_E_INVALID);
    assert_int_equal(relais_store_checkpoint_iterate(f->store, s_on_checkpoint, &seen), 0);
    assert_int_equal(seen.n, 2);
    assert_int_equal(seen.seqs[0], 5);
    assert_int_equal(seen.seqs[1], 10);
    memset(&seen, 0, sizeof seen);
    seen.stop_after = 1;
    assert_int_equal(relais_store_checkpoint_iterate(f->store, s_on_checkpoint, &seen), 5);
    assert_int_equal(seen.n, 1);
    assert_int_equal(relais_store_stat(f->store, &st), 0);
    assert_int_equal(st.checkpoints, 2);
}

static int s_on_lifecycle(void *ctx, const char *case_id, const uint8_t *value, size_t len)
{
    char *seen = ctx;
    size_t at = strlen(seen);
    snprintf(seen + at, 64 - at, "%s=%.*s;", case_id, (int)len, (const char *)value);
    return 0;
}

/* A case leaving the active base: its lifecycle entry, its key sealed for the archive, the
 * wrapped key deleted, its index forgotten (and another case's kept), the statistics. */
static void test_lifecycle(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(s_append_range(f->store, 1, 5, 40, NULL), 0);
    relais_store_batch_t *b = NULL;
    assert_int_equal(relais_store_batch_begin(f->store, &b), 0);
    s_put_state(b, "C-1", "case one");
    s_put_state(b, "C-4", "case four");
    s_put_state(b, "R-1", "referral 1");
    s_put_state(b, "R-3", "referral 3");
    s_put_state(b, "R-4", "referral 4");
    assert_int_equal(relais_store_batch_case_link(b, "C-1", 1, (const uint8_t *)"a1", 2), 0);
    assert_int_equal(relais_store_batch_case_link(b, "C-1", 2, (const uint8_t *)"a2", 2), 0);
    assert_int_equal(relais_store_batch_case_link(b, "C-1", 3, (const uint8_t *)"a3", 2), 0);
    assert_int_equal(relais_store_batch_case_link(b, "C-4", 4, (const uint8_t *)"a4", 2), 0);
    assert_int_equal(relais_store_batch_key_put(b, 1, (const uint8_t *)"wrapped1", 8), 0);
    assert_int_equal(relais_store_batch_key_put(b, 4, (const uint8_t *)"wrapped4", 8), 0);
    assert_int_equal(relais_store_batch_lifecycle_put(b, "C-1", (const uint8_t *)"t0", 2), 0);
    assert_int_equal(relais_store_batch_lifecycle_put(b, "C-4", (const uint8_t *)"t0", 2), 0);
    assert_int_equal(relais_store_batch_commit(&b), 0);

    assert_int_equal(relais_store_batch_begin(f->store, &b), 0);
    assert_int_equal(relais_store_batch_case_forget(b, "C-1"), 0);
    assert_int_equal(relais_store_batch_case_forget(b, "C-9"), RELAIS_E_NOT_FOUND);
    assert_int_equal(relais_store_batch_key_del(b, 1), 0);
    assert_int_equal(relais_store_batch_key_del(b, 1), RELAIS_E_NOT_FOUND);
    assert_int_equal(relais_store_batch_archive_put(b, 1, (const uint8_t *)"box1", 4), 0);
    assert_int_equal(relais_store_batch_lifecycle_put(b, "C-1", (const uint8_t *)"t1", 2), 0);
    uint8_t *v = NULL;
    size_t len = 0;
    assert_int_equal(relais_store_batch_lifecycle_get(b, "C-1", &v, &len), 0);
    assert_int_equal(len, 2);
    assert_memory_equal(v, "t1", 2);
    free(v);
    assert_int_equal(relais_store_batch_stats_get(b, &v, &len), RELAIS_E_NOT_FOUND);
    assert_int_equal(relais_store_batch_stats_put(b, (const uint8_t *)"counts", 6), 0);
    assert_int_equal(relais_store_batch_commit(&b), 0);

    /* C-1 is gone from the case index, every event and referral entry with it; C-4 stays. */
    char case_id[RELAIS_CASE_ID_MAX];
    assert_int_equal(relais_store_case_get(f->store, "C-1", &v, &len), RELAIS_E_NOT_FOUND);
    assert_int_equal(relais_store_case_get(f->store, "R-1", &v, &len), RELAIS_E_NOT_FOUND);
    assert_int_equal(relais_store_case_get(f->store, "R-3", &v, &len), RELAIS_E_NOT_FOUND);
    for (uint64_t seq = 1; seq <= 3; seq++)
        assert_int_equal(relais_store_seq_case(f->store, seq, case_id, NULL, NULL), RELAIS_E_NOT_FOUND);
    int events = 0;
    assert_int_equal(relais_store_case_history(f->store, "C-1", s_count_seq, &events), 0);
    assert_int_equal(events, 0);
    s_assert_case(f->store, NULL, "C-4", "case four");
    s_assert_case(f->store, NULL, "R-4", "referral 4");
    assert_int_equal(relais_store_seq_case(f->store, 4, case_id, NULL, NULL), 0);
    assert_string_equal(case_id, "C-4");
    assert_int_equal(relais_store_case_history(f->store, "C-4", s_count_seq, &events), 0);
    assert_int_equal(events, 1);
    assert_int_equal(relais_store_key_get(f->store, 1, &v, &len), RELAIS_E_NOT_FOUND);
    assert_int_equal(relais_store_key_get(f->store, 4, &v, &len), 0);
    free(v);
    assert_int_equal(relais_store_archive_get(f->store, 1, &v, &len), 0);
    assert_int_equal(len, 4);
    assert_memory_equal(v, "box1", 4);
    free(v);
    assert_int_equal(relais_store_stats_get(f->store, &v, &len), 0);
    assert_memory_equal(v, "counts", 6);
    free(v);
    char seen[64] = "";
    assert_int_equal(relais_store_lifecycle_iterate(f->store, s_on_lifecycle, seen), 0);
    assert_string_equal(seen, "C-1=t1;C-4=t0;");

    /* Erased: the archive's key deleted too. */
    assert_int_equal(relais_store_batch_begin(f->store, &b), 0);
    assert_int_equal(relais_store_batch_archive_del(b, 1), 0);
    assert_int_equal(relais_store_batch_archive_del(b, 1), RELAIS_E_NOT_FOUND);
    assert_int_equal(relais_store_batch_commit(&b), 0);
    assert_int_equal(relais_store_archive_get(f->store, 1, &v, &len), RELAIS_E_NOT_FOUND);
}

/* Appends "meeting:seq:case;" to the text at ctx (room 256). */
static int s_on_meeting(void *ctx, const char *meeting_id, uint64_t seq, const char *case_id)
{
    char *seen = ctx;
    size_t used = strlen(seen);
    snprintf(seen + used, 256 - used, "%s:%llu:%s;", meeting_id, (unsigned long long)seq, case_id);
    return 0;
}

static void s_assert_meetings(relais_store_t *store, const char *meeting_id, const char *want)
{
    char seen[256] = "";
    assert_int_equal(meeting_id ? relais_store_meeting_records(store, meeting_id, s_on_meeting, seen)
                                : relais_store_meeting_iterate(store, s_on_meeting, seen),
                     0);
    assert_string_equal(seen, want);
}

/* The meetings' index: a meeting's records together, in log order; gone with their case. */
static void test_meetings(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(s_append_range(f->store, 1, 5, 40, NULL), 0);
    relais_store_batch_t *b = NULL;
    assert_int_equal(relais_store_batch_begin(f->store, &b), 0);
    s_put_state(b, "C-1", "case one");
    s_put_state(b, "C-4", "case four");
    for (uint64_t seq = 1; seq <= 5; seq++)
        assert_int_equal(relais_store_batch_case_link(b, seq < 4 ? "C-1" : "C-4", seq, (const uint8_t *)"st", 2), 0);
    assert_int_equal(relais_store_batch_meeting_put(b, "M-20261210-a3f9", 4, "C-4"), 0);
    assert_int_equal(relais_store_batch_meeting_put(b, "M-20261210-a3f9", 2, "C-1"), 0);
    assert_int_equal(relais_store_batch_meeting_put(b, "M-20261112-b1", 3, "C-1"), 0);
    assert_int_equal(relais_store_batch_meeting_put(b, "", 5, "C-4"), RELAIS_E_INVALID);
    assert_int_equal(relais_store_batch_meeting_put(b, "M-20261210-0123456789abcdef0123456", 5, "C-4"),
                     RELAIS_E_INVALID);
    assert_int_equal(relais_store_batch_meeting_put(b, "M-20261210-a3f9", 5, ""), RELAIS_E_INVALID);
    assert_int_equal(relais_store_batch_commit(&b), 0);
    s_assert_meetings(f->store, NULL, "M-20261112-b1:3:C-1;M-20261210-a3f9:2:C-1;M-20261210-a3f9:4:C-4;");
    s_assert_meetings(f->store, "M-20261210-a3f9", "M-20261210-a3f9:2:C-1;M-20261210-a3f9:4:C-4;");
    s_assert_meetings(f->store, "M-20261210-a3f", "");
    s_assert_meetings(f->store, "M-20270101-zz", "");
    assert_int_equal(relais_store_meeting_records(f->store, "", s_on_meeting, NULL), RELAIS_E_INVALID);

    assert_int_equal(relais_store_batch_begin(f->store, &b), 0);
    assert_int_equal(relais_store_batch_case_forget(b, "C-1"), 0);
    assert_int_equal(relais_store_batch_commit(&b), 0);
    s_assert_meetings(f->store, NULL, "M-20261210-a3f9:4:C-4;");
    s_assert_meetings(f->store, "M-20261112-b1", "");
}

/* ---- The indexes' standing ------------------------------------------------------------------ */

/* Appends records first..first+count-1 in one batch and gives each a case "case-<n>". */
static void s_append_cases(relais_store_t *store, uint64_t first, size_t count)
{
    relais_store_batch_t *b = NULL;
    assert_int_equal(relais_store_batch_begin(store, &b), 0);
    for (uint64_t n = first; n < first + count; n++) {
        s_msg_t m;
        relais_store_ack_t ack;
        char id[32];
        s_msg_make(&m, n, 200, 0);
        relais_store_entry_t e = s_entry(&m, 1000);
        assert_int_equal(relais_store_batch_append(b, &e, &ack), 0);
        snprintf(id, sizeof id, "case-%llu", (unsigned long long)n);
        assert_int_equal(relais_store_batch_case_put(b, id, (const uint8_t *)"state", 5), 0);
        assert_int_equal(relais_store_batch_case_link(b, id, ack.seq, (const uint8_t *)"st", 2), 0);
    }
    assert_int_equal(relais_store_batch_commit(&b), 0);
}

static void s_index_state(relais_store_t *store, int trusted, uint64_t applied, const char *why)
{
    relais_store_index_t index;
    assert_int_equal(relais_store_index_state(store, &index), 0);
    assert_int_equal(index.trusted, trusted);
    assert_int_equal(index.applied, applied);
    if (why && !strstr(index.why, why))
        fail_msg("the index's why is \"%s\", not \"%s\"", index.why, why);
}

static int s_has_case(relais_store_t *store, uint64_t n)
{
    char id[32];
    uint8_t *state = NULL;
    size_t len = 0;
    snprintf(id, sizeof id, "case-%llu", (unsigned long long)n);
    int rc = relais_store_case_get(store, id, &state, &len);
    free(state);
    return rc == 0;
}

/* A writer that stops without closing its store, as relaisd killed with SIGKILL would. */
static void s_child_writes_and_dies(const char *dir)
{
    relais_store_t *store = NULL;
    if (relais_store_open(dir, NULL, &store) != 0)
        _exit(3);
    s_append_cases(store, 4, 2);
    _exit(0);
}

static void test_index_trusted_after_a_clean_close(void **state)
{
    fixture_t *f = *state;
    s_append_cases(f->store, 1, 3);
    s_reopen(f, NULL);
    s_index_state(f->store, 1, 3, NULL);
    assert_true(s_has_case(f->store, 2));
    /* A batch begun on current indexes appends as usual. */
    s_append_cases(f->store, 4, 1);
    s_index_state(f->store, 1, 4, NULL);
}

static void test_index_made_anew_after_a_crash(void **state)
{
    fixture_t *f = *state;
    int status = 0;
    s_append_cases(f->store, 1, 3);
    relais_store_destroy(&f->store);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        s_child_writes_and_dies(f->dir);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    /* A reader leaves indexes a crash left alone: nothing to read, nothing changed. */
    relais_store_t *reader = NULL;
    const relais_store_options_t ro = {.read_only = 1};
    assert_int_equal(relais_store_open(f->dir, &ro, &reader), 0);
    s_index_state(reader, 0, 0, "stopped without settling");
    assert_false(s_has_case(reader, 1));
    uint64_t head = 0;
    assert_int_equal(relais_store_head(reader, &head), 0);
    assert_int_equal(head, 5);
    relais_store_destroy(&reader);

    /* The writer makes them anew, empty, behind the log: nothing is appended until they are
     * caught up. */
    assert_int_equal(relais_store_open(f->dir, NULL, &f->store), 0);
    s_index_state(f->store, 0, 0, "stopped without settling");
    assert_false(s_has_case(f->store, 1));
    relais_store_batch_t *b = NULL;
    int catching_up = 0;
    assert_int_equal(relais_store_batch_begin(f->store, &b), 0);
    assert_int_equal(relais_store_batch_applied(b, &catching_up), 0);
    assert_true(catching_up);
    s_msg_t m;
    relais_store_ack_t ack;
    s_msg_make(&m, 6, 100, 0);
    relais_store_entry_t e = s_entry(&m, 1000);
    assert_int_equal(relais_store_batch_append(b, &e, &ack), RELAIS_E_INVALID);
    assert_int_equal(relais_store_batch_set_applied(b, 6), RELAIS_E_INVALID); /* beyond the log */
    assert_int_equal(relais_store_batch_case_put(b, "case-1", (const uint8_t *)"state", 5), 0);
    assert_int_equal(relais_store_batch_set_applied(b, 5), 0);
    assert_int_equal(relais_store_batch_commit(&b), 0);
    s_index_state(f->store, 0, 5, NULL);
    assert_true(s_has_case(f->store, 1));
    /* Caught up: closed cleanly, then trusted. */
    s_reopen(f, NULL);
    s_index_state(f->store, 1, 5, NULL);
    assert_true(s_has_case(f->store, 1));
}

static void test_index_truncated_or_stale(void **state)
{
    fixture_t *f = *state;
    char index_file[128], saved[128], cmd[512];
    snprintf(index_file, sizeof index_file, "%s/index/data.mdb", f->dir);
    snprintf(saved, sizeof saved, "%s/index-earlier", f->dir);
    s_append_cases(f->store, 1, 50);
    relais_store_destroy(&f->store);
    /* Truncated: fewer pages than its meta page counts. */
    assert_int_equal(truncate(index_file, 8192), 0);
    assert_int_equal(relais_store_open(f->dir, NULL, &f->store), 0);
    s_index_state(f->store, 0, 0, "truncated");
    relais_store_destroy(&f->store);

    /* Stale: a copy of a clean index from before more records, put back. */
    assert_int_equal(relais_store_open(f->dir, NULL, &f->store), 0);
    relais_store_batch_t *b = NULL;
    assert_int_equal(relais_store_batch_begin(f->store, &b), 0);
    assert_int_equal(relais_store_batch_set_applied(b, 50), 0);
    assert_int_equal(relais_store_batch_commit(&b), 0);
    relais_store_destroy(&f->store);
    snprintf(cmd, sizeof cmd, "cp -a %s/index %s", f->dir, saved);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(relais_store_open(f->dir, NULL, &f->store), 0);
    s_index_state(f->store, 1, 50, NULL);
    s_append_cases(f->store, 51, 2);
    relais_store_destroy(&f->store);
    snprintf(cmd, sizeof cmd, "rm -rf %s/index && mv %s %s/index", f->dir, saved, f->dir);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(relais_store_open(f->dir, NULL, &f->store), 0);
    s_index_state(f->store, 0, 0, "not the one the log marked clean");
}

static void test_index_of_a_copy(void **state)
{
    fixture_t *f = *state;
    char copy_dir[128];
    s_append_cases(f->store, 1, 20);
    snprintf(copy_dir, sizeof copy_dir, "%s/copy", f->dir);
    assert_int_equal(mkdir(copy_dir, 0700), 0);
    /* Copied from a writer that has not settled: the copy's own marker says its indexes are whole. */
    assert_int_equal(relais_store_copy(f->store, copy_dir), 0);
    relais_store_t *copy = NULL;
    assert_int_equal(relais_store_open(copy_dir, NULL, &copy), 0);
    s_index_state(copy, 1, 20, NULL);
    assert_true(s_has_case(copy, 20));
    relais_store_destroy(&copy);
}

#define S_TEST(fn) cmocka_unit_test_setup_teardown(fn, s_setup, s_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        S_TEST(test_open_arguments),
        S_TEST(test_append_and_read),
        S_TEST(test_find_msg),
        S_TEST(test_append_arguments),
        S_TEST(test_roots),
        S_TEST(test_inclusion_proofs),
        S_TEST(test_consistency_proofs),
        S_TEST(test_duplicate_idempotent),
        S_TEST(test_duplicate_conflict),
        S_TEST(test_duplicates_in_one_batch),
        S_TEST(test_batch_api),
        S_TEST(test_abort_leaves_nothing),
        S_TEST(test_fork_exit_without_commit),
        S_TEST(test_store_full),
        S_TEST(test_store_full_in_batch),
        S_TEST(test_reopen_keeps_everything),
        S_TEST(test_newer_format_refused),
        S_TEST(test_foreign_lmdb_refused),
        S_TEST(test_read_only),
        S_TEST(test_readers_during_writes),
        S_TEST(test_iterate),
        S_TEST(test_release_mapped),
        S_TEST(test_copy),
        S_TEST(test_cases),
        S_TEST(test_case_ids),
        S_TEST(test_checkpoints),
        S_TEST(test_lifecycle),
        S_TEST(test_meetings),
        S_TEST(test_index_trusted_after_a_clean_close),
        S_TEST(test_index_made_anew_after_a_crash),
        S_TEST(test_index_truncated_or_stale),
        S_TEST(test_index_of_a_copy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
