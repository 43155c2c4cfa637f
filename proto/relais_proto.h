/* relais_proto.h -- status codes and the codec of relais.proto: the proto module's public face.
 *
 * Only proto/ includes the generated relais.pb-c.h; everything else sees the plain C
 * types below. Status convention (all modules): 0 on success, a negative RELAIS_E_*
 * code on failure; relais_strerror() gives the sentence, relais_status_name() the
 * stable code that also travels on the wire and on the command line.
 */
#ifndef RELAIS_PROTO_H
#define RELAIS_PROTO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Status codes ---------------------------------------------------------------------
 * The first thirteen are the wire's ErrorCode values (code = -(RELAIS_E_BASE + wire value));
 * the rest are local and never sent. The range cannot clash with -errno or LMDB's codes. */
#define RELAIS_OK 0
#define RELAIS_E_BASE 40000
#define RELAIS_E_BAD_SIGNATURE (-40001)      /* signature does not verify over the body */
#define RELAIS_E_UNKNOWN_SENDER (-40002)     /* sender not in the trust registry */
#define RELAIS_E_SENDER_MISMATCH (-40003)    /* header sender != CURVE identity */
#define RELAIS_E_MALFORMED (-40004)          /* bytes or fields do not decode or are invalid */
#define RELAIS_E_TOO_LARGE (-40005)          /* message over the size limit */
#define RELAIS_E_STALE (-40006)              /* creation time outside the broker's window */
#define RELAIS_E_DUPLICATE_CONFLICT (-40007) /* message id already stored with other bytes */
#define RELAIS_E_NO_CONSENT (-40008)         /* referral with neither consent nor parental request */
#define RELAIS_E_BAD_TRANSITION (-40009)     /* case transition not allowed from its state */
#define RELAIS_E_FORBIDDEN (-40010)          /* role may not send or read this */
#define RELAIS_E_STORE_FULL (-40011)         /* the store's map is full; nothing written */
#define RELAIS_E_UNAVAILABLE (-40012)        /* broker or store cannot serve now; retry later */
#define RELAIS_E_RATE_LIMITED (-40013)       /* the identity's read budget is spent for now */
#define RELAIS_E_LEGAL_HOLD (-40014)         /* the case is under a legal hold: not erased */
#define RELAIS_E_WIRE_LAST RELAIS_E_LEGAL_HOLD
#define RELAIS_E_CORRUPT (-40050)            /* stored data fails its own checks */
#define RELAIS_E_VERSION (-40051)            /* store or message of a format this build cannot read */
#define RELAIS_E_NOT_FOUND (-40052)          /* no such record, case or checkpoint */
#define RELAIS_E_IO (-40053)                 /* the operating system refused a file operation */
#define RELAIS_E_NOMEM (-40054)              /* out of memory */
#define RELAIS_E_INVALID (-40055)            /* caller passed an invalid argument */
#define RELAIS_E_CRYPTO (-40056)             /* the crypto library failed */
#define RELAIS_E_PROOF (-40057)              /* a Merkle proof or checkpoint does not verify */
#define RELAIS_E_TIMEOUT (-40058)            /* no answer in the time allowed */

/* The stable name of a code ("BAD_SIGNATURE"); "UNKNOWN" for a code not listed. */
const char *relais_status_name(int status);

/* One human sentence for a code; static storage. */
const char *relais_strerror(int status);

/* The code for a stable name, or RELAIS_E_INVALID when the name is not one. */
int relais_status_from_name(const char *name);

/* Wire ErrorCode value (1..12) for a status, 0 when it is not a wire code; and back. */
int relais_status_to_wire(int status);
int relais_status_from_wire(int wire_code);

/* Records a detail sentence for the calling thread and returns `status`, so that a failing
 * function can `return relais_status_set(RELAIS_E_VERSION, "store format %u ...", v);`. */
int relais_status_set(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The detail recorded last on this thread (empty string if none); valid until the next
 * relais_status_set() on this thread. */
const char *relais_status_detail(void);

/* Clears the calling thread's detail. */
void relais_status_clear(void);

/* ---- Small files written whole ---------------------------------------------------------
 * A state file a program keeps (a feed's position, an auditor's kept checkpoint, a witness's
 * cosigned size, a calendar's subscription) is replaced whole or not at all: written to a
 * temporary name beside it (0600, no symlink followed), synced, renamed over the old one, and
 * the folder synced so that the rename itself survives a power loss. After a crash the file
 * holds the old contents or the new. Errors: RELAIS_E_IO, with the file's name and the reason
 * (the old file left as it was). */
int relais_file_replace_at(int dir_fd, const char *dir_label, const char *name, const void *data, size_t len);
/* The same for a path: the folder it names (or the current one) opened for the while. */
int relais_file_replace(const char *path, const void *data, size_t len);

/* A u64 as 8 big-endian bytes, and back: sequence numbers and key ids as keys that sort. */
static inline void relais_u64_put(uint8_t out[8], uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        out[i] = (uint8_t)v;
}

static inline uint64_t relais_u64_get(const uint8_t in[8])
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | in[i];
    return v;
}

/* Writes `len` bytes as lowercase hex and a NUL into `out` (room 2 * len + 1). Message ids and
 * hashes travel in logs, JSON and on the command line in this form. */
void relais_hex_encode(const uint8_t *bytes, size_t len, char *out);

/* ---- Text shown to people ---------------------------------------------------------------
 * A control, for relais, is what can steer a terminal or a line-oriented log rather than be
 * read: C0 (U+0000-U+001F), DEL (U+007F), C1 (U+0080-U+009F), the line and paragraph
 * separators (U+2028, U+2029) and the bidirectional embeddings, overrides and isolates
 * (U+202A-U+202E, U+2066-U+2069). The hub refuses them in new messages (see
 * relais_message_decode); whatever prints text escapes them all the same, since a log holds
 * what older hubs accepted. */

/* The code point at the start of s[0..len) in *cp and the bytes it takes (1 to 4); 0 when s
 * does not start with well-formed UTF-8 (or len is 0). */
size_t relais_utf8_next(const char *s, size_t len, uint32_t *cp);

/* Characters (code points) of NUL-terminated UTF-8 text: the length JSON Schema's maxLength
 * counts, and the columns a label takes on a terminal. */
size_t relais_utf8_chars(const char *s);

/* True when `cp` is a control as above. */
int relais_text_is_control(uint32_t cp);

/* Copies s[0..len) into `out` (room `cap` > 0, always NUL-terminated) with every control
 * written as an escape: \n, \r, \t, \xHH for the others below U+0080, \uHHHH above; and every
 * byte that is not well-formed UTF-8 as \xHH. What does not fit is cut at a character or
 * escape boundary. Returns `out`. */
char *relais_text_escape(const char *s, size_t len, char *out, size_t cap);

/* How relais compares names, streets and words: case folded, the letters of Latin-1 and Latin
 * Extended-A to ASCII (é -> e, œ -> oe, ß -> ss), runs of spaces, hyphens and apostrophes (ASCII and
 * typographic) as one space, none at the ends; anything else kept as it is. Into out (room cap).
 * Errors: RELAIS_E_INVALID (no room: out holds what fitted). */
int relais_text_fold(const char *in, char *out, size_t cap);

/* ---- The log record (the Merkle leaf) -------------------------------------------------- */

#define RELAIS_SEAL_NONCE_BYTES 12 /* AES-256-GCM's nonce */
#define RELAIS_SEAL_TAG_BYTES 16   /* and its tag, at the end of what it seals */

/* A decoded LogRecord; its pointers point into the buffer it was decoded from. A record is in
 * clear (key_id 0: the SignedMessage itself) or sealed (key_id > 0: the SignedMessage
 * encrypted under data key `key_id`, the leaf committing to the ciphertext). */
typedef struct {
    uint64_t seq;                  /* position in the log, from 1 */
    int64_t received_ms;           /* broker's receive time */
    const uint8_t *signed_message; /* in clear: SignedMessage bytes as received (borrowed); else NULL */
    size_t signed_len;             /* their length */
    uint64_t key_id;               /* sealed: the data key it is sealed under; 0 in clear */
    const uint8_t *nonce;          /* sealed: RELAIS_SEAL_NONCE_BYTES (borrowed) */
    const uint8_t *sealed;         /* sealed: the ciphertext and its tag (borrowed) */
    size_t sealed_len;             /* their length: the SignedMessage's + RELAIS_SEAL_TAG_BYTES */
    uint64_t copy_of;              /* a split's copy of referral record `copy_of`; 0 otherwise */
} relais_log_record_t;

/* Upper bound of relais_log_record_encode's output for a signed message of `signed_len`, in
 * clear or sealed. */
size_t relais_log_record_max_size(size_t signed_len);

/* Serializes `rec` as the LogRecord protobuf into `out` (room `cap`); sets *out_len.
 * Errors: RELAIS_E_INVALID (cap too small or seq 0). */
int relais_log_record_encode(const relais_log_record_t *rec, uint8_t *out, size_t cap, size_t *out_len);

/* Decodes a LogRecord; the result borrows from `buf`, valid while `buf` is.
 * Errors: RELAIS_E_MALFORMED. */
int relais_log_record_decode(const uint8_t *buf, size_t len, relais_log_record_t *out);


/* ---- The signed envelope ------------------------------------------------------------- */

#define RELAIS_WIRE_VERSION 1
#define RELAIS_MSG_ID_BYTES 16
#define RELAIS_SIGNATURE_BYTES 64
#define RELAIS_SIGN_CONTEXT "relais/v1/msg" /* followed by one 0x00 byte, then the body */

/* A decoded SignedMessage, borrowing from the buffer it was decoded from. */
typedef struct {
    const uint8_t *body;      /* serialized Message, exactly as signed */
    size_t body_len;
    const uint8_t *signature; /* RELAIS_SIGNATURE_BYTES bytes */
} relais_signed_t;

/* Decodes a SignedMessage in its canonical form (body then a 64-byte signature).
 * Errors: RELAIS_E_MALFORMED. */
int relais_signed_decode(const uint8_t *buf, size_t len, relais_signed_t *out);

/* Serializes body and signature into *out (caller frees), in the form relais_signed_decode()
 * accepts (the same bytes protobuf would write). Errors: RELAIS_E_INVALID (no or empty body,
 * no signature), RELAIS_E_NOMEM. */
int relais_signed_encode(const uint8_t *body, size_t body_len, const uint8_t *signature, uint8_t **out,
                         size_t *out_len);

/* ---- Messages ------------------------------------------------------------------------ */

typedef enum {
    RELAIS_PAYLOAD_NONE = 0,
    RELAIS_PAYLOAD_REFERRAL = 10,
    RELAIS_PAYLOAD_CASE_UPDATE = 11,
    RELAIS_PAYLOAD_ACCESS = 12,
    RELAIS_PAYLOAD_PRIVACY = 13,
    RELAIS_PAYLOAD_CONTACT = 20,
    RELAIS_PAYLOAD_LOST_FOUND = 21,
    RELAIS_PAYLOAD_MEETING = 22,
    RELAIS_PAYLOAD_CONTACT_UPDATE = 23,
    RELAIS_PAYLOAD_TRANSFER = 24,
    RELAIS_PAYLOAD_TRANSFER_ANSWER = 25,
    RELAIS_PAYLOAD_LOST_FOUND_UPDATE = 26,
    RELAIS_PAYLOAD_DECREE = 27,
} relais_payload_t;

/* Whether a payload is the reception desk's register (an entry, its update, a transfer, an
 * answer): never about a child's case (docs/reception.md). */
int relais_payload_is_reception(relais_payload_t payload);

/* Whether a payload is the lost and found's (an item, what becomes of it). */
int relais_payload_is_lost(relais_payload_t payload);

/* The record whose keys a handle of the reception's registers names: an entry "A-<seq>", a found
 * item "O-<seq>", a declared loss "P-<seq>"; 0 for any other text (a case id among them). */
uint64_t relais_register_handle_seq(const char *text);

/* Case states and FHIR Task statuses: the numbering of relais.proto's enums. */
typedef enum {
    RELAIS_CASE_UNSPECIFIED = 0,
    RELAIS_CASE_SUBMITTED,
    RELAIS_CASE_TRIAGE,
    RELAIS_CASE_AWAITING_AGREEMENT,
    RELAIS_CASE_ACCEPTED,
    RELAIS_CASE_DECLINED,
    RELAIS_CASE_REDIRECTED,
    RELAIS_CASE_DIAGNOSIS,
    RELAIS_CASE_PATHWAY_PROPOSED,
    RELAIS_CASE_FOLLOW_UP,
    RELAIS_CASE_CLOSED_COMPLETED,
    RELAIS_CASE_CLOSED_WITHDRAWN,
    RELAIS_CASE_CLOSED_FAILED,
    RELAIS_CASE_PAUSED,
    RELAIS_CASE_ENTERED_IN_ERROR,
    RELAIS_CASE_STATE_COUNT
} relais_case_state_t;

/* "triage", "pathway-proposed", ... (the command line's spelling); NULL for 0 or an unknown value. */
const char *relais_case_state_name(relais_case_state_t state);
/* Parses either spelling ("pathway-proposed" or "PATHWAY_PROPOSED"; case, '-' and '_' do not
 * matter); 0 when unknown. */
relais_case_state_t relais_case_state_from_name(const char *name);

typedef enum {
    RELAIS_URGENCY_UNSPECIFIED = 0,
    RELAIS_URGENCY_ROUTINE = 1,
    RELAIS_URGENCY_PRIORITY = 2,
    RELAIS_URGENCY_URGENT = 3,
} relais_urgency_t;

/* "routine", "priority", "urgent"; NULL for 0 or an unknown value. */
const char *relais_urgency_name(relais_urgency_t urgency);
/* Parses "urgent" or "URGENT" (like relais_case_state_from_name); 0 when unknown. */
relais_urgency_t relais_urgency_from_name(const char *name);

/* A decoded Message (opaque). */
typedef struct relais_message relais_message_t;

/* Decodes a Message body on its way in (the hub's intake, a spool) and checks its header:
 * version RELAIS_WIRE_VERSION, a sender of 1 to 127 bytes, a 16-byte message id, a creation
 * time > 0, a payload. The whole body must also be what this schema can read and in canonical
 * encoding: no unknown fields, no enum values the schema lacks, UTF-8 strings, and the very
 * bytes re-encoding gives (which refuses strings with NULs, explicit defaults, repeated
 * scalars, unpacked arrays and fields out of number order). Its text follows the hub's rule:
 * no control (relais_text_is_control) in any text field, except line breaks (\n, \r\n) and
 * tabs in the multi-line ones (referral description and support_in_place, guardian address,
 * case update note and diagnosis, pathway action description, contact summary, lost-and-found
 * description). The detail names the field.
 * Errors: RELAIS_E_MALFORMED, RELAIS_E_VERSION (checked first). *out is the caller's. */
int relais_message_decode(const uint8_t *body, size_t len, relais_message_t **out);

/* The same for a message the log already holds, without the rule for text, which is newer
 * than the oldest logs: a log keeps what it accepted, and what shows its text escapes it
 * (relais_text_escape). */
int relais_message_decode_stored(const uint8_t *body, size_t len, relais_message_t **out);

/* Releases a message; *self_p becomes NULL; safe on NULL and twice. */
void relais_message_destroy(relais_message_t **self_p);

/* Decodes a stored LogRecord down to its message: the record into *rec and its envelope into
 * *envelope (both optional, borrowing from `record`), the message into *msg (caller destroys).
 * Errors: those of relais_log_record_decode, relais_signed_decode, relais_message_decode. */
int relais_record_message_decode(const uint8_t *record, size_t len, relais_log_record_t *rec,
                                 relais_signed_t *envelope, relais_message_t **msg);

/* Header accessors; strings and bytes valid while the message lives. */
const char *relais_message_sender(const relais_message_t *self);
const uint8_t *relais_message_id(const relais_message_t *self); /* RELAIS_MSG_ID_BYTES */
int64_t relais_message_created_ms(const relais_message_t *self);
relais_payload_t relais_message_payload(const relais_message_t *self);

/* What the broker's rules read of a referral; pointers valid while the message lives. */
typedef struct {
    const char *organisation;  /* referrer's organisation */
    int referrer_role;         /* ReferrerRole value */
    const char *family_name;   /* the child */
    const char *const *given_names;
    size_t given_count;
    const char *birth_date;    /* ISO date */
    const char *school;
    const char *class_name;
    relais_urgency_t urgency;
    unsigned domains;          /* bit (1 << Domain value) per domain */
    int has_consent;           /* consent obtained and recorded */
    int has_parental_request;  /* the parents asked themselves */
    const char *external_ref;  /* the partner's own reference, "" when none */
} relais_referral_view_t;

/* Fills *out for a referral. Errors: RELAIS_E_INVALID (not a referral). */
int relais_message_referral(const relais_message_t *self, relais_referral_view_t *out);

/* What the broker's rules read of a case update; pointers valid while the message lives. */
typedef struct {
    const char *case_id;
    relais_case_state_t from_state;
    relais_case_state_t to_state;
    const char *sub_status;
    const char *reason_code;
    const char *note;
    const char *diagnosis;
    const char *next_review_date;
    const char *redirected_to;
    size_t pathway_count;     /* number of pathway actions */
    const char *share_referral; /* a referral's handle "R-<seq>" the case is shared with, or "" */
    const char *dismiss_duplicate; /* "C-<n>": not a duplicate of that case, or "" */
    const char *merge_into;        /* "C-<n>": this case is merged into that one, or "" */
    const char *owner;             /* the case's owner from now on (an identity name), or "" */
    const char *split_referral;    /* "R-<seq>": that referral moves out into a case of its own, or "" */
} relais_case_update_view_t;

/* Fills *out for a case update. Errors: RELAIS_E_INVALID (not a case update). */
int relais_message_case_update(const relais_message_t *self, relais_case_update_view_t *out);

/* A partnership meeting's id: "M-", its date as YYYYMMDD, "-", 1 to 16 of a-z and 0-9
 * ("M-20261210-a3f9"); room for the longest with its NUL. */
#define RELAIS_MEETING_ID_LEN 32

/* What the rules read of a meeting's record of one case; pointers valid while the message lives. */
typedef struct {
    const char *meeting_id;       /* "M-20261210-a3f9" */
    const char *date;             /* the meeting's ISO date */
    size_t present_count;         /* professionals present */
    const char *case_id;          /* the case reviewed, "C-<n>" */
    const char *decision;         /* the meeting's decision for it */
    const char *next_review_date; /* ISO date, or "" */
} relais_meeting_view_t;

/* Fills *out for a meeting record. Errors: RELAIS_E_INVALID (not one). */
int relais_message_meeting(const relais_message_t *self, relais_meeting_view_t *out);

/* Whether `id` is a meeting id as above whose date part is `date` (YYYY-MM-DD; NULL: any date). */
int relais_meeting_id_valid(const char *id, const char *date);

/* The payload alone (the referral, the case update...) in its canonical encoding, into a new
 * buffer the caller frees: what a message says, apart from who sent it when. Errors:
 * RELAIS_E_NOMEM, RELAIS_E_INVALID (no payload). */
int relais_message_payload_pack(const relais_message_t *self, uint8_t **out, size_t *len);

/* Whether `text` is a calendar date written YYYY-MM-DD (2013-02-30 is not); its parts into
 * the optional outputs. */
int relais_calendar_date(const char *text, int *year, int *month, int *day);

/* The hub's own limits on a referral's or case update's content: those that depend on today's
 * date or on its configuration, beside the schemas' (docs/cases.md, "What the hub checks"). */
typedef struct {
    int child_age_min, child_age_max; /* the programme's ages, in whole years at the referral (0, 18) */
    int consent_max_age_days;         /* a consent or parental request older than this is refused (730; 0: none) */
    int review_max_days;              /* a review or an action's start at most this far from today (730) */
    int64_t skew_ms;                  /* the clock skew allowed for times given by a person (5 min) */
} relais_validation_limits_t;

void relais_validation_limits_default(relais_validation_limits_t *lim);

/* Checks the content of a referral, a case update or a meeting record (other payloads pass):
 * first the rules the JSON Schemas in schema/ state (required text, lengths in characters,
 * enumerations, case ids, referral handles and meeting ids, calendar dates; and a meeting id's
 * date, which no schema can compare), then, when `lim` is given, the hub's own against
 * `now_ms`. RELAIS_E_MALFORMED with `why` naming the field and what is expected
 * ("referral.child.birth_date: 2013-02-30 is not a date; expected YYYY-MM-DD"). */
int relais_message_validate(const relais_message_t *self, const relais_validation_limits_t *lim, int64_t now_ms,
                            char *why, size_t cap);

/* The message as a JSON object {"header": {...}, "referral": {...}} (proto field names, enum
 * value names, bytes in base64, 64-bit integers as numbers, defaults omitted). Caller frees.
 * NULL on out-of-memory or for a value JSON cannot carry (a string that is not UTF-8, a uint64
 * above 2^63 - 1), with the detail set. */
char *relais_message_to_json(const relais_message_t *self);

/* Builds a Message body from a JSON payload object such as {"referral": {...}} (the form
 * the JSON Schema in schema/ documents) and the header values given here. Unknown fields,
 * wrong types, unknown enum names, numbers out of range, nesting deeper than 16, two members
 * of a oneof, invalid UTF-8, duplicate keys, a "header" or "access" key: all
 * RELAIS_E_MALFORMED with a detail naming the field ("referral.child.birth_date: expected a
 * string, got an integer"). A JSON null is the field's default. Consent is not checked here
 * (the broker answers NO_CONSENT). Errors also: RELAIS_E_INVALID (header values), RELAIS_E_NOMEM.
 * On success *body is the caller's. */
int relais_message_from_json(const char *json, size_t json_len, const char *sender, const uint8_t *msg_id,
                             int64_t created_ms, uint8_t **body, size_t *body_len);

/* Writes `created_ms` big-endian into the first 6 bytes of a message id; the caller fills the
 * other 10 with random bytes. Ids made so come nearly in order, and the broker's message-id
 * index (a B-tree) then grows at its end instead of taking a write at a random page for
 * every message. */
void relais_msg_id_stamp(uint8_t id[RELAIS_MSG_ID_BYTES], int64_t created_ms);

/* Builds the broker's own AccessRecord message (the audit trail of reads). */
typedef struct {
    const char *reader;  /* identity that read */
    const char *action;  /* "case-show", "case-list", "feed", "audit-records", ... */
    const char *case_id; /* or NULL */
    uint64_t from_seq;   /* range served, or 0 */
    uint64_t to_seq;
    uint32_t lease_s;    /* a store-full lease: the reader's reads for this long, or 0 */
} relais_access_t;

/* Errors: RELAIS_E_INVALID (header values, no reader or action), RELAIS_E_NOMEM. */
int relais_message_encode_access(const char *sender, const uint8_t *msg_id, int64_t created_ms,
                                 const relais_access_t *access, uint8_t **body, size_t *body_len);

/* ---- The data's lifecycle and the family's rights (relais.proto's Privacy) ----------------- */

typedef enum {
    RELAIS_PRIVACY_UNSPECIFIED = 0,
    RELAIS_PRIVACY_ARCHIVED = 1,          /* the hub: the case left the active base */
    RELAIS_PRIVACY_ERASED = 2,            /* the hub: the case's key is destroyed */
    RELAIS_PRIVACY_ERASURE_REQUESTED = 3, /* coordinator or dpo: erase on request */
    RELAIS_PRIVACY_HOLD_SET = 4,          /* coordinator or dpo: a legal hold */
    RELAIS_PRIVACY_HOLD_LIFTED = 5,
    RELAIS_PRIVACY_RECTIFIED = 6,         /* coordinator or dpo: a corrected value */
    RELAIS_PRIVACY_ARCHIVE_OPENED = 7,    /* dpo: an opening of the archive */
    RELAIS_PRIVACY_MERGED = 8,            /* the hub: case_id merged into `value` by record_seq */
    RELAIS_PRIVACY_KIND_COUNT
} relais_privacy_kind_t;

/* "archived", "erased", "erasure-requested", "legal-hold-set", "legal-hold-lifted",
 * "rectified", "archive-opened", "merged"; NULL for 0 or an unknown value. */
const char *relais_privacy_kind_name(relais_privacy_kind_t kind);

/* What the rules read of a Privacy message (or what the hub writes in one); strings valid
 * while the message lives. */
typedef struct {
    relais_privacy_kind_t kind;
    const char *case_id;
    const char *reason;
    uint64_t record_seq; /* RECTIFIED: the record corrected */
    const char *field;   /* RECTIFIED: "child.birth_date", ... */
    const char *value;   /* RECTIFIED: the corrected value */
} relais_privacy_view_t;

/* Fills *out for a Privacy message. Errors: RELAIS_E_INVALID (not one). */
int relais_message_privacy(const relais_message_t *self, relais_privacy_view_t *out);

/* Builds a Privacy message body (the hub's ARCHIVED and ERASED records). Errors:
 * RELAIS_E_INVALID (header values, no kind or case id, text not UTF-8), RELAIS_E_NOMEM. */
int relais_message_encode_privacy(const char *sender, const uint8_t *msg_id, int64_t created_ms,
                                  const relais_privacy_view_t *privacy, uint8_t **body, size_t *body_len);

/* Where a case stands in its lifecycle (relais.proto's CaseLifecycle). */
typedef enum {
    RELAIS_TIER_ACTIVE = 0,
    RELAIS_TIER_ARCHIVED = 1,
    RELAIS_TIER_ERASED = 2,
} relais_tier_t;

/* "active", "archived", "erased"; NULL for an unknown value. */
const char *relais_tier_name(relais_tier_t tier);

#define RELAIS_CASE_ID_LEN 64 /* room for a case id with its NUL */
#define RELAIS_MAX_MERGED 16  /* cases merged into one, those merged into them included */

typedef struct {
    relais_tier_t tier;
    uint64_t last_event_seq;
    int64_t last_event_ms;
    uint64_t hold_seq;
    uint64_t erasure_requested_seq;
    uint64_t archived_seq;
    int64_t archived_ms;
    uint64_t erased_seq;
    char merged_into[RELAIS_CASE_ID_LEN];                /* merged: the case it follows */
    char merged[RELAIS_MAX_MERGED][RELAIS_CASE_ID_LEN]; /* the cases that follow it */
    size_t merged_count;
} relais_lifecycle_t;

/* Its canonical encoding into *out (caller frees). Errors: RELAIS_E_INVALID, RELAIS_E_NOMEM. */
int relais_lifecycle_encode(const relais_lifecycle_t *in, uint8_t **out, size_t *len);
/* Decodes one; it must be canonical. Errors: RELAIS_E_MALFORMED. */
int relais_lifecycle_decode(const uint8_t *buf, size_t len, relais_lifecycle_t *out);

/* ---- Cases: the broker's cached case state and the views it serves --------------------- */

#define RELAIS_NAME_LEN 128     /* room for a name, school or organisation with its NUL */
#define RELAIS_MAX_REFERRERS 16 /* referring identities (and first referral seqs) kept per case */
#define RELAIS_MAX_FOLLOWERS 32 /* referrals that follow one case (its opener and those shared) */
#define RELAIS_MAX_DUPLICATES 8 /* open cases one case may be flagged as a likely duplicate of */

/* A referral's handle, "R-<seq>": the only name by which its referrer knows what it referred
 * (the partner-view rule: never the case it joined). */
#define RELAIS_REFERRAL_HANDLE_PREFIX "R-"
/* Writes "R-<seq>" into `out` (room RELAIS_CASE_ID_LEN). */
void relais_referral_handle(uint64_t seq, char *out);
/* The sequence number a handle names; 0 when `text` is not "R-" and a decimal number > 0. */
uint64_t relais_referral_handle_seq(const char *text);

typedef struct {
    char case_id[RELAIS_CASE_ID_LEN];
    relais_case_state_t state;
    int task_status;                 /* TaskStatus value */
    char sub_status[RELAIS_NAME_LEN];
    char reason_code[RELAIS_NAME_LEN];
    relais_urgency_t urgency;
    char child_display[RELAIS_NAME_LEN]; /* "Lina B. (2015)"-style, for the coordinator */
    char school[RELAIS_NAME_LEN];
    char referrers[RELAIS_MAX_REFERRERS][RELAIS_NAME_LEN]; /* organisations, in order */
    size_t referrer_count;
    int64_t opened_ms;
    int64_t updated_ms;
    int64_t due_ms;                  /* triage deadline or next review; 0 when none */
    int overdue;
    uint32_t referral_count;
    int64_t retention_due_ms;        /* the next lifecycle move, when a list asked (expiring_days) */
    /* The open cases it may duplicate (coordinator and auditor only), by case number. */
    char duplicates[RELAIS_MAX_DUPLICATES][RELAIS_CASE_ID_LEN];
    size_t duplicate_count;
    char owner[RELAIS_NAME_LEN];     /* the identity that owns the case, "" when none */
    char merged_into[RELAIS_CASE_ID_LEN]; /* merged: the surviving case; "" otherwise */
    char merged_from[RELAIS_MAX_MERGED][RELAIS_CASE_ID_LEN]; /* the cases merged into this one */
    size_t merged_count;
    char split_from[RELAIS_CASE_ID_LEN]; /* opened by a split: the case its referral left; "" otherwise */
} relais_case_summary_t;

/* A referral that follows its case: its referrer sees the case's status after each event
 * from since_seq on (the referral itself when it opened the case, else the coordinator's share). */
typedef struct {
    uint64_t referral_seq;        /* its handle is "R-<referral_seq>" */
    char sender[RELAIS_NAME_LEN]; /* the identity that sent it */
    uint64_t since_seq;
} relais_case_follower_t;

/* The cache entry; replaying the log rebuilds it exactly. */
typedef struct {
    relais_case_summary_t summary;
    uint8_t child_key[32];
    char senders[RELAIS_MAX_REFERRERS][RELAIS_NAME_LEN]; /* identities that referred */
    size_t sender_count;
    uint64_t referral_seqs[RELAIS_MAX_REFERRERS];
    size_t referral_seq_count;
    uint64_t last_seq;
    relais_case_state_t paused_from;
    int64_t triage_from_ms; /* when the triage target of the case's urgency started to count */
    int64_t review_ms;      /* next review date (midnight UTC of the ISO date); 0 when none */
    relais_case_follower_t followers[RELAIS_MAX_FOLLOWERS]; /* in the order they began to follow */
    size_t follower_count;
    uint32_t referral_keys; /* referral keys made: parts 1.. of the case's keys, one a referral */
} relais_case_record_t;

/* CaseRecord to and from bytes (the store's case index value). Encode: *out caller frees;
 * RELAIS_E_INVALID for an unterminated string, a count over RELAIS_MAX_REFERRERS or an
 * unknown enum value. Decode: RELAIS_E_MALFORMED, also for a string longer than its buffer
 * (refused, not cut: the encoder cannot have written it), a child key that is not 32 bytes or
 * more than RELAIS_MAX_REFERRERS senders or referrals. */
int relais_case_record_encode(const relais_case_record_t *rec, uint8_t **out, size_t *out_len);
int relais_case_record_decode(const uint8_t *buf, size_t len, relais_case_record_t *out);

/* The index entry of one referral, kept beside the cases under its handle: what its referrer
 * sent and where it was filed. */
typedef struct {
    uint64_t seq;                        /* the referral's sequence number */
    char case_id[RELAIS_CASE_ID_LEN];    /* the case it was filed in (never shown to its referrer) */
    char sender[RELAIS_NAME_LEN];        /* the identity that sent it */
    int64_t received_ms;
    relais_urgency_t urgency;
    char school[RELAIS_NAME_LEN];        /* the child's school, as the referral gave it */
    char organisation[RELAIS_NAME_LEN];  /* the referrer's organisation, as the referral gave it */
    char child_display[RELAIS_NAME_LEN]; /* the child as the referral named it ("Lina B. (2015)") */
    uint32_t key_part;                   /* its key, a part of its case's: 1 opened it, 2.. joined */
    uint64_t split_by;                   /* the update that moved it out of its case by a split; 0 */
    uint64_t rectified_by;               /* its first rectification's record; 0 */
} relais_referral_record_t;

/* ReferralRecord to and from bytes, with the errors of relais_case_record_encode/_decode. */
int relais_referral_record_encode(const relais_referral_record_t *rec, uint8_t **out, size_t *out_len);
int relais_referral_record_decode(const uint8_t *buf, size_t len, relais_referral_record_t *out);

/* ---- The reception desk's register (docs/reception.md) ---------------------------------- */

/* relais.proto's ContactLog enums, by value. */
typedef enum {
    RELAIS_CHANNEL_UNSPECIFIED = 0,
    RELAIS_CHANNEL_CALL,
    RELAIS_CHANNEL_VISIT,
    RELAIS_CHANNEL_LETTER,
    RELAIS_CHANNEL_EMAIL,
    RELAIS_CHANNEL_FORM,
    RELAIS_CHANNEL_COUNT
} relais_channel_t;

typedef enum {
    RELAIS_CATEGORY_UNSPECIFIED = 0,
    RELAIS_CATEGORY_NOISE,
    RELAIS_CATEGORY_NEIGHBOURHOOD_DISPUTE,
    RELAIS_CATEGORY_INCIVILITY,
    RELAIS_CATEGORY_PUBLIC_SPACE,
    RELAIS_CATEGORY_PARKING_TRAFFIC,
    RELAIS_CATEGORY_VICTIM_SUPPORT,
    RELAIS_CATEGORY_LOST_PROPERTY,
    RELAIS_CATEGORY_DECREE_INFORMATION,
    RELAIS_CATEGORY_OTHER,
    RELAIS_CATEGORY_COUNT
} relais_category_t;

typedef enum {
    RELAIS_HANDLING_UNSPECIFIED = 0,
    RELAIS_HANDLING_ANSWERED_ON_SPOT,
    RELAIS_HANDLING_FOLLOW_UP,
    RELAIS_HANDLING_TRANSFERRED,
    RELAIS_HANDLING_CLOSED,
    RELAIS_HANDLING_COUNT
} relais_handling_t;

typedef enum {
    RELAIS_RECIPIENT_UNSPECIFIED = 0,
    RELAIS_RECIPIENT_POLICE_MUNICIPALE,
    RELAIS_RECIPIENT_POLICE_NATIONALE,
    RELAIS_RECIPIENT_VICTIM_SUPPORT,
    RELAIS_RECIPIENT_MUNICIPAL_SERVICE,
    RELAIS_RECIPIENT_HUB,
    RELAIS_RECIPIENT_COUNT
} relais_recipient_t;

typedef enum {
    RELAIS_MEANS_UNSPECIFIED = 0,
    RELAIS_MEANS_BY_HUB,
    RELAIS_MEANS_BY_PHONE,
    RELAIS_MEANS_BY_EMAIL,
    RELAIS_MEANS_BY_LETTER,
    RELAIS_MEANS_IN_PERSON,
    RELAIS_MEANS_COUNT
} relais_means_t;

typedef enum {
    RELAIS_ANSWER_UNSPECIFIED = 0,
    RELAIS_ANSWER_ACCEPTED,
    RELAIS_ANSWER_DECLINED,
    RELAIS_ANSWER_COUNT
} relais_answer_t;

/* The command line's spellings ("call", "neighbourhood-dispute", "answered-on-spot",
 * "police-municipale", "phone", "accepted"), NULL for 0 or an unknown value; and back (either
 * spelling, as relais_case_state_from_name: "POLICE_MUNICIPALE" too), 0 when unknown. */
const char *relais_channel_name(relais_channel_t v);
relais_channel_t relais_channel_from_name(const char *name);
const char *relais_category_name(relais_category_t v);
relais_category_t relais_category_from_name(const char *name);
const char *relais_handling_name(relais_handling_t v);
relais_handling_t relais_handling_from_name(const char *name);
const char *relais_recipient_name(relais_recipient_t v);
relais_recipient_t relais_recipient_from_name(const char *name);
const char *relais_means_name(relais_means_t v);
relais_means_t relais_means_from_name(const char *name);
const char *relais_answer_name(relais_answer_t v);
relais_answer_t relais_answer_from_name(const char *name);

/* Handles: an entry of the register is "A-<seq>" (accueil), a transfer "T-<seq>". Write into
 * `out` (room RELAIS_CASE_ID_LEN); read back the seq, 0 when `text` is no such handle. */
void relais_entry_handle(uint64_t seq, char *out);
uint64_t relais_entry_handle_seq(const char *text);
void relais_transfer_handle(uint64_t seq, char *out);
uint64_t relais_transfer_handle_seq(const char *text);

/* What the register's rules read of its payloads; pointers valid while the message lives. */
typedef struct {
    relais_channel_t channel;
    const char *subject;
    const char *requester;
    const char *summary;
    int64_t occurred_ms;
    relais_category_t category;
    const char *street;
    const char *house_number;
    const char *contact_details;
    int contact_agreed;
    relais_handling_t handling;
    const char *acknowledged_date;
    const char *response_due_date;
} relais_contact_view_t;

typedef struct {
    const char *entry_id;
    relais_handling_t handling;
    const char *note;
    const char *acknowledged_date;
    const char *response_due_date;
    relais_category_t category;
    const char *street;
    const char *house_number;
    const char *subject;
} relais_contact_update_view_t;

typedef struct {
    const char *entry_id;
    relais_recipient_t recipient;
    const char *recipient_name;
    relais_means_t means;
    const char *note;
} relais_transfer_view_t;

typedef struct {
    const char *transfer_id;
    relais_answer_t answer;
    const char *note;
} relais_transfer_answer_view_t;

/* Fill *out for their payload. Errors: RELAIS_E_INVALID (another payload). */
int relais_message_contact(const relais_message_t *self, relais_contact_view_t *out);
int relais_message_contact_update(const relais_message_t *self, relais_contact_update_view_t *out);
int relais_message_transfer(const relais_message_t *self, relais_transfer_view_t *out);
int relais_message_transfer_answer(const relais_message_t *self, relais_transfer_answer_view_t *out);

/* A written request (letter, e-mail, form): acknowledged, and answered by a due date. */
int relais_channel_is_written(relais_channel_t channel);

#define RELAIS_CONTACT_LABEL_LEN 512  /* a subject, a name, a street: at most 120 characters */
#define RELAIS_CONTACT_TEXT_LEN 4096  /* a summary: at most 1,000 characters */
#define RELAIS_DATE_LEN 16            /* "2026-12-03" */
#define RELAIS_MAX_TRANSFERS 16       /* transfers of one entry */

/* One transfer of an entry, and its hub recipient's answer. */
typedef struct {
    uint64_t seq;                    /* the Transfer record: "T-<seq>" */
    relais_recipient_t recipient;
    char recipient_name[RELAIS_CONTACT_LABEL_LEN];
    relais_means_t means;
    int64_t transferred_ms;
    char sender[RELAIS_NAME_LEN];    /* the desk identity that made it */
    relais_answer_t answer;          /* 0 until answered */
    uint64_t answer_seq;
    int64_t answered_ms;
} relais_transfer_state_t;

/* The register's index entry of one entry (ContactRecord): replaying the log rebuilds it. */
typedef struct {
    uint64_t seq;                    /* the ContactLog record: "A-<seq>" */
    char sender[RELAIS_NAME_LEN];
    int64_t received_ms;
    int64_t occurred_ms;
    relais_channel_t channel;
    relais_category_t category;
    char street[RELAIS_CONTACT_LABEL_LEN];
    char house_number[48];           /* at most 10 characters: up to 40 bytes of UTF-8 */
    char subject[RELAIS_CONTACT_LABEL_LEN];
    char requester[RELAIS_CONTACT_LABEL_LEN];
    char summary[RELAIS_CONTACT_TEXT_LEN];
    relais_handling_t handling;
    char acknowledged_date[RELAIS_DATE_LEN];
    char response_due_date[RELAIS_DATE_LEN];
    int64_t closed_ms;
    uint64_t last_seq;
    int64_t updated_ms;
    relais_transfer_state_t transfers[RELAIS_MAX_TRANSFERS];
    size_t transfer_count;
    int overdue;                     /* filled when served */
    int contact_agreed;
} relais_contact_record_t;

/* ContactRecord to and from bytes, with the errors of relais_case_record_encode/_decode. */
int relais_contact_record_encode(const relais_contact_record_t *rec, uint8_t **out, size_t *out_len);
int relais_contact_record_decode(const uint8_t *buf, size_t len, relais_contact_record_t *out);

/* ---- The lost and found (docs/reception.md, "Lost and found") --------------------------- */

/* relais.proto's LostFoundItem, LostFoundUpdate and LostRecord enums, by value. */
typedef enum {
    RELAIS_LOST_KIND_UNSPECIFIED = 0,
    RELAIS_LOST_KIND_FOUND,
    RELAIS_LOST_KIND_LOST,
    RELAIS_LOST_KIND_COUNT
} relais_lost_kind_t;

typedef enum {
    RELAIS_ITEM_UNSPECIFIED = 0,
    RELAIS_ITEM_KEYS,
    RELAIS_ITEM_WALLET,
    RELAIS_ITEM_PHONE,
    RELAIS_ITEM_BAG,
    RELAIS_ITEM_PAPERS,
    RELAIS_ITEM_JEWELLERY,
    RELAIS_ITEM_CLOTHING,
    RELAIS_ITEM_GLASSES,
    RELAIS_ITEM_ELECTRONICS,
    RELAIS_ITEM_BICYCLE,
    RELAIS_ITEM_TOY,
    RELAIS_ITEM_OTHER,
    RELAIS_ITEM_COUNT
} relais_item_category_t;

typedef enum {
    RELAIS_LOST_UPDATE_UNSPECIFIED = 0,
    RELAIS_LOST_UPDATE_NOTE,
    RELAIS_LOST_UPDATE_RETURN,
    RELAIS_LOST_UPDATE_END,
    RELAIS_LOST_UPDATE_WITHDRAW,
    RELAIS_LOST_UPDATE_COUNT
} relais_lost_update_kind_t;

typedef enum {
    RELAIS_OUTCOME_UNSPECIFIED = 0,
    RELAIS_OUTCOME_TO_FINDER,
    RELAIS_OUTCOME_HANDED_OVER,
    RELAIS_OUTCOME_DESTROYED,
    RELAIS_OUTCOME_COUNT
} relais_outcome_t;

typedef enum {
    RELAIS_LOST_STATE_UNSPECIFIED = 0,
    RELAIS_LOST_STATE_KEPT,
    RELAIS_LOST_STATE_SOUGHT,
    RELAIS_LOST_STATE_RETURNED,
    RELAIS_LOST_STATE_RECOVERED,
    RELAIS_LOST_STATE_ENDED,
    RELAIS_LOST_STATE_WITHDRAWN,
    RELAIS_LOST_STATE_COUNT
} relais_lost_state_t;

/* The command line's spellings ("found", "wallet", "return", "to-finder", "kept"), NULL for 0 or
 * an unknown value; and back (either spelling), 0 when unknown. */
const char *relais_lost_kind_name(relais_lost_kind_t v);
relais_lost_kind_t relais_lost_kind_from_name(const char *name);
const char *relais_item_category_name(relais_item_category_t v);
relais_item_category_t relais_item_category_from_name(const char *name);
const char *relais_lost_update_name(relais_lost_update_kind_t v);
relais_lost_update_kind_t relais_lost_update_from_name(const char *name);
const char *relais_outcome_name(relais_outcome_t v);
relais_outcome_t relais_outcome_from_name(const char *name);
const char *relais_lost_state_name(relais_lost_state_t v);
relais_lost_state_t relais_lost_state_from_name(const char *name);

/* Handles: a found item is "O-<seq>" (objet trouvé), a declared loss "P-<seq>" (perte). Write into
 * `out` (room RELAIS_CASE_ID_LEN); read back the seq, 0 when `text` is no such handle. */
void relais_found_handle(uint64_t seq, char *out);
uint64_t relais_found_handle_seq(const char *text);
void relais_loss_handle(uint64_t seq, char *out);
uint64_t relais_loss_handle_seq(const char *text);
/* The handle of an item of either kind. */
void relais_lost_handle(relais_lost_kind_t kind, uint64_t seq, char *out);

typedef struct {
    relais_lost_kind_t kind;
    relais_item_category_t category;
    const char *description;
    const char *street;
    const char *house_number;
    const char *place;
    int64_t when_ms;
    int64_t until_ms;
    const char *person;
    const char *contact;
    const char *storage;
    const char *keep_until;
    int finder_claims;
} relais_lost_view_t;

typedef struct {
    const char *item_id;
    relais_lost_update_kind_t kind;
    const char *owner;
    const char *identity_checked;
    const char *declaration_id;
    relais_outcome_t outcome;
    const char *handed_to;
    const char *note;
} relais_lost_update_view_t;

/* Fill *out for their payload. Errors: RELAIS_E_INVALID (another payload). */
int relais_message_lost(const relais_message_t *self, relais_lost_view_t *out);
int relais_message_lost_update(const relais_message_t *self, relais_lost_update_view_t *out);

/* The lost and found's index entry of one item (LostRecord): replaying the log rebuilds it. */
typedef struct {
    uint64_t seq;                    /* the LostFoundItem record: "O-<seq>" or "P-<seq>" */
    char sender[RELAIS_NAME_LEN];
    int64_t received_ms;
    relais_lost_kind_t kind;
    relais_item_category_t category;
    char description[RELAIS_CONTACT_TEXT_LEN];
    char street[RELAIS_CONTACT_LABEL_LEN];
    char house_number[48];
    char place[RELAIS_CONTACT_LABEL_LEN];
    int64_t when_ms;
    int64_t until_ms;
    char person[RELAIS_CONTACT_LABEL_LEN];
    char contact[RELAIS_CONTACT_LABEL_LEN];
    char storage[RELAIS_CONTACT_LABEL_LEN];
    char keep_until[RELAIS_DATE_LEN];
    int finder_claims;
    relais_lost_state_t state;
    char owner[RELAIS_CONTACT_LABEL_LEN];
    char identity_checked[RELAIS_CONTACT_LABEL_LEN];
    char matched_id[RELAIS_CASE_ID_LEN];
    relais_outcome_t outcome;
    char handed_to[RELAIS_CONTACT_LABEL_LEN];
    int64_t closed_ms;
    uint64_t last_seq;
    int64_t updated_ms;
} relais_lost_record_t;

/* LostRecord to and from bytes, with the errors of relais_contact_record_encode/_decode. */
int relais_lost_record_encode(const relais_lost_record_t *rec, uint8_t **out, size_t *out_len);
int relais_lost_record_decode(const uint8_t *buf, size_t len, relais_lost_record_t *out);

/* Why two items may be one (LostMatch.Reason bits). */
#define RELAIS_MATCH_SAME_CATEGORY 1u
#define RELAIS_MATCH_SAME_STREET 2u
#define RELAIS_MATCH_SAME_PLACE 4u
#define RELAIS_MATCH_CLOSE_DATES 8u
#define RELAIS_MATCH_SAME_WORDS 16u

typedef struct {
    relais_lost_record_t candidate;
    unsigned score;   /* 0-100 */
    unsigned reasons; /* RELAIS_MATCH_* bits */
} relais_lost_match_t;

/* ---- Municipal decrees (docs/reception.md, "Decrees") ----------------------------------- */

typedef enum {
    RELAIS_DECREE_NATURE_UNSPECIFIED = 0,
    RELAIS_DECREE_REGULATORY,
    RELAIS_DECREE_INDIVIDUAL,
    RELAIS_DECREE_NATURE_COUNT
} relais_decree_nature_t;

typedef enum {
    RELAIS_DECREE_DURATION_UNSPECIFIED = 0,
    RELAIS_DECREE_PERMANENT,
    RELAIS_DECREE_TEMPORARY,
    RELAIS_DECREE_DURATION_COUNT
} relais_decree_duration_t;

typedef enum {
    RELAIS_SIDE_BOTH = 0,
    RELAIS_SIDE_EVEN,
    RELAIS_SIDE_ODD,
    RELAIS_SIDE_COUNT
} relais_side_t;

/* "regulatory", "permanent", "even" (and "both" for 0), NULL for an unknown value; and back. */
const char *relais_decree_nature_name(relais_decree_nature_t v);
relais_decree_nature_t relais_decree_nature_from_name(const char *name);
const char *relais_decree_duration_name(relais_decree_duration_t v);
relais_decree_duration_t relais_decree_duration_from_name(const char *name);
const char *relais_side_name(relais_side_t v);
/* RELAIS_SIDE_COUNT when `name` is no side. */
relais_side_t relais_side_from_name(const char *name);

#define RELAIS_DECREE_NUMBER_LEN 64  /* "2026-148": at most 32 characters */
#define RELAIS_DECREE_TITLE_LEN 1024 /* at most 250 characters */
#define RELAIS_MAX_DECREE_PLACES 32  /* streets of one decree */
#define RELAIS_MAX_REPEALS 16        /* decrees one decree repeals */

typedef struct {
    char street[RELAIS_CONTACT_LABEL_LEN];
    uint32_t from_number;            /* 0: from the street's start */
    uint32_t to_number;              /* 0: to its end */
    relais_side_t side;
} relais_decree_place_t;

/* A decree's public fields, as its record carries them and its index entry keeps them (its text
 * stays in the record). */
typedef struct {
    char number[RELAIS_DECREE_NUMBER_LEN];
    char title[RELAIS_DECREE_TITLE_LEN];
    relais_decree_nature_t nature;
    relais_decree_duration_t duration;
    char signed_date[RELAIS_DATE_LEN];
    char effective_from[RELAIS_DATE_LEN];
    char effective_to[RELAIS_DATE_LEN];
    int town_wide;
    relais_decree_place_t places[RELAIS_MAX_DECREE_PLACES];
    size_t place_count;
    int has_pdf;
    uint8_t pdf_sha256[32];
    char repeals[RELAIS_MAX_REPEALS][RELAIS_DECREE_NUMBER_LEN];
    size_t repeal_count;
    char signatory[RELAIS_CONTACT_LABEL_LEN];
    char request_entry[RELAIS_CASE_ID_LEN];
} relais_decree_t;

/* The decree a message carries (its text in *text, valid while the message lives; may be NULL).
 * Errors: RELAIS_E_INVALID (another payload), RELAIS_E_MALFORMED (a field wider than its buffer:
 * the validator refuses those first). */
int relais_message_decree(const relais_message_t *self, relais_decree_t *out, const char **text);

/* The decrees' index entry of one decree (DecreeRecord). */
typedef struct {
    uint64_t seq;
    char sender[RELAIS_NAME_LEN];
    int64_t received_ms;
    relais_decree_t decree;
    char repealed_by[RELAIS_DECREE_NUMBER_LEN];
    char repealed_from[RELAIS_DATE_LEN];
} relais_decree_record_t;

/* DecreeRecord to and from bytes, with the errors of relais_contact_record_encode/_decode. */
int relais_decree_record_encode(const relais_decree_record_t *rec, uint8_t **out, size_t *out_len);
int relais_decree_record_decode(const uint8_t *buf, size_t len, relais_decree_record_t *out);

/* ---- Requests (agent -> broker) -------------------------------------------------------- */

typedef enum {
    RELAIS_REQ_NONE = 0,
    RELAIS_REQ_SUBMIT,
    RELAIS_REQ_SUBSCRIBE,
    RELAIS_REQ_CREDIT,
    RELAIS_REQ_CASE_LIST,
    RELAIS_REQ_CASE_SHOW,
    RELAIS_REQ_AUDIT_RECORDS,
    RELAIS_REQ_AUDIT_CHECKPOINT,
    RELAIS_REQ_AUDIT_INCLUSION,
    RELAIS_REQ_AUDIT_CONSISTENCY,
    RELAIS_REQ_PING,
    RELAIS_REQ_STATS,
    RELAIS_REQ_MEETING_SHOW, /* the meeting named in case_id */
    RELAIS_REQ_MEETING_LIST,
    RELAIS_REQ_RECEPTION_LIST,  /* the register's entries, newest first */
    RELAIS_REQ_RECEPTION_SHOW,  /* the entry named in case_id ("A-<seq>") */
    RELAIS_REQ_RECEPTION_STATS, /* the reception's figures over [from_ms, to_ms) */
    RELAIS_REQ_LOST_LIST,       /* the lost and found's items, newest first */
    RELAIS_REQ_LOST_SHOW,       /* the item named in case_id ("O-<seq>", "P-<seq>") */
    RELAIS_REQ_LOST_MATCH,      /* the likely matches of the item named in case_id */
    RELAIS_REQ_DECREE_LIST,     /* the decrees, newest first */
    RELAIS_REQ_DECREE_SHOW,     /* the decree whose number is decree_number */
    RELAIS_REQ_DECREE_IN_FORCE, /* the decrees in force on on_date at street (and house_number) */
} relais_request_kind_t;

typedef struct {
    uint64_t request_id;        /* echoed in the reply */
    relais_request_kind_t kind;
    /* SUBMIT: the serialized SignedMessage; owned by the request (see relais_request_clear) */
    uint8_t *submit;
    size_t submit_len;
    /* SUBSCRIBE (from_seq, credit), CREDIT (credit), AUDIT_RECORDS (from_seq, to_seq),
     * AUDIT_INCLUSION (seq, tree_size), AUDIT_CONSISTENCY (old_size, new_size),
     * AUDIT_CHECKPOINT (tree_size: the checkpoint of that size; 0, the latest) */
    uint64_t from_seq;
    uint64_t to_seq;
    uint32_t credit;
    uint64_t seq;
    uint64_t tree_size;
    uint64_t old_size;
    uint64_t new_size;
    /* CASE_SHOW (MEETING_SHOW: the meeting's id), whether the reply should carry the case's
     * history, and the timeline page wanted (from_seq: 0 for the first page) */
    char case_id[RELAIS_CASE_ID_LEN];
    int with_history;
    /* CASE_LIST filters: bit (1 << state) per wanted state (0 = all), urgency (0 = all),
     * school, referrer and child's name substrings (empty = all; case and accents folded),
     * overdue only */
    uint32_t states;
    relais_urgency_t urgency;
    char school[RELAIS_NAME_LEN];
    char referrer[RELAIS_NAME_LEN];
    char name[RELAIS_NAME_LEN];
    int overdue_only;
    char after[RELAIS_CASE_ID_LEN]; /* CASE_LIST: the page after this line ("" first page) */
    uint32_t expiring_days;     /* CASE_LIST: only cases whose next lifecycle move is this close */
    int mine;                   /* CASE_LIST: only the cases the reader owns (a partner: ignored) */
    uint64_t opening_seq;       /* CASE_SHOW of an archived case: the officer's opening record */
    uint32_t threshold;         /* STATS, RECEPTION_STATS: the smallest cell published */
    /* RECEPTION_LIST: filters (search and street compared folded; 0 or "" for all), and the
     * page: the entries older than `before` (0: from the newest). RECEPTION_STATS: the period. */
    char search[RELAIS_NAME_LEN];
    char street[RELAIS_CONTACT_LABEL_LEN];
    relais_category_t category;
    int64_t from_ms;
    int64_t to_ms;
    int open_only;
    uint64_t before;
    int awaiting_answer;        /* RECEPTION_LIST: open, a hub transfer unanswered */
    int declined;               /* RECEPTION_LIST: open, its last hub transfer declined */
    int unacknowledged;         /* RECEPTION_LIST: an open written request not acknowledged */
    /* LOST_LIST: the kind and category (0: all), and found items kept past their end; with
     * search, from_ms, to_ms, open_only and before as RECEPTION_LIST's */
    relais_lost_kind_t lost_kind;
    relais_item_category_t item_category;
    int keeping_over;
    /* DECREE_LIST (search, before, on_date), DECREE_SHOW (decree_number), DECREE_IN_FORCE
     * (street, house_number, on_date) */
    char decree_number[RELAIS_DECREE_NUMBER_LEN];
    char house_number[48];
    char on_date[RELAIS_DATE_LEN];
} relais_request_t;

/* Errors: RELAIS_E_MALFORMED (also unknown fields, a case id or filter longer than its buffer),
 * RELAIS_E_NOMEM. On success release with relais_request_clear(). */
int relais_request_decode(const uint8_t *buf, size_t len, relais_request_t *out);
/* *out caller frees. Errors: RELAIS_E_INVALID (unknown kind, no submit bytes, bad filter),
 * RELAIS_E_NOMEM. */
int relais_request_encode(const relais_request_t *req, uint8_t **out, size_t *out_len);
/* Frees what the request owns and zeroes it. */
void relais_request_clear(relais_request_t *req);

/* ---- Replies (broker -> agent) ---------------------------------------------------------- */

typedef enum {
    RELAIS_REPLY_NONE = 0, /* the answer to a ping */
    RELAIS_REPLY_ACK,
    RELAIS_REPLY_ERROR,
    RELAIS_REPLY_DELIVERY,
    RELAIS_REPLY_CHECKPOINT,
    RELAIS_REPLY_INCLUSION,
    RELAIS_REPLY_CONSISTENCY,
    RELAIS_REPLY_CASE_LIST,
    RELAIS_REPLY_CASE_DETAIL,
    RELAIS_REPLY_RECORDS,
    RELAIS_REPLY_STATISTICS,
    RELAIS_REPLY_CONTACT_LIST,
    RELAIS_REPLY_CONTACT_DETAIL,
    RELAIS_REPLY_LOST_LIST,
    RELAIS_REPLY_LOST_DETAIL,
    RELAIS_REPLY_LOST_MATCHES,
    RELAIS_REPLY_DECREE_LIST,
} relais_reply_kind_t;

typedef struct {
    uint8_t msg_id[RELAIS_MSG_ID_BYTES];
    uint64_t seq;
    uint8_t leaf_hash[32];
    int duplicate;
    int64_t received_ms;
    char case_id[RELAIS_CASE_ID_LEN]; /* empty when the message is not about a case */
} relais_ack_t;

typedef struct {
    int status;              /* a wire RELAIS_E_* code */
    char message[256];       /* one human sentence */
    uint8_t msg_id[RELAIS_MSG_ID_BYTES];
    int has_msg_id;
} relais_error_t;

/* A closed-loop status, what a partner may know of a case it referred. */
typedef struct {
    char case_id[RELAIS_CASE_ID_LEN];
    relais_case_state_t state;
    int task_status;
    char reason_code[RELAIS_NAME_LEN];
    int64_t updated_ms;
    int rectification;       /* the event corrected the case's records (index only, never shown to a partner) */
} relais_case_status_t;

/* CaseStatusView to and from bytes (the value of a case history entry in the store: the
 * status right after that event). Encode: *out caller frees; RELAIS_E_INVALID for an
 * unterminated string or an unknown state. Decode: RELAIS_E_MALFORMED. */
int relais_case_status_encode(const relais_case_status_t *st, uint8_t **out, size_t *out_len);
int relais_case_status_decode(const uint8_t *buf, size_t len, relais_case_status_t *out);

typedef struct {
    uint64_t seq;
    int64_t received_ms;
    const uint8_t *record;   /* LogRecord bytes, or NULL for a partner's status-only view */
    size_t record_len;
    int has_status;
    relais_case_status_t status;
    int overdue;
    int has_leaf_hash;        /* the record is opened from a sealed leaf, whose hash this is */
    uint8_t leaf_hash[32];
    /* The coordinator's: the record opened a case the hub suspects to duplicate these. */
    char duplicates[RELAIS_MAX_DUPLICATES][RELAIS_CASE_ID_LEN];
    size_t duplicate_count;
    /* A transfer's recipient: the entry it transfers, opened, and its stored leaf's hash. */
    const uint8_t *transferred_entry; /* owned by a decoded reply */
    size_t transferred_entry_len;
    uint8_t transferred_entry_leaf_hash[32];
} relais_delivery_t;

/* One event of a case in a CASE_DETAIL's history: its seq and the status right after it. */
typedef struct {
    uint64_t seq;
    relais_case_status_t status;
} relais_case_event_t;

/* Lists of hashes, records and cases held by a decoded reply. */
typedef struct {
    uint64_t request_id;
    relais_reply_kind_t kind;
    relais_ack_t ack;                 /* ACK */
    relais_error_t error;             /* ERROR */
    relais_delivery_t delivery;       /* DELIVERY; record owned by the reply */
    /* CHECKPOINT: size, root, time, note */
    uint64_t tree_size;
    uint8_t root[32];
    int64_t time_ms;
    char *note;                       /* owned */
    uint32_t witnesses;               /* CHECKPOINT: the hub's witnesses, the newest cosignature's */
    int64_t cosigned_ms;              /* arrival (hub's clock, 0: none) and size */
    uint64_t cosigned_size;
    /* INCLUSION (seq, tree_size, leaf_hash, path) and CONSISTENCY (old_size, tree_size, path) */
    uint64_t seq;
    uint64_t old_size;
    uint8_t leaf_hash[32];
    uint8_t (*path)[32];              /* owned */
    size_t path_len;
    /* CASE_LIST, CASE_DETAIL (one summary and its timeline; a meeting's: the summary, then the
     * summaries of the cases its records are about, CaseDetail.reviewed) */
    relais_case_summary_t *cases;     /* owned */
    size_t case_count;
    /* RECORDS and CASE_DETAIL timeline: LogRecord bytes, owned */
    uint8_t **records;
    size_t *record_lens;
    size_t record_count;
    uint64_t next_seq;                /* RECORDS, CASE_DETAIL timeline: next page, 0 when done */
    /* RECORDS, CASE_DETAIL from a sealed store: the stored leaves' hashes, one a record (or none) */
    uint8_t (*leaf_hashes)[32];       /* owned when decoded */
    size_t leaf_hash_count;
    char next_case[RELAIS_CASE_ID_LEN]; /* CASE_LIST: the next page starts after this, "" when done */
    /* CASE_DETAIL history: the status after each event the reader may see, in log order */
    relais_case_event_t *events;      /* owned when decoded */
    size_t event_count;
    /* CASE_DETAIL, coordinator and auditor: the referrals that follow the case */
    relais_case_follower_t *followers; /* owned when decoded */
    size_t follower_count;
    /* CASE_DETAIL of an archived case, for the data protection officer: its sealed key */
    uint8_t *archived_key;            /* owned when decoded */
    size_t archived_key_len;
    /* STATISTICS: the published tables, JSON and French text (owned when decoded) */
    char *stats_json;
    char *stats_text;
    char *stats_csv;                  /* the reception's figures as CSV too */
    uint32_t threshold;
    /* CONTACT_LIST (the next page: next_seq, 0 when done), CONTACT_DETAIL (contacts[0], its
     * timeline in records and leaf_hashes): the register's entries (owned when decoded) */
    relais_contact_record_t *contacts;
    size_t contact_count;
    /* LOST_LIST (next_seq), LOST_DETAIL (lost[0], its timeline in records and leaf_hashes),
     * LOST_MATCHES (lost[0] the item, matches its candidates best first) */
    relais_lost_record_t *lost;
    size_t lost_count;
    relais_lost_match_t *matches;
    size_t match_count;
    /* DECREE_LIST (next_seq; a show: decrees[0], its record in records[0] and leaf_hash) */
    relais_decree_record_t *decrees;
    size_t decree_count;
} relais_reply_t;

/* Errors: RELAIS_E_MALFORMED (also unknown fields or oneof members, hashes that are not 32
 * bytes, ids or names longer than their buffers), RELAIS_E_NOMEM. The error sentence alone is
 * cut to fit error.message (at a UTF-8 boundary), and an ErrorCode this build does not know
 * decodes as RELAIS_E_MALFORMED. Release with relais_reply_clear(); a failed decode holds nothing. */
int relais_reply_decode(const uint8_t *buf, size_t len, relais_reply_t *out);
/* Serializes a reply built by the caller (pointers borrowed). *out caller frees. CASE_DETAIL
 * takes cases[0] as its summary (case_count at least 1) and the others as its `reviewed` (a
 * meeting's), records as its timeline and events as its history;
 * ERROR needs a wire code.
 * Errors: RELAIS_E_INVALID, RELAIS_E_NOMEM. */
int relais_reply_encode(const relais_reply_t *reply, uint8_t **out, size_t *out_len);
/* Frees what a decoded reply owns and zeroes it. */
void relais_reply_clear(relais_reply_t *reply);

#ifdef __cplusplus
}
#endif

#endif
