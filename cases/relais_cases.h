/* relais_cases.h -- the partnership's case rules: child keys, the state machine, deadlines.
 *
 * One child, one case: a referral is filed under a child key (HMAC-SHA256 with the hub's
 * secret over the normalised names and birth date) and attaches to the open case of that
 * child; a coordinator's update moves a case along the state machine of rules.c. A case is a
 * function of its events in the log: relais_cases_decide() reads the current index through
 * callbacks and says what one event makes of it, nothing else, so that the broker (writing
 * the store's index) and the auditor (rebuilding it in memory from the log) run the very same
 * code and must end with the very same records.
 *
 * Deadlines are not part of a case record: they depend on a policy (triage targets, working
 * hours, the hub's time zone) that may change without the log changing, so they are derived
 * at read time from what the record holds (the triage clock, the next review date).
 *
 * Depends on relais_proto and OpenSSL's libcrypto; the store adapter at the end, on relais_store.
 */
#ifndef RELAIS_CASES_H
#define RELAIS_CASES_H

#include <stddef.h>
#include <stdint.h>

#include "relais_keys.h"
#include "relais_proto.h"
#include "relais_store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The hub's child-key secret, 32 raw bytes, in the store's directory. Whoever replays the
 * case rules (the broker, an auditor) needs it; it never leaves the hub's machines. */
#define RELAIS_CASES_SECRET_FILE "hub-child-key.secret"
#define RELAIS_CASES_SECRET_SIZE 32

/* FHIR Task statuses: the numbering of relais.proto's TaskStatus. */
enum {
    RELAIS_TASK_UNSPECIFIED = 0,
    RELAIS_TASK_REQUESTED = 1,
    RELAIS_TASK_RECEIVED = 2,
    RELAIS_TASK_ACCEPTED = 3,
    RELAIS_TASK_REJECTED = 4,
    RELAIS_TASK_IN_PROGRESS = 5,
    RELAIS_TASK_ON_HOLD = 6,
    RELAIS_TASK_COMPLETED = 7,
    RELAIS_TASK_CANCELLED = 8,
    RELAIS_TASK_FAILED = 9,
    RELAIS_TASK_ENTERED_IN_ERROR = 10,
};

/* ---- The hub secret ------------------------------------------------------------------ */

/* Reads DIR/hub-child-key.secret; when it is missing and `may_create` (an empty log: a new
 * secret would orphan every existing child key), creates it (0600, 32 random bytes, synced)
 * and sets *created. `created` may be NULL. Errors: RELAIS_E_IO (with a detail: missing,
 * unreadable, not 32 bytes), RELAIS_E_CRYPTO. */
int relais_cases_secret_load(const char *dir, int may_create, uint8_t out[RELAIS_CASES_SECRET_SIZE], int *created);

/* Writes `secret` to DIR/hub-child-key.secret (0600, synced), for a copy of the store (a
 * snapshot or a backup). Never replaces an existing file. Errors: RELAIS_E_IO. */
int relais_cases_secret_save(const char *dir, const uint8_t secret[RELAIS_CASES_SECRET_SIZE]);

/* In a store sealed with a data key, the secret is kept wrapped in the store (data key id
 * RELAIS_KEY_ID_CHILD_SECRET), never in a file: a copy of the store cannot be used to test
 * whether a name and a birth date are known. Reads it through `ring`; when the store has none
 * and `may_create` (an empty log), makes it (in its own committed batch) and sets *created.
 * Errors: RELAIS_E_NOT_FOUND (none, and not to be made), RELAIS_E_CRYPTO (the data key does not
 * open it), the store's. */
int relais_cases_secret_load_sealed(relais_store_t *store, relais_keyring_t *ring, int may_create,
                                    uint8_t out[RELAIS_CASES_SECRET_SIZE], int *created);

/* The number n of case "C-<n>" (the record that opened it); 0 when `case_id` is no case id. */
uint64_t relais_cases_number(const char *case_id);

/* The case's own data key (relais_key_id_of(n, 0)), which its updates, its meetings' records
 * and its index entries are sealed under (its referrals have keys of their own: parts 1 and
 * on); 0 when `case_id` is no case id. */
uint64_t relais_cases_key_id(const char *case_id);

/* Seals the store's case index under the cases' data keys from now on (see sealer.c), or with
 * `ring` NULL stops sealing. */
void relais_cases_seal_store(relais_store_t *store, relais_keyring_t *ring);

/* ---- Child keys ---------------------------------------------------------------------- */

/* Normalises a name for the child key: Latin-1 and Latin Extended-A letters folded to ASCII,
 * lower case, runs of spaces, hyphens and apostrophes made one space, trimmed. Writes a
 * NUL-terminated string into `out`. Errors: RELAIS_E_INVALID (does not fit in `cap`). */
int relais_cases_normalise_name(const char *in, char *out, size_t cap);

/* The key of a partner's own reference for a referral in the store, so that the store holds no
 * reference in clear yet keeps a partner's references in their order: 8 bytes of HMAC-SHA256
 * of the sender and the reference's stem (what precedes its trailing digits), the trailing
 * number (u64 big-endian, at most 18 digits), 16 bytes of HMAC-SHA256 of the sender and the
 * whole reference. Errors: RELAIS_E_MALFORMED (empty or too long), RELAIS_E_CRYPTO. */
int relais_cases_ref_key(const uint8_t secret[RELAIS_CASES_SECRET_SIZE], const char *sender, const char *external_ref,
                         uint8_t out[32]);

/* HMAC-SHA256(secret, norm(family) "|" norm(given names joined by spaces) "|" birth date).
 * Errors: RELAIS_E_MALFORMED (missing family name or birth date), RELAIS_E_CRYPTO. */
int relais_cases_child_key(const uint8_t secret[RELAIS_CASES_SECRET_SIZE], const relais_referral_view_t *child,
                           uint8_t out[32]);

/* ---- Likely duplicates (docs/cases.md, "Likely duplicates") ------------------------------- */

/* Besides the exact child key, the hub flags a new case as a possible duplicate of an open
 * one when the birth dates are equal and the names are close; a flag is a question for the
 * coordinator, never a merge. The candidates come from a blocking index whose keys are keyed
 * hashes (no clear name in the store); their names, kept sealed under their case's key beside
 * each entry, are then compared with relais_cases_names_close. */

/* A French-aware phonetic key of a family name (after relais_cases_normalise_name), for a
 * blocking index: the first token, with leading particles and initials glued to it ("Le Gall"
 * and "Legall", "N'Diaye" and "Ndiaye" key alike; "Martin-Durand" keys as "Martin"), written
 * through the table of match.c (PH->F, QU/C/CK->K, soft C->S, soft G->J, CH/SCH->S, EAU/AU->O,
 * AI/EI->E, OU->U, Y->I, W->V, Z->S, H silent, double letters once, a final E, S/X and T/D/P
 * dropped). Lower-case ASCII into `out`. Errors: RELAIS_E_INVALID (NULL, or does not fit in
 * `cap`), RELAIS_E_MALFORMED (no letter a-z to key). */
int relais_cases_phonetic_key(const char *family_name, char *out, size_t cap);

/* 1 when the names of `a` and `b` may be one child's written twice, 0 when not (the birth
 * dates are the caller's to compare). Close: the family names are equal once normalised or
 * glued, one typo apart (one edit or two neighbours swapped, on a part of 4+ letters), one is
 * the other compound name shortened, or they sound alike part by part; and the given names
 * are equal, one typo apart, or one side's are a subset of the other's (a missing or extra
 * given name), or one side has none. Or the family and given names are swapped, or the same
 * names come in another order. Given names that differ by a final E (Louis / Louise) are
 * never one typo apart: twins get them. Errors: RELAIS_E_INVALID (NULL), RELAIS_E_MALFORMED
 * (no family name, names too long). */
int relais_cases_names_close(const relais_referral_view_t *a, const relais_referral_view_t *b);

/* The blocking keys of a child: HMAC-SHA256(secret, "block|" birth date "|" phonetic key),
 * for the phonetic key of its family name and, when it differs, of its first given name (so
 * that swapped names, and a typo in one of the two, still meet). *count gets 0 to
 * RELAIS_CASES_BLOCK_KEYS (0: no name yields a key, the child cannot be blocked). Errors:
 * RELAIS_E_MALFORMED (no birth date), RELAIS_E_CRYPTO. */
#define RELAIS_CASES_BLOCK_KEYS 2
/* The open cases compared under one blocking key at most: a town's children born on one day
 * whose names sound alike are a handful, and a partner that sent thousands alike would
 * otherwise make every later search compare them all (those past it are not searched). */
#define RELAIS_CASES_BLOCK_SCAN_MAX 64
#define RELAIS_CASES_BLOCK_KEY_SIZE 32
int relais_cases_block_keys(const uint8_t secret[RELAIS_CASES_SECRET_SIZE], const relais_referral_view_t *child,
                            uint8_t keys[RELAIS_CASES_BLOCK_KEYS][RELAIS_CASES_BLOCK_KEY_SIZE], size_t *count);

/* A child's names as a blocking entry keeps them (sealed under its case's key): the birth date,
 * the family name and each given name, one a line. Pack writes them into `out` (room `cap`,
 * RELAIS_CASES_NAMES_MAX is always enough for a referral the hub accepted); unpack reads them
 * back into `view` (family, given names, birth date), pointing into `buf` (room `cap`, a copy;
 * `given` room for RELAIS_CASES_NAMES_GIVEN_MAX pointers). Errors: RELAIS_E_INVALID (no room),
 * RELAIS_E_MALFORMED (not packed names). */
#define RELAIS_CASES_NAMES_MAX 4608
#define RELAIS_CASES_NAMES_GIVEN_MAX 10
int relais_cases_names_pack(const relais_referral_view_t *child, char *out, size_t cap, size_t *len);
int relais_cases_names_unpack(const uint8_t *packed, size_t len, char *buf, size_t cap, const char **given,
                              relais_referral_view_t *view);

/* A child's names normalised once for many comparisons with relais_cases_names_close_to (the
 * same rule as relais_cases_names_close): a new case is compared with each candidate without
 * folding its own names again. Prepare: *out to free with relais_cases_names_free; errors those
 * of relais_cases_names_close, RELAIS_E_NOMEM. */
typedef struct relais_cases_names relais_cases_names_t;
int relais_cases_names_prepare(const relais_referral_view_t *child, relais_cases_names_t **out);
int relais_cases_names_close_to(const relais_cases_names_t *a, const relais_referral_view_t *b);
void relais_cases_names_free(relais_cases_names_t **names);

/* ---- States ---------------------------------------------------------------------------- */

/* FHIR Task status of a business state (RELAIS_TASK_*; the table is in rules.c). */
int relais_cases_task_status(relais_case_state_t state);

/* True for the states in which a case is open (a referral attaches, notes are allowed). */
int relais_cases_state_is_open(relais_case_state_t state);

/* Whether a case in state `from` may take an update to `to`, as the hub's rules decide it: a
 * move of the state machine (docs/cases.md), a pause, a note (`to` equal to `from`, in an open
 * state), entered-in-error from any state but itself, and from paused only the state it left,
 * `paused_from` (unused for another state). What a screen offers from a state, so that it
 * never offers what the hub refuses; the fields a move needs (a reason, where to, a pathway)
 * are checked by the hub. */
int relais_cases_can_move(relais_case_state_t from, relais_case_state_t paused_from, relais_case_state_t to);

/* ---- Events on one case record (pure) ------------------------------------------------- */

/* Copies `text` (NULL: "") into `out` (room `cap`), cut between two characters when it does not
 * fit: a case record keeps a long school or name shortened, never with a broken character (its
 * encoding would not decode, and the commit that holds it would fail). */
void relais_cases_copy_text(char *out, size_t cap, const char *text);

/* "Lina B. (2015)": the child as a work list names it, enough to recognise, not a full identity. */
void relais_cases_child_display(const relais_referral_view_t *ref, char *out, size_t cap);

/* The case a new referral opens: id "C-<seq>", state submitted, the triage clock started;
 * the referral follows it from the start (it learns nothing by it: the case is its own). */
int relais_cases_open(const relais_referral_view_t *ref, const uint8_t child_key[32], const char *sender,
                      uint64_t seq, int64_t received_ms, relais_case_record_t *out);

/* Attaches a further referral to an open case (sender, organisation, urgency, seq). A more
 * urgent referral restarts the triage clock at its own arrival. */
int relais_cases_attach(relais_case_record_t *rec, const relais_referral_view_t *ref, const char *sender,
                        uint64_t seq, int64_t received_ms);

/* A merge, record `seq`: `into` takes what `from` holds (its referrals counted, their referrers
 * and first sequence numbers, its urgency when higher, its merged cases), and `from`'s followers
 * follow `into` from the merge on, never its earlier events (the partner-view rule). The caller
 * refuses beforehand a merge that does not fit (followers, merged cases). */
void relais_cases_absorb(relais_case_record_t *into, const relais_case_record_t *from, uint64_t seq,
                         int64_t received_ms);

/* What its referrals bring to a case, made again from the entries `refs` of those it keeps (in
 * the order it lists them): their organisations and referrers, the child's school (the first
 * given), the highest urgency and the arrival of the first referral that gave it, from which its
 * triage counts. A split calls it once the referral moved out is off the list. Nothing changes
 * for `count` 0. */
void relais_cases_recount(relais_case_record_t *rec, const relais_referral_record_t *refs, size_t count);

/* Applies a coordinator's update to `rec` in place. Returns 0, or RELAIS_E_BAD_TRANSITION
 * with a sentence in `why` (room `cap`), `rec` unchanged. *closed is set when the case left
 * the open states with this update (its child must no longer lead to it). */
int relais_cases_update(relais_case_record_t *rec, const relais_case_update_view_t *upd, uint64_t seq,
                        int64_t received_ms, int *closed, char *why, size_t cap);

/* The closed-loop status of a case as it stands (what a partner may know). */
void relais_cases_status(const relais_case_record_t *rec, relais_case_status_t *out);

/* True when `rec` names `sender` among the identities that referred the case. */
int relais_cases_has_sender(const relais_case_record_t *rec, const char *sender);

/* ---- The partner-view rule (docs/cases.md) ---------------------------------------------- */

/* A referrer knows what it referred only through its referral's handle, and learns nothing of
 * the case the referral joined but what follows the referral: the referral itself (at the
 * state a new referral has, submitted), then, once the referral follows the case (it opened
 * it, or the coordinator shared the case with it), the case's status after each event. */

/* The follower entry of referral `referral_seq` in `rec`, or NULL when it does not follow. */
const relais_case_follower_t *relais_cases_follower(const relais_case_record_t *rec, uint64_t referral_seq);

/* The first referral of `sender` that follows `rec` at event `seq` (since_seq <= seq), or NULL:
 * whether, and under which handle, that referrer sees the event. */
const relais_case_follower_t *relais_cases_follower_at(const relais_case_record_t *rec, const char *sender,
                                                       uint64_t seq);

/* What a referrer sees of its referral `ref` now: the case's status when the referral follows
 * `rec`, else the status of a new referral at its arrival; named by the referral's handle. */
void relais_cases_referral_status(const relais_referral_record_t *ref, const relais_case_record_t *rec,
                                  relais_case_status_t *out);

/* The status of a new referral at its arrival (submitted, requested), named by its handle. */
void relais_cases_referral_arrival(uint64_t seq, int64_t received_ms, relais_case_status_t *out);

/* ---- Replaying events against an index ---------------------------------------------------- */

/* How the rules read the current index (the store's inside a batch, or an auditor's map).
 * Each returns 0, RELAIS_E_NOT_FOUND, or another status that stops the decision. */
typedef struct {
    /* The case `case_id`, decoded into *out. */
    int (*case_get)(void *ctx, const char *case_id, relais_case_record_t *out);
    /* The open case of a child key, copied into `case_id` (room RELAIS_CASE_ID_LEN). */
    int (*child_get)(void *ctx, const uint8_t child_key[32], char *case_id);
    /* The index entry of referral `seq` (kept under its handle), decoded into *out. */
    int (*referral_get)(void *ctx, uint64_t seq, relais_referral_record_t *out);
    /* The cases filed under a blocking key, with the names each was filed with (packed), in the
     * order of their ids' bytes (the shorter first when one begins the other: "C-1", "C-10",
     * "C-2"), as the store keeps them: calls `fn` for each until it returns nonzero (which is
     * returned). The search stops a key's scan after RELAIS_CASES_BLOCK_SCAN_MAX cases, so an
     * index that listed them in another order would flag other cases. NULL: the index keeps no
     * blocking entries, and no case is flagged. */
    int (*block_scan)(void *ctx, const uint8_t key[RELAIS_CASES_BLOCK_KEY_SIZE],
                      int (*fn)(void *fn_ctx, const char *case_id, const uint8_t *names, size_t len), void *fn_ctx);
    /* 1 when case `case_id` existed and is no longer in the index: it has left the active base
     * (the index forgot it), or its records can no longer be opened (a replay after that), so
     * what depended on it then (a flag, its dismissal) cannot be judged again. 0 otherwise
     * (a case in the index, or one that never was). NULL: no case ever leaves. */
    int (*case_gone)(void *ctx, const char *case_id);
} relais_cases_index_t;

typedef enum {
    RELAIS_CASES_CHILD_KEEP = 0, /* the child index does not change */
    RELAIS_CASES_CHILD_LINK,     /* child key -> this case (a new case opened) */
    RELAIS_CASES_CHILD_UNLINK,   /* the case closed: the child key leads nowhere now */
} relais_cases_child_t;

/* What one event makes of the index: the caller records `rec` under its case id, links
 * record `seq` to it with `status` (the case's status after the event), records a referral's
 * entry under its handle, and changes the child index as `child` says. */
typedef struct {
    int about_case;             /* 0: the message is not about a case (nothing to record) */
    int status;                 /* 0, or why the rules refuse the event (nothing to record) */
    char why[256];              /* the refusal in one sentence */
    relais_case_record_t rec;   /* the case after the event */
    relais_case_status_t after; /* its closed-loop status after the event */
    relais_cases_child_t child; /* what happens to the child index */
    int has_referral;           /* the event is a referral: record `referral` under its handle */
    relais_referral_record_t referral;
    int64_t received_ms;        /* when the event was received: the case's last contact */
    /* A partnership meeting's record of the case: filed under the meeting's id, "" otherwise. */
    char meeting_id[RELAIS_MEETING_ID_LEN];
    /* A new case: file it under these blocking keys with these names (packed), so that a
     * later case of a close child finds it. rec.summary.duplicates holds what it was found to
     * be a likely duplicate of. */
    size_t block_count;
    uint8_t block_keys[RELAIS_CASES_BLOCK_KEYS][RELAIS_CASES_BLOCK_KEY_SIZE];
    char block_names[RELAIS_CASES_NAMES_MAX];
    size_t block_names_len;
    /* A merge: `rec` is the surviving case (the event is its own), `merged` the case merged
     * into it, recorded too; when the merged case's child key still led to it, it leads to the
     * surviving case from now on (relink_child). */
    int has_merged;
    relais_case_record_t merged;
    int relink_child;
    /* The case left the open states (closed, entered in error, merged: `merged`'s then): its
     * blocking entries go, for only an open case is a candidate. */
    int unblock;
    /* A split (docs/cases.md, "Splitting a case"): the update moves referral `split_of` out of
     * `rec`, which no longer counts it; `referral` is its entry, marked as split by this record
     * (the hub's copy of it must follow as the very next record), and its event leaves the case's
     * history. The key it was sealed under (`split_key`) is destroyed. */
    uint64_t split_of;
    uint64_t split_key;
    /* A split's copy (relais_cases_decide_copy): `rec` is the case it opens, `referral` the moved
     * referral's entry, filed in it; the referral's own event joins its history too. */
    uint64_t copy_of;
    /* A record that can no longer be opened was a split's copy whose case has left the active
     * base since: the moved referral's entry goes, as it went with that case. */
    uint64_t forget_referral;
} relais_cases_step_t;

/* Decides what message `msg` (record `seq`, received at `received_ms`) does to the cases.
 * For a referral, `child_key` is its key when the caller computed it already, else NULL and
 * it is computed with `secret`. A partnership meeting's record of a case is an event of that
 * case that keeps its state (its next review date, when it gives one, is the case's). Refusals
 * (RELAIS_E_BAD_TRANSITION for an update the state machine forbids, a case that does not exist,
 * a meeting's record of a case that is closed, entered in error or merged; RELAIS_E_MALFORMED
 * for a child that cannot be keyed) go into out->status; the return value is 0 or a status of the index callbacks
 * (the decision could not be made). */
int relais_cases_decide(const relais_cases_index_t *index, void *ctx, const uint8_t secret[RELAIS_CASES_SECRET_SIZE],
                        const relais_message_t *msg, const uint8_t *child_key, uint64_t seq, int64_t received_ms,
                        relais_cases_step_t *out);

/* What the log says of a split's copy besides its message: the referral it copies and when that
 * one was received (its LogRecord's), and, when the record before the copy (the split) can no
 * longer be opened because its case has left the active base, the case that record's key names:
 * a replay then takes the split as it was accepted. */
typedef struct {
    uint64_t copy_of;         /* LogRecord.copy_of */
    int64_t copied_ms;        /* that record's received_ms */
    const char *split_unseen; /* NULL, or the case of a split the replay could not open */
} relais_cases_copy_t;

/* The hub's copy of a referral a split moved out (record `seq`, the referrer's message `msg`):
 * it opens case "C-<seq>" with that referral, which follows it from now on under its own
 * handle. Refused (out->status) unless the record before it split that very referral (or could
 * not be opened: copy->split_unseen). Same return values as relais_cases_decide. */
int relais_cases_decide_copy(const relais_cases_index_t *index, void *ctx,
                             const uint8_t secret[RELAIS_CASES_SECRET_SIZE], const relais_message_t *msg,
                             const relais_cases_copy_t *copy, uint64_t seq, int64_t received_ms,
                             relais_cases_step_t *out);

/* A record that can no longer be opened (its data key `key_id` is gone; `copy_of` from its
 * LogRecord): what it still does to the index, for a replay. A referral's own key (part 2 and on)
 * whose case the index still holds was destroyed by a split: the referral joined that case then,
 * and is filed as a referral whose details are gone (the split takes it out again, and the case
 * is recomputed from the referrals it keeps). A split's copy: its case has left the active base,
 * and the moved referral's entry with it (forget_referral). Anything else: out->about_case 0,
 * and the caller counts the record as an event of the case its key names. Refusals as
 * relais_cases_decide's (a referral key out of order). */
int relais_cases_decide_gone(const relais_cases_index_t *index, void *ctx, uint64_t key_id, uint64_t copy_of,
                             uint64_t seq, int64_t received_ms, relais_cases_step_t *out);

/* The likely-duplicate search of relais_cases_decide over `index`, alone (see
 * relais_cases_batch_duplicates): the duplicates found are added to out->rec.summary's and the
 * blocking keys and names set in *out, so start from a zeroed step. Errors: RELAIS_E_INVALID
 * (an index with blocking entries and no secret), the index's. */
int relais_cases_duplicates(const relais_cases_index_t *index, void *ctx, const uint8_t secret[RELAIS_CASES_SECRET_SIZE],
                            const relais_referral_view_t *child, relais_cases_step_t *out);

/* ---- The index in a relais store ----------------------------------------------------- */

/* The data key the event a step decided is sealed under: a referral's own (made now: *create 1)
 * or its case's own (*create 0). */
uint64_t relais_cases_step_key_id(const relais_cases_step_t *step, int *create);

/* relais_cases_decide() over the case and child indexes of an open store batch (seeing the
 * batch's own writes). Same results as relais_cases_decide(). */
int relais_cases_batch_decide(relais_store_batch_t *batch, const uint8_t secret[RELAIS_CASES_SECRET_SIZE],
                              const relais_message_t *msg, const uint8_t *child_key, uint64_t seq,
                              int64_t received_ms, relais_cases_step_t *out);

/* relais_cases_decide_copy and relais_cases_decide_gone over an open store batch. */
int relais_cases_batch_decide_copy(relais_store_batch_t *batch, const uint8_t secret[RELAIS_CASES_SECRET_SIZE],
                                   const relais_message_t *msg, const relais_cases_copy_t *copy, uint64_t seq,
                                   int64_t received_ms, relais_cases_step_t *out);
int relais_cases_batch_decide_gone(relais_store_batch_t *batch, uint64_t key_id, uint64_t copy_of, uint64_t seq,
                                   int64_t received_ms, relais_cases_step_t *out);

/* The likely-duplicate search alone, as relais_cases_decide runs it for a referral that opens a
 * new case: the open cases of the batch's index that `child` may duplicate, into
 * out->rec.summary.duplicates (added to: start from a zeroed step), and the blocking keys and
 * names to file it under (the bench measures its cost with this). Returns 0 or a status of the
 * index. */
int relais_cases_batch_duplicates(relais_store_batch_t *batch, const uint8_t secret[RELAIS_CASES_SECRET_SIZE],
                                  const relais_referral_view_t *child, relais_cases_step_t *out);

/* The index entry of referral `seq`, read from the committed store. Errors: RELAIS_E_NOT_FOUND,
 * RELAIS_E_CORRUPT (it does not decode), the store's. */
int relais_cases_referral_load(relais_store_t *store, uint64_t seq, relais_referral_record_t *out);

/* Writes what a step decided into the batch: the case record, the event's link with the
 * status after it, a referral's entry, a meeting's record's entry, the child index, and the
 * case's last contact in the lifecycle index. Returns 0 or the store's status. */
int relais_cases_batch_record(relais_store_batch_t *batch, const relais_cases_step_t *step, uint64_t seq);

/* The lifecycle of `case_id` as the batch sees it, and its update. Errors: RELAIS_E_NOT_FOUND,
 * RELAIS_E_CORRUPT (it does not decode), the store's. */
int relais_cases_batch_lifecycle_get(relais_store_batch_t *batch, const char *case_id, relais_lifecycle_t *out);
int relais_cases_batch_lifecycle_put(relais_store_batch_t *batch, const char *case_id, const relais_lifecycle_t *lc);

/* What Privacy record `p`, to be stored (or stored) as record `seq`, does to the lifecycle of its
 * case as the batch sees it: *lc is the lifecycle after it, or *refused the status the rules
 * refuse it with (why in `why`), nothing written either way. Returns 0 or the store's status. */
int relais_cases_batch_privacy(relais_store_batch_t *batch, const relais_privacy_view_t *p, uint64_t seq,
                               int64_t received_ms, relais_lifecycle_t *lc, int *refused, char *why, size_t cap);

/* Writes what relais_cases_batch_privacy decided once the record is appended: the lifecycle,
 * and for a rectification its link to its case, with the case's status marked as rectified. */
int relais_cases_batch_privacy_record(relais_store_batch_t *batch, const relais_privacy_view_t *p,
                                      const relais_lifecycle_t *lc, uint64_t seq);

/* Brings the store's derived indexes up to its log: every record they do not reflect yet is
 * folded in, in order, as the writer did when it stored it (the case rules, the lifecycle rules;
 * a record whose data key is gone touches the lifecycle of the case its key names), in batches
 * of `chunk` records (0: a default), each telling `progress` (may be NULL) how far it got.
 * `ring` opens sealed records (NULL for a store in clear). Nothing to do for current indexes.
 * Errors: RELAIS_E_CORRUPT (a record the rules refuse, or that does not decode: the indexes
 * cannot be made from this log), RELAIS_E_CRYPTO, the store's. */
typedef void (*relais_cases_progress_fn)(void *ctx, uint64_t applied, uint64_t head);
/* What is no case's but has an index of its own (the reception's register) is folded by `other`
 * when it is given, in the same batches: `record` a record it can open (0 or a status, as a fold
 * returns), `gone` a record whose data key is gone (1: it was the other index's, and is folded;
 * 0: it is a case's, for the case rules; or a status). */
typedef struct {
    int (*record)(relais_store_batch_t *batch, const relais_message_t *msg, uint64_t seq, int64_t received_ms);
    int (*gone)(relais_store_batch_t *batch, uint64_t key_id, uint64_t seq, int64_t received_ms);
} relais_cases_other_t;
int relais_cases_index_catch_up(relais_store_t *store, relais_keyring_t *ring,
                                const uint8_t secret[RELAIS_CASES_SECRET_SIZE], size_t chunk,
                                const relais_cases_other_t *other, relais_cases_progress_fn progress, void *ctx);

/* ---- A case's lifecycle (docs/privacy.md) ---------------------------------------------- */

/* How long a case stays in each tier: in the active base until `active_ms` after its last
 * event (its last contact), then in the intermediate archive for `archive_ms`, then erased. */
typedef struct {
    int64_t active_ms;
    int64_t archive_ms;
} relais_cases_retention_t;

/* Two years after the last contact (the CNIL's child-protection référentiel, délibération
 * n° 2022-008), then five years of intermediate archive: the four years in which a claim
 * against a commune is barred (loi n° 68-1250, art. 1), counted from the archiving, with a
 * margin for a harm that comes to light late (docs/privacy.md, "Retention"). */
#define RELAIS_CASES_ACTIVE_DAYS_DEFAULT 730
#define RELAIS_CASES_ARCHIVE_DAYS_DEFAULT 1826
void relais_cases_retention_default(relais_cases_retention_t *retention);

/* A case event (a referral, an update, a rectification: a record sealed under the case's key)
 * stored as record `seq`: the case's last contact. */
void relais_cases_lifecycle_touch(relais_lifecycle_t *lc, uint64_t seq, int64_t received_ms);

/* The other half of a MERGED record (relais_cases_lifecycle_apply does the merged case's half,
 * its pointer): the surviving case lists `merged_id` and the cases merged into it before, which
 * the merged case no longer lists; the sweep moves them all with the survivor. Errors:
 * RELAIS_E_CORRUPT (more than RELAIS_MAX_MERGED: the case rules refuse such a merge). */
int relais_cases_lifecycle_adopt(relais_lifecycle_t *survivor, const char *merged_id, relais_lifecycle_t *merged);

/* Whether a rectification may name `field` ("child.birth_date", "guardian.2.phone", ...). */
int relais_cases_rectifiable(const char *field);

/* What Privacy record `p` (record `seq`) does to the lifecycle of its case: applied to *lc
 * and 0, or a refusal with its sentence in `why` and *lc unchanged: RELAIS_E_BAD_TRANSITION
 * (no such case (`exists` 0), an erased case, a move its tier does not allow, a rectification
 * of a record that is not the case's: `record_case` is the case the caller's index files
 * record p->record_seq under, "" for none), RELAIS_E_LEGAL_HOLD (an erasure while a hold is
 * set), RELAIS_E_MALFORMED (no reason where one is needed, a field that cannot be corrected,
 * a birth date that is no date). Who may sign which kind is the broker's to check. */
int relais_cases_lifecycle_apply(relais_lifecycle_t *lc, int exists, const relais_privacy_view_t *p,
                                 const char *record_case, uint64_t seq, int64_t received_ms, char *why, size_t cap);

typedef enum {
    RELAIS_CASES_MOVE_NONE = 0,
    RELAIS_CASES_MOVE_ARCHIVE, /* active -> intermediate archive */
    RELAIS_CASES_MOVE_ERASE,   /* archive -> erased */
} relais_cases_move_t;

/* What the sweep does to a case at `now_ms`: an active case is archived at the end of its
 * active period, or at once when its erasure was asked (and no hold is set); an archived
 * case is erased at the end of the archive period, or at once when its erasure was asked;
 * never while a legal hold is set; a merged case never on its own (the sweep moves it with the
 * case it was merged into). *due_ms (may be NULL) gets when its next move falls due (0: never,
 * as things stand). */
relais_cases_move_t relais_cases_sweep_move(const relais_lifecycle_t *lc, const relais_cases_retention_t *retention,
                                            int64_t now_ms, int64_t *due_ms);

/* ---- Deadlines (derived at read time) ------------------------------------------------- */

/* When a case is due, as a hub decides it today. Triage targets count from the triage clock
 * (the arrival of the first referral of the case's highest urgency): urgent in working
 * hours (work_days, from work_start_min to work_end_min, in the process's local time zone,
 * i.e. TZ), priority and routine in clock hours; with RELAIS_CASES_HOLIDAYS_FR, France's
 * eleven public holidays (jours fériés) are not working days. The next review date is due at
 * the end of that day, local time. */
typedef enum {
    RELAIS_CASES_HOLIDAYS_NONE = 0, /* every work_days day is a working day */
    RELAIS_CASES_HOLIDAYS_FR = 1,   /* 1 January, Easter Monday, 1 and 8 May, Ascension Day,
                                     * Whit Monday, 14 July, 15 August, 1 and 11 November,
                                     * 25 December (the Code du travail's list) */
} relais_cases_holidays_t;

typedef struct {
    unsigned hours[3];      /* triage targets: urgent (working hours), priority, routine (hours) */
    unsigned work_start_min; /* start of the working day, minutes after local midnight (540) */
    unsigned work_end_min;   /* its end (1080) */
    unsigned work_days;      /* bit (1 << tm_wday) per working day (Monday to Friday: 0x3e) */
    relais_cases_holidays_t holidays; /* public holidays that are not working days */
} relais_cases_policy_t;

/* Defaults: urgent 4 working hours, priority 24 h, routine 72 h; Monday to Friday 09:00-18:00,
 * French public holidays off. */
void relais_cases_policy_default(relais_cases_policy_t *policy);

/* Parses "4,24,72" into the policy's triage targets (urgent, priority, routine; hours, 1 to
 * 10000). Errors: RELAIS_E_INVALID. */
int relais_cases_policy_triage(relais_cases_policy_t *policy, const char *text);

/* Parses "09:00-18:00" into the policy's working day. Errors: RELAIS_E_INVALID. */
int relais_cases_policy_hours(relais_cases_policy_t *policy, const char *text);

/* Parses "fr" or "none" into the policy's public holidays. Errors: RELAIS_E_INVALID. */
int relais_cases_policy_holidays(relais_cases_policy_t *policy, const char *text);

/* Whether a calendar day (year, month 1-12, day 1-31) is a public holiday under `holidays`. */
int relais_cases_is_holiday(relais_cases_holidays_t holidays, int year, int month, int day);

/* `hours` working hours after `from_ms` (a start outside working time waits for the next
 * working period). A policy without working days or hours counts clock hours. */
int64_t relais_cases_add_working_hours(const relais_cases_policy_t *policy, int64_t from_ms, unsigned hours);

/* The deadline that applies to the case now (triage while submitted or in triage, else the
 * next review), 0 when none (paused, closed, no review date). */
int64_t relais_cases_due_ms(const relais_case_record_t *rec, const relais_cases_policy_t *policy);

/* Fills summary.due_ms and summary.overdue for a reader at `now_ms`. */
void relais_cases_deadline(relais_case_record_t *rec, const relais_cases_policy_t *policy, int64_t now_ms);

#ifdef __cplusplus
}
#endif

#endif
