/* feed.c -- `relais feed`: the live feed as readable lines or JSON lines, resumable with a state file. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_internal.h"

static const char s_help[] =
    "usage: relais feed [--from SEQ] [--json] [--state FILE] [--follow | --count N] [--idle-exit SECONDS]\n"
    "                   [--with-access]\n"
    "\n"
    "Every record this identity may see, from SEQ on, then live, in order. A coordinator or\n"
    "an auditor sees the records; a partner the status of the cases it referred. A case past\n"
    "its deadline is marked OVERDUE on the line of its latest event, the one that says where it\n"
    "stands now, never on its past events.\n"
    "\n" RELAIS_CLI_CONN_HELP
    "  --from SEQ          first sequence number (default 1, or the state file's last + 1)\n"
    "  --json              one JSON object per line: seq, received_ms, leaf_hash (SHA-256 of\n"
    "                      0x00 || record) and message; or status for a partner\n"
    "  --state FILE        remember the last sequence number received (shown or left out) and\n"
    "                      resume after it\n"
    "  --follow            keep following (the default)\n"
    "  --count N           stop after N deliveries\n"
    "  --idle-exit SECONDS stop after SECONDS without a delivery\n"
    "  --credit N          deliveries in flight (default 256)\n"
    "  --with-access       the coordinator's lines also show the hub's records of who read what\n"
    "                      (left out by default; --json always carries every record, so that a\n"
    "                      program following the feed can tell it missed none)\n";

enum { S_OPT_FROM = RELAIS_OPT_FIRST_FREE, S_OPT_JSON, S_OPT_STATE, S_OPT_FOLLOW, S_OPT_COUNT, S_OPT_IDLE,
       S_OPT_CREDIT, S_OPT_WITH_ACCESS };

typedef struct {
    relais_cli_conn_t conn; /* shared flags */
    uint64_t from;          /* --from, 0 when not given */
    int json;               /* --json */
    const char *state;      /* --state FILE */
    uint64_t count;         /* --count, 0: unlimited */
    int64_t idle_ms;        /* --idle-exit, 0: never */
    uint32_t credit;        /* --credit */
    int with_access;        /* --with-access */
    int hide_access;        /* the lines leave out access records: a coordinator's, without --with-access */
} s_opts_t;

static int s_parse(int argc, char **argv, s_opts_t *o)
{
    static const struct option opts[] = {RELAIS_CLI_CONN_OPTIONS,
                                         {"from", required_argument, NULL, S_OPT_FROM},
                                         {"json", no_argument, NULL, S_OPT_JSON},
                                         {"state", required_argument, NULL, S_OPT_STATE},
                                         {"follow", no_argument, NULL, S_OPT_FOLLOW},
                                         {"count", required_argument, NULL, S_OPT_COUNT},
                                         {"idle-exit", required_argument, NULL, S_OPT_IDLE},
                                         {"credit", required_argument, NULL, S_OPT_CREDIT},
                                         {"with-access", no_argument, NULL, S_OPT_WITH_ACCESS},
                                         {NULL, 0, NULL, 0}};
    uint64_t v;
    int c, follow = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (relais_cli_conn_opt(&o->conn, c, optarg))
            continue;
        switch (c) {
        case RELAIS_OPT_HELP: fputs(s_help, stdout); return -1;
        case S_OPT_JSON: o->json = 1; break;
        case S_OPT_STATE: o->state = optarg; break;
        case S_OPT_FOLLOW: follow = 1; break;
        case S_OPT_WITH_ACCESS: o->with_access = 1; break;
        case S_OPT_FROM:
            if (relais_cli_parse_u64(optarg, &o->from))
                return relais_cli_usage("feed", "--from: expected a sequence number");
            break;
        case S_OPT_COUNT:
            if (relais_cli_parse_u64(optarg, &o->count) || o->count == 0)
                return relais_cli_usage("feed", "--count: expected a positive number");
            break;
        case S_OPT_IDLE:
            if (relais_cli_parse_u64(optarg, &v) || v == 0 || v > 86400 * 365)
                return relais_cli_usage("feed", "--idle-exit: expected seconds");
            o->idle_ms = (int64_t)v * 1000;
            break;
        case S_OPT_CREDIT:
            if (relais_cli_parse_u64(optarg, &v) || v == 0 || v > 4096)
                return relais_cli_usage("feed", "--credit: expected 1 to 4096");
            o->credit = (uint32_t)v;
            break;
        default: return relais_cli_usage("feed", "unknown option");
        }
    }
    if (optind != argc)
        return relais_cli_usage("feed", "unexpected argument '%s'", argv[optind]);
    if (follow && o->count)
        return relais_cli_usage("feed", "--follow and --count exclude each other");
    return 0;
}

/* ---- State file ------------------------------------------------------------------------------ */

/* The last sequence number printed, 0 when the file does not exist yet. */
static int s_state_read(const char *path, uint64_t *last)
{
    char *text = NULL;
    size_t len = 0;
    *last = 0;
    if (access(path, F_OK) != 0)
        return RELAIS_OK;
    int rc = relais_cli_read_file(path, 64, 0, &text, &len); /* one number and a newline */
    if (rc)
        return rc;
    while (len && (text[len - 1] == '\n' || text[len - 1] == ' '))
        text[--len] = '\0';
    if (relais_cli_parse_u64(text, last))
        rc = relais_status_set(RELAIS_E_MALFORMED, "%s: expected a sequence number", path);
    free(text);
    return rc;
}

/* Replaced whole: after a crash the file holds the old or the new number. */
static int s_state_write(const char *path, uint64_t last)
{
    char line[32];
    int n = snprintf(line, sizeof line, "%" PRIu64 "\n", last);
    return relais_file_replace(path, line, (size_t)n);
}

/* ---- Output ---------------------------------------------------------------------------------- */

static void s_print_status(const relais_delivery_t *d)
{
    char when[32];
    relais_cli_time(d->status.updated_ms ? d->status.updated_ms : d->received_ms, when, sizeof when);
    const char *state = relais_case_state_name(d->status.state);
    char num[24];
    snprintf(num, sizeof num, "#%" PRIu64, d->seq);
    relais_cli_line(stdout, "%-6s %s %-6s status %s (%s)%s%s%s", num, when, d->status.case_id, state ? state : "?",
                    relais_cli_task_status(d->status.task_status), *d->status.reason_code ? " reason=" : "",
                    d->status.reason_code, d->overdue ? " OVERDUE" : "");
}

/* A record's line, marked at its end when it is the latest event of a case past a deadline
 * (coordinator): the hub marks only that delivery (broker/feed.c), the one that tells where the
 * case stands now, so a replayed history is not marked line after line. The referral that
 * opened a case the hub suspects to duplicate others names them. */
static void s_print_record(const relais_delivery_t *d)
{
    char *line = NULL;
    size_t len = 0;
    FILE *mem = d->overdue || d->duplicate_count ? open_memstream(&line, &len) : NULL;
    relais_cli_print_record(mem ? mem : stdout, d->seq, d->received_ms, d->record, d->record_len,
                            d->has_status ? d->status.case_id : NULL);
    if (!mem)
        return;
    fclose(mem);
    while (len && line[len - 1] == '\n')
        line[--len] = '\0';
    fputs(line, stdout);
    if (d->overdue)
        fputs("  OVERDUE", stdout);
    char ids[RELAIS_MAX_DUPLICATES * RELAIS_CASE_ID_LEN * 4];
    if (d->duplicate_count)
        printf("  POSSIBLE DUPLICATE OF %s", relais_cli_ids(d->duplicates, d->duplicate_count, ids, sizeof ids));
    fputc('\n', stdout);
    free(line);
}

/* Whether the delivery is one of the hub's own records of a read (an AccessRecord). */
static int s_is_access(const relais_delivery_t *d)
{
    relais_message_t *msg = NULL;
    if (!d->record || relais_record_message_decode(d->record, d->record_len, NULL, NULL, &msg) != 0)
        return 0;
    int access = relais_message_payload(msg) == RELAIS_PAYLOAD_ACCESS;
    relais_message_destroy(&msg);
    return access;
}

static void s_print(const s_opts_t *o, const relais_delivery_t *d)
{
    if (o->json) {
        json_t *j = d->record ? relais_cli_record_json(d->seq, d->received_ms, d->record, d->record_len,
                                                  d->has_leaf_hash ? d->leaf_hash : NULL)
                              : json_pack("{s:I, s:I}", "seq", (json_int_t)d->seq, "received_ms",
                                          (json_int_t)d->received_ms);
        if (j && d->has_status)
            json_object_set_new(j, "status", relais_cli_status_json(&d->status));
        if (j && d->overdue)
            json_object_set_new(j, "overdue", json_true());
        relais_log_record_t entry;
        if (j && d->transferred_entry_len &&
            relais_log_record_decode(d->transferred_entry, d->transferred_entry_len, &entry) == 0)
            json_object_set_new(j, "transferred_entry",
                                relais_cli_record_json(entry.seq, entry.received_ms, d->transferred_entry,
                                                       d->transferred_entry_len, d->transferred_entry_leaf_hash));
        if (j && d->duplicate_count) {
            json_t *dups = json_array();
            for (size_t i = 0; i < d->duplicate_count && i < RELAIS_MAX_DUPLICATES; i++)
                json_array_append_new(dups, json_string(d->duplicates[i]));
            json_object_set_new(j, "possible_duplicates", dups);
        }
        relais_cli_print_json(stdout, j);
        return;
    }
    /* Every read leaves a record: on the coordinator's screen they outnumber the cases' own
     * lines. Left out of the lines only; the state file still moves past them. */
    if (o->hide_access && s_is_access(d))
        return;
    relais_log_record_t entry;
    if (d->record) {
        s_print_record(d);
        /* A transfer to this reader: the entry it transfers, on the next line. */
        if (d->transferred_entry_len &&
            relais_log_record_decode(d->transferred_entry, d->transferred_entry_len, &entry) == 0)
            relais_cli_print_record(stdout, entry.seq, entry.received_ms, d->transferred_entry,
                                    d->transferred_entry_len, NULL);
    } else if (d->has_status)
        s_print_status(d);
    else
        printf("#%" PRIu64 " (nothing visible)\n", d->seq);
    fflush(stdout);
}

/* ---- The loop -------------------------------------------------------------------------------- */

/* Quiet is fine; never having reached the broker is not. */
static int s_idle_exit(relais_client_t *client, uint64_t seen)
{
    if (seen || relais_client_is_connected(client))
        return RELAIS_EXIT_OK;
    relais_error_t err = {.status = RELAIS_E_TIMEOUT};
    relais_client_diagnose(client, err.message, sizeof err.message);
    return relais_cli_fail("feed", RELAIS_E_TIMEOUT, &err);
}

static int s_follow(relais_client_t *client, const s_opts_t *o)
{
    uint64_t seen = 0;
    int64_t last_at = relais_cli_now_ms();
    while (!relais_cli_stopping()) {
        relais_delivery_t d;
        relais_error_t err;
        int rc = relais_feed_next(client, 1000, &d, &err);
        if (rc == RELAIS_E_TIMEOUT) {
            if (o->idle_ms && relais_cli_now_ms() - last_at >= o->idle_ms)
                return s_idle_exit(client, seen);
            continue;
        }
        if (rc)
            return relais_cli_fail("feed", rc, &err);
        /* Printed first, remembered after: a crash in between repeats a line, never skips one. */
        s_print(o, &d);
        if (o->state && (rc = s_state_write(o->state, d.seq)) != 0)
            return relais_cli_local("state file", rc);
        last_at = relais_cli_now_ms();
        if (o->count && ++seen >= o->count)
            return RELAIS_EXIT_OK;
    }
    return RELAIS_EXIT_OK;
}

int relais_cmd_feed(int argc, char **argv)
{
    s_opts_t o = {.credit = 256};
    int rc = s_parse(argc, argv, &o);
    if (rc)
        return rc < 0 ? RELAIS_EXIT_OK : rc;
    uint64_t from = o.from;
    if (o.state && !from) {
        uint64_t last;
        relais_status_clear();
        if ((rc = s_state_read(o.state, &last)) != 0)
            return relais_cli_local("state file", rc);
        from = last + 1;
    }
    relais_client_t *client = NULL;
    if ((rc = relais_cli_connect(&o.conn, NULL, 0, &client)) != 0)
        return rc;
    o.hide_access = !o.json && !o.with_access && strcmp(relais_client_role(client), "coordinator") == 0;
    relais_cli_catch_signals();
    rc = relais_feed_subscribe(client, from, o.credit);
    if (rc)
        rc = relais_cli_fail("feed", rc, NULL);
    else
        rc = s_follow(client, &o);
    relais_client_destroy(&client);
    return rc;
}
