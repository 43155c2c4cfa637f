/* meeting.c -- `relais meeting record|list|show|agenda`: the partnership meeting (the town's "instance
 * partenariale de suivi des situations individuelles"), its decisions recorded in the cases it
 * reviewed, its pages, and the agenda of the next one.
 *
 * A meeting is not a message of its own: it is one signed record per case reviewed, each an event
 * of its case (sealed under the case's key, in its history, gone with it), sharing the meeting's
 * id, date and attendees. The hub's meetings' index finds them again for `list` and `show`.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "cli_internal.h"

static const char s_help[] =
    "usage: relais meeting record --date YYYY-MM-DD --present 'name;role;organisation'...\n"
    "                             --case 'C-ID;decision[;next-review YYYY-MM-DD]'... [--id TAG|M-ID] [--json]\n"
    "       relais meeting list [--lang fr|en] [--json]\n"
    "       relais meeting show M-ID [--lang fr|en] [--json]\n"
    "       relais meeting agenda [--date YYYY-MM-DD] [--lang fr|en] [--json]\n"
    "\n"
    "The partnership meeting (instance partenariale de suivi des situations individuelles): the\n"
    "coordinator records what it decided for each case it reviewed; the coordinator and the\n"
    "auditors read it back. A partner reads nothing of it: a referral that follows a case sees\n"
    "its status after the meeting, as after a note, never the decision.\n"
    "\n"
    "record: one signed record per --case, each sharing the meeting's id (M-YYYYMMDD-TAG, from\n"
    "--date and a random TAG, or --id), its date and the professionals --present (1 to 30; the\n"
    "organisation is required, the name and the role may be left empty). Each record is an event\n"
    "of its case, which keeps its state; its next review date, when given, is the case's from then\n"
    "on. A closed case, one entered in error or merged, and a case that does not exist are refused,\n"
    "each on its own: the others are recorded all the same. To add a case to a meeting recorded\n"
    "before, give its id with --id. A decision that holds ';' ends with ';' (then the review date,\n"
    "if any).\n"
    "\n"
    "list: the meetings, oldest first, with the number of cases each reviewed.\n"
    "show: a page to read or print: the date, the professionals present, each case reviewed with\n"
    "its child's short name, its state now, the decision and the next review.\n"
    "agenda: what the next meeting, on --date (today unless given), has to look at, from the case\n"
    "list: the cases overdue (past their triage target or review date), the cases due for review by\n"
    "that date, and the new referrals (still submitted) received since the last meeting's date (all\n"
    "of them before any meeting). Each case is in one section: an overdue one is not repeated.\n"
    "\n"
    "Pages are in French, or --lang en, with local dates (the TZ environment variable).\n"
    "\n" RELAIS_CLI_CONN_HELP
    "  --json   machine output: one JSON object per record (record), per meeting (list), one object\n"
    "           (show, agenda); times in milliseconds since 1970\n";

enum { S_OPT_JSON = RELAIS_OPT_FIRST_FREE, S_OPT_DATE, S_OPT_PRESENT, S_OPT_CASE, S_OPT_ID, S_OPT_LANG };

#define S_MAX_PRESENT 30 /* the hub's own limit */
#define S_MAX_CASES 100  /* cases one command records */
#define S_TAG_BYTES 2    /* a random tag: 4 hex digits, enough to tell a day's meetings apart */

typedef struct {
    char case_id[RELAIS_CASE_ID_LEN];
    char *text; /* owned copy the decision and the review date point into */
    const char *decision;
    const char *review; /* NULL when none */
} s_case_t;

typedef struct {
    relais_cli_conn_t conn;
    int json;
    char spool[4096]; /* the identity's spool, where decisions wait for the hub */
    char date[16]; /* --date, or the id's date, or today (agenda) */
    const char *id;
    relais_cli_lang_t lang;
    int has_lang;
    relais_attendee_t present[S_MAX_PRESENT];
    char *present_text[S_MAX_PRESENT];
    size_t present_count;
    s_case_t cases[S_MAX_CASES];
    size_t case_count;
} s_opts_t;

/* French or English, one literal each. */
#define S_T(o, fr, en) ((o)->lang == RELAIS_CLI_EN ? (en) : (fr))

/* ---- Options ----------------------------------------------------------------------------------- */

/* Splits `text` at its ';' into at most `max` fields (the last keeps any further ';'). */
static size_t s_split(char *text, char **fields, size_t max)
{
    size_t n = 0;
    fields[n++] = text;
    for (char *p = text; *p && n < max; p++)
        if (*p == ';') {
            *p = '\0';
            fields[n++] = p + 1;
        }
    return n;
}

static int s_present(s_opts_t *o, const char *arg)
{
    if (o->present_count == S_MAX_PRESENT)
        return relais_cli_usage("meeting", "--present: at most %d professionals", S_MAX_PRESENT);
    char *copy = strdup(arg), *f[4];
    if (!copy)
        return relais_cli_local("meeting", RELAIS_E_NOMEM);
    if (s_split(copy, f, 4) != 3 || !*f[2]) {
        free(copy);
        return relais_cli_usage("meeting", "--present: expected 'name;role;organisation' (the organisation "
                                           "required)");
    }
    o->present_text[o->present_count] = copy;
    o->present[o->present_count++] = (relais_attendee_t){.name = f[0], .role = f[1], .organisation = f[2]};
    return 0;
}

/* "C-12;decision[;YYYY-MM-DD]": the case as the hub spells it, the decision (which may hold ';'
 * when a last field follows), the review date. */
static int s_case(s_opts_t *o, const char *arg)
{
    if (o->case_count == S_MAX_CASES)
        return relais_cli_usage("meeting", "--case: at most %d cases at once", S_MAX_CASES);
    s_case_t *c = &o->cases[o->case_count];
    char *copy = strdup(arg);
    if (!copy)
        return relais_cli_local("meeting", RELAIS_E_NOMEM);
    c->text = copy;
    o->case_count++;
    char *semi = strchr(copy, ';'), *last = semi ? strrchr(semi + 1, ';') : NULL;
    if (!semi || !semi[1])
        return relais_cli_usage("meeting", "--case: expected 'C-ID;decision[;YYYY-MM-DD]'");
    *semi = '\0';
    if (relais_cli_case_ref(copy, RELAIS_CLI_REF_CASE, c->case_id, sizeof c->case_id) != 0)
        return relais_cli_usage("meeting", "--case: %s", relais_status_detail());
    c->decision = semi + 1;
    if (last) {
        *last = '\0';
        c->review = last[1] ? last + 1 : NULL;
    }
    if (c->review && !relais_calendar_date(c->review, NULL, NULL, NULL))
        return relais_cli_usage("meeting", "--case %s: next review '%s' is not a date; expected YYYY-MM-DD (a decision "
                                           "that holds ';' ends with ';')", c->case_id, c->review);
    return *c->decision ? 0 : relais_cli_usage("meeting", "--case %s: the decision is empty", c->case_id);
}

static int s_option(s_opts_t *o, int c, const char *arg)
{
    switch (c) {
    case RELAIS_OPT_HELP: fputs(s_help, stdout); return -1;
    case S_OPT_JSON: o->json = 1; return 0;
    case S_OPT_DATE:
        if (!relais_calendar_date(arg, NULL, NULL, NULL))
            return relais_cli_usage("meeting", "--date: '%s' is not a date; expected YYYY-MM-DD", arg);
        snprintf(o->date, sizeof o->date, "%s", arg);
        return 0;
    case S_OPT_PRESENT: return s_present(o, arg);
    case S_OPT_CASE: return s_case(o, arg);
    case S_OPT_ID: o->id = arg; return 0;
    case S_OPT_LANG:
        o->has_lang = 1;
        return relais_cli_lang_parse(arg, &o->lang) ? relais_cli_usage("meeting", "%s", relais_status_detail()) : 0;
    default: return relais_cli_usage("meeting", "unknown option or missing value");
    }
}

static int s_parse(int argc, char **argv, s_opts_t *o)
{
    static const struct option opts[] = {RELAIS_CLI_CONN_OPTIONS,
                                         {"json", no_argument, NULL, S_OPT_JSON},
                                         {"date", required_argument, NULL, S_OPT_DATE},
                                         {"present", required_argument, NULL, S_OPT_PRESENT},
                                         {"case", required_argument, NULL, S_OPT_CASE},
                                         {"id", required_argument, NULL, S_OPT_ID},
                                         {"lang", required_argument, NULL, S_OPT_LANG},
                                         {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (relais_cli_conn_opt(&o->conn, c, optarg))
            continue;
        int rc = s_option(o, c, optarg);
        if (rc)
            return rc;
    }
    return 0;
}

/* Which options each subcommand takes, and its arguments. */
static int s_check(const s_opts_t *o, const char *sub, int nargs)
{
    int record_opts = o->present_count || o->case_count || o->id;
    if (strcmp(sub, "record") == 0) {
        if (nargs || o->has_lang)
            return relais_cli_usage("meeting", "record takes options only, and no --lang");
        if (!o->date[0] && !(o->id && relais_meeting_id_valid(o->id, NULL)))
            return relais_cli_usage("meeting", "record needs --date (or --id M-YYYYMMDD-TAG)");
        return o->present_count && o->case_count
                   ? 0
                   : relais_cli_usage("meeting", "record needs --present (who was there) and --case (what was decided)");
    }
    if (record_opts)
        return relais_cli_usage("meeting", "--present, --case and --id are for record");
    if (strcmp(sub, "list") == 0)
        return nargs == 0 && !o->date[0] ? 0 : relais_cli_usage("meeting", "list takes --lang and --json");
    if (strcmp(sub, "show") == 0)
        return nargs == 1 && !o->date[0] ? 0 : relais_cli_usage("meeting", "show takes one meeting id (M-...)");
    if (strcmp(sub, "agenda") == 0)
        return nargs == 0 ? 0 : relais_cli_usage("meeting", "agenda takes options only");
    return relais_cli_usage("meeting", "unknown subcommand '%s' (record, list, show or agenda)", sub);
}

/* ---- record ------------------------------------------------------------------------------------ */

/* The meeting's id: --id as given (M-...) or as its tag, else a random tag; the date's. */
static int s_meeting_id(s_opts_t *o, char *out, size_t cap)
{
    if (o->id && o->id[0] == 'M') {
        char date[16];
        relais_meeting_id_date(o->id, date);
        if (!relais_meeting_id_valid(o->id, o->date[0] ? o->date : NULL))
            return relais_cli_usage("meeting", "--id: '%s' is not a meeting id of %s; expected M-YYYYMMDD-TAG",
                                    o->id, o->date[0] ? o->date : "a date");
        snprintf(o->date, sizeof o->date, "%s", date);
        snprintf(out, cap, "%s", o->id);
        return 0;
    }
    char tag[2 * S_TAG_BYTES + 1];
    if (!o->id) {
        uint8_t bytes[S_TAG_BYTES];
        if (RAND_bytes(bytes, sizeof bytes) != 1)
            return relais_cli_local("meeting record", RELAIS_E_CRYPTO);
        relais_hex_encode(bytes, sizeof bytes, tag);
    }
    snprintf(out, cap, "M-%.4s%.2s%.2s-%s", o->date, o->date + 5, o->date + 8, o->id ? o->id : tag);
    if (!relais_meeting_id_valid(out, o->date))
        return relais_cli_usage("meeting", "--id: '%s' is no tag; expected 1 to 16 lower-case letters or digits",
                                o->id);
    return 0;
}

static void s_print_ack(const s_opts_t *o, const char *meeting_id, const s_case_t *c, const relais_ack_t *ack)
{
    char id[2 * RELAIS_MSG_ID_BYTES + 1], leaf[65];
    relais_hex_encode(ack->msg_id, sizeof ack->msg_id, id);
    relais_hex_encode(ack->leaf_hash, sizeof ack->leaf_hash, leaf);
    if (o->json)
        relais_cli_print_json(stdout, json_pack("{s:s, s:s, s:s, s:I, s:s, s:s, s:b}", "meeting_id", meeting_id, "date",
                                                o->date, "case_id", c->case_id, "seq", (json_int_t)ack->seq, "msg_id",
                                                id, "leaf_hash", leaf, "duplicate", ack->duplicate));
    else
        relais_cli_line(stdout, "%s: recorded for meeting %s (#%" PRIu64 ")%s", c->case_id, meeting_id, ack->seq,
                        ack->duplicate ? ", already stored" : "");
}

static int s_record(relais_client_t *client, s_opts_t *o)
{
    char meeting_id[RELAIS_MEETING_ID_LEN];
    int rc = s_meeting_id(o, meeting_id, sizeof meeting_id);
    if (rc)
        return rc;
    size_t stored = 0, queued = 0;
    int refused = 0, why = 0;
    for (size_t i = 0; i < o->case_count; i++) {
        const s_case_t *c = &o->cases[i];
        relais_meeting_record_t m = {.meeting_id = meeting_id,
                                     .date = o->date,
                                     .present = o->present,
                                     .present_count = o->present_count,
                                     .case_id = c->case_id,
                                     .decision = c->decision,
                                     .next_review_date = c->review};
        /* Spooled first: a meeting's decisions typed while the hub is away are kept, not lost. */
        char tag[RELAIS_MEETING_ID_LEN + RELAIS_CASE_ID_LEN + 16], what[RELAIS_CASE_ID_LEN + 32];
        snprintf(tag, sizeof tag, "meeting %s: %s", meeting_id, c->case_id);
        snprintf(what, sizeof what, "meeting record %s", c->case_id);
        uint8_t id[RELAIS_MSG_ID_BYTES];
        rc = relais_client_meeting_record_enqueue(client, &m, tag, id);
        if (rc)
            return relais_cli_local("meeting record", rc); /* not spooled: the others would fail alike */
        if (queued) { /* the hub did not answer for an earlier case: no use waiting again */
            relais_cli_queued(what, why, "decision", id, o->spool, o->json);
            queued++;
            continue;
        }
        relais_ack_t ack;
        relais_error_t err;
        rc = relais_cli_send_queued(client, id, &ack, &err, &why);
        if (rc < 0)
            return relais_cli_local("meeting record", rc);
        if (rc == 0) {
            relais_cli_queued(what, why, "decision", id, o->spool, o->json);
            queued++;
            continue;
        }
        /* Each case on its own: a refusal (a case closed since) does not hold the others back. */
        if (err.status) {
            relais_cli_fail(what, err.status, &err);
            refused = 1;
            continue;
        }
        s_print_ack(o, meeting_id, c, &ack);
        stored++;
    }
    if (!o->json)
        relais_cli_line(stdout, "meeting %s of %s: %zu of %zu case%s recorded%s", meeting_id, o->date, stored,
                        o->case_count, o->case_count == 1 ? "" : "s", queued ? ", the others queued" : "");
    return refused ? RELAIS_EXIT_REFUSED : queued ? RELAIS_EXIT_QUEUED : RELAIS_EXIT_OK;
}

/* ---- list -------------------------------------------------------------------------------------- */

static int s_list(relais_client_t *client, const s_opts_t *o)
{
    relais_reply_t r;
    relais_error_t err;
    int rc = relais_client_meeting_list(client, &r, &err);
    if (rc)
        return relais_cli_fail("meeting list", rc, &err);
    char date[16], shown[64], when[64];
    if (!o->json)
        relais_cli_line(stdout, "%-22s %-12s %s", S_T(o, "INSTANCE", "MEETING"), "DATE", S_T(o, "DOSSIERS", "CASES"));
    for (size_t i = 0; i < r.case_count; i++) {
        const relais_case_summary_t *m = &r.cases[i];
        relais_meeting_id_date(m->case_id, date);
        if (o->json) {
            relais_cli_print_json(stdout, json_pack("{s:s, s:s, s:i}", "meeting_id", m->case_id, "date", date,
                                                    "cases", (int)m->referral_count));
            continue;
        }
        relais_cli_date(date, o->lang, when, sizeof when);
        relais_cli_line(stdout, "%-22s %-12s %u", relais_cli_safe(m->case_id, shown, sizeof shown), when,
                        m->referral_count);
    }
    if (!o->json)
        relais_cli_line(stdout, S_T(o, "%zu instance%s", "%zu meeting%s"), r.case_count, r.case_count == 1 ? "" : "s");
    relais_reply_clear(&r);
    return RELAIS_EXIT_OK;
}

/* ---- show -------------------------------------------------------------------------------------- */

static json_t *s_meeting_of(json_t *entry)
{
    return json_object_get(json_object_get(entry, "message"), "meeting");
}

static const char *s_text(json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v ? v : "";
}

static void s_print_present(FILE *out, int indent, const char *label, json_t *present)
{
    size_t i;
    json_t *a;
    char who[1024];
    json_array_foreach(present, i, a)
    {
        relais_page_attendee(a, who, sizeof who);
        if (*label)
            relais_page_field(out, indent, i ? "" : label, who);
        else
            relais_cli_line(out, "%*s%s", indent, "", who);
    }
}

/* The page: the meeting, who was there, then each case reviewed and what was decided. */
static void s_show_page(const s_opts_t *o, const relais_reply_t *r, json_t *timeline)
{
    char date[16], when[64], title[256], line[512], num[32];
    json_t *first = s_meeting_of(json_array_get(timeline, 0));
    relais_meeting_id_date(r->cases[0].case_id, date);
    relais_cli_date(date, o->lang, when, sizeof when);
    snprintf(title, sizeof title,
             S_T(o, "Instance partenariale de suivi des situations individuelles du %s",
                 "Partnership meeting (instance partenariale de suivi des situations individuelles) of %s"),
             when);
    relais_page_title(stdout, title);
    relais_page_field(stdout, 2, S_T(o, "Instance", "Meeting"), r->cases[0].case_id);
    relais_page_field(stdout, 2, "Date", when);
    snprintf(line, sizeof line, "%zu", r->record_count);
    relais_page_field(stdout, 2, S_T(o, "Dossiers examinés", "Cases reviewed"), line);
    relais_page_heading(stdout, S_T(o, "Présents", "Present"));
    s_print_present(stdout, 2, "", json_object_get(first, "present"));
    relais_page_heading(stdout, S_T(o, "Dossiers examinés", "Cases reviewed"));
    for (size_t i = 0; i < r->record_count && 1 + i < r->case_count; i++) {
        json_t *entry = json_array_get(timeline, i), *m = s_meeting_of(entry);
        const relais_case_summary_t *c = &r->cases[1 + i];
        if (i)
            fputc('\n', stdout);
        snprintf(line, sizeof line, "%s%s%s", c->case_id, *c->child_display ? " \xe2\x80\x94 " : "", c->child_display);
        relais_cli_line(stdout, "  %s", line);
        relais_page_field(stdout, 4, S_T(o, "État actuel", "State now"), relais_page_state(c->state, o->lang));
        /* Attendees differ from the first record's only when a case was added to the meeting later. */
        if (!json_equal(json_object_get(m, "present"), json_object_get(first, "present")))
            s_print_present(stdout, 4, S_T(o, "Présents", "Present"), json_object_get(m, "present"));
        relais_page_text(stdout, 4, S_T(o, "Décision", "Decision"), s_text(m, "decision"));
        relais_cli_date(s_text(m, "next_review_date"), o->lang, when, sizeof when);
        relais_page_field(stdout, 4, S_T(o, "Prochain bilan le", "Next review"),
                          *s_text(m, "next_review_date") ? when : "");
        relais_cli_date_time((int64_t)json_integer_value(json_object_get(entry, "received_ms")), o->lang, when,
                             sizeof when);
        snprintf(num, sizeof num, S_T(o, "n° %" JSON_INTEGER_FORMAT, "#%" JSON_INTEGER_FORMAT),
                 json_integer_value(json_object_get(entry, "seq")));
        snprintf(line, sizeof line, "%s (%s, %s)", when, num,
                 s_text(json_object_get(json_object_get(entry, "message"), "header"), "sender"));
        relais_page_field(stdout, 4, S_T(o, "Enregistré le", "Recorded"), line);
    }
}

static json_t *s_show_json(const relais_reply_t *r, json_t *timeline)
{
    char date[16];
    relais_meeting_id_date(r->cases[0].case_id, date);
    json_t *cases = json_array();
    for (size_t i = 0; i < r->record_count && 1 + i < r->case_count; i++) {
        json_t *entry = json_array_get(timeline, i), *m = s_meeting_of(entry);
        const relais_case_summary_t *c = &r->cases[1 + i];
        const char *state = relais_case_state_name(c->state);
        json_t *item = json_pack("{s:s, s:s, s:s, s:s, s:O, s:O}", "case_id", c->case_id, "child", c->child_display,
                                 "state", state ? state : "?", "decision", s_text(m, "decision"), "seq",
                                 json_object_get(entry, "seq"), "received_ms", json_object_get(entry, "received_ms"));
        if (item && *s_text(m, "next_review_date"))
            json_object_set_new(item, "next_review_date", json_string(s_text(m, "next_review_date")));
        json_array_append_new(cases, item);
    }
    json_t *present = json_object_get(s_meeting_of(json_array_get(timeline, 0)), "present");
    return json_pack("{s:s, s:s, s:O, s:o, s:O}", "meeting_id", r->cases[0].case_id, "date", date, "present",
                     present ? present : json_null(), "cases", cases, "records", timeline);
}

static int s_show(relais_client_t *client, const s_opts_t *o, const char *meeting_id)
{
    relais_reply_t r;
    relais_error_t err;
    int rc = relais_client_meeting_show(client, meeting_id, &r, &err);
    if (rc)
        return relais_cli_fail("meeting show", rc, &err);
    json_t *timeline = r.case_count && r.record_count ? relais_cli_timeline_json(&r, 0) : NULL;
    if (!timeline) {
        relais_reply_clear(&r);
        return relais_cli_local("meeting show", relais_status_set(RELAIS_E_MALFORMED, "the hub sent no record of %s",
                                                                  meeting_id));
    }
    if (o->json)
        relais_cli_print_json(stdout, s_show_json(&r, timeline));
    else
        s_show_page(o, &r, timeline);
    json_decref(timeline);
    relais_reply_clear(&r);
    return fflush(stdout) == 0 ? RELAIS_EXIT_OK : relais_cli_local("meeting show", RELAIS_E_IO);
}

/* ---- agenda ------------------------------------------------------------------------------------ */

static json_t *s_agenda_case_json(const relais_case_summary_t *c)
{
    const char *state = relais_case_state_name(c->state), *urgency = relais_urgency_name(c->urgency);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:b}", "case_id", c->case_id, "child", c->child_display,
                     "state", state ? state : "?", "urgency", urgency ? urgency : "-", "school", c->school, "opened_ms",
                     (json_int_t)c->opened_ms, "due_ms", (json_int_t)c->due_ms, "overdue", c->overdue);
}

static void s_agenda_text(const s_opts_t *o, const relais_agenda_t *a)
{
    char when[64], title[256], since[64], heading[256], what[1024];
    relais_cli_date(o->date, o->lang, when, sizeof when);
    snprintf(title, sizeof title, S_T(o, "Instance partenariale du %s \xe2\x80\x94 ordre du jour",
                                      "Partnership meeting of %s \xe2\x80\x94 agenda"), when);
    relais_page_title(stdout, title);
    relais_cli_date(a->last_date, o->lang, since, sizeof since);
    if (a->last[0])
        snprintf(heading, sizeof heading, S_T(o, "%s, le %s", "%s, on %s"), a->last, since);
    relais_page_field(stdout, 2, S_T(o, "Dernière instance", "Last meeting"),
                      a->last[0] ? heading : S_T(o, "aucune", "none"));
    static const char *const fr[RELAIS_AGENDA_SECTIONS] = {"Dossiers en retard", "Dossiers à revoir",
                                                           "Nouveaux signalements"};
    static const char *const en[RELAIS_AGENDA_SECTIONS] = {"Overdue cases", "Cases due for review", "New referrals"};
    for (int s = 0; s < RELAIS_AGENDA_SECTIONS; s++) {
        if (s == RELAIS_AGENDA_NEW && a->last[0])
            snprintf(heading, sizeof heading, S_T(o, "%s depuis le %s (%zu)", "%s since %s (%zu)"), S_T(o, fr[s], en[s]),
                     since, a->count[s]);
        else
            snprintf(heading, sizeof heading, "%s (%zu)", S_T(o, fr[s], en[s]), a->count[s]);
        relais_page_heading(stdout, heading);
        for (size_t i = 0; i < a->count[s]; i++) {
            relais_agenda_words((relais_agenda_section_t)s, a->by[s][i], o->lang, what, sizeof what);
            relais_page_field(stdout, 2, a->by[s][i]->case_id, what);
        }
        if (!a->count[s])
            relais_cli_line(stdout, "  %s", S_T(o, "Aucun.", "None."));
    }
}

static json_t *s_agenda_json(const relais_agenda_t *a)
{
    static const char *const keys[RELAIS_AGENDA_SECTIONS] = {"overdue", "due_for_review", "new_referrals"};
    json_t *root = json_pack("{s:s, s:o}", "date", a->date, "last_meeting",
                             a->last[0] ? json_pack("{s:s, s:s}", "meeting_id", a->last, "date", a->last_date)
                                        : json_null());
    for (int s = 0; root && s < RELAIS_AGENDA_SECTIONS; s++) {
        json_t *list = json_array();
        for (size_t i = 0; i < a->count[s]; i++)
            json_array_append_new(list, s_agenda_case_json(a->by[s][i]));
        json_object_set_new(root, keys[s], list);
    }
    return root;
}

static int s_agenda(relais_client_t *client, s_opts_t *o)
{
    relais_agenda_t a;
    relais_error_t err;
    const char *which = "";
    int rc = relais_agenda_read(client, o->date, NULL, &a, &err, &which);
    if (rc == RELAIS_E_NOMEM || rc == RELAIS_E_INVALID)
        return relais_cli_local("meeting agenda", rc);
    if (rc) {
        char what[64];
        snprintf(what, sizeof what, "meeting agenda: %s", which);
        return relais_cli_fail(what, rc, &err);
    }
    if (o->json)
        relais_cli_print_json(stdout, s_agenda_json(&a));
    else
        s_agenda_text(o, &a);
    relais_agenda_clear(&a);
    return RELAIS_EXIT_OK;
}

/* ---- The command ------------------------------------------------------------------------------- */

static int s_run(s_opts_t *o, const char *sub, char **args)
{
    char meeting_id[RELAIS_MEETING_ID_LEN] = "";
    if (strcmp(sub, "show") == 0 && !relais_meeting_id_valid(args[0], NULL))
        return relais_cli_usage("meeting", "'%s' is not a meeting id; expected M-YYYYMMDD-TAG, e.g. M-20261210-a3f9",
                                args[0]);
    if (strcmp(sub, "show") == 0)
        snprintf(meeting_id, sizeof meeting_id, "%s", args[0]);
    if (strcmp(sub, "agenda") == 0 && !o->date[0]) {
        time_t now = time(NULL);
        struct tm tm;
        if (!localtime_r(&now, &tm) || strftime(o->date, sizeof o->date, "%Y-%m-%d", &tm) == 0)
            return relais_cli_local("meeting agenda", RELAIS_E_INVALID);
    }
    relais_client_t *client = NULL;
    int writes = strcmp(sub, "record") == 0;
    int rc = writes ? relais_cli_default_spool(&o->conn, "meeting", o->spool, sizeof o->spool) : 0;
    if (!rc)
        rc = relais_cli_connect(&o->conn, writes ? o->spool : NULL, 0, &client);
    if (rc)
        return rc;
    if (strcmp(sub, "record") == 0)
        rc = s_record(client, o);
    else if (strcmp(sub, "list") == 0)
        rc = s_list(client, o);
    else if (strcmp(sub, "show") == 0)
        rc = s_show(client, o, meeting_id);
    else
        rc = s_agenda(client, o);
    relais_client_destroy(&client);
    return rc;
}

int relais_cmd_meeting(int argc, char **argv)
{
    if (argc < 2)
        return relais_cli_usage("meeting", "expected record, list, show or agenda");
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(s_help, stdout);
        return RELAIS_EXIT_OK;
    }
    s_opts_t *o = calloc(1, sizeof *o);
    if (!o)
        return relais_cli_local("meeting", RELAIS_E_NOMEM);
    const char *sub = argv[1];
    optind = 0;
    int rc = s_parse(argc - 1, argv + 1, o);
    if (rc == 0)
        rc = s_check(o, sub, argc - 1 - optind);
    if (rc == 0)
        rc = s_run(o, sub, argv + 1 + optind);
    for (size_t i = 0; i < o->present_count; i++)
        free(o->present_text[i]);
    for (size_t i = 0; i < o->case_count; i++)
        free(o->cases[i].text);
    free(o);
    return rc < 0 ? RELAIS_EXIT_OK : rc;
}
