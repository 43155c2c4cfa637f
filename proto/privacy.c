/* privacy.c -- the Privacy message (a case's lifecycle, the family's rights) and the lifecycle index's record. */
#include "proto_internal.h"

#include <stdlib.h>
#include <string.h>

static const char *const s_kind_names[RELAIS_PRIVACY_KIND_COUNT] = {
    NULL, "archived", "erased", "erasure-requested", "legal-hold-set", "legal-hold-lifted", "rectified", "archive-opened", "merged",
};

const char *relais_privacy_kind_name(relais_privacy_kind_t kind)
{
    if ((int)kind < 0 || kind >= RELAIS_PRIVACY_KIND_COUNT)
        return NULL;
    return s_kind_names[kind];
}

static const char *const s_tier_names[] = {"active", "archived", "erased"};

const char *relais_tier_name(relais_tier_t tier)
{
    if ((int)tier < 0 || (size_t)tier >= sizeof s_tier_names / sizeof s_tier_names[0])
        return NULL;
    return s_tier_names[tier];
}

int relais_message_privacy(const relais_message_t *self, relais_privacy_view_t *out)
{
    if (!self || !out || self->pb->payload_case != RELAIS__V1__MESSAGE__PAYLOAD_PRIVACY)
        return relais_status_set(RELAIS_E_INVALID, "message is not a privacy record");
    const Relais__V1__Privacy *p = self->pb->privacy;
    *out = (relais_privacy_view_t){
        .kind = (relais_privacy_kind_t)p->kind,
        .case_id = p->case_id,
        .reason = p->reason,
        .record_seq = p->record_seq,
        .field = p->field,
        .value = p->value,
    };
    return RELAIS_OK;
}

/* The hub's own text still goes through the reader's rules: the record must decode again. */
static int s_text(const char *s, const char *what)
{
    if (s && !relais_proto_utf8_valid(s, strlen(s)))
        return relais_status_set(RELAIS_E_INVALID, "privacy.%s: not valid UTF-8", what);
    return RELAIS_OK;
}

int relais_message_encode_privacy(const char *sender, const uint8_t *msg_id, int64_t created_ms,
                                  const relais_privacy_view_t *privacy, uint8_t **body, size_t *body_len)
{
    Relais__V1__Header hdr;
    int rc = relais_proto_header_init(&hdr, sender, msg_id, created_ms);
    if (rc)
        return rc;
    if (!privacy || !body || !body_len || !relais_privacy_kind_name(privacy->kind) || !privacy->case_id ||
        !privacy->case_id[0])
        return relais_status_set(RELAIS_E_INVALID, "privacy: a kind and a case id are needed");
    if ((rc = s_text(privacy->case_id, "case_id")) || (rc = s_text(privacy->reason, "reason")) ||
        (rc = s_text(privacy->field, "field")) || (rc = s_text(privacy->value, "value")))
        return rc;
    Relais__V1__Privacy p = RELAIS__V1__PRIVACY__INIT;
    p.kind = (Relais__V1__Privacy__Kind)privacy->kind;
    p.case_id = (char *)privacy->case_id;
    if (privacy->reason)
        p.reason = (char *)privacy->reason;
    p.record_seq = privacy->record_seq;
    if (privacy->field)
        p.field = (char *)privacy->field;
    if (privacy->value)
        p.value = (char *)privacy->value;
    Relais__V1__Message msg = RELAIS__V1__MESSAGE__INIT;
    msg.header = &hdr;
    msg.payload_case = RELAIS__V1__MESSAGE__PAYLOAD_PRIVACY;
    msg.privacy = &p;
    return relais_proto_pack(&msg.base, body, body_len);
}

int relais_lifecycle_encode(const relais_lifecycle_t *in, uint8_t **out, size_t *len)
{
    if (!in || !out || !len || !relais_tier_name(in->tier) || in->merged_count > RELAIS_MAX_MERGED)
        return relais_status_set(RELAIS_E_INVALID, "lifecycle: nothing valid to encode");
    size_t n;
    int rc = relais_proto_fixed_len(in->merged_into, sizeof in->merged_into, "lifecycle merged_into", &n);
    char *merged[RELAIS_MAX_MERGED];
    for (size_t i = 0; rc == RELAIS_OK && i < in->merged_count; i++) {
        rc = relais_proto_fixed_len(in->merged[i], RELAIS_CASE_ID_LEN, "lifecycle merged", &n);
        merged[i] = (char *)in->merged[i];
    }
    if (rc)
        return rc;
    Relais__V1__CaseLifecycle pb = RELAIS__V1__CASE_LIFECYCLE__INIT;
    pb.merged_into = (char *)in->merged_into;
    pb.n_merged = in->merged_count;
    pb.merged = in->merged_count ? merged : NULL;
    pb.tier = (Relais__V1__CaseLifecycle__Tier)in->tier;
    pb.last_event_seq = in->last_event_seq;
    pb.last_event_ms = in->last_event_ms;
    pb.hold_seq = in->hold_seq;
    pb.erasure_requested_seq = in->erasure_requested_seq;
    pb.archived_seq = in->archived_seq;
    pb.archived_ms = in->archived_ms;
    pb.erased_seq = in->erased_seq;
    return relais_proto_pack(&pb.base, out, len);
}

int relais_lifecycle_decode(const uint8_t *buf, size_t len, relais_lifecycle_t *out)
{
    if (!out || (!buf && len))
        return relais_status_set(RELAIS_E_INVALID, "no lifecycle to decode");
    Relais__V1__CaseLifecycle *pb = relais__v1__case_lifecycle__unpack(NULL, len, buf);
    if (!pb)
        return relais_status_set(RELAIS_E_MALFORMED, "lifecycle: does not decode");
    size_t at = 0;
    int rc = RELAIS_OK;
    if (!relais_tier_name((relais_tier_t)pb->tier) || !relais_proto_is_canonical(&pb->base, buf, len, &at)) {
        rc = relais_status_set(RELAIS_E_MALFORMED, "lifecycle: not a canonical record of a known tier");
    } else {
        *out = (relais_lifecycle_t){
            .tier = (relais_tier_t)pb->tier,
            .last_event_seq = pb->last_event_seq,
            .last_event_ms = pb->last_event_ms,
            .hold_seq = pb->hold_seq,
            .erasure_requested_seq = pb->erasure_requested_seq,
            .archived_seq = pb->archived_seq,
            .archived_ms = pb->archived_ms,
            .erased_seq = pb->erased_seq,
        };
        rc = relais_proto_copy_exact(out->merged_into, sizeof out->merged_into, pb->merged_into,
                                     "lifecycle.merged_into");
        if (rc == RELAIS_OK)
            rc = relais_proto_copy_list(out->merged[0], RELAIS_CASE_ID_LEN, RELAIS_MAX_MERGED, pb->merged,
                                        pb->n_merged, "lifecycle.merged", &out->merged_count);
    }
    relais__v1__case_lifecycle__free_unpacked(pb, NULL);
    return rc;
}
