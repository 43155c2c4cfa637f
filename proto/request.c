/* request.c -- the Request frame an agent sends to the broker, to and from relais_request_t. */
#include "proto_internal.h"

#include <stdlib.h>
#include <string.h>

/* Every sub-message a request may need, on the stack of relais_request_encode(). */
typedef struct {
    Relais__V1__Request req;                          /* the frame */
    Relais__V1__Subscribe subscribe;                  /* SUBSCRIBE */
    Relais__V1__Credit credit;                        /* CREDIT */
    Relais__V1__CaseQuery query;                      /* CASE_LIST, CASE_SHOW */
    Relais__V1__CaseListQuery list;                   /* CASE_LIST */
    Relais__V1__StatsQuery stats;                     /* STATS */
    Relais__V1__CaseState states[RELAIS_CASE_STATE_COUNT]; /* CASE_LIST filter */
    Relais__V1__AuditRequest audit;                   /* AUDIT_* */
    Relais__V1__AuditRange range;                     /* AUDIT_RECORDS */
    Relais__V1__InclusionQuery inclusion;             /* AUDIT_INCLUSION */
    Relais__V1__ConsistencyQuery consistency;         /* AUDIT_CONSISTENCY */
    Relais__V1__ReceptionQuery reception;             /* RECEPTION_* */
    Relais__V1__ReceptionListQuery reception_list;    /* RECEPTION_LIST */
    Relais__V1__ReceptionStatsQuery reception_stats;  /* RECEPTION_STATS */
    Relais__V1__LostQuery lost;                       /* LOST_* */
    Relais__V1__LostListQuery lost_list;              /* LOST_LIST */
    Relais__V1__DecreeQuery decree;                   /* DECREE_* */
    Relais__V1__DecreeListQuery decree_list;          /* DECREE_LIST */
    Relais__V1__DecreeInForceQuery decree_in_force;   /* DECREE_IN_FORCE */
} s_request_pb_t;

/* The states bitmask becomes the repeated CaseState list; only real states may be asked for. */
static int s_case_list_to_pb(const relais_request_t *r, s_request_pb_t *h)
{
    size_t n;
    int rc;
    if (r->states & ~(((1u << RELAIS_CASE_STATE_COUNT) - 1) & ~1u))
        return relais_status_set(RELAIS_E_INVALID, "case list: states bitmask 0x%x has bits of no state", r->states);
    if ((int)r->urgency < 0 || r->urgency > RELAIS_URGENCY_URGENT)
        return relais_status_set(RELAIS_E_INVALID, "case list: urgency %d unknown", (int)r->urgency);
    if ((rc = relais_proto_fixed_len(r->school, sizeof r->school, "case list school", &n)) ||
        (rc = relais_proto_fixed_len(r->referrer, sizeof r->referrer, "case list referrer", &n)) ||
        (rc = relais_proto_fixed_len(r->name, sizeof r->name, "case list name", &n)) ||
        (rc = relais_proto_fixed_len(r->after, sizeof r->after, "case list after", &n)))
        return rc;
    h->list = (Relais__V1__CaseListQuery)RELAIS__V1__CASE_LIST_QUERY__INIT;
    for (int s = 1; s < RELAIS_CASE_STATE_COUNT; s++)
        if (r->states & (1u << s))
            h->states[h->list.n_states++] = (Relais__V1__CaseState)s;
    h->list.states = h->list.n_states ? h->states : NULL;
    h->list.urgency = (Relais__V1__Urgency)r->urgency;
    h->list.school = (char *)r->school;
    h->list.referrer = (char *)r->referrer;
    h->list.name = (char *)r->name;
    h->list.overdue_only = r->overdue_only ? 1 : 0;
    h->list.after = (char *)r->after;
    h->list.expiring_days = r->expiring_days;
    h->list.mine = r->mine ? 1 : 0;
    h->query.what_case = RELAIS__V1__CASE_QUERY__WHAT_LIST;
    h->query.list = &h->list;
    return RELAIS_OK;
}

static int s_case_show_to_pb(const relais_request_t *r, s_request_pb_t *h)
{
    size_t n;
    int rc = relais_proto_fixed_len(r->case_id, sizeof r->case_id, "case show case_id", &n);
    if (rc == RELAIS_OK && n == 0)
        rc = relais_status_set(RELAIS_E_INVALID, "case show: no case id");
    if (rc)
        return rc;
    h->query.what_case = RELAIS__V1__CASE_QUERY__WHAT_SHOW;
    h->query.show = (char *)r->case_id;
    h->query.with_history = r->with_history ? 1 : 0;
    h->query.timeline_from = r->from_seq;
    h->query.opening_seq = r->opening_seq;
    return RELAIS_OK;
}

static int s_stats_to_pb(const relais_request_t *r, s_request_pb_t *h)
{
    h->stats = (Relais__V1__StatsQuery)RELAIS__V1__STATS_QUERY__INIT;
    h->stats.threshold = r->threshold;
    h->query.what_case = RELAIS__V1__CASE_QUERY__WHAT_STATS;
    h->query.stats = &h->stats;
    return RELAIS_OK;
}

static int s_meeting_to_pb(const relais_request_t *r, s_request_pb_t *h)
{
    size_t n;
    if (r->kind == RELAIS_REQ_MEETING_LIST) {
        h->query.what_case = RELAIS__V1__CASE_QUERY__WHAT_MEETINGS;
        h->query.meetings = 1;
        return RELAIS_OK;
    }
    int rc = relais_proto_fixed_len(r->case_id, sizeof r->case_id, "meeting show id", &n);
    if (rc == RELAIS_OK && n == 0)
        rc = relais_status_set(RELAIS_E_INVALID, "meeting show: no meeting id");
    if (rc)
        return rc;
    h->query.what_case = RELAIS__V1__CASE_QUERY__WHAT_MEETING;
    h->query.meeting = (char *)r->case_id;
    return RELAIS_OK;
}

static int s_case_query_to_pb(const relais_request_t *r, s_request_pb_t *h)
{
    h->query = (Relais__V1__CaseQuery)RELAIS__V1__CASE_QUERY__INIT;
    h->req.what_case = RELAIS__V1__REQUEST__WHAT_CASE_QUERY;
    h->req.case_query = &h->query;
    if (r->kind == RELAIS_REQ_STATS)
        return s_stats_to_pb(r, h);
    if (r->kind == RELAIS_REQ_MEETING_SHOW || r->kind == RELAIS_REQ_MEETING_LIST)
        return s_meeting_to_pb(r, h);
    return r->kind == RELAIS_REQ_CASE_LIST ? s_case_list_to_pb(r, h) : s_case_show_to_pb(r, h);
}

static int s_reception_to_pb(const relais_request_t *r, s_request_pb_t *h)
{
    size_t n;
    int rc;
    h->reception = (Relais__V1__ReceptionQuery)RELAIS__V1__RECEPTION_QUERY__INIT;
    h->req.what_case = RELAIS__V1__REQUEST__WHAT_RECEPTION;
    h->req.reception = &h->reception;
    if (r->kind == RELAIS_REQ_RECEPTION_STATS) {
        h->reception_stats = (Relais__V1__ReceptionStatsQuery)RELAIS__V1__RECEPTION_STATS_QUERY__INIT;
        h->reception_stats.from_ms = r->from_ms;
        h->reception_stats.to_ms = r->to_ms;
        h->reception_stats.threshold = r->threshold;
        h->reception.what_case = RELAIS__V1__RECEPTION_QUERY__WHAT_STATS;
        h->reception.stats = &h->reception_stats;
        return RELAIS_OK;
    }
    if (r->kind == RELAIS_REQ_RECEPTION_SHOW) {
        rc = relais_proto_fixed_len(r->case_id, sizeof r->case_id, "reception show entry", &n);
        if (rc == RELAIS_OK && n == 0)
            rc = relais_status_set(RELAIS_E_INVALID, "reception show: no entry");
        h->reception.what_case = RELAIS__V1__RECEPTION_QUERY__WHAT_SHOW;
        h->reception.show = (char *)r->case_id;
        return rc;
    }
    if ((int)r->category < 0 || r->category >= RELAIS_CATEGORY_COUNT)
        return relais_status_set(RELAIS_E_INVALID, "reception list: category %d unknown", (int)r->category);
    if ((rc = relais_proto_fixed_len(r->search, sizeof r->search, "reception list search", &n)) ||
        (rc = relais_proto_fixed_len(r->street, sizeof r->street, "reception list street", &n)))
        return rc;
    Relais__V1__ReceptionListQuery *l = &h->reception_list;
    *l = (Relais__V1__ReceptionListQuery)RELAIS__V1__RECEPTION_LIST_QUERY__INIT;
    l->overdue_only = r->overdue_only ? 1 : 0;
    l->search = (char *)r->search;
    l->category = (Relais__V1__ContactLog__Category)r->category;
    l->street = (char *)r->street;
    l->from_ms = r->from_ms;
    l->to_ms = r->to_ms;
    l->open_only = r->open_only ? 1 : 0;
    l->before = r->before;
    l->awaiting_answer = r->awaiting_answer ? 1 : 0;
    l->declined = r->declined ? 1 : 0;
    l->unacknowledged = r->unacknowledged ? 1 : 0;
    h->reception.what_case = RELAIS__V1__RECEPTION_QUERY__WHAT_LIST;
    h->reception.list = l;
    return RELAIS_OK;
}

/* An item's handle for a show or a match: required. */
static int s_named(const char *buf, size_t cap, const char *what)
{
    size_t n;
    int rc = relais_proto_fixed_len(buf, cap, what, &n);
    return rc == RELAIS_OK && n == 0 ? relais_status_set(RELAIS_E_INVALID, "%s: none named", what) : rc;
}

static int s_lost_to_pb(const relais_request_t *r, s_request_pb_t *h)
{
    size_t n;
    int rc;
    h->lost = (Relais__V1__LostQuery)RELAIS__V1__LOST_QUERY__INIT;
    h->req.what_case = RELAIS__V1__REQUEST__WHAT_LOST;
    h->req.lost = &h->lost;
    if (r->kind == RELAIS_REQ_LOST_SHOW || r->kind == RELAIS_REQ_LOST_MATCH) {
        h->lost.what_case = r->kind == RELAIS_REQ_LOST_SHOW ? RELAIS__V1__LOST_QUERY__WHAT_SHOW
                                                            : RELAIS__V1__LOST_QUERY__WHAT_MATCH;
        h->lost.show = h->lost.match = (char *)r->case_id;
        return s_named(r->case_id, sizeof r->case_id, "lost and found item");
    }
    if ((int)r->lost_kind < 0 || r->lost_kind >= RELAIS_LOST_KIND_COUNT || (int)r->item_category < 0 ||
        r->item_category >= RELAIS_ITEM_COUNT)
        return relais_status_set(RELAIS_E_INVALID, "lost list: kind %d or category %d unknown", (int)r->lost_kind,
                                 (int)r->item_category);
    if ((rc = relais_proto_fixed_len(r->search, sizeof r->search, "lost list search", &n)))
        return rc;
    Relais__V1__LostListQuery *l = &h->lost_list;
    *l = (Relais__V1__LostListQuery)RELAIS__V1__LOST_LIST_QUERY__INIT;
    l->kind = (Relais__V1__LostFoundItem__Kind)r->lost_kind;
    l->open_only = r->open_only ? 1 : 0;
    l->search = (char *)r->search;
    l->category = (Relais__V1__LostFoundItem__Category)r->item_category;
    l->from_ms = r->from_ms;
    l->to_ms = r->to_ms;
    l->before = r->before;
    l->keeping_over = r->keeping_over ? 1 : 0;
    h->lost.what_case = RELAIS__V1__LOST_QUERY__WHAT_LIST;
    h->lost.list = l;
    return RELAIS_OK;
}

static int s_decree_to_pb(const relais_request_t *r, s_request_pb_t *h)
{
    size_t n;
    int rc;
    h->decree = (Relais__V1__DecreeQuery)RELAIS__V1__DECREE_QUERY__INIT;
    h->req.what_case = RELAIS__V1__REQUEST__WHAT_DECREE;
    h->req.decree = &h->decree;
    if ((rc = relais_proto_fixed_len(r->on_date, sizeof r->on_date, "decree date", &n)))
        return rc;
    if (r->kind == RELAIS_REQ_DECREE_SHOW) {
        h->decree.what_case = RELAIS__V1__DECREE_QUERY__WHAT_SHOW;
        h->decree.show = (char *)r->decree_number;
        return s_named(r->decree_number, sizeof r->decree_number, "decree number");
    }
    if (r->kind == RELAIS_REQ_DECREE_IN_FORCE) {
        if ((rc = relais_proto_fixed_len(r->street, sizeof r->street, "decree street", &n)) ||
            (rc = relais_proto_fixed_len(r->house_number, sizeof r->house_number, "decree house number", &n)))
            return rc;
        Relais__V1__DecreeInForceQuery *q = &h->decree_in_force;
        *q = (Relais__V1__DecreeInForceQuery)RELAIS__V1__DECREE_IN_FORCE_QUERY__INIT;
        q->street = (char *)r->street;
        q->house_number = (char *)r->house_number;
        q->on_date = (char *)r->on_date;
        h->decree.what_case = RELAIS__V1__DECREE_QUERY__WHAT_IN_FORCE;
        h->decree.in_force = q;
        return RELAIS_OK;
    }
    if ((rc = relais_proto_fixed_len(r->search, sizeof r->search, "decree list search", &n)))
        return rc;
    Relais__V1__DecreeListQuery *l = &h->decree_list;
    *l = (Relais__V1__DecreeListQuery)RELAIS__V1__DECREE_LIST_QUERY__INIT;
    l->search = (char *)r->search;
    l->on_date = (char *)r->on_date;
    l->before = r->before;
    h->decree.what_case = RELAIS__V1__DECREE_QUERY__WHAT_LIST;
    h->decree.list = l;
    return RELAIS_OK;
}

static void s_audit_to_pb(const relais_request_t *r, s_request_pb_t *h)
{
    h->audit = (Relais__V1__AuditRequest)RELAIS__V1__AUDIT_REQUEST__INIT;
    h->req.what_case = RELAIS__V1__REQUEST__WHAT_AUDIT;
    h->req.audit = &h->audit;
    switch (r->kind) {
    case RELAIS_REQ_AUDIT_RECORDS:
        h->range = (Relais__V1__AuditRange)RELAIS__V1__AUDIT_RANGE__INIT;
        h->range.from_seq = r->from_seq;
        h->range.to_seq = r->to_seq;
        h->audit.what_case = RELAIS__V1__AUDIT_REQUEST__WHAT_RECORDS;
        h->audit.records = &h->range;
        break;
    case RELAIS_REQ_AUDIT_INCLUSION:
        h->inclusion = (Relais__V1__InclusionQuery)RELAIS__V1__INCLUSION_QUERY__INIT;
        h->inclusion.seq = r->seq;
        h->inclusion.tree_size = r->tree_size;
        h->audit.what_case = RELAIS__V1__AUDIT_REQUEST__WHAT_INCLUSION;
        h->audit.inclusion = &h->inclusion;
        break;
    case RELAIS_REQ_AUDIT_CONSISTENCY:
        h->consistency = (Relais__V1__ConsistencyQuery)RELAIS__V1__CONSISTENCY_QUERY__INIT;
        h->consistency.old_size = r->old_size;
        h->consistency.new_size = r->new_size;
        h->audit.what_case = RELAIS__V1__AUDIT_REQUEST__WHAT_CONSISTENCY;
        h->audit.consistency = &h->consistency;
        break;
    default: /* AUDIT_CHECKPOINT: the latest, or the one of tree_size */
        if (r->tree_size) {
            h->audit.what_case = RELAIS__V1__AUDIT_REQUEST__WHAT_CHECKPOINT_SIZE;
            h->audit.checkpoint_size = r->tree_size;
        } else {
            h->audit.what_case = RELAIS__V1__AUDIT_REQUEST__WHAT_LATEST_CHECKPOINT;
            h->audit.latest_checkpoint = 1;
        }
        break;
    }
}

static int s_submit_to_pb(const relais_request_t *r, s_request_pb_t *h)
{
    if (!r->submit || r->submit_len == 0)
        return relais_status_set(RELAIS_E_INVALID, "submit: no signed message");
    h->req.what_case = RELAIS__V1__REQUEST__WHAT_SUBMIT;
    h->req.submit.data = r->submit;
    h->req.submit.len = r->submit_len;
    return RELAIS_OK;
}

static int s_request_to_pb(const relais_request_t *r, s_request_pb_t *h)
{
    relais__v1__request__init(&h->req); /* its INIT macro trips -Wmissing-braces on the bytes member */
    h->req.request_id = r->request_id;
    switch (r->kind) {
    case RELAIS_REQ_SUBMIT:
        return s_submit_to_pb(r, h);
    case RELAIS_REQ_SUBSCRIBE:
        h->subscribe = (Relais__V1__Subscribe)RELAIS__V1__SUBSCRIBE__INIT;
        h->subscribe.from_seq = r->from_seq;
        h->subscribe.credit = r->credit;
        h->req.what_case = RELAIS__V1__REQUEST__WHAT_SUBSCRIBE;
        h->req.subscribe = &h->subscribe;
        return RELAIS_OK;
    case RELAIS_REQ_CREDIT:
        h->credit = (Relais__V1__Credit)RELAIS__V1__CREDIT__INIT;
        h->credit.credit = r->credit;
        h->req.what_case = RELAIS__V1__REQUEST__WHAT_CREDIT;
        h->req.credit = &h->credit;
        return RELAIS_OK;
    case RELAIS_REQ_CASE_LIST:
    case RELAIS_REQ_CASE_SHOW:
    case RELAIS_REQ_STATS:
    case RELAIS_REQ_MEETING_SHOW:
    case RELAIS_REQ_MEETING_LIST:
        return s_case_query_to_pb(r, h);
    case RELAIS_REQ_AUDIT_RECORDS:
    case RELAIS_REQ_AUDIT_CHECKPOINT:
    case RELAIS_REQ_AUDIT_INCLUSION:
    case RELAIS_REQ_AUDIT_CONSISTENCY:
        s_audit_to_pb(r, h);
        return RELAIS_OK;
    case RELAIS_REQ_RECEPTION_LIST:
    case RELAIS_REQ_RECEPTION_SHOW:
    case RELAIS_REQ_RECEPTION_STATS:
        return s_reception_to_pb(r, h);
    case RELAIS_REQ_LOST_LIST:
    case RELAIS_REQ_LOST_SHOW:
    case RELAIS_REQ_LOST_MATCH:
        return s_lost_to_pb(r, h);
    case RELAIS_REQ_DECREE_LIST:
    case RELAIS_REQ_DECREE_SHOW:
    case RELAIS_REQ_DECREE_IN_FORCE:
        return s_decree_to_pb(r, h);
    case RELAIS_REQ_PING:
        h->req.what_case = RELAIS__V1__REQUEST__WHAT_PING;
        h->req.ping = 1;
        return RELAIS_OK;
    default:
        return relais_status_set(RELAIS_E_INVALID, "request kind %d unknown", (int)r->kind);
    }
}

int relais_request_encode(const relais_request_t *req, uint8_t **out, size_t *out_len)
{
    if (!req || !out || !out_len)
        return relais_status_set(RELAIS_E_INVALID, "no request to encode");
    s_request_pb_t h;
    int rc = s_request_to_pb(req, &h);
    if (rc)
        return rc;
    return relais_proto_pack(&h.req.base, out, out_len);
}

/* ---- Decoding ------------------------------------------------------------------------ */

static int s_case_list_from_pb(const Relais__V1__CaseListQuery *q, relais_request_t *out)
{
    int rc;
    for (size_t i = 0; i < q->n_states; i++) {
        /* the tree check has kept the values within the enum; UNSPECIFIED would match nothing */
        if (q->states[i] == RELAIS__V1__CASE_STATE__CASE_STATE_UNSPECIFIED)
            return relais_status_set(RELAIS_E_MALFORMED, "request.case_query.list.states[%zu]: unspecified", i);
        out->states |= 1u << q->states[i];
    }
    if ((rc = relais_proto_copy_exact(out->school, sizeof out->school, q->school, "request.case_query.list.school")) ||
        (rc = relais_proto_copy_exact(out->referrer, sizeof out->referrer, q->referrer,
                                      "request.case_query.list.referrer")) ||
        (rc = relais_proto_copy_exact(out->name, sizeof out->name, q->name, "request.case_query.list.name")) ||
        (rc = relais_proto_copy_exact(out->after, sizeof out->after, q->after, "request.case_query.list.after")))
        return rc;
    out->urgency = (relais_urgency_t)q->urgency;
    out->overdue_only = q->overdue_only ? 1 : 0;
    out->expiring_days = q->expiring_days;
    out->mine = q->mine ? 1 : 0;
    out->kind = RELAIS_REQ_CASE_LIST;
    return RELAIS_OK;
}

static int s_case_query_from_pb(const Relais__V1__CaseQuery *q, relais_request_t *out)
{
    if (q->what_case == RELAIS__V1__CASE_QUERY__WHAT_LIST)
        return s_case_list_from_pb(q->list, out);
    if (q->what_case == RELAIS__V1__CASE_QUERY__WHAT_STATS) {
        out->kind = RELAIS_REQ_STATS;
        out->threshold = q->stats->threshold;
        return RELAIS_OK;
    }
    if (q->what_case == RELAIS__V1__CASE_QUERY__WHAT_MEETINGS) {
        out->kind = RELAIS_REQ_MEETING_LIST;
        return RELAIS_OK;
    }
    if (q->what_case == RELAIS__V1__CASE_QUERY__WHAT_MEETING) {
        if (!q->meeting || !q->meeting[0])
            return relais_status_set(RELAIS_E_MALFORMED, "request.case_query.meeting: empty meeting id");
        out->kind = RELAIS_REQ_MEETING_SHOW;
        return relais_proto_copy_exact(out->case_id, sizeof out->case_id, q->meeting, "request.case_query.meeting");
    }
    if (q->what_case != RELAIS__V1__CASE_QUERY__WHAT_SHOW)
        return relais_status_set(RELAIS_E_MALFORMED,
                                 "request.case_query: no query set (list, show, stats, meeting or meetings)");
    if (!q->show || !q->show[0])
        return relais_status_set(RELAIS_E_MALFORMED, "request.case_query.show: empty case id");
    out->kind = RELAIS_REQ_CASE_SHOW;
    out->with_history = q->with_history ? 1 : 0;
    out->from_seq = q->timeline_from;
    out->opening_seq = q->opening_seq;
    return relais_proto_copy_exact(out->case_id, sizeof out->case_id, q->show, "request.case_query.show");
}

static int s_audit_from_pb(const Relais__V1__AuditRequest *a, relais_request_t *out)
{
    switch (a->what_case) {
    case RELAIS__V1__AUDIT_REQUEST__WHAT_RECORDS:
        out->kind = RELAIS_REQ_AUDIT_RECORDS;
        out->from_seq = a->records->from_seq;
        out->to_seq = a->records->to_seq;
        return RELAIS_OK;
    case RELAIS__V1__AUDIT_REQUEST__WHAT_LATEST_CHECKPOINT:
        out->kind = RELAIS_REQ_AUDIT_CHECKPOINT;
        return RELAIS_OK;
    case RELAIS__V1__AUDIT_REQUEST__WHAT_CHECKPOINT_SIZE:
        if (a->checkpoint_size == 0)
            return relais_status_set(RELAIS_E_MALFORMED, "request.audit.checkpoint_size: a tree size from 1");
        out->kind = RELAIS_REQ_AUDIT_CHECKPOINT;
        out->tree_size = a->checkpoint_size;
        return RELAIS_OK;
    case RELAIS__V1__AUDIT_REQUEST__WHAT_INCLUSION:
        out->kind = RELAIS_REQ_AUDIT_INCLUSION;
        out->seq = a->inclusion->seq;
        out->tree_size = a->inclusion->tree_size;
        return RELAIS_OK;
    case RELAIS__V1__AUDIT_REQUEST__WHAT_CONSISTENCY:
        out->kind = RELAIS_REQ_AUDIT_CONSISTENCY;
        out->old_size = a->consistency->old_size;
        out->new_size = a->consistency->new_size;
        return RELAIS_OK;
    default:
        return relais_status_set(RELAIS_E_MALFORMED, "request.audit: no audit request set");
    }
}

static int s_reception_from_pb(const Relais__V1__ReceptionQuery *q, relais_request_t *out)
{
    switch (q->what_case) {
    case RELAIS__V1__RECEPTION_QUERY__WHAT_LIST: {
        const Relais__V1__ReceptionListQuery *l = q->list;
        int rc;
        if ((rc = relais_proto_copy_exact(out->search, sizeof out->search, l->search, "request.reception.list.search")) ||
            (rc = relais_proto_copy_exact(out->street, sizeof out->street, l->street, "request.reception.list.street")))
            return rc;
        out->kind = RELAIS_REQ_RECEPTION_LIST;
        out->overdue_only = l->overdue_only ? 1 : 0;
        out->category = (relais_category_t)l->category;
        out->from_ms = l->from_ms;
        out->to_ms = l->to_ms;
        out->open_only = l->open_only ? 1 : 0;
        out->before = l->before;
        out->awaiting_answer = l->awaiting_answer ? 1 : 0;
        out->declined = l->declined ? 1 : 0;
        out->unacknowledged = l->unacknowledged ? 1 : 0;
        return RELAIS_OK;
    }
    case RELAIS__V1__RECEPTION_QUERY__WHAT_SHOW:
        if (!q->show || !q->show[0])
            return relais_status_set(RELAIS_E_MALFORMED, "request.reception.show: empty entry");
        out->kind = RELAIS_REQ_RECEPTION_SHOW;
        return relais_proto_copy_exact(out->case_id, sizeof out->case_id, q->show, "request.reception.show");
    case RELAIS__V1__RECEPTION_QUERY__WHAT_STATS:
        out->kind = RELAIS_REQ_RECEPTION_STATS;
        out->from_ms = q->stats->from_ms;
        out->to_ms = q->stats->to_ms;
        out->threshold = q->stats->threshold;
        return RELAIS_OK;
    default:
        return relais_status_set(RELAIS_E_MALFORMED, "request.reception: no query set (list, show or stats)");
    }
}

static int s_lost_from_pb(const Relais__V1__LostQuery *q, relais_request_t *out)
{
    switch (q->what_case) {
    case RELAIS__V1__LOST_QUERY__WHAT_LIST: {
        const Relais__V1__LostListQuery *l = q->list;
        out->kind = RELAIS_REQ_LOST_LIST;
        out->lost_kind = (relais_lost_kind_t)l->kind;
        out->open_only = l->open_only ? 1 : 0;
        out->item_category = (relais_item_category_t)l->category;
        out->from_ms = l->from_ms;
        out->to_ms = l->to_ms;
        out->before = l->before;
        out->keeping_over = l->keeping_over ? 1 : 0;
        return relais_proto_copy_exact(out->search, sizeof out->search, l->search, "request.lost.list.search");
    }
    case RELAIS__V1__LOST_QUERY__WHAT_SHOW:
    case RELAIS__V1__LOST_QUERY__WHAT_MATCH: {
        int show = q->what_case == RELAIS__V1__LOST_QUERY__WHAT_SHOW;
        const char *item = show ? q->show : q->match;
        if (!item || !item[0])
            return relais_status_set(RELAIS_E_MALFORMED, "request.lost.%s: no item", show ? "show" : "match");
        out->kind = show ? RELAIS_REQ_LOST_SHOW : RELAIS_REQ_LOST_MATCH;
        return relais_proto_copy_exact(out->case_id, sizeof out->case_id, item, "request.lost.item");
    }
    default:
        return relais_status_set(RELAIS_E_MALFORMED, "request.lost: no query set (list, show or match)");
    }
}

static int s_decree_from_pb(const Relais__V1__DecreeQuery *q, relais_request_t *out)
{
    int rc;
    switch (q->what_case) {
    case RELAIS__V1__DECREE_QUERY__WHAT_LIST:
        out->kind = RELAIS_REQ_DECREE_LIST;
        out->before = q->list->before;
        if ((rc = relais_proto_copy_exact(out->on_date, sizeof out->on_date, q->list->on_date,
                                          "request.decree.list.on_date")))
            return rc;
        return relais_proto_copy_exact(out->search, sizeof out->search, q->list->search, "request.decree.list.search");
    case RELAIS__V1__DECREE_QUERY__WHAT_SHOW:
        if (!q->show || !q->show[0])
            return relais_status_set(RELAIS_E_MALFORMED, "request.decree.show: no number");
        out->kind = RELAIS_REQ_DECREE_SHOW;
        return relais_proto_copy_exact(out->decree_number, sizeof out->decree_number, q->show, "request.decree.show");
    case RELAIS__V1__DECREE_QUERY__WHAT_IN_FORCE: {
        const Relais__V1__DecreeInForceQuery *f = q->in_force;
        out->kind = RELAIS_REQ_DECREE_IN_FORCE;
        if ((rc = relais_proto_copy_exact(out->street, sizeof out->street, f->street, "request.decree.in_force.street")) ||
            (rc = relais_proto_copy_exact(out->house_number, sizeof out->house_number, f->house_number,
                                          "request.decree.in_force.house_number")))
            return rc;
        return relais_proto_copy_exact(out->on_date, sizeof out->on_date, f->on_date, "request.decree.in_force.on_date");
    }
    default:
        return relais_status_set(RELAIS_E_MALFORMED, "request.decree: no query set (list, show or in_force)");
    }
}

/* The signed bytes are copied: the request outlives the frame it came in. */
static int s_submit_from_pb(const ProtobufCBinaryData *submit, relais_request_t *out)
{
    if (submit->len == 0)
        return relais_status_set(RELAIS_E_MALFORMED, "request.submit: empty");
    out->submit = malloc(submit->len);
    if (!out->submit)
        return relais_status_set(RELAIS_E_NOMEM, "request.submit: %zu bytes", submit->len);
    memcpy(out->submit, submit->data, submit->len);
    out->submit_len = submit->len;
    out->kind = RELAIS_REQ_SUBMIT;
    return RELAIS_OK;
}

static int s_request_from_pb(const Relais__V1__Request *pb, relais_request_t *out)
{
    out->request_id = pb->request_id;
    switch (pb->what_case) {
    case RELAIS__V1__REQUEST__WHAT_SUBMIT:
        return s_submit_from_pb(&pb->submit, out);
    case RELAIS__V1__REQUEST__WHAT_SUBSCRIBE:
        out->kind = RELAIS_REQ_SUBSCRIBE;
        out->from_seq = pb->subscribe->from_seq;
        out->credit = pb->subscribe->credit;
        return RELAIS_OK;
    case RELAIS__V1__REQUEST__WHAT_CREDIT:
        out->kind = RELAIS_REQ_CREDIT;
        out->credit = pb->credit->credit;
        return RELAIS_OK;
    case RELAIS__V1__REQUEST__WHAT_CASE_QUERY:
        return s_case_query_from_pb(pb->case_query, out);
    case RELAIS__V1__REQUEST__WHAT_AUDIT:
        return s_audit_from_pb(pb->audit, out);
    case RELAIS__V1__REQUEST__WHAT_RECEPTION:
        return s_reception_from_pb(pb->reception, out);
    case RELAIS__V1__REQUEST__WHAT_LOST:
        return s_lost_from_pb(pb->lost, out);
    case RELAIS__V1__REQUEST__WHAT_DECREE:
        return s_decree_from_pb(pb->decree, out);
    case RELAIS__V1__REQUEST__WHAT_PING:
        out->kind = RELAIS_REQ_PING;
        return RELAIS_OK;
    default:
        return relais_status_set(RELAIS_E_MALFORMED, "request: no request set");
    }
}

int relais_request_decode(const uint8_t *buf, size_t len, relais_request_t *out)
{
    if (!out || (!buf && len))
        return relais_status_set(RELAIS_E_INVALID, "no request to decode");
    memset(out, 0, sizeof *out);
    Relais__V1__Request *pb = relais__v1__request__unpack(NULL, len, buf);
    if (!pb)
        return relais_status_set(RELAIS_E_MALFORMED, "request: does not decode as relais.v1.Request");
    int rc = relais_proto_check_tree(&pb->base, "request", RELAIS_PROTO_CHECK_TEXT);
    if (rc == RELAIS_OK)
        rc = s_request_from_pb(pb, out);
    if (rc)
        relais_request_clear(out);
    relais__v1__request__free_unpacked(pb, NULL);
    return rc;
}

void relais_request_clear(relais_request_t *req)
{
    if (!req)
        return;
    free(req->submit);
    memset(req, 0, sizeof *req);
}
