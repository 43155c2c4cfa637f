/* cli_util.c -- shared pieces of the `relais` subcommands: connection flags, error reports, record lines. */
#include "relais_page.h"
#include "relais_certs.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t s_stop;

int relais_cli_conn_opt(relais_cli_conn_t *conn, int opt, const char *arg)
{
    switch (opt) {
    case RELAIS_OPT_ENDPOINT:
        conn->endpoint = arg;
        return 1;
    case RELAIS_OPT_KEY:
        conn->key = arg;
        return 1;
    case RELAIS_OPT_SERVER_CERT:
        conn->server_cert = arg;
        return 1;
    default:
        return 0;
    }
}

static const char *s_env(const char *given, const char *name)
{
    if (given && *given)
        return given;
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

int relais_cli_connect(relais_cli_conn_t *conn, const char *spool_dir, int timeout_ms, relais_client_t **out)
{
    conn->endpoint = s_env(conn->endpoint, "RELAIS_ENDPOINT");
    conn->key = s_env(conn->key, "RELAIS_KEY");
    conn->server_cert = s_env(conn->server_cert, "RELAIS_SERVER_CERT");
    relais_client_options_t opts = {
        .endpoint = conn->endpoint,
        .key_path = conn->key,
        .server_cert_path = conn->server_cert,
        .spool_dir = spool_dir,
        .timeout_ms = timeout_ms,
        .max_message = conn->max_message,
    };
    relais_status_clear();
    int rc = relais_client_new(&opts, out);
    if (rc)
        return relais_cli_local("cannot start the client", rc);
    return RELAIS_EXIT_OK;
}

int relais_cli_default_spool(const relais_cli_conn_t *conn, const char *cmd, char *out, size_t cap)
{
    const char *env = getenv("RELAIS_SPOOL");
    if (env && *env) {
        snprintf(out, cap, "%s", env);
        return 0;
    }
    const char *key = conn->key && *conn->key ? conn->key : getenv("RELAIS_KEY");
    const char *home = getenv("HOME");
    relais_identity_t *id = NULL;
    if (!key || !home || !*home)
        return relais_cli_usage(cmd, "no spool folder: give --spool, RELAIS_SPOOL, or a --key and a HOME");
    int rc = relais_identity_load(key, &id);
    if (rc)
        return relais_cli_local("cannot read the key file", rc);
    /* the spool makes its folder and the missing ones above it (0700) when it opens */
    snprintf(out, cap, "%s/.relais/spool-%s", home, relais_identity_peer(id)->name);
    relais_identity_destroy(&id);
    return 0;
}

/* ---- Printing text safely ------------------------------------------------------------------ */

__attribute__((format(printf, 2, 0))) static void s_vline(FILE *out, const char *fmt, va_list ap)
{
    char small[1024], *text = small;
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    if (n >= (int)sizeof small) {
        text = malloc((size_t)n + 1);
        if (text)
            vsnprintf(text, (size_t)n + 1, fmt, again);
    }
    va_end(again);
    if (n < 0 || !text) {
        fputs("(a line that could not be formatted)\n", out);
        return;
    }
    /* every byte may become a four-character escape */
    size_t len = (size_t)n, cap = 4 * len + 1;
    char *safe = malloc(cap);
    if (safe) {
        relais_text_escape(text, len, safe, cap);
        fputs(safe, out);
        fputc('\n', out);
        free(safe);
    }
    if (text != small)
        free(text);
}

void relais_cli_line(FILE *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    s_vline(out, fmt, ap);
    va_end(ap);
}

const char *relais_cli_safe(const char *s, char *buf, size_t cap)
{
    return relais_text_escape(s ? s : "", s ? strlen(s) : 0, buf, cap);
}

const char *relais_cli_ids(const char ids[][RELAIS_CASE_ID_LEN], size_t n, char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && used + 1 < cap; i++) {
        char safe[RELAIS_CASE_ID_LEN * 4];
        relais_cli_safe(ids[i], safe, sizeof safe);
        int w = snprintf(buf + used, cap - used, "%s%s", i ? ", " : "", safe);
        if (w < 0 || (size_t)w >= cap - used)
            break; /* cut: snprintf left what fitted, terminated */
        used += (size_t)w;
    }
    return buf;
}

int relais_cli_local(const char *what, int status)
{
    const char *detail = relais_status_detail();
    relais_cli_line(stderr, "relais: %s: %s: %s", what, relais_status_name(status),
                    detail && *detail ? detail : relais_strerror(status));
    return RELAIS_EXIT_USAGE;
}

int relais_cli_fail(const char *what, int status, const relais_error_t *err)
{
    if (status == RELAIS_E_TIMEOUT) {
        const char *detail = relais_status_detail();
        relais_cli_line(stderr, "relais: %s: UNAVAILABLE: %s", what,
                        err && *err->message ? err->message
                        : *detail            ? detail
                                             : "no answer from the broker in time");
        return RELAIS_EXIT_REFUSED;
    }
    if (relais_status_to_wire(status) != 0) {
        relais_cli_line(stderr, "relais: refused: %s: %s", relais_status_name(status),
                        err && *err->message ? err->message : relais_strerror(status));
        return RELAIS_EXIT_REFUSED;
    }
    return relais_cli_local(what, status);
}

int relais_cli_usage(const char *cmd, const char *fmt, ...)
{
    char what[64];
    snprintf(what, sizeof what, "relais %s: ", cmd);
    va_list ap;
    va_start(ap, fmt);
    fputs(what, stderr);
    s_vline(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "(see 'relais %s --help')\n", cmd);
    return RELAIS_EXIT_USAGE;
}


void relais_cli_time(int64_t ms, char *out, size_t cap)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (ms <= 0 || !localtime_r(&t, &tm) || strftime(out, cap, "%Y-%m-%d %H:%M", &tm) == 0)
        snprintf(out, cap, "-");
}

/* ---- Pages for people ------------------------------------------------------------------------ */

/* Fixed, not the locale's: a page reads the same on every machine, and a test can compare it. */
static const char *const s_months_en[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

static void s_day(int year, int month, int day, relais_cli_lang_t lang, char *out, size_t cap)
{
    if (lang == RELAIS_CLI_EN)
        snprintf(out, cap, "%d %s %04d", day, s_months_en[(month - 1) % 12], year);
    else
        snprintf(out, cap, "%02d/%02d/%04d", day, month, year);
}

void relais_cli_date_time(int64_t ms, relais_cli_lang_t lang, char *out, size_t cap)
{
    static int zone_read;
    if (!zone_read) {
        tzset(); /* TZ as it is now: localtime_r alone need not read it */
        zone_read = 1;
    }
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (ms <= 0 || !localtime_r(&t, &tm)) {
        snprintf(out, cap, "-");
        return;
    }
    char day[32];
    s_day(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, lang, day, sizeof day);
    snprintf(out, cap, "%s %02d:%02d", day, tm.tm_hour, tm.tm_min);
}

void relais_cli_date(const char *iso, relais_cli_lang_t lang, char *out, size_t cap)
{
    int year, month, day;
    if (iso && relais_calendar_date(iso, &year, &month, &day))
        s_day(year, month, day, lang, out, cap);
    else
        relais_cli_safe(iso, out, cap);
}

int relais_cli_lang_parse(const char *name, relais_cli_lang_t *lang)
{
    if (name && strcasecmp(name, "fr") == 0)
        *lang = RELAIS_CLI_FR;
    else if (name && strcasecmp(name, "en") == 0)
        *lang = RELAIS_CLI_EN;
    else
        return relais_status_set(RELAIS_E_INVALID, "--lang: expected fr or en");
    return 0;
}

/* ---- Case ids as people type them ------------------------------------------------------------ */

/* The number after an optional prefix: digits only, not zero. */
static int s_ref_number(const char *digits, uint64_t *n)
{
    return relais_cli_parse_u64(digits, n) == 0 && *n > 0 ? 0 : -1;
}

int relais_cli_case_ref(const char *text, unsigned accept, char *out, size_t cap)
{
    uint64_t n = 0;
    char prefix = 0;
    if (text && (text[0] == 'C' || text[0] == 'c') && text[1] == '-' && (accept & RELAIS_CLI_REF_CASE))
        prefix = 'C';
    else if (text && (text[0] == 'R' || text[0] == 'r') && text[1] == '-' && (accept & RELAIS_CLI_REF_HANDLE))
        prefix = 'R';
    else if (text && (text[0] == 'A' || text[0] == 'a') && text[1] == '-' && (accept & RELAIS_CLI_REF_ENTRY))
        prefix = 'A';
    else if (text && (text[0] == 'T' || text[0] == 't') && text[1] == '-' && (accept & RELAIS_CLI_REF_TRANSFER))
        prefix = 'T';
    else if (text && (text[0] == 'O' || text[0] == 'o') && text[1] == '-' && (accept & RELAIS_CLI_REF_ITEM))
        prefix = 'O';
    else if (text && (text[0] == 'P' || text[0] == 'p') && text[1] == '-' && (accept & RELAIS_CLI_REF_ITEM))
        prefix = 'P';
    const char *digits = prefix ? text + 2 : text;
    char bare = accept & RELAIS_CLI_REF_CASE ? 'C' : accept & RELAIS_CLI_REF_ENTRY ? 'A' : 0;
    if (text && (prefix || bare) && s_ref_number(digits, &n) == 0) {
        snprintf(out, cap, "%c-%" PRIu64, prefix ? prefix : bare, n);
        return RELAIS_OK;
    }
    const char *expected = accept == RELAIS_CLI_REF_HANDLE ? "a referral's handle (R-57 or r-57)"
                           : accept == RELAIS_CLI_REF_CASE ? "a case id (C-14, c-14 or 14)"
                           : (accept & RELAIS_CLI_REF_ITEM)
                               ? "a case id (C-14, c-14 or 14), an entry of the reception's register (A-12) or an item "
                                 "of its lost and found (O-31, P-32)"
                           : (accept & RELAIS_CLI_REF_ENTRY)
                               ? "a case id (C-14, c-14 or 14) or an entry of the reception's register (A-12)"
                               : "a case id (C-14, c-14 or 14) or a referral's handle (R-57)";
    return relais_status_set(RELAIS_E_INVALID, "'%.64s' is not %s", text ? text : "", expected);
}

int relais_cli_parse_u64(const char *s, uint64_t *out)
{
    char *end;
    if (!s || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

int relais_cli_read_fd(int fd, const char *name, size_t max, char **out, size_t *len)
{
    char *buf = NULL;
    size_t used = 0, cap = 0;
    for (;;) {
        if (used == cap) {
            /* grows to max + 1 at most: one byte more than allowed tells a file that is too large */
            size_t want = cap ? cap * 2 : 8192;
            if (want > max + 1)
                want = max + 1;
            if (want <= cap)
                break;
            char *grown = realloc(buf, want + 1);
            if (!grown) {
                free(buf);
                return relais_status_set(RELAIS_E_NOMEM, "%s: %zu bytes", name, want);
            }
            buf = grown;
            cap = want;
        }
        ssize_t n = read(fd, buf + used, cap - used);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int saved = errno;
            free(buf);
            return relais_status_set(RELAIS_E_IO, "%s: %s", name, strerror(saved));
        }
        if (n == 0)
            break;
        used += (size_t)n;
    }
    if (used > max) {
        free(buf);
        return relais_status_set(RELAIS_E_TOO_LARGE, "%s: more than %zu bytes, the most read", name, max);
    }
    if (!buf && !(buf = malloc(1)))
        return relais_status_set(RELAIS_E_NOMEM, "%s", name);
    buf[used] = '\0';
    *out = buf;
    *len = used;
    return RELAIS_OK;
}

int relais_cli_read_file(const char *path, size_t max, unsigned flags, char **out, size_t *len)
{
    int nofollow = (flags & RELAIS_CLI_READ_NOFOLLOW) != 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | (nofollow ? O_NOFOLLOW : 0));
    if (fd < 0 && nofollow && errno == ELOOP)
        return relais_status_set(RELAIS_E_INVALID, "%s: a symbolic link, not a file (links are not followed here)",
                                 path);
    if (fd < 0)
        return relais_status_set(RELAIS_E_IO, "%s: %s", path, strerror(errno));
    /* What was opened is what is checked and read: no window between a look and the open. */
    struct stat st;
    int rc = RELAIS_OK;
    if (fstat(fd, &st) != 0)
        rc = relais_status_set(RELAIS_E_IO, "%s: %s", path, strerror(errno));
    else if (!S_ISREG(st.st_mode))
        rc = relais_status_set(RELAIS_E_INVALID, "%s: not a regular file", path);
    else if ((uint64_t)st.st_size > max)
        rc = relais_status_set(RELAIS_E_TOO_LARGE, "%s: %llu bytes, more than the %zu read at most", path,
                               (unsigned long long)st.st_size, max);
    if (rc == RELAIS_OK && (flags & RELAIS_CLI_READ_PRIVATE) && (st.st_mode & 077) &&
        fchmod(fd, st.st_mode & 0700) != 0)
        relais_cli_line(stderr, "relais: warning: %s may be read by others (mode %o) and cannot be made 0600: %s; "
                                "have whoever writes the drop folder create its files 0600",
                        path, (unsigned)(st.st_mode & 0777), strerror(errno));
    if (rc == RELAIS_OK)
        rc = relais_cli_read_fd(fd, path, max, out, len);
    close(fd);
    return rc;
}

/* JSON text with its remaining controls as \uHHHH: json_dumps escapes those below U+0020 and
 * leaves DEL, C1 and the others raw; inside a string an escape means the same. */
static void s_put_json(FILE *out, const char *text)
{
    size_t len = strlen(text);
    for (size_t i = 0; i < len;) {
        uint32_t cp = 0;
        size_t n = relais_utf8_next(text + i, len - i, &cp);
        if (n == 0) { /* json_dumps writes UTF-8 only; never copy a stray byte raw */
            fputs("\\ufffd", out);
            i++;
        } else if (relais_text_is_control(cp)) {
            fprintf(out, "\\u%04x", (unsigned)cp);
            i += n;
        } else {
            fwrite(text + i, 1, n, out);
            i += n;
        }
    }
}

void relais_cli_print_json(FILE *out, json_t *v)
{
    char *text = v ? json_dumps(v, JSON_COMPACT) : NULL;
    if (text) {
        s_put_json(out, text);
        fputc('\n', out);
        free(text);
    }
    fflush(out);
    json_decref(v);
}

const char *relais_cli_task_status(int task_status)
{
    static const char *const names[] = {"unspecified", "requested", "received",  "accepted",
                                        "rejected",    "in-progress", "on-hold", "completed",
                                        "cancelled",   "failed",    "entered-in-error"};
    if (task_status < 0 || (size_t)task_status >= sizeof names / sizeof names[0])
        return "?";
    return names[task_status];
}

/* ---- Records --------------------------------------------------------------------------- */

/* A decoded record's message, or NULL when its bytes do not decode. Caller destroys. */
static relais_message_t *s_record_message(const uint8_t *record, size_t len)
{
    relais_message_t *msg = NULL;
    return relais_record_message_decode(record, len, NULL, NULL, &msg) ? NULL : msg;
}

static const char *s_payload_name(relais_payload_t p)
{
    switch (p) {
    case RELAIS_PAYLOAD_REFERRAL:
        return "referral";
    case RELAIS_PAYLOAD_CASE_UPDATE:
        return "case-update";
    case RELAIS_PAYLOAD_ACCESS:
        return "access";
    case RELAIS_PAYLOAD_CONTACT:
        return "contact";
    case RELAIS_PAYLOAD_CONTACT_UPDATE:
        return "contact-upd";
    case RELAIS_PAYLOAD_TRANSFER:
        return "transfer";
    case RELAIS_PAYLOAD_TRANSFER_ANSWER:
        return "answer";
    case RELAIS_PAYLOAD_LOST_FOUND:
        return "lost-found";
    case RELAIS_PAYLOAD_LOST_FOUND_UPDATE:
        return "lost-upd";
    case RELAIS_PAYLOAD_DECREE:
        return "decree";
    case RELAIS_PAYLOAD_PRIVACY:
        return "privacy";
    case RELAIS_PAYLOAD_MEETING:
        return "meeting";
    default:
        return "?";
    }
}

/* "Lina B. (6e B, Collège Marie Curie) educational,social priority" */
static void s_referral_summary(const relais_message_t *msg, char *out, size_t cap)
{
    static const char *const domains[] = {"", "educational", "periscolaire", "cultural", "social", "health"};
    relais_referral_view_t r;
    if (relais_message_referral(msg, &r)) {
        snprintf(out, cap, "?");
        return;
    }
    char dom[96] = "";
    for (unsigned d = 1; d < sizeof domains / sizeof domains[0]; d++) {
        if (r.domains & (1u << d)) {
            if (*dom)
                strncat(dom, ",", sizeof dom - strlen(dom) - 1);
            strncat(dom, domains[d], sizeof dom - strlen(dom) - 1);
        }
    }
    const char *given = r.given_count ? r.given_names[0] : "?";
    const char *urg = relais_urgency_name(r.urgency);
    const char *family = r.family_name && *r.family_name ? r.family_name : "?";
    uint32_t cp;
    size_t initial = relais_utf8_next(family, strlen(family), &cp); /* "É", not half of it */
    snprintf(out, cap, "%s %.*s. (%s%s%s) %s %s", given, (int)(initial ? initial : 1), family,
             r.class_name ? r.class_name : "", r.class_name && *r.class_name ? ", " : "", r.school ? r.school : "",
             *dom ? dom : "-", urg ? urg : "-");
}

/* "triage -> accepted reason=out-of-scope review=2026-12-10 \"note\"" */
static void s_update_summary(const relais_message_t *msg, char *out, size_t cap, const char **case_id)
{
    relais_case_update_view_t u;
    if (relais_message_case_update(msg, &u)) {
        snprintf(out, cap, "?");
        return;
    }
    *case_id = u.case_id;
    const char *from = relais_case_state_name(u.from_state);
    const char *to = relais_case_state_name(u.to_state);
    int n = u.from_state == u.to_state ? snprintf(out, cap, "%s (note)", from ? from : "?")
                                       : snprintf(out, cap, "%s -> %s", from ? from : "?", to ? to : "?");
    size_t used = n > 0 && (size_t)n < cap ? (size_t)n : cap - 1;
    if (u.sub_status && *u.sub_status)
        used += (size_t)snprintf(out + used, cap - used, " [%s]", u.sub_status);
    if (used < cap && u.reason_code && *u.reason_code)
        used += (size_t)snprintf(out + used, cap - used, " reason=%s", u.reason_code);
    if (used < cap && u.redirected_to && *u.redirected_to)
        used += (size_t)snprintf(out + used, cap - used, " to=%s", u.redirected_to);
    if (used < cap && u.next_review_date && *u.next_review_date)
        used += (size_t)snprintf(out + used, cap - used, " review=%s", u.next_review_date);
    if (used < cap && u.pathway_count)
        used += (size_t)snprintf(out + used, cap - used, " pathway=%zu action(s)", u.pathway_count);
    if (used < cap && u.share_referral && *u.share_referral)
        used += (size_t)snprintf(out + used, cap - used, " shared-with=%s", u.share_referral);
    if (used < cap && u.merge_into && *u.merge_into)
        used += (size_t)snprintf(out + used, cap - used, " merged-into=%s", u.merge_into);
    if (used < cap && u.split_referral && *u.split_referral)
        used += (size_t)snprintf(out + used, cap - used, " split-out=%s", u.split_referral);
    if (used < cap && u.dismiss_duplicate && *u.dismiss_duplicate)
        used += (size_t)snprintf(out + used, cap - used, " not-a-duplicate-of=%s", u.dismiss_duplicate);
    if (used < cap && u.note && *u.note)
        snprintf(out + used, cap - used, " \"%s\"", u.note);
}

/* "M-20261210-a3f9 2026-12-10 present=3 review=2027-01-15 \"decision\"" */
static void s_meeting_summary(const relais_message_t *msg, char *out, size_t cap, const char **case_id)
{
    relais_meeting_view_t m;
    if (relais_message_meeting(msg, &m)) {
        snprintf(out, cap, "?");
        return;
    }
    *case_id = m.case_id;
    int n = snprintf(out, cap, "%s %s present=%zu", m.meeting_id, m.date, m.present_count);
    size_t used = n > 0 && (size_t)n < cap ? (size_t)n : cap - 1;
    if (used < cap && m.next_review_date && *m.next_review_date)
        used += (size_t)snprintf(out + used, cap - used, " review=%s", m.next_review_date);
    if (used < cap && m.decision && *m.decision)
        snprintf(out + used, cap - used, " \"%s\"", m.decision);
}

/* The register's records: "call noise \"Bruit nocturne\" Rue Houdan", "closed \"Réglé\"",
 * "T-14 to police-municipale (Police municipale de Sceaux) by phone", "accepted \"...\"". */
static void s_reception_summary(const relais_message_t *msg, uint64_t seq, char *out, size_t cap,
                                const char **case_id, char *handle)
{
    relais_contact_view_t c;
    relais_contact_update_view_t u;
    relais_transfer_view_t t;
    relais_transfer_answer_view_t a;
    const char *none = "";
    if (relais_message_contact(msg, &c) == 0) {
        relais_entry_handle(seq, handle);
        *case_id = seq ? handle : NULL;
        snprintf(out, cap, "%s %s \"%s\"%s%s", relais_channel_name(c.channel) ? relais_channel_name(c.channel) : "?",
                 relais_category_name(c.category) ? relais_category_name(c.category) : "?", c.subject,
                 c.street[0] ? " " : none, c.street);
    } else if (relais_message_contact_update(msg, &u) == 0) {
        *case_id = u.entry_id;
        snprintf(out, cap, "%s%s%s%s", relais_handling_name(u.handling) ? relais_handling_name(u.handling) : "update",
                 u.note[0] ? " \"" : none, u.note, u.note[0] ? "\"" : none);
    } else if (relais_message_transfer(msg, &t) == 0) {
        *case_id = t.entry_id;
        relais_transfer_handle(seq, handle);
        snprintf(out, cap, "%s to %s (%s) by %s", seq ? handle : "T-?",
                 relais_recipient_name(t.recipient) ? relais_recipient_name(t.recipient) : "?", t.recipient_name,
                 relais_means_name(t.means) ? relais_means_name(t.means) : "?");
    } else if (relais_message_transfer_answer(msg, &a) == 0) {
        *case_id = a.transfer_id;
        snprintf(out, cap, "%s%s%s%s", relais_answer_name(a.answer) ? relais_answer_name(a.answer) : "?",
                 a.note[0] ? " \"" : none, a.note, a.note[0] ? "\"" : none);
    } else {
        snprintf(out, cap, "?");
    }
}

/* "rectified #57 child.birth_date = 2017-04-09 (erreur de saisie)", "legal-hold-set (IP réf. 2026-014)" */
static void s_privacy_summary(const relais_message_t *msg, char *out, size_t cap, const char **case_id)
{
    relais_privacy_view_t p;
    if (relais_message_privacy(msg, &p)) {
        snprintf(out, cap, "?");
        return;
    }
    *case_id = p.case_id;
    const char *kind = relais_privacy_kind_name(p.kind);
    if (p.kind == RELAIS_PRIVACY_RECTIFIED)
        snprintf(out, cap, "%s #%llu %s = %s (%s)", kind, (unsigned long long)p.record_seq, p.field, p.value, p.reason);
    else
        snprintf(out, cap, "%s (%s)", kind ? kind : "?", p.reason && *p.reason ? p.reason : "-");
}

/* Other payloads through their JSON form: "case-show C-12 by coordination" for an access. */
static void s_json_summary(const relais_message_t *msg, char *out, size_t cap, const char **case_id,
                           json_t **keep)
{
    char *text = relais_message_to_json(msg);
    json_t *root = text ? json_loads(text, 0, NULL) : NULL;
    free(text);
    json_t *access = json_object_get(root, "access");
    snprintf(out, cap, "-");
    if (access) {
        const char *action = json_string_value(json_object_get(access, "action"));
        const char *reader = json_string_value(json_object_get(access, "reader"));
        *case_id = json_string_value(json_object_get(access, "case_id"));
        snprintf(out, cap, "%s by %s", action ? action : "?", reader ? reader : "?");
    } else if (json_object_get(root, "decree")) {
        json_t *d = json_object_get(root, "decree");
        const char *number = json_string_value(json_object_get(d, "number"));
        const char *title = json_string_value(json_object_get(d, "title"));
        snprintf(out, cap, "%s %s", number ? number : "?", title ? title : "-");
    } else if (json_object_get(root, "contact") || json_object_get(root, "lost_found")) {
        json_t *p = json_object_get(root, "contact") ? json_object_get(root, "contact")
                                                      : json_object_get(root, "lost_found");
        const char *s = json_string_value(json_object_get(p, "subject"));
        if (!s)
            s = json_string_value(json_object_get(p, "description"));
        snprintf(out, cap, "%s", s ? s : "-");
    }
    *keep = root; /* case_id points into it */
}

void relais_cli_print_record(FILE *out, uint64_t seq, int64_t received_ms, const uint8_t *record, size_t len,
                             const char *case_id)
{
    char when[32], summary[512], handle[RELAIS_CASE_ID_LEN];
    relais_cli_time(received_ms, when, sizeof when);
    relais_message_t *msg = s_record_message(record, len);
    if (!msg) {
        relais_cli_line(out, "#%llu %s (record does not decode)", (unsigned long long)seq, when);
        return;
    }
    relais_payload_t kind = relais_message_payload(msg);
    const char *cid = case_id;
    json_t *keep = NULL;
    if (kind == RELAIS_PAYLOAD_REFERRAL)
        s_referral_summary(msg, summary, sizeof summary);
    else if (kind == RELAIS_PAYLOAD_CASE_UPDATE)
        s_update_summary(msg, summary, sizeof summary, &cid);
    else if (kind == RELAIS_PAYLOAD_PRIVACY)
        s_privacy_summary(msg, summary, sizeof summary, &cid);
    else if (kind == RELAIS_PAYLOAD_MEETING)
        s_meeting_summary(msg, summary, sizeof summary, &cid);
    else if (relais_payload_is_reception(kind))
        s_reception_summary(msg, seq, summary, sizeof summary, &cid, handle);
    else
        s_json_summary(msg, summary, sizeof summary, &cid, &keep);
    char num[24];
    snprintf(num, sizeof num, "#%llu", (unsigned long long)seq);
    relais_cli_line(out, "%-6s %s %-14s %-11s %-6s %s", num, when, relais_message_sender(msg), s_payload_name(kind),
                    cid && *cid ? cid : "-", summary);
    json_decref(keep);
    relais_message_destroy(&msg);
}

json_t *relais_cli_record_json(uint64_t seq, int64_t received_ms, const uint8_t *record, size_t len,
                               const uint8_t *leaf_hash)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "seq", json_integer((json_int_t)seq));
    json_object_set_new(o, "received_ms", json_integer(received_ms));
    uint8_t leaf[32];
    char hex[65];
    if (leaf_hash)
        memcpy(leaf, leaf_hash, sizeof leaf);
    if (leaf_hash || relais_leaf_hash(record, len, leaf) == RELAIS_OK) {
        relais_hex_encode(leaf, sizeof leaf, hex);
        json_object_set_new(o, "leaf_hash", json_string(hex));
    }
    relais_message_t *msg = s_record_message(record, len);
    char *text = msg ? relais_message_to_json(msg) : NULL;
    json_t *m = text ? json_loads(text, 0, NULL) : NULL;
    json_object_set_new(o, "message", m ? m : json_null());
    free(text);
    relais_message_destroy(&msg);
    return o;
}

json_t *relais_cli_history_json(const relais_reply_t *r)
{
    json_t *history = json_array();
    for (size_t i = 0; history && i < r->event_count; i++) {
        /* The status object the feed prints, with the event's seq. */
        json_t *event = relais_cli_status_json(&r->events[i].status);
        if (event)
            json_object_set_new(event, "seq", json_integer((json_int_t)r->events[i].seq));
        json_array_append_new(history, event);
    }
    return history;
}

/* A correction's place in a message's JSON: the payload member and the path under it. */
static json_t *s_target(json_t *message, const char *field, char *leaf, size_t cap)
{
    json_t *payload = json_object_get(message, "referral");
    json_t *update = json_object_get(message, "case_update");
    unsigned index;
    int n = 0;
    if (strcmp(field, "note") == 0 || strcmp(field, "diagnosis") == 0) {
        snprintf(leaf, cap, "%s", field);
        return update;
    }
    if (!payload)
        return NULL;
    if (strncmp(field, "child.", 6) == 0 || strncmp(field, "referrer.", 9) == 0) {
        const char *dot = strchr(field, '.');
        char member[16];
        snprintf(member, sizeof member, "%.*s", (int)(dot - field), field);
        snprintf(leaf, cap, "%s", dot + 1);
        json_t *o = json_object_get(payload, member);
        if (!o) {
            o = json_object();
            json_object_set_new(payload, member, o);
        }
        return o;
    }
    if (sscanf(field, "guardian.%u.%n", &index, &n) == 1 && n > 0) {
        json_t *list = json_object_get(payload, "guardians");
        snprintf(leaf, cap, "%s", field + n);
        return json_array_get(list, index - 1);
    }
    snprintf(leaf, cap, "%s", field);
    return payload;
}

/* Applies one rectification to the timeline's message it names, keeping the original beside. */
static void s_rectify_view(json_t *timeline, const relais_privacy_view_t *p, uint64_t seq, int64_t when)
{
    size_t i;
    json_t *entry;
    json_array_foreach(timeline, i, entry)
    {
        json_t *s = json_object_get(entry, "seq");
        if (!json_is_integer(s) || (uint64_t)json_integer_value(s) != p->record_seq)
            continue;
        char leaf[64];
        json_t *where = s_target(json_object_get(entry, "message"), p->field, leaf, sizeof leaf);
        if (!where)
            return;
        json_t *old = json_object_get(where, leaf);
        json_t *corrected = json_string(p->value);
        if (strcmp(leaf, "given_names") == 0) {
            json_decref(corrected);
            corrected = json_array();
            char *copy = strdup(p->value), *save = NULL;
            for (char *t = copy ? strtok_r(copy, " ", &save) : NULL; t; t = strtok_r(NULL, " ", &save))
                json_array_append_new(corrected, json_string(t));
            free(copy);
        }
        json_t *rectifications = json_object_get(entry, "rectifications");
        if (!rectifications) {
            rectifications = json_array();
            json_object_set_new(entry, "rectifications", rectifications);
        }
        json_array_append_new(rectifications,
                              json_pack("{s:s, s:O?, s:O, s:s, s:I, s:I}", "field", p->field, "original", old,
                                        "corrected", corrected, "reason", p->reason, "by_record", (json_int_t)seq,
                                        "received_ms", (json_int_t)when));
        json_object_set_new(where, leaf, corrected);
        return;
    }
}

json_t *relais_cli_timeline_json(const relais_reply_t *r, int rectified)
{
    json_t *timeline = json_array();
    for (size_t i = 0; timeline && i < r->record_count; i++) {
        relais_log_record_t rec;
        if (relais_log_record_decode(r->records[i], r->record_lens[i], &rec) != RELAIS_OK)
            continue;
        json_t *entry = relais_cli_record_json(rec.seq, rec.received_ms, r->records[i], r->record_lens[i],
                                               i < r->leaf_hash_count ? r->leaf_hashes[i] : NULL);
        /* A split's copy of a referral: the referral it moved, which keeps its handle. */
        if (entry && rec.copy_of)
            json_object_set_new(entry, "copy_of", json_integer((json_int_t)rec.copy_of));
        json_array_append_new(timeline, entry);
    }
    for (size_t i = 0; timeline && rectified && i < r->record_count; i++) {
        relais_log_record_t rec;
        relais_message_t *msg = NULL;
        relais_privacy_view_t p;
        if (relais_record_message_decode(r->records[i], r->record_lens[i], &rec, NULL, &msg) == RELAIS_OK &&
            relais_message_privacy(msg, &p) == RELAIS_OK && p.kind == RELAIS_PRIVACY_RECTIFIED)
            s_rectify_view(timeline, &p, rec.seq, rec.received_ms);
        relais_message_destroy(&msg);
    }
    return timeline;
}

json_t *relais_cli_status_json(const relais_case_status_t *st)
{
    const char *state = relais_case_state_name(st->state);
    return json_pack("{s:s, s:s, s:s, s:s, s:I}", "case_id", st->case_id, "state", state ? state : "?", "task_status",
                     relais_cli_task_status(st->task_status), "reason_code", st->reason_code, "updated_ms",
                     (json_int_t)st->updated_ms);
}

int64_t relais_cli_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- Signals --------------------------------------------------------------------------- */

static void s_on_signal(int sig)
{
    (void)sig;
    s_stop = 1;
}

void relais_cli_catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

int relais_cli_stopping(void)
{
    return s_stop != 0;
}

int relais_cli_queued(const char *cmd, int why, const char *what, const uint8_t msg_id[RELAIS_MSG_ID_BYTES],
                      const char *spool, int json_out)
{
    char id[2 * RELAIS_MSG_ID_BYTES + 1];
    relais_hex_encode(msg_id, RELAIS_MSG_ID_BYTES, id);
    relais_cli_line(stderr,
                    "relais %s: the hub did not answer (%s); the %s is kept in the spool (%s) and goes with the next "
                    "command, or `relais outbox --send`; `relais outbox` tells what the hub said of it",
                    cmd, relais_status_name(why), what, spool);
    if (json_out) {
        json_t *o = json_object();
        json_object_set_new(o, "queued", json_true());
        json_object_set_new(o, "msg_id", json_string(id));
        relais_cli_print_json(stdout, o);
    } else {
        relais_cli_line(stdout, "queued %s", id);
    }
    return RELAIS_EXIT_QUEUED;
}

/* What became of the message a command queued, and of any an earlier one left there. */
typedef struct {
    const uint8_t *id;
    int done;
    relais_ack_t *ack;
    relais_error_t *err;
} s_mine_t;

static void s_on_sent(void *arg, const uint8_t msg_id[RELAIS_MSG_ID_BYTES], const char *tag, const relais_ack_t *ack,
                      const relais_error_t *err)
{
    s_mine_t *mine = arg;
    if (memcmp(msg_id, mine->id, RELAIS_MSG_ID_BYTES) == 0) {
        mine->done = 1;
        if (ack)
            *mine->ack = *ack;
        else
            *mine->err = *err;
        return;
    }
    if (ack)
        relais_cli_line(stderr, "relais: sent now, kept since the hub did not answer: %s %s (#%" PRIu64 ")",
                        tag ? tag : "", ack->case_id, ack->seq);
    else
        relais_cli_line(stderr, "relais: refused now, kept since the hub did not answer: %s %s: %s", tag ? tag : "",
                        relais_status_name(err->status), err->message);
}

int relais_cli_send_queued(relais_client_t *client, const uint8_t msg_id[RELAIS_MSG_ID_BYTES], relais_ack_t *ack,
                           relais_error_t *err, int *why)
{
    memset(ack, 0, sizeof *ack);
    memset(err, 0, sizeof *err);
    s_mine_t mine = {.id = msg_id, .ack = ack, .err = err};
    int rc = relais_client_flush(client, 10000, s_on_sent, &mine);
    if (mine.done)
        return 1;
    if (relais_client_auth_refused(client)) { /* not waiting for the hub: refused by it */
        err->status = RELAIS_E_UNKNOWN_SENDER;
        snprintf(err->message, sizeof err->message,
                 "the hub does not accept %s (its certificate is not in the hub's registry, or was revoked); the "
                 "message stays in the spool",
                 relais_client_name(client));
        return 1;
    }
    if (rc && rc != RELAIS_E_TIMEOUT)
        return rc;
    *why = rc ? rc : RELAIS_E_TIMEOUT;
    return 0;
}
