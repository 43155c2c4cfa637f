/* cli.c -- the `relais` command: global help and version, dispatch to the subcommands. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli_internal.h"
#include "relais_audit.h"

static const struct {
    const char *name;               /* subcommand as typed */
    int (*run)(int argc, char **argv); /* its entry point (cli_internal.h, relais_audit.h) */
    const char *summary;            /* one line for `relais --help` */
} s_commands[] = {
    {"keygen", relais_cmd_keygen, "create an identity (CURVE and Ed25519 keys, certificate)"},
    {"submit", relais_cmd_submit, "sign and submit payloads (files or a drop folder), durably"},
    {"agent", relais_cmd_agent, "a partner's agent: drop folder, local HTTP intake, statuses back to its system"},
    {"feed", relais_cmd_feed, "follow the live feed from a sequence number"},
    {"case", relais_cmd_case, "list, show and update cases"},
    {"meeting", relais_cmd_meeting, "the partnership meeting: record its decisions, list, show, agenda"},
    {"desk", relais_cmd_desk, "the coordinator's work in a web browser: feed, work list, cases, moves"},
    {"reception", relais_cmd_reception, "the Tranquillite urbaine desk's register: record, follow up, transfer, count"},
    {"lost", relais_cmd_lost, "the desk's lost and found: found items, declared losses, matches, returns"},
    {"decree", relais_cmd_decree, "the town's decrees: publish (mayor's office), what is in force where"},
    {"streets", relais_cmd_streets, "the town's street list (BAN): import it, find a street as typed"},
    {"audit", relais_cmd_audit, "verify, export, prove and snapshot the log; check its consistency"},
    {"witness", relais_cmd_witness, "cosign the hubs' checkpoints that extend what it cosigned (C2SP tlog-witness)"},
    {"outbox", relais_cmd_outbox, "what waits in this identity's spool, and what the hub said of what left it"},
    {"ping", relais_cmd_ping, "check that the hub answers and accepts this identity"},
    {"datakey", relais_cmd_datakey, "make the hub's data key, or rotate it to a new generation"},
    {"privacy", relais_cmd_privacy, "the family's rights: export, rectify, erase; legal holds"},
};

static void s_usage(FILE *out)
{
    fputs("usage: relais COMMAND [OPTIONS] [ARGS]\n\ncommands:\n", out);
    for (size_t i = 0; i < sizeof s_commands / sizeof s_commands[0]; i++)
        fprintf(out, "  %-8s %s\n", s_commands[i].name, s_commands[i].summary);
    fputs("\nOptions shared by the commands that talk to the broker (or the environment):\n"
          "  --endpoint E (RELAIS_ENDPOINT)  --key FILE (RELAIS_KEY)  --server-cert FILE (RELAIS_SERVER_CERT)\n"
          "\nExit status: 0 success, 1 refused by the broker (code and sentence on stderr), 2 usage or\n"
          "local error, 3 queued: the hub could not be reached, what was typed is signed and kept in\n"
          "the spool and goes when it is back (relais outbox). 'relais COMMAND --help' describes each.\n",
          out);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        s_usage(stderr);
        return RELAIS_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        s_usage(stdout);
        return RELAIS_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("relais %s\n", RELAIS_VERSION);
        return RELAIS_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof s_commands / sizeof s_commands[0]; i++) {
        if (strcmp(argv[1], s_commands[i].name) == 0) {
            optind = 0; /* glibc: the subcommand's getopt scan starts afresh */
            return s_commands[i].run(argc - 1, argv + 1);
        }
    }
    relais_cli_line(stderr, "relais: unknown command '%s'", argv[1]);
    s_usage(stderr);
    return RELAIS_EXIT_USAGE;
}
