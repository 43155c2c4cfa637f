/* audit_internal.h -- what the source files of `relais audit` share (not installed).
 *
 * The pieces an audit is made of, each usable alone: the trust keys (registry plus its
 * revoked/ folder), the check of one record, the streaming Merkle root, the progress bar
 * and the few encoders the JSON output needs.
 */
#ifndef RELAIS_AUDIT_INTERNAL_H
#define RELAIS_AUDIT_INTERNAL_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "audit_json_internal.h"
#include "relais_audit.h"
#include "relais_certs.h"
#include "relais_keys.h"
#include "relais_merkle.h"
#include "relais_page.h"
#include "relais_proto.h"

/* ---- Subcommands (audit.c dispatches to them) ----------------------------------------- */

int relais_audit_cmd_verify(int argc, char **argv);
int relais_audit_cmd_export(int argc, char **argv);
int relais_audit_cmd_prove(int argc, char **argv);
int relais_audit_cmd_check_proof(int argc, char **argv);
int relais_audit_cmd_checkpoint(int argc, char **argv);
int relais_audit_cmd_snapshot(int argc, char **argv);
int relais_audit_cmd_consistency(int argc, char **argv);
int relais_audit_cmd_check_consistency(int argc, char **argv);

/* Online modes (audit_online.c), over the shared connection flags. */
int relais_audit_online_verify(relais_cli_conn_t *conn, const char *certs_dir, int quiet);
int relais_audit_online_prove(relais_cli_conn_t *conn, uint64_t seq, uint64_t size, const char *save);
int relais_audit_online_checkpoint(relais_cli_conn_t *conn, uint64_t size);
/* The consistency proof from old_size to new_size (0: the log's size now), its roots and the
 * hub's signed notes of those sizes when it has them, checked, then printed. */
int relais_audit_online_consistency(relais_cli_conn_t *conn, uint64_t old_size, uint64_t new_size);

int relais_audit_cmd_watch(int argc, char **argv);

/* A connection to the broker and the certificate whose key signs its checkpoints. */
typedef struct {
    relais_client_t *client; /* the connection */
    relais_peer_t broker;    /* --server-cert */
} relais_audit_remote_t;

/* Connects with the shared flags (or the environment). 0, or the exit status after saying why. */
int relais_audit_remote_connect(relais_cli_conn_t *conn, relais_audit_remote_t *r);
/* The broker's checkpoint of `size` (0: its latest, with its witnesses' cosignatures), its note
 * verified with the server certificate's key and copied into `note` (room `cap`: RELAIS_NOTE_MAX
 * for a latest one) unless NULL; *cosigned, unless NULL, gets what the hub says of its witnesses.
 * A note longer than `cap` is refused (RELAIS_E_MALFORMED), never cut. */
typedef struct {
    uint32_t witnesses;     /* the witnesses the hub was given */
    int64_t cosigned_ms;    /* when it got its newest cosignature (its clock), 0: none */
    uint64_t cosigned_size; /* of what size */
} relais_audit_cosigned_t;
int relais_audit_remote_checkpoint(relais_audit_remote_t *r, uint64_t size, relais_checkpoint_t *cp, char *note,
                                   size_t cap, relais_audit_cosigned_t *cosigned, relais_error_t *err);
/* The exit status of a failed online request: the broker's refusals as every command
 * reports them; a proof or note that fails to verify is a finding of ours. */
int relais_audit_remote_status(const char *what, int rc, const relais_error_t *err);

/* Usage of all the audit subcommands, for --help and usage errors. */
void relais_audit_usage(FILE *out);

/* One proof as one compact JSON line on stdout (relais_audit_proof_json and the like), which
 * it steals. Errors: RELAIS_E_NOMEM (`json` NULL), RELAIS_E_IO (stdout refused it). */
int relais_audit_print_json(json_t *json);

/* Reads a proof file (`-`: standard input) of at most RELAIS_AUDIT_PROOF_FILE_MAX bytes into
 * *text (caller frees). Errors: those of relais_cli_read_file. */
int relais_audit_read_proof_file(const char *path, char **text, size_t *len);

/* Reads a checkpoint note file into `note` (room RELAIS_NOTE_MAX: a note kept with its
 * cosignatures): its text, not yet checked. Errors: RELAIS_E_IO (it does not read),
 * RELAIS_E_MALFORMED (too long, or a NUL). */
int relais_audit_read_note(const char *path, char *note);

/* Writes the signed note a proof leads to into `path` (prove --save-checkpoint), so that the
 * proof and its checkpoint travel together even while the log grows. Errors:
 * RELAIS_E_NOT_FOUND (`note` empty: no checkpoint of that size), RELAIS_E_IO. */
int relais_audit_save_note(const char *path, const char *note);

/* ---- Trust keys ----------------------------------------------------------------------- */

/* The signing keys a log is checked against. A partner whose certificate was moved to the
 * registry's revoked/ folder may no longer connect, but what it signed before stays
 * verifiable: the audit looks there too. */
typedef struct {
    relais_registry_t *current; /* DIR */
    relais_registry_t *revoked; /* DIR/revoked, NULL when there is no such folder */
    relais_keyring_t *ring;     /* the store's data keys (audit --data-key), or NULL: sealed
                                 * records are then checked as stored, not opened */
    relais_store_t *store;      /* where `ring` finds the wrapped keys */
} relais_audit_keys_t;

/* Loads DIR and DIR/revoked. Errors: those of relais_registry_load. Release with
 * relais_audit_keys_clear() (also after a failure). */
int relais_audit_keys_load(const char *dir, relais_audit_keys_t *keys);
void relais_audit_keys_clear(relais_audit_keys_t *keys);

/* With `data_key` (a KEK file; NULL: none), unwraps `store`'s keys into keys->ring and has the
 * store open its sealed case index, checking at once that the KEK opens the store's keys; keys
 * (loaded first) gets the store either way. Release with relais_audit_close_keys(). Errors:
 * those of relais_kek_load, RELAIS_E_CRYPTO (another hub's KEK, or another generation). */
int relais_audit_open_keys(relais_store_t *store, const char *data_key, relais_kek_t **kek, relais_audit_keys_t *keys);
void relais_audit_close_keys(relais_kek_t **kek, relais_audit_keys_t *keys);

/* The certificate named `name`, current first; NULL when neither folder has it. */
const relais_peer_t *relais_audit_keys_find(const relais_audit_keys_t *keys, const char *name);

/* The broker's certificate: `name` when given, else the one certificate of role broker.
 * Returns NULL and writes why into `why` (room `cap`) when there is none or several. */
const relais_peer_t *relais_audit_keys_broker(const relais_audit_keys_t *keys, const char *name, char *why,
                                              size_t cap);

/* ---- One record ----------------------------------------------------------------------- */

/* What the check of one record found. */
typedef struct {
    int status;                          /* 0, or the RELAIS_E_* code of the first problem */
    char problem[256];                   /* that problem in one sentence, empty when none */
    relais_hash_t leaf;                  /* SHA-256(0x00 || record), recomputed */
    uint8_t msg_id[RELAIS_MSG_ID_BYTES]; /* from the message header */
    char sender[RELAIS_IDENT_NAME_MAX];  /* from the message header */
    int64_t received_ms;                 /* from the LogRecord */
    relais_message_t *msg;               /* the decoded message, kept only when asked (the pool's
                                          * keep_messages) and only when status is 0; NULL else */
    int sealed;                          /* sealed and not opened (no data key): its leaf is
                                          * checked, not its message; msg_id and sender are empty */
    int gone;                            /* sealed, and its data key is no longer in the store: its
                                          * case left the active base (the replay checks that it did) */
    uint64_t key_id;                     /* a sealed record's data key */
    uint64_t copy_of;                    /* a split's copy of that record (LogRecord.copy_of), or 0 */
} relais_audit_verdict_t;

/* Checks one LogRecord on its own: canonical decoding, its sequence number is `seq`, its
 * leaf hash equals `stored_leaf` (skipped when NULL), the envelope and message decode,
 * the sender is known and its Ed25519 signature verifies. A sealed record is opened with
 * keys->ring first (it must open); without a ring its check ends at the leaf (out->sealed).
 * Reads no state shared between records and writes only *out, so that a pool of workers may
 * call it in parallel. Returns out->status. */
int relais_audit_check_record(const relais_audit_keys_t *keys, uint64_t seq, const uint8_t *record, size_t len,
                              const uint8_t *stored_leaf, relais_audit_verdict_t *out);

/* The same check, but a record that passes keeps its decoded message in out->msg, the
 * caller's to release with relais_message_destroy(), so that what needs the message next
 * (the case replay) does not decode it again. */
int relais_audit_check_record_keep(const relais_audit_keys_t *keys, uint64_t seq, const uint8_t *record, size_t len,
                                   const uint8_t *stored_leaf, relais_audit_verdict_t *out);

/* A record the hub opened for its reader (online, from a sealed store): its message checked as
 * above (and kept, like relais_audit_check_record_keep), and out->leaf is `leaf`, the stored
 * leaf's hash the hub sent with it. */
int relais_audit_check_opened(const relais_audit_keys_t *keys, uint64_t seq, const uint8_t *record, size_t len,
                              const relais_hash_t leaf, relais_audit_verdict_t *out);

/* ---- Checking records on worker threads (audit_pool.c) ---------------------------------- */

/* Signature checks are nearly all of an audit's work and each record's check stands alone,
 * so a pool of workers runs relais_audit_check_record while the caller's thread reads the
 * store. The caller adds records in log order; the pool copies them into a bounded ring of
 * chunks (memory does not grow with the log) and hands every verdict back on the caller's
 * thread, in the order added, so that what must be sequential (Merkle tree, message id
 * index, checkpoints) stays there and the first problem found is the first in the log. */
typedef struct relais_audit_pool relais_audit_pool_t;

/* Where verdicts go. Both run on the caller's thread, inside add, checkpoint or flush;
 * a nonzero return stops the pool: what is still queued is dropped, and add, checkpoint
 * and flush return that value from then on. */
typedef struct {
    int (*record)(void *ctx, uint64_t seq, const relais_audit_verdict_t *verdict); /* one record */
    int (*checkpoint)(void *ctx, const relais_checkpoint_t *cp); /* the records before it are back */
    void *ctx;                                                   /* passed to both */
    int keep_messages; /* verdicts carry their decoded message (verdict->msg), valid during `record`
                        * only: the workers decode each message once, for the signature and the
                        * in-order steps that need it; the pool releases it after */
} relais_audit_pool_sink_t;

/* Most workers a pool runs (--jobs). */
#define RELAIS_AUDIT_MAX_JOBS 256

/* A pass over the whole log (verify, export) reads it once, front to back, through the
 * store's map: the pages behind it are not read again, so the pass lets go of them every
 * this many records (relais_store_release_mapped) and its resident memory stays the same for
 * a log of ten years as for a day's. */
#define RELAIS_AUDIT_RELEASE_EVERY 16384

/* Online cores, at least 1 and at most RELAIS_AUDIT_MAX_JOBS: the default for --jobs. */
unsigned relais_audit_pool_default_jobs(void);

/* Starts `jobs` worker threads (1..RELAIS_AUDIT_MAX_JOBS) that check records against `keys`, which must
 * outlive the pool. On success *out is the caller's, to release with
 * relais_audit_pool_destroy(). Errors: RELAIS_E_INVALID, RELAIS_E_NOMEM. */
int relais_audit_pool_new(const relais_audit_keys_t *keys, unsigned jobs, const relais_audit_pool_sink_t *sink,
                          relais_audit_pool_t **out);

/* Stops and joins the workers, frees the pool and sets *self_p to NULL; safe on NULL and
 * twice. Verdicts not yet handed back are dropped. */
void relais_audit_pool_destroy(relais_audit_pool_t **self_p);

/* Copies record `seq` (the store's pointer need only be valid during the call) and queues
 * it; while the ring is full, first hands back the oldest chunk's verdicts. Returns 0,
 * what the sink stopped with, or RELAIS_E_NOMEM. */
int relais_audit_pool_add(relais_audit_pool_t *self, uint64_t seq, const uint8_t *record, size_t len,
                          const relais_hash_t stored_leaf);

/* Queues `cp`, handed back after the verdicts of every record added before it. Returns 0
 * or what the sink stopped with. */
int relais_audit_pool_checkpoint(relais_audit_pool_t *self, const relais_checkpoint_t *cp);

/* Hands back everything queued and waits until the workers hold nothing. Returns 0 or
 * what the sink stopped with. */
int relais_audit_pool_flush(relais_audit_pool_t *self);

/* ---- The streaming Merkle root ---------------------------------------------------------- */

/* The roots of a growing tree in O(log n) memory: one hash per perfect subtree of the
 * leaves seen so far (the set bits of their count), largest first. */
typedef struct {
    relais_hash_t stack[RELAIS_MERKLE_MAX_PATH]; /* perfect subtree hashes, left to right */
    unsigned depth;                              /* hashes on the stack */
    uint64_t size;                               /* leaves pushed */
} relais_audit_tree_t;

void relais_audit_tree_init(relais_audit_tree_t *tree);
void relais_audit_tree_push(relais_audit_tree_t *tree, const relais_hash_t leaf);
/* RFC 9162 MTH of the leaves pushed so far (the empty root when none). */
void relais_audit_tree_root(const relais_audit_tree_t *tree, relais_hash_t out);

/* ---- How a verification went ------------------------------------------------------------ */

/* Who opened the sealed records an audit checked. */
#define RELAIS_AUDIT_KEYED_OFFLINE 1 /* the auditor, with --data-key */
#define RELAIS_AUDIT_KEYED_BY_HUB 2  /* the hub, online, for its auditor (every read logged) */

/* What verify found, offline or online; what its report prints. */
typedef struct {
    relais_audit_tree_t tree; /* roots of the records verified so far; tree.size of them */
    uint64_t head;            /* records the log had when verification began */
    uint64_t signatures;      /* records whose signature verified */
    uint64_t checkpoints;     /* checkpoints verified */
    int have_cp;              /* a checkpoint was verified: cp_* are set */
    uint64_t cp_size;         /* size of the last verified checkpoint */
    relais_hash_t cp_root;    /* its root */
    char origin[256];         /* its origin line */
    uint64_t sealed;          /* sealed records checked as stored only (no data key) */
    uint64_t gone;            /* sealed records whose key is gone (archived or erased cases) */
    uint64_t withheld;        /* online, of those: the reception's register's, not this reader's to read */
    uint64_t erased;          /* the hub's records of an erasure seen */
    char erasures[1024];      /* the first of them, one "C-3 by record 57" a line */
    int keyed;                /* sealed records were opened: RELAIS_AUDIT_KEYED_* */
    int cases_checked;        /* the case index was rebuilt from the log and found equal */
    int index_not_compared;   /* the cases were replayed, but the store's indexes could not be read */
    char index_why[200];      /* why */
    uint64_t cases;           /* how many cases that was */
    int status;               /* first problem's code, 0 while none */
    char where[64];           /* where it is: "seq 12", "checkpoint of size 100" */
    char problem[512];        /* what it is */
} relais_audit_outcome_t;

/* Records the first problem (later ones are ignored); returns RELAIS_AUDIT_STOP, positive so
 * that an iteration callback can return it and it is never mistaken for a status. */
#define RELAIS_AUDIT_STOP 1
int relais_audit_fail(relais_audit_outcome_t *o, int status, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The case replay (audit_cases.c): rebuilds every case from the log's records with the
 * broker's own rules (the hub secret is STORE_DIR/hub-child-key.secret, or for a sealed store
 * the one it keeps wrapped, opened with `ring`, whose sealer the store must have) and compares the
 * store's case index with it, event by event and case by case. It is fed in the same pass
 * as the signatures, from the pool's in-order verdicts, so that no message is read or
 * decoded twice. Its findings count only when the records verified: a replay problem is
 * held back and reported by relais_audit_cases_end() only if `o` holds none. */
struct relais_store;
typedef struct relais_audit_cases relais_audit_cases_t;

/* Starts a replay of `store` (which must outlive it). A missing secret is held back like a
 * finding. Returns NULL only when out of memory. */
relais_audit_cases_t *relais_audit_cases_begin(struct relais_store *store, const char *store_dir,
                                               relais_keyring_t *ring);

/* Applies record `seq` (its message and received time, in log order, every record from 1
 * on) to the replay and checks its entry in the index. Nothing once a problem was found. */
void relais_audit_cases_record(relais_audit_cases_t *c, uint64_t seq, int64_t received_ms, uint64_t copy_of,
                               const relais_message_t *msg);

/* Record `seq` cannot be opened: its data key `key_id` is gone from the store. It is an event
 * of the case its key names all the same (its last contact), and the log must archive that
 * case, or have split the referral it holds out of it (relais_cases_decide_gone). */
void relais_audit_cases_gone(relais_audit_cases_t *c, uint64_t seq, int64_t received_ms, uint64_t key_id,
                             uint64_t copy_of);

/* Notes the hub's erasure records for the report (any audit, keyed or not). */
void relais_audit_note_privacy(relais_audit_outcome_t *o, uint64_t seq, const relais_message_t *msg);

/* Unless `o` already holds a problem: records the replay's first difference in `o`, naming
 * the case, or compares the whole index with the replay; on success sets o->cases_checked
 * and o->cases. Frees `c` (safe on NULL: out of memory). Returns 0 or RELAIS_AUDIT_STOP. */
int relais_audit_cases_end(relais_audit_cases_t *c, relais_audit_outcome_t *o);

/* The problem (stderr) and, unless quiet, the summary (stdout). */
void relais_audit_report(const relais_audit_outcome_t *o, int quiet);

/* The exit status for a problem: a finding about the log is 1, a local failure 2. */
int relais_audit_exit_status(int status);

/* ---- Progress on a terminal ----------------------------------------------------------- */

typedef struct {
    int enabled;           /* stderr is a terminal and --quiet was not given */
    uint64_t total;        /* records to go through */
    uint64_t done;         /* records gone through */
    struct timespec start; /* when the work began */
    struct timespec shown; /* when the bar was last drawn */
} relais_audit_progress_t;

void relais_audit_progress_init(relais_audit_progress_t *p, uint64_t total, int quiet);
/* Counts one record; redraws at most about ten times a second. */
void relais_audit_progress_step(relais_audit_progress_t *p);
/* Draws the final state and ends the line. */
void relais_audit_progress_end(relais_audit_progress_t *p);

/* ---- Encoding --------------------------------------------------------------------------- */

/* Hex of at most RELAIS_HASH_SIZE bytes as a JSON string; NULL when out of memory or longer. */
json_t *relais_audit_json_hex(const uint8_t *in, size_t len);

#endif
