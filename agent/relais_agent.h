/* relais_agent.h -- a partner's agent: `relais agent`, one process per partner identity.
 *
 * It takes referrals from the partner's system in two ways, a drop folder (as `relais submit
 * --watch`) and an HTTP intake on 127.0.0.1 (POST /referrals, with a bearer token), writes each to
 * the identity's spool (synced) before it answers, and sends the spool from a thread of its own,
 * whatever the hub's absences. It follows the identity's feed and delivers the statuses of the
 * partner's referrals (and the transfers addressed to it) back to the partner's system: a file
 * each in an outbox folder and, when asked, a POST to a local URL, retried until that system
 * takes it. agent/README.md describes the HTTP API and what it keeps on disk.
 *
 * Status convention as everywhere in relais: 0, or a negative RELAIS_E_* with
 * relais_status_detail() saying why.
 */
#ifndef RELAIS_AGENT_H
#define RELAIS_AGENT_H

#include <stddef.h>
#include <stdint.h>

#include "relais_client.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct relais_agent relais_agent_t;

typedef struct {
    relais_client_options_t client; /* the identity and the hub; spool_dir NULL: STATE/spool */
    const char *state_dir;          /* the agent's own folder (made 0700): spool, feed position, posts to make */
    const char *listen;             /* "127.0.0.1:PORT" or "localhost:PORT"; NULL: 127.0.0.1:0, any free port */
    const char *token_path;         /* the bearer token: a file of 16 to 512 bytes only its owner may read */
    const char *watch_dir;          /* a drop folder, or NULL */
    const char *outbox_dir;         /* where statuses are written; NULL: STATE/outbox */
    const char *post_to;            /* "http://127.0.0.1:PORT/PATH" (or localhost) each status is POSTed to, or NULL */
    unsigned post_backoff_max_s;    /* the longest wait between two tries of a POST; 0: 300 */
    unsigned unreachable_log_s;     /* while the hub is away, the log says so this often; 0: 60 */
    const char *metrics_listen;     /* "127.0.0.1:PORT" (or localhost; 0: any free port): GET /metrics there,
                                     * without the token, in the Prometheus text format; NULL: none */
} relais_agent_options_t;

/* What GET /status says. */
typedef struct {
    int hub_reachable;        /* a handshake with the hub completed and the connection is up */
    int64_t waiting;          /* messages in the spool */
    int64_t oldest_age_s;     /* the oldest one's age; -1 when none waits */
    uint64_t feed_position;   /* the last record of the feed delivered to the outbox */
    int64_t posts_waiting;    /* statuses the partner's system has not taken yet; -1 without post_to */
    int64_t posts_refused;    /* statuses it refused as such, set aside in STATE/post-refused; -1 without post_to */
    int feed_running;         /* 0 once the hub refused the feed for good */
} relais_agent_status_t;

/* Checks the options, locks the state folder (one agent a folder), reads the token, opens the
 * spool and the drop folder, connects, and starts serving and sending. Errors: RELAIS_E_INVALID
 * (options: a listen or metrics address off the loopback, a token file others may read, a --post-to that is
 * not a local http URL; the detail says which), RELAIS_E_IO, RELAIS_E_MALFORMED (key files),
 * RELAIS_E_UNAVAILABLE (another agent holds the state folder), RELAIS_E_NOMEM. */
int relais_agent_start(const relais_agent_options_t *opts, relais_agent_t **out);

/* "http://127.0.0.1:PORT", the port it got. */
const char *relais_agent_address(const relais_agent_t *agent);

/* "http://127.0.0.1:PORT/metrics", or "" without metrics_listen. */
const char *relais_agent_metrics_url(const relais_agent_t *agent);

/* The identity's name. */
const char *relais_agent_name(const relais_agent_t *agent);

/* Fills *out. Errors: those of the spool (RELAIS_E_IO, RELAIS_E_CORRUPT). */
int relais_agent_status(relais_agent_t *agent, relais_agent_status_t *out);

/* Stops serving (requests in flight finish), the threads, and frees everything; what waits stays
 * on disk for the next start. Safe on NULL. */
void relais_agent_stop(relais_agent_t **agent_p);

#ifdef __cplusplus
}
#endif

#endif
