/* bench_matcher.c -- relais-bench --matcher: what the likely-duplicate search costs a referral that opens a case.
 *
 * When a referral opens a new case, the hub looks the child up in the blocking index (keyed
 * hashes of the birth date and of a phonetic key of a name), opens the names each case found
 * there was filed with (sealed under that case's key) and compares them (cases/replay.c,
 * store/store_blocks.c). This mode fills a store of its own, sealed as relaisd seals it, with N
 * children referred through the writer's own path (the case rules, the seal, the append, the
 * case index, the partner's reference), then times that search alone
 * (relais_cases_batch_duplicates) for new referrals: half close variants of children already
 * in the store, half new children.
 *
 * The children are drawn from built-in lists of French family and given names with a fixed
 * seed, so that the same N makes the same store: a kept --dir is reused as it stands.
 */
#define _GNU_SOURCE
#include "bench.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <sodium.h>

#include "relais_cases.h"
#include "relais_keys.h"
#include "relais_proto.h"
#include "relais_store.h"

#define S_SEED 0x7e1a15c0ffee2026ull /* the children: the same N, the same store */
#define S_PROBE_SEED 0x0b5e7fe11e5ull /* the timed referrals */
#define S_AGENTS 4                    /* the referring partners */
#define S_FILL_BATCH 5000             /* referrals per synced commit of the fill */
#define S_SECOND_SHARE 0.10           /* children referred a second time, written otherwise */
#define S_SECOND_DELAY 20000          /* ... within this many referrals of the first */
#define S_COMPOUND_SHARE 0.04         /* children with a compound family name */
#define S_GIVEN_MAX 4                 /* given names a child is written with, at most */
#define S_NONE 0xffff                 /* no second part of the family name */
#define S_PROBE_ID_BASE (1ull << 40)  /* the timed referrals' message ids: never the fill's */

/* ---- Names ------------------------------------------------------------------------------- */

/* Family names common in France, most common first (a town's classes: French, Breton,
 * Alsatian, Reunionese, Maghrebi, West African, Portuguese, Italian, Turkish, Vietnamese...). */
static const char *const s_family[] = {
    "Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau", "Laurent",
    "Simon", "Michel", "Lefebvre", "Leroy", "Roux", "David", "Bertrand", "Morel", "Fournier", "Girard",
    "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Vincent", "Muller", "Lefèvre", "Faure", "André",
    "Mercier", "Blanc", "Guérin", "Boyer", "Garnier", "Chevalier", "François", "Legrand", "Gauthier", "Garcia",
    "Perrin", "Robin", "Clément", "Morin", "Nicolas", "Henry", "Roussel", "Mathieu", "Gautier", "Masson",
    "Marchand", "Duval", "Denis", "Dumont", "Marie", "Lemaire", "Noël", "Meyer", "Dufour", "Meunier",
    "Brun", "Blanchard", "Giraud", "Joly", "Rivière", "Lucas", "Brunet", "Gaillard", "Barbier", "Arnaud",
    "Martinez", "Gérard", "Roche", "Renard", "Schmitt", "Roy", "Leroux", "Colin", "Vidal", "Caron",
    "Picard", "Roger", "Fabre", "Aubert", "Lemoine", "Renaud", "Dumas", "Lacroix", "Olivier", "Philippe",
    "Bourgeois", "Pierre", "Benoît", "Rey", "Leclerc", "Payet", "Rolland", "Leclercq", "Guillaume", "Lecomte",
    "Lopez", "Jean", "Dupuy", "Guillot", "Hubert", "Berger", "Carpentier", "Sanchez", "Dupuis", "Moulin",
    "Louis", "Deschamps", "Huet", "Vasseur", "Perez", "Boucher", "Fleury", "Royer", "Klein", "Jacquet",
    "Adam", "Paris", "Poirier", "Marty", "Aubry", "Guyot", "Carré", "Charles", "Renault", "Charpentier",
    "Ménard", "Maillard", "Baron", "Bertin", "Bailly", "Hervé", "Schneider", "Fernandez", "Le Gall", "Collet",
    "Léger", "Bouvier", "Julien", "Prévost", "Millet", "Perrot", "Daniel", "Le Roux", "Cousin", "Germain",
    "Breton", "Besson", "Langlois", "Rémy", "Le Goff", "Pelletier", "Lévêque", "Perrier", "Leblanc", "Barré",
    "Lebrun", "Marchal", "Weber", "Mallet", "Hamon", "Boulanger", "Jacob", "Monnier", "Michaud", "Rodriguez",
    "Guichard", "Gillet", "Étienne", "Grondin", "Poulain", "Tessier", "Chevallier", "Collin", "Chauvin", "Da Silva",
    "Bouchet", "Gay", "Lemaître", "Bénard", "Maréchal", "Humbert", "Reynaud", "Antoine", "Hoarau", "Perret",
    "Barthélemy", "Cordier", "Pichon", "Lejeune", "Gilbert", "Lamy", "Delaunay", "Pasquier", "Carlier", "Laporte",
    "Gomez", "Dos Santos", "Benali", "Kaci", "Haddad", "Mansour", "Belkacem", "Bouzid", "Benaissa", "Saidi",
    "Hamidi", "Cherif", "Brahimi", "Meziane", "Amrani", "El Amrani", "Bensaid", "Ziani", "Khelifi", "Boudjema",
    "Traoré", "Diallo", "Diop", "N'Diaye", "Camara", "Sow", "Koné", "Cissé", "Touré", "Sylla",
    "Fofana", "Keita", "Coulibaly", "Konaté", "Doumbia", "Sissoko", "Kanté", "Diarra", "Mbappé", "Nguyen",
    "Tran", "Pham", "Hoang", "Vo", "Ferreira", "Pereira", "Rodrigues", "Fernandes", "Gonçalves", "Lopes",
    "Martins", "Oliveira", "Costa", "Moreira", "Mendes", "Ribeiro", "Teixeira", "Carvalho", "Yilmaz", "Kaya",
    "Demir", "Çelik", "Öztürk", "Aydin", "Cohen", "Lévy", "Dahan", "Benhamou", "Kowalski", "Nowak",
    "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco",
    "Bruno", "Gallo", "Conti", "De Luca", "Costes", "Delorme", "Guillon", "Rigaud", "Tanguy", "Le Bihan",
    "Kerjean", "Le Floch", "Quéré", "Morvan", "Le Corre", "Riou", "Guivarc'h", "Jaouen", "Cadiou", "Le Meur",
    "Schaeffer", "Wagner", "Fischer", "Hoffmann", "Becker", "Koch", "Richter", "Zimmermann", "Kieffer", "Heitz",
    "Fontana", "Vial", "Chabert", "Brunel", "Bonnard", "Magnin", "Arnoux", "Ravel", "Pons", "Ferrand",
    "Tournier", "Bouvet", "Bourdon", "Valentin", "Delmas", "Lacombe", "Lagarde", "Lafont", "Granger", "Hardy",
    "Barre", "Laine", "Lebon", "Navarro", "Ortega", "Ramos", "Torres", "Moreno", "Jimenez", "Alvarez",
    "Romero", "Rubio", "Marin", "Delattre", "Deprez", "Vandamme", "Decock", "Dewulf", "Verbeke", "Maes",
    "Courtois", "Poulet", "Hamel", "Lebreton", "Besnard", "Lemonnier", "Levasseur", "Leconte", "Gosselin", "Guérard",
    "Hamadi", "Toumi", "Mekki", "Ouali", "Bouaziz", "Jebali", "Trabelsi", "Gharbi", "Ayari", "Sassi",
};

/* Given names of children born in France from 2008 on. */
static const char *const s_given[] = {
    "Gabriel", "Léo", "Raphaël", "Arthur", "Louis", "Jules", "Adam", "Maël", "Lucas", "Hugo",
    "Noah", "Liam", "Gabin", "Sacha", "Paul", "Nathan", "Aaron", "Mohamed", "Ethan", "Tom",
    "Éden", "Léon", "Noé", "Tiago", "Théo", "Isaac", "Marius", "Victor", "Ayden", "Martin",
    "Naël", "Mathis", "Axel", "Robin", "Timéo", "Enzo", "Marceau", "Valentin", "Nino", "Eliott",
    "Nolan", "Malo", "Milo", "Antoine", "Samuel", "Augustin", "Amir", "Lyam", "Rayan", "Yanis",
    "Ibrahim", "Gaspard", "Sohan", "Clément", "Baptiste", "Simon", "Maxence", "Imran", "Kaïs", "Noam",
    "Mathéo", "Évan", "Thomas", "Alexandre", "Maxime", "Clovis", "Ilyes", "Youssef", "Oscar", "Côme",
    "Lenny", "Adrien", "Kylian", "Mathias", "Ismaël", "Soan", "Charly", "Karim", "Mehdi", "Bilal",
    "Moussa", "Mamadou", "Ali", "Omar", "Elias", "Tristan", "Quentin", "Benjamin", "Julien", "Romain",
    "Bastien", "Florian", "Kevin", "Dylan", "Alexis", "Killian", "Loïc", "Erwan", "Yann", "Matteo",
    "Jade", "Louise", "Emma", "Ambre", "Alice", "Rose", "Anna", "Alba", "Romy", "Mia",
    "Lina", "Léa", "Chloé", "Mila", "Julia", "Iris", "Agathe", "Inès", "Léna", "Juliette",
    "Zoé", "Lou", "Manon", "Léonie", "Adèle", "Jeanne", "Nina", "Eva", "Sarah", "Lucie",
    "Charlotte", "Victoire", "Margaux", "Olivia", "Lya", "Capucine", "Louna", "Romane", "Giulia", "Luna",
    "Elena", "Héloïse", "Gabrielle", "Clémence", "Valentine", "Maëlys", "Margot", "Lola", "Nour", "Lana",
    "Océane", "Camille", "Mélina", "Hanna", "Maya", "Aya", "Salomé", "Lyna", "Clara", "Yasmine",
    "Assia", "Maryam", "Fatoumata", "Aïcha", "Kenza", "Sofia", "Anaïs", "Laura", "Pauline", "Marie",
    "Mathilde", "Emy", "Lise", "Apolline", "Constance", "Joséphine", "Thaïs", "Éloïse", "Célia", "Elsa",
    "Noémie", "Justine", "Lisa", "Axelle", "Amandine", "Sana", "Imane", "Meryem", "Awa", "Mariam",
    "Thi Lan", "Linh", "Ana", "Beatriz", "Elif", "Zeynep", "Alicia", "Nora", "Emmy", "Suzanne",
};

#define S_FAMILY_COUNT (sizeof s_family / sizeof s_family[0])
#define S_GIVEN_COUNT (sizeof s_given / sizeof s_given[0])

/* The referring partners, one identity each (bench-agent-0 .. 3). */
static const struct {
    const char *organisation, *role;
} s_partners[S_AGENTS] = {
    {"Ecole Jean Jaures", "SCHOOL_HEAD"},
    {"PMI Les Blagis", "PMI"},
    {"CMP Sceaux", "CMP"},
    {"Service Jeunesse", "MUNICIPAL_YOUTH"},
};

/* ---- Children ---------------------------------------------------------------------------- */

/* How a child's second referral, or a timed close variant, writes it. */
typedef enum {
    S_AS_IS = 0,
    S_EXTRA_GIVEN, /* a given name more (one fewer when it has S_GIVEN_MAX - 1 already) */
    S_ACCENTS,     /* accents dropped, family name in capitals: the same child key, it attaches */
    S_SWAPPED,     /* family and first given name swapped */
    S_TYPO,        /* two neighbour letters swapped in the family name (the given name when short) */
    S_SHORTENED,   /* a compound family name cut to its first part */
} s_variant_t;

typedef struct {
    uint16_t family[2]; /* family name; [1] the second part of a compound name, or S_NONE */
    uint8_t given[S_GIVEN_MAX - 1];
    uint8_t given_count;
    uint8_t second;     /* S_AS_IS: referred once; else how its second referral writes it */
    uint16_t day;       /* birth date: days after 2008-01-01 */
} s_child_t;

typedef struct {
    s_child_t *children;  /* the store's children */
    uint64_t n;
    uint64_t *events;     /* the fill's order: (position << 33) | (second referral << 32) | child */
    uint64_t event_count;
    double family_cdf[S_FAMILY_COUNT]; /* cumulative weights of the draws */
    double given_cdf[S_GIVEN_COUNT];
    uint32_t days;        /* birth dates drawn from 2008-01-01 on, this many days */
} s_world_t;

/* A child as one referral writes it. */
typedef struct {
    char family[160];
    char given[S_GIVEN_MAX][160]; /* room for a family name: swapped names put one here */
    size_t given_count;
    char birth[16];
} s_names_t;

static uint64_t s_splitmix(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double s_uniform(uint64_t *state)
{
    return (double)(s_splitmix(state) >> 11) / 9007199254740992.0;
}

/* Names are not equally common: weight 1 / (rank + offset), a town's mild skew (the most
 * common family name about 1 % of the children, the rarest 0.1 %). */
static void s_cdf(double *cdf, size_t n, double offset)
{
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        cdf[i] = (sum += 1.0 / ((double)i + offset));
    for (size_t i = 0; i < n; i++)
        cdf[i] /= sum;
}

static size_t s_pick(const double *cdf, size_t n, uint64_t *state)
{
    double u = s_uniform(state);
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cdf[mid] < u)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void s_draw(const s_world_t *w, uint64_t *rng, s_child_t *c)
{
    memset(c, 0, sizeof *c);
    c->family[0] = (uint16_t)s_pick(w->family_cdf, S_FAMILY_COUNT, rng);
    c->family[1] = S_NONE;
    if (s_uniform(rng) < S_COMPOUND_SHARE) {
        size_t other = s_pick(w->family_cdf, S_FAMILY_COUNT, rng);
        if (other != c->family[0])
            c->family[1] = (uint16_t)other;
    }
    /* Most referrals give the first given name only; some give two or three. */
    double u = s_uniform(rng);
    c->given_count = u < 0.70 ? 1 : u < 0.95 ? 2 : 3;
    for (uint8_t i = 0; i < c->given_count; i++)
        c->given[i] = (uint8_t)s_pick(w->given_cdf, S_GIVEN_COUNT, rng);
    c->day = (uint16_t)(s_splitmix(rng) % w->days);
}

/* A close variant the hub should flag (never S_ACCENTS, whose child key is the same). */
static s_variant_t s_close_kind(const s_child_t *c, uint64_t *rng)
{
    static const s_variant_t kinds[] = {S_EXTRA_GIVEN, S_SWAPPED, S_TYPO, S_SHORTENED};
    s_variant_t v = kinds[s_splitmix(rng) % 4];
    return v == S_SHORTENED && c->family[1] == S_NONE ? S_EXTRA_GIVEN : v;
}

/* A second referral: most often the accents or case differ (the same key), else a close variant. */
static s_variant_t s_second_kind(const s_child_t *c, uint64_t *rng)
{
    return s_uniform(rng) < 0.3 ? S_ACCENTS : s_close_kind(c, rng);
}

static int s_cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void s_world_free(s_world_t *w)
{
    free(w->children);
    free(w->events);
    memset(w, 0, sizeof *w);
}

/* The N children and the order of their referrals: each child's first in turn, a second one
 * for S_SECOND_SHARE of them a little later (another partner, who writes the child otherwise). */
static int s_world_make(uint64_t n, s_world_t *w)
{
    memset(w, 0, sizeof *w);
    s_cdf(w->family_cdf, S_FAMILY_COUNT, 50);
    s_cdf(w->given_cdf, S_GIVEN_COUNT, 20);
    /* Up to the end of last month: the hub refuses a birth date in the future, and children
     * of more than 18 (those of early 2008 are 18 now). */
    time_t now = time(NULL);
    struct tm today;
    gmtime_r(&now, &today);
    struct tm first = {.tm_year = 108, .tm_mon = 0, .tm_mday = 1};
    struct tm last = {.tm_year = today.tm_year, .tm_mon = today.tm_mon, .tm_mday = 0};
    w->days = (uint32_t)((timegm(&last) - timegm(&first)) / 86400) + 1;
    if (n > UINT32_MAX || w->days > UINT16_MAX)
        return -1;
    w->n = n;
    w->children = calloc(n ? n : 1, sizeof *w->children);
    w->events = calloc(n ? 2 * n : 1, sizeof *w->events);
    if (!w->children || !w->events) {
        s_world_free(w);
        return -1;
    }
    uint64_t rng = S_SEED;
    for (uint64_t i = 0; i < n; i++) {
        s_child_t *c = &w->children[i];
        s_draw(w, &rng, c);
        w->events[w->event_count++] = i << 33 | i;
        if (s_uniform(&rng) < S_SECOND_SHARE) {
            c->second = (uint8_t)s_second_kind(c, &rng);
            uint64_t at = i + 1 + s_splitmix(&rng) % S_SECOND_DELAY;
            w->events[w->event_count++] = (at < n ? at : n) << 33 | 1ull << 32 | i;
        }
    }
    qsort(w->events, w->event_count, sizeof *w->events, s_cmp_u64);
    return 0;
}

/* Latin-1 letters of a UTF-8 name folded to ASCII, as a partner's older system writes them. */
static void s_fold(const char *in, char *out, size_t cap)
{
    /* U+00C0 to U+00FF, the second byte of their UTF-8 less 0x80 */
    static const char map[] = "AAAAAAACEEEEIIIIDNOOOOOxOUUUUYTsaaaaaaaceeeeiiiidnooooo/ouuuuyty";
    size_t at = 0;
    for (const unsigned char *p = (const unsigned char *)in; *p && at + 1 < cap; p++) {
        if (p[0] == 0xc3 && p[1] >= 0x80 && p[1] <= 0xbf) {
            out[at++] = map[p[1] - 0x80];
            p++;
        } else if (p[0] == 0xc5 && (p[1] == 0x9e || p[1] == 0x9f)) {
            out[at++] = p[1] == 0x9e ? 'S' : 's';
            p++;
        } else {
            out[at++] = (char)*p;
        }
    }
    out[at] = '\0';
}

/* Two neighbour ASCII letters swapped, past the first letter (a typist's slip); 0 when the
 * name has no such pair. */
static int s_typo(char *name, uint64_t salt)
{
    size_t spots[64], count = 0;
    for (size_t i = 1; name[i] && name[i + 1] && count < 64; i++)
        if (name[i] >= 'a' && name[i] <= 'z' && name[i + 1] >= 'a' && name[i + 1] <= 'z' && name[i] != name[i + 1])
            spots[count++] = i;
    if (count == 0)
        return 0;
    size_t i = spots[salt % count];
    char t = name[i];
    name[i] = name[i + 1];
    name[i + 1] = t;
    return 1;
}

static void s_render(const s_child_t *c, s_variant_t v, uint64_t salt, s_names_t *out)
{
    memset(out, 0, sizeof *out);
    if (c->family[1] != S_NONE && v != S_SHORTENED)
        snprintf(out->family, sizeof out->family, "%s-%s", s_family[c->family[0]], s_family[c->family[1]]);
    else
        snprintf(out->family, sizeof out->family, "%s", s_family[c->family[0]]);
    for (uint8_t i = 0; i < c->given_count; i++)
        snprintf(out->given[out->given_count++], sizeof out->given[0], "%s", s_given[c->given[i]]);
    time_t t = (time_t)(1199145600 + (int64_t)c->day * 86400); /* 2008-01-01 UTC */
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out->birth, sizeof out->birth, "%Y-%m-%d", &tm);
    if (v == S_EXTRA_GIVEN && out->given_count < S_GIVEN_MAX - 1) {
        size_t extra = (c->given[0] + 1 + salt % (S_GIVEN_COUNT - 1)) % S_GIVEN_COUNT;
        snprintf(out->given[out->given_count++], sizeof out->given[0], "%s", s_given[extra]);
    } else if (v == S_EXTRA_GIVEN) {
        out->given_count--; /* three given names: the other partner writes two */
    } else if (v == S_ACCENTS) {
        char folded[sizeof out->family];
        s_fold(out->family, folded, sizeof folded);
        for (char *p = folded; *p; p++)
            *p = *p >= 'a' && *p <= 'z' ? (char)(*p - 'a' + 'A') : *p;
        snprintf(out->family, sizeof out->family, "%s", folded);
        for (size_t i = 0; i < out->given_count; i++) {
            char g[sizeof out->given[0]];
            s_fold(out->given[i], g, sizeof g);
            snprintf(out->given[i], sizeof out->given[i], "%s", g);
        }
    } else if (v == S_SWAPPED) {
        char family[sizeof out->family];
        snprintf(family, sizeof family, "%s", out->family);
        snprintf(out->family, sizeof out->family, "%s", out->given[0]);
        snprintf(out->given[0], sizeof out->given[0], "%s", family);
    } else if (v == S_TYPO) {
        if (strlen(out->family) < 5 || !s_typo(out->family, salt))
            s_typo(out->given[0], salt);
    }
}

/* ---- Referral messages -------------------------------------------------------------------- */

static int s_append_text(char *out, size_t cap, size_t *at, const char *text)
{
    int n = snprintf(out + *at, cap - *at, "%s", text);
    if (n < 0 || (size_t)n >= cap - *at)
        return -1;
    *at += (size_t)n;
    return 0;
}

/* The referral's JSON payload, as a partner's tool sends it (the fields of the bench's own). */
static int s_json(const s_names_t *nm, int agent, uint64_t ref_no, int64_t consent_ms, char *out, size_t cap)
{
    char given[512];
    size_t at = 0;
    for (size_t i = 0; i < nm->given_count; i++)
        if (s_append_text(given, sizeof given, &at, i ? ",\"" : "\"") != 0 ||
            s_append_text(given, sizeof given, &at, nm->given[i]) != 0 ||
            s_append_text(given, sizeof given, &at, "\"") != 0)
            return -1;
    given[at] = '\0';
    int n = snprintf(out, cap,
                     "{\"referral\":{\"external_ref\":\"RB-%010" PRIu64 "\",\"referrer\":{\"organisation\":\"%s\","
                     "\"role\":\"%s\",\"name\":\"M. Bench\",\"contact\":\"01 99 00 00 00\"},\"child\":{"
                     "\"family_name\":\"%s\",\"given_names\":[%s],\"birth_date\":\"%s\",\"school\":\"Ecole "
                     "Jean Jaures\",\"class_name\":\"CM1\"},\"domains\":[\"EDUCATIONAL\"],\"description\":\"Absences "
                     "repetees, la famille demande un soutien.\",\"urgency\":\"ROUTINE\",\"consent\":{"
                     "\"recorded_by\":\"M. Bench\",\"recorded_ms\":%lld}}}",
                     ref_no, s_partners[agent].organisation, s_partners[agent].role, nm->family, given, nm->birth,
                     (long long)consent_ms);
    return n > 0 && (size_t)n < cap ? 0 : -1;
}

/* The message id: its creation time first, as librelais makes them, then the index. */
static void s_msg_id(int64_t created_ms, uint64_t index, uint8_t id[16])
{
    relais_msg_id_stamp(id, created_ms);
    for (int i = 0; i < 8; i++)
        id[8 + i] = (uint8_t)(index >> (56 - 8 * i));
    id[6] = 0xbe;
    id[7] = 0x4c;
}

/* A referral's Message body, as relais_message_from_json makes it for a partner's tool. */
static int s_body(const s_names_t *nm, int agent, uint64_t index, int64_t created_ms, const char *sender,
                  uint8_t **body, size_t *body_len)
{
    char json[2048];
    uint8_t id[16];
    s_msg_id(created_ms, index, id);
    if (s_json(nm, agent, index, created_ms - 86400 * 1000, json, sizeof json) != 0)
        return relais_status_set(RELAIS_E_INVALID, "a referral's JSON does not fit");
    return relais_message_from_json(json, strlen(json), sender, id, created_ms, body, body_len);
}

/* ---- The fill ----------------------------------------------------------------------------- */

/* One referral of a batch, made as a partner and the hub's verifier would: signed, encoded,
 * decoded back, its child key and its reference's key derived. */
typedef struct {
    uint8_t *sm;               /* the SignedMessage */
    size_t sm_len;
    relais_message_t *msg;     /* decoded from the SignedMessage */
    uint8_t key[32];           /* child key */
    uint8_t ref[32];           /* the partner's reference's key */
    uint8_t content[32];       /* what the reference says (the payload's hash) */
} s_made_t;

typedef struct {
    const s_world_t *w;
    const bench_ids_t *ids;
    relais_store_t *store;
    relais_keyring_t *ring;    /* NULL: a store in clear */
    uint8_t secret[RELAIS_CASES_SECRET_SIZE];
    int64_t now_ms;            /* creation and receive time */
    uint64_t first;            /* event of made[0] */
    s_made_t *made;            /* S_FILL_BATCH */
    relais_cases_step_t *step; /* the writer's step (large: on the heap) */
    uint64_t opened, attached, flagged; /* what the case rules made of the fill's referrals */
} s_fill_t;

static int s_make_one(void *ctx, size_t i)
{
    s_fill_t *f = ctx;
    s_made_t *m = &f->made[i];
    uint64_t event = f->w->events[f->first + i];
    uint64_t child = event & 0xffffffffull;
    int second = (int)(event >> 32 & 1);
    const s_child_t *c = &f->w->children[child];
    int agent = (int)((child + (uint64_t)second) % S_AGENTS);
    s_names_t nm;
    s_render(c, second ? (s_variant_t)c->second : S_AS_IS, child, &nm);
    const relais_identity_t *id = f->ids->agents[agent];
    uint8_t *body = NULL, sig[RELAIS_SIGNATURE_BYTES];
    size_t body_len = 0;
    int rc = s_body(&nm, agent, f->first + i + 1, f->now_ms, relais_identity_peer(id)->name, &body, &body_len);
    if (rc == 0)
        rc = relais_identity_sign(id, body, body_len, sig);
    if (rc == 0)
        rc = relais_signed_encode(body, body_len, sig, &m->sm, &m->sm_len);
    free(body);
    relais_signed_t sm;
    relais_referral_view_t ref;
    if (rc == 0)
        rc = relais_signed_decode(m->sm, m->sm_len, &sm);
    if (rc == 0)
        rc = relais_message_decode(sm.body, sm.body_len, &m->msg);
    if (rc == 0)
        rc = relais_message_referral(m->msg, &ref);
    if (rc == 0)
        rc = relais_cases_child_key(f->secret, &ref, m->key);
    if (rc == 0)
        rc = relais_cases_ref_key(f->secret, relais_message_sender(m->msg), ref.external_ref, m->ref);
    uint8_t *payload = NULL;
    size_t payload_len = 0;
    if (rc == 0)
        rc = relais_message_payload_pack(m->msg, &payload, &payload_len);
    if (rc == 0 && EVP_Digest(payload, payload_len, m->content, NULL, EVP_sha256(), NULL) != 1)
        rc = RELAIS_E_CRYPTO;
    free(payload);
    if (rc != 0)
        bench_log("error: matcher: referral %" PRIu64 " (%s %s): %s (%s)", f->first + i + 1, nm.given[0], nm.family,
                  relais_strerror(rc), relais_status_detail());
    return rc;
}

static void *s_make_slice(void *arg)
{
    bench_slice_t *slice = arg;
    for (size_t i = slice->from; i < slice->to && !slice->failed; i++)
        slice->failed = s_make_one(slice->ctx, i) != 0;
    return NULL;
}

static void s_made_clear(s_made_t *made, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        relais_message_destroy(&made[i].msg);
        free(made[i].sm);
        made[i].sm = NULL;
    }
}

/* Stores one made referral as the hub's writer does (broker/writer.c, s_apply_case): the case
 * rules decide (and, for a new case, search its likely duplicates), the record is sealed under
 * its case's key (a new case's made now), appended, and the case index and the reference written. */
static int s_store_one(relais_store_batch_t *batch, s_fill_t *f, const s_made_t *m)
{
    relais_cases_step_t *step = f->step;
    uint64_t seq = relais_store_batch_head(batch) + 1;
    int rc = relais_cases_batch_decide(batch, f->secret, m->msg, m->key, seq, f->now_ms, step);
    if (rc == 0 && (!step->about_case || step->status != 0))
        return relais_status_set(RELAIS_E_CORRUPT, "the case rules refuse a fill referral: %s", step->why);
    relais_store_entry_t entry = {.signed_message = m->sm, .signed_len = m->sm_len,
                                  .msg_id = relais_message_id(m->msg), .received_ms = f->now_ms};
    uint8_t nonce[RELAIS_SEAL_NONCE_BYTES], *sealed = NULL;
    relais_store_ack_t ack;
    int create = 0;
    uint64_t key_id = relais_cases_step_key_id(step, &create);
    if (rc == 0 && f->ring)
        rc = relais_keyring_seal_entry(f->ring, batch, key_id, create, seq, &entry, nonce, &sealed);
    if (rc == 0)
        rc = relais_store_batch_append(batch, &entry, &ack);
    free(sealed);
    if (rc == 0 && (ack.status != 0 || ack.duplicate || ack.seq != seq))
        rc = relais_status_set(RELAIS_E_CORRUPT, "fill record %" PRIu64 " was not appended as new", seq);
    if (rc == 0)
        rc = relais_cases_batch_record(batch, step, seq);
    if (rc == 0 && step->has_referral) {
        relais_store_ref_t ref = {.seq = seq, .received_ms = f->now_ms};
        memcpy(ref.content, m->content, sizeof ref.content);
        rc = relais_store_batch_ref_put(batch, m->ref, &ref);
    }
    if (rc == 0 && step->child == RELAIS_CASES_CHILD_LINK) {
        f->opened++;
        f->flagged += step->rec.summary.duplicate_count > 0;
    } else if (rc == 0) {
        f->attached++;
    }
    return rc;
}

/* One synced commit of `n` made referrals. */
static int s_store_batch(s_fill_t *f, size_t n)
{
    relais_store_batch_t *batch = NULL;
    int rc = relais_store_batch_begin(f->store, &batch);
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = s_store_one(batch, f, &f->made[i]);
    if (rc == 0)
        rc = relais_store_batch_commit(&batch);
    else
        relais_store_batch_abort(&batch);
    relais_keyring_settle(f->ring, rc == 0);
    if (rc != 0)
        bench_log("error: matcher: fill: %s (%s)", relais_strerror(rc), relais_status_detail());
    return rc;
}

/* Every referral of the world, in its order, S_FILL_BATCH to a commit. *make_s and *store_s:
 * the wall time of making the messages (every core) and of the store's share (one writer). */
static int s_fill(s_fill_t *f, double *make_s, double *store_s)
{
    int64_t make_ns = 0, store_ns = 0, last_log = bench_now_ns();
    f->made = calloc(S_FILL_BATCH, sizeof *f->made);
    int rc = f->made ? 0 : -1;
    for (uint64_t done = 0; rc == 0 && done < f->w->event_count;) {
        size_t n = f->w->event_count - done < S_FILL_BATCH ? (size_t)(f->w->event_count - done) : S_FILL_BATCH;
        f->first = done;
        int64_t t0 = bench_now_ns();
        rc = bench_parallel(f, n, s_make_slice);
        int64_t t1 = bench_now_ns();
        if (rc == 0)
            rc = s_store_batch(f, n);
        store_ns += bench_now_ns() - t1;
        make_ns += t1 - t0;
        s_made_clear(f->made, n);
        done += n;
        if (rc == 0 && bench_now_ns() - last_log > 10000000000LL) {
            bench_log("matcher: fill %" PRIu64 " / %" PRIu64 " referrals (%" PRIu64 " cases, %" PRIu64 " flagged)",
                      done, f->w->event_count, f->opened, f->flagged);
            last_log = bench_now_ns();
        }
    }
    free(f->made);
    f->made = NULL;
    *make_s = (double)make_ns / 1e9;
    *store_s = (double)store_ns / 1e9;
    return rc;
}

/* ---- The store ---------------------------------------------------------------------------- */

/* Opens (or makes) the store with the hub's child-key secret; sealed under `data_key` as
 * relaisd seals it (the secret kept wrapped in the store, the case index sealed), or in clear
 * when NULL. Indexes behind their log (a fill cut short) are brought up to it. */
static int s_store_open(const char *dir, const char *data_key, uint64_t map_bytes, relais_kek_t **kek, s_fill_t *f,
                        uint64_t *head)
{
    relais_store_options_t so = {.map_size = map_bytes, .read_only = 0};
    int rc = relais_store_open(dir, &so, &f->store);
    if (rc == 0)
        rc = relais_store_head(f->store, head);
    if (rc == 0 && data_key) {
        rc = relais_kek_load(data_key, kek);
        if (rc == 0)
            rc = relais_keyring_new(*kek, &f->ring);
        if (rc == 0)
            rc = relais_cases_secret_load_sealed(f->store, f->ring, *head == 0, f->secret, NULL);
        if (rc == 0)
            relais_cases_seal_store(f->store, f->ring);
    } else if (rc == 0) {
        rc = relais_cases_secret_load(dir, *head == 0, f->secret, NULL);
    }
    if (rc == 0 && *head > 0)
        rc = relais_cases_index_catch_up(f->store, f->ring, f->secret, 0, NULL, NULL, NULL);
    if (rc != 0)
        bench_log("error: matcher: store %s: %s (%s)", dir, relais_strerror(rc), relais_status_detail());
    return rc;
}

/* What the fill made, kept beside the store: a kept --dir reused later still reports it. */
#define S_FILL_NOTE "bench-matcher-fill"

typedef struct {
    uint64_t opened, attached, flagged; /* cases opened, referrals attached, cases flagged */
    double fill_s, make_s, store_s;     /* the fill's wall time, and its two shares */
} s_fill_note_t;

static void s_note_write(const char *dir, const s_fill_note_t *n)
{
    char path[BENCH_PATH_MAX];
    FILE *fp = (size_t)snprintf(path, sizeof path, "%s/%s", dir, S_FILL_NOTE) < sizeof path ? fopen(path, "w") : NULL;
    if (fp) {
        fprintf(fp, "%" PRIu64 " %" PRIu64 " %" PRIu64 " %.3f %.3f %.3f\n", n->opened, n->attached, n->flagged,
                n->fill_s, n->make_s, n->store_s);
        if (fclose(fp) == 0)
            return;
    }
    bench_log("warning: matcher: cannot write %s: a reuse of this store will not know its fill", path);
}

static int s_note_read(const char *dir, s_fill_note_t *n)
{
    char path[BENCH_PATH_MAX];
    FILE *fp = (size_t)snprintf(path, sizeof path, "%s/%s", dir, S_FILL_NOTE) < sizeof path ? fopen(path, "r") : NULL;
    int ok = fp && fscanf(fp, "%" SCNu64 " %" SCNu64 " %" SCNu64 " %lf %lf %lf", &n->opened, &n->attached,
                          &n->flagged, &n->fill_s, &n->make_s, &n->store_s) == 6;
    if (fp)
        fclose(fp);
    return ok ? 0 : -1;
}

/* ---- The timed search --------------------------------------------------------------------- */

typedef struct {
    uint8_t *body;               /* the message's body */
    relais_message_t *msg;       /* what the view points into */
    relais_referral_view_t view; /* the child, as the writer has it */
    int variant;                 /* a close variant of a child in the store (else a new child) */
} s_probe_t;

static void s_probes_free(s_probe_t *p, size_t n)
{
    for (size_t i = 0; p && i < n; i++) {
        relais_message_destroy(&p[i].msg);
        free(p[i].body);
    }
    free(p);
}

/* `m` referrals that would open a case: even ones a close variant of a child drawn from the
 * store, odd ones a new child drawn as the store's were. */
static int s_probes(const s_world_t *w, const bench_ids_t *ids, int64_t now_ms, size_t m, s_probe_t **out)
{
    s_probe_t *p = calloc(m ? m : 1, sizeof *p);
    if (!p)
        return -1;
    uint64_t rng = S_PROBE_SEED;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < m; i++) {
        s_child_t fresh;
        const s_child_t *c = &fresh;
        s_variant_t v = S_AS_IS;
        uint64_t salt = s_splitmix(&rng);
        p[i].variant = i % 2 == 0 && w->n > 0;
        if (p[i].variant) {
            c = &w->children[s_splitmix(&rng) % w->n];
            v = s_close_kind(c, &rng);
        } else {
            s_draw(w, &rng, &fresh);
        }
        s_names_t nm;
        s_render(c, v, salt, &nm);
        int agent = (int)(i % S_AGENTS);
        size_t body_len = 0;
        rc = s_body(&nm, agent, S_PROBE_ID_BASE + i, now_ms, relais_identity_peer(ids->agents[agent])->name,
                    &p[i].body, &body_len);
        if (rc == 0)
            rc = relais_message_decode(p[i].body, body_len, &p[i].msg);
        if (rc == 0)
            rc = relais_message_referral(p[i].msg, &p[i].view);
        if (rc != 0)
            bench_log("error: matcher: timed referral %zu: %s (%s)", i, relais_strerror(rc), relais_status_detail());
    }
    if (rc != 0) {
        s_probes_free(p, m);
        return -1;
    }
    *out = p;
    return 0;
}

static int s_count_one(void *ctx, const char *case_id, const uint8_t *value, size_t len)
{
    (void)case_id;
    (void)value;
    (void)len;
    (*(uint64_t *)ctx)++;
    return 0;
}

/* The cases the search went through: every entry under the blocking keys it looked up (the
 * same scan again, outside the timed call). */
static int s_candidates(relais_store_batch_t *batch, const relais_cases_step_t *step, uint64_t *count)
{
    *count = 0;
    int rc = 0;
    for (size_t k = 0; rc == 0 && k < step->block_count; k++)
        rc = relais_store_batch_block_scan(batch, step->block_keys[k], s_count_one, count);
    return rc;
}

typedef struct {
    int64_t *ns;          /* each call's time */
    uint64_t *candidates; /* each one's candidates scanned */
    uint64_t flagged;     /* referrals with at least one likely duplicate */
    uint64_t found;       /* likely duplicates found, in all */
    uint64_t flagged_variants; /* of the close variants, flagged */
} s_timing_t;

/* Probes a write batch holds: relaisd's default group commit (--batch-max 512). A batch keeps
 * the data keys it read until it ends, so one batch for every probe would time a keyring far
 * fuller than the hub's ever is. */
#define S_PROBES_PER_BATCH 512

/* Times relais_cases_batch_duplicates for each probe inside write batches of the hub's size,
 * each aborted: the store is left as the fill made it. */
static int s_time_probes(s_fill_t *f, const s_probe_t *p, size_t m, s_timing_t *t)
{
    relais_store_batch_t *batch = NULL;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < m; i++) {
        if (i % S_PROBES_PER_BATCH == 0) {
            relais_store_batch_abort(&batch);
            relais_keyring_settle(f->ring, 0);
            rc = relais_store_batch_begin(f->store, &batch);
            if (rc)
                break;
        }
        /* Zeroed before each call: the search appends to step->rec.summary's duplicates. */
        memset(f->step, 0, sizeof *f->step);
        int64_t t0 = bench_now_ns();
        rc = relais_cases_batch_duplicates(batch, f->secret, &p[i].view, f->step);
        t->ns[i] = bench_now_ns() - t0;
        size_t dups = f->step->rec.summary.duplicate_count;
        t->flagged += dups > 0;
        t->flagged_variants += dups > 0 && p[i].variant;
        t->found += dups;
        if (rc == 0)
            rc = s_candidates(batch, f->step, &t->candidates[i]);
    }
    if (rc != 0)
        bench_log("error: matcher: search: %s (%s)", relais_strerror(rc), relais_status_detail());
    relais_store_batch_abort(&batch);
    relais_keyring_settle(f->ring, 0);
    return rc;
}

/* ---- Figures ------------------------------------------------------------------------------ */

typedef struct {
    double mean_us, p50_us, p99_us, max_us;
    double mean_us_variant, mean_us_new;
    double cand_mean, cand_variant, cand_new;
    uint64_t cand_max;
    double base_us, per_candidate_us; /* least squares: time = base + per_candidate x candidates */
    double zero_us;                   /* mean of the referrals that met no candidate */
} s_figures_t;

static void s_figures(const s_probe_t *p, const s_timing_t *t, size_t m, s_figures_t *g)
{
    memset(g, 0, sizeof *g);
    double sum = 0, sum_v = 0, sum_n = 0, c_sum = 0, c_v = 0, c_n = 0, zero = 0;
    size_t nv = 0, nn = 0, nz = 0;
    for (size_t i = 0; i < m; i++) {
        double us = (double)t->ns[i] / 1e3, c = (double)t->candidates[i];
        sum += us;
        c_sum += c;
        if (p[i].variant) {
            sum_v += us;
            c_v += c;
            nv++;
        } else {
            sum_n += us;
            c_n += c;
            nn++;
        }
        if (t->candidates[i] == 0) {
            zero += us;
            nz++;
        }
        if (t->candidates[i] > g->cand_max)
            g->cand_max = t->candidates[i];
    }
    g->mean_us = m ? sum / (double)m : NAN;
    g->mean_us_variant = nv ? sum_v / (double)nv : NAN;
    g->mean_us_new = nn ? sum_n / (double)nn : NAN;
    g->cand_mean = m ? c_sum / (double)m : NAN;
    g->cand_variant = nv ? c_v / (double)nv : NAN;
    g->cand_new = nn ? c_n / (double)nn : NAN;
    g->zero_us = nz ? zero / (double)nz : NAN;
    double cov = 0, var = 0;
    for (size_t i = 0; i < m; i++) {
        double dc = (double)t->candidates[i] - g->cand_mean;
        cov += dc * ((double)t->ns[i] / 1e3 - g->mean_us);
        var += dc * dc;
    }
    g->per_candidate_us = var > 0 ? cov / var : NAN;
    g->base_us = var > 0 ? g->mean_us - g->per_candidate_us * g->cand_mean : NAN;
    int64_t *sorted = malloc((m ? m : 1) * sizeof *sorted);
    if (sorted) {
        memcpy(sorted, t->ns, m * sizeof *sorted);
        bench_sort(sorted, m);
        g->p50_us = bench_percentile_ms(sorted, m, 0.50, 1) * 1e3;
        g->p99_us = bench_percentile_ms(sorted, m, 0.99, 1) * 1e3;
        g->max_us = m ? (double)sorted[m - 1] / 1e3 : NAN;
        free(sorted);
    } else {
        g->p50_us = g->p99_us = g->max_us = NAN;
    }
}

static void s_report(const bench_opts_t *o, const s_world_t *w, const s_fill_note_t *fill, int reused, size_t m,
                     const s_timing_t *t, const s_figures_t *g)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    printf("matcher: condition: %s store, %" PRIu64 " children (%" PRIu64 " referrals, %" PRIu64
           " cases), %ld cores, this machine; the searches in write batches of 512, each aborted\n",
           o->encryption ? "sealed" : "clear", w->n, w->event_count, fill->opened, cores);
    printf("matcher: fill%s: %" PRIu64 " referrals in %.1f s (%.0f/s; making them %.1f s on every core, the "
           "writer's path %.1f s): %" PRIu64 " cases opened, %" PRIu64 " attached, %" PRIu64
           " flagged when they opened\n",
           reused ? " (an earlier run's, store reused)" : "", w->event_count, fill->fill_s,
           (double)w->event_count / fill->fill_s, fill->make_s, fill->store_s, fill->opened, fill->attached,
           fill->flagged);
    printf("matcher: %" PRIu64 " children, %zu referrals: mean %.1f µs, p50 %.1f µs, p99 %.1f µs, flagged %" PRIu64
           "\n",
           w->n, m, g->mean_us, g->p50_us, g->p99_us, t->flagged);
    printf("matcher: close variants: mean %.1f µs, %.2f candidates, %" PRIu64 " of %zu flagged; new children: "
           "mean %.1f µs, %.2f candidates, %" PRIu64 " flagged\n",
           g->mean_us_variant, g->cand_variant, t->flagged_variants, (m + 1) / 2, g->mean_us_new, g->cand_new,
           t->flagged - t->flagged_variants);
    printf("matcher: candidates scanned per referral: mean %.2f, max %" PRIu64 "; likely duplicates found %" PRIu64
           "; max %.1f µs\n",
           g->cand_mean, g->cand_max, t->found, g->max_us);
    printf("matcher: by timing alone: %.1f µs with no candidate (mean), least squares %.1f µs + %.1f µs a "
           "candidate\n",
           g->zero_us, g->base_us, g->per_candidate_us);
}

/* ---- The run ------------------------------------------------------------------------------ */

static int s_mkdir(const char *path)
{
    return mkdir(path, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

int bench_matcher_run(const bench_opts_t *o, const char *work_dir)
{
    s_world_t w;
    bench_ids_t ids;
    char dir[BENCH_PATH_MAX];
    uint64_t n = o->matcher, head = 0;
    size_t m = (size_t)o->matcher_referrals;
    if ((size_t)snprintf(dir, sizeof dir, "%s/matcher-store", work_dir) >= sizeof dir || s_mkdir(dir) != 0) {
        bench_log("error: matcher: cannot make %s/matcher-store", work_dir);
        return -1;
    }
    if (s_world_make(n, &w) != 0) {
        bench_log("error: matcher: no memory for %" PRIu64 " children", n);
        return -1;
    }
    if (bench_ids_setup(work_dir, S_AGENTS, &ids) != 0) {
        bench_ids_release(&ids);
        s_world_free(&w);
        return -1;
    }
    bench_log("matcher: %" PRIu64 " children, %" PRIu64 " referrals (%" PRIu64 " second ones), %zu family and %zu "
              "given names, birth dates over %u days from 2008-01-01",
              n, w.event_count, w.event_count - n, S_FAMILY_COUNT, S_GIVEN_COUNT, w.days);
    s_fill_t f;
    memset(&f, 0, sizeof f);
    f.w = &w;
    f.ids = &ids;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    f.now_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    f.step = malloc(sizeof *f.step);
    relais_kek_t *kek = NULL;
    /* Room for the log, the tree, the case index and the blocking entries: a few KiB a
     * referral of this size; the map is only address space reserved. */
    uint64_t map_bytes = (w.event_count + 100000) * 8192;
    int rc = f.step ? s_store_open(dir, o->encryption ? o->data_key : NULL, map_bytes, &kek, &f, &head) : -1;
    int reused = rc == 0 && head > 0;
    s_fill_note_t note = {0, 0, 0, NAN, NAN, NAN};
    if (reused && (head != w.event_count || s_note_read(dir, &note) != 0)) {
        bench_log("error: matcher: %s holds %" PRIu64 " records, not a finished fill of %" PRIu64 " children (%" PRIu64
                  " referrals): use another --dir",
                  dir, head, n, w.event_count);
        rc = -1;
    }
    if (rc == 0 && !reused) {
        bench_log("matcher: fill into %s (%s), %d referrals a synced commit", dir,
                  o->encryption ? "sealed" : "in clear", S_FILL_BATCH);
        int64_t t0 = bench_now_ns();
        rc = s_fill(&f, &note.make_s, &note.store_s);
        note.fill_s = (double)(bench_now_ns() - t0) / 1e9;
        note.opened = f.opened;
        note.attached = f.attached;
        note.flagged = f.flagged;
        if (rc == 0) {
            s_note_write(dir, &note);
            bench_log("matcher: fill done in %.1f s: %" PRIu64 " cases opened (%" PRIu64 " flagged), %" PRIu64
                      " attached",
                      note.fill_s, note.opened, note.flagged, note.attached);
        }
    } else if (rc == 0) {
        bench_log("matcher: reusing the store in %s (%" PRIu64 " records)", dir, head);
    }
    s_probe_t *probes = NULL;
    s_timing_t t;
    memset(&t, 0, sizeof t);
    if (rc == 0)
        rc = s_probes(&w, &ids, f.now_ms, m, &probes);
    t.ns = calloc(m ? m : 1, sizeof *t.ns);
    t.candidates = calloc(m ? m : 1, sizeof *t.candidates);
    if (rc == 0 && (!t.ns || !t.candidates))
        rc = -1;
    if (rc == 0) {
        bench_log("matcher: timing the search for %zu referrals (%zu close variants, %zu new children)", m,
                  (m + 1) / 2, m / 2);
        rc = s_time_probes(&f, probes, m, &t);
    }
    if (rc == 0) {
        s_figures_t g;
        s_figures(probes, &t, m, &g);
        s_report(o, &w, &note, reused, m, &t, &g);
        fflush(stdout);
    }
    s_probes_free(probes, m);
    free(t.ns);
    free(t.candidates);
    free(f.step);
    relais_store_destroy(&f.store);
    relais_keyring_destroy(&f.ring);
    relais_kek_destroy(&kek);
    sodium_memzero(f.secret, sizeof f.secret);
    bench_ids_release(&ids);
    s_world_free(&w);
    return rc;
}
