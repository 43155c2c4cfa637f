/* cases.c -- the case index in the store: the rules of relais_cases applied inside a batch, and read back. */
#include "broker_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int broker_case_load(relais_store_t *store, const char *case_id, relais_case_record_t *out)
{
    uint8_t *bytes = NULL;
    size_t len = 0;
    int rc = relais_store_case_get(store, case_id, &bytes, &len);
    if (rc != 0)
        return rc;
    rc = relais_case_record_decode(bytes, len, out);
    free(bytes);
    return rc;
}

/* ---- The rules' view of the index inside a batch ------------------------------------------ */

static int s_batch_case_get(void *ctx, const char *case_id, relais_case_record_t *out)
{
    uint8_t *bytes = NULL;
    size_t len = 0;
    int rc = relais_store_batch_case_get(ctx, case_id, &bytes, &len);
    /* INVALID: a case id no index could hold is a case that does not exist. */
    if (rc == RELAIS_E_INVALID)
        return RELAIS_E_NOT_FOUND;
    if (rc != 0)
        return rc;
    rc = relais_case_record_decode(bytes, len, out);
    free(bytes);
    return rc == 0 ? 0 : RELAIS_E_CORRUPT;
}

static int s_batch_child_get(void *ctx, const uint8_t child_key[32], char *case_id)
{
    return relais_store_batch_child_get(ctx, child_key, case_id);
}

static const relais_cases_index_t s_batch_index = {s_batch_case_get, s_batch_child_get};

int broker_cases_decide(relais_store_batch_t *batch, const uint8_t secret[32], const relais_message_t *msg,
                        const uint8_t *child_key, uint64_t seq, int64_t received_ms, relais_cases_step_t *step)
{
    return relais_cases_decide(&s_batch_index, batch, secret, msg, child_key, seq, received_ms, step);
}

int broker_cases_record(relais_store_batch_t *batch, const relais_cases_step_t *step, uint64_t seq)
{
    uint8_t *rec = NULL, *status = NULL;
    size_t rec_len = 0, status_len = 0;
    const char *case_id = step->rec.summary.case_id;
    int rc = relais_case_record_encode(&step->rec, &rec, &rec_len);
    if (rc == 0)
        rc = relais_case_status_encode(&step->after, &status, &status_len);
    if (rc == 0)
        rc = relais_store_batch_case_put(batch, case_id, rec, rec_len);
    if (rc == 0)
        rc = relais_store_batch_case_link(batch, case_id, seq, status, status_len);
    if (rc == 0 && step->child == RELAIS_CASES_CHILD_LINK)
        rc = relais_store_batch_child_put(batch, step->rec.child_key, case_id);
    if (rc == 0 && step->child == RELAIS_CASES_CHILD_UNLINK)
        rc = relais_store_batch_child_del(batch, step->rec.child_key);
    free(rec);
    free(status);
    return rc;
}

/* ---- Reading events back ------------------------------------------------------------------ */

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
