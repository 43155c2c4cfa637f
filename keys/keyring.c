/* keyring.c -- a store's data keys, unwrapped once and kept in memory, and the opening of sealed records. */
#include "relais_keys.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

/* The keys kept in memory at most, by default: beyond, those no open batch holds are forgotten
 * and read again from the store when needed. A store holds one key a case and a reception
 * entry; the broker's memory must not grow with them. 16,384 keys take 1.5 MiB. */
#define S_CACHE_DEFAULT 16384

typedef struct {
    uint64_t key_id;                    /* the key's id */
    int used;                           /* the slot holds a key */
    int pending;                        /* made or read in a batch not yet settled */
    uint8_t key[RELAIS_DATA_KEY_BYTES]; /* the key, unwrapped */
} s_slot_t;

struct relais_keyring {
    const relais_kek_t *kek; /* opens the wrapped keys (borrowed) */
    pthread_rwlock_t lock;   /* the writer, the verifiers and intake share the keyring; most
                              * calls only look a key up */
    s_slot_t *slots;         /* open addressing by key id */
    size_t room;             /* a power of two */
    size_t count;            /* keys held */
    uint64_t *pending;       /* the ids of the pending keys, so that settling costs what a batch did */
    size_t pending_count, pending_room;
    size_t cache_max;        /* keys kept at most (but the pending ones) */
    uint64_t forgets;        /* how many keys were forgotten: a key read from the store before a
                              * forget is not kept after it (its case may have left the base) */
};

int relais_keyring_new(const relais_kek_t *kek, relais_keyring_t **out)
{
    if (!kek || !out)
        return relais_status_set(RELAIS_E_INVALID, "a keyring needs a data key");
    relais_keyring_t *self = calloc(1, sizeof *self);
    if (!self)
        return relais_status_set(RELAIS_E_NOMEM, "out of memory");
    self->kek = kek;
    self->cache_max = S_CACHE_DEFAULT;
    pthread_rwlock_init(&self->lock, NULL);
    *out = self;
    return 0;
}

void relais_keyring_set_cache(relais_keyring_t *self, size_t max_keys)
{
    pthread_rwlock_wrlock(&self->lock);
    self->cache_max = max_keys;
    pthread_rwlock_unlock(&self->lock);
}

void relais_keyring_destroy(relais_keyring_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    relais_keyring_t *self = *self_p;
    if (self->slots)
        OPENSSL_cleanse(self->slots, self->room * sizeof *self->slots);
    free(self->slots);
    free(self->pending);
    pthread_rwlock_destroy(&self->lock);
    free(self);
    *self_p = NULL;
}

const relais_kek_t *relais_keyring_kek(const relais_keyring_t *self)
{
    return self->kek;
}

static size_t s_index(uint64_t key_id, size_t room)
{
    return (size_t)((key_id * 0x9e3779b97f4a7c15ull) >> 20) & (room - 1);
}

static s_slot_t *s_find(relais_keyring_t *self, uint64_t key_id)
{
    if (!self->room)
        return NULL;
    for (size_t i = s_index(key_id, self->room);; i = (i + 1) & (self->room - 1)) {
        if (!self->slots[i].used)
            return NULL;
        if (self->slots[i].key_id == key_id)
            return &self->slots[i];
    }
}

/* A table of `room` slots holding the keys of the current one that are pending (`pending` 1)
 * or not (0), or all of them (-1); the old table is wiped. Linear probing cannot leave holes
 * in a probe chain, so keys leave by a rebuild. */
static int s_rebuild(relais_keyring_t *self, size_t room, int pending)
{
    s_slot_t *slots = calloc(room, sizeof *slots);
    if (!slots)
        return relais_status_set(RELAIS_E_NOMEM, "out of memory for the data keys");
    size_t count = 0;
    for (size_t k = 0; k < self->room; k++) {
        const s_slot_t *from = &self->slots[k];
        if (!from->used || (pending >= 0 && from->pending != pending))
            continue;
        size_t i = s_index(from->key_id, room);
        while (slots[i].used)
            i = (i + 1) & (room - 1);
        slots[i] = *from;
        count++;
    }
    if (self->slots)
        OPENSSL_cleanse(self->slots, self->room * sizeof *self->slots);
    free(self->slots);
    self->slots = slots;
    self->room = room;
    self->count = count;
    return 0;
}

/* Room for one more key: the table doubles up to twice the cache's size; a full cache keeps
 * only the pending keys. */
static int s_make_room(relais_keyring_t *self)
{
    if (2 * (self->count + 1) <= self->room)
        return 0;
    if (self->count >= self->cache_max && self->pending_count < self->cache_max / 2)
        return s_rebuild(self, self->room, 1);
    return s_rebuild(self, self->room ? 2 * self->room : 256, -1);
}

/* Keeps `key` under `key_id`, as pending when it comes from a batch: a key that a batch made
 * must not outlive the batch if it aborts, or the next batch would seal with a key the store
 * never kept. */
static int s_keep(relais_keyring_t *self, uint64_t key_id, const uint8_t key[RELAIS_DATA_KEY_BYTES], int pending)
{
    s_slot_t *slot = s_find(self, key_id);
    if (pending && !(slot && slot->pending) && self->pending_count == self->pending_room) {
        size_t room = self->pending_room ? 2 * self->pending_room : 64;
        uint64_t *ids = realloc(self->pending, room * sizeof *ids);
        if (!ids)
            return relais_status_set(RELAIS_E_NOMEM, "out of memory for the data keys");
        self->pending = ids;
        self->pending_room = room;
    }
    if (!slot) {
        int rc = s_make_room(self);
        if (rc != 0)
            return rc;
        size_t i = s_index(key_id, self->room);
        while (self->slots[i].used)
            i = (i + 1) & (self->room - 1);
        slot = &self->slots[i];
        slot->used = 1;
        slot->key_id = key_id;
        self->count++;
    }
    if (pending && !slot->pending) {
        self->pending[self->pending_count++] = key_id;
        slot->pending = 1;
    }
    memcpy(slot->key, key, RELAIS_DATA_KEY_BYTES);
    return 0;
}

void relais_keyring_set_kek(relais_keyring_t *self, const relais_kek_t *kek)
{
    /* Waits for every unwrap in progress under the old KEK, which the caller then destroys. */
    pthread_rwlock_wrlock(&self->lock);
    self->kek = kek;
    pthread_rwlock_unlock(&self->lock);
}

int relais_keyring_unwrap_archive(relais_keyring_t *self, uint64_t key_id, const uint8_t *wrapped, size_t len,
                                  uint8_t box[RELAIS_ARCHIVED_KEY_BYTES])
{
    pthread_rwlock_rdlock(&self->lock);
    int rc = relais_kek_unwrap_archive(self->kek, key_id, wrapped, len, box);
    pthread_rwlock_unlock(&self->lock);
    return rc;
}

void relais_keyring_forget(relais_keyring_t *self, uint64_t first, uint64_t last)
{
    if (!self)
        return;
    pthread_rwlock_wrlock(&self->lock);
    self->forgets++;
    int holes = 0;
    for (size_t i = 0; i < self->room; i++) {
        s_slot_t *slot = &self->slots[i];
        if (slot->used && slot->key_id >= first && slot->key_id <= last) {
            OPENSSL_cleanse(slot->key, sizeof slot->key);
            slot->used = 0;
            holes = 1;
        }
    }
    /* The rebuild places every other key again, so no probe chain keeps a hole. */
    if (holes && s_rebuild(self, self->room, -1) != 0) {
        OPENSSL_cleanse(self->slots, self->room * sizeof *self->slots);
        self->count = 0;
    }
    pthread_rwlock_unlock(&self->lock);
}

void relais_keyring_settle(relais_keyring_t *self, int committed)
{
    if (!self)
        return;
    pthread_rwlock_wrlock(&self->lock);
    if (committed) {
        for (size_t i = 0; i < self->pending_count; i++) {
            s_slot_t *slot = s_find(self, self->pending[i]);
            if (slot)
                slot->pending = 0;
        }
    } else if (self->pending_count && s_rebuild(self, self->room, 0) != 0) {
        /* No memory to rebuild without them: forget every key; they are read again. */
        OPENSSL_cleanse(self->slots, self->room * sizeof *self->slots);
        self->count = 0;
    }
    self->pending_count = 0;
    pthread_rwlock_unlock(&self->lock);
}

int relais_keyring_key(relais_keyring_t *self, relais_store_t *store, relais_store_batch_t *batch, uint64_t key_id,
                       uint8_t key[RELAIS_DATA_KEY_BYTES])
{
    pthread_rwlock_rdlock(&self->lock);
    s_slot_t *slot = s_find(self, key_id);
    if (slot)
        memcpy(key, slot->key, RELAIS_DATA_KEY_BYTES);
    uint64_t forgets = self->forgets;
    pthread_rwlock_unlock(&self->lock);
    if (slot)
        return 0;
    int rc;
    /* A read of the store that began before a rotation's commit gives the key under the old
     * generation, which the keyring may no longer hold: read it again once. */
    for (int attempt = 0;; attempt++) {
        uint8_t *wrapped = NULL;
        size_t len = 0;
        uint32_t held = 0;
        rc = batch ? relais_store_batch_key_get(batch, key_id, &wrapped, &len)
                   : relais_store_key_get(store, key_id, &wrapped, &len);
        if (rc == 0) {
            /* Under the lock: a rotation swaps the KEK and destroys the old one once no one uses it. */
            pthread_rwlock_rdlock(&self->lock);
            rc = relais_kek_unwrap(self->kek, key_id, wrapped, len, key);
            held = relais_kek_generation(self->kek);
            pthread_rwlock_unlock(&self->lock);
        }
        int stale = rc == RELAIS_E_CRYPTO && !batch && relais_wrapped_generation(wrapped, len) < held;
        free(wrapped);
        if (!stale || attempt == 1)
            break;
    }
    if (rc == 0) {
        pthread_rwlock_wrlock(&self->lock);
        if (batch || self->forgets == forgets)
            rc = s_keep(self, key_id, key, batch != NULL);
        pthread_rwlock_unlock(&self->lock);
    }
    return rc;
}

int relais_keyring_create(relais_keyring_t *self, relais_store_batch_t *batch, uint64_t key_id,
                          uint8_t key[RELAIS_DATA_KEY_BYTES])
{
    uint8_t wrapped[RELAIS_WRAPPED_KEY_BYTES];
    if (relais_random_key(key) != 0)
        return relais_status_set(RELAIS_E_CRYPTO, "no random bytes for data key %llu", (unsigned long long)key_id);
    pthread_rwlock_rdlock(&self->lock);
    int rc = relais_kek_wrap(self->kek, key_id, key, wrapped);
    pthread_rwlock_unlock(&self->lock);
    if (rc == 0)
        rc = relais_store_batch_key_put(batch, key_id, wrapped, sizeof wrapped);
    if (rc == 0) {
        pthread_rwlock_wrlock(&self->lock);
        rc = s_keep(self, key_id, key, 1);
        pthread_rwlock_unlock(&self->lock);
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
    /* A new case's or entry's key cannot exist yet: no need to look for it first. */
    int rc = create ? relais_keyring_create(self, batch, key_id, key) : relais_keyring_key(self, NULL, batch, key_id, key);
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

int relais_keyring_open_record_to(relais_keyring_t *self, relais_store_t *store, const relais_log_record_t *rec,
                                  uint8_t *out)
{
    if (!rec->key_id) {
        memcpy(out, rec->signed_message, rec->signed_len);
        return 0;
    }
    if (rec->sealed_len < RELAIS_SEAL_TAG_BYTES)
        return relais_status_set(RELAIS_E_CRYPTO, "record %llu is too short to be sealed", (unsigned long long)rec->seq);
    uint8_t key[RELAIS_DATA_KEY_BYTES], ad[RELAIS_RECORD_AD_BYTES];
    int rc = relais_keyring_key(self, store, NULL, rec->key_id, key);
    relais_record_ad(rec->seq, rec->key_id, ad);
    if (rc == 0 && relais_open(key, ad, sizeof ad, rec->nonce, rec->sealed, rec->sealed_len, out) != 0)
        rc = relais_status_set(RELAIS_E_CRYPTO, "record %llu does not open with its data key %llu: it was altered",
                               (unsigned long long)rec->seq, (unsigned long long)rec->key_id);
    OPENSSL_cleanse(key, sizeof key);
    return rc;
}

int relais_keyring_open_record(relais_keyring_t *self, relais_store_t *store, const relais_log_record_t *rec,
                               uint8_t **signed_message, size_t *len)
{
    size_t n = relais_log_record_opened_len(rec);
    uint8_t *out = malloc(n ? n : 1);
    if (!out)
        return relais_status_set(RELAIS_E_NOMEM, "out of memory opening record %llu", (unsigned long long)rec->seq);
    int rc = relais_keyring_open_record_to(self, store, rec, out);
    if (rc) {
        free(out);
        return rc;
    }
    *signed_message = out;
    *len = n;
    return 0;
}
