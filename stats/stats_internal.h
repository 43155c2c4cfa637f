/* stats_internal.h -- what the stats module's files share with each other and with nobody else:
 * the aggregate's layout, the labels of its tables, and the suppression rule and text layout that
 * the cases' tables (publish.c) and the reception desk's (reception.c) both go through. */
#ifndef RELAIS_STATS_INTERNAL_H
#define RELAIS_STATS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "relais_stats.h"

/* Cells of the largest fixed dimension (outcome: fourteen states and "unspecified"). */
#define STATS_MAX_CELLS 15

/* Room for a stored month label, "YYYY-MM" and its NUL. */
#define STATS_MONTH_LABEL_LEN 8

/* A month with cases: key = year * 12 + (month - 1), so that keys sort as months do. */
typedef struct {
    int32_t key;
    uint64_t count; /* > 0: a month without cases is not kept */
} stats_month_t;

struct relais_stats {
    uint64_t cases;
    /* the fixed dimensions' cells in their labels' order; the month row is unused */
    uint64_t cells[RELAIS_STATS_DIMENSION_COUNT][STATS_MAX_CELLS];
    stats_month_t *months; /* ascending keys */
    size_t month_count;
    size_t month_cap;
};

/* How many labels a fixed dimension has; 0 for the month, whose labels are the months. */
size_t stats_label_count(relais_stats_dimension_t dim);

/* The stored label of a fixed dimension's cell i ("pmi"), and its French words for the
 * coordinator ("PMI"). */
const char *stats_label_key(relais_stats_dimension_t dim, size_t i);
const char *stats_label_french(relais_stats_dimension_t dim, size_t i);

/* The French heading of a dimension's table ("Par source"). */
const char *stats_heading(relais_stats_dimension_t dim);

/* "YYYY-MM" for a month key (0 <= key < 10000 * 12). */
void stats_month_label(int32_t key, char out[STATS_MONTH_LABEL_LEN]);

/* ---- Publishing, shared by every table of the module ------------------------------------ */

/* One cell of a table being published. */
typedef struct {
    uint64_t count;
    int32_t label; /* what the table's labels make of it: a month key, a week's or a label's index */
    int secret;    /* set by the suppression rule */
} stats_cell_t;

/* Rules 2 and 3 of relais_stats.h in one single-valued table: its n cells sum to `total` (each
 * counted thing in exactly one cell). Marks the secret cells; *protected is false when even all
 * its non-zero cells secret do not protect it, and then the caller withholds the whole
 * publication (rule 4). Rule 1 is the caller's. Errors: RELAIS_E_NOMEM. */
int stats_suppress_single(stats_cell_t *cells, size_t n, uint64_t total, uint64_t threshold, int *protected);

/* Room for a French label of a row, its NUL included. */
#define STATS_FRENCH_LABEL_LEN 192

/* Writes the French label of `cell` (of the table `ctx`) into out[cap]. */
typedef void (*stats_french_fn)(const void *ctx, const stats_cell_t *cell, char *out, size_t cap);

/* A table's rows for a person to read, labels and counts aligned, secret cells written "secret";
 * with `bars`, each published non-zero count drawn as a bar scaled to the largest (a secret one
 * as nothing). Write errors are left in the stream's error flag. */
void stats_text_rows(FILE *out, const stats_cell_t *cells, size_t n, stats_french_fn label, const void *ctx, int bars);

/* The French name of a month, 0 for janvier. */
const char *stats_month_french(int month);

#endif
