/* store_index.c -- the case index kept in a relais store: the rules decided over a batch, and what they decided written back. */
#include "relais_cases.h"

#include <stdlib.h>

#include "relais_store.h"

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

int relais_cases_batch_decide(relais_store_batch_t *batch, const uint8_t secret[RELAIS_CASES_SECRET_SIZE],
                              const relais_message_t *msg, const uint8_t *child_key, uint64_t seq,
                              int64_t received_ms, relais_cases_step_t *out)
{
    return relais_cases_decide(&s_batch_index, batch, secret, msg, child_key, seq, received_ms, out);
}

int relais_cases_batch_record(relais_store_batch_t *batch, const relais_cases_step_t *step, uint64_t seq)
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
