/* lost.c -- the lost and found: its payloads' views, its names and handles, and the LostRecord
 * its index keeps. */
#include "proto_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int relais_payload_is_lost(relais_payload_t payload)
{
    return payload == RELAIS_PAYLOAD_LOST_FOUND || payload == RELAIS_PAYLOAD_LOST_FOUND_UPDATE;
}

/* ---- Names ----------------------------------------------------------------------------- */

static const char *const s_kind_names[RELAIS_LOST_KIND_COUNT] = {NULL, "found", "lost"};
static const char *const s_category_names[RELAIS_ITEM_COUNT] = {
    NULL,      "keys",     "wallet",  "phone",       "bag",     "papers", "jewellery",
    "clothing", "glasses", "electronics", "bicycle", "toy",    "other"};
static const char *const s_update_names[RELAIS_LOST_UPDATE_COUNT] = {NULL, "note", "return", "end", "withdraw"};
static const char *const s_outcome_names[RELAIS_OUTCOME_COUNT] = {NULL, "to-finder", "handed-over", "destroyed"};
static const char *const s_state_names[RELAIS_LOST_STATE_COUNT] = {NULL,        "kept",  "sought",   "returned",
                                                                   "recovered", "ended", "withdrawn"};

RELAIS_PROTO_NAMES(relais_lost_kind_t, lost_kind, s_kind_names, relais__v1__lost_found_item__kind__descriptor)
RELAIS_PROTO_NAMES(relais_item_category_t, item_category, s_category_names,
                   relais__v1__lost_found_item__category__descriptor)
RELAIS_PROTO_NAMES(relais_lost_update_kind_t, lost_update, s_update_names,
                   relais__v1__lost_found_update__kind__descriptor)
RELAIS_PROTO_NAMES(relais_outcome_t, outcome, s_outcome_names, relais__v1__lost_found_update__outcome__descriptor)
RELAIS_PROTO_NAMES(relais_lost_state_t, lost_state, s_state_names, relais__v1__lost_record__state__descriptor)

/* ---- Handles --------------------------------------------------------------------------- */

void relais_found_handle(uint64_t seq, char *out)
{
    relais_proto_handle('O', seq, out);
}

uint64_t relais_found_handle_seq(const char *text)
{
    return relais_proto_handle_seq(text, 'O');
}

void relais_loss_handle(uint64_t seq, char *out)
{
    relais_proto_handle('P', seq, out);
}

uint64_t relais_loss_handle_seq(const char *text)
{
    return relais_proto_handle_seq(text, 'P');
}

uint64_t relais_register_handle_seq(const char *text)
{
    uint64_t seq = relais_entry_handle_seq(text);
    if (!seq)
        seq = relais_found_handle_seq(text);
    return seq ? seq : relais_loss_handle_seq(text);
}

void relais_lost_handle(relais_lost_kind_t kind, uint64_t seq, char *out)
{
    if (kind == RELAIS_LOST_KIND_LOST)
        relais_loss_handle(seq, out);
    else
        relais_found_handle(seq, out);
}

/* ---- Views ----------------------------------------------------------------------------- */

int relais_message_lost(const relais_message_t *self, relais_lost_view_t *out)
{
    int rc = relais_proto_payload_is(self, RELAIS__V1__MESSAGE__PAYLOAD_LOST_FOUND, "an item of the lost and found");
    if (rc || !out)
        return rc ? rc : relais_status_set(RELAIS_E_INVALID, "no view to fill");
    const Relais__V1__LostFoundItem *l = self->pb->lost_found;
    *out = (relais_lost_view_t){
        .kind = (relais_lost_kind_t)l->kind,
        .category = (relais_item_category_t)l->category,
        .description = l->description,
        .street = l->street,
        .house_number = l->house_number,
        .place = l->place,
        .when_ms = l->when_ms,
        .until_ms = l->until_ms,
        .person = l->person,
        .contact = l->contact,
        .storage = l->storage,
        .keep_until = l->keep_until,
        .finder_claims = l->finder_claims ? 1 : 0,
    };
    return RELAIS_OK;
}

int relais_message_lost_update(const relais_message_t *self, relais_lost_update_view_t *out)
{
    int rc = relais_proto_payload_is(self, RELAIS__V1__MESSAGE__PAYLOAD_LOST_FOUND_UPDATE,
                                     "an update of the lost and found");
    if (rc || !out)
        return rc ? rc : relais_status_set(RELAIS_E_INVALID, "no view to fill");
    const Relais__V1__LostFoundUpdate *u = self->pb->lost_found_update;
    *out = (relais_lost_update_view_t){
        .item_id = u->item_id,
        .kind = (relais_lost_update_kind_t)u->kind,
        .owner = u->owner,
        .identity_checked = u->identity_checked,
        .declaration_id = u->declaration_id,
        .outcome = (relais_outcome_t)u->outcome,
        .handed_to = u->handed_to,
        .note = u->note,
    };
    return RELAIS_OK;
}

/* ---- LostRecord ------------------------------------------------------------------------ */

static int s_enum_ok(int v, int count, const char *what)
{
    if (v < 0 || v >= count)
        return relais_status_set(RELAIS_E_INVALID, "lost_record.%s: %d is unknown", what, v);
    return RELAIS_OK;
}

int relais_proto_lost_to_pb(const relais_lost_record_t *r, Relais__V1__LostRecord *pb)
{
    size_t n;
    int rc;
#define S_FIXED(field) relais_proto_fixed_len(r->field, sizeof r->field, "lost_record." #field, &n)
    if ((rc = S_FIXED(sender)) || (rc = S_FIXED(description)) || (rc = S_FIXED(street)) ||
        (rc = S_FIXED(house_number)) || (rc = S_FIXED(place)) || (rc = S_FIXED(person)) || (rc = S_FIXED(contact)) ||
        (rc = S_FIXED(storage)) || (rc = S_FIXED(keep_until)) || (rc = S_FIXED(owner)) ||
        (rc = S_FIXED(identity_checked)) || (rc = S_FIXED(matched_id)) || (rc = S_FIXED(handed_to)) ||
        (rc = s_enum_ok((int)r->kind, RELAIS_LOST_KIND_COUNT, "kind")) ||
        (rc = s_enum_ok((int)r->category, RELAIS_ITEM_COUNT, "category")) ||
        (rc = s_enum_ok((int)r->state, RELAIS_LOST_STATE_COUNT, "state")) ||
        (rc = s_enum_ok((int)r->outcome, RELAIS_OUTCOME_COUNT, "outcome")))
        return rc;
#undef S_FIXED
    *pb = (Relais__V1__LostRecord)RELAIS__V1__LOST_RECORD__INIT;
    pb->seq = r->seq;
    pb->sender = (char *)r->sender;
    pb->received_ms = r->received_ms;
    pb->kind = (Relais__V1__LostFoundItem__Kind)r->kind;
    pb->category = (Relais__V1__LostFoundItem__Category)r->category;
    pb->description = (char *)r->description;
    pb->street = (char *)r->street;
    pb->house_number = (char *)r->house_number;
    pb->place = (char *)r->place;
    pb->when_ms = r->when_ms;
    pb->until_ms = r->until_ms;
    pb->person = (char *)r->person;
    pb->contact = (char *)r->contact;
    pb->storage = (char *)r->storage;
    pb->keep_until = (char *)r->keep_until;
    pb->finder_claims = r->finder_claims ? 1 : 0;
    pb->state = (Relais__V1__LostRecord__State)r->state;
    pb->owner = (char *)r->owner;
    pb->identity_checked = (char *)r->identity_checked;
    pb->matched_id = (char *)r->matched_id;
    pb->outcome = (Relais__V1__LostFoundUpdate__Outcome)r->outcome;
    pb->handed_to = (char *)r->handed_to;
    pb->closed_ms = r->closed_ms;
    pb->last_seq = r->last_seq;
    pb->updated_ms = r->updated_ms;
    return RELAIS_OK;
}

int relais_proto_lost_from_pb(const Relais__V1__LostRecord *pb, relais_lost_record_t *out, const char *path)
{
    int rc;
    memset(out, 0, sizeof *out);
#define S_COPY(field) relais_proto_copy_field(out->field, sizeof out->field, pb->field, path, #field)
    if ((rc = S_COPY(sender)) || (rc = S_COPY(description)) || (rc = S_COPY(street)) || (rc = S_COPY(house_number)) ||
        (rc = S_COPY(place)) || (rc = S_COPY(person)) || (rc = S_COPY(contact)) || (rc = S_COPY(storage)) ||
        (rc = S_COPY(keep_until)) || (rc = S_COPY(owner)) || (rc = S_COPY(identity_checked)) ||
        (rc = S_COPY(matched_id)) || (rc = S_COPY(handed_to)))
        return rc;
#undef S_COPY
    out->seq = pb->seq;
    out->received_ms = pb->received_ms;
    out->kind = (relais_lost_kind_t)pb->kind;
    out->category = (relais_item_category_t)pb->category;
    out->when_ms = pb->when_ms;
    out->until_ms = pb->until_ms;
    out->finder_claims = pb->finder_claims ? 1 : 0;
    out->state = (relais_lost_state_t)pb->state;
    out->outcome = (relais_outcome_t)pb->outcome;
    out->closed_ms = pb->closed_ms;
    out->last_seq = pb->last_seq;
    out->updated_ms = pb->updated_ms;
    return RELAIS_OK;
}

int relais_lost_record_encode(const relais_lost_record_t *rec, uint8_t **out, size_t *out_len)
{
    if (!rec || !out || !out_len)
        return relais_status_set(RELAIS_E_INVALID, "no lost and found record to encode");
    Relais__V1__LostRecord pb;
    int rc = relais_proto_lost_to_pb(rec, &pb);
    return rc ? rc : relais_proto_pack(&pb.base, out, out_len);
}

int relais_lost_record_decode(const uint8_t *buf, size_t len, relais_lost_record_t *out)
{
    if (!out || (!buf && len))
        return relais_status_set(RELAIS_E_INVALID, "no lost and found record to decode");
    Relais__V1__LostRecord *pb = relais__v1__lost_record__unpack(NULL, len, buf);
    if (!pb)
        return relais_status_set(RELAIS_E_MALFORMED, "lost_record: does not decode as relais.v1.LostRecord");
    int rc = relais_proto_check_tree(&pb->base, "lost_record", 0);
    if (rc == RELAIS_OK)
        rc = relais_proto_lost_from_pb(pb, out, "lost_record");
    relais__v1__lost_record__free_unpacked(pb, NULL);
    return rc;
}
