/* witness_cmd.c -- `relais witness`: a witness for relais hubs (witness/relais_witness.h), until
 * SIGINT or SIGTERM. */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_internal.h"
#include "relais_witness.h"

static const char s_help[] =
    "usage: relais witness --key FILE --state DIR --log-cert CERT[,ORIGIN] [--log-cert ...]\n"
    "                      [--listen ADDRESS:PORT]\n"
    "\n"
    "A witness of relais hubs, as C2SP tlog-witness defines one (https://c2sp.org/tlog-witness):\n"
    "it answers POST /add-checkpoint over HTTP, and cosigns a hub's checkpoint (C2SP\n"
    "tlog-cosignature, cosignature/v1) only when a consistency proof shows that it extends the one\n"
    "it cosigned before. It never cosigns two histories of one log: that is what lets an auditor\n"
    "who counts cosignatures (relais audit watch --require-cosigners) catch a hub that shows\n"
    "different histories to different people.\n"
    "\n"
    "  --key FILE          the witness's identity, NAME.cert_secret of `relais keygen NAME --role\n"
    "                      witness`; NAME is its key name in the cosignature lines\n"
    "  --state DIR         where the last checkpoint cosigned of each log is kept (made 0700), written\n"
    "                      before each answer; lose it and the witness must be retired, not restarted\n"
    "  --log-cert CERT[,ORIGIN]\n"
    "                      a log to witness: its hub's certificate (role broker) and its origin line\n"
    "                      (default relais/<the certificate's name>, relaisd's own default)\n"
    "  --listen ADDR:PORT  an IPv4 address (or localhost) and a port (default 127.0.0.1:0, any free\n"
    "                      one); put a TLS proxy in front when the network is not trusted\n"
    "\n"
    "It prints its address on standard output, and logs each answer on standard error\n"
    "(event=cosigned, event=add-checkpoint-refused, event=add-checkpoint-conflict).\n";

enum { S_OPT_KEY = 1, S_OPT_STATE, S_OPT_LOG, S_OPT_LISTEN, S_OPT_HELP };

int relais_cmd_witness(int argc, char **argv)
{
    static const struct option opts[] = {{"key", required_argument, NULL, S_OPT_KEY},
                                         {"state", required_argument, NULL, S_OPT_STATE},
                                         {"log-cert", required_argument, NULL, S_OPT_LOG},
                                         {"listen", required_argument, NULL, S_OPT_LISTEN},
                                         {"help", no_argument, NULL, S_OPT_HELP},
                                         {NULL, 0, NULL, 0}};
    relais_witness_options_t o;
    memset(&o, 0, sizeof o);
    const char **logs = calloc((size_t)argc, sizeof *logs);
    if (!logs)
        return relais_cli_local("witness", relais_status_set(RELAIS_E_NOMEM, "out of memory"));
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case S_OPT_KEY: o.key_path = optarg; break;
        case S_OPT_STATE: o.state_dir = optarg; break;
        case S_OPT_LOG: logs[o.log_count++] = optarg; break;
        case S_OPT_LISTEN: o.listen = optarg; break;
        case S_OPT_HELP:
            fputs(s_help, stdout);
            free(logs);
            return RELAIS_EXIT_OK;
        default: free(logs); return relais_cli_usage("witness", "unknown option");
        }
    }
    o.logs = logs;
    int status;
    if (optind != argc)
        status = relais_cli_usage("witness", "unexpected argument '%s'", argv[optind]);
    else if (!o.key_path || !o.state_dir || o.log_count == 0)
        status = relais_cli_usage("witness", "needs --key, --state and at least one --log-cert");
    else
        status = -1;
    if (status >= 0) {
        free(logs);
        return status;
    }
    signal(SIGPIPE, SIG_IGN);
    /* The server's threads leave SIGINT and SIGTERM to this one, whose wait they end. */
    sigset_t stop, old;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, &old);
    relais_witness_t *w = NULL;
    relais_status_clear();
    int rc = relais_witness_open(&o, &w);
    if (!rc)
        rc = relais_witness_serve(w);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    free(logs);
    if (rc) {
        relais_witness_close(&w);
        return rc == RELAIS_E_INVALID ? relais_cli_usage("witness", "%s", relais_status_detail())
                                      : relais_cli_local("witness", rc);
    }
    relais_cli_catch_signals();
    relais_cli_line(stdout, "relais witness: %s listening at %s/add-checkpoint", relais_witness_name(w),
                    relais_witness_address(w));
    fflush(stdout);
    while (!relais_cli_stopping())
        usleep(200 * 1000);
    relais_witness_close(&w);
    relais_cli_line(stdout, "relais witness: stopped");
    return RELAIS_EXIT_OK;
}
