/* query.c -- case queries and the online audit, with need-to-know and an access record per read.
 *
 * Served by the verifier threads. A read of case or log content is answered only once its
 * AccessRecord (signed by the broker) is in the log: the reply travels with the record to
 * the writer, which sends it after the commit. Proofs and checkpoints reveal nothing of the
 * content and are answered at once.
 */
#include "broker_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#define S_CASE_LIST_MAX 5000      /* cases in one list reply */
#define S_TIMELINE_MAX 1000       /* records in one case's timeline */
#define S_PAGE_RECORDS 256        /* records in one audit page */
#define S_PAGE_BYTES (512 * 1024) /* bytes in one audit page */

static int s_sees_all(int role)
{
    return role == RELAIS_ROLE_COORDINATOR || role == RELAIS_ROLE_AUDITOR;
}

/* ---- Access records ------------------------------------------------------------------------ */

/* Builds the broker's signed AccessRecord for this read; *out caller frees. */
static int s_access_message(relais_broker_t *b, const relais_access_t *access, uint8_t **out, size_t *out_len)
{
    uint8_t msg_id[RELAIS_MSG_ID_BYTES];
    uint8_t signature[RELAIS_SIGNATURE_BYTES];
    uint8_t *body = NULL;
    size_t body_len = 0;
    int64_t now = broker_now_ms();
    relais_msg_id_stamp(msg_id, now); /* in order, like librelais's: the id index grows at its end */
    if (RAND_bytes(msg_id + 6, sizeof msg_id - 6) != 1)
        return RELAIS_E_CRYPTO;
    int rc = relais_message_encode_access(b->name, msg_id, now, access, &body, &body_len);
    if (rc == 0)
        rc = broker_sign(b, body, body_len, signature);
    if (rc == 0)
        rc = relais_signed_encode(body, body_len, signature, out, out_len);
    free(body);
    return rc;
}

/* Sends the access record to the writer with the reply it releases once stored. */
static void s_logged_reply(broker_worker_t *w, const broker_env_t *env, const relais_access_t *access,
                           const relais_reply_t *reply, unsigned flags)
{
    uint8_t *signed_msg = NULL, *bytes = NULL;
    size_t signed_len = 0, len = 0;
    int rc = reply ? relais_reply_encode(reply, &bytes, &len) : 0;
    if (rc == 0)
        rc = s_access_message(w->b, access, &signed_msg, &signed_len);
    broker_env_t out = *env;
    out.kind = BROKER_WRITE_ACCESS;
    out.flags = flags;
    if (rc == 0 && broker_env_send(w->to_writer, &out, signed_msg, signed_len, bytes, len, 0) != 0)
        rc = RELAIS_E_UNAVAILABLE;
    if (rc != 0 && (flags & BROKER_F_SUBSCRIBE)) {
        out.kind = BROKER_OUT_SUB_READY;
        out.status = rc;
        if (broker_env_send(w->to_intake, &out, NULL, 0, NULL, 0, 0) != 0)
            broker_log("error", "internal", "what=\"cannot refuse a feed\" request=%llu",
                       (unsigned long long)env->request_id);
    } else if (rc != 0) {
        broker_send_error(w->to_intake, env, rc, NULL, "the read could not be logged");
    }
    free(signed_msg);
    free(bytes);
}

void broker_query_subscribe(broker_worker_t *w, const broker_env_t *env)
{
    relais_access_t access = {.reader = env->user, .action = "feed", .from_seq = env->seq ? env->seq : 1};
    s_logged_reply(w, env, &access, NULL, BROKER_F_SUBSCRIBE);
}

/* ---- Cases --------------------------------------------------------------------------------- */

/* What a partner may know of a case it referred: its status, nothing of the child or notes. */
static void s_status_only(relais_case_summary_t *s)
{
    relais_case_summary_t keep;
    memset(&keep, 0, sizeof keep);
    memcpy(keep.case_id, s->case_id, sizeof keep.case_id);
    keep.state = s->state;
    keep.task_status = s->task_status;
    memcpy(keep.reason_code, s->reason_code, sizeof keep.reason_code);
    keep.opened_ms = s->opened_ms;
    keep.updated_ms = s->updated_ms;
    *s = keep;
}

typedef struct {
    const broker_env_t *env;     /* who asks */
    const relais_request_t *req; /* the filters */
    relais_case_summary_t *list; /* the cases kept (grown as needed) */
    size_t count;                /* how many */
    size_t room;                 /* room of `list` */
    const relais_cases_policy_t *policy; /* the hub's deadlines */
    int64_t now;                 /* for overdue */
    int nomem;                   /* the list could not grow */
} s_list_t;

static int s_referrer_matches(const relais_case_record_t *rec, const char *text)
{
    for (size_t i = 0; i < rec->summary.referrer_count; i++)
        if (strstr(rec->summary.referrers[i], text))
            return 1;
    for (size_t i = 0; i < rec->sender_count; i++)
        if (strstr(rec->senders[i], text))
            return 1;
    return 0;
}

static int s_filter(const s_list_t *l, const relais_case_record_t *rec)
{
    const relais_request_t *q = l->req;
    if (!s_sees_all(l->env->role) && !relais_cases_has_sender(rec, l->env->user))
        return 0;
    if (q->states && !(q->states & (1u << rec->summary.state)))
        return 0;
    if (q->urgency && rec->summary.urgency != q->urgency)
        return 0;
    if (q->school[0] && !strstr(rec->summary.school, q->school))
        return 0;
    if (q->referrer[0] && !s_referrer_matches(rec, q->referrer))
        return 0;
    return !q->overdue_only || rec->summary.overdue;
}

static int s_list_case(void *ctx, const char *case_id, const uint8_t *state, size_t len)
{
    (void)case_id;
    s_list_t *l = ctx;
    relais_case_record_t rec;
    if (relais_case_record_decode(state, len, &rec) != 0)
        return 0;
    relais_cases_deadline(&rec, l->policy, l->now);
    if (!s_filter(l, &rec))
        return 0;
    if (l->count == S_CASE_LIST_MAX)
        return 1;
    if (l->count == l->room) {
        size_t room = l->room ? 2 * l->room : 16;
        relais_case_summary_t *grown = realloc(l->list, room * sizeof *grown);
        if (!grown) {
            l->nomem = 1;
            return 1;
        }
        l->list = grown;
        l->room = room;
    }
    if (!s_sees_all(l->env->role))
        s_status_only(&rec.summary);
    l->list[l->count++] = rec.summary;
    return 0;
}

static void s_case_list(broker_worker_t *w, const broker_env_t *env, const relais_request_t *req)
{
    s_list_t l = {env, req, NULL, 0, 0, &w->b->policy, broker_now_ms(), 0};
    int rc = relais_store_case_iterate(w->b->store, s_list_case, &l);
    if (l.nomem) {
        broker_send_error(w->to_intake, env, RELAIS_E_UNAVAILABLE, NULL, "out of memory");
    } else if (rc < 0) {
        broker_send_error(w->to_intake, env, rc, NULL, "the case index cannot be read");
    } else {
        relais_reply_t reply = {.request_id = env->request_id, .kind = RELAIS_REPLY_CASE_LIST};
        reply.cases = l.list;
        reply.case_count = l.count;
        relais_access_t access = {.reader = env->user, .action = "case-list"};
        s_logged_reply(w, env, &access, &reply, 0);
    }
    free(l.list);
}

typedef struct {
    broker_worker_t *w;          /* for the store */
    const char *only_from;       /* a partner: only its own referrals; NULL: everything */
    uint8_t **records;           /* LogRecord bytes, owned */
    size_t *lens;                /* their lengths */
    size_t count;                /* how many */
    relais_case_event_t *events; /* the status after each event the reader may see; NULL: not asked */
    size_t event_count;          /* how many */
} s_timeline_t;

typedef enum { S_HIDDEN, S_STATUS_ONLY, S_RECORD } s_sight_t;

/* What a reader sees of one event of a case it may open: a coordinator or auditor the record;
 * a partner its own referrals whole and the coordinator's updates as a status, never another
 * partner's referral (the rule of its live feed). */
static s_sight_t s_sight(const uint8_t *record, size_t len, const char *only_from)
{
    if (!only_from)
        return S_RECORD;
    relais_message_t *msg = NULL;
    if (relais_record_message_decode(record, len, NULL, NULL, &msg) != 0)
        return S_HIDDEN;
    relais_payload_t payload = relais_message_payload(msg);
    s_sight_t sight = payload == RELAIS_PAYLOAD_CASE_UPDATE ? S_STATUS_ONLY
                      : payload == RELAIS_PAYLOAD_REFERRAL && strcmp(relais_message_sender(msg), only_from) == 0
                          ? S_RECORD
                          : S_HIDDEN;
    relais_message_destroy(&msg);
    return sight;
}

static int s_timeline_add(void *ctx, uint64_t seq, const uint8_t *status, size_t status_len)
{
    s_timeline_t *t = ctx;
    if (t->count == S_TIMELINE_MAX || t->event_count == S_TIMELINE_MAX)
        return 1;
    uint8_t *record = NULL;
    size_t len = 0;
    if (relais_store_get_record(t->w->b->store, seq, &record, &len) != 0)
        return 0;
    s_sight_t sight = s_sight(record, len, t->only_from);
    relais_case_event_t *ev = t->events ? &t->events[t->event_count] : NULL;
    if (ev && sight != S_HIDDEN && relais_case_status_decode(status, status_len, &ev->status) == 0) {
        ev->seq = seq;
        t->event_count++;
    }
    if (sight != S_RECORD) {
        free(record);
        return 0;
    }
    t->records[t->count] = record;
    t->lens[t->count++] = len;
    return 0;
}

static void s_case_show_reply(broker_worker_t *w, const broker_env_t *env, relais_case_record_t *rec, int with_history)
{
    s_timeline_t t = {w,
                      s_sees_all(env->role) ? NULL : env->user,
                      calloc(S_TIMELINE_MAX, sizeof(uint8_t *)),
                      calloc(S_TIMELINE_MAX, sizeof(size_t)),
                      0,
                      with_history ? calloc(S_TIMELINE_MAX, sizeof(relais_case_event_t)) : NULL,
                      0};
    if (!t.records || !t.lens || (with_history && !t.events)) {
        broker_send_error(w->to_intake, env, RELAIS_E_UNAVAILABLE, NULL, "out of memory");
        goto out_free;
    }
    relais_store_case_history(w->b->store, rec->summary.case_id, s_timeline_add, &t);
    relais_cases_deadline(rec, &w->b->policy, broker_now_ms());
    if (!s_sees_all(env->role))
        s_status_only(&rec->summary);
    relais_reply_t reply = {.request_id = env->request_id, .kind = RELAIS_REPLY_CASE_DETAIL};
    reply.cases = &rec->summary;
    reply.case_count = 1;
    reply.records = t.records;
    reply.record_lens = t.lens;
    reply.record_count = t.count;
    /* Only when asked: an older client refuses a reply field it does not know. */
    reply.events = t.events;
    reply.event_count = t.event_count;
    relais_access_t access = {.reader = env->user, .action = "case-show", .case_id = rec->summary.case_id};
    s_logged_reply(w, env, &access, &reply, 0);
out_free:
    for (size_t i = 0; i < t.count; i++)
        free(t.records[i]);
    free(t.records);
    free(t.lens);
    free(t.events);
}

static void s_case_show(broker_worker_t *w, const broker_env_t *env, const relais_request_t *req)
{
    relais_case_record_t rec;
    int rc = broker_case_load(w->b->store, req->case_id, &rec);
    /* A partner learns nothing, not even whether a case it did not refer exists. */
    if ((rc == 0 || rc == RELAIS_E_NOT_FOUND) && !s_sees_all(env->role) &&
        (rc != 0 || !relais_cases_has_sender(&rec, env->user))) {
        broker_send_error(w->to_intake, env, RELAIS_E_FORBIDDEN, NULL, "this identity did not refer that case");
        return;
    }
    if (rc == RELAIS_E_NOT_FOUND) {
        broker_send_error(w->to_intake, env, RELAIS_E_MALFORMED, NULL, "there is no case %s", req->case_id);
        return;
    }
    if (rc != 0) {
        broker_send_error(w->to_intake, env, rc, NULL, "the case cannot be read");
        return;
    }
    s_case_show_reply(w, env, &rec, req->with_history);
}

/* ---- Audit --------------------------------------------------------------------------------- */

typedef struct {
    uint8_t **records; /* page records, owned */
    size_t *lens;      /* their lengths */
    size_t count;      /* how many */
    size_t bytes;      /* their total size */
    uint64_t last;     /* last sequence number taken */
} s_page_t;

static int s_page_add(void *ctx, uint64_t seq, const uint8_t *record, size_t len, const relais_hash_t leaf)
{
    (void)leaf;
    s_page_t *p = ctx;
    if (p->count == S_PAGE_RECORDS || (p->count > 0 && p->bytes + len > S_PAGE_BYTES))
        return 1;
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return RELAIS_E_NOMEM;
    memcpy(copy, record, len);
    p->records[p->count] = copy;
    p->lens[p->count++] = len;
    p->bytes += len;
    p->last = seq;
    return 0;
}

static void s_audit_records(broker_worker_t *w, const broker_env_t *env, const relais_request_t *req)
{
    if (!s_sees_all(env->role)) {
        broker_send_error(w->to_intake, env, RELAIS_E_FORBIDDEN, NULL, "only auditors and coordinators read the log");
        return;
    }
    uint64_t head = 0;
    relais_store_head(w->b->store, &head);
    uint64_t from = req->from_seq ? req->from_seq : 1;
    uint64_t to = req->to_seq && req->to_seq < head ? req->to_seq : head;
    s_page_t p = {calloc(S_PAGE_RECORDS, sizeof(uint8_t *)), calloc(S_PAGE_RECORDS, sizeof(size_t)), 0, 0, 0};
    int rc = p.records && p.lens ? 0 : RELAIS_E_NOMEM;
    if (rc == 0 && from <= to)
        rc = relais_store_iterate(w->b->store, from, to, s_page_add, &p);
    if (rc < 0) {
        broker_send_error(w->to_intake, env, rc, NULL, "the log cannot be read");
    } else {
        relais_reply_t reply = {.request_id = env->request_id, .kind = RELAIS_REPLY_RECORDS};
        reply.records = p.records;
        reply.record_lens = p.lens;
        reply.record_count = p.count;
        reply.next_seq = p.count && p.last < to ? p.last + 1 : 0;
        relais_access_t access = {.reader = env->user, .action = "audit-records", .from_seq = p.count ? from : 0,
                                  .to_seq = p.last};
        s_logged_reply(w, env, &access, &reply, 0);
    }
    for (size_t i = 0; i < p.count; i++)
        free(p.records[i]);
    free(p.records);
    free(p.lens);
}

static void s_audit_checkpoint(broker_worker_t *w, const broker_env_t *env)
{
    relais_store_checkpoint_t cp;
    int rc = relais_store_checkpoint_latest(w->b->store, &cp);
    if (rc != 0) {
        broker_send_error(w->to_intake, env, RELAIS_E_UNAVAILABLE, NULL, "no checkpoint has been signed yet");
        return;
    }
    relais_reply_t reply = {.request_id = env->request_id, .kind = RELAIS_REPLY_CHECKPOINT};
    reply.tree_size = cp.size;
    memcpy(reply.root, cp.root, sizeof reply.root);
    reply.time_ms = cp.time_ms;
    reply.note = cp.note;
    broker_send_reply(w->to_intake, env, &reply);
}

static void s_audit_inclusion(broker_worker_t *w, const broker_env_t *env, const relais_request_t *req)
{
    relais_hash_t path[RELAIS_MERKLE_MAX_PATH];
    size_t path_len = 0;
    uint64_t size = req->tree_size;
    relais_reply_t reply = {.request_id = env->request_id, .kind = RELAIS_REPLY_INCLUSION};
    int rc = size ? 0 : relais_store_head(w->b->store, &size);
    if (rc == 0)
        rc = relais_store_get_leaf_hash(w->b->store, req->seq, reply.leaf_hash);
    if (rc == 0)
        rc = relais_store_inclusion_proof(w->b->store, req->seq, size, path, &path_len);
    if (rc != 0) {
        broker_send_error(w->to_intake, env, RELAIS_E_MALFORMED, NULL, "no inclusion proof of %llu in a tree of %llu",
                          (unsigned long long)req->seq, (unsigned long long)size);
        return;
    }
    reply.seq = req->seq;
    reply.tree_size = size;
    reply.path = path;
    reply.path_len = path_len;
    broker_send_reply(w->to_intake, env, &reply);
}

static void s_audit_consistency(broker_worker_t *w, const broker_env_t *env, const relais_request_t *req)
{
    relais_hash_t path[RELAIS_MERKLE_MAX_PATH];
    size_t path_len = 0;
    uint64_t size = req->new_size;
    int rc = size ? 0 : relais_store_head(w->b->store, &size);
    if (rc == 0)
        rc = relais_store_consistency_proof(w->b->store, req->old_size, size, path, &path_len);
    if (rc != 0) {
        broker_send_error(w->to_intake, env, RELAIS_E_MALFORMED, NULL, "no consistency proof from %llu to %llu",
                          (unsigned long long)req->old_size, (unsigned long long)size);
        return;
    }
    relais_reply_t reply = {.request_id = env->request_id, .kind = RELAIS_REPLY_CONSISTENCY};
    reply.old_size = req->old_size;
    reply.tree_size = size;
    reply.path = path;
    reply.path_len = path_len;
    broker_send_reply(w->to_intake, env, &reply);
}

void broker_query_handle(broker_worker_t *w, const broker_env_t *env, const uint8_t *bytes, size_t len)
{
    relais_request_t req;
    if (relais_request_decode(bytes, len, &req) != 0) {
        broker_send_error(w->to_intake, env, RELAIS_E_MALFORMED, NULL, "not a Request");
        return;
    }
    switch (req.kind) {
    case RELAIS_REQ_CASE_LIST:
        s_case_list(w, env, &req);
        break;
    case RELAIS_REQ_CASE_SHOW:
        s_case_show(w, env, &req);
        break;
    case RELAIS_REQ_AUDIT_RECORDS:
        s_audit_records(w, env, &req);
        break;
    case RELAIS_REQ_AUDIT_CHECKPOINT:
        s_audit_checkpoint(w, env);
        break;
    case RELAIS_REQ_AUDIT_INCLUSION:
        s_audit_inclusion(w, env, &req);
        break;
    case RELAIS_REQ_AUDIT_CONSISTENCY:
        s_audit_consistency(w, env, &req);
        break;
    default:
        broker_send_error(w->to_intake, env, RELAIS_E_MALFORMED, NULL, "not a query");
        break;
    }
    relais_request_clear(&req);
}
