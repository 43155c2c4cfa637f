/* relais_desk.h -- the desk: the coordinator's work in a web browser, served by `relais desk`.
 *
 * One desk is one person's: it acts as one identity (its key file) and talks to the hub through
 * librelais as the `relais` command does. It serves, over HTTP on 127.0.0.1 or a unix socket,
 * the live feed, the work list, a case's page and its workflow moves, in French or English.
 *
 * Two ways to run it (desk/README.md):
 * - on the person's own Linux machine (local mode): it listens on 127.0.0.1 and hands out
 *   one-time addresses (relais_desk_login_url) whose token a browser exchanges for a session
 *   cookie;
 * - on the town's server for Windows workstations (proxy mode): behind a reverse proxy that
 *   terminates TLS and authenticates the person, on a unix socket or 127.0.0.1; it accepts
 *   only the proxy (the socket's permissions, and/or a shared secret header) and only requests
 *   whose authenticated user (X-Remote-User) is the desk's person.
 *
 * What it reads: its lists come from its own feed subscription, kept in memory only (nothing
 * personal is written to the desk's disk), so that a refresh costs the hub no read; opening a
 * case's page is a read of the hub, logged there like `relais case show`.
 *
 * Status convention as everywhere in relais: 0, or a negative RELAIS_E_* code with
 * relais_status_detail() saying why.
 */
#ifndef RELAIS_DESK_H
#define RELAIS_DESK_H

#include <stddef.h>

#include "relais_client.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct relais_desk relais_desk_t;

/* The pages' language: French, the town's, unless asked. */
typedef enum { RELAIS_DESK_FR = 0, RELAIS_DESK_EN } relais_desk_lang_t;

typedef struct {
    /* The identity and the hub (endpoint, key_path, server_cert_path; no spool: nothing typed
     * is kept on disk). The identity must be a coordinator's. */
    relais_client_options_t client;
    const char *listen;       /* "127.0.0.1:PORT" or "localhost:PORT" (PORT 0: any free one); NULL:
                               * 127.0.0.1:0, unless socket_path */
    const char *socket_path;  /* a unix socket to listen on instead (made 0600, or 0660 with socket_group);
                               * proxy mode */
    const char *socket_group; /* the group the proxy runs as, given the socket; NULL: none */
    const char *proxy_secret; /* proxy mode: the value every request carries in X-Relais-Proxy-Secret
                               * (at least 16 bytes); NULL: none (local mode, or a socket alone) */
    const char *person;       /* proxy mode: the X-Remote-User expected; NULL: the identity's name */
    unsigned idle_seconds;    /* a session unused this long ends; 0: 30 minutes */
    unsigned page_rows;       /* the work list's lines a page (1 to 10000); 0: 100 */
    relais_desk_lang_t lang;  /* the pages' language until a person picks the other */
    /* The hub's deadline policy, as relaisd was given it (--triage-hours "4,24,72", --working-hours
     * "09:00-18:00", --holidays "fr"|"none"); NULL: relaisd's defaults. The list's due dates are
     * the hub's when these are its. */
    const char *triage_hours, *working_hours, *holidays;
    /* A folder of the desk's own (0700; made when missing) where the review calendar's subscription
     * is kept, as the SHA-256 of its token, so that its address survives a restart; NULL: in memory
     * only. One folder a desk. */
    const char *state_dir;
    /* The town's street list (`relais streets import`) a reception desk looks up the streets typed
     * in, as `relais reception record` does; NULL: RELAIS_STREETS, or none (a street typed is then
     * refused by the desk, a search takes it as typed). */
    const char *streets;
} relais_desk_options_t;

/* Starts a desk: checks the options and the identity, opens the listening socket, starts the
 * feed subscription (in a thread of its own) and the HTTP server (its own threads). Returns
 * at once; the hub need not be up. Errors: RELAIS_E_INVALID (options, an identity that is not
 * a coordinator's, an address that is not the loopback's), RELAIS_E_IO (the socket), those of
 * relais_client_new. On success *out is the caller's (relais_desk_stop). */
int relais_desk_start(const relais_desk_options_t *opts, relais_desk_t **out);

/* Where it listens: "http://127.0.0.1:PORT" (the port it got), or the socket's path. */
const char *relais_desk_address(const relais_desk_t *desk);

/* Proxy mode: whether the desk serves a proxy (a socket or a secret) rather than a browser. */
int relais_desk_proxied(const relais_desk_t *desk);

/* The person whose desk it is: the X-Remote-User expected behind the proxy (by default, and in
 * local mode, the identity's name). */
const char *relais_desk_person(const relais_desk_t *desk);

/* Local mode: a fresh one-time address, "http://127.0.0.1:PORT/login?token=…" (a 32-byte random
 * token, base64url), into out (room cap; 128 is enough). The token is good once, within ten
 * minutes. Errors: RELAIS_E_INVALID (proxy mode, or no room), RELAIS_E_UNAVAILABLE (too many
 * tokens waiting: 16). */
int relais_desk_login_url(relais_desk_t *desk, char *out, size_t cap);

/* Stops serving (open event streams end), stops the feed, forgets every session and what the
 * feed brought, removes the socket it made; *desk_p becomes NULL; safe on NULL. */
void relais_desk_stop(relais_desk_t **desk_p);

#ifdef __cplusplus
}
#endif

#endif
