/* metrics.c -- the exposition's text, histograms, and the resident memory. */
#include "relais_metrics.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "relais_proto.h"

#define S_TEXT_FIRST 8192

static void s_append(relais_metrics_text_t *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void s_append(relais_metrics_text_t *t, const char *fmt, ...)
{
    /* Two tries at most: the second has the room the first one measured. */
    for (int attempt = 0; attempt < 2 && !t->failed; attempt++) {
        size_t room = t->cap - t->len;
        va_list ap;
        va_start(ap, fmt);
        int n = t->data ? vsnprintf(t->data + t->len, room, fmt, ap) : -1;
        va_end(ap);
        if (n >= 0 && (size_t)n < room) {
            t->len += (size_t)n;
            return;
        }
        size_t want = t->cap ? t->cap * 2 : S_TEXT_FIRST;
        while (n >= 0 && want - t->len <= (size_t)n)
            want *= 2;
        char *grown = realloc(t->data, want);
        if (!grown) {
            t->failed = 1;
            return;
        }
        t->data = grown;
        t->cap = want;
    }
}

void relais_metrics_text_free(relais_metrics_text_t *t)
{
    if (!t)
        return;
    free(t->data);
    memset(t, 0, sizeof *t);
}

void relais_metrics_family(relais_metrics_text_t *t, const char *name, const char *type, const char *help)
{
    s_append(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Whole numbers as such (counts up to 2^53 are exact in a double), the others with the 15 digits
 * a double always holds, so that a bound of 0.0005 s is written "0.0005". */
static void s_value(char *buf, size_t cap, double v)
{
    if (isnan(v))
        snprintf(buf, cap, "NaN");
    else if (isinf(v))
        snprintf(buf, cap, v > 0 ? "+Inf" : "-Inf");
    else if (v == floor(v) && fabs(v) < 9007199254740992.0)
        snprintf(buf, cap, "%.0f", v);
    else
        snprintf(buf, cap, "%.15g", v);
}

void relais_metrics_sample(relais_metrics_text_t *t, const char *name, const char *labels, double value)
{
    char v[40];
    s_value(v, sizeof v, value);
    if (labels && *labels)
        s_append(t, "%s{%s} %s\n", name, labels, v);
    else
        s_append(t, "%s %s\n", name, v);
}

void relais_metrics_gauge(relais_metrics_text_t *t, const char *name, const char *help, double value)
{
    relais_metrics_family(t, name, "gauge", help);
    relais_metrics_sample(t, name, NULL, value);
}

void relais_metrics_histogram_init(relais_metrics_histogram_t *h, const uint64_t *bounds, size_t count, double per_unit)
{
    memset(h, 0, sizeof *h);
    h->bound_count = count > RELAIS_METRICS_BUCKETS_MAX ? RELAIS_METRICS_BUCKETS_MAX : count;
    memcpy(h->bounds, bounds, h->bound_count * sizeof *bounds);
    h->per_unit = per_unit > 0 ? per_unit : 1;
    for (size_t i = 0; i <= RELAIS_METRICS_BUCKETS_MAX; i++)
        atomic_init(&h->buckets[i], 0);
    atomic_init(&h->sum, 0);
}

void relais_metrics_observe(relais_metrics_histogram_t *h, uint64_t value)
{
    size_t i = 0;
    while (i < h->bound_count && value > h->bounds[i])
        i++;
    atomic_fetch_add_explicit(&h->buckets[i], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&h->sum, value, memory_order_relaxed);
}

void relais_metrics_histogram_write(relais_metrics_text_t *t, const char *name, const char *help,
                                    relais_metrics_histogram_t *h)
{
    relais_metrics_family(t, name, "histogram", help);
    char series[160], le[64], bound[40];
    uint64_t cumulative = 0;
    snprintf(series, sizeof series, "%s_bucket", name);
    for (size_t i = 0; i <= h->bound_count; i++) {
        cumulative += atomic_load_explicit(&h->buckets[i], memory_order_relaxed);
        if (i < h->bound_count)
            s_value(bound, sizeof bound, (double)h->bounds[i] / h->per_unit);
        snprintf(le, sizeof le, "le=\"%s\"", i < h->bound_count ? bound : "+Inf");
        relais_metrics_sample(t, series, le, (double)cumulative);
    }
    snprintf(series, sizeof series, "%s_sum", name);
    relais_metrics_sample(t, series, NULL, (double)atomic_load_explicit(&h->sum, memory_order_relaxed) / h->per_unit);
    snprintf(series, sizeof series, "%s_count", name);
    relais_metrics_sample(t, series, NULL, (double)cumulative);
}

int relais_metrics_resident_bytes(uint64_t *out)
{
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return relais_status_set(RELAIS_E_IO, "/proc/self/statm cannot be read");
    unsigned long long size = 0, resident = 0;
    int n = fscanf(f, "%llu %llu", &size, &resident);
    fclose(f);
    long page = sysconf(_SC_PAGESIZE);
    if (n != 2 || page <= 0)
        return relais_status_set(RELAIS_E_IO, "/proc/self/statm: not the two numbers expected");
    *out = (uint64_t)resident * (uint64_t)page;
    return 0;
}
