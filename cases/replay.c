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

/* Candidates remembered so that a case filed under both blocking keys is opened and compared
 * once; past this many, a repeat is compared again (the same verdict, a little more work). */
#define S_SEEN_MAX 32

typedef struct {
    const relais_cases_index_t *index;
    void *ctx;
    const relais_referral_view_t *child;
    relais_cases_names_t *names;    /* the child's, prepared at the first candidate */
    relais_case_summary_t *summary; /* the new case's: its duplicates */
    int failed;                     /* a status of the index that stops the decision */
    size_t scanned;                 /* cases met under the blocking key scanned now */
    int bounded;                    /* the scan of that key stopped at RELAIS_CASES_BLOCK_SCAN_MAX */
    char seen[S_SEEN_MAX][RELAIS_CASE_ID_LEN]; /* compared already (under the other blocking key) */
    size_t seen_count;
} s_suspects_t;


/* One candidate of a blocking key (an open case: a case's entries go when it leaves the open
 * states): kept when its names are close. */
static int s_on_candidate(void *ctx, const char *case_id, const uint8_t *names, size_t len)
{
    s_suspects_t *s = ctx;
    relais_case_summary_t *sum = s->summary;
    if (++s->scanned > RELAIS_CASES_BLOCK_SCAN_MAX) {
        s->bounded = 1;
        return 1;
    }
    for (size_t i = 0; i < s->seen_count; i++)
        if (strcmp(s->seen[i], case_id) == 0)
            return 0;
    for (size_t i = 0; i < sum->duplicate_count; i++)
        if (strcmp(sum->duplicates[i], case_id) == 0)
            return 0;
    if (s->seen_count < S_SEEN_MAX)
        snprintf(s->seen[s->seen_count++], RELAIS_CASE_ID_LEN, "%s", case_id);
    char buf[RELAIS_CASES_NAMES_MAX];
    const char *given[RELAIS_CASES_NAMES_GIVEN_MAX];
    relais_referral_view_t other;
    if (relais_cases_names_unpack(names, len, buf, sizeof buf, given, &other) != 0) {
        s->failed = relais_status_set(RELAIS_E_CORRUPT, "the blocking entry of %s does not hold names", case_id);
        return 1;
    }
    /* The birth date is in the blocking key; compared again against a collision of the hash. */
    if (strcmp(other.birth_date, s->child->birth_date) != 0)
        return 0;
    if (!s->names) {
        int rc = relais_cases_names_prepare(s->child, &s->names);
        if (rc == RELAIS_E_NOMEM) {
            s->failed = rc;
            return 1;
        }
        if (rc) { /* names the rule cannot compare: filed, never found close to another */
            relais_status_clear();
            return 1;
        }
    }
    if (relais_cases_names_close_to(s->names, &other) != 1)
        return 0;
    /* Kept in case order, the lowest numbers first, so that the broker and the audit, whose
     * indexes scan in different orders, keep the same ones. */
    uint64_t n = relais_cases_number(case_id);
    size_t at = sum->duplicate_count;
    while (at > 0 && relais_cases_number(sum->duplicates[at - 1]) > n)
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

/* The blocking entries that let a later case find a new one; a child that cannot be blocked (no
 * name yields a key) is filed as it is (out->block_count 0). */
static int s_block_entries(const uint8_t *secret, const relais_referral_view_t *ref, relais_cases_step_t *out)
{
    if (!secret)
        return relais_status_set(RELAIS_E_INVALID, "the likely-duplicate search needs the hub's secret");
    relais_status_clear();
    int rc = relais_cases_block_keys(secret, ref, out->block_keys, &out->block_count);
    if (rc == 0)
        rc = relais_cases_names_pack(ref, out->block_names, sizeof out->block_names, &out->block_names_len);
    if (rc == RELAIS_E_CRYPTO)
        return rc;
    if (rc)
        out->block_count = 0;
    return 0;
}

/* A new case: the open cases whose child may be this one, and the blocking entries that let a
 * later case find it. */
int relais_cases_duplicates(const relais_cases_index_t *index, void *ctx, const uint8_t secret[RELAIS_CASES_SECRET_SIZE],
                            const relais_referral_view_t *ref, relais_cases_step_t *out)
{
    if (!index || !ref || !out)
        return relais_status_set(RELAIS_E_INVALID, "relais_cases_duplicates needs an index, a child and room");
    if (!index->block_scan)
        return 0;
    int rc = s_block_entries(secret, ref, out);
    if (rc || out->block_count == 0)
        return rc;
    s_suspects_t s = {.index = index, .ctx = ctx, .child = ref, .summary = &out->rec.summary};
    for (size_t i = 0; rc == 0 && i < out->block_count; i++) {
        s.scanned = 0;
        s.bounded = 0;
        rc = index->block_scan(ctx, out->block_keys[i], s_on_candidate, &s);
        if (rc == 1 && s.bounded && !s.failed)
            rc = 0; /* that key's bound: the other key is still searched */
        if (s.failed)
            rc = s.failed;
    }
    relais_cases_names_free(&s.names);
    return rc == 1 && !s.failed ? 0 : rc;
}

static int s_file_referral(const relais_referral_view_t *ref, const char *sender, uint64_t seq, int64_t received_ms,
                           int rc, relais_cases_step_t *out);

/* The open case of the child, or a new one; a child key that leads to a case the index does
 * not hold is a broken index, not a reason to open a second case. */
static int s_referral(const relais_cases_index_t *index, void *ctx, const uint8_t *secret,
                      const relais_referral_view_t *ref, const uint8_t key[32], const char *sender, uint64_t seq,
                      int64_t received_ms, relais_cases_step_t *out)
{
    char case_id[RELAIS_CASE_ID_LEN];
    int rc = index->child_get(ctx, key, case_id);
    if (rc == 0) {
        rc = index->case_get(ctx, case_id, &out->rec);
        if (rc == RELAIS_E_NOT_FOUND)
            return relais_status_set(RELAIS_E_CORRUPT, "a child key leads to case %s, which the index lacks", case_id);
        if (rc)
            return rc;
        /* A merged case's child key leads to the surviving case, which may have closed since:
         * the child is free again, as a closed case's is. */
        if (relais_cases_state_is_open(out->rec.summary.state))
            return s_file_referral(ref, sender, seq, received_ms, relais_cases_attach(&out->rec, ref, sender, seq,
                                                                                   received_ms), out);
        memset(&out->rec, 0, sizeof out->rec);
        rc = RELAIS_E_NOT_FOUND;
    }
    if (rc != RELAIS_E_NOT_FOUND)
        return rc;
    out->child = RELAIS_CASES_CHILD_LINK;
    rc = relais_cases_open(ref, key, sender, seq, received_ms, &out->rec);
    if (rc == 0)
        rc = relais_cases_duplicates(index, ctx, secret, ref, out);
    return s_file_referral(ref, sender, seq, received_ms, rc, out);
}

/* The referral's own entry, once its case is decided (`rc` 0): all its referrer will ever be
 * answered from. */
static int s_file_referral(const relais_referral_view_t *ref, const char *sender, uint64_t seq, int64_t received_ms,
                           int rc, relais_cases_step_t *out)
{
    if (rc)
        return rc;
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
    /* Sealed under a key of its own, so that a split can move it out (past the last part, it
     * shares the case's own key and stays). */
    r->key_part = out->rec.referral_keys <= RELAIS_KEY_ID_PART_MAX ? out->rec.referral_keys : 0;
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

/* ---- The coordinator's decisions on likely duplicates ---------------------------------------- */

static void s_ids(const char ids[][RELAIS_CASE_ID_LEN], size_t n, char *out, size_t cap)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && used < cap; i++) {
        int w = snprintf(out + used, cap - used, "%s%s", i ? ", " : "", ids[i]);
        used = w > 0 ? used + (size_t)w : used;
    }
}

/* Takes `other` out of the case's possible duplicates; 0 when it was not among them. */
static int s_drop_duplicate(relais_case_summary_t *sum, const char *other)
{
    for (size_t i = 0; i < sum->duplicate_count; i++)
        if (strcmp(sum->duplicates[i], other) == 0) {
            memmove(sum->duplicates[i], sum->duplicates[i + 1], (sum->duplicate_count - i - 1) * sizeof sum->duplicates[0]);
            sum->duplicate_count--;
            return 1;
        }
    return 0;
}

/* The coordinator says the case's child is not the child of `other`: the question is closed.
 * A case that has left the active base since cannot be opened by a replay, which therefore
 * never flagged it: its dismissal stands as it was accepted. */
/* Whether flag `flagged` names `other`, itself or through the merges that led `flagged` into it
 * (a flagged case merged since is shown, and decided, as the case it was merged into). */
static int s_names_case(const relais_cases_index_t *index, void *ctx, const char *flagged, const char *other, int *rc)
{
    relais_case_record_t rec;
    char id[RELAIS_CASE_ID_LEN];
    snprintf(id, sizeof id, "%s", flagged);
    for (int hops = 0; hops <= RELAIS_MAX_MERGED; hops++) {
        if (strcmp(id, other) == 0)
            return 1;
        *rc = index->case_get(ctx, id, &rec);
        if (*rc == RELAIS_E_NOT_FOUND)
            *rc = 0;
        if (*rc || !rec.summary.merged_into[0])
            return 0;
        snprintf(id, sizeof id, "%s", rec.summary.merged_into);
    }
    return 0;
}

static int s_dismiss(const relais_cases_index_t *index, void *ctx, const char *other, relais_cases_step_t *out)
{
    relais_case_summary_t *sum = &out->rec.summary;
    char ids[RELAIS_MAX_DUPLICATES * RELAIS_CASE_ID_LEN];
    s_ids(sum->duplicates, sum->duplicate_count, ids, sizeof ids);
    size_t kept = 0;
    int rc = 0;
    for (size_t i = 0; i < sum->duplicate_count && rc == 0; i++)
        if (!s_names_case(index, ctx, sum->duplicates[i], other, &rc))
            memmove(sum->duplicates[kept++], sum->duplicates[i], sizeof sum->duplicates[0]);
    if (rc)
        return rc;
    int dropped = kept < sum->duplicate_count;
    sum->duplicate_count = kept;
    if (dropped || (index->case_gone && index->case_gone(ctx, other) == 1))
        return 0;
    if (sum->duplicate_count)
        return s_refuse(out, RELAIS_E_BAD_TRANSITION,
                        "case %s is not flagged as a possible duplicate of %s; it is flagged for: %s", sum->case_id,
                        other, ids);
    return s_refuse(out, RELAIS_E_BAD_TRANSITION, "case %s is not flagged as a possible duplicate of any case",
                    sum->case_id);
}

/* What the surviving case takes of the merged one: its referrals (counted, their referrers and
 * first sequence numbers), its followers, who see the surviving case from the merge on and
 * never its earlier history (the partner-view rule), and the cases merged into it before. */
static int s_absorb(relais_case_record_t *into, const relais_case_record_t *from, uint64_t seq, int64_t received_ms,
                    relais_cases_step_t *out)
{
    relais_case_summary_t *sum = &into->summary;
    size_t followers = into->follower_count;
    for (size_t i = 0; i < from->follower_count; i++)
        followers += relais_cases_follower(into, from->followers[i].referral_seq) == NULL;
    if (followers > RELAIS_MAX_FOLLOWERS)
        return s_refuse(out, RELAIS_E_BAD_TRANSITION, "case %s would have %zu followers with those of %s, more than the "
                        "%d a case keeps", sum->case_id, followers, from->summary.case_id, RELAIS_MAX_FOLLOWERS);
    if (into->summary.merged_count + 1 + from->summary.merged_count > RELAIS_MAX_MERGED)
        return s_refuse(out, RELAIS_E_BAD_TRANSITION, "case %s would hold more than %d merged cases",
                        sum->case_id, RELAIS_MAX_MERGED);
    relais_cases_absorb(into, from, seq, received_ms);
    s_drop_duplicate(sum, from->summary.case_id);
    return 0;
}

/* Merges case out->rec into upd->merge_into: the merged case is entered in error with a pointer
 * to the surviving one, which takes its referrals, followers and merged cases; the event is the
 * surviving case's. */
static int s_merge(const relais_cases_index_t *index, void *ctx, const relais_case_update_view_t *upd, uint64_t seq,
                   int64_t received_ms, relais_cases_step_t *out)
{
    const char *id = out->rec.summary.case_id;
    if (upd->to_state != RELAIS_CASE_ENTERED_IN_ERROR)
        return s_refuse(out, RELAIS_E_BAD_TRANSITION, "a merge enters case %s in error: to_state must be "
                        "ENTERED_IN_ERROR", id);
    if (strcmp(upd->merge_into, id) == 0)
        return s_refuse(out, RELAIS_E_BAD_TRANSITION, "case %s cannot be merged into itself", id);
    if (!relais_cases_state_is_open(out->rec.summary.state))
        return s_refuse(out, RELAIS_E_BAD_TRANSITION, "case %s is %s: only an open case is merged", id,
                        relais_case_state_name(out->rec.summary.state));
    relais_case_record_t survivor;
    int rc = index->case_get(ctx, upd->merge_into, &survivor);
    if (rc == RELAIS_E_NOT_FOUND)
        return s_refuse(out, RELAIS_E_BAD_TRANSITION, "there is no case %s to merge %s into", upd->merge_into, id);
    if (rc)
        return rc;
    if (!relais_cases_state_is_open(survivor.summary.state))
        return s_refuse(out, RELAIS_E_BAD_TRANSITION, "case %s is %s: a case is merged into an open one",
                        upd->merge_into, relais_case_state_name(survivor.summary.state));
    int closed = 0;
    rc = relais_cases_update(&out->rec, upd, seq, received_ms, &closed, out->why, sizeof out->why);
    if (rc) {
        out->status = rc;
        return 0;
    }
    snprintf(out->rec.summary.merged_into, sizeof out->rec.summary.merged_into, "%s", survivor.summary.case_id);
    rc = s_absorb(&survivor, &out->rec, seq, received_ms, out);
    if (rc || out->status)
        return rc;
    out->merged = out->rec;
    out->rec = survivor;
    out->has_merged = 1;
    out->unblock = 1;
    char linked[RELAIS_CASE_ID_LEN];
    rc = index->child_get(ctx, out->merged.child_key, linked);
    if (rc == RELAIS_E_NOT_FOUND)
        return 0;
    if (rc == 0 && strcmp(linked, out->merged.summary.case_id) == 0)
        out->relink_child = 1;
    return rc;
}

/* ---- Splitting a case ------------------------------------------------------------------------ */

/* What the case's referrals bring to it, made again from the entries of those it keeps (the
 * first RELAIS_MAX_REFERRERS it lists): their organisations and referrers, the child's school,
 * the highest urgency and the arrival of the first referral that gave it. The referral a split
 * moved out takes its share with it, and a replay that can no longer open it makes the very
 * same record. */
static int s_recount(const relais_cases_index_t *index, void *ctx, relais_case_record_t *rec)
{
    relais_referral_record_t refs[RELAIS_MAX_REFERRERS];
    for (size_t i = 0; i < rec->referral_seq_count && i < RELAIS_MAX_REFERRERS; i++) {
        int rc = index->referral_get(ctx, rec->referral_seqs[i], &refs[i]);
        if (rc == RELAIS_E_NOT_FOUND)
            return relais_status_set(RELAIS_E_CORRUPT, "case %s lists referral %llu, which the index lacks",
                                     rec->summary.case_id, (unsigned long long)rec->referral_seqs[i]);
        if (rc)
            return rc;
    }
    relais_cases_recount(rec, refs, rec->referral_seq_count);
    return 0;
}

/* The coordinator moves referral `handle` out of case out->rec: it was another child's. Only a
 * referral that joined a case moves (the one that opened a case is that case's child), and only
 * one sealed under a key of its own, which the hub then destroys. */
static int s_split(const relais_cases_index_t *index, void *ctx, const relais_case_update_view_t *upd, uint64_t seq,
                   relais_cases_step_t *out)
{
    relais_case_record_t *rec = &out->rec;
    const char *id = rec->summary.case_id, *handle = upd->split_referral;
    uint64_t m = relais_referral_handle_seq(handle);
    if (m == 0)
        return s_refuse(out, RELAIS_E_BAD_TRANSITION, "split_referral: '%.64s' is not a referral's handle (R-<number>)",
                        handle);
    if (upd->to_state != upd->from_state)
        return s_refuse(out, RELAIS_E_BAD_TRANSITION, "a split keeps case %s's state: to_state must be from_state", id);
    if (!relais_cases_state_is_open(rec->summary.state))
        return s_refuse(out, RELAIS_E_BAD_TRANSITION, "case %s is %s: only an open case is split", id,
                        relais_case_state_name(rec->summary.state));
    relais_referral_record_t ref;
    int rc = index->referral_get(ctx, m, &ref);
    if (rc && rc != RELAIS_E_NOT_FOUND)
        return rc;
    int in_case = rc == 0 && strcmp(ref.case_id, id) == 0;
    for (size_t i = 0; rc == 0 && !in_case && i < rec->summary.merged_count; i++)
        in_case = strcmp(ref.case_id, rec->summary.merged_from[i]) == 0;
    if (!in_case)
        return s_refuse(out, RELAIS_E_BAD_TRANSITION, "%s is not a referral of case %s", handle, id);
    if (relais_cases_number(ref.case_id) == m)
        return s_refuse(out, RELAIS_E_BAD_TRANSITION,
                        "%s opened case %s, whose child it names: a split moves out a referral that joined a case",
                        handle, ref.case_id);
    if (ref.rectified_by)
        return s_refuse(out, RELAIS_E_BAD_TRANSITION,
                        "%s was corrected at the family's request (record %llu), and the correction stays with case "
                        "%s: it cannot be moved out",
                        handle, (unsigned long long)ref.rectified_by, id);
    if (ref.key_part < 2)
        return s_refuse(out, RELAIS_E_BAD_TRANSITION,
                        "%s shares its case's own key (a case's 65,536th referral and later): it cannot be moved out",
                        handle);
    size_t kept = 0;
    for (size_t i = 0; i < rec->referral_seq_count; i++)
        if (rec->referral_seqs[i] != m)
            rec->referral_seqs[kept++] = rec->referral_seqs[i];
    rec->referral_seq_count = kept;
    kept = 0;
    for (size_t i = 0; i < rec->follower_count; i++)
        if (rec->followers[i].referral_seq != m)
            rec->followers[kept++] = rec->followers[i];
    rec->follower_count = kept;
    rec->summary.referral_count--;
    rc = s_recount(index, ctx, rec);
    if (rc)
        return rc;
    out->split_key = relais_key_id_of(relais_cases_number(ref.case_id), ref.key_part);
    out->split_of = m;
    out->referral = ref;
    snprintf(out->referral.case_id, sizeof out->referral.case_id, "%s", id);
    out->referral.split_by = seq;
    return 0;
}

int relais_cases_decide_copy(const relais_cases_index_t *index, void *ctx,
                             const uint8_t secret[RELAIS_CASES_SECRET_SIZE], const relais_message_t *msg,
                             const relais_cases_copy_t *copy, uint64_t seq, int64_t received_ms,
                             relais_cases_step_t *out)
{
    memset(out, 0, sizeof *out);
    out->received_ms = received_ms;
    if (!index || !index->case_get || !index->child_get || !index->referral_get || !msg || !secret || seq < 2 ||
        !copy || copy->copy_of == 0 || copy->copy_of >= seq)
        return relais_status_set(RELAIS_E_INVALID, "relais_cases_decide_copy needs an index, a message, a secret and "
                                                   "the record copied");
    uint64_t copy_of = copy->copy_of;
    out->about_case = 1;
    relais_referral_view_t view;
    if (relais_message_referral(msg, &view) != 0)
        return s_refuse(out, RELAIS_E_MALFORMED, "record %llu copies no referral", (unsigned long long)seq);
    relais_referral_record_t ref;
    int rc = index->referral_get(ctx, copy_of, &ref);
    if (rc && rc != RELAIS_E_NOT_FOUND)
        return rc;
    /* A split the replay could not open stands as it was accepted (its case has left the active
     * base, and the referral's entry with it); it named the case its key names. */
    if (rc == RELAIS_E_NOT_FOUND && copy->split_unseen) {
        memset(&ref, 0, sizeof ref);
        snprintf(ref.case_id, sizeof ref.case_id, "%s", copy->split_unseen);
        ref.split_by = seq - 1;
    } else if (rc || ref.split_by == 0 || ref.split_by + 1 != seq) {
        return s_refuse(out, RELAIS_E_BAD_TRANSITION, "record %llu copies R-%llu, which the record before it did not "
                        "split", (unsigned long long)seq, (unsigned long long)copy_of);
    }
    uint8_t key[32];
    relais_status_clear();
    rc = relais_cases_child_key(secret, &view, key);
    if (rc == RELAIS_E_CRYPTO)
        return rc;
    if (rc)
        return s_refuse(out, RELAIS_E_MALFORMED, "%s", relais_status_detail());
    rc = relais_cases_open(&view, key, relais_message_sender(msg), seq, received_ms, &out->rec);
    if (rc)
        return rc;
    /* The referral keeps its handle: its referrer follows the new case under it. */
    out->rec.followers[0].referral_seq = copy_of;
    out->rec.referral_seqs[0] = copy_of;
    snprintf(out->rec.summary.split_from, sizeof out->rec.summary.split_from, "%s", ref.case_id);
    /* The child's key is left where it leads: a split separates two children written alike, and
     * which of them a later referral written the same way names is the coordinator's to say (it
     * joins the case the key leads to, or opens one flagged as a likely duplicate of this one).
     * Nor would a replay that can no longer open the case the key led to then decide the same.
     * The new case is found by a later case of a close child, but flagged as nothing: the
     * coordinator has just told the two children apart. */
    rc = s_block_entries(secret, &view, out);
    /* Its entry as its referrer sent it (a replay may have known it only as a referral whose
     * details were gone), in its new case. */
    if (rc == 0)
        rc = s_file_referral(&view, relais_message_sender(msg), copy_of, copy->copied_ms, 0, out);
    if (rc)
        return rc;
    out->referral.split_by = ref.split_by;
    out->copy_of = copy_of;
    relais_cases_status(&out->rec, &out->after);
    return 0;
}

int relais_cases_decide_gone(const relais_cases_index_t *index, void *ctx, uint64_t key_id, uint64_t copy_of,
                             uint64_t seq, int64_t received_ms, relais_cases_step_t *out)
{
    memset(out, 0, sizeof *out);
    out->received_ms = received_ms;
    if (!index || !index->case_get || seq == 0)
        return relais_status_set(RELAIS_E_INVALID, "relais_cases_decide_gone needs an index and a record");
    if (copy_of) {
        out->forget_referral = copy_of;
        return 0;
    }
    uint32_t part = relais_key_id_part(key_id);
    if (part < 2)
        return 0;
    char case_id[RELAIS_CASE_ID_LEN];
    snprintf(case_id, sizeof case_id, "C-%llu", (unsigned long long)relais_key_id_owner(key_id));
    int rc = index->case_get(ctx, case_id, &out->rec);
    if (rc == RELAIS_E_NOT_FOUND)
        return 0;
    if (rc)
        return rc;
    out->about_case = 1;
    const relais_referral_view_t unknown = {0};
    relais_cases_attach(&out->rec, &unknown, "", seq, received_ms);
    if (out->rec.referral_keys != part)
        return s_refuse(out, RELAIS_E_BAD_TRANSITION, "record %llu is sealed under referral key %u of %s, which had made "
                        "%u", (unsigned long long)seq, part, case_id, out->rec.referral_keys - 1);
    relais_referral_record_t *r = &out->referral;
    r->seq = seq;
    snprintf(r->case_id, sizeof r->case_id, "%s", case_id);
    r->received_ms = received_ms;
    r->urgency = RELAIS_URGENCY_ROUTINE;
    r->key_part = part;
    out->has_referral = 1;
    relais_cases_status(&out->rec, &out->after);
    return 0;
}

static int s_no_case(relais_cases_step_t *out, const char *case_id)
{
    return s_refuse(out, RELAIS_E_BAD_TRANSITION,
                    "there is no case %s; `relais case list` lists the cases, `relais case show R-<number>` finds the "
                    "case of a referral",
                    case_id);
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
        return s_no_case(out, upd.case_id);
    if (rc)
        return rc;
    if (upd.merge_into && upd.merge_into[0])
        return s_merge(index, ctx, &upd, seq, received_ms, out);
    int closed = 0;
    rc = relais_cases_update(&out->rec, &upd, seq, received_ms, &closed, out->why, sizeof out->why);
    if (rc) {
        out->status = rc; /* the sentence is in out->why already: formatting it onto itself would overlap */
        return 0;
    }
    if (upd.dismiss_duplicate && upd.dismiss_duplicate[0]) {
        rc = s_dismiss(index, ctx, upd.dismiss_duplicate, out);
        if (rc || out->status)
            return rc;
    }
    if (upd.share_referral && upd.share_referral[0]) {
        rc = s_share(index, ctx, upd.share_referral, seq, out);
        if (rc || out->status)
            return rc;
    }
    if (upd.split_referral && upd.split_referral[0]) {
        rc = s_split(index, ctx, &upd, seq, out);
        if (rc || out->status)
            return rc;
    }
    char linked[RELAIS_CASE_ID_LEN];
    if (!closed)
        return 0;
    out->unblock = 1;
    rc = index->child_get(ctx, out->rec.child_key, linked);
    if (rc == RELAIS_E_NOT_FOUND)
        return 0;
    if (rc == 0 && strcmp(linked, out->rec.summary.case_id) == 0)
        out->child = RELAIS_CASES_CHILD_UNLINK;
    return rc;
}

/* A partnership meeting's record of a case: an event of the case that keeps its state, as a note
 * does (its review date, when it gives one, is the case's from then on). A meeting reviews the
 * open cases: a closed case takes no more records, a case entered in error is not one, and a
 * merged case's follow-up is the case it was merged into. */
static int s_meeting_event(const relais_cases_index_t *index, void *ctx, const relais_message_t *msg, uint64_t seq,
                           int64_t received_ms, relais_cases_step_t *out)
{
    relais_meeting_view_t m;
    if (relais_message_meeting(msg, &m) != 0)
        return s_refuse(out, RELAIS_E_MALFORMED, "not a meeting record");
    if (!m.case_id || !m.case_id[0] || strlen(m.case_id) >= RELAIS_CASE_ID_LEN ||
        !relais_meeting_id_valid(m.meeting_id, NULL))
        return s_refuse(out, RELAIS_E_BAD_TRANSITION, "meeting.case_id or meeting.meeting_id is missing or too long");
    int rc = index->case_get(ctx, m.case_id, &out->rec);
    if (rc == RELAIS_E_NOT_FOUND)
        return s_no_case(out, m.case_id);
    if (rc)
        return rc;
    const relais_case_summary_t *sum = &out->rec.summary;
    if (sum->merged_into[0])
        return s_refuse(out, RELAIS_E_BAD_TRANSITION, "case %s was merged into %s: the meeting reviews %s", sum->case_id,
                        sum->merged_into, sum->merged_into);
    if (sum->state == RELAIS_CASE_ENTERED_IN_ERROR)
        return s_refuse(out, RELAIS_E_BAD_TRANSITION, "case %s was entered in error: a meeting does not review it",
                        sum->case_id);
    if (!relais_cases_state_is_open(sum->state))
        return s_refuse(out, RELAIS_E_BAD_TRANSITION,
                        "case %s is closed (%s): a meeting reviews the open cases; a new referral of the child opens "
                        "a new case",
                        sum->case_id, relais_case_state_name(sum->state));
    relais_case_update_view_t note = {.case_id = m.case_id,
                                      .from_state = sum->state,
                                      .to_state = sum->state,
                                      .next_review_date = m.next_review_date};
    int closed = 0;
    rc = relais_cases_update(&out->rec, &note, seq, received_ms, &closed, out->why, sizeof out->why);
    if (rc) {
        out->status = rc;
        return 0;
    }
    snprintf(out->meeting_id, sizeof out->meeting_id, "%s", m.meeting_id);
    return 0;
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
    else if (payload == RELAIS_PAYLOAD_MEETING)
        rc = s_meeting_event(index, ctx, msg, seq, received_ms, out);
    else
        return 0;
    out->about_case = 1;
    if (rc == 0 && out->status == 0)
        relais_cases_status(&out->rec, &out->after);
    return rc;
}
