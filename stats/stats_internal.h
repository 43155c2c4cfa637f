/* stats_internal.h -- what stats.c and publish.c share with each other and with nobody else:
 * the aggregate's layout and the labels of its tables. */
#ifndef RELAIS_STATS_INTERNAL_H
#define RELAIS_STATS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

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

#endif
