/* session.c -- the desk's sessions and one-time tokens, in memory only.
 *
 * A session is a random id (the cookie) and a random CSRF token (the forms' hidden field), and
 * the time of its last request: one idle longer than the desk's idle time is gone. A one-time
 * token (local mode) is exchanged once, within DESK_TOKEN_LIFE_MS, for a new session. Every
 * comparison with what a request brings is in constant time (sodium_memcmp).
 */
#include <string.h>

#include <sodium.h>

#include "desk_internal.h"

void desk_random_token(char out[DESK_TOKEN_LEN])
{
    unsigned char raw[DESK_TOKEN_BYTES];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(out, DESK_TOKEN_LEN, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
}

/* Whether `given` (from a request, any length) is `mine` (a token we made). */
static int s_same(const char *mine, const char *given)
{
    return given && strlen(given) == DESK_TOKEN_LEN - 1 && sodium_memcmp(mine, given, DESK_TOKEN_LEN - 1) == 0;
}

static int s_expired(const relais_desk_t *desk, const desk_session_t *s, int64_t now)
{
    return now - s->last_ms > desk->idle_ms;
}

void desk_session_open(relais_desk_t *desk, relais_cli_lang_t lang, desk_session_t *out)
{
    int64_t now = relais_cli_now_ms();
    pthread_mutex_lock(&desk->lock);
    desk_session_t *slot = NULL, *oldest = NULL;
    for (size_t i = 0; i < DESK_MAX_SESSIONS; i++) {
        desk_session_t *s = &desk->sessions[i];
        if (s->used && s_expired(desk, s, now))
            sodium_memzero(s, sizeof *s);
        if (!s->used && !slot)
            slot = s;
        else if (s->used && (!oldest || s->last_ms < oldest->last_ms))
            oldest = s;
    }
    if (!slot) /* all taken: the least recently used goes */
        slot = oldest;
    memset(slot, 0, sizeof *slot);
    desk_random_token(slot->id);
    desk_random_token(slot->csrf);
    slot->last_ms = now;
    slot->lang = lang;
    slot->used = 1;
    *out = *slot;
    pthread_mutex_unlock(&desk->lock);
}

int desk_session_find(relais_desk_t *desk, const char *id, int touch, desk_session_t *out)
{
    int64_t now = relais_cli_now_ms();
    int rc = RELAIS_E_NOT_FOUND;
    if (!id)
        return rc;
    pthread_mutex_lock(&desk->lock);
    for (size_t i = 0; i < DESK_MAX_SESSIONS; i++) {
        desk_session_t *s = &desk->sessions[i];
        if (!s->used || !s_same(s->id, id))
            continue;
        if (s_expired(desk, s, now)) {
            sodium_memzero(s, sizeof *s);
            break;
        }
        if (touch)
            s->last_ms = now;
        *out = *s;
        rc = 0;
        break;
    }
    pthread_mutex_unlock(&desk->lock);
    return rc;
}

void desk_session_set_lang(relais_desk_t *desk, const char *id, relais_cli_lang_t lang)
{
    pthread_mutex_lock(&desk->lock);
    for (size_t i = 0; i < DESK_MAX_SESSIONS; i++)
        if (desk->sessions[i].used && s_same(desk->sessions[i].id, id))
            desk->sessions[i].lang = lang;
    pthread_mutex_unlock(&desk->lock);
}

void desk_session_close(relais_desk_t *desk, const char *id)
{
    pthread_mutex_lock(&desk->lock);
    for (size_t i = 0; i < DESK_MAX_SESSIONS; i++)
        if (desk->sessions[i].used && s_same(desk->sessions[i].id, id))
            sodium_memzero(&desk->sessions[i], sizeof desk->sessions[i]);
    pthread_mutex_unlock(&desk->lock);
}

int desk_token_new(relais_desk_t *desk, char out[DESK_TOKEN_LEN])
{
    int64_t now = relais_cli_now_ms();
    int rc = RELAIS_E_UNAVAILABLE;
    pthread_mutex_lock(&desk->lock);
    for (size_t i = 0; i < DESK_MAX_TOKENS; i++) {
        desk_login_token_t *t = &desk->tokens[i];
        if (t->used && now - t->made_ms > DESK_TOKEN_LIFE_MS)
            sodium_memzero(t, sizeof *t);
        if (t->used || rc == 0)
            continue;
        desk_random_token(t->token);
        t->made_ms = now;
        t->used = 1;
        memcpy(out, t->token, DESK_TOKEN_LEN);
        rc = 0;
    }
    pthread_mutex_unlock(&desk->lock);
    if (rc)
        return relais_status_set(rc, "%d one-time addresses are waiting to be used already", DESK_MAX_TOKENS);
    return 0;
}

int desk_token_take(relais_desk_t *desk, const char *token)
{
    int64_t now = relais_cli_now_ms();
    int rc = RELAIS_E_NOT_FOUND;
    pthread_mutex_lock(&desk->lock);
    for (size_t i = 0; i < DESK_MAX_TOKENS; i++) {
        desk_login_token_t *t = &desk->tokens[i];
        if (!t->used || !s_same(t->token, token))
            continue;
        if (now - t->made_ms <= DESK_TOKEN_LIFE_MS)
            rc = 0;
        sodium_memzero(t, sizeof *t); /* once, whether in time or not */
        break;
    }
    pthread_mutex_unlock(&desk->lock);
    return rc;
}
