/* fuzz_message.c -- libFuzzer target: the broker's intake path over a SignedMessage frame from a peer. */
#include "fuzz_common.h"

#include "relais_certs.h"
#include "relais_proto.h"

#include <stdlib.h>
#include <string.h>

static uint8_t s_public[32];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_sign_public(s_public);
    return 0;
}

/* Reads every byte a view points at, so that ASan sees a dangling or unterminated one. */
static size_t s_touch(const char *s)
{
    return s ? strlen(s) : 0;
}

static void s_views(const relais_message_t *msg)
{
    relais_referral_view_t ref;
    relais_case_update_view_t upd;
    size_t n = s_touch(relais_message_sender(msg));
    FUZZ_CHECK(n > 0, "a decoded message has an empty sender", 0);
    FUZZ_CHECK(relais_message_created_ms(msg) > 0, "a decoded message has no creation time", 0);
    volatile uint8_t sink = relais_message_id(msg)[RELAIS_MSG_ID_BYTES - 1];
    (void)sink;
    if (relais_message_referral(msg, &ref) == RELAIS_OK) {
        n += s_touch(ref.organisation) + s_touch(ref.family_name) + s_touch(ref.birth_date) + s_touch(ref.school) +
             s_touch(ref.class_name);
        for (size_t i = 0; i < ref.given_count; i++)
            n += s_touch(ref.given_names[i]);
        FUZZ_CHECK(relais_message_payload(msg) == RELAIS_PAYLOAD_REFERRAL, "referral view of another payload", 0);
    }
    if (relais_message_case_update(msg, &upd) == RELAIS_OK) {
        n += s_touch(upd.case_id) + s_touch(upd.sub_status) + s_touch(upd.reason_code) + s_touch(upd.note) +
             s_touch(upd.diagnosis) + s_touch(upd.next_review_date) + s_touch(upd.redirected_to);
        FUZZ_CHECK((int)upd.from_state >= 0 && upd.from_state < RELAIS_CASE_STATE_COUNT &&
                       (int)upd.to_state >= 0 && upd.to_state < RELAIS_CASE_STATE_COUNT,
                   "case update view with a state the schema lacks", 0);
    }
    /* The lost and found's and the decrees' views: every string they point at, the decree's
     * places and repeals within their room. */
    relais_lost_view_t lost;
    relais_lost_update_view_t lost_update;
    if (relais_message_lost(msg, &lost) == RELAIS_OK) {
        n += s_touch(lost.description) + s_touch(lost.street) + s_touch(lost.house_number) + s_touch(lost.place) +
             s_touch(lost.person) + s_touch(lost.contact) + s_touch(lost.storage) + s_touch(lost.keep_until);
        FUZZ_CHECK(relais_message_payload(msg) == RELAIS_PAYLOAD_LOST_FOUND, "lost view of another payload", 0);
    }
    if (relais_message_lost_update(msg, &lost_update) == RELAIS_OK) {
        n += s_touch(lost_update.item_id) + s_touch(lost_update.owner) + s_touch(lost_update.identity_checked) +
             s_touch(lost_update.declaration_id) + s_touch(lost_update.handed_to) + s_touch(lost_update.note);
        FUZZ_CHECK(relais_message_payload(msg) == RELAIS_PAYLOAD_LOST_FOUND_UPDATE,
                   "lost update view of another payload", 0);
    }
    relais_decree_t *decree = malloc(sizeof *decree);
    FUZZ_CHECK(decree != NULL, "no memory for a decree", 0);
    const char *decree_text = NULL;
    int decree_rc = relais_message_decree(msg, decree, &decree_text);
    if (relais_message_payload(msg) != RELAIS_PAYLOAD_DECREE)
        FUZZ_CHECK(decree_rc == RELAIS_E_INVALID, "decree view of another payload", decree_rc);
    else
        FUZZ_CHECK(decree_rc == RELAIS_OK || decree_rc == RELAIS_E_MALFORMED, "decree view failed with a code it "
                                                                              "does not list", decree_rc);
    if (decree_rc == RELAIS_OK) {
        FUZZ_CHECK(decree->place_count <= RELAIS_MAX_DECREE_PLACES && decree->repeal_count <= RELAIS_MAX_REPEALS,
                   "a decree view has more places or repeals than room", 0);
        n += s_touch(decree_text) + s_touch(decree->number) + s_touch(decree->title) + s_touch(decree->signatory);
        for (size_t i = 0; i < decree->place_count; i++)
            n += s_touch(decree->places[i].street);
        for (size_t i = 0; i < decree->repeal_count; i++)
            n += s_touch(decree->repeals[i]);
    }
    /* The content rules read every field of a referral or case update: at any date, with the
     * default limits, a refusal says which field. */
    relais_validation_limits_t lim;
    relais_validation_limits_default(&lim);
    char why[256];
    int rc = relais_message_validate(msg, &lim, relais_message_created_ms(msg), why, sizeof why);
    FUZZ_CHECK(rc == 0 || (rc == RELAIS_E_MALFORMED && strchr(why, ':')), "a content refusal names no field", 0);
    /* What the content rules accept fits the views the rules and the index read it through. */
    if (rc == 0 && relais_message_payload(msg) == RELAIS_PAYLOAD_DECREE)
        FUZZ_CHECK(decree_rc == RELAIS_OK, "a decree the content rules accept does not fit its view", decree_rc);
    free(decree);
    volatile size_t total = n;
    (void)total;
}

/* The JSON the broker shows is what `relais submit` reads back: its payload, with the same
 * header, must build a message that shows the same JSON again. The bytes may differ (a
 * signer may order fields differently), the meaning may not. */
static void s_json_round_trip(const relais_message_t *msg, const char *text)
{
    char *payload = fuzz_payload_of(text);
    uint8_t *body = NULL;
    size_t body_len = 0;
    int rc = relais_message_from_json(payload, strlen(payload), relais_message_sender(msg), relais_message_id(msg),
                                      relais_message_created_ms(msg), &body, &body_len);
    free(payload);
    FUZZ_CHECK(rc == RELAIS_OK, "from_json refused the JSON that to_json wrote", rc);
    relais_message_t *again = NULL;
    rc = relais_message_decode(body, body_len, &again);
    FUZZ_CHECK(rc == RELAIS_OK, "decode refused the body that from_json built", rc);
    char *text2 = relais_message_to_json(again);
    FUZZ_CHECK(text2 != NULL && strcmp(text, text2) == 0, "to_json differs after a trip through from_json", 0);
    free(text2);
    relais_message_destroy(&again);
    free(body);
}

static void s_message(const relais_signed_t *sm)
{
    relais_message_t *msg = NULL;
    int rc = relais_message_decode(sm->body, sm->body_len, &msg);
    if (rc != RELAIS_OK) {
        FUZZ_CHECK(msg == NULL, "a failed decode left a message behind", rc);
        FUZZ_CHECK(rc == RELAIS_E_MALFORMED || rc == RELAIS_E_VERSION, "decode failed with a code it does not list",
                   rc);
        return;
    }
    s_views(msg);
    char *text = relais_message_to_json(msg);
    /* to_json refuses only what JSON cannot carry: a uint64 above 2^63 - 1 (access records) */
    if (text == NULL)
        FUZZ_CHECK(relais_message_payload(msg) == RELAIS_PAYLOAD_ACCESS, "to_json failed on a decoded message", 0);
    else if (relais_message_payload(msg) != RELAIS_PAYLOAD_ACCESS)
        s_json_round_trip(msg, text);
    free(text);
    relais_message_destroy(&msg);
    FUZZ_CHECK(msg == NULL, "destroy left the caller's pointer set", 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    relais_signed_t sm;
    if (relais_signed_decode(data, size, &sm) != RELAIS_OK) {
        /* a mutation that breaks the envelope's lengths still makes a hostile body */
        relais_signed_t bare = {.body = data, .body_len = size};
        s_message(&bare);
        return 0;
    }
    FUZZ_CHECK(sm.body >= data && sm.body + sm.body_len <= data + size && sm.signature + 64 == data + size,
               "signed_decode points outside its input", 0);
    /* one signed message has one byte string: encoding the parts gives the input back */
    uint8_t *again = NULL;
    size_t again_len = 0;
    int rc = relais_signed_encode(sm.body, sm.body_len, sm.signature, &again, &again_len);
    FUZZ_CHECK(rc == RELAIS_OK && again_len == size && memcmp(again, data, size) == 0,
               "signed_encode does not give back what signed_decode accepted", rc);
    free(again);
    rc = relais_signature_verify(s_public, sm.body, sm.body_len, sm.signature);
    FUZZ_CHECK(rc == RELAIS_OK || rc == RELAIS_E_BAD_SIGNATURE, "signature_verify failed other than BAD_SIGNATURE", rc);
    s_message(&sm);
    return 0;
}
