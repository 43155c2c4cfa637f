/* ping.c -- `relais ping`: does the hub answer, and does it take this identity? */
#include <getopt.h>
#include <stdio.h>
#include <time.h>

#include "cli_internal.h"

static const char s_help[] =
    "usage: relais ping [--timeout SECONDS]\n"
    "\n"
    "Connects with this identity (CURVE handshake, the broker's registry check) and waits for\n"
    "the broker's answer to a ping: what a partner's IT person runs first, and what a\n"
    "monitoring probe runs every minute. Stores nothing and logs no read.\n"
    "\n" RELAIS_CLI_CONN_HELP
    "  --timeout SECONDS   how long to wait (default 10)\n"
    "\n"
    "Exit status: 0 the hub answered, 1 it refused this identity or did not answer in time,\n"
    "2 usage or local error (key files, certificate).\n";

enum { S_OPT_TIMEOUT = RELAIS_OPT_FIRST_FREE };

static double s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int s_parse(int argc, char **argv, relais_cli_conn_t *conn, int *timeout_s)
{
    static const struct option opts[] = {RELAIS_CLI_CONN_OPTIONS,
                                         {"timeout", required_argument, NULL, S_OPT_TIMEOUT},
                                         {NULL, 0, NULL, 0}};
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == RELAIS_OPT_HELP) {
            fputs(s_help, stdout);
            return -1;
        }
        if (relais_cli_conn_opt(conn, c, optarg))
            continue;
        uint64_t v = 0;
        if (c != S_OPT_TIMEOUT || relais_cli_parse_u64(optarg, &v) != 0 || v < 1 || v > 3600)
            return relais_cli_usage("ping", "unknown option, or --timeout without 1 to 3600 seconds");
        *timeout_s = (int)v;
    }
    if (optind != argc)
        return relais_cli_usage("ping", "takes no argument");
    return 0;
}

int relais_cmd_ping(int argc, char **argv)
{
    relais_cli_conn_t conn = {0};
    int timeout_s = 10;
    int rc = s_parse(argc, argv, &conn, &timeout_s);
    if (rc)
        return rc < 0 ? RELAIS_EXIT_OK : rc;
    relais_client_t *client = NULL;
    rc = relais_cli_connect(&conn, NULL, timeout_s * 1000, &client);
    if (rc)
        return rc;
    double t0 = s_now_ms();
    rc = relais_client_ping(client, timeout_s * 1000);
    double ms = s_now_ms() - t0;
    int exit_status = RELAIS_EXIT_OK;
    if (rc == 0) {
        relais_cli_line(stdout, "%s answered %s in %.1f ms", conn.endpoint, relais_client_name(client), ms);
    } else if (relais_client_auth_refused(client)) {
        relais_cli_line(stderr, "relais: refused: the hub does not accept %s (its certificate is not in the hub's "
                                "registry, or was revoked)",
                        relais_client_name(client));
        exit_status = RELAIS_EXIT_REFUSED;
    } else {
        /* No answer in time, an error the broker sent, or a local failure: each its own way. */
        exit_status = relais_cli_fail("ping", rc, NULL);
    }
    relais_client_destroy(&client);
    return exit_status;
}
