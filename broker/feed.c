/* feed.c -- the live feed: per-connection position and credit, served from the store.
 *
 * Runs in the intake thread. A subscriber is a position (next_seq) and a credit, nothing
 * more: records are read from the store when they can be sent and sent with ZMQ_DONTWAIT.
 * A Subscribe replaces the connection's feed whole (position, credit, window, request id);
 * a Credit adds to the credit up to the window, the largest credit granted in one request.
 * When a peer's pipe is full the feed stops there and retries on a later tick, so a slow
 * or frozen subscriber costs a few bytes, never a queue, and never blocks anyone.
 */
#include "broker_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_SCAN_BUDGET 1024      /* records looked at per subscriber per tick (partners skip many) */
#define S_DELIVERY_OVERHEAD 512 /* a delivery's bytes beside its record: its reply, status and hashes */
#define S_CREDIT_MAX (1u << 20) /* no window is larger than this */
#define S_IDLE_EVICT_MS 60000   /* at the cap, a feed idle this long makes room for a new one */
#define S_FEEDS_PER_PARTNER 4   /* a partner's agent holds one; a few more ride out its reconnections */
#define S_FEEDS_PER_READER 64   /* the coordinator and auditors: one per desk or tool */
#define S_RESERVED_MAX 32       /* feeds only the coordinator and auditor roles may take ... */
#define S_RESERVED_SHARE 4      /* ... at most a quarter of --max-subscribers */
#define S_PREPARED_SLOTS 64     /* records prepared in one turn, shared by every subscriber that reaches them */
#define S_PREPARED_BYTES (1u << 20) /* records opened and kept for the turn, at most */

typedef struct {
    uint8_t route[BROKER_ROUTE_MAX];  /* the connection (ROUTER routing id) */
    size_t route_len;                 /* its length */
    char user[RELAIS_IDENT_NAME_MAX]; /* its identity */
    uint8_t curve_key[32];            /* the CURVE key it connected with */
    unsigned registry_gen;            /* the registry generation its identity was last checked under */
    relais_role_t role;               /* what it may see */
    uint64_t request_id;              /* the Subscribe's id, echoed in every delivery */
    uint64_t next_seq;                /* the next record to look at */
    uint64_t credit;                  /* deliveries it still accepts */
    uint64_t window;                  /* the most credit it may hold: its largest single grant */
    int active;                       /* its access record is stored: serve it */
    int blocked;                      /* the last send found the pipe full */
    int64_t last_seen_ms;             /* last request or delivery, for eviction at the cap */
} s_sub_t;

/* What every subscriber's delivery of record `seq` starts from, made once a turn: its case's
 * status, whether that case is overdue now, the record opened. With twenty subscribers, each
 * record was read, opened and its case decoded twenty times. Kept for the turn only: records in
 * clear do not outlive the moment they are sent. */
typedef struct {
    uint64_t seq;                /* 0: the slot is empty */
    int64_t received_ms;         /* from the record */
    int has_status;              /* a case event: its status is below */
    relais_case_status_t status; /* the case's status right after the event */
    int overdue_known, overdue;  /* the record is its case's latest event, and the case is overdue now */
    int duplicates_known;        /* duplicates and duplicate_count are set */
    char duplicates[RELAIS_MAX_DUPLICATES][RELAIS_CASE_ID_LEN]; /* the record opened a case that may duplicate these */
    size_t duplicate_count;
    int open_rc;                 /* opening the record: 0, or why it cannot be shown */
    int opened_known;            /* open_rc and opened are set */
    uint8_t *opened;             /* the record opened (NULL: shown as stored) */
    size_t opened_len;
    int register_known;          /* reg is set (from the record opened) */
    broker_register_class_t reg; /* what the record is to the register's need-to-know */
} s_prepared_t;

struct broker_feed {
    relais_broker_t *b; /* the broker */
    void *router;       /* the intake's ROUTER */
    broker_out_t *out;  /* what goes out to each peer, in bytes */
    s_sub_t *subs;      /* the subscribers (opts.max_subscribers room) */
    size_t count;       /* in use */
    uint64_t head;      /* the log's size as the writer last told */
    s_prepared_t prepared[S_PREPARED_SLOTS]; /* this turn's records, by seq modulo the slots */
    size_t prepared_bytes;                   /* opened bytes held there */
    int prepared_used;                       /* a slot was filled this turn */
};

static void s_prepared_clear(broker_feed_t *self)
{
    if (!self->prepared_used)
        return;
    self->prepared_used = 0;
    for (size_t i = 0; i < S_PREPARED_SLOTS; i++) {
        free(self->prepared[i].opened);
        memset(&self->prepared[i], 0, sizeof self->prepared[i]);
    }
    self->prepared_bytes = 0;
}

broker_feed_t *broker_feed_new(relais_broker_t *b, void *router, broker_out_t *out)
{
    broker_feed_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->subs = calloc(b->opts.max_subscribers, sizeof *self->subs);
    if (!self->subs) {
        free(self);
        return NULL;
    }
    self->b = b;
    self->router = router;
    self->out = out;
    relais_store_head(b->store, &self->head);
    return self;
}

void broker_feed_destroy(broker_feed_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    s_prepared_clear(*self_p);
    free((*self_p)->subs);
    free(*self_p);
    *self_p = NULL;
}

static int s_sees_all(relais_role_t role)
{
    return role == RELAIS_ROLE_COORDINATOR || role == RELAIS_ROLE_AUDITOR;
}

static s_sub_t *s_find(broker_feed_t *self, const uint8_t *route, size_t route_len)
{
    for (size_t i = 0; i < self->count; i++)
        if (self->subs[i].route_len == route_len && memcmp(self->subs[i].route, route, route_len) == 0)
            return &self->subs[i];
    return NULL;
}

static void s_remove(broker_feed_t *self, s_sub_t *sub, const char *why)
{
    broker_log("info", "feed-end", "user=%s next=%llu why=%s", sub->user, (unsigned long long)sub->next_seq, why);
    *sub = self->subs[--self->count];
}

/* At the cap: the longest idle feed goes if it has been idle long enough; a feed of the
 * coordinator or an auditor only to make room for another of theirs. */
static int s_evict_idle(broker_feed_t *self, relais_role_t for_role, int64_t now)
{
    s_sub_t *oldest = NULL;
    for (size_t i = 0; i < self->count; i++)
        if ((s_sees_all(for_role) || !s_sees_all(self->subs[i].role)) &&
            (!oldest || self->subs[i].last_seen_ms < oldest->last_seen_ms))
            oldest = &self->subs[i];
    if (!oldest || now - oldest->last_seen_ms < S_IDLE_EVICT_MS)
        return -1;
    s_remove(self, oldest, "evicted-idle");
    return 0;
}

/* An identity holds at most its role's quota of feeds: beyond, its own least recently active
 * one makes room (an agent that reconnected leaves one behind until the heartbeat notices). */
static void s_keep_quota(broker_feed_t *self, const char *user, relais_role_t role)
{
    s_sub_t *oldest = NULL;
    size_t own = 0;
    for (size_t i = 0; i < self->count; i++) {
        if (strcmp(self->subs[i].user, user) != 0)
            continue;
        own++;
        if (!oldest || self->subs[i].last_seen_ms < oldest->last_seen_ms)
            oldest = &self->subs[i];
    }
    if (own >= (s_sees_all(role) ? S_FEEDS_PER_READER : S_FEEDS_PER_PARTNER))
        s_remove(self, oldest, "identity-quota");
}

/* How many feeds a role may find taken and still open one: partners and the reception desk
 * leave the last few for the coordinator and the auditors, whose feeds the hub needs most. */
static size_t s_limit(const broker_feed_t *self, relais_role_t role)
{
    size_t max = self->b->opts.max_subscribers;
    if (s_sees_all(role))
        return max;
    size_t reserved = max / S_RESERVED_SHARE < S_RESERVED_MAX ? max / S_RESERVED_SHARE : S_RESERVED_MAX;
    return max - reserved;
}

int broker_feed_subscribe(broker_feed_t *self, const broker_env_t *env, uint64_t from_seq, uint32_t credit)
{
    int64_t now = broker_now_ms();
    s_sub_t *sub = s_find(self, env->route, env->route_len);
    if (!sub) {
        relais_role_t role = (relais_role_t)env->role;
        s_keep_quota(self, env->user, role);
        while (self->count >= s_limit(self, role))
            if (s_evict_idle(self, role, now) != 0)
                return RELAIS_E_UNAVAILABLE;
    }
    if (!sub)
        sub = &self->subs[self->count++];
    memset(sub, 0, sizeof *sub);
    memcpy(sub->route, env->route, env->route_len);
    sub->route_len = env->route_len;
    snprintf(sub->user, sizeof sub->user, "%s", env->user);
    memcpy(sub->curve_key, env->curve_key, sizeof sub->curve_key);
    sub->registry_gen = env->registry_gen;
    sub->role = (relais_role_t)env->role;
    sub->request_id = env->request_id;
    sub->next_seq = from_seq ? from_seq : 1;
    sub->window = credit > S_CREDIT_MAX ? S_CREDIT_MAX : credit;
    sub->credit = sub->window;
    sub->last_seen_ms = now;
    return 0;
}

void broker_feed_ready(broker_feed_t *self, const broker_env_t *env)
{
    s_sub_t *sub = s_find(self, env->route, env->route_len);
    /* A later subscribe on the same connection replaced this one: its own notice will come. */
    if (!sub || sub->request_id != env->request_id)
        return;
    if (env->status != 0) {
        s_remove(self, sub, "access-not-logged");
        return;
    }
    sub->active = 1;
    broker_log("info", "feed-start", "user=%s from=%llu credit=%llu request=%llu", sub->user,
               (unsigned long long)sub->next_seq, (unsigned long long)sub->credit,
               (unsigned long long)sub->request_id);
}

int broker_feed_credit(broker_feed_t *self, const uint8_t *route, size_t route_len, uint32_t credit)
{
    s_sub_t *sub = s_find(self, route, route_len);
    if (!sub)
        return RELAIS_E_NOT_FOUND;
    /* Additive, up to the window: an agent that grants again what it believes we still hold
     * (its keepalive after a silence) never gets more than it has room for. */
    uint64_t grant = credit > S_CREDIT_MAX ? S_CREDIT_MAX : credit;
    if (grant > sub->window)
        sub->window = grant;
    sub->credit = sub->credit + grant > sub->window ? sub->window : sub->credit + grant;
    sub->last_seen_ms = broker_now_ms();
    return 0;
}

void broker_feed_forget(broker_feed_t *self, const uint8_t *route, size_t route_len)
{
    s_sub_t *sub = s_find(self, route, route_len);
    if (sub)
        s_remove(self, sub, "gone");
}

void broker_feed_head(broker_feed_t *self, uint64_t head)
{
    if (head > self->head)
        self->head = head;
}

/* ---- Serving ------------------------------------------------------------------------------ */

typedef enum { S_GO_ON = 0, S_STOP_CREDIT, S_STOP_FULL, S_STOP_GONE, S_STOP_BUDGET, S_STOP_ERROR } s_stop_t;

typedef struct {
    broker_feed_t *feed; /* the feed */
    s_sub_t *sub;        /* the subscriber served */
    size_t scanned;      /* records looked at this tick */
    s_stop_t stop;       /* why the iteration stopped */
} s_serve_t;

/* The payload and sender of a stored record; 0 when it does not decode (the feed then
 * shows a partner nothing of it). A split's copy of a referral is an event of the case it
 * opens, no new referral: its payload is given as a case update's. */
static int s_record_sender(const uint8_t *record, size_t len, relais_payload_t *payload, char *sender, size_t cap)
{
    relais_message_t *msg = NULL;
    relais_log_record_t lr;
    if (relais_record_message_decode(record, len, &lr, NULL, &msg) != 0)
        return 0;
    *payload = lr.copy_of ? RELAIS_PAYLOAD_CASE_UPDATE : relais_message_payload(msg);
    snprintf(sender, cap, "%s", relais_message_sender(msg));
    relais_message_destroy(&msg);
    return 1;
}

/* What a partner may see of a case event (the partner-view rule): its own referral, as a new
 * referral under the referral's handle; a later event of a case one of its referrals follows
 * from before that event, as the case's status right after it, under that referral's handle;
 * never the record, never the case id, nothing before its referral. */
static int s_partner_view(broker_feed_t *self, const s_sub_t *sub, uint64_t seq, const uint8_t *record, size_t len,
                          relais_delivery_t *d)
{
    relais_payload_t payload;
    char sender[RELAIS_IDENT_NAME_MAX];
    if (!d->has_status || !s_record_sender(record, len, &payload, sender, sizeof sender))
        return 0;
    if (payload == RELAIS_PAYLOAD_REFERRAL) {
        if (strcmp(sender, sub->user) != 0)
            return 0;
        relais_cases_referral_arrival(seq, d->received_ms, &d->status);
        return 1;
    }
    /* A correction of the case's records changes nothing a referrer sees: not even that it happened. */
    if (payload == RELAIS_PAYLOAD_PRIVACY)
        return 0;
    relais_case_record_t rec;
    if (broker_case_load(self->b->store, d->status.case_id, &rec) != 0)
        return 0;
    const relais_case_follower_t *f = relais_cases_follower_at(&rec, sub->user, seq);
    if (!f)
        return 0;
    relais_referral_handle(f->referral_seq, d->status.case_id);
    return 1;
}

/* Record `seq`'s slot for this turn, made when another record held it: its time and the case
 * column every case event carries. */
static s_prepared_t *s_prepared(broker_feed_t *self, uint64_t seq, const uint8_t *record, size_t len)
{
    s_prepared_t *p = &self->prepared[seq % S_PREPARED_SLOTS];
    if (p->seq == seq)
        return p;
    self->prepared_bytes -= p->opened ? p->opened_len : 0;
    free(p->opened);
    memset(p, 0, sizeof *p);
    p->seq = seq;
    self->prepared_used = 1;
    relais_log_record_t lr;
    p->received_ms = relais_log_record_decode(record, len, &lr) == 0 ? lr.received_ms : 0;
    p->has_status = broker_case_event(self->b->store, seq, &p->status) == 0;
    return p;
}

/* Whether the record's case is overdue now: the coordinator's column, which needs the case.
 * Only the case's latest event (the referral or update that left it where it is) carries the
 * mark. The deadline is today's, and a past event of an overdue case was on time when it
 * happened: marking every line of the case's history made a replayed feed read as if each had
 * been late. It is decided here rather than by the reader, who cannot know while a feed is
 * replayed whether a later event of the same case is still to come. A later event then
 * carries the mark in its turn (its line is the case's state from then on). */
static int s_prepared_overdue(broker_feed_t *self, s_prepared_t *p)
{
    if (p->overdue_known)
        return p->overdue;
    relais_case_record_t rec;
    if (p->has_status && broker_case_load(self->b->store, p->status.case_id, &rec) == 0 && rec.last_seq == p->seq) {
        relais_cases_deadline(&rec, &self->b->policy, broker_now_ms());
        p->overdue = rec.summary.overdue;
    }
    p->overdue_known = 1;
    return p->overdue;
}

/* The coordinator's mark on the referral that opened a case the hub suspects to duplicate
 * others: while the suspicion stands (the coordinator has not decided it, and the other case is
 * still in the active base), whenever that delivery is read again. */
static void s_prepared_duplicates(broker_feed_t *self, s_prepared_t *p, relais_delivery_t *out)
{
    if (!p->duplicates_known) {
        relais_case_record_t rec;
        p->duplicate_count = 0;
        if (p->has_status && relais_cases_number(p->status.case_id) == p->seq &&
            broker_case_load(self->b->store, p->status.case_id, &rec) == 0 && rec.summary.duplicate_count) {
            broker_case_live_duplicates(self->b->store, &rec.summary);
            memcpy(p->duplicates, rec.summary.duplicates, sizeof p->duplicates);
            p->duplicate_count = rec.summary.duplicate_count;
        }
        p->duplicates_known = 1;
    }
    memcpy(out->duplicates, p->duplicates, p->duplicate_count * sizeof out->duplicates[0]);
    out->duplicate_count = p->duplicate_count;
}

/* What the record is to the register, decided once a turn from the record itself (opened): a
 * record the register's index does not know yet is the register's all the same (fail closed). */
static const broker_register_class_t *s_prepared_register(broker_feed_t *self, s_prepared_t *p, const uint8_t *view,
                                                          size_t view_len)
{
    if (!p->register_known) {
        if (p->has_status)
            memset(&p->reg, 0, sizeof p->reg); /* a case's event */
        else
            broker_register_classify(self->b, p->seq, view, view_len, &p->reg);
        p->register_known = 1;
    }
    return &p->reg;
}

/* A transfer's delivery to its recipient carries the entry it transfers, opened: *owned (the
 * caller frees) and its stored leaf's hash. */
static int s_attach_entry(broker_feed_t *self, const s_prepared_t *p, relais_delivery_t *d, uint8_t **owned)
{
    uint8_t *stored = NULL;
    size_t stored_len = 0;
    int rc = relais_store_get_record(self->b->store, p->reg.entry_seq, &stored, &stored_len);
    if (rc == 0)
        rc = broker_record_opened(self->b, stored, stored_len, owned, &d->transferred_entry_len,
                                  d->transferred_entry_leaf_hash);
    free(stored);
    if (rc == 0)
        d->transferred_entry = *owned;
    return rc;
}

static s_stop_t s_send(broker_feed_t *self, s_sub_t *sub, const relais_reply_t *reply)
{
    uint8_t *bytes = NULL;
    size_t len = 0;
    if (relais_reply_encode(reply, &bytes, &len) != 0)
        return S_STOP_ERROR;
    /* Deliveries are bulk: a frozen subscriber holds at most its allowance, and all of them
     * together at most the hub's. */
    int err = broker_out_send(self->out, sub->route, sub->route_len, bytes, len, 1);
    if (err == 0)
        return S_GO_ON;
    free(bytes);
    return err == EAGAIN || err == EINTR ? S_STOP_FULL : S_STOP_GONE;
}

/* The stored record as the turn's readers start from it: from a sealed store, opened (its leaf's
 * hash beside it), for every reader, since what a reader may see of it (a case's record, a
 * partner's view of a case event, the register's need-to-know) is read from the record itself.
 * *view is the record itself when nothing was opened; it is the turn's opened copy, or one in
 * *owned (the caller frees) past the turn's allowance. */
static int s_open_for(broker_feed_t *self, s_prepared_t *p, const uint8_t *record, size_t len,
                      uint8_t **owned, const uint8_t **view, size_t *view_len)
{
    *owned = NULL;
    *view = record;
    *view_len = len;
    /* Opened for every reader: what a record is to the register is read from the record itself. */
    if (!self->b->keyring)
        return 0;
    if (!p->opened_known) {
        uint8_t *opened = NULL;
        size_t opened_len = 0;
        int rc = broker_record_opened(self->b, record, len, &opened, &opened_len, NULL);
        /* NOT_FOUND: its case left the active base, and nothing of it is shown any more. */
        if (rc != 0 && rc != RELAIS_E_NOT_FOUND)
            broker_log("error", "record-unreadable", "seq=%llu code=%s", (unsigned long long)p->seq,
                       relais_status_name(rc));
        if (rc == 0 && self->prepared_bytes + opened_len > S_PREPARED_BYTES) {
            *owned = opened;
            *view = opened;
            *view_len = opened_len;
            return 0;
        }
        p->open_rc = rc;
        p->opened = opened;
        p->opened_len = rc == 0 ? opened_len : 0;
        p->opened_known = 1;
        self->prepared_bytes += p->opened_len;
    }
    if (p->open_rc != 0)
        return p->open_rc;
    *view = p->opened;
    *view_len = p->opened_len;
    return 0;
}

static int s_serve_record(void *ctx, uint64_t seq, const uint8_t *record, size_t len, const relais_hash_t leaf)
{
    s_serve_t *st = ctx;
    s_sub_t *sub = st->sub;
    if (sub->credit == 0)
        return st->stop = S_STOP_CREDIT;
    if (++st->scanned > S_SCAN_BUDGET)
        return st->stop = S_STOP_BUDGET;
    /* A subscriber whose pipe is full (a frozen one) would have its delivery made, opened and
     * encoded at every turn only to be refused: look first. */
    if (!broker_out_room(st->feed->out, sub->route, sub->route_len, len + S_DELIVERY_OVERHEAD, 1))
        return st->stop = S_STOP_FULL;
    s_prepared_t *p = s_prepared(st->feed, seq, record, len);
    relais_reply_t reply;
    memset(&reply, 0, sizeof reply);
    reply.request_id = sub->request_id;
    reply.kind = RELAIS_REPLY_DELIVERY;
    reply.delivery.seq = seq;
    reply.delivery.received_ms = p->received_ms;
    reply.delivery.has_status = p->has_status;
    if (p->has_status)
        reply.delivery.status = p->status;
    if (p->has_status && sub->role == RELAIS_ROLE_COORDINATOR) {
        reply.delivery.overdue = s_prepared_overdue(st->feed, p);
        s_prepared_duplicates(st->feed, p, &reply.delivery);
    }
    uint8_t *owned = NULL;
    const uint8_t *view = NULL;
    size_t view_len = 0;
    /* A record that cannot be opened is not shown (the error is logged; the audit names it). */
    int visible = s_open_for(st->feed, p, record, len, &owned, &view, &view_len) == 0;
    uint8_t *entry = NULL;
    /* An auditor sees every record: what one is to the register is the other readers' question. */
    const broker_register_class_t *reg =
        visible && sub->role != RELAIS_ROLE_AUDITOR ? s_prepared_register(st->feed, p, view, view_len) : NULL;
    if (reg && reg->is_public) {
        /* A decree: the town's public act, on the feed of the town's own services as published; a
         * partner's feed stays the status of its referrals (its system reads decrees by asking). */
        visible = sub->role != RELAIS_ROLE_PARTNER;
    } else if (reg && reg->is_register) {
        /* Need-to-know: the register is the desk's; another reader sees a transfer made to it
         * (with its entry) and its own answer, nothing else. */
        visible = broker_register_readable(reg, sub->user, sub->role);
        if (visible && sub->role != RELAIS_ROLE_RECEPTION && sub->role != RELAIS_ROLE_AUDITOR &&
            reg->party_kind == BROKER_PARTY_TRANSFER)
            visible = s_attach_entry(st->feed, p, &reply.delivery, &entry) == 0;
    } else if (visible && sub->role == RELAIS_ROLE_RECEPTION) {
        visible = s_partner_view(st->feed, sub, seq, view, view_len, &reply.delivery);
        view = NULL; /* a child's case: its status alone, as for a partner */
    }
    if (visible && view && (s_sees_all(sub->role) || (reg && (reg->is_register || reg->is_public)))) {
        reply.delivery.record = view;
        reply.delivery.record_len = view_len;
        if (view != record) {
            reply.delivery.has_leaf_hash = 1;
            memcpy(reply.delivery.leaf_hash, leaf, sizeof reply.delivery.leaf_hash);
        }
    } else if (visible && view) {
        visible = s_partner_view(st->feed, sub, seq, view, view_len, &reply.delivery);
    }
    s_stop_t stop = visible ? s_send(st->feed, sub, &reply) : S_GO_ON;
    free(owned);
    free(entry);
    if (stop != S_GO_ON)
        return st->stop = stop;
    if (visible) {
        sub->credit--;
        sub->last_seen_ms = broker_now_ms();
    }
    sub->next_seq = seq + 1;
    return S_GO_ON;
}

/* Serves one subscriber; returns BROKER_FEED_MORE when it stopped on its budget,
 * BROKER_FEED_BLOCKED when its pipe is full, else 0. */
static int s_serve_one(broker_feed_t *self, s_sub_t *sub, int *gone)
{
    *gone = 0;
    /* Reloads happen on this thread, between turns: checked here, the identity is checked
     * before each delivery of the turn. */
    if (!broker_peer_trusted(self->b, sub->user, sub->curve_key, &sub->registry_gen)) {
        *gone = 2;
        return 0;
    }
    if (!sub->active || sub->credit == 0 || sub->next_seq > self->head)
        return 0;
    s_serve_t st = {self, sub, 0, S_GO_ON};
    relais_store_iterate(self->b->store, sub->next_seq, self->head, s_serve_record, &st);
    sub->blocked = st.stop == S_STOP_FULL;
    if (st.stop == S_STOP_GONE) {
        *gone = 1;
        return 0;
    }
    return st.stop == S_STOP_BUDGET ? BROKER_FEED_MORE : st.stop == S_STOP_FULL ? BROKER_FEED_BLOCKED : 0;
}

/* The feeds' figures for --metrics, after each turn: how many, and how far behind the head (a
 * partner's feed moves past what it may not see, so its lag is the log's, not its deliveries'). */
static void s_publish(broker_feed_t *self)
{
    uint64_t lag_max = 0, lag_sum = 0;
    for (size_t i = 0; i < self->count; i++) {
        uint64_t done = self->subs[i].next_seq ? self->subs[i].next_seq - 1 : 0;
        uint64_t lag = self->head > done ? self->head - done : 0;
        lag_sum += lag;
        if (lag > lag_max)
            lag_max = lag;
    }
    broker_metrics_t *m = &self->b->metrics;
    atomic_store_explicit(&m->feed_subscribers, self->count, memory_order_relaxed);
    atomic_store_explicit(&m->feed_lag_max, lag_max, memory_order_relaxed);
    atomic_store_explicit(&m->feed_lag_sum, lag_sum, memory_order_relaxed);
}

int broker_feed_serve(broker_feed_t *self)
{
    int busy = 0;
    for (size_t i = 0; i < self->count;) {
        int gone = 0;
        busy |= s_serve_one(self, &self->subs[i], &gone);
        if (gone)
            s_remove(self, &self->subs[i], gone == 2 ? "not-trusted" : "unreachable"); /* the last one moved to i */
        else
            i++;
    }
    s_prepared_clear(self);
    s_publish(self);
    return busy;
}
