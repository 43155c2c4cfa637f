/* relais_reception.h -- the Tranquillité urbaine reception desk's register: its rules and its index.
 *
 * Every solicitation of the reception (a call, a visit, a letter, an e-mail, a form) is an entry
 * of the register, "A-<seq>", opened by its ContactLog record. What follows it is an event of the
 * entry: the desk's updates (ContactUpdate: a note, a correction, an acknowledgement, the
 * closing), its transfers (Transfer, "T-<seq>") and a hub recipient's answer (TransferAnswer).
 * The rules here decide each of them against the entry as the index holds it, and the index is
 * derived from the log: replaying the log's reception records in order rebuilds it exactly.
 *
 * Who may send what is the broker's to check (docs/reception.md, "Who does what"): the reception
 * desk records, updates and transfers; the recipient a transfer names in the hub answers it.
 */
#ifndef RELAIS_RECEPTION_H
#define RELAIS_RECEPTION_H

#include <stddef.h>
#include <stdint.h>

#include "relais_proto.h"
#include "relais_store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How long an entry stays in each tier (docs/reception.md, "Retention"): in the active base
 * until a year after its last event (its follow-up, its due date, the two months in which a
 * decision may be challenged, a solicitation that comes back with the seasons), then in the
 * intermediate archive for the four years in which a claim against the commune is barred (loi
 * n° 68-1250, art. 1, counted from the 1 January after the facts), then erased. Its lifecycle is
 * the store's lifecycle index's entry under its handle, "A-<seq>", moved by the same sweep as a
 * case's. */
#define RELAIS_RECEPTION_ACTIVE_DAYS_DEFAULT 365
#define RELAIS_RECEPTION_ARCHIVE_DAYS_DEFAULT 1826

/* What a reception record does to the register. */
typedef struct {
    int status;                  /* 0, or the refusal: RELAIS_E_BAD_TRANSITION, RELAIS_E_FORBIDDEN, RELAIS_E_MALFORMED */
    char why[256];               /* its sentence */
    uint64_t entry_seq;          /* the entry the record belongs to (itself for a new entry) */
    relais_contact_record_t rec; /* the entry after the record */
} relais_reception_step_t;

/* Decides reception record `msg` (a ContactLog, ContactUpdate, Transfer or TransferAnswer),
 * to be stored as record `seq` received at `received_ms`, against `entry`: the entry it names as
 * the index holds it (NULL for a new entry, or when the index has none: an update of an entry
 * that does not exist is refused). For an answer, `entry` is the entry of the transfer it names.
 * Fills *out (out->status says whether it is accepted); `entry` must not be &out->rec. Errors (not
 * refusals): RELAIS_E_INVALID (not a reception record). */
int relais_reception_decide(const relais_contact_record_t *entry, const relais_message_t *msg, uint64_t seq,
                            int64_t received_ms, relais_reception_step_t *out);

/* The same over an open batch: reads the entry the record names from the batch's index. Returns 0
 * or a store status. */
int relais_reception_batch_decide(relais_store_batch_t *batch, const relais_message_t *msg, uint64_t seq,
                                  int64_t received_ms, relais_reception_step_t *out);

/* Writes an accepted step into the batch once its record `seq` is appended: the entry's state and
 * the record's link to it. */
int relais_reception_batch_record(relais_store_batch_t *batch, const relais_reception_step_t *step, uint64_t seq);

/* A record whose key is gone, as the index's rebuild meets it (relais_cases_index_catch_up's
 * `other.gone`): 1 when it was an entry's (its lifecycle touched), 0 when it is a case's, or a
 * status. */
int relais_reception_fold_gone(relais_store_batch_t *batch, uint64_t key_id, uint64_t seq, int64_t received_ms);

/* Folds a reception record of the log into the index as the writer did when it stored it (the
 * index's rebuild: relais_cases_index_catch_up's `other`). A record the rules refuse cannot have
 * been stored: RELAIS_E_CORRUPT. Other payloads are left alone (0). */
int relais_reception_fold(relais_store_batch_t *batch, const relais_message_t *msg, uint64_t seq, int64_t received_ms);

/* The entry `entry_seq` of the committed index. Errors: RELAIS_E_NOT_FOUND, RELAIS_E_CORRUPT (it
 * does not decode), the store's. */
int relais_reception_load(relais_store_t *store, uint64_t entry_seq, relais_contact_record_t *out);

/* Whether an entry is still to be dealt with: to follow up, or transferred. */
int relais_reception_is_open(const relais_contact_record_t *rec);

/* The end of an ISO date's day in local time (TZ), in milliseconds; 0 when `date` is none. */
int64_t relais_reception_day_end_ms(const char *date);

/* Whether an open entry is past the end of its response due date at `now_ms` (local time). */
int relais_reception_overdue(const relais_contact_record_t *rec, int64_t now_ms);

/* Whether a written request was answered within its due date: closed no later than the end of
 * that day. */
int relais_reception_in_time(const relais_contact_record_t *rec);

/* The transfer "T-<transfer_seq>" of an entry, or NULL. */
const relais_transfer_state_t *relais_reception_transfer(const relais_contact_record_t *rec, uint64_t transfer_seq);

/* Whether identity `reader` received entry `rec` by a transfer (a hub recipient). */
int relais_reception_transferred_to(const relais_contact_record_t *rec, const char *reader);

/* Text compared as the desk's search compares it: case and accents folded, runs of spaces,
 * hyphens and apostrophes as one space. Writes into `out` (room `cap`); returns it. */
char *relais_reception_fold_text(const char *text, char *out, size_t cap);

/* Whether `rec` matches list filter `req` (RELAIS_REQ_RECEPTION_LIST's: category, street and
 * search folded, the period of the solicitation, open and overdue ones only, those awaiting an
 * answer from the hub, those whose last transfer was declined, the written requests not yet
 * acknowledged) at `now_ms`. A recipient's list is matched on its own transfers only.
 * `search` and `street` are the request's, folded already (relais_reception_fold_text). */
int relais_reception_matches(const relais_contact_record_t *rec, const relais_request_t *req, const char *search,
                             const char *street, int64_t now_ms);

#ifdef __cplusplus
}
#endif

#endif
