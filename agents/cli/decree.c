/* decree.c -- `relais decree`: the town's municipal decrees, published by the mayor's office and
 * asked about at the desk all day ("is parking banned in rue Houdan on the 14th?"). */
#include <getopt.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "cli_internal.h"
#include "relais_reception.h"

static const char s_help[] =
    "usage: relais decree publish --number N --title TEXT (--regulatory | --individual) (--permanent | --temporary)\n"
    "                             --signed YYYY-MM-DD --from YYYY-MM-DD [--to YYYY-MM-DD] --signatory TEXT\n"
    "                             (--town-wide | --street STREET [--numbers A-B] [--side even|odd] ...)\n"
    "                             (--text FILE | --pdf FILE) [--repeals N]... [--request A-N] [--json]\n"
    "       relais decree in-force --street STREET [--number N] [--on YYYY-MM-DD] [--json]\n"
    "       relais decree list [--on YYYY-MM-DD] [--search TEXT] [--before SEQ] [--json]\n"
    "       relais decree show NUMBER [--json]\n"
    "\n"
    "The town's decrees (arretes municipaux). `publish` is the mayor's office's (an identity of role\n"
    "publisher): each --street starts a place, which --numbers (\"2-40\", \"15\", \"100-\") and --side\n"
    "narrow; the streets are looked up in the town's list (--streets FILE or RELAIS_STREETS). A\n"
    "regulatory decree gives its text (--text FILE) or the signed PDF (--pdf FILE: its SHA-256 is\n"
    "published); an individual decree names a person, so only its PDF's hash is, with --request the\n"
    "register entry of the request. `in-force` answers what applies at a place on a day (today by\n"
    "default), the decrees of the whole town included.\n"
    "\n" RELAIS_CLI_CONN_HELP;

enum {
    S_OPT_JSON = RELAIS_OPT_FIRST_FREE,
    S_OPT_NUMBER_OF,
    S_OPT_TITLE,
    S_OPT_REGULATORY,
    S_OPT_INDIVIDUAL,
    S_OPT_PERMANENT,
    S_OPT_TEMPORARY,
    S_OPT_SIGNED,
    S_OPT_FROM,
    S_OPT_TO,
    S_OPT_SIGNATORY,
    S_OPT_TOWN_WIDE,
    S_OPT_STREET,
    S_OPT_NUMBERS,
    S_OPT_SIDE,
    S_OPT_STREETS,
    S_OPT_TEXT,
    S_OPT_PDF,
    S_OPT_REPEALS,
    S_OPT_REQUEST,
    S_OPT_HOUSE,
    S_OPT_ON,
    S_OPT_SEARCH,
    S_OPT_BEFORE,
};

#define S_BIT RELAIS_RCLI_BIT
#define S_TEXT_MAX (256 * 1024) /* bytes of a decree's text file */

static const struct option s_long_opts[] = {
    RELAIS_CLI_CONN_OPTIONS,
    {"json", no_argument, NULL, S_OPT_JSON},
    {"title", required_argument, NULL, S_OPT_TITLE},
    {"regulatory", no_argument, NULL, S_OPT_REGULATORY},
    {"individual", no_argument, NULL, S_OPT_INDIVIDUAL},
    {"permanent", no_argument, NULL, S_OPT_PERMANENT},
    {"temporary", no_argument, NULL, S_OPT_TEMPORARY},
    {"signed", required_argument, NULL, S_OPT_SIGNED},
    {"from", required_argument, NULL, S_OPT_FROM},
    {"to", required_argument, NULL, S_OPT_TO},
    {"signatory", required_argument, NULL, S_OPT_SIGNATORY},
    {"town-wide", no_argument, NULL, S_OPT_TOWN_WIDE},
    {"street", required_argument, NULL, S_OPT_STREET},
    {"numbers", required_argument, NULL, S_OPT_NUMBERS},
    {"side", required_argument, NULL, S_OPT_SIDE},
    {"streets", required_argument, NULL, S_OPT_STREETS},
    {"text", required_argument, NULL, S_OPT_TEXT},
    {"pdf", required_argument, NULL, S_OPT_PDF},
    {"repeals", required_argument, NULL, S_OPT_REPEALS},
    {"request", required_argument, NULL, S_OPT_REQUEST},
    /* --number is the decree's number for publish, a house number for in-force */
    {"number", required_argument, NULL, S_OPT_NUMBER_OF},
    {"on", required_argument, NULL, S_OPT_ON},
    {"search", required_argument, NULL, S_OPT_SEARCH},
    {"before", required_argument, NULL, S_OPT_BEFORE},
    {NULL, 0, NULL, 0}};

static const relais_rcli_sub_t s_subs[] = {
    {"publish", 0,
     S_BIT(S_OPT_JSON) | S_BIT(S_OPT_NUMBER_OF) | S_BIT(S_OPT_TITLE) | S_BIT(S_OPT_REGULATORY) |
         S_BIT(S_OPT_INDIVIDUAL) | S_BIT(S_OPT_PERMANENT) | S_BIT(S_OPT_TEMPORARY) | S_BIT(S_OPT_SIGNED) |
         S_BIT(S_OPT_FROM) | S_BIT(S_OPT_TO) | S_BIT(S_OPT_SIGNATORY) | S_BIT(S_OPT_TOWN_WIDE) | S_BIT(S_OPT_STREET) |
         S_BIT(S_OPT_NUMBERS) | S_BIT(S_OPT_SIDE) | S_BIT(S_OPT_STREETS) | S_BIT(S_OPT_TEXT) | S_BIT(S_OPT_PDF) |
         S_BIT(S_OPT_REPEALS) | S_BIT(S_OPT_REQUEST)},
    {"in-force", 0, S_BIT(S_OPT_JSON) | S_BIT(S_OPT_STREET) | S_BIT(S_OPT_NUMBER_OF) | S_BIT(S_OPT_STREETS) | S_BIT(S_OPT_ON)},
    {"list", 0, S_BIT(S_OPT_JSON) | S_BIT(S_OPT_ON) | S_BIT(S_OPT_SEARCH) | S_BIT(S_OPT_BEFORE)},
    {"show", 1, S_BIT(S_OPT_JSON)},
};

typedef struct {
    char street[RELAIS_CONTACT_LABEL_LEN]; /* as typed, then as the list spells it */
    uint32_t from, to;
    relais_side_t side;
} s_place_t;

typedef struct {
    relais_cli_conn_t conn;
    int json, town_wide;
    relais_decree_nature_t nature;
    relais_decree_duration_t duration;
    const char *number, *title, *signatory, *streets, *text_path, *pdf_path, *request, *search;
    char signed_date[16], from[16], to[16], on[16];
    s_place_t places[RELAIS_MAX_DECREE_PLACES];
    size_t place_count;
    const char *repeals[RELAIS_MAX_REPEALS];
    size_t repeal_count;
    uint64_t before;
    char spool[4096];
} s_opts_t;

static int s_date_opt(const char *opt, const char *arg, char *out)
{
    if (!relais_calendar_date(arg, NULL, NULL, NULL))
        return relais_cli_usage("decree", "%s: '%s' is not a date; expected YYYY-MM-DD", opt, arg);
    snprintf(out, 16, "%s", arg);
    return 0;
}


static int s_option(void *ctx, int c, const char *arg)
{
    s_opts_t *o = ctx;
    s_place_t *last = o->place_count ? &o->places[o->place_count - 1] : NULL;
    switch (c) {
    case S_OPT_JSON: o->json = 1; return 0;
    case S_OPT_NUMBER_OF: o->number = arg; return 0;
    case S_OPT_TITLE: o->title = arg; return 0;
    case S_OPT_REGULATORY: o->nature = RELAIS_DECREE_REGULATORY; return 0;
    case S_OPT_INDIVIDUAL: o->nature = RELAIS_DECREE_INDIVIDUAL; return 0;
    case S_OPT_PERMANENT: o->duration = RELAIS_DECREE_PERMANENT; return 0;
    case S_OPT_TEMPORARY: o->duration = RELAIS_DECREE_TEMPORARY; return 0;
    case S_OPT_SIGNED: return s_date_opt("--signed", arg, o->signed_date);
    case S_OPT_FROM: return s_date_opt("--from", arg, o->from);
    case S_OPT_TO: return s_date_opt("--to", arg, o->to);
    case S_OPT_ON: return s_date_opt("--on", arg, o->on);
    case S_OPT_SIGNATORY: o->signatory = arg; return 0;
    case S_OPT_TOWN_WIDE: o->town_wide = 1; return 0;
    case S_OPT_STREET:
        if (o->place_count == RELAIS_MAX_DECREE_PLACES)
            return relais_cli_usage("decree", "--street: at most %d places", RELAIS_MAX_DECREE_PLACES);
        snprintf(o->places[o->place_count++].street, sizeof o->places[0].street, "%s", arg);
        return 0;
    case S_OPT_NUMBERS:
        if (!last)
            return relais_cli_usage("decree", "--numbers: which street? Give --street first");
        if (last->from || last->to)
            return relais_cli_usage("decree", "--numbers: given twice for %s; give the street again for another range",
                                    last->street);
        return relais_decree_numbers_parse(arg, &last->from, &last->to)
                   ? relais_cli_usage("decree", "--numbers: %s", relais_status_detail())
                   : 0;
    case S_OPT_SIDE:
        if (!last)
            return relais_cli_usage("decree", "--side: which street? Give --street first");
        last->side = relais_side_from_name(arg);
        return last->side == RELAIS_SIDE_COUNT ? relais_cli_usage("decree", "--side: '%s'; expected even, odd or both", arg)
                                               : 0;
    case S_OPT_STREETS: o->streets = arg; return 0;
    case S_OPT_TEXT: o->text_path = arg; return 0;
    case S_OPT_PDF: o->pdf_path = arg; return 0;
    case S_OPT_REPEALS:
        if (o->repeal_count == RELAIS_MAX_REPEALS)
            return relais_cli_usage("decree", "--repeals: at most %d decrees", RELAIS_MAX_REPEALS);
        o->repeals[o->repeal_count++] = arg;
        return 0;
    case S_OPT_REQUEST: o->request = arg; return 0;
    case S_OPT_SEARCH: o->search = arg; return 0;
    case S_OPT_BEFORE:
        return relais_cli_parse_u64(arg, &o->before) ? relais_cli_usage("decree", "--before: expected a record number")
                                                     : 0;
    case RELAIS_OPT_HELP: fputs(s_help, stdout); return -1;
    default: return relais_cli_usage("decree", "unknown option or missing value");
    }
}

/* ---- publish -------------------------------------------------------------------------------- */

static int s_read_file(const char *opt, const char *path, char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return relais_cli_usage("decree", "%s: %s cannot be read", opt, path);
    char *buf = malloc(S_TEXT_MAX + 1);
    size_t n = buf ? fread(buf, 1, S_TEXT_MAX + 1, f) : 0;
    int big = n > S_TEXT_MAX || (strcmp(opt, "--pdf") == 0 && !feof(f));
    fclose(f);
    if (!buf)
        return relais_cli_local("decree", RELAIS_E_NOMEM);
    buf[n > S_TEXT_MAX ? S_TEXT_MAX : n] = '\0';
    *out = buf;
    *len = n;
    return big && strcmp(opt, "--text") == 0 ? (free(buf), relais_cli_usage("decree", "--text: %s is over %d KiB", path, S_TEXT_MAX / 1024)) : 0;
}

/* The SHA-256 of a file, whatever its size. */
static int s_pdf_hash(const char *path, uint8_t hash[32])
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return relais_cli_usage("decree", "--pdf: %s cannot be read", path);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;
    uint8_t buf[65536];
    size_t n;
    while (ok && (n = fread(buf, 1, sizeof buf, f)) > 0)
        ok = EVP_DigestUpdate(ctx, buf, n) == 1;
    ok = ok && !ferror(f) && EVP_DigestFinal_ex(ctx, hash, NULL) == 1;
    EVP_MD_CTX_free(ctx);
    fclose(f);
    return ok ? 0 : relais_cli_local("decree", RELAIS_E_CRYPTO);
}

static int s_publish(relais_client_t *client, const s_opts_t *o)
{
    json_t *body = json_object();
    json_object_set_new(body, "number", json_string(o->number));
    json_object_set_new(body, "title", json_string(o->title));
    json_object_set_new(body, "nature", json_integer(o->nature));
    json_object_set_new(body, "duration", json_integer(o->duration));
    json_object_set_new(body, "signed_date", json_string(o->signed_date));
    json_object_set_new(body, "effective_from", json_string(o->from));
    if (o->to[0])
        json_object_set_new(body, "effective_to", json_string(o->to));
    if (o->town_wide)
        json_object_set_new(body, "town_wide", json_true());
    json_t *places = json_array();
    for (size_t i = 0; i < o->place_count; i++) {
        char street[RELAIS_CONTACT_LABEL_LEN];
        int rc = relais_rcli_street("decree", o->streets, o->places[i].street, 0, street, sizeof street);
        if (rc) {
            json_decref(places);
            json_decref(body);
            return rc;
        }
        json_t *p = json_object();
        json_object_set_new(p, "street", json_string(street));
        if (o->places[i].from)
            json_object_set_new(p, "from_number", json_integer(o->places[i].from));
        if (o->places[i].to)
            json_object_set_new(p, "to_number", json_integer(o->places[i].to));
        if (o->places[i].side)
            json_object_set_new(p, "side", json_integer(o->places[i].side));
        json_array_append_new(places, p);
    }
    if (o->place_count)
        json_object_set_new(body, "places", places);
    else
        json_decref(places);
    if (o->text_path) {
        char *text = NULL;
        size_t len = 0;
        int rc = s_read_file("--text", o->text_path, &text, &len);
        if (rc) {
            json_decref(body);
            return rc;
        }
        json_object_set_new(body, "text", json_string(text));
        free(text);
    }
    if (o->pdf_path) {
        uint8_t hash[32];
        char b64[64];
        int rc = s_pdf_hash(o->pdf_path, hash);
        if (rc) {
            json_decref(body);
            return rc;
        }
        sodium_bin2base64(b64, sizeof b64, hash, sizeof hash, sodium_base64_VARIANT_ORIGINAL);
        json_object_set_new(body, "pdf_sha256", json_string(b64));
    }
    if (o->repeal_count) {
        json_t *list = json_array();
        for (size_t i = 0; i < o->repeal_count; i++)
            json_array_append_new(list, json_string(o->repeals[i]));
        json_object_set_new(body, "repeals", list);
    }
    json_object_set_new(body, "signatory", json_string(o->signatory));
    if (o->request)
        json_object_set_new(body, "request_entry", json_string(o->request));
    return relais_rcli_submit(client, "decree", o->spool, o->json, "decree", body);
}

/* ---- reads ---------------------------------------------------------------------------------- */

static void s_place_text(const relais_decree_place_t *p, char *out, size_t cap)
{
    const char *side = p->side == RELAIS_SIDE_EVEN ? ", côté pair" : p->side == RELAIS_SIDE_ODD ? ", côté impair" : "";
    if (!p->from_number && !p->to_number)
        snprintf(out, cap, "%s%s", p->street, side);
    else if (p->from_number == p->to_number)
        snprintf(out, cap, "%s, n° %u", p->street, p->from_number);
    else if (!p->to_number)
        snprintf(out, cap, "%s, à partir du n° %u%s", p->street, p->from_number, side);
    else
        snprintf(out, cap, "%s, n° %u à %u%s", p->street, p->from_number ? p->from_number : 1, p->to_number, side);
}

static json_t *s_decree_json(const relais_decree_record_t *r)
{
    const relais_decree_t *d = &r->decree;
    json_t *j = json_object();
    json_object_set_new(j, "number", json_string(d->number));
    json_object_set_new(j, "title", json_string(d->title));
    json_object_set_new(j, "nature", json_string(relais_decree_nature_name(d->nature)));
    json_object_set_new(j, "duration", json_string(relais_decree_duration_name(d->duration)));
    json_object_set_new(j, "signed_date", json_string(d->signed_date));
    json_object_set_new(j, "effective_from", json_string(d->effective_from));
    if (d->effective_to[0])
        json_object_set_new(j, "effective_to", json_string(d->effective_to));
    json_object_set_new(j, "town_wide", json_boolean(d->town_wide));
    json_t *places = json_array();
    for (size_t i = 0; i < d->place_count; i++) {
        char text[700];
        s_place_text(&d->places[i], text, sizeof text);
        json_array_append_new(places, json_string(text));
    }
    json_object_set_new(j, "places", places);
    json_object_set_new(j, "signatory", json_string(d->signatory));
    json_object_set_new(j, "seq", json_integer((json_int_t)r->seq));
    json_object_set_new(j, "published_ms", json_integer(r->received_ms));
    if (r->repealed_by[0]) {
        json_object_set_new(j, "repealed_by", json_string(r->repealed_by));
        json_object_set_new(j, "repealed_from", json_string(r->repealed_from));
    }
    return j;
}

static void s_decree_text(FILE *out, const relais_decree_record_t *r)
{
    const relais_decree_t *d = &r->decree;
    char from[40], to[40];
    relais_cli_date(d->effective_from, RELAIS_CLI_FR, from, sizeof from);
    relais_cli_date(d->effective_to, RELAIS_CLI_FR, to, sizeof to);
    relais_cli_line(out, "Arrêté n° %s — %s", d->number, d->title);
    int temporary = d->duration == RELAIS_DECREE_TEMPORARY, one_day = temporary && strcmp(from, to) == 0;
    relais_cli_line(out, "  %s, %s ; %s%s%s%s", d->nature == RELAIS_DECREE_INDIVIDUAL ? "individuel" : "réglementaire",
                    temporary ? "temporaire" : "permanent", one_day ? "le " : temporary ? "du " : "à partir du ", from,
                    temporary && !one_day ? " au " : "", temporary && !one_day ? to : "");
    if (d->town_wide)
        relais_cli_line(out, "  Lieu : toute la commune");
    for (size_t i = 0; i < d->place_count; i++) {
        char text[700];
        s_place_text(&d->places[i], text, sizeof text);
        relais_cli_line(out, "  Lieu : %s", text);
    }
    if (r->repealed_by[0])
        relais_cli_line(out, "  Abrogé par l'arrêté n° %s à compter du %s", r->repealed_by, r->repealed_from);
    char signed_on[40];
    relais_cli_date(d->signed_date, RELAIS_CLI_FR, signed_on, sizeof signed_on);
    relais_cli_line(out, "  Signé le %s par %s", signed_on, d->signatory);
}

static int s_in_force(relais_client_t *client, const s_opts_t *o)
{
    relais_request_t q = {.kind = RELAIS_REQ_DECREE_IN_FORCE};
    relais_reply_t reply;
    relais_error_t err;
    int rc = relais_rcli_street("decree", o->streets, o->places[0].street, 0, q.street, sizeof q.street);
    if (rc)
        return rc;
    snprintf(q.house_number, sizeof q.house_number, "%s", o->number ? o->number : "");
    if (o->on[0]) {
        snprintf(q.on_date, sizeof q.on_date, "%s", o->on);
    } else {
        time_t now = time(NULL);
        struct tm tm;
        localtime_r(&now, &tm);
        strftime(q.on_date, sizeof q.on_date, "%Y-%m-%d", &tm);
    }
    rc = relais_client_decree(client, &q, &reply, &err);
    if (rc)
        return relais_cli_fail("decree", rc, &err);
    if (o->json) {
        /* One line a decree. */
        for (size_t i = 0; i < reply.decree_count; i++)
            relais_cli_print_json(stdout, s_decree_json(&reply.decrees[i]));
    } else {
        char day[40];
        relais_cli_date(q.on_date, RELAIS_CLI_FR, day, sizeof day);
        if (reply.decree_count)
            relais_cli_line(stdout, "En vigueur le %s, %s%s%s : %zu arrêté%s", day, q.house_number,
                            q.house_number[0] ? " " : "", q.street, reply.decree_count, reply.decree_count == 1 ? "" : "s");
        else
            relais_cli_line(stdout, "En vigueur le %s, %s%s%s : aucun arrêté, ni de la commune entière ni de cette rue",
                            day, q.house_number, q.house_number[0] ? " " : "", q.street);
        for (size_t i = 0; i < reply.decree_count; i++)
            s_decree_text(stdout, &reply.decrees[i]);
    }
    relais_reply_clear(&reply);
    return RELAIS_EXIT_OK;
}

static int s_list(relais_client_t *client, const s_opts_t *o)
{
    relais_request_t q = {.kind = RELAIS_REQ_DECREE_LIST, .before = o->before};
    relais_reply_t reply;
    relais_error_t err;
    snprintf(q.on_date, sizeof q.on_date, "%s", o->on);
    snprintf(q.search, sizeof q.search, "%s", o->search ? o->search : "");
    int rc = relais_client_decree(client, &q, &reply, &err);
    if (rc)
        return relais_cli_fail("decree", rc, &err);
    if (o->json) {
        /* One line a decree, and the next page's cursor. */
        for (size_t i = 0; i < reply.decree_count; i++)
            relais_cli_print_json(stdout, s_decree_json(&reply.decrees[i]));
        if (reply.next_seq) {
            json_t *next = json_object();
            json_object_set_new(next, "next_before", json_integer((json_int_t)reply.next_seq));
            relais_cli_print_json(stdout, next);
        }
    } else {
        relais_cli_line(stdout, "Registre des arrêtés : %zu", reply.decree_count);
        for (size_t i = 0; i < reply.decree_count; i++)
            s_decree_text(stdout, &reply.decrees[i]);
        if (reply.next_seq)
            relais_cli_line(stdout, "(suite : --before %" PRIu64 ")", reply.next_seq);
    }
    relais_reply_clear(&reply);
    return RELAIS_EXIT_OK;
}

static int s_show(relais_client_t *client, const s_opts_t *o, const char *number)
{
    relais_request_t q = {.kind = RELAIS_REQ_DECREE_SHOW};
    relais_reply_t reply;
    relais_error_t err;
    snprintf(q.decree_number, sizeof q.decree_number, "%s", number);
    int rc = relais_client_decree(client, &q, &reply, &err);
    if (rc)
        return relais_cli_fail("decree", rc, &err);
    const relais_decree_record_t *r = &reply.decrees[0];
    char leaf[65] = "";
    if (reply.leaf_hash_count)
        sodium_bin2hex(leaf, sizeof leaf, reply.leaf_hashes[0], 32);
    if (o->json) {
        json_t *j = s_decree_json(r);
        if (leaf[0])
            json_object_set_new(j, "leaf_hash", json_string(leaf));
        relais_cli_print_json(stdout, j);
    } else {
        char when[40];
        relais_cli_date_time(r->received_ms, RELAIS_CLI_FR, when, sizeof when);
        s_decree_text(stdout, r);
        relais_cli_line(stdout, "  Publié dans le registre le %s par %s (enregistrement %" PRIu64 "%s%s)", when,
                        r->sender, r->seq, leaf[0] ? ", feuille " : "", leaf);
        if (r->decree.has_pdf) {
            char hex[65];
            sodium_bin2hex(hex, sizeof hex, r->decree.pdf_sha256, 32);
            relais_cli_line(stdout, "  PDF signé : SHA-256 %s", hex);
        }
        if (reply.record_count)
            relais_cli_print_record(stdout, r->seq, r->received_ms, reply.records[0], reply.record_lens[0], NULL);
    }
    relais_reply_clear(&reply);
    return RELAIS_EXIT_OK;
}

/* ---- The command ---------------------------------------------------------------------------- */

/* What the options of a subcommand must say together, once each was read. */
static int s_check(const s_opts_t *o, const char *sub)
{
    if (strcmp(sub, "in-force") == 0 && o->place_count != 1)
        return relais_cli_usage("decree", "in-force needs one --street");
    if (strcmp(sub, "publish") != 0)
        return 0;
    if (!o->number || !o->title || !o->nature || !o->duration || !o->signed_date[0] || !o->from[0] || !o->signatory)
        return relais_cli_usage("decree", "publish needs %s",
                                !o->number      ? "--number (the town's number of the decree)"
                                : !o->title     ? "--title"
                                : !o->nature    ? "--regulatory or --individual"
                                : !o->duration  ? "--permanent or --temporary"
                                : !o->signed_date[0] ? "--signed (the day it was signed)"
                                : !o->from[0]   ? "--from (the first day it applies)"
                                                : "--signatory (first name, name and office of who signed it)");
    if (!o->town_wide && !o->place_count)
        return relais_cli_usage("decree", "publish needs where: --town-wide, or --street (with --numbers, --side)");
    if (!o->text_path && !o->pdf_path)
        return relais_cli_usage("decree", "publish needs --text FILE (the decree's text) or --pdf FILE (the signed PDF)");
    return 0;
}

static int s_run(s_opts_t *o, const char *sub, char **args)
{
    relais_client_t *client = NULL;
    int writes = strcmp(sub, "publish") == 0;
    int rc = writes ? relais_cli_default_spool(&o->conn, "decree", o->spool, sizeof o->spool) : 0;
    if (rc == 0)
        rc = relais_cli_connect(&o->conn, writes ? o->spool : NULL, 0, &client);
    if (rc)
        return rc;
    if (writes)
        rc = s_publish(client, o);
    else if (strcmp(sub, "in-force") == 0)
        rc = s_in_force(client, o);
    else if (strcmp(sub, "list") == 0)
        rc = s_list(client, o);
    else
        rc = s_show(client, o, args[0]);
    relais_client_destroy(&client);
    return rc;
}

int relais_cmd_decree(int argc, char **argv)
{
    if (argc < 2)
        return relais_cli_usage("decree", "expected publish, in-force, list or show");
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(s_help, stdout);
        return RELAIS_EXIT_OK;
    }
    s_opts_t o = {0};
    const relais_rcli_sub_t *sub = NULL;
    int rc = relais_rcli_parse("decree", argc - 1, argv + 1, s_long_opts, s_subs, sizeof s_subs / sizeof s_subs[0],
                               &o.conn, s_option, &o, &sub);
    if (rc == 0)
        rc = s_check(&o, sub->name);
    if (rc == 0)
        rc = s_run(&o, sub->name, argv + 1 + optind);
    return rc < 0 ? RELAIS_EXIT_OK : rc;
}
