/* spool_internal.h -- librelais's durable outbox: SignedMessage bytes kept in LMDB until the broker answers.
 *
 * Internal to librelais (client.c) and its tests; partners use relais_client_enqueue_*.
 *
 * Layout: an LMDB environment in the spool folder, synced on every commit (a message
 * accepted into the spool survives a crash of the agent or the machine):
 *   messages  key (u64, big-endian, increasing) -> the SignedMessage bytes, untouched
 *   tags      key (u64, big-endian)             -> caller's tag text (optional)
 *   times     key (u64, big-endian)             -> when it was spooled (ms, u64 big-endian)
 *   outcomes  message id (16 bytes)             -> the hub's final answer to a message that left
 *                                                  the spool (relais_spool_settle), the newest
 *                                                  RELAIS_SPOOL_OUTCOMES kept
 * Keys grow from the largest present, so spool order is submission order. A message and its
 * outcome change in one transaction: it is waiting or settled, never both, never neither.
 */
#ifndef RELAIS_SPOOL_INTERNAL_H
#define RELAIS_SPOOL_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "relais_client.h"

typedef struct relais_spool relais_spool_t;

/* One spooled message, copied out of LMDB; release with relais_spool_entry_clear(). */
typedef struct {
    uint64_t key;   /* position in the spool, from 1 */
    uint8_t *bytes; /* SignedMessage bytes (owned) */
    size_t len;
    char *tag;      /* owned; NULL when none was given */
    int64_t spooled_ms; /* when it was spooled (wall clock); 0 for a spool of an older librelais */
} relais_spool_entry_t;

/* What the hub finally said of a message that left the spool (relais_client.h's relais_sent_outcome_t),
 * the newest RELAIS_SPOOL_OUTCOMES kept. */
#define RELAIS_SPOOL_OUTCOMES 1000
typedef relais_sent_outcome_t relais_spool_outcome_t;

/* Opens the spool in `dir`, creating the folder (0700) and the environment when missing.
 * `map_size` bounds the spool's size (0: 64 MiB).
 * Errors: RELAIS_E_IO (folder or LMDB), RELAIS_E_NOMEM. */
int relais_spool_open(const char *dir, size_t map_size, relais_spool_t **out);

/* Closes the spool; *self_p becomes NULL; safe on NULL and twice. */
void relais_spool_close(relais_spool_t **self_p);

/* Appends a message (and its optional tag) and syncs before returning; *key (may be NULL)
 * gets its position. Errors: RELAIS_E_INVALID (empty), RELAIS_E_STORE_FULL (map full),
 * RELAIS_E_IO. */
int relais_spool_put(relais_spool_t *self, const uint8_t *bytes, size_t len, const char *tag, uint64_t *key);

/* The first message whose key is greater than `after` (0: the oldest). Returns 0 with *out
 * filled (caller clears), RELAIS_E_NOT_FOUND when there is none, or RELAIS_E_IO / NOMEM. */
int relais_spool_next(relais_spool_t *self, uint64_t after, relais_spool_entry_t *out);

/* Removes a message (and its tag) and syncs. Removing a key that is not there is not an
 * error, so that two agents flushing one spool both succeed. Errors: RELAIS_E_IO. */
int relais_spool_remove(relais_spool_t *self, uint64_t key);

/* Removes message `key` and records its outcome, in one synced transaction; the oldest outcomes
 * beyond RELAIS_SPOOL_OUTCOMES go. A key no longer there (another agent settled it) records
 * nothing. Errors: RELAIS_E_IO, RELAIS_E_STORE_FULL. */
int relais_spool_settle(relais_spool_t *self, uint64_t key, const relais_spool_outcome_t *outcome);

/* The outcome recorded for message `msg_id`: 0, RELAIS_E_NOT_FOUND, RELAIS_E_IO, RELAIS_E_CORRUPT. */
int relais_spool_outcome(relais_spool_t *self, const uint8_t msg_id[16], relais_spool_outcome_t *out);

/* Every outcome kept, newest first: *out (caller frees) and *count. Errors: RELAIS_E_IO,
 * RELAIS_E_NOMEM, RELAIS_E_CORRUPT. */
int relais_spool_outcomes(relais_spool_t *self, relais_spool_outcome_t **out, size_t *count);

/* Number of messages waiting, or a negative code. */
int64_t relais_spool_count(relais_spool_t *self);

/* Looks for a message carrying `tag`: 0 with *key set, RELAIS_E_NOT_FOUND, or RELAIS_E_IO. */
int relais_spool_find_tag(relais_spool_t *self, const char *tag, uint64_t *key);

/* Frees what an entry owns and zeroes it. */
void relais_spool_entry_clear(relais_spool_entry_t *entry);

#endif
