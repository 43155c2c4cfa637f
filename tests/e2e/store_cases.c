/* store_cases.c -- test helper: the case index of a store built without the broker, by the broker's own rules. */
#include "store_cases.h"

#include <stdlib.h>

#include "relais_cases.h"
#include "relais_store.h"

/* One stored record through the rules; a refusal means the helper built a bad log. */
static int s_index_one(relais_store_batch_t *batch, const uint8_t *secret, uint64_t seq, const uint8_t *record,
                       size_t len)
{
    relais_log_record_t lr;
    relais_message_t *msg = NULL;
    relais_cases_step_t step;
    int rc = relais_record_message_decode(record, len, &lr, NULL, &msg);
    if (!rc)
        rc = relais_cases_batch_decide(batch, secret, msg, NULL, seq, lr.received_ms, &step);
    if (!rc && step.about_case && step.status)
        rc = relais_status_set(step.status, "record %llu: %s", (unsigned long long)seq, step.why);
    if (!rc && step.about_case)
        rc = relais_cases_batch_record(batch, &step, seq);
    relais_message_destroy(&msg);
    return rc;
}

int store_cases_index(relais_store_t *store, const char *store_dir, uint64_t first, uint64_t last)
{
    uint8_t secret[32];
    relais_store_batch_t *batch = NULL;
    int rc = relais_cases_secret_load(store_dir, first == 1, secret, NULL);
    if (!rc)
        rc = relais_store_batch_begin(store, &batch);
    for (uint64_t seq = first; !rc && seq <= last; seq++) {
        uint8_t *record = NULL;
        size_t len = 0;
        rc = relais_store_get_record(store, seq, &record, &len);
        if (!rc)
            rc = s_index_one(batch, secret, seq, record, len);
        free(record);
    }
    if (!rc)
        return relais_store_batch_commit(&batch);
    relais_store_batch_abort(&batch);
    return rc;
}
