/* rotate.c -- a new KEK generation: every data key of a store unwrapped with the old KEK and
 * wrapped again under the new one, in one write transaction. */
#include "relais_keys.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

typedef struct {
    uint64_t key_id;
    int archived; /* an archived key (a sealed box, wrapped), else a data key */
    uint8_t wrapped[RELAIS_WRAPPED_ARCHIVE_BYTES];
} s_wrapped_t;

typedef struct {
    s_wrapped_t *keys; /* every wrapped key, as stored */
    size_t count, room;
    int archived;      /* what the current pass collects */
    int malformed;     /* a stored value is no wrapped key */
    uint64_t bad_id;   /* which */
} s_collect_t;

/* The keys are read before the write transaction begins (one transaction per thread): 80 bytes
 * a key, so a million reception entries and cases hold about 80 MB for the pass. */
static int s_collect(void *ctx, uint64_t key_id, const uint8_t *wrapped, size_t len)
{
    s_collect_t *c = ctx;
    if (len != (c->archived ? RELAIS_WRAPPED_ARCHIVE_BYTES : RELAIS_WRAPPED_KEY_BYTES)) {
        c->malformed = 1;
        c->bad_id = key_id;
        return 1;
    }
    if (c->count == c->room) {
        size_t room = c->room ? 2 * c->room : 256;
        s_wrapped_t *keys = realloc(c->keys, room * sizeof *keys);
        if (!keys)
            return RELAIS_E_NOMEM;
        c->keys = keys;
        c->room = room;
    }
    c->keys[c->count].key_id = key_id;
    c->keys[c->count].archived = c->archived;
    memcpy(c->keys[c->count++].wrapped, wrapped, len);
    return 0;
}

static int s_rewrap_all(relais_store_t *store, const relais_kek_t *old_kek, const relais_kek_t *new_kek,
                        const s_collect_t *c)
{
    relais_store_batch_t *batch = NULL;
    int rc = relais_store_batch_begin(store, &batch);
    for (size_t i = 0; rc == 0 && i < c->count; i++) {
        uint8_t key[RELAIS_DATA_KEY_BYTES], box[RELAIS_ARCHIVED_KEY_BYTES], wrapped[RELAIS_WRAPPED_ARCHIVE_BYTES];
        const s_wrapped_t *k = &c->keys[i];
        if (k->archived) {
            rc = relais_kek_unwrap_archive(old_kek, k->key_id, k->wrapped, RELAIS_WRAPPED_ARCHIVE_BYTES, box);
            if (rc == 0)
                rc = relais_kek_wrap_archive(new_kek, k->key_id, box, wrapped);
            if (rc == 0)
                rc = relais_store_batch_archive_put(batch, k->key_id, wrapped, RELAIS_WRAPPED_ARCHIVE_BYTES);
        } else {
            rc = relais_kek_unwrap(old_kek, k->key_id, k->wrapped, RELAIS_WRAPPED_KEY_BYTES, key);
            if (rc == 0)
                rc = relais_kek_wrap(new_kek, k->key_id, key, wrapped);
            if (rc == 0)
                rc = relais_store_batch_key_put(batch, k->key_id, wrapped, RELAIS_WRAPPED_KEY_BYTES);
        }
        OPENSSL_cleanse(key, sizeof key);
        OPENSSL_cleanse(box, sizeof box);
    }
    /* All or nothing: a key the old KEK does not open leaves every key as it was. Whatever was
     * destroyed before is no longer opened by the live KEK: the rotation owed is paid. */
    if (rc == 0)
        rc = relais_store_batch_rotation_owed(batch, 0);
    if (rc == 0)
        return relais_store_batch_commit(&batch);
    relais_store_batch_abort(&batch);
    return rc;
}

int relais_keys_rotate(relais_store_t *store, const relais_kek_t *old_kek, const relais_kek_t *new_kek,
                       uint64_t *rewrapped)
{
    if (!store || !old_kek || !new_kek)
        return relais_status_set(RELAIS_E_INVALID, "a rotation needs a store and two data keys");
    if (relais_kek_generation(new_kek) <= relais_kek_generation(old_kek))
        return relais_status_set(RELAIS_E_INVALID, "the new data key is generation %u; it must come after %u",
                                 relais_kek_generation(new_kek), relais_kek_generation(old_kek));
    s_collect_t c = {NULL, 0, 0, 0, 0, 0};
    int rc = relais_store_key_iterate(store, s_collect, &c);
    if (rc == 0 && !c.malformed) {
        c.archived = 1;
        rc = relais_store_archive_iterate(store, s_collect, &c);
    }
    if (c.malformed)
        rc = relais_status_set(RELAIS_E_CORRUPT, "%s %llu in the store is not a wrapped key",
                               c.archived ? "archived key" : "data key", (unsigned long long)c.bad_id);
    if (rc == 0 && c.count == 0)
        rc = relais_status_set(RELAIS_E_NOT_FOUND, "the store holds no data key: it was not made with one");
    if (rc == 0)
        rc = s_rewrap_all(store, old_kek, new_kek, &c);
    if (rc == 0 && rewrapped)
        *rewrapped = c.count;
    if (c.keys)
        OPENSSL_cleanse(c.keys, c.room * sizeof *c.keys);
    free(c.keys);
    return rc;
}
