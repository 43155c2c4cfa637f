/* desk_feed_fixture.h -- what the desk's unit tests feed its model with: records as the hub
 * delivers them to the coordinator's feed, built here from their JSON. Included by the tests
 * alone (its functions are static inline: each test uses some of them). */
#ifndef RELAIS_DESK_FEED_FIXTURE_H
#define RELAIS_DESK_FEED_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "desk_internal.h"

/* A record as the hub delivers it: the LogRecord in clear (a split's copy of record copy_of when
 * that is not 0), its SignedMessage (a signature the desk does not check), and the case's status
 * after it when case_id is given. */
static inline void desk_fixture_deliver(desk_model_t *m, uint64_t seq, int64_t received_ms, const char *sender,
                                        const char *json, const char *case_id, relais_case_state_t state,
                                        uint64_t copy_of)
{
    uint8_t id[RELAIS_MSG_ID_BYTES] = {0}, signature[RELAIS_SIGNATURE_BYTES] = {0};
    id[15] = (uint8_t)seq;
    uint8_t *body = NULL, *signed_msg = NULL;
    size_t body_len = 0, signed_len = 0;
    if (relais_message_from_json(json, strlen(json), sender, id, received_ms, &body, &body_len) != 0)
        fail_msg("%s: %s", json, relais_status_detail());
    assert_int_equal(relais_signed_encode(body, body_len, signature, &signed_msg, &signed_len), 0);
    relais_log_record_t lr = {.seq = seq, .received_ms = received_ms, .signed_message = signed_msg,
                              .signed_len = signed_len, .copy_of = copy_of};
    size_t cap = relais_log_record_max_size(signed_len), len = 0;
    uint8_t *record = malloc(cap);
    assert_non_null(record);
    assert_int_equal(relais_log_record_encode(&lr, record, cap, &len), 0);
    relais_delivery_t d = {.seq = seq, .received_ms = received_ms, .record = record, .record_len = len};
    if (case_id) {
        d.has_status = 1;
        snprintf(d.status.case_id, sizeof d.status.case_id, "%s", case_id);
        d.status.state = state;
        d.status.updated_ms = received_ms;
    }
    desk_model_apply(m, &d);
    free(record);
    free(signed_msg);
    free(body);
}

/* The coordinator's case update of case_id from one state to another (extra: more JSON members,
 * from a comma), the case in state `after` once it is applied. */
static inline void desk_fixture_move(desk_model_t *m, uint64_t seq, int64_t at, const char *case_id, const char *from,
                                     const char *to, const char *extra, relais_case_state_t after)
{
    char json[1024];
    snprintf(json, sizeof json,
             "{\"case_update\": {\"case_id\": \"%s\", \"from_state\": \"%s\", \"to_state\": \"%s\"%s}}", case_id,
             from, to, extra ? extra : "");
    desk_fixture_deliver(m, seq, at, "coordination", json, case_id, after, 0);
}

/* A model whose deadlines are 1, 2 and 3 clock hours (urgent, priority, routine), every day a
 * working one, so that the tests' due dates are easy to tell. */
static inline desk_model_t *desk_fixture_model(void)
{
    relais_cases_policy_t policy;
    relais_cases_policy_default(&policy);
    policy.hours[0] = 1;
    policy.hours[1] = 2;
    policy.hours[2] = 3;
    policy.work_days = 0;
    desk_model_t *m = NULL;
    assert_int_equal(desk_model_new(&policy, &m), 0);
    return m;
}

#endif
