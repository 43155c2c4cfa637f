/* outbox.c -- `relais outbox`: what this identity's spool still holds, and what the hub said of what
 * left it, so that a command queued while the hub was away and refused hours later is seen. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli_internal.h"

static const char s_help[] =
    "usage: relais outbox [--spool DIR] [--send [--timeout SECONDS]] [--all] [--json]\n"
    "\n"
    "A command typed while the hub is unreachable (relais submit, case update, reception, lost,\n"
    "decree) is signed and kept in this identity's spool, on disk (0600), and goes when the hub\n"
    "is back: with the next command, or with --send. The spool holds the signed messages\n"
    "themselves (what was typed, about a child or a resident) until the hub has them, then only\n"
    "the hub's answer: the message's id, when, acknowledged (its record and handle) or refused\n"
    "(the hub's code and sentence), and what it was (the command's own label). The last 1000\n"
    "answers are kept.\n"
    "\n"
    "Lists what waits, oldest first, then the answers, newest first (the last 20; --all: every one).\n"
    "\n" RELAIS_CLI_CONN_HELP
    "  --spool DIR         the spool (default $RELAIS_SPOOL, or ~/.relais/spool-NAME)\n"
    "  --send              send what waits first, for up to --timeout seconds (default 10)\n"
    "  --all               every answer kept, not the last 20\n"
    "  --json              one JSON object: {\"spool\", \"waiting\": [...], \"answered\": [...]}\n"
    "\n"
    "Exit status: 0, or 3 when --send left messages waiting (the hub did not take them in time);\n"
    "2 usage or local error.\n";

enum { S_OPT_SPOOL = RELAIS_OPT_FIRST_FREE, S_OPT_SEND, S_OPT_TIMEOUT, S_OPT_ALL, S_OPT_JSON };

#define S_SHOWN 20

typedef struct {
    relais_cli_conn_t conn;
    const char *spool_dir;
    int send, all, json;
    int timeout_s;
} s_opts_t;

static int s_parse(int argc, char **argv, s_opts_t *o)
{
    static const struct option opts[] = {RELAIS_CLI_CONN_OPTIONS,
                                         {"spool", required_argument, NULL, S_OPT_SPOOL},
                                         {"send", no_argument, NULL, S_OPT_SEND},
                                         {"timeout", required_argument, NULL, S_OPT_TIMEOUT},
                                         {"all", no_argument, NULL, S_OPT_ALL},
                                         {"json", no_argument, NULL, S_OPT_JSON},
                                         {NULL, 0, NULL, 0}};
    int c, timeout_given = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (relais_cli_conn_opt(&o->conn, c, optarg))
            continue;
        uint64_t v = 0;
        switch (c) {
        case RELAIS_OPT_HELP: fputs(s_help, stdout); return -1;
        case S_OPT_SPOOL: o->spool_dir = optarg; break;
        case S_OPT_SEND: o->send = 1; break;
        case S_OPT_ALL: o->all = 1; break;
        case S_OPT_JSON: o->json = 1; break;
        case S_OPT_TIMEOUT:
            if (relais_cli_parse_u64(optarg, &v) != 0 || v < 1 || v > 3600)
                return relais_cli_usage("outbox", "--timeout: expected 1 to 3600 seconds");
            o->timeout_s = (int)v;
            timeout_given = 1;
            break;
        default: return relais_cli_usage("outbox", "unknown option");
        }
    }
    if (optind != argc)
        return relais_cli_usage("outbox", "takes no argument");
    if (timeout_given && !o->send)
        return relais_cli_usage("outbox", "--timeout goes with --send");
    return 0;
}

static void s_hex(const uint8_t id[RELAIS_MSG_ID_BYTES], char out[2 * RELAIS_MSG_ID_BYTES + 1])
{
    relais_hex_encode(id, RELAIS_MSG_ID_BYTES, out);
}

static json_t *s_waiting_json(const relais_waiting_t *w)
{
    char id[2 * RELAIS_MSG_ID_BYTES + 1];
    s_hex(w->msg_id, id);
    json_t *o = json_object();
    json_object_set_new(o, "msg_id", json_string(id));
    json_object_set_new(o, "spooled_ms", w->spooled_ms ? json_integer(w->spooled_ms) : json_null());
    json_object_set_new(o, "what", json_string(w->tag));
    return o;
}

static json_t *s_answer_json(const relais_sent_outcome_t *a)
{
    char id[2 * RELAIS_MSG_ID_BYTES + 1];
    s_hex(a->msg_id, id);
    json_t *o = json_object();
    json_object_set_new(o, "msg_id", json_string(id));
    json_object_set_new(o, "what", json_string(a->tag));
    json_object_set_new(o, "spooled_ms", a->spooled_ms ? json_integer(a->spooled_ms) : json_null());
    json_object_set_new(o, "answered_ms", json_integer(a->settled_ms));
    json_object_set_new(o, "outcome", json_string(a->refused ? "refused" : "acknowledged"));
    if (a->refused) {
        json_object_set_new(o, "error", json_string(a->code));
        json_object_set_new(o, "message", json_string(a->sentence));
    } else {
        json_object_set_new(o, "seq", json_integer((json_int_t)a->seq));
        json_object_set_new(o, "handle", *a->case_id ? json_string(a->case_id) : json_null());
    }
    return o;
}

/* "12 min", "3 h 05", "2 d": how long a message has waited, for a person. */
static void s_age(int64_t since_ms, int64_t now_ms, char *out, size_t cap)
{
    int64_t min = since_ms && now_ms > since_ms ? (now_ms - since_ms) / 60000 : 0;
    if (!since_ms)
        snprintf(out, cap, "?");
    else if (min < 60)
        snprintf(out, cap, "%" PRId64 " min", min);
    else if (min < 48 * 60)
        snprintf(out, cap, "%" PRId64 " h %02" PRId64, min / 60, min % 60);
    else
        snprintf(out, cap, "%" PRId64 " d", min / (24 * 60));
}

static void s_print_text(const char *spool, const relais_waiting_t *w, size_t nw, const relais_sent_outcome_t *a,
                         size_t na, size_t shown)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    char when[32], age[32], id[2 * RELAIS_MSG_ID_BYTES + 1];
    if (nw == 0)
        relais_cli_line(stdout, "Nothing waits in the spool %s.", spool);
    else
        relais_cli_line(stdout, "Waiting in the spool %s (%zu), oldest first:", spool, nw);
    for (size_t i = 0; i < nw; i++) {
        relais_cli_time(w[i].spooled_ms, when, sizeof when);
        s_age(w[i].spooled_ms, now, age, sizeof age);
        s_hex(w[i].msg_id, id);
        relais_cli_line(stdout, "  %s  waiting for %s  %s  (message %.12s)", w[i].spooled_ms ? when : "?", age,
                        *w[i].tag ? w[i].tag : "(no label)", id);
    }
    if (na == 0) {
        relais_cli_line(stdout, "No answer kept from the hub.");
        return;
    }
    if (shown < na)
        relais_cli_line(stdout, "The hub's answers, newest first (the last %zu of %zu; --all for every one):", shown, na);
    else
        relais_cli_line(stdout, "The hub's answers, newest first (%zu):", na);
    for (size_t i = 0; i < shown; i++) {
        relais_cli_time(a[i].settled_ms, when, sizeof when);
        s_hex(a[i].msg_id, id);
        if (a[i].refused)
            relais_cli_line(stdout, "  %s  REFUSED %s: %s  %s  (message %.12s)", when, a[i].code, a[i].sentence,
                            *a[i].tag ? a[i].tag : "(no label)", id);
        else
            relais_cli_line(stdout, "  %s  acknowledged %s (#%" PRIu64 ")  %s  (message %.12s)", when,
                            *a[i].case_id ? a[i].case_id : "", a[i].seq, *a[i].tag ? a[i].tag : "(no label)", id);
    }
}

int relais_cmd_outbox(int argc, char **argv)
{
    s_opts_t o = {.timeout_s = 10};
    int rc = s_parse(argc, argv, &o);
    if (rc)
        return rc < 0 ? RELAIS_EXIT_OK : rc;
    char spool[4096];
    if (!o.spool_dir) {
        if ((rc = relais_cli_default_spool(&o.conn, "outbox", spool, sizeof spool)) != 0)
            return rc;
        o.spool_dir = spool;
    }
    relais_client_t *client = NULL;
    if ((rc = relais_cli_connect(&o.conn, o.spool_dir, o.timeout_s * 1000, &client)) != 0)
        return rc;
    int exit_status = RELAIS_EXIT_OK;
    if (o.send) {
        rc = relais_client_flush(client, o.timeout_s * 1000, NULL, NULL);
        if (rc == RELAIS_E_TIMEOUT)
            exit_status = RELAIS_EXIT_QUEUED;
        else if (rc) {
            relais_client_destroy(&client);
            return relais_cli_local("outbox", rc);
        }
    }
    relais_waiting_t *waiting = NULL;
    relais_sent_outcome_t *answers = NULL;
    size_t nw = 0, na = 0;
    rc = relais_client_outbox_waiting(client, &waiting, &nw);
    if (!rc)
        rc = relais_client_outbox_outcomes(client, &answers, &na);
    relais_client_destroy(&client);
    if (rc) {
        free(waiting);
        free(answers);
        return relais_cli_local("outbox", rc);
    }
    size_t shown = o.all || na < S_SHOWN ? na : S_SHOWN;
    if (o.json) {
        json_t *out = json_object(), *wl = json_array(), *al = json_array();
        for (size_t i = 0; i < nw; i++)
            json_array_append_new(wl, s_waiting_json(&waiting[i]));
        for (size_t i = 0; i < shown; i++)
            json_array_append_new(al, s_answer_json(&answers[i]));
        json_object_set_new(out, "spool", json_string(o.spool_dir));
        json_object_set_new(out, "waiting", wl);
        json_object_set_new(out, "answered", al);
        relais_cli_print_json(stdout, out);
    } else {
        s_print_text(o.spool_dir, waiting, nw, answers, na, shown);
    }
    free(waiting);
    free(answers);
    return exit_status;
}
