/* reception.c -- the Tranquillité urbaine reception's pages on the desk: the register, newest first,
 * with the filters of `relais reception list`; an entry's page with its follow-up, its transfers and
 * their answers; the forms of every reception command (record, update, close, transfer); a register
 * extract to print; and, on the coordinator's and a partner's desks, the transfers made to them with
 * the form that answers one.
 *
 * Every page is a read of the hub (logged there); every form posts with the session's CSRF token and
 * sends the same payload `relais reception` sends (agents/page/reception_json.c). What the hub refuses
 * comes back beside the form, in a role="alert", with everything typed kept and, when the hub's
 * sentence names a field, that field marked invalid. French first, English with ?lang=en.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "desk_internal.h"
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

static const char *s_pick(const char *const *fr, const char *const *en, size_t count, int v, relais_cli_lang_t lang)
{
    if (v <= 0 || (size_t)v >= count)
        return "?";
    return lang == RELAIS_CLI_EN ? en[v] : fr[v];
}

#define S_PICK(fr, en, v, lang) s_pick(fr, en, sizeof fr / sizeof fr[0], (int)(v), lang)

static const char *const s_channel_fr[] = {"", "téléphone", "visite", "courrier", "courriel", "formulaire"};
static const char *const s_channel_en[] = {"", "call", "visit", "letter", "e-mail", "form"};
static const char *const s_category_fr[] = {"", "bruit", "conflit de voisinage", "incivilité", "espace public",
                                            "stationnement et circulation", "aide aux victimes", "objets trouvés",
                                            "information sur un arrêté", "autre"};
static const char *const s_category_en[] = {"", "noise", "neighbourhood dispute", "incivility", "public space",
                                            "parking and traffic", "victim support", "lost property",
                                            "decree information", "other"};
static const char *const s_handling_fr[] = {"", "répondu sur place", "suite à donner", "transmis", "clos"};
static const char *const s_handling_en[] = {"", "answered on the spot", "to follow up", "transferred", "closed"};
static const char *const s_recipient_fr[] = {"", "police municipale", "police nationale",
                                             "association d'aide aux victimes", "autre service municipal",
                                             "partenaire ou coordination du réseau"};
static const char *const s_recipient_en[] = {"", "police municipale", "police nationale",
                                             "victim support association", "another service of the town",
                                             "a partner or the coordinator of the hub"};
static const char *const s_means_fr[] = {"", "par le réseau", "par téléphone", "par courriel", "par courrier",
                                         "en main propre"};
static const char *const s_means_en[] = {"", "through the hub", "by phone", "by e-mail", "by letter", "in person"};

/* ---- What a request brings ------------------------------------------------------------------------- */

const char *desk_r_arg(struct MHD_Connection *conn, const char *key)
{
    const char *v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, key);
    return v ? v : "";
}

/* A field as typed, "" when the form did not post it; the note and the description are slots of the
 * form's own (a case's move posts them). */
const char *desk_r_typed(const desk_form_t *form, const char *key)
{
    if (!form)
        return "";
    if (strcmp(key, "note") == 0)
        return form->note ? form->note : "";
    if (strcmp(key, "description") == 0)
        return form->description ? form->description : "";
    const char *v = desk_form_get(form, key);
    return v ? v : "";
}

const char *desk_r_or_null(const char *v)
{
    return v && *v ? v : NULL;
}

void desk_r_when(int64_t ms, relais_cli_lang_t lang, char *out, size_t cap)
{
    relais_cli_date_time(ms, lang, out, cap);
}

int64_t desk_r_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- A form shown again ---------------------------------------------------------------------------- */

const char *desk_r_value(const desk_r_view_t *v, const char *form, const char *key)
{
    return v && v->form && strcmp(v->form, form) == 0 ? desk_r_typed(v->typed, key) : "";
}

static int s_invalid(const desk_r_view_t *v, const char *form, const char *key)
{
    return v && v->form && strcmp(v->form, form) == 0 && strcmp(v->field, key) == 0;
}

/* The alert beside form `form`, when it is the one that did not go through. */
void desk_r_alert(const desk_r_view_t *v, const char *form, desk_buf_t *b)
{
    if (!v || !v->form || strcmp(v->form, form) != 0 || !v->alert[0])
        return;
    /* an action kept in the desk's queue is no error: a status, and the way to the queue's page */
    desk_buf_printf(b, "<p class=\"%s\" role=\"%s\" id=\"%s-error\">", v->queued ? "notice" : "alert",
                    v->queued ? "status" : "alert", form);
    desk_buf_text(b, v->alert);
    if (v->queued)
        desk_queued_link(v->lang, b);
    desk_buf_put(b, "</p>\n");
}

/* The attributes of a control the sentence names: invalid, and described by the sentence. */
static void s_invalid_attrs(const desk_r_view_t *v, const char *form, const char *key, desk_buf_t *b)
{
    if (s_invalid(v, form, key))
        desk_buf_printf(b, " aria-invalid=\"true\" aria-describedby=\"%s-error\"", form);
}

/* A labelled input named `key`, its id the form's and the key's, its hint said once. */
void desk_r_input(desk_buf_t *b, const desk_r_view_t *v, const char *form, const char *type, const char *key,
                    const char *label, const char *hint, const char *value, int required)
{
    desk_buf_printf(b, "<div class=\"field\"><label for=\"%s-%s\">%s%s</label>", form, key, label,
                    required ? " *" : "");
    if (hint)
        desk_buf_printf(b, "<span class=\"hint\" id=\"%s-%s-hint\">%s</span>", form, key, hint);
    desk_buf_printf(b, "<input type=\"%s\" id=\"%s-%s\" name=\"%s\"%s", type, form, key, key,
                    required ? " required" : "");
    if (s_invalid(v, form, key))
        s_invalid_attrs(v, form, key, b);
    else if (hint)
        desk_buf_printf(b, " aria-describedby=\"%s-%s-hint\"", form, key);
    desk_buf_put(b, " value=\"");
    desk_buf_text(b, value);
    desk_buf_put(b, "\"></div>\n");
}

void desk_r_area(desk_buf_t *b, const desk_r_view_t *v, const char *form, const char *key, const char *label,
                   const char *value, int required)
{
    desk_buf_printf(b, "<div class=\"field\"><label for=\"%s-%s\">%s%s</label><textarea id=\"%s-%s\" name=\"%s\" "
                       "rows=\"4\"%s",
                    form, key, label, required ? " *" : "", form, key, key, required ? " required" : "");
    s_invalid_attrs(v, form, key, b);
    desk_buf_put(b, ">");
    desk_buf_lines(b, value);
    desk_buf_put(b, "</textarea></div>\n");
}

/* A select of an enum's values by their command names, the first option "" when `blank` says what it means. */
void desk_r_select(desk_buf_t *b, const desk_r_view_t *v, const char *form, const char *key, const char *label,
                     const char *blank, const char *const *fr, const char *const *en, int count,
                     const char *(*name)(int), const char *selected, relais_cli_lang_t lang)
{
    desk_buf_printf(b, "<div class=\"field\"><label for=\"%s-%s\">%s%s</label><select id=\"%s-%s\" name=\"%s\"%s",
                    form, key, label, blank ? "" : " *", form, key, key, blank ? "" : " required");
    s_invalid_attrs(v, form, key, b);
    desk_buf_put(b, ">\n");
    if (blank)
        desk_buf_printf(b, "<option value=\"\">%s</option>\n", blank);
    for (int i = 1; i < count; i++) {
        const char *n = name(i);
        if (!n)
            continue;
        desk_buf_printf(b, "<option value=\"%s\"%s>%s</option>\n", n, strcmp(selected, n) == 0 ? " selected" : "",
                        lang == RELAIS_CLI_EN ? en[i] : fr[i]);
    }
    desk_buf_put(b, "</select></div>\n");
}

static const char *s_channel_name(int v) { return relais_channel_name((relais_channel_t)v); }
static const char *s_category_name(int v) { return relais_category_name((relais_category_t)v); }
static const char *s_recipient_name(int v) { return relais_recipient_name((relais_recipient_t)v); }
static const char *s_means_name(int v)
{
    return v == RELAIS_MEANS_BY_HUB ? NULL : relais_means_name((relais_means_t)v); /* the hub's means is its own */
}

void desk_r_check(desk_buf_t *b, const desk_r_view_t *v, const char *form, const char *key, const char *label,
                    int checked)
{
    desk_buf_printf(b, "<div class=\"choice\"><input type=\"checkbox\" id=\"%s-%s\" name=\"%s\" value=\"1\"%s>"
                       "<label for=\"%s-%s\">%s</label></div>\n",
                    form, key, key, checked ? " checked" : "", form, key, label);
    (void)v;
}

void desk_r_form_open(desk_buf_t *b, const desk_session_t *s, const desk_r_view_t *v, const char *form,
                        const char *action)
{
    desk_buf_put(b, "<form method=\"post\" action=\"");
    desk_buf_text(b, action);
    desk_buf_put(b, "\"");
    if (v && v->form && strcmp(v->form, form) == 0 && v->alert[0])
        desk_buf_printf(b, " aria-describedby=\"%s-error\"", form);
    desk_buf_printf(b, ">\n<input type=\"hidden\" name=\"csrf\" value=\"%s\">\n", s->csrf);
    desk_form_once(b, v && v->form && strcmp(v->form, form) == 0 ? v->typed : NULL);
}

/* ---- The hub ------------------------------------------------------------------------------------- */

int desk_r_call(relais_desk_t *desk, desk_r_call_fn fn, const void *arg, void *out, desk_r_call_t *c)
{
    *c = (desk_r_call_t){0};
    pthread_mutex_lock(&desk->hub_lock);
    c->was_up = relais_client_is_connected(desk->hub);
    relais_status_clear();
    int rc = fn(desk->hub, arg, out, &c->err);
    c->is_up = relais_client_is_connected(desk->hub);
    if (rc)
        snprintf(c->why, sizeof c->why, "%s", relais_status_detail());
    if (rc == RELAIS_E_TIMEOUT && !c->err.message[0])
        relais_client_diagnose(desk->hub, c->err.message, sizeof c->err.message);
    pthread_mutex_unlock(&desk->hub_lock);
    return rc;
}

/* Signs the payload `key` around `body` (stolen) and submits it, as `relais reception` does, the
 * desk's queue in memory for the command's spool on disk: when the hub does not answer, the form
 * comes back with what was typed and says the action waits. 0 or the client's status. */
int desk_r_submit(relais_desk_t *desk, const char *key, json_t *body, const desk_what_t *what, desk_r_sent_t *out)
{
    *out = (desk_r_sent_t){0};
    char *json = relais_rcli_payload(key, body);
    if (!json) {
        snprintf(out->call.why, sizeof out->call.why, "out of memory");
        return RELAIS_E_NOMEM;
    }
    desk_sent_t *sent = malloc(sizeof *sent);
    if (!sent) {
        sodium_memzero(json, strlen(json));
        free(json);
        snprintf(out->call.why, sizeof out->call.why, "out of memory");
        return RELAIS_E_NOMEM;
    }
    int rc = desk_hub_send(desk, desk_sign_json, json, what, sent);
    sodium_memzero(json, strlen(json)); /* what was typed about a resident */
    free(json);
    out->ack = sent->ack;
    out->call.err = sent->err;
    snprintf(out->call.why, sizeof out->call.why, "%s", sent->why);
    out->call.was_up = sent->was_up;
    out->call.is_up = sent->is_up;
    out->queued = sent->queued;
    free(sent);
    return rc;
}

/* The field a refusal's sentence names: "contact.subject: required; …" is the form's "subject". */
static void s_named_field(const char *sentence, char *out, size_t cap)
{
    out[0] = '\0';
    const char *dot = strchr(sentence, '.'), *colon = strchr(sentence, ':');
    if (!dot || !colon || dot > colon || colon - dot - 1 <= 0 || (size_t)(colon - dot - 1) >= cap)
        return;
    for (const char *p = dot + 1; p < colon; p++)
        if (!((*p >= 'a' && *p <= 'z') || *p == '_'))
            return;
    snprintf(out, cap, "%.*s", (int)(colon - dot - 1), dot + 1);
}

/* How a payload that did not go through is told, and its status: in the words a case's move is told
 * (desk_outcome_sentence). */
unsigned desk_r_not_through(int rc, const desk_r_sent_t *sent, relais_cli_lang_t lang, desk_r_view_t *v)
{
    if (sent->queued) {
        desk_outcome_sentence(lang, DESK_MOVE_QUEUED, 0, NULL, v->alert, sizeof v->alert);
        v->queued = 1;
        v->lang = lang;
        return MHD_HTTP_ACCEPTED;
    }
    if (rc == RELAIS_E_TIMEOUT || rc == RELAIS_E_UNAVAILABLE) {
        /* a write that timed out on a connection that was up may have been stored */
        int maybe = rc == RELAIS_E_TIMEOUT && (sent->call.was_up || sent->call.is_up);
        desk_outcome_sentence(lang, maybe ? DESK_MOVE_NO_ANSWER : DESK_MOVE_NOT_SENT, 0,
                              sent->call.err.message[0] ? sent->call.err.message : sent->call.why, v->alert,
                              sizeof v->alert);
        return MHD_HTTP_SERVICE_UNAVAILABLE;
    }
    const char *sentence = sent->call.err.status ? sent->call.err.message : sent->call.why;
    s_named_field(sentence, v->field, sizeof v->field);
    desk_outcome_sentence(lang, sent->call.err.status ? DESK_MOVE_REFUSED : DESK_MOVE_INVALID, sent->call.err.status,
                          sentence, v->alert, sizeof v->alert);
    return sent->call.err.status ? MHD_HTTP_CONFLICT : MHD_HTTP_UNPROCESSABLE_CONTENT;
}

/* A refusal of the desk's own, before anything is sent, naming its field. */
unsigned desk_r_refuse(desk_r_view_t *v, const char *field, const char *sentence, relais_cli_lang_t lang)
{
    snprintf(v->field, sizeof v->field, "%s", field);
    snprintf(v->alert, sizeof v->alert, T(lang, "Non envoyé : %s", "Not sent: %s"), sentence);
    return MHD_HTTP_UNPROCESSABLE_CONTENT;
}

/* ---- Reading the hub ------------------------------------------------------------------------------- */

static int s_read_list(relais_client_t *hub, const void *filter, void *out, relais_error_t *err)
{
    return relais_client_reception_list(hub, filter, out, err);
}

static int s_read_show(relais_client_t *hub, const void *entry, void *out, relais_error_t *err)
{
    return relais_client_reception_show(hub, entry, out, err);
}

void desk_r_note(desk_buf_t *b, const char *note, relais_cli_lang_t lang)
{
    if (!note || !note[0])
        return;
    desk_buf_put(b, T(lang, " : « ", ": “"));
    desk_buf_lines(b, note);
    desk_buf_put(b, T(lang, " »", "”"));
}

int desk_r_one(int rc, relais_reply_t *reply, size_t count, const char *missing, char *why, size_t cap)
{
    if (rc == 0 && !count) {
        relais_reply_clear(reply);
        snprintf(why, cap, "%s", missing);
        return RELAIS_E_MALFORMED;
    }
    return rc;
}

enum MHD_Result desk_r_unread(desk_request_t *r, int rc, const char *title, const char *why)
{
    return desk_http_say(r->desk, r->conn, rc == RELAIS_E_NOT_FOUND ? MHD_HTTP_NOT_FOUND : desk_r_read_status(rc), r->s,
                         r->s->lang, title, why, r->made);
}

/* A read; on failure, the sentence to show in `why`. */
int desk_r_read(relais_desk_t *desk, desk_r_call_fn fn, const void *arg, relais_reply_t *out, relais_cli_lang_t lang,
                  char *why, size_t cap)
{
    desk_r_call_t c;
    int rc = desk_r_call(desk, fn, arg, out, &c);
    if (rc)
        snprintf(why, cap, "%s%s",
                 rc == RELAIS_E_TIMEOUT ? T(lang, "Le hub ne répond pas : ", "The hub does not answer: ")
                                        : T(lang, "Le hub répond : ", "The hub says: "),
                 c.err.message[0] ? c.err.message : c.why);
    return rc;
}

/* A page's reading of the register, then its frame and title; the read's status, its sentence in why. */
static int s_list_begin(desk_request_t *r, const relais_request_t *f, const char *title, const char *page,
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

/* What kept a page from being read, where it was to be. */
void desk_r_trouble(desk_buf_t *b, const char *why)
{
    desk_buf_put(b, "<p class=\"alert\" role=\"alert\">");
    desk_buf_text(b, why);
    desk_buf_put(b, "</p>\n");
}

unsigned desk_r_read_status(int rc)
{
    return rc == RELAIS_E_TIMEOUT || rc == RELAIS_E_UNAVAILABLE ? MHD_HTTP_SERVICE_UNAVAILABLE
           : rc == RELAIS_E_FORBIDDEN                           ? MHD_HTTP_FORBIDDEN
                                                                : MHD_HTTP_BAD_GATEWAY;
}

/* ---- The register ---------------------------------------------------------------------------------- */

/* A query string's value, percent-encoded. */
void desk_r_url_value(desk_buf_t *u, const char *v)
{
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
            *p == '_' || *p == '.')
            desk_buf_putn(u, (const char *)p, 1);
        else
            desk_buf_printf(u, "%%%02X", *p);
    }
}

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
    desk_r_select(b, NULL, "filter", "category", T(lang, "Catégorie", "Category"), T(lang, "toutes", "all"), s_category_fr,
             s_category_en, RELAIS_CATEGORY_COUNT, s_category_name, desk_r_arg(conn, "category"), lang);
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

void desk_r_next_link(desk_buf_t *b, struct MHD_Connection *conn, const char *path, const char *const *keys,
                      size_t key_count, uint64_t before, const char *said, relais_cli_lang_t lang)
{
    desk_buf_t u = {0};
    desk_buf_printf(&u, "%s?", path);
    for (size_t i = 0; i < key_count; i++)
        if (*desk_r_arg(conn, keys[i])) {
            desk_buf_printf(&u, "%s=", keys[i]);
            desk_r_url_value(&u, desk_r_arg(conn, keys[i]));
            desk_buf_put(&u, "&");
        }
    desk_buf_printf(&u, "before=%" PRIu64, before);
    desk_buf_printf(b, "<nav aria-label=\"%s\"><a rel=\"next\" href=\"", T(lang, "Pages", "Pages"));
    desk_buf_text(b, u.data ? u.data : path);
    desk_buf_printf(b, "\">%s</a></nav>\n", said);
    desk_buf_free(&u);
}

/* An entry's place: "12 Rue Houdan". */
static void s_place(const relais_contact_record_t *e, char *out, size_t cap)
{
    snprintf(out, cap, "%s%s%s", e->house_number, e->house_number[0] && e->street[0] ? " " : "", e->street);
}

static void s_entry_row(const relais_contact_record_t *e, relais_cli_lang_t lang, desk_buf_t *b)
{
    char handle[RELAIS_CASE_ID_LEN], when[48], place[2 * RELAIS_CONTACT_LABEL_LEN], due[32] = "";
    relais_entry_handle(e->seq, handle);
    desk_r_when(e->occurred_ms, lang, when, sizeof when);
    s_place(e, place, sizeof place);
    if (e->response_due_date[0])
        relais_cli_date(e->response_due_date, lang, due, sizeof due);
    desk_buf_printf(b, "<tr><th scope=\"row\"><a href=\"/register/%s\">%s</a></th><td>%s</td><td>%s</td><td>%s</td>"
                       "<td>",
                    handle, handle, when, S_PICK(s_channel_fr, s_channel_en, e->channel, lang),
                    S_PICK(s_category_fr, s_category_en, e->category, lang));
    desk_buf_text(b, e->subject);
    desk_buf_put(b, "</td><td>");
    desk_buf_text(b, place);
    desk_buf_printf(b, "</td><td>%s%s</td><td>%s</td></tr>\n", S_PICK(s_handling_fr, s_handling_en, e->handling, lang),
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
    int rc = s_list_begin(r, &f, T(lang, "Registre de l'accueil", "The reception's register"), "register", &reply, why,
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
    desk_r_select(b, v, f, "channel", T(lang, "Canal", "Channel"), NULL, s_channel_fr, s_channel_en, RELAIS_CHANNEL_COUNT,
             s_channel_name, desk_r_value(v, f, "channel"), lang);
    desk_r_select(b, v, f, "category", T(lang, "Catégorie", "Category"), NULL, s_category_fr, s_category_en,
             RELAIS_CATEGORY_COUNT, s_category_name, desk_r_value(v, f, "category"), lang);
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

/* The street typed, as the town's list spells it; else the sentence that refuses it into v. */
int desk_r_street(relais_desk_t *desk, const char *typed, char *out, size_t cap, desk_r_view_t *v, relais_cli_lang_t lang)
{
    char why[512], sentence[700];
    if (!desk->streets) {
        desk_r_refuse(v, "street",
                 T(lang, "ce desk n'a pas la liste des voies de la ville (relais desk --streets FICHIER) : une rue ne "
                         "peut pas être vérifiée.",
                   "this desk has no street list of the town (relais desk --streets FILE): a street cannot be "
                   "checked."),
                 lang);
        return RELAIS_E_INVALID;
    }
    if (relais_streets_resolve(desk->streets, typed, out, cap, why, sizeof why) == 0)
        return 0;
    snprintf(sentence, sizeof sentence, "%s %s", T(lang, "rue :", "street:"), why);
    desk_r_refuse(v, "street", sentence, lang);
    return RELAIS_E_NOT_FOUND;
}

/* After a write the hub took: where it shows, saying so. */
static enum MHD_Result s_done(desk_request_t *r, const char *entry, const char *said)
{
    char where[RELAIS_CASE_ID_LEN + 64];
    snprintf(where, sizeof where, "/register/%s?done=%s", entry, said);
    return desk_http_redirect(r->desk, r->conn, where, r->made);
}

/* The form's token first: nothing is read from a form that is not this session's. */
int desk_r_form_ok(desk_request_t *r, desk_r_view_t *v, unsigned *status)
{
    relais_cli_lang_t lang = r->s->lang;
    if (!desk_csrf_ok(r->s, r->form)) {
        desk_outcome_sentence(lang, DESK_MOVE_EXPIRED, 0, NULL, v->alert, sizeof v->alert);
        *status = MHD_HTTP_FORBIDDEN;
        return 0;
    }
    if (r->too_big) {
        snprintf(v->alert, sizeof v->alert, "%s",
                 T(lang, "Non envoyé : le formulaire est trop long pour le hub.",
                   "Not sent: the form is too long for the hub."));
        *status = MHD_HTTP_CONTENT_TOO_LARGE;
        return 0;
    }
    return 1;
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
    snprintf(what.fr, sizeof what.fr, "Nouvelle fiche du registre (%s)", s_channel_fr[c.channel]);
    snprintf(what.en, sizeof what.en, "New register entry (%s)", s_channel_en[c.channel]);
    desk_r_sent_t sent;
    int rc = desk_r_submit(desk, "contact", relais_rcli_contact_json(&c), &what, &sent);
    if (rc == 0)
        return s_done(r, sent.ack.case_id, "recorded");
    return s_record_page(r, desk_r_not_through(rc, &sent, lang, &v), &v);
}

/* ---- An entry's page ------------------------------------------------------------------------------- */

void desk_r_dl(desk_buf_t *b, const char *label, const char *value)
{
    desk_buf_printf(b, "<dt>%s</dt><dd>", label);
    desk_buf_lines(b, value);
    desk_buf_put(b, "</dd>\n");
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
                            S_PICK(s_category_fr, s_category_en, u.category, lang));
        s_changed(b, T(lang, "objet :", "subject:"), u.subject, NULL);
        s_changed(b, T(lang, "lieu :", "place:"), u.house_number, u.street);
        s_changed(b, T(lang, "accusé de réception envoyé le", "acknowledged on"), u.acknowledged_date, NULL);
        s_changed(b, T(lang, "réponse due le", "answer due on"), u.response_due_date, NULL);
        note = u.note;
    } else if (relais_message_transfer(msg, &t) == 0) {
        relais_transfer_handle(lr.seq, th);
        desk_buf_printf(b, "%s %s %s (", th, T(lang, "transmis à", "transferred to"),
                        S_PICK(s_recipient_fr, s_recipient_en, t.recipient, lang));
        desk_buf_text(b, t.recipient_name);
        desk_buf_printf(b, "), %s", S_PICK(s_means_fr, s_means_en, t.means, lang));
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
                        S_PICK(s_recipient_fr, s_recipient_en, t->recipient, lang));
        desk_buf_text(b, t->recipient_name);
        desk_buf_printf(b, ")</td><td>%s</td><td>", S_PICK(s_means_fr, s_means_en, t->means, lang));
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
             s_category_fr, s_category_en, RELAIS_CATEGORY_COUNT, s_category_name, desk_r_value(v, "update", "category"),
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
                    S_PICK(s_channel_fr, s_channel_en, e->channel, lang));
    desk_r_dl(&b, T(lang, "Saisie par", "Recorded by"), e->sender);
    desk_r_dl(&b, T(lang, "Catégorie", "Category"), S_PICK(s_category_fr, s_category_en, e->category, lang));
    s_place(e, place, sizeof place);
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
                    S_PICK(s_handling_fr, s_handling_en, e->handling, lang),
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
        return s_done(r, entry, said);
    status = desk_r_not_through(rc, &sent, lang, &v);
    return s_entry_page(r, entry, status, &v);
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
    if (strncmp(url, "/register/", 10) == 0) {
        const char *ref = url + 10, *slash = strchr(ref, '/');
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
    int rc = s_list_begin(r, &f, T(lang, "Transferts reçus de l'accueil", "Transfers from the reception"), "transfers",
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
        s_place(e, place, sizeof place);
        desk_buf_printf(&b, "<section aria-labelledby=\"e-%s\">\n<h2 id=\"e-%s\">%s — ", handle, handle, handle);
        desk_buf_text(&b, e->subject);
        desk_buf_printf(&b, "</h2>\n<dl>\n<dt>%s</dt><dd>%s (%s)</dd>\n", T(lang, "Reçue le", "Came on"), when,
                        S_PICK(s_channel_fr, s_channel_en, e->channel, lang));
        desk_r_dl(&b, T(lang, "Catégorie", "Category"), S_PICK(s_category_fr, s_category_en, e->category, lang));
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
