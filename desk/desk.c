/* desk.c -- a desk's life: its options checked, its socket, its two connections to the hub, the
 * feed's thread, the HTTP server, and its stop.
 *
 * The desk never listens on the network: on 127.0.0.1 (a browser on the same machine, or a proxy
 * there) or on a unix socket (a proxy). TLS and the person's authentication before a proxy are the
 * proxy's (desk/README.md).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "desk_internal.h"
#include "relais_endpoint.h"

#define S_HUB_TIMEOUT_MS 5000 /* a read or a move waits this long for the hub */
#define S_FEED_WAIT_MS 500    /* the feed is caught up when nothing came for this long */
#define S_MIN_SECRET 16
#define S_PAGE_ROWS 100      /* the work list's lines a page, unless told */
#define S_MAX_PAGE_ROWS 10000

/* ---- The feed's thread ------------------------------------------------------------------------- */

static void *s_feed_main(void *arg)
{
    relais_desk_t *desk = arg;
    int rc = relais_feed_subscribe(desk->feed, 1, 256);
    if (rc) {
        desk_model_set_feed(desk->model, 0, 0, relais_status_detail());
        return NULL;
    }
    while (!atomic_load(&desk->stopping)) {
        relais_delivery_t d;
        relais_error_t err = {0};
        rc = relais_feed_next(desk->feed, S_FEED_WAIT_MS, &d, &err);
        if (rc == 0) {
            desk_model_apply(desk->model, &d);
            continue;
        }
        int up = relais_client_is_connected(desk->feed);
        if (rc == RELAIS_E_TIMEOUT) {
            desk_model_set_feed(desk->model, up, up, NULL);
            continue;
        }
        /* Refused for good (a key revoked, say): the list stays as it was, and says so. */
        char trouble[320];
        snprintf(trouble, sizeof trouble, "%s: %s", relais_status_name(rc),
                 err.message[0] ? err.message : relais_status_detail());
        desk_model_set_feed(desk->model, 0, up, trouble);
        break;
    }
    return NULL;
}

/* ---- Sockets --------------------------------------------------------------------------------------- */

static int s_listen_tcp(relais_desk_t *desk, unsigned port)
{
    unsigned got = 0;
    int rc = relais_cli_listen_loopback(port, &desk->listen_fd, &got);
    if (rc)
        return rc;
    desk->port = (int)got;
    snprintf(desk->address, sizeof desk->address, "http://127.0.0.1:%d", desk->port);
    snprintf(desk->host, sizeof desk->host, "127.0.0.1:%d", desk->port);
    snprintf(desk->host_alt, sizeof desk->host_alt, "localhost:%d", desk->port);
    return 0;
}

/* A unix socket at `path`, made 0600 (0660 and the proxy's group with `group`). A socket left there by
 * a desk that died is replaced; one a desk still answers on, or anything that is not a socket, is not. */
static int s_listen_unix(relais_desk_t *desk, const char *path, const char *group)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof a.sun_path)
        return relais_status_set(RELAIS_E_INVALID, "--socket: the path is longer than %zu bytes",
                                 sizeof a.sun_path - 1);
    memcpy(a.sun_path, path, strlen(path) + 1);
    gid_t gid = (gid_t)-1;
    if (group) {
        struct group *g = getgrnam(group);
        if (!g)
            return relais_status_set(RELAIS_E_INVALID, "--socket-group: no group '%.64s' on this machine", group);
        gid = g->gr_gid;
    }
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode))
            return relais_status_set(RELAIS_E_IO, "--socket: %s exists and is not a socket", path);
        int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int alive = probe >= 0 && connect(probe, (struct sockaddr *)&a, sizeof a) == 0;
        if (probe >= 0)
            close(probe);
        if (alive)
            return relais_status_set(RELAIS_E_IO, "--socket: something answers on %s already (another desk?)", path);
        unlink(path);
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return relais_status_set(RELAIS_E_IO, "socket: %s", strerror(errno));
    mode_t old = umask(0177); /* made 0600 from its first moment */
    int rc = bind(fd, (struct sockaddr *)&a, sizeof a);
    umask(old);
    if (rc == 0 && group && (chown(path, (uid_t)-1, gid) != 0 || chmod(path, 0660) != 0))
        rc = -1;
    if (rc != 0 || listen(fd, 64) != 0) {
        int e = errno;
        close(fd);
        if (rc == 0 || e != EADDRINUSE)
            unlink(path);
        return relais_status_set(RELAIS_E_IO, "--socket: %s: %s", path, strerror(e));
    }
    desk->listen_fd = fd;
    desk->socket_made = 1;
    snprintf(desk->address, sizeof desk->address, "%s", path);
    return 0;
}

/* ---- Start and stop -------------------------------------------------------------------------------- */

/* libmicrohttpd's error log: its format is the library's own, not ours to check. */
static void s_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

static void s_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    line[strcspn(line, "\r\n")] = '\0';
    relais_cli_line(stderr, "relais desk: http: %s", line);
}

static char *s_dup(const char *s)
{
    return s ? strdup(s) : NULL;
}

static int s_check(const relais_desk_options_t *o)
{
    if (!o || !o->client.key_path || !o->client.endpoint || !o->client.server_cert_path)
        return relais_status_set(RELAIS_E_INVALID, "the desk needs an identity and a hub: --key, --endpoint and "
                                                   "--server-cert (or RELAIS_KEY, RELAIS_ENDPOINT, RELAIS_SERVER_CERT)");
    if (o->listen && o->socket_path)
        return relais_status_set(RELAIS_E_INVALID, "--listen and --socket: one or the other");
    if (o->socket_group && !o->socket_path)
        return relais_status_set(RELAIS_E_INVALID, "--socket-group goes with --socket");
    if (o->proxy_secret && strlen(o->proxy_secret) < S_MIN_SECRET)
        return relais_status_set(RELAIS_E_INVALID, "--proxy-secret: the secret is shorter than %d bytes",
                                 S_MIN_SECRET);
    if (o->person && !o->proxy_secret && !o->socket_path)
        return relais_status_set(RELAIS_E_INVALID, "--person is the proxy's: it goes with --socket or --proxy-secret");
    if (o->page_rows > S_MAX_PAGE_ROWS)
        return relais_status_set(RELAIS_E_INVALID, "--page-rows: 1 to %d", S_MAX_PAGE_ROWS);
    if (o->person && (!*o->person || strlen(o->person) >= RELAIS_NAME_LEN))
        return relais_status_set(RELAIS_E_INVALID, "--person: a name of 1 to %d bytes", RELAIS_NAME_LEN - 1);
    return 0;
}

/* The hub's deadline policy, as relaisd reads its options. */
static int s_policy(const relais_desk_options_t *o, relais_cases_policy_t *policy)
{
    relais_cases_policy_default(policy);
    if (o->triage_hours && relais_cases_policy_triage(policy, o->triage_hours) != 0)
        return relais_status_set(RELAIS_E_INVALID, "--triage-hours: %s", relais_status_detail());
    if (o->working_hours && relais_cases_policy_hours(policy, o->working_hours) != 0)
        return relais_status_set(RELAIS_E_INVALID, "--working-hours: %s", relais_status_detail());
    if (o->holidays && relais_cases_policy_holidays(policy, o->holidays) != 0)
        return relais_status_set(RELAIS_E_INVALID, "--holidays: %s", relais_status_detail());
    return 0;
}

/* What the desk holds about children lives in its memory: no core file may write it to disk. */
static void s_no_core(void)
{
    struct rlimit none = {0, 0};
    setrlimit(RLIMIT_CORE, &none);
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

int relais_desk_start(const relais_desk_options_t *o, relais_desk_t **out)
{
    relais_cases_policy_t policy;
    int rc = s_check(o);
    if (rc == 0)
        rc = s_policy(o, &policy);
    if (rc)
        return rc;
    if (sodium_init() < 0)
        return relais_status_set(RELAIS_E_CRYPTO, "libsodium did not start");
    unsigned port = 0;
    if (!o->socket_path && (rc = relais_endpoint_loopback_port(o->listen ? o->listen : "127.0.0.1:0", "the desk",
                                                             "a browser on this machine, or a proxy here that "
                                                             "serves the network with TLS",
                                                             &port)) != 0)
        return rc;
    relais_desk_t *desk = calloc(1, sizeof *desk);
    if (!desk)
        return relais_status_set(RELAIS_E_NOMEM, "the desk");
    desk->listen_fd = -1;
    pthread_mutex_init(&desk->hub_lock, NULL);
    pthread_mutex_init(&desk->lock, NULL);
    desk->endpoint = s_dup(o->client.endpoint);
    desk->key_path = s_dup(o->client.key_path);
    desk->server_cert_path = s_dup(o->client.server_cert_path);
    desk->socket_path = s_dup(o->socket_path);
    desk->client_opts = o->client;
    desk->client_opts.endpoint = desk->endpoint;
    desk->client_opts.key_path = desk->key_path;
    desk->client_opts.server_cert_path = desk->server_cert_path;
    desk->client_opts.spool_dir = NULL; /* nothing typed is kept on disk */
    if (desk->client_opts.timeout_ms <= 0)
        desk->client_opts.timeout_ms = S_HUB_TIMEOUT_MS;
    desk->idle_ms = (int64_t)(o->idle_seconds ? o->idle_seconds : 30 * 60) * 1000;
    desk->page_rows = o->page_rows ? o->page_rows : S_PAGE_ROWS;
    desk->lang = o->lang == RELAIS_DESK_EN ? RELAIS_CLI_EN : RELAIS_CLI_FR;
    desk->proxied = o->socket_path || o->proxy_secret;
    if (o->proxy_secret) {
        desk->has_secret = 1;
        crypto_generichash(desk->secret_hash, sizeof desk->secret_hash, (const unsigned char *)o->proxy_secret,
                           strlen(o->proxy_secret), NULL, 0);
    }
    if (!desk->endpoint || !desk->key_path || !desk->server_cert_path || (o->socket_path && !desk->socket_path)) {
        relais_desk_stop(&desk);
        return relais_status_set(RELAIS_E_NOMEM, "the desk");
    }
    relais_status_clear();
    rc = relais_client_new(&desk->client_opts, &desk->hub);
    if (rc == 0 && strcmp(relais_client_role(desk->hub), "coordinator") == 0)
        desk->role = DESK_ROLE_COORDINATOR;
    else if (rc == 0 && strcmp(relais_client_role(desk->hub), "partner") == 0)
        desk->role = DESK_ROLE_PARTNER;
    else if (rc == 0 && strcmp(relais_client_role(desk->hub), "reception") == 0)
        desk->role = DESK_ROLE_RECEPTION;
    else if (rc == 0)
        rc = relais_status_set(RELAIS_E_INVALID,
                               "a desk serves the coordinator, the reception or a partner: %.64s's role is %.32s, which "
                               "has no pages here",
                               relais_client_name(desk->hub),
                               *relais_client_role(desk->hub) ? relais_client_role(desk->hub) : "role unknown");
    /* A partner's feed brings its referrals' statuses without their records, which the model cannot
     * fold, and its pages read the hub instead: no feed is taken from the partner's few. */
    int feeds = desk->role != DESK_ROLE_PARTNER;
    if (rc == 0 && feeds)
        rc = relais_client_new(&desk->client_opts, &desk->feed);
    if (rc == 0 && feeds)
        rc = desk_model_new(&policy, &desk->model);
    if (rc) {
        relais_desk_stop(&desk);
        return rc;
    }
    snprintf(desk->name, sizeof desk->name, "%s", relais_client_name(desk->hub));
    snprintf(desk->person, sizeof desk->person, "%s", o->person ? o->person : desk->name);
    if ((rc = desk_calendar_open(&desk->calendar, o->state_dir, desk->person)) != 0) {
        relais_desk_stop(&desk);
        return rc;
    }
    if (desk->role == DESK_ROLE_RECEPTION && (rc = desk_reception_open(desk, o->streets)) != 0) {
        relais_desk_stop(&desk);
        return rc;
    }
    rc = o->socket_path ? s_listen_unix(desk, o->socket_path, o->socket_group) : s_listen_tcp(desk, port);
    if (rc) {
        relais_desk_stop(&desk);
        return rc;
    }
    if (desk->proxied)
        snprintf(desk->cookie, sizeof desk->cookie, "relais_desk");
    else /* a browser sends 127.0.0.1's cookies to every port: one name a desk */
        snprintf(desk->cookie, sizeof desk->cookie, "relais_desk_%d", desk->port);
    if ((rc = desk_queue_open(desk)) != 0) {
        relais_desk_stop(&desk);
        return rc;
    }
    s_no_core();
    tzset(); /* the pages' local dates: TZ as it is now, read once before the threads */
    desk->mhd = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
                                     MHD_USE_ERROR_LOG,
                                 0, NULL, NULL, desk_http_handle, desk, MHD_OPTION_EXTERNAL_LOGGER, s_log, desk,
                                 MHD_OPTION_LISTEN_SOCKET, (MHD_socket)desk->listen_fd, MHD_OPTION_NOTIFY_COMPLETED,
                                 desk_http_done, desk, MHD_OPTION_CONNECTION_LIMIT, (unsigned)DESK_MAX_CONNECTIONS,
                                 MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120, MHD_OPTION_END);
    if (!desk->mhd) {
        relais_desk_stop(&desk);
        return relais_status_set(RELAIS_E_IO, "the HTTP server did not start");
    }
    desk->listen_fd = -1; /* the server's now: it closes it when it stops */
    if (feeds && pthread_create(&desk->feed_thread, NULL, s_feed_main, desk) != 0) {
        relais_desk_stop(&desk);
        return relais_status_set(RELAIS_E_NOMEM, "the feed's thread");
    }
    desk->feed_started = feeds;
    *out = desk;
    return 0;
}

const char *relais_desk_address(const relais_desk_t *desk)
{
    return desk->address;
}

int relais_desk_proxied(const relais_desk_t *desk)
{
    return desk->proxied;
}

const char *relais_desk_person(const relais_desk_t *desk)
{
    return desk->person;
}

int relais_desk_login_url(relais_desk_t *desk, char *out, size_t cap)
{
    if (desk->proxied)
        return relais_status_set(RELAIS_E_INVALID, "behind a proxy, the proxy's login opens the desk");
    char token[DESK_TOKEN_LEN];
    int rc = desk_token_new(desk, token);
    if (rc)
        return rc;
    int n = snprintf(out, cap, "%s/login?token=%s", desk->address, token);
    sodium_memzero(token, sizeof token);
    if (n < 0 || (size_t)n >= cap)
        return relais_status_set(RELAIS_E_INVALID, "no room for the address");
    return 0;
}

void relais_desk_stop(relais_desk_t **desk_p)
{
    relais_desk_t *desk = desk_p ? *desk_p : NULL;
    if (!desk)
        return;
    atomic_store(&desk->stopping, 1);
    if (desk->model)
        desk_model_wake(desk->model); /* event streams end */
    if (desk->mhd)
        MHD_stop_daemon(desk->mhd);
    if (desk->feed_started)
        pthread_join(desk->feed_thread, NULL);
    desk_queue_close(desk); /* after the server: no form adds to it any more */
    if (desk->listen_fd >= 0)
        close(desk->listen_fd);
    if (desk->socket_made)
        unlink(desk->socket_path);
    relais_client_destroy(&desk->feed);
    relais_client_destroy(&desk->hub);
    desk_model_free(&desk->model);
    desk_calendar_close(&desk->calendar);
    desk_reception_close(desk);
    sodium_memzero(desk->sessions, sizeof desk->sessions);
    sodium_memzero(desk->tokens, sizeof desk->tokens);
    pthread_mutex_destroy(&desk->hub_lock);
    pthread_mutex_destroy(&desk->lock);
    free(desk->endpoint);
    free(desk->key_path);
    free(desk->server_cert_path);
    free(desk->socket_path);
    free(desk);
    *desk_p = NULL;
}
