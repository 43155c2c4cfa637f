/* store_refs.c -- partners' own references for their referrals, in the log's environment.
 *
 * Exact duplicate detection belongs with the log (synced at every commit), not with the derived
 * indexes: a referral sent again under its reference after a crash must find the first one
 * whatever state the indexes were left in. The reverse entry (seq -> key) lets the reference be
 * forgotten with its referral when the case leaves the active base.
 */
#include "relais_store.h"

#include <string.h>

#include "relais_proto.h"
#include "store_internal.h"

#define S_VALUE_SIZE (STORE_SEQ_SIZE + 8 + RELAIS_HASH_SIZE) /* seq, received_ms, content hash */

int relais_store_batch_ref_get(relais_store_batch_t *self, const uint8_t key[RELAIS_STORE_REF_KEY_SIZE],
                               relais_store_ref_t *out)
{
    int rc = store_batch_ready(self);
    if (rc)
        return rc;
    if (!key || !out)
        return relais_status_set(RELAIS_E_INVALID, "relais_store_batch_ref_get needs a key and room");
    MDB_val v;
    rc = store_get(self->txn, self->store->dbi[STORE_DB_REFS], key, RELAIS_STORE_REF_KEY_SIZE, &v);
    if (rc)
        return rc;
    if (v.mv_size != S_VALUE_SIZE)
        return store_corrupt("a partner's reference is not a sequence number, a time and a hash");
    const uint8_t *p = v.mv_data;
    out->seq = store_get_u64(p);
    out->received_ms = (int64_t)store_get_u64(p + STORE_SEQ_SIZE);
    memcpy(out->content, p + STORE_SEQ_SIZE + 8, RELAIS_HASH_SIZE);
    return 0;
}

int relais_store_batch_ref_put(relais_store_batch_t *self, const uint8_t key[RELAIS_STORE_REF_KEY_SIZE],
                               const relais_store_ref_t *ref)
{
    int rc = store_batch_ready(self);
    if (rc)
        return rc;
    if (!key || !ref || ref->seq == 0)
        return relais_status_set(RELAIS_E_INVALID, "relais_store_batch_ref_put needs a key and a referral");
    relais_store_ref_t old;
    rc = relais_store_batch_ref_get(self, key, &old);
    uint8_t old_seq[STORE_SEQ_SIZE];
    if (rc == 0) {
        store_put_u64(old_seq, old.seq);
        rc = store_batch_del(self, STORE_DB_REFSEQ, store_val(old_seq, sizeof old_seq));
    }
    if (rc && rc != RELAIS_E_NOT_FOUND)
        return rc;
    uint8_t value[S_VALUE_SIZE], seq_key[STORE_SEQ_SIZE];
    store_put_u64(value, ref->seq);
    store_put_u64(value + STORE_SEQ_SIZE, (uint64_t)ref->received_ms);
    memcpy(value + STORE_SEQ_SIZE + 8, ref->content, RELAIS_HASH_SIZE);
    store_put_u64(seq_key, ref->seq);
    rc = store_batch_put(self, STORE_DB_REFS, store_val(key, RELAIS_STORE_REF_KEY_SIZE),
                         store_val(value, sizeof value), 0);
    return rc ? rc
              : store_batch_put(self, STORE_DB_REFSEQ, store_val(seq_key, sizeof seq_key),
                                store_val(key, RELAIS_STORE_REF_KEY_SIZE), 0);
}

int store_ref_forget(relais_store_batch_t *b, uint64_t seq)
{
    uint8_t seq_key[STORE_SEQ_SIZE], key[RELAIS_STORE_REF_KEY_SIZE];
    store_put_u64(seq_key, seq);
    MDB_val v;
    int rc = store_get(b->txn, b->store->dbi[STORE_DB_REFSEQ], seq_key, sizeof seq_key, &v);
    if (rc == RELAIS_E_NOT_FOUND)
        return 0;
    if (rc)
        return rc;
    if (v.mv_size != RELAIS_STORE_REF_KEY_SIZE)
        return store_corrupt("a referral's reverse reference entry is not a key");
    memcpy(key, v.mv_data, sizeof key);
    rc = store_batch_del(b, STORE_DB_REFSEQ, store_val(seq_key, sizeof seq_key));
    if (rc == 0)
        rc = store_batch_del(b, STORE_DB_REFS, store_val(key, sizeof key));
    return rc == RELAIS_E_NOT_FOUND ? 0 : rc;
}
