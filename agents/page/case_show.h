/* case_show.h -- the page `relais case show` prints for a person (not installed). */
#ifndef RELAIS_CASE_SHOW_H
#define RELAIS_CASE_SHOW_H

#include <stdio.h>

#include "cli_util.h"

/* Where a page is written: the terminal's text (relais_case_page_print), or another form (the
 * desk's HTML). The page calls these in reading order; every text is as the hub sent it, the
 * sink's to make safe for its form. `indent` is the text page's: 2 for what belongs to a
 * section, 4 for what belongs to a block of it, 7 for an action's fields. */
typedef struct {
    void (*title)(void *ctx, const char *title);   /* the page's title, once, first */
    void (*heading)(void *ctx, const char *title); /* a section */
    void (*block)(void *ctx, int indent, const char *text); /* a block's first line: a referral, a parent, an
                                                             * update (indent 2), a pathway's action (4) */
    void (*line)(void *ctx, int indent, const char *text);  /* a sentence of the page's own */
    void (*field)(void *ctx, int indent, const char *label, const char *value); /* never empty; a label ""
                                                                                  * continues the one before */
    void (*text)(void *ctx, int indent, const char *label, const char *text); /* may run over lines;
                                                                               * label NULL: the text alone */
    void (*gap)(void *ctx);                                                    /* between two blocks */
    void (*history)(void *ctx, const char *when, const char *number, const char *what); /* a dated event */
} relais_page_sink_t;

/* The page of relais_case_page_print, written through `sink` (with its `ctx`).
 * Errors: RELAIS_E_INVALID (no summary), RELAIS_E_NOMEM. */
int relais_case_page_render(const relais_page_sink_t *sink, void *ctx, const relais_reply_t *r,
                            relais_cli_lang_t lang);

/* The case on one or two printed pages for the partnership meeting (the desk's summary): the
 * header, the decisions pending (the question the state puts, the next review or the triage's
 * deadline, a possible duplicate), the child, each referral (who, when, why; no contact, no
 * sharing), the diagnosis, the pathway, the last 3 reviews and meetings; no family, no history.
 * Errors: RELAIS_E_INVALID (no summary, or a partner's reply), RELAIS_E_NOMEM. */
int relais_case_summary_render(const relais_page_sink_t *sink, void *ctx, const relais_reply_t *r,
                               relais_cli_lang_t lang);

/* The decision a case in `state` waits for from the partnership meeting, as a question ("Quel
 * parcours éducatif proposer ?"), for the summary and the meeting's agenda. */
const char *relais_page_question(relais_case_state_t state, relais_cli_lang_t lang);

/* The day a review is due, from a case's due_ms (the end of that day, local), as the reader
 * writes a date ("10/12/2026"); "-" for none. */
void relais_page_review_day(int64_t due_ms, relais_cli_lang_t lang, char *out, size_t cap);

/* Prints the case (or, for a partner, its referral) of a CASE_DETAIL reply as a page to read or
 * print before a partnership meeting: the child, each referral with its description, referrer
 * and the family's contacts, the diagnosis, the pathway, reviews and notes, and the history as
 * a dated list, in `lang`, with local dates. It prints what the hub sent and nothing else: a
 * partner's reply holds its own referral and the statuses it may see, so its page has no
 * diagnosis, pathway or notes. Every text from the hub is escaped; multi-line texts are quoted
 * under a bar, so that none of their lines passes for a line of the page.
 * Errors: RELAIS_E_INVALID (no summary), RELAIS_E_NOMEM. */
int relais_case_page_print(FILE *out, const relais_reply_t *r, relais_cli_lang_t lang);

/* The page's parts, for the pages of a partnership meeting (meeting.c), each line escaped: a
 * case's state and urgency in words ("en cours d'examen", "prioritaire"), the title underlined with '=', a heading
 * underlined with '-', "  Label    value" wrapped under itself (nothing for an empty value),
 * a labelled text that may run over lines (quoted under a bar), and a professional present
 * ("Mme Roux, psychologue, CMP de Sceaux", from a MeetingRecord's JSON `present` item). */
const char *relais_page_state(relais_case_state_t state, relais_cli_lang_t lang);
const char *relais_page_urgency(relais_urgency_t urgency, relais_cli_lang_t lang);
void relais_page_title(FILE *out, const char *title);
void relais_page_heading(FILE *out, const char *title);
void relais_page_field(FILE *out, int indent, const char *label, const char *value);
void relais_page_text(FILE *out, int indent, const char *label, const char *text);
void relais_page_attendee(json_t *attendee, char *out, size_t cap);

/* The state a paused case resumes to, from a CASE_DETAIL's timeline: the from_state of the update
 * that paused it last; RELAIS_CASE_UNSPECIFIED when none did (for `relais case update` and the
 * desk's move form alike). */
relais_case_state_t relais_page_paused_from(const relais_reply_t *r);

#endif
