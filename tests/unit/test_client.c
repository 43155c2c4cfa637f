/* test_client.c -- librelais without a broker: the message ids it signs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "relais_certs.h"
#include "relais_client.h"
#include "relais_proto.h"

#define S_IDS 2000

/* A partner's referral as the examples give it (the Collège Marie Curie's). */
static char *s_example(size_t *len)
{
    FILE *f = fopen(RELAIS_SOURCE_DIR "/examples/referral-college-marie-curie.json", "rb");
    assert_non_null(f);
    static char text[16384];
    *len = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    assert_true(*len > 0 && *len < sizeof text - 1);
    text[*len] = '\0';
    return text;
}

static int64_t s_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t s_id_ms(const uint8_t id[RELAIS_MSG_ID_BYTES])
{
    int64_t ms = 0;
    for (int i = 0; i < 6; i++)
        ms = (ms << 8) | id[i];
    return ms;
}

/* Ids carry their creation time first (so that the broker's id index grows at its end) and
 * are never alike; the time in the id is the header's created_ms (so ids follow the wall
 * clock, which this test assumes is not stepped back while it runs). */
static void test_ids_in_time_order(void **state)
{
    (void)state;
    char dir[256], key[300], cert[300];
    snprintf(dir, sizeof dir, "%s/relais-client.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    assert_non_null(mkdtemp(dir));
    relais_identity_t *hub = NULL, *college = NULL;
    assert_int_equal(relais_identity_generate("hub", RELAIS_ROLE_BROKER, NULL, &hub), 0);
    assert_int_equal(relais_identity_generate("college-marie-curie", RELAIS_ROLE_PARTNER, "Education nationale",
                                              &college), 0);
    assert_int_equal(relais_identity_save(hub, dir), 0);
    assert_int_equal(relais_identity_save(college, dir), 0);
    snprintf(key, sizeof key, "%s/college-marie-curie.cert_secret", dir);
    snprintf(cert, sizeof cert, "%s/hub.cert", dir);
    relais_client_options_t o = {.endpoint = "tcp://127.0.0.1:9", .key_path = key, .server_cert_path = cert};
    relais_client_t *client = NULL;
    assert_int_equal(relais_client_new(&o, &client), 0);

    static uint8_t ids[S_IDS][RELAIS_MSG_ID_BYTES];
    size_t json_len = 0;
    const char *json = s_example(&json_len);
    int64_t before = s_wall_ms();
    for (int i = 0; i < S_IDS; i++) {
        uint8_t *bytes = NULL;
        size_t len = 0;
        assert_int_equal(relais_client_sign_json(client, json, json_len, ids[i], &bytes, &len), 0);
        relais_signed_t sig;
        relais_message_t *msg = NULL;
        assert_int_equal(relais_signed_decode(bytes, len, &sig), 0);
        assert_int_equal(relais_message_decode(sig.body, sig.body_len, &msg), 0);
        assert_memory_equal(relais_message_id(msg), ids[i], RELAIS_MSG_ID_BYTES);
        assert_int_equal(s_id_ms(ids[i]), relais_message_created_ms(msg));
        relais_message_destroy(&msg);
        free(bytes);
    }
    int64_t after = s_wall_ms();
    assert_true(s_id_ms(ids[0]) >= before && s_id_ms(ids[S_IDS - 1]) <= after);
    /* 80 random bits after the time: ids made within one millisecond differ all the same. */
    for (int i = 0; i < S_IDS; i++)
        for (int j = i + 1; j < S_IDS && s_id_ms(ids[j]) == s_id_ms(ids[i]); j++)
            assert_memory_not_equal(ids[i], ids[j], RELAIS_MSG_ID_BYTES);

    relais_client_destroy(&client);
    relais_identity_destroy(&hub);
    relais_identity_destroy(&college);
    char path[400];
    const char *files[] = {"hub.cert", "hub.cert_secret", "hub.sign.key", "college-marie-curie.cert",
                           "college-marie-curie.cert_secret", "college-marie-curie.sign.key"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ids_in_time_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
