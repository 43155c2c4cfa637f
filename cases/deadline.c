/* deadline.c -- triage targets and review dates, derived when a case is read, under the hub's policy.
 *
 * Working hours are counted in the process's local time zone (TZ), day by day through
 * mktime(), so that a change to or from summer time is a day of 23 or 25 hours like any
 * other clock would count it.
 */
#include "relais_cases.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define S_HOUR_MS (3600 * (int64_t)1000)
#define S_MAX_DAYS 3660 /* a target of 10000 working hours spans at most ~4 years of days */

void relais_cases_policy_default(relais_cases_policy_t *policy)
{
    memset(policy, 0, sizeof *policy);
    policy->hours[0] = 4;
    policy->hours[1] = 24;
    policy->hours[2] = 72;
    policy->work_start_min = 9 * 60;
    policy->work_end_min = 18 * 60;
    policy->work_days = 0x3e; /* Monday (1) to Friday (5) */
    policy->holidays = RELAIS_CASES_HOLIDAYS_FR;
}

int relais_cases_policy_holidays(relais_cases_policy_t *policy, const char *text)
{
    if (text && strcmp(text, "fr") == 0)
        policy->holidays = RELAIS_CASES_HOLIDAYS_FR;
    else if (text && strcmp(text, "none") == 0)
        policy->holidays = RELAIS_CASES_HOLIDAYS_NONE;
    else
        return relais_status_set(RELAIS_E_INVALID, "public holidays are \"fr\" or \"none\"");
    return 0;
}

/* Day of the year, 0 for 1 January, of a Gregorian date. */
static int s_yday(int year, int month, int day)
{
    static const int before[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return before[month - 1] + day - 1 + (leap && month > 2);
}

/* Easter Sunday of a Gregorian year as a day of the year: the anonymous Gregorian
 * computus (Meeus/Jones/Butcher), in integers. */
static int s_easter_yday(int year)
{
    int a = year % 19, b = year / 100, c = year % 100, d = b / 4, e = b % 4;
    int f = (b + 8) / 25, g = (b - f + 1) / 3, h = (19 * a + b - d - g + 15) % 30;
    int i = c / 4, k = c % 4, l = (32 + 2 * e + 2 * i - h - k) % 7, m = (a + 11 * h + 22 * l) / 451;
    int month = (h + l - 7 * m + 114) / 31, day = (h + l - 7 * m + 114) % 31 + 1;
    return s_yday(year, month, day);
}

int relais_cases_is_holiday(relais_cases_holidays_t holidays, int year, int month, int day)
{
    if (holidays != RELAIS_CASES_HOLIDAYS_FR || month < 1 || month > 12)
        return 0;
    static const int fixed[][2] = {{1, 1}, {5, 1}, {5, 8}, {7, 14}, {8, 15}, {11, 1}, {11, 11}, {12, 25}};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        if (fixed[i][0] == month && fixed[i][1] == day)
            return 1;
    /* Easter Monday, Ascension Day (Thursday, 39 days after Easter), Whit Monday (50). */
    int after_easter = s_yday(year, month, day) - s_easter_yday(year);
    return after_easter == 1 || after_easter == 39 || after_easter == 50;
}

int relais_cases_policy_triage(relais_cases_policy_t *policy, const char *text)
{
    unsigned u, p, r;
    char tail;
    if (!text || sscanf(text, "%u,%u,%u%c", &u, &p, &r, &tail) != 3 || u == 0 || p == 0 || r == 0 || u > 10000 ||
        p > 10000 || r > 10000)
        return relais_status_set(RELAIS_E_INVALID, "triage targets are U,P,R: hours, 1 to 10000 each");
    policy->hours[0] = u;
    policy->hours[1] = p;
    policy->hours[2] = r;
    return 0;
}

int relais_cases_policy_hours(relais_cases_policy_t *policy, const char *text)
{
    unsigned h1, m1, h2, m2;
    char tail;
    if (!text || sscanf(text, "%2u:%2u-%2u:%2u%c", &h1, &m1, &h2, &m2, &tail) != 4 || h1 > 23 || h2 > 24 ||
        m1 > 59 || m2 > 59 || h1 * 60 + m1 >= h2 * 60 + m2 || h2 * 60 + m2 > 24 * 60)
        return relais_status_set(RELAIS_E_INVALID, "working hours are HH:MM-HH:MM, start before end");
    policy->work_start_min = h1 * 60 + m1;
    policy->work_end_min = h2 * 60 + m2;
    return 0;
}

/* Local midnight of the day holding `t`, moved by `days`, plus `minutes`. */
static time_t s_local(time_t t, int days, unsigned minutes)
{
    struct tm tm;
    localtime_r(&t, &tm);
    tm.tm_mday += days;
    tm.tm_hour = (int)(minutes / 60);
    tm.tm_min = (int)(minutes % 60);
    tm.tm_sec = 0;
    tm.tm_isdst = -1; /* let mktime say whether summer time applies that day */
    return mktime(&tm);
}

static int s_working_day(const relais_cases_policy_t *policy, time_t t)
{
    struct tm tm;
    localtime_r(&t, &tm);
    return ((policy->work_days >> tm.tm_wday) & 1) &&
           !relais_cases_is_holiday(policy->holidays, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

int64_t relais_cases_add_working_hours(const relais_cases_policy_t *policy, int64_t from_ms, unsigned hours)
{
    int64_t left = (int64_t)hours * S_HOUR_MS;
    if ((policy->work_days & 0x7f) == 0 || policy->work_end_min <= policy->work_start_min)
        return from_ms + left;
    time_t now = (time_t)(from_ms / 1000);
    int64_t t = from_ms;
    for (int day = 0; day < S_MAX_DAYS; day++) {
        time_t midnight_ref = s_local(now, day, 0);
        if (!s_working_day(policy, midnight_ref))
            continue;
        int64_t open = (int64_t)s_local(now, day, policy->work_start_min) * 1000;
        int64_t close = (int64_t)s_local(now, day, policy->work_end_min) * 1000;
        int64_t start = t > open ? t : open;
        if (start >= close)
            continue;
        if (close - start >= left)
            return start + left;
        left -= close - start;
    }
    return from_ms + (int64_t)hours * S_HOUR_MS; /* unreachable with a sane policy: clock hours */
}

/* The end of the review day, local time: the review is late from the next morning on. */
static int64_t s_review_due(int64_t review_ms)
{
    time_t utc = (time_t)(review_ms / 1000);
    struct tm day;
    gmtime_r(&utc, &day);
    struct tm next = {.tm_year = day.tm_year, .tm_mon = day.tm_mon, .tm_mday = day.tm_mday + 1, .tm_isdst = -1};
    return (int64_t)mktime(&next) * 1000;
}

int64_t relais_cases_due_ms(const relais_case_record_t *rec, const relais_cases_policy_t *policy)
{
    relais_case_state_t state = rec->summary.state;
    if (!relais_cases_state_is_open(state) || state == RELAIS_CASE_PAUSED)
        return 0;
    if (state == RELAIS_CASE_SUBMITTED || state == RELAIS_CASE_TRIAGE) {
        relais_urgency_t u = rec->summary.urgency;
        if (u == RELAIS_URGENCY_URGENT)
            return relais_cases_add_working_hours(policy, rec->triage_from_ms, policy->hours[0]);
        unsigned hours = u == RELAIS_URGENCY_PRIORITY ? policy->hours[1] : policy->hours[2];
        return rec->triage_from_ms + (int64_t)hours * S_HOUR_MS;
    }
    return rec->review_ms > 0 ? s_review_due(rec->review_ms) : 0;
}

void relais_cases_deadline(relais_case_record_t *rec, const relais_cases_policy_t *policy, int64_t now_ms)
{
    rec->summary.due_ms = relais_cases_due_ms(rec, policy);
    rec->summary.overdue = rec->summary.due_ms > 0 && now_ms > rec->summary.due_ms;
}
