/* test_streets.c -- the town's street list: the BAN extract imported (and what is refused, by line), the stored
 * list's round trip and its refusals, normalisation, the matching table the desk relies on, and its speed. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "relais_proto.h"
#include "relais_streets.h"

#define S_EXTRACT RELAIS_SOURCE_DIR "/tests/data/ban-sceaux-extract.csv"
#define S_EXTRACT_STREETS 43

#define S_HEADER                                                                                                       \
    "id;id_fantoir;numero;rep;nom_voie;code_postal;code_insee;nom_commune;code_insee_ancienne_commune;"                \
    "nom_ancienne_commune;x;y;lon;lat;type_position;alias;nom_ld;libelle_acheminement;nom_afnor;source_position;"      \
    "source_nom_voie;certification_commune;cad_parcelles\n"

/* One BAN row with the street and commune given, the rest as the BAN writes it. */
#define S_ROW(name, cp, insee, commune)                                                                                \
    "92071_0350_00001;" insee "_0350;1;;" name ";" cp ";" insee ";" commune                                            \
    ";;;649900.00;6853400.00;2.297;48.773;entrée;;;SCEAUX;X;commune;commune;1;92071000AI0214\n"

/* ---- Helpers ------------------------------------------------------------------------------- */

static char *s_read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = malloc(1 << 20);
    assert_non_null(buf);
    *len = fread(buf, 1, (1 << 20) - 1, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

static int s_import_bytes(const char *csv, size_t len, const char *insee, relais_streets_t **out)
{
    FILE *f = fmemopen((void *)csv, len, "r");
    assert_non_null(f);
    int rc = relais_streets_import_csv(f, insee, "test", out);
    fclose(f);
    return rc;
}

static int s_import(const char *csv, relais_streets_t **out)
{
    return s_import_bytes(csv, strlen(csv), NULL, out);
}

static int s_read_bytes(const char *text, size_t len, relais_streets_t **out)
{
    FILE *f = fmemopen((void *)text, len, "r");
    assert_non_null(f);
    int rc = relais_streets_read(f, out);
    fclose(f);
    return rc;
}

/* The stored form of a list; caller frees. */
static char *s_stored(const relais_streets_t *list, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    assert_non_null(f);
    assert_int_equal(relais_streets_write(list, f), RELAIS_OK);
    fclose(f);
    return buf;
}

static relais_streets_t *s_extract(void)
{
    FILE *f = fopen(S_EXTRACT, "r");
    assert_non_null(f);
    relais_streets_t *list = NULL;
    int rc = relais_streets_import_csv(f, NULL, "ban-sceaux-extract.csv", &list);
    fclose(f);
    if (rc)
        print_error("%s\n", relais_status_detail());
    assert_int_equal(rc, RELAIS_OK);
    return list;
}

static size_t s_find(const relais_streets_t *list, const char *name)
{
    for (size_t i = 0; i < relais_streets_count(list); i++)
        if (strcmp(relais_streets_name(list, i), name) == 0)
            return i;
    fail_msg("no street \"%s\" in the list", name);
    return SIZE_MAX;
}

/* ---- Import -------------------------------------------------------------------------------- */

static void test_import_extract(void **state)
{
    (void)state;
    relais_streets_t *list = s_extract();
    assert_int_equal(relais_streets_count(list), S_EXTRACT_STREETS); /* the row on a lieu-dit alone is no street */
    relais_streets_entry_t e;
    assert_int_equal(relais_streets_entry(list, s_find(list, "Rue Houdan"), &e), RELAIS_OK);
    assert_string_equal(e.postcode, "92330");
    assert_string_equal(e.commune, "Sceaux");
    assert_string_equal(e.insee, "92071");
    assert_string_equal(e.fantoir, "92071_0350");
    assert_int_equal(relais_streets_entry(list, s_find(list, "Sentier des Mouillebœufs"), &e), RELAIS_OK);
    assert_string_equal(e.fantoir, "92071_0835");
    s_find(list, "Rue des Écoles");
    s_find(list, "Allée d'Honneur");
    assert_string_equal(relais_streets_source(list), "ban-sceaux-extract.csv");
    /* sorted on the normalised names: allee florian < allee honneur < avenue ... */
    assert_string_equal(relais_streets_name(list, 0), "Allée Florian");
    assert_string_equal(relais_streets_name(list, 1), "Allée d'Honneur");
    assert_null(relais_streets_name(list, S_EXTRACT_STREETS));
    assert_int_equal(relais_streets_entry(list, S_EXTRACT_STREETS, &e), RELAIS_E_INVALID);
    relais_streets_destroy(&list);
    assert_null(list);
    relais_streets_destroy(&list); /* twice is safe */
}

/* The streets of a stored form, after its first line (which names the source). */
static const char *s_body(const char *stored)
{
    const char *nl = strchr(stored, '\n');
    assert_non_null(nl);
    return nl + 1;
}

/* The extract with a byte order mark and CRLF line ends, then with every field quoted: the same streets. */
static void test_import_bom_crlf_quoted(void **state)
{
    (void)state;
    relais_streets_t *plain = s_extract(), *variant = NULL;
    size_t len, plain_len, variant_len;
    char *csv = s_read_all(S_EXTRACT, &len);
    char *plain_stored = s_stored(plain, &plain_len);

    char *crlf = malloc(3 + 2 * len + 1), *w = crlf;
    memcpy(w, "\xef\xbb\xbf", 3);
    w += 3;
    for (size_t i = 0; i < len; i++) {
        if (csv[i] == '\n')
            *w++ = '\r';
        *w++ = csv[i];
    }
    assert_int_equal(s_import_bytes(crlf, (size_t)(w - crlf), NULL, &variant), RELAIS_OK);
    char *variant_stored = s_stored(variant, &variant_len);
    assert_string_equal(s_body(variant_stored), s_body(plain_stored));
    relais_streets_destroy(&variant);
    free(variant_stored);

    char *quoted = malloc(4 * len + 4);
    w = quoted;
    int start = 1;
    for (size_t i = 0; i < len; i++) {
        if (start && csv[i] != '\n')
            *w++ = '"';
        start = 0;
        if (csv[i] == ';' || csv[i] == '\n') {
            *w++ = '"';
            start = 1;
        }
        *w++ = csv[i];
    }
    assert_int_equal(s_import_bytes(quoted, (size_t)(w - quoted), NULL, &variant), RELAIS_OK);
    variant_stored = s_stored(variant, &variant_len);
    assert_string_equal(s_body(variant_stored), s_body(plain_stored));

    relais_streets_destroy(&variant);
    relais_streets_destroy(&plain);
    free(variant_stored);
    free(plain_stored);
    free(quoted);
    free(crlf);
    free(csv);
}

static void test_import_quotes_and_columns(void **state)
{
    (void)state;
    relais_streets_t *list = NULL;
    /* columns found by name, in any order, id_fantoir absent; "" is a quote, ';' inside quotes is text */
    const char *csv = "nom_commune;extra;\"code_insee\";nom_voie;code_postal\n"
                      "Sceaux;\"a;b\";92071;\"Rue du \"\"Moulin\"\"; bis\";92330\n"
                      "Sceaux;;92071;  Rue Houdan ;92330\n"
                      "Sceaux;\"\";92071;\"\";92330\n"
                      "\n"
                      "Sceaux;x;92071;Rue Houdan;92331\n";
    assert_int_equal(s_import(csv, &list), RELAIS_OK);
    assert_int_equal(relais_streets_count(list), 2);
    relais_streets_entry_t e;
    assert_int_equal(relais_streets_entry(list, s_find(list, "Rue du \"Moulin\"; bis"), &e), RELAIS_OK);
    assert_string_equal(e.fantoir, "");
    /* trimmed, and the postcode of its first address kept */
    assert_int_equal(relais_streets_entry(list, s_find(list, "Rue Houdan"), &e), RELAIS_OK);
    assert_string_equal(e.postcode, "92330");
    assert_string_equal(relais_streets_source(list), "test");
    relais_streets_destroy(&list);
}

static void test_import_communes(void **state)
{
    (void)state;
    const char *csv = S_HEADER S_ROW("Rue Houdan", "92330", "92071", "Sceaux") S_ROW("Rue Houdan", "92160", "92002",
                                                                                      "Antony")
        S_ROW("Rue Houdan", "92330", "92071", "Sceaux") S_ROW("Avenue Aristide Briand", "92160", "92002", "Antony")
            S_ROW("Place de la Corse", "20000", "2A004", "Ajaccio");
    relais_streets_t *list = NULL;
    assert_int_equal(s_import(csv, &list), RELAIS_OK);
    assert_int_equal(relais_streets_count(list), 4); /* one name in two communes is two streets */
    relais_streets_destroy(&list);
    assert_int_equal(s_import_bytes(csv, strlen(csv), "92071", &list), RELAIS_OK);
    assert_int_equal(relais_streets_count(list), 1);
    relais_streets_destroy(&list);
    assert_int_equal(s_import_bytes(csv, strlen(csv), "2A004", &list), RELAIS_OK);
    assert_string_equal(relais_streets_name(list, 0), "Place de la Corse");
    relais_streets_destroy(&list);
    list = (relais_streets_t *)&list;
    assert_int_equal(s_import_bytes(csv, strlen(csv), "92019", &list), RELAIS_E_NOT_FOUND);
    assert_null(list);
    assert_string_equal(relais_status_detail(), "no street of commune 92019 in the file");
    assert_int_equal(s_import_bytes(csv, strlen(csv), "Sceaux", &list), RELAIS_E_INVALID);

    /* one street twice in one commune, and the same name in another: "rue houdan" names none alone */
    relais_streets_match_t m[5];
    size_t n = 0;
    assert_int_equal(s_import(csv, &list), RELAIS_OK);
    assert_int_equal(relais_streets_match(list, "r houdan", m, 5, &n), RELAIS_E_NOT_FOUND);
    assert_int_equal(n, 2);
    assert_int_equal(m[0].score, RELAIS_STREETS_SCORE_EXACT);
    assert_int_equal(m[1].score, RELAIS_STREETS_SCORE_EXACT);
    assert_string_equal(relais_status_detail(), "2 streets of the town's list are called \"r houdan\": Rue Houdan "
                                                "(Antony), Rue Houdan (Sceaux)");
    relais_streets_destroy(&list);
}

#define S_NUL "nom_voie;code_postal;code_insee;nom_commune\nRue\0Houdan;92330;92071;Sceaux\n"

static int s_starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

typedef struct {
    const char *what; /* the case */
    const char *csv;  /* the file, NUL-terminated unless len */
    size_t len;       /* its length when it holds a NUL; 0: strlen */
    int status;       /* expected refusal */
    const char *says; /* a part of the detail */
} s_refusal_t;

static void test_import_refusals(void **state)
{
    (void)state;
    const s_refusal_t cases[] = {
        {"a missing column", S_HEADER S_ROW("Rue Houdan", "92330", "92071", "Sceaux")
                                 "92071_0350_00001;92071_0350;1;;Rue Florian;92330;92071;Sceaux;;;1;2;3;4;entrée;;;S;X;c;c;1\n",
         0, RELAIS_E_MALFORMED, "line 3 has 22 fields; the header has 23"},
        {"a quote not closed", S_HEADER "a;b;1;;\"Rue Houdan;92330;92071;Sceaux;;;1;2;3;4;e;;;S;X;c;c;1;p\n", 0,
         RELAIS_E_MALFORMED, "line 2, field 5: a quoted field is not closed"},
        {"a quoted field over two lines", S_HEADER "a;b;1;;\"Rue\nHoudan\";92330;92071;Sceaux;;;1;2;3;4;e;;;S;X;c;c;1;p\n",
         0, RELAIS_E_MALFORMED, "line 2, field 5: a quoted field is not closed"},
        {"text after a closing quote", S_HEADER "a;b;1;;\"Rue\" Houdan;92330;92071;Sceaux;;;1;2;3;4;e;;;S;X;c;c;1;p\n",
         0, RELAIS_E_MALFORMED, "line 2, field 5: text after the closing quote"},
        {"a quote in an unquoted field", S_HEADER "a;b;1;;Rue \"Houdan\";92330;92071;Sceaux;;;1;2;3;4;e;;;S;X;c;c;1;p\n",
         0, RELAIS_E_MALFORMED, "line 2, field 5: a quote inside a field that is not quoted"},
        {"no nom_voie", "id;numero;code_postal;code_insee;nom_commune\n1;2;92330;92071;Sceaux\n", 0,
         RELAIS_E_MALFORMED, "line 1: the header has no nom_voie column"},
        {"commas, not semicolons", "id,nom_voie,code_postal,code_insee,nom_commune\n", 0, RELAIS_E_MALFORMED,
         "the header has no nom_voie column"},
        {"a column twice", "nom_voie;code_postal;code_insee;nom_commune;nom_voie\n", 0, RELAIS_E_MALFORMED,
         "line 1: the header names nom_voie twice"},
        {"Latin-1", "nom_voie;code_postal;code_insee;nom_commune\nRue des \xc9" "coles;92330;92071;Sceaux\n", 0,
         RELAIS_E_MALFORMED, "line 2: the street name is not UTF-8"},
        {"an escape sequence", "nom_voie;code_postal;code_insee;nom_commune\nRue \x1b[2JHoudan;92330;92071;Sceaux\n", 0,
         RELAIS_E_MALFORMED, "line 2: the street name holds a control character (U+001B)"},
        {"a bidi override", "nom_voie;code_postal;code_insee;nom_commune\nRue Houdan;92330;92071;Sce\xe2\x80\xae"
                            "aux\n",
         0, RELAIS_E_MALFORMED, "line 2: the commune's name holds a control character (U+202E)"},
        {"a postcode of 4 digits", "nom_voie;code_postal;code_insee;nom_commune\nRue Houdan;9233;92071;Sceaux\n", 0,
         RELAIS_E_MALFORMED, "line 2: the postcode \"9233\" is not 5 digits"},
        {"no INSEE code", "nom_voie;code_postal;code_insee;nom_commune\nRue Houdan;92330;;Sceaux\n", 0,
         RELAIS_E_MALFORMED, "line 2: the INSEE code \"\" is not one"},
        {"no commune", "nom_voie;code_postal;code_insee;nom_commune\nRue Houdan;92330;92071;\n", 0, RELAIS_E_MALFORMED,
         "line 2: the commune's name is empty"},
        {"a FANTOIR id that is not one", "nom_voie;code_postal;code_insee;nom_commune;id_fantoir\n"
                                         "Rue Houdan;92330;92071;Sceaux;92071-0350\n",
         0, RELAIS_E_MALFORMED, "line 2: the FANTOIR id \"92071-0350\" is not one"},
        {"a NUL byte", S_NUL, sizeof S_NUL - 1,
         RELAIS_E_MALFORMED, "line 2 holds a NUL byte"},
        {"an empty file", "", 0, RELAIS_E_MALFORMED, "the file is empty"},
        {"blank lines only", "\n\r\n\n", 0, RELAIS_E_MALFORMED, "the file is empty"},
        {"a header alone", S_HEADER, 0, RELAIS_E_NOT_FOUND, "no street in the file"},
        {"empty names only", "nom_voie;code_postal;code_insee;nom_commune\n ;92330;92071;Sceaux\n", 0,
         RELAIS_E_NOT_FOUND, "no street in the file"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        relais_streets_t *list = (relais_streets_t *)&list;
        size_t len = cases[i].len ? cases[i].len : strlen(cases[i].csv);
        int rc = s_import_bytes(cases[i].csv, len, NULL, &list);
        if (rc != cases[i].status || !strstr(relais_status_detail(), cases[i].says))
            fail_msg("%s: %s (%s), expected %s with \"%s\"", cases[i].what, relais_status_name(rc),
                     relais_status_detail(), relais_status_name(cases[i].status), cases[i].says);
        assert_null(list);
    }
}

/* A line of exactly RELAIS_STREETS_LINE_MAX bytes is taken, with LF or CRLF; one byte more is refused. */
static void test_import_line_bound(void **state)
{
    (void)state;
    const char *head = "nom_voie;code_postal;code_insee;nom_commune;padding\n";
    const char *row = "Rue Houdan;92330;92071;Sceaux;";
    size_t hlen = strlen(head), rlen = strlen(row), cap = hlen + RELAIS_STREETS_LINE_MAX + 8;
    char *csv = malloc(cap);
    for (int extra = 0; extra <= 1; extra++)
        for (int crlf = 0; crlf <= 1; crlf++) {
            size_t line = RELAIS_STREETS_LINE_MAX + (size_t)extra, len = hlen;
            memcpy(csv, head, hlen);
            memcpy(csv + len, row, rlen);
            memset(csv + len + rlen, 'x', line - rlen);
            len += line;
            if (crlf)
                csv[len++] = '\r';
            csv[len++] = '\n';
            relais_streets_t *list = NULL;
            int rc = s_import_bytes(csv, len, NULL, &list);
            if (extra) {
                assert_int_equal(rc, RELAIS_E_MALFORMED);
                assert_string_equal(relais_status_detail(), "line 2 is longer than 65536 bytes");
            } else {
                assert_int_equal(rc, RELAIS_OK);
                assert_int_equal(relais_streets_count(list), 1);
            }
            relais_streets_destroy(&list);
        }
    free(csv);
}

/* More than RELAIS_STREETS_MAX streets is refused; a name over RELAIS_STREETS_NAME_MAX too. */
static void test_import_count_bound(void **state)
{
    (void)state;
    size_t cap = 64 + (RELAIS_STREETS_MAX + 1) * 48;
    char *csv = malloc(cap);
    size_t len = (size_t)snprintf(csv, cap, "nom_voie;code_postal;code_insee;nom_commune\n");
    for (unsigned i = 0; i <= RELAIS_STREETS_MAX; i++)
        len += (size_t)snprintf(csv + len, cap - len, "Rue %u;92330;92071;Sceaux\n", i);
    relais_streets_t *list = NULL;
    assert_int_equal(s_import_bytes(csv, len, NULL, &list), RELAIS_E_MALFORMED);
    assert_string_equal(relais_status_detail(), "line 100002: more than 100000 streets; keep one commune (its INSEE "
                                                "code)");
    assert_null(list);
    /* the last line away: exactly the bound */
    len -= strlen("Rue 100000;92330;92071;Sceaux\n");
    assert_int_equal(s_import_bytes(csv, len, NULL, &list), RELAIS_OK);
    assert_int_equal(relais_streets_count(list), RELAIS_STREETS_MAX);
    relais_streets_destroy(&list);

    len = (size_t)snprintf(csv, cap, "nom_voie;code_postal;code_insee;nom_commune\nRue ");
    memset(csv + len, 'a', RELAIS_STREETS_NAME_MAX - 3);
    len += RELAIS_STREETS_NAME_MAX - 3;
    len += (size_t)snprintf(csv + len, cap - len, ";92330;92071;Sceaux\n");
    assert_int_equal(s_import_bytes(csv, len, NULL, &list), RELAIS_E_MALFORMED);
    assert_string_equal(relais_status_detail(), "line 2: the street name is 201 bytes long; at most 200");
    free(csv);
}

/* ---- The stored list ------------------------------------------------------------------------- */

static void test_round_trip(void **state)
{
    (void)state;
    relais_streets_t *list = s_extract(), *back = NULL;
    size_t len, again_len;
    char *stored = s_stored(list, &len);
    assert_true(strncmp(stored, "# relais streets v1: ", 21) == 0);
    assert_non_null(strstr(stored, "Base Adresse Nationale"));
    assert_non_null(strstr(stored, "source: ban-sceaux-extract.csv\n"));
    assert_non_null(strstr(stored, "\nRue Houdan\t92330\tSceaux\t92071\t92071_0350\n"));
    assert_int_equal(s_read_bytes(stored, len, &back), RELAIS_OK);
    assert_int_equal(relais_streets_count(back), S_EXTRACT_STREETS);
    assert_string_equal(relais_streets_source(back), "ban-sceaux-extract.csv");
    char *again = s_stored(back, &again_len);
    assert_int_equal(again_len, len);
    assert_memory_equal(again, stored, len);
    relais_streets_destroy(&back);

    /* through a file: replaced whole, readable by all, nothing left beside it */
    char dir[] = "/tmp/test_streets.XXXXXX", path[64], missing[96];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/streets.tsv", dir);
    FILE *f = fopen(path, "w");
    fputs("an older list\n", f);
    fclose(f);
    assert_int_equal(relais_streets_save(list, path), RELAIS_OK);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    assert_int_equal(relais_streets_load(path, &back), RELAIS_OK);
    assert_int_equal(relais_streets_count(back), S_EXTRACT_STREETS);
    relais_streets_destroy(&back);
    size_t entries = 0;
    DIR *d = opendir(dir);
    for (struct dirent *de; (de = readdir(d)) != NULL;)
        entries += de->d_name[0] != '.';
    closedir(d);
    assert_int_equal(entries, 1);

    snprintf(missing, sizeof missing, "%s/no-such-folder/streets.tsv", dir);
    assert_int_equal(relais_streets_save(list, missing), RELAIS_E_IO);
    assert_non_null(strstr(relais_status_detail(), "no-such-folder/streets.tsv"));
    assert_int_equal(relais_streets_load(missing, &back), RELAIS_E_IO);
    assert_null(back);
    assert_int_equal(relais_streets_load(dir, &back), RELAIS_E_IO); /* a folder is no list */
    assert_non_null(strstr(relais_status_detail(), "is not a regular file"));

    unlink(path);
    rmdir(dir);
    free(again);
    free(stored);
    relais_streets_destroy(&list);
}

#define S_HEAD                                                                                                         \
    "# relais streets v1: the street list of the Tranquillite urbaine desk (name, postcode, commune, INSEE code, "     \
    "FANTOIR id; tab-separated), from the Base Adresse Nationale, Licence Ouverte 2.0; source: x\n"

static void test_read_refusals(void **state)
{
    (void)state;
    const s_refusal_t cases[] = {
        {"not ours", "name\tpostcode\n", 0, RELAIS_E_MALFORMED, "line 1 is not a relais street list's first line"},
        {"a later format", "# relais streets v2: whatever comes\nRue Houdan\t92330\tSceaux\t92071\t\n", 0,
         RELAIS_E_VERSION, "the street list is of format v2; this build reads v1"},
        {"no version", "# relais streets vX\n", 0, RELAIS_E_MALFORMED, "line 1: no format version"},
        {"another first line", "# relais streets v1: something else\n", 0, RELAIS_E_MALFORMED,
         "line 1 is not a relais street list's first line"},
        {"four fields", S_HEAD "Rue Houdan\t92330\tSceaux\t92071\n", 0, RELAIS_E_MALFORMED,
         "line 2 has 4 tab-separated fields; expected 5"},
        {"six fields", S_HEAD "Rue Houdan\t92330\tSceaux\t92071\t\t\n", 0, RELAIS_E_MALFORMED,
         "line 2 has more than 5 tab-separated fields"},
        {"CRLF", S_HEAD "Rue Houdan\t92330\tSceaux\t92071\t\r\n", 0, RELAIS_E_MALFORMED, "line 2 ends with CR"},
        {"cut short", S_HEAD "Rue Houdan\t92330\tSceaux\t92071\t", 0, RELAIS_E_MALFORMED,
         "the list ends in the middle of line 2"},
        {"a street twice", S_HEAD "Rue Houdan\t92330\tSceaux\t92071\t\nRue Houdan\t92330\tSceaux\t92071\tx\n", 0,
         RELAIS_E_MALFORMED, "line 3: \"Rue Houdan\" of commune 92071 is listed twice"},
        {"an empty line", S_HEAD "\n", 0, RELAIS_E_MALFORMED, "line 2 is empty"},
        {"an empty name", S_HEAD "\t92330\tSceaux\t92071\t\n", 0, RELAIS_E_MALFORMED,
         "line 2: the street name is empty"},
        {"spaces around a name", S_HEAD " Rue Houdan\t92330\tSceaux\t92071\t\n", 0, RELAIS_E_MALFORMED,
         "line 2: the street name has spaces at its ends"},
        {"a bad postcode", S_HEAD "Rue Houdan\t923300\tSceaux\t92071\t\n", 0, RELAIS_E_MALFORMED,
         "line 2: the postcode \"923300\" is not 5 digits"},
        {"a control", S_HEAD "Rue\x07Houdan\t92330\tSceaux\t92071\t\n", 0, RELAIS_E_MALFORMED,
         "line 2: the street name holds a control character (U+0007)"},
        {"a control in the source", "# relais streets v1: the street list of the Tranquillite urbaine desk (name, "
                                    "postcode, commune, INSEE code, FANTOIR id; tab-separated), from the Base Adresse "
                                    "Nationale, Licence Ouverte 2.0; source: a\x1b"
                                    "b\n",
         0, RELAIS_E_MALFORMED, "line 1: the source holds a control character"},
        {"nothing at all", "", 0, RELAIS_E_MALFORMED, "not even its first line"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        relais_streets_t *list = (relais_streets_t *)&list;
        int rc = s_read_bytes(cases[i].csv, strlen(cases[i].csv), &list);
        if (rc != cases[i].status || !strstr(relais_status_detail(), cases[i].says))
            fail_msg("%s: %s (%s), expected %s with \"%s\"", cases[i].what, relais_status_name(rc),
                     relais_status_detail(), relais_status_name(cases[i].status), cases[i].says);
        assert_null(list);
    }
    /* the first line alone: an empty list, which matches nothing and says so */
    relais_streets_t *list = NULL;
    assert_int_equal(s_read_bytes(S_HEAD, strlen(S_HEAD), &list), RELAIS_OK);
    assert_int_equal(relais_streets_count(list), 0);
    relais_streets_match_t m[5];
    size_t n = 9;
    assert_int_equal(relais_streets_match(list, "rue houdan", m, 5, &n), RELAIS_E_NOT_FOUND);
    assert_int_equal(n, 0);
    assert_string_equal(relais_status_detail(), "no street of the town's list is called \"rue houdan\": the list is "
                                                "empty");
    relais_streets_destroy(&list);
}

/* ---- Normalisation ---------------------------------------------------------------------------- */

static void test_normalize(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"R. de l'Église", "rue eglise"},
        {"rue  Houdan", "rue houdan"},
        {"RUE HOUDAN", "rue houdan"},
        {"Allée d’Honneur", "allee honneur"},
        {"Place du Général de Gaulle", "place general gaulle"},
        {"pl. du gal de gaulle", "place general gaulle"},
        {"12 bis av. Jean-Perrin", "avenue jean perrin"},
        {"12bis, r houdan", "rue houdan"},
        {"3 b bd desgranges", "boulevard desgranges"},
        {"8 Mai 1945", "8 mai 1945"},
        {"Rue du 8 Mai 1945", "rue 8 mai 1945"},
        {"bd  St-Michel", "boulevard saint michel"},
        {"Ste Anne", "sainte anne"},
        {"r. du dr roux", "rue docteur roux"},
        {"Avenue Le Nôtre", "avenue le notre"},
        {"Sentier des Mouillebœufs", "sentier mouilleboeufs"},
        {"ÆSOP", "aesop"},
        {"éèêëàâäîïôöùûüçœæÿñ", "eeeeaaaiioouuucoeaeyn"},
        {"ÉÈÊËÀÂÄÎÏÔÖÙÛÜÇŒÆŸÑ", "eeeeaaaiioouuucoeaeyn"},
        {"ĀăĆčĎđĘěĞħĲıŁńŐřŚšŤũŮűŴŷŹžſ", "aaccddeeghijilnorsstuuuwyzzs"},
        {"Straße", "strasse"},
        {"e\xcc\x81" "cole", "ecole"}, /* decomposed: e and a combining acute accent */
        {"\xe9" "cole", "ecole"},   /* Latin-1 from an old terminal */
        {"\x9c" "uvre", "oeuvre"},  /* Windows-1252's œ */
        {"rue\xc2\xa0houdan", "rue houdan"},
        {"res. des Bas-Coudrais", "residence bas coudrais"},
        {"imp ch sq sen pass rte fg qu crs", "impasse ch sq sen pass rte fg qu crs"},
        {"ch de la coulée verte", "chemin coulee verte"},
        {"12 de la r. houdan", "rue houdan"},
        {"d'12 r houdan", "rue houdan"},
        {"reu de houdan", "rue houdan"},
        {"de la", "de la"},
        {"l'", "l"},
        {" -- . ", ""},
        {"", ""},
    };
    char out[4 * RELAIS_STREETS_NAME_MAX + 1], again[sizeof out];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(relais_streets_normalize(cases[i].in, out, sizeof out), RELAIS_OK);
        if (strcmp(out, cases[i].out) != 0)
            fail_msg("\"%s\" normalised to \"%s\", expected \"%s\"", cases[i].in, out, cases[i].out);
        /* a second pass finds nothing more to do */
        assert_int_equal(relais_streets_normalize(out, again, sizeof again), RELAIS_OK);
        assert_string_equal(again, out);
    }
    assert_int_equal(relais_streets_normalize("rue houdan", out, 5), RELAIS_E_INVALID);
    char long_text[RELAIS_STREETS_NAME_MAX + 2];
    memset(long_text, 'a', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = '\0';
    assert_int_equal(relais_streets_normalize(long_text, out, sizeof out), RELAIS_E_INVALID);
    /* the longest text, made of the words that grow most, fits */
    for (size_t i = 0; i + 3 <= RELAIS_STREETS_NAME_MAX; i += 3)
        memcpy(long_text + i, "dr ", 3);
    long_text[RELAIS_STREETS_NAME_MAX - 2] = '\0';
    assert_int_equal(relais_streets_normalize(long_text, out, sizeof out), RELAIS_OK);
    assert_int_equal(strlen(out), 66 * 8 - 1);
}

/* ---- Matching ---------------------------------------------------------------------------------- */

typedef struct {
    const char *typed; /* what the agent types */
    int status;        /* RELAIS_OK: exact */
    const char *first; /* the street matched or suggested first; NULL: none */
    unsigned score;    /* its score; 0: any below RELAIS_STREETS_SCORE_OTHER_TYPE */
    size_t n;          /* how many answers; 0: any */
} s_match_case_t;

static void test_match_table(void **state)
{
    (void)state;
    relais_streets_t *list = s_extract();
    const unsigned E = RELAIS_STREETS_SCORE_EXACT, U = RELAIS_STREETS_SCORE_UNTYPED, O = RELAIS_STREETS_SCORE_OTHER_TYPE;
    const s_match_case_t cases[] = {
        /* exact, however typed */
        {"Rue Houdan", RELAIS_OK, "Rue Houdan", E, 1},
        {"r. houdan", RELAIS_OK, "Rue Houdan", E, 1},
        {"RUE HOUDAN", RELAIS_OK, "Rue Houdan", E, 1},
        {"rue  Houdan", RELAIS_OK, "Rue Houdan", E, 1},
        {"R HOUDAN", RELAIS_OK, "Rue Houdan", E, 1},
        {"12 bis, r. Houdan", RELAIS_OK, "Rue Houdan", E, 1},
        {"av jean perrin", RELAIS_OK, "Avenue Jean Perrin", E, 1},
        {"Ave. Jean-Perrin", RELAIS_OK, "Avenue Jean Perrin", E, 1},
        {"rue des ecoles", RELAIS_OK, "Rue des Écoles", E, 1},
        {"RUE DES ÉCOLES", RELAIS_OK, "Rue des Écoles", E, 1},
        {"r ecoles", RELAIS_OK, "Rue des Écoles", E, 1},
        {"rue des e\xcc\x81" "coles", RELAIS_OK, "Rue des Écoles", E, 1},
        {"rue des \xe9" "coles", RELAIS_OK, "Rue des Écoles", E, 1},
        {"pl du gal de gaulle", RELAIS_OK, "Place du Général de Gaulle", E, 1},
        {"Place Général-de-Gaulle", RELAIS_OK, "Place du Général de Gaulle", E, 1},
        {"allee d honneur", RELAIS_OK, "Allée d'Honneur", E, 1},
        {"all. d'honneur", RELAIS_OK, "Allée d'Honneur", E, 1},
        {"Allée d’Honneur", RELAIS_OK, "Allée d'Honneur", E, 1},
        {"SENTIER DES MOUILLEBOEUFS", RELAIS_OK, "Sentier des Mouillebœufs", E, 1},
        {"av le notre", RELAIS_OK, "Avenue Le Nôtre", E, 1},
        {"bd desgranges", RELAIS_OK, "Boulevard Desgranges", E, 1},
        {"bvd. Desgranges", RELAIS_OK, "Boulevard Desgranges", E, 1},
        {"rue saint jean", RELAIS_OK, "Rue Saint-Jean", E, 1},
        {"r st-jean", RELAIS_OK, "Rue Saint-Jean", E, 1},
        {"rue du dr roux", RELAIS_OK, "Rue du Docteur Roux", E, 1},
        {"av du pdt franklin roosevelt", RELAIS_OK, "Avenue du Président Franklin Roosevelt", E, 1},
        {"res bas coudrais", RELAIS_OK, "Résidence des Bas Coudrais", E, 1},
        {"pass. du marche", RELAIS_OK, "Passage du Marché", E, 1},
        {"ch de la coulee verte", RELAIS_OK, "Chemin de la Coulée Verte", E, 1},
        {"sq robinson", RELAIS_OK, "Square Robinson", E, 1},
        {"jardin menagerie", RELAIS_OK, "Jardin de la Ménagerie", E, 1},
        {"rue de l yser", RELAIS_OK, "Rue de l'Yser", E, 1},
        {"av de bourg la reine", RELAIS_OK, "Avenue de Bourg-la-Reine", E, 1},
        /* the name without its type, or with another: a suggestion, the only one when the name is unique */
        {"houdan", RELAIS_E_NOT_FOUND, "Rue Houdan", U, 1},
        {"st jean", RELAIS_E_NOT_FOUND, "Rue Saint-Jean", U, 1},
        {"Saint-Jean", RELAIS_E_NOT_FOUND, "Rue Saint-Jean", U, 1},
        {"jean perrin", RELAIS_E_NOT_FOUND, "Avenue Jean Perrin", U, 1},
        {"robinson", RELAIS_E_NOT_FOUND, "Square Robinson", U, 1},
        {"florian", RELAIS_E_NOT_FOUND, "Allée Florian", U, 2}, /* two streets of that name */
        {"avenue houdan", RELAIS_E_NOT_FOUND, "Rue Houdan", O, 1},
        {"reu houdan", RELAIS_E_NOT_FOUND, "Rue Houdan", U, 1}, /* a typo in the type is not exact */
        {"sente des torques", RELAIS_E_NOT_FOUND, "Sentier des Torques", O, 1},
        /* typos: the street first */
        {"rue houdin", RELAIS_E_NOT_FOUND, "Rue Houdan", 0, 0},
        {"r houdna", RELAIS_E_NOT_FOUND, "Rue Houdan", 0, 0},
        {"rue de fontenai", RELAIS_E_NOT_FOUND, "Rue de Fontenay", 0, 0},
        {"av jean perin", RELAIS_E_NOT_FOUND, "Avenue Jean Perrin", 0, 0},
        {"rue des imbergere", RELAIS_E_NOT_FOUND, "Rue des Imbergères", 0, 0},
        {"rue michel charaite", RELAIS_E_NOT_FOUND, "Rue Michel Charaire", 0, 0},
        {"bd desgrange", RELAIS_E_NOT_FOUND, "Boulevard Desgranges", 0, 0},
        {"rue marguerite renodin", RELAIS_E_NOT_FOUND, "Rue Marguerite Renaudin", 0, 0},
        {"ruehoudan", RELAIS_E_NOT_FOUND, "Rue Houdan", 0, 0},
        {"av bourgla reine", RELAIS_E_NOT_FOUND, "Avenue de Bourg-la-Reine", 0, 0},
        {"perrin", RELAIS_E_NOT_FOUND, "Avenue Jean Perrin", 0, 0},
        {"av des 4 chemins", RELAIS_E_NOT_FOUND, "Avenue des Quatre Chemins", 0, 0},
        {"voltair", RELAIS_E_NOT_FOUND, "Rue Voltaire", 0, 0},
        {"avenue camberwel", RELAIS_E_NOT_FOUND, "Avenue de Camberwell", 0, 0},
        /* nothing to look for */
        {"", RELAIS_E_INVALID, NULL, 0, 0},
        {" -- . , ", RELAIS_E_INVALID, NULL, 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const s_match_case_t *c = &cases[i];
        relais_streets_match_t m[RELAIS_STREETS_SUGGESTIONS];
        size_t n = 99;
        int rc = relais_streets_match(list, c->typed, m, RELAIS_STREETS_SUGGESTIONS, &n);
        const char *first = n > 0 && n <= RELAIS_STREETS_SUGGESTIONS ? relais_streets_name(list, m[0].index) : NULL;
        int ok = rc == c->status && (c->first ? first && strcmp(first, c->first) == 0 : n == 0) &&
                 (c->score ? m[0].score == c->score : !first || m[0].score < RELAIS_STREETS_SCORE_OTHER_TYPE) &&
                 (!c->n || n == c->n);
        if (!ok)
            fail_msg("\"%s\": %s, %zu answers, the first %s (%u); expected %s, %s (%u)", c->typed,
                     relais_status_name(rc), n, first ? first : "none", first ? m[0].score : 0,
                     relais_status_name(c->status), c->first ? c->first : "none", c->score);
        for (size_t k = 1; k < n; k++)
            assert_true(m[k].score <= m[k - 1].score);
        if (rc == RELAIS_E_NOT_FOUND) /* never a silent miss: the sentence says what was typed */
            assert_non_null(strstr(relais_status_detail(), "no street of the town's list is called \""));
    }
    relais_streets_destroy(&list);
}

/* An unknown street: up to five suggestions, best first, never a silent miss. */
static void test_match_unknown(void **state)
{
    (void)state;
    relais_streets_t *list = s_extract();
    relais_streets_match_t m[RELAIS_STREETS_SUGGESTIONS];
    size_t n = 0;
    assert_int_equal(relais_streets_match(list, "rue de la paix", m, RELAIS_STREETS_SUGGESTIONS, &n),
                     RELAIS_E_NOT_FOUND);
    assert_true(n >= 1 && n <= RELAIS_STREETS_SUGGESTIONS);
    assert_true(s_starts(relais_status_detail(), "no street of the town's list is called \"rue de la paix\"; closest: "));
    /* room for fewer answers: the best ones */
    relais_streets_match_t one;
    size_t n1 = 0;
    assert_int_equal(relais_streets_match(list, "rue de la paix", &one, 1, &n1), RELAIS_E_NOT_FOUND);
    assert_int_equal(n1, 1);
    assert_int_equal(one.index, m[0].index);
    /* no room at all: the status still */
    assert_int_equal(relais_streets_match(list, "r. houdan", NULL, 0, &n1), RELAIS_OK);
    assert_int_equal(n1, 0);
    assert_int_equal(relais_streets_match(list, "zzzzzzzz qqqqqqq", m, RELAIS_STREETS_SUGGESTIONS, &n),
                     RELAIS_E_NOT_FOUND);
    if (n == 0)
        assert_string_equal(relais_status_detail(), "no street of the town's list is called \"zzzzzzzz qqqqqqq\", nor "
                                                    "anything close to it");
    /* too long, and arguments missing */
    char long_text[RELAIS_STREETS_NAME_MAX + 2];
    memset(long_text, 'a', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = '\0';
    assert_int_equal(relais_streets_match(list, long_text, m, RELAIS_STREETS_SUGGESTIONS, &n), RELAIS_E_INVALID);
    assert_int_equal(n, 0);
    assert_string_equal(relais_status_detail(), "a street typed is at most 200 bytes long; this one is 201");
    assert_int_equal(relais_streets_match(NULL, "r houdan", m, 5, &n), RELAIS_E_INVALID);
    assert_int_equal(relais_streets_match(list, NULL, m, 5, &n), RELAIS_E_INVALID);
    relais_streets_destroy(&list);
}

/* A name that looks like a typo of a type is a street's own name when the list has it. */
static void test_match_type_lookalike(void **state)
{
    (void)state;
    relais_streets_t *list = NULL;
    assert_int_equal(s_import("nom_voie;code_postal;code_insee;nom_commune\nXue Houdan;92330;92071;Sceaux\n"
                              "Rue Houdan;92330;92071;Sceaux\n",
                              &list),
                     RELAIS_OK);
    relais_streets_match_t m[5];
    size_t n = 0;
    assert_int_equal(relais_streets_match(list, "xue houdan", m, 5, &n), RELAIS_OK);
    assert_string_equal(relais_streets_name(list, m[0].index), "Xue Houdan");
    assert_int_equal(relais_streets_match(list, "reu houdan", m, 5, &n), RELAIS_E_NOT_FOUND);
    assert_string_equal(relais_streets_name(list, m[0].index), "Rue Houdan");
    assert_int_equal(m[0].score, RELAIS_STREETS_SCORE_UNTYPED);
    relais_streets_destroy(&list);
}

static void test_resolve(void **state)
{
    (void)state;
    relais_streets_t *list = s_extract();
    char name[RELAIS_STREETS_NAME_MAX + 1], why[512];
    assert_int_equal(relais_streets_resolve(list, "12 r. houdan", name, sizeof name, why, sizeof why), RELAIS_OK);
    assert_string_equal(name, "Rue Houdan");
    assert_string_equal(why, "");
    assert_int_equal(relais_streets_resolve(list, "rue houdin", name, sizeof name, why, sizeof why),
                     RELAIS_E_NOT_FOUND);
    assert_string_equal(name, "");
    assert_true(s_starts(why, "no street of the town's list is called \"rue houdin\"; closest: Rue Houdan"));
    assert_string_equal(why, relais_status_detail());
    assert_int_equal(relais_streets_resolve(list, "houdan", name, sizeof name, why, sizeof why), RELAIS_E_NOT_FOUND);
    assert_string_equal(why, "no street of the town's list is called \"houdan\"; closest: Rue Houdan");
    assert_int_equal(relais_streets_resolve(list, "florian", name, sizeof name, NULL, 0), RELAIS_E_NOT_FOUND);
    assert_string_equal(relais_status_detail(), "no street of the town's list is called \"florian\"; closest: Allée "
                                                "Florian, Rue Florian");
    assert_int_equal(relais_streets_resolve(list, "", name, sizeof name, why, sizeof why), RELAIS_E_INVALID);
    assert_string_equal(why, "\"\" names no street: no letter or digit in it");
    assert_int_equal(relais_streets_resolve(list, "r houdan", name, 10, why, sizeof why), RELAIS_E_INVALID);
    /* a short `why` is cut, never overrun */
    char small[16];
    assert_int_equal(relais_streets_resolve(list, "rue houdin", name, sizeof name, small, sizeof small),
                     RELAIS_E_NOT_FOUND);
    assert_string_equal(small, "no street of th");
    relais_streets_destroy(&list);
}

/* ---- Speed ------------------------------------------------------------------------------------- */

static double s_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* A town of 1,000 streets: the types, given names and names of a French town, crossed. */
static relais_streets_t *s_synthetic(size_t count)
{
    static const char *const types[] = {"Rue", "Avenue", "Allée", "Impasse", "Place", "Boulevard", "Chemin", "Square"};
    static const char *const given[] = {"Jean", "Marie", "Paul", "Louis", "Anne", "Pierre", "Jacques", "Hélène",
                                        "Émile", "Victor", "Jeanne", "Marcel", "Camille", "Henri", "Lucie", "André",
                                        "Georges", "Suzanne", "Édouard", "Blanche"};
    static const char *const names[] = {"Moulin", "Pasteur", "Curie", "Jaurès", "Hugo", "Zola", "Ferry", "Gambetta",
                                        "Renoir", "Debussy", "Lamartine", "Bizet", "Racine", "Molière", "Voltaire",
                                        "Daudet", "Musset", "Vigny", "Péguy", "Verlaine", "Rimbaud", "Corneille",
                                        "Montaigne", "Rabelais", "Diderot"};
    size_t cap = 64 + count * 96, len = 0;
    char *csv = malloc(cap);
    len += (size_t)snprintf(csv, cap, "nom_voie;code_postal;code_insee;nom_commune\n");
    for (size_t i = 0; i < count; i++)
        len += (size_t)snprintf(csv + len, cap - len, "%s %s %s;92330;92071;Sceaux\n", types[i % 8],
                                given[(i / 8) % 20], names[(i / 160) % 25]);
    relais_streets_t *list = NULL;
    assert_int_equal(s_import_bytes(csv, len, NULL, &list), RELAIS_OK);
    assert_int_equal(relais_streets_count(list), count);
    free(csv);
    return list;
}

/* Microseconds per match of `typed` over `rounds` runs. */
static double s_time(const relais_streets_t *list, const char *const *typed, size_t ntyped, size_t rounds)
{
    relais_streets_match_t m[RELAIS_STREETS_SUGGESTIONS];
    size_t n;
    double t0 = s_now_us();
    for (size_t r = 0; r < rounds; r++)
        for (size_t i = 0; i < ntyped; i++)
            relais_streets_match(list, typed[i], m, RELAIS_STREETS_SUGGESTIONS, &n);
    return (s_now_us() - t0) / (double)(rounds * ntyped);
}

static void test_speed(void **state)
{
    (void)state;
    static const char *const typed[] = {"r. houdan", "rue houdin", "houdan", "av jean perin", "zzz", "rue de la paix",
                                        "pl du gal de gaulle", "imp marcel hugo"};
    const size_t ntyped = sizeof typed / sizeof typed[0];
    relais_streets_t *extract = s_extract(), *town = s_synthetic(1000);
    relais_streets_match_t m[RELAIS_STREETS_SUGGESTIONS];
    size_t n;
    assert_int_equal(relais_streets_match(town, "impasse marcel hugo", m, RELAIS_STREETS_SUGGESTIONS, &n), RELAIS_OK);
    assert_int_equal(relais_streets_match(town, "imp marcel hugi", m, RELAIS_STREETS_SUGGESTIONS, &n),
                     RELAIS_E_NOT_FOUND);
    assert_string_equal(relais_streets_name(town, m[0].index), "Impasse Marcel Hugo");

    /* the longest text, of the words that grow most and compare worst */
    char worst[RELAIS_STREETS_NAME_MAX + 1];
    for (size_t i = 0; i + 2 <= RELAIS_STREETS_NAME_MAX; i += 2)
        memcpy(worst + i, i % 4 ? "x " : "dr", 2);
    worst[RELAIS_STREETS_NAME_MAX] = '\0';
    const char *const worst_typed[] = {worst};

    double extract_us = s_time(extract, typed, ntyped, 20);
    double town_us = s_time(town, typed, ntyped, 5);
    double worst_us = s_time(town, worst_typed, 1, 2);
    print_message("match: %.1f us on the extract (%d streets), %.1f us on 1,000 streets, %.1f us for a text of %u "
                  "bytes on 1,000 streets\n",
                  extract_us, S_EXTRACT_STREETS, town_us, worst_us, RELAIS_STREETS_NAME_MAX);
    /* a guard against a blow-up, loose enough for valgrind and an unoptimised build */
    assert_true(town_us < 200000);
    assert_true(worst_us < 2000000);
    relais_streets_destroy(&town);
    relais_streets_destroy(&extract);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_import_extract),
        cmocka_unit_test(test_import_bom_crlf_quoted),
        cmocka_unit_test(test_import_quotes_and_columns),
        cmocka_unit_test(test_import_communes),
        cmocka_unit_test(test_import_refusals),
        cmocka_unit_test(test_import_line_bound),
        cmocka_unit_test(test_import_count_bound),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_read_refusals),
        cmocka_unit_test(test_normalize),
        cmocka_unit_test(test_match_table),
        cmocka_unit_test(test_match_unknown),
        cmocka_unit_test(test_match_type_lookalike),
        cmocka_unit_test(test_resolve),
        cmocka_unit_test(test_speed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
