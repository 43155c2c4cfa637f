/* match.c -- likely duplicates: a French-aware phonetic key of a family name, and the name rule.
 *
 * The child key (rules.c) files a referral under an exact match of the normalised names and
 * the birth date. Partners write the same child differently ("KACI Yanis" and "Kaci Yanis
 * Karim", "Martin-Durand" and "Martin"), so the hub also flags a new case as a possible
 * duplicate of an open one, for the coordinator to decide; it never merges on its own. This
 * file is that rule, pure and deterministic, so that a measurement (tests/match) judges the
 * very code the hub runs (replay.c), with the names a blocking entry keeps beside it.
 */
#include "relais_cases.h"

#include <stdlib.h>
#include <string.h>

/* Room for the normalised names: the child key's limits (10 given names of 100 characters,
 * at most 4 bytes each). */
#define S_FAMILY_BYTES (100 * 4 + 1)
#define S_GIVEN_BYTES (10 * (100 * 4 + 1))
#define S_MAX_TOKENS 24
#define S_KEY_BYTES 128

/* Shorter tokens are left alone by the one-typo rule: "Léo" and "Léa", "Noa" and "Noé" are
 * other children, and a short name gives a typo too little to be told from another name. */
#define S_TYPO_MIN_LETTERS 4

/* ---- The phonetic key ------------------------------------------------------------------- */

typedef enum {
    S_ANYWHERE = 0,
    S_BEFORE_EIY, /* the next letter is e, i or y (a soft C or G) */
    S_BEFORE_EI,  /* the next letter is e or i (the U of "gui", "gue" only hardens the G) */
} s_context_t;

typedef struct {
    const char *spelling;    /* lower-case ASCII, as normalisation leaves it */
    const char *sound;       /* what it is written as in the key ("" for silent) */
    s_context_t context;
} s_rewrite_t;

/* French spellings of one sound, longest first where two start alike (the first that matches
 * at a position wins). Accents are gone by now (normalisation folds é, è, ê to e and ç to c):
 * what matters for a key is that two spellings of the name fold the same way. */
static const s_rewrite_t s_rewrites[] = {
    {"sch", "s", S_ANYWHERE},   /* Alsatian and German names (Schmitt, Schneider) said with CH */
    {"eau", "o", S_ANYWHERE},   /* Boileau / Boilo: three letters, one vowel */
    {"ch", "s", S_ANYWHERE},    /* CH and S fold together: Chevalier / Schevalier, Sanchez / Sanches */
    {"ph", "f", S_ANYWHERE},    /* Philippe / Filippe */
    {"gn", "n", S_ANYWHERE},    /* Montagne / Montanie: the palatal N, written GN or NI */
    {"qu", "k", S_ANYWHERE},    /* Jacques / Jakes */
    {"ck", "k", S_ANYWHERE},    /* Eckert / Ekert */
    {"gu", "g", S_BEFORE_EI},   /* Guillaume / Gilaume: the U only keeps the G hard */
    {"au", "o", S_ANYWHERE},    /* Renaud / Renod */
    {"ai", "e", S_ANYWHERE},    /* Lemaire / Lemere */
    {"ei", "e", S_ANYWHERE},    /* Leiris / Leris */
    {"ou", "u", S_ANYWHERE},    /* one vowel in French, written two ways in names from elsewhere */
    {"c", "s", S_BEFORE_EIY},   /* soft C: Lucie / Lusie (Ç is a C already) */
    {"c", "k", S_ANYWHERE},     /* hard C: Caron / Karon */
    {"q", "k", S_ANYWHERE},     /* Qadri / Kadri */
    {"g", "j", S_BEFORE_EIY},   /* soft G: Georges / Jorges */
    {"y", "i", S_ANYWHERE},     /* Yvon / Ivon, Nguyen / Nguien */
    {"w", "v", S_ANYWHERE},     /* Wagner / Vagner */
    {"z", "s", S_ANYWHERE},     /* Gonzales / Gonsales, final Z of Dumez */
    {"h", "", S_ANYWHERE},      /* silent: Henry / Enry, Thomas / Tomas */
};

/* Letters a French name often ends with and does not say, dropped at most once each and in
 * this order (a final E, then a plural S or X, then a T, D or P): Durand / Durant, Dupont /
 * Dupond, Roux / Rou. Dropping them in a loop would make Martinet a Martin. */
static const char *const s_silent_endings[] = {"e", "sx", "tdp"};

/* Particles that belong to the name that follows them: "Le Gall" is written "Legall" too,
 * "N'Diaye" "Ndiaye", "Ben Ali" "Benali"; glued to the next token, both spellings key alike. */
static const char *const s_particles[] = {"d",  "l",   "de", "du",  "des", "la",  "le",  "les", "van", "von",
                                          "der", "den", "da", "das", "do",  "dos", "di",  "del", "el",  "al",
                                          "ben", "bin", "ibn", "bou", "abou", "mac", "mc",  "o",   "n",   "m"};

static int s_is_particle(const char *token, size_t len)
{
    if (len == 1)
        return 1; /* a lone letter is an initial or an elided article (N', D', L') */
    for (size_t i = 0; i < sizeof s_particles / sizeof s_particles[0]; i++)
        if (strlen(s_particles[i]) == len && memcmp(s_particles[i], token, len) == 0)
            return 1;
    return 0;
}

static int s_in(char c, const char *set)
{
    return c && strchr(set, c) != NULL;
}

/* The phonetic key of `letters` (lower-case; what is not a-z is skipped) into `out`. */
static int s_phonetic(const char *letters, size_t len, char *out, size_t cap)
{
    char clean[S_FAMILY_BYTES];
    size_t n = 0;
    for (size_t i = 0; i < len && n + 1 < sizeof clean; i++)
        if (letters[i] >= 'a' && letters[i] <= 'z')
            clean[n++] = letters[i];
    clean[n] = '\0';
    if (n == 0)
        return relais_status_set(RELAIS_E_MALFORMED, "family name: no letter to key");

    char sound[2 * S_FAMILY_BYTES];
    size_t sl = 0;
    for (size_t i = 0; i < n;) {
        const s_rewrite_t *hit = NULL;
        size_t hit_len = 0;
        for (size_t r = 0; r < sizeof s_rewrites / sizeof s_rewrites[0] && !hit; r++) {
            size_t pl = strlen(s_rewrites[r].spelling);
            if (i + pl > n || memcmp(clean + i, s_rewrites[r].spelling, pl) != 0)
                continue;
            char next = clean[i + pl];
            if ((s_rewrites[r].context == S_BEFORE_EIY && !s_in(next, "eiy")) ||
                (s_rewrites[r].context == S_BEFORE_EI && !s_in(next, "ei")))
                continue;
            hit = &s_rewrites[r];
            hit_len = pl;
        }
        const char *emit = hit ? hit->sound : clean + i;
        size_t emit_len = hit ? strlen(hit->sound) : 1;
        for (size_t k = 0; k < emit_len; k++)
            /* Double letters collapse (Barreau / Bareau), also when a rewrite makes them (CK). */
            if (sl == 0 || sound[sl - 1] != emit[k])
                sound[sl++] = emit[k];
        i += hit ? hit_len : 1;
    }
    for (size_t e = 0; e < sizeof s_silent_endings / sizeof s_silent_endings[0]; e++)
        if (sl > 1 && s_in(sound[sl - 1], s_silent_endings[e]))
            sl--;
    if (sl == 0) /* a name of silent letters only ("H"): keep its first letter */
        sound[sl++] = clean[0];
    if (sl + 1 > cap)
        return relais_status_set(RELAIS_E_INVALID, "phonetic key: does not fit in %zu bytes", cap);
    memcpy(out, sound, sl);
    out[sl] = '\0';
    return 0;
}

int relais_cases_phonetic_key(const char *family_name, char *out, size_t cap)
{
    char norm[S_FAMILY_BYTES];
    if (!family_name || !out || cap == 0)
        return RELAIS_E_INVALID;
    int rc = relais_cases_normalise_name(family_name, norm, sizeof norm);
    if (rc != 0)
        return rc;
    /* The first token, with the particles before it glued on: a compound name shortened to its
     * first part ("Martin-Durand", "Martin") keeps its key, and so does "Le Gall" as "Legall". */
    char first[S_FAMILY_BYTES];
    size_t fl = 0;
    const char *p = norm;
    while (*p) {
        const char *end = strchr(p, ' ');
        size_t tl = end ? (size_t)(end - p) : strlen(p);
        memcpy(first + fl, p, tl);
        fl += tl;
        if (!end || !s_is_particle(p, tl))
            break;
        p = end + 1;
    }
    first[fl] = '\0';
    return s_phonetic(first, fl, out, cap);
}

/* ---- Tokens ------------------------------------------------------------------------------ */

typedef struct {
    char text[S_GIVEN_BYTES];         /* the normalised names, cut at the spaces */
    const char *token[S_MAX_TOKENS];
    size_t count;
} s_tokens_t;

/* Splits a normalised name (single spaces, trimmed) into its tokens. */
static int s_tokenise(const char *normalised, s_tokens_t *out)
{
    size_t len = strlen(normalised);
    if (len + 1 > sizeof out->text)
        return relais_status_set(RELAIS_E_MALFORMED, "names too long to compare");
    memcpy(out->text, normalised, len + 1);
    out->count = 0;
    for (char *p = out->text; *p;) {
        if (out->count == S_MAX_TOKENS)
            return relais_status_set(RELAIS_E_MALFORMED, "more than %d names to compare", S_MAX_TOKENS);
        out->token[out->count++] = p;
        char *space = strchr(p, ' ');
        if (!space)
            break;
        *space = '\0';
        p = space + 1;
    }
    return 0;
}

typedef struct {
    s_tokens_t family;
    s_tokens_t given; /* every given name's tokens, in order */
} s_child_names_t;

static int s_child_names(const relais_referral_view_t *child, s_child_names_t *out)
{
    char family[S_FAMILY_BYTES], joined[S_GIVEN_BYTES], given[S_GIVEN_BYTES];
    if (!child->family_name || relais_cases_normalise_name(child->family_name, family, sizeof family) != 0)
        return relais_status_set(RELAIS_E_MALFORMED, "referral.child.family_name: missing or too long to compare");
    if (!family[0])
        return relais_status_set(RELAIS_E_MALFORMED, "referral.child.family_name: no letter or digit");
    size_t jl = 0;
    joined[0] = '\0';
    for (size_t i = 0; i < child->given_count; i++) {
        size_t gl = child->given_names[i] ? strlen(child->given_names[i]) : 0;
        if (jl + gl + 2 > sizeof joined)
            return relais_status_set(RELAIS_E_MALFORMED, "referral.child.given_names: too long to compare");
        if (jl)
            joined[jl++] = ' ';
        memcpy(joined + jl, child->given_names[i] ? child->given_names[i] : "", gl);
        jl += gl;
        joined[jl] = '\0';
    }
    if (relais_cases_normalise_name(joined, given, sizeof given) != 0)
        return relais_status_set(RELAIS_E_MALFORMED, "referral.child.given_names: too long to compare");
    int rc = s_tokenise(family, &out->family);
    return rc ? rc : s_tokenise(given, &out->given);
}

/* ---- Closeness --------------------------------------------------------------------------- */

/* Whether a and b are at most one edit apart: a letter changed, added or dropped, or two
 * neighbours swapped (the commonest slip at a keyboard: "Mohamed" / "Mohmaed"). */
static int s_one_edit(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la < lb) {
        const char *t = a;
        a = b;
        b = t;
        size_t tl = la;
        la = lb;
        lb = tl;
    }
    if (la - lb > 1)
        return 0;
    size_t i = 0;
    while (i < lb && a[i] == b[i])
        i++;
    if (i == lb)
        return 1; /* equal, or b is a with its last letter dropped */
    if (la != lb)
        return strcmp(a + i + 1, b + i) == 0; /* one letter dropped inside */
    if (strcmp(a + i + 1, b + i + 1) == 0)
        return 1; /* one letter changed */
    return a[i] == b[i + 1] && a[i + 1] == b[i] && strcmp(a + i + 2, b + i + 2) == 0; /* swapped */
}

typedef enum {
    S_FAMILY_TOKENS,
    S_GIVEN_TOKENS,
} s_part_t;

/* Two tokens of a name that may be one written twice: equal, or one typo apart when both are
 * long enough to tell a typo from another name. Given names differing only by a final E are
 * the masculine and feminine of one name (Louis / Louise, Pascal / Pascale),
 * the names twins of both sexes are given: never a typo. */
static int s_tokens_close(const char *a, const char *b, s_part_t part)
{
    if (strcmp(a, b) == 0)
        return 1;
    size_t la = strlen(a), lb = strlen(b);
    if (la < S_TYPO_MIN_LETTERS || lb < S_TYPO_MIN_LETTERS || !s_one_edit(a, b))
        return 0;
    if (part == S_GIVEN_TOKENS) {
        const char *longer = la > lb ? a : b;
        size_t ll = la > lb ? la : lb;
        if (la != lb && longer[ll - 1] == 'e' && strncmp(a, b, ll - 1) == 0)
            return 0;
    }
    return 1;
}

/* The tokens glued without spaces: "n diaye" and "ndiaye", "marie claire" and "marieclaire". */
static void s_glued(const s_tokens_t *t, char *out, size_t cap)
{
    size_t len = 0;
    for (size_t i = 0; i < t->count; i++) {
        size_t tl = strlen(t->token[i]);
        if (len + tl + 1 > cap)
            break;
        memcpy(out + len, t->token[i], tl);
        len += tl;
    }
    out[len] = '\0';
}

/* Whether every token of the shorter list has a token of its own in the longer one (close as
 * above): a missing or extra given name ("Yanis" / "Yanis Karim"), or when `same_count`, the
 * same names each written at most one typo away. */
static int s_lists_close(const s_tokens_t *a, const s_tokens_t *b, s_part_t part, int same_count)
{
    if (same_count && a->count != b->count)
        return 0;
    const s_tokens_t *few = a->count <= b->count ? a : b;
    const s_tokens_t *many = few == a ? b : a;
    int used[S_MAX_TOKENS] = {0};
    /* Exact matches first, so that a typo does not take the token an exact match needs. */
    int matched[S_MAX_TOKENS] = {0};
    for (size_t i = 0; i < few->count; i++)
        for (size_t j = 0; j < many->count && !matched[i]; j++)
            if (!used[j] && strcmp(few->token[i], many->token[j]) == 0)
                used[j] = matched[i] = 1;
    for (size_t i = 0; i < few->count; i++)
        for (size_t j = 0; j < many->count && !matched[i]; j++)
            if (!used[j] && s_tokens_close(few->token[i], many->token[j], part))
                used[j] = matched[i] = 1;
    for (size_t i = 0; i < few->count; i++)
        if (!matched[i])
            return 0;
    return 1;
}

/* A token that says who a family is: not a particle, not an initial. */
static int s_meaningful(const s_tokens_t *t)
{
    for (size_t i = 0; i < t->count; i++)
        if (!s_is_particle(t->token[i], strlen(t->token[i])))
            return 1;
    return 0;
}

static int s_family_close(const s_tokens_t *a, const s_tokens_t *b)
{
    char ga[S_GIVEN_BYTES], gb[S_GIVEN_BYTES];
    s_glued(a, ga, sizeof ga);
    s_glued(b, gb, sizeof gb);
    if (strcmp(ga, gb) == 0) /* N'Diaye / Ndiaye, Le Gall / Legall */
        return 1;
    if (s_lists_close(a, b, S_FAMILY_TOKENS, 1)) /* one typo in one of the parts */
        return 1;
    /* A compound name shortened: Martin-Durand / Martin, Da Silva Pereira / Da Silva. The part
     * kept must say something (not "de" alone). */
    const s_tokens_t *few = a->count <= b->count ? a : b;
    if (a->count != b->count && s_meaningful(few) && s_lists_close(a, b, S_FAMILY_TOKENS, 0))
        return 1;
    /* Another spelling of the same sounds, part by part: Lefebvre / Lefèbre, Chauvet / Chovet. */
    if (a->count != b->count)
        return 0;
    for (size_t i = 0; i < a->count; i++) {
        char ka[S_KEY_BYTES], kb[S_KEY_BYTES];
        if (s_phonetic(a->token[i], strlen(a->token[i]), ka, sizeof ka) != 0 ||
            s_phonetic(b->token[i], strlen(b->token[i]), kb, sizeof kb) != 0 || strcmp(ka, kb) != 0)
            return 0;
    }
    return 1;
}

static int s_given_close(const s_tokens_t *a, const s_tokens_t *b)
{
    /* No given name on one side (a partner that did not write it): the family name and the
     * birth date decide. */
    if (a->count == 0 || b->count == 0)
        return 1;
    char ga[S_GIVEN_BYTES], gb[S_GIVEN_BYTES];
    s_glued(a, ga, sizeof ga);
    s_glued(b, gb, sizeof gb);
    return strcmp(ga, gb) == 0 || s_lists_close(a, b, S_GIVEN_TOKENS, 0);
}

/* Every name of both, in one list: the same names in another order (a Vietnamese name written
 * family first, a given name taken for a second family name). */
static int s_all_names(const s_child_names_t *c, s_tokens_t *out)
{
    out->count = 0;
    size_t len = 0;
    const s_tokens_t *parts[2] = {&c->family, &c->given};
    for (size_t p = 0; p < 2; p++)
        for (size_t i = 0; i < parts[p]->count; i++) {
            size_t tl = strlen(parts[p]->token[i]);
            if (out->count == S_MAX_TOKENS || len + tl + 1 > sizeof out->text)
                return relais_status_set(RELAIS_E_MALFORMED, "too many names to compare");
            memcpy(out->text + len, parts[p]->token[i], tl + 1);
            out->token[out->count++] = out->text + len;
            len += tl + 1;
        }
    return 0;
}

struct relais_cases_names {
    s_child_names_t names;
    s_tokens_t all; /* every name, in one list */
};

static int s_prepare(const relais_referral_view_t *child, relais_cases_names_t *out)
{
    int rc = s_child_names(child, &out->names);
    return rc ? rc : s_all_names(&out->names, &out->all);
}

static int s_close(const relais_cases_names_t *a, const relais_cases_names_t *b)
{
    const s_child_names_t *na = &a->names, *nb = &b->names;
    if (s_family_close(&na->family, &nb->family) && s_given_close(&na->given, &nb->given))
        return 1;
    /* Family and given names swapped: each side's family name is the other's given name. */
    if (na->given.count && nb->given.count && s_family_close(&na->family, &nb->given) &&
        s_family_close(&nb->family, &na->given))
        return 1;
    return s_lists_close(&a->all, &b->all, S_GIVEN_TOKENS, 1);
}

int relais_cases_names_prepare(const relais_referral_view_t *child, relais_cases_names_t **out)
{
    if (!child || !out)
        return RELAIS_E_INVALID;
    *out = malloc(sizeof **out);
    if (!*out)
        return relais_status_set(RELAIS_E_NOMEM, "out of memory preparing names to compare");
    int rc = s_prepare(child, *out);
    if (rc)
        relais_cases_names_free(out);
    return rc;
}

void relais_cases_names_free(relais_cases_names_t **names)
{
    if (names) {
        free(*names);
        *names = NULL;
    }
}

int relais_cases_names_close_to(const relais_cases_names_t *a, const relais_referral_view_t *b)
{
    if (!a || !b)
        return RELAIS_E_INVALID;
    /* Several kilobytes: static storage would make the rule unsafe across threads. */
    relais_cases_names_t nb;
    int rc = s_prepare(b, &nb);
    return rc ? rc : s_close(a, &nb);
}

int relais_cases_names_close(const relais_referral_view_t *a, const relais_referral_view_t *b)
{
    if (!a || !b)
        return RELAIS_E_INVALID;
    relais_cases_names_t na;
    int rc = s_prepare(a, &na);
    return rc ? rc : relais_cases_names_close_to(&na, b);
}

/* ---- Names kept beside a blocking entry ---------------------------------------------------- */

int relais_cases_names_pack(const relais_referral_view_t *child, char *out, size_t cap, size_t *len)
{
    if (!child || !out || !len || !child->birth_date || !child->family_name ||
        child->given_count > RELAIS_CASES_NAMES_GIVEN_MAX)
        return relais_status_set(RELAIS_E_INVALID, "names to pack need a birth date, a family name and at most %d "
                                 "given names", RELAIS_CASES_NAMES_GIVEN_MAX);
    /* One a line: validated names hold no line break (proto/validate.c refuses control
     * characters in them). */
    size_t at = 0;
    for (size_t i = 0; i < 2 + child->given_count; i++) {
        const char *part = i == 0 ? child->birth_date : i == 1 ? child->family_name : child->given_names[i - 2];
        size_t pl = part ? strlen(part) : 0;
        if (at + pl + 1 > cap || (part && memchr(part, '\n', pl)))
            return relais_status_set(RELAIS_E_INVALID, "names do not fit in %zu bytes, or hold a line break", cap);
        if (i)
            out[at++] = '\n';
        memcpy(out + at, part ? part : "", pl);
        at += pl;
    }
    *len = at;
    return 0;
}

int relais_cases_names_unpack(const uint8_t *packed, size_t len, char *buf, size_t cap, const char **given,
                              relais_referral_view_t *view)
{
    if (!packed || !buf || !given || !view || len + 1 > cap)
        return relais_status_set(RELAIS_E_INVALID, "packed names of %zu bytes need more room", len);
    memcpy(buf, packed, len);
    buf[len] = '\0';
    if (memchr(buf, '\0', len))
        return relais_status_set(RELAIS_E_MALFORMED, "packed names hold a NUL");
    memset(view, 0, sizeof *view);
    char *line = buf;
    size_t count = 0;
    for (size_t i = 0; line; i++) {
        char *next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        if (i == 0)
            view->birth_date = line;
        else if (i == 1)
            view->family_name = line;
        else if (count < RELAIS_CASES_NAMES_GIVEN_MAX)
            given[count++] = line;
        else
            return relais_status_set(RELAIS_E_MALFORMED, "packed names hold more than %d given names",
                                     RELAIS_CASES_NAMES_GIVEN_MAX);
        line = next;
    }
    if (!view->family_name)
        return relais_status_set(RELAIS_E_MALFORMED, "packed names lack a family name");
    view->given_names = given;
    view->given_count = count;
    return 0;
}
