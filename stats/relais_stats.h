/* relais_stats.h -- the partnership's statistics that outlive the cases: counts, published with small-cell suppression.
 *
 * A case is erased when its retention period ends (storage limitation); what the partnership's
 * reports need of it survives only as counts, never as a row: in a small town the row "girl, 9,
 * CMP, 14 months" may be one child. An aggregate keeps one table of counts per dimension (month
 * of opening, source, domain, age band, duration band, outcome) and never their crossings, which
 * would bring the rows back.
 *
 * The stored form (relais_stats_encode) is the aggregate as it is, for the hub's own keeping; a
 * published table (relais_stats_publish_json, _text) goes through the suppression rule below.
 *
 * ---- The suppression rule, threshold t (RELAIS_STATS_THRESHOLD_DEFAULT unless set) ---------
 *
 * 1. The total is published only when it is at least t; otherwise every table is secret whole
 *    (its rows too) and so is the total.
 * 2. In each table, every cell with 0 < count < t is secret (primary suppression). Zeros are
 *    published: an empty cell is nobody.
 * 3. Then, while the table's secret cells could still be recomputed, the smallest published
 *    non-zero cell becomes secret too (complementary suppression; ties go to the first label).
 *    They could be recomputed while there is exactly one secret cell, or while the secret cells
 *    hold fewer than t cases together, or while some secret cell admits a single value given
 *    what a reader knows: the published cells, the total, and the rule itself, so that every
 *    secret cell holds at least one case (zeros are published) and at most as many as the
 *    smallest published non-zero cell of its table (primary cells are under t, complementary
 *    ones are taken smallest first).
 * 4. When a table cannot be protected even with all its non-zero cells secret (it happens only
 *    with a handful of cases, each non-zero cell holding one), the whole publication is secret,
 *    as in 1. Withholding that table alone would not do: a reader who knows the rule would
 *    know why, and so what its cells hold.
 *
 * For every dimension but the domain, each case counts in exactly one cell, so the cells sum
 * to the total and the secret cells to the total less the published ones: with k >= 2 secret
 * cells summing to S, each may hold any value from 1 to S - k + 1, two values at least once
 * S >= k + 1. The domain table is multi-valued (a case counts once in each of its domains,
 * "unspecified" when it has none), so its cells do not sum to the total; what ties them is
 * looser, inequalities: with u cases unspecified, no domain holds more than total - u cases and
 * the domains together at least total - u. Step 3 checks each of its secret cells against these
 * bounds exactly (one of them alone could else be pinned: a published domain that holds
 * total - 1 cases caps a secret "unspecified" at 1).
 *
 * What the rule does not cover: two publications that differ by a few cases (this year to
 * March, then to April) can be subtracted from each other. Publish each period once, or
 * periods far apart.
 *
 * Depends on relais_proto (status codes, case state names).
 */
#ifndef RELAIS_STATS_H
#define RELAIS_STATS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "relais_proto.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The threshold under which a cell is secret, unless the partnership's agreement sets another. */
#define RELAIS_STATS_THRESHOLD_DEFAULT 5u

/* The month that duration bands count in: the mean Gregorian month (365.2425 days / 12), so that
 * a band depends neither on which months a follow-up spanned nor on the time zone. */
#define RELAIS_STATS_MONTH_MS INT64_C(2629746000)

/* The most cases an aggregate counts: 2^53 - 1, so that every count stays exact in any JSON
 * reader (a double's integers), and sums of a table never overflow. */
#define RELAIS_STATS_MAX_CASES ((UINT64_C(1) << 53) - 1)

/* The stored form's version. */
#define RELAIS_STATS_FORMAT 1

/* What a case leaves to the statistics when it is counted: no name, no date of birth, no text. */
typedef struct {
    int64_t opened_ms;   /* when the case opened; counts in its month, in local time (TZ as
                          * tzset() last read it), between the years 0 and 9999 */
    int source;          /* the ReferrerRole of its first referral: 1 SCHOOL_HEAD .. 10 OTHER, 0 unspecified */
    unsigned domains;    /* bit (1 << Domain value) per domain, 1 EDUCATIONAL .. 5 HEALTH; none (or
                          * bit 0 alone, DOMAIN_UNSPECIFIED) counts as "unspecified" */
    int age_years;       /* the child's age when the case opened; < 0 unknown */
    int64_t duration_ms; /* opening to closing, or to the last event; < 0 unknown */
    int outcome;         /* a relais_case_state_t; 0 counts as "unspecified" */
} relais_stats_case_t;

/* The dimensions, in the order every form lists them. Their stored labels (lowercase, stable):
 *   month     "YYYY-MM"
 *   source    school-head, teacher, rased, guidance-counsellor, municipal-youth,
 *             municipal-social, pmi, cmp, parent, other, unspecified
 *   domain    educational, periscolaire, cultural, social, health, unspecified
 *   age       0-5, 6-10, 11-14, 15-17, 18+, unknown (years at opening)
 *   duration  "<3 months", "3-12 months", "12-24 months", ">24 months", unknown: a band holds its
 *             lower bound, and 24 months to the millisecond is still 12-24
 *   outcome   the case state names (relais_case_state_name: "closed-completed", ...), unspecified */
typedef enum {
    RELAIS_STATS_MONTH = 0,
    RELAIS_STATS_SOURCE,
    RELAIS_STATS_DOMAIN,
    RELAIS_STATS_AGE,
    RELAIS_STATS_DURATION,
    RELAIS_STATS_OUTCOME,
    RELAIS_STATS_DIMENSION_COUNT
} relais_stats_dimension_t;

/* "month", "source", ...: the dimension's key in the stored and published JSON; NULL for a
 * value that is no dimension. */
const char *relais_stats_dimension_name(relais_stats_dimension_t dim);

/* ---- The aggregate --------------------------------------------------------------------- */

typedef struct relais_stats relais_stats_t;

/* An empty aggregate. Errors: RELAIS_E_NOMEM. */
int relais_stats_new(relais_stats_t **out);

void relais_stats_destroy(relais_stats_t **self_p);

/* Counts one case in every table. Errors: RELAIS_E_INVALID (a source, outcome or domain bit
 * this build does not know, an opening outside the years 0 to 9999, or the aggregate at
 * RELAIS_STATS_MAX_CASES), RELAIS_E_NOMEM; on error nothing is counted. */
int relais_stats_add(relais_stats_t *self, const relais_stats_case_t *c);

/* Adds every count of `src` to `dst` (two hubs' or two years' statistics). Errors:
 * RELAIS_E_INVALID (the sum would pass RELAIS_STATS_MAX_CASES), RELAIS_E_NOMEM; on error
 * `dst` is as it was. */
int relais_stats_merge(relais_stats_t *dst, const relais_stats_t *src);

/* How many cases it counts. */
uint64_t relais_stats_total(const relais_stats_t *self);

/* The count of one cell, by its stored label ("pmi", "6-10", "2026-03"); a month without cases
 * is 0. Errors: RELAIS_E_INVALID (no such dimension or label). */
int relais_stats_count(const relais_stats_t *self, relais_stats_dimension_t dim, const char *label,
                       uint64_t *count);

/* ---- The stored form ------------------------------------------------------------------- */

/* The aggregate as compact JSON, every count unsuppressed (the hub's own copy, never for
 * publishing): {"version":1,"cases":N,"month":{"2026-03":4,...},"source":{"pmi":2,...},
 * "domain":{...},"age":{...},"duration":{...},"outcome":{...}}, non-zero cells only, months in
 * order. *json (NUL-terminated, *len bytes before the NUL) is the caller's to free. Errors:
 * RELAIS_E_NOMEM. */
int relais_stats_encode(const relais_stats_t *self, char **json, size_t *len);

/* Reads the stored form back. Strict, as a reader of bytes that may have been altered: every
 * key above present and no other, integers only, counts from 0 to RELAIS_STATS_MAX_CASES, known
 * labels only, each single-valued table summing to "cases", and the domain table within its
 * bounds (no domain above the cases that have one, together at least as many); a zero cell is
 * taken. Errors: RELAIS_E_MALFORMED with a detail naming what is wrong, RELAIS_E_VERSION (a
 * later format), RELAIS_E_NOMEM. On success *out is the caller's. */
int relais_stats_decode(const uint8_t *buf, size_t len, relais_stats_t **out);

/* ---- Publishing ------------------------------------------------------------------------ */

/* The tables after the suppression rule (see the top of this file), as indented JSON:
 * {"threshold":5,"cases":N,"month":{"2026-03":12,"2026-04":"secret",...},"source":{...},...};
 * every label of a table is listed, zeros too (months from the first to the last with a case);
 * a secret cell is the string "secret", and so is a table or total withheld whole. *out is the
 * caller's to free. Errors: RELAIS_E_NOMEM. */
int relais_stats_publish_json(const relais_stats_t *self, unsigned threshold, char **out);

/* The same tables for a coordinator to read, in French: a title, the total, the rule in a
 * sentence, then one table per dimension, secret cells written "secret", and the months drawn
 * as bars (a secret month as nothing). Errors: RELAIS_E_IO (the stream refused a write),
 * RELAIS_E_NOMEM. */
int relais_stats_publish_text(const relais_stats_t *self, unsigned threshold, FILE *out);

#ifdef __cplusplus
}
#endif

#endif
