/* calendar.c -- the review calendar: an iCalendar file of the next reviews and the partnership
 * meetings, downloaded within a session (/calendar.ics) or read by a calendar program at a
 * subscription address (/calendar/TOKEN.ics), and the page that makes and revokes that address.
 *
 * What it holds. One VEVENT per open case that has a next review date and is not paused (a paused
 * case's review waits, as its deadline does), and one per partnership meeting whose records the
 * desk's feed brought, of the cases it still holds. Both are all-day events (DTSTART;VALUE=DATE):
 * a review is due on a day, and a meeting's record carries its date only, no time, so there is
 * no time zone to write. Titles and descriptions name case and meeting ids and a state, never a
 * child, a school or a referrer: a calendar is copied to phones and servers outside the town's
 * systems. The model hands this file only ids, states and dates (desk_model_calendar), so a name
 * cannot reach it. UIDs are stable from one fetch to the next ("review-C-12-20270215@relais",
 * "meeting-M-20261203-d8a4@relais"): a review moved to another day is another event, and the old
 * one goes. RFC 5545 as calendar programs read it: CRLF, lines folded at 75 octets between two
 * characters, text escaped (\\ ; , and line breaks), DTSTAMP the time of the fetch.
 *
 * The third way in. A calendar program cannot log in, so the subscription's address carries its
 * own key: 32 random bytes in base64url, shown once when made, never kept. The desk keeps only
 * its SHA-256 (a copy of the desk's memory or of its state folder does not give the address) and
 * compares a request's in constant time. One subscription a desk, a desk being one person's:
 * making another replaces it, and revoking it makes the address refused at once. With
 * --state-dir, the hash is kept in DIR/calendar-subscription (the folder 0700, the file 0600,
 * written whole then renamed), so that the address survives a restart; without, it lives in
 * memory only and the page says so. That address serves this file and nothing else: no cookie
 * is read or made, a POST is refused, and a wrong, malformed or revoked token gets the desk's
 * plain 404, the same for each. The gate still applies (http.c): the Host in local mode, the
 * proxy's secret in proxy mode, where only the authenticated user is not asked, nginx letting
 * this one path through without a password (desk/README.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "desk_internal.h"
#include "relais_page.h"

#define T(lang, fr, en) DESK_T(lang, fr, en)

#define S_FILE "calendar-subscription"
#define S_FILE_MAX 1024
#define S_FOLD 75 /* octets a line, CRLF apart (RFC 5545, 3.1) */

/* ---- The subscription ------------------------------------------------------------------------------ */

static int64_t s_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int s_hex_digit(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The file, as written by s_save: four lines, nothing else. Errors: RELAIS_E_MALFORMED,
 * RELAIS_E_INVALID (another person's). */
static int s_parse(desk_cal_sub_t *sub, char *text, const char *person)
{
    char *lines[5] = {0};
    size_t n = 0;
    char *save = NULL;
    for (char *l = strtok_r(text, "\n", &save); l && n < 5; l = strtok_r(NULL, "\n", &save))
        lines[n++] = l;
    char hex[65] = "";
    long long made = -1;
    int used = 0;
    if (n != 4 || strcmp(lines[0], "relais-desk-calendar 1") != 0 || strncmp(lines[1], "person ", 7) != 0 ||
        sscanf(lines[2], "sha256 %64s%n", hex, &used) != 1 || lines[2][used] || strlen(hex) != 64 ||
        sscanf(lines[3], "made %lld%n", &made, &used) != 1 || lines[3][used] || made < 0)
        return relais_status_set(RELAIS_E_MALFORMED, "--state-dir: %s/%s is not a subscription this desk wrote",
                                 sub->dir, S_FILE);
    if (strcmp(lines[1] + 7, person) != 0)
        return relais_status_set(RELAIS_E_INVALID,
                                 "--state-dir: %s/%s is the subscription of %.64s's desk, not %.64s's: give each "
                                 "desk a state folder of its own",
                                 sub->dir, S_FILE, lines[1] + 7, person);
    for (size_t i = 0; i < 32; i++) {
        int hi = s_hex_digit(hex[2 * i]), lo = s_hex_digit(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return relais_status_set(RELAIS_E_MALFORMED, "--state-dir: %s/%s: the hash is not in hexadecimal",
                                     sub->dir, S_FILE);
        sub->hash[i] = (uint8_t)(hi << 4 | lo);
    }
    sub->made_ms = made;
    sub->has = 1;
    return 0;
}

/* Reads the subscription the state folder holds, if any. */
static int s_load(desk_cal_sub_t *sub, const char *person)
{
    int fd = openat(sub->dir_fd, S_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT)
        return 0;
    if (fd < 0)
        return relais_status_set(RELAIS_E_IO, "--state-dir: %s/%s: %s", sub->dir, S_FILE, strerror(errno));
    struct stat st;
    char text[S_FILE_MAX + 1];
    ssize_t got = -1;
    int rc = 0;
    if (fstat(fd, &st) != 0)
        rc = relais_status_set(RELAIS_E_IO, "--state-dir: %s/%s: %s", sub->dir, S_FILE, strerror(errno));
    else if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077))
        /* whoever may write it may plant the hash of a token they know */
        rc = relais_status_set(RELAIS_E_INVALID,
                               "--state-dir: %s/%s must be a file of this desk's user that others may not read or "
                               "write (chmod 600 it)",
                               sub->dir, S_FILE);
    else if ((got = read(fd, text, S_FILE_MAX)) < 0)
        rc = relais_status_set(RELAIS_E_IO, "--state-dir: %s/%s: %s", sub->dir, S_FILE, strerror(errno));
    close(fd);
    if (rc)
        return rc;
    size_t len = got > 0 ? (size_t)got : 0;
    text[len] = '\0';
    if (len != strlen(text) || len == S_FILE_MAX)
        return relais_status_set(RELAIS_E_MALFORMED, "--state-dir: %s/%s is not a subscription this desk wrote",
                                 sub->dir, S_FILE);
    return s_parse(sub, text, person);
}

int desk_calendar_open(desk_cal_sub_t *sub, const char *state_dir, const char *person)
{
    *sub = (desk_cal_sub_t){.dir_fd = -1};
    pthread_mutex_init(&sub->lock, NULL);
    sub->ready = 1;
    if (!state_dir)
        return 0;
    if (strpbrk(person, "\r\n"))
        return relais_status_set(RELAIS_E_INVALID, "--person: a name on one line");
    sub->dir = strdup(state_dir);
    if (!sub->dir)
        return relais_status_set(RELAIS_E_NOMEM, "--state-dir");
    if (mkdir(state_dir, 0700) != 0 && errno != EEXIST)
        return relais_status_set(RELAIS_E_IO, "--state-dir: %s: %s", state_dir, strerror(errno));
    sub->dir_fd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (sub->dir_fd < 0)
        return relais_status_set(RELAIS_E_IO, "--state-dir: %s: %s", state_dir, strerror(errno));
    struct stat st;
    if (fstat(sub->dir_fd, &st) != 0)
        return relais_status_set(RELAIS_E_IO, "--state-dir: %s: %s", state_dir, strerror(errno));
    if (st.st_uid != geteuid() || (st.st_mode & 077))
        return relais_status_set(RELAIS_E_INVALID,
                                 "--state-dir: %s must be a folder of this desk's user that others may not enter "
                                 "(chmod 700 it)",
                                 state_dir);
    return s_load(sub, person);
}

void desk_calendar_close(desk_cal_sub_t *sub)
{
    if (!sub->ready)
        return;
    if (sub->dir_fd >= 0)
        close(sub->dir_fd);
    free(sub->dir);
    pthread_mutex_destroy(&sub->lock);
    sodium_memzero(sub, sizeof *sub);
    sub->dir_fd = -1;
}

/* Writes `hash` made at `made_ms` whole, then puts it in the place of the old file, so that a
 * crash leaves one or the other. Errors: RELAIS_E_IO (the old file left as it was). */
static int s_save(desk_cal_sub_t *sub, const char *person, const uint8_t hash[32], int64_t made_ms)
{
    char hex[65], text[S_FILE_MAX];
    sodium_bin2hex(hex, sizeof hex, hash, 32);
    int len = snprintf(text, sizeof text, "relais-desk-calendar 1\nperson %s\nsha256 %s\nmade %lld\n", person, hex,
                       (long long)made_ms);
    if (len < 0 || (size_t)len >= sizeof text)
        return relais_status_set(RELAIS_E_IO, "--state-dir: the person's name is too long for the file");
    return relais_file_replace_at(sub->dir_fd, sub->dir, S_FILE, text, (size_t)len);
}

int desk_calendar_subscribe(desk_cal_sub_t *sub, const char *person, char token[DESK_TOKEN_LEN])
{
    uint8_t hash[32];
    desk_random_token(token);
    crypto_hash_sha256(hash, (const unsigned char *)token, DESK_TOKEN_LEN - 1);
    int64_t made = s_wall_ms();
    pthread_mutex_lock(&sub->lock);
    int rc = sub->dir_fd >= 0 ? s_save(sub, person, hash, made) : 0;
    if (rc == 0) {
        memcpy(sub->hash, hash, sizeof hash);
        sub->made_ms = made;
        sub->has = 1;
    }
    pthread_mutex_unlock(&sub->lock);
    sodium_memzero(hash, sizeof hash);
    if (rc)
        sodium_memzero(token, DESK_TOKEN_LEN);
    return rc;
}

int desk_calendar_revoke(desk_cal_sub_t *sub)
{
    pthread_mutex_lock(&sub->lock);
    int had = sub->has, rc = 0;
    /* Refused from now on, whatever the disk says: a revocation that waits is none. */
    sub->has = 0;
    sodium_memzero(sub->hash, sizeof sub->hash);
    if (sub->dir_fd >= 0) {
        if (unlinkat(sub->dir_fd, S_FILE, 0) != 0 && errno != ENOENT)
            rc = relais_status_set(RELAIS_E_IO, "%s/%s: %s", sub->dir, S_FILE, strerror(errno));
        else if (fsync(sub->dir_fd) != 0)
            rc = relais_status_set(RELAIS_E_IO, "%s: %s", sub->dir, strerror(errno));
    }
    pthread_mutex_unlock(&sub->lock);
    if (rc)
        return rc;
    return had ? 0 : relais_status_set(RELAIS_E_NOT_FOUND, "no subscription to revoke");
}

int desk_calendar_subscribed(desk_cal_sub_t *sub, int64_t *made_ms)
{
    pthread_mutex_lock(&sub->lock);
    int has = sub->has;
    if (made_ms)
        *made_ms = sub->made_ms;
    pthread_mutex_unlock(&sub->lock);
    return has;
}

int desk_calendar_token_ok(desk_cal_sub_t *sub, const char *token)
{
    /* Its form is no secret: only the comparison with the hash must not tell how near it came. */
    static const char base64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    if (!token || strlen(token) != DESK_TOKEN_LEN - 1 || strspn(token, base64url) != DESK_TOKEN_LEN - 1)
        return RELAIS_E_NOT_FOUND;
    uint8_t hash[32];
    crypto_hash_sha256(hash, (const unsigned char *)token, DESK_TOKEN_LEN - 1);
    pthread_mutex_lock(&sub->lock);
    int same = sodium_memcmp(hash, sub->hash, sizeof hash) == 0 && sub->has;
    pthread_mutex_unlock(&sub->lock);
    return same ? 0 : RELAIS_E_NOT_FOUND;
}

/* ---- The file (RFC 5545) ----------------------------------------------------------------------------- */

/* `line` (one content line, without its end) folded at S_FOLD octets, never inside a character,
 * and ended with CRLF. */
static void s_fold(desk_buf_t *b, const desk_buf_t *line)
{
    if (line->failed) {
        desk_buf_free(b);
        b->failed = 1;
        return;
    }
    size_t col = 0;
    for (size_t i = 0; i < line->len;) {
        size_t n = 1; /* the character at i: its lead byte and what continues it */
        while (i + n < line->len && n < 4 && ((unsigned char)line->data[i + n] & 0xc0) == 0x80)
            n++;
        if (col + n > S_FOLD) {
            desk_buf_put(b, "\r\n ");
            col = 1;
        }
        desk_buf_putn(b, line->data + i, n);
        col += n;
        i += n;
    }
    desk_buf_put(b, "\r\n");
}

/* TEXT as RFC 5545 writes it: backslash, semicolon and comma escaped, a line break as \n, other
 * controls left out (the format allows none). */
static void s_escape(desk_buf_t *b, const char *text)
{
    for (const char *p = text; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '\\' || c == ';' || c == ',')
            desk_buf_printf(b, "\\%c", c);
        else if (c == '\n')
            desk_buf_put(b, "\\n");
        else if (c >= 0x20 && c != 0x7f)
            desk_buf_putn(b, p, 1);
    }
}

/* NAME:TEXT, escaped and folded. */
static void s_text(desk_buf_t *b, const char *name, const char *text)
{
    desk_buf_t line = {0};
    desk_buf_put(&line, name);
    desk_buf_put(&line, ":");
    s_escape(&line, text);
    s_fold(b, &line);
    desk_buf_free(&line);
}

/* A property whose value is ours and needs no escaping (dates, ids). */
static void s_raw(desk_buf_t *b, const char *name, const char *value)
{
    desk_buf_t line = {0};
    desk_buf_printf(&line, "%s:%s", name, value);
    s_fold(b, &line);
    desk_buf_free(&line);
}

static int s_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* "20270215" and the day after it, "20270216", from a calendar date. */
static void s_days(int y, int m, int d, char day[16], char next[16])
{
    static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    snprintf(day, 16, "%04d%02d%02d", y % 10000, m % 100, d % 100);
    if (++d > len[m - 1] + (m == 2 && s_leap(y))) {
        d = 1;
        if (++m > 12) {
            m = 1;
            y++;
        }
    }
    snprintf(next, 16, "%04d%02d%02d", y % 10000, m % 100, d % 100);
}

/* An all-day event of day y-m-d. */
static void s_event(desk_buf_t *b, const char *uid, const char *stamp, int y, int m, int d, const char *summary,
                    const char *description)
{
    char day[16], next[16];
    s_days(y, m, d, day, next);
    desk_buf_put(b, "BEGIN:VEVENT\r\n");
    s_raw(b, "UID", uid);
    s_raw(b, "DTSTAMP", stamp);
    s_raw(b, "DTSTART;VALUE=DATE", day);
    s_raw(b, "DTEND;VALUE=DATE", next);
    s_text(b, "SUMMARY", summary);
    s_text(b, "DESCRIPTION", description);
    /* Shared agendas show it as busy-free and private: a date of a child's follow-up is not the
     * colleagues' business. */
    desk_buf_put(b, "CLASS:CONFIDENTIAL\r\nTRANSP:TRANSPARENT\r\nEND:VEVENT\r\n");
}

int desk_calendar_write(const desk_cal_t *cal, const char *person, relais_cli_lang_t lang, int64_t now_ms,
                        desk_buf_t *b)
{
    char stamp[32], text[1024], uid[160];
    time_t now = (time_t)(now_ms / 1000);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    desk_buf_put(b, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//relais//desk calendar//FR\r\n"
                    "CALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\n");
    snprintf(text, sizeof text, T(lang, "relais \xe2\x80\x94 bilans et instances (%s)",
                                  "relais \xe2\x80\x94 reviews and meetings (%s)"),
             person);
    s_text(b, "X-WR-CALNAME", text);
    s_text(b, "X-WR-CALDESC",
           T(lang, "Prochains bilans des dossiers ouverts et instances partenariales, par numéro de dossier. "
                   "Aucun nom d'enfant : ce calendrier sort des systèmes de la ville.",
             "Next reviews of the open cases and partnership meetings, by case number. No child's name: this "
             "calendar leaves the town's systems."));
    /* How often a subscribed program should read it again: the hub's records come in all day. */
    desk_buf_put(b, "REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\nX-PUBLISHED-TTL:PT1H\r\n");
    for (size_t i = 0; i < cal->review_count; i++) {
        const desk_cal_review_t *r = &cal->reviews[i];
        time_t day_s = (time_t)(r->review_ms / 1000);
        struct tm day;
        gmtime_r(&day_s, &day);
        snprintf(uid, sizeof uid, "review-%s-%04d%02d%02d@relais", r->case_id, day.tm_year + 1900, day.tm_mon + 1,
                 day.tm_mday);
        char summary[160];
        snprintf(summary, sizeof summary, T(lang, "Bilan %s", "Review %s"), r->case_id);
        snprintf(text, sizeof text, T(lang, "Prochain bilan du dossier %s (état : %s).",
                                      "Next review of case %s (state: %s)."),
                 r->case_id, relais_page_state(r->state, lang));
        s_event(b, uid, stamp, day.tm_year + 1900, day.tm_mon + 1, day.tm_mday, summary, text);
    }
    for (size_t i = 0; i < cal->meeting_count; i++) {
        const desk_cal_meeting_t *mt = &cal->meetings[i];
        int y, m, d;
        if (!relais_calendar_date(mt->date, &y, &m, &d))
            continue; /* the model keeps none such: a meeting's id and date are checked there */
        snprintf(uid, sizeof uid, "meeting-%s@relais", mt->id);
        desk_buf_t desc = {0};
        desk_buf_printf(&desc,
                        mt->case_count == 1 ? T(lang, "Instance partenariale %s : %zu dossier examiné (",
                                                "Partnership meeting %s: %zu case reviewed (")
                                            : T(lang, "Instance partenariale %s : %zu dossiers examinés (",
                                                "Partnership meeting %s: %zu cases reviewed ("),
                        mt->id, mt->case_count);
        for (size_t j = 0; j < mt->case_count && j < DESK_CAL_MEETING_CASES; j++)
            desk_buf_printf(&desc, "%s%s", j ? ", " : "", mt->cases[j]);
        if (mt->case_count > DESK_CAL_MEETING_CASES)
            desk_buf_printf(&desc, T(lang, " et %zu autres", " and %zu more"), mt->case_count - DESK_CAL_MEETING_CASES);
        desk_buf_put(&desc, ").");
        if (desc.failed) {
            desk_buf_free(b);
            b->failed = 1;
            break;
        }
        s_event(b, uid, stamp, y, m, d, T(lang, "Instance partenariale", "Partnership meeting"), desc.data);
        desk_buf_free(&desc);
    }
    desk_buf_put(b, "END:VCALENDAR\r\n");
    return b->failed ? relais_status_set(RELAIS_E_NOMEM, "the calendar") : 0;
}

int desk_calendar_ics(relais_desk_t *desk, relais_cli_lang_t lang, desk_buf_t *b)
{
    desk_cal_t cal;
    int rc = desk_model_calendar(desk->model, &cal);
    if (rc)
        return rc;
    rc = desk_calendar_write(&cal, desk->person, lang, s_wall_ms(), b);
    desk_cal_free(&cal);
    return rc;
}

/* ---- Its address ----------------------------------------------------------------------------------- */

/* A Host header fit to be written back in an address: a name or an address, and a port. */
static int s_host_ok(const char *host)
{
    return host && *host && strlen(host) < 256 &&
           strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") == strlen(host);
}

int desk_calendar_address(relais_desk_t *desk, struct MHD_Connection *conn, const char *token, char *out,
                          size_t cap)
{
    int n;
    if (!desk->proxied) {
        n = snprintf(out, cap, "%s/calendar/%s.ics", desk->address, token);
    } else {
        /* The proxy's address, which the person's calendar program reaches: its TLS (the desk's
         * cookies are Secure there), the Host it passed, and the person, by which it finds this
         * desk without a password (desk/README.md). */
        const char *host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Host");
        if (!s_host_ok(host))
            return relais_status_set(RELAIS_E_INVALID, "the proxy passed no Host the address could name");
        static const char plain[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_~";
        char person[3 * RELAIS_NAME_LEN + 1];
        size_t at = 0;
        for (const unsigned char *p = (const unsigned char *)desk->person; *p; p++) {
            if (strchr(plain, *p))
                person[at++] = (char)*p;
            else
                at += (size_t)snprintf(person + at, sizeof person - at, "%%%02X", *p);
        }
        person[at] = '\0';
        n = snprintf(out, cap, "https://%s/calendar/%s/%s.ics", host, person, token);
    }
    if (n < 0 || (size_t)n >= cap)
        return relais_status_set(RELAIS_E_INVALID, "no room for the calendar's address");
    return 0;
}

/* ---- The page ---------------------------------------------------------------------------------------- */

void desk_page_calendar(relais_desk_t *desk, const desk_session_t *s, const desk_cal_view_t *v, desk_buf_t *b)
{
    relais_cli_lang_t lang = s->lang;
    const char *title = T(lang, "Calendrier des bilans", "Review calendar");
    desk_page_begin(desk, s, lang, title, "calendar", b);
    desk_buf_printf(b, "<h1>%s</h1>\n", title);
    desk_buf_printf(b, "<p>%s</p>\n",
                    T(lang, "Le calendrier donne le jour du prochain bilan de chaque dossier ouvert (hors pause) et "
                            "les instances partenariales enregistrées. Il ne nomme que des numéros de dossier : "
                            "jamais un enfant, une école ou un organisme signalant, car un agenda sort des systèmes "
                            "de la ville.",
                      "The calendar gives the day of the next review of each open case (paused ones apart) and the "
                      "partnership meetings recorded. It names case numbers only: never a child, a school or a "
                      "referring organisation, for a calendar leaves the town's systems."));
    desk_cal_t cal;
    int rc = desk_model_calendar(desk->model, &cal);
    desk_buf_printf(b, "<h2>%s</h2>\n", T(lang, "Télécharger", "Download"));
    if (rc) {
        desk_buf_printf(b, "<p class=\"alert\" role=\"alert\">%s</p>\n",
                        T(lang, "Le calendrier n'a pas pu être fait (mémoire).",
                          "The calendar could not be made (memory)."));
    } else {
        if (cal.incomplete)
            desk_buf_printf(b, "<p class=\"alert\" role=\"alert\">%s</p>\n",
                            T(lang, "La mémoire a manqué en lisant le fil : une instance peut manquer au calendrier "
                                    "jusqu'au redémarrage du desk.",
                              "Memory ran short while reading the feed: a meeting may be missing from the calendar "
                              "until the desk restarts."));
        desk_buf_printf(b, "<p><a href=\"/calendar.ics\">%s</a> ",
                        T(lang, "Télécharger le calendrier (fichier .ics)", "Download the calendar (.ics file)"));
        size_t r = cal.review_count, m = cal.meeting_count;
        if (lang == RELAIS_CLI_EN)
            desk_buf_printf(b, "\xe2\x80\x94 %zu %s, %zu %s.", r, r == 1 ? "review" : "reviews", m,
                            m == 1 ? "meeting" : "meetings");
        else /* French counts 0 and 1 in the singular */
            desk_buf_printf(b, "\xe2\x80\x94 %zu %s, %zu %s.", r, r > 1 ? "bilans" : "bilan", m,
                            m > 1 ? "instances" : "instance");
        desk_buf_put(b, "</p>\n");
        desk_cal_free(&cal);
    }

    desk_buf_printf(b, "<h2>%s</h2>\n", T(lang, "S'abonner depuis un agenda", "Subscribe from a calendar program"));
    desk_buf_printf(b, "<p>%s</p>\n",
                    T(lang, "Un agenda (Thunderbird, Outlook, un téléphone) ne sait pas se connecter au desk : il lit "
                            "le calendrier à une adresse secrète, la vôtre, qui ne donne que ce fichier. Qui connaît "
                            "l'adresse lit ces dates et ces numéros de dossier : ne la partagez pas, et révoquez-la "
                            "si elle a pu être vue.",
                      "A calendar program (Thunderbird, Outlook, a phone) cannot log in to the desk: it reads the "
                      "calendar at a secret address, yours, which gives this file and nothing else. Whoever knows "
                      "the address reads these dates and case numbers: do not share it, and revoke it if it may "
                      "have been seen."));
    if (v->trouble) {
        desk_buf_put(b, "<p class=\"alert\" role=\"alert\" id=\"cal-trouble\">");
        desk_buf_text(b, v->trouble);
        desk_buf_put(b, "</p>\n");
    }
    if (v->said || v->address) {
        desk_buf_put(b, "<div class=\"notice\" role=\"status\" id=\"cal-said\">");
        if (v->said) {
            desk_buf_put(b, "<p>");
            desk_buf_text(b, v->said);
            desk_buf_put(b, "</p>");
        }
        if (v->address) {
            desk_buf_printf(b,
                            "<div class=\"field\"><label for=\"cal-address\">%s <span class=\"hint\">%s</span>"
                            "</label><textarea id=\"cal-address\" rows=\"2\" readonly spellcheck=\"false\">",
                            T(lang, "Adresse d'abonnement", "Subscription address"),
                            T(lang, "affichée cette fois seulement : copiez-la maintenant dans votre agenda (« "
                                    "s'abonner à un calendrier sur le réseau »)",
                              "shown this once only: copy it into your calendar program now (\xe2\x80\x9csubscribe "
                              "to a calendar on the network\xe2\x80\x9d)"));
            desk_buf_text(b, v->address); /* all of it in sight, over two lines if need be */
            desk_buf_put(b, "</textarea></div>");
        }
        desk_buf_put(b, "</div>\n");
    }
    int64_t made = 0;
    int has = desk_calendar_subscribed(&desk->calendar, &made);
    desk_buf_put(b, "<p id=\"cal-state\">");
    if (has) {
        char when[64];
        relais_cli_date_time(made, lang, when, sizeof when);
        desk_buf_printf(b, T(lang, "Une adresse d'abonnement existe, créée le %s.",
                             "A subscription address exists, made on %s."),
                        when);
    } else {
        desk_buf_put(b, T(lang, "Aucune adresse d'abonnement n'existe.", "No subscription address exists."));
    }
    desk_buf_put(b, "</p>\n");
    if (desk->calendar.dir_fd < 0)
        desk_buf_printf(b, "<p class=\"notice\">%s</p>\n",
                        T(lang, "Ce desk n'a pas de dossier d'état (--state-dir) : l'adresse cessera de servir quand "
                                "il s'arrêtera.",
                          "This desk has no state folder (--state-dir): the address will stop working when it "
                          "stops."));
    if (!desk->proxied)
        desk_buf_printf(b, "<p>%s</p>\n",
                        T(lang, "Sur ce poste, l'adresse contient le port du desk : elle ne sert après un redémarrage "
                                "que si le desk reprend le même (--listen 127.0.0.1:PORT).",
                          "On this machine the address holds the desk's port: after a restart it works only if the "
                          "desk takes the same one again (--listen 127.0.0.1:PORT)."));
    desk_buf_printf(b, "<form method=\"post\" action=\"/calendar\" class=\"field\">"
                       "<input type=\"hidden\" name=\"csrf\" value=\"%s\">"
                       "<input type=\"hidden\" name=\"action\" value=\"subscribe\">"
                       "<button type=\"submit\" id=\"cal-subscribe\">%s</button></form>\n",
                    s->csrf,
                    has ? T(lang, "Remplacer l'adresse (l'ancienne cesse de servir)",
                            "Replace the address (the old one stops working)")
                        : T(lang, "Créer une adresse d'abonnement", "Make a subscription address"));
    if (has)
        desk_buf_printf(b, "<form method=\"post\" action=\"/calendar\" class=\"field\">"
                           "<input type=\"hidden\" name=\"csrf\" value=\"%s\">"
                           "<input type=\"hidden\" name=\"action\" value=\"revoke\">"
                           "<button type=\"submit\" id=\"cal-revoke\">%s</button></form>\n",
                        s->csrf, T(lang, "Révoquer l'adresse", "Revoke the address"));
    desk_page_end(lang, b);
}
