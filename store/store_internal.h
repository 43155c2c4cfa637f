/* store_internal.h -- what store.c and store_index.c share; private to store/, never installed.
 *
 * The public face of the store is relais_store.h alone. Names here are store_* (shared
 * inside the module), the files' own helpers stay s_* and static.
 */
#ifndef RELAIS_STORE_INTERNAL_H
#define RELAIS_STORE_INTERNAL_H

#include <lmdb.h>
#include <stddef.h>
#include <stdint.h>

#include "relais_store.h"

#define STORE_SEQ_SIZE 8 /* a sequence number or tree size as a key: u64 big-endian */

/* The named databases (see relais_store.h for their layout), indexing dbi[]. */
enum {
    STORE_DB_META,
    STORE_DB_LOG,
    STORE_DB_NODES,
    STORE_DB_MSGID,
    STORE_DB_CASES,
    STORE_DB_HISTORY,
    STORE_DB_CHILDREN,
    STORE_DB_CHECKPOINTS,
    STORE_DB_SEQCASE,
    STORE_DB_KEYS,
    STORE_DB_LIFECYCLE,
    STORE_DB_ARCHIVE,
    STORE_DB_STATS,
    STORE_DB_COUNT
};

struct relais_store {
    MDB_env *env;                /* the environment, opened with MDB_NOTLS */
    MDB_dbi dbi[STORE_DB_COUNT]; /* the named databases, indexed by STORE_DB_* */
    int read_only;               /* opened with MDB_RDONLY: no batch, no checkpoint */
    char *dir;                   /* the directory, for error sentences */
    relais_store_sealer_t sealer; /* seals the case values; sealer.seal NULL: they are kept as given */
};

struct relais_store_batch {
    relais_store_t *store; /* the store written to */
    MDB_txn *txn;          /* the write transaction */
    uint64_t head;         /* log size as this batch sees it */
    int error;             /* first failure after which the batch can only be aborted */
    uint8_t *buf;          /* scratch for encoding LogRecords */
    size_t cap;            /* room in buf */
};

/* Where a Merkle subtree lookup reads from: one transaction, so a proof sees one tree. */
typedef struct {
    const relais_store_t *store; /* for the nodes database */
    MDB_txn *txn;                /* the snapshot read */
} store_tree_ctx_t;

static inline void store_put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
}

static inline uint64_t store_get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return v;
}

static inline MDB_val store_val(const void *data, size_t size)
{
    MDB_val v = {.mv_size = size, .mv_data = (void *)data};
    return v;
}

/* An LMDB error as a relais status with a detail sentence: MDB_MAP_FULL is
 * RELAIS_E_STORE_FULL, LMDB's own corruption codes RELAIS_E_CORRUPT, the rest RELAIS_E_IO. */
int store_lmdb_status(int rc, const char *what);

/* RELAIS_E_CORRUPT with "the store is corrupt: <what>". */
int store_corrupt(const char *what);

/* 0 with `val` borrowed from the transaction, RELAIS_E_NOT_FOUND, or an error. */
int store_get(MDB_txn *txn, MDB_dbi dbi, const void *key, size_t key_len, MDB_val *val);

/* Begins a read-only transaction (MDB_NOTLS: any thread, several per thread). */
int store_read_begin(const relais_store_t *self, MDB_txn **txn);

/* Copies `val` into a new buffer the caller frees (never NULL, even for 0 bytes). */
int store_copy_out(const MDB_val *val, uint8_t **out, size_t *len);

/* The log size as `txn` sees it. */
int store_head(const relais_store_t *self, MDB_txn *txn, uint64_t *head);

/* relais_merkle_subtree_fn over the nodes database; ctx is a store_tree_ctx_t. */
int store_subtree(void *ctx, unsigned level, uint64_t index, relais_hash_t out);

/* RELAIS_E_INVALID when no batch is given, else the error that spoiled it, else 0. */
int store_batch_ready(const relais_store_batch_t *b);

/* Every write of a batch goes through here, so that a failed put spoils the batch. */
int store_batch_put(relais_store_batch_t *b, int db, MDB_val key, MDB_val val, unsigned flags);

/* Deletes a key: RELAIS_E_NOT_FOUND (the batch stays usable) when it is not there; any other
 * failure spoils the batch. */
int store_batch_del(relais_store_batch_t *b, int db, MDB_val key);

/* Calls `fn` for every pair of database `db` in key order, in one read transaction, until it
 * returns nonzero (which is returned); `what` names the database in an error. */
typedef int (*store_pair_fn)(void *ctx, const MDB_val *key, const MDB_val *val);
int store_walk(relais_store_t *self, int db, store_pair_fn fn, void *ctx, const char *what);

/* Checks a case id and gives its length without the NUL. */
int store_case_id_len(const char *case_id, size_t *len);

#endif
