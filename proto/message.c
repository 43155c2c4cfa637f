/* message.c -- the signed Message: decoding with header checks, the rules' views, access records, names. */
#include "proto_internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* Longest sender name: it must fit the RELAIS_NAME_LEN buffers the case cache keeps. */
#define S_SENDER_MAX (RELAIS_NAME_LEN - 1)

static int s_check_header(const Relais__V1__Message *pb)
{
    const Relais__V1__Header *h = pb->header;
    if (!h)
        return relais_status_set(RELAIS_E_MALFORMED, "header: missing");
    if (h->version != RELAIS_WIRE_VERSION)
        return relais_status_set(RELAIS_E_VERSION, "header.version: %u, this build reads %d", h->version,
                                 RELAIS_WIRE_VERSION);
    size_t slen = strlen(h->sender);
    if (slen == 0 || slen > S_SENDER_MAX)
        return relais_status_set(RELAIS_E_MALFORMED, "header.sender: %zu bytes, expected 1 to %d", slen,
                                 S_SENDER_MAX);
    if (h->msg_id.len != RELAIS_MSG_ID_BYTES)
        return relais_status_set(RELAIS_E_MALFORMED, "header.msg_id: %zu bytes, expected %d", h->msg_id.len,
                                 RELAIS_MSG_ID_BYTES);
    if (h->created_ms <= 0)
        return relais_status_set(RELAIS_E_MALFORMED, "header.created_ms: missing or not positive");
    if (pb->payload_case == RELAIS__V1__MESSAGE__PAYLOAD__NOT_SET)
        return relais_status_set(RELAIS_E_MALFORMED, "payload: none set");
    return RELAIS_OK;
}

/* Re-encoding must give back the very bytes that were sent: that refuses strings with embedded
 * NULs (C would see a shorter name than the one signed, and an unpacked field elsewhere can
 * make up the length), explicit default values, repeated fields, unpacked arrays and fields
 * out of order (a payload before the header), so that a signed body and its JSON form
 * describe one message. */
static int s_check_canonical(const Relais__V1__Message *pb, const uint8_t *body, size_t len)
{
    size_t at = 0;
    if (relais_proto_is_canonical(&pb->base, body, len, &at))
        return RELAIS_OK;
    return relais_status_set(RELAIS_E_MALFORMED,
                             "message: not in canonical encoding (re-encoding it differs at byte %zu of %zu: fields in "
                             "number order, defaults left out, repeated numbers packed)",
                             at, len);
}

/* `flags`: RELAIS_PROTO_CHECK_TEXT for a message on its way in, none for one the log holds. */
static int s_decode(const uint8_t *body, size_t len, unsigned flags, relais_message_t **out)
{
    if (!out || (!body && len))
        return relais_status_set(RELAIS_E_INVALID, "no message to decode");
    *out = NULL;
    Relais__V1__Message *pb = relais__v1__message__unpack(NULL, len, body);
    if (!pb)
        return relais_status_set(RELAIS_E_MALFORMED, "message: does not decode as relais.v1.Message");
    int rc = s_check_header(pb);
    if (rc == RELAIS_OK)
        rc = relais_proto_check_tree(&pb->base, "", flags);
    if (rc == RELAIS_OK)
        rc = s_check_canonical(pb, body, len);
    if (rc)
        goto out_free_pb;
    relais_message_t *self = calloc(1, sizeof *self);
    if (!self) {
        rc = relais_status_set(RELAIS_E_NOMEM, "message handle");
        goto out_free_pb;
    }
    self->pb = pb;
    *out = self;
    return RELAIS_OK;
out_free_pb:
    relais__v1__message__free_unpacked(pb, NULL);
    return rc;
}

int relais_message_decode(const uint8_t *body, size_t len, relais_message_t **out)
{
    return s_decode(body, len, RELAIS_PROTO_CHECK_TEXT, out);
}

int relais_message_decode_stored(const uint8_t *body, size_t len, relais_message_t **out)
{
    return s_decode(body, len, 0, out);
}

void relais_message_destroy(relais_message_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    relais__v1__message__free_unpacked((*self_p)->pb, NULL);
    free(*self_p);
    *self_p = NULL;
}

int relais_record_message_decode(const uint8_t *record, size_t len, relais_log_record_t *rec,
                                 relais_signed_t *envelope, relais_message_t **msg)
{
    relais_log_record_t r;
    relais_signed_t sm;
    int rc = relais_log_record_decode(record, len, &r);
    if (rc == 0)
        rc = relais_signed_decode(r.signed_message, r.signed_len, &sm);
    if (rc == 0)
        rc = relais_message_decode_stored(sm.body, sm.body_len, msg);
    if (rc != 0)
        return rc;
    if (rec)
        *rec = r;
    if (envelope)
        *envelope = sm;
    return 0;
}

const char *relais_message_sender(const relais_message_t *self)
{
    return self->pb->header->sender;
}

const uint8_t *relais_message_id(const relais_message_t *self)
{
    return self->pb->header->msg_id.data;
}

void relais_msg_id_stamp(uint8_t id[RELAIS_MSG_ID_BYTES], int64_t created_ms)
{
    for (int i = 0; i < 6; i++)
        id[i] = (uint8_t)((uint64_t)created_ms >> (40 - 8 * i));
}

int64_t relais_message_created_ms(const relais_message_t *self)
{
    return self->pb->header->created_ms;
}

relais_payload_t relais_message_payload(const relais_message_t *self)
{
    return (relais_payload_t)self->pb->payload_case;
}

/* Bit (1 << value) per domain; the tree check has already refused values the schema lacks. */
static unsigned s_domain_bits(const Relais__V1__Referral *r)
{
    unsigned bits = 0;
    for (size_t i = 0; i < r->n_domains; i++)
        if (r->domains[i] >= 0 && r->domains[i] < 32)
            bits |= 1u << r->domains[i];
    return bits;
}

/* Consent counts only when someone is named as having recorded it, and when. */
static int s_has_consent(const Relais__V1__Referral *r)
{
    const Relais__V1__ConsentObtained *c = r->consent;
    return r->basis_case == RELAIS__V1__REFERRAL__BASIS_CONSENT && c && c->recorded_by[0] && c->recorded_ms > 0;
}

static int s_has_parental_request(const Relais__V1__Referral *r)
{
    const Relais__V1__ParentalRequest *p = r->parental_request;
    return r->basis_case == RELAIS__V1__REFERRAL__BASIS_PARENTAL_REQUEST && p && p->requester_name[0];
}

int relais_message_referral(const relais_message_t *self, relais_referral_view_t *out)
{
    if (!self || !out || self->pb->payload_case != RELAIS__V1__MESSAGE__PAYLOAD_REFERRAL)
        return relais_status_set(RELAIS_E_INVALID, "message is not a referral");
    const Relais__V1__Referral *r = self->pb->referral;
    const Relais__V1__Referrer *who = r->referrer;
    const Relais__V1__Child *c = r->child;
    *out = (relais_referral_view_t){
        .organisation = who ? who->organisation : "",
        .referrer_role = who ? (int)who->role : 0,
        .family_name = c ? c->family_name : "",
        /* char ** to const char *const * is safe but C wants it spelled out */
        .given_names = c ? (const char *const *)c->given_names : NULL,
        .given_count = c ? c->n_given_names : 0,
        .birth_date = c ? c->birth_date : "",
        .school = c ? c->school : "",
        .class_name = c ? c->class_name : "",
        .urgency = (relais_urgency_t)r->urgency,
        .domains = s_domain_bits(r),
        .has_consent = s_has_consent(r),
        .has_parental_request = s_has_parental_request(r),
        .external_ref = r->external_ref ? r->external_ref : "",
    };
    return RELAIS_OK;
}

int relais_message_payload_pack(const relais_message_t *self, uint8_t **out, size_t *len)
{
    if (!self || !out || !len)
        return relais_status_set(RELAIS_E_INVALID, "relais_message_payload_pack needs a message and room");
    const ProtobufCMessage *payload = NULL;
    switch (self->pb->payload_case) {
    case RELAIS__V1__MESSAGE__PAYLOAD_REFERRAL: payload = &self->pb->referral->base; break;
    case RELAIS__V1__MESSAGE__PAYLOAD_CASE_UPDATE: payload = &self->pb->case_update->base; break;
    default: return relais_status_set(RELAIS_E_INVALID, "this message's payload is not packed alone");
    }
    *len = protobuf_c_message_get_packed_size(payload);
    *out = malloc(*len ? *len : 1);
    if (!*out)
        return relais_status_set(RELAIS_E_NOMEM, "out of memory packing a payload");
    protobuf_c_message_pack(payload, *out);
    return RELAIS_OK;
}

int relais_message_case_update(const relais_message_t *self, relais_case_update_view_t *out)
{
    if (!self || !out || self->pb->payload_case != RELAIS__V1__MESSAGE__PAYLOAD_CASE_UPDATE)
        return relais_status_set(RELAIS_E_INVALID, "message is not a case update");
    const Relais__V1__CaseUpdate *u = self->pb->case_update;
    *out = (relais_case_update_view_t){
        .case_id = u->case_id,
        .from_state = (relais_case_state_t)u->from_state,
        .to_state = (relais_case_state_t)u->to_state,
        .sub_status = u->sub_status,
        .reason_code = u->reason_code,
        .note = u->note,
        .diagnosis = u->diagnosis,
        .next_review_date = u->next_review_date,
        .redirected_to = u->redirected_to,
        .pathway_count = u->n_pathway,
        .share_referral = u->share_referral,
        .dismiss_duplicate = u->dismiss_duplicate,
        .merge_into = u->merge_into,
        .owner = u->owner,
        .split_referral = u->split_referral,
    };
    return RELAIS_OK;
}

int relais_message_meeting(const relais_message_t *self, relais_meeting_view_t *out)
{
    if (!self || !out || self->pb->payload_case != RELAIS__V1__MESSAGE__PAYLOAD_MEETING)
        return relais_status_set(RELAIS_E_INVALID, "message is not a meeting record");
    const Relais__V1__MeetingRecord *m = self->pb->meeting;
    *out = (relais_meeting_view_t){
        .meeting_id = m->meeting_id,
        .date = m->date,
        .present_count = m->n_present,
        .case_id = m->case_id,
        .decision = m->decision,
        .next_review_date = m->next_review_date,
    };
    return RELAIS_OK;
}

int relais_proto_header_init(Relais__V1__Header *hdr, const char *sender, const uint8_t *msg_id,
                             int64_t created_ms)
{
    size_t slen = sender ? strlen(sender) : 0;
    if (slen == 0 || slen > S_SENDER_MAX || !relais_proto_utf8_valid(sender, slen))
        return relais_status_set(RELAIS_E_INVALID, "sender: 1 to %d bytes of UTF-8 expected", S_SENDER_MAX);
    if (!msg_id)
        return relais_status_set(RELAIS_E_INVALID, "msg_id: missing");
    if (created_ms <= 0)
        return relais_status_set(RELAIS_E_INVALID, "created_ms: must be positive");
    *hdr = (Relais__V1__Header)RELAIS__V1__HEADER__INIT;
    hdr->version = RELAIS_WIRE_VERSION;
    hdr->sender = (char *)sender;
    hdr->msg_id.data = (uint8_t *)msg_id;
    hdr->msg_id.len = RELAIS_MSG_ID_BYTES;
    hdr->created_ms = created_ms;
    return RELAIS_OK;
}

/* An access record's text comes from the broker, but a reader's name is still checked: the
 * record must decode again with relais_message_decode(). */
static int s_check_text(const char *s, const char *what, int required)
{
    size_t n = s ? strlen(s) : 0;
    if (required && n == 0)
        return relais_status_set(RELAIS_E_INVALID, "access.%s: missing", what);
    if (n && !relais_proto_utf8_valid(s, n))
        return relais_status_set(RELAIS_E_INVALID, "access.%s: not valid UTF-8", what);
    return RELAIS_OK;
}

int relais_message_encode_access(const char *sender, const uint8_t *msg_id, int64_t created_ms,
                                 const relais_access_t *access, uint8_t **body, size_t *body_len)
{
    Relais__V1__Header hdr;
    int rc = relais_proto_header_init(&hdr, sender, msg_id, created_ms);
    if (rc)
        return rc;
    if (!access || !body || !body_len)
        return relais_status_set(RELAIS_E_INVALID, "access: nothing to encode");
    if ((rc = s_check_text(access->reader, "reader", 1)) || (rc = s_check_text(access->action, "action", 1)) ||
        (rc = s_check_text(access->case_id, "case_id", 0)))
        return rc;
    Relais__V1__AccessRecord rec = RELAIS__V1__ACCESS_RECORD__INIT;
    rec.reader = (char *)access->reader;
    rec.action = (char *)access->action;
    if (access->case_id)
        rec.case_id = (char *)access->case_id;
    rec.from_seq = access->from_seq;
    rec.to_seq = access->to_seq;
    rec.lease_s = access->lease_s;
    Relais__V1__Message msg = RELAIS__V1__MESSAGE__INIT;
    msg.header = &hdr;
    msg.payload_case = RELAIS__V1__MESSAGE__PAYLOAD_ACCESS;
    msg.access = &rec;
    return relais_proto_pack(&msg.base, body, body_len);
}

/* ---- Names --------------------------------------------------------------------------- */

/* UNSPECIFIED has no name: it is no state or urgency, and callers test for NULL to refuse it. */
static const char *const s_state_names[RELAIS_CASE_STATE_COUNT] = {
    NULL,               "submitted", "triage",           "awaiting-agreement", "accepted",
    "declined",         "redirected", "diagnosis",       "pathway-proposed",   "follow-up",
    "closed-completed", "closed-withdrawn", "closed-failed", "paused",          "entered-in-error",
};

static const char *const s_urgency_names[] = {NULL, "routine", "priority", "urgent"};

/* The command line's "pathway-proposed" and the schema's "PATHWAY_PROPOSED" name the same state. */
int relais_proto_same_name(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        int x = *a == '_' ? '-' : tolower((unsigned char)*a);
        int y = *b == '_' ? '-' : tolower((unsigned char)*b);
        if (x != y)
            return 0;
    }
    return *a == *b;
}

const char *relais_case_state_name(relais_case_state_t state)
{
    if ((int)state < 0 || state >= RELAIS_CASE_STATE_COUNT)
        return NULL;
    return s_state_names[state];
}

relais_case_state_t relais_case_state_from_name(const char *name)
{
    if (!name)
        return RELAIS_CASE_UNSPECIFIED;
    for (int i = 1; i < RELAIS_CASE_STATE_COUNT; i++)
        if (relais_proto_same_name(name, s_state_names[i]))
            return (relais_case_state_t)i;
    return RELAIS_CASE_UNSPECIFIED;
}

const char *relais_urgency_name(relais_urgency_t urgency)
{
    if ((int)urgency < 0 || urgency > RELAIS_URGENCY_URGENT)
        return NULL;
    return s_urgency_names[urgency];
}

relais_urgency_t relais_urgency_from_name(const char *name)
{
    if (!name)
        return RELAIS_URGENCY_UNSPECIFIED;
    for (int i = 1; i <= RELAIS_URGENCY_URGENT; i++)
        if (relais_proto_same_name(name, s_urgency_names[i]))
            return (relais_urgency_t)i;
    return RELAIS_URGENCY_UNSPECIFIED;
}
