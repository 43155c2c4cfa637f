/* test_proto.c -- status codes and the LogRecord codec (the exact leaf encoding auditors rely on). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "relais_proto.h"

static void test_status_names_round_trip(void **state)
{
    (void)state;
    const char *wire[] = {"BAD_SIGNATURE", "UNKNOWN_SENDER", "SENDER_MISMATCH", "MALFORMED",
                          "TOO_LARGE",     "STALE",          "DUPLICATE_CONFLICT", "NO_CONSENT",
                          "BAD_TRANSITION", "FORBIDDEN",     "STORE_FULL",      "UNAVAILABLE"};
    for (int i = 0; i < 12; i++) {
        int code = relais_status_from_name(wire[i]);
        assert_true(code < 0);
        assert_string_equal(relais_status_name(code), wire[i]);
        /* the wire numbering follows the ErrorCode enum of relais.proto */
        assert_int_equal(relais_status_to_wire(code), i + 1);
        assert_int_equal(relais_status_from_wire(i + 1), code);
        assert_true(strlen(relais_strerror(code)) > 10);
    }
    assert_int_equal(relais_status_to_wire(RELAIS_E_CORRUPT), 0);
    assert_int_equal(relais_status_from_wire(0), RELAIS_E_MALFORMED);
    assert_int_equal(relais_status_from_wire(99), RELAIS_E_MALFORMED);
    assert_int_equal(relais_status_from_name("NOPE"), RELAIS_E_INVALID);
    assert_string_equal(relais_status_name(12345), "UNKNOWN");
}

static void test_status_detail(void **state)
{
    (void)state;
    relais_status_clear();
    assert_string_equal(relais_status_detail(), "");
    assert_int_equal(relais_status_set(RELAIS_E_VERSION, "format %d", 7), RELAIS_E_VERSION);
    assert_string_equal(relais_status_detail(), "format 7");
}

/* The README documents this exact byte string for an auditor rebuilding leaves by hand. */
static void test_log_record_known_bytes(void **state)
{
    (void)state;
    const uint8_t sm[] = {0xaa, 0xbb, 0xcc};
    relais_log_record_t rec = {.seq = 300, .received_ms = 1, .signed_message = sm, .signed_len = sizeof sm};
    uint8_t out[64];
    size_t len = 0;
    assert_int_equal(relais_log_record_encode(&rec, out, sizeof out, &len), 0);
    const uint8_t expect[] = {0x08, 0xac, 0x02, 0x10, 0x01, 0x1a, 0x03, 0xaa, 0xbb, 0xcc};
    assert_int_equal(len, sizeof expect);
    assert_memory_equal(out, expect, sizeof expect);
}

static void test_log_record_round_trip(void **state)
{
    (void)state;
    uint8_t sm[1000];
    for (size_t i = 0; i < sizeof sm; i++)
        sm[i] = (uint8_t)(i * 7);
    uint64_t seqs[] = {1, 127, 128, 16384, UINT64_MAX};
    for (size_t i = 0; i < sizeof seqs / sizeof seqs[0]; i++) {
        relais_log_record_t rec = {.seq = seqs[i], .received_ms = 1764139195000LL,
                                   .signed_message = sm, .signed_len = sizeof sm};
        uint8_t out[1100];
        size_t len = 0;
        assert_true(relais_log_record_max_size(sizeof sm) <= sizeof out);
        assert_int_equal(relais_log_record_encode(&rec, out, sizeof out, &len), 0);
        relais_log_record_t back;
        assert_int_equal(relais_log_record_decode(out, len, &back), 0);
        assert_true(back.seq == rec.seq);
        assert_true(back.received_ms == rec.received_ms);
        assert_int_equal(back.signed_len, sizeof sm);
        assert_ptr_equal(back.signed_message, out + len - sizeof sm);
        assert_memory_equal(back.signed_message, sm, sizeof sm);
    }
}

static void test_log_record_refuses_bad_input(void **state)
{
    (void)state;
    relais_log_record_t rec = {.seq = 0, .received_ms = 5};
    uint8_t out[16];
    size_t len;
    assert_int_equal(relais_log_record_encode(&rec, out, sizeof out, &len), RELAIS_E_INVALID);
    uint8_t big[100] = {0};
    rec = (relais_log_record_t){.seq = 1, .received_ms = 5, .signed_message = big, .signed_len = sizeof big};
    assert_int_equal(relais_log_record_encode(&rec, out, sizeof out, &len), RELAIS_E_INVALID);

    relais_log_record_t back;
    const uint8_t empty[] = {0};
    assert_int_equal(relais_log_record_decode(empty, 0, &back), RELAIS_E_MALFORMED);
    const uint8_t seq_zero[] = {0x08, 0x00};
    assert_int_equal(relais_log_record_decode(seq_zero, sizeof seq_zero, &back), RELAIS_E_MALFORMED);
    const uint8_t overlong[] = {0x08, 0x81, 0x00};
    assert_int_equal(relais_log_record_decode(overlong, sizeof overlong, &back), RELAIS_E_MALFORMED);
    const uint8_t truncated[] = {0x08, 0x01, 0x1a, 0x05, 0xaa};
    assert_int_equal(relais_log_record_decode(truncated, sizeof truncated, &back), RELAIS_E_MALFORMED);
    const uint8_t trailing[] = {0x08, 0x01, 0x1a, 0x01, 0xaa, 0x00};
    assert_int_equal(relais_log_record_decode(trailing, sizeof trailing, &back), RELAIS_E_MALFORMED);
    const uint8_t reordered[] = {0x10, 0x01, 0x08, 0x01};
    assert_int_equal(relais_log_record_decode(reordered, sizeof reordered, &back), RELAIS_E_MALFORMED);
    const uint8_t ok[] = {0x08, 0x02, 0x10, 0x03, 0x1a, 0x01, 0xee};
    assert_int_equal(relais_log_record_decode(ok, sizeof ok, &back), 0);
    assert_true(back.seq == 2 && back.received_ms == 3 && back.signed_len == 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_names_round_trip),
        cmocka_unit_test(test_status_detail),
        cmocka_unit_test(test_log_record_known_bytes),
        cmocka_unit_test(test_log_record_round_trip),
        cmocka_unit_test(test_log_record_refuses_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
