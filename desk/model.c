/* model.c -- the desk's cases, as its own feed brings them, in memory only.
 *
 * The coordinator's feed carries every record of a case in clear, with the case's status right
 * after it. The model folds them with the case rules the hub runs (relais_cases_open, _attach,
 * _update, _absorb), so that a case's urgency, triage clock and next review, and so its due date,
 * are the hub's; the state after each event is the one the hub sent, whatever the fold made of
 * it. The deadlines follow the policy the desk was given (the hub's, when its options are relaisd's),
 * at the time a list is made. A case archived or erased by the retention sweep leaves the model with its record.
 *
 * Nothing here is written anywhere: the names are in this process's memory, for the list and its
 * search, and go with it.
 *
 * For the charts, a case also keeps what the hub's case record does not: when each of its referrals
 * came and from which kind of referrer, and when its triage was decided against which deadline (a
 * deadline depends on the urgency and clock at that moment, which a later referral may change).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "desk_internal.h"

#define S_EVENTS 256 /* case events kept for the event streams */

/* A partnership meeting, for the calendar: its id, its date and the cases whose records the feed
 * brought (ids are in clear at the hub too: a date and a tag; docs/cases.md). */
typedef struct {
    char id[RELAIS_MEETING_ID_LEN];
    char date[11];
    char (*cases)[RELAIS_CASE_ID_LEN];
    size_t count, cap;
} s_meeting_t;

typedef struct {
    int64_t received_ms;
    int source; /* the referrer's ReferrerRole */
} s_referral_fact_t;

typedef struct {
    relais_case_record_t rec;
    char *family;       /* the child's names as its first referral gives them (corrections applied) */
    char *given;
    char *search;       /* what the search looks in, folded */
    s_referral_fact_t *referrals; /* its referrals, for the charts */
    size_t referral_count, referral_cap;
    int64_t triaged_ms;           /* its triage decision; 0 while none */
    int64_t triage_due_ms;        /* the deadline that decision was due by */
    relais_urgency_t triage_urgency;
    int due_known;      /* rec.summary.due_ms is the policy's for the record as it is */
} s_case_t;

struct desk_model {
    pthread_mutex_t lock;
    pthread_cond_t changed; /* an event came, or the desk stops */
    s_case_t **cases;       /* by case number */
    size_t count, cap;
    desk_feed_state_t feed;
    desk_event_t events[S_EVENTS];
    uint64_t head;          /* events so far; the last S_EVENTS are in events[n % S_EVENTS] */
    int woken;
    relais_cases_policy_t policy;
    int facts_lost;         /* a chart's fact could not be kept (memory) */
    s_meeting_t *meetings;  /* by id, which begins with the date */
    size_t meeting_count, meeting_cap;
    int meetings_incomplete; /* memory ran out keeping one */
};

int desk_model_new(const relais_cases_policy_t *policy, desk_model_t **out)
{
    desk_model_t *m = calloc(1, sizeof *m);
    if (!m)
        return relais_status_set(RELAIS_E_NOMEM, "the desk's model");
    pthread_mutex_init(&m->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&m->changed, &attr);
    pthread_condattr_destroy(&attr);
    m->policy = *policy;
    *out = m;
    return 0;
}

static void s_case_free(s_case_t *c)
{
    if (!c)
        return;
    if (c->family)
        sodium_memzero(c->family, strlen(c->family));
    if (c->given)
        sodium_memzero(c->given, strlen(c->given));
    if (c->search)
        sodium_memzero(c->search, strlen(c->search));
    free(c->family);
    free(c->given);
    free(c->search);
    free(c->referrals);
    sodium_memzero(c, sizeof *c);
    free(c);
}

void desk_model_free(desk_model_t **m_p)
{
    desk_model_t *m = m_p ? *m_p : NULL;
    if (!m)
        return;
    for (size_t i = 0; i < m->count; i++)
        s_case_free(m->cases[i]);
    free(m->cases);
    for (size_t i = 0; i < m->meeting_count; i++)
        free(m->meetings[i].cases);
    free(m->meetings);
    pthread_cond_destroy(&m->changed);
    pthread_mutex_destroy(&m->lock);
    free(m);
    *m_p = NULL;
}

/* ---- Finding a case ------------------------------------------------------------------------------ */

static size_t s_index(const desk_model_t *m, uint64_t n)
{
    size_t lo = 0, hi = m->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (relais_cases_number(m->cases[mid]->rec.summary.case_id) < n)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static s_case_t *s_find(const desk_model_t *m, const char *case_id)
{
    uint64_t n = relais_cases_number(case_id);
    size_t at = n ? s_index(m, n) : m->count;
    return at < m->count && relais_cases_number(m->cases[at]->rec.summary.case_id) == n ? m->cases[at] : NULL;
}

static s_case_t *s_insert(desk_model_t *m, s_case_t *c)
{
    if (m->count == m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 64;
        s_case_t **grown = realloc(m->cases, cap * sizeof *grown);
        if (!grown)
            return NULL;
        m->cases = grown;
        m->cap = cap;
    }
    size_t at = s_index(m, relais_cases_number(c->rec.summary.case_id));
    memmove(&m->cases[at + 1], &m->cases[at], (m->count - at) * sizeof *m->cases);
    m->cases[at] = c;
    m->count++;
    return c;
}

static void s_meetings_forget(desk_model_t *m, const char *case_id);

static void s_remove(desk_model_t *m, const char *case_id)
{
    s_meetings_forget(m, case_id);
    s_case_t *c = s_find(m, case_id);
    if (!c)
        return;
    size_t at = s_index(m, relais_cases_number(case_id));
    memmove(&m->cases[at], &m->cases[at + 1], (m->count - at - 1) * sizeof *m->cases);
    m->count--;
    s_case_free(c);
}

/* ---- What the search looks in -------------------------------------------------------------------- */

static void s_append(char **text, size_t *len, const char *part)
{
    if (!*text || !part || !*part)
        return;
    size_t n = strlen(part);
    char *grown = realloc(*text, *len + n + 2);
    if (!grown) {
        free(*text);
        *text = NULL;
        return;
    }
    *text = grown;
    memcpy(*text + *len, part, n);
    (*text)[*len + n] = ' ';
    (*text)[*len + n + 1] = '\0';
    *len += n + 1;
}

/* The child's names, the school, the referrers, the case id and its owner, folded as the hub folds
 * names (case and accents), with a space between and around them. */
static void s_index_text(s_case_t *c)
{
    const relais_case_summary_t *s = &c->rec.summary;
    size_t len = 1;
    char *raw = strdup(" ");
    s_append(&raw, &len, c->family);
    s_append(&raw, &len, c->given);
    s_append(&raw, &len, s->school);
    for (size_t i = 0; i < s->referrer_count && i < RELAIS_MAX_REFERRERS; i++)
        s_append(&raw, &len, s->referrers[i]);
    s_append(&raw, &len, s->case_id);
    s_append(&raw, &len, s->owner);
    if (c->search) {
        sodium_memzero(c->search, strlen(c->search));
        free(c->search);
    }
    c->search = NULL;
    if (!raw)
        return;
    size_t cap = 2 * len + 16; /* folding never lengthens by more than "œ" -> "oe" */
    char *folded = malloc(cap);
    if (folded && relais_text_fold(raw, folded + 1, cap - 2) == 0) {
        folded[0] = ' ';
        size_t n = strlen(folded);
        folded[n] = ' ';
        folded[n + 1] = '\0';
        c->search = folded;
    } else {
        free(folded);
    }
    sodium_memzero(raw, len);
    free(raw);
}

static char *s_join_given(const relais_referral_view_t *ref)
{
    size_t len = 1;
    for (size_t i = 0; i < ref->given_count; i++)
        len += strlen(ref->given_names[i]) + 1;
    char *out = calloc(1, len);
    for (size_t i = 0; out && i < ref->given_count; i++) {
        if (i)
            strcat(out, " ");
        strcat(out, ref->given_names[i]);
    }
    return out;
}

/* ---- The fold ------------------------------------------------------------------------------------- */

static void s_referral(desk_model_t *m, const relais_delivery_t *d, const relais_message_t *msg, int64_t received_ms)
{
    relais_referral_view_t ref;
    if (!d->has_status || relais_message_referral(msg, &ref) != 0)
        return;
    s_case_t *c = s_find(m, d->status.case_id);
    if (c) {
        relais_cases_attach(&c->rec, &ref, relais_message_sender(msg), d->seq, received_ms);
        c->due_known = 0;
        return;
    }
    c = calloc(1, sizeof *c);
    if (!c)
        return;
    static const uint8_t no_key[32]; /* the child key is the hub's, never the desk's */
    relais_cases_open(&ref, no_key, relais_message_sender(msg), d->seq, received_ms, &c->rec);
    /* The hub names the case; a split's copy opens C-<its own number> as a referral does. */
    snprintf(c->rec.summary.case_id, sizeof c->rec.summary.case_id, "%s", d->status.case_id);
    c->family = strdup(ref.family_name ? ref.family_name : "");
    c->given = s_join_given(&ref);
    for (size_t i = 0; i < d->duplicate_count && i < RELAIS_MAX_DUPLICATES; i++)
        snprintf(c->rec.summary.duplicates[i], RELAIS_CASE_ID_LEN, "%s", d->duplicates[i]);
    c->rec.summary.duplicate_count = d->duplicate_count < RELAIS_MAX_DUPLICATES ? d->duplicate_count
                                                                                 : RELAIS_MAX_DUPLICATES;
    if (!s_insert(m, c))
        s_case_free(c);
}

static void s_dismiss(relais_case_summary_t *s, const char *other)
{
    for (size_t i = 0; i < s->duplicate_count; i++) {
        if (strcmp(s->duplicates[i], other) != 0)
            continue;
        memmove(s->duplicates[i], s->duplicates[i + 1], (s->duplicate_count - i - 1) * sizeof s->duplicates[0]);
        s->duplicate_count--;
        return;
    }
}

static void s_update(desk_model_t *m, const relais_delivery_t *d, const relais_message_t *msg, int64_t received_ms)
{
    relais_case_update_view_t u;
    if (relais_message_case_update(msg, &u) != 0)
        return;
    s_case_t *c = s_find(m, u.case_id);
    if (!c)
        return;
    if (u.merge_into && u.merge_into[0]) {
        s_case_t *into = s_find(m, u.merge_into);
        if (into) {
            relais_cases_absorb(&into->rec, &c->rec, d->seq, received_ms);
            into->due_known = 0;
        }
        c->due_known = 0;
        c->rec.summary.state = RELAIS_CASE_ENTERED_IN_ERROR;
        snprintf(c->rec.summary.merged_into, sizeof c->rec.summary.merged_into, "%s", u.merge_into);
        c->rec.summary.updated_ms = received_ms;
        c->rec.last_seq = d->seq;
        if (into)
            s_index_text(into);
        return;
    }
    int closed = 0;
    char why[256];
    relais_cases_update(&c->rec, &u, d->seq, received_ms, &closed, why, sizeof why);
    c->due_known = 0;
    if (u.dismiss_duplicate && u.dismiss_duplicate[0])
        s_dismiss(&c->rec.summary, u.dismiss_duplicate);
    if (u.split_referral && u.split_referral[0] && c->rec.summary.referral_count > 1)
        c->rec.summary.referral_count--; /* the referral moved out opens a case of its own next */
}

/* ---- The meetings, for the calendar ------------------------------------------------------------- */

/* Records that meeting `mv` reviewed its case. Errors: RELAIS_E_NOMEM, RELAIS_E_INVALID (an id or a
 * date the hub would have refused). */
static int s_meeting_keep(desk_model_t *m, const relais_meeting_view_t *mv)
{
    if (!mv->meeting_id || !mv->date || !relais_meeting_id_valid(mv->meeting_id, mv->date) ||
        strlen(mv->case_id) >= RELAIS_CASE_ID_LEN)
        return relais_status_set(RELAIS_E_INVALID, "a meeting's record the hub would not have taken");
    size_t at = 0;
    while (at < m->meeting_count && strcmp(m->meetings[at].id, mv->meeting_id) < 0)
        at++;
    if (at == m->meeting_count || strcmp(m->meetings[at].id, mv->meeting_id) != 0) {
        if (m->meeting_count == m->meeting_cap) {
            size_t cap = m->meeting_cap ? 2 * m->meeting_cap : 16;
            s_meeting_t *grown = realloc(m->meetings, cap * sizeof *grown);
            if (!grown)
                return relais_status_set(RELAIS_E_NOMEM, "the meetings");
            m->meetings = grown;
            m->meeting_cap = cap;
        }
        memmove(&m->meetings[at + 1], &m->meetings[at], (m->meeting_count - at) * sizeof *m->meetings);
        m->meetings[at] = (s_meeting_t){0};
        snprintf(m->meetings[at].id, sizeof m->meetings[at].id, "%s", mv->meeting_id);
        snprintf(m->meetings[at].date, sizeof m->meetings[at].date, "%s", mv->date);
        m->meeting_count++;
    }
    s_meeting_t *mt = &m->meetings[at];
    for (size_t i = 0; i < mt->count; i++)
        if (strcmp(mt->cases[i], mv->case_id) == 0)
            return 0;
    if (mt->count == mt->cap) {
        size_t cap = mt->cap ? 2 * mt->cap : 8;
        char(*grown)[RELAIS_CASE_ID_LEN] = realloc(mt->cases, cap * sizeof *grown);
        if (!grown)
            return relais_status_set(RELAIS_E_NOMEM, "a meeting's cases");
        mt->cases = grown;
        mt->cap = cap;
    }
    snprintf(mt->cases[mt->count++], RELAIS_CASE_ID_LEN, "%s", mv->case_id);
    return 0;
}

/* A case leaving the active base takes its meetings' records with it, as the hub's index does; a
 * meeting left with no case goes too. */
static void s_meetings_forget(desk_model_t *m, const char *case_id)
{
    for (size_t i = 0; i < m->meeting_count;) {
        s_meeting_t *mt = &m->meetings[i];
        for (size_t j = 0; j < mt->count; j++) {
            if (strcmp(mt->cases[j], case_id) != 0)
                continue;
            memmove(mt->cases[j], mt->cases[j + 1], (mt->count - j - 1) * sizeof mt->cases[0]);
            mt->count--;
            break;
        }
        if (mt->count) {
            i++;
            continue;
        }
        free(mt->cases);
        memmove(mt, mt + 1, (m->meeting_count - i - 1) * sizeof *mt);
        m->meeting_count--;
    }
}

static void s_meeting(desk_model_t *m, const relais_delivery_t *d, const relais_message_t *msg, int64_t received_ms)
{
    relais_meeting_view_t mv;
    if (relais_message_meeting(msg, &mv) != 0)
        return;
    s_case_t *c = s_find(m, mv.case_id);
    if (!c)
        return;
    relais_case_update_view_t note = {.case_id = mv.case_id,
                                      .from_state = c->rec.summary.state,
                                      .to_state = c->rec.summary.state,
                                      .next_review_date = mv.next_review_date};
    int closed = 0;
    char why[256];
    if (relais_cases_update(&c->rec, &note, d->seq, received_ms, &closed, why, sizeof why) == 0 &&
        s_meeting_keep(m, &mv) != 0)
        m->meetings_incomplete = 1;
    c->due_known = 0;
}

/* The child's display ("Lina B. (2014)") made again from the names the model holds and the year
 * the display had, or `year` when given. */
static void s_redisplay(s_case_t *c, const char *year)
{
    char first[RELAIS_NAME_LEN], birth[8] = "";
    snprintf(first, sizeof first, "%s", c->given ? c->given : "");
    first[strcspn(first, " ")] = '\0'; /* the display takes the first given name */
    const char *paren = strrchr(c->rec.summary.child_display, '(');
    if (year)
        snprintf(birth, sizeof birth, "%.4s", year);
    else if (paren && strlen(paren) >= 5)
        snprintf(birth, sizeof birth, "%.4s", paren + 1);
    const char *given[1] = {first};
    relais_referral_view_t view = {.family_name = c->family ? c->family : "",
                                   .given_names = given,
                                   .given_count = first[0] ? 1 : 0,
                                   .birth_date = birth};
    relais_cases_child_display(&view, c->rec.summary.child_display, sizeof c->rec.summary.child_display);
}

/* A correction of the child in the referral that opened a case: the list shows it. */
static void s_rectified(desk_model_t *m, const relais_privacy_view_t *p)
{
    for (size_t i = 0; i < m->count; i++) {
        s_case_t *c = m->cases[i];
        if (!c->rec.referral_seq_count || c->rec.referral_seqs[0] != p->record_seq)
            continue;
        const char *value = p->value ? p->value : "";
        char **names = strcmp(p->field, "child.family_name") == 0   ? &c->family
                       : strcmp(p->field, "child.given_names") == 0 ? &c->given
                                                                    : NULL;
        if (names) {
            free(*names);
            *names = strdup(value);
            s_redisplay(c, NULL);
        } else if (strcmp(p->field, "child.birth_date") == 0 && strlen(value) >= 4) {
            s_redisplay(c, value);
        } else if (strcmp(p->field, "child.school") == 0) {
            relais_cases_copy_text(c->rec.summary.school, sizeof c->rec.summary.school, value);
        }
        s_index_text(c);
        return;
    }
}

static void s_privacy(desk_model_t *m, const relais_message_t *msg)
{
    relais_privacy_view_t p;
    if (relais_message_privacy(msg, &p) != 0 || !p.case_id)
        return;
    if (p.kind == RELAIS_PRIVACY_ARCHIVED || p.kind == RELAIS_PRIVACY_ERASED)
        s_remove(m, p.case_id); /* out of the active base: out of the desk */
    else if (p.kind == RELAIS_PRIVACY_RECTIFIED && p.field)
        s_rectified(m, &p);
}

/* The hub's word on where the case stands after the event. */
static void s_status(desk_model_t *m, const relais_delivery_t *d, const relais_message_t *msg, int64_t received_ms)
{
    s_case_t *c = d->has_status ? s_find(m, d->status.case_id) : NULL;
    if (!c)
        return;
    relais_case_summary_t *s = &c->rec.summary;
    if (d->status.state && s->state != d->status.state) {
        if (d->status.state == RELAIS_CASE_PAUSED)
            c->rec.paused_from = s->state;
        s->state = d->status.state;
    }
    c->due_known = 0;
    s->task_status = d->status.task_status;
    snprintf(s->reason_code, sizeof s->reason_code, "%s", d->status.reason_code);
    if (d->status.updated_ms)
        s->updated_ms = d->status.updated_ms;
    if (d->seq > c->rec.last_seq)
        c->rec.last_seq = d->seq;
    s_index_text(c);
    desk_event_t *ev = &m->events[m->head % S_EVENTS];
    ev->seq = d->seq;
    snprintf(ev->case_id, sizeof ev->case_id, "%s", s->case_id);
    ev->state = s->state;
    ev->received_ms = received_ms;
    ev->kind = relais_message_payload(msg);
    snprintf(ev->sender, sizeof ev->sender, "%s", relais_message_sender(msg) ? relais_message_sender(msg) : "");
    m->head++;
    pthread_cond_broadcast(&m->changed);
}

/* ---- What the charts keep ------------------------------------------------------------------------ */

/* Where the case of a delivery stood before it: waiting for its triage, and by when. */
typedef struct {
    int waiting;
    int64_t due_ms;
    relais_urgency_t urgency;
} s_before_t;

static int s_waits_for_triage(relais_case_state_t st)
{
    return st == RELAIS_CASE_SUBMITTED || st == RELAIS_CASE_TRIAGE;
}

/* A state a triage decides: a pause keeps the case waiting, and a case entered in error was never
 * to be triaged. */
static int s_decided(relais_case_state_t st)
{
    return st != RELAIS_CASE_UNSPECIFIED && !s_waits_for_triage(st) && st != RELAIS_CASE_PAUSED &&
           st != RELAIS_CASE_ENTERED_IN_ERROR;
}

static void s_before(desk_model_t *m, const relais_delivery_t *d, s_before_t *out)
{
    memset(out, 0, sizeof *out);
    const s_case_t *c = d->has_status ? s_find(m, d->status.case_id) : NULL;
    if (!c || c->triaged_ms || !s_waits_for_triage(c->rec.summary.state))
        return;
    out->waiting = 1;
    out->due_ms = relais_cases_due_ms(&c->rec, &m->policy);
    out->urgency = c->rec.summary.urgency;
}

static int s_keep_referral(s_case_t *c, int64_t received_ms, int source)
{
    if (c->referral_count == c->referral_cap) {
        size_t cap = c->referral_cap ? 2 * c->referral_cap : 2;
        s_referral_fact_t *grown = realloc(c->referrals, cap * sizeof *grown);
        if (!grown)
            return relais_status_set(RELAIS_E_NOMEM, "the charts' referrals");
        c->referrals = grown;
        c->referral_cap = cap;
    }
    c->referrals[c->referral_count++] = (s_referral_fact_t){received_ms, source};
    return 0;
}

/* After the fold: the referral the delivery brought (not a split's copy: the referral it copies was
 * counted when it came), and the case's triage decision when this was it. */
static void s_charted(desk_model_t *m, const relais_delivery_t *d, const relais_message_t *msg,
                      const relais_log_record_t *lr, const s_before_t *before)
{
    s_case_t *c = d->has_status ? s_find(m, d->status.case_id) : NULL;
    if (!c)
        return;
    relais_referral_view_t ref;
    if (relais_message_payload(msg) == RELAIS_PAYLOAD_REFERRAL && !lr->copy_of &&
        relais_message_referral(msg, &ref) == 0 && s_keep_referral(c, lr->received_ms, ref.referrer_role) != 0)
        m->facts_lost = 1;
    if (before->waiting && s_decided(c->rec.summary.state)) {
        c->triaged_ms = lr->received_ms;
        c->triage_due_ms = before->due_ms;
        c->triage_urgency = before->urgency;
    }
}

/* ---- A delivery --------------------------------------------------------------------------------- */

void desk_model_apply(desk_model_t *m, const relais_delivery_t *d)
{
    relais_log_record_t lr;
    relais_message_t *msg = NULL;
    pthread_mutex_lock(&m->lock);
    m->feed.last_seq = d->seq;
    m->feed.last_ms = relais_cli_now_ms();
    m->feed.hub_up = 1;
    if (d->record && relais_record_message_decode(d->record, d->record_len, &lr, NULL, &msg) == 0) {
        s_before_t before;
        s_before(m, d, &before);
        switch (relais_message_payload(msg)) {
        case RELAIS_PAYLOAD_REFERRAL: s_referral(m, d, msg, lr.received_ms); break;
        case RELAIS_PAYLOAD_CASE_UPDATE: s_update(m, d, msg, lr.received_ms); break;
        case RELAIS_PAYLOAD_MEETING: s_meeting(m, d, msg, lr.received_ms); break;
        case RELAIS_PAYLOAD_PRIVACY: s_privacy(m, msg); break;
        default: break;
        }
        s_status(m, d, msg, lr.received_ms);
        s_charted(m, d, msg, &lr, &before);
    }
    relais_message_destroy(&msg);
    m->feed.case_count = m->count;
    pthread_mutex_unlock(&m->lock);
}

void desk_model_set_feed(desk_model_t *m, int caught_up, int hub_up, const char *trouble)
{
    pthread_mutex_lock(&m->lock);
    int was = m->feed.caught_up;
    m->feed.caught_up |= caught_up;
    m->feed.hub_up = hub_up;
    snprintf(m->feed.trouble, sizeof m->feed.trouble, "%s", trouble ? trouble : "");
    if (!was && m->feed.caught_up)
        pthread_cond_broadcast(&m->changed);
    pthread_mutex_unlock(&m->lock);
}

void desk_model_feed_state(desk_model_t *m, desk_feed_state_t *out)
{
    pthread_mutex_lock(&m->lock);
    *out = m->feed;
    pthread_mutex_unlock(&m->lock);
}

/* ---- The list -------------------------------------------------------------------------------------- */

/* The case's due date and whether it is overdue at `now_ms`. The due date is a function of the
 * record and the policy alone, so it is worked out again only when a record changed the case:
 * an urgent case's working hours go day by day through mktime(), which costs a list of 10,000
 * cases milliseconds each time it is made. */
static void s_deadline(const desk_model_t *m, s_case_t *c, int64_t now_ms)
{
    if (!c->due_known) {
        c->rec.summary.due_ms = relais_cases_due_ms(&c->rec, &m->policy);
        c->due_known = 1;
    }
    c->rec.summary.overdue = c->rec.summary.due_ms > 0 && now_ms > c->rec.summary.due_ms;
}

/* A case's line; its deadline is made beforehand (s_deadline). */
static void s_row(const s_case_t *c, desk_row_t *r)
{
    const relais_case_summary_t *s = &c->rec.summary;
    memset(r, 0, sizeof *r);
    snprintf(r->case_id, sizeof r->case_id, "%s", s->case_id);
    r->state = s->state;
    r->paused_from = c->rec.paused_from;
    r->urgency = s->urgency;
    snprintf(r->child, sizeof r->child, "%s", s->child_display);
    snprintf(r->school, sizeof r->school, "%s", s->school);
    for (size_t i = 0; i < s->referrer_count && i < RELAIS_MAX_REFERRERS; i++) {
        size_t used = strlen(r->referrers);
        snprintf(r->referrers + used, sizeof r->referrers - used, "%s%s", i ? ", " : "", s->referrers[i]);
    }
    snprintf(r->owner, sizeof r->owner, "%s", s->owner);
    r->opened_ms = s->opened_ms;
    r->updated_ms = s->updated_ms;
    r->due_ms = s->due_ms;
    r->overdue = s->overdue;
    r->duplicate_count = s->duplicate_count;
    r->last_seq = c->rec.last_seq;
}

/* Every word of the search (folded) is somewhere in the case's text. */
static int s_matches(const s_case_t *c, char *const *words, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!c->search || !strstr(c->search, words[i]))
            return 0;
    return 1;
}

static int s_keep(const s_case_t *c, const desk_filter_t *f)
{
    relais_case_state_t st = c->rec.summary.state;
    if (f->states)
        return (f->states & (1u << st)) != 0;
    return f->all || relais_cases_state_is_open(st);
}

/* What the list's order looks at, and the case: sorting these rather than whole lines keeps a
 * page of 100 out of 10,000 cases from copying and moving the 10,000 lines. */
typedef struct {
    int overdue;
    int64_t due_ms;
    uint64_t number;
    const s_case_t *c;
} s_key_t;

static int s_by_urgency_of_work(const void *pa, const void *pb)
{
    const s_key_t *a = pa, *b = pb;
    if (a->overdue != b->overdue)
        return a->overdue ? -1 : 1;
    if (a->due_ms != b->due_ms)
        return !a->due_ms ? 1 : !b->due_ms ? -1 : a->due_ms < b->due_ms ? -1 : 1;
    return a->number < b->number ? -1 : a->number > b->number;
}

#define S_MAX_WORDS 8

/* The folded words of `search` (into `words`, pointing into *folded, which the caller frees). */
static int s_words(const char *search, char **folded, char **words, size_t *nwords)
{
    *folded = NULL;
    *nwords = 0;
    if (!search || !*search)
        return 0;
    size_t cap = 2 * strlen(search) + 16;
    *folded = malloc(cap);
    if (!*folded)
        return relais_status_set(RELAIS_E_NOMEM, "the search");
    if (relais_text_fold(search, *folded, cap) != 0)
        (*folded)[0] = '\0';
    char *save = NULL;
    for (char *w = strtok_r(*folded, " ", &save); w && *nwords < S_MAX_WORDS; w = strtok_r(NULL, " ", &save))
        words[(*nwords)++] = w;
    return 0;
}

int desk_model_page(desk_model_t *m, const desk_filter_t *f, int64_t now_ms, size_t *first, size_t max,
                    desk_row_t **rows, size_t *count, size_t *total)
{
    char *words[S_MAX_WORDS];
    size_t nwords = 0;
    char *folded = NULL;
    *rows = NULL;
    *count = 0;
    *total = 0;
    int rc = s_words(f->search, &folded, words, &nwords);
    if (rc)
        return rc;
    pthread_mutex_lock(&m->lock);
    s_key_t *keys = m->count ? malloc(m->count * sizeof *keys) : NULL;
    size_t n = 0;
    for (size_t i = 0; keys && i < m->count; i++) {
        s_case_t *c = m->cases[i];
        if (!s_keep(c, f) || !s_matches(c, words, nwords))
            continue;
        s_deadline(m, c, now_ms);
        if (f->overdue_only && !c->rec.summary.overdue)
            continue;
        keys[n++] = (s_key_t){.overdue = c->rec.summary.overdue,
                              .due_ms = c->rec.summary.due_ms,
                              .number = relais_cases_number(c->rec.summary.case_id),
                              .c = c};
    }
    if (n > 1)
        qsort(keys, n, sizeof *keys, s_by_urgency_of_work);
    /* Past the end: the last page, as a link kept from a longer list would want. */
    if (*first >= n)
        *first = n && max ? (n - 1) / max * max : 0;
    size_t take = n - *first < max ? n - *first : max;
    desk_row_t *out = take ? calloc(take, sizeof *out) : NULL;
    for (size_t i = 0; out && i < take; i++)
        s_row(keys[*first + i].c, &out[i]);
    int failed = (m->count && !keys) || (take && !out);
    pthread_mutex_unlock(&m->lock);
    free(keys);
    if (folded) {
        sodium_memzero(folded, strlen(folded));
        free(folded);
    }
    if (failed)
        return relais_status_set(RELAIS_E_NOMEM, "the list");
    *rows = out;
    *count = take;
    *total = n;
    return 0;
}

int desk_model_rows(desk_model_t *m, const desk_filter_t *f, int64_t now_ms, desk_row_t **rows, size_t *count)
{
    size_t first = 0, total = 0;
    return desk_model_page(m, f, now_ms, &first, SIZE_MAX, rows, count, &total);
}

int desk_model_row(desk_model_t *m, const char *case_id, int64_t now_ms, desk_row_t *out)
{
    pthread_mutex_lock(&m->lock);
    s_case_t *c = s_find(m, case_id);
    if (c) {
        s_deadline(m, c, now_ms);
        s_row(c, out);
    }
    pthread_mutex_unlock(&m->lock);
    return c ? 0 : RELAIS_E_NOT_FOUND;
}

/* ---- The charts' counts ------------------------------------------------------------------------------ */

/* year * 12 + month - 1 of `ms` in local time, as the statistics count months. */
static int s_month_of(int64_t ms)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (!localtime_r(&t, &tm))
        return -1;
    return (tm.tm_year + 1900) * 12 + tm.tm_mon;
}

static size_t s_source_index(int role)
{
    return role >= 1 && role < DESK_SOURCES ? (size_t)role - 1 : DESK_SOURCES - 1;
}

static size_t s_urgency_index(relais_urgency_t u)
{
    return u == RELAIS_URGENCY_URGENT ? 0 : u == RELAIS_URGENCY_PRIORITY ? 1 : 2;
}

void desk_model_policy(desk_model_t *m, relais_cases_policy_t *out)
{
    *out = m->policy;
}

int desk_model_count(desk_model_t *m, desk_counts_t *c)
{
    if (!m || !c || c->to_ms <= c->from_ms)
        return relais_status_set(RELAIS_E_INVALID, "the charts' period");
    memset(c->referrals, 0, sizeof c->referrals);
    memset(c->states, 0, sizeof c->states);
    memset(c->triage, 0, sizeof c->triage);
    pthread_mutex_lock(&m->lock);
    for (size_t i = 0; i < m->count; i++) {
        const s_case_t *k = m->cases[i];
        for (size_t j = 0; j < k->referral_count; j++) {
            const s_referral_fact_t *f = &k->referrals[j];
            int in = f->received_ms >= c->from_ms && f->received_ms < c->to_ms;
            int at = in ? s_month_of(f->received_ms) - c->first_month : -1;
            if (at >= 0 && at < DESK_CHART_MONTHS)
                c->referrals[at][s_source_index(f->source)]++;
        }
        const relais_case_summary_t *s = &k->rec.summary;
        if (!s->merged_into[0] && s->opened_ms >= c->from_ms && s->opened_ms < c->to_ms &&
            (unsigned)s->state < RELAIS_CASE_STATE_COUNT)
            c->states[s->state]++;
        if (k->triaged_ms && k->triaged_ms >= c->from_ms && k->triaged_ms < c->to_ms)
            c->triage[s_urgency_index(k->triage_urgency)][k->triaged_ms > k->triage_due_ms]++;
    }
    c->incomplete = m->facts_lost;
    pthread_mutex_unlock(&m->lock);
    return 0;
}

/* ---- The calendar ------------------------------------------------------------------------------------ */

static int s_by_review(const void *pa, const void *pb)
{
    const desk_cal_review_t *a = pa, *b = pb;
    if (a->review_ms != b->review_ms)
        return a->review_ms < b->review_ms ? -1 : 1;
    uint64_t x = relais_cases_number(a->case_id), y = relais_cases_number(b->case_id);
    return x < y ? -1 : x > y;
}

void desk_cal_free(desk_cal_t *c)
{
    free(c->reviews);
    free(c->meetings);
    *c = (desk_cal_t){0};
}

int desk_model_calendar(desk_model_t *m, desk_cal_t *out)
{
    *out = (desk_cal_t){0};
    pthread_mutex_lock(&m->lock);
    size_t reviews = 0;
    for (size_t i = 0; i < m->count; i++) {
        const relais_case_record_t *r = &m->cases[i]->rec;
        reviews += r->review_ms > 0 && relais_cases_state_is_open(r->summary.state) &&
                   r->summary.state != RELAIS_CASE_PAUSED;
    }
    out->reviews = reviews ? calloc(reviews, sizeof *out->reviews) : NULL;
    out->meetings = m->meeting_count ? calloc(m->meeting_count, sizeof *out->meetings) : NULL;
    if ((reviews && !out->reviews) || (m->meeting_count && !out->meetings)) {
        pthread_mutex_unlock(&m->lock);
        desk_cal_free(out);
        return relais_status_set(RELAIS_E_NOMEM, "the calendar");
    }
    for (size_t i = 0; i < m->count; i++) {
        const relais_case_record_t *r = &m->cases[i]->rec;
        if (r->review_ms <= 0 || !relais_cases_state_is_open(r->summary.state) || r->summary.state == RELAIS_CASE_PAUSED)
            continue;
        desk_cal_review_t *v = &out->reviews[out->review_count++];
        snprintf(v->case_id, sizeof v->case_id, "%s", r->summary.case_id);
        v->state = r->summary.state;
        v->review_ms = r->review_ms;
    }
    for (size_t i = 0; i < m->meeting_count; i++) {
        const s_meeting_t *mt = &m->meetings[i];
        desk_cal_meeting_t *v = &out->meetings[i];
        memcpy(v->id, mt->id, sizeof v->id);
        memcpy(v->date, mt->date, sizeof v->date);
        v->case_count = mt->count;
        for (size_t j = 0; j < mt->count && j < DESK_CAL_MEETING_CASES; j++)
            memcpy(v->cases[j], mt->cases[j], sizeof v->cases[j]);
    }
    out->meeting_count = m->meeting_count;
    out->incomplete = m->meetings_incomplete;
    pthread_mutex_unlock(&m->lock);
    if (out->review_count > 1)
        qsort(out->reviews, out->review_count, sizeof *out->reviews, s_by_review);
    return 0;
}

/* ---- Event streams ---------------------------------------------------------------------------------- */

uint64_t desk_model_event_head(desk_model_t *m)
{
    pthread_mutex_lock(&m->lock);
    uint64_t head = m->head;
    pthread_mutex_unlock(&m->lock);
    return head;
}

size_t desk_model_recent(desk_model_t *m, desk_event_t *ev, size_t cap)
{
    pthread_mutex_lock(&m->lock);
    size_t n = 0;
    for (uint64_t at = m->head; at > 0 && n < cap && m->head - at < S_EVENTS; at--)
        ev[n++] = m->events[(at - 1) % S_EVENTS];
    pthread_mutex_unlock(&m->lock);
    return n;
}

void desk_model_wake(desk_model_t *m)
{
    pthread_mutex_lock(&m->lock);
    m->woken = 1;
    pthread_cond_broadcast(&m->changed);
    pthread_mutex_unlock(&m->lock);
}

int desk_model_events(desk_model_t *m, uint64_t *pos, desk_event_t *ev, size_t cap, int timeout_ms)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&m->lock);
    while (m->head == *pos && !m->woken)
        if (pthread_cond_timedwait(&m->changed, &m->lock, &until) != 0)
            break;
    int n;
    if (m->head - *pos > S_EVENTS) {
        *pos = m->head;
        n = -1;
    } else {
        n = 0;
        while (*pos < m->head && (size_t)n < cap)
            ev[n++] = m->events[(*pos)++ % S_EVENTS];
    }
    pthread_mutex_unlock(&m->lock);
    return n;
}
