/* fuzz_streets.c -- libFuzzer target: the town's street list from bytes (the BAN's CSV, the stored list) and the
 * matcher against what an agent may type.
 *
 * The CSV comes from outside (a download, a spreadsheet that saved it again), the stored list
 * may have been edited by hand, and the desk types anything. Each input is read three ways:
 *  - as the BAN's CSV: importing may not crash, refuses with its documented codes and leaves no
 *    list; what imports writes a stored form that reads back and writes again to the same bytes,
 *    and each street's own name finds it;
 *  - as a stored list: the same codes, and what reads writes again to the same bytes;
 *  - as typed text, against a fixed list: answers bounded, best first, within the list, exact
 *    only alone; normalising twice gives what normalising once gave.
 */
#define _GNU_SOURCE /* fmemopen, open_memstream */
#include "fuzz_common.h"

#include "relais_streets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The list typed text is matched against: a town's names with accents, articles, saints, a
 * name in two communes and one in the same commune in two types. */
static const char s_town_csv[] = "nom_voie;code_postal;code_insee;nom_commune;id_fantoir\n"
                                 "Rue Houdan;92330;92071;Sceaux;92071_0350\n"
                                 "Rue Houdan;92160;92002;Antony;92002_0350\n"
                                 "Avenue Jean Perrin;92330;92071;Sceaux;92071_0410\n"
                                 "Rue des Écoles;92330;92071;Sceaux;92071_0260\n"
                                 "Place du Général de Gaulle;92330;92071;Sceaux;92071_0600\n"
                                 "Allée d'Honneur;92330;92071;Sceaux;92071_0020\n"
                                 "Sentier des Mouillebœufs;92330;92071;Sceaux;92071_0835\n"
                                 "Rue Saint-Jean;92330;92071;Sceaux;92071_0680\n"
                                 "Rue Florian;92330;92071;Sceaux;92071_0310\n"
                                 "Allée Florian;92330;92071;Sceaux;92071_0312\n"
                                 "Avenue de Bourg-la-Reine;92330;92071;Sceaux;92071_0120\n"
                                 "Rue du 8 Mai 1945;92330;92071;Sceaux;92071_0900\n"
                                 "Les Blagis;92330;92071;Sceaux;92071_b001\n";

static relais_streets_t *s_town;

static void s_free_town(void)
{
    relais_streets_destroy(&s_town);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    FILE *f = fmemopen((void *)s_town_csv, sizeof s_town_csv - 1, "r");
    if (!f)
        fuzz_fail("no stream over the town's CSV", 0);
    int rc = relais_streets_import_csv(f, NULL, "fuzz", &s_town);
    fclose(f);
    FUZZ_CHECK(rc == RELAIS_OK, "the town's CSV does not import", rc);
    atexit(s_free_town);
    return 0;
}

/* The stored form; caller frees. */
static char *s_stored(const relais_streets_t *list, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    FUZZ_CHECK(f != NULL, "no memory stream", 0);
    int rc = relais_streets_write(list, f);
    fclose(f);
    FUZZ_CHECK(rc == RELAIS_OK, "a list does not write", rc);
    return buf;
}

/* A stream over bytes; an empty input is an empty stream (libFuzzer may pass no buffer). */
static FILE *s_stream(const void *bytes, size_t len)
{
    static char empty[1];
    FILE *f = fmemopen(len ? (void *)bytes : empty, len, "r");
    FUZZ_CHECK(f != NULL, "no stream over the input", 0);
    return f;
}

static int s_read(const char *bytes, size_t len, relais_streets_t **out)
{
    FILE *f = s_stream(bytes, len);
    int rc = relais_streets_read(f, out);
    fclose(f);
    return rc;
}

/* Written again after reading back, the same bytes. */
static void s_round_trip(const relais_streets_t *list)
{
    size_t len = 0, again_len = 0;
    char *stored = s_stored(list, &len);
    relais_streets_t *back = NULL;
    int rc = s_read(stored, len, &back);
    FUZZ_CHECK(rc == RELAIS_OK, "the stored form written does not read back", rc);
    FUZZ_CHECK(relais_streets_count(back) == relais_streets_count(list), "the count changed on the way", 0);
    char *again = s_stored(back, &again_len);
    FUZZ_CHECK(again_len == len && memcmp(again, stored, len) == 0, "the stored form is not the same after a round trip",
               0);
    free(again);
    free(stored);
    relais_streets_destroy(&back);
}

/* The invariants of any answer of relais_streets_match. */
static void s_check_answer(const relais_streets_t *list, int rc, const relais_streets_match_t *m, size_t n,
                           size_t max)
{
    FUZZ_CHECK(rc == RELAIS_OK || rc == RELAIS_E_NOT_FOUND || rc == RELAIS_E_INVALID, "a match gave another code", rc);
    FUZZ_CHECK(n <= max, "more answers than room", 0);
    FUZZ_CHECK(rc != RELAIS_E_INVALID || n == 0, "a refused text has answers", rc);
    FUZZ_CHECK(rc != RELAIS_OK || (n == 1 || max == 0), "an exact match is not alone", rc);
    FUZZ_CHECK(rc != RELAIS_OK || max == 0 || m[0].score == RELAIS_STREETS_SCORE_EXACT, "an exact match is not scored so",
               rc);
    for (size_t i = 0; i < n; i++) {
        FUZZ_CHECK(m[i].index < relais_streets_count(list), "an answer outside the list", 0);
        FUZZ_CHECK(m[i].score > 0 && m[i].score <= RELAIS_STREETS_SCORE_EXACT, "a score out of range", 0);
        FUZZ_CHECK(i == 0 || m[i].score <= m[i - 1].score, "answers not best first", 0);
        /* exact answers come alone, or all exact (one name for several streets) */
        FUZZ_CHECK(i == 0 || (m[i].score == RELAIS_STREETS_SCORE_EXACT) == (m[0].score == RELAIS_STREETS_SCORE_EXACT),
                   "exact answers mixed with suggestions", 0);
    }
}

static void s_match(const relais_streets_t *list, const char *text)
{
    relais_streets_match_t m[RELAIS_STREETS_SUGGESTIONS];
    size_t n = 0;
    int rc = relais_streets_match(list, text, m, RELAIS_STREETS_SUGGESTIONS, &n);
    s_check_answer(list, rc, m, n, RELAIS_STREETS_SUGGESTIONS);
    char name[RELAIS_STREETS_NAME_MAX + 1], why[64];
    int resolved = relais_streets_resolve(list, text, name, sizeof name, why, sizeof why);
    FUZZ_CHECK(resolved == rc, "resolve and match disagree", resolved);
    FUZZ_CHECK(rc != RELAIS_OK || strcmp(name, relais_streets_name(list, m[0].index)) == 0,
               "resolve names another street", rc);
    FUZZ_CHECK(strlen(why) < sizeof why, "the sentence overran its room", 0);
}

static void s_import(const uint8_t *data, size_t size)
{
    relais_streets_t *list = (relais_streets_t *)&list; /* a refusal must leave NULL */
    FILE *f = s_stream(data, size);
    int rc = relais_streets_import_csv(f, NULL, "fuzz", &list);
    fclose(f);
    if (rc != RELAIS_OK) {
        FUZZ_CHECK(rc == RELAIS_E_MALFORMED || rc == RELAIS_E_NOT_FOUND || rc == RELAIS_E_NOMEM,
                   "a CSV refused with another code", rc);
        FUZZ_CHECK(list == NULL, "a refused CSV left a list", rc);
        return;
    }
    FUZZ_CHECK(relais_streets_count(list) > 0 && relais_streets_count(list) <= RELAIS_STREETS_MAX,
               "an imported list of no street or too many", 0);
    s_round_trip(list);
    /* each street is found by its own name: alone, or with its twins (a name in two communes) */
    for (size_t i = 0; i < relais_streets_count(list) && i < 8; i++) {
        relais_streets_match_t m[RELAIS_STREETS_SUGGESTIONS];
        size_t n = 0;
        rc = relais_streets_match(list, relais_streets_name(list, i), m, RELAIS_STREETS_SUGGESTIONS, &n);
        s_check_answer(list, rc, m, n, RELAIS_STREETS_SUGGESTIONS);
        FUZZ_CHECK(rc == RELAIS_E_INVALID || (n > 0 && m[0].score == RELAIS_STREETS_SCORE_EXACT),
                   "a street's own name does not find it", rc);
    }
    relais_streets_destroy(&list);
}

static void s_stored_list(const uint8_t *data, size_t size)
{
    relais_streets_t *list = (relais_streets_t *)&list;
    int rc = s_read((const char *)data, size, &list);
    if (rc != RELAIS_OK) {
        FUZZ_CHECK(rc == RELAIS_E_MALFORMED || rc == RELAIS_E_VERSION || rc == RELAIS_E_NOMEM,
                   "a stored list refused with another code", rc);
        FUZZ_CHECK(list == NULL, "a refused stored list left a list", rc);
        return;
    }
    s_round_trip(list);
    relais_streets_destroy(&list);
}

static void s_typed(const uint8_t *data, size_t size)
{
    /* a little over the bound, so that the refusal of a long text is reached too */
    char text[RELAIS_STREETS_NAME_MAX + 40];
    size_t len = size < sizeof text - 1 ? size : sizeof text - 1;
    memcpy(text, data, len);
    text[len] = '\0';
    s_match(s_town, text);
    char once[4 * RELAIS_STREETS_NAME_MAX + 1], twice[sizeof once];
    if (relais_streets_normalize(text, once, sizeof once) == RELAIS_OK && strlen(once) <= RELAIS_STREETS_NAME_MAX) {
        int rc = relais_streets_normalize(once, twice, sizeof twice);
        FUZZ_CHECK(rc == RELAIS_OK && strcmp(once, twice) == 0, "normalising twice is not normalising once", rc);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    s_import(data, size);
    s_stored_list(data, size);
    s_typed(data, size);
    return 0;
}
