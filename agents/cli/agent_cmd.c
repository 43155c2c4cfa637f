/* agent_cmd.c -- `relais agent`: a partner's agent (agent/relais_agent.h), until SIGINT or SIGTERM. */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_internal.h"
#include "relais_agent.h"

static const char s_help[] =
    "usage: relais agent --state DIR --token-file FILE [--listen 127.0.0.1:PORT] [--watch DIR]\n"
    "                    [--outbox DIR] [--post-to http://127.0.0.1:PORT/PATH] [--post-backoff-max SECONDS]\n"
    "                    [--metrics 127.0.0.1:PORT]\n"
    "\n"
    "A partner's agent, one per identity: the partner's system hands it referrals, and gets back\n"
    "the statuses of what it referred. Referrals come as files in a drop folder (--watch, as\n"
    "`relais submit --watch`) or over HTTP on 127.0.0.1 (agent/README.md, agent/openapi.json):\n"
    "  POST /referrals      {\"referral\": {...}}: 202 and its message id once it is in the spool\n"
    "  GET /messages/ID     queued, acknowledged (record and handle R-N) or refused (code, sentence)\n"
    "  GET /status          the hub reachable or not, how many messages wait, the oldest's age\n"
    "each with Authorization: Bearer TOKEN. The spool is sent by the agent whatever the hub's\n"
    "absences, which its log says. Each status of the partner's referrals, and each transfer\n"
    "addressed to it, becomes a file OUTBOX/SEQ-status.json and, with --post-to, is POSTed to the\n"
    "partner's system until it answers 2xx (kept on disk until then, across restarts).\n"
    "\n" RELAIS_CLI_CONN_HELP
    "  --state DIR         the agent's own folder (0700): spool/, feed-position, posting/, outbox/\n"
    "  --token-file FILE   the bearer token, 16 to 512 bytes, in a file only its owner may read (0600)\n"
    "  --listen ADDR       127.0.0.1:PORT or localhost:PORT (default 127.0.0.1:0, any free port)\n"
    "  --watch DIR         a drop folder too: NAME.json in, done/ or refused/ out\n"
    "  --outbox DIR        where the statuses are written (default STATE/outbox)\n"
    "  --post-to URL       POST each status there too: http://127.0.0.1:PORT/PATH\n"
    "  --post-backoff-max SECONDS  the longest wait between tries of a POST (default 300)\n"
    "  --max-message BYTES the hub's --max-message (default 65536); a request body is at most 16 times it\n"
    "  --unreachable-log-seconds N  while the hub is away, the log says so this often (default 60)\n"
    "  --metrics ADDR      serve GET /metrics there too, without a token, in the Prometheus text format\n"
    "                      (spool depth, the oldest's age, the last acknowledgement, posts waiting):\n"
    "                      127.0.0.1:PORT or localhost:PORT, on a port of its own (agent/README.md)\n"
    "\n"
    "It prints its address on standard output, and logs on standard error (event=hub-unreachable,\n"
    "hub-reachable, acknowledged, refused, delivered, posted, post-failed, ...).\n";

enum { S_OPT_STATE = RELAIS_OPT_FIRST_FREE, S_OPT_TOKEN, S_OPT_LISTEN, S_OPT_WATCH, S_OPT_OUTBOX, S_OPT_POST_TO,
       S_OPT_BACKOFF, S_OPT_MAX_MESSAGE, S_OPT_UNREACHABLE_LOG, S_OPT_METRICS };

static int s_parse(int argc, char **argv, relais_cli_conn_t *conn, relais_agent_options_t *o)
{
    static const struct option opts[] = {RELAIS_CLI_CONN_OPTIONS,
                                         {"state", required_argument, NULL, S_OPT_STATE},
                                         {"token-file", required_argument, NULL, S_OPT_TOKEN},
                                         {"listen", required_argument, NULL, S_OPT_LISTEN},
                                         {"watch", required_argument, NULL, S_OPT_WATCH},
                                         {"outbox", required_argument, NULL, S_OPT_OUTBOX},
                                         {"post-to", required_argument, NULL, S_OPT_POST_TO},
                                         {"post-backoff-max", required_argument, NULL, S_OPT_BACKOFF},
                                         {"max-message", required_argument, NULL, S_OPT_MAX_MESSAGE},
                                         {"unreachable-log-seconds", required_argument, NULL, S_OPT_UNREACHABLE_LOG},
                                         {"metrics", required_argument, NULL, S_OPT_METRICS},
                                         {NULL, 0, NULL, 0}};
    uint64_t v;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (relais_cli_conn_opt(conn, c, optarg))
            continue;
        switch (c) {
        case RELAIS_OPT_HELP: fputs(s_help, stdout); return -1;
        case S_OPT_STATE: o->state_dir = optarg; break;
        case S_OPT_TOKEN: o->token_path = optarg; break;
        case S_OPT_LISTEN: o->listen = optarg; break;
        case S_OPT_WATCH: o->watch_dir = optarg; break;
        case S_OPT_OUTBOX: o->outbox_dir = optarg; break;
        case S_OPT_POST_TO: o->post_to = optarg; break;
        case S_OPT_METRICS: o->metrics_listen = optarg; break;
        case S_OPT_BACKOFF:
            if (relais_cli_parse_u64(optarg, &v) || v == 0 || v > 86400)
                return relais_cli_usage("agent", "--post-backoff-max: expected 1 to 86400 seconds");
            o->post_backoff_max_s = (unsigned)v;
            break;
        case S_OPT_UNREACHABLE_LOG:
            if (relais_cli_parse_u64(optarg, &v) || v == 0 || v > 86400)
                return relais_cli_usage("agent", "--unreachable-log-seconds: expected 1 to 86400");
            o->unreachable_log_s = (unsigned)v;
            break;
        case S_OPT_MAX_MESSAGE: /* relaisd's own bounds */
            if (relais_cli_parse_u64(optarg, &v) || v < 1024 || v > 64u << 20)
                return relais_cli_usage("agent", "--max-message: expected 1024 to 67108864 bytes");
            o->client.max_message = (size_t)v;
            break;
        default: return relais_cli_usage("agent", "unknown option");
        }
    }
    if (optind != argc)
        return relais_cli_usage("agent", "unexpected argument '%s'", argv[optind]);
    return 0;
}

static const char *s_env(const char *given, const char *name)
{
    return given ? given : getenv(name);
}

int relais_cmd_agent(int argc, char **argv)
{
    relais_cli_conn_t conn;
    relais_agent_options_t o;
    memset(&conn, 0, sizeof conn);
    memset(&o, 0, sizeof o);
    int rc = s_parse(argc, argv, &conn, &o);
    if (rc)
        return rc < 0 ? RELAIS_EXIT_OK : rc;
    o.client.endpoint = s_env(conn.endpoint, "RELAIS_ENDPOINT");
    o.client.key_path = s_env(conn.key, "RELAIS_KEY");
    o.client.server_cert_path = s_env(conn.server_cert, "RELAIS_SERVER_CERT");
    signal(SIGPIPE, SIG_IGN);
    /* The agent's threads leave SIGINT and SIGTERM to this one, whose wait they end. */
    sigset_t stop, old;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, &old);
    relais_agent_t *agent = NULL;
    relais_status_clear();
    rc = relais_agent_start(&o, &agent);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc)
        return rc == RELAIS_E_INVALID ? relais_cli_usage("agent", "%s", relais_status_detail())
                                      : relais_cli_local("agent", rc);
    relais_cli_catch_signals();
    relais_cli_line(stdout, "relais agent: %s listening at %s", relais_agent_name(agent), relais_agent_address(agent));
    if (*relais_agent_metrics_url(agent))
        relais_cli_line(stdout, "relais agent: metrics at %s", relais_agent_metrics_url(agent));
    fflush(stdout);
    while (!relais_cli_stopping())
        usleep(200 * 1000);
    relais_agent_stop(&agent);
    relais_cli_line(stdout, "relais agent: stopped");
    return RELAIS_EXIT_OK;
}
