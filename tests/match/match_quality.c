/* match_quality.c -- how well the likely-duplicate rule does on sets of pairs it was not tuned to.
 *
 * Usage: match_quality [-v] FILE.tsv...  Each line (after '#' comments) is a pair of children:
 *   kind  expected  a_family  a_given  a_birth  b_family  b_given  b_birth
 * with `expected` "duplicate" or "distinct" and given names separated by ';'. A pair is flagged
 * exactly as the hub flags it: the birth dates are equal, the two children share a key of the
 * blocking index (relais_cases_block_keys, with a fixed secret: a key's value does not matter,
 * only which children share it), and relais_cases_names_close() holds. The rule alone (equal
 * birth dates and names close, whatever the blocking) is printed beside it, with the true
 * duplicates the blocking loses (close by the rule, no key in common) and a few of them.
 * Prints the recall on duplicates and the rate of distinct pairs flagged, overall and per kind,
 * and exits 1 when a set, through the blocking index, misses more than 5 % of its duplicates or
 * flags more than 1 % of its distinct pairs (the targets), 2 when a file cannot be read.
 * -v lists each pair judged wrong and each duplicate the blocking lost.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "relais_cases.h"

#define S_MIN_RECALL 0.95
#define S_MAX_FALSE_POSITIVES 0.01
#define S_MAX_KINDS 32
#define S_MAX_GIVEN 10
#define S_LOST_EXAMPLES 6 /* duplicates lost by the blocking shown without -v */

/* Any fixed 32 bytes: the hub's secret changes the keys' values, never which children share one. */
static const uint8_t s_secret[RELAIS_CASES_SECRET_SIZE] = "match_quality: a fixed secret..";

typedef struct {
    char name[32];
    int duplicate; /* the kind's pairs are one child */
    unsigned pairs;
    unsigned rule;    /* flagged by the rule alone */
    unsigned flagged; /* flagged through the blocking index, as the hub does */
} s_kind_t;

typedef struct {
    s_kind_t kind[S_MAX_KINDS];
    size_t count;
    unsigned duplicates, duplicates_rule, duplicates_flagged, duplicates_blocked;
    unsigned distinct, distinct_rule, distinct_flagged, distinct_blocked; /* blocked: a key in common */
} s_tally_t;

/* Splits `line` at tabs in place; returns the number of fields (at most `max`). */
static size_t s_fields(char *line, char **field, size_t max)
{
    size_t n = 0;
    for (char *p = line; n < max;) {
        field[n++] = p;
        char *tab = strchr(p, '\t');
        if (!tab)
            break;
        *tab = '\0';
        p = tab + 1;
    }
    return n;
}

/* The given names of a field, split at ';' in place ("" for none). */
static size_t s_given(char *text, const char **given)
{
    size_t n = 0;
    for (char *p = text; *p && n < S_MAX_GIVEN;) {
        given[n++] = p;
        char *semi = strchr(p, ';');
        if (!semi)
            break;
        *semi = '\0';
        p = semi + 1;
    }
    return n;
}

/* Puts back the ';' that s_given() cut, so that a pair is printed as it was read. */
static void s_given_unsplit(const char **given, size_t count)
{
    for (size_t i = 1; i < count; i++)
        ((char *)given[i])[-1] = ';';
}

static s_kind_t *s_kind(s_tally_t *t, const char *name, int duplicate)
{
    for (size_t i = 0; i < t->count; i++)
        if (strcmp(t->kind[i].name, name) == 0 && t->kind[i].duplicate == duplicate)
            return &t->kind[i];
    if (t->count == S_MAX_KINDS)
        return NULL;
    s_kind_t *k = &t->kind[t->count++];
    snprintf(k->name, sizeof k->name, "%s", name);
    k->duplicate = duplicate;
    return k;
}

static double s_rate(unsigned part, unsigned whole)
{
    return whole ? (double)part / whole : 0.0;
}

/* 1 when `a` and `b` share a blocking key, 0 when not, <0 when the keys cannot be made. */
static int s_share_block_key(const relais_referral_view_t *a, const relais_referral_view_t *b)
{
    uint8_t ka[RELAIS_CASES_BLOCK_KEYS][RELAIS_CASES_BLOCK_KEY_SIZE];
    uint8_t kb[RELAIS_CASES_BLOCK_KEYS][RELAIS_CASES_BLOCK_KEY_SIZE];
    size_t na = 0, nb = 0;
    int rc = relais_cases_block_keys(s_secret, a, ka, &na);
    if (rc == 0)
        rc = relais_cases_block_keys(s_secret, b, kb, &nb);
    if (rc)
        return rc < 0 ? rc : -rc;
    for (size_t i = 0; i < na; i++)
        for (size_t j = 0; j < nb; j++)
            if (memcmp(ka[i], kb[j], RELAIS_CASES_BLOCK_KEY_SIZE) == 0)
                return 1;
    return 0;
}

static void s_print_pair(const char *what, char *const *field)
{
    printf("  %s %s: %s | %s | %s  ~  %s | %s | %s\n", what, field[0], field[2], field[3], field[4], field[5], field[6],
           field[7]);
}

static void s_print_rates(const char *path, const char *how, unsigned dup_flagged, unsigned dups, unsigned dist_flagged,
                          unsigned dist)
{
    printf("%s, %s: recall %.1f %% (%u/%u duplicates flagged), false positives %.2f %% (%u/%u distinct pairs)\n",
           path, how, 100 * s_rate(dup_flagged, dups), dup_flagged, dups, 100 * s_rate(dist_flagged, dist),
           dist_flagged, dist);
}

/* Reads and judges one file; returns 0 on target, 1 off target, 2 when unreadable. */
static int s_measure(const char *path, int verbose)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "match_quality: cannot open %s\n", path);
        return 2;
    }
    s_tally_t t;
    memset(&t, 0, sizeof t);
    char line[4096];
    char lost[S_LOST_EXAMPLES][512]; /* the first duplicates lost by the blocking, shown without -v */
    size_t lost_shown = 0;
    unsigned lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        char *field[8];
        if (s_fields(line, field, 8) != 8 ||
            (strcmp(field[1], "duplicate") != 0 && strcmp(field[1], "distinct") != 0)) {
            fprintf(stderr, "match_quality: %s:%u: expected 8 tab-separated fields, the second "
                            "\"duplicate\" or \"distinct\"\n", path, lineno);
            fclose(f);
            return 2;
        }
        int duplicate = strcmp(field[1], "duplicate") == 0;
        const char *given_a[S_MAX_GIVEN], *given_b[S_MAX_GIVEN];
        relais_referral_view_t a = {.family_name = field[2], .given_names = given_a, .birth_date = field[4]};
        relais_referral_view_t b = {.family_name = field[5], .given_names = given_b, .birth_date = field[7]};
        a.given_count = s_given(field[3], given_a);
        b.given_count = s_given(field[6], given_b);
        /* The rule alone: the birth dates, then the names. */
        int rule = 0;
        if (strcmp(a.birth_date, b.birth_date) == 0) {
            int rc = relais_cases_names_close(&a, &b);
            if (rc < 0) {
                fprintf(stderr, "match_quality: %s:%u: the rule refused the pair (%d)\n", path, lineno, rc);
                fclose(f);
                return 2;
            }
            rule = rc == 1;
        }
        /* As the hub applies it: only to the candidates that share a blocking key. */
        int blocked = s_share_block_key(&a, &b);
        if (blocked < 0) {
            fprintf(stderr, "match_quality: %s:%u: no blocking keys (%d: %s)\n", path, lineno, blocked,
                    relais_status_detail());
            fclose(f);
            return 2;
        }
        int flagged = rule && blocked;
        s_given_unsplit(given_a, a.given_count);
        s_given_unsplit(given_b, b.given_count);
        s_kind_t *k = s_kind(&t, field[0], duplicate);
        if (!k) {
            fprintf(stderr, "match_quality: %s: more than %d kinds\n", path, S_MAX_KINDS);
            fclose(f);
            return 2;
        }
        k->pairs++;
        k->rule += (unsigned)rule;
        k->flagged += (unsigned)flagged;
        if (duplicate) {
            t.duplicates++;
            t.duplicates_rule += (unsigned)rule;
            t.duplicates_flagged += (unsigned)flagged;
            t.duplicates_blocked += (unsigned)blocked;
        } else {
            t.distinct++;
            t.distinct_rule += (unsigned)rule;
            t.distinct_flagged += (unsigned)flagged;
            t.distinct_blocked += (unsigned)blocked;
        }
        if (duplicate && rule && !flagged) { /* close by the rule, but no key in common */
            if (verbose)
                s_print_pair("missed (lost by the blocking)", field);
            else if (lost_shown < S_LOST_EXAMPLES)
                snprintf(lost[lost_shown++], sizeof lost[0], "%s: %s | %s | %s  ~  %s | %s | %s", field[0], field[2],
                         field[3], field[4], field[5], field[6], field[7]);
        } else if (verbose && flagged != duplicate) {
            s_print_pair(duplicate ? "missed" : "flagged", field);
        }
    }
    fclose(f);

    double recall = s_rate(t.duplicates_flagged, t.duplicates);
    double false_positives = s_rate(t.distinct_flagged, t.distinct);
    s_print_rates(path, "the rule alone", t.duplicates_rule, t.duplicates, t.distinct_rule, t.distinct);
    s_print_rates(path, "through the blocking index", t.duplicates_flagged, t.duplicates, t.distinct_flagged,
                  t.distinct);
    printf("%s: the blocking lost %u of the %u true duplicates the rule flags (no block key in common), and dropped "
           "%u of its %u false positives\n",
           path, t.duplicates_rule - t.duplicates_flagged, t.duplicates_rule, t.distinct_rule - t.distinct_flagged,
           t.distinct_rule);
    printf("%s: a block key in common for %u/%u duplicate pairs and %u/%u distinct pairs\n", path, t.duplicates_blocked,
           t.duplicates, t.distinct_blocked, t.distinct);
    printf("  %-9s %-16s %5s  %12s  %12s\n", "", "kind", "pairs", "rule alone", "with blocks");
    for (size_t i = 0; i < t.count; i++)
        printf("  %-9s %-16s %5u  %10.1f %%  %10.1f %%\n", t.kind[i].duplicate ? "duplicate" : "distinct",
               t.kind[i].name, t.kind[i].pairs, 100 * s_rate(t.kind[i].rule, t.kind[i].pairs),
               100 * s_rate(t.kind[i].flagged, t.kind[i].pairs));
    for (size_t i = 0; i < lost_shown; i++)
        printf("  lost by the blocking, %s\n", lost[i]);
    if (lost_shown == S_LOST_EXAMPLES && t.duplicates_rule - t.duplicates_flagged > S_LOST_EXAMPLES)
        printf("  ... (-v lists them all)\n");
    if (t.duplicates == 0 || t.distinct == 0) {
        fprintf(stderr, "match_quality: %s: needs both duplicate and distinct pairs\n", path);
        return 2;
    }
    int on_target = recall >= S_MIN_RECALL && false_positives <= S_MAX_FALSE_POSITIVES;
    if (!on_target)
        printf("%s: OFF TARGET through the blocking index (recall at least %.0f %%, false positives at most %.0f %%)\n",
               path, 100 * S_MIN_RECALL, 100 * S_MAX_FALSE_POSITIVES);
    return on_target ? 0 : 1;
}

int main(int argc, char **argv)
{
    int verbose = argc > 1 && strcmp(argv[1], "-v") == 0; /* -v: list each pair judged wrong, and each lost */
    if (argc < 2 + verbose) {
        fprintf(stderr, "usage: match_quality [-v] FILE.tsv...\n");
        return 2;
    }
    int worst = 0;
    for (int i = 1 + verbose; i < argc; i++) {
        int rc = s_measure(argv[i], verbose);
        if (rc > worst)
            worst = rc;
    }
    return worst;
}
