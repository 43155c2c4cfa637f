/* deliver.c -- what the hub says back to the partner, delivered to the partner's system: the
 * feed's thread writes each status of the partner's referrals (and each transfer addressed to it)
 * as a file in the outbox folder, and, with --post-to, the poster's thread POSTs each to the
 * partner's system until it answers 2xx.
 *
 * A delivery becomes OUTBOX/<seq, 20 digits>-<kind>.json: the record's sequence number makes the
 * names unique and sorts them in the log's order. Each file is written beside its name, synced,
 * then linked to it, so it appears whole and is never overwritten. With --post-to, a copy goes to
 * STATE/posting first; the feed's position (STATE/feed-position, replaced whole) is written after
 * both, so a crash replays at most the last delivery, whose files are then found there already.
 * The poster takes a copy only once the position is past it, removes it once posted with a 2xx,
 * and so never re-creates and POSTs again a status its partner took.
 *
 * A status the partner's system refuses as such (400, 409, 413, 415 or 422: this body, not the system,
 * is the matter) is moved to STATE/post-refused and the next one goes: trying it again would only
 * hold every later status behind it. Any other failure, its system down or misconfigured (401, 404,
 * 5xx...), is tried again with back-off, since every status would meet it.
 */
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "agent_internal.h"
#include "relais_page.h"

#define S_FEED_WAIT_MS 500
#define S_CREDIT 64
#define S_WRITE_RETRY_MS 5000      /* a disk that refused a file is tried again this often */
#define S_POST_MIN_BACKOFF_MS 500  /* the partner's system down: the next try after this, doubling */
#define S_POST_CONNECT_TIMEOUT_S 5
#define S_POST_TIMEOUT_S 30
#define S_POST_FILE_MAX (1u << 20) /* a status's file is small; anything larger in posting/ is not ours */
#define S_NAME_DIGITS 20

/* ---- Files written once -------------------------------------------------------------------------- */

static int s_sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return relais_status_set(RELAIS_E_IO, "%s: %s", dir, strerror(errno));
    int rc = fsync(fd) == 0 ? 0 : relais_status_set(RELAIS_E_IO, "%s: %s", dir, strerror(errno));
    close(fd);
    return rc;
}

static int s_path(char *out, size_t cap, const char *dir, const char *name)
{
    int n = snprintf(out, cap, "%s/%s", dir, name);
    return n > 0 && (size_t)n < cap ? 0 : relais_status_set(RELAIS_E_INVALID, "path too long: %s/%s", dir, name);
}

/* DIR/NAME with `data`, unless it is there already (a replayed delivery): 0 either way. */
static int s_write_once(const char *dir, const char *name, const char *data, size_t len)
{
    char path[PATH_MAX], tmp[PATH_MAX];
    char hidden[NAME_MAX + 8];
    snprintf(hidden, sizeof hidden, ".%.*s.tmp", NAME_MAX - 6, name);
    if (s_path(path, sizeof path, dir, name) != 0 || s_path(tmp, sizeof tmp, dir, hidden) != 0)
        return RELAIS_E_INVALID;
    if (access(path, F_OK) == 0)
        return 0;
    unlink(tmp); /* a crash's leftover */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return relais_status_set(RELAIS_E_IO, "%s: %s", tmp, strerror(errno));
    size_t done = 0;
    int rc = 0;
    for (int tries = 0; done < len && tries < 1000; tries++) {
        ssize_t n = write(fd, data + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            rc = relais_status_set(RELAIS_E_IO, "%s: %s", tmp, strerror(errno));
            break;
        }
        done += (size_t)n;
    }
    if (!rc && done < len)
        rc = relais_status_set(RELAIS_E_IO, "%s: the disk takes no more", tmp);
    if (!rc && fsync(fd) != 0)
        rc = relais_status_set(RELAIS_E_IO, "%s: %s", tmp, strerror(errno));
    close(fd);
    if (!rc && link(tmp, path) != 0 && errno != EEXIST)
        rc = relais_status_set(RELAIS_E_IO, "%s: %s", path, strerror(errno));
    unlink(tmp);
    return rc ? rc : s_sync_dir(dir);
}

/* ---- The feed, into the outbox ------------------------------------------------------------------- */

/* The file of one delivery, or NULL when it holds nothing for the partner's system. */
static json_t *s_delivery_json(const relais_delivery_t *d, const char **kind)
{
    json_t *v = NULL;
    if (d->record && d->transferred_entry_len) {
        *kind = "transfer";
        relais_log_record_t entry;
        v = json_pack("{s:s, s:I, s:I, s:o}", "kind", "transfer", "seq", (json_int_t)d->seq, "received_ms",
                      (json_int_t)d->received_ms, "record",
                      relais_cli_record_json(d->seq, d->received_ms, d->record, d->record_len,
                                             d->has_leaf_hash ? d->leaf_hash : NULL));
        if (v && relais_log_record_decode(d->transferred_entry, d->transferred_entry_len, &entry) == 0)
            json_object_set_new(v, "transferred_entry",
                                relais_cli_record_json(entry.seq, entry.received_ms, d->transferred_entry,
                                                       d->transferred_entry_len, d->transferred_entry_leaf_hash));
    } else if (d->has_status) {
        *kind = "status";
        v = json_pack("{s:s, s:I, s:I, s:o, s:b}", "kind", "status", "seq", (json_int_t)d->seq, "received_ms",
                      (json_int_t)d->received_ms, "status", relais_cli_status_json(&d->status), "overdue",
                      d->overdue);
    }
    return v;
}

/* Writes the files of one delivery: 0, or a status with the detail set (the delivery is kept and
 * tried again: the position does not move past it). */
static int s_keep(relais_agent_t *a, const relais_delivery_t *d)
{
    const char *kind = NULL;
    json_t *v = s_delivery_json(d, &kind);
    if (!v)
        return kind ? relais_status_set(RELAIS_E_NOMEM, "out of memory for record %" PRIu64, d->seq) : 0;
    char *text = json_dumps(v, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(v);
    if (!text)
        return relais_status_set(RELAIS_E_NOMEM, "out of memory for record %" PRIu64, d->seq);
    char name[64];
    snprintf(name, sizeof name, "%0*" PRIu64 "-%s.json", S_NAME_DIGITS, d->seq, kind);
    size_t len = strlen(text);
    text[len] = '\0';
    char outboxed[PATH_MAX];
    int rc = s_path(outboxed, sizeof outboxed, a->outbox_dir, name);
    if (!rc && access(outboxed, F_OK) != 0) {
        if (*a->post_url)
            rc = s_write_once(a->posting_dir, name, text, len);
        if (!rc)
            rc = s_write_once(a->outbox_dir, name, text, len);
    }
    free(text);
    if (!rc)
        agent_log("info", "delivered", "seq=%" PRIu64 " kind=%s file=%s", d->seq, kind, name);
    return rc;
}

static int s_position_read(relais_agent_t *a, uint64_t *last)
{
    *last = 0;
    if (access(a->position_path, F_OK) != 0)
        return 0;
    char *text = NULL;
    size_t len = 0;
    int rc = relais_cli_read_file(a->position_path, 64, 0, &text, &len);
    if (rc)
        return rc;
    while (len && (text[len - 1] == '\n' || text[len - 1] == ' '))
        text[--len] = '\0';
    if (relais_cli_parse_u64(text, last))
        rc = relais_status_set(RELAIS_E_CORRUPT, "%s: expected a sequence number", a->position_path);
    free(text);
    return rc;
}

static int s_position_write(relais_agent_t *a, uint64_t last)
{
    char line[32];
    int n = snprintf(line, sizeof line, "%" PRIu64 "\n", last);
    return relais_file_replace(a->position_path, line, (size_t)n);
}

static void s_sleep_unless_stopping(relais_agent_t *a, int ms)
{
    for (int waited = 0; waited < ms && !atomic_load(&a->stopping); waited += 100) {
        struct timespec ts = {0, 100 * 1000000L};
        nanosleep(&ts, NULL);
    }
}

static void s_wake_poster(relais_agent_t *a)
{
    pthread_mutex_lock(&a->post_lock);
    pthread_cond_signal(&a->post_wake);
    pthread_mutex_unlock(&a->post_lock);
}

static void *s_feed_main(void *arg)
{
    relais_agent_t *a = arg;
    int rc = relais_feed_subscribe(a->feed, atomic_load(&a->feed_position) + 1, S_CREDIT);
    while (!rc && !atomic_load(&a->stopping)) {
        relais_delivery_t d;
        relais_error_t err = {0};
        rc = relais_feed_next(a->feed, S_FEED_WAIT_MS, &d, &err);
        if (rc == RELAIS_E_TIMEOUT) {
            rc = 0;
            continue;
        }
        if (rc) {
            agent_log("error", "feed-refused", "code=%s why=\"%s\"", relais_status_name(rc),
                      err.message[0] ? err.message : relais_status_detail());
            break;
        }
        /* The delivery stays valid until the next call: a disk that refused it is tried again. */
        while ((rc = s_keep(a, &d)) != 0 && !atomic_load(&a->stopping)) {
            agent_log("error", "outbox-write", "seq=%" PRIu64 " why=\"%s\"", d.seq, relais_status_detail());
            s_sleep_unless_stopping(a, S_WRITE_RETRY_MS);
        }
        if (rc)
            break;
        while ((rc = s_position_write(a, d.seq)) != 0 && !atomic_load(&a->stopping)) {
            agent_log("error", "position-write", "seq=%" PRIu64 " why=\"%s\"", d.seq, relais_status_detail());
            s_sleep_unless_stopping(a, S_WRITE_RETRY_MS);
        }
        if (rc)
            break;
        atomic_store(&a->feed_position, d.seq);
        if (*a->post_url)
            s_wake_poster(a);
    }
    if (rc && !atomic_load(&a->stopping))
        atomic_store(&a->feed_running, 0);
    return NULL;
}

/* ---- The poster ---------------------------------------------------------------------------------- */

static int s_is_posting_name(const char *name, uint64_t *seq)
{
    char digits[S_NAME_DIGITS + 1];
    if (strlen(name) <= S_NAME_DIGITS + 6 || name[S_NAME_DIGITS] != '-' ||
        strspn(name, "0123456789") != S_NAME_DIGITS || strcmp(name + strlen(name) - 5, ".json") != 0)
        return 0;
    memcpy(digits, name, S_NAME_DIGITS);
    digits[S_NAME_DIGITS] = '\0';
    return relais_cli_parse_u64(digits, seq) == 0;
}

/* The oldest copy in folder that the feed's position has passed, into name (room NAME_MAX + 1);
 * the count of all there into *count when asked. 1 when there is one, 0 when none, or a status. */
static int s_oldest_in(relais_agent_t *a, const char *folder, char *name, int64_t *count)
{
    DIR *dir = opendir(folder);
    if (!dir)
        return relais_status_set(RELAIS_E_IO, "%s: %s", folder, strerror(errno));
    uint64_t best = UINT64_MAX, position = atomic_load(&a->feed_position), seq;
    int64_t n = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        if (!s_is_posting_name(e->d_name, &seq))
            continue;
        n++;
        if (seq <= position && seq < best) {
            best = seq;
            snprintf(name, NAME_MAX + 1, "%s", e->d_name);
        }
    }
    closedir(dir);
    if (count)
        *count = n;
    return best != UINT64_MAX;
}

/* The next status to POST: the oldest waiting in posting/. */
static int s_next_post(relais_agent_t *a, char *name, int64_t *count)
{
    return s_oldest_in(a, a->posting_dir, name, count);
}

int64_t agent_posts_refused(relais_agent_t *a)
{
    if (!*a->post_url)
        return -1;
    char name[NAME_MAX + 1];
    int64_t count = 0;
    return s_oldest_in(a, a->refused_dir, name, &count) < 0 ? -1 : count;
}

int64_t agent_posts_waiting(relais_agent_t *a)
{
    if (!*a->post_url)
        return -1;
    char name[NAME_MAX + 1];
    int64_t count = 0;
    return s_next_post(a, name, &count) < 0 ? -1 : count;
}

/* The start of the partner's answer, for the log line of a refusal: its system's reason. */
typedef struct {
    char text[200];
    size_t len;
} s_answer_t;

static size_t s_keep_answer(char *data, size_t size, size_t n, void *arg)
{
    s_answer_t *answer = arg;
    size_t got = size * n;
    for (size_t i = 0; i < got && answer->len + 1 < sizeof answer->text; i++) {
        unsigned char ch = (unsigned char)data[i];
        /* one log line, whatever it sent: no control character, no quote that would end the field */
        answer->text[answer->len++] = (char)(ch < 0x20 || ch == 0x7f || ch == '"' || ch == '\\' ? ' ' : ch);
    }
    answer->text[answer->len] = '\0';
    return got;
}

/* What only this status is refused for: set it aside rather than hold the others behind it. */
static int s_refuses_this_body(long status)
{
    return status == 400 || status == 409 || status == 413 || status == 415 || status == 422;
}

static int s_on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    const relais_agent_t *a = arg;
    return atomic_load(&a->stopping) ? 1 : 0; /* a stopping agent does not wait out a hung partner */
}

/* Moves a refused status from posting/ to post-refused/, both folders synced: it is never posted again by
 * itself, and an administrator who moves it back has it posted once more. */
static int s_set_aside(relais_agent_t *a, const char *name)
{
    char from[PATH_MAX], to[PATH_MAX];
    int rc = s_path(from, sizeof from, a->posting_dir, name);
    if (!rc)
        rc = s_path(to, sizeof to, a->refused_dir, name);
    if (rc)
        return rc;
    if (rename(from, to) != 0)
        return relais_status_set(RELAIS_E_IO, "%s -> %s: %s", from, to, strerror(errno));
    rc = s_sync_dir(a->refused_dir);
    return rc ? rc : s_sync_dir(a->posting_dir);
}

/* POSTs one file: 0 once the partner's system answered 2xx, else a status with the detail set;
 * *refused is the HTTP status when the system refused this status as such (s_refuses_this_body). */
static int s_post(relais_agent_t *a, CURL *c, const char *name, long *refused)
{
    *refused = 0;
    char path[PATH_MAX];
    char *body = NULL;
    size_t len = 0;
    int rc = s_path(path, sizeof path, a->posting_dir, name);
    if (!rc)
        rc = relais_cli_read_file(path, S_POST_FILE_MAX, RELAIS_CLI_READ_NOFOLLOW, &body, &len);
    if (rc)
        return rc;
    char err[CURL_ERROR_SIZE] = "", seq_header[64];
    snprintf(seq_header, sizeof seq_header, "X-Relais-Seq: %.*s", S_NAME_DIGITS, name);
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    struct curl_slist *more = headers ? curl_slist_append(headers, seq_header) : NULL;
    if (!more) {
        curl_slist_free_all(headers);
        free(body);
        return relais_status_set(RELAIS_E_NOMEM, "out of memory for a POST");
    }
    headers = more;
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, a->post_url);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    s_answer_t answer = {.len = 0};
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, s_keep_answer);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &answer);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L); /* a thread among others: no SIGALRM for the timeouts */
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)S_POST_CONNECT_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)S_POST_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http");
    curl_easy_setopt(c, CURLOPT_USERAGENT, "relais-agent/" RELAIS_VERSION);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, s_on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, a);
    CURLcode cc = curl_easy_perform(c);
    curl_slist_free_all(headers);
    free(body);
    long status = 0;
    if (cc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (cc != CURLE_OK)
        return relais_status_set(RELAIS_E_UNAVAILABLE, "%s", err[0] ? err : curl_easy_strerror(cc));
    if (s_refuses_this_body(status)) {
        *refused = status;
        return relais_status_set(RELAIS_E_MALFORMED, "the partner's system refused this status: %ld%s%s", status,
                                 answer.len ? ", " : "", answer.text);
    }
    if (status < 200 || status > 299)
        return relais_status_set(RELAIS_E_UNAVAILABLE, "the partner's system answered %ld%s%s", status,
                                 answer.len ? ", " : "", answer.text);
    /* Taken: gone at once, so that no restart posts it again. */
    if (unlink(path) != 0)
        return relais_status_set(RELAIS_E_IO, "%s: %s", path, strerror(errno));
    return s_sync_dir(a->posting_dir);
}

static void *s_poster_main(void *arg)
{
    relais_agent_t *a = arg;
    CURL *c = curl_easy_init();
    if (!c) {
        agent_log("error", "post", "why=\"the HTTP client could not start\"");
        return NULL;
    }
    int failures = 0;
    while (!atomic_load(&a->stopping)) {
        char name[NAME_MAX + 1];
        int64_t count = 0;
        int has = s_next_post(a, name, &count);
        if (has < 0)
            agent_log("error", "post", "why=\"%s\"", relais_status_detail());
        if (has <= 0) {
            agent_wait(a, &a->post_lock, &a->post_wake, 1000);
            continue;
        }
        long refused = 0;
        int rc = s_post(a, c, name, &refused);
        if (refused) {
            char why[512];
            snprintf(why, sizeof why, "%s", relais_status_detail());
            if (failures) /* it answered: its system is up */
                agent_log("info", "partner-reachable", "url=%s after_failures=%d", a->post_url, failures);
            failures = 0;
            if (s_set_aside(a, name) == 0) {
                agent_log("error", "post-refused", "file=%s url=%s status=%ld kept_in=%s waiting=%" PRId64 " why=\"%s\"",
                          name, a->post_url, refused, a->refused_dir, count - 1, why);
                continue;
            }
            /* not moved: it stays first in line and is tried again with back-off, as after a failure */
            agent_log("error", "post-refused", "file=%s url=%s status=%ld why=\"%s\" not_moved=\"%s\"", name,
                      a->post_url, refused, why, relais_status_detail());
        }
        if (rc == 0) {
            if (failures)
                agent_log("info", "partner-reachable", "url=%s after_failures=%d", a->post_url, failures);
            failures = 0;
            agent_log("info", "posted", "file=%s url=%s waiting=%" PRId64, name, a->post_url, count - 1);
            continue;
        }
        if (atomic_load(&a->stopping))
            break;
        if (failures < 30)
            failures++;
        int64_t wait = (int64_t)S_POST_MIN_BACKOFF_MS << (failures - 1);
        if (wait > a->post_backoff_max_ms)
            wait = a->post_backoff_max_ms;
        agent_log("warn", "post-failed", "file=%s url=%s waiting=%" PRId64 " retry_in_ms=%" PRId64 " why=\"%s\"", name,
                  a->post_url, count, wait, relais_status_detail());
        agent_wait(a, &a->post_lock, &a->post_wake, wait);
    }
    curl_easy_cleanup(c);
    return NULL;
}

/* ---- Start and stop ------------------------------------------------------------------------------ */

int agent_deliver_start(relais_agent_t *a)
{
    uint64_t last = 0;
    int rc = s_position_read(a, &last);
    if (rc)
        return rc;
    atomic_store(&a->feed_position, last);
    if (*a->post_url) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
            return relais_status_set(RELAIS_E_UNAVAILABLE, "the HTTP client (libcurl) did not start");
        if (pthread_create(&a->poster, NULL, s_poster_main, a) != 0)
            return relais_status_set(RELAIS_E_NOMEM, "the poster's thread");
        a->poster_started = 1;
    }
    if (pthread_create(&a->feed_thread, NULL, s_feed_main, a) != 0)
        return relais_status_set(RELAIS_E_NOMEM, "the feed's thread");
    a->feed_started = 1;
    return 0;
}

void agent_deliver_stop(relais_agent_t *a)
{
    if (a->poster_started) {
        s_wake_poster(a);
        pthread_join(a->poster, NULL);
        a->poster_started = 0;
        curl_global_cleanup();
    }
    if (a->feed_started) {
        pthread_join(a->feed_thread, NULL);
        a->feed_started = 0;
    }
}
