/* decree.c -- municipal decrees: the Decree payload's view, its names, and the DecreeRecord the
 * decrees' index keeps. */
#include "proto_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const s_nature_names[RELAIS_DECREE_NATURE_COUNT] = {NULL, "regulatory", "individual"};
static const char *const s_duration_names[RELAIS_DECREE_DURATION_COUNT] = {NULL, "permanent", "temporary"};
static const char *const s_side_names[RELAIS_SIDE_COUNT] = {"both", "even", "odd"};

RELAIS_PROTO_NAMES(relais_decree_nature_t, decree_nature, s_nature_names, relais__v1__decree__nature__descriptor)
RELAIS_PROTO_NAMES(relais_decree_duration_t, decree_duration, s_duration_names,
                   relais__v1__decree__duration__descriptor)

const char *relais_side_name(relais_side_t v)
{
    return (int)v >= 0 && v < RELAIS_SIDE_COUNT ? s_side_names[v] : NULL;
}

relais_side_t relais_side_from_name(const char *name)
{
    for (int i = 0; name && i < RELAIS_SIDE_COUNT; i++)
        if (relais_proto_same_name(name, s_side_names[i]))
            return (relais_side_t)i;
    return RELAIS_SIDE_COUNT;
}

/* ---- Decree <-> relais_decree_t -------------------------------------------------------- */

/* A Decree built over a relais_decree_t (pointers borrowed), its text left out. */
typedef struct {
    Relais__V1__Decree pb;
    Relais__V1__DecreePlace items[RELAIS_MAX_DECREE_PLACES];
    Relais__V1__DecreePlace *ptrs[RELAIS_MAX_DECREE_PLACES];
    char *repeals[RELAIS_MAX_REPEALS];
} s_decree_pb_t;

static int s_to_pb(const relais_decree_t *d, s_decree_pb_t *h)
{
    size_t n;
    int rc;
#define S_FIXED(field) relais_proto_fixed_len(d->field, sizeof d->field, "decree." #field, &n)
    if ((rc = S_FIXED(number)) || (rc = S_FIXED(title)) || (rc = S_FIXED(signed_date)) ||
        (rc = S_FIXED(effective_from)) || (rc = S_FIXED(effective_to)) || (rc = S_FIXED(signatory)) ||
        (rc = S_FIXED(request_entry)))
        return rc;
#undef S_FIXED
    if (d->place_count > RELAIS_MAX_DECREE_PLACES || d->repeal_count > RELAIS_MAX_REPEALS ||
        (int)d->nature < 0 || d->nature >= RELAIS_DECREE_NATURE_COUNT || (int)d->duration < 0 ||
        d->duration >= RELAIS_DECREE_DURATION_COUNT)
        return relais_status_set(RELAIS_E_INVALID, "decree: too many places or repeals, or an unknown kind");
    h->pb = (Relais__V1__Decree)RELAIS__V1__DECREE__INIT;
    h->pb.number = (char *)d->number;
    h->pb.title = (char *)d->title;
    h->pb.nature = (Relais__V1__Decree__Nature)d->nature;
    h->pb.duration = (Relais__V1__Decree__Duration)d->duration;
    h->pb.signed_date = (char *)d->signed_date;
    h->pb.effective_from = (char *)d->effective_from;
    h->pb.effective_to = (char *)d->effective_to;
    h->pb.town_wide = d->town_wide ? 1 : 0;
    for (size_t i = 0; i < d->place_count; i++) {
        const relais_decree_place_t *p = &d->places[i];
        if ((rc = relais_proto_fixed_len(p->street, sizeof p->street, "decree.places.street", &n)))
            return rc;
        if ((int)p->side < 0 || p->side >= RELAIS_SIDE_COUNT)
            return relais_status_set(RELAIS_E_INVALID, "decree.places.side: %d is unknown", (int)p->side);
        h->items[i] = (Relais__V1__DecreePlace)RELAIS__V1__DECREE_PLACE__INIT;
        h->items[i].street = (char *)p->street;
        h->items[i].from_number = p->from_number;
        h->items[i].to_number = p->to_number;
        h->items[i].side = (Relais__V1__DecreePlace__Side)p->side;
        h->ptrs[i] = &h->items[i];
    }
    h->pb.n_places = d->place_count;
    h->pb.places = d->place_count ? h->ptrs : NULL;
    if (d->has_pdf)
        h->pb.pdf_sha256 = (ProtobufCBinaryData){.len = 32, .data = (uint8_t *)d->pdf_sha256};
    for (size_t i = 0; i < d->repeal_count; i++) {
        if ((rc = relais_proto_fixed_len(d->repeals[i], sizeof d->repeals[i], "decree.repeals", &n)))
            return rc;
        h->repeals[i] = (char *)d->repeals[i];
    }
    h->pb.n_repeals = d->repeal_count;
    h->pb.repeals = d->repeal_count ? h->repeals : NULL;
    h->pb.signatory = (char *)d->signatory;
    h->pb.request_entry = (char *)d->request_entry;
    return RELAIS_OK;
}

static int s_from_pb(const Relais__V1__Decree *pb, relais_decree_t *out, const char *path)
{
    char where[RELAIS_PROTO_PATH_LEN];
    int rc;
    memset(out, 0, sizeof *out);
#define S_COPY(field) relais_proto_copy_field(out->field, sizeof out->field, pb->field, path, #field)
    if ((rc = S_COPY(number)) || (rc = S_COPY(title)) || (rc = S_COPY(signed_date)) || (rc = S_COPY(effective_from)) ||
        (rc = S_COPY(effective_to)) || (rc = S_COPY(signatory)) || (rc = S_COPY(request_entry)))
        return rc;
#undef S_COPY
    relais_proto_path_field(where, sizeof where, path, "places");
    if (pb->n_places > RELAIS_MAX_DECREE_PLACES)
        return relais_status_set(RELAIS_E_MALFORMED, "%s: %zu, at most %d", where, pb->n_places,
                                 RELAIS_MAX_DECREE_PLACES);
    for (size_t i = 0; i < pb->n_places; i++) {
        char at[RELAIS_PROTO_PATH_LEN];
        relais_proto_path_index(at, sizeof at, where, i);
        relais_decree_place_t *p = &out->places[i];
        if ((rc = relais_proto_copy_exact(p->street, sizeof p->street, pb->places[i]->street, at)))
            return rc;
        p->from_number = pb->places[i]->from_number;
        p->to_number = pb->places[i]->to_number;
        p->side = (relais_side_t)pb->places[i]->side;
    }
    out->place_count = pb->n_places;
    relais_proto_path_field(where, sizeof where, path, "repeals");
    if ((rc = relais_proto_copy_list(out->repeals[0], sizeof out->repeals[0], RELAIS_MAX_REPEALS, pb->repeals,
                                     pb->n_repeals, where, &out->repeal_count)))
        return rc;
    if (pb->pdf_sha256.len) {
        relais_proto_path_field(where, sizeof where, path, "pdf_sha256");
        if ((rc = relais_proto_copy_bytes(out->pdf_sha256, 32, &pb->pdf_sha256, where)))
            return rc;
        out->has_pdf = 1;
    }
    out->nature = (relais_decree_nature_t)pb->nature;
    out->duration = (relais_decree_duration_t)pb->duration;
    out->town_wide = pb->town_wide ? 1 : 0;
    return RELAIS_OK;
}

int relais_message_decree(const relais_message_t *self, relais_decree_t *out, const char **text)
{
    int rc = relais_proto_payload_is(self, RELAIS__V1__MESSAGE__PAYLOAD_DECREE, "a municipal decree");
    if (rc || !out)
        return rc ? rc : relais_status_set(RELAIS_E_INVALID, "no decree to fill");
    if (text)
        *text = self->pb->decree->text;
    return s_from_pb(self->pb->decree, out, "decree");
}

/* ---- DecreeRecord ---------------------------------------------------------------------- */

int relais_proto_decree_to_pb(const relais_decree_record_t *r, relais_decree_pb_t *out)
{
    size_t n;
    int rc;
    out->held = NULL;
    if ((rc = relais_proto_fixed_len(r->sender, sizeof r->sender, "decree_record.sender", &n)) ||
        (rc = relais_proto_fixed_len(r->repealed_by, sizeof r->repealed_by, "decree_record.repealed_by", &n)) ||
        (rc = relais_proto_fixed_len(r->repealed_from, sizeof r->repealed_from, "decree_record.repealed_from", &n)))
        return rc;
    s_decree_pb_t *h = malloc(sizeof *h);
    if (!h)
        return relais_status_set(RELAIS_E_NOMEM, "out of memory encoding a decree");
    rc = s_to_pb(&r->decree, h);
    if (rc) {
        free(h);
        return rc;
    }
    out->pb = (Relais__V1__DecreeRecord)RELAIS__V1__DECREE_RECORD__INIT;
    out->pb.seq = r->seq;
    out->pb.sender = (char *)r->sender;
    out->pb.received_ms = r->received_ms;
    out->pb.decree = &h->pb;
    out->pb.repealed_by = (char *)r->repealed_by;
    out->pb.repealed_from = (char *)r->repealed_from;
    out->held = h;
    return RELAIS_OK;
}

void relais_proto_decree_pb_free(relais_decree_pb_t *h)
{
    free(h->held);
    h->held = NULL;
}

int relais_proto_decree_from_pb(const Relais__V1__DecreeRecord *pb, relais_decree_record_t *out, const char *path)
{
    char where[RELAIS_PROTO_PATH_LEN];
    int rc;
    memset(out, 0, sizeof *out);
    relais_proto_path_field(where, sizeof where, path, "decree");
    if (!pb->decree)
        return relais_status_set(RELAIS_E_MALFORMED, "%s: missing", where);
    if ((rc = s_from_pb(pb->decree, &out->decree, where)))
        return rc;
#define S_COPY(field) relais_proto_copy_field(out->field, sizeof out->field, pb->field, path, #field)
    if ((rc = S_COPY(sender)) || (rc = S_COPY(repealed_by)) || (rc = S_COPY(repealed_from)))
        return rc;
#undef S_COPY
    out->seq = pb->seq;
    out->received_ms = pb->received_ms;
    return RELAIS_OK;
}

int relais_decree_record_encode(const relais_decree_record_t *rec, uint8_t **out, size_t *out_len)
{
    if (!rec || !out || !out_len)
        return relais_status_set(RELAIS_E_INVALID, "no decree record to encode");
    relais_decree_pb_t h;
    int rc = relais_proto_decree_to_pb(rec, &h);
    if (rc == 0)
        rc = relais_proto_pack(&h.pb.base, out, out_len);
    relais_proto_decree_pb_free(&h);
    return rc;
}

int relais_decree_record_decode(const uint8_t *buf, size_t len, relais_decree_record_t *out)
{
    if (!out || (!buf && len))
        return relais_status_set(RELAIS_E_INVALID, "no decree record to decode");
    Relais__V1__DecreeRecord *pb = relais__v1__decree_record__unpack(NULL, len, buf);
    if (!pb)
        return relais_status_set(RELAIS_E_MALFORMED, "decree_record: does not decode as relais.v1.DecreeRecord");
    int rc = relais_proto_check_tree(&pb->base, "decree_record", 0);
    if (rc == RELAIS_OK)
        rc = relais_proto_decree_from_pb(pb, out, "decree_record");
    relais__v1__decree_record__free_unpacked(pb, NULL);
    return rc;
}
