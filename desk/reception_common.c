/* reception_common.c -- what the reception's pages share: the register's (reception.c,
 * reception_entry.c), the lost and found's (lost_pages.c) and the decrees' (decree_pages.c). A
 * request's values; a form shown again, its controls and the sentence beside it; the hub's one
 * client called under its lock, a payload signed and submitted (kept in the desk's queue when the hub
 * does not answer), what the hub or the desk refused said in the person's words; a read and what kept
 * a page from it; the link to a list's next page; a street as the town's list spells it.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "desk_internal.h"
#include "relais_page.h"
#include "relais_streets.h"

#define T(lang, fr, en) DESK_T(lang, fr, en)

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

/* ---- A list's next page, a street, a form's token, a line of a <dl> ------------------------------- */

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

void desk_r_dl(desk_buf_t *b, const char *label, const char *value)
{
    desk_buf_printf(b, "<dt>%s</dt><dd>", label);
    desk_buf_lines(b, value);
    desk_buf_put(b, "</dd>\n");
}
