/* relais_metrics.h -- the Prometheus text exposition format (version 0.0.4) of relaisd's and the
 * partner agent's counters, and the server on 127.0.0.1 that answers GET /metrics with it.
 *
 * What is counted is the caller's: the hot paths bump C11 atomics (relais_metrics_histogram_t
 * here, plain counters there), and a scrape reads them from the server's own thread. Nothing
 * a scrape shows names a person: counts, sizes, ages, roles and status codes.
 *
 * Status convention as everywhere in relais: 0, or a negative RELAIS_E_* with
 * relais_status_detail() saying why.
 */
#ifndef RELAIS_METRICS_H
#define RELAIS_METRICS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- The exposition's text ------------------------------------------------------------------ */

typedef struct {
    char *data;  /* the text so far, NUL-terminated once anything was written */
    size_t len;  /* its bytes */
    size_t cap;  /* room in data */
    int failed;  /* out of memory once: the scrape answers 500 rather than half a page */
} relais_metrics_text_t;

void relais_metrics_text_free(relais_metrics_text_t *text);

/* A family's "# HELP" and "# TYPE" lines; `type` is "counter", "gauge" or "histogram". */
void relais_metrics_family(relais_metrics_text_t *text, const char *name, const char *type, const char *help);

/* One sample, "name{labels} value": `labels` NULL or "" for none, else pairs the caller made of
 * known names only (role and status names), `role="partner",code="NO_CONSENT"`. */
void relais_metrics_sample(relais_metrics_text_t *text, const char *name, const char *labels, double value);

/* A family of one sample without labels. */
void relais_metrics_gauge(relais_metrics_text_t *text, const char *name, const char *help, double value);

/* ---- Histograms --------------------------------------------------------------------------- */

#define RELAIS_METRICS_BUCKETS_MAX 16

/* Observations are whole numbers in the caller's unit (microseconds, records); the exposition
 * divides them by `per_unit` (1e6 from microseconds to seconds, 1 for records). Buckets are counted apart and summed at a
 * scrape, so that _count is always the +Inf bucket even while observations go on. */
typedef struct {
    uint64_t bounds[RELAIS_METRICS_BUCKETS_MAX]; /* upper bounds, increasing, in the caller's unit */
    size_t bound_count;
    double per_unit;
    _Atomic uint64_t buckets[RELAIS_METRICS_BUCKETS_MAX + 1]; /* the last: above every bound */
    _Atomic uint64_t sum;
} relais_metrics_histogram_t;

/* Sets the bounds (at most RELAIS_METRICS_BUCKETS_MAX, increasing) and zeroes the counts. */
void relais_metrics_histogram_init(relais_metrics_histogram_t *h, const uint64_t *bounds, size_t count, double per_unit);

/* Lock-free: any thread, any time. */
void relais_metrics_observe(relais_metrics_histogram_t *h, uint64_t value);

/* The family, its _bucket{le=...} lines (cumulative), _sum and _count. */
void relais_metrics_histogram_write(relais_metrics_text_t *text, const char *name, const char *help,
                                    relais_metrics_histogram_t *h);

/* The process's resident memory, from /proc/self/statm. Errors: RELAIS_E_IO. */
int relais_metrics_resident_bytes(uint64_t *out);

/* ---- The server ---------------------------------------------------------------------------- */

/* Writes the whole exposition into `text` (already empty). Runs on the server's thread. */
typedef void (*relais_metrics_render_fn)(void *ctx, relais_metrics_text_t *text);

typedef struct relais_metrics_server relais_metrics_server_t;

typedef struct {
    const char *listen;  /* "127.0.0.1:PORT" or "localhost:PORT" (0: any free port) */
    const char *flag;    /* the option that gave it, named in a refusal ("--metrics") */
    const char *who;     /* who serves, in a refusal ("relaisd") */
    relais_metrics_render_fn render;
    void *ctx;
    void (*log)(void *ctx, const char *what); /* libmicrohttpd's complaints, one line each; NULL: none */
} relais_metrics_server_options_t;

/* Checks the address (127.0.0.1 only) and binds it; serves nothing yet, starts no thread, so
 * that a port in use fails a program's start before anything else runs. Errors:
 * RELAIS_E_INVALID (the address: the detail names the flag), RELAIS_E_IO, RELAIS_E_NOMEM. */
int relais_metrics_server_bind(const relais_metrics_server_options_t *opts, relais_metrics_server_t **out);

/* Starts libmicrohttpd's one thread: GET /metrics answers the exposition, anything else 404 (405
 * for another method on /metrics). Errors: RELAIS_E_IO. */
int relais_metrics_server_start(relais_metrics_server_t *server);

/* "http://127.0.0.1:PORT/metrics", with the port the socket got. */
const char *relais_metrics_server_url(const relais_metrics_server_t *server);

/* Stops the thread (a scrape in flight finishes), closes the socket, frees; safe on NULL. */
void relais_metrics_server_destroy(relais_metrics_server_t **server_p);

#ifdef __cplusplus
}
#endif

#endif
