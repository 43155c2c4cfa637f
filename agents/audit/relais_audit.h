/* relais_audit.h -- `relais audit`, as the command calls it (not installed).
 *
 * Offline over a copy of the store (verify, export, prove, checkpoint, snapshot, consistency),
 * online through librelais, the proofs' files checked with the hub's certificate alone, and the
 * auditor's watch over the hub's checkpoints (docs/protocol.md, README.md "For an auditor").
 */
#ifndef RELAIS_AUDIT_H
#define RELAIS_AUDIT_H

/* `relais audit watch` alone: the hub showed a history that does not extend the one kept, so
 * that an auditor's timer tells an alarm from a hub that did not answer (1). */
#define RELAIS_EXIT_ALARM 4

/* `relais audit SUBCOMMAND ...` (argv[0] is "audit"): the process exit status, relais_page.h's
 * RELAIS_EXIT_* (1: a finding, the log, a proof or a note failing a check, named on stderr) or
 * RELAIS_EXIT_ALARM. */
int relais_cmd_audit(int argc, char **argv);

#endif
