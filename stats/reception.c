/* reception.c -- the Tranquillité urbaine reception desk's figures: counting its register's entries
 * and its lost and found's items over a period, and publishing them (JSON, CSV, French text) under
 * the cases' suppression rule. */
#include "stats_internal.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

/* ---- Labels ------------------------------------------------------------------------------ */

typedef struct {
    const char *key;    /* stored and published, stable */
    const char *french; /* what the town reads */
} s_label_t;

/* Indexed by the proto's value - 1; "unspecified" (0) last, as in the cases' tables. */
static const s_label_t s_channels[] = {
    {"call", "téléphone"}, {"visit", "visite"},    {"letter", "courrier"},
    {"email", "courriel"}, {"form", "formulaire"}, {"unspecified", "non précisé"},
};

static const s_label_t s_categories[] = {
    {"noise", "bruit"},
    {"neighbourhood-dispute", "conflit de voisinage"},
    {"incivility", "incivilité"},
    {"public-space", "espace public"},
    {"parking-traffic", "stationnement et circulation"},
    {"victim-support", "aide aux victimes"},
    {"lost-property", "objets trouvés"},
    {"decree-information", "information sur un arrêté"},
    {"other", "autre"},
    {"unspecified", "non précisée"},
};

static const s_label_t s_outcomes[] = {
    {"answered-on-spot", "répondu sur place"}, {"follow-up", "suite à donner"}, {"transferred", "transmis"},
    {"closed", "clos"},                        {"unspecified", "non précisé"},
};

/* The recipients that are no identity of the hub; a "hub:" recipient's cell comes after them. */
static const s_label_t s_kinds[] = {
    {"police-municipale", "police municipale"},
    {"police-nationale", "police nationale"},
    {"victim-support-association", "association d'aide aux victimes"},
    {"municipal-service", "autre service municipal"},
};

/* The lost and found's item categories, indexed by relais_item_category_t - 1, "unspecified" last;
 * their keys are relais_item_category_name's spellings. */
static const s_label_t s_items[] = {
    {"keys", "clés"},
    {"wallet", "portefeuille"},
    {"phone", "téléphone portable"},
    {"bag", "sac"},
    {"papers", "papiers"},
    {"jewellery", "bijoux"},
    {"clothing", "vêtements"},
    {"glasses", "lunettes"},
    {"electronics", "appareil électronique"},
    {"bicycle", "vélo"},
    {"toy", "jouet"},
    {"other", "autre objet"},
    {"unspecified", "catégorie non précisée"},
};

#define S_COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))
_Static_assert(S_COUNT_OF(s_items) == RELAIS_ITEM_COUNT, "one label an item category, 0 as unspecified");
#define S_ITEMS S_COUNT_OF(s_items)
#define S_CHANNELS S_COUNT_OF(s_channels)
#define S_CATEGORIES S_COUNT_OF(s_categories)
#define S_OUTCOMES S_COUNT_OF(s_outcomes)
#define S_KINDS S_COUNT_OF(s_kinds)
#define S_HUB_PREFIX "hub:"

/* Room for a cell's stored label: "hub:" and the longest name, or a week, and the NUL. */
#define S_KEY_LEN (sizeof S_HUB_PREFIX + RELAIS_RECEPTION_HUB_NAME_MAX)

/* ---- The figures ------------------------------------------------------------------------- */

typedef struct {
    char name[RELAIS_RECEPTION_HUB_NAME_MAX + 1]; /* the identity name, without "hub:" */
    uint64_t count;                               /* transfers to it, > 0 */
} s_hub_t;

struct relais_reception_figures {
    int64_t from_ms, to_ms;       /* the period, to_ms excluded */
    int64_t from_day, to_day;     /* their local dates, as days since 1970-01-01 */
    int64_t last_day;             /* the local date of to_ms - 1: the period's last day */
    int64_t first_week;           /* the week key of from_ms (see s_week_of_day) */
    size_t week_count;            /* weeks from first_week to that of to_ms - 1 */
    uint64_t *weeks;              /* entries per week, week_count of them */
    uint64_t contacts;            /* entries counted */
    uint64_t outside;             /* valid entries left out, outside the period */
    uint64_t channel[S_CHANNELS]; /* the fixed tables' cells, in their labels' order */
    uint64_t category[S_CATEGORIES];
    uint64_t outcome[S_OUTCOMES];
    uint64_t kinds[S_KINDS]; /* transfers to each recipient that is no hub identity */
    uint64_t transfers;      /* every transfer, to hubs too */
    s_hub_t *hubs;           /* the hub recipients, in the order they came */
    size_t hub_count, hub_cap;
    size_t *slots;     /* hash of hubs by name: 0 free, else index in hubs + 1 */
    size_t slot_count; /* a power of two, at least twice hub_cap, or 0 */
    uint64_t due;      /* entries with a response due date */
    uint64_t in_time;  /* of these, those answered in time */
    /* the lost and found, items of the period only */
    uint64_t found;                /* found items */
    uint64_t found_category[S_ITEMS];
    uint64_t returned;             /* found items returned to their owner */
    uint64_t ended;                /* found items whose keeping ended */
    uint64_t declared;             /* declarations of loss */
    uint64_t recovered;            /* of these, those answered by a return */
};

/* ---- Dates ------------------------------------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date, and back (Howard Hinnant's algorithms):
 * a week is then a plain division, whatever the year. */
static int64_t s_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void s_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int64_t s_floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b < 0);
}

/* The local date of an instant, in days since 1970-01-01; -1 (with a detail) when it has none
 * between the years 0 and 9999. */
static int s_local_day(int64_t ms, int64_t *day)
{
    time_t seconds = (time_t)s_floor_div(ms, 1000);
    struct tm tm;
    if (!localtime_r(&seconds, &tm) || tm.tm_year < -1900 || tm.tm_year > 9999 - 1900)
        return relais_status_set(RELAIS_E_INVALID, "%" PRId64 " ms: not a date between the years 0 and 9999", ms);
    *day = s_days_from_civil((int64_t)tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    return RELAIS_OK;
}

/* The week key of a day: weeks run Monday to Sunday, and week k's Thursday is day 7k (1970-01-01
 * was a Thursday), so that its ISO year and number are those of day 7k's. */
static int64_t s_week_of_day(int64_t day)
{
    return s_floor_div(day + 3, 7);
}

/* The ISO year and number of a week key. */
static void s_iso_week(int64_t week, int64_t *year, int *number)
{
    int m, d;
    s_civil_from_days(7 * week, year, &m, &d);
    *number = (int)((7 * week - s_days_from_civil(*year, 1, 1)) / 7 + 1);
}

/* Room for "YYYY-Www" or "YYYY-MM-DD" and the NUL. */
#define S_DATE_LEN 11

static void s_week_label(int64_t week, char out[S_DATE_LEN])
{
    int64_t year;
    int number;
    s_iso_week(week, &year, &number);
    /* the modulos tell the compiler what the period's checks ensure: no truncation */
    snprintf(out, S_DATE_LEN, "%04u-W%02u", (unsigned)(year % 10000), (unsigned)number % 100u);
}

static void s_date_label(int64_t day, char out[S_DATE_LEN])
{
    int64_t year;
    int m, d;
    s_civil_from_days(day, &year, &m, &d);
    snprintf(out, S_DATE_LEN, "%04u-%02u-%02u", (unsigned)(year % 10000), (unsigned)m % 100u, (unsigned)d % 100u);
}

/* ---- New, destroy ------------------------------------------------------------------------ */

int relais_reception_figures_new(int64_t from_ms, int64_t to_ms, relais_reception_figures_t **out)
{
    if (!out)
        return relais_status_set(RELAIS_E_INVALID, "no place for the reception's figures");
    *out = NULL;
    if (from_ms >= to_ms)
        return relais_status_set(RELAIS_E_INVALID,
                                 "period from %" PRId64 " to %" PRId64 " ms: it must end after it starts", from_ms, to_ms);
    int64_t from_day, last_day, to_day;
    int rc = s_local_day(from_ms, &from_day);
    if (rc == RELAIS_OK)
        rc = s_local_day(to_ms - 1, &last_day);
    if (rc == RELAIS_OK)
        rc = s_local_day(to_ms, &to_day);
    if (rc)
        return rc;
    int64_t first = s_week_of_day(from_day), last = s_week_of_day(last_day), first_year, last_year;
    int number;
    s_iso_week(first, &first_year, &number);
    s_iso_week(last, &last_year, &number);
    if (first_year < 0 || last_year > 9999)
        return relais_status_set(RELAIS_E_INVALID, "period: a week outside the ISO years 0 to 9999");
    /* a zone that turns its clock back across midnight can put to_ms - 1 on the eve of from_ms */
    if (last < first)
        last = first;
    if (last - first >= (int64_t)RELAIS_RECEPTION_MAX_WEEKS)
        return relais_status_set(RELAIS_E_INVALID, "period of %" PRId64 " weeks: figures span %u weeks at the most",
                                 last - first + 1, RELAIS_RECEPTION_MAX_WEEKS);
    relais_reception_figures_t *self = calloc(1, sizeof *self);
    if (!self)
        return relais_status_set(RELAIS_E_NOMEM, "reception figures");
    self->week_count = (size_t)(last - first + 1);
    self->weeks = calloc(self->week_count, sizeof *self->weeks);
    if (!self->weeks) {
        free(self);
        return relais_status_set(RELAIS_E_NOMEM, "reception figures: weeks");
    }
    self->from_ms = from_ms;
    self->to_ms = to_ms;
    self->from_day = from_day;
    self->last_day = last_day;
    self->to_day = to_day;
    self->first_week = first;
    *out = self;
    return RELAIS_OK;
}

void relais_reception_figures_destroy(relais_reception_figures_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free((*self_p)->weeks);
    free((*self_p)->hubs);
    free((*self_p)->slots);
    free(*self_p);
    *self_p = NULL;
}

uint64_t relais_reception_figures_total(const relais_reception_figures_t *self)
{
    return self ? self->contacts : 0;
}

uint64_t relais_reception_figures_outside(const relais_reception_figures_t *self)
{
    return self ? self->outside : 0;
}

/* ---- The hub recipients ------------------------------------------------------------------ */

static size_t s_hash(const char *name)
{
    uint64_t h = UINT64_C(14695981039346656037); /* FNV-1a */
    for (; *name; name++)
        h = (h ^ (uint8_t)*name) * UINT64_C(1099511628211);
    return (size_t)h;
}

/* The slot where `name` is, or the free one where it would go. */
static size_t *s_slot(const relais_reception_figures_t *self, const char *name)
{
    size_t mask = self->slot_count - 1;
    for (size_t i = s_hash(name) & mask;; i = (i + 1) & mask)
        if (!self->slots[i] || strcmp(self->hubs[self->slots[i] - 1].name, name) == 0)
            return &self->slots[i];
}

/* Room for `extra` new hubs, so that counting an entry's transfers cannot fail halfway. */
static int s_hubs_reserve(relais_reception_figures_t *self, size_t extra)
{
    /* a cell's label is an int32_t: memory runs out long before */
    if (extra > (size_t)INT32_MAX - S_KINDS - self->hub_count)
        return relais_status_set(RELAIS_E_NOMEM, "reception figures: recipients");
    size_t want = self->hub_count + extra;
    if (want <= self->hub_cap)
        return RELAIS_OK;
    size_t cap = self->hub_cap ? self->hub_cap : 8;
    while (cap < want)
        cap *= 2;
    /* at most half full, for short probes; both grown or neither, so that it stays so */
    size_t *slots = 2 * cap <= SIZE_MAX / sizeof *slots ? calloc(2 * cap, sizeof *slots) : NULL;
    s_hub_t *hubs = slots && cap <= SIZE_MAX / sizeof *hubs ? realloc(self->hubs, cap * sizeof *hubs) : NULL;
    if (!hubs) {
        free(slots);
        return relais_status_set(RELAIS_E_NOMEM, "reception figures: recipients");
    }
    free(self->slots);
    self->hubs = hubs;
    self->hub_cap = cap;
    self->slots = slots;
    self->slot_count = 2 * cap;
    for (size_t i = 0; i < self->hub_count; i++)
        *s_slot(self, self->hubs[i].name) = i + 1;
    return RELAIS_OK;
}

/* ---- Counting ---------------------------------------------------------------------------- */

/* The recipient a transfer label names: a kind's index, or S_KINDS for a hub, its name in
 * *hub; RELAIS_E_INVALID when the label is none (the detail says why). */
static int s_recipient(const char *label, const char **hub)
{
    if (!label)
        return relais_status_set(RELAIS_E_INVALID, "transfer label: missing");
    for (size_t i = 0; i < S_KINDS; i++)
        if (strcmp(label, s_kinds[i].key) == 0)
            return (int)i;
    char quoted[64];
    if (strncmp(label, S_HUB_PREFIX, strlen(S_HUB_PREFIX)) != 0)
        return relais_status_set(RELAIS_E_INVALID,
                                 "transfer to %s: not a recipient (police-municipale, police-nationale, "
                                 "victim-support-association, municipal-service, hub:<name>)",
                                 relais_text_escape(label, strlen(label), quoted, sizeof quoted));
    const char *name = label + strlen(S_HUB_PREFIX);
    size_t len = strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789._-");
    if (len == 0 || len > RELAIS_RECEPTION_HUB_NAME_MAX || name[len] != '\0')
        return relais_status_set(RELAIS_E_INVALID, "transfer to %s: a hub's identity name is 1 to %u of [a-z0-9._-]",
                                 relais_text_escape(label, strlen(label), quoted, sizeof quoted),
                                 RELAIS_RECEPTION_HUB_NAME_MAX);
    *hub = name;
    return (int)S_KINDS;
}

/* Everything about an entry that may be wrong, before anything is counted; *hubs gets how many
 * of its transfers go to hubs. */
static int s_check(const relais_reception_fact_t *f, size_t *hubs)
{
    if (f->channel < 0 || f->channel >= (int)S_CHANNELS)
        return relais_status_set(RELAIS_E_INVALID, "channel %d: not a channel this build knows", f->channel);
    if (f->category < 0 || f->category >= (int)S_CATEGORIES)
        return relais_status_set(RELAIS_E_INVALID, "category %d: not a category this build knows", f->category);
    if (f->handling < 0 || f->handling >= (int)S_OUTCOMES)
        return relais_status_set(RELAIS_E_INVALID, "handling %d: not a handling this build knows", f->handling);
    if ((f->has_due != 0 && f->has_due != 1) || (f->answered_in_time != 0 && f->answered_in_time != 1))
        return relais_status_set(RELAIS_E_INVALID, "has_due %d, answered_in_time %d: each is 0 or 1", f->has_due,
                                 f->answered_in_time);
    if (f->answered_in_time && !f->has_due)
        return relais_status_set(RELAIS_E_INVALID, "answered in time, but with no due date");
    if (f->transfer_count && !f->transfers)
        return relais_status_set(RELAIS_E_INVALID, "%zu transfers, but no labels", f->transfer_count);
    *hubs = 0;
    for (size_t i = 0; i < f->transfer_count; i++) {
        const char *hub;
        int kind = s_recipient(f->transfers[i], &hub);
        if (kind < 0)
            return kind;
        *hubs += kind == (int)S_KINDS;
    }
    return RELAIS_OK;
}

int relais_reception_figures_add(relais_reception_figures_t *self, const relais_reception_fact_t *fact)
{
    if (!self || !fact)
        return relais_status_set(RELAIS_E_INVALID, "no reception figures or no entry to count");
    size_t hubs = 0;
    int rc = s_check(fact, &hubs);
    if (rc)
        return rc;
    if (fact->occurred_ms < self->from_ms || fact->occurred_ms >= self->to_ms) {
        self->outside++;
        return RELAIS_OK;
    }
    if (self->contacts >= RELAIS_STATS_MAX_CASES ||
        fact->transfer_count > RELAIS_STATS_MAX_CASES - self->transfers)
        return relais_status_set(RELAIS_E_INVALID,
                                 "the reception figures count as many entries or transfers as they can");
    int64_t day;
    rc = s_local_day(fact->occurred_ms, &day);
    if (rc == RELAIS_OK)
        rc = s_hubs_reserve(self, hubs);
    if (rc)
        return rc;
    /* nothing can fail from here on: an entry is counted in every table or in none */
    int64_t week = s_week_of_day(day) - self->first_week;
    /* out of the period's weeks only where a clock turned back across midnight: the nearest */
    week = week < 0 ? 0 : week >= (int64_t)self->week_count ? (int64_t)self->week_count - 1 : week;
    self->weeks[week]++;
    self->contacts++;
    self->channel[fact->channel ? fact->channel - 1 : (int)S_CHANNELS - 1]++;
    self->category[fact->category ? fact->category - 1 : (int)S_CATEGORIES - 1]++;
    self->outcome[fact->handling ? fact->handling - 1 : (int)S_OUTCOMES - 1]++;
    self->due += (uint64_t)fact->has_due;
    self->in_time += (uint64_t)fact->answered_in_time;
    for (size_t i = 0; i < fact->transfer_count; i++) {
        const char *name = NULL;
        int kind = s_recipient(fact->transfers[i], &name);
        self->transfers++;
        if (kind < (int)S_KINDS) {
            self->kinds[kind]++;
            continue;
        }
        size_t *slot = s_slot(self, name);
        if (!*slot) {
            s_hub_t *hub = &self->hubs[self->hub_count++];
            snprintf(hub->name, sizeof hub->name, "%s", name);
            hub->count = 0;
            *slot = self->hub_count;
        }
        self->hubs[*slot - 1].count++;
    }
    return RELAIS_OK;
}

/* The states each kind of item has (reception/lost.c): a found item is kept, then returned or
 * ended; a declaration is sought, then recovered or withdrawn. */
static int s_item_state_ok(int kind, int state)
{
    if (kind == RELAIS_LOST_KIND_FOUND)
        return state == RELAIS_LOST_STATE_KEPT || state == RELAIS_LOST_STATE_RETURNED ||
               state == RELAIS_LOST_STATE_ENDED;
    return state == RELAIS_LOST_STATE_SOUGHT || state == RELAIS_LOST_STATE_RECOVERED ||
           state == RELAIS_LOST_STATE_WITHDRAWN;
}

int relais_reception_figures_add_item(relais_reception_figures_t *self, const relais_lost_fact_t *fact)
{
    if (!self || !fact)
        return relais_status_set(RELAIS_E_INVALID, "no reception figures or no item to count");
    if (fact->kind != RELAIS_LOST_KIND_FOUND && fact->kind != RELAIS_LOST_KIND_LOST)
        return relais_status_set(RELAIS_E_INVALID, "item kind %d: neither found (1) nor lost (2)", fact->kind);
    if (fact->category < 0 || fact->category >= (int)S_ITEMS)
        return relais_status_set(RELAIS_E_INVALID, "item category %d: not a category this build knows", fact->category);
    if (!s_item_state_ok(fact->kind, fact->state))
        return relais_status_set(RELAIS_E_INVALID, "item state %d: not a state of a %s", fact->state,
                                 fact->kind == RELAIS_LOST_KIND_FOUND ? "found item" : "declaration of loss");
    if (fact->when_ms < self->from_ms || fact->when_ms >= self->to_ms)
        return RELAIS_OK;
    if (fact->kind == RELAIS_LOST_KIND_LOST) {
        if (self->declared >= RELAIS_STATS_MAX_CASES)
            return relais_status_set(RELAIS_E_INVALID, "the reception figures count as many declarations as they can");
        self->declared++;
        self->recovered += fact->state == RELAIS_LOST_STATE_RECOVERED;
        return RELAIS_OK;
    }
    if (self->found >= RELAIS_STATS_MAX_CASES)
        return relais_status_set(RELAIS_E_INVALID, "the reception figures count as many found items as they can");
    self->found++;
    self->found_category[fact->category ? fact->category - 1 : (int)S_ITEMS - 1]++;
    self->returned += fact->state == RELAIS_LOST_STATE_RETURNED;
    self->ended += fact->state == RELAIS_LOST_STATE_ENDED;
    return RELAIS_OK;
}

/* ---- The rule ---------------------------------------------------------------------------- */

/* The entries' tables, then the lost and found's from S_FOUND on. */
typedef enum {
    S_WEEK,
    S_CHANNEL,
    S_CATEGORY,
    S_OUTCOME,
    S_TRANSFERS,
    S_DUE,
    S_FOUND,
    S_RETURNS,
    S_DECLARED,
    S_TABLES
} s_table_id_t;

static const char *const s_table_keys[S_TABLES] = {"week",        "channel",        "category",
                                                   "outcome",     "transfers",      "answered_in_time",
                                                   "items_found", "items_returned", "loss_declarations"};

/* The two cells of a pair table (answered_in_time, items_returned, loss_declarations): those that
 * were (answered in time, returned, recovered), and the others. Only the first is published, with
 * the total; the second is the total less it. */
enum { S_IN_TIME, S_LATE };

static int s_is_pair(s_table_id_t id)
{
    return id == S_DUE || id == S_RETURNS || id == S_DECLARED;
}

/* A pair table's published keys: its total, its first cell, and its share of the total (NULL:
 * none published). */
typedef struct {
    const char *total, *count, *percent;
} s_pair_keys_t;

static s_pair_keys_t s_pair_keys(s_table_id_t id)
{
    if (id == S_RETURNS)
        return (s_pair_keys_t){"closed", "returned", "return_rate_percent"};
    if (id == S_DECLARED)
        return (s_pair_keys_t){"declared", "recovered", NULL};
    return (s_pair_keys_t){"due", "in_time", "share_percent"};
}

typedef struct {
    stats_cell_t *cells; /* every label, zeros too; for transfers, the hubs after the kinds */
    size_t n;
    uint64_t total;    /* what the cells sum to: the contacts, the transfers, the due requests,
                        * the found items, the closed ones or the declarations */
    int withheld;      /* secret whole, its total too */
    int own_total;     /* a total of its own, published with it */
} s_table_t;

typedef struct {
    const relais_reception_figures_t *figures;
    unsigned threshold;
    int withheld;                /* the contacts and every table secret */
    const s_hub_t **hubs;        /* by name: the transfers table's cells from S_KINDS on */
    s_table_t tables[S_TABLES];
} s_publication_t;

static void s_publication_clear(s_publication_t *p)
{
    for (int i = 0; i < S_TABLES; i++)
        free(p->tables[i].cells);
    free(p->hubs);
    memset(p, 0, sizeof *p);
}

static int s_hub_order(const void *a, const void *b)
{
    return strcmp((*(const s_hub_t *const *)a)->name, (*(const s_hub_t *const *)b)->name);
}

static int s_table_fill(s_table_t *t, const uint64_t *counts, size_t n, uint64_t total)
{
    t->cells = calloc(n ? n : 1, sizeof *t->cells);
    if (!t->cells)
        return relais_status_set(RELAIS_E_NOMEM, "reception figures: tables");
    t->n = n;
    t->total = total;
    for (size_t i = 0; counts && i < n; i++)
        t->cells[i] = (stats_cell_t){.count = counts[i], .label = (int32_t)i};
    return RELAIS_OK;
}

static int s_tables_build(const relais_reception_figures_t *f, s_publication_t *p)
{
    const uint64_t due[2] = {f->in_time, f->due - f->in_time};
    const uint64_t returns[2] = {f->returned, f->ended};
    const uint64_t declared[2] = {f->recovered, f->declared - f->recovered};
    int rc = s_table_fill(&p->tables[S_WEEK], f->weeks, f->week_count, f->contacts);
    if (rc == RELAIS_OK)
        rc = s_table_fill(&p->tables[S_CHANNEL], f->channel, S_CHANNELS, f->contacts);
    if (rc == RELAIS_OK)
        rc = s_table_fill(&p->tables[S_CATEGORY], f->category, S_CATEGORIES, f->contacts);
    if (rc == RELAIS_OK)
        rc = s_table_fill(&p->tables[S_OUTCOME], f->outcome, S_OUTCOMES, f->contacts);
    if (rc == RELAIS_OK)
        rc = s_table_fill(&p->tables[S_TRANSFERS], NULL, S_KINDS + f->hub_count, f->transfers);
    if (rc == RELAIS_OK)
        rc = s_table_fill(&p->tables[S_DUE], due, 2, f->due);
    /* Items are things, not people; but a found wallet or a declared loss is a resident's, and
     * their per-category counts go through the same suppression as the entries' cells
     * (stats_suppress_single, in s_publication_make), against the items found as their total. */
    if (rc == RELAIS_OK)
        rc = s_table_fill(&p->tables[S_FOUND], f->found_category, S_ITEMS, f->found);
    if (rc == RELAIS_OK)
        rc = s_table_fill(&p->tables[S_RETURNS], returns, 2, f->returned + f->ended);
    if (rc == RELAIS_OK)
        rc = s_table_fill(&p->tables[S_DECLARED], declared, 2, f->declared);
    if (rc)
        return rc;
    if (f->hub_count) {
        p->hubs = malloc(f->hub_count * sizeof *p->hubs);
        if (!p->hubs)
            return relais_status_set(RELAIS_E_NOMEM, "reception figures: recipients");
        for (size_t i = 0; i < f->hub_count; i++)
            p->hubs[i] = &f->hubs[i];
        qsort(p->hubs, f->hub_count, sizeof *p->hubs, s_hub_order);
    }
    s_table_t *t = &p->tables[S_TRANSFERS];
    for (size_t i = 0; i < t->n; i++)
        t->cells[i] = (stats_cell_t){.count = i < S_KINDS ? f->kinds[i] : p->hubs[i - S_KINDS]->count,
                                     .label = (int32_t)i};
    for (int i = S_TRANSFERS; i < S_TABLES; i++)
        p->tables[i].own_total = 1;
    return RELAIS_OK;
}

static int s_publication_make(const relais_reception_figures_t *f, unsigned threshold, s_publication_t *p)
{
    memset(p, 0, sizeof *p);
    p->figures = f;
    p->threshold = threshold;
    int rc = s_tables_build(f, p);
    if (rc) {
        s_publication_clear(p);
        return rc;
    }
    p->withheld = f->contacts < threshold; /* rule 1 */
    for (int i = 0; i < S_TABLES && !p->withheld; i++) {
        s_table_t *t = &p->tables[i];
        int lost = i >= S_FOUND;
        if (t->own_total && t->total && t->total < threshold) {
            t->withheld = 1;
            /* a reader knows it holds 1 to t - 1: a single value at t = 2, unless it may also be
             * a lost and found's table withheld below (relais_stats.h) */
            p->withheld |= threshold - 1 < 2 && !lost;
            continue;
        }
        int protected = 1;
        rc = stats_suppress_single(t->cells, t->n, t->total, threshold, &protected);
        if (rc) {
            s_publication_clear(p);
            return rc;
        }
        /* rule 4; for the lost and found, withholding its table (and its total) is enough */
        if (lost)
            t->withheld |= !protected;
        else
            p->withheld |= !protected;
    }
    return RELAIS_OK;
}

static int s_table_secret(const s_publication_t *p, s_table_id_t id)
{
    return p->withheld || p->tables[id].withheld;
}

/* The published share of a pair table (answered in time of the due requests, returned of the
 * closed found items), in tenths of a percent; -1 when there is none to publish (a total of 0),
 * -2 when it is secret. */
static int64_t s_share_tenths(const s_publication_t *p, s_table_id_t id)
{
    const s_table_t *t = &p->tables[id];
    if (s_table_secret(p, id) || t->cells[S_IN_TIME].secret || t->cells[S_LATE].secret)
        return -2;
    if (!t->total)
        return -1;
    /* counts <= 2^53: in_time * 1000 stays under 2^63 */
    return (int64_t)((t->cells[S_IN_TIME].count * 1000 + t->total / 2) / t->total);
}

/* The stored label of a cell of a table (week, channel, ... transfers) into buf or static text. */
static const char *s_cell_key(const s_publication_t *p, s_table_id_t id, const stats_cell_t *c, char buf[S_KEY_LEN])
{
    switch (id) {
    case S_WEEK:
        s_week_label(p->figures->first_week + c->label, buf);
        return buf;
    case S_CHANNEL: return s_channels[c->label].key;
    case S_CATEGORY: return s_categories[c->label].key;
    case S_OUTCOME: return s_outcomes[c->label].key;
    case S_FOUND: return s_items[c->label].key;
    case S_TRANSFERS:
        if (c->label < (int32_t)S_KINDS)
            return s_kinds[c->label].key;
        snprintf(buf, S_KEY_LEN, S_HUB_PREFIX "%s", p->hubs[c->label - (int32_t)S_KINDS]->name);
        return buf;
    default: return c->label == S_IN_TIME ? "in_time" : "late";
    }
}

/* ---- JSON -------------------------------------------------------------------------------- */

static json_t *s_count_json(int secret, uint64_t count)
{
    return secret ? json_string("secret") : json_integer((json_int_t)count);
}

static json_t *s_table_json(const s_publication_t *p, s_table_id_t id)
{
    if (s_table_secret(p, id))
        return json_string("secret");
    const s_table_t *t = &p->tables[id];
    json_t *table = json_object();
    int ok = table != NULL;
    if (ok && s_is_pair(id)) {
        s_pair_keys_t keys = s_pair_keys(id);
        ok = json_object_set_new(table, keys.total, json_integer((json_int_t)t->total)) == 0 &&
             json_object_set_new(table, keys.count,
                                 s_count_json(t->cells[S_IN_TIME].secret, t->cells[S_IN_TIME].count)) == 0;
        if (ok && keys.percent) {
            int64_t share = s_share_tenths(p, id);
            json_t *percent = share == -2   ? json_string("secret")
                              : share == -1 ? json_null()
                                            : json_real((double)share / 10);
            ok = json_object_set_new(table, keys.percent, percent) == 0;
        }
    } else if (ok) {
        if (t->own_total)
            ok = json_object_set_new(table, "total", json_integer((json_int_t)t->total)) == 0;
        for (size_t i = 0; ok && i < t->n; i++) {
            char buf[S_KEY_LEN];
            ok = json_object_set_new(table, s_cell_key(p, id, &t->cells[i], buf),
                                     s_count_json(t->cells[i].secret, t->cells[i].count)) == 0;
        }
    }
    if (!ok) {
        json_decref(table);
        return NULL;
    }
    return table;
}

int relais_reception_figures_publish_json(const relais_reception_figures_t *self, unsigned threshold, char **out)
{
    if (!self || !out)
        return relais_status_set(RELAIS_E_INVALID, "no reception figures to publish");
    s_publication_t p;
    int rc = s_publication_make(self, threshold, &p);
    if (rc)
        return rc;
    char from[S_DATE_LEN], to[S_DATE_LEN];
    s_date_label(self->from_day, from);
    s_date_label(self->to_day, to);
    json_t *root = json_object();
    int ok = root && json_object_set_new(root, "threshold", json_integer(threshold)) == 0 &&
             json_object_set_new(root, "from", json_string(from)) == 0 &&
             json_object_set_new(root, "to", json_string(to)) == 0 &&
             json_object_set_new(root, "contacts", s_count_json(p.withheld, self->contacts)) == 0;
    for (int i = 0; ok && i < S_TABLES; i++)
        ok = json_object_set_new(root, s_table_keys[i], s_table_json(&p, (s_table_id_t)i)) == 0;
    /* the share is the only real: four digits print 0.5, 93.4 and 100.0 as they are */
    char *text = ok ? json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(4)) : NULL;
    json_decref(root);
    s_publication_clear(&p);
    if (!text)
        return relais_status_set(RELAIS_E_NOMEM, "reception figures: publication");
    *out = text;
    return RELAIS_OK;
}

/* ---- CSV --------------------------------------------------------------------------------- */

typedef struct {
    char *data;
    size_t len, cap;
    int failed; /* out of memory once: every later append is dropped */
} s_buf_t;

__attribute__((format(printf, 2, 3))) static void s_append(s_buf_t *b, const char *fmt, ...)
{
    if (b->failed)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->data ? b->data + b->len : NULL, b->data ? b->cap - b->len : 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = 1;
        return;
    }
    if (b->data && (size_t)n < b->cap - b->len) {
        b->len += (size_t)n;
        return;
    }
    size_t cap = b->cap ? b->cap : 4096;
    while (cap - b->len <= (size_t)n)
        cap *= 2;
    char *data = realloc(b->data, cap);
    if (!data) {
        b->failed = 1;
        return;
    }
    b->data = data;
    b->cap = cap;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

static void s_csv_count(s_buf_t *b, const char *table, const char *label, int secret, uint64_t count)
{
    if (secret)
        s_append(b, "%s,%s,secret\r\n", table, label);
    else
        s_append(b, "%s,%s,%" PRIu64 "\r\n", table, label, count);
}

static void s_csv_table(s_buf_t *b, const s_publication_t *p, s_table_id_t id)
{
    const char *name = s_table_keys[id];
    const s_table_t *t = &p->tables[id];
    if (s_table_secret(p, id)) {
        s_append(b, "%s,,secret\r\n", name);
        return;
    }
    if (s_is_pair(id)) {
        s_pair_keys_t keys = s_pair_keys(id);
        s_csv_count(b, name, keys.total, 0, t->total);
        s_csv_count(b, name, keys.count, t->cells[S_IN_TIME].secret, t->cells[S_IN_TIME].count);
        if (!keys.percent)
            return;
        int64_t share = s_share_tenths(p, id);
        if (share == -2)
            s_append(b, "%s,%s,secret\r\n", name, keys.percent);
        else if (share == -1)
            s_append(b, "%s,%s,\r\n", name, keys.percent);
        else
            s_append(b, "%s,%s,%" PRId64 ".%" PRId64 "\r\n", name, keys.percent, share / 10, share % 10);
        return;
    }
    if (t->own_total)
        s_csv_count(b, name, "total", 0, t->total);
    for (size_t i = 0; i < t->n; i++) {
        char buf[S_KEY_LEN];
        s_csv_count(b, name, s_cell_key(p, id, &t->cells[i], buf), t->cells[i].secret, t->cells[i].count);
    }
}

int relais_reception_figures_publish_csv(const relais_reception_figures_t *self, unsigned threshold, char **out)
{
    if (!self || !out)
        return relais_status_set(RELAIS_E_INVALID, "no reception figures to publish");
    s_publication_t p;
    int rc = s_publication_make(self, threshold, &p);
    if (rc)
        return rc;
    char from[S_DATE_LEN], to[S_DATE_LEN];
    s_date_label(self->from_day, from);
    s_date_label(self->to_day, to);
    s_buf_t b = {0};
    s_append(&b, "table,label,count\r\nthreshold,,%u\r\nfrom,,%s\r\nto,,%s\r\n", threshold, from, to);
    s_csv_count(&b, "contacts", "", p.withheld, self->contacts);
    for (int i = 0; i < S_TABLES; i++)
        s_csv_table(&b, &p, (s_table_id_t)i);
    s_publication_clear(&p);
    if (b.failed) {
        free(b.data);
        return relais_status_set(RELAIS_E_NOMEM, "reception figures: CSV");
    }
    *out = b.data;
    return RELAIS_OK;
}

/* ---- French text ------------------------------------------------------------------------- */

/* "1er novembre 2026", "30 novembre 2026". */
static void s_date_french(int64_t day, char *out, size_t cap)
{
    int64_t year;
    int m, d;
    s_civil_from_days(day, &year, &m, &d);
    snprintf(out, cap, "%d%s %s %" PRId64, d, d == 1 ? "er" : "", stats_month_french(m - 1), year);
}

/* Whether the period holds only some days of a week (its first or last): a reader would else
 * take a week of two days for a quiet one. */
static int s_week_partial(const relais_reception_figures_t *f, int64_t week)
{
    return 7 * week - 3 < f->from_day || 7 * week + 3 > f->last_day;
}

static void s_week_french(const void *ctx, const stats_cell_t *c, char *out, size_t cap)
{
    const s_publication_t *p = ctx;
    int64_t week = p->figures->first_week + c->label, year, monday_year;
    int number, m, d;
    s_iso_week(week, &year, &number);
    s_civil_from_days(7 * week - 3, &monday_year, &m, &d);
    snprintf(out, cap, "semaine %d de %" PRId64 " (lundi %02d/%02d/%" PRId64 ")%s", number, year, d, m, monday_year,
             s_week_partial(p->figures, week) ? ", en partie" : "");
}

static void s_fixed_french(const void *ctx, const stats_cell_t *c, char *out, size_t cap)
{
    snprintf(out, cap, "%s", ((const s_label_t *)ctx)[c->label].french);
}

static void s_transfer_french(const void *ctx, const stats_cell_t *c, char *out, size_t cap)
{
    const s_publication_t *p = ctx;
    if (c->label < (int32_t)S_KINDS)
        snprintf(out, cap, "%s", s_kinds[c->label].french);
    else
        snprintf(out, cap, "partenaire du réseau %s", p->hubs[c->label - (int32_t)S_KINDS]->name);
}

static void s_count_text(char *out, size_t cap, int secret, uint64_t count)
{
    if (secret)
        snprintf(out, cap, "secret");
    else
        snprintf(out, cap, "%" PRIu64, count);
}

static void s_table_text(const s_publication_t *p, s_table_id_t id, FILE *out)
{
    static const char *const headings[S_TABLES] = {"Par semaine", "Par canal", "Par catégorie",
                                                   "Par traitement (à ce jour)", "Transmissions", NULL};
    const s_table_t *t = &p->tables[id];
    fprintf(out, "\n%s\n", headings[id]);
    if (id == S_TRANSFERS) {
        char count[24];
        s_count_text(count, sizeof count, s_table_secret(p, id), t->total);
        fprintf(out, "(une sollicitation transmise à deux destinataires compte deux fois)\nTotal : %s\n", count);
        if (s_table_secret(p, id))
            return;
    } else if (p->withheld) {
        fputs("  secret\n", out);
        return;
    }
    if (id == S_WEEK && (s_week_partial(p->figures, p->figures->first_week) ||
                         s_week_partial(p->figures, p->figures->first_week + (int64_t)t->n - 1)))
        fputs("(une semaine « en partie » n'est comptée que pour ses jours de la période)\n", out);
    if (id == S_WEEK)
        stats_text_rows(out, t->cells, t->n, s_week_french, p, 1);
    else if (id == S_TRANSFERS)
        stats_text_rows(out, t->cells, t->n, s_transfer_french, p, 0);
    else
        stats_text_rows(out, t->cells, t->n, s_fixed_french,
                        id == S_CHANNEL ? s_channels : id == S_CATEGORY ? s_categories : s_outcomes, 0);
}

static void s_share_text(const s_publication_t *p, FILE *out)
{
    const s_table_t *t = &p->tables[S_DUE];
    fputs("\nRéponse dans le délai\n", out);
    if (s_table_secret(p, S_DUE)) {
        fputs("Demandes écrites avec une date de réponse : secret.\n", out);
        return;
    }
    if (!t->total) {
        fputs("Aucune demande écrite avec une date de réponse sur la période.\n", out);
        return;
    }
    int64_t share = s_share_tenths(p, S_DUE);
    if (share < 0)
        fprintf(out,
                "Demandes écrites avec une date de réponse : %" PRIu64 ", dont répondues dans le délai : secret.\n",
                t->total);
    else
        fprintf(out,
                "Demandes écrites avec une date de réponse : %" PRIu64 ", dont %" PRIu64
                " répondues dans le délai, soit %" PRId64 ",%" PRId64 " %%.\n",
                t->total, t->cells[S_IN_TIME].count, share / 10, share % 10);
}

/* The lost and found: the items found by category, with their total, as the transfers are. */
static void s_found_text(const s_publication_t *p, FILE *out)
{
    const s_table_t *t = &p->tables[S_FOUND];
    char count[24];
    s_count_text(count, sizeof count, s_table_secret(p, S_FOUND), t->total);
    fprintf(out,
            "\nObjets trouvés\n(trouvés sur la période, par catégorie : des objets et non des personnes, mais "
            "chacun est à quelqu'un,\net les cases suivent le même secret statistique que les sollicitations)\n"
            "Total : %s\n",
            count);
    if (!s_table_secret(p, S_FOUND))
        stats_text_rows(out, t->cells, t->n, s_fixed_french, s_items, 0);
}

static void s_returns_text(const s_publication_t *p, FILE *out)
{
    const s_table_t *t = &p->tables[S_RETURNS];
    fputs("\nRestitutions\n(le taux de restitution porte sur les objets trouvés clos, rendus à leur propriétaire "
          "ou dont la garde\nest terminée ; ceux encore gardés n'y entrent pas)\n",
          out);
    if (s_table_secret(p, S_RETURNS)) {
        fputs("Objets trouvés clos : secret.\n", out);
        return;
    }
    if (!t->total) {
        fputs("Aucun objet trouvé sur la période n'est clos : pas de taux de restitution.\n", out);
        return;
    }
    int64_t share = s_share_tenths(p, S_RETURNS);
    if (share < 0)
        fprintf(out,
                "Objets trouvés clos : %" PRIu64 ", dont rendus à leur propriétaire : secret ; taux de restitution : "
                "secret.\n",
                t->total);
    else
        fprintf(out,
                "Objets trouvés clos : %" PRIu64 ", dont %" PRIu64 " rendus à leur propriétaire, soit un taux de "
                "restitution de %" PRId64 ",%" PRId64 " %% des objets clos.\n",
                t->total, t->cells[S_IN_TIME].count, share / 10, share % 10);
}

static void s_declarations_text(const s_publication_t *p, FILE *out)
{
    const s_table_t *t = &p->tables[S_DECLARED];
    fputs("\nDéclarations de perte\n(objets perdus sur la période ; retrouvées : celles auxquelles a répondu, à ce "
          "jour, la restitution\nd'un objet trouvé)\n",
          out);
    if (s_table_secret(p, S_DECLARED))
        fputs("Déclarations de perte : secret.\n", out);
    else if (!t->total)
        fputs("Aucune déclaration de perte sur la période.\n", out);
    else if (t->cells[S_IN_TIME].secret)
        fprintf(out, "Déclarations de perte : %" PRIu64 ", dont retrouvées : secret.\n", t->total);
    else
        fprintf(out, "Déclarations de perte : %" PRIu64 ", dont %" PRIu64 " retrouvées.\n", t->total,
                t->cells[S_IN_TIME].count);
}

int relais_reception_figures_publish_text(const relais_reception_figures_t *self, unsigned threshold, FILE *out)
{
    if (!self || !out)
        return relais_status_set(RELAIS_E_INVALID, "no reception figures to publish or no stream");
    s_publication_t p;
    int rc = s_publication_make(self, threshold, &p);
    if (rc)
        return rc;
    char from[64], last[64], total[24];
    s_date_french(self->from_day, from, sizeof from);
    s_date_french(self->last_day, last, sizeof last);
    s_count_text(total, sizeof total, p.withheld, self->contacts);
    fprintf(out, "Accueil Tranquillité urbaine — sollicitations du %s au %s\n\nSollicitations enregistrées : %s\n",
            from, last, total);
    if (threshold > 1)
        fprintf(out,
                "Secret statistique : toute case de moins de %u est remplacée par « secret », avec d'autres\n"
                "autant qu'il le faut pour qu'aucune ne puisse être recalculée des totaux et des cases publiées ;\n"
                "les zéros sont publiés, et un total ne l'est qu'à partir de %u.\n",
                threshold, threshold);
    else
        fprintf(out, "Secret statistique : aucun, au seuil de %u.\n", threshold);
    if (p.withheld)
        fputs("Trop peu de sollicitations pour publier un tableau sans dévoiler la démarche d'une personne : tout est "
              "secret.\n",
              out);
    for (int i = S_WEEK; i < S_DUE; i++)
        s_table_text(&p, (s_table_id_t)i, out);
    s_share_text(&p, out);
    s_found_text(&p, out);
    s_returns_text(&p, out);
    s_declarations_text(&p, out);
    s_publication_clear(&p);
    if (fflush(out) != 0 || ferror(out))
        return relais_status_set(RELAIS_E_IO, "reception figures: the text could not be written");
    return RELAIS_OK;
}
