/* reception_cli.c -- what the reception's commands (reception, lost, decree) share: local times
 * typed at the counter, the town's street list, and a write that waits in the identity's spool. */
#include "cli_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "relais_streets.h"

int relais_rcli_parse(const char *cmd, int argc, char **argv, const struct option *opts, const relais_rcli_sub_t *subs,
                      size_t sub_count, relais_cli_conn_t *conn, int (*option)(void *ctx, int opt, const char *arg),
                      void *ctx, const relais_rcli_sub_t **sub)
{
    uint64_t given = 0;
    int c, rc = 0;
    optind = 0;
    while (rc == 0 && (c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (relais_cli_conn_opt(conn, c, optarg))
            continue;
        if (c >= RELAIS_OPT_FIRST_FREE && c < RELAIS_OPT_FIRST_FREE + 64)
            given |= RELAIS_RCLI_BIT(c);
        rc = option(ctx, c, optarg);
    }
    if (rc)
        return rc;
    size_t k = 0;
    while (k < sub_count && strcmp(subs[k].name, argv[0]) != 0)
        k++;
    if (k == sub_count) {
        char names[512] = "";
        for (size_t i = 0; i < sub_count; i++)
            snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? (i + 1 == sub_count ? " or " : ", ") : "",
                     subs[i].name);
        return relais_cli_usage(cmd, "unknown subcommand '%s'; expected %s", argv[0], names);
    }
    int nargs = argc - optind;
    if (nargs != subs[k].args)
        return relais_cli_usage(cmd, "%s takes %d argument%s", argv[0], subs[k].args, subs[k].args == 1 ? "" : "s");
    uint64_t extra = given & ~subs[k].takes;
    for (size_t i = 0; extra && opts[i].name; i++)
        if (opts[i].val >= RELAIS_OPT_FIRST_FREE && (extra & RELAIS_RCLI_BIT(opts[i].val)))
            return relais_cli_usage(cmd, "%s does not take --%s", argv[0], opts[i].name);
    if (sub)
        *sub = &subs[k];
    return 0;
}

/* The street as the town's list spells it, or a refusal that names the closest ones. Without a
 * list to read, `as_typed` lets the street through as it was typed (a search), else it is refused. */
int relais_rcli_street(const char *cmd, const char *streets, const char *typed, int as_typed, char *out, size_t cap)
{
    const char *path = streets ? streets : getenv("RELAIS_STREETS");
    relais_streets_t *list = NULL;
    char why[512];
    int rc = relais_streets_load(path && path[0] ? path : "streets.tsv", &list);
    if (rc && as_typed) {
        snprintf(out, cap, "%s", typed);
        return 0;
    }
    if (rc)
        return relais_cli_usage(cmd,
                                "--street: the town's street list cannot be read (%s); import it with `relais streets "
                                "import FILE.csv`, or give --streets FILE",
                                relais_status_detail());
    rc = relais_streets_resolve(list, typed, out, cap, why, sizeof why);
    relais_streets_destroy(&list);
    return rc ? relais_cli_usage(cmd, "--street: %s", why) : 0;
}

/* The payload `key` around `body` (stolen), signed and written to the identity's spool before
 * it is sent: a call typed while the hub is unreachable is not lost, and goes with the next
 * command (or `relais submit --flush`). */
int relais_rcli_submit(relais_client_t *client, const char *cmd, const char *spool, int json_out, const char *key,
                       json_t *body)
{
    char *json = relais_rcli_payload(key, body);
    if (!json)
        return relais_cli_local(cmd, RELAIS_E_NOMEM);
    uint8_t id[RELAIS_MSG_ID_BYTES];
    int rc = relais_client_enqueue_json(client, json, strlen(json), key, id);
    free(json);
    if (rc)
        return relais_cli_local(cmd, rc);
    relais_ack_t answer;
    relais_error_t err;
    int why = 0;
    rc = relais_cli_send_queued(client, id, &answer, &err, &why);
    if (rc < 0)
        return relais_cli_local(cmd, rc);
    if (rc == 0)
        return relais_cli_queued(cmd, why, key, id, spool, json_out);
    if (err.status)
        return relais_cli_fail(cmd, err.status, &err);
    const relais_ack_t *ack = &answer;
    if (json_out) {
        json_t *out = json_object();
        json_object_set_new(out, "seq", json_integer((json_int_t)ack->seq));
        json_object_set_new(out, "handle", json_string(ack->case_id));
        json_object_set_new(out, "received_ms", json_integer(ack->received_ms));
        json_object_set_new(out, "duplicate", json_boolean(ack->duplicate));
        relais_cli_print_json(stdout, out);
    } else {
        relais_cli_line(stdout, "%s %s (#%" PRIu64 ")%s", key, ack->case_id, ack->seq,
                        ack->duplicate ? " (already stored)" : "");
    }
    return RELAIS_EXIT_OK;
}
