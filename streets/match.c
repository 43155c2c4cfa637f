/* match.c -- a street typed at the desk against the town's list: normalising both, exact match or closest names. */
#include "streets_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- Folding letters ------------------------------------------------------------------------ */

/* Latin-1's letters U+00C0..U+00FF without their accents; NULL: not a letter (× and ÷). */
static const char *const s_latin1[64] = {
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i", /* À..Ï */
    "d", "n", "o", "o", "o", "o", "o",  NULL, "o", "u", "u", "u", "u", "y", "th", "ss", /* Ð..ß */
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i", /* à..ï */
    "d", "n", "o", "o", "o", "o", "o",  NULL, "o", "u", "u", "u", "u", "y", "th", "y",  /* ð..ÿ */
};

/* Latin Extended-A, U+0100..U+017F, one base letter each; '*' marks the ligatures ĳ and œ. */
static const char s_latin_ext_a[] = "aaaaaaccccccccdd"
                                    "ddeeeeeeeeeegggg"
                                    "gggghhhhiiiiiiii"
                                    "ii**jjkkklllllll"
                                    "lllnnnnnnnnnoooo"
                                    "oo**rrrrrrssssss"
                                    "ssttttttuuuuuuuu"
                                    "uuuuwwyyyzzzzzzs";

/* What code point `cp` adds to a word: its folded letters, "" for nothing (a combining accent,
 * as in text typed decomposed), NULL when it separates words. `tmp` holds a letter of another
 * script, kept as its UTF-8 bytes: a Greek or Cyrillic name still matches itself. */
static const char *s_fold(uint32_t cp, char tmp[5])
{
    static const char *const ligature[] = {"ij", "ij", "oe", "oe"};
    if (cp < 0x80) {
        if (cp >= 'A' && cp <= 'Z') {
            tmp[0] = (char)(cp - 'A' + 'a');
            tmp[1] = '\0';
            return tmp;
        }
        if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9')) {
            tmp[0] = (char)cp;
            tmp[1] = '\0';
            return tmp;
        }
        return NULL;
    }
    if (cp < 0xc0)
        return NULL; /* C1, the no-break space, Latin-1's punctuation */
    if (cp < 0x100)
        return s_latin1[cp - 0xc0];
    if (cp < 0x180) {
        char c = s_latin_ext_a[cp - 0x100];
        if (c == '*')
            return ligature[(cp >= 0x152 ? 2 : 0) + (cp & 1)];
        tmp[0] = c;
        tmp[1] = '\0';
        return tmp;
    }
    if (cp >= 0x218 && cp <= 0x21b) /* Romanian ș and ț */
        return cp < 0x21a ? "s" : "t";
    if (cp == 0x1e9e) /* capital ß */
        return "ss";
    if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0xfe00 && cp <= 0xfe0f) || cp == 0xfeff || cp == 0x200b)
        return ""; /* combining accents, variation selectors, zero-width marks */
    if ((cp >= 0x2b0 && cp <= 0x2ff) || (cp >= 0x2000 && cp <= 0x206f) || (cp >= 0x2e00 && cp <= 0x2e7f) ||
        (cp >= 0x3000 && cp <= 0x303f) || (cp >= 0xff00 && cp <= 0xff0f) || cp >= 0xfff0)
        return NULL; /* modifier apostrophes, dashes, quotes, spaces of every width */
    size_t n = cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    for (size_t i = n - 1; i > 0; i--, cp >>= 6)
        tmp[i] = (char)(0x80 | (cp & 0x3f));
    tmp[0] = (char)((n == 2 ? 0xc0 : n == 3 ? 0xe0 : 0xf0) | cp);
    tmp[n] = '\0';
    return tmp;
}

/* The next code point of s[0..len) into *cp; returns the bytes it took (at least 1). A byte that
 * starts no UTF-8 sequence is read as Windows-1252, what a Latin-1 terminal sends: 'é' is 0xE9. */
static size_t s_decode(const char *s, size_t len, uint32_t *cp)
{
    size_t n = relais_utf8_next(s, len, cp);
    if (n)
        return n;
    static const uint16_t cp1252[32] = {[0x0a] = 0x160, [0x0c] = 0x152, [0x0e] = 0x17d, [0x1a] = 0x161,
                                        [0x1c] = 0x153, [0x1e] = 0x17e, [0x1f] = 0x178};
    uint8_t b = (uint8_t)s[0];
    *cp = b >= 0xa0 ? b : b >= 0x80 && cp1252[b - 0x80] ? cp1252[b - 0x80] : ' ';
    return 1;
}

/* ---- Words --------------------------------------------------------------------------------- */

typedef struct {
    const char *p; /* the word's bytes, not NUL-terminated */
    size_t n;      /* its length */
} s_word_t;

#define S_WORDS_MAX 128 /* words of one normalised text: 200 bytes make at most 100 */

static int s_is(const s_word_t *w, const char *lit)
{
    return strlen(lit) == w->n && memcmp(w->p, lit, w->n) == 0;
}

/* Folds text into `buf` (room cap) and cuts it into words. */
static size_t s_words_of(const char *text, size_t len, char *buf, size_t cap, s_word_t *w)
{
    size_t used = 0, nw = 0, start = 0;
    int in_word = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        char tmp[5];
        i += s_decode(text + i, len - i, &cp);
        const char *add = s_fold(cp, tmp);
        if (!add) {
            if (in_word && nw < S_WORDS_MAX)
                w[nw++] = (s_word_t){buf + start, used - start};
            in_word = 0;
            continue;
        }
        size_t n = strlen(add);
        if (n == 0 || used + n > cap)
            continue;
        if (!in_word)
            start = used;
        memcpy(buf + used, add, n);
        used += n;
        in_word = 1;
    }
    if (in_word && nw < S_WORDS_MAX)
        w[nw++] = (s_word_t){buf + start, used - start};
    return nw;
}

/* ---- Types of street, abbreviations, articles ------------------------------------------------ */

/* The words that, first in a name with more after them, say what kind of street it is. */
static const char *const s_types[] = {
    "rue",       "avenue",   "boulevard", "place",  "allee",   "impasse",     "chemin",    "square",
    "sente",     "sentier",  "passage",   "route",  "residence", "faubourg",  "quai",      "cours",
    "cour",      "villa",    "cite",      "parc",   "jardin",  "promenade",   "esplanade", "carrefour",
    "voie",      "ruelle",   "venelle",   "mail",   "parvis",  "hameau",      "lotissement", "clos",
    "galerie",   "chaussee", "traverse",  "montee", "rampe",   "domaine",     "port",      "pont",
    "porte",
};
#define S_TYPE_COUNT (sizeof s_types / sizeof s_types[0])

typedef struct {
    const char *typed; /* as typed or as the BAN abbreviates it */
    const char *full;  /* what it stands for */
} s_abbrev_t;

/* Types of street: only as the first word ("r" and "ch" in a name are initials). */
static const s_abbrev_t s_type_abbrevs[] = {
    {"r", "rue"},          {"av", "avenue"},     {"ave", "avenue"},   {"bd", "boulevard"},    {"bld", "boulevard"},
    {"boul", "boulevard"}, {"bvd", "boulevard"}, {"pl", "place"},     {"all", "allee"},       {"imp", "impasse"},
    {"ch", "chemin"},      {"chem", "chemin"},   {"sq", "square"},    {"sen", "sente"},       {"pass", "passage"},
    {"rte", "route"},      {"res", "residence"}, {"fg", "faubourg"},  {"qu", "quai"},         {"crs", "cours"},
};

/* Saints and titles, anywhere in a name. */
static const s_abbrev_t s_title_abbrevs[] = {
    {"st", "saint"},    {"ste", "sainte"},   {"dr", "docteur"},     {"gal", "general"},
    {"gen", "general"}, {"mal", "marechal"}, {"pdt", "president"}, {"cdt", "commandant"},
};

/* 1 + index in s_types of the word, 0 when it is none. */
static int s_type_index(const s_word_t *w)
{
    for (size_t i = 0; i < S_TYPE_COUNT; i++)
        if (s_is(w, s_types[i]))
            return (int)i + 1;
    return 0;
}

static void s_expand(s_word_t *w, const s_abbrev_t *table, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s_is(w, table[i].typed)) {
            *w = (s_word_t){table[i].full, strlen(table[i].full)};
            return;
        }
}

static int s_is_type_word(s_word_t w)
{
    s_expand(&w, s_type_abbrevs, sizeof s_type_abbrevs / sizeof s_type_abbrevs[0]);
    return s_type_index(&w) != 0;
}

/* A house number: 1 to 5 digits, perhaps glued to bis, ter, quater or a letter ("12bis", "3b"). */
static int s_is_number(const s_word_t *w)
{
    size_t d = 0;
    while (d < w->n && w->p[d] >= '0' && w->p[d] <= '9')
        d++;
    if (d == 0 || d > 5)
        return 0;
    s_word_t rest = {w->p + d, w->n - d};
    return rest.n == 0 || (rest.n == 1 && rest.p[0] >= 'a' && rest.p[0] <= 'd') || s_is(&rest, "bis") ||
           s_is(&rest, "ter") || s_is(&rest, "quater");
}

static int s_is_suffix(const s_word_t *w)
{
    return s_is(w, "bis") || s_is(w, "ter") || s_is(w, "quater") ||
           (w->n == 1 && w->p[0] >= 'a' && w->p[0] <= 'd');
}

/* The words a house number takes before the type word ("12 rue", "12 bis av"); 0 when the text
 * does not start so: a name may begin with a number ("8 Mai 1945") and keeps it. */
static size_t s_number_words(const s_word_t *w, size_t nw)
{
    if (nw < 2 || !s_is_number(&w[0]))
        return 0;
    if (s_is_type_word(w[1]))
        return 1;
    if (nw >= 3 && s_is_suffix(&w[1]) && s_is_type_word(w[2]))
        return 2;
    return 0;
}

/* Drops de, du, des, d', l' and the "la" of "de la", in place. A name made only of them keeps them. */
static size_t s_drop_articles(s_word_t *w, size_t nw)
{
    size_t kept = 0;
    int after_de = 0;
    for (size_t i = 0; i < nw; i++) {
        int article = s_is(&w[i], "de") || s_is(&w[i], "du") || s_is(&w[i], "des") || s_is(&w[i], "d") ||
                      s_is(&w[i], "l") || (after_de && s_is(&w[i], "la"));
        after_de = s_is(&w[i], "de");
        if (!article)
            w[kept++] = w[i];
    }
    return kept ? kept : nw;
}

/* ---- Distance ------------------------------------------------------------------------------ */

#define S_OSA_MAX 64 /* bytes of a word or a name the distance looks at: bounds a comparison */

/* Damerau-Levenshtein distance in its optimal string alignment form (insertions, deletions,
 * substitutions and swaps of two neighbours, one edit each) on the first S_OSA_MAX bytes, by
 * Hyyrö's bit-vector algorithm (2003): one column of the distance matrix per byte of b, held as
 * bits of a 64-bit word, so that a comparison costs a few operations per byte. `peq` is all
 * zero on entry and on return; it holds a's byte positions meanwhile. */
static unsigned s_osa(const char *a, size_t la, const char *b, size_t lb, uint64_t peq[256])
{
    la = la > S_OSA_MAX ? S_OSA_MAX : la;
    lb = lb > S_OSA_MAX ? S_OSA_MAX : lb;
    if (la == 0 || lb == 0)
        return (unsigned)(la + lb);
    for (size_t i = 0; i < la; i++)
        peq[(unsigned char)a[i]] |= UINT64_C(1) << i;
    uint64_t pv = ~UINT64_C(0), mv = 0, d0 = 0, pm_prev = 0, last = UINT64_C(1) << (la - 1);
    unsigned distance = (unsigned)la;
    for (size_t j = 0; j < lb; j++) {
        uint64_t pm = peq[(unsigned char)b[j]];
        uint64_t swap = ((~d0 & pm) << 1) & pm_prev; /* a[i-1..i] is b[j..j-1]: one edit */
        d0 = (((pm & pv) + pv) ^ pv) | pm | mv | swap;
        uint64_t ph = mv | ~(d0 | pv), mh = d0 & pv;
        distance += (ph & last) != 0;
        distance -= (mh & last) != 0;
        ph = (ph << 1) | 1;
        mh <<= 1;
        pv = mh | ~(d0 | ph);
        mv = ph & d0;
        pm_prev = pm;
    }
    for (size_t i = 0; i < la; i++)
        peq[(unsigned char)a[i]] = 0;
    return distance;
}

/* 1 - distance / the longer length, when that is above `floor`; otherwise 0, without computing
 * the distance when the lengths alone show it (a comparison that cannot change the outcome). */
static double s_closeness(const char *a, size_t la, const char *b, size_t lb, double floor, uint64_t peq[256])
{
    la = la > S_OSA_MAX ? S_OSA_MAX : la;
    lb = lb > S_OSA_MAX ? S_OSA_MAX : lb;
    size_t m = la > lb ? la : lb, diff = la > lb ? la - lb : lb - la;
    if (m == 0 || floor >= 1.0 || (double)diff >= (1.0 - floor) * (double)m)
        return 0.0;
    double c = 1.0 - (double)s_osa(a, la, b, lb, peq) / (double)m;
    return c > floor ? c : 0.0;
}

/* How close a typed word is to a word of a name, 0..1, when above `floor` (0 otherwise): a typed
 * word of 3 letters or more that begins the name's word ("perr" for "perrin") counts as close,
 * the closer the longer. */
static double s_word_closeness(const s_word_t *typed, const s_word_t *named, double floor, uint64_t peq[256])
{
    if (typed->n == named->n && memcmp(typed->p, named->p, typed->n) == 0)
        return 1.0;
    double prefix = 0;
    if (typed->n >= 3 && typed->n < named->n && memcmp(typed->p, named->p, typed->n) == 0)
        prefix = 0.7 + 0.3 * (double)typed->n / (double)named->n;
    double c = s_closeness(typed->p, typed->n, named->p, named->n, prefix > floor ? prefix : floor, peq);
    return c > prefix ? c : prefix;
}

/* The type word the first word was meant to be, when it is one typo away from one of the
 * common types and from no other ("reu" -> rue, "avneue" -> avenue); 0 when none. Short words
 * are checked against "rue" only, so that "la" or "de" never become a type. */
static int s_guess_type(const s_word_t *w)
{
    static const char *const common[] = {"rue",    "avenue",  "boulevard", "place",     "allee",
                                         "impasse", "chemin", "square",   "sentier",   "passage",
                                         "residence", "faubourg", "promenade", "esplanade"};
    uint64_t peq[256] = {0};
    int best = 0, ties = 0;
    unsigned best_d = 3;
    for (size_t i = 0; i < sizeof common / sizeof common[0]; i++) {
        size_t tn = strlen(common[i]);
        if ((tn == 3 && (w->n < 2 || w->n > 4)) || (tn > 3 && w->n < 4))
            continue;
        unsigned allowed = tn >= 8 ? 2 : 1, d = s_osa(w->p, w->n, common[i], tn, peq);
        if (d == 0 || d > allowed || d > best_d)
            continue;
        ties = d == best_d ? ties + 1 : 0;
        best_d = d;
        s_word_t t = {common[i], tn};
        best = s_type_index(&t);
    }
    return ties ? 0 : best;
}

/* ---- Normalising ---------------------------------------------------------------------------- */

static void s_join(const s_word_t *w, size_t nw, int typed, streets_norm_t *out)
{
    size_t len = 0;
    out->core = 0;
    for (size_t i = 0; i < nw && len + (i > 0) + w[i].n < sizeof out->text; i++) {
        if (i > 0)
            out->text[len++] = ' ';
        if (i == 1 && typed)
            out->core = len;
        memcpy(out->text + len, w[i].p, w[i].n);
        len += w[i].n;
    }
    out->text[len] = '\0';
    out->len = len;
    if (typed && out->core == 0) { /* the name after the type did not fit: compare the whole */
        out->type = 0;
        out->guessed = 0;
    }
}

void streets_normalize(const char *text, size_t len, int guess, streets_norm_t *out)
{
    char folded[STREETS_NORM_CAP];
    s_word_t w[S_WORDS_MAX];
    size_t nw = s_words_of(text, len, folded, sizeof folded, w);
    /* articles first, so that none stands between a number and the type word: a second pass
     * over the result finds nothing more to do */
    nw = s_drop_articles(w, nw);
    size_t skip = s_number_words(w, nw);
    nw -= skip;
    memmove(w, w + skip, nw * sizeof *w);
    if (nw > 0)
        s_expand(&w[0], s_type_abbrevs, sizeof s_type_abbrevs / sizeof s_type_abbrevs[0]);
    for (size_t i = 0; i < nw; i++)
        s_expand(&w[i], s_title_abbrevs, sizeof s_title_abbrevs / sizeof s_title_abbrevs[0]);
    out->type = nw >= 2 ? s_type_index(&w[0]) : 0;
    out->guessed = 0;
    if (guess && nw >= 2 && !out->type && (out->type = s_guess_type(&w[0])) != 0) {
        out->guessed = 1;
        w[0] = (s_word_t){s_types[out->type - 1], strlen(s_types[out->type - 1])};
    }
    s_join(w, nw, out->type != 0, out);
}

int relais_streets_normalize(const char *text, char *out, size_t cap)
{
    if (!text || !out)
        return relais_status_set(RELAIS_E_INVALID, "no text or no room to normalise into");
    size_t len = strlen(text);
    if (len > RELAIS_STREETS_NAME_MAX)
        return relais_status_set(RELAIS_E_INVALID, "a street typed is at most %u bytes long; this one is %zu",
                                 RELAIS_STREETS_NAME_MAX, len);
    streets_norm_t n;
    streets_normalize(text, len, 1, &n);
    if (n.len >= cap)
        return relais_status_set(RELAIS_E_INVALID, "the normalised text needs %zu bytes; room for %zu", n.len + 1,
                                 cap);
    memcpy(out, n.text, n.len + 1);
    return RELAIS_OK;
}

/* ---- Scoring a street ------------------------------------------------------------------------ */

#define S_SCORE_WORDS 16 /* words of a name compared one by one; the rest only count as length */

/* What is typed, ready to compare with every street. */
typedef struct {
    streets_norm_t norm;           /* the normalised text */
    streets_norm_t plain;          /* the same without a guessed type: what an exact match compares */
    const char *core;              /* the name after the type word, in norm */
    size_t core_n;                 /* its length */
    s_word_t words[S_SCORE_WORDS]; /* the name's words */
    size_t nw;                     /* how many */
    size_t weight;                 /* the letters of those words */
    uint64_t peq[256];             /* s_osa's table, all zero between comparisons */
} s_query_t;

static size_t s_split(const char *s, size_t n, s_word_t *w, size_t max)
{
    size_t nw = 0, start = 0;
    for (size_t i = 0; i <= n && nw < max; i++)
        if (i == n || s[i] == ' ') {
            if (i > start)
                w[nw++] = (s_word_t){s + start, i - start};
            start = i + 1;
        }
    return nw;
}

static size_t s_weight(const s_word_t *w, size_t nw)
{
    size_t n = 0;
    for (size_t i = 0; i < nw; i++)
        n += w[i].n;
    return n;
}

/* How well the typed words cover the name's and the name's the typed ones, each word weighted by
 * its length: the harmonic mean of both, 0..1. "perrin" finds "jean perrin" by one side only. */
static double s_words_closeness(s_query_t *q, const s_word_t *sw, size_t snw)
{
    double best_s[S_SCORE_WORDS] = {0}, typed = 0, named = 0;
    size_t sweight = s_weight(sw, snw);
    if (q->weight == 0 || sweight == 0)
        return 0.0;
    for (size_t i = 0; i < q->nw; i++) {
        double best = 0;
        for (size_t j = 0; j < snw; j++) {
            /* a pair that improves neither word's best changes nothing */
            double c = s_word_closeness(&q->words[i], &sw[j], best < best_s[j] ? best : best_s[j], q->peq);
            best = c > best ? c : best;
            best_s[j] = c > best_s[j] ? c : best_s[j];
        }
        typed += best * (double)q->words[i].n;
    }
    for (size_t j = 0; j < snw; j++)
        named += best_s[j] * (double)sw[j].n;
    typed /= (double)q->weight;
    named /= (double)sweight;
    return typed + named > 0 ? 2 * typed * named / (typed + named) : 0.0;
}

/* 0..899 for a street that is not the text; _UNTYPED or _OTHER_TYPE for its name alone. `kth`:
 * the score a street must beat to be kept (0 while there is room): the comparisons that could
 * not reach it are cut short, and the score is then anything not above it. */
static unsigned s_score(s_query_t *q, const streets_street_t *s, unsigned kth)
{
    const char *core = s->norm + s->core;
    size_t core_n = (size_t)s->norm_len - s->core;
    if (q->core_n == core_n && memcmp(q->core, core, core_n) == 0)
        return q->norm.type == 0 || (q->norm.guessed && q->norm.type == s->type) ? RELAIS_STREETS_SCORE_UNTYPED
                                                                                  : RELAIS_STREETS_SCORE_OTHER_TYPE;
    /* a missing type may be the street's; a different one is more likely another street */
    double factor = q->norm.type == s->type ? (q->norm.guessed ? 0.97 : 1.0) : q->norm.type == 0 ? 0.95 : 0.85;
    double scale = factor * (RELAIS_STREETS_SCORE_OTHER_TYPE - 1), need = kth ? ((double)kth - 0.5) / scale : 0.0;
    s_word_t sw[S_SCORE_WORDS];
    size_t snw = s_split(core, core_n, sw, S_SCORE_WORDS);
    double best = s_words_closeness(q, sw, snw), c;
    /* the whole names: a word cut in two or glued to the next ("bourgla reine") */
    if ((c = s_closeness(q->core, q->core_n, core, core_n, best > need ? best : need, q->peq)) > best)
        best = c;
    /* typed without a recognised type: the whole text may hold the type, misspelt or glued */
    if (q->norm.type == 0 && s->type != 0 &&
        (c = s_closeness(q->norm.text, q->norm.len, s->norm, s->norm_len, best > need ? best : need, q->peq)) > best)
        best = c;
    double score = best * scale;
    return score > 0 ? (unsigned)(score + 0.5) : 0;
}

/* Inserts (index, score) into the best-first out[0..*n) of room max; equal scores keep the list's order. */
static void s_keep(relais_streets_match_t *out, size_t max, size_t *n, size_t index, unsigned score)
{
    if (max == 0 || score == 0 || (*n == max && out[max - 1].score >= score))
        return;
    size_t at = *n < max ? *n : max - 1;
    while (at > 0 && out[at - 1].score < score) {
        out[at] = out[at - 1];
        at--;
    }
    out[at] = (relais_streets_match_t){index, score};
    if (*n < max)
        (*n)++;
}

/* Keeps the suggestions worth showing: those as good as the same name when the best is one
 * (then "houdan" gives "Rue Houdan" alone), else those within 2/3 of the best. */
static size_t s_trim(const relais_streets_match_t *out, size_t n)
{
    if (n == 0)
        return 0;
    unsigned best = out[0].score, floor = best >= RELAIS_STREETS_SCORE_OTHER_TYPE ? RELAIS_STREETS_SCORE_OTHER_TYPE
                                                                                  : (2 * best + 2) / 3;
    size_t kept = 1;
    while (kept < n && out[kept].score >= floor)
        kept++;
    return kept;
}

/* ---- The sentence ---------------------------------------------------------------------------- */

#define S_SENTENCE_CAP 2048 /* the text typed and five names with their communes */

typedef struct {
    char *buf;  /* the sentence so far */
    size_t cap; /* room in buf */
    size_t len; /* what is written, or would have been */
} s_text_t;

__attribute__((format(printf, 2, 3))) static void s_add(s_text_t *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->buf + (t->len < t->cap ? t->len : t->cap - 1), t->len < t->cap ? t->cap - t->len : 1, fmt,
                      ap);
    va_end(ap);
    if (n > 0)
        t->len += (size_t)n;
}

static void s_add_names(s_text_t *t, const relais_streets_t *list, const relais_streets_match_t *m, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const streets_street_t *s = &list->items[m[i].index];
        s_add(t, "%s%s", i ? ", " : "", s->name);
        if (list->several_communes)
            s_add(t, " (%s)", s->commune);
    }
}

static void s_sentence(const relais_streets_t *list, const char *text, const relais_streets_match_t *m, size_t n,
                       size_t exact, char *buf, size_t cap)
{
    s_text_t t = {buf, cap, 0};
    buf[0] = '\0';
    if (exact > 1) {
        s_add(&t, "%zu streets of the town's list are called \"%s\": ", exact, text);
        s_add_names(&t, list, m, n);
        return;
    }
    s_add(&t, "no street of the town's list is called \"%s\"", text);
    if (n) {
        s_add(&t, "; closest: ");
        s_add_names(&t, list, m, n);
    } else {
        s_add(&t, list->count ? ", nor anything close to it" : ": the list is empty");
    }
}

/* ---- Matching -------------------------------------------------------------------------------- */

static int s_prepare(const char *text, s_query_t *q)
{
    size_t len = strlen(text);
    if (len > RELAIS_STREETS_NAME_MAX)
        return relais_status_set(RELAIS_E_INVALID, "a street typed is at most %u bytes long; this one is %zu",
                                 RELAIS_STREETS_NAME_MAX, len);
    streets_normalize(text, len, 1, &q->norm);
    if (q->norm.guessed)
        streets_normalize(text, len, 0, &q->plain);
    if (q->norm.len == 0)
        return relais_status_set(RELAIS_E_INVALID, "\"%s\" names no street: no letter or digit in it", text);
    q->core = q->norm.text + q->norm.core;
    q->core_n = q->norm.len - q->norm.core;
    q->nw = s_split(q->core, q->core_n, q->words, S_SCORE_WORDS);
    q->weight = s_weight(q->words, q->nw);
    memset(q->peq, 0, sizeof q->peq);
    return RELAIS_OK;
}

/* relais_streets_match, with the sentence into why (room S_SENTENCE_CAP). */
static int s_match(const relais_streets_t *list, const char *text, relais_streets_match_t *out, size_t max, size_t *n,
                   char *why)
{
    *n = 0;
    why[0] = '\0';
    s_query_t q;
    int rc = s_prepare(text, &q);
    if (rc) {
        snprintf(why, S_SENTENCE_CAP, "%s", relais_status_detail());
        return rc;
    }
    /* "xue houdan" is a typo of Rue Houdan, unless a street is called so */
    const streets_norm_t *plain = q.norm.guessed ? &q.plain : &q.norm;
    size_t exact = 0;
    for (size_t i = 0; i < list->count; i++) {
        const streets_street_t *s = &list->items[i];
        if (s->norm_len == plain->len && memcmp(s->norm, plain->text, plain->len) == 0) {
            if (exact++ < max)
                out[(*n)++] = (relais_streets_match_t){i, RELAIS_STREETS_SCORE_EXACT};
        }
    }
    if (exact == 1)
        return RELAIS_OK;
    if (exact == 0) {
        for (size_t i = 0; i < list->count; i++)
            s_keep(out, max, n, i, s_score(&q, &list->items[i], max && *n == max ? out[max - 1].score : 0));
        *n = s_trim(out, *n);
    }
    s_sentence(list, text, out, *n, exact, why, S_SENTENCE_CAP);
    return relais_status_set(RELAIS_E_NOT_FOUND, "%s", why);
}

int relais_streets_match(const relais_streets_t *list, const char *text, relais_streets_match_t *out, size_t max,
                         size_t *n)
{
    if (!list || !text || !n || (max && !out)) {
        if (n)
            *n = 0;
        return relais_status_set(RELAIS_E_INVALID, "relais_streets_match needs a list, a text and room for answers");
    }
    char why[S_SENTENCE_CAP];
    return s_match(list, text, out, max, n, why);
}

int relais_streets_resolve(const relais_streets_t *list, const char *text, char *out, size_t cap, char *why,
                           size_t why_cap)
{
    if (why && why_cap)
        why[0] = '\0';
    if (!list || !text || !out || cap == 0)
        return relais_status_set(RELAIS_E_INVALID, "relais_streets_resolve needs a list, a text and room for the name");
    relais_streets_match_t m[RELAIS_STREETS_SUGGESTIONS];
    size_t n = 0;
    char sentence[S_SENTENCE_CAP];
    int rc = s_match(list, text, m, RELAIS_STREETS_SUGGESTIONS, &n, sentence);
    if (rc == RELAIS_OK) {
        const char *name = list->items[m[0].index].name;
        size_t len = strlen(name);
        if (len >= cap)
            return relais_status_set(RELAIS_E_INVALID, "the street's name needs %zu bytes; room for %zu", len + 1, cap);
        memcpy(out, name, len + 1);
        return RELAIS_OK;
    }
    out[0] = '\0';
    if (why && why_cap)
        snprintf(why, why_cap, "%s", sentence);
    return rc;
}
