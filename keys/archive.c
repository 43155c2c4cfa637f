/* archive.c -- an archived case's data key, sealed to the data protection officer's X25519 key.
 *
 * A libsodium sealed box: an ephemeral key pair and the recipient's public key make the box,
 * only the recipient's secret key opens it. The hub keeps the box and forgets the key: from
 * then on, the case opens on the officer's machine only. The key id is sealed with the key, so
 * that a box moved to another case's place does not open as that case's key.
 */
#include "relais_keys.h"

#include <string.h>

#include <sodium.h>

_Static_assert(RELAIS_ARCHIVED_KEY_BYTES == crypto_box_SEALBYTES + 8 + RELAIS_DATA_KEY_BYTES,
               "the size of an archived key is a sealed box of its id and the key");
_Static_assert(RELAIS_ARCHIVE_PUBLIC_BYTES == crypto_box_PUBLICKEYBYTES, "an X25519 public key");
_Static_assert(RELAIS_ARCHIVE_SECRET_BYTES == crypto_box_SECRETKEYBYTES, "an X25519 secret key");

static int s_sodium(void)
{
    return sodium_init() < 0 ? relais_status_set(RELAIS_E_CRYPTO, "libsodium failed to initialise") : 0;
}

int relais_keys_archive_seal(const uint8_t dpo_public[RELAIS_ARCHIVE_PUBLIC_BYTES], uint64_t key_id,
                             const uint8_t key[RELAIS_DATA_KEY_BYTES], uint8_t out[RELAIS_ARCHIVED_KEY_BYTES])
{
    uint8_t plain[8 + RELAIS_DATA_KEY_BYTES];
    int rc = s_sodium();
    if (rc)
        return rc;
    relais_u64_put(plain, key_id);
    memcpy(plain + 8, key, RELAIS_DATA_KEY_BYTES);
    rc = crypto_box_seal(out, plain, sizeof plain, dpo_public);
    sodium_memzero(plain, sizeof plain);
    return rc == 0 ? 0 : relais_status_set(RELAIS_E_CRYPTO, "cannot seal data key %llu for the archive",
                                           (unsigned long long)key_id);
}

int relais_keys_archive_open(const uint8_t dpo_public[RELAIS_ARCHIVE_PUBLIC_BYTES],
                             const uint8_t dpo_secret[RELAIS_ARCHIVE_SECRET_BYTES], uint64_t first, uint64_t last,
                             const uint8_t *box, size_t len, uint64_t *key_id, uint8_t key[RELAIS_DATA_KEY_BYTES])
{
    uint8_t plain[8 + RELAIS_DATA_KEY_BYTES];
    int rc = s_sodium();
    if (rc)
        return rc;
    if (!box || len != RELAIS_ARCHIVED_KEY_BYTES || !key_id)
        return relais_status_set(RELAIS_E_MALFORMED, "an archived key is %d bytes, not %zu", RELAIS_ARCHIVED_KEY_BYTES,
                                 len);
    if (crypto_box_seal_open(plain, box, len, dpo_public, dpo_secret) != 0)
        return relais_status_set(RELAIS_E_CRYPTO, "an archived key does not open with this key: it was sealed to "
                                                  "another data protection officer, or altered");
    uint64_t id = relais_u64_get(plain);
    if (id < first || id > last) {
        rc = relais_status_set(RELAIS_E_CRYPTO, "this archived key is data key %llu, not one of this case's",
                               (unsigned long long)id);
    } else {
        *key_id = id;
        memcpy(key, plain + 8, RELAIS_DATA_KEY_BYTES);
    }
    sodium_memzero(plain, sizeof plain);
    return rc;
}
