/* relais_keys.h -- the hub's keys for data at rest: the key-encryption key, the data keys, sealing.
 *
 * Every record about a case is sealed under the case's data key (AES-256-GCM, a random nonce,
 * the record's place as associated data); the data keys are kept in the store wrapped under
 * the hub's key-encryption key (KEK), which lives in a file of its own outside the store
 * folder and carries a generation number so that it can be rotated. Whoever holds a copy of
 * the store without the KEK holds ciphertext and the tree over it: enough to check the log's
 * integrity, nothing to read.
 *
 * Depends on relais_proto (status codes), relais_store (the wrapped keys) and OpenSSL.
 */
#ifndef RELAIS_KEYS_H
#define RELAIS_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "relais_proto.h"
#include "relais_store.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RELAIS_DATA_KEY_BYTES 32
/* A data key wrapped under the KEK: format (1) || KEK generation (4, big-endian) || nonce (12)
 * || ciphertext of the key (32) || tag (16). */
#define RELAIS_WRAPPED_KEY_BYTES (1 + 4 + RELAIS_SEAL_NONCE_BYTES + RELAIS_DATA_KEY_BYTES + RELAIS_SEAL_TAG_BYTES)

/* A data key sealed to the data protection officer's X25519 key (its CURVE key): a libsodium
 * sealed box of the key id and the key, which the hub cannot open. */
#define RELAIS_ARCHIVE_PUBLIC_BYTES 32
#define RELAIS_ARCHIVE_SECRET_BYTES 32
#define RELAIS_ARCHIVED_KEY_BYTES (48 + 8 + RELAIS_DATA_KEY_BYTES)

/* The key id of the hub's child-key secret, wrapped with the data keys. */
#define RELAIS_KEY_ID_CHILD_SECRET 0

/* A data key's id names what it seals: the record n that opened a case ("C-<n>") or a reception
 * entry gives its keys the ids n << RELAIS_KEY_ID_SHIFT (the case's own records: its updates, its
 * index, its meetings' records) to (n << RELAIS_KEY_ID_SHIFT) | RELAIS_KEY_ID_PART_MAX, the parts:
 * each referral filed in a case is sealed under a key of its own, so that it can be moved out
 * of the case (a split) and its old copy made unreadable without touching the rest. Record
 * numbers stay below 2^48. */
#define RELAIS_KEY_ID_SHIFT 16
#define RELAIS_KEY_ID_PART_MAX 0xffffu
/* An item of the lost and found is sealed under a part of its own record's keys that no case
 * reaches (a case holds a few referrals, never thousands): its kind is then known from the key id
 * alone, also once the key is gone. */
#define RELAIS_KEY_ID_PART_FOUND 0xfffeu
#define RELAIS_KEY_ID_PART_LOSS 0xffffu
#define RELAIS_KEY_ID_OWNER_MAX ((UINT64_C(1) << (64 - RELAIS_KEY_ID_SHIFT)) - 1)

/* Key `part` of record n's keys; 0 when n is 0 or beyond RELAIS_KEY_ID_OWNER_MAX, or part
 * beyond RELAIS_KEY_ID_PART_MAX. */
static inline uint64_t relais_key_id_of(uint64_t n, uint32_t part)
{
    return n && n < RELAIS_KEY_ID_OWNER_MAX && part <= RELAIS_KEY_ID_PART_MAX ? n << RELAIS_KEY_ID_SHIFT | part : 0;
}

/* The record n whose keys key `key_id` is one of (its case's number, or its entry's). */
static inline uint64_t relais_key_id_owner(uint64_t key_id)
{
    return key_id >> RELAIS_KEY_ID_SHIFT;
}

/* Which of its owner's keys `key_id` is: 0 for the case's own, j >= 1 for a referral's. */
static inline uint32_t relais_key_id_part(uint64_t key_id)
{
    return (uint32_t)(key_id & RELAIS_KEY_ID_PART_MAX);
}

/* ---- The key-encryption key ------------------------------------------------------------ */

typedef struct relais_kek relais_kek_t;

/* Writes a new KEK of `generation` (>= 1) to `path`, created 0600 and never over an existing
 * file, synced. Errors: RELAIS_E_IO, RELAIS_E_INVALID, RELAIS_E_CRYPTO. */
int relais_kek_create(const char *path, uint32_t generation);

/* Reads a KEK file; it must not be readable by group or others. Errors: RELAIS_E_IO (missing,
 * unreadable, or readable by others), RELAIS_E_MALFORMED (not a relais data key file). */
int relais_kek_load(const char *path, relais_kek_t **out);

void relais_kek_destroy(relais_kek_t **self_p);

/* Overwrites a KEK file with zeros and removes it: what a rotation does to the old generation
 * once nothing uses it. Refuses a file that is no data key. Errors: those of relais_kek_load,
 * RELAIS_E_IO. */
int relais_kek_erase(const char *path);

/* Its generation number. */
uint32_t relais_kek_generation(const relais_kek_t *self);

/* Wraps data key `key_id` under the KEK. Errors: RELAIS_E_CRYPTO. */
int relais_kek_wrap(const relais_kek_t *self, uint64_t key_id, const uint8_t key[RELAIS_DATA_KEY_BYTES],
                    uint8_t out[RELAIS_WRAPPED_KEY_BYTES]);

/* Opens a wrapped data key. Errors: RELAIS_E_MALFORMED (not a wrapped key), RELAIS_E_CRYPTO
 * (it was wrapped under another KEK or another generation, or altered: the detail says which). */
int relais_kek_unwrap(const relais_kek_t *self, uint64_t key_id, const uint8_t *wrapped, size_t len,
                      uint8_t key[RELAIS_DATA_KEY_BYTES]);

/* Writes the KEK to `path` as relais_kek_create() writes a new one (0600, never over a file,
 * synced): the copy of a retired generation. Errors: RELAIS_E_IO. */
int relais_kek_save(const relais_kek_t *self, const char *path);

/* The backup-key store: a folder of retired generations, each the file
 * "data-key.gen-<generation>.retired-<ms>" (the time it was retired, from which the backup
 * period counts). The name into `out` (room `cap`); and its parts from a name (0, or -1 when the
 * name is no retired generation's). */
void relais_kek_retired_name(uint32_t generation, int64_t retired_ms, char *out, size_t cap);
int relais_kek_retired_parse(const char *name, uint32_t *generation, int64_t *retired_ms);

/* An archived key (a sealed box for the data protection officer) wrapped under the KEK as
 * well: format (2) || generation (4) || nonce (12) || ciphertext (88) || tag (16), associated
 * data "relais/v1/arc" || key_id || generation. The officer's key never changes; the KEK does,
 * so that a box left in an old snapshot or a free page dies with its generation. */
#define RELAIS_WRAPPED_ARCHIVE_BYTES (1 + 4 + RELAIS_SEAL_NONCE_BYTES + RELAIS_ARCHIVED_KEY_BYTES + RELAIS_SEAL_TAG_BYTES)
int relais_kek_wrap_archive(const relais_kek_t *self, uint64_t key_id, const uint8_t box[RELAIS_ARCHIVED_KEY_BYTES],
                            uint8_t out[RELAIS_WRAPPED_ARCHIVE_BYTES]);
/* Errors: those of relais_kek_unwrap. */
int relais_kek_unwrap_archive(const relais_kek_t *self, uint64_t key_id, const uint8_t *wrapped, size_t len,
                              uint8_t box[RELAIS_ARCHIVED_KEY_BYTES]);

/* The KEK generation a wrapped key was made under; 0 when it is no wrapped key. */
uint32_t relais_wrapped_generation(const uint8_t *wrapped, size_t len);
/* The same for an archived key wrapped under the KEK. */
uint32_t relais_wrapped_archive_generation(const uint8_t *wrapped, size_t len);

/* ---- Sealing --------------------------------------------------------------------------- */

/* AES-256-GCM of `plain` under `key` with a fresh random nonce (written to `nonce`) and
 * associated data `ad`; `out` gets len + RELAIS_SEAL_TAG_BYTES bytes. Errors: RELAIS_E_CRYPTO. */
int relais_seal(const uint8_t key[RELAIS_DATA_KEY_BYTES], const uint8_t *ad, size_t ad_len, const uint8_t *plain,
                size_t len, uint8_t nonce[RELAIS_SEAL_NONCE_BYTES], uint8_t *out);

/* Opens what relais_seal made; `out` gets sealed_len - RELAIS_SEAL_TAG_BYTES bytes. Errors:
 * RELAIS_E_CRYPTO (wrong key, other associated data, or altered bytes). */
int relais_open(const uint8_t key[RELAIS_DATA_KEY_BYTES], const uint8_t *ad, size_t ad_len,
                const uint8_t nonce[RELAIS_SEAL_NONCE_BYTES], const uint8_t *sealed, size_t sealed_len, uint8_t *out);

/* A new random data key (from OpenSSL's generator, drawn ahead by the thread and wiped as it is
 * handed out). Errors: RELAIS_E_CRYPTO. */
int relais_random_key(uint8_t key[RELAIS_DATA_KEY_BYTES]);

/* The associated data of a sealed log record: "relais/v1/rec" || seq || key_id (big-endian);
 * `ad` has room RELAIS_RECORD_AD_BYTES. */
#define RELAIS_RECORD_AD_BYTES (13 + 8 + 8)
void relais_record_ad(uint64_t seq, uint64_t key_id, uint8_t ad[RELAIS_RECORD_AD_BYTES]);

/* ---- The data keys of a store ---------------------------------------------------------- */

/* The data keys a process uses, unwrapped once and kept in memory (thread-safe). */
typedef struct relais_keyring relais_keyring_t;

/* A keyring over `kek` (borrowed: it must outlive the keyring). Errors: RELAIS_E_NOMEM. */
int relais_keyring_new(const relais_kek_t *kek, relais_keyring_t **out);

/* How many keys it keeps in memory at most (16,384, 1.5 MiB, unless set): beyond, it forgets
 * those no open batch holds and reads them again when needed. An audit, which holds every
 * case of the log in memory anyway, keeps them all (SIZE_MAX). */
void relais_keyring_set_cache(relais_keyring_t *self, size_t max_keys);

/* Zeroes every key it holds and frees it. */
void relais_keyring_destroy(relais_keyring_t **self_p);

/* Data key `key_id`: from memory, or unwrapped from the store (through `batch` when not NULL,
 * so that a batch sees the keys it made). Errors: RELAIS_E_NOT_FOUND (no such key),
 * RELAIS_E_CRYPTO (it does not open with this KEK), the store's. */
int relais_keyring_key(relais_keyring_t *self, relais_store_t *store, relais_store_batch_t *batch, uint64_t key_id,
                       uint8_t key[RELAIS_DATA_KEY_BYTES]);

/* Makes data key `key_id` (random), stores it wrapped in `batch` and keeps it in memory.
 * Errors: RELAIS_E_CRYPTO, the store's. A key made or read through a batch is pending until
 * relais_keyring_settle() says how the batch ended. */
int relais_keyring_create(relais_keyring_t *self, relais_store_batch_t *batch, uint64_t key_id,
                          uint8_t key[RELAIS_DATA_KEY_BYTES]);

/* Whoever makes or reads keys through a batch calls this once the batch committed (1) or was
 * aborted or failed to commit (0): the keys of a batch that did not commit are forgotten, so
 * that nothing is ever sealed under a key the store does not keep. */
void relais_keyring_settle(relais_keyring_t *self, int committed);

/* Seals entry->signed_message as log record `seq` under data key `key_id` (> 0; with `create`,
 * a new case's or entry's key, made now in `batch`: it must not exist yet; else an error when
 * it is missing), with a fresh nonce written
 * to `nonce`: sets entry's key_id, nonce, sealed and sealed_len, the store then keeps only the
 * ciphertext. *sealed is the ciphertext's buffer, the caller's to free once the entry is
 * appended. Errors: RELAIS_E_INVALID, RELAIS_E_CORRUPT (the key is missing), RELAIS_E_CRYPTO,
 * RELAIS_E_NOMEM, the store's. */
int relais_keyring_seal_entry(relais_keyring_t *self, relais_store_batch_t *batch, uint64_t key_id, int create,
                              uint64_t seq, relais_store_entry_t *entry, uint8_t nonce[RELAIS_SEAL_NONCE_BYTES],
                              uint8_t **sealed);

/* Opens a sealed log record into its SignedMessage (*signed, caller frees; *len). A record in
 * clear is copied as it is. Errors: RELAIS_E_CRYPTO (it does not open: altered, or its key
 * does not), RELAIS_E_NOT_FOUND (its key is not in the store), RELAIS_E_NOMEM. */
int relais_keyring_open_record(relais_keyring_t *self, relais_store_t *store, const relais_log_record_t *rec,
                               uint8_t **signed_message, size_t *len);

/* ---- Rotation ------------------------------------------------------------------------- */

/* Wraps every data key of `store` (the child-key secret with them) and every archived key
 * again under `new_kek`,
 * whose generation must be above `old_kek`'s, in one write transaction: either every key
 * moves to the new generation or none does (a key `old_kek` does not open stops it, with that
 * key's error). *rewrapped (may be NULL) gets how many keys moved. The store must have no
 * other writer. Errors: RELAIS_E_INVALID, RELAIS_E_NOT_FOUND (no data key in the store),
 * RELAIS_E_CRYPTO, RELAIS_E_CORRUPT, the store's. */
int relais_keys_rotate(relais_store_t *store, const relais_kek_t *old_kek, const relais_kek_t *new_kek,
                       uint64_t *rewrapped);

/* The same into `out`, which has room for relais_log_record_opened_len(rec) bytes. */
int relais_keyring_open_record_to(relais_keyring_t *self, relais_store_t *store, const relais_log_record_t *rec,
                                  uint8_t *out);

/* The length of a record's SignedMessage once opened (0 for a sealed record too short to be one). */
static inline size_t relais_log_record_opened_len(const relais_log_record_t *rec)
{
    return rec->key_id ? (rec->sealed_len >= RELAIS_SEAL_TAG_BYTES ? rec->sealed_len - RELAIS_SEAL_TAG_BYTES : 0)
                       : rec->signed_len;
}

/* Uses `kek` from now on (a rotation replaced the hub's KEK); the keys it holds stay. */
void relais_keyring_set_kek(relais_keyring_t *self, const relais_kek_t *kek);

/* Takes the KEK layer off an archived key (relais_kek_unwrap_archive with the keyring's KEK,
 * which a rotation may swap meanwhile). */
int relais_keyring_unwrap_archive(relais_keyring_t *self, uint64_t key_id, const uint8_t *wrapped, size_t len,
                                  uint8_t box[RELAIS_ARCHIVED_KEY_BYTES]);

/* Forgets the data keys whose ids lie in [first, last] (wiped): their case left the active base,
 * or a split destroyed one. */
void relais_keyring_forget(relais_keyring_t *self, uint64_t first, uint64_t last);

/* ---- The intermediate archive ------------------------------------------------------------ */

/* Seals a data key for the archive (RELAIS_ARCHIVED_KEY_BYTES above). Errors: RELAIS_E_CRYPTO. */
int relais_keys_archive_seal(const uint8_t dpo_public[RELAIS_ARCHIVE_PUBLIC_BYTES], uint64_t key_id,
                             const uint8_t key[RELAIS_DATA_KEY_BYTES], uint8_t out[RELAIS_ARCHIVED_KEY_BYTES]);

/* Opens an archived key with the officer's key pair: the key of an id in [first, last], which
 * goes to *key_id. Errors: RELAIS_E_MALFORMED (not an archived key), RELAIS_E_CRYPTO (another
 * recipient, altered, or a key id out of the range). */
int relais_keys_archive_open(const uint8_t dpo_public[RELAIS_ARCHIVE_PUBLIC_BYTES],
                             const uint8_t dpo_secret[RELAIS_ARCHIVE_SECRET_BYTES], uint64_t first, uint64_t last,
                             const uint8_t *box, size_t len, uint64_t *key_id, uint8_t key[RELAIS_DATA_KEY_BYTES]);

/* The KEK the keyring opens keys with. */
const relais_kek_t *relais_keyring_kek(const relais_keyring_t *self);

#ifdef __cplusplus
}
#endif

#endif
