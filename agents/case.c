/* case.c -- `relais case list|show|update`: the coordinator's work list, a case's timeline, its moves. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli_util.h"

static const char s_help[] =
    "usage: relais case list [--state S]... [--urgency U] [--school TEXT] [--referrer TEXT] [--overdue]\n"
    "                        [--expiring DAYS] [--json]\n"
    "       relais case show CASE-ID [--json]\n"
    "       relais case update CASE-ID ACTION [--from STATE] [--reason CODE] [--note TEXT] [--diagnosis TEXT]\n"
    "                          [--review-date YYYY-MM-DD] [--redirect-to BODY] [--sub-status TEXT]\n"
    "                          [--action 'individual|collective;description;partner;start;frequency']...\n"
    "                          [--share R-N]\n"
    "       relais case share CASE-ID R-N [--note TEXT]\n"
    "\n"
    "ACTION is the state to move to: triage, awaiting-agreement, accepted, declined, redirected,\n"
    "diagnosis, pathway-proposed, follow-up, closed-completed, closed-withdrawn, closed-failed,\n"
    "paused, entered-in-error; or resume (back to the state before the pause) or note (a note or\n"
    "review that keeps the state). Without --from the case is read first to learn its state.\n"
    "\n"
    "A partner knows what it referred by its referral's handle, R-N, never by the case: its acks,\n"
    "its feed, `case list` and `case show R-N` give its referral's status. A referral that joined\n"
    "a case already open shows only its own arrival until the coordinator shares the case with it\n"
    "(`case share C-12 R-57`, or `--share` with any update); from then on its referrer sees the\n"
    "case's status after each update. The coordinator may name a case by any of its referrals'\n"
    "handles.\n"
    "\n"
    "--expiring DAYS lists the cases that leave the active base within DAYS days (two years after\n"
    "their last event, or at once when their erasure was asked; docs/privacy.md), with the date.\n"
    "\n" RELAIS_CLI_CONN_HELP
    "  --json   machine output: one JSON object per case (list), one object (show, update)\n";

enum { S_OPT_JSON = RELAIS_OPT_FIRST_FREE, S_OPT_STATE, S_OPT_URGENCY, S_OPT_SCHOOL, S_OPT_REFERRER,
       S_OPT_OVERDUE, S_OPT_FROM, S_OPT_REASON, S_OPT_NOTE, S_OPT_DIAGNOSIS, S_OPT_REVIEW, S_OPT_REDIRECT,
       S_OPT_SUB, S_OPT_ACTION, S_OPT_SHARE, S_OPT_EXPIRING };

#define S_MAX_ACTIONS 16

/* Every option of the three subcommands; each subcommand refuses those not its own. */
typedef struct {
    relais_cli_conn_t conn;         /* shared flags */
    int json;                       /* --json */
    relais_case_filter_t filter;    /* list */
    int filtered;                   /* a list filter was given */
    relais_case_update_t update;    /* update */
    int has_from;                   /* --from given */
    relais_pathway_action_t actions[S_MAX_ACTIONS];
    char *action_text[S_MAX_ACTIONS]; /* owned copies the actions point into */
    char case_id[RELAIS_CASE_ID_LEN]; /* the case an update names, as the broker gave it */
} s_opts_t;

/* ---- Output helpers ---------------------------------------------------------------------- */

/* Columns are aligned on characters, not bytes: "École" is five wide. */
static size_t s_width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            w++;
    return w;
}

static void s_cell(const char *s, size_t width, int last)
{
    fputs(s, stdout);
    if (last)
        return;
    for (size_t i = s_width(s); i < width + 2; i++)
        fputc(' ', stdout);
}

static void s_referrers(const relais_case_summary_t *c, char *out, size_t cap)
{
    out[0] = '\0';
    for (size_t i = 0; i < c->referrer_count && i < RELAIS_MAX_REFERRERS; i++) {
        if (i)
            strncat(out, ", ", cap - strlen(out) - 1);
        strncat(out, c->referrers[i], cap - strlen(out) - 1);
    }
}

static const char *s_state(relais_case_state_t s)
{
    const char *n = relais_case_state_name(s);
    return n ? n : "?";
}

static const char *s_urgency(relais_urgency_t u)
{
    const char *n = relais_urgency_name(u);
    return n ? n : "-";
}

static json_t *s_summary_json(const relais_case_summary_t *c)
{
    json_t *refs = json_array();
    for (size_t i = 0; i < c->referrer_count && i < RELAIS_MAX_REFERRERS; i++)
        json_array_append_new(refs, json_string(c->referrers[i]));
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:I, s:I, s:I, s:b, s:i}", "case_id", c->case_id,
                     "state", s_state(c->state), "task_status", relais_cli_task_status(c->task_status), "sub_status",
                     c->sub_status, "reason_code", c->reason_code, "urgency", s_urgency(c->urgency), "child",
                     c->child_display, "school", c->school, "referrers", refs, "opened_ms", (json_int_t)c->opened_ms,
                     "updated_ms", (json_int_t)c->updated_ms, "due_ms", (json_int_t)c->due_ms, "overdue",
                     c->overdue, "referral_count", (int)c->referral_count);
}

/* The summary with the date its case leaves the active base, for an --expiring list. */
static json_t *s_expiring_json(const relais_case_summary_t *c)
{
    json_t *o = s_summary_json(c);
    if (o && c->retention_due_ms)
        json_object_set_new(o, "retention_due_ms", json_integer((json_int_t)c->retention_due_ms));
    return o;
}

/* ---- list -------------------------------------------------------------------------------- */

#define S_COLS 8

/* The cells as shown: every text from the hub escaped, so that no name can forge a row. */
static void s_row(const relais_case_summary_t *c, char cells[S_COLS][512])
{
    char refs[1024];
    relais_cli_safe(c->case_id, cells[0], 512);
    snprintf(cells[1], 512, "%s", s_state(c->state));
    snprintf(cells[2], 512, "%s", s_urgency(c->urgency));
    relais_cli_time(c->due_ms, cells[3], 512);
    if (c->overdue)
        strncat(cells[3], " !", 511 - strlen(cells[3]));
    relais_cli_safe(c->child_display, cells[4], 512);
    relais_cli_safe(c->school, cells[5], 512);
    relais_cli_time(c->updated_ms, cells[6], 512);
    s_referrers(c, refs, sizeof refs);
    relais_cli_safe(refs, cells[7], 512);
}

static void s_print_table(const relais_reply_t *r)
{
    static const char *const head[S_COLS] = {"CASE",  "STATE",  "URGENCY", "DUE",
                                             "CHILD", "SCHOOL", "UPDATED", "REFERRED BY"};
    char (*cells)[S_COLS][512] = calloc(r->case_count + 1, sizeof *cells);
    if (!cells)
        return;
    size_t width[S_COLS] = {0};
    for (int k = 0; k < S_COLS; k++)
        snprintf(cells[0][k], 512, "%s", head[k]);
    for (size_t i = 0; i < r->case_count; i++)
        s_row(&r->cases[i], cells[i + 1]);
    for (size_t i = 0; i <= r->case_count; i++)
        for (int k = 0; k < S_COLS; k++)
            if (s_width(cells[i][k]) > width[k])
                width[k] = s_width(cells[i][k]);
    for (size_t i = 0; i <= r->case_count; i++) {
        for (int k = 0; k < S_COLS; k++)
            s_cell(cells[i][k], width[k], k == S_COLS - 1);
        fputc('\n', stdout);
    }
    printf("%zu case%s\n", r->case_count, r->case_count == 1 ? "" : "s");
    free(cells);
}

static int s_list(relais_client_t *client, s_opts_t *o)
{
    relais_reply_t r;
    relais_error_t err;
    int rc = relais_client_case_list(client, &o->filter, &r, &err);
    if (rc)
        return relais_cli_fail("case list", rc, &err);
    if (o->json) {
        for (size_t i = 0; i < r.case_count; i++)
            relais_cli_print_json(stdout, s_expiring_json(&r.cases[i]));
    } else {
        s_print_table(&r);
        for (size_t i = 0; o->filter.expiring_days && i < r.case_count; i++) {
            char when[32];
            relais_cli_time(r.cases[i].retention_due_ms, when, sizeof when);
            relais_cli_line(stdout, "%s leaves the active base on %s", r.cases[i].case_id, when);
        }
    }
    relais_reply_clear(&r);
    return RELAIS_EXIT_OK;
}

/* ---- show -------------------------------------------------------------------------------- */

/* Who sees the case: the referrals that follow it, and those that still see only their own
 * arrival (with the command that shares it with them). Coordinator and auditor only: a
 * partner's view carries no followers. */
static void s_print_sharing(const relais_reply_t *r)
{
    if (r->follower_count == 0)
        return;
    const char *case_id = r->cases[0].case_id;
    printf("Referrers who see the case:\n");
    for (size_t i = 0; i < r->follower_count; i++) {
        const relais_case_follower_t *f = &r->followers[i];
        relais_cli_line(stdout, "  R-%-8" PRIu64 " %-20s since #%" PRIu64 "%s", f->referral_seq, f->sender,
                        f->since_seq, f->since_seq == f->referral_seq ? " (its referral opened the case)" : " (shared)");
    }
    int header = 0;
    for (size_t i = 0; i < r->record_count; i++) {
        relais_log_record_t rec;
        relais_message_t *msg = NULL;
        if (relais_record_message_decode(r->records[i], r->record_lens[i], &rec, NULL, &msg) != RELAIS_OK)
            continue;
        int follows = 0;
        for (size_t k = 0; k < r->follower_count; k++)
            follows |= r->followers[k].referral_seq == rec.seq;
        if (relais_message_payload(msg) == RELAIS_PAYLOAD_REFERRAL && !follows) {
            if (!header++)
                printf("Referrals that see only their own arrival:\n");
            relais_cli_line(stdout, "  R-%-8" PRIu64 " %-20s share with: relais case share %s R-%" PRIu64, rec.seq,
                            relais_message_sender(msg), case_id, rec.seq);
        }
        relais_message_destroy(&msg);
    }
}

static void s_print_detail(const relais_reply_t *r)
{
    const relais_case_summary_t *c = &r->cases[0];
    char opened[32], updated[32], due[32], refs[1024];
    relais_cli_time(c->opened_ms, opened, sizeof opened);
    relais_cli_time(c->updated_ms, updated, sizeof updated);
    relais_cli_time(c->due_ms, due, sizeof due);
    s_referrers(c, refs, sizeof refs);
    relais_cli_line(stdout, "%s %s  %s (%s)  urgency %s%s",
                    relais_referral_handle_seq(c->case_id) ? "Referral" : "Case", c->case_id, s_state(c->state),
                    relais_cli_task_status(c->task_status), s_urgency(c->urgency), c->overdue ? "  OVERDUE" : "");
    if (*c->child_display || *c->school)
        relais_cli_line(stdout, "  child       %s%s%s", c->child_display, *c->school ? ", " : "", c->school);
    relais_cli_line(stdout, "  referred by %s (%u referral%s)", *refs ? refs : "-", c->referral_count,
                    c->referral_count == 1 ? "" : "s");
    relais_cli_line(stdout, "  opened      %s   updated %s   due %s", opened, updated, due);
    if (*c->sub_status || *c->reason_code)
        relais_cli_line(stdout, "  sub-status  %s   reason %s", *c->sub_status ? c->sub_status : "-",
                        *c->reason_code ? c->reason_code : "-");
    printf("Timeline:\n");
    for (size_t i = 0; i < r->record_count; i++) {
        relais_log_record_t rec;
        if (relais_log_record_decode(r->records[i], r->record_lens[i], &rec) != RELAIS_OK) {
            printf("  (a record that does not decode)\n");
            continue;
        }
        fputs("  ", stdout);
        relais_cli_print_record(stdout, rec.seq, rec.received_ms, r->records[i], r->record_lens[i], c->case_id);
    }
    s_print_sharing(r);
    printf("Status after each event:\n");
    for (size_t i = 0; i < r->event_count; i++) {
        const relais_case_status_t *st = &r->events[i].status;
        char when[32];
        relais_cli_time(st->updated_ms, when, sizeof when);
        relais_cli_line(stdout, "  #%-8llu %s  %-17s %-9s %s", (unsigned long long)r->events[i].seq, when,
                        s_state(st->state), relais_cli_task_status(st->task_status),
                        *st->reason_code ? st->reason_code : "");
    }
}

static json_t *s_detail_json(const relais_reply_t *r)
{
    json_t *timeline = json_array();
    for (size_t i = 0; i < r->record_count; i++) {
        relais_log_record_t rec;
        if (relais_log_record_decode(r->records[i], r->record_lens[i], &rec) == RELAIS_OK)
            json_array_append_new(timeline,
                                  relais_cli_record_json(rec.seq, rec.received_ms, r->records[i], r->record_lens[i],
                                                         i < r->leaf_hash_count ? r->leaf_hashes[i] : NULL));
    }
    json_t *followers = json_array();
    for (size_t i = 0; i < r->follower_count; i++) {
        char handle[RELAIS_CASE_ID_LEN];
        relais_referral_handle(r->followers[i].referral_seq, handle);
        json_array_append_new(followers, json_pack("{s:s, s:s, s:I}", "referral", handle, "sender",
                                                   r->followers[i].sender, "since_seq",
                                                   (json_int_t)r->followers[i].since_seq));
    }
    return json_pack("{s:o, s:o, s:o, s:o}", "summary", s_summary_json(&r->cases[0]), "timeline", timeline, "history",
                     relais_cli_history_json(r), "followers", followers);
}

static int s_show(relais_client_t *client, const s_opts_t *o, const char *case_id)
{
    relais_reply_t r;
    relais_error_t err;
    int rc = relais_client_case_show(client, case_id, &r, &err);
    if (rc)
        return relais_cli_fail("case show", rc, &err);
    if (r.case_count == 0) {
        relais_reply_clear(&r);
        relais_cli_line(stderr, "relais case show: the broker sent no summary for %s", case_id);
        return RELAIS_EXIT_USAGE;
    }
    if (o->json)
        relais_cli_print_json(stdout, s_detail_json(&r));
    else
        s_print_detail(&r);
    relais_reply_clear(&r);
    return RELAIS_EXIT_OK;
}

/* ---- update ------------------------------------------------------------------------------ */

/* The state a paused case resumes to: the from_state of the update that paused it. */
static relais_case_state_t s_paused_from(const relais_reply_t *r)
{
    relais_case_state_t found = RELAIS_CASE_UNSPECIFIED;
    for (size_t i = 0; i < r->record_count; i++) {
        relais_message_t *msg = NULL;
        relais_case_update_view_t u;
        if (relais_record_message_decode(r->records[i], r->record_lens[i], NULL, NULL, &msg))
            continue;
        if (relais_message_case_update(msg, &u) == RELAIS_OK && u.to_state == RELAIS_CASE_PAUSED &&
            u.from_state != RELAIS_CASE_PAUSED)
            found = u.from_state;
        relais_message_destroy(&msg);
    }
    return found;
}

/* Reads the case when --from was not given, or when resuming (to learn where to). */
static int s_learn_state(relais_client_t *client, s_opts_t *o, int resume)
{
    relais_reply_t r;
    relais_error_t err;
    int rc = relais_client_case_show(client, o->update.case_id, &r, &err);
    if (rc)
        return relais_cli_fail("case update: reading the case", rc, &err);
    if (r.case_count == 0) {
        relais_reply_clear(&r);
        return relais_cli_local("case update: reading the case", RELAIS_E_MALFORMED);
    }
    if (!o->has_from)
        o->update.from_state = r.cases[0].state;
    /* A referral's handle names the case it was filed in: the update names the case. */
    snprintf(o->case_id, sizeof o->case_id, "%s", r.cases[0].case_id);
    o->update.case_id = o->case_id;
    if (resume) {
        o->update.to_state = s_paused_from(&r);
        if (o->update.to_state == RELAIS_CASE_UNSPECIFIED) {
            relais_reply_clear(&r);
            relais_cli_line(stderr, "relais case update: %s is not paused (it is %s)", o->update.case_id,
                            s_state(o->update.from_state));
            return RELAIS_EXIT_USAGE;
        }
    }
    relais_reply_clear(&r);
    return RELAIS_EXIT_OK;
}

static void s_print_ack(const s_opts_t *o, const relais_ack_t *ack)
{
    char id[2 * RELAIS_MSG_ID_BYTES + 1], leaf[65];
    relais_hex_encode(ack->msg_id, sizeof ack->msg_id, id);
    relais_hex_encode(ack->leaf_hash, sizeof ack->leaf_hash, leaf);
    if (o->json) {
        relais_cli_print_json(stdout,
                              json_pack("{s:s, s:s, s:I, s:s, s:b, s:s, s:s}", "case_id", o->update.case_id, "msg_id",
                                        id, "seq", (json_int_t)ack->seq, "leaf_hash", leaf, "duplicate",
                                        ack->duplicate, "from", s_state(o->update.from_state), "to",
                                        s_state(o->update.to_state)));
        return;
    }
    if (o->update.from_state == o->update.to_state)
        relais_cli_line(stdout, "%s: note in %s (#%" PRIu64 ")%s%s", o->update.case_id, s_state(o->update.from_state),
                        ack->seq, o->update.share_referral ? ", shared with " : "",
                        o->update.share_referral ? o->update.share_referral : "");
    else
        relais_cli_line(stdout, "%s: %s -> %s (#%" PRIu64 ")%s%s", o->update.case_id, s_state(o->update.from_state),
                        s_state(o->update.to_state), ack->seq, o->update.share_referral ? ", shared with " : "",
                        o->update.share_referral ? o->update.share_referral : "");
}

static int s_update(relais_client_t *client, s_opts_t *o, const char *case_id, const char *action)
{
    o->update.case_id = case_id;
    int resume = strcmp(action, "resume") == 0;
    int note = strcmp(action, "note") == 0;
    if (!resume && !note) {
        o->update.to_state = relais_case_state_from_name(action);
        if (o->update.to_state == RELAIS_CASE_UNSPECIFIED)
            return relais_cli_usage("case", "unknown ACTION '%s'", action);
    }
    if (resume && o->has_from && o->update.from_state != RELAIS_CASE_PAUSED)
        return relais_cli_usage("case", "resume: the case must be paused");
    if (!o->has_from || resume || relais_referral_handle_seq(case_id)) {
        int rc = s_learn_state(client, o, resume);
        if (rc)
            return rc;
    }
    if (note)
        o->update.to_state = o->update.from_state;
    relais_ack_t ack;
    relais_error_t err = {0};
    int rc = relais_client_case_update(client, &o->update, &ack, &err);
    if (rc && !err.status) /* refused here, before anything was sent: the detail names the field */
        return relais_cli_local("case update", rc);
    if (rc)
        return relais_cli_fail("case update", rc, &err);
    s_print_ack(o, &ack);
    return RELAIS_EXIT_OK;
}

/* A note that shares the case with a referral's referrer. */
static int s_share(relais_client_t *client, s_opts_t *o, const char *case_id, const char *handle)
{
    if (!relais_referral_handle_seq(handle))
        return relais_cli_usage("case", "share: '%s' is not a referral's handle (R-N)", handle);
    o->update.share_referral = handle;
    return s_update(client, o, case_id, "note");
}

/* ---- Options ----------------------------------------------------------------------------- */

/* 'individual|collective;description;partner;start;frequency' */
static int s_parse_action(s_opts_t *o, const char *text)
{
    size_t n = o->update.pathway_count;
    if (n >= S_MAX_ACTIONS)
        return relais_cli_usage("case", "--action: at most %d", S_MAX_ACTIONS);
    char *copy = strdup(text);
    if (!copy)
        return RELAIS_EXIT_USAGE;
    o->action_text[n] = copy;
    char *fields[5] = {NULL};
    char *p = copy;
    /* strsep keeps empty fields, so "individual;;partner" leaves the description empty, not shifted */
    for (int k = 0; k < 5 && p; k++)
        fields[k] = strsep(&p, ";");
    relais_pathway_action_t *a = &o->actions[n];
    if (!fields[0] || strcmp(fields[0], "individual") == 0)
        a->kind = RELAIS_PATHWAY_INDIVIDUAL;
    else if (strcmp(fields[0], "collective") == 0)
        a->kind = RELAIS_PATHWAY_COLLECTIVE;
    else
        return relais_cli_usage("case", "--action: kind must be individual or collective, not '%s'", fields[0]);
    if (!fields[1] || !*fields[1])
        return relais_cli_usage("case", "--action: a description is required");
    a->description = fields[1];
    a->partner = fields[2];
    a->start_date = fields[3];
    a->frequency = fields[4];
    o->update.pathway = o->actions;
    o->update.pathway_count = n + 1;
    return 0;
}

static int s_parse_state_filter(s_opts_t *o, const char *name)
{
    relais_case_state_t s = relais_case_state_from_name(name);
    if (s == RELAIS_CASE_UNSPECIFIED)
        return relais_cli_usage("case", "--state: unknown state '%s'", name);
    o->filter.states |= 1u << s;
    return 0;
}

static int s_parse_urgency(s_opts_t *o, const char *name)
{
    for (int u = RELAIS_URGENCY_ROUTINE; u <= RELAIS_URGENCY_URGENT; u++) {
        if (strcasecmp(name, relais_urgency_name((relais_urgency_t)u)) == 0) {
            o->filter.urgency = (relais_urgency_t)u;
            return 0;
        }
    }
    return relais_cli_usage("case", "--urgency: expected routine, priority or urgent");
}

static int s_option(s_opts_t *o, int c, const char *arg)
{
    relais_case_update_t *u = &o->update;
    o->filtered |= c == S_OPT_STATE || c == S_OPT_URGENCY || c == S_OPT_SCHOOL || c == S_OPT_REFERRER ||
                   c == S_OPT_OVERDUE || c == S_OPT_EXPIRING;
    switch (c) {
    case S_OPT_JSON: o->json = 1; return 0;
    case S_OPT_STATE: return s_parse_state_filter(o, arg);
    case S_OPT_URGENCY: return s_parse_urgency(o, arg);
    case S_OPT_SCHOOL: o->filter.school = arg; return 0;
    case S_OPT_REFERRER: o->filter.referrer = arg; return 0;
    case S_OPT_OVERDUE: o->filter.overdue_only = 1; return 0;
    case S_OPT_EXPIRING: {
        uint64_t days;
        if (relais_cli_parse_u64(arg, &days) != 0 || days == 0 || days > 36500)
            return relais_cli_usage("case", "--expiring: a number of days, 1 to 36500");
        o->filter.expiring_days = (unsigned)days;
        return 0;
    }
    case S_OPT_FROM:
        u->from_state = relais_case_state_from_name(arg);
        o->has_from = 1;
        return u->from_state ? 0 : relais_cli_usage("case", "--from: unknown state '%s'", arg);
    case S_OPT_REASON: u->reason_code = arg; return 0;
    case S_OPT_NOTE: u->note = arg; return 0;
    case S_OPT_DIAGNOSIS: u->diagnosis = arg; return 0;
    case S_OPT_REVIEW: u->next_review_date = arg; return 0;
    case S_OPT_REDIRECT: u->redirected_to = arg; return 0;
    case S_OPT_SUB: u->sub_status = arg; return 0;
    case S_OPT_ACTION: return s_parse_action(o, arg);
    case S_OPT_SHARE:
        if (!relais_referral_handle_seq(arg))
            return relais_cli_usage("case", "--share: '%s' is not a referral's handle (R-N)", arg);
        u->share_referral = arg;
        return 0;
    default: return relais_cli_usage("case", "unknown option");
    }
}

static int s_parse(int argc, char **argv, s_opts_t *o)
{
    static const struct option opts[] = {RELAIS_CLI_CONN_OPTIONS,
                                         {"json", no_argument, NULL, S_OPT_JSON},
                                         {"state", required_argument, NULL, S_OPT_STATE},
                                         {"urgency", required_argument, NULL, S_OPT_URGENCY},
                                         {"school", required_argument, NULL, S_OPT_SCHOOL},
                                         {"referrer", required_argument, NULL, S_OPT_REFERRER},
                                         {"overdue", no_argument, NULL, S_OPT_OVERDUE},
                                         {"expiring", required_argument, NULL, S_OPT_EXPIRING},
                                         {"from", required_argument, NULL, S_OPT_FROM},
                                         {"reason", required_argument, NULL, S_OPT_REASON},
                                         {"note", required_argument, NULL, S_OPT_NOTE},
                                         {"diagnosis", required_argument, NULL, S_OPT_DIAGNOSIS},
                                         {"review-date", required_argument, NULL, S_OPT_REVIEW},
                                         {"redirect-to", required_argument, NULL, S_OPT_REDIRECT},
                                         {"sub-status", required_argument, NULL, S_OPT_SUB},
                                         {"action", required_argument, NULL, S_OPT_ACTION},
                                         {"share", required_argument, NULL, S_OPT_SHARE},
                                         {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (relais_cli_conn_opt(&o->conn, c, optarg))
            continue;
        if (c == RELAIS_OPT_HELP) {
            fputs(s_help, stdout);
            return -1;
        }
        int rc = s_option(o, c, optarg);
        if (rc)
            return rc;
    }
    return 0;
}

/* Which options belong to which subcommand: a filter on `show` is a mistake worth saying. */
static int s_check_fit(const s_opts_t *o, const char *sub, int nargs)
{
    const relais_case_update_t *u = &o->update;
    int update_opts = o->has_from || u->reason_code || u->note || u->diagnosis || u->next_review_date ||
                      u->redirected_to || u->sub_status || u->pathway_count || u->share_referral;
    if (strcmp(sub, "list") == 0)
        return nargs == 0 && !update_opts ? 0 : relais_cli_usage("case", "list takes filters only");
    if (strcmp(sub, "show") == 0)
        return nargs == 1 && !update_opts && !o->filtered ? 0 : relais_cli_usage("case", "usage: case show CASE-ID");
    if (strcmp(sub, "update") == 0)
        return nargs == 2 && !o->filtered ? 0 : relais_cli_usage("case", "usage: case update CASE-ID ACTION [options]");
    if (strcmp(sub, "share") == 0) {
        int only_note = !o->has_from && !u->reason_code && !u->diagnosis && !u->next_review_date && !u->redirected_to &&
                        !u->sub_status && !u->pathway_count && !u->share_referral;
        return nargs == 2 && !o->filtered && only_note ? 0
                                                       : relais_cli_usage("case", "usage: case share CASE-ID R-N [--note TEXT]");
    }
    return relais_cli_usage("case", "unknown subcommand '%s' (list, show, update or share)", sub);
}

static int s_run(s_opts_t *o, const char *sub, char **args)
{
    relais_client_t *client = NULL;
    int rc = relais_cli_connect(&o->conn, NULL, 0, &client);
    if (rc)
        return rc;
    if (strcmp(sub, "list") == 0)
        rc = s_list(client, o);
    else if (strcmp(sub, "show") == 0)
        rc = s_show(client, o, args[0]);
    else if (strcmp(sub, "share") == 0)
        rc = s_share(client, o, args[0], args[1]);
    else
        rc = s_update(client, o, args[0], args[1]);
    relais_client_destroy(&client);
    return rc;
}

int relais_cmd_case(int argc, char **argv)
{
    if (argc < 2)
        return relais_cli_usage("case", "expected list, show, update or share");
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(s_help, stdout);
        return RELAIS_EXIT_OK;
    }
    s_opts_t *o = calloc(1, sizeof *o);
    if (!o)
        return RELAIS_EXIT_USAGE;
    const char *sub = argv[1];
    optind = 0;
    int rc = s_parse(argc - 1, argv + 1, o);
    if (rc == 0)
        rc = s_check_fit(o, sub, argc - 1 - optind);
    if (rc == 0)
        rc = s_run(o, sub, argv + 1 + optind);
    for (int i = 0; i < S_MAX_ACTIONS; i++)
        free(o->action_text[i]);
    free(o);
    return rc < 0 ? RELAIS_EXIT_OK : rc;
}
