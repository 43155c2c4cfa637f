/* charts.c -- the coordinator's charts (/charts): the referrals by month and source, the cases by
 * state, the triage decisions against the targets, over the last twelve months or a year.
 *
 * The figures come from the desk's own model (its feed), so drawing them reads nothing at the hub.
 * They are counts about children, so they go through the partnership's statistics' suppression
 * rule (relais_stats.h, its threshold and its code) before anything is drawn: the charts may be
 * shown at a partnership meeting, printed or pictured in a report, where a cell of 2 may name a
 * child. A secret cell is drawn and written "secret", as the statistics word it.
 *
 * Each chart is an inline SVG (markup, which the Content-Security-Policy allows; no style
 * attribute, presentation attributes only) with role="img", its title and its description, bars
 * that carry their own number or word (never a colour alone: a pattern tells secret and late
 * apart), and beside it a table of the same figures for those who do not see the chart.
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

/* ---- The figures ---------------------------------------------------------------------------------- */

/* Rules 1 to 4 over a chart: the parts are a table of the total, each part's kinds a table of that
 * part (kind_counts: parts rows of `kinds`, or NULL). */
int desk_chart_make(const uint64_t *part_counts, size_t parts, const uint64_t *kind_counts, size_t kinds,
                   unsigned threshold, desk_chart_t *out)
{
    memset(out, 0, sizeof *out);
    if (parts > DESK_CHART_PARTS || kinds > DESK_SOURCES)
        return relais_status_set(RELAIS_E_INVALID, "a chart's size");
    out->parts = parts;
    out->kinds = kinds;
    for (size_t p = 0; p < parts; p++) {
        out->part[p].count = part_counts[p];
        out->total += part_counts[p];
        for (size_t k = 0; k < kinds; k++)
            out->kind[p][k].count = kind_counts[p * kinds + k];
    }
    /* Rule 1; a total of 0 is nobody, and published, as the statistics publish a zero cell. */
    if (out->total && out->total < threshold) {
        out->withheld = 1;
        return 0;
    }
    int secret[DESK_CHART_PARTS > DESK_SOURCES ? DESK_CHART_PARTS : DESK_SOURCES];
    int protected = 1;
    int rc = relais_stats_suppress(part_counts, parts, out->total, threshold, secret, &protected);
    if (rc)
        return rc;
    if (!protected) { /* rule 4 */
        out->withheld = 1;
        return 0;
    }
    for (size_t p = 0; p < parts; p++)
        out->part[p].secret = secret[p];
    for (size_t p = 0; kinds && p < parts; p++) {
        /* a secret part would be its kinds' sum: they go with it */
        if (out->part[p].secret) {
            out->kinds_withheld[p] = 1;
            continue;
        }
        rc = relais_stats_suppress(&kind_counts[p * kinds], kinds, part_counts[p], threshold, secret, &protected);
        if (rc)
            return rc;
        out->kinds_withheld[p] = !protected;
        for (size_t k = 0; protected && k < kinds; k++)
            out->kind[p][k].secret = secret[k];
    }
    return 0;
}

int desk_figures_make(const desk_counts_t *c, unsigned threshold, desk_figures_t *out)
{
    if (!c || !out)
        return relais_status_set(RELAIS_E_INVALID, "the charts' figures");
    memset(out, 0, sizeof *out);
    out->threshold = threshold;

    uint64_t months[DESK_CHART_MONTHS];
    for (size_t m = 0; m < DESK_CHART_MONTHS; m++) {
        months[m] = 0;
        for (size_t k = 0; k < DESK_SOURCES; k++)
            months[m] += c->referrals[m][k];
    }
    int rc = desk_chart_make(months, DESK_CHART_MONTHS, &c->referrals[0][0], DESK_SOURCES, threshold, &out->referrals);

    /* Every state a case can be in, the first one first: "unspecified" holds none. */
    if (rc == 0)
        rc = desk_chart_make(&c->states[RELAIS_CASE_SUBMITTED], RELAIS_CASE_STATE_COUNT - RELAIS_CASE_SUBMITTED, NULL, 0,
                     threshold, &out->states);

    uint64_t urgencies[DESK_URGENCIES];
    for (size_t u = 0; u < DESK_URGENCIES; u++)
        urgencies[u] = c->triage[u][0] + c->triage[u][1];
    if (rc == 0)
        rc = desk_chart_make(urgencies, DESK_URGENCIES, &c->triage[0][0], 2, threshold, &out->triage);
    return rc;
}

int desk_figure_secret(const desk_chart_t *f, size_t part, int kind)
{
    if (f->withheld)
        return 1;
    if (kind < 0)
        return f->part[part].secret;
    return f->kinds_withheld[part] || f->kind[part][kind].secret;
}

/* ---- Words ---------------------------------------------------------------------------------------- */

/* The sources in the statistics' order and French words (stats.c), with English ones. */
static const struct {
    const char *fr, *en;
} s_sources[DESK_SOURCES] = {
    {"Chef d'établissement", "School head"},
    {"Enseignant", "Teacher"},
    {"RASED", "RASED (special needs support)"},
    {"Psychologue de l'Éducation nationale", "School psychologist"},
    {"Jeunesse et prévention (ville)", "Youth and prevention (town)"},
    {"Action sociale (ville)", "Social services (town)"},
    {"PMI", "PMI (mother and child health)"},
    {"CMP", "CMP (child mental health)"},
    {"Parents", "Parents"},
    {"Autre", "Other"},
    {"Non précisée", "Not given"},
};

static const char *s_month_short(int month, relais_cli_lang_t lang)
{
    static const char *const fr[12] = {"janv.", "févr.", "mars", "avr.", "mai", "juin",
                                       "juil.", "août", "sept.", "oct.", "nov.", "déc."};
    static const char *const en[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    return lang == RELAIS_CLI_EN ? en[month % 12] : fr[month % 12];
}

const char *desk_month_name(int month, relais_cli_lang_t lang)
{
    static const char *const fr[12] = {"janvier", "février", "mars",      "avril",   "mai",      "juin",
                                       "juillet", "août",    "septembre", "octobre", "novembre", "décembre"};
    static const char *const en[12] = {"January", "February", "March",     "April",   "May",      "June",
                                       "July",    "August",   "September", "October", "November", "December"};
    return lang == RELAIS_CLI_EN ? en[month % 12] : fr[month % 12];
}

/* The word the statistics write for a secret figure, in both languages. */
#define S_SECRET "secret"

/* A figure as text: its count, or the word for a secret one. */
void desk_chart_figure(desk_buf_t *b, const desk_cell_t *c, int secret)
{
    if (secret)
        desk_buf_put(b, S_SECRET);
    else
        desk_buf_printf(b, "%" PRIu64, c->count);
}

/* The states in the order a coordinator reads them: the open ones along the way, then the closed. */
static const relais_case_state_t s_open_states[] = {
    RELAIS_CASE_SUBMITTED, RELAIS_CASE_TRIAGE,   RELAIS_CASE_AWAITING_AGREEMENT, RELAIS_CASE_ACCEPTED,
    RELAIS_CASE_DIAGNOSIS, RELAIS_CASE_PATHWAY_PROPOSED, RELAIS_CASE_FOLLOW_UP,  RELAIS_CASE_PAUSED,
};
static const relais_case_state_t s_closed_states[] = {
    RELAIS_CASE_DECLINED,         RELAIS_CASE_REDIRECTED,      RELAIS_CASE_CLOSED_COMPLETED,
    RELAIS_CASE_CLOSED_WITHDRAWN, RELAIS_CASE_CLOSED_FAILED,   RELAIS_CASE_ENTERED_IN_ERROR,
};
#define S_COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

static size_t s_state_part(relais_case_state_t st)
{
    return (size_t)st - RELAIS_CASE_SUBMITTED;
}

static const relais_urgency_t s_urgencies[DESK_URGENCIES] = {RELAIS_URGENCY_URGENT, RELAIS_URGENCY_PRIORITY,
                                                             RELAIS_URGENCY_ROUTINE};

/* "4 heures ouvrées", "24 heures": urgency u's triage target under the desk's policy. */
static void s_target(const relais_cases_policy_t *policy, size_t u, relais_cli_lang_t lang, char *out, size_t cap)
{
    /* urgent counts in working hours, unless the policy has none (relais_cases_add_working_hours) */
    int working = u == 0 && (policy->work_days & 0x7f) && policy->work_end_min > policy->work_start_min;
    unsigned h = policy->hours[u];
    const char *s = h > 1 ? "s" : "";
    if (working && lang == RELAIS_CLI_EN)
        snprintf(out, cap, "%u working hour%s", h, s);
    else if (working)
        snprintf(out, cap, "%u heure%s ouvrée%s", h, s, s);
    else
        snprintf(out, cap, T(lang, "%u heure%s", "%u hour%s"), h, s);
}

/* `text` with its first letter a capital when it is an ASCII one (the desk's words for urgencies). */
static void s_capital(const char *text, char *out, size_t cap)
{
    snprintf(out, cap, "%s", text);
    if (out[0] >= 'a' && out[0] <= 'z')
        out[0] = (char)(out[0] - 'a' + 'A');
}

/* ---- SVG ---------------------------------------------------------------------------------------------- */

/* Colours of the desk's style sheet, against white: the text 16:1, the bars 9:1 (accent) and 8:1
 * (alert), the patterns' lines 7:1; WCAG 2.1 asks 4.5:1 of text and 3:1 of a graphic. */
#define S_INK "#1b1b1b"
#define S_BAR "#00468c"
#define S_LATE "#a40000"
#define S_GREY "#595959"

/* The charts are drawn at the size they are read at (their width and height in CSS pixels, the
 * labels 14 px), so that their text is as legible as the page's; they shrink with a narrower page. */
#define S_WIDE 760   /* the months' chart */
#define S_NARROW 600 /* the others, beside their tables */
#define S_LABELS DESK_SVG_LABELS
#define S_NARROW_LABELS 300 /* room for "en attente de l'accord de la famille" at 14 px */

/* The opening of a chart's SVG, its name and description, and its patterns: secret (grey hatching,
 * a figure no one may read) and late (red, white stripes); ids prefixed by the chart's. */
void desk_svg_open(desk_buf_t *b, const char *id, int width, int height, const char *title, const char *desc)
{
    desk_buf_printf(b,
                    "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" id=\"%s\" role=\"img\" width=\"%d\" "
                    "height=\"%d\" viewBox=\"0 0 %d %d\" aria-labelledby=\"%s-title %s-desc\">\n<title id=\"%s-title\">",
                    id, width, height, width, height, id, id, id);
    desk_buf_text(b, title);
    desk_buf_printf(b, "</title>\n<desc id=\"%s-desc\">", id);
    desk_buf_text(b, desc);
    desk_buf_printf(b,
                    "</desc>\n<defs>\n"
                    "<pattern id=\"%s-secret\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
                    "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#ffffff\"/>"
                    "<rect width=\"2\" height=\"6\" fill=\"" S_GREY "\"/></pattern>\n"
                    "<pattern id=\"%s-late\" width=\"8\" height=\"8\" patternUnits=\"userSpaceOnUse\" "
                    "patternTransform=\"rotate(-45)\"><rect width=\"8\" height=\"8\" fill=\"" S_LATE "\"/>"
                    "<rect width=\"2\" height=\"8\" fill=\"#ffffff\"/></pattern>\n</defs>\n",
                    id, id);
}

void desk_svg_text(desk_buf_t *b, int x, int y, const char *anchor, int size, int bold, const char *text)
{
    desk_buf_printf(b, "<text x=\"%d\" y=\"%d\" font-size=\"%d\" fill=\"" S_INK "\"%s%s%s>", x, y, size,
                    anchor ? " text-anchor=\"" : "", anchor ? anchor : "", anchor ? "\"" : "");
    if (bold)
        desk_buf_put(b, "<tspan font-weight=\"700\">");
    desk_buf_text(b, text);
    if (bold)
        desk_buf_put(b, "</tspan>");
    desk_buf_put(b, "</text>\n");
}

void desk_svg_number(desk_buf_t *b, int x, int y, const char *anchor, int size, uint64_t n)
{
    char text[24];
    snprintf(text, sizeof text, "%" PRIu64, n);
    desk_svg_text(b, x, y, anchor, size, 0, text);
}

/* A withheld chart: one hatched panel that says why, and nothing of its figures. */
void desk_svg_withheld(desk_buf_t *b, const char *id, int width, relais_cli_lang_t lang)
{
    desk_buf_printf(b, "<rect x=\"0\" y=\"8\" width=\"%d\" height=\"56\" fill=\"url(#%s-secret)\" stroke=\"" S_INK
                       "\"/>\n<rect x=\"40\" y=\"20\" width=\"%d\" height=\"32\" fill=\"#ffffff\" stroke=\"" S_INK
                       "\"/>\n",
                    width, id, width - 80);
    desk_svg_text(b, width / 2, 41, "middle", 14, 1,
               T(lang, "secret : des chiffres si petits désigneraient quelqu'un",
                 "secret: figures this small could name someone"));
}

/* A bar's height (or length) for `n` out of `most`, `room` at the most, 2 at the least. */
int desk_svg_scale(uint64_t n, uint64_t most, int room)
{
    if (!n || !most)
        return 0;
    int h = (int)((double)n * room / (double)most + 0.5);
    return h < 2 ? 2 : h;
}

/* ---- The referrals, by month and source ------------------------------------------------------------------ */


/* Whether a source's line says anything: one of its figures published non-zero, or secret (a
 * secret one holds one referral at least); so the lines drawn are the published figures' doing. */
int desk_chart_kind_shown(const desk_chart_t *f, size_t k)
{
    for (size_t m = 0; m < f->parts; m++)
        if (!f->part[m].secret && !f->kinds_withheld[m] && (f->kind[m][k].secret || f->kind[m][k].count))
            return 1;
    return 0;
}

#define S_MONTH_W DESK_SVG_COLUMN_W
#define S_ROW_H DESK_SVG_ROW_H
#define S_HEAD_H DESK_SVG_HEAD_H

/* One line of small bars, a month each: its figures, scaled to `most`. */
void desk_svg_columns_row(desk_buf_t *b, const char *id, int y, const char *label, int bold, const desk_cell_t *cells,
                          const int *secret, int columns, uint64_t most)
{
    int base = y + S_ROW_H - 10;
    desk_svg_text(b, S_LABELS - 10, base - 8, "end", 14, bold, label);
    desk_buf_printf(b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"" S_GREY "\" stroke-width=\"1\"/>\n",
                    S_LABELS, base, S_LABELS + columns * S_MONTH_W, base);
    for (int m = 0; m < columns; m++) {
        int x = S_LABELS + m * S_MONTH_W, mid = x + S_MONTH_W / 2;
        if (secret[m]) {
            desk_buf_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"24\" height=\"12\" fill=\"url(#%s-secret)\" "
                               "stroke=\"" S_INK "\" stroke-width=\"1\"/>\n",
                            mid - 12, base - 12, id);
            desk_svg_text(b, mid, base - 16, "middle", 11, 0, S_SECRET);
            continue;
        }
        int h = desk_svg_scale(cells[m].count, most, 28);
        if (h)
            desk_buf_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"24\" height=\"%d\" fill=\"" S_BAR "\"/>\n", mid - 12,
                            base - h, h);
        desk_svg_number(b, mid, base - h - 4, "middle", 12, cells[m].count);
    }
}

void desk_chart_referrals_svg(const desk_charts_t *x, desk_buf_t *b)
{
    relais_cli_lang_t lang = x->lang;
    const desk_chart_t *f = &x->fig.referrals;
    const char *id = "chart-referrals";
    size_t shown = 0;
    for (size_t k = 0; k < DESK_SOURCES; k++)
        shown += desk_chart_kind_shown(f, k);
    int height = f->withheld ? 72 : S_HEAD_H + (int)(1 + shown) * S_ROW_H + 6;
    char desc[1024];
    snprintf(desc, sizeof desc, "%s",
             T(lang,
               "Chaque signalement reçu sur la période compte dans le mois de son arrivée et dans la source qu'il "
               "déclare (le rôle de son auteur). Première ligne : tous les signalements de chaque mois ; puis une "
               "ligne par source qui en a, à la même échelle entre elles. Chaque barre porte son nombre ; « secret » "
               "marque un nombre que la règle des statistiques cache. Le tableau qui suit donne les mêmes chiffres.",
               "Each referral received in the period counts in the month it arrived and in the source it gives (its "
               "author's role). First line: all the referrals of each month; then a line per source that has any, "
               "on one scale between them. Each bar carries its number; \"secret\" marks a number the statistics' "
               "rule hides. The table that follows gives the same figures."));
    desk_svg_open(b, id, S_WIDE, height, T(lang, "Signalements par mois et par source", "Referrals by month and source"),
               desc);
    if (f->withheld) {
        desk_svg_withheld(b, id, S_WIDE, lang);
        desk_buf_put(b, "</svg>\n");
        return;
    }
    for (int m = 0; m < DESK_CHART_MONTHS; m++) {
        int month = x->first_month + m, mid = S_LABELS + m * S_MONTH_W + S_MONTH_W / 2;
        char year[16];
        snprintf(year, sizeof year, "%d", month / 12);
        desk_svg_text(b, mid, 16, "middle", 12, 0, s_month_short(month % 12, lang));
        desk_svg_text(b, mid, 32, "middle", 12, 0, year);
    }
    int secret[DESK_CHART_MONTHS];
    uint64_t most = 0;
    for (int m = 0; m < DESK_CHART_MONTHS; m++) {
        secret[m] = desk_figure_secret(f, (size_t)m, -1);
        if (!secret[m] && f->part[m].count > most)
            most = f->part[m].count;
    }
    desk_svg_columns_row(b, id, S_HEAD_H, T(lang, "Tous les signalements", "All referrals"), 1, f->part, secret, DESK_CHART_MONTHS, most);
    most = 0;
    for (size_t k = 0; k < DESK_SOURCES; k++)
        for (int m = 0; m < DESK_CHART_MONTHS; m++)
            if (!desk_figure_secret(f, (size_t)m, (int)k) && f->kind[m][k].count > most)
                most = f->kind[m][k].count;
    int y = S_HEAD_H + S_ROW_H;
    for (size_t k = 0; k < DESK_SOURCES; k++) {
        if (!desk_chart_kind_shown(f, k))
            continue;
        desk_cell_t cells[DESK_CHART_MONTHS];
        for (int m = 0; m < DESK_CHART_MONTHS; m++) {
            cells[m] = f->kind[m][k];
            secret[m] = desk_figure_secret(f, (size_t)m, (int)k);
        }
        desk_svg_columns_row(b, id, y, T(lang, s_sources[k].fr, s_sources[k].en), 0, cells, secret, DESK_CHART_MONTHS, most);
        y += S_ROW_H;
    }
    desk_buf_put(b, "</svg>\n");
}

void desk_chart_referrals_table(const desk_charts_t *x, desk_buf_t *b)
{
    relais_cli_lang_t lang = x->lang;
    const desk_chart_t *f = &x->fig.referrals;
    desk_buf_printf(b, "<div class=\"scroll\"><table class=\"figures\" id=\"table-referrals\">\n<caption>%s</caption>\n"
                       "<thead><tr><th scope=\"col\">%s</th>",
                    T(lang, "Signalements reçus, par mois et par source", "Referrals received, by month and source"),
                    T(lang, "Source", "Source"));
    for (int m = 0; m < DESK_CHART_MONTHS; m++) {
        int month = x->first_month + m;
        desk_buf_printf(b, "<th scope=\"col\">%s %d</th>", s_month_short(month % 12, lang), month / 12);
    }
    desk_buf_printf(b, "</tr></thead>\n<tbody>\n<tr class=\"sum\"><th scope=\"row\">%s</th>",
                    T(lang, "Tous les signalements", "All referrals"));
    for (size_t m = 0; m < DESK_CHART_MONTHS; m++) {
        desk_buf_put(b, "<td>");
        desk_chart_figure(b, &f->part[m], desk_figure_secret(f, m, -1));
        desk_buf_put(b, "</td>");
    }
    desk_buf_put(b, "</tr>\n");
    for (size_t k = 0; k < DESK_SOURCES; k++) {
        desk_buf_printf(b, "<tr><th scope=\"row\">%s</th>", T(lang, s_sources[k].fr, s_sources[k].en));
        for (size_t m = 0; m < DESK_CHART_MONTHS; m++) {
            desk_buf_put(b, "<td>");
            desk_chart_figure(b, &f->kind[m][k], desk_figure_secret(f, m, (int)k));
            desk_buf_put(b, "</td>");
        }
        desk_buf_put(b, "</tr>\n");
    }
    desk_buf_put(b, "</tbody>\n</table></div>\n");
}

/* ---- The cases, by state --------------------------------------------------------------------------------- */

#define S_BAR_ROOM (S_NARROW - S_NARROW_LABELS - 70) /* room left for the number after the longest bar */
#define S_STATE_H 26
#define S_GROUP_H 30

void desk_chart_states_svg(const desk_charts_t *x, desk_buf_t *b)
{
    relais_cli_lang_t lang = x->lang;
    const desk_chart_t *f = &x->fig.states;
    const char *id = "chart-states";
    int rows = (int)(S_COUNT_OF(s_open_states) + S_COUNT_OF(s_closed_states));
    int height = f->withheld ? 72 : 2 * S_GROUP_H + rows * S_STATE_H + 6;
    desk_svg_open(b, id, S_NARROW, height, T(lang, "Dossiers par état", "Cases by state"),
               T(lang,
                 "Les dossiers ouverts sur la période (par leur premier signalement), selon leur état aujourd'hui : "
                 "d'abord les états d'un dossier ouvert, dans l'ordre du parcours, puis ceux d'un dossier clos. Un "
                 "dossier fusionné dans un autre compte avec lui. Chaque barre porte son nombre ; « secret » marque un "
                 "nombre que la règle des statistiques cache. Le tableau qui suit donne les mêmes chiffres.",
                 "The cases opened in the period (by their first referral), by their state today: first the states "
                 "of an open case, in the order of the pathway, then those of a closed one. A case merged into "
                 "another counts with it. Each bar carries its number; \"secret\" marks a number the statistics' rule "
                 "hides. The table that follows gives the same figures."));
    if (f->withheld) {
        desk_svg_withheld(b, id, S_NARROW, lang);
        desk_buf_put(b, "</svg>\n");
        return;
    }
    uint64_t most = 0;
    for (size_t p = 0; p < f->parts; p++)
        if (!f->part[p].secret && f->part[p].count > most)
            most = f->part[p].count;
    int y = 0;
    for (int group = 0; group < 2; group++) {
        const relais_case_state_t *states = group ? s_closed_states : s_open_states;
        size_t n = group ? S_COUNT_OF(s_closed_states) : S_COUNT_OF(s_open_states);
        desk_svg_text(b, 0, y + 21, NULL, 15, 1,
                   group ? T(lang, "Dossiers clos", "Closed cases") : T(lang, "Dossiers ouverts", "Open cases"));
        y += S_GROUP_H;
        for (size_t i = 0; i < n; i++, y += S_STATE_H) {
            size_t p = s_state_part(states[i]);
            int mid = y + S_STATE_H / 2;
            desk_svg_text(b, S_NARROW_LABELS - 10, mid + 5, "end", 14, 0, relais_page_state(states[i], lang));
            if (f->part[p].secret) {
                desk_buf_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"36\" height=\"16\" fill=\"url(#%s-secret)\" "
                                   "stroke=\"" S_INK "\" stroke-width=\"1\"/>\n",
                                S_NARROW_LABELS, mid - 8, id);
                desk_svg_text(b, S_NARROW_LABELS + 42, mid + 5, NULL, 14, 0, S_SECRET);
                continue;
            }
            int w = desk_svg_scale(f->part[p].count, most, S_BAR_ROOM);
            if (w)
                desk_buf_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"16\" fill=\"" S_BAR "\"/>\n",
                                S_NARROW_LABELS, mid - 8, w);
            desk_svg_number(b, S_NARROW_LABELS + w + 6, mid + 5, NULL, 14, f->part[p].count);
        }
        desk_buf_printf(b,
                        "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"" S_GREY "\" stroke-width=\"1\"/>\n",
                        S_NARROW_LABELS, y - (int)n * S_STATE_H, S_NARROW_LABELS, y);
    }
    desk_buf_put(b, "</svg>\n");
}

void desk_chart_states_table(const desk_charts_t *x, desk_buf_t *b)
{
    relais_cli_lang_t lang = x->lang;
    const desk_chart_t *f = &x->fig.states;
    desk_buf_printf(b, "<div class=\"scroll\"><table class=\"figures\" id=\"table-states\">\n<caption>%s</caption>\n"
                       "<thead><tr><th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr></thead>\n<tbody>\n",
                    T(lang, "Dossiers ouverts sur la période, par état aujourd'hui",
                      "Cases opened in the period, by state today"),
                    T(lang, "État", "State"), T(lang, "Dossiers", "Cases"));
    for (int group = 0; group < 2; group++) {
        const relais_case_state_t *states = group ? s_closed_states : s_open_states;
        size_t n = group ? S_COUNT_OF(s_closed_states) : S_COUNT_OF(s_open_states);
        for (size_t i = 0; i < n; i++) {
            size_t p = s_state_part(states[i]);
            desk_buf_printf(b, "<tr><th scope=\"row\">%s <span class=\"hint-inline\">(%s)</span></th><td>",
                            relais_page_state(states[i], lang),
                            group ? T(lang, "clos", "closed") : T(lang, "ouvert", "open"));
            desk_chart_figure(b, &f->part[p], desk_figure_secret(f, p, -1));
            desk_buf_put(b, "</td></tr>\n");
        }
    }
    desk_buf_printf(b, "<tr class=\"sum\"><th scope=\"row\">%s</th><td>", T(lang, "Total", "Total"));
    desk_chart_figure(b, &(desk_cell_t){.count = f->total}, f->withheld);
    desk_buf_put(b, "</td></tr>\n</tbody>\n</table></div>\n");
}

/* ---- The triage decisions against the targets -------------------------------------------------------------- */

/* The share within the target, in whole percents, when its figures are published: -1 when not. */
static int s_share(const desk_chart_t *f, size_t u)
{
    if (desk_figure_secret(f, u, -1) || desk_figure_secret(f, u, 0) || !f->part[u].count)
        return -1;
    return (int)((f->kind[u][0].count * 100 + f->part[u].count / 2) / f->part[u].count);
}

void desk_chart_triage_svg(const desk_charts_t *x, desk_buf_t *b)
{
    relais_cli_lang_t lang = x->lang;
    const desk_chart_t *f = &x->fig.triage;
    const char *id = "chart-triage";
    char targets[3][48], desc[1400];
    for (size_t u = 0; u < DESK_URGENCIES; u++)
        s_target(&x->policy, u, lang, targets[u], sizeof targets[u]);
    snprintf(desc, sizeof desc,
             T(lang,
               "Pour chaque degré d'urgence, les signalements examinés sur la période : le dossier est passé de « "
               "reçu » ou « en cours d'examen » à une décision (en attente de l'accord de la famille, accepté, non "
               "retenu, réorienté), avant l'échéance de son objectif (barre pleine) ou après (barre rayée). "
               "Objectifs : urgent %s, prioritaire %s, ordinaire %s, comptées depuis l'arrivée du premier "
               "signalement de ce degré d'urgence. Chaque barre porte son nombre ; « secret » marque un nombre que "
               "la règle des statistiques cache (un seul retard suffit à cacher la ligne entière). Les dossiers "
               "qui attendent encore sont dans la liste de travail. Le tableau qui suit donne les mêmes chiffres.",
               "For each urgency, the referrals triaged in the period: the case moved from submitted or triage to "
               "a decision (awaiting agreement, accepted, declined, redirected), before its target's deadline "
               "(solid bar) or after it (striped bar). Targets: urgent %s, priority %s, routine %s, counted from "
               "the arrival of the first referral of that urgency. Each bar carries its number; \"secret\" marks a "
               "number the statistics' rule hides (a single late one is enough to hide the whole line). The cases "
               "still waiting are on the work list. The table that follows gives the same figures."),
             targets[0], targets[1], targets[2]);
    int height = f->withheld ? 72 : DESK_URGENCIES * (S_GROUP_H + 2 * S_STATE_H + 8) + 6;
    desk_svg_open(b, id, S_NARROW, height, T(lang, "Délai d'examen des signalements, par rapport aux objectifs",
                                "Time from referral to triage, against the targets"),
               desc);
    if (f->withheld) {
        desk_svg_withheld(b, id, S_NARROW, lang);
        desk_buf_put(b, "</svg>\n");
        return;
    }
    uint64_t most = 0;
    for (size_t u = 0; u < DESK_URGENCIES; u++)
        for (int k = 0; k < 2; k++)
            if (!desk_figure_secret(f, u, k) && f->kind[u][k].count > most)
                most = f->kind[u][k].count;
    int y = 0;
    for (size_t u = 0; u < DESK_URGENCIES; u++) {
        char head[320], count[64], urgency[48];
        if (desk_figure_secret(f, u, -1))
            snprintf(count, sizeof count, "%s", T(lang, S_SECRET " examinés", S_SECRET " triaged"));
        else if (lang == RELAIS_CLI_EN)
            snprintf(count, sizeof count, "%" PRIu64 " triaged", f->part[u].count);
        else
            snprintf(count, sizeof count, "%" PRIu64 " examiné%s", f->part[u].count, f->part[u].count > 1 ? "s" : "");
        int share = s_share(f, u);
        char said[48] = "";
        if (share >= 0)
            snprintf(said, sizeof said, T(lang, ", %d %% dans le délai", ", %d%% in time"), share);
        s_capital(relais_page_urgency(s_urgencies[u], lang), urgency, sizeof urgency);
        snprintf(head, sizeof head, "%s \xe2\x80\x94 %s %s \xe2\x80\x94 %s%s", urgency, T(lang, "objectif", "target"),
                 targets[u], count, said);
        desk_svg_text(b, 0, y + 21, NULL, 14, 1, head);
        y += S_GROUP_H;
        for (int k = 0; k < 2; k++, y += S_STATE_H) {
            int mid = y + S_STATE_H / 2;
            desk_svg_text(b, S_NARROW_LABELS - 10, mid + 5, "end", 14, 0,
                       k ? T(lang, "examinés en retard", "triaged late")
                         : T(lang, "examinés dans le délai", "triaged in time"));
            if (desk_figure_secret(f, u, k)) {
                desk_buf_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"36\" height=\"16\" fill=\"url(#%s-secret)\" "
                                   "stroke=\"" S_INK "\" stroke-width=\"1\"/>\n",
                                S_NARROW_LABELS, mid - 8, id);
                desk_svg_text(b, S_NARROW_LABELS + 42, mid + 5, NULL, 14, 0, S_SECRET);
                continue;
            }
            int w = desk_svg_scale(f->kind[u][k].count, most, S_BAR_ROOM);
            if (w && k)
                desk_buf_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"16\" fill=\"url(#%s-late)\" "
                                   "stroke=\"" S_LATE "\" stroke-width=\"1\"/>\n",
                                S_NARROW_LABELS, mid - 8, w, id);
            else if (w)
                desk_buf_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"16\" fill=\"" S_BAR "\"/>\n",
                                S_NARROW_LABELS, mid - 8, w);
            desk_svg_number(b, S_NARROW_LABELS + w + 6, mid + 5, NULL, 14, f->kind[u][k].count);
        }
        desk_buf_printf(b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"" S_GREY "\" stroke-width=\"1\"/>\n",
                        S_NARROW_LABELS, y - 2 * S_STATE_H, S_NARROW_LABELS, y);
        y += 8;
    }
    desk_buf_put(b, "</svg>\n");
}

void desk_chart_triage_table(const desk_charts_t *x, desk_buf_t *b)
{
    relais_cli_lang_t lang = x->lang;
    const desk_chart_t *f = &x->fig.triage;
    desk_buf_printf(b, "<div class=\"scroll\"><table class=\"figures\" id=\"table-triage\">\n<caption>%s</caption>\n"
                       "<thead><tr><th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
                       "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr></thead>\n"
                       "<tbody>\n",
                    T(lang, "Signalements examinés sur la période, par urgence, par rapport aux objectifs",
                      "Referrals triaged in the period, by urgency, against the targets"),
                    T(lang, "Urgence", "Urgency"), T(lang, "Objectif", "Target"), T(lang, "Examinés", "Triaged"),
                    T(lang, "Dans le délai", "In time"), T(lang, "En retard", "Late"),
                    T(lang, "Part dans le délai", "Share in time"));
    for (size_t u = 0; u < DESK_URGENCIES; u++) {
        char target[48];
        s_target(&x->policy, u, lang, target, sizeof target);
        char urgency[48];
        s_capital(relais_page_urgency(s_urgencies[u], lang), urgency, sizeof urgency);
        desk_buf_printf(b, "<tr><th scope=\"row\">%s</th><td>%s</td><td>", urgency, target);
        desk_chart_figure(b, &f->part[u], desk_figure_secret(f, u, -1));
        for (int k = 0; k < 2; k++) {
            desk_buf_put(b, "</td><td>");
            desk_chart_figure(b, &f->kind[u][k], desk_figure_secret(f, u, k));
        }
        int share = s_share(f, u);
        if (share >= 0)
            desk_buf_printf(b, T(lang, "</td><td>%d\xc2\xa0%%</td></tr>\n", "</td><td>%d%%</td></tr>\n"), share);
        else /* none to share, or its figures secret: so is the share */
            desk_buf_printf(b, "</td><td>%s</td></tr>\n",
                            !desk_figure_secret(f, u, -1) && !f->part[u].count ? "-" : S_SECRET);
    }
    desk_buf_printf(b, "<tr class=\"sum\"><th scope=\"row\">%s</th><td>-</td><td>", T(lang, "Total", "Total"));
    desk_chart_figure(b, &(desk_cell_t){.count = f->total}, f->withheld);
    desk_buf_put(b, "</td><td></td><td></td><td></td></tr>\n</tbody>\n</table></div>\n");
}

/* ---- The page --------------------------------------------------------------------------------------------- */

static int64_t s_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Local midnight of the first day of month `month` (year * 12 + month - 1), in ms. */
static int s_month_start(int month, int64_t *out)
{
    struct tm tm = {.tm_year = month / 12 - 1900, .tm_mon = month % 12, .tm_mday = 1, .tm_isdst = -1};
    time_t t = mktime(&tm);
    if (t == (time_t)-1)
        return relais_status_set(RELAIS_E_INVALID, "a month of the charts' period");
    *out = (int64_t)t * 1000;
    return 0;
}

/* The period: the year asked, or the twelve months that end with this one. */
static int s_period(int year, int64_t now_ms, desk_charts_t *x)
{
    time_t now = (time_t)(now_ms / 1000);
    struct tm tm;
    if (!localtime_r(&now, &tm))
        return relais_status_set(RELAIS_E_INVALID, "the desk's clock");
    x->year = year;
    x->first_month = year ? year * 12 : (tm.tm_year + 1900) * 12 + tm.tm_mon - (DESK_CHART_MONTHS - 1);
    x->counts.first_month = x->first_month;
    int rc = s_month_start(x->first_month, &x->counts.from_ms);
    if (rc == 0)
        rc = s_month_start(x->first_month + DESK_CHART_MONTHS, &x->counts.to_ms);
    return rc;
}

int desk_charts_make(relais_desk_t *desk, int year, relais_cli_lang_t lang, desk_charts_t *out)
{
    memset(out, 0, sizeof *out);
    out->lang = lang;
    desk_model_policy(desk->model, &out->policy);
    int rc = s_period(year, s_wall_ms(), out);
    if (rc == 0)
        rc = desk_model_count(desk->model, &out->counts);
    if (rc == 0)
        rc = desk_figures_make(&out->counts, RELAIS_STATS_THRESHOLD_DEFAULT, &out->fig);
    return rc;
}

/* The year the form asks for: 0 for none (the last twelve months), -1 for one the desk cannot take. */
int desk_chart_year_asked(struct MHD_Connection *conn, int this_year)
{
    const char *v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "year");
    if (!v || !*v)
        return 0;
    char *end = NULL;
    long y = strtol(v, &end, 10);
    if (strlen(v) != 4 || *end || y < 1970 || y > this_year)
        return -1;
    return (int)y;
}

/* This year and the four before: the active base keeps a case two years past its last contact, so
 * an older year would show what is left of it. */
#define S_YEARS_OFFERED 5

static void s_period_form(const desk_charts_t *x, int this_year, desk_buf_t *b)
{
    relais_cli_lang_t lang = x->lang;
    desk_buf_printf(b, "<form method=\"get\" action=\"/charts\" class=\"filters\" aria-label=\"%s\">\n"
                       "<div class=\"field\"><label for=\"year\">%s</label><select id=\"year\" name=\"year\">\n"
                       "<option value=\"\"%s>%s</option>\n",
                    T(lang, "Choisir la période", "Choose the period"), T(lang, "Période", "Period"),
                    x->year ? "" : " selected", T(lang, "les 12 derniers mois", "the last 12 months"));
    for (int y = this_year; y > this_year - S_YEARS_OFFERED; y--)
        desk_buf_printf(b, "<option value=\"%d\"%s>%d</option>\n", y, x->year == y ? " selected" : "", y);
    desk_buf_printf(b, "</select></div>\n<button type=\"submit\">%s</button>\n</form>\n", T(lang, "Afficher", "Show"));
}

/* One chart's section: its heading, a sentence of its total, the chart and its table side by side. */
static void s_section(const desk_charts_t *x, const char *id, const char *heading, const char *total_said,
                      void (*svg)(const desk_charts_t *, desk_buf_t *), void (*table)(const desk_charts_t *, desk_buf_t *),
                      int wide, desk_buf_t *b)
{
    desk_buf_printf(b, "<section class=\"chart-section\" aria-labelledby=\"%s-h\">\n<h2 id=\"%s-h\">%s</h2>\n", id, id,
                    heading);
    desk_buf_put(b, "<p>");
    desk_buf_text(b, total_said);
    desk_buf_printf(b, "</p>\n<div class=\"pair%s\">\n<figure>\n", wide ? " wide" : "");
    svg(x, b);
    desk_buf_put(b, "</figure>\n");
    table(x, b);
    desk_buf_put(b, "</div>\n</section>\n");
}

void desk_chart_total_said(const desk_chart_t *f, relais_cli_lang_t lang, const char *fr_one, const char *fr_many,
                         const char *en_one, const char *en_many, char *out, size_t cap)
{
    if (f->withheld)
        snprintf(out, cap, "%s", T(lang, "Total : secret.", "Total: secret."));
    else
        /* French counts 0 and 1 in the singular, English 1 alone */
        snprintf(out, cap, T(lang, "Total : %" PRIu64 " %s.", "Total: %" PRIu64 " %s."), f->total,
                 lang == RELAIS_CLI_EN ? (f->total == 1 ? en_one : en_many) : (f->total > 1 ? fr_many : fr_one));
}

int desk_page_charts(relais_desk_t *desk, const desk_session_t *s, struct MHD_Connection *conn, desk_buf_t *b)
{
    relais_cli_lang_t lang = s->lang;
    int64_t now_ms = s_wall_ms();
    time_t now = (time_t)(now_ms / 1000);
    struct tm tm;
    int this_year = localtime_r(&now, &tm) ? tm.tm_year + 1900 : 1970;
    int asked = desk_chart_year_asked(conn, this_year);

    desk_charts_t x;
    int rc = desk_charts_make(desk, asked > 0 ? asked : 0, lang, &x);

    const char *title = T(lang, "Graphiques", "Charts");
    desk_page_begin(desk, s, s->lang, title, "charts", b);
    desk_buf_printf(b, "<div class=\"charts\">\n<h1>%s</h1>\n", title);
    if (asked < 0)
        desk_buf_printf(b, "<p class=\"notice\">%s</p>\n",
                        T(lang, "Cette année n'est pas une période que le desk peut montrer : voici les 12 derniers mois.",
                          "That year is not a period the desk can show: here are the last 12 months."));
    s_period_form(&x, this_year, b);
    if (rc) {
        desk_buf_printf(b, "<p class=\"alert\" role=\"alert\">%s</p>\n</div>\n",
                        T(lang, "Les chiffres n'ont pas pu être faits.", "The figures could not be made."));
        desk_page_end(lang, b);
        return rc;
    }
    int last = x.first_month + DESK_CHART_MONTHS - 1;
    desk_buf_printf(b, T(lang, "<p>Période : de %s %d à %s %d%s.", "<p>Period: %s %d to %s %d%s."),
                    desk_month_name(x.first_month % 12, lang), x.first_month / 12, desk_month_name(last % 12, lang),
                    last / 12, x.year ? "" : T(lang, " (les 12 derniers mois, celui-ci compris)",
                                               " (the last 12 months, this one included)"));
    desk_buf_printf(b,
                    T(lang,
                      " Les chiffres viennent du fil de ce desk : les dossiers que le hub garde en base active. "
                      "<strong>« secret »</strong> : un nombre de 1 à %u, ou un nombre caché pour qu'on ne puisse pas "
                      "retrouver un autre par soustraction, selon la règle des statistiques du partenariat (seuil "
                      "%u) ; un zéro est montré, il ne désigne personne.</p>\n",
                      " The figures come from this desk's feed: the cases the hub keeps in its active base. "
                      "<strong>\"secret\"</strong>: a number from 1 to %u, or a number hidden so that another cannot "
                      "be worked out by subtraction, under the partnership's statistics' rule (threshold %u); a zero "
                      "is shown, it names no one.</p>\n"),
                    RELAIS_STATS_THRESHOLD_DEFAULT - 1, RELAIS_STATS_THRESHOLD_DEFAULT);
    desk_feed_state_t feed;
    desk_model_feed_state(desk->model, &feed);
    if (!feed.caught_up || feed.trouble[0] || x.counts.incomplete)
        desk_buf_printf(b, "<p class=\"notice\">%s</p>\n",
                        T(lang, "Ces chiffres sont incomplets : le fil du hub n'a pas tout apporté, ou un fait n'a pas pu "
                                "être gardé (mémoire).",
                          "These figures are incomplete: the hub's feed has not brought everything, or a fact could "
                          "not be kept (memory)."));

    char said[160];
    desk_chart_total_said(&x.fig.referrals, lang, "signalement reçu", "signalements reçus", "referral received",
                 "referrals received", said, sizeof said);
    s_section(&x, "referrals", T(lang, "Signalements par mois et par source", "Referrals by month and source"), said,
              desk_chart_referrals_svg, desk_chart_referrals_table, 1, b);
    desk_chart_total_said(&x.fig.states, lang, "dossier ouvert sur la période", "dossiers ouverts sur la période",
                 "case opened in the period", "cases opened in the period", said, sizeof said);
    s_section(&x, "states", T(lang, "Dossiers par état", "Cases by state"), said, desk_chart_states_svg, desk_chart_states_table, 0, b);
    desk_chart_total_said(&x.fig.triage, lang, "signalement examiné sur la période", "signalements examinés sur la période",
                 "referral triaged in the period", "referrals triaged in the period", said, sizeof said);
    s_section(&x, "triage",
              T(lang, "Délai d'examen, par rapport aux objectifs", "Time to triage, against the targets"), said,
              desk_chart_triage_svg, desk_chart_triage_table, 0, b);
    desk_buf_printf(b, "<p>%s</p>\n</div>\n",
                    T(lang, "Les sollicitations de l'accueil, par semaine et par canal, sont sur le desk de "
                            "l'accueil : ce desk est celui de la coordination.",
                      "The reception's solicitations, by week and channel, are on the reception's desk: this "
                      "desk is the coordination's."));
    desk_page_end(lang, b);
    return 0;
}
