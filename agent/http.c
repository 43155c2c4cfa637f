/* http.c -- the agent's HTTP intake, for the partner's system on this machine:
 *   POST /referrals      a payload ({"referral": {...}}, schema/referral.schema.json), checked with the
 *                        code the hub runs, written to the spool (synced): 202 and its message id
 *   GET /messages/ID     queued, acknowledged (record and handle) or refused (code and sentence)
 *   GET /status          the hub reachable or not, what waits and since when
 * Every request carries "Authorization: Bearer TOKEN"; bodies are bounded. Answers are JSON,
 * described in agent/openapi.json.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#include "agent_internal.h"
#include "relais_page.h"

#define S_JSON "application/json"
#define S_MESSAGES "/messages/"

typedef struct {
    char *body;    /* what was posted so far */
    size_t len;    /* its bytes */
    int too_large; /* more than max_body was posted: read to its end and dropped */
} s_request_t;

/* ---- Answers ------------------------------------------------------------------------------------ */

/* Sends `v` (stolen) as the JSON answer; `location` and `allow` may be NULL. */
static enum MHD_Result s_reply(struct MHD_Connection *conn, unsigned status, json_t *v, const char *location,
                               const char *allow)
{
    char *text = v ? json_dumps(v, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
    json_decref(v);
    if (!text)
        return MHD_NO;
    size_t len = strlen(text);
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(text);
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type", S_JSON);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    if (location)
        MHD_add_response_header(resp, "Location", location);
    if (allow)
        MHD_add_response_header(resp, "Allow", allow);
    if (status == MHD_HTTP_UNAUTHORIZED)
        MHD_add_response_header(resp, "WWW-Authenticate", "Bearer realm=\"relais-agent\"");
    enum MHD_Result rc = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);
    return rc;
}

/* {"error": CODE, "message": SENTENCE} and, when given, the field it is about. */
static enum MHD_Result s_error(struct MHD_Connection *conn, unsigned status, const char *code, const char *field,
                               const char *message)
{
    json_t *v = json_pack("{s:s, s:s}", "error", code, "message", message);
    if (v && field)
        json_object_set_new(v, "field", json_string(field));
    return s_reply(conn, status, v, NULL, NULL);
}

/* ---- The token ---------------------------------------------------------------------------------- */

/* Compares hashes, in constant time: the time taken says nothing of how much of a token was right. */
static int s_authorised(const relais_agent_t *a, struct MHD_Connection *conn)
{
    const char *h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (!h || strncasecmp(h, "Bearer ", 7) != 0)
        return 0;
    const char *token = h + 7;
    while (*token == ' ')
        token++;
    uint8_t given[AGENT_TOKEN_HASH];
    crypto_generichash(given, sizeof given, (const unsigned char *)token, strlen(token), NULL, 0);
    return sodium_memcmp(given, a->token_hash, sizeof given) == 0;
}

/* ---- POST /referrals ---------------------------------------------------------------------------- */

/* The field a detail names ("referral.child.birth_date: 2013-02-30 is not a date"), into out; ""
 * when the detail names none (the JSON does not parse: it says where instead). */
static void s_field_of(const char *detail, char *out, size_t cap)
{
    out[0] = '\0';
    const char *colon = strstr(detail, ": ");
    size_t len = colon ? (size_t)(colon - detail) : 0;
    if (len == 0 || len >= cap || memchr(detail, ' ', len) || (len == 4 && strncmp(detail, "JSON", 4) == 0))
        return;
    memcpy(out, detail, len);
    out[len] = '\0';
}

static enum MHD_Result s_malformed(struct MHD_Connection *conn, int status, const char *detail)
{
    char field[256];
    s_field_of(detail, field, sizeof field);
    return s_error(conn, MHD_HTTP_BAD_REQUEST, relais_status_name(status), *field ? field : NULL,
                   *detail ? detail : relais_strerror(status));
}

/* The checks the hub makes of a referral's content (relais_message_validate, with the hub's default
 * limits), made here too so that the partner's system hears of a mistake in its answer rather than
 * in a refusal later. 0, or a status with the detail naming the field. */
static int s_check_referral(relais_agent_t *a, const char *json, size_t len, char *why, size_t cap)
{
    uint8_t id[RELAIS_MSG_ID_BYTES] = {0};
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t now_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    relais_msg_id_stamp(id, now_ms);
    uint8_t *body = NULL;
    size_t body_len = 0;
    relais_message_t *msg = NULL;
    int rc = relais_message_from_json(json, len, a->name, id, now_ms, &body, &body_len);
    if (!rc)
        rc = relais_message_decode(body, body_len, &msg);
    free(body);
    if (rc) {
        snprintf(why, cap, "%s", relais_status_detail());
        return rc;
    }
    if (relais_message_payload(msg) != RELAIS_PAYLOAD_REFERRAL) {
        snprintf(why, cap, "referral: expected a referral payload, {\"referral\": {...}} (schema/referral.schema.json)");
        rc = RELAIS_E_MALFORMED;
    } else {
        relais_validation_limits_t lim;
        relais_validation_limits_default(&lim);
        rc = relais_message_validate(msg, &lim, now_ms, why, cap);
    }
    relais_message_destroy(&msg);
    return rc;
}

static enum MHD_Result s_post_referral(relais_agent_t *a, struct MHD_Connection *conn, const s_request_t *r)
{
    char why[512];
    if (r->too_large) {
        snprintf(why, sizeof why, "a referral is at most %zu bytes of JSON (16 times the hub's --max-message)",
                 a->max_body);
        return s_error(conn, MHD_HTTP_CONTENT_TOO_LARGE, "TOO_LARGE", NULL, why);
    }
    relais_status_clear();
    int rc = s_check_referral(a, r->body ? r->body : "", r->len, why, sizeof why);
    if (rc)
        return s_malformed(conn, rc, why);
    uint8_t id[RELAIS_MSG_ID_BYTES];
    pthread_mutex_lock(&a->lock);
    rc = relais_client_enqueue_json(a->client, r->body, r->len, AGENT_INTAKE_TAG, id);
    pthread_mutex_unlock(&a->lock);
    const char *detail = relais_status_detail();
    if (rc == RELAIS_E_MALFORMED || rc == RELAIS_E_VERSION || rc == RELAIS_E_INVALID)
        return s_malformed(conn, rc, detail);
    if (rc == RELAIS_E_TOO_LARGE)
        return s_error(conn, MHD_HTTP_CONTENT_TOO_LARGE, "TOO_LARGE", NULL, detail);
    if (rc) {
        agent_log("error", "intake-not-spooled", "code=%s why=\"%s\"", relais_status_name(rc), detail);
        return s_error(conn, rc == RELAIS_E_STORE_FULL ? MHD_HTTP_INSUFFICIENT_STORAGE : MHD_HTTP_SERVICE_UNAVAILABLE,
                       relais_status_name(rc), NULL, "the referral could not be written to the spool; nothing was kept");
    }
    agent_kick(a);
    char hex[2 * RELAIS_MSG_ID_BYTES + 1], location[sizeof hex + sizeof S_MESSAGES];
    relais_hex_encode(id, sizeof id, hex);
    snprintf(location, sizeof location, S_MESSAGES "%s", hex);
    agent_log("info", "spooled", "msg_id=%s from=\"" AGENT_INTAKE_TAG "\"", hex);
    return s_reply(conn, MHD_HTTP_ACCEPTED, json_pack("{s:s, s:s}", "msg_id", hex, "status", "queued"), location, NULL);
}

/* ---- GET /messages/ID, GET /status ------------------------------------------------------------- */

static int s_parse_id(const char *text, uint8_t id[RELAIS_MSG_ID_BYTES])
{
    size_t got = 0;
    const char *end = NULL;
    if (strlen(text) != 2 * RELAIS_MSG_ID_BYTES ||
        sodium_hex2bin(id, RELAIS_MSG_ID_BYTES, text, strlen(text), NULL, &got, &end) != 0 || got != RELAIS_MSG_ID_BYTES ||
        *end != '\0')
        return -1;
    return 0;
}

/* 1 when the message waits in the spool, 0 when not, or a negative status. */
static int s_is_waiting(relais_agent_t *a, const uint8_t id[RELAIS_MSG_ID_BYTES])
{
    relais_waiting_t *w = NULL;
    size_t n = 0;
    int rc = relais_client_outbox_waiting(a->client, &w, &n);
    if (rc)
        return rc;
    int found = 0;
    for (size_t i = 0; i < n && !found; i++)
        found = memcmp(w[i].msg_id, id, RELAIS_MSG_ID_BYTES) == 0;
    free(w);
    return found;
}

static enum MHD_Result s_get_message(relais_agent_t *a, struct MHD_Connection *conn, const char *hex)
{
    uint8_t id[RELAIS_MSG_ID_BYTES];
    if (s_parse_id(hex, id) != 0)
        return s_error(conn, MHD_HTTP_NOT_FOUND, "NOT_FOUND", NULL, "a message id is 32 hexadecimal digits");
    relais_sent_outcome_t o;
    pthread_mutex_lock(&a->lock);
    int rc = relais_client_outbox_outcome(a->client, id, &o);
    int waiting = rc == RELAIS_E_NOT_FOUND ? s_is_waiting(a, id) : 0;
    pthread_mutex_unlock(&a->lock);
    if (rc == 0 && o.refused)
        return s_reply(conn, MHD_HTTP_OK,
                       json_pack("{s:s, s:s, s:s, s:s}", "msg_id", hex, "status", "refused", "error", o.code, "message",
                                 o.sentence),
                       NULL, NULL);
    if (rc == 0)
        return s_reply(conn, MHD_HTTP_OK,
                       json_pack("{s:s, s:s, s:I, s:s}", "msg_id", hex, "status", "acknowledged", "seq",
                                 (json_int_t)o.seq, "handle", o.case_id),
                       NULL, NULL);
    if (waiting == 1)
        return s_reply(conn, MHD_HTTP_OK, json_pack("{s:s, s:s}", "msg_id", hex, "status", "queued"), NULL, NULL);
    if (rc == RELAIS_E_NOT_FOUND && waiting == 0)
        return s_error(conn, MHD_HTTP_NOT_FOUND, "NOT_FOUND", NULL,
                       "no such message in this agent's spool, waiting or answered (the last 1000 answers are kept)");
    agent_log("error", "spool", "why=\"%s\"", relais_status_detail());
    return s_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "IO", NULL, "the spool could not be read");
}

static enum MHD_Result s_get_status(relais_agent_t *a, struct MHD_Connection *conn)
{
    relais_agent_status_t st;
    if (relais_agent_status(a, &st) != 0) {
        agent_log("error", "spool", "why=\"%s\"", relais_status_detail());
        return s_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "IO", NULL, "the spool could not be read");
    }
    json_t *v = json_pack("{s:s, s:s, s:I, s:o, s:I, s:b}", "identity", a->name, "hub",
                          st.hub_reachable ? "reachable" : "unreachable", "waiting", (json_int_t)st.waiting,
                          "oldest_age_s", st.oldest_age_s >= 0 ? json_integer(st.oldest_age_s) : json_null(),
                          "feed_position", (json_int_t)st.feed_position, "feed_running", st.feed_running);
    if (v && st.posts_waiting >= 0)
        json_object_set_new(v, "posts_waiting", json_integer(st.posts_waiting));
    if (v && st.posts_refused >= 0)
        json_object_set_new(v, "posts_refused", json_integer(st.posts_refused));
    return s_reply(conn, MHD_HTTP_OK, v, NULL, NULL);
}

/* ---- Routing ------------------------------------------------------------------------------------- */

enum MHD_Result agent_http_handle(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **req_cls)
{
    (void)version;
    relais_agent_t *a = cls;
    s_request_t *r = *req_cls;
    if (!r) {
        if (!(r = calloc(1, sizeof *r)))
            return MHD_NO;
        *req_cls = r;
        return MHD_YES;
    }
    if (*upload_size) {
        if (!r->too_large && r->len + *upload_size <= a->max_body) {
            char *grown = realloc(r->body, r->len + *upload_size + 1);
            if (!grown)
                return MHD_NO;
            r->body = grown;
            memcpy(r->body + r->len, upload, *upload_size);
            r->len += *upload_size;
            r->body[r->len] = '\0';
        } else {
            r->too_large = 1;
            free(r->body);
            r->body = NULL;
            r->len = 0;
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (!s_authorised(a, conn))
        return s_error(conn, MHD_HTTP_UNAUTHORIZED, "UNAUTHORIZED", NULL,
                       "this agent wants Authorization: Bearer TOKEN, the token of its --token-file");
    int get = strcmp(method, "GET") == 0, post = strcmp(method, "POST") == 0;
    if (strcmp(url, "/referrals") == 0)
        return post ? s_post_referral(a, conn, r)
                    : s_reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
                              json_pack("{s:s, s:s}", "error", "METHOD_NOT_ALLOWED", "message", "POST a referral here"),
                              NULL, "POST");
    if (strcmp(url, "/status") == 0 || strncmp(url, S_MESSAGES, strlen(S_MESSAGES)) == 0) {
        if (!get)
            return s_reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
                           json_pack("{s:s, s:s}", "error", "METHOD_NOT_ALLOWED", "message", "this is read with GET"),
                           NULL, "GET");
        return url[1] == 's' ? s_get_status(a, conn) : s_get_message(a, conn, url + strlen(S_MESSAGES));
    }
    return s_error(conn, MHD_HTTP_NOT_FOUND, "NOT_FOUND", NULL,
                   "this agent answers POST /referrals, GET /messages/ID and GET /status");
}

void agent_http_done(void *cls, struct MHD_Connection *conn, void **req_cls, enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    s_request_t *r = *req_cls;
    if (r) {
        if (r->body)
            sodium_memzero(r->body, r->len); /* a referral names a child */
        free(r->body);
        free(r);
    }
    *req_cls = NULL;
}
