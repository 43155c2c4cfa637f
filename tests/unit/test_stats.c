/* test_stats.c -- counting cases into tables, the stored form and its refusals, and the suppression
 * rule: crafted tables, then random aggregates checked against a reader who tries to recompute
 * every secret cell. */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>

#include "relais_proto.h"
#include "relais_stats.h"

#define MONTH RELAIS_STATS_MONTH_MS

/* Paris time without the zone database: the months are counted in local time. */
#define S_TZ "CET-1CEST,M3.5.0,M10.5.0/3"

/* The stored labels, written out here rather than read from the library, so that a label that
 * changed there shows here. */
static const char *const s_labels[RELAIS_STATS_DIMENSION_COUNT][16] = {
    [RELAIS_STATS_SOURCE] = {"school-head", "teacher", "rased", "guidance-counsellor", "municipal-youth",
                             "municipal-social", "pmi", "cmp", "parent", "other", "unspecified"},
    [RELAIS_STATS_DOMAIN] = {"educational", "periscolaire", "cultural", "social", "health", "unspecified"},
    [RELAIS_STATS_AGE] = {"0-5", "6-10", "11-14", "15-17", "18+", "unknown"},
    [RELAIS_STATS_DURATION] = {"<3 months", "3-12 months", "12-24 months", ">24 months", "unknown"},
};

static uint64_t s_count(const relais_stats_t *s, relais_stats_dimension_t dim, const char *label)
{
    uint64_t n = UINT64_MAX;
    assert_int_equal(relais_stats_count(s, dim, label, &n), RELAIS_OK);
    return n;
}

static int64_t s_utc_ms(int year, int month, int day, int hour, int minute)
{
    struct tm tm = {.tm_year = year - 1900, .tm_mon = month - 1, .tm_mday = day, .tm_hour = hour, .tm_min = minute};
    return (int64_t)timegm(&tm) * 1000;
}

/* ---- Counting ---------------------------------------------------------------------------- */

static void test_counts(void **state)
{
    (void)state;
    relais_stats_t *s = NULL;
    assert_int_equal(relais_stats_new(&s), RELAIS_OK);
    const relais_stats_case_t cases[] = {
        /* 23:30 UTC on 28 February is 00:30 on 1 March in Paris */
        {s_utc_ms(2026, 2, 28, 23, 30), 7, (1u << 1) | (1u << 5), 5, 3 * MONTH - 1, RELAIS_CASE_CLOSED_COMPLETED},
        {s_utc_ms(2026, 3, 15, 9, 0), 8, 0, 6, 3 * MONTH, RELAIS_CASE_FOLLOW_UP},
        {s_utc_ms(2026, 1, 10, 9, 0), 0, 1u << 0, 10, 12 * MONTH - 1, 0},
        {s_utc_ms(2026, 1, 31, 22, 59), 9, 1u << 4, 11, 12 * MONTH, RELAIS_CASE_CLOSED_WITHDRAWN},
        {s_utc_ms(2026, 4, 2, 8, 0), 1, (1u << 2) | (1u << 3), 14, 24 * MONTH, RELAIS_CASE_TRIAGE},
        {s_utc_ms(2026, 4, 3, 8, 0), 7, 1u << 4, 15, 24 * MONTH + 1, RELAIS_CASE_CLOSED_COMPLETED},
        {s_utc_ms(2026, 4, 4, 8, 0), 10, 1u << 5, 17, -1, RELAIS_CASE_ENTERED_IN_ERROR},
        {s_utc_ms(2026, 4, 5, 8, 0), 4, 1u << 1, 18, 0, RELAIS_CASE_PAUSED},
        {s_utc_ms(2026, 4, 6, 8, 0), 4, 1u << 1, -1, 0, RELAIS_CASE_PAUSED},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(relais_stats_add(s, &cases[i]), RELAIS_OK);
    assert_int_equal(relais_stats_total(s), 9);

    assert_int_equal(s_count(s, RELAIS_STATS_MONTH, "2026-01"), 2); /* 22:59 UTC on 31 January is 23:59 in Paris */
    assert_int_equal(s_count(s, RELAIS_STATS_MONTH, "2026-02"), 0);
    assert_int_equal(s_count(s, RELAIS_STATS_MONTH, "2026-03"), 2);
    assert_int_equal(s_count(s, RELAIS_STATS_MONTH, "2026-04"), 5);

    assert_int_equal(s_count(s, RELAIS_STATS_SOURCE, "pmi"), 2);
    assert_int_equal(s_count(s, RELAIS_STATS_SOURCE, "cmp"), 1);
    assert_int_equal(s_count(s, RELAIS_STATS_SOURCE, "unspecified"), 1);
    assert_int_equal(s_count(s, RELAIS_STATS_SOURCE, "parent"), 1);
    assert_int_equal(s_count(s, RELAIS_STATS_SOURCE, "school-head"), 1);
    assert_int_equal(s_count(s, RELAIS_STATS_SOURCE, "other"), 1);
    assert_int_equal(s_count(s, RELAIS_STATS_SOURCE, "guidance-counsellor"), 2);
    assert_int_equal(s_count(s, RELAIS_STATS_SOURCE, "teacher"), 0);

    /* a case counts once in each of its domains; none, or DOMAIN_UNSPECIFIED alone, is "unspecified" */
    assert_int_equal(s_count(s, RELAIS_STATS_DOMAIN, "educational"), 3);
    assert_int_equal(s_count(s, RELAIS_STATS_DOMAIN, "periscolaire"), 1);
    assert_int_equal(s_count(s, RELAIS_STATS_DOMAIN, "cultural"), 1);
    assert_int_equal(s_count(s, RELAIS_STATS_DOMAIN, "social"), 2);
    assert_int_equal(s_count(s, RELAIS_STATS_DOMAIN, "health"), 2);
    assert_int_equal(s_count(s, RELAIS_STATS_DOMAIN, "unspecified"), 2);

    /* the bands at their edges: 5 | 6, 10 | 11, 14 | 15, 17 | 18 */
    assert_int_equal(s_count(s, RELAIS_STATS_AGE, "0-5"), 1);
    assert_int_equal(s_count(s, RELAIS_STATS_AGE, "6-10"), 2);
    assert_int_equal(s_count(s, RELAIS_STATS_AGE, "11-14"), 2);
    assert_int_equal(s_count(s, RELAIS_STATS_AGE, "15-17"), 2);
    assert_int_equal(s_count(s, RELAIS_STATS_AGE, "18+"), 1);
    assert_int_equal(s_count(s, RELAIS_STATS_AGE, "unknown"), 1);

    /* 3 months exactly is 3-12, 12 exactly 12-24, 24 exactly still 12-24 */
    assert_int_equal(s_count(s, RELAIS_STATS_DURATION, "<3 months"), 3);
    assert_int_equal(s_count(s, RELAIS_STATS_DURATION, "3-12 months"), 2);
    assert_int_equal(s_count(s, RELAIS_STATS_DURATION, "12-24 months"), 2);
    assert_int_equal(s_count(s, RELAIS_STATS_DURATION, ">24 months"), 1);
    assert_int_equal(s_count(s, RELAIS_STATS_DURATION, "unknown"), 1);

    assert_int_equal(s_count(s, RELAIS_STATS_OUTCOME, "closed-completed"), 2);
    assert_int_equal(s_count(s, RELAIS_STATS_OUTCOME, "paused"), 2);
    assert_int_equal(s_count(s, RELAIS_STATS_OUTCOME, "unspecified"), 1);
    assert_int_equal(s_count(s, RELAIS_STATS_OUTCOME, "submitted"), 0);
    for (int st = 1; st < RELAIS_CASE_STATE_COUNT; st++) /* every state is a label */
        (void)s_count(s, RELAIS_STATS_OUTCOME, relais_case_state_name((relais_case_state_t)st));

    /* what this build does not know is refused, and nothing of the case is counted */
    relais_stats_case_t bad = cases[0];
    bad.source = 11;
    assert_int_equal(relais_stats_add(s, &bad), RELAIS_E_INVALID);
    bad = cases[0];
    bad.outcome = RELAIS_CASE_STATE_COUNT;
    assert_int_equal(relais_stats_add(s, &bad), RELAIS_E_INVALID);
    bad = cases[0];
    bad.domains = 1u << 6;
    assert_int_equal(relais_stats_add(s, &bad), RELAIS_E_INVALID);
    bad = cases[0];
    bad.opened_ms = INT64_MAX;
    assert_int_equal(relais_stats_add(s, &bad), RELAIS_E_INVALID);
    assert_int_equal(relais_stats_total(s), 9);
    assert_int_equal(s_count(s, RELAIS_STATS_SOURCE, "pmi"), 2);

    uint64_t n;
    assert_int_equal(relais_stats_count(s, RELAIS_STATS_SOURCE, "police", &n), RELAIS_E_INVALID);
    assert_int_equal(relais_stats_count(s, RELAIS_STATS_MONTH, "2026-3", &n), RELAIS_E_INVALID);
    assert_int_equal(relais_stats_count(s, RELAIS_STATS_DIMENSION_COUNT, "pmi", &n), RELAIS_E_INVALID);
    relais_stats_destroy(&s);
    assert_null(s);
}

static void test_merge(void **state)
{
    (void)state;
    relais_stats_t *a = NULL, *b = NULL;
    assert_int_equal(relais_stats_new(&a), RELAIS_OK);
    assert_int_equal(relais_stats_new(&b), RELAIS_OK);
    relais_stats_case_t c = {s_utc_ms(2026, 1, 15, 12, 0), 7, 1u << 4, 9, 14 * MONTH, RELAIS_CASE_CLOSED_COMPLETED};
    assert_int_equal(relais_stats_add(a, &c), RELAIS_OK);
    c.opened_ms = s_utc_ms(2026, 3, 15, 12, 0);
    assert_int_equal(relais_stats_add(a, &c), RELAIS_OK);
    c.opened_ms = s_utc_ms(2026, 2, 15, 12, 0);
    c.source = 8;
    assert_int_equal(relais_stats_add(b, &c), RELAIS_OK);
    c.opened_ms = s_utc_ms(2026, 3, 16, 12, 0);
    assert_int_equal(relais_stats_add(b, &c), RELAIS_OK);
    c.opened_ms = s_utc_ms(2026, 5, 16, 12, 0);
    assert_int_equal(relais_stats_add(b, &c), RELAIS_OK);

    assert_int_equal(relais_stats_merge(a, b), RELAIS_OK);
    assert_int_equal(relais_stats_total(a), 5);
    assert_int_equal(s_count(a, RELAIS_STATS_MONTH, "2026-01"), 1);
    assert_int_equal(s_count(a, RELAIS_STATS_MONTH, "2026-02"), 1);
    assert_int_equal(s_count(a, RELAIS_STATS_MONTH, "2026-03"), 2);
    assert_int_equal(s_count(a, RELAIS_STATS_MONTH, "2026-04"), 0);
    assert_int_equal(s_count(a, RELAIS_STATS_MONTH, "2026-05"), 1);
    assert_int_equal(s_count(a, RELAIS_STATS_SOURCE, "pmi"), 2);
    assert_int_equal(s_count(a, RELAIS_STATS_SOURCE, "cmp"), 3);
    assert_int_equal(s_count(a, RELAIS_STATS_DOMAIN, "social"), 5);
    assert_int_equal(s_count(a, RELAIS_STATS_DURATION, "12-24 months"), 5);
    assert_int_equal(relais_stats_total(b), 3); /* the source is read, not moved */

    /* into an empty aggregate, and with itself */
    relais_stats_t *empty = NULL;
    assert_int_equal(relais_stats_new(&empty), RELAIS_OK);
    assert_int_equal(relais_stats_merge(empty, b), RELAIS_OK);
    assert_int_equal(relais_stats_merge(b, b), RELAIS_OK);
    assert_int_equal(relais_stats_total(b), 6);
    assert_int_equal(s_count(b, RELAIS_STATS_MONTH, "2026-03"), 2);
    assert_int_equal(s_count(empty, RELAIS_STATS_MONTH, "2026-05"), 1);
    relais_stats_destroy(&a);
    relais_stats_destroy(&b);
    relais_stats_destroy(&empty);
}

/* ---- The stored form --------------------------------------------------------------------- */

static void test_stored_form(void **state)
{
    (void)state;
    relais_stats_t *s = NULL, *back = NULL;
    assert_int_equal(relais_stats_new(&s), RELAIS_OK);
    char *json = NULL;
    size_t len = 0;
    relais_stats_case_t c = {s_utc_ms(2026, 3, 15, 12, 0), 7, (1u << 1) | (1u << 5), 4, MONTH, RELAIS_CASE_CLOSED_COMPLETED};
    assert_int_equal(relais_stats_add(s, &c), RELAIS_OK);
    assert_int_equal(relais_stats_encode(s, &json, &len), RELAIS_OK);
    assert_string_equal(json, "{\"version\":1,\"cases\":1,\"month\":{\"2026-03\":1},\"source\":{\"pmi\":1},"
                              "\"domain\":{\"educational\":1,\"health\":1},\"age\":{\"0-5\":1},"
                              "\"duration\":{\"<3 months\":1},\"outcome\":{\"closed-completed\":1}}");
    assert_int_equal(len, strlen(json));
    free(json);

    /* a larger one goes and comes back unchanged */
    for (int i = 0; i < 200; i++) {
        relais_stats_case_t more = {s_utc_ms(2020 + i % 7, 1 + i % 12, 1 + i % 28, i % 24, 0), i % 11, (unsigned)(i * 2) & 0x3e,
                                    i % 23 - 1, (int64_t)(i % 40 - 1) * MONTH, i % RELAIS_CASE_STATE_COUNT};
        assert_int_equal(relais_stats_add(s, &more), RELAIS_OK);
    }
    assert_int_equal(relais_stats_encode(s, &json, &len), RELAIS_OK);
    assert_int_equal(relais_stats_decode((const uint8_t *)json, len, &back), RELAIS_OK);
    char *again = NULL;
    size_t again_len = 0;
    assert_int_equal(relais_stats_encode(back, &again, &again_len), RELAIS_OK);
    assert_string_equal(json, again);
    assert_int_equal(relais_stats_total(back), 201);
    assert_int_equal(s_count(back, RELAIS_STATS_MONTH, "2026-03"), s_count(s, RELAIS_STATS_MONTH, "2026-03"));
    free(json);
    free(again);
    relais_stats_destroy(&back);
    relais_stats_destroy(&s);

    /* the empty aggregate, and explicit zeros, which are taken */
    const char *zeros = "{\"version\":1,\"cases\":0,\"month\":{\"2026-01\":0},\"source\":{\"pmi\":0},\"domain\":{},"
                        "\"age\":{},\"duration\":{},\"outcome\":{\"paused\":0}}";
    assert_int_equal(relais_stats_decode((const uint8_t *)zeros, strlen(zeros), &back), RELAIS_OK);
    assert_int_equal(relais_stats_encode(back, &json, &len), RELAIS_OK);
    assert_string_equal(json, "{\"version\":1,\"cases\":0,\"month\":{},\"source\":{},\"domain\":{},\"age\":{},"
                              "\"duration\":{},\"outcome\":{}}");
    free(json);
    relais_stats_destroy(&back);
}

/* A valid stored form of 10 cases, and what each refusal changes in it. */
#define S_VALID                                                                                                    \
    "{\"version\":1,\"cases\":10,\"month\":{\"2026-03\":4,\"2026-04\":6},\"source\":{\"pmi\":3,\"cmp\":7},"   \
    "\"domain\":{\"educational\":6,\"health\":5,\"unspecified\":2},\"age\":{\"6-10\":10},"                     \
    "\"duration\":{\"<3 months\":10},\"outcome\":{\"closed-completed\":10}}"

static void test_decode_refusals(void **state)
{
    (void)state;
    relais_stats_t *s = NULL;
    assert_int_equal(relais_stats_decode((const uint8_t *)S_VALID, strlen(S_VALID), &s), RELAIS_OK);
    relais_stats_destroy(&s);

    static const struct {
        const char *from, *to; /* replaced in S_VALID; from NULL: `to` is the whole input */
        int code;
        const char *detail;
    } cases[] = {
        {NULL, "", RELAIS_E_MALFORMED, "not valid JSON"},
        {NULL, "[1, 2]", RELAIS_E_MALFORMED, "expected an object, got an array"},
        {NULL, "{\"version\":1}", RELAIS_E_MALFORMED, "cases: missing"},
        {",\"outcome\":{\"closed-completed\":10}", "", RELAIS_E_MALFORMED, "outcome: missing"},
        {"\"version\":1,", "\"version\":1,\"names\":[],", RELAIS_E_MALFORMED, "names: not a key"},
        {"\"cases\":10", "\"cases\":-1", RELAIS_E_MALFORMED, "cases: a negative count"},
        {"\"cases\":10", "\"cases\":10.0", RELAIS_E_MALFORMED, "cases: expected a count"},
        {"\"cases\":10", "\"cases\":\"10\"", RELAIS_E_MALFORMED, "got a string"},
        {"\"cases\":10", "\"cases\":9007199254740992", RELAIS_E_MALFORMED, "more than statistics count"},
        {"\"cases\":10", "\"cases\":99999999999999999999", RELAIS_E_MALFORMED, "out of range"},
        {"\"pmi\":3", "\"police\":3", RELAIS_E_MALFORMED, "source.police: not a label of source"},
        {"\"pmi\":3", "\"PMI\":3", RELAIS_E_MALFORMED, "source.PMI: not a label"},
        {"\"pmi\":3", "\"pmi\":4", RELAIS_E_MALFORMED, "source: the cells sum to 11, not to the 10 cases"},
        {"\"pmi\":3", "\"pmi\":3,\"pmi\":0", RELAIS_E_MALFORMED, "a key twice"},
        {"\"2026-04\"", "\"2026-13\"", RELAIS_E_MALFORMED, "month.2026-13: not a month"},
        {"\"2026-04\"", "\"2026-4\"", RELAIS_E_MALFORMED, "month.2026-4: not a month"},
        {"\"2026-04\":6", "\"2026-04\":7", RELAIS_E_MALFORMED, "months hold more than the 10 cases"},
        {"\"2026-04\":6", "\"2026-04\":5", RELAIS_E_MALFORMED, "month: the cells sum to 9"},
        {"\"health\":5", "\"health\":9", RELAIS_E_MALFORMED, "domain.health: 9 cases, more than the 8"},
        {"\"educational\":6,\"health\":5", "\"educational\":3,\"health\":4", RELAIS_E_MALFORMED,
         "fewer than the 8 that have one"},
        {"\"unspecified\":2", "\"unspecified\":11", RELAIS_E_MALFORMED, "domain.unspecified: 11 cases"},
        {"\"age\":{\"6-10\":10}", "\"age\":[10]", RELAIS_E_MALFORMED, "age: expected an object of counts"},
        {"\"6-10\":10", "\"6-10\":null", RELAIS_E_MALFORMED, "age.6-10: expected a count (an integer), got null"},
        {"\"version\":1", "\"version\":2", RELAIS_E_VERSION, "format 2"},
        {"\"version\":1", "\"version\":0", RELAIS_E_MALFORMED, "version: 0 is no format"},
        {"\"version\":1", "\"version\":\"1\"", RELAIS_E_MALFORMED, "version: expected an integer"},
        {"\"pmi\":3", "\"p\\u0000mi\":3", RELAIS_E_MALFORMED, "not valid JSON"},
        {"\"pmi\":3", "\"\xc3\x28\":3", RELAIS_E_MALFORMED, "not valid JSON"},
        {"\"pmi\":3", "\"p\\u001b[2Jmi\":3", RELAIS_E_MALFORMED, "source.p\\x1b[2Jmi: not a label"},
        {"}}", "}} x", RELAIS_E_MALFORMED, "not valid JSON"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char input[1024];
        if (!cases[i].from) {
            snprintf(input, sizeof input, "%s", cases[i].to);
        } else {
            const char *at = strstr(S_VALID, cases[i].from);
            assert_non_null(at);
            snprintf(input, sizeof input, "%.*s%s%s", (int)(at - S_VALID), S_VALID, cases[i].to,
                     at + strlen(cases[i].from));
        }
        s = (relais_stats_t *)&s; /* a refusal must leave NULL, whatever was there */
        int rc = relais_stats_decode((const uint8_t *)input, strlen(input), &s);
        if (rc != cases[i].code || !strstr(relais_status_detail(), cases[i].detail))
            fail_msg("input %zu (%s): got %s \"%s\", expected %s \"%s\"", i, input, relais_status_name(rc),
                     relais_status_detail(), relais_status_name(cases[i].code), cases[i].detail);
        assert_null(s);
    }
    assert_int_equal(relais_stats_decode(NULL, 0, &s), RELAIS_E_MALFORMED);
    assert_int_equal(relais_stats_decode(NULL, 3, &s), RELAIS_E_INVALID);
}

/* ---- Crafted publications ---------------------------------------------------------------- */

/* An aggregate of `cases` cases that differ in one dimension only, `table` its stored table;
 * every other table holds them all in one cell. */
static relais_stats_t *s_aggregate(unsigned cases, const char *dim, const char *table)
{
    char text[2048];
    const char *names[] = {"month", "source", "domain", "age", "duration", "outcome"};
    const char *cells[] = {"2026-03", "unspecified", "unspecified", "unknown", "unknown", "unspecified"};
    int n = snprintf(text, sizeof text, "{\"version\":1,\"cases\":%u", cases);
    for (int d = 0; d < 6; d++)
        n += strcmp(names[d], dim) == 0 ? snprintf(text + n, sizeof text - (size_t)n, ",\"%s\":%s", dim, table)
                                        : snprintf(text + n, sizeof text - (size_t)n, ",\"%s\":{\"%s\":%u}", names[d],
                                                   cells[d], cases);
    snprintf(text + n, sizeof text - (size_t)n, "}");
    relais_stats_t *s = NULL;
    if (relais_stats_decode((const uint8_t *)text, strlen(text), &s) != RELAIS_OK)
        fail_msg("%s: %s", text, relais_status_detail());
    return s;
}

static json_t *s_publish(const relais_stats_t *s, unsigned threshold)
{
    char *text = NULL;
    assert_int_equal(relais_stats_publish_json(s, threshold, &text), RELAIS_OK);
    json_t *root = json_loads(text, 0, NULL);
    assert_non_null(root);
    free(text);
    return root;
}

/* Publishes s_aggregate(cases, dim, table) at `threshold` and checks the cells of its table
 * `dim` that `expected` names, "label=count" or "label=secret" separated by spaces. */
static void s_expect(unsigned cases, const char *dim, const char *table, unsigned threshold, const char *expected)
{
    relais_stats_t *s = s_aggregate(cases, dim, table);
    json_t *root = s_publish(s, threshold);
    json_t *published = json_object_get(root, dim);
    char copy[256];
    snprintf(copy, sizeof copy, "%s", expected);
    for (char *save = NULL, *cell = strtok_r(copy, " ", &save); cell; cell = strtok_r(NULL, " ", &save)) {
        char *value = strchr(cell, '=');
        assert_non_null(value);
        *value++ = '\0';
        json_t *v = json_object_get(published, cell);
        char got[32];
        if (json_is_integer(v))
            snprintf(got, sizeof got, "%lld", (long long)json_integer_value(v));
        else
            snprintf(got, sizeof got, "%s", json_is_string(v) ? json_string_value(v) : "(none)");
        if (strcmp(got, value) != 0)
            fail_msg("%s.%s: published %s, expected %s", dim, cell, got, value);
    }
    json_decref(root);
    relais_stats_destroy(&s);
}

static char *s_text(const relais_stats_t *s, unsigned threshold)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    assert_int_equal(relais_stats_publish_text(s, threshold, f), RELAIS_OK);
    fclose(f);
    return text;
}

/* The line of the text that starts with "  label" followed by two spaces. */
static const char *s_line(const char *text, const char *label, char *out, size_t cap)
{
    char start[96];
    snprintf(start, sizeof start, "\n  %s  ", label);
    const char *at = strstr(text, start);
    assert_non_null(at);
    at++;
    size_t n = strcspn(at, "\n");
    snprintf(out, cap, "%.*s", (int)n, at);
    return out;
}

static void test_one_small_cell_gets_a_complement(void **state)
{
    (void)state;
    /* pmi alone secret would be 19 - 7 - 9: cmp, the smallest published, goes with it; zeros
     * are published */
    s_expect(19, "source", "{\"pmi\":3,\"cmp\":7,\"teacher\":9}", RELAIS_STATS_THRESHOLD_DEFAULT,
             "pmi=secret cmp=secret teacher=9 rased=0");
    relais_stats_t *s = s_aggregate(19, "source", "{\"pmi\":3,\"cmp\":7,\"teacher\":9}");
    json_t *root = s_publish(s, RELAIS_STATS_THRESHOLD_DEFAULT);
    assert_int_equal(json_integer_value(json_object_get(root, "cases")), 19);
    assert_int_equal(json_integer_value(json_object_get(root, "threshold")), 5);
    json_decref(root);

    char *text = s_text(s, RELAIS_STATS_THRESHOLD_DEFAULT);
    char line[256];
    assert_non_null(strstr(text, "Statistiques du partenariat\n"));
    assert_non_null(strstr(text, "\nPar source\n"));
    assert_non_null(strstr(s_line(text, "PMI", line, sizeof line), "secret"));
    assert_null(strchr(line, '3'));
    assert_non_null(strstr(s_line(text, "CMP", line, sizeof line), "secret"));
    assert_null(strchr(line, '7'));
    assert_null(strstr(text, "<5"));
    assert_non_null(strstr(text, "moins de 5 dossiers"));
    free(text);
    relais_stats_destroy(&s);
}

static void test_small_secret_sum_gets_more(void **state)
{
    (void)state;
    /* pmi and cmp are secret, but 3 cases together would be a small group: teacher (6) too */
    s_expect(17, "source", "{\"pmi\":1,\"cmp\":2,\"teacher\":6,\"rased\":8}", 5,
             "pmi=secret cmp=secret teacher=secret rased=8");
    /* ties go to the first label: teacher before rased, both 6 */
    s_expect(15, "source", "{\"pmi\":3,\"teacher\":6,\"rased\":6}", 5, "pmi=secret teacher=secret rased=6");
}

static void test_small_total_hides_everything(void **state)
{
    (void)state;
    relais_stats_t *s = s_aggregate(4, "source", "{\"pmi\":4}");
    json_t *root = s_publish(s, 5);
    assert_string_equal(json_string_value(json_object_get(root, "cases")), "secret");
    for (int d = 0; d < RELAIS_STATS_DIMENSION_COUNT; d++)
        assert_string_equal(json_string_value(json_object_get(root, relais_stats_dimension_name((relais_stats_dimension_t)d))),
                            "secret");
    json_decref(root);
    char *text = s_text(s, 5);
    assert_non_null(strstr(text, "Dossiers comptés : secret\n"));
    assert_null(strstr(text, "4"));
    assert_null(strstr(text, "mars"));
    free(text);
    relais_stats_destroy(&s);
    /* the same at threshold 4: all published */
    s_expect(4, "source", "{\"pmi\":4}", 4, "pmi=4");
}

static void test_domain_bounds(void **state)
{
    (void)state;
    /* 10 cases: 9 educational (4 of them social too), 1 with no domain. "social" (4) and
     * "unspecified" (1) are secret and hold 5 together, enough for a single-valued table; but
     * educational published at 9 = 10 - u says u <= 1, so u = 1: educational goes too. */
    s_expect(10, "domain", "{\"educational\":9,\"social\":4,\"unspecified\":1}", 5,
             "social=secret unspecified=secret educational=secret health=0");
}

static void test_unprotectable_table_hides_everything(void **state)
{
    (void)state;
    /* one child in every age band: with every cell secret each still holds 1, which the reader
     * who knows the rule would work out; nothing is published, as under the threshold */
    const char *ages = "{\"0-5\":1,\"6-10\":1,\"11-14\":1,\"15-17\":1,\"18+\":1,\"unknown\":1}";
    relais_stats_t *s = s_aggregate(6, "age", ages);
    json_t *root = s_publish(s, 5);
    assert_string_equal(json_string_value(json_object_get(root, "cases")), "secret");
    assert_string_equal(json_string_value(json_object_get(root, "age")), "secret");
    assert_string_equal(json_string_value(json_object_get(root, "source")), "secret");
    json_decref(root);
    relais_stats_destroy(&s);
}

static void test_month_bars(void **state)
{
    (void)state;
    relais_stats_t *s = s_aggregate(40, "month", "{\"2026-01\":20,\"2026-02\":2,\"2026-04\":10,\"2026-05\":8}");
    char *text = s_text(s, 5);
    char line[512];
    s_line(text, "janvier 2026", line, sizeof line);
    assert_non_null(strstr(line, "20  ████████████████████████████████████████"));
    s_line(text, "février 2026", line, sizeof line);
    assert_non_null(strstr(line, "secret"));
    assert_null(strstr(line, "\xe2\x96")); /* no block character: a secret month is drawn as nothing */
    assert_non_null(strstr(s_line(text, "mars 2026", line, sizeof line), " 0"));
    /* février (2) is secret, so is the smallest published month: mai (8) */
    assert_non_null(strstr(s_line(text, "mai 2026", line, sizeof line), "secret"));
    assert_non_null(strstr(s_line(text, "avril 2026", line, sizeof line), "10  ████████████████████"));
    free(text);
    relais_stats_destroy(&s);
}

/* ---- Random aggregates against a reader who recomputes --------------------------------------
 * The checker knows nothing of how the library chooses: it reads the publication as a reader
 * would, and for every secret cell lists the values consistent with what is published (the
 * cells, the total), with the rule (a secret cell holds 1 case at least, zeros being published,
 * and at most the smallest published non-zero cell of its table), and with how the cases make
 * the table. Two values at least, or the cell is disclosed. */

static uint64_t s_rng;

static uint64_t s_next(void)
{
    uint64_t z = (s_rng += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static unsigned s_below(unsigned n)
{
    return (unsigned)(s_next() % n);
}

/* Small indexes far likelier than large ones: a table of a few big cells and many small. */
static unsigned s_skewed(unsigned n)
{
    unsigned a = s_below(n), b = s_below(n);
    return a < b ? a : b;
}

typedef struct {
    size_t n;
    uint64_t truth[4096];
    int secret[4096];
    char label[4096][24];
} s_seen_t;

/* Values [min, max] seen per cell, for the brute-force searches. */
typedef struct {
    uint64_t min, max;
    int any;
} s_range_t;

static void s_saw(s_range_t *r, uint64_t v)
{
    if (!r->any || v < r->min)
        r->min = v;
    if (!r->any || v > r->max)
        r->max = v;
    r->any = 1;
}

/* A single-valued table: the secret cells sum to total - published; each secret value v is
 * possible when the k - 1 others can hold the rest, each from 1 to cap. */
static void s_check_single(const s_seen_t *t, uint64_t total, uint64_t cap, const char *dim)
{
    uint64_t published = 0, k = 0;
    for (size_t i = 0; i < t->n; i++) {
        if (t->secret[i])
            k++;
        else
            published += t->truth[i];
    }
    uint64_t rest = total - published;
    for (size_t i = 0; i < t->n; i++) {
        if (!t->secret[i])
            continue;
        s_range_t r = {0};
        for (uint64_t v = 1; v <= rest && v <= cap; v++)
            if (rest - v >= k - 1 && rest - v <= (k - 1) * cap)
                s_saw(&r, v);
        if (!r.any || r.min == r.max)
            fail_msg("%s.%s: the reader recomputes %" PRIu64 " (k=%" PRIu64 ", rest=%" PRIu64 ", cap=%" PRIu64 ")", dim,
                     t->label[i], r.min, k, rest, cap);
    }
}

/* The domain table (educational .. health, then unspecified): for every number u of cases
 * without a domain, the M = total - u others each have one domain at least, so every domain
 * holds at most M and the five together at least M; every value of every secret cell that
 * fits is listed. */
static void s_check_domain(const s_seen_t *t, uint64_t total, uint64_t cap)
{
    s_range_t r[6] = {{0}};
    uint64_t u_low = t->secret[5] ? 1 : t->truth[5], u_high = t->secret[5] ? (cap < total ? cap : total) : t->truth[5];
    for (uint64_t u = u_low; u <= u_high; u++) {
        uint64_t m = total - u, published = 0, nsd = 0, fits = 1;
        for (size_t i = 0; i < 5; i++) {
            if (t->secret[i])
                nsd++;
            else {
                published += t->truth[i];
                fits &= t->truth[i] <= m;
            }
        }
        uint64_t most = cap < m ? cap : m; /* what a secret domain can hold at the most */
        if (!fits || (nsd && m < 1) || published + nsd * most < m)
            continue;
        if (t->secret[5])
            s_saw(&r[5], u);
        for (size_t i = 0; i < 5; i++)
            if (t->secret[i])
                for (uint64_t v = 1; v <= most; v++)
                    if (published + v + (nsd - 1) * most >= m)
                        s_saw(&r[i], v);
    }
    for (size_t i = 0; i < 6; i++)
        if (t->secret[i] && (!r[i].any || r[i].min == r[i].max))
            fail_msg("domain.%s: the reader recomputes %" PRIu64, t->label[i], r[i].min);
}

/* Every row of a table's text section: the label as written at threshold 0, where nothing is
 * secret, and the rest of the line. */
static size_t s_text_rows(const char *text, const char *heading, char rows[][160], size_t most)
{
    char start[64];
    snprintf(start, sizeof start, "\n%s\n", heading);
    const char *at = strstr(text, start);
    assert_non_null(at);
    at += strlen(start);
    size_t n = 0;
    while (*at && *at != '\n' && n < most) {
        size_t len = strcspn(at, "\n");
        if (*at != '(')
            snprintf(rows[n++], 160, "%.*s", (int)len, at);
        at += len + (at[len] == '\n');
    }
    return n;
}

static const char *const s_headings[RELAIS_STATS_DIMENSION_COUNT] = {
    "Par mois d'ouverture", "Par source", "Par domaine", "Par tranche d'âge", "Par durée de suivi", "Par issue"};

static void s_check_text(const relais_stats_t *s, unsigned threshold, json_t *root)
{
    static char open_rows[4096][160], rows[4096][160];
    char *open_text = s_text(s, 0), *text = s_text(s, threshold);
    for (int d = 0; d < RELAIS_STATS_DIMENSION_COUNT; d++) {
        json_t *table = json_object_get(root, relais_stats_dimension_name((relais_stats_dimension_t)d));
        size_t n = s_text_rows(text, s_headings[d], rows, 4096);
        if (json_is_string(table)) {
            assert_int_equal(n, 1);
            assert_string_equal(rows[0], "  secret");
            continue;
        }
        size_t open_n = s_text_rows(open_text, s_headings[d], open_rows, 4096);
        if (json_object_size(table) == 0)
            continue;
        assert_int_equal(n, json_object_size(table));
        assert_int_equal(open_n, n);
        const char *key;
        json_t *v;
        size_t i = 0;
        json_object_foreach(table, key, v) {
            /* the label: up to the run of spaces before the count */
            const char *gap = strstr(open_rows[i] + 2, "  ");
            assert_non_null(gap);
            size_t label_len = (size_t)(gap - open_rows[i]);
            assert_memory_equal(rows[i], open_rows[i], label_len);
            const char *rest = rows[i] + label_len;
            rest += strspn(rest, " ");
            if (json_is_string(v)) {
                if (strcmp(rest, "secret") != 0)
                    fail_msg("%s: a secret cell's line \"%s\"", key, rows[i]);
            } else {
                char count[32];
                int w = snprintf(count, sizeof count, "%lld", (long long)json_integer_value(v));
                if (strncmp(rest, count, (size_t)w) != 0 || (rest[w] && strncmp(rest + w, "  ", 2) != 0))
                    fail_msg("%s: the line \"%s\" does not show %s", key, rows[i], count);
            }
            i++;
        }
    }
    free(open_text);
    free(text);
}

static void s_check_publication(const relais_stats_t *s, unsigned threshold, int *withheld_whole)
{
    uint64_t total = relais_stats_total(s);
    json_t *root = s_publish(s, threshold);
    json_t *cases = json_object_get(root, "cases");
    *withheld_whole = json_is_string(cases);
    if (total < threshold)
        assert_true(*withheld_whole);
    else if (!*withheld_whole)
        assert_int_equal(json_integer_value(cases), total);
    for (int d = 0; d < RELAIS_STATS_DIMENSION_COUNT; d++) {
        const char *name = relais_stats_dimension_name((relais_stats_dimension_t)d);
        json_t *table = json_object_get(root, name);
        assert_non_null(table);
        if (*withheld_whole) {
            assert_string_equal(json_string_value(table), "secret");
            continue;
        }
        static s_seen_t t;
        t.n = 0;
        const char *key;
        json_t *v;
        uint64_t k = 0, secret_sum = 0, cap = total, seen_sum = 0;
        json_object_foreach(table, key, v) {
            assert_true(t.n < 4096);
            snprintf(t.label[t.n], sizeof t.label[t.n], "%s", key);
            t.truth[t.n] = s_count(s, (relais_stats_dimension_t)d, key);
            t.secret[t.n] = json_is_string(v);
            if (d != RELAIS_STATS_MONTH)
                assert_string_equal(key, s_labels[d][t.n] ? s_labels[d][t.n]
                                                          : t.n < 14 ? relais_case_state_name((relais_case_state_t)(t.n + 1))
                                                                     : "unspecified");
            if (t.truth[t.n] > 0 && t.truth[t.n] < threshold)
                assert_true(t.secret[t.n]); /* primary */
            if (t.truth[t.n] == 0)
                assert_false(t.secret[t.n]); /* zeros are published */
            if (t.secret[t.n]) {
                assert_string_equal(json_string_value(v), "secret");
                k++;
                secret_sum += t.truth[t.n];
            } else {
                assert_int_equal(json_integer_value(v), t.truth[t.n]);
                if (t.truth[t.n] && t.truth[t.n] < cap)
                    cap = t.truth[t.n];
            }
            seen_sum += t.truth[t.n];
            t.n++;
        }
        if (d != RELAIS_STATS_DOMAIN) /* every case in the listed cells: the month range is whole */
            assert_int_equal(seen_sum, total);
        if (k) {
            assert_true(k >= 2);
            assert_true(secret_sum >= threshold);
            if (d == RELAIS_STATS_DOMAIN)
                s_check_domain(&t, total, cap);
            else
                s_check_single(&t, total, cap, name);
        }
    }
    s_check_text(s, threshold, root);
    json_decref(root);
}

static void test_random_publications_disclose_nothing(void **state)
{
    (void)state;
    static const unsigned thresholds[] = {2, 3, 4, 5, 5, 5, 7, 10};
    s_rng = 20260314;
    unsigned published = 0, most_withheld = 0; /* most cases, at or above the threshold, withheld whole */
    for (int round = 0; round < 1500; round++) {
        relais_stats_t *s = NULL;
        assert_int_equal(relais_stats_new(&s), RELAIS_OK);
        unsigned n = round % 10 == 0 ? s_below(300) : s_below(60);
        unsigned months = 1 + s_below(14), domain_odds = 1 + s_below(6);
        for (unsigned i = 0; i < n; i++) {
            struct tm tm = {.tm_year = 125 + (int)s_below(2), .tm_mon = (int)s_skewed(months), .tm_mday = 15, .tm_hour = 12,
                            .tm_isdst = -1};
            relais_stats_case_t c = {
                .opened_ms = (int64_t)mktime(&tm) * 1000,
                .source = (int)s_skewed(11),
                .age_years = (int)s_skewed(22) - 1,
                .duration_ms = ((int64_t)s_skewed(36) - 1) * MONTH + (int64_t)s_below(1000),
                .outcome = (int)s_skewed(RELAIS_CASE_STATE_COUNT),
            };
            for (unsigned v = 1; v <= 5; v++)
                if (s_below(domain_odds + v) == 0)
                    c.domains |= 1u << v;
            assert_int_equal(relais_stats_add(s, &c), RELAIS_OK);
        }
        int whole;
        s_check_publication(s, thresholds[round % 8], &whole);
        if (whole && n >= thresholds[round % 8] && n > most_withheld)
            most_withheld = n;
        published += !whole;
        relais_stats_destroy(&s);
    }
    /* the rule must not hide what it can publish: withholding everything above the threshold is
     * for a handful of cases (here, at most 9 of them) */
    assert_true(published > 1250);
    assert_true(most_withheld < 12);
}

/* The rule for a table counted elsewhere (relais_stats_suppress, the desk's charts) is the
 * publication's: on random aggregates, the source table's secret cells are the same. */
static void test_suppress_is_the_publications_rule(void **state)
{
    (void)state;
    s_rng = 20260601;
    unsigned compared = 0;
    for (int round = 0; round < 400; round++) {
        relais_stats_t *s = NULL;
        assert_int_equal(relais_stats_new(&s), RELAIS_OK);
        unsigned n = s_below(80);
        for (unsigned i = 0; i < n; i++) {
            relais_stats_case_t c = {.opened_ms = s_utc_ms(2026, 3, 15, 12, 0), .source = (int)s_skewed(11),
                                     .age_years = -1, .duration_ms = -1};
            assert_int_equal(relais_stats_add(s, &c), RELAIS_OK);
        }
        json_t *root = s_publish(s, RELAIS_STATS_THRESHOLD_DEFAULT);
        json_t *table = json_object_get(root, "source");
        if (json_is_object(table)) {
            uint64_t counts[11];
            int secret[11];
            for (size_t i = 0; i < 11; i++)
                counts[i] = s_count(s, RELAIS_STATS_SOURCE, s_labels[RELAIS_STATS_SOURCE][i]);
            int protected = 0;
            assert_int_equal(relais_stats_suppress(counts, 11, n, RELAIS_STATS_THRESHOLD_DEFAULT, secret, &protected),
                             RELAIS_OK);
            assert_true(protected);
            for (size_t i = 0; i < 11; i++)
                assert_int_equal(secret[i], json_is_string(json_object_get(table, s_labels[RELAIS_STATS_SOURCE][i])));
            compared++;
        }
        json_decref(root);
        relais_stats_destroy(&s);
    }
    assert_true(compared > 300);

    /* A table the rule cannot protect (every case alone in its cell), and refusals. */
    const uint64_t ones[6] = {1, 1, 1, 1, 1, 0};
    int secret[6], protected = 1;
    assert_int_equal(relais_stats_suppress(ones, 6, 5, 5, secret, &protected), RELAIS_OK);
    assert_false(protected);
    assert_int_equal(relais_stats_suppress(ones, 6, 6, 5, secret, &protected), RELAIS_E_INVALID);
    assert_int_equal(relais_stats_suppress(NULL, 6, 5, 5, secret, &protected), RELAIS_E_INVALID);
    assert_int_equal(relais_stats_suppress(ones, 6, 5, 5, secret, NULL), RELAIS_E_INVALID);
    const uint64_t huge[2] = {RELAIS_STATS_MAX_CASES, 1};
    assert_int_equal(relais_stats_suppress(huge, 2, 0, 5, secret, &protected), RELAIS_E_INVALID);
    assert_int_equal(relais_stats_suppress(NULL, 0, 0, 5, NULL, &protected), RELAIS_OK);
    assert_true(protected);
}

int main(void)
{
    setenv("TZ", S_TZ, 1);
    tzset();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts),
        cmocka_unit_test(test_merge),
        cmocka_unit_test(test_stored_form),
        cmocka_unit_test(test_decode_refusals),
        cmocka_unit_test(test_one_small_cell_gets_a_complement),
        cmocka_unit_test(test_small_secret_sum_gets_more),
        cmocka_unit_test(test_small_total_hides_everything),
        cmocka_unit_test(test_domain_bounds),
        cmocka_unit_test(test_unprotectable_table_hides_everything),
        cmocka_unit_test(test_month_bars),
        cmocka_unit_test(test_random_publications_disclose_nothing),
        cmocka_unit_test(test_suppress_is_the_publications_rule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
