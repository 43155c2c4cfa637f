/* reception_chart.c -- the reception's chart (/charts on its desk): the solicitations by ISO week and
 * channel, over the last 12 weeks or a period asked, counted from the register's pages.
 *
 * The figures go through the statistics' suppression rule before anything is drawn, as the
 * coordinator's charts do (charts.c, whose drawing this is): a week's single visit may name the
 * resident who came, once the chart is shown in a town report.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "desk_internal.h"
#include "relais_page.h"
#include "relais_reception.h"
#include "relais_stats.h"

#define T(lang, fr, en) DESK_T(lang, fr, en)

#define S_WEEKS_DEFAULT 12
#define S_CHANNELS (RELAIS_CHANNEL_COUNT - 1) /* call, visit, letter, e-mail, form */
#define S_DAY_MS (86400LL * 1000)

static const char *const s_channel_fr[S_CHANNELS] = {"Téléphone", "Visite", "Courrier", "Courriel", "Formulaire"};
static const char *const s_channel_en[S_CHANNELS] = {"Call", "Visit", "Letter", "E-mail", "Form"};

typedef struct {
    int64_t first_day;   /* the Monday of the first week, in days since 1970-01-01 (local calendar) */
    int weeks;
    int64_t from_ms, to_ms;
    char labels[DESK_CHART_PARTS][12]; /* "2026-W49" */
    uint64_t week[DESK_CHART_PARTS];
    uint64_t by_channel[DESK_CHART_PARTS][S_CHANNELS];
} s_period_t;

/* The local calendar day of `ms`, in days since 1970-01-01, and its weekday (0 Monday). */
static int s_day_of(int64_t ms, int64_t *day, int *weekday)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (!localtime_r(&t, &tm))
        return RELAIS_E_INVALID;
    struct tm noon = {.tm_year = tm.tm_year, .tm_mon = tm.tm_mon, .tm_mday = tm.tm_mday, .tm_hour = 12};
    *day = (int64_t)timegm(&noon) / 86400;
    *weekday = (tm.tm_wday + 6) % 7;
    return 0;
}

/* Local midnight of `day` (days since 1970-01-01), in ms. */
static int s_midnight(int64_t day, int64_t *ms)
{
    time_t t = (time_t)(day * 86400);
    struct tm utc;
    if (!gmtime_r(&t, &utc))
        return RELAIS_E_INVALID;
    struct tm tm = {.tm_year = utc.tm_year, .tm_mon = utc.tm_mon, .tm_mday = utc.tm_mday, .tm_isdst = -1};
    time_t local = mktime(&tm);
    if (local == (time_t)-1)
        return RELAIS_E_INVALID;
    *ms = (int64_t)local * 1000;
    return 0;
}

/* The weeks from the one of `from_ms` to the one of `to_ms` (included), their labels and bounds. */
static int s_weeks(int64_t from_ms, int64_t to_ms, s_period_t *p)
{
    int64_t first, last;
    int wd_first, wd_last;
    if (s_day_of(from_ms, &first, &wd_first) || s_day_of(to_ms, &last, &wd_last))
        return RELAIS_E_INVALID;
    memset(p, 0, sizeof *p);
    p->first_day = first - wd_first;
    int64_t weeks = (last - wd_last - p->first_day) / 7 + 1;
    if (weeks < 1 || weeks > DESK_CHART_PARTS)
        return RELAIS_E_INVALID;
    p->weeks = (int)weeks;
    for (int w = 0; w < p->weeks; w++) {
        time_t t = (time_t)((p->first_day + 7 * w) * 86400 + 43200);
        struct tm tm;
        if (!gmtime_r(&t, &tm) || !strftime(p->labels[w], sizeof p->labels[w], "%G-W%V", &tm))
            return RELAIS_E_INVALID;
    }
    if (s_midnight(p->first_day, &p->from_ms) || s_midnight(p->first_day + 7 * p->weeks, &p->to_ms))
        return RELAIS_E_INVALID;
    return 0;
}

static int s_read_list(relais_client_t *hub, const void *filter, void *out, relais_error_t *err)
{
    return relais_client_reception_list(hub, filter, out, err);
}

/* Every entry of the period, page after page, counted in its week and channel. */
static int s_count(relais_desk_t *desk, s_period_t *p, relais_cli_lang_t lang, char *why, size_t cap)
{
    relais_request_t f = {.from_ms = p->from_ms, .to_ms = p->to_ms};
    for (;;) {
        relais_reply_t reply = {0};
        int rc = desk_r_read(desk, s_read_list, &f, &reply, lang, why, cap);
        if (rc)
            return rc;
        for (size_t i = 0; i < reply.contact_count; i++) {
            const relais_contact_record_t *e = &reply.contacts[i];
            int64_t day;
            int wd;
            if (e->channel < 1 || e->channel > S_CHANNELS || s_day_of(e->occurred_ms, &day, &wd) != 0)
                continue;
            int64_t w = (day - p->first_day) / 7;
            if (day < p->first_day || w >= p->weeks)
                continue;
            p->week[w]++;
            p->by_channel[w][e->channel - 1]++;
        }
        f.before = reply.next_seq;
        relais_reply_clear(&reply);
        if (!f.before)
            return 0;
    }
}

static void s_svg(const s_period_t *p, const desk_chart_t *f, relais_cli_lang_t lang, desk_buf_t *b)
{
    const char *id = "chart-solicitations";
    size_t shown = 0;
    for (size_t k = 0; k < S_CHANNELS; k++)
        shown += (size_t)desk_chart_kind_shown(f, k);
    int width = DESK_SVG_LABELS + p->weeks * DESK_SVG_COLUMN_W + 10;
    int height = f->withheld ? 72 : DESK_SVG_HEAD_H + (int)(1 + shown) * DESK_SVG_ROW_H + 6;
    desk_svg_open(b, id, width, height, T(lang, "Sollicitations par semaine et par canal", "Solicitations by week and channel"),
                  T(lang,
                    "Chaque sollicitation du registre compte dans la semaine ISO de sa réception et dans son canal. "
                    "Première ligne : toutes les sollicitations de chaque semaine ; puis une ligne par canal qui en a. "
                    "Chaque barre porte son nombre ; « secret » marque un nombre que la règle des statistiques cache. "
                    "Le tableau qui suit donne les mêmes chiffres.",
                    "Each solicitation of the register counts in the ISO week it came and in its channel. First "
                    "line: all the solicitations of each week; then a line per channel that has any. Each bar "
                    "carries its number; \"secret\" marks a number the statistics' rule hides. The table that "
                    "follows gives the same figures."));
    if (f->withheld) {
        desk_svg_withheld(b, id, width, lang);
        desk_buf_put(b, "</svg>\n");
        return;
    }
    for (int w = 0; w < p->weeks; w++) {
        int mid = DESK_SVG_LABELS + w * DESK_SVG_COLUMN_W + DESK_SVG_COLUMN_W / 2;
        desk_svg_text(b, mid, 16, "middle", 12, 0, p->labels[w] + 5); /* "W49" */
        char year[8];
        snprintf(year, sizeof year, "%.4s", p->labels[w]);
        desk_svg_text(b, mid, 32, "middle", 12, 0, year);
    }
    int secret[DESK_CHART_PARTS];
    uint64_t most = 0;
    for (int w = 0; w < p->weeks; w++) {
        secret[w] = desk_figure_secret(f, (size_t)w, -1);
        if (!secret[w] && f->part[w].count > most)
            most = f->part[w].count;
    }
    desk_svg_columns_row(b, id, DESK_SVG_HEAD_H, T(lang, "Toutes les sollicitations", "All solicitations"), 1, f->part,
                         secret, p->weeks, most);
    most = 0;
    for (size_t k = 0; k < S_CHANNELS; k++)
        for (int w = 0; w < p->weeks; w++)
            if (!desk_figure_secret(f, (size_t)w, (int)k) && f->kind[w][k].count > most)
                most = f->kind[w][k].count;
    int y = DESK_SVG_HEAD_H + DESK_SVG_ROW_H;
    for (size_t k = 0; k < S_CHANNELS; k++) {
        if (!desk_chart_kind_shown(f, k))
            continue;
        desk_cell_t cells[DESK_CHART_PARTS];
        for (int w = 0; w < p->weeks; w++) {
            cells[w] = f->kind[w][k];
            secret[w] = desk_figure_secret(f, (size_t)w, (int)k);
        }
        desk_svg_columns_row(b, id, y, T(lang, s_channel_fr[k], s_channel_en[k]), 0, cells, secret, p->weeks, most);
        y += DESK_SVG_ROW_H;
    }
    desk_buf_put(b, "</svg>\n");
}

static void s_table(const s_period_t *p, const desk_chart_t *f, relais_cli_lang_t lang, desk_buf_t *b)
{
    desk_buf_printf(b, "<div class=\"scroll\"><table class=\"figures\" id=\"table-solicitations\">\n<caption>%s</caption>\n"
                       "<thead><tr><th scope=\"col\">%s</th>",
                    T(lang, "Sollicitations, par semaine ISO et par canal", "Solicitations, by ISO week and channel"),
                    T(lang, "Canal", "Channel"));
    for (int w = 0; w < p->weeks; w++)
        desk_buf_printf(b, "<th scope=\"col\">%s</th>", p->labels[w]);
    desk_buf_printf(b, "</tr></thead>\n<tbody>\n<tr class=\"sum\"><th scope=\"row\">%s</th>",
                    T(lang, "Toutes les sollicitations", "All solicitations"));
    for (int w = 0; w < p->weeks; w++) {
        desk_buf_put(b, "<td>");
        desk_chart_figure(b, &f->part[w], desk_figure_secret(f, (size_t)w, -1));
        desk_buf_put(b, "</td>");
    }
    desk_buf_put(b, "</tr>\n");
    for (size_t k = 0; k < S_CHANNELS; k++) {
        desk_buf_printf(b, "<tr><th scope=\"row\">%s</th>", T(lang, s_channel_fr[k], s_channel_en[k]));
        for (int w = 0; w < p->weeks; w++) {
            desk_buf_put(b, "<td>");
            desk_chart_figure(b, &f->kind[w][k], desk_figure_secret(f, (size_t)w, (int)k));
            desk_buf_put(b, "</td>");
        }
        desk_buf_put(b, "</tr>\n");
    }
    desk_buf_put(b, "</tbody>\n</table></div>\n");
}

static enum MHD_Result s_chart_page(desk_request_t *r)
{
    relais_desk_t *desk = r->desk;
    relais_cli_lang_t lang = r->s->lang;
    const char *from = desk_r_arg(r->conn, "from"), *to = desk_r_arg(r->conn, "to");
    int64_t now = desk_r_wall_ms(), from_ms = now - (S_WEEKS_DEFAULT - 1) * 7 * S_DAY_MS, to_ms = now;
    desk_r_view_t v = {.form = "period"};
    unsigned status = MHD_HTTP_OK;
    int asked = *from || *to;
    if (asked && (relais_rcli_local_time(from, &from_ms) != 0))
        status = desk_r_refuse(&v, "from", T(lang, "le début attend une date (2026-09-01).", "the start expects a date (2026-09-01)."),
                               lang);
    else if (asked && relais_rcli_local_time(to, &to_ms) != 0)
        status = desk_r_refuse(&v, "to", T(lang, "la fin attend une date (2026-12-01).", "the end expects a date (2026-12-01)."),
                               lang);
    else if (asked && to_ms < from_ms)
        status = desk_r_refuse(&v, "to", T(lang, "la fin vient avant le début.", "the end comes before the start."), lang);
    s_period_t *p = calloc(1, sizeof *p);
    desk_chart_t *f = calloc(1, sizeof *f);
    int rc = p && f ? 0 : RELAIS_E_NOMEM;
    char why[512] = "";
    if (rc == 0 && status == MHD_HTTP_OK && s_weeks(from_ms, to_ms, p) != 0)
        status = desk_r_refuse(&v, "to",
                               T(lang, "une période d'une à 26 semaines.", "a period of one to 26 weeks."), lang);
    if (rc == 0 && status != MHD_HTTP_OK) /* the last 12 weeks are drawn below the sentence */
        rc = s_weeks(now - (S_WEEKS_DEFAULT - 1) * 7 * S_DAY_MS, now, p);
    if (rc == 0 && (rc = s_count(desk, p, lang, why, sizeof why)) != 0 && status == MHD_HTTP_OK)
        status = desk_r_read_status(rc);
    if (rc == 0)
        rc = desk_chart_make(p->week, (size_t)p->weeks, &p->by_channel[0][0], S_CHANNELS, RELAIS_STATS_THRESHOLD_DEFAULT,
                             f);
    desk_form_t typed = {.extra_count = 2};
    snprintf(typed.extra[0].key, sizeof typed.extra[0].key, "from");
    typed.extra[0].value = (char *)from;
    snprintf(typed.extra[1].key, sizeof typed.extra[1].key, "to");
    typed.extra[1].value = (char *)to;
    v.typed = &typed;

    const char *title = T(lang, "Graphiques", "Charts");
    desk_buf_t b = {0};
    desk_page_begin(desk, r->s, lang, title, "charts", &b);
    desk_buf_printf(&b, "<div class=\"charts\">\n<h1>%s</h1>\n", title);
    desk_r_alert(&v, "period", &b);
    desk_buf_printf(&b, "<form method=\"get\" action=\"/charts\" class=\"filters\" aria-label=\"%s\"%s>\n",
                    T(lang, "Choisir la période", "Choose the period"),
                    v.alert[0] ? " aria-describedby=\"period-error\"" : "");
    desk_r_input(&b, &v, "period", "date", "from", T(lang, "Du", "From"), T(lang, "les 12 dernières semaines si vide", "the last 12 weeks when empty"),
                 desk_r_value(&v, "period", "from"), 0);
    desk_r_input(&b, &v, "period", "date", "to", T(lang, "au (inclus)", "to (included)"), NULL,
                 desk_r_value(&v, "period", "to"), 0);
    desk_buf_printf(&b, "<button type=\"submit\">%s</button>\n</form>\n", T(lang, "Afficher", "Show"));
    if (rc) {
        desk_r_trouble(&b, why[0] ? why : T(lang, "Les chiffres n'ont pas pu être faits.", "The figures could not be made."));
    } else {
        desk_buf_printf(&b, "<section class=\"chart-section\" aria-labelledby=\"solicitations-h\">\n"
                            "<h2 id=\"solicitations-h\">%s</h2>\n<p>",
                        T(lang, "Sollicitations par semaine et par canal", "Solicitations by week and channel"));
        desk_buf_printf(&b, T(lang, "Semaines %s à %s. ", "Weeks %s to %s. "), p->labels[0], p->labels[p->weeks - 1]);
        if (f->withheld)
            desk_buf_put(&b, T(lang, "Total : secret.", "Total: secret."));
        else
            desk_buf_printf(&b, T(lang, "Total : %" PRIu64 " sollicitation%s.", "Total: %" PRIu64 " solicitation%s."),
                            f->total, lang == RELAIS_CLI_EN ? (f->total == 1 ? "" : "s") : (f->total > 1 ? "s" : ""));
        desk_buf_printf(&b, T(lang, " « secret » : un nombre de 1 à %u, ou caché pour qu'on ne puisse pas en retrouver un "
                                    "autre par soustraction (règle des statistiques, seuil %u).",
                              " \"secret\": a number from 1 to %u, or hidden so that another cannot be worked out by "
                              "subtraction (the statistics' rule, threshold %u)."),
                        RELAIS_STATS_THRESHOLD_DEFAULT - 1, RELAIS_STATS_THRESHOLD_DEFAULT);
        desk_buf_put(&b, "</p>\n<div class=\"pair wide\">\n<figure>\n");
        s_svg(p, f, lang, &b);
        desk_buf_put(&b, "</figure>\n");
        s_table(p, f, lang, &b);
        desk_buf_put(&b, "</div>\n</section>\n");
    }
    desk_buf_put(&b, "</div>\n");
    desk_page_end(lang, &b);
    free(p);
    free(f);
    return desk_http_send(desk, r->conn, rc && status == MHD_HTTP_OK ? MHD_HTTP_INTERNAL_SERVER_ERROR : status, &b,
                          r->made, NULL);
}

int desk_reception_chart_route(desk_request_t *r, enum MHD_Result *answer)
{
    if (!r->get || strcmp(r->url, "/charts") != 0)
        return 0;
    *answer = s_chart_page(r);
    return 1;
}
