/* partner_pages.c -- a partner's desk, for a partner without an IT system of its own: its routes, and
 * what became of the referrals it sent (their list, one referral's page). The referral form is
 * partner_form.c's, made from the schema by partner_schema.c.
 *
 * What a partner reads of its referrals is what the hub's partner-view rule gives it, asked by their
 * handles: their status, never a case id, another referrer, a note or a diagnosis; a case id
 * asked for is answered as a handle it does not have.
 */
#include <string.h>

#include "partner_internal.h"

#define T(lang, fr, en) DESK_T(lang, fr, en)

/* ---- The status of what it referred ----------------------------------------------------------------------- */

/* A case's state as a partner may read it. */
static const char *s_state_label(relais_case_state_t st, relais_cli_lang_t lang)
{
    switch (st) {
    case RELAIS_CASE_SUBMITTED: return T(lang, "reçu, en attente d'examen", "received, waiting to be looked at");
    case RELAIS_CASE_TRIAGE: return T(lang, "en cours d'examen", "being looked at");
    case RELAIS_CASE_AWAITING_AGREEMENT:
        return T(lang, "en attente de l'accord de la famille", "awaiting the family's agreement");
    case RELAIS_CASE_ACCEPTED: return T(lang, "accepté", "accepted");
    case RELAIS_CASE_DECLINED: return T(lang, "non retenu", "declined");
    case RELAIS_CASE_REDIRECTED: return T(lang, "réorienté", "redirected");
    case RELAIS_CASE_DIAGNOSIS: return T(lang, "situation en cours d'étude", "situation being assessed");
    case RELAIS_CASE_PATHWAY_PROPOSED: return T(lang, "parcours proposé", "pathway proposed");
    case RELAIS_CASE_FOLLOW_UP: return T(lang, "suivi en cours", "being followed");
    case RELAIS_CASE_CLOSED_COMPLETED: return T(lang, "clos, parcours achevé", "closed, pathway completed");
    case RELAIS_CASE_CLOSED_WITHDRAWN: return T(lang, "clos, retiré", "closed, withdrawn");
    case RELAIS_CASE_CLOSED_FAILED: return T(lang, "clos sans aboutir", "closed without success");
    case RELAIS_CASE_PAUSED: return T(lang, "en pause", "paused");
    case RELAIS_CASE_ENTERED_IN_ERROR: return T(lang, "enregistré par erreur", "entered in error");
    default: return T(lang, "inconnu", "unknown");
    }
}

/* The state, its name as the coordinator and the hub spell it, the FHIR status and the reason: the
 * cells of a status, the same in the list and on a referral's page. */
static void s_status_cells(const relais_case_status_t *st, relais_cli_lang_t lang, desk_buf_t *b)
{
    const char *name = relais_case_state_name(st->state);
    desk_buf_printf(b, "<td>%s", s_state_label(st->state, lang));
    if (name)
        desk_buf_printf(b, " <code>%s</code>", name);
    desk_buf_printf(b, "</td><td><code>%s</code></td><td>", relais_cli_task_status(st->task_status));
    desk_buf_text(b, st->reason_code[0] ? st->reason_code : "\xe2\x80\x94");
    desk_buf_put(b, "</td>");
}

/* What the hub's status summary says, as a status (the list's lines carry no relais_case_status_t). */
static void s_summary_status(const relais_case_summary_t *c, relais_case_status_t *st)
{
    memset(st, 0, sizeof *st);
    st->state = c->state;
    st->task_status = c->task_status;
    snprintf(st->reason_code, sizeof st->reason_code, "%s", c->reason_code);
    st->updated_ms = c->updated_ms;
}

/* A read of the hub under its lock; 0, or the client's status with *err and a sentence for the page. */
typedef int (*s_read_fn)(relais_client_t *hub, const char *handle, relais_reply_t *out, relais_error_t *err);

static int s_read_list(relais_client_t *hub, const char *handle, relais_reply_t *out, relais_error_t *err)
{
    (void)handle;
    return relais_client_case_list(hub, NULL, out, err);
}

static int s_read(relais_desk_t *desk, s_read_fn fn, const char *handle, relais_reply_t *out, relais_error_t *err)
{
    pthread_mutex_lock(&desk->hub_lock);
    relais_status_clear();
    int rc = fn(desk->hub, handle, out, err);
    if (rc == RELAIS_E_TIMEOUT && !err->message[0])
        relais_client_diagnose(desk->hub, err->message, sizeof err->message);
    else if (rc && !err->message[0])
        snprintf(err->message, sizeof err->message, "%s", relais_status_detail());
    pthread_mutex_unlock(&desk->hub_lock);
    return rc;
}

static void s_date_cell(int64_t ms, relais_cli_lang_t lang, desk_buf_t *b)
{
    char when[64];
    relais_cli_date_time(ms, lang, when, sizeof when);
    desk_buf_put(b, "<td>");
    desk_buf_text(b, ms > 0 ? when : "\xe2\x80\x94");
    desk_buf_put(b, "</td>");
}

static void s_urgency_cell(relais_urgency_t u, relais_cli_lang_t lang, desk_buf_t *b)
{
    const char *name = relais_urgency_name(u);
    char upper[32] = "";
    for (size_t i = 0; name && name[i] && i + 1 < sizeof upper; i++)
        upper[i] = (char)(name[i] >= 'a' && name[i] <= 'z' ? name[i] - 32 : name[i]), upper[i + 1] = '\0';
    desk_buf_put(b, "<td>");
    const char *words = desk_rf_value_words(upper, lang);
    if (words) /* "Urgent : sous 4 heures ouvrées": the word before the colon */
        desk_buf_printf(b, "%.*s", (int)strcspn(words, ":"), words);
    else
        desk_buf_text(b, name ? name : "\xe2\x80\x94");
    desk_buf_put(b, "</td>");
}

/* A referral's line as the partner-view rule gives it: its child, school and urgency as it wrote them,
 * then its status. */
static void s_summary_cells(const relais_case_summary_t *c, relais_cli_lang_t lang, desk_buf_t *b)
{
    relais_case_status_t st;
    s_summary_status(c, &st);
    desk_buf_put(b, "<td>");
    desk_buf_text(b, c->child_display);
    desk_buf_put(b, "</td><td>");
    desk_buf_text(b, c->school);
    desk_buf_put(b, "</td>");
    s_urgency_cell(c->urgency, lang, b);
    s_status_cells(&st, lang, b);
    s_date_cell(c->updated_ms, lang, b);
}

static void s_hub_trouble(int rc, const relais_error_t *err, relais_cli_lang_t lang, desk_buf_t *b)
{
    const char *words = rc != RELAIS_E_TIMEOUT ? desk_refusal_words(lang, err->status) : NULL;
    desk_buf_printf(b, "<div class=\"alert\" role=\"alert\"><p>%s%s%s <q lang=\"en\">",
                    rc == RELAIS_E_TIMEOUT ? T(lang, "Le hub ne répond pas : rien n'a pu être lu.",
                                               "The hub does not answer: nothing could be read.")
                                           : T(lang, "Le hub a refusé la lecture", "The hub refused the read"),
                    words ? T(lang, " : ", ": ") : "", words ? words : (rc == RELAIS_E_TIMEOUT ? "" : "."));
    desk_buf_text(b, err->message);
    desk_buf_put(b, "</q></p></div>\n");
}

static enum MHD_Result s_list(const desk_request_t *r)
{
    relais_cli_lang_t lang = r->s->lang;
    relais_reply_t reply;
    relais_error_t err = {0};
    int rc = s_read(r->desk, s_read_list, NULL, &reply, &err);
    desk_buf_t b = {0};
    desk_page_begin(r->desk, r->s, lang, T(lang, "Mes signalements", "My referrals"), "referrals", &b);
    desk_buf_printf(&b, "<h1>%s</h1>\n<p>%s</p>\n<p><a href=\"/refer\">%s</a></p>\n",
                    T(lang, "Mes signalements", "My referrals"),
                    T(lang, "Les signalements que votre service a envoyés, et où ils en sont. Un signalement reste "
                            "« reçu » tant que la coordination ne vous a pas associé au suivi de la situation ; vous "
                            "voyez ensuite son état, jamais le diagnostic ni les notes.",
                      "The referrals your organisation sent, and where they stand. A referral stays "
                      "\xe2\x80\x9creceived\xe2\x80\x9d until the coordination shares the follow-up with you; you "
                      "then see its status, never the diagnosis or the notes."),
                    T(lang, "Nouveau signalement", "New referral"));
    if (rc) {
        s_hub_trouble(rc, &err, lang, &b);
    } else {
        desk_buf_printf(&b, "<div class=\"scroll\"><table>\n<caption>");
        desk_buf_printf(&b, T(lang, "%zu signalement(s)", "%zu referral(s)"), reply.case_count);
        desk_buf_printf(&b, "</caption>\n<thead><tr><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
                            "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
                            "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
                            "</tr></thead>\n<tbody>\n",
                        T(lang, "Signalement", "Referral"), T(lang, "Enfant", "Child"), T(lang, "École", "School"),
                        T(lang, "Urgence", "Urgency"), T(lang, "État", "State"),
                        T(lang, "Statut (FHIR)", "Status (FHIR)"), T(lang, "Motif", "Reason"),
                        T(lang, "Mis à jour", "Updated"));
        for (size_t i = 0; i < reply.case_count; i++) {
            const relais_case_summary_t *c = &reply.cases[i];
            char handle[RELAIS_CASE_ID_LEN];
            /* only a handle is ever shown: a case id is the coordinator's */
            if (relais_cli_case_ref(c->case_id, RELAIS_CLI_REF_HANDLE, handle, sizeof handle) != 0)
                continue;
            desk_buf_printf(&b, "<tr><th scope=\"row\"><a href=\"/referrals/%s\">%s</a></th>", handle, handle);
            s_summary_cells(c, lang, &b);
            desk_buf_put(&b, "</tr>\n");
        }
        desk_buf_put(&b, "</tbody>\n</table></div>\n");
        relais_reply_clear(&reply);
    }
    desk_page_end(lang, &b);
    return desk_http_send(r->desk, r->conn, rc ? MHD_HTTP_SERVICE_UNAVAILABLE : MHD_HTTP_OK, &b, r->made, NULL);
}

static int s_read_one(relais_client_t *hub, const char *handle, relais_reply_t *out, relais_error_t *err)
{
    return relais_client_case_show(hub, handle, out, err);
}

/* One referral's page: its status and the statuses after each event it may see. A case id, another
 * partner's referral and a handle that does not exist get the same answer, as at the hub. */
static enum MHD_Result s_referral(const desk_request_t *r, const char *ref)
{
    relais_cli_lang_t lang = r->s->lang;
    const char *none_title = T(lang, "Pas de tel signalement", "No such referral");
    const char *none = T(lang, "Aucun de vos signalements ne porte ce numéro. Un signalement se nomme R- suivi d'un "
                               "nombre, comme sur la page qui a dit qu'il était reçu.",
                         "None of your referrals has this number. A referral is named R- and a number, as on the "
                         "page that said it was received.");
    char handle[RELAIS_CASE_ID_LEN];
    if (relais_cli_case_ref(ref, RELAIS_CLI_REF_HANDLE, handle, sizeof handle) != 0)
        return desk_http_say(r->desk, r->conn, MHD_HTTP_NOT_FOUND, r->s, lang, none_title, none, r->made);
    relais_reply_t reply;
    relais_error_t err = {0};
    int rc = s_read(r->desk, s_read_one, handle, &reply, &err);
    if (rc == RELAIS_E_FORBIDDEN || (rc == 0 && reply.case_count == 0)) {
        if (rc == 0)
            relais_reply_clear(&reply);
        return desk_http_say(r->desk, r->conn, MHD_HTTP_NOT_FOUND, r->s, lang, none_title, none, r->made);
    }
    desk_buf_t b = {0};
    char title[RELAIS_CASE_ID_LEN + 32];
    snprintf(title, sizeof title, "%s %s", T(lang, "Signalement", "Referral"), handle);
    desk_page_begin(r->desk, r->s, lang, title, "referrals", &b);
    desk_buf_printf(&b, "<h1>%s</h1>\n", title);
    if (rc) {
        s_hub_trouble(rc, &err, lang, &b);
    } else {
        const relais_case_summary_t *c = &reply.cases[0];
        desk_buf_printf(&b, "<div class=\"scroll\"><table>\n<caption>%s</caption>\n<thead><tr><th scope=\"col\">%s</th>"
                            "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
                            "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr></thead>\n"
                            "<tbody><tr>",
                        T(lang, "Où il en est", "Where it stands"), T(lang, "Enfant", "Child"),
                        T(lang, "École", "School"), T(lang, "Urgence", "Urgency"), T(lang, "État", "State"),
                        T(lang, "Statut (FHIR)", "Status (FHIR)"), T(lang, "Motif", "Reason"),
                        T(lang, "Mis à jour", "Updated"));
        s_summary_cells(c, lang, &b);
        desk_buf_put(&b, "</tr></tbody>\n</table></div>\n");
        desk_buf_printf(&b, "<h2>%s</h2>\n<p>%s</p>\n", T(lang, "Historique", "History"),
                        T(lang, "Son arrivée, puis, une fois que la coordination vous a associé au suivi, l'état "
                                "de la situation après chaque étape.",
                          "Its arrival, then, once the coordination shared the follow-up with you, the status after "
                          "each step."));
        desk_buf_printf(&b, "<div class=\"scroll\"><table>\n<caption>");
        desk_buf_printf(&b, T(lang, "%zu étape(s)", "%zu step(s)"), reply.event_count);
        desk_buf_printf(&b, "</caption>\n<thead><tr><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
                            "<th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr></thead>\n<tbody>\n",
                        T(lang, "Date", "Date"), T(lang, "État", "State"), T(lang, "Statut (FHIR)", "Status (FHIR)"),
                        T(lang, "Motif", "Reason"));
        for (size_t i = 0; i < reply.event_count; i++) {
            const relais_case_event_t *e = &reply.events[i];
            char when[64];
            relais_cli_date_time(e->status.updated_ms, lang, when, sizeof when);
            desk_buf_put(&b, "<tr><th scope=\"row\">");
            desk_buf_text(&b, when);
            desk_buf_put(&b, "</th>");
            s_status_cells(&e->status, lang, &b);
            desk_buf_put(&b, "</tr>\n");
        }
        desk_buf_put(&b, "</tbody>\n</table></div>\n");
        relais_reply_clear(&reply);
    }
    desk_buf_printf(&b, "<p><a href=\"/\">%s</a></p>\n", T(lang, "Mes signalements", "My referrals"));
    desk_page_end(lang, &b);
    return desk_http_send(r->desk, r->conn, rc ? MHD_HTTP_SERVICE_UNAVAILABLE : MHD_HTTP_OK, &b, r->made, NULL);
}

/* ---- Routes ------------------------------------------------------------------------------------------------ */

int desk_partner_route(const desk_request_t *r, enum MHD_Result *answer)
{
    if (r->get && strcmp(r->url, "/") == 0) {
        *answer = s_list(r);
        return 1;
    }
    if (desk_partner_refer_route(r, answer))
        return 1;
    if (r->get && strncmp(r->url, "/referrals/", 11) == 0 && !strchr(r->url + 11, '/')) {
        *answer = s_referral(r, r->url + 11);
        return 1;
    }
    return 0;
}
