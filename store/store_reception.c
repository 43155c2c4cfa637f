/* store_reception.c -- the reception desk's register: its entries' index, derived from the log.
 *
 * An entry of the register is the ContactLog record that opened it; its updates, transfers and
 * answers are its events. The index keeps each entry's state (sealed under the entry's key, like
 * a case's), the events of each entry (to forget them with it), and the entry each event belongs
 * to (so that an answer naming a transfer finds its entry, and the feed tells whose a record is).
 * Keys are sequence numbers, nothing of a resident.
 */
#include "relais_store.h"

#include <lmdb.h>
#include <stdlib.h>
#include <string.h>

#include "relais_proto.h"
#include "store_internal.h"

static int s_get(relais_store_t *self, MDB_txn *txn, relais_store_batch_t *b, uint64_t entry_seq, uint8_t **value,
                 size_t *len)
{
    uint8_t key[STORE_SEQ_SIZE];
    store_put_u64(key, entry_seq);
    MDB_val v;
    int rc = store_get(txn, self->dbi[STORE_DB_CONTACTS], key, sizeof key, &v);
    return rc ? rc : store_value_out(self, b, RELAIS_STORE_VALUE_CONTACT, key, sizeof key, &v, value, len);
}

int relais_store_batch_contact_get(relais_store_batch_t *self, uint64_t entry_seq, uint8_t **value, size_t *len)
{
    int rc = store_batch_ready(self);
    return rc ? rc : s_get(self->store, store_batch_txn(self, STORE_DB_CONTACTS), self, entry_seq, value, len);
}

int relais_store_batch_contact_put(relais_store_batch_t *self, uint64_t entry_seq, const uint8_t *value, size_t len)
{
    int rc = store_batch_ready(self);
    if (rc)
        return rc;
    if (entry_seq == 0 || !value || len == 0)
        return relais_status_set(RELAIS_E_INVALID, "an entry of the register needs its number and its state");
    uint8_t key[STORE_SEQ_SIZE], *stored;
    size_t stored_len;
    int owned;
    store_put_u64(key, entry_seq);
    rc = store_value_in(self, RELAIS_STORE_VALUE_CONTACT, key, sizeof key, value, len, &stored, &stored_len, &owned);
    if (rc == 0)
        rc = store_batch_put(self, STORE_DB_CONTACTS, store_val(key, sizeof key), store_val(stored, stored_len), 0);
    if (owned)
        free(stored);
    return rc;
}

int relais_store_batch_contact_link(relais_store_batch_t *self, uint64_t seq, uint64_t entry_seq)
{
    int rc = store_batch_ready(self);
    if (rc)
        return rc;
    if (seq == 0 || entry_seq == 0 || seq < entry_seq || seq > relais_store_batch_head(self))
        return relais_status_set(RELAIS_E_INVALID, "record %llu cannot be an event of entry A-%llu",
                                 (unsigned long long)seq, (unsigned long long)entry_seq);
    uint8_t seq_key[STORE_SEQ_SIZE], entry[STORE_SEQ_SIZE], event[2 * STORE_SEQ_SIZE];
    store_put_u64(seq_key, seq);
    store_put_u64(entry, entry_seq);
    memcpy(event, entry, STORE_SEQ_SIZE);
    memcpy(event + STORE_SEQ_SIZE, seq_key, STORE_SEQ_SIZE);
    rc = store_batch_put(self, STORE_DB_CONTACTSEQ, store_val(seq_key, sizeof seq_key), store_val(entry, sizeof entry),
                         MDB_NOOVERWRITE);
    if (rc == 0)
        rc = store_batch_put(self, STORE_DB_CONTACTEVENTS, store_val(event, sizeof event), store_val(NULL, 0), 0);
    return rc;
}

static int s_entry_of(relais_store_t *self, MDB_txn *txn, uint64_t seq, uint64_t *entry_seq)
{
    uint8_t key[STORE_SEQ_SIZE];
    store_put_u64(key, seq);
    MDB_val v;
    int rc = store_get(txn, self->dbi[STORE_DB_CONTACTSEQ], key, sizeof key, &v);
    if (rc)
        return rc;
    if (v.mv_size != STORE_SEQ_SIZE)
        return store_corrupt("an event of the register names no entry");
    *entry_seq = store_get_u64(v.mv_data);
    return 0;
}

int relais_store_batch_contact_of(relais_store_batch_t *self, uint64_t seq, uint64_t *entry_seq)
{
    int rc = store_batch_ready(self);
    return rc ? rc : s_entry_of(self->store, store_batch_txn(self, STORE_DB_CONTACTSEQ), seq, entry_seq);
}

int relais_store_contact_get(relais_store_t *self, uint64_t entry_seq, uint8_t **value, size_t *len)
{
    MDB_txn *txn;
    if (!self)
        return relais_status_set(RELAIS_E_INVALID, "relais_store_contact_get needs a store");
    int rc = store_read_begin(self, STORE_DB_CONTACTS, &txn);
    if (rc)
        return rc;
    rc = s_get(self, txn, NULL, entry_seq, value, len);
    mdb_txn_abort(txn);
    return rc;
}

int relais_store_contact_of(relais_store_t *self, uint64_t seq, uint64_t *entry_seq)
{
    MDB_txn *txn;
    if (!self || !entry_seq)
        return relais_status_set(RELAIS_E_INVALID, "relais_store_contact_of needs a store");
    int rc = store_read_begin(self, STORE_DB_CONTACTSEQ, &txn);
    if (rc)
        return rc;
    rc = s_entry_of(self, txn, seq, entry_seq);
    mdb_txn_abort(txn);
    return rc;
}

int relais_store_contact_iterate(relais_store_t *self, uint64_t before, relais_store_contact_fn fn, void *ctx)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    if (!self || !fn)
        return relais_status_set(RELAIS_E_INVALID, "relais_store_contact_iterate needs a store and a callback");
    int rc = store_read_begin(self, STORE_DB_CONTACTS, &txn);
    if (rc == RELAIS_E_NOT_FOUND)
        return 0; /* no index to walk */
    if (rc)
        return rc;
    int got = mdb_cursor_open(txn, self->dbi[STORE_DB_CONTACTS], &cur);
    if (got) {
        mdb_txn_abort(txn);
        return store_lmdb_status(got, "open a cursor on the register");
    }
    uint8_t start[STORE_SEQ_SIZE];
    store_put_u64(start, before);
    MDB_val k = store_val(start, sizeof start), v;
    /* Newest first: from the last entry, or from the one before `before`. */
    if (before == 0) {
        got = mdb_cursor_get(cur, &k, &v, MDB_LAST);
    } else {
        got = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
        got = got == MDB_NOTFOUND ? mdb_cursor_get(cur, &k, &v, MDB_LAST) : got == 0 ? mdb_cursor_get(cur, &k, &v, MDB_PREV) : got;
        if (got == 0 && k.mv_size == STORE_SEQ_SIZE && store_get_u64(k.mv_data) >= before)
            got = mdb_cursor_get(cur, &k, &v, MDB_PREV);
    }
    for (; rc == 0 && got == 0; got = mdb_cursor_get(cur, &k, &v, MDB_PREV)) {
        if (k.mv_size != STORE_SEQ_SIZE) {
            rc = store_corrupt("an entry of the register has a key of the wrong size");
            break;
        }
        uint64_t entry_seq = store_get_u64(k.mv_data);
        uint8_t *plain = NULL;
        size_t len = 0;
        rc = store_value_out(self, NULL, RELAIS_STORE_VALUE_CONTACT, k.mv_data, k.mv_size, &v, &plain, &len);
        if (rc == 0)
            rc = fn(ctx, entry_seq, plain, len);
        free(plain);
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    if (rc == 0 && got != 0 && got != MDB_NOTFOUND)
        rc = store_lmdb_status(got, "read the register");
    return rc;
}

static int s_events(relais_store_t *self, MDB_txn *txn, uint64_t entry_seq, relais_store_seq_fn fn, void *ctx)
{
    int rc = 0;
    MDB_cursor *cur;
    int got = mdb_cursor_open(txn, self->dbi[STORE_DB_CONTACTEVENTS], &cur);
    if (got)
        return store_lmdb_status(got, "open a cursor on the register's events");
    uint8_t prefix[STORE_SEQ_SIZE];
    store_put_u64(prefix, entry_seq);
    MDB_val k = store_val(prefix, sizeof prefix), v;
    for (got = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0 && got == 0;
         got = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size != 2 * STORE_SEQ_SIZE) {
            rc = store_corrupt("an event of the register has a key of the wrong size");
            break;
        }
        if (memcmp(k.mv_data, prefix, sizeof prefix) != 0)
            break;
        rc = fn(ctx, store_get_u64((const uint8_t *)k.mv_data + STORE_SEQ_SIZE));
    }
    mdb_cursor_close(cur);
    if (rc == 0 && got != 0 && got != MDB_NOTFOUND)
        rc = store_lmdb_status(got, "read the register's events");
    return rc;
}

static int s_batch_events(relais_store_batch_t *self, uint64_t entry_seq, relais_store_seq_fn fn, void *ctx)
{
    int rc = store_batch_ready(self);
    return rc ? rc : s_events(self->store, store_batch_txn(self, STORE_DB_CONTACTEVENTS), entry_seq, fn, ctx);
}

int relais_store_contact_events(relais_store_t *self, uint64_t entry_seq, relais_store_seq_fn fn, void *ctx)
{
    MDB_txn *txn;
    if (!self || !fn)
        return relais_status_set(RELAIS_E_INVALID, "relais_store_contact_events needs a store and a callback");
    int rc = store_read_begin(self, STORE_DB_CONTACTEVENTS, &txn);
    if (rc)
        return rc;
    rc = s_events(self, txn, entry_seq, fn, ctx);
    mdb_txn_abort(txn);
    return rc;
}

typedef struct {
    uint64_t *seqs;
    size_t count, room;
} s_seqs_t;

static int s_collect(void *ctx, uint64_t seq)
{
    s_seqs_t *all = ctx;
    if (all->count == all->room) {
        size_t room = all->room ? 2 * all->room : 16;
        uint64_t *grown = realloc(all->seqs, room * sizeof *grown);
        if (!grown)
            return relais_status_set(RELAIS_E_NOMEM, "out of memory listing an entry's events");
        all->seqs = grown;
        all->room = room;
    }
    all->seqs[all->count++] = seq;
    return 0;
}

int relais_store_batch_contact_forget(relais_store_batch_t *self, uint64_t entry_seq)
{
    s_seqs_t all = {0};
    uint8_t entry[STORE_SEQ_SIZE];
    store_put_u64(entry, entry_seq);
    /* Listed first, deleted after: the walk's cursor reads the keys deleted. */
    int rc = s_batch_events(self, entry_seq, s_collect, &all);
    for (size_t i = 0; rc == 0 && i < all.count; i++) {
        uint8_t seq_key[STORE_SEQ_SIZE], event[2 * STORE_SEQ_SIZE];
        store_put_u64(seq_key, all.seqs[i]);
        memcpy(event, entry, STORE_SEQ_SIZE);
        memcpy(event + STORE_SEQ_SIZE, seq_key, STORE_SEQ_SIZE);
        rc = store_batch_del(self, STORE_DB_CONTACTSEQ, store_val(seq_key, sizeof seq_key));
        if (rc == 0)
            rc = store_batch_del(self, STORE_DB_CONTACTEVENTS, store_val(event, sizeof event));
        if (rc == RELAIS_E_NOT_FOUND)
            rc = store_corrupt("an event of the register lacks its reverse entry");
    }
    free(all.seqs);
    if (rc == 0)
        rc = store_batch_del(self, STORE_DB_CONTACTS, store_val(entry, sizeof entry));
    return rc;
}
