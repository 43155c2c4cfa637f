/* test_proto.c -- the proto module: status codes, the exact leaf and envelope bytes, messages, JSON, cases, frames. */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "relais_proto.h"

/* A state file replaced whole: its new contents, 0600, no temporary left behind; a name with a
 * slash, a folder that does not exist and a symlink in the temporary's place are refused, the old
 * contents kept. */
static int s_read_small(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, cap - 1, f);
    buf[n] = '\0';
    fclose(f);
    return 0;
}

static void test_file_replace(void **state)
{
    (void)state;
    char dir[] = "/tmp/relais-file-XXXXXX", path[PATH_MAX], tmp[PATH_MAX], got[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/state", dir);
    snprintf(tmp, sizeof tmp, "%s/.state.new", dir);
    assert_int_equal(relais_file_replace(path, "41\n", 3), 0);
    assert_int_equal(relais_file_replace(path, "42\n", 3), 0);
    assert_int_equal(s_read_small(path, got, sizeof got), 0);
    assert_string_equal(got, "42\n");
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(access(tmp, F_OK), -1);

    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    assert_true(dfd >= 0);
    assert_int_equal(relais_file_replace_at(dfd, dir, "a/b", "x", 1), RELAIS_E_IO);
    assert_non_null(strstr(relais_status_detail(), "a/b"));
    /* a link planted where the temporary goes is not followed: the write fails, the file stays */
    assert_int_equal(symlink("/dev/null", tmp), 0);
    assert_int_equal(relais_file_replace_at(dfd, dir, "state", "43\n", 3), RELAIS_E_IO);
    assert_int_equal(s_read_small(path, got, sizeof got), 0);
    assert_string_equal(got, "42\n");
    close(dfd);
    unlink(tmp);

    char missing[PATH_MAX];
    snprintf(missing, sizeof missing, "%s/none/state", dir);
    assert_int_equal(relais_file_replace(missing, "x", 1), RELAIS_E_IO);
    assert_non_null(strstr(relais_status_detail(), "none"));
    unlink(path);
    rmdir(dir);
}

static void test_status_names_round_trip(void **state)
{
    (void)state;
    const char *wire[] = {"BAD_SIGNATURE", "UNKNOWN_SENDER", "SENDER_MISMATCH", "MALFORMED",
                          "TOO_LARGE",     "STALE",          "DUPLICATE_CONFLICT", "NO_CONSENT",
                          "BAD_TRANSITION", "FORBIDDEN",     "STORE_FULL",      "UNAVAILABLE",
                          "RATE_LIMITED",  "LEGAL_HOLD"};
    for (int i = 0; i < 14; i++) {
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
    /* found by fuzz_request (corpus/fuzz_request/regress-status-to-wire): a negative code that
     * is no RELAIS_E_* mapped to a negative wire value, and a huge wire code overflowed */
    assert_int_equal(relais_status_to_wire(-248), 0);
    assert_int_equal(relais_status_to_wire(-1), 0);
    assert_int_equal(relais_status_to_wire(-RELAIS_E_BASE), 0);
    assert_int_equal(relais_status_from_wire(INT_MAX), RELAIS_E_MALFORMED);
    assert_int_equal(relais_status_from_wire(-1), RELAIS_E_MALFORMED);
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

/* A sealed record's bytes, as the README documents them: seq 300, received 1, key 7, a nonce of
 * twelve 0x11 and a ciphertext (with its tag) of seventeen 0x22. */
static void test_log_record_sealed_known_bytes(void **state)
{
    (void)state;
    uint8_t nonce[RELAIS_SEAL_NONCE_BYTES], sealed[17];
    memset(nonce, 0x11, sizeof nonce);
    memset(sealed, 0x22, sizeof sealed);
    relais_log_record_t rec = {.seq = 300, .received_ms = 1, .key_id = 7, .nonce = nonce, .sealed = sealed,
                               .sealed_len = sizeof sealed};
    uint8_t out[64];
    size_t len = 0;
    assert_int_equal(relais_log_record_encode(&rec, out, sizeof out, &len), 0);
    uint8_t expect[5 + 2 + 2 + 12 + 2 + 17] = {0x08, 0xac, 0x02, 0x10, 0x01, 0x20, 0x07, 0x2a, 0x0c};
    memset(expect + 9, 0x11, 12);
    expect[21] = 0x32;
    expect[22] = 0x11;
    memset(expect + 23, 0x22, 17);
    assert_int_equal(len, sizeof expect);
    assert_memory_equal(out, expect, sizeof expect);
    relais_log_record_t back;
    assert_int_equal(relais_log_record_decode(out, len, &back), 0);
    assert_int_equal(back.key_id, 7);
    assert_null(back.signed_message);
    assert_ptr_equal(back.nonce, out + 9);
    assert_ptr_equal(back.sealed, out + 23);
    assert_int_equal(back.sealed_len, 17);
    /* Not canonical: a nonce of another length, a ciphertext no longer than its tag, the clear
     * field beside the sealed ones, trailing bytes. */
    uint8_t bad[64];
    memcpy(bad, out, len);
    bad[8] = 0x0b;
    assert_int_equal(relais_log_record_decode(bad, len, &back), RELAIS_E_MALFORMED);
    memcpy(bad, out, len);
    bad[22] = 0x10;
    assert_int_equal(relais_log_record_decode(bad, 23 + 16, &back), RELAIS_E_MALFORMED);
    memcpy(bad, out, len);
    bad[len] = 0x1a;
    assert_int_equal(relais_log_record_decode(bad, len + 1, &back), RELAIS_E_MALFORMED);
    const uint8_t both[] = {0x08, 0x01, 0x1a, 0x01, 0xaa, 0x20, 0x01};
    assert_int_equal(relais_log_record_decode(both, sizeof both, &back), RELAIS_E_MALFORMED);
    rec.signed_message = sealed;
    rec.signed_len = 3;
    assert_int_equal(relais_log_record_encode(&rec, out, sizeof out, &len), RELAIS_E_INVALID);
}

/* A split's copy names the record it copies, last (field 7): canonical only, and always an
 * earlier record. */
static void test_log_record_copy(void **state)
{
    (void)state;
    uint8_t nonce[RELAIS_SEAL_NONCE_BYTES], sealed[17], out[64], bad[64];
    memset(nonce, 0x11, sizeof nonce);
    memset(sealed, 0x22, sizeof sealed);
    relais_log_record_t rec = {.seq = 300, .received_ms = 1, .key_id = 7, .nonce = nonce, .sealed = sealed,
                               .sealed_len = sizeof sealed, .copy_of = 200}, back;
    size_t len = 0;
    assert_int_equal(relais_log_record_encode(&rec, out, sizeof out, &len), 0);
    assert_int_equal(len, 40 + 3);
    assert_memory_equal(out + 40, ((const uint8_t[]){0x38, 0xc8, 0x01}), 3);
    assert_int_equal(relais_log_record_decode(out, len, &back), 0);
    assert_int_equal(back.copy_of, 200);
    assert_int_equal(back.sealed_len, 17);
    assert_ptr_equal(back.sealed, out + 23);
    /* In clear, too. */
    relais_log_record_t clear = {.seq = 5, .received_ms = 1, .signed_message = sealed, .signed_len = 4, .copy_of = 3};
    assert_int_equal(relais_log_record_encode(&clear, out, sizeof out, &len), 0);
    assert_int_equal(relais_log_record_decode(out, len, &back), 0);
    assert_int_equal(back.copy_of, 3);
    assert_int_equal(back.signed_len, 4);
    /* Not canonical or not a copy: 0, itself or a later record, anything after it. */
    memcpy(bad, out, len);
    bad[len - 1] = 0x00;
    assert_int_equal(relais_log_record_decode(bad, len, &back), RELAIS_E_MALFORMED);
    bad[len - 1] = 0x05;
    assert_int_equal(relais_log_record_decode(bad, len, &back), RELAIS_E_MALFORMED);
    bad[len - 1] = 0x03;
    bad[len] = 0x38;
    assert_int_equal(relais_log_record_decode(bad, len + 1, &back), RELAIS_E_MALFORMED);
    clear.copy_of = 5;
    assert_int_equal(relais_log_record_encode(&clear, out, sizeof out, &len), RELAIS_E_INVALID);
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

/* ---- Helpers: hand-written protobuf, for inputs our encoders refuse to produce ----------- */

typedef struct {
    uint8_t b[4096];
    size_t n;
} s_buf_t;

static void s_varint(s_buf_t *w, uint64_t v)
{
    while (v >= 0x80) {
        w->b[w->n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    w->b[w->n++] = (uint8_t)v;
}

static void s_field_varint(s_buf_t *w, unsigned field, uint64_t v)
{
    s_varint(w, (uint64_t)field << 3);
    s_varint(w, v);
}

static void s_field_bytes(s_buf_t *w, unsigned field, const void *data, size_t len)
{
    s_varint(w, (uint64_t)field << 3 | 2);
    s_varint(w, len);
    if (len)
        memcpy(w->b + w->n, data, len);
    w->n += len;
}

static const uint8_t s_id[RELAIS_MSG_ID_BYTES] = {0x5e, 0xa0, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
                                                  0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0xff};
#define S_CREATED_MS 1795687200000LL

/* A Message body: header (fields left out when 0 / NULL) and an optional raw payload field. */
static void s_message(s_buf_t *w, unsigned version, const char *sender, size_t id_len, int64_t created,
                      unsigned payload_field, const s_buf_t *payload)
{
    s_buf_t h = {.n = 0};
    if (version)
        s_field_varint(&h, 1, version);
    if (sender && sender[0])
        s_field_bytes(&h, 2, sender, strlen(sender));
    if (id_len)
        s_field_bytes(&h, 3, s_id, id_len);
    if (created)
        s_field_varint(&h, 4, (uint64_t)created);
    w->n = 0;
    s_field_bytes(w, 1, h.b, h.n);
    if (payload_field)
        s_field_bytes(w, payload_field, payload ? payload->b : NULL, payload ? payload->n : 0);
}

static char *s_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *text = malloc(65536);
    assert_non_null(text);
    *len = fread(text, 1, 65535, f);
    assert_true(feof(f));
    fclose(f);
    text[*len] = '\0';
    return text;
}

static char *s_example(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/examples/%s", RELAIS_SOURCE_DIR, name);
    return s_read_file(path, len);
}

static int s_from_json(const char *json, uint8_t **body, size_t *len)
{
    return relais_message_from_json(json, strlen(json), "college-marie-curie", s_id, S_CREATED_MS, body, len);
}

static relais_message_t *s_decode_json(const char *json)
{
    uint8_t *body = NULL;
    size_t len = 0;
    assert_int_equal(s_from_json(json, &body, &len), 0);
    relais_message_t *msg = NULL;
    assert_int_equal(relais_message_decode(body, len, &msg), 0);
    free(body);
    return msg;
}

static void s_expect_detail(int rc, int want, const char *fragment)
{
    if (rc != want || !strstr(relais_status_detail(), fragment))
        fail_msg("got %s \"%s\", wanted %s with \"%s\"", relais_status_name(rc), relais_status_detail(),
                 relais_status_name(want), fragment);
}

/* ---- Content rules (validate.c) ----------------------------------------------------------- */

#define S_NOW_MS 1796256000000LL /* 2026-12-03 00:00 UTC */

/* A referral that meets every rule, but for the child, the extra fields and the consent time given. */
static char *s_referral_with(const char *child, const char *extra, const char *consent_ms)
{
    static char json[4096];
    snprintf(json, sizeof json,
             "{\"referral\": {\"external_ref\": \"ENT-2026-117\", \"referrer\": {\"organisation\": \"Collège Marie "
             "Curie\", \"role\": \"TEACHER\"}, \"child\": {%s}, \"domains\": [\"EDUCATIONAL\"], \"description\": "
             "\"Absences répétées.\", \"urgency\": \"ROUTINE\", \"consent\": {\"recorded_by\": \"CPE\", "
             "\"recorded_ms\": %s}%s}}",
             child ? child : "\"family_name\": \"Benali\", \"given_names\": [\"Lina\"], \"birth_date\": \"2014-05-21\"",
             consent_ms ? consent_ms : "1795000000000", extra ? extra : "");
    return json;
}

static void s_expect_valid(const char *json, const char *fragment)
{
    relais_message_t *msg = s_decode_json(json);
    relais_validation_limits_t lim;
    relais_validation_limits_default(&lim);
    char why[256] = "";
    int rc = relais_message_validate(msg, &lim, S_NOW_MS, why, sizeof why);
    relais_message_destroy(&msg);
    if (fragment && (rc != RELAIS_E_MALFORMED || !strstr(why, fragment)))
        fail_msg("got %s \"%s\", wanted MALFORMED with \"%s\"", relais_status_name(rc), why, fragment);
    if (!fragment && rc != 0)
        fail_msg("refused: %s", why);
}

static void test_validate_calendar_dates(void **state)
{
    (void)state;
    int y = 0, m = 0, d = 0;
    assert_true(relais_calendar_date("2016-02-29", &y, &m, &d));
    assert_int_equal(y * 10000 + m * 100 + d, 20160229);
    const char *bad[] = {"2013-02-30", "2015-02-29", "1900-02-29", "21/05/2013", "2013-5-21", "2013-13-01",
                         "2013-00-10", "2013-04-31", "2013-05-21T00:00", "", "abcd-ef-gh", "2013-05-2x"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (relais_calendar_date(bad[i], NULL, NULL, NULL))
            fail_msg("%s taken for a date", bad[i]);
    assert_true(relais_calendar_date("2000-02-29", NULL, NULL, NULL));
}

static void test_validate_referral_schema_rules(void **state)
{
    (void)state;
    s_expect_valid(s_referral_with(NULL, NULL, NULL), NULL);
    s_expect_valid(s_referral_with("\"family_name\": \"Benali\", \"given_names\": [\"Lina\"], \"birth_date\": "
                                   "\"2013-02-30\"", NULL, NULL),
                   "referral.child.birth_date: 2013-02-30 is not a date; expected YYYY-MM-DD");
    s_expect_valid(s_referral_with("\"family_name\": \"Benali\", \"given_names\": [\"Lina\"], \"birth_date\": "
                                   "\"21/05/2013\"", NULL, NULL),
                   "referral.child.birth_date: 21/05/2013 is not a date");
    s_expect_valid(s_referral_with("\"family_name\": \"\", \"given_names\": [\"Lina\"], \"birth_date\": "
                                   "\"2014-05-21\"", NULL, NULL),
                   "referral.child.family_name: required");
    s_expect_valid(s_referral_with("\"family_name\": \"Benali\", \"given_names\": [\"Lina\", \"\"], \"birth_date\": "
                                   "\"2014-05-21\"", NULL, NULL),
                   "referral.child.given_names.2: required");
    s_expect_valid(s_referral_with("\"family_name\": \"Benali\", \"birth_date\": \"2014-05-21\"", NULL, NULL),
                   "referral.child.given_names: required");
    char long_name[200], child[400];
    memset(long_name, 'a', 101);
    long_name[101] = '\0';
    snprintf(child, sizeof child, "\"family_name\": \"%s\", \"given_names\": [\"Lina\"], \"birth_date\": \"2014-05-21\"",
             long_name);
    s_expect_valid(s_referral_with(child, NULL, NULL), "referral.child.family_name: 101 characters; expected at most 100");
    /* Characters, not bytes: 100 accented letters (200 bytes) pass. */
    char accented[256] = "";
    for (int i = 0; i < 100; i++)
        strcat(accented, "\xc3\xa9");
    snprintf(child, sizeof child, "\"family_name\": \"%s\", \"given_names\": [\"Lina\"], \"birth_date\": \"2014-05-21\"",
             accented);
    s_expect_valid(s_referral_with(child, NULL, NULL), NULL);

    const char *no_description =
        "{\"referral\": {\"referrer\": {\"organisation\": \"Collège Marie Curie\", \"role\": \"TEACHER\"}, \"child\": "
        "{\"family_name\": \"Benali\", \"given_names\": [\"Lina\"], \"birth_date\": \"2014-05-21\"}, \"domains\": "
        "[\"EDUCATIONAL\"], \"urgency\": \"ROUTINE\", \"consent\": {\"recorded_by\": \"CPE\", \"recorded_ms\": "
        "1795000000000}}}";
    s_expect_valid(no_description, "referral.description: required");
    const char *no_role = "{\"referral\": {\"referrer\": {\"organisation\": \"Collège Marie Curie\"}, \"child\": "
                          "{\"family_name\": \"Benali\", \"given_names\": [\"Lina\"], \"birth_date\": \"2014-05-21\"}, "
                          "\"domains\": [\"EDUCATIONAL\"], \"description\": \"x\", \"urgency\": \"ROUTINE\"}}";
    s_expect_valid(no_role, "referral.referrer.role: required");
    const char *twice = "{\"referral\": {\"referrer\": {\"organisation\": \"PMI\", \"role\": \"PMI\"}, \"child\": "
                        "{\"family_name\": \"Benali\", \"given_names\": [\"Lina\"], \"birth_date\": \"2014-05-21\"}, "
                        "\"domains\": [\"HEALTH\", \"HEALTH\"], \"description\": \"x\", \"urgency\": \"ROUTINE\"}}";
    s_expect_valid(twice, "referral.domains.2: given twice");
    const char *no_urgency = "{\"referral\": {\"referrer\": {\"organisation\": \"PMI\", \"role\": \"PMI\"}, \"child\": "
                             "{\"family_name\": \"Benali\", \"given_names\": [\"Lina\"], \"birth_date\": "
                             "\"2014-05-21\"}, \"domains\": [\"HEALTH\"], \"description\": \"x\"}}";
    s_expect_valid(no_urgency, "referral.urgency: required");
    s_expect_valid(s_referral_with(NULL, ", \"guardians\": [{\"name\": \"Mme Benali\"}, {\"email\": \"@\"}]", NULL),
                   NULL);
}

static void test_validate_referral_hub_rules(void **state)
{
    (void)state;
    s_expect_valid(s_referral_with("\"family_name\": \"Benali\", \"given_names\": [\"Lina\"], \"birth_date\": "
                                   "\"2031-01-01\"", NULL, NULL),
                   "referral.child.birth_date: 2031-01-01 is in the future");
    s_expect_valid(s_referral_with("\"family_name\": \"Benali\", \"given_names\": [\"Lina\"], \"birth_date\": "
                                   "\"1990-01-01\"", NULL, NULL),
                   "makes the child 36; expected a child of 0 to 18 years");
    /* 18 until the day before the 19th birthday. */
    s_expect_valid(s_referral_with("\"family_name\": \"Benali\", \"given_names\": [\"Lina\"], \"birth_date\": "
                                   "\"2007-12-04\"", NULL, NULL),
                   NULL);
    s_expect_valid(s_referral_with("\"family_name\": \"Benali\", \"given_names\": [\"Lina\"], \"birth_date\": "
                                   "\"2007-12-03\"", NULL, NULL),
                   "makes the child 19");
    s_expect_valid(s_referral_with(NULL, NULL, "1795000000"), "expected milliseconds since 1970-01-01 UTC (not seconds)");
    s_expect_valid(s_referral_with(NULL, NULL, "1797000000000"), "referral.consent.recorded_ms: 2026-12-11 is in the future");
    s_expect_valid(s_referral_with(NULL, NULL, "1700000000000"), "is more than 730 days ago");

    relais_message_t *msg = s_decode_json(s_referral_with(
        "\"family_name\": \"Benali\", \"given_names\": [\"Lina\"], \"birth_date\": \"2024-01-01\"", NULL, NULL));
    relais_validation_limits_t lim;
    relais_validation_limits_default(&lim);
    lim.child_age_min = 3;
    char why[256];
    assert_int_equal(relais_message_validate(msg, &lim, S_NOW_MS, why, sizeof why), RELAIS_E_MALFORMED);
    assert_non_null(strstr(why, "expected a child of 3 to 18 years"));
    /* Without limits, only the schema's rules. */
    assert_int_equal(relais_message_validate(msg, NULL, S_NOW_MS, why, sizeof why), 0);
    relais_message_destroy(&msg);
}

static void test_validate_case_update_rules(void **state)
{
    (void)state;
    s_expect_valid("{\"case_update\": {\"case_id\": \"C-14\", \"from_state\": \"TRIAGE\", \"to_state\": \"DIAGNOSIS\"}}",
                   NULL);
    s_expect_valid("{\"case_update\": {\"case_id\": \"c-14\", \"from_state\": \"TRIAGE\", \"to_state\": \"DIAGNOSIS\"}}",
                   "case_update.case_id: c-14 is not a case id; expected C-<number>");
    s_expect_valid("{\"case_update\": {\"case_id\": \"C-014\", \"from_state\": \"TRIAGE\", \"to_state\": "
                   "\"DIAGNOSIS\"}}",
                   "case_update.case_id: C-014 is not a case id");
    s_expect_valid("{\"case_update\": {\"case_id\": \"C-14\", \"to_state\": \"DIAGNOSIS\"}}",
                   "case_update.from_state: required");
    s_expect_valid("{\"case_update\": {\"case_id\": \"C-14\", \"from_state\": \"FOLLOW_UP\", \"to_state\": "
                   "\"FOLLOW_UP\", \"next_review_date\": \"15/03/2027\"}}",
                   "case_update.next_review_date: 15/03/2027 is not a date; expected YYYY-MM-DD");
    s_expect_valid("{\"case_update\": {\"case_id\": \"C-14\", \"from_state\": \"FOLLOW_UP\", \"to_state\": "
                   "\"FOLLOW_UP\", \"next_review_date\": \"2026-11-01\"}}",
                   "case_update.next_review_date: 2026-11-01 is in the past; expected today or a later date");
    s_expect_valid("{\"case_update\": {\"case_id\": \"C-14\", \"from_state\": \"FOLLOW_UP\", \"to_state\": "
                   "\"FOLLOW_UP\", \"next_review_date\": \"2026-12-02\"}}",
                   NULL);
    s_expect_valid("{\"case_update\": {\"case_id\": \"C-14\", \"from_state\": \"FOLLOW_UP\", \"to_state\": "
                   "\"FOLLOW_UP\", \"next_review_date\": \"2031-01-01\"}}",
                   "is more than 730 days ahead");
    s_expect_valid("{\"case_update\": {\"case_id\": \"C-14\", \"from_state\": \"DIAGNOSIS\", \"to_state\": "
                   "\"PATHWAY_PROPOSED\", \"pathway\": [{\"kind\": \"COLLECTIVE\", \"description\": \"Atelier "
                   "lecture\", \"start_date\": \"2027-01-04\"}, {\"kind\": \"INDIVIDUAL\"}]}}",
                   "case_update.pathway.2.description: required");
    s_expect_valid("{\"case_update\": {\"case_id\": \"C-14\", \"from_state\": \"DIAGNOSIS\", \"to_state\": "
                   "\"PATHWAY_PROPOSED\", \"pathway\": [{\"description\": \"Atelier\"}]}}",
                   "case_update.pathway.1.kind: required; expected INDIVIDUAL or COLLECTIVE");
    s_expect_valid("{\"case_update\": {\"case_id\": \"C-14\", \"from_state\": \"FOLLOW_UP\", \"to_state\": "
                   "\"FOLLOW_UP\", \"share_referral\": \"R14\"}}",
                   "case_update.share_referral: R14 is not a referral's handle; expected R-<number>");
}

/* A meeting's record that meets every rule, with `id`, `date` and the fields in `extra` (present,
 * decision, review date) as given. */
static char *s_meeting_with(const char *id, const char *date, const char *extra)
{
    static char json[8192];
    snprintf(json, sizeof json, "{\"meeting\": {\"meeting_id\": \"%s\", \"date\": \"%s\", \"case_id\": \"C-12\"%s}}", id,
             date, extra ? extra
                         : ", \"present\": [{\"name\": \"Mme Roux\", \"role\": \"psychologue\", \"organisation\": "
                           "\"CMP de Sceaux\"}], \"decision\": \"Orientation vers le CMP.\\nPoint en janvier.\", "
                           "\"next_review_date\": \"2027-01-15\"");
    return json;
}

static void test_validate_meeting_rules(void **state)
{
    (void)state;
    assert_true(relais_meeting_id_valid("M-20261202-a3f9", "2026-12-02"));
    assert_true(relais_meeting_id_valid("M-20261202-0123456789abcdef", NULL));
    assert_true(relais_meeting_id_valid("M-20261202-7", NULL));
    const char *bad[] = {"M-20261202-", "M-2026120-a3f9", "M-20261202-A3F9", "M-20261202-a3f9!", "m-20261202-a3f9",
                         "M-20261202-0123456789abcdef0", "M-2026-12-02-a", "", NULL};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (relais_meeting_id_valid(bad[i], NULL))
            fail_msg("%s taken for a meeting id", bad[i] ? bad[i] : "NULL");
    assert_false(relais_meeting_id_valid("M-20261202-a3f9", "2026-12-01"));

    s_expect_valid(s_meeting_with("M-20261202-a3f9", "2026-12-02", NULL), NULL);
    s_expect_valid(s_meeting_with("M-2026120-a3f9", "2026-12-02", NULL),
                   "meeting.meeting_id: M-2026120-a3f9 is not a meeting id; expected M-, the date as YYYYMMDD");
    s_expect_valid(s_meeting_with("M-20261201-a3f9", "2026-12-02", NULL),
                   "meeting.meeting_id: M-20261201-a3f9 is not of the meeting's date 2026-12-02; expected M-20261202-");
    s_expect_valid(s_meeting_with("M-20260230-a3f9", "2026-02-30", NULL), "meeting.date: 2026-02-30 is not a date");
    s_expect_valid(s_meeting_with("M-20261202-a3f9", "", NULL), "meeting.date: required");
    s_expect_valid(s_meeting_with("M-20261202-a3f9", "2026-12-02", ", \"decision\": \"x\""),
                   "meeting.present: required");
    s_expect_valid(s_meeting_with("M-20261202-a3f9", "2026-12-02",
                                  ", \"present\": [{\"name\": \"Mme Roux\"}], \"decision\": \"x\""),
                   "meeting.present.1.organisation: required");
    char many[4096] = ", \"present\": [", *end = many + strlen(many);
    for (int i = 0; i < 31; i++)
        end += sprintf(end, "%s{\"organisation\": \"CMP\"}", i ? ", " : "");
    strcpy(end, "], \"decision\": \"x\"");
    s_expect_valid(s_meeting_with("M-20261202-a3f9", "2026-12-02", many), "meeting.present: 31 people; expected at most 30");
    s_expect_valid(s_meeting_with("M-20261202-a3f9", "2026-12-02", ", \"present\": [{\"organisation\": \"CMP\"}]"),
                   "meeting.decision: required");
    s_expect_valid("{\"meeting\": {\"meeting_id\": \"M-20261202-a3f9\", \"date\": \"2026-12-02\", \"present\": "
                   "[{\"organisation\": \"CMP\"}], \"case_id\": \"c-12\", \"decision\": \"x\"}}",
                   "meeting.case_id: c-12 is not a case id");
    s_expect_valid(s_meeting_with("M-20261202-a3f9", "2026-12-02",
                                  ", \"present\": [{\"organisation\": \"CMP\"}], \"decision\": \"x\", "
                                  "\"next_review_date\": \"15/01/2027\""),
                   "meeting.next_review_date: 15/01/2027 is not a date");
    /* The hub's own: a meeting that took place (tomorrow allowed, another time zone), within the
     * window; its next review from today on. */
    s_expect_valid(s_meeting_with("M-20261204-a3f9", "2026-12-04", NULL), NULL);
    s_expect_valid(s_meeting_with("M-20261205-a3f9", "2026-12-05", NULL), "meeting.date: 2026-12-05 is in the future");
    s_expect_valid(s_meeting_with("M-20240101-a3f9", "2024-01-01", NULL), "meeting.date: 2024-01-01 is more than 730 days ago");
    s_expect_valid(s_meeting_with("M-20261202-a3f9", "2026-12-02",
                                  ", \"present\": [{\"organisation\": \"CMP\"}], \"decision\": \"x\", "
                                  "\"next_review_date\": \"2026-11-01\""),
                   "meeting.next_review_date: 2026-11-01 is in the past");
}

/* ---- The signed envelope ----------------------------------------------------------------- */

static void test_signed_round_trip(void **state)
{
    (void)state;
    uint8_t body[300], sig[RELAIS_SIGNATURE_BYTES];
    for (size_t i = 0; i < sizeof body; i++)
        body[i] = (uint8_t)(i * 13 + 1);
    memset(sig, 0xa5, sizeof sig);
    size_t lens[] = {1, 127, 128, 300};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        uint8_t *out = NULL;
        size_t out_len = 0;
        assert_int_equal(relais_signed_encode(body, lens[i], sig, &out, &out_len), 0);
        /* protobuf's own bytes: tag, length, body, tag, 64, signature */
        assert_int_equal(out[0], 0x0a);
        assert_int_equal(out_len, 1 + (lens[i] < 128 ? 1 : 2) + lens[i] + 2 + RELAIS_SIGNATURE_BYTES);
        assert_int_equal(out[out_len - 66], 0x12);
        assert_int_equal(out[out_len - 65], 64);
        relais_signed_t sm;
        assert_int_equal(relais_signed_decode(out, out_len, &sm), 0);
        assert_int_equal(sm.body_len, lens[i]);
        assert_ptr_equal(sm.body, out + out_len - 66 - lens[i]); /* borrowed, not copied */
        assert_memory_equal(sm.body, body, lens[i]);
        assert_ptr_equal(sm.signature, out + out_len - 64);
        free(out);
    }
}

static void test_signed_refuses_non_canonical(void **state)
{
    (void)state;
    uint8_t sig[RELAIS_SIGNATURE_BYTES] = {0}, *out;
    size_t out_len;
    relais_signed_t sm;
    assert_int_equal(relais_signed_encode((const uint8_t *)"x", 0, sig, &out, &out_len), RELAIS_E_INVALID);
    assert_int_equal(relais_signed_encode((const uint8_t *)"abc", 3, sig, &out, &out_len), 0);
    assert_int_equal(out_len, 71);
    uint8_t bad[80];

    assert_int_equal(relais_signed_decode(out, 0, &sm), RELAIS_E_MALFORMED);
    assert_int_equal(relais_signed_decode(out, out_len - 1, &sm), RELAIS_E_MALFORMED); /* short signature */
    memcpy(bad, out, out_len);
    bad[out_len] = 0;
    assert_int_equal(relais_signed_decode(bad, out_len + 1, &sm), RELAIS_E_MALFORMED); /* trailing byte */
    bad[0] = 0x12;
    assert_int_equal(relais_signed_decode(bad, out_len, &sm), RELAIS_E_MALFORMED); /* wrong first tag */
    memcpy(bad, out, out_len);
    bad[1] = 0x83, bad[2] = 0x00; /* over-long length varint, same value */
    assert_int_equal(relais_signed_decode(bad, out_len, &sm), RELAIS_E_MALFORMED);
    memcpy(bad, out, out_len);
    bad[1] = 70; /* body length beyond the buffer */
    assert_int_equal(relais_signed_decode(bad, out_len, &sm), RELAIS_E_MALFORMED);
    memcpy(bad, out, out_len);
    bad[6] = 63; /* signature length not 64 */
    assert_int_equal(relais_signed_decode(bad, out_len, &sm), RELAIS_E_MALFORMED);
    const uint8_t empty_body[] = {0x0a, 0x00, 0x12, 0x40};
    assert_int_equal(relais_signed_decode(empty_body, sizeof empty_body, &sm), RELAIS_E_MALFORMED);
    /* fields reversed: a valid protobuf, but not the canonical form */
    s_buf_t w = {.n = 0};
    s_field_bytes(&w, 2, sig, sizeof sig);
    s_field_bytes(&w, 1, "abc", 3);
    assert_int_equal(relais_signed_decode(w.b, w.n, &sm), RELAIS_E_MALFORMED);
    /* signature alone */
    w.n = 0;
    s_field_bytes(&w, 2, sig, sizeof sig);
    assert_int_equal(relais_signed_decode(w.b, w.n, &sm), RELAIS_E_MALFORMED);
    free(out);
}

/* ---- Message decoding: each header rule ------------------------------------------------- */

static void s_expect_decode(const s_buf_t *w, int want, const char *fragment)
{
    relais_message_t *msg = NULL;
    int rc = relais_message_decode(w->b, w->n, &msg);
    if (want == 0) {
        assert_int_equal(rc, 0);
        assert_non_null(msg);
        relais_message_destroy(&msg);
        assert_null(msg);
        relais_message_destroy(&msg); /* safe twice */
        return;
    }
    s_expect_detail(rc, want, fragment);
    assert_null(msg);
}

static void test_message_header_rules(void **state)
{
    (void)state;
    char longest[128], too_long[129];
    memset(longest, 'a', 127), longest[127] = '\0';
    memset(too_long, 'a', 128), too_long[128] = '\0';
    s_buf_t w;
    s_message(&w, 1, "pmi-les-blagis", 16, S_CREATED_MS, 10, NULL);
    s_expect_decode(&w, 0, "");
    s_message(&w, 1, longest, 16, S_CREATED_MS, 10, NULL);
    s_expect_decode(&w, 0, "");
    s_message(&w, 2, "pmi-les-blagis", 16, S_CREATED_MS, 10, NULL);
    s_expect_decode(&w, RELAIS_E_VERSION, "header.version");
    s_message(&w, 0, "pmi-les-blagis", 16, S_CREATED_MS, 10, NULL);
    s_expect_decode(&w, RELAIS_E_VERSION, "header.version");
    s_message(&w, 1, "", 16, S_CREATED_MS, 10, NULL);
    s_expect_decode(&w, RELAIS_E_MALFORMED, "header.sender");
    s_message(&w, 1, too_long, 16, S_CREATED_MS, 10, NULL);
    s_expect_decode(&w, RELAIS_E_MALFORMED, "header.sender");
    s_message(&w, 1, "pmi-les-blagis", 15, S_CREATED_MS, 10, NULL);
    s_expect_decode(&w, RELAIS_E_MALFORMED, "header.msg_id");
    s_message(&w, 1, "pmi-les-blagis", 0, S_CREATED_MS, 10, NULL);
    s_expect_decode(&w, RELAIS_E_MALFORMED, "header.msg_id");
    s_message(&w, 1, "pmi-les-blagis", 16, 0, 10, NULL);
    s_expect_decode(&w, RELAIS_E_MALFORMED, "header.created_ms");
    s_message(&w, 1, "pmi-les-blagis", 16, -5, 10, NULL);
    s_expect_decode(&w, RELAIS_E_MALFORMED, "header.created_ms");
    s_message(&w, 1, "pmi-les-blagis", 16, S_CREATED_MS, 0, NULL);
    s_expect_decode(&w, RELAIS_E_MALFORMED, "payload");
    w.n = 0;
    s_field_bytes(&w, 10, "", 0); /* a payload and no header */
    s_expect_decode(&w, RELAIS_E_MALFORMED, "header: missing");
    const s_buf_t garbage = {.b = {0xff, 0xff, 0xff}, .n = 3};
    s_expect_decode(&garbage, RELAIS_E_MALFORMED, "does not decode");
}

static void test_message_body_checks(void **state)
{
    (void)state;
    s_buf_t w, p = {.n = 0};
    s_message(&w, 1, "pmi\xff", 16, S_CREATED_MS, 10, NULL); /* sender not UTF-8 */
    s_expect_decode(&w, RELAIS_E_MALFORMED, "header.sender: not valid UTF-8");
    s_field_varint(&p, 8, 9); /* urgency 9: not in the enum */
    s_message(&w, 1, "pmi", 16, S_CREATED_MS, 10, &p);
    s_expect_decode(&w, RELAIS_E_MALFORMED, "referral.urgency: unknown value 9");
    p.n = 0;
    s_field_varint(&p, 30, 1); /* a field this schema does not have */
    s_message(&w, 1, "pmi", 16, S_CREATED_MS, 10, &p);
    s_expect_decode(&w, RELAIS_E_MALFORMED, "referral: unknown field number 30");
    p.n = 0;
    s_field_varint(&p, 8, 0); /* urgency written out at its default */
    s_message(&w, 1, "pmi", 16, S_CREATED_MS, 10, &p);
    s_expect_decode(&w, RELAIS_E_MALFORMED, "canonical");
    p.n = 0;
    s_field_bytes(&p, 7, "a\0b", 3); /* a NUL inside the description */
    s_message(&w, 1, "pmi", 16, S_CREATED_MS, 10, &p);
    s_expect_decode(&w, RELAIS_E_MALFORMED, "canonical");
    s_message(&w, 1, "pmi", 16, S_CREATED_MS, 17, NULL); /* reserved payload number */
    s_expect_decode(&w, RELAIS_E_MALFORMED, "payload");
}

/* The two forgeries of the review: each is as long as its canonical encoding, so a check of the
 * length alone took them; the bytes tell them apart. */
static void test_message_canonical_bytes(void **state)
{
    (void)state;
    s_buf_t canon, forged, h, p = {.n = 0}, unpacked = {.n = 0};
    const uint8_t one_domain[] = {1};
    s_field_bytes(&p, 5, one_domain, 1); /* domains [EDUCATIONAL], packed: 2a 01 01 */
    s_message(&canon, 1, "college-curie", 16, S_CREATED_MS, 10, &p);
    s_expect_decode(&canon, 0, "");

    /* "college-curie\0": C reads one byte less than was signed; one unpacked domain (28 01,
     * a byte shorter than packed) makes the length up. */
    h.n = 0;
    s_field_varint(&h, 1, 1);
    s_field_bytes(&h, 2, "college-curie", 14);
    s_field_bytes(&h, 3, s_id, 16);
    s_field_varint(&h, 4, (uint64_t)S_CREATED_MS);
    s_field_varint(&unpacked, 5, 1);
    forged.n = 0;
    s_field_bytes(&forged, 1, h.b, h.n);
    s_field_bytes(&forged, 10, unpacked.b, unpacked.n);
    assert_int_equal(forged.n, canon.n);
    s_expect_decode(&forged, RELAIS_E_MALFORMED, "not in canonical encoding");

    /* The payload before the header: the same fields, the same length, another order. */
    s_buf_t header_only;
    s_message(&header_only, 1, "college-curie", 16, S_CREATED_MS, 0, NULL);
    forged.n = 0;
    s_field_bytes(&forged, 10, p.b, p.n);
    memcpy(forged.b + forged.n, header_only.b, header_only.n);
    forged.n += header_only.n;
    assert_int_equal(forged.n, canon.n);
    s_expect_decode(&forged, RELAIS_E_MALFORMED, "differs at byte 0");

    /* A stored message is held to the same encoding: the log keeps one byte string a message. */
    relais_message_t *msg = NULL;
    assert_int_equal(relais_message_decode_stored(forged.b, forged.n, &msg), RELAIS_E_MALFORMED);
    assert_null(msg);
}

/* ---- Controls in text ---------------------------------------------------------------------- */

/* A referral whose child has `text` in its field `child_field`, and `description` (may be NULL). */
static void s_referral_text(s_buf_t *w, unsigned child_field, const char *text, const char *description)
{
    s_buf_t child = {.n = 0}, p = {.n = 0};
    if (text)
        s_field_bytes(&child, child_field, text, strlen(text));
    s_field_bytes(&p, 3, child.b, child.n);
    if (description)
        s_field_bytes(&p, 7, description, strlen(description));
    s_message(w, 1, "college-curie", 16, S_CREATED_MS, 10, &p);
}

/* What forged rows, cleared screens and retitled windows in `relais case list`: refused in every
 * one-line field, with the field named; the multi-line ones keep line breaks and tabs only. */
static void test_message_text_rules(void **state)
{
    (void)state;
    s_buf_t w;
    static const struct {
        unsigned field;   /* in Child: 1 family_name, 2 given_names, 4 school, 5 class_name */
        const char *text;
        const char *want; /* fragment of the detail */
    } bad[] = {
        {1, "Benali\x1b[2J", "referral.child.family_name: control character U+001B (ESC) at byte 6"},
        {4, "Coll\xc3\xa8ge\n#99 forged row", "referral.child.school: control character U+000A (LF)"},
        {4, "\x1b]0;pwned\x07", "referral.child.school: control character U+001B"},
        {5, "6e\tB", "referral.child.class_name: control character U+0009 (TAB)"},
        {5, "6e\rB", "U+000D (CR)"},
        {1, "Ben\x7f" "ali", "U+007F (DEL)"},
        {1, "Ben\xc2\x9b" "2J", "U+009B (C1 control)"},
        {2, "Lina\xe2\x80\xae", "referral.child.given_names[0]: control character U+202E (bidirectional"},
        {2, "Lina\xe2\x81\xa6", "U+2066"},
        {4, "Curie\xe2\x80\xa8", "U+2028 (line or paragraph separator)"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s_referral_text(&w, bad[i].field, bad[i].text, NULL);
        s_expect_decode(&w, RELAIS_E_MALFORMED, bad[i].want);
        s_expect_detail(RELAIS_E_MALFORMED, RELAIS_E_MALFORMED, "one-line field");
        /* a log written before the rule still reads */
        relais_message_t *msg = NULL;
        assert_int_equal(relais_message_decode_stored(w.b, w.n, &msg), 0);
        relais_message_destroy(&msg);
    }
    /* Accents, the apostrophe and the no-break space are text, not controls. */
    s_referral_text(&w, 1, "N\xe2\x80\x99" "Diaye\xc2\xa0" "Bénali", NULL);
    s_expect_decode(&w, 0, "");
    /* Multi-line text keeps \n, \r\n and \t, and nothing else. */
    s_referral_text(&w, 1, "Benali", "Bavarde.\r\nSe lève en classe.\n\t- souvent");
    s_expect_decode(&w, 0, "");
    s_referral_text(&w, 1, "Benali", "ok\x1b[31mrouge");
    s_expect_decode(&w, RELAIS_E_MALFORMED, "referral.description: control character U+001B (ESC) at byte 2; this "
                                            "text may hold line breaks");
    s_referral_text(&w, 1, "Benali", "a lone\rreturn");
    s_expect_decode(&w, RELAIS_E_MALFORMED, "referral.description: control character U+000D");
    s_referral_text(&w, 1, "Benali", "end\r");
    s_expect_decode(&w, RELAIS_E_MALFORMED, "U+000D");
    /* The JSON reader applies the same rule, so a partner hears of it before signing. */
    uint8_t *body = NULL;
    size_t len = 0;
    s_expect_detail(s_from_json("{\"referral\": {\"child\": {\"school\": \"Curie\\u001b]0;x\\u0007\"}}}", &body, &len),
                    RELAIS_E_MALFORMED, "referral.child.school: control character U+001B (ESC) at byte 5");
    assert_null(body);
    s_expect_detail(s_from_json("{\"case_update\": {\"case_id\": \"C-1\\n\", \"note\": \"ok\"}}", &body, &len),
                    RELAIS_E_MALFORMED, "case_update.case_id: control character U+000A");
    assert_int_equal(s_from_json("{\"case_update\": {\"case_id\": \"C-1\", \"note\": \"l1\\nl2\\tx\"}}", &body, &len),
                     0);
    free(body);
    /* And a request's text: the case id of a show, the filters of a list. */
    relais_request_t back;
    s_buf_t q = {.n = 0}, r = {.n = 0};
    s_field_bytes(&q, 2, "C-1\x1b[2J", 7);
    s_field_varint(&r, 1, 9);
    s_field_bytes(&r, 5, q.b, q.n);
    s_expect_detail(relais_request_decode(r.b, r.n, &back), RELAIS_E_MALFORMED,
                    "request.case_query.show: control character U+001B");
}

static void test_text_escape(void **state)
{
    (void)state;
    char out[128];
    static const struct {
        const char *in;
        size_t len;
        const char *want;
    } cases[] = {
        {"Lina B. (6e B, Coll\xc3\xa8ge)", 0, "Lina B. (6e B, Coll\xc3\xa8ge)"},
        {"a\nb\rc\td", 0, "a\\nb\\rc\\td"},
        {"\x1b[2J\x1b]0;t\x07", 0, "\\x1b[2J\\x1b]0;t\\x07"},
        {"x\x7fy", 0, "x\\x7fy"},
        {"\xc2\x9b" "2J", 0, "\\u009b2J"},
        {"abc\xe2\x80\xae" "fed", 0, "abc\\u202efed"},
        {"\xe2\x81\xa9\xe2\x80\xa9", 0, "\\u2069\\u2029"},
        {"bad \xff\xc3 utf8 \xed\xa0\x80", 0, "bad \\xff\\xc3 utf8 \\xed\\xa0\\x80"},
        {"nul\0inside", 10, "nul\\x00inside"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len = cases[i].len ? cases[i].len : strlen(cases[i].in);
        assert_string_equal(relais_text_escape(cases[i].in, len, out, sizeof out), cases[i].want);
    }
    /* Cut at an escape or character boundary, never inside one. */
    char small[6];
    assert_string_equal(relais_text_escape("ab\x1b" "cd", 5, small, sizeof small), "ab");
    assert_string_equal(relais_text_escape("ab\xc3\xa8" "cd", 6, small, 5), "ab\xc3\xa8");
    assert_string_equal(relais_text_escape("abcdefgh", 8, small, sizeof small), "abcde");
    assert_string_equal(relais_text_escape(NULL, 0, small, sizeof small), "");
    uint32_t cp = 0;
    assert_int_equal(relais_utf8_next("\xf0\x9f\x98\x80", 4, &cp), 4);
    assert_int_equal(cp, 0x1f600);
    assert_int_equal(relais_utf8_next("\xf0\x9f\x98", 3, &cp), 0);
    assert_int_equal(relais_utf8_next("\xc0\xaf", 2, &cp), 0);
    assert_int_equal(relais_utf8_next("", 0, &cp), 0);
    assert_true(relais_text_is_control(0x1b) && relais_text_is_control(0x85) && relais_text_is_control(0x2067));
    assert_false(relais_text_is_control(' ') || relais_text_is_control(0xa0) || relais_text_is_control(0x2019) ||
                 relais_text_is_control(0x200e));
}

static void test_message_accessors(void **state)
{
    (void)state;
    s_buf_t w;
    s_message(&w, 1, "cmp-sceaux", 16, S_CREATED_MS, 20, NULL);
    relais_message_t *msg = NULL;
    assert_int_equal(relais_message_decode(w.b, w.n, &msg), 0);
    assert_string_equal(relais_message_sender(msg), "cmp-sceaux");
    assert_memory_equal(relais_message_id(msg), s_id, sizeof s_id);
    assert_true(relais_message_created_ms(msg) == S_CREATED_MS);
    assert_int_equal(relais_message_payload(msg), RELAIS_PAYLOAD_CONTACT);
    relais_referral_view_t rv;
    relais_case_update_view_t uv;
    assert_int_equal(relais_message_referral(msg, &rv), RELAIS_E_INVALID);
    assert_int_equal(relais_message_case_update(msg, &uv), RELAIS_E_INVALID);
    relais_message_destroy(&msg);
}

/* ---- The rules' views --------------------------------------------------------------------- */

static relais_message_t *s_decode_example(const char *name)
{
    size_t len;
    char *text = s_example(name, &len);
    relais_message_t *msg = s_decode_json(text);
    free(text);
    return msg;
}

static void test_referral_view(void **state)
{
    (void)state;
    relais_referral_view_t v;
    relais_message_t *msg = s_decode_example("referral-college-marie-curie.json");
    assert_int_equal(relais_message_payload(msg), RELAIS_PAYLOAD_REFERRAL);
    assert_int_equal(relais_message_referral(msg, &v), 0);
    assert_string_equal(v.organisation, "Collège Marie Curie");
    assert_int_equal(v.referrer_role, 1); /* SCHOOL_HEAD */
    assert_string_equal(v.family_name, "Benali");
    assert_int_equal(v.given_count, 1);
    assert_string_equal(v.given_names[0], "Lina");
    assert_string_equal(v.birth_date, "2014-03-12");
    assert_string_equal(v.school, "Collège Marie Curie");
    assert_string_equal(v.class_name, "6e B");
    assert_int_equal(v.urgency, RELAIS_URGENCY_PRIORITY);
    assert_int_equal(v.domains, (1u << 1) | (1u << 4)); /* EDUCATIONAL, SOCIAL */
    assert_true(v.has_consent && !v.has_parental_request);
    relais_message_destroy(&msg);

    msg = s_decode_example("referral-pmi-les-blagis.json");
    assert_int_equal(relais_message_referral(msg, &v), 0);
    assert_string_equal(v.family_name, "BÉNALI");
    assert_string_equal(v.birth_date, "2014-03-12");
    assert_string_equal(v.class_name, "");
    assert_int_equal(v.referrer_role, 7); /* PMI */
    relais_message_destroy(&msg);

    msg = s_decode_example("referral-cmp-sceaux-parental-request.json");
    assert_int_equal(relais_message_referral(msg, &v), 0);
    assert_int_equal(v.given_count, 2);
    assert_string_equal(v.given_names[1], "Adrien");
    assert_true(!v.has_consent && v.has_parental_request);
    relais_message_destroy(&msg);

    msg = s_decode_example("invalid-no-consent.json");
    assert_int_equal(relais_message_referral(msg, &v), 0);
    assert_true(!v.has_consent && !v.has_parental_request);
    relais_message_destroy(&msg);
}

/* Consent without a recorder or a time, or a request without a requester, does not count. */
static void test_referral_view_basis(void **state)
{
    (void)state;
    const char *cases[] = {
        "{\"referral\": {\"consent\": {\"recorded_ms\": 1795422600000}}}",
        "{\"referral\": {\"consent\": {\"recorded_by\": \"H. Garnier\"}}}",
        "{\"referral\": {\"consent\": {}}}",
        "{\"referral\": {\"parental_request\": {\"channel\": \"call\"}}}",
        "{\"referral\": {}}",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        relais_message_t *msg = s_decode_json(cases[i]);
        relais_referral_view_t v;
        assert_int_equal(relais_message_referral(msg, &v), 0);
        assert_false(v.has_consent);
        assert_false(v.has_parental_request);
        assert_string_equal(v.family_name, ""); /* no child: empty strings, never NULL */
        assert_int_equal(v.given_count, 0);
        relais_message_destroy(&msg);
    }
    relais_message_t *msg = s_decode_json(
        "{\"referral\": {\"consent\": {\"recorded_by\": \"H. Garnier\", \"recorded_ms\": 1795422600000}}}");
    relais_referral_view_t v;
    assert_int_equal(relais_message_referral(msg, &v), 0);
    assert_true(v.has_consent);
    relais_message_destroy(&msg);
}

static const char s_update_json[] =
    "{\"case_update\": {\"case_id\": \"C-12\", \"from_state\": \"DIAGNOSIS\", \"to_state\": \"PATHWAY_PROPOSED\","
    " \"sub_status\": \"waiting-for-family-meeting\", \"diagnosis\": \"Décrochage lié à la garde du frère.\","
    " \"pathway\": [{\"kind\": \"INDIVIDUAL\", \"description\": \"Tutorat\", \"partner\": \"Collège Marie Curie\","
    " \"start_date\": \"2026-12-01\", \"frequency\": \"weekly\"},"
    " {\"kind\": 2, \"description\": \"Atelier théâtre\"}],"
    " \"next_review_date\": \"2027-01-15\"}}";

static void test_case_update_view(void **state)
{
    (void)state;
    relais_message_t *msg = s_decode_json(s_update_json);
    relais_case_update_view_t v;
    assert_int_equal(relais_message_payload(msg), RELAIS_PAYLOAD_CASE_UPDATE);
    assert_int_equal(relais_message_case_update(msg, &v), 0);
    assert_string_equal(v.case_id, "C-12");
    assert_int_equal(v.from_state, RELAIS_CASE_DIAGNOSIS);
    assert_int_equal(v.to_state, RELAIS_CASE_PATHWAY_PROPOSED);
    assert_string_equal(v.sub_status, "waiting-for-family-meeting");
    assert_string_equal(v.reason_code, "");
    assert_string_equal(v.next_review_date, "2027-01-15");
    assert_int_equal(v.pathway_count, 2);
    relais_referral_view_t rv;
    assert_int_equal(relais_message_referral(msg, &rv), RELAIS_E_INVALID);
    relais_message_destroy(&msg);
}

/* ---- JSON ----------------------------------------------------------------------------- */

/* from_json -> decode -> to_json -> (header dropped) -> from_json gives the same body. */
static void s_json_round_trip(const char *json, size_t len, const char *payload_key)
{
    uint8_t *body1 = NULL, *body2 = NULL;
    size_t len1 = 0, len2 = 0;
    int rc = relais_message_from_json(json, len, "pmi-les-blagis", s_id, S_CREATED_MS, &body1, &len1);
    if (rc)
        fail_msg("from_json: %s %s", relais_status_name(rc), relais_status_detail());
    relais_message_t *msg = NULL;
    assert_int_equal(relais_message_decode(body1, len1, &msg), 0);
    char *text = relais_message_to_json(msg);
    assert_non_null(text);

    json_t *root = json_loads(text, 0, NULL);
    assert_non_null(root);
    json_t *hdr = json_object_get(root, "header");
    assert_int_equal(json_integer_value(json_object_get(hdr, "version")), 1);
    assert_string_equal(json_string_value(json_object_get(hdr, "sender")), "pmi-les-blagis");
    assert_string_equal(json_string_value(json_object_get(hdr, "msg_id")), "XqABAgMEBQYHCAkKCwwN/w==");
    assert_true(json_integer_value(json_object_get(hdr, "created_ms")) == S_CREATED_MS);
    assert_non_null(json_object_get(root, payload_key));
    assert_int_equal(json_object_del(root, "header"), 0);
    char *again = json_dumps(root, 0);
    assert_non_null(again);
    assert_int_equal(relais_message_from_json(again, strlen(again), "pmi-les-blagis", s_id, S_CREATED_MS, &body2,
                                              &len2),
                     0);
    assert_int_equal(len1, len2);
    assert_memory_equal(body1, body2, len1);

    free(again);
    json_decref(root);
    free(text);
    relais_message_destroy(&msg);
    free(body1);
    free(body2);
}

static void test_json_examples_round_trip(void **state)
{
    (void)state;
    char dir_path[512];
    snprintf(dir_path, sizeof dir_path, "%s/examples", RELAIS_SOURCE_DIR);
    DIR *dir = opendir(dir_path);
    assert_non_null(dir);
    int seen = 0;
    for (struct dirent *e; (e = readdir(dir));) {
        size_t n = strlen(e->d_name), len;
        if (n < 5 || strcmp(e->d_name + n - 5, ".json") != 0)
            continue;
        char *text = s_example(e->d_name, &len);
        /* An example is one payload, named by its only key (a referral, a contact, a transfer...). */
        json_t *root = json_loads(text, 0, NULL);
        assert_non_null(root);
        assert_int_equal(json_object_size(root), 1);
        char key[32];
        snprintf(key, sizeof key, "%s", json_object_iter_key(json_object_iter(root)));
        json_decref(root);
        s_json_round_trip(text, len, key);
        free(text);
        seen++;
    }
    closedir(dir);
    assert_true(seen >= 4);
    s_json_round_trip(s_update_json, strlen(s_update_json), "case_update");
    const char contact[] = "{\"contact\": {\"channel\": \"VISIT\", \"subject\": \"Bruit place de la Gare\","
                           " \"requester\": \"M. Petit\", \"occurred_ms\": 1795687200000, \"category\": \"NOISE\","
                           " \"street\": \"Place de la Gare\", \"handling\": \"FOLLOW_UP\"}}";
    s_json_round_trip(contact, strlen(contact), "contact");
    const char lost[] = "{\"lost_found\": {\"kind\": \"FOUND\", \"category\": \"KEYS\", \"description\": \"Trousseau "
                        "de clés\", \"place\": \"Jardin de la Ménagerie\", \"when_ms\": 1795687200000, \"storage\":"
                        " \"armoire 2\", \"keep_until\": \"2027-11-25\"}}";
    s_json_round_trip(lost, strlen(lost), "lost_found");
    const char decree[] = "{\"decree\": {\"number\": \"2026-148\", \"title\": \"Stationnement interdit\", "
                          "\"nature\": \"REGULATORY\", \"duration\": \"TEMPORARY\", \"signed_date\": \"2026-12-01\","
                          " \"effective_from\": \"2026-12-14\", \"effective_to\": \"2026-12-15\", \"places\": "
                          "[{\"street\": \"Rue Houdan\", \"from_number\": 2, \"to_number\": 40, \"side\": \"EVEN\"}],"
                          " \"text\": \"Article 1\", \"signatory\": \"Le maire\"}}";
    s_json_round_trip(decree, strlen(decree), "decree");
}

static void test_meeting_view(void **state)
{
    (void)state;
    const char *json = s_meeting_with("M-20261202-a3f9", "2026-12-02", NULL);
    relais_message_t *msg = s_decode_json(json);
    relais_meeting_view_t v;
    assert_int_equal(relais_message_payload(msg), RELAIS_PAYLOAD_MEETING);
    assert_int_equal(relais_message_meeting(msg, &v), 0);
    assert_string_equal(v.meeting_id, "M-20261202-a3f9");
    assert_string_equal(v.date, "2026-12-02");
    assert_string_equal(v.case_id, "C-12");
    assert_string_equal(v.decision, "Orientation vers le CMP.\nPoint en janvier.");
    assert_string_equal(v.next_review_date, "2027-01-15");
    assert_int_equal(v.present_count, 1);
    relais_case_update_view_t u;
    assert_int_equal(relais_message_case_update(msg, &u), RELAIS_E_INVALID);
    relais_message_destroy(&msg);
    relais_message_t *other = s_decode_json(s_update_json);
    assert_int_equal(relais_message_meeting(other, &v), RELAIS_E_INVALID);
    relais_message_destroy(&other);
    /* A line break is a decision's only: in a meeting id, a name or an organisation it is refused. */
    uint8_t *body = NULL;
    size_t len = 0;
    s_expect_detail(s_from_json("{\"meeting\": {\"meeting_id\": \"M-20261202-a3f9\", \"present\": [{\"organisation\": "
                                "\"CMP\\nde Sceaux\"}]}}", &body, &len),
                    RELAIS_E_MALFORMED, "meeting.present[0].organisation");
    s_json_round_trip(json, strlen(json), "meeting");
}

static void test_json_output_shape(void **state)
{
    (void)state;
    relais_message_t *msg = s_decode_example("referral-college-marie-curie.json");
    char *text = relais_message_to_json(msg);
    json_t *root = json_loads(text, 0, NULL);
    assert_non_null(root);
    assert_int_equal(json_object_size(root), 2);
    json_t *r = json_object_get(root, "referral");
    assert_string_equal(json_string_value(json_object_get(r, "urgency")), "PRIORITY");
    assert_string_equal(json_string_value(json_object_get(json_object_get(r, "referrer"), "role")), "SCHOOL_HEAD");
    json_t *domains = json_object_get(r, "domains");
    assert_int_equal(json_array_size(domains), 2);
    assert_string_equal(json_string_value(json_array_get(domains, 1)), "SOCIAL");
    assert_true(json_integer_value(json_object_get(json_object_get(r, "consent"), "recorded_ms")) == 1795422600000LL);
    assert_null(json_object_get(json_object_get(r, "guardians") ? json_array_get(json_object_get(r, "guardians"), 0)
                                                                : NULL,
                                "email")); /* proto3: defaults are left out */
    json_decref(root);
    free(text);
    relais_message_destroy(&msg);

    /* an access record shows as such, though JSON can never create one */
    relais_access_t access = {.reader = "coordination", .action = "case-show", .case_id = "C-12"};
    uint8_t *body;
    size_t len;
    assert_int_equal(relais_message_encode_access("relais-broker", s_id, S_CREATED_MS, &access, &body, &len), 0);
    assert_int_equal(relais_message_decode(body, len, &msg), 0);
    text = relais_message_to_json(msg);
    assert_non_null(
        strstr(text, "\"access\":{\"reader\":\"coordination\",\"action\":\"case-show\",\"case_id\":\"C-12\"}"));
    free(text);
    relais_message_destroy(&msg);
    free(body);
}

static void s_refuse(const char *json, size_t len, const char *fragment)
{
    uint8_t *body = (uint8_t *)"untouched";
    size_t body_len = 0;
    int rc = relais_message_from_json(json, len, "college-marie-curie", s_id, S_CREATED_MS, &body, &body_len);
    s_expect_detail(rc, RELAIS_E_MALFORMED, fragment);
    assert_string_equal((const char *)body, "untouched");
}

#define S_REFUSE(json, fragment) s_refuse(json, strlen(json), fragment)

static void test_json_refusals(void **state)
{
    (void)state;
    S_REFUSE("{\"referral\": {\"child\": {\"nickname\": \"Lili\"}}}", "referral.child.nickname: unknown field");
    S_REFUSE("{\"referral\": {\"child\": {\"birth_date\": 20140312}}}",
             "referral.child.birth_date: expected a string, got an integer");
    S_REFUSE("{\"referral\": {\"guardians\": {\"name\": \"S. Benali\"}}}", "referral.guardians: expected an array");
    S_REFUSE("{\"referral\": {\"guardians\": [{\"name\": 3}]}}", "referral.guardians[0].name: expected a string");
    S_REFUSE("{\"referral\": {\"child\": {\"given_names\": [\"Lina\", null]}}}", "referral.child.given_names[1]");
    S_REFUSE("{\"referral\": {\"consent\": {\"recorded_ms\": \"1795422600000\"}}}",
             "referral.consent.recorded_ms: expected an integer, got a string");
    S_REFUSE("{\"referral\": {\"consent\": {\"recorded_ms\": 1.5}}}",
             "referral.consent.recorded_ms: expected an integer");
    S_REFUSE("{\"referral\": {\"urgency\": \"VERY_URGENT\"}}", "referral.urgency: unknown value \"VERY_URGENT\"");
    S_REFUSE("{\"referral\": {\"urgency\": 9}}", "referral.urgency: unknown value 9");
    S_REFUSE("{\"referral\": {\"urgency\": 99999999999}}", "referral.urgency: 99999999999 out of range");
    S_REFUSE("{\"referral\": {\"urgency\": true}}", "referral.urgency: expected a value name or number");
    S_REFUSE("{\"referral\": {\"domains\": [\"SPORT\"]}}", "referral.domains[0]: unknown value");
    S_REFUSE("{\"referral\": {\"consent\": {\"recorded_by\": \"H. Garnier\"}, \"parental_request\": {}}}",
             "referral.parental_request: cannot be set together with consent");
    S_REFUSE("{\"referral\": {}, \"contact\": {}}", "exactly one payload key");
    S_REFUSE("{}", "exactly one payload key");
    S_REFUSE("{\"access\": {\"reader\": \"me\", \"action\": \"case-show\"}}", "access: only the broker");
    S_REFUSE("{\"header\": {\"sender\": \"someone-else\"}}", "header:");
    S_REFUSE("{\"lost-found\": {}}", "lost-found: not a payload");
    S_REFUSE("{\"referral\": 5}", "referral: expected an object");
    S_REFUSE("[{\"referral\": {}}]", "expected an object");
    S_REFUSE("{\"referral\": {\"description\": \"a\", \"description\": \"b\"}}", "JSON: duplicate");
    S_REFUSE("{\"referral\": {", "JSON:");
    S_REFUSE("{\"referral\": {\"description\": \"a\\u0000b\"}}", "JSON:");
    /* A file that is not JSON: the refusal says where, and copies none of its text. */
    S_REFUSE("Dossier de Lina Benali, née le 12/03/2014", "JSON: not valid JSON (line 1, column ");
    assert_null(strstr(relais_status_detail(), "Lina"));
    S_REFUSE("{\"referral\": {\"description\": \"x\"}} Benali", "JSON: more text after the JSON value (line 1");
    assert_null(strstr(relais_status_detail(), "Benali"));
    S_REFUSE("{\"referral\": {\"description\": Benali}}", "JSON: not valid JSON (line 1");
    assert_null(strstr(relais_status_detail(), "Benali"));
    const char bad_utf8[] = "{\"referral\": {\"description\": \"caf\xe9\"}}"; /* Latin-1, not UTF-8 */
    s_refuse(bad_utf8, sizeof bad_utf8 - 1, "JSON:");
    /* 17 levels: the root, the payload, the child and 14 arrays */
    S_REFUSE("{\"referral\": {\"child\": {\"given_names\": [[[[[[[[[[[[[[\"x\"]]]]]]]]]]]]]]}}}",
             "referral.child.given_names[0][0][0][0][0][0][0][0][0][0][0][0][0]: nested deeper than 16");
    /* 16 levels are only refused for their type */
    S_REFUSE("{\"referral\": {\"child\": {\"given_names\": [[[[[[[[[[[[[\"x\"]]]]]]]]]]]]]}}}",
             "referral.child.given_names[0]: expected a string, got an array");

    uint8_t *body;
    size_t len;
    const char ok[] = "{\"referral\": {\"external_ref\": null}}"; /* null: the default */
    assert_int_equal(relais_message_from_json(ok, sizeof ok - 1, "", s_id, S_CREATED_MS, &body, &len),
                     RELAIS_E_INVALID);
    assert_int_equal(relais_message_from_json(ok, sizeof ok - 1, "pmi", s_id, 0, &body, &len), RELAIS_E_INVALID);
    assert_int_equal(relais_message_from_json(ok, sizeof ok - 1, "pmi", NULL, S_CREATED_MS, &body, &len),
                     RELAIS_E_INVALID);
    assert_int_equal(relais_message_from_json(ok, sizeof ok - 1, "pmi", s_id, S_CREATED_MS, &body, &len), 0);
    free(body);
}

static void test_access_record(void **state)
{
    (void)state;
    relais_access_t access = {.reader = "auditeur-mairie", .action = "audit-records", .from_seq = 1, .to_seq = 500};
    uint8_t *body;
    size_t len;
    assert_int_equal(relais_message_encode_access("relais-broker", s_id, S_CREATED_MS, &access, &body, &len), 0);
    relais_message_t *msg = NULL;
    assert_int_equal(relais_message_decode(body, len, &msg), 0);
    assert_int_equal(relais_message_payload(msg), RELAIS_PAYLOAD_ACCESS);
    assert_string_equal(relais_message_sender(msg), "relais-broker");
    char *text = relais_message_to_json(msg);
    assert_non_null(strstr(text, "\"from_seq\":1,\"to_seq\":500"));
    free(text);
    relais_message_destroy(&msg);
    free(body);
    access.reader = "";
    assert_int_equal(relais_message_encode_access("relais-broker", s_id, S_CREATED_MS, &access, &body, &len),
                     RELAIS_E_INVALID);
    access.reader = "x";
    assert_int_equal(relais_message_encode_access("", s_id, S_CREATED_MS, &access, &body, &len), RELAIS_E_INVALID);
}

/* ---- Case records --------------------------------------------------------------------- */

static void s_fill_summary(relais_case_summary_t *s, int variant)
{
    memset(s, 0, sizeof *s);
    snprintf(s->case_id, sizeof s->case_id, "C-%d", 12 + variant);
    s->state = RELAIS_CASE_FOLLOW_UP;
    s->task_status = 5; /* IN_PROGRESS */
    snprintf(s->sub_status, sizeof s->sub_status, "review-%d", variant);
    snprintf(s->reason_code, sizeof s->reason_code, "none");
    s->urgency = RELAIS_URGENCY_URGENT;
    snprintf(s->child_display, sizeof s->child_display, "Lina B. (2014)");
    memset(s->school, 'e', sizeof s->school - 1); /* the longest string that fits */
    for (int i = 0; i < 3 + variant; i++)
        snprintf(s->referrers[i], RELAIS_NAME_LEN, "Partenaire n°%d", i);
    s->referrer_count = (size_t)(3 + variant);
    s->opened_ms = 1795422600000LL;
    s->updated_ms = 1795687200000LL + variant;
    s->due_ms = 1796000000000LL;
    s->overdue = 1;
    s->referral_count = 2;
}

static void test_case_record_round_trip(void **state)
{
    (void)state;
    relais_case_record_t rec, back;
    memset(&rec, 0, sizeof rec);
    s_fill_summary(&rec.summary, 0);
    rec.summary.referrer_count = RELAIS_MAX_REFERRERS;
    for (int i = 0; i < RELAIS_MAX_REFERRERS; i++) {
        snprintf(rec.summary.referrers[i], RELAIS_NAME_LEN, "Organisation %d", i);
        snprintf(rec.senders[i], RELAIS_NAME_LEN, "sender-%d", i);
        rec.referral_seqs[i] = (uint64_t)i * 1000 + 1;
    }
    rec.sender_count = rec.referral_seq_count = RELAIS_MAX_REFERRERS;
    for (int i = 0; i < 32; i++)
        rec.child_key[i] = (uint8_t)(i * 7);
    rec.last_seq = 123456789;
    rec.paused_from = RELAIS_CASE_DIAGNOSIS;
    uint8_t *buf;
    size_t len;
    assert_int_equal(relais_case_record_encode(&rec, &buf, &len), 0);
    assert_int_equal(relais_case_record_decode(buf, len, &back), 0);
    assert_memory_equal(&rec, &back, sizeof rec);
    free(buf);

    /* an empty record (no referrers yet) round-trips too */
    memset(&rec, 0, sizeof rec);
    assert_int_equal(relais_case_record_encode(&rec, &buf, &len), 0);
    assert_int_equal(relais_case_record_decode(buf, len, &back), 0);
    assert_memory_equal(&rec, &back, sizeof rec);
    free(buf);

    rec.sender_count = RELAIS_MAX_REFERRERS + 1;
    assert_int_equal(relais_case_record_encode(&rec, &buf, &len), RELAIS_E_INVALID);
    rec.sender_count = 0;
    memset(rec.summary.school, 'x', sizeof rec.summary.school); /* no NUL */
    assert_int_equal(relais_case_record_encode(&rec, &buf, &len), RELAIS_E_INVALID);
}

static void test_case_record_refuses(void **state)
{
    (void)state;
    uint8_t key[32] = {0};
    char long_id[RELAIS_CASE_ID_LEN + 1];
    memset(long_id, '7', sizeof long_id - 1);
    long_id[0] = 'C', long_id[sizeof long_id - 1] = '\0';
    relais_case_record_t back;
    s_buf_t summary = {.n = 0}, w = {.n = 0};

    s_field_bytes(&summary, 1, long_id, RELAIS_CASE_ID_LEN); /* 64 bytes: one too many */
    s_field_bytes(&w, 1, summary.b, summary.n);
    s_field_bytes(&w, 2, key, sizeof key);
    s_expect_detail(relais_case_record_decode(w.b, w.n, &back), RELAIS_E_MALFORMED, "case_record.summary.case_id");
    assert_string_equal(back.summary.case_id, "");

    summary.n = w.n = 0;
    s_field_bytes(&summary, 1, "C-1", 3);
    s_field_bytes(&w, 1, summary.b, summary.n);
    s_field_bytes(&w, 2, key, 31);
    s_expect_detail(relais_case_record_decode(w.b, w.n, &back), RELAIS_E_MALFORMED, "case_record.child_key");

    w.n = 0;
    s_field_bytes(&w, 1, summary.b, summary.n);
    s_field_bytes(&w, 2, key, sizeof key);
    for (int i = 0; i <= RELAIS_MAX_REFERRERS; i++)
        s_field_bytes(&w, 3, "pmi", 3);
    s_expect_detail(relais_case_record_decode(w.b, w.n, &back), RELAIS_E_MALFORMED, "at most 16");

    w.n = 0;
    s_field_bytes(&w, 2, key, sizeof key);
    s_expect_detail(relais_case_record_decode(w.b, w.n, &back), RELAIS_E_MALFORMED, "case_record.summary: missing");
}

/* ---- Requests ------------------------------------------------------------------------- */

static void s_request_round_trip(const relais_request_t *req)
{
    uint8_t *buf;
    size_t len;
    relais_request_t back;
    int rc = relais_request_encode(req, &buf, &len);
    if (rc)
        fail_msg("request kind %d: %s %s", (int)req->kind, relais_status_name(rc), relais_status_detail());
    assert_int_equal(relais_request_decode(buf, len, &back), 0);
    free(buf);
    assert_int_equal(back.submit_len, req->submit_len);
    if (req->submit_len)
        assert_memory_equal(back.submit, req->submit, req->submit_len);
    relais_request_t a = *req, b = back;
    a.submit = b.submit = NULL;
    assert_memory_equal(&a, &b, sizeof a);
    relais_request_clear(&back);
    assert_null(back.submit);
}

static void test_request_round_trips(void **state)
{
    (void)state;
    uint8_t signed_msg[100];
    memset(signed_msg, 0x42, sizeof signed_msg);
    relais_request_t r;
    for (int kind = RELAIS_REQ_SUBMIT; kind <= RELAIS_REQ_MEETING_LIST; kind++) {
        memset(&r, 0, sizeof r);
        r.request_id = 1000 + (uint64_t)kind;
        r.kind = (relais_request_kind_t)kind;
        switch (r.kind) {
        case RELAIS_REQ_SUBMIT:
            r.submit = signed_msg, r.submit_len = sizeof signed_msg;
            break;
        case RELAIS_REQ_SUBSCRIBE:
            r.from_seq = 42, r.credit = 64;
            break;
        case RELAIS_REQ_CREDIT:
            r.credit = 32;
            break;
        case RELAIS_REQ_CASE_LIST:
            r.states = 1u << RELAIS_CASE_TRIAGE | 1u << RELAIS_CASE_ENTERED_IN_ERROR;
            r.urgency = RELAIS_URGENCY_URGENT;
            snprintf(r.school, sizeof r.school, "Collège Marie Curie");
            snprintf(r.referrer, sizeof r.referrer, "PMI");
            snprintf(r.name, sizeof r.name, "Bénali");
            r.overdue_only = 1;
            r.expiring_days = 30;
            r.mine = 1;
            break;
        case RELAIS_REQ_CASE_SHOW:
            snprintf(r.case_id, sizeof r.case_id, "C-12");
            r.with_history = 1;
            r.opening_seq = 77;
            break;
        case RELAIS_REQ_STATS:
            r.threshold = 10;
            break;
        case RELAIS_REQ_MEETING_SHOW:
            snprintf(r.case_id, sizeof r.case_id, "M-20261210-a3f9");
            break;
        case RELAIS_REQ_AUDIT_RECORDS:
            r.from_seq = 1, r.to_seq = UINT64_MAX;
            break;
        case RELAIS_REQ_AUDIT_INCLUSION:
            r.seq = 7, r.tree_size = 9;
            break;
        case RELAIS_REQ_AUDIT_CONSISTENCY:
            r.old_size = 5, r.new_size = 9;
            break;
        default: /* checkpoint, ping: the kind is everything */
            break;
        }
        s_request_round_trip(&r);
    }
    memset(&r, 0, sizeof r);
    r.kind = RELAIS_REQ_CASE_LIST; /* no filter at all */
    s_request_round_trip(&r);
    relais_request_t cp = {.kind = RELAIS_REQ_AUDIT_CHECKPOINT, .tree_size = 9}; /* one size's, not the latest */
    s_request_round_trip(&cp);

    uint8_t *buf;
    size_t len;
    r.states = 1; /* bit 0: no such state */
    assert_int_equal(relais_request_encode(&r, &buf, &len), RELAIS_E_INVALID);
    r.kind = RELAIS_REQ_NONE;
    assert_int_equal(relais_request_encode(&r, &buf, &len), RELAIS_E_INVALID);
    r.kind = RELAIS_REQ_SUBMIT;
    assert_int_equal(relais_request_encode(&r, &buf, &len), RELAIS_E_INVALID);
    r.kind = RELAIS_REQ_CASE_SHOW;
    assert_int_equal(relais_request_encode(&r, &buf, &len), RELAIS_E_INVALID);
    r.kind = RELAIS_REQ_MEETING_SHOW; /* no meeting id */
    assert_int_equal(relais_request_encode(&r, &buf, &len), RELAIS_E_INVALID);
}

static void test_request_refuses(void **state)
{
    (void)state;
    relais_request_t back;
    s_buf_t w = {.n = 0}, sub = {.n = 0};
    s_field_varint(&w, 1, 5); /* an id and nothing asked */
    s_expect_detail(relais_request_decode(w.b, w.n, &back), RELAIS_E_MALFORMED, "request: no request set");
    s_field_bytes(&w, 5, "", 0); /* an empty case query */
    s_expect_detail(relais_request_decode(w.b, w.n, &back), RELAIS_E_MALFORMED, "request.case_query: no query set");
    w.n = 0;
    s_field_bytes(&w, 6, "", 0); /* an empty audit request */
    s_expect_detail(relais_request_decode(w.b, w.n, &back), RELAIS_E_MALFORMED, "request.audit");
    w.n = 0;
    s_field_varint(&sub, 5, 0); /* the checkpoint of size 0: there is none */
    s_field_bytes(&w, 6, sub.b, sub.n);
    s_expect_detail(relais_request_decode(w.b, w.n, &back), RELAIS_E_MALFORMED, "request.audit.checkpoint_size");
    w.n = sub.n = 0;
    s_field_bytes(&w, 2, "", 0); /* an empty submission */
    s_expect_detail(relais_request_decode(w.b, w.n, &back), RELAIS_E_MALFORMED, "request.submit: empty");
    w.n = 0;
    s_field_varint(&w, 15, 1); /* a member this build does not know */
    s_expect_detail(relais_request_decode(w.b, w.n, &back), RELAIS_E_MALFORMED, "unknown field number 15");
    char long_id[RELAIS_CASE_ID_LEN];
    memset(long_id, '1', sizeof long_id);
    w.n = 0;
    s_field_bytes(&sub, 2, long_id, sizeof long_id);
    s_field_bytes(&w, 5, sub.b, sub.n);
    s_expect_detail(relais_request_decode(w.b, w.n, &back), RELAIS_E_MALFORMED, "request.case_query.show");
    assert_null(back.submit);
}

/* ---- Replies ---------------------------------------------------------------------------- */

static void s_reply_round_trip(const relais_reply_t *reply, relais_reply_t *back)
{
    uint8_t *buf;
    size_t len;
    int rc = relais_reply_encode(reply, &buf, &len);
    if (rc)
        fail_msg("reply kind %d: %s %s", (int)reply->kind, relais_status_name(rc), relais_status_detail());
    assert_int_equal(relais_reply_decode(buf, len, back), 0);
    free(buf);
    assert_true(back->request_id == reply->request_id);
    assert_int_equal(back->kind, reply->kind);
}

static void s_expect_records(const relais_reply_t *back, uint8_t *const *recs, const size_t *lens, size_t n)
{
    assert_int_equal(back->record_count, n);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(back->record_lens[i], lens[i]);
        if (lens[i])
            assert_memory_equal(back->records[i], recs[i], lens[i]);
    }
}

static void test_reply_simple_round_trips(void **state)
{
    (void)state;
    relais_reply_t r, back;
    memset(&r, 0, sizeof r);
    r.request_id = 9;
    s_reply_round_trip(&r, &back); /* NONE: the ping's answer */
    relais_reply_clear(&back);

    r.kind = RELAIS_REPLY_ACK;
    memcpy(r.ack.msg_id, s_id, sizeof s_id);
    r.ack.seq = 77;
    memset(r.ack.leaf_hash, 0xcd, sizeof r.ack.leaf_hash);
    r.ack.duplicate = 1;
    r.ack.received_ms = S_CREATED_MS;
    snprintf(r.ack.case_id, sizeof r.ack.case_id, "C-77");
    s_reply_round_trip(&r, &back);
    assert_memory_equal(&back.ack, &r.ack, sizeof r.ack);
    relais_reply_clear(&back);

    memset(&r, 0, sizeof r);
    r.kind = RELAIS_REPLY_ERROR;
    r.error.status = RELAIS_E_NO_CONSENT;
    snprintf(r.error.message, sizeof r.error.message, "referral.consent: missing");
    memcpy(r.error.msg_id, s_id, sizeof s_id);
    r.error.has_msg_id = 1;
    s_reply_round_trip(&r, &back);
    assert_memory_equal(&back.error, &r.error, sizeof r.error);
    relais_reply_clear(&back);
    memset(r.error.msg_id, 0, sizeof r.error.msg_id);
    r.error.has_msg_id = 0;
    r.error.status = RELAIS_E_UNAVAILABLE;
    s_reply_round_trip(&r, &back);
    assert_memory_equal(&back.error, &r.error, sizeof r.error);
    relais_reply_clear(&back);

    uint8_t *buf;
    size_t len;
    r.error.status = RELAIS_E_CORRUPT; /* local codes never travel */
    assert_int_equal(relais_reply_encode(&r, &buf, &len), RELAIS_E_INVALID);

    memset(&r, 0, sizeof r);
    r.kind = RELAIS_REPLY_CHECKPOINT;
    r.tree_size = 1234;
    memset(r.root, 0x11, sizeof r.root);
    r.time_ms = S_CREATED_MS;
    r.note = "relais.example/log\n1234\nERERERERERERERERERERERERERERERERERERERERERE=\n\n\xe2\x80\x94 relais Az3d\n";
    s_reply_round_trip(&r, &back);
    assert_true(back.tree_size == 1234 && back.time_ms == S_CREATED_MS);
    assert_true(back.witnesses == 0 && back.cosigned_ms == 0 && back.cosigned_size == 0);
    assert_memory_equal(back.root, r.root, sizeof r.root);
    assert_string_equal(back.note, r.note);
    relais_reply_clear(&back);
    assert_null(back.note);
    /* a hub with witnesses says when its newest cosignature came, and of what size */
    r.witnesses = 2;
    r.cosigned_ms = S_CREATED_MS + 5;
    r.cosigned_size = 1200;
    s_reply_round_trip(&r, &back);
    assert_true(back.witnesses == 2 && back.cosigned_ms == S_CREATED_MS + 5 && back.cosigned_size == 1200);
    relais_reply_clear(&back);
}

static void test_reply_delivery_round_trips(void **state)
{
    (void)state;
    uint8_t record[40];
    memset(record, 0x08, sizeof record);
    relais_reply_t r, back;
    memset(&r, 0, sizeof r);
    r.kind = RELAIS_REPLY_DELIVERY;
    r.delivery.seq = 41;
    r.delivery.received_ms = S_CREATED_MS;
    r.delivery.record = record;
    r.delivery.record_len = sizeof record;
    r.delivery.overdue = 1;
    s_reply_round_trip(&r, &back);
    assert_true(back.delivery.seq == 41 && back.delivery.overdue && !back.delivery.has_status);
    assert_int_equal(back.delivery.record_len, sizeof record);
    assert_memory_equal(back.delivery.record, record, sizeof record);
    assert_false(back.delivery.has_leaf_hash);
    relais_reply_clear(&back);

    /* opened from a sealed store: the stored leaf's hash comes with it */
    r.delivery.has_leaf_hash = 1;
    memset(r.delivery.leaf_hash, 0x5a, sizeof r.delivery.leaf_hash);
    s_reply_round_trip(&r, &back);
    assert_true(back.delivery.has_leaf_hash);
    assert_memory_equal(back.delivery.leaf_hash, r.delivery.leaf_hash, sizeof r.delivery.leaf_hash);
    relais_reply_clear(&back);

    /* a partner's view: the status, no record */
    memset(&r.delivery, 0, sizeof r.delivery);
    r.delivery.seq = 42;
    r.delivery.has_status = 1;
    snprintf(r.delivery.status.case_id, sizeof r.delivery.status.case_id, "C-12");
    r.delivery.status.state = RELAIS_CASE_ACCEPTED;
    r.delivery.status.task_status = 3;
    snprintf(r.delivery.status.reason_code, sizeof r.delivery.status.reason_code, "in-scope");
    r.delivery.status.updated_ms = S_CREATED_MS;
    s_reply_round_trip(&r, &back);
    assert_null(back.delivery.record);
    assert_int_equal(back.delivery.record_len, 0);
    assert_memory_equal(&back.delivery.status, &r.delivery.status, sizeof r.delivery.status);
    assert_true(back.delivery.has_status);
    relais_reply_clear(&back);
}

static void test_reply_proof_round_trips(void **state)
{
    (void)state;
    uint8_t path[3][32];
    for (int i = 0; i < 3; i++)
        memset(path[i], 0x30 + i, 32);
    relais_reply_t r, back;
    memset(&r, 0, sizeof r);
    r.kind = RELAIS_REPLY_INCLUSION;
    r.seq = 5;
    r.tree_size = 8;
    memset(r.leaf_hash, 0xee, sizeof r.leaf_hash);
    r.path = path;
    r.path_len = 3;
    s_reply_round_trip(&r, &back);
    assert_true(back.seq == 5 && back.tree_size == 8 && back.path_len == 3);
    assert_memory_equal(back.leaf_hash, r.leaf_hash, 32);
    assert_memory_equal(back.path, path, sizeof path);
    relais_reply_clear(&back);

    memset(&r, 0, sizeof r);
    r.kind = RELAIS_REPLY_CONSISTENCY;
    r.old_size = 3;
    r.tree_size = 8;
    r.path = path;
    r.path_len = 2;
    s_reply_round_trip(&r, &back);
    assert_true(back.old_size == 3 && back.tree_size == 8 && back.path_len == 2);
    assert_memory_equal(back.path, path, 2 * 32);
    relais_reply_clear(&back);

    r.path_len = 0; /* m == n: an empty proof */
    s_reply_round_trip(&r, &back);
    assert_null(back.path);
    relais_reply_clear(&back);
}

/* The statistics, and an archived case's key for the data protection officer. */
static void test_reply_privacy_round_trips(void **state)
{
    (void)state;
    relais_reply_t r, back;
    memset(&r, 0, sizeof r);
    r.kind = RELAIS_REPLY_STATISTICS;
    r.stats_json = "{\"cases\":7}";
    r.stats_text = "Statistiques du partenariat\n";
    r.threshold = 5;
    s_reply_round_trip(&r, &back);
    assert_string_equal(back.stats_json, r.stats_json);
    assert_string_equal(back.stats_text, r.stats_text);
    assert_int_equal(back.threshold, 5);
    relais_reply_clear(&back);

    relais_case_summary_t summary;
    memset(&summary, 0, sizeof summary);
    snprintf(summary.case_id, sizeof summary.case_id, "C-3");
    summary.retention_due_ms = 1893456000000;
    uint8_t box[88];
    memset(box, 0xa5, sizeof box);
    memset(&r, 0, sizeof r);
    r.kind = RELAIS_REPLY_CASE_DETAIL;
    r.cases = &summary;
    r.case_count = 1;
    r.archived_key = box;
    r.archived_key_len = sizeof box;
    s_reply_round_trip(&r, &back);
    assert_int_equal(back.archived_key_len, sizeof box);
    assert_memory_equal(back.archived_key, box, sizeof box);
    assert_true(back.cases[0].retention_due_ms == summary.retention_due_ms);
    relais_reply_clear(&back);
}

static void test_reply_case_round_trips(void **state)
{
    (void)state;
    relais_case_summary_t cases[2];
    s_fill_summary(&cases[0], 0);
    s_fill_summary(&cases[1], 1);
    uint8_t rec_a[] = {0x08, 0x01}, rec_b[300];
    memset(rec_b, 0x55, sizeof rec_b);
    uint8_t *recs[] = {rec_a, rec_b};
    size_t lens[] = {sizeof rec_a, sizeof rec_b};

    relais_reply_t r, back;
    memset(&r, 0, sizeof r);
    r.kind = RELAIS_REPLY_CASE_LIST;
    r.cases = cases;
    r.case_count = 2;
    s_reply_round_trip(&r, &back);
    assert_int_equal(back.case_count, 2);
    assert_memory_equal(back.cases, cases, sizeof cases);
    relais_reply_clear(&back);

    r.case_count = 0; /* nothing matches */
    s_reply_round_trip(&r, &back);
    assert_int_equal(back.case_count, 0);
    relais_reply_clear(&back);

    memset(&r, 0, sizeof r);
    r.kind = RELAIS_REPLY_CASE_DETAIL;
    r.cases = &cases[1];
    r.case_count = 1;
    r.records = recs;
    r.record_lens = lens;
    r.record_count = 2;
    relais_case_event_t events[2];
    memset(events, 0, sizeof events);
    events[0].seq = 41;
    snprintf(events[0].status.case_id, sizeof events[0].status.case_id, "C-41");
    events[0].status.state = RELAIS_CASE_SUBMITTED;
    events[0].status.updated_ms = 1764150000000;
    events[1].seq = 57;
    snprintf(events[1].status.case_id, sizeof events[1].status.case_id, "C-41");
    events[1].status.state = RELAIS_CASE_REDIRECTED;
    snprintf(events[1].status.reason_code, sizeof events[1].status.reason_code, "cmp-follow-up");
    events[1].status.updated_ms = 1764160000000;
    r.events = events;
    r.event_count = 2;
    s_reply_round_trip(&r, &back);
    assert_int_equal(back.case_count, 1);
    assert_memory_equal(back.cases, &cases[1], sizeof cases[1]);
    s_expect_records(&back, recs, lens, 2);
    assert_int_equal(back.event_count, 2);
    assert_memory_equal(back.events, events, sizeof events);
    relais_reply_clear(&back);
    assert_null(back.events);

    /* A meeting: its summary, then the summaries of the cases its records are about. */
    r.cases = cases;
    r.case_count = 2;
    r.events = NULL;
    r.event_count = 0;
    s_reply_round_trip(&r, &back);
    assert_int_equal(back.case_count, 2);
    assert_memory_equal(back.cases, cases, sizeof cases);
    s_expect_records(&back, recs, lens, 2);
    relais_reply_clear(&back);
    r.case_count = 0;
    uint8_t *none = NULL;
    size_t none_len = 0;
    assert_int_equal(relais_reply_encode(&r, &none, &none_len), RELAIS_E_INVALID);

    memset(&r, 0, sizeof r);
    r.kind = RELAIS_REPLY_RECORDS;
    r.records = recs;
    r.record_lens = lens;
    r.record_count = 2;
    r.next_seq = 3;
    s_reply_round_trip(&r, &back);
    s_expect_records(&back, recs, lens, 2);
    assert_true(back.next_seq == 3);
    assert_int_equal(back.leaf_hash_count, 0);
    relais_reply_clear(&back);
    assert_null(back.records);

    /* from a sealed store: one stored leaf hash a record, in order; never another count */
    uint8_t leaves[2][32];
    memset(leaves[0], 0x11, 32);
    memset(leaves[1], 0x22, 32);
    r.leaf_hashes = leaves;
    r.leaf_hash_count = 2;
    s_reply_round_trip(&r, &back);
    assert_int_equal(back.leaf_hash_count, 2);
    assert_memory_equal(back.leaf_hashes, leaves, sizeof leaves);
    relais_reply_clear(&back);
    assert_null(back.leaf_hashes);
    r.leaf_hash_count = 1;
    uint8_t *bytes = NULL;
    size_t len = 0;
    assert_int_equal(relais_reply_encode(&r, &bytes, &len), RELAIS_E_INVALID);
    assert_null(bytes);
}

static void test_reply_refuses(void **state)
{
    (void)state;
    relais_reply_t back;
    s_buf_t w = {.n = 0}, sub = {.n = 0};
    s_field_bytes(&w, 30, "", 0); /* a oneof member this build does not know */
    s_expect_detail(relais_reply_decode(w.b, w.n, &back), RELAIS_E_MALFORMED, "unknown field number 30");

    uint8_t hash[33] = {0};
    s_field_bytes(&sub, 1, s_id, sizeof s_id);
    s_field_varint(&sub, 2, 1);
    s_field_bytes(&sub, 3, hash, 31);
    w.n = 0;
    s_field_bytes(&w, 2, sub.b, sub.n);
    s_expect_detail(relais_reply_decode(w.b, w.n, &back), RELAIS_E_MALFORMED, "reply.ack.leaf_hash");

    sub.n = w.n = 0;
    s_field_bytes(&sub, 4, hash, 32);
    s_field_bytes(&sub, 4, hash, 33);
    s_field_bytes(&w, 6, sub.b, sub.n);
    s_expect_detail(relais_reply_decode(w.b, w.n, &back), RELAIS_E_MALFORMED, "reply.inclusion");
    assert_null(back.path); /* a failed decode holds nothing */

    sub.n = w.n = 0; /* a case detail without its summary */
    s_field_bytes(&sub, 2, "x", 1);
    s_field_bytes(&w, 9, sub.b, sub.n);
    s_expect_detail(relais_reply_decode(w.b, w.n, &back), RELAIS_E_MALFORMED, "reply.case_detail.summary");
    assert_null(back.records);
}

/* A broker's detail longer than error.message is cut between characters, not refused. */
static void test_reply_error_truncates(void **state)
{
    (void)state;
    char text[400] = "";
    while (strlen(text) < 300)
        strcat(text, "é-");
    relais_reply_t back;
    s_buf_t w = {.n = 0}, sub = {.n = 0};
    s_field_varint(&sub, 1, 4); /* MALFORMED */
    s_field_bytes(&sub, 2, text, strlen(text));
    s_field_bytes(&w, 3, sub.b, sub.n);
    assert_int_equal(relais_reply_decode(w.b, w.n, &back), 0);
    assert_int_equal(back.kind, RELAIS_REPLY_ERROR);
    assert_int_equal(back.error.status, RELAIS_E_MALFORMED);
    size_t n = strlen(back.error.message);
    assert_true(n >= sizeof back.error.message - 4 && n < sizeof back.error.message);
    assert_memory_equal(back.error.message, text, n);
    assert_true(((uint8_t)text[n] & 0xc0) != 0x80); /* the cut falls before a character */
    relais_reply_clear(&back);

    sub.n = w.n = 0;
    s_field_varint(&sub, 1, 99); /* an ErrorCode this build does not know */
    s_field_bytes(&w, 3, sub.b, sub.n);
    assert_int_equal(relais_reply_decode(w.b, w.n, &back), RELAIS_E_MALFORMED);
}

/* ---- Names ---------------------------------------------------------------------------- */

static void test_case_state_names(void **state)
{
    (void)state;
    const char *names[] = {"submitted",        "triage",           "awaiting-agreement", "accepted",
                           "declined",         "redirected",       "diagnosis",          "pathway-proposed",
                           "follow-up",        "closed-completed", "closed-withdrawn",   "closed-failed",
                           "paused",           "entered-in-error"};
    for (int i = 0; i < 14; i++) {
        relais_case_state_t s = (relais_case_state_t)(i + 1);
        assert_string_equal(relais_case_state_name(s), names[i]);
        assert_int_equal(relais_case_state_from_name(names[i]), s);
    }
    assert_int_equal(relais_case_state_from_name("PATHWAY_PROPOSED"), RELAIS_CASE_PATHWAY_PROPOSED);
    assert_int_equal(relais_case_state_from_name("ENTERED_IN_ERROR"), RELAIS_CASE_ENTERED_IN_ERROR);
    assert_int_equal(relais_case_state_from_name("pathway"), RELAIS_CASE_UNSPECIFIED);
    assert_int_equal(relais_case_state_from_name("unspecified"), RELAIS_CASE_UNSPECIFIED);
    assert_int_equal(relais_case_state_from_name(NULL), RELAIS_CASE_UNSPECIFIED);
    assert_null(relais_case_state_name(RELAIS_CASE_STATE_COUNT));
    assert_null(relais_case_state_name(RELAIS_CASE_UNSPECIFIED));
    assert_null(relais_urgency_name(RELAIS_URGENCY_UNSPECIFIED));
    assert_string_equal(relais_urgency_name(RELAIS_URGENCY_ROUTINE), "routine");
    assert_string_equal(relais_urgency_name(RELAIS_URGENCY_PRIORITY), "priority");
    assert_string_equal(relais_urgency_name(RELAIS_URGENCY_URGENT), "urgent");
    assert_null(relais_urgency_name((relais_urgency_t)4));
    assert_int_equal(relais_urgency_from_name("URGENT"), RELAIS_URGENCY_URGENT);
    assert_int_equal(relais_urgency_from_name("soon"), RELAIS_URGENCY_UNSPECIFIED);
}

/* The time goes first, big-endian, over 6 bytes; the rest is left to the caller's random bytes. */
static void test_msg_id_stamp(void **state)
{
    (void)state;
    uint8_t id[RELAIS_MSG_ID_BYTES];
    memset(id, 0xEE, sizeof id);
    relais_msg_id_stamp(id, 1764150000123); /* 0x019ABF88B9FB */
    static const uint8_t want[6] = {0x01, 0x9A, 0xBF, 0x88, 0xB9, 0xFB};
    assert_memory_equal(id, want, sizeof want);
    for (size_t i = 6; i < sizeof id; i++)
        assert_int_equal(id[i], 0xEE);
    uint8_t later[RELAIS_MSG_ID_BYTES];
    memset(later, 0, sizeof later);
    relais_msg_id_stamp(later, 1764150000124);
    assert_true(memcmp(later, id, 6) > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_names_round_trip),
        cmocka_unit_test(test_status_detail),
        cmocka_unit_test(test_msg_id_stamp),
        cmocka_unit_test(test_log_record_known_bytes),
        cmocka_unit_test(test_log_record_sealed_known_bytes),
        cmocka_unit_test(test_log_record_round_trip),
        cmocka_unit_test(test_log_record_copy),
        cmocka_unit_test(test_log_record_refuses_bad_input),
        cmocka_unit_test(test_signed_round_trip),
        cmocka_unit_test(test_signed_refuses_non_canonical),
        cmocka_unit_test(test_message_header_rules),
        cmocka_unit_test(test_message_body_checks),
        cmocka_unit_test(test_message_canonical_bytes),
        cmocka_unit_test(test_message_text_rules),
        cmocka_unit_test(test_text_escape),
        cmocka_unit_test(test_message_accessors),
        cmocka_unit_test(test_referral_view),
        cmocka_unit_test(test_referral_view_basis),
        cmocka_unit_test(test_case_update_view),
        cmocka_unit_test(test_json_examples_round_trip),
        cmocka_unit_test(test_json_output_shape),
        cmocka_unit_test(test_json_refusals),
        cmocka_unit_test(test_access_record),
        cmocka_unit_test(test_case_record_round_trip),
        cmocka_unit_test(test_case_record_refuses),
        cmocka_unit_test(test_request_round_trips),
        cmocka_unit_test(test_request_refuses),
        cmocka_unit_test(test_reply_simple_round_trips),
        cmocka_unit_test(test_reply_delivery_round_trips),
        cmocka_unit_test(test_reply_proof_round_trips),
        cmocka_unit_test(test_reply_case_round_trips),
        cmocka_unit_test(test_reply_refuses),
        cmocka_unit_test(test_reply_privacy_round_trips),
        cmocka_unit_test(test_reply_error_truncates),
        cmocka_unit_test(test_case_state_names),
        cmocka_unit_test(test_validate_calendar_dates),
        cmocka_unit_test(test_validate_referral_schema_rules),
        cmocka_unit_test(test_validate_referral_hub_rules),
        cmocka_unit_test(test_validate_case_update_rules),
        cmocka_unit_test(test_validate_meeting_rules),
        cmocka_unit_test(test_meeting_view),
        cmocka_unit_test(test_file_replace),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
