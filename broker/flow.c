/* flow.c -- fair shares of the verifiers between identities, bounded bytes, and a brake on bad signatures.
 *
 * A single FIFO in front of the verifiers lets one identity that floods (8 connections of 30 KB
 * frames with bad signatures) make every other partner wait behind thousands of its jobs. So
 * intake keeps one queue per identity (bounded in jobs and bytes) and hands the verifiers only
 * a few jobs at a time, taken from the identities in turn (deficit round robin on bytes, so
 * that large frames count for what they cost). A partner's referral then waits behind at most
 * the verifiers' short queue, whatever another identity sends. Every job's bytes count from
 * the moment intake takes it until its answer comes back through intake: the hub's memory for
 * requests is bounded, and the total over all identities too.
 *
 * An identity whose messages keep failing their signature (a leaky bucket: more than
 * --brake-bad-signatures, 16, in a burst, 1.6 a second sustained) is braked: its submissions are refused at intake, before any
 * verification, until the bucket has drained.
 *
 * Runs in the intake thread; the verifiers only decrement the shared count of jobs they have
 * not yet taken, and wake intake when it falls low while jobs wait here.
 */
#include "broker_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define S_TENANT_JOBS_MAX 256          /* jobs waiting per identity */
#define S_TENANT_BYTES_MAX (2u << 20)  /* and their bytes */
#define S_QUANTUM 32768                /* bytes an identity may send per turn of the round */
#define S_JOB_COST 1024                /* what a job costs besides its bytes (the signature check) */
#define S_BAD_LEAK_PER_S 1600          /* the bucket drains this much a second, x1000 */
#define S_LOG_EVERY_MS 1000            /* refusals of one identity are logged at most this often */

/* Reads an identity may make (each logged with an access record): a burst, then so many a
 * second. Sized by role: a partner reads its few referrals; the coordinator works the list all
 * day; an auditor's online `audit verify` of a million-record log (about 4,000 pages) fits in
 * its burst and its rate is above what verification can ask for. */
typedef struct {
    int64_t burst;
    int64_t per_s;
} s_budget_t;

static s_budget_t s_read_budget(int role)
{
    switch (role) {
    case RELAIS_ROLE_COORDINATOR:
    case RELAIS_ROLE_DPO:
        return (s_budget_t){3000, 50};
    case RELAIS_ROLE_AUDITOR:
        return (s_budget_t){50000, 2000};
    default:
        return (s_budget_t){120, 2};
    }
}

typedef struct {
    char user[RELAIS_IDENT_NAME_MAX]; /* the identity */
    size_t index;                     /* its place in the flow's tenants */
    zmq_msg_t *jobs;                  /* ring of job frames (envelope and bytes), owned */
    size_t cap, head, count;          /* ring room, first job, jobs waiting */
    size_t queued;                    /* bytes of the jobs waiting */
    size_t in_flight;                 /* bytes of its jobs the verifiers and the writer hold */
    int64_t deficit;                  /* bytes it may still send in its current turn */
    int active;                       /* in the round (it has jobs waiting) */
    int64_t bad_milli;                /* the bad-signature bucket, x1000 */
    int64_t bad_ms;                   /* when the bucket was last drained */
    int braked;                       /* its submissions are refused */
    int64_t reads_milli;              /* reads it may still make, x1000 (its budget's bucket) */
    int64_t reads_ms;                 /* when the bucket was last filled */
    int reads_init;                   /* the bucket has been filled once (it starts full) */
    unsigned refused;                 /* refusals not yet logged */
    int64_t logged_ms;                /* when its refusals were last logged */
} s_tenant_t;

struct broker_flow {
    relais_broker_t *b;       /* the broker */
    void *to_verify;          /* PUSH to the verifier pool */
    s_tenant_t **tenants;     /* every identity seen (identities come from the registry: few) */
    size_t count, room;       /* tenants, room of `tenants` */
    size_t *round;            /* tenants with jobs waiting, in turn */
    size_t round_count;       /* how many */
    size_t cursor;            /* whose turn it is */
    int turn_open;            /* the cursor's identity already got its quantum this turn */
    size_t total;             /* bytes waiting and in flight, every identity */
    int depth;                /* jobs the verifiers may hold (not yet taken) ... */
    size_t depth_bytes;       /* ... and their bytes */
    int64_t brake_milli;      /* the bad-signature bucket's brim, x1000 (0: no brake) */
};

broker_flow_t *broker_flow_new(relais_broker_t *b, void *to_verify)
{
    broker_flow_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->b = b;
    self->to_verify = to_verify;
    int verifiers = b->opts.verifiers > 0 ? b->opts.verifiers : 1;
    self->depth = BROKER_VERIFY_DEPTH_PER_THREAD * verifiers;
    self->depth_bytes = (size_t)BROKER_VERIFY_BYTES_PER_THREAD * (size_t)verifiers;
    self->brake_milli = (int64_t)b->opts.brake_bad_signatures * 1000;
    return self;
}

void broker_flow_destroy(broker_flow_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    broker_flow_t *self = *self_p;
    for (size_t i = 0; i < self->count; i++) {
        s_tenant_t *t = self->tenants[i];
        for (size_t k = 0; k < t->count; k++)
            zmq_msg_close(&t->jobs[(t->head + k) % t->cap]);
        free(t->jobs);
        free(t);
    }
    free(self->tenants);
    free(self->round);
    free(self);
    *self_p = NULL;
}

static s_tenant_t *s_tenant(broker_flow_t *self, const char *user, int create)
{
    for (size_t i = 0; i < self->count; i++)
        if (strcmp(self->tenants[i]->user, user) == 0)
            return self->tenants[i];
    if (!create)
        return NULL;
    if (self->count == self->room) {
        size_t room = self->room ? 2 * self->room : 16;
        s_tenant_t **grown = realloc(self->tenants, room * sizeof *grown);
        size_t *round = realloc(self->round, room * sizeof *round);
        if (grown)
            self->tenants = grown;
        if (round)
            self->round = round;
        if (!grown || !round)
            return NULL;
        self->room = room;
    }
    s_tenant_t *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    snprintf(t->user, sizeof t->user, "%s", user);
    t->index = self->count;
    self->tenants[self->count++] = t;
    return t;
}

/* The bucket as it stands now, drained for the time since it was last looked at. */
static int64_t s_bad_level(s_tenant_t *t, int64_t now)
{
    int64_t drained = (now - t->bad_ms) * S_BAD_LEAK_PER_S / 1000;
    t->bad_milli = t->bad_milli > drained ? t->bad_milli - drained : 0;
    t->bad_ms = now;
    return t->bad_milli;
}

/* Counts a refusal of this identity's request; logs them at most once a second. */
static void s_refused(s_tenant_t *t, const char *why, int64_t now)
{
    t->refused++;
    if (now - t->logged_ms < S_LOG_EVERY_MS)
        return;
    broker_log("warn", "throttled", "user=%s refused=%u why=%s queued=%zu", t->user, t->refused, why, t->queued);
    t->refused = 0;
    t->logged_ms = now;
}

/* Whether a submission of `bytes` from `t` is refused before anything else is done with it. */
static int s_refuse_submit(broker_flow_t *self, s_tenant_t *t, size_t bytes, int64_t now, char *why, size_t cap)
{
    if (t->braked) {
        if (s_bad_level(t, now) > self->brake_milli) {
            snprintf(why, cap, "too many messages from this identity failed their signature; it is slowed down "
                               "for a few seconds (check the signing key its agent uses)");
            s_refused(t, "bad-signatures", now);
            return RELAIS_E_UNAVAILABLE;
        }
        t->braked = 0;
        broker_log("info", "unbraked", "user=%s", t->user);
    }
    if (t->count == S_TENANT_JOBS_MAX || t->queued + bytes > S_TENANT_BYTES_MAX) {
        snprintf(why, cap, "this identity has too many requests waiting; retry shortly");
        s_refused(t, "identity-queue-full", now);
        return RELAIS_E_UNAVAILABLE;
    }
    return 0;
}

/* Takes one read from the identity's budget; RELAIS_E_RATE_LIMITED when it has none. */
static int s_take_read(s_tenant_t *t, int role, int64_t now, char *why, size_t cap)
{
    s_budget_t b = s_read_budget(role);
    if (!t->reads_init) {
        t->reads_milli = b.burst * 1000;
        t->reads_init = 1;
    } else if (now > t->reads_ms) {
        t->reads_milli += (now - t->reads_ms) * b.per_s;
        if (t->reads_milli > b.burst * 1000)
            t->reads_milli = b.burst * 1000;
    }
    t->reads_ms = now;
    if (t->reads_milli >= 1000) {
        t->reads_milli -= 1000;
        return 0;
    }
    int64_t wait_ms = (1000 - t->reads_milli + b.per_s - 1) / b.per_s;
    snprintf(why, cap, "this identity has read %lld times in a short while, the most its role may; it may read "
                       "again in %lld ms",
             (long long)b.burst, (long long)wait_ms);
    s_refused(t, "read-budget", now);
    return RELAIS_E_RATE_LIMITED;
}

int broker_flow_admit_submit(broker_flow_t *self, const char *user, size_t len, int64_t now, char *why, size_t cap)
{
    s_tenant_t *t = s_tenant(self, user, 0);
    return t ? s_refuse_submit(self, t, sizeof(broker_env_t) + len, now, why, cap) : 0;
}

int broker_flow_submit(broker_flow_t *self, broker_env_t *env, const void *data, size_t len, char *why, size_t cap)
{
    int64_t now = env->received_ms;
    s_tenant_t *t = s_tenant(self, env->user, 1);
    if (!t) {
        snprintf(why, cap, "the hub is out of memory; retry shortly");
        return RELAIS_E_UNAVAILABLE;
    }
    size_t bytes = sizeof *env + len;
    int rc = env->kind == BROKER_JOB_SUBMIT ? s_refuse_submit(self, t, bytes, now, why, cap) : 0;
    if (rc == 0 && (env->flags & BROKER_F_LOGGED_READ))
        rc = s_take_read(t, env->role, now, why, cap);
    if (rc)
        return rc;
    if (t->count == S_TENANT_JOBS_MAX || t->queued + bytes > S_TENANT_BYTES_MAX) {
        snprintf(why, cap, "this identity has too many requests waiting; retry shortly");
        s_refused(t, "identity-queue-full", now);
        return RELAIS_E_UNAVAILABLE;
    }
    if (self->total + bytes > BROKER_FLOW_BYTES_MAX) {
        snprintf(why, cap, "the hub is busy; retry shortly");
        s_refused(t, "hub-queue-full", now);
        return RELAIS_E_UNAVAILABLE;
    }
    if (t->count == t->cap) {
        size_t ncap = t->cap ? 2 * t->cap : 8;
        zmq_msg_t *jobs = malloc(ncap * sizeof *jobs);
        if (!jobs) {
            snprintf(why, cap, "the hub is out of memory; retry shortly");
            return RELAIS_E_UNAVAILABLE;
        }
        for (size_t k = 0; k < t->count; k++) {
            zmq_msg_init(&jobs[k]);
            zmq_msg_move(&jobs[k], &t->jobs[(t->head + k) % t->cap]);
        }
        free(t->jobs);
        t->jobs = jobs;
        t->cap = ncap;
        t->head = 0;
    }
    env->job_bytes = bytes;
    zmq_msg_t *slot = &t->jobs[(t->head + t->count) % t->cap];
    if (broker_env_frame(slot, env, data, len, NULL, 0) != 0) {
        snprintf(why, cap, "the hub is out of memory; retry shortly");
        return RELAIS_E_UNAVAILABLE;
    }
    t->count++;
    t->queued += bytes;
    self->total += bytes;
    if (!t->active) {
        t->active = 1;
        self->round[self->round_count++] = t->index;
    }
    return 0;
}

/* Takes the cursor's identity out of the round (its queue is empty). */
static void s_leave_round(broker_flow_t *self)
{
    s_tenant_t *t = self->tenants[self->round[self->cursor]];
    t->active = 0;
    t->deficit = 0;
    memmove(&self->round[self->cursor], &self->round[self->cursor + 1],
            (self->round_count - self->cursor - 1) * sizeof *self->round);
    self->round_count--;
    self->turn_open = 0;
    if (self->cursor >= self->round_count)
        self->cursor = 0;
}

static void s_next_turn(broker_flow_t *self)
{
    self->turn_open = 0;
    self->cursor = self->round_count ? (self->cursor + 1) % self->round_count : 0;
}

/* Whether the verifiers may take a job of `bytes` more: a few jobs each, and few bytes, so
 * that what an identity sends waits behind at most a millisecond or two of others' work. An
 * empty queue takes any job. */
static int s_verifiers_have_room(const broker_flow_t *self, size_t bytes)
{
    relais_broker_t *b = self->b;
    int jobs = atomic_load(&b->verify_pending);
    size_t queued = atomic_load(&b->verify_pending_bytes);
    return jobs == 0 || (jobs < self->depth && queued + bytes <= self->depth_bytes);
}

int broker_flow_dispatch(broker_flow_t *self)
{
    relais_broker_t *b = self->b;
    while (self->round_count > 0) {
        s_tenant_t *t = self->tenants[self->round[self->cursor]];
        zmq_msg_t *job = &t->jobs[t->head];
        size_t bytes = zmq_msg_size(job);
        if (!s_verifiers_have_room(self, bytes)) {
            /* A verifier wakes us when room comes; look again after saying we wait, in case
             * the room came in between (then no verifier would know to wake us). */
            atomic_store(&b->flow_waiting, 1);
            if (!s_verifiers_have_room(self, bytes))
                return 1;
        }
        if (!self->turn_open) {
            t->deficit += S_QUANTUM;
            self->turn_open = 1;
        }
        int64_t cost = (int64_t)bytes + S_JOB_COST;
        if (cost > t->deficit) {
            s_next_turn(self);
            continue;
        }
        atomic_fetch_add(&b->verify_pending, 1);
        atomic_fetch_add(&b->verify_pending_bytes, bytes);
        if (zmq_msg_send(job, self->to_verify, ZMQ_DONTWAIT) < 0) {
            atomic_fetch_sub(&b->verify_pending, 1);
            atomic_fetch_sub(&b->verify_pending_bytes, bytes);
            return 1; /* the inproc queue itself is full: try on the next turn of the loop */
        }
        t->head = (t->head + 1) % t->cap;
        t->count--;
        t->queued -= bytes;
        t->in_flight += bytes;
        t->deficit -= cost;
        if (t->count == 0)
            s_leave_round(self);
    }
    atomic_store(&b->flow_waiting, 0);
    return 0;
}

void broker_flow_done(broker_flow_t *self, const broker_env_t *env)
{
    if (env->job_bytes == 0)
        return;
    s_tenant_t *t = s_tenant(self, env->user, 0);
    if (!t || t->in_flight < env->job_bytes || self->total < env->job_bytes) {
        broker_log("error", "internal", "what=\"an answer for a job not counted\" user=%s", env->user);
        return;
    }
    t->in_flight -= env->job_bytes;
    self->total -= env->job_bytes;
    if (env->status != RELAIS_E_BAD_SIGNATURE)
        return;
    int64_t now = broker_now_ms();
    t->bad_milli = s_bad_level(t, now) + 1000;
    if (!t->braked && self->brake_milli > 0 && t->bad_milli > self->brake_milli) {
        t->braked = 1;
        broker_log("warn", "braked", "user=%s why=bad-signatures", t->user);
    }
}

size_t broker_flow_bytes(const broker_flow_t *self)
{
    return self->total;
}

void broker_flow_wake(relais_broker_t *b, size_t job_bytes)
{
    int jobs = atomic_fetch_sub(&b->verify_pending, 1) - 1;
    size_t queued = atomic_fetch_sub(&b->verify_pending_bytes, job_bytes) - job_bytes;
    int verifiers = b->opts.verifiers > 0 ? b->opts.verifiers : 1;
    /* Half empty, and intake holds jobs back: one of us tells it, once. */
    if ((jobs <= BROKER_VERIFY_DEPTH_PER_THREAD * verifiers / 2 ||
         queued <= (size_t)BROKER_VERIFY_BYTES_PER_THREAD * (size_t)verifiers / 2) &&
        atomic_load(&b->flow_waiting) && atomic_exchange(&b->flow_waiting, 0) && b->wake_pipe[1] >= 0) {
        ssize_t w = write(b->wake_pipe[1], "f", 1);
        (void)w;
    }
}
