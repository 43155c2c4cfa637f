/* store_index.c -- the case index kept in a relais store: the rules decided over a batch, and what they decided written back. */
#include "relais_cases.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "relais_store.h"

static int s_batch_case_get(void *ctx, const char *case_id, relais_case_record_t *out)
{
    uint8_t *bytes = NULL;
    size_t len = 0;
    int rc = relais_store_batch_case_get(ctx, case_id, &bytes, &len);
    /* INVALID: a case id no index could hold is a case that does not exist. */
    if (rc == RELAIS_E_INVALID)
        return RELAIS_E_NOT_FOUND;
    if (rc != 0)
        return rc;
    rc = relais_case_record_decode(bytes, len, out);
    free(bytes);
    return rc == 0 ? 0 : RELAIS_E_CORRUPT;
}

static int s_batch_child_get(void *ctx, const uint8_t child_key[32], char *case_id)
{
    return relais_store_batch_child_get(ctx, child_key, case_id);
}

/* A referral's entry, read by `get` (the batch's view or the committed store's) under its handle. */
static int s_referral_read(int (*get)(void *, const char *, uint8_t **, size_t *), void *from, uint64_t seq,
                           relais_referral_record_t *out)
{
    char handle[RELAIS_CASE_ID_LEN];
    relais_referral_handle(seq, handle);
    uint8_t *bytes = NULL;
    size_t len = 0;
    int rc = get(from, handle, &bytes, &len);
    if (rc != 0)
        return rc;
    rc = relais_referral_record_decode(bytes, len, out);
    free(bytes);
    return rc == 0 ? 0 : RELAIS_E_CORRUPT;
}

static int s_batch_get(void *batch, const char *key, uint8_t **bytes, size_t *len)
{
    return relais_store_batch_case_get(batch, key, bytes, len);
}

static int s_store_get(void *store, const char *key, uint8_t **bytes, size_t *len)
{
    return relais_store_case_get(store, key, bytes, len);
}

static int s_batch_referral_get(void *ctx, uint64_t seq, relais_referral_record_t *out)
{
    return s_referral_read(s_batch_get, ctx, seq, out);
}

int relais_cases_referral_load(relais_store_t *store, uint64_t seq, relais_referral_record_t *out)
{
    return s_referral_read(s_store_get, store, seq, out);
}

static int s_batch_block_scan(void *ctx, const uint8_t key[RELAIS_CASES_BLOCK_KEY_SIZE],
                              int (*fn)(void *fn_ctx, const char *case_id, const uint8_t *names, size_t len),
                              void *fn_ctx)
{
    return relais_store_batch_block_scan(ctx, key, fn, fn_ctx);
}

static int s_batch_case_gone(void *ctx, const char *case_id)
{
    relais_lifecycle_t lc;
    relais_case_record_t rec;
    return s_batch_case_get(ctx, case_id, &rec) == RELAIS_E_NOT_FOUND &&
           relais_cases_batch_lifecycle_get(ctx, case_id, &lc) == 0;
}

static const relais_cases_index_t s_batch_index = {s_batch_case_get, s_batch_child_get, s_batch_referral_get,
                                                   s_batch_block_scan, s_batch_case_gone};

int relais_cases_batch_decide(relais_store_batch_t *batch, const uint8_t secret[RELAIS_CASES_SECRET_SIZE],
                              const relais_message_t *msg, const uint8_t *child_key, uint64_t seq,
                              int64_t received_ms, relais_cases_step_t *out)
{
    return relais_cases_decide(&s_batch_index, batch, secret, msg, child_key, seq, received_ms, out);
}

int relais_cases_batch_decide_copy(relais_store_batch_t *batch, const uint8_t secret[RELAIS_CASES_SECRET_SIZE],
                                   const relais_message_t *msg, const relais_cases_copy_t *copy, uint64_t seq,
                                   int64_t received_ms, relais_cases_step_t *out)
{
    return relais_cases_decide_copy(&s_batch_index, batch, secret, msg, copy, seq, received_ms, out);
}

int relais_cases_batch_decide_gone(relais_store_batch_t *batch, uint64_t key_id, uint64_t copy_of, uint64_t seq,
                                   int64_t received_ms, relais_cases_step_t *out)
{
    return relais_cases_decide_gone(&s_batch_index, batch, key_id, copy_of, seq, received_ms, out);
}

int relais_cases_batch_duplicates(relais_store_batch_t *batch, const uint8_t secret[RELAIS_CASES_SECRET_SIZE],
                                  const relais_referral_view_t *child, relais_cases_step_t *out)
{
    return relais_cases_duplicates(&s_batch_index, batch, secret, child, out);
}

/* A referral's entry lives in the case index under its handle, beside the cases. */
static int s_put_referral(relais_store_batch_t *batch, const relais_referral_record_t *ref)
{
    char handle[RELAIS_CASE_ID_LEN];
    relais_referral_handle(ref->seq, handle);
    uint8_t *bytes = NULL;
    size_t len = 0;
    int rc = relais_referral_record_encode(ref, &bytes, &len);
    if (rc == 0)
        rc = relais_store_batch_case_put(batch, handle, bytes, len);
    free(bytes);
    return rc;
}

int relais_cases_batch_lifecycle_get(relais_store_batch_t *batch, const char *case_id, relais_lifecycle_t *out)
{
    uint8_t *bytes = NULL;
    size_t len = 0;
    int rc = relais_store_batch_lifecycle_get(batch, case_id, &bytes, &len);
    if (rc == 0 && relais_lifecycle_decode(bytes, len, out) != 0)
        rc = relais_status_set(RELAIS_E_CORRUPT, "the lifecycle of %s does not decode", case_id);
    free(bytes);
    return rc;
}

int relais_cases_batch_lifecycle_put(relais_store_batch_t *batch, const char *case_id, const relais_lifecycle_t *lc)
{
    uint8_t *bytes = NULL;
    size_t len = 0;
    int rc = relais_lifecycle_encode(lc, &bytes, &len);
    if (rc == 0)
        rc = relais_store_batch_lifecycle_put(batch, case_id, bytes, len);
    free(bytes);
    return rc;
}

/* An event of a case: its last contact, from which its active period counts. */
static int s_touch(relais_store_batch_t *batch, const char *case_id, uint64_t seq, int64_t received_ms)
{
    relais_lifecycle_t lc = {0};
    int rc = relais_cases_batch_lifecycle_get(batch, case_id, &lc);
    if (rc != 0 && rc != RELAIS_E_NOT_FOUND)
        return rc;
    relais_cases_lifecycle_touch(&lc, seq, received_ms);
    return relais_cases_batch_lifecycle_put(batch, case_id, &lc);
}

/* A merge: the merged case's record and its child (when it still led to it). Its lifecycle is
 * the hub's MERGED record's, which follows. */
static int s_record_merge(relais_store_batch_t *batch, const relais_cases_step_t *step)
{
    const char *merged = step->merged.summary.case_id, *survivor = step->rec.summary.case_id;
    uint8_t *bytes = NULL;
    size_t len = 0;
    int rc = relais_case_record_encode(&step->merged, &bytes, &len);
    if (rc == 0)
        rc = relais_store_batch_case_put(batch, merged, bytes, len);
    free(bytes);
    if (rc == 0 && step->relink_child)
        rc = relais_store_batch_child_put(batch, step->merged.child_key, survivor);
    return rc;
}

int relais_cases_batch_record(relais_store_batch_t *batch, const relais_cases_step_t *step, uint64_t seq)
{
    uint8_t *rec = NULL, *status = NULL;
    size_t rec_len = 0, status_len = 0;
    const char *case_id = step->rec.summary.case_id;
    int rc = relais_case_record_encode(&step->rec, &rec, &rec_len);
    if (rc == 0)
        rc = relais_case_status_encode(&step->after, &status, &status_len);
    if (rc == 0)
        rc = relais_store_batch_case_put(batch, case_id, rec, rec_len);
    if (rc == 0)
        rc = relais_store_batch_case_link(batch, case_id, seq, status, status_len);
    /* A split takes the referral's event out of its case; its copy files it in the new one. */
    if (rc == 0 && step->split_of)
        rc = relais_store_batch_case_unlink(batch, step->split_of);
    if (rc == 0 && step->copy_of)
        rc = relais_store_batch_case_link(batch, case_id, step->copy_of, status, status_len);
    if (rc == 0 && (step->has_referral || step->split_of || step->copy_of))
        rc = s_put_referral(batch, &step->referral);
    if (rc == 0 && step->meeting_id[0])
        rc = relais_store_batch_meeting_put(batch, step->meeting_id, seq, case_id);
    if (rc == 0 && step->child == RELAIS_CASES_CHILD_LINK)
        rc = relais_store_batch_child_put(batch, step->rec.child_key, case_id);
    if (rc == 0 && step->unblock)
        rc = relais_store_batch_block_forget(batch, step->has_merged ? step->merged.summary.case_id : case_id);
    for (size_t i = 0; rc == 0 && i < step->block_count; i++)
        rc = relais_store_batch_block_put(batch, step->block_keys[i], case_id, (const uint8_t *)step->block_names,
                                          step->block_names_len);
    if (rc == 0 && step->child == RELAIS_CASES_CHILD_UNLINK)
        rc = relais_store_batch_child_del(batch, step->rec.child_key);
    if (rc == 0)
        rc = step->has_merged ? s_record_merge(batch, step) : 0;
    if (rc == 0)
        rc = s_touch(batch, case_id, seq, step->received_ms);
    free(rec);
    free(status);
    return rc;
}

/* ---- Privacy records ------------------------------------------------------------------------ */

int relais_cases_batch_privacy(relais_store_batch_t *batch, const relais_privacy_view_t *p, uint64_t seq,
                               int64_t received_ms, relais_lifecycle_t *lc, int *refused, char *why, size_t cap)
{
    memset(lc, 0, sizeof *lc);
    int rc = relais_cases_batch_lifecycle_get(batch, p->case_id, lc);
    if (rc != 0 && rc != RELAIS_E_NOT_FOUND)
        return rc;
    int exists = rc == 0;
    char record_case[RELAIS_CASE_ID_MAX] = "";
    if (p->kind == RELAIS_PRIVACY_RECTIFIED && p->record_seq &&
        relais_store_batch_seq_case(batch, p->record_seq, record_case, NULL, NULL) != 0)
        record_case[0] = '\0';
    *refused = relais_cases_lifecycle_apply(lc, exists, p, record_case, seq, received_ms, why, cap);
    return 0;
}

/* A rectification is an event of its case: linked to it with the case's status, unchanged. */
static int s_link_rectification(relais_store_batch_t *batch, const char *case_id, uint64_t seq)
{
    uint8_t *bytes = NULL, *status_bytes = NULL;
    size_t len = 0, status_len = 0;
    relais_case_record_t rec;
    relais_case_status_t status;
    int rc = relais_store_batch_case_get(batch, case_id, &bytes, &len);
    if (rc == 0)
        rc = relais_case_record_decode(bytes, len, &rec);
    if (rc == 0) {
        relais_cases_status(&rec, &status);
        status.rectification = 1;
        rc = relais_case_status_encode(&status, &status_bytes, &status_len);
    }
    if (rc == 0)
        rc = relais_store_batch_case_link(batch, case_id, seq, status_bytes, status_len);
    free(bytes);
    free(status_bytes);
    return rc;
}

/* A referral rectified keeps its correction's record on its entry: the correction is sealed with
 * its case, so a split may no longer move the referral out. */
static int s_mark_rectified(relais_store_batch_t *batch, uint64_t record_seq, uint64_t seq)
{
    relais_referral_record_t ref;
    int rc = s_batch_referral_get(batch, record_seq, &ref);
    if (rc == RELAIS_E_NOT_FOUND || (rc == 0 && ref.rectified_by))
        return 0;
    if (rc == 0) {
        ref.rectified_by = seq;
        rc = s_put_referral(batch, &ref);
    }
    return rc;
}

int relais_cases_batch_privacy_record(relais_store_batch_t *batch, const relais_privacy_view_t *p,
                                      const relais_lifecycle_t *lc, uint64_t seq)
{
    int rc = p->kind == RELAIS_PRIVACY_RECTIFIED ? s_link_rectification(batch, p->case_id, seq) : 0;
    if (rc == 0 && p->kind == RELAIS_PRIVACY_RECTIFIED)
        rc = s_mark_rectified(batch, p->record_seq, seq);
    if (rc == 0 && p->kind == RELAIS_PRIVACY_MERGED) {
        relais_lifecycle_t survivor, merged = *lc;
        rc = relais_cases_batch_lifecycle_get(batch, p->value, &survivor);
        if (rc == RELAIS_E_NOT_FOUND)
            rc = relais_status_set(RELAIS_E_CORRUPT, "%s is merged into %s, which has no lifecycle", p->case_id,
                                   p->value);
        if (rc == 0)
            rc = relais_cases_lifecycle_adopt(&survivor, p->case_id, &merged);
        if (rc == 0)
            rc = relais_cases_batch_lifecycle_put(batch, p->value, &survivor);
        return rc ? rc : relais_cases_batch_lifecycle_put(batch, p->case_id, &merged);
    }
    return rc ? rc : relais_cases_batch_lifecycle_put(batch, p->case_id, lc);
}

/* ---- Catching the indexes up with the log ----------------------------------------------------- */

#define S_CATCH_UP_CHUNK 4096

typedef struct {
    relais_store_batch_t *batch;
    relais_store_t *store;
    relais_keyring_t *ring;
    const uint8_t *secret;
    const relais_cases_other_t *other;  /* the register's records, or NULL */
    uint64_t gone_seq;                  /* the last record whose key is gone ... */
    char gone_case[RELAIS_CASE_ID_LEN]; /* ... and the case its key names */
} s_fold_t;

static int s_refused(uint64_t seq, int status, const char *why)
{
    return relais_status_set(RELAIS_E_CORRUPT, "record %llu is an event the rules refuse (%s: %s): the indexes "
                                               "cannot be made from this log",
                             (unsigned long long)seq, relais_status_name(status), why);
}

/* A split's copy: the referral it copies was received when its own record says. */
static int s_fold_copy(s_fold_t *f, uint64_t seq, int64_t received_ms, uint64_t copy_of, const relais_message_t *msg,
                       relais_cases_step_t *step)
{
    uint8_t *copied = NULL;
    size_t len = 0;
    relais_log_record_t lr;
    int rc = relais_store_batch_get_record(f->batch, copy_of, &copied, &len);
    if (rc == 0 && relais_log_record_decode(copied, len, &lr) != 0)
        rc = relais_status_set(RELAIS_E_CORRUPT, "record %llu does not decode", (unsigned long long)copy_of);
    relais_cases_copy_t copy = {.copy_of = copy_of,
                                .copied_ms = rc == 0 ? lr.received_ms : 0,
                                .split_unseen = f->gone_seq + 1 == seq ? f->gone_case : NULL};
    free(copied);
    return rc ? rc : relais_cases_batch_decide_copy(f->batch, f->secret, msg, &copy, seq, received_ms, step);
}

/* An archived case or entry of the register leaves the index (nothing to forget when the index
 * never held it: a rebuild that met its records sealed). */
static int s_forget_archived(relais_store_batch_t *batch, const char *id)
{
    uint64_t entry = relais_entry_handle_seq(id), item = relais_register_handle_seq(id);
    int rc = entry  ? relais_store_batch_register_forget(batch, RELAIS_STORE_REGISTER_CONTACTS, entry)
             : item ? relais_store_batch_register_forget(batch, RELAIS_STORE_REGISTER_LOST, item)
                    : relais_store_batch_case_forget(batch, id);
    return rc == RELAIS_E_NOT_FOUND ? 0 : rc;
}

/* A stored message: what the writer did with it when it stored it. */
static int s_fold_message(s_fold_t *f, uint64_t seq, int64_t received_ms, uint64_t copy_of,
                          const relais_message_t *msg)
{
    relais_payload_t payload = relais_message_payload(msg);
    if (payload == RELAIS_PAYLOAD_PRIVACY) {
        relais_privacy_view_t p;
        relais_lifecycle_t lc;
        char why[256];
        int refused = 0;
        if (relais_message_privacy(msg, &p) != 0 || !p.case_id)
            return relais_status_set(RELAIS_E_CORRUPT, "record %llu is no privacy record", (unsigned long long)seq);
        int rc = relais_cases_batch_privacy(f->batch, &p, seq, received_ms, &lc, &refused, why, sizeof why);
        if (rc == 0 && refused)
            rc = s_refused(seq, refused, why);
        if (rc == 0)
            rc = relais_cases_batch_privacy_record(f->batch, &p, &lc, seq);
        /* What the sweep forgot as it archived, forgotten again: indexes that lost the sweep's own
         * commit (a crash before they were synced) are caught up to the same place. */
        if (rc == 0 && p.kind == RELAIS_PRIVACY_ARCHIVED)
            rc = s_forget_archived(f->batch, p.case_id);
        return rc;
    }
    if (payload != RELAIS_PAYLOAD_REFERRAL && payload != RELAIS_PAYLOAD_CASE_UPDATE && payload != RELAIS_PAYLOAD_MEETING)
        return f->other ? f->other->record(f->batch, msg, seq, received_ms) : 0; /* the register's, an access record's */
    relais_cases_step_t step;
    int rc = copy_of ? s_fold_copy(f, seq, received_ms, copy_of, msg, &step)
                     : relais_cases_batch_decide(f->batch, f->secret, msg, NULL, seq, received_ms, &step);
    if (rc == 0 && step.status != 0)
        rc = s_refused(seq, step.status, step.why);
    return rc ? rc : relais_cases_batch_record(f->batch, &step, seq);
}

/* A record whose key is gone: its case left the active base, and so did everything of it in the
 * indexes but its lifecycle, which its key names; or a split moved it out (the rules say). */
static int s_fold_gone(s_fold_t *f, const relais_log_record_t *rec)
{
    int others = f->other ? f->other->gone(f->batch, rec->key_id, rec->seq, rec->received_ms) : 0;
    if (others)
        return others < 0 ? others : 0;
    f->gone_seq = rec->seq;
    snprintf(f->gone_case, sizeof f->gone_case, "C-%llu", (unsigned long long)relais_key_id_owner(rec->key_id));
    relais_cases_step_t step;
    int rc = relais_cases_batch_decide_gone(f->batch, rec->key_id, rec->copy_of, rec->seq, rec->received_ms, &step);
    if (rc == 0 && step.status)
        rc = s_refused(rec->seq, step.status, step.why);
    if (rc == 0 && step.about_case)
        return relais_cases_batch_record(f->batch, &step, rec->seq);
    if (rc == 0 && step.forget_referral)
        rc = relais_store_batch_referral_forget(f->batch, step.forget_referral);
    char case_id[RELAIS_CASE_ID_LEN];
    snprintf(case_id, sizeof case_id, "C-%llu", (unsigned long long)relais_key_id_owner(rec->key_id));
    return rc ? rc : s_touch(f->batch, case_id, rec->seq, rec->received_ms);
}

static int s_fold(void *ctx, uint64_t seq, const uint8_t *record, size_t len, const relais_hash_t leaf)
{
    s_fold_t *f = ctx;
    relais_log_record_t rec;
    (void)leaf;
    if (relais_log_record_decode(record, len, &rec) != 0 || rec.seq != seq)
        return relais_status_set(RELAIS_E_CORRUPT, "record %llu does not decode", (unsigned long long)seq);
    uint8_t *opened = NULL;
    size_t opened_len = 0;
    const uint8_t *signed_message = rec.signed_message;
    size_t signed_len = rec.signed_len;
    if (rec.key_id) {
        if (!f->ring)
            return relais_status_set(RELAIS_E_CRYPTO, "record %llu is sealed and no data key was given",
                                     (unsigned long long)seq);
        int rc = relais_keyring_open_record(f->ring, f->store, &rec, &opened, &opened_len);
        if (rc == RELAIS_E_NOT_FOUND)
            return s_fold_gone(f, &rec);
        if (rc)
            return rc;
        signed_message = opened;
        signed_len = opened_len;
    }
    relais_signed_t sm;
    relais_message_t *msg = NULL;
    int rc = relais_signed_decode(signed_message, signed_len, &sm);
    if (rc == 0)
        rc = relais_message_decode_stored(sm.body, sm.body_len, &msg);
    if (rc != 0)
        rc = relais_status_set(RELAIS_E_CORRUPT, "record %llu holds no message", (unsigned long long)seq);
    if (rc == 0)
        rc = s_fold_message(f, seq, rec.received_ms, rec.copy_of, msg);
    relais_message_destroy(&msg);
    if (opened)
        OPENSSL_cleanse(opened, opened_len);
    free(opened);
    return rc;
}

int relais_cases_index_catch_up(relais_store_t *store, relais_keyring_t *ring,
                                const uint8_t secret[RELAIS_CASES_SECRET_SIZE], size_t chunk,
                                const relais_cases_other_t *other, relais_cases_progress_fn progress, void *ctx)
{
    if (!store || !secret)
        return relais_status_set(RELAIS_E_INVALID, "relais_cases_index_catch_up needs a store and the hub secret");
    s_fold_t f = {.store = store, .ring = ring, .secret = secret, .other = other};
    for (;;) {
        int catching_up = 0;
        int rc = relais_store_batch_begin(store, &f.batch);
        if (rc)
            return rc;
        uint64_t applied = relais_store_batch_applied(f.batch, &catching_up);
        uint64_t head = relais_store_batch_head(f.batch);
        if (!catching_up) {
            relais_store_batch_abort(&f.batch);
            return 0;
        }
        uint64_t to = head - applied > (chunk ? chunk : S_CATCH_UP_CHUNK) ? applied + (chunk ? chunk : S_CATCH_UP_CHUNK)
                                                                           : head;
        rc = relais_store_iterate(store, applied + 1, to, s_fold, &f);
        if (rc == 0)
            rc = relais_store_batch_set_applied(f.batch, to);
        if (rc) {
            relais_store_batch_abort(&f.batch);
            return rc;
        }
        rc = relais_store_batch_commit(&f.batch);
        relais_store_index_t index;
        if (rc == 0 && (rc = relais_store_index_state(store, &index)) == 0 && index.applied != to)
            rc = relais_status_set(RELAIS_E_IO, "%s", index.why);
        if (rc)
            return rc;
        if (progress)
            progress(ctx, to, head);
    }
}
