/* streets.c -- the town's street list: the BAN's CSV imported, the stored list written and read back. */
#include "streets_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define S_FORMAT 1u
#define S_HEAD "# relais streets v"
/* After the version; a list whose first line says anything else is not one of ours. */
#define S_HEAD_TEXT                                                                                                    \
    ": the street list of the Tranquillite urbaine desk (name, postcode, commune, INSEE code, FANTOIR id; "         \
    "tab-separated), from the Base Adresse Nationale, Licence Ouverte 2.0; source: "

/* ---- Building a list ------------------------------------------------------------------------- */

/* A list being filled, and the index that finds a street again by (name, insee). */
typedef struct {
    relais_streets_t *list; /* what is built */
    size_t *slots;          /* open addressing: 1 + index into list->items, 0 when empty */
    size_t nslots;          /* a power of two, more than twice list->count */
} s_build_t;

/* One street's fields as read, before they are checked. */
typedef struct {
    const char *name;     /* nom_voie */
    const char *postcode; /* code_postal */
    const char *commune;  /* nom_commune */
    const char *insee;    /* code_insee */
    const char *fantoir;  /* id_fantoir, or "" */
} s_fields_t;

static uint64_t s_hash(const char *name, const char *insee)
{
    uint64_t h = UINT64_C(14695981039346656037); /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        h = (h ^ *p) * UINT64_C(1099511628211);
    h *= UINT64_C(1099511628211); /* the NUL between the two */
    for (const unsigned char *p = (const unsigned char *)insee; *p; p++)
        h = (h ^ *p) * UINT64_C(1099511628211);
    return h;
}

/* The slot holding (name, insee), or the empty slot where it would go. */
static size_t s_slot(const s_build_t *b, const char *name, const char *insee)
{
    size_t i = (size_t)s_hash(name, insee) & (b->nslots - 1);
    while (b->slots[i]) {
        const streets_street_t *s = &b->list->items[b->slots[i] - 1];
        if (strcmp(s->name, name) == 0 && strcmp(s->insee, insee) == 0)
            break;
        i = (i + 1) & (b->nslots - 1);
    }
    return i;
}

/* Room for one more street in the items and in the index. */
static int s_grow(s_build_t *b)
{
    relais_streets_t *l = b->list;
    if (l->count == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        streets_street_t *items = realloc(l->items, cap * sizeof *items);
        if (!items)
            return relais_status_set(RELAIS_E_NOMEM, "no memory for %zu streets", cap);
        l->items = items;
        l->cap = cap;
    }
    if (2 * (l->count + 1) < b->nslots)
        return RELAIS_OK;
    size_t nslots = b->nslots ? 2 * b->nslots : 256;
    size_t *slots = calloc(nslots, sizeof *slots);
    if (!slots)
        return relais_status_set(RELAIS_E_NOMEM, "no memory to index %zu streets", l->count);
    free(b->slots);
    b->slots = slots;
    b->nslots = nslots;
    for (size_t i = 0; i < l->count; i++)
        b->slots[s_slot(b, l->items[i].name, l->items[i].insee)] = i + 1;
    return RELAIS_OK;
}

/* UTF-8 of at most `max` bytes, without a control (they would forge lines on a terminal, and a
 * tab or a line break would forge fields of the stored list). */
static int s_check_text(const char *s, size_t max, const char *what, unsigned long line)
{
    size_t len = strlen(s);
    if (len > max)
        return relais_status_set(RELAIS_E_MALFORMED, "line %lu: the %s is %zu bytes long; at most %zu", line, what, len,
                                 max);
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = relais_utf8_next(s + i, len - i, &cp);
        if (n == 0)
            return relais_status_set(RELAIS_E_MALFORMED, "line %lu: the %s is not UTF-8 (the BAN's files are: was the "
                                                         "file saved again in another encoding?)",
                                     line, what);
        if (relais_text_is_control(cp))
            return relais_status_set(RELAIS_E_MALFORMED, "line %lu: the %s holds a control character (U+%04X)", line,
                                     what, (unsigned)cp);
        i += n;
    }
    return RELAIS_OK;
}

static int s_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

/* An INSEE commune code: five digits, or 2A/2B and three digits in Corsica. */
static int s_insee_valid(const char *s)
{
    return strlen(s) == 5 && (s_digits(s, 5) || (s[0] == '2' && (s[1] == 'A' || s[1] == 'B') && s_digits(s + 2, 3)));
}

static int s_fantoir_valid(const char *s)
{
    size_t n = strlen(s);
    if (n > RELAIS_STREETS_FANTOIR_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
              s[i] == '_'))
            return 0;
    return 1;
}

static int s_check(const s_fields_t *f, unsigned long line)
{
    size_t nlen = strlen(f->name);
    int rc = s_check_text(f->name, RELAIS_STREETS_NAME_MAX, "street name", line);
    if (rc == RELAIS_OK && nlen == 0)
        rc = relais_status_set(RELAIS_E_MALFORMED, "line %lu: the street name is empty", line);
    if (rc == RELAIS_OK && (f->name[0] == ' ' || f->name[nlen - 1] == ' '))
        rc = relais_status_set(RELAIS_E_MALFORMED, "line %lu: the street name has spaces at its ends", line);
    if (rc == RELAIS_OK && !*f->commune)
        rc = relais_status_set(RELAIS_E_MALFORMED, "line %lu: the commune's name is empty", line);
    if (rc == RELAIS_OK)
        rc = s_check_text(f->commune, RELAIS_STREETS_COMMUNE_MAX, "commune's name", line);
    if (rc == RELAIS_OK && *f->postcode && !(strlen(f->postcode) == 5 && s_digits(f->postcode, 5)))
        rc = relais_status_set(RELAIS_E_MALFORMED, "line %lu: the postcode \"%.16s\" is not 5 digits", line,
                               f->postcode);
    if (rc == RELAIS_OK && !s_insee_valid(f->insee))
        rc = relais_status_set(RELAIS_E_MALFORMED, "line %lu: the INSEE code \"%.16s\" is not one (5 digits, or "
                                                   "2A/2B and 3 digits)",
                               line, f->insee);
    if (rc == RELAIS_OK && !s_fantoir_valid(f->fantoir))
        rc = relais_status_set(RELAIS_E_MALFORMED, "line %lu: the FANTOIR id \"%.16s\" is not one (at most %u "
                                                   "letters, digits and '_')",
                               line, f->fantoir, RELAIS_STREETS_FANTOIR_MAX);
    return rc;
}

/* Checks a street and adds it. `merge`: a street seen again is the same street (the CSV has a
 * row per address); otherwise it is refused (the stored list has a line per street). */
static int s_add(s_build_t *b, const s_fields_t *f, unsigned long line, int merge)
{
    int rc = s_check(f, line);
    if (rc)
        return rc;
    if (b->nslots && b->slots[s_slot(b, f->name, f->insee)]) {
        if (merge)
            return RELAIS_OK;
        return relais_status_set(RELAIS_E_MALFORMED, "line %lu: \"%s\" of commune %s is listed twice", line, f->name,
                                 f->insee);
    }
    relais_streets_t *l = b->list;
    if (l->count == RELAIS_STREETS_MAX)
        return relais_status_set(RELAIS_E_MALFORMED, "line %lu: more than %u streets; keep one commune (its INSEE "
                                                     "code)",
                                 line, RELAIS_STREETS_MAX);
    if ((rc = s_grow(b)) != 0)
        return rc;
    streets_norm_t norm;
    size_t nlen = strlen(f->name), clen = strlen(f->commune);
    streets_normalize(f->name, nlen, 0, &norm);
    char *block = malloc(nlen + 1 + clen + 1 + norm.len + 1);
    if (!block)
        return relais_status_set(RELAIS_E_NOMEM, "no memory for a street");
    streets_street_t *s = &l->items[l->count];
    memset(s, 0, sizeof *s);
    s->name = memcpy(block, f->name, nlen + 1);
    s->commune = memcpy(block + nlen + 1, f->commune, clen + 1);
    s->norm = memcpy(block + nlen + 1 + clen + 1, norm.text, norm.len + 1);
    s->norm_len = (uint16_t)norm.len;
    s->core = (uint16_t)norm.core;
    s->type = (uint8_t)norm.type;
    memcpy(s->postcode, f->postcode, strlen(f->postcode) + 1);
    memcpy(s->insee, f->insee, 6);
    memcpy(s->fantoir, f->fantoir, strlen(f->fantoir) + 1);
    b->slots[s_slot(b, s->name, s->insee)] = ++l->count;
    return RELAIS_OK;
}

static int s_by_norm(const void *pa, const void *pb)
{
    const streets_street_t *a = pa, *b = pb;
    int c = strcmp(a->norm, b->norm);
    if (c == 0)
        c = strcmp(a->name, b->name);
    return c ? c : strcmp(a->insee, b->insee);
}

static int s_build_start(s_build_t *b)
{
    *b = (s_build_t){0};
    b->list = calloc(1, sizeof *b->list);
    return b->list ? RELAIS_OK : relais_status_set(RELAIS_E_NOMEM, "no memory for a street list");
}

/* Sorts, and hands the list over (*out) or frees it. */
static int s_build_end(s_build_t *b, int rc, relais_streets_t **out)
{
    free(b->slots);
    relais_streets_t *l = b->list;
    if (rc) {
        relais_streets_destroy(&l);
        return rc;
    }
    if (l->count)
        qsort(l->items, l->count, sizeof *l->items, s_by_norm);
    for (size_t i = 1; i < l->count && !l->several_communes; i++)
        l->several_communes = strcmp(l->items[i].insee, l->items[0].insee) != 0;
    *out = l;
    return RELAIS_OK;
}

/* The source as the first line may hold it: at most RELAIS_STREETS_SOURCE_MAX bytes, whole
 * characters, each control or byte that is not UTF-8 made '?'. Caller frees. */
static char *s_source_copy(const char *src)
{
    size_t len = strlen(src), w = 0;
    char *copy = malloc(RELAIS_STREETS_SOURCE_MAX + 1);
    if (!copy)
        return NULL;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = relais_utf8_next(src + i, len - i, &cp);
        int bad = n == 0 || relais_text_is_control(cp);
        size_t put = bad ? 1 : n;
        if (w + put > RELAIS_STREETS_SOURCE_MAX)
            break;
        if (bad)
            copy[w] = '?';
        else
            memcpy(copy + w, src + i, n);
        w += put;
        i += n ? n : 1;
    }
    copy[w] = '\0';
    return copy;
}

/* ---- Reading lines ------------------------------------------------------------------------- */

typedef struct {
    FILE *in;             /* read to its end */
    char *buf;            /* the line, NUL-terminated, without its LF: RELAIS_STREETS_LINE_MAX + 2 bytes */
    size_t len;           /* its length */
    unsigned long number; /* its number, from 1 */
    int ended;            /* it ended with LF (else the file ended) */
} s_lines_t;

/* 1: a line in r->buf; 0: the end of the file; negative: a status. One byte more than the
 * limit is read, so that a CR before the LF is not counted. */
static int s_line(s_lines_t *r)
{
    size_t len = 0;
    int c;
    r->ended = 0;
    r->number++;
    while ((c = getc_unlocked(r->in)) != EOF) {
        if (c == '\n') {
            r->ended = 1;
            break;
        }
        if (c == '\0')
            return relais_status_set(RELAIS_E_MALFORMED, "line %lu holds a NUL byte: not a text file", r->number);
        if (len == RELAIS_STREETS_LINE_MAX + 1)
            return relais_status_set(RELAIS_E_MALFORMED, "line %lu is longer than %u bytes", r->number,
                                     RELAIS_STREETS_LINE_MAX);
        r->buf[len++] = (char)c;
    }
    if (c == EOF && ferror(r->in))
        return relais_status_set(RELAIS_E_IO, "reading line %lu: %s", r->number, strerror(errno));
    if (c == EOF && len == 0)
        return 0;
    r->buf[len] = '\0';
    r->len = len;
    return 1;
}

/* ---- The BAN's CSV ------------------------------------------------------------------------- */

enum { S_COL_NAME, S_COL_POSTCODE, S_COL_INSEE, S_COL_COMMUNE, S_COL_FANTOIR, S_COLS };
static const char *const s_col_names[S_COLS] = {"nom_voie", "code_postal", "code_insee", "nom_commune", "id_fantoir"};
#define S_COL_NONE SIZE_MAX

/* The fields of one line, cut in place. */
typedef struct {
    char *p;              /* where the next field starts */
    unsigned long line;   /* the line's number, for the details */
    size_t count;         /* fields returned so far */
    int done;             /* the last field was returned */
} s_csv_t;

/* The next field into *field, unquoted in place: 1, 0 when there is none, or a status. */
static int s_csv_next(s_csv_t *c, char **field)
{
    if (c->done)
        return 0;
    char *start = c->p, *r = start, *w = start;
    c->count++;
    if (*r == '"') {
        for (r++;; r++) {
            if (*r == '\0')
                return relais_status_set(RELAIS_E_MALFORMED, "line %lu, field %zu: a quoted field is not closed "
                                                             "(a field may not span lines)",
                                         c->line, c->count);
            if (*r == '"' && r[1] != '"')
                break;
            r += *r == '"'; /* "" is one quote */
            *w++ = *r;
        }
        r++;
        if (*r != ';' && *r != '\0')
            return relais_status_set(RELAIS_E_MALFORMED, "line %lu, field %zu: text after the closing quote", c->line,
                                     c->count);
    } else {
        while (*r != ';' && *r != '\0') {
            if (*r == '"')
                return relais_status_set(RELAIS_E_MALFORMED, "line %lu, field %zu: a quote inside a field that is "
                                                             "not quoted",
                                         c->line, c->count);
            r++;
        }
        w = r;
    }
    c->done = *r == '\0';
    c->p = r + !c->done;
    *w = '\0';
    *field = start;
    return 1;
}

static int s_header(char *line, unsigned long number, size_t col[S_COLS], size_t *ncols)
{
    for (int s = 0; s < S_COLS; s++)
        col[s] = S_COL_NONE;
    s_csv_t c = {line, number, 0, 0};
    char *f;
    int rc;
    while ((rc = s_csv_next(&c, &f)) == 1)
        for (int s = 0; s < S_COLS; s++) {
            if (strcmp(f, s_col_names[s]) != 0)
                continue;
            if (col[s] != S_COL_NONE)
                return relais_status_set(RELAIS_E_MALFORMED, "line %lu: the header names %s twice", number,
                                         s_col_names[s]);
            col[s] = c.count - 1;
        }
    if (rc < 0)
        return rc;
    *ncols = c.count;
    for (int s = 0; s < S_COL_FANTOIR; s++)
        if (col[s] == S_COL_NONE)
            return relais_status_set(RELAIS_E_MALFORMED, "line %lu: the header has no %s column: is this a BAN "
                                                         "addresses file (adresses-<dept>.csv, ';'-separated)?",
                                     number, s_col_names[s]);
    return RELAIS_OK;
}

/* Trims the spaces at both ends, in place. */
static char *s_trim(char *s)
{
    while (*s == ' ')
        s++;
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == ' ')
        s[--n] = '\0';
    return s;
}

static int s_row(s_build_t *b, char *line, unsigned long number, const size_t col[S_COLS], size_t ncols,
                 const char *insee)
{
    char *f[S_COLS] = {NULL, NULL, NULL, NULL, NULL}, *field;
    s_csv_t c = {line, number, 0, 0};
    int rc;
    while ((rc = s_csv_next(&c, &field)) == 1)
        for (int s = 0; s < S_COLS; s++)
            if (col[s] == c.count - 1)
                f[s] = field;
    if (rc < 0)
        return rc;
    if (c.count != ncols)
        return relais_status_set(RELAIS_E_MALFORMED, "line %lu has %zu fields; the header has %zu", number, c.count,
                                 ncols);
    s_fields_t sf = {s_trim(f[S_COL_NAME]), f[S_COL_POSTCODE], s_trim(f[S_COL_COMMUNE]), f[S_COL_INSEE],
                     f[S_COL_FANTOIR] ? f[S_COL_FANTOIR] : ""};
    if (!*sf.name)
        return RELAIS_OK; /* an address on a lieu-dit only: no street */
    if (insee && s_insee_valid(sf.insee) && strcmp(sf.insee, insee) != 0)
        return RELAIS_OK;
    return s_add(b, &sf, number, 1);
}

static int s_import(s_build_t *b, FILE *in, const char *insee)
{
    s_lines_t r = {in, malloc(RELAIS_STREETS_LINE_MAX + 2), 0, 0, 0};
    if (!r.buf)
        return relais_status_set(RELAIS_E_NOMEM, "no memory for a line");
    size_t col[S_COLS], ncols = 0;
    int rc, header = 0;
    while ((rc = s_line(&r)) == 1) {
        char *line = r.buf;
        if (r.number == 1 && r.len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0) {
            line += 3; /* a byte order mark, as spreadsheets write UTF-8 */
            r.len -= 3;
        }
        if (r.len && line[r.len - 1] == '\r')
            line[--r.len] = '\0';
        if (r.len > RELAIS_STREETS_LINE_MAX) {
            rc = relais_status_set(RELAIS_E_MALFORMED, "line %lu is longer than %u bytes", r.number,
                                   RELAIS_STREETS_LINE_MAX);
            break;
        }
        if (r.len == 0)
            continue;
        rc = header ? s_row(b, line, r.number, col, ncols, insee) : s_header(line, r.number, col, &ncols);
        header = 1;
        if (rc)
            break;
    }
    free(r.buf);
    if (rc < 0)
        return rc;
    if (!header)
        return relais_status_set(RELAIS_E_MALFORMED, "the file is empty: no header line");
    if (b->list->count == 0)
        return insee ? relais_status_set(RELAIS_E_NOT_FOUND, "no street of commune %s in the file", insee)
                     : relais_status_set(RELAIS_E_NOT_FOUND, "no street in the file: every nom_voie is empty");
    return RELAIS_OK;
}

int relais_streets_import_csv(FILE *in, const char *insee, const char *source, relais_streets_t **out)
{
    if (out)
        *out = NULL;
    if (!in || !out)
        return relais_status_set(RELAIS_E_INVALID, "relais_streets_import_csv needs a file and a place for the list");
    if (insee && !s_insee_valid(insee))
        return relais_status_set(RELAIS_E_INVALID, "\"%.16s\" is not an INSEE commune code (5 digits, e.g. 92071)",
                                 insee);
    s_build_t b;
    int rc = s_build_start(&b);
    if (rc)
        return rc;
    b.list->source = s_source_copy(source ? source : "unknown");
    if (!b.list->source)
        rc = relais_status_set(RELAIS_E_NOMEM, "no memory for the source");
    if (rc == RELAIS_OK) {
        flockfile(in);
        rc = s_import(&b, in, insee);
        funlockfile(in);
    }
    return s_build_end(&b, rc, out);
}

/* ---- The stored list ------------------------------------------------------------------------- */

int relais_streets_write(const relais_streets_t *list, FILE *out)
{
    if (!list || !out)
        return relais_status_set(RELAIS_E_INVALID, "relais_streets_write needs a list and a file");
    fprintf(out, S_HEAD "%u" S_HEAD_TEXT "%s\n", S_FORMAT, list->source);
    for (size_t i = 0; i < list->count; i++) {
        const streets_street_t *s = &list->items[i];
        fprintf(out, "%s\t%s\t%s\t%s\t%s\n", s->name, s->postcode, s->commune, s->insee, s->fantoir);
    }
    if (fflush(out) != 0 || ferror(out))
        return relais_status_set(RELAIS_E_IO, "writing the street list: %s", strerror(errno));
    return RELAIS_OK;
}

/* The first line: ours, of a format this build reads; its source into the list. */
static int s_read_head(relais_streets_t *l, const char *line)
{
    size_t head = strlen(S_HEAD), text = strlen(S_HEAD_TEXT);
    if (strncmp(line, S_HEAD, head) != 0)
        return relais_status_set(RELAIS_E_MALFORMED, "line 1 is not a relais street list's first line (\"%s...\")",
                                 S_HEAD);
    char *end;
    errno = 0;
    unsigned long v = line[head] >= '0' && line[head] <= '9' ? strtoul(line + head, &end, 10) : 0;
    if (v == 0 || errno)
        return relais_status_set(RELAIS_E_MALFORMED, "line 1: no format version after \"%s\"", S_HEAD);
    if (v != S_FORMAT)
        return relais_status_set(RELAIS_E_VERSION, "the street list is of format v%lu; this build reads v%u", v,
                                 S_FORMAT);
    if (strncmp(end, S_HEAD_TEXT, text) != 0)
        return relais_status_set(RELAIS_E_MALFORMED, "line 1 is not a relais street list's first line");
    int rc = s_check_text(end + text, RELAIS_STREETS_SOURCE_MAX, "source", 1);
    if (rc)
        return rc;
    l->source = strdup(end + text);
    return l->source ? RELAIS_OK : relais_status_set(RELAIS_E_NOMEM, "no memory for the source");
}

/* One street's line: five fields cut at their tabs, in place. */
static int s_read_street(s_build_t *b, char *line, unsigned long number)
{
    char *f[5];
    size_t n = 0;
    f[n++] = line;
    for (char *p = line; *p; p++)
        if (*p == '\t') {
            if (n == 5)
                return relais_status_set(RELAIS_E_MALFORMED, "line %lu has more than 5 tab-separated fields", number);
            *p = '\0';
            f[n++] = p + 1;
        }
    if (n != 5)
        return relais_status_set(RELAIS_E_MALFORMED, "line %lu has %zu tab-separated fields; expected 5 (name, "
                                                     "postcode, commune, INSEE code, FANTOIR id)",
                                 number, n);
    s_fields_t sf = {f[0], f[1], f[2], f[3], f[4]};
    return s_add(b, &sf, number, 0);
}

static int s_read(s_build_t *b, FILE *in)
{
    s_lines_t r = {in, malloc(RELAIS_STREETS_LINE_MAX + 2), 0, 0, 0};
    if (!r.buf)
        return relais_status_set(RELAIS_E_NOMEM, "no memory for a line");
    int rc;
    while ((rc = s_line(&r)) == 1) {
        if (!r.ended)
            rc = relais_status_set(RELAIS_E_MALFORMED, "the list ends in the middle of line %lu: was it cut short?",
                                   r.number);
        else if (r.len && r.buf[r.len - 1] == '\r')
            rc = relais_status_set(RELAIS_E_MALFORMED, "line %lu ends with CR: the list is written with LF line ends",
                                   r.number);
        else if (r.len > RELAIS_STREETS_LINE_MAX)
            rc = relais_status_set(RELAIS_E_MALFORMED, "line %lu is longer than %u bytes", r.number,
                                   RELAIS_STREETS_LINE_MAX);
        else if (r.number == 1)
            rc = s_read_head(b->list, r.buf);
        else if (r.len == 0)
            rc = relais_status_set(RELAIS_E_MALFORMED, "line %lu is empty", r.number);
        else
            rc = s_read_street(b, r.buf, r.number);
        if (rc)
            break;
    }
    free(r.buf);
    if (rc == 0 && !b->list->source)
        rc = relais_status_set(RELAIS_E_MALFORMED, "the street list is empty: not even its first line");
    return rc;
}

int relais_streets_read(FILE *in, relais_streets_t **out)
{
    if (out)
        *out = NULL;
    if (!in || !out)
        return relais_status_set(RELAIS_E_INVALID, "relais_streets_read needs a file and a place for the list");
    s_build_t b;
    int rc = s_build_start(&b);
    if (rc)
        return rc;
    flockfile(in);
    rc = s_read(&b, in);
    funlockfile(in);
    return s_build_end(&b, rc, out);
}

/* fsync of the folder that holds `path`, so that the rename itself survives a crash. */
static int s_sync_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
    if (!dir)
        return relais_status_set(RELAIS_E_NOMEM, "no memory for a folder's name");
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = RELAIS_OK;
    if (fd < 0 || fsync(fd) != 0)
        rc = relais_status_set(RELAIS_E_IO, "syncing the folder %s: %s", dir, strerror(errno));
    if (fd >= 0)
        close(fd);
    free(dir);
    return rc;
}

int relais_streets_save(const relais_streets_t *list, const char *path)
{
    if (!list || !path || !*path)
        return relais_status_set(RELAIS_E_INVALID, "relais_streets_save needs a list and a path");
    size_t len = strlen(path);
    char *tmp = malloc(len + sizeof ".tmp-XXXXXX");
    if (!tmp)
        return relais_status_set(RELAIS_E_NOMEM, "no memory for a file name");
    memcpy(tmp, path, len);
    memcpy(tmp + len, ".tmp-XXXXXX", sizeof ".tmp-XXXXXX");
    int rc = RELAIS_OK, fd = mkstemp(tmp);
    if (fd < 0) {
        rc = relais_status_set(RELAIS_E_IO, "cannot write beside %s: %s", path, strerror(errno));
        goto out_free_name;
    }
    FILE *f = fdopen(fd, "w");
    if (!f) {
        rc = relais_status_set(RELAIS_E_IO, "cannot write %s: %s", tmp, strerror(errno));
        close(fd);
        goto out_unlink;
    }
    /* the list is open data; mkstemp made it 0600 */
    if (fchmod(fd, 0644) != 0)
        rc = relais_status_set(RELAIS_E_IO, "cannot make %s readable: %s", tmp, strerror(errno));
    if (rc == RELAIS_OK && (rc = relais_streets_write(list, f)) != 0)
        rc = relais_status_set(rc, "%s: %s", path, relais_status_detail());
    if (rc == RELAIS_OK && fsync(fd) != 0)
        rc = relais_status_set(RELAIS_E_IO, "cannot sync %s: %s", tmp, strerror(errno));
    if (fclose(f) != 0 && rc == RELAIS_OK)
        rc = relais_status_set(RELAIS_E_IO, "cannot write %s: %s", tmp, strerror(errno));
    if (rc == RELAIS_OK && rename(tmp, path) != 0)
        rc = relais_status_set(RELAIS_E_IO, "cannot replace %s: %s", path, strerror(errno));
    if (rc == RELAIS_OK)
        rc = s_sync_dir(path);
out_unlink:
    if (rc)
        unlink(tmp); /* after a failed rename only: once renamed, tmp names nothing */
out_free_name:
    free(tmp);
    return rc;
}

int relais_streets_load(const char *path, relais_streets_t **out)
{
    if (out)
        *out = NULL;
    if (!path || !out)
        return relais_status_set(RELAIS_E_INVALID, "relais_streets_load needs a path and a place for the list");
    /* without waiting, so that a FIFO put in the list's place cannot hang the desk */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return relais_status_set(RELAIS_E_IO, "cannot open the street list %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return relais_status_set(RELAIS_E_IO, "the street list %s is not a regular file", path);
    }
    FILE *f = fdopen(fd, "r");
    if (!f) {
        close(fd);
        return relais_status_set(RELAIS_E_IO, "cannot read the street list %s: %s", path, strerror(errno));
    }
    int rc = relais_streets_read(f, out);
    fclose(f);
    return rc ? relais_status_set(rc, "%s: %s", path, relais_status_detail()) : RELAIS_OK;
}

void relais_streets_destroy(relais_streets_t **list)
{
    if (!list || !*list)
        return;
    relais_streets_t *l = *list;
    for (size_t i = 0; i < l->count; i++)
        free(l->items[i].name);
    free(l->items);
    free(l->source);
    free(l);
    *list = NULL;
}

/* ---- Reading it ------------------------------------------------------------------------------ */

size_t relais_streets_count(const relais_streets_t *list)
{
    return list ? list->count : 0;
}

const char *relais_streets_name(const relais_streets_t *list, size_t i)
{
    return list && i < list->count ? list->items[i].name : NULL;
}

int relais_streets_entry(const relais_streets_t *list, size_t i, relais_streets_entry_t *out)
{
    if (!list || !out || i >= list->count)
        return relais_status_set(RELAIS_E_INVALID, "no street %zu in a list of %zu", i, relais_streets_count(list));
    const streets_street_t *s = &list->items[i];
    *out = (relais_streets_entry_t){s->name, s->postcode, s->commune, s->insee, s->fantoir};
    return RELAIS_OK;
}

const char *relais_streets_source(const relais_streets_t *list)
{
    return list && list->source ? list->source : "";
}
