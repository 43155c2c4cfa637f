/* relais_store.h -- the LMDB store: append-only log, Merkle tree, indexes and checkpoints.
 *
 * The store knows nothing of sockets, signatures or case rules: the broker verifies and
 * decides, the store records.
 *
 * Durability: the log's commits are synced; the indexes' are not (see the layout below). When
 * a batch's commit returns 0 its log part is on disk.
 *
 * Threads: one relais_store_t may be shared by threads; reads run concurrently; one batch
 * (write transaction) exists at a time and belongs to the thread that began it. A read that
 * begins after a commit returned sees that commit. A read that begins while a commit is in
 * progress may already see it, and a read after it may not yet: two reads are not ordered
 * by themselves (LMDB publishes a commit in two steps), so a reader that needs a size uses
 * the one the writer announced after its commit returned, not a head read earlier.
 *
 * Memory: every value handed out is either copied into caller-owned memory ("caller
 * frees" with free()) or, for callbacks, valid only during the call.
 *
 * Two LMDB environments in the store's directory (keys big-endian so that order is numeric):
 *
 * The log (DIR/data.mdb), synced at every commit: everything the hub is recovered from.
 *   meta     "format" -> u32, "created_ms" -> i64, "index" -> the index marker (below)
 *   log      seq (u64)                -> LogRecord bytes (the Merkle leaf)
 *   nodes    level (u8) || index (u64) -> 32-byte hash of that perfect subtree
 *   msgid    msg id (16 bytes)          -> seq (u64) || hash of the SignedMessage
 *   checkpoints tree size (u64)         -> time_ms (i64) || root (32) || signed note text
 *   keys     key id (u64)               -> a data key wrapped under the hub's KEK
 *   archive  key id (u64)               -> an archived case's data key, sealed to the DPO
 *   stats    "retired"                  -> the statistics of the cases gone from the active base
 *   refs     reference key (32 bytes)   -> seq (u64) || received_ms (i64) || hash of the referral
 *   refseq   seq (u64)                  -> reference key: the one that names referral seq
 *
 * The indexes (DIR/index/data.mdb), derived from the log by the case rules, written by the same
 * batches but synced lazily (MDB_NOSYNC): a crash can tear them, so they are trusted at open
 * only when the log's marker says they were left clean (see relais_store_index_t).
 *   imeta    "id" -> the 16 bytes the marker names, "applied" -> u64 log size they reflect
 *   cases    case id (string)           -> case state (opaque bytes, the broker's cache)
 *   history  case id || 0x00 || seq     -> the case's status after that event (opaque bytes)
 *   seqcase  seq (u64)                  -> case id of the case record seq is an event of
 *   children child key (32 bytes)       -> case id of the child's open case
 *   lifecycle case id (string)          -> the case's CaseLifecycle (in clear: its tier, times, hold)
 *   blocks   blocking key (32) || case id -> the names the case was filed with (sealed)
 *   caseblocks case id || 0x00 || blocking key -> nothing: the case's blocking entries, to forget them
 *   meetings meeting id || 0x00 || seq  -> case id: record seq is that meeting's record of that case
 *   meetingseq seq (u64)                -> meeting id: the reverse, to forget it with its case
 *   contacts entry seq (u64)            -> the reception register's entry (sealed under its key)
 *   contactevents entry seq || seq      -> nothing: the entry's events (its record, updates, transfers, answers)
 *   contactseq seq (u64)                -> entry seq: the entry record seq is an event of
 *   lost, lostevents, lostseq           -> the same for the lost and found's items ("O-"/"P-<seq>")
 *   decrees  decree seq (u64)           -> the decree's index entry (in clear: a public act)
 *   decreenumbers number (string)       -> decree seq: the number is taken
 * history and seqcase are written together (relais_store_batch_case_link), so each holds
 * exactly the other's pairs.
 *
 * The index marker: state (1 byte: 0 written since, 1 clean) || the index's id (16) || the
 * index environment's last transaction id (u64) || the log size it reflects (u64). A batch that
 * follows a clean marker sets it to 0 in its log commit, which precedes its index commit.
 */
#ifndef RELAIS_STORE_H
#define RELAIS_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "relais_merkle.h"

#ifdef __cplusplus
extern "C" {
#endif

/* On-disk format this build writes and the newest it reads; and the oldest it reads (format
 * 1 had no seqcase database and empty history values; in format 2 the case index held no
 * referral entries and no followers, so that a referrer would be answered about its case
 * instead of its referral: the partner-view rule needs format 3's index; format 4 has the
 * sealed records, the wrapped data keys and message ids indexed with the hash of their
 * SignedMessage; format 5 the lifecycle index, the archive's keys and the retired cases'
 * statistics, without which a store cannot keep its retention periods; format 6 keeps the
 * derived indexes in an environment of their own; format 7 the partners' references; format
 * 8 the blocking index of likely duplicates, without which a new case is never compared with
 * the cases opened before; format 9 per-referral keys; format 10 the reception's register,
 * whose entries an older log holds in a shape the register's rules no longer read; format 11 the
 * lost and found and the decrees, for the same reason: an older log's lost-and-found records are
 * of a shape no longer read). */
#define RELAIS_STORE_FORMAT 11
#define RELAIS_STORE_FORMAT_OLDEST 11
#define RELAIS_MSG_ID_SIZE 16
#define RELAIS_CHILD_KEY_SIZE 32
#define RELAIS_CASE_ID_MAX 64 /* including the NUL */

typedef struct relais_store relais_store_t;
typedef struct relais_store_batch relais_store_batch_t;

typedef struct {
    uint64_t map_size; /* bytes the map may grow to; 0 = 4 GiB */
    int read_only;     /* nonzero: open for reading only (audit of a copy) */
} relais_store_options_t;

/* One writing process a store: the writer's head, the checkpoints it signs and the keys assume
 * no other writer, and LMDB lets two processes write one store. Takes DIR/relaisd.lock for as
 * long as *fd stays open (the kernel's lock: a process killed with SIGKILL leaves none behind);
 * the file names the holder, `who` (one word) and its pid, for the sentence another gets.
 * Readers (audit verify, snapshot) take no lock. Errors: RELAIS_E_UNAVAILABLE (another process
 * holds it: the detail names it), RELAIS_E_IO, RELAIS_E_INVALID. */
int relais_store_lock_writer(const char *dir, const char *who, int *fd);

/* Opens (creating if needed, unless read_only) the store in directory `dir`, which must
 * exist. `opts` may be NULL. On success *out is the caller's, to release with
 * relais_store_destroy(). Errors: RELAIS_E_VERSION (written by a newer format),
 * RELAIS_E_CORRUPT, RELAIS_E_IO, RELAIS_E_NOMEM, RELAIS_E_INVALID. */
int relais_store_open(const char *dir, const relais_store_options_t *opts, relais_store_t **out);

/* Closes the store and sets *self_p to NULL; safe on NULL and twice. A batch still open
 * is a programmer error. */
void relais_store_destroy(relais_store_t **self_p);

/* Number of records in the log, which is also the last sequence number (0 if empty). */
int relais_store_head(relais_store_t *self, uint64_t *size);

typedef struct {
    uint64_t records;     /* log size */
    uint64_t map_size;    /* bytes the map may grow to */
    uint64_t used_bytes;  /* bytes of the map in use (pages in use x page size) */
    uint64_t checkpoints; /* number of stored checkpoints */
} relais_store_stat_t;

int relais_store_stat(relais_store_t *self, relais_store_stat_t *out);

/* Lets go of this process's mapping of the store's pages (LMDB reads through a read-only
 * shared map of the file): they leave the process's resident set, stay in the kernel's page
 * cache, and the next read of one maps it again, unchanged. A long-running reader calls it
 * to keep its resident memory bounded whatever the store's size. Safe while other threads
 * read or a batch is open: nothing is written through the map. Errors: RELAIS_E_IO. */
int relais_store_release_mapped(relais_store_t *self);

/* Writes a copy of the store as it is now into directory `dir` (which must exist and hold no
 * store), compacted (free pages left out): the indexes first, then the log, each from one read
 * transaction, so that the log copied reaches at least as far as the indexes. Safe while a
 * broker writes to the store; the copy is a store like any other (audit, backup), whose indexes
 * are marked clean when they reflect its whole log and are rebuilt at its first writer's open
 * otherwise. Copies the LMDB data only. Errors: RELAIS_E_INVALID (`dir` already holds a store),
 * RELAIS_E_IO. */
int relais_store_copy(relais_store_t *self, const char *dir);

/* ---- The indexes' standing ------------------------------------------------------------ */

/* What the store knows of its derived indexes. A writer's open trusts them when the log's
 * marker says they were left clean (synced, nothing written since) and names this very index
 * environment (its id, its last transaction, the log size it reflects, a file as long as its
 * pages); otherwise (lost, truncated, torn by a crash, stale, another store's) it makes them
 * anew, empty, and the owner rebuilds them from the log before it appends. */
typedef struct {
    uint64_t applied; /* the log size the indexes reflect: the head when they are current */
    int trusted;      /* 1: taken as they were left; 0: made anew at this open, or (read-only) not to be read */
    char why[200];    /* when not trusted: why, for the log */
} relais_store_index_t;

int relais_store_index_state(relais_store_t *self, relais_store_index_t *out);

/* Syncs the indexes and marks them clean in the log (one synced commit), so that the next open
 * trusts them: for a writer that has nothing to do. Not while a batch is open on this thread
 * (it would wait for itself); nothing to do for indexes behind the log or already clean.
 * relais_store_destroy settles a writer's store. Errors: RELAIS_E_IO, RELAIS_E_STORE_FULL. */
int relais_store_index_settle(relais_store_t *self);

/* In a batch begun while the indexes were behind the log (its appends are refused with
 * RELAIS_E_INVALID): they reflect the log up to `applied` (after the batch's current mark, at
 * most its head) once the batch commits. The rebuild's step. */
int relais_store_batch_set_applied(relais_store_batch_t *self, uint64_t applied);

/* The log size the indexes reflect as the batch sees it, and whether it began behind the log. */
uint64_t relais_store_batch_applied(relais_store_batch_t *self, int *catching_up);

/* ---- Appending ---------------------------------------------------------------------- */

/* A verified message to append. */
typedef struct {
    const uint8_t *signed_message; /* SignedMessage bytes, stored untouched (in clear when key_id is 0) */
    size_t signed_len;
    const uint8_t *msg_id; /* RELAIS_MSG_ID_SIZE bytes, from the message's header */
    int64_t received_ms;   /* broker's receive time */
    uint64_t key_id;               /* > 0: store the record sealed under this data key instead ... */
    const uint8_t *nonce;          /* ... with this nonce (RELAIS_SEAL_NONCE_BYTES) ... */
    const uint8_t *sealed;         /* ... and this ciphertext of signed_message (with its tag) */
    size_t sealed_len;
    uint64_t copy_of;              /* a split's copy of record `copy_of` (of the same message: its
                                    * id stays the original's, and no id entry is written) */
} relais_store_entry_t;

/* What became of one entry. */
typedef struct {
    int status;                /* 0, or RELAIS_E_DUPLICATE_CONFLICT (nothing written) */
    int duplicate;             /* 1: already stored with the same bytes; seq is the original's */
    uint64_t seq;              /* sequence number given (or the original's) */
    int64_t received_ms;       /* receive time stored with it */
    relais_hash_t leaf_hash;   /* SHA-256(0x00 || LogRecord) */
} relais_store_ack_t;

/* Appends `n` entries in one write transaction, synced on commit. acks[i] tells what
 * became of entries[i] (a duplicate or a conflict does not stop the others).
 * Returns 0 when the transaction committed; on any other status nothing was written and
 * the acks mean nothing. Errors: RELAIS_E_STORE_FULL, RELAIS_E_IO, RELAIS_E_INVALID. */
int relais_store_append_batch(relais_store_t *self, const relais_store_entry_t *entries, size_t n,
                              relais_store_ack_t *acks);

/* Begins a write transaction (the broker's group commit: it reads case state, decides,
 * appends, then commits once). Blocks while another batch is open. */
int relais_store_batch_begin(relais_store_t *self, relais_store_batch_t **out);

/* Appends one entry in the batch, with the duplicate rules of relais_store_append_batch.
 * Returns 0 (see ack->status and ack->duplicate) or a store error, after which the batch
 * can only be aborted. */
int relais_store_batch_append(relais_store_batch_t *self, const relais_store_entry_t *entry,
                              relais_store_ack_t *ack);

/* Looks a message id up, seeing the batch's own appends. Fills *ack (status 0,
 * duplicate 1) or returns RELAIS_E_NOT_FOUND. */
int relais_store_batch_find_msg(relais_store_batch_t *self, const uint8_t *msg_id, relais_store_ack_t *ack);

/* Log size as the batch sees it. */
uint64_t relais_store_batch_head(relais_store_batch_t *self);

/* Case index inside a batch. _case_get copies the state into *state (caller frees) or
 * returns RELAIS_E_NOT_FOUND. _case_put replaces it. _case_link records that log record
 * `seq` (already appended: seq <= the batch's head) is an event of `case_id`: it adds seq to
 * the case's history with `status` (opaque bytes, copied; the broker keeps the case's status
 * right after the event there) and maps seq back to the case id; linking a seq a second time
 * is RELAIS_E_INVALID (an event belongs to one case). _seq_case reads that mapping as the
 * batch sees it (see relais_store_seq_case). _child_get copies the open case of a child key
 * into `case_id` (room RELAIS_CASE_ID_MAX) or returns RELAIS_E_NOT_FOUND; _child_put sets it;
 * _child_del removes it (the case closed). */
int relais_store_batch_case_get(relais_store_batch_t *self, const char *case_id, uint8_t **state, size_t *len);
int relais_store_batch_case_put(relais_store_batch_t *self, const char *case_id, const uint8_t *state, size_t len);
int relais_store_batch_case_link(relais_store_batch_t *self, const char *case_id, uint64_t seq, const uint8_t *status,
                                 size_t status_len);
int relais_store_batch_seq_case(relais_store_batch_t *self, uint64_t seq, char case_id[RELAIS_CASE_ID_MAX],
                                uint8_t **status, size_t *len);
int relais_store_batch_child_get(relais_store_batch_t *self, const uint8_t *child_key, char *case_id);
int relais_store_batch_child_put(relais_store_batch_t *self, const uint8_t *child_key, const char *case_id);
int relais_store_batch_child_del(relais_store_batch_t *self, const uint8_t *child_key);

/* A partner's own reference for a referral (`external_ref`, with its sender), kept in the log's
 * environment and so synced with it: the hub answers a referral sent again under the same
 * reference from it. The key is a keyed hash the caller makes (the store never sees the
 * reference); `content` a hash of what the referral says. Forgotten with its referral's case
 * (relais_store_batch_case_forget). */
#define RELAIS_STORE_REF_KEY_SIZE 32
typedef struct {
    uint64_t seq;                       /* the referral that first came with this reference */
    int64_t received_ms;                /* when it was received */
    uint8_t content[RELAIS_HASH_SIZE];  /* what it said */
} relais_store_ref_t;
/* RELAIS_E_NOT_FOUND when no referral came with this reference (or it was forgotten). */
int relais_store_batch_ref_get(relais_store_batch_t *self, const uint8_t key[RELAIS_STORE_REF_KEY_SIZE],
                               relais_store_ref_t *out);
/* Points the reference at `ref` (replacing an older referral's, which then keeps none). */
int relais_store_batch_ref_put(relais_store_batch_t *self, const uint8_t key[RELAIS_STORE_REF_KEY_SIZE],
                               const relais_store_ref_t *ref);

/* The likely duplicates' blocking index (derived, in the index environment): a case is filed
 * under a few blocking keys (keyed hashes the caller makes; the store never sees a name) with
 * `value` (the names to compare, sealed by the sealer as kind BLOCK under its case's key).
 * _block_put files it (replacing the same pair's value); _block_scan calls `fn` with each case
 * filed under `key` and its value as it was put, in case id order, until `fn` returns nonzero
 * (which it returns). _block_forget takes a case's entries away (it is no longer open: it
 * cannot be a candidate); they also go with their case (relais_store_batch_case_forget). */
#define RELAIS_STORE_BLOCK_KEY_SIZE 32
typedef int (*relais_store_block_fn)(void *ctx, const char *case_id, const uint8_t *value, size_t len);
int relais_store_batch_block_put(relais_store_batch_t *self, const uint8_t key[RELAIS_STORE_BLOCK_KEY_SIZE],
                                 const char *case_id, const uint8_t *value, size_t len);
int relais_store_batch_block_scan(relais_store_batch_t *self, const uint8_t key[RELAIS_STORE_BLOCK_KEY_SIZE],
                                  relais_store_block_fn fn, void *ctx);
int relais_store_batch_block_forget(relais_store_batch_t *self, const char *case_id);
/* Every entry of the committed blocking index, its value as it was put (for the audit). */
typedef int (*relais_store_block_entry_fn)(void *ctx, const uint8_t key[RELAIS_STORE_BLOCK_KEY_SIZE],
                                           const char *case_id, const uint8_t *value, size_t len);
int relais_store_block_iterate(relais_store_t *self, relais_store_block_entry_fn fn, void *ctx);

/* The partnership meetings' index (derived, in the index environment, in clear: a meeting's id
 * holds its date and a tag, nothing of a child, and a case id is an index key already): record
 * `seq` is meeting `meeting_id`'s record of case `case_id` (the record itself is sealed under
 * the case's key). _meeting_put files it; relais_store_meeting_iterate calls `fn` with every
 * entry, in meeting id order and, within a meeting, in sequence order, until `fn` returns
 * nonzero (which it returns); relais_store_meeting_records with one meeting's entries alone.
 * An entry goes with its case (relais_store_batch_case_forget). Errors: RELAIS_E_INVALID (a
 * meeting id of 0 or RELAIS_MEETING_ID_LEN bytes or more, a bad case id), the store's. */
typedef int (*relais_store_meeting_fn)(void *ctx, const char *meeting_id, uint64_t seq, const char *case_id);
int relais_store_batch_meeting_put(relais_store_batch_t *self, const char *meeting_id, uint64_t seq,
                                   const char *case_id);
int relais_store_meeting_iterate(relais_store_t *self, relais_store_meeting_fn fn, void *ctx);
int relais_store_meeting_records(relais_store_t *self, const char *meeting_id, relais_store_meeting_fn fn, void *ctx);

/* The reception desk's registers and the decrees (derived, in the index environment): each
 * entry's state under its seq (a register's sealed under the entry's key as a case's record is;
 * the decrees' in clear), and for the registers the events of each entry and the entry each
 * event belongs to. _register_get copies an entry's state into *value (caller frees) or gives
 * RELAIS_E_NOT_FOUND; _register_put replaces it; _register_link files record `seq` (appended
 * already) as an event of entry `entry_seq` (RELAIS_E_INVALID for a seq not yet appended or
 * filed a second time); _register_of reads which entry a record belongs to (RELAIS_E_NOT_FOUND:
 * none); relais_store_register_events calls `fn` with each event of an entry in log order;
 * _register_forget takes an entry and its events out of the index (the log keeps its records);
 * relais_store_register_iterate calls `fn` with each entry, newest first, from the one before
 * `before` (0: from the newest), until `fn` returns non-zero (returned). The decrees have no
 * events: link, of, events and forget refuse them (RELAIS_E_INVALID). */
typedef enum {
    RELAIS_STORE_REGISTER_CONTACTS = 1, /* the register's entries, "A-<seq>" */
    RELAIS_STORE_REGISTER_LOST = 2,     /* the lost and found's items, "O-<seq>" and "P-<seq>" */
    RELAIS_STORE_REGISTER_DECREES = 3,  /* the decrees, under their record's seq */
} relais_store_register_t;

typedef int (*relais_store_register_fn)(void *ctx, uint64_t entry_seq, const uint8_t *value, size_t len);
typedef int (*relais_store_seq_fn)(void *ctx, uint64_t seq);

int relais_store_batch_register_get(relais_store_batch_t *self, relais_store_register_t reg, uint64_t entry_seq,
                                    uint8_t **value, size_t *len);
int relais_store_batch_register_put(relais_store_batch_t *self, relais_store_register_t reg, uint64_t entry_seq,
                                    const uint8_t *value, size_t len);
int relais_store_batch_register_link(relais_store_batch_t *self, relais_store_register_t reg, uint64_t seq,
                                     uint64_t entry_seq);
int relais_store_batch_register_of(relais_store_batch_t *self, relais_store_register_t reg, uint64_t seq,
                                   uint64_t *entry_seq);
int relais_store_batch_register_forget(relais_store_batch_t *self, relais_store_register_t reg, uint64_t entry_seq);
int relais_store_register_get(relais_store_t *self, relais_store_register_t reg, uint64_t entry_seq, uint8_t **value,
                              size_t *len);
int relais_store_register_of(relais_store_t *self, relais_store_register_t reg, uint64_t seq, uint64_t *entry_seq);
int relais_store_register_events(relais_store_t *self, relais_store_register_t reg, uint64_t entry_seq,
                                 relais_store_seq_fn fn, void *ctx);
int relais_store_register_iterate(relais_store_t *self, relais_store_register_t reg, uint64_t before,
                                  relais_store_register_fn fn, void *ctx);

/* A decree's number (1 to RELAIS_DECREE_NUMBER_MAX - 1 bytes) -> its record's seq: _get gives
 * RELAIS_E_NOT_FOUND for a number no decree has; _put of a number taken fails the batch, so look
 * it up first. */
#define RELAIS_DECREE_NUMBER_MAX 64
int relais_store_batch_decree_number_get(relais_store_batch_t *self, const char *number, uint64_t *seq);
int relais_store_batch_decree_number_put(relais_store_batch_t *self, const char *number, uint64_t seq);
int relais_store_decree_number_get(relais_store_t *self, const char *number, uint64_t *seq);

/* Commits the log part with sync, then the index part, and releases the batch (*self_p = NULL,
 * also on failure). 0: the log part is on disk; should the index part fail after it (its own
 * I/O), the indexes are left behind the log (relais_store_index_state says so, and the next
 * batch begins catching up). On failure nothing of the batch is stored. Errors:
 * RELAIS_E_STORE_FULL, RELAIS_E_IO. */
int relais_store_batch_commit(relais_store_batch_t **self_p);

/* Drops everything the batch did and releases it; safe on NULL. */
void relais_store_batch_abort(relais_store_batch_t **self_p);

/* The data keys, wrapped (opaque bytes to the store): _key_put sets key `key_id` (a rotation
 * writes every key again); _key_get copies it into *wrapped (caller frees) or returns
 * RELAIS_E_NOT_FOUND. */
int relais_store_batch_key_put(relais_store_batch_t *self, uint64_t key_id, const uint8_t *wrapped, size_t len);
int relais_store_batch_key_get(relais_store_batch_t *self, uint64_t key_id, uint8_t **wrapped, size_t *len);

/* ---- Reading the log ---------------------------------------------------------------- */

/* Copies the LogRecord bytes of `seq` into *record (caller frees). Errors:
 * RELAIS_E_NOT_FOUND. */
int relais_store_get_record(relais_store_t *self, uint64_t seq, uint8_t **record, size_t *len);
/* The same, as the batch sees the log. */
int relais_store_batch_get_record(relais_store_batch_t *self, uint64_t seq, uint8_t **record, size_t *len);

/* The leaf hash of `seq` as the batch sees the log (its own appends included). Errors:
 * RELAIS_E_NOT_FOUND. */
int relais_store_batch_leaf_hash(relais_store_batch_t *self, uint64_t seq, relais_hash_t out);

/* The stored leaf hash of `seq`. Errors: RELAIS_E_NOT_FOUND. */
int relais_store_get_leaf_hash(relais_store_t *self, uint64_t seq, relais_hash_t out);

/* Looks a message id up in the committed log: fills *ack (duplicate = 1) or returns
 * RELAIS_E_NOT_FOUND. */
int relais_store_find_msg(relais_store_t *self, const uint8_t *msg_id, relais_store_ack_t *ack);

/* Called for each record; `record` is valid only during the call. Return 0 to go on,
 * anything else to stop iterating (that value is then returned by the iterator). */
typedef int (*relais_store_record_fn)(void *ctx, uint64_t seq, const uint8_t *record, size_t len,
                                      const relais_hash_t leaf_hash);

/* Calls `fn` for every record from `from_seq` to `to_seq` inclusive (0 = the head), in
 * order. Reads in bounded read transactions so that a long replay never pins old pages. */
int relais_store_iterate(relais_store_t *self, uint64_t from_seq, uint64_t to_seq, relais_store_record_fn fn,
                         void *ctx);

/* ---- The Merkle tree ---------------------------------------------------------------- */

/* Root of the tree of the first `size` records (size <= head), in O(log size) reads.
 * Errors: RELAIS_E_INVALID (size > head). */
int relais_store_root(relais_store_t *self, uint64_t size, relais_hash_t out);

/* Inclusion proof of record `seq` in the tree of `size` (0 = head). See relais_merkle.h. */
int relais_store_inclusion_proof(relais_store_t *self, uint64_t seq, uint64_t size, relais_hash_t *path,
                                 size_t *path_len);

/* Consistency proof between tree sizes old_size <= new_size <= head. */
int relais_store_consistency_proof(relais_store_t *self, uint64_t old_size, uint64_t new_size, relais_hash_t *path,
                                   size_t *path_len);

/* ---- Sealed case values --------------------------------------------------------------- */

/* Whoever holds the data keys may have the store seal what the case index keeps: a case's
 * record or a referral's entry (kind CASE, under its id), and the status after each event
 * (kind HISTORY, under case id || 0x00 || seq). Every put then stores what `seal` makes of the
 * value, and every read (gets, iterations, histories) hands out what `open` makes of what is
 * stored; the callers see the values as they were put. `batch` is the batch writing or
 * reading, NULL for a read of the committed store. Both return 0 or a status, *out malloc'd. */
typedef enum {
    RELAIS_STORE_VALUE_CASE = 1,
    RELAIS_STORE_VALUE_HISTORY = 2,
    RELAIS_STORE_VALUE_BLOCK = 3, /* under blocking key (32) || case id */
    RELAIS_STORE_VALUE_NONE = 0,    /* a public value, never sealed (the decrees') */
    RELAIS_STORE_VALUE_CONTACT = 4, /* an entry of the reception's register, under its seq (8) */
    RELAIS_STORE_VALUE_LOST = 5,    /* an item of the lost and found, under its seq (8) */
} relais_store_value_t;

typedef struct {
    int (*seal)(void *ctx, relais_store_batch_t *batch, relais_store_value_t kind, const uint8_t *key, size_t key_len,
                const uint8_t *plain, size_t len, uint8_t **out, size_t *out_len);
    int (*open)(void *ctx, relais_store_t *store, relais_store_batch_t *batch, relais_store_value_t kind,
                const uint8_t *key, size_t key_len, const uint8_t *stored, size_t len, uint8_t **out, size_t *out_len);
    void *ctx;
} relais_store_sealer_t;

/* Sets (or with NULL removes) the sealer; set it before any batch or read that should use it.
 * Not thread-safe against those. */
void relais_store_set_sealer(relais_store_t *self, const relais_store_sealer_t *sealer);

/* ---- Cases (read side) -------------------------------------------------------------- */

/* Copies a case's state into *state (caller frees). Errors: RELAIS_E_NOT_FOUND. */
int relais_store_case_get(relais_store_t *self, const char *case_id, uint8_t **state, size_t *len);

/* Called for each case, in case id order; `state` valid only during the call. Non-zero stops. */
typedef int (*relais_store_case_fn)(void *ctx, const char *case_id, const uint8_t *state, size_t len);
int relais_store_case_iterate(relais_store_t *self, relais_store_case_fn fn, void *ctx);
/* The same for the entries whose id comes after `after` in that order (all when it is "" or
 * NULL): a page that follows another. */
int relais_store_case_iterate_after(relais_store_t *self, const char *after, relais_store_case_fn fn, void *ctx);

/* Called for each event in a case's history, in sequence order, with the status blob linked
 * to it (valid only during the call). Non-zero stops and is returned. */
typedef int (*relais_store_event_fn)(void *ctx, uint64_t seq, const uint8_t *status, size_t len);
int relais_store_case_history(relais_store_t *self, const char *case_id, relais_store_event_fn fn, void *ctx);

/* The case log record `seq` is an event of: its id copied into `case_id`, and when `status`
 * is not NULL the status blob linked with it copied into *status (caller frees, never NULL
 * on success). Errors: RELAIS_E_NOT_FOUND (seq is no case's event: an access record, a
 * refused message never stored, ...), RELAIS_E_CORRUPT, RELAIS_E_INVALID. */
int relais_store_seq_case(relais_store_t *self, uint64_t seq, char case_id[RELAIS_CASE_ID_MAX], uint8_t **status,
                          size_t *len);

/* The open case of a child key, copied into `case_id` (room RELAIS_CASE_ID_MAX).
 * Errors: RELAIS_E_NOT_FOUND. */
int relais_store_child_case(relais_store_t *self, const uint8_t *child_key, char *case_id);

/* ---- Data keys (read side) ---------------------------------------------------------- */

/* Copies wrapped data key `key_id` into *wrapped (caller frees). Errors: RELAIS_E_NOT_FOUND. */
int relais_store_key_get(relais_store_t *self, uint64_t key_id, uint8_t **wrapped, size_t *len);

/* Called for each wrapped key in key id order; `wrapped` valid only during the call. Non-zero
 * stops and is returned. */
typedef int (*relais_store_key_fn)(void *ctx, uint64_t key_id, const uint8_t *wrapped, size_t len);
int relais_store_key_iterate(relais_store_t *self, relais_store_key_fn fn, void *ctx);

/* ---- Checkpoints -------------------------------------------------------------------- */

typedef struct {
    uint64_t size;                   /* tree size */
    relais_hash_t root;              /* root hash at that size */
    int64_t time_ms;                 /* when it was signed */
    char note[RELAIS_CHECKPOINT_MAX]; /* the signed note text, NUL-terminated */
} relais_store_checkpoint_t;

/* Stores a signed checkpoint. Refuses (RELAIS_E_INVALID) a size beyond the head, a root
 * that is not the store's root at that size, or a second, different checkpoint of the same
 * size: the store never keeps two checkpoints that disagree. The same checkpoint twice is 0.
 * Errors also: RELAIS_E_STORE_FULL, RELAIS_E_IO. */
int relais_store_checkpoint_put(relais_store_t *self, const relais_store_checkpoint_t *cp);

/* The checkpoint of the largest size. Errors: RELAIS_E_NOT_FOUND. */
int relais_store_checkpoint_latest(relais_store_t *self, relais_store_checkpoint_t *out);

/* The checkpoint of exactly `size` records. Errors: RELAIS_E_NOT_FOUND. */
int relais_store_checkpoint_get(relais_store_t *self, uint64_t size, relais_store_checkpoint_t *out);

/* Called for each checkpoint in size order; `cp` valid only during the call. Non-zero stops. */
typedef int (*relais_store_checkpoint_fn)(void *ctx, const relais_store_checkpoint_t *cp);
int relais_store_checkpoint_iterate(relais_store_t *self, relais_store_checkpoint_fn fn, void *ctx);

/* ---- A case's lifecycle: the lifecycle index, the archive, what is forgotten -------------- */

/* The lifecycle index (values are the caller's encoding, kept in clear). */
int relais_store_batch_lifecycle_get(relais_store_batch_t *self, const char *case_id, uint8_t **value, size_t *len);
int relais_store_batch_lifecycle_put(relais_store_batch_t *self, const char *case_id, const uint8_t *value,
                                     size_t len);
int relais_store_lifecycle_get(relais_store_t *self, const char *case_id, uint8_t **value, size_t *len);
typedef int (*relais_store_lifecycle_fn)(void *ctx, const char *case_id, const uint8_t *value, size_t len);
/* In case id order (byte order: "C-10" before "C-9"). */
int relais_store_lifecycle_iterate(relais_store_t *self, relais_store_lifecycle_fn fn, void *ctx);

/* An archived case's data key, sealed to the data protection officer. */
int relais_store_batch_archive_put(relais_store_batch_t *self, uint64_t key_id, const uint8_t *box, size_t len);
int relais_store_archive_get(relais_store_t *self, uint64_t key_id, uint8_t **box, size_t *len);
/* Every archived key, in key id order (the same callback as the data keys'). */
int relais_store_archive_iterate(relais_store_t *self, relais_store_key_fn fn, void *ctx);
/* Deleting what is not there gives RELAIS_E_NOT_FOUND and leaves the batch usable. */
int relais_store_batch_archive_del(relais_store_batch_t *self, uint64_t key_id);
int relais_store_batch_key_del(relais_store_batch_t *self, uint64_t key_id);

/* The data keys (RELAIS_STORE_KEYS_LIVE) or the archived ones (RELAIS_STORE_KEYS_ARCHIVED) whose
 * ids lie in [first, last], in id order: a case's keys are a range of ids. Read through `batch`
 * when not NULL (seeing its writes; the callback must not write), else from the committed store.
 * Non-zero from `fn` stops and is returned. */
typedef enum { RELAIS_STORE_KEYS_LIVE = 0, RELAIS_STORE_KEYS_ARCHIVED } relais_store_keys_t;
int relais_store_key_range(relais_store_t *self, relais_store_batch_t *batch, relais_store_keys_t which,
                           uint64_t first, uint64_t last, relais_store_key_fn fn, void *ctx);

/* Takes record `seq` out of its case's history (its entry and the reverse entry), as a split does
 * with the referral it moves out; relais_store_batch_case_link then files it in its new case.
 * Errors: RELAIS_E_NOT_FOUND (not linked), the store's. */
int relais_store_batch_case_unlink(relais_store_batch_t *self, uint64_t seq);

/* Forgets referral `seq`'s entry and its partner's reference, as forgetting its case would (a
 * replay that meets the copy of a referral whose new case has left the active base). Nothing to
 * forget is 0. */
int relais_store_batch_referral_forget(relais_store_batch_t *self, uint64_t seq);

/* Forgets a case from the case index: its record, the status after each of its events (with
 * the reverse entries), the entries of its referrals and its meetings' records. The log keeps
 * its records. Errors:
 * RELAIS_E_NOT_FOUND (no such case), the store's. */
int relais_store_batch_case_forget(relais_store_batch_t *self, const char *case_id);

/* Whether a rotation of the KEK is owed: a data key was destroyed (a case archived or erased,
 * a referral split out) since the last rotation, and its old bytes in free pages and earlier
 * snapshots still open with the live KEK. Set (1) in the batch that destroys the key, cleared
 * (0) by the rotation's; kept with the log, so that a hub that stops in between still rotates
 * when it starts again. */
int relais_store_batch_rotation_owed(relais_store_batch_t *self, int owed);
/* *owed gets 1 when a rotation is owed, else 0. */
int relais_store_rotation_owed(relais_store_t *self, int *owed);

/* The retired cases' statistics (opaque bytes, sealed by the caller). */
int relais_store_batch_stats_get(relais_store_batch_t *self, uint8_t **value, size_t *len);
int relais_store_batch_stats_put(relais_store_batch_t *self, const uint8_t *value, size_t len);
int relais_store_stats_get(relais_store_t *self, uint8_t **value, size_t *len);

#ifdef __cplusplus
}
#endif

#endif
