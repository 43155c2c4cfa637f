/* out.c -- what the broker sends to agents, counted in bytes until libzmq lets go of it.
 *
 * libzmq bounds a peer's pipe in messages, not bytes: 40 unread replies of 60 MB, or a frozen
 * feed of large records, sit in the broker's memory. Every frame to an agent is therefore
 * handed to libzmq as a message whose free function gives its bytes back: what a peer holds is
 * known exactly, and a peer over its allowance gets nothing more until it reads (a feed waits,
 * a reply waits in intake's small table or is dropped). With CURVE, libzmq lets go of our
 * message as it encrypts it for the socket, so what is counted is what waits in the pipe.
 *
 * The counters are atomics: the free function runs in libzmq's I/O thread. The table of
 * peers belongs to the intake thread.
 */
#include "broker_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define S_TABLE_MIN 64 /* slots; the table doubles when half full */

/* One peer's bytes in flight; freed when the table has forgotten it and libzmq has let go of
 * every message it counted. */
typedef struct {
    atomic_size_t bytes; /* handed to libzmq, not yet released */
    atomic_int refs;     /* the table's, plus one per message in flight */
} s_count_t;

typedef struct {
    uint8_t route[BROKER_ROUTE_MAX]; /* the peer's routing id */
    size_t route_len;                /* 0: an empty slot */
    int deleted;                     /* a slot left by a forgotten peer (probing goes on past it) */
    s_count_t *count;                /* its counter */
    size_t deferred;                 /* bytes intake holds for it (intake's own bookkeeping) */
    int64_t used_ms;                 /* last send to it, for the sweep of peers gone quietly */
} s_slot_t;

struct broker_out {
    void *router;           /* the agents' socket */
    s_slot_t *slots;        /* open addressing by route */
    size_t room;            /* slots, a power of two */
    size_t used;            /* live and deleted slots */
    s_count_t *bulk;        /* feed deliveries and large replies in flight, all peers (outlives
                             * this struct while libzmq holds one: a closed socket lingers) */
};

/* What libzmq holds of one message: which counters, and how much. */
typedef struct {
    s_count_t *count; /* the peer's */
    s_count_t *bulk;  /* the hub's bulk counter, or NULL */
    size_t len;
    int keep_data;    /* a send that failed: the bytes go back to the caller, not to free() */
} s_hint_t;

static void s_count_release(s_count_t *c)
{
    if (atomic_fetch_sub(&c->refs, 1) == 1)
        free(c);
}

static uint64_t s_hash(const uint8_t *route, size_t len)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ route[i]) * 1099511628211ull;
    return h;
}

broker_out_t *broker_out_new(void *router)
{
    broker_out_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->slots = calloc(S_TABLE_MIN, sizeof *self->slots);
    self->bulk = calloc(1, sizeof *self->bulk);
    if (!self->slots || !self->bulk) {
        free(self->slots);
        free(self->bulk);
        free(self);
        return NULL;
    }
    atomic_init(&self->bulk->bytes, 0);
    atomic_init(&self->bulk->refs, 1);
    self->room = S_TABLE_MIN;
    self->router = router;
    return self;
}

void broker_out_destroy(broker_out_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    broker_out_t *self = *self_p;
    for (size_t i = 0; i < self->room; i++)
        if (self->slots[i].route_len && !self->slots[i].deleted)
            s_count_release(self->slots[i].count);
    s_count_release(self->bulk);
    free(self->slots);
    free(self);
    *self_p = NULL;
}

static s_slot_t *s_find(broker_out_t *self, const uint8_t *route, size_t len)
{
    size_t i = (size_t)s_hash(route, len) & (self->room - 1);
    for (s_slot_t *s = &self->slots[i]; s->route_len; s = &self->slots[i]) {
        if (!s->deleted && s->route_len == len && memcmp(s->route, route, len) == 0)
            return s;
        i = (i + 1) & (self->room - 1);
    }
    return NULL;
}

/* Rebuilds the table at `room` slots without the deleted ones. */
static int s_rehash(broker_out_t *self, size_t room)
{
    s_slot_t *slots = calloc(room, sizeof *slots);
    if (!slots)
        return -1;
    size_t used = 0;
    for (size_t k = 0; k < self->room; k++) {
        const s_slot_t *s = &self->slots[k];
        if (!s->route_len || s->deleted)
            continue;
        size_t i = (size_t)s_hash(s->route, s->route_len) & (room - 1);
        while (slots[i].route_len)
            i = (i + 1) & (room - 1);
        slots[i] = *s;
        used++;
    }
    free(self->slots);
    self->slots = slots;
    self->room = room;
    self->used = used;
    return 0;
}

static s_slot_t *s_get(broker_out_t *self, const uint8_t *route, size_t len)
{
    s_slot_t *s = s_find(self, route, len);
    if (s)
        return s;
    if (2 * (self->used + 1) > self->room && s_rehash(self, 2 * self->room) != 0)
        return NULL;
    s_count_t *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    atomic_init(&c->bytes, 0);
    atomic_init(&c->refs, 1);
    size_t i = (size_t)s_hash(route, len) & (self->room - 1);
    while (self->slots[i].route_len)
        i = (i + 1) & (self->room - 1);
    s = &self->slots[i];
    memcpy(s->route, route, len);
    s->route_len = len;
    s->deleted = 0;
    s->count = c;
    s->deferred = 0;
    self->used++;
    return s;
}

static void s_forget(broker_out_t *self, s_slot_t *s);

void broker_out_forget(broker_out_t *self, const uint8_t *route, size_t len)
{
    s_slot_t *s = s_find(self, route, len);
    if (s)
        s_forget(self, s);
}

void broker_out_sweep(broker_out_t *self, int64_t idle_ms)
{
    int64_t now = broker_now_ms();
    for (size_t i = 0; i < self->room; i++) {
        s_slot_t *s = &self->slots[i];
        /* A rehash in s_forget moves the slots: the sweep ends there, the next one goes on. */
        if (s->route_len && !s->deleted && s->deferred == 0 && atomic_load(&s->count->bytes) == 0 &&
            now - s->used_ms > idle_ms) {
            size_t room = self->room;
            s_forget(self, s);
            if (self->room != room)
                return;
        }
    }
}

static void s_forget(broker_out_t *self, s_slot_t *s)
{
    s_count_release(s->count);
    s->count = NULL;
    s->deleted = 1;
    /* Many peers come and go: a table mostly of deleted slots is rebuilt smaller. */
    if (self->room > S_TABLE_MIN && self->used > self->room / 4) {
        size_t live = 0;
        for (size_t i = 0; i < self->room; i++)
            live += self->slots[i].route_len && !self->slots[i].deleted;
        if (4 * live < self->room)
            s_rehash(self, self->room / 2 > S_TABLE_MIN ? self->room / 2 : S_TABLE_MIN);
    }
}

static void s_free_msg(void *data, void *hint)
{
    s_hint_t *h = hint;
    atomic_fetch_sub(&h->count->bytes, h->len);
    s_count_release(h->count);
    if (h->bulk) {
        atomic_fetch_sub(&h->bulk->bytes, h->len);
        s_count_release(h->bulk);
    }
    if (!h->keep_data)
        free(data);
    free(h);
}

int broker_out_room(broker_out_t *self, const uint8_t *route, size_t route_len, size_t len, int bulk)
{
    s_slot_t *s = s_find(self, route, route_len);
    size_t queued = s ? atomic_load(&s->count->bytes) : 0;
    /* A peer with nothing queued may always take one message, however large: replies are paged
     * below the allowance, so nothing ever waits for room it can never have. */
    if (queued > 0 && queued + len > BROKER_OUT_PEER_MAX)
        return 0;
    return !bulk || atomic_load(&self->bulk->bytes) + len <= BROKER_OUT_BULK_MAX;
}

int broker_out_send(broker_out_t *self, const uint8_t *route, size_t route_len, uint8_t *bytes, size_t len, int bulk)
{
    if (!broker_out_room(self, route, route_len, len, bulk))
        return EAGAIN;
    s_slot_t *s = s_get(self, route, route_len);
    s_hint_t *h = s ? malloc(sizeof *h) : NULL;
    if (!h)
        return ENOMEM;
    s->used_ms = broker_now_ms();
    *h = (s_hint_t){s->count, bulk ? self->bulk : NULL, len, 0};
    atomic_fetch_add(&s->count->refs, 1);
    atomic_fetch_add(&s->count->bytes, len);
    if (bulk) {
        atomic_fetch_add(&self->bulk->refs, 1);
        atomic_fetch_add(&self->bulk->bytes, len);
    }
    zmq_msg_t msg;
    if (zmq_msg_init_data(&msg, bytes, len, s_free_msg, h) != 0) {
        h->keep_data = 1;
        s_free_msg(bytes, h);
        return ENOMEM;
    }
    int err = 0;
    if (zmq_send(self->router, route, route_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
        err = errno ? errno : EHOSTUNREACH;
    else if (zmq_msg_send(&msg, self->router, ZMQ_DONTWAIT) < 0)
        err = errno ? errno : EHOSTUNREACH;
    if (err) {
        h->keep_data = 1; /* a message never sent is ours alone: its free function runs now */
        zmq_msg_close(&msg);
    }
    return err;
}

size_t broker_out_queued(broker_out_t *self, const uint8_t *route, size_t route_len)
{
    s_slot_t *s = s_find(self, route, route_len);
    return s ? atomic_load(&s->count->bytes) : 0;
}

size_t broker_out_bulk(broker_out_t *self)
{
    return atomic_load(&self->bulk->bytes);
}

size_t *broker_out_deferred(broker_out_t *self, const uint8_t *route, size_t route_len)
{
    s_slot_t *s = s_get(self, route, route_len);
    return s ? &s->deferred : NULL;
}
