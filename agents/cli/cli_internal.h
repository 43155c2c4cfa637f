/* cli_internal.h -- what the source files of the `relais` command share (not installed).
 *
 * Each entry point gets the arguments after its subcommand name (argv[0] is the subcommand)
 * and returns the process exit status (relais_page.h's RELAIS_EXIT_*). `relais audit` is
 * relais_audit.h's.
 */
#ifndef RELAIS_CLI_INTERNAL_H
#define RELAIS_CLI_INTERNAL_H

#include <getopt.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "relais_client.h"
#include "relais_drop.h"
#include "relais_page.h"

int relais_cmd_keygen(int argc, char **argv);
int relais_cmd_submit(int argc, char **argv);
int relais_cmd_feed(int argc, char **argv);
int relais_cmd_case(int argc, char **argv);
int relais_cmd_meeting(int argc, char **argv);
int relais_cmd_reception(int argc, char **argv);
int relais_cmd_lost(int argc, char **argv);
int relais_cmd_decree(int argc, char **argv);
int relais_cmd_streets(int argc, char **argv);
int relais_cmd_ping(int argc, char **argv);
int relais_cmd_datakey(int argc, char **argv);
int relais_cmd_privacy(int argc, char **argv);
int relais_cmd_desk(int argc, char **argv);
int relais_cmd_witness(int argc, char **argv);
int relais_cmd_outbox(int argc, char **argv);
int relais_cmd_agent(int argc, char **argv);

/* ---- What the reception's commands share (reception_cli.c: reception, lost, decree) ------------ */

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

/* ---- `relais submit` (submit.c) and its drop-folder mode (watch.c) ------------------------------ */

typedef struct {
    relais_cli_conn_t conn;  /* --endpoint, --key, --server-cert */
    const char *spool_dir;   /* --spool, or the default */
    int64_t timeout_ms;      /* --timeout: how long to wait for the broker */
    const char *watch_dir;   /* --watch DIR, or NULL for file mode */
    const char *done_dir;    /* --done, or NULL: DIR/done */
    const char *refused_dir; /* --refused, or NULL: DIR/refused */
    int poll_ms;             /* --poll-ms */
    int once;                /* --once */
    int flush_only;          /* --flush: send the spool, take no new file */
    size_t max_file;         /* the largest payload file read: RELAIS_SUBMIT_FILE_FACTOR x --max-message */
} relais_submit_opts_t;

/* The drop-folder loop; returns the exit status. */
int relais_submit_watch(relais_client_t *client, const relais_submit_opts_t *opts);

#endif
