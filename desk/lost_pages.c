/* lost_pages.c -- the reception's lost and found on the desk: the items kept and the losses sought,
 * with the filters of `relais lost list`; an item's page (O-12, P-3) with its story and its likely
 * matches; a form for every `relais lost` command an agent runs (found, declare, return, end,
 * withdraw, note), each sending the payload the command sends (agents/page/reception_json.c).
 *
 * What the hub refuses comes back beside the form in a role="alert", the field it names marked and
 * what was typed kept, as on the register's pages (reception_common.c holds the helpers both use).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "desk_internal.h"
#include "relais_page.h"
#include "relais_reception.h"

#define T(lang, fr, en) DESK_T(lang, fr, en)

/* ---- Words ----------------------------------------------------------------------------------------- */

static const char *const s_category_fr[] = {"",         "clés",     "portefeuille", "téléphone", "sac",   "papiers",
                                            "bijoux",   "vêtement", "lunettes",     "électronique", "vélo", "jouet",
                                            "autre"};
static const char *const s_category_en[] = {"",         "keys",     "wallet",  "phone",       "bag",     "papers",
                                            "jewellery", "clothing", "glasses", "electronics", "bicycle", "toy",
                                            "other"};
static const char *const s_state_fr[] = {"", "gardé", "recherché", "rendu", "retrouvé", "sorti", "retiré"};
static const char *const s_state_en[] = {"", "kept", "sought", "returned", "recovered", "ended", "withdrawn"};
static const char *const s_outcome_fr[] = {"", "remis au découvreur", "remis à un service", "détruit"};
static const char *const s_outcome_en[] = {"", "given to its finder", "handed over", "destroyed"};

static const char *s_word(const char *const *fr, const char *const *en, size_t count, int v, relais_cli_lang_t lang)
{
    return v > 0 && (size_t)v < count ? (lang == RELAIS_CLI_EN ? en[v] : fr[v]) : "?";
}

#define S_WORD(fr, en, v, lang) s_word(fr, en, sizeof fr / sizeof fr[0], (int)(v), lang)

static const char *s_category_name(int v) { return relais_item_category_name((relais_item_category_t)v); }
static const char *s_outcome_name(int v) { return relais_outcome_name((relais_outcome_t)v); }

/* An item's place: "12 Rue Houdan (devant la poste)". */
static void s_where(const relais_lost_record_t *r, char *out, size_t cap)
{
    snprintf(out, cap, "%s%s%s%s%s%s", r->house_number, r->house_number[0] && r->street[0] ? " " : "", r->street,
             r->street[0] && r->place[0] ? " (" : "", r->place, r->street[0] && r->place[0] ? ")" : "");
}

/* ---- Reading the hub --------------------------------------------------------------------------------- */

static int s_read_lost(relais_client_t *hub, const void *query, void *out, relais_error_t *err)
{
    return relais_client_lost(hub, query, out, err);
}

/* ---- The list -------------------------------------------------------------------------------------------- */

static const char *const s_flags[] = {"open", "keeping_over"};

static void s_filter(struct MHD_Connection *conn, relais_request_t *q)
{
    *q = (relais_request_t){.kind = RELAIS_REQ_LOST_LIST};
    const char *kind = desk_r_arg(conn, "kind");
    q->lost_kind = !strcmp(kind, "found") ? RELAIS_LOST_KIND_FOUND : !strcmp(kind, "declared") ? RELAIS_LOST_KIND_LOST : 0;
    q->item_category = relais_item_category_from_name(desk_r_arg(conn, "category"));
    q->open_only = strcmp(desk_r_arg(conn, "open"), "1") == 0;
    q->keeping_over = strcmp(desk_r_arg(conn, "keeping_over"), "1") == 0;
    snprintf(q->search, sizeof q->search, "%s", desk_r_arg(conn, "q"));
    int64_t ms;
    if (*desk_r_arg(conn, "from") && relais_rcli_local_time(desk_r_arg(conn, "from"), &ms) == 0)
        q->from_ms = ms;
    if (*desk_r_arg(conn, "to"))
        q->to_ms = relais_reception_day_end_ms(desk_r_arg(conn, "to"));
    uint64_t before;
    if (relais_cli_parse_u64(desk_r_arg(conn, "before"), &before) == 0)
        q->before = before;
}

static void s_filters_form(struct MHD_Connection *conn, relais_cli_lang_t lang, desk_buf_t *b)
{
    const char *kind = desk_r_arg(conn, "kind");
    desk_buf_printf(b, "<form method=\"get\" action=\"/lost\" class=\"filters\" role=\"search\" aria-label=\"%s\">\n",
                    T(lang, "Filtrer les objets", "Filter the items"));
    desk_buf_printf(b, "<div class=\"field\"><label for=\"lost-q\">%s</label><input type=\"search\" id=\"lost-q\" "
                       "name=\"q\" value=\"",
                    T(lang, "Rechercher", "Search"));
    desk_buf_text(b, desk_r_arg(conn, "q"));
    desk_buf_printf(b, "\"></div>\n<fieldset><legend>%s</legend>\n", T(lang, "Lesquels", "Which"));
    static const char *const values[] = {"", "found", "declared"};
    static const char *const fr[] = {"tous", "objets trouvés", "déclarations de perte"};
    static const char *const en[] = {"all", "found items", "declared losses"};
    for (size_t i = 0; i < 3; i++)
        desk_buf_printf(b, "<div class=\"choice\"><input type=\"radio\" id=\"kind-%zu\" name=\"kind\" value=\"%s\"%s>"
                           "<label for=\"kind-%zu\">%s</label></div>\n",
                        i, values[i], strcmp(kind, values[i]) == 0 ? " checked" : "", i, T(lang, fr[i], en[i]));
    desk_buf_put(b, "</fieldset>\n");
    desk_r_select(b, NULL, "lostfilter", "category", T(lang, "Catégorie", "Category"), T(lang, "toutes", "all"),
                  s_category_fr, s_category_en, RELAIS_ITEM_COUNT, s_category_name, desk_r_arg(conn, "category"), lang);
    desk_r_input(b, NULL, "lostfilter", "date", "from", T(lang, "Du", "From"), NULL, desk_r_arg(conn, "from"), 0);
    desk_r_input(b, NULL, "lostfilter", "date", "to", T(lang, "au (inclus)", "to (included)"), NULL,
                 desk_r_arg(conn, "to"), 0);
    desk_buf_printf(b, "<fieldset><legend>%s</legend>\n", T(lang, "Seulement", "Only"));
    static const char *const ffr[] = {"en cours (gardés ou recherchés)", "garde terminée, objet encore là"};
    static const char *const fen[] = {"open (kept or sought)", "keeping over, item still here"};
    for (size_t i = 0; i < 2; i++)
        desk_buf_printf(b, "<div class=\"choice\"><input type=\"checkbox\" id=\"lost-%s\" name=\"%s\" value=\"1\"%s>"
                           "<label for=\"lost-%s\">%s</label></div>\n",
                        s_flags[i], s_flags[i], strcmp(desk_r_arg(conn, s_flags[i]), "1") == 0 ? " checked" : "",
                        s_flags[i], T(lang, ffr[i], fen[i]));
    desk_buf_printf(b, "</fieldset>\n<button type=\"submit\">%s</button>\n</form>\n", T(lang, "Filtrer", "Filter"));
}

static void s_items_head(relais_cli_lang_t lang, const char *caption, desk_buf_t *b)
{
    desk_buf_printf(b, "<table class=\"register\">\n<caption>%s</caption>\n<thead><tr><th scope=\"col\">%s</th>"
                       "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
                       "<th scope=\"col\">%s</th><th scope=\"col\">%s</th>",
                    caption, T(lang, "Objet", "Item"), T(lang, "État", "State"), T(lang, "Catégorie", "Category"),
                    T(lang, "Le", "On"), T(lang, "Description", "Description"), T(lang, "Lieu", "Place"));
}

static void s_item_row(const relais_lost_record_t *r, relais_cli_lang_t lang, desk_buf_t *b)
{
    char handle[RELAIS_CASE_ID_LEN], when[48], where[3 * RELAIS_CONTACT_LABEL_LEN];
    relais_lost_handle(r->kind, r->seq, handle);
    desk_r_when(r->when_ms, lang, when, sizeof when);
    s_where(r, where, sizeof where);
    desk_buf_printf(b, "<tr><th scope=\"row\"><a href=\"/lost/%s\">%s</a></th><td>%s</td><td>%s</td><td>%s %s</td><td>",
                    handle, handle, S_WORD(s_state_fr, s_state_en, r->state, lang),
                    S_WORD(s_category_fr, s_category_en, r->category, lang),
                    r->kind == RELAIS_LOST_KIND_FOUND ? T(lang, "trouvé le", "found on") : T(lang, "perdu le", "lost on"),
                    when);
    desk_buf_text(b, r->description);
    desk_buf_put(b, "</td><td>");
    desk_buf_text(b, where);
    desk_buf_put(b, "</td>");
}

static enum MHD_Result s_list(desk_request_t *r)
{
    relais_desk_t *desk = r->desk;
    relais_cli_lang_t lang = r->s->lang;
    relais_request_t q;
    s_filter(r->conn, &q);
    relais_reply_t reply = {0};
    char why[512];
    int rc = desk_r_read(desk, s_read_lost, &q, &reply, lang, why, sizeof why);
    const char *title = T(lang, "Objets trouvés", "Lost and found");
    desk_buf_t b = {0};
    desk_page_begin(desk, r->s, lang, title, "lost", &b);
    desk_buf_printf(&b, "<h1>%s</h1>\n<ul class=\"actions\"><li><a href=\"/lost/found\">%s</a></li>"
                        "<li><a href=\"/lost/declare\">%s</a></li></ul>\n",
                    title, T(lang, "Enregistrer un objet trouvé", "Record a found item"),
                    T(lang, "Enregistrer une déclaration de perte", "Record a declared loss"));
    s_filters_form(r->conn, lang, &b);
    if (rc) {
        desk_r_trouble(&b, why);
    } else if (!reply.lost_count) {
        desk_buf_printf(&b, "<p>%s</p>\n", T(lang, "Aucun objet ni déclaration.", "No item and no declaration."));
    } else {
        char caption[128];
        snprintf(caption, sizeof caption, "%s (%zu)",
                 T(lang, "Objets et déclarations, les plus récents d'abord", "Items and declarations, newest first"),
                 reply.lost_count);
        s_items_head(lang, caption, &b);
        desk_buf_put(&b, "</tr></thead>\n<tbody>\n");
        for (size_t i = 0; i < reply.lost_count; i++) {
            s_item_row(&reply.lost[i], lang, &b);
            desk_buf_put(&b, "</tr>\n");
        }
        desk_buf_put(&b, "</tbody>\n</table>\n");
        if (reply.next_seq) {
            static const char *const keys[] = {"q", "kind", "category", "from", "to", "open", "keeping_over"};
            desk_r_next_link(&b, r->conn, "/lost", keys, sizeof keys / sizeof keys[0], reply.next_seq,
                             T(lang, "Plus anciens", "Older"), lang);
        }
    }
    relais_reply_clear(&reply);
    desk_page_end(lang, &b);
    return desk_http_send(desk, r->conn, rc ? desk_r_read_status(rc) : MHD_HTTP_OK, &b, r->made, NULL);
}

/* ---- Recording an item --------------------------------------------------------------------------------- */

static void s_place_fields(desk_buf_t *b, const desk_r_view_t *v, const char *f, relais_cli_lang_t lang)
{
    desk_buf_printf(b, "<fieldset><legend>%s</legend>\n", T(lang, "Où (une rue, un lieu, ou les deux) *",
                                                            "Where (a street, a place, or both) *"));
    desk_r_input(b, v, f, "text", "street", T(lang, "Rue", "Street"),
                 T(lang, "cherchée dans la liste des voies de la ville", "looked up in the town's street list"),
                 desk_r_value(v, f, "street"), 0);
    desk_r_input(b, v, f, "text", "house_number", T(lang, "Numéro", "Number"), NULL, desk_r_value(v, f, "house_number"),
                 0);
    desk_r_input(b, v, f, "text", "place", T(lang, "Lieu", "Place"),
                 T(lang, "en mots (« square Robinson, près du kiosque »)", "in words (\"square Robinson, by the kiosk\")"),
                 desk_r_value(v, f, "place"), 0);
    desk_buf_put(b, "</fieldset>\n");
}

static enum MHD_Result s_item_form_page(desk_request_t *r, int found, unsigned status, const desk_r_view_t *v)
{
    relais_cli_lang_t lang = r->s->lang;
    const char *f = found ? "found" : "declare";
    const char *title = found ? T(lang, "Enregistrer un objet trouvé", "Record a found item")
                              : T(lang, "Enregistrer une déclaration de perte", "Record a declared loss");
    desk_buf_t b = {0};
    desk_page_begin(r->desk, r->s, lang, title, "lost", &b);
    desk_buf_printf(&b, "<p><a href=\"/lost\">%s</a></p>\n<h1>%s</h1>\n",
                    T(lang, "← Les objets trouvés", "← The lost and found"), title);
    desk_r_alert(v, f, &b);
    desk_r_form_open(&b, r->s, v, f, found ? "/lost/found" : "/lost/declare");
    desk_buf_printf(&b, "<p class=\"hint\">%s</p>\n", T(lang, "* : obligatoire", "*: required"));
    desk_r_select(&b, v, f, "category", T(lang, "Catégorie", "Category"), NULL, s_category_fr, s_category_en,
                  RELAIS_ITEM_COUNT, s_category_name, desk_r_value(v, f, "category"), lang);
    desk_r_area(&b, v, f, "description", T(lang, "Description", "Description"), desk_r_value(v, f, "description"), 1);
    s_place_fields(&b, v, f, lang);
    desk_r_input(&b, v, f, "datetime-local", "when", found ? T(lang, "Trouvé le", "Found on") : T(lang, "Perdu le", "Lost on"),
                 T(lang, "maintenant si vide", "now when empty"), desk_r_value(v, f, "when"), 0);
    if (found) {
        desk_r_input(&b, v, f, "text", "storage", T(lang, "Rangé où", "Kept where"),
                     T(lang, "armoire, étagère, coffre", "cupboard, shelf, safe"), desk_r_value(v, f, "storage"), 1);
        desk_r_input(&b, v, f, "date", "keep_until", T(lang, "Gardé jusqu'au", "Kept until"),
                     T(lang, "un an et un jour si vide", "a year and a day when empty"), desk_r_value(v, f, "keep_until"),
                     0);
        desk_buf_printf(&b, "<fieldset><legend>%s</legend>\n", T(lang, "Le découvreur", "The finder"));
        desk_r_input(&b, v, f, "text", "person", T(lang, "Nom", "Name"), T(lang, "vide s'il reste anonyme", "empty when anonymous"),
                     desk_r_value(v, f, "person"), 0);
        desk_r_input(&b, v, f, "text", "contact", T(lang, "Coordonnées", "Contact details"), NULL,
                     desk_r_value(v, f, "contact"), 0);
        desk_r_check(&b, v, f, "finder_claims",
                     T(lang, "Le demande s'il n'est pas réclamé", "Claims it if no one else does"),
                     *desk_r_value(v, f, "finder_claims") != '\0');
    } else {
        desk_r_input(&b, v, f, "datetime-local", "until", T(lang, "Au plus tard le", "At the latest on"),
                     T(lang, "si le moment de la perte est incertain", "when the moment of the loss is uncertain"),
                     desk_r_value(v, f, "until"), 0);
        desk_buf_printf(&b, "<fieldset><legend>%s</legend>\n", T(lang, "Qui l'a perdu", "Who lost it"));
        desk_r_input(&b, v, f, "text", "person", T(lang, "Nom", "Name"), NULL, desk_r_value(v, f, "person"), 1);
        desk_r_input(&b, v, f, "text", "contact", T(lang, "Coordonnées", "Contact details"),
                     T(lang, "pour le prévenir quand il est trouvé", "to tell them when it is found"),
                     desk_r_value(v, f, "contact"), 1);
    }
    desk_buf_printf(&b, "</fieldset>\n<button type=\"submit\">%s</button>\n</form>\n", T(lang, "Enregistrer", "Record"));
    desk_page_end(lang, &b);
    return desk_http_send(r->desk, r->conn, status, &b, r->made, NULL);
}

/* The browser's "2026-12-03T09:40" as the command's "2026-12-03 09:40"; 0, or -1 when it is no time. */
static int s_local_time(const char *typed, int64_t *ms)
{
    char text[32];
    snprintf(text, sizeof text, "%s", typed);
    char *t = strchr(text, 'T');
    if (t)
        *t = ' ';
    return relais_rcli_local_time(text, ms);
}

static enum MHD_Result s_done(desk_request_t *r, const char *handle, const char *said)
{
    char where[RELAIS_CASE_ID_LEN + 64];
    snprintf(where, sizeof where, "/lost/%s?done=%s", handle, said);
    return desk_http_redirect(r->desk, r->conn, where, r->made);
}

static enum MHD_Result s_item_post(desk_request_t *r, int found)
{
    relais_desk_t *desk = r->desk;
    relais_cli_lang_t lang = r->s->lang;
    const desk_form_t *form = r->form;
    desk_r_view_t v = {.form = found ? "found" : "declare", .typed = form};
    unsigned status;
    if (!desk_r_form_ok(r, &v, &status))
        return s_item_form_page(r, found, status, &v);
    char street[RELAIS_CONTACT_LABEL_LEN] = "", keep[16] = "";
    relais_rcli_lost_t l = {
        .kind = found ? RELAIS_LOST_KIND_FOUND : RELAIS_LOST_KIND_LOST,
        .category = relais_item_category_from_name(desk_r_typed(form, "category")),
        .description = desk_r_or_null(desk_r_typed(form, "description")),
        .street = street,
        .house_number = desk_r_or_null(desk_r_typed(form, "house_number")),
        .place = desk_r_or_null(desk_r_typed(form, "place")),
        .person = desk_r_or_null(desk_r_typed(form, "person")),
        .contact = desk_r_or_null(desk_r_typed(form, "contact")),
        .storage = desk_r_or_null(desk_r_typed(form, "storage")),
        .keep_until = keep,
        .finder_claims = found && *desk_r_typed(form, "finder_claims"),
    };
    const char *refused = NULL, *field = NULL;
    if (!l.category)
        field = "category", refused = T(lang, "choisissez la catégorie.", "choose the category.");
    else if (!l.description)
        field = "description", refused = T(lang, "décrivez l'objet.", "describe the item.");
    else if (!*desk_r_typed(form, "street") && !l.place)
        field = "street", refused = T(lang, "dites où : une rue, ou un lieu en mots.", "say where: a street, or a place in words.");
    else if (l.house_number && !*desk_r_typed(form, "street"))
        field = "house_number", refused = T(lang, "un numéro va avec une rue.", "a number goes with a street.");
    else if (found && !l.storage)
        field = "storage", refused = T(lang, "dites où l'objet est rangé.", "say where the item is kept.");
    else if (l.finder_claims && !l.person)
        field = "person", refused = T(lang, "le découvreur ne peut le demander qu'en donnant son nom.",
                                      "the finder can claim it only by giving their name.");
    else if (!found && (!l.person || !l.contact))
        field = !l.person ? "person" : "contact",
        refused = !l.person ? T(lang, "qui l'a perdu ?", "who lost it?")
                            : T(lang, "comment le prévenir quand il sera trouvé ?", "how to tell them when it is found?");
    if (refused)
        return s_item_form_page(r, found, desk_r_refuse(&v, field, refused, lang), &v);
    if (*desk_r_typed(form, "street") &&
        desk_r_street(desk, desk_r_typed(form, "street"), street, sizeof street, &v, lang) != 0)
        return s_item_form_page(r, found, MHD_HTTP_UNPROCESSABLE_CONTENT, &v);
    if (!*desk_r_typed(form, "when"))
        l.when_ms = desk_r_wall_ms();
    else if (s_local_time(desk_r_typed(form, "when"), &l.when_ms) != 0)
        return s_item_form_page(r, found,
                                desk_r_refuse(&v, "when", T(lang, "une date et une heure (2026-12-03 09:40).",
                                                            "a date and a time (2026-12-03 09:40)."),
                                              lang),
                                &v);
    if (!found && *desk_r_typed(form, "until") && s_local_time(desk_r_typed(form, "until"), &l.until_ms) != 0)
        return s_item_form_page(r, found,
                                desk_r_refuse(&v, "until", T(lang, "une date et une heure.", "a date and a time."), lang),
                                &v);
    if (found && *desk_r_typed(form, "keep_until"))
        snprintf(keep, sizeof keep, "%s", desk_r_typed(form, "keep_until"));
    else if (found && relais_rcli_keep_until(l.when_ms, 0, keep, sizeof keep) != 0)
        return s_item_form_page(r, found, desk_r_refuse(&v, "when", T(lang, "date impossible.", "no such date."), lang),
                                &v);
    desk_what_t what = {.link = "/lost/", .by_handle = 1};
    desk_what_once(&what, r->form);
    snprintf(what.fr, sizeof what.fr, "%s", found ? "Objet trouvé (nouveau)" : "Perte déclarée (nouvelle)");
    snprintf(what.en, sizeof what.en, "%s", found ? "Item found (new)" : "Loss declared (new)");
    desk_r_sent_t sent;
    int rc = desk_r_submit(desk, "lost_found", relais_rcli_lost_json(&l), &what, &sent);
    if (rc == 0)
        return s_done(r, sent.ack.case_id, "recorded");
    return s_item_form_page(r, found, desk_r_not_through(rc, &sent, lang, &v), &v);
}

/* ---- An item's page ------------------------------------------------------------------------------------ */

static void s_story_item(const uint8_t *record, size_t len, relais_cli_lang_t lang, desk_buf_t *b)
{
    relais_log_record_t lr;
    relais_message_t *msg = NULL;
    if (relais_record_message_decode(record, len, &lr, NULL, &msg) != 0)
        return;
    char when[48];
    desk_r_when(lr.received_ms, lang, when, sizeof when);
    desk_buf_printf(b, "<li>%s — ", when);
    desk_buf_text(b, relais_message_sender(msg));
    desk_buf_put(b, " — ");
    relais_lost_update_view_t u;
    const char *note = NULL;
    if (relais_message_lost_update(msg, &u) != 0) {
        desk_buf_put(b, T(lang, "enregistrement", "recorded"));
    } else if (u.kind == RELAIS_LOST_UPDATE_RETURN) {
        desk_buf_printf(b, "%s ", T(lang, "rendu à", "returned to"));
        desk_buf_text(b, u.owner);
        desk_buf_printf(b, " (%s ", T(lang, "pièce vérifiée :", "identity checked:"));
        desk_buf_text(b, u.identity_checked);
        desk_buf_put(b, ")");
        if (u.declaration_id && u.declaration_id[0]) {
            desk_buf_printf(b, ", %s ", T(lang, "déclaration", "declaration"));
            desk_buf_text(b, u.declaration_id);
        }
        note = u.note;
    } else if (u.kind == RELAIS_LOST_UPDATE_END) {
        desk_buf_printf(b, "%s %s", T(lang, "fin de garde :", "end of keeping:"),
                        S_WORD(s_outcome_fr, s_outcome_en, u.outcome, lang));
        if (u.handed_to && u.handed_to[0]) {
            desk_buf_printf(b, ", %s ", T(lang, "à", "to"));
            desk_buf_text(b, u.handed_to);
        }
        note = u.note;
    } else {
        desk_buf_put(b, u.kind == RELAIS_LOST_UPDATE_WITHDRAW ? T(lang, "déclaration retirée", "declaration withdrawn")
                                                              : T(lang, "note", "note"));
        note = u.note;
    }
    desk_r_note(b, note, lang);
    desk_buf_put(b, "</li>\n");
    relais_message_destroy(&msg);
}

static void s_reasons(unsigned reasons, relais_cli_lang_t lang, desk_buf_t *b)
{
    static const struct {
        unsigned bit;
        const char *fr, *en;
    } words[] = {{RELAIS_MATCH_SAME_CATEGORY, "même catégorie", "same category"},
                 {RELAIS_MATCH_CLOSE_DATES, "dates proches", "close dates"},
                 {RELAIS_MATCH_SAME_STREET, "même rue", "same street"},
                 {RELAIS_MATCH_SAME_PLACE, "même lieu", "same place"},
                 {RELAIS_MATCH_SAME_WORDS, "description proche", "close description"}};
    int first = 1;
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (reasons & words[i].bit) {
            desk_buf_printf(b, "%s%s", first ? "" : ", ", T(lang, words[i].fr, words[i].en));
            first = 0;
        }
}

static void s_matches(relais_desk_t *desk, const char *handle, relais_cli_lang_t lang, desk_buf_t *b)
{
    relais_request_t q = {.kind = RELAIS_REQ_LOST_MATCH};
    snprintf(q.case_id, sizeof q.case_id, "%s", handle);
    relais_reply_t reply = {0};
    char why[512];
    desk_buf_printf(b, "<section aria-labelledby=\"matches-title\">\n<h2 id=\"matches-title\">%s</h2>\n",
                    T(lang, "Rapprochements possibles", "Likely matches"));
    if (desk_r_read(desk, s_read_lost, &q, &reply, lang, why, sizeof why) != 0) {
        desk_r_trouble(b, why);
    } else if (!reply.match_count) {
        desk_buf_printf(b, "<p>%s</p>\n", T(lang, "Aucun rapprochement.", "No likely match."));
    } else {
        s_items_head(lang, T(lang, "Rapprochements, les plus probables d'abord", "Matches, likeliest first"), b);
        desk_buf_printf(b, "<th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr></thead>\n<tbody>\n",
                        T(lang, "Score", "Score"), T(lang, "Pourquoi", "Why"));
        for (size_t i = 0; i < reply.match_count; i++) {
            s_item_row(&reply.matches[i].candidate, lang, b);
            desk_buf_printf(b, "<td>%u</td><td>", reply.matches[i].score);
            s_reasons(reply.matches[i].reasons, lang, b);
            desk_buf_put(b, "</td></tr>\n");
        }
        desk_buf_put(b, "</tbody>\n</table>\n");
    }
    desk_buf_put(b, "</section>\n");
    relais_reply_clear(&reply);
}

/* A section holding the form posted to /lost/O-12/FORM. */
static void s_section(desk_buf_t *b, const desk_session_t *s, const desk_r_view_t *v, const char *form,
                      const char *handle, const char *title)
{
    char action[RELAIS_CASE_ID_LEN + 32];
    desk_buf_printf(b, "<section aria-labelledby=\"%s-title\">\n<h2 id=\"%s-title\">%s</h2>\n", form, form, title);
    desk_r_alert(v, form, b);
    snprintf(action, sizeof action, "/lost/%s/%s", handle, form);
    desk_r_form_open(b, s, v, form, action);
}

static void s_close_section(desk_buf_t *b, const char *button)
{
    desk_buf_printf(b, "<button type=\"submit\">%s</button>\n</form>\n</section>\n", button);
}

static void s_item_forms(const desk_session_t *s, const relais_lost_record_t *it, const desk_r_view_t *v,
                         relais_cli_lang_t lang, desk_buf_t *b)
{
    char handle[RELAIS_CASE_ID_LEN];
    relais_lost_handle(it->kind, it->seq, handle);
    /* a form refused comes back with its sentence and what was typed, even where the item's state
     * would not offer it */
    const char *failed = v && v->form ? v->form : "";
    int kept = it->kind == RELAIS_LOST_KIND_FOUND && it->state == RELAIS_LOST_STATE_KEPT;
    if (kept || !strcmp(failed, "return")) {
        s_section(b, s, v, "return", handle, T(lang, "Rendre à son propriétaire", "Return to its owner"));
        desk_r_input(b, v, "return", "text", "owner", T(lang, "Propriétaire", "Owner"), NULL,
                     desk_r_value(v, "return", "owner"), 1);
        desk_r_input(b, v, "return", "text", "identity_checked", T(lang, "Pièce d'identité vérifiée", "Identity document checked"),
                     T(lang, "sa nature et ses derniers caractères, jamais une copie (« carte d'identité …4521 »)",
                       "its kind and last characters, never a copy (\"identity card …4521\")"),
                     desk_r_value(v, "return", "identity_checked"), 1);
        desk_r_input(b, v, "return", "text", "declaration_id", T(lang, "Sa déclaration de perte", "Their declared loss"),
                     T(lang, "P-3, close avec le retour", "P-3, closed with the return"),
                     desk_r_value(v, "return", "declaration_id"), 0);
        desk_r_area(b, v, "return", "note", T(lang, "Note", "Note"), desk_r_value(v, "return", "note"), 0);
        s_close_section(b, T(lang, "Enregistrer le retour", "Record the return"));
    }
    if (kept || !strcmp(failed, "end")) {
        s_section(b, s, v, "end", handle, T(lang, "Fin de garde", "End of keeping"));
        desk_r_select(b, v, "end", "outcome", T(lang, "Ce qu'il devient", "What becomes of it"), NULL, s_outcome_fr,
                      s_outcome_en, RELAIS_OUTCOME_COUNT, s_outcome_name, desk_r_value(v, "end", "outcome"), lang);
        desk_r_input(b, v, "end", "text", "handed_to", T(lang, "Remis à", "Handed to"),
                     T(lang, "pour une remise à un service", "for an item handed over"), desk_r_value(v, "end", "handed_to"),
                     0);
        desk_r_area(b, v, "end", "note", T(lang, "Note", "Note"), desk_r_value(v, "end", "note"), 0);
        s_close_section(b, T(lang, "Enregistrer la fin de garde", "Record the end of keeping"));
    }
    if ((it->kind == RELAIS_LOST_KIND_LOST && it->state == RELAIS_LOST_STATE_SOUGHT) || !strcmp(failed, "withdraw")) {
        s_section(b, s, v, "withdraw", handle, T(lang, "Retirer la déclaration", "Withdraw the declaration"));
        desk_r_area(b, v, "withdraw", "note", T(lang, "Pourquoi", "Why"), desk_r_value(v, "withdraw", "note"), 1);
        s_close_section(b, T(lang, "Retirer", "Withdraw"));
    }
    s_section(b, s, v, "note", handle, T(lang, "Ajouter une note", "Add a note"));
    desk_r_area(b, v, "note", "note", T(lang, "Note", "Note"), desk_r_value(v, "note", "note"), 1);
    s_close_section(b, T(lang, "Enregistrer la note", "Record the note"));
}

static enum MHD_Result s_item_page(desk_request_t *r, const char *ref, unsigned status, const desk_r_view_t *v)
{
    relais_desk_t *desk = r->desk;
    relais_cli_lang_t lang = r->s->lang;
    relais_request_t q = {.kind = RELAIS_REQ_LOST_SHOW};
    char why[512];
    if (relais_cli_case_ref(ref, RELAIS_CLI_REF_ITEM, q.case_id, sizeof q.case_id) != 0)
        return desk_http_say(desk, r->conn, MHD_HTTP_NOT_FOUND, r->s, lang, T(lang, "Pas de tel objet", "No such item"),
                             T(lang, "Un objet trouvé se nomme O-12, une déclaration de perte P-3.",
                               "A found item is named O-12, a declared loss P-3."),
                             r->made);
    relais_reply_t reply = {0};
    int rc = desk_r_read(desk, s_read_lost, &q, &reply, lang, why, sizeof why);
    /* read first: the count is the reply's once the read filled it */
    rc = desk_r_one(rc, &reply, reply.lost_count, T(lang, "le hub n'a pas envoyé l'objet", "the hub sent no item"),
                    why, sizeof why);
    if (rc)
        return desk_r_unread(r, rc, T(lang, "Objet non lu", "Item not read"), why);
    const relais_lost_record_t *it = &reply.lost[0];
    int found = it->kind == RELAIS_LOST_KIND_FOUND;
    char handle[RELAIS_CASE_ID_LEN], title[96], when[48], where[3 * RELAIS_CONTACT_LABEL_LEN], d[48];
    relais_lost_handle(it->kind, it->seq, handle);
    snprintf(title, sizeof title, "%s %s", found ? T(lang, "Objet trouvé", "Found item") : T(lang, "Déclaration de perte", "Declared loss"),
             handle);
    desk_buf_t b = {0};
    desk_page_begin(desk, r->s, lang, title, "lost", &b);
    desk_buf_printf(&b, "<p><a href=\"/lost\">%s</a></p>\n<h1>%s — ", T(lang, "← Les objets trouvés", "← The lost and found"),
                    title);
    desk_buf_text(&b, it->description);
    desk_buf_put(&b, "</h1>\n");
    const char *done = desk_r_arg(r->conn, "done");
    if (*done)
        desk_buf_printf(&b, "<p role=\"status\">%s</p>\n",
                        !strcmp(done, "recorded")   ? T(lang, "Enregistré.", "Recorded.")
                        : !strcmp(done, "return")   ? T(lang, "Retour enregistré.", "Return recorded.")
                        : !strcmp(done, "end")      ? T(lang, "Fin de garde enregistrée.", "End of keeping recorded.")
                        : !strcmp(done, "withdraw") ? T(lang, "Déclaration retirée.", "Declaration withdrawn.")
                                                    : T(lang, "Note enregistrée.", "Note recorded."));
    desk_buf_printf(&b, "<dl>\n<dt>%s</dt><dd>%s</dd>\n<dt>%s</dt><dd>%s</dd>\n", T(lang, "État", "State"),
                    S_WORD(s_state_fr, s_state_en, it->state, lang), T(lang, "Catégorie", "Category"),
                    S_WORD(s_category_fr, s_category_en, it->category, lang));
    desk_r_when(it->when_ms, lang, when, sizeof when);
    desk_r_dl(&b, found ? T(lang, "Trouvé le", "Found on") : T(lang, "Perdu le", "Lost on"), when);
    s_where(it, where, sizeof where);
    desk_r_dl(&b, T(lang, "Où", "Where"), where);
    if (it->person[0])
        desk_r_dl(&b, found ? T(lang, "Trouvé par", "Found by") : T(lang, "Déclaré par", "Declared by"), it->person);
    if (it->contact[0])
        desk_r_dl(&b, T(lang, "Coordonnées", "Contact details"), it->contact);
    if (found) {
        desk_r_dl(&b, T(lang, "Rangé", "Kept"), it->storage);
        relais_cli_date(it->keep_until, lang, d, sizeof d);
        desk_r_dl(&b, T(lang, "Gardé jusqu'au", "Kept until"), d);
    }
    if (it->owner[0])
        desk_r_dl(&b, T(lang, "Rendu à", "Returned to"), it->owner);
    if (it->matched_id[0])
        desk_r_dl(&b, found ? T(lang, "Déclaration close", "Declaration closed") : T(lang, "Objet rendu", "Item returned"),
                  it->matched_id);
    if (it->handed_to[0])
        desk_r_dl(&b, T(lang, "Remis à", "Handed to"), it->handed_to);
    desk_buf_printf(&b, "</dl>\n<h2>%s</h2>\n<ol class=\"timeline\">\n", T(lang, "Historique", "Story"));
    for (size_t i = 0; i < reply.record_count; i++)
        s_story_item(reply.records[i], reply.record_lens[i], lang, &b);
    desk_buf_put(&b, "</ol>\n");
    s_matches(desk, handle, lang, &b);
    s_item_forms(r->s, it, v, lang, &b);
    relais_reply_clear(&reply);
    desk_page_end(lang, &b);
    return desk_http_send(desk, r->conn, status, &b, r->made, NULL);
}

/* return, end, withdraw and note, posted to /lost/O-12/WHAT */
static enum MHD_Result s_update_post(desk_request_t *r, const char *ref, const char *what)
{
    relais_cli_lang_t lang = r->s->lang;
    const desk_form_t *form = r->form;
    desk_r_view_t v = {.form = what, .typed = form};
    unsigned status;
    char handle[RELAIS_CASE_ID_LEN];
    if (relais_cli_case_ref(ref, RELAIS_CLI_REF_ITEM, handle, sizeof handle) != 0)
        return s_item_page(r, ref, MHD_HTTP_NOT_FOUND, NULL);
    if (!desk_r_form_ok(r, &v, &status))
        return s_item_page(r, handle, status, &v);
    relais_rcli_lost_update_t u = {
        .item_id = handle,
        .kind = relais_lost_update_from_name(what),
        .owner = desk_r_or_null(desk_r_typed(form, "owner")),
        .identity_checked = desk_r_or_null(desk_r_typed(form, "identity_checked")),
        .declaration_id = desk_r_or_null(desk_r_typed(form, "declaration_id")),
        .outcome = relais_outcome_from_name(desk_r_typed(form, "outcome")),
        .handed_to = desk_r_or_null(desk_r_typed(form, "handed_to")),
        .note = desk_r_or_null(desk_r_typed(form, "note")),
    };
    char declaration[RELAIS_CASE_ID_LEN];
    const char *refused = NULL, *field = NULL;
    if (u.kind == RELAIS_LOST_UPDATE_RETURN && (!u.owner || !u.identity_checked))
        field = !u.owner ? "owner" : "identity_checked",
        refused = !u.owner ? T(lang, "à qui est-il rendu ?", "to whom is it returned?")
                           : T(lang, "la pièce vérifiée : sa nature et ses derniers caractères.",
                               "the document checked: its kind and last characters.");
    else if (u.declaration_id && (relais_cli_case_ref(u.declaration_id, RELAIS_CLI_REF_ITEM, declaration,
                                                      sizeof declaration) != 0 ||
                                  declaration[0] != 'P'))
        field = "declaration_id", refused = T(lang, "une déclaration se nomme P-3.", "a declaration is named P-3.");
    else if (u.kind == RELAIS_LOST_UPDATE_END && !u.outcome)
        field = "outcome", refused = T(lang, "choisissez ce que devient l'objet.", "choose what becomes of the item.");
    else if (u.kind == RELAIS_LOST_UPDATE_END && u.outcome == RELAIS_OUTCOME_HANDED_OVER && !u.handed_to)
        field = "handed_to", refused = T(lang, "à qui est-il remis ?", "to whom is it handed over?");
    else if ((u.kind == RELAIS_LOST_UPDATE_WITHDRAW || u.kind == RELAIS_LOST_UPDATE_NOTE) && !u.note)
        field = "note", refused = T(lang, "écrivez la note.", "write the note.");
    if (refused)
        return s_item_page(r, handle, desk_r_refuse(&v, field, refused, lang), &v);
    if (u.declaration_id)
        u.declaration_id = declaration;
    static const char *const kind_fr[] = {"", "note", "restitution", "fin de garde", "retrait de la déclaration"};
    static const char *const kind_en[] = {"", "note", "return", "end of keeping", "declaration withdrawn"};
    desk_what_t queued = {0};
    desk_what_once(&queued, r->form);
    snprintf(queued.link, sizeof queued.link, "/lost/%.48s", handle);
    snprintf(queued.fr, sizeof queued.fr, "%s : %s", handle, u.kind < RELAIS_LOST_UPDATE_COUNT ? kind_fr[u.kind] : "");
    snprintf(queued.en, sizeof queued.en, "%s: %s", handle, u.kind < RELAIS_LOST_UPDATE_COUNT ? kind_en[u.kind] : "");
    desk_r_sent_t sent;
    int rc = desk_r_submit(r->desk, "lost_found_update", relais_rcli_lost_update_json(&u), &queued, &sent);
    if (rc == 0)
        return s_done(r, handle, what);
    return s_item_page(r, handle, desk_r_not_through(rc, &sent, lang, &v), &v);
}

/* ---- The routes ---------------------------------------------------------------------------------------- */

int desk_lost_route(desk_request_t *r, enum MHD_Result *answer)
{
    const char *url = r->url;
    if (r->get && strcmp(url, "/lost") == 0) {
        *answer = s_list(r);
        return 1;
    }
    if ((r->get || r->post) && (strcmp(url, "/lost/found") == 0 || strcmp(url, "/lost/declare") == 0)) {
        int found = strcmp(url, "/lost/found") == 0;
        *answer = r->post ? s_item_post(r, found) : s_item_form_page(r, found, MHD_HTTP_OK, NULL);
        return 1;
    }
    if (strncmp(url, "/lost/", 6) != 0)
        return 0;
    const char *ref = url + 6, *slash = strchr(ref, '/');
    if (r->get && !slash) {
        *answer = s_item_page(r, ref, MHD_HTTP_OK, NULL);
        return 1;
    }
    if (r->post && slash &&
        (!strcmp(slash, "/return") || !strcmp(slash, "/end") || !strcmp(slash, "/withdraw") || !strcmp(slash, "/note"))) {
        char id[RELAIS_CASE_ID_LEN];
        snprintf(id, sizeof id, "%.*s", (int)(slash - ref), ref);
        *answer = s_update_post(r, id, slash + 1);
        return 1;
    }
    return 0;
}
