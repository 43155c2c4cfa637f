/* monitor.c -- the connections the ROUTER accepts: handshakes pending, done, failed, and accepts refused.
 *
 * libzmq gives no hook between accept and the CURVE handshake: an outsider without a key can
 * hold TCP connections open without ever sending a byte, each one a file descriptor until the
 * handshake interval (--handshake-timeout) closes it. What libzmq does give is a socket
 * monitor: its events let the broker count the connections that have not completed a
 * handshake and the accepts that failed (EMFILE: out of descriptors), and say so in its log,
 * so that an operator sees the attack and what a firewall in front should limit.
 *
 * Runs in the intake thread, which polls the monitor's PAIR socket with the others.
 */
#include "broker_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_MONITOR_EP "inproc://relais-monitor"
#define S_REPORT_EVERY_MS 10000 /* the connections' counts, when they changed */
#define S_ACCEPT_LOG_MS 1000    /* failed accepts are logged at most this often */

struct broker_monitor {
    void *pair;              /* the monitor's events */
    uint64_t accepted;       /* connections accepted */
    uint64_t handshakes;     /* handshakes completed */
    uint64_t failed;         /* handshakes failed (refused key, protocol, timeout, closed) */
    uint64_t accept_failed;  /* accepts refused by the system (descriptors, memory) */
    uint64_t closed;         /* connections closed, after a handshake or without one */
    broker_metrics_t *metrics; /* where the counts are published for --metrics */
    uint64_t accept_logged;  /* accept_failed when last logged */
    int last_errno;          /* the system's reason for the last failed accept */
    int64_t accept_log_ms;   /* when failed accepts were last logged */
    int64_t report_ms;       /* when the counts were last reported */
    uint64_t reported[3];    /* accepted, handshakes, failed at that report */
};

broker_monitor_t *broker_monitor_new(relais_broker_t *b, void *router)
{
    broker_monitor_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    int events = ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_ACCEPT_FAILED | ZMQ_EVENT_HANDSHAKE_SUCCEEDED |
                 ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                 ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_DISCONNECTED;
    self->pair = zmq_socket(b->ctx, ZMQ_PAIR);
    if (!self->pair || zmq_socket_monitor(router, S_MONITOR_EP, events) != 0 ||
        zmq_connect(self->pair, S_MONITOR_EP) != 0) {
        if (self->pair)
            zmq_close(self->pair);
        free(self);
        return NULL;
    }
    int linger = 0;
    zmq_setsockopt(self->pair, ZMQ_LINGER, &linger, sizeof linger);
    self->report_ms = broker_now_ms();
    self->metrics = &b->metrics;
    return self;
}

void broker_monitor_destroy(broker_monitor_t **self_p, void *router)
{
    if (!self_p || !*self_p)
        return;
    if (router)
        zmq_socket_monitor(router, NULL, 0);
    zmq_close((*self_p)->pair);
    free(*self_p);
    *self_p = NULL;
}

void *broker_monitor_socket(broker_monitor_t *self)
{
    return self->pair;
}

/* Reads one event (two frames: event and value, then the endpoint); 0, or -1 when none. */
static int s_event(broker_monitor_t *self, uint16_t *event, uint32_t *value)
{
    zmq_msg_t head, address;
    zmq_msg_init(&head);
    if (zmq_msg_recv(&head, self->pair, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&head);
        return -1;
    }
    int ok = zmq_msg_size(&head) >= 6;
    if (ok) {
        memcpy(event, zmq_msg_data(&head), 2);
        memcpy(value, (uint8_t *)zmq_msg_data(&head) + 2, 4);
    }
    int more = zmq_msg_more(&head);
    zmq_msg_close(&head);
    if (more) {
        zmq_msg_init(&address);
        zmq_msg_recv(&address, self->pair, 0);
        zmq_msg_close(&address);
    }
    return ok ? 0 : 1;
}

static uint64_t s_pending(const broker_monitor_t *self)
{
    uint64_t done = self->handshakes + self->failed;
    return self->accepted > done ? self->accepted - done : 0;
}

void broker_monitor_read(broker_monitor_t *self)
{
    uint16_t event = 0;
    uint32_t value = 0;
    for (int n = 0; n < 4096; n++) {
        int rc = s_event(self, &event, &value);
        if (rc < 0)
            break;
        if (rc > 0)
            continue;
        switch (event) {
        case ZMQ_EVENT_ACCEPTED:
            self->accepted++;
            break;
        case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
            self->handshakes++;
            break;
        case ZMQ_EVENT_ACCEPT_FAILED:
            self->accept_failed++;
            self->last_errno = (int)value;
            break;
        case ZMQ_EVENT_DISCONNECTED: /* libzmq's last word on every connection, whatever became of it */
            self->closed++;
            break;
        default: /* a handshake that failed: a key refused, a protocol error, a timeout, a close */
            self->failed++;
            break;
        }
    }
    atomic_store_explicit(&self->metrics->connections_accepted, self->accepted, memory_order_relaxed);
    atomic_store_explicit(&self->metrics->connections_closed, self->closed, memory_order_relaxed);
    atomic_store_explicit(&self->metrics->handshakes_failed, self->failed, memory_order_relaxed);
    atomic_store_explicit(&self->metrics->accepts_failed, self->accept_failed, memory_order_relaxed);
}

void broker_monitor_tick(broker_monitor_t *self)
{
    int64_t now = broker_now_ms();
    if (self->accept_failed > self->accept_logged && now - self->accept_log_ms >= S_ACCEPT_LOG_MS) {
        broker_log("warn", "accept-failed", "count=%llu total=%llu errno=%s pending_handshakes=%llu",
                   (unsigned long long)(self->accept_failed - self->accept_logged),
                   (unsigned long long)self->accept_failed, strerror(self->last_errno),
                   (unsigned long long)s_pending(self));
        self->accept_logged = self->accept_failed;
        self->accept_log_ms = now;
    }
    uint64_t now_counts[3] = {self->accepted, self->handshakes, self->failed};
    if (now - self->report_ms < S_REPORT_EVERY_MS || memcmp(now_counts, self->reported, sizeof now_counts) == 0)
        return;
    broker_log(s_pending(self) > 0 ? "warn" : "info", "connections",
               "pending_handshakes=%llu accepted=%llu handshakes=%llu failed=%llu accept_failed=%llu",
               (unsigned long long)s_pending(self), (unsigned long long)self->accepted,
               (unsigned long long)self->handshakes, (unsigned long long)self->failed,
               (unsigned long long)self->accept_failed);
    memcpy(self->reported, now_counts, sizeof now_counts);
    self->report_ms = now;
}
