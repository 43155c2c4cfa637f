/* reception_entry.c -- an entry of the Tranquillité urbaine reception's register on the desk: its
 * page (what it says, its transfers and their answers, its follow-up), the forms of the commands that
 * change it (update, close, transfer) and what they send; and, on the coordinator's and a partner's
 * desks, the transfers made to them with the form that answers one. The register's list, recording a
 * solicitation and the routes are reception.c's.
 *
 * As there, every page is a read of the hub (logged there) and every form posts with the session's
 * CSRF token the payload `relais reception` sends; what the hub refuses comes back beside the form,
 * everything typed kept.
 */
#include <string.h>

#include "register_internal.h"
#include "relais_page.h"
#include "relais_reception.h"

#define T(lang, fr, en) DESK_T(lang, fr, en)

/* ---- Words --------------------------------------------------------------------------------------- */

static const char *const s_recipient_fr[] = {"", "police municipale", "police nationale",
                                             "association d'aide aux victimes", "autre service municipal",
                                             "partenaire ou coordination du réseau"};
static const char *const s_recipient_en[] = {"", "police municipale", "police nationale",
                                             "victim support association", "another service of the town",
                                             "a partner or the coordinator of the hub"};
static const char *const s_means_fr[] = {"", "par le réseau", "par téléphone", "par courriel", "par courrier",
                                         "en main propre"};
static const char *const s_means_en[] = {"", "through the hub", "by phone", "by e-mail", "by letter", "in person"};

static const char *s_recipient_name(int v) { return relais_recipient_name((relais_recipient_t)v); }
static const char *s_means_name(int v)
{
    return v == RELAIS_MEANS_BY_HUB ? NULL : relais_means_name((relais_means_t)v); /* the hub's means is its own */
}

/* ---- An entry's page ------------------------------------------------------------------------------- */

static int s_read_show(relais_client_t *hub, const void *entry, void *out, relais_error_t *err)
{
    return relais_client_reception_show(hub, entry, out, err);
}

/* What an update changed, after its label: one text, or two ("12", "Rue Houdan"); nothing when empty. */
static void s_changed(desk_buf_t *b, const char *label, const char *value, const char *more)
{
    if (!(value && value[0]) && !(more && more[0]))
        return;
    desk_buf_printf(b, ", %s ", label);
    desk_buf_text(b, value ? value : "");
    if (more && more[0]) {
        desk_buf_put(b, value && value[0] ? " " : "");
        desk_buf_text(b, more);
    }
}

/* One line of the entry's follow-up, from one of its records. */
static void s_timeline_item(const uint8_t *record, size_t len, relais_cli_lang_t lang, desk_buf_t *b)
{
    relais_log_record_t lr;
    relais_message_t *msg = NULL;
    if (relais_record_message_decode(record, len, &lr, NULL, &msg) != 0)
        return;
    char when[48], th[RELAIS_CASE_ID_LEN];
    desk_r_when(lr.received_ms, lang, when, sizeof when);
    desk_buf_printf(b, "<li>%s — ", when);
    desk_buf_text(b, relais_message_sender(msg));
    desk_buf_put(b, " — ");
    relais_contact_update_view_t u;
    relais_transfer_view_t t;
    relais_transfer_answer_view_t a;
    const char *note = NULL;
    if (relais_message_payload(msg) == RELAIS_PAYLOAD_CONTACT) {
        desk_buf_put(b, T(lang, "enregistrement de la fiche", "entry recorded"));
    } else if (relais_message_contact_update(msg, &u) == 0) {
        desk_buf_put(b, u.handling == RELAIS_HANDLING_CLOSED      ? T(lang, "clôture", "closed")
                        : u.handling == RELAIS_HANDLING_FOLLOW_UP ? T(lang, "suite à donner", "to follow up")
                                                                  : T(lang, "mise à jour", "update"));
        if (u.category)
            desk_buf_printf(b, ", %s %s", T(lang, "catégorie :", "category:"),
                            DESK_REGISTER_PICK(desk_register_category_fr, desk_register_category_en, u.category, lang));
        s_changed(b, T(lang, "objet :", "subject:"), u.subject, NULL);
        s_changed(b, T(lang, "lieu :", "place:"), u.house_number, u.street);
        s_changed(b, T(lang, "accusé de réception envoyé le", "acknowledged on"), u.acknowledged_date, NULL);
        s_changed(b, T(lang, "réponse due le", "answer due on"), u.response_due_date, NULL);
        note = u.note;
    } else if (relais_message_transfer(msg, &t) == 0) {
        relais_transfer_handle(lr.seq, th);
        desk_buf_printf(b, "%s %s %s (", th, T(lang, "transmis à", "transferred to"),
                        DESK_REGISTER_PICK(s_recipient_fr, s_recipient_en, t.recipient, lang));
        desk_buf_text(b, t.recipient_name);
        desk_buf_printf(b, "), %s", DESK_REGISTER_PICK(s_means_fr, s_means_en, t.means, lang));
        note = t.note;
    } else if (relais_message_transfer_answer(msg, &a) == 0) {
        desk_buf_text(b, a.transfer_id);
        desk_buf_printf(b, " %s", a.answer == RELAIS_ANSWER_ACCEPTED ? T(lang, "accepté", "accepted")
                                                                      : T(lang, "refusé", "declined"));
        note = a.note;
    }
    desk_r_note(b, note, lang);
    desk_buf_put(b, "</li>\n");
    relais_message_destroy(&msg);
}

static void s_transfers_table(const relais_contact_record_t *e, relais_cli_lang_t lang, desk_buf_t *b)
{
    if (!e->transfer_count)
        return;
    desk_buf_printf(b, "<table>\n<caption>%s</caption>\n<thead><tr><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
                       "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr></thead>\n"
                       "<tbody>\n",
                    T(lang, "Transferts", "Transfers"), T(lang, "Transfert", "Transfer"), T(lang, "Le", "On"),
                    T(lang, "À", "To"), T(lang, "Comment", "How"), T(lang, "Réponse", "Answer"));
    for (size_t i = 0; i < e->transfer_count && i < RELAIS_MAX_TRANSFERS; i++) {
        const relais_transfer_state_t *t = &e->transfers[i];
        char th[RELAIS_CASE_ID_LEN], when[48], answered[48];
        relais_transfer_handle(t->seq, th);
        desk_r_when(t->transferred_ms, lang, when, sizeof when);
        desk_buf_printf(b, "<tr><th scope=\"row\">%s</th><td>%s</td><td>%s (", th, when,
                        DESK_REGISTER_PICK(s_recipient_fr, s_recipient_en, t->recipient, lang));
        desk_buf_text(b, t->recipient_name);
        desk_buf_printf(b, ")</td><td>%s</td><td>", DESK_REGISTER_PICK(s_means_fr, s_means_en, t->means, lang));
        if (t->answer) {
            desk_r_when(t->answered_ms, lang, answered, sizeof answered);
            desk_buf_printf(b, "%s, %s", t->answer == RELAIS_ANSWER_ACCEPTED ? T(lang, "accepté", "accepted")
                                                                               : T(lang, "refusé", "declined"),
                            answered);
        } else if (t->recipient == RELAIS_RECIPIENT_HUB) {
            desk_buf_put(b, T(lang, "pas encore de réponse", "not answered yet"));
        } else {
            desk_buf_put(b, T(lang, "hors du réseau", "outside the hub"));
        }
        desk_buf_put(b, "</td></tr>\n");
    }
    desk_buf_put(b, "</tbody>\n</table>\n");
}

/* A section of an entry's page holding the form posted to /register/A-12/FORM: its title, the sentence
 * that refused it when it came back, the form's opening. */
static void s_entry_section(desk_buf_t *b, const desk_session_t *s, const desk_r_view_t *v, const char *form,
                            const char *handle, const char *title)
{
    char action[RELAIS_CASE_ID_LEN + 32];
    desk_buf_printf(b, "<section aria-labelledby=\"%s-title\">\n<h2 id=\"%s-title\">%s</h2>\n", form, form, title);
    desk_r_alert(v, form, b);
    snprintf(action, sizeof action, "/register/%s/%s", handle, form);
    desk_r_form_open(b, s, v, form, action);
}

static void s_entry_forms(const desk_session_t *s, const relais_contact_record_t *e, const desk_r_view_t *v,
                          relais_cli_lang_t lang, desk_buf_t *b)
{
    char handle[RELAIS_CASE_ID_LEN];
    relais_entry_handle(e->seq, handle);
    int open = relais_reception_is_open(e);

    /* update: a note, a correction, the acknowledgement; reopens a closed entry */
    s_entry_section(b, s, v, "update", handle, T(lang, "Mettre à jour", "Update"));
    desk_r_area(b, v, "update", "note", T(lang, "Note", "Note"), desk_r_value(v, "update", "note"), 0);
    if (!open)
        desk_r_check(b, v, "update", "follow_up", T(lang, "Rouvrir la fiche (suite à donner)", "Reopen the entry (to follow up)"),
                *desk_r_value(v, "update", "follow_up") != '\0');
    desk_r_input(b, v, "update", "date", "acknowledged_date", T(lang, "Accusé de réception envoyé le", "Acknowledged on"),
            NULL, desk_r_value(v, "update", "acknowledged_date"), 0);
    desk_r_input(b, v, "update", "date", "response_due_date", T(lang, "Réponse due le", "Answer due on"), NULL,
            desk_r_value(v, "update", "response_due_date"), 0);
    desk_r_select(b, v, "update", "category", T(lang, "Catégorie", "Category"), T(lang, "inchangée", "unchanged"),
             desk_register_category_fr, desk_register_category_en, RELAIS_CATEGORY_COUNT, desk_register_category_name, desk_r_value(v, "update", "category"),
             lang);
    desk_r_input(b, v, "update", "text", "street", T(lang, "Rue", "Street"), NULL, desk_r_value(v, "update", "street"), 0);
    desk_r_input(b, v, "update", "text", "house_number", T(lang, "Numéro", "Number"), NULL,
            desk_r_value(v, "update", "house_number"), 0);
    desk_r_input(b, v, "update", "text", "subject", T(lang, "Objet", "Subject"), NULL, desk_r_value(v, "update", "subject"), 0);
    desk_buf_printf(b, "<button type=\"submit\">%s</button>\n</form>\n</section>\n",
                    T(lang, "Enregistrer la mise à jour", "Record the update"));
    /* a closed entry is closed or transferred once reopened; a refused form still comes back with
     * its sentence and what was typed */
    int failed_close = v && v->form && strcmp(v->form, "close") == 0;
    int failed_transfer = v && v->form && strcmp(v->form, "transfer") == 0;
    if (!open && !failed_close && !failed_transfer)
        return;

    /* close */
    if (open || failed_close) {
        s_entry_section(b, s, v, "close", handle, T(lang, "Clore", "Close"));
        desk_r_area(b, v, "close", "note", T(lang, "Note de clôture", "Closing note"), desk_r_value(v, "close", "note"), 0);
        desk_buf_printf(b, "<button type=\"submit\">%s</button>\n</form>\n</section>\n", T(lang, "Clore la fiche", "Close the entry"));
    }
    if (!open && !failed_transfer)
        return;

    /* transfer */
    s_entry_section(b, s, v, "transfer", handle, T(lang, "Transmettre", "Transfer"));
    desk_r_select(b, v, "transfer", "recipient", T(lang, "À", "To"), NULL, s_recipient_fr, s_recipient_en,
             RELAIS_RECIPIENT_COUNT, s_recipient_name, desk_r_value(v, "transfer", "recipient"), lang);
    desk_r_input(b, v, "transfer", "text", "recipient_name", T(lang, "Nom", "Name"),
            T(lang, "lequel (« Police municipale de Sceaux ») ; dans le réseau, son identité (« coordination »)",
              "which one (\"Police municipale de Sceaux\"); in the hub, its identity (\"coordination\")"),
            desk_r_value(v, "transfer", "recipient_name"), 1);
    desk_r_select(b, v, "transfer", "means", T(lang, "Par", "By"), T(lang, "par le réseau", "through the hub"), s_means_fr,
             s_means_en, RELAIS_MEANS_COUNT, s_means_name, desk_r_value(v, "transfer", "means"), lang);
    desk_r_area(b, v, "transfer", "note", T(lang, "Ce qui est demandé", "What is asked"), desk_r_value(v, "transfer", "note"), 0);
    desk_buf_printf(b, "<button type=\"submit\">%s</button>\n</form>\n</section>\n", T(lang, "Transmettre", "Transfer"));
}

static enum MHD_Result s_entry_page(desk_request_t *r, const char *ref, unsigned status, const desk_r_view_t *v)
{
    relais_desk_t *desk = r->desk;
    relais_cli_lang_t lang = r->s->lang;
    char id[RELAIS_CASE_ID_LEN], why[512];
    if (relais_cli_case_ref(ref, RELAIS_CLI_REF_ENTRY | RELAIS_CLI_REF_TRANSFER, id, sizeof id) != 0)
        return desk_http_say(desk, r->conn, MHD_HTTP_NOT_FOUND, r->s, lang, T(lang, "Pas de telle fiche", "No such entry"),
                             T(lang, "Une fiche se nomme A-12, un transfert T-14.", "An entry is named A-12, a transfer T-14."),
                             r->made);
    relais_reply_t reply = {0};
    int rc = desk_r_read(desk, s_read_show, id, &reply, lang, why, sizeof why);
    if (rc == 0 && !reply.contact_count) {
        relais_reply_clear(&reply);
        rc = RELAIS_E_MALFORMED;
        snprintf(why, sizeof why, "%s", T(lang, "le hub n'a pas envoyé la fiche", "the hub sent no entry"));
    }
    if (rc)
        return desk_http_say(desk, r->conn, rc == RELAIS_E_TIMEOUT ? MHD_HTTP_SERVICE_UNAVAILABLE
                                                : reply.contact_count ? MHD_HTTP_BAD_GATEWAY
                                                                      : MHD_HTTP_NOT_FOUND,
                             r->s, lang, T(lang, "Fiche non lue", "Entry not read"), why, r->made);
    const relais_contact_record_t *e = &reply.contacts[0];
    char handle[RELAIS_CASE_ID_LEN], title[96], when[48], place[2 * RELAIS_CONTACT_LABEL_LEN], d[32];
    relais_entry_handle(e->seq, handle);
    snprintf(title, sizeof title, "%s %s", T(lang, "Fiche", "Entry"), handle);
    desk_buf_t b = {0};
    desk_page_begin(desk, r->s, lang, title, "entry", &b);
    desk_buf_printf(&b, "<p><a href=\"/\">%s</a></p>\n<h1>%s — ", T(lang, "← Le registre", "← The register"), title);
    desk_buf_text(&b, e->subject);
    desk_buf_put(&b, "</h1>\n");
    const char *done = desk_r_arg(r->conn, "done");
    if (*done)
        desk_buf_printf(&b, "<p role=\"status\">%s</p>\n",
                        !strcmp(done, "recorded")      ? T(lang, "Fiche enregistrée.", "Entry recorded.")
                        : !strcmp(done, "transferred") ? T(lang, "Transfert enregistré.", "Transfer recorded.")
                        : !strcmp(done, "closed")      ? T(lang, "Fiche close.", "Entry closed.")
                                                       : T(lang, "Mise à jour enregistrée.", "Update recorded."));
    desk_buf_put(&b, "<dl>\n");
    desk_r_when(e->occurred_ms, lang, when, sizeof when);
    desk_buf_printf(&b, "<dt>%s</dt><dd>%s (%s)</dd>\n", T(lang, "Reçue le", "Came on"), when,
                    DESK_REGISTER_PICK(desk_register_channel_fr, desk_register_channel_en, e->channel, lang));
    desk_r_dl(&b, T(lang, "Saisie par", "Recorded by"), e->sender);
    desk_r_dl(&b, T(lang, "Catégorie", "Category"),
              DESK_REGISTER_PICK(desk_register_category_fr, desk_register_category_en, e->category, lang));
    desk_register_place(e, place, sizeof place);
    desk_r_dl(&b, T(lang, "Lieu", "Place"), place);
    desk_r_dl(&b, T(lang, "Demandeur", "Resident"), e->requester[0] ? e->requester : T(lang, "anonyme", "anonymous"));
    /* the resident's details are in the entry's own record alone, kept with their agreement */
    relais_message_t *first = NULL;
    relais_contact_view_t c;
    if (reply.record_count &&
        relais_record_message_decode(reply.records[0], reply.record_lens[0], NULL, NULL, &first) == 0 &&
        relais_message_contact(first, &c) == 0 && c.contact_details && c.contact_details[0])
        desk_r_dl(&b, T(lang, "Joignable", "Reach at"), c.contact_details);
    relais_message_destroy(&first);
    desk_buf_printf(&b, "<dt>%s</dt><dd>%s%s</dd>\n", T(lang, "Traitement", "Handling"),
                    DESK_REGISTER_PICK(desk_register_handling_fr, desk_register_handling_en, e->handling, lang),
                    e->overdue ? T(lang, " — <strong>en retard</strong>", " — <strong>overdue</strong>") : "");
    if (e->acknowledged_date[0]) {
        relais_cli_date(e->acknowledged_date, lang, d, sizeof d);
        desk_r_dl(&b, T(lang, "Accusé de réception", "Acknowledged"), d);
    }
    if (e->response_due_date[0]) {
        relais_cli_date(e->response_due_date, lang, d, sizeof d);
        desk_r_dl(&b, T(lang, "Réponse due le", "Answer due"), d);
    }
    desk_r_dl(&b, T(lang, "Résumé", "Summary"), e->summary);
    desk_buf_put(&b, "</dl>\n");
    s_transfers_table(e, lang, &b);
    desk_buf_printf(&b, "<h2>%s</h2>\n<ol class=\"timeline\">\n", T(lang, "Suivi", "Follow-up"));
    for (size_t i = 0; i < reply.record_count; i++)
        s_timeline_item(reply.records[i], reply.record_lens[i], lang, &b);
    desk_buf_put(&b, "</ol>\n");
    s_entry_forms(r->s, e, v, lang, &b);
    desk_page_end(lang, &b);
    relais_reply_clear(&reply);
    return desk_http_send(desk, r->conn, status, &b, r->made, NULL);
}

/* update, close and transfer, posted to /register/A-12/WHAT */
static enum MHD_Result s_entry_post(desk_request_t *r, const char *id, const char *what)
{
    relais_desk_t *desk = r->desk;
    relais_cli_lang_t lang = r->s->lang;
    const desk_form_t *form = r->form;
    desk_r_view_t v = {.form = what, .typed = form};
    unsigned status;
    char entry[RELAIS_CASE_ID_LEN];
    if (relais_cli_case_ref(id, RELAIS_CLI_REF_ENTRY, entry, sizeof entry) != 0)
        return desk_http_say(desk, r->conn, MHD_HTTP_NOT_FOUND, r->s, lang, T(lang, "Pas de telle fiche", "No such entry"),
                             T(lang, "Une fiche se nomme A-12.", "An entry is named A-12."), r->made);
    if (!desk_r_form_ok(r, &v, &status))
        return s_entry_page(r, entry, status, &v);
    desk_r_sent_t sent;
    int rc;
    const char *said;
    desk_what_t queued = {0};
    desk_what_once(&queued, form);
    snprintf(queued.link, sizeof queued.link, "/register/%.48s", entry);
    if (strcmp(what, "transfer") == 0) {
        relais_recipient_t to = relais_recipient_from_name(desk_r_typed(form, "recipient"));
        relais_means_t by = relais_means_from_name(desk_r_typed(form, "means"));
        if (!to)
            return s_entry_page(r, entry, desk_r_refuse(&v, "recipient", T(lang, "choisissez à qui.", "choose to whom."), lang),
                                &v);
        if (to != RELAIS_RECIPIENT_HUB && !by)
            return s_entry_page(r, entry,
                                desk_r_refuse(&v, "means",
                                         T(lang, "dites comment la fiche a été transmise (téléphone, courriel, "
                                                 "courrier, en main propre).",
                                           "say how the entry was passed on (phone, e-mail, letter, in person)."),
                                         lang),
                                &v);
        snprintf(queued.fr, sizeof queued.fr, "Transfert de la fiche %s", entry);
        snprintf(queued.en, sizeof queued.en, "Transfer of entry %s", entry);
        rc = desk_r_submit(desk, "transfer",
                      relais_rcli_transfer_json(entry, to, desk_r_or_null(desk_r_typed(form, "recipient_name")), by,
                                                desk_r_or_null(desk_r_typed(form, "note"))),
                      &queued, &sent);
        said = "transferred";
    } else {
        int closing = strcmp(what, "close") == 0;
        char street[RELAIS_CONTACT_LABEL_LEN] = "";
        if (!closing && *desk_r_typed(form, "street") &&
            desk_r_street(desk, desk_r_typed(form, "street"), street, sizeof street, &v, lang) != 0)
            return s_entry_page(r, entry, MHD_HTTP_UNPROCESSABLE_CONTENT, &v);
        relais_rcli_update_t u = {.entry_id = entry, .note = desk_r_or_null(desk_r_typed(form, "note"))};
        if (closing) {
            u.handling = RELAIS_HANDLING_CLOSED;
        } else {
            u.handling = *desk_r_typed(form, "follow_up") ? RELAIS_HANDLING_FOLLOW_UP : RELAIS_HANDLING_UNSPECIFIED;
            u.category = relais_category_from_name(desk_r_typed(form, "category"));
            u.acknowledged_date = desk_r_or_null(desk_r_typed(form, "acknowledged_date"));
            u.response_due_date = desk_r_or_null(desk_r_typed(form, "response_due_date"));
            u.street = desk_r_or_null(street);
            u.house_number = desk_r_or_null(desk_r_typed(form, "house_number"));
            u.subject = desk_r_or_null(desk_r_typed(form, "subject"));
        }
        snprintf(queued.fr, sizeof queued.fr, closing ? "Clôture de la fiche %s" : "Mise à jour de la fiche %s", entry);
        snprintf(queued.en, sizeof queued.en, closing ? "Closing of entry %s" : "Update of entry %s", entry);
        rc = desk_r_submit(desk, "contact_update", relais_rcli_update_json(&u), &queued, &sent);
        said = closing ? "closed" : "updated";
    }
    if (rc == 0)
        return desk_register_done(r, entry, said);
    status = desk_r_not_through(rc, &sent, lang, &v);
    return s_entry_page(r, entry, status, &v);
}

/* An entry's page (/register/A-12, or by a transfer T-14) and its forms posted (/register/A-12/update,
 * /close, /transfer). */
int desk_register_entry_route(desk_request_t *r, enum MHD_Result *answer)
{
    if (strncmp(r->url, "/register/", 10) != 0)
        return 0;
    const char *ref = r->url + 10, *slash = strchr(ref, '/');
    if (r->get && !slash) {
        *answer = s_entry_page(r, ref, MHD_HTTP_OK, NULL);
        return 1;
    }
    if (r->post && slash && (!strcmp(slash, "/update") || !strcmp(slash, "/close") || !strcmp(slash, "/transfer"))) {
        char id[RELAIS_CASE_ID_LEN];
        snprintf(id, sizeof id, "%.*s", (int)(slash - ref), ref);
        *answer = s_entry_post(r, id, slash + 1);
        return 1;
    }
    return 0;
}

/* ---- The transfers made to a coordinator or a partner ---------------------------------------------- */

static enum MHD_Result s_transfers_page(desk_request_t *r, unsigned status, const char *failed, const desk_r_view_t *v)
{
    relais_desk_t *desk = r->desk;
    relais_cli_lang_t lang = r->s->lang;
    relais_request_t f = {0}; /* as this identity reads it: the entries transferred to it */
    relais_reply_t reply = {0};
    char why[512];
    desk_buf_t b = {0};
    int rc = desk_register_list_begin(r, &f, T(lang, "Transferts reçus de l'accueil", "Transfers from the reception"), "transfers",
                          &reply, why, sizeof why, &b);
    const char *done = desk_r_arg(r->conn, "answered");
    if (*done) {
        desk_buf_printf(&b, "<p role=\"status\">%s ", T(lang, "Réponse enregistrée :", "Answer recorded:"));
        desk_buf_text(&b, done);
        desk_buf_put(&b, "</p>\n");
    }
    if (rc) {
        desk_r_trouble(&b, why);
    } else if (!reply.contact_count) {
        desk_buf_printf(&b, "<p>%s</p>\n", T(lang, "Aucune fiche ne vous a été transmise.", "No entry was transferred to you."));
    }
    for (size_t i = 0; i < reply.contact_count; i++) {
        const relais_contact_record_t *e = &reply.contacts[i];
        char handle[RELAIS_CASE_ID_LEN], when[48], place[2 * RELAIS_CONTACT_LABEL_LEN];
        relais_entry_handle(e->seq, handle);
        desk_r_when(e->occurred_ms, lang, when, sizeof when);
        desk_register_place(e, place, sizeof place);
        desk_buf_printf(&b, "<section aria-labelledby=\"e-%s\">\n<h2 id=\"e-%s\">%s — ", handle, handle, handle);
        desk_buf_text(&b, e->subject);
        desk_buf_printf(&b, "</h2>\n<dl>\n<dt>%s</dt><dd>%s (%s)</dd>\n", T(lang, "Reçue le", "Came on"), when,
                        DESK_REGISTER_PICK(desk_register_channel_fr, desk_register_channel_en, e->channel, lang));
        desk_r_dl(&b, T(lang, "Catégorie", "Category"),
                  DESK_REGISTER_PICK(desk_register_category_fr, desk_register_category_en, e->category, lang));
        desk_r_dl(&b, T(lang, "Lieu", "Place"), place);
        desk_r_dl(&b, T(lang, "Demandeur", "Resident"), e->requester[0] ? e->requester : T(lang, "anonyme", "anonymous"));
        desk_r_dl(&b, T(lang, "Résumé", "Summary"), e->summary);
        desk_buf_put(&b, "</dl>\n");
        s_transfers_table(e, lang, &b);
        for (size_t k = 0; k < e->transfer_count && k < RELAIS_MAX_TRANSFERS; k++) {
            const relais_transfer_state_t *t = &e->transfers[k];
            if (t->recipient != RELAIS_RECIPIENT_HUB || t->answer || strcmp(t->recipient_name, desk->name) != 0)
                continue;
            char th[RELAIS_CASE_ID_LEN], action[RELAIS_CASE_ID_LEN + 32], form[RELAIS_CASE_ID_LEN + 8];
            relais_transfer_handle(t->seq, th);
            snprintf(form, sizeof form, "answer-%s", th);
            snprintf(action, sizeof action, "/transfers/%s/answer", th);
            const desk_r_view_t *mine = failed && strcmp(failed, th) == 0 ? v : NULL;
            desk_r_view_t named = mine ? *mine : (desk_r_view_t){0};
            named.form = mine ? form : NULL;
            desk_buf_printf(&b, "<h3>%s %s</h3>\n", T(lang, "Répondre au transfert", "Answer transfer"), th);
            desk_r_alert(&named, form, &b);
            desk_r_form_open(&b, r->s, &named, form, action);
            const char *typed = desk_r_value(&named, form, "answer");
            desk_buf_printf(&b, "<fieldset><legend>%s</legend>\n", T(lang, "Votre réponse *", "Your answer *"));
            desk_buf_printf(&b, "<div class=\"choice\"><input type=\"radio\" name=\"answer\" id=\"%s-accepted\" "
                                "value=\"accepted\" required%s><label for=\"%s-accepted\">%s</label></div>\n",
                            form, !strcmp(typed, "accepted") ? " checked" : "", form,
                            T(lang, "accepté : vous le prenez en charge", "accepted: you take it on"));
            desk_buf_printf(&b, "<div class=\"choice\"><input type=\"radio\" name=\"answer\" id=\"%s-declined\" "
                                "value=\"declined\"%s><label for=\"%s-declined\">%s</label></div>\n</fieldset>\n",
                            form, !strcmp(typed, "declined") ? " checked" : "", form,
                            T(lang, "refusé (une note dit pourquoi)", "declined (a note says why)"));
            desk_r_area(&b, &named, form, "note", T(lang, "Note", "Note"), desk_r_value(&named, form, "note"), 0);
            desk_buf_printf(&b, "<button type=\"submit\">%s</button>\n</form>\n", T(lang, "Répondre", "Answer"));
        }
        desk_buf_put(&b, "</section>\n");
    }
    relais_reply_clear(&reply);
    desk_page_end(lang, &b);
    return desk_http_send(desk, r->conn, rc ? desk_r_read_status(rc) : status, &b, r->made, NULL);
}

static enum MHD_Result s_answer(desk_request_t *r, const char *ref)
{
    relais_cli_lang_t lang = r->s->lang;
    char th[RELAIS_CASE_ID_LEN];
    if (relais_cli_case_ref(ref, RELAIS_CLI_REF_TRANSFER, th, sizeof th) != 0)
        return desk_http_say(r->desk, r->conn, MHD_HTTP_NOT_FOUND, r->s, lang,
                             T(lang, "Pas de tel transfert", "No such transfer"),
                             T(lang, "Un transfert se nomme T-14.", "A transfer is named T-14."), r->made);
    desk_r_view_t v = {.typed = r->form};
    unsigned status;
    if (!desk_r_form_ok(r, &v, &status))
        return s_transfers_page(r, status, th, &v);
    relais_answer_t a = relais_answer_from_name(desk_r_typed(r->form, "answer"));
    if (!a)
        return s_transfers_page(r, desk_r_refuse(&v, "answer", T(lang, "choisissez : accepté ou refusé.", "choose: accepted or declined."), lang),
                                th, &v);
    desk_what_t what = {.link = "/transfers"};
    desk_what_once(&what, r->form);
    snprintf(what.fr, sizeof what.fr, "Réponse au transfert %s : %s", th,
             a == RELAIS_ANSWER_ACCEPTED ? "accepté" : "refusé");
    snprintf(what.en, sizeof what.en, "Answer to transfer %s: %s", th,
             a == RELAIS_ANSWER_ACCEPTED ? "accepted" : "declined");
    desk_r_sent_t sent;
    int rc = desk_r_submit(r->desk, "transfer_answer", relais_rcli_answer_json(th, a, desk_r_or_null(desk_r_typed(r->form, "note"))),
                      &what, &sent);
    if (rc == 0) {
        char where[RELAIS_CASE_ID_LEN + 32];
        snprintf(where, sizeof where, "/transfers?answered=%s", th);
        return desk_http_redirect(r->desk, r->conn, where, r->made);
    }
    return s_transfers_page(r, desk_r_not_through(rc, &sent, lang, &v), th, &v);
}

int desk_transfers_route(desk_request_t *r, enum MHD_Result *answer)
{
    if (r->get && strcmp(r->url, "/transfers") == 0) {
        *answer = s_transfers_page(r, MHD_HTTP_OK, NULL, NULL);
        return 1;
    }
    if (r->post && strncmp(r->url, "/transfers/", 11) == 0) {
        const char *ref = r->url + 11, *slash = strchr(ref, '/');
        if (slash && strcmp(slash, "/answer") == 0) {
            char id[RELAIS_CASE_ID_LEN];
            snprintf(id, sizeof id, "%.*s", (int)(slash - ref), ref);
            *answer = s_answer(r, id);
            return 1;
        }
    }
    return 0;
}
