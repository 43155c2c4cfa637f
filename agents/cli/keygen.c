/* keygen.c -- `relais keygen NAME --role ROLE [--org ORG] --out DIR`: a new identity's three files. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli_internal.h"
#include "relais_certs.h"
#include "relais_proto.h"

static const char s_help[] =
    "usage: relais keygen NAME --role ROLE [--org ORG] --out DIR\n"
    "\n"
    "Creates DIR/NAME.cert (public: goes in the broker's registry), DIR/NAME.cert_secret and\n"
    "DIR/NAME.sign.key (secret, mode 0600: the --key file is NAME.cert_secret). DIR is created\n"
    "(mode 0700) when missing, and so are its missing parents; existing files are never overwritten.\n"
    "  --role ROLE   partner, coordinator, auditor, reception, dpo, publisher, broker or witness\n"
    "  --org ORG     organisation, e.g. \"Collège Marie Curie\"\n"
    "  --out DIR     where to write the files\n";

static int s_fail(const char *what, int status)
{
    const char *detail = relais_status_detail();
    relais_cli_line(stderr, "relais keygen: %s: %s: %s", what, relais_status_name(status),
                    detail && *detail ? detail : relais_strerror(status));
    return RELAIS_EXIT_USAGE;
}

static int s_usage(const char *msg)
{
    fprintf(stderr, "relais keygen: %s\n(see 'relais keygen --help')\n", msg);
    return RELAIS_EXIT_USAGE;
}

int relais_cmd_keygen(int argc, char **argv)
{
    static const struct option opts[] = {{"role", required_argument, NULL, 'r'},
                                         {"org", required_argument, NULL, 'o'},
                                         {"out", required_argument, NULL, 'd'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *role_name = NULL, *org = NULL, *dir = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'r': role_name = optarg; break;
        case 'o': org = optarg; break;
        case 'd': dir = optarg; break;
        case 'h': fputs(s_help, stdout); return RELAIS_EXIT_OK;
        default: return s_usage("unknown option");
        }
    }
    if (optind + 1 != argc)
        return s_usage("expected exactly one NAME");
    if (!role_name || !dir)
        return s_usage("--role and --out are required");
    relais_role_t role = relais_role_from_name(role_name);
    if (role == RELAIS_ROLE_NONE)
        return s_usage("--role: expected partner, coordinator, auditor, reception, dpo, publisher, broker or witness");
    const char *name = argv[optind];
    /* DIR, and its missing parents, are made by relais_identity_save. */
    relais_identity_t *id = NULL;
    int rc = relais_identity_generate(name, role, org, &id);
    if (rc)
        return s_fail("cannot create the keys", rc);
    rc = relais_identity_save(id, dir);
    relais_identity_destroy(&id);
    if (rc)
        return s_fail("cannot write the files", rc);
    relais_cli_line(stdout, "%s/%s.cert", dir, name);
    relais_cli_line(stdout, "%s/%s.cert_secret", dir, name);
    relais_cli_line(stdout, "%s/%s.sign.key", dir, name);
    return RELAIS_EXIT_OK;
}
