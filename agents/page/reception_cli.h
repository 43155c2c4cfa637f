/* reception_cli.h -- what the Tranquillité urbaine reception's commands share (reception, lost,
 * decree); the web desk is desk/, another thing. */
#ifndef RELAIS_RECEPTION_CLI_H
#define RELAIS_RECEPTION_CLI_H

#include <getopt.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "cli_util.h"
#include "relais_client.h"

/* "2026-12-03 09:40" (or a date alone: its midnight) as local time, in *ms; -1 when it is neither. */
int relais_rcli_local_time(const char *text, int64_t *ms);

/* The street `typed` as the town's list spells it, into out (room cap): the list at `streets`, or
 * RELAIS_STREETS, or ./streets.tsv. A street the list does not have is refused, the closest named
 * (usage error of command `cmd`); with no list to read, `as_typed` lets the text through as typed
 * (a search), else that is refused too. Returns 0 or the command's exit status. */
int relais_rcli_street(const char *cmd, const char *streets, const char *typed, int as_typed, char *out, size_t cap);

/* The payload `key` around `body` (stolen), signed and written to the identity's spool (`spool`)
 * before it is sent: what is typed while the hub is unreachable is not lost, and goes with the
 * next command (or `relais submit --flush`). Prints the handle the hub gave (JSON with
 * `json_out`); returns the command's exit status. */
int relais_rcli_submit(relais_client_t *client, const char *cmd, const char *spool, int json_out, const char *key,
                       json_t *body);

/* A subcommand of a desk command: its name, its number of arguments and the options it takes (bits
 * RELAIS_RCLI_BIT of their values). */
#define RELAIS_RCLI_BIT(opt) (UINT64_C(1) << ((opt) - RELAIS_OPT_FIRST_FREE))
typedef struct {
    const char *name;
    int args;
    uint64_t takes;
} relais_rcli_sub_t;

/* Reads the options of `argv` (argv[0] the subcommand) with `opts`: the connection's into `conn`,
 * the others through `option` (which returns 0, -1 after printing the help, or an exit status),
 * each one's bit in *given. Then checks subcommand argv[0] against `subs`: known, its number of
 * arguments, no option it does not take (a usage error of `cmd` naming it). Returns 0, -1 (the
 * help was printed: exit 0) or an exit status; *sub (may be NULL) gets the subcommand. */
int relais_rcli_parse(const char *cmd, int argc, char **argv, const struct option *opts, const relais_rcli_sub_t *subs,
                      size_t sub_count, relais_cli_conn_t *conn, int (*option)(void *ctx, int opt, const char *arg),
                      void *ctx, const relais_rcli_sub_t **sub);

/* ---- The register's payloads (reception_json.c), the command's and the web desk's alike -------- */

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
