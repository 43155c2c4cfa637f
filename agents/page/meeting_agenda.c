/* meeting_agenda.c -- the agenda of a partnership meeting: the overdue cases, the reviews due by its
 * day, the referrals still waiting since the last meeting; shared by `relais meeting agenda` and the
 * desk's agenda page.
 */
#include "relais_page.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S_T(lang, fr, en) ((lang) == RELAIS_CLI_EN ? (en) : (fr))

void relais_meeting_id_date(const char *id, char *out)
{
    if (!relais_meeting_id_valid(id, NULL)) {
        snprintf(out, 11, "?");
        return;
    }
    snprintf(out, 11, "%.4s-%.2s-%.2s", id + 2, id + 6, id + 8);
}

/* Local midnight at the start of an ISO date, plus `days`; 0 when it is no date. */
static int64_t s_local_day_ms(const char *iso, int days)
{
    struct tm tm = {0};
    if (!relais_calendar_date(iso, &tm.tm_year, &tm.tm_mon, &tm.tm_mday))
        return 0;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    tm.tm_mday += days;
    tm.tm_isdst = -1;
    time_t t = mktime(&tm);
    return t == (time_t)-1 ? 0 : (int64_t)t * 1000;
}

int relais_agenda_in_triage(const relais_case_summary_t *c)
{
    return c->state == RELAIS_CASE_SUBMITTED || c->state == RELAIS_CASE_TRIAGE;
}

/* Which section a case goes in, or RELAIS_AGENDA_SECTIONS for none: overdue first, then the reviews
 * due by the end of the meeting's day, then the referrals still waiting since `since_ms`. A review
 * is due at the end of its day. */
static relais_agenda_section_t s_section(const relais_case_summary_t *c, int64_t day_end_ms, int64_t since_ms)
{
    if (c->overdue)
        return RELAIS_AGENDA_OVERDUE;
    if (!relais_agenda_in_triage(c) && c->due_ms && c->due_ms <= day_end_ms)
        return RELAIS_AGENDA_DUE;
    if (c->state == RELAIS_CASE_SUBMITTED && c->opened_ms >= since_ms)
        return RELAIS_AGENDA_NEW;
    return RELAIS_AGENDA_SECTIONS;
}

static int s_by_due(const void *pa, const void *pb)
{
    const relais_case_summary_t *a = *(relais_case_summary_t *const *)pa, *b = *(relais_case_summary_t *const *)pb;
    int64_t x = a->due_ms ? a->due_ms : a->opened_ms, y = b->due_ms ? b->due_ms : b->opened_ms;
    return x < y ? -1 : x > y;
}

void relais_agenda_words(relais_agenda_section_t section, const relais_case_summary_t *c, relais_cli_lang_t lang,
                         char *out, size_t cap)
{
    char when[64];
    const char *date_word;
    if (section == RELAIS_AGENDA_NEW) {
        relais_cli_date_time(c->opened_ms, lang, when, sizeof when);
        date_word = S_T(lang, "reçu le", "received");
    } else if (!relais_agenda_in_triage(c)) {
        relais_page_review_day(c->due_ms, lang, when, sizeof when);
        date_word = S_T(lang, "bilan prévu le", "review due");
    } else {
        relais_cli_date_time(c->due_ms, lang, when, sizeof when);
        date_word = S_T(lang, "à examiner avant le", "triage due");
    }
    snprintf(out, cap, "%s \xe2\x80\x94 %s (%s) \xe2\x80\x94 %s %s%s%s%s", *c->child_display ? c->child_display : "-",
             relais_page_state(c->state, lang), relais_page_urgency(c->urgency, lang), date_word, when,
             section == RELAIS_AGENDA_OVERDUE ? S_T(lang, ", en retard", ", overdue") : "",
             *c->school ? " \xe2\x80\x94 " : "", c->school);
}

/* The last meeting before the one on a->date, from the meetings' list: its id into a->last ("" when
 * none) and its date into a->last_date. */
static void s_last_meeting(const relais_reply_t *meetings, relais_agenda_t *a)
{
    a->last[0] = '\0';
    for (size_t i = 0; i < meetings->case_count; i++) {
        char d[11];
        relais_meeting_id_date(meetings->cases[i].case_id, d);
        if (relais_meeting_id_valid(meetings->cases[i].case_id, NULL) && strcmp(d, a->date) < 0)
            snprintf(a->last, sizeof a->last, "%s", meetings->cases[i].case_id); /* in date order: the last wins */
    }
    relais_meeting_id_date(a->last, a->last_date);
}

int relais_agenda_read(relais_client_t *client, const char *date, const relais_reply_t *meetings,
                       relais_agenda_t *out, relais_error_t *err, const char **which)
{
    memset(out, 0, sizeof *out);
    *which = "the meetings";
    if (!date || !relais_calendar_date(date, NULL, NULL, NULL))
        return relais_status_set(RELAIS_E_INVALID, "the meeting's date");
    snprintf(out->date, sizeof out->date, "%s", date);
    if (meetings) {
        s_last_meeting(meetings, out);
    } else {
        relais_reply_t list;
        int rc = relais_client_meeting_list(client, &list, err);
        if (rc)
            return rc;
        s_last_meeting(&list, out);
        relais_reply_clear(&list);
    }
    *which = "the cases";
    int rc = relais_client_case_list(client, NULL, &out->cases, err);
    if (rc) {
        memset(&out->cases, 0, sizeof out->cases);
        return rc;
    }
    int64_t day_end = s_local_day_ms(out->date, 1), since = out->last[0] ? s_local_day_ms(out->last_date, 0) : 0;
    for (int s = 0; s < RELAIS_AGENDA_SECTIONS; s++)
        if (!(out->by[s] = calloc(out->cases.case_count + 1, sizeof *out->by[s]))) {
            relais_agenda_clear(out);
            return relais_status_set(RELAIS_E_NOMEM, "the agenda");
        }
    for (size_t i = 0; i < out->cases.case_count; i++) {
        relais_agenda_section_t s = s_section(&out->cases.cases[i], day_end, since);
        if (s != RELAIS_AGENDA_SECTIONS)
            out->by[s][out->count[s]++] = &out->cases.cases[i];
    }
    for (int s = 0; s < RELAIS_AGENDA_SECTIONS; s++)
        qsort(out->by[s], out->count[s], sizeof *out->by[s], s_by_due);
    return 0;
}

void relais_agenda_clear(relais_agenda_t *a)
{
    for (int s = 0; s < RELAIS_AGENDA_SECTIONS; s++) {
        free(a->by[s]);
        a->by[s] = NULL;
        a->count[s] = 0;
    }
    relais_reply_clear(&a->cases);
}
