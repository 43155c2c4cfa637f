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
 * `other.gone`): 1 when it was an entry's or an item's (its lifecycle touched), 0 when it is a
 * case's, or a status. */
int relais_reception_fold_gone(relais_store_batch_t *batch, uint64_t key_id, uint64_t seq, int64_t received_ms);

/* Folds a reception record of the log (the register's, the lost and found's, a decree) into the
 * index as the writer did when it stored it (the index's rebuild: relais_cases_index_catch_up's
 * `other`). A record the rules refuse cannot have
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

/* ---- The lost and found (lost.c) ------------------------------------------------------------
 *
 * A found item "O-<seq>" is KEPT until it is returned to its owner (RETURNED, closing the
 * owner's declaration "P-<seq>" if one is named: RECOVERED) or its keeping ends (ENDED, with its
 * outcome: to its finder, handed over, destroyed); a declaration is SOUGHT until a return answers
 * it or the desk withdraws it (WITHDRAWN). Each is sealed under its own record's key part
 * RELAIS_KEY_ID_PART_FOUND or _LOSS, and its lifecycle is the lifecycle index's entry under its
 * handle, touched by each of its records: its active period counts from its last event, and for
 * an item still kept from the end of its keeping at the earliest (relais_lost_active_from, which
 * the sweep applies). Retention (docs/reception.md): active a year after that, then
 * archived for the three years in which an owner may claim a lost thing back (Code civil,
 * art. 2276), then erased. */
#define RELAIS_LOST_KEEP_DAYS_DEFAULT 366 /* "a year and a day" */
#define RELAIS_LOST_ACTIVE_DAYS_DEFAULT 365
#define RELAIS_LOST_ARCHIVE_DAYS_DEFAULT 1096

typedef struct {
    int status;                  /* 0, or the refusal (RELAIS_E_BAD_TRANSITION) */
    char why[256];
    uint64_t item_seq;           /* the item the record belongs to (itself for a new one) */
    relais_lost_record_t rec;    /* the item after the record */
    int has_other;               /* a return closed this declaration too */
    relais_lost_record_t other;
} relais_lost_step_t;

/* Decides lost-and-found record `msg` (stored as `seq` at `received_ms`) against `item`, the item
 * it names (NULL for a new one, or none: refused), and for a return `declaration`, the declaration
 * it names (NULL when none or unknown: refused if named). Fills *out. Errors: RELAIS_E_INVALID. */
int relais_lost_decide(const relais_lost_record_t *item, const relais_lost_record_t *declaration,
                       const relais_message_t *msg, uint64_t seq, int64_t received_ms, relais_lost_step_t *out);
/* The same over an open batch, and the accepted step written into it once `seq` is appended. */
int relais_lost_batch_decide(relais_store_batch_t *batch, const relais_message_t *msg, uint64_t seq,
                             int64_t received_ms, relais_lost_step_t *out);
int relais_lost_batch_record(relais_store_batch_t *batch, const relais_lost_step_t *step, uint64_t seq);
/* The index's rebuild: a record folded as the writer stored it (RELAIS_E_CORRUPT if refused), and
 * one whose key is gone (1 when it was an item's, 0 when not, or a status). */
int relais_lost_fold(relais_store_batch_t *batch, const relais_message_t *msg, uint64_t seq, int64_t received_ms);
int relais_lost_fold_gone(relais_store_batch_t *batch, uint64_t key_id, uint64_t seq, int64_t received_ms);
/* Item `seq` of the committed index. Errors: RELAIS_E_NOT_FOUND, RELAIS_E_CORRUPT, the store's. */
int relais_lost_load(relais_store_t *store, uint64_t seq, relais_lost_record_t *out);
/* The key the item's records are sealed under. */
uint64_t relais_lost_key_id(const relais_lost_record_t *rec);
/* KEPT or SOUGHT. */
int relais_lost_is_open(const relais_lost_record_t *rec);
/* When the item's active period starts, its last event at `last_event_ms`: then, or the end of its
 * keeping while it is kept. */
int64_t relais_lost_active_from(const relais_lost_record_t *rec, int64_t last_event_ms);
/* A found item still kept after the end of its keep_until day (local time) at `now_ms`. */
int relais_lost_keeping_over(const relais_lost_record_t *rec, int64_t now_ms);
/* How likely a found item and a declared loss are one thing, 0-100, and why (RELAIS_MATCH_*
 * bits): the category (a different one rules it out, but OTHER), the dates (found before it was
 * lost rules it out; within a week of the loss counts most), the street, words of the place and
 * words of the description, compared folded. 0 for two items of the same kind. */
unsigned relais_lost_match_score(const relais_lost_record_t *a, const relais_lost_record_t *b, unsigned *reasons);
/* Whether `rec` passes RELAIS_REQ_LOST_LIST's filters at `now_ms`; `search` folded already. */
int relais_lost_matches(const relais_lost_record_t *rec, const relais_request_t *req, const char *search,
                        int64_t now_ms);

/* A range of house numbers as the desk types it: "15" (that number), "2-40", "100-" (to the
 * street's end), "-20" (from its start); numbers 1 to 99999. Writes from and to (0 for an open
 * end). Errors: RELAIS_E_INVALID with a sentence. */
int relais_decree_numbers_parse(const char *text, uint32_t *from, uint32_t *to);

/* ---- The decrees (decree.c) -----------------------------------------------------------------
 *
 * A decree is published once under its number; one that repeals others ends them the day it takes
 * effect. Its index entry is in clear and is never forgotten: public acts stay. */
typedef struct {
    int status;
    char why[256];
    relais_decree_record_t rec;
    relais_decree_record_t repealed[RELAIS_MAX_REPEALS]; /* the decrees it repeals, after it */
    size_t repealed_count;
} relais_decree_step_t;

/* Decides a Decree record over an open batch: its number unused, what it repeals published and
 * in force. Fills *out (heap-allocate it: it is large). Errors: RELAIS_E_INVALID, the store's. */
int relais_decree_batch_decide(relais_store_batch_t *batch, const relais_message_t *msg, uint64_t seq,
                               int64_t received_ms, relais_decree_step_t *out);
int relais_decree_batch_record(relais_store_batch_t *batch, const relais_decree_step_t *step);
int relais_decree_fold(relais_store_batch_t *batch, const relais_message_t *msg, uint64_t seq, int64_t received_ms);
/* The decree numbered `number`. Errors: RELAIS_E_NOT_FOUND, RELAIS_E_CORRUPT, the store's. */
int relais_decree_load(relais_store_t *store, const char *number, relais_decree_record_t *out);
/* Whether a decree applies on ISO date `date` (from its first day to its last, until a repeal
 * takes effect). */
int relais_decree_in_force_on(const relais_decree_record_t *rec, const char *date);
/* Whether it applies at a place: town-wide, or a place of the street (folded) that holds the house
 * number (its leading digits, on its side; "" or no digits: anywhere in the street). */
int relais_decree_applies_at(const relais_decree_record_t *rec, const char *street_folded, const char *house_number);
/* RELAIS_REQ_DECREE_LIST's filters: words of the title, the number or a street (folded), in force
 * on `on_date` ("" for any day). */
int relais_decree_matches(const relais_decree_record_t *rec, const char *search_folded, const char *on_date);

#ifdef __cplusplus
}
#endif

#endif
