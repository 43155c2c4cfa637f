/* test_keys.c -- the data key file, wrapping, sealing, and a store's sealed records opened again. */
#define _GNU_SOURCE /* nftw */
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "relais_keys.h"
#include "relais_merkle.h"
#include "relais_proto.h"
#include "relais_store.h"

typedef struct {
    char dir[64];
    char kek_path[128];
} s_fixture_t;

static int s_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int s_setup(void **state)
{
    s_fixture_t *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/relais-keys-XXXXXX");
    if (!f || !mkdtemp(f->dir))
        return -1;
    snprintf(f->kek_path, sizeof f->kek_path, "%s/data.key", f->dir);
    *state = f;
    return 0;
}

static int s_teardown(void **state)
{
    s_fixture_t *f = *state;
    nftw(f->dir, s_rm, 8, FTW_DEPTH | FTW_PHYS);
    free(f);
    return 0;
}

static void test_kek_file(void **state)
{
    s_fixture_t *f = *state;
    relais_kek_t *kek = NULL;
    assert_int_equal(relais_kek_create(f->kek_path, 3), 0);
    struct stat st;
    assert_int_equal(stat(f->kek_path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(relais_kek_create(f->kek_path, 4), RELAIS_E_IO); /* never over another */
    assert_int_equal(relais_kek_load(f->kek_path, &kek), 0);
    assert_int_equal(relais_kek_generation(kek), 3);
    relais_kek_destroy(&kek);
    assert_null(kek);
    /* Readable by others: refused, as ssh refuses such keys. */
    assert_int_equal(chmod(f->kek_path, 0640), 0);
    assert_int_equal(relais_kek_load(f->kek_path, &kek), RELAIS_E_IO);
    assert_non_null(strstr(relais_status_detail(), "chmod 600"));
    /* Not a data key at all. */
    char other[160];
    snprintf(other, sizeof other, "%s/other.key", f->dir);
    int fd = open(other, O_WRONLY | O_CREAT | O_EXCL, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "relais-data-key 1\ngeneration 1\nkey c2hvcnQ=\n", 44), 44);
    close(fd);
    assert_int_equal(relais_kek_load(other, &kek), RELAIS_E_MALFORMED);
    assert_int_equal(relais_kek_create(f->kek_path, 0), RELAIS_E_INVALID);
}

static void test_wrap_and_seal(void **state)
{
    s_fixture_t *f = *state;
    char second[160];
    snprintf(second, sizeof second, "%s/second.key", f->dir);
    relais_kek_t *kek = NULL, *other = NULL;
    assert_int_equal(relais_kek_create(f->kek_path, 1), 0);
    assert_int_equal(relais_kek_create(second, 1), 0);
    assert_int_equal(relais_kek_load(f->kek_path, &kek), 0);
    assert_int_equal(relais_kek_load(second, &other), 0);
    uint8_t key[RELAIS_DATA_KEY_BYTES], back[RELAIS_DATA_KEY_BYTES], wrapped[RELAIS_WRAPPED_KEY_BYTES];
    memset(key, 0x5a, sizeof key);
    assert_int_equal(relais_kek_wrap(kek, 42, key, wrapped), 0);
    assert_int_equal(relais_wrapped_generation(wrapped, sizeof wrapped), 1);
    assert_int_equal(relais_kek_unwrap(kek, 42, wrapped, sizeof wrapped, back), 0);
    assert_memory_equal(key, back, sizeof key);
    assert_int_equal(relais_kek_unwrap(kek, 43, wrapped, sizeof wrapped, back), RELAIS_E_CRYPTO); /* another key's place */
    assert_int_equal(relais_kek_unwrap(other, 42, wrapped, sizeof wrapped, back), RELAIS_E_CRYPTO);
    wrapped[20] ^= 1;
    assert_int_equal(relais_kek_unwrap(kek, 42, wrapped, sizeof wrapped, back), RELAIS_E_CRYPTO);
    assert_int_equal(relais_kek_unwrap(kek, 42, wrapped, 10, back), RELAIS_E_MALFORMED);

    const char plain[] = "Lina B., CM1, Ecole des Blagis";
    uint8_t nonce[RELAIS_SEAL_NONCE_BYTES], nonce2[RELAIS_SEAL_NONCE_BYTES], ad[RELAIS_RECORD_AD_BYTES];
    uint8_t sealed[sizeof plain + RELAIS_SEAL_TAG_BYTES], sealed2[sizeof sealed], opened[sizeof plain];
    relais_record_ad(7, 42, ad);
    assert_int_equal(relais_seal(key, ad, sizeof ad, (const uint8_t *)plain, sizeof plain, nonce, sealed), 0);
    assert_null(memmem(sealed, sizeof sealed, "Lina", 4));
    assert_int_equal(relais_open(key, ad, sizeof ad, nonce, sealed, sizeof sealed, opened), 0);
    assert_memory_equal(opened, plain, sizeof plain);
    /* Fresh nonces: the same text seals otherwise every time. */
    assert_int_equal(relais_seal(key, ad, sizeof ad, (const uint8_t *)plain, sizeof plain, nonce2, sealed2), 0);
    assert_memory_not_equal(nonce, nonce2, sizeof nonce);
    /* Another place in the log, another key, an altered byte: none opens. */
    uint8_t elsewhere[RELAIS_RECORD_AD_BYTES];
    relais_record_ad(8, 42, elsewhere);
    assert_int_equal(relais_open(key, elsewhere, sizeof elsewhere, nonce, sealed, sizeof sealed, opened),
                     RELAIS_E_CRYPTO);
    assert_int_equal(relais_open(back, ad, sizeof ad, nonce, sealed, sizeof sealed, opened), RELAIS_E_CRYPTO);
    sealed[3] ^= 0x80;
    assert_int_equal(relais_open(key, ad, sizeof ad, nonce, sealed, sizeof sealed, opened), RELAIS_E_CRYPTO);
    sealed[3] ^= 0x80;
    /* Keys in turn, each used twice in a row: every call uses its own key, whatever the one
     * before it used (the contexts keep a key between calls). */
    uint8_t key2[RELAIS_DATA_KEY_BYTES];
    memset(key2, 0xa5, sizeof key2);
    for (int round = 0; round < 3; round++) {
        const uint8_t *k = round % 2 ? key2 : key, *wrong = round % 2 ? key : key2;
        assert_int_equal(relais_seal(k, ad, sizeof ad, (const uint8_t *)plain, sizeof plain, nonce2, sealed2), 0);
        assert_int_equal(relais_seal(k, ad, sizeof ad, (const uint8_t *)plain, sizeof plain, nonce2, sealed2), 0);
        assert_int_equal(relais_open(wrong, ad, sizeof ad, nonce2, sealed2, sizeof sealed2, opened), RELAIS_E_CRYPTO);
        assert_int_equal(relais_open(k, ad, sizeof ad, nonce2, sealed2, sizeof sealed2, opened), 0);
        assert_int_equal(relais_open(k, ad, sizeof ad, nonce2, sealed2, sizeof sealed2, opened), 0);
        assert_memory_equal(opened, plain, sizeof plain);
        assert_int_equal(relais_open(key, ad, sizeof ad, nonce, sealed, sizeof sealed, opened), 0);
    }
    relais_kek_destroy(&kek);
    relais_kek_destroy(&other);
}

/* A sealed record goes into a store and comes back out through a fresh keyring. */
static void test_store_sealed_records(void **state)
{
    s_fixture_t *f = *state;
    char store_dir[128];
    snprintf(store_dir, sizeof store_dir, "%s/store", f->dir);
    assert_int_equal(mkdir(store_dir, 0700), 0);
    relais_kek_t *kek = NULL;
    relais_keyring_t *ring = NULL, *fresh = NULL;
    relais_store_t *store = NULL;
    assert_int_equal(relais_kek_create(f->kek_path, 1), 0);
    assert_int_equal(relais_kek_load(f->kek_path, &kek), 0);
    assert_int_equal(relais_keyring_new(kek, &ring), 0);
    assert_int_equal(relais_store_open(store_dir, NULL, &store), 0);

    const uint8_t signed_msg[] = "a SignedMessage about Lina";
    uint8_t msg_id[16] = {1}, key[RELAIS_DATA_KEY_BYTES], nonce[RELAIS_SEAL_NONCE_BYTES];
    uint8_t sealed[sizeof signed_msg + RELAIS_SEAL_TAG_BYTES], ad[RELAIS_RECORD_AD_BYTES];
    relais_store_batch_t *b = NULL;
    relais_store_ack_t ack;
    assert_int_equal(relais_store_batch_begin(store, &b), 0);
    assert_int_equal(relais_keyring_create(ring, b, 1, key), 0);
    relais_record_ad(1, 1, ad);
    assert_int_equal(relais_seal(key, ad, sizeof ad, signed_msg, sizeof signed_msg, nonce, sealed), 0);
    relais_store_entry_t e = {signed_msg, sizeof signed_msg, msg_id, 1000, 1, nonce, sealed, sizeof sealed, 0};
    assert_int_equal(relais_store_batch_append(b, &e, &ack), 0);
    assert_int_equal(ack.seq, 1);
    assert_int_equal(relais_store_batch_commit(&b), 0);

    /* The same message again: recognised by its hash, without opening the record. */
    assert_int_equal(relais_store_append_batch(store, &e, 1, &ack), 0);
    assert_true(ack.duplicate);
    assert_int_equal(ack.seq, 1);
    const uint8_t other[] = "another SignedMessage ....";
    relais_store_entry_t clash = {other, sizeof other, msg_id, 1000, 0, NULL, NULL, 0, 0};
    assert_int_equal(relais_store_append_batch(store, &clash, 1, &ack), 0);
    assert_int_equal(ack.status, RELAIS_E_DUPLICATE_CONFLICT);

    uint8_t *record = NULL, *opened = NULL;
    size_t len = 0, opened_len = 0;
    relais_log_record_t rec;
    assert_int_equal(relais_store_get_record(store, 1, &record, &len), 0);
    assert_null(memmem(record, len, "Lina", 4));
    assert_int_equal(relais_log_record_decode(record, len, &rec), 0);
    assert_int_equal(rec.key_id, 1);
    assert_null(rec.signed_message);
    assert_int_equal(relais_keyring_new(kek, &fresh), 0);
    assert_int_equal(relais_keyring_open_record(fresh, store, &rec, &opened, &opened_len), 0);
    assert_int_equal(opened_len, sizeof signed_msg);
    assert_memory_equal(opened, signed_msg, sizeof signed_msg);
    free(opened);
    /* One flipped bit of the ciphertext in the record: it no longer opens. */
    ((uint8_t *)rec.sealed)[2] ^= 1;
    assert_int_equal(relais_keyring_open_record(fresh, store, &rec, &opened, &opened_len), RELAIS_E_CRYPTO);
    free(record);
    relais_keyring_destroy(&ring);
    relais_keyring_destroy(&fresh);
    relais_store_destroy(&store);
    relais_kek_destroy(&kek);
}

/* The sealed record of README's "The log, for auditors", byte for byte: what an independent
 * implementation checks itself against. */
static void test_documented_sealed_record(void **state)
{
    (void)state;
    static const uint8_t leaf[] = {0x08, 0xac, 0x02, 0x10, 0x01, 0x20, 0x07, 0x2a, 0x0c, 0xa0, 0xa1, 0xa2, 0xa3, 0xa4,
                                   0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0x32, 0x13, 0x4c, 0xa3, 0xb0, 0x16, 0x6b,
                                   0x84, 0xad, 0x26, 0xcd, 0xb9, 0x57, 0x6f, 0xf4, 0x2e, 0x6e, 0xa6, 0xdd, 0x41, 0xc2};
    static const char leaf_hash_hex[] = "39d53d86df472be67bfd5377612547dfc8a90c86d2e0fc01f566f77f3b38b8d1";
    uint8_t key[RELAIS_DATA_KEY_BYTES], ad[RELAIS_RECORD_AD_BYTES], plain[3];
    for (int i = 0; i < RELAIS_DATA_KEY_BYTES; i++)
        key[i] = (uint8_t)i;
    relais_log_record_t rec;
    assert_int_equal(relais_log_record_decode(leaf, sizeof leaf, &rec), 0);
    assert_true(rec.seq == 300 && rec.received_ms == 1 && rec.key_id == 7 && rec.sealed_len == 19);
    relais_record_ad(rec.seq, rec.key_id, ad);
    assert_memory_equal(ad, "relais/v1/rec\0\0\0\0\0\0\x01\x2c\0\0\0\0\0\0\0\x07", sizeof ad);
    assert_int_equal(relais_open(key, ad, sizeof ad, rec.nonce, rec.sealed, rec.sealed_len, plain), 0);
    assert_memory_equal(plain, "\xaa\xbb\xcc", 3);
    relais_hash_t hash;
    char hex[2 * sizeof hash + 1];
    relais_merkle_leaf_hash(leaf, sizeof leaf, hash);
    for (size_t i = 0; i < sizeof hash; i++)
        snprintf(hex + 2 * i, 3, "%02x", hash[i]);
    assert_string_equal(hex, leaf_hash_hex);
}

/* A store of `keys` data keys (ids 1..keys) under a new KEK at `kek_path`, generation 1. */
static relais_store_t *s_store_with_keys(const s_fixture_t *f, relais_kek_t **kek, relais_keyring_t **ring, int keys)
{
    char store_dir[128];
    snprintf(store_dir, sizeof store_dir, "%s/store", f->dir);
    assert_int_equal(mkdir(store_dir, 0700), 0);
    relais_store_t *store = NULL;
    assert_int_equal(relais_kek_create(f->kek_path, 1), 0);
    assert_int_equal(relais_kek_load(f->kek_path, kek), 0);
    assert_int_equal(relais_keyring_new(*kek, ring), 0);
    assert_int_equal(relais_store_open(store_dir, NULL, &store), 0);
    relais_store_batch_t *b = NULL;
    uint8_t key[RELAIS_DATA_KEY_BYTES];
    assert_int_equal(relais_store_batch_begin(store, &b), 0);
    for (int id = 1; id <= keys; id++)
        assert_int_equal(relais_keyring_create(*ring, b, (uint64_t)id, key), 0);
    assert_int_equal(relais_store_batch_commit(&b), 0);
    relais_keyring_settle(*ring, 1);
    return store;
}

static void test_aborted_batch_forgets_its_keys(void **state)
{
    s_fixture_t *f = *state;
    relais_kek_t *kek = NULL;
    relais_keyring_t *ring = NULL;
    relais_store_t *store = s_store_with_keys(f, &kek, &ring, 300);
    uint8_t key[RELAIS_DATA_KEY_BYTES], again[RELAIS_DATA_KEY_BYTES];
    relais_store_batch_t *b = NULL;
    /* A batch makes key 301 and reads key 7, then fails: 301 must not be used afterwards, as
     * the store never kept it; 7 is still there. */
    assert_int_equal(relais_store_batch_begin(store, &b), 0);
    assert_int_equal(relais_keyring_create(ring, b, 301, key), 0);
    assert_int_equal(relais_keyring_key(ring, store, b, 301, again), 0);
    assert_int_equal(relais_keyring_key(ring, store, b, 7, again), 0);
    relais_store_batch_abort(&b);
    relais_keyring_settle(ring, 0);
    assert_int_equal(relais_keyring_key(ring, store, NULL, 301, again), RELAIS_E_NOT_FOUND);
    for (uint64_t id = 1; id <= 300; id++)
        assert_int_equal(relais_keyring_key(ring, store, NULL, id, again), 0);
    /* Made again and committed, it is kept, and a fresh keyring reads the same key. */
    assert_int_equal(relais_store_batch_begin(store, &b), 0);
    assert_int_equal(relais_keyring_create(ring, b, 301, key), 0);
    assert_int_equal(relais_store_batch_commit(&b), 0);
    relais_keyring_settle(ring, 1);
    relais_keyring_t *fresh = NULL;
    assert_int_equal(relais_keyring_new(kek, &fresh), 0);
    assert_int_equal(relais_keyring_key(fresh, store, NULL, 301, again), 0);
    assert_memory_equal(key, again, sizeof key);
    relais_keyring_destroy(&fresh);
    relais_keyring_destroy(&ring);
    relais_store_destroy(&store);
    relais_kek_destroy(&kek);
}

/* More keys than the keyring keeps in memory: one batch makes them all (pending, all kept
 * until it settles), then a fresh keyring reads them in turn, forgetting older ones, and the
 * first keyring gives the same key for each. */
static void test_many_keys(void **state)
{
    s_fixture_t *f = *state;
    relais_kek_t *kek = NULL;
    relais_keyring_t *ring = NULL, *fresh = NULL;
    relais_store_t *store = s_store_with_keys(f, &kek, &ring, 40000);
    assert_int_equal(relais_keyring_new(kek, &fresh), 0);
    uint8_t a[RELAIS_DATA_KEY_BYTES], b[RELAIS_DATA_KEY_BYTES];
    for (int round = 0; round < 2; round++)
        for (uint64_t id = 1; id <= 40000; id += 1 + (uint64_t)round * 6) {
            assert_int_equal(relais_keyring_key(fresh, store, NULL, id, a), 0);
            assert_int_equal(relais_keyring_key(ring, store, NULL, id, b), 0);
            assert_memory_equal(a, b, sizeof a);
        }
    relais_keyring_destroy(&fresh);
    relais_keyring_destroy(&ring);
    relais_store_destroy(&store);
    relais_kek_destroy(&kek);
}

static void test_rotation(void **state)
{
    s_fixture_t *f = *state;
    relais_kek_t *kek = NULL, *next = NULL, *forged = NULL;
    relais_keyring_t *ring = NULL, *ring2 = NULL;
    relais_store_t *store = s_store_with_keys(f, &kek, &ring, 40);
    uint8_t before[RELAIS_DATA_KEY_BYTES], after[RELAIS_DATA_KEY_BYTES];
    assert_int_equal(relais_keyring_key(ring, store, NULL, 17, before), 0);
    char next_path[160], forged_path[160];
    snprintf(next_path, sizeof next_path, "%s/data-2.key", f->dir);
    snprintf(forged_path, sizeof forged_path, "%s/forged-2.key", f->dir);
    assert_int_equal(relais_kek_create(next_path, 2), 0);
    assert_int_equal(relais_kek_load(next_path, &next), 0);
    /* Not backwards, and not with a KEK that does not open the keys: nothing moves. */
    assert_int_equal(relais_keys_rotate(store, next, kek, NULL), RELAIS_E_INVALID);
    assert_int_equal(relais_kek_create(forged_path, 1), 0);
    assert_int_equal(relais_kek_load(forged_path, &forged), 0);
    assert_int_equal(relais_keys_rotate(store, forged, next, NULL), RELAIS_E_CRYPTO);
    uint8_t *wrapped = NULL;
    size_t len = 0;
    assert_int_equal(relais_store_key_get(store, 40, &wrapped, &len), 0);
    assert_int_equal(relais_wrapped_generation(wrapped, len), 1);
    free(wrapped);

    uint64_t moved = 0;
    assert_int_equal(relais_keys_rotate(store, kek, next, &moved), 0);
    assert_int_equal(moved, 40);
    assert_int_equal(relais_store_key_get(store, 40, &wrapped, &len), 0);
    assert_int_equal(relais_wrapped_generation(wrapped, len), 2);
    free(wrapped);
    /* The same data keys, now opened by generation 2 only. */
    assert_int_equal(relais_keyring_new(next, &ring2), 0);
    assert_int_equal(relais_keyring_key(ring2, store, NULL, 17, after), 0);
    assert_memory_equal(before, after, sizeof before);
    relais_keyring_t *old_ring = NULL;
    assert_int_equal(relais_keyring_new(kek, &old_ring), 0);
    assert_int_equal(relais_keyring_key(old_ring, store, NULL, 17, after), RELAIS_E_CRYPTO);
    relais_keyring_destroy(&old_ring);

    /* The old file is erased: zeros, then gone; a file that is no data key is refused. */
    assert_int_equal(relais_kek_erase(f->kek_path), 0);
    assert_int_equal(access(f->kek_path, F_OK), -1);
    char other[160];
    snprintf(other, sizeof other, "%s/notes.txt", f->dir);
    FILE *out = fopen(other, "w");
    assert_non_null(out);
    fputs("not a key\n", out);
    fclose(out);
    chmod(other, 0600);
    assert_int_not_equal(relais_kek_erase(other), 0);
    assert_int_equal(access(other, F_OK), 0);

    relais_keyring_destroy(&ring);
    relais_keyring_destroy(&ring2);
    relais_store_destroy(&store);
    relais_kek_destroy(&kek);
    relais_kek_destroy(&next);
    relais_kek_destroy(&forged);
}

/* An archived case's key: sealed to the officer's X25519 key, opened only with its secret and
 * as the key it was sealed as; wrapped under the KEK, moved by a rotation with the data keys,
 * and then dead under the old generation. */
static void test_archived_key(void **state)
{
    s_fixture_t *f = *state;
    relais_kek_t *kek = NULL, *next = NULL;
    relais_keyring_t *ring = NULL;
    relais_store_t *store = s_store_with_keys(f, &kek, &ring, 4);
    uint8_t pk[32], sk[32], other_pk[32], other_sk[32], key[RELAIS_DATA_KEY_BYTES], back[RELAIS_DATA_KEY_BYTES];
    crypto_box_keypair(pk, sk);
    crypto_box_keypair(other_pk, other_sk);
    assert_int_equal(relais_keyring_key(ring, store, NULL, 3, key), 0);
    uint8_t box[RELAIS_ARCHIVED_KEY_BYTES], wrapped[RELAIS_WRAPPED_ARCHIVE_BYTES], unwrapped[RELAIS_ARCHIVED_KEY_BYTES];
    uint64_t id = 0;
    assert_int_equal(relais_keys_archive_seal(pk, 3, key, box), 0);
    assert_int_equal(relais_keys_archive_open(pk, sk, 3, 3, box, sizeof box, &id, back), 0);
    assert_int_equal(id, 3);
    assert_memory_equal(key, back, sizeof key);
    assert_int_equal(relais_keys_archive_open(other_pk, other_sk, 3, 3, box, sizeof box, &id, back), RELAIS_E_CRYPTO);
    assert_int_equal(relais_keys_archive_open(pk, sk, 4, 9, box, sizeof box, &id, back), RELAIS_E_CRYPTO);
    assert_int_equal(relais_keys_archive_open(pk, sk, 0, 9, box, sizeof box - 1, &id, back), RELAIS_E_MALFORMED);

    assert_int_equal(relais_kek_wrap_archive(kek, 3, box, wrapped), 0);
    assert_int_equal(relais_wrapped_archive_generation(wrapped, sizeof wrapped), 1);
    assert_int_equal(relais_wrapped_generation(wrapped, sizeof wrapped), 0);
    assert_int_equal(relais_kek_unwrap_archive(kek, 4, wrapped, sizeof wrapped, unwrapped), RELAIS_E_CRYPTO);
    relais_store_batch_t *batch = NULL;
    assert_int_equal(relais_store_batch_begin(store, &batch), 0);
    assert_int_equal(relais_store_batch_archive_put(batch, 3, wrapped, sizeof wrapped), 0);
    assert_int_equal(relais_store_batch_key_del(batch, 3), 0);
    assert_int_equal(relais_store_batch_rotation_owed(batch, 1), 0);
    assert_int_equal(relais_store_batch_commit(&batch), 0);
    int owed = 0;
    assert_int_equal(relais_store_rotation_owed(store, &owed), 0);
    assert_int_equal(owed, 1); /* kept with the log until the rotation below */

    char next_path[160];
    snprintf(next_path, sizeof next_path, "%s/data-2.key", f->dir);
    assert_int_equal(relais_kek_create(next_path, 2), 0);
    assert_int_equal(relais_kek_load(next_path, &next), 0);
    uint64_t moved = 0;
    assert_int_equal(relais_keys_rotate(store, kek, next, &moved), 0);
    assert_int_equal(moved, 4); /* three data keys and the archived one */
    assert_int_equal(relais_store_rotation_owed(store, &owed), 0);
    assert_int_equal(owed, 0);
    uint8_t *stored = NULL;
    size_t len = 0;
    assert_int_equal(relais_store_archive_get(store, 3, &stored, &len), 0);
    assert_int_equal(relais_wrapped_archive_generation(stored, len), 2);
    assert_int_equal(relais_kek_unwrap_archive(kek, 3, stored, len, unwrapped), RELAIS_E_CRYPTO);
    assert_int_equal(relais_kek_unwrap_archive(next, 3, stored, len, unwrapped), 0);
    assert_int_equal(relais_keys_archive_open(pk, sk, 0, 9, unwrapped, sizeof unwrapped, &id, back), 0);
    assert_memory_equal(key, back, sizeof key);
    free(stored);

    relais_keyring_destroy(&ring);
    relais_store_destroy(&store);
    relais_kek_destroy(&kek);
    relais_kek_destroy(&next);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_kek_file, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_wrap_and_seal, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_store_sealed_records, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_aborted_batch_forgets_its_keys, s_setup, s_teardown),
        cmocka_unit_test(test_documented_sealed_record),
        cmocka_unit_test_setup_teardown(test_many_keys, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_rotation, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_archived_key, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
