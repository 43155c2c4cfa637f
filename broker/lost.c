/* lost.c -- the lost and found read: its list, one item, its likely matches.
 *
 * The lost and found is the desk's (and the auditors'): no one else has a part in it, so every
 * other reader is refused, item or not. Every read is logged before it is served.
 */
#include "broker_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_LIST_MAX 200        /* items on one page */
#define S_LIST_SCAN_MAX 20000 /* items looked at for one page */
#define S_TIMELINE_MAX 256    /* records of one item shown */
#define S_MATCH_MAX 10        /* likely matches proposed */
#define S_MATCH_FLOOR 40      /* the score under which an item is not proposed */

static int s_reads_lost(int role)
{
    return role == RELAIS_ROLE_RECEPTION || role == RELAIS_ROLE_AUDITOR;
}

static int s_decode(const uint8_t *value, size_t len, uint64_t seq, relais_lost_record_t *rec)
{
    if (relais_lost_record_decode(value, len, rec) != 0)
        return relais_status_set(RELAIS_E_CORRUPT, "the lost and found's item %" PRIu64 " does not decode", seq);
    return 0;
}

/* ---- The list ------------------------------------------------------------------------- */

typedef struct {
    const relais_request_t *req;
    char search[RELAIS_NAME_LEN * 2];
    int64_t now_ms;
    relais_lost_record_t *lines; /* S_LIST_MAX room */
    relais_lost_record_t scratch;
    size_t count, scanned;
    uint64_t next;
    int rc;
} s_list_t;

static int s_list_item(void *ctx, uint64_t seq, const uint8_t *value, size_t len)
{
    s_list_t *l = ctx;
    if (l->count == S_LIST_MAX || l->scanned == S_LIST_SCAN_MAX) {
        l->next = l->count ? l->lines[l->count - 1].seq : seq + 1;
        return 1;
    }
    l->scanned++;
    if ((l->rc = s_decode(value, len, seq, &l->scratch)) != 0)
        return 1;
    if (relais_lost_matches(&l->scratch, l->req, l->search, l->now_ms))
        l->lines[l->count++] = l->scratch;
    return 0;
}

static void s_list(broker_worker_t *w, const broker_env_t *env, const relais_request_t *req)
{
    s_list_t *l = calloc(1, sizeof *l);
    relais_lost_record_t *lines = calloc(S_LIST_MAX, sizeof *lines);
    if (!l || !lines) {
        broker_send_error(w->to_intake, env, RELAIS_E_UNAVAILABLE, NULL, "out of memory listing the lost and found");
        free(l);
        free(lines);
        return;
    }
    l->req = req;
    l->lines = lines;
    l->now_ms = broker_now_ms();
    relais_reception_fold_text(req->search, l->search, sizeof l->search);
    int rc = relais_store_register_iterate(w->b->store, RELAIS_STORE_REGISTER_LOST, req->before, s_list_item, l);
    if (rc < 0 || l->rc) {
        broker_send_error(w->to_intake, env, RELAIS_E_UNAVAILABLE, NULL, "the lost and found cannot be read: %s",
                          relais_status_detail());
    } else {
        relais_reply_t reply = {.request_id = env->request_id, .kind = RELAIS_REPLY_LOST_LIST};
        reply.lost = l->lines;
        reply.lost_count = l->count;
        reply.next_seq = l->next;
        relais_access_t access = {.reader = env->user, .action = "lost-list"};
        broker_logged_reply(w, env, &access, &reply, 0);
    }
    free(lines);
    free(l);
}

/* ---- One item, and its matches ---------------------------------------------------------- */

/* The item a handle names, of the kind its letter says; RELAIS_E_NOT_FOUND otherwise. */
static int s_item(relais_broker_t *b, const char *handle, relais_lost_record_t *rec)
{
    uint64_t found = relais_found_handle_seq(handle), loss = relais_loss_handle_seq(handle);
    int rc = found || loss ? relais_lost_load(b->store, found ? found : loss, rec) : RELAIS_E_NOT_FOUND;
    if (rc == 0 && (rec->kind == RELAIS_LOST_KIND_LOST) != (loss != 0))
        rc = RELAIS_E_NOT_FOUND;
    return rc;
}

typedef struct {
    relais_broker_t *b;
    uint8_t *records[S_TIMELINE_MAX];
    size_t lens[S_TIMELINE_MAX];
    relais_hash_t leaves[S_TIMELINE_MAX];
    size_t count;
    int rc;
} s_show_t;

static int s_show_event(void *ctx, uint64_t seq)
{
    s_show_t *s = ctx;
    if (s->count == S_TIMELINE_MAX)
        return 1;
    int rc = broker_record_get_opened(s->b, seq, &s->records[s->count], &s->lens[s->count], s->leaves[s->count]);
    if (rc) {
        s->rc = rc;
        return 1;
    }
    s->count++;
    return 0;
}

static void s_show(broker_worker_t *w, const broker_env_t *env, const relais_request_t *req)
{
    s_show_t *s = calloc(1, sizeof *s);
    relais_lost_record_t *rec = malloc(sizeof *rec);
    int rc = s && rec ? s_item(w->b, req->case_id, rec) : RELAIS_E_NOMEM;
    if (rc == RELAIS_E_NOT_FOUND) {
        broker_send_error(w->to_intake, env, RELAIS_E_MALFORMED, NULL,
                          "there is no item %s in the lost and found; `relais lost list` lists them", req->case_id);
        goto done;
    }
    if (rc == 0) {
        s->b = w->b;
        rc = relais_store_register_events(w->b->store, RELAIS_STORE_REGISTER_LOST, rec->seq, s_show_event, s);
        if (rc >= 0)
            rc = s->rc;
    }
    if (rc != 0) {
        broker_send_error(w->to_intake, env, RELAIS_E_UNAVAILABLE, NULL, "the item %s cannot be read", req->case_id);
        goto done;
    }
    relais_reply_t reply = {.request_id = env->request_id, .kind = RELAIS_REPLY_LOST_DETAIL};
    reply.lost = rec;
    reply.lost_count = 1;
    reply.records = s->records;
    reply.record_lens = s->lens;
    reply.record_count = s->count;
    if (w->b->keyring) {
        reply.leaf_hashes = s->leaves;
        reply.leaf_hash_count = s->count;
    }
    relais_access_t access = {.reader = env->user, .action = "lost-show", .case_id = req->case_id};
    broker_logged_reply(w, env, &access, &reply, 0);
done:
    for (size_t i = 0; s && i < s->count; i++)
        free(s->records[i]);
    free(s);
    free(rec);
}

typedef struct {
    const relais_lost_record_t *item;
    relais_lost_record_t scratch;
    relais_lost_match_t best[S_MATCH_MAX];
    size_t count;
    int rc;
} s_match_t;

/* Keeps the S_MATCH_MAX best candidates still open, best first (the newest first among equals). */
static int s_match_item(void *ctx, uint64_t seq, const uint8_t *value, size_t len)
{
    s_match_t *m = ctx;
    if ((m->rc = s_decode(value, len, seq, &m->scratch)) != 0)
        return 1;
    unsigned reasons = 0;
    unsigned score = relais_lost_is_open(&m->scratch) ? relais_lost_match_score(m->item, &m->scratch, &reasons) : 0;
    if (score < S_MATCH_FLOOR || (m->count == S_MATCH_MAX && score <= m->best[S_MATCH_MAX - 1].score))
        return 0;
    size_t at = m->count < S_MATCH_MAX ? m->count++ : S_MATCH_MAX - 1;
    while (at > 0 && m->best[at - 1].score < score) {
        m->best[at] = m->best[at - 1];
        at--;
    }
    m->best[at] = (relais_lost_match_t){.candidate = m->scratch, .score = score, .reasons = reasons};
    return 0;
}

static void s_match(broker_worker_t *w, const broker_env_t *env, const relais_request_t *req)
{
    s_match_t *m = calloc(1, sizeof *m);
    relais_lost_record_t *rec = malloc(sizeof *rec);
    int rc = m && rec ? s_item(w->b, req->case_id, rec) : RELAIS_E_NOMEM;
    if (rc == RELAIS_E_NOT_FOUND) {
        broker_send_error(w->to_intake, env, RELAIS_E_MALFORMED, NULL,
                          "there is no item %s in the lost and found; `relais lost list` lists them", req->case_id);
        goto done;
    }
    if (rc == 0) {
        m->item = rec;
        rc = relais_store_register_iterate(w->b->store, RELAIS_STORE_REGISTER_LOST, 0, s_match_item, m);
        if (rc >= 0)
            rc = m->rc;
    }
    if (rc != 0) {
        broker_send_error(w->to_intake, env, RELAIS_E_UNAVAILABLE, NULL, "the lost and found cannot be read: %s",
                          relais_status_detail());
        goto done;
    }
    relais_reply_t reply = {.request_id = env->request_id, .kind = RELAIS_REPLY_LOST_MATCHES};
    reply.lost = rec;
    reply.lost_count = 1;
    reply.matches = m->best;
    reply.match_count = m->count;
    relais_access_t access = {.reader = env->user, .action = "lost-match", .case_id = req->case_id};
    broker_logged_reply(w, env, &access, &reply, 0);
done:
    free(m);
    free(rec);
}

void broker_lost_query(broker_worker_t *w, const broker_env_t *env, const relais_request_t *req)
{
    if (!s_reads_lost(env->role)) {
        broker_send_error(w->to_intake, env, RELAIS_E_FORBIDDEN, NULL,
                          "the lost and found is the reception desk's (and the auditors')");
        return;
    }
    if (req->kind == RELAIS_REQ_LOST_LIST)
        s_list(w, env, req);
    else if (req->kind == RELAIS_REQ_LOST_SHOW)
        s_show(w, env, req);
    else
        s_match(w, env, req);
}
