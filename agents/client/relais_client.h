/* relais_client.h -- librelais: the client library a partner's system links to talk to relaisd.
 *
 * The only header a partner includes. One relais_client_t is one CurveZMQ connection (a
 * DEALER socket) to the broker, authenticated with the agent's own key file; it is not
 * thread-safe: use one client per thread.
 *
 * Status convention (as everywhere in relais): 0 on success, a negative RELAIS_E_* code on
 * failure (relais_strerror(), relais_status_name() and relais_status_detail() describe it).
 * When the broker refuses a request the function returns the broker's code (a wire code such
 * as RELAIS_E_NO_CONSENT) and fills the caller's relais_error_t with the broker's sentence;
 * RELAIS_E_TIMEOUT means no answer came in time (the broker is down, or refused our key at
 * the handshake: relais_client_auth_refused() tells which).
 *
 * No call waits forever: each takes a timeout or uses the client's.
 */
#ifndef RELAIS_CLIENT_H
#define RELAIS_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "relais_proto.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct relais_client relais_client_t;

typedef struct {
    const char *endpoint;         /* broker endpoint, e.g. "tcp://127.0.0.1:7100" */
    const char *key_path;         /* own NAME.cert_secret (NAME.sign.key beside it) */
    const char *server_cert_path; /* the broker's public NAME.cert */
    const char *spool_dir;        /* folder of the durable spool (created 0700); NULL: none */
    int timeout_ms;               /* default wait for a reply; <= 0: 10000 */
    int retry_ms;                 /* resend an unanswered request after this; <= 0: 10000
                                   * (a lost connection resends at once, whatever this says) */
    size_t max_message;           /* the hub's --max-message: the largest submission, as the
                                   * Request frame that carries it; 0: 65536, the hub's default */
} relais_client_options_t;

/* Loads the identity, opens the spool (when asked) and connects. The endpoint is
 * "tcp://HOST:PORT" or "HOST:PORT" (or "ipc://PATH"); its host name is looked up here.
 * Connecting does not wait for the broker: requests wait for it, within their timeouts.
 * Errors: RELAIS_E_INVALID (missing option, an endpoint that is not one, a host name the
 * resolver does not know: the detail says which and what is expected), RELAIS_E_IO /
 * RELAIS_E_MALFORMED (key files, server certificate, spool), RELAIS_E_NOMEM,
 * RELAIS_E_UNAVAILABLE (ZeroMQ refused the socket). On success *out is the caller's
 * (relais_client_destroy). */
int relais_client_new(const relais_client_options_t *opts, relais_client_t **out);

/* Closes the connection and the spool; *self_p becomes NULL; safe on NULL and twice.
 * Messages in the spool stay there for the next flush. */
void relais_client_destroy(relais_client_t **self_p);

/* The identity's certificate name (the sender name); valid while the client lives. */
const char *relais_client_name(const relais_client_t *self);

/* The identity's role as its certificate names it ("partner", "coordinator", "auditor", ...),
 * which decides what the hub shows it; "" when unknown. Valid while the client lives. */
const char *relais_client_role(const relais_client_t *self);

/* True when the broker's last handshake refused our key (not in its registry). */
int relais_client_auth_refused(const relais_client_t *self);

/* Why the broker has not answered, from what this connection went through, as one sentence
 * saying what to check (the one a RELAIS_E_TIMEOUT's relais_error_t carries): nothing accepts
 * connections at the endpoint, what listens there is not a hub, the hub has another
 * certificate than --server-cert, it refused our key, the host name could not be looked up,
 * or the hub takes the connection but does not answer. */
void relais_client_diagnose(relais_client_t *self, char *out, size_t cap);

/* True when a handshake with the broker has completed and the connection is up. */
int relais_client_is_connected(relais_client_t *self);

/* Liveness: 0 when the broker answered within timeout_ms (<= 0: the client's timeout). */
int relais_client_ping(relais_client_t *self, int timeout_ms);

/* ---- Submitting ---------------------------------------------------------------------- */

/* Builds a Message from a JSON payload object ({"referral": {...}}, see schema/) with a
 * fresh 16-byte message id (created_ms in its first 6 bytes, big-endian, then 10 random
 * bytes) and created_ms = now, signs it and returns the
 * SignedMessage bytes in *out (caller frees). `msg_id` (may be NULL) gets the id.
 * Errors: RELAIS_E_MALFORMED (the detail names the field), RELAIS_E_TOO_LARGE (over
 * max_message once in its Request: never sent, since the hub would refuse it, or cut the
 * connection for one over four times its limit), RELAIS_E_CRYPTO, RELAIS_E_NOMEM. */
int relais_client_sign_json(relais_client_t *self, const char *json, size_t len, uint8_t msg_id[RELAIS_MSG_ID_BYTES],
                            uint8_t **out, size_t *out_len);

/* Signs `json` and submits it, waiting up to the client's timeout for the broker's answer
 * (resending the same bytes after a reconnection; the broker's idempotence makes that
 * safe). On success *ack holds the acknowledgement. When the broker refuses, returns its
 * code and fills *err. */
int relais_client_submit_json(relais_client_t *self, const char *json, size_t len, relais_ack_t *ack,
                              relais_error_t *err);

/* The same for SignedMessage bytes signed elsewhere (or kept from an earlier attempt); bytes
 * over max_message give RELAIS_E_TOO_LARGE without being sent. */
int relais_client_submit_signed(relais_client_t *self, const uint8_t *signed_msg, size_t len, relais_ack_t *ack,
                                relais_error_t *err);

/* The durable path: signs `json` and writes it to the spool (synced) before returning;
 * the broker sees it at the next relais_client_flush(). `tag` (may be NULL) is kept with it
 * and given back to the flush callback (e.g. the file the payload came from).
 * Errors: RELAIS_E_INVALID (no spool), RELAIS_E_MALFORMED, RELAIS_E_TOO_LARGE (over
 * max_message: not spooled), RELAIS_E_STORE_FULL (spool full), RELAIS_E_IO. */
int relais_client_enqueue_json(relais_client_t *self, const char *json, size_t len, const char *tag,
                               uint8_t msg_id[RELAIS_MSG_ID_BYTES]);

/* Puts SignedMessage bytes in the spool as they are. Errors as relais_client_enqueue_json. */
int relais_client_enqueue_signed(relais_client_t *self, const uint8_t *signed_msg, size_t len, const char *tag,
                                 uint8_t msg_id[RELAIS_MSG_ID_BYTES]);

/* True when a spooled message carries `tag` (0 when none or on error); lets a restarted agent tell
 * whether a file it was submitting before a crash is already in the spool. */
int relais_client_spool_has_tag(relais_client_t *self, const char *tag);

/* Number of messages waiting in the spool, or a negative code. */
int64_t relais_client_spool_count(relais_client_t *self);

/* What the hub finally said of a message that left the spool, kept in the spool so that a refusal
 * that comes hours after the command that queued it is still seen (`relais outbox`). Its texts are
 * the hub's code and sentence and the caller's tag, never the payload. */
typedef struct {
    uint8_t msg_id[RELAIS_MSG_ID_BYTES];
    int64_t spooled_ms, settled_ms; /* wall clock; spooled_ms 0 when the spool did not know */
    int refused;                    /* 1: refused for good; 0: acknowledged */
    uint64_t seq;                   /* acknowledged: its record's number */
    char case_id[64];               /* acknowledged: the case or the handle the hub named */
    char code[32];                  /* refused: the stable code (relais_status_name) */
    char sentence[512];             /* refused: the hub's sentence */
    char tag[256];                  /* the caller's tag, "" when none */
} relais_sent_outcome_t;

/* A message waiting in the spool. */
typedef struct {
    uint8_t msg_id[RELAIS_MSG_ID_BYTES];
    int64_t spooled_ms; /* 0 when spooled by an older librelais */
    char tag[256];
} relais_waiting_t;

/* The spool's messages waiting, oldest first (*out: caller frees), and the outcomes it keeps,
 * newest first (the last 1000). Errors: RELAIS_E_INVALID (no spool), RELAIS_E_IO, RELAIS_E_NOMEM,
 * RELAIS_E_CORRUPT. */
int relais_client_outbox_waiting(relais_client_t *self, relais_waiting_t **out, size_t *count);
int relais_client_outbox_outcomes(relais_client_t *self, relais_sent_outcome_t **out, size_t *count);
/* How many messages wait and the oldest one's age in seconds (-1 when none wait; 0 for one an
 * older librelais spooled without its time): what a long-running sender says while the hub is away. */
int relais_client_outbox_waiting_age(relais_client_t *self, int64_t *count, int64_t *oldest_age_s);
/* One message's outcome: 0, RELAIS_E_NOT_FOUND (still waiting, never spooled here, or forgotten). */
int relais_client_outbox_outcome(relais_client_t *self, const uint8_t msg_id[RELAIS_MSG_ID_BYTES],
                                 relais_sent_outcome_t *out);

/* Told the final outcome of one spooled message: exactly one of ack and err is non-NULL
 * (err: the broker refused it for good). `tag` is the one given to enqueue, or NULL.
 * The message leaves the spool only after the callback returns, so after a crash the
 * callback may be told again about the same message (with the original, duplicate ack). */
typedef void(relais_flush_fn)(void *arg, const uint8_t msg_id[RELAIS_MSG_ID_BYTES], const char *tag,
                              const relais_ack_t *ack, const relais_error_t *err);

/* Sends every spooled message, in spool order and pipelined, until each is acknowledged or
 * refused for good, or until timeout_ms has passed. UNAVAILABLE, STORE_FULL and unanswered
 * requests are retried with backoff, always with the same bytes. A spooled message over
 * max_message is refused here (TOO_LARGE, told to `fn`) and leaves the spool. A message that
 * was on the wire twice when the connection dropped is sent alone from then on, with
 * backoff, so that one whose bytes make the hub cut the connection cannot hold up the
 * messages behind it.
 * Returns 0 when the spool is empty, RELAIS_E_TIMEOUT when messages remain (they stay in
 * the spool), or another code (RELAIS_E_INVALID without a spool, RELAIS_E_IO). */
int relais_client_flush(relais_client_t *self, int timeout_ms, relais_flush_fn *fn, void *arg);

/* ---- The live feed ------------------------------------------------------------------- */

/* Starts the feed at `from_seq` (0 or 1: the whole log) with `credit` deliveries in flight
 * (0: 256). The client tops the credit up as deliveries are read, remembers the last
 * sequence number seen and resubscribes from the next one after a reconnection (or when
 * the broker no longer has the feed), so the feed stays gap-free and without duplicates.
 * After retry_ms / 2 without a delivery it grants its credit again, which also finds out a
 * feed the broker has lost. Errors: RELAIS_E_NOMEM (not being connected yet is fine). */
int relais_feed_subscribe(relais_client_t *self, uint64_t from_seq, uint32_t credit);

/* Waits up to timeout_ms for the next delivery and returns as soon as one is there. *out
 * (its record bytes included) is valid until the next call on this client. Returns 0,
 * RELAIS_E_TIMEOUT when none came, the broker's code when it refused the subscription for
 * good (FORBIDDEN, UNKNOWN_SENDER...; err filled, may be NULL: UNAVAILABLE and STORE_FULL
 * are retried), or RELAIS_E_INVALID when not subscribed. */
int relais_feed_next(relais_client_t *self, int timeout_ms, relais_delivery_t *out, relais_error_t *err);

/* The last sequence number delivered (0 before any). */
uint64_t relais_feed_last_seq(const relais_client_t *self);

/* ---- Cases --------------------------------------------------------------------------- */

typedef struct {
    uint32_t states;          /* bit (1 << relais_case_state_t) per wanted state; 0: all */
    relais_urgency_t urgency; /* 0: all */
    const char *school;       /* substring; NULL or "": all */
    const char *referrer;     /* substring of a referring organisation; NULL or "": all */
    int overdue_only;         /* nonzero: only cases past their deadline */
    unsigned expiring_days;   /* nonzero: only cases whose next lifecycle move (archive, erasure)
                               * falls within this many days; their retention_due_ms is set */
    const char *name;         /* substring of the child's family or given names; NULL or "": all */
    int mine;                 /* nonzero: only the cases the reader owns (a partner: no change) */
} relais_case_filter_t;
/* The hub compares school, referrer and name with case and accents folded ("benali" finds
 * "BÉNALI"); a partner's search reads only its own referrals. */

/* Lists cases: on success out->cases / out->case_count (release with relais_reply_clear).
 * `filter` may be NULL. */
int relais_client_case_list(relais_client_t *self, const relais_case_filter_t *filter, relais_reply_t *out,
                            relais_error_t *err);

/* One case and its timeline: out->cases[0] and out->records (LogRecord bytes), the status after
 * each event (out->events) and, for the coordinator and the auditor, the referrals that follow
 * the case (out->followers). `case_id` is a case id or a referral's handle ("R-<seq>"); a
 * partner asks by the handles of its own referrals and gets the view the partner-view rule
 * gives it. */
int relais_client_case_show(relais_client_t *self, const char *case_id, relais_reply_t *out, relais_error_t *err);

/* The data protection officer's reading of an archived case, once its opening (a Privacy
 * ARCHIVE_OPENED record, `opening_seq`) is in the log: out->archived_key (the case's key sealed
 * to the officer) and out->records, the case's records as stored, sealed. */
int relais_client_archive_read(relais_client_t *self, const char *case_id, uint64_t opening_seq, relais_reply_t *out,
                               relais_error_t *err);

/* The partnership's statistics, published with no cell under `threshold` (the hub's own floor
 * when higher): out->stats_json and out->stats_text. */
int relais_client_statistics(relais_client_t *self, unsigned threshold, relais_reply_t *out, relais_error_t *err);

/* The reception's register (docs/reception.md). The desk and the auditors read it all; the
 * coordinator and a partner the entries transferred to them. list: `filter`'s RECEPTION_LIST
 * fields (search, street, category, from_ms, to_ms, open_only, overdue_only, before), the
 * entries in out->contacts, newest first, out->next_seq the page after (0: the last). show: an
 * entry ("A-<seq>", or a transfer's "T-<seq>") in out->contacts[0], its records in out->records.
 * stats: the figures of [from_ms, to_ms) in out->stats_json, _text and _csv. */
int relais_client_reception_list(relais_client_t *self, const relais_request_t *filter, relais_reply_t *out,
                                 relais_error_t *err);
int relais_client_reception_show(relais_client_t *self, const char *entry, relais_reply_t *out, relais_error_t *err);
int relais_client_reception_stats(relais_client_t *self, int64_t from_ms, int64_t to_ms, unsigned threshold,
                                  relais_reply_t *out, relais_error_t *err);

/* The lost and found (the desk's and the auditors'): `query` is a RELAIS_REQ_LOST_LIST (its filter
 * fields), _SHOW or _MATCH (case_id the item, "O-<seq>" or "P-<seq>"); the answer in out->lost
 * (and out->matches, out->records). The decrees (anyone's): a RELAIS_REQ_DECREE_LIST (search,
 * on_date, before), _SHOW (decree_number; its signed record in out->records[0]) or _IN_FORCE
 * (street, house_number, on_date); the answer in out->decrees. Errors as relais_client_statistics,
 * and RELAIS_E_INVALID for a query of another kind. */
int relais_client_lost(relais_client_t *self, const relais_request_t *query, relais_reply_t *out, relais_error_t *err);
int relais_client_decree(relais_client_t *self, const relais_request_t *query, relais_reply_t *out,
                         relais_error_t *err);

typedef enum {
    RELAIS_PATHWAY_INDIVIDUAL = 1,
    RELAIS_PATHWAY_COLLECTIVE = 2,
} relais_pathway_kind_t;

typedef struct {
    relais_pathway_kind_t kind;
    const char *description;
    const char *partner;    /* the partner that delivers it; may be NULL */
    const char *start_date; /* ISO date; may be NULL */
    const char *frequency;  /* "weekly", ...; may be NULL */
    const char *responsible; /* the person responsible; may be NULL */
} relais_pathway_action_t;

/* A coordinator's case update; NULL strings are left out. */
typedef struct {
    const char *case_id;
    relais_case_state_t from_state; /* the state the author saw */
    relais_case_state_t to_state;   /* equal to from_state for a note or a review */
    const char *sub_status;
    const char *reason_code;
    const char *note;
    const char *diagnosis;
    const char *next_review_date;
    const char *redirected_to;
    const relais_pathway_action_t *pathway;
    size_t pathway_count;
    const char *share_referral; /* "R-<seq>": from this update on, that referral's referrer sees the case */
    const char *dismiss_duplicate; /* "C-<n>": the case is not a duplicate of that one */
    const char *merge_into;        /* "C-<n>": the case is merged into that one (to ENTERED_IN_ERROR) */
    const char *split_referral;    /* "R-<seq>": that referral moves out into a case of its own */
    const char *owner;             /* the identity that owns the case from now on */
} relais_case_update_t;

/* Builds, signs and submits a CaseUpdate; as relais_client_submit_json. An update that does
 * not build (a control in a one-line field, say) returns RELAIS_E_MALFORMED with the detail
 * naming the field and *err untouched: nothing was sent. */
int relais_client_case_update(relais_client_t *self, const relais_case_update_t *update, relais_ack_t *ack,
                              relais_error_t *err);
/* The same update built and signed, not sent: its SignedMessage bytes in *out (caller frees) and
 * its id in msg_id (may be NULL), to be given to relais_client_submit_signed, as often as needed
 * (the hub answers a message it already stored with its first acknowledgement). Errors as
 * relais_client_sign_json, and RELAIS_E_MALFORMED as above. */
int relais_client_case_update_sign(relais_client_t *self, const relais_case_update_t *update,
                                   uint8_t msg_id[RELAIS_MSG_ID_BYTES], uint8_t **out, size_t *out_len);
/* The same update built, signed and written to the spool (synced) instead, labelled `tag` for
 * `relais outbox`; it goes at the next relais_client_flush. Errors as relais_client_enqueue_json,
 * and RELAIS_E_MALFORMED as above (nothing spooled). */
int relais_client_case_update_enqueue(relais_client_t *self, const relais_case_update_t *update, const char *tag,
                                      uint8_t msg_id[RELAIS_MSG_ID_BYTES]);

/* ---- Partnership meetings (the coordinator's) ----------------------------------------- */

/* A professional present at a meeting; NULL strings are left out. */
typedef struct {
    const char *name;
    const char *role;         /* "psychologue", "CPE", ... */
    const char *organisation; /* required */
} relais_attendee_t;

/* A meeting's record of one case it reviewed: a meeting of three cases is three records sharing
 * meeting_id, date and present. */
typedef struct {
    const char *meeting_id; /* "M-" YYYYMMDD "-" 1 to 16 of a-z0-9, the date's: "M-20261210-a3f9" */
    const char *date;       /* the meeting's ISO date */
    const relais_attendee_t *present;
    size_t present_count;
    const char *case_id;          /* the case reviewed, "C-<n>" */
    const char *decision;         /* multi-line */
    const char *next_review_date; /* ISO date; may be NULL */
} relais_meeting_record_t;

/* Builds, signs and submits a MeetingRecord; as relais_client_case_update. */
int relais_client_meeting_record(relais_client_t *self, const relais_meeting_record_t *record, relais_ack_t *ack,
                                 relais_error_t *err);
/* The same record written to the spool instead, labelled `tag` (relais_client_case_update_enqueue). */
int relais_client_meeting_record_enqueue(relais_client_t *self, const relais_meeting_record_t *record,
                                         const char *tag, uint8_t msg_id[RELAIS_MSG_ID_BYTES]);

/* The meetings: a line each in out->cases (case_id the meeting's id, opened_ms its date at
 * midnight UTC, referral_count the cases it reviewed), in date order. */
int relais_client_meeting_list(relais_client_t *self, relais_reply_t *out, relais_error_t *err);

/* One meeting: out->cases[0] names it (as a list line), out->records are its records (one per
 * case reviewed, opened) and out->cases[1 + i] the case record i is about, as it stands now. */
int relais_client_meeting_show(relais_client_t *self, const char *meeting_id, relais_reply_t *out,
                               relais_error_t *err);

/* ---- Audit (online) ------------------------------------------------------------------ */

/* Each fills *out (release with relais_reply_clear): RECORDS (out->records, out->next_seq),
 * CHECKPOINT (tree_size, root, time_ms, note), INCLUSION (seq, tree_size, leaf_hash, path),
 * CONSISTENCY (old_size, tree_size, path). */
int relais_client_audit_records(relais_client_t *self, uint64_t from_seq, uint64_t to_seq, relais_reply_t *out,
                                relais_error_t *err);
int relais_client_audit_checkpoint(relais_client_t *self, relais_reply_t *out, relais_error_t *err);
/* The checkpoint the hub signed at exactly `tree_size` (from 1), as CHECKPOINT. The hub refuses
 * with RELAIS_E_MALFORMED when it signed none of that size (a hub older than this request too). */
int relais_client_audit_checkpoint_at(relais_client_t *self, uint64_t tree_size, relais_reply_t *out,
                                      relais_error_t *err);
int relais_client_audit_inclusion(relais_client_t *self, uint64_t seq, uint64_t tree_size, relais_reply_t *out,
                                  relais_error_t *err);
int relais_client_audit_consistency(relais_client_t *self, uint64_t old_size, uint64_t new_size,
                                    relais_reply_t *out, relais_error_t *err);

/* ---- Helpers ------------------------------------------------------------------------- */

/* SHA-256(0x00 || record): the Merkle leaf hash of a LogRecord as stored. A record the hub
 * opened from its sealed store comes with its stored leaf's hash instead (delivery.leaf_hash,
 * reply.leaf_hashes). Errors: RELAIS_E_CRYPTO. */
int relais_leaf_hash(const uint8_t *record, size_t len, uint8_t out[32]);

#ifdef __cplusplus
}
#endif

#endif
