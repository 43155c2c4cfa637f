/* agent_internal.h -- the partner agent's parts, shared by its files (not installed):
 * agent.c (its life, the spool's sender, the status), http.c (the intake), deliver.c (the feed
 * to the outbox folder, and the POSTs to the partner's system). */
#ifndef RELAIS_AGENT_INTERNAL_H
#define RELAIS_AGENT_INTERNAL_H

#include <limits.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>

#include "relais_drop.h"
#include "relais_metrics.h"
#include "relais_agent.h"

#define AGENT_TOKEN_HASH 32
#define AGENT_INTAKE_TAG "POST /referrals" /* the spool's label of a referral the intake took */

struct relais_agent {
    char state_dir[PATH_MAX];
    char spool_dir[PATH_MAX];
    char position_path[PATH_MAX]; /* the last feed record delivered, replaced whole */
    char outbox_dir[PATH_MAX];
    char posting_dir[PATH_MAX];   /* STATE/posting: a copy of each status until the partner's system took it */
    char refused_dir[PATH_MAX];   /* STATE/post-refused: the statuses the partner's system refused as such */
    char post_url[512];           /* "" without --post-to */
    int64_t post_backoff_max_ms;
    int64_t unreachable_log_ms;
    size_t max_body;              /* the largest request body read */
    uint8_t token_hash[AGENT_TOKEN_HASH];
    char name[128];
    char *endpoint, *key_path, *server_cert_path;
    relais_client_options_t client_opts;
    int lock_fd;

    /* The spool's client: the intake, the sender, the drop folder and the status share it. */
    pthread_mutex_t lock;
    pthread_cond_t wake; /* the intake spooled something: the sender goes at once */
    relais_client_t *client;
    relais_drop_t *drop;
    pthread_t sender;
    int sender_started;
    atomic_int hub_reachable;
    atomic_int stopping;
    _Atomic int64_t last_ack_ms;  /* when the hub last acknowledged one of the spool's messages; 0: not yet */

    /* The feed, and the POSTs. */
    relais_client_t *feed;
    pthread_t feed_thread, poster;
    int feed_started, poster_started;
    atomic_uint_fast64_t feed_position;
    atomic_int feed_running;
    pthread_mutex_t post_lock;
    pthread_cond_t post_wake;

    /* HTTP */
    int listen_fd;
    struct MHD_Daemon *mhd;
    char address[64];
    relais_metrics_server_t *metrics; /* --metrics, or NULL */
};

/* The agent's metrics (metrics.c): binds --metrics at the start, serves it once everything runs. */
int agent_metrics_bind(relais_agent_t *agent, const char *listen);
int agent_metrics_start(relais_agent_t *agent);

/* One log line on stderr, "ts=… level=… event=… key=value…", controls escaped. */
void agent_log(const char *level, const char *event, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* libmicrohttpd's callbacks (http.c). */
enum MHD_Result agent_http_handle(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **req_cls);
void agent_http_done(void *cls, struct MHD_Connection *conn, void **req_cls, enum MHD_RequestTerminationCode toe);

/* Waits on `cv` (with `mu`) for at most `ms`, unless the agent is stopping. */
void agent_wait(relais_agent_t *agent, pthread_mutex_t *mu, pthread_cond_t *cv, int64_t ms);

/* Wakes the sender: something was spooled. */
void agent_kick(relais_agent_t *agent);

/* The delivery back to the partner's system (deliver.c): the feed's thread and the poster's,
 * started and joined with the agent. */
int agent_deliver_start(relais_agent_t *agent);
void agent_deliver_stop(relais_agent_t *agent);
/* Statuses the partner's system has not taken yet, or -1 without --post-to. */
int64_t agent_posts_waiting(relais_agent_t *agent);
/* The statuses set aside in post-refused/; -1 without --post-to or when the folder cannot be read. */
int64_t agent_posts_refused(relais_agent_t *agent);

#endif
