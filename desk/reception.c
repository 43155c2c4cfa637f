/* reception.c -- the Tranquillité urbaine reception's pages on the desk: the register, newest first,
 * with the filters of `relais reception list`; the form that records a solicitation; a register
 * extract to print; the reception's routes. An entry's page with its follow-up, its transfers and
 * their answers, the forms that change it (update, close, transfer) and the transfers made to the
 * coordinator's and a partner's desks are reception_entry.c's; what these pages share with the lost
 * and found's and the decrees' is reception_common.c's.
 *
 * Every page is a read of the hub (logged there); every form posts with the session's CSRF token and
 * sends the same payload `relais reception` sends (agents/page/reception_json.c). What the hub refuses
 * comes back beside the form, in a role="alert", with everything typed kept and, when the hub's
 * sentence names a field, that field marked invalid. French first, English with ?lang=en.
 */
#include <stdlib.h>
#include <string.h>

#include "register_internal.h"
#include "relais_page.h"
#include "relais_reception.h"
#include "relais_streets.h"

#define T(lang, fr, en) DESK_T(lang, fr, en)

#define S_PRINT_MAX 2000 /* entries an extract holds at most: a longer period is printed in parts */
#define S_DUE_DAYS 60    /* a written request's due date: two months (CRPA, art. L231-1 and L231-4) */

/* ---- Opening and closing --------------------------------------------------------------------------- */

int desk_reception_open(relais_desk_t *desk, const char *streets)
{
    const char *path = streets ? streets : getenv("RELAIS_STREETS");
    if (!path || !*path)
        return 0; /* no list: a street typed is refused with a sentence that says why */
    int rc = relais_streets_load(path, &desk->streets);
    return rc ? relais_status_set(rc, "--streets: %s", relais_status_detail()) : 0;
}

void desk_reception_close(relais_desk_t *desk)
{
    relais_streets_destroy(&desk->streets);
}

/* ---- Words --------------------------------------------------------------------------------------- */

const char *desk_register_pick(const char *const *fr, const char *const *en, size_t count, int v,
                               relais_cli_lang_t lang)
{
    if (v <= 0 || (size_t)v >= count)
        return "?";
    return lang == RELAIS_CLI_EN ? en[v] : fr[v];
}

const char *const desk_register_channel_fr[RELAIS_CHANNEL_COUNT] = {"", "téléphone", "visite", "courrier", "courriel", "formulaire"};
const char *const desk_register_channel_en[RELAIS_CHANNEL_COUNT] = {"", "call", "visit", "letter", "e-mail", "form"};
const char *const desk_register_category_fr[RELAIS_CATEGORY_COUNT] = {
    "", "bruit", "conflit de voisinage", "incivilité", "espace public", "stationnement et circulation",
    "aide aux victimes", "objets trouvés", "information sur un arrêté", "autre"};
const char *const desk_register_category_en[RELAIS_CATEGORY_COUNT] = {
    "", "noise", "neighbourhood dispute", "incivility", "public space", "parking and traffic", "victim support",
    "lost property", "decree information", "other"};
const char *const desk_register_handling_fr[RELAIS_HANDLING_COUNT] = {"", "répondu sur place", "suite à donner", "transmis", "clos"};
const char *const desk_register_handling_en[RELAIS_HANDLING_COUNT] = {"", "answered on the spot", "to follow up", "transferred", "closed"};

static const char *s_channel_name(int v) { return relais_channel_name((relais_channel_t)v); }
const char *desk_register_category_name(int v) { return relais_category_name((relais_category_t)v); }

/* ---- Reading the hub ------------------------------------------------------------------------------- */

static int s_read_list(relais_client_t *hub, const void *filter, void *out, relais_error_t *err)
{
    return relais_client_reception_list(hub, filter, out, err);
}

/* A page's reading of the register, then its frame and title; the read's status, its sentence in why. */
int desk_register_list_begin(desk_request_t *r, const relais_request_t *f, const char *title, const char *page,
                             relais_reply_t *reply, char *why, size_t cap, desk_buf_t *b)
{
    relais_cli_lang_t lang = r->s->lang;
    int rc = desk_r_read(r->desk, s_read_list, f, reply, lang, why, cap);
    desk_page_begin(r->desk, r->s, lang, title, page, b);
    desk_buf_put(b, "<h1>");
    desk_buf_text(b, title);
    desk_buf_put(b, "</h1>\n");
    return rc;
}

/* ---- The register ---------------------------------------------------------------------------------- */

static const char *const s_flags[] = {"open", "overdue", "awaiting", "declined", "unacknowledged"};

/* The register's filters from the request, as `relais reception list` takes them; a street looked up
 * in the town's list, as typed when there is none or it is not found (a search finds nothing then). */
static void s_filter(relais_desk_t *desk, struct MHD_Connection *conn, relais_request_t *f)
{
    *f = (relais_request_t){0};
    f->open_only = strcmp(desk_r_arg(conn, "open"), "1") == 0;
    f->overdue_only = strcmp(desk_r_arg(conn, "overdue"), "1") == 0;
    f->awaiting_answer = strcmp(desk_r_arg(conn, "awaiting"), "1") == 0;
    f->declined = strcmp(desk_r_arg(conn, "declined"), "1") == 0;
    f->unacknowledged = strcmp(desk_r_arg(conn, "unacknowledged"), "1") == 0;
    snprintf(f->search, sizeof f->search, "%s", desk_r_arg(conn, "q"));
    f->category = relais_category_from_name(desk_r_arg(conn, "category"));
    const char *street = desk_r_arg(conn, "street");
    char why[256];
    if (!*street || !desk->streets ||
        relais_streets_resolve(desk->streets, street, f->street, sizeof f->street, why, sizeof why) != 0)
        snprintf(f->street, sizeof f->street, "%s", street);
    int64_t ms;
    if (*desk_r_arg(conn, "from") && relais_rcli_local_time(desk_r_arg(conn, "from"), &ms) == 0)
        f->from_ms = ms;
    if (*desk_r_arg(conn, "to"))
        f->to_ms = relais_reception_day_end_ms(desk_r_arg(conn, "to")); /* the day included */
    uint64_t before;
    if (relais_cli_parse_u64(desk_r_arg(conn, "before"), &before) == 0)
        f->before = before;
}

static void s_filters_form(struct MHD_Connection *conn, relais_cli_lang_t lang, desk_buf_t *b)
{
    desk_buf_printf(b, "<form method=\"get\" action=\"/\" class=\"filters\" role=\"search\" aria-label=\"%s\">\n",
                    T(lang, "Filtrer le registre", "Filter the register"));
    desk_buf_printf(b, "<div class=\"field\"><label for=\"q\">%s</label><span class=\"hint\" id=\"q-hint\">%s</span>"
                       "<input type=\"search\" id=\"q\" name=\"q\" aria-describedby=\"q-hint\" value=\"",
                    T(lang, "Rechercher", "Search"),
                    T(lang, "objet, résumé, demandeur, rue ; accents et majuscules indifférents",
                      "subject, summary, resident, street; accents and capitals do not matter"));
    desk_buf_text(b, desk_r_arg(conn, "q"));
    desk_buf_put(b, "\"></div>\n");
    desk_r_select(b, NULL, "filter", "category", T(lang, "Catégorie", "Category"), T(lang, "toutes", "all"), desk_register_category_fr,
             desk_register_category_en, RELAIS_CATEGORY_COUNT, desk_register_category_name, desk_r_arg(conn, "category"), lang);
    desk_buf_printf(b, "<div class=\"field\"><label for=\"filter-street\">%s</label><input type=\"text\" "
                       "id=\"filter-street\" name=\"street\" value=\"",
                    T(lang, "Rue", "Street"));
    desk_buf_text(b, desk_r_arg(conn, "street"));
    desk_buf_printf(b, "\"></div>\n<div class=\"field\"><label for=\"filter-from\">%s</label><input type=\"date\" "
                       "id=\"filter-from\" name=\"from\" value=\"",
                    T(lang, "Reçues du", "Came from"));
    desk_buf_text(b, desk_r_arg(conn, "from"));
    desk_buf_printf(b, "\"></div>\n<div class=\"field\"><label for=\"filter-to\">%s</label><input type=\"date\" "
                       "id=\"filter-to\" name=\"to\" value=\"",
                    T(lang, "au (inclus)", "to (included)"));
    desk_buf_text(b, desk_r_arg(conn, "to"));
    desk_buf_printf(b, "\"></div>\n<fieldset><legend>%s</legend>\n", T(lang, "Seulement", "Only"));
    static const char *const fr[] = {"ouvertes", "en retard", "transmises sans réponse", "dernier transfert refusé",
                                     "écrits sans accusé de réception"};
    static const char *const en[] = {"open", "overdue", "transferred, not answered", "last transfer declined",
                                     "written, not acknowledged"};
    for (size_t i = 0; i < sizeof s_flags / sizeof s_flags[0]; i++)
        desk_buf_printf(b, "<div class=\"choice\"><input type=\"checkbox\" id=\"only-%s\" name=\"%s\" value=\"1\"%s>"
                           "<label for=\"only-%s\">%s</label></div>\n",
                        s_flags[i], s_flags[i], strcmp(desk_r_arg(conn, s_flags[i]), "1") == 0 ? " checked" : "",
                        s_flags[i], T(lang, fr[i], en[i]));
    desk_buf_printf(b, "</fieldset>\n<button type=\"submit\">%s</button>\n</form>\n", T(lang, "Filtrer", "Filter"));
}

/* An entry's place: "12 Rue Houdan". */
void desk_register_place(const relais_contact_record_t *e, char *out, size_t cap)
{
    snprintf(out, cap, "%s%s%s", e->house_number, e->house_number[0] && e->street[0] ? " " : "", e->street);
}

static void s_entry_row(const relais_contact_record_t *e, relais_cli_lang_t lang, desk_buf_t *b)
{
    char handle[RELAIS_CASE_ID_LEN], when[48], place[2 * RELAIS_CONTACT_LABEL_LEN], due[32] = "";
    relais_entry_handle(e->seq, handle);
    desk_r_when(e->occurred_ms, lang, when, sizeof when);
    desk_register_place(e, place, sizeof place);
    if (e->response_due_date[0])
        relais_cli_date(e->response_due_date, lang, due, sizeof due);
    desk_buf_printf(b, "<tr><th scope=\"row\"><a href=\"/register/%s\">%s</a></th><td>%s</td><td>%s</td><td>%s</td>"
                       "<td>",
                    handle, handle, when, DESK_REGISTER_PICK(desk_register_channel_fr, desk_register_channel_en, e->channel, lang),
                    DESK_REGISTER_PICK(desk_register_category_fr, desk_register_category_en, e->category, lang));
    desk_buf_text(b, e->subject);
    desk_buf_put(b, "</td><td>");
    desk_buf_text(b, place);
    desk_buf_printf(b, "</td><td>%s%s</td><td>%s</td></tr>\n",
                    DESK_REGISTER_PICK(desk_register_handling_fr, desk_register_handling_en, e->handling, lang),
                    e->overdue ? T(lang, " — <strong>en retard</strong>", " — <strong>overdue</strong>") : "", due);
}

static void s_entries_head(relais_cli_lang_t lang, desk_buf_t *b)
{
    desk_buf_printf(b, "<thead><tr><th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
                       "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
                       "<th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr></thead>\n",
                    T(lang, "Fiche", "Entry"), T(lang, "Reçue le", "Came on"), T(lang, "Canal", "Channel"),
                    T(lang, "Catégorie", "Category"), T(lang, "Objet", "Subject"), T(lang, "Lieu", "Place"),
                    T(lang, "État", "State"), T(lang, "Réponse due le", "Answer due"));
}

static enum MHD_Result s_register(desk_request_t *r)
{
    relais_desk_t *desk = r->desk;
    relais_cli_lang_t lang = r->s->lang;
    relais_request_t f;
    s_filter(desk, r->conn, &f);
    relais_reply_t reply = {0};
    char why[512];
    desk_buf_t b = {0};
    int rc = desk_register_list_begin(r, &f, T(lang, "Registre de l'accueil", "The reception's register"), "register", &reply, why,
                          sizeof why, &b);
    desk_buf_printf(&b, "<p><a href=\"/register/new\">%s</a></p>\n",
                    T(lang, "Enregistrer une sollicitation", "Record a solicitation"));
    s_filters_form(r->conn, lang, &b);
    if (rc) {
        desk_r_trouble(&b, why);
    } else if (!reply.contact_count) {
        desk_buf_printf(&b, "<p>%s</p>\n", T(lang, "Aucune fiche.", "No entry."));
    } else {
        desk_buf_printf(&b, "<table class=\"register\">\n<caption>%s (%zu)</caption>\n",
                        f.before ? T(lang, "Fiches, suite, les plus récentes d'abord",
                                     "Entries, continued, newest first")
                                 : T(lang, "Fiches, les plus récentes d'abord", "Entries, newest first"),
                        reply.contact_count);
        s_entries_head(lang, &b);
        desk_buf_put(&b, "<tbody>\n");
        for (size_t i = 0; i < reply.contact_count; i++)
            s_entry_row(&reply.contacts[i], lang, &b);
        desk_buf_put(&b, "</tbody>\n</table>\n");
        if (reply.next_seq) {
            static const char *const keys[] = {"open", "overdue", "awaiting", "declined", "unacknowledged",
                                               "q",    "category", "street", "from", "to"};
            desk_r_next_link(&b, r->conn, "/", keys, sizeof keys / sizeof keys[0], reply.next_seq,
                             T(lang, "Fiches plus anciennes", "Older entries"), lang);
        }
    }
    relais_reply_clear(&reply);
    /* the extract to print: a period's entries on A4 */
    desk_buf_printf(&b, "<section aria-labelledby=\"print-title\">\n<h2 id=\"print-title\">%s</h2>\n"
                        "<form method=\"get\" action=\"/register/print\" class=\"filters\">\n",
                    T(lang, "Extrait du registre à imprimer", "A register extract to print"));
    desk_buf_printf(&b, "<div class=\"field\"><label for=\"print-from\">%s</label><input type=\"date\" id=\"print-from\" "
                        "name=\"from\" required></div>\n<div class=\"field\"><label for=\"print-to\">%s</label>"
                        "<input type=\"date\" id=\"print-to\" name=\"to\" required></div>\n"
                        "<button type=\"submit\">%s</button>\n</form>\n</section>\n",
                    T(lang, "Du", "From"), T(lang, "au (inclus)", "to (included)"),
                    T(lang, "Voir l'extrait", "Show the extract"));
    desk_page_end(lang, &b);
    return desk_http_send(desk, r->conn, rc ? desk_r_read_status(rc) : MHD_HTTP_OK, &b, r->made, NULL);
}

/* ---- Recording a solicitation ---------------------------------------------------------------------- */

static void s_record_form(const desk_session_t *s, const desk_r_view_t *v, relais_cli_lang_t lang, desk_buf_t *b)
{
    const char *f = "record";
    desk_buf_printf(b, "<section aria-labelledby=\"record-title\">\n<h2 id=\"record-title\">%s</h2>\n",
                    T(lang, "La sollicitation", "The solicitation"));
    desk_r_alert(v, f, b);
    desk_r_form_open(b, s, v, f, "/register/new");
    desk_buf_printf(b, "<p class=\"hint\">%s</p>\n", T(lang, "* : obligatoire", "*: required"));
    desk_r_select(b, v, f, "channel", T(lang, "Canal", "Channel"), NULL, desk_register_channel_fr, desk_register_channel_en, RELAIS_CHANNEL_COUNT,
             s_channel_name, desk_r_value(v, f, "channel"), lang);
    desk_r_select(b, v, f, "category", T(lang, "Catégorie", "Category"), NULL, desk_register_category_fr, desk_register_category_en,
             RELAIS_CATEGORY_COUNT, desk_register_category_name, desk_r_value(v, f, "category"), lang);
    desk_r_input(b, v, f, "text", "subject", T(lang, "Objet", "Subject"),
            T(lang, "quelques mots, la ligne du registre (120 caractères au plus)",
              "a few words, the register's line (120 characters at most)"),
            desk_r_value(v, f, "subject"), 1);
    desk_r_area(b, v, f, "summary", T(lang, "Résumé", "Summary"), desk_r_value(v, f, "summary"), 1);
    desk_r_input(b, v, f, "datetime-local", "when", T(lang, "Reçue le", "Came on"),
            T(lang, "maintenant si vide", "now when empty"), desk_r_value(v, f, "when"), 0);
    desk_r_input(b, v, f, "text", "requester", T(lang, "Demandeur", "Resident"),
            T(lang, "vide s'il reste anonyme", "empty when they stay anonymous"), desk_r_value(v, f, "requester"), 0);
    desk_buf_printf(b, "<fieldset><legend>%s</legend>\n", T(lang, "Le rappeler", "Reaching them back"));
    desk_r_input(b, v, f, "text", "contact_details", T(lang, "Coordonnées", "Contact details"),
            T(lang, "gardées seulement avec son accord", "kept only with their agreement"),
            desk_r_value(v, f, "contact_details"), 0);
    desk_r_check(b, v, f, "contact_agreed", T(lang, "Accepte d'être rappelé par le service", "Agrees to be reached back"),
            *desk_r_value(v, f, "contact_agreed") != '\0');
    desk_buf_printf(b, "</fieldset>\n<fieldset><legend>%s</legend>\n", T(lang, "Le lieu", "The place"));
    desk_r_input(b, v, f, "text", "street", T(lang, "Rue", "Street"),
            T(lang, "cherchée dans la liste des voies de la ville (« r. houdan »)",
              "looked up in the town's street list (\"r. houdan\")"),
            desk_r_value(v, f, "street"), 0);
    desk_r_input(b, v, f, "text", "house_number", T(lang, "Numéro", "Number"), NULL, desk_r_value(v, f, "house_number"), 0);
    desk_buf_printf(b, "</fieldset>\n<fieldset><legend>%s</legend>\n", T(lang, "Traitement", "Handling"));
    desk_r_check(b, v, f, "answered", T(lang, "Répondu sur place", "Answered on the spot"),
            *desk_r_value(v, f, "answered") != '\0');
    desk_r_input(b, v, f, "date", "acknowledged_date", T(lang, "Accusé de réception envoyé le", "Acknowledged on"),
            T(lang, "un écrit seulement (courrier, courriel, formulaire)", "a written request only (letter, e-mail, form)"),
            desk_r_value(v, f, "acknowledged_date"), 0);
    desk_r_input(b, v, f, "date", "response_due_date", T(lang, "Réponse due le", "Answer due on"),
            T(lang, "un écrit : deux mois après sa réception si vide", "a written request: two months after it came when empty"),
            desk_r_value(v, f, "response_due_date"), 0);
    desk_buf_printf(b, "</fieldset>\n<button type=\"submit\">%s</button>\n</form>\n</section>\n",
                    T(lang, "Enregistrer", "Record"));
}

static enum MHD_Result s_record_page(desk_request_t *r, unsigned status, const desk_r_view_t *v)
{
    relais_cli_lang_t lang = r->s->lang;
    desk_buf_t b = {0};
    desk_page_begin(r->desk, r->s, lang, T(lang, "Enregistrer une sollicitation", "Record a solicitation"), "record",
                    &b);
    desk_buf_printf(&b, "<p><a href=\"/\">%s</a></p>\n<h1>%s</h1>\n", T(lang, "← Le registre", "← The register"),
                    T(lang, "Enregistrer une sollicitation", "Record a solicitation"));
    s_record_form(r->s, v, lang, &b);
    desk_page_end(lang, &b);
    return desk_http_send(r->desk, r->conn, status, &b, r->made, NULL);
}

/* After a write the hub took: where it shows, saying so. */
enum MHD_Result desk_register_done(desk_request_t *r, const char *entry, const char *said)
{
    char where[RELAIS_CASE_ID_LEN + 64];
    snprintf(where, sizeof where, "/register/%s?done=%s", entry, said);
    return desk_http_redirect(r->desk, r->conn, where, r->made);
}

static enum MHD_Result s_record(desk_request_t *r)
{
    relais_desk_t *desk = r->desk;
    relais_cli_lang_t lang = r->s->lang;
    const desk_form_t *form = r->form;
    desk_r_view_t v = {.form = "record", .typed = form};
    unsigned status;
    if (!desk_r_form_ok(r, &v, &status))
        return s_record_page(r, status, &v);
    relais_rcli_contact_t c = {
        .channel = relais_channel_from_name(desk_r_typed(form, "channel")),
        .category = relais_category_from_name(desk_r_typed(form, "category")),
        .subject = desk_r_or_null(desk_r_typed(form, "subject")),
        .requester = desk_r_or_null(desk_r_typed(form, "requester")),
        .summary = desk_r_or_null(desk_r_typed(form, "summary")),
        .house_number = desk_r_or_null(desk_r_typed(form, "house_number")),
        .contact_details = desk_r_or_null(desk_r_typed(form, "contact_details")),
        .acknowledged_date = desk_r_or_null(desk_r_typed(form, "acknowledged_date")),
        .response_due_date = desk_r_or_null(desk_r_typed(form, "response_due_date")),
        .agreed = *desk_r_typed(form, "contact_agreed") != '\0',
        .answered = *desk_r_typed(form, "answered") != '\0',
    };
    if (!c.channel)
        return s_record_page(r, desk_r_refuse(&v, "channel", T(lang, "choisissez le canal.", "choose the channel."), lang),
                             &v);
    if (!c.category)
        return s_record_page(
            r, desk_r_refuse(&v, "category", T(lang, "choisissez la catégorie.", "choose the category."), lang), &v);
    char street[RELAIS_CONTACT_LABEL_LEN] = "", due[16], when[32];
    if (*desk_r_typed(form, "street")) {
        if (desk_r_street(desk, desk_r_typed(form, "street"), street, sizeof street, &v, lang) != 0)
            return s_record_page(r, MHD_HTTP_UNPROCESSABLE_CONTENT, &v);
        c.street = street;
    }
    /* the browser's "2026-12-03T09:40" is the command's "2026-12-03 09:40" */
    snprintf(when, sizeof when, "%s", desk_r_typed(form, "when"));
    char *t = strchr(when, 'T');
    if (t)
        *t = ' ';
    if (!*when)
        c.occurred_ms = desk_r_wall_ms();
    else if (relais_rcli_local_time(when, &c.occurred_ms) != 0)
        return s_record_page(r,
                             desk_r_refuse(&v, "when",
                                      T(lang, "la date de réception attend une date et une heure (2026-12-03 09:40).",
                                        "when it came expects a date and a time (2026-12-03 09:40)."),
                                      lang),
                             &v);
    if (relais_channel_is_written(c.channel) && !c.response_due_date) {
        if (relais_rcli_due_date(c.occurred_ms, S_DUE_DAYS, due, sizeof due) != 0)
            return s_record_page(r, desk_r_refuse(&v, "response_due_date", T(lang, "date impossible.", "no such date."), lang),
                                 &v);
        c.response_due_date = due;
    }
    desk_what_t what = {.link = "/register/", .by_handle = 1};
    desk_what_once(&what, form);
    snprintf(what.fr, sizeof what.fr, "Nouvelle fiche du registre (%s)", desk_register_channel_fr[c.channel]);
    snprintf(what.en, sizeof what.en, "New register entry (%s)", desk_register_channel_en[c.channel]);
    desk_r_sent_t sent;
    int rc = desk_r_submit(desk, "contact", relais_rcli_contact_json(&c), &what, &sent);
    if (rc == 0)
        return desk_register_done(r, sent.ack.case_id, "recorded");
    return s_record_page(r, desk_r_not_through(rc, &sent, lang, &v), &v);
}

/* ---- The register extract to print ----------------------------------------------------------------- */

static enum MHD_Result s_print(desk_request_t *r)
{
    relais_desk_t *desk = r->desk;
    relais_cli_lang_t lang = r->s->lang;
    const char *from = desk_r_arg(r->conn, "from"), *to = desk_r_arg(r->conn, "to");
    relais_request_t f = {0};
    if (relais_rcli_local_time(from, &f.from_ms) != 0 || !(f.to_ms = relais_reception_day_end_ms(to)) ||
        f.to_ms <= f.from_ms)
        return desk_http_say(desk, r->conn, MHD_HTTP_UNPROCESSABLE_CONTENT, r->s, lang,
                             T(lang, "Extrait du registre", "Register extract"),
                             T(lang, "Donnez une période : du AAAA-MM-JJ au AAAA-MM-JJ, la seconde après la première.",
                               "Give a period: from YYYY-MM-DD to YYYY-MM-DD, the second after the first."),
                             r->made);
    /* every page of the period, newest first, up to what a printed extract holds */
    relais_contact_record_t *rows = NULL;
    size_t count = 0;
    int rc = 0, cut = 0;
    char why[512];
    for (;;) {
        relais_reply_t reply = {0};
        if ((rc = desk_r_read(desk, s_read_list, &f, &reply, lang, why, sizeof why)) != 0)
            break;
        relais_contact_record_t *grown = reply.contact_count
                                             ? realloc(rows, (count + reply.contact_count) * sizeof *rows)
                                             : rows;
        if (!grown) {
            relais_reply_clear(&reply);
            rc = RELAIS_E_NOMEM;
            snprintf(why, sizeof why, "%s", T(lang, "mémoire épuisée", "out of memory"));
            break;
        }
        rows = grown;
        memcpy(rows + count, reply.contacts, reply.contact_count * sizeof *rows);
        count += reply.contact_count;
        f.before = reply.next_seq;
        relais_reply_clear(&reply);
        if (!f.before)
            break;
        if (count >= S_PRINT_MAX) {
            cut = 1;
            break;
        }
    }
    char title[160], dfrom[32], dto[32];
    relais_cli_date(from, lang, dfrom, sizeof dfrom);
    relais_cli_date(to, lang, dto, sizeof dto);
    snprintf(title, sizeof title, "%s", T(lang, "Extrait du registre de l'accueil", "Extract of the reception's register"));
    desk_buf_t b = {0};
    desk_page_begin(desk, r->s, lang, title, "print", &b);
    desk_buf_printf(&b, "<div class=\"print-extract\">\n<h1>%s</h1>\n<p>%s</p>\n<p>%s %s %s %s</p>\n", title,
                    T(lang, "Ville de Sceaux — service Tranquillité urbaine",
                      "Ville de Sceaux — Tranquillité urbaine service"),
                    T(lang, "Période : du", "Period: from"), dfrom, T(lang, "au", "to"), dto);
    if (rc) {
        desk_r_trouble(&b, why);
    } else {
        desk_buf_printf(&b, "<p>%s %zu%s</p>\n", T(lang, "Fiches :", "Entries:"), count,
                        cut ? T(lang, " (extrait tronqué : choisissez une période plus courte)",
                                " (extract cut short: choose a shorter period)")
                            : "");
        if (count) {
            desk_buf_printf(&b, "<table class=\"register\">\n<caption>%s %s %s %s</caption>\n",
                            T(lang, "Fiches reçues du", "Entries that came from"), dfrom, T(lang, "au", "to"), dto);
            s_entries_head(lang, &b);
            desk_buf_put(&b, "<tbody>\n");
            for (size_t i = 0; i < count; i++)
                s_entry_row(&rows[i], lang, &b);
            desk_buf_put(&b, "</tbody>\n</table>\n");
        }
    }
    char now[48];
    desk_r_when(desk_r_wall_ms(), lang, now, sizeof now);
    desk_buf_printf(&b, "<p>%s %s</p>\n</div>\n", T(lang, "Imprimé le", "Printed on"), now);
    free(rows);
    desk_page_end(lang, &b);
    return desk_http_send(desk, r->conn, rc ? desk_r_read_status(rc) : MHD_HTTP_OK, &b, r->made, NULL);
}

/* ---- The reception's routes ------------------------------------------------------------------------ */

int desk_reception_route(desk_request_t *r, enum MHD_Result *answer)
{
    const char *url = r->url;
    if (desk_lost_route(r, answer) || desk_decree_route(r, answer) || desk_reception_chart_route(r, answer))
        return 1;
    if (r->get && strcmp(url, "/") == 0) {
        *answer = s_register(r);
        return 1;
    }
    if (strcmp(url, "/register/new") == 0 && (r->get || r->post)) {
        *answer = r->post ? s_record(r) : s_record_page(r, MHD_HTTP_OK, NULL);
        return 1;
    }
    if (r->get && strcmp(url, "/register/print") == 0) {
        *answer = s_print(r);
        return 1;
    }
    return desk_register_entry_route(r, answer);
}
