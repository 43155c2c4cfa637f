/* cli_util.h -- what the `relais` subcommands that talk to the broker share: flags, errors, output.
 *
 * Not installed. Exit codes are cli.h's: 0 success, 1 refused, 2 usage or local error.
 */
#ifndef RELAIS_CLI_UTIL_H
#define RELAIS_CLI_UTIL_H

#include <getopt.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cli.h"
#include "endpoint.h"
#include "relais_client.h"

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

/* ---- Servers on this machine only (the desk, the agent) ---------------------------------------- */

/* The addresses they take are read, and their sockets bound, by endpoint.h's
 * relais_endpoint_loopback_* and relais_cli_listen_loopback. */

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

#endif
