/* case.c -- `relais case list|show|update`: the coordinator's work list, a case's timeline, its moves. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli_internal.h"

static const char s_help[] =
    "usage: relais case list [--state S]... [--urgency U] [--school TEXT] [--referrer TEXT] [--name TEXT]\n"
    "                        [--overdue] [--expiring DAYS] [--mine] [--sort due|updated|opened|case] [--json]\n"
    "       relais case show CASE-ID [--lang fr|en] [--json]\n"
    "       relais case update CASE-ID ACTION [--from STATE] [--reason CODE] [--note TEXT] [--diagnosis TEXT]\n"
    "                          [--review-date YYYY-MM-DD] [--redirect-to BODY] [--sub-status TEXT]\n"
    "                          [--action 'individual|collective;description;partner;start;frequency;responsible']...\n"
    "                          [--share R-N] [--owner NAME]\n"
    "       relais case share CASE-ID R-N [--note TEXT]\n"
    "       relais case dismiss CASE-ID OTHER-CASE-ID [--note TEXT]\n"
    "       relais case merge CASE-ID INTO-CASE-ID [--note TEXT]\n"
    "       relais case split CASE-ID R-N [--note TEXT]\n"
    "\n"
    "CASE-ID is a case id, C-14 (also c-14 or 14), or a referral's handle, R-57 (also r-57).\n"
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
    "Likely duplicates: when a new case may be the child of an open case (same birth date, close\n"
    "names), the hub flags it (`case list`, `case show`, `feed`) and the coordinator decides:\n"
    "`case dismiss C-14 C-9` (C-14 is not C-9's child: the flag goes away) or `case merge C-14 C-9`\n"
    "(C-14 is entered in error and merged into C-9, which takes its referrals, history and\n"
    "followers; C-14's partners see C-9's status from the merge on, never its earlier history).\n"
    "`case split C-9 R-31` moves a referral that joined C-9 but names another child into a case of\n"
    "its own (C-<n>, n the record of the hub's copy): the copy is sealed under the new case's key\n"
    "and the old one's key destroyed; R-31's referrer follows the new case under the same handle.\n"
    "\n"
    "list: the cases (a partner: its referrals), soonest due first, those without a deadline last.\n"
    "--school, --referrer and --name find text inside the school, a referring organisation and the\n"
    "child's family or given names, whatever the case and the accents (\"benali\" finds \"BÉNALI\");\n"
    "a partner searches its own referrals only. --sort updated: latest first; opened: oldest\n"
    "first; case: by number. --expiring DAYS lists the cases that leave the active base within\n"
    "DAYS days (two years after their last event, or at once when their erasure was asked;\n"
    "docs/privacy.md), with the date. --mine: only the cases the reader owns (a partner's list is\n"
    "its own referrals already: --mine changes nothing for it).\n"
    "\n"
    "update --owner NAME hands the case to NAME, an identity name of the registry (relais keygen\n"
    "NAME): the coordinator or a named professional of a partner organisation; any update may\n"
    "carry it, a note too. An --action's sixth field names the person responsible for it (\"Mme\n"
    "Roux, CMP de Sceaux\"). The coordinator and the auditors see both; a partner's views carry\n"
    "neither, even for a case it owns.\n"
    "\n"
    "show: a page to read or print: the child, each referral (referrer, description, consent), the\n"
    "family's contacts, the diagnosis, the pathway, reviews and notes, and the history, with local\n"
    "dates (the TZ environment variable sets the time zone); in French, or --lang en. A partner's\n"
    "page holds its own referral and the statuses the coordinator shared, nothing more.\n"
    "\n" RELAIS_CLI_CONN_HELP
    "  --json   machine output: one JSON object per case (list), one object (show, update),\n"
    "           times in milliseconds since 1970\n";

enum { S_OPT_JSON = RELAIS_OPT_FIRST_FREE, S_OPT_STATE, S_OPT_URGENCY, S_OPT_SCHOOL, S_OPT_REFERRER,
       S_OPT_OVERDUE, S_OPT_FROM, S_OPT_REASON, S_OPT_NOTE, S_OPT_DIAGNOSIS, S_OPT_REVIEW, S_OPT_REDIRECT,
       S_OPT_SUB, S_OPT_ACTION, S_OPT_SHARE, S_OPT_EXPIRING, S_OPT_NAME, S_OPT_SORT, S_OPT_LANG, S_OPT_MINE,
       S_OPT_OWNER };

/* The orders of a list. */
typedef enum { S_SORT_DUE = 0, S_SORT_UPDATED, S_SORT_OPENED, S_SORT_CASE } s_sort_t;

#define S_MAX_ACTIONS 16

/* Every option of the three subcommands; each subcommand refuses those not its own. */
typedef struct {
    relais_cli_conn_t conn;         /* shared flags */
    int json;                       /* --json */
    char spool[4096];               /* the identity's spool, where an update waits for the hub */
    relais_case_filter_t filter;    /* list */
    int filtered;                   /* a list filter was given */
    relais_case_update_t update;    /* update */
    int has_from;                   /* --from given */
    relais_pathway_action_t actions[S_MAX_ACTIONS];
    char *action_text[S_MAX_ACTIONS]; /* owned copies the actions point into */
    char case_id[RELAIS_CASE_ID_LEN]; /* the case an update names, as the broker gave it */
    char share[RELAIS_CASE_ID_LEN];   /* --share, or the second id of share, dismiss, merge, as the hub spells it */
    s_sort_t sort;                  /* list: --sort */
    int sorted;                     /* --sort given */
    relais_cli_lang_t lang;         /* show: --lang */
    int has_lang;                   /* --lang given */
} s_opts_t;

/* ---- Output helpers ---------------------------------------------------------------------- */

static void s_cell(const char *s, size_t width, int last)
{
    fputs(s, stdout);
    if (last)
        return;
    for (size_t i = relais_utf8_chars(s); i < width + 2; i++)
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

/* The states' names, comma-separated, for a refusal that says what is valid; `targets` leaves
 * out submitted, which no update moves a case to. */
static const char *s_state_names(char *out, size_t cap, int targets)
{
    size_t used = 0;
    out[0] = '\0';
    for (int s = targets ? RELAIS_CASE_SUBMITTED + 1 : RELAIS_CASE_SUBMITTED; s < RELAIS_CASE_STATE_COUNT && used < cap;
         s++)
        used += (size_t)snprintf(out + used, cap - used, "%s%s", used ? ", " : "", s_state((relais_case_state_t)s));
    return out;
}

static json_t *s_ids_json(const char ids[][RELAIS_CASE_ID_LEN], size_t n)
{
    json_t *list = json_array();
    for (size_t i = 0; list && i < n; i++)
        json_array_append_new(list, json_string(ids[i]));
    return list;
}

static json_t *s_summary_json(const relais_case_summary_t *c)
{
    json_t *refs = json_array();
    for (size_t i = 0; i < c->referrer_count && i < RELAIS_MAX_REFERRERS; i++)
        json_array_append_new(refs, json_string(c->referrers[i]));
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:I, s:I, s:I, s:b, s:i}", "case_id", c->case_id,
                          "state", s_state(c->state), "task_status", relais_cli_task_status(c->task_status),
                          "sub_status", c->sub_status, "reason_code", c->reason_code, "urgency", s_urgency(c->urgency),
                          "child", c->child_display, "school", c->school, "referrers", refs, "opened_ms",
                          (json_int_t)c->opened_ms, "updated_ms", (json_int_t)c->updated_ms, "due_ms",
                          (json_int_t)c->due_ms, "overdue", c->overdue, "referral_count", (int)c->referral_count);
    if (o && c->duplicate_count)
        json_object_set_new(o, "possible_duplicates", s_ids_json(c->duplicates, c->duplicate_count));
    if (o && c->merged_into[0])
        json_object_set_new(o, "merged_into", json_string(c->merged_into));
    if (o && c->merged_count)
        json_object_set_new(o, "merged_from", s_ids_json(c->merged_from, c->merged_count));
    if (o && c->split_from[0])
        json_object_set_new(o, "split_from", json_string(c->split_from));
    if (o && c->owner[0]) /* the coordinator's and the auditor's: a partner's summary has none */
        json_object_set_new(o, "owner", json_string(c->owner));
    return o;
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
    if (c->duplicate_count)
        strncat(cells[0], " *", 511 - strlen(cells[0]));
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
            if (relais_utf8_chars(cells[i][k]) > width[k])
                width[k] = relais_utf8_chars(cells[i][k]);
    for (size_t i = 0; i <= r->case_count; i++) {
        for (int k = 0; k < S_COLS; k++)
            s_cell(cells[i][k], width[k], k == S_COLS - 1);
        fputc('\n', stdout);
    }
    printf("%zu case%s\n", r->case_count, r->case_count == 1 ? "" : "s");
    for (size_t i = 0; i < r->case_count; i++) {
        const relais_case_summary_t *c = &r->cases[i];
        if (!c->duplicate_count)
            continue;
        char ids[RELAIS_MAX_DUPLICATES * RELAIS_CASE_ID_LEN * 4], safe[RELAIS_CASE_ID_LEN * 4];
        relais_cli_ids(c->duplicates, c->duplicate_count, ids, sizeof ids);
        relais_cli_safe(c->case_id, safe, sizeof safe);
        relais_cli_line(stdout, "* %s may be a duplicate of %s (same birth date, close names): relais case show %s",
                        safe, ids, safe);
    }
    free(cells);
}

/* The number of "C-14" or "R-57", for an order by number rather than by text ("C-9" < "C-10"). */
static uint64_t s_id_number(const char *id)
{
    const char *dash = strchr(id, '-');
    return dash ? strtoull(dash + 1, NULL, 10) : 0;
}

static int s_by_number(const relais_case_summary_t *a, const relais_case_summary_t *b)
{
    uint64_t x = s_id_number(a->case_id), y = s_id_number(b->case_id);
    return x < y ? -1 : x > y;
}

/* Soonest due first; the cases without a deadline (paused, closed, a partner's lines) last. */
static int s_by_due(const void *pa, const void *pb)
{
    const relais_case_summary_t *a = pa, *b = pb;
    if (a->due_ms != b->due_ms)
        return !a->due_ms ? 1 : !b->due_ms ? -1 : a->due_ms < b->due_ms ? -1 : 1;
    return s_by_number(a, b);
}

static int s_by_updated(const void *pa, const void *pb)
{
    const relais_case_summary_t *a = pa, *b = pb;
    return a->updated_ms != b->updated_ms ? (a->updated_ms > b->updated_ms ? -1 : 1) : s_by_number(a, b);
}

static int s_by_opened(const void *pa, const void *pb)
{
    const relais_case_summary_t *a = pa, *b = pb;
    return a->opened_ms != b->opened_ms ? (a->opened_ms < b->opened_ms ? -1 : 1) : s_by_number(a, b);
}

static int s_by_case(const void *pa, const void *pb)
{
    return s_by_number(pa, pb);
}

static void s_sort(relais_reply_t *r, s_sort_t sort)
{
    static int (*const by[])(const void *, const void *) = {s_by_due, s_by_updated, s_by_opened, s_by_case};
    if (r->case_count > 1)
        qsort(r->cases, r->case_count, sizeof r->cases[0], by[sort]);
}

static int s_list(relais_client_t *client, s_opts_t *o)
{
    relais_reply_t r;
    relais_error_t err;
    int rc = relais_client_case_list(client, &o->filter, &r, &err);
    if (rc)
        return relais_cli_fail("case list", rc, &err);
    s_sort(&r, o->sort);
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

/* The records as stored (no correction applied: --json is what the hub holds, signed). */
static json_t *s_detail_json(const relais_reply_t *r)
{
    json_t *timeline = relais_cli_timeline_json(r, 0);
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
    if (o->json) {
        relais_cli_print_json(stdout, s_detail_json(&r));
    } else if ((rc = relais_case_page_print(stdout, &r, o->lang)) != 0) {
        relais_reply_clear(&r);
        return relais_cli_local("case show", rc);
    }
    relais_reply_clear(&r);
    return RELAIS_EXIT_OK;
}

/* ---- update ------------------------------------------------------------------------------ */

/* Reads the case when --from was not given, or when resuming (to learn where to). */
static int s_learn_state(relais_client_t *client, s_opts_t *o, int resume)
{
    relais_reply_t r;
    relais_error_t err;
    int rc = relais_client_case_show(client, o->update.case_id, &r, &err);
    /* A partner cannot read a case by its id either: the refusal that matters is the move's. */
    const char *role = relais_client_role(client);
    if (rc && err.status == RELAIS_E_FORBIDDEN && role && strcmp(role, "coordinator") != 0)
        snprintf(err.message, sizeof err.message, "%s",
                 strcmp(role, "partner") == 0 ? "a partner cannot move a case or add to it; ask the coordinator"
                                              : "only the coordinator moves a case or adds to it");
    if (rc && (rc == RELAIS_E_UNAVAILABLE || rc == RELAIS_E_TIMEOUT) && !o->has_from && !resume)
        relais_cli_line(stderr, "relais case update: the hub does not answer, so the case's state cannot be read; "
                                "give it with --from STATE and the update is kept until the hub is back");
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
        o->update.to_state = relais_page_paused_from(&r);
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
    const relais_case_update_t *u = &o->update;
    const char *what = u->merge_into ? ", merged into " : u->dismiss_duplicate ? ", not a duplicate of "
                       : u->split_referral ? ", moved out into a case of its own: "
                       : u->share_referral ? ", shared with " : "";
    const char *other = u->merge_into ? u->merge_into : u->dismiss_duplicate ? u->dismiss_duplicate
                        : u->split_referral ? u->split_referral : u->share_referral ? u->share_referral : "";
    if (u->from_state == u->to_state)
        relais_cli_line(stdout, "%s: note in %s (#%" PRIu64 ")%s%s", u->case_id, s_state(u->from_state), ack->seq,
                        what, other);
    else
        relais_cli_line(stdout, "%s: %s -> %s (#%" PRIu64 ")%s%s", u->case_id, s_state(u->from_state),
                        s_state(u->to_state), ack->seq, what, other);
}

static int s_update(relais_client_t *client, s_opts_t *o, const char *case_id, const char *action)
{
    o->update.case_id = case_id;
    int resume = strcmp(action, "resume") == 0;
    int note = strcmp(action, "note") == 0;
    if (!resume && !note) {
        o->update.to_state = relais_case_state_from_name(action);
        char names[512];
        if (o->update.to_state == RELAIS_CASE_UNSPECIFIED)
            return relais_cli_usage("case", "unknown ACTION '%s'; expected one of: %s, resume or note", action,
                                    s_state_names(names, sizeof names, 1));
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
    /* Spooled first, then sent: an update typed while the hub is away is kept, not lost. */
    char tag[160];
    if (o->update.to_state == o->update.from_state)
        snprintf(tag, sizeof tag, "case note %s", o->update.case_id);
    else
        snprintf(tag, sizeof tag, "case update %s: %s to %s", o->update.case_id, s_state(o->update.from_state),
                 s_state(o->update.to_state));
    uint8_t id[RELAIS_MSG_ID_BYTES];
    int rc = relais_client_case_update_enqueue(client, &o->update, tag, id);
    if (rc) /* refused here, before anything was sent: the detail names the field */
        return relais_cli_local("case update", rc);
    relais_ack_t ack;
    relais_error_t err;
    int why = 0;
    rc = relais_cli_send_queued(client, id, &ack, &err, &why);
    if (rc < 0)
        return relais_cli_local("case update", rc);
    if (rc == 0)
        return relais_cli_queued("case update", why, "update", id, o->spool, o->json);
    if (err.status)
        return relais_cli_fail("case update", err.status, &err);
    s_print_ack(o, &ack);
    return RELAIS_EXIT_OK;
}

/* The coordinator's decisions on a case that name a second case or referral: each an update
 * with one field set, sent as a note, or to entered-in-error for a merge. */
typedef struct {
    const char *name;   /* the subcommand */
    unsigned ref_kind;  /* what its second argument names */
    const char *action; /* the update it sends */
    const char *usage;
} s_decision_t;

static const s_decision_t s_decisions[] = {
    {"share", RELAIS_CLI_REF_HANDLE, "note", "case share CASE-ID R-N [--note TEXT]"},
    {"dismiss", RELAIS_CLI_REF_CASE, "note", "case dismiss CASE-ID OTHER-CASE-ID [--note TEXT]"},
    {"merge", RELAIS_CLI_REF_CASE, "entered-in-error", "case merge CASE-ID INTO-CASE-ID [--note TEXT]"},
    {"split", RELAIS_CLI_REF_HANDLE, "note", "case split CASE-ID R-N [--note TEXT]"},
};

static const s_decision_t *s_decision(const char *sub)
{
    for (size_t i = 0; i < sizeof s_decisions / sizeof s_decisions[0]; i++)
        if (strcmp(s_decisions[i].name, sub) == 0)
            return &s_decisions[i];
    return NULL;
}

static int s_decide(relais_client_t *client, s_opts_t *o, const s_decision_t *d, const char *case_id)
{
    if (strcmp(d->name, "share") == 0)
        o->update.share_referral = o->share;
    else if (strcmp(d->name, "dismiss") == 0)
        o->update.dismiss_duplicate = o->share;
    else if (strcmp(d->name, "split") == 0)
        o->update.split_referral = o->share;
    else
        o->update.merge_into = o->share;
    return s_update(client, o, case_id, d->action);
}

/* ---- Options ----------------------------------------------------------------------------- */

/* 'individual|collective;description;partner;start;frequency;responsible' */
static int s_parse_action(s_opts_t *o, const char *text)
{
    size_t n = o->update.pathway_count;
    if (n >= S_MAX_ACTIONS)
        return relais_cli_usage("case", "--action: at most %d", S_MAX_ACTIONS);
    char *copy = strdup(text);
    if (!copy)
        return RELAIS_EXIT_USAGE;
    o->action_text[n] = copy;
    char *fields[6] = {NULL};
    char *p = copy;
    /* strsep keeps empty fields, so "individual;;partner" leaves the description empty, not shifted */
    for (int k = 0; k < 5 && p; k++)
        fields[k] = strsep(&p, ";");
    fields[5] = p; /* the responsible person: the rest, a ';' in a name included */
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
    if (fields[3] && *fields[3] && !relais_calendar_date(fields[3], NULL, NULL, NULL))
        return relais_cli_usage("case", "--action: start date '%s' is not a date; expected YYYY-MM-DD", fields[3]);
    a->start_date = fields[3];
    a->frequency = fields[4];
    a->responsible = fields[5];
    o->update.pathway = o->actions;
    o->update.pathway_count = n + 1;
    return 0;
}

static int s_parse_state_filter(s_opts_t *o, const char *name)
{
    relais_case_state_t s = relais_case_state_from_name(name);
    char names[512];
    if (s == RELAIS_CASE_UNSPECIFIED)
        return relais_cli_usage("case", "--state: unknown state '%s'; expected one of: %s", name,
                                s_state_names(names, sizeof names, 0));
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

static int s_parse_sort(s_opts_t *o, const char *name)
{
    static const char *const names[] = {"due", "updated", "opened", "case"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcasecmp(name, names[i]) == 0) {
            o->sort = (s_sort_t)i;
            o->sorted = 1;
            return 0;
        }
    }
    return relais_cli_usage("case", "--sort: expected due, updated, opened or case");
}

static int s_parse_lang(s_opts_t *o, const char *name)
{
    o->has_lang = 1;
    return relais_cli_lang_parse(name, &o->lang) ? relais_cli_usage("case", "%s", relais_status_detail()) : 0;
}

static int s_option(s_opts_t *o, int c, const char *arg)
{
    relais_case_update_t *u = &o->update;
    o->filtered |= c == S_OPT_STATE || c == S_OPT_URGENCY || c == S_OPT_SCHOOL || c == S_OPT_REFERRER ||
                   c == S_OPT_OVERDUE || c == S_OPT_EXPIRING || c == S_OPT_NAME || c == S_OPT_MINE;
    switch (c) {
    case S_OPT_JSON: o->json = 1; return 0;
    case S_OPT_STATE: return s_parse_state_filter(o, arg);
    case S_OPT_URGENCY: return s_parse_urgency(o, arg);
    case S_OPT_SCHOOL: o->filter.school = arg; return 0;
    case S_OPT_REFERRER: o->filter.referrer = arg; return 0;
    case S_OPT_NAME: o->filter.name = arg; return 0;
    case S_OPT_SORT: return s_parse_sort(o, arg);
    case S_OPT_LANG: return s_parse_lang(o, arg);
    case S_OPT_OVERDUE: o->filter.overdue_only = 1; return 0;
    case S_OPT_MINE: o->filter.mine = 1; return 0;
    case S_OPT_EXPIRING: {
        uint64_t days;
        if (relais_cli_parse_u64(arg, &days) != 0 || days == 0 || days > 36500)
            return relais_cli_usage("case", "--expiring: a number of days, 1 to 36500");
        o->filter.expiring_days = (unsigned)days;
        return 0;
    }
    case S_OPT_FROM: {
        char names[512];
        u->from_state = relais_case_state_from_name(arg);
        o->has_from = 1;
        return u->from_state ? 0
                             : relais_cli_usage("case", "--from: unknown state '%s'; expected one of: %s", arg,
                                                s_state_names(names, sizeof names, 0));
    }
    case S_OPT_REASON: u->reason_code = arg; return 0;
    case S_OPT_NOTE: u->note = arg; return 0;
    case S_OPT_DIAGNOSIS: u->diagnosis = arg; return 0;
    case S_OPT_REVIEW:
        /* said here, naming the option, rather than by the hub naming the message's field */
        if (!relais_calendar_date(arg, NULL, NULL, NULL))
            return relais_cli_usage("case", "--review-date: '%s' is not a date; expected YYYY-MM-DD", arg);
        u->next_review_date = arg;
        return 0;
    case S_OPT_REDIRECT: u->redirected_to = arg; return 0;
    case S_OPT_SUB: u->sub_status = arg; return 0;
    case S_OPT_OWNER: u->owner = arg; return 0;
    case S_OPT_ACTION: return s_parse_action(o, arg);
    case S_OPT_SHARE:
        if (relais_cli_case_ref(arg, RELAIS_CLI_REF_HANDLE, o->share, sizeof o->share) != 0)
            return relais_cli_usage("case", "--share: %s", relais_status_detail());
        u->share_referral = o->share;
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
                                         {"name", required_argument, NULL, S_OPT_NAME},
                                         {"sort", required_argument, NULL, S_OPT_SORT},
                                         {"lang", required_argument, NULL, S_OPT_LANG},
                                         {"mine", no_argument, NULL, S_OPT_MINE},
                                         {"owner", required_argument, NULL, S_OPT_OWNER},
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
                      u->redirected_to || u->sub_status || u->pathway_count || u->share_referral || u->owner;
    if (strcmp(sub, "list") == 0)
        return nargs == 0 && !update_opts && !o->has_lang ? 0
                                                          : relais_cli_usage("case", "list takes filters and --sort only");
    if (o->sorted)
        return relais_cli_usage("case", "--sort is for list");
    if (strcmp(sub, "show") == 0)
        return nargs == 1 && !update_opts && !o->filtered ? 0 : relais_cli_usage("case", "usage: case show CASE-ID");
    if (o->has_lang)
        return relais_cli_usage("case", "--lang is for show");
    if (strcmp(sub, "update") == 0)
        return nargs == 2 && !o->filtered ? 0 : relais_cli_usage("case", "usage: case update CASE-ID ACTION [options]");
    const s_decision_t *d = s_decision(sub);
    if (d) {
        int only_note = !o->has_from && !u->reason_code && !u->diagnosis && !u->next_review_date && !u->redirected_to &&
                        !u->sub_status && !u->pathway_count && !u->share_referral && !u->owner;
        return nargs == 2 && !o->filtered && only_note ? 0 : relais_cli_usage("case", "usage: %s", d->usage);
    }
    return relais_cli_usage("case", "unknown subcommand '%s' (list, show, update, share, dismiss, merge or split)", sub);
}

/* The ids as the hub spells them, checked before anything is sent: "c-14" and "14" are C-14. */
static int s_check_ids(s_opts_t *o, const char *sub, char **args, char *target, size_t cap)
{
    if (strcmp(sub, "list") == 0)
        return 0;
    if (relais_cli_case_ref(args[0], RELAIS_CLI_REF_CASE | RELAIS_CLI_REF_HANDLE, target, cap) != 0)
        return relais_cli_usage("case", "%s", relais_status_detail());
    const s_decision_t *d = s_decision(sub);
    if (d && relais_cli_case_ref(args[1], d->ref_kind, o->share, sizeof o->share) != 0)
        return relais_cli_usage("case", "%s: %s", sub, relais_status_detail());
    return 0;
}

static int s_run(s_opts_t *o, const char *sub, char **args)
{
    char target[RELAIS_CASE_ID_LEN];
    int rc = s_check_ids(o, sub, args, target, sizeof target);
    if (rc)
        return rc;
    relais_client_t *client = NULL;
    int writes = strcmp(sub, "list") != 0 && strcmp(sub, "show") != 0;
    if (writes && (rc = relais_cli_default_spool(&o->conn, "case", o->spool, sizeof o->spool)) != 0)
        return rc;
    if ((rc = relais_cli_connect(&o->conn, writes ? o->spool : NULL, 0, &client)) != 0)
        return rc;
    if (strcmp(sub, "list") == 0)
        rc = s_list(client, o);
    else if (strcmp(sub, "show") == 0)
        rc = s_show(client, o, target);
    else if (s_decision(sub))
        rc = s_decide(client, o, s_decision(sub), target);
    else
        rc = s_update(client, o, target, args[1]);
    relais_client_destroy(&client);
    return rc;
}

int relais_cmd_case(int argc, char **argv)
{
    if (argc < 2)
        return relais_cli_usage("case", "expected list, show, update, share, dismiss, merge or split");
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
