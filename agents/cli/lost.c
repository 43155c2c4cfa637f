/* lost.c -- `relais lost`: the Tranquillité urbaine desk's lost and found: found items and
 * declared losses, their likely matches, a return, the end of a keeping, a printable extract.
 *
 * Each subcommand that writes signs one message (LostFoundItem, LostFoundUpdate) through the
 * identity's spool and waits for its acknowledgement; the hub's rules decide it. */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli_internal.h"
#include "relais_reception.h"

static const char s_help[] =
    "usage: relais lost found --category CATEGORY --description TEXT (--street STREET [--number N] | --place TEXT)\n"
    "                         --storage TEXT [--when 'YYYY-MM-DD HH:MM'] [--finder NAME [--finder-claims]]\n"
    "                         [--contact DETAILS] [--keep-until YYYY-MM-DD | --keep-days N] [--json]\n"
    "       relais lost declare --category CATEGORY --description TEXT (--street STREET [--number N] | --place TEXT)\n"
    "                         --name NAME --contact DETAILS [--when 'YYYY-MM-DD HH:MM'] [--until 'YYYY-MM-DD HH:MM']\n"
    "       relais lost list [--found | --declared] [--open] [--keeping-over] [--search TEXT] [--category CATEGORY]\n"
    "                         [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--before N] [--all] [--json]\n"
    "       relais lost show O-N|P-N [--json]\n"
    "       relais lost match O-N|P-N [--json]\n"
    "       relais lost return O-N --owner NAME --identity TEXT [--declaration P-N] [--note TEXT]\n"
    "       relais lost end O-N --outcome to-finder|handed-over|destroyed [--to NAME] [--note TEXT]\n"
    "       relais lost withdraw P-N --note TEXT\n"
    "       relais lost note O-N|P-N --note TEXT\n"
    "       relais lost extract [--from YYYY-MM-DD] [--to YYYY-MM-DD]\n"
    "\n"
    "The reception desk's lost and found. `found` registers an item handed in (O-<number>), kept\n"
    "until --keep-until (default: a year and a day after it was found; --keep-days N, or\n"
    "RELAIS_LOST_KEEP_DAYS); `declare` a loss a resident reports (P-<number>). `match` proposes the\n"
    "likely matches of either, best first, with a score and why. `return` hands a found item back\n"
    "to its owner, whose identity document was checked (--identity \"carte d'identite ...4521\": its\n"
    "kind and last characters, never a copy), closing the owner's declaration with --declaration.\n"
    "`end` records what became of an item once its keeping is over (before then, only destroyed,\n"
    "with a --note). `extract` prints the register of found items of a period, to print (A4).\n"
    "CATEGORY: keys, wallet, phone, bag, papers, jewellery, clothing, glasses, electronics, bicycle,\n"
    "toy, other. --street is looked up in the town's street list (--streets FILE or RELAIS_STREETS).\n"
    "\n" RELAIS_CLI_CONN_HELP;

enum {
    S_OPT_JSON = RELAIS_OPT_FIRST_FREE,
    S_OPT_CATEGORY,
    S_OPT_DESCRIPTION,
    S_OPT_STREET,
    S_OPT_NUMBER,
    S_OPT_STREETS,
    S_OPT_PLACE,
    S_OPT_STORAGE,
    S_OPT_WHEN,
    S_OPT_UNTIL,
    S_OPT_FINDER,
    S_OPT_FINDER_CLAIMS,
    S_OPT_NAME,
    S_OPT_CONTACT,
    S_OPT_KEEP_UNTIL,
    S_OPT_KEEP_DAYS,
    S_OPT_FOUND,
    S_OPT_DECLARED,
    S_OPT_OPEN,
    S_OPT_KEEPING_OVER,
    S_OPT_SEARCH,
    S_OPT_FROM,
    S_OPT_TO,
    S_OPT_BEFORE,
    S_OPT_ALL,
    S_OPT_OWNER,
    S_OPT_IDENTITY,
    S_OPT_DECLARATION,
    S_OPT_OUTCOME,
    S_OPT_NOTE,
};

#define S_BIT RELAIS_RCLI_BIT
#define S_DAY_MS (86400LL * 1000)

static const struct option s_long_opts[] = {
    RELAIS_CLI_CONN_OPTIONS,
    {"json", no_argument, NULL, S_OPT_JSON},
    {"category", required_argument, NULL, S_OPT_CATEGORY},
    {"description", required_argument, NULL, S_OPT_DESCRIPTION},
    {"street", required_argument, NULL, S_OPT_STREET},
    {"number", required_argument, NULL, S_OPT_NUMBER},
    {"streets", required_argument, NULL, S_OPT_STREETS},
    {"place", required_argument, NULL, S_OPT_PLACE},
    {"storage", required_argument, NULL, S_OPT_STORAGE},
    {"when", required_argument, NULL, S_OPT_WHEN},
    {"until", required_argument, NULL, S_OPT_UNTIL},
    {"finder", required_argument, NULL, S_OPT_FINDER},
    {"finder-claims", no_argument, NULL, S_OPT_FINDER_CLAIMS},
    {"name", required_argument, NULL, S_OPT_NAME},
    {"contact", required_argument, NULL, S_OPT_CONTACT},
    {"keep-until", required_argument, NULL, S_OPT_KEEP_UNTIL},
    {"keep-days", required_argument, NULL, S_OPT_KEEP_DAYS},
    {"found", no_argument, NULL, S_OPT_FOUND},
    {"declared", no_argument, NULL, S_OPT_DECLARED},
    {"open", no_argument, NULL, S_OPT_OPEN},
    {"keeping-over", no_argument, NULL, S_OPT_KEEPING_OVER},
    {"search", required_argument, NULL, S_OPT_SEARCH},
    {"from", required_argument, NULL, S_OPT_FROM},
    {"to", required_argument, NULL, S_OPT_TO},
    {"before", required_argument, NULL, S_OPT_BEFORE},
    {"all", no_argument, NULL, S_OPT_ALL},
    {"owner", required_argument, NULL, S_OPT_OWNER},
    {"identity", required_argument, NULL, S_OPT_IDENTITY},
    {"declaration", required_argument, NULL, S_OPT_DECLARATION},
    {"outcome", required_argument, NULL, S_OPT_OUTCOME},
    {"note", required_argument, NULL, S_OPT_NOTE},
    {NULL, 0, NULL, 0}};

#define S_PLACE (S_BIT(S_OPT_STREET) | S_BIT(S_OPT_NUMBER) | S_BIT(S_OPT_STREETS) | S_BIT(S_OPT_PLACE))
static const relais_rcli_sub_t s_subs[] = {
    {"found", 0,
     S_BIT(S_OPT_JSON) | S_BIT(S_OPT_CATEGORY) | S_BIT(S_OPT_DESCRIPTION) | S_PLACE | S_BIT(S_OPT_STORAGE) |
         S_BIT(S_OPT_WHEN) | S_BIT(S_OPT_FINDER) | S_BIT(S_OPT_FINDER_CLAIMS) | S_BIT(S_OPT_CONTACT) |
         S_BIT(S_OPT_KEEP_UNTIL) | S_BIT(S_OPT_KEEP_DAYS)},
    {"declare", 0,
     S_BIT(S_OPT_JSON) | S_BIT(S_OPT_CATEGORY) | S_BIT(S_OPT_DESCRIPTION) | S_PLACE | S_BIT(S_OPT_WHEN) |
         S_BIT(S_OPT_UNTIL) | S_BIT(S_OPT_NAME) | S_BIT(S_OPT_CONTACT)},
    {"list", 0,
     S_BIT(S_OPT_JSON) | S_BIT(S_OPT_FOUND) | S_BIT(S_OPT_DECLARED) | S_BIT(S_OPT_OPEN) | S_BIT(S_OPT_KEEPING_OVER) |
         S_BIT(S_OPT_SEARCH) | S_BIT(S_OPT_CATEGORY) | S_BIT(S_OPT_FROM) | S_BIT(S_OPT_TO) | S_BIT(S_OPT_BEFORE) | S_BIT(S_OPT_ALL)},
    {"show", 1, S_BIT(S_OPT_JSON)},
    {"match", 1, S_BIT(S_OPT_JSON)},
    {"return", 1,
     S_BIT(S_OPT_JSON) | S_BIT(S_OPT_OWNER) | S_BIT(S_OPT_IDENTITY) | S_BIT(S_OPT_DECLARATION) | S_BIT(S_OPT_NOTE)},
    {"end", 1, S_BIT(S_OPT_JSON) | S_BIT(S_OPT_OUTCOME) | S_BIT(S_OPT_TO) | S_BIT(S_OPT_NOTE)},
    {"withdraw", 1, S_BIT(S_OPT_JSON) | S_BIT(S_OPT_NOTE)},
    {"note", 1, S_BIT(S_OPT_JSON) | S_BIT(S_OPT_NOTE)},
    {"extract", 0, S_BIT(S_OPT_FROM) | S_BIT(S_OPT_TO) | S_BIT(S_OPT_CATEGORY)},
};

typedef struct {
    relais_cli_conn_t conn;
    int json, finder_claims, found, declared, open_only, keeping_over, all;
    relais_item_category_t category;
    relais_outcome_t outcome;
    const char *description, *street, *number, *streets, *place, *storage, *finder, *name, *contact, *search, *owner,
        *identity, *note, *to;
    int64_t when_ms, until_ms;
    long keep_days;
    char keep_until[16], from[16], to_date[16], declaration[RELAIS_CASE_ID_LEN];
    uint64_t before;
    char handle[RELAIS_CASE_ID_LEN];
    char spool[4096];
} s_opts_t;

static int s_date_opt(const char *opt, const char *arg, char *out, size_t cap)
{
    if (!relais_calendar_date(arg, NULL, NULL, NULL))
        return relais_cli_usage("lost", "%s: '%s' is not a date; expected YYYY-MM-DD", opt, arg);
    snprintf(out, cap, "%s", arg);
    return 0;
}

/* An item's handle as typed ("O-12", "o-12", "P-3"); `kinds` 'O', 'P' or 0 for either. */
static int s_item_ref(const char *opt, const char *arg, char kinds, char *out, size_t cap)
{
    char letter = arg && (arg[0] == 'o' || arg[0] == 'O') ? 'O' : arg && (arg[0] == 'p' || arg[0] == 'P') ? 'P' : 0;
    char canon[RELAIS_CASE_ID_LEN];
    snprintf(canon, sizeof canon, "%c%s", letter ? letter : '?', arg && arg[0] ? arg + 1 : "");
    if (!letter || (kinds && letter != kinds) || !relais_register_handle_seq(canon))
        return relais_cli_usage("lost", "%s'%s' is no %s; expected %s", opt, arg ? arg : "",
                                kinds == 'O'   ? "found item"
                                : kinds == 'P' ? "declared loss"
                                               : "item of the lost and found",
                                kinds == 'O' ? "O-<number>" : kinds == 'P' ? "P-<number>" : "O-<number> or P-<number>");
    snprintf(out, cap, "%s", canon);
    return 0;
}

static int s_option(void *ctx, int c, const char *arg)
{
    s_opts_t *o = ctx;
    char *end;
    switch (c) {
    case S_OPT_JSON: o->json = 1; return 0;
    case S_OPT_CATEGORY:
        o->category = relais_item_category_from_name(arg);
        return o->category ? 0
                           : relais_cli_usage("lost", "--category: '%s' is unknown; expected keys, wallet, phone, bag, "
                                                      "papers, jewellery, clothing, glasses, electronics, bicycle, toy "
                                                      "or other",
                                              arg);
    case S_OPT_DESCRIPTION: o->description = arg; return 0;
    case S_OPT_STREET: o->street = arg; return 0;
    case S_OPT_NUMBER: o->number = arg; return 0;
    case S_OPT_STREETS: o->streets = arg; return 0;
    case S_OPT_PLACE: o->place = arg; return 0;
    case S_OPT_STORAGE: o->storage = arg; return 0;
    case S_OPT_WHEN:
    case S_OPT_UNTIL:
        if (relais_rcli_local_time(arg, c == S_OPT_WHEN ? &o->when_ms : &o->until_ms) != 0)
            return relais_cli_usage("lost", "--%s: '%s' is no time; expected 'YYYY-MM-DD HH:MM' (local)",
                                    c == S_OPT_WHEN ? "when" : "until", arg);
        return 0;
    case S_OPT_FINDER: o->finder = arg; return 0;
    case S_OPT_FINDER_CLAIMS: o->finder_claims = 1; return 0;
    case S_OPT_NAME: o->name = arg; return 0;
    case S_OPT_CONTACT: o->contact = arg; return 0;
    case S_OPT_KEEP_UNTIL: return s_date_opt("--keep-until", arg, o->keep_until, sizeof o->keep_until);
    case S_OPT_KEEP_DAYS:
        o->keep_days = strtol(arg, &end, 10);
        return *end || o->keep_days < 1 || o->keep_days > 730
                   ? relais_cli_usage("lost", "--keep-days: expected 1 to 730 days")
                   : 0;
    case S_OPT_FOUND: o->found = 1; return 0;
    case S_OPT_DECLARED: o->declared = 1; return 0;
    case S_OPT_OPEN: o->open_only = 1; return 0;
    case S_OPT_KEEPING_OVER: o->keeping_over = 1; return 0;
    case S_OPT_SEARCH: o->search = arg; return 0;
    case S_OPT_FROM: return s_date_opt("--from", arg, o->from, sizeof o->from);
    case S_OPT_TO: o->to = arg; return 0;
    case S_OPT_BEFORE: {
        /* The cursor a page printed: a record number (or an item's handle, the same number). */
        char handle[RELAIS_CASE_ID_LEN];
        if (relais_cli_parse_u64(arg, &o->before) == 0 && o->before)
            return 0;
        if (s_item_ref("--before: ", arg, 0, handle, sizeof handle) != 0)
            return RELAIS_EXIT_USAGE;
        o->before = relais_register_handle_seq(handle);
        return 0;
    }
    case S_OPT_ALL: o->all = 1; return 0;
    case S_OPT_OWNER: o->owner = arg; return 0;
    case S_OPT_IDENTITY: o->identity = arg; return 0;
    case S_OPT_DECLARATION: return s_item_ref("--declaration: ", arg, 'P', o->declaration, sizeof o->declaration);
    case S_OPT_OUTCOME:
        o->outcome = relais_outcome_from_name(arg);
        return o->outcome ? 0
                          : relais_cli_usage("lost", "--outcome: '%s' is unknown; expected to-finder, handed-over or "
                                                     "destroyed",
                                             arg);
    case S_OPT_NOTE: o->note = arg; return 0;
    case RELAIS_OPT_HELP: fputs(s_help, stdout); return -1;
    default: return relais_cli_usage("lost", "unknown option or missing value");
    }
}

/* ---- Writes ------------------------------------------------------------------------------- */

static void s_put(json_t *obj, const char *key, const char *value)
{
    if (value && value[0])
        json_object_set_new(obj, key, json_string(value));
}

static int s_item(relais_client_t *client, const s_opts_t *o, int found)
{
    char street[RELAIS_CONTACT_LABEL_LEN] = "", keep[16] = "";
    if (o->street) {
        int rc = relais_rcli_street("lost", o->streets, o->street, 0, street, sizeof street);
        if (rc)
            return rc;
    }
    relais_rcli_lost_t l = {
        .kind = found ? RELAIS_LOST_KIND_FOUND : RELAIS_LOST_KIND_LOST,
        .category = o->category,
        .description = o->description,
        .street = street,
        .house_number = o->number,
        .place = o->place,
        .person = found ? o->finder : o->name,
        .contact = o->contact,
        .storage = o->storage,
        .keep_until = keep,
        .when_ms = o->when_ms ? o->when_ms : (int64_t)time(NULL) * 1000,
        .until_ms = o->until_ms,
        .finder_claims = o->finder_claims,
    };
    if (found && o->keep_until[0])
        snprintf(keep, sizeof keep, "%s", o->keep_until);
    else if (found && relais_rcli_keep_until(l.when_ms, o->keep_days, keep, sizeof keep) != 0)
        return relais_cli_usage("lost", "found: no keeping date can be said for that day");
    return relais_rcli_submit(client, "lost", o->spool, o->json, "lost_found", relais_rcli_lost_json(&l));
}

static int s_update(relais_client_t *client, const s_opts_t *o, relais_lost_update_kind_t kind)
{
    relais_rcli_lost_update_t u = {
        .item_id = o->handle,
        .kind = kind,
        .owner = o->owner,
        .identity_checked = o->identity,
        .declaration_id = o->declaration,
        .outcome = o->outcome,
        .handed_to = o->to,
        .note = o->note,
    };
    return relais_rcli_submit(client, "lost", o->spool, o->json, "lost_found_update", relais_rcli_lost_update_json(&u));
}

/* ---- Reads -------------------------------------------------------------------------------- */

static const char *s_state_fr(relais_lost_state_t s)
{
    static const char *const fr[] = {"?", "gardé", "recherché", "rendu", "retrouvé", "sorti", "retiré"};
    return (int)s >= 0 && s < RELAIS_LOST_STATE_COUNT ? fr[s] : "?";
}

static const char *s_category_fr(relais_item_category_t c)
{
    static const char *const fr[] = {"?",       "clés",        "portefeuille", "téléphone", "sac",   "papiers", "bijoux",
                                     "vêtement", "lunettes",   "électronique", "vélo",      "jouet", "autre"};
    return (int)c >= 0 && c < RELAIS_ITEM_COUNT ? fr[c] : "?";
}

static json_t *s_item_json(const relais_lost_record_t *r)
{
    char handle[RELAIS_CASE_ID_LEN];
    relais_lost_handle(r->kind, r->seq, handle);
    json_t *j = json_object();
    json_object_set_new(j, "id", json_string(handle));
    json_object_set_new(j, "kind", json_string(relais_lost_kind_name(r->kind) ? relais_lost_kind_name(r->kind) : "?"));
    json_object_set_new(j, "category", json_string(relais_item_category_name(r->category) ? relais_item_category_name(r->category) : "?"));
    json_object_set_new(j, "state", json_string(relais_lost_state_name(r->state) ? relais_lost_state_name(r->state) : "?"));
    json_object_set_new(j, "when_ms", json_integer(r->when_ms));
    s_put(j, "description", r->description);
    s_put(j, "street", r->street);
    s_put(j, "house_number", r->house_number);
    s_put(j, "place", r->place);
    s_put(j, "person", r->person);
    s_put(j, "contact", r->contact);
    s_put(j, "storage", r->storage);
    s_put(j, "keep_until", r->keep_until);
    s_put(j, "owner", r->owner);
    s_put(j, "identity_checked", r->identity_checked);
    s_put(j, "matched_id", r->matched_id);
    if (r->outcome)
        json_object_set_new(j, "outcome", json_string(relais_outcome_name(r->outcome)));
    s_put(j, "handed_to", r->handed_to);
    return j;
}

static void s_where_text(const relais_lost_record_t *r, char *out, size_t cap)
{
    if (r->street[0] && r->place[0])
        snprintf(out, cap, "%s%s%s (%s)", r->house_number, r->house_number[0] ? " " : "", r->street, r->place);
    else if (r->street[0])
        snprintf(out, cap, "%s%s%s", r->house_number, r->house_number[0] ? " " : "", r->street);
    else
        snprintf(out, cap, "%s", r->place);
}

static void s_line(FILE *out, const relais_lost_record_t *r)
{
    char handle[RELAIS_CASE_ID_LEN], when[32], where[1200];
    relais_lost_handle(r->kind, r->seq, handle);
    relais_cli_date_time(r->when_ms, RELAIS_CLI_FR, when, sizeof when);
    s_where_text(r, where, sizeof where);
    relais_cli_line(out, "%-8s %-10s %-13s %-12s %s — %.60s — %s", handle, s_state_fr(r->state),
                    s_category_fr(r->category), when, r->kind == RELAIS_LOST_KIND_FOUND ? "trouvé" : "perdu",
                    r->description, where);
}

static void s_query_init(const s_opts_t *o, relais_request_t *q)
{
    memset(q, 0, sizeof *q);
    q->kind = RELAIS_REQ_LOST_LIST;
    q->lost_kind = o->found ? RELAIS_LOST_KIND_FOUND : o->declared ? RELAIS_LOST_KIND_LOST : 0;
    q->item_category = o->category;
    q->open_only = o->open_only;
    q->keeping_over = o->keeping_over;
    snprintf(q->search, sizeof q->search, "%s", o->search ? o->search : "");
    if (o->from[0])
        relais_rcli_local_time(o->from, &q->from_ms);
    q->to_ms = relais_reception_day_end_ms(o->to_date);
    q->before = o->before;
}

/* A page of the list (every page with --all): one JSON line an item and the next page's cursor,
 * as `relais reception list --json`, or lines to read. */
static int s_list(relais_client_t *client, const s_opts_t *o)
{
    relais_request_t q;
    s_query_init(o, &q);
    size_t shown = 0;
    uint64_t next = 0;
    do {
        relais_reply_t reply;
        relais_error_t err;
        int rc = relais_client_lost(client, &q, &reply, &err);
        if (rc)
            return relais_cli_fail("lost", rc, &err);
        if (!o->json && shown == 0 && reply.lost_count)
            relais_cli_line(stdout, "Objets trouvés et déclarations de perte");
        for (size_t i = 0; i < reply.lost_count; i++) {
            if (o->json)
                relais_cli_print_json(stdout, s_item_json(&reply.lost[i]));
            else
                s_line(stdout, &reply.lost[i]);
        }
        shown += reply.lost_count;
        next = q.before = reply.next_seq;
        relais_reply_clear(&reply);
    } while (o->all && next);
    if (next && o->json) {
        json_t *cursor = json_object();
        json_object_set_new(cursor, "next_before", json_integer((json_int_t)next));
        relais_cli_print_json(stdout, cursor);
    } else if (next) {
        relais_cli_line(stdout, "(suite : --before %" PRIu64 ", ou --all)", next);
    }
    if (!o->json && shown == 0)
        relais_cli_line(stdout, "Aucun objet ni déclaration.");
    return RELAIS_EXIT_OK;
}

static void s_item_page(FILE *out, const relais_lost_record_t *r)
{
    char handle[RELAIS_CASE_ID_LEN], when[32], where[1200], closed[32];
    relais_lost_handle(r->kind, r->seq, handle);
    relais_cli_date_time(r->when_ms, RELAIS_CLI_FR, when, sizeof when);
    s_where_text(r, where, sizeof where);
    int found = r->kind == RELAIS_LOST_KIND_FOUND;
    relais_cli_line(out, "%s — %s (%s), %s", handle, found ? "objet trouvé" : "déclaration de perte",
                    s_category_fr(r->category), s_state_fr(r->state));
    relais_cli_line(out, "  Description : %s", r->description);
    relais_cli_line(out, "  %s le %s, %s", found ? "Trouvé" : "Perdu", when, where);
    if (r->person[0])
        relais_cli_line(out, "  %s : %s%s%s", found ? "Trouvé par" : "Déclaré par", r->person,
                        r->contact[0] ? ", " : "", r->contact);
    char keep[40];
    relais_cli_date(r->keep_until, RELAIS_CLI_FR, keep, sizeof keep);
    if (found)
        relais_cli_line(out, "  Rangé : %s ; gardé jusqu'au %s%s", r->storage, keep,
                        r->finder_claims ? " (le découvreur le demande s'il n'est pas réclamé)" : "");
    if (r->state == RELAIS_LOST_STATE_RETURNED || r->state == RELAIS_LOST_STATE_RECOVERED) {
        relais_cli_date_time(r->closed_ms, RELAIS_CLI_FR, closed, sizeof closed);
        relais_cli_line(out, "  Rendu le %s à %s%s%s%s%s", closed, r->owner, r->identity_checked[0] ? " (pièce vérifiée : " : "",
                        r->identity_checked, r->identity_checked[0] ? ")" : "", "");
        if (r->matched_id[0])
            relais_cli_line(out, "  %s %s", found ? "Déclaration close :" : "Objet rendu :", r->matched_id);
    }
    if (r->state == RELAIS_LOST_STATE_ENDED) {
        relais_cli_date_time(r->closed_ms, RELAIS_CLI_FR, closed, sizeof closed);
        relais_cli_line(out, "  Fin de garde le %s : %s%s%s", closed, relais_outcome_name(r->outcome),
                        r->handed_to[0] ? ", à " : "", r->handed_to);
    }
}

/* One line of an item's story, from one of its records. */
static void s_timeline_line(const uint8_t *record, size_t len)
{
    relais_log_record_t lr;
    relais_message_t *msg = NULL;
    relais_lost_update_view_t u;
    if (relais_record_message_decode(record, len, &lr, NULL, &msg) != 0) {
        relais_cli_line(stdout, "    ?");
        return;
    }
    char when[32];
    relais_cli_date_time(lr.received_ms, RELAIS_CLI_FR, when, sizeof when);
    const char *who = relais_message_sender(msg);
    if (relais_message_lost_update(msg, &u) != 0)
        relais_cli_line(stdout, "    %s  %s  enregistrement", when, who);
    else if (u.kind == RELAIS_LOST_UPDATE_RETURN)
        relais_cli_line(stdout, "    %s  %s  rendu à %s (pièce vérifiée : %s)%s%s%s%s", when, who, u.owner,
                        u.identity_checked, u.declaration_id[0] ? ", déclaration " : "", u.declaration_id,
                        u.note[0] ? " — " : "", u.note);
    else if (u.kind == RELAIS_LOST_UPDATE_END)
        relais_cli_line(stdout, "    %s  %s  fin de garde : %s%s%s%s%s", when, who, relais_outcome_name(u.outcome),
                        u.handed_to[0] ? ", à " : "", u.handed_to, u.note[0] ? " — " : "", u.note);
    else
        relais_cli_line(stdout, "    %s  %s  %s%s", when, who,
                        u.kind == RELAIS_LOST_UPDATE_WITHDRAW ? "déclaration retirée : " : "note : ", u.note);
    relais_message_destroy(&msg);
}

static int s_show(relais_client_t *client, const s_opts_t *o)
{
    relais_request_t q = {.kind = RELAIS_REQ_LOST_SHOW};
    relais_reply_t reply;
    relais_error_t err;
    snprintf(q.case_id, sizeof q.case_id, "%s", o->handle);
    int rc = relais_client_lost(client, &q, &reply, &err);
    if (rc)
        return relais_cli_fail("lost", rc, &err);
    if (o->json) {
        json_t *j = s_item_json(&reply.lost[0]);
        json_object_set_new(j, "records", json_integer((json_int_t)reply.record_count));
        relais_cli_print_json(stdout, j);
    } else {
        s_item_page(stdout, &reply.lost[0]);
        relais_cli_line(stdout, "  Historique :");
        for (size_t i = 0; i < reply.record_count; i++)
            s_timeline_line(reply.records[i], reply.record_lens[i]);
    }
    relais_reply_clear(&reply);
    return RELAIS_EXIT_OK;
}

static void s_reasons(unsigned reasons, char *out, size_t cap)
{
    static const struct {
        unsigned bit;
        const char *fr;
    } words[] = {{RELAIS_MATCH_SAME_CATEGORY, "même catégorie"},
                 {RELAIS_MATCH_CLOSE_DATES, "dates proches"},
                 {RELAIS_MATCH_SAME_STREET, "même rue"},
                 {RELAIS_MATCH_SAME_PLACE, "même lieu"},
                 {RELAIS_MATCH_SAME_WORDS, "description proche"}};
    out[0] = '\0';
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (reasons & words[i].bit)
            snprintf(out + strlen(out), cap - strlen(out), "%s%s", out[0] ? ", " : "", words[i].fr);
}

static int s_match(relais_client_t *client, const s_opts_t *o)
{
    relais_request_t q = {.kind = RELAIS_REQ_LOST_MATCH};
    relais_reply_t reply;
    relais_error_t err;
    snprintf(q.case_id, sizeof q.case_id, "%s", o->handle);
    int rc = relais_client_lost(client, &q, &reply, &err);
    if (rc)
        return relais_cli_fail("lost", rc, &err);
    if (o->json) {
        /* One line a likely match, best first. */
        for (size_t i = 0; i < reply.match_count; i++) {
            char why[160];
            json_t *j = s_item_json(&reply.matches[i].candidate);
            s_reasons(reply.matches[i].reasons, why, sizeof why);
            json_object_set_new(j, "score", json_integer(reply.matches[i].score));
            json_object_set_new(j, "why", json_string(why));
            relais_cli_print_json(stdout, j);
        }
    } else {
        relais_cli_line(stdout, "Rapprochements possibles de %s : %zu", o->handle, reply.match_count);
        for (size_t i = 0; i < reply.match_count; i++) {
            char why[160];
            s_reasons(reply.matches[i].reasons, why, sizeof why);
            relais_cli_line(stdout, "  score %3u — %s", reply.matches[i].score, why);
            s_line(stdout, &reply.matches[i].candidate);
        }
    }
    relais_reply_clear(&reply);
    return RELAIS_EXIT_OK;
}

/* `text` cut or padded to `width` characters (not bytes: the columns of a page line up with accents). */
static const char *s_cell(const char *text, size_t width, char *out, size_t cap)
{
    size_t chars = 0, n = 0;
    for (const char *p = text; *p && n + 4 < cap; p++) {
        if (((unsigned char)*p & 0xc0) != 0x80 && chars++ == width)
            break;
        out[n++] = *p;
    }
    while (chars < width && n + 1 < cap) {
        out[n++] = ' ';
        chars++;
    }
    out[n] = '\0';
    return out;
}

/* The register of found items of a period, every page of it, as a page to print. */
static int s_extract(relais_client_t *client, const s_opts_t *o)
{
    relais_request_t q;
    s_query_init(o, &q);
    q.lost_kind = RELAIS_LOST_KIND_FOUND;
    char today[32];
    relais_cli_date_time((int64_t)time(NULL) * 1000, RELAIS_CLI_FR, today, sizeof today);
    relais_cli_line(stdout, "VILLE DE SCEAUX — Tranquillité urbaine");
    char from[40], to[40];
    relais_cli_date(o->from, RELAIS_CLI_FR, from, sizeof from);
    relais_cli_date(o->to_date, RELAIS_CLI_FR, to, sizeof to);
    if (o->from[0] || o->to_date[0])
        relais_cli_line(stdout, "Registre des objets trouvés — extrait%s%s%s%s", o->from[0] ? " du " : "", from,
                        o->to_date[0] ? " au " : " à ce jour", to);
    else
        relais_cli_line(stdout, "Registre des objets trouvés — tous les objets enregistrés");
    relais_cli_line(stdout, "Édité le %s", today);
    relais_cli_line(stdout, "%s", "");
    char c1[64], c2[64], c3[64], c4[160], c5[160], c6[64];
    relais_cli_line(stdout, "%s %s %s %s %s %s %s", s_cell("N°", 8, c1, sizeof c1), s_cell("Trouvé le", 16, c2, sizeof c2),
                    s_cell("Catégorie", 12, c3, sizeof c3), s_cell("Description", 28, c4, sizeof c4),
                    s_cell("Lieu", 24, c5, sizeof c5), s_cell("État", 9, c6, sizeof c6), "Rangement / sortie");
    size_t total = 0;
    for (;;) {
        relais_reply_t reply;
        relais_error_t err;
        int rc = relais_client_lost(client, &q, &reply, &err);
        if (rc)
            return relais_cli_fail("lost", rc, &err);
        for (size_t i = 0; i < reply.lost_count; i++) {
            const relais_lost_record_t *r = &reply.lost[i];
            char handle[RELAIS_CASE_ID_LEN], when[32], where[1200], fate[600];
            relais_lost_handle(r->kind, r->seq, handle);
            relais_cli_date_time(r->when_ms, RELAIS_CLI_FR, when, sizeof when);
            s_where_text(r, where, sizeof where);
            if (r->state == RELAIS_LOST_STATE_RETURNED)
                snprintf(fate, sizeof fate, "rendu à son propriétaire");
            else if (r->state == RELAIS_LOST_STATE_ENDED)
                snprintf(fate, sizeof fate, "%s%s%.200s", relais_outcome_name(r->outcome), r->handed_to[0] ? ", " : "",
                         r->handed_to);
            else
                snprintf(fate, sizeof fate, "%.200s, jusqu'au %s", r->storage, r->keep_until);
            relais_cli_line(stdout, "%s %s %s %s %s %s %s", s_cell(handle, 8, c1, sizeof c1), s_cell(when, 16, c2, sizeof c2),
                            s_cell(s_category_fr(r->category), 12, c3, sizeof c3),
                            s_cell(r->description, 28, c4, sizeof c4), s_cell(where, 24, c5, sizeof c5),
                            s_cell(s_state_fr(r->state), 9, c6, sizeof c6), fate);
            total++;
        }
        uint64_t next = reply.next_seq;
        relais_reply_clear(&reply);
        if (!next)
            break;
        q.before = next;
    }
    relais_cli_line(stdout, "%s", "");
    relais_cli_line(stdout, "%zu objet%s au registre pour la période.", total, total == 1 ? "" : "s");
    return RELAIS_EXIT_OK;
}

/* ---- The command -------------------------------------------------------------------------- */

/* What the options of a subcommand must say together, once each was read. */
static int s_check(s_opts_t *o, const char *sub, int nargs, char **args)
{
    if (o->to && strcmp(sub, "end") != 0 && s_date_opt("--to", o->to, o->to_date, sizeof o->to_date) != 0)
        return RELAIS_EXIT_USAGE;
    int found = strcmp(sub, "found") == 0, declare = strcmp(sub, "declare") == 0;
    if ((found || declare) && (!o->category || !o->description))
        return relais_cli_usage("lost", "%s needs %s", sub,
                                !o->category ? "--category (keys, wallet, phone, ... other)" : "--description (what it looks like)");
    if ((found || declare) && !o->street && !o->place)
        return relais_cli_usage("lost", "%s needs where: --street (and --number) or --place", sub);
    if ((found || declare) && o->number && !o->street)
        return relais_cli_usage("lost", "--number goes with --street");
    if (found && !o->storage)
        return relais_cli_usage("lost", "found needs --storage: where the item is kept");
    if (found && o->finder_claims && !o->finder)
        return relais_cli_usage("lost", "--finder-claims: the item can go to its finder only if they give their name "
                                        "(--finder)");
    if (declare && (!o->name || !o->contact))
        return relais_cli_usage("lost", "declare needs %s", !o->name ? "--name (who lost it)"
                                                                      : "--contact (to tell them when it is found)");
    if (strcmp(sub, "return") == 0 && (!o->owner || !o->identity))
        return relais_cli_usage("lost", "return needs %s",
                                !o->owner ? "--owner (who takes it back)"
                                          : "--identity (the document checked: its kind and last characters)");
    if (strcmp(sub, "end") == 0 && !o->outcome)
        return relais_cli_usage("lost", "end needs --outcome (to-finder, handed-over or destroyed)");
    if (strcmp(sub, "end") == 0 && o->outcome == RELAIS_OUTCOME_HANDED_OVER && !o->to)
        return relais_cli_usage("lost", "--outcome handed-over needs --to: to whom");
    if ((strcmp(sub, "withdraw") == 0 || strcmp(sub, "note") == 0) && !o->note)
        return relais_cli_usage("lost", "%s needs --note", sub);
    if (o->from[0] && o->to_date[0] && strcmp(o->from, o->to_date) > 0)
        return relais_cli_usage("lost", "--from %s is after --to %s", o->from, o->to_date);
    if (o->found && o->declared)
        return relais_cli_usage("lost", "--found and --declared: one or the other (neither lists both)");
    if (nargs == 1) {
        char kind = strcmp(sub, "return") == 0 || strcmp(sub, "end") == 0 ? 'O' : strcmp(sub, "withdraw") == 0 ? 'P' : 0;
        return s_item_ref("", args[0], kind, o->handle, sizeof o->handle);
    }
    return 0;
}

static int s_run(s_opts_t *o, const char *sub)
{
    relais_client_t *client = NULL;
    int writes = strcmp(sub, "list") && strcmp(sub, "show") && strcmp(sub, "match") && strcmp(sub, "extract");
    int rc = writes ? relais_cli_default_spool(&o->conn, "lost", o->spool, sizeof o->spool) : 0;
    if (rc == 0)
        rc = relais_cli_connect(&o->conn, writes ? o->spool : NULL, 0, &client);
    if (rc)
        return rc;
    if (strcmp(sub, "found") == 0 || strcmp(sub, "declare") == 0)
        rc = s_item(client, o, strcmp(sub, "found") == 0);
    else if (strcmp(sub, "list") == 0)
        rc = s_list(client, o);
    else if (strcmp(sub, "show") == 0)
        rc = s_show(client, o);
    else if (strcmp(sub, "match") == 0)
        rc = s_match(client, o);
    else if (strcmp(sub, "extract") == 0)
        rc = s_extract(client, o);
    else
        rc = s_update(client, o,
                      strcmp(sub, "return") == 0     ? RELAIS_LOST_UPDATE_RETURN
                      : strcmp(sub, "end") == 0      ? RELAIS_LOST_UPDATE_END
                      : strcmp(sub, "withdraw") == 0 ? RELAIS_LOST_UPDATE_WITHDRAW
                                                     : RELAIS_LOST_UPDATE_NOTE);
    relais_client_destroy(&client);
    return rc;
}

int relais_cmd_lost(int argc, char **argv)
{
    if (argc < 2)
        return relais_cli_usage("lost", "expected found, declare, list, show, match, return, end, withdraw, note or "
                                        "extract");
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(s_help, stdout);
        return RELAIS_EXIT_OK;
    }
    s_opts_t o = {0};
    const relais_rcli_sub_t *sub = NULL;
    int rc = relais_rcli_parse("lost", argc - 1, argv + 1, s_long_opts, s_subs, sizeof s_subs / sizeof s_subs[0],
                               &o.conn, s_option, &o, &sub);
    if (rc == 0)
        rc = s_check(&o, sub->name, sub->args, argv + 1 + optind);
    if (rc == 0)
        rc = s_run(&o, sub->name);
    return rc < 0 ? RELAIS_EXIT_OK : rc;
}
