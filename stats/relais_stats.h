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

/* Rules 2 to 4 for a table counted elsewhere (the coordinator's desk draws its charts' figures
 * through it), so that every count the project shows goes through one rule: `n` counts of one
 * single-valued table (each counted thing in exactly one cell) summing to `total`. Sets secret[i]
 * (room n) for each cell the rule makes secret, and *protected to 0 when even all its non-zero
 * cells secret do not protect it (rule 4: the caller withholds what the table belongs to). Rule 1,
 * a total under the threshold, is the caller's. Errors: RELAIS_E_INVALID (NULL where n > 0, counts
 * that do not sum to `total`, a count above RELAIS_STATS_MAX_CASES), RELAIS_E_NOMEM. */
int relais_stats_suppress(const uint64_t *counts, size_t n, uint64_t total, unsigned threshold, int *secret,
                          int *protected);

/* ---- The reception desk's figures ----------------------------------------------------------
 *
 * The Tranquillité urbaine reception desk registers every call, visit, letter, e-mail and form
 * (docs/reception.md); what the town reads of it are counts over a period, told here, and
 * published with the suppression rule at the top of this file. A resident is as findable in a
 * small cell as a child is: "2 letters about a decree in week 49" may be two neighbours that
 * the street knows. Counts only: an entry gives no name, no address, no text to them.
 *
 * The tables, in the order every form lists them, by their stored labels:
 *   week              each ISO week of the period (Monday first, local time), zeros too: "2026-W49"
 *   channel           call, visit, letter, email, form, unspecified
 *   category          noise, neighbourhood-dispute, incivility, public-space, parking-traffic,
 *                     victim-support, lost-property, decree-information, other, unspecified
 *   outcome           the entry's handling now: answered-on-spot, follow-up, transferred, closed,
 *                     unspecified
 *   transfers         police-municipale, police-nationale, victim-support-association,
 *                     municipal-service, then "hub:<identity name>" for each partner of the hub
 *                     that received one, by name
 *   answered_in_time  "due", the written requests with a response due date; "in_time", those
 *                     answered no later than the end of it; and their share of "due"
 * Each is single-valued: each thing it counts is in exactly one cell. The first four count the
 * entries and sum to the publication's total, "contacts". The two others have totals of their
 * own: the transfers table counts transfers, not entries (an entry transferred to two recipients
 * counts twice, once in each), and sums to the number of transfers; answered_in_time is the
 * table {in time, not in time} of the "due" requests.
 *
 * The rule is that of the cases, rules 1 to 4 (the same code: publish.c), with "contacts" as the
 * total. What a table with a total of its own adds:
 *  - under the threshold t, such a total is secret with its whole table (0 is published: it is
 *    nobody). A reader then knows it holds from 1 to t - 1: two values at least when t >= 3; at
 *    t = 2 it could only be 1, and the whole publication is secret, as in rule 4.
 *  - at t or more, rules 2 to 4 apply to its cells against its own total.
 * So the share answered in time is published only when "due" is at least t and neither the
 * answered nor the not-answered count is a small cell (0 < count < t); else it is secret, and
 * both counts with it (rule 3: one secret count is "due" less the other). A share is no shield:
 * 100 % of 3 requests tells each of the 3 residents that the 2 others were answered in time, and
 * 33 % of 3 tells the one answered in time that the 2 others were not.
 *
 * As for the cases, two publications of nearly the same entries (November, then November and
 * the 1st of December) can be subtracted from each other: publish each period once.
 *
 * The lost and found's figures, over the same period (an item counts when it was found, or for a
 * declared loss when it was lost: relais_lost_record_t's when_ms), in three tables after those:
 *   items_found        the found items by category: keys, wallet, phone, bag, papers, jewellery,
 *                      clothing, glasses, electronics, bicycle, toy, other (relais_item_category_name's
 *                      spellings), unspecified; with its total, the items found
 *   items_returned     the found items that are closed, "closed": returned to their owner or whose
 *                      keeping has ended (to the finder, handed over, destroyed), and of these those
 *                      "returned" to their owner; the return rate is returned / closed: the items still
 *                      kept are in neither
 *   loss_declarations  the declarations of loss, "declared", and of these those "recovered", answered
 *                      by the return of a found item
 * Each has a total of its own and goes through the rule as the transfers and answered_in_time do:
 * an item is a thing, not a person, but a found wallet or a declared loss is someone's, and a small
 * cell of them names a resident as well as a small cell of entries does ("1 bicycle" returned in
 * November). So the return rate is published only when "closed" is at least t and neither the
 * returned nor the not-returned count is a small cell, and "recovered" likewise against "declared".
 * One difference, the reach of rule 4: a lost and found's table that cannot be protected (a handful
 * of items found, each of its own category) is withheld whole, its total with it, and the rest of
 * the publication stays; a reader who knows the rule learns from it that the table held under t
 * items, or at least t each alone in its category, not which category holds one: so also at t = 2,
 * where a withheld total is 1 or such a table. Rules 1 and 4 of the entries' tables still withhold
 * these three with everything else.
 */

/* The most weeks a period may span (about 21 years): every week is listed, zeros too, so a
 * period is a report's (a month, a year, a mandate), not the register's whole life. */
#define RELAIS_RECEPTION_MAX_WEEKS 1100u

/* The longest identity name in a "hub:<name>" transfer label. */
#define RELAIS_RECEPTION_HUB_NAME_MAX 127u

/* One entry of the reception's register, as the figures count it: no name, no text. Its values
 * are those of relais.proto's ContactLog.Channel, ContactLog.Category and Handling. */
typedef struct {
    int64_t occurred_ms; /* when the solicitation came; counts in its ISO week (Monday first), in
                          * local time (TZ as tzset() last read it) */
    int channel;         /* 1 call, 2 visit, 3 letter, 4 email, 5 form; 0 unspecified */
    int category;        /* 1 noise, 2 neighbourhood-dispute, 3 incivility, 4 public-space,
                          * 5 parking-traffic, 6 victim-support, 7 lost-property,
                          * 8 decree-information, 9 other; 0 unspecified */
    int handling;        /* its handling now: 1 answered-on-spot, 2 follow-up, 3 transferred,
                          * 4 closed; 0 unspecified */
    int has_due;         /* 1: a written request with a response due date; else 0 */
    int answered_in_time; /* 1: has_due, and closed no later than the end of its due date; else 0 */
    const char *const *transfers; /* the recipients it was transferred to, one label a transfer:
                                   * "police-municipale", "police-nationale",
                                   * "victim-support-association", "municipal-service", or
                                   * "hub:" and the partner's identity name, 1 to
                                   * RELAIS_RECEPTION_HUB_NAME_MAX of [a-z0-9._-] ("hub:cmp-sceaux") */
    size_t transfer_count; /* how many labels `transfers` holds; NULL may go with 0 */
} relais_reception_fact_t;

typedef struct relais_reception_figures relais_reception_figures_t;

/* Empty figures for the period [from_ms, to_ms): from its first millisecond to the one before
 * to_ms. Its weeks are that of from_ms, that of to_ms - 1 and all between, in local time: set TZ
 * once, before, since every add reads it again. Errors: RELAIS_E_INVALID (no period: from_ms >=
 * to_ms; a date of it or of its weeks outside the years 0 to 9999; more than
 * RELAIS_RECEPTION_MAX_WEEKS weeks), RELAIS_E_NOMEM. On success *out is the caller's. */
int relais_reception_figures_new(int64_t from_ms, int64_t to_ms, relais_reception_figures_t **out);

/* Frees the figures and sets *self_p to NULL; safe on NULL and twice. */
void relais_reception_figures_destroy(relais_reception_figures_t **self_p);

/* Counts one entry in every table, or none. Its values are checked first, whatever its time:
 * a channel, category and handling this build knows, has_due and answered_in_time 0 or 1,
 * answered_in_time only with has_due, and every transfer label one of the above. Then an entry
 * that occurred outside the period is left out, and that is no error (a caller may hand over the
 * whole register and let the figures choose); relais_reception_figures_outside counts them.
 * Errors: RELAIS_E_INVALID (a value above, with a detail naming it; or the contacts or the
 * transfers at RELAIS_STATS_MAX_CASES), RELAIS_E_NOMEM; on error nothing is counted. */
int relais_reception_figures_add(relais_reception_figures_t *self, const relais_reception_fact_t *fact);

/* How many entries the figures count (the contacts); how many valid ones they left out, having
 * occurred outside the period. */
uint64_t relais_reception_figures_total(const relais_reception_figures_t *self);
uint64_t relais_reception_figures_outside(const relais_reception_figures_t *self);

/* One item of the lost and found, as the figures count it: no description, no place, no name.
 * Its values are relais_lost_record_t's (relais.proto's LostFoundItem and LostRecord). */
typedef struct {
    int64_t when_ms; /* when it was found, or lost (the start of the window): counts in the period */
    int kind;        /* a relais_lost_kind_t: 1 found, 2 lost (a declaration of loss) */
    int category;    /* a relais_item_category_t: 1 keys .. 12 other; 0 unspecified */
    int state;       /* a relais_lost_state_t, its state now: a found item 1 kept, 3 returned or
                      * 5 ended; a declaration 2 sought, 4 recovered or 6 withdrawn */
} relais_lost_fact_t;

/* Counts one item of the lost and found, or none: as relais_reception_figures_add does an entry,
 * its values are checked first, whatever its time (a kind, a category this build knows, and a
 * state that item's kind has), then an item outside the period is left out, and that is no
 * error. The entries' counts (relais_reception_figures_total, _outside) do not change. Errors:
 * RELAIS_E_INVALID (a value above, with a detail naming it; or the found items or the
 * declarations at RELAIS_STATS_MAX_CASES); on error nothing is counted. */
int relais_reception_figures_add_item(relais_reception_figures_t *self, const relais_lost_fact_t *fact);

/* The figures after the suppression rule at threshold t (RELAIS_STATS_THRESHOLD_DEFAULT unless
 * the town's agreement sets another), in three forms of the same cells. In all three a secret
 * cell or total is written "secret", and so is a table withheld whole (no label of it is listed);
 * zeros are listed. The two forms for programs are strings, like relais_stats_publish_json; the
 * one for people is written to a stream, like relais_stats_publish_text. */

/* Indented JSON:
 *   {"threshold":5,"from":"2026-11-01","to":"2026-12-01","contacts":412,
 *    "week":{"2026-W44":31,...},"channel":{"call":198,...},"category":{...},"outcome":{...},
 *    "transfers":{"total":57,"police-municipale":21,...,"hub:cmp-sceaux":"secret"},
 *    "answered_in_time":{"due":64,"in_time":60,"share_percent":93.8},
 *    "items_found":{"total":31,"keys":6,"wallet":"secret",...,"unspecified":0},
 *    "items_returned":{"closed":20,"returned":8,"return_rate_percent":40.0},
 *    "loss_declarations":{"declared":12,"recovered":5}}
 * "from" and "to" are the local dates of from_ms and to_ms (to_ms excluded: a period of whole
 * days ends at the next midnight); share_percent is rounded to a tenth, null when "due" is 0;
 * return_rate_percent, returned / closed, likewise, null when "closed" is 0.
 * *out (NUL-terminated) is the caller's to free. Errors: RELAIS_E_INVALID (no figures or no
 * out), RELAIS_E_NOMEM. */
int relais_reception_figures_publish_json(const relais_reception_figures_t *self, unsigned threshold, char **out);

/* CSV (RFC 4180: CRLF line ends; no field is quoted, no label holding a comma, quote or line
 * end): the header "table,label,count", then one row per value of the JSON above, its key as the
 * table and its key within as the label, in the same order: "threshold,,5", "from,,2026-11-01",
 * "to,,2026-12-01", "contacts,,412", "week,2026-W44,31", ..., "transfers,total,57", ...,
 * "answered_in_time,share_percent,93.8" (an empty count when "due" is 0), "items_found,total,31",
 * ..., "items_returned,return_rate_percent,40.0", "loss_declarations,recovered,5". A table
 * withheld whole is one row with an empty label: "transfers,,secret". *out is the caller's to free. Errors:
 * RELAIS_E_INVALID (no figures or no out), RELAIS_E_NOMEM. */
int relais_reception_figures_publish_csv(const relais_reception_figures_t *self, unsigned threshold, char **out);

/* For a person to read or print, in French: a title with the period ("Accueil Tranquillité
 * urbaine — sollicitations du 1er novembre 2026 au 30 novembre 2026"), the total, the rule in
 * a sentence, one table per dimension with its French labels, the weeks drawn as bars (a secret
 * week as nothing; a week the period holds only some days of is marked "en partie"), the
 * transfers with their total, the share answered in time as a sentence, then the lost and found:
 * the items found by category with their total ("Objets trouvés"), the closed ones, those returned
 * to their owner and the return rate over the closed ones ("Restitutions"), the declarations of
 * loss and those recovered ("Déclarations de perte"). Errors:
 * RELAIS_E_INVALID (no figures or no stream), RELAIS_E_IO (the stream refused a write),
 * RELAIS_E_NOMEM. */
int relais_reception_figures_publish_text(const relais_reception_figures_t *self, unsigned threshold, FILE *out);

#ifdef __cplusplus
}
#endif

#endif
