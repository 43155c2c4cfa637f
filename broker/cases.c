/* cases.c -- reading case records back: by id, by referral, by log record. */
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

/* Whether the case lists referral `seq`; a case whose list is full (RELAIS_MAX_REFERRERS)
 * is taken to hold every later referral of its child. */
static int s_lists_referral(const relais_case_record_t *rec, uint64_t seq)
{
    for (size_t i = 0; i < rec->referral_seq_count; i++)
        if (rec->referral_seqs[i] == seq)
            return 1;
    return rec->referral_seq_count == RELAIS_MAX_REFERRERS && seq > rec->referral_seqs[RELAIS_MAX_REFERRERS - 1] &&
           seq <= rec->last_seq;
}

typedef struct {
    uint64_t seq;              /* the referral looked for */
    relais_case_record_t *out; /* where the case goes */
    int found;                 /* set when a case lists it */
} s_scan_t;

static int s_scan_case(void *ctx, const char *case_id, const uint8_t *state, size_t len)
{
    (void)case_id;
    s_scan_t *scan = ctx;
    if (relais_case_record_decode(state, len, scan->out) != 0)
        return 0;
    for (size_t i = 0; i < scan->out->referral_seq_count; i++)
        if (scan->out->referral_seqs[i] == scan->seq) {
            scan->found = 1;
            return 1;
        }
    return 0;
}

int broker_case_of_referral(relais_store_t *store, uint64_t seq, const uint8_t key[32], relais_case_record_t *out)
{
    char case_id[RELAIS_CASE_ID_MAX];
    /* The usual answers first: the child's open case, or the case this referral opened. */
    if (key && relais_store_child_case(store, key, case_id) == 0 && broker_case_load(store, case_id, out) == 0 &&
        s_lists_referral(out, seq))
        return 0;
    snprintf(case_id, sizeof case_id, "C-%llu", (unsigned long long)seq);
    if (broker_case_load(store, case_id, out) == 0 && s_lists_referral(out, seq))
        return 0;
    /* A referral attached to a case that has closed since: rare, so a scan is fine. */
    s_scan_t scan = {seq, out, 0};
    int rc = relais_store_case_iterate(store, s_scan_case, &scan);
    if (scan.found)
        return 0;
    return rc < 0 ? rc : RELAIS_E_NOT_FOUND;
}

static int s_message_case(relais_broker_t *b, const relais_message_t *msg, uint64_t seq, relais_case_record_t *out)
{
    relais_payload_t payload = relais_message_payload(msg);
    if (payload == RELAIS_PAYLOAD_CASE_UPDATE) {
        relais_case_update_view_t upd;
        int rc = relais_message_case_update(msg, &upd);
        return rc != 0 ? rc : broker_case_load(b->store, upd.case_id, out);
    }
    if (payload == RELAIS_PAYLOAD_REFERRAL) {
        relais_referral_view_t ref;
        uint8_t key[32];
        int rc = relais_message_referral(msg, &ref);
        if (rc == 0)
            rc = broker_child_key(b->hub_secret, &ref, key);
        return broker_case_of_referral(b->store, seq, rc == 0 ? key : NULL, out);
    }
    return RELAIS_E_NOT_FOUND;
}

int broker_record_case(relais_broker_t *b, const uint8_t *record, size_t len, relais_case_record_t *out,
                       char *sender, size_t sender_cap, relais_payload_t *payload)
{
    relais_log_record_t rec;
    relais_signed_t sm;
    relais_message_t *msg = NULL;
    int rc = relais_log_record_decode(record, len, &rec);
    if (rc == 0)
        rc = relais_signed_decode(rec.signed_message, rec.signed_len, &sm);
    if (rc == 0)
        rc = relais_message_decode(sm.body, sm.body_len, &msg);
    if (rc != 0)
        return rc;
    snprintf(sender, sender_cap, "%s", relais_message_sender(msg));
    *payload = relais_message_payload(msg);
    rc = s_message_case(b, msg, rec.seq, out);
    relais_message_destroy(&msg);
    return rc;
}
