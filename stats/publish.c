/* publish.c -- the suppression rule (told in words in relais_stats.h) and the text layout, both shared with
 * reception.c, and the cases' two published forms. */
#include "stats_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

typedef struct {
    relais_stats_dimension_t dim;
    stats_cell_t *cells; /* every label, zeros too; months from the first to the last with a case */
    size_t n;
} s_table_t;

typedef struct {
    uint64_t threshold;
    uint64_t total;
    int withheld; /* the total and every table are secret whole */
    s_table_t tables[RELAIS_STATS_DIMENSION_COUNT];
} s_publication_t;

/* ---- Arithmetic that cannot wrap ------------------------------------------------------- */

static uint64_t s_sub0(uint64_t a, uint64_t b)
{
    return a > b ? a - b : 0;
}

static uint64_t s_mul_sat(uint64_t a, uint64_t b)
{
    uint64_t r;
    return __builtin_mul_overflow(a, b, &r) ? UINT64_MAX : r;
}

static uint64_t s_add_sat(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t s_min(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

/* ---- Whether a table's secret cells are safe -------------------------------------------
 * What a reader knows, and what these checks grant: the published cells, the total, and the
 * rule, so that each secret cell holds from 1 case (zeros are published) to `cap`, the smallest
 * non-zero cell still published (primary cells are under the threshold, complementary ones are
 * taken smallest first); `cap` is the total when none is left. */

/* The lowest value a secret domain may take when `m` cases have a domain: the domains together
 * hold them all, and the other nsd - 1 secret domains hold min(cap, m) each at the most. */
static uint64_t s_domain_low(uint64_t m, uint64_t published_sum, uint64_t nsd, uint64_t cap)
{
    uint64_t low = s_sub0(s_sub0(m, published_sum), s_mul_sat(nsd - 1, s_min(cap, m)));
    return low ? low : 1;
}

/* The domain table, cells 0 to 4 the domains and 5 "unspecified" (u). With M = total - u cases
 * that have a domain, counts are those of some set of cases exactly when every domain holds at
 * most M and the domains together at least M. Each secret cell must admit two values under
 * these bounds: the lowest and the highest value it can take must differ. */
static int s_domain_protected(const stats_cell_t *cells, uint64_t total, uint64_t cap)
{
    uint64_t published_max = 0, published_sum = 0, nsd = 0;
    for (size_t i = 0; i < 5; i++) {
        const stats_cell_t *c = &cells[i];
        if (c->secret)
            nsd++;
        else {
            published_sum += c->count;
            published_max = c->count > published_max ? c->count : published_max;
        }
    }
    /* the range of M: fixed when u is published; else from u in [1, cap], bounded below by
     * every domain (a secret one holds 1 at least) and above by what the domains can hold */
    const stats_cell_t *u = &cells[5];
    uint64_t m_low = total - u->count, m_high = m_low;
    if (u->secret) {
        m_low = published_max;
        if (nsd && m_low < 1)
            m_low = 1;
        if (m_low < s_sub0(total, cap))
            m_low = s_sub0(total, cap);
        m_high = s_min(total - 1, s_add_sat(published_sum, s_mul_sat(nsd, cap)));
        if (m_low >= m_high)
            return 0; /* "unspecified" has one value */
    }
    if (!nsd)
        return 1;
    /* a secret domain ranges over [s_domain_low(M), min(cap, M)] for each M in the range: the
     * highest value is at m_high; the lowest is at an end of the range, or where min(cap, M)
     * bends (s_domain_low falls, stays or rises linearly below cap, rises above) */
    uint64_t high = s_min(cap, m_high);
    uint64_t low = s_min(s_domain_low(m_low, published_sum, nsd, cap), s_domain_low(m_high, published_sum, nsd, cap));
    if (cap > m_low && cap < m_high)
        low = s_min(low, s_domain_low(cap, published_sum, nsd, cap));
    return low < high;
}

/* Whether a table with k secret cells holding `sum` cases together is safe (see relais_stats.h);
 * `domain`: the cells are the domain table's, else a single-valued table's. */
static int s_protected(const stats_cell_t *cells, int domain, uint64_t total, uint64_t threshold, uint64_t k,
                       uint64_t sum, uint64_t cap)
{
    if (k == 0)
        return 1;
    if (k == 1 || sum < threshold || sum < k + 1)
        return 0;
    if (domain)
        return s_domain_protected(cells, total, cap);
    /* the cells sum to the total, so the secret ones to `sum`: each lies in
     * [max(1, sum - (k - 1) cap), min(cap, sum - (k - 1))], the others taking the rest */
    uint64_t low = s_sub0(sum, s_mul_sat(k - 1, cap));
    return (low ? low : 1) < s_min(cap, sum - (k - 1));
}

/* ---- The rule ---------------------------------------------------------------------------- */

typedef struct {
    uint64_t count;
    size_t at;
} s_candidate_t;

/* Smallest first, the first label on ties. */
static int s_candidate_order(const void *a, const void *b)
{
    const s_candidate_t *x = a, *y = b;
    if (x->count != y->count)
        return x->count < y->count ? -1 : 1;
    return (x->at > y->at) - (x->at < y->at);
}

/* Primary then complementary suppression in one table of n cells; *protected is false when even
 * all its non-zero cells secret do not protect it (then nothing may be published, see rule 4). */
static int s_suppress(stats_cell_t *cells, size_t n, int domain, uint64_t total, uint64_t threshold, int *protected)
{
    uint64_t k = 0, sum = 0;
    size_t n_candidates = 0;
    for (size_t i = 0; i < n; i++) {
        stats_cell_t *c = &cells[i];
        if (c->count && c->count < threshold) {
            c->secret = 1;
            k++;
            sum += c->count;
        } else if (c->count) {
            n_candidates++;
        }
    }
    *protected = 1;
    if (!k)
        return RELAIS_OK;
    s_candidate_t *candidates = NULL;
    if (n_candidates) {
        candidates = malloc(n_candidates * sizeof *candidates);
        if (!candidates)
            return relais_status_set(RELAIS_E_NOMEM, "statistics: suppression");
        for (size_t i = 0, j = 0; i < n; i++)
            if (!cells[i].secret && cells[i].count)
                candidates[j++] = (s_candidate_t){cells[i].count, i};
        qsort(candidates, n_candidates, sizeof *candidates, s_candidate_order);
    }
    /* sorted once: each step makes the next candidate secret, and the one after is the cap */
    size_t next = 0;
    while (!s_protected(cells, domain, total, threshold, k, sum, next < n_candidates ? candidates[next].count : total)) {
        if (next == n_candidates) {
            *protected = 0;
            break;
        }
        cells[candidates[next].at].secret = 1;
        k++;
        sum += candidates[next].count;
        next++;
    }
    free(candidates);
    return RELAIS_OK;
}

int stats_suppress_single(stats_cell_t *cells, size_t n, uint64_t total, uint64_t threshold, int *protected)
{
    return s_suppress(cells, n, 0, total, threshold, protected);
}

int relais_stats_suppress(const uint64_t *counts, size_t n, uint64_t total, unsigned threshold, int *secret,
                          int *protected)
{
    if (!protected || (n && (!counts || !secret)))
        return relais_status_set(RELAIS_E_INVALID, "statistics: a table to suppress");
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        if (counts[i] > RELAIS_STATS_MAX_CASES)
            return relais_status_set(RELAIS_E_INVALID, "statistics: a count above the most a table holds");
        sum += counts[i]; /* checked at each step: never past 2^54, so never wraps */
        if (sum > RELAIS_STATS_MAX_CASES)
            return relais_status_set(RELAIS_E_INVALID, "statistics: a table above the most it holds");
    }
    if (sum != total)
        return relais_status_set(RELAIS_E_INVALID, "statistics: the cells do not sum to the table's total");
    *protected = 1;
    if (!n)
        return RELAIS_OK;
    stats_cell_t *cells = calloc(n, sizeof *cells);
    if (!cells)
        return relais_status_set(RELAIS_E_NOMEM, "statistics: suppression");
    for (size_t i = 0; i < n; i++)
        cells[i] = (stats_cell_t){.count = counts[i], .label = (int32_t)i};
    int rc = stats_suppress_single(cells, n, total, threshold, protected);
    for (size_t i = 0; rc == RELAIS_OK && i < n; i++)
        secret[i] = cells[i].secret;
    free(cells);
    return rc;
}

static int s_table_build(const relais_stats_t *stats, relais_stats_dimension_t dim, s_table_t *t)
{
    t->dim = dim;
    if (dim == RELAIS_STATS_MONTH) {
        if (!stats->month_count)
            return RELAIS_OK;
        int32_t first = stats->months[0].key;
        t->n = (size_t)(stats->months[stats->month_count - 1].key - first) + 1;
        t->cells = calloc(t->n, sizeof *t->cells);
        if (!t->cells)
            return relais_status_set(RELAIS_E_NOMEM, "statistics: months");
        for (size_t i = 0; i < t->n; i++)
            t->cells[i].label = first + (int32_t)i;
        for (size_t i = 0; i < stats->month_count; i++)
            t->cells[stats->months[i].key - first].count = stats->months[i].count;
        return RELAIS_OK;
    }
    t->n = stats_label_count(dim);
    t->cells = calloc(t->n, sizeof *t->cells);
    if (!t->cells)
        return relais_status_set(RELAIS_E_NOMEM, "statistics: tables");
    for (size_t i = 0; i < t->n; i++)
        t->cells[i] = (stats_cell_t){.count = stats->cells[dim][i], .label = (int32_t)i};
    return RELAIS_OK;
}

static void s_publication_clear(s_publication_t *p)
{
    for (int d = 0; d < RELAIS_STATS_DIMENSION_COUNT; d++)
        free(p->tables[d].cells);
    memset(p, 0, sizeof *p);
}

static int s_publication_make(const relais_stats_t *stats, unsigned threshold, s_publication_t *p)
{
    memset(p, 0, sizeof *p);
    p->threshold = threshold;
    p->total = stats->cases;
    p->withheld = p->total < p->threshold;
    for (int d = 0; d < RELAIS_STATS_DIMENSION_COUNT; d++) {
        int rc = s_table_build(stats, (relais_stats_dimension_t)d, &p->tables[d]);
        int protected = 1;
        if (rc == RELAIS_OK && !p->withheld)
            rc = s_suppress(p->tables[d].cells, p->tables[d].n, d == RELAIS_STATS_DOMAIN, p->total, p->threshold,
                            &protected);
        if (rc) {
            s_publication_clear(p);
            return rc;
        }
        p->withheld |= !protected;
    }
    return RELAIS_OK;
}

/* ---- JSON -------------------------------------------------------------------------------- */

static void s_cell_key(const s_table_t *t, const stats_cell_t *c, char out[STATS_MONTH_LABEL_LEN], const char **key)
{
    if (t->dim == RELAIS_STATS_MONTH) {
        stats_month_label(c->label, out);
        *key = out;
    } else {
        *key = stats_label_key(t->dim, (size_t)c->label);
    }
}

static json_t *s_table_json(const s_publication_t *p, const s_table_t *t)
{
    if (p->withheld)
        return json_string("secret");
    json_t *table = json_object();
    int ok = table != NULL;
    for (size_t i = 0; ok && i < t->n; i++) {
        char month[STATS_MONTH_LABEL_LEN];
        const char *key;
        s_cell_key(t, &t->cells[i], month, &key);
        ok = json_object_set_new(table, key,
                                 t->cells[i].secret ? json_string("secret")
                                                    : json_integer((json_int_t)t->cells[i].count)) == 0;
    }
    if (!ok) {
        json_decref(table);
        return NULL;
    }
    return table;
}

int relais_stats_publish_json(const relais_stats_t *self, unsigned threshold, char **out)
{
    if (!self || !out)
        return relais_status_set(RELAIS_E_INVALID, "no statistics to publish");
    s_publication_t p;
    int rc = s_publication_make(self, threshold, &p);
    if (rc)
        return rc;
    json_t *root = json_object();
    int ok = root && json_object_set_new(root, "threshold", json_integer(threshold)) == 0 &&
             json_object_set_new(root, "cases", p.withheld ? json_string("secret") : json_integer((json_int_t)p.total)) ==
                 0;
    for (int d = 0; ok && d < RELAIS_STATS_DIMENSION_COUNT; d++)
        ok = json_object_set_new(root, relais_stats_dimension_name((relais_stats_dimension_t)d),
                                 s_table_json(&p, &p.tables[d])) == 0;
    char *text = ok ? json_dumps(root, JSON_INDENT(2)) : NULL;
    json_decref(root);
    s_publication_clear(&p);
    if (!text)
        return relais_status_set(RELAIS_E_NOMEM, "statistics: publication");
    *out = text;
    return RELAIS_OK;
}

/* ---- French text ------------------------------------------------------------------------- */

static const char *const s_month_names[12] = {"janvier", "février", "mars",      "avril",   "mai",      "juin",
                                              "juillet", "août",    "septembre", "octobre", "novembre", "décembre"};

const char *stats_month_french(int month)
{
    return month >= 0 && month < 12 ? s_month_names[month] : "?";
}

#define S_BAR_WIDTH 40 /* characters of the longest bar */

static void s_cell_french(const void *table, const stats_cell_t *c, char *out, size_t cap)
{
    const s_table_t *t = table;
    if (t->dim == RELAIS_STATS_MONTH)
        snprintf(out, cap, "%s %d", s_month_names[c->label % 12], (int)(c->label / 12));
    else
        snprintf(out, cap, "%s", stats_label_french(t->dim, (size_t)c->label));
}

/* A bar in eighths of a block; a non-zero count gets one eighth at least, so that it shows. */
static void s_bar(FILE *out, uint64_t count, uint64_t longest)
{
    static const char *const s_parts[8] = {"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"};
    if (!count || !longest)
        return;
    uint64_t eighths = count * S_BAR_WIDTH * 8 / longest; /* count <= 2^53: no overflow */
    if (!eighths)
        eighths = 1;
    for (uint64_t i = 0; i < eighths / 8; i++)
        fputs("█", out);
    fputs(s_parts[eighths % 8], out);
}

void stats_text_rows(FILE *out, const stats_cell_t *cells, size_t n, stats_french_fn label, const void *ctx, int bars)
{
    size_t label_width = 0, count_width = strlen("secret");
    uint64_t longest = 0;
    for (size_t i = 0; i < n; i++) {
        char text[STATS_FRENCH_LABEL_LEN], count[24];
        label(ctx, &cells[i], text, sizeof text);
        label_width = relais_utf8_chars(text) > label_width ? relais_utf8_chars(text) : label_width;
        if (!cells[i].secret) {
            snprintf(count, sizeof count, "%" PRIu64, cells[i].count);
            count_width = strlen(count) > count_width ? strlen(count) : count_width;
            longest = cells[i].count > longest ? cells[i].count : longest;
        }
    }
    for (size_t i = 0; i < n; i++) {
        const stats_cell_t *c = &cells[i];
        char text[STATS_FRENCH_LABEL_LEN], count[24];
        label(ctx, c, text, sizeof text);
        if (c->secret)
            snprintf(count, sizeof count, "secret");
        else
            snprintf(count, sizeof count, "%" PRIu64, c->count);
        fprintf(out, "  %s%*s  %*s", text, (int)(label_width - relais_utf8_chars(text)), "", (int)count_width, count);
        if (bars && !c->secret && c->count) {
            fputs("  ", out);
            s_bar(out, c->count, longest);
        }
        fputc('\n', out);
    }
}

static void s_table_text(const s_publication_t *p, const s_table_t *t, FILE *out)
{
    fprintf(out, "\n%s\n", stats_heading(t->dim));
    if (t->dim == RELAIS_STATS_DOMAIN)
        fputs("(un dossier compte dans chacun de ses domaines : les lignes ne font pas le total)\n", out);
    if (p->withheld) {
        fputs("  secret\n", out);
        return;
    }
    if (!t->n) {
        fputs("  aucun dossier\n", out);
        return;
    }
    stats_text_rows(out, t->cells, t->n, s_cell_french, t, t->dim == RELAIS_STATS_MONTH);
}

int relais_stats_publish_text(const relais_stats_t *self, unsigned threshold, FILE *out)
{
    if (!self || !out)
        return relais_status_set(RELAIS_E_INVALID, "no statistics to publish or no stream");
    s_publication_t p;
    int rc = s_publication_make(self, threshold, &p);
    if (rc)
        return rc;
    fputs("Statistiques du partenariat\n\n", out);
    if (p.withheld)
        fputs("Dossiers comptés : secret\n", out);
    else
        fprintf(out, "Dossiers comptés : %" PRIu64 "\n", p.total);
    if (threshold > 1)
        fprintf(out,
                "Secret statistique : toute case de moins de %u dossiers est remplacée par « secret », ainsi que\n"
                "d'autres, autant qu'il en faut pour qu'aucune ne puisse être recalculée à partir des totaux et\n"
                "des cases publiées. Les zéros sont publiés ; le total ne l'est qu'à partir de %u dossiers.\n",
                threshold, threshold);
    else
        fprintf(out, "Secret statistique : aucun, au seuil de %u dossier.\n", threshold);
    if (p.withheld)
        fputs("Trop peu de dossiers pour publier un tableau sans dévoiler la situation d'un enfant : tout est secret.\n",
              out);
    for (int d = 0; d < RELAIS_STATS_DIMENSION_COUNT; d++)
        s_table_text(&p, &p.tables[d], out);
    s_publication_clear(&p);
    if (fflush(out) != 0 || ferror(out))
        return relais_status_set(RELAIS_E_IO, "statistics: the text could not be written");
    return RELAIS_OK;
}
