/* query.c -- case queries and the online audit, with need-to-know and an access record per read.
 *
 * Served by the verifier threads. A read of case or log content is answered only once its
 * AccessRecord (signed by the broker) is in the log: the reply travels with the record to
 * the writer, which sends it after the commit. Proofs and checkpoints reveal nothing of the
 * content and are answered at once.
 */
#include "broker_internal.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


#define S_CASE_LIST_MAX 5000      /* lines in one list page ... */
#define S_LIST_PAGE_BYTES (256 * 1024) /* ... and about this many bytes of them */
#define S_TIMELINE_PAGE_BYTES (256 * 1024) /* records of a case's timeline in one page */
#define S_EVENTS_MAX 5000         /* events in a case's history (the first page carries it whole) */
#define S_PAGE_RECORDS 256        /* records in one audit page */
#define S_PAGE_BYTES (512 * 1024) /* bytes in one audit page */

/* The data protection officer reads cases to serve the family's rights (access, rectification). */
static int s_sees_all(int role)
{
    return role == RELAIS_ROLE_COORDINATOR || role == RELAIS_ROLE_AUDITOR || role == RELAIS_ROLE_DPO;
}

/* The archived case's keys, each sealed to the officer: the KEK's layer taken off, one box after
 * the other. */
typedef struct {
    relais_broker_t *b;
    uint8_t *bytes;
    uint64_t *ids;
    size_t count;
} s_boxes_t;

static int s_box_add(void *ctx, uint64_t key_id, const uint8_t *wrapped, size_t len)
{
    s_boxes_t *boxes = ctx;
    uint8_t *bytes = realloc(boxes->bytes, (boxes->count + 1) * RELAIS_ARCHIVED_KEY_BYTES);
    if (bytes)
        boxes->bytes = bytes;
    uint64_t *ids = bytes ? realloc(boxes->ids, (boxes->count + 1) * sizeof *ids) : NULL;
    if (!ids)
        return RELAIS_E_NOMEM;
    boxes->ids = ids;
    int rc = relais_keyring_unwrap_archive(boxes->b->keyring, key_id, wrapped, len,
                                           bytes + boxes->count * RELAIS_ARCHIVED_KEY_BYTES);
    if (rc == 0)
        boxes->ids[boxes->count++] = key_id;
    return rc;
}

static void s_archive_opening(broker_worker_t *w, const broker_env_t *env, const relais_request_t *req,
                              const relais_lifecycle_t *lc);

/* Why a case the index does not hold is not there: it left the active base, or never was. The
 * data protection officer, with the record of an opening, gets an archived case sealed. */
static void s_case_missing(broker_worker_t *w, const broker_env_t *env, const relais_request_t *req,
                           const char *case_id)
{
    uint8_t *bytes = NULL;
    size_t len = 0;
    relais_lifecycle_t lc;
    int known = relais_store_lifecycle_get(w->b->store, case_id, &bytes, &len) == 0 &&
                relais_lifecycle_decode(bytes, len, &lc) == 0;
    free(bytes);
    if (known && lc.tier == RELAIS_TIER_ARCHIVED && env->role == RELAIS_ROLE_DPO && req->opening_seq)
        s_archive_opening(w, env, req, &lc);
    else if (known && lc.tier == RELAIS_TIER_ERASED)
        broker_send_error(w->to_intake, env, RELAIS_E_BAD_TRANSITION, NULL,
                          "%s was erased by record %llu: nothing of it is held any more", case_id,
                          (unsigned long long)lc.erased_seq);
    else if (known && lc.tier == RELAIS_TIER_ARCHIVED)
        broker_send_error(w->to_intake, env, RELAIS_E_BAD_TRANSITION, NULL,
                          "%s left the active base with record %llu: it is sealed for the data protection officer "
                          "and the hub can no longer read it",
                          case_id, (unsigned long long)lc.archived_seq);
    else
        broker_send_error(w->to_intake, env, RELAIS_E_MALFORMED, NULL, "there is no case %s; `relais case list` lists the cases, `relais case show R-<number>` finds the "
                          "case of a referral",
                          case_id);
}

/* ---- Access records ------------------------------------------------------------------------ */

/* Sends the access record to the writer with the reply it releases once stored. */
void broker_logged_reply(broker_worker_t *w, const broker_env_t *env, const relais_access_t *access,
                           const relais_reply_t *reply, unsigned flags)
{
    uint8_t *signed_msg = NULL, *bytes = NULL;
    size_t signed_len = 0, len = 0;
    int rc = reply ? relais_reply_encode(reply, &bytes, &len) : 0;
    if (rc == 0)
        rc = broker_access_sign(w->b, access, &signed_msg, &signed_len);
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
    broker_logged_reply(w, env, &access, NULL, BROKER_F_SUBSCRIBE);
}

/* ---- Cases: the coordinator's and the auditor's view ---------------------------------------- */

static int s_is_handle(const char *key)
{
    return strncmp(key, RELAIS_REFERRAL_HANDLE_PREFIX, sizeof RELAIS_REFERRAL_HANDLE_PREFIX - 1) == 0;
}

/* ---- Searches: case and accents folded ------------------------------------------------------ */

/* The texts a list searches for, folded once a request as the child key folds names
 * (relais_cases_normalise_name: case, Latin-1 and Latin Extended-A accents, runs of spaces,
 * hyphens and apostrophes), so that "college marie-curie" finds "Collège Marie Curie" and
 * "benali" finds "BÉNALI": people type names as they hear them. "" searches for nothing. */
typedef struct {
    char school[RELAIS_NAME_LEN];
    char referrer[RELAIS_NAME_LEN];
    char name[RELAIS_NAME_LEN];
} s_search_t;

static int s_search_fold(const relais_request_t *q, s_search_t *out)
{
    /* folding never makes a text longer, so a buffer of the filter's size holds it */
    int rc = relais_cases_normalise_name(q->school, out->school, sizeof out->school);
    if (rc == 0)
        rc = relais_cases_normalise_name(q->referrer, out->referrer, sizeof out->referrer);
    if (rc == 0)
        rc = relais_cases_normalise_name(q->name, out->name, sizeof out->name);
    return rc;
}

/* Whether `text`, folded, contains `folded` (a folded search text; "" is in every text). */
static int s_contains(const char *text, const char *folded)
{
    if (!folded[0])
        return 1;
    size_t cap = strlen(text) + 1;
    char small[2 * RELAIS_NAME_LEN], *buf = cap <= sizeof small ? small : malloc(cap);
    int hit = buf && relais_cases_normalise_name(text, buf, cap) == 0 && strstr(buf, folded) != NULL;
    if (buf != small)
        free(buf);
    return hit;
}


/* "family given..." or "given... family", so that either order of a full name is found. */
static int s_names_contain(const relais_referral_view_t *v, const char *folded, int family_first)
{
    size_t cap = strlen(v->family_name ? v->family_name : "") + 2;
    for (size_t i = 0; i < v->given_count; i++)
        cap += strlen(v->given_names[i]) + 1;
    char *all = malloc(cap);
    if (!all)
        return 0;
    all[0] = '\0';
    if (family_first && v->family_name)
        strcat(strcat(all, v->family_name), " ");
    for (size_t i = 0; i < v->given_count; i++)
        strcat(strcat(all, v->given_names[i]), " ");
    if (!family_first && v->family_name)
        strcat(all, v->family_name);
    int hit = s_contains(all, folded);
    free(all);
    return hit;
}

/* Whether the child's names, as referral `seq` gave them, contain the folded text. The referral
 * is opened for it: a name search reads the names the reader may see, which the index does not
 * keep (it has the child key and "Lina B." only). */
static int s_referral_names_match(relais_broker_t *b, uint64_t seq, const char *folded)
{
    uint8_t *record = NULL;
    size_t len = 0;
    relais_hash_t leaf;
    relais_message_t *msg = NULL;
    relais_referral_view_t v;
    int hit = broker_record_get_opened(b, broker_referral_record(b->store, seq), &record, &len, leaf) == 0 &&
              relais_record_message_decode(record, len, NULL, NULL, &msg) == 0 &&
              relais_message_referral(msg, &v) == 0 &&
              (s_names_contain(&v, folded, 1) || s_names_contain(&v, folded, 0));
    relais_message_destroy(&msg);
    free(record);
    return hit;
}

/* Every referral of the case names the child (they share its child key); the first that
 * matches is enough. */
static int s_case_names_match(relais_broker_t *b, const relais_case_record_t *rec, const char *folded)
{
    if (!folded[0])
        return 1;
    for (size_t i = 0; i < rec->referral_seq_count && i < RELAIS_MAX_REFERRERS; i++)
        if (s_referral_names_match(b, rec->referral_seqs[i], folded))
            return 1;
    return 0;
}

static int s_referrer_matches(const relais_case_record_t *rec, const char *folded)
{
    if (!folded[0])
        return 1;
    for (size_t i = 0; i < rec->summary.referrer_count; i++)
        if (s_contains(rec->summary.referrers[i], folded))
            return 1;
    for (size_t i = 0; i < rec->sender_count; i++)
        if (s_contains(rec->senders[i], folded))
            return 1;
    return 0;
}

/* The cheap filters first: a name search opens records. */
static int s_case_matches(relais_broker_t *b, const relais_request_t *q, const s_search_t *text,
                          const relais_case_record_t *rec)
{
    if (q->states && !(q->states & (1u << rec->summary.state)))
        return 0;
    if (q->urgency && rec->summary.urgency != q->urgency)
        return 0;
    if (!s_contains(rec->summary.school, text->school) || !s_referrer_matches(rec, text->referrer))
        return 0;
    if (q->overdue_only && !rec->summary.overdue)
        return 0;
    return s_case_names_match(b, rec, text->name);
}

/* ---- Cases: a partner's view of its referrals (the partner-view rule) ----------------------- */

/* What a referrer may know of its referral: the status the rule gives it, and what the referral
 * itself said (its urgency, the school, its organisation, the child as it named it); nothing
 * of the case it joined, not even the case's opening date. `rec` may be NULL (unreadable). */
static void s_referral_summary(const relais_referral_record_t *ref, const relais_case_record_t *rec,
                               relais_case_summary_t *out)
{
    relais_case_status_t st;
    relais_cases_referral_status(ref, rec, &st);
    memset(out, 0, sizeof *out);
    memcpy(out->case_id, st.case_id, sizeof out->case_id);
    out->state = st.state;
    out->task_status = st.task_status;
    memcpy(out->reason_code, st.reason_code, sizeof out->reason_code);
    out->updated_ms = st.updated_ms;
    out->opened_ms = ref->received_ms;
    out->urgency = ref->urgency;
    memcpy(out->school, ref->school, sizeof out->school);
    memcpy(out->child_display, ref->child_display, sizeof out->child_display);
    if (ref->organisation[0]) {
        memcpy(out->referrers[0], ref->organisation, sizeof out->referrers[0]);
        out->referrer_count = 1;
    }
    out->referral_count = 1;
}

/* A partner's filters apply to what it may see of its referral, nothing else: its status, its
 * own urgency, school and organisation, the child as its own referral named it. It sees no
 * deadline, so --overdue lists nothing. */
static int s_referral_matches(relais_broker_t *b, const relais_request_t *q, const s_search_t *text,
                              const relais_referral_record_t *ref, const relais_case_summary_t *s)
{
    if (q->states && !(q->states & (1u << s->state)))
        return 0;
    if (q->urgency && s->urgency != q->urgency)
        return 0;
    if (!s_contains(s->school, text->school))
        return 0;
    if (text->referrer[0] && !(s->referrer_count && s_contains(s->referrers[0], text->referrer)))
        return 0;
    if (q->overdue_only)
        return 0;
    return !text->name[0] || s_referral_names_match(b, ref->seq, text->name);
}

/* ---- Case list --------------------------------------------------------------------------------- */

typedef struct {
    const broker_env_t *env;     /* who asks */
    const relais_request_t *req; /* the filters */
    s_search_t text;             /* its texts, folded */
    relais_broker_t *b;          /* to open the referrals a name search reads */
    relais_store_t *store;       /* for the cases a partner's referrals joined */
    relais_case_summary_t *list; /* the lines kept (grown as needed) */
    size_t count;                /* how many */
    size_t room;                 /* room of `list` */
    size_t bytes;                /* about what they take on the wire */
    char last[RELAIS_CASE_ID_LEN]; /* the index key of the last line kept */
    int full;                    /* the page is full: the next one starts after `last` */
    const relais_cases_policy_t *policy; /* the hub's deadlines */
    int64_t now;                 /* for overdue */
    relais_cases_retention_t retention; /* the hub's retention periods (expiring_days) */
    int64_t sweep_now;           /* the sweep's time, which the retention counts in */
    int nomem;                   /* the list could not grow */
} s_list_t;

/* About what a line takes encoded: its texts and a little for the numbers and tags. */
static size_t s_line_bytes(const relais_case_summary_t *c)
{
    size_t n = 64 + strlen(c->case_id) + strlen(c->sub_status) + strlen(c->reason_code) + strlen(c->child_display) +
               strlen(c->school) + strlen(c->owner);
    for (size_t i = 0; i < c->referrer_count; i++)
        n += 2 + strlen(c->referrers[i]);
    return n;
}

static int s_list_add(s_list_t *l, const char *key, const relais_case_summary_t *line)
{
    size_t bytes = s_line_bytes(line);
    if (l->count == S_CASE_LIST_MAX || (l->count > 0 && l->bytes + bytes > S_LIST_PAGE_BYTES)) {
        l->full = 1;
        return 1;
    }
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
    l->list[l->count++] = *line;
    l->bytes += bytes;
    snprintf(l->last, sizeof l->last, "%s", key);
    return 0;
}

/* Whether the case's next lifecycle move falls within the days asked; sets its date. */
static int s_expiring(s_list_t *l, const char *case_id, relais_case_record_t *rec)
{
    uint8_t *bytes = NULL;
    size_t len = 0;
    relais_lifecycle_t lc;
    int64_t due = 0;
    if (relais_store_lifecycle_get(l->store, case_id, &bytes, &len) == 0 && relais_lifecycle_decode(bytes, len, &lc) == 0)
        relais_cases_sweep_move(&lc, &l->retention, l->sweep_now, &due);
    free(bytes);
    rec->summary.retention_due_ms = due;
    return due && due <= l->sweep_now + (int64_t)l->req->expiring_days * 24 * 3600 * 1000;
}

/* One entry of the case index: a case for the coordinator and the auditor, a referral of its
 * own for a partner. --mine keeps the cases the reader owns; a partner's lines are its own
 * referrals already, and carry no owner (the partner-view rule), so it changes nothing there. */
static int s_list_entry(void *ctx, const char *key, const uint8_t *value, size_t len)
{
    s_list_t *l = ctx;
    relais_case_record_t rec;
    if (s_sees_all(l->env->role)) {
        if (s_is_handle(key) || relais_case_record_decode(value, len, &rec) != 0)
            return 0;
        if (l->req->mine && strcmp(rec.summary.owner, l->env->user) != 0)
            return 0;
        relais_cases_deadline(&rec, l->policy, l->now);
        if (l->req->expiring_days && !s_expiring(l, key, &rec))
            return 0;
        if (rec.summary.duplicate_count)
            broker_case_live_duplicates(l->store, &rec.summary);
        return s_case_matches(l->b, l->req, &l->text, &rec) ? s_list_add(l, key, &rec.summary) : 0;
    }
    relais_referral_record_t ref;
    if (!s_is_handle(key) || relais_referral_record_decode(value, len, &ref) != 0 ||
        strcmp(ref.sender, l->env->user) != 0)
        return 0;
    relais_case_summary_t line;
    s_referral_summary(&ref, broker_case_load_current(l->store, ref.case_id, &rec) == 0 ? &rec : NULL, &line);
    return s_referral_matches(l->b, l->req, &l->text, &ref, &line) ? s_list_add(l, key, &line) : 0;
}

static void s_case_list(broker_worker_t *w, const broker_env_t *env, const relais_request_t *req)
{
    s_list_t l = {.env = env,
                  .req = req,
                  .b = w->b,
                  .store = w->b->store,
                  .policy = &w->b->policy,
                  .now = broker_now_ms(),
                  .retention = {(int64_t)w->b->opts.active_days * 24 * 3600 * 1000,
                                (int64_t)w->b->opts.archive_days * 24 * 3600 * 1000},
                  .sweep_now = broker_sweep_clock(w->b)};
    if (s_search_fold(req, &l.text) != 0) {
        broker_send_error(w->to_intake, env, RELAIS_E_MALFORMED, NULL, "a search text cannot be compared");
        return;
    }
    int rc = relais_store_case_iterate_after(w->b->store, req->after, s_list_entry, &l);
    if (l.nomem) {
        broker_send_error(w->to_intake, env, RELAIS_E_UNAVAILABLE, NULL, "out of memory");
    } else if (rc < 0) {
        broker_send_error(w->to_intake, env, rc, NULL, "the case index cannot be read");
    } else {
        relais_reply_t reply = {.request_id = env->request_id, .kind = RELAIS_REPLY_CASE_LIST};
        reply.cases = l.list;
        reply.case_count = l.count;
        if (l.full)
            memcpy(reply.next_case, l.last, sizeof reply.next_case);
        relais_access_t access = {.reader = env->user, .action = "case-list"};
        broker_logged_reply(w, env, &access, &reply, 0);
    }
    free(l.list);
}

/* ---- Case show: the coordinator's and the auditor's ------------------------------------------- */

/* Record `seq` as its reader gets it (opened from a sealed store), and its stored leaf's hash. */
int broker_record_get_opened(relais_broker_t *b, uint64_t seq, uint8_t **out, size_t *out_len, relais_hash_t leaf)
{
    uint8_t *stored = NULL;
    size_t len = 0;
    int rc = relais_store_get_record(b->store, seq, &stored, &len);
    if (rc == 0 && !b->keyring) {
        *out = stored;
        *out_len = len;
        return 0;
    }
    if (rc == 0)
        rc = broker_record_opened(b, stored, len, out, out_len, leaf);
    if (rc != 0 && rc != RELAIS_E_NOT_FOUND)
        broker_log("error", "record-unreadable", "seq=%llu code=%s", (unsigned long long)seq, relais_status_name(rc));
    free(stored);
    return rc;
}

typedef struct {
    broker_worker_t *w;          /* for the store */
    uint64_t from;               /* the first record of the page */
    uint8_t **records;           /* LogRecord bytes, owned (grown as needed), opened when sealed */
    size_t *lens;                /* their lengths */
    relais_hash_t *leaves;       /* from a sealed store: their stored leaves' hashes */
    size_t count, room;          /* how many, and room */
    size_t bytes;                /* their total */
    uint64_t next;               /* the first record left for the next page, 0 when none */
    int nomem;                   /* the page could not grow */
} s_timeline_t;

static int s_timeline_add(void *ctx, uint64_t seq, const uint8_t *status, size_t status_len)
{
    (void)status;
    (void)status_len;
    s_timeline_t *t = ctx;
    if (seq < t->from)
        return 0;
    if (t->count > 0 && t->bytes >= S_TIMELINE_PAGE_BYTES) {
        t->next = seq;
        return 1;
    }
    if (t->count == t->room) {
        size_t room = t->room ? 2 * t->room : 16;
        uint8_t **records = realloc(t->records, room * sizeof *records);
        size_t *lens = records ? realloc(t->lens, room * sizeof *lens) : NULL;
        relais_hash_t *leaves = lens ? realloc(t->leaves, room * sizeof *leaves) : NULL;
        if (records)
            t->records = records;
        if (lens)
            t->lens = lens;
        if (leaves)
            t->leaves = leaves;
        if (!records || !lens || !leaves) {
            t->nomem = 1;
            return 1;
        }
        t->room = room;
    }
    if (broker_record_get_opened(t->w->b, seq, &t->records[t->count], &t->lens[t->count], t->leaves[t->count]) == 0)
        t->bytes += t->lens[t->count++];
    return 0;
}

static void s_timeline_free(s_timeline_t *t)
{
    for (size_t i = 0; i < t->count; i++)
        free(t->records[i]);
    free(t->records);
    free(t->lens);
    free(t->leaves);
}

typedef struct {
    relais_case_event_t *events; /* the status after each event, in log order */
    size_t count;
} s_events_t;

static int s_event_add(void *ctx, uint64_t seq, const uint8_t *status, size_t len)
{
    s_events_t *e = ctx;
    if (e->count == S_EVENTS_MAX)
        return 1;
    if (relais_case_status_decode(status, len, &e->events[e->count].status) == 0)
        e->events[e->count++].seq = seq;
    return 0;
}

static void s_case_show_reply(broker_worker_t *w, const broker_env_t *env, relais_case_record_t *rec,
                              const relais_request_t *req)
{
    int first_page = req->from_seq == 0;
    s_timeline_t t = {.w = w, .from = req->from_seq};
    s_events_t e = {first_page && req->with_history ? calloc(S_EVENTS_MAX, sizeof(relais_case_event_t)) : NULL, 0};
    if (first_page && req->with_history && !e.events) {
        broker_send_error(w->to_intake, env, RELAIS_E_UNAVAILABLE, NULL, "out of memory");
        return;
    }
    broker_case_history_all(w->b->store, rec, s_timeline_add, &t);
    if (e.events)
        broker_case_history_all(w->b->store, rec, s_event_add, &e);
    if (t.nomem) {
        broker_send_error(w->to_intake, env, RELAIS_E_UNAVAILABLE, NULL, "out of memory");
        goto out_free;
    }
    relais_cases_deadline(rec, &w->b->policy, broker_now_ms());
    broker_case_live_duplicates(w->b->store, &rec->summary);
    relais_reply_t reply = {.request_id = env->request_id, .kind = RELAIS_REPLY_CASE_DETAIL};
    reply.cases = &rec->summary;
    reply.case_count = 1;
    reply.records = t.records;
    reply.record_lens = t.lens;
    reply.record_count = t.count;
    reply.leaf_hashes = w->b->keyring ? t.leaves : NULL;
    reply.leaf_hash_count = w->b->keyring ? t.count : 0;
    reply.next_seq = t.next;
    /* Only when asked: an older client refuses a reply field it does not know. */
    reply.events = e.events;
    reply.event_count = e.count;
    reply.followers = e.events ? rec->followers : NULL;
    reply.follower_count = e.events ? rec->follower_count : 0;
    relais_access_t access = {.reader = env->user, .action = "case-show", .case_id = rec->summary.case_id,
                              .from_seq = t.count ? req->from_seq : 0};
    broker_logged_reply(w, env, &access, &reply, 0);
out_free:
    s_timeline_free(&t);
    free(e.events);
}

/* ---- Case show: a partner's view of one of its referrals ------------------------------------- */

typedef struct {
    relais_store_t *store;                   /* for the referral entries */
    const relais_referral_record_t *ref;     /* the referral shown */
    const relais_case_follower_t *follower;  /* its entry when it follows the case, else NULL */
    relais_case_event_t *events;             /* what its referrer sees, in log order */
    size_t count;
} s_referral_history_t;

/* The referral's own arrival, then, while it follows the case, the case's status after each
 * later event that is no referral (another partner's, or another of its own, each with its
 * own handle). */
static int s_referral_event(void *ctx, uint64_t seq, const uint8_t *status, size_t len)
{
    s_referral_history_t *h = ctx;
    if (h->count == S_EVENTS_MAX)
        return 1;
    relais_case_event_t *ev = &h->events[h->count];
    relais_referral_record_t other;
    if (seq == h->ref->seq) {
        relais_cases_referral_arrival(seq, h->ref->received_ms, &ev->status);
    } else if (seq < h->ref->seq || !h->follower || seq < h->follower->since_seq ||
               relais_cases_referral_load(h->store, seq, &other) != RELAIS_E_NOT_FOUND ||
               relais_case_status_decode(status, len, &ev->status) != 0 || ev->status.rectification) {
        return 0;
    } else {
        relais_referral_handle(h->ref->seq, ev->status.case_id);
    }
    ev->seq = seq;
    h->count++;
    return 0;
}

static void s_referral_show(broker_worker_t *w, const broker_env_t *env, const relais_referral_record_t *ref,
                            const relais_request_t *req)
{
    int with_history = req->with_history && req->from_seq == 0; /* the first page carries it */
    relais_case_record_t rec;
    int loaded = broker_case_load(w->b->store, ref->case_id, &rec) == 0;
    s_referral_history_t h = {w->b->store, ref, loaded ? relais_cases_follower(&rec, ref->seq) : NULL,
                              with_history ? calloc(S_EVENTS_MAX, sizeof(relais_case_event_t)) : NULL, 0};
    /* A referral whose case was merged: what it saw of that case, then, from the merge on, what
     * it sees of the case it was merged into (the partner-view rule: never that case's past). */
    for (int hops = 0; loaded && rec.summary.merged_into[0] && hops <= RELAIS_MAX_MERGED; hops++) {
        if (with_history && h.events)
            relais_store_case_history(w->b->store, rec.summary.case_id, s_referral_event, &h);
        char next[RELAIS_CASE_ID_LEN];
        memcpy(next, rec.summary.merged_into, sizeof next);
        loaded = broker_case_load(w->b->store, next, &rec) == 0;
        h.follower = loaded ? relais_cases_follower(&rec, ref->seq) : NULL;
    }
    uint8_t *record = NULL;
    size_t record_len = 0;
    relais_hash_t leaf;
    if (with_history && !h.events) {
        broker_send_error(w->to_intake, env, RELAIS_E_UNAVAILABLE, NULL, "out of memory");
        return;
    }
    if (with_history && loaded)
        relais_store_case_history(w->b->store, rec.summary.case_id, s_referral_event, &h);
    relais_case_summary_t summary;
    s_referral_summary(ref, loaded ? &rec : NULL, &summary);
    /* The referral as its referrer sent it: after a split, the hub's copy (the first's key is gone). */
    int has_record = req->from_seq <= ref->seq &&
                     broker_record_get_opened(w->b, broker_referral_record(w->b->store, ref->seq), &record, &record_len, leaf) == 0;
    relais_reply_t reply = {.request_id = env->request_id, .kind = RELAIS_REPLY_CASE_DETAIL};
    reply.cases = &summary;
    reply.case_count = 1;
    reply.records = has_record ? &record : NULL;
    reply.record_lens = has_record ? &record_len : NULL;
    reply.record_count = has_record ? 1 : 0;
    reply.leaf_hashes = has_record && w->b->keyring ? &leaf : NULL;
    reply.leaf_hash_count = has_record && w->b->keyring ? 1 : 0;
    reply.events = h.events;
    reply.event_count = h.count;
    relais_access_t access = {.reader = env->user, .action = "case-show", .case_id = summary.case_id};
    broker_logged_reply(w, env, &access, &reply, 0);
    free(record);
    free(h.events);
}

/* ---- Case show: who asks for what ------------------------------------------------------------ */

static void s_case_show(broker_worker_t *w, const broker_env_t *env, const relais_request_t *req)
{
    uint64_t referral_seq = relais_referral_handle_seq(req->case_id);
    relais_referral_record_t ref;
    int rc = referral_seq ? relais_cases_referral_load(w->b->store, referral_seq, &ref) : RELAIS_E_NOT_FOUND;
    if (!s_sees_all(env->role)) {
        /* The same answer for a case id, another partner's referral and nothing at all: a
         * partner learns nothing by asking. */
        if (rc == RELAIS_E_NOT_FOUND || (rc == 0 && strcmp(ref.sender, env->user) != 0)) {
            broker_send_error(w->to_intake, env, RELAIS_E_FORBIDDEN, NULL,
                              "%s is not a referral of this identity; ask by your referral's handle (R-<number>)",
                              req->case_id);
        } else if (rc != 0) {
            broker_send_error(w->to_intake, env, rc, NULL, "the referral cannot be read");
        } else {
            s_referral_show(w, env, &ref, req);
        }
        return;
    }
    if (referral_seq && rc == RELAIS_E_NOT_FOUND) {
        broker_send_error(w->to_intake, env, RELAIS_E_MALFORMED, NULL, "there is no referral %s; `relais case list` lists the cases and their referrals", req->case_id);
        return;
    }
    if (referral_seq && rc != 0) {
        broker_send_error(w->to_intake, env, rc, NULL, "the referral cannot be read");
        return;
    }
    /* A handle shows the case its referral was filed in, or the case that one was merged into. */
    const char *case_id = referral_seq ? ref.case_id : req->case_id;
    relais_case_record_t rec;
    rc = referral_seq ? broker_case_load_current(w->b->store, case_id, &rec) : broker_case_load(w->b->store, case_id, &rec);
    if (rc == RELAIS_E_NOT_FOUND) {
        s_case_missing(w, env, req, case_id);
        return;
    }
    if (rc != 0) {
        broker_send_error(w->to_intake, env, rc, NULL, "the case cannot be read");
        return;
    }
    s_case_show_reply(w, env, &rec, req);
}

/* ---- The intermediate archive, opened by the data protection officer ----------------------- */

#define S_OPENING_MAX_AGE_MS (3600LL * 1000)

/* The opening record must be the officer's own, for this case, and recent: each opening is a
 * signed request with its legal reason, in the log before anything is read. */
static int s_opening_valid(broker_worker_t *w, const broker_env_t *env, const relais_request_t *req, char *why,
                           size_t cap)
{
    uint8_t *record = NULL;
    size_t len = 0;
    relais_message_t *msg = NULL;
    relais_log_record_t lr;
    relais_privacy_view_t p;
    int ok = relais_store_get_record(w->b->store, req->opening_seq, &record, &len) == 0 &&
             relais_record_message_decode(record, len, &lr, NULL, &msg) == 0 &&
             relais_message_privacy(msg, &p) == 0 && p.kind == RELAIS_PRIVACY_ARCHIVE_OPENED &&
             strcmp(p.case_id, req->case_id) == 0 && strcmp(relais_message_sender(msg), env->user) == 0;
    if (!ok)
        snprintf(why, cap, "record %llu is not this officer's opening of %s", (unsigned long long)req->opening_seq,
                 req->case_id);
    else if (broker_now_ms() - lr.received_ms > S_OPENING_MAX_AGE_MS)
        snprintf(why, cap, "the opening of record %llu is more than an hour old: open the archive again, with its "
                           "reason", (unsigned long long)req->opening_seq);
    relais_message_destroy(&msg);
    free(record);
    return ok && broker_now_ms() - lr.received_ms <= S_OPENING_MAX_AGE_MS;
}

typedef struct {
    uint64_t owner;           /* the case's number: its records are those sealed under its keys ... */
    const uint64_t *key_ids;  /* ... that the archive holds (not a key a split destroyed) */
    size_t key_count;
    uint8_t **records;
    size_t *lens;
    size_t count, room;
    int nomem;
} s_sealed_t;

static int s_box_of(const s_sealed_t *s, uint64_t key_id)
{
    for (size_t i = 0; i < s->key_count; i++)
        if (s->key_ids[i] == key_id)
            return 1;
    return 0;
}

/* A record of the archived case: sealed under its key, sent as stored. */
static int s_sealed_add(void *ctx, uint64_t seq, const uint8_t *record, size_t len, const relais_hash_t leaf)
{
    (void)seq;
    (void)leaf;
    s_sealed_t *s = ctx;
    relais_log_record_t lr;
    if (relais_log_record_decode(record, len, &lr) != 0 || !lr.key_id || relais_key_id_owner(lr.key_id) != s->owner ||
        !s_box_of(s, lr.key_id))
        return 0;
    if (s->count == s->room) {
        size_t room = s->room ? 2 * s->room : 16;
        uint8_t **records = realloc(s->records, room * sizeof *records);
        size_t *lens = records ? realloc(s->lens, room * sizeof *lens) : NULL;
        if (records)
            s->records = records;
        if (!records || !lens)
            return s->nomem = 1;
        s->lens = lens;
        s->room = room;
    }
    if (!(s->records[s->count] = malloc(len)))
        return s->nomem = 1;
    memcpy(s->records[s->count], record, len);
    s->lens[s->count++] = len;
    return 0;
}

static void s_archive_opening(broker_worker_t *w, const broker_env_t *env, const relais_request_t *req,
                              const relais_lifecycle_t *lc)
{
    char why[256];
    if (!s_opening_valid(w, env, req, why, sizeof why)) {
        broker_send_error(w->to_intake, env, RELAIS_E_FORBIDDEN, NULL, "%s", why);
        return;
    }
    uint64_t n = relais_cases_number(req->case_id);
    s_boxes_t boxes = {.b = w->b};
    int rc = relais_store_key_range(w->b->store, NULL, RELAIS_STORE_KEYS_ARCHIVED, relais_key_id_of(n, 0),
                                    relais_key_id_of(n, RELAIS_KEY_ID_PART_MAX), s_box_add, &boxes);
    if (rc == 0 && boxes.count == 0)
        rc = RELAIS_E_NOT_FOUND;
    /* The case's records: from its first (its id is that referral's number) to its last event. */
    s_sealed_t s = {.owner = n, .key_ids = boxes.ids, .key_count = boxes.count};
    if (rc == 0)
        rc = relais_store_iterate(w->b->store, n, lc->last_event_seq, s_sealed_add, &s);
    if (rc == 0 && s.nomem)
        rc = RELAIS_E_NOMEM;
    if (rc != 0) {
        broker_send_error(w->to_intake, env, RELAIS_E_UNAVAILABLE, NULL, "the archived case cannot be read");
    } else {
        relais_case_summary_t summary;
        memset(&summary, 0, sizeof summary);
        snprintf(summary.case_id, sizeof summary.case_id, "%s", req->case_id);
        relais_reply_t reply = {.request_id = env->request_id, .kind = RELAIS_REPLY_CASE_DETAIL};
        reply.cases = &summary;
        reply.case_count = 1;
        reply.records = s.records;
        reply.record_lens = s.lens;
        reply.record_count = s.count;
        reply.archived_key = boxes.bytes;
        reply.archived_key_len = boxes.count * RELAIS_ARCHIVED_KEY_BYTES;
        relais_access_t access = {.reader = env->user, .action = "archive-opening", .case_id = req->case_id,
                                  .from_seq = req->opening_seq};
        broker_logged_reply(w, env, &access, &reply, 0);
    }
    for (size_t i = 0; i < s.count; i++)
        free(s.records[i]);
    free(s.records);
    free(s.lens);
    free(boxes.bytes);
    free(boxes.ids);
}

/* ---- Partnership meetings: the coordinator's and the auditors' ----------------------------- */

#define S_MEETING_RECORDS_MAX 1000 /* records of one meeting shown (a meeting reviews tens of cases) */

/* A meeting's line: its id, its date (from the id: midnight UTC), how many cases it reviewed. */
static void s_meeting_summary(const char *meeting_id, relais_case_summary_t *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->case_id, sizeof out->case_id, "%s", meeting_id);
    struct tm tm = {0};
    if (relais_meeting_id_valid(meeting_id, NULL) && sscanf(meeting_id + 2, "%4d%2d%2d", &tm.tm_year, &tm.tm_mon,
                                                           &tm.tm_mday) == 3) {
        tm.tm_year -= 1900;
        tm.tm_mon -= 1;
        out->opened_ms = (int64_t)timegm(&tm) * 1000;
    }
}

static int s_meetings_allowed(broker_worker_t *w, const broker_env_t *env)
{
    if (env->role == RELAIS_ROLE_COORDINATOR || env->role == RELAIS_ROLE_AUDITOR)
        return 1;
    broker_send_error(w->to_intake, env, RELAIS_E_FORBIDDEN, NULL,
                      "the partnership meetings are the coordinator's and the auditors' to read");
    return 0;
}

typedef struct {
    relais_case_summary_t *list; /* a line per meeting (grown as needed) */
    size_t count, room;
    int nomem;
} s_meetings_t;

/* The index hands a meeting's records together: a new id is a new line, a repeat one more case. */
static int s_meeting_line(void *ctx, const char *meeting_id, uint64_t seq, const char *case_id)
{
    (void)seq;
    (void)case_id;
    s_meetings_t *m = ctx;
    if (m->count && strcmp(m->list[m->count - 1].case_id, meeting_id) == 0) {
        m->list[m->count - 1].referral_count++;
        return 0;
    }
    if (m->count == S_CASE_LIST_MAX)
        return 1;
    if (m->count == m->room) {
        size_t room = m->room ? 2 * m->room : 16;
        relais_case_summary_t *grown = realloc(m->list, room * sizeof *grown);
        if (!grown)
            return m->nomem = 1;
        m->list = grown;
        m->room = room;
    }
    s_meeting_summary(meeting_id, &m->list[m->count]);
    m->list[m->count++].referral_count = 1;
    return 0;
}

static void s_meeting_list(broker_worker_t *w, const broker_env_t *env)
{
    if (!s_meetings_allowed(w, env))
        return;
    s_meetings_t m = {0};
    int rc = relais_store_meeting_iterate(w->b->store, s_meeting_line, &m);
    if (m.nomem || rc < 0) {
        broker_send_error(w->to_intake, env, RELAIS_E_UNAVAILABLE, NULL, "the meetings' index cannot be read");
    } else {
        relais_reply_t reply = {.request_id = env->request_id, .kind = RELAIS_REPLY_CASE_LIST};
        reply.cases = m.list;
        reply.case_count = m.count;
        relais_access_t access = {.reader = env->user, .action = "meeting-list"};
        broker_logged_reply(w, env, &access, &reply, 0);
    }
    free(m.list);
}

typedef struct {
    relais_broker_t *b;
    relais_case_summary_t *cases; /* [0]: the meeting's; then the case of each record */
    uint8_t **records;            /* the records, opened */
    size_t *lens;
    relais_hash_t *leaves;
    size_t count, room;           /* records taken, and room (cases: one more) */
    uint64_t first, last;         /* their sequence numbers, for the access record */
    int nomem;                    /* the arrays could not grow */
} s_meeting_show_t;

static int s_meeting_grow(s_meeting_show_t *m)
{
    size_t room = m->room ? 2 * m->room : 16;
    relais_case_summary_t *cases = realloc(m->cases, (1 + room) * sizeof *cases);
    if (cases)
        m->cases = cases;
    uint8_t **records = cases ? realloc(m->records, room * sizeof *records) : NULL;
    if (records)
        m->records = records;
    size_t *lens = records ? realloc(m->lens, room * sizeof *lens) : NULL;
    if (lens)
        m->lens = lens;
    relais_hash_t *leaves = lens ? realloc(m->leaves, room * sizeof *leaves) : NULL;
    if (leaves)
        m->leaves = leaves;
    if (!leaves)
        return m->nomem = 1;
    m->room = room;
    return 0;
}

/* One record of the meeting, opened, and the case it is about as it stands now. A record whose
 * case cannot be read (it left the index in the meantime) is left out. */
static int s_meeting_record(void *ctx, const char *meeting_id, uint64_t seq, const char *case_id)
{
    (void)meeting_id;
    s_meeting_show_t *m = ctx;
    if (m->count == S_MEETING_RECORDS_MAX || (m->count == m->room && s_meeting_grow(m)))
        return 1;
    relais_case_record_t rec;
    if (broker_case_load(m->b->store, case_id, &rec) != 0)
        return 0;
    if (broker_record_get_opened(m->b, seq, &m->records[m->count], &m->lens[m->count], m->leaves[m->count]) != 0)
        return 0;
    relais_cases_deadline(&rec, &m->b->policy, broker_now_ms());
    m->cases[1 + m->count++] = rec.summary;
    m->first = m->first ? m->first : seq;
    m->last = seq;
    return 0;
}

static void s_meeting_show(broker_worker_t *w, const broker_env_t *env, const relais_request_t *req)
{
    if (!s_meetings_allowed(w, env))
        return;
    if (!relais_meeting_id_valid(req->case_id, NULL)) {
        char shown[RELAIS_CASE_ID_LEN * 4];
        relais_text_escape(req->case_id, strlen(req->case_id), shown, sizeof shown);
        broker_send_error(w->to_intake, env, RELAIS_E_MALFORMED, NULL,
                          "'%s' is not a meeting id; expected M-YYYYMMDD-tag, e.g. M-20261210-a3f9", shown);
        return;
    }
    s_meeting_show_t m = {.b = w->b};
    int rc = relais_store_meeting_records(w->b->store, req->case_id, s_meeting_record, &m);
    if (rc < 0 || m.nomem) {
        broker_send_error(w->to_intake, env, RELAIS_E_UNAVAILABLE, NULL, "the meeting cannot be read");
    } else if (m.count == 0) {
        broker_send_error(w->to_intake, env, RELAIS_E_MALFORMED, NULL,
                          "there is no meeting %s; `relais meeting list` lists the meetings", req->case_id);
    } else {
        s_meeting_summary(req->case_id, &m.cases[0]);
        m.cases[0].referral_count = (uint32_t)m.count;
        relais_reply_t reply = {.request_id = env->request_id, .kind = RELAIS_REPLY_CASE_DETAIL};
        reply.cases = m.cases;
        reply.case_count = 1 + m.count;
        reply.records = m.records;
        reply.record_lens = m.lens;
        reply.record_count = m.count;
        reply.leaf_hashes = w->b->keyring ? m.leaves : NULL;
        reply.leaf_hash_count = w->b->keyring ? m.count : 0;
        /* Named by the meeting (its records' cases are in the meetings' index, in clear). */
        relais_access_t access = {.reader = env->user, .action = "meeting-show", .case_id = req->case_id,
                                  .from_seq = m.first, .to_seq = m.last};
        broker_logged_reply(w, env, &access, &reply, 0);
    }
    for (size_t i = 0; m.records && i < m.count; i++)
        free(m.records[i]);
    free(m.cases);
    free(m.records);
    free(m.lens);
    free(m.leaves);
}

/* ---- The partnership's statistics ----------------------------------------------------------- */

#define S_STATS_THRESHOLD_FLOOR RELAIS_STATS_THRESHOLD_DEFAULT

typedef struct {
    relais_broker_t *b;
    relais_stats_t *stats;
    int rc;
} s_count_t;

static int s_count_case(void *ctx, const char *key, const uint8_t *value, size_t len)
{
    s_count_t *c = ctx;
    relais_case_record_t rec;
    relais_stats_case_t profile;
    /* A case merged into another is the same child: it is counted with the surviving case. */
    if (s_is_handle(key) || relais_case_record_decode(value, len, &rec) != 0 || rec.summary.merged_into[0])
        return 0;
    c->rc = broker_case_profile(c->b, &rec, &profile);
    if (c->rc == 0)
        c->rc = relais_stats_add(c->stats, &profile);
    return c->rc ? 1 : 0;
}

/* Counts over the active cases and the retired ones' stored counts; only what survives the
 * suppression leaves the hub. */
static void s_statistics(broker_worker_t *w, const broker_env_t *env, const relais_request_t *req)
{
    if (!s_sees_all(env->role)) {
        broker_send_error(w->to_intake, env, RELAIS_E_FORBIDDEN, NULL,
                          "the statistics are the coordinator's, the data protection officer's and the auditors'");
        return;
    }
    unsigned threshold = req->threshold > S_STATS_THRESHOLD_FLOOR ? req->threshold : S_STATS_THRESHOLD_FLOOR;
    s_count_t c = {.b = w->b};
    relais_stats_t *retired = NULL;
    char *json = NULL, *text = NULL;
    size_t text_len = 0;
    int rc = relais_stats_new(&c.stats);
    if (rc == 0)
        rc = relais_store_case_iterate(w->b->store, s_count_case, &c);
    if (rc == 0)
        rc = c.rc;
    if (rc == 0 && w->b->keyring)
        rc = broker_retired_stats(w->b, NULL, &retired);
    if (rc == 0 && retired)
        rc = relais_stats_merge(c.stats, retired);
    if (rc == 0)
        rc = relais_stats_publish_json(c.stats, threshold, &json);
    FILE *f = rc == 0 ? open_memstream(&text, &text_len) : NULL;
    if (rc == 0 && !f)
        rc = RELAIS_E_NOMEM;
    if (f) {
        rc = relais_stats_publish_text(c.stats, threshold, f);
        fclose(f);
    }
    if (rc != 0) {
        broker_send_error(w->to_intake, env, RELAIS_E_UNAVAILABLE, NULL, "the statistics cannot be counted");
    } else {
        relais_reply_t reply = {.request_id = env->request_id, .kind = RELAIS_REPLY_STATISTICS};
        reply.stats_json = json;
        reply.stats_text = text;
        reply.threshold = threshold;
        relais_access_t access = {.reader = env->user, .action = "statistics"};
        broker_logged_reply(w, env, &access, &reply, 0);
    }
    relais_stats_destroy(&c.stats);
    relais_stats_destroy(&retired);
    free(json);
    free(text);
}

/* ---- Audit --------------------------------------------------------------------------------- */

typedef struct {
    relais_broker_t *b;     /* to open sealed records */
    const broker_env_t *env; /* the reader: the register's records it may not read stay sealed */
    uint8_t **records;      /* page records, owned, opened when sealed */
    size_t *lens;           /* their lengths */
    relais_hash_t *leaves;  /* their stored leaves' hashes */
    size_t count;           /* how many */
    size_t bytes;      /* their total size */
    uint64_t last;     /* last sequence number taken */
} s_page_t;

static int s_page_add(void *ctx, uint64_t seq, const uint8_t *record, size_t len, const relais_hash_t leaf)
{
    s_page_t *p = ctx;
    if (p->count == S_PAGE_RECORDS || (p->count > 0 && p->bytes + len > S_PAGE_BYTES))
        return 1;
    uint8_t *copy = NULL;
    size_t copy_len = 0;
    int rc = broker_record_opened(p->b, record, len, &copy, &copy_len, NULL);
    broker_register_class_t reg;
    if (rc == 0 && p->env->role != RELAIS_ROLE_AUDITOR) {
        /* The register is the desk's: a reader of the log who may not read one of its records
         * gets it as stored (sealed, its leaf still checks), never opened. */
        broker_register_classify(p->b, seq, copy, copy_len, &reg);
        if (reg.is_register && !broker_register_readable(&reg, p->env->user, p->env->role)) {
            OPENSSL_cleanse(copy, copy_len);
            free(copy);
            copy = NULL;
            rc = RELAIS_E_NOT_FOUND;
        }
    }
    if (rc == RELAIS_E_NOT_FOUND && (copy = malloc(len))) {
        /* Its case left the active base (or it is not this reader's): the hub gives it as stored,
         * the auditor checks its leaf. */
        memcpy(copy, record, len);
        copy_len = len;
        rc = 0;
    }
    if (rc != 0)
        return rc;
    memcpy(p->leaves[p->count], leaf, sizeof p->leaves[p->count]);
    p->records[p->count] = copy;
    p->lens[p->count++] = copy_len;
    p->bytes += copy_len;
    p->last = seq;
    return 0;
}

static void s_audit_records(broker_worker_t *w, const broker_env_t *env, const relais_request_t *req)
{
    if (!s_sees_all(env->role)) {
        broker_send_error(w->to_intake, env, RELAIS_E_FORBIDDEN, NULL, "only the auditors, the coordinator and the data protection officer read the log");
        return;
    }
    uint64_t head = 0;
    relais_store_head(w->b->store, &head);
    uint64_t from = req->from_seq ? req->from_seq : 1;
    uint64_t to = req->to_seq && req->to_seq < head ? req->to_seq : head;
    s_page_t p = {w->b, env, calloc(S_PAGE_RECORDS, sizeof(uint8_t *)), calloc(S_PAGE_RECORDS, sizeof(size_t)),
                  calloc(S_PAGE_RECORDS, sizeof(relais_hash_t)), 0, 0, 0};
    int rc = p.records && p.lens && p.leaves ? 0 : RELAIS_E_NOMEM;
    if (rc == 0 && from <= to)
        rc = relais_store_iterate(w->b->store, from, to, s_page_add, &p);
    if (rc < 0) {
        broker_send_error(w->to_intake, env, rc, NULL, "the log cannot be read");
    } else {
        relais_reply_t reply = {.request_id = env->request_id, .kind = RELAIS_REPLY_RECORDS};
        reply.records = p.records;
        reply.record_lens = p.lens;
        reply.record_count = p.count;
        reply.leaf_hashes = w->b->keyring ? p.leaves : NULL;
        reply.leaf_hash_count = w->b->keyring ? p.count : 0;
        reply.next_seq = p.count && p.last < to ? p.last + 1 : 0;
        relais_access_t access = {.reader = env->user, .action = "audit-records", .from_seq = p.count ? from : 0,
                                  .to_seq = p.last};
        broker_logged_reply(w, env, &access, &reply, 0);
    }
    for (size_t i = 0; i < p.count; i++)
        free(p.records[i]);
    free(p.records);
    free(p.lens);
    free(p.leaves);
}

/* The latest checkpoint, or with a tree size the one signed at exactly that size. */
static void s_audit_checkpoint(broker_worker_t *w, const broker_env_t *env, const relais_request_t *req)
{
    relais_store_checkpoint_t cp;
    int rc = req->tree_size ? relais_store_checkpoint_get(w->b->store, req->tree_size, &cp)
                            : relais_store_checkpoint_latest(w->b->store, &cp);
    if (rc != 0 && req->tree_size) {
        broker_send_error(w->to_intake, env, rc == RELAIS_E_NOT_FOUND ? RELAIS_E_MALFORMED : RELAIS_E_UNAVAILABLE, NULL,
                          rc == RELAIS_E_NOT_FOUND ? "the hub signed no checkpoint of size %llu"
                                                   : "the checkpoint of size %llu cannot be read",
                          (unsigned long long)req->tree_size);
        return;
    }
    if (rc != 0) {
        broker_send_error(w->to_intake, env, RELAIS_E_UNAVAILABLE, NULL, "no checkpoint has been signed yet");
        return;
    }
    relais_reply_t reply = {.request_id = env->request_id, .kind = RELAIS_REPLY_CHECKPOINT};
    reply.tree_size = cp.size;
    memcpy(reply.root, cp.root, sizeof reply.root);
    reply.time_ms = cp.time_ms;
    reply.note = cp.note;
    /* The latest is served with its witnesses' cosignatures; a checkpoint asked by its size is
     * the note the store keeps, the same bytes offline and online. */
    char cosigned[RELAIS_NOTE_MAX];
    if (!req->tree_size && w->b->witnesses) {
        broker_cosigned_t info;
        snprintf(cosigned, sizeof cosigned, "%s", cp.note);
        broker_witnesses_cosign(w->b, cp.size, cosigned, sizeof cosigned, &info);
        reply.note = cosigned;
        reply.witnesses = info.witnesses;
        reply.cosigned_ms = info.newest_ms;
        reply.cosigned_size = info.newest_size;
    }
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
        s_audit_checkpoint(w, env, &req);
        break;
    case RELAIS_REQ_AUDIT_INCLUSION:
        s_audit_inclusion(w, env, &req);
        break;
    case RELAIS_REQ_AUDIT_CONSISTENCY:
        s_audit_consistency(w, env, &req);
        break;
    case RELAIS_REQ_STATS:
        s_statistics(w, env, &req);
        break;
    case RELAIS_REQ_MEETING_LIST:
        s_meeting_list(w, env);
        break;
    case RELAIS_REQ_MEETING_SHOW:
        s_meeting_show(w, env, &req);
        break;
    case RELAIS_REQ_RECEPTION_LIST:
    case RELAIS_REQ_RECEPTION_SHOW:
    case RELAIS_REQ_RECEPTION_STATS:
        broker_reception_query(w, env, &req);
        break;
    case RELAIS_REQ_LOST_LIST:
    case RELAIS_REQ_LOST_SHOW:
    case RELAIS_REQ_LOST_MATCH:
        broker_lost_query(w, env, &req);
        break;
    case RELAIS_REQ_DECREE_LIST:
    case RELAIS_REQ_DECREE_SHOW:
    case RELAIS_REQ_DECREE_IN_FORCE:
        broker_decree_query(w, env, &req);
        break;
    default:
        broker_send_error(w->to_intake, env, RELAIS_E_MALFORMED, NULL, "not a query");
        break;
    }
    relais_request_clear(&req);
}
