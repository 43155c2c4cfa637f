/* store_reception.c -- the reception desk's registers (its contacts, its lost and found) and the
 * decrees: their index, derived from the log.
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

/* Where a register keeps its entries, their events and the reverse, and how its values are sealed. */
typedef struct {
    int entries, events, seqs;
    relais_store_value_t kind;
    const char *name;
} s_register_t;

static const s_register_t s_registers[] = {
    [RELAIS_STORE_REGISTER_CONTACTS] = {STORE_DB_CONTACTS, STORE_DB_CONTACTEVENTS, STORE_DB_CONTACTSEQ,
                                        RELAIS_STORE_VALUE_CONTACT, "the register"},
    [RELAIS_STORE_REGISTER_LOST] = {STORE_DB_LOST, STORE_DB_LOSTEVENTS, STORE_DB_LOSTSEQ, RELAIS_STORE_VALUE_LOST,
                                    "the lost and found"},
    /* Public acts: in clear, and no events (a repeal rewrites the decree's own entry). */
    [RELAIS_STORE_REGISTER_DECREES] = {STORE_DB_DECREES, -1, -1, RELAIS_STORE_VALUE_NONE, "the decrees"},
};

static const s_register_t *s_register(relais_store_register_t reg)
{
    return reg >= RELAIS_STORE_REGISTER_CONTACTS && reg <= RELAIS_STORE_REGISTER_DECREES ? &s_registers[reg] : NULL;
}

/* A register with events (not the decrees'). */
static const s_register_t *s_register_events(relais_store_register_t reg)
{
    const s_register_t *r = s_register(reg);
    return r && r->events >= 0 ? r : NULL;
}

static int s_value_out(relais_store_t *self, relais_store_batch_t *b, const s_register_t *r, const void *key,
                       size_t key_len, const MDB_val *v, uint8_t **out, size_t *len)
{
    return r->kind == RELAIS_STORE_VALUE_NONE ? store_copy_out(v, out, len)
                                              : store_value_out(self, b, r->kind, key, key_len, v, out, len);
}

static int s_no_register(void)
{
    return relais_status_set(RELAIS_E_INVALID, "no such register");
}

static int s_get(relais_store_t *self, MDB_txn *txn, relais_store_batch_t *b, const s_register_t *r, uint64_t entry_seq,
                 uint8_t **value, size_t *len)
{
    uint8_t key[STORE_SEQ_SIZE];
    store_put_u64(key, entry_seq);
    MDB_val v;
    int rc = store_get(txn, self->dbi[r->entries], key, sizeof key, &v);
    return rc ? rc : s_value_out(self, b, r, key, sizeof key, &v, value, len);
}

int relais_store_batch_register_get(relais_store_batch_t *self, relais_store_register_t reg, uint64_t entry_seq,
                                    uint8_t **value, size_t *len)
{
    const s_register_t *r = s_register(reg);
    int rc = r ? store_batch_ready(self) : s_no_register();
    return rc ? rc : s_get(self->store, store_batch_txn(self, r->entries), self, r, entry_seq, value, len);
}

int relais_store_batch_register_put(relais_store_batch_t *self, relais_store_register_t reg, uint64_t entry_seq,
                                    const uint8_t *value, size_t len)
{
    const s_register_t *r = s_register(reg);
    int rc = r ? store_batch_ready(self) : s_no_register();
    if (rc)
        return rc;
    if (entry_seq == 0 || !value || len == 0)
        return relais_status_set(RELAIS_E_INVALID, "an entry of the register needs its number and its state");
    uint8_t key[STORE_SEQ_SIZE], *stored;
    size_t stored_len;
    int owned;
    store_put_u64(key, entry_seq);
    if (r->kind == RELAIS_STORE_VALUE_NONE) {
        stored = (uint8_t *)value;
        stored_len = len;
        owned = 0;
    } else {
        rc = store_value_in(self, r->kind, key, sizeof key, value, len, &stored, &stored_len, &owned);
    }
    if (rc == 0)
        rc = store_batch_put(self, r->entries, store_val(key, sizeof key), store_val(stored, stored_len), 0);
    if (owned)
        free(stored);
    return rc;
}

int relais_store_batch_register_link(relais_store_batch_t *self, relais_store_register_t reg, uint64_t seq,
                                     uint64_t entry_seq)
{
    const s_register_t *r = s_register_events(reg);
    int rc = r ? store_batch_ready(self) : s_no_register();
    if (rc)
        return rc;
    if (seq == 0 || entry_seq == 0 || seq < entry_seq || seq > relais_store_batch_head(self))
        return relais_status_set(RELAIS_E_INVALID, "record %llu cannot be an event of %s's entry %llu",
                                 (unsigned long long)seq, r->name, (unsigned long long)entry_seq);
    uint8_t seq_key[STORE_SEQ_SIZE], entry[STORE_SEQ_SIZE], event[2 * STORE_SEQ_SIZE];
    store_put_u64(seq_key, seq);
    store_put_u64(entry, entry_seq);
    memcpy(event, entry, STORE_SEQ_SIZE);
    memcpy(event + STORE_SEQ_SIZE, seq_key, STORE_SEQ_SIZE);
    rc = store_batch_put(self, r->seqs, store_val(seq_key, sizeof seq_key), store_val(entry, sizeof entry),
                         MDB_NOOVERWRITE);
    if (rc == 0)
        rc = store_batch_put(self, r->events, store_val(event, sizeof event), store_val(NULL, 0), 0);
    return rc;
}

static int s_entry_of(relais_store_t *self, MDB_txn *txn, const s_register_t *r, uint64_t seq, uint64_t *entry_seq)
{
    uint8_t key[STORE_SEQ_SIZE];
    store_put_u64(key, seq);
    MDB_val v;
    int rc = store_get(txn, self->dbi[r->seqs], key, sizeof key, &v);
    if (rc)
        return rc;
    if (v.mv_size != STORE_SEQ_SIZE)
        return store_corrupt("an event of the register names no entry");
    *entry_seq = store_get_u64(v.mv_data);
    return 0;
}

int relais_store_batch_register_of(relais_store_batch_t *self, relais_store_register_t reg, uint64_t seq,
                                   uint64_t *entry_seq)
{
    const s_register_t *r = s_register_events(reg);
    int rc = r ? store_batch_ready(self) : s_no_register();
    return rc ? rc : s_entry_of(self->store, store_batch_txn(self, r->seqs), r, seq, entry_seq);
}

int relais_store_register_get(relais_store_t *self, relais_store_register_t reg, uint64_t entry_seq, uint8_t **value,
                              size_t *len)
{
    MDB_txn *txn;
    const s_register_t *r = s_register(reg);
    if (!self || !r)
        return relais_status_set(RELAIS_E_INVALID, "relais_store_register_get needs a store and a register");
    int rc = store_read_begin(self, r->entries, &txn);
    if (rc)
        return rc;
    rc = s_get(self, txn, NULL, r, entry_seq, value, len);
    mdb_txn_abort(txn);
    return rc;
}

int relais_store_register_of(relais_store_t *self, relais_store_register_t reg, uint64_t seq, uint64_t *entry_seq)
{
    MDB_txn *txn;
    const s_register_t *r = s_register_events(reg);
    if (!self || !entry_seq || !r)
        return relais_status_set(RELAIS_E_INVALID, "relais_store_register_of needs a store and a register");
    int rc = store_read_begin(self, r->seqs, &txn);
    if (rc)
        return rc;
    rc = s_entry_of(self, txn, r, seq, entry_seq);
    mdb_txn_abort(txn);
    return rc;
}

int relais_store_register_iterate(relais_store_t *self, relais_store_register_t reg, uint64_t before,
                                  relais_store_register_fn fn, void *ctx)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    const s_register_t *r = s_register(reg);
    if (!self || !fn || !r)
        return relais_status_set(RELAIS_E_INVALID, "relais_store_register_iterate needs a store, a register and a callback");
    int rc = store_read_begin(self, r->entries, &txn);
    if (rc == RELAIS_E_NOT_FOUND)
        return 0; /* no index to walk */
    if (rc)
        return rc;
    int got = mdb_cursor_open(txn, self->dbi[r->entries], &cur);
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
        rc = s_value_out(self, NULL, r, k.mv_data, k.mv_size, &v, &plain, &len);
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

static int s_events(relais_store_t *self, MDB_txn *txn, const s_register_t *r, uint64_t entry_seq,
                    relais_store_seq_fn fn, void *ctx)
{
    int rc = 0;
    MDB_cursor *cur;
    int got = mdb_cursor_open(txn, self->dbi[r->events], &cur);
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

static int s_batch_events(relais_store_batch_t *self, const s_register_t *r, uint64_t entry_seq, relais_store_seq_fn fn,
                          void *ctx)
{
    int rc = store_batch_ready(self);
    return rc ? rc : s_events(self->store, store_batch_txn(self, r->events), r, entry_seq, fn, ctx);
}

int relais_store_register_events(relais_store_t *self, relais_store_register_t reg, uint64_t entry_seq,
                                 relais_store_seq_fn fn, void *ctx)
{
    MDB_txn *txn;
    const s_register_t *r = s_register_events(reg);
    if (!self || !fn || !r)
        return relais_status_set(RELAIS_E_INVALID, "relais_store_register_events needs a store, a register and a callback");
    int rc = store_read_begin(self, r->events, &txn);
    if (rc)
        return rc;
    rc = s_events(self, txn, r, entry_seq, fn, ctx);
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

int relais_store_batch_register_forget(relais_store_batch_t *self, relais_store_register_t reg, uint64_t entry_seq)
{
    const s_register_t *r = s_register_events(reg);
    if (!r)
        return s_no_register();
    s_seqs_t all = {0};
    uint8_t entry[STORE_SEQ_SIZE];
    store_put_u64(entry, entry_seq);
    /* Listed first, deleted after: the walk's cursor reads the keys deleted. */
    int rc = s_batch_events(self, r, entry_seq, s_collect, &all);
    for (size_t i = 0; rc == 0 && i < all.count; i++) {
        uint8_t seq_key[STORE_SEQ_SIZE], event[2 * STORE_SEQ_SIZE];
        store_put_u64(seq_key, all.seqs[i]);
        memcpy(event, entry, STORE_SEQ_SIZE);
        memcpy(event + STORE_SEQ_SIZE, seq_key, STORE_SEQ_SIZE);
        rc = store_batch_del(self, r->seqs, store_val(seq_key, sizeof seq_key));
        if (rc == 0)
            rc = store_batch_del(self, r->events, store_val(event, sizeof event));
        if (rc == RELAIS_E_NOT_FOUND)
            rc = store_corrupt("an event of the register lacks its reverse entry");
    }
    free(all.seqs);
    if (rc == 0)
        rc = store_batch_del(self, r->entries, store_val(entry, sizeof entry));
    return rc;
}

/* ---- Decree numbers -------------------------------------------------------------------- */

static int s_number_key(const char *number, size_t *len)
{
    *len = number ? strlen(number) : 0;
    if (*len == 0 || *len >= RELAIS_DECREE_NUMBER_MAX)
        return relais_status_set(RELAIS_E_INVALID, "a decree number of 1 to %d bytes", RELAIS_DECREE_NUMBER_MAX - 1);
    return 0;
}

static int s_number_get(relais_store_t *self, MDB_txn *txn, const char *number, size_t len, uint64_t *seq)
{
    MDB_val v;
    int rc = store_get(txn, self->dbi[STORE_DB_DECREENUMBERS], number, len, &v);
    if (rc)
        return rc;
    if (v.mv_size != STORE_SEQ_SIZE)
        return store_corrupt("a decree number names no record");
    *seq = store_get_u64(v.mv_data);
    return 0;
}

int relais_store_batch_decree_number_get(relais_store_batch_t *self, const char *number, uint64_t *seq)
{
    size_t len;
    int rc = store_batch_ready(self);
    if (rc == 0)
        rc = s_number_key(number, &len);
    return rc ? rc
              : s_number_get(self->store, store_batch_txn(self, STORE_DB_DECREENUMBERS), number, len, seq);
}

int relais_store_batch_decree_number_put(relais_store_batch_t *self, const char *number, uint64_t seq)
{
    size_t len;
    int rc = store_batch_ready(self);
    if (rc == 0)
        rc = s_number_key(number, &len);
    if (rc)
        return rc;
    uint8_t value[STORE_SEQ_SIZE];
    store_put_u64(value, seq);
    return store_batch_put(self, STORE_DB_DECREENUMBERS, store_val(number, len), store_val(value, sizeof value),
                           MDB_NOOVERWRITE);
}

int relais_store_decree_number_get(relais_store_t *self, const char *number, uint64_t *seq)
{
    MDB_txn *txn;
    size_t len;
    if (!self || !seq)
        return relais_status_set(RELAIS_E_INVALID, "relais_store_decree_number_get needs a store");
    int rc = s_number_key(number, &len);
    if (rc == 0)
        rc = store_read_begin(self, STORE_DB_DECREENUMBERS, &txn);
    if (rc)
        return rc;
    rc = s_number_get(self, txn, number, len, seq);
    mdb_txn_abort(txn);
    return rc;
}
