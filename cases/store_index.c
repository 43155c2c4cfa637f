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

/* A referral's entry, read by `get` (the batch's view or the committed store's) under its handle. */
static int s_referral_read(int (*get)(void *, const char *, uint8_t **, size_t *), void *from, uint64_t seq,
                           relais_referral_record_t *out)
{
    char handle[RELAIS_CASE_ID_LEN];
    relais_referral_handle(seq, handle);
    uint8_t *bytes = NULL;
    size_t len = 0;
    int rc = get(from, handle, &bytes, &len);
    if (rc != 0)
        return rc;
    rc = relais_referral_record_decode(bytes, len, out);
    free(bytes);
    return rc == 0 ? 0 : RELAIS_E_CORRUPT;
}

static int s_batch_get(void *batch, const char *key, uint8_t **bytes, size_t *len)
{
    return relais_store_batch_case_get(batch, key, bytes, len);
}

static int s_store_get(void *store, const char *key, uint8_t **bytes, size_t *len)
{
    return relais_store_case_get(store, key, bytes, len);
}

static int s_batch_referral_get(void *ctx, uint64_t seq, relais_referral_record_t *out)
{
    return s_referral_read(s_batch_get, ctx, seq, out);
}

int relais_cases_referral_load(relais_store_t *store, uint64_t seq, relais_referral_record_t *out)
{
    return s_referral_read(s_store_get, store, seq, out);
}

static const relais_cases_index_t s_batch_index = {s_batch_case_get, s_batch_child_get, s_batch_referral_get};

int relais_cases_batch_decide(relais_store_batch_t *batch, const uint8_t secret[RELAIS_CASES_SECRET_SIZE],
                              const relais_message_t *msg, const uint8_t *child_key, uint64_t seq,
                              int64_t received_ms, relais_cases_step_t *out)
{
    return relais_cases_decide(&s_batch_index, batch, secret, msg, child_key, seq, received_ms, out);
}

/* A referral's entry lives in the case index under its handle, beside the cases. */
static int s_put_referral(relais_store_batch_t *batch, const relais_referral_record_t *ref)
{
    char handle[RELAIS_CASE_ID_LEN];
    relais_referral_handle(ref->seq, handle);
    uint8_t *bytes = NULL;
    size_t len = 0;
    int rc = relais_referral_record_encode(ref, &bytes, &len);
    if (rc == 0)
        rc = relais_store_batch_case_put(batch, handle, bytes, len);
    free(bytes);
    return rc;
}

int relais_cases_batch_lifecycle_get(relais_store_batch_t *batch, const char *case_id, relais_lifecycle_t *out)
{
    uint8_t *bytes = NULL;
    size_t len = 0;
    int rc = relais_store_batch_lifecycle_get(batch, case_id, &bytes, &len);
    if (rc == 0 && relais_lifecycle_decode(bytes, len, out) != 0)
        rc = relais_status_set(RELAIS_E_CORRUPT, "the lifecycle of %s does not decode", case_id);
    free(bytes);
    return rc;
}

int relais_cases_batch_lifecycle_put(relais_store_batch_t *batch, const char *case_id, const relais_lifecycle_t *lc)
{
    uint8_t *bytes = NULL;
    size_t len = 0;
    int rc = relais_lifecycle_encode(lc, &bytes, &len);
    if (rc == 0)
        rc = relais_store_batch_lifecycle_put(batch, case_id, bytes, len);
    free(bytes);
    return rc;
}

/* An event of a case: its last contact, from which its active period counts. */
static int s_touch(relais_store_batch_t *batch, const char *case_id, uint64_t seq, int64_t received_ms)
{
    relais_lifecycle_t lc = {0};
    int rc = relais_cases_batch_lifecycle_get(batch, case_id, &lc);
    if (rc != 0 && rc != RELAIS_E_NOT_FOUND)
        return rc;
    relais_cases_lifecycle_touch(&lc, seq, received_ms);
    return relais_cases_batch_lifecycle_put(batch, case_id, &lc);
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
    if (rc == 0 && step->has_referral)
        rc = s_put_referral(batch, &step->referral);
    if (rc == 0 && step->child == RELAIS_CASES_CHILD_LINK)
        rc = relais_store_batch_child_put(batch, step->rec.child_key, case_id);
    if (rc == 0 && step->child == RELAIS_CASES_CHILD_UNLINK)
        rc = relais_store_batch_child_del(batch, step->rec.child_key);
    if (rc == 0)
        rc = s_touch(batch, case_id, seq, step->received_ms);
    free(rec);
    free(status);
    return rc;
}
