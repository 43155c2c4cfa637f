/* writer.c -- the single writer: group commit of verified messages, case rules, checkpoints.
 *
 * One thread owns every write transaction. It takes whatever is waiting (up to --batch-max):
 * a lone message is committed at once; under load a batch is what arrived while the previous
 * sync ran. It applies the case rules inside the transaction, commits with sync once, and
 * only then answers: an ack never precedes the fsync. A failed commit fails the whole batch
 * and acknowledges nothing.
 *
 * The last part of the map (--store-reserve) is the hub's own: incoming messages get
 * STORE_FULL once the free space would fall below it, while the broker's access records
 * (every read is logged before it is served) and checkpoints still go in. A full store thus
 * keeps answering reads, starting feeds and signing checkpoints.
 */
#include "broker_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S_BATCH_OVERHEAD (64ull * 1024ull) /* pages a commit copies besides the records (tree paths, free list) */
#define S_RECORD_OVERHEAD 2048ull          /* a record's share of the indexes, the Merkle nodes and the case */

typedef struct {
    zmq_msg_t frame;                  /* the queue frame; env, d1 and d2 point into it */
    broker_env_t env;                 /* who sent it and how to answer */
    const uint8_t *d1;                /* the SignedMessage bytes */
    const uint8_t *d2;                /* WRITE_ACCESS: the reply to send once stored */
    relais_message_t *msg;            /* the decoded body, for the rules */
    int status;                       /* 0, or why it was refused */
    char why[256];                    /* the sentence of a refusal */
    relais_store_ack_t ack;           /* what the store made of it */
    char case_id[RELAIS_CASE_ID_LEN]; /* the case it concerns, for the log (and a case update's ack) */
    char handle[RELAIS_CASE_ID_LEN];  /* a referral's own handle, all its ack names (partner-view rule) */
    uint8_t *lease;                   /* a read while the store is full: the lease record stored in its
                                       * place (owned), or NULL */
    size_t lease_len;                 /* its size */
    uint64_t covered_by;              /* a read a lease covers: that lease's seq (no record of its own) */
    uint64_t key_id;                  /* sealed: the data key its record is sealed under; 0 in clear */
    uint8_t nonce[RELAIS_SEAL_NONCE_BYTES]; /* sealed: the record's nonce */
    uint8_t *sealed;                  /* sealed: the ciphertext of d1 and its tag (owned) */
} s_item_t;

/* A reader's lease while the store is full: its reads until `until_ms` are covered by record `seq`. */
typedef struct {
    char user[RELAIS_IDENT_NAME_MAX];
    int64_t until_ms;
    uint64_t seq;
} s_lease_t;

typedef struct {
    relais_broker_t *b;     /* the broker */
    void *in;               /* PULL of verified messages */
    void *out;              /* PUSH of replies and notices to intake */
    s_item_t *items;        /* the batch being built (room opts.batch_max) */
    size_t count;           /* items in it */
    uint64_t cp_size;       /* size of the latest checkpoint */
    int64_t cp_ms;          /* when it was signed (0: sign as soon as the tree grows) */
    uint64_t head;          /* log size after the last commit */
    uint64_t reserve;       /* bytes of the map kept for access records and checkpoints */
    uint64_t free_bytes;    /* the map's free bytes before this batch (UINT64_MAX: unknown) */
    s_lease_t *leases;      /* the readers' leases while the store is full */
    size_t lease_count;     /* how many */
    size_t lease_room;      /* room of `leases` */
    int64_t sweep_at_ms;    /* when the retention sweep runs next (0: at once) */
    int sweep_due;          /* a batch asked for a sweep (an erasure on request) */
    int settle_due;         /* the indexes took commits since they were last settled */
    int64_t inner_ns;       /* stage trace: the seal and append time within the item being applied */
    int64_t last_commit_us; /* when the last batch committed (monotonic) */
} s_writer_t;

#define S_LEASE_S 60               /* a store-full lease covers a reader's reads this long */
#define S_CHECKPOINT_GUARD_MIN (256ull * 1024ull) /* the end of the map no access record takes ... */
#define S_CHECKPOINT_GUARD_SHARE 4 /* ... at least a quarter of the reserve: checkpoints' alone */

/* ---- Applying one message inside the batch ---------------------------------------------- */

static int s_refuse(s_item_t *it, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Records why an item is refused; returns 0 because the batch itself goes on. */
static int s_refuse(s_item_t *it, int status, const char *fmt, ...)
{
    it->status = status;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(it->why, sizeof it->why, fmt, ap);
    va_end(ap);
    return 0;
}

/* The handle a reception record's acknowledgement names: a transfer's own ("T-<seq>"), an
 * answer's transfer, else the entry ("A-<seq>"). */
static void s_reception_handle(const relais_message_t *msg, uint64_t seq, uint64_t entry_seq, char *out)
{
    relais_transfer_answer_view_t a;
    if (relais_message_payload(msg) == RELAIS_PAYLOAD_TRANSFER)
        relais_transfer_handle(seq, out);
    else if (relais_message_transfer_answer(msg, &a) == 0)
        snprintf(out, RELAIS_CASE_ID_LEN, "%s", a.transfer_id);
    else
        relais_entry_handle(entry_seq, out);
}

/* Seals the item's message for record `seq` under data key `key_id` (made now when `create`:
 * a new case's, or a reception entry's own). Nothing to do for a store in clear. */
static int s_seal(s_writer_t *w, relais_store_batch_t *batch, s_item_t *it, uint64_t key_id, uint64_t seq, int create)
{
    if (!w->b->keyring)
        return 0;
    relais_store_entry_t entry = {.signed_message = it->d1, .signed_len = it->env.len1};
    free(it->sealed);
    int64_t t0 = broker_clock_ns();
    int rc = relais_keyring_seal_entry(w->b->keyring, batch, key_id, create, seq, &entry, it->nonce, &it->sealed);
    if (rc == 0)
        it->key_id = key_id;
    int64_t ns = broker_clock_ns() - t0;
    broker_stage_add(w->b, BROKER_STAGE_SEAL, ns);
    w->inner_ns += ns;
    return rc;
}

/* Appends the item's bytes (sealed when s_seal sealed them), expecting sequence number `seq`
 * (0: any). */
static int s_append_entry(relais_store_batch_t *batch, s_item_t *it, uint64_t seq)
{
    relais_store_entry_t entry = {.signed_message = it->d1,
                                  .signed_len = it->env.len1,
                                  .msg_id = relais_message_id(it->msg),
                                  .received_ms = it->env.received_ms,
                                  .key_id = it->key_id,
                                  .nonce = it->key_id ? it->nonce : NULL,
                                  .sealed = it->key_id ? it->sealed : NULL,
                                  .sealed_len = it->key_id ? it->env.len1 + RELAIS_SEAL_TAG_BYTES : 0};
    int rc = relais_store_batch_append(batch, &entry, &it->ack);
    if (rc != 0)
        return rc;
    if (it->ack.status != 0 || it->ack.duplicate || (seq && it->ack.seq != seq))
        return relais_status_set(RELAIS_E_CORRUPT, "append gave seq %llu, expected %llu",
                                 (unsigned long long)it->ack.seq, (unsigned long long)seq);
    return 0;
}

static int s_append(s_writer_t *w, relais_store_batch_t *batch, s_item_t *it, uint64_t seq)
{
    int64_t t0 = broker_clock_ns();
    int rc = s_append_entry(batch, it, seq);
    int64_t ns = broker_clock_ns() - t0;
    broker_stage_add(w->b, BROKER_STAGE_APPEND, ns);
    w->inner_ns += ns;
    return rc;
}

/* A right of the family served, or a hold: the lifecycle rules decide. A rectification is sealed
 * under its case's key like the record it corrects; the rest stays in clear, readable once the
 * case is gone. */
static int s_apply_privacy(s_writer_t *w, relais_store_batch_t *batch, s_item_t *it)
{
    relais_privacy_view_t p;
    if (relais_message_privacy(it->msg, &p) != 0)
        return s_refuse(it, RELAIS_E_MALFORMED, "not a privacy record");
    uint64_t seq = relais_store_batch_head(batch) + 1;
    relais_lifecycle_t lc;
    char why[256];
    int refused = 0;
    int rc = relais_cases_batch_privacy(batch, &p, seq, it->env.received_ms, &lc, &refused, why, sizeof why);
    if (rc != 0)
        return rc;
    if (refused)
        return s_refuse(it, refused, "%s", why);
    if (p.kind == RELAIS_PRIVACY_RECTIFIED)
        rc = s_seal(w, batch, it, relais_cases_key_id(p.case_id), seq, 0);
    if (rc == 0)
        rc = s_append(w, batch, it, seq);
    if (rc == 0)
        rc = relais_cases_batch_privacy_record(batch, &p, &lc, seq);
    if (rc == 0)
        snprintf(it->case_id, sizeof it->case_id, "%s", p.case_id);
    if (rc == 0 && p.kind == RELAIS_PRIVACY_ERASURE_REQUESTED)
        w->sweep_due = 1; /* sealed for the archive at once, not at the next daily sweep */
    return rc;
}

/* After a merge, the hub's MERGED record: the merged case's lifecycle follows the surviving
 * case's from now on, which the log must say in clear (its records may one day be unreadable). */
static int s_record_merge_lifecycle(s_writer_t *w, relais_store_batch_t *batch, const relais_cases_step_t *step,
                                    uint64_t merge_seq, int64_t received_ms)
{
    char reason[160];
    snprintf(reason, sizeof reason, "merged into %s by record %" PRIu64, step->rec.summary.case_id, merge_seq);
    relais_privacy_view_t p = {.kind = RELAIS_PRIVACY_MERGED,
                               .case_id = step->merged.summary.case_id,
                               .reason = reason,
                               .record_seq = merge_seq,
                               .value = step->rec.summary.case_id};
    uint64_t seq = relais_store_batch_head(batch) + 1, got = 0;
    relais_lifecycle_t lc;
    char why[256];
    int refused = 0;
    int rc = relais_cases_batch_privacy(batch, &p, seq, received_ms, &lc, &refused, why, sizeof why);
    if (rc == 0 && refused)
        rc = relais_status_set(RELAIS_E_CORRUPT, "the hub's own MERGED record is refused: %s", why);
    if (rc == 0)
        rc = broker_append_privacy(w->b, batch, &p, received_ms, &got);
    return rc ? rc : relais_cases_batch_privacy_record(batch, &p, &lc, got);
}

/* After a split, the hub's copy of the referral moved out, as the very next record: the
 * referrer's message exactly as received (its signature still checks), sealed under the new
 * case's key. The old copy's key is destroyed: nothing the hub keeps opens it any more, and the
 * next rotation of the KEK, owed from now on, leaves no copy of that key openable in the store's
 * free pages or in a backup made after the backup period. */
static int s_record_split_copy(s_writer_t *w, relais_store_batch_t *batch, const relais_cases_step_t *split,
                               int64_t received_ms)
{
    relais_broker_t *b = w->b;
    uint64_t seq = relais_store_batch_head(batch) + 1;
    uint8_t *stored = NULL, *opened = NULL, *sealed = NULL, nonce[RELAIS_SEAL_NONCE_BYTES];
    size_t stored_len = 0, opened_len = 0;
    const uint8_t *message = NULL; /* the referrer's SignedMessage: opened, or as stored in clear */
    size_t message_len = 0;
    relais_log_record_t lr;
    relais_signed_t sm;
    relais_message_t *msg = NULL;
    relais_cases_step_t step;
    int rc = relais_store_batch_get_record(batch, split->split_of, &stored, &stored_len);
    if (rc == 0 && relais_log_record_decode(stored, stored_len, &lr) != 0)
        rc = relais_status_set(RELAIS_E_CORRUPT, "record %" PRIu64 " does not decode", split->split_of);
    if (rc == 0 && lr.key_id) {
        rc = relais_keyring_open_record(b->keyring, b->store, &lr, &opened, &opened_len);
        if (rc == 0 && lr.key_id != split->split_key)
            rc = relais_status_set(RELAIS_E_CORRUPT, "R-%" PRIu64 " is sealed under key %" PRIu64 ", not %" PRIu64,
                                   split->split_of, lr.key_id, split->split_key);
        message = opened;
        message_len = opened_len;
    } else if (rc == 0) {
        message = lr.signed_message;
        message_len = lr.signed_len;
    }
    if (rc == 0 && (relais_signed_decode(message, message_len, &sm) != 0 ||
                    relais_message_decode_stored(sm.body, sm.body_len, &msg) != 0))
        rc = relais_status_set(RELAIS_E_CORRUPT, "record %" PRIu64 " holds no message", split->split_of);
    if (rc == 0)
        rc = relais_cases_batch_decide_copy(batch, b->hub_secret, msg,
                                            &(relais_cases_copy_t){.copy_of = split->split_of, .copied_ms = lr.received_ms},
                                            seq, received_ms, &step);
    if (rc == 0 && step.status)
        rc = relais_status_set(RELAIS_E_CORRUPT, "the hub's copy of R-%" PRIu64 " is refused: %s", split->split_of,
                               step.why);
    relais_store_entry_t entry = {.signed_message = message,
                                  .signed_len = message_len,
                                  .msg_id = msg ? relais_message_id(msg) : NULL,
                                  .received_ms = received_ms,
                                  .copy_of = split->split_of};
    if (rc == 0 && b->keyring)
        rc = relais_keyring_seal_entry(b->keyring, batch, relais_key_id_of(seq, step.referral.key_part), 1, seq, &entry,
                                       nonce, &sealed);
    relais_store_ack_t ack;
    if (rc == 0)
        rc = relais_store_batch_append(batch, &entry, &ack);
    if (rc == 0 && (ack.status || ack.seq != seq))
        rc = relais_status_set(RELAIS_E_CORRUPT, "the hub's copy of R-%" PRIu64 " was not appended", split->split_of);
    if (rc == 0)
        rc = relais_cases_batch_record(batch, &step, seq);
    if (rc == 0 && b->keyring) {
        rc = relais_store_batch_key_del(batch, split->split_key);
        if (rc == 0)
            rc = relais_store_batch_rotation_owed(batch, 1);
        relais_keyring_forget(b->keyring, split->split_key, split->split_key);
        b->rotation_owed = 1;
        w->sweep_due = 1;
    }
    if (rc == 0)
        broker_log("info", "split", "referral=R-%" PRIu64 " from=%s case=%s seq=%" PRIu64, split->split_of,
                   split->rec.summary.case_id, step.rec.summary.case_id, seq);
    relais_message_destroy(&msg);
    if (opened)
        OPENSSL_cleanse(opened, opened_len);
    free(opened);
    free(sealed);
    free(stored);
    return rc;
}

/* A referral, a case update or a meeting's record of a case: the case rules decide, and only an
 * accepted event is stored. */
static int s_apply_case(s_writer_t *w, relais_store_batch_t *batch, s_item_t *it)
{
    relais_cases_step_t step;
    const uint8_t *key = it->env.has_child_key ? it->env.child_key : NULL;
    uint64_t seq = relais_store_batch_head(batch) + 1;
    int rc = relais_cases_batch_decide(batch, w->b->hub_secret, it->msg, key, seq, it->env.received_ms, &step);
    if (rc != 0)
        return rc;
    if (step.status != 0)
        return s_refuse(it, step.status, "%s", step.why);
    /* A referral is sealed under a key of its own, made now, so that a split can move it out;
     * the case's other records under the case's own (which its index makes as the case opens). */
    int create = 0;
    uint64_t key_id = relais_cases_step_key_id(&step, &create);
    rc = s_seal(w, batch, it, key_id, seq, create);
    if (rc == 0)
        rc = s_append(w, batch, it, seq);
    if (rc == 0)
        rc = relais_cases_batch_record(batch, &step, seq);
    if (rc == 0 && step.has_merged)
        rc = s_record_merge_lifecycle(w, batch, &step, seq, it->env.received_ms);
    if (rc == 0 && step.split_of)
        rc = s_record_split_copy(w, batch, &step, it->env.received_ms);
    if (rc == 0 && step.has_referral && it->env.has_ref) {
        relais_store_ref_t ref = {.seq = seq, .received_ms = it->env.received_ms};
        memcpy(ref.content, it->env.ref_content, sizeof ref.content);
        rc = relais_store_batch_ref_put(batch, it->env.ref_key, &ref);
    }
    if (rc == 0)
        snprintf(it->case_id, sizeof it->case_id, "%s", step.rec.summary.case_id);
    if (rc == 0 && step.has_referral)
        relais_referral_handle(seq, it->handle);
    return rc;
}

/* A record of the reception's register: its rules decide. A new entry is sealed under a key of
 * its own, made now; what follows it (updates, transfers, answers) under the entry's, so that the
 * entry and everything of it leave the store together. */
static int s_apply_reception(s_writer_t *w, relais_store_batch_t *batch, s_item_t *it)
{
    uint64_t seq = relais_store_batch_head(batch) + 1;
    relais_reception_step_t *step = malloc(sizeof *step);
    if (!step)
        return relais_status_set(RELAIS_E_NOMEM, "out of memory applying a reception record");
    int rc = relais_reception_batch_decide(batch, it->msg, seq, it->env.received_ms, step);
    if (rc == 0 && step->status) {
        s_refuse(it, step->status, "%s", step->why);
        free(step);
        return 0;
    }
    int opens = step->entry_seq == seq;
    if (rc == 0)
        rc = s_seal(w, batch, it, relais_key_id_of(step->entry_seq, 0), seq, opens);
    if (rc == 0)
        rc = s_append(w, batch, it, seq);
    if (rc == 0)
        rc = relais_reception_batch_record(batch, step, seq);
    if (rc == 0)
        s_reception_handle(it->msg, seq, step->entry_seq, it->handle);
    free(step);
    return rc;
}

/* A record of the lost and found: its rules decide. A new item is sealed under a key of its own
 * (the part its kind names), made now; what becomes of it under the item's. */
static int s_apply_lost(s_writer_t *w, relais_store_batch_t *batch, s_item_t *it)
{
    uint64_t seq = relais_store_batch_head(batch) + 1;
    relais_lost_step_t *step = malloc(sizeof *step);
    if (!step)
        return relais_status_set(RELAIS_E_NOMEM, "out of memory applying a lost-and-found record");
    int rc = relais_lost_batch_decide(batch, it->msg, seq, it->env.received_ms, step);
    if (rc == 0 && step->status) {
        s_refuse(it, step->status, "%s", step->why);
        free(step);
        return 0;
    }
    if (rc == 0)
        rc = s_seal(w, batch, it, relais_lost_key_id(&step->rec), seq, step->item_seq == seq);
    if (rc == 0)
        rc = s_append(w, batch, it, seq);
    if (rc == 0)
        rc = relais_lost_batch_record(batch, step, seq);
    if (rc == 0)
        relais_lost_handle(step->rec.kind, step->item_seq, it->handle);
    free(step);
    return rc;
}

/* A decree: a public act, stored in clear, under a number of its own. */
static int s_apply_decree(s_writer_t *w, relais_store_batch_t *batch, s_item_t *it)
{
    uint64_t seq = relais_store_batch_head(batch) + 1;
    relais_decree_step_t *step = malloc(sizeof *step);
    if (!step)
        return relais_status_set(RELAIS_E_NOMEM, "out of memory applying a decree");
    int rc = relais_decree_batch_decide(batch, it->msg, seq, it->env.received_ms, step);
    if (rc == 0 && step->status) {
        s_refuse(it, step->status, "%s", step->why);
        free(step);
        return 0;
    }
    if (rc == 0)
        rc = s_append(w, batch, it, seq);
    if (rc == 0)
        rc = relais_decree_batch_record(batch, step);
    if (rc == 0)
        snprintf(it->handle, RELAIS_CASE_ID_LEN, "%s", step->rec.decree.number);
    free(step);
    return rc;
}

/* A partner's reference seen before (the log's own index, synced with it). The same referral
 * sent again gets the first one's acknowledgement, marked duplicate, and nothing is stored
 * (*answered). Another referral under the same reference is refused, naming the first, unless
 * the first one's case is closed and older than --reference-days: a new school year may number
 * its referrals from the start again. */
static int s_check_reference(s_writer_t *w, relais_store_batch_t *batch, s_item_t *it, int *answered)
{
    *answered = 0;
    relais_store_ref_t first;
    int rc = relais_store_batch_ref_get(batch, it->env.ref_key, &first);
    if (rc == RELAIS_E_NOT_FOUND)
        return 0;
    if (rc)
        return rc;
    char first_handle[RELAIS_CASE_ID_LEN], case_id[RELAIS_CASE_ID_MAX];
    relais_referral_handle(first.seq, first_handle);
    int have_case = relais_store_batch_seq_case(batch, first.seq, case_id, NULL, NULL) == 0;
    if (memcmp(first.content, it->env.ref_content, sizeof first.content) == 0) {
        memset(&it->ack, 0, sizeof it->ack);
        it->ack.duplicate = 1;
        it->ack.seq = first.seq;
        it->ack.received_ms = first.received_ms;
        rc = relais_store_batch_leaf_hash(batch, first.seq, it->ack.leaf_hash);
        if (rc)
            return rc;
        snprintf(it->case_id, sizeof it->case_id, "%s", have_case ? case_id : "");
        snprintf(it->handle, sizeof it->handle, "%s", first_handle);
        *answered = 1;
        return 0;
    }
    relais_case_record_t rec;
    int closed = have_case && broker_case_load_batch(batch, case_id, &rec) == 0 &&
                 !relais_cases_state_is_open(rec.summary.state);
    int64_t age_ms = it->env.received_ms - first.received_ms;
    if (closed && age_ms >= (int64_t)w->b->opts.reference_days * 86400 * 1000)
        return 0;
    char when[32] = "?", ref[128];
    time_t t = (time_t)(first.received_ms / 1000);
    struct tm tm;
    if (gmtime_r(&t, &tm))
        strftime(when, sizeof when, "%Y-%m-%d", &tm);
    relais_referral_view_t view;
    relais_message_referral(it->msg, &view);
    relais_text_escape(view.external_ref, strlen(view.external_ref), ref, sizeof ref);
    return s_refuse(it, RELAIS_E_DUPLICATE_CONFLICT,
                    "external_ref %s is already referral %s (received %s), which says something else; a correction "
                    "goes to the coordinator, a new referral takes a new reference%s",
                    ref, first_handle, when,
                    closed ? "" : " (a reference is free again once its case is closed and old enough)");
}

/* What a new message may take of the map at most, as counted against the reserve: its bytes
 * stored and copied into a page, and its share of the indexes. */
static uint64_t s_message_cost(const s_item_t *it)
{
    return 2ull * it->env.len1 + S_RECORD_OVERHEAD;
}

/* ---- Reads while the store is full ---------------------------------------------------- */

static s_lease_t *s_lease(s_writer_t *w, const char *user)
{
    for (size_t i = 0; i < w->lease_count; i++)
        if (strcmp(w->leases[i].user, user) == 0)
            return &w->leases[i];
    return NULL;
}

/* Whether the store is down to its reserve: incoming messages are refused, and reads are
 * logged by leases, one per reader and S_LEASE_S, so that a read loop cannot eat the room the
 * checkpoints and the other readers need. */
static int s_store_full(const s_writer_t *w)
{
    return w->free_bytes != UINT64_MAX && w->free_bytes <= w->reserve + S_BATCH_OVERHEAD;
}

/* A read while the store is full: covered by its reader's lease, or a new lease record is
 * stored in place of the read's own (when the end of the map kept for checkpoints allows). */
static int s_apply_leased(s_writer_t *w, relais_store_batch_t *batch, s_item_t *it)
{
    int64_t now = broker_now_ms();
    s_lease_t *lease = s_lease(w, it->env.user);
    if (lease && now < lease->until_ms) {
        it->covered_by = lease->seq;
        return 0;
    }
    uint64_t guard = w->reserve / S_CHECKPOINT_GUARD_SHARE;
    if (guard < S_CHECKPOINT_GUARD_MIN)
        guard = S_CHECKPOINT_GUARD_MIN;
    if (w->free_bytes <= guard + S_BATCH_OVERHEAD)
        return s_refuse(it, RELAIS_E_STORE_FULL, "the store is full, down to the room kept for the hub's checkpoints: "
                                                 "no read can be logged; the operator must give the store more room");
    if (!it->lease) {
        relais_access_t access = {.reader = it->env.user, .action = "reads-while-store-full", .lease_s = S_LEASE_S};
        int rc = broker_access_sign(w->b, &access, &it->lease, &it->lease_len);
        if (rc != 0)
            return s_refuse(it, rc, "the read could not be logged");
    }
    relais_signed_t sm;
    relais_message_t *msg = NULL;
    int rc = relais_signed_decode(it->lease, it->lease_len, &sm);
    if (rc == 0)
        rc = relais_message_decode_stored(sm.body, sm.body_len, &msg);
    if (rc != 0)
        return s_refuse(it, RELAIS_E_UNAVAILABLE, "the read's lease does not decode");
    relais_store_entry_t entry = {.signed_message = it->lease, .signed_len = it->lease_len,
                                  .msg_id = relais_message_id(msg), .received_ms = it->env.received_ms};
    rc = relais_store_batch_append(batch, &entry, &it->ack);
    relais_message_destroy(&msg);
    return rc;
}

/* After the commit: the new leases hold, from the records just stored. */
static void s_record_leases(s_writer_t *w)
{
    int64_t now = broker_now_ms();
    for (size_t i = 0; i < w->count; i++) {
        s_item_t *it = &w->items[i];
        if (!it->lease || it->status != 0 || it->ack.seq == 0)
            continue;
        s_lease_t *lease = s_lease(w, it->env.user);
        if (!lease) {
            if (w->lease_count == w->lease_room) {
                size_t room = w->lease_room ? 2 * w->lease_room : 16;
                s_lease_t *grown = realloc(w->leases, room * sizeof *grown);
                if (!grown)
                    continue; /* the reader's next read takes a lease of its own again */
                w->leases = grown;
                w->lease_room = room;
            }
            lease = &w->leases[w->lease_count++];
            snprintf(lease->user, sizeof lease->user, "%s", it->env.user);
        }
        lease->until_ms = now + S_LEASE_S * 1000;
        lease->seq = it->ack.seq;
    }
}

/* Returns a store error (the batch is lost) or 0 (the item is applied or refused). `room` is
 * what new incoming messages may still take of the map; access records are not counted. */
static int s_apply(s_writer_t *w, relais_store_batch_t *batch, s_item_t *it, uint64_t *room)
{
    if (it->env.kind == BROKER_WRITE_ACCESS && s_store_full(w))
        return s_apply_leased(w, batch, it);
    relais_signed_t sm;
    if (relais_signed_decode(it->d1, it->env.len1, &sm) != 0 ||
        relais_message_decode_stored(sm.body, sm.body_len, &it->msg) != 0) /* the verifier applied the text rule */
        return s_refuse(it, RELAIS_E_MALFORMED, "the message does not decode");
    relais_store_ack_t found;
    int rc = relais_store_batch_find_msg(batch, relais_message_id(it->msg), &found);
    if (rc == 0) {
        /* Stored before: the store tells the same bytes (the original ack) from others. */
        rc = relais_store_batch_append(batch,
                                       &(relais_store_entry_t){.signed_message = it->d1,
                                                               .signed_len = it->env.len1,
                                                               .msg_id = relais_message_id(it->msg),
                                                               .received_ms = it->env.received_ms},
                                       &it->ack);
        if (rc == 0 && it->ack.status != 0)
            return s_refuse(it, it->ack.status, "this message id is already stored with other bytes");
        /* The case the original was an event of, for the repeated ack (none for others). */
        if (rc == 0 && relais_store_batch_seq_case(batch, it->ack.seq, it->case_id, NULL, NULL) != 0)
            it->case_id[0] = '\0';
        if (rc == 0 && it->case_id[0] && relais_message_payload(it->msg) == RELAIS_PAYLOAD_REFERRAL)
            relais_referral_handle(it->ack.seq, it->handle);
        uint64_t entry_seq = 0;
        if (rc == 0 && relais_payload_is_reception(relais_message_payload(it->msg)) &&
            relais_store_batch_register_of(batch, RELAIS_STORE_REGISTER_CONTACTS, it->ack.seq, &entry_seq) == 0)
            s_reception_handle(it->msg, it->ack.seq, entry_seq, it->handle);
        relais_lost_view_t item;
        if (rc == 0 && relais_message_lost(it->msg, &item) == 0)
            relais_lost_handle(item.kind, it->ack.seq, it->handle);
        return rc;
    }
    if (rc != RELAIS_E_NOT_FOUND)
        return rc;
    /* A referral sent again under its reference is answered even when the store is full. */
    if (it->env.kind == BROKER_WRITE_MESSAGE && it->env.has_ref) {
        int answered = 0;
        rc = s_check_reference(w, batch, it, &answered);
        if (rc || answered || it->status)
            return rc;
    }
    if (it->env.kind == BROKER_WRITE_MESSAGE) {
        uint64_t cost = s_message_cost(it);
        if (cost > *room)
            return s_refuse(it, RELAIS_E_STORE_FULL,
                            "the store is full: its last %llu KiB are kept for the hub's own records; retry later",
                            (unsigned long long)(w->reserve / 1024));
        *room -= cost;
    }
    relais_payload_t payload = relais_message_payload(it->msg);
    if (it->env.kind == BROKER_WRITE_MESSAGE && (payload == RELAIS_PAYLOAD_REFERRAL ||
                                                 payload == RELAIS_PAYLOAD_CASE_UPDATE || payload == RELAIS_PAYLOAD_MEETING))
        return s_apply_case(w, batch, it);
    if (it->env.kind == BROKER_WRITE_MESSAGE && payload == RELAIS_PAYLOAD_PRIVACY)
        return s_apply_privacy(w, batch, it);
    if (it->env.kind == BROKER_WRITE_MESSAGE && relais_payload_is_reception(payload))
        return s_apply_reception(w, batch, it);
    if (it->env.kind == BROKER_WRITE_MESSAGE && relais_payload_is_lost(payload))
        return s_apply_lost(w, batch, it);
    if (it->env.kind == BROKER_WRITE_MESSAGE && payload == RELAIS_PAYLOAD_DECREE)
        return s_apply_decree(w, batch, it);
    /* The hub's own access records stay in clear: they name a reader and a case id, nothing of a
     * child. */
    return s_append(w, batch, it, 0);
}

/* ---- Answering ------------------------------------------------------------------------- */

static void s_answer_message(s_writer_t *w, s_item_t *it)
{
    const uint8_t *id = it->msg ? relais_message_id(it->msg) : NULL;
    if (it->status != 0) {
        broker_send_error(w->out, &it->env, it->status, id, "%s", it->why[0] ? it->why : relais_strerror(it->status));
        return;
    }
    relais_reply_t reply;
    memset(&reply, 0, sizeof reply);
    reply.request_id = it->env.request_id;
    reply.kind = RELAIS_REPLY_ACK;
    memcpy(reply.ack.msg_id, id, RELAIS_MSG_ID_BYTES);
    reply.ack.seq = it->ack.seq;
    memcpy(reply.ack.leaf_hash, it->ack.leaf_hash, 32);
    reply.ack.duplicate = it->ack.duplicate;
    reply.ack.received_ms = it->ack.received_ms;
    snprintf(reply.ack.case_id, sizeof reply.ack.case_id, "%s", it->handle[0] ? it->handle : it->case_id);
    if (broker_send_reply(w->out, &it->env, &reply) != 0)
        broker_log("error", "internal", "what=\"cannot queue an ack\" seq=%llu", (unsigned long long)it->ack.seq);
}

/* The log line of a stored message, written once every answer of the batch is on its way. */
static void s_log_message(relais_broker_t *b, broker_logbuf_t *lb, const s_item_t *it)
{
    if (it->status != 0)
        return; /* its refusal was logged as it was queued */
    broker_metrics_acknowledged(b, it->env.role);
    char hex[2 * RELAIS_MSG_ID_BYTES + 1];
    relais_hex_encode(relais_message_id(it->msg), RELAIS_MSG_ID_BYTES, hex);
    broker_logbuf_add(lb, "info", "ack", "sender=%s seq=%llu case=%s referral=%s duplicate=%d request=%llu msg=%s",
                      it->env.user, (unsigned long long)it->ack.seq, it->case_id[0] ? it->case_id : "-",
                      it->handle[0] ? it->handle : "-", it->ack.duplicate, (unsigned long long)it->env.request_id, hex);
}

static void s_answer_access(s_writer_t *w, s_item_t *it)
{
    broker_env_t out = it->env;
    int rc = 0;
    if (it->env.flags & BROKER_F_SUBSCRIBE) {
        out.kind = BROKER_OUT_SUB_READY;
        out.status = it->status;
        rc = broker_env_send(w->out, &out, NULL, 0, NULL, 0, 0);
    } else if (it->status != 0) {
        rc = broker_send_error(w->out, &it->env, it->status, NULL, "the read could not be logged: %s",
                               relais_strerror(it->status));
    } else {
        out.kind = BROKER_OUT_REPLY;
        rc = broker_env_send(w->out, &out, it->d2, it->env.len2, NULL, 0, 0);
    }
    if (rc != 0)
        broker_log("error", "internal", "what=\"cannot queue a read's answer\" request=%llu",
                   (unsigned long long)it->env.request_id);
}

static void s_answer_all(s_writer_t *w)
{
    for (size_t i = 0; i < w->count; i++) {
        s_item_t *it = &w->items[i];
        if (it->env.kind == BROKER_WRITE_ACCESS)
            s_answer_access(w, it);
        else
            s_answer_message(w, it);
    }
}

/* The batch's log lines, after its answers: a batch's last ack does not wait for the log
 * lines of the others (one write(2) each, and stderr may be a slow pipe). */
static void s_log_all(const s_writer_t *w, broker_logbuf_t *lb)
{
    for (size_t i = 0; i < w->count; i++) {
        const s_item_t *it = &w->items[i];
        if (it->env.kind != BROKER_WRITE_ACCESS)
            s_log_message(w->b, lb, it);
        else if (it->status == 0 && it->covered_by)
            broker_logbuf_add(lb, "info", "access", "reader=%s covered_by=%llu request=%llu", it->env.user,
                              (unsigned long long)it->covered_by, (unsigned long long)it->env.request_id);
        else if (it->status == 0)
            broker_logbuf_add(lb, "info", "access", "reader=%s seq=%llu request=%llu lease_s=%d", it->env.user,
                              (unsigned long long)it->ack.seq, (unsigned long long)it->env.request_id,
                              it->lease ? S_LEASE_S : 0);
    }
    broker_logbuf_flush(lb);
}

/* ---- The batch ------------------------------------------------------------------------- */

/* Nothing of the batch is stored: every item gets the batch's failure (a local I/O error
 * travels as UNAVAILABLE, which tells the agent to retry). */
static void s_fail_batch(s_writer_t *w, int rc)
{
    char q[256];
    broker_log("error", "commit-failed", "code=%s records=%zu why=%s", relais_status_name(rc), w->count,
               broker_logq(q, sizeof q, relais_status_detail()));
    int wire = rc == RELAIS_E_STORE_FULL ? rc : RELAIS_E_UNAVAILABLE;
    for (size_t i = 0; i < w->count; i++) {
        w->items[i].status = wire;
        snprintf(w->items[i].why, sizeof w->items[i].why, "nothing was stored: %s", relais_strerror(rc));
    }
}

/* What new incoming messages may take of the map in this batch: the free space less the
 * reserve and a commit's own overhead. Unknown (the statistics fail): no limit, the commit
 * itself then says whether it fits. */
static uint64_t s_room(s_writer_t *w)
{
    relais_store_stat_t st;
    w->free_bytes = UINT64_MAX;
    if (relais_store_stat(w->b->store, &st) != 0)
        return UINT64_MAX;
    w->free_bytes = st.map_size > st.used_bytes ? st.map_size - st.used_bytes : 0;
    uint64_t keep = w->reserve + S_BATCH_OVERHEAD;
    return w->free_bytes > keep ? w->free_bytes - keep : 0;
}

/* Applies the batch in one transaction and commits it; *head is the log size it leaves and
 * *sync_us the time the commit itself took (its writes and syncs). */
static int s_commit_once(s_writer_t *w, uint64_t room, uint64_t *head, int64_t *sync_us)
{
    relais_store_batch_t *batch = NULL;
    int64_t t0 = broker_clock_ns();
    w->inner_ns = 0;
    int rc = relais_store_batch_begin(w->b->store, &batch);
    for (size_t i = 0; rc == 0 && i < w->count; i++)
        rc = s_apply(w, batch, &w->items[i], &room);
    *head = batch ? relais_store_batch_head(batch) : w->head;
    int64_t t1 = broker_clock_ns();
    broker_stage_add(w->b, BROKER_STAGE_RULES, t1 - t0 - w->inner_ns);
    if (rc == 0)
        rc = relais_store_batch_commit(&batch);
    else
        relais_store_batch_abort(&batch);
    relais_keyring_settle(w->b->keyring, rc == 0);
    int64_t t2 = broker_clock_ns();
    broker_stage_add(w->b, BROKER_STAGE_COMMIT, t2 - t1);
    *sync_us = (t2 - t1) / 1000;
    return rc;
}

/* Forgets what a failed attempt made of the items, so that they can be applied again. */
static int s_reset_items(s_writer_t *w)
{
    int messages = 0;
    for (size_t i = 0; i < w->count; i++) {
        s_item_t *it = &w->items[i];
        messages |= it->env.kind == BROKER_WRITE_MESSAGE;
        relais_message_destroy(&it->msg);
        it->status = 0;
        it->why[0] = '\0';
        memset(&it->ack, 0, sizeof it->ack);
        it->case_id[0] = '\0';
        it->handle[0] = '\0';
        it->covered_by = 0;
        it->key_id = 0;
    }
    return messages;
}

static void s_commit(s_writer_t *w)
{
    int64_t t0 = broker_monotonic_us();
    uint64_t head = w->head;
    int64_t sync_us = 0;
    /* Indexes left behind by a commit of theirs that failed are caught up before anything is
     * appended again: the rules read them. */
    int rc = broker_index_catch_up(w->b, "writer");
    if (rc == 0)
        rc = s_commit_once(w, s_room(w), &head, &sync_us);
    /* The map filled up all the same (a message larger than its estimate): the messages wait,
     * the hub's own records of the batch go in. */
    if (rc == RELAIS_E_STORE_FULL && s_reset_items(w))
        rc = s_commit_once(w, 0, &head, &sync_us);
    int64_t us = broker_monotonic_us() - t0;
    if (rc != 0)
        s_fail_batch(w, rc);
    /* Answers first, then the new head (the feeds), then the log lines. */
    int64_t answer_t0 = broker_clock_ns();
    s_answer_all(w);
    if (rc == 0 && head > w->head) {
        w->head = head;
        broker_env_t notice = {.kind = BROKER_OUT_HEAD, .seq = head};
        if (broker_env_send(w->out, &notice, NULL, 0, NULL, 0, 0) != 0)
            broker_log("error", "internal", "what=\"cannot tell intake the new head\" head=%llu",
                       (unsigned long long)head);
    }
    if (rc == 0) {
        w->settle_due = 1;
        w->last_commit_us = broker_monotonic_us();
        s_record_leases(w);
        broker_logbuf_t lb;
        broker_logbuf_begin(&lb);
        broker_logbuf_add(&lb, "info", "commit", "records=%zu head=%llu us=%lld sync_us=%lld", w->count,
                          (unsigned long long)head, (long long)us, (long long)sync_us);
        broker_metrics_commit(w->b, w->count, us);
        s_log_all(w, &lb);
    }
    broker_stage_add(w->b, BROKER_STAGE_ANSWER, broker_clock_ns() - answer_t0);
    uint64_t messages = 0;
    for (size_t i = 0; rc == 0 && i < w->count; i++)
        messages += w->items[i].env.kind == BROKER_WRITE_MESSAGE && w->items[i].status == 0;
    broker_stages_commit(w->b, messages, 0);
}

static void s_clear_batch(s_writer_t *w)
{
    for (size_t i = 0; i < w->count; i++) {
        relais_message_destroy(&w->items[i].msg);
        free(w->items[i].lease);
        free(w->items[i].sealed);
        zmq_msg_close(&w->items[i].frame);
    }
    w->count = 0;
}

/* Takes what is waiting, up to batch_max; waits up to `timeout_ms` for the first item. */
static size_t s_collect(s_writer_t *w, long timeout_ms)
{
    zmq_pollitem_t item = {w->in, 0, ZMQ_POLLIN, 0};
    if (zmq_poll(&item, 1, timeout_ms) <= 0)
        return 0;
    while (w->count < w->b->opts.batch_max) {
        s_item_t *it = &w->items[w->count];
        memset(it, 0, sizeof *it);
        int rc = broker_env_recv(w->in, &it->frame, &it->env, &it->d1, &it->d2, ZMQ_DONTWAIT);
        if (rc < 0)
            break;
        if (rc == 0)
            w->count++;
    }
    return w->count;
}

/* ---- Checkpoints ------------------------------------------------------------------------ */

/* Signs and stores a checkpoint of the current head, if the tree grew since the last one.
 * Sizes only grow, so the broker never signs two different checkpoints for one size. */
static void s_checkpoint(s_writer_t *w)
{
    relais_broker_t *b = w->b;
    uint64_t head = 0;
    if (relais_store_head(b->store, &head) != 0 || head == 0 || head <= w->cp_size)
        return;
    relais_checkpoint_t cp;
    memset(&cp, 0, sizeof cp);
    snprintf(cp.origin, sizeof cp.origin, "%s", b->origin);
    cp.size = head;
    relais_store_checkpoint_t scp;
    memset(&scp, 0, sizeof scp);
    int rc = relais_store_root(b->store, head, cp.root);
    if (rc == 0)
        rc = relais_checkpoint_sign(&cp, b->name, relais_identity_sign_seed(b->identity), scp.note, sizeof scp.note);
    scp.size = head;
    memcpy(scp.root, cp.root, sizeof scp.root);
    scp.time_ms = broker_now_ms();
    if (rc == 0)
        rc = relais_store_checkpoint_put(b->store, &scp);
    w->cp_ms = scp.time_ms; /* also after a failure: retry at the next interval, not in a loop */
    if (rc != 0) {
        char q[256];
        broker_log("error", "checkpoint-failed", "size=%llu code=%s why=%s", (unsigned long long)head,
                   relais_status_name(rc), broker_logq(q, sizeof q, relais_status_detail()));
        return;
    }
    char root[65];
    relais_hex_encode(cp.root, 32, root);
    char q[300];
    broker_log("info", "checkpoint", "size=%llu root=%s origin=%s", (unsigned long long)head, root,
               broker_logq(q, sizeof q, b->origin));
    w->cp_size = head;
}

static void s_checkpoint_due(s_writer_t *w)
{
    int64_t now = broker_now_ms();
    if (w->head >= w->cp_size + w->b->opts.checkpoint_every ||
        (w->head > w->cp_size && now - w->cp_ms >= (int64_t)w->b->opts.checkpoint_interval_s * 1000))
        s_checkpoint(w);
}

static long s_wait_ms(const s_writer_t *w)
{
    if (w->head <= w->cp_size)
        return 250;
    int64_t left = w->cp_ms + (int64_t)w->b->opts.checkpoint_interval_s * 1000 - broker_now_ms();
    return left < 0 ? 0 : left > 250 ? 250 : (long)left;
}

/* ---- The thread ------------------------------------------------------------------------- */

/* The retention sweep, at start, then every --sweep-interval, and at once after an erasure on
 * request; the records it appends go to the feeds like any others. */
static void s_sweep_due(s_writer_t *w)
{
    int64_t now = broker_now_ms();
    if (!w->sweep_due && now < w->sweep_at_ms)
        return;
    w->sweep_due = 0;
    w->sweep_at_ms = now + (int64_t)w->b->opts.sweep_interval_s * 1000;
    uint64_t head = w->head;
    w->b->sweep_more = 0;
    broker_sweep(w->b, &head);
    w->sweep_due = w->b->sweep_more; /* what one sweep could not take, the next at once */
    if (head > w->head) {
        w->head = head;
        broker_env_t notice = {.kind = BROKER_OUT_HEAD, .seq = head};
        if (broker_env_send(w->out, &notice, NULL, 0, NULL, 0, 0) != 0)
            broker_log("error", "internal", "what=\"cannot tell intake the new head\" head=%llu",
                       (unsigned long long)head);
    }
}

/* Idle for a while: the indexes are synced and marked clean, so that a crash or a power loss
 * from now until the next batch costs no rebuild at the next start. Under load they are not:
 * the next commit would withdraw the mark at once. */
static void s_settle_due(s_writer_t *w)
{
    if (!w->settle_due || broker_monotonic_us() - w->last_commit_us < (int64_t)w->b->opts.index_settle_ms * 1000)
        return;
    w->settle_due = 0;
    int rc = relais_store_index_settle(w->b->store);
    if (rc != 0) {
        char q[256];
        broker_log("warn", "index-settle-failed", "code=%s why=%s", relais_status_name(rc),
                   broker_logq(q, sizeof q, relais_status_detail()));
    }
}

static void *s_writer_thread(void *arg)
{
    s_writer_t *w = arg;
    for (;;) {
        /* Read the flag first: once set, no verifier sends any more. */
        int draining = atomic_load(&w->b->writer_drain);
        size_t n = s_collect(w, draining ? 0 : s_wait_ms(w));
        if (n > 0) {
            s_commit(w);
            s_clear_batch(w);
        }
        if (!draining)
            s_sweep_due(w);
        s_checkpoint_due(w);
        if (n == 0) {
            broker_stages_commit(w->b, 0, 1); /* the end of a burst closes its trace */
            s_settle_due(w);
        }
        if (n == 0 && draining)
            break;
    }
    s_checkpoint(w); /* the final checkpoint of a clean stop */
    broker_stages_commit(w->b, 0, 1);
    zmq_close(w->in);
    zmq_close(w->out);
    free(w->items);
    free(w->leases);
    atomic_store(&w->b->writer_running, 0);
    free(w);
    return NULL;
}

static int s_writer_init(relais_broker_t *b, s_writer_t *w)
{
    w->b = b;
    w->items = calloc(b->opts.batch_max, sizeof *w->items);
    if (!w->items)
        return relais_status_set(RELAIS_E_NOMEM, "out of memory");
    int rc = relais_store_head(b->store, &w->head);
    if (rc != 0)
        return rc;
    relais_store_checkpoint_t latest;
    if (relais_store_checkpoint_latest(b->store, &latest) == 0)
        w->cp_size = latest.size;
    w->reserve = b->store_reserve;
    w->cp_ms = 0; /* a log that outgrew its checkpoint (a crash) gets one at once */
    w->in = broker_queue_socket(b, ZMQ_PULL);
    w->out = broker_queue_socket(b, ZMQ_PUSH);
    if (!w->in || !w->out || zmq_bind(w->in, BROKER_EP_WRITE) != 0 || zmq_connect(w->out, BROKER_EP_REPLY) != 0)
        return relais_status_set(RELAIS_E_UNAVAILABLE, "writer queues: %s", zmq_strerror(errno));
    return 0;
}

int broker_writer_start(relais_broker_t *b)
{
    s_writer_t *w = calloc(1, sizeof *w);
    if (!w)
        return relais_status_set(RELAIS_E_NOMEM, "out of memory");
    int rc = s_writer_init(b, w);
    atomic_store(&b->writer_running, 1);
    if (rc == 0 && pthread_create(&b->writer_thread, NULL, s_writer_thread, w) != 0)
        rc = relais_status_set(RELAIS_E_NOMEM, "cannot start the writer");
    if (rc != 0) {
        atomic_store(&b->writer_running, 0);
        zmq_close(w->in);
        zmq_close(w->out);
        free(w->items);
        free(w);
        return rc;
    }
    b->writer_started = 1;
    return 0;
}

void broker_writer_join(relais_broker_t *b)
{
    if (!b->writer_started)
        return;
    pthread_join(b->writer_thread, NULL);
    b->writer_started = 0;
}
