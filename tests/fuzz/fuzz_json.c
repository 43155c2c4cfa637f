/* fuzz_json.c -- libFuzzer target: the JSON reader of `relais submit`, and the trip back from the broker's JSON. */
#include "fuzz_common.h"

#include "relais_proto.h"

#include <stdlib.h>
#include <string.h>


/* A body from_json built is what the partner signs and the broker decodes: the broker must
 * accept it, show the header given, and its JSON must build the very same bytes again. */
static void s_round_trip(const uint8_t *body, size_t body_len)
{
    relais_message_t *msg = NULL;
    int rc = relais_message_decode(body, body_len, &msg);
    FUZZ_CHECK(rc == RELAIS_OK, "decode refused the body that from_json built", rc);
    FUZZ_CHECK(strcmp(relais_message_sender(msg), FUZZ_SENDER) == 0 &&
                   memcmp(relais_message_id(msg), fuzz_msg_id, sizeof fuzz_msg_id) == 0 &&
                   relais_message_created_ms(msg) == FUZZ_CREATED_MS,
               "the decoded header is not the one from_json was given", 0);
    char *text = relais_message_to_json(msg);
    FUZZ_CHECK(text != NULL, "to_json failed on a message from_json built", 0);
    char *payload = fuzz_payload_of(text);
    uint8_t *again = NULL;
    size_t again_len = 0;
    rc = relais_message_from_json(payload, strlen(payload), FUZZ_SENDER, fuzz_msg_id, FUZZ_CREATED_MS, &again,
                                  &again_len);
    FUZZ_CHECK(rc == RELAIS_OK, "from_json refused the JSON that to_json wrote", rc);
    FUZZ_CHECK(again_len == body_len && memcmp(again, body, body_len) == 0,
               "from_json(to_json(body)) is not the body from_json built first", 0);
    free(again);
    free(payload);
    free(text);
    relais_message_destroy(&msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *body = NULL;
    size_t body_len = 0;
    int rc = relais_message_from_json((const char *)data, size, FUZZ_SENDER, fuzz_msg_id, FUZZ_CREATED_MS, &body,
                                      &body_len);
    if (rc != RELAIS_OK) {
        FUZZ_CHECK(rc == RELAIS_E_MALFORMED, "from_json refused input with a code other than MALFORMED", rc);
        return 0;
    }
    s_round_trip(body, body_len);
    free(body);
    return 0;
}
