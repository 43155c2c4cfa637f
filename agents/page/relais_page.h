/* relais_page.h -- what the `relais` command's pages for people stand on, shared with the desk (desk/) (not installed).
 *
 * The exit statuses and the commands' shared flags and error lines; text printed safely; local
 * dates in two languages; case ids as people type them; files read without trusting them; records
 * as lines and as JSON; the case page, written through a sink (the terminal's text, the desk's
 * HTML); the agenda of a partnership meeting; the payloads of the reception's registers. Each is
 * decided once here so that the terminal and the desk never disagree.
 */
#ifndef RELAIS_PAGE_H
#define RELAIS_PAGE_H

#include <getopt.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "relais_client.h"

/* ---- Exit statuses ---------------------------------------------------------------------------
 * What every command returns, and what relais_cli_fail and the like give: 0 success, 1 refused by
 * the broker (its code and sentence on stderr), 2 usage or local error, 3 queued. */

#define RELAIS_EXIT_OK 0
#define RELAIS_EXIT_REFUSED 1
#define RELAIS_EXIT_USAGE 2
/* The hub could not be reached: what the command sends is signed and kept in the person's spool,
 * and goes when the hub is back (`relais outbox`). */
#define RELAIS_EXIT_QUEUED 3

/* getopt_long values of the shared connection flags (beyond any short option). */
enum {
    RELAIS_OPT_ENDPOINT = 1000,
    RELAIS_OPT_KEY,
    RELAIS_OPT_SERVER_CERT,
    RELAIS_OPT_HELP,
    RELAIS_OPT_FIRST_FREE /* the subcommands number their own options from here */
};

#define RELAIS_CLI_CONN_OPTIONS                                                                                   \
    {"endpoint", required_argument, NULL, RELAIS_OPT_ENDPOINT}, {"key", required_argument, NULL, RELAIS_OPT_KEY},    \
        {"server-cert", required_argument, NULL, RELAIS_OPT_SERVER_CERT}, {"help", no_argument, NULL, RELAIS_OPT_HELP}

#define RELAIS_CLI_CONN_HELP                                                                                      \
    "  --endpoint E        broker endpoint (or RELAIS_ENDPOINT): tcp://HOST:PORT or HOST:PORT\n"                        \
    "  --key FILE          own NAME.cert_secret, NAME.sign.key beside it (or RELAIS_KEY)\n"                           \
    "  --server-cert FILE  the broker's public certificate (or RELAIS_SERVER_CERT)\n"

/* The shared connection flags. */
typedef struct {
    const char *endpoint;    /* --endpoint or RELAIS_ENDPOINT */
    const char *key;         /* --key or RELAIS_KEY */
    const char *server_cert; /* --server-cert or RELAIS_SERVER_CERT */
    size_t max_message;      /* the hub's --max-message (submit's own flag); 0: the default */
} relais_cli_conn_t;

/* Takes a shared flag: 1 when `opt` was one of them, 0 otherwise. */
int relais_cli_conn_opt(relais_cli_conn_t *conn, int opt, const char *arg);

/* Opens a client with the flags (environment for those not given). `spool_dir` may be NULL.
 * Returns 0, or prints why and returns RELAIS_EXIT_USAGE. */
int relais_cli_connect(relais_cli_conn_t *conn, const char *spool_dir, int timeout_ms, relais_client_t **out);

/* The spool folder of the identity: $RELAIS_SPOOL, or ~/.relais/spool-NAME for the identity of
 * the key file (the folder ~/.relais made). 0, or prints why (naming `cmd`) and returns
 * RELAIS_EXIT_USAGE. */
int relais_cli_default_spool(const relais_cli_conn_t *conn, const char *cmd, char *out, size_t cap);

/* Reports a failed call on stderr and returns the exit status: the broker's refusals and an
 * unanswered request (UNAVAILABLE) give RELAIS_EXIT_REFUSED, anything else RELAIS_EXIT_USAGE. */
int relais_cli_fail(const char *what, int status, const relais_error_t *err);

/* "relais: WHAT: detail" on stderr; returns RELAIS_EXIT_USAGE. */
int relais_cli_local(const char *what, int status);

/* Prints the usage error and the hint; returns RELAIS_EXIT_USAGE. */
int relais_cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- Printing text safely ------------------------------------------------------------------
 * Names, schools, notes, reasons, case ids, file names and the broker's sentences come from
 * others: a control in them (relais_text_is_control) would forge a row, clear the screen or
 * retitle the window. Every line a command prints goes through these. */

/* Formats one line, writes it on `out` with every control escaped (relais_text_escape: a line
 * break inside becomes \n) and ends it with a newline. `fmt` has no trailing \n. */
void relais_cli_line(FILE *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* `s` escaped into buf (room cap); returns buf. For columns, whose widths count what is shown. */
const char *relais_cli_safe(const char *s, char *buf, size_t cap);

/* Case ids ("C-3, C-7"), each escaped, joined by commas into buf (room cap); returns buf. */
const char *relais_cli_ids(const char ids[][RELAIS_CASE_ID_LEN], size_t n, char *buf, size_t cap);

/* Local time as "2026-11-26 08:14". */
void relais_cli_time(int64_t ms, char *out, size_t cap);

/* ---- Pages for people: the language, local dates ------------------------------------------- */

/* The language of a page a person reads (`case show`): French, the town's, unless asked. */
typedef enum { RELAIS_CLI_FR = 0, RELAIS_CLI_EN } relais_cli_lang_t;

/* A time as a local date and time, in the machine's time zone (TZ when set): "02/12/2026 14:05"
 * in French, "2 Dec 2026 14:05" in English (month names fixed, whatever the locale); "-" for 0. */
void relais_cli_date_time(int64_t ms, relais_cli_lang_t lang, char *out, size_t cap);

/* A calendar date given as YYYY-MM-DD ("2026-12-02") as the reader writes it: "02/12/2026",
 * "2 Dec 2026". Text that is no such date is copied escaped, as it was given. */
void relais_cli_date(const char *iso, relais_cli_lang_t lang, char *out, size_t cap);

/* --lang's value: "fr" or "en", any case. Errors: RELAIS_E_INVALID. */
int relais_cli_lang_parse(const char *name, relais_cli_lang_t *lang);

/* ---- Case ids as people type them ---------------------------------------------------------- */

#define RELAIS_CLI_REF_CASE 1u   /* a case id: C-14, c-14 or 14 */
#define RELAIS_CLI_REF_HANDLE 2u /* a referral's handle: R-57 or r-57 */
#define RELAIS_CLI_REF_ENTRY 4u  /* an entry of the reception's register: A-12 or a-12 (or 12 without REF_CASE) */
#define RELAIS_CLI_REF_TRANSFER 8u /* a transfer of the register: T-14 or t-14 */
#define RELAIS_CLI_REF_ITEM 16u    /* an item of the lost and found: O-31, P-32 (or o-31, p-32) */

/* Writes the id as the hub spells it ("C-14", "R-57", "A-12", "T-14") into `out` (room
 * RELAIS_CASE_ID_LEN), from the forms `accept` allows; a number alone is a case's, or an entry's
 * when cases are not accepted; leading zeros of the number are dropped. Errors: RELAIS_E_INVALID,
 * the detail saying which forms are expected (it quotes the text given, to be printed escaped). */
int relais_cli_case_ref(const char *text, unsigned accept, char *out, size_t cap);

/* Parses a non-negative decimal integer; 0 or -1. */
int relais_cli_parse_u64(const char *s, uint64_t *out);

/* relais_cli_read_file's flags. NOFOLLOW: a symbolic link is refused, not followed (a drop
 * folder's files, which whoever writes there could swap for a link to a key). */
#define RELAIS_CLI_READ_NOFOLLOW 1u
/* PRIVATE: a file others may read is made 0600 (its owner's bits kept) before it is read: a
 * referral taken from a drop folder names a child. A file this process may not chmod is read
 * all the same, with a warning on stderr. */
#define RELAIS_CLI_READ_PRIVATE 2u

/* Reads a whole regular file of at most `max` bytes (NUL-terminated for convenience) through
 * one descriptor: opened without waiting (a FIFO cannot hang us), checked with fstat, read
 * no further than max + 1 bytes. Caller frees.
 * Errors: RELAIS_E_TOO_LARGE (over max), RELAIS_E_INVALID (not a regular file, or a link
 * with NOFOLLOW), RELAIS_E_IO, RELAIS_E_NOMEM. The detail names the path, never the content. */
int relais_cli_read_file(const char *path, size_t max, unsigned flags, char **out, size_t *len);

/* The same from an open descriptor (standard input, say); `name` is for the detail. */
int relais_cli_read_fd(int fd, const char *name, size_t max, char **out, size_t *len);

/* Writes one compact JSON value and a newline on `out`, flushed; steals `v`. Controls that
 * JSON lets through raw (DEL, C1, U+2028/2029, the bidirectional ones) are written as \uHHHH
 * escapes too, so that a JSON line on a terminal is as safe as a text one. */
void relais_cli_print_json(FILE *out, json_t *v);

/* Sends the spool, for up to 10 s, after a command queued message `msg_id` in it: 1 when the hub
 * answered it (*ack, or *err with err->status set when it refused it), 0 when it still waits
 * (*why: the status the flush ended on), or a negative local status. What becomes of the
 * messages an earlier command left there (the hub down) is said on stderr as they go. */
int relais_cli_send_queued(relais_client_t *client, const uint8_t msg_id[RELAIS_MSG_ID_BYTES], relais_ack_t *ack,
                           relais_error_t *err, int *why);

/* A message the hub did not take in time (why: its status), kept in the spool: says so on
 * stderr (what it is, where it waits, how it goes), prints its id on stdout (a line, or with
 * json_out {"queued": true, "msg_id"}), and returns RELAIS_EXIT_QUEUED. */
int relais_cli_queued(const char *cmd, int why, const char *what, const uint8_t msg_id[RELAIS_MSG_ID_BYTES],
                      const char *spool, int json_out);

/* FHIR spelling of a TaskStatus value ("in-progress"); "?" when unknown. */
const char *relais_cli_task_status(int task_status);

/* One line about a log record: "#12 2026-11-26 08:14 sender  kind  C-12  summary".
 * `case_id` may be NULL or "" when unknown. */
void relais_cli_print_record(FILE *out, uint64_t seq, int64_t received_ms, const uint8_t *record, size_t len,
                             const char *case_id);

/* A record as JSON: {"seq","received_ms","leaf_hash","message"}. `leaf_hash` is the stored
 * leaf's hash the hub sent with a record it opened from a sealed store; NULL: the record is as
 * stored, and its hash is computed. NULL on out-of-memory. */
json_t *relais_cli_record_json(uint64_t seq, int64_t received_ms, const uint8_t *record, size_t len,
                               const uint8_t *leaf_hash);

/* A partner's status view as JSON. */
json_t *relais_cli_status_json(const relais_case_status_t *st);

/* A CASE_DETAIL's history: each event's status as relais_cli_status_json gives it, with its seq. */
json_t *relais_cli_history_json(const relais_reply_t *r);

/* A CASE_DETAIL's timeline as a JSON array of relais_cli_record_json entries. With `rectified`,
 * the corrections the timeline holds (Privacy RECTIFIED records) are applied to the records they
 * name, each entry corrected keeping a "rectifications" list beside it ({field, original,
 * corrected, reason, by_record, received_ms}): what a person reads is the corrected value, and
 * is told it was corrected. NULL on out-of-memory. */
json_t *relais_cli_timeline_json(const relais_reply_t *r, int rectified);

/* Milliseconds of a monotonic clock. */
int64_t relais_cli_now_ms(void);

/* Installs SIGINT/SIGTERM handlers that only set the flag (no SA_RESTART, so waits end). */
void relais_cli_catch_signals(void);
int relais_cli_stopping(void);

/* ---- The case page (case_show.c) -------------------------------------------------------------- */

/* Where a page is written: the terminal's text (relais_case_page_print), or another form (the
 * desk's HTML). The page calls these in reading order; every text is as the hub sent it, the
 * sink's to make safe for its form. `indent` is the text page's: 2 for what belongs to a
 * section, 4 for what belongs to a block of it, 7 for an action's fields. */
typedef struct {
    void (*title)(void *ctx, const char *title);   /* the page's title, once, first */
    void (*heading)(void *ctx, const char *title); /* a section */
    void (*block)(void *ctx, int indent, const char *text); /* a block's first line: a referral, a parent, an
                                                             * update (indent 2), a pathway's action (4) */
    void (*line)(void *ctx, int indent, const char *text);  /* a sentence of the page's own */
    void (*field)(void *ctx, int indent, const char *label, const char *value); /* never empty; a label ""
                                                                                  * continues the one before */
    void (*text)(void *ctx, int indent, const char *label, const char *text); /* may run over lines;
                                                                               * label NULL: the text alone */
    void (*gap)(void *ctx);                                                    /* between two blocks */
    void (*history)(void *ctx, const char *when, const char *number, const char *what); /* a dated event */
} relais_page_sink_t;

/* The page of relais_case_page_print, written through `sink` (with its `ctx`).
 * Errors: RELAIS_E_INVALID (no summary), RELAIS_E_NOMEM. */
int relais_case_page_render(const relais_page_sink_t *sink, void *ctx, const relais_reply_t *r,
                            relais_cli_lang_t lang);

/* The case on one or two printed pages for the partnership meeting (the desk's summary): the
 * header, the decisions pending (the question the state puts, the next review or the triage's
 * deadline, a possible duplicate), the child, each referral (who, when, why; no contact, no
 * sharing), the diagnosis, the pathway, the last 3 reviews and meetings; no family, no history.
 * Errors: RELAIS_E_INVALID (no summary, or a partner's reply), RELAIS_E_NOMEM. */
int relais_case_summary_render(const relais_page_sink_t *sink, void *ctx, const relais_reply_t *r,
                               relais_cli_lang_t lang);

/* The decision a case in `state` waits for from the partnership meeting, as a question ("Quel
 * parcours éducatif proposer ?"), for the summary and the meeting's agenda. */
const char *relais_page_question(relais_case_state_t state, relais_cli_lang_t lang);

/* The day a review is due, from a case's due_ms (the end of that day, local), as the reader
 * writes a date ("10/12/2026"); "-" for none. */
void relais_page_review_day(int64_t due_ms, relais_cli_lang_t lang, char *out, size_t cap);

/* Prints the case (or, for a partner, its referral) of a CASE_DETAIL reply as a page to read or
 * print before a partnership meeting: the child, each referral with its description, referrer
 * and the family's contacts, the diagnosis, the pathway, reviews and notes, and the history as
 * a dated list, in `lang`, with local dates. It prints what the hub sent and nothing else: a
 * partner's reply holds its own referral and the statuses it may see, so its page has no
 * diagnosis, pathway or notes. Every text from the hub is escaped; multi-line texts are quoted
 * under a bar, so that none of their lines passes for a line of the page.
 * Errors: RELAIS_E_INVALID (no summary), RELAIS_E_NOMEM. */
int relais_case_page_print(FILE *out, const relais_reply_t *r, relais_cli_lang_t lang);

/* The page's parts, for the pages of a partnership meeting (meeting.c), each line escaped: a
 * case's state and urgency in words ("en cours d'examen", "prioritaire"), the title underlined with '=', a heading
 * underlined with '-', "  Label    value" wrapped under itself (nothing for an empty value),
 * a labelled text that may run over lines (quoted under a bar), and a professional present
 * ("Mme Roux, psychologue, CMP de Sceaux", from a MeetingRecord's JSON `present` item). */
const char *relais_page_state(relais_case_state_t state, relais_cli_lang_t lang);
const char *relais_page_urgency(relais_urgency_t urgency, relais_cli_lang_t lang);
void relais_page_title(FILE *out, const char *title);
void relais_page_heading(FILE *out, const char *title);
void relais_page_field(FILE *out, int indent, const char *label, const char *value);
void relais_page_text(FILE *out, int indent, const char *label, const char *text);
void relais_page_attendee(json_t *attendee, char *out, size_t cap);

/* The state a paused case resumes to, from a CASE_DETAIL's timeline: the from_state of the update
 * that paused it last; RELAIS_CASE_UNSPECIFIED when none did (for `relais case update` and the
 * desk's move form alike). */
relais_case_state_t relais_page_paused_from(const relais_reply_t *r);

/* ---- The agenda of a partnership meeting (meeting_agenda.c) --------------------------------------
 * Which cases it has to look at and in which order, as `relais meeting agenda` prints it and the
 * desk's agenda page shows it. */

/* The agenda's sections, in the order they are read: each case is in one only. */
typedef enum {
    RELAIS_AGENDA_OVERDUE = 0, /* past their triage target or their review date now */
    RELAIS_AGENDA_DUE,         /* past triage, their review due by the end of the meeting's day */
    RELAIS_AGENDA_NEW,         /* still submitted, received since the last meeting's date */
    RELAIS_AGENDA_SECTIONS
} relais_agenda_section_t;

typedef struct {
    char date[11];                      /* the meeting's, YYYY-MM-DD */
    char last[RELAIS_CASE_ID_LEN];      /* the last meeting before it, "" when none */
    char last_date[11];                 /* its date, "?" when none */
    relais_reply_t cases;               /* the case list the agenda was made from (its rows are borrowed below) */
    relais_case_summary_t **by[RELAIS_AGENDA_SECTIONS]; /* each section's cases, by due date */
    size_t count[RELAIS_AGENDA_SECTIONS];
} relais_agenda_t;

/* The agenda of the meeting on `date` (YYYY-MM-DD), from the coordinator's meetings' list and case
 * list (two reads, each logged at the hub; `meetings`, when not NULL, is that list already read, and
 * only the cases are). On a refusal or no answer the client's status is returned, `err` says why
 * and *which names the read that failed ("the meetings", "the cases"). Errors besides:
 * RELAIS_E_INVALID (no date), RELAIS_E_NOMEM. *out is empty on failure. */
int relais_agenda_read(relais_client_t *client, const char *date, const relais_reply_t *meetings,
                       relais_agenda_t *out, relais_error_t *err, const char **which);
void relais_agenda_clear(relais_agenda_t *a);

/* Whether a case's deadline is its triage target (else its next review). */
int relais_agenda_in_triage(const relais_case_summary_t *c);

/* "Lina B. (2014) — accepté (prioritaire) — bilan prévu le 10/12/2026 — Collège Marie Curie": what
 * the agenda says of a case after its id, in `lang`, as the hub sent it (the caller makes it safe
 * for its page). */
void relais_agenda_words(relais_agenda_section_t section, const relais_case_summary_t *c, relais_cli_lang_t lang,
                         char *out, size_t cap);

/* "2026-12-10" of a meeting id "M-20261210-a3f9" ("?" for anything else); out: room for 11. */
void relais_meeting_id_date(const char *id, char *out);

/* ---- The reception's registers (reception_json.c): times typed at the counter, and the payloads,
 * the command's and the web desk's alike ------------------------------------------------------- */

/* "2026-12-03 09:40" (or a date alone: its midnight) as local time, in *ms; -1 when it is neither. */
int relais_rcli_local_time(const char *text, int64_t *ms);

/* A solicitation as it comes in (ContactLog); NULL or "" texts are left out. */
typedef struct {
    relais_channel_t channel;
    relais_category_t category;
    const char *subject, *requester, *summary, *street, *house_number, *contact_details;
    const char *acknowledged_date, *response_due_date; /* YYYY-MM-DD */
    int64_t occurred_ms;
    int agreed;   /* the resident agreed to be reached back */
    int answered; /* answered on the spot; otherwise to follow up */
} relais_rcli_contact_t;

/* A note, a correction, the closing or the reopening of an entry (ContactUpdate); handling 0: unchanged. */
typedef struct {
    const char *entry_id;
    relais_handling_t handling;
    relais_category_t category;
    const char *note, *acknowledged_date, *response_due_date, *street, *house_number, *subject;
} relais_rcli_update_t;

/* The payloads' bodies (NULL: memory); a transfer in the hub goes BY_HUB whatever `means` says. */
json_t *relais_rcli_contact_json(const relais_rcli_contact_t *c);
json_t *relais_rcli_update_json(const relais_rcli_update_t *u);
json_t *relais_rcli_transfer_json(const char *entry_id, relais_recipient_t recipient, const char *name,
                                  relais_means_t means, const char *note);
json_t *relais_rcli_answer_json(const char *transfer_id, relais_answer_t answer, const char *note);
/* An item of the lost and found as it comes in (LostFoundItem): found (storage, keep_until,
 * finder_claims) or declared lost (until_ms); the street as the town's list spells it; NULL or ""
 * texts are left out. */
typedef struct {
    relais_lost_kind_t kind;
    relais_item_category_t category;
    const char *description, *street, *house_number, *place, *person, *contact, *storage, *keep_until;
    int64_t when_ms, until_ms;
    int finder_claims;
} relais_rcli_lost_t;

/* A return, the end of a keeping, a withdrawal or a note (LostFoundUpdate). */
typedef struct {
    const char *item_id;
    relais_lost_update_kind_t kind;
    const char *owner, *identity_checked, *declaration_id, *handed_to, *note;
    relais_outcome_t outcome;
} relais_rcli_lost_update_t;

json_t *relais_rcli_lost_json(const relais_rcli_lost_t *l);
json_t *relais_rcli_lost_update_json(const relais_rcli_lost_update_t *u);
/* The last day an item found at `when_ms` is kept, YYYY-MM-DD: `days` after the day it was found (0:
 * RELAIS_LOST_KEEP_DAYS from the environment, else a year and a day). RELAIS_E_INVALID: no such day. */
int relais_rcli_keep_until(int64_t when_ms, long days, char *out, size_t cap);

/* `{"KEY": body}` as compact JSON (caller frees), body stolen; NULL: memory. */
char *relais_rcli_payload(const char *key, json_t *body);
/* The date `days` after `when_ms`, local time, as YYYY-MM-DD; RELAIS_E_INVALID when it cannot be said. */
int relais_rcli_due_date(int64_t when_ms, unsigned days, char *out, size_t cap);

#endif
