/* client_feed.c -- librelais's live feed: subscription, credit top-ups, resubscription after a reconnection. */
#include "client_internal.h"

#include <stdlib.h>
#include <string.h>

#define S_DEFAULT_CREDIT 256
#define S_MAX_CREDIT 4096 /* deliveries we are ready to hold at once */

static int s_send_request(relais_client_t *self, relais_request_t *req)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc = relais_request_encode(req, &buf, &len);
    if (!rc)
        rc = relais_client_send_raw(self, buf, len);
    free(buf);
    return rc;
}

/* Whether the current Subscribe went out on the connection we have now: only then may a
 * Credit follow it (on another connection the broker has no feed for us, or another one). */
static int s_live(const relais_client_t *self)
{
    return !self->feed_need_send && self->connected && self->feed_generation == self->generation;
}

/* (Re)subscribes from just after what we already hold, for the whole window, and starts
 * counting credit afresh. It waits until the caller has read what the ring holds: the
 * Subscribe's credit is the window, the most the broker will ever hold for us, and a
 * re-grant of it (the keepalive) can then never bring more than the ring has room for.
 * After a reconnection the broker knows nothing of us, and the deliveries queued before it
 * stay valid. The connection generation is taken before the send: a loss noticed while
 * sending belongs to this Subscribe, which is then sent again. */
static int s_resubscribe(relais_client_t *self)
{
    self->feed_need_send = 1;
    if (self->ring_count > 0)
        return RELAIS_OK;
    relais_client_drain_events(self);
    if (!self->connected)
        return RELAIS_E_UNAVAILABLE;
    unsigned generation = self->generation;
    relais_request_t req = {.kind = RELAIS_REQ_SUBSCRIBE,
                            .request_id = ++self->next_request_id,
                            .from_seq = self->feed_received_seq + 1,
                            .credit = self->feed_batch};
    int rc = s_send_request(self, &req);
    if (rc)
        return rc;
    self->feed_request_id = req.request_id;
    self->feed_generation = generation;
    self->feed_unused = self->feed_batch;
    self->feed_need_send = 0;
    self->feed_quiet_since_ms = relais_client_now_ms();
    return RELAIS_OK;
}

int relais_feed_subscribe(relais_client_t *self, uint64_t from_seq, uint32_t credit)
{
    if (!self)
        return RELAIS_E_INVALID;
    if (credit == 0)
        credit = S_DEFAULT_CREDIT;
    if (credit > S_MAX_CREDIT)
        credit = S_MAX_CREDIT;
    relais_client_drain_events(self);
    for (size_t i = 0; i < self->ring_count; i++)
        relais_reply_clear(&self->ring[(self->ring_head + i) % self->feed_batch]);
    free(self->ring);
    self->ring = calloc(credit, sizeof *self->ring);
    if (!self->ring)
        return RELAIS_E_NOMEM;
    self->ring_head = 0;
    self->ring_count = 0;
    self->feed_batch = credit;
    self->feed_received_seq = from_seq > 0 ? from_seq - 1 : 0;
    self->feed_last_seq = self->feed_received_seq;
    self->feed_failed = 0;
    self->feed_retry_at_ms = 0;
    self->feed_backoff_ms = 0;
    self->subscribed = 1;
    /* Not connected yet is fine: relais_feed_next sends it as soon as it can. */
    self->feed_need_send = 1;
    s_resubscribe(self);
    return RELAIS_OK;
}

/* Silence after which credit we believe outstanding is granted again (retry_ms / 2). */
static int64_t s_keepalive_ms(const relais_client_t *self)
{
    return self->retry_ms / 2 > 0 ? self->retry_ms / 2 : 1;
}

static void s_grant(relais_client_t *self, uint32_t credit, int64_t now)
{
    relais_request_t req = {.kind = RELAIS_REQ_CREDIT, .request_id = self->feed_request_id, .credit = credit};
    /* If it cannot go now the next call tries again. */
    if (s_send_request(self, &req) != RELAIS_OK)
        return;
    self->feed_quiet_since_ms = now;
    /* The broker caps what it holds at the window (feed_batch): a re-grant tops up to it. */
    self->feed_unused = self->feed_unused + credit > self->feed_batch - (uint32_t)self->ring_count
                            ? self->feed_batch - (uint32_t)self->ring_count
                            : self->feed_unused + credit;
}

/* Asks for more deliveries once half the credit is used; and when nothing has come for a
 * while although we believe credit is outstanding, grants the whole room again. That
 * keepalive costs the broker nothing if the feed is there (it caps credit at the window)
 * and, if the broker has no feed for us any more, its refusal makes us subscribe again. */
static void s_top_up(relais_client_t *self)
{
    uint32_t held = self->feed_unused + (uint32_t)self->ring_count;
    int64_t now = relais_client_now_ms();
    if (self->feed_unused <= self->feed_batch / 2 && held < self->feed_batch)
        s_grant(self, self->feed_batch - held, now);
    else if (self->ring_count == 0 && now - self->feed_quiet_since_ms >= s_keepalive_ms(self))
        s_grant(self, self->feed_batch, now);
}

/* Keeps the subscription alive on the connection we have: subscribes again after a lost
 * connection or a refusal (ring room permitting), else tops credit up. */
static void s_service(relais_client_t *self)
{
    relais_client_drain_events(self);
    if (s_live(self)) {
        s_top_up(self);
        return;
    }
    if (self->connected && relais_client_now_ms() >= self->feed_retry_at_ms)
        s_resubscribe(self);
}

/* Hands the oldest queued delivery to the caller; it stays valid until the next call. */
static void s_pop(relais_client_t *self, relais_delivery_t *out)
{
    relais_reply_clear(&self->current);
    self->current = self->ring[self->ring_head];
    memset(&self->ring[self->ring_head], 0, sizeof self->ring[self->ring_head]);
    self->ring_head = (self->ring_head + 1) % self->feed_batch;
    self->ring_count--;
    self->feed_last_seq = self->current.delivery.seq;
    *out = self->current.delivery;
}

/* How long the next wait may last: short while the Subscribe still has to go out, and
 * never past the next keepalive or retry. */
static int64_t s_wait_ms(const relais_client_t *self, int64_t left)
{
    int64_t now = relais_client_now_ms(), cap = left;
    if (!s_live(self)) {
        int64_t retry = self->feed_retry_at_ms - now;
        cap = retry > RELAIS_CLIENT_SEND_RETRY_MS ? retry : RELAIS_CLIENT_SEND_RETRY_MS;
    } else {
        int64_t keepalive = self->feed_quiet_since_ms + s_keepalive_ms(self) - now;
        cap = keepalive > RELAIS_CLIENT_SEND_RETRY_MS ? keepalive : RELAIS_CLIENT_SEND_RETRY_MS;
    }
    return cap < left ? cap : left;
}

int relais_feed_next(relais_client_t *self, int timeout_ms, relais_delivery_t *out, relais_error_t *err)
{
    if (!self || !out || !self->subscribed)
        return relais_status_set(RELAIS_E_INVALID, "not subscribed to the feed");
    int64_t deadline = relais_client_now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    for (;;) {
        if (self->feed_failed) {
            if (err)
                *err = self->feed_error;
            return self->feed_error.status;
        }
        if (self->ring_count > 0) {
            s_pop(self, out);
            s_service(self);
            return RELAIS_OK;
        }
        s_service(self);
        int64_t left = deadline - relais_client_now_ms();
        if (left <= 0)
            return RELAIS_E_TIMEOUT;
        relais_reply_t reply;
        self->feed_waiting = 1;
        self->feed_progress = 0;
        int rc = relais_client_recv(self, (int)s_wait_ms(self, left), &reply);
        self->feed_waiting = 0;
        if (rc == RELAIS_OK)
            relais_reply_clear(&reply); /* not for the feed: a late answer to an earlier call */
        else if (rc != RELAIS_E_TIMEOUT)
            return rc;
    }
}

uint64_t relais_feed_last_seq(const relais_client_t *self)
{
    return self ? self->feed_last_seq : 0;
}
