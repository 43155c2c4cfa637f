/* streets.c -- `relais streets import|find`: the town's street list, which the Tranquillité urbaine desk checks
 * the streets it writes down against.
 *
 * Local only: the list is open data (the Base Adresse Nationale), kept in a text file beside the
 * desk's tools, and nothing here talks to the hub.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli_internal.h"
#include "relais_streets.h"

static const char s_help[] =
    "usage: relais streets import FILE.csv [--insee CODE] [--out PATH]\n"
    "       relais streets find TEXT... [--streets PATH]\n"
    "\n"
    "The town's street list: the Tranquillité urbaine desk checks against it the streets it writes\n"
    "down, so that the register says \"Rue Houdan\" and not twenty spellings of it.\n"
    "\n"
    "import: reads the town's extract of the Base Adresse Nationale (adresse.data.gouv.fr, open data,\n"
    "Licence Ouverte 2.0): the CSV adresses-<dept>.csv, ';'-separated, or the town's part of it ('-'\n"
    "reads standard input), and keeps one line per street (name, postcode, commune, INSEE code,\n"
    "FANTOIR id). --insee keeps one commune of a department's file (92071 for Sceaux). A file that\n"
    "does not read is refused whole, its line named, and the list in place is left as it was; the\n"
    "new list replaces it whole.\n"
    "\n"
    "find: looks a street up as an agent types it. Case, accents, hyphens, apostrophes and dots do\n"
    "not matter, nor abbreviations (r., av, bd, pl, st, ste, imp, ch, sq...), articles (de, du, des,\n"
    "de la, d', l') or a house number (\"12 bis r. houdan\" is Rue Houdan). A name typed without its\n"
    "type (\"houdan\") is not the street: the closest streets are printed, that one first.\n"
    "\n"
    "  --out PATH      import: where the list goes (default: RELAIS_STREETS, else ./streets.tsv)\n"
    "  --streets PATH  find: the list (default: RELAIS_STREETS, else ./streets.tsv)\n"
    "  --insee CODE    import: keep the streets of the commune of that INSEE code only\n"
    "\n"
    "Exit status: 0 done (find: the street is in the list), 1 find: no street of the list is\n"
    "called so (the closest are printed), 2 usage or local error.\n";

enum { S_OPT_HELP = 1000, S_OPT_OUT, S_OPT_STREETS, S_OPT_INSEE };

typedef struct {
    const char *list;  /* --out or --streets; NULL: the default */
    const char *insee; /* --insee */
    int out_given;     /* --out was given (import only) */
    int streets_given; /* --streets was given (find only) */
} s_opts_t;

static const char *s_list_path(const s_opts_t *o)
{
    const char *env = getenv("RELAIS_STREETS");
    return o->list ? o->list : env && *env ? env : "./streets.tsv";
}

static int s_parse(int argc, char **argv, s_opts_t *o)
{
    static const struct option opts[] = {{"help", no_argument, NULL, S_OPT_HELP},
                                         {"out", required_argument, NULL, S_OPT_OUT},
                                         {"streets", required_argument, NULL, S_OPT_STREETS},
                                         {"insee", required_argument, NULL, S_OPT_INSEE},
                                         {NULL, 0, NULL, 0}};
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case S_OPT_HELP: fputs(s_help, stdout); return -1;
        case S_OPT_OUT: o->list = optarg; o->out_given = 1; break;
        case S_OPT_STREETS: o->list = optarg; o->streets_given = 1; break;
        case S_OPT_INSEE: o->insee = optarg; break;
        default: return relais_cli_usage("streets", "unknown option or missing value");
        }
    }
    return 0;
}

/* ---- import ---------------------------------------------------------------------------------- */

/* The CSV, opened without waiting (a FIFO cannot hang us) and checked to be a file; "-": stdin. */
static int s_open_csv(const char *path, FILE **out)
{
    if (strcmp(path, "-") == 0) {
        *out = stdin;
        return RELAIS_OK;
    }
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return relais_status_set(RELAIS_E_IO, "cannot open %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return relais_status_set(RELAIS_E_IO, "%s is not a regular file", path);
    }
    *out = fdopen(fd, "r");
    if (!*out) {
        close(fd);
        return relais_status_set(RELAIS_E_IO, "cannot read %s: %s", path, strerror(errno));
    }
    return RELAIS_OK;
}

/* "adresses-92.csv, imported 2026-03-02": what the list's first line says it came from. */
static void s_source(const char *path, char *out, size_t cap)
{
    const char *slash = strrchr(path, '/'), *base = strcmp(path, "-") == 0 ? "standard input" : slash ? slash + 1 : path;
    char day[16] = "";
    time_t now = time(NULL);
    struct tm tm;
    if (!localtime_r(&now, &tm) || strftime(day, sizeof day, "%Y-%m-%d", &tm) == 0)
        snprintf(day, sizeof day, "?");
    snprintf(out, cap, "%s, imported %s", base, day);
}

/* Adds `value` to seen[0..*n) when not there yet, up to `max` values; returns 1 when it was new
 * but there was no room left: the summary then ends with "...". */
static int s_collect(char seen[][RELAIS_STREETS_COMMUNE_MAX + 1], size_t *n, size_t max, const char *value)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp(seen[i], value) == 0)
            return 0;
    if (*n == max)
        return 1;
    snprintf(seen[(*n)++], RELAIS_STREETS_COMMUNE_MAX + 1, "%s", value);
    return 0;
}

/* Joins the values with ", ", and "..." after them when there were more. */
static size_t s_join(char *out, size_t cap, char values[][RELAIS_STREETS_COMMUNE_MAX + 1], size_t n, int more)
{
    size_t len = 0;
    for (size_t i = 0; i < n && len < cap; i++)
        len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? ", " : "", values[i]);
    if (more && len < cap)
        len += (size_t)snprintf(out + len, cap - len, ", ...");
    return len < cap ? len : cap - 1;
}

/* "Sceaux, 92330"; for a list of several communes, the first three and their postcodes:
 * "Sceaux, Antony, Bourg-la-Reine, ...; 92330, 92160, 92340, ...". */
static void s_summary_places(const relais_streets_t *list, char *out, size_t cap)
{
    char communes[3][RELAIS_STREETS_COMMUNE_MAX + 1], postcodes[3][RELAIS_STREETS_COMMUNE_MAX + 1];
    size_t nc = 0, np = 0;
    int more_c = 0, more_p = 0;
    for (size_t i = 0; i < relais_streets_count(list); i++) {
        relais_streets_entry_t e;
        relais_streets_entry(list, i, &e);
        more_c |= s_collect(communes, &nc, 3, e.commune);
        if (*e.postcode)
            more_p |= s_collect(postcodes, &np, 3, e.postcode);
    }
    size_t len = s_join(out, cap, communes, nc, more_c);
    if (np && len + 2 < cap) {
        len += (size_t)snprintf(out + len, cap - len, nc == 1 && np == 1 ? ", " : "; ");
        s_join(out + len, cap - len, postcodes, np, more_p);
    }
}

static int s_import(const s_opts_t *o, const char *csv)
{
    FILE *in = NULL;
    int rc = s_open_csv(csv, &in);
    if (rc)
        return relais_cli_local("streets import", rc);
    char source[RELAIS_STREETS_SOURCE_MAX + 1];
    s_source(csv, source, sizeof source);
    relais_streets_t *list = NULL;
    rc = relais_streets_import_csv(in, o->insee, source, &list);
    if (in != stdin)
        fclose(in);
    if (rc == RELAIS_E_INVALID)
        return relais_cli_usage("streets", "--insee: %s", relais_status_detail());
    if (rc) {
        relais_status_set(rc, "%s: %s", strcmp(csv, "-") ? csv : "standard input", relais_status_detail());
        return relais_cli_local("streets import", rc);
    }
    const char *path = s_list_path(o);
    rc = relais_streets_save(list, path);
    if (rc == RELAIS_OK) {
        char places[512];
        size_t n = relais_streets_count(list);
        s_summary_places(list, places, sizeof places);
        relais_cli_line(stdout, "%zu %s (%s) -> %s", n,
                        n == 1 ? "voie importée / street imported" : "voies importées / streets imported", places,
                        path);
    }
    relais_streets_destroy(&list);
    return rc ? relais_cli_local("streets import", rc) : RELAIS_EXIT_OK;
}

/* ---- find ------------------------------------------------------------------------------------ */

static int s_find_text(const s_opts_t *o, const char *text)
{
    const char *path = s_list_path(o);
    relais_streets_t *list = NULL;
    int rc = relais_streets_load(path, &list);
    if (rc == RELAIS_E_IO) {
        relais_status_set(rc, "%s (make it with: relais streets import FILE.csv)", relais_status_detail());
        return relais_cli_local("streets find", rc);
    }
    if (rc)
        return relais_cli_local("streets find", rc);
    relais_streets_match_t m[RELAIS_STREETS_SUGGESTIONS];
    size_t n = 0;
    rc = relais_streets_match(list, text, m, RELAIS_STREETS_SUGGESTIONS, &n);
    int exit_status = RELAIS_EXIT_OK;
    if (rc == RELAIS_OK) {
        relais_streets_entry_t e;
        relais_streets_entry(list, m[0].index, &e);
        relais_cli_line(stdout, "%s, %s%s%s", e.name, e.postcode, *e.postcode ? " " : "", e.commune);
    } else if (rc == RELAIS_E_NOT_FOUND) {
        relais_cli_line(stdout, "%s", relais_status_detail());
        exit_status = RELAIS_EXIT_REFUSED;
    } else {
        exit_status = relais_cli_local("streets find", rc);
    }
    relais_streets_destroy(&list);
    return exit_status;
}

/* The words given, joined by one space as the agent typed them (quoted in the shell or not);
 * caller frees. The matcher refuses a text over its bound, with the length given here. */
static char *s_joined(int nargs, char **args)
{
    size_t len = 0;
    for (int i = 0; i < nargs; i++)
        len += strlen(args[i]) + 1;
    char *text = malloc(len + 1), *w = text;
    for (int i = 0; text && i < nargs; i++)
        w += sprintf(w, "%s%s", i ? " " : "", args[i]);
    return text;
}

static int s_find(const s_opts_t *o, int nargs, char **args)
{
    char *text = s_joined(nargs, args);
    if (!text)
        return relais_cli_local("streets find", RELAIS_E_NOMEM);
    int exit_status = s_find_text(o, text);
    free(text);
    return exit_status;
}

int relais_cmd_streets(int argc, char **argv)
{
    if (argc < 2)
        return relais_cli_usage("streets", "expected import or find");
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        fputs(s_help, stdout);
        return RELAIS_EXIT_OK;
    }
    const char *sub = argv[1];
    s_opts_t o = {0};
    optind = 0;
    int rc = s_parse(argc - 1, argv + 1, &o);
    if (rc)
        return rc < 0 ? RELAIS_EXIT_OK : rc;
    int nargs = argc - 1 - optind;
    char **args = argv + 1 + optind;
    if (strcmp(sub, "import") == 0) {
        if (nargs != 1)
            return relais_cli_usage("streets", "import takes one file (the BAN's CSV, or - for standard input)");
        if (o.streets_given)
            return relais_cli_usage("streets", "import writes the list to --out, not --streets");
        return s_import(&o, args[0]);
    }
    if (strcmp(sub, "find") == 0) {
        if (nargs < 1)
            return relais_cli_usage("streets", "find takes the street as typed");
        if (o.out_given || o.insee)
            return relais_cli_usage("streets", "--out and --insee are for import; find reads --streets");
        return s_find(&o, nargs, args);
    }
    return relais_cli_usage("streets", "unknown subcommand '%s'; expected import or find", sub);
}
