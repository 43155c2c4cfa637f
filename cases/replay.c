/* replay.c -- what one logged event does to the case index: the one fold the broker and the auditor share. */
#include "relais_cases.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int s_refuse(relais_cases_step_t *out, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* A refusal is a verdict on the event, not a failure of the decision: returns 0. */
static int s_refuse(relais_cases_step_t *out, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->why, sizeof out->why, fmt, ap);
    va_end(ap);
    out->status = status;
    return 0;
}

/* ---- Likely duplicates ------------------------------------------------------------------- */

typedef struct {
    const relais_cases_index_t *index;
    void *ctx;
    const relais_referral_view_t *child;
    relais_case_summary_t *summary; /* the new case's: its duplicates */
    int failed;                     /* a status of the index that stops the decision */
} s_suspects_t;


/* One candidate of a blocking key: kept when its names are close and its case is still open. */
static int s_on_candidate(void *ctx, const char *case_id, const uint8_t *names, size_t len)
{
    s_suspects_t *s = ctx;
    relais_case_summary_t *sum = s->summary;
    for (size_t i = 0; i < sum->duplicate_count; i++)
        if (strcmp(sum->duplicates[i], case_id) == 0)
            return 0;
    char buf[RELAIS_CASES_NAMES_MAX];
    const char *given[RELAIS_CASES_NAMES_GIVEN_MAX];
    relais_referral_view_t other;
    if (relais_cases_names_unpack(names, len, buf, sizeof buf, given, &other) != 0) {
        s->failed = relais_status_set(RELAIS_E_CORRUPT, "the blocking entry of %s does not hold names", case_id);
        return 1;
    }
    if (strcmp(other.birth_date, s->child->birth_date) != 0 || relais_cases_names_close(s->child, &other) != 1)
        return 0;
    relais_case_record_t rec;
    int rc = s->index->case_get(s->ctx, case_id, &rec);
    if (rc == RELAIS_E_NOT_FOUND || (rc == 0 && !relais_cases_state_is_open(rec.summary.state)))
        return 0;
    if (rc) {
        s->failed = rc;
        return 1;
    }
    /* Kept in case order, the lowest numbers first, so that the broker and the audit, whose
     * indexes scan in different orders, keep the same ones. */
    uint64_t n = relais_cases_key_id(case_id);
    size_t at = sum->duplicate_count;
    while (at > 0 && relais_cases_key_id(sum->duplicates[at - 1]) > n)
        at--;
    if (at == RELAIS_MAX_DUPLICATES)
        return 0;
    size_t last = sum->duplicate_count < RELAIS_MAX_DUPLICATES ? sum->duplicate_count : RELAIS_MAX_DUPLICATES - 1;
    memmove(sum->duplicates[at + 1], sum->duplicates[at], (last - at) * sizeof sum->duplicates[0]);
    snprintf(sum->duplicates[at], sizeof sum->duplicates[at], "%s", case_id);
    if (sum->duplicate_count < RELAIS_MAX_DUPLICATES)
        sum->duplicate_count++;
    return 0;
}

/* A new case: the open cases whose child may be this one, and the blocking entries that let a
 * later case find it. A child that cannot be blocked (no name yields a key) is filed as it is. */
int relais_cases_duplicates(const relais_cases_index_t *index, void *ctx, const uint8_t secret[RELAIS_CASES_SECRET_SIZE],
                            const relais_referral_view_t *ref, relais_cases_step_t *out)
{
    if (!index || !ref || !out)
        return relais_status_set(RELAIS_E_INVALID, "relais_cases_duplicates needs an index, a child and room");
    if (!index->block_scan || !secret)
        return 0;
    relais_status_clear();
    int rc = relais_cases_block_keys(secret, ref, out->block_keys, &out->block_count);
    if (rc == 0)
        rc = relais_cases_names_pack(ref, out->block_names, sizeof out->block_names, &out->block_names_len);
    if (rc == RELAIS_E_CRYPTO)
        return rc;
    if (rc) {
        out->block_count = 0;
        return 0;
    }
    s_suspects_t s = {index, ctx, ref, &out->rec.summary, 0};
    for (size_t i = 0; i < out->block_count; i++) {
        rc = index->block_scan(ctx, out->block_keys[i], s_on_candidate, &s);
        if (s.failed)
            return s.failed;
        if (rc)
            return rc;
    }
    return 0;
}

/* The open case of the child, or a new one; a child key that leads to a case the index does
 * not hold is a broken index, not a reason to open a second case. */
static int s_referral(const relais_cases_index_t *index, void *ctx, const uint8_t *secret,
                      const relais_referral_view_t *ref, const uint8_t key[32], const char *sender, uint64_t seq,
                      int64_t received_ms, relais_cases_step_t *out)
{
    char case_id[RELAIS_CASE_ID_LEN];
    int rc = index->child_get(ctx, key, case_id);
    if (rc == RELAIS_E_NOT_FOUND) {
        out->child = RELAIS_CASES_CHILD_LINK;
        rc = relais_cases_open(ref, key, sender, seq, received_ms, &out->rec);
        if (rc == 0)
            rc = relais_cases_duplicates(index, ctx, secret, ref, out);
    } else {
        if (rc == 0)
            rc = index->case_get(ctx, case_id, &out->rec);
        if (rc == RELAIS_E_NOT_FOUND)
            return relais_status_set(RELAIS_E_CORRUPT, "a child key leads to case %s, which the index lacks", case_id);
        if (rc == 0)
            rc = relais_cases_attach(&out->rec, ref, sender, seq, received_ms);
    }
    if (rc)
        return rc;
    /* The referral's own entry: all its referrer will ever be answered from. */
    relais_referral_record_t *r = &out->referral;
    memset(r, 0, sizeof *r);
    r->seq = seq;
    snprintf(r->case_id, sizeof r->case_id, "%s", out->rec.summary.case_id);
    snprintf(r->sender, sizeof r->sender, "%s", sender);
    r->received_ms = received_ms;
    r->urgency = ref->urgency ? ref->urgency : RELAIS_URGENCY_ROUTINE;
    relais_cases_copy_text(r->school, sizeof r->school, ref->school);
    relais_cases_copy_text(r->organisation, sizeof r->organisation, ref->organisation);
    relais_cases_child_display(ref, r->child_display, sizeof r->child_display);
    out->has_referral = 1;
    return 0;
}

static int s_referral_event(const relais_cases_index_t *index, void *ctx, const uint8_t *secret,
                            const relais_message_t *msg, const uint8_t *child_key, uint64_t seq,
                            int64_t received_ms, relais_cases_step_t *out)
{
    relais_referral_view_t ref;
    uint8_t key[32];
    if (relais_message_referral(msg, &ref) != 0)
        return s_refuse(out, RELAIS_E_MALFORMED, "not a referral");
    if (!ref.has_consent && !ref.has_parental_request)
        return s_refuse(out, RELAIS_E_NO_CONSENT, "a referral needs the family's consent or a parental request");
    if (!child_key) {
        relais_status_clear();
        int rc = relais_cases_child_key(secret, &ref, key);
        if (rc == RELAIS_E_CRYPTO)
            return rc;
        if (rc != 0)
            return s_refuse(out, RELAIS_E_MALFORMED, "%s", relais_status_detail());
        child_key = key;
    }
    return s_referral(index, ctx, secret, &ref, child_key, relais_message_sender(msg), seq, received_ms, out);
}

/* The coordinator shares the case with the referrer of one of its referrals: from this event
 * on, that referral follows the case. */
static int s_share(const relais_cases_index_t *index, void *ctx, const char *handle, uint64_t seq,
                   relais_cases_step_t *out)
{
    uint64_t referral_seq = relais_referral_handle_seq(handle);
    if (referral_seq == 0)
        return s_refuse(out, RELAIS_E_BAD_TRANSITION, "share_referral: '%.64s' is not a referral's handle (R-<number>)",
                        handle);
    relais_referral_record_t ref;
    int rc = index->referral_get(ctx, referral_seq, &ref);
    if (rc == RELAIS_E_NOT_FOUND || (rc == 0 && strcmp(ref.case_id, out->rec.summary.case_id) != 0))
        return s_refuse(out, RELAIS_E_BAD_TRANSITION, "%s is not a referral of case %s", handle,
                        out->rec.summary.case_id);
    if (rc)
        return rc;
    if (relais_cases_follower(&out->rec, referral_seq))
        return s_refuse(out, RELAIS_E_BAD_TRANSITION, "case %s is already shared with %s", out->rec.summary.case_id,
                        handle);
    if (out->rec.follower_count >= RELAIS_MAX_FOLLOWERS)
        return s_refuse(out, RELAIS_E_BAD_TRANSITION, "case %s is shared with %d referrals already, the most it keeps",
                        out->rec.summary.case_id, RELAIS_MAX_FOLLOWERS);
    relais_case_follower_t *f = &out->rec.followers[out->rec.follower_count++];
    f->referral_seq = referral_seq;
    f->since_seq = seq;
    snprintf(f->sender, sizeof f->sender, "%s", ref.sender);
    return 0;
}

/* Closing unlinks the child only when its key still leads to this very case. */
static int s_update_event(const relais_cases_index_t *index, void *ctx, const relais_message_t *msg, uint64_t seq,
                          int64_t received_ms, relais_cases_step_t *out)
{
    relais_case_update_view_t upd;
    if (relais_message_case_update(msg, &upd) != 0)
        return s_refuse(out, RELAIS_E_MALFORMED, "not a case update");
    if (!upd.case_id || !upd.case_id[0] || strlen(upd.case_id) >= RELAIS_CASE_ID_LEN)
        return s_refuse(out, RELAIS_E_BAD_TRANSITION, "case_update.case_id is missing or too long");
    int rc = index->case_get(ctx, upd.case_id, &out->rec);
    if (rc == RELAIS_E_NOT_FOUND)
        return s_refuse(out, RELAIS_E_BAD_TRANSITION,
                        "there is no case %s; `relais case list` lists the cases, `relais case show R-<number>` "
                        "finds the case of a referral",
                        upd.case_id);
    if (rc)
        return rc;
    int closed = 0;
    rc = relais_cases_update(&out->rec, &upd, seq, received_ms, &closed, out->why, sizeof out->why);
    if (rc) {
        out->status = rc; /* the sentence is in out->why already: formatting it onto itself would overlap */
        return 0;
    }
    if (upd.share_referral && upd.share_referral[0]) {
        rc = s_share(index, ctx, upd.share_referral, seq, out);
        if (rc || out->status)
            return rc;
    }
    char linked[RELAIS_CASE_ID_LEN];
    if (!closed)
        return 0;
    rc = index->child_get(ctx, out->rec.child_key, linked);
    if (rc == RELAIS_E_NOT_FOUND)
        return 0;
    if (rc == 0 && strcmp(linked, out->rec.summary.case_id) == 0)
        out->child = RELAIS_CASES_CHILD_UNLINK;
    return rc;
}

int relais_cases_decide(const relais_cases_index_t *index, void *ctx, const uint8_t secret[RELAIS_CASES_SECRET_SIZE],
                        const relais_message_t *msg, const uint8_t *child_key, uint64_t seq, int64_t received_ms,
                        relais_cases_step_t *out)
{
    memset(out, 0, sizeof *out);
    out->received_ms = received_ms;
    if (!index || !index->case_get || !index->child_get || !index->referral_get || !msg || (!secret && !child_key) ||
        seq == 0)
        return relais_status_set(RELAIS_E_INVALID, "relais_cases_decide needs an index, a message and a secret");
    relais_payload_t payload = relais_message_payload(msg);
    int rc = 0;
    if (payload == RELAIS_PAYLOAD_REFERRAL)
        rc = s_referral_event(index, ctx, secret, msg, child_key, seq, received_ms, out);
    else if (payload == RELAIS_PAYLOAD_CASE_UPDATE)
        rc = s_update_event(index, ctx, msg, seq, received_ms, out);
    else
        return 0;
    out->about_case = 1;
    if (rc == 0 && out->status == 0)
        relais_cases_status(&out->rec, &out->after);
    return rc;
}
