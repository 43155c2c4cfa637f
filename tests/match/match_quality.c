/* match_quality.c -- how well the likely-duplicate rule does on sets of pairs it was not tuned to.
 *
 * Usage: match_quality FILE.tsv...  Each line (after '#' comments) is a pair of children:
 *   kind  expected  a_family  a_given  a_birth  b_family  b_given  b_birth
 * with `expected` "duplicate" or "distinct" and given names separated by ';'. A pair is flagged
 * exactly as the hub will flag it: equal birth dates and relais_cases_names_close(). Prints the
 * recall on duplicates and the rate of distinct pairs flagged, overall and per kind, and exits
 * 1 when a set misses more than 5 % of its duplicates or flags more than 1 % of its distinct pairs
 * (the targets), 2 when a file cannot be read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "relais_cases.h"

#define S_MIN_RECALL 0.95
#define S_MAX_FALSE_POSITIVES 0.01
#define S_MAX_KINDS 32
#define S_MAX_GIVEN 10

typedef struct {
    char name[32];
    int duplicate; /* the kind's pairs are one child */
    unsigned pairs;
    unsigned flagged;
} s_kind_t;

typedef struct {
    s_kind_t kind[S_MAX_KINDS];
    size_t count;
    unsigned duplicates, duplicates_flagged, distinct, distinct_flagged;
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
        /* The rule as the hub applies it: the birth date first (the blocking index holds it). */
        int flagged = 0;
        if (strcmp(a.birth_date, b.birth_date) == 0) {
            int rc = relais_cases_names_close(&a, &b);
            if (rc < 0) {
                fprintf(stderr, "match_quality: %s:%u: the rule refused the pair (%d)\n", path, lineno, rc);
                fclose(f);
                return 2;
            }
            flagged = rc == 1;
        }
        s_kind_t *k = s_kind(&t, field[0], duplicate);
        if (!k) {
            fprintf(stderr, "match_quality: %s: more than %d kinds\n", path, S_MAX_KINDS);
            fclose(f);
            return 2;
        }
        k->pairs++;
        k->flagged += (unsigned)flagged;
        if (duplicate) {
            t.duplicates++;
            t.duplicates_flagged += (unsigned)flagged;
        } else {
            t.distinct++;
            t.distinct_flagged += (unsigned)flagged;
        }
        if (verbose && flagged != duplicate)
            printf("  %s %s: %s | %s | %s  ~  %s | %s | %s\n", duplicate ? "missed" : "flagged", field[0], field[2],
                   field[3], field[4], field[5], field[6], field[7]);
    }
    fclose(f);

    double recall = s_rate(t.duplicates_flagged, t.duplicates);
    double false_positives = s_rate(t.distinct_flagged, t.distinct);
    printf("%s: recall %.1f %% (%u/%u duplicates flagged), false positives %.2f %% (%u/%u distinct pairs)\n", path,
           100 * recall, t.duplicates_flagged, t.duplicates, 100 * false_positives, t.distinct_flagged, t.distinct);
    for (size_t i = 0; i < t.count; i++)
        printf("  %-9s %-16s %5u pairs, %5.1f %% flagged\n", t.kind[i].duplicate ? "duplicate" : "distinct",
               t.kind[i].name, t.kind[i].pairs, 100 * s_rate(t.kind[i].flagged, t.kind[i].pairs));
    if (t.duplicates == 0 || t.distinct == 0) {
        fprintf(stderr, "match_quality: %s: needs both duplicate and distinct pairs\n", path);
        return 2;
    }
    int on_target = recall >= S_MIN_RECALL && false_positives <= S_MAX_FALSE_POSITIVES;
    if (!on_target)
        printf("%s: OFF TARGET (recall at least %.0f %%, false positives at most %.0f %%)\n", path,
               100 * S_MIN_RECALL, 100 * S_MAX_FALSE_POSITIVES);
    return on_target ? 0 : 1;
}

int main(int argc, char **argv)
{
    int verbose = argc > 1 && strcmp(argv[1], "-v") == 0; /* -v: list each pair judged wrong */
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
