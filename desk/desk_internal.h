/* desk_internal.h -- what the desk's files share (not installed): the desk itself, its sessions,
 * the in-memory model the feed keeps, HTML made safe, the pages.
 *
 * Threads: the HTTP server's (one per connection, libmicrohttpd's), the feed's, and the caller's.
 * The model and the sessions have locks of their own; the hub's client for reads and moves is
 * one connection, taken under hub_lock (a librelais client is not thread-safe); the feed has a
 * client of its own in its thread.
 */
#ifndef RELAIS_DESK_INTERNAL_H
#define RELAIS_DESK_INTERNAL_H

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>

#include <microhttpd.h>

#include "cli_util.h"
#include "relais_cases.h"
#include "relais_desk.h"

/* French or English, one literal each, so that formats stay checked. */
#define DESK_T(lang, fr, en) ((lang) == RELAIS_CLI_EN ? (en) : (fr))

/* 32 random bytes in base64url without padding, and its NUL. */
#define DESK_TOKEN_BYTES 32
#define DESK_TOKEN_LEN 44

#define DESK_MAX_SESSIONS 32   /* sessions at once: one person's browsers and tabs */
#define DESK_MAX_TOKENS 16     /* one-time addresses waiting to be used */
#define DESK_TOKEN_LIFE_MS (10 * 60 * 1000)
#define DESK_MAX_CONNECTIONS 64 /* a thread each; event streams included */

/* ---- Text made safe for HTML ------------------------------------------------------------------- */

/* A growing buffer; after an allocation failure it stays failed (and empty to readers). */
typedef struct {
    char *data;
    size_t len, cap;
    int failed;
} desk_buf_t;

void desk_buf_put(desk_buf_t *b, const char *s);
void desk_buf_putn(desk_buf_t *b, const char *s, size_t n);
void desk_buf_printf(desk_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Text from others, on one line: controls escaped as the terminal's pages escape them
 * (relais_text_escape: a line break becomes \n), then every character HTML gives a meaning to
 * (& < > " ') written as a reference, so that it is text in an element and in an attribute alike. */
void desk_buf_text(desk_buf_t *b, const char *text);
/* The same for a text that may run over lines: its line breaks kept (shown by the CSS). */
void desk_buf_lines(desk_buf_t *b, const char *text);
void desk_buf_free(desk_buf_t *b);

/* ---- Sessions and one-time tokens (session.c) --------------------------------------------------- */

typedef struct {
    char id[DESK_TOKEN_LEN];   /* the cookie's value */
    char csrf[DESK_TOKEN_LEN]; /* the forms' hidden field */
    int64_t last_ms;           /* last request (an event stream does not count) */
    relais_cli_lang_t lang;    /* the pages' language for this session */
    int used;
} desk_session_t;

typedef struct {
    char token[DESK_TOKEN_LEN];
    int64_t made_ms;
    int used;
} desk_login_token_t;

/* ---- The model the feed keeps (model.c) --------------------------------------------------------- */

typedef struct desk_model desk_model_t;

/* One line of the work list, copied out of the model. */
typedef struct {
    char case_id[RELAIS_CASE_ID_LEN];
    relais_case_state_t state;
    relais_case_state_t paused_from; /* paused: the state it left */
    relais_urgency_t urgency;
    char child[RELAIS_NAME_LEN];     /* "Lina B. (2014)" */
    char school[RELAIS_NAME_LEN];
    char referrers[512];             /* organisations, joined by commas */
    char owner[RELAIS_NAME_LEN];
    int64_t opened_ms, updated_ms, due_ms;
    int overdue;
    size_t duplicate_count;
    uint64_t last_seq;
} desk_row_t;

/* What the list shows: `states` bits (1 << state; 0: the open states), the words to find (folded,
 * each in the child's names, the school, the referrers, the case id or its owner), overdue only. */
typedef struct {
    uint32_t states;
    int all;              /* every state, the closed ones too */
    const char *search;   /* as typed; NULL or "": everything */
    int overdue_only;
} desk_filter_t;

/* How far the feed has come, for the list's status line. */
typedef struct {
    int caught_up;        /* the feed has delivered what the hub had at the subscription */
    int hub_up;           /* the feed's connection is up */
    uint64_t last_seq;    /* the last record delivered */
    int64_t last_ms;      /* when the last delivery came (monotonic clock: relais_cli_now_ms) */
    char trouble[256];    /* why the feed stopped, "" while it runs */
    size_t case_count;    /* cases known */
} desk_feed_state_t;

/* A case event, for the event streams and the live feed on the list. */
typedef struct {
    uint64_t seq;
    char case_id[RELAIS_CASE_ID_LEN];
    relais_case_state_t state;   /* the case's state after it */
    int64_t received_ms;         /* when the hub received it */
    relais_payload_t kind;       /* a referral, an update, a meeting's record, a privacy record */
    char sender[RELAIS_NAME_LEN]; /* who sent it */
} desk_event_t;

/* A new model, whose due dates follow `policy` (copied). */
int desk_model_new(const relais_cases_policy_t *policy, desk_model_t **out);
void desk_model_free(desk_model_t **m);
/* Folds one feed delivery into the model (a coordinator's: records in clear, each case event's
 * status); records that are no case's are left out. */
void desk_model_apply(desk_model_t *m, const relais_delivery_t *d);
void desk_model_set_feed(desk_model_t *m, int caught_up, int hub_up, const char *trouble);
void desk_model_feed_state(desk_model_t *m, desk_feed_state_t *out);
/* The lines `f` keeps, overdue first, then by due date (none last), then by case number: *rows
 * (caller frees) and their count. Errors: RELAIS_E_NOMEM. */
int desk_model_rows(desk_model_t *m, const desk_filter_t *f, int64_t now_ms, desk_row_t **rows, size_t *count);
/* One page of that list: the lines from *first (0-based), at most max of them, and in *total
 * how many `f` keeps in all. A *first past the end is moved to the first line of the last page
 * (of `max` lines). Errors: RELAIS_E_NOMEM. */
int desk_model_page(desk_model_t *m, const desk_filter_t *f, int64_t now_ms, size_t *first, size_t max,
                    desk_row_t **rows, size_t *count, size_t *total);
/* One case's line; RELAIS_E_NOT_FOUND when the model does not know it. */
int desk_model_row(desk_model_t *m, const char *case_id, int64_t now_ms, desk_row_t *out);
/* The event streams: the number of the next event to come; then the events after *pos (up to
 * cap into ev, *pos moved past them), waiting up to timeout_ms for one. Returns the count, or -1
 * when the stream fell behind the events kept (256: it should reload). */
uint64_t desk_model_event_head(desk_model_t *m);
int desk_model_events(desk_model_t *m, uint64_t *pos, desk_event_t *ev, size_t cap, int timeout_ms);
/* The last events (at most cap), newest first; returns how many. */
size_t desk_model_recent(desk_model_t *m, desk_event_t *ev, size_t cap);
/* Wakes every stream waiting (the desk stops). */
void desk_model_wake(desk_model_t *m);

/* ---- The desk ------------------------------------------------------------------------------------ */

struct relais_desk {
    /* What it was started with (its own copies). */
    char *endpoint, *key_path, *server_cert_path, *socket_path;
    relais_client_options_t client_opts;
    int64_t idle_ms;
    size_t page_rows;                  /* the work list's lines a page */
    relais_cli_lang_t lang;
    int proxied;                       /* proxy mode: a socket or a secret */
    int has_secret;
    uint8_t secret_hash[32];           /* BLAKE2b of the proxy's secret: compared in constant time */
    char person[RELAIS_NAME_LEN];      /* the X-Remote-User expected */
    char name[RELAIS_NAME_LEN];        /* the identity's name */
    char address[300];                 /* "http://127.0.0.1:PORT" or the socket's path */
    char host[64], host_alt[64];       /* local mode: the Host headers a browser sends us */
    char cookie[48];                   /* the session cookie's name */
    int port;
    int listen_fd;
    int socket_made;                   /* we made socket_path: remove it at the end */

    struct MHD_Daemon *mhd;
    atomic_int stopping;

    pthread_mutex_t hub_lock;          /* the hub's client for reads and moves */
    relais_client_t *hub;

    relais_client_t *feed;             /* the feed thread's own */
    pthread_t feed_thread;
    int feed_started;
    desk_model_t *model;

    pthread_mutex_t lock;              /* sessions and tokens */
    desk_session_t sessions[DESK_MAX_SESSIONS];
    desk_login_token_t tokens[DESK_MAX_TOKENS];
};

/* session.c. Each takes desk->lock. */
void desk_random_token(char out[DESK_TOKEN_LEN]);
/* A new session (the least recently used goes when all are taken), copied into *out. */
void desk_session_open(relais_desk_t *desk, relais_cli_lang_t lang, desk_session_t *out);
/* The session of cookie value `id`, when it exists and has not been idle too long (an expired one
 * is forgotten here); `touch` counts this request as activity. 0 or RELAIS_E_NOT_FOUND. */
int desk_session_find(relais_desk_t *desk, const char *id, int touch, desk_session_t *out);
void desk_session_set_lang(relais_desk_t *desk, const char *id, relais_cli_lang_t lang);
void desk_session_close(relais_desk_t *desk, const char *id);
/* A new one-time token (RELAIS_E_UNAVAILABLE when DESK_MAX_TOKENS wait), and its use: 0 once,
 * RELAIS_E_NOT_FOUND for a token unknown, used or too old. */
int desk_token_new(relais_desk_t *desk, char out[DESK_TOKEN_LEN]);
int desk_token_take(relais_desk_t *desk, const char *token);

/* ---- Pages (pages.c) ----------------------------------------------------------------------------- */

/* What a move's form holds, as typed (each may be NULL). */
typedef struct {
    char *csrf, *from, *to, *note, *reason, *redirect_to, *review_date, *diagnosis, *sub_status;
    char *kind, *description, *partner, *start, *frequency, *responsible; /* one pathway action */
} desk_form_t;

/* How a move went, for the form shown again. */
typedef enum {
    DESK_MOVE_REFUSED = 1,   /* the hub's sentence */
    DESK_MOVE_NOT_SENT,      /* the hub could not be reached: nothing was sent */
    DESK_MOVE_NO_ANSWER,     /* sent, and no answer came: it may or may not be recorded */
    DESK_MOVE_EXPIRED,       /* the form's token is not this session's: nothing sent */
    DESK_MOVE_INVALID,       /* refused by the desk or librelais before sending: nothing sent */
} desk_move_outcome_t;

/* The pages, each a whole HTML document into b. */
void desk_page_list(relais_desk_t *desk, const desk_session_t *s, struct MHD_Connection *conn, desk_buf_t *b);
void desk_page_case(relais_desk_t *desk, const desk_session_t *s, const relais_reply_t *r, uint64_t moved_seq,
                    desk_buf_t *b);
void desk_page_move(relais_desk_t *desk, const desk_session_t *s, const char *case_id, const desk_form_t *form,
                    desk_move_outcome_t outcome, const char *sentence, desk_buf_t *b);
/* A page that says one thing: a title and a sentence (an error, the login's help). */
void desk_page_message(relais_desk_t *desk, const desk_session_t *s, relais_cli_lang_t lang, const char *title,
                       const char *sentence, desk_buf_t *b);

/* ---- Assets (assets.c) ---------------------------------------------------------------------------- */

typedef struct {
    const char *path; /* "/assets/desk.css" */
    const char *type; /* its Content-Type */
    const char *body;
} desk_asset_t;

const desk_asset_t *desk_asset(const char *path);

/* ---- HTTP (http.c) -------------------------------------------------------------------------------- */

enum MHD_Result desk_http_handle(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                 const char *version, const char *upload_data, size_t *upload_data_size,
                                 void **req_cls);
void desk_http_done(void *cls, struct MHD_Connection *conn, void **req_cls, enum MHD_RequestTerminationCode toe);

#endif
