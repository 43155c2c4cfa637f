/* decree.c -- the decrees read: the register, one decree as signed, what is in force where.
 *
 * Public acts: every identity of the hub reads them, and no read is logged (there is nothing
 * personal to account for).
 */
#include "broker_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_LIST_MAX 200 /* decrees on one page */

typedef struct {
    const relais_request_t *req;
    char search[RELAIS_NAME_LEN * 2];
    char street[RELAIS_CONTACT_LABEL_LEN * 2];
    relais_decree_record_t *lines; /* S_LIST_MAX room */
    relais_decree_record_t scratch;
    size_t count;
    uint64_t next;
    int rc;
} s_list_t;

static int s_list_decree(void *ctx, uint64_t seq, const uint8_t *value, size_t len)
{
    s_list_t *l = ctx;
    if (l->count == S_LIST_MAX) {
        l->next = l->lines[l->count - 1].seq;
        return 1;
    }
    if (relais_decree_record_decode(value, len, &l->scratch) != 0) {
        l->rc = relais_status_set(RELAIS_E_CORRUPT, "the decree of record %" PRIu64 " does not decode", seq);
        return 1;
    }
    int keep = l->req->kind == RELAIS_REQ_DECREE_IN_FORCE
                   ? relais_decree_in_force_on(&l->scratch, l->req->on_date) &&
                         relais_decree_applies_at(&l->scratch, l->street, l->req->house_number)
                   : relais_decree_matches(&l->scratch, l->search, l->req->on_date);
    if (keep)
        l->lines[l->count++] = l->scratch;
    return 0;
}

static void s_list(broker_worker_t *w, const broker_env_t *env, const relais_request_t *req)
{
    if ((req->on_date[0] || req->kind == RELAIS_REQ_DECREE_IN_FORCE) && !relais_calendar_date(req->on_date, NULL, NULL, NULL)) {
        broker_send_error(w->to_intake, env, RELAIS_E_MALFORMED, NULL, "the day asked about is no date; expected YYYY-MM-DD");
        return;
    }
    if (req->kind == RELAIS_REQ_DECREE_IN_FORCE && !req->street[0]) {
        broker_send_error(w->to_intake, env, RELAIS_E_MALFORMED, NULL, "the street asked about is missing");
        return;
    }
    s_list_t *l = calloc(1, sizeof *l);
    relais_decree_record_t *lines = calloc(S_LIST_MAX, sizeof *lines);
    if (!l || !lines) {
        broker_send_error(w->to_intake, env, RELAIS_E_UNAVAILABLE, NULL, "out of memory listing the decrees");
        free(l);
        free(lines);
        return;
    }
    l->req = req;
    l->lines = lines;
    relais_reception_fold_text(req->search, l->search, sizeof l->search);
    relais_reception_fold_text(req->street, l->street, sizeof l->street);
    /* What is in force is asked of the whole register: every page of it, newest first. */
    int rc = relais_store_register_iterate(w->b->store, RELAIS_STORE_REGISTER_DECREES,
                                           req->kind == RELAIS_REQ_DECREE_IN_FORCE ? 0 : req->before, s_list_decree, l);
    if (rc < 0 || l->rc) {
        broker_send_error(w->to_intake, env, RELAIS_E_UNAVAILABLE, NULL, "the decrees cannot be read: %s",
                          relais_status_detail());
    } else {
        relais_reply_t reply = {.request_id = env->request_id, .kind = RELAIS_REPLY_DECREE_LIST};
        reply.decrees = l->lines;
        reply.decree_count = l->count;
        reply.next_seq = l->next;
        broker_send_reply(w->to_intake, env, &reply);
    }
    free(lines);
    free(l);
}

static void s_show(broker_worker_t *w, const broker_env_t *env, const relais_request_t *req)
{
    relais_decree_record_t *rec = malloc(sizeof *rec);
    uint8_t *record = NULL;
    size_t len = 0;
    relais_hash_t leaf;
    int rc = rec ? relais_decree_load(w->b->store, req->decree_number, rec) : RELAIS_E_NOMEM;
    if (rc == RELAIS_E_NOT_FOUND || rc == RELAIS_E_INVALID) {
        broker_send_error(w->to_intake, env, RELAIS_E_MALFORMED, NULL,
                          "there is no decree %s in the register; `relais decree list` lists them", req->decree_number);
        free(rec);
        return;
    }
    if (rc == 0)
        rc = broker_record_get_opened(w->b, rec->seq, &record, &len, leaf);
    if (rc != 0) {
        broker_send_error(w->to_intake, env, RELAIS_E_UNAVAILABLE, NULL, "the decree %s cannot be read",
                          req->decree_number);
    } else {
        relais_reply_t reply = {.request_id = env->request_id, .kind = RELAIS_REPLY_DECREE_LIST};
        uint8_t *records[1] = {record};
        size_t lens[1] = {len};
        reply.decrees = rec;
        reply.decree_count = 1;
        reply.records = records;
        reply.record_lens = lens;
        reply.record_count = 1;
        if (w->b->keyring) {
            reply.leaf_hashes = (uint8_t(*)[32])leaf;
            reply.leaf_hash_count = 1;
        }
        broker_send_reply(w->to_intake, env, &reply);
    }
    free(record);
    free(rec);
}

void broker_decree_query(broker_worker_t *w, const broker_env_t *env, const relais_request_t *req)
{
    if (req->kind == RELAIS_REQ_DECREE_SHOW)
        s_show(w, env, req);
    else
        s_list(w, env, req);
}
