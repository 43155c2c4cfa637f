/* cli.h -- the subcommands of the `relais` command, shared by its source files (not installed).
 *
 * Each entry point gets the arguments after its subcommand name (argv[0] is the subcommand)
 * and returns the process exit status: 0 success, 1 refused by the broker (its code and
 * sentence on stderr), 2 usage or local error, 3 queued (below).
 */
#ifndef RELAIS_CLI_H
#define RELAIS_CLI_H

#define RELAIS_EXIT_OK 0
#define RELAIS_EXIT_REFUSED 1
#define RELAIS_EXIT_USAGE 2
/* The hub could not be reached: what the command sends is signed and kept in the person's spool,
 * and goes when the hub is back (`relais outbox`). */
#define RELAIS_EXIT_QUEUED 3
/* `relais audit watch` alone: the hub showed a history that does not extend the one kept, so
 * that an auditor's timer tells an alarm from a hub that did not answer (1). */
#define RELAIS_EXIT_ALARM 4

int relais_cmd_keygen(int argc, char **argv);
int relais_cmd_submit(int argc, char **argv);
int relais_cmd_feed(int argc, char **argv);
int relais_cmd_case(int argc, char **argv);
int relais_cmd_meeting(int argc, char **argv);
int relais_cmd_reception(int argc, char **argv);
int relais_cmd_lost(int argc, char **argv);
int relais_cmd_decree(int argc, char **argv);
int relais_cmd_streets(int argc, char **argv);
int relais_cmd_audit(int argc, char **argv);
int relais_cmd_ping(int argc, char **argv);
int relais_cmd_datakey(int argc, char **argv);
int relais_cmd_privacy(int argc, char **argv);
int relais_cmd_desk(int argc, char **argv);
int relais_cmd_witness(int argc, char **argv);
int relais_cmd_outbox(int argc, char **argv);
int relais_cmd_agent(int argc, char **argv);

#endif
