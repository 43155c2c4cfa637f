/* reception.c -- the reception's register read: its list, one entry, its figures.
 *
 * Need-to-know both ways (docs/reception.md): the register is the desk's (and the auditors', who
 * read everything); the coordinator and the partners read of it only the entries transferred to
 * them, and of those only the entry itself, their transfer and their answer. Every read is logged
 * like a case's before it is served.
 */
#include "broker_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_LIST_MAX 200        /* entries on one page of the list */
#define S_LIST_SCAN_MAX 20000 /* entries looked at for one page: a search over years goes page by page */
#define S_TIMELINE_MAX 512    /* records of one entry shown (16 transfers and their answers, and notes) */

static int s_reads_register(int role)
{
    return role == RELAIS_ROLE_RECEPTION || role == RELAIS_ROLE_AUDITOR;
}

/* What a reader who is not the desk may see of an entry transferred to it: its own transfers. */
static void s_recipient_view(relais_contact_record_t *rec, const char *reader)
{
    size_t kept = 0;
    for (size_t i = 0; i < rec->transfer_count; i++)
        if (rec->transfers[i].recipient == RELAIS_RECIPIENT_HUB && strcmp(rec->transfers[i].recipient_name, reader) == 0)
            rec->transfers[kept++] = rec->transfers[i];
    rec->transfer_count = kept;
}

/* ---- Need-to-know, record by record ------------------------------------------------------ */

void broker_register_classify(relais_broker_t *b, uint64_t seq, const uint8_t *opened, size_t len,
                              broker_register_class_t *out)
{
    memset(out, 0, sizeof *out);
    relais_message_t *msg = NULL;
    relais_log_record_t lr;
    if (relais_record_message_decode(opened, len, &lr, NULL, &msg) != 0)
        return;
    relais_payload_t payload = relais_message_payload(msg);
    relais_privacy_view_t p;
    if (payload == RELAIS_PAYLOAD_PRIVACY && relais_message_privacy(msg, &p) == 0 &&
        relais_register_handle_seq(p.case_id)) {
        out->is_register = 1;
        out->is_privacy = 1;
        out->entry_seq = relais_entry_handle_seq(p.case_id);
    } else if (relais_payload_is_lost(payload)) {
        out->is_register = 1; /* the desk's alone: no one else has a part in it */
    } else if (payload == RELAIS_PAYLOAD_DECREE) {
        out->is_public = 1;
    } else if (relais_payload_is_reception(payload)) {
        out->is_register = 1;
        if (relais_store_register_of(b->store, RELAIS_STORE_REGISTER_CONTACTS, seq, &out->entry_seq) != 0)
            out->entry_seq = 0; /* not indexed (yet): shown to the desk alone */
        if (payload == RELAIS_PAYLOAD_TRANSFER_ANSWER) {
            /* The rules took it from the transfer's recipient alone: its sender is that recipient. */
            out->party_kind = BROKER_PARTY_ANSWER;
            snprintf(out->party, sizeof out->party, "%s", relais_message_sender(msg));
        }
        relais_contact_record_t *rec = payload == RELAIS_PAYLOAD_TRANSFER && out->entry_seq ? malloc(sizeof *rec) : NULL;
        const relais_transfer_state_t *t = NULL;
        if (rec && relais_reception_load(b->store, out->entry_seq, rec) == 0)
            t = relais_reception_transfer(rec, seq);
        if (t && t->recipient == RELAIS_RECIPIENT_HUB) {
            out->party_kind = BROKER_PARTY_TRANSFER;
            snprintf(out->party, sizeof out->party, "%s", t->recipient_name);
        }
        free(rec);
    }
    relais_message_destroy(&msg);
}

int broker_register_readable(const broker_register_class_t *c, const char *reader, int role)
{
    if (!c->is_register || s_reads_register(role))
        return 1;
    if (role == RELAIS_ROLE_DPO)
        return c->is_privacy;
    return c->party_kind != BROKER_PARTY_NONE && strcmp(c->party, reader) == 0;
}

/* ---- The list ------------------------------------------------------------------------- */

typedef struct {
    const broker_env_t *env;
    const relais_request_t *req;
    char search[RELAIS_NAME_LEN * 2];
    char street[RELAIS_CONTACT_LABEL_LEN * 2];
    int64_t now_ms;
    relais_contact_record_t *lines; /* S_LIST_MAX room */
    relais_contact_record_t scratch;
    size_t count;
    size_t scanned;
    uint64_t next;
    int rc;
} s_list_t;

/* An entry of the index as a walk gets it; a status with its sentence when it does not decode. */
static int s_entry_decode(const uint8_t *value, size_t len, uint64_t entry_seq, relais_contact_record_t *rec)
{
    if (relais_contact_record_decode(value, len, rec) != 0)
        return relais_status_set(RELAIS_E_CORRUPT, "the register's entry A-%" PRIu64 " does not decode", entry_seq);
    return 0;
}

static int s_list_entry(void *ctx, uint64_t entry_seq, const uint8_t *value, size_t len)
{
    s_list_t *l = ctx;
    if (l->count == S_LIST_MAX || l->scanned == S_LIST_SCAN_MAX) {
        l->next = l->count ? l->lines[l->count - 1].seq : entry_seq + 1;
        return 1;
    }
    l->scanned++;
    relais_contact_record_t *rec = &l->scratch;
    if ((l->rc = s_entry_decode(value, len, entry_seq, rec)) != 0)
        return 1;
    if (!s_reads_register(l->env->role)) {
        if (!relais_reception_transferred_to(rec, l->env->user))
            return 0;
        s_recipient_view(rec, l->env->user);
    }
    if (!relais_reception_matches(rec, l->req, l->search, l->street, l->now_ms))
        return 0;
    rec->overdue = relais_reception_overdue(rec, l->now_ms);
    rec->summary[0] = '\0'; /* the list's lines stay small; `show` gives the whole entry */
    l->lines[l->count++] = *rec;
    return 0;
}

static void s_list(broker_worker_t *w, const broker_env_t *env, const relais_request_t *req)
{
    s_list_t *l = calloc(1, sizeof *l);
    relais_contact_record_t *lines = calloc(S_LIST_MAX, sizeof *lines);
    if (!l || !lines) {
        broker_send_error(w->to_intake, env, RELAIS_E_UNAVAILABLE, NULL, "out of memory listing the register");
        free(l);
        free(lines);
        return;
    }
    l->env = env;
    l->req = req;
    l->lines = lines;
    l->now_ms = broker_now_ms();
    relais_reception_fold_text(req->search, l->search, sizeof l->search);
    relais_reception_fold_text(req->street, l->street, sizeof l->street);
    int rc = relais_store_register_iterate(w->b->store, RELAIS_STORE_REGISTER_CONTACTS, req->before, s_list_entry, l);
    if (rc < 0 || l->rc) {
        broker_send_error(w->to_intake, env, RELAIS_E_UNAVAILABLE, NULL, "the register cannot be read: %s",
                          relais_status_detail());
    } else {
        relais_reply_t reply = {.request_id = env->request_id, .kind = RELAIS_REPLY_CONTACT_LIST};
        reply.contacts = l->lines;
        reply.contact_count = l->count;
        reply.next_seq = l->next;
        relais_access_t access = {.reader = env->user, .action = "reception-list"};
        broker_logged_reply(w, env, &access, &reply, 0);
    }
    free(lines);
    free(l);
}

/* ---- One entry ------------------------------------------------------------------------- */

typedef struct {
    relais_broker_t *b;
    const relais_contact_record_t *rec; /* the entry as the reader may see it */
    int whole;                          /* the reader sees every record of the entry */
    uint8_t *records[S_TIMELINE_MAX];
    size_t lens[S_TIMELINE_MAX];
    relais_hash_t leaves[S_TIMELINE_MAX];
    size_t count;
    int rc;
} s_show_t;

/* A recipient's records of the entry: the entry itself, its transfers to it and its answers. */
static int s_shown(const s_show_t *s, uint64_t seq)
{
    if (s->whole || seq == s->rec->seq)
        return 1;
    for (size_t i = 0; i < s->rec->transfer_count; i++)
        if (s->rec->transfers[i].seq == seq || s->rec->transfers[i].answer_seq == seq)
            return 1;
    return 0;
}

static int s_show_event(void *ctx, uint64_t seq)
{
    s_show_t *s = ctx;
    if (!s_shown(s, seq))
        return 0;
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
    uint64_t entry_seq = relais_entry_handle_seq(req->case_id), transfer_seq = relais_transfer_handle_seq(req->case_id);
    if (!entry_seq && transfer_seq && relais_store_register_of(w->b->store, RELAIS_STORE_REGISTER_CONTACTS, transfer_seq, &entry_seq) != 0)
        entry_seq = 0;
    s_show_t *s = calloc(1, sizeof *s);
    relais_contact_record_t *rec = malloc(sizeof *rec);
    int rc = !s || !rec ? RELAIS_E_NOMEM : entry_seq ? relais_reception_load(w->b->store, entry_seq, rec) : RELAIS_E_NOT_FOUND;
    char handle[RELAIS_CASE_ID_LEN];
    relais_entry_handle(entry_seq, handle);
    /* Another reader learns nothing by asking: an entry that does not exist and one not
     * transferred to it get the same answer. */
    if ((rc == 0 || rc == RELAIS_E_NOT_FOUND) && !s_reads_register(env->role) &&
        (rc == RELAIS_E_NOT_FOUND || !relais_reception_transferred_to(rec, env->user)))
        rc = RELAIS_E_FORBIDDEN;
    if (rc == RELAIS_E_NOT_FOUND || rc == RELAIS_E_FORBIDDEN) {
        broker_send_error(w->to_intake, env, rc == RELAIS_E_FORBIDDEN ? RELAIS_E_FORBIDDEN : RELAIS_E_MALFORMED, NULL,
                          rc == RELAIS_E_FORBIDDEN
                              ? "%s was not transferred to you: the reception's register is the desk's"
                              : "there is no entry %s in the reception's register; `relais reception list` lists them",
                          req->case_id);
        goto done;
    }
    if (rc == 0) {
        s->b = w->b;
        s->whole = s_reads_register(env->role);
        if (!s->whole)
            s_recipient_view(rec, env->user);
        s->rec = rec;
        rc = relais_store_register_events(w->b->store, RELAIS_STORE_REGISTER_CONTACTS, entry_seq, s_show_event, s);
        if (rc >= 0)
            rc = s->rc;
    }
    if (rc != 0) {
        broker_send_error(w->to_intake, env, RELAIS_E_UNAVAILABLE, NULL, "the entry %s cannot be read", handle);
        goto done;
    }
    rec->overdue = relais_reception_overdue(rec, broker_now_ms());
    relais_reply_t reply = {.request_id = env->request_id, .kind = RELAIS_REPLY_CONTACT_DETAIL};
    reply.contacts = rec;
    reply.contact_count = 1;
    reply.records = s->records;
    reply.record_lens = s->lens;
    reply.record_count = s->count;
    if (w->b->keyring) {
        reply.leaf_hashes = s->leaves;
        reply.leaf_hash_count = s->count;
    }
    relais_access_t access = {.reader = env->user, .action = "reception-show", .case_id = handle};
    broker_logged_reply(w, env, &access, &reply, 0);
done:
    for (size_t i = 0; s && i < s->count; i++)
        free(s->records[i]);
    free(s);
    free(rec);
}

/* ---- The figures ------------------------------------------------------------------------ */

#define S_THRESHOLD_FLOOR RELAIS_STATS_THRESHOLD_DEFAULT

typedef struct {
    relais_reception_figures_t *figures;
    relais_contact_record_t rec;
    relais_lost_record_t item;
    int64_t now_ms;
    int rc;
} s_figures_t;

/* One entry as the figures count it: no name, no text; a transfer by its kind of recipient, or
 * for a recipient of the hub by its identity (whose figures the partnership may discuss). */
static int s_count_entry(void *ctx, uint64_t entry_seq, const uint8_t *value, size_t len)
{
    s_figures_t *f = ctx;
    if ((f->rc = s_entry_decode(value, len, entry_seq, &f->rec)) != 0)
        return 1;
    const relais_contact_record_t *r = &f->rec;
    char labels[RELAIS_MAX_TRANSFERS][RELAIS_NAME_LEN + 8];
    const char *ptrs[RELAIS_MAX_TRANSFERS];
    for (size_t i = 0; i < r->transfer_count; i++) {
        const relais_transfer_state_t *t = &r->transfers[i];
        if (t->recipient == RELAIS_RECIPIENT_HUB) {
            size_t n = (size_t)snprintf(labels[i], sizeof labels[i], "hub:%.127s", t->recipient_name);
            for (size_t k = 4; k < n && k < sizeof labels[i]; k++)
                labels[i][k] = (char)(labels[i][k] >= 'A' && labels[i][k] <= 'Z' ? labels[i][k] + 32 : labels[i][k]);
        } else {
            snprintf(labels[i], sizeof labels[i], "%s", relais_recipient_name(t->recipient));
        }
        ptrs[i] = labels[i];
    }
    /* A written request counts in the share once it is answered or its day has passed: one still
     * open before its due date is neither in time nor late yet. */
    int64_t due_end = relais_reception_day_end_ms(r->response_due_date);
    int has_due = relais_channel_is_written(r->channel) && due_end && (r->closed_ms || f->now_ms >= due_end);
    relais_reception_fact_t fact = {.occurred_ms = r->occurred_ms,
                                    .channel = (int)r->channel,
                                    .category = (int)r->category,
                                    .handling = (int)r->handling,
                                    .has_due = has_due,
                                    .answered_in_time = has_due && relais_reception_in_time(r),
                                    .transfers = ptrs,
                                    .transfer_count = r->transfer_count};
    int rc = relais_reception_figures_add(f->figures, &fact);
    if (rc) {
        f->rc = rc;
        return 1;
    }
    return 0;
}

/* One item of the lost and found as the figures count it: its kind, category and state, and when
 * it was found or lost; no description, no place, no name. */
static int s_count_item(void *ctx, uint64_t seq, const uint8_t *value, size_t len)
{
    s_figures_t *f = ctx;
    if (relais_lost_record_decode(value, len, &f->item) != 0) {
        f->rc = relais_status_set(RELAIS_E_CORRUPT, "the lost and found's item %" PRIu64 " does not decode", seq);
        return 1;
    }
    relais_lost_fact_t fact = {.when_ms = f->item.when_ms,
                               .kind = (int)f->item.kind,
                               .category = (int)f->item.category,
                               .state = (int)f->item.state};
    int rc = relais_reception_figures_add_item(f->figures, &fact);
    if (rc) {
        f->rc = rc;
        return 1;
    }
    return 0;
}

static void s_figures(broker_worker_t *w, const broker_env_t *env, const relais_request_t *req)
{
    if (env->role != RELAIS_ROLE_RECEPTION && env->role != RELAIS_ROLE_AUDITOR && env->role != RELAIS_ROLE_DPO) {
        broker_send_error(w->to_intake, env, RELAIS_E_FORBIDDEN, NULL,
                          "the reception's figures are the desk's, the data protection officer's and the auditors'");
        return;
    }
    unsigned threshold = req->threshold > S_THRESHOLD_FLOOR ? req->threshold : S_THRESHOLD_FLOOR;
    s_figures_t *f = calloc(1, sizeof *f);
    char *json = NULL, *csv = NULL, *text = NULL;
    size_t text_len = 0;
    int rc = f ? relais_reception_figures_new(req->from_ms, req->to_ms, &f->figures) : RELAIS_E_NOMEM;
    if (f)
        f->now_ms = broker_now_ms();
    if (rc == RELAIS_E_INVALID) {
        broker_send_error(w->to_intake, env, RELAIS_E_MALFORMED, NULL, "the period cannot be counted: %s",
                          relais_status_detail());
        free(f);
        return;
    }
    if (rc == 0)
        rc = relais_store_register_iterate(w->b->store, RELAIS_STORE_REGISTER_CONTACTS, 0, s_count_entry, f);
    if (rc >= 0 && f->rc)
        rc = f->rc;
    /* then the lost and found's items, over the same period */
    if (rc == 0)
        rc = relais_store_register_iterate(w->b->store, RELAIS_STORE_REGISTER_LOST, 0, s_count_item, f);
    if (rc >= 0 && f->rc)
        rc = f->rc;
    if (rc == 0)
        rc = relais_reception_figures_publish_json(f->figures, threshold, &json);
    if (rc == 0)
        rc = relais_reception_figures_publish_csv(f->figures, threshold, &csv);
    FILE *out = rc == 0 ? open_memstream(&text, &text_len) : NULL;
    if (rc == 0 && !out)
        rc = RELAIS_E_NOMEM;
    if (out) {
        rc = relais_reception_figures_publish_text(f->figures, threshold, out);
        fclose(out);
    }
    if (rc != 0) {
        broker_send_error(w->to_intake, env, RELAIS_E_UNAVAILABLE, NULL, "the reception's figures cannot be counted");
    } else {
        relais_reply_t reply = {.request_id = env->request_id, .kind = RELAIS_REPLY_STATISTICS};
        reply.stats_json = json;
        reply.stats_text = text;
        reply.stats_csv = csv;
        reply.threshold = threshold;
        relais_access_t access = {.reader = env->user, .action = "reception-stats"};
        broker_logged_reply(w, env, &access, &reply, 0);
    }
    if (f)
        relais_reception_figures_destroy(&f->figures);
    free(f);
    free(json);
    free(csv);
    free(text);
}

void broker_reception_query(broker_worker_t *w, const broker_env_t *env, const relais_request_t *req)
{
    if (req->kind == RELAIS_REQ_RECEPTION_LIST)
        s_list(w, env, req);
    else if (req->kind == RELAIS_REQ_RECEPTION_SHOW)
        s_show(w, env, req);
    else
        s_figures(w, env, req);
}
