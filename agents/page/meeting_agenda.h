/* meeting_agenda.h -- the agenda of a partnership meeting (not installed): which cases it has to look
 * at and in which order, as `relais meeting agenda` prints it and the desk's agenda page shows it,
 * decided once here so that the paper and the terminal never disagree. */
#ifndef RELAIS_MEETING_AGENDA_H
#define RELAIS_MEETING_AGENDA_H

#include <stddef.h>
#include <stdint.h>

#include "cli_util.h"

/* The agenda's sections, in the order they are read: each case is in one only. */
typedef enum {
    RELAIS_AGENDA_OVERDUE = 0, /* past their triage target or their review date now */
    RELAIS_AGENDA_DUE,         /* past triage, their review due by the end of the meeting's day */
    RELAIS_AGENDA_NEW,         /* still submitted, received since the last meeting's date */
    RELAIS_AGENDA_SECTIONS
} relais_agenda_section_t;

typedef struct {
    char date[11];                      /* the meeting's, YYYY-MM-DD */
    char last[RELAIS_CASE_ID_LEN];      /* the last meeting before it, "" when none */
    char last_date[11];                 /* its date, "?" when none */
    relais_reply_t cases;               /* the case list the agenda was made from (its rows are borrowed below) */
    relais_case_summary_t **by[RELAIS_AGENDA_SECTIONS]; /* each section's cases, by due date */
    size_t count[RELAIS_AGENDA_SECTIONS];
} relais_agenda_t;

/* The agenda of the meeting on `date` (YYYY-MM-DD), from the coordinator's meetings' list and case
 * list (two reads, each logged at the hub; `meetings`, when not NULL, is that list already read, and
 * only the cases are). On a refusal or no answer the client's status is returned, `err` says why
 * and *which names the read that failed ("the meetings", "the cases"). Errors besides:
 * RELAIS_E_INVALID (no date), RELAIS_E_NOMEM. *out is empty on failure. */
int relais_agenda_read(relais_client_t *client, const char *date, const relais_reply_t *meetings,
                       relais_agenda_t *out, relais_error_t *err, const char **which);
void relais_agenda_clear(relais_agenda_t *a);

/* Whether a case's deadline is its triage target (else its next review). */
int relais_agenda_in_triage(const relais_case_summary_t *c);

/* "Lina B. (2014) — accepté (prioritaire) — bilan prévu le 10/12/2026 — Collège Marie Curie": what
 * the agenda says of a case after its id, in `lang`, as the hub sent it (the caller makes it safe
 * for its page). */
void relais_agenda_words(relais_agenda_section_t section, const relais_case_summary_t *c, relais_cli_lang_t lang,
                         char *out, size_t cap);

/* "2026-12-10" of a meeting id "M-20261210-a3f9" ("?" for anything else); out: room for 11. */
void relais_meeting_id_date(const char *id, char *out);

#endif
