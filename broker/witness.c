/* witness.c -- the hub's side of C2SP tlog-witness: each new checkpoint the writer signs is sent to
 * the witnesses relaisd is given (--witness URL,CERT) with the consistency proof from the size each
 * holds, and their cosignatures are kept to be served with that checkpoint.
 *
 * Each witness has a thread of its own, with libcurl (the standard HTTP client), reading the
 * checkpoints the writer has already stored: intake and the writer never wait for a witness, nor
 * one witness for another (a hung one holds its own thread until the request's timeout). A
 * witness that is down or refuses costs a log line and a later retry, nothing else; the hub keeps
 * signing and serving its own checkpoints, and says how old its newest cosignature is (the log
 * lines, and the checkpoint it serves: relais audit checkpoint prints it).
 *
 * Cosignatures are kept in memory only: after a restart the latest checkpoint is sent again (a
 * witness cosigns the size it holds again when the root is the same), so they come back at once.
 */
#include "broker_internal.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdatomic.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "relais_cosig.h"

#define S_POLL_MS 250               /* how soon a new checkpoint goes out */
#define S_BACKOFF_MIN_MS 2000       /* after a refusal or no answer: 2 s, doubling ... */
#define S_BACKOFF_MAX_MS 30000      /* ... up to 30 s */
#define S_ANSWER_MAX 16384          /* read of a witness's answer; more is no answer of tlog-witness */
#define S_CONNECT_TIMEOUT_S 3
#define S_TIMEOUT_S 10

typedef struct {
    relais_broker_t *b;                  /* the hub, for the thread */
    pthread_t thread;                    /* its thread */
    int started;                         /* the thread runs */
    char url[512];                       /* its add-checkpoint address */
    relais_peer_t cert;                  /* its certificate: name and key */
    CURL *curl;                          /* kept between requests: one connection, kept alive */
    uint64_t held;                       /* the size it holds, as its last answer said (0: none known) */
    char line[RELAIS_COSIG_LINE_MAX];    /* its latest cosignature line, "" before the first */
    uint64_t line_size;                  /* the size it cosigned */
    int64_t cosigned_ms;                 /* when the hub got it (the hub's clock) */
    int64_t retry_at_ms;                 /* no request before then (after a failure) */
    unsigned failures;                   /* in a row */
} s_witness_t;

struct broker_witnesses {
    s_witness_t *list;
    size_t count;
    pthread_mutex_t mu;   /* the cosignatures, between the witnesses' threads and the queries */
    pthread_cond_t wake;  /* the stop */
    int stop;             /* under mu */
    atomic_int stopping;  /* the same, read by a request in flight, which it ends */
};

/* ---- Configuration ----------------------------------------------------------------------------- */

static int s_add(relais_broker_t *b, broker_witnesses_t *ws, const char *spec)
{
    s_witness_t *w = &ws->list[ws->count];
    w->b = b;
    const char *comma = strrchr(spec, ',');
    if (!comma || comma == spec || comma[1] == '\0' || (size_t)(comma - spec) >= sizeof w->url)
        return relais_status_set(RELAIS_E_INVALID, "--witness: expected URL,CERT (the witness's add-checkpoint address "
                                                   "and its certificate), not '%s'",
                                 spec);
    memcpy(w->url, spec, (size_t)(comma - spec));
    w->url[comma - spec] = '\0';
    if (strncmp(w->url, "http://", 7) != 0 && strncmp(w->url, "https://", 8) != 0)
        return relais_status_set(RELAIS_E_INVALID, "--witness: %s is not an http:// or https:// address", w->url);
    int rc = relais_peer_load(comma + 1, &w->cert);
    if (rc)
        return relais_status_set(rc, "--witness: %s: %s", comma + 1, relais_status_detail());
    if (w->cert.role != RELAIS_ROLE_WITNESS)
        return relais_status_set(RELAIS_E_INVALID, "--witness: %s is the certificate of %s, a %s, not a witness's",
                                 comma + 1, w->cert.name, relais_role_name(w->cert.role));
    for (size_t i = 0; i < ws->count; i++)
        if (strcmp(ws->list[i].cert.name, w->cert.name) == 0)
            return relais_status_set(RELAIS_E_INVALID, "--witness: the witness %s is given twice", w->cert.name);
    ws->count++;
    return 0;
}

int broker_witnesses_new(relais_broker_t *b)
{
    if (b->opts.witness_count == 0)
        return 0;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return relais_status_set(RELAIS_E_UNAVAILABLE, "the HTTP client (libcurl) did not start");
    broker_witnesses_t *ws = calloc(1, sizeof *ws);
    if (!ws) {
        curl_global_cleanup();
        return relais_status_set(RELAIS_E_NOMEM, "out of memory");
    }
    b->witnesses = ws;
    pthread_mutex_init(&ws->mu, NULL);
    pthread_cond_init(&ws->wake, NULL);
    ws->list = calloc(b->opts.witness_count, sizeof *ws->list);
    if (!ws->list)
        return relais_status_set(RELAIS_E_NOMEM, "out of memory");
    for (size_t i = 0; i < b->opts.witness_count; i++) {
        int rc = s_add(b, ws, b->opts.witnesses[i]);
        if (rc)
            return rc;
    }
    return 0;
}

/* ---- One request ---------------------------------------------------------------------------------- */

typedef struct {
    char *data;
    size_t len;
    int over; /* the witness sent more than any answer of the protocol */
} s_answer_t;

static size_t s_on_data(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    s_answer_t *a = userdata;
    size_t n = size * nmemb;
    if (a->len + n > S_ANSWER_MAX) {
        a->over = 1;
        return 0; /* ends the transfer */
    }
    memcpy(a->data + a->len, ptr, n);
    a->len += n;
    a->data[a->len] = '\0';
    return n;
}

/* The newest cosignature of any witness, for the log lines: "none" or its age in seconds. */
static const char *s_newest_age(broker_witnesses_t *ws, char *buf, size_t cap)
{
    int64_t newest = 0;
    pthread_mutex_lock(&ws->mu);
    for (size_t i = 0; i < ws->count; i++)
        if (ws->list[i].cosigned_ms > newest)
            newest = ws->list[i].cosigned_ms;
    pthread_mutex_unlock(&ws->mu);
    if (!newest)
        return "none";
    snprintf(buf, cap, "%lld", (long long)((broker_now_ms() - newest) / 1000));
    return buf;
}

static void s_failed(broker_witnesses_t *ws, s_witness_t *w, const char *event, long status, uint64_t size,
                     uint64_t old, const char *why)
{
    char q[600], age[32];
    if (w->failures < 16)
        w->failures++;
    int64_t wait = S_BACKOFF_MIN_MS << (w->failures - 1);
    w->retry_at_ms = broker_now_ms() + (wait > S_BACKOFF_MAX_MS ? S_BACKOFF_MAX_MS : wait);
    broker_log("warn", event,
               "witness=%s status=%ld size=%" PRIu64 " old=%" PRIu64 " why=%s newest_cosignature_age_s=%s",
               w->cert.name, status, size, old, broker_logq(q, sizeof q, why), s_newest_age(ws, age, sizeof age));
}

/* A stopping hub does not wait out a hung witness's timeout. */
static int s_on_progress(void *clientp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    const s_witness_t *w = clientp;
    return atomic_load(&w->b->witnesses->stopping) ? 1 : 0;
}

/* POSTs `body` to the witness: 0 and its status, content type and answer, or a status when no
 * HTTP answer came (`why` says what happened). */
static int s_post(s_witness_t *w, const char *body, size_t len, long *status, char *type, size_t type_cap,
                  s_answer_t *a, char *why, size_t why_cap)
{
    if (!w->curl && !(w->curl = curl_easy_init())) {
        snprintf(why, why_cap, "the HTTP client could not start a request");
        return RELAIS_E_NOMEM;
    }
    char err[CURL_ERROR_SIZE] = "";
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: text/plain; charset=utf-8");
    CURL *c = w->curl;
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, w->url);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, s_on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, a);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L); /* a thread among others: no SIGALRM for the timeouts */
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)S_CONNECT_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)S_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_USERAGENT, "relaisd/" RELAIS_VERSION);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, s_on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, w);
    CURLcode rc = curl_easy_perform(c);
    curl_slist_free_all(headers);
    if (rc != CURLE_OK) {
        snprintf(why, why_cap, "%s", a->over ? "an answer longer than any the protocol has" : err[0] ? err : curl_easy_strerror(rc));
        return RELAIS_E_UNAVAILABLE;
    }
    char *ct = NULL;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
    snprintf(type, type_cap, "%s", ct ? ct : "");
    return 0;
}

/* The first line of a witness's answer, for a log line. */
static const char *s_first_line(const s_answer_t *a, char *buf, size_t cap)
{
    size_t n = 0;
    while (n < a->len && n + 1 < cap && a->data[n] != '\n')
        n++;
    memcpy(buf, a->data, n);
    buf[n] = '\0';
    return n ? buf : "(no body)";
}

/* Sends checkpoint `cp` to witness `w`, from the size it holds; at most twice more after a 409
 * that names another size. */
static void s_submit(relais_broker_t *b, s_witness_t *w, const relais_store_checkpoint_t *cp)
{
    broker_witnesses_t *ws = b->witnesses;
    char *body = malloc(RELAIS_TLOGW_BODY_MAX + 1);
    s_answer_t a = {.data = malloc(S_ANSWER_MAX + 1)};
    char why[CURL_ERROR_SIZE + 64], type[128], first[200];
    if (!body || !a.data) {
        free(body);
        free(a.data);
        s_failed(ws, w, "witness-failed", 0, cp->size, w->held, "out of memory for the request");
        return;
    }
    for (int attempt = 0; attempt < 3; attempt++) {
        uint64_t old = w->held;
        relais_hash_t path[RELAIS_MERKLE_MAX_PATH];
        size_t path_len = 0, len = 0;
        if (old > cp->size) {
            s_failed(ws, w, "witness-refused", 0, cp->size, old,
                     "the witness cosigned a larger tree than the hub's latest checkpoint: this log is shorter than "
                     "the history the witness saw");
            break;
        }
        int rc = old > 0 && old < cp->size ? relais_store_consistency_proof(b->store, old, cp->size, path, &path_len) : 0;
        if (!rc && path_len > RELAIS_TLOGW_PROOF_MAX)
            rc = relais_status_set(RELAIS_E_INVALID, "a proof of %zu hashes", path_len);
        if (!rc)
            rc = relais_tlogw_add_format(old, path, path_len, cp->note, body, RELAIS_TLOGW_BODY_MAX + 1, &len);
        if (rc) {
            s_failed(ws, w, "witness-failed", 0, cp->size, old, relais_status_detail());
            break;
        }
        long status = 0;
        a.len = 0;
        a.over = 0;
        a.data[0] = '\0';
        if (s_post(w, body, len, &status, type, sizeof type, &a, why, sizeof why) != 0) {
            if (!atomic_load(&ws->stopping)) /* a request the stop cut short is no witness's fault */
                s_failed(ws, w, "witness-unreachable", 0, cp->size, old, why);
            break;
        }
        if (status == 200) {
            char line[RELAIS_COSIG_LINE_MAX];
            uint64_t t = 0;
            rc = relais_cosig_pick(cp->note, a.data, a.len, w->cert.name, w->cert.sign_public, line, sizeof line, &t);
            if (rc) {
                snprintf(why, sizeof why, "its answer holds no valid cosignature of this checkpoint: %s",
                         relais_status_detail());
                s_failed(ws, w, "witness-bad-answer", status, cp->size, old, why);
                break;
            }
            pthread_mutex_lock(&ws->mu);
            memcpy(w->line, line, sizeof line);
            w->line_size = cp->size;
            w->cosigned_ms = broker_now_ms();
            pthread_mutex_unlock(&ws->mu);
            w->held = cp->size;
            w->failures = 0;
            w->retry_at_ms = 0;
            broker_log("info", "witness-cosigned", "witness=%s size=%" PRIu64 " old=%" PRIu64 " time=%" PRIu64,
                       w->cert.name, cp->size, old, t);
            break;
        }
        uint64_t held = 0;
        if (status == 409 && strncmp(type, "text/x.tlog.size", 16) == 0 &&
            relais_tlogw_size_parse(a.data, a.len, &held) == 0 && held != old && attempt < 2) {
            /* it holds another size than we thought (the first request, or a restart): ask again
             * from there */
            w->held = held;
            continue;
        }
        snprintf(why, sizeof why, "%s", s_first_line(&a, first, sizeof first));
        s_failed(ws, w, "witness-refused", status, cp->size, old, why);
        break;
    }
    free(body);
    free(a.data);
}

/* ---- The thread -------------------------------------------------------------------------------- */

static void *s_thread(void *arg)
{
    s_witness_t *w = arg;
    relais_broker_t *b = w->b;
    broker_witnesses_t *ws = b->witnesses;
    relais_store_checkpoint_t *cp = malloc(sizeof *cp);
    if (!cp)
        broker_log("error", "witness-failed", "witness=%s why=\"out of memory: no checkpoint will be sent\"",
                   w->cert.name);
    for (;;) {
        pthread_mutex_lock(&ws->mu);
        if (!ws->stop) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_nsec += S_POLL_MS * 1000000L;
            until.tv_sec += until.tv_nsec / 1000000000L;
            until.tv_nsec %= 1000000000L;
            pthread_cond_timedwait(&ws->wake, &ws->mu, &until);
        }
        int stop = ws->stop;
        pthread_mutex_unlock(&ws->mu);
        if (stop)
            break;
        if (!cp || relais_store_checkpoint_latest(b->store, cp) != 0)
            continue;
        if (w->line_size != cp->size && broker_now_ms() >= w->retry_at_ms)
            s_submit(b, w, cp);
    }
    free(cp);
    return NULL;
}

int broker_witnesses_start(relais_broker_t *b)
{
    broker_witnesses_t *ws = b->witnesses;
    if (!ws)
        return 0;
    for (size_t i = 0; i < ws->count; i++) {
        s_witness_t *w = &ws->list[i];
        if (pthread_create(&w->thread, NULL, s_thread, w) != 0)
            return relais_status_set(RELAIS_E_NOMEM, "cannot start the thread of witness %s", w->cert.name);
        w->started = 1;
        broker_log("info", "witness", "witness=%s url=%s", w->cert.name, w->url);
    }
    return 0;
}

void broker_witnesses_stop(relais_broker_t *b)
{
    broker_witnesses_t *ws = b->witnesses;
    if (!ws)
        return;
    atomic_store(&ws->stopping, 1);
    pthread_mutex_lock(&ws->mu);
    ws->stop = 1;
    pthread_cond_broadcast(&ws->wake);
    pthread_mutex_unlock(&ws->mu);
    for (size_t i = 0; i < ws->count; i++) {
        if (ws->list[i].started)
            pthread_join(ws->list[i].thread, NULL); /* a request in flight ends at its next progress call */
        ws->list[i].started = 0;
    }
}

void broker_witnesses_destroy(relais_broker_t *b)
{
    broker_witnesses_t *ws = b->witnesses;
    if (!ws)
        return;
    broker_witnesses_stop(b);
    for (size_t i = 0; ws->list && i < ws->count; i++)
        if (ws->list[i].curl)
            curl_easy_cleanup(ws->list[i].curl);
    free(ws->list);
    pthread_mutex_destroy(&ws->mu);
    pthread_cond_destroy(&ws->wake);
    free(ws);
    b->witnesses = NULL;
    curl_global_cleanup();
}

/* ---- Serving --------------------------------------------------------------------------------------- */

void broker_witnesses_cosign(relais_broker_t *b, uint64_t size, char *note, size_t cap, broker_cosigned_t *info)
{
    memset(info, 0, sizeof *info);
    broker_witnesses_t *ws = b->witnesses;
    if (!ws)
        return;
    info->witnesses = (uint32_t)ws->count;
    size_t len = strlen(note);
    pthread_mutex_lock(&ws->mu);
    for (size_t i = 0; i < ws->count; i++) {
        const s_witness_t *w = &ws->list[i];
        if (w->cosigned_ms > info->newest_ms) {
            info->newest_ms = w->cosigned_ms;
            info->newest_size = w->line_size;
        }
        size_t n = strlen(w->line);
        if (w->line_size == size && n && len + n < cap) {
            memcpy(note + len, w->line, n + 1);
            len += n;
        }
    }
    pthread_mutex_unlock(&ws->mu);
}
