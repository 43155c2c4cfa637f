/* fuzz_decree_numbers.c -- libFuzzer target: what the desk types for the decrees and the lost and found, read by
 * the hand-written parsers of reception/.
 *
 * Each input is read four ways:
 *  - as a range of house numbers (relais_decree_numbers_parse): accepted exactly when a model of
 *    the documented forms accepts it ("15", "2-40", "100-", "-20"; numbers 1 to 99999, of at most
 *    six digits), with the model's numbers; what it accepts is within 1-99999, runs from the lower
 *    number to the higher, and its canonical form reads back to the same range;
 *  - as a house number against a decree's places (relais_decree_applies_at): the answer a model
 *    of the places gives, for any real house number (at most five leading digits), and anywhere
 *    for none; a town-wide decree applies whatever is typed;
 *  - as two descriptions and places of a found item and a declared loss (relais_lost_match_score):
 *    a score within 0-100, the same both ways round, with reasons that add up to no more than it;
 *  - as the desk's search over an item and a decree (relais_lost_matches, relais_decree_matches).
 */
#include "fuzz_common.h"

#include "relais_proto.h"
#include "relais_reception.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_TEXT_MAX 4000

/* The decree the house numbers are matched against, and its streets folded. */
static relais_decree_record_t *s_decree;
static char s_houdan[64], s_perrin[64], s_honneur[64], s_florian[64];

static void s_free(void)
{
    free(s_decree);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    s_decree = calloc(1, sizeof *s_decree);
    FUZZ_CHECK(s_decree != NULL, "no memory for a decree", 0);
    relais_decree_t *d = &s_decree->decree;
    snprintf(d->number, sizeof d->number, "2026-148");
    snprintf(d->title, sizeof d->title, "Stationnement interdit, rue Houdan");
    d->nature = RELAIS_DECREE_REGULATORY;
    d->duration = RELAIS_DECREE_TEMPORARY;
    snprintf(d->signed_date, sizeof d->signed_date, "2026-12-01");
    snprintf(d->effective_from, sizeof d->effective_from, "2026-12-14");
    snprintf(d->effective_to, sizeof d->effective_to, "2026-12-15");
    d->places[0] = (relais_decree_place_t){.street = "Rue Houdan", .from_number = 2, .to_number = 40,
                                           .side = RELAIS_SIDE_EVEN};
    d->places[1] = (relais_decree_place_t){.street = "Rue Houdan", .from_number = 101, .side = RELAIS_SIDE_ODD};
    d->places[2] = (relais_decree_place_t){.street = "Avenue Jean Perrin", .to_number = 20};
    d->places[3] = (relais_decree_place_t){.street = "Allée d'Honneur"};
    d->place_count = 4;
    relais_reception_fold_text("Rue Houdan", s_houdan, sizeof s_houdan);
    relais_reception_fold_text("Avenue Jean Perrin", s_perrin, sizeof s_perrin);
    relais_reception_fold_text("Allée d'Honneur", s_honneur, sizeof s_honneur);
    relais_reception_fold_text("Rue Florian", s_florian, sizeof s_florian);
    FUZZ_CHECK(strcmp(s_honneur, "allee d honneur") == 0, "the street folds otherwise than the desk's search", 0);
    atexit(s_free);
    return 0;
}

/* A run of decimal digits at *p: its length, its value (capped well above any house number). */
static size_t s_digits(const char **p, uint64_t *value)
{
    size_t n = 0;
    *value = 0;
    for (; **p >= '0' && **p <= '9'; (*p)++, n++)
        if (*value < 10000000)
            *value = *value * 10 + (uint64_t)(**p - '0');
    return n;
}

/* The documented forms: [A][-[B]], A and B of 1 to 6 digits, one of them at least, a dash when
 * A is missing; each 1 to 99999, A no higher than B. */
static int s_model_range(const char *text, uint32_t *from, uint32_t *to)
{
    const char *p = text;
    uint64_t a, b = 0;
    size_t na = s_digits(&p, &a), nb = 0;
    int dash = *p == '-';
    if (dash) {
        p++;
        nb = s_digits(&p, &b);
    }
    if (*p || na > 6 || nb > 6 || (!na && !nb) || (!dash && !na))
        return 0;
    if ((na && (a == 0 || a > 99999)) || (nb && (b == 0 || b > 99999)) || (na && nb && a > b))
        return 0;
    *from = (uint32_t)a;
    *to = dash ? (uint32_t)b : (uint32_t)a;
    return 1;
}

static void s_range(const char *text)
{
    uint32_t from = 0xdeadbeef, to = 0xdeadbeef, want_from = 0, want_to = 0;
    int rc = relais_decree_numbers_parse(text, &from, &to);
    int want = s_model_range(text, &want_from, &want_to);
    FUZZ_CHECK(rc == RELAIS_OK || rc == RELAIS_E_INVALID, "a range refused with another code", rc);
    FUZZ_CHECK((rc == RELAIS_OK) == want, want ? "a range of the documented forms refused" : "a range accepted that "
                                                                                              "the forms do not allow",
               rc);
    if (rc != RELAIS_OK) {
        FUZZ_CHECK(relais_status_detail()[0] != '\0', "a range refused without a sentence", rc);
        return;
    }
    FUZZ_CHECK(from == want_from && to == want_to, "a range read as other numbers than it says", 0);
    FUZZ_CHECK(from <= 99999 && to <= 99999, "a range beyond the highest house number", 0);
    FUZZ_CHECK(from || to, "a range of no number", 0);
    FUZZ_CHECK(!from || !to || from <= to, "a range from the higher number to the lower", 0);
    /* its canonical form reads back the same */
    char canon[32];
    if (from == to)
        snprintf(canon, sizeof canon, "%u", from);
    else if (!to)
        snprintf(canon, sizeof canon, "%u-", from);
    else if (!from)
        snprintf(canon, sizeof canon, "-%u", to);
    else
        snprintf(canon, sizeof canon, "%u-%u", from, to);
    uint32_t from2 = 0, to2 = 0;
    rc = relais_decree_numbers_parse(canon, &from2, &to2);
    FUZZ_CHECK(rc == RELAIS_OK && from2 == from && to2 == to, "a range's canonical form reads otherwise", rc);
}

static void s_house(const char *text)
{
    const char *p = text;
    uint64_t n;
    size_t digits = s_digits(&p, &n);
    const char *named[] = {s_houdan, s_perrin, s_honneur, s_florian};
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
        int got = relais_decree_applies_at(s_decree, named[i], text);
        FUZZ_CHECK(got == 0 || got == 1, "applies_at answered neither yes nor no", got);
        if (named[i] == s_florian) {
            FUZZ_CHECK(!got, "a decree applies in a street it does not name", 0);
            continue;
        }
        if (digits > 5)
            continue; /* no house number of a street */
        int want = n == 0 || named[i] == s_honneur ||
                   (named[i] == s_perrin && n <= 20) ||
                   (named[i] == s_houdan && ((n >= 2 && n <= 40 && n % 2 == 0) || (n >= 101 && n % 2 == 1)));
        FUZZ_CHECK(got == want, want ? "a decree does not apply at a number of its places"
                                     : "a decree applies at a number outside its places",
                   0);
    }
    /* the text as a street: it is one of the decree's only when it folds to one */
    char folded[2 * S_TEXT_MAX + 1];
    relais_reception_fold_text(text, folded, sizeof folded);
    int named_street = strcmp(folded, s_houdan) == 0 || strcmp(folded, s_perrin) == 0 || strcmp(folded, s_honneur) == 0;
    if (!named_street)
        FUZZ_CHECK(!relais_decree_applies_at(s_decree, folded, "12"), "a decree applies in a street it does not name",
                   0);
    s_decree->decree.town_wide = 1;
    FUZZ_CHECK(relais_decree_applies_at(s_decree, folded, text) == 1, "a town-wide decree does not apply somewhere",
               0);
    s_decree->decree.town_wide = 0;
    /* the search over the decree's title, number and streets */
    FUZZ_CHECK(relais_decree_matches(s_decree, folded, "") == 1 || folded[0] != '\0', "an empty search misses", 0);
    (void)relais_decree_matches(s_decree, folded, text);
}

/* The points each reason gives at least (the words: one word's). */
static unsigned s_floor(unsigned reasons)
{
    unsigned sum = 0;
    sum += reasons & RELAIS_MATCH_SAME_CATEGORY ? 40 : 0;
    sum += reasons & RELAIS_MATCH_CLOSE_DATES ? 20 : 0;
    sum += reasons & RELAIS_MATCH_SAME_STREET ? 20 : 0;
    sum += reasons & RELAIS_MATCH_SAME_PLACE ? 10 : 0;
    sum += reasons & RELAIS_MATCH_SAME_WORDS ? 7 : 0;
    return sum > 100 ? 100 : sum;
}

static void s_match(const uint8_t *data, size_t size, const char *text)
{
    relais_lost_record_t *found = calloc(1, sizeof *found), *lost = calloc(1, sizeof *lost);
    FUZZ_CHECK(found != NULL && lost != NULL, "no memory for items", 0);
    size_t len = strlen(text), half = len / 2;
    found->kind = RELAIS_LOST_KIND_FOUND;
    lost->kind = RELAIS_LOST_KIND_LOST;
    /* the first bytes choose the categories, the dates and the streets */
    uint8_t b0 = size > 0 ? data[0] : 0, b1 = size > 1 ? data[1] : 0;
    found->category = (relais_item_category_t)(1 + b0 % (RELAIS_ITEM_COUNT - 1));
    lost->category = (relais_item_category_t)(1 + (b0 >> 4) % (RELAIS_ITEM_COUNT - 1));
    found->when_ms = INT64_C(1796229600000);
    lost->when_ms = found->when_ms + ((int64_t)(b1 % 64) - 40) * 86400000 / 2;
    lost->until_ms = b1 & 0x80 ? lost->when_ms + 3600000 : 0;
    snprintf(found->street, sizeof found->street, "%s", b1 & 0x40 ? "Rue Houdan" : "");
    snprintf(lost->street, sizeof lost->street, "%s", b1 & 0x20 ? "RUE  HOUDAN" : "Rue Florian");
    snprintf(found->description, sizeof found->description, "%.*s", (int)half, text);
    snprintf(lost->description, sizeof lost->description, "%s", text + half);
    snprintf(found->place, sizeof found->place, "%.*s", (int)(half < 400 ? half : 400), text);
    snprintf(lost->place, sizeof lost->place, "%.400s", text + half);
    unsigned reasons = 0xffff, back = 0xffff;
    unsigned score = relais_lost_match_score(found, lost, &reasons);
    FUZZ_CHECK(score <= 100, "a match scored over 100", (int)score);
    FUZZ_CHECK((reasons & ~31u) == 0, "a match with reasons the schema lacks", (int)reasons);
    FUZZ_CHECK(relais_lost_match_score(lost, found, &back) == score && back == reasons,
               "a match scores otherwise the other way round", 0);
    FUZZ_CHECK(score >= s_floor(reasons), "a match scored under its reasons", (int)score);
    FUZZ_CHECK(score == 0 || !(reasons & RELAIS_MATCH_SAME_CATEGORY) == (found->category != lost->category),
               "the category reason says otherwise than the categories", 0);
    if (found->category != lost->category && found->category != RELAIS_ITEM_OTHER &&
        lost->category != RELAIS_ITEM_OTHER)
        FUZZ_CHECK(score == 0 && reasons == 0, "items of two categories matched", (int)score);
    /* a declaration of the same category the same day, in the item's own words */
    lost->category = found->category;
    lost->when_ms = found->when_ms;
    lost->until_ms = 0;
    snprintf(lost->description, sizeof lost->description, "%s", found->description);
    score = relais_lost_match_score(found, lost, &reasons);
    FUZZ_CHECK(score >= 60 && (reasons & (RELAIS_MATCH_SAME_CATEGORY | RELAIS_MATCH_CLOSE_DATES)) ==
                                  (RELAIS_MATCH_SAME_CATEGORY | RELAIS_MATCH_CLOSE_DATES),
               "an item does not match a declaration of the same category the same day", (int)score);
    /* two items of one kind are never one */
    lost->kind = RELAIS_LOST_KIND_FOUND;
    FUZZ_CHECK(relais_lost_match_score(found, lost, &reasons) == 0 && reasons == 0, "two found items matched", 0);
    /* the desk's search over the item */
    char search[2 * S_TEXT_MAX + 1];
    relais_request_t req = {.kind = RELAIS_REQ_LOST_LIST};
    relais_reception_fold_text(text + half, search, sizeof search);
    (void)relais_lost_matches(found, &req, search, found->when_ms);
    FUZZ_CHECK(relais_lost_matches(found, &req, "", found->when_ms) == 1, "an item missed by an empty search", 0);
    free(found);
    free(lost);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(S_TEXT_MAX + 1);
    FUZZ_CHECK(text != NULL, "no memory for the text", 0);
    size_t len = size < S_TEXT_MAX ? size : S_TEXT_MAX;
    memcpy(text, data, len);
    text[len] = '\0';
    s_range(text);
    s_house(text);
    s_match(data, size, text);
    free(text);
    return 0;
}
