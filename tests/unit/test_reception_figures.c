/* test_reception_figures.c -- the reception desk's figures: counting entries over a period, ISO weeks
 * in local time, the suppression rule on every table and on the share answered in time, the three
 * published forms, refusals, generated registers checked against a tally kept here, and the lost
 * and found's figures (items found by category, returns and their rate, declarations of loss). */
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

/* ---- Allocation failures, made on purpose -----------------------------------------------------
 * The test links with --wrap for malloc, calloc and realloc (tests/CMakeLists.txt): the library's
 * calls, and this file's, come here; the n-th one from now fails when s_fail_in is n. */

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);

static unsigned s_fail_in;

static int s_failing(void)
{
    return s_fail_in && --s_fail_in == 0;
}

void *__wrap_malloc(size_t size)
{
    return s_failing() ? NULL : __real_malloc(size);
}

void *__wrap_calloc(size_t n, size_t size)
{
    return s_failing() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t size)
{
    return s_failing() ? NULL : __real_realloc(p, size);
}

/* ---- Labels, written out here rather than read from the library ---------------------------- */

static const char *const s_channel_keys[] = {"call", "visit", "letter", "email", "form", "unspecified"};
static const char *const s_category_keys[] = {"noise",           "neighbourhood-dispute", "incivility",
                                              "public-space",    "parking-traffic",       "victim-support",
                                              "lost-property",   "decree-information",    "other",
                                              "unspecified"};
static const char *const s_outcome_keys[] = {"answered-on-spot", "follow-up", "transferred", "closed", "unspecified"};
static const char *const s_kind_keys[] = {"police-municipale", "police-nationale", "victim-support-association",
                                          "municipal-service"};
/* The lost and found's item categories, by relais_item_category_t - 1, "unspecified" last. */
static const char *const s_item_keys[] = {"keys",     "wallet",  "phone",       "bag",     "papers", "jewellery",
                                          "clothing", "glasses", "electronics", "bicycle", "toy",    "other",
                                          "unspecified"};
#define S_ITEM_KEYS (sizeof s_item_keys / sizeof s_item_keys[0])

static const char *const s_channel_french[] = {"téléphone", "visite",     "courrier",
                                               "courriel",  "formulaire", "non précisé"};
static const char *const s_category_french[] = {"bruit",
                                                "conflit de voisinage",
                                                "incivilité",
                                                "espace public",
                                                "stationnement et circulation",
                                                "aide aux victimes",
                                                "objets trouvés",
                                                "information sur un arrêté",
                                                "autre",
                                                "non précisée"};
static const char *const s_outcome_french[] = {"répondu sur place", "suite à donner", "transmis", "clos",
                                               "non précisé"};

/* Identity names of partners, as "hub:" labels would carry them. */
static const char *const s_hub_names[] = {"cmp-sceaux", "pmi-les-blagis", "college.marie-curie", "coordination",
                                          "mission-locale-sud", "z_9"};
static const char *const s_hub_labels[] = {"hub:cmp-sceaux",   "hub:pmi-les-blagis",     "hub:college.marie-curie",
                                           "hub:coordination", "hub:mission-locale-sud", "hub:z_9"};
#define S_HUBS (sizeof s_hub_names / sizeof s_hub_names[0])

/* ---- Time ------------------------------------------------------------------------------------ */

/* Paris, from the zone database as the brief of this module asks; its POSIX rule where the
 * database is missing (glibc would silently count in UTC). */
static void s_set_paris(void)
{
    setenv("TZ", "Europe/Paris", 1);
    tzset();
    time_t november = 1795000000; /* 2026-11-18, winter time */
    struct tm tm;
    localtime_r(&november, &tm);
    if (tm.tm_gmtoff != 3600) {
        setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 1);
        tzset();
    }
}

static int64_t s_local(int year, int month, int day, int hour, int minute)
{
    struct tm tm = {.tm_year = year - 1900, .tm_mon = month - 1, .tm_mday = day, .tm_hour = hour, .tm_min = minute,
                    .tm_isdst = -1};
    return (int64_t)mktime(&tm) * 1000;
}

static int64_t s_utc(int year, int month, int day, int hour, int minute)
{
    struct tm tm = {.tm_year = year - 1900, .tm_mon = month - 1, .tm_mday = day, .tm_hour = hour, .tm_min = minute};
    return (int64_t)timegm(&tm) * 1000;
}

/* The ISO week of an instant as the C library writes it, to check ours against. */
static void s_iso_label(int64_t ms, char out[16])
{
    time_t seconds = (time_t)(ms / 1000 - (ms % 1000 < 0));
    struct tm tm;
    assert_non_null(localtime_r(&seconds, &tm));
    strftime(out, 16, "%G-W%V", &tm);
}

/* ---- Publishing helpers ---------------------------------------------------------------------- */

static relais_reception_figures_t *s_new(int64_t from, int64_t to)
{
    relais_reception_figures_t *f = NULL;
    if (relais_reception_figures_new(from, to, &f) != RELAIS_OK)
        fail_msg("new: %s", relais_status_detail());
    return f;
}

static void s_add(relais_reception_figures_t *f, const relais_reception_fact_t *fact)
{
    if (relais_reception_figures_add(f, fact) != RELAIS_OK)
        fail_msg("add: %s", relais_status_detail());
}

static json_t *s_json(const relais_reception_figures_t *f, unsigned threshold)
{
    char *text = NULL;
    assert_int_equal(relais_reception_figures_publish_json(f, threshold, &text), RELAIS_OK);
    json_error_t err;
    json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, &err);
    if (!root)
        fail_msg("published JSON does not parse: %s\n%s", err.text, text);
    free(text);
    return root;
}

static char *s_csv(const relais_reception_figures_t *f, unsigned threshold)
{
    char *text = NULL;
    assert_int_equal(relais_reception_figures_publish_csv(f, threshold, &text), RELAIS_OK);
    return text;
}

static char *s_text(const relais_reception_figures_t *f, unsigned threshold)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    assert_non_null(out);
    assert_int_equal(relais_reception_figures_publish_text(f, threshold, out), RELAIS_OK);
    fclose(out);
    return buf;
}

/* The line of `text` that starts with "  " `label` followed by two spaces or more. */
static const char *s_row(const char *text, const char *label, char *line, size_t cap)
{
    char start[256];
    snprintf(start, sizeof start, "\n  %s  ", label);
    const char *at = strstr(text, start);
    if (!at)
        fail_msg("no row \"%s\" in:\n%s", label, text);
    at++;
    snprintf(line, cap, "%.*s", (int)strcspn(at, "\n"), at);
    return line;
}

/* The count a row shows: the first word after the label's padding. */
static const char *s_row_count(const char *text, const char *label, char *count, size_t cap)
{
    char line[512];
    s_row(text, label, line, sizeof line);
    const char *at = line + 2 + strlen(label);
    at += strspn(at, " ");
    snprintf(count, cap, "%.*s", (int)strcspn(at, " "), at);
    return count;
}

static json_t *s_cell(json_t *root, const char *table, const char *label)
{
    json_t *t = json_object_get(root, table);
    if (!t)
        fail_msg("no table %s", table);
    if (!label)
        return t;
    json_t *v = json_object_get(t, label);
    if (!v)
        fail_msg("no %s.%s", table, label);
    return v;
}

static void s_expect(json_t *root, const char *table, const char *label, long long count)
{
    json_t *v = s_cell(root, table, label);
    if (!json_is_integer(v) || json_integer_value(v) != count)
        fail_msg("%s.%s: expected %lld, got %s", table, label ? label : "", count,
                 json_is_string(v) ? json_string_value(v) : json_is_integer(v) ? "another count" : "no count");
}

static void s_expect_secret(json_t *root, const char *table, const char *label)
{
    json_t *v = s_cell(root, table, label);
    if (!json_is_string(v) || strcmp(json_string_value(v), "secret") != 0)
        fail_msg("%s.%s: expected secret", table, label ? label : "");
}

/* The CSV that the JSON publication says, written here from the JSON alone: both forms must
 * carry the same values, in the same order. */
static char *s_csv_of_json(json_t *root)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    assert_non_null(out);
    fputs("table,label,count\r\n", out);
    const char *key, *label;
    json_t *v, *cell;
    json_object_foreach(root, key, v) {
        if (json_is_object(v)) {
            json_object_foreach(v, label, cell) {
                fprintf(out, "%s,%s,", key, label);
                if (json_is_integer(cell))
                    fprintf(out, "%lld", (long long)json_integer_value(cell));
                else if (json_is_string(cell))
                    fputs(json_string_value(cell), out);
                else if (json_is_real(cell))
                    fprintf(out, "%.1f", json_real_value(cell));
                fputs("\r\n", out);
            }
        } else if (json_is_integer(v)) {
            fprintf(out, "%s,,%lld\r\n", key, (long long)json_integer_value(v));
        } else {
            fprintf(out, "%s,,%s\r\n", key, json_string_value(v));
        }
    }
    fclose(out);
    return buf;
}

/* ---- Facts ----------------------------------------------------------------------------------- */

static relais_reception_fact_t s_fact(int64_t ms, int channel, int category, int handling)
{
    return (relais_reception_fact_t){.occurred_ms = ms, .channel = channel, .category = category, .handling = handling};
}

/* ---- Counting -------------------------------------------------------------------------------- */

static void test_counting(void **state)
{
    (void)state;
    relais_reception_figures_t *f = s_new(s_local(2026, 11, 1, 0, 0), s_local(2026, 12, 1, 0, 0));
    const char *const to_police[] = {"police-municipale"};
    const char *const twice[] = {"hub:pmi-les-blagis", "hub:cmp-sceaux", "hub:pmi-les-blagis", "municipal-service"};
    relais_reception_fact_t facts[] = {
        s_fact(s_local(2026, 11, 1, 10, 0), 1, 1, 1),  /* Sunday: 2026-W44 */
        s_fact(s_local(2026, 11, 2, 9, 0), 2, 2, 2),   /* Monday: 2026-W45 */
        s_fact(s_local(2026, 11, 3, 9, 0), 3, 8, 4),   /* a letter, answered in time */
        s_fact(s_local(2026, 11, 4, 9, 0), 4, 9, 2),   /* an e-mail, late */
        s_fact(s_local(2026, 11, 5, 9, 0), 5, 4, 4),   /* a form, answered in time */
        s_fact(s_local(2026, 11, 18, 9, 0), 0, 0, 0),  /* nothing said */
        s_fact(s_local(2026, 11, 30, 23, 59), 1, 6, 3), /* Monday: 2026-W49 */
        s_fact(s_local(2026, 11, 25, 9, 0), 1, 1, 3),
    };
    facts[2].has_due = facts[2].answered_in_time = 1;
    facts[3].has_due = 1;
    facts[4].has_due = facts[4].answered_in_time = 1;
    facts[6].transfers = to_police;
    facts[6].transfer_count = 1;
    facts[7].transfers = twice;
    facts[7].transfer_count = 4;
    for (size_t i = 0; i < sizeof facts / sizeof facts[0]; i++)
        s_add(f, &facts[i]);
    assert_int_equal(relais_reception_figures_total(f), 8);
    assert_int_equal(relais_reception_figures_outside(f), 0);

    json_t *root = s_json(f, 1); /* at 1, nothing is secret */
    assert_int_equal(json_integer_value(json_object_get(root, "threshold")), 1);
    assert_string_equal(json_string_value(json_object_get(root, "from")), "2026-11-01");
    assert_string_equal(json_string_value(json_object_get(root, "to")), "2026-12-01");
    s_expect(root, "contacts", NULL, 8);

    /* every week of the period, in order, zeros too: 1 November 2026 is a Sunday */
    static const char *const weeks[] = {"2026-W44", "2026-W45", "2026-W46", "2026-W47", "2026-W48", "2026-W49"};
    static const long long week_counts[] = {1, 4, 0, 1, 1, 1};
    json_t *week = json_object_get(root, "week");
    assert_int_equal(json_object_size(week), 6);
    size_t i = 0;
    const char *key;
    json_t *v;
    json_object_foreach(week, key, v) {
        assert_string_equal(key, weeks[i]);
        assert_int_equal(json_integer_value(v), week_counts[i]);
        i++;
    }

    static const long long channels[] = {3, 1, 1, 1, 1, 1};
    for (i = 0; i < 6; i++)
        s_expect(root, "channel", s_channel_keys[i], channels[i]);
    static const long long categories[] = {2, 1, 0, 1, 0, 1, 0, 1, 1, 1};
    for (i = 0; i < 10; i++)
        s_expect(root, "category", s_category_keys[i], categories[i]);
    static const long long outcomes[] = {1, 2, 2, 2, 1};
    for (i = 0; i < 5; i++)
        s_expect(root, "outcome", s_outcome_keys[i], outcomes[i]);

    /* transfers, not entries: pmi-les-blagis twice from one entry; hubs by name after the kinds */
    json_t *transfers = json_object_get(root, "transfers");
    static const char *const transfer_keys[] = {"total",          "police-municipale",  "police-nationale",
                                                "victim-support-association", "municipal-service", "hub:cmp-sceaux",
                                                "hub:pmi-les-blagis"};
    static const long long transfer_counts[] = {5, 1, 0, 0, 1, 1, 2};
    assert_int_equal(json_object_size(transfers), 7);
    i = 0;
    json_object_foreach(transfers, key, v) {
        assert_string_equal(key, transfer_keys[i]);
        assert_int_equal(json_integer_value(v), transfer_counts[i]);
        i++;
    }

    s_expect(root, "answered_in_time", "due", 3);
    s_expect(root, "answered_in_time", "in_time", 2);
    assert_true(json_is_real(s_cell(root, "answered_in_time", "share_percent")));
    assert_true(json_real_value(s_cell(root, "answered_in_time", "share_percent")) == 66.7);
    json_decref(root);

    /* the first and last weeks hold only a day of November each: the text says so */
    char *text = s_text(f, 1), line[512];
    assert_non_null(strstr(text, "\nPar semaine\n(une semaine « en partie » n'est comptée que pour ses jours de la "
                                 "période)\n"));
    assert_non_null(strstr(s_row(text, "semaine 44 de 2026 (lundi 26/10/2026), en partie", line, sizeof line), " 1  "));
    assert_non_null(strstr(s_row(text, "semaine 45 de 2026 (lundi 02/11/2026)", line, sizeof line), " 4  "));
    s_row(text, "semaine 49 de 2026 (lundi 30/11/2026), en partie", line, sizeof line);
    free(text);
    relais_reception_figures_destroy(&f);
    assert_null(f);
    relais_reception_figures_destroy(&f); /* safe twice */
}

/* ---- The period ------------------------------------------------------------------------------ */

static void test_period_bounds(void **state)
{
    (void)state;
    int64_t from = s_local(2026, 11, 1, 0, 0), to = s_local(2026, 12, 1, 0, 0);
    assert_int_equal(from, s_utc(2026, 10, 31, 23, 0)); /* winter time since 25 October */
    relais_reception_figures_t *f = s_new(from, to);
    relais_reception_fact_t fact = s_fact(from, 1, 1, 1);
    s_add(f, &fact); /* from is in */
    fact.occurred_ms = to - 1;
    s_add(f, &fact); /* and so is the last millisecond */
    fact.occurred_ms = from - 1;
    s_add(f, &fact); /* left out: no error */
    fact.occurred_ms = to;
    s_add(f, &fact);
    fact.occurred_ms = INT64_MIN;
    s_add(f, &fact);
    assert_int_equal(relais_reception_figures_total(f), 2);
    assert_int_equal(relais_reception_figures_outside(f), 3);

    /* Sunday 23:59:59 in Paris is still week 44; Monday 00:00 (23:00 UTC) is week 45 */
    fact.occurred_ms = s_utc(2026, 11, 1, 22, 59) + 59999;
    s_add(f, &fact);
    fact.occurred_ms = s_utc(2026, 11, 1, 23, 0);
    s_add(f, &fact);
    json_t *root = s_json(f, 0);
    s_expect(root, "week", "2026-W44", 2);
    s_expect(root, "week", "2026-W45", 1);
    s_expect(root, "week", "2026-W49", 1);
    s_expect(root, "contacts", NULL, 4);
    json_decref(root);
    relais_reception_figures_destroy(&f);

    /* what is no period */
    relais_reception_figures_t *none = (relais_reception_figures_t *)&none;
    assert_int_equal(relais_reception_figures_new(to, to, &none), RELAIS_E_INVALID);
    assert_null(none);
    assert_int_equal(relais_reception_figures_new(to, from, &none), RELAIS_E_INVALID);
    assert_int_equal(relais_reception_figures_new(from, INT64_MAX, &none), RELAIS_E_INVALID);
    assert_int_equal(relais_reception_figures_new(from, to, NULL), RELAIS_E_INVALID);
    assert_null(none);

    /* RELAIS_RECEPTION_MAX_WEEKS weeks, from a Monday: taken; one more day is one week too many */
    int64_t monday = s_local(2000, 1, 3, 0, 0);
    int64_t end = s_local(2000, 1, 3 + 7 * (int)RELAIS_RECEPTION_MAX_WEEKS, 0, 0);
    assert_int_equal(relais_reception_figures_new(monday, end, &none), RELAIS_OK);
    root = s_json(none, 0);
    assert_int_equal(json_object_size(json_object_get(root, "week")), RELAIS_RECEPTION_MAX_WEEKS);
    json_decref(root);
    relais_reception_figures_destroy(&none);
    assert_int_equal(relais_reception_figures_new(monday, end + 1, &none), RELAIS_E_INVALID);
    assert_non_null(strstr(relais_status_detail(), "weeks"));
}

static void test_iso_weeks_across_years(void **state)
{
    (void)state;
    /* 2026 began on a Thursday: it has 53 weeks, and 2027-W01 starts on Monday 4 January */
    relais_reception_figures_t *f = s_new(s_local(2026, 12, 21, 0, 0), s_local(2027, 1, 18, 0, 0));
    int64_t instants[] = {s_local(2026, 12, 31, 12, 0), s_local(2027, 1, 3, 23, 59), s_local(2027, 1, 4, 0, 0),
                          s_local(2027, 1, 17, 23, 59)};
    for (size_t i = 0; i < 4; i++) {
        relais_reception_fact_t fact = s_fact(instants[i], 1, 1, 1);
        s_add(f, &fact);
    }
    json_t *root = s_json(f, 0);
    json_t *week = json_object_get(root, "week");
    assert_int_equal(json_object_size(week), 4);
    s_expect(root, "week", "2026-W52", 0);
    s_expect(root, "week", "2026-W53", 2);
    s_expect(root, "week", "2027-W01", 1);
    s_expect(root, "week", "2027-W02", 1);
    json_decref(root);
    char *text = s_text(f, 0);
    char line[512];
    assert_non_null(strstr(s_row(text, "semaine 53 de 2026 (lundi 28/12/2026)", line, sizeof line), "2  "));
    assert_non_null(strstr(s_row(text, "semaine 1 de 2027 (lundi 04/01/2027)", line, sizeof line), "1  "));
    assert_non_null(strstr(text, "du 21 décembre 2026 au 17 janvier 2027"));
    assert_null(strstr(text, "en partie")); /* Monday to Sunday: whole weeks */
    free(text);
    relais_reception_figures_destroy(&f);

    /* and 2026-W01 starts in 2025, on Monday 29 December */
    f = s_new(s_local(2025, 12, 22, 0, 0), s_local(2026, 1, 12, 0, 0));
    relais_reception_fact_t fact = s_fact(s_local(2025, 12, 29, 8, 0), 1, 1, 1);
    s_add(f, &fact);
    root = s_json(f, 0);
    assert_int_equal(json_object_size(json_object_get(root, "week")), 3);
    s_expect(root, "week", "2025-W52", 0);
    s_expect(root, "week", "2026-W01", 1);
    s_expect(root, "week", "2026-W02", 0);
    json_decref(root);
    relais_reception_figures_destroy(&f);

    /* ours against the C library's %G-W%V, at instants from 1901 to 2099 */
    uint64_t rng = 20261201;
    for (int i = 0; i < 2000; i++) {
        rng = rng * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
        int64_t ms = INT64_C(-2177452800000) + (int64_t)((rng >> 11) % UINT64_C(6279000000000));
        if (i < 100) /* and on either side of a Monday's local midnight */
            ms = s_local(2020 + i % 10, 1 + (i / 10) % 12, 1 + 7 * (i % 4), 0, 0) - 1 + (i % 2);
        f = s_new(ms, ms + 1);
        fact = s_fact(ms, 1, 1, 1);
        s_add(f, &fact);
        root = s_json(f, 0);
        char expected[16];
        s_iso_label(ms, expected);
        week = json_object_get(root, "week");
        assert_int_equal(json_object_size(week), 1);
        if (!json_object_get(week, expected))
            fail_msg("%" PRId64 " ms: the C library says %s", ms, expected);
        json_decref(root);
        relais_reception_figures_destroy(&f);
    }
}

/* ---- Refusals -------------------------------------------------------------------------------- */

static void test_invalid_refused(void **state)
{
    (void)state;
    int64_t from = s_local(2026, 11, 1, 0, 0);
    relais_reception_figures_t *f = s_new(from, s_local(2026, 12, 1, 0, 0));
    const char *const ok_labels[] = {"hub:cmp-sceaux"};
    relais_reception_fact_t good = s_fact(from + 1000, 4, 2, 3);
    good.has_due = 1;
    good.transfers = ok_labels;
    good.transfer_count = 1;
    s_add(f, &good);
    char *before = s_csv(f, 0);

    char long_name[4 + 129];
    memcpy(long_name, "hub:", 4);
    memset(long_name + 4, 'a', 128);
    long_name[4 + 128] = '\0'; /* 128 characters after "hub:": one too many */
    static const char *const bad_labels[] = {
        "police",           "hub:",        "hub:CMP-Sceaux", "hub:cmp sceaux", "hub:cmp+sceaux", "Police-municipale",
        "hub:cmp-sceaux\n", "hub:\xc3\xa9", "",               "police-municipale ",
    };
    struct {
        relais_reception_fact_t fact;
        const char *detail;
    } cases[] = {
        {s_fact(from, 6, 1, 1), "channel 6"},       {s_fact(from, -1, 1, 1), "channel -1"},
        {s_fact(from, 1, 10, 1), "category 10"},    {s_fact(from, 1, -1, 1), "category -1"},
        {s_fact(from, 1, 1, 5), "handling 5"},      {s_fact(from, 1, 1, -3), "handling -3"},
        {s_fact(from, 1, 1, 1), "has_due 2"},       {s_fact(from, 1, 1, 1), "answered_in_time -1"},
        {s_fact(from, 1, 1, 1), "no due date"},     {s_fact(from, 1, 1, 1), "no labels"},
        {s_fact(from - 1, 9, 1, 1), "channel 9"}, /* outside the period: checked all the same */
    };
    cases[6].fact.has_due = 2;
    cases[7].fact.answered_in_time = -1;
    cases[8].fact.answered_in_time = 1;
    cases[9].fact.transfer_count = 2;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = relais_reception_figures_add(f, &cases[i].fact);
        if (rc != RELAIS_E_INVALID || !strstr(relais_status_detail(), cases[i].detail))
            fail_msg("case %zu: got %s \"%s\", expected \"%s\"", i, relais_status_name(rc), relais_status_detail(),
                     cases[i].detail);
    }
    /* a bad label anywhere in the list: the good transfers before it are not counted either */
    for (size_t i = 0; i < sizeof bad_labels / sizeof bad_labels[0] + 2; i++) {
        const char *labels[3] = {"police-municipale", "hub:new-partner", NULL};
        labels[2] = i < sizeof bad_labels / sizeof bad_labels[0] ? bad_labels[i] : i % 2 ? long_name : NULL;
        relais_reception_fact_t fact = good;
        fact.transfers = labels;
        fact.transfer_count = 3;
        int rc = relais_reception_figures_add(f, &fact);
        if (rc != RELAIS_E_INVALID || !strstr(relais_status_detail(), "transfer"))
            fail_msg("label %zu: got %s \"%s\"", i, relais_status_name(rc), relais_status_detail());
        assert_null(strchr(relais_status_detail(), '\n')); /* quoted, escaped */
    }
    assert_int_equal(relais_reception_figures_add(NULL, &good), RELAIS_E_INVALID);
    assert_int_equal(relais_reception_figures_add(f, NULL), RELAIS_E_INVALID);
    assert_int_equal(relais_reception_figures_total(f), 1);
    assert_int_equal(relais_reception_figures_outside(f), 0);
    char *after = s_csv(f, 0);
    assert_string_equal(before, after); /* nothing counted, "hub:new-partner" nowhere */
    assert_null(strstr(after, "new-partner"));
    free(before);
    free(after);

    /* the longest name is taken */
    long_name[4 + 127] = '\0';
    const char *longest[] = {long_name};
    good.transfers = longest;
    s_add(f, &good);
    after = s_csv(f, 0);
    assert_non_null(strstr(after, long_name));
    free(after);

    char *out = NULL;
    assert_int_equal(relais_reception_figures_publish_json(NULL, 5, &out), RELAIS_E_INVALID);
    assert_int_equal(relais_reception_figures_publish_csv(f, 5, NULL), RELAIS_E_INVALID);
    assert_int_equal(relais_reception_figures_publish_text(f, 5, NULL), RELAIS_E_INVALID);
    assert_int_equal(relais_reception_figures_total(NULL), 0);
    relais_reception_figures_destroy(&f);
}

/* ---- Suppression ----------------------------------------------------------------------------- */

/* 18 entries over three weeks of November 2026 (10, 6, 2), told in the comments below. */
static relais_reception_figures_t *s_eighteen(void)
{
    static const char *const police[] = {"police-municipale"};
    static const char *const cmp[] = {"hub:cmp-sceaux"};
    relais_reception_figures_t *f = s_new(s_local(2026, 11, 2, 0, 0), s_local(2026, 11, 23, 0, 0));
    for (int i = 0; i < 18; i++) {
        int day = i < 10 ? 2 + i % 7 : i < 16 ? 9 + i % 7 : 16 + i % 7;
        /* 8 calls, 7 e-mails, 3 letters; the written ones with a due date, all met */
        int channel = i < 8 ? 1 : i < 15 ? 4 : 3;
        relais_reception_fact_t fact = s_fact(s_local(2026, 11, day, 10, i), channel, 1, i < 5 ? 3 : 4);
        fact.has_due = fact.answered_in_time = i >= 8;
        if (i < 5) { /* 3 to the municipal police, 2 to the CMP */
            fact.transfers = i < 3 ? police : cmp;
            fact.transfer_count = 1;
        }
        s_add(f, &fact);
    }
    return f;
}

static void test_suppression(void **state)
{
    (void)state;
    relais_reception_figures_t *f = s_eighteen();
    json_t *root = s_json(f, 5);
    s_expect(root, "contacts", NULL, 18);
    /* week 47 (2) is a small cell; week 46 (6), the smallest published, goes with it */
    s_expect(root, "week", "2026-W45", 10);
    s_expect_secret(root, "week", "2026-W46");
    s_expect_secret(root, "week", "2026-W47");
    /* letters (3) small; e-mails (7) go with them, not the calls (8); zeros stay */
    s_expect(root, "channel", "call", 8);
    s_expect_secret(root, "channel", "letter");
    s_expect_secret(root, "channel", "email");
    s_expect(root, "channel", "visit", 0);
    s_expect(root, "category", "noise", 18);
    s_expect(root, "outcome", "transferred", 5);
    s_expect(root, "outcome", "closed", 13);
    /* the transfers against their own total, 5: both cells small, and together 5 */
    s_expect(root, "transfers", "total", 5);
    s_expect_secret(root, "transfers", "police-municipale");
    s_expect_secret(root, "transfers", "hub:cmp-sceaux");
    s_expect(root, "transfers", "police-nationale", 0);
    s_expect(root, "answered_in_time", "due", 10);
    s_expect(root, "answered_in_time", "in_time", 10);
    assert_true(json_real_value(s_cell(root, "answered_in_time", "share_percent")) == 100.0);
    json_decref(root);

    /* at 6 the transfers' total (5) is under the threshold: their table is secret whole, and
     * no partner's name is published, while the rest is */
    root = s_json(f, 6);
    s_expect(root, "contacts", NULL, 18);
    s_expect_secret(root, "transfers", NULL);
    json_decref(root);
    char *csv = s_csv(f, 6), *text = s_text(f, 6);
    assert_non_null(strstr(csv, "\r\ntransfers,,secret\r\n"));
    assert_null(strstr(csv, "cmp-sceaux"));
    assert_null(strstr(text, "cmp-sceaux"));
    assert_null(strstr(text, "police municipale"));
    assert_non_null(strstr(text, "\nTransmissions\n(une sollicitation transmise à deux destinataires compte deux fois)\n"
                                 "Total : secret\n\nRéponse"));
    free(csv);
    free(text);

    /* at 2, a withheld total could only be 1: so the whole publication is secret */
    relais_reception_figures_t *one = s_new(s_local(2026, 11, 2, 0, 0), s_local(2026, 11, 9, 0, 0));
    static const char *const police[] = {"police-nationale"};
    for (int i = 0; i < 10; i++) {
        relais_reception_fact_t fact = s_fact(s_local(2026, 11, 3, 10, i), 1, 1, i ? 1 : 3);
        fact.transfers = police;
        fact.transfer_count = i == 0;
        s_add(one, &fact);
    }
    root = s_json(one, 2);
    s_expect_secret(root, "contacts", NULL);
    s_expect_secret(root, "outcome", NULL);
    json_decref(root);
    root = s_json(one, 3); /* at 3 it may be 1 or 2: only the transfers are withheld */
    s_expect(root, "contacts", NULL, 10);
    s_expect_secret(root, "transfers", NULL);
    json_decref(root);
    relais_reception_figures_destroy(&one);
    relais_reception_figures_destroy(&f);
}

static void test_small_total_hides_everything(void **state)
{
    (void)state;
    relais_reception_figures_t *f = s_new(s_local(2026, 11, 1, 0, 0), s_local(2026, 12, 1, 0, 0));
    static const char *const cmp[] = {"hub:cmp-sceaux"};
    for (int i = 0; i < 4; i++) {
        relais_reception_fact_t fact = s_fact(s_local(2026, 11, 10, 9, i), 3, 2, 3);
        fact.has_due = 1;
        fact.transfers = cmp;
        fact.transfer_count = 1;
        s_add(f, &fact);
    }
    json_t *root = s_json(f, 5);
    s_expect(root, "threshold", NULL, 5);
    s_expect_secret(root, "contacts", NULL);
    static const char *const tables[] = {"week",      "channel",          "category",    "outcome",
                                         "transfers", "answered_in_time", "items_found", "items_returned",
                                         "loss_declarations"};
    for (size_t i = 0; i < 9; i++)
        s_expect_secret(root, tables[i], NULL);
    json_decref(root);
    char *csv = s_csv(f, 5);
    assert_string_equal(csv, "table,label,count\r\nthreshold,,5\r\nfrom,,2026-11-01\r\nto,,2026-12-01\r\n"
                             "contacts,,secret\r\nweek,,secret\r\nchannel,,secret\r\ncategory,,secret\r\n"
                             "outcome,,secret\r\ntransfers,,secret\r\nanswered_in_time,,secret\r\n"
                             "items_found,,secret\r\nitems_returned,,secret\r\nloss_declarations,,secret\r\n");
    free(csv);
    char *text = s_text(f, 5);
    assert_non_null(strstr(text, "Sollicitations enregistrées : secret\n"));
    assert_non_null(strstr(text, "tout est secret"));
    assert_null(strstr(text, "4"));
    assert_null(strstr(text, "cmp-sceaux"));
    assert_null(strstr(text, "courrier"));
    assert_null(strstr(text, "█"));
    free(text);
    /* the same at 4: all published */
    root = s_json(f, 4);
    s_expect(root, "contacts", NULL, 4);
    s_expect(root, "transfers", "hub:cmp-sceaux", 4);
    json_decref(root);
    relais_reception_figures_destroy(&f);
}

static void test_unprotectable_table_hides_everything(void **state)
{
    (void)state;
    /* 6 entries, each of its own category: all secret, each would still be 1 */
    relais_reception_figures_t *f = s_new(s_local(2026, 11, 1, 0, 0), s_local(2026, 12, 1, 0, 0));
    for (int i = 0; i < 6; i++) {
        relais_reception_fact_t fact = s_fact(s_local(2026, 11, 10, 9, i), 1, 1 + i, 1);
        s_add(f, &fact);
    }
    json_t *root = s_json(f, 5);
    s_expect_secret(root, "contacts", NULL);
    s_expect_secret(root, "category", NULL);
    s_expect_secret(root, "channel", NULL);
    json_decref(root);
    relais_reception_figures_destroy(&f);
}

/* ---- The share answered in time -------------------------------------------------------------- */

/* 30 calls, and `due` e-mails with a due date of which `in_time` were answered in time. */
static relais_reception_figures_t *s_due(int due, int in_time)
{
    relais_reception_figures_t *f = s_new(s_local(2026, 11, 1, 0, 0), s_local(2026, 12, 1, 0, 0));
    for (int i = 0; i < 30 + due; i++) {
        relais_reception_fact_t fact = s_fact(s_local(2026, 11, 10, 9, 0) + i, i < 30 ? 1 : 4, 9, 4);
        fact.has_due = i >= 30;
        fact.answered_in_time = i >= 30 && i - 30 < in_time;
        s_add(f, &fact);
    }
    return f;
}

static void s_expect_share(int due, int in_time, unsigned threshold, const char *json_share, const char *csv_rows,
                           const char *sentence)
{
    relais_reception_figures_t *f = s_due(due, in_time);
    json_t *root = s_json(f, threshold);
    json_t *share = json_object_get(root, "answered_in_time");
    char *dumped = json_dumps(share, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(4));
    if (strcmp(dumped, json_share) != 0)
        fail_msg("due %d, in time %d at %u: %s, expected %s", due, in_time, threshold, dumped, json_share);
    free(dumped);
    json_decref(root);
    char *csv = s_csv(f, threshold), *text = s_text(f, threshold);
    if (!strstr(csv, csv_rows))
        fail_msg("CSV without \"%s\":\n%s", csv_rows, csv);
    if (!strstr(text, sentence))
        fail_msg("text without \"%s\":\n%s", sentence, text);
    free(csv);
    free(text);
    relais_reception_figures_destroy(&f);
}

static void test_share_rule(void **state)
{
    (void)state;
    s_expect_share(10, 10, 5, "{\"due\":10,\"in_time\":10,\"share_percent\":100.0}",
                   "\r\nanswered_in_time,due,10\r\nanswered_in_time,in_time,10\r\n"
                   "answered_in_time,share_percent,100.0\r\n",
                   "Demandes écrites avec une date de réponse : 10, dont 10 répondues dans le délai, soit 100,0 %.\n");
    s_expect_share(20, 13, 5, "{\"due\":20,\"in_time\":13,\"share_percent\":65.0}",
                   "answered_in_time,share_percent,65.0\r\n",
                   "soit 65,0 %");
    s_expect_share(6, 5, 1, "{\"due\":6,\"in_time\":5,\"share_percent\":83.3}",
                   "answered_in_time,share_percent,83.3\r\n",
                   "dont 5 répondues dans le délai, soit 83,3 %");
    s_expect_share(3, 2, 1, "{\"due\":3,\"in_time\":2,\"share_percent\":66.7}",
                   "answered_in_time,share_percent,66.7\r\n",
                   "soit 66,7 %");
    s_expect_share(8, 0, 5, "{\"due\":8,\"in_time\":0,\"share_percent\":0.0}", "answered_in_time,share_percent,0.0\r\n",
                   "dont 0 répondues dans le délai, soit 0,0 %");
    /* 2 late of 10: a small cell, so the in-time count and the share go secret; "due" stays */
    s_expect_share(10, 8, 5, "{\"due\":10,\"in_time\":\"secret\",\"share_percent\":\"secret\"}",
                   "\r\nanswered_in_time,due,10\r\nanswered_in_time,in_time,secret\r\n"
                   "answered_in_time,share_percent,secret\r\n",
                   "Demandes écrites avec une date de réponse : 10, dont répondues dans le délai : secret.\n");
    s_expect_share(10, 3, 5, "{\"due\":10,\"in_time\":\"secret\",\"share_percent\":\"secret\"}",
                   "answered_in_time,in_time,secret\r\n", "dont répondues dans le délai : secret.");
    /* 100 % of 3: each of the 3 would learn about the 2 others; the due requests are too few */
    s_expect_share(3, 3, 5, "\"secret\"", "\r\nanswered_in_time,,secret\r\n",
                   "Demandes écrites avec une date de réponse : secret.\n");
    s_expect_share(0, 0, 5, "{\"due\":0,\"in_time\":0,\"share_percent\":null}", "answered_in_time,share_percent,\r\n",
                   "Aucune demande écrite avec une date de réponse sur la période.\n");
}

/* ---- The three forms ------------------------------------------------------------------------- */

static void test_outputs(void **state)
{
    (void)state;
    relais_reception_figures_t *f = s_eighteen();
    char *csv = s_csv(f, 5);
    assert_string_equal(csv, "table,label,count\r\n"
                             "threshold,,5\r\nfrom,,2026-11-02\r\nto,,2026-11-23\r\ncontacts,,18\r\n"
                             "week,2026-W45,10\r\nweek,2026-W46,secret\r\nweek,2026-W47,secret\r\n"
                             "channel,call,8\r\nchannel,visit,0\r\nchannel,letter,secret\r\nchannel,email,secret\r\n"
                             "channel,form,0\r\nchannel,unspecified,0\r\n"
                             "category,noise,18\r\ncategory,neighbourhood-dispute,0\r\ncategory,incivility,0\r\n"
                             "category,public-space,0\r\ncategory,parking-traffic,0\r\ncategory,victim-support,0\r\n"
                             "category,lost-property,0\r\ncategory,decree-information,0\r\ncategory,other,0\r\n"
                             "category,unspecified,0\r\n"
                             "outcome,answered-on-spot,0\r\noutcome,follow-up,0\r\noutcome,transferred,5\r\n"
                             "outcome,closed,13\r\noutcome,unspecified,0\r\n"
                             "transfers,total,5\r\ntransfers,police-municipale,secret\r\ntransfers,police-nationale,0\r\n"
                             "transfers,victim-support-association,0\r\ntransfers,municipal-service,0\r\n"
                             "transfers,hub:cmp-sceaux,secret\r\n"
                             "answered_in_time,due,10\r\nanswered_in_time,in_time,10\r\n"
                             "answered_in_time,share_percent,100.0\r\n"
                             "items_found,total,0\r\nitems_found,keys,0\r\nitems_found,wallet,0\r\n"
                             "items_found,phone,0\r\nitems_found,bag,0\r\nitems_found,papers,0\r\n"
                             "items_found,jewellery,0\r\nitems_found,clothing,0\r\nitems_found,glasses,0\r\n"
                             "items_found,electronics,0\r\nitems_found,bicycle,0\r\nitems_found,toy,0\r\n"
                             "items_found,other,0\r\nitems_found,unspecified,0\r\n"
                             "items_returned,closed,0\r\nitems_returned,returned,0\r\n"
                             "items_returned,return_rate_percent,\r\n"
                             "loss_declarations,declared,0\r\nloss_declarations,recovered,0\r\n");
    json_t *root = s_json(f, 5);
    char *from_json = s_csv_of_json(root);
    assert_string_equal(csv, from_json);
    free(from_json);
    json_decref(root);
    free(csv);

    char *text = s_text(f, 5), line[512], count[64];
    const char *title = "Accueil Tranquillité urbaine — sollicitations du 2 novembre 2026 au 22 novembre 2026\n";
    assert_memory_equal(text, title, strlen(title));
    assert_non_null(strstr(text, "\nSollicitations enregistrées : 18\n"));
    assert_non_null(strstr(text, "toute case de moins de 5 est remplacée par « secret »"));
    /* every French label, with its count or "secret" and nothing else */
    for (size_t i = 0; i < 6; i++)
        s_row(text, s_channel_french[i], line, sizeof line);
    for (size_t i = 0; i < 10; i++)
        s_row(text, s_category_french[i], line, sizeof line);
    for (size_t i = 0; i < 5; i++)
        s_row(text, s_outcome_french[i], line, sizeof line);
    assert_string_equal(s_row_count(text, "téléphone", count, sizeof count), "8");
    assert_string_equal(s_row_count(text, "courrier", count, sizeof count), "secret");
    assert_string_equal(s_row_count(text, "courriel", count, sizeof count), "secret");
    assert_string_equal(s_row_count(text, "visite", count, sizeof count), "0");
    assert_string_equal(s_row_count(text, "bruit", count, sizeof count), "18");
    assert_string_equal(s_row_count(text, "transmis", count, sizeof count), "5");
    assert_string_equal(s_row_count(text, "clos", count, sizeof count), "13");
    assert_string_equal(s_row_count(text, "police municipale", count, sizeof count), "secret");
    assert_string_equal(s_row_count(text, "police nationale", count, sizeof count), "0");
    assert_string_equal(s_row_count(text, "association d'aide aux victimes", count, sizeof count), "0");
    assert_string_equal(s_row_count(text, "autre service municipal", count, sizeof count), "0");
    assert_string_equal(s_row_count(text, "partenaire du réseau cmp-sceaux", count, sizeof count), "secret");
    assert_non_null(strstr(text, "\nTransmissions\n(une sollicitation transmise à deux destinataires compte deux fois)\n"
                                 "Total : 5\n"));
    /* the weeks as bars: the largest 40 blocks long, a secret week drawn as nothing */
    s_row(text, "semaine 45 de 2026 (lundi 02/11/2026)", line, sizeof line);
    assert_non_null(strstr(line, "10  ████████████████████████████████████████"));
    s_row(text, "semaine 46 de 2026 (lundi 09/11/2026)", line, sizeof line);
    assert_non_null(strstr(line, "  secret"));
    assert_null(strstr(line, "\xe2\x96"));
    assert_string_equal(s_row_count(text, "semaine 47 de 2026 (lundi 16/11/2026)", count, sizeof count), "secret");
    assert_non_null(strstr(text, "\nRéponse dans le délai\nDemandes écrites avec une date de réponse : 10, dont 10 "
                                 "répondues dans le délai, soit 100,0 %.\n"));
    /* no secret count anywhere in a row: 6 and 2 weeks, 3 and 7 written, 3 and 2 transfers */
    const char *at = strstr(text, "\nPar semaine\n");
    assert_non_null(at);
    while (*at) {
        size_t len = strcspn(at, "\n");
        snprintf(line, sizeof line, "%.*s", (int)len, at);
        if (strstr(line, "secret"))
            assert_null(strpbrk(strstr(line, "secret"), "0123456789"));
        at += len + (at[len] != '\0');
    }
    free(text);
    relais_reception_figures_destroy(&f);

    /* a stream that refuses writes */
    f = s_eighteen();
    FILE *full = fopen("/dev/full", "w");
    if (full) {
        assert_int_equal(relais_reception_figures_publish_text(f, 5, full), RELAIS_E_IO);
        fclose(full);
    }
    relais_reception_figures_destroy(&f);
}

/* ---- The lost and found ---------------------------------------------------------------------- */

static relais_lost_fact_t s_item(int64_t ms, int kind, int category, int state)
{
    return (relais_lost_fact_t){.when_ms = ms, .kind = kind, .category = category, .state = state};
}

static void s_add_item(relais_reception_figures_t *f, const relais_lost_fact_t *fact)
{
    if (relais_reception_figures_add_item(f, fact) != RELAIS_OK)
        fail_msg("add item: %s", relais_status_detail());
}

/* The section of the text that starts with the line `heading`, to its next blank line. */
static char *s_section(const char *text, const char *heading)
{
    char start[128];
    snprintf(start, sizeof start, "\n%s\n", heading);
    const char *at = strstr(text, start);
    if (!at)
        fail_msg("no section \"%s\" in:\n%s", heading, text);
    at++;
    const char *end = strstr(at, "\n\n");
    size_t len = end ? (size_t)(end - at) + 1 : strlen(at);
    char *out = malloc(len + 1);
    assert_non_null(out);
    memcpy(out, at, len);
    out[len] = '\0';
    return out;
}

/* The eighteen entries' period (2 to 23 November 2026), and in it 14 found items: 6 keys (3
 * returned, 3 ended), 5 wallets (4 returned, 1 ended), 2 phones still kept, 1 of no category
 * ended; so 12 closed, 7 returned: 58.3 %, and not 7 of 14 found (50 %). 10 declarations: 5
 * recovered, 4 sought, 1 withdrawn. And items outside the period, which count nowhere. */
static relais_reception_figures_t *s_lost_and_found(void)
{
    relais_reception_figures_t *f = s_eighteen();
    int64_t day = s_local(2026, 11, 10, 9, 0), minute = 60000;
    int n = 0;
    for (int i = 0; i < 6; i++) {
        relais_lost_fact_t item = s_item(day + minute * n++, RELAIS_LOST_KIND_FOUND, RELAIS_ITEM_KEYS,
                                         i < 3 ? RELAIS_LOST_STATE_RETURNED : RELAIS_LOST_STATE_ENDED);
        s_add_item(f, &item);
    }
    for (int i = 0; i < 5; i++) {
        relais_lost_fact_t item = s_item(day + minute * n++, RELAIS_LOST_KIND_FOUND, RELAIS_ITEM_WALLET,
                                         i < 4 ? RELAIS_LOST_STATE_RETURNED : RELAIS_LOST_STATE_ENDED);
        s_add_item(f, &item);
    }
    for (int i = 0; i < 2; i++) {
        relais_lost_fact_t item = s_item(day + minute * n++, RELAIS_LOST_KIND_FOUND, RELAIS_ITEM_PHONE,
                                         RELAIS_LOST_STATE_KEPT);
        s_add_item(f, &item);
    }
    relais_lost_fact_t item = s_item(day + minute * n++, RELAIS_LOST_KIND_FOUND, 0, RELAIS_LOST_STATE_ENDED);
    s_add_item(f, &item);
    for (int i = 0; i < 10; i++) {
        int declared = i < 5   ? RELAIS_LOST_STATE_RECOVERED
                       : i < 9 ? RELAIS_LOST_STATE_SOUGHT
                               : RELAIS_LOST_STATE_WITHDRAWN;
        item = s_item(day + minute * n++, RELAIS_LOST_KIND_LOST, RELAIS_ITEM_BICYCLE, declared);
        s_add_item(f, &item);
    }
    /* outside the period, on either side: left out, and no error */
    int64_t outside[] = {s_local(2026, 11, 2, 0, 0) - 1, s_local(2026, 11, 23, 0, 0), INT64_MIN};
    for (size_t i = 0; i < 3; i++) {
        item = s_item(outside[i], RELAIS_LOST_KIND_FOUND, RELAIS_ITEM_BAG, RELAIS_LOST_STATE_RETURNED);
        s_add_item(f, &item);
        item = s_item(outside[i], RELAIS_LOST_KIND_LOST, RELAIS_ITEM_BAG, RELAIS_LOST_STATE_RECOVERED);
        s_add_item(f, &item);
    }
    return f;
}

static void test_lost_and_found(void **state)
{
    (void)state;
    relais_reception_figures_t *f = s_lost_and_found();
    /* the entries' counts are the entries' alone */
    assert_int_equal(relais_reception_figures_total(f), 18);
    assert_int_equal(relais_reception_figures_outside(f), 0);

    /* at 1, every count as it is; the keys are relais_item_category_name's */
    json_t *root = s_json(f, 1);
    static const long long found[] = {6, 5, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    s_expect(root, "items_found", "total", 14);
    assert_int_equal(json_object_size(json_object_get(root, "items_found")), 1 + S_ITEM_KEYS);
    for (size_t i = 0; i < S_ITEM_KEYS; i++) {
        s_expect(root, "items_found", s_item_keys[i], found[i]);
        if (i + 1 < S_ITEM_KEYS)
            assert_string_equal(relais_item_category_name((relais_item_category_t)(i + 1)), s_item_keys[i]);
    }
    s_expect(root, "items_returned", "closed", 12);
    s_expect(root, "items_returned", "returned", 7);
    assert_true(json_real_value(s_cell(root, "items_returned", "return_rate_percent")) == 58.3);
    s_expect(root, "loss_declarations", "declared", 10);
    s_expect(root, "loss_declarations", "recovered", 5);
    s_expect(root, "contacts", NULL, 18);
    json_decref(root);

    /* at 5: the phones (2) and the item of no category (1) are small cells, together under 5, so
     * the wallets (5), the smallest published, go with them; the keys (6) and the zeros stay. The
     * totals are published, as the transfers' is: 14 items, 12 closed, 10 declarations */
    root = s_json(f, 5);
    s_expect(root, "contacts", NULL, 18);
    s_expect(root, "items_found", "total", 14);
    s_expect(root, "items_found", "keys", 6);
    s_expect_secret(root, "items_found", "wallet");
    s_expect_secret(root, "items_found", "phone");
    s_expect_secret(root, "items_found", "unspecified");
    s_expect(root, "items_found", "bag", 0);
    s_expect(root, "items_found", "bicycle", 0); /* the declared bicycles are no found items */
    s_expect(root, "items_returned", "closed", 12);
    s_expect(root, "items_returned", "returned", 7);
    assert_true(json_real_value(s_cell(root, "items_returned", "return_rate_percent")) == 58.3);
    s_expect(root, "loss_declarations", "declared", 10);
    s_expect(root, "loss_declarations", "recovered", 5);
    char *from_json = s_csv_of_json(root);
    json_decref(root);
    char *csv = s_csv(f, 5);
    assert_string_equal(csv, from_json);
    assert_non_null(strstr(csv, "\r\nanswered_in_time,share_percent,100.0\r\n"
                                "items_found,total,14\r\nitems_found,keys,6\r\nitems_found,wallet,secret\r\n"
                                "items_found,phone,secret\r\nitems_found,bag,0\r\n"));
    assert_non_null(strstr(csv, "\r\nitems_found,unspecified,secret\r\n"
                                "items_returned,closed,12\r\nitems_returned,returned,7\r\n"
                                "items_returned,return_rate_percent,58.3\r\n"
                                "loss_declarations,declared,10\r\nloss_declarations,recovered,5\r\n"));
    free(csv);
    free(from_json);

    char *text = s_text(f, 5), count[64];
    char *items = s_section(text, "Objets trouvés");
    assert_non_null(strstr(items, "\nTotal : 14\n"));
    assert_string_equal(s_row_count(items, "clés", count, sizeof count), "6");
    assert_string_equal(s_row_count(items, "portefeuille", count, sizeof count), "secret");
    assert_string_equal(s_row_count(items, "téléphone portable", count, sizeof count), "secret");
    assert_string_equal(s_row_count(items, "catégorie non précisée", count, sizeof count), "secret");
    assert_string_equal(s_row_count(items, "sac", count, sizeof count), "0");
    free(items);
    char *returns = s_section(text, "Restitutions");
    assert_non_null(strstr(returns, "objets trouvés clos"));
    assert_non_null(strstr(returns, "ceux encore gardés n'y entrent pas"));
    assert_non_null(strstr(returns, "\nObjets trouvés clos : 12, dont 7 rendus à leur propriétaire, soit un taux de "
                                    "restitution de 58,3 % des objets clos.\n"));
    free(returns);
    char *declared = s_section(text, "Déclarations de perte");
    assert_non_null(strstr(declared, "\nDéclarations de perte : 10, dont 5 retrouvées.\n"));
    free(declared);
    free(text);

    /* a sixth wallet, returned: the wallets (6) tie with the keys (6) for the smallest published,
     * and the tie goes to the first label, the keys; the rate is now 8 of 13 closed */
    relais_lost_fact_t item = s_item(s_local(2026, 11, 12, 9, 0), RELAIS_LOST_KIND_FOUND, RELAIS_ITEM_WALLET,
                                     RELAIS_LOST_STATE_RETURNED);
    s_add_item(f, &item);
    root = s_json(f, 5);
    s_expect_secret(root, "items_found", "keys");
    s_expect(root, "items_found", "wallet", 6);
    s_expect(root, "items_returned", "returned", 8);
    assert_true(json_real_value(s_cell(root, "items_returned", "return_rate_percent")) == 61.5);
    json_decref(root);
    relais_reception_figures_destroy(&f);
}

static void test_lost_and_found_small_cells(void **state)
{
    (void)state;
    /* 7 keys found, all closed: 3 returned, 4 ended; 9 declarations, 1 recovered. At 5 the
     * returned (3) and the ended (4) are small cells: the returned go secret, and the rate with
     * them; so does the recovered (1). The totals stay */
    relais_reception_figures_t *f = s_eighteen();
    int64_t day = s_local(2026, 11, 16, 14, 0);
    for (int i = 0; i < 7; i++) {
        relais_lost_fact_t item = s_item(day + i, RELAIS_LOST_KIND_FOUND, RELAIS_ITEM_KEYS,
                                         i < 3 ? RELAIS_LOST_STATE_RETURNED : RELAIS_LOST_STATE_ENDED);
        s_add_item(f, &item);
    }
    for (int i = 0; i < 9; i++) {
        relais_lost_fact_t item = s_item(day + i, RELAIS_LOST_KIND_LOST, RELAIS_ITEM_PAPERS,
                                         i ? RELAIS_LOST_STATE_SOUGHT : RELAIS_LOST_STATE_RECOVERED);
        s_add_item(f, &item);
    }
    json_t *root = s_json(f, 5);
    s_expect(root, "items_found", "keys", 7);
    s_expect(root, "items_returned", "closed", 7);
    s_expect_secret(root, "items_returned", "returned");
    s_expect_secret(root, "items_returned", "return_rate_percent");
    s_expect(root, "loss_declarations", "declared", 9);
    s_expect_secret(root, "loss_declarations", "recovered");
    json_decref(root);
    char *text = s_text(f, 5);
    assert_non_null(strstr(text, "\nObjets trouvés clos : 7, dont rendus à leur propriétaire : secret ; taux de "
                                 "restitution : secret.\n"));
    assert_non_null(strstr(text, "\nDéclarations de perte : 9, dont retrouvées : secret.\n"));
    free(text);
    relais_reception_figures_destroy(&f);

    /* under the threshold, a lost and found's total is secret with its table; the entries' figures
     * stay published */
    f = s_eighteen();
    for (int i = 0; i < 3; i++) {
        relais_lost_fact_t item = s_item(day + i, RELAIS_LOST_KIND_FOUND, RELAIS_ITEM_BICYCLE,
                                         i ? RELAIS_LOST_STATE_KEPT : RELAIS_LOST_STATE_RETURNED);
        s_add_item(f, &item);
    }
    root = s_json(f, 5);
    s_expect(root, "contacts", NULL, 18);
    s_expect_secret(root, "items_found", NULL);
    s_expect_secret(root, "items_returned", NULL);
    s_expect(root, "loss_declarations", "declared", 0);
    json_decref(root);
    char *csv = s_csv(f, 5);
    assert_non_null(
        strstr(csv, "\r\nitems_found,,secret\r\nitems_returned,,secret\r\nloss_declarations,declared,0\r\n"));
    assert_null(strstr(csv, "bicycle"));
    free(csv);
    text = s_text(f, 5);
    char *items = s_section(text, "Objets trouvés");
    assert_null(strstr(items, "vélo"));
    assert_non_null(strstr(items, "\nTotal : secret\n"));
    free(items);
    assert_non_null(strstr(text, "\nObjets trouvés clos : secret.\n"));
    assert_non_null(strstr(text, "\nAucune déclaration de perte sur la période.\n"));
    free(text);
    relais_reception_figures_destroy(&f);

    /* 6 items each of its own category cannot be protected: the items found are withheld whole,
     * their total too, and not the entries' figures (things, found: the rule's reach is theirs) */
    f = s_eighteen();
    for (int i = 0; i < 6; i++) {
        relais_lost_fact_t item = s_item(day + i, RELAIS_LOST_KIND_FOUND, 1 + i, RELAIS_LOST_STATE_KEPT);
        s_add_item(f, &item);
    }
    root = s_json(f, 5);
    s_expect(root, "contacts", NULL, 18);
    s_expect(root, "week", "2026-W45", 10);
    s_expect_secret(root, "items_found", NULL);
    s_expect(root, "items_returned", "closed", 0);
    json_decref(root);
    root = s_json(f, 1); /* and at 1 all is published */
    s_expect(root, "items_found", "total", 6);
    s_expect(root, "items_found", "jewellery", 1);
    s_expect(root, "items_found", "clothing", 0);
    json_decref(root);
    relais_reception_figures_destroy(&f);

    /* at 2, a single found item withheld: it may be 1, or a table of ones; the rest stays */
    f = s_eighteen();
    relais_lost_fact_t item = s_item(day, RELAIS_LOST_KIND_FOUND, RELAIS_ITEM_TOY, RELAIS_LOST_STATE_KEPT);
    s_add_item(f, &item);
    root = s_json(f, 2);
    s_expect(root, "contacts", NULL, 18);
    s_expect_secret(root, "items_found", NULL);
    json_decref(root);
    relais_reception_figures_destroy(&f);
}

static void test_lost_and_found_refused(void **state)
{
    (void)state;
    relais_reception_figures_t *f = s_lost_and_found();
    char *before = s_csv(f, 0);
    int64_t in = s_local(2026, 11, 10, 9, 0);
    struct {
        relais_lost_fact_t fact;
        const char *detail;
    } cases[] = {
        {s_item(in, 0, 1, RELAIS_LOST_STATE_KEPT), "item kind 0"},
        {s_item(in, 3, 1, RELAIS_LOST_STATE_KEPT), "item kind 3"},
        {s_item(in, RELAIS_LOST_KIND_FOUND, RELAIS_ITEM_COUNT, RELAIS_LOST_STATE_KEPT), "item category 13"},
        {s_item(in, RELAIS_LOST_KIND_FOUND, -1, RELAIS_LOST_STATE_KEPT), "item category -1"},
        {s_item(in, RELAIS_LOST_KIND_FOUND, 1, RELAIS_LOST_STATE_SOUGHT), "not a state of a found item"},
        {s_item(in, RELAIS_LOST_KIND_FOUND, 1, RELAIS_LOST_STATE_WITHDRAWN), "not a state of a found item"},
        {s_item(in, RELAIS_LOST_KIND_FOUND, 1, 0), "item state 0"},
        {s_item(in, RELAIS_LOST_KIND_LOST, 1, RELAIS_LOST_STATE_RETURNED), "not a state of a declaration"},
        {s_item(in, RELAIS_LOST_KIND_LOST, 1, RELAIS_LOST_STATE_COUNT), "item state 7"},
        /* outside the period: checked all the same */
        {s_item(INT64_MIN, RELAIS_LOST_KIND_LOST, 1, RELAIS_LOST_STATE_KEPT), "not a state of a declaration"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = relais_reception_figures_add_item(f, &cases[i].fact);
        if (rc != RELAIS_E_INVALID || !strstr(relais_status_detail(), cases[i].detail))
            fail_msg("case %zu: got %s \"%s\", expected \"%s\"", i, relais_status_name(rc), relais_status_detail(),
                     cases[i].detail);
    }
    relais_lost_fact_t good = s_item(in, RELAIS_LOST_KIND_FOUND, 1, RELAIS_LOST_STATE_KEPT);
    assert_int_equal(relais_reception_figures_add_item(NULL, &good), RELAIS_E_INVALID);
    assert_int_equal(relais_reception_figures_add_item(f, NULL), RELAIS_E_INVALID);
    char *after = s_csv(f, 0);
    assert_string_equal(before, after); /* nothing counted */
    free(before);
    free(after);
    relais_reception_figures_destroy(&f);
}

/* ---- Out of memory ----------------------------------------------------------------------------- */

static void test_out_of_memory(void **state)
{
    (void)state;
    relais_reception_figures_t *f = s_eighteen(), *none = NULL;
    char *before = s_csv(f, 0);
    /* a new hub each time, past the first room for eight: each add allocates, or may */
    static const char *const names[] = {"hub:a1", "hub:a2", "hub:a3", "hub:a4", "hub:a5", "hub:a6", "hub:a7",
                                        "hub:a8", "hub:a9", "hub:b1", "hub:b2", "hub:b3", "hub:b4", "hub:b5"};
    unsigned refused = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        relais_reception_fact_t fact = s_fact(s_local(2026, 11, 3, 9, 0), 1, 1, 3);
        fact.transfers = &names[i];
        fact.transfer_count = 1;
        s_fail_in = 1;
        int rc = relais_reception_figures_add(f, &fact);
        s_fail_in = 0;
        if (rc == RELAIS_E_NOMEM) {
            refused++;
            char *after = s_csv(f, 0);
            assert_string_equal(before, after); /* nothing counted, and the name nowhere */
            free(after);
            s_add(f, &fact); /* and it goes once memory is back */
        } else {
            assert_int_equal(rc, RELAIS_OK);
        }
        free(before);
        before = s_csv(f, 0);
    }
    assert_true(refused >= 1); /* when the room for eight grows */
    free(before);
    /* every allocation of a publication failing in turn: NOMEM, nothing else, and no leak */
    for (unsigned n = 1; n < 40; n++) {
        char *json = NULL, *csv = NULL;
        s_fail_in = n;
        int rc = relais_reception_figures_publish_json(f, 5, &json);
        s_fail_in = n;
        int rc_csv = relais_reception_figures_publish_csv(f, 5, &csv);
        s_fail_in = 0;
        assert_true(rc == RELAIS_OK || (rc == RELAIS_E_NOMEM && !json));
        assert_true(rc_csv == RELAIS_OK || (rc_csv == RELAIS_E_NOMEM && !csv));
        free(json);
        free(csv);
        FILE *sink = fopen("/dev/null", "w");
        assert_non_null(sink);
        s_fail_in = n;
        rc = relais_reception_figures_publish_text(f, 5, sink);
        s_fail_in = 0;
        fclose(sink);
        assert_true(rc == RELAIS_OK || rc == RELAIS_E_NOMEM);
        s_fail_in = n;
        rc = relais_reception_figures_new(s_local(2026, 11, 1, 0, 0), s_local(2026, 12, 1, 0, 0), &none);
        s_fail_in = 0;
        assert_true(rc == RELAIS_OK || (rc == RELAIS_E_NOMEM && none == NULL));
        relais_reception_figures_destroy(&none);
    }
    relais_reception_figures_destroy(&f);
}

/* ---- Generated registers against a tally ----------------------------------------------------- */

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

/* Small values far likelier than large ones: a few big cells, many small. */
static unsigned s_skewed(unsigned n)
{
    unsigned a = s_below(n), b = s_below(n);
    return a < b ? a : b;
}

#define S_MAX_WEEKS 64

typedef struct {
    uint64_t contacts;
    size_t weeks;
    char week[S_MAX_WEEKS][16]; /* the period's weeks by the C library's %G-W%V */
    uint64_t week_count[S_MAX_WEEKS];
    uint64_t channel[6], category[10], outcome[5], kinds[4], hub[S_HUBS], transfers, due, in_time;
} s_tally_t;

/* The period's weeks, each day's at noon, in order. */
static void s_tally_weeks(s_tally_t *t, int year, int month, int days)
{
    memset(t, 0, sizeof *t);
    for (int d = 1; d <= days; d++) {
        char label[16];
        s_iso_label(s_local(year, month, d, 12, 0), label);
        if (!t->weeks || strcmp(t->week[t->weeks - 1], label) != 0)
            snprintf(t->week[t->weeks++], sizeof t->week[0], "%s", label);
    }
}

/* An entry in a period of one month, drawn; counted in `t` when it falls inside. */
static void s_random_entry(relais_reception_figures_t *f, s_tally_t *t, int year, int month, int skew,
                           const char *labels[4])
{
    int64_t start = s_local(year, month, 1, 0, 0), end = s_local(year, month + 1, 1, 0, 0);
    int outside = s_below(20) == 0;
    int64_t ms = outside ? (s_below(2) ? start - 1 - (int64_t)s_below(86400000) : end + (int64_t)s_below(86400000))
                         : start + (int64_t)(s_next() % (uint64_t)(end - start));
    relais_reception_fact_t fact = {.occurred_ms = ms};
    fact.channel = (int)(skew ? s_skewed(6) : s_below(6));
    fact.category = (int)(skew ? s_skewed(10) : s_below(10));
    fact.handling = (int)(skew ? s_skewed(5) : s_below(5));
    fact.has_due = fact.channel >= 3 && s_below(3) != 0;
    fact.answered_in_time = fact.has_due && s_below(8) != 0;
    fact.transfer_count = fact.handling == 3 || s_below(10) == 0 ? 1 + s_skewed(4) : 0;
    for (size_t i = 0; i < fact.transfer_count; i++) {
        unsigned r = skew ? s_skewed(10) : s_below(10);
        labels[i] = r < 4 ? s_kind_keys[r] : s_hub_labels[r - 4];
    }
    fact.transfers = labels;
    s_add(f, &fact);
    if (outside)
        return;
    char week[16];
    s_iso_label(ms, week);
    size_t w = 0;
    while (w < t->weeks && strcmp(t->week[w], week) != 0)
        w++;
    assert_true(w < t->weeks);
    t->week_count[w]++;
    t->contacts++;
    t->channel[fact.channel ? fact.channel - 1 : 5]++;
    t->category[fact.category ? fact.category - 1 : 9]++;
    t->outcome[fact.handling ? fact.handling - 1 : 4]++;
    t->due += (uint64_t)fact.has_due;
    t->in_time += (uint64_t)fact.answered_in_time;
    for (size_t i = 0; i < fact.transfer_count; i++) {
        t->transfers++;
        for (size_t k = 0; k < 4; k++)
            t->kinds[k] += strcmp(labels[i], s_kind_keys[k]) == 0;
        for (size_t h = 0; h < S_HUBS; h++)
            t->hub[h] += strncmp(labels[i], "hub:", 4) == 0 && strcmp(labels[i] + 4, s_hub_names[h]) == 0;
    }
}

/* The tally's count of a table's cell, by its stored label. */
static uint64_t s_truth(const s_tally_t *t, const char *table, const char *label)
{
    struct {
        const char *name;
        const char *const *keys;
        const uint64_t *counts;
        size_t n;
    } fixed[] = {{"channel", s_channel_keys, t->channel, 6},
                 {"category", s_category_keys, t->category, 10},
                 {"outcome", s_outcome_keys, t->outcome, 5},
                 {"transfers", s_kind_keys, t->kinds, 4}};
    if (strcmp(table, "week") == 0) {
        for (size_t w = 0; w < t->weeks; w++)
            if (strcmp(t->week[w], label) == 0)
                return t->week_count[w];
    }
    if (strcmp(table, "transfers") == 0 && strncmp(label, "hub:", 4) == 0) {
        for (size_t h = 0; h < S_HUBS; h++)
            if (strcmp(label + 4, s_hub_names[h]) == 0)
                return t->hub[h];
    }
    for (size_t i = 0; i < 4; i++)
        if (strcmp(table, fixed[i].name) == 0)
            for (size_t k = 0; k < fixed[i].n; k++)
                if (strcmp(label, fixed[i].keys[k]) == 0)
                    return fixed[i].counts[k];
    fail_msg("%s.%s: no such label", table, label);
    return 0;
}

/* One single-valued table as a reader sees it: every label that holds something listed; small
 * cells secret, zeros published, published cells true; and each secret cell admitting two values
 * at least, given the published cells, the total, and the rule (a secret cell holds 1 at least
 * and at most the smallest published non-zero cell). */
static void s_check_table(json_t *table, const char *name, const s_tally_t *t, uint64_t total, unsigned threshold)
{
    uint64_t truth[64], seen = 0, published = 0, k = 0, secret_sum = 0, cap = total;
    int secret[64];
    const char *labels[64];
    size_t n = 0;
    const char *key;
    json_t *v;
    json_object_foreach(table, key, v) {
        if (strcmp(key, "total") == 0)
            continue;
        assert_true(n < 64);
        labels[n] = key;
        truth[n] = s_truth(t, name, key);
        secret[n] = json_is_string(v);
        if (truth[n] > 0 && truth[n] < threshold && !secret[n])
            fail_msg("%s.%s: %" PRIu64 ", a small cell, published", name, key, truth[n]);
        if (truth[n] == 0 && secret[n])
            fail_msg("%s.%s: a zero secret", name, key);
        if (secret[n]) {
            assert_string_equal(json_string_value(v), "secret");
            k++;
            secret_sum += truth[n];
        } else {
            assert_int_equal(json_integer_value(v), truth[n]);
            published += truth[n];
            if (truth[n] && truth[n] < cap)
                cap = truth[n];
        }
        seen += truth[n];
        n++;
    }
    assert_int_equal(seen, total);
    if (!k)
        return;
    assert_true(k >= 2);
    assert_true(secret_sum >= threshold);
    uint64_t rest = total - published;
    for (size_t i = 0; i < n; i++) {
        if (!secret[i])
            continue;
        uint64_t values = 0;
        for (uint64_t x = 1; x <= rest && x <= cap && values < 2; x++)
            values += rest - x >= k - 1 && rest - x <= (k - 1) * cap;
        if (values < 2)
            fail_msg("%s.%s: the reader recomputes it (k=%" PRIu64 ", rest=%" PRIu64 ", cap=%" PRIu64 ")", name,
                     labels[i], k, rest, cap);
    }
}

/* The text's rows of a fixed table, under its heading, against the JSON's. */
static void s_check_text_table(const char *text, const char *heading, json_t *table, const char *const *keys,
                               const char *const *french, size_t n)
{
    char start[128];
    snprintf(start, sizeof start, "\n%s\n", heading);
    text = strstr(text, start);
    assert_non_null(text);
    for (size_t i = 0; i < n; i++) {
        char count[64];
        s_row_count(text, french[i], count, sizeof count);
        json_t *v = json_object_get(table, keys[i]);
        if (json_is_string(v))
            assert_string_equal(count, "secret");
        else
            assert_int_equal(strtoull(count, NULL, 10), json_integer_value(v));
    }
}

/* Publishes at `threshold` in the three forms and checks them against the tally; returns whether
 * everything was withheld. */
static int s_check_publication(const relais_reception_figures_t *f, const s_tally_t *t, unsigned threshold)
{
    json_t *root = s_json(f, threshold);
    char *csv = s_csv(f, threshold), *expected_csv = s_csv_of_json(root);
    assert_string_equal(csv, expected_csv);
    free(csv);
    free(expected_csv);
    json_t *contacts = json_object_get(root, "contacts");
    int whole = json_is_string(contacts);
    if (t->contacts < threshold)
        assert_true(whole);
    static const char *const tables[] = {"week",      "channel",          "category",    "outcome",
                                         "transfers", "answered_in_time", "items_found", "items_returned",
                                         "loss_declarations"};
    if (whole) {
        for (size_t i = 0; i < 9; i++)
            s_expect_secret(root, tables[i], NULL);
        json_decref(root);
        return 1;
    }
    assert_int_equal(json_integer_value(contacts), t->contacts);
    json_t *week = json_object_get(root, "week");
    assert_int_equal(json_object_size(week), t->weeks);
    for (size_t i = 0; i < 4; i++)
        s_check_table(json_object_get(root, tables[i]), tables[i], t, t->contacts, threshold);

    json_t *transfers = json_object_get(root, "transfers");
    if (json_is_string(transfers)) { /* withheld: 1 to t - 1 transfers, two values at least */
        assert_true(t->transfers > 0 && t->transfers < threshold && threshold >= 3);
    } else {
        assert_int_equal(json_integer_value(json_object_get(transfers, "total")), t->transfers);
        assert_true(t->transfers == 0 || t->transfers >= threshold);
        s_check_table(transfers, "transfers", t, t->transfers, threshold);
    }

    json_t *share = json_object_get(root, "answered_in_time");
    if (json_is_string(share)) {
        assert_true(t->due > 0 && t->due < threshold && threshold >= 3);
    } else {
        uint64_t late = t->due - t->in_time;
        assert_int_equal(json_integer_value(json_object_get(share, "due")), t->due);
        json_t *in_time = json_object_get(share, "in_time"), *percent = json_object_get(share, "share_percent");
        if (json_is_string(in_time)) {
            /* both secret, summing to "due": each from 1 to due - 1 */
            assert_true((t->in_time > 0 && t->in_time < threshold) || (late > 0 && late < threshold));
            assert_true(t->due >= 3);
            assert_string_equal(json_string_value(percent), "secret");
        } else {
            assert_int_equal(json_integer_value(in_time), t->in_time);
            assert_false(t->in_time > 0 && t->in_time < threshold);
            assert_false(late > 0 && late < threshold);
            if (t->due) {
                double expected = (double)((t->in_time * 1000 + t->due / 2) / t->due) / 10;
                assert_true(json_real_value(percent) == expected);
            } else {
                assert_true(json_is_null(percent));
            }
        }
    }

    char *text = s_text(f, threshold);
    char total[64];
    snprintf(total, sizeof total, "\nSollicitations enregistrées : %" PRIu64 "\n", t->contacts);
    assert_non_null(strstr(text, total));
    s_check_text_table(text, "Par canal", json_object_get(root, "channel"), s_channel_keys, s_channel_french, 6);
    s_check_text_table(text, "Par catégorie", json_object_get(root, "category"), s_category_keys, s_category_french,
                       10);
    s_check_text_table(text, "Par traitement (à ce jour)", json_object_get(root, "outcome"), s_outcome_keys,
                       s_outcome_french, 5);
    free(text);
    json_decref(root);
    return 0;
}

static void test_random_publications(void **state)
{
    (void)state;
    static const unsigned thresholds[] = {2, 3, 4, 5, 5, 5, 7, 10};
    s_rng = 20261130;
    unsigned published = 0, most_withheld = 0;
    for (int round = 0; round < 600; round++) {
        static const int month_days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}; /* 2027 */
        int month = 1 + (int)s_below(12), days = month_days[month - 1];
        relais_reception_figures_t *f = s_new(s_local(2027, month, 1, 0, 0), s_local(2027, month + 1, 1, 0, 0));
        s_tally_t t;
        s_tally_weeks(&t, 2027, month, days);
        unsigned n = round % 10 == 0 ? s_below(400) : s_below(80);
        for (unsigned i = 0; i < n; i++) {
            const char *labels[4];
            s_random_entry(f, &t, 2027, month, 1, labels);
        }
        unsigned threshold = thresholds[round % 8];
        int whole = s_check_publication(f, &t, threshold);
        if (whole && t.contacts >= threshold && t.contacts > most_withheld)
            most_withheld = (unsigned)t.contacts;
        published += !whole;
        relais_reception_figures_destroy(&f);
    }
    /* withholding everything above the threshold is for a few entries; the most seen (28, at 3)
     * came of the transfers: 3 of them to 3 recipients, a table of ones that rule 4 cannot protect */
    print_message("random publications: %u of 600 published, withheld whole at most at %u entries\n", published,
                  most_withheld);
    assert_true(published > 500);
    assert_true(most_withheld < 40);
}

static double s_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A month of `n` entries (and about 1 in 20 more drawn outside it), its tally, and the time taken. */
static void s_generated_month(unsigned n, uint64_t seed)
{
    s_rng = seed;
    relais_reception_figures_t *f = s_new(s_local(2026, 11, 1, 0, 0), s_local(2026, 12, 1, 0, 0));
    s_tally_t t;
    s_tally_weeks(&t, 2026, 11, 30);
    double start = s_seconds();
    unsigned drawn = 0;
    for (; t.contacts < n; drawn++) {
        const char *labels[4];
        s_random_entry(f, &t, 2026, 11, 0, labels);
    }
    double added = s_seconds();
    assert_int_equal(relais_reception_figures_total(f), n);
    assert_int_equal(relais_reception_figures_total(f) + relais_reception_figures_outside(f), drawn);

    /* at 0, every count as it is */
    json_t *root = s_json(f, 0);
    s_expect(root, "contacts", NULL, (long long)t.contacts);
    for (size_t w = 0; w < t.weeks; w++)
        s_expect(root, "week", t.week[w], (long long)t.week_count[w]);
    for (size_t i = 0; i < 6; i++)
        s_expect(root, "channel", s_channel_keys[i], (long long)t.channel[i]);
    for (size_t i = 0; i < 10; i++)
        s_expect(root, "category", s_category_keys[i], (long long)t.category[i]);
    for (size_t i = 0; i < 5; i++)
        s_expect(root, "outcome", s_outcome_keys[i], (long long)t.outcome[i]);
    s_expect(root, "transfers", "total", (long long)t.transfers);
    for (size_t i = 0; i < 4; i++)
        s_expect(root, "transfers", s_kind_keys[i], (long long)t.kinds[i]);
    for (size_t h = 0; h < S_HUBS; h++) {
        char label[160];
        snprintf(label, sizeof label, "hub:%s", s_hub_names[h]);
        s_expect(root, "transfers", label, (long long)t.hub[h]);
    }
    s_expect(root, "answered_in_time", "due", (long long)t.due);
    s_expect(root, "answered_in_time", "in_time", (long long)t.in_time);
    json_decref(root);

    /* at the default threshold: the same totals, every published cell true, nothing recomputable */
    double before = s_seconds();
    char *json = NULL, *csv = NULL;
    assert_int_equal(relais_reception_figures_publish_json(f, RELAIS_STATS_THRESHOLD_DEFAULT, &json), RELAIS_OK);
    assert_int_equal(relais_reception_figures_publish_csv(f, RELAIS_STATS_THRESHOLD_DEFAULT, &csv), RELAIS_OK);
    FILE *sink = fopen("/dev/null", "w");
    assert_non_null(sink);
    assert_int_equal(relais_reception_figures_publish_text(f, RELAIS_STATS_THRESHOLD_DEFAULT, sink), RELAIS_OK);
    fclose(sink);
    double after = s_seconds();
    free(json);
    free(csv);
    assert_int_equal(s_check_publication(f, &t, RELAIS_STATS_THRESHOLD_DEFAULT), 0);
    print_message("%u entries (%u drawn): added in %.1f ms, published in the three forms in %.2f ms\n", n, drawn,
                  (added - start) * 1e3, (after - before) * 1e3);
    relais_reception_figures_destroy(&f);
}

static void test_generated_month(void **state)
{
    (void)state;
    s_generated_month(5000, 20261101);
}

static void test_large_register(void **state)
{
    (void)state;
    s_generated_month(100000, 20261102);
}

int main(void)
{
    s_set_paris();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counting),
        cmocka_unit_test(test_period_bounds),
        cmocka_unit_test(test_iso_weeks_across_years),
        cmocka_unit_test(test_invalid_refused),
        cmocka_unit_test(test_suppression),
        cmocka_unit_test(test_small_total_hides_everything),
        cmocka_unit_test(test_unprotectable_table_hides_everything),
        cmocka_unit_test(test_share_rule),
        cmocka_unit_test(test_outputs),
        cmocka_unit_test(test_lost_and_found),
        cmocka_unit_test(test_lost_and_found_small_cells),
        cmocka_unit_test(test_lost_and_found_refused),
        cmocka_unit_test(test_out_of_memory),
        cmocka_unit_test(test_random_publications),
        cmocka_unit_test(test_generated_month),
        cmocka_unit_test(test_large_register),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
