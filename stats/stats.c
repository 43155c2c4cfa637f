/* stats.c -- the aggregate: its labels, counting a case, merging two, and the stored form. */
#include "stats_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

/* ---- Labels ------------------------------------------------------------------------------ */

typedef struct {
    const char *key;    /* stored, stable; NULL where the proto names it (outcomes) */
    const char *french; /* what the coordinator reads */
} s_label_t;

/* Indexed by ReferrerRole value - 1; "unspecified" (0) last, as in every table. */
static const s_label_t s_sources[] = {
    {"school-head", "Chef d'établissement"},
    {"teacher", "Enseignant"},
    {"rased", "RASED"},
    {"guidance-counsellor", "Psychologue de l'Éducation nationale"},
    {"municipal-youth", "Jeunesse et prévention (ville)"},
    {"municipal-social", "Action sociale (ville)"},
    {"pmi", "PMI"},
    {"cmp", "CMP"},
    {"parent", "Parents"},
    {"other", "Autre"},
    {"unspecified", "Non précisée"},
};

/* Indexed by Domain value - 1. */
static const s_label_t s_domains[] = {
    {"educational", "Éducatif"}, {"periscolaire", "Périscolaire"}, {"cultural", "Culturel"},
    {"social", "Social"},        {"health", "Santé"},              {"unspecified", "Non précisé"},
};

static const s_label_t s_ages[] = {
    {"0-5", "0 à 5 ans"},     {"6-10", "6 à 10 ans"},     {"11-14", "11 à 14 ans"},
    {"15-17", "15 à 17 ans"}, {"18+", "18 ans et plus"}, {"unknown", "Inconnu"},
};

static const s_label_t s_durations[] = {
    {"<3 months", "Moins de 3 mois"}, {"3-12 months", "3 à 12 mois"},    {"12-24 months", "12 à 24 mois"},
    {">24 months", "Plus de 24 mois"}, {"unknown", "Inconnue"},
};

/* Indexed by relais_case_state_t - 1; the keys are relais_case_state_name's, so that the two
 * never drift apart. */
static const s_label_t s_outcomes[] = {
    {NULL, "Signalement reçu"},
    {NULL, "Tri en cours"},
    {NULL, "En attente d'accord"},
    {NULL, "Accepté"},
    {NULL, "Refusé"},
    {NULL, "Réorienté"},
    {NULL, "Diagnostic en cours"},
    {NULL, "Parcours proposé"},
    {NULL, "Suivi en cours"},
    {NULL, "Clos, parcours mené à terme"},
    {NULL, "Clos, retrait"},
    {NULL, "Clos, sans résultat"},
    {NULL, "En pause"},
    {NULL, "Saisi par erreur"},
    {"unspecified", "Non précisée"},
};

typedef struct {
    const char *name;
    const char *heading;
    const s_label_t *labels;
    size_t count;
} s_dimension_t;

#define S_COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

static const s_dimension_t s_dimensions[RELAIS_STATS_DIMENSION_COUNT] = {
    [RELAIS_STATS_MONTH] = {"month", "Par mois d'ouverture", NULL, 0},
    [RELAIS_STATS_SOURCE] = {"source", "Par source", s_sources, S_COUNT_OF(s_sources)},
    [RELAIS_STATS_DOMAIN] = {"domain", "Par domaine", s_domains, S_COUNT_OF(s_domains)},
    [RELAIS_STATS_AGE] = {"age", "Par tranche d'âge", s_ages, S_COUNT_OF(s_ages)},
    [RELAIS_STATS_DURATION] = {"duration", "Par durée de suivi", s_durations, S_COUNT_OF(s_durations)},
    [RELAIS_STATS_OUTCOME] = {"outcome", "Par issue", s_outcomes, S_COUNT_OF(s_outcomes)},
};

_Static_assert(S_COUNT_OF(s_outcomes) == RELAIS_CASE_STATE_COUNT, "one outcome a case state, 0 as unspecified");
_Static_assert(S_COUNT_OF(s_outcomes) <= STATS_MAX_CELLS && S_COUNT_OF(s_sources) <= STATS_MAX_CELLS,
               "the aggregate has room for every cell");

static int s_is_dimension(relais_stats_dimension_t dim)
{
    return (int)dim >= 0 && dim < RELAIS_STATS_DIMENSION_COUNT;
}

const char *relais_stats_dimension_name(relais_stats_dimension_t dim)
{
    return s_is_dimension(dim) ? s_dimensions[dim].name : NULL;
}

const char *stats_heading(relais_stats_dimension_t dim)
{
    return s_dimensions[dim].heading;
}

size_t stats_label_count(relais_stats_dimension_t dim)
{
    return s_dimensions[dim].count;
}

const char *stats_label_key(relais_stats_dimension_t dim, size_t i)
{
    const char *key = s_dimensions[dim].labels[i].key;
    return key ? key : relais_case_state_name((relais_case_state_t)(i + 1));
}

const char *stats_label_french(relais_stats_dimension_t dim, size_t i)
{
    return s_dimensions[dim].labels[i].french;
}

void stats_month_label(int32_t key, char out[STATS_MONTH_LABEL_LEN])
{
    /* the modulos tell the compiler what the key's range already ensures: no truncation */
    snprintf(out, STATS_MONTH_LABEL_LEN, "%04u-%02u", (unsigned)(key / 12) % 10000u, (unsigned)(key % 12) % 12u + 1u);
}

/* The key of "YYYY-MM"; -1 when `text` is not exactly that form with a month from 01 to 12. */
static int32_t s_month_parse(const char *text)
{
    if (strlen(text) != 7 || text[4] != '-')
        return -1;
    int32_t year = 0, month = 0;
    for (int i = 0; i < 7; i++) {
        if (i == 4)
            continue;
        if (text[i] < '0' || text[i] > '9')
            return -1;
        if (i < 4)
            year = year * 10 + (text[i] - '0');
        else
            month = month * 10 + (text[i] - '0');
    }
    return month >= 1 && month <= 12 ? year * 12 + month - 1 : -1;
}

/* The index of a fixed dimension's stored label; -1 when it has none such. */
static int s_label_index(relais_stats_dimension_t dim, const char *label)
{
    for (size_t i = 0; i < s_dimensions[dim].count; i++)
        if (strcmp(stats_label_key(dim, i), label) == 0)
            return (int)i;
    return -1;
}

/* A label as a detail sentence may quote it: escaped and cut short, since a stored form that
 * fails its checks may hold anything. */
static const char *s_quote(const char *label, char *buf, size_t cap)
{
    return relais_text_escape(label, strlen(label), buf, cap);
}

/* ---- The aggregate ---------------------------------------------------------------------- */

int relais_stats_new(relais_stats_t **out)
{
    if (!out)
        return relais_status_set(RELAIS_E_INVALID, "no place for the statistics");
    *out = calloc(1, sizeof **out);
    return *out ? RELAIS_OK : relais_status_set(RELAIS_E_NOMEM, "statistics");
}

void relais_stats_destroy(relais_stats_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free((*self_p)->months);
    free(*self_p);
    *self_p = NULL;
}

uint64_t relais_stats_total(const relais_stats_t *self)
{
    return self ? self->cases : 0;
}

/* Where month `key` is in self->months, or where it would go; true when it is there. */
static int s_month_find(const relais_stats_t *self, int32_t key, size_t *at)
{
    size_t lo = 0, hi = self->month_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (self->months[mid].key < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    *at = lo;
    return lo < self->month_count && self->months[lo].key == key;
}

static int s_month_reserve(relais_stats_t *self, size_t want)
{
    if (want <= self->month_cap)
        return RELAIS_OK;
    size_t cap = self->month_cap ? self->month_cap : 16;
    while (cap < want)
        cap *= 2;
    stats_month_t *m = cap <= SIZE_MAX / sizeof *m ? realloc(self->months, cap * sizeof *m) : NULL;
    if (!m)
        return relais_status_set(RELAIS_E_NOMEM, "statistics: months");
    self->months = m;
    self->month_cap = cap;
    return RELAIS_OK;
}

/* The month key of an instant, in local time; -1 beyond what a "YYYY-MM" label can say. */
static int32_t s_month_of(int64_t ms)
{
    /* floored, so that an instant before 1970 stays in its own second */
    time_t seconds = (time_t)(ms / 1000 - (ms % 1000 < 0));
    struct tm tm;
    if (!localtime_r(&seconds, &tm))
        return -1;
    int64_t year = (int64_t)tm.tm_year + 1900;
    return year >= 0 && year <= 9999 ? (int32_t)(year * 12 + tm.tm_mon) : -1;
}

static size_t s_age_band(int years)
{
    if (years < 0)
        return 5;
    return years <= 5 ? 0 : years <= 10 ? 1 : years <= 14 ? 2 : years <= 17 ? 3 : 4;
}

static size_t s_duration_band(int64_t ms)
{
    if (ms < 0)
        return 4;
    if (ms < 3 * RELAIS_STATS_MONTH_MS)
        return 0;
    if (ms < 12 * RELAIS_STATS_MONTH_MS)
        return 1;
    return ms <= 24 * RELAIS_STATS_MONTH_MS ? 2 : 3;
}

#define S_DOMAIN_BITS 0x3eu /* Domain values 1 to 5 */

int relais_stats_add(relais_stats_t *self, const relais_stats_case_t *c)
{
    if (!self || !c)
        return relais_status_set(RELAIS_E_INVALID, "no statistics or no case to count");
    if (c->source < 0 || c->source > 10)
        return relais_status_set(RELAIS_E_INVALID, "source %d: not a referrer role this build knows", c->source);
    if (c->outcome < 0 || c->outcome >= RELAIS_CASE_STATE_COUNT)
        return relais_status_set(RELAIS_E_INVALID, "outcome %d: not a case state", c->outcome);
    if (c->domains & ~(S_DOMAIN_BITS | 1u))
        return relais_status_set(RELAIS_E_INVALID, "domains 0x%x: a domain this build does not know", c->domains);
    int32_t month = s_month_of(c->opened_ms);
    if (month < 0)
        return relais_status_set(RELAIS_E_INVALID, "opened_ms %" PRId64 ": not a date between the years 0 and 9999",
                                 c->opened_ms);
    if (self->cases >= RELAIS_STATS_MAX_CASES)
        return relais_status_set(RELAIS_E_INVALID, "the statistics count as many cases as they can");
    size_t at;
    if (!s_month_find(self, month, &at)) {
        int rc = s_month_reserve(self, self->month_count + 1);
        if (rc)
            return rc;
        memmove(self->months + at + 1, self->months + at, (self->month_count - at) * sizeof *self->months);
        self->months[at] = (stats_month_t){.key = month, .count = 0};
        self->month_count++;
    }
    /* nothing can fail from here on: a case is counted in every table or in none */
    self->months[at].count++;
    self->cases++;
    self->cells[RELAIS_STATS_SOURCE][c->source ? c->source - 1 : 10]++;
    unsigned domains = c->domains & S_DOMAIN_BITS;
    if (!domains)
        self->cells[RELAIS_STATS_DOMAIN][5]++;
    for (int v = 1; v <= 5; v++)
        if (domains & (1u << v))
            self->cells[RELAIS_STATS_DOMAIN][v - 1]++;
    self->cells[RELAIS_STATS_AGE][s_age_band(c->age_years)]++;
    self->cells[RELAIS_STATS_DURATION][s_duration_band(c->duration_ms)]++;
    self->cells[RELAIS_STATS_OUTCOME][c->outcome ? c->outcome - 1 : RELAIS_CASE_STATE_COUNT - 1]++;
    return RELAIS_OK;
}

int relais_stats_merge(relais_stats_t *dst, const relais_stats_t *src)
{
    if (!dst || !src)
        return relais_status_set(RELAIS_E_INVALID, "no statistics to merge");
    if (src->cases > RELAIS_STATS_MAX_CASES - dst->cases)
        return relais_status_set(RELAIS_E_INVALID, "%" PRIu64 " and %" PRIu64 " cases: more than statistics count",
                                 dst->cases, src->cases);
    /* the merged months in a new array, so that a failure leaves dst as it was */
    size_t cap = dst->month_count + src->month_count, n = 0, i = 0, j = 0;
    stats_month_t *months = NULL;
    if (cap) {
        months = cap <= SIZE_MAX / sizeof *months ? malloc(cap * sizeof *months) : NULL;
        if (!months)
            return relais_status_set(RELAIS_E_NOMEM, "statistics: months");
    }
    while (i < dst->month_count || j < src->month_count) {
        if (j == src->month_count || (i < dst->month_count && dst->months[i].key < src->months[j].key))
            months[n++] = dst->months[i++];
        else if (i == dst->month_count || src->months[j].key < dst->months[i].key)
            months[n++] = src->months[j++];
        else {
            months[n] = (stats_month_t){dst->months[i].key, dst->months[i].count + src->months[j].count};
            n++, i++, j++;
        }
    }
    free(dst->months);
    dst->months = months;
    dst->month_count = n;
    dst->month_cap = cap;
    dst->cases += src->cases;
    for (int d = 0; d < RELAIS_STATS_DIMENSION_COUNT; d++)
        for (int c = 0; c < STATS_MAX_CELLS; c++)
            dst->cells[d][c] += src->cells[d][c];
    return RELAIS_OK;
}

int relais_stats_count(const relais_stats_t *self, relais_stats_dimension_t dim, const char *label,
                       uint64_t *count)
{
    if (!self || !label || !count || !s_is_dimension(dim))
        return relais_status_set(RELAIS_E_INVALID, "no statistics, dimension or label to count");
    char quoted[48];
    if (dim == RELAIS_STATS_MONTH) {
        int32_t key = s_month_parse(label);
        if (key < 0)
            return relais_status_set(RELAIS_E_INVALID, "month %s: not a month (YYYY-MM)",
                                     s_quote(label, quoted, sizeof quoted));
        size_t at;
        *count = s_month_find(self, key, &at) ? self->months[at].count : 0;
        return RELAIS_OK;
    }
    int i = s_label_index(dim, label);
    if (i < 0)
        return relais_status_set(RELAIS_E_INVALID, "%s %s: no such label", s_dimensions[dim].name,
                                 s_quote(label, quoted, sizeof quoted));
    *count = self->cells[dim][i];
    return RELAIS_OK;
}

/* ---- The stored form -------------------------------------------------------------------- */

/* One table as a JSON object of its non-zero cells; NULL when out of memory. */
static json_t *s_table_to_json(const relais_stats_t *self, relais_stats_dimension_t dim)
{
    json_t *table = json_object();
    int ok = table != NULL;
    if (dim == RELAIS_STATS_MONTH) {
        for (size_t i = 0; ok && i < self->month_count; i++) {
            char label[STATS_MONTH_LABEL_LEN];
            stats_month_label(self->months[i].key, label);
            ok = json_object_set_new(table, label, json_integer((json_int_t)self->months[i].count)) == 0;
        }
    } else {
        for (size_t i = 0; ok && i < s_dimensions[dim].count; i++)
            if (self->cells[dim][i])
                ok = json_object_set_new(table, stats_label_key(dim, i), json_integer((json_int_t)self->cells[dim][i])) ==
                     0;
    }
    if (!ok) {
        json_decref(table);
        return NULL;
    }
    return table;
}

int relais_stats_encode(const relais_stats_t *self, char **json, size_t *len)
{
    if (!self || !json || !len)
        return relais_status_set(RELAIS_E_INVALID, "no statistics to encode");
    json_t *root = json_object();
    int ok = root && json_object_set_new(root, "version", json_integer(RELAIS_STATS_FORMAT)) == 0 &&
             json_object_set_new(root, "cases", json_integer((json_int_t)self->cases)) == 0;
    for (int d = 0; ok && d < RELAIS_STATS_DIMENSION_COUNT; d++)
        ok = json_object_set_new(root, s_dimensions[d].name, s_table_to_json(self, (relais_stats_dimension_t)d)) == 0;
    char *text = ok ? json_dumps(root, JSON_COMPACT) : NULL;
    json_decref(root);
    if (!text)
        return relais_status_set(RELAIS_E_NOMEM, "statistics: stored form");
    *json = text;
    *len = strlen(text);
    return RELAIS_OK;
}

static const char *s_json_kind(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a number with a fraction or exponent";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    default: return "null";
    }
}

/* A count at `path`, from 0 to RELAIS_STATS_MAX_CASES. */
static int s_read_count(const json_t *v, const char *path, uint64_t *out)
{
    if (!json_is_integer(v))
        return relais_status_set(RELAIS_E_MALFORMED, "%s: expected a count (an integer), got %s", path, s_json_kind(v));
    json_int_t n = json_integer_value(v);
    if (n < 0)
        return relais_status_set(RELAIS_E_MALFORMED, "%s: a negative count", path);
    if ((uint64_t)n > RELAIS_STATS_MAX_CASES)
        return relais_status_set(RELAIS_E_MALFORMED, "%s: %lld is more than statistics count", path, (long long)n);
    *out = (uint64_t)n;
    return RELAIS_OK;
}

static int s_month_order(const void *a, const void *b)
{
    int32_t x = ((const stats_month_t *)a)->key, y = ((const stats_month_t *)b)->key;
    return (x > y) - (x < y);
}

/* The month table into self->months, in order; *sum gets its total (at most self->cases). */
static int s_read_months(relais_stats_t *self, json_t *table, uint64_t *sum)
{
    const char *label;
    json_t *v;
    *sum = 0;
    json_object_foreach(table, label, v) {
        char path[64], quoted[48];
        snprintf(path, sizeof path, "month.%s", s_quote(label, quoted, sizeof quoted));
        int32_t key = s_month_parse(label);
        if (key < 0)
            return relais_status_set(RELAIS_E_MALFORMED, "%s: not a month (YYYY-MM)", path);
        uint64_t count;
        int rc = s_read_count(v, path, &count);
        if (rc)
            return rc;
        *sum += count; /* each at most 2^53, and the sum stopped at self->cases: no overflow */
        if (*sum > self->cases)
            return relais_status_set(RELAIS_E_MALFORMED, "month: the months hold more than the %" PRIu64 " cases",
                                     self->cases);
        if (!count)
            continue;
        rc = s_month_reserve(self, self->month_count + 1);
        if (rc)
            return rc;
        self->months[self->month_count++] = (stats_month_t){key, count};
    }
    if (self->month_count > 1)
        qsort(self->months, self->month_count, sizeof *self->months, s_month_order);
    return RELAIS_OK;
}

/* A fixed dimension's table into self->cells[dim]; *sum gets its total. */
static int s_read_cells(relais_stats_t *self, relais_stats_dimension_t dim, json_t *table, uint64_t *sum)
{
    const char *label;
    json_t *v;
    *sum = 0;
    json_object_foreach(table, label, v) {
        char path[96], quoted[48];
        snprintf(path, sizeof path, "%s.%s", s_dimensions[dim].name, s_quote(label, quoted, sizeof quoted));
        int i = s_label_index(dim, label);
        if (i < 0)
            return relais_status_set(RELAIS_E_MALFORMED, "%s: not a label of %s", path, s_dimensions[dim].name);
        int rc = s_read_count(v, path, &self->cells[dim][i]);
        if (rc)
            return rc;
        *sum += self->cells[dim][i]; /* at most 15 cells of at most 2^53 each */
    }
    return RELAIS_OK;
}

/* The domain table's bounds: u cases have no domain, so no domain holds more than the other
 * cases - u, and the domains together hold every one of these at least once. */
static int s_check_domains(const relais_stats_t *self)
{
    const uint64_t *d = self->cells[RELAIS_STATS_DOMAIN];
    uint64_t unspecified = d[5], sum = 0;
    if (unspecified > self->cases)
        return relais_status_set(RELAIS_E_MALFORMED, "domain.unspecified: %" PRIu64 " cases, more than the %" PRIu64
                                 " counted", unspecified, self->cases);
    uint64_t with_domain = self->cases - unspecified;
    for (size_t i = 0; i < 5; i++) {
        if (d[i] > with_domain)
            return relais_status_set(RELAIS_E_MALFORMED, "domain.%s: %" PRIu64 " cases, more than the %" PRIu64
                                     " that have a domain", stats_label_key(RELAIS_STATS_DOMAIN, i), d[i], with_domain);
        sum += d[i];
    }
    if (sum < with_domain)
        return relais_status_set(RELAIS_E_MALFORMED, "domain: the domains hold %" PRIu64 " cases together, fewer than the %"
                                 PRIu64 " that have one", sum, with_domain);
    return RELAIS_OK;
}

static int s_read(relais_stats_t *self, json_t *root)
{
    if (!json_is_object(root))
        return relais_status_set(RELAIS_E_MALFORMED, "stored statistics: expected an object, got %s", s_json_kind(root));
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v) {
        int known = strcmp(key, "version") == 0 || strcmp(key, "cases") == 0;
        for (int d = 0; !known && d < RELAIS_STATS_DIMENSION_COUNT; d++)
            known = strcmp(key, s_dimensions[d].name) == 0;
        char quoted[48];
        if (!known)
            return relais_status_set(RELAIS_E_MALFORMED,
                                     "%s: not a key of stored statistics (version, cases, month, source, domain, age, "
                                     "duration, outcome)",
                                     s_quote(key, quoted, sizeof quoted));
    }
    json_t *version = json_object_get(root, "version");
    if (!version)
        return relais_status_set(RELAIS_E_MALFORMED, "version: missing");
    if (!json_is_integer(version))
        return relais_status_set(RELAIS_E_MALFORMED, "version: expected an integer, got %s", s_json_kind(version));
    long long format = (long long)json_integer_value(version);
    if (format < 1)
        return relais_status_set(RELAIS_E_MALFORMED, "version: %lld is no format", format);
    if (format != RELAIS_STATS_FORMAT)
        return relais_status_set(RELAIS_E_VERSION, "statistics of format %lld; this build reads format %d", format,
                                 RELAIS_STATS_FORMAT);
    json_t *cases = json_object_get(root, "cases");
    if (!cases)
        return relais_status_set(RELAIS_E_MALFORMED, "cases: missing");
    int rc = s_read_count(cases, "cases", &self->cases);
    for (int d = 0; rc == RELAIS_OK && d < RELAIS_STATS_DIMENSION_COUNT; d++) {
        const char *name = s_dimensions[d].name;
        json_t *table = json_object_get(root, name);
        if (!table)
            return relais_status_set(RELAIS_E_MALFORMED, "%s: missing", name);
        if (!json_is_object(table))
            return relais_status_set(RELAIS_E_MALFORMED, "%s: expected an object of counts, got %s", name,
                                     s_json_kind(table));
        uint64_t sum;
        rc = d == RELAIS_STATS_MONTH ? s_read_months(self, table, &sum)
                                     : s_read_cells(self, (relais_stats_dimension_t)d, table, &sum);
        if (rc == RELAIS_OK && d != RELAIS_STATS_DOMAIN && sum != self->cases)
            rc = relais_status_set(RELAIS_E_MALFORMED, "%s: the cells sum to %" PRIu64 ", not to the %" PRIu64 " cases",
                                   name, sum, self->cases);
    }
    return rc ? rc : s_check_domains(self);
}

/* Our own words, never jansson's: its sentences quote the text near the error. */
static int s_parse_error(const json_error_t *err)
{
    const char *what = json_error_code(err) == json_error_duplicate_key ? "a key twice in one object"
                       : json_error_code(err) == json_error_numeric_overflow ? "a number out of range"
                       : json_error_code(err) == json_error_out_of_memory ? "out of memory"
                                                                            : "not valid JSON";
    if (json_error_code(err) == json_error_out_of_memory)
        return relais_status_set(RELAIS_E_NOMEM, "stored statistics: %s", what);
    return relais_status_set(RELAIS_E_MALFORMED, "stored statistics: %s (line %d, column %d)", what, err->line,
                             err->column);
}

int relais_stats_decode(const uint8_t *buf, size_t len, relais_stats_t **out)
{
    if (!out || (!buf && len))
        return relais_status_set(RELAIS_E_INVALID, "no stored statistics to decode");
    *out = NULL;
    json_error_t err;
    json_t *root = json_loadb(buf ? (const char *)buf : "", len, JSON_REJECT_DUPLICATES, &err);
    if (!root)
        return s_parse_error(&err);
    relais_stats_t *self;
    int rc = relais_stats_new(&self);
    if (rc == RELAIS_OK)
        rc = s_read(self, root);
    json_decref(root);
    if (rc) {
        relais_stats_destroy(&self);
        return rc;
    }
    *out = self;
    return RELAIS_OK;
}
