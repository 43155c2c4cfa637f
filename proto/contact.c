/* contact.c -- the reception desk's register: its payloads' views, its names and handles, and
 * the ContactRecord the register's index keeps. */
#include "proto_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int relais_payload_is_reception(relais_payload_t payload)
{
    return payload == RELAIS_PAYLOAD_CONTACT || payload == RELAIS_PAYLOAD_CONTACT_UPDATE ||
           payload == RELAIS_PAYLOAD_TRANSFER || payload == RELAIS_PAYLOAD_TRANSFER_ANSWER;
}

int relais_channel_is_written(relais_channel_t channel)
{
    return channel == RELAIS_CHANNEL_LETTER || channel == RELAIS_CHANNEL_EMAIL || channel == RELAIS_CHANNEL_FORM;
}

/* ---- Names ----------------------------------------------------------------------------- */

/* The command line's words; the schema's enum names (OTHER_CATEGORY, VICTIM_SUPPORT_ASSOCIATION)
 * are read too, through the generated descriptors. */
static const char *const s_channel_names[RELAIS_CHANNEL_COUNT] = {NULL, "call", "visit", "letter", "email", "form"};
static const char *const s_category_names[RELAIS_CATEGORY_COUNT] = {
    NULL,           "noise",           "neighbourhood-dispute", "incivility",         "public-space",
    "parking-traffic", "victim-support", "lost-property",         "decree-information", "other"};
static const char *const s_handling_names[RELAIS_HANDLING_COUNT] = {NULL, "answered-on-spot", "follow-up",
                                                                    "transferred", "closed"};
static const char *const s_recipient_names[RELAIS_RECIPIENT_COUNT] = {
    NULL, "police-municipale", "police-nationale", "victim-support-association", "municipal-service", "hub"};
static const char *const s_means_names[RELAIS_MEANS_COUNT] = {NULL,    "hub",    "phone",
                                                              "email", "letter", "in-person"};
static const char *const s_answer_names[RELAIS_ANSWER_COUNT] = {NULL, "accepted", "declined"};

RELAIS_PROTO_NAMES(relais_channel_t, channel, s_channel_names, relais__v1__contact_log__channel__descriptor)
RELAIS_PROTO_NAMES(relais_category_t, category, s_category_names, relais__v1__contact_log__category__descriptor)
RELAIS_PROTO_NAMES(relais_handling_t, handling, s_handling_names, relais__v1__contact_log__handling__descriptor)
RELAIS_PROTO_NAMES(relais_recipient_t, recipient, s_recipient_names, relais__v1__transfer__recipient__descriptor)
RELAIS_PROTO_NAMES(relais_means_t, means, s_means_names, relais__v1__transfer__means__descriptor)
RELAIS_PROTO_NAMES(relais_answer_t, answer, s_answer_names, relais__v1__transfer_answer__answer__descriptor)

/* ---- Handles --------------------------------------------------------------------------- */

void relais_entry_handle(uint64_t seq, char *out)
{
    relais_proto_handle('A', seq, out);
}

uint64_t relais_entry_handle_seq(const char *text)
{
    return relais_proto_handle_seq(text, 'A');
}

void relais_transfer_handle(uint64_t seq, char *out)
{
    relais_proto_handle('T', seq, out);
}

uint64_t relais_transfer_handle_seq(const char *text)
{
    return relais_proto_handle_seq(text, 'T');
}

/* ---- Views ----------------------------------------------------------------------------- */

int relais_message_contact(const relais_message_t *self, relais_contact_view_t *out)
{
    int rc = relais_proto_payload_is(self, RELAIS__V1__MESSAGE__PAYLOAD_CONTACT, "an entry of the reception's register");
    if (rc || !out)
        return rc ? rc : relais_status_set(RELAIS_E_INVALID, "no view to fill");
    const Relais__V1__ContactLog *c = self->pb->contact;
    *out = (relais_contact_view_t){
        .channel = (relais_channel_t)c->channel,
        .subject = c->subject,
        .requester = c->requester,
        .summary = c->summary,
        .occurred_ms = c->occurred_ms,
        .category = (relais_category_t)c->category,
        .street = c->street,
        .house_number = c->house_number,
        .contact_details = c->contact_details,
        .contact_agreed = c->contact_agreed ? 1 : 0,
        .handling = (relais_handling_t)c->handling,
        .acknowledged_date = c->acknowledged_date,
        .response_due_date = c->response_due_date,
    };
    return RELAIS_OK;
}

int relais_message_contact_update(const relais_message_t *self, relais_contact_update_view_t *out)
{
    int rc = relais_proto_payload_is(self, RELAIS__V1__MESSAGE__PAYLOAD_CONTACT_UPDATE, "an update of the reception's register");
    if (rc || !out)
        return rc ? rc : relais_status_set(RELAIS_E_INVALID, "no view to fill");
    const Relais__V1__ContactUpdate *u = self->pb->contact_update;
    *out = (relais_contact_update_view_t){
        .entry_id = u->entry_id,
        .handling = (relais_handling_t)u->handling,
        .note = u->note,
        .acknowledged_date = u->acknowledged_date,
        .response_due_date = u->response_due_date,
        .category = (relais_category_t)u->category,
        .street = u->street,
        .house_number = u->house_number,
        .subject = u->subject,
    };
    return RELAIS_OK;
}

int relais_message_transfer(const relais_message_t *self, relais_transfer_view_t *out)
{
    int rc = relais_proto_payload_is(self, RELAIS__V1__MESSAGE__PAYLOAD_TRANSFER, "a transfer");
    if (rc || !out)
        return rc ? rc : relais_status_set(RELAIS_E_INVALID, "no view to fill");
    const Relais__V1__Transfer *t = self->pb->transfer;
    *out = (relais_transfer_view_t){
        .entry_id = t->entry_id,
        .recipient = (relais_recipient_t)t->recipient,
        .recipient_name = t->recipient_name,
        .means = (relais_means_t)t->means,
        .note = t->note,
    };
    return RELAIS_OK;
}

int relais_message_transfer_answer(const relais_message_t *self, relais_transfer_answer_view_t *out)
{
    int rc = relais_proto_payload_is(self, RELAIS__V1__MESSAGE__PAYLOAD_TRANSFER_ANSWER, "an answer to a transfer");
    if (rc || !out)
        return rc ? rc : relais_status_set(RELAIS_E_INVALID, "no view to fill");
    const Relais__V1__TransferAnswer *a = self->pb->transfer_answer;
    *out = (relais_transfer_answer_view_t){
        .transfer_id = a->transfer_id,
        .answer = (relais_answer_t)a->answer,
        .note = a->note,
    };
    return RELAIS_OK;
}

/* ---- ContactRecord --------------------------------------------------------------------- */

static int s_fixed(const char *buf, size_t cap, const char *what)
{
    size_t n;
    return relais_proto_fixed_len(buf, cap, what, &n);
}

static int s_enum_ok(int v, int count, const char *what)
{
    if (v < 0 || v >= count)
        return relais_status_set(RELAIS_E_INVALID, "contact_record.%s: %d is unknown", what, v);
    return RELAIS_OK;
}

static int s_record_check(const relais_contact_record_t *r)
{
    int rc;
    if ((rc = s_fixed(r->sender, sizeof r->sender, "contact_record.sender")) ||
        (rc = s_fixed(r->street, sizeof r->street, "contact_record.street")) ||
        (rc = s_fixed(r->house_number, sizeof r->house_number, "contact_record.house_number")) ||
        (rc = s_fixed(r->subject, sizeof r->subject, "contact_record.subject")) ||
        (rc = s_fixed(r->requester, sizeof r->requester, "contact_record.requester")) ||
        (rc = s_fixed(r->summary, sizeof r->summary, "contact_record.summary")) ||
        (rc = s_fixed(r->acknowledged_date, sizeof r->acknowledged_date, "contact_record.acknowledged_date")) ||
        (rc = s_fixed(r->response_due_date, sizeof r->response_due_date, "contact_record.response_due_date")) ||
        (rc = s_enum_ok((int)r->channel, RELAIS_CHANNEL_COUNT, "channel")) ||
        (rc = s_enum_ok((int)r->category, RELAIS_CATEGORY_COUNT, "category")) ||
        (rc = s_enum_ok((int)r->handling, RELAIS_HANDLING_COUNT, "handling")))
        return rc;
    if (r->transfer_count > RELAIS_MAX_TRANSFERS)
        return relais_status_set(RELAIS_E_INVALID, "contact_record.transfers: %zu, at most %d", r->transfer_count,
                                 RELAIS_MAX_TRANSFERS);
    for (size_t i = 0; i < r->transfer_count; i++) {
        const relais_transfer_state_t *t = &r->transfers[i];
        if ((rc = s_fixed(t->recipient_name, sizeof t->recipient_name, "contact_record.transfers.recipient_name")) ||
            (rc = s_fixed(t->sender, sizeof t->sender, "contact_record.transfers.sender")) ||
            (rc = s_enum_ok((int)t->recipient, RELAIS_RECIPIENT_COUNT, "transfers.recipient")) ||
            (rc = s_enum_ok((int)t->means, RELAIS_MEANS_COUNT, "transfers.means")) ||
            (rc = s_enum_ok((int)t->answer, RELAIS_ANSWER_COUNT, "transfers.answer")))
            return rc;
    }
    return RELAIS_OK;
}

/* The protobuf form, borrowing the record's strings; `items` and `ptrs` have room for its transfers. */
static void s_record_to_pb(const relais_contact_record_t *r, Relais__V1__ContactRecord *pb,
                           Relais__V1__TransferState *items, Relais__V1__TransferState **ptrs)
{
    *pb = (Relais__V1__ContactRecord)RELAIS__V1__CONTACT_RECORD__INIT;
    pb->seq = r->seq;
    pb->sender = (char *)r->sender;
    pb->received_ms = r->received_ms;
    pb->occurred_ms = r->occurred_ms;
    pb->channel = (Relais__V1__ContactLog__Channel)r->channel;
    pb->category = (Relais__V1__ContactLog__Category)r->category;
    pb->street = (char *)r->street;
    pb->house_number = (char *)r->house_number;
    pb->subject = (char *)r->subject;
    pb->requester = (char *)r->requester;
    pb->summary = (char *)r->summary;
    pb->handling = (Relais__V1__ContactLog__Handling)r->handling;
    pb->acknowledged_date = (char *)r->acknowledged_date;
    pb->response_due_date = (char *)r->response_due_date;
    pb->closed_ms = r->closed_ms;
    pb->last_seq = r->last_seq;
    pb->updated_ms = r->updated_ms;
    pb->overdue = r->overdue ? 1 : 0;
    pb->contact_agreed = r->contact_agreed ? 1 : 0;
    for (size_t i = 0; i < r->transfer_count; i++) {
        const relais_transfer_state_t *t = &r->transfers[i];
        Relais__V1__TransferState *x = &items[i];
        *x = (Relais__V1__TransferState)RELAIS__V1__TRANSFER_STATE__INIT;
        x->seq = t->seq;
        x->recipient = (Relais__V1__Transfer__Recipient)t->recipient;
        x->recipient_name = (char *)t->recipient_name;
        x->means = (Relais__V1__Transfer__Means)t->means;
        x->transferred_ms = t->transferred_ms;
        x->sender = (char *)t->sender;
        x->answer = (Relais__V1__TransferAnswer__Answer)t->answer;
        x->answer_seq = t->answer_seq;
        x->answered_ms = t->answered_ms;
        ptrs[i] = x;
    }
    pb->n_transfers = r->transfer_count;
    pb->transfers = r->transfer_count ? ptrs : NULL;
}

int relais_proto_contact_to_pb(const relais_contact_record_t *in, relais_contact_pb_t *out)
{
    int rc = s_record_check(in);
    if (rc == RELAIS_OK)
        s_record_to_pb(in, &out->pb, out->items, out->ptrs);
    return rc;
}

int relais_proto_contact_from_pb(const Relais__V1__ContactRecord *pb, relais_contact_record_t *out, const char *path)
{
    char where[RELAIS_PROTO_PATH_LEN];
    int rc;
    memset(out, 0, sizeof *out);
#define S_COPY(field) relais_proto_copy_field(out->field, sizeof out->field, pb->field, path, #field)
    if ((rc = S_COPY(sender)) || (rc = S_COPY(street)) || (rc = S_COPY(house_number)) || (rc = S_COPY(subject)) ||
        (rc = S_COPY(requester)) || (rc = S_COPY(summary)) || (rc = S_COPY(acknowledged_date)) ||
        (rc = S_COPY(response_due_date)))
        return rc;
#undef S_COPY
    if (pb->n_transfers > RELAIS_MAX_TRANSFERS)
        return relais_status_set(RELAIS_E_MALFORMED, "%s.transfers: %zu, at most %d", path, pb->n_transfers,
                                 RELAIS_MAX_TRANSFERS);
    for (size_t i = 0; i < pb->n_transfers; i++) {
        const Relais__V1__TransferState *x = pb->transfers[i];
        relais_transfer_state_t *t = &out->transfers[i];
        relais_proto_path_index(where, sizeof where, path, i);
        if ((rc = relais_proto_copy_exact(t->recipient_name, sizeof t->recipient_name, x->recipient_name, where)) ||
            (rc = relais_proto_copy_exact(t->sender, sizeof t->sender, x->sender, where)))
            return rc;
        t->seq = x->seq;
        t->recipient = (relais_recipient_t)x->recipient;
        t->means = (relais_means_t)x->means;
        t->transferred_ms = x->transferred_ms;
        t->answer = (relais_answer_t)x->answer;
        t->answer_seq = x->answer_seq;
        t->answered_ms = x->answered_ms;
    }
    out->transfer_count = pb->n_transfers;
    out->seq = pb->seq;
    out->received_ms = pb->received_ms;
    out->occurred_ms = pb->occurred_ms;
    out->channel = (relais_channel_t)pb->channel;
    out->category = (relais_category_t)pb->category;
    out->handling = (relais_handling_t)pb->handling;
    out->closed_ms = pb->closed_ms;
    out->last_seq = pb->last_seq;
    out->updated_ms = pb->updated_ms;
    out->overdue = pb->overdue ? 1 : 0;
    out->contact_agreed = pb->contact_agreed ? 1 : 0;
    return RELAIS_OK;
}

int relais_contact_record_encode(const relais_contact_record_t *rec, uint8_t **out, size_t *out_len)
{
    if (!rec || !out || !out_len)
        return relais_status_set(RELAIS_E_INVALID, "no contact record to encode");
    relais_contact_pb_t h;
    int rc = relais_proto_contact_to_pb(rec, &h);
    return rc ? rc : relais_proto_pack(&h.pb.base, out, out_len);
}

int relais_contact_record_decode(const uint8_t *buf, size_t len, relais_contact_record_t *out)
{
    if (!out || (!buf && len))
        return relais_status_set(RELAIS_E_INVALID, "no contact record to decode");
    Relais__V1__ContactRecord *pb = relais__v1__contact_record__unpack(NULL, len, buf);
    if (!pb)
        return relais_status_set(RELAIS_E_MALFORMED, "contact_record: does not decode as relais.v1.ContactRecord");
    int rc = relais_proto_check_tree(&pb->base, "contact_record", 0);
    if (rc == RELAIS_OK)
        rc = relais_proto_contact_from_pb(pb, out, "contact_record");
    relais__v1__contact_record__free_unpacked(pb, NULL);
    return rc;
}
