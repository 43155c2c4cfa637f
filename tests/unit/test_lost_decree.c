/* test_lost_decree.c -- the lost and found and the municipal decrees: their payloads' content rules
 * (each refusal naming its field), the lost and found's rules (pure: no store), the matching of a
 * found item with a declared loss, what decree is in force when and where, the house-number
 * ranges the desk types, and the index entries, requests and replies through their encodings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "relais_proto.h"
#include "relais_reception.h"

#define S_TZ "CET-1CEST,M3.5.0,M10.5.0/3" /* Paris, without the zone database */
#define S_HOUR_MS (3600LL * 1000)
#define S_DAY_MS (86400LL * 1000)
#define S_NOW_MS 1796300000000LL   /* 2026-12-03, mid-morning in Paris */
#define S_FOUND_MS 1796229600000LL /* 2026-12-02, mid-afternoon */

static int s_setup(void **state)
{
    (void)state;
    setenv("TZ", S_TZ, 1);
    tzset();
    return 0;
}

/* A message as the hub would decode it, from a JSON payload, sent by `sender`. */
static relais_message_t *s_msg(const char *sender, const char *json)
{
    uint8_t id[RELAIS_MSG_ID_BYTES] = {0}, *body = NULL;
    size_t len = 0;
    static unsigned counter;
    id[14] = 0x1f;
    id[15] = (uint8_t)++counter;
    int rc = relais_message_from_json(json, strlen(json), sender, id, S_NOW_MS, &body, &len);
    if (rc != 0)
        fail_msg("from_json: %s: %s (%s)", relais_status_name(rc), relais_status_detail(), json);
    relais_message_t *msg = NULL;
    assert_int_equal(relais_message_decode(body, len, &msg), 0);
    free(body);
    return msg;
}

/* The content rules' verdict on a payload, with the sentence in `why`. */
static int s_validate(const char *sender, const char *json, char *why, size_t cap)
{
    relais_message_t *msg = s_msg(sender, json);
    relais_validation_limits_t lim;
    relais_validation_limits_default(&lim);
    int rc = relais_message_validate(msg, &lim, S_NOW_MS, why, cap);
    relais_message_destroy(&msg);
    return rc;
}

#define S_REFUSED(json, fragment)                                                                                      \
    do {                                                                                                               \
        char why_[512] = "";                                                                                           \
        int rc_ = s_validate("accueil-tu", json, why_, sizeof why_);                                                   \
        if (rc_ != RELAIS_E_MALFORMED)                                                                                 \
            fail_msg("line %d: %s, expected MALFORMED ('%s')", __LINE__, relais_status_name(rc_), why_);              \
        if (!strstr(why_, fragment))                                                                                   \
            fail_msg("line %d: '%s' lacks '%s'", __LINE__, why_, fragment);                                            \
    } while (0)

#define S_ACCEPTED(json)                                                                                               \
    do {                                                                                                               \
        char why_[512] = "";                                                                                           \
        if (s_validate("accueil-tu", json, why_, sizeof why_) != 0)                                                    \
            fail_msg("line %d: refused: %s", __LINE__, why_);                                                          \
    } while (0)

/* ---- Payloads -------------------------------------------------------------------------- */

static const char s_found[] =
    "{\"lost_found\": {\"kind\": \"FOUND\", \"category\": \"WALLET\", \"description\": \"Portefeuille en cuir marron, "
    "carte Navigo\", \"street\": \"Rue Houdan\", \"house_number\": \"12\", \"place\": \"devant l'arrêt de bus\", "
    "\"when_ms\": 1796229600000, \"person\": \"M. Karim Benhamou\", \"contact\": \"01 99 00 06 18\", \"storage\": "
    "\"coffre de l'accueil\", \"keep_until\": \"2027-12-03\", \"finder_claims\": true}}";
static const char s_found_anonymous[] =
    "{\"lost_found\": {\"kind\": \"FOUND\", \"category\": \"KEYS\", \"description\": \"Trousseau de clés\", "
    "\"place\": \"Jardin de la Ménagerie\", \"when_ms\": 1796229600000, \"storage\": \"armoire 2\", "
    "\"keep_until\": \"2027-12-03\"}}";
static const char s_declared[] =
    "{\"lost_found\": {\"kind\": \"LOST\", \"category\": \"WALLET\", \"description\": \"Portefeuille en cuir marron "
    "avec une fermeture éclair\", \"street\": \"Rue Houdan\", \"place\": \"entre la gare et le marché\", "
    "\"when_ms\": 1796225400000, \"until_ms\": 1796230800000, \"person\": \"Mme Nadia Roussel\", \"contact\": "
    "\"01 99 00 07 52\"}}";

static const char s_return[] = "{\"lost_found_update\": {\"item_id\": \"O-21\", \"kind\": \"RETURN\", \"owner\": "
                               "\"Mme Nadia Roussel\", \"identity_checked\": \"carte d'identité …4521\", "
                               "\"declaration_id\": \"P-23\", \"note\": \"Rendu au guichet.\"}}";

/* A decree from its parts: `to` NULL for none; `where` and `content` whole JSON members; `extra`
 * more members after them ("" or ", ..."). */
static const char *s_decree(char *buf, size_t cap, const char *number, const char *nature, const char *duration,
                            const char *signed_date, const char *from, const char *to, const char *where,
                            const char *content, const char *extra)
{
    char end[64] = "";
    if (to)
        snprintf(end, sizeof end, ", \"effective_to\": \"%s\"", to);
    int n = snprintf(buf, cap,
                     "{\"decree\": {\"number\": \"%s\", \"title\": \"Stationnement rue Houdan\", \"nature\": \"%s\", "
                     "\"duration\": \"%s\", \"signed_date\": \"%s\", \"effective_from\": \"%s\"%s, %s, %s, "
                     "\"signatory\": \"Paul Lemoine, adjoint au maire\"%s}}",
                     number, nature, duration, signed_date, from, end, where, content, extra);
    assert_true(n > 0 && (size_t)n < cap);
    return buf;
}

#define S_HOUDAN_EVEN                                                                                                  \
    "\"places\": [{\"street\": \"Rue Houdan\", \"from_number\": 2, \"to_number\": 40, \"side\": \"EVEN\"}]"
#define S_TEXT "\"text\": \"Article 1er : le stationnement est interdit.\""
#define S_PDF "\"pdf_sha256\": \"1eZezIg6IiH3x5XGXPE9Ljgx4aK3ZCoCmfeilD5wJX4=\""

/* A regulatory temporary decree at `places` (a JSON array). */
static const char *s_decree_at(char *buf, size_t cap, const char *places)
{
    char where[1024];
    snprintf(where, sizeof where, "\"places\": %s", places);
    return s_decree(buf, cap, "2026-148", "REGULATORY", "TEMPORARY", "2026-12-01", "2026-12-14", "2026-12-15", where,
                    S_TEXT, "");
}

static void test_lost_content_rules(void **state)
{
    (void)state;
    S_ACCEPTED(s_found);
    S_ACCEPTED(s_found_anonymous);
    S_ACCEPTED(s_declared);
    S_ACCEPTED(s_return);
    S_ACCEPTED("{\"lost_found_update\": {\"item_id\": \"P-23\", \"kind\": \"NOTE\", \"note\": \"Rappelée.\"}}");
    S_ACCEPTED("{\"lost_found_update\": {\"item_id\": \"O-7\", \"kind\": \"END\", \"outcome\": \"HANDED_OVER\", "
               "\"handed_to\": \"CCAS de Sceaux\"}}");
    S_ACCEPTED("{\"lost_found_update\": {\"item_id\": \"P-23\", \"kind\": \"WITHDRAW\", \"note\": \"Retrouvé.\"}}");

    /* Where: a street or a place, one at least. */
    S_REFUSED("{\"lost_found\": {\"kind\": \"FOUND\", \"category\": \"KEYS\", \"description\": \"Clés\", \"when_ms\": "
              "1796229600000, \"storage\": \"armoire 2\", \"keep_until\": \"2027-12-03\"}}",
              "lost_found.place: required");
    /* A street alone is enough. */
    S_ACCEPTED("{\"lost_found\": {\"kind\": \"FOUND\", \"category\": \"KEYS\", \"description\": \"Clés\", \"street\": "
               "\"Rue Houdan\", \"when_ms\": 1796229600000, \"storage\": \"armoire 2\", \"keep_until\": "
               "\"2027-12-03\"}}");
    /* A found item is stored somewhere and kept to a date. */
    S_REFUSED("{\"lost_found\": {\"kind\": \"FOUND\", \"category\": \"KEYS\", \"description\": \"Clés\", \"place\": "
              "\"parc\", \"when_ms\": 1796229600000, \"keep_until\": \"2027-12-03\"}}",
              "lost_found.storage: required");
    S_REFUSED("{\"lost_found\": {\"kind\": \"FOUND\", \"category\": \"KEYS\", \"description\": \"Clés\", \"place\": "
              "\"parc\", \"when_ms\": 1796229600000, \"storage\": \"armoire 2\"}}",
              "lost_found.keep_until: required");
    /* A declaration names its owner and how to reach them. */
    S_REFUSED("{\"lost_found\": {\"kind\": \"LOST\", \"category\": \"WALLET\", \"description\": \"Portefeuille\", "
              "\"place\": \"gare\", \"when_ms\": 1796225400000, \"contact\": \"01 99\"}}",
              "lost_found.person: required");
    S_REFUSED("{\"lost_found\": {\"kind\": \"LOST\", \"category\": \"WALLET\", \"description\": \"Portefeuille\", "
              "\"place\": \"gare\", \"when_ms\": 1796225400000, \"person\": \"Mme Roussel\"}}",
              "lost_found.contact: required");
    /* and has nothing stored. */
    S_REFUSED("{\"lost_found\": {\"kind\": \"LOST\", \"category\": \"WALLET\", \"description\": \"Portefeuille\", "
              "\"place\": \"gare\", \"when_ms\": 1796225400000, \"person\": \"Mme Roussel\", \"contact\": \"01\", "
              "\"storage\": \"armoire\"}}",
              "lost_found.storage: only a found item");
    /* The window of a loss ends after it starts; a found item has no window. */
    S_REFUSED("{\"lost_found\": {\"kind\": \"LOST\", \"category\": \"WALLET\", \"description\": \"Portefeuille\", "
              "\"place\": \"gare\", \"when_ms\": 1796225400000, \"until_ms\": 1796225399999, \"person\": \"Mme "
              "Roussel\", \"contact\": \"01\"}}",
              "lost_found.until_ms: before when_ms");
    S_ACCEPTED("{\"lost_found\": {\"kind\": \"LOST\", \"category\": \"WALLET\", \"description\": \"Portefeuille\", "
               "\"place\": \"gare\", \"when_ms\": 1796225400000, \"until_ms\": 1796225400000, \"person\": \"Mme "
               "Roussel\", \"contact\": \"01\"}}");
    S_REFUSED("{\"lost_found\": {\"kind\": \"FOUND\", \"category\": \"KEYS\", \"description\": \"Clés\", \"place\": "
              "\"parc\", \"when_ms\": 1796229600000, \"until_ms\": 1796229600001, \"storage\": \"armoire 2\", "
              "\"keep_until\": \"2027-12-03\"}}",
              "lost_found.until_ms: only a loss");
    /* An anonymous finder cannot claim the item. */
    S_REFUSED("{\"lost_found\": {\"kind\": \"FOUND\", \"category\": \"KEYS\", \"description\": \"Clés\", \"place\": "
              "\"parc\", \"when_ms\": 1796229600000, \"storage\": \"armoire 2\", \"keep_until\": \"2027-12-03\", "
              "\"finder_claims\": true}}",
              "lost_found.finder_claims");
    /* Not found in the future, nor kept to a day before it was found. */
    S_REFUSED("{\"lost_found\": {\"kind\": \"FOUND\", \"category\": \"KEYS\", \"description\": \"Clés\", \"place\": "
              "\"parc\", \"when_ms\": 1796390000000, \"storage\": \"armoire 2\", \"keep_until\": \"2027-12-03\"}}",
              "lost_found.when_ms");
    S_REFUSED("{\"lost_found\": {\"kind\": \"FOUND\", \"category\": \"KEYS\", \"description\": \"Clés\", \"place\": "
              "\"parc\", \"when_ms\": 1796229600000, \"storage\": \"armoire 2\", \"keep_until\": \"2026-11-30\"}}",
              "lost_found.keep_until");
    S_REFUSED("{\"lost_found\": {\"category\": \"KEYS\", \"description\": \"Clés\", \"place\": \"parc\", "
              "\"when_ms\": 1796229600000, \"storage\": \"armoire 2\", \"keep_until\": \"2027-12-03\"}}",
              "lost_found.kind: required");

    /* Updates: only a RETURN names an owner; an END has its outcome, a hand-over its recipient. */
    S_REFUSED("{\"lost_found_update\": {\"item_id\": \"O-21\", \"kind\": \"NOTE\", \"note\": \"x\", \"owner\": "
              "\"Mme Roussel\"}}",
              "lost_found_update.owner: only a RETURN");
    S_REFUSED("{\"lost_found_update\": {\"item_id\": \"O-21\", \"kind\": \"NOTE\", \"note\": \"x\", "
              "\"declaration_id\": \"P-23\"}}",
              "lost_found_update.declaration_id: only a RETURN");
    S_REFUSED("{\"lost_found_update\": {\"item_id\": \"O-21\", \"kind\": \"END\"}}",
              "lost_found_update.outcome: required");
    S_REFUSED("{\"lost_found_update\": {\"item_id\": \"O-21\", \"kind\": \"END\", \"outcome\": \"HANDED_OVER\"}}",
              "lost_found_update.handed_to: required");
    S_REFUSED("{\"lost_found_update\": {\"item_id\": \"O-21\", \"kind\": \"END\", \"outcome\": \"DESTROYED\", "
              "\"handed_to\": \"Domaine\"}}",
              "lost_found_update.handed_to: only an item HANDED_OVER");
    S_REFUSED("{\"lost_found_update\": {\"item_id\": \"O-21\", \"kind\": \"NOTE\", \"note\": \"x\", \"outcome\": "
              "\"DESTROYED\"}}",
              "lost_found_update.outcome: only an END");
    S_REFUSED("{\"lost_found_update\": {\"item_id\": \"O-21\", \"kind\": \"RETURN\", \"identity_checked\": \"CNI\"}}",
              "lost_found_update.owner: required");
    S_REFUSED("{\"lost_found_update\": {\"item_id\": \"O-21\", \"kind\": \"NOTE\"}}",
              "lost_found_update.note: required");
    /* The handles: a return or an end is a found item's, a withdrawal a declaration's. */
    S_REFUSED("{\"lost_found_update\": {\"item_id\": \"P-21\", \"kind\": \"END\", \"outcome\": \"DESTROYED\"}}",
              "lost_found_update.item_id");
    S_REFUSED("{\"lost_found_update\": {\"item_id\": \"O-23\", \"kind\": \"WITHDRAW\", \"note\": \"x\"}}",
              "lost_found_update.item_id");
    S_REFUSED("{\"lost_found_update\": {\"item_id\": \"O-21\", \"kind\": \"RETURN\", \"owner\": \"Mme R\", "
              "\"identity_checked\": \"CNI\", \"declaration_id\": \"O-23\"}}",
              "lost_found_update.declaration_id");
}

static void test_decree_content_rules(void **state)
{
    (void)state;
    char json[4096];
    /* Good: a temporary regulatory decree with its text, a permanent one town-wide, an individual one. */
    S_ACCEPTED(s_decree(json, sizeof json, "2026-148", "REGULATORY", "TEMPORARY", "2026-12-01", "2026-12-14",
                        "2026-12-15", S_HOUDAN_EVEN, S_TEXT, ""));
    S_ACCEPTED(s_decree(json, sizeof json, "2026-131", "REGULATORY", "PERMANENT", "2026-11-20", "2026-11-25", NULL,
                        "\"town_wide\": true", S_TEXT, ", \"repeals\": [\"2012-045\"]"));
    S_ACCEPTED(s_decree(json, sizeof json, "2026-152", "INDIVIDUAL", "TEMPORARY", "2026-12-02", "2026-12-07",
                        "2026-12-09", "\"places\": [{\"street\": \"Rue des Écoles\", \"from_number\": 18, "
                                      "\"to_number\": 18}]",
                        S_PDF, ", \"request_entry\": \"A-31\""));
    /* One day is a temporary decree too. */
    S_ACCEPTED(s_decree(json, sizeof json, "2026-148", "REGULATORY", "TEMPORARY", "2026-12-01", "2026-12-14",
                        "2026-12-14", S_HOUDAN_EVEN, S_TEXT, ""));

    /* Its dates. */
    S_REFUSED(s_decree(json, sizeof json, "2026-148", "REGULATORY", "TEMPORARY", "2026-12-01", "2026-12-14", NULL,
                       S_HOUDAN_EVEN, S_TEXT, ""),
              "decree.effective_to: required");
    S_REFUSED(s_decree(json, sizeof json, "2026-148", "REGULATORY", "PERMANENT", "2026-12-01", "2026-12-14",
                       "2026-12-15", S_HOUDAN_EVEN, S_TEXT, ""),
              "decree.effective_to: a permanent decree");
    S_REFUSED(s_decree(json, sizeof json, "2026-148", "REGULATORY", "TEMPORARY", "2026-12-01", "2026-12-14",
                       "2026-12-13", S_HOUDAN_EVEN, S_TEXT, ""),
              "decree.effective_to: 2026-12-13 is before effective_from");
    S_REFUSED(s_decree(json, sizeof json, "2026-148", "REGULATORY", "TEMPORARY", "2026-12-01", "2026-11-30",
                       "2026-12-15", S_HOUDAN_EVEN, S_TEXT, ""),
              "decree.effective_from: 2026-11-30 is before the decree was signed");
    /* Effective the day it is signed is fine. */
    S_ACCEPTED(s_decree(json, sizeof json, "2026-148", "REGULATORY", "TEMPORARY", "2026-12-01", "2026-12-01",
                        "2026-12-15", S_HOUDAN_EVEN, S_TEXT, ""));
    S_REFUSED(s_decree(json, sizeof json, "2026-148", "REGULATORY", "TEMPORARY", "2026-12-01", "2026-12-32",
                       "2026-12-33", S_HOUDAN_EVEN, S_TEXT, ""),
              "decree.effective_from: 2026-12-32 is not a date");
    S_REFUSED(s_decree(json, sizeof json, "2026-148", "REGULATORY", "TEMPORARY", "2026-12-05", "2026-12-14",
                       "2026-12-15", S_HOUDAN_EVEN, S_TEXT, ""),
              "decree.signed_date");

    /* Where: the whole town or places, not both, not neither. */
    S_REFUSED(s_decree(json, sizeof json, "2026-148", "REGULATORY", "TEMPORARY", "2026-12-01", "2026-12-14",
                       "2026-12-15", "\"town_wide\": true, " S_HOUDAN_EVEN, S_TEXT, ""),
              "decree.places: given with town_wide");
    S_REFUSED(s_decree(json, sizeof json, "2026-148", "REGULATORY", "TEMPORARY", "2026-12-01", "2026-12-14",
                       "2026-12-15", "\"town_wide\": false", S_TEXT, ""),
              "decree.places: required");
    S_REFUSED(s_decree_at(json, sizeof json, "[{\"street\": \"\"}]"), "decree.places.1.street: required");
    S_REFUSED(s_decree_at(json, sizeof json, "[{\"street\": \"Rue Houdan\", \"from_number\": 40, \"to_number\": 2}]"),
              "decree.places.1.to_number: 2 is before from_number 40");
    S_REFUSED(s_decree_at(json, sizeof json, "[{\"street\": \"Rue Houdan\", \"from_number\": 100000}]"),
              "decree.places.1: number 100000");

    /* Places that share a house number. */
    static const struct {
        const char *places;
        int overlap;
    } pairs[] = {
        /* ranges that meet on one number, both sides */
        {"[{\"street\": \"Rue Houdan\", \"from_number\": 2, \"to_number\": 40}, "
         "{\"street\": \"Rue Houdan\", \"from_number\": 40, \"to_number\": 60}]",
         1},
        /* that do not meet */
        {"[{\"street\": \"Rue Houdan\", \"from_number\": 2, \"to_number\": 40}, "
         "{\"street\": \"Rue Houdan\", \"from_number\": 41, \"to_number\": 60}]",
         0},
        /* the same range in two other streets */
        {"[{\"street\": \"Rue Houdan\", \"from_number\": 2, \"to_number\": 40}, "
         "{\"street\": \"Rue Florian\", \"from_number\": 2, \"to_number\": 40}]",
         0},
        /* the same street with its accent or without, as the in-force question folds it */
        {"[{\"street\": \"Rue des Écoles\", \"to_number\": 20}, "
         "{\"street\": \"rue des ecoles\", \"from_number\": 10, \"to_number\": 30, \"side\": \"EVEN\"}]",
         1},
        /* the same street, spelt in another case */
        {"[{\"street\": \"Rue Houdan\", \"from_number\": 2, \"to_number\": 40}, "
         "{\"street\": \"rue houdan\", \"from_number\": 10, \"to_number\": 12}]",
         1},
        /* both sides against the even side */
        {"[{\"street\": \"Rue Houdan\", \"from_number\": 2, \"to_number\": 40}, "
         "{\"street\": \"Rue Houdan\", \"from_number\": 10, \"to_number\": 20, \"side\": \"EVEN\"}]",
         1},
        {"[{\"street\": \"Rue Houdan\", \"from_number\": 10, \"to_number\": 20, \"side\": \"ODD\"}, "
         "{\"street\": \"Rue Houdan\", \"from_number\": 2, \"to_number\": 40, \"side\": \"BOTH\"}]",
         1},
        /* the even side twice */
        {"[{\"street\": \"Rue Houdan\", \"from_number\": 2, \"to_number\": 40, \"side\": \"EVEN\"}, "
         "{\"street\": \"Rue Houdan\", \"from_number\": 30, \"to_number\": 50, \"side\": \"EVEN\"}]",
         1},
        /* the even side and the odd side of the same numbers */
        {"[{\"street\": \"Rue Houdan\", \"from_number\": 2, \"to_number\": 40, \"side\": \"EVEN\"}, "
         "{\"street\": \"Rue Houdan\", \"from_number\": 1, \"to_number\": 41, \"side\": \"ODD\"}]",
         0},
        /* open ends: from 100 to the end meets 150-200; the start to 20 does not meet 21 to the end */
        {"[{\"street\": \"Rue Houdan\", \"from_number\": 100}, "
         "{\"street\": \"Rue Houdan\", \"from_number\": 150, \"to_number\": 200}]",
         1},
        {"[{\"street\": \"Rue Houdan\", \"to_number\": 20}, {\"street\": \"Rue Houdan\", \"from_number\": 21}]", 0},
        {"[{\"street\": \"Rue Houdan\", \"to_number\": 20}, {\"street\": \"Rue Houdan\", \"from_number\": 20}]", 1},
        {"[{\"street\": \"Rue Houdan\", \"from_number\": 100}, {\"street\": \"Rue Houdan\", \"from_number\": 300}]", 1},
        /* all of the street and any part of it */
        {"[{\"street\": \"Rue Houdan\"}, {\"street\": \"Rue Houdan\", \"from_number\": 99999}]", 1},
        {"[{\"street\": \"Rue Houdan\", \"side\": \"EVEN\"}, {\"street\": \"Rue Houdan\", \"side\": \"ODD\"}]", 0},
        /* the third place against the first */
        {"[{\"street\": \"Rue Houdan\", \"to_number\": 10}, {\"street\": \"Rue Florian\"}, "
         "{\"street\": \"Rue Houdan\", \"from_number\": 8, \"to_number\": 12}]",
         3},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        char why[512] = "";
        int rc = s_validate("publication", s_decree_at(json, sizeof json, pairs[i].places), why, sizeof why);
        if (!pairs[i].overlap && rc != 0)
            fail_msg("places %zu refused: %s", i, why);
        if (pairs[i].overlap) {
            const char *want = pairs[i].overlap == 3 ? "decree.places.3: " : "decree.places.2: ";
            const char *other = pairs[i].overlap == 3 ? "overlaps decree.places.1" : "overlaps decree.places.1";
            if (rc != RELAIS_E_MALFORMED || !strstr(why, want) || !strstr(why, other))
                fail_msg("places %zu: %s '%s', expected %s...%s", i, relais_status_name(rc), why, want, other);
        }
    }

    /* Its text: an individual decree has none; one of the text and the PDF's hash at least. */
    S_REFUSED(s_decree(json, sizeof json, "2026-152", "INDIVIDUAL", "TEMPORARY", "2026-12-02", "2026-12-07",
                       "2026-12-09", S_HOUDAN_EVEN, S_TEXT, ""),
              "decree.text: an individual decree");
    S_REFUSED(s_decree(json, sizeof json, "2026-152", "INDIVIDUAL", "TEMPORARY", "2026-12-02", "2026-12-07",
                       "2026-12-09", S_HOUDAN_EVEN, S_TEXT ", " S_PDF, ""),
              "decree.text: an individual decree");
    S_REFUSED(s_decree(json, sizeof json, "2026-148", "REGULATORY", "TEMPORARY", "2026-12-01", "2026-12-14",
                       "2026-12-15", S_HOUDAN_EVEN, "\"text\": \"\"", ""),
              "decree.pdf_sha256: required without a text");
    S_ACCEPTED(s_decree(json, sizeof json, "2026-148", "REGULATORY", "TEMPORARY", "2026-12-01", "2026-12-14",
                        "2026-12-15", S_HOUDAN_EVEN, S_PDF, ""));
    S_REFUSED(s_decree(json, sizeof json, "2026-148", "REGULATORY", "TEMPORARY", "2026-12-01", "2026-12-14",
                       "2026-12-15", S_HOUDAN_EVEN, "\"pdf_sha256\": \"AAAAAAAAAAAAAAAAAAAAAA==\"", ""),
              "decree.pdf_sha256: 16 bytes");
    S_REFUSED(s_decree(json, sizeof json, "2026-148", "REGULATORY", "TEMPORARY", "2026-12-01", "2026-12-14",
                       "2026-12-15", S_HOUDAN_EVEN,
                       "\"pdf_sha256\": \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"", ""),
              "decree.pdf_sha256: 33 bytes");
    /* Only an individual decree answers a request of the register. */
    S_REFUSED(s_decree(json, sizeof json, "2026-148", "REGULATORY", "TEMPORARY", "2026-12-01", "2026-12-14",
                       "2026-12-15", S_HOUDAN_EVEN, S_TEXT, ", \"request_entry\": \"A-31\""),
              "decree.request_entry: only an individual decree");

    /* Its number, and the numbers it repeals. */
    S_REFUSED(s_decree(json, sizeof json, "2026-148", "REGULATORY", "PERMANENT", "2026-12-01", "2026-12-14", NULL,
                       S_HOUDAN_EVEN, S_TEXT, ", \"repeals\": [\"2012-045\", \"2026-148\"]"),
              "decree.repeals.2: a decree cannot repeal itself");
    S_REFUSED(s_decree(json, sizeof json, "2026 148", "REGULATORY", "PERMANENT", "2026-12-01", "2026-12-14", NULL,
                       S_HOUDAN_EVEN, S_TEXT, ""),
              "decree.number: 2026 148 is not a decree number");
    S_REFUSED(s_decree(json, sizeof json, "abc", "REGULATORY", "PERMANENT", "2026-12-01", "2026-12-14", NULL,
                       S_HOUDAN_EVEN, S_TEXT, ""),
              "decree.number: abc is not a decree number");
    S_REFUSED(s_decree(json, sizeof json, "", "REGULATORY", "PERMANENT", "2026-12-01", "2026-12-14", NULL,
                       S_HOUDAN_EVEN, S_TEXT, ""),
              "decree.number: required");
    S_REFUSED(s_decree(json, sizeof json, "2026-148", "REGULATORY", "PERMANENT", "2026-12-01", "2026-12-14", NULL,
                       S_HOUDAN_EVEN, S_TEXT, ", \"repeals\": [\"2012 045\"]"),
              "decree.repeals.1: 2012 045 is not a decree number");
    S_ACCEPTED(s_decree(json, sizeof json, "AM/2026_148.b", "REGULATORY", "PERMANENT", "2026-12-01", "2026-12-14",
                        NULL, S_HOUDAN_EVEN, S_TEXT, ""));
    /* 32 characters, then 33. */
    S_ACCEPTED(s_decree(json, sizeof json, "2026-000000000000000000000000148", "REGULATORY", "PERMANENT",
                        "2026-12-01", "2026-12-14", NULL, S_HOUDAN_EVEN, S_TEXT, ""));
    S_REFUSED(s_decree(json, sizeof json, "2026-0000000000000000000000000148", "REGULATORY", "PERMANENT",
                       "2026-12-01", "2026-12-14", NULL, S_HOUDAN_EVEN, S_TEXT, ""),
              "decree.number: 33 characters");
}

/* ---- The lost and found's rules --------------------------------------------------------- */

/* Decides `json` as record `seq` at `at_ms` against `item` and `declaration` (NULL: none). */
static void s_decide(const relais_lost_record_t *item, const relais_lost_record_t *declaration, const char *json,
                     uint64_t seq, int64_t at_ms, relais_lost_step_t *step)
{
    relais_message_t *msg = s_msg("accueil-tu", json);
    assert_int_equal(relais_lost_decide(item, declaration, msg, seq, at_ms, step), 0);
    relais_message_destroy(&msg);
}

static void test_lost_rules(void **state)
{
    (void)state;
    relais_lost_step_t *step = malloc(sizeof *step);
    relais_lost_record_t *item = malloc(sizeof *item), *decl = malloc(sizeof *decl), *kept = malloc(sizeof *kept);
    assert_non_null(step);
    assert_non_null(item);
    assert_non_null(decl);
    assert_non_null(kept);

    /* A found item opens KEPT, under its own record's number. */
    s_decide(NULL, NULL, s_found, 21, S_NOW_MS, step);
    assert_int_equal(step->status, 0);
    assert_int_equal(step->item_seq, 21);
    assert_int_equal(step->rec.seq, 21);
    assert_int_equal(step->rec.kind, RELAIS_LOST_KIND_FOUND);
    assert_int_equal(step->rec.state, RELAIS_LOST_STATE_KEPT);
    assert_int_equal(step->rec.category, RELAIS_ITEM_WALLET);
    assert_string_equal(step->rec.sender, "accueil-tu");
    assert_string_equal(step->rec.street, "Rue Houdan");
    assert_string_equal(step->rec.house_number, "12");
    assert_string_equal(step->rec.storage, "coffre de l'accueil");
    assert_string_equal(step->rec.keep_until, "2027-12-03");
    assert_int_equal(step->rec.when_ms, S_FOUND_MS);
    assert_int_equal(step->rec.finder_claims, 1);
    assert_int_equal(step->rec.received_ms, S_NOW_MS);
    assert_int_equal(step->rec.last_seq, 21);
    assert_int_equal(step->rec.closed_ms, 0);
    assert_false(step->has_other);
    assert_true(relais_lost_is_open(&step->rec));
    *item = step->rec;

    /* A declared loss opens SOUGHT. */
    s_decide(NULL, NULL, s_declared, 23, S_NOW_MS + 1, step);
    assert_int_equal(step->status, 0);
    assert_int_equal(step->item_seq, 23);
    assert_int_equal(step->rec.kind, RELAIS_LOST_KIND_LOST);
    assert_int_equal(step->rec.state, RELAIS_LOST_STATE_SOUGHT);
    assert_int_equal(step->rec.until_ms, 1796230800000LL);
    assert_string_equal(step->rec.person, "Mme Nadia Roussel");
    assert_true(relais_lost_is_open(&step->rec));
    *decl = step->rec;

    /* An update of an item the index does not hold is refused. */
    s_decide(NULL, NULL, "{\"lost_found_update\": {\"item_id\": \"O-9\", \"kind\": \"NOTE\", \"note\": \"x\"}}", 30,
             S_NOW_MS, step);
    assert_int_equal(step->status, RELAIS_E_BAD_TRANSITION);
    assert_non_null(strstr(step->why, "O-9"));

    /* A return naming a declaration the index does not hold is refused, the item left KEPT. */
    s_decide(item, NULL, s_return, 30, S_NOW_MS + 10, step);
    assert_int_equal(step->status, RELAIS_E_BAD_TRANSITION);
    assert_non_null(strstr(step->why, "P-23"));
    assert_false(step->has_other);

    /* A return naming a declaration no longer sought is refused. */
    relais_lost_record_t *closed = malloc(sizeof *closed);
    assert_non_null(closed);
    *closed = *decl;
    closed->state = RELAIS_LOST_STATE_WITHDRAWN;
    s_decide(item, closed, s_return, 30, S_NOW_MS + 10, step);
    assert_int_equal(step->status, RELAIS_E_BAD_TRANSITION);
    assert_non_null(strstr(step->why, "P-23 is withdrawn"));
    assert_false(step->has_other);
    closed->state = RELAIS_LOST_STATE_RECOVERED;
    s_decide(item, closed, s_return, 30, S_NOW_MS + 10, step);
    assert_int_equal(step->status, RELAIS_E_BAD_TRANSITION);
    free(closed);

    /* The return: the item RETURNED, the declaration RECOVERED, each naming the other. */
    s_decide(item, decl, s_return, 30, S_NOW_MS + 10, step);
    assert_int_equal(step->status, 0);
    assert_int_equal(step->item_seq, 21);
    assert_int_equal(step->rec.state, RELAIS_LOST_STATE_RETURNED);
    assert_string_equal(step->rec.owner, "Mme Nadia Roussel");
    assert_string_equal(step->rec.identity_checked, "carte d'identité …4521");
    assert_string_equal(step->rec.matched_id, "P-23");
    assert_int_equal(step->rec.closed_ms, S_NOW_MS + 10);
    assert_int_equal(step->rec.last_seq, 30);
    assert_int_equal(step->rec.updated_ms, S_NOW_MS + 10);
    assert_true(step->has_other);
    assert_int_equal(step->other.seq, 23);
    assert_int_equal(step->other.state, RELAIS_LOST_STATE_RECOVERED);
    assert_string_equal(step->other.matched_id, "O-21");
    assert_string_equal(step->other.owner, "Mme Nadia Roussel");
    assert_int_equal(step->other.closed_ms, S_NOW_MS + 10);
    assert_int_equal(step->other.last_seq, 30);
    assert_false(relais_lost_is_open(&step->rec));
    assert_false(relais_lost_is_open(&step->other));
    relais_lost_record_t *returned = malloc(sizeof *returned);
    assert_non_null(returned);
    *returned = step->rec;

    /* A return without a declaration closes the item alone. */
    s_decide(item, NULL,
             "{\"lost_found_update\": {\"item_id\": \"O-21\", \"kind\": \"RETURN\", \"owner\": \"M. Roux\", "
             "\"identity_checked\": \"passeport …0042\"}}",
             31, S_NOW_MS + 20, step);
    assert_int_equal(step->status, 0);
    assert_int_equal(step->rec.state, RELAIS_LOST_STATE_RETURNED);
    assert_string_equal(step->rec.matched_id, "");
    assert_false(step->has_other);

    /* A closed item takes notes only. */
    const char *not_notes[] = {
        s_return,
        "{\"lost_found_update\": {\"item_id\": \"O-21\", \"kind\": \"END\", \"outcome\": \"DESTROYED\", \"note\": "
        "\"x\"}}",
        "{\"lost_found_update\": {\"item_id\": \"O-21\", \"kind\": \"WITHDRAW\", \"note\": \"x\"}}",
    };
    for (size_t i = 0; i < sizeof not_notes / sizeof not_notes[0]; i++) {
        s_decide(returned, decl, not_notes[i], 40, S_NOW_MS + 30, step);
        if (step->status != RELAIS_E_BAD_TRANSITION)
            fail_msg("update %zu of a returned item: %d", i, step->status);
        assert_non_null(strstr(step->why, "returned already"));
    }
    s_decide(returned, NULL,
             "{\"lost_found_update\": {\"item_id\": \"O-21\", \"kind\": \"NOTE\", \"note\": \"Remerciements.\"}}", 41,
             S_NOW_MS + 40, step);
    assert_int_equal(step->status, 0);
    assert_int_equal(step->rec.state, RELAIS_LOST_STATE_RETURNED);
    assert_int_equal(step->rec.last_seq, 41);
    assert_int_equal(step->rec.updated_ms, S_NOW_MS + 40);
    assert_int_equal(step->rec.closed_ms, S_NOW_MS + 10); /* still when it left the desk */
    free(returned);

    /* The end of the keeping: before keep_until, only destroyed, and with a note. */
    int64_t end = relais_reception_day_end_ms("2027-12-03");
    assert_true(end > S_NOW_MS);
    s_decide(item, NULL,
             "{\"lost_found_update\": {\"item_id\": \"O-21\", \"kind\": \"END\", \"outcome\": \"HANDED_OVER\", "
             "\"handed_to\": \"CCAS\"}}",
             50, end - 1, step);
    assert_int_equal(step->status, RELAIS_E_BAD_TRANSITION);
    assert_non_null(strstr(step->why, "until 2027-12-03"));
    s_decide(item, NULL,
             "{\"lost_found_update\": {\"item_id\": \"O-21\", \"kind\": \"END\", \"outcome\": \"TO_FINDER\"}}", 50,
             S_NOW_MS, step);
    assert_int_equal(step->status, RELAIS_E_BAD_TRANSITION);
    s_decide(item, NULL,
             "{\"lost_found_update\": {\"item_id\": \"O-21\", \"kind\": \"END\", \"outcome\": \"DESTROYED\"}}", 50,
             S_NOW_MS, step);
    assert_int_equal(step->status, RELAIS_E_BAD_TRANSITION);
    assert_non_null(strstr(step->why, "note"));
    s_decide(item, NULL,
             "{\"lost_found_update\": {\"item_id\": \"O-21\", \"kind\": \"END\", \"outcome\": \"DESTROYED\", \"note\": "
             "\"Denrée périssable.\"}}",
             50, S_NOW_MS, step);
    assert_int_equal(step->status, 0);
    assert_int_equal(step->rec.state, RELAIS_LOST_STATE_ENDED);
    assert_int_equal(step->rec.outcome, RELAIS_OUTCOME_DESTROYED);
    assert_int_equal(step->rec.closed_ms, S_NOW_MS);
    assert_string_equal(step->rec.handed_to, "");

    /* From the end of keep_until's day: handed over, or to its finder if the finder asked. */
    s_decide(item, NULL,
             "{\"lost_found_update\": {\"item_id\": \"O-21\", \"kind\": \"END\", \"outcome\": \"HANDED_OVER\", "
             "\"handed_to\": \"CCAS de Sceaux\"}}",
             51, end, step);
    assert_int_equal(step->status, 0);
    assert_int_equal(step->rec.state, RELAIS_LOST_STATE_ENDED);
    assert_int_equal(step->rec.outcome, RELAIS_OUTCOME_HANDED_OVER);
    assert_string_equal(step->rec.handed_to, "CCAS de Sceaux");
    s_decide(item, NULL,
             "{\"lost_found_update\": {\"item_id\": \"O-21\", \"kind\": \"END\", \"outcome\": \"TO_FINDER\"}}", 52,
             end, step);
    assert_int_equal(step->status, 0);
    assert_int_equal(step->rec.outcome, RELAIS_OUTCOME_TO_FINDER);
    assert_string_equal(step->rec.handed_to, "M. Karim Benhamou"); /* its finder */

    /* An anonymous finder asked for nothing: TO_FINDER refused even after the keeping. */
    s_decide(NULL, NULL, s_found_anonymous, 60, S_NOW_MS, step);
    assert_int_equal(step->status, 0);
    assert_int_equal(step->rec.finder_claims, 0);
    *kept = step->rec;
    s_decide(kept, NULL,
             "{\"lost_found_update\": {\"item_id\": \"O-60\", \"kind\": \"END\", \"outcome\": \"TO_FINDER\"}}", 61, end,
             step);
    assert_int_equal(step->status, RELAIS_E_BAD_TRANSITION);
    assert_non_null(strstr(step->why, "finder did not ask"));
    /* A refusal does not move the item. */
    assert_int_equal(step->rec.state, RELAIS_LOST_STATE_KEPT);

    /* A declaration withdrawn; then only notes. */
    s_decide(decl, NULL,
             "{\"lost_found_update\": {\"item_id\": \"P-23\", \"kind\": \"WITHDRAW\", \"note\": \"Retrouvé chez "
             "elle.\"}}",
             70, S_NOW_MS + 50, step);
    assert_int_equal(step->status, 0);
    assert_int_equal(step->rec.state, RELAIS_LOST_STATE_WITHDRAWN);
    assert_int_equal(step->rec.closed_ms, S_NOW_MS + 50);
    *decl = step->rec;
    s_decide(decl, NULL, "{\"lost_found_update\": {\"item_id\": \"P-23\", \"kind\": \"WITHDRAW\", \"note\": \"x\"}}",
             71, S_NOW_MS + 60, step);
    assert_int_equal(step->status, RELAIS_E_BAD_TRANSITION);
    s_decide(decl, NULL, "{\"lost_found_update\": {\"item_id\": \"P-23\", \"kind\": \"NOTE\", \"note\": \"x\"}}", 72,
             S_NOW_MS + 60, step);
    assert_int_equal(step->status, 0);

    /* Not a record of the lost and found. */
    relais_message_t *msg = s_msg("accueil-tu", "{\"contact_update\": {\"entry_id\": \"A-12\", \"note\": \"x\"}}");
    assert_int_equal(relais_lost_decide(NULL, NULL, msg, 80, S_NOW_MS, step), RELAIS_E_INVALID);
    relais_message_destroy(&msg);

    /* Keeping over from the end of keep_until's day, for a kept item only; the active period of a kept
     * item starts at the end of its keeping at the earliest. */
    assert_false(relais_lost_keeping_over(item, S_NOW_MS));
    assert_false(relais_lost_keeping_over(item, end - 1));
    assert_true(relais_lost_keeping_over(item, end));
    assert_int_equal(relais_lost_active_from(item, S_NOW_MS), end);
    assert_int_equal(relais_lost_active_from(item, end + 5), end + 5);
    *kept = *item;
    kept->state = RELAIS_LOST_STATE_RETURNED;
    assert_false(relais_lost_keeping_over(kept, end + S_DAY_MS));
    assert_int_equal(relais_lost_active_from(kept, S_NOW_MS), S_NOW_MS);
    assert_false(relais_lost_keeping_over(decl, end + S_DAY_MS));

    free(step);
    free(item);
    free(decl);
    free(kept);
}

/* ---- Matching ---------------------------------------------------------------------------- */

static relais_lost_record_t *s_item(relais_lost_kind_t kind, relais_item_category_t category, int64_t when_ms,
                                    const char *street, const char *place, const char *description)
{
    relais_lost_record_t *r = calloc(1, sizeof *r);
    assert_non_null(r);
    r->seq = kind == RELAIS_LOST_KIND_FOUND ? 21 : 23;
    r->kind = kind;
    r->category = category;
    r->when_ms = when_ms;
    r->state = kind == RELAIS_LOST_KIND_FOUND ? RELAIS_LOST_STATE_KEPT : RELAIS_LOST_STATE_SOUGHT;
    snprintf(r->street, sizeof r->street, "%s", street);
    snprintf(r->place, sizeof r->place, "%s", place);
    snprintf(r->description, sizeof r->description, "%s", description);
    return r;
}

/* The score both ways round (it must not depend on the order), with its reasons. */
static unsigned s_score(const relais_lost_record_t *a, const relais_lost_record_t *b, unsigned *reasons)
{
    unsigned back = 0xdead;
    unsigned score = relais_lost_match_score(a, b, reasons);
    assert_int_equal(relais_lost_match_score(b, a, &back), score);
    assert_int_equal(back, *reasons);
    return score;
}

static void test_lost_matching(void **state)
{
    (void)state;
    const int64_t lost_at = S_FOUND_MS - 3 * S_HOUR_MS;
    relais_lost_record_t *found = s_item(RELAIS_LOST_KIND_FOUND, RELAIS_ITEM_WALLET, S_FOUND_MS, "Rue Houdan",
                                         "devant l'arrêt de bus", "Portefeuille en cuir marron carte Navigo");
    relais_lost_record_t *lost = s_item(RELAIS_LOST_KIND_LOST, RELAIS_ITEM_WALLET, lost_at, "RUE  HOUDAN",
                                        "à l'arrêt du bus 192", "portefeuille cuir MARRON avec la carte navigo");
    unsigned reasons = 0;
    /* Everything in common: capped at 100, every reason. */
    assert_int_equal(s_score(found, lost, &reasons), 100);
    assert_int_equal(reasons, RELAIS_MATCH_SAME_CATEGORY | RELAIS_MATCH_CLOSE_DATES | RELAIS_MATCH_SAME_STREET |
                                  RELAIS_MATCH_SAME_PLACE | RELAIS_MATCH_SAME_WORDS);

    /* Below the cap: category 40, close dates 20, street 20, one word 7. */
    snprintf(lost->place, sizeof lost->place, "square");
    snprintf(lost->description, sizeof lost->description, "navigo");
    assert_int_equal(s_score(found, lost, &reasons), 87);
    assert_int_equal(reasons, RELAIS_MATCH_SAME_CATEGORY | RELAIS_MATCH_CLOSE_DATES | RELAIS_MATCH_SAME_STREET |
                                  RELAIS_MATCH_SAME_WORDS);
    /* Two words: 14; three or more: 20. */
    snprintf(lost->description, sizeof lost->description, "Navigo cuir");
    assert_int_equal(s_score(found, lost, &reasons), 94);
    snprintf(lost->description, sizeof lost->description, "navigo cuir marron portefeuille");
    assert_int_equal(s_score(found, lost, &reasons), 100);

    /* Punctuation and line breaks end a word as a space does: "marron," and "Carte\nNavigo". */
    snprintf(lost->description, sizeof lost->description, "Portefeuille, marron. Carte\nNavigo");
    assert_int_equal(s_score(found, lost, &reasons), 100);
    assert_true(reasons & RELAIS_MATCH_SAME_WORDS);
    snprintf(lost->place, sizeof lost->place, "square");
    assert_int_equal(s_score(found, lost, &reasons), 100); /* 40 + 20 + 20 + 20 (four words) */
    snprintf(lost->description, sizeof lost->description, "(navigo)");
    assert_int_equal(s_score(found, lost, &reasons), 87);

    /* Stop words and words under 3 letters do not count. */
    snprintf(found->description, sizeof found->description, "Un sac avec des clés dans les poches");
    snprintf(lost->description, sizeof lost->description, "une valise avec des roues dans les bagages un");
    assert_int_equal(s_score(found, lost, &reasons), 80);
    assert_int_equal(reasons & RELAIS_MATCH_SAME_WORDS, 0);
    snprintf(found->description, sizeof found->description, "Portefeuille en cuir marron carte Navigo");
    snprintf(lost->description, sizeof lost->description, "portefeuille");

    /* Another street: no street bit; no street on the found item: none either. */
    snprintf(lost->street, sizeof lost->street, "Rue Florian");
    assert_int_equal(s_score(found, lost, &reasons), 67);
    assert_int_equal(reasons & RELAIS_MATCH_SAME_STREET, 0);
    found->street[0] = '\0';
    lost->street[0] = '\0';
    assert_int_equal(s_score(found, lost, &reasons), 67);
    assert_int_equal(reasons & RELAIS_MATCH_SAME_STREET, 0);
    snprintf(found->street, sizeof found->street, "Rue Houdan");
    snprintf(lost->street, sizeof lost->street, "Rue Houdan");

    /* Different categories rule it out, unless one is OTHER. */
    lost->category = RELAIS_ITEM_KEYS;
    assert_int_equal(s_score(found, lost, &reasons), 0);
    assert_int_equal(reasons, 0);
    lost->category = RELAIS_ITEM_OTHER;
    assert_int_equal(s_score(found, lost, &reasons), 47); /* dates 20, street 20, one word 7 */
    assert_int_equal(reasons & RELAIS_MATCH_SAME_CATEGORY, 0);
    lost->category = RELAIS_ITEM_WALLET;

    /* Dates: found more than a day before the loss rules it out; within a day, it may be the
     * resident's memory. Within a week counts most, within a month some. */
    lost->when_ms = S_FOUND_MS + S_DAY_MS + 1;
    assert_int_equal(s_score(found, lost, &reasons), 0);
    assert_int_equal(reasons, 0);
    lost->when_ms = S_FOUND_MS + 12 * S_HOUR_MS;
    assert_int_equal(s_score(found, lost, &reasons), 87);
    assert_true(reasons & RELAIS_MATCH_CLOSE_DATES);
    lost->when_ms = S_FOUND_MS - 7 * S_DAY_MS;
    assert_int_equal(s_score(found, lost, &reasons), 87);
    assert_true(reasons & RELAIS_MATCH_CLOSE_DATES);
    lost->when_ms = S_FOUND_MS - 10 * S_DAY_MS;
    assert_int_equal(s_score(found, lost, &reasons), 77);
    assert_int_equal(reasons & RELAIS_MATCH_CLOSE_DATES, 0);
    /* The window's end counts: lost between 10 days and 2 days ago is close. */
    lost->until_ms = S_FOUND_MS - 2 * S_DAY_MS;
    assert_int_equal(s_score(found, lost, &reasons), 87);
    assert_true(reasons & RELAIS_MATCH_CLOSE_DATES);
    lost->until_ms = 0;
    lost->when_ms = S_FOUND_MS - 40 * S_DAY_MS;
    assert_int_equal(s_score(found, lost, &reasons), 67);

    /* Two items of the same kind are never one. */
    lost->when_ms = lost_at;
    relais_lost_record_t *found2 = s_item(RELAIS_LOST_KIND_FOUND, RELAIS_ITEM_WALLET, S_FOUND_MS, "Rue Houdan",
                                          "devant l'arrêt de bus", "Portefeuille en cuir marron, carte Navigo");
    reasons = 0xff;
    assert_int_equal(relais_lost_match_score(found, found2, &reasons), 0);
    assert_int_equal(reasons, 0);
    lost->kind = RELAIS_LOST_KIND_LOST;
    relais_lost_record_t *lost2 = s_item(RELAIS_LOST_KIND_LOST, RELAIS_ITEM_WALLET, lost_at, "Rue Houdan", "",
                                         "portefeuille");
    assert_int_equal(relais_lost_match_score(lost, lost2, &reasons), 0);
    assert_int_equal(reasons, 0);

    /* The list's filters. */
    relais_request_t req = {.kind = RELAIS_REQ_LOST_LIST};
    char search[256];
    assert_true(relais_lost_matches(found, &req, "", S_NOW_MS));
    req.lost_kind = RELAIS_LOST_KIND_LOST;
    assert_false(relais_lost_matches(found, &req, "", S_NOW_MS));
    req.lost_kind = RELAIS_LOST_KIND_FOUND;
    req.item_category = RELAIS_ITEM_KEYS;
    assert_false(relais_lost_matches(found, &req, "", S_NOW_MS));
    req.item_category = RELAIS_ITEM_WALLET;
    assert_true(
        relais_lost_matches(found, &req, relais_reception_fold_text("NAVIGO", search, sizeof search), S_NOW_MS));
    assert_true(relais_lost_matches(found, &req, relais_reception_fold_text("arret", search, sizeof search), S_NOW_MS));
    assert_false(relais_lost_matches(found, &req, relais_reception_fold_text("lunettes", search, sizeof search),
                                     S_NOW_MS));
    req.from_ms = S_FOUND_MS + 1;
    assert_false(relais_lost_matches(found, &req, "", S_NOW_MS));
    req.from_ms = S_FOUND_MS;
    req.to_ms = S_FOUND_MS;
    assert_false(relais_lost_matches(found, &req, "", S_NOW_MS));
    req.to_ms = S_FOUND_MS + 1;
    assert_true(relais_lost_matches(found, &req, "", S_NOW_MS));
    snprintf(found->keep_until, sizeof found->keep_until, "2026-12-02");
    req.keeping_over = 1;
    assert_true(relais_lost_matches(found, &req, "", S_NOW_MS));
    snprintf(found->keep_until, sizeof found->keep_until, "2027-12-03");
    assert_false(relais_lost_matches(found, &req, "", S_NOW_MS));
    req.keeping_over = 0;
    req.open_only = 1;
    found->state = RELAIS_LOST_STATE_ENDED;
    assert_false(relais_lost_matches(found, &req, "", S_NOW_MS));

    free(found);
    free(found2);
    free(lost);
    free(lost2);
}

/* ---- Decrees: when and where --------------------------------------------------------------- */

static relais_decree_record_t *s_decree_record(void)
{
    relais_decree_record_t *r = calloc(1, sizeof *r);
    assert_non_null(r);
    r->seq = 41;
    snprintf(r->sender, sizeof r->sender, "publication");
    r->received_ms = S_NOW_MS;
    relais_decree_t *d = &r->decree;
    snprintf(d->number, sizeof d->number, "2026-148");
    snprintf(d->title, sizeof d->title, "Interdiction temporaire de stationnement, rue Houdan");
    d->nature = RELAIS_DECREE_REGULATORY;
    d->duration = RELAIS_DECREE_TEMPORARY;
    snprintf(d->signed_date, sizeof d->signed_date, "2026-12-01");
    snprintf(d->effective_from, sizeof d->effective_from, "2026-12-14");
    snprintf(d->effective_to, sizeof d->effective_to, "2026-12-15");
    d->places[0] = (relais_decree_place_t){.street = "Rue Houdan", .from_number = 2, .to_number = 40,
                                           .side = RELAIS_SIDE_EVEN};
    d->places[1] = (relais_decree_place_t){.street = "Avenue Jean Perrin", .from_number = 100, .side = RELAIS_SIDE_ODD};
    d->places[2] = (relais_decree_place_t){.street = "Rue des Écoles", .to_number = 20};
    d->places[3] = (relais_decree_place_t){.street = "Allée d'Honneur"};
    d->place_count = 4;
    snprintf(d->signatory, sizeof d->signatory, "Paul Lemoine, adjoint au maire");
    return r;
}

static void test_decree_in_force(void **state)
{
    (void)state;
    relais_decree_record_t *r = s_decree_record();
    /* A temporary decree: its first day to its last, both included. */
    assert_false(relais_decree_in_force_on(r, "2026-12-13"));
    assert_true(relais_decree_in_force_on(r, "2026-12-14"));
    assert_true(relais_decree_in_force_on(r, "2026-12-15"));
    assert_false(relais_decree_in_force_on(r, "2026-12-16"));
    assert_false(relais_decree_in_force_on(r, "2027-01-01"));
    /* A permanent one: from its first day on, until a repeal takes effect, that day excluded. */
    r->decree.duration = RELAIS_DECREE_PERMANENT;
    r->decree.effective_to[0] = '\0';
    assert_false(relais_decree_in_force_on(r, "2026-12-13"));
    assert_true(relais_decree_in_force_on(r, "2026-12-14"));
    assert_true(relais_decree_in_force_on(r, "2040-06-30"));
    snprintf(r->repealed_by, sizeof r->repealed_by, "2027-012");
    snprintf(r->repealed_from, sizeof r->repealed_from, "2027-01-10");
    assert_true(relais_decree_in_force_on(r, "2027-01-09"));
    assert_false(relais_decree_in_force_on(r, "2027-01-10"));
    assert_false(relais_decree_in_force_on(r, "2027-01-11"));
    /* A temporary decree repealed before its end stops at the repeal. */
    r->decree.duration = RELAIS_DECREE_TEMPORARY;
    snprintf(r->decree.effective_to, sizeof r->decree.effective_to, "2027-02-01");
    assert_true(relais_decree_in_force_on(r, "2027-01-09"));
    assert_false(relais_decree_in_force_on(r, "2027-01-20"));

    /* The list's filter: in force on a day, and words of the title, the number or a street. */
    r->repealed_by[0] = r->repealed_from[0] = '\0';
    char search[256];
    assert_true(relais_decree_matches(r, "", ""));
    assert_true(relais_decree_matches(r, "", "2026-12-14"));
    assert_false(relais_decree_matches(r, "", "2026-12-13"));
    assert_true(relais_decree_matches(r, relais_reception_fold_text("STATIONNEMENT", search, sizeof search), ""));
    assert_true(relais_decree_matches(r, relais_reception_fold_text("2026-148", search, sizeof search), ""));
    assert_true(relais_decree_matches(r, relais_reception_fold_text("ecoles", search, sizeof search), ""));
    assert_false(relais_decree_matches(r, relais_reception_fold_text("marché", search, sizeof search), ""));
    assert_false(relais_decree_matches(r, relais_reception_fold_text("houdan", search, sizeof search), "2026-12-13"));
    free(r);
}

/* Whether decree `r` applies at `street` (as the desk types it, folded as the broker folds it). */
static int s_applies(const relais_decree_record_t *r, const char *street, const char *number)
{
    char folded[RELAIS_CONTACT_LABEL_LEN * 2];
    return relais_decree_applies_at(r, relais_reception_fold_text(street, folded, sizeof folded), number);
}

static void test_decree_applies_at(void **state)
{
    (void)state;
    relais_decree_record_t *r = s_decree_record();
    static const struct {
        const char *street, *number;
        int applies;
    } cases[] = {
        /* Rue Houdan, even side, 2 to 40 */
        {"Rue Houdan", "12", 1},
        {"Rue Houdan", "2", 1},
        {"Rue Houdan", "40", 1},
        {"Rue Houdan", "13", 0},
        {"Rue Houdan", "42", 0},
        {"Rue Houdan", "1", 0},
        {"Rue Houdan", "12 bis", 1},
        {"Rue Houdan", "12bis", 1},
        {"Rue Houdan", "13 ter", 0},
        {"Rue Houdan", "", 1},     /* anywhere in the street: it is mentioned */
        {"Rue Houdan", "bis", 1},  /* no number */
        {"RUE HOUDAN", "12", 1},   /* folded */
        {"rue  houdan", "12", 1},
        {"Rue Houdan Prolongée", "12", 0},
        {"Houdan", "12", 0},
        /* Avenue Jean Perrin, odd side, from 100 to its end */
        {"Avenue Jean Perrin", "101", 1},
        {"Avenue Jean Perrin", "100", 0},
        {"Avenue Jean Perrin", "99", 0},
        {"Avenue Jean Perrin", "99999", 1},
        {"avenue jean-perrin", "1001", 1},
        /* Rue des Écoles, both sides, from its start to 20 */
        {"Rue des Écoles", "1", 1},
        {"Rue des Écoles", "20", 1},
        {"Rue des Écoles", "21", 0},
        {"RUE DES ECOLES", "18", 1},
        {"rue des ecoles", "", 1},
        /* Allée d'Honneur: all of it */
        {"Allée d'Honneur", "7", 1},
        {"allee d honneur", "100000", 1},
        /* not named */
        {"Rue Florian", "12", 0},
        {"Rue Florian", "", 0},
        {"", "12", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (s_applies(r, cases[i].street, cases[i].number) != cases[i].applies)
            fail_msg("case %zu: '%s' '%s': expected %d", i, cases[i].street, cases[i].number, cases[i].applies);
    assert_false(relais_decree_applies_at(r, NULL, "12"));

    /* A town-wide decree applies anywhere, any street or none. */
    r->decree.town_wide = 1;
    r->decree.place_count = 0;
    assert_true(s_applies(r, "Rue Florian", "3"));
    assert_true(s_applies(r, "", ""));
    assert_true(relais_decree_applies_at(r, NULL, NULL));
    free(r);
}

static void test_decree_numbers_parse(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        uint32_t from, to;
    } good[] = {
        {"15", 15, 15}, {"2-40", 2, 40}, {"100-", 100, 0}, {"-20", 0, 20}, {"1", 1, 1},
        {"40-40", 40, 40}, {"99999", 99999, 99999}, {"1-99999", 1, 99999}, {"99999-", 99999, 0},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        uint32_t from = 7, to = 7;
        int rc = relais_decree_numbers_parse(good[i].text, &from, &to);
        if (rc != 0 || from != good[i].from || to != good[i].to)
            fail_msg("'%s': %d, %u-%u; expected %u-%u", good[i].text, rc, from, to, good[i].from, good[i].to);
    }
    static const char *const bad[] = {"40-2", "0", "", "1-2-3", "abc", "999999", "100000", "-", "0-5", "5-0", "-0",
                                      "15 ", " 15", "1 - 2", "12 bis", "+15", "1e3", "2--40", "--2", "4O",
                                      "0000000000000000015", "1234567", "99999-100000"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint32_t from = 0, to = 0;
        if (relais_decree_numbers_parse(bad[i], &from, &to) != RELAIS_E_INVALID)
            fail_msg("'%s' accepted as %u-%u", bad[i], from, to);
        assert_true(strlen(relais_status_detail()) > 0);
    }
    uint32_t from = 0, to = 0;
    assert_int_equal(relais_decree_numbers_parse(NULL, &from, &to), RELAIS_E_INVALID);
    assert_int_equal(relais_decree_numbers_parse("40-2", &from, &to), RELAIS_E_INVALID);
    assert_non_null(strstr(relais_status_detail(), "40-2"));
}

/* ---- Encodings --------------------------------------------------------------------------- */

static relais_lost_record_t *s_full_lost(void)
{
    relais_lost_record_t *r = calloc(1, sizeof *r);
    assert_non_null(r);
    r->seq = 21;
    snprintf(r->sender, sizeof r->sender, "accueil-tu");
    r->received_ms = S_NOW_MS;
    r->kind = RELAIS_LOST_KIND_FOUND;
    r->category = RELAIS_ITEM_OTHER;
    snprintf(r->description, sizeof r->description, "Portefeuille en cuir marron\nfermeture éclair cassée");
    snprintf(r->street, sizeof r->street, "Rue Houdan");
    snprintf(r->house_number, sizeof r->house_number, "12 bis");
    snprintf(r->place, sizeof r->place, "devant l'arrêt de bus");
    r->when_ms = S_FOUND_MS;
    r->until_ms = S_FOUND_MS + 1;
    snprintf(r->person, sizeof r->person, "M. Karim Benhamou");
    snprintf(r->contact, sizeof r->contact, "01 99 00 06 18");
    snprintf(r->storage, sizeof r->storage, "coffre");
    snprintf(r->keep_until, sizeof r->keep_until, "2027-12-03");
    r->finder_claims = 1;
    r->state = RELAIS_LOST_STATE_ENDED;
    snprintf(r->owner, sizeof r->owner, "Mme Nadia Roussel");
    snprintf(r->identity_checked, sizeof r->identity_checked, "carte d'identité …4521");
    snprintf(r->matched_id, sizeof r->matched_id, "P-23");
    r->outcome = RELAIS_OUTCOME_HANDED_OVER;
    snprintf(r->handed_to, sizeof r->handed_to, "CCAS de Sceaux");
    r->closed_ms = S_NOW_MS + 5;
    r->last_seq = 30;
    r->updated_ms = S_NOW_MS + 6;
    return r;
}

static void test_record_encodings(void **state)
{
    (void)state;
    relais_lost_record_t *lost = s_full_lost(), *lost_back = malloc(sizeof *lost_back);
    assert_non_null(lost_back);
    uint8_t *bytes = NULL;
    size_t len = 0;
    assert_int_equal(relais_lost_record_encode(lost, &bytes, &len), 0);
    assert_true(len > 200);
    memset(lost_back, 0x5a, sizeof *lost_back);
    assert_int_equal(relais_lost_record_decode(bytes, len, lost_back), 0);
    assert_memory_equal(lost_back, lost, sizeof *lost);
    /* Every cut of it decodes to something else or is refused, never read past its end. */
    for (size_t cut = 0; cut < len; cut++)
        if (relais_lost_record_decode(bytes, cut, lost_back) == 0)
            assert_true(memcmp(lost_back, lost, sizeof *lost) != 0);
    free(bytes);
    /* An unknown enum value is not written. */
    lost->state = RELAIS_LOST_STATE_COUNT;
    assert_int_equal(relais_lost_record_encode(lost, &bytes, &len), RELAIS_E_INVALID);
    lost->state = RELAIS_LOST_STATE_KEPT;
    lost->category = RELAIS_ITEM_COUNT;
    assert_int_equal(relais_lost_record_encode(lost, &bytes, &len), RELAIS_E_INVALID);
    lost->category = RELAIS_ITEM_KEYS;
    lost->outcome = RELAIS_OUTCOME_COUNT;
    assert_int_equal(relais_lost_record_encode(lost, &bytes, &len), RELAIS_E_INVALID);
    lost->outcome = 0;
    /* Nor a string without its end. */
    memset(lost->matched_id, 'O', sizeof lost->matched_id);
    assert_int_equal(relais_lost_record_encode(lost, &bytes, &len), RELAIS_E_INVALID);

    relais_decree_record_t *d = s_decree_record(), *d_back = malloc(sizeof *d_back);
    assert_non_null(d_back);
    d->decree.has_pdf = 1;
    for (int i = 0; i < 32; i++)
        d->decree.pdf_sha256[i] = (uint8_t)(0xa0 + i);
    snprintf(d->decree.repeals[0], sizeof d->decree.repeals[0], "2012-045");
    snprintf(d->decree.repeals[1], sizeof d->decree.repeals[1], "2019-7");
    d->decree.repeal_count = 2;
    snprintf(d->decree.request_entry, sizeof d->decree.request_entry, "A-31");
    snprintf(d->repealed_by, sizeof d->repealed_by, "2027-012");
    snprintf(d->repealed_from, sizeof d->repealed_from, "2027-01-10");
    assert_int_equal(relais_decree_record_encode(d, &bytes, &len), 0);
    memset(d_back, 0x5a, sizeof *d_back);
    assert_int_equal(relais_decree_record_decode(bytes, len, d_back), 0);
    assert_memory_equal(d_back, d, sizeof *d);
    for (size_t cut = 0; cut < len; cut++)
        if (relais_decree_record_decode(bytes, cut, d_back) == 0)
            assert_true(memcmp(d_back, d, sizeof *d) != 0);
    free(bytes);
    /* Town-wide, without places, repeals or PDF. */
    d->decree.town_wide = 1;
    d->decree.place_count = 0;
    memset(d->decree.places, 0, sizeof d->decree.places);
    d->decree.repeal_count = 0;
    memset(d->decree.repeals, 0, sizeof d->decree.repeals);
    d->decree.has_pdf = 0;
    memset(d->decree.pdf_sha256, 0, sizeof d->decree.pdf_sha256);
    assert_int_equal(relais_decree_record_encode(d, &bytes, &len), 0);
    assert_int_equal(relais_decree_record_decode(bytes, len, d_back), 0);
    assert_memory_equal(d_back, d, sizeof *d);
    free(bytes);
    /* What cannot be written. */
    d->decree.places[0].side = RELAIS_SIDE_COUNT;
    d->decree.place_count = 1;
    assert_int_equal(relais_decree_record_encode(d, &bytes, &len), RELAIS_E_INVALID);
    d->decree.places[0].side = RELAIS_SIDE_BOTH;
    d->decree.place_count = RELAIS_MAX_DECREE_PLACES + 1;
    assert_int_equal(relais_decree_record_encode(d, &bytes, &len), RELAIS_E_INVALID);
    d->decree.place_count = 1;
    d->decree.nature = RELAIS_DECREE_NATURE_COUNT;
    assert_int_equal(relais_decree_record_encode(d, &bytes, &len), RELAIS_E_INVALID);
    d->decree.nature = RELAIS_DECREE_REGULATORY;
    d->decree.repeal_count = RELAIS_MAX_REPEALS + 1;
    assert_int_equal(relais_decree_record_encode(d, &bytes, &len), RELAIS_E_INVALID);
    d->decree.repeal_count = 0;
    memset(d->repealed_by, '9', sizeof d->repealed_by);
    assert_int_equal(relais_decree_record_encode(d, &bytes, &len), RELAIS_E_INVALID);
    /* A LostRecord is no DecreeRecord: a decree record without its decree is refused. */
    lost->matched_id[0] = '\0';
    assert_int_equal(relais_lost_record_encode(lost, &bytes, &len), 0);
    assert_int_not_equal(relais_decree_record_decode(bytes, len, d_back), 0);
    free(bytes);

    /* The views of the payloads give what the JSON said. */
    relais_message_t *msg = s_msg("publication", "{\"decree\": {\"number\": \"2026-152\", \"title\": \"Benne\", "
                                                 "\"nature\": \"INDIVIDUAL\", \"duration\": \"TEMPORARY\", "
                                                 "\"signed_date\": \"2026-12-02\", \"effective_from\": \"2026-12-07\", "
                                                 "\"effective_to\": \"2026-12-09\", \"places\": [{\"street\": \"Rue "
                                                 "des Écoles\", \"from_number\": 18, \"to_number\": 18, \"side\": "
                                                 "\"EVEN\"}], " S_PDF ", \"repeals\": [\"2026-150\"], "
                                                 "\"signatory\": \"Paul Lemoine\", \"request_entry\": \"A-31\"}}");
    relais_decree_t *view = malloc(sizeof *view);
    assert_non_null(view);
    const char *text = "unset";
    assert_int_equal(relais_message_decree(msg, view, &text), 0);
    assert_string_equal(text, "");
    assert_string_equal(view->number, "2026-152");
    assert_int_equal(view->nature, RELAIS_DECREE_INDIVIDUAL);
    assert_int_equal(view->duration, RELAIS_DECREE_TEMPORARY);
    assert_string_equal(view->effective_to, "2026-12-09");
    assert_int_equal(view->place_count, 1);
    assert_string_equal(view->places[0].street, "Rue des Écoles");
    assert_int_equal(view->places[0].from_number, 18);
    assert_int_equal(view->places[0].to_number, 18);
    assert_int_equal(view->places[0].side, RELAIS_SIDE_EVEN);
    assert_true(view->has_pdf);
    assert_int_equal(view->pdf_sha256[0], 0xd5);
    assert_int_equal(view->repeal_count, 1);
    assert_string_equal(view->repeals[0], "2026-150");
    assert_string_equal(view->request_entry, "A-31");
    relais_lost_view_t lv;
    assert_int_equal(relais_message_lost(msg, &lv), RELAIS_E_INVALID);
    relais_message_destroy(&msg);
    free(view);

    free(lost);
    free(lost_back);
    free(d);
    free(d_back);
}

/* `req` through its encoding: the same request back, byte for byte. */
static void s_request_round_trip(const relais_request_t *req)
{
    uint8_t *bytes = NULL;
    size_t len = 0;
    relais_request_t *back = malloc(sizeof *back);
    assert_non_null(back);
    int rc = relais_request_encode(req, &bytes, &len);
    if (rc)
        fail_msg("request kind %d: %s: %s", (int)req->kind, relais_status_name(rc), relais_status_detail());
    assert_int_equal(relais_request_decode(bytes, len, back), 0);
    assert_int_equal(back->kind, req->kind);
    assert_memory_equal(back, req, sizeof *req);
    relais_request_clear(back);
    free(back);
    free(bytes);
}

static void test_requests(void **state)
{
    (void)state;
    relais_request_t *req = calloc(1, sizeof *req);
    assert_non_null(req);

    req->request_id = 31;
    req->kind = RELAIS_REQ_LOST_LIST;
    req->lost_kind = RELAIS_LOST_KIND_FOUND;
    req->item_category = RELAIS_ITEM_WALLET;
    snprintf(req->search, sizeof req->search, "portefeuille marron");
    req->from_ms = S_FOUND_MS;
    req->to_ms = S_NOW_MS;
    req->open_only = 1;
    req->before = 77;
    req->keeping_over = 1;
    s_request_round_trip(req);

    memset(req, 0, sizeof *req);
    req->request_id = 32;
    req->kind = RELAIS_REQ_LOST_LIST; /* every filter off */
    s_request_round_trip(req);

    memset(req, 0, sizeof *req);
    req->request_id = 33;
    req->kind = RELAIS_REQ_LOST_SHOW;
    snprintf(req->case_id, sizeof req->case_id, "O-21");
    s_request_round_trip(req);
    req->kind = RELAIS_REQ_LOST_MATCH;
    snprintf(req->case_id, sizeof req->case_id, "P-23");
    s_request_round_trip(req);

    memset(req, 0, sizeof *req);
    req->request_id = 34;
    req->kind = RELAIS_REQ_DECREE_LIST;
    snprintf(req->search, sizeof req->search, "stationnement");
    snprintf(req->on_date, sizeof req->on_date, "2026-12-14");
    req->before = 41;
    s_request_round_trip(req);

    memset(req, 0, sizeof *req);
    req->request_id = 35;
    req->kind = RELAIS_REQ_DECREE_SHOW;
    snprintf(req->decree_number, sizeof req->decree_number, "2026-148");
    s_request_round_trip(req);

    memset(req, 0, sizeof *req);
    req->request_id = 36;
    req->kind = RELAIS_REQ_DECREE_IN_FORCE;
    snprintf(req->street, sizeof req->street, "Rue des Écoles");
    snprintf(req->house_number, sizeof req->house_number, "12 bis");
    snprintf(req->on_date, sizeof req->on_date, "2026-12-14");
    s_request_round_trip(req);

    /* What cannot be asked. */
    uint8_t *bytes = NULL;
    size_t len = 0;
    memset(req, 0, sizeof *req);
    req->kind = RELAIS_REQ_LOST_SHOW;
    assert_int_equal(relais_request_encode(req, &bytes, &len), RELAIS_E_INVALID); /* no item */
    req->kind = RELAIS_REQ_LOST_MATCH;
    assert_int_equal(relais_request_encode(req, &bytes, &len), RELAIS_E_INVALID);
    req->kind = RELAIS_REQ_DECREE_SHOW;
    assert_int_equal(relais_request_encode(req, &bytes, &len), RELAIS_E_INVALID); /* no number */
    req->kind = RELAIS_REQ_LOST_LIST;
    req->lost_kind = RELAIS_LOST_KIND_COUNT;
    assert_int_equal(relais_request_encode(req, &bytes, &len), RELAIS_E_INVALID);
    req->lost_kind = 0;
    req->item_category = RELAIS_ITEM_COUNT;
    assert_int_equal(relais_request_encode(req, &bytes, &len), RELAIS_E_INVALID);
    req->item_category = 0;
    memset(req->search, 'a', sizeof req->search); /* no end */
    assert_int_equal(relais_request_encode(req, &bytes, &len), RELAIS_E_INVALID);
    memset(req, 0, sizeof *req);
    req->kind = RELAIS_REQ_DECREE_IN_FORCE;
    memset(req->house_number, '1', sizeof req->house_number);
    assert_int_equal(relais_request_encode(req, &bytes, &len), RELAIS_E_INVALID);
    assert_null(bytes);
    free(req);
}

/* `rep` through its encoding, and back; caller clears *back. */
static void s_reply_trip(const relais_reply_t *rep, relais_reply_t *back)
{
    uint8_t *bytes = NULL;
    size_t len = 0;
    int rc = relais_reply_encode(rep, &bytes, &len);
    if (rc)
        fail_msg("reply kind %d: %s: %s", (int)rep->kind, relais_status_name(rc), relais_status_detail());
    assert_int_equal(relais_reply_decode(bytes, len, back), 0);
    assert_int_equal(back->kind, rep->kind);
    assert_int_equal(back->request_id, rep->request_id);
    free(bytes);
}

static void test_replies(void **state)
{
    (void)state;
    relais_lost_record_t *items = calloc(3, sizeof *items);
    assert_non_null(items);
    relais_lost_record_t *one = s_full_lost();
    items[0] = *one;
    items[1] = *one;
    items[1].seq = 23;
    items[1].kind = RELAIS_LOST_KIND_LOST;
    items[1].state = RELAIS_LOST_STATE_RECOVERED;
    snprintf(items[1].matched_id, sizeof items[1].matched_id, "O-21");
    items[2] = *one;
    items[2].seq = 25;
    items[2].kind = RELAIS_LOST_KIND_LOST;
    items[2].state = RELAIS_LOST_STATE_SOUGHT;
    free(one);
    relais_reply_t rep, back;

    /* LOST_LIST: the items and the next page. */
    rep = (relais_reply_t){.request_id = 31, .kind = RELAIS_REPLY_LOST_LIST, .lost = items, .lost_count = 2,
                           .next_seq = 20};
    s_reply_trip(&rep, &back);
    assert_int_equal(back.lost_count, 2);
    assert_int_equal(back.next_seq, 20);
    assert_memory_equal(&back.lost[0], &items[0], sizeof items[0]);
    assert_memory_equal(&back.lost[1], &items[1], sizeof items[1]);
    relais_reply_clear(&back);
    rep = (relais_reply_t){.request_id = 32, .kind = RELAIS_REPLY_LOST_LIST}; /* an empty page */
    s_reply_trip(&rep, &back);
    assert_int_equal(back.lost_count, 0);
    assert_int_equal(back.next_seq, 0);
    relais_reply_clear(&back);

    /* LOST_DETAIL: one item, its timeline and its leaves' hashes. */
    uint8_t rec_a[] = {1, 2, 3}, rec_b[] = {4, 5, 6, 7}, *records[2] = {rec_a, rec_b};
    size_t lens[2] = {sizeof rec_a, sizeof rec_b};
    uint8_t hashes[2][32];
    memset(hashes[0], 0x11, 32);
    memset(hashes[1], 0x22, 32);
    rep = (relais_reply_t){.request_id = 33, .kind = RELAIS_REPLY_LOST_DETAIL, .lost = items, .lost_count = 1,
                           .records = records, .record_lens = lens, .record_count = 2, .leaf_hashes = hashes,
                           .leaf_hash_count = 2};
    s_reply_trip(&rep, &back);
    assert_int_equal(back.lost_count, 1);
    assert_memory_equal(&back.lost[0], &items[0], sizeof items[0]);
    assert_int_equal(back.record_count, 2);
    assert_int_equal(back.record_lens[0], sizeof rec_a);
    assert_memory_equal(back.records[0], rec_a, sizeof rec_a);
    assert_int_equal(back.record_lens[1], sizeof rec_b);
    assert_memory_equal(back.records[1], rec_b, sizeof rec_b);
    assert_int_equal(back.leaf_hash_count, 2);
    assert_memory_equal(back.leaf_hashes, hashes, sizeof hashes);
    relais_reply_clear(&back);

    /* LOST_MATCHES: the item, then its candidates best first with their scores and reasons. */
    relais_lost_match_t *matches = calloc(2, sizeof *matches);
    assert_non_null(matches);
    matches[0] = (relais_lost_match_t){.candidate = items[1], .score = 100,
                                       .reasons = RELAIS_MATCH_SAME_CATEGORY | RELAIS_MATCH_SAME_STREET |
                                                  RELAIS_MATCH_SAME_PLACE | RELAIS_MATCH_CLOSE_DATES |
                                                  RELAIS_MATCH_SAME_WORDS};
    matches[1] = (relais_lost_match_t){.candidate = items[2], .score = 47, .reasons = RELAIS_MATCH_SAME_STREET};
    rep = (relais_reply_t){.request_id = 34, .kind = RELAIS_REPLY_LOST_MATCHES, .lost = items, .lost_count = 1,
                           .matches = matches, .match_count = 2};
    s_reply_trip(&rep, &back);
    assert_int_equal(back.lost_count, 1);
    assert_memory_equal(&back.lost[0], &items[0], sizeof items[0]);
    assert_int_equal(back.match_count, 2);
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(back.matches[i].score, matches[i].score);
        assert_int_equal(back.matches[i].reasons, matches[i].reasons);
        assert_memory_equal(&back.matches[i].candidate, &matches[i].candidate, sizeof matches[i].candidate);
    }
    relais_reply_clear(&back);
    rep.match_count = 0; /* an item nothing matches */
    s_reply_trip(&rep, &back);
    assert_int_equal(back.lost_count, 1);
    assert_int_equal(back.match_count, 0);
    assert_null(back.matches);
    relais_reply_clear(&back);

    /* An item's detail or matches hold one item. */
    uint8_t *bytes = NULL;
    size_t len = 0;
    rep = (relais_reply_t){.request_id = 35, .kind = RELAIS_REPLY_LOST_DETAIL, .lost = items, .lost_count = 2};
    assert_int_equal(relais_reply_encode(&rep, &bytes, &len), RELAIS_E_INVALID);
    rep.kind = RELAIS_REPLY_LOST_MATCHES;
    rep.lost_count = 0;
    assert_int_equal(relais_reply_encode(&rep, &bytes, &len), RELAIS_E_INVALID);
    rep = (relais_reply_t){.request_id = 35, .kind = RELAIS_REPLY_LOST_LIST, .lost_count = 2}; /* no items */
    assert_int_equal(relais_reply_encode(&rep, &bytes, &len), RELAIS_E_INVALID);

    /* DECREE_LIST: the decrees and the next page; a show: one decree, its record and its leaf's hash. */
    relais_decree_record_t *decrees = calloc(2, sizeof *decrees);
    assert_non_null(decrees);
    relais_decree_record_t *d = s_decree_record();
    decrees[0] = *d;
    decrees[1] = *d;
    free(d);
    decrees[1].seq = 12;
    snprintf(decrees[1].decree.number, sizeof decrees[1].decree.number, "2012-045");
    decrees[1].decree.town_wide = 1;
    decrees[1].decree.place_count = 0;
    memset(decrees[1].decree.places, 0, sizeof decrees[1].decree.places);
    decrees[1].decree.has_pdf = 1;
    memset(decrees[1].decree.pdf_sha256, 0x3c, 32);
    snprintf(decrees[1].repealed_by, sizeof decrees[1].repealed_by, "2026-131");
    snprintf(decrees[1].repealed_from, sizeof decrees[1].repealed_from, "2026-11-25");
    rep = (relais_reply_t){.request_id = 36, .kind = RELAIS_REPLY_DECREE_LIST, .decrees = decrees, .decree_count = 2,
                           .next_seq = 5};
    s_reply_trip(&rep, &back);
    assert_int_equal(back.decree_count, 2);
    assert_int_equal(back.next_seq, 5);
    assert_memory_equal(&back.decrees[0], &decrees[0], sizeof decrees[0]);
    assert_memory_equal(&back.decrees[1], &decrees[1], sizeof decrees[1]);
    assert_int_equal(back.record_count, 0);
    relais_reply_clear(&back);
    rep = (relais_reply_t){.request_id = 37, .kind = RELAIS_REPLY_DECREE_LIST, .decrees = decrees, .decree_count = 1,
                           .records = records, .record_lens = lens, .record_count = 1, .leaf_hashes = hashes,
                           .leaf_hash_count = 1};
    s_reply_trip(&rep, &back);
    assert_int_equal(back.decree_count, 1);
    assert_memory_equal(&back.decrees[0], &decrees[0], sizeof decrees[0]);
    assert_int_equal(back.record_count, 1);
    assert_int_equal(back.record_lens[0], sizeof rec_a);
    assert_memory_equal(back.records[0], rec_a, sizeof rec_a);
    assert_int_equal(back.leaf_hash_count, 1);
    assert_memory_equal(back.leaf_hashes[0], hashes[0], 32);
    relais_reply_clear(&back);
    rep = (relais_reply_t){.request_id = 38, .kind = RELAIS_REPLY_DECREE_LIST}; /* nothing in force */
    s_reply_trip(&rep, &back);
    assert_int_equal(back.decree_count, 0);
    relais_reply_clear(&back);
    /* A decree list carries one record at most, and a hash only with it. */
    rep = (relais_reply_t){.request_id = 39, .kind = RELAIS_REPLY_DECREE_LIST, .decrees = decrees, .decree_count = 1,
                           .records = records, .record_lens = lens, .record_count = 2};
    assert_int_equal(relais_reply_encode(&rep, &bytes, &len), RELAIS_E_INVALID);
    rep.record_count = 0;
    rep.leaf_hashes = hashes;
    rep.leaf_hash_count = 1;
    assert_int_equal(relais_reply_encode(&rep, &bytes, &len), RELAIS_E_INVALID);
    rep = (relais_reply_t){.request_id = 39, .kind = RELAIS_REPLY_DECREE_LIST, .decree_count = 1}; /* no decrees */
    assert_int_equal(relais_reply_encode(&rep, &bytes, &len), RELAIS_E_INVALID);
    assert_null(bytes);

    free(items);
    free(matches);
    free(decrees);
}

static void test_names_and_handles(void **state)
{
    (void)state;
    char h[RELAIS_CASE_ID_LEN];
    relais_found_handle(21, h);
    assert_string_equal(h, "O-21");
    assert_int_equal(relais_found_handle_seq("O-21"), 21);
    relais_loss_handle(23, h);
    assert_string_equal(h, "P-23");
    assert_int_equal(relais_loss_handle_seq("P-23"), 23);
    relais_lost_handle(RELAIS_LOST_KIND_LOST, 5, h);
    assert_string_equal(h, "P-5");
    relais_lost_handle(RELAIS_LOST_KIND_FOUND, 5, h);
    assert_string_equal(h, "O-5");
    assert_int_equal(relais_found_handle_seq("P-21"), 0);
    assert_int_equal(relais_loss_handle_seq("O-23"), 0);
    assert_int_equal(relais_found_handle_seq("O-021"), 0);
    assert_int_equal(relais_found_handle_seq("O-"), 0);
    assert_int_equal(relais_found_handle_seq("O-0"), 0);
    assert_int_equal(relais_lost_kind_from_name("found"), RELAIS_LOST_KIND_FOUND);
    assert_int_equal(relais_lost_kind_from_name("LOST"), RELAIS_LOST_KIND_LOST);
    assert_int_equal(relais_item_category_from_name("OTHER_ITEM"), RELAIS_ITEM_OTHER);
    assert_int_equal(relais_item_category_from_name("other"), RELAIS_ITEM_OTHER);
    assert_int_equal(relais_outcome_from_name("to-finder"), RELAIS_OUTCOME_TO_FINDER);
    assert_int_equal(relais_outcome_from_name("HANDED_OVER"), RELAIS_OUTCOME_HANDED_OVER);
    assert_string_equal(relais_lost_state_name(RELAIS_LOST_STATE_RECOVERED), "recovered");
    assert_null(relais_lost_state_name(RELAIS_LOST_STATE_COUNT));
    assert_int_equal(relais_lost_update_from_name("withdraw"), RELAIS_LOST_UPDATE_WITHDRAW);
    assert_int_equal(relais_decree_nature_from_name("individual"), RELAIS_DECREE_INDIVIDUAL);
    assert_int_equal(relais_decree_duration_from_name("TEMPORARY"), RELAIS_DECREE_TEMPORARY);
    assert_string_equal(relais_side_name(RELAIS_SIDE_BOTH), "both");
    assert_int_equal(relais_side_from_name("odd"), RELAIS_SIDE_ODD);
    assert_int_equal(relais_side_from_name("left"), RELAIS_SIDE_COUNT);
    assert_null(relais_side_name(RELAIS_SIDE_COUNT));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lost_content_rules), cmocka_unit_test(test_decree_content_rules),
        cmocka_unit_test(test_lost_rules),         cmocka_unit_test(test_lost_matching),
        cmocka_unit_test(test_decree_in_force),    cmocka_unit_test(test_decree_applies_at),
        cmocka_unit_test(test_decree_numbers_parse), cmocka_unit_test(test_record_encodings),
        cmocka_unit_test(test_requests),           cmocka_unit_test(test_replies),
        cmocka_unit_test(test_names_and_handles),
    };
    return cmocka_run_group_tests(tests, s_setup, NULL);
}
