/* submit.c -- `relais submit`: payload files (or a drop folder) through the spool to the broker, one JSON line each. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli_internal.h"
#include "relais_certs.h"

static const char s_help[] =
    "usage: relais submit [--spool DIR] [--timeout SECONDS] FILE.json...\n"
    "       relais submit --flush [--spool DIR] [--timeout SECONDS]\n"
    "       relais submit --watch DIR [--done DIR] [--refused DIR] [--poll-ms N] [--once] [--timeout SECONDS]\n"
    "\n"
    "Each FILE holds one payload object ({\"referral\": {...}}, see schema/). Every message is\n"
    "signed and written to the spool first, then sent; the command waits (across broker\n"
    "restarts) until each is acknowledged or refused, or until --timeout (default 60 s).\n"
    "One JSON line per message on stdout: an ack {\"file\",\"msg_id\",\"seq\",\"leaf_hash\",\n"
    "\"duplicate\",\"case_id\"} or an error {\"file\",\"error\",\"message\"}.\n"
    "\n" RELAIS_CLI_CONN_HELP
    "  --spool DIR         the spool (default $RELAIS_SPOOL, or ~/.relais/spool-NAME;\n"
    "                      in --watch mode DIR/.relais-spool)\n"
    "  --timeout SECONDS   how long to wait for the broker (default 60)\n"
    "  --flush             send what the spool holds, take no new file\n"
    "  --watch DIR         drop folder: submit every *.json file renamed into DIR (files ending\n"
    "                      in .tmp are ignored), move it to DIR/done/ once acknowledged, or to\n"
    "                      DIR/refused/ with NAME.error.json beside it\n"
    "  --done DIR, --refused DIR   other destinations (same file system as the drop folder)\n"
    "  --poll-ms N         how often the folder is scanned (default 1000)\n"
    "  --once              process what is there, wait for the answers, and exit\n"
    "  --max-message BYTES the hub's --max-message (default 65536): a message over it is refused\n"
    "                      here, before it is spooled; a file over 16 times it is not read\n"
    "\n"
    "Exit status: 0 all acknowledged, 1 some refused, 2 a file is not a valid payload (the\n"
    "message names the field; nothing sent for it), 3 queued: some unanswered in time (they stay\n"
    "in the spool and go with the next command; `relais outbox` lists them and the hub's answers).\n";

enum { S_OPT_SPOOL = RELAIS_OPT_FIRST_FREE, S_OPT_TIMEOUT, S_OPT_WATCH, S_OPT_DONE, S_OPT_REFUSED, S_OPT_POLL,
       S_OPT_ONCE, S_OPT_FLUSH, S_OPT_MAX_MESSAGE };

/* ---- Options ------------------------------------------------------------------------------ */

static int s_parse(int argc, char **argv, relais_submit_opts_t *o)
{
    static const struct option opts[] = {RELAIS_CLI_CONN_OPTIONS,
                                         {"spool", required_argument, NULL, S_OPT_SPOOL},
                                         {"timeout", required_argument, NULL, S_OPT_TIMEOUT},
                                         {"watch", required_argument, NULL, S_OPT_WATCH},
                                         {"done", required_argument, NULL, S_OPT_DONE},
                                         {"refused", required_argument, NULL, S_OPT_REFUSED},
                                         {"poll-ms", required_argument, NULL, S_OPT_POLL},
                                         {"once", no_argument, NULL, S_OPT_ONCE},
                                         {"flush", no_argument, NULL, S_OPT_FLUSH},
                                         {"max-message", required_argument, NULL, S_OPT_MAX_MESSAGE},
                                         {NULL, 0, NULL, 0}};
    uint64_t v;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (relais_cli_conn_opt(&o->conn, c, optarg))
            continue;
        switch (c) {
        case RELAIS_OPT_HELP: fputs(s_help, stdout); return -1;
        case S_OPT_SPOOL: o->spool_dir = optarg; break;
        case S_OPT_WATCH: o->watch_dir = optarg; break;
        case S_OPT_DONE: o->done_dir = optarg; break;
        case S_OPT_REFUSED: o->refused_dir = optarg; break;
        case S_OPT_ONCE: o->once = 1; break;
        case S_OPT_FLUSH: o->flush_only = 1; break;
        case S_OPT_TIMEOUT:
            if (relais_cli_parse_u64(optarg, &v) || v == 0 || v > 86400 * 7)
                return relais_cli_usage("submit", "--timeout: expected seconds, 1 to 604800");
            o->timeout_ms = (int64_t)v * 1000;
            break;
        case S_OPT_POLL:
            if (relais_cli_parse_u64(optarg, &v) || v < 10 || v > 3600000)
                return relais_cli_usage("submit", "--poll-ms: expected 10 to 3600000");
            o->poll_ms = (int)v;
            break;
        case S_OPT_MAX_MESSAGE: /* relaisd's own bounds */
            if (relais_cli_parse_u64(optarg, &v) || v < 1024 || v > 64u << 20)
                return relais_cli_usage("submit", "--max-message: expected 1024 to 67108864 bytes");
            o->conn.max_message = (size_t)v;
            break;
        default: return relais_cli_usage("submit", "unknown option");
        }
    }
    if (o->flush_only && (o->watch_dir || optind < argc))
        return relais_cli_usage("submit", "--flush takes no FILE and no --watch");
    if (!o->watch_dir && !o->flush_only && optind >= argc)
        return relais_cli_usage("submit", "no FILE.json given");
    if (o->watch_dir && optind < argc)
        return relais_cli_usage("submit", "--watch takes no FILE arguments");
    if (!o->watch_dir && (o->done_dir || o->refused_dir || o->once))
        return relais_cli_usage("submit", "--done, --refused and --once go with --watch");
    return 0;
}

/* ---- File mode ---------------------------------------------------------------------------- */

typedef struct {
    char **files;                        /* the FILE arguments */
    size_t count;
    size_t max_file;                     /* the largest file read */
    uint8_t (*ids)[RELAIS_MSG_ID_BYTES]; /* message id of each file once spooled */
    int *state;                          /* S_PENDING, S_ACKED, S_REFUSED, S_LOCAL */
} s_files_t;

enum { S_PENDING, S_ACKED, S_REFUSED, S_LOCAL };

static void s_mark(s_files_t *f, const uint8_t *msg_id, int state)
{
    for (size_t i = 0; i < f->count; i++)
        if (f->state[i] == S_PENDING && memcmp(f->ids[i], msg_id, RELAIS_MSG_ID_BYTES) == 0)
            f->state[i] = state;
}

/* Also told about messages an earlier run left in the spool: their tag is their file. */
static void s_on_outcome(void *arg, const uint8_t msg_id[RELAIS_MSG_ID_BYTES], const char *tag,
                         const relais_ack_t *ack, const relais_error_t *err)
{
    s_files_t *f = arg;
    if (ack) {
        relais_cli_print_json(stdout, relais_submit_ack_json(tag, ack));
        s_mark(f, msg_id, S_ACKED);
    } else {
        relais_cli_print_json(stdout, relais_submit_error_json(tag, msg_id, err->status, err->message));
        relais_cli_line(stderr, "relais: refused: %s: %s%s%s", relais_status_name(err->status), err->message,
                        tag ? " -- " : "", tag ? tag : "");
        s_mark(f, msg_id, S_REFUSED);
    }
}

/* Signs and spools one file; a payload that does not build is reported and never sent. */
static void s_spool_file(relais_client_t *client, s_files_t *f, size_t i)
{
    char *json = NULL;
    size_t len = 0;
    relais_status_clear();
    int rc = relais_cli_read_file(f->files[i], f->max_file, 0, &json, &len);
    if (!rc)
        rc = relais_client_enqueue_json(client, json, len, f->files[i], f->ids[i]);
    free(json);
    if (rc) {
        const char *detail = relais_status_detail();
        relais_cli_print_json(stdout, relais_submit_error_json(f->files[i], NULL, rc, detail));
        relais_cli_line(stderr, "relais submit: %s: %s: %s", f->files[i], relais_status_name(rc),
                        *detail ? detail : relais_strerror(rc));
        f->state[i] = S_LOCAL;
    }
}

static int s_files_status(const s_files_t *f, int flush_rc, relais_client_t *client, const char *spool)
{
    int exit_code = RELAIS_EXIT_OK, local = 0, queued = 0;
    char why[256];
    if (flush_rc == RELAIS_E_TIMEOUT)
        relais_client_diagnose(client, why, sizeof why);
    else
        snprintf(why, sizeof why, "%s", relais_strerror(flush_rc));
    for (size_t i = 0; i < f->count; i++) {
        if (f->state[i] == S_LOCAL)
            local = 1;
        if (f->state[i] == S_REFUSED)
            exit_code = RELAIS_EXIT_REFUSED;
        if (f->state[i] != S_PENDING)
            continue;
        char msg[512];
        snprintf(msg, sizeof msg, "%s; the message stays in the spool %s and goes with the next command, or "
                 "`relais outbox --send`", why, spool);
        relais_cli_print_json(stdout, relais_submit_error_json(f->files[i], f->ids[i], RELAIS_E_UNAVAILABLE, msg));
        relais_cli_line(stderr, "relais: UNAVAILABLE: %s -- %s", msg, f->files[i]);
        queued = 1;
    }
    /* a person must see a local mistake first, then a refusal, then what merely waits */
    if (queued && relais_client_auth_refused(client))
        exit_code = RELAIS_EXIT_REFUSED; /* not waiting for the hub: refused by it at the handshake */
    return local ? RELAIS_EXIT_USAGE : exit_code != RELAIS_EXIT_OK ? exit_code : queued ? RELAIS_EXIT_QUEUED : exit_code;
}

static int s_submit_files(relais_client_t *client, const relais_submit_opts_t *o, char **files, size_t count)
{
    s_files_t f = {files, count, o->max_file, calloc(count, sizeof *f.ids), calloc(count, sizeof *f.state)};
    if (!f.ids || !f.state) {
        free(f.ids);
        free(f.state);
        return relais_cli_local("submit", RELAIS_E_NOMEM);
    }
    for (size_t i = 0; i < count; i++)
        s_spool_file(client, &f, i);
    int rc = relais_client_flush(client, (int)o->timeout_ms, s_on_outcome, &f);
    int exit_code = s_files_status(&f, rc, client, o->spool_dir);
    if (rc && rc != RELAIS_E_TIMEOUT && exit_code == RELAIS_EXIT_OK)
        exit_code = relais_cli_local("spool", rc);
    free(f.ids);
    free(f.state);
    return exit_code;
}

int relais_cmd_submit(int argc, char **argv)
{
    relais_submit_opts_t o = {.timeout_ms = 60000, .poll_ms = 1000};
    int rc = s_parse(argc, argv, &o);
    if (rc)
        return rc < 0 ? RELAIS_EXIT_OK : rc;
    o.max_file = RELAIS_SUBMIT_FILE_FACTOR *
                 (o.conn.max_message ? o.conn.max_message : (size_t)RELAIS_SUBMIT_DEFAULT_MAX_MESSAGE);
    char spool[4096];
    if (!o.spool_dir && o.watch_dir) {
        snprintf(spool, sizeof spool, "%s/.relais-spool", o.watch_dir);
        o.spool_dir = spool;
    } else if (!o.spool_dir) {
        if ((rc = relais_cli_default_spool(&o.conn, "submit", spool, sizeof spool)) != 0)
            return rc;
        o.spool_dir = spool;
    }
    relais_client_t *client = NULL;
    /* Each request waits at most 10 s before it is resent; the whole run is bounded by --timeout. */
    rc = relais_cli_connect(&o.conn, o.spool_dir, 10000, &client);
    if (rc)
        return rc;
    if (o.watch_dir)
        rc = relais_submit_watch(client, &o);
    else
        rc = s_submit_files(client, &o, argv + optind, (size_t)(argc - optind));
    relais_client_destroy(&client);
    return rc;
}
