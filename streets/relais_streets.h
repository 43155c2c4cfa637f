/* relais_streets.h -- the town's street list for the Tranquillité urbaine desk: imported from the BAN, kept, matched.
 *
 * The reception desk writes down where a noise, a lost wallet or a broken bench was; a street
 * typed freely ("r. houdin", "12 av jean perrin") is checked against the town's own list, so that
 * the log says "Rue Houdan" and never twenty spellings of it.
 *
 * ---- Where the list comes from ------------------------------------------------------------
 * The Base Adresse Nationale (adresse.data.gouv.fr, Licence Ouverte 2.0) publishes one CSV per
 * department, "adresses-<dept>.csv": UTF-8, ';'-separated, a header line, one row per address.
 * relais_streets_import_csv keeps one entry per distinct street (nom_voie, code_insee), with the
 * postcode and the commune of its first address. Columns are found by their header names
 * (nom_voie, code_postal, code_insee, nom_commune required; id_fantoir used when present).
 * Quoted fields ("..." with "" for a quote), CRLF line ends and a UTF-8 byte order mark are
 * taken; a quoted field may not span lines (the BAN never does). Rows with an empty nom_voie
 * (addresses on a lieu-dit only) are skipped. Anything else that does not read is refused whole,
 * the detail naming the line.
 *
 * ---- The stored list ----------------------------------------------------------------------
 * A text file: a first line "# relais streets v1: ..." saying what it is and where it came from,
 * then one street per line, five tab-separated fields: name, postcode, commune, INSEE code,
 * FANTOIR id (the last may be empty), LF line ends. relais_streets_save writes it whole to a
 * temporary file in the same folder and renames it over the old one: a failed import or a
 * crash leaves the previous list as it was. relais_streets_load reads it back strictly.
 *
 * ---- Matching -------------------------------------------------------------------------------
 * Both the list's names and what is typed are normalised: case folded; accents removed (Latin-1
 * and Latin Extended-A, œ -> oe, æ -> ae, ß -> ss; decomposed accents dropped); anything that is
 * not a letter or a digit (hyphens, apostrophes ' and ’, dots, commas, spaces) is one space;
 * abbreviations expanded (r, r. -> rue; av, ave -> avenue; bd, bld, boul, bvd -> boulevard; pl ->
 * place; all -> allee; imp -> impasse; ch, chem -> chemin; sq -> square; sen -> sente; pass ->
 * passage; rte -> route; res -> residence; fg -> faubourg; qu -> quai; crs -> cours, as the first
 * word only; st -> saint, ste -> sainte, dr -> docteur, gal, gen -> general, mal -> marechal, pdt ->
 * president, cdt -> commandant, anywhere); the articles de, du, des, d', l' and the "la" of "de la"
 * dropped; so is a house number before the type word ("12 bis r houdan"). The first word, when
 * it is a type of street (rue, avenue, place, sentier, square...) and a name follows, is the
 * street's type; the rest is its name.
 *
 *  - exact (score 1000): the normalised forms are equal: "r. houdan", "RUE HOUDAN" and
 *    "rue  Houdan" are "Rue Houdan"; "av jean perrin" is "Avenue Jean Perrin".
 *  - the same name without its type (950: "houdan", "st jean" for "Rue Saint-Jean") or with
 *    another type (900: "avenue houdan") is a suggestion, never exact: the desk must say which
 *    street it means, and "Saint-Jean" may be a rue, an allée and a place. When one street
 *    alone has that name, it is the only suggestion, so it is the single best match.
 *  - otherwise, suggestions scored below 900 from the closeness of the names: each typed word
 *    against the street's words by Damerau-Levenshtein distance (optimal string alignment, so a
 *    swap of two letters is one edit; a typed word of 3 letters or more that begins a street's
 *    word counts as close), weighted by length both ways, and the whole names against each other
 *    (a word cut in two); a type that differs or is missing costs a little. A first word one
 *    typo away from a common type is taken for it, never exactly: "reu houdan" scores as
 *    "houdan" does (950), unless a street of the list is called "Reu Houdan". Only suggestions
 *    within 2/3 of the best are kept.
 * Ties go to the list's order (alphabetical on the normalised names). A match compares the text
 * to every street, each comparison bounded (64 bytes of a word or a name, 16 words): about
 * 0.1 ms for 1,000 streets in an optimised build, 0.8 ms for a text of 200 bytes.
 *
 * Depends on relais_proto (status codes, the UTF-8 decoder and the control characters).
 */
#ifndef RELAIS_STREETS_H
#define RELAIS_STREETS_H

#include <stddef.h>
#include <stdio.h>

#include "relais_proto.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RELAIS_STREETS_MAX 100000u           /* streets a list holds at most */
#define RELAIS_STREETS_LINE_MAX 65536u       /* bytes of one line of the CSV or of the list, end excluded */
#define RELAIS_STREETS_NAME_MAX 200u         /* bytes of a street's name, and of a typed text */
#define RELAIS_STREETS_COMMUNE_MAX 100u      /* bytes of a commune's name */
#define RELAIS_STREETS_FANTOIR_MAX 15u       /* bytes of a FANTOIR id ("92071_4450") */
#define RELAIS_STREETS_SOURCE_MAX 256u       /* bytes of the source description */
#define RELAIS_STREETS_SUGGESTIONS 5u        /* what the desk is shown when nothing matches */

#define RELAIS_STREETS_SCORE_EXACT 1000u     /* the same street after normalisation */
#define RELAIS_STREETS_SCORE_UNTYPED 950u    /* the same name, typed without its type */
#define RELAIS_STREETS_SCORE_OTHER_TYPE 900u /* the same name, typed with another type */

typedef struct relais_streets relais_streets_t;

/* One street, as the BAN writes it. The strings belong to the list: valid until it is destroyed. */
typedef struct {
    const char *name;     /* nom_voie: "Rue Houdan" */
    const char *postcode; /* code_postal: "92330"; "" when the BAN gave none */
    const char *commune;  /* nom_commune: "Sceaux" */
    const char *insee;    /* code_insee: "92071" (2A/2B in Corsica) */
    const char *fantoir;  /* id_fantoir: "92071_4450"; "" when unknown */
} relais_streets_entry_t;

/* One answer of relais_streets_match. */
typedef struct {
    size_t index;   /* the street: relais_streets_entry(list, index, ...) */
    unsigned score; /* RELAIS_STREETS_SCORE_EXACT, _UNTYPED, _OTHER_TYPE, or 1..899 the closeness */
} relais_streets_match_t;

/* ---- Making, keeping and reading the list -------------------------------------------------- */

/* Reads a BAN addresses CSV from `in` to its end. `insee`, when not NULL, keeps the streets of
 * that commune only (a department's file holds all of them); `source` (NULL: "unknown") says
 * where the file came from, for the stored list's first line: at most RELAIS_STREETS_SOURCE_MAX
 * bytes, its controls replaced by '?'. *out: the list (caller destroys), NULL on failure.
 * Errors: RELAIS_E_MALFORMED (the detail names the line: a missing column, a field count other
 * than the header's, a quote not closed, a line over RELAIS_STREETS_LINE_MAX, text that is not
 * UTF-8 or holds a control, a code that is not one, more than RELAIS_STREETS_MAX streets);
 * RELAIS_E_NOT_FOUND (no street at all, or none in commune `insee`); RELAIS_E_INVALID (an
 * `insee` that is not a code); RELAIS_E_IO; RELAIS_E_NOMEM. */
int relais_streets_import_csv(FILE *in, const char *insee, const char *source, relais_streets_t **out);

/* Writes the stored form on `out`. Errors: RELAIS_E_IO. */
int relais_streets_write(const relais_streets_t *list, FILE *out);

/* Reads the stored form from `in`, strictly: the first line, then five fields per line, each as
 * import checks them, no street twice, LF line ends, a last line that ends. *out: the list
 * (caller destroys), NULL on failure. Errors: RELAIS_E_MALFORMED (naming the line),
 * RELAIS_E_VERSION (a list of a later format), RELAIS_E_IO, RELAIS_E_NOMEM. */
int relais_streets_read(FILE *in, relais_streets_t **out);

/* Writes the list to `path` through a temporary file beside it (fsynced, then renamed over
 * `path`, mode 0644): a failure leaves what was at `path`. Errors: RELAIS_E_IO (naming the
 * path and the system's reason). */
int relais_streets_save(const relais_streets_t *list, const char *path);

/* Reads the list at `path`: relais_streets_read, the detail naming the path.
 * Errors: those of relais_streets_read; RELAIS_E_IO when `path` does not open. */
int relais_streets_load(const char *path, relais_streets_t **out);

/* Frees the list and sets *list to NULL; safe on NULL and twice. */
void relais_streets_destroy(relais_streets_t **list);

/* ---- Reading it ---------------------------------------------------------------------------- */

/* Streets in the list, sorted by their normalised names. */
size_t relais_streets_count(const relais_streets_t *list);

/* The name of street `i`; NULL when i >= count. Valid until the list is destroyed. */
const char *relais_streets_name(const relais_streets_t *list, size_t i);

/* Fills *out for street `i`. Errors: RELAIS_E_INVALID (i >= count). */
int relais_streets_entry(const relais_streets_t *list, size_t i, relais_streets_entry_t *out);

/* Where the list came from (the import's `source`, or the stored first line's). */
const char *relais_streets_source(const relais_streets_t *list);

/* ---- Matching what is typed ---------------------------------------------------------------- */

/* The normalised form of `text` as the matcher compares it ("r. de l'Église" -> "rue eglise"),
 * into out (room cap). Errors: RELAIS_E_INVALID (text over RELAIS_STREETS_NAME_MAX bytes, or cap
 * too small: 4 * RELAIS_STREETS_NAME_MAX + 1 is always enough). */
int relais_streets_normalize(const char *text, char *out, size_t cap);

/* Looks `text` up (at most RELAIS_STREETS_NAME_MAX bytes; text that is not UTF-8 is read as
 * Latin-1, as an old terminal sends it). Writes at most `max` answers, best first, and their
 * number in *n:
 *   - RELAIS_OK: exactly one street is `text` after normalisation; it is out[0], *n == 1 (0
 *     when max is 0).
 *   - RELAIS_E_NOT_FOUND: none is (out holds the closest, perhaps none), or several are (names
 *     equal but for case or accents, or one name in two communes: out holds those, each scored
 *     RELAIS_STREETS_SCORE_EXACT). The detail is the sentence relais_streets_resolve writes.
 *   - RELAIS_E_INVALID: `text` is too long, or holds nothing to look for (no letter or
 *     digit); *n == 0.
 * Reads the list only: several threads may match against one list. */
int relais_streets_match(const relais_streets_t *list, const char *text, relais_streets_match_t *out, size_t max,
                         size_t *n);

/* The street `text` names, as the list spells it, into out (room cap): what the reception
 * command stores. Fails unless exactly one street is `text` after normalisation; `why` (room
 * why_cap; may be NULL) and the status detail then get a sentence to show the agent, e.g.
 * "no street of the town's list is called \"rue houdin\"; closest: Rue Houdan" (it quotes the
 * text as typed: print it escaped). Errors: RELAIS_E_NOT_FOUND (none, or several: the sentence
 * names them), RELAIS_E_INVALID (as relais_streets_match; or cap too small). */
int relais_streets_resolve(const relais_streets_t *list, const char *text, char *out, size_t cap, char *why,
                           size_t why_cap);

#ifdef __cplusplus
}
#endif

#endif
