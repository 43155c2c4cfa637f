/* agent.c -- a partner agent's life: its options checked, its state folder locked, the token, the
 * spool's client and its sender thread, the HTTP server, its status and its stop.
 *
 * The sender is the only thread that talks to the hub for the spool; the intake and the drop
 * folder write to the spool under the same lock (a client is not thread-safe, and LMDB wants one
 * environment per process), and flushes are short slices so that an intake waits little.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "agent_internal.h"
#include "relais_endpoint.h"
#include "relais_page.h"

#define S_FLUSH_SLICE_MS 500      /* the sender holds the spool this long at most at a time */
#define S_IDLE_WAIT_MS 1000       /* with nothing to send, the folder and the hub are looked at this often */
#define S_BACKOFF_MIN_MS 200      /* the hub away: the sender looks again after this, doubling */
#define S_BACKOFF_MAX_MS 5000
#define S_FIRST_LOOK_MS 2000      /* a hub not connected this long after the start is said unreachable */
#define S_TOKEN_MIN 16
#define S_TOKEN_MAX 512

/* ---- The log ------------------------------------------------------------------------------------ */

void agent_log(const char *level, const char *event, const char *fmt, ...)
{
    char text[1536];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (n < 0)
        text[0] = '\0';
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char when[32];
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    relais_cli_line(stderr, "ts=%s.%03dZ level=%s event=%s %s", when, (int)(ts.tv_nsec / 1000000), level, event, text);
}


/* ---- The spool: what waits, sent by the sender ---------------------------------------------------- */

static void s_on_outcome(void *arg, const uint8_t msg_id[RELAIS_MSG_ID_BYTES], const char *tag,
                         const relais_ack_t *ack, const relais_error_t *err)
{
    relais_agent_t *a = arg;
    if (a->drop)
        relais_drop_on_outcome(a->drop, msg_id, tag, ack, err);
    char id[2 * RELAIS_MSG_ID_BYTES + 1];
    relais_hex_encode(msg_id, RELAIS_MSG_ID_BYTES, id);
    if (ack) { /* wall time: a scraper compares it with its own clock */
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        atomic_store(&a->last_ack_ms, (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000);
    }
    if (ack)
        agent_log("info", "acknowledged", "msg_id=%s seq=%" PRIu64 " handle=%s duplicate=%d from=\"%s\"", id, ack->seq,
                  ack->case_id, ack->duplicate, tag ? tag : "");
    else
        agent_log("warn", "refused", "msg_id=%s code=%s why=\"%s\" from=\"%s\"", id, relais_status_name(err->status),
                  err->message, tag ? tag : "");
}

/* The hub's coming and going, said once each way, and again every unreachable_log_ms while it
 * is away, with what waits: a partner whose hub is down learns it from this log. */
static void s_say_hub(relais_agent_t *a, int up, int *said, int64_t *said_at)
{
    int64_t now = relais_cli_now_ms();
    if (up == *said && (up || now - *said_at < a->unreachable_log_ms))
        return;
    int64_t count = 0, oldest = -1;
    pthread_mutex_lock(&a->lock);
    int rc = relais_client_outbox_waiting_age(a->client, &count, &oldest);
    char why[256] = "";
    if (!up)
        relais_client_diagnose(a->client, why, sizeof why);
    pthread_mutex_unlock(&a->lock);
    if (rc)
        agent_log("error", "spool", "code=%s why=\"%s\"", relais_status_name(rc), relais_status_detail());
    if (up)
        agent_log("info", "hub-reachable", "waiting=%" PRId64 " oldest_age_s=%" PRId64, count, oldest);
    else
        agent_log("warn", *said == 0 ? "hub-still-unreachable" : "hub-unreachable",
                  "waiting=%" PRId64 " oldest_age_s=%" PRId64 " why=\"%s\"", count, oldest, why);
    *said = up;
    *said_at = now;
}

void agent_wait(relais_agent_t *a, pthread_mutex_t *mu, pthread_cond_t *cv, int64_t ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += (time_t)(ms / 1000);
    until.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(mu);
    if (!atomic_load(&a->stopping))
        pthread_cond_timedwait(cv, mu, &until);
    pthread_mutex_unlock(mu);
}

void agent_kick(relais_agent_t *a)
{
    pthread_mutex_lock(&a->lock);
    pthread_cond_signal(&a->wake);
    pthread_mutex_unlock(&a->lock);
}

static void *s_sender_main(void *arg)
{
    relais_agent_t *a = arg;
    int said = -1, backoff_ms = 0;
    int64_t said_at = 0, started = relais_cli_now_ms();
    while (!atomic_load(&a->stopping)) {
        pthread_mutex_lock(&a->lock);
        if (a->drop && relais_drop_take(a->drop) != 0)
            agent_log("error", "drop-folder", "why=\"%s\"", relais_status_detail());
        int64_t count = relais_client_spool_count(a->client);
        int up = relais_client_is_connected(a->client);
        int rc = 0;
        if (count > 0 && up)
            rc = relais_client_flush(a->client, S_FLUSH_SLICE_MS, s_on_outcome, a);
        pthread_mutex_unlock(&a->lock);
        if (count < 0 || (rc && rc != RELAIS_E_TIMEOUT))
            agent_log("error", "spool", "code=%s why=\"%s\"", relais_status_name(count < 0 ? (int)count : rc),
                      relais_status_detail());
        atomic_store(&a->hub_reachable, up);
        if (up || relais_cli_now_ms() - started >= S_FIRST_LOOK_MS)
            s_say_hub(a, up, &said, &said_at);
        if (count > 0 && up && rc == 0)
            backoff_ms = 0; /* all sent: look again at once for what came meanwhile */
        else if (count > 0 && (!up || rc == RELAIS_E_TIMEOUT)) {
            backoff_ms = backoff_ms ? backoff_ms * 2 : S_BACKOFF_MIN_MS;
            if (backoff_ms > S_BACKOFF_MAX_MS)
                backoff_ms = S_BACKOFF_MAX_MS;
            agent_wait(a, &a->lock, &a->wake, backoff_ms);
        } else {
            backoff_ms = 0;
            agent_wait(a, &a->lock, &a->wake, S_IDLE_WAIT_MS);
        }
    }
    return NULL;
}

/* ---- Start ------------------------------------------------------------------------------------ */

static int s_listen(relais_agent_t *a, unsigned port)
{
    unsigned got = 0;
    int rc = relais_cli_listen_loopback(port, &a->listen_fd, &got);
    if (!rc)
        snprintf(a->address, sizeof a->address, "http://127.0.0.1:%u", got);
    return rc;
}

/* The token: a file only its owner may read or write (a secret others can read is none), of
 * 16 to 512 bytes less a trailing line break; only its hash is kept. */
static int s_read_token(relais_agent_t *a, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return relais_status_set(RELAIS_E_INVALID, "--token-file: %s: %s", path, strerror(errno));
    if ((st.st_mode & 0777) != 0600 && (st.st_mode & 0777) != 0400)
        return relais_status_set(RELAIS_E_INVALID,
                                 "--token-file: %s is mode %03o; the token must be readable by its owner only "
                                 "(chmod 600 it)",
                                 path, (unsigned)(st.st_mode & 0777));
    char *text = NULL;
    size_t len = 0;
    int rc = relais_cli_read_file(path, S_TOKEN_MAX + 2, 0, &text, &len);
    if (rc)
        return rc;
    while (len && (text[len - 1] == '\n' || text[len - 1] == '\r'))
        text[--len] = '\0';
    if (len < S_TOKEN_MIN || len > S_TOKEN_MAX || strlen(text) != len || strpbrk(text, " \t\r\n"))
        rc = relais_status_set(RELAIS_E_INVALID, "--token-file: %s must hold one token of %d to %d bytes, without "
                                                 "spaces (head -c 32 /dev/urandom | base64 makes one)",
                               path, S_TOKEN_MIN, S_TOKEN_MAX);
    else
        crypto_generichash(a->token_hash, sizeof a->token_hash, (const unsigned char *)text, len, NULL, 0);
    sodium_memzero(text, len);
    free(text);
    return rc;
}

static int s_mkdir(const char *path)
{
    if (mkdir(path, 0700) == 0 || errno == EEXIST)
        return 0;
    return relais_status_set(RELAIS_E_IO, "cannot make %s: %s", path, strerror(errno));
}

/* One agent a state folder: two would send one spool and write one outbox twice. */
static int s_lock_state(relais_agent_t *a)
{
    int rc = s_mkdir(a->state_dir);
    if (rc)
        return rc;
    char path[PATH_MAX + 8];
    snprintf(path, sizeof path, "%s/.lock", a->state_dir);
    a->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (a->lock_fd < 0)
        return relais_status_set(RELAIS_E_IO, "cannot open %s: %s", path, strerror(errno));
    if (flock(a->lock_fd, LOCK_EX | LOCK_NB) != 0)
        return relais_status_set(RELAIS_E_UNAVAILABLE, "another agent uses the state folder %s", a->state_dir);
    return 0;
}

/* --post-to: the partner's system, on this machine. */
static int s_check_post_url(const char *url)
{
    return relais_endpoint_loopback_url(url) ? relais_status_set(RELAIS_E_INVALID, "--post-to: %s", relais_status_detail())
                                        : 0;
}

static int s_join(char *out, const char *dir, const char *name)
{
    int n = snprintf(out, PATH_MAX, "%s/%s", dir, name);
    return n > 0 && n < PATH_MAX ? 0 : relais_status_set(RELAIS_E_INVALID, "path too long: %s/%s", dir, name);
}

static char *s_dup(const char *s)
{
    return s ? strdup(s) : NULL;
}

static int s_check(const relais_agent_options_t *o)
{
    if (!o || !o->client.key_path || !o->client.endpoint || !o->client.server_cert_path)
        return relais_status_set(RELAIS_E_INVALID, "the agent needs an identity and a hub: --key, --endpoint and "
                                                   "--server-cert (or RELAIS_KEY, RELAIS_ENDPOINT, RELAIS_SERVER_CERT)");
    if (!o->state_dir || !*o->state_dir)
        return relais_status_set(RELAIS_E_INVALID, "the agent needs --state DIR, its own folder");
    if (!o->token_path)
        return relais_status_set(RELAIS_E_INVALID, "the agent needs --token-file FILE: the token the partner's "
                                                   "system sends as Authorization: Bearer");
    return o->post_to ? s_check_post_url(o->post_to) : 0;
}

static int s_paths(relais_agent_t *a, const relais_agent_options_t *o)
{
    if (snprintf(a->state_dir, sizeof a->state_dir, "%s", o->state_dir) >= (int)sizeof a->state_dir)
        return relais_status_set(RELAIS_E_INVALID, "--state: the path is too long");
    int rc = s_join(a->position_path, a->state_dir, "feed-position");
    if (!rc)
        rc = s_join(a->posting_dir, a->state_dir, "posting");
    if (!rc)
        rc = s_join(a->refused_dir, a->state_dir, "post-refused");
    if (!rc)
        rc = o->client.spool_dir ? (snprintf(a->spool_dir, sizeof a->spool_dir, "%s", o->client.spool_dir) <
                                            (int)sizeof a->spool_dir
                                        ? 0
                                        : relais_status_set(RELAIS_E_INVALID, "--spool: the path is too long"))
                                 : s_join(a->spool_dir, a->state_dir, "spool");
    if (!rc)
        rc = o->outbox_dir ? (snprintf(a->outbox_dir, sizeof a->outbox_dir, "%s", o->outbox_dir) <
                                      (int)sizeof a->outbox_dir
                                  ? 0
                                  : relais_status_set(RELAIS_E_INVALID, "--outbox: the path is too long"))
                           : s_join(a->outbox_dir, a->state_dir, "outbox");
    if (!rc && o->post_to)
        snprintf(a->post_url, sizeof a->post_url, "%s", o->post_to);
    return rc;
}

static int s_open_hub(relais_agent_t *a, const relais_agent_options_t *o)
{
    a->endpoint = s_dup(o->client.endpoint);
    a->key_path = s_dup(o->client.key_path);
    a->server_cert_path = s_dup(o->client.server_cert_path);
    if (!a->endpoint || !a->key_path || !a->server_cert_path)
        return relais_status_set(RELAIS_E_NOMEM, "out of memory");
    a->client_opts = o->client;
    a->client_opts.endpoint = a->endpoint;
    a->client_opts.key_path = a->key_path;
    a->client_opts.server_cert_path = a->server_cert_path;
    a->client_opts.spool_dir = a->spool_dir;
    int rc = relais_client_new(&a->client_opts, &a->client);
    if (rc)
        return rc;
    snprintf(a->name, sizeof a->name, "%s", relais_client_name(a->client));
    relais_client_options_t feed = a->client_opts;
    feed.spool_dir = NULL; /* the feed writes nothing to the spool */
    return relais_client_new(&feed, &a->feed);
}

static int s_serve(relais_agent_t *a)
{
    a->mhd = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
                                  MHD_USE_ERROR_LOG,
                              0, NULL, NULL, agent_http_handle, a, MHD_OPTION_LISTEN_SOCKET, (MHD_socket)a->listen_fd,
                              MHD_OPTION_NOTIFY_COMPLETED, agent_http_done, a, MHD_OPTION_CONNECTION_LIMIT,
                              (unsigned)64, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60, MHD_OPTION_END);
    if (!a->mhd)
        return relais_status_set(RELAIS_E_IO, "the HTTP server did not start on %s", a->address);
    a->listen_fd = -1; /* the server's now: it closes it when it stops */
    return 0;
}

int relais_agent_start(const relais_agent_options_t *o, relais_agent_t **out)
{
    *out = NULL;
    unsigned port = 0;
    int rc = s_check(o);
    if (!rc)
        rc = relais_endpoint_loopback_port(o->listen ? o->listen : "127.0.0.1:0", "the agent",
                                      "the partner's system runs on this machine", &port);
    if (rc)
        return rc;
    if (sodium_init() < 0)
        return relais_status_set(RELAIS_E_CRYPTO, "libsodium did not start");
    relais_agent_t *a = calloc(1, sizeof *a);
    if (!a)
        return relais_status_set(RELAIS_E_NOMEM, "out of memory");
    a->listen_fd = a->lock_fd = -1;
    pthread_mutex_init(&a->lock, NULL);
    pthread_cond_init(&a->wake, NULL);
    pthread_mutex_init(&a->post_lock, NULL);
    pthread_cond_init(&a->post_wake, NULL);
    atomic_store(&a->feed_running, 1);
    a->post_backoff_max_ms = (int64_t)(o->post_backoff_max_s ? o->post_backoff_max_s : 300) * 1000;
    a->unreachable_log_ms = (int64_t)(o->unreachable_log_s ? o->unreachable_log_s : 60) * 1000;
    size_t max_message = o->client.max_message ? o->client.max_message : RELAIS_SUBMIT_DEFAULT_MAX_MESSAGE;
    a->max_body = RELAIS_SUBMIT_FILE_FACTOR * max_message;
    rc = s_paths(a, o);
    if (!rc)
        rc = s_read_token(a, o->token_path);
    if (!rc)
        rc = s_lock_state(a);
    if (!rc)
        rc = s_mkdir(a->outbox_dir);
    if (!rc && *a->post_url)
        rc = s_mkdir(a->posting_dir);
    if (!rc && *a->post_url)
        rc = s_mkdir(a->refused_dir);
    if (!rc)
        rc = s_open_hub(a, o);
    if (!rc && o->watch_dir) {
        relais_drop_options_t d = {.dir = o->watch_dir, .max_file = a->max_body};
        rc = relais_drop_open(a->client, &d, &a->drop);
    }
    if (!rc)
        rc = s_listen(a, port);
    if (!rc && o->metrics_listen)
        rc = agent_metrics_bind(a, o->metrics_listen);
    if (!rc)
        rc = s_serve(a);
    if (!rc && pthread_create(&a->sender, NULL, s_sender_main, a) != 0)
        rc = relais_status_set(RELAIS_E_NOMEM, "the sender's thread");
    if (!rc)
        a->sender_started = 1;
    if (!rc)
        rc = agent_deliver_start(a);
    if (!rc)
        rc = agent_metrics_start(a);
    if (rc) {
        relais_agent_stop(&a);
        return rc;
    }
    agent_log("info", "listening", "address=%s name=%s spool=%s outbox=%s post_to=%s watch=%s", a->address, a->name,
              a->spool_dir, a->outbox_dir, *a->post_url ? a->post_url : "-", o->watch_dir ? o->watch_dir : "-");
    *out = a;
    return 0;
}

const char *relais_agent_address(const relais_agent_t *a)
{
    return a->address;
}

const char *relais_agent_metrics_url(const relais_agent_t *a)
{
    return a->metrics ? relais_metrics_server_url(a->metrics) : "";
}

const char *relais_agent_name(const relais_agent_t *a)
{
    return a->name;
}

int relais_agent_status(relais_agent_t *a, relais_agent_status_t *out)
{
    memset(out, 0, sizeof *out);
    out->hub_reachable = atomic_load(&a->hub_reachable);
    out->feed_position = atomic_load(&a->feed_position);
    out->feed_running = atomic_load(&a->feed_running);
    out->posts_waiting = agent_posts_waiting(a);
    out->posts_refused = agent_posts_refused(a);
    pthread_mutex_lock(&a->lock);
    int rc = relais_client_outbox_waiting_age(a->client, &out->waiting, &out->oldest_age_s);
    pthread_mutex_unlock(&a->lock);
    return rc;
}

void relais_agent_stop(relais_agent_t **ap)
{
    relais_agent_t *a = ap ? *ap : NULL;
    if (!a)
        return;
    atomic_store(&a->stopping, 1);
    relais_metrics_server_destroy(&a->metrics); /* first: it reads the spool and the posts */
    if (a->mhd)
        MHD_stop_daemon(a->mhd);
    agent_kick(a);
    if (a->sender_started)
        pthread_join(a->sender, NULL);
    agent_deliver_stop(a);
    if (a->listen_fd >= 0)
        close(a->listen_fd);
    relais_drop_close(&a->drop);
    relais_client_destroy(&a->feed);
    relais_client_destroy(&a->client);
    if (a->lock_fd >= 0)
        close(a->lock_fd);
    sodium_memzero(a->token_hash, sizeof a->token_hash);
    pthread_mutex_destroy(&a->lock);
    pthread_cond_destroy(&a->wake);
    pthread_mutex_destroy(&a->post_lock);
    pthread_cond_destroy(&a->post_wake);
    free(a->endpoint);
    free(a->key_path);
    free(a->server_cert_path);
    free(a);
    *ap = NULL;
}
