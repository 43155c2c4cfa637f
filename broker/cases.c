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

void broker_case_live_duplicates(relais_store_t *store, relais_case_summary_t *summary)
{
    size_t kept = 0;
    for (size_t i = 0; i < summary->duplicate_count; i++) {
        relais_case_record_t other;
        /* Only a case gone from the index (archived, erased) is dropped: an unreadable one is
         * still a question for the coordinator, and its read logs why. */
        if (broker_case_load(store, summary->duplicates[i], &other) == RELAIS_E_NOT_FOUND)
            continue;
        if (kept != i)
            memcpy(summary->duplicates[kept], summary->duplicates[i], sizeof summary->duplicates[kept]);
        kept++;
    }
    summary->duplicate_count = kept;
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
