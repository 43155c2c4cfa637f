/* desk_cmd.c -- `relais desk`: the coordinator's desk in a web browser (desk/relais_desk.h), until
 * SIGINT or SIGTERM. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_internal.h"
#include "relais_desk.h"

static const char s_help[] =
    "usage: relais desk [--listen 127.0.0.1:PORT] [--idle-minutes N] [--lang fr|en]\n"
    "       relais desk --socket PATH [--socket-group GROUP] [--proxy-secret FILE] [--person NAME] ...\n"
    "       relais desk --listen 127.0.0.1:PORT --proxy-secret FILE [--person NAME] ...\n"
    "\n"
    "The coordinator's work in a web browser: the live feed, the work list (overdue first, then by\n"
    "due date, in pages; filters; a search that ignores accents and capitals), a case's page, and each\n"
    "workflow move as a form that offers only the moves the case's state allows. In French, or\n"
    "English (--lang en, or the link on every page). The desk acts as the identity of --key, which\n"
    "must be a coordinator's, and talks to the hub as the other commands do.\n"
    "\n"
    "Its lists come from its own feed, kept in memory only (nothing about a child is written to\n"
    "this machine's disk), so that a refresh costs the hub nothing; opening a case's page is a read\n"
    "of the hub, logged there like `relais case show`. A move the hub refuses comes back with the\n"
    "hub's sentence beside the form and what was typed kept; when the hub does not answer, the form\n"
    "says it was not sent, with what was typed.\n"
    "\n"
    "On the person's own machine (the default): the desk listens on 127.0.0.1 (--listen\n"
    "127.0.0.1:PORT; PORT 0, the default, takes any free one) and prints an address with a\n"
    "one-time token: open it in the browser; it works once, within ten minutes, and gives a session\n"
    "cookie. Press Enter in this terminal for another address (or send the desk SIGUSR1).\n"
    "\n"
    "For Windows workstations, on the town's server, behind a reverse proxy that terminates TLS and\n"
    "authenticates the person (desk/README.md has an nginx configuration): one desk per person, on\n"
    "a unix socket (--socket PATH, made 0600; 0660 with --socket-group, the proxy's group) and/or\n"
    "with a secret the proxy sends in X-Relais-Proxy-Secret (--proxy-secret FILE, a file only its\n"
    "owner may read). Every request must then carry the secret (when there is one) and, in\n"
    "X-Remote-User, the person the proxy authenticated, which must be --person (by default the\n"
    "identity's name); else it is refused (403). Its cookies are then Secure.\n"
    "\n"
    "Either way: cookies HttpOnly and SameSite=Strict, a CSRF token in every form, a strict\n"
    "Content-Security-Policy, every asset served from this program, and sessions that end after\n"
    "--idle-minutes without a request (30 by default).\n"
    "\n"
    "The charts (/charts): the referrals by month and source, the cases by state and the triage\n"
    "decisions against the targets, from the same feed, with the partnership's small-cell rule.\n"
    "\n"
    "The review calendar (/calendar): the next reviews and the partnership meetings as an iCalendar\n"
    "file, by case number only, downloaded from a session or read by a calendar program at a secret\n"
    "subscription address the person makes and revokes there. With --state-dir the address survives\n"
    "a restart (only the SHA-256 of its token is kept there); without, it lives until the desk stops.\n"
    "\n" RELAIS_CLI_CONN_HELP
    "  --listen ADDR       127.0.0.1:PORT or localhost:PORT (default 127.0.0.1:0)\n"
    "  --socket PATH       a unix socket instead (proxy mode)\n"
    "  --socket-group G    the socket's group, for a proxy that runs as another user (0660)\n"
    "  --proxy-secret FILE proxy mode: the secret every request carries in X-Relais-Proxy-Secret\n"
    "  --person NAME       proxy mode: the X-Remote-User expected (default: the identity's name)\n"
    "  --idle-minutes N    a session unused this long ends (1 to 1440; default 30)\n"
    "  --lang fr|en        the pages' language until the person picks the other (default fr)\n"
    "  --page-rows N       the work list's cases a page (1 to 10000; default 100)\n"
    "  --triage-hours U,P,R, --working-hours HH:MM-HH:MM, --holidays fr|none\n"
    "                      the hub's deadline policy, when relaisd is given other than its defaults:\n"
    "                      the same values, so that the list's due dates are the hub's\n"
    "  --state-dir DIR     the desk's own folder (0700, made when missing) for the calendar's\n"
    "                      subscription; one folder a desk\n"
    "  --streets FILE      a reception desk: the town's street list (`relais streets import`) the\n"
    "                      streets typed are looked up in (default RELAIS_STREETS)\n";

enum { S_OPT_LISTEN = RELAIS_OPT_FIRST_FREE, S_OPT_SOCKET, S_OPT_SOCKET_GROUP, S_OPT_SECRET, S_OPT_PERSON, S_OPT_IDLE,
       S_OPT_IDLE_SECONDS, S_OPT_LANG, S_OPT_TRIAGE, S_OPT_WORK_HOURS, S_OPT_HOLIDAYS,
       S_OPT_STATE_DIR, S_OPT_PAGE_ROWS, S_OPT_STREETS };

typedef struct {
    relais_cli_conn_t conn;
    relais_desk_options_t desk;
    const char *secret_file;
    char *secret;
} s_opts_t;

/* The proxy's secret: a file only its owner may read (a secret others can read is none), its
 * content less a trailing line break. */
static int s_read_secret(s_opts_t *o)
{
    struct stat st;
    if (stat(o->secret_file, &st) != 0)
        return relais_cli_usage("desk", "--proxy-secret: %s: %s", o->secret_file, strerror(errno));
    if (st.st_mode & 077)
        return relais_cli_usage("desk", "--proxy-secret: %s may be read by others than its owner (chmod 600 it)",
                                o->secret_file);
    size_t len = 0;
    int rc = relais_cli_read_file(o->secret_file, 4096, 0, &o->secret, &len);
    if (rc)
        return relais_cli_local("--proxy-secret", rc);
    while (len && (o->secret[len - 1] == '\n' || o->secret[len - 1] == '\r'))
        o->secret[--len] = '\0';
    if (strlen(o->secret) != len)
        return relais_cli_usage("desk", "--proxy-secret: the file holds a NUL byte");
    o->desk.proxy_secret = o->secret;
    return 0;
}

static int s_parse(int argc, char **argv, s_opts_t *o)
{
    static const struct option opts[] = {RELAIS_CLI_CONN_OPTIONS,
                                         {"listen", required_argument, NULL, S_OPT_LISTEN},
                                         {"socket", required_argument, NULL, S_OPT_SOCKET},
                                         {"socket-group", required_argument, NULL, S_OPT_SOCKET_GROUP},
                                         {"proxy-secret", required_argument, NULL, S_OPT_SECRET},
                                         {"person", required_argument, NULL, S_OPT_PERSON},
                                         {"idle-minutes", required_argument, NULL, S_OPT_IDLE},
                                         {"idle-seconds", required_argument, NULL, S_OPT_IDLE_SECONDS}, /* tests */
                                         {"lang", required_argument, NULL, S_OPT_LANG},
                                         {"triage-hours", required_argument, NULL, S_OPT_TRIAGE},
                                         {"working-hours", required_argument, NULL, S_OPT_WORK_HOURS},
                                         {"holidays", required_argument, NULL, S_OPT_HOLIDAYS},
                                         {"state-dir", required_argument, NULL, S_OPT_STATE_DIR},
                                         {"page-rows", required_argument, NULL, S_OPT_PAGE_ROWS},
                                         {"streets", required_argument, NULL, S_OPT_STREETS},
                                         {NULL, 0, NULL, 0}};
    int c;
    uint64_t v;
    relais_cli_lang_t lang;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (relais_cli_conn_opt(&o->conn, c, optarg))
            continue;
        switch (c) {
        case RELAIS_OPT_HELP: fputs(s_help, stdout); return -1;
        case S_OPT_LISTEN: o->desk.listen = optarg; break;
        case S_OPT_SOCKET: o->desk.socket_path = optarg; break;
        case S_OPT_SOCKET_GROUP: o->desk.socket_group = optarg; break;
        case S_OPT_SECRET: o->secret_file = optarg; break;
        case S_OPT_PERSON: o->desk.person = optarg; break;
        case S_OPT_TRIAGE: o->desk.triage_hours = optarg; break;
        case S_OPT_WORK_HOURS: o->desk.working_hours = optarg; break;
        case S_OPT_HOLIDAYS: o->desk.holidays = optarg; break;
        case S_OPT_STATE_DIR: o->desk.state_dir = optarg; break;
        case S_OPT_STREETS: o->desk.streets = optarg; break;
        case S_OPT_IDLE:
            if (relais_cli_parse_u64(optarg, &v) || v == 0 || v > 1440)
                return relais_cli_usage("desk", "--idle-minutes: 1 to 1440");
            o->desk.idle_seconds = (unsigned)v * 60;
            break;
        case S_OPT_IDLE_SECONDS:
            if (relais_cli_parse_u64(optarg, &v) || v == 0 || v > 86400)
                return relais_cli_usage("desk", "--idle-seconds: 1 to 86400");
            o->desk.idle_seconds = (unsigned)v;
            break;
        case S_OPT_PAGE_ROWS:
            if (relais_cli_parse_u64(optarg, &v) || v == 0 || v > 10000)
                return relais_cli_usage("desk", "--page-rows: 1 to 10000");
            o->desk.page_rows = (unsigned)v;
            break;
        case S_OPT_LANG:
            if (relais_cli_lang_parse(optarg, &lang) != 0)
                return relais_cli_usage("desk", "--lang: expected fr or en");
            o->desk.lang = lang == RELAIS_CLI_EN ? RELAIS_DESK_EN : RELAIS_DESK_FR;
            break;
        default: return relais_cli_usage("desk", "unknown option");
        }
    }
    if (optind != argc)
        return relais_cli_usage("desk", "unexpected argument '%s'", argv[optind]);
    return o->secret_file ? s_read_secret(o) : 0;
}

static const char *s_env(const char *given, const char *name)
{
    return given ? given : getenv(name);
}

/* A one-time address, on stdout. */
static void s_print_login(relais_desk_t *desk)
{
    char url[256];
    if (relais_desk_login_url(desk, url, sizeof url) != 0) {
        relais_cli_line(stderr, "relais desk: %s", relais_status_detail());
        return;
    }
    printf("%s\n", url);
    fflush(stdout);
}

static volatile sig_atomic_t s_another_address;

static void s_on_usr1(int sig)
{
    (void)sig;
    s_another_address = 1;
}

/* Until SIGINT or SIGTERM; in local mode, a line on standard input asks for another address, and
 * so does SIGUSR1, for a desk started in the background with no terminal (scripts/demo --keep). */
static void s_serve(relais_desk_t *desk)
{
    int local = !relais_desk_proxied(desk), input = local;
    while (!relais_cli_stopping()) {
        if (s_another_address) {
            s_another_address = 0;
            if (local)
                s_print_login(desk);
        }
        struct pollfd p = {.fd = STDIN_FILENO, .events = POLLIN};
        int n = poll(&p, input ? 1 : 0, input ? 1000 : 200);
        if (n <= 0 || !input)
            continue;
        char line[256];
        ssize_t got = read(STDIN_FILENO, line, sizeof line);
        if (got <= 0) {
            input = 0; /* no terminal: the first address is the only one */
            continue;
        }
        if (memchr(line, '\n', (size_t)got))
            s_print_login(desk);
    }
}

int relais_cmd_desk(int argc, char **argv)
{
    s_opts_t o;
    memset(&o, 0, sizeof o);
    int rc = s_parse(argc, argv, &o);
    if (rc) {
        free(o.secret);
        return rc < 0 ? RELAIS_EXIT_OK : rc;
    }
    o.desk.client.endpoint = s_env(o.conn.endpoint, "RELAIS_ENDPOINT");
    o.desk.client.key_path = s_env(o.conn.key, "RELAIS_KEY");
    o.desk.client.server_cert_path = s_env(o.conn.server_cert, "RELAIS_SERVER_CERT");
    signal(SIGPIPE, SIG_IGN);
    /* The desk's threads leave SIGINT, SIGTERM and SIGUSR1 to this one, whose wait they end or serve. */
    sigset_t stop, old;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &stop, &old);
    relais_desk_t *desk = NULL;
    relais_status_clear();
    rc = relais_desk_start(&o.desk, &desk);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (o.secret) {
        memset(o.secret, 0, strlen(o.secret));
        free(o.secret);
    }
    if (rc)
        return rc == RELAIS_E_INVALID ? relais_cli_usage("desk", "%s", relais_status_detail())
                                      : relais_cli_local("desk", rc);
    relais_cli_catch_signals();
    struct sigaction usr1;
    memset(&usr1, 0, sizeof usr1);
    usr1.sa_handler = s_on_usr1;
    sigemptyset(&usr1.sa_mask);
    sigaction(SIGUSR1, &usr1, NULL);
    if (relais_desk_proxied(desk)) {
        relais_cli_line(stdout, "relais desk: serving its proxy at %s, for %s", relais_desk_address(desk),
                        relais_desk_person(desk));
    } else {
        relais_cli_line(stdout, "relais desk: listening at %s", relais_desk_address(desk));
        relais_cli_line(stdout, "Open this address in the browser (it works once, within ten minutes; Enter "
                                "prints another):");
        s_print_login(desk);
    }
    fflush(stdout);
    s_serve(desk);
    relais_desk_stop(&desk);
    relais_cli_line(stdout, "relais desk: stopped");
    return RELAIS_EXIT_OK;
}
