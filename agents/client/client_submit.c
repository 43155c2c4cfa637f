/* client_submit.c -- librelais's submissions: signing, the spool, and the pipelined, retrying send loop. */
#include "client_internal.h"

#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S_WINDOW 32            /* spooled messages in flight at once */
#define S_BACKOFF_FIRST_MS 200 /* first wait after UNAVAILABLE or STORE_FULL */
#define S_BACKOFF_MAX_MS 5000
#define S_SUSPECT_LOSSES 2     /* on the wire this often when a connection dropped: sent alone */
#define S_ALONE_MS 2000        /* how long a suspect keeps the connection to itself */

/* One message on its way: the encoded Request is kept and resent byte for byte. */
typedef struct {
    uint64_t key;              /* spool key; 0 for a direct submission */
    char *tag;                 /* caller's tag, owned; NULL when none */
    uint8_t msg_id[RELAIS_MSG_ID_BYTES];
    uint64_t request_id;       /* the same for every resend, so any answer matches */
    uint8_t *req;              /* encoded Request, owned */
    size_t req_len;
    int64_t next_send_ms;      /* when to send (again) */
    int sent;                  /* sent and not yet answered */
    unsigned sent_gen;         /* connection it was sent on */
    int backoff_ms;            /* next wait after a retryable refusal */
    int done;                  /* final outcome reported */
    int losses;                /* connections lost while it was on the wire, unanswered */
    int queued;                /* a suspect waiting for the others to be answered */
    int64_t alone_until;       /* a suspect sent alone: nothing else goes before this */
    relais_error_t last_error; /* last retryable refusal, reported if time runs out */
    int64_t spooled_ms;        /* when it went into the spool */
} s_entry_t;

/* Told an entry's final outcome (exactly one of ack and err). Returns 0 or a local error
 * that stops the send loop. */
typedef int(s_outcome_fn)(s_entry_t *e, const relais_ack_t *ack, const relais_error_t *err, void *arg);

static int64_t s_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- Size ---------------------------------------------------------------------------- */

/* The largest Request frame that carries `signed_len` bytes: a tag, a request id of at most
 * ten bytes, a tag, the length, the bytes. The hub counts the frame. */
static size_t s_request_size(size_t signed_len)
{
    size_t n = 1;
    for (size_t v = signed_len; v >= 0x80; v >>= 7)
        n++;
    return 1 + 10 + 1 + n + signed_len;
}

/* Checked before a message is spooled or sent: the hub refuses one over its limit, and cuts
 * the connection of one over four times it without a word, which would be resent forever. */
static int s_check_size(const relais_client_t *self, size_t signed_len)
{
    size_t need = s_request_size(signed_len);
    if (need <= self->max_message)
        return RELAIS_OK;
    return relais_status_set(RELAIS_E_TOO_LARGE,
                             "the message takes %zu bytes signed, %zu as a request; the hub takes at most %zu "
                             "(its --max-message)",
                             signed_len, need, self->max_message);
}

/* ---- Signing ------------------------------------------------------------------------- */

int relais_client_sign_json(relais_client_t *self, const char *json, size_t len, uint8_t msg_id[RELAIS_MSG_ID_BYTES],
                            uint8_t **out, size_t *out_len)
{
    if (!self || !json || !out || !out_len)
        return relais_status_set(RELAIS_E_INVALID, "nothing to sign");
    /* Time first, then 80 random bits: no two ids alike within a millisecond. */
    uint8_t id[RELAIS_MSG_ID_BYTES];
    int64_t created_ms = s_wall_ms();
    relais_msg_id_stamp(id, created_ms);
    if (RAND_bytes(id + 6, sizeof id - 6) != 1)
        return relais_status_set(RELAIS_E_CRYPTO, "no random bytes for a message id");
    uint8_t *body = NULL;
    size_t body_len = 0;
    int rc = relais_message_from_json(json, len, relais_client_name(self), id, created_ms, &body, &body_len);
    if (rc)
        return rc;
    uint8_t sig[RELAIS_SIGNATURE_BYTES];
    rc = relais_identity_sign(self->identity, body, body_len, sig);
    if (!rc)
        rc = relais_signed_encode(body, body_len, sig, out, out_len);
    free(body);
    if (!rc && (rc = s_check_size(self, *out_len)) != 0) {
        free(*out);
        *out = NULL;
    }
    if (!rc && msg_id)
        memcpy(msg_id, id, sizeof id);
    return rc;
}

/* ---- Suspects ------------------------------------------------------------------------ */

/* A spooled message's lost connections outlive one flush: the drop folder flushes in slices. */
static int s_recall_losses(const relais_client_t *self, uint64_t key)
{
    for (size_t i = 0; key && i < RELAIS_CLIENT_SUSPECTS; i++)
        if (self->suspects[i].key == key)
            return self->suspects[i].losses;
    return 0;
}

/* Keeps `losses` for `key` (0 forgets it); when the table is full the oldest slot goes. */
static void s_remember_losses(relais_client_t *self, uint64_t key, int losses)
{
    if (!key)
        return;
    size_t slot = RELAIS_CLIENT_SUSPECTS, oldest = 0;
    for (size_t i = 0; i < RELAIS_CLIENT_SUSPECTS; i++) {
        if (self->suspects[i].key == key)
            slot = i;
        if (self->suspects[i].key < self->suspects[oldest].key)
            oldest = i;
    }
    if (slot == RELAIS_CLIENT_SUSPECTS) {
        if (!losses)
            return;
        slot = oldest;
    }
    self->suspects[slot].key = losses ? key : 0;
    self->suspects[slot].losses = losses;
}

static int s_suspect(const s_entry_t *e)
{
    return e->losses >= S_SUSPECT_LOSSES;
}

/* ---- Entries ------------------------------------------------------------------------- */

/* The message id inside SignedMessage bytes; zeroes when they do not decode (the broker
 * will say MALFORMED, which is the answer the caller needs anyway). */
static void s_msg_id_of(const uint8_t *bytes, size_t len, uint8_t out[RELAIS_MSG_ID_BYTES])
{
    memset(out, 0, RELAIS_MSG_ID_BYTES);
    relais_signed_t sm;
    relais_message_t *msg = NULL;
    if (relais_signed_decode(bytes, len, &sm) || relais_message_decode(sm.body, sm.body_len, &msg))
        return;
    memcpy(out, relais_message_id(msg), RELAIS_MSG_ID_BYTES);
    relais_message_destroy(&msg);
}

static int s_entry_init(relais_client_t *self, s_entry_t *e, const uint8_t *bytes, size_t len, uint64_t key,
                        const char *tag)
{
    memset(e, 0, sizeof *e);
    e->key = key;
    e->request_id = ++self->next_request_id;
    e->backoff_ms = S_BACKOFF_FIRST_MS;
    e->losses = s_recall_losses(self, key);
    s_msg_id_of(bytes, len, e->msg_id);
    if (tag && !(e->tag = strdup(tag)))
        return RELAIS_E_NOMEM;
    /* The request only borrows the bytes: it is encoded, never cleared. */
    relais_request_t req = {.request_id = e->request_id, .kind = RELAIS_REQ_SUBMIT};
    req.submit = (uint8_t *)bytes;
    req.submit_len = len;
    return relais_request_encode(&req, &e->req, &e->req_len);
}

static void s_entry_clear(s_entry_t *e)
{
    free(e->tag);
    free(e->req);
    memset(e, 0, sizeof *e);
}

/* ---- The send loop ------------------------------------------------------------------- */

static int s_send_one(relais_client_t *self, s_entry_t *e, int64_t now)
{
    if (relais_client_send_raw(self, e->req, e->req_len) != RELAIS_OK) {
        /* Not connected, or the queue toward the broker is full: try again shortly. */
        e->sent = 0;
        e->next_send_ms = now + RELAIS_CLIENT_SEND_RETRY_MS;
        return -1;
    }
    e->sent = 1;
    e->sent_gen = self->generation;
    e->next_send_ms = now + self->retry_ms;
    return 0;
}

/* What was on the wire when its connection dropped goes again: at once, or after a backoff
 * for a suspect, one that was there at two drops in a row (the hub cuts a connection over a
 * frame it will not read, and the frames behind it on that connection go with it). */
static void s_count_losses(relais_client_t *self, s_entry_t *es, size_t n, int64_t now)
{
    for (size_t i = 0; i < n; i++) {
        s_entry_t *e = &es[i];
        if (e->done || !e->sent || e->sent_gen == self->generation)
            continue;
        e->sent = 0;
        e->losses++;
        s_remember_losses(self, e->key, e->losses);
        e->next_send_ms = now;
        if (s_suspect(e)) {
            e->next_send_ms = now + e->backoff_ms;
            e->backoff_ms = e->backoff_ms * 2 > S_BACKOFF_MAX_MS ? S_BACKOFF_MAX_MS : e->backoff_ms * 2;
        }
    }
}

/* A suspect goes alone: once nothing else waits for an answer (nothing new goes out while a
 * suspect waits its turn), and nothing goes with it until it is answered, lost, or
 * S_ALONE_MS have passed. A suspect in its backoff holds nothing back. Returns 1 while the
 * others are held. */
static int s_send_suspect(relais_client_t *self, s_entry_t *es, size_t n, int64_t now)
{
    size_t waiting = 0;
    int held = 0;
    s_entry_t *turn = NULL;
    for (size_t i = 0; i < n; i++) {
        s_entry_t *e = &es[i];
        if (e->done)
            continue;
        if (e->sent && now < e->next_send_ms) {
            if (s_suspect(e) && now < e->alone_until)
                return 1; /* one is on the wire alone */
            if (!s_suspect(e))
                waiting++; /* a suspect past its time alone is no longer waited for */
            continue;
        }
        if (!s_suspect(e))
            continue;
        if (now >= e->next_send_ms) {
            e->queued = 1;
            if (!turn)
                turn = e;
        }
        held |= e->queued;
    }
    if (turn && waiting == 0 && s_send_one(self, turn, now) == 0) {
        turn->queued = 0;
        turn->alone_until = now + S_ALONE_MS;
        return 1;
    }
    /* The queued ones wait for the others' answers or the connection: look again soon, not in
     * a spin. */
    for (size_t i = 0; i < n; i++)
        if (!es[i].done && es[i].queued && now >= es[i].next_send_ms)
            es[i].next_send_ms = now + RELAIS_CLIENT_SEND_RETRY_MS;
    return held;
}

static void s_send_due(relais_client_t *self, s_entry_t *es, size_t n, int64_t now)
{
    relais_client_drain_events(self);
    s_count_losses(self, es, n, now);
    if (s_send_suspect(self, es, n, now))
        return;
    for (size_t i = 0; i < n; i++) {
        s_entry_t *e = &es[i];
        if (e->done || now < e->next_send_ms || s_suspect(e))
            continue;
        if (s_send_one(self, e, now) != 0) {
            for (size_t j = i + 1; j < n; j++)
                if (!es[j].done && now >= es[j].next_send_ms)
                    es[j].next_send_ms = now + RELAIS_CLIENT_SEND_RETRY_MS;
            return;
        }
    }
}

static int64_t s_next_due(const s_entry_t *es, size_t n, int64_t deadline)
{
    int64_t due = deadline;
    for (size_t i = 0; i < n; i++)
        if (!es[i].done && es[i].next_send_ms < due)
            due = es[i].next_send_ms;
    return due;
}

static int s_retryable(int status)
{
    return status == RELAIS_E_UNAVAILABLE || status == RELAIS_E_STORE_FULL;
}

static int s_handle(relais_client_t *self, s_entry_t *es, size_t n, const relais_reply_t *reply, s_outcome_fn *fn,
                    void *arg)
{
    s_entry_t *e = NULL;
    for (size_t i = 0; i < n && !e; i++)
        if (!es[i].done && es[i].request_id == reply->request_id)
            e = &es[i];
    if (!e)
        return RELAIS_OK; /* a second answer to a resent request */
    if (reply->kind != RELAIS_REPLY_ACK && reply->kind != RELAIS_REPLY_ERROR)
        return RELAIS_OK;
    /* Answered: its bytes do not cut the connection. */
    e->losses = 0;
    e->queued = 0;
    s_remember_losses(self, e->key, 0);
    if (reply->kind == RELAIS_REPLY_ACK) {
        e->done = 1;
        return fn(e, &reply->ack, NULL, arg);
    }
    relais_error_t err;
    int status = relais_client_refusal(reply, &err);
    if (s_retryable(status)) {
        /* The broker cannot take it now: the same bytes again, later. */
        e->last_error = err;
        e->sent = 0;
        e->next_send_ms = relais_client_now_ms() + e->backoff_ms;
        e->backoff_ms = e->backoff_ms * 2 > S_BACKOFF_MAX_MS ? S_BACKOFF_MAX_MS : e->backoff_ms * 2;
        return RELAIS_OK;
    }
    e->done = 1;
    return fn(e, NULL, &err, arg);
}

/* One round: send what is due, wait for answers until the next send is due, handle them. */
static int s_round(relais_client_t *self, s_entry_t *es, size_t n, int64_t deadline, s_outcome_fn *fn, void *arg)
{
    int64_t now = relais_client_now_ms();
    s_send_due(self, es, n, now);
    int64_t until = s_next_due(es, n, deadline);
    int wait = until > now ? (int)(until - now) : 0;
    relais_reply_t reply;
    int rc = relais_client_recv(self, wait, &reply);
    while (rc == RELAIS_OK) {
        rc = s_handle(self, es, n, &reply, fn, arg);
        relais_reply_clear(&reply);
        if (rc)
            return rc;
        rc = relais_client_recv(self, 0, &reply); /* take what else is already here */
    }
    return rc == RELAIS_E_TIMEOUT ? RELAIS_OK : rc;
}

/* ---- Direct submission --------------------------------------------------------------- */

typedef struct {
    relais_ack_t *ack;   /* caller's, may be NULL */
    relais_error_t *err; /* caller's, may be NULL */
    int status;          /* outcome */
} s_single_t;

static int s_single_outcome(s_entry_t *e, const relais_ack_t *ack, const relais_error_t *err, void *arg)
{
    (void)e;
    s_single_t *s = arg;
    if (ack && s->ack)
        *s->ack = *ack;
    if (err && s->err)
        *s->err = *err;
    s->status = err ? err->status : RELAIS_OK;
    return RELAIS_OK;
}

int relais_client_submit_signed(relais_client_t *self, const uint8_t *signed_msg, size_t len, relais_ack_t *ack,
                                relais_error_t *err)
{
    if (!self || !signed_msg || !len)
        return relais_status_set(RELAIS_E_INVALID, "nothing to submit");
    int rc = s_check_size(self, len);
    if (rc) {
        relais_client_local_error(self, rc, err);
        return rc;
    }
    s_entry_t e;
    rc = s_entry_init(self, &e, signed_msg, len, 0, NULL);
    s_single_t s = {ack, err, RELAIS_E_TIMEOUT};
    int64_t deadline = relais_client_now_ms() + self->timeout_ms;
    while (!rc && !e.done && relais_client_now_ms() < deadline)
        rc = s_round(self, &e, 1, deadline, s_single_outcome, &s);
    if (!rc && e.done)
        rc = s.status;
    else if (!rc && e.last_error.status) {
        rc = e.last_error.status; /* still refused as retryable when time ran out */
        if (err)
            *err = e.last_error;
    } else if (!rc) {
        rc = RELAIS_E_TIMEOUT;
        relais_client_local_error(self, rc, err);
    }
    s_entry_clear(&e);
    return rc;
}

int relais_client_submit_json(relais_client_t *self, const char *json, size_t len, relais_ack_t *ack,
                              relais_error_t *err)
{
    uint8_t *bytes = NULL;
    size_t blen = 0;
    int rc = relais_client_sign_json(self, json, len, NULL, &bytes, &blen);
    if (rc)
        return rc;
    rc = relais_client_submit_signed(self, bytes, blen, ack, err);
    free(bytes);
    return rc;
}

/* ---- The spool --------------------------------------------------------------------- */

static int s_need_spool(relais_client_t *self)
{
    if (!self)
        return RELAIS_E_INVALID;
    return self->spool ? RELAIS_OK : relais_status_set(RELAIS_E_INVALID, "this client has no spool folder");
}

int relais_client_enqueue_signed(relais_client_t *self, const uint8_t *signed_msg, size_t len, const char *tag,
                                 uint8_t msg_id[RELAIS_MSG_ID_BYTES])
{
    int rc = s_need_spool(self);
    if (!rc && len)
        rc = s_check_size(self, len);
    if (rc)
        return rc;
    rc = relais_spool_put(self->spool, signed_msg, len, tag, NULL);
    if (!rc && msg_id)
        s_msg_id_of(signed_msg, len, msg_id);
    return rc;
}

int relais_client_enqueue_json(relais_client_t *self, const char *json, size_t len, const char *tag,
                               uint8_t msg_id[RELAIS_MSG_ID_BYTES])
{
    int rc = s_need_spool(self);
    if (rc)
        return rc;
    uint8_t *bytes = NULL;
    size_t blen = 0;
    rc = relais_client_sign_json(self, json, len, msg_id, &bytes, &blen);
    if (!rc)
        rc = relais_spool_put(self->spool, bytes, blen, tag, NULL);
    free(bytes);
    return rc;
}

int relais_client_spool_has_tag(relais_client_t *self, const char *tag)
{
    return s_need_spool(self) == RELAIS_OK && tag && relais_spool_find_tag(self->spool, tag, NULL) == RELAIS_OK;
}

int64_t relais_client_spool_count(relais_client_t *self)
{
    int rc = s_need_spool(self);
    return rc ? rc : relais_spool_count(self->spool);
}

int relais_client_outbox_waiting(relais_client_t *self, relais_waiting_t **out, size_t *count)
{
    *out = NULL;
    *count = 0;
    int rc = s_need_spool(self);
    if (rc)
        return rc;
    int64_t n = relais_spool_count(self->spool);
    if (n < 0)
        return (int)n;
    relais_waiting_t *list = calloc(n ? (size_t)n : 1, sizeof *list);
    if (!list)
        return RELAIS_E_NOMEM;
    size_t got = 0;
    uint64_t after = 0;
    while (got < (size_t)n) {
        relais_spool_entry_t se;
        rc = relais_spool_next(self->spool, after, &se);
        if (rc == RELAIS_E_NOT_FOUND) {
            rc = 0;
            break; /* another agent sent some meanwhile */
        }
        if (rc)
            break;
        after = se.key;
        s_msg_id_of(se.bytes, se.len, list[got].msg_id);
        list[got].spooled_ms = se.spooled_ms;
        snprintf(list[got].tag, sizeof list[got].tag, "%s", se.tag ? se.tag : "");
        got++;
        relais_spool_entry_clear(&se);
    }
    if (rc) {
        free(list);
        return rc;
    }
    *out = list;
    *count = got;
    return 0;
}

int relais_client_outbox_waiting_age(relais_client_t *self, int64_t *count, int64_t *oldest_age_s)
{
    relais_waiting_t *w = NULL;
    size_t n = 0;
    int rc = relais_client_outbox_waiting(self, &w, &n);
    if (rc)
        return rc;
    *count = (int64_t)n;
    *oldest_age_s = -1;
    if (n) {
        int64_t age = w[0].spooled_ms > 0 ? (s_wall_ms() - w[0].spooled_ms) / 1000 : 0;
        *oldest_age_s = age < 0 ? 0 : age;
    }
    free(w);
    return 0;
}

int relais_client_outbox_outcomes(relais_client_t *self, relais_sent_outcome_t **out, size_t *count)
{
    *out = NULL;
    *count = 0;
    int rc = s_need_spool(self);
    return rc ? rc : relais_spool_outcomes(self->spool, out, count);
}

int relais_client_outbox_outcome(relais_client_t *self, const uint8_t msg_id[RELAIS_MSG_ID_BYTES],
                                 relais_sent_outcome_t *out)
{
    int rc = s_need_spool(self);
    return rc ? rc : relais_spool_outcome(self->spool, msg_id, out);
}

/* ---- Flush --------------------------------------------------------------------------- */

typedef struct {
    relais_client_t *client; /* whose spool */
    relais_flush_fn *fn;     /* caller's callback, may be NULL */
    void *arg;               /* its argument */
} s_flush_t;

/* The caller hears first, the spool forgets after: a crash in between repeats the callback,
 * never loses it. */
static int s_flush_outcome(s_entry_t *e, const relais_ack_t *ack, const relais_error_t *err, void *arg)
{
    s_flush_t *f = arg;
    if (f->fn)
        f->fn(f->arg, e->msg_id, e->tag, ack, err);
    relais_spool_outcome_t o;
    memset(&o, 0, sizeof o);
    memcpy(o.msg_id, e->msg_id, sizeof o.msg_id);
    o.spooled_ms = e->spooled_ms;
    o.settled_ms = s_wall_ms();
    snprintf(o.tag, sizeof o.tag, "%s", e->tag ? e->tag : "");
    if (ack) {
        o.seq = ack->seq;
        snprintf(o.case_id, sizeof o.case_id, "%s", ack->case_id);
    } else {
        o.refused = 1;
        snprintf(o.code, sizeof o.code, "%s", relais_status_name(err->status));
        snprintf(o.sentence, sizeof o.sentence, "%s", err->message);
    }
    return relais_spool_settle(f->client->spool, e->key, &o);
}

/* A spooled message the hub would not take (spooled by an older librelais, or under a larger
 * max_message): refused here, for good, so that it is not sent again and again. */
static int s_refuse_too_large(relais_client_t *self, const relais_spool_entry_t *se, s_flush_t *f)
{
    s_entry_t e;
    memset(&e, 0, sizeof e);
    e.key = se->key;
    e.tag = se->tag;
    e.spooled_ms = se->spooled_ms;
    s_msg_id_of(se->bytes, se->len, e.msg_id);
    relais_error_t err;
    relais_client_local_error(self, RELAIS_E_TOO_LARGE, &err);
    return s_flush_outcome(&e, NULL, &err, f);
}

/* Fills the window from the spool, after the last key taken. */
static int s_refill(relais_client_t *self, s_entry_t *win, size_t *n, uint64_t *last_key, s_flush_t *f)
{
    while (*n < S_WINDOW) {
        relais_spool_entry_t se;
        int rc = relais_spool_next(self->spool, *last_key, &se);
        if (rc == RELAIS_E_NOT_FOUND)
            return RELAIS_OK;
        if (rc)
            return rc;
        *last_key = se.key;
        if (s_check_size(self, se.len) != RELAIS_OK) {
            rc = s_refuse_too_large(self, &se, f);
            relais_spool_entry_clear(&se);
            if (rc)
                return rc;
            continue;
        }
        rc = s_entry_init(self, &win[*n], se.bytes, se.len, se.key, se.tag);
        win[*n].spooled_ms = se.spooled_ms;
        relais_spool_entry_clear(&se);
        if (rc) {
            s_entry_clear(&win[*n]);
            return rc;
        }
        (*n)++;
    }
    return RELAIS_OK;
}

/* Drops finished entries, keeping the others in spool order. */
static size_t s_compact(s_entry_t *win, size_t n)
{
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        if (win[i].done) {
            s_entry_clear(&win[i]);
            continue;
        }
        if (kept != i) {
            win[kept] = win[i];
            memset(&win[i], 0, sizeof win[i]);
        }
        kept++;
    }
    return kept;
}

int relais_client_flush(relais_client_t *self, int timeout_ms, relais_flush_fn *fn, void *arg)
{
    int rc = s_need_spool(self);
    if (rc)
        return rc;
    s_entry_t win[S_WINDOW];
    memset(win, 0, sizeof win);
    size_t n = 0;
    uint64_t last_key = 0;
    s_flush_t f = {self, fn, arg};
    int64_t deadline = relais_client_now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    for (;;) {
        rc = s_refill(self, win, &n, &last_key, &f);
        if (rc || n == 0)
            break;
        if (relais_client_now_ms() >= deadline) {
            rc = RELAIS_E_TIMEOUT;
            break;
        }
        rc = s_round(self, win, n, deadline, s_flush_outcome, &f);
        n = s_compact(win, n);
        if (rc)
            break;
    }
    for (size_t i = 0; i < n; i++)
        s_entry_clear(&win[i]);
    return rc;
}
