/* pages.c -- the desk's pages: the frame every page shares, the work list, a case's page, the
 * form of a workflow move, the forms that answer a possible duplicate, and the pages that say one
 * thing.
 *
 * French first, English on request; dates local (the desk's time zone, TZ). Accessibility (RGAA /
 * WCAG 2.1 AA): the document's language, a skip link to the content, headings in order (the page's
 * title h1, its sections h2, their blocks h3 and h4), a label for every control, groups of choices
 * in a fieldset with its legend, tables with a caption and header cells that say their scope, the
 * hub's refusal in a role="alert" beside the form it refuses, the list's refreshes said in a live
 * region. Every text that is not the page's own goes through desk_buf_text or desk_buf_lines.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "desk_internal.h"
#include "relais_cases.h"
#include "relais_page.h"

#define T(lang, fr, en) DESK_T(lang, fr, en)

/* ---- The frame ----------------------------------------------------------------------------------- */

typedef struct {
    const char *page;    /* body's data-page: "list", "case", "" */
    const char *case_id; /* a case's page: its id, for the script */
    const char *here;    /* the page the language link shows again ("": this one, with ?lang=) */
    int still;           /* a page the script leaves alone (no event stream) */
    const char *feed;    /* the list: body's data-feed, how far the desk's feed has come */
} s_frame_t;

/* The site's navigation: each role's pages, the one shown marked as the current page. */
typedef struct {
    const char *href, *page, *fr, *en;
} s_nav_item_t;

static const s_nav_item_t s_nav_coordinator[] = {
    {"/", "list", "Dossiers", "Cases"},
    {"/charts", "charts", "Graphiques", "Charts"},
    {"/calendar", "calendar", "Calendrier", "Calendar"},
    {"/meetings", "meetings", "Réunions", "Meetings"},
    {"/report", "report", "Rapport annuel", "Annual report"},
    {"/transfers", "transfers", "Transferts", "Transfers"},
    {"/queue", "queue", "En attente", "Waiting"},
    {NULL, NULL, NULL, NULL},
};

static const s_nav_item_t s_nav_partner[] = {
    {"/", "referrals", "Mes signalements", "My referrals"},
    {"/refer", "refer", "Nouveau signalement", "New referral"},
    {"/transfers", "transfers", "Transferts", "Transfers"},
    {"/queue", "queue", "En attente", "Waiting"},
    {NULL, NULL, NULL, NULL},
};

static const s_nav_item_t s_nav_reception[] = {
    {"/", "register", "Registre", "Register"},
    {"/register/new", "record", "Enregistrer", "Record"},
    {"/lost", "lost", "Objets trouvés", "Lost and found"},
    {"/decrees", "decrees", "Arrêtés", "Decrees"},
    {"/charts", "charts", "Graphiques", "Charts"},
    {"/queue", "queue", "En attente", "Waiting"},
    {NULL, NULL, NULL, NULL},
};

static void s_nav(relais_desk_t *desk, relais_cli_lang_t lang, const char *page, size_t waiting, desk_buf_t *b)
{
    const s_nav_item_t *items = desk->role == DESK_ROLE_PARTNER     ? s_nav_partner
                                : desk->role == DESK_ROLE_RECEPTION ? s_nav_reception
                                                                    : s_nav_coordinator;
    desk_buf_printf(b, "<nav aria-label=\"%s\">", T(lang, "Menu", "Menu"));
    for (const s_nav_item_t *it = items; it->href; it++) {
        desk_buf_printf(b, "%s<a href=\"%s\"%s>%s", it == items ? "" : " ", it->href,
                        page && strcmp(page, it->page) == 0 ? " aria-current=\"page\"" : "",
                        T(lang, it->fr, it->en));
        if (waiting && strcmp(it->page, "queue") == 0)
            desk_buf_printf(b, " (%zu)", waiting);
        desk_buf_put(b, "</a>");
    }
    desk_buf_put(b, "</nav>\n");
}

/* The site's name: whose desk it is, as the person at it calls their service. */
static const char *s_site_name(const relais_desk_t *desk, relais_cli_lang_t lang)
{
    switch (desk->role) {
    case DESK_ROLE_RECEPTION:
        return T(lang, "relais \xe2\x80\x94 accueil Tranquillité urbaine", "relais \xe2\x80\x94 Tranquillité urbaine reception");
    case DESK_ROLE_PARTNER:
        return T(lang, "relais \xe2\x80\x94 signalements", "relais \xe2\x80\x94 referrals");
    case DESK_ROLE_COORDINATOR:
    default:
        return T(lang, "relais \xe2\x80\x94 coordination socio-éducative", "relais \xe2\x80\x94 socio-educational coordination");
    }
}

static void s_begin(relais_desk_t *desk, const desk_session_t *s, relais_cli_lang_t lang, const char *title,
                    const s_frame_t *frame, desk_buf_t *b)
{
    desk_buf_printf(b,
                    "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
                    T(lang, "fr", "en"));
    desk_buf_text(b, title);
    desk_buf_printf(b, " \xe2\x80\x94 %s</title>\n", T(lang, "relais, coordination", "relais, coordination"));
    desk_buf_put(b, "<link rel=\"stylesheet\" href=\"/assets/desk.css\">\n"
                    "<script src=\"/assets/desk.js\" defer></script>\n</head>\n");
    /* the script follows the event stream for the pages it refreshes only */
    desk_buf_printf(b, "<body data-page=\"%s\"", frame && frame->page && !frame->still ? frame->page : "");
    if (frame && frame->case_id) {
        desk_buf_put(b, " data-case=\"");
        desk_buf_text(b, frame->case_id);
        desk_buf_put(b, "\"");
    }
    if (frame && frame->feed)
        desk_buf_printf(b, " data-feed=\"%s\"", frame->feed);
    desk_buf_printf(b, " data-said-refreshed=\"%s\" data-said-stale=\"%s\">\n",
                    T(lang, "Liste mise à jour.", "List updated."),
                    T(lang, "La liste n'a pas pu être mise à jour.", "The list could not be updated."));
    desk_buf_printf(b, "<a class=\"skip\" href=\"#main\">%s</a>\n",
                    T(lang, "Aller au contenu", "Skip to the content"));
    desk_buf_printf(b, "<header class=\"site\">\n<span class=\"name\">%s</span>\n", s_site_name(desk, lang));
    size_t waiting = s ? desk_queue_waiting(desk) : 0;
    if (s) {
        s_nav(desk, lang, frame ? frame->page : NULL, waiting, b);
        desk_buf_put(b, "<a href=\"");
        desk_buf_text(b, frame && frame->here ? frame->here : "/");
        desk_buf_printf(b, "?lang=%s\" lang=\"%s\" hreflang=\"%s\">%s</a>\n", T(lang, "en", "fr"), T(lang, "en", "fr"),
                        T(lang, "en", "fr"), T(lang, "English", "Français"));
        desk_buf_put(b, "<span>");
        desk_buf_text(b, desk->person);
        desk_buf_put(b, "</span>\n");
        if (!desk->proxied) { /* behind the proxy, the proxy's login is the session */
            desk_buf_printf(b, "<form method=\"post\" action=\"/logout\"><input type=\"hidden\" name=\"csrf\" value=\"%s\">"
                               "<button type=\"submit\">%s</button></form>\n",
                            s->csrf, T(lang, "Se déconnecter", "Log out"));
        }
    }
    desk_buf_put(b, "</header>\n<main id=\"main\" tabindex=\"-1\">\n");
    if (waiting && !(frame && frame->page && strcmp(frame->page, "queue") == 0)) {
        desk_buf_put(b, "<p class=\"notice\" id=\"waiting\">");
        desk_buf_printf(b,
                        waiting == 1 ? T(lang, "%zu envoi attend le hub, gardé dans la mémoire de ce desk.",
                                         "%zu action waits for the hub, kept in this desk's memory.")
                                     : T(lang, "%zu envois attendent le hub, gardés dans la mémoire de ce desk.",
                                         "%zu actions wait for the hub, kept in this desk's memory."),
                        waiting);
        desk_queued_link(lang, b);
        desk_buf_put(b, "</p>\n");
    }
}

static void s_end(relais_cli_lang_t lang, desk_buf_t *b)
{
    (void)lang;
    desk_buf_put(b, "<div id=\"live\" class=\"visually-hidden\" role=\"status\" aria-live=\"polite\"></div>\n"
                    "</main>\n</body>\n</html>\n");
}

void desk_page_begin(relais_desk_t *desk, const desk_session_t *s, relais_cli_lang_t lang, const char *title,
                     const char *page, desk_buf_t *b)
{
    s_frame_t frame = {.page = page, .here = "", .still = 1};
    s_begin(desk, s, lang, title, &frame, b);
}

void desk_page_end(relais_cli_lang_t lang, desk_buf_t *b)
{
    s_end(lang, b);
}

void desk_page_message(relais_desk_t *desk, const desk_session_t *s, relais_cli_lang_t lang, const char *title,
                       const char *sentence, desk_buf_t *b)
{
    s_begin(desk, s, lang, title, NULL, b);
    desk_buf_put(b, "<h1>");
    desk_buf_text(b, title);
    desk_buf_put(b, "</h1>\n<p>");
    desk_buf_text(b, sentence);
    desk_buf_put(b, "</p>\n");
    if (s)
        desk_buf_printf(b, "<p><a href=\"/\">%s</a></p>\n", T(lang, "Retour aux dossiers", "Back to the cases"));
    s_end(lang, b);
}

void desk_page_session_ended(relais_desk_t *desk, relais_cli_lang_t lang, const desk_form_t *form, desk_buf_t *b)
{
    const char *title = T(lang, "Session terminée : rien n'a été envoyé", "Session ended: nothing was sent");
    s_begin(desk, NULL, lang, title, NULL, b);
    desk_buf_put(b, "<h1>");
    desk_buf_text(b, title);
    desk_buf_printf(b, "</h1>\n<p>%s</p>\n",
                    T(lang, "La session de ce navigateur a expiré ou a été fermée : le hub n'a rien reçu. Ouvrez "
                            "une nouvelle adresse de relais desk (touche Entrée dans son terminal), puis recopiez ce "
                            "que vous aviez écrit, repris ci-dessous.",
                      "This browser's session expired or was closed: the hub received nothing. Open a new address "
                      "of relais desk (Enter in its terminal), then copy what you had written, given back below."));
    /* Only what the person typed comes back, to the browser that sent it: no case is read. */
    const struct {
        const char *text, *fr, *en;
    } typed[] = {
        {form->note, "Note", "Note"},
        {form->diagnosis, "Diagnostic", "Diagnosis"},
        {form->reason, "Motif", "Reason"},
        {form->redirect_to, "Réorienté vers", "Redirected to"},
        {form->review_date, "Prochain bilan le", "Next review on"},
        {form->description, "Action du parcours", "Pathway action"},
        {form->partner, "Avec (partenaire)", "With (partner)"},
        {form->frequency, "Fréquence", "How often"},
        {form->responsible, "Responsable", "Responsible"},
    };
    int any = 0;
    for (size_t i = 0; i < sizeof typed / sizeof typed[0]; i++) {
        if (!typed[i].text || !typed[i].text[0])
            continue;
        desk_buf_printf(b, "<div class=\"field\"><label for=\"typed-%zu\">%s</label>"
                           "<textarea id=\"typed-%zu\" rows=\"4\" readonly>",
                        i, T(lang, typed[i].fr, typed[i].en), i);
        desk_buf_lines(b, typed[i].text);
        desk_buf_put(b, "</textarea></div>\n");
        any = 1;
    }
    if (!any)
        desk_buf_printf(b, "<p>%s</p>\n", T(lang, "Le formulaire ne contenait aucun texte.", "The form held no text."));
    s_end(lang, b);
}

/* ---- Words -------------------------------------------------------------------------------------- */

static const char *s_state(relais_case_state_t st, relais_cli_lang_t lang)
{
    return relais_page_state(st, lang);
}

/* The wall clock, for deadlines. */
static int64_t s_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "04/12/2026 05:25", "-" for none. */
static void s_when(int64_t ms, relais_cli_lang_t lang, char *out, size_t cap)
{
    relais_cli_date_time(ms, lang, out, cap);
}

/* ---- The work list ------------------------------------------------------------------------------- */

static const char *s_arg(struct MHD_Connection *conn, const char *key)
{
    const char *v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, key);
    return v ? v : "";
}

/* The feed's state in one word, for scripts that wait for the list to be whole (bench/desk.sh):
 * the sentence s_feed_line writes says the same to people. */
static const char *s_feed_word(const desk_feed_state_t *f)
{
    return f->trouble[0] ? "stopped" : !f->caught_up ? "catching-up" : !f->hub_up ? "hub-down" : "caught-up";
}

/* The feed's state, when it is worth a word: still catching up, stopped, or the hub away. */
static void s_feed_line(const desk_feed_state_t *f, relais_cli_lang_t lang, desk_buf_t *b)
{
    if (f->trouble[0]) {
        desk_buf_printf(b, "<p class=\"alert\" role=\"alert\">%s ",
                        T(lang, "Le fil du hub s'est arrêté : la liste n'est plus mise à jour.",
                          "The hub's feed has stopped: the list is no longer kept up to date."));
        desk_buf_text(b, f->trouble);
        desk_buf_put(b, "</p>\n");
    } else if (!f->caught_up) {
        desk_buf_printf(b, "<p class=\"notice\">");
        desk_buf_printf(b, T(lang, "Lecture du fil du hub en cours : %zu dossiers lus jusqu'ici.",
                             "Reading the hub's feed: %zu cases so far."),
                        f->case_count);
        desk_buf_put(b, "</p>\n");
    } else if (!f->hub_up) {
        int64_t ago = f->last_ms ? (relais_cli_now_ms() - f->last_ms) / 60000 : 0;
        desk_buf_printf(b, "<p class=\"notice\">");
        desk_buf_printf(b,
                        T(lang, "Le hub ne répond pas en ce moment : la liste est celle de son dernier envoi "
                                "(il y a %" PRId64 " min).",
                          "The hub is not answering just now: the list is as of its last delivery (%" PRId64
                          " min ago)."),
                        ago);
        desk_buf_put(b, "</p>\n");
    }
}

static void s_filters(struct MHD_Connection *conn, relais_cli_lang_t lang, desk_buf_t *b)
{
    const char *q = s_arg(conn, "q"), *state = s_arg(conn, "state");
    desk_buf_printf(b, "<form method=\"get\" action=\"/\" class=\"filters\" role=\"search\" aria-label=\"%s\">\n",
                    T(lang, "Filtrer les dossiers", "Filter the cases"));
    desk_buf_printf(b, "<div class=\"field\"><label for=\"q\">%s <span class=\"hint\">%s</span></label>"
                       "<input type=\"search\" id=\"q\" name=\"q\" value=\"",
                    T(lang, "Rechercher", "Search"),
                    T(lang, "nom de l'enfant, école, organisme, numéro de dossier ; accents et majuscules "
                            "indifférents",
                      "child's name, school, organisation, case number; accents and capitals do not matter"));
    desk_buf_text(b, q);
    desk_buf_put(b, "\"></div>\n");
    desk_buf_printf(b, "<div class=\"field\"><label for=\"state\">%s</label><select id=\"state\" name=\"state\">\n",
                    T(lang, "État", "State"));
    desk_buf_printf(b, "<option value=\"open\"%s>%s</option>\n", !*state || !strcmp(state, "open") ? " selected" : "",
                    T(lang, "ouverts", "open"));
    desk_buf_printf(b, "<option value=\"all\"%s>%s</option>\n", !strcmp(state, "all") ? " selected" : "",
                    T(lang, "tous, clos compris", "all, closed ones too"));
    for (int st = RELAIS_CASE_SUBMITTED; st < RELAIS_CASE_STATE_COUNT; st++) {
        const char *name = relais_case_state_name((relais_case_state_t)st);
        desk_buf_printf(b, "<option value=\"%s\"%s>%s</option>\n", name, !strcmp(state, name) ? " selected" : "",
                        s_state((relais_case_state_t)st, lang));
    }
    desk_buf_put(b, "</select></div>\n");
    desk_buf_printf(b, "<div class=\"choice\"><input type=\"checkbox\" id=\"overdue\" name=\"overdue\" value=\"1\"%s>"
                       "<label for=\"overdue\">%s</label></div>\n",
                    !strcmp(s_arg(conn, "overdue"), "1") ? " checked" : "",
                    T(lang, "En retard seulement", "Overdue only"));
    desk_buf_printf(b, "<button type=\"submit\">%s</button>\n</form>\n", T(lang, "Filtrer", "Filter"));
}

static void s_list_row(const desk_row_t *r, relais_cli_lang_t lang, desk_buf_t *b)
{
    char when[64];
    desk_buf_put(b, "<tr><th scope=\"row\"><a href=\"/cases/");
    desk_buf_text(b, r->case_id);
    desk_buf_put(b, "\">");
    desk_buf_text(b, r->case_id);
    desk_buf_put(b, "</a>");
    if (r->duplicate_count)
        desk_buf_printf(b, " <span>(%s)</span>", T(lang, "doublon possible", "possible duplicate"));
    desk_buf_printf(b, "</th><td>%s</td><td>%s</td><td>", s_state(r->state, lang),
                    relais_page_urgency(r->urgency, lang));
    if (r->due_ms) {
        s_when(r->due_ms, lang, when, sizeof when);
        if (r->overdue)
            desk_buf_printf(b, "<span class=\"overdue\">%s</span> ", T(lang, "en retard :", "overdue:"));
        desk_buf_text(b, when);
    } else {
        desk_buf_put(b, "-");
    }
    desk_buf_put(b, "</td><td>");
    desk_buf_text(b, r->child);
    desk_buf_put(b, "</td><td>");
    desk_buf_text(b, r->school);
    desk_buf_put(b, "</td><td>");
    desk_buf_text(b, r->referrers);
    desk_buf_put(b, "</td><td>");
    desk_buf_text(b, r->owner[0] ? r->owner : "-");
    s_when(r->updated_ms, lang, when, sizeof when);
    desk_buf_put(b, "</td><td>");
    desk_buf_text(b, when);
    desk_buf_put(b, "</td></tr>\n");
}

#define S_RECENT 12

/* The live feed: the latest case events the desk's feed brought, newest first. */
static void s_live_feed(relais_desk_t *desk, relais_cli_lang_t lang, desk_buf_t *b)
{
    desk_event_t ev[S_RECENT];
    size_t n = desk_model_recent(desk->model, ev, S_RECENT);
    desk_buf_printf(b, "<h2>%s</h2>\n", T(lang, "Fil en direct", "Live feed"));
    if (!n) {
        desk_buf_printf(b, "<p>%s</p>\n", T(lang, "Rien de nouveau depuis le démarrage du desk.",
                                              "Nothing new since the desk started."));
        return;
    }
    desk_buf_printf(b, "<div class=\"scroll\"><table id=\"feed\">\n<caption>%s</caption>\n<thead><tr>",
                    T(lang, "Les derniers enregistrements des dossiers, du plus récent au plus ancien",
                      "The cases' latest records, newest first"));
    const char *head[] = {T(lang, "Reçu le", "Received"), T(lang, "Enregistrement", "Record"),
                          T(lang, "Dossier", "Case"), T(lang, "Quoi", "What"), T(lang, "De", "From"),
                          T(lang, "État ensuite", "State after")};
    for (size_t i = 0; i < sizeof head / sizeof head[0]; i++)
        desk_buf_printf(b, "<th scope=\"col\">%s</th>", head[i]);
    desk_buf_put(b, "</tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < n; i++) {
        char when[64];
        const char *what = ev[i].kind == RELAIS_PAYLOAD_REFERRAL      ? T(lang, "signalement", "referral")
                           : ev[i].kind == RELAIS_PAYLOAD_CASE_UPDATE ? T(lang, "mise à jour", "update")
                           : ev[i].kind == RELAIS_PAYLOAD_MEETING     ? T(lang, "instance partenariale", "meeting")
                           : ev[i].kind == RELAIS_PAYLOAD_PRIVACY     ? T(lang, "protection des données", "data protection")
                                                                       : "-";
        s_when(ev[i].received_ms, lang, when, sizeof when);
        desk_buf_put(b, "<tr><td>");
        desk_buf_text(b, when);
        desk_buf_printf(b, "</td><td>%s %" PRIu64 "</td><th scope=\"row\"><a href=\"/cases/", T(lang, "n°", "#"),
                        ev[i].seq);
        desk_buf_text(b, ev[i].case_id);
        desk_buf_put(b, "\">");
        desk_buf_text(b, ev[i].case_id);
        desk_buf_printf(b, "</a></th><td>%s</td><td>", what);
        desk_buf_text(b, ev[i].sender);
        desk_buf_printf(b, "</td><td>%s</td></tr>\n", s_state(ev[i].state, lang));
    }
    desk_buf_put(b, "</tbody>\n</table></div>\n");
}

#define S_MAX_PAGE 1000000 /* a page number past any list's end, so that page * rows cannot overflow */

/* "?page=N": 1 when absent or not a number. */
static size_t s_page_asked(struct MHD_Connection *conn)
{
    uint64_t v;
    if (relais_cli_parse_u64(s_arg(conn, "page"), &v) != 0 || v == 0)
        return 1;
    return v > S_MAX_PAGE ? S_MAX_PAGE : (size_t)v;
}

/* A query's value, percent-encoded but for the characters a URL leaves as they are. */
static void s_url_value(desk_buf_t *u, const char *v)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("-._~", *p)) {
            desk_buf_putn(u, (const char *)p, 1);
        } else {
            char esc[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            desk_buf_putn(u, esc, 3);
        }
    }
}

/* A link to page `page` of the same list: the search and the filters kept. */
static void s_page_link(struct MHD_Connection *conn, size_t page, const char *rel, const char *words, desk_buf_t *b)
{
    desk_buf_t u = {0};
    desk_buf_put(&u, "/?");
    const char *keep[] = {"q", "state", "overdue"};
    for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++) {
        const char *v = s_arg(conn, keep[i]);
        if (!*v)
            continue;
        desk_buf_printf(&u, "%s=", keep[i]);
        s_url_value(&u, v);
        desk_buf_put(&u, "&");
    }
    desk_buf_printf(&u, "page=%zu", page);
    desk_buf_put(b, "<a href=\"");
    desk_buf_text(b, u.failed ? "/" : u.data);
    desk_buf_printf(b, "\" rel=\"%s\">%s</a>", rel, words);
    desk_buf_free(&u);
}

/* Where this page is among the list's pages, and the way to the one before and the one after. */
static void s_pages_nav(struct MHD_Connection *conn, relais_cli_lang_t lang, size_t page, size_t pages, desk_buf_t *b)
{
    desk_buf_printf(b, "<nav class=\"pages\" aria-label=\"%s\">\n", T(lang, "Pages de la liste", "Pages of the list"));
    if (page > 1)
        s_page_link(conn, page - 1, "prev", T(lang, "Page précédente", "Previous page"), b);
    desk_buf_printf(b, "\n<span aria-current=\"page\">");
    desk_buf_printf(b, T(lang, "page %zu sur %zu", "page %zu of %zu"), page, pages);
    desk_buf_put(b, "</span>\n");
    if (page < pages)
        s_page_link(conn, page + 1, "next", T(lang, "Page suivante", "Next page"), b);
    desk_buf_put(b, "\n</nav>\n");
}

void desk_page_list(relais_desk_t *desk, const desk_session_t *s, struct MHD_Connection *conn, desk_buf_t *b)
{
    relais_cli_lang_t lang = s->lang;
    desk_filter_t f = {.search = s_arg(conn, "q"), .overdue_only = !strcmp(s_arg(conn, "overdue"), "1")};
    const char *state = s_arg(conn, "state");
    if (!strcmp(state, "all"))
        f.all = 1;
    else if (*state && strcmp(state, "open") != 0 && relais_case_state_from_name(state))
        f.states = 1u << relais_case_state_from_name(state);
    desk_feed_state_t feed;
    desk_model_feed_state(desk->model, &feed);
    s_frame_t frame = {.page = "list", .here = "", .feed = s_feed_word(&feed)};
    s_begin(desk, s, lang, T(lang, "Dossiers", "Cases"), &frame, b);
    desk_buf_printf(b, "<h1>%s</h1>\n", T(lang, "Dossiers", "Cases"));
    s_feed_line(&feed, lang, b);
    s_filters(conn, lang, b);
    desk_row_t *rows = NULL;
    size_t n = 0, total = 0, per_page = desk->page_rows, first = (s_page_asked(conn) - 1) * per_page;
    int rc = desk_model_page(desk->model, &f, s_wall_ms(), &first, per_page, &rows, &n, &total);
    size_t page = first / per_page + 1, pages = total ? (total + per_page - 1) / per_page : 1;
    desk_buf_printf(b, "<div id=\"worklist\">\n<h2 class=\"visually-hidden\">%s</h2>\n",
                    T(lang, "Liste de travail", "Work list"));
    if (rc) {
        desk_buf_printf(b, "<p class=\"alert\" role=\"alert\">%s</p>\n",
                        T(lang, "La liste n'a pas pu être faite (mémoire).", "The list could not be made (memory)."));
    } else if (n == 0) {
        desk_buf_printf(b, "<p>%s</p>\n", T(lang, "Aucun dossier ne correspond.", "No case matches."));
    } else {
        desk_buf_put(b, "<div class=\"scroll\"><table id=\"cases\">\n<caption>");
        desk_buf_printf(b,
                        T(lang, "%zu dossier%s : en retard d'abord, puis par échéance",
                          "%zu case%s: overdue first, then by due date"),
                        total, total == 1 ? "" : "s");
        if (pages > 1)
            desk_buf_printf(b, T(lang, " (page %zu sur %zu : dossiers %zu à %zu)", " (page %zu of %zu: cases %zu to %zu)"),
                            page, pages, first + 1, first + n);
        desk_buf_put(b, "</caption>\n<thead><tr>");
        const char *head[] = {T(lang, "Dossier", "Case"),          T(lang, "État", "State"),
                              T(lang, "Urgence", "Urgency"),       T(lang, "Échéance", "Due"),
                              T(lang, "Enfant", "Child"),          T(lang, "École", "School"),
                              T(lang, "Signalé par", "Referred by"), T(lang, "Référent", "Owner"),
                              T(lang, "Mis à jour", "Updated")};
        for (size_t i = 0; i < sizeof head / sizeof head[0]; i++)
            desk_buf_printf(b, "<th scope=\"col\">%s</th>", head[i]);
        desk_buf_put(b, "</tr></thead>\n<tbody>\n");
        for (size_t i = 0; i < n; i++)
            s_list_row(&rows[i], lang, b);
        desk_buf_put(b, "</tbody>\n</table></div>\n");
        if (pages > 1)
            s_pages_nav(conn, lang, page, pages, b);
    }
    s_live_feed(desk, lang, b);
    desk_buf_put(b, "</div>\n");
    free(rows);
    s_end(lang, b);
}

/* ---- The form of a move ------------------------------------------------------------------------- */

typedef struct {
    const char *case_id;
    relais_case_state_t from, paused_from;
    const desk_form_t *typed;   /* what was typed, shown again; may be NULL */
    const char *alert;          /* the sentence beside the form, or NULL */
    int queued;                 /* it says the move waits in the desk's queue */
    const char *csrf;
} s_move_t;

static int s_offers(const s_move_t *m, relais_case_state_t to)
{
    return relais_cases_can_move(m->from, m->paused_from, to);
}

static const char *s_typed(const s_move_t *m, size_t offset)
{
    if (!m->typed)
        return "";
    const char *v = *(char *const *)((const char *)m->typed + offset);
    return v ? v : "";
}

#define S_TYPED(m, field) s_typed(m, offsetof(desk_form_t, field))

/* A labelled input; its hint, said once (not inside the label: it would be read twice). */
static void s_input(desk_buf_t *b, const char *type, const char *id, const char *label, const char *hint,
                    const char *value)
{
    desk_buf_printf(b, "<div class=\"field\"><label for=\"%s\">%s</label>", id, label);
    if (hint)
        desk_buf_printf(b, "<span class=\"hint\" id=\"%s-hint\">%s</span>", id, hint);
    desk_buf_printf(b, "<input type=\"%s\" id=\"%s\" name=\"%s\"", type, id, id);
    if (hint)
        desk_buf_printf(b, " aria-describedby=\"%s-hint\"", id);
    desk_buf_put(b, " value=\"");
    desk_buf_text(b, value);
    desk_buf_put(b, "\"></div>\n");
}

static void s_area(desk_buf_t *b, const char *id, const char *label, const char *value)
{
    desk_buf_printf(b, "<div class=\"field\"><label for=\"%s\">%s</label><textarea id=\"%s\" name=\"%s\" rows=\"4\">",
                    id, label, id, id);
    /* A textarea's content is text: the same escapes, its line breaks kept. */
    desk_buf_lines(b, value);
    desk_buf_put(b, "</textarea></div>\n");
}

static void s_choice(desk_buf_t *b, const char *value, const char *label, int checked, int first)
{
    desk_buf_printf(b, "<div class=\"choice\"><input type=\"radio\" name=\"to\" id=\"to-%s\" value=\"%s\"%s%s>"
                       "<label for=\"to-%s\">",
                    value, value, checked ? " checked" : "", first ? " required" : "", value);
    desk_buf_text(b, label);
    desk_buf_put(b, "</label></div>\n");
}

/* The sentence beside a form that did not go through; one that waits in the desk's queue is no error
 * (role status), and leads to the queue's page. */
static void s_alert(desk_buf_t *b, const char *id, const char *alert, int queued, relais_cli_lang_t lang)
{
    desk_buf_printf(b, "<p class=\"%s\" role=\"%s\" id=\"%s\">", queued ? "notice" : "alert",
                    queued ? "status" : "alert", id);
    desk_buf_text(b, alert);
    if (queued)
        desk_queued_link(lang, b);
    desk_buf_put(b, "</p>\n");
}

static void s_move_form(const s_move_t *m, relais_cli_lang_t lang, desk_buf_t *b)
{
    desk_buf_printf(b, "<section id=\"move\" aria-labelledby=\"move-title\">\n<h2 id=\"move-title\">%s</h2>\n",
                    T(lang, "Faire avancer le dossier", "Move the case"));
    if (m->alert)
        s_alert(b, "move-error", m->alert, m->queued, lang);
    int any = 0;
    for (int to = 1; to < RELAIS_CASE_STATE_COUNT; to++)
        any |= s_offers(m, (relais_case_state_t)to);
    if (!any) {
        desk_buf_printf(b, "<p>%s</p>\n</section>\n",
                        T(lang, "Ce dossier ne peut plus bouger ni prendre de note.",
                          "This case can no longer move or take a note."));
        return;
    }
    desk_buf_put(b, "<form method=\"post\" action=\"/cases/");
    desk_buf_text(b, m->case_id);
    desk_buf_printf(b, "/move\"%s>\n", m->alert ? " aria-describedby=\"move-error\"" : "");
    desk_buf_printf(b, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">\n", m->csrf);
    desk_form_once(b, m->typed);
    desk_buf_printf(b, "<input type=\"hidden\" name=\"from\" value=\"%s\">\n", relais_case_state_name(m->from));
    desk_buf_printf(b, "<fieldset>\n<legend>%s</legend>\n", T(lang, "Ce que vous faites", "What you do"));
    const char *typed_to = S_TYPED(m, to);
    int first = 1;
    char label[256];
    if (s_offers(m, m->from)) {
        snprintf(label, sizeof label,
                 T(lang, "ajouter une note, un diagnostic ou une date de bilan (l'état reste « %s »)",
                   "add a note, a diagnosis or a review date (the state stays %s)"),
                 s_state(m->from, lang));
        s_choice(b, "note", label, !strcmp(typed_to, "note"), first);
        first = 0;
    }
    for (int to = 1; to < RELAIS_CASE_STATE_COUNT; to++) {
        relais_case_state_t st = (relais_case_state_t)to;
        if (st == m->from || !s_offers(m, st))
            continue;
        const char *name = relais_case_state_name(st);
        if (m->from == RELAIS_CASE_PAUSED && st == m->paused_from)
            snprintf(label, sizeof label, T(lang, "reprendre : retour à « %s »", "resume: back to %s"),
                     s_state(st, lang));
        else if (lang == RELAIS_CLI_EN)
            snprintf(label, sizeof label, "%s", s_state(st, lang));
        else
            snprintf(label, sizeof label, "%s (%s)", s_state(st, lang), name);
        s_choice(b, name, label, !strcmp(typed_to, name), first);
        first = 0;
    }
    desk_buf_put(b, "</fieldset>\n");
    s_area(b, "note", T(lang, "Note", "Note"), S_TYPED(m, note));
    int closing = s_offers(m, RELAIS_CASE_DECLINED) || s_offers(m, RELAIS_CASE_CLOSED_COMPLETED) ||
                  s_offers(m, RELAIS_CASE_CLOSED_WITHDRAWN) || s_offers(m, RELAIS_CASE_CLOSED_FAILED);
    if (closing)
        s_input(b, "text", "reason", T(lang, "Motif", "Reason"),
                T(lang, "un code, demandé pour « non retenu » et pour une clôture",
                  "a code, needed to decline or to close"),
                S_TYPED(m, reason));
    if (s_offers(m, RELAIS_CASE_REDIRECTED))
        s_input(b, "text", "redirect_to", T(lang, "Réorienté vers", "Redirected to"),
                T(lang, "demandé pour « réorienté »", "needed to redirect"), S_TYPED(m, redirect_to));
    if (relais_cases_state_is_open(m->from))
        s_input(b, "date", "review_date", T(lang, "Prochain bilan le", "Next review on"),
                T(lang, "AAAA-MM-JJ", "YYYY-MM-DD"), S_TYPED(m, review_date));
    if (m->from == RELAIS_CASE_ACCEPTED || m->from == RELAIS_CASE_DIAGNOSIS ||
        m->from == RELAIS_CASE_PATHWAY_PROPOSED || m->from == RELAIS_CASE_FOLLOW_UP ||
        (m->from == RELAIS_CASE_PAUSED && m->paused_from >= RELAIS_CASE_ACCEPTED))
        s_area(b, "diagnosis", T(lang, "Diagnostic", "Diagnosis"), S_TYPED(m, diagnosis));
    if (s_offers(m, RELAIS_CASE_PATHWAY_PROPOSED)) {
        desk_buf_printf(b, "<fieldset>\n<legend>%s</legend>\n",
                        T(lang, "Action du parcours (demandée pour « parcours proposé »)",
                          "Pathway action (needed to propose a pathway)"));
        const char *kind = S_TYPED(m, kind);
        desk_buf_printf(b, "<div class=\"field\"><label for=\"kind\">%s</label><select id=\"kind\" name=\"kind\">"
                           "<option value=\"individual\"%s>%s</option><option value=\"collective\"%s>%s</option>"
                           "</select></div>\n",
                        T(lang, "Nature", "Kind"), strcmp(kind, "collective") ? " selected" : "",
                        T(lang, "individuelle", "individual"), !strcmp(kind, "collective") ? " selected" : "",
                        T(lang, "collective", "collective"));
        s_area(b, "description", T(lang, "Description", "Description"), S_TYPED(m, description));
        s_input(b, "text", "partner", T(lang, "Avec (partenaire)", "With (partner)"), NULL, S_TYPED(m, partner));
        s_input(b, "date", "start", T(lang, "À partir du", "From"), T(lang, "AAAA-MM-JJ", "YYYY-MM-DD"),
                S_TYPED(m, start));
        s_input(b, "text", "frequency", T(lang, "Fréquence", "How often"), NULL, S_TYPED(m, frequency));
        s_input(b, "text", "responsible", T(lang, "Responsable", "Responsible"), NULL, S_TYPED(m, responsible));
        desk_buf_put(b, "</fieldset>\n");
    }
    desk_buf_printf(b, "<button type=\"submit\">%s</button>\n</form>\n</section>\n",
                    T(lang, "Envoyer au hub", "Send to the hub"));
}

/* ---- The possible duplicates: the coordinator's two answers ------------------------------------ */

/* The hub flags the newer case; the decision is made on it, as `relais case merge` and
 * `relais case dismiss` make it: merged, this case is entered in error into the other, which goes
 * on; dismissed, this case takes a note and the flag goes. */
typedef struct {
    desk_model_t *model;                      /* the other cases' children, to compare */
    const char *case_id;
    relais_case_state_t from, paused_from;
    const char (*others)[RELAIS_CASE_ID_LEN]; /* the cases it may duplicate */
    size_t count;
    const desk_form_t *typed;                 /* the decision sent, shown again; may be NULL */
    const char *alert;                        /* the sentence beside it, or NULL */
    int queued;                               /* it says the decision waits in the desk's queue */
    const char *csrf;
} s_dup_t;

/* One answer's form; its sentence says what sending it does, and the button points to it. */
static void s_dup_form(const s_dup_t *d, size_t i, int merge, relais_cli_lang_t lang, desk_buf_t *b)
{
    const char *other = d->others[i], *action = merge ? "merge" : "dismiss";
    /* The decision sent comes back with the page that answers it alone. */
    int sent = d->typed && d->typed->action && strcmp(d->typed->action, action) == 0;
    char id[32], text[768];
    snprintf(id, sizeof id, "dup-%zu-%s", i + 1, action);
    desk_buf_put(b, "<form method=\"post\" action=\"/cases/");
    desk_buf_text(b, d->case_id);
    desk_buf_printf(b, "/duplicate\"%s>\n", sent && d->alert ? " aria-describedby=\"dup-error\"" : "");
    desk_buf_printf(b, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">\n", d->csrf);
    desk_form_once(b, sent ? d->typed : NULL);
    desk_buf_printf(b, "<input type=\"hidden\" name=\"from\" value=\"%s\">\n", relais_case_state_name(d->from));
    desk_buf_printf(b, "<input type=\"hidden\" name=\"action\" value=\"%s\">\n", action);
    desk_buf_put(b, "<input type=\"hidden\" name=\"other\" value=\"");
    desk_buf_text(b, other);
    desk_buf_put(b, "\">\n<fieldset>\n<legend>");
    if (merge)
        snprintf(text, sizeof text,
                 T(lang, "Fusionner %s dans %s : c'est le même enfant", "Merge %s into %s: the same child"),
                 d->case_id, other);
    else
        snprintf(text, sizeof text,
                 T(lang, "Pas un doublon : l'enfant de %s n'est pas celui de %s",
                   "Not a duplicate: %s's child is not %s's"),
                 d->case_id, other);
    desk_buf_text(b, text);
    desk_buf_printf(b, "</legend>\n<p id=\"%s-what\">", id);
    if (merge)
        snprintf(text, sizeof text,
                 T(lang, "En envoyant, vous fermez %s dans %s : %s passe à « saisi par erreur » et renvoie à %s, "
                         "qui reste ouvert et en reprend les signalements, l'historique et l'enfant. Une fusion ne "
                         "peut pas être annulée.",
                   "Sending this closes %s into %s: %s becomes entered in error and points to %s, which stays "
                   "open and takes its referrals, history and child. A merge cannot be undone."),
                 d->case_id, other, d->case_id, other);
    else
        snprintf(text, sizeof text,
                 T(lang, "En envoyant, vous ajoutez une note à %s (il reste « %s ») et %s n'est plus signalé "
                         "comme doublon possible de %s : les deux dossiers restent séparés.",
                   "Sending this adds a note to %s (it stays %s) and %s is no longer flagged as a possible "
                   "duplicate of %s: the two cases stay apart."),
                 d->case_id, s_state(d->from, lang), d->case_id, other);
    desk_buf_text(b, text);
    desk_buf_printf(b, "</p>\n<div class=\"field\"><label for=\"%s-note\">%s</label>"
                       "<textarea id=\"%s-note\" name=\"note\" rows=\"3\">",
                    id, T(lang, "Note (facultative)", "Note (optional)"), id);
    desk_buf_lines(b, sent ? d->typed->note : NULL);
    desk_buf_printf(b, "</textarea></div>\n<button type=\"submit\" aria-describedby=\"%s-what\">", id);
    if (merge)
        snprintf(text, sizeof text, T(lang, "Fusionner %s dans %s", "Merge %s into %s"), d->case_id, other);
    else
        snprintf(text, sizeof text, T(lang, "Pas un doublon de %s", "Not a duplicate of %s"), other);
    desk_buf_text(b, text);
    desk_buf_put(b, "</button>\n</fieldset>\n</form>\n");
}

/* Returns how many cases it offered the forms of. */
static size_t s_dup_section(const s_dup_t *d, relais_cli_lang_t lang, desk_buf_t *b)
{
    /* The hub's own rules: a merge takes an open case, a dismissal is a note. A case that can do
     * neither (closed, merged) keeps the hub's line naming its flags, and no forms. */
    int merge = relais_cases_state_is_open(d->from) &&
                relais_cases_can_move(d->from, d->paused_from, RELAIS_CASE_ENTERED_IN_ERROR);
    int dismiss = relais_cases_can_move(d->from, d->paused_from, d->from);
    size_t count = merge || dismiss ? d->count : 0;
    if (!count && !d->alert)
        return 0;
    desk_buf_printf(b, "<section id=\"duplicates\" aria-labelledby=\"dup-title\">\n<h2 id=\"dup-title\">%s</h2>\n",
                    T(lang, "Doublons possibles", "Possible duplicates"));
    if (d->alert)
        s_alert(b, "dup-error", d->alert, d->queued, lang);
    if (count && !d->alert) /* after a decision sent, the sentence beside it says what matters */
        desk_buf_printf(b, "<p>%s</p>\n",
                        T(lang, "Le hub a trouvé un autre dossier ouvert d'un enfant né le même jour, aux noms "
                                "proches. Il ne décide jamais seul : comparez les deux dossiers, puis dites si c'est "
                                "le même enfant (fusionner) ou non (pas un doublon).",
                          "The hub found another open case of a child born the same day, with close names. It "
                          "never decides on its own: compare the two cases, then say whether it is the same child "
                          "(merge) or not (not a duplicate)."));
    for (size_t i = 0; i < count; i++) {
        desk_row_t row;
        desk_buf_printf(b, "<h3>%s <a href=\"/cases/", T(lang, "Avec le dossier", "With case"));
        desk_buf_text(b, d->others[i]);
        desk_buf_put(b, "\">");
        desk_buf_text(b, d->others[i]);
        desk_buf_put(b, "</a>");
        if (desk_model_row(d->model, d->others[i], 0, &row) == 0 && row.child[0]) {
            desk_buf_put(b, " \xe2\x80\x94 ");
            desk_buf_text(b, row.child);
        }
        desk_buf_put(b, "</h3>\n");
        if (merge)
            s_dup_form(d, i, 1, lang, b);
        if (dismiss)
            s_dup_form(d, i, 0, lang, b);
    }
    desk_buf_put(b, "</section>\n");
    return count;
}

/* ---- A case's page: the page of case_show.c, written as HTML -------------------------------------- */

typedef struct {
    desk_buf_t *b;
    relais_cli_lang_t lang;
    int in_dl, in_table, in_section, sections;
    const s_move_t *move; /* written before the first section, after the duplicates */
    const s_dup_t *dup;
    int move_done;
} s_html_t;

static void s_close(s_html_t *h)
{
    if (h->in_dl)
        desk_buf_put(h->b, "</dl>\n");
    if (h->in_table)
        desk_buf_put(h->b, "</tbody>\n</table></div>\n");
    h->in_dl = h->in_table = 0;
}

static void s_h_title(void *ctx, const char *title)
{
    s_html_t *h = ctx;
    desk_buf_put(h->b, "<h1>");
    desk_buf_text(h->b, title);
    desk_buf_put(h->b, "</h1>\n");
}

static void s_h_heading(void *ctx, const char *title)
{
    s_html_t *h = ctx;
    s_close(h);
    if (h->in_section)
        desk_buf_put(h->b, "</section>\n");
    if (h->move && !h->move_done) {
        if (h->dup)
            s_dup_section(h->dup, h->lang, h->b);
        s_move_form(h->move, h->lang, h->b);
        h->move_done = 1;
    }
    h->sections++;
    desk_buf_printf(h->b, "<section aria-labelledby=\"part-%d\">\n<h2 id=\"part-%d\">", h->sections, h->sections);
    desk_buf_text(h->b, title);
    desk_buf_put(h->b, "</h2>\n");
    h->in_section = 1;
}

static void s_h_block(void *ctx, int indent, const char *text)
{
    s_html_t *h = ctx;
    s_close(h);
    const char *tag = indent <= 2 ? "h3" : "h4";
    desk_buf_printf(h->b, "<%s>", tag);
    desk_buf_text(h->b, text);
    desk_buf_printf(h->b, "</%s>\n", tag);
}

static void s_h_line(void *ctx, int indent, const char *text)
{
    s_html_t *h = ctx;
    (void)indent;
    s_close(h);
    desk_buf_put(h->b, "<p>");
    desk_buf_text(h->b, text);
    desk_buf_put(h->b, "</p>\n");
}

static void s_h_field(void *ctx, int indent, const char *label, const char *value)
{
    s_html_t *h = ctx;
    (void)indent;
    if (h->in_table)
        s_close(h);
    if (!h->in_dl) {
        desk_buf_put(h->b, "<dl>\n");
        h->in_dl = 1;
    }
    if (label && *label) {
        desk_buf_put(h->b, "<dt>");
        desk_buf_text(h->b, label);
        desk_buf_put(h->b, "</dt>");
    }
    desk_buf_put(h->b, "<dd>");
    desk_buf_text(h->b, value);
    desk_buf_put(h->b, "</dd>\n");
}

static void s_h_text(void *ctx, int indent, const char *label, const char *text)
{
    s_html_t *h = ctx;
    (void)indent;
    if (!label) {
        s_close(h);
        desk_buf_put(h->b, "<blockquote class=\"text\">");
        desk_buf_lines(h->b, text);
        desk_buf_put(h->b, "</blockquote>\n");
        return;
    }
    if (!h->in_dl) {
        s_close(h);
        desk_buf_put(h->b, "<dl>\n");
        h->in_dl = 1;
    }
    desk_buf_put(h->b, "<dt>");
    desk_buf_text(h->b, label);
    desk_buf_put(h->b, "</dt><dd class=\"text\">");
    desk_buf_lines(h->b, text);
    desk_buf_put(h->b, "</dd>\n");
}

static void s_h_gap(void *ctx)
{
    s_close(ctx);
}

static void s_h_history(void *ctx, const char *when, const char *number, const char *what)
{
    s_html_t *h = ctx;
    if (!h->in_table) {
        s_close(h);
        desk_buf_printf(h->b,
                        "<div class=\"scroll\"><table>\n<caption class=\"visually-hidden\">%s</caption>\n"
                        "<thead><tr><th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr>"
                        "</thead>\n<tbody>\n",
                        T(h->lang, "Historique du dossier, du plus ancien au plus récent",
                          "The case's history, oldest first"),
                        T(h->lang, "Date", "Date"), T(h->lang, "Enregistrement", "Record"),
                        T(h->lang, "Événement", "Event"));
        h->in_table = 1;
    }
    desk_buf_put(h->b, "<tr><td>");
    desk_buf_text(h->b, when);
    desk_buf_put(h->b, "</td><td>");
    desk_buf_text(h->b, number);
    desk_buf_put(h->b, "</td><td>");
    desk_buf_text(h->b, what);
    desk_buf_put(h->b, "</td></tr>\n");
}

static const relais_page_sink_t s_html_sink = {
    .title = s_h_title,
    .heading = s_h_heading,
    .block = s_h_block,
    .line = s_h_line,
    .field = s_h_field,
    .text = s_h_text,
    .gap = s_h_gap,
    .history = s_h_history,
};

int desk_page_case_body(const relais_reply_t *r, relais_cli_lang_t lang, int summary, desk_buf_t *b)
{
    s_html_t h = {.b = b, .lang = lang};
    int rc = summary ? relais_case_summary_render(&s_html_sink, &h, r, lang)
                     : relais_case_page_render(&s_html_sink, &h, r, lang);
    s_close(&h);
    if (h.in_section)
        desk_buf_put(b, "</section>\n");
    return rc;
}

void desk_case_trail(relais_cli_lang_t lang, const char *case_id, desk_buf_t *b)
{
    desk_buf_printf(b, "<nav aria-label=\"%s\"><a href=\"/\">%s</a>", T(lang, "Fil d'Ariane", "Breadcrumb"),
                    T(lang, "Dossiers", "Cases"));
    if (case_id) {
        desk_buf_put(b, " \xe2\x80\xba <a href=\"/cases/");
        desk_buf_text(b, case_id);
        desk_buf_printf(b, "\">%s ", T(lang, "Dossier", "Case"));
        desk_buf_text(b, case_id);
        desk_buf_put(b, "</a>");
    }
    desk_buf_put(b, "</nav>\n");
}

void desk_page_case(relais_desk_t *desk, const desk_session_t *s, const relais_reply_t *r, uint64_t moved_seq,
                    desk_buf_t *b)
{
    relais_cli_lang_t lang = s->lang;
    const relais_case_summary_t *c = &r->cases[0];
    char title[256];
    snprintf(title, sizeof title, "%s %s", T(lang, "Dossier", "Case"), c->case_id);
    char here[RELAIS_CASE_ID_LEN + 16];
    snprintf(here, sizeof here, "/cases/%s", c->case_id);
    s_frame_t frame = {.page = "case", .case_id = c->case_id, .here = here};
    s_begin(desk, s, lang, title, &frame, b);
    desk_case_trail(lang, NULL, b);
    if (moved_seq)
        desk_buf_printf(b, "<p class=\"notice\" role=\"status\">%s %" PRIu64 ".</p>\n",
                        T(lang, "Enregistré par le hub : n°", "Recorded by the hub: #"), moved_seq);
    desk_buf_put(b, "<p class=\"no-print\"><a href=\"/cases/");
    desk_buf_text(b, c->case_id);
    desk_buf_printf(b, "/summary\">%s</a></p>\n",
                    T(lang, "Synthèse à imprimer pour l'instance partenariale", "Summary to print for the partnership meeting"));
    desk_buf_put(b, "<p id=\"changed\" class=\"notice\" hidden>");
    desk_buf_printf(b, "%s <a href=\"/cases/", T(lang, "Ce dossier a changé depuis l'ouverture de cette page :",
                                                  "This case has changed since this page was opened:"));
    desk_buf_text(b, c->case_id);
    desk_buf_printf(b, "\">%s</a>.</p>\n",
                    T(lang, "le relire (une lecture, consignée au hub)", "read it again (a read, logged at the hub)"));
    s_move_t move = {.case_id = c->case_id, .from = c->state, .paused_from = relais_page_paused_from(r), .csrf = s->csrf};
    s_dup_t dup = {.model = desk->model,
                   .case_id = c->case_id,
                   .from = move.from,
                   .paused_from = move.paused_from,
                   .others = c->duplicates,
                   .count = c->duplicate_count < RELAIS_MAX_DUPLICATES ? c->duplicate_count : RELAIS_MAX_DUPLICATES,
                   .csrf = s->csrf};
    s_html_t h = {.b = b, .lang = lang, .move = &move, .dup = &dup};
    if (relais_case_page_render(&s_html_sink, &h, r, lang) != 0)
        desk_buf_printf(b, "<p class=\"alert\" role=\"alert\">%s</p>\n",
                        T(lang, "La page du dossier n'a pas pu être faite.", "The case's page could not be made."));
    s_close(&h);
    if (h.in_section)
        desk_buf_put(b, "</section>\n");
    if (!h.move_done) {
        s_dup_section(&dup, lang, b);
        s_move_form(&move, lang, b);
    }
    s_end(lang, b);
}

/* The hub's refusal of a move, in the page's language where the desk can say it: a move the state
 * does not allow is said in French from the state machine the hub runs, the hub's own sentence
 * (in English, as its log has it) after it. */
static void s_refusal(relais_cli_lang_t lang, const s_move_t *m, const char *to_name, int hub_status,
                      const char *sentence, char *out, size_t cap)
{
    relais_case_state_t to = to_name && strcmp(to_name, "note") == 0 ? m->from
                                                                       : relais_case_state_from_name(to_name ? to_name : "");
    if (lang == RELAIS_CLI_EN || !m->from || !to || relais_cases_can_move(m->from, m->paused_from, to)) {
        desk_outcome_sentence(lang, DESK_MOVE_REFUSED, hub_status, sentence, out, cap);
        return;
    }
    size_t used = (size_t)snprintf(out, cap, "Le hub a refusé : le dossier est « %s »", s_state(m->from, lang));
    if (to == m->from)
        used += (size_t)snprintf(out + used, used < cap ? cap - used : 0, " et ne prend plus de note");
    else
        used += (size_t)snprintf(out + used, used < cap ? cap - used : 0, " et ne peut pas passer à « %s »",
                                 s_state(to, lang));
    int listed = 0;
    for (int t = 1; t < RELAIS_CASE_STATE_COUNT && used < cap; t++) {
        if (t == (int)m->from || !relais_cases_can_move(m->from, m->paused_from, (relais_case_state_t)t))
            continue;
        used += (size_t)snprintf(out + used, cap - used, "%s « %s »", listed ? "," : " ; il peut passer à",
                                 s_state((relais_case_state_t)t, lang));
        listed++;
    }
    if (used < cap && relais_cases_can_move(m->from, m->paused_from, m->from))
        used += (size_t)snprintf(out + used, cap - used, "%s", listed ? ", ou prendre une note" : " ; il peut prendre une note");
    if (used < cap)
        snprintf(out + used, cap - used, ". (Le hub : %s)", sentence);
}

/* The head of a page that shows a case's form again: the frame, the way back, the case and its
 * child, and where the case stands as the feed last said (a refusal for a state that moved on is
 * answered with what the state it is in allows) into *from and *paused_from. */
static void s_form_page(relais_desk_t *desk, const desk_session_t *s, const char *case_id, const desk_form_t *form,
                        relais_case_state_t *from, relais_case_state_t *paused_from, desk_buf_t *b)
{
    relais_cli_lang_t lang = s->lang;
    desk_row_t row;
    int known = desk_model_row(desk->model, case_id, s_wall_ms(), &row) == 0;
    char title[256];
    snprintf(title, sizeof title, "%s %s", T(lang, "Dossier", "Case"), case_id);
    char here[RELAIS_CASE_ID_LEN + 16];
    snprintf(here, sizeof here, "/cases/%s", case_id);
    s_frame_t frame = {.page = "move", .case_id = case_id, .here = here};
    s_begin(desk, s, lang, title, &frame, b);
    desk_case_trail(lang, case_id, b);
    desk_buf_put(b, "<h1>");
    desk_buf_text(b, title);
    if (known && row.child[0]) {
        desk_buf_put(b, " \xe2\x80\x94 ");
        desk_buf_text(b, row.child);
    }
    desk_buf_put(b, "</h1>\n");
    *from = known ? row.state : relais_case_state_from_name(form->from ? form->from : "");
    *paused_from = known ? row.paused_from : RELAIS_CASE_UNSPECIFIED;
    if (*from) {
        desk_buf_printf(b, "<p>%s ", T(lang, "État :", "State:"));
        desk_buf_text(b, s_state(*from, lang));
        desk_buf_put(b, "</p>\n");
    }
}

const char *desk_refusal_words(relais_cli_lang_t lang, int hub_status)
{
    switch (hub_status) {
    case RELAIS_E_BAD_SIGNATURE:
    case RELAIS_E_SENDER_MISMATCH:
        return T(lang, "l'envoi ne porte pas la signature de votre identité ; prévenez l'administrateur du hub",
                 "the message does not carry your identity's signature; tell the hub's administrator");
    case RELAIS_E_UNKNOWN_SENDER:
        return T(lang, "votre identité n'est pas, ou plus, dans le registre du hub ; prévenez son administrateur",
                 "your identity is not, or no longer, in the hub's registry; tell its administrator");
    case RELAIS_E_MALFORMED:
        return T(lang, "une valeur saisie n'est pas acceptée ; la réponse du hub nomme le champ",
                 "a value typed is not accepted; the hub's answer names the field");
    case RELAIS_E_TOO_LARGE:
        return T(lang, "l'envoi est trop long ; raccourcissez le texte", "the message is too long; shorten the text");
    case RELAIS_E_STALE:
        return T(lang, "la date de l'envoi est hors de ce que le hub accepte ; vérifiez l'horloge de ce poste",
                 "the message's date is outside what the hub accepts; check this computer's clock");
    case RELAIS_E_DUPLICATE_CONFLICT:
        return T(lang, "cet envoi a déjà été reçu avec un autre contenu ; rechargez la page",
                 "this message was received before with other content; reload the page");
    case RELAIS_E_NO_CONSENT:
        return T(lang, "le signalement n'a ni l'accord des parents ni leur demande",
                 "the referral has neither the parents' agreement nor their request");
    case RELAIS_E_BAD_TRANSITION:
        /* the hub says BAD_TRANSITION for a move its rules forbid from this state, a field such a move
         * needs (a closure's reason), or a state changed since the page was read: its sentence says which */
        return T(lang, "ce changement n'est pas accepté tel quel ; la réponse du hub dit ce qui manque ou ce qui a "
                       "changé (rechargez la page si la fiche a bougé)",
                 "this change is not accepted as it is; the hub's answer says what is missing or what changed "
                 "(reload the page if the record moved)");
    case RELAIS_E_FORBIDDEN:
        return T(lang, "votre rôle ne permet pas cette action", "your role does not allow this action");
    case RELAIS_E_STORE_FULL:
        return T(lang, "le hub n'a plus de place pour enregistrer ; prévenez son administrateur",
                 "the hub has no room left to record; tell its administrator");
    case RELAIS_E_UNAVAILABLE:
        return T(lang, "le hub ne peut pas enregistrer pour l'instant ; réessayez dans un moment",
                 "the hub cannot record now; try again in a moment");
    case RELAIS_E_RATE_LIMITED:
        return T(lang, "trop de lectures en peu de temps ; réessayez dans quelques minutes",
                 "too many reads in a short time; try again in a few minutes");
    case RELAIS_E_LEGAL_HOLD:
        return T(lang, "la fiche est sous conservation légale : elle ne peut pas être effacée",
                 "the record is under a legal hold: it cannot be erased");
    default:
        return NULL;
    }
}

void desk_outcome_sentence(relais_cli_lang_t lang, desk_move_outcome_t outcome, int hub_status, const char *sentence,
                           char *out, size_t cap)
{
    const char *words = outcome == DESK_MOVE_REFUSED ? desk_refusal_words(lang, hub_status) : NULL;
    switch (outcome) {
    case DESK_MOVE_REFUSED:
        if (words && sentence && *sentence)
            snprintf(out, cap, T(lang, "Le hub a refusé : %s. Sa réponse : « %s »", "The hub refused: %s. Its answer: "
                                 "\xe2\x80\x9c%s\xe2\x80\x9d"),
                     words, sentence);
        else
            snprintf(out, cap, T(lang, "Le hub a refusé : %s", "The hub refused: %s"), words ? words : sentence);
        break;
    case DESK_MOVE_NOT_SENT:
        snprintf(out, cap,
                 T(lang, "Non envoyé : le hub ne répond pas (%s). Ce que vous avez saisi est ci-dessous ; "
                         "envoyez-le à nouveau quand il répondra.",
                   "Not sent: the hub does not answer (%s). What you typed is below; send it again when it "
                   "answers."),
                 sentence);
        break;
    case DESK_MOVE_NO_ANSWER:
        /* the hub may have stored it before the connection went: sending again blindly could
         * record it twice */
        snprintf(out, cap,
                 T(lang, "Le hub n'a pas répondu (%s) : l'envoi a pu être enregistré ou non. Relisez la page "
                         "concernée avant de l'envoyer à nouveau ; ce que vous avez saisi est ci-dessous.",
                   "The hub did not answer (%s): it may or may not have been recorded. Read the page concerned "
                   "again before sending it again; what you typed is below."),
                 sentence);
        break;
    case DESK_MOVE_INVALID:
        snprintf(out, cap, T(lang, "Non envoyé : %s.", "Not sent: %s."), sentence);
        break;
    case DESK_MOVE_QUEUED:
        snprintf(out, cap, "%s", desk_queued_sentence(lang));
        break;
    case DESK_MOVE_EXPIRED:
    default:
        snprintf(out, cap, "%s",
                 T(lang, "Non envoyé : ce formulaire venait d'une session terminée ou d'une autre page. "
                         "Vérifiez ce que vous avez saisi, ci-dessous, et envoyez-le à nouveau.",
                   "Not sent: this form came from a session that has ended, or from another page. Check what "
                   "you typed, below, and send it again."));
        break;
    }
}

void desk_page_move(relais_desk_t *desk, const desk_session_t *s, const char *case_id, const desk_form_t *form,
                    desk_move_outcome_t outcome, int hub_status, const char *sentence, desk_buf_t *b)
{
    relais_cli_lang_t lang = s->lang;
    char alert[1024];
    s_move_t move = {.case_id = case_id, .typed = form, .csrf = s->csrf};
    s_form_page(desk, s, case_id, form, &move.from, &move.paused_from, b);
    if (outcome == DESK_MOVE_REFUSED)
        s_refusal(lang, &move, form->to, hub_status, sentence, alert, sizeof alert);
    else
        desk_outcome_sentence(lang, outcome, hub_status, sentence, alert, sizeof alert);
    move.alert = alert;
    move.queued = outcome == DESK_MOVE_QUEUED;
    if (!move.from) {
        s_alert(b, "move-error", alert, move.queued, lang);
    } else {
        s_move_form(&move, lang, b);
    }
    s_end(lang, b);
}

void desk_page_duplicate(relais_desk_t *desk, const desk_session_t *s, const char *case_id, const char *other,
                         const desk_form_t *form, desk_move_outcome_t outcome, int hub_status, const char *sentence,
                         desk_buf_t *b)
{
    relais_cli_lang_t lang = s->lang;
    char alert[1024], others[1][RELAIS_CASE_ID_LEN];
    s_dup_t dup = {.model = desk->model, .case_id = case_id, .typed = form, .csrf = s->csrf};
    s_form_page(desk, s, case_id, form, &dup.from, &dup.paused_from, b);
    if (other) {
        snprintf(others[0], sizeof others[0], "%s", other);
        dup.others = (const char(*)[RELAIS_CASE_ID_LEN])others;
        dup.count = 1;
    }
    desk_outcome_sentence(lang, outcome, hub_status, sentence, alert, sizeof alert);
    dup.alert = alert;
    dup.queued = outcome == DESK_MOVE_QUEUED;
    size_t shown = 0;
    if (!dup.from) {
        s_alert(b, "dup-error", alert, dup.queued, lang);
    } else {
        shown = s_dup_section(&dup, lang, b);
    }
    if (!shown && form->note && *form->note) { /* no form to keep it in: said back, to be copied */
        desk_buf_printf(b, "<p>%s</p>\n<blockquote class=\"text\">",
                        dup.queued ? T(lang, "Votre note, en attente :", "Your note, waiting:")
                                   : T(lang, "Votre note, non envoyée :", "Your note, not sent:"));
        desk_buf_lines(b, form->note);
        desk_buf_put(b, "</blockquote>\n");
    }
    s_end(lang, b);
}
