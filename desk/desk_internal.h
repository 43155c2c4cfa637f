/* desk_internal.h -- what the desk's files share (not installed): the desk itself, its sessions,
 * the in-memory model the feed keeps, HTML made safe, the pages.
 *
 * Threads: the HTTP server's (one per connection, libmicrohttpd's), the feed's, the queue's (it sends
 * again what the hub did not answer, through the hub's client under hub_lock), and the caller's.
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

#include "relais_cases.h"
#include "relais_desk.h"
#include "relais_page.h"

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

/* What the charts count (charts.c publishes it through the statistics' suppression rule). The
 * sources are the ReferrerRole values 1 to 10 in their order, then "unspecified" (0, or a value
 * this build does not know), as the statistics list them; the urgencies those of the triage
 * targets: urgent, priority, routine (a referral without one counts as routine, as its deadline
 * does). */
#define DESK_CHART_MONTHS 12
#define DESK_SOURCES 11
#define DESK_URGENCIES 3

typedef struct {
    /* The period, set by the caller: [from_ms, to_ms), its first month year * 12 + month - 1
     * (local time), and DESK_CHART_MONTHS months long. */
    int64_t from_ms, to_ms;
    int first_month;
    /* The referrals received in the period, by month and source (a split's copy is the referral it
     * copies, counted once); the cases opened in it, by their state now (a case merged into
     * another counts with it, not on its own); the triage decisions made in it (the move out of
     * submitted or triage to a decision: awaiting agreement, accepted, declined, redirected), by
     * urgency, [0] within the target and [1] after it. */
    uint64_t referrals[DESK_CHART_MONTHS][DESK_SOURCES];
    uint64_t states[RELAIS_CASE_STATE_COUNT];
    uint64_t triage[DESK_URGENCIES][2];
    int incomplete; /* a fact was lost to memory since the desk started: the counts are short */
} desk_counts_t;

/* Counts the period's figures into *c from what the feed brought. Errors: RELAIS_E_INVALID (no
 * period). */
int desk_model_count(desk_model_t *m, desk_counts_t *c);

/* The deadline policy the model was made with (it never changes). */
void desk_model_policy(desk_model_t *m, relais_cases_policy_t *out);

/* ---- The charts' figures (charts.c) --------------------------------------------------------------- */

/* A chart's figures after the statistics' suppression rule (relais_stats.h), with their threshold:
 * the chart's total split into parts (months, states, urgencies), a table of the total; and, when
 * the chart has kinds, each part split again into kinds (sources; within the target or late), a
 * table of that part. Rule 1 and rule 4 withhold the whole chart; a part's kinds that cannot be
 * protected are withheld alone, the part's count kept, as the statistics withhold a lost and
 * found's table alone: a reader learns that they held one kind only or each case alone in its
 * kind, not which. The charts count different things (referrals, cases opened in the period, triage
 * decisions made in it), so no sum of one is exactly a sum of another's cells; nearly, at times (a
 * past year's cases, opened and triaged within it), which the rule does not cover, as it does not
 * cover two publications a few cases apart (relais_stats.h). */
#define DESK_CHART_PARTS 26 /* the most parts a chart has: the reception's weeks (half a year) */

typedef struct {
    uint64_t count;
    int secret;
} desk_cell_t;

typedef struct {
    uint64_t total;
    int withheld;                 /* every figure of the chart is secret */
    size_t parts, kinds;          /* kinds 0: the parts alone */
    desk_cell_t part[DESK_CHART_PARTS];
    desk_cell_t kind[DESK_CHART_PARTS][DESK_SOURCES];
    int kinds_withheld[DESK_CHART_PARTS]; /* this part's kinds are secret whole */
} desk_chart_t;

typedef struct {
    unsigned threshold;
    desk_chart_t referrals; /* parts: the months of the period; kinds: the sources */
    desk_chart_t states;    /* parts: the states, RELAIS_CASE_SUBMITTED first */
    desk_chart_t triage;    /* parts: the urgencies; kinds: within the target, late */
} desk_figures_t;

/* The three charts' figures from the counts, at `threshold`. Errors: RELAIS_E_INVALID (no counts
 * or figures), RELAIS_E_NOMEM. */
int desk_figures_make(const desk_counts_t *c, unsigned threshold, desk_figures_t *out);

/* Whether a chart's figure is secret: a part's count (kind < 0), or one of its kinds'. */
int desk_figure_secret(const desk_chart_t *f, size_t part, int kind);

/* A period's charts, ready to draw: its first month (year * 12 + month - 1), the year asked (0: the
 * last twelve months), the words' language, the deadline policy the model counts triage against,
 * the counts and their figures after the suppression rule. */
typedef struct {
    int first_month;
    int year;
    relais_cli_lang_t lang;
    relais_cases_policy_t policy;
    desk_counts_t counts;
    desk_figures_t fig;
} desk_charts_t;

/* The charts of `year` (0: the last twelve months) from the desk's model, at the statistics'
 * threshold. Errors: RELAIS_E_INVALID (the clock, a month mktime cannot make), RELAIS_E_NOMEM. */
int desk_charts_make(relais_desk_t *desk, int year, relais_cli_lang_t lang, desk_charts_t *out);
/* Each chart as an SVG (role="img", its title and description) and as the table of its figures,
 * for the charts' page and the annual report alike. */
void desk_chart_referrals_svg(const desk_charts_t *x, desk_buf_t *b);
void desk_chart_referrals_table(const desk_charts_t *x, desk_buf_t *b);
void desk_chart_states_svg(const desk_charts_t *x, desk_buf_t *b);
void desk_chart_states_table(const desk_charts_t *x, desk_buf_t *b);
void desk_chart_triage_svg(const desk_charts_t *x, desk_buf_t *b);
void desk_chart_triage_table(const desk_charts_t *x, desk_buf_t *b);
/* "Total : 37 signalements reçus." or "Total : secret.", in `lang`, singular or plural. */
void desk_chart_total_said(const desk_chart_t *f, relais_cli_lang_t lang, const char *fr_one, const char *fr_many,
                           const char *en_one, const char *en_many, char *out, size_t cap);
/* A month's name ("janvier", "January"), month 0 to 11. */
const char *desk_month_name(int month, relais_cli_lang_t lang);
/* The year a request's `year` asks for: 0 for none, -1 for one the desk cannot take (not four
 * digits, before 1970 or after `this_year`). */
int desk_chart_year_asked(struct MHD_Connection *conn, int this_year);
/* The suppression rule over one chart (charts.c): parts a table of the total, each part's kinds
 * (kind_counts: parts rows of `kinds`, or NULL) a table of that part. Errors: RELAIS_E_INVALID (too
 * many parts or kinds), those of relais_stats_suppress. */
int desk_chart_make(const uint64_t *part_counts, size_t parts, const uint64_t *kind_counts, size_t kinds,
                    unsigned threshold, desk_chart_t *out);
/* Whether kind k's line says anything: one of its figures published non-zero, or secret. */
int desk_chart_kind_shown(const desk_chart_t *f, size_t k);
/* A figure as a table's text: its count, or "secret". */
void desk_chart_figure(desk_buf_t *b, const desk_cell_t *c, int secret);

/* Drawing a chart (charts.c): an inline SVG with role="img", its title and description and its
 * patterns (ids prefixed by `id`), its texts, a withheld chart's panel, a bar's length for n out of
 * most in room, and a line of small bars a column each (DESK_SVG_COLUMN_W wide, after
 * DESK_SVG_LABELS of label, DESK_SVG_ROW_H high), each carrying its number or "secret". */
#define DESK_SVG_LABELS 280
#define DESK_SVG_COLUMN_W 40
#define DESK_SVG_ROW_H 58
#define DESK_SVG_HEAD_H 44
void desk_svg_open(desk_buf_t *b, const char *id, int width, int height, const char *title, const char *desc);
void desk_svg_text(desk_buf_t *b, int x, int y, const char *anchor, int size, int bold, const char *text);
void desk_svg_number(desk_buf_t *b, int x, int y, const char *anchor, int size, uint64_t n);
void desk_svg_withheld(desk_buf_t *b, const char *id, int width, relais_cli_lang_t lang);
int desk_svg_scale(uint64_t n, uint64_t most, int room);
void desk_svg_columns_row(desk_buf_t *b, const char *id, int y, const char *label, int bold, const desk_cell_t *cells,
                          const int *secret, int columns, uint64_t most);

/* What the review calendar shows (calendar.c), copied out of the model: ids, states and dates, never
 * a name, a school or a referrer, for the calendar leaves the town's systems. */
#define DESK_CAL_MEETING_CASES 64 /* a meeting's cases named in its event; the count says the rest */

typedef struct {
    char case_id[RELAIS_CASE_ID_LEN];
    relais_case_state_t state;
    int64_t review_ms;                /* midnight UTC of the review's day */
} desk_cal_review_t;

typedef struct {
    char id[RELAIS_MEETING_ID_LEN];   /* "M-20261203-d8a4" */
    char date[11];                    /* YYYY-MM-DD */
    size_t case_count;                /* cases it reviewed; the first DESK_CAL_MEETING_CASES in cases */
    char cases[DESK_CAL_MEETING_CASES][RELAIS_CASE_ID_LEN];
} desk_cal_meeting_t;

typedef struct {
    desk_cal_review_t *reviews;       /* by date, then case number */
    size_t review_count;
    desk_cal_meeting_t *meetings;     /* by date, then id */
    size_t meeting_count;
    int incomplete;                   /* memory ran out while a meeting was kept: one may be missing */
} desk_cal_t;

/* The next review of every open case that is not paused (a paused case's review waits, as its
 * deadline does), and the partnership meetings whose records the feed brought, of the cases the
 * model still holds. Errors: RELAIS_E_NOMEM (*out empty). */
int desk_model_calendar(desk_model_t *m, desk_cal_t *out);
void desk_cal_free(desk_cal_t *c);

/* The calendar's subscription: one a desk (one person's), known by the SHA-256 of its token only,
 * kept in a file of --state-dir when there is one (calendar.c). */
typedef struct {
    pthread_mutex_t lock;
    int ready;                        /* lock made */
    int dir_fd;                       /* the state folder, or -1: in memory only */
    char *dir;                        /* its path, for the sentences */
    int has;                          /* a subscription exists */
    uint8_t hash[32];                 /* SHA-256 of its token */
    int64_t made_ms;                  /* when it was made (wall clock) */
} desk_cal_sub_t;

/* ---- The actions waiting for the hub (queue.c) ----------------------------------------------------- */

/* An action the hub did not answer is kept signed in the desk's memory (never on its disk: the desk
 * writes nothing personal there) and sent again, the same bytes, until the hub answers; the hub
 * answers a message it already stored with its first acknowledgement, so an action that was sent
 * and got no answer is kept too. At most DESK_QUEUE_MAX a desk: its waiting actions and, while there
 * is room, the outcomes of those settled since it started (the oldest settled goes first). */
#define DESK_QUEUE_MAX 32

typedef enum {
    DESK_QUEUED_WAITING = 0,
    DESK_QUEUED_RECORDED, /* the hub's record number and handle */
    DESK_QUEUED_REFUSED,  /* the hub's code and sentence */
} desk_queued_state_t;

/* What an action is, for the person at the desk, in both languages and never naming a child
 * ("Mouvement C-12 : en triage → accepté"), and where it leads: `link`, or, when by_handle, `link`
 * followed by the handle the hub gives it ("/referrals/" and R-57); "" for nowhere. */
typedef struct {
    char fr[160], en[160];
    char link[64];
    int by_handle;
    char once[DESK_TOKEN_LEN]; /* the form's one-time id (desk_form_once); "" when none */
} desk_what_t;

/* Whether an action carrying `once` is in the queue (waiting or settled); under the queue's lock. */
int desk_queue_has_once(relais_desk_t *desk, const char *once);

typedef struct {
    uint64_t number;                    /* its place among the desk's queued actions, from 1 */
    uint8_t msg_id[RELAIS_MSG_ID_BYTES];
    desk_what_t what;
    int64_t queued_ms, settled_ms;      /* wall clock; settled 0 while it waits */
    desk_queued_state_t state;
    uint64_t seq;                       /* recorded: the hub's record number */
    char handle[RELAIS_CASE_ID_LEN];    /* recorded: the case, referral or entry it made or moved */
    char code[48];                      /* refused: the hub's code (BAD_TRANSITION) */
    char sentence[256];                 /* refused: the hub's sentence */
    uint8_t *bytes;                     /* waiting: the signed message; NULL once settled (wiped) */
    size_t len;
} desk_queued_t;

typedef struct {
    pthread_mutex_t lock;               /* the list; taken after the desk's hub_lock, never before */
    pthread_cond_t wake;                /* an action added, or the desk stopping */
    int ready;
    desk_queued_t items[DESK_QUEUE_MAX]; /* oldest first */
    size_t count;
    uint64_t numbered;
    pthread_t thread;
    int started;
} desk_queue_t;

/* The queue and its thread, which sends the waiting actions again while the hub is away (every
 * second at first, doubling to every 30 s); closed after the HTTP server stopped: the thread joined,
 * every signed message wiped. Errors: RELAIS_E_NOMEM (no thread). Close: safe on a queue never
 * opened. */
int desk_queue_open(relais_desk_t *desk);
void desk_queue_close(relais_desk_t *desk);
/* With the desk's hub_lock held: the waiting actions sent in order, each settled by the hub's
 * answer, until one gets none. Returns how many still wait. */
size_t desk_queue_flush_locked(relais_desk_t *desk);
/* With the desk's hub_lock held: a copy of the signed message `bytes`, id msg_id, kept to be sent
 * after those waiting. Errors: RELAIS_E_STORE_FULL (DESK_QUEUE_MAX actions wait), RELAIS_E_NOMEM. */
int desk_queue_add_locked(relais_desk_t *desk, const uint8_t msg_id[RELAIS_MSG_ID_BYTES], const uint8_t *bytes,
                          size_t len, const desk_what_t *what);
/* How many actions wait. */
size_t desk_queue_waiting(relais_desk_t *desk);
/* The actions, newest first, copied without their bytes into out (at most cap): how many. */
size_t desk_queue_list(relais_desk_t *desk, desk_queued_t *out, size_t cap);
/* The queue's page, /queue. */
void desk_page_queue(relais_desk_t *desk, const desk_session_t *s, desk_buf_t *b);
/* What a form that queued its action says, French first, then the link to the queue's page. */
const char *desk_queued_sentence(relais_cli_lang_t lang);
void desk_queued_link(relais_cli_lang_t lang, desk_buf_t *b);

/* ---- The desk ------------------------------------------------------------------------------------ */

/* Whose desk it is, by its identity's role: each serves its own pages (the coordinator's cases,
 * charts and calendar; the reception's register, lost and found and decrees; a partner's referral
 * form and the status of what it referred). */
typedef enum {
    DESK_ROLE_COORDINATOR = 0,
    DESK_ROLE_RECEPTION,
    DESK_ROLE_PARTNER,
} desk_role_t;

struct relais_desk {
    desk_role_t role;
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

    desk_cal_sub_t calendar;           /* the calendar's subscription (calendar.c) */
    struct relais_streets *streets;    /* a reception desk's street list (reception.c); NULL: none */
    desk_queue_t queue;                /* the actions the hub did not answer (queue.c) */
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

/* A posted field the forms of the reception and the partners name (desk_form_get). */
#define DESK_FORM_EXTRA 64
typedef struct {
    char key[64];
    char *value;
} desk_field_t;

/* What a move's form holds, as typed (each may be NULL); a duplicate's decision uses csrf, from,
 * note, action and other. The other forms' fields are kept by name in `extra` (a form posting more
 * than DESK_FORM_EXTRA names, or a name of 64 bytes or more, is refused as too big). */
typedef struct {
    char *csrf, *from, *to, *note, *reason, *redirect_to, *review_date, *diagnosis, *sub_status;
    char *kind, *description, *partner, *start, *frequency, *responsible; /* one pathway action */
    char *action, *other; /* a possible duplicate: "merge" or "dismiss", and the other case */
    desk_field_t extra[DESK_FORM_EXTRA];
    size_t extra_count;
} desk_form_t;

/* A field of `extra` as typed ("" when posted empty), or NULL when the form did not post it. */
const char *desk_form_get(const desk_form_t *form, const char *key);
/* Whether the form's csrf field is session s's, compared in constant time. */
int desk_csrf_ok(const desk_session_t *s, const desk_form_t *form);

/* A form that sends writes a hidden one-time id ("once"): the one it was posted with when it comes
 * back with what was typed, else a new one. The action it sends carries it (desk_what_once), so
 * that a form sent again after its action was queued (a second click, the page sent again) is
 * not queued twice: desk_hub_send answers it as queued already. */
void desk_form_once(desk_buf_t *b, const desk_form_t *typed);
void desk_what_once(desk_what_t *what, const desk_form_t *form);

/* How a move or a decision on a duplicate went, for the form shown again. */
typedef enum {
    DESK_MOVE_REFUSED = 1,   /* the hub's sentence */
    DESK_MOVE_NOT_SENT,      /* the hub could not be reached: nothing was sent */
    DESK_MOVE_NO_ANSWER,     /* sent, and no answer came: it may or may not be recorded */
    DESK_MOVE_EXPIRED,       /* the form's token is not this session's: nothing sent */
    DESK_MOVE_INVALID,       /* refused by the desk or librelais before sending: nothing sent */
    DESK_MOVE_QUEUED,        /* the hub did not answer: kept in the desk's memory, sent when it does */
} desk_move_outcome_t;

/* What is said beside a form that did not go through (the hub's refusal, not sent, no answer, refused
 * by the desk, expired), with `sentence` (the hub's, or why), into out. hub_status: the hub's code
 * (RELAIS_E_*) with DESK_MOVE_REFUSED, whose words (desk_refusal_words) come first; else 0. */
void desk_outcome_sentence(relais_cli_lang_t lang, desk_move_outcome_t outcome, int hub_status, const char *sentence,
                           char *out, size_t cap);
/* What a refusal of the hub's means for the person, by its code: the hub's own sentence is English and
 * names a field or a value, these words say what to do. NULL for a code without words of its own. */
const char *desk_refusal_words(relais_cli_lang_t lang, int hub_status);
/* A read the hub refused or did not answer (rc, with err when the hub answered): its sentence into
 * `sentence`, and the page's status: no answer 503, a refusal of who we are 403, what the hub does
 * not know 404, anything else 502. */
unsigned desk_read_failed(relais_cli_lang_t lang, int rc, const relais_error_t *err, char *sentence, size_t cap);

/* The pages, each a whole HTML document into b. */
void desk_page_list(relais_desk_t *desk, const desk_session_t *s, struct MHD_Connection *conn, desk_buf_t *b);
void desk_page_case(relais_desk_t *desk, const desk_session_t *s, const relais_reply_t *r, uint64_t moved_seq,
                    desk_buf_t *b);
void desk_page_move(relais_desk_t *desk, const desk_session_t *s, const char *case_id, const desk_form_t *form,
                    desk_move_outcome_t outcome, int hub_status, const char *sentence, desk_buf_t *b);
/* A decision on a possible duplicate that did not go through: the sentence beside the forms for
 * `other` (the other case as the hub spells it; NULL when the form did not name one), the note
 * typed kept in the form of the action sent. */
void desk_page_duplicate(relais_desk_t *desk, const desk_session_t *s, const char *case_id, const char *other,
                         const desk_form_t *form, desk_move_outcome_t outcome, int hub_status, const char *sentence,
                         desk_buf_t *b);
/* A form posted after its session ended (local mode): nothing sent, and what was typed given back
 * to copy, so that a long note is not lost to an idle timeout. */
void desk_page_session_ended(relais_desk_t *desk, relais_cli_lang_t lang, const desk_form_t *form, desk_buf_t *b);
/* The frame every page shares: the document's head, the skip link, the site's header and its
 * navigation, <main>; `page` names the page for the script and the navigation ("charts", "calendar"; NULL: none),
 * the language link shows the current address again. desk_page_end closes what it opened. */
void desk_page_begin(relais_desk_t *desk, const desk_session_t *s, relais_cli_lang_t lang, const char *title,
                     const char *page, desk_buf_t *b);
void desk_page_end(relais_cli_lang_t lang, desk_buf_t *b);
/* The charts (charts.c): the period of the request's `year` (the last 12 months without one), from
 * the desk's model. Returns 0, or the status that kept the figures from being made (the page then
 * says so). */
int desk_page_charts(relais_desk_t *desk, const desk_session_t *s, struct MHD_Connection *conn, desk_buf_t *b);
/* A page that says one thing: a title and a sentence (an error, the login's help). */
void desk_page_message(relais_desk_t *desk, const desk_session_t *s, relais_cli_lang_t lang, const char *title,
                       const char *sentence, desk_buf_t *b);

/* ---- The review calendar (calendar.c) ------------------------------------------------------------ */

/* The subscription: read from `state_dir` (NULL: in memory only; made 0700 when missing; a folder
 * others may enter, a file others may write, a file that is not one, or another person's, is
 * refused). Errors: RELAIS_E_INVALID, RELAIS_E_IO, RELAIS_E_MALFORMED, RELAIS_E_NOMEM. Close: safe
 * on a subscription never opened (zeroed). */
int desk_calendar_open(desk_cal_sub_t *sub, const char *state_dir, const char *person);
void desk_calendar_close(desk_cal_sub_t *sub);
/* A new subscription, which replaces any: its token into `token` (the caller shows it once and
 * forgets it), its hash kept, and written first when there is a state folder. Errors: RELAIS_E_IO
 * (nothing changed). */
int desk_calendar_subscribe(desk_cal_sub_t *sub, const char *person, char token[DESK_TOKEN_LEN]);
/* The subscription revoked: its token is refused from now on, even when the file could not be
 * removed (RELAIS_E_IO then: it would come back at the next start). RELAIS_E_NOT_FOUND: none. */
int desk_calendar_revoke(desk_cal_sub_t *sub);
/* 1 and when it was made when a subscription exists, else 0. */
int desk_calendar_subscribed(desk_cal_sub_t *sub, int64_t *made_ms);
/* Whether `token` (from a request, any length) is the subscription's, compared in constant time:
 * 0 or RELAIS_E_NOT_FOUND. */
int desk_calendar_token_ok(desk_cal_sub_t *sub, const char *token);
/* The iCalendar file (RFC 5545) of `cal` into b, made at `now_ms`, named for `person`, its words
 * in `lang`. Errors: RELAIS_E_NOMEM. */
int desk_calendar_write(const desk_cal_t *cal, const char *person, relais_cli_lang_t lang, int64_t now_ms,
                        desk_buf_t *b);
/* The desk's calendar as it stands, from its model. Errors: RELAIS_E_NOMEM. */
int desk_calendar_ics(relais_desk_t *desk, relais_cli_lang_t lang, desk_buf_t *b);
/* The subscription's whole address for `token`, as the person's calendar program will ask for it:
 * the desk's own in local mode, the proxy's (https, the Host the proxy passed, /calendar/PERSON/)
 * in proxy mode. Errors: RELAIS_E_INVALID (no room, or a Host that is no host name). */
int desk_calendar_address(relais_desk_t *desk, struct MHD_Connection *conn, const char *token, char *out,
                          size_t cap);

/* What the calendar's page says besides its forms. */
typedef struct {
    const char *address; /* a subscription made just now: its address, shown this once; NULL otherwise */
    const char *said;    /* what was done, in a role="status"; NULL: nothing */
    const char *trouble; /* what went wrong, in a role="alert"; NULL: nothing */
} desk_cal_view_t;

void desk_page_calendar(relais_desk_t *desk, const desk_session_t *s, const desk_cal_view_t *v, desk_buf_t *b);

/* ---- Assets (assets.c) ---------------------------------------------------------------------------- */

typedef struct {
    const char *path; /* "/assets/desk.css" */
    const char *type; /* its Content-Type */
    const char *body;
} desk_asset_t;

const desk_asset_t *desk_asset(const char *path);

/* ---- HTTP (http.c) -------------------------------------------------------------------------------- */

/* What the session cookie says, to set it or take it away. */
typedef struct {
    const char *id; /* set this session's cookie; NULL: none */
    int clear;      /* take the cookie away */
} desk_cookie_t;

/* Queues page `b` (taken: the response owns its bytes) with its status, the headers every answer
 * carries, a cookie and a Location when given. A page that could not be made (memory) is a 500. */
enum MHD_Result desk_http_send(relais_desk_t *desk, struct MHD_Connection *conn, unsigned status, desk_buf_t *b,
                               const desk_cookie_t *cookie, const char *location);
/* A 303 to `location`, with the cookie. */
enum MHD_Result desk_http_redirect(relais_desk_t *desk, struct MHD_Connection *conn, const char *location,
                                   const desk_cookie_t *cookie);
/* A page that says one thing (desk_page_message), with its status. */
enum MHD_Result desk_http_say(relais_desk_t *desk, struct MHD_Connection *conn, unsigned status,
                              const desk_session_t *s, relais_cli_lang_t lang, const char *title,
                              const char *sentence, const desk_cookie_t *cookie);

/* What the hub made of a message the desk sent: its acknowledgement, its refusal, or why it was not
 * sent. */
typedef struct {
    relais_ack_t ack;
    relais_error_t err;
    char why[256];     /* refused before sending: the detail names the field */
    int was_up, is_up; /* the connection before and after: not sent, or sent and no answer */
    int queued;        /* no answer, and kept in the desk's queue (queue.c): it goes when the hub is back */
} desk_sent_t;

/* How a message is made: relais_client_sign_json's or relais_client_case_update_sign's shape around
 * `arg`, its id into msg_id and its signed bytes into *out (caller frees). */
typedef int(desk_sign_fn)(relais_client_t *hub, const void *arg, uint8_t msg_id[RELAIS_MSG_ID_BYTES], uint8_t **out,
                          size_t *len);
/* relais_client_sign_json around a JSON text. */
int desk_sign_json(relais_client_t *hub, const void *json, uint8_t msg_id[RELAIS_MSG_ID_BYTES], uint8_t **out,
                   size_t *len);

/* Signs, then sends through the desk's one client of the hub, under its lock (a librelais client
 * is not thread-safe), after the actions already waiting (an action never overtakes one typed
 * before it); when the hub does not answer, the signed message is kept in the queue as `what`
 * (out->queued). *out says what came of it. Returns 0 or the client's status (RELAIS_E_TIMEOUT
 * when queued). */
int desk_hub_send(relais_desk_t *desk, desk_sign_fn *sign, const void *arg, const desk_what_t *what,
                  desk_sent_t *out);

/* A request past the gate and the session, as each role's routes see it: the session it came
 * with (made.id set when the session was made by this request: its cookie must go with the
 * answer), the form posted (too_big: over the desk's bounds, and nothing of it to be used). */
typedef struct {
    relais_desk_t *desk;
    struct MHD_Connection *conn;
    const desk_session_t *s;
    const char *url;
    int get, post;
    desk_form_t *form;
    int too_big;
    const desk_cookie_t *made;
} desk_request_t;

/* ---- Printable pages (print.c) -------------------------------------------------------------------- */

/* The coordinator's pages made for paper (A4): a case's summary for the partnership meeting
 * (/cases/C-12/summary), the meetings and an agenda (/meetings, /meetings/M-…/agenda,
 * /agenda?date=), the partnership body's annual report (/report?year=). 1 when `r` is one of them
 * (*answer then queued), 0 when it is another page's. */
int desk_print_route(const desk_request_t *r, enum MHD_Result *answer);

/* A case's page written as HTML (pages.c's sink) into b, without the frame: the whole page, or the
 * summary for the meeting (relais_case_summary_render). Errors: the render's. */
int desk_page_case_body(const relais_reply_t *r, relais_cli_lang_t lang, int summary, desk_buf_t *b);
/* The breadcrumb above a case's pages: the cases, then that case's page when case_id is not NULL. */
void desk_case_trail(relais_cli_lang_t lang, const char *case_id, desk_buf_t *b);
/* ---- The reception's pages (reception.c, reception_entry.c, reception_common.c) ----------------- */

/* A reception desk's street list: `streets`, else RELAIS_STREETS, else none. Errors: those of
 * relais_streets_load, the detail naming the option. Close: safe when none was opened. */
int desk_reception_open(relais_desk_t *desk, const char *streets);
void desk_reception_close(relais_desk_t *desk);
/* What the reception's pages share (reception_common.c), the register's, the lost and found's and the
 * decrees'. */

/* A query string's value ("" when absent), a posted field as typed ("" when not posted; the note is
 * one of the form's own slots), a text or NULL when empty, the wall clock, a date and time to read. */
const char *desk_r_arg(struct MHD_Connection *conn, const char *key);
const char *desk_r_typed(const desk_form_t *form, const char *key);
const char *desk_r_or_null(const char *v);
int64_t desk_r_wall_ms(void);
void desk_r_when(int64_t ms, relais_cli_lang_t lang, char *out, size_t cap);
/* A query string's value, percent-encoded, appended to u. */
void desk_r_url_value(desk_buf_t *u, const char *v);

/* What a form that did not go through shows: what was typed, the sentence beside it, and the field
 * the sentence names (its payload name: "subject"), marked invalid. */
typedef struct {
    const char *form;        /* which of the page's forms: "record", "update", "found", "return"... */
    const desk_form_t *typed;
    char alert[1200];
    char field[48];
    int queued;              /* the alert says the action waits in the desk's queue */
    relais_cli_lang_t lang;  /* with it, the words of the link to the queue's page */
} desk_r_view_t;

/* The value typed in form `form` when it is the one shown again, else "". */
const char *desk_r_value(const desk_r_view_t *v, const char *form, const char *key);
/* The role="alert" beside form `form`, when it is the one that did not go through. */
void desk_r_alert(const desk_r_view_t *v, const char *form, desk_buf_t *b);
/* A form's opening (POST to `action`, the session's CSRF token), and its labelled controls, their id
 * "FORM-KEY", the one the sentence names marked invalid and described by it. */
void desk_r_form_open(desk_buf_t *b, const desk_session_t *s, const desk_r_view_t *v, const char *form,
                      const char *action);
void desk_r_input(desk_buf_t *b, const desk_r_view_t *v, const char *form, const char *type, const char *key,
                  const char *label, const char *hint, const char *value, int required);
void desk_r_area(desk_buf_t *b, const desk_r_view_t *v, const char *form, const char *key, const char *label,
                 const char *value, int required);
/* A select of an enum's values 1..count-1 by their command names (`name`; NULL skips one), its first
 * option "" when `blank` says what it means (else required). */
void desk_r_select(desk_buf_t *b, const desk_r_view_t *v, const char *form, const char *key, const char *label,
                   const char *blank, const char *const *fr, const char *const *en, int count,
                   const char *(*name)(int), const char *selected, relais_cli_lang_t lang);
void desk_r_check(desk_buf_t *b, const desk_r_view_t *v, const char *form, const char *key, const char *label,
                  int checked);
/* A line of a <dl>: its label, and a text from others, its line breaks kept. */
void desk_r_dl(desk_buf_t *b, const char *label, const char *value);

/* One call of the desk's one client of the hub (a librelais client is not thread-safe), with whether
 * the connection was up before and after it: a write that timed out was not sent, or was sent and got
 * no answer. */
typedef int (*desk_r_call_fn)(relais_client_t *hub, const void *arg, void *out, relais_error_t *err);
typedef struct {
    relais_error_t err;
    char why[256];     /* failed here, before anything was sent: librelais's detail */
    int was_up, is_up;
} desk_r_call_t;
int desk_r_call(relais_desk_t *desk, desk_r_call_fn fn, const void *arg, void *out, desk_r_call_t *c);
/* A read; on failure, the sentence to show in `why`, and the page's status for it. */
int desk_r_read(relais_desk_t *desk, desk_r_call_fn fn, const void *arg, relais_reply_t *out, relais_cli_lang_t lang,
                char *why, size_t cap);
unsigned desk_r_read_status(int rc);
/* What kept a page from being read, in a role="alert". */
void desk_r_trouble(desk_buf_t *b, const char *why);

/* A note of a story's line, quoted, when there is one. */
void desk_r_note(desk_buf_t *b, const char *note, relais_cli_lang_t lang);
/* A read of one thing: RELAIS_E_MALFORMED (`missing` in why, the reply cleared) when the hub sent
 * `count` 0 of it; else rc. And the page that says it could not be read (404 for one the hub does
 * not know). */
int desk_r_one(int rc, relais_reply_t *reply, size_t count, const char *missing, char *why, size_t cap);
enum MHD_Result desk_r_unread(desk_request_t *r, int rc, const char *title, const char *why);

/* The link to a list's next page: `path` with the request's values of `keys` (those not empty) and
 * `before`, in a <nav>, saying `said`. */
void desk_r_next_link(desk_buf_t *b, struct MHD_Connection *conn, const char *path, const char *const *keys,
                      size_t key_count, uint64_t before, const char *said, relais_cli_lang_t lang);

/* What the hub made of a payload sent: its acknowledgement, or the call's trouble. */
typedef struct {
    relais_ack_t ack;
    desk_r_call_t call;
    int queued;        /* no answer: kept in the desk's queue, as `what` */
} desk_r_sent_t;
/* Signs the payload `key` around `body` (stolen) and submits it, as the reception's commands do but
 * with the desk's queue in memory for their spool on disk (desk_hub_send). */
int desk_r_submit(relais_desk_t *desk, const char *key, struct json_t *body, const desk_what_t *what,
                  desk_r_sent_t *out);
/* The form's CSRF token and size, first: 0 (and the sentence, the status) when it cannot be read. */
int desk_r_form_ok(desk_request_t *r, desk_r_view_t *v, unsigned *status);
/* A payload that did not go through (desk_outcome_sentence's words, the field the hub names), and a
 * refusal of the desk's own naming its field: the page's status. */
unsigned desk_r_not_through(int rc, const desk_r_sent_t *sent, relais_cli_lang_t lang, desk_r_view_t *v);
unsigned desk_r_refuse(desk_r_view_t *v, const char *field, const char *sentence, relais_cli_lang_t lang);
/* The street typed as the town's list spells it (the desk's --streets); else the refusal into v. */
int desk_r_street(relais_desk_t *desk, const char *typed, char *out, size_t cap, desk_r_view_t *v,
                  relais_cli_lang_t lang);

/* The lost and found (lost_pages.c): /lost, /lost/O-12 and /lost/P-3, the forms of `relais lost`.
 * The decrees (decree_pages.c): /decrees, /decrees/NUMBER. The reception's chart (reception_chart.c):
 * /charts. As desk_reception_route. */
int desk_lost_route(desk_request_t *r, enum MHD_Result *answer);
int desk_decree_route(desk_request_t *r, enum MHD_Result *answer);
int desk_reception_chart_route(desk_request_t *r, enum MHD_Result *answer);

/* The reception's routes: the register (/), an entry (/register/A-12, or by a transfer T-14), the
 * forms of every reception command, the extract to print (/register/print). 1 and *answer when
 * the request was one of them, else 0. */
int desk_reception_route(desk_request_t *r, enum MHD_Result *answer);
/* The transfers made to this desk's identity (a coordinator's or a partner's), /transfers, and the
 * answer to one, POST /transfers/T-14/answer. As desk_reception_route. */
int desk_transfers_route(desk_request_t *r, enum MHD_Result *answer);

enum MHD_Result desk_http_handle(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                 const char *version, const char *upload_data, size_t *upload_data_size,
                                 void **req_cls);
void desk_http_done(void *cls, struct MHD_Connection *conn, void **req_cls, enum MHD_RequestTerminationCode toe);

/* ---- A partner's pages (partner_pages.c; the referral form's files share partner_internal.h) ------ */

/* The routes of a partner's desk: its referrals' statuses (/), one referral's (/referrals/R-57),
 * the referral form (/refer) and the page that says one was received (/refer/received). Returns 1
 * with *answer set when the request was one of them, 0 to let the caller say there is no such page. */
int desk_partner_route(const desk_request_t *r, enum MHD_Result *answer);

#endif
