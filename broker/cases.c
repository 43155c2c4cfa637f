/* cases.c -- the case index in the store, read back for the feed and the queries. */
#include "broker_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A case's bytes read (rc) decoded into *out, and freed. */
static int s_decode_case(int rc, uint8_t *bytes, size_t len, relais_case_record_t *out)
{
    if (rc == 0)
        rc = relais_case_record_decode(bytes, len, out);
    free(bytes);
    return rc;
}

int broker_case_load(relais_store_t *store, const char *case_id, relais_case_record_t *out)
{
    uint8_t *bytes = NULL;
    size_t len = 0;
    int rc = relais_store_case_get(store, case_id, &bytes, &len);
    return s_decode_case(rc, bytes, len, out);
}

int broker_case_load_batch(relais_store_batch_t *batch, const char *case_id, relais_case_record_t *out)
{
    uint8_t *bytes = NULL;
    size_t len = 0;
    int rc = relais_store_batch_case_get(batch, case_id, &bytes, &len);
    return s_decode_case(rc, bytes, len, out);
}

int broker_case_load_current(relais_store_t *store, const char *case_id, relais_case_record_t *out)
{
    int rc = broker_case_load(store, case_id, out);
    /* A merge chain is at most as long as the cases one case may hold merged. */
    for (int hops = 0; rc == 0 && out->summary.merged_into[0]; hops++) {
        if (hops > RELAIS_MAX_MERGED)
            return relais_status_set(RELAIS_E_CORRUPT, "case %s is merged into a chain that does not end", case_id);
        char next[RELAIS_CASE_ID_LEN];
        memcpy(next, out->summary.merged_into, sizeof next);
        rc = broker_case_load(store, next, out);
    }
    return rc;
}

typedef struct {
    uint64_t seq;
    uint8_t *status;
    size_t len;
} s_event_copy_t;

typedef struct {
    s_event_copy_t *events;
    size_t count, room;
} s_events_copy_t;

static int s_copy_event(void *ctx, uint64_t seq, const uint8_t *status, size_t len)
{
    s_events_copy_t *c = ctx;
    if (c->count == c->room) {
        size_t room = c->room ? 2 * c->room : 64;
        s_event_copy_t *grown = realloc(c->events, room * sizeof *grown);
        if (!grown)
            return RELAIS_E_NOMEM;
        c->events = grown;
        c->room = room;
    }
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return RELAIS_E_NOMEM;
    memcpy(copy, status, len);
    c->events[c->count++] = (s_event_copy_t){seq, copy, len};
    return 0;
}

static int s_by_seq(const void *a, const void *b)
{
    uint64_t x = ((const s_event_copy_t *)a)->seq, y = ((const s_event_copy_t *)b)->seq;
    return x < y ? -1 : x > y;
}

int broker_case_history_all(relais_store_t *store, const relais_case_record_t *rec, relais_store_event_fn fn,
                            void *ctx)
{
    if (rec->summary.merged_count == 0)
        return relais_store_case_history(store, rec->summary.case_id, fn, ctx);
    s_events_copy_t c = {0};
    int rc = relais_store_case_history(store, rec->summary.case_id, s_copy_event, &c);
    for (size_t i = 0; rc == 0 && i < rec->summary.merged_count; i++)
        rc = relais_store_case_history(store, rec->summary.merged_from[i], s_copy_event, &c);
    if (rc == 0 && c.count)
        qsort(c.events, c.count, sizeof c.events[0], s_by_seq);
    for (size_t i = 0; rc == 0 && i < c.count; i++)
        rc = fn(ctx, c.events[i].seq, c.events[i].status, c.events[i].len);
    for (size_t i = 0; i < c.count; i++)
        free(c.events[i].status);
    free(c.events);
    return rc == RELAIS_E_NOMEM ? relais_status_set(RELAIS_E_NOMEM, "out of memory reading a merged case's history")
                                : rc;
}

void broker_case_live_duplicates(relais_store_t *store, relais_case_summary_t *summary)
{
    size_t kept = 0;
    for (size_t i = 0; i < summary->duplicate_count; i++) {
        relais_case_record_t other;
        /* A case gone from the index (archived, erased) is dropped; one merged since is shown as
         * the case it was merged into (once, and never as this case itself); an unreadable one is
         * still a question for the coordinator, and its read logs why. */
        int rc = broker_case_load_current(store, summary->duplicates[i], &other);
        const char *shown = rc == 0 ? other.summary.case_id : summary->duplicates[i];
        int repeat = strcmp(shown, summary->case_id) == 0;
        for (size_t k = 0; k < kept && !repeat; k++)
            repeat = strcmp(summary->duplicates[k], shown) == 0;
        if (rc == RELAIS_E_NOT_FOUND || repeat)
            continue;
        memmove(summary->duplicates[kept++], shown, strlen(shown) + 1);
    }
    summary->duplicate_count = kept;
}

/* ---- Reading events back ------------------------------------------------------------------ */

uint64_t broker_referral_record(relais_store_t *store, uint64_t seq)
{
    relais_referral_record_t ref;
    /* The copy is the record right after the split's. */
    if (relais_cases_referral_load(store, seq, &ref) == 0 && ref.split_by)
        return ref.split_by + 1;
    return seq;
}

int broker_case_event(relais_store_t *store, uint64_t seq, relais_case_status_t *status)
{
    char case_id[RELAIS_CASE_ID_MAX];
    uint8_t *bytes = NULL;
    size_t len = 0;
    int rc = relais_store_seq_case(store, seq, case_id, &bytes, &len);
    if (rc != 0)
        return rc;
    rc = relais_case_status_decode(bytes, len, status);
    free(bytes);
    if (rc == 0 && strcmp(status->case_id, case_id) != 0)
        rc = relais_status_set(RELAIS_E_CORRUPT, "record %llu: its status names case %s, its index %s",
                               (unsigned long long)seq, status->case_id, case_id);
    return rc == RELAIS_E_MALFORMED ? RELAIS_E_CORRUPT : rc;
}
