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

/* The named databases (see relais_store.h for their layout), indexing dbi[]. Those from
 * STORE_DB_FIRST_INDEX on live in the index environment, the others in the log's. */
enum {
    STORE_DB_META,
    STORE_DB_LOG,
    STORE_DB_NODES,
    STORE_DB_MSGID,
    STORE_DB_CHECKPOINTS,
    STORE_DB_KEYS,
    STORE_DB_ARCHIVE,
    STORE_DB_STATS,
    STORE_DB_REFS,    /* a partner's reference (keyed hash) -> its referral: seq, time, content hash */
    STORE_DB_REFSEQ,  /* a referral's seq -> its reference's key, to forget it with the referral */
    STORE_DB_IMETA, /* the index environment's own: its id and the log size it reflects */
    STORE_DB_CASES,
    STORE_DB_HISTORY,
    STORE_DB_CHILDREN,
    STORE_DB_SEQCASE,
    STORE_DB_LIFECYCLE,
    STORE_DB_BLOCKS,     /* blocking key || case id -> the case's child's names (sealed) */
    STORE_DB_CASEBLOCKS, /* case id || 0x00 || blocking key -> nothing: to forget them */
    STORE_DB_MEETINGS,   /* meeting id || 0x00 || seq -> the case id record seq is about */
    STORE_DB_MEETINGSEQ, /* seq -> meeting id: to forget a meeting's record with its case */
    STORE_DB_CONTACTS,   /* entry seq -> the register's entry (sealed) */
    STORE_DB_CONTACTEVENTS, /* entry seq || seq -> nothing: the entry's events, to forget them */
    STORE_DB_CONTACTSEQ, /* seq -> entry seq: the entry record seq is an event of */
    STORE_DB_LOST,       /* item seq -> the lost and found's item (sealed) */
    STORE_DB_LOSTEVENTS, /* item seq || seq -> nothing: the item's events, to forget them */
    STORE_DB_LOSTSEQ,    /* seq -> item seq */
    STORE_DB_DECREES,    /* decree seq -> its index entry (in clear) */
    STORE_DB_DECREENUMBERS, /* number -> decree seq */
    STORE_DB_COUNT
};
#define STORE_DB_FIRST_INDEX STORE_DB_IMETA

#define STORE_INDEX_ID_SIZE 16

static inline int store_db_in_index(int db)
{
    return db >= STORE_DB_FIRST_INDEX;
}

struct relais_store {
    MDB_env *env;                /* the log's environment, synced at every commit (MDB_NOTLS) */
    MDB_env *ienv;               /* the indexes' environment, synced lazily; NULL when a read-only
                                  * open finds none */
    MDB_dbi dbi[STORE_DB_COUNT]; /* the named databases, indexed by STORE_DB_* */
    int read_only;               /* opened with MDB_RDONLY: no batch, no checkpoint */
    char *dir;                   /* the directory, for error sentences */
    relais_store_sealer_t sealer; /* seals the case values; sealer.seal NULL: they are kept as given */
    relais_store_index_t index;  /* the indexes' standing */
    uint8_t index_id[STORE_INDEX_ID_SIZE]; /* ties the index environment to this log */
    int index_marked_clean;      /* the log's marker says the index is clean: the next batch says otherwise */
    int index_unsynced;          /* the index took commits since it was last synced */
};

struct relais_store_batch {
    relais_store_t *store; /* the store written to */
    MDB_txn *txn;          /* the log's write transaction */
    MDB_txn *itxn;         /* the indexes' write transaction */
    uint64_t head;         /* log size as this batch sees it */
    uint64_t applied;      /* the log size the indexes reflect once this batch commits */
    int catching_up;       /* the indexes were behind the log at the batch's start: no appends */
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

/* What is kept of a case index value: *stored is `plain` itself (owned 0) or what the sealer
 * made of it (owned 1, caller frees). */
int store_value_in(relais_store_batch_t *b, relais_store_value_t kind, const void *key, size_t key_len,
                   const uint8_t *plain, size_t len, uint8_t **stored, size_t *stored_len, int *owned);

/* A case index value as it was put (*out, caller frees), from what is kept under `key`. */
int store_value_out(relais_store_t *self, relais_store_batch_t *b, relais_store_value_t kind, const void *key,
                    size_t key_len, const MDB_val *v, uint8_t **out, size_t *len);

/* Deletes the blocking entries of `case_id` (the case leaves the index). */
int store_blocks_forget(relais_store_batch_t *b, const char *case_id, size_t id_len);

/* Deletes the meeting index's entry of record `seq`, if it is a meeting's (its case leaves the
 * index). */
int store_meeting_forget(relais_store_batch_t *b, uint64_t seq);

/* RELAIS_E_CORRUPT with "the store is corrupt: <what>". */
int store_corrupt(const char *what);

/* 0 with `val` borrowed from the transaction, RELAIS_E_NOT_FOUND, or an error. */
int store_get(MDB_txn *txn, MDB_dbi dbi, const void *key, size_t key_len, MDB_val *val);

/* Begins a read-only transaction on the environment that holds database `db` (MDB_NOTLS: any
 * thread, several per thread). An index database of a store opened read-only without an index
 * environment gives RELAIS_E_NOT_FOUND. */
int store_read_begin(const relais_store_t *self, int db, MDB_txn **txn);

/* The batch's transaction on the environment that holds database `db`. */
static inline MDB_txn *store_batch_txn(const relais_store_batch_t *b, int db)
{
    return store_db_in_index(db) ? b->itxn : b->txn;
}

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

/* Forgets the partner's reference of referral `seq`, if it has one (store_refs.c). */
int store_ref_forget(relais_store_batch_t *b, uint64_t seq);

/* Checks a case id and gives its length without the NUL. */
int store_case_id_len(const char *case_id, size_t *len);

/* ---- The two environments (store_envs.c) ---- */

extern const char *const store_db_names[STORE_DB_COUNT];

/* Whether a writer (relaisd) holds the store's lock in `dir` now: its indexes are then whole in
 * memory, whatever the marker says. */
int store_writer_running(const char *dir);

/* Creates and opens an LMDB environment at `path` with `flags` added to MDB_NOTLS. */
int store_env_open(MDB_env **env, const char *path, unsigned flags, uint64_t map_size);

/* Opens the index environment of an opened log and settles its standing (self->index): trusted
 * when the log's marker says it was left clean and it is the one the marker names, made anew
 * (and to be rebuilt) otherwise. Read-only: nothing is changed, an untrusted index is reported. */
int store_index_open(relais_store_t *self, uint64_t map_size);

/* At a batch's start: the log size the indexes reflect, and whether they are behind the log. */
int store_index_batch_prepare(relais_store_batch_t *b);

/* Before a batch's commits: the log's transaction says the indexes are no longer clean (when its
 * marker says they were), the indexes' says which log size they reflect. */
int store_index_batch_seal(relais_store_batch_t *b);

/* After a batch's log commit: commits its index transaction (the log part is on disk whatever
 * becomes of it). */
void store_index_batch_finish(relais_store_batch_t *b);


#endif
