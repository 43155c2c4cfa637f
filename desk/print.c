/* print.c -- the coordinator's pages made for paper: a case's summary for the partnership meeting,
 * the meetings and an agenda, and the partnership body's annual activity report.
 *
 * Each is an ordinary page of the desk (the frame, the navigation, French or English) whose print
 * style sheet (assets.c, @media print) lays it out on A4 without the site's header, the forms or
 * the live regions; a line at its foot says when it was printed and, when it names children, that
 * the document is confidential. A person prints it with the browser's own command: the pages say so
 * in words, since the desk runs no inline script and needs none for it.
 *
 * What each reads: the summary is a read of the case at the hub, logged there like the case's page
 * (relais_client_case_show); the agenda reads the meetings' list and the case list, as `relais
 * meeting agenda` does (relais_agenda_read, relais_page.h: the same sections in the same order);
 * the report reads nothing at the hub: its figures are the charts' (charts.c), from the desk's own
 * feed, through the statistics' suppression rule.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "desk_internal.h"
#include "relais_page.h"
#include "relais_stats.h"

#define T(lang, fr, en) DESK_T(lang, fr, en)
#define S_DASH " \xe2\x80\x94 "

/* ---- What every printable page shares ---------------------------------------------------------- */

/* Printing is the browser's: the page says how, and that it was laid out for it. */
static void s_print_hint(relais_cli_lang_t lang, desk_buf_t *b)
{
    desk_buf_printf(b, "<p class=\"print-hint no-print\"><strong>%s</strong> %s</p>\n", T(lang, "Imprimer :", "Print:"),
                    T(lang,
                      "cette page est mise en page pour le papier A4 ; utilisez la commande Imprimer de votre "
                      "navigateur (Ctrl+P), sans en-têtes ni pieds de page du navigateur.",
                      "this page is laid out for A4 paper; use your browser's Print command (Ctrl+P), without the "
                      "browser's headers and footers."));
}

/* The line at the foot of the paper: when it was printed, and for a page that names children, what
 * it holds (the paper leaves the desk's screen, and may leave the meeting's room). */
static void s_printed_line(relais_cli_lang_t lang, int names_children, desk_buf_t *b)
{
    char when[64];
    relais_cli_date_time((int64_t)time(NULL) * 1000, lang, when, sizeof when);
    desk_buf_printf(b, "<footer class=\"printed print-only\"><p>%s %s%s%s</p></footer>\n",
                    T(lang, "Imprimé le", "Printed on"), when, names_children ? S_DASH : "",
                    names_children ? T(lang, "Document confidentiel \xe2\x80\x94 données relatives à des mineurs",
                                       "Confidential document \xe2\x80\x94 data about minors")
                                   : "");
}

/* A read the hub refused or did not answer, on a page whose status says which (desk_read_failed). */
static enum MHD_Result s_hub_failed(const desk_request_t *r, int rc, const relais_error_t *err, const char *title)
{
    char sentence[800];
    unsigned status = desk_read_failed(r->s->lang, rc, err, sentence, sizeof sentence);
    return desk_http_say(r->desk, r->conn, status, r->s, r->s->lang, title, sentence, r->made);
}

/* The hub's one connection, taken for a read (a librelais client is not thread-safe), and given
 * back with the reason of a timeout the hub did not give: what the client saw of the connection. */
static void s_hub_take(relais_desk_t *desk)
{
    pthread_mutex_lock(&desk->hub_lock);
}

static void s_hub_give(relais_desk_t *desk, int rc, relais_error_t *err)
{
    if (rc == RELAIS_E_TIMEOUT && !err->message[0])
        relais_client_diagnose(desk->hub, err->message, sizeof err->message);
    pthread_mutex_unlock(&desk->hub_lock);
}

static enum MHD_Result s_not_found(const desk_request_t *r, const char *title, const char *sentence)
{
    return desk_http_say(r->desk, r->conn, MHD_HTTP_NOT_FOUND, r->s, r->s->lang, title, sentence, r->made);
}

static enum MHD_Result s_send(const desk_request_t *r, desk_buf_t *b)
{
    return desk_http_send(r->desk, r->conn, MHD_HTTP_OK, b, r->made, NULL);
}

/* ---- A case's summary for the partnership meeting ----------------------------------------------- */

static enum MHD_Result s_summary(const desk_request_t *r, const char *ref)
{
    relais_desk_t *desk = r->desk;
    relais_cli_lang_t lang = r->s->lang;
    char id[RELAIS_CASE_ID_LEN];
    if (relais_cli_case_ref(ref, RELAIS_CLI_REF_CASE | RELAIS_CLI_REF_HANDLE, id, sizeof id) != 0)
        return s_not_found(r, T(lang, "Pas de tel dossier", "No such case"),
                           T(lang, "Un dossier se nomme C-14, un signalement R-57.", "A case is named C-14, a referral R-57."));
    if (r->made->id) { /* a session made just now: its cookie first, then the read */
        char where[RELAIS_CASE_ID_LEN + 24];
        snprintf(where, sizeof where, "/cases/%s/summary", id);
        return desk_http_redirect(desk, r->conn, where, r->made);
    }
    relais_reply_t reply;
    relais_error_t err = {0};
    s_hub_take(desk);
    int rc = relais_client_case_show(desk->hub, id, &reply, &err); /* a read: the hub logs it */
    s_hub_give(desk, rc, &err);
    if (rc == 0 && reply.case_count == 0) {
        relais_reply_clear(&reply);
        rc = RELAIS_E_MALFORMED;
        snprintf(err.message, sizeof err.message, "the hub sent no summary of %s", id);
    }
    if (rc)
        return s_hub_failed(r, rc, &err, T(lang, "Dossier non lu", "Case not read"));

    const char *case_id = reply.cases[0].case_id;
    char title[RELAIS_CASE_ID_LEN + 64];
    snprintf(title, sizeof title, T(lang, "Synthèse du dossier %s", "Summary of case %s"), case_id);
    desk_buf_t b = {0};
    desk_page_begin(desk, r->s, lang, title, "summary", &b);
    desk_buf_put(&b, "<div class=\"printable summary\">\n");
    desk_case_trail(lang, case_id, &b);
    s_print_hint(lang, &b);
    if (desk_page_case_body(&reply, lang, 1, &b) != 0)
        desk_buf_printf(&b, "<p class=\"alert\" role=\"alert\">%s</p>\n",
                        T(lang, "La synthèse du dossier n'a pas pu être faite.", "The case's summary could not be made."));
    s_printed_line(lang, 1, &b);
    desk_buf_put(&b, "</div>\n");
    desk_page_end(lang, &b);
    relais_reply_clear(&reply);
    return s_send(r, &b);
}

/* ---- The meetings and an agenda --------------------------------------------------------------------- */

static void s_today(char out[11])
{
    time_t now = time(NULL);
    struct tm tm;
    if (!localtime_r(&now, &tm) || strftime(out, 11, "%Y-%m-%d", &tm) == 0)
        snprintf(out, 11, "1970-01-01");
}

/* One section of the agenda: its cases in order, numbered from *number on, each with the question
 * the meeting is asked about it. */
static void s_agenda_section(const relais_agenda_t *a, relais_agenda_section_t s, const char *heading, int level,
                             size_t *number, relais_cli_lang_t lang, desk_buf_t *b)
{
    desk_buf_printf(b, "<section class=\"agenda-section\" aria-labelledby=\"agenda-%d\">\n<h%d id=\"agenda-%d\">", (int)s,
                    level, (int)s);
    desk_buf_text(b, heading);
    desk_buf_printf(b, "</h%d>\n", level);
    if (!a->count[s]) {
        desk_buf_printf(b, "<p>%s</p>\n</section>\n", T(lang, "Aucun.", "None."));
        return;
    }
    desk_buf_printf(b, "<table class=\"agenda\">\n<caption class=\"visually-hidden\">");
    desk_buf_text(b, heading);
    desk_buf_printf(b, "</caption>\n<thead><tr><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
                       "<th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr></thead>\n<tbody>\n",
                    T(lang, "N°", "No."), T(lang, "Dossier", "Case"),
                    T(lang, "Enfant, état, échéance, école", "Child, state, due, school"),
                    T(lang, "Question pour l'instance", "Question for the meeting"));
    for (size_t i = 0; i < a->count[s]; i++) {
        const relais_case_summary_t *c = a->by[s][i];
        char words[1024];
        relais_agenda_words(s, c, lang, words, sizeof words);
        desk_buf_printf(b, "<tr><td>%zu</td><th scope=\"row\"><a href=\"/cases/", ++*number);
        desk_buf_text(b, c->case_id);
        desk_buf_put(b, "/summary\">");
        desk_buf_text(b, c->case_id);
        desk_buf_put(b, "</a></th><td>");
        desk_buf_text(b, words);
        desk_buf_put(b, "</td><td>");
        desk_buf_text(b, relais_page_question(c->state, lang));
        desk_buf_put(b, "</td></tr>\n");
    }
    desk_buf_put(b, "</tbody>\n</table>\n</section>\n");
}

/* The agenda as `relais meeting agenda` prints it, its title at heading `level`. */
static void s_agenda_html(const relais_agenda_t *a, relais_cli_lang_t lang, int level, desk_buf_t *b)
{
    char when[64], since[64], line[256];
    relais_cli_date(a->date, lang, when, sizeof when);
    relais_cli_date(a->last_date, lang, since, sizeof since);
    desk_buf_printf(b, "<h%d>", level);
    snprintf(line, sizeof line, T(lang, "Instance partenariale du %s" S_DASH "ordre du jour",
                                  "Partnership meeting of %s" S_DASH "agenda"), when);
    desk_buf_text(b, line);
    desk_buf_printf(b, "</h%d>\n<dl>\n<dt>%s</dt><dd>", level, T(lang, "Dernière instance", "Last meeting"));
    if (a->last[0]) {
        snprintf(line, sizeof line, T(lang, "%s, le %s", "%s, on %s"), a->last, since);
        desk_buf_text(b, line);
    } else {
        desk_buf_put(b, T(lang, "aucune", "none"));
    }
    desk_buf_printf(b, "</dd>\n<dt>%s</dt><dd>%zu</dd>\n</dl>\n", T(lang, "Dossiers à l'ordre du jour", "Cases on the agenda"),
                    a->count[0] + a->count[1] + a->count[2]);
    static const char *const fr[RELAIS_AGENDA_SECTIONS] = {"Dossiers en retard", "Dossiers à revoir",
                                                           "Nouveaux signalements"};
    static const char *const en[RELAIS_AGENDA_SECTIONS] = {"Overdue cases", "Cases due for review", "New referrals"};
    size_t number = 0;
    for (int s = 0; s < RELAIS_AGENDA_SECTIONS; s++) {
        char heading[256];
        if (s == RELAIS_AGENDA_NEW && a->last[0])
            snprintf(heading, sizeof heading, T(lang, "%s depuis le %s (%zu)", "%s since %s (%zu)"), T(lang, fr[s], en[s]),
                     since, a->count[s]);
        else
            snprintf(heading, sizeof heading, "%s (%zu)", T(lang, fr[s], en[s]), a->count[s]);
        s_agenda_section(a, (relais_agenda_section_t)s, heading, level + 1, &number, lang, b);
    }
}

static void s_date_form(const char *date, relais_cli_lang_t lang, desk_buf_t *b)
{
    desk_buf_printf(b, "<form method=\"get\" action=\"/agenda\" class=\"filters no-print\" aria-label=\"%s\">\n"
                       "<div class=\"field\"><label for=\"date\">%s <span class=\"hint\">%s</span></label>"
                       "<input type=\"date\" id=\"date\" name=\"date\" value=\"%s\"></div>\n"
                       "<button type=\"submit\">%s</button>\n</form>\n",
                    T(lang, "Choisir la date de l'instance", "Choose the meeting's date"),
                    T(lang, "Date de l'instance", "Meeting's date"), T(lang, "(AAAA-MM-JJ)", "(YYYY-MM-DD)"), date,
                    T(lang, "Voir l'ordre du jour", "Show the agenda"));
}

/* The agenda of the meeting on `date`: two reads at the hub, each logged, as the command's (one
 * when the page has read the meetings' list already: `meetings`). */
static int s_agenda_read(relais_desk_t *desk, const char *date, const relais_reply_t *meetings, relais_agenda_t *a,
                         relais_error_t *err)
{
    const char *which = "";
    s_hub_take(desk);
    int rc = relais_agenda_read(desk->hub, date, meetings, a, err, &which);
    s_hub_give(desk, rc, err);
    return rc;
}

/* The agenda's page (`meetings`: the meetings' list when the caller has read it, else NULL). */
static enum MHD_Result s_agenda_page(const desk_request_t *r, const char *date, const relais_reply_t *meetings)
{
    relais_cli_lang_t lang = r->s->lang;
    relais_agenda_t a;
    relais_error_t err = {0};
    int rc = s_agenda_read(r->desk, date, meetings, &a, &err);
    if (rc)
        return s_hub_failed(r, rc, &err, T(lang, "Ordre du jour non lu", "Agenda not read"));
    char when[64], title[128];
    relais_cli_date(date, lang, when, sizeof when);
    snprintf(title, sizeof title, T(lang, "Ordre du jour du %s", "Agenda of %s"), when);
    desk_buf_t b = {0};
    desk_page_begin(r->desk, r->s, lang, title, "meetings", &b);
    desk_buf_put(&b, "<div class=\"printable\">\n");
    desk_buf_printf(&b, "<p class=\"no-print\"><a href=\"/meetings\">%s</a></p>\n",
                    T(lang, "Toutes les instances", "All the meetings"));
    s_date_form(date, lang, &b);
    s_print_hint(lang, &b);
    s_agenda_html(&a, lang, 1, &b);
    s_printed_line(lang, 1, &b);
    desk_buf_put(&b, "</div>\n");
    desk_page_end(lang, &b);
    relais_agenda_clear(&a);
    return s_send(r, &b);
}

/* /agenda?date=YYYY-MM-DD (today without one). */
static enum MHD_Result s_agenda(const desk_request_t *r)
{
    relais_cli_lang_t lang = r->s->lang;
    const char *asked = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "date");
    char date[11];
    if (asked && *asked && (strlen(asked) != 10 || !relais_calendar_date(asked, NULL, NULL, NULL)))
        return desk_http_say(r->desk, r->conn, MHD_HTTP_BAD_REQUEST, r->s, lang, T(lang, "Date invalide", "Invalid date"),
                             T(lang, "La date de l'instance s'écrit AAAA-MM-JJ, par exemple 2026-12-10.",
                               "The meeting's date is written YYYY-MM-DD, for example 2026-12-10."),
                             r->made);
    if (asked && *asked)
        snprintf(date, sizeof date, "%s", asked);
    else
        s_today(date);
    return s_agenda_page(r, date, NULL);
}

/* The meetings' list (a read, logged at the hub): 1 with it in *list, or 0 with the page that says
 * why queued in *failed. */
static int s_meetings_read(const desk_request_t *r, relais_reply_t *list, enum MHD_Result *failed)
{
    relais_error_t err = {0};
    s_hub_take(r->desk);
    int rc = relais_client_meeting_list(r->desk->hub, list, &err);
    s_hub_give(r->desk, rc, &err);
    if (rc)
        *failed = s_hub_failed(r, rc, &err, T(r->s->lang, "Instances non lues", "Meetings not read"));
    return rc == 0;
}

/* /meetings/M-…/agenda: the agenda on the date of a meeting the hub knows. */
static enum MHD_Result s_meeting_agenda(const desk_request_t *r, const char *id, size_t id_len)
{
    relais_cli_lang_t lang = r->s->lang;
    char meeting_id[RELAIS_MEETING_ID_LEN] = "";
    if (id_len < sizeof meeting_id)
        snprintf(meeting_id, sizeof meeting_id, "%.*s", (int)id_len, id);
    const char *title = T(lang, "Pas de telle instance", "No such meeting");
    if (!relais_meeting_id_valid(meeting_id, NULL))
        return s_not_found(r, title, T(lang, "Une instance se nomme M-AAAAMMJJ-ÉTIQUETTE, par exemple M-20261210-a3f9.",
                                       "A meeting is named M-YYYYMMDD-TAG, for example M-20261210-a3f9."));
    relais_reply_t list;
    enum MHD_Result failed;
    if (!s_meetings_read(r, &list, &failed))
        return failed;
    int known = 0;
    for (size_t i = 0; i < list.case_count && !known; i++)
        known = strcmp(list.cases[i].case_id, meeting_id) == 0;
    char date[11];
    relais_meeting_id_date(meeting_id, date);
    enum MHD_Result answer =
        known ? s_agenda_page(r, date, &list)
              : s_not_found(r, title, T(lang, "Le hub ne connaît pas cette instance.", "The hub knows no such meeting."));
    relais_reply_clear(&list);
    return answer;
}

/* /meetings: the meetings recorded, then the agenda of the next one (today's, as the command's). */
static enum MHD_Result s_meetings(const desk_request_t *r)
{
    relais_cli_lang_t lang = r->s->lang;
    relais_reply_t list;
    enum MHD_Result failed;
    if (!s_meetings_read(r, &list, &failed))
        return failed;
    char date[11];
    s_today(date);
    relais_agenda_t a;
    relais_error_t err = {0};
    int rc = s_agenda_read(r->desk, date, &list, &a, &err);
    if (rc) {
        relais_reply_clear(&list);
        return s_hub_failed(r, rc, &err, T(lang, "Ordre du jour non lu", "Agenda not read"));
    }
    const char *title = T(lang, "Réunions de l'instance partenariale", "The partnership's meetings");
    desk_buf_t b = {0};
    desk_page_begin(r->desk, r->s, lang, title, "meetings", &b);
    desk_buf_printf(&b, "<div class=\"printable\">\n<h1>%s</h1>\n", title);
    s_print_hint(lang, &b);
    desk_buf_printf(&b, "<section aria-labelledby=\"held\">\n<h2 id=\"held\">%s</h2>\n",
                    T(lang, "Instances enregistrées", "Meetings recorded"));
    if (!list.case_count)
        desk_buf_printf(&b, "<p>%s</p>\n", T(lang, "Aucune instance enregistrée.", "No meeting recorded."));
    else
        desk_buf_printf(&b, "<table>\n<caption class=\"visually-hidden\">%s</caption>\n<thead><tr><th scope=\"col\">%s"
                            "</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\" class=\"no-print\">"
                            "%s</th></tr></thead>\n<tbody>\n",
                        T(lang, "Instances enregistrées, de la plus ancienne à la plus récente",
                          "Meetings recorded, oldest first"),
                        T(lang, "Instance", "Meeting"), T(lang, "Date", "Date"),
                        T(lang, "Dossiers examinés", "Cases reviewed"), T(lang, "Ordre du jour", "Agenda"));
    for (size_t i = 0; i < list.case_count; i++) {
        const relais_case_summary_t *m = &list.cases[i];
        char iso[11], when[64];
        relais_meeting_id_date(m->case_id, iso);
        relais_cli_date(iso, lang, when, sizeof when);
        desk_buf_put(&b, "<tr><th scope=\"row\">");
        desk_buf_text(&b, m->case_id);
        desk_buf_printf(&b, "</th><td>%s</td><td>%u</td><td class=\"no-print\"><a href=\"/meetings/", when,
                        m->referral_count);
        desk_buf_text(&b, m->case_id);
        desk_buf_printf(&b, "/agenda\">%s ", T(lang, "Ordre du jour du", "Agenda of"));
        desk_buf_put(&b, when);
        desk_buf_put(&b, "</a></td></tr>\n");
    }
    if (list.case_count)
        desk_buf_put(&b, "</tbody>\n</table>\n");
    desk_buf_printf(&b, "</section>\n<section aria-labelledby=\"next\" class=\"next-agenda\">\n<h2 id=\"next\">%s</h2>\n",
                    T(lang, "Prochaine instance", "Next meeting"));
    s_date_form(date, lang, &b);
    s_agenda_html(&a, lang, 3, &b);
    desk_buf_put(&b, "</section>\n");
    s_printed_line(lang, 1, &b);
    desk_buf_put(&b, "</div>\n");
    desk_page_end(lang, &b);
    relais_agenda_clear(&a);
    relais_reply_clear(&list);
    return s_send(r, &b);
}

/* ---- The annual activity report ----------------------------------------------------------------- */

/* This year and the four before, as the charts offer them: the active base keeps a case two years
 * past its last contact, so an older year shows what is left of it. */
#define S_YEARS_OFFERED 5

static void s_year_form(int year, int this_year, relais_cli_lang_t lang, desk_buf_t *b)
{
    desk_buf_printf(b, "<form method=\"get\" action=\"/report\" class=\"filters no-print\" aria-label=\"%s\">\n"
                       "<div class=\"field\"><label for=\"year\">%s</label><select id=\"year\" name=\"year\">\n",
                    T(lang, "Choisir l'année", "Choose the year"), T(lang, "Année", "Year"));
    for (int y = this_year; y > this_year - S_YEARS_OFFERED; y--)
        desk_buf_printf(b, "<option value=\"%d\"%s>%d</option>\n", y, y == year ? " selected" : "", y);
    desk_buf_printf(b, "</select></div>\n<button type=\"submit\">%s</button>\n</form>\n", T(lang, "Afficher", "Show"));
}

/* A figure of the year in brief: the chart's total, or "secret" when the rule withholds it. */
static void s_key_figure(const desk_chart_t *f, const char *what, desk_buf_t *b)
{
    desk_buf_printf(b, "<tr><th scope=\"row\">%s</th><td>", what);
    if (f->withheld)
        desk_buf_put(b, "secret");
    else
        desk_buf_printf(b, "%" PRIu64, f->total);
    desk_buf_put(b, "</td></tr>\n");
}

/* One chart of the report: its heading, what it counts, its total (the words for one and for many),
 * the chart and its table. */
typedef struct {
    const char *id;
    const char *heading_fr, *heading_en;
    const char *text_fr, *text_en;
    const char *one_fr, *many_fr, *one_en, *many_en;
    const desk_chart_t *(*figures)(const desk_charts_t *x);
    void (*svg)(const desk_charts_t *x, desk_buf_t *b);
    void (*table)(const desk_charts_t *x, desk_buf_t *b);
} s_report_chart_t;

static const desk_chart_t *s_referrals(const desk_charts_t *x)
{
    return &x->fig.referrals;
}

static const desk_chart_t *s_states(const desk_charts_t *x)
{
    return &x->fig.states;
}

static const desk_chart_t *s_triage(const desk_charts_t *x)
{
    return &x->fig.triage;
}

static const s_report_chart_t s_report_charts[] = {
    {"referrals", "1. Signalements par mois et par source", "1. Referrals by month and source",
     "Chaque signalement reçu dans l'année compte dans le mois de son arrivée et dans la source qu'il déclare, le "
     "rôle de son auteur : l'école, les services de la ville, la PMI, le CMP, les parents.",
     "Each referral received in the year counts in the month it arrived and in the source it gives, its author's "
     "role: the school, the town's services, the PMI, the CMP, the parents.",
     "signalement reçu", "signalements reçus", "referral received", "referrals received", s_referrals,
     desk_chart_referrals_svg, desk_chart_referrals_table},
    {"states", "2. Dossiers par état", "2. Cases by state",
     "Les dossiers ouverts dans l'année, par leur premier signalement, selon leur état aujourd'hui : où en est chaque "
     "situation, du signalement reçu au parcours suivi ou au dossier clos.",
     "The cases opened in the year, by their first referral, by their state today: where each situation stands, "
     "from the referral received to the pathway followed or the case closed.",
     "dossier ouvert dans l'année", "dossiers ouverts dans l'année", "case opened in the year",
     "cases opened in the year", s_states, desk_chart_states_svg, desk_chart_states_table},
    {"triage", "3. Délai d'examen, par rapport aux objectifs", "3. Time to triage, against the targets",
     "Pour chaque degré d'urgence, les signalements examinés dans l'année avant l'échéance de leur objectif, ou "
     "après : l'engagement du partenariat envers les familles.",
     "For each urgency, the referrals triaged in the year before their target's deadline, or after it: the "
     "partnership's commitment to the families.",
     "signalement examiné dans l'année", "signalements examinés dans l'année", "referral triaged in the year",
     "referrals triaged in the year", s_triage, desk_chart_triage_svg, desk_chart_triage_table},
};

static void s_report_chart(const desk_charts_t *x, const s_report_chart_t *c, desk_buf_t *b)
{
    relais_cli_lang_t lang = x->lang;
    char total[200];
    desk_chart_total_said(c->figures(x), lang, c->one_fr, c->many_fr, c->one_en, c->many_en, total, sizeof total);
    desk_buf_printf(b, "<section class=\"report-chart\" aria-labelledby=\"%s-h\">\n<h2 id=\"%s-h\">%s</h2>\n<p>%s ",
                    c->id, c->id, T(lang, c->heading_fr, c->heading_en), T(lang, c->text_fr, c->text_en));
    desk_buf_text(b, total);
    desk_buf_put(b, "</p>\n<figure class=\"report-figure\">\n");
    c->svg(x, b);
    desk_buf_put(b, "</figure>\n");
    c->table(x, b);
    desk_buf_put(b, "</section>\n");
}

static enum MHD_Result s_report(const desk_request_t *r)
{
    relais_desk_t *desk = r->desk;
    relais_cli_lang_t lang = r->s->lang;
    time_t now = time(NULL);
    struct tm tm;
    int this_year = localtime_r(&now, &tm) ? tm.tm_year + 1900 : 1970;
    int asked = desk_chart_year_asked(r->conn, this_year);
    if (asked < 0) {
        char sentence[300];
        snprintf(sentence, sizeof sentence,
                 T(lang, "Le rapport d'activité se fait pour une année écrite en quatre chiffres, de 1970 à %d.",
                   "The activity report is made for a year written in four digits, from 1970 to %d."),
                 this_year);
        return desk_http_say(desk, r->conn, MHD_HTTP_BAD_REQUEST, r->s, lang,
                             T(lang, "Année refusée", "Year refused"), sentence, r->made);
    }
    int year = asked ? asked : this_year;
    desk_charts_t x;
    int rc = desk_charts_make(desk, year, lang, &x);
    if (rc)
        return desk_http_say(desk, r->conn, MHD_HTTP_INTERNAL_SERVER_ERROR, r->s, lang,
                             T(lang, "Rapport non fait", "Report not made"),
                             T(lang, "Les chiffres n'ont pas pu être faits.", "The figures could not be made."), r->made);

    char title[128];
    snprintf(title, sizeof title, T(lang, "Rapport d'activité %d", "Activity report %d"), year);
    desk_buf_t b = {0};
    desk_page_begin(desk, r->s, lang, title, "report", &b);
    desk_buf_put(&b, "<div class=\"printable report\">\n<header class=\"cover\">\n");
    desk_buf_printf(&b, "<p class=\"kicker\">%s</p>\n<h1>%s</h1>\n<p class=\"subtitle\">%s</p>\n",
                    T(lang, "Instance partenariale de suivi des situations individuelles",
                      "Partnership body for the follow-up of individual situations"),
                    title,
                    T(lang, "Coordination socio-éducative \xe2\x80\x94 signalements, dossiers et délais d'examen",
                      "Socio-educational coordination \xe2\x80\x94 referrals, cases and triage times"));
    desk_buf_printf(&b, T(lang, "<p>Période : du 1er janvier au 31 décembre %d", "<p>Period: 1 January to 31 December %d"),
                    year);
    if (year == this_year) {
        char today[64];
        relais_cli_date_time((int64_t)now * 1000, lang, today, sizeof today);
        desk_buf_printf(&b, T(lang, " ; l'année n'est pas finie : les chiffres vont jusqu'au %s",
                              "; the year is not over: the figures run to %s"),
                        today);
    }
    desk_buf_put(&b, ".</p>\n</header>\n");
    s_year_form(year, this_year, lang, &b);
    s_print_hint(lang, &b);

    desk_buf_printf(&b, "<section aria-labelledby=\"brief-h\">\n<h2 id=\"brief-h\">%s</h2>\n<p>%s</p>\n",
                    T(lang, "L'année en bref", "The year in brief"),
                    T(lang,
                      "Les partenaires signalent les enfants en difficulté ; la coordinatrice examine chaque signalement, "
                      "pose un diagnostic, propose un parcours et en suit le déroulement ; l'instance partenariale revoit "
                      "les situations. Ce rapport compte ce travail, sans nommer personne.",
                      "The partners refer the children who are struggling; the coordinator triages each referral, "
                      "diagnoses the situation, proposes a pathway and follows it; the partnership meeting reviews the "
                      "situations. This report counts that work, naming no one."));
    desk_buf_printf(&b, "<table class=\"figures key\">\n<caption>%s</caption>\n<tbody>\n",
                    T(lang, "Chiffres clés de l'année", "The year's key figures"));
    s_key_figure(&x.fig.referrals, T(lang, "Signalements reçus", "Referrals received"), &b);
    s_key_figure(&x.fig.states, T(lang, "Dossiers ouverts", "Cases opened"), &b);
    s_key_figure(&x.fig.triage, T(lang, "Signalements examinés", "Referrals triaged"), &b);
    desk_buf_put(&b, "</tbody>\n</table>\n");
    desk_buf_printf(&b,
                    T(lang,
                      "<p>Les chiffres viennent des dossiers que le hub garde en base active (un dossier en sort deux ans "
                      "après son dernier contact). Ils sont publiés selon la règle des statistiques du partenariat : "
                      "<strong>« secret »</strong> remplace un nombre de 1 à %u, et tout nombre qui permettrait de le "
                      "retrouver par soustraction ; un zéro est montré, il ne désigne personne.</p>\n",
                      "<p>The figures come from the cases the hub keeps in its active base (a case leaves it two years "
                      "after its last contact). They are published under the partnership's statistics' rule: "
                      "<strong>\"secret\"</strong> stands for a number from 1 to %u, and for any number that would let "
                      "it be worked out by subtraction; a zero is shown, it names no one.</p>\n"),
                    RELAIS_STATS_THRESHOLD_DEFAULT - 1);
    desk_feed_state_t feed;
    desk_model_feed_state(desk->model, &feed);
    if (!feed.caught_up || feed.trouble[0] || x.counts.incomplete)
        desk_buf_printf(&b, "<p class=\"notice\">%s</p>\n",
                        T(lang, "Ces chiffres sont incomplets : le fil du hub n'a pas tout apporté, ou un fait n'a pas pu "
                                "être gardé (mémoire).",
                          "These figures are incomplete: the hub's feed has not brought everything, or a fact could "
                          "not be kept (memory)."));
    desk_buf_put(&b, "</section>\n");

    for (size_t i = 0; i < sizeof s_report_charts / sizeof s_report_charts[0]; i++)
        s_report_chart(&x, &s_report_charts[i], &b);
    s_printed_line(lang, 0, &b);
    desk_buf_put(&b, "</div>\n");
    desk_page_end(lang, &b);
    return s_send(r, &b);
}

/* ---- The routes ---------------------------------------------------------------------------------- */

int desk_print_route(const desk_request_t *r, enum MHD_Result *answer)
{
    const char *url = r->url;
    if (!r->get)
        return 0;
    if (strncmp(url, "/cases/", 7) == 0) {
        const char *ref = url + 7, *slash = strchr(ref, '/');
        if (!slash || strcmp(slash, "/summary") != 0)
            return 0;
        char id[RELAIS_CASE_ID_LEN];
        if ((size_t)(slash - ref) >= sizeof id)
            *answer = s_not_found(r, T(r->s->lang, "Pas de tel dossier", "No such case"),
                                  T(r->s->lang, "Un dossier se nomme C-14, un signalement R-57.",
                                    "A case is named C-14, a referral R-57."));
        else {
            snprintf(id, sizeof id, "%.*s", (int)(slash - ref), ref);
            *answer = s_summary(r, id);
        }
        return 1;
    }
    if (strcmp(url, "/meetings") == 0)
        *answer = s_meetings(r);
    else if (strncmp(url, "/meetings/", 10) == 0 && strchr(url + 10, '/') &&
             strcmp(strchr(url + 10, '/'), "/agenda") == 0)
        *answer = s_meeting_agenda(r, url + 10, (size_t)(strchr(url + 10, '/') - (url + 10)));
    else if (strcmp(url, "/agenda") == 0)
        *answer = s_agenda(r);
    else if (strcmp(url, "/report") == 0)
        *answer = s_report(r);
    else
        return 0;
    return 1;
}
