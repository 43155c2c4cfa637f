/* queue.c -- the actions the hub did not answer, kept in the desk's memory until it does.
 *
 * The command line keeps such a message in the person's spool, on disk; the desk writes nothing
 * personal to its disk, so it keeps the signed message in memory, tells the person so, and sends
 * the same bytes again, in the order the actions were made, until the hub answers: recorded (its
 * record number and handle) or refused (its code and sentence, shown on /queue, since a refusal
 * can come minutes after the page that queued the action was left). Sending the same bytes twice
 * is safe: the hub answers a message it already stored with its first acknowledgement.
 *
 * Locks: the desk's hub_lock (the one client of the hub) is taken before the queue's own. Only a
 * holder of hub_lock adds or settles an action, so a flush may send an action's bytes without the
 * queue's lock; the pages read copies under the queue's lock alone.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "desk_internal.h"
#include "relais_page.h"

#define T(lang, fr, en) DESK_T(lang, fr, en)

#define S_FIRST_WAIT_MS 1000   /* the first retry after the hub did not answer */
#define S_LAST_WAIT_MS 30000   /* and the longest wait between two, the hub away */
#define S_PING_MS 1000         /* a retry first asks whether the hub is there, this long at most */

static void s_wipe(desk_queued_t *a)
{
    if (a->bytes) {
        sodium_memzero(a->bytes, a->len); /* what was typed about a child or a resident */
        free(a->bytes);
    }
    a->bytes = NULL;
    a->len = 0;
}

static size_t s_waiting_unlocked(const desk_queue_t *q)
{
    size_t n = 0;
    for (size_t i = 0; i < q->count; i++)
        n += q->items[i].state == DESK_QUEUED_WAITING;
    return n;
}

size_t desk_queue_waiting(relais_desk_t *desk)
{
    desk_queue_t *q = &desk->queue;
    if (!q->ready)
        return 0;
    pthread_mutex_lock(&q->lock);
    size_t n = s_waiting_unlocked(q);
    pthread_mutex_unlock(&q->lock);
    return n;
}

static desk_queued_t *s_find(desk_queue_t *q, uint64_t number)
{
    for (size_t i = 0; i < q->count; i++)
        if (q->items[i].number == number)
            return &q->items[i];
    return NULL;
}

/* The hub's answer to an action: recorded, refused, or none (0: it still waits). */
static int s_settle(desk_queue_t *q, uint64_t number, int rc, const relais_ack_t *ack, const relais_error_t *err)
{
    int settled = 1;
    pthread_mutex_lock(&q->lock);
    desk_queued_t *a = s_find(q, number);
    if (!a) {
        pthread_mutex_unlock(&q->lock);
        return 1;
    }
    if (rc == 0) {
        a->state = DESK_QUEUED_RECORDED;
        a->seq = ack->seq;
        snprintf(a->handle, sizeof a->handle, "%s", ack->case_id);
    } else if (rc == RELAIS_E_TIMEOUT || rc == RELAIS_E_UNAVAILABLE) { /* no answer, or not now */
        settled = 0;
    } else if (err->status) {
        a->state = DESK_QUEUED_REFUSED;
        snprintf(a->code, sizeof a->code, "%s", relais_status_name(err->status));
        snprintf(a->sentence, sizeof a->sentence, "%s", err->message);
    } else { /* librelais refused to send it (it was signed by the same rules: not expected) */
        a->state = DESK_QUEUED_REFUSED;
        snprintf(a->code, sizeof a->code, "%s", relais_status_name(rc));
        snprintf(a->sentence, sizeof a->sentence, "%s", relais_status_detail());
    }
    if (settled) {
        a->settled_ms = desk_r_wall_ms();
        s_wipe(a);
    }
    pthread_mutex_unlock(&q->lock);
    return settled;
}

size_t desk_queue_flush_locked(relais_desk_t *desk)
{
    desk_queue_t *q = &desk->queue;
    if (!q->ready)
        return 0;
    for (;;) {
        pthread_mutex_lock(&q->lock);
        desk_queued_t *a = NULL;
        for (size_t i = 0; i < q->count && !a; i++)
            if (q->items[i].state == DESK_QUEUED_WAITING)
                a = &q->items[i];
        uint64_t number = a ? a->number : 0;
        const uint8_t *bytes = a ? a->bytes : NULL;
        size_t len = a ? a->len : 0;
        size_t waiting = s_waiting_unlocked(q);
        pthread_mutex_unlock(&q->lock);
        if (!a || atomic_load(&desk->stopping))
            return waiting;
        relais_ack_t ack = {0};
        relais_error_t err = {0};
        relais_status_clear();
        int rc = relais_client_submit_signed(desk->hub, bytes, len, &ack, &err);
        if (!s_settle(q, number, rc, &ack, &err))
            return waiting;
    }
}

int desk_queue_add_locked(relais_desk_t *desk, const uint8_t msg_id[RELAIS_MSG_ID_BYTES], const uint8_t *bytes,
                          size_t len, const desk_what_t *what)
{
    desk_queue_t *q = &desk->queue;
    if (!q->ready)
        return relais_status_set(RELAIS_E_INVALID, "the desk's queue is not open");
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return relais_status_set(RELAIS_E_NOMEM, "the desk's queue");
    memcpy(copy, bytes, len);
    pthread_mutex_lock(&q->lock);
    if (q->count == DESK_QUEUE_MAX) {
        /* room is made by forgetting the oldest outcome; actions that wait are never dropped */
        size_t i = 0;
        while (i < q->count && q->items[i].state == DESK_QUEUED_WAITING)
            i++;
        if (i == q->count) {
            pthread_mutex_unlock(&q->lock);
            sodium_memzero(copy, len);
            free(copy);
            return relais_status_set(RELAIS_E_STORE_FULL, "%d actions already wait for the hub in this desk's memory",
                                     DESK_QUEUE_MAX);
        }
        memmove(&q->items[i], &q->items[i + 1], (q->count - i - 1) * sizeof q->items[0]);
        q->count--;
    }
    desk_queued_t *a = &q->items[q->count++];
    *a = (desk_queued_t){.number = ++q->numbered, .what = *what, .queued_ms = desk_r_wall_ms(), .bytes = copy,
                         .len = len};
    memcpy(a->msg_id, msg_id, RELAIS_MSG_ID_BYTES);
    pthread_cond_signal(&q->wake);
    pthread_mutex_unlock(&q->lock);
    return 0;
}

size_t desk_queue_list(relais_desk_t *desk, desk_queued_t *out, size_t cap)
{
    desk_queue_t *q = &desk->queue;
    if (!q->ready)
        return 0;
    pthread_mutex_lock(&q->lock);
    size_t n = 0;
    for (size_t i = q->count; i > 0 && n < cap; i--) {
        out[n] = q->items[i - 1];
        out[n].bytes = NULL;
        out[n].len = 0;
        n++;
    }
    pthread_mutex_unlock(&q->lock);
    return n;
}

/* ---- The thread ------------------------------------------------------------------------------------ */

static void s_deadline(struct timespec *ts, int64_t ms)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (ms % 1000) * 1000000;
    if (ts->tv_nsec >= 1000000000) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000;
    }
}

static void *s_main(void *arg)
{
    relais_desk_t *desk = arg;
    desk_queue_t *q = &desk->queue;
    int64_t wait_ms = S_FIRST_WAIT_MS;
    pthread_mutex_lock(&q->lock);
    while (!atomic_load(&desk->stopping)) {
        struct timespec ts;
        if (!s_waiting_unlocked(q)) {
            wait_ms = S_FIRST_WAIT_MS;
            pthread_cond_wait(&q->wake, &q->lock);
            continue;
        }
        /* the form that queued it has just waited for the hub: give it a moment before trying again */
        s_deadline(&ts, wait_ms);
        int woken = pthread_cond_timedwait(&q->wake, &q->lock, &ts);
        if (atomic_load(&desk->stopping))
            break;
        if (woken == 0 && wait_ms == S_FIRST_WAIT_MS)
            continue; /* another action added: the clock starts again */
        pthread_mutex_unlock(&q->lock);
        pthread_mutex_lock(&desk->hub_lock);
        /* a short question first, so that the pages are not kept from the hub's client for a whole
         * send's timeout while the hub is away */
        size_t left = relais_client_ping(desk->hub, S_PING_MS) == 0 ? desk_queue_flush_locked(desk) : 1;
        pthread_mutex_unlock(&desk->hub_lock);
        pthread_mutex_lock(&q->lock);
        if (left == 0)
            wait_ms = S_FIRST_WAIT_MS;
        else
            wait_ms = wait_ms * 2 > S_LAST_WAIT_MS ? S_LAST_WAIT_MS : wait_ms * 2;
    }
    pthread_mutex_unlock(&q->lock);
    return NULL;
}

int desk_queue_open(relais_desk_t *desk)
{
    desk_queue_t *q = &desk->queue;
    pthread_condattr_t attr;
    if (pthread_condattr_init(&attr) != 0)
        return relais_status_set(RELAIS_E_NOMEM, "the desk's queue");
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC); /* a wall clock set back would not stall it */
    int rc = pthread_cond_init(&q->wake, &attr);
    pthread_condattr_destroy(&attr);
    if (rc != 0)
        return relais_status_set(RELAIS_E_NOMEM, "the desk's queue");
    pthread_mutex_init(&q->lock, NULL);
    q->ready = 1;
    if (pthread_create(&q->thread, NULL, s_main, desk) != 0)
        return relais_status_set(RELAIS_E_NOMEM, "the desk's queue's thread");
    q->started = 1;
    return 0;
}

void desk_queue_close(relais_desk_t *desk)
{
    desk_queue_t *q = &desk->queue;
    if (!q->ready)
        return;
    atomic_store(&desk->stopping, 1);
    if (q->started) {
        pthread_mutex_lock(&q->lock);
        pthread_cond_broadcast(&q->wake);
        pthread_mutex_unlock(&q->lock);
        pthread_join(q->thread, NULL);
        q->started = 0;
    }
    for (size_t i = 0; i < q->count; i++)
        s_wipe(&q->items[i]);
    sodium_memzero(q->items, sizeof q->items);
    q->count = 0;
    pthread_cond_destroy(&q->wake);
    pthread_mutex_destroy(&q->lock);
    q->ready = 0;
}

/* ---- What the pages say ---------------------------------------------------------------------------- */

const char *desk_queued_sentence(relais_cli_lang_t lang)
{
    return T(lang,
             "Le hub ne répond pas : votre envoi est gardé en attente dans la mémoire de ce desk (rien n'est écrit "
             "sur son disque) et partira dès que le hub répondra. Si le desk s'arrête avant, il sera perdu : ce que "
             "vous avez saisi reste affiché ci-dessous.",
             "The hub does not answer: what you sent is kept waiting in this desk's memory (nothing is written to "
             "its disk) and will go as soon as the hub answers. If the desk stops before, it will be lost: what you "
             "typed stays shown below.");
}

void desk_queued_link(relais_cli_lang_t lang, desk_buf_t *b)
{
    desk_buf_printf(b, " <a href=\"/queue\">%s</a>", T(lang, "Voir les envois en attente", "See what is waiting"));
}

/* Where an action leads, now that its handle may be known; "" for nowhere. */
static void s_link(const desk_queued_t *a, char *out, size_t cap)
{
    if (!a->what.by_handle)
        snprintf(out, cap, "%s", a->what.link);
    else if (a->handle[0])
        snprintf(out, cap, "%s%s", a->what.link, a->handle);
    else
        out[0] = '\0';
}

static void s_row(const desk_queued_t *a, relais_cli_lang_t lang, desk_buf_t *b)
{
    char when[64], link[sizeof a->what.link + RELAIS_CASE_ID_LEN];
    relais_cli_date_time(a->queued_ms, lang, when, sizeof when);
    desk_buf_put(b, "<tr><th scope=\"row\">");
    desk_buf_text(b, when);
    desk_buf_put(b, "</th><td>");
    s_link(a, link, sizeof link);
    if (link[0]) {
        desk_buf_put(b, "<a href=\"");
        desk_buf_text(b, link);
        desk_buf_put(b, "\">");
    }
    desk_buf_text(b, T(lang, a->what.fr, a->what.en));
    if (link[0])
        desk_buf_put(b, "</a>");
    desk_buf_put(b, "</td><td>");
    switch (a->state) {
    case DESK_QUEUED_RECORDED:
        relais_cli_date_time(a->settled_ms, lang, when, sizeof when);
        desk_buf_printf(b, T(lang, "enregistré n° %" PRIu64, "recorded #%" PRIu64), a->seq);
        if (a->handle[0]) {
            desk_buf_put(b, " (");
            desk_buf_text(b, a->handle);
            desk_buf_put(b, ")");
        }
        desk_buf_put(b, T(lang, " le ", " on "));
        desk_buf_text(b, when);
        break;
    case DESK_QUEUED_REFUSED:
        desk_buf_printf(b, "<strong>%s</strong> ", T(lang, "refusé :", "refused:"));
        desk_buf_text(b, a->sentence);
        desk_buf_put(b, " (");
        desk_buf_text(b, a->code);
        desk_buf_put(b, ")");
        break;
    case DESK_QUEUED_WAITING:
    default:
        desk_buf_put(b, T(lang, "en attente depuis le ", "waiting since "));
        desk_buf_text(b, when);
        break;
    }
    desk_buf_put(b, "</td></tr>\n");
}

void desk_page_queue(relais_desk_t *desk, const desk_session_t *s, desk_buf_t *b)
{
    relais_cli_lang_t lang = s->lang;
    desk_queued_t *items = calloc(DESK_QUEUE_MAX, sizeof *items);
    size_t n = items ? desk_queue_list(desk, items, DESK_QUEUE_MAX) : 0;
    size_t waiting = 0;
    for (size_t i = 0; i < n; i++)
        waiting += items[i].state == DESK_QUEUED_WAITING;
    const char *title = T(lang, "En attente", "Waiting");
    desk_page_begin(desk, s, lang, title, "queue", b);
    desk_buf_printf(b, "<h1>%s</h1>\n", title);
    desk_buf_printf(b, "<p>%s</p>\n",
                    T(lang, "Ce que ce desk a envoyé quand le hub ne répondait pas : il le garde dans sa mémoire, "
                            "jamais sur son disque, et l'envoie à nouveau dès que le hub répond. La réponse du hub "
                            "s'affiche ici, un refus aussi, même s'il vient des minutes plus tard. Tout est oublié "
                            "quand le desk s'arrête ; un envoi encore en attente est alors perdu.",
                      "What this desk sent while the hub did not answer: it keeps it in its memory, never on its "
                      "disk, and sends it again as soon as the hub answers. The hub's answer shows here, a refusal "
                      "too, even when it comes minutes later. Everything is forgotten when the desk stops; an "
                      "action still waiting is then lost."));
    desk_buf_printf(b, "<p class=\"hint\">%s</p>\n",
                    T(lang, "Cette page ne se met pas à jour d'elle-même : rechargez-la pour voir où en sont les "
                            "envois.",
                      "This page does not refresh by itself: load it again to see where the actions stand."));
    if (!items)
        desk_buf_printf(b, "<p class=\"alert\" role=\"alert\">%s</p>\n",
                        T(lang, "La liste n'a pas pu être faite (mémoire).", "The list could not be made (memory)."));
    else if (!n)
        desk_buf_printf(b, "<p>%s</p>\n", T(lang, "Rien n'attend le hub.", "Nothing waits for the hub."));
    else {
        desk_buf_put(b, "<div class=\"scroll\"><table id=\"queue\">\n<caption>");
        desk_buf_printf(b,
                        T(lang, "%zu envoi(s), le plus récent d'abord ; %zu en attente",
                          "%zu action(s), newest first; %zu waiting"),
                        n, waiting);
        desk_buf_printf(b,
                        "</caption>\n<thead><tr><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
                        "<th scope=\"col\">%s</th></tr></thead>\n<tbody>\n",
                        T(lang, "Gardé le", "Kept on"), T(lang, "Envoi", "Action"), T(lang, "État", "State"));
        for (size_t i = 0; i < n; i++)
            s_row(&items[i], lang, b);
        desk_buf_put(b, "</tbody>\n</table></div>\n");
    }
    free(items);
    desk_page_end(lang, b);
}

/* 43 characters of base64url: what desk_random_token makes. */
static int s_once_valid(const char *once)
{
    if (!once || strlen(once) != DESK_TOKEN_LEN - 1)
        return 0;
    for (const char *c = once; *c; c++)
        if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-' ||
              *c == '_'))
            return 0;
    return 1;
}

void desk_form_once(desk_buf_t *b, const desk_form_t *typed)
{
    char once[DESK_TOKEN_LEN];
    const char *posted = typed ? desk_form_get(typed, "once") : NULL;
    if (s_once_valid(posted))
        snprintf(once, sizeof once, "%s", posted);
    else
        desk_random_token(once);
    desk_buf_printf(b, "<input type=\"hidden\" name=\"once\" value=\"%s\">\n", once);
}

void desk_what_once(desk_what_t *what, const desk_form_t *form)
{
    const char *posted = form ? desk_form_get(form, "once") : NULL;
    snprintf(what->once, sizeof what->once, "%s", s_once_valid(posted) ? posted : "");
}

int desk_queue_has_once(relais_desk_t *desk, const char *once)
{
    desk_queue_t *q = &desk->queue;
    int found = 0;
    if (!q->ready || !s_once_valid(once))
        return 0;
    pthread_mutex_lock(&q->lock);
    for (size_t i = 0; i < q->count && !found; i++)
        found = strcmp(q->items[i].what.once, once) == 0;
    pthread_mutex_unlock(&q->lock);
    return found;
}
