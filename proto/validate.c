/* validate.c -- what the hub checks of a referral's, a case update's or a meeting's record's content before storing it.
 *
 * Two kinds of rule, in this order: those the JSON Schemas in schema/ state (required text,
 * lengths in characters, enumerations, patterns, calendar dates), which the hub enforces
 * whatever client sent the message, and the hub's own, which depend on today's date or on
 * its configuration (the child's age, the consent's and the review's windows). The first
 * refusal is returned, naming the field and what is expected. docs/cases.md lists both kinds.
 */
#include "proto_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define S_DAY_MS (86400LL * 1000)
#define S_YEAR_2000_MS 946684800000LL /* 2000-01-01 00:00 UTC: no consent in relais is older */

/* Lengths in characters, as the schemas count them (JSON Schema's maxLength counts code points). */
enum {
    S_NAME_MAX = 100,       /* a person's family or given name */
    S_GIVEN_MAX_COUNT = 10, /* given names */
    S_LABEL_MAX = 200,      /* an organisation, a professional's name, a contact, a school */
    S_CLASS_MAX = 50,       /* a class or level */
    S_CODE_MAX = 100,       /* an external reference, a relationship, a phone, a channel, a frequency */
    S_STATUS_MAX = 31,      /* a sub-status, a reason code: the case summary keeps 127 bytes, 31 characters of 4 */
    S_OWNER_MAX = 63,       /* an identity name: a certificate name (the registry keeps 63 bytes) */
    S_ADDRESS_MAX = 500,    /* a postal address */
    S_TEXT_MAX = 60000,     /* a description, a note, a diagnosis */
    S_GUARDIANS_MAX = 10,
    S_PATHWAY_MAX = 20,
    S_ACTION_TEXT_MAX = 2000,
    S_ATTENDEES_MAX = 30,   /* professionals present at a partnership meeting */
    S_MEETING_TAG_MAX = 16, /* the client's part of a meeting id */
    S_DESK_LABEL_MAX = 120, /* the reception's subject, resident, street, recipient: RELAIS_CONTACT_LABEL_LEN bytes */
    S_DESK_NUMBER_MAX = 10, /* a house number ("12 bis") */
    S_DESK_SUMMARY_MAX = 1000, /* what a resident said or wrote: the register's index keeps it for the search */
    S_DESK_NOTE_MAX = 4000, /* a follow-up's note, a transfer's, an answer's */
    S_DECREE_NUMBER_MAX = 32,  /* a decree's number in the town's register */
    S_DECREE_TITLE_MAX = 250,  /* a decree's title: RELAIS_DECREE_TITLE_LEN bytes */
    S_HOUSE_NUMBER_MAX = 99999, /* the highest house number a place may name */
};

typedef struct {
    char *why;
    size_t cap;
} s_out_t;

__attribute__((format(printf, 2, 3))) static int s_refuse(s_out_t *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(o->why, o->cap, fmt, ap);
    va_end(ap);
    return RELAIS_E_MALFORMED;
}

/* `s` at most `max` characters, and at least one when `required`. */
static int s_text(s_out_t *o, const char *path, const char *s, size_t max, int required)
{
    size_t n = s ? relais_utf8_chars(s) : 0;
    if (required && n == 0)
        return s_refuse(o, "%s: required; expected text", path);
    if (n > max)
        return s_refuse(o, "%s: %zu characters; expected at most %zu", path, n, max);
    return 0;
}

/* At least one letter or digit, as the schema's pattern states it: an ASCII letter or digit, or
 * a character from U+00C0 on but the multiplication and division signs and the typographic
 * hyphens and apostrophes. The child key drops spaces, hyphens and apostrophes: a name of
 * nothing else would key every such child alike. */
static int s_has_letter(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (p && *p) {
        unsigned cp = *p;
        size_t len = 1;
        if ((p[0] & 0xe0) == 0xc0 && (p[1] & 0xc0) == 0x80) {
            cp = ((unsigned)(p[0] & 0x1f) << 6) | (p[1] & 0x3f);
            len = 2;
        } else if ((p[0] & 0xf0) == 0xe0 && (p[1] & 0xc0) == 0x80 && (p[2] & 0xc0) == 0x80) {
            cp = ((unsigned)(p[0] & 0x0f) << 12) | ((unsigned)(p[1] & 0x3f) << 6) | (p[2] & 0x3f);
            len = 3;
        } else if (p[0] >= 0xf0) {
            return 1; /* beyond the BMP: never one of the signs */
        }
        if ((cp >= '0' && cp <= '9') || (cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z'))
            return 1;
        if (cp >= 0xc0 && cp != 0xd7 && cp != 0xf7 && cp != 0x2bc && cp != 0x2010 && cp != 0x2011 && cp != 0x2019)
            return 1;
        p += len;
    }
    return 0;
}

int relais_calendar_date(const char *text, int *year, int *month, int *day)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (!text || strlen(text) != 10 || text[4] != '-' || text[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (text[i] < '0' || text[i] > '9'))
            return 0;
    int y = (text[0] - '0') * 1000 + (text[1] - '0') * 100 + (text[2] - '0') * 10 + (text[3] - '0');
    int m = (text[5] - '0') * 10 + (text[6] - '0'), d = (text[8] - '0') * 10 + (text[9] - '0');
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 1 || m < 1 || m > 12 || d < 1 || d > days[m - 1] + (m == 2 && leap))
        return 0;
    if (year)
        *year = y;
    if (month)
        *month = m;
    if (day)
        *day = d;
    return 1;
}

/* A calendar date, YYYY-MM-DD; empty is allowed unless `required`. */
static int s_date(s_out_t *o, const char *path, const char *s, int required)
{
    if (!s || !s[0])
        return required ? s_refuse(o, "%s: required; expected a date, YYYY-MM-DD", path) : 0;
    if (!relais_calendar_date(s, NULL, NULL, NULL)) {
        char shown[48];
        relais_text_escape(s, strlen(s), shown, sizeof shown);
        return s_refuse(o, "%s: %s is not a date; expected YYYY-MM-DD", path, shown);
    }
    return 0;
}

/* "C-" or "R-" and a number without leading zeros. */
static int s_handle(s_out_t *o, const char *path, const char *s, char prefix, const char *what, int required)
{
    if (!s || !s[0])
        return required ? s_refuse(o, "%s: required; expected %s, %c-<number>", path, what, prefix) : 0;
    int ok = s[0] == prefix && s[1] == '-' && s[2] >= '1' && s[2] <= '9' && strlen(s) <= 22;
    for (const char *p = s + 2; ok && *p; p++)
        ok = *p >= '0' && *p <= '9';
    if (ok)
        return 0;
    char shown[48];
    relais_text_escape(s, strlen(s), shown, sizeof shown);
    return s_refuse(o, "%s: %s is not %s; expected %c-<number>, e.g. %c-14", path, shown, what, prefix, prefix);
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t s_days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void s_civil_today(int64_t now_ms, int *y, int *m, int *d)
{
    time_t t = (time_t)(now_ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    *y = tm.tm_year + 1900;
    *m = tm.tm_mon + 1;
    *d = tm.tm_mday;
}

static void s_day_text(int64_t ms, char out[16])
{
    int y, m, d;
    s_civil_today(ms, &y, &m, &d);
    snprintf(out, 16, "%04d-%02d-%02d", y % 10000, m % 100, d % 100);
}

/* ---- The schema's rules --------------------------------------------------------------------- */

static int s_referrer(s_out_t *o, const Relais__V1__Referrer *r)
{
    if (!r)
        return s_refuse(o, "referral.referrer: required; expected the referrer's organisation and role");
    int rc = s_text(o, "referral.referrer.organisation", r->organisation, S_LABEL_MAX, 1);
    if (!rc && r->role == RELAIS__V1__REFERRER_ROLE__REFERRER_ROLE_UNSPECIFIED)
        rc = s_refuse(o, "referral.referrer.role: required; expected one of SCHOOL_HEAD, TEACHER, RASED, "
                         "GUIDANCE_COUNSELLOR, MUNICIPAL_YOUTH, MUNICIPAL_SOCIAL, PMI, CMP, PARENT, OTHER");
    if (!rc)
        rc = s_text(o, "referral.referrer.name", r->name, S_LABEL_MAX, 0);
    if (!rc)
        rc = s_text(o, "referral.referrer.contact", r->contact, S_LABEL_MAX, 0);
    return rc;
}

static int s_child(s_out_t *o, const Relais__V1__Child *c)
{
    if (!c)
        return s_refuse(o, "referral.child: required; expected the child's names and birth date");
    int rc = s_text(o, "referral.child.family_name", c->family_name, S_NAME_MAX, 1);
    if (!rc && !s_has_letter(c->family_name))
        rc = s_refuse(o, "referral.child.family_name: no letter or digit; expected a name (spaces, hyphens and "
                         "apostrophes alone are not one)");
    if (!rc && c->n_given_names == 0)
        rc = s_refuse(o, "referral.child.given_names: required; expected at least one given name");
    if (!rc && c->n_given_names > S_GIVEN_MAX_COUNT)
        rc = s_refuse(o, "referral.child.given_names: %zu names; expected at most %d", c->n_given_names,
                      S_GIVEN_MAX_COUNT);
    for (size_t i = 0; !rc && i < c->n_given_names; i++) {
        char path[64];
        snprintf(path, sizeof path, "referral.child.given_names.%zu", i + 1);
        rc = s_text(o, path, c->given_names[i], S_NAME_MAX, 1);
    }
    if (!rc)
        rc = s_date(o, "referral.child.birth_date", c->birth_date, 1);
    if (!rc)
        rc = s_text(o, "referral.child.school", c->school, S_LABEL_MAX, 0);
    if (!rc)
        rc = s_text(o, "referral.child.class_name", c->class_name, S_CLASS_MAX, 0);
    return rc;
}

static int s_guardians(s_out_t *o, const Relais__V1__Referral *r)
{
    if (r->n_guardians > S_GUARDIANS_MAX)
        return s_refuse(o, "referral.guardians: %zu guardians; expected at most %d", r->n_guardians, S_GUARDIANS_MAX);
    int rc = 0;
    for (size_t i = 0; !rc && i < r->n_guardians; i++) {
        const Relais__V1__Guardian *g = r->guardians[i];
        char path[64];
#define S_GUARDIAN_FIELD(field, max)                                                                                   \
    (snprintf(path, sizeof path, "referral.guardians.%zu." #field, i + 1), s_text(o, path, g->field, max, 0))
        rc = S_GUARDIAN_FIELD(name, S_LABEL_MAX);
        if (!rc)
            rc = S_GUARDIAN_FIELD(relationship, S_CODE_MAX);
        if (!rc)
            rc = S_GUARDIAN_FIELD(phone, S_CODE_MAX);
        if (!rc)
            rc = S_GUARDIAN_FIELD(email, S_LABEL_MAX);
        if (!rc)
            rc = S_GUARDIAN_FIELD(address, S_ADDRESS_MAX);
#undef S_GUARDIAN_FIELD
    }
    return rc;
}

static int s_domains(s_out_t *o, const Relais__V1__Referral *r)
{
    if (r->n_domains == 0)
        return s_refuse(o, "referral.domains: required; expected at least one of EDUCATIONAL, PERISCOLAIRE, "
                           "CULTURAL, SOCIAL, HEALTH");
    unsigned seen = 0;
    for (size_t i = 0; i < r->n_domains; i++) {
        int d = (int)r->domains[i];
        if (d <= 0 || d > 5)
            return s_refuse(o, "referral.domains.%zu: expected one of EDUCATIONAL, PERISCOLAIRE, CULTURAL, SOCIAL, "
                               "HEALTH", i + 1);
        if (seen & (1u << d))
            return s_refuse(o, "referral.domains.%zu: given twice; expected each domain once", i + 1);
        seen |= 1u << d;
    }
    return 0;
}

static int s_basis(s_out_t *o, const Relais__V1__Referral *r)
{
    if (r->basis_case == RELAIS__V1__REFERRAL__BASIS_CONSENT && r->consent) {
        const Relais__V1__ConsentObtained *c = r->consent;
        int rc = s_text(o, "referral.consent.recorded_by", c->recorded_by, S_LABEL_MAX, 1);
        if (!rc && c->recorded_ms <= 0)
            rc = s_refuse(o, "referral.consent.recorded_ms: required; expected when the family agreed, in "
                             "milliseconds since 1970-01-01 UTC");
        if (!rc)
            rc = s_text(o, "referral.consent.document_ref", c->document_ref, S_LABEL_MAX, 0);
        if (!rc)
            rc = s_text(o, "referral.consent.given_by", c->given_by, S_LABEL_MAX, 0);
        return rc;
    }
    if (r->basis_case == RELAIS__V1__REFERRAL__BASIS_PARENTAL_REQUEST && r->parental_request) {
        const Relais__V1__ParentalRequest *p = r->parental_request;
        int rc = s_text(o, "referral.parental_request.requester_name", p->requester_name, S_LABEL_MAX, 1);
        if (!rc && p->received_ms < 0)
            rc = s_refuse(o, "referral.parental_request.received_ms: expected milliseconds since 1970-01-01 UTC");
        if (!rc)
            rc = s_text(o, "referral.parental_request.relationship", p->relationship, S_CODE_MAX, 0);
        if (!rc)
            rc = s_text(o, "referral.parental_request.channel", p->channel, S_CODE_MAX, 0);
        return rc;
    }
    return 0; /* neither: the broker answers NO_CONSENT */
}

static int s_referral(s_out_t *o, const Relais__V1__Referral *r)
{
    int rc = s_text(o, "referral.external_ref", r->external_ref, S_CODE_MAX, 0);
    if (!rc)
        rc = s_referrer(o, r->referrer);
    if (!rc)
        rc = s_child(o, r->child);
    if (!rc)
        rc = s_guardians(o, r);
    if (!rc)
        rc = s_domains(o, r);
    if (!rc)
        rc = s_text(o, "referral.support_in_place", r->support_in_place, S_TEXT_MAX, 0);
    if (!rc)
        rc = s_text(o, "referral.description", r->description, S_TEXT_MAX, 1);
    if (!rc && r->urgency == RELAIS__V1__URGENCY__URGENCY_UNSPECIFIED)
        rc = s_refuse(o, "referral.urgency: required; expected ROUTINE, PRIORITY or URGENT");
    if (!rc)
        rc = s_basis(o, r);
    return rc;
}

static int s_action(s_out_t *o, size_t i, const Relais__V1__PathwayAction *a)
{
    char path[64];
    snprintf(path, sizeof path, "case_update.pathway.%zu.kind", i + 1);
    if (a->kind == RELAIS__V1__PATHWAY_ACTION__KIND__KIND_UNSPECIFIED)
        return s_refuse(o, "%s: required; expected INDIVIDUAL or COLLECTIVE", path);
    snprintf(path, sizeof path, "case_update.pathway.%zu.description", i + 1);
    int rc = s_text(o, path, a->description, S_ACTION_TEXT_MAX, 1);
    if (!rc) {
        snprintf(path, sizeof path, "case_update.pathway.%zu.partner", i + 1);
        rc = s_text(o, path, a->partner, S_LABEL_MAX, 0);
    }
    if (!rc) {
        snprintf(path, sizeof path, "case_update.pathway.%zu.start_date", i + 1);
        rc = s_date(o, path, a->start_date, 0);
    }
    if (!rc) {
        snprintf(path, sizeof path, "case_update.pathway.%zu.frequency", i + 1);
        rc = s_text(o, path, a->frequency, S_CODE_MAX, 0);
    }
    if (!rc) {
        snprintf(path, sizeof path, "case_update.pathway.%zu.responsible", i + 1);
        rc = s_text(o, path, a->responsible, S_LABEL_MAX, 0);
    }
    return rc;
}

static int s_case_update(s_out_t *o, const Relais__V1__CaseUpdate *u)
{
    int rc = s_handle(o, "case_update.case_id", u->case_id, 'C', "a case id", 1);
    if (!rc && u->from_state == RELAIS__V1__CASE_STATE__CASE_STATE_UNSPECIFIED)
        rc = s_refuse(o, "case_update.from_state: required; expected the state the case is in");
    if (!rc && u->to_state == RELAIS__V1__CASE_STATE__CASE_STATE_UNSPECIFIED)
        rc = s_refuse(o, "case_update.to_state: required; expected the state asked for");
    if (!rc)
        rc = s_text(o, "case_update.sub_status", u->sub_status, S_STATUS_MAX, 0);
    if (!rc)
        rc = s_text(o, "case_update.reason_code", u->reason_code, S_STATUS_MAX, 0);
    if (!rc)
        rc = s_text(o, "case_update.note", u->note, S_TEXT_MAX, 0);
    if (!rc)
        rc = s_text(o, "case_update.diagnosis", u->diagnosis, S_TEXT_MAX, 0);
    if (!rc && u->n_pathway > S_PATHWAY_MAX)
        rc = s_refuse(o, "case_update.pathway: %zu actions; expected at most %d", u->n_pathway, S_PATHWAY_MAX);
    for (size_t i = 0; !rc && i < u->n_pathway; i++)
        rc = s_action(o, i, u->pathway[i]);
    if (!rc)
        rc = s_date(o, "case_update.next_review_date", u->next_review_date, 0);
    if (!rc)
        rc = s_text(o, "case_update.redirected_to", u->redirected_to, S_LABEL_MAX, 0);
    if (!rc)
        rc = s_handle(o, "case_update.share_referral", u->share_referral, 'R', "a referral's handle", 0);
    if (!rc)
        rc = s_handle(o, "case_update.dismiss_duplicate", u->dismiss_duplicate, 'C', "a case id", 0);
    if (!rc)
        rc = s_handle(o, "case_update.merge_into", u->merge_into, 'C', "a case id", 0);
    if (!rc)
        rc = s_text(o, "case_update.owner", u->owner, S_OWNER_MAX, 0);
    if (!rc)
        rc = s_handle(o, "case_update.split_referral", u->split_referral, 'R', "a referral's handle", 0);
    return rc;
}

int relais_meeting_id_valid(const char *id, const char *date)
{
    /* "M-" YYYYMMDD "-" then 1 to 16 of [a-z0-9]: a key of the store's meeting index, in clear */
    size_t n = id ? strlen(id) : 0;
    if (n < 12 || n > 11 + S_MEETING_TAG_MAX || id[0] != 'M' || id[1] != '-' || id[10] != '-')
        return 0;
    for (size_t i = 2; i < n; i++)
        if (i != 10 && !((id[i] >= '0' && id[i] <= '9') || (i > 10 && id[i] >= 'a' && id[i] <= 'z')))
            return 0;
    if (!date)
        return 1;
    return strlen(date) == 10 && memcmp(id + 2, date, 4) == 0 && memcmp(id + 6, date + 5, 2) == 0 &&
           memcmp(id + 8, date + 8, 2) == 0;
}

static int s_attendee(s_out_t *o, size_t i, const Relais__V1__Attendee *a)
{
    const struct {
        const char *field, *value;
        size_t max;
        int required;
    } texts[] = {{"name", a->name, S_LABEL_MAX, 0}, {"role", a->role, S_CODE_MAX, 0},
                 {"organisation", a->organisation, S_LABEL_MAX, 1}};
    int rc = 0;
    for (size_t t = 0; !rc && t < sizeof texts / sizeof texts[0]; t++) {
        char path[64];
        snprintf(path, sizeof path, "meeting.present.%zu.%s", i + 1, texts[t].field);
        rc = s_text(o, path, texts[t].value, texts[t].max, texts[t].required);
    }
    return rc;
}

static int s_meeting(s_out_t *o, const Relais__V1__MeetingRecord *m)
{
    int rc = 0;
    if (!m->meeting_id || !m->meeting_id[0])
        rc = s_refuse(o, "meeting.meeting_id: required; expected M-YYYYMMDD-tag, e.g. M-20261210-a3f9");
    else if (!relais_meeting_id_valid(m->meeting_id, NULL)) {
        char shown[48];
        relais_text_escape(m->meeting_id, strlen(m->meeting_id), shown, sizeof shown);
        rc = s_refuse(o, "meeting.meeting_id: %s is not a meeting id; expected M-, the date as YYYYMMDD, - and 1 to "
                         "%d lower-case letters or digits, e.g. M-20261210-a3f9", shown, S_MEETING_TAG_MAX);
    }
    if (!rc)
        rc = s_date(o, "meeting.date", m->date, 1);
    if (!rc && !relais_meeting_id_valid(m->meeting_id, m->date))
        rc = s_refuse(o, "meeting.meeting_id: %.27s is not of the meeting's date %s; expected M-%.4s%.2s%.2s-...",
                      m->meeting_id, m->date, m->date, m->date + 5, m->date + 8);
    if (!rc && m->n_present == 0)
        rc = s_refuse(o, "meeting.present: required; expected the professionals present");
    if (!rc && m->n_present > S_ATTENDEES_MAX)
        rc = s_refuse(o, "meeting.present: %zu people; expected at most %d", m->n_present, S_ATTENDEES_MAX);
    for (size_t i = 0; !rc && i < m->n_present; i++)
        rc = s_attendee(o, i, m->present[i]);
    if (!rc)
        rc = s_handle(o, "meeting.case_id", m->case_id, 'C', "a case id", 1);
    if (!rc)
        rc = s_text(o, "meeting.decision", m->decision, S_TEXT_MAX, 1);
    if (!rc)
        rc = s_date(o, "meeting.next_review_date", m->next_review_date, 0);
    return rc;
}

/* ---- The hub's own rules -------------------------------------------------------------------- */

static int s_birth_in_range(s_out_t *o, const char *birth, const relais_validation_limits_t *lim, int64_t now_ms)
{
    int by, bm, bd, ty, tm, td;
    if (!relais_calendar_date(birth, &by, &bm, &bd))
        return 0; /* the schema's rule said so already */
    s_civil_today(now_ms, &ty, &tm, &td);
    if (s_days_from_civil(by, bm, bd) > s_days_from_civil(ty, tm, td))
        return s_refuse(o, "referral.child.birth_date: %s is in the future", birth);
    int age = ty - by - (tm < bm || (tm == bm && td < bd));
    if (age < lim->child_age_min || age > lim->child_age_max)
        return s_refuse(o, "referral.child.birth_date: %s makes the child %d; expected a child of %d to %d years "
                           "(the programme's ages)",
                        birth, age, lim->child_age_min, lim->child_age_max);
    return 0;
}

/* A time a person gave: not after now (with the clock skew the hub allows), and not older than
 * `max_days` (0: no limit but the Unix epoch's first day, where a time in seconds lands). */
static int s_time_in_range(s_out_t *o, const char *path, int64_t ms, int max_days, const relais_validation_limits_t *lim,
                           int64_t now_ms)
{
    char when[16], today[16];
    s_day_text(ms, when);
    s_day_text(now_ms, today);
    if (ms > now_ms + lim->skew_ms)
        return s_refuse(o, "%s: %s is in the future (today is %s)", path, when, today);
    if (ms < S_YEAR_2000_MS)
        return s_refuse(o, "%s: %lld reads as %s; expected milliseconds since 1970-01-01 UTC (not seconds)", path,
                        (long long)ms, when);
    if (max_days > 0 && ms < now_ms - (int64_t)max_days * S_DAY_MS)
        return s_refuse(o, "%s: %s is more than %d days ago; expected a recent agreement", path, when, max_days);
    return 0;
}

static int s_date_window(s_out_t *o, const char *path, const char *date, int back_days, int ahead_days,
                         int64_t now_ms)
{
    int y, m, d, ty, tm, td;
    if (!date || !date[0] || !relais_calendar_date(date, &y, &m, &d))
        return 0;
    s_civil_today(now_ms, &ty, &tm, &td);
    int64_t delta = s_days_from_civil(y, m, d) - s_days_from_civil(ty, tm, td);
    if (delta < -(int64_t)back_days && back_days <= 1)
        return s_refuse(o, "%s: %s is in the past; expected today or a later date", path, date);
    if (delta < -(int64_t)back_days)
        return s_refuse(o, "%s: %s is more than %d days ago; expected a date from %d days ago on", path, date,
                        back_days, back_days);
    if (delta > ahead_days && ahead_days == 1)
        return s_refuse(o, "%s: %s is after tomorrow; expected a date that has come", path, date);
    if (delta > ahead_days)
        return s_refuse(o, "%s: %s is more than %d days ahead; expected a date within %d days", path, date,
                        ahead_days, ahead_days);
    return 0;
}

/* ---- The reception desk's register --------------------------------------------------- */

static int s_enum_set(s_out_t *o, const char *path, int v, const char *expected)
{
    return v == 0 ? s_refuse(o, "%s: required; expected one of %s", path, expected) : 0;
}

#define S_CHANNELS "CALL, VISIT, LETTER, EMAIL, FORM"
#define S_CATEGORIES                                                                                                  \
    "NOISE, NEIGHBOURHOOD_DISPUTE, INCIVILITY, PUBLIC_SPACE, PARKING_TRAFFIC, VICTIM_SUPPORT, LOST_PROPERTY, "          \
    "DECREE_INFORMATION, OTHER_CATEGORY"

static int s_contact(s_out_t *o, const Relais__V1__ContactLog *c)
{
    int rc = s_enum_set(o, "contact.channel", c->channel, S_CHANNELS);
    if (!rc)
        rc = s_text(o, "contact.subject", c->subject, S_DESK_LABEL_MAX, 1);
    if (!rc)
        rc = s_text(o, "contact.requester", c->requester, S_DESK_LABEL_MAX, 0);
    if (!rc)
        rc = s_text(o, "contact.summary", c->summary, S_DESK_SUMMARY_MAX, 1);
    if (!rc && c->occurred_ms <= 0)
        rc = s_refuse(o, "contact.occurred_ms: required; expected when the solicitation came, in milliseconds since "
                         "1970-01-01 UTC");
    if (!rc)
        rc = s_enum_set(o, "contact.category", c->category, S_CATEGORIES);
    if (!rc)
        rc = s_text(o, "contact.street", c->street, S_DESK_LABEL_MAX, 0);
    if (!rc)
        rc = s_text(o, "contact.house_number", c->house_number, S_DESK_NUMBER_MAX, 0);
    if (!rc && c->house_number[0] && !c->street[0])
        rc = s_refuse(o, "contact.house_number: given without a street; expected the street too");
    if (!rc)
        rc = s_text(o, "contact.contact_details", c->contact_details, S_DESK_LABEL_MAX, 0);
    if (!rc && c->contact_details[0] && !c->contact_agreed)
        rc = s_refuse(o, "contact.contact_details: given without the resident's agreement; set contact_agreed once "
                         "they agree to be reached back, or leave their details out");
    if (!rc && c->handling != RELAIS__V1__CONTACT_LOG__HANDLING__ANSWERED_ON_SPOT &&
        c->handling != RELAIS__V1__CONTACT_LOG__HANDLING__FOLLOW_UP)
        rc = s_refuse(o, "contact.handling: expected ANSWERED_ON_SPOT or FOLLOW_UP as it is recorded (a transfer and "
                         "a closing come later)");
    if (!rc)
        rc = s_date(o, "contact.acknowledged_date", c->acknowledged_date, 0);
    int written = relais_channel_is_written((relais_channel_t)c->channel);
    if (!rc)
        rc = s_date(o, "contact.response_due_date", c->response_due_date, written);
    if (!rc && !written && c->acknowledged_date[0])
        rc = s_refuse(o, "contact.acknowledged_date: only a written request (LETTER, EMAIL, FORM) is acknowledged");
    return rc;
}

static int s_contact_update(s_out_t *o, const Relais__V1__ContactUpdate *u)
{
    int rc = s_handle(o, "contact_update.entry_id", u->entry_id, 'A', "an entry of the register", 1);
    if (!rc && u->handling != RELAIS__V1__CONTACT_LOG__HANDLING__HANDLING_UNSPECIFIED &&
        u->handling != RELAIS__V1__CONTACT_LOG__HANDLING__FOLLOW_UP &&
        u->handling != RELAIS__V1__CONTACT_LOG__HANDLING__CLOSED)
        rc = s_refuse(o, "contact_update.handling: expected FOLLOW_UP or CLOSED (a transfer is a payload of its own)");
    if (!rc)
        rc = s_text(o, "contact_update.note", u->note, S_DESK_NOTE_MAX, 0);
    if (!rc)
        rc = s_date(o, "contact_update.acknowledged_date", u->acknowledged_date, 0);
    if (!rc)
        rc = s_date(o, "contact_update.response_due_date", u->response_due_date, 0);
    if (!rc)
        rc = s_text(o, "contact_update.street", u->street, S_DESK_LABEL_MAX, 0);
    if (!rc)
        rc = s_text(o, "contact_update.house_number", u->house_number, S_DESK_NUMBER_MAX, 0);
    if (!rc)
        rc = s_text(o, "contact_update.subject", u->subject, S_DESK_LABEL_MAX, 0);
    if (!rc && !u->handling && !u->note[0] && !u->acknowledged_date[0] && !u->response_due_date[0] && !u->category &&
        !u->street[0] && !u->house_number[0] && !u->subject[0])
        rc = s_refuse(o, "contact_update: nothing to update; expected a note, a handling or a field to change");
    return rc;
}

static int s_transfer(s_out_t *o, const Relais__V1__Transfer *t)
{
    int rc = s_handle(o, "transfer.entry_id", t->entry_id, 'A', "an entry of the register", 1);
    if (!rc)
        rc = s_enum_set(o, "transfer.recipient", t->recipient,
                        "POLICE_MUNICIPALE, POLICE_NATIONALE, VICTIM_SUPPORT_ASSOCIATION, MUNICIPAL_SERVICE, HUB");
    int hub = t->recipient == RELAIS__V1__TRANSFER__RECIPIENT__HUB;
    if (!rc)
        rc = s_text(o, "transfer.recipient_name", t->recipient_name, hub ? S_OWNER_MAX : S_DESK_LABEL_MAX, 1);
    if (!rc)
        rc = s_enum_set(o, "transfer.means", t->means, "BY_HUB, BY_PHONE, BY_EMAIL, BY_LETTER, IN_PERSON");
    if (!rc && hub != (t->means == RELAIS__V1__TRANSFER__MEANS__BY_HUB))
        rc = s_refuse(o, hub ? "transfer.means: a recipient of the hub receives the entry on its feed; expected BY_HUB"
                             : "transfer.means: BY_HUB is for a recipient of the hub (recipient HUB); expected how "
                               "the entry was passed on (BY_PHONE, BY_EMAIL, BY_LETTER, IN_PERSON)");
    if (!rc)
        rc = s_text(o, "transfer.note", t->note, S_DESK_NOTE_MAX, 0);
    return rc;
}

static int s_transfer_answer(s_out_t *o, const Relais__V1__TransferAnswer *a)
{
    int rc = s_handle(o, "transfer_answer.transfer_id", a->transfer_id, 'T', "a transfer", 1);
    if (!rc)
        rc = s_enum_set(o, "transfer_answer.answer", a->answer, "ACCEPTED, DECLINED");
    if (!rc)
        rc = s_text(o, "transfer_answer.note", a->note, S_DESK_NOTE_MAX,
                    a->answer == RELAIS__V1__TRANSFER_ANSWER__ANSWER__DECLINED);
    return rc;
}

/* A solicitation is registered once it came (not in the future, nor more than the review window
 * ago), and its dates lie within that window of today. */
static int s_contact_hub(s_out_t *o, const Relais__V1__ContactLog *c, const relais_validation_limits_t *lim,
                         int64_t now_ms)
{
    char when[16];
    s_day_text(c->occurred_ms, when);
    int rc = s_time_in_range(o, "contact.occurred_ms", c->occurred_ms, 0, lim, now_ms);
    if (!rc && c->occurred_ms < now_ms - (int64_t)lim->review_max_days * S_DAY_MS)
        rc = s_refuse(o, "contact.occurred_ms: %s is more than %d days ago; a solicitation is registered when it comes",
                      when, lim->review_max_days);
    if (!rc)
        rc = s_date_window(o, "contact.response_due_date", c->response_due_date, lim->review_max_days,
                           lim->review_max_days, now_ms);
    if (!rc)
        rc = s_date_window(o, "contact.acknowledged_date", c->acknowledged_date, lim->review_max_days, 1, now_ms);
    /* Nor before it came (a day's slack: the desk's dates are local, the hub's days UTC). */
    int y, m, d;
    int64_t came = c->occurred_ms / S_DAY_MS - 1;
    const char *dates[2] = {c->acknowledged_date, c->response_due_date};
    const char *paths[2] = {"contact.acknowledged_date", "contact.response_due_date"};
    for (int i = 0; !rc && i < 2; i++)
        if (relais_calendar_date(dates[i], &y, &m, &d) && s_days_from_civil(y, m, d) < came)
            rc = s_refuse(o, "%s: %s is before the solicitation came (%s)", paths[i], dates[i], when);
    return rc;
}

/* An update's dates within the same window: an acknowledgement sent (tomorrow allowed, for a
 * clock in another time zone), a due date planned. */
static int s_contact_update_hub(s_out_t *o, const Relais__V1__ContactUpdate *u, const relais_validation_limits_t *lim,
                                int64_t now_ms)
{
    int rc = s_date_window(o, "contact_update.response_due_date", u->response_due_date, lim->review_max_days,
                           lim->review_max_days, now_ms);
    return rc ? rc
              : s_date_window(o, "contact_update.acknowledged_date", u->acknowledged_date, lim->review_max_days, 1,
                              now_ms);
}

static int s_referral_hub(s_out_t *o, const Relais__V1__Referral *r, const relais_validation_limits_t *lim,
                          int64_t now_ms)
{
    int rc = s_birth_in_range(o, r->child->birth_date, lim, now_ms);
    if (!rc && r->basis_case == RELAIS__V1__REFERRAL__BASIS_CONSENT && r->consent)
        rc = s_time_in_range(o, "referral.consent.recorded_ms", r->consent->recorded_ms, lim->consent_max_age_days,
                             lim, now_ms);
    if (!rc && r->basis_case == RELAIS__V1__REFERRAL__BASIS_PARENTAL_REQUEST && r->parental_request &&
        r->parental_request->received_ms)
        rc = s_time_in_range(o, "referral.parental_request.received_ms", r->parental_request->received_ms,
                             lim->consent_max_age_days, lim, now_ms);
    return rc;
}

static int s_case_update_hub(s_out_t *o, const Relais__V1__CaseUpdate *u, const relais_validation_limits_t *lim,
                             int64_t now_ms)
{
    /* A review is planned: from today on (yesterday allowed, for a clock in another time zone). */
    int rc = s_date_window(o, "case_update.next_review_date", u->next_review_date, 1, lim->review_max_days, now_ms);
    for (size_t i = 0; !rc && i < u->n_pathway; i++) {
        char path[64];
        snprintf(path, sizeof path, "case_update.pathway.%zu.start_date", i + 1);
        rc = s_date_window(o, path, u->pathway[i]->start_date, lim->review_max_days, lim->review_max_days, now_ms);
    }
    return rc;
}

/* A meeting is recorded once it has taken place (tomorrow allowed, for a clock in another time
 * zone), within the review window; its next review is planned as a case update's is. */
static int s_meeting_hub(s_out_t *o, const Relais__V1__MeetingRecord *m, const relais_validation_limits_t *lim,
                         int64_t now_ms)
{
    int y, mo, d, ty, tm, td;
    if (relais_calendar_date(m->date, &y, &mo, &d)) {
        s_civil_today(now_ms, &ty, &tm, &td);
        if (s_days_from_civil(y, mo, d) > s_days_from_civil(ty, tm, td) + 1)
            return s_refuse(o, "meeting.date: %s is in the future; expected the date of a meeting that took place",
                            m->date);
    }
    int rc = s_date_window(o, "meeting.date", m->date, lim->review_max_days, 1, now_ms);
    return rc ? rc : s_date_window(o, "meeting.next_review_date", m->next_review_date, 1, lim->review_max_days, now_ms);
}

/* ---- The lost and found ------------------------------------------------------------- */

#define S_ITEM_CATEGORIES                                                                                             \
    "KEYS, WALLET, PHONE, BAG, PAPERS, JEWELLERY, CLOTHING, GLASSES, ELECTRONICS, BICYCLE, TOY, OTHER_ITEM"

static int s_lost(s_out_t *o, const Relais__V1__LostFoundItem *l)
{
    int rc = s_enum_set(o, "lost_found.kind", l->kind, "FOUND, LOST");
    int found = l->kind == RELAIS__V1__LOST_FOUND_ITEM__KIND__FOUND;
    if (!rc)
        rc = s_enum_set(o, "lost_found.category", l->category, S_ITEM_CATEGORIES);
    if (!rc)
        rc = s_text(o, "lost_found.description", l->description, S_DESK_SUMMARY_MAX, 1);
    if (!rc)
        rc = s_text(o, "lost_found.street", l->street, S_DESK_LABEL_MAX, 0);
    if (!rc)
        rc = s_text(o, "lost_found.house_number", l->house_number, S_DESK_NUMBER_MAX, 0);
    if (!rc && l->house_number[0] && !l->street[0])
        rc = s_refuse(o, "lost_found.house_number: given without a street; expected the street too");
    if (!rc)
        rc = s_text(o, "lost_found.place", l->place, S_DESK_LABEL_MAX, 0);
    if (!rc && !l->street[0] && !l->place[0])
        rc = s_refuse(o, "lost_found.place: required; expected where it was %s: a street of the town's list or a place",
                      found ? "found" : "lost");
    if (!rc && l->when_ms <= 0)
        rc = s_refuse(o, "lost_found.when_ms: required; expected when it was %s, in milliseconds since 1970-01-01 UTC",
                      found ? "found" : "lost");
    if (!rc && l->until_ms && (found || l->until_ms < l->when_ms))
        rc = s_refuse(o, found ? "lost_found.until_ms: only a loss is declared over a window of time"
                               : "lost_found.until_ms: before when_ms; expected the end of the window in which it was lost");
    if (!rc)
        rc = s_text(o, "lost_found.person", l->person, S_DESK_LABEL_MAX, !found);
    if (!rc)
        rc = s_text(o, "lost_found.contact", l->contact, S_DESK_LABEL_MAX, !found);
    if (!rc)
        rc = s_text(o, "lost_found.storage", l->storage, S_DESK_LABEL_MAX, found);
    if (!rc)
        rc = s_date(o, "lost_found.keep_until", l->keep_until, found);
    if (!rc && !found && (l->storage[0] || l->keep_until[0] || l->finder_claims))
        rc = s_refuse(o, "lost_found.%s: only a found item is stored and kept; a declared loss has none",
                      l->storage[0] ? "storage" : l->keep_until[0] ? "keep_until" : "finder_claims");
    if (!rc && found && l->finder_claims && !l->person[0])
        rc = s_refuse(o, "lost_found.finder_claims: the finder stays anonymous; expected their name (person) for the "
                         "item to go to them");
    return rc;
}

static int s_lost_item_id(s_out_t *o, const char *s, char prefix)
{
    if (prefix)
        return s_handle(o, "lost_found_update.item_id", s, prefix,
                        prefix == 'O' ? "a found item" : "a declared loss", 1);
    if (s && s[0] == 'P')
        return s_handle(o, "lost_found_update.item_id", s, 'P', "a declared loss", 1);
    return s_handle(o, "lost_found_update.item_id", s, 'O', "an item of the lost and found", 1);
}

static int s_lost_update(s_out_t *o, const Relais__V1__LostFoundUpdate *u)
{
    int rc = s_enum_set(o, "lost_found_update.kind", u->kind, "NOTE, RETURN, END, WITHDRAW");
    int kind = u->kind;
    char want = kind == RELAIS__V1__LOST_FOUND_UPDATE__KIND__RETURN || kind == RELAIS__V1__LOST_FOUND_UPDATE__KIND__END
                    ? 'O'
                : kind == RELAIS__V1__LOST_FOUND_UPDATE__KIND__WITHDRAW ? 'P'
                                                                       : 0;
    if (!rc)
        rc = s_lost_item_id(o, u->item_id, want);
    int giving_back = kind == RELAIS__V1__LOST_FOUND_UPDATE__KIND__RETURN;
    int ending = kind == RELAIS__V1__LOST_FOUND_UPDATE__KIND__END;
    if (!rc)
        rc = s_text(o, "lost_found_update.owner", u->owner, S_DESK_LABEL_MAX, giving_back);
    if (!rc)
        rc = s_text(o, "lost_found_update.identity_checked", u->identity_checked, S_DESK_LABEL_MAX, giving_back);
    if (!rc && !giving_back && (u->owner[0] || u->identity_checked[0] || u->declaration_id[0]))
        rc = s_refuse(o, "lost_found_update.%s: only a RETURN names the owner, the identity checked and the declaration",
                      u->owner[0] ? "owner" : u->identity_checked[0] ? "identity_checked" : "declaration_id");
    if (!rc && u->declaration_id[0])
        rc = s_handle(o, "lost_found_update.declaration_id", u->declaration_id, 'P', "a declared loss", 0);
    if (!rc && ending)
        rc = s_enum_set(o, "lost_found_update.outcome", u->outcome, "TO_FINDER, HANDED_OVER, DESTROYED");
    if (!rc && !ending && u->outcome)
        rc = s_refuse(o, "lost_found_update.outcome: only an END records an outcome");
    if (!rc)
        rc = s_text(o, "lost_found_update.handed_to", u->handed_to, S_DESK_LABEL_MAX,
                    u->outcome == RELAIS__V1__LOST_FOUND_UPDATE__OUTCOME__HANDED_OVER);
    if (!rc && u->handed_to[0] && u->outcome != RELAIS__V1__LOST_FOUND_UPDATE__OUTCOME__HANDED_OVER)
        rc = s_refuse(o, "lost_found_update.handed_to: only an item HANDED_OVER goes to someone named");
    if (!rc)
        rc = s_text(o, "lost_found_update.note", u->note, S_DESK_NOTE_MAX,
                    kind == RELAIS__V1__LOST_FOUND_UPDATE__KIND__NOTE ||
                        kind == RELAIS__V1__LOST_FOUND_UPDATE__KIND__WITHDRAW);
    return rc;
}

/* Found when it was, or lost: not in the future, nor more than the review window ago; kept from
 * that day on, and not beyond the window either. */
static int s_lost_hub(s_out_t *o, const Relais__V1__LostFoundItem *l, const relais_validation_limits_t *lim,
                      int64_t now_ms)
{
    char when[16];
    s_day_text(l->when_ms, when);
    int rc = s_time_in_range(o, "lost_found.when_ms", l->when_ms, lim->review_max_days, lim, now_ms);
    if (!rc && l->until_ms)
        rc = s_time_in_range(o, "lost_found.until_ms", l->until_ms, lim->review_max_days, lim, now_ms);
    int y, m, d;
    if (!rc && relais_calendar_date(l->keep_until, &y, &m, &d) && s_days_from_civil(y, m, d) < l->when_ms / S_DAY_MS)
        rc = s_refuse(o, "lost_found.keep_until: %s is before the item was found (%s)", l->keep_until, when);
    if (!rc)
        rc = s_date_window(o, "lost_found.keep_until", l->keep_until, lim->review_max_days, lim->review_max_days, now_ms);
    return rc;
}

/* ---- Municipal decrees -------------------------------------------------------------- */

/* A decree's number as the town writes it: letters, digits and . / - _, one digit at least. */
static int s_decree_number(s_out_t *o, const char *path, const char *s)
{
    int rc = s_text(o, path, s, S_DECREE_NUMBER_MAX, 1);
    int digit = 0, ok = 1;
    for (const char *p = s; !rc && ok && *p; p++) {
        digit |= *p >= '0' && *p <= '9';
        ok = (*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || *p == '.' ||
             *p == '/' || *p == '-' || *p == '_';
    }
    if (!rc && (!ok || !digit)) {
        char shown[80];
        relais_text_escape(s, strlen(s), shown, sizeof shown);
        rc = s_refuse(o, "%s: %s is not a decree number; expected the town's number, letters, digits and . / - _, "
                         "e.g. 2026-148",
                      path, shown);
    }
    return rc;
}

/* Two places of one street that share a house number: the same street (its spelling from the
 * town's list), ranges that meet, and sides that are not one even and one odd. */
static int s_places_overlap(const Relais__V1__DecreePlace *a, const Relais__V1__DecreePlace *b)
{
    /* Folded as the in-force question compares them: "Rue des Écoles" is "rue des ecoles". */
    char fa[4 * S_DESK_LABEL_MAX + 1], fb[4 * S_DESK_LABEL_MAX + 1];
    if (relais_text_fold(a->street, fa, sizeof fa) != 0 || relais_text_fold(b->street, fb, sizeof fb) != 0 ||
        strcmp(fa, fb) != 0)
        return 0;
    if ((a->side == RELAIS__V1__DECREE_PLACE__SIDE__EVEN && b->side == RELAIS__V1__DECREE_PLACE__SIDE__ODD) ||
        (a->side == RELAIS__V1__DECREE_PLACE__SIDE__ODD && b->side == RELAIS__V1__DECREE_PLACE__SIDE__EVEN))
        return 0;
    uint32_t a_to = a->to_number ? a->to_number : UINT32_MAX, b_to = b->to_number ? b->to_number : UINT32_MAX;
    return a->from_number <= b_to && b->from_number <= a_to;
}

static void s_place_text(const Relais__V1__DecreePlace *p, char *out, size_t cap)
{
    static const char *const sides[] = {"", " even side", " odd side"};
    const char *side = p->side >= 0 && p->side < 3 ? sides[p->side] : "";
    if (!p->from_number && !p->to_number)
        snprintf(out, cap, "%.120s, all of it%s", p->street, side);
    else if (!p->to_number)
        snprintf(out, cap, "%.120s from %u%s", p->street, p->from_number, side);
    else
        snprintf(out, cap, "%.120s %u to %u%s", p->street, p->from_number ? p->from_number : 1, p->to_number, side);
}

static int s_decree_places(s_out_t *o, const Relais__V1__Decree *d)
{
    if (d->town_wide && d->n_places)
        return s_refuse(o, "decree.places: given with town_wide; expected the whole town or the places, not both");
    if (!d->town_wide && !d->n_places)
        return s_refuse(o, "decree.places: required; expected the streets the decree applies to, or town_wide");
    if (d->n_places > RELAIS_MAX_DECREE_PLACES)
        return s_refuse(o, "decree.places: %zu; expected at most %d", d->n_places, RELAIS_MAX_DECREE_PLACES);
    for (size_t i = 0; i < d->n_places; i++) {
        const Relais__V1__DecreePlace *p = d->places[i];
        char path[64];
        snprintf(path, sizeof path, "decree.places.%zu.street", i + 1);
        int rc = s_text(o, path, p->street, S_DESK_LABEL_MAX, 1);
        if (rc)
            return rc;
        if (p->from_number > S_HOUSE_NUMBER_MAX || p->to_number > S_HOUSE_NUMBER_MAX)
            return s_refuse(o, "decree.places.%zu: number %u; expected house numbers up to %d", i + 1,
                            p->from_number > S_HOUSE_NUMBER_MAX ? p->from_number : p->to_number, S_HOUSE_NUMBER_MAX);
        if (p->to_number && p->from_number > p->to_number)
            return s_refuse(o, "decree.places.%zu.to_number: %u is before from_number %u; expected a range from the "
                               "lower number to the higher",
                            i + 1, p->to_number, p->from_number);
        for (size_t j = 0; j < i; j++)
            if (s_places_overlap(d->places[j], p)) {
                char mine[200], theirs[200];
                s_place_text(p, mine, sizeof mine);
                s_place_text(d->places[j], theirs, sizeof theirs);
                return s_refuse(o, "decree.places.%zu: %s overlaps decree.places.%zu (%s); expected each house "
                                   "number of a street in one place only",
                                i + 1, mine, j + 1, theirs);
            }
    }
    return 0;
}

static int s_decree(s_out_t *o, const Relais__V1__Decree *d)
{
    int rc = s_decree_number(o, "decree.number", d->number);
    if (!rc)
        rc = s_text(o, "decree.title", d->title, S_DECREE_TITLE_MAX, 1);
    if (!rc)
        rc = s_enum_set(o, "decree.nature", d->nature, "REGULATORY, INDIVIDUAL");
    if (!rc)
        rc = s_enum_set(o, "decree.duration", d->duration, "PERMANENT, TEMPORARY");
    if (!rc)
        rc = s_date(o, "decree.signed_date", d->signed_date, 1);
    if (!rc)
        rc = s_date(o, "decree.effective_from", d->effective_from, 1);
    int temporary = d->duration == RELAIS__V1__DECREE__DURATION__TEMPORARY;
    if (!rc)
        rc = s_date(o, "decree.effective_to", d->effective_to, temporary);
    if (!rc && !temporary && d->effective_to[0])
        rc = s_refuse(o, "decree.effective_to: a permanent decree applies until it is repealed; expected no end date, "
                         "or a TEMPORARY decree");
    /* ISO dates compare as text. */
    if (!rc && strcmp(d->effective_from, d->signed_date) < 0)
        rc = s_refuse(o, "decree.effective_from: %s is before the decree was signed (%s); a decree takes effect no "
                         "earlier than it is signed",
                      d->effective_from, d->signed_date);
    if (!rc && temporary && strcmp(d->effective_to, d->effective_from) < 0)
        rc = s_refuse(o, "decree.effective_to: %s is before effective_from %s; expected the last day it applies",
                      d->effective_to, d->effective_from);
    if (!rc)
        rc = s_decree_places(o, d);
    int individual = d->nature == RELAIS__V1__DECREE__NATURE__INDIVIDUAL;
    if (!rc)
        rc = s_text(o, "decree.text", d->text, S_TEXT_MAX, 0);
    if (!rc && individual && d->text[0])
        rc = s_refuse(o, "decree.text: an individual decree names the person it concerns, and the log keeps a decree "
                         "for good; expected the hash of its signed PDF (pdf_sha256) and no text");
    if (!rc && d->pdf_sha256.len && d->pdf_sha256.len != 32)
        rc = s_refuse(o, "decree.pdf_sha256: %zu bytes; expected a SHA-256, 32 bytes", d->pdf_sha256.len);
    if (!rc && !d->text[0] && !d->pdf_sha256.len)
        rc = s_refuse(o, "decree.pdf_sha256: required without a text; expected the SHA-256 of the signed PDF");
    if (!rc && d->n_repeals > RELAIS_MAX_REPEALS)
        rc = s_refuse(o, "decree.repeals: %zu; expected at most %d", d->n_repeals, RELAIS_MAX_REPEALS);
    for (size_t i = 0; !rc && i < d->n_repeals; i++) {
        char path[48];
        snprintf(path, sizeof path, "decree.repeals.%zu", i + 1);
        rc = s_decree_number(o, path, d->repeals[i]);
        if (!rc && strcmp(d->repeals[i], d->number) == 0)
            rc = s_refuse(o, "%s: a decree cannot repeal itself", path);
    }
    if (!rc)
        rc = s_text(o, "decree.signatory", d->signatory, S_DESK_LABEL_MAX, 1);
    if (!rc)
        rc = s_handle(o, "decree.request_entry", d->request_entry, 'A', "an entry of the register", 0);
    if (!rc && d->request_entry[0] && !individual)
        rc = s_refuse(o, "decree.request_entry: only an individual decree answers one person's request");
    return rc;
}

/* Signed by now (tomorrow allowed, for a clock in another time zone). A decree may be old: a town
 * that starts its register enters the permanent decrees still in force, some signed decades ago,
 * so the bound back is a century, not the review window. */
#define S_DECREE_BACK_DAYS 36525
static int s_decree_hub(s_out_t *o, const Relais__V1__Decree *d, const relais_validation_limits_t *lim, int64_t now_ms)
{
    (void)lim;
    return s_date_window(o, "decree.signed_date", d->signed_date, S_DECREE_BACK_DAYS, 1, now_ms);
}

void relais_validation_limits_default(relais_validation_limits_t *lim)
{
    *lim = (relais_validation_limits_t){
        .child_age_min = 0,
        .child_age_max = 18,
        .consent_max_age_days = 730,
        .review_max_days = 730,
        .skew_ms = 300 * 1000,
    };
}

int relais_message_validate(const relais_message_t *self, const relais_validation_limits_t *lim, int64_t now_ms,
                            char *why, size_t cap)
{
    char scratch[8];
    s_out_t o = {why && cap ? why : scratch, why && cap ? cap : sizeof scratch};
    o.why[0] = '\0';
    if (!self)
        return s_refuse(&o, "no message");
    const Relais__V1__Message *pb = self->pb;
    int rc = 0;
    if (pb->payload_case == RELAIS__V1__MESSAGE__PAYLOAD_REFERRAL) {
        rc = s_referral(&o, pb->referral);
        if (!rc && lim)
            rc = s_referral_hub(&o, pb->referral, lim, now_ms);
    } else if (pb->payload_case == RELAIS__V1__MESSAGE__PAYLOAD_CASE_UPDATE) {
        rc = s_case_update(&o, pb->case_update);
        if (!rc && lim)
            rc = s_case_update_hub(&o, pb->case_update, lim, now_ms);
    } else if (pb->payload_case == RELAIS__V1__MESSAGE__PAYLOAD_MEETING) {
        rc = s_meeting(&o, pb->meeting);
        if (!rc && lim)
            rc = s_meeting_hub(&o, pb->meeting, lim, now_ms);
    } else if (pb->payload_case == RELAIS__V1__MESSAGE__PAYLOAD_CONTACT) {
        rc = s_contact(&o, pb->contact);
        if (!rc && lim)
            rc = s_contact_hub(&o, pb->contact, lim, now_ms);
    } else if (pb->payload_case == RELAIS__V1__MESSAGE__PAYLOAD_CONTACT_UPDATE) {
        rc = s_contact_update(&o, pb->contact_update);
        if (!rc && lim)
            rc = s_contact_update_hub(&o, pb->contact_update, lim, now_ms);
    } else if (pb->payload_case == RELAIS__V1__MESSAGE__PAYLOAD_TRANSFER) {
        rc = s_transfer(&o, pb->transfer);
    } else if (pb->payload_case == RELAIS__V1__MESSAGE__PAYLOAD_TRANSFER_ANSWER) {
        rc = s_transfer_answer(&o, pb->transfer_answer);
    } else if (pb->payload_case == RELAIS__V1__MESSAGE__PAYLOAD_LOST_FOUND) {
        rc = s_lost(&o, pb->lost_found);
        if (!rc && lim)
            rc = s_lost_hub(&o, pb->lost_found, lim, now_ms);
    } else if (pb->payload_case == RELAIS__V1__MESSAGE__PAYLOAD_LOST_FOUND_UPDATE) {
        rc = s_lost_update(&o, pb->lost_found_update);
    } else if (pb->payload_case == RELAIS__V1__MESSAGE__PAYLOAD_DECREE) {
        rc = s_decree(&o, pb->decree);
        if (!rc && lim)
            rc = s_decree_hub(&o, pb->decree, lim, now_ms);
    }
    return rc;
}
