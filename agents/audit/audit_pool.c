/* audit_pool.c -- checks records on worker threads and hands the verdicts back in log order. */
#include "audit_internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A chunk amortises the lock over many records; 256 verifies are ~13 ms of one core, short
 * enough that the last chunks before the end leave little idle time. */
#define S_CHUNK_RECORDS 256
/* A chunk closes early when its records pass this many bytes, so that its buffer stays
 * bounded; a single larger record gets a chunk (and a buffer) of its own. */
#define S_CHUNK_BYTES (512u * 1024u)
/* Chunks per worker in the ring: one being checked, one queued so that a worker never
 * waits for the reader to fill the next, and one of slack, because verdicts come back in
 * order and a worker that is a chunk ahead must not stall behind a slower one. */
#define S_SLOTS_PER_JOB 3

/* Up to S_CHUNK_RECORDS consecutive records, copied out of the store's read transaction. */
typedef struct {
    uint64_t first;                                   /* seq of the first record */
    size_t count;                                     /* records in the chunk */
    uint8_t *bytes;                                   /* the records back to back */
    size_t used;                                      /* bytes of `bytes` in use */
    size_t cap;                                       /* bytes allocated */
    size_t end[S_CHUNK_RECORDS];                      /* where each record ends in `bytes` */
    relais_hash_t stored[S_CHUNK_RECORDS];            /* each record's leaf hash as stored */
    relais_audit_verdict_t verdicts[S_CHUNK_RECORDS]; /* filled by the worker */
    int has_cp;                                       /* a checkpoint follows the last record */
    relais_checkpoint_t cp;                           /* that checkpoint */
    int finished;                                     /* the worker is done (under the lock) */
} s_chunk_t;

struct relais_audit_pool {
    const relais_audit_keys_t *keys; /* senders' keys, read by every worker */
    relais_audit_pool_sink_t sink;   /* where verdicts go, on the caller's thread */
    s_chunk_t *ring;                 /* `slots` chunks, used in turn */
    size_t slots;                    /* chunks in the ring */
    pthread_t *threads;              /* the workers */
    size_t started;                  /* workers running */
    pthread_mutex_t lock;            /* guards queued, taken, cancel, stop and chunks' finished */
    pthread_cond_t work;             /* a chunk was queued, or the workers must stop */
    pthread_cond_t done;             /* a worker finished a chunk */
    uint64_t queued;                 /* chunks handed to the workers so far */
    uint64_t taken;                  /* chunks the workers began */
    uint64_t delivered;              /* chunks handed back (caller's thread only) */
    int cancel;                      /* workers skip what is queued: nobody reads it any more */
    int stop;                        /* workers exit */
    int stopped;                     /* what the sink stopped with, 0 while it goes on */
};

/* ---- Workers ---------------------------------------------------------------------------- */

static void s_chunk_check(const relais_audit_keys_t *keys, int keep, s_chunk_t *c)
{
    size_t start = 0;
    for (size_t i = 0; i < c->count; i++) {
        if (keep)
            relais_audit_check_record_keep(keys, c->first + i, c->bytes + start, c->end[i] - start, c->stored[i],
                                           &c->verdicts[i]);
        else
            relais_audit_check_record(keys, c->first + i, c->bytes + start, c->end[i] - start, c->stored[i],
                                      &c->verdicts[i]);
        start = c->end[i];
    }
}

/* The messages the verdicts kept; a verdict's message never outlives its delivery. */
static void s_chunk_release(s_chunk_t *c)
{
    for (size_t i = 0; i < S_CHUNK_RECORDS; i++)
        relais_message_destroy(&c->verdicts[i].msg);
}

static void *s_worker(void *arg)
{
    relais_audit_pool_t *p = arg;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (!p->stop && p->taken == p->queued)
            pthread_cond_wait(&p->work, &p->lock);
        if (p->stop)
            break;
        s_chunk_t *c = &p->ring[p->taken++ % p->slots];
        int skip = p->cancel;
        pthread_mutex_unlock(&p->lock);
        if (!skip)
            s_chunk_check(p->keys, p->sink.keep_messages, c);
        pthread_mutex_lock(&p->lock);
        c->finished = 1;
        pthread_cond_signal(&p->done); /* only the caller's thread waits on it */
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

/* ---- The ring, on the caller's thread ------------------------------------------------------ */

static void s_chunk_recycle(s_chunk_t *c)
{
    /* A record larger than a chunk grew this buffer; give that memory back. */
    if (c->cap > S_CHUNK_BYTES) {
        free(c->bytes);
        c->bytes = NULL;
        c->cap = 0;
    }
    c->count = 0;
    c->used = 0;
    c->has_cp = 0;
    c->finished = 0;
}

static void s_queue(relais_audit_pool_t *p)
{
    pthread_mutex_lock(&p->lock);
    p->queued++;
    pthread_cond_signal(&p->work);
    pthread_mutex_unlock(&p->lock);
}

static void s_cancel(relais_audit_pool_t *p)
{
    pthread_mutex_lock(&p->lock);
    p->cancel = 1;
    pthread_mutex_unlock(&p->lock);
}

/* Waits for the oldest queued chunk and hands its verdicts (then its checkpoint) to the
 * sink, unless the sink stopped already; its slot is free again after. */
static void s_deliver_oldest(relais_audit_pool_t *p)
{
    s_chunk_t *c = &p->ring[p->delivered % p->slots];
    pthread_mutex_lock(&p->lock);
    while (!c->finished)
        pthread_cond_wait(&p->done, &p->lock);
    pthread_mutex_unlock(&p->lock);
    for (size_t i = 0; !p->stopped && i < c->count; i++)
        p->stopped = p->sink.record(p->sink.ctx, c->first + i, &c->verdicts[i]);
    if (!p->stopped && c->has_cp)
        p->stopped = p->sink.checkpoint(p->sink.ctx, &c->cp);
    if (p->stopped)
        s_cancel(p);
    for (size_t i = 0; i < c->count; i++)
        relais_message_destroy(&c->verdicts[i].msg);
    s_chunk_recycle(c);
    p->delivered++;
}

/* The chunk being filled: the next slot, once its previous chunk has been handed back. */
static s_chunk_t *s_filling(relais_audit_pool_t *p)
{
    while (p->queued - p->delivered == p->slots)
        s_deliver_oldest(p);
    return &p->ring[p->queued % p->slots];
}

static int s_chunk_put(s_chunk_t *c, uint64_t seq, const uint8_t *record, size_t len, const relais_hash_t leaf)
{
    if (c->used + len > c->cap) {
        size_t cap = c->used + len > S_CHUNK_BYTES ? c->used + len : S_CHUNK_BYTES;
        uint8_t *grown = realloc(c->bytes, cap);
        if (!grown)
            return relais_status_set(RELAIS_E_NOMEM, "out of memory copying record %llu (%zu bytes)",
                                     (unsigned long long)seq, len);
        c->bytes = grown;
        c->cap = cap;
    }
    if (c->count == 0)
        c->first = seq;
    memcpy(c->bytes + c->used, record, len);
    c->used += len;
    c->end[c->count] = c->used;
    memcpy(c->stored[c->count], leaf, RELAIS_HASH_SIZE);
    c->count++;
    return 0;
}

/* ---- Public face -------------------------------------------------------------------------- */

unsigned relais_audit_pool_default_jobs(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        return 1;
    return n > RELAIS_AUDIT_MAX_JOBS ? RELAIS_AUDIT_MAX_JOBS : (unsigned)n;
}

static int s_start(relais_audit_pool_t *p, unsigned jobs)
{
    p->threads = calloc(jobs, sizeof *p->threads);
    if (!p->threads)
        return relais_status_set(RELAIS_E_NOMEM, "out of memory for %u worker threads", jobs);
    for (unsigned i = 0; i < jobs; i++) {
        if (pthread_create(&p->threads[i], NULL, s_worker, p) != 0)
            break;
        p->started++;
    }
    /* Fewer workers than asked only make the audit slower; none would make it hang. */
    if (p->started == 0)
        return relais_status_set(RELAIS_E_NOMEM, "cannot start a worker thread");
    return 0;
}

int relais_audit_pool_new(const relais_audit_keys_t *keys, unsigned jobs, const relais_audit_pool_sink_t *sink,
                          relais_audit_pool_t **out)
{
    *out = NULL;
    if (!keys || !sink || !sink->record || !sink->checkpoint || jobs == 0 || jobs > RELAIS_AUDIT_MAX_JOBS)
        return relais_status_set(RELAIS_E_INVALID, "an audit pool needs keys, a sink and 1 to %d jobs", RELAIS_AUDIT_MAX_JOBS);
    relais_audit_pool_t *p = calloc(1, sizeof *p);
    if (!p)
        return relais_status_set(RELAIS_E_NOMEM, "out of memory for the audit pool");
    p->keys = keys;
    p->sink = *sink;
    p->slots = (size_t)jobs * S_SLOTS_PER_JOB;
    p->ring = calloc(p->slots, sizeof *p->ring);
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->done, NULL);
    int rc = p->ring ? s_start(p, jobs) : relais_status_set(RELAIS_E_NOMEM, "out of memory for the audit pool");
    if (rc) {
        relais_audit_pool_destroy(&p);
        return rc;
    }
    *out = p;
    return 0;
}

void relais_audit_pool_destroy(relais_audit_pool_t **self_p)
{
    relais_audit_pool_t *p = self_p ? *self_p : NULL;
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->stop = 1;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->lock);
    for (size_t i = 0; i < p->started; i++)
        pthread_join(p->threads[i], NULL);
    for (size_t i = 0; p->ring && i < p->slots; i++) {
        s_chunk_release(&p->ring[i]);
        free(p->ring[i].bytes);
    }
    pthread_cond_destroy(&p->done);
    pthread_cond_destroy(&p->work);
    pthread_mutex_destroy(&p->lock);
    free(p->ring);
    free(p->threads);
    free(p);
    *self_p = NULL;
}

int relais_audit_pool_add(relais_audit_pool_t *self, uint64_t seq, const uint8_t *record, size_t len,
                          const relais_hash_t stored_leaf)
{
    if (self->stopped)
        return self->stopped;
    s_chunk_t *c = s_filling(self);
    if (self->stopped)
        return self->stopped;
    if (c->count > 0 && c->used + len > S_CHUNK_BYTES) {
        s_queue(self);
        c = s_filling(self);
        if (self->stopped)
            return self->stopped;
    }
    int rc = s_chunk_put(c, seq, record, len, stored_leaf);
    if (rc == 0 && c->count == S_CHUNK_RECORDS)
        s_queue(self);
    return rc;
}

int relais_audit_pool_checkpoint(relais_audit_pool_t *self, const relais_checkpoint_t *cp)
{
    if (self->stopped)
        return self->stopped;
    s_chunk_t *c = s_filling(self);
    if (self->stopped)
        return self->stopped;
    /* The chunk ends here, so that the tree holds exactly cp->size leaves when it is read. */
    c->has_cp = 1;
    c->cp = *cp;
    s_queue(self);
    return 0;
}

int relais_audit_pool_flush(relais_audit_pool_t *self)
{
    s_chunk_t *c = &self->ring[self->queued % self->slots];
    if (!self->stopped && self->queued - self->delivered < self->slots && c->count > 0)
        s_queue(self);
    /* Also after a stop: the workers must be done with every chunk before the caller
     * reads the outcome or frees what the verdicts point into. */
    while (self->delivered < self->queued)
        s_deliver_oldest(self);
    return self->stopped;
}
