/* lost.c -- the lost and found's rules, its index and its matching. */
#include "relais_reception.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "relais_cases.h"
#include "relais_keys.h"
#include "reception_internal.h"

#define S_DAY_MS (86400LL * 1000)

#define s_refuse RECEPTION_REFUSE
#define s_set reception_set

int relais_lost_is_open(const relais_lost_record_t *rec)
{
    return rec->state == RELAIS_LOST_STATE_KEPT || rec->state == RELAIS_LOST_STATE_SOUGHT;
}

int64_t relais_lost_active_from(const relais_lost_record_t *rec, int64_t last_event_ms)
{
    int64_t kept_to = rec->state == RELAIS_LOST_STATE_KEPT ? relais_reception_day_end_ms(rec->keep_until) : 0;
    return kept_to > last_event_ms ? kept_to : last_event_ms;
}

int relais_lost_keeping_over(const relais_lost_record_t *rec, int64_t now_ms)
{
    int64_t end = relais_reception_day_end_ms(rec->keep_until);
    return rec->state == RELAIS_LOST_STATE_KEPT && end && now_ms >= end;
}

uint64_t relais_lost_key_id(const relais_lost_record_t *rec)
{
    return relais_key_id_of(rec->seq, rec->kind == RELAIS_LOST_KIND_LOST ? RELAIS_KEY_ID_PART_LOSS
                                                                         : RELAIS_KEY_ID_PART_FOUND);
}

/* ---- The rules ------------------------------------------------------------------------- */

static void s_open_item(const relais_message_t *msg, const relais_lost_view_t *l, uint64_t seq, int64_t received_ms,
                        relais_lost_record_t *rec)
{
    memset(rec, 0, sizeof *rec);
    rec->seq = seq;
    s_set(rec->sender, sizeof rec->sender, relais_message_sender(msg));
    rec->received_ms = received_ms;
    rec->kind = l->kind;
    rec->category = l->category;
    s_set(rec->description, sizeof rec->description, l->description);
    s_set(rec->street, sizeof rec->street, l->street);
    s_set(rec->house_number, sizeof rec->house_number, l->house_number);
    s_set(rec->place, sizeof rec->place, l->place);
    rec->when_ms = l->when_ms;
    rec->until_ms = l->until_ms;
    s_set(rec->person, sizeof rec->person, l->person);
    s_set(rec->contact, sizeof rec->contact, l->contact);
    s_set(rec->storage, sizeof rec->storage, l->storage);
    s_set(rec->keep_until, sizeof rec->keep_until, l->keep_until);
    rec->finder_claims = l->finder_claims;
    rec->state = l->kind == RELAIS_LOST_KIND_LOST ? RELAIS_LOST_STATE_SOUGHT : RELAIS_LOST_STATE_KEPT;
    rec->last_seq = seq;
    rec->updated_ms = received_ms;
}

/* The day an instant falls on, local time, as an ISO date. */
static void s_day(int64_t ms, char out[RELAIS_DATE_LEN])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (!localtime_r(&t, &tm) || strftime(out, RELAIS_DATE_LEN, "%Y-%m-%d", &tm) == 0)
        out[0] = '\0';
}

static int s_return(const relais_lost_update_view_t *u, int64_t received_ms, const relais_lost_record_t *declaration,
                    relais_lost_step_t *out)
{
    relais_lost_record_t *rec = &out->rec;
    if (u->declaration_id[0]) {
        if (!declaration)
            return s_refuse(out, RELAIS_E_BAD_TRANSITION, "%s is not in the lost and found", u->declaration_id);
        if (declaration->state != RELAIS_LOST_STATE_SOUGHT)
            return s_refuse(out, RELAIS_E_BAD_TRANSITION, "%s is %s already; only a declaration still sought is "
                                                          "answered by a return",
                            u->declaration_id, relais_lost_state_name(declaration->state));
        out->other = *declaration;
        out->has_other = 1;
        out->other.state = RELAIS_LOST_STATE_RECOVERED;
        relais_found_handle(rec->seq, out->other.matched_id);
        s_set(out->other.owner, sizeof out->other.owner, u->owner);
        out->other.closed_ms = received_ms;
        s_set(rec->matched_id, sizeof rec->matched_id, u->declaration_id);
    }
    rec->state = RELAIS_LOST_STATE_RETURNED;
    s_set(rec->owner, sizeof rec->owner, u->owner);
    s_set(rec->identity_checked, sizeof rec->identity_checked, u->identity_checked);
    rec->closed_ms = received_ms;
    return 0;
}

static int s_end(const relais_lost_update_view_t *u, int64_t received_ms, relais_lost_step_t *out)
{
    relais_lost_record_t *rec = &out->rec;
    char handle[RELAIS_CASE_ID_LEN], today[RELAIS_DATE_LEN];
    relais_found_handle(rec->seq, handle);
    s_day(received_ms, today);
    /* Kept for its owner to the end of keep_until; only what cannot be kept goes before. */
    if (received_ms < relais_reception_day_end_ms(rec->keep_until) && u->outcome != RELAIS_OUTCOME_DESTROYED)
        return s_refuse(out, RELAIS_E_BAD_TRANSITION,
                        "%s is kept for its owner until %s; before then it may only be destroyed (perishable or "
                        "dangerous), with a note saying why",
                        handle, rec->keep_until);
    if (received_ms < relais_reception_day_end_ms(rec->keep_until) && !u->note[0])
        return s_refuse(out, RELAIS_E_BAD_TRANSITION,
                        "%s is kept for its owner until %s; destroying it before then needs a note saying why", handle,
                        rec->keep_until);
    if (u->outcome == RELAIS_OUTCOME_TO_FINDER && !rec->finder_claims)
        return s_refuse(out, RELAIS_E_BAD_TRANSITION,
                        "%s: its finder did not ask for it when it was handed in; hand it over or destroy it", handle);
    rec->state = RELAIS_LOST_STATE_ENDED;
    rec->outcome = u->outcome;
    s_set(rec->handed_to, sizeof rec->handed_to,
          u->outcome == RELAIS_OUTCOME_TO_FINDER ? rec->person : u->handed_to);
    rec->closed_ms = received_ms;
    return 0;
}

int relais_lost_decide(const relais_lost_record_t *item, const relais_lost_record_t *declaration,
                       const relais_message_t *msg, uint64_t seq, int64_t received_ms, relais_lost_step_t *out)
{
    if (!msg || !out || !relais_payload_is_lost(relais_message_payload(msg)))
        return relais_status_set(RELAIS_E_INVALID, "relais_lost_decide needs a record of the lost and found");
    memset(out, 0, sizeof *out);
    if (relais_message_payload(msg) == RELAIS_PAYLOAD_LOST_FOUND) {
        relais_lost_view_t l;
        int rc = relais_message_lost(msg, &l);
        if (rc)
            return rc;
        out->item_seq = seq;
        s_open_item(msg, &l, seq, received_ms, &out->rec);
        return 0;
    }
    relais_lost_update_view_t u;
    int rc = relais_message_lost_update(msg, &u);
    if (rc)
        return rc;
    if (!item)
        return s_refuse(out, RELAIS_E_BAD_TRANSITION, "%s is not in the lost and found", u.item_id);
    out->rec = *item;
    out->item_seq = item->seq;
    if (u.kind != RELAIS_LOST_UPDATE_NOTE && !relais_lost_is_open(item))
        return s_refuse(out, RELAIS_E_BAD_TRANSITION, "%s is %s already", u.item_id, relais_lost_state_name(item->state));
    switch (u.kind) {
    case RELAIS_LOST_UPDATE_RETURN:
        s_return(&u, received_ms, declaration, out);
        break;
    case RELAIS_LOST_UPDATE_END:
        s_end(&u, received_ms, out);
        break;
    case RELAIS_LOST_UPDATE_WITHDRAW:
        out->rec.state = RELAIS_LOST_STATE_WITHDRAWN;
        out->rec.closed_ms = received_ms;
        break;
    default:
        break; /* a note: one more event */
    }
    if (out->status == 0) {
        out->rec.last_seq = seq;
        out->rec.updated_ms = received_ms;
        if (out->has_other) {
            out->other.last_seq = seq;
            out->other.updated_ms = received_ms;
        }
    }
    return 0;
}

/* ---- Over the index ------------------------------------------------------------------- */

static int s_decode(int rc, uint8_t *value, size_t len, uint64_t seq, relais_lost_record_t *out)
{
    if (rc == 0 && relais_lost_record_decode(value, len, out) != 0)
        rc = relais_status_set(RELAIS_E_CORRUPT, "the lost and found's item %" PRIu64 " does not decode", seq);
    free(value);
    return rc;
}

int relais_lost_load(relais_store_t *store, uint64_t seq, relais_lost_record_t *out)
{
    uint8_t *value = NULL;
    size_t len = 0;
    int rc = relais_store_register_get(store, RELAIS_STORE_REGISTER_LOST, seq, &value, &len);
    return s_decode(rc, value, len, seq, out);
}

/* The item `handle` names as the batch sees it, if it is of that kind: 0 with *found 0 when none. */
static int s_batch_item(relais_store_batch_t *batch, const char *handle, relais_lost_record_t *out, int *found)
{
    uint64_t seq = handle && handle[0] == 'P' ? relais_loss_handle_seq(handle) : relais_found_handle_seq(handle);
    uint8_t *value = NULL;
    size_t len = 0;
    *found = 0;
    if (seq == 0)
        return 0;
    int rc = relais_store_batch_register_get(batch, RELAIS_STORE_REGISTER_LOST, seq, &value, &len);
    if (rc == RELAIS_E_NOT_FOUND)
        return 0;
    rc = s_decode(rc, value, len, seq, out);
    /* "O-12" names a found item only, "P-12" a declaration only. */
    if (rc == 0)
        *found = (handle[0] == 'P') == (out->kind == RELAIS_LOST_KIND_LOST);
    return rc;
}

int relais_lost_batch_decide(relais_store_batch_t *batch, const relais_message_t *msg, uint64_t seq,
                             int64_t received_ms, relais_lost_step_t *out)
{
    relais_lost_record_t *both = malloc(2 * sizeof *both);
    if (!both)
        return relais_status_set(RELAIS_E_NOMEM, "out of memory reading the lost and found");
    int item = 0, declaration = 0, rc = 0;
    relais_lost_update_view_t u;
    if (relais_message_lost_update(msg, &u) == 0) {
        rc = s_batch_item(batch, u.item_id, &both[0], &item);
        if (rc == 0 && u.declaration_id[0])
            rc = s_batch_item(batch, u.declaration_id, &both[1], &declaration);
    }
    if (rc == 0)
        rc = relais_lost_decide(item ? &both[0] : NULL, declaration ? &both[1] : NULL, msg, seq, received_ms, out);
    free(both);
    return rc;
}

/* An item's active period counts from its last event (the sweep waits for the end of a kept item's
 * keeping too: relais_lost_active_from). */
static int s_lifecycle_touch(relais_store_batch_t *batch, const relais_lost_record_t *rec, uint64_t seq,
                             int64_t received_ms)
{
    char handle[RELAIS_CASE_ID_LEN];
    relais_lifecycle_t lc;
    relais_lost_handle(rec->kind, rec->seq, handle);
    int rc = relais_cases_batch_lifecycle_get(batch, handle, &lc);
    if (rc == RELAIS_E_NOT_FOUND) {
        memset(&lc, 0, sizeof lc);
        rc = 0;
    }
    if (rc)
        return rc;
    relais_cases_lifecycle_touch(&lc, seq, received_ms);
    return relais_cases_batch_lifecycle_put(batch, handle, &lc);
}

static int s_put(relais_store_batch_t *batch, const relais_lost_record_t *rec)
{
    uint8_t *value = NULL;
    size_t len = 0;
    int rc = relais_lost_record_encode(rec, &value, &len);
    if (rc == 0)
        rc = relais_store_batch_register_put(batch, RELAIS_STORE_REGISTER_LOST, rec->seq, value, len);
    free(value);
    return rc;
}

int relais_lost_batch_record(relais_store_batch_t *batch, const relais_lost_step_t *step, uint64_t seq)
{
    int rc = s_put(batch, &step->rec);
    if (rc == 0)
        rc = relais_store_batch_register_link(batch, RELAIS_STORE_REGISTER_LOST, seq, step->item_seq);
    if (rc == 0)
        rc = s_lifecycle_touch(batch, &step->rec, seq, step->rec.updated_ms);
    /* The declaration a return answers: its state. The return is the found item's event, sealed
     * under its key: once that key is gone, a rebuild cannot tell the declaration it closed, so
     * the declaration's lifecycle keeps counting from its own records. */
    if (rc == 0 && step->has_other)
        rc = s_put(batch, &step->other);
    return rc;
}

int relais_lost_fold(relais_store_batch_t *batch, const relais_message_t *msg, uint64_t seq, int64_t received_ms)
{
    relais_lost_step_t *step = malloc(sizeof *step);
    if (!step)
        return relais_status_set(RELAIS_E_NOMEM, "out of memory folding the lost and found");
    int rc = relais_lost_batch_decide(batch, msg, seq, received_ms, step);
    if (rc == 0 && step->status)
        rc = reception_refused_in_log(seq, step->status, step->why, "a lost-and-found record", "the lost and found");
    if (rc == 0)
        rc = relais_lost_batch_record(batch, step, seq);
    free(step);
    return rc;
}

int relais_lost_fold_gone(relais_store_batch_t *batch, uint64_t key_id, uint64_t seq, int64_t received_ms)
{
    uint32_t part = relais_key_id_part(key_id);
    if (part != RELAIS_KEY_ID_PART_FOUND && part != RELAIS_KEY_ID_PART_LOSS)
        return 0;
    relais_lost_record_t gone = {.seq = relais_key_id_owner(key_id),
                                 .kind = part == RELAIS_KEY_ID_PART_LOSS ? RELAIS_LOST_KIND_LOST : RELAIS_LOST_KIND_FOUND};
    int rc = s_lifecycle_touch(batch, &gone, seq, received_ms);
    return rc ? rc : 1;
}

/* ---- Matching -------------------------------------------------------------------------- */

/* Words of at least 3 letters of a folded text, but the few that say nothing of an item. */
static int s_word_counts(const char *word, size_t len)
{
    static const char *const empty[] = {"avec", "dans", "sur", "pour", "une", "des", "les", "par", "est", "son",
                                        "sa",   "ses",  "aux", "pas", "qui", "que", "the", "and", "with"};
    if (len < 3)
        return 0;
    for (size_t i = 0; i < sizeof empty / sizeof empty[0]; i++)
        if (strlen(empty[i]) == len && memcmp(empty[i], word, len) == 0)
            return 0;
    return 1;
}

/* Within a word: what folding left of letters and digits (and of scripts it keeps as they are);
 * punctuation and line breaks end a word as spaces do. */
static int s_word_byte(char c)
{
    return (unsigned char)c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* How many words of `a` are words of `b` too (both folded). */
static unsigned s_shared_words(const char *a, const char *b)
{
    unsigned shared = 0;
    size_t blen = strlen(b);
    for (const char *p = a; *p;) {
        while (*p && !s_word_byte(*p))
            p++;
        const char *w = p;
        while (*p && s_word_byte(*p))
            p++;
        size_t len = (size_t)(p - w);
        if (!s_word_counts(w, len))
            continue;
        for (const char *q = b; q + len <= b + blen; q++)
            if ((q == b || !s_word_byte(q[-1])) && memcmp(q, w, len) == 0 && !s_word_byte(q[len])) {
                shared++;
                break;
            }
    }
    return shared;
}

unsigned relais_lost_match_score(const relais_lost_record_t *a, const relais_lost_record_t *b, unsigned *reasons)
{
    const relais_lost_record_t *found = a->kind == RELAIS_LOST_KIND_FOUND ? a : b;
    const relais_lost_record_t *lost = a->kind == RELAIS_LOST_KIND_FOUND ? b : a;
    unsigned score = 0, why = 0;
    *reasons = 0;
    if (found->kind != RELAIS_LOST_KIND_FOUND || lost->kind != RELAIS_LOST_KIND_LOST)
        return 0;
    /* Found before it was lost (a day's slack for a resident's memory): not the same item. */
    if (found->when_ms + S_DAY_MS < lost->when_ms)
        return 0;
    if (found->category == lost->category) {
        score += 40;
        why |= RELAIS_MATCH_SAME_CATEGORY;
    } else if (found->category != RELAIS_ITEM_OTHER && lost->category != RELAIS_ITEM_OTHER) {
        return 0; /* a wallet is not keys */
    }
    int64_t lost_end = lost->until_ms ? lost->until_ms : lost->when_ms;
    int64_t gap = found->when_ms > lost_end ? found->when_ms - lost_end : 0;
    if (gap <= 7 * S_DAY_MS) {
        score += 20;
        why |= RELAIS_MATCH_CLOSE_DATES;
    } else if (gap <= 30 * S_DAY_MS) {
        score += 10;
    }
    char fa[RELAIS_CONTACT_LABEL_LEN * 2], fb[RELAIS_CONTACT_LABEL_LEN * 2];
    if (found->street[0] && strcmp(relais_reception_fold_text(found->street, fa, sizeof fa),
                                   relais_reception_fold_text(lost->street, fb, sizeof fb)) == 0) {
        score += 20;
        why |= RELAIS_MATCH_SAME_STREET;
    }
    if (found->place[0] && lost->place[0] &&
        s_shared_words(relais_reception_fold_text(found->place, fa, sizeof fa),
                       relais_reception_fold_text(lost->place, fb, sizeof fb))) {
        score += 10;
        why |= RELAIS_MATCH_SAME_PLACE;
    }
    char da[RELAIS_CONTACT_TEXT_LEN * 2], db[RELAIS_CONTACT_TEXT_LEN * 2];
    unsigned words = s_shared_words(relais_reception_fold_text(found->description, da, sizeof da),
                                    relais_reception_fold_text(lost->description, db, sizeof db));
    if (words) {
        score += words >= 3 ? 20 : words * 7;
        why |= RELAIS_MATCH_SAME_WORDS;
    }
    *reasons = why;
    return score > 100 ? 100 : score;
}

int relais_lost_matches(const relais_lost_record_t *rec, const relais_request_t *req, const char *search,
                        int64_t now_ms)
{
    if (req->lost_kind && rec->kind != req->lost_kind)
        return 0;
    if (req->item_category && rec->category != req->item_category)
        return 0;
    if ((req->from_ms && rec->when_ms < req->from_ms) || (req->to_ms && rec->when_ms >= req->to_ms))
        return 0;
    if (req->open_only && !relais_lost_is_open(rec))
        return 0;
    if (req->keeping_over && !relais_lost_keeping_over(rec, now_ms))
        return 0;
    if (!search[0])
        return 1;
    const char *fields[] = {rec->description, rec->place, rec->street, rec->person, rec->owner, rec->storage};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        char buf[RELAIS_CONTACT_TEXT_LEN * 2];
        if (strstr(relais_reception_fold_text(fields[i], buf, sizeof buf), search))
            return 1;
    }
    return 0;
}
