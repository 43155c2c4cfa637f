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

/* (Re)subscribes from just after what we already hold, for as much credit as the ring has
 * room: after a reconnection the broker knows nothing of us, and the deliveries queued
 * before it stay valid. */
static int s_resubscribe(relais_client_t *self)
{
    uint32_t room = self->feed_batch - (uint32_t)self->ring_count;
    if (room == 0)
        return RELAIS_OK; /* the caller reads what we hold first; feed_need_send stays set */
    relais_request_t req = {.kind = RELAIS_REQ_SUBSCRIBE,
                            .request_id = ++self->next_request_id,
                            .from_seq = self->feed_received_seq + 1,
                            .credit = room};
    int rc = s_send_request(self, &req);
    if (rc)
        return rc;
    self->feed_request_id = req.request_id;
    self->feed_generation = self->generation;
    self->feed_unused = room;
    self->feed_need_send = 0;
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
    self->subscribed = 1;
    /* Not connected yet is fine: relais_feed_next sends it as soon as it can. */
    self->feed_need_send = 1;
    s_resubscribe(self);
    return RELAIS_OK;
}

/* Asks for more deliveries once half the credit is used. */
static void s_top_up(relais_client_t *self)
{
    if (self->feed_need_send || self->feed_unused > self->feed_batch / 2)
        return;
    uint32_t held = self->feed_unused + (uint32_t)self->ring_count;
    if (held >= self->feed_batch)
        return;
    relais_request_t req = {.kind = RELAIS_REQ_CREDIT,
                            .request_id = self->feed_request_id,
                            .credit = self->feed_batch - held};
    /* If it cannot go now the next call tries again; a lost top-up only slows the feed,
     * and a reconnection resubscribes with fresh credit anyway. */
    if (s_send_request(self, &req) == RELAIS_OK)
        self->feed_unused += req.credit;
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
            s_top_up(self);
            return RELAIS_OK;
        }
        relais_client_drain_events(self);
        if (self->connected && (self->feed_need_send || self->feed_generation != self->generation))
            s_resubscribe(self);
        else
            s_top_up(self);
        int64_t left = deadline - relais_client_now_ms();
        if (left <= 0)
            return RELAIS_E_TIMEOUT;
        if (self->feed_need_send && left > RELAIS_CLIENT_SEND_RETRY_MS)
            left = RELAIS_CLIENT_SEND_RETRY_MS;
        relais_reply_t reply;
        int rc = relais_client_recv(self, (int)left, &reply);
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
