/* http.c -- what the desk answers: who may ask (the gate), sessions, CSRF, the routes, the headers.
 *
 * Every request passes the gate first. In proxy mode it must carry the proxy's secret (when the
 * desk has one: X-Relais-Proxy-Secret, compared in constant time) and the user the proxy
 * authenticated (X-Remote-User), which must be the desk's person; in local mode its Host must be
 * the desk's own address (a page elsewhere cannot reach it by a name that resolves to 127.0.0.1).
 * Then the session: its cookie (HttpOnly, SameSite=Strict, Secure behind the proxy's TLS), got in
 * local mode by exchanging a one-time token, made on the first request in proxy mode (the proxy
 * has authenticated the person). Every POST carries the session's CSRF token. Every response
 * carries the Content-Security-Policy (no inline script or style, nothing from elsewhere) and
 * the headers that keep pages out of caches, frames and referrers.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "desk_internal.h"
#include "relais_page.h"

#define T(lang, fr, en) DESK_T(lang, fr, en)

#define S_MAX_BODY (128 * 1024) /* a move's form: the hub's messages are 64 KiB at most */
#define S_MAX_FIELD (32 * 1024)
#define S_EVENT_WAIT_MS 15000    /* an event stream says it is alive this often */

static const char s_csp[] = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
                            "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/* ---- A request's own state ---------------------------------------------------------------------- */

typedef struct {
    int started;
    struct MHD_PostProcessor *pp;
    desk_form_t form;
    size_t body;
    int too_big;
} s_req_t;

static const struct {
    const char *key;
    size_t offset;
} s_fields[] = {
    {"csrf", offsetof(desk_form_t, csrf)},
    {"from", offsetof(desk_form_t, from)},
    {"to", offsetof(desk_form_t, to)},
    {"note", offsetof(desk_form_t, note)},
    {"reason", offsetof(desk_form_t, reason)},
    {"redirect_to", offsetof(desk_form_t, redirect_to)},
    {"review_date", offsetof(desk_form_t, review_date)},
    {"diagnosis", offsetof(desk_form_t, diagnosis)},
    {"sub_status", offsetof(desk_form_t, sub_status)},
    {"kind", offsetof(desk_form_t, kind)},
    {"description", offsetof(desk_form_t, description)},
    {"partner", offsetof(desk_form_t, partner)},
    {"start", offsetof(desk_form_t, start)},
    {"frequency", offsetof(desk_form_t, frequency)},
    {"responsible", offsetof(desk_form_t, responsible)},
    {"action", offsetof(desk_form_t, action)},
    {"other", offsetof(desk_form_t, other)},
};

static char **s_field(desk_form_t *form, const char *key)
{
    for (size_t i = 0; i < sizeof s_fields / sizeof s_fields[0]; i++)
        if (strcmp(key, s_fields[i].key) == 0)
            return (char **)((char *)form + s_fields[i].offset);
    return NULL;
}

/* A field the forms of the reception and the partners name themselves (their names are the
 * payloads' fields): kept by name, in the order posted; a name posted again grows its value, as
 * libmicrohttpd hands a long value over in pieces. */
static char **s_extra_field(desk_form_t *form, const char *key)
{
    if (strlen(key) >= sizeof form->extra[0].key)
        return NULL;
    for (size_t i = 0; i < form->extra_count; i++)
        if (strcmp(form->extra[i].key, key) == 0)
            return &form->extra[i].value;
    if (form->extra_count == DESK_FORM_EXTRA)
        return NULL;
    desk_field_t *f = &form->extra[form->extra_count++];
    snprintf(f->key, sizeof f->key, "%s", key);
    f->value = NULL;
    return &f->value;
}

const char *desk_form_get(const desk_form_t *form, const char *key)
{
    for (size_t i = 0; i < form->extra_count; i++)
        if (strcmp(form->extra[i].key, key) == 0)
            return form->extra[i].value ? form->extra[i].value : "";
    return NULL;
}

int desk_csrf_ok(const desk_session_t *s, const desk_form_t *form)
{
    const char *csrf = form->csrf;
    size_t n = strlen(s->csrf);
    return csrf && strlen(csrf) == n && sodium_memcmp(csrf, s->csrf, n) == 0;
}

static enum MHD_Result s_post_field(void *cls, enum MHD_ValueKind kind, const char *key, const char *filename,
                                    const char *content_type, const char *transfer_encoding, const char *data,
                                    uint64_t off, size_t size)
{
    s_req_t *req = cls;
    (void)kind;
    (void)filename;
    (void)content_type;
    (void)transfer_encoding;
    (void)off;
    if (!key)
        return MHD_YES;
    char **slot = s_field(&req->form, key);
    if (!slot)
        slot = s_extra_field(&req->form, key);
    if (!slot) {
        req->too_big = 1; /* more fields than any form of ours has */
        return MHD_YES;
    }
    size_t have = *slot ? strlen(*slot) : 0;
    if (have + size > S_MAX_FIELD) {
        req->too_big = 1;
        return MHD_YES;
    }
    char *grown = realloc(*slot, have + size + 1);
    if (!grown) {
        req->too_big = 1;
        return MHD_YES;
    }
    memcpy(grown + have, data, size);
    grown[have + size] = '\0';
    *slot = grown;
    return MHD_YES;
}

static void s_form_free(desk_form_t *form)
{
    for (size_t i = 0; i < sizeof s_fields / sizeof s_fields[0]; i++) {
        char **slot = (char **)((char *)form + s_fields[i].offset);
        if (*slot) {
            sodium_memzero(*slot, strlen(*slot)); /* what was typed about a child */
            free(*slot);
            *slot = NULL;
        }
    }
    for (size_t i = 0; i < form->extra_count; i++) {
        if (form->extra[i].value) {
            sodium_memzero(form->extra[i].value, strlen(form->extra[i].value));
            free(form->extra[i].value);
        }
    }
    form->extra_count = 0;
}

void desk_http_done(void *cls, struct MHD_Connection *conn, void **req_cls, enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    s_req_t *req = *req_cls;
    if (!req)
        return;
    if (req->pp)
        MHD_destroy_post_processor(req->pp);
    s_form_free(&req->form);
    free(req);
    *req_cls = NULL;
}

/* ---- Answers ------------------------------------------------------------------------------------- */

static void s_headers(struct MHD_Response *resp, int page)
{
    MHD_add_response_header(resp, "Content-Security-Policy", s_csp);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Cross-Origin-Opener-Policy", "same-origin");
    MHD_add_response_header(resp, "Cross-Origin-Resource-Policy", "same-origin");
    MHD_add_response_header(resp, "Cache-Control", page ? "no-store" : "no-cache");
}

static void s_cookie(relais_desk_t *desk, struct MHD_Response *resp, const desk_cookie_t *c)
{
    char line[256];
    if (!c || (!c->id && !c->clear))
        return;
    snprintf(line, sizeof line, "%s=%s; Path=/; HttpOnly; SameSite=Strict%s%s", desk->cookie, c->clear ? "" : c->id,
             desk->proxied ? "; Secure" : "", c->clear ? "; Max-Age=0" : "");
    MHD_add_response_header(resp, "Set-Cookie", line);
}

/* Queues page `b` (taken: the response owns its bytes) with its status, the headers every answer
 * carries, a cookie and a Location when given. A page that could not be made (memory) is a 500. */
enum MHD_Result desk_http_send(relais_desk_t *desk, struct MHD_Connection *conn, unsigned status, desk_buf_t *b,
                              const desk_cookie_t *cookie, const char *location)
{
    static const char s_nomem[] = "relais desk: out of memory\n";
    struct MHD_Response *resp = NULL;
    if (!b->failed && b->data)
        resp = MHD_create_response_from_buffer(b->len, b->data, MHD_RESPMEM_MUST_FREE);
    if (resp) {
        *b = (desk_buf_t){0};
        MHD_add_response_header(resp, "Content-Type", "text/html; charset=utf-8");
    } else {
        desk_buf_free(b);
        resp = MHD_create_response_from_buffer(sizeof s_nomem - 1, (void *)s_nomem, MHD_RESPMEM_PERSISTENT);
        if (!resp)
            return MHD_NO;
        MHD_add_response_header(resp, "Content-Type", "text/plain; charset=utf-8");
        status = MHD_HTTP_INTERNAL_SERVER_ERROR;
        location = NULL;
    }
    s_headers(resp, 1);
    s_cookie(desk, resp, cookie);
    if (location)
        MHD_add_response_header(resp, "Location", location);
    enum MHD_Result rc = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);
    return rc;
}

enum MHD_Result desk_http_redirect(relais_desk_t *desk, struct MHD_Connection *conn, const char *location,
                                  const desk_cookie_t *cookie)
{
    desk_buf_t b = {0};
    desk_buf_put(&b, "<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\"><title>relais</title></head>"
                     "<body><p><a href=\"");
    desk_buf_text(&b, location);
    desk_buf_put(&b, "\">\xe2\x86\x92</a></p></body></html>\n");
    return desk_http_send(desk, conn, MHD_HTTP_SEE_OTHER, &b, cookie, location);
}

/* A page that says one thing, with its status. */
enum MHD_Result desk_http_say(relais_desk_t *desk, struct MHD_Connection *conn, unsigned status,
                             const desk_session_t *s, relais_cli_lang_t lang, const char *title, const char *sentence,
                             const desk_cookie_t *cookie)
{
    desk_buf_t b = {0};
    desk_page_message(desk, s, s ? s->lang : lang, title, sentence, &b);
    return desk_http_send(desk, conn, status, &b, cookie, NULL);
}

/* ---- The gate ------------------------------------------------------------------------------------ */

static const char *s_header(struct MHD_Connection *conn, const char *name)
{
    return MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
}

/* NULL when the request may come in, else why not (and the status is 403). `by_token`: the calendar's
 * subscription address, which a calendar program asks for through the proxy without a person. */
static const char *s_gate(relais_desk_t *desk, struct MHD_Connection *conn, int by_token)
{
    relais_cli_lang_t lang = desk->lang;
    if (desk->proxied) {
        if (desk->has_secret) {
            const char *given = s_header(conn, "X-Relais-Proxy-Secret");
            uint8_t hash[32];
            if (!given ||
                crypto_generichash(hash, sizeof hash, (const unsigned char *)given, strlen(given), NULL, 0) != 0 ||
                sodium_memcmp(hash, desk->secret_hash, sizeof hash) != 0)
                return T(lang, "Refusé : cette demande ne vient pas du proxy de ce desk (son secret manque ou n'est "
                               "pas le bon).",
                         "Refused: this request does not come through this desk's proxy (its secret is missing or "
                         "wrong).");
        }
        if (by_token)
            return NULL;
        const char *user = s_header(conn, "X-Remote-User");
        if (!user || !*user)
            return T(lang, "Refusé : le proxy n'a pas dit qui est authentifié (X-Remote-User).",
                     "Refused: the proxy did not say who is authenticated (X-Remote-User).");
        if (strcmp(user, desk->person) != 0)
            return T(lang, "Refusé : ce desk est celui d'une autre personne que celle que le proxy a authentifiée.",
                     "Refused: this desk is another person's than the one the proxy authenticated.");
        return NULL;
    }
    const char *host = s_header(conn, "Host");
    if (!host || (strcmp(host, desk->host) != 0 && strcmp(host, desk->host_alt) != 0))
        return T(lang, "Refusé : ce desk ne répond qu'à son adresse (http://127.0.0.1:PORT), celle qu'il a affichée.",
                 "Refused: this desk answers only at its own address (http://127.0.0.1:PORT), the one it printed.");
    return NULL;
}

/* ---- Sessions ------------------------------------------------------------------------------------ */

/* ?lang=fr or ?lang=en: the session's language from now on. */
static void s_take_lang(relais_desk_t *desk, struct MHD_Connection *conn, desk_session_t *s)
{
    const char *lang = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "lang");
    relais_cli_lang_t l;
    if (lang && relais_cli_lang_parse(lang, &l) == 0 && l != s->lang) {
        s->lang = l;
        desk_session_set_lang(desk, s->id, l);
    }
}

static enum MHD_Result s_login(relais_desk_t *desk, struct MHD_Connection *conn)
{
    relais_cli_lang_t lang = desk->lang;
    const char *token = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "token");
    desk_session_t s;
    if (token && desk_token_take(desk, token) == 0) {
        desk_session_open(desk, lang, &s);
        desk_cookie_t c = {.id = s.id};
        return desk_http_redirect(desk, conn, "/", &c);
    }
    if (token)
        return desk_http_say(desk, conn, MHD_HTTP_FORBIDDEN, NULL, lang, T(lang, "Adresse refusée", "Address refused"),
                     T(lang, "Cette adresse a déjà servi ou a plus de dix minutes. Demandez-en une nouvelle : touche "
                             "Entrée dans le terminal où relais desk tourne.",
                       "This address has been used already, or is more than ten minutes old. Ask for a new one: "
                       "press Enter in the terminal where relais desk runs."),
                     NULL);
    const char *cookie = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, desk->cookie);
    if (desk_session_find(desk, cookie, 0, &s) == 0)
        return desk_http_redirect(desk, conn, "/", NULL);
    return desk_http_say(desk, conn, MHD_HTTP_UNAUTHORIZED, NULL, lang, T(lang, "Connexion", "Log in"),
                 T(lang, "Aucune session ouverte, ou elle a expiré. Ouvrez l'adresse que relais desk affiche dans son "
                         "terminal (touche Entrée pour en avoir une nouvelle) : elle ne sert qu'une fois.",
                   "No session is open, or it has expired. Open the address relais desk prints in its terminal "
                   "(press Enter for a new one): it works once."),
                 NULL);
}

/* ---- The hub's reads and moves ------------------------------------------------------------------- */

static enum MHD_Result s_case(relais_desk_t *desk, struct MHD_Connection *conn, const desk_session_t *s,
                              const char *ref)
{
    relais_cli_lang_t lang = s->lang;
    char id[RELAIS_CASE_ID_LEN];
    if (relais_cli_case_ref(ref, RELAIS_CLI_REF_CASE | RELAIS_CLI_REF_HANDLE, id, sizeof id) != 0)
        return desk_http_say(desk, conn, MHD_HTTP_NOT_FOUND, s, lang, T(lang, "Pas de tel dossier", "No such case"),
                     T(lang, "Un dossier se nomme C-14, un signalement R-57.", "A case is named C-14, a referral R-57."),
                     NULL);
    relais_reply_t r;
    relais_error_t err = {0};
    pthread_mutex_lock(&desk->hub_lock);
    int rc = relais_client_case_show(desk->hub, id, &r, &err); /* a read: the hub logs it */
    if (rc == RELAIS_E_TIMEOUT && !err.message[0])
        relais_client_diagnose(desk->hub, err.message, sizeof err.message);
    pthread_mutex_unlock(&desk->hub_lock);
    if (rc == 0 && r.case_count == 0) {
        relais_reply_clear(&r);
        rc = RELAIS_E_MALFORMED;
        snprintf(err.message, sizeof err.message, "the hub sent no summary of %s", id);
    }
    if (rc) {
        char sentence[800];
        unsigned status = desk_read_failed(lang, rc, &err, sentence, sizeof sentence);
        return desk_http_say(desk, conn, status, s, lang, T(lang, "Dossier non lu", "Case not read"), sentence, NULL);
    }
    const char *moved = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "moved");
    uint64_t moved_seq = 0;
    if (moved && relais_cli_parse_u64(moved, &moved_seq) != 0)
        moved_seq = 0;
    desk_buf_t b = {0};
    desk_page_case(desk, s, &r, moved_seq, &b);
    relais_reply_clear(&r);
    return desk_http_send(desk, conn, MHD_HTTP_OK, &b, NULL, NULL);
}

static const char *s_or_null(const char *v)
{
    return v && *v ? v : NULL;
}

static int s_sign_update(relais_client_t *hub, const void *update, uint8_t msg_id[RELAIS_MSG_ID_BYTES], uint8_t **out,
                         size_t *len)
{
    return relais_client_case_update_sign(hub, update, msg_id, out, len);
}

int desk_sign_json(relais_client_t *hub, const void *json, uint8_t msg_id[RELAIS_MSG_ID_BYTES], uint8_t **out,
                   size_t *len)
{
    return relais_client_sign_json(hub, json, strlen(json), msg_id, out, len);
}

int desk_hub_send(relais_desk_t *desk, desk_sign_fn *sign, const void *arg, const desk_what_t *what,
                  desk_sent_t *out)
{
    *out = (desk_sent_t){0};
    uint8_t msg_id[RELAIS_MSG_ID_BYTES], *bytes = NULL;
    size_t len = 0;
    if (what && what->once[0] && desk_queue_has_once(desk, what->once)) {
        /* this form's action is queued already (sent twice): said again, not queued again */
        out->queued = 1;
        snprintf(out->err.message, sizeof out->err.message, "%s",
                 "this form's action is already in the desk's queue");
        return RELAIS_E_TIMEOUT;
    }
    pthread_mutex_lock(&desk->hub_lock);
    out->was_up = relais_client_is_connected(desk->hub);
    relais_status_clear();
    int rc = sign(desk->hub, arg, msg_id, &bytes, &len);
    if (rc == 0 && desk_queue_flush_locked(desk) > 0) {
        /* what waits goes first (a move made after another must not overtake it): this one waits too */
        rc = relais_status_set(RELAIS_E_TIMEOUT, "actions made before this one still wait for the hub");
    } else if (rc == 0) {
        rc = relais_client_submit_signed(desk->hub, bytes, len, &out->ack, &out->err);
    }
    out->is_up = relais_client_is_connected(desk->hub);
    if (rc && !out->err.status)
        snprintf(out->why, sizeof out->why, "%s", relais_status_detail());
    if (rc == RELAIS_E_TIMEOUT && !out->err.message[0])
        relais_client_diagnose(desk->hub, out->err.message, sizeof out->err.message);
    /* Not sent, sent and not answered, or refused for now (the hub busy): the same bytes go again
     * later, which the hub records once. */
    if (bytes && (rc == RELAIS_E_TIMEOUT || rc == RELAIS_E_UNAVAILABLE))
        out->queued = desk_queue_add_locked(desk, msg_id, bytes, len, what) == 0;
    pthread_mutex_unlock(&desk->hub_lock);
    if (bytes) {
        sodium_memzero(bytes, len);
        free(bytes);
    }
    return rc;
}

unsigned desk_read_failed(relais_cli_lang_t lang, int rc, const relais_error_t *err, char *sentence, size_t cap)
{
    const char *said = err->message[0] ? err->message : relais_status_detail();
    const char *words = rc != RELAIS_E_TIMEOUT && err->status ? desk_refusal_words(lang, err->status) : NULL;
    if (rc == RELAIS_E_TIMEOUT)
        snprintf(sentence, cap, T(lang, "Le hub ne répond pas : %s", "The hub does not answer: %s"), said);
    else if (words)
        desk_outcome_sentence(lang, DESK_MOVE_REFUSED, err->status, said, sentence, cap);
    else
        snprintf(sentence, cap, T(lang, "Le hub répond : %s", "The hub says: %s"), said);
    return rc == RELAIS_E_TIMEOUT || rc == RELAIS_E_UNAVAILABLE ? MHD_HTTP_SERVICE_UNAVAILABLE
           : rc == RELAIS_E_FORBIDDEN                           ? MHD_HTTP_FORBIDDEN
           : err->status                                        ? MHD_HTTP_NOT_FOUND
                                                                : MHD_HTTP_BAD_GATEWAY;
}

/* How an update that did not go through is answered: its status, what happened, the sentence. */
static void s_not_through(int rc, const desk_sent_t *sent, unsigned *status, desk_move_outcome_t *outcome,
                          int *hub_status, const char **sentence)
{
    *hub_status = 0;
    if (sent->queued) {
        *status = MHD_HTTP_ACCEPTED;
        *outcome = DESK_MOVE_QUEUED;
        *sentence = sent->err.message;
    } else if (rc == RELAIS_E_TIMEOUT) {
        *status = MHD_HTTP_SERVICE_UNAVAILABLE;
        *outcome = sent->was_up || sent->is_up ? DESK_MOVE_NO_ANSWER : DESK_MOVE_NOT_SENT;
        *sentence = sent->err.message;
    } else if (!sent->err.status) { /* refused here, before anything was sent: the detail names the field */
        *status = MHD_HTTP_UNPROCESSABLE_CONTENT;
        *outcome = DESK_MOVE_INVALID;
        *sentence = sent->why;
    } else {
        *status = MHD_HTTP_CONFLICT;
        *outcome = DESK_MOVE_REFUSED;
        *hub_status = sent->err.status;
        *sentence = sent->err.message;
    }
}

/* After an update the hub took: the case's page, saying the record's number. */
static enum MHD_Result s_recorded(relais_desk_t *desk, struct MHD_Connection *conn, const char *id, uint64_t seq,
                                  const desk_cookie_t *cookie)
{
    char where[RELAIS_CASE_ID_LEN + 64];
    snprintf(where, sizeof where, "/cases/%s?moved=%" PRIu64, id, seq);
    return desk_http_redirect(desk, conn, where, cookie);
}

static enum MHD_Result s_move_page(relais_desk_t *desk, struct MHD_Connection *conn, unsigned status,
                                   const desk_session_t *s, const char *id, const desk_form_t *form,
                                   desk_move_outcome_t outcome, int hub_status, const char *sentence,
                                   const desk_cookie_t *cookie)
{
    desk_buf_t b = {0};
    desk_page_move(desk, s, id, form, outcome, hub_status, sentence, &b);
    return desk_http_send(desk, conn, status, &b, cookie, NULL);
}

static enum MHD_Result s_move(relais_desk_t *desk, struct MHD_Connection *conn, const desk_session_t *s,
                              const char *ref, s_req_t *req, const desk_cookie_t *cookie)
{
    relais_cli_lang_t lang = s->lang;
    desk_form_t *f = &req->form;
    char id[RELAIS_CASE_ID_LEN];
    if (relais_cli_case_ref(ref, RELAIS_CLI_REF_CASE, id, sizeof id) != 0)
        return desk_http_say(desk, conn, MHD_HTTP_NOT_FOUND, s, lang, T(lang, "Pas de tel dossier", "No such case"),
                     T(lang, "Un dossier se nomme C-14.", "A case is named C-14."), cookie);
    /* The form's token first: nothing is read from a form that is not this session's. */
    if (!desk_csrf_ok(s, f))
        return s_move_page(desk, conn, MHD_HTTP_FORBIDDEN, s, id, f, DESK_MOVE_EXPIRED, 0, NULL, cookie);
    if (req->too_big)
        return s_move_page(desk, conn, MHD_HTTP_CONTENT_TOO_LARGE, s, id, f, DESK_MOVE_INVALID, 0,
                           T(lang, "le formulaire est trop long pour le hub", "the form is too long for the hub"),
                           cookie);
    relais_case_update_t u = {.case_id = id};
    desk_row_t row;
    u.from_state = relais_case_state_from_name(f->from ? f->from : "");
    if (!u.from_state && desk_model_row(desk->model, id, 0, &row) == 0)
        u.from_state = row.state;
    if (!f->to || !*f->to)
        return s_move_page(desk, conn, MHD_HTTP_UNPROCESSABLE_CONTENT, s, id, f, DESK_MOVE_INVALID, 0,
                           T(lang, "choisissez ce que vous faites", "choose what you do"), cookie);
    u.to_state = strcmp(f->to, "note") == 0 ? u.from_state : relais_case_state_from_name(f->to);
    if (!u.to_state || !u.from_state)
        return s_move_page(desk, conn, MHD_HTTP_UNPROCESSABLE_CONTENT, s, id, f, DESK_MOVE_INVALID, 0,
                           T(lang, "cet état n'existe pas", "there is no such state"), cookie);
    u.note = s_or_null(f->note);
    u.reason_code = s_or_null(f->reason);
    u.redirected_to = s_or_null(f->redirect_to);
    u.next_review_date = s_or_null(f->review_date);
    u.diagnosis = s_or_null(f->diagnosis);
    u.sub_status = s_or_null(f->sub_status);
    relais_pathway_action_t action = {
        .kind = f->kind && strcmp(f->kind, "collective") == 0 ? RELAIS_PATHWAY_COLLECTIVE : RELAIS_PATHWAY_INDIVIDUAL,
        .description = s_or_null(f->description),
        .partner = s_or_null(f->partner),
        .start_date = s_or_null(f->start),
        .frequency = s_or_null(f->frequency),
        .responsible = s_or_null(f->responsible),
    };
    if (action.description) {
        u.pathway = &action;
        u.pathway_count = 1;
    }
    desk_what_t what = {0};
    snprintf(what.link, sizeof what.link, "/cases/%.48s", id);
    desk_what_once(&what, f);
    if (u.to_state == u.from_state) {
        snprintf(what.fr, sizeof what.fr, "Note au dossier %s", id);
        snprintf(what.en, sizeof what.en, "Note on case %s", id);
    } else {
        snprintf(what.fr, sizeof what.fr, "Mouvement %s : %s \xe2\x86\x92 %s", id,
                 relais_page_state(u.from_state, RELAIS_CLI_FR), relais_page_state(u.to_state, RELAIS_CLI_FR));
        snprintf(what.en, sizeof what.en, "Move %s: %s \xe2\x86\x92 %s", id,
                 relais_page_state(u.from_state, RELAIS_CLI_EN), relais_page_state(u.to_state, RELAIS_CLI_EN));
    }
    desk_sent_t sent;
    int rc = desk_hub_send(desk, s_sign_update, &u, &what, &sent);
    if (rc == 0)
        return s_recorded(desk, conn, id, sent.ack.seq, cookie);
    unsigned status;
    desk_move_outcome_t outcome;
    int hub_status;
    const char *sentence;
    s_not_through(rc, &sent, &status, &outcome, &hub_status, &sentence);
    return s_move_page(desk, conn, status, s, id, f, outcome, hub_status, sentence, cookie);
}

static enum MHD_Result s_dup_page(relais_desk_t *desk, struct MHD_Connection *conn, unsigned status,
                                  const desk_session_t *s, const char *id, const char *other, const desk_form_t *form,
                                  desk_move_outcome_t outcome, int hub_status, const char *sentence,
                                  const desk_cookie_t *cookie)
{
    desk_buf_t b = {0};
    desk_page_duplicate(desk, s, id, other, form, outcome, hub_status, sentence, &b);
    return desk_http_send(desk, conn, status, &b, cookie, NULL);
}

/* The coordinator's answer to a possible duplicate, the update `relais case merge` or `relais case
 * dismiss` sends: merged, this case goes to entered-in-error into the other; dismissed, it takes a
 * note and the flag goes. */
static enum MHD_Result s_duplicate(relais_desk_t *desk, struct MHD_Connection *conn, const desk_session_t *s,
                                   const char *ref, s_req_t *req, const desk_cookie_t *cookie)
{
    relais_cli_lang_t lang = s->lang;
    desk_form_t *f = &req->form;
    char id[RELAIS_CASE_ID_LEN], other[RELAIS_CASE_ID_LEN];
    if (relais_cli_case_ref(ref, RELAIS_CLI_REF_CASE, id, sizeof id) != 0)
        return desk_http_say(desk, conn, MHD_HTTP_NOT_FOUND, s, lang, T(lang, "Pas de tel dossier", "No such case"),
                     T(lang, "Un dossier se nomme C-14.", "A case is named C-14."), cookie);
    /* The other case as the hub spells it, read only to show its forms again: nothing is acted on
     * before the token is known to be this session's. */
    const char *named = f->other && relais_cli_case_ref(f->other, RELAIS_CLI_REF_CASE, other, sizeof other) == 0
                            ? other
                            : NULL;
    if (!desk_csrf_ok(s, f))
        return s_dup_page(desk, conn, MHD_HTTP_FORBIDDEN, s, id, named, f, DESK_MOVE_EXPIRED, 0, NULL, cookie);
    if (req->too_big)
        return s_dup_page(desk, conn, MHD_HTTP_CONTENT_TOO_LARGE, s, id, named, f, DESK_MOVE_INVALID, 0,
                          T(lang, "le formulaire est trop long pour le hub", "the form is too long for the hub"),
                          cookie);
    if (!named) {
        char why[160];
        if (!f->other || !*f->other)
            snprintf(why, sizeof why, "%s",
                     T(lang, "le formulaire ne nomme pas l'autre dossier", "the form does not name the other case"));
        else /* quoted as typed, cut short: the page writes it as text */
            snprintf(why, sizeof why,
                     T(lang, "« %.40s » n'est pas un numéro de dossier (un dossier se nomme C-14)",
                       "\xe2\x80\x9c%.40s\xe2\x80\x9d is not a case number (a case is named C-14)"),
                     f->other);
        return s_dup_page(desk, conn, MHD_HTTP_UNPROCESSABLE_CONTENT, s, id, NULL, f, DESK_MOVE_INVALID, 0, why,
                          cookie);
    }
    if (strcmp(other, id) == 0)
        return s_dup_page(desk, conn, MHD_HTTP_UNPROCESSABLE_CONTENT, s, id, NULL, f, DESK_MOVE_INVALID, 0,
                          T(lang, "un dossier n'est pas le doublon de lui-même",
                            "a case is not a duplicate of itself"),
                          cookie);
    int merge = f->action && strcmp(f->action, "merge") == 0;
    if (!merge && !(f->action && strcmp(f->action, "dismiss") == 0))
        return s_dup_page(desk, conn, MHD_HTTP_UNPROCESSABLE_CONTENT, s, id, other, f, DESK_MOVE_INVALID, 0,
                          T(lang, "choisissez : fusionner, ou pas un doublon", "choose: merge, or not a duplicate"),
                          cookie);
    relais_case_update_t u = {.case_id = id, .note = s_or_null(f->note)};
    desk_row_t row;
    u.from_state = relais_case_state_from_name(f->from ? f->from : "");
    if (!u.from_state && desk_model_row(desk->model, id, 0, &row) == 0)
        u.from_state = row.state;
    if (!u.from_state)
        return s_dup_page(desk, conn, MHD_HTTP_UNPROCESSABLE_CONTENT, s, id, other, f, DESK_MOVE_INVALID, 0,
                          T(lang, "l'état du dossier n'est pas connu : ouvrez à nouveau sa page",
                            "the case's state is not known: open its page again"),
                          cookie);
    u.to_state = merge ? RELAIS_CASE_ENTERED_IN_ERROR : u.from_state;
    if (merge)
        u.merge_into = other;
    else
        u.dismiss_duplicate = other;
    desk_what_t what = {0};
    snprintf(what.link, sizeof what.link, "/cases/%.48s", id);
    desk_what_once(&what, f);
    snprintf(what.fr, sizeof what.fr, merge ? "Fusion de %s dans %s" : "%s : pas un doublon de %s", id, other);
    snprintf(what.en, sizeof what.en, merge ? "Merge of %s into %s" : "%s: not a duplicate of %s", id, other);
    desk_sent_t sent;
    int rc = desk_hub_send(desk, s_sign_update, &u, &what, &sent);
    if (rc == 0)
        return s_recorded(desk, conn, id, sent.ack.seq, cookie);
    unsigned status;
    desk_move_outcome_t outcome;
    const char *sentence;
    int hub_status;
    s_not_through(rc, &sent, &status, &outcome, &hub_status, &sentence);
    return s_dup_page(desk, conn, status, s, id, other, f, outcome, hub_status, sentence, cookie);
}

/* ---- The event stream ----------------------------------------------------------------------------- */

typedef struct {
    relais_desk_t *desk;
    char session[DESK_TOKEN_LEN];
    uint64_t pos;
    int started, ending;
    char pending[8192];
    size_t pending_len, pending_at;
} s_stream_t;

static void s_stream_put(s_stream_t *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void s_stream_put(s_stream_t *st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = sizeof st->pending - st->pending_len;
    int n = vsnprintf(st->pending + st->pending_len, room, fmt, ap);
    va_end(ap);
    if (n > 0 && (size_t)n < room)
        st->pending_len += (size_t)n;
}

/* A case id as the hub writes them ("C-12"): nothing to escape in JSON. */
static int s_plain_id(const char *id)
{
    for (const char *p = id; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-'))
            return 0;
    return *id != '\0';
}

static ssize_t s_stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    s_stream_t *st = cls;
    (void)pos;
    while (st->pending_at == st->pending_len) {
        st->pending_len = st->pending_at = 0;
        if (st->ending || atomic_load(&st->desk->stopping))
            return MHD_CONTENT_READER_END_OF_STREAM;
        if (!st->started) {
            st->started = 1;
            s_stream_put(st, "retry: 5000\n: relais desk\n\n");
            break;
        }
        desk_session_t s;
        if (desk_session_find(st->desk, st->session, 0, &s) != 0) { /* ended or expired: the stream too */
            s_stream_put(st, "event: end\ndata: {}\n\n");
            st->ending = 1;
            break;
        }
        desk_event_t ev[32];
        int n = desk_model_events(st->desk->model, &st->pos, ev, sizeof ev / sizeof ev[0], S_EVENT_WAIT_MS);
        if (atomic_load(&st->desk->stopping))
            return MHD_CONTENT_READER_END_OF_STREAM;
        if (n < 0)
            s_stream_put(st, "event: reload\ndata: {}\n\n");
        else if (n == 0)
            s_stream_put(st, ": alive\n\n");
        for (int i = 0; i < n; i++) {
            const char *state = relais_case_state_name(ev[i].state);
            if (s_plain_id(ev[i].case_id) && state)
                s_stream_put(st, "id: %" PRIu64 "\nevent: case\ndata: {\"case\":\"%s\",\"state\":\"%s\",\"seq\":%" PRIu64
                                 "}\n\n",
                             ev[i].seq, ev[i].case_id, state, ev[i].seq);
        }
    }
    size_t n = st->pending_len - st->pending_at;
    if (n > max)
        n = max;
    memcpy(buf, st->pending + st->pending_at, n);
    st->pending_at += n;
    return (ssize_t)n;
}

static void s_stream_free(void *cls)
{
    free(cls);
}

static enum MHD_Result s_events(relais_desk_t *desk, struct MHD_Connection *conn, const desk_session_t *s)
{
    s_stream_t *st = calloc(1, sizeof *st);
    if (!st)
        return MHD_NO;
    st->desk = desk;
    memcpy(st->session, s->id, sizeof st->session);
    st->pos = desk_model_event_head(desk->model);
    struct MHD_Response *resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, s_stream_read, st,
                                                                  s_stream_free);
    if (!resp) {
        free(st);
        return MHD_NO;
    }
    s_headers(resp, 1);
    MHD_add_response_header(resp, "Content-Type", "text/event-stream; charset=utf-8");
    MHD_add_response_header(resp, "X-Accel-Buffering", "no"); /* nginx: pass each event on at once */
    enum MHD_Result rc = MHD_queue_response(conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    return rc;
}

/* ---- The review calendar (calendar.c) -------------------------------------------------------------- */

/* The calendar's file in `lang`: a download (`attachment`) or what a subscribed program reads. */
static enum MHD_Result s_ics(relais_desk_t *desk, struct MHD_Connection *conn, relais_cli_lang_t lang, int attachment,
                             const desk_cookie_t *cookie)
{
    desk_buf_t b = {0};
    struct MHD_Response *resp = NULL;
    if (desk_calendar_ics(desk, lang, &b) == 0)
        resp = MHD_create_response_from_buffer(b.len, b.data, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        desk_buf_free(&b);
        return desk_http_say(desk, conn, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL, lang, T(lang, "Erreur", "Error"),
                     T(lang, "Le calendrier n'a pas pu être fait (mémoire).", "The calendar could not be made (memory)."),
                     cookie);
    }
    s_headers(resp, 1);
    s_cookie(desk, resp, cookie);
    MHD_add_response_header(resp, "Content-Type", "text/calendar; charset=utf-8");
    if (attachment)
        MHD_add_response_header(resp, "Content-Disposition", "attachment; filename=\"relais-calendrier.ics\"");
    enum MHD_Result rc = MHD_queue_response(conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    return rc;
}

/* The third way in: /calendar/TOKEN.ics, the subscription's file and nothing else. Whatever is wrong
 * (the method, the path, the token, a revoked one) gets the same plain 404. */
static enum MHD_Result s_calendar_token(relais_desk_t *desk, struct MHD_Connection *conn, const char *rest, int get)
{
    char token[DESK_TOKEN_LEN + 8];
    size_t n = strlen(rest);
    if (get && n > 4 && n - 4 < sizeof token && strcmp(rest + n - 4, ".ics") == 0) {
        snprintf(token, sizeof token, "%.*s", (int)(n - 4), rest);
        if (desk_calendar_token_ok(&desk->calendar, token) == 0)
            return s_ics(desk, conn, desk->lang, 0, NULL);
    }
    return desk_http_say(desk, conn, MHD_HTTP_NOT_FOUND, NULL, desk->lang, T(desk->lang, "Page introuvable", "Page not found"),
                 T(desk->lang, "Cette page n'existe pas sur ce desk.", "There is no such page on this desk."), NULL);
}

/* The calendar's page; posted (CSRF first), a subscription made or revoked. */
static enum MHD_Result s_calendar(relais_desk_t *desk, struct MHD_Connection *conn, const desk_session_t *s,
                                  const s_req_t *req, const desk_cookie_t *cookie)
{
    relais_cli_lang_t lang = s->lang;
    desk_cal_view_t v = {0};
    unsigned status = MHD_HTTP_OK;
    char token[DESK_TOKEN_LEN], address[512], trouble[512];
    if (req) {
        const char *action = req->form.action ? req->form.action : "";
        if (!desk_csrf_ok(s, &req->form))
            return desk_http_say(desk, conn, MHD_HTTP_FORBIDDEN, s, lang, T(lang, "Refusé", "Refused"),
                         T(lang, "Ce formulaire ne vient pas de cette session : rien n'a été fait.",
                           "This form does not come from this session: nothing was done."),
                         cookie);
        if (strcmp(action, "subscribe") == 0) {
            int rc = desk_calendar_subscribe(&desk->calendar, desk->person, token);
            if (rc == 0 && (rc = desk_calendar_address(desk, conn, token, address, sizeof address)) != 0)
                desk_calendar_revoke(&desk->calendar); /* an address nobody can be given is none */
            sodium_memzero(token, sizeof token);
            if (rc == 0) {
                v.address = address;
                v.said = T(lang, "Adresse d'abonnement créée ; toute adresse d'avant cesse de servir.",
                           "Subscription address made; any address before it stops working.");
            } else {
                status = MHD_HTTP_INTERNAL_SERVER_ERROR;
                snprintf(trouble, sizeof trouble, "%s %s",
                         T(lang, "L'adresse n'a pas pu être créée :", "The address could not be made:"),
                         relais_status_detail());
                v.trouble = trouble;
            }
        } else if (strcmp(action, "revoke") == 0) {
            int rc = desk_calendar_revoke(&desk->calendar);
            if (rc == 0 || rc == RELAIS_E_NOT_FOUND) {
                v.said = T(lang, "Adresse révoquée : un agenda qui la lit n'obtient plus rien.",
                           "Address revoked: a calendar program that reads it gets nothing now.");
            } else {
                status = MHD_HTTP_INTERNAL_SERVER_ERROR;
                snprintf(trouble, sizeof trouble, "%s %s",
                         T(lang, "L'adresse est révoquée jusqu'à l'arrêt du desk, mais son fichier n'a pas pu être "
                                 "effacé : elle reviendrait au prochain démarrage.",
                           "The address is revoked until the desk stops, but its file could not be removed: it "
                           "would come back at the next start."),
                         relais_status_detail());
                v.trouble = trouble;
            }
        } else {
            status = MHD_HTTP_UNPROCESSABLE_CONTENT;
            v.trouble = T(lang, "Choisissez : créer ou révoquer l'adresse.", "Choose: make or revoke the address.");
        }
    }
    desk_buf_t b = {0};
    desk_page_calendar(desk, s, &v, &b);
    sodium_memzero(address, sizeof address);
    return desk_http_send(desk, conn, status, &b, cookie, NULL);
}

/* ---- Routes --------------------------------------------------------------------------------------- */

static enum MHD_Result s_asset(relais_desk_t *desk, struct MHD_Connection *conn, const desk_asset_t *a)
{
    (void)desk;
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(a->body), (void *)a->body, MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return MHD_NO;
    s_headers(resp, 0);
    MHD_add_response_header(resp, "Content-Type", a->type);
    enum MHD_Result rc = MHD_queue_response(conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    return rc;
}

static enum MHD_Result s_route(relais_desk_t *desk, struct MHD_Connection *conn, const char *url, const char *method,
                               s_req_t *req)
{
    relais_cli_lang_t lang = desk->lang;
    int get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    int post = strcmp(method, "POST") == 0;
    /* The calendar's subscription address: a calendar program cannot log in, its token is the key,
     * and it reads nothing else; no session is read or made. */
    int by_token = strncmp(url, "/calendar/", 10) == 0;
    const char *refused = s_gate(desk, conn, by_token);
    if (refused)
        return desk_http_say(desk, conn, MHD_HTTP_FORBIDDEN, NULL, lang, T(lang, "Refusé", "Refused"), refused, NULL);
    if (by_token)
        return s_calendar_token(desk, conn, url + 10, get);
    if (!get && !post)
        return desk_http_say(desk, conn, MHD_HTTP_METHOD_NOT_ALLOWED, NULL, lang, T(lang, "Refusé", "Refused"),
                     T(lang, "Ce desk ne répond qu'à GET et POST.", "This desk answers GET and POST only."), NULL);
    const desk_asset_t *asset = get ? desk_asset(url) : NULL;
    if (asset)
        return s_asset(desk, conn, asset);
    if (!desk->proxied && get && strcmp(url, "/login") == 0)
        return s_login(desk, conn);

    /* The session: its cookie; behind the proxy, a new one for the person it authenticated. An event
     * stream or the script's refresh of the list is no sign of the person being there. */
    const char *cookie = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, desk->cookie);
    const char *refresh = s_header(conn, "X-Relais-Refresh");
    int touch = strcmp(url, "/events") != 0 && !(refresh && strcmp(refresh, "1") == 0);
    desk_session_t s;
    desk_cookie_t made = {0};
    if (desk_session_find(desk, cookie, touch, &s) != 0) {
        if (!desk->proxied) {
            if (get && strcmp(url, "/events") != 0)
                return desk_http_redirect(desk, conn, "/login", &(desk_cookie_t){.clear = cookie != NULL});
            if (post && !req->too_big) {
                desk_buf_t b = {0};
                desk_page_session_ended(desk, lang, &req->form, &b);
                return desk_http_send(desk, conn, MHD_HTTP_UNAUTHORIZED, &b, &(desk_cookie_t){.clear = cookie != NULL}, NULL);
            }
            return desk_http_say(desk, conn, MHD_HTTP_UNAUTHORIZED, NULL, lang, T(lang, "Session terminée", "Session ended"),
                         T(lang, "Aucune session ouverte, ou elle a expiré : rien n'a été envoyé. Ouvrez une nouvelle "
                                 "adresse de relais desk.",
                           "No session is open, or it has expired: nothing was sent. Open a new address of "
                           "relais desk."),
                         NULL);
        }
        desk_session_open(desk, lang, &s);
        made.id = s.id;
    }
    if (get)
        s_take_lang(desk, conn, &s);

    if (post && strcmp(url, "/logout") == 0) {
        if (!desk_csrf_ok(&s, &req->form))
            return desk_http_say(desk, conn, MHD_HTTP_FORBIDDEN, &s, lang, T(lang, "Refusé", "Refused"),
                         T(lang, "Ce formulaire ne vient pas de cette session.",
                           "This form does not come from this session."),
                         &made);
        desk_session_close(desk, s.id);
        return desk_http_say(desk, conn, MHD_HTTP_OK, NULL, s.lang, T(s.lang, "Déconnecté", "Logged out"),
                     T(s.lang, "La session est fermée. Pour revenir, ouvrez une nouvelle adresse de relais desk.",
                       "The session is closed. To come back, open a new address of relais desk."),
                     &(desk_cookie_t){.clear = 1});
    }
    desk_request_t r = {.desk = desk, .conn = conn, .s = &s, .url = url, .get = get, .post = post,
                        .form = &req->form, .too_big = req->too_big, .made = &made};
    if (get && strcmp(url, "/queue") == 0) { /* every role's: what waits for the hub */
        desk_buf_t b = {0};
        desk_page_queue(desk, &s, &b);
        return desk_http_send(desk, conn, MHD_HTTP_OK, &b, &made, NULL);
    }
    enum MHD_Result answer;
    if (desk->role == DESK_ROLE_RECEPTION && desk_reception_route(&r, &answer))
        return answer;
    if (desk->role == DESK_ROLE_PARTNER && (desk_transfers_route(&r, &answer) || desk_partner_route(&r, &answer)))
        return answer;
    if (desk->role == DESK_ROLE_COORDINATOR) {
        if (desk_print_route(&r, &answer) || desk_transfers_route(&r, &answer))
            return answer;
        if (get && strcmp(url, "/") == 0) {
            desk_buf_t b = {0};
            desk_page_list(desk, &s, conn, &b);
            return desk_http_send(desk, conn, MHD_HTTP_OK, &b, &made, NULL);
        }
        if (get && strcmp(url, "/events") == 0)
            return made.id ? desk_http_redirect(desk, conn, "/", &made) : s_events(desk, conn, &s);
        if (get && strcmp(url, "/charts") == 0) {
            desk_buf_t b = {0};
            int rc = desk_page_charts(desk, &s, conn, &b);
            return desk_http_send(desk, conn, rc ? MHD_HTTP_INTERNAL_SERVER_ERROR : MHD_HTTP_OK, &b, &made, NULL);
        }
        if (get && strcmp(url, "/calendar.ics") == 0)
            return s_ics(desk, conn, s.lang, 1, &made);
        if ((get || post) && strcmp(url, "/calendar") == 0)
            return s_calendar(desk, conn, &s, post ? req : NULL, &made);
        if (strncmp(url, "/cases/", 7) == 0) {
            const char *ref = url + 7;
            const char *slash = strchr(ref, '/');
            if (get && !slash) {
                char id[RELAIS_CASE_ID_LEN], where[RELAIS_CASE_ID_LEN + 16];
                if (made.id && relais_cli_case_ref(ref, RELAIS_CLI_REF_CASE | RELAIS_CLI_REF_HANDLE, id, sizeof id) == 0) {
                    /* a session made just now: its cookie comes first, then the page */
                    snprintf(where, sizeof where, "/cases/%s", id);
                    return desk_http_redirect(desk, conn, where, &made);
                }
                return s_case(desk, conn, &s, ref);
            }
            if (post && slash && strcmp(slash, "/move") == 0) {
                char id[RELAIS_CASE_ID_LEN];
                snprintf(id, sizeof id, "%.*s", (int)(slash - ref), ref);
                return s_move(desk, conn, &s, id, req, &made);
            }
            if (post && slash && strcmp(slash, "/duplicate") == 0) {
                char id[RELAIS_CASE_ID_LEN];
                snprintf(id, sizeof id, "%.*s", (int)(slash - ref), ref);
                return s_duplicate(desk, conn, &s, id, req, &made);
            }
        }
    }
    return desk_http_say(desk, conn, MHD_HTTP_NOT_FOUND, &s, s.lang, T(s.lang, "Page introuvable", "Page not found"),
                 T(s.lang, "Cette page n'existe pas sur ce desk.", "There is no such page on this desk."), &made);
}

enum MHD_Result desk_http_handle(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                 const char *version, const char *upload_data, size_t *upload_data_size,
                                 void **req_cls)
{
    relais_desk_t *desk = cls;
    (void)version;
    s_req_t *req = *req_cls;
    if (!req) {
        req = calloc(1, sizeof *req);
        if (!req)
            return MHD_NO;
        *req_cls = req;
        if (strcmp(method, "POST") == 0)
            req->pp = MHD_create_post_processor(conn, 4096, s_post_field, req); /* NULL: not a form */
        return MHD_YES;
    }
    if (*upload_data_size) {
        req->body += *upload_data_size;
        if (req->body > S_MAX_BODY)
            req->too_big = 1;
        else if (req->pp && MHD_post_process(req->pp, upload_data, *upload_data_size) != MHD_YES)
            req->too_big = 1;
        *upload_data_size = 0;
        return MHD_YES;
    }
    return s_route(desk, conn, url, method, req);
}
