/* reply.c -- the Reply frame the broker sends to an agent, to and from relais_reply_t. */
#include "proto_internal.h"

#include <stdlib.h>
#include <string.h>

#define S_HASH_BYTES 32

/* ---- Encoding: a Reply built over the caller's struct ---------------------------------- */

/* Every sub-message a reply may need; the arrays are the only heap parts. */
typedef struct {
    Relais__V1__Reply reply;                 /* the frame */
    Relais__V1__Ack ack;                     /* ACK */
    Relais__V1__Error error;                 /* ERROR */
    Relais__V1__Delivery delivery;           /* DELIVERY */
    Relais__V1__CaseStatusView status;       /* DELIVERY, partner's view */
    char *duplicates[RELAIS_MAX_DUPLICATES]; /* DELIVERY, the coordinator's possible duplicates */
    Relais__V1__Checkpoint checkpoint;       /* CHECKPOINT */
    Relais__V1__InclusionProof inclusion;    /* INCLUSION */
    Relais__V1__ConsistencyProof consistency; /* CONSISTENCY */
    Relais__V1__CaseList list;               /* CASE_LIST */
    Relais__V1__CaseDetail detail;           /* CASE_DETAIL */
    Relais__V1__RecordPage page;             /* RECORDS */
    Relais__V1__Statistics statistics;       /* STATISTICS */
    ProtobufCBinaryData *blobs;              /* path hashes or records, pointing into the caller's */
    ProtobufCBinaryData *leaf_blobs;         /* RECORDS, CASE_DETAIL: the stored leaves' hashes */
    relais_summary_pb_t *summaries;          /* CASE_LIST, CASE_DETAIL */
    Relais__V1__CaseSummary **summary_ptrs;  /* what CaseList.cases points to */
    Relais__V1__CaseEvent *events;           /* CASE_DETAIL history */
    Relais__V1__CaseStatusView *event_status; /* their statuses */
    Relais__V1__CaseEvent **event_ptrs;      /* what CaseDetail.history points to */
    Relais__V1__CaseFollower *followers;     /* CASE_DETAIL followers */
    Relais__V1__CaseFollower **follower_ptrs; /* what CaseDetail.followers points to */
    Relais__V1__ContactList contact_list;    /* CONTACT_LIST */
    Relais__V1__ContactDetail contact_detail; /* CONTACT_DETAIL */
    relais_contact_pb_t *contacts;           /* CONTACT_LIST, CONTACT_DETAIL */
    Relais__V1__ContactRecord **contact_ptrs; /* what ContactList.entries points to */
    Relais__V1__LostList lost_list;          /* LOST_LIST */
    Relais__V1__LostDetail lost_detail;      /* LOST_DETAIL */
    Relais__V1__LostMatches lost_matches;    /* LOST_MATCHES */
    Relais__V1__LostRecord *lost;            /* LOST_*: the items, then the candidates */
    Relais__V1__LostRecord **lost_ptrs;      /* what LostList.items points to */
    Relais__V1__LostMatch *matches;          /* LOST_MATCHES */
    Relais__V1__LostMatch **match_ptrs;
    Relais__V1__DecreeList decree_list;      /* DECREE_LIST */
    relais_decree_pb_t *decrees;
    Relais__V1__DecreeRecord **decree_ptrs;
    size_t decree_built;                     /* how many of decrees hold what to free */
} s_reply_pb_t;

static void s_reply_pb_free(s_reply_pb_t *h)
{
    free(h->blobs);
    free(h->leaf_blobs);
    free(h->summaries);
    free(h->summary_ptrs);
    free(h->events);
    free(h->event_status);
    free(h->event_ptrs);
    free(h->followers);
    free(h->follower_ptrs);
    free(h->contacts);
    free(h->contact_ptrs);
    free(h->lost);
    free(h->lost_ptrs);
    free(h->matches);
    free(h->match_ptrs);
    for (size_t i = 0; i < h->decree_built; i++)
        relais_proto_decree_pb_free(&h->decrees[i]);
    free(h->decrees);
    free(h->decree_ptrs);
}

static int s_ack_to_pb(const relais_ack_t *a, s_reply_pb_t *h)
{
    size_t n;
    int rc = relais_proto_fixed_len(a->case_id, sizeof a->case_id, "ack case_id", &n);
    if (rc)
        return rc;
    h->ack = (Relais__V1__Ack)RELAIS__V1__ACK__INIT;
    h->ack.msg_id = (ProtobufCBinaryData){RELAIS_MSG_ID_BYTES, (uint8_t *)a->msg_id};
    h->ack.seq = a->seq;
    h->ack.leaf_hash = (ProtobufCBinaryData){S_HASH_BYTES, (uint8_t *)a->leaf_hash};
    h->ack.duplicate = a->duplicate ? 1 : 0;
    h->ack.received_ms = a->received_ms;
    h->ack.case_id = (char *)a->case_id;
    h->reply.what_case = RELAIS__V1__REPLY__WHAT_ACK;
    h->reply.ack = &h->ack;
    return RELAIS_OK;
}

static int s_error_to_pb(const relais_error_t *e, s_reply_pb_t *h)
{
    size_t n;
    int wire = relais_status_to_wire(e->status);
    if (wire == 0)
        return relais_status_set(RELAIS_E_INVALID, "error reply: %s is not a wire code",
                                 relais_status_name(e->status));
    int rc = relais_proto_fixed_len(e->message, sizeof e->message, "error message", &n);
    if (rc == RELAIS_OK && !relais_proto_utf8_valid(e->message, n))
        rc = relais_status_set(RELAIS_E_INVALID, "error message: not valid UTF-8");
    if (rc)
        return rc;
    h->error = (Relais__V1__Error)RELAIS__V1__ERROR__INIT;
    h->error.code = (Relais__V1__ErrorCode)wire;
    h->error.message = (char *)e->message;
    if (e->has_msg_id)
        h->error.msg_id = (ProtobufCBinaryData){RELAIS_MSG_ID_BYTES, (uint8_t *)e->msg_id};
    h->reply.what_case = RELAIS__V1__REPLY__WHAT_ERROR;
    h->reply.error = &h->error;
    return RELAIS_OK;
}

static int s_delivery_to_pb(const relais_delivery_t *d, s_reply_pb_t *h)
{
    if (d->record_len && !d->record)
        return relais_status_set(RELAIS_E_INVALID, "delivery: record length without record");
    h->delivery = (Relais__V1__Delivery)RELAIS__V1__DELIVERY__INIT;
    h->delivery.seq = d->seq;
    h->delivery.received_ms = d->received_ms;
    h->delivery.record = (ProtobufCBinaryData){d->record ? d->record_len : 0, (uint8_t *)d->record};
    h->delivery.overdue = d->overdue ? 1 : 0;
    if (d->duplicate_count > RELAIS_MAX_DUPLICATES)
        return relais_status_set(RELAIS_E_INVALID, "delivery: %zu possible duplicates, at most %d", d->duplicate_count,
                                 RELAIS_MAX_DUPLICATES);
    for (size_t i = 0; i < d->duplicate_count; i++) {
        size_t n;
        int rc = relais_proto_fixed_len(d->duplicates[i], RELAIS_CASE_ID_LEN, "delivery possible duplicate", &n);
        if (rc)
            return rc;
        h->duplicates[i] = (char *)d->duplicates[i];
    }
    h->delivery.n_possible_duplicates = d->duplicate_count;
    h->delivery.possible_duplicates = d->duplicate_count ? h->duplicates : NULL;
    if (d->has_leaf_hash)
        h->delivery.leaf_hash = (ProtobufCBinaryData){S_HASH_BYTES, (uint8_t *)d->leaf_hash};
    if (d->transferred_entry_len && !d->transferred_entry)
        return relais_status_set(RELAIS_E_INVALID, "delivery: transferred entry length without entry");
    if (d->transferred_entry_len) {
        h->delivery.transferred_entry = (ProtobufCBinaryData){d->transferred_entry_len, (uint8_t *)d->transferred_entry};
        h->delivery.transferred_entry_leaf_hash =
            (ProtobufCBinaryData){S_HASH_BYTES, (uint8_t *)d->transferred_entry_leaf_hash};
    }
    h->reply.what_case = RELAIS__V1__REPLY__WHAT_DELIVERY;
    h->reply.delivery = &h->delivery;
    if (!d->has_status)
        return RELAIS_OK;
    int rc = relais_proto_status_to_pb(&d->status, &h->status);
    if (rc == RELAIS_OK)
        h->delivery.status = &h->status;
    return rc;
}

static void s_checkpoint_to_pb(const relais_reply_t *r, s_reply_pb_t *h)
{
    h->checkpoint = (Relais__V1__Checkpoint)RELAIS__V1__CHECKPOINT__INIT;
    h->checkpoint.tree_size = r->tree_size;
    h->checkpoint.root_hash = (ProtobufCBinaryData){S_HASH_BYTES, (uint8_t *)r->root};
    h->checkpoint.time_ms = r->time_ms;
    h->checkpoint.witnesses = r->witnesses;
    h->checkpoint.cosigned_ms = r->cosigned_ms;
    h->checkpoint.cosigned_size = r->cosigned_size;
    if (r->note)
        h->checkpoint.note = r->note;
    h->reply.what_case = RELAIS__V1__REPLY__WHAT_CHECKPOINT;
    h->reply.checkpoint = &h->checkpoint;
}

/* Hangs `n` borrowed byte strings on h->blobs. */
static int s_blobs(s_reply_pb_t *h, size_t n, const uint8_t *const *data, const size_t *lens, const uint8_t *flat,
                   size_t flat_len)
{
    if (n == 0)
        return RELAIS_OK;
    h->blobs = calloc(n, sizeof *h->blobs);
    if (!h->blobs)
        return relais_status_set(RELAIS_E_NOMEM, "reply: %zu byte strings", n);
    for (size_t i = 0; i < n; i++) {
        const uint8_t *p = data ? data[i] : flat + i * flat_len;
        size_t len = data ? lens[i] : flat_len;
        if (!p && len)
            return relais_status_set(RELAIS_E_INVALID, "reply: byte string %zu missing", i);
        h->blobs[i] = (ProtobufCBinaryData){len, (uint8_t *)p};
    }
    return RELAIS_OK;
}

static int s_path_blobs(const relais_reply_t *r, s_reply_pb_t *h)
{
    if (r->path_len && !r->path)
        return relais_status_set(RELAIS_E_INVALID, "reply: proof path missing");
    return s_blobs(h, r->path_len, NULL, NULL, r->path ? r->path[0] : NULL, S_HASH_BYTES);
}

static int s_record_blobs(const relais_reply_t *r, s_reply_pb_t *h)
{
    if (r->record_count && (!r->records || !r->record_lens))
        return relais_status_set(RELAIS_E_INVALID, "reply: records missing");
    if (r->leaf_hash_count && (r->leaf_hash_count != r->record_count || !r->leaf_hashes))
        return relais_status_set(RELAIS_E_INVALID, "reply: %zu leaf hashes for %zu records", r->leaf_hash_count,
                                 r->record_count);
    if (r->leaf_hash_count) {
        h->leaf_blobs = calloc(r->leaf_hash_count, sizeof *h->leaf_blobs);
        if (!h->leaf_blobs)
            return relais_status_set(RELAIS_E_NOMEM, "reply: %zu leaf hashes", r->leaf_hash_count);
        for (size_t i = 0; i < r->leaf_hash_count; i++)
            h->leaf_blobs[i] = (ProtobufCBinaryData){S_HASH_BYTES, (uint8_t *)r->leaf_hashes[i]};
    }
    return s_blobs(h, r->record_count, (const uint8_t *const *)r->records, r->record_lens, NULL, 0);
}

static int s_proof_to_pb(const relais_reply_t *r, s_reply_pb_t *h)
{
    int rc = s_path_blobs(r, h);
    if (rc)
        return rc;
    if (r->kind == RELAIS_REPLY_INCLUSION) {
        h->inclusion = (Relais__V1__InclusionProof)RELAIS__V1__INCLUSION_PROOF__INIT;
        h->inclusion.seq = r->seq;
        h->inclusion.tree_size = r->tree_size;
        h->inclusion.leaf_hash = (ProtobufCBinaryData){S_HASH_BYTES, (uint8_t *)r->leaf_hash};
        h->inclusion.n_path = r->path_len;
        h->inclusion.path = h->blobs;
        h->reply.what_case = RELAIS__V1__REPLY__WHAT_INCLUSION;
        h->reply.inclusion = &h->inclusion;
    } else {
        h->consistency = (Relais__V1__ConsistencyProof)RELAIS__V1__CONSISTENCY_PROOF__INIT;
        h->consistency.old_size = r->old_size;
        h->consistency.new_size = r->tree_size;
        h->consistency.n_path = r->path_len;
        h->consistency.path = h->blobs;
        h->reply.what_case = RELAIS__V1__REPLY__WHAT_CONSISTENCY;
        h->reply.consistency = &h->consistency;
    }
    return RELAIS_OK;
}

static int s_summaries_to_pb(const relais_reply_t *r, s_reply_pb_t *h)
{
    if (r->case_count == 0)
        return RELAIS_OK;
    if (!r->cases)
        return relais_status_set(RELAIS_E_INVALID, "reply: cases missing");
    h->summaries = calloc(r->case_count, sizeof *h->summaries);
    h->summary_ptrs = calloc(r->case_count, sizeof *h->summary_ptrs);
    if (!h->summaries || !h->summary_ptrs)
        return relais_status_set(RELAIS_E_NOMEM, "reply: %zu case summaries", r->case_count);
    for (size_t i = 0; i < r->case_count; i++) {
        int rc = relais_proto_summary_to_pb(&r->cases[i], &h->summaries[i]);
        if (rc)
            return rc;
        h->summary_ptrs[i] = &h->summaries[i].pb;
    }
    return RELAIS_OK;
}

static int s_case_list_to_pb(const relais_reply_t *r, s_reply_pb_t *h)
{
    size_t n;
    int rc = s_summaries_to_pb(r, h);
    if (rc == RELAIS_OK)
        rc = relais_proto_fixed_len(r->next_case, sizeof r->next_case, "case list next", &n);
    if (rc)
        return rc;
    h->list = (Relais__V1__CaseList)RELAIS__V1__CASE_LIST__INIT;
    h->list.n_cases = r->case_count;
    h->list.cases = h->summary_ptrs;
    h->list.next = (char *)r->next_case;
    h->reply.what_case = RELAIS__V1__REPLY__WHAT_CASE_LIST;
    h->reply.case_list = &h->list;
    return RELAIS_OK;
}

/* The history of a CASE_DETAIL: one CaseEvent and its status view per event. */
static int s_events_to_pb(const relais_reply_t *r, s_reply_pb_t *h)
{
    if (r->event_count == 0)
        return RELAIS_OK;
    if (!r->events)
        return relais_status_set(RELAIS_E_INVALID, "case detail: events missing");
    h->events = calloc(r->event_count, sizeof *h->events);
    h->event_status = calloc(r->event_count, sizeof *h->event_status);
    h->event_ptrs = calloc(r->event_count, sizeof *h->event_ptrs);
    if (!h->events || !h->event_status || !h->event_ptrs)
        return relais_status_set(RELAIS_E_NOMEM, "case detail: %zu events", r->event_count);
    for (size_t i = 0; i < r->event_count; i++) {
        int rc = relais_proto_status_to_pb(&r->events[i].status, &h->event_status[i]);
        if (rc)
            return rc;
        h->events[i] = (Relais__V1__CaseEvent)RELAIS__V1__CASE_EVENT__INIT;
        h->events[i].seq = r->events[i].seq;
        h->events[i].status = &h->event_status[i];
        h->event_ptrs[i] = &h->events[i];
    }
    return RELAIS_OK;
}

static int s_followers_to_pb(const relais_reply_t *r, s_reply_pb_t *h)
{
    if (r->follower_count == 0)
        return RELAIS_OK;
    if (!r->followers || r->follower_count > RELAIS_MAX_FOLLOWERS)
        return relais_status_set(RELAIS_E_INVALID, "case detail: %zu followers", r->follower_count);
    h->followers = calloc(r->follower_count, sizeof *h->followers);
    h->follower_ptrs = calloc(r->follower_count, sizeof *h->follower_ptrs);
    if (!h->followers || !h->follower_ptrs)
        return relais_status_set(RELAIS_E_NOMEM, "case detail: %zu followers", r->follower_count);
    return relais_proto_followers_to_pb(r->followers, r->follower_count, h->followers, h->follower_ptrs);
}

static int s_case_detail_to_pb(const relais_reply_t *r, s_reply_pb_t *h)
{
    if (r->case_count == 0)
        return relais_status_set(RELAIS_E_INVALID, "case detail: no summary given");
    int rc = s_summaries_to_pb(r, h);
    if (rc == RELAIS_OK)
        rc = s_record_blobs(r, h);
    if (rc == RELAIS_OK)
        rc = s_events_to_pb(r, h);
    if (rc == RELAIS_OK)
        rc = s_followers_to_pb(r, h);
    if (rc)
        return rc;
    h->detail = (Relais__V1__CaseDetail)RELAIS__V1__CASE_DETAIL__INIT;
    h->detail.summary = h->summary_ptrs[0];
    h->detail.n_reviewed = r->case_count - 1;
    h->detail.reviewed = r->case_count > 1 ? h->summary_ptrs + 1 : NULL;
    h->detail.n_timeline = r->record_count;
    h->detail.timeline = h->blobs;
    h->detail.n_history = r->event_count;
    h->detail.history = h->event_ptrs;
    h->detail.n_followers = r->follower_count;
    h->detail.followers = h->follower_ptrs;
    h->detail.next_seq = r->next_seq;
    h->detail.n_leaf_hashes = r->leaf_hash_count;
    h->detail.leaf_hashes = h->leaf_blobs;
    h->detail.archived_key = (ProtobufCBinaryData){r->archived_key_len, r->archived_key};
    h->reply.what_case = RELAIS__V1__REPLY__WHAT_CASE_DETAIL;
    h->reply.case_detail = &h->detail;
    return RELAIS_OK;
}

static int s_contacts_to_pb(const relais_reply_t *r, s_reply_pb_t *h)
{
    if (r->contact_count == 0)
        return RELAIS_OK;
    if (!r->contacts)
        return relais_status_set(RELAIS_E_INVALID, "reply: contacts missing");
    h->contacts = calloc(r->contact_count, sizeof *h->contacts);
    h->contact_ptrs = calloc(r->contact_count, sizeof *h->contact_ptrs);
    if (!h->contacts || !h->contact_ptrs)
        return relais_status_set(RELAIS_E_NOMEM, "reply: %zu entries of the register", r->contact_count);
    for (size_t i = 0; i < r->contact_count; i++) {
        int rc = relais_proto_contact_to_pb(&r->contacts[i], &h->contacts[i]);
        if (rc)
            return rc;
        h->contact_ptrs[i] = &h->contacts[i].pb;
    }
    return RELAIS_OK;
}

static int s_contact_list_to_pb(const relais_reply_t *r, s_reply_pb_t *h)
{
    int rc = s_contacts_to_pb(r, h);
    if (rc)
        return rc;
    h->contact_list = (Relais__V1__ContactList)RELAIS__V1__CONTACT_LIST__INIT;
    h->contact_list.n_entries = r->contact_count;
    h->contact_list.entries = h->contact_ptrs;
    h->contact_list.next = r->next_seq;
    h->reply.what_case = RELAIS__V1__REPLY__WHAT_CONTACT_LIST;
    h->reply.contact_list = &h->contact_list;
    return RELAIS_OK;
}

static int s_contact_detail_to_pb(const relais_reply_t *r, s_reply_pb_t *h)
{
    if (r->contact_count != 1)
        return relais_status_set(RELAIS_E_INVALID, "reply: an entry's detail holds one entry, not %zu",
                                 r->contact_count);
    int rc = s_contacts_to_pb(r, h);
    if (rc == RELAIS_OK)
        rc = s_record_blobs(r, h);
    if (rc)
        return rc;
    h->contact_detail = (Relais__V1__ContactDetail)RELAIS__V1__CONTACT_DETAIL__INIT;
    h->contact_detail.entry = h->contact_ptrs[0];
    h->contact_detail.n_timeline = r->record_count;
    h->contact_detail.timeline = h->blobs;
    h->contact_detail.n_leaf_hashes = r->leaf_hash_count;
    h->contact_detail.leaf_hashes = h->leaf_blobs;
    h->reply.what_case = RELAIS__V1__REPLY__WHAT_CONTACT_DETAIL;
    h->reply.contact_detail = &h->contact_detail;
    return RELAIS_OK;
}

/* The reply's items (lost[0..lost_count)) and, for matches, their candidates after them. */
static int s_lost_to_pb(const relais_reply_t *r, s_reply_pb_t *h)
{
    size_t n = r->lost_count + r->match_count;
    if ((r->lost_count && !r->lost) || (r->match_count && !r->matches))
        return relais_status_set(RELAIS_E_INVALID, "reply: items of the lost and found missing");
    if (n == 0)
        return RELAIS_OK;
    h->lost = calloc(n, sizeof *h->lost);
    h->lost_ptrs = calloc(n, sizeof *h->lost_ptrs);
    if (!h->lost || !h->lost_ptrs)
        return relais_status_set(RELAIS_E_NOMEM, "reply: %zu items of the lost and found", n);
    for (size_t i = 0; i < n; i++) {
        const relais_lost_record_t *rec = i < r->lost_count ? &r->lost[i] : &r->matches[i - r->lost_count].candidate;
        int rc = relais_proto_lost_to_pb(rec, &h->lost[i]);
        if (rc)
            return rc;
        h->lost_ptrs[i] = &h->lost[i];
    }
    return RELAIS_OK;
}

static int s_lost_reply_to_pb(const relais_reply_t *r, s_reply_pb_t *h)
{
    if (r->kind != RELAIS_REPLY_LOST_LIST && r->lost_count != 1)
        return relais_status_set(RELAIS_E_INVALID, "reply: an item's detail or matches hold one item, not %zu",
                                 r->lost_count);
    int rc = s_lost_to_pb(r, h);
    if (rc)
        return rc;
    if (r->kind == RELAIS_REPLY_LOST_LIST) {
        h->lost_list = (Relais__V1__LostList)RELAIS__V1__LOST_LIST__INIT;
        h->lost_list.n_items = r->lost_count;
        h->lost_list.items = r->lost_count ? h->lost_ptrs : NULL;
        h->lost_list.next = r->next_seq;
        h->reply.what_case = RELAIS__V1__REPLY__WHAT_LOST_LIST;
        h->reply.lost_list = &h->lost_list;
        return RELAIS_OK;
    }
    if (r->kind == RELAIS_REPLY_LOST_DETAIL) {
        if ((rc = s_record_blobs(r, h)))
            return rc;
        h->lost_detail = (Relais__V1__LostDetail)RELAIS__V1__LOST_DETAIL__INIT;
        h->lost_detail.item = h->lost_ptrs[0];
        h->lost_detail.n_timeline = r->record_count;
        h->lost_detail.timeline = h->blobs;
        h->lost_detail.n_leaf_hashes = r->leaf_hash_count;
        h->lost_detail.leaf_hashes = h->leaf_blobs;
        h->reply.what_case = RELAIS__V1__REPLY__WHAT_LOST_DETAIL;
        h->reply.lost_detail = &h->lost_detail;
        return RELAIS_OK;
    }
    if (r->match_count) {
        h->matches = calloc(r->match_count, sizeof *h->matches);
        h->match_ptrs = calloc(r->match_count, sizeof *h->match_ptrs);
        if (!h->matches || !h->match_ptrs)
            return relais_status_set(RELAIS_E_NOMEM, "reply: %zu matches", r->match_count);
    }
    for (size_t i = 0; i < r->match_count; i++) {
        h->matches[i] = (Relais__V1__LostMatch)RELAIS__V1__LOST_MATCH__INIT;
        h->matches[i].candidate = h->lost_ptrs[1 + i];
        h->matches[i].score = r->matches[i].score;
        h->matches[i].reasons = r->matches[i].reasons;
        h->match_ptrs[i] = &h->matches[i];
    }
    h->lost_matches = (Relais__V1__LostMatches)RELAIS__V1__LOST_MATCHES__INIT;
    h->lost_matches.item = h->lost_ptrs[0];
    h->lost_matches.n_matches = r->match_count;
    h->lost_matches.matches = h->match_ptrs;
    h->reply.what_case = RELAIS__V1__REPLY__WHAT_LOST_MATCHES;
    h->reply.lost_matches = &h->lost_matches;
    return RELAIS_OK;
}

static int s_decree_list_to_pb(const relais_reply_t *r, s_reply_pb_t *h)
{
    if (r->decree_count && !r->decrees)
        return relais_status_set(RELAIS_E_INVALID, "reply: decrees missing");
    if (r->record_count > 1 || r->leaf_hash_count > r->record_count || (r->record_count && !r->records))
        return relais_status_set(RELAIS_E_INVALID, "reply: a decree list carries one record at most");
    if (r->decree_count) {
        h->decrees = calloc(r->decree_count, sizeof *h->decrees);
        h->decree_ptrs = calloc(r->decree_count, sizeof *h->decree_ptrs);
        if (!h->decrees || !h->decree_ptrs)
            return relais_status_set(RELAIS_E_NOMEM, "reply: %zu decrees", r->decree_count);
    }
    for (size_t i = 0; i < r->decree_count; i++) {
        int rc = relais_proto_decree_to_pb(&r->decrees[i], &h->decrees[i]);
        h->decree_built = i + 1;
        if (rc)
            return rc;
        h->decree_ptrs[i] = &h->decrees[i].pb;
    }
    h->decree_list = (Relais__V1__DecreeList)RELAIS__V1__DECREE_LIST__INIT;
    h->decree_list.n_decrees = r->decree_count;
    h->decree_list.decrees = h->decree_ptrs;
    h->decree_list.next = r->next_seq;
    if (r->record_count)
        h->decree_list.record = (ProtobufCBinaryData){r->record_lens[0], r->records[0]};
    if (r->leaf_hash_count)
        h->decree_list.leaf_hash = (ProtobufCBinaryData){S_HASH_BYTES, (uint8_t *)r->leaf_hashes[0]};
    h->reply.what_case = RELAIS__V1__REPLY__WHAT_DECREE_LIST;
    h->reply.decree_list = &h->decree_list;
    return RELAIS_OK;
}

static int s_records_to_pb(const relais_reply_t *r, s_reply_pb_t *h)
{
    int rc = s_record_blobs(r, h);
    if (rc)
        return rc;
    h->page = (Relais__V1__RecordPage)RELAIS__V1__RECORD_PAGE__INIT;
    h->page.n_records = r->record_count;
    h->page.records = h->blobs;
    h->page.next_seq = r->next_seq;
    h->page.n_leaf_hashes = r->leaf_hash_count;
    h->page.leaf_hashes = h->leaf_blobs;
    h->reply.what_case = RELAIS__V1__REPLY__WHAT_RECORDS;
    h->reply.records = &h->page;
    return RELAIS_OK;
}

static int s_reply_to_pb(const relais_reply_t *r, s_reply_pb_t *h)
{
    switch (r->kind) {
    case RELAIS_REPLY_NONE:
        return RELAIS_OK;
    case RELAIS_REPLY_ACK:
        return s_ack_to_pb(&r->ack, h);
    case RELAIS_REPLY_ERROR:
        return s_error_to_pb(&r->error, h);
    case RELAIS_REPLY_DELIVERY:
        return s_delivery_to_pb(&r->delivery, h);
    case RELAIS_REPLY_CHECKPOINT:
        s_checkpoint_to_pb(r, h);
        return RELAIS_OK;
    case RELAIS_REPLY_INCLUSION:
    case RELAIS_REPLY_CONSISTENCY:
        return s_proof_to_pb(r, h);
    case RELAIS_REPLY_CASE_LIST:
        return s_case_list_to_pb(r, h);
    case RELAIS_REPLY_CASE_DETAIL:
        return s_case_detail_to_pb(r, h);
    case RELAIS_REPLY_RECORDS:
        return s_records_to_pb(r, h);
    case RELAIS_REPLY_STATISTICS:
        h->statistics = (Relais__V1__Statistics)RELAIS__V1__STATISTICS__INIT;
        h->statistics.json = r->stats_json ? r->stats_json : "";
        h->statistics.text = r->stats_text ? r->stats_text : "";
        h->statistics.threshold = r->threshold;
        h->statistics.csv = r->stats_csv ? r->stats_csv : "";
        h->reply.what_case = RELAIS__V1__REPLY__WHAT_STATISTICS;
        h->reply.statistics = &h->statistics;
        return RELAIS_OK;
    case RELAIS_REPLY_CONTACT_LIST:
        return s_contact_list_to_pb(r, h);
    case RELAIS_REPLY_CONTACT_DETAIL:
        return s_contact_detail_to_pb(r, h);
    case RELAIS_REPLY_LOST_LIST:
    case RELAIS_REPLY_LOST_DETAIL:
    case RELAIS_REPLY_LOST_MATCHES:
        return s_lost_reply_to_pb(r, h);
    case RELAIS_REPLY_DECREE_LIST:
        return s_decree_list_to_pb(r, h);
    default:
        return relais_status_set(RELAIS_E_INVALID, "reply kind %d unknown", (int)r->kind);
    }
}

int relais_reply_encode(const relais_reply_t *reply, uint8_t **out, size_t *out_len)
{
    if (!reply || !out || !out_len)
        return relais_status_set(RELAIS_E_INVALID, "no reply to encode");
    s_reply_pb_t h = {.reply = RELAIS__V1__REPLY__INIT};
    h.reply.request_id = reply->request_id;
    int rc = s_reply_to_pb(reply, &h);
    if (rc == RELAIS_OK)
        rc = relais_proto_pack(&h.reply.base, out, out_len);
    s_reply_pb_free(&h);
    return rc;
}

/* ---- Decoding: the reply owns copies of everything ------------------------------------- */

static int s_ack_from_pb(const Relais__V1__Ack *a, relais_reply_t *out)
{
    int rc;
    if ((rc = relais_proto_copy_bytes(out->ack.msg_id, RELAIS_MSG_ID_BYTES, &a->msg_id, "reply.ack.msg_id")) ||
        (rc = relais_proto_copy_bytes(out->ack.leaf_hash, S_HASH_BYTES, &a->leaf_hash, "reply.ack.leaf_hash")) ||
        (rc = relais_proto_copy_exact(out->ack.case_id, sizeof out->ack.case_id, a->case_id, "reply.ack.case_id")))
        return rc;
    out->ack.seq = a->seq;
    out->ack.duplicate = a->duplicate ? 1 : 0;
    out->ack.received_ms = a->received_ms;
    return RELAIS_OK;
}

/* Copies at most cap - 1 bytes, cutting before a UTF-8 sequence that would not fit. */
static void s_copy_truncated(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap) {
        n = cap - 1;
        while (n > 0 && ((uint8_t)src[n] & 0xc0) == 0x80)
            n--; /* src[n] would start the part left out: back up to a sequence's first byte */
    }
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* The error sentence is for people; a broker's longer detail is cut, not refused. */
static int s_error_from_pb(const Relais__V1__Error *e, relais_reply_t *out)
{
    out->error.status = relais_status_from_wire((int)e->code);
    s_copy_truncated(out->error.message, sizeof out->error.message, e->message);
    if (e->msg_id.len == 0)
        return RELAIS_OK;
    out->error.has_msg_id = 1;
    return relais_proto_copy_bytes(out->error.msg_id, RELAIS_MSG_ID_BYTES, &e->msg_id, "reply.error.msg_id");
}

static int s_copy_blob(const ProtobufCBinaryData *b, uint8_t **data, size_t *len, const char *path)
{
    *len = 0;
    *data = NULL;
    if (b->len == 0)
        return RELAIS_OK;
    *data = malloc(b->len);
    if (!*data)
        return relais_status_set(RELAIS_E_NOMEM, "%s: %zu bytes", path, b->len);
    memcpy(*data, b->data, b->len);
    *len = b->len;
    return RELAIS_OK;
}

static int s_delivery_from_pb(const Relais__V1__Delivery *d, relais_reply_t *out)
{
    uint8_t *record;
    int rc = s_copy_blob(&d->record, &record, &out->delivery.record_len, "reply.delivery.record");
    if (rc)
        return rc;
    out->delivery.record = record;
    out->delivery.seq = d->seq;
    out->delivery.received_ms = d->received_ms;
    out->delivery.overdue = d->overdue ? 1 : 0;
    rc = relais_proto_copy_list(out->delivery.duplicates[0], RELAIS_CASE_ID_LEN, RELAIS_MAX_DUPLICATES,
                                d->possible_duplicates, d->n_possible_duplicates, "reply.delivery.possible_duplicates",
                                &out->delivery.duplicate_count);
    if (rc)
        return rc;
    if (d->leaf_hash.len) {
        rc = relais_proto_copy_bytes(out->delivery.leaf_hash, S_HASH_BYTES, &d->leaf_hash, "reply.delivery.leaf_hash");
        if (rc)
            return rc;
        out->delivery.has_leaf_hash = 1;
    }
    if (d->transferred_entry.len) {
        uint8_t *entry;
        rc = s_copy_blob(&d->transferred_entry, &entry, &out->delivery.transferred_entry_len,
                         "reply.delivery.transferred_entry");
        if (rc)
            return rc;
        out->delivery.transferred_entry = entry;
        rc = relais_proto_copy_bytes(out->delivery.transferred_entry_leaf_hash, S_HASH_BYTES,
                                     &d->transferred_entry_leaf_hash, "reply.delivery.transferred_entry_leaf_hash");
        if (rc)
            return rc;
    }
    out->delivery.has_status = d->status != NULL;
    return d->status ? relais_proto_status_from_pb(d->status, &out->delivery.status, "reply.delivery.status")
                     : RELAIS_OK;
}

static int s_checkpoint_from_pb(const Relais__V1__Checkpoint *c, relais_reply_t *out)
{
    int rc = relais_proto_copy_bytes(out->root, S_HASH_BYTES, &c->root_hash, "reply.checkpoint.root_hash");
    if (rc)
        return rc;
    out->note = strdup(c->note ? c->note : "");
    if (!out->note)
        return relais_status_set(RELAIS_E_NOMEM, "reply.checkpoint.note");
    out->tree_size = c->tree_size;
    out->time_ms = c->time_ms;
    out->witnesses = c->witnesses;
    out->cosigned_ms = c->cosigned_ms;
    out->cosigned_size = c->cosigned_size;
    return RELAIS_OK;
}

/* A list of hashes, each exactly one SHA-256: a proof's siblings, the leaves of records. */
static int s_hashes_from_pb(size_t n, const ProtobufCBinaryData *hashes, const char *where, uint8_t (**out)[32],
                            size_t *count)
{
    if (n == 0)
        return RELAIS_OK;
    *out = calloc(n, sizeof **out);
    if (!*out)
        return relais_status_set(RELAIS_E_NOMEM, "%s: %zu hashes", where, n);
    *count = n;
    for (size_t i = 0; i < n; i++) {
        char item[RELAIS_PROTO_PATH_LEN];
        relais_proto_path_index(item, sizeof item, where, i);
        int rc = relais_proto_copy_bytes((*out)[i], S_HASH_BYTES, &hashes[i], item);
        if (rc)
            return rc;
    }
    return RELAIS_OK;
}

static int s_path_from_pb(size_t n, const ProtobufCBinaryData *path, const char *where, relais_reply_t *out)
{
    return s_hashes_from_pb(n, path, where, &out->path, &out->path_len);
}

static int s_inclusion_from_pb(const Relais__V1__InclusionProof *p, relais_reply_t *out)
{
    int rc = relais_proto_copy_bytes(out->leaf_hash, S_HASH_BYTES, &p->leaf_hash, "reply.inclusion.leaf_hash");
    if (rc)
        return rc;
    out->seq = p->seq;
    out->tree_size = p->tree_size;
    return s_path_from_pb(p->n_path, p->path, "reply.inclusion.path", out);
}

static int s_consistency_from_pb(const Relais__V1__ConsistencyProof *p, relais_reply_t *out)
{
    out->old_size = p->old_size;
    out->tree_size = p->new_size;
    return s_path_from_pb(p->n_path, p->path, "reply.consistency.path", out);
}

static int s_summaries_from_pb(size_t n, Relais__V1__CaseSummary *const *cases, const char *where,
                               relais_reply_t *out)
{
    if (n == 0)
        return RELAIS_OK;
    out->cases = calloc(n, sizeof *out->cases);
    if (!out->cases)
        return relais_status_set(RELAIS_E_NOMEM, "%s: %zu cases", where, n);
    out->case_count = n;
    for (size_t i = 0; i < n; i++) {
        char item[RELAIS_PROTO_PATH_LEN];
        relais_proto_path_index(item, sizeof item, where, i);
        int rc = relais_proto_summary_from_pb(cases[i], &out->cases[i], item);
        if (rc)
            return rc;
    }
    return RELAIS_OK;
}

static int s_leaf_hashes_from_pb(size_t n, size_t records, const ProtobufCBinaryData *hashes, const char *where,
                                 relais_reply_t *out)
{
    if (n != 0 && n != records)
        return relais_status_set(RELAIS_E_MALFORMED, "%s: %zu hashes for %zu records", where, n, records);
    return s_hashes_from_pb(n, hashes, where, &out->leaf_hashes, &out->leaf_hash_count);
}

static int s_records_from_pb(size_t n, const ProtobufCBinaryData *recs, const char *where, relais_reply_t *out)
{
    if (n == 0)
        return RELAIS_OK;
    out->records = calloc(n, sizeof *out->records);
    out->record_lens = calloc(n, sizeof *out->record_lens);
    if (!out->records || !out->record_lens)
        return relais_status_set(RELAIS_E_NOMEM, "%s: %zu records", where, n);
    out->record_count = n;
    for (size_t i = 0; i < n; i++) {
        int rc = s_copy_blob(&recs[i], &out->records[i], &out->record_lens[i], where);
        if (rc)
            return rc;
    }
    return RELAIS_OK;
}

static int s_events_from_pb(size_t n, Relais__V1__CaseEvent *const *events, relais_reply_t *out)
{
    if (n == 0)
        return RELAIS_OK;
    out->events = calloc(n, sizeof *out->events);
    if (!out->events)
        return relais_status_set(RELAIS_E_NOMEM, "reply.case_detail.history: %zu events", n);
    out->event_count = n;
    for (size_t i = 0; i < n; i++) {
        char item[RELAIS_PROTO_PATH_LEN];
        relais_proto_path_index(item, sizeof item, "reply.case_detail.history", i);
        if (!events[i]->status)
            return relais_status_set(RELAIS_E_MALFORMED, "%s.status: missing", item);
        out->events[i].seq = events[i]->seq;
        int rc = relais_proto_status_from_pb(events[i]->status, &out->events[i].status, item);
        if (rc)
            return rc;
    }
    return RELAIS_OK;
}

static int s_case_detail_from_pb(const Relais__V1__CaseDetail *d, relais_reply_t *out)
{
    if (!d->summary)
        return relais_status_set(RELAIS_E_MALFORMED, "reply.case_detail.summary: missing");
    /* The summary, then a meeting's reviewed cases: one list, cases[0] first. */
    Relais__V1__CaseSummary **all = malloc((1 + d->n_reviewed) * sizeof *all);
    if (!all)
        return relais_status_set(RELAIS_E_NOMEM, "reply.case_detail: %zu summaries", 1 + d->n_reviewed);
    all[0] = d->summary;
    if (d->n_reviewed)
        memcpy(all + 1, d->reviewed, d->n_reviewed * sizeof *all);
    int rc = s_summaries_from_pb(1 + d->n_reviewed, all, "reply.case_detail.summary", out);
    free(all);
    if (rc == RELAIS_OK)
        rc = s_records_from_pb(d->n_timeline, d->timeline, "reply.case_detail.timeline", out);
    if (rc == RELAIS_OK)
        rc = s_leaf_hashes_from_pb(d->n_leaf_hashes, d->n_timeline, d->leaf_hashes,
                                   "reply.case_detail.leaf_hashes", out);
    if (rc == RELAIS_OK)
        rc = s_events_from_pb(d->n_history, d->history, out);
    if (rc == RELAIS_OK && d->archived_key.len) {
        out->archived_key = malloc(d->archived_key.len);
        if (!out->archived_key)
            return relais_status_set(RELAIS_E_NOMEM, "reply.case_detail.archived_key");
        memcpy(out->archived_key, d->archived_key.data, d->archived_key.len);
        out->archived_key_len = d->archived_key.len;
    }
    if (rc == RELAIS_OK && d->n_followers) {
        if (d->n_followers > RELAIS_MAX_FOLLOWERS)
            return relais_status_set(RELAIS_E_MALFORMED, "reply.case_detail.followers: %zu, at most %d",
                                     d->n_followers, RELAIS_MAX_FOLLOWERS);
        out->followers = calloc(d->n_followers, sizeof *out->followers);
        if (!out->followers)
            return relais_status_set(RELAIS_E_NOMEM, "reply.case_detail.followers");
        out->follower_count = d->n_followers;
        rc = relais_proto_followers_from_pb(d->followers, d->n_followers, out->followers,
                                            "reply.case_detail.followers");
    }
    return rc;
}

static int s_contacts_from_pb(size_t n, Relais__V1__ContactRecord *const *entries, const char *where,
                              relais_reply_t *out)
{
    if (n == 0)
        return RELAIS_OK;
    out->contacts = calloc(n, sizeof *out->contacts);
    if (!out->contacts)
        return relais_status_set(RELAIS_E_NOMEM, "%s: %zu entries", where, n);
    out->contact_count = n;
    for (size_t i = 0; i < n; i++) {
        char item[RELAIS_PROTO_PATH_LEN];
        relais_proto_path_index(item, sizeof item, where, i);
        int rc = relais_proto_contact_from_pb(entries[i], &out->contacts[i], item);
        if (rc)
            return rc;
    }
    return RELAIS_OK;
}

static int s_contact_detail_from_pb(const Relais__V1__ContactDetail *d, relais_reply_t *out)
{
    if (!d->entry)
        return relais_status_set(RELAIS_E_MALFORMED, "reply.contact_detail.entry: missing");
    Relais__V1__ContactRecord *one[1] = {d->entry};
    int rc = s_contacts_from_pb(1, one, "reply.contact_detail.entry", out);
    if (rc == RELAIS_OK)
        rc = s_records_from_pb(d->n_timeline, d->timeline, "reply.contact_detail.timeline", out);
    if (rc == RELAIS_OK)
        rc = s_leaf_hashes_from_pb(d->n_leaf_hashes, d->n_timeline, d->leaf_hashes,
                                   "reply.contact_detail.leaf_hashes", out);
    return rc;
}

static int s_lost_from_list(size_t n, Relais__V1__LostRecord *const *items, const char *where, relais_reply_t *out)
{
    if (n == 0)
        return RELAIS_OK;
    out->lost = calloc(n, sizeof *out->lost);
    if (!out->lost)
        return relais_status_set(RELAIS_E_NOMEM, "%s: %zu items", where, n);
    out->lost_count = n;
    for (size_t i = 0; i < n; i++) {
        char item[RELAIS_PROTO_PATH_LEN];
        relais_proto_path_index(item, sizeof item, where, i);
        int rc = relais_proto_lost_from_pb(items[i], &out->lost[i], item);
        if (rc)
            return rc;
    }
    return RELAIS_OK;
}

static int s_lost_detail_from_pb(const Relais__V1__LostDetail *d, relais_reply_t *out)
{
    if (!d->item)
        return relais_status_set(RELAIS_E_MALFORMED, "reply.lost_detail.item: missing");
    Relais__V1__LostRecord *one[1] = {d->item};
    int rc = s_lost_from_list(1, one, "reply.lost_detail.item", out);
    if (rc == RELAIS_OK)
        rc = s_records_from_pb(d->n_timeline, d->timeline, "reply.lost_detail.timeline", out);
    if (rc == RELAIS_OK)
        rc = s_leaf_hashes_from_pb(d->n_leaf_hashes, d->n_timeline, d->leaf_hashes, "reply.lost_detail.leaf_hashes",
                                   out);
    return rc;
}

static int s_lost_matches_from_pb(const Relais__V1__LostMatches *m, relais_reply_t *out)
{
    if (!m->item)
        return relais_status_set(RELAIS_E_MALFORMED, "reply.lost_matches.item: missing");
    Relais__V1__LostRecord *one[1] = {m->item};
    int rc = s_lost_from_list(1, one, "reply.lost_matches.item", out);
    if (rc || m->n_matches == 0)
        return rc;
    out->matches = calloc(m->n_matches, sizeof *out->matches);
    if (!out->matches)
        return relais_status_set(RELAIS_E_NOMEM, "reply.lost_matches: %zu matches", m->n_matches);
    out->match_count = m->n_matches;
    for (size_t i = 0; i < m->n_matches; i++) {
        char item[RELAIS_PROTO_PATH_LEN];
        relais_proto_path_index(item, sizeof item, "reply.lost_matches.matches", i);
        if (!m->matches[i]->candidate)
            return relais_status_set(RELAIS_E_MALFORMED, "%s.candidate: missing", item);
        if ((rc = relais_proto_lost_from_pb(m->matches[i]->candidate, &out->matches[i].candidate, item)))
            return rc;
        out->matches[i].score = m->matches[i]->score;
        out->matches[i].reasons = m->matches[i]->reasons;
    }
    return RELAIS_OK;
}

static int s_decree_list_from_pb(const Relais__V1__DecreeList *l, relais_reply_t *out)
{
    int rc = RELAIS_OK;
    out->next_seq = l->next;
    if (l->n_decrees) {
        out->decrees = calloc(l->n_decrees, sizeof *out->decrees);
        if (!out->decrees)
            return relais_status_set(RELAIS_E_NOMEM, "reply.decree_list: %zu decrees", l->n_decrees);
        out->decree_count = l->n_decrees;
    }
    for (size_t i = 0; rc == RELAIS_OK && i < l->n_decrees; i++) {
        char item[RELAIS_PROTO_PATH_LEN];
        relais_proto_path_index(item, sizeof item, "reply.decree_list.decrees", i);
        rc = relais_proto_decree_from_pb(l->decrees[i], &out->decrees[i], item);
    }
    if (rc == RELAIS_OK && l->record.len)
        rc = s_records_from_pb(1, &l->record, "reply.decree_list.record", out);
    if (rc == RELAIS_OK && l->leaf_hash.len)
        rc = l->record.len ? s_hashes_from_pb(1, &l->leaf_hash, "reply.decree_list.leaf_hash", &out->leaf_hashes,
                                              &out->leaf_hash_count)
                           : relais_status_set(RELAIS_E_MALFORMED, "reply.decree_list.leaf_hash: without a record");
    return rc;
}

static int s_reply_from_pb(const Relais__V1__Reply *pb, relais_reply_t *out)
{
    out->request_id = pb->request_id;
    switch (pb->what_case) {
    case RELAIS__V1__REPLY__WHAT__NOT_SET:
        out->kind = RELAIS_REPLY_NONE; /* a ping's answer; unknown members were refused as unknown fields */
        return RELAIS_OK;
    case RELAIS__V1__REPLY__WHAT_ACK:
        out->kind = RELAIS_REPLY_ACK;
        return s_ack_from_pb(pb->ack, out);
    case RELAIS__V1__REPLY__WHAT_ERROR:
        out->kind = RELAIS_REPLY_ERROR;
        return s_error_from_pb(pb->error, out);
    case RELAIS__V1__REPLY__WHAT_DELIVERY:
        out->kind = RELAIS_REPLY_DELIVERY;
        return s_delivery_from_pb(pb->delivery, out);
    case RELAIS__V1__REPLY__WHAT_CHECKPOINT:
        out->kind = RELAIS_REPLY_CHECKPOINT;
        return s_checkpoint_from_pb(pb->checkpoint, out);
    case RELAIS__V1__REPLY__WHAT_INCLUSION:
        out->kind = RELAIS_REPLY_INCLUSION;
        return s_inclusion_from_pb(pb->inclusion, out);
    case RELAIS__V1__REPLY__WHAT_CONSISTENCY:
        out->kind = RELAIS_REPLY_CONSISTENCY;
        return s_consistency_from_pb(pb->consistency, out);
    case RELAIS__V1__REPLY__WHAT_CASE_LIST: {
        out->kind = RELAIS_REPLY_CASE_LIST;
        int rc = relais_proto_copy_exact(out->next_case, sizeof out->next_case, pb->case_list->next,
                                         "reply.case_list.next");
        return rc ? rc : s_summaries_from_pb(pb->case_list->n_cases, pb->case_list->cases, "reply.case_list.cases", out);
    }
    case RELAIS__V1__REPLY__WHAT_CASE_DETAIL:
        out->kind = RELAIS_REPLY_CASE_DETAIL;
        out->next_seq = pb->case_detail->next_seq;
        return s_case_detail_from_pb(pb->case_detail, out);
    case RELAIS__V1__REPLY__WHAT_RECORDS: {
        out->kind = RELAIS_REPLY_RECORDS;
        out->next_seq = pb->records->next_seq;
        int rc = s_records_from_pb(pb->records->n_records, pb->records->records, "reply.records.records", out);
        return rc ? rc : s_leaf_hashes_from_pb(pb->records->n_leaf_hashes, pb->records->n_records,
                                               pb->records->leaf_hashes, "reply.records.leaf_hashes", out);
    }
    case RELAIS__V1__REPLY__WHAT_STATISTICS:
        out->kind = RELAIS_REPLY_STATISTICS;
        out->threshold = pb->statistics->threshold;
        out->stats_json = strdup(pb->statistics->json);
        out->stats_text = strdup(pb->statistics->text);
        out->stats_csv = strdup(pb->statistics->csv);
        return out->stats_json && out->stats_text && out->stats_csv
                   ? RELAIS_OK
                   : relais_status_set(RELAIS_E_NOMEM, "reply.statistics");
    case RELAIS__V1__REPLY__WHAT_CONTACT_LIST:
        out->kind = RELAIS_REPLY_CONTACT_LIST;
        out->next_seq = pb->contact_list->next;
        return s_contacts_from_pb(pb->contact_list->n_entries, pb->contact_list->entries,
                                  "reply.contact_list.entries", out);
    case RELAIS__V1__REPLY__WHAT_CONTACT_DETAIL:
        out->kind = RELAIS_REPLY_CONTACT_DETAIL;
        return s_contact_detail_from_pb(pb->contact_detail, out);
    case RELAIS__V1__REPLY__WHAT_LOST_LIST:
        out->kind = RELAIS_REPLY_LOST_LIST;
        out->next_seq = pb->lost_list->next;
        return s_lost_from_list(pb->lost_list->n_items, pb->lost_list->items, "reply.lost_list.items", out);
    case RELAIS__V1__REPLY__WHAT_LOST_DETAIL:
        out->kind = RELAIS_REPLY_LOST_DETAIL;
        return s_lost_detail_from_pb(pb->lost_detail, out);
    case RELAIS__V1__REPLY__WHAT_LOST_MATCHES:
        out->kind = RELAIS_REPLY_LOST_MATCHES;
        return s_lost_matches_from_pb(pb->lost_matches, out);
    case RELAIS__V1__REPLY__WHAT_DECREE_LIST:
        out->kind = RELAIS_REPLY_DECREE_LIST;
        return s_decree_list_from_pb(pb->decree_list, out);
    default:
        return relais_status_set(RELAIS_E_MALFORMED, "reply: unknown member %d", (int)pb->what_case);
    }
}

int relais_reply_decode(const uint8_t *buf, size_t len, relais_reply_t *out)
{
    if (!out || (!buf && len))
        return relais_status_set(RELAIS_E_INVALID, "no reply to decode");
    memset(out, 0, sizeof *out);
    Relais__V1__Reply *pb = relais__v1__reply__unpack(NULL, len, buf);
    if (!pb)
        return relais_status_set(RELAIS_E_MALFORMED, "reply: does not decode as relais.v1.Reply");
    int rc = relais_proto_check_tree(&pb->base, "reply", 0);
    if (rc == RELAIS_OK)
        rc = s_reply_from_pb(pb, out);
    if (rc)
        relais_reply_clear(out);
    relais__v1__reply__free_unpacked(pb, NULL);
    return rc;
}

void relais_reply_clear(relais_reply_t *reply)
{
    if (!reply)
        return;
    free((void *)reply->delivery.record); /* const for readers; the decoded reply owns it */
    free((void *)reply->delivery.transferred_entry);
    free(reply->note);
    free(reply->path);
    free(reply->cases);
    for (size_t i = 0; i < reply->record_count; i++)
        free(reply->records[i]);
    free(reply->records);
    free(reply->record_lens);
    free(reply->leaf_hashes);
    free(reply->events);
    free(reply->followers);
    free(reply->archived_key);
    free(reply->stats_json);
    free(reply->stats_text);
    free(reply->stats_csv);
    free(reply->contacts);
    free(reply->lost);
    free(reply->matches);
    free(reply->decrees);
    memset(reply, 0, sizeof *reply);
}
