/* keyring.c -- a store's data keys, unwrapped once and kept in memory, and the opening of sealed records. */
#include "relais_keys.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

typedef struct {
    uint64_t key_id;                    /* the key's id */
    int used;                           /* the slot holds a key */
    int pending;                        /* made or read in a batch not yet settled */
    uint8_t key[RELAIS_DATA_KEY_BYTES]; /* the key, unwrapped */
} s_slot_t;

struct relais_keyring {
    const relais_kek_t *kek; /* opens the wrapped keys (borrowed) */
    pthread_mutex_t lock;    /* the writer, the verifiers and intake share the keyring */
    s_slot_t *slots;         /* open addressing by key id */
    size_t room;             /* a power of two */
    size_t count;            /* keys held */
    size_t pending;          /* of which pending */
};

int relais_keyring_new(const relais_kek_t *kek, relais_keyring_t **out)
{
    if (!kek || !out)
        return relais_status_set(RELAIS_E_INVALID, "a keyring needs a data key");
    relais_keyring_t *self = calloc(1, sizeof *self);
    if (!self)
        return relais_status_set(RELAIS_E_NOMEM, "out of memory");
    self->kek = kek;
    pthread_mutex_init(&self->lock, NULL);
    *out = self;
    return 0;
}

void relais_keyring_destroy(relais_keyring_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    relais_keyring_t *self = *self_p;
    if (self->slots)
        OPENSSL_cleanse(self->slots, self->room * sizeof *self->slots);
    free(self->slots);
    pthread_mutex_destroy(&self->lock);
    free(self);
    *self_p = NULL;
}

const relais_kek_t *relais_keyring_kek(const relais_keyring_t *self)
{
    return self->kek;
}

static size_t s_index(const relais_keyring_t *self, uint64_t key_id)
{
    return (size_t)((key_id * 0x9e3779b97f4a7c15ull) >> 20) & (self->room - 1);
}

static s_slot_t *s_find(relais_keyring_t *self, uint64_t key_id)
{
    if (!self->room)
        return NULL;
    for (size_t i = s_index(self, key_id);; i = (i + 1) & (self->room - 1)) {
        if (!self->slots[i].used)
            return NULL;
        if (self->slots[i].key_id == key_id)
            return &self->slots[i];
    }
}

/* Places every used slot of `from` (room `from_room`) into `to` (room `room`, zeroed). */
static void s_rehash(s_slot_t *to, size_t room, const s_slot_t *from, size_t from_room)
{
    for (size_t k = 0; k < from_room; k++) {
        if (!from[k].used)
            continue;
        size_t i = (size_t)((from[k].key_id * 0x9e3779b97f4a7c15ull) >> 20) & (room - 1);
        while (to[i].used)
            i = (i + 1) & (room - 1);
        to[i] = from[k];
    }
}

/* Keeps `key` under `key_id`, as pending when it comes from a batch: a key that a batch made
 * must not outlive the batch if it aborts, or the next batch would seal with a key the store
 * never kept. */
static int s_keep(relais_keyring_t *self, uint64_t key_id, const uint8_t key[RELAIS_DATA_KEY_BYTES], int pending)
{
    s_slot_t *slot = s_find(self, key_id);
    if (!slot && 2 * (self->count + 1) > self->room) {
        size_t room = self->room ? 2 * self->room : 256;
        s_slot_t *slots = calloc(room, sizeof *slots);
        if (!slots)
            return relais_status_set(RELAIS_E_NOMEM, "out of memory for the data keys");
        s_rehash(slots, room, self->slots, self->room);
        if (self->slots)
            OPENSSL_cleanse(self->slots, self->room * sizeof *self->slots);
        free(self->slots);
        self->slots = slots;
        self->room = room;
    }
    if (!slot) {
        size_t i = s_index(self, key_id);
        while (self->slots[i].used)
            i = (i + 1) & (self->room - 1);
        slot = &self->slots[i];
        slot->used = 1;
        slot->key_id = key_id;
        self->count++;
    }
    if (pending && !slot->pending)
        self->pending++;
    slot->pending |= pending;
    memcpy(slot->key, key, RELAIS_DATA_KEY_BYTES);
    return 0;
}

void relais_keyring_settle(relais_keyring_t *self, int committed)
{
    if (!self)
        return;
    pthread_mutex_lock(&self->lock);
    if (self->pending && committed) {
        for (size_t i = 0; i < self->room; i++)
            self->slots[i].pending = 0;
    } else if (self->pending) {
        /* Rebuilt without them: open addressing cannot leave holes in a probe chain. */
        s_slot_t *slots = calloc(self->room, sizeof *slots);
        for (size_t i = 0; slots && i < self->room; i++)
            if (self->slots[i].pending)
                OPENSSL_cleanse(&self->slots[i], sizeof self->slots[i]);
        if (slots) {
            s_rehash(slots, self->room, self->slots, self->room);
            self->count -= self->pending;
        } else {
            /* No memory to rebuild: forget every key; they are read again from the store. */
            self->count = 0;
        }
        OPENSSL_cleanse(self->slots, self->room * sizeof *self->slots);
        free(self->slots);
        self->slots = slots;
        if (!slots)
            self->room = 0;
    }
    self->pending = 0;
    pthread_mutex_unlock(&self->lock);
}

int relais_keyring_key(relais_keyring_t *self, relais_store_t *store, relais_store_batch_t *batch, uint64_t key_id,
                       uint8_t key[RELAIS_DATA_KEY_BYTES])
{
    pthread_mutex_lock(&self->lock);
    s_slot_t *slot = s_find(self, key_id);
    if (slot)
        memcpy(key, slot->key, RELAIS_DATA_KEY_BYTES);
    pthread_mutex_unlock(&self->lock);
    if (slot)
        return 0;
    uint8_t *wrapped = NULL;
    size_t len = 0;
    int rc = batch ? relais_store_batch_key_get(batch, key_id, &wrapped, &len)
                   : relais_store_key_get(store, key_id, &wrapped, &len);
    if (rc == 0)
        rc = relais_kek_unwrap(self->kek, key_id, wrapped, len, key);
    free(wrapped);
    if (rc == 0) {
        pthread_mutex_lock(&self->lock);
        rc = s_keep(self, key_id, key, batch != NULL);
        pthread_mutex_unlock(&self->lock);
    }
    return rc;
}

int relais_keyring_create(relais_keyring_t *self, relais_store_batch_t *batch, uint64_t key_id,
                          uint8_t key[RELAIS_DATA_KEY_BYTES])
{
    uint8_t wrapped[RELAIS_WRAPPED_KEY_BYTES];
    if (RAND_bytes(key, RELAIS_DATA_KEY_BYTES) != 1)
        return relais_status_set(RELAIS_E_CRYPTO, "no random bytes for data key %llu", (unsigned long long)key_id);
    int rc = relais_kek_wrap(self->kek, key_id, key, wrapped);
    if (rc == 0)
        rc = relais_store_batch_key_put(batch, key_id, wrapped, sizeof wrapped);
    if (rc == 0) {
        pthread_mutex_lock(&self->lock);
        rc = s_keep(self, key_id, key, 1);
        pthread_mutex_unlock(&self->lock);
    }
    return rc;
}

int relais_keyring_seal_entry(relais_keyring_t *self, relais_store_batch_t *batch, uint64_t key_id, int create,
                               uint64_t seq, relais_store_entry_t *entry, uint8_t nonce[RELAIS_SEAL_NONCE_BYTES],
                               uint8_t **sealed)
{
    uint8_t key[RELAIS_DATA_KEY_BYTES], ad[RELAIS_RECORD_AD_BYTES];
    *sealed = NULL;
    if (key_id == 0)
        return relais_status_set(RELAIS_E_INVALID, "record %llu: data key 0 is the child-key secret's",
                                 (unsigned long long)seq);
    int rc = relais_keyring_key(self, NULL, batch, key_id, key);
    if (rc == RELAIS_E_NOT_FOUND && create)
        rc = relais_keyring_create(self, batch, key_id, key);
    if (rc == RELAIS_E_NOT_FOUND)
        rc = relais_status_set(RELAIS_E_CORRUPT, "data key %llu is missing from the store", (unsigned long long)key_id);
    uint8_t *out = rc == 0 ? malloc(entry->signed_len + RELAIS_SEAL_TAG_BYTES) : NULL;
    if (rc == 0 && !out)
        rc = relais_status_set(RELAIS_E_NOMEM, "out of memory sealing record %llu", (unsigned long long)seq);
    relais_record_ad(seq, key_id, ad);
    if (rc == 0)
        rc = relais_seal(key, ad, sizeof ad, entry->signed_message, entry->signed_len, nonce, out);
    OPENSSL_cleanse(key, sizeof key);
    if (rc != 0) {
        free(out);
        return rc;
    }
    entry->key_id = key_id;
    entry->nonce = nonce;
    entry->sealed = out;
    entry->sealed_len = entry->signed_len + RELAIS_SEAL_TAG_BYTES;
    *sealed = out;
    return 0;
}

int relais_keyring_open_record(relais_keyring_t *self, relais_store_t *store, const relais_log_record_t *rec,
                               uint8_t **signed_message, size_t *len)
{
    if (rec->key_id && rec->sealed_len < RELAIS_SEAL_TAG_BYTES)
        return relais_status_set(RELAIS_E_CRYPTO, "record %llu is too short to be sealed", (unsigned long long)rec->seq);
    size_t n = rec->key_id ? rec->sealed_len - RELAIS_SEAL_TAG_BYTES : rec->signed_len;
    uint8_t *out = malloc(n ? n : 1);
    if (!out)
        return relais_status_set(RELAIS_E_NOMEM, "out of memory opening record %llu", (unsigned long long)rec->seq);
    int rc = 0;
    if (!rec->key_id) {
        memcpy(out, rec->signed_message, n);
    } else {
        uint8_t key[RELAIS_DATA_KEY_BYTES], ad[RELAIS_RECORD_AD_BYTES];
        rc = relais_keyring_key(self, store, NULL, rec->key_id, key);
        relais_record_ad(rec->seq, rec->key_id, ad);
        if (rc == 0 && relais_open(key, ad, sizeof ad, rec->nonce, rec->sealed, rec->sealed_len, out) != 0)
            rc = relais_status_set(RELAIS_E_CRYPTO, "record %llu does not open with its data key %llu: it was altered",
                                   (unsigned long long)rec->seq, (unsigned long long)rec->key_id);
        OPENSSL_cleanse(key, sizeof key);
    }
    if (rc) {
        free(out);
        return rc;
    }
    *signed_message = out;
    *len = n;
    return 0;
}
