/* reception.c -- `relais reception`: the Tranquillité urbaine desk's register of every call, visit,
 * letter, e-mail and form, their follow-up, their transfers and the town's figures.
 *
 * Each subcommand that writes signs one message (ContactLog, ContactUpdate, Transfer,
 * TransferAnswer) and waits for its acknowledgement; the hub's register rules decide it. The
 * reads (list, show, stats) are the hub's to serve, need-to-know applied there.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli_internal.h"
#include "relais_reception.h"
#include "relais_streets.h"

static const char s_help[] =
    "usage: relais reception record --channel CHANNEL --category CATEGORY --subject TEXT --summary TEXT\n"
    "                               [--when 'YYYY-MM-DD HH:MM'] [--requester NAME] [--contact DETAILS --agreed]\n"
    "                               [--street STREET [--number N]] [--answered] [--acknowledged YYYY-MM-DD]\n"
    "                               [--due YYYY-MM-DD | --due-days N] [--json]\n"
    "       relais reception list [--open] [--overdue] [--awaiting] [--declined] [--unacknowledged]\n"
    "                             [--search TEXT] [--category CATEGORY] [--street STREET] [--from YYYY-MM-DD]\n"
    "                             [--to YYYY-MM-DD] [--before A-N] [--all] [--lang fr|en] [--json]\n"
    "       relais reception show A-N|T-N [--lang fr|en] [--json]\n"
    "       relais reception update A-N [--note TEXT] [--follow-up] [--acknowledged YYYY-MM-DD] [--due YYYY-MM-DD]\n"
    "                               [--category CATEGORY] [--street STREET [--number N]] [--subject TEXT] [--json]\n"
    "       relais reception close A-N [--note TEXT] [--json]\n"
    "       relais reception transfer A-N --to RECIPIENT --name NAME [--by MEANS] [--note TEXT] [--json]\n"
    "       relais reception answer T-N accepted|declined [--note TEXT] [--json]\n"
    "       relais reception stats --from YYYY-MM-DD --to YYYY-MM-DD [--threshold N] [--csv | --json]\n"
    "\n"
    "The reception desk of the Tranquillité urbaine service registers every solicitation: a call, a\n"
    "visit, a letter, an e-mail, a form. Each is an entry of the register, A-<number>, followed up,\n"
    "transferred and closed there. The register is the desk's: the coordinator and the partners see\n"
    "of it only what is transferred to them, and the desk sees nothing of the children's cases.\n"
    "\n"
    "record: --channel call, visit, letter, email or form; --category noise, neighbourhood-dispute,\n"
    "incivility, public-space, parking-traffic, victim-support, lost-property, decree-information or\n"
    "other; --when the solicitation came (local time; now unless given). The resident may stay\n"
    "anonymous (no --requester); their --contact details are kept only with --agreed, their\n"
    "agreement to be reached back. --street is looked up in the town's street list (`relais streets\n"
    "import`; --streets FILE or RELAIS_STREETS): 'r. houdan' is Rue Houdan, and a street the list\n"
    "does not know is refused with the closest ones. --answered: answered on the spot (the entry is\n"
    "closed as it is recorded); otherwise it awaits a follow-up. A written request (letter, email,\n"
    "form) is acknowledged (--acknowledged, the date the acknowledgement of receipt went out: the\n"
    "Code des relations entre le public et l'administration, art. L112-3) and answered by a due date:\n"
    "--due, or --due-days after it came (RELAIS_RECEPTION_DUE_DAYS, else 60: two months, after which\n"
    "the administration's silence is a decision, art. L231-1 and L231-4).\n"
    "list: the entries, newest first, 50 a page (--all: every page); --open: to follow up or\n"
    "transferred; --overdue: open and past their due date; --awaiting: transferred in the hub and\n"
    "not answered yet (the coordinator's or a partner's: waiting for its answer); --declined: the\n"
    "last transfer in the hub declined; --unacknowledged: written requests not acknowledged yet;\n"
    "--search in the subject, the summary, the resident's name and the street (case and accents\n"
    "ignored); --street as record looks it up; --from/--to: when they came (both days included).\n"
    "show: a page to read or print: the entry, its follow-up, its transfers and their answers.\n"
    "update: a note, a correction, an acknowledgement; --follow-up reopens a closed entry.\n"
    "close: the entry is dealt with (for a written request: the answer went out).\n"
    "transfer: --to police-municipale, police-nationale, victim-support-association,\n"
    "municipal-service (--name: which one, --by phone, email, letter or in-person), or hub: a partner\n"
    "or the coordinator by its identity --name, who receives the entry on its feed and answers.\n"
    "answer: the recipient's answer to a transfer made to it (a note is required to decline).\n"
    "stats: the figures of the period (--to included): by week, channel, category and outcome, the\n"
    "share of written requests answered by their due date, the transfers by recipient; no cell under\n"
    "--threshold (the hub's floor, 5, when higher). French text, or --csv, or --json.\n"
    "Each write is kept in the identity's spool until the hub answers (RELAIS_SPOOL, or\n"
    "~/.relais/spool-NAME): one typed while the hub is down goes with the next write, or with\n"
    "`relais submit --flush`.\n"
    "\n" RELAIS_CLI_CONN_HELP
    "  --json   machine output: one JSON object per entry or acknowledgement; times in ms since 1970\n";

enum {
    S_OPT_JSON = RELAIS_OPT_FIRST_FREE,
    S_OPT_CHANNEL,
    S_OPT_CATEGORY,
    S_OPT_SUBJECT,
    S_OPT_SUMMARY,
    S_OPT_WHEN,
    S_OPT_REQUESTER,
    S_OPT_CONTACT,
    S_OPT_AGREED,
    S_OPT_STREET,
    S_OPT_NUMBER,
    S_OPT_STREETS,
    S_OPT_ANSWERED,
    S_OPT_ACKNOWLEDGED,
    S_OPT_DUE,
    S_OPT_DUE_DAYS,
    S_OPT_OPEN,
    S_OPT_OVERDUE,
    S_OPT_SEARCH,
    S_OPT_FROM,
    S_OPT_TO,
    S_OPT_BEFORE,
    S_OPT_ALL,
    S_OPT_LANG,
    S_OPT_NOTE,
    S_OPT_FOLLOW_UP,
    S_OPT_NAME,
    S_OPT_BY,
    S_OPT_THRESHOLD,
    S_OPT_CSV,
    S_OPT_AWAITING,
    S_OPT_DECLINED,
    S_OPT_UNACKNOWLEDGED,
};

#define S_PAGE 50              /* lines of the list a page */
#define S_TIMELINE_SHOWN 512   /* records of an entry the hub sends at most (broker/reception.c) */
#define S_DUE_DAYS_DEFAULT 60  /* two months: art. L231-1 and L231-4 of the CRPA */
#define S_DAY_MS (86400LL * 1000)

typedef struct {
    relais_cli_conn_t conn;
    int json, csv, all, open_only, overdue, answered, agreed, follow_up, awaiting, declined, unacknowledged;
    relais_channel_t channel;
    relais_category_t category;
    relais_recipient_t recipient;
    relais_means_t means;
    const char *subject, *summary, *requester, *contact, *street, *number, *streets, *search, *note, *name, *before,
        *to_arg;
    char acknowledged[16], due[16]; /* dates, "" when not given */
    char handle[RELAIS_CASE_ID_LEN];  /* the entry or transfer the subcommand names, as the hub spells it */
    uint64_t given;                   /* S_BIT of each option given */
    char spool[4096];                 /* where a write waits for the hub (the identity's spool) */
    int64_t when_ms;
    long due_days;
    char from[16], to[16];
    unsigned threshold;
    relais_cli_lang_t lang;
} s_opts_t;

#define S_T(o, fr, en) ((o)->lang == RELAIS_CLI_EN ? (en) : (fr))

/* ---- Options --------------------------------------------------------------------------------- */


static int s_date_opt(const char *opt, const char *arg, char *out, size_t cap)
{
    if (!relais_calendar_date(arg, NULL, NULL, NULL))
        return relais_cli_usage("reception", "%s: '%s' is not a date; expected YYYY-MM-DD", opt, arg);
    snprintf(out, cap, "%s", arg);
    return 0;
}

static int s_enum_opt(const char *opt, const char *arg, int value, const char *expected)
{
    return value ? 0 : relais_cli_usage("reception", "%s: '%s' is unknown; expected %s", opt, arg, expected);
}

static int s_option(s_opts_t *o, int c, const char *arg)
{
    switch (c) {
    case RELAIS_OPT_HELP: fputs(s_help, stdout); return -1;
    case S_OPT_JSON: o->json = 1; return 0;
    case S_OPT_CSV: o->csv = 1; return 0;
    case S_OPT_CHANNEL:
        o->channel = relais_channel_from_name(arg);
        return s_enum_opt("--channel", arg, o->channel, "call, visit, letter, email or form");
    case S_OPT_CATEGORY:
        o->category = relais_category_from_name(arg);
        return s_enum_opt("--category", arg, o->category,
                          "noise, neighbourhood-dispute, incivility, public-space, parking-traffic, victim-support, "
                          "lost-property, decree-information or other");
    case S_OPT_BY:
        o->means = relais_means_from_name(arg);
        return s_enum_opt("--by", arg, o->means && o->means != RELAIS_MEANS_BY_HUB, "phone, email, letter or in-person");
    case S_OPT_SUBJECT: o->subject = arg; return 0;
    case S_OPT_SUMMARY: o->summary = arg; return 0;
    case S_OPT_WHEN:
        return strlen(arg) > 10 && relais_rcli_local_time(arg, &o->when_ms) == 0
                   ? 0
                   : relais_cli_usage("reception", "--when: '%s' is no time; expected 'YYYY-MM-DD HH:MM' (local)", arg);
    case S_OPT_REQUESTER: o->requester = arg; return 0;
    case S_OPT_CONTACT: o->contact = arg; return 0;
    case S_OPT_AGREED: o->agreed = 1; return 0;
    case S_OPT_STREET: o->street = arg; return 0;
    case S_OPT_NUMBER: o->number = arg; return 0;
    case S_OPT_STREETS: o->streets = arg; return 0;
    case S_OPT_ANSWERED: o->answered = 1; return 0;
    case S_OPT_ACKNOWLEDGED: return s_date_opt("--acknowledged", arg, o->acknowledged, sizeof o->acknowledged);
    case S_OPT_DUE: return s_date_opt("--due", arg, o->due, sizeof o->due);
    case S_OPT_DUE_DAYS: {
        uint64_t n;
        if (relais_cli_parse_u64(arg, &n) != 0 || n == 0 || n > 730)
            return relais_cli_usage("reception", "--due-days: expected 1 to 730 days");
        o->due_days = (long)n;
        return 0;
    }
    case S_OPT_OPEN: o->open_only = 1; return 0;
    case S_OPT_AWAITING: o->awaiting = 1; return 0;
    case S_OPT_DECLINED: o->declined = 1; return 0;
    case S_OPT_UNACKNOWLEDGED: o->unacknowledged = 1; return 0;
    case S_OPT_OVERDUE: o->overdue = 1; return 0;
    case S_OPT_SEARCH: o->search = arg; return 0;
    case S_OPT_FROM: return s_date_opt("--from", arg, o->from, sizeof o->from);
    case S_OPT_TO: o->to_arg = arg; return 0; /* a date, or a transfer's recipient: the subcommand says */
    case S_OPT_BEFORE: o->before = arg; return 0;
    case S_OPT_ALL: o->all = 1; return 0;
    case S_OPT_LANG:
        return relais_cli_lang_parse(arg, &o->lang) ? relais_cli_usage("reception", "%s", relais_status_detail()) : 0;
    case S_OPT_NOTE: o->note = arg; return 0;
    case S_OPT_FOLLOW_UP: o->follow_up = 1; return 0;
    case S_OPT_NAME: o->name = arg; return 0;
    case S_OPT_THRESHOLD: {
        uint64_t n;
        if (relais_cli_parse_u64(arg, &n) != 0 || n > 1000)
            return relais_cli_usage("reception", "--threshold: expected a count of 0 to 1000");
        o->threshold = (unsigned)n;
        return 0;
    }
    default: return relais_cli_usage("reception", "unknown option or missing value");
    }
}

static const struct option s_long_opts[] = {
        RELAIS_CLI_CONN_OPTIONS,
        {"json", no_argument, NULL, S_OPT_JSON},
        {"csv", no_argument, NULL, S_OPT_CSV},
        {"channel", required_argument, NULL, S_OPT_CHANNEL},
        {"category", required_argument, NULL, S_OPT_CATEGORY},
        {"subject", required_argument, NULL, S_OPT_SUBJECT},
        {"summary", required_argument, NULL, S_OPT_SUMMARY},
        {"when", required_argument, NULL, S_OPT_WHEN},
        {"requester", required_argument, NULL, S_OPT_REQUESTER},
        {"contact", required_argument, NULL, S_OPT_CONTACT},
        {"agreed", no_argument, NULL, S_OPT_AGREED},
        {"street", required_argument, NULL, S_OPT_STREET},
        {"number", required_argument, NULL, S_OPT_NUMBER},
        {"streets", required_argument, NULL, S_OPT_STREETS},
        {"answered", no_argument, NULL, S_OPT_ANSWERED},
        {"acknowledged", required_argument, NULL, S_OPT_ACKNOWLEDGED},
        {"due", required_argument, NULL, S_OPT_DUE},
        {"due-days", required_argument, NULL, S_OPT_DUE_DAYS},
        {"open", no_argument, NULL, S_OPT_OPEN},
        {"awaiting", no_argument, NULL, S_OPT_AWAITING},
        {"declined", no_argument, NULL, S_OPT_DECLINED},
        {"unacknowledged", no_argument, NULL, S_OPT_UNACKNOWLEDGED},
        {"overdue", no_argument, NULL, S_OPT_OVERDUE},
        {"search", required_argument, NULL, S_OPT_SEARCH},
        {"from", required_argument, NULL, S_OPT_FROM},
        {"to", required_argument, NULL, S_OPT_TO},
        {"before", required_argument, NULL, S_OPT_BEFORE},
        {"all", no_argument, NULL, S_OPT_ALL},
        {"lang", required_argument, NULL, S_OPT_LANG},
        {"note", required_argument, NULL, S_OPT_NOTE},
        {"follow-up", no_argument, NULL, S_OPT_FOLLOW_UP},
        {"name", required_argument, NULL, S_OPT_NAME},
        {"by", required_argument, NULL, S_OPT_BY},
        {"threshold", required_argument, NULL, S_OPT_THRESHOLD},
        {NULL, 0, NULL, 0}};

/* The options each subcommand takes, as bits of S_OPT_* (the connection's are everyone's). */
#define S_BIT(opt) (UINT64_C(1) << ((opt) - RELAIS_OPT_FIRST_FREE))
static const struct {
    const char *sub;
    uint64_t takes;
} s_takes[] = {
    {"record", S_BIT(S_OPT_JSON) | S_BIT(S_OPT_CHANNEL) | S_BIT(S_OPT_CATEGORY) | S_BIT(S_OPT_SUBJECT) |
                   S_BIT(S_OPT_SUMMARY) | S_BIT(S_OPT_WHEN) | S_BIT(S_OPT_REQUESTER) | S_BIT(S_OPT_CONTACT) |
                   S_BIT(S_OPT_AGREED) | S_BIT(S_OPT_STREET) | S_BIT(S_OPT_NUMBER) | S_BIT(S_OPT_STREETS) |
                   S_BIT(S_OPT_ANSWERED) | S_BIT(S_OPT_ACKNOWLEDGED) | S_BIT(S_OPT_DUE) | S_BIT(S_OPT_DUE_DAYS)},
    {"list", S_BIT(S_OPT_JSON) | S_BIT(S_OPT_OPEN) | S_BIT(S_OPT_OVERDUE) | S_BIT(S_OPT_SEARCH) |
                 S_BIT(S_OPT_AWAITING) | S_BIT(S_OPT_DECLINED) | S_BIT(S_OPT_UNACKNOWLEDGED) |
                 S_BIT(S_OPT_CATEGORY) | S_BIT(S_OPT_STREET) | S_BIT(S_OPT_STREETS) | S_BIT(S_OPT_FROM) |
                 S_BIT(S_OPT_TO) | S_BIT(S_OPT_BEFORE) | S_BIT(S_OPT_ALL) | S_BIT(S_OPT_LANG)},
    {"show", S_BIT(S_OPT_JSON) | S_BIT(S_OPT_LANG)},
    {"update", S_BIT(S_OPT_JSON) | S_BIT(S_OPT_NOTE) | S_BIT(S_OPT_FOLLOW_UP) | S_BIT(S_OPT_ACKNOWLEDGED) |
                   S_BIT(S_OPT_DUE) | S_BIT(S_OPT_CATEGORY) | S_BIT(S_OPT_STREET) | S_BIT(S_OPT_NUMBER) |
                   S_BIT(S_OPT_STREETS) | S_BIT(S_OPT_SUBJECT)},
    {"close", S_BIT(S_OPT_JSON) | S_BIT(S_OPT_NOTE)},
    {"transfer", S_BIT(S_OPT_JSON) | S_BIT(S_OPT_TO) | S_BIT(S_OPT_NAME) | S_BIT(S_OPT_BY) | S_BIT(S_OPT_NOTE)},
    {"answer", S_BIT(S_OPT_JSON) | S_BIT(S_OPT_NOTE)},
    {"stats", S_BIT(S_OPT_JSON) | S_BIT(S_OPT_CSV) | S_BIT(S_OPT_FROM) | S_BIT(S_OPT_TO) | S_BIT(S_OPT_THRESHOLD)},
};

/* The first option given that `sub` does not take, as it is typed ("--contact"); NULL when none. */
static const char *s_not_taken(const char *sub, uint64_t given)
{
    for (size_t i = 0; i < sizeof s_takes / sizeof s_takes[0]; i++) {
        if (strcmp(s_takes[i].sub, sub) != 0)
            continue;
        uint64_t extra = given & ~s_takes[i].takes;
        for (size_t k = 0; extra && s_long_opts[k].name; k++)
            if (s_long_opts[k].val >= RELAIS_OPT_FIRST_FREE && (extra & S_BIT(s_long_opts[k].val)))
                return s_long_opts[k].name;
    }
    return NULL;
}

static int s_parse(int argc, char **argv, s_opts_t *o)
{
    int c;
    while ((c = getopt_long(argc, argv, "", s_long_opts, NULL)) != -1) {
        if (relais_cli_conn_opt(&o->conn, c, optarg))
            continue;
        if (c >= RELAIS_OPT_FIRST_FREE && c < RELAIS_OPT_FIRST_FREE + 64)
            o->given |= S_BIT(c);
        int rc = s_option(o, c, optarg);
        if (rc)
            return rc;
    }
    return 0;
}

/* ---- Writing: the payloads as JSON, signed and acknowledged -------------------------------- */

static void s_put(json_t *obj, const char *key, const char *value)
{
    if (value && value[0])
        json_object_set_new(obj, key, json_string(value));
}

/* The payload `key` around `body` (stolen), signed, spooled and sent (relais_rcli_submit). */
static int s_submit(relais_client_t *client, const s_opts_t *o, const char *key, json_t *body)
{
    return relais_rcli_submit(client, "reception", o->spool, o->json, key, body);
}

/* The street as the town's list spells it (relais_rcli_street). */
static int s_street_lookup(const s_opts_t *o, int as_typed, char *out, size_t cap)
{
    return relais_rcli_street("reception", o->streets, o->street, as_typed, out, cap);
}

static int s_street(const s_opts_t *o, char *out, size_t cap)
{
    return s_street_lookup(o, 0, out, cap);
}

static int s_record(relais_client_t *client, const s_opts_t *o)
{
    char street[RELAIS_CONTACT_LABEL_LEN] = "", due[16] = "";
    if (o->street && s_street(o, street, sizeof street) != 0)
        return RELAIS_EXIT_USAGE;
    int64_t when = o->when_ms ? o->when_ms : (int64_t)time(NULL) * 1000;
    if (relais_channel_is_written(o->channel)) {
        if (o->due[0]) {
            snprintf(due, sizeof due, "%s", o->due);
        } else {
            const char *env = getenv("RELAIS_RECEPTION_DUE_DAYS");
            uint64_t days = o->due_days ? (uint64_t)o->due_days : S_DUE_DAYS_DEFAULT;
            if (!o->due_days && env && env[0] && (relais_cli_parse_u64(env, &days) != 0 || days == 0 || days > 730))
                return relais_cli_usage("reception", "RELAIS_RECEPTION_DUE_DAYS: expected 1 to 730 days");
            if (relais_rcli_due_date(when, (unsigned)days, due, sizeof due) != 0)
                return relais_cli_local("reception", RELAIS_E_INVALID);
        }
    }
    relais_rcli_contact_t c = {.channel = o->channel, .category = o->category, .subject = o->subject,
                               .requester = o->requester, .summary = o->summary, .street = street,
                               .house_number = o->number, .contact_details = o->contact,
                               .acknowledged_date = o->acknowledged, .response_due_date = due,
                               .occurred_ms = when, .agreed = o->agreed, .answered = o->answered};
    return s_submit(client, o, "contact", relais_rcli_contact_json(&c));
}

static int s_update(relais_client_t *client, const s_opts_t *o, const char *entry, int closing)
{
    char street[RELAIS_CONTACT_LABEL_LEN] = "";
    if (o->street && s_street(o, street, sizeof street) != 0)
        return RELAIS_EXIT_USAGE;
    relais_rcli_update_t u = {.entry_id = entry,
                              .handling = closing ? RELAIS_HANDLING_CLOSED
                                          : o->follow_up ? RELAIS_HANDLING_FOLLOW_UP
                                                         : RELAIS_HANDLING_UNSPECIFIED,
                              .category = o->category, .note = o->note, .acknowledged_date = o->acknowledged,
                              .response_due_date = o->due, .street = street, .house_number = o->number,
                              .subject = o->subject};
    return s_submit(client, o, "contact_update", relais_rcli_update_json(&u));
}

static int s_transfer(relais_client_t *client, const s_opts_t *o, const char *entry)
{
    if (o->recipient != RELAIS_RECIPIENT_HUB && !o->means)
        return relais_cli_usage("reception", "transfer --to %s needs --by: how the entry was passed on (phone, email, "
                                             "letter or in-person)",
                                relais_recipient_name(o->recipient));
    return s_submit(client, o, "transfer", relais_rcli_transfer_json(entry, o->recipient, o->name, o->means, o->note));
}

static int s_answer(relais_client_t *client, const s_opts_t *o, const char *transfer, const char *answer)
{
    relais_answer_t a = relais_answer_from_name(answer);
    if (!a)
        return relais_cli_usage("reception", "answer: '%s' is no answer; expected accepted or declined", answer);
    return s_submit(client, o, "transfer_answer", relais_rcli_answer_json(transfer, a, o->note));
}

/* ---- Reading: the list, an entry's page, the figures ---------------------------------------- */

static const char *const s_channel_fr[RELAIS_CHANNEL_COUNT] = {"?", "téléphone", "visite", "courrier", "courriel",
                                                               "formulaire"};
static const char *const s_category_fr[RELAIS_CATEGORY_COUNT] = {
    "?",          "bruit",           "conflit de voisinage", "incivilité",       "espace public",
    "stationnement et circulation", "aide aux victimes", "objets trouvés", "information sur un arrêté", "autre"};
static const char *const s_handling_fr[RELAIS_HANDLING_COUNT] = {"?", "répondu sur place", "suite à donner",
                                                                 "transmis", "clos"};
static const char *const s_recipient_fr[RELAIS_RECIPIENT_COUNT] = {
    "?", "à la police municipale", "à la police nationale", "à une association d'aide aux victimes",
    "à un autre service municipal", "à un partenaire du réseau"};
static const char *const s_means_fr[RELAIS_MEANS_COUNT] = {"?", "par le réseau", "par téléphone", "par courriel",
                                                           "par courrier", "en main propre"};

/* The English page's words (the command's names are for typing: "parking-traffic"). */
static const char *s_channel_en(relais_channel_t v)
{
    static const char *const en[RELAIS_CHANNEL_COUNT] = {NULL, "call", "visit", "letter", "e-mail", "form"};
    return (int)v > 0 && v < RELAIS_CHANNEL_COUNT ? en[v] : NULL;
}

static const char *s_category_en(relais_category_t v)
{
    static const char *const en[RELAIS_CATEGORY_COUNT] = {
        NULL,           "noise",         "neighbourhood dispute", "incivility",         "public space",
        "parking and traffic", "victim support", "lost property", "decree information", "other"};
    return (int)v > 0 && v < RELAIS_CATEGORY_COUNT ? en[v] : NULL;
}

static const char *s_handling_en(relais_handling_t v)
{
    static const char *const en[RELAIS_HANDLING_COUNT] = {NULL, "answered on the spot", "to follow up",
                                                          "transferred", "closed"};
    return (int)v > 0 && v < RELAIS_HANDLING_COUNT ? en[v] : NULL;
}

static const char *s_recipient_en(relais_recipient_t v)
{
    static const char *const en[RELAIS_RECIPIENT_COUNT] = {
        NULL, "the police municipale", "the police nationale", "a victim support association",
        "another service of the town", "a partner of the hub"};
    return (int)v > 0 && v < RELAIS_RECIPIENT_COUNT ? en[v] : NULL;
}

static const char *s_means_en(relais_means_t v)
{
    static const char *const en[RELAIS_MEANS_COUNT] = {NULL, "on the hub", "by phone", "by e-mail", "by letter",
                                                       "in person"};
    return (int)v > 0 && v < RELAIS_MEANS_COUNT ? en[v] : NULL;
}

#define S_LABEL(o, table, names_fn, v)                                                                                 \
    ((o)->lang == RELAIS_CLI_EN ? ((names_fn)(v) ? (names_fn)(v) : "?")                                                \
                                : ((int)(v) >= 0 && (size_t)(v) < sizeof table / sizeof table[0] ? table[v] : "?"))

static json_t *s_entry_json(const relais_contact_record_t *r)
{
    char handle[RELAIS_CASE_ID_LEN];
    relais_entry_handle(r->seq, handle);
    json_t *e = json_object(), *transfers = json_array();
    json_object_set_new(e, "entry", json_string(handle));
    json_object_set_new(e, "sender", json_string(r->sender));
    json_object_set_new(e, "received_ms", json_integer(r->received_ms));
    json_object_set_new(e, "occurred_ms", json_integer(r->occurred_ms));
    json_object_set_new(e, "channel", json_string(relais_channel_name(r->channel) ? relais_channel_name(r->channel) : ""));
    json_object_set_new(e, "category",
                        json_string(relais_category_name(r->category) ? relais_category_name(r->category) : ""));
    json_object_set_new(e, "handling",
                        json_string(relais_handling_name(r->handling) ? relais_handling_name(r->handling) : ""));
    s_put(e, "subject", r->subject);
    s_put(e, "requester", r->requester);
    s_put(e, "summary", r->summary);
    s_put(e, "street", r->street);
    s_put(e, "house_number", r->house_number);
    s_put(e, "acknowledged_date", r->acknowledged_date);
    s_put(e, "response_due_date", r->response_due_date);
    if (r->closed_ms)
        json_object_set_new(e, "closed_ms", json_integer(r->closed_ms));
    json_object_set_new(e, "overdue", json_boolean(r->overdue));
    json_object_set_new(e, "contact_agreed", json_boolean(r->contact_agreed));
    json_object_set_new(e, "updated_ms", json_integer(r->updated_ms));
    for (size_t i = 0; i < r->transfer_count; i++) {
        const relais_transfer_state_t *t = &r->transfers[i];
        char th[RELAIS_CASE_ID_LEN];
        relais_transfer_handle(t->seq, th);
        json_t *x = json_object();
        json_object_set_new(x, "transfer", json_string(th));
        json_object_set_new(x, "recipient", json_string(relais_recipient_name(t->recipient)
                                                            ? relais_recipient_name(t->recipient) : ""));
        json_object_set_new(x, "recipient_name", json_string(t->recipient_name));
        json_object_set_new(x, "means", json_string(relais_means_name(t->means) ? relais_means_name(t->means) : ""));
        json_object_set_new(x, "transferred_ms", json_integer(t->transferred_ms));
        json_object_set_new(x, "sender", json_string(t->sender));
        if (t->answer) {
            json_object_set_new(x, "answer", json_string(relais_answer_name(t->answer)));
            json_object_set_new(x, "answered_ms", json_integer(t->answered_ms));
        }
        json_array_append_new(transfers, x);
    }
    json_object_set_new(e, "transfers", transfers);
    return e;
}

/* `text` then spaces to `width` characters (accented letters are one column, two bytes). */
static const char *s_pad(const char *text, size_t width, char *buf, size_t cap)
{
    size_t n = relais_utf8_chars(text), len = strlen(text);
    snprintf(buf, cap, "%s%*s", text, n < width && len + (width - n) < cap ? (int)(width - n) : 0, "");
    return buf;
}

/* `text` cut to `width` characters, with "…" when cut (a list line fits a printed page). */
static const char *s_cut_to(const char *text, size_t width, char *buf, size_t cap)
{
    size_t chars = 0, i = 0;
    for (; text[i] && chars < width; i++)
        chars += ((unsigned char)text[i] & 0xC0) != 0x80;
    while (text[i] && ((unsigned char)text[i] & 0xC0) == 0x80)
        i++;
    if (!text[i] || i + 4 > cap) {
        snprintf(buf, cap, "%s", text);
        return buf;
    }
    /* The character that made `width` gives way to the ellipsis. */
    size_t keep = i;
    while (keep > 0 && ((unsigned char)text[--keep] & 0xC0) == 0x80)
        ;
    snprintf(buf, cap, "%.*s…", (int)keep, text);
    return buf;
}

/* The columns of a list line, and their heading. */
enum { S_W_CHANNEL = 10, S_W_CATEGORY = 28, S_W_HANDLING = 20, S_W_DUE = 30, S_W_TEXT = 48 };

static void s_list_heading(const s_opts_t *o)
{
    char c1[64], c2[96], c3[64], c4[96], c5[64];
    relais_cli_line(stdout, "%-7s %s %s %s %s %s %s", S_T(o, "fiche", "entry"),
                    s_pad(S_T(o, "reçue le", "came on"), 16, c5, sizeof c5), s_pad(S_T(o, "canal", "channel"), S_W_CHANNEL, c1, sizeof c1),
                    s_pad(S_T(o, "catégorie", "category"), S_W_CATEGORY, c2, sizeof c2),
                    s_pad(S_T(o, "traitement", "handling"), S_W_HANDLING, c3, sizeof c3),
                    s_pad(S_T(o, "réponse due", "answer due"), S_W_DUE, c4, sizeof c4), S_T(o, "objet — lieu", "subject — place"));
}

static void s_list_line(const s_opts_t *o, const relais_contact_record_t *r)
{
    char handle[RELAIS_CASE_ID_LEN], when[32], due[64] = "", text[3 * RELAIS_CONTACT_LABEL_LEN];
    char c1[64], c2[96], c3[64], c4[96], c5[3 * RELAIS_CONTACT_LABEL_LEN];
    relais_entry_handle(r->seq, handle);
    relais_cli_date_time(r->occurred_ms, o->lang, when, sizeof when);
    if (r->response_due_date[0]) {
        relais_cli_date(r->response_due_date, o->lang, due, sizeof due);
        if (r->overdue)
            strncat(due, S_T(o, " EN RETARD", " OVERDUE"), sizeof due - strlen(due) - 1);
    }
    snprintf(text, sizeof text, "%s%s%s%s%s", r->subject, r->street[0] ? " — " : "", r->house_number,
             r->house_number[0] ? " " : "", r->street);
    relais_cli_line(stdout, "%-7s %-16s %s %s %s %s %s", handle, when,
                    s_pad(S_LABEL(o, s_channel_fr, s_channel_en, r->channel), S_W_CHANNEL, c1, sizeof c1),
                    s_pad(S_LABEL(o, s_category_fr, s_category_en, r->category), S_W_CATEGORY, c2, sizeof c2),
                    s_pad(S_LABEL(o, s_handling_fr, s_handling_en, r->handling), S_W_HANDLING, c3, sizeof c3),
                    s_pad(due, S_W_DUE, c4, sizeof c4), s_cut_to(text, S_W_TEXT, c5, sizeof c5));
}

static int s_list(relais_client_t *client, const s_opts_t *o)
{
    relais_request_t filter = {.open_only = o->open_only,
                               .overdue_only = o->overdue,
                               .category = o->category,
                               .awaiting_answer = o->awaiting,
                               .declined = o->declined,
                               .unacknowledged = o->unacknowledged};
    /* The street as `record` wrote it: looked up in the town's list, as typed when there is none. */
    if (o->street && s_street_lookup(o, 1, filter.street, sizeof filter.street) != 0)
        return RELAIS_EXIT_USAGE;
    if (o->search && snprintf(filter.search, sizeof filter.search, "%s", o->search) >= (int)sizeof filter.search)
        return relais_cli_usage("reception", "--search: at most %zu bytes", sizeof filter.search - 1);
    if (o->from[0])
        relais_rcli_local_time(o->from, &filter.from_ms);
    if (o->to[0])
        filter.to_ms = relais_reception_day_end_ms(o->to); /* --to is included: to the end of that day, DST or not */
    if (o->before) {
        char id[RELAIS_CASE_ID_LEN];
        if (relais_cli_case_ref(o->before, RELAIS_CLI_REF_ENTRY, id, sizeof id) != 0)
            return relais_cli_usage("reception", "--before: '%s' is no entry; expected A-<number>", o->before);
        filter.before = relais_entry_handle_seq(id);
    }
    /* The hub answers a page at a time, and looks at a bounded number of entries for each: a
     * search goes on from page to page until the desk's page is full or the register ends. */
    size_t shown = 0;
    uint64_t last = 0;
    int more = 0;
    while (!more) {
        relais_reply_t reply;
        relais_error_t err;
        int rc = relais_client_reception_list(client, &filter, &reply, &err);
        if (rc)
            return relais_cli_fail("reception", rc, &err);
        for (size_t i = 0; i < reply.contact_count; i++) {
            if (!o->all && shown == S_PAGE) {
                more = 1;
                break;
            }
            if (o->json) {
                relais_cli_print_json(stdout, s_entry_json(&reply.contacts[i]));
            } else {
                if (!shown)
                    s_list_heading(o);
                s_list_line(o, &reply.contacts[i]);
            }
            last = reply.contacts[i].seq;
            shown++;
        }
        uint64_t next = reply.next_seq;
        relais_reply_clear(&reply);
        if (!more && !next)
            break;
        filter.before = next;
    }
    char next[RELAIS_CASE_ID_LEN];
    relais_entry_handle(last, next);
    /* A program reading the JSON lines is told, like a person, that the page is not all. */
    if (more && o->json)
        relais_cli_print_json(stdout, json_pack("{s:s}", "next_before", next));
    else if (more)
        relais_cli_line(stdout, "%s A-%" PRIu64, S_T(o, "suite : --before", "more: --before"), last);
    if (!shown && !o->json)
        relais_cli_line(stdout, "%s", S_T(o, "Aucune fiche.", "No entry."));
    return RELAIS_EXIT_OK;
}

/* One line of an entry's follow-up, from one of its records. */
static void s_timeline_line(const s_opts_t *o, const uint8_t *record, size_t len)
{
    relais_log_record_t lr;
    relais_message_t *msg = NULL;
    if (relais_record_message_decode(record, len, &lr, NULL, &msg) != 0) {
        relais_cli_line(stdout, "  ?");
        return;
    }
    char when[32], th[RELAIS_CASE_ID_LEN];
    relais_cli_date_time(lr.received_ms, o->lang, when, sizeof when);
    const char *who = relais_message_sender(msg);
    relais_contact_update_view_t u;
    relais_transfer_view_t t;
    relais_transfer_answer_view_t a;
    if (relais_message_payload(msg) == RELAIS_PAYLOAD_CONTACT) {
        relais_cli_line(stdout, "  %s  %s  %s", when, who, S_T(o, "enregistrement de la fiche", "entry recorded"));
    } else if (relais_message_contact_update(msg, &u) == 0) {
        /* What the update changed, so that the page keeps the entry's story, not just its state. */
        char changed[1024] = "", d[32];
        size_t n = 0;
#define S_CHANGED(cond, ...)                                                                                           \
    if ((cond) && n < sizeof changed)                                                                                  \
        n += (size_t)snprintf(changed + n, sizeof changed - n, __VA_ARGS__)
        S_CHANGED(u.category, "%s%s %s", n ? "," : "", S_T(o, " catégorie :", " category:"),
                  S_LABEL(o, s_category_fr, s_category_en, u.category));
        S_CHANGED(u.subject[0], "%s%s %s", n ? "," : "", S_T(o, " objet :", " subject:"), u.subject);
        S_CHANGED(u.street[0] || u.house_number[0], "%s%s %s%s%s", n ? "," : "", S_T(o, " lieu :", " place:"),
                  u.house_number, u.house_number[0] && u.street[0] ? " " : "", u.street);
        if (u.acknowledged_date[0])
            relais_cli_date(u.acknowledged_date, o->lang, d, sizeof d);
        S_CHANGED(u.acknowledged_date[0], "%s%s %s", n ? "," : "",
                  S_T(o, " accusé de réception envoyé le", " acknowledged on"), d);
        if (u.response_due_date[0])
            relais_cli_date(u.response_due_date, o->lang, d, sizeof d);
        S_CHANGED(u.response_due_date[0], "%s%s %s", n ? "," : "", S_T(o, " réponse due le", " answer due on"), d);
#undef S_CHANGED
        relais_cli_line(stdout, "  %s  %s  %s%s%s%s%s", when, who,
                        u.handling == RELAIS_HANDLING_CLOSED      ? S_T(o, "clôture", "closed")
                        : u.handling == RELAIS_HANDLING_FOLLOW_UP ? S_T(o, "suite à donner", "to follow up")
                                                                  : S_T(o, "mise à jour", "update"),
                        changed, u.note[0] ? S_T(o, " : « ", ": \"") : "", u.note,
                        u.note[0] ? S_T(o, " »", "\"") : "");
    } else if (relais_message_transfer(msg, &t) == 0) {
        relais_transfer_handle(lr.seq, th);
        relais_cli_line(stdout, "  %s  %s  %s %s %s (%s), %s%s%s%s", when, who, th, S_T(o, "transmis", "transferred to"),
                        S_LABEL(o, s_recipient_fr, s_recipient_en, t.recipient), t.recipient_name,
                        S_LABEL(o, s_means_fr, s_means_en, t.means), t.note[0] ? S_T(o, " : « ", ": \"") : "", t.note,
                        t.note[0] ? S_T(o, " »", "\"") : "");
    } else if (relais_message_transfer_answer(msg, &a) == 0) {
        relais_cli_line(stdout, "  %s  %s  %s %s%s%s%s", when, who, a.transfer_id,
                        a.answer == RELAIS_ANSWER_ACCEPTED ? S_T(o, "accepté", "accepted") : S_T(o, "refusé", "declined"),
                        a.note[0] ? S_T(o, " : « ", ": \"") : "", a.note, a.note[0] ? S_T(o, " »", "\"") : "");
    }
    relais_message_destroy(&msg);
}

static void s_show_page(const s_opts_t *o, const relais_reply_t *reply)
{
    const relais_contact_record_t *r = &reply->contacts[0];
    char handle[RELAIS_CASE_ID_LEN], title[128], when[32], came[160], place[2 * RELAIS_CONTACT_LABEL_LEN],
        resident[2 * RELAIS_CONTACT_LABEL_LEN], handling[96], d[32];
    relais_entry_handle(r->seq, handle);
    snprintf(title, sizeof title, "%s %s",
             S_T(o, "Accueil Tranquillité urbaine — fiche", "Tranquillité urbaine reception — entry"), handle);
    relais_page_title(stdout, title);
    relais_cli_date_time(r->occurred_ms, o->lang, when, sizeof when);
    snprintf(came, sizeof came, "%s (%s)", when, S_LABEL(o, s_channel_fr, s_channel_en, r->channel));
    relais_page_field(stdout, 2, S_T(o, "Reçue le", "Came on"), came);
    relais_page_field(stdout, 2, S_T(o, "Saisie par", "Recorded by"), r->sender);
    relais_page_field(stdout, 2, S_T(o, "Catégorie", "Category"),
                      S_LABEL(o, s_category_fr, s_category_en, r->category));
    relais_page_field(stdout, 2, S_T(o, "Objet", "Subject"), r->subject);
    snprintf(place, sizeof place, "%s%s%s", r->house_number, r->house_number[0] ? " " : "", r->street);
    relais_page_field(stdout, 2, S_T(o, "Lieu", "Place"), place);
    snprintf(resident, sizeof resident, "%s%s", r->requester[0] ? r->requester : S_T(o, "anonyme", "anonymous"),
             r->contact_agreed ? S_T(o, " (accepte d'être rappelé par le service)", " (agreed to be reached back)") : "");
    relais_page_field(stdout, 2, S_T(o, "Demandeur", "Resident"), resident);
    /* The resident's details are in the entry's own record alone, kept with their agreement. */
    relais_message_t *first = NULL;
    relais_contact_view_t c;
    if (reply->record_count && relais_record_message_decode(reply->records[0], reply->record_lens[0], NULL, NULL,
                                                            &first) == 0 &&
        relais_message_contact(first, &c) == 0)
        relais_page_field(stdout, 2, S_T(o, "Joignable", "Reach at"), c.contact_details);
    relais_message_destroy(&first);
    snprintf(handling, sizeof handling, "%s%s", S_LABEL(o, s_handling_fr, s_handling_en, r->handling),
             r->overdue ? S_T(o, " — EN RETARD", " — OVERDUE") : "");
    relais_page_field(stdout, 2, S_T(o, "Traitement", "Handling"), handling);
    if (r->acknowledged_date[0]) {
        relais_cli_date(r->acknowledged_date, o->lang, d, sizeof d);
        relais_page_field(stdout, 2, S_T(o, "Accusé de réception", "Acknowledged"), d);
    }
    if (r->response_due_date[0]) {
        relais_cli_date(r->response_due_date, o->lang, d, sizeof d);
        relais_page_field(stdout, 2, S_T(o, "Réponse due le", "Answer due"), d);
    }
    if (r->closed_ms) {
        relais_cli_date_time(r->closed_ms, o->lang, when, sizeof when);
        relais_page_field(stdout, 2, S_T(o, "Close le", "Closed on"), when);
    }
    relais_page_text(stdout, 2, S_T(o, "Résumé", "Summary"), r->summary);
    relais_page_heading(stdout, S_T(o, "Suivi", "Follow-up"));
    for (size_t i = 0; i < reply->record_count; i++)
        s_timeline_line(o, reply->records[i], reply->record_lens[i]);
    /* The hub sends an entry's first S_TIMELINE_SHOWN records: a page that has that many may have more. */
    if (reply->record_count >= S_TIMELINE_SHOWN)
        relais_cli_line(stdout, "  %s", S_T(o, "(les 512 premiers enregistrements de la fiche ; la suite n'est pas montrée)",
                                            "(the entry's first 512 records; the rest is not shown)"));
}

static int s_show(relais_client_t *client, const s_opts_t *o, const char *entry)
{
    relais_reply_t reply;
    relais_error_t err;
    int rc = relais_client_reception_show(client, entry, &reply, &err);
    if (rc)
        return relais_cli_fail("reception", rc, &err);
    if (o->json) {
        json_t *out = json_object();
        json_object_set_new(out, "entry", s_entry_json(&reply.contacts[0]));
        json_object_set_new(out, "timeline", relais_cli_timeline_json(&reply, 0));
        relais_cli_print_json(stdout, out);
    } else {
        s_show_page(o, &reply);
    }
    relais_reply_clear(&reply);
    return RELAIS_EXIT_OK;
}

static int s_stats(relais_client_t *client, const s_opts_t *o)
{
    int64_t from = 0;
    relais_rcli_local_time(o->from, &from);
    relais_reply_t reply;
    relais_error_t err;
    int rc = relais_client_reception_stats(client, from, relais_reception_day_end_ms(o->to), o->threshold, &reply,
                                           &err);
    if (rc)
        return relais_cli_fail("reception", rc, &err);
    fputs(o->json ? reply.stats_json : o->csv ? reply.stats_csv : reply.stats_text, stdout);
    relais_reply_clear(&reply);
    return RELAIS_EXIT_OK;
}

/* ---- The command ---------------------------------------------------------------------------- */

/* Which options each subcommand takes, and what it needs. */
static int s_check(s_opts_t *o, const char *sub, int nargs, char **args)
{
    int want = strcmp(sub, "record") == 0 || strcmp(sub, "list") == 0 || strcmp(sub, "stats") == 0 ? 0
               : strcmp(sub, "answer") == 0                                                           ? 2
                                                                                                      : 1;
    if (strcmp(sub, "record") && strcmp(sub, "list") && strcmp(sub, "show") && strcmp(sub, "update") &&
        strcmp(sub, "close") && strcmp(sub, "transfer") && strcmp(sub, "answer") && strcmp(sub, "stats"))
        return relais_cli_usage("reception", "unknown subcommand '%s'; expected record, list, show, update, close, "
                                             "transfer, answer or stats",
                                sub);
    if (nargs != want)
        return relais_cli_usage("reception", "%s takes %d argument%s", sub, want, want == 1 ? "" : "s");
    const char *extra = s_not_taken(sub, o->given);
    if (extra)
        return relais_cli_usage("reception", "%s does not take --%s%s", sub, extra,
                                strcmp(sub, "update") == 0 ? " (what a resident said stays as recorded; add a --note)"
                                                           : "");
    if (o->to_arg && strcmp(sub, "transfer") == 0) {
        o->recipient = relais_recipient_from_name(o->to_arg);
        if (!o->recipient)
            return relais_cli_usage("reception", "--to: '%s' is unknown; expected police-municipale, police-nationale, "
                                                 "victim-support-association, municipal-service or hub",
                                    o->to_arg);
    } else if (o->to_arg && s_date_opt("--to", o->to_arg, o->to, sizeof o->to) != 0) {
        return RELAIS_EXIT_USAGE;
    }
    if (strcmp(sub, "record") == 0 && (!o->channel || !o->category || !o->subject || !o->summary))
        return relais_cli_usage("reception", "record needs %s", !o->channel    ? "--channel (call, visit, letter, email or form)"
                                                                : !o->category ? "--category (noise, ... other)"
                                                                : !o->subject  ? "--subject (a few words)"
                                                                               : "--summary (what was said or written)");
    if (strcmp(sub, "record") == 0 && o->contact && !o->agreed)
        return relais_cli_usage("reception", "--contact: a resident's details are kept only with their agreement "
                                             "(--agreed)");
    if (strcmp(sub, "record") == 0 && o->agreed && !o->contact)
        return relais_cli_usage("reception", "--agreed: the resident agreed to be reached back, but how? Give --contact");
    if ((strcmp(sub, "list") == 0 || strcmp(sub, "stats") == 0) && o->from[0] && o->to[0] && strcmp(o->from, o->to) > 0)
        return relais_cli_usage("reception", "--from %s is after --to %s", o->from, o->to);
    if (strcmp(sub, "answer") == 0 && relais_answer_from_name(args[1]) == RELAIS_ANSWER_DECLINED && !o->note)
        return relais_cli_usage("reception", "answer declined needs a --note: why, so that the desk can tell the resident");
    if (strcmp(sub, "transfer") == 0 && (!o->recipient || !o->name))
        return relais_cli_usage("reception", "transfer needs --to (who receives it) and --name (which one; for hub, "
                                             "its identity name)");
    if (strcmp(sub, "record") == 0 && (o->due[0] || o->due_days || o->acknowledged[0]) &&
        !relais_channel_is_written(o->channel))
        return relais_cli_usage("reception", "--due, --due-days and --acknowledged are for a written request "
                                             "(letter, email or form)");
    if (strcmp(sub, "transfer") == 0 && o->recipient == RELAIS_RECIPIENT_HUB && o->means)
        return relais_cli_usage("reception", "--by: a transfer to the hub goes on the recipient's feed; leave --by out");
    if (strcmp(sub, "stats") == 0 && (!o->from[0] || !o->to[0]))
        return relais_cli_usage("reception", "stats needs --from and --to");
    if (strcmp(sub, "record") == 0 && o->number && !o->street)
        return relais_cli_usage("reception", "--number goes with --street");
    if (nargs == 0)
        return 0;
    int want_transfer = strcmp(sub, "answer") == 0, may_transfer = strcmp(sub, "show") == 0;
    unsigned forms = want_transfer  ? RELAIS_CLI_REF_TRANSFER
                     : may_transfer ? RELAIS_CLI_REF_ENTRY | RELAIS_CLI_REF_TRANSFER
                                    : RELAIS_CLI_REF_ENTRY;
    if (relais_cli_case_ref(args[0], forms, o->handle, sizeof o->handle) != 0)
        return want_transfer ? relais_cli_usage("reception", "'%s' is no transfer; expected T-<number>", args[0])
                             : relais_cli_usage("reception", "'%s' is no entry of the register; expected A-<number>%s",
                                                args[0], may_transfer ? " or T-<number>" : "");
    return 0;
}

static int s_run(s_opts_t *o, const char *sub, char **args)
{
    relais_client_t *client = NULL;
    int writes = strcmp(sub, "list") != 0 && strcmp(sub, "show") != 0 && strcmp(sub, "stats") != 0;
    int rc = writes ? relais_cli_default_spool(&o->conn, "reception", o->spool, sizeof o->spool) : 0;
    if (rc == 0)
        rc = relais_cli_connect(&o->conn, writes ? o->spool : NULL, 0, &client);
    if (rc)
        return rc;
    if (strcmp(sub, "record") == 0)
        rc = s_record(client, o);
    else if (strcmp(sub, "list") == 0)
        rc = s_list(client, o);
    else if (strcmp(sub, "show") == 0)
        rc = s_show(client, o, o->handle);
    else if (strcmp(sub, "update") == 0)
        rc = s_update(client, o, o->handle, 0);
    else if (strcmp(sub, "close") == 0)
        rc = s_update(client, o, o->handle, 1);
    else if (strcmp(sub, "transfer") == 0)
        rc = s_transfer(client, o, o->handle);
    else if (strcmp(sub, "answer") == 0)
        rc = s_answer(client, o, o->handle, args[1]);
    else
        rc = s_stats(client, o);
    relais_client_destroy(&client);
    return rc;
}

int relais_cmd_reception(int argc, char **argv)
{
    if (argc < 2)
        return relais_cli_usage("reception", "expected record, list, show, update, close, transfer, answer or stats");
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(s_help, stdout);
        return RELAIS_EXIT_OK;
    }
    s_opts_t o = {0};
    const char *sub = argv[1];
    optind = 0;
    int rc = s_parse(argc - 1, argv + 1, &o);
    if (rc == 0)
        rc = s_check(&o, sub, argc - 1 - optind, argv + 1 + optind);
    if (rc == 0)
        rc = s_run(&o, sub, argv + 1 + optind);
    return rc < 0 ? RELAIS_EXIT_OK : rc;
}
