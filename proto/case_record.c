/* case_record.c -- CaseSummary, CaseRecord, ReferralRecord and CaseStatusView to and from the fixed-size structs the broker caches. */
#include "proto_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Fixed buffers hold at most cap - 1 bytes. A decoded string that is longer is refused rather
 * than cut: the encoder cannot have written it, and a cut case id or name would silently
 * name something else. */

static int s_check_state(int state, const char *what)
{
    if (state < 0 || state >= RELAIS_CASE_STATE_COUNT)
        return relais_status_set(RELAIS_E_INVALID, "%s: %d is not a case state", what, state);
    return RELAIS_OK;
}

static int s_summary_strings(const relais_case_summary_t *in)
{
    size_t n;
    int rc;
    if ((rc = relais_proto_fixed_len(in->case_id, sizeof in->case_id, "summary.case_id", &n)) ||
        (rc = relais_proto_fixed_len(in->sub_status, sizeof in->sub_status, "summary.sub_status", &n)) ||
        (rc = relais_proto_fixed_len(in->reason_code, sizeof in->reason_code, "summary.reason_code", &n)) ||
        (rc = relais_proto_fixed_len(in->child_display, sizeof in->child_display, "summary.child_display", &n)) ||
        (rc = relais_proto_fixed_len(in->school, sizeof in->school, "summary.school", &n)) ||
        (rc = relais_proto_fixed_len(in->owner, sizeof in->owner, "summary.owner", &n)) ||
        (rc = relais_proto_fixed_len(in->merged_into, sizeof in->merged_into, "summary.merged_into", &n)) ||
        (rc = relais_proto_fixed_len(in->split_from, sizeof in->split_from, "summary.split_from", &n)))
        return rc;
    if (in->referrer_count > RELAIS_MAX_REFERRERS)
        return relais_status_set(RELAIS_E_INVALID, "summary.referrers: %zu, at most %d", in->referrer_count,
                                 RELAIS_MAX_REFERRERS);
    for (size_t i = 0; i < in->referrer_count; i++)
        if ((rc = relais_proto_fixed_len(in->referrers[i], RELAIS_NAME_LEN, "summary.referrers", &n)))
            return rc;
    if (in->duplicate_count > RELAIS_MAX_DUPLICATES)
        return relais_status_set(RELAIS_E_INVALID, "summary.possible_duplicates: %zu, at most %d", in->duplicate_count,
                                 RELAIS_MAX_DUPLICATES);
    for (size_t i = 0; i < in->duplicate_count; i++)
        if ((rc = relais_proto_fixed_len(in->duplicates[i], RELAIS_CASE_ID_LEN, "summary.possible_duplicates", &n)))
            return rc;
    if (in->merged_count > RELAIS_MAX_MERGED)
        return relais_status_set(RELAIS_E_INVALID, "summary.merged_from: %zu, at most %d", in->merged_count,
                                 RELAIS_MAX_MERGED);
    for (size_t i = 0; i < in->merged_count; i++)
        if ((rc = relais_proto_fixed_len(in->merged_from[i], RELAIS_CASE_ID_LEN, "summary.merged_from", &n)))
            return rc;
    return RELAIS_OK;
}

int relais_proto_summary_to_pb(const relais_case_summary_t *in, relais_summary_pb_t *out)
{
    int rc = s_summary_strings(in);
    if (rc == RELAIS_OK)
        rc = s_check_state(in->state, "summary.state");
    if (rc)
        return rc;
    if (in->task_status < 0 || in->task_status > RELAIS__V1__TASK_STATUS__TASK_ENTERED_IN_ERROR ||
        (int)in->urgency < 0 || in->urgency > RELAIS_URGENCY_URGENT)
        return relais_status_set(RELAIS_E_INVALID, "summary: task status %d or urgency %d unknown", in->task_status,
                                 (int)in->urgency);
    Relais__V1__CaseSummary *pb = &out->pb;
    *pb = (Relais__V1__CaseSummary)RELAIS__V1__CASE_SUMMARY__INIT;
    /* protobuf-c's fields are not const; packing only reads them */
    pb->case_id = (char *)in->case_id;
    pb->state = (Relais__V1__CaseState)in->state;
    pb->task_status = (Relais__V1__TaskStatus)in->task_status;
    pb->sub_status = (char *)in->sub_status;
    pb->reason_code = (char *)in->reason_code;
    pb->urgency = (Relais__V1__Urgency)in->urgency;
    pb->child_display = (char *)in->child_display;
    pb->school = (char *)in->school;
    for (size_t i = 0; i < in->referrer_count; i++)
        out->referrers[i] = (char *)in->referrers[i];
    pb->n_referrers = in->referrer_count;
    pb->referrers = in->referrer_count ? out->referrers : NULL;
    pb->opened_ms = in->opened_ms;
    pb->updated_ms = in->updated_ms;
    pb->due_ms = in->due_ms;
    pb->overdue = in->overdue ? 1 : 0;
    pb->referral_count = in->referral_count;
    pb->retention_due_ms = in->retention_due_ms;
    pb->owner = (char *)in->owner;
    for (size_t i = 0; i < in->duplicate_count; i++)
        out->duplicates[i] = (char *)in->duplicates[i];
    pb->n_possible_duplicates = in->duplicate_count;
    pb->possible_duplicates = in->duplicate_count ? out->duplicates : NULL;
    pb->merged_into = (char *)in->merged_into;
    pb->split_from = (char *)in->split_from;
    for (size_t i = 0; i < in->merged_count; i++)
        out->merged_from[i] = (char *)in->merged_from[i];
    pb->n_merged_from = in->merged_count;
    pb->merged_from = in->merged_count ? out->merged_from : NULL;
    return RELAIS_OK;
}

static int s_copy_field(char *dst, size_t cap, const char *src, const char *path, const char *name)
{
    char sub[RELAIS_PROTO_PATH_LEN];
    relais_proto_path_field(sub, sizeof sub, path, name);
    return relais_proto_copy_exact(dst, cap, src, sub);
}

static int s_summary_lists(const Relais__V1__CaseSummary *pb, relais_case_summary_t *out, const char *path)
{
    char sub[RELAIS_PROTO_PATH_LEN];
    relais_proto_path_field(sub, sizeof sub, path, "referrers");
    int rc = relais_proto_copy_list(out->referrers[0], RELAIS_NAME_LEN, RELAIS_MAX_REFERRERS, pb->referrers,
                                    pb->n_referrers, sub, &out->referrer_count);
    relais_proto_path_field(sub, sizeof sub, path, "possible_duplicates");
    if (rc == RELAIS_OK)
        rc = relais_proto_copy_list(out->duplicates[0], RELAIS_CASE_ID_LEN, RELAIS_MAX_DUPLICATES,
                                    pb->possible_duplicates, pb->n_possible_duplicates, sub, &out->duplicate_count);
    relais_proto_path_field(sub, sizeof sub, path, "merged_from");
    if (rc == RELAIS_OK)
        rc = relais_proto_copy_list(out->merged_from[0], RELAIS_CASE_ID_LEN, RELAIS_MAX_MERGED, pb->merged_from,
                                    pb->n_merged_from, sub, &out->merged_count);
    return rc;
}

/* Enum values were checked against the schema by relais_proto_check_tree() already. */
int relais_proto_summary_from_pb(const Relais__V1__CaseSummary *pb, relais_case_summary_t *out, const char *path)
{
    memset(out, 0, sizeof *out);
    int rc;
    if ((rc = s_copy_field(out->case_id, sizeof out->case_id, pb->case_id, path, "case_id")) ||
        (rc = s_copy_field(out->sub_status, sizeof out->sub_status, pb->sub_status, path, "sub_status")) ||
        (rc = s_copy_field(out->reason_code, sizeof out->reason_code, pb->reason_code, path, "reason_code")) ||
        (rc = s_copy_field(out->child_display, sizeof out->child_display, pb->child_display, path,
                           "child_display")) ||
        (rc = s_copy_field(out->school, sizeof out->school, pb->school, path, "school")) ||
        (rc = s_copy_field(out->owner, sizeof out->owner, pb->owner, path, "owner")) ||
        (rc = s_copy_field(out->merged_into, sizeof out->merged_into, pb->merged_into, path, "merged_into")) ||
        (rc = s_copy_field(out->split_from, sizeof out->split_from, pb->split_from, path, "split_from")) ||
        (rc = s_summary_lists(pb, out, path)))
        return rc;
    out->state = (relais_case_state_t)pb->state;
    out->task_status = (int)pb->task_status;
    out->urgency = (relais_urgency_t)pb->urgency;
    out->opened_ms = pb->opened_ms;
    out->updated_ms = pb->updated_ms;
    out->due_ms = pb->due_ms;
    out->overdue = pb->overdue ? 1 : 0;
    out->referral_count = pb->referral_count;
    out->retention_due_ms = pb->retention_due_ms;
    return RELAIS_OK;
}

/* ---- CaseRecord ---------------------------------------------------------------------- */

/* ---- Referral handles ------------------------------------------------------------------ */

void relais_referral_handle(uint64_t seq, char *out)
{
    snprintf(out, RELAIS_CASE_ID_LEN, RELAIS_REFERRAL_HANDLE_PREFIX "%" PRIu64, seq);
}

uint64_t relais_referral_handle_seq(const char *text)
{
    const size_t prefix = sizeof RELAIS_REFERRAL_HANDLE_PREFIX - 1;
    if (!text || strncmp(text, RELAIS_REFERRAL_HANDLE_PREFIX, prefix) != 0 || text[prefix] < '1' ||
        text[prefix] > '9')
        return 0;
    uint64_t seq = 0;
    for (const char *p = text + prefix; *p; p++) {
        if (*p < '0' || *p > '9')
            return 0;
        uint64_t digit = (uint64_t)(*p - '0');
        if (seq > (UINT64_MAX - digit) / 10)
            return 0;
        seq = seq * 10 + digit;
    }
    return seq;
}

/* ---- CaseRecord ---------------------------------------------------------------------- */

static int s_record_lists(const relais_case_record_t *rec)
{
    size_t n;
    if (rec->sender_count > RELAIS_MAX_REFERRERS || rec->referral_seq_count > RELAIS_MAX_REFERRERS ||
        rec->follower_count > RELAIS_MAX_FOLLOWERS)
        return relais_status_set(RELAIS_E_INVALID,
                                 "case record: %zu senders, %zu referrals, %zu followers, at most %d, %d, %d",
                                 rec->sender_count, rec->referral_seq_count, rec->follower_count, RELAIS_MAX_REFERRERS,
                                 RELAIS_MAX_REFERRERS, RELAIS_MAX_FOLLOWERS);
    for (size_t i = 0; i < rec->sender_count; i++) {
        int rc = relais_proto_fixed_len(rec->senders[i], RELAIS_NAME_LEN, "case record sender", &n);
        if (rc)
            return rc;
    }
    for (size_t i = 0; i < rec->follower_count; i++) {
        int rc = relais_proto_fixed_len(rec->followers[i].sender, RELAIS_NAME_LEN, "case record follower", &n);
        if (rc)
            return rc;
    }
    return s_check_state(rec->paused_from, "case record paused_from");
}

int relais_proto_followers_to_pb(const relais_case_follower_t *in, size_t n, Relais__V1__CaseFollower *items,
                                 Relais__V1__CaseFollower **ptrs)
{
    for (size_t i = 0; i < n; i++) {
        size_t len;
        int rc = relais_proto_fixed_len(in[i].sender, RELAIS_NAME_LEN, "follower sender", &len);
        if (rc)
            return rc;
        items[i] = (Relais__V1__CaseFollower)RELAIS__V1__CASE_FOLLOWER__INIT;
        items[i].referral_seq = in[i].referral_seq;
        items[i].sender = (char *)in[i].sender;
        items[i].since_seq = in[i].since_seq;
        ptrs[i] = &items[i];
    }
    return RELAIS_OK;
}

int relais_proto_followers_from_pb(Relais__V1__CaseFollower *const *pb, size_t n, relais_case_follower_t *out,
                                   const char *path)
{
    if (n > RELAIS_MAX_FOLLOWERS)
        return relais_status_set(RELAIS_E_MALFORMED, "%s: %zu, at most %d", path, n, RELAIS_MAX_FOLLOWERS);
    for (size_t i = 0; i < n; i++) {
        char item[RELAIS_PROTO_PATH_LEN];
        relais_proto_path_index(item, sizeof item, path, i);
        int rc = s_copy_field(out[i].sender, sizeof out[i].sender, pb[i]->sender, item, "sender");
        if (rc)
            return rc;
        out[i].referral_seq = pb[i]->referral_seq;
        out[i].since_seq = pb[i]->since_seq;
    }
    return RELAIS_OK;
}

int relais_case_record_encode(const relais_case_record_t *rec, uint8_t **out, size_t *out_len)
{
    if (!rec || !out || !out_len)
        return relais_status_set(RELAIS_E_INVALID, "no case record to encode");
    relais_summary_pb_t summary;
    int rc = relais_proto_summary_to_pb(&rec->summary, &summary);
    if (rc == RELAIS_OK)
        rc = s_record_lists(rec);
    if (rc)
        return rc;
    char *senders[RELAIS_MAX_REFERRERS];
    for (size_t i = 0; i < rec->sender_count; i++)
        senders[i] = (char *)rec->senders[i];
    Relais__V1__CaseFollower followers[RELAIS_MAX_FOLLOWERS], *follower_ptrs[RELAIS_MAX_FOLLOWERS];
    rc = relais_proto_followers_to_pb(rec->followers, rec->follower_count, followers, follower_ptrs);
    if (rc)
        return rc;
    Relais__V1__CaseRecord pb = RELAIS__V1__CASE_RECORD__INIT;
    pb.summary = &summary.pb;
    pb.child_key.data = (uint8_t *)rec->child_key;
    pb.child_key.len = sizeof rec->child_key;
    pb.n_referrer_senders = rec->sender_count;
    pb.referrer_senders = rec->sender_count ? senders : NULL;
    pb.n_referral_seqs = rec->referral_seq_count;
    pb.referral_seqs = rec->referral_seq_count ? (uint64_t *)rec->referral_seqs : NULL;
    pb.last_seq = rec->last_seq;
    pb.paused_from = (Relais__V1__CaseState)rec->paused_from;
    pb.triage_from_ms = rec->triage_from_ms;
    pb.review_ms = rec->review_ms;
    pb.n_followers = rec->follower_count;
    pb.followers = rec->follower_count ? follower_ptrs : NULL;
    pb.referral_keys = rec->referral_keys;
    return relais_proto_pack(&pb.base, out, out_len);
}

static int s_record_from_pb(const Relais__V1__CaseRecord *pb, relais_case_record_t *out)
{
    if (!pb->summary)
        return relais_status_set(RELAIS_E_MALFORMED, "case_record.summary: missing");
    int rc = relais_proto_summary_from_pb(pb->summary, &out->summary, "case_record.summary");
    if (rc == RELAIS_OK)
        rc = relais_proto_copy_bytes(out->child_key, sizeof out->child_key, &pb->child_key,
                                     "case_record.child_key");
    if (rc)
        return rc;
    if (pb->n_referrer_senders > RELAIS_MAX_REFERRERS || pb->n_referral_seqs > RELAIS_MAX_REFERRERS)
        return relais_status_set(RELAIS_E_MALFORMED, "case_record: %zu senders, %zu referrals, at most %d each",
                                 pb->n_referrer_senders, pb->n_referral_seqs, RELAIS_MAX_REFERRERS);
    for (size_t i = 0; i < pb->n_referrer_senders; i++) {
        char item[RELAIS_PROTO_PATH_LEN];
        relais_proto_path_index(item, sizeof item, "case_record.referrer_senders", i);
        if ((rc = relais_proto_copy_exact(out->senders[i], RELAIS_NAME_LEN, pb->referrer_senders[i], item)))
            return rc;
    }
    out->sender_count = pb->n_referrer_senders;
    if (pb->n_referral_seqs)
        memcpy(out->referral_seqs, pb->referral_seqs, pb->n_referral_seqs * sizeof pb->referral_seqs[0]);
    out->referral_seq_count = pb->n_referral_seqs;
    out->last_seq = pb->last_seq;
    out->paused_from = (relais_case_state_t)pb->paused_from;
    out->triage_from_ms = pb->triage_from_ms;
    out->review_ms = pb->review_ms;
    out->referral_keys = pb->referral_keys;
    rc = relais_proto_followers_from_pb(pb->followers, pb->n_followers, out->followers, "case_record.followers");
    if (rc == RELAIS_OK)
        out->follower_count = pb->n_followers;
    return rc;
}

int relais_case_record_decode(const uint8_t *buf, size_t len, relais_case_record_t *out)
{
    if (!out || (!buf && len))
        return relais_status_set(RELAIS_E_INVALID, "no case record to decode");
    Relais__V1__CaseRecord *pb = relais__v1__case_record__unpack(NULL, len, buf);
    if (!pb)
        return relais_status_set(RELAIS_E_MALFORMED, "case_record: does not decode as relais.v1.CaseRecord");
    memset(out, 0, sizeof *out);
    int rc = relais_proto_check_tree(&pb->base, "case_record", 0);
    if (rc == RELAIS_OK)
        rc = s_record_from_pb(pb, out);
    if (rc)
        memset(out, 0, sizeof *out); /* no half-filled record for a caller who ignores the code */
    relais__v1__case_record__free_unpacked(pb, NULL);
    return rc;
}

/* ---- ReferralRecord ---------------------------------------------------------------------- */

int relais_referral_record_encode(const relais_referral_record_t *rec, uint8_t **out, size_t *out_len)
{
    if (!rec || !out || !out_len)
        return relais_status_set(RELAIS_E_INVALID, "no referral record to encode");
    size_t n;
    int rc;
    if ((rc = relais_proto_fixed_len(rec->case_id, sizeof rec->case_id, "referral record case_id", &n)) ||
        (rc = relais_proto_fixed_len(rec->sender, sizeof rec->sender, "referral record sender", &n)) ||
        (rc = relais_proto_fixed_len(rec->school, sizeof rec->school, "referral record school", &n)) ||
        (rc = relais_proto_fixed_len(rec->organisation, sizeof rec->organisation, "referral record organisation", &n)) ||
        (rc = relais_proto_fixed_len(rec->child_display, sizeof rec->child_display, "referral record child_display",
                                     &n)))
        return rc;
    if ((int)rec->urgency < 0 || rec->urgency > RELAIS_URGENCY_URGENT)
        return relais_status_set(RELAIS_E_INVALID, "referral record: urgency %d unknown", (int)rec->urgency);
    Relais__V1__ReferralRecord pb = RELAIS__V1__REFERRAL_RECORD__INIT;
    pb.seq = rec->seq;
    pb.case_id = (char *)rec->case_id;
    pb.sender = (char *)rec->sender;
    pb.received_ms = rec->received_ms;
    pb.urgency = (Relais__V1__Urgency)rec->urgency;
    pb.school = (char *)rec->school;
    pb.organisation = (char *)rec->organisation;
    pb.child_display = (char *)rec->child_display;
    pb.key_part = rec->key_part;
    pb.split_by = rec->split_by;
    pb.rectified_by = rec->rectified_by;
    return relais_proto_pack(&pb.base, out, out_len);
}

static int s_referral_from_pb(const Relais__V1__ReferralRecord *pb, relais_referral_record_t *out)
{
    int rc;
    if ((rc = s_copy_field(out->case_id, sizeof out->case_id, pb->case_id, "referral_record", "case_id")) ||
        (rc = s_copy_field(out->sender, sizeof out->sender, pb->sender, "referral_record", "sender")) ||
        (rc = s_copy_field(out->school, sizeof out->school, pb->school, "referral_record", "school")) ||
        (rc = s_copy_field(out->organisation, sizeof out->organisation, pb->organisation, "referral_record",
                           "organisation")) ||
        (rc = s_copy_field(out->child_display, sizeof out->child_display, pb->child_display, "referral_record",
                           "child_display")))
        return rc;
    out->seq = pb->seq;
    out->received_ms = pb->received_ms;
    out->urgency = (relais_urgency_t)pb->urgency;
    out->key_part = pb->key_part;
    out->split_by = pb->split_by;
    out->rectified_by = pb->rectified_by;
    return RELAIS_OK;
}

int relais_referral_record_decode(const uint8_t *buf, size_t len, relais_referral_record_t *out)
{
    if (!out || (!buf && len))
        return relais_status_set(RELAIS_E_INVALID, "no referral record to decode");
    Relais__V1__ReferralRecord *pb = relais__v1__referral_record__unpack(NULL, len, buf);
    if (!pb)
        return relais_status_set(RELAIS_E_MALFORMED, "referral_record: does not decode as relais.v1.ReferralRecord");
    memset(out, 0, sizeof *out);
    int rc = relais_proto_check_tree(&pb->base, "referral_record", 0);
    if (rc == RELAIS_OK)
        rc = s_referral_from_pb(pb, out);
    if (rc)
        memset(out, 0, sizeof *out);
    relais__v1__referral_record__free_unpacked(pb, NULL);
    return rc;
}

/* ---- CaseStatusView -------------------------------------------------------------------- */

int relais_proto_status_to_pb(const relais_case_status_t *in, Relais__V1__CaseStatusView *out)
{
    size_t n;
    int rc;
    if ((rc = relais_proto_fixed_len(in->case_id, sizeof in->case_id, "case status case_id", &n)) ||
        (rc = relais_proto_fixed_len(in->reason_code, sizeof in->reason_code, "case status reason_code", &n)))
        return rc;
    if ((int)in->state < 0 || in->state >= RELAIS_CASE_STATE_COUNT || in->task_status < 0 ||
        in->task_status > RELAIS__V1__TASK_STATUS__TASK_ENTERED_IN_ERROR)
        return relais_status_set(RELAIS_E_INVALID, "case status: state %d or task status %d unknown",
                                 (int)in->state, in->task_status);
    *out = (Relais__V1__CaseStatusView)RELAIS__V1__CASE_STATUS_VIEW__INIT;
    out->case_id = (char *)in->case_id;
    out->state = (Relais__V1__CaseState)in->state;
    out->task_status = (Relais__V1__TaskStatus)in->task_status;
    out->reason_code = (char *)in->reason_code;
    out->updated_ms = in->updated_ms;
    out->rectification = in->rectification ? 1 : 0;
    return RELAIS_OK;
}

int relais_proto_status_from_pb(const Relais__V1__CaseStatusView *pb, relais_case_status_t *out, const char *path)
{
    memset(out, 0, sizeof *out);
    int rc;
    if ((rc = s_copy_field(out->case_id, sizeof out->case_id, pb->case_id, path, "case_id")) ||
        (rc = s_copy_field(out->reason_code, sizeof out->reason_code, pb->reason_code, path, "reason_code")))
        return rc;
    out->state = (relais_case_state_t)pb->state;
    out->task_status = (int)pb->task_status;
    out->updated_ms = pb->updated_ms;
    out->rectification = pb->rectification ? 1 : 0;
    return RELAIS_OK;
}

int relais_case_status_encode(const relais_case_status_t *st, uint8_t **out, size_t *out_len)
{
    if (!st || !out || !out_len)
        return relais_status_set(RELAIS_E_INVALID, "no case status to encode");
    Relais__V1__CaseStatusView pb;
    int rc = relais_proto_status_to_pb(st, &pb);
    return rc ? rc : relais_proto_pack(&pb.base, out, out_len);
}

int relais_case_status_decode(const uint8_t *buf, size_t len, relais_case_status_t *out)
{
    if (!out || (!buf && len))
        return relais_status_set(RELAIS_E_INVALID, "no case status to decode");
    Relais__V1__CaseStatusView *pb = relais__v1__case_status_view__unpack(NULL, len, buf);
    if (!pb)
        return relais_status_set(RELAIS_E_MALFORMED, "case_status: does not decode as relais.v1.CaseStatusView");
    int rc = relais_proto_check_tree(&pb->base, "case_status", 0);
    if (rc == RELAIS_OK)
        rc = relais_proto_status_from_pb(pb, out, "case_status");
    if (rc)
        memset(out, 0, sizeof *out);
    relais__v1__case_status_view__free_unpacked(pb, NULL);
    return rc;
}
