/* sealer.c -- the case index sealed under each case's data key: what a copy of the store shows of a case is ciphertext.
 *
 * Installed on a store (relais_cases_seal_store), it seals every value the case index keeps:
 * a case's record and its referrals' entries (under the case's id and the referrals' handles),
 * the status after each of its events and the names its blocking entries keep. A value is sealed under its case's data key, so
 * that destroying that one key (the case's erasure, later) leaves nothing of the case readable;
 * its key id travels with it, and its place in the index is its associated data, so that a
 * sealed value cannot be moved to another entry. The case's key is made when its record is
 * first written, which is when the case opens.
 *
 *   stored value = 'S' || key_id (8, big-endian) || nonce (12) || AES-256-GCM(value) || tag (16)
 *   associated data = "relais/v1/idx" || kind (1: case or referral entry, 2: history, 3: blocking
 *                     entry, 4: an entry of the reception's register) || index key
 */
#include "relais_cases.h"

#include <stdlib.h>
#include <string.h>

#include "relais_keys.h"

#define S_MAGIC 'S'
#define S_HEAD (1 + 8 + RELAIS_SEAL_NONCE_BYTES)
#define S_AD_MAX (13 + 1 + RELAIS_STORE_BLOCK_KEY_SIZE + RELAIS_CASE_ID_MAX + 9)

/* The number of a case id, "C-<n>"; 0 when it is none. */
static uint64_t s_case_number(const uint8_t *id, size_t len)
{
    if (len < 3 || id[0] != 'C' || id[1] != '-' || id[2] < '1' || id[2] > '9')
        return 0;
    uint64_t n = 0;
    for (size_t i = 2; i < len; i++) {
        if (id[i] < '0' || id[i] > '9' || n > (UINT64_MAX - 9) / 10)
            return 0;
        n = n * 10 + (uint64_t)(id[i] - '0');
    }
    return n;
}

uint64_t relais_cases_number(const char *case_id)
{
    return case_id ? s_case_number((const uint8_t *)case_id, strlen(case_id)) : 0;
}

uint64_t relais_cases_key_id(const char *case_id)
{
    return relais_key_id_of(relais_cases_number(case_id), 0);
}

uint64_t relais_cases_step_key_id(const relais_cases_step_t *step, int *create)
{
    uint64_t n = relais_cases_number(step->rec.summary.case_id);
    *create = step->has_referral && step->referral.key_part;
    return relais_key_id_of(n, *create ? step->referral.key_part : 0);
}

/* The data key a value is sealed under: its case's own. */
static int s_key_id(relais_store_value_t kind, const uint8_t *key, size_t key_len, const uint8_t *plain, size_t len,
                    uint64_t *key_id)
{
    uint64_t n;
    if (kind == RELAIS_STORE_VALUE_LOST) {
        relais_lost_record_t item = {.kind = RELAIS_LOST_KIND_UNSPECIFIED};
        n = key_len == 8 && relais_lost_record_decode(plain, len, &item) == 0 ? relais_u64_get(key) : 0;
        *key_id = relais_key_id_of(n, item.kind == RELAIS_LOST_KIND_LOST ? RELAIS_KEY_ID_PART_LOSS
                                                                        : RELAIS_KEY_ID_PART_FOUND);
        return *key_id ? 0 : relais_status_set(RELAIS_E_INVALID, "an item of the lost and found to seal names none");
    } else if (kind == RELAIS_STORE_VALUE_CONTACT) {
        n = key_len == 8 ? relais_u64_get(key) : 0; /* an entry of the register: under its own key */
    } else if (kind == RELAIS_STORE_VALUE_HISTORY) {
        const uint8_t *nul = memchr(key, 0, key_len);
        n = nul ? s_case_number(key, (size_t)(nul - key)) : 0;
    } else if (kind == RELAIS_STORE_VALUE_BLOCK) {
        n = key_len > RELAIS_STORE_BLOCK_KEY_SIZE
                ? s_case_number(key + RELAIS_STORE_BLOCK_KEY_SIZE, key_len - RELAIS_STORE_BLOCK_KEY_SIZE)
                : 0;
    } else if (key_len > 2 && key[0] == 'R' && key[1] == '-') {
        relais_referral_record_t ref;
        n = relais_referral_record_decode(plain, len, &ref) == 0
                ? s_case_number((const uint8_t *)ref.case_id, strlen(ref.case_id))
                : 0;
    } else {
        n = s_case_number(key, key_len);
    }
    *key_id = relais_key_id_of(n, 0);
    return *key_id ? 0 : relais_status_set(RELAIS_E_INVALID, "a case index value names no case to seal it under");
}

static size_t s_ad(relais_store_value_t kind, const uint8_t *key, size_t key_len, uint8_t ad[S_AD_MAX])
{
    memcpy(ad, "relais/v1/idx", 13);
    ad[13] = (uint8_t)kind;
    if (key_len > S_AD_MAX - 14)
        key_len = S_AD_MAX - 14;
    memcpy(ad + 14, key, key_len);
    return 14 + key_len;
}

static int s_seal(void *ctx, relais_store_batch_t *batch, relais_store_value_t kind, const uint8_t *key,
                  size_t key_len, const uint8_t *plain, size_t len, uint8_t **out, size_t *out_len)
{
    relais_keyring_t *ring = ctx;
    uint64_t key_id = 0;
    uint8_t data_key[RELAIS_DATA_KEY_BYTES], ad[S_AD_MAX];
    int rc = s_key_id(kind, key, key_len, plain, len, &key_id);
    if (rc == 0)
        rc = relais_keyring_key(ring, NULL, batch, key_id, data_key);
    /* A case's first value is its record, written when it opens: its key is made then. */
    if (rc == RELAIS_E_NOT_FOUND && kind == RELAIS_STORE_VALUE_CASE && key[0] == 'C')
        rc = relais_keyring_create(ring, batch, key_id, data_key);
    uint8_t *sealed = rc == 0 ? malloc(S_HEAD + len + RELAIS_SEAL_TAG_BYTES) : NULL;
    if (rc == 0 && !sealed)
        rc = relais_status_set(RELAIS_E_NOMEM, "out of memory sealing a case value");
    if (rc == 0) {
        sealed[0] = S_MAGIC;
        relais_u64_put(sealed + 1, key_id);
        rc = relais_seal(data_key, ad, s_ad(kind, key, key_len, ad), plain, len, sealed + 9, sealed + S_HEAD);
    }
    memset(data_key, 0, sizeof data_key);
    if (rc) {
        free(sealed);
        return rc;
    }
    *out = sealed;
    *out_len = S_HEAD + len + RELAIS_SEAL_TAG_BYTES;
    return 0;
}

static int s_open(void *ctx, relais_store_t *store, relais_store_batch_t *batch, relais_store_value_t kind,
                  const uint8_t *key, size_t key_len, const uint8_t *stored, size_t len, uint8_t **out, size_t *out_len)
{
    relais_keyring_t *ring = ctx;
    if (len < S_HEAD + RELAIS_SEAL_TAG_BYTES || stored[0] != S_MAGIC)
        return relais_status_set(RELAIS_E_CORRUPT, "a case index value is not sealed: this store was written "
                                                   "without a data key, or altered");
    uint64_t key_id = relais_u64_get(stored + 1);
    uint8_t data_key[RELAIS_DATA_KEY_BYTES], ad[S_AD_MAX];
    size_t plain_len = len - S_HEAD - RELAIS_SEAL_TAG_BYTES;
    uint8_t *plain = malloc(plain_len ? plain_len : 1);
    int rc = plain ? relais_keyring_key(ring, store, batch, key_id, data_key)
                   : relais_status_set(RELAIS_E_NOMEM, "out of memory opening a case value");
    /* The entry as a sentence names it: its case id, without the blocking key or the seq. */
    const char *named = (const char *)key;
    size_t named_len = key_len;
    if (kind == RELAIS_STORE_VALUE_BLOCK && key_len > RELAIS_STORE_BLOCK_KEY_SIZE) {
        named += RELAIS_STORE_BLOCK_KEY_SIZE;
        named_len -= RELAIS_STORE_BLOCK_KEY_SIZE;
    } else if (kind == RELAIS_STORE_VALUE_HISTORY) {
        named_len = strnlen(named, key_len);
    }
    if (rc == 0 && relais_open(data_key, ad, s_ad(kind, key, key_len, ad), stored + 9, stored + S_HEAD,
                               len - S_HEAD, plain) != 0)
        rc = relais_status_set(RELAIS_E_CORRUPT, "the case index entry %.*s does not open with its case's key: it "
                                                 "was altered or moved",
                               (int)named_len, named);
    memset(data_key, 0, sizeof data_key);
    if (rc) {
        free(plain);
        return rc;
    }
    *out = plain;
    *out_len = plain_len;
    return 0;
}

void relais_cases_seal_store(relais_store_t *store, relais_keyring_t *ring)
{
    relais_store_sealer_t sealer = {s_seal, s_open, ring};
    relais_store_set_sealer(store, ring ? &sealer : NULL);
}
