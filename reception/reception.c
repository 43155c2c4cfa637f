/* reception.c -- the register's rules: what each reception record does to its entry. */
#include "relais_reception.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "relais_cases.h"
#include "relais_keys.h"
#include "reception_internal.h"

void reception_set(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

int reception_refuse(int *status, char *why, size_t cap, int code, const char *fmt, ...)
{
    *status = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, cap, fmt, ap);
    va_end(ap);
    return 0;
}

int reception_refused_in_log(uint64_t seq, int status, const char *why, const char *what, const char *made)
{
    return relais_status_set(RELAIS_E_CORRUPT,
                             "record %" PRIu64 " is %s the rules refuse (%s: %s): %s cannot be made from this log", seq,
                             what, relais_status_name(status), why, made);
}

#define s_refuse RECEPTION_REFUSE
#define s_set reception_set

int relais_reception_is_open(const relais_contact_record_t *rec)
{
    return rec->handling == RELAIS_HANDLING_FOLLOW_UP || rec->handling == RELAIS_HANDLING_TRANSFERRED;
}

int64_t relais_reception_day_end_ms(const char *date)
{
    int y, m, d;
    if (!date || !relais_calendar_date(date, &y, &m, &d))
        return 0;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d + 1, .tm_isdst = -1};
    time_t t = mktime(&tm); /* local midnight that ends the day */
    return t == (time_t)-1 ? 0 : (int64_t)t * 1000;
}

int relais_reception_overdue(const relais_contact_record_t *rec, int64_t now_ms)
{
    int64_t end = relais_reception_day_end_ms(rec->response_due_date);
    return relais_reception_is_open(rec) && end && now_ms >= end;
}

int relais_reception_in_time(const relais_contact_record_t *rec)
{
    int64_t end = relais_reception_day_end_ms(rec->response_due_date);
    return end && rec->closed_ms && rec->closed_ms < end;
}

const relais_transfer_state_t *relais_reception_transfer(const relais_contact_record_t *rec, uint64_t transfer_seq)
{
    for (size_t i = 0; i < rec->transfer_count; i++)
        if (rec->transfers[i].seq == transfer_seq)
            return &rec->transfers[i];
    return NULL;
}

int relais_reception_transferred_to(const relais_contact_record_t *rec, const char *reader)
{
    for (size_t i = 0; reader && i < rec->transfer_count; i++)
        if (rec->transfers[i].recipient == RELAIS_RECIPIENT_HUB && strcmp(rec->transfers[i].recipient_name, reader) == 0)
            return 1;
    return 0;
}

/* ---- The rules ------------------------------------------------------------------------- */

static void s_open_entry(const relais_message_t *msg, const relais_contact_view_t *c, uint64_t seq,
                         int64_t received_ms, relais_contact_record_t *rec)
{
    memset(rec, 0, sizeof *rec);
    rec->seq = seq;
    s_set(rec->sender, sizeof rec->sender, relais_message_sender(msg));
    rec->received_ms = received_ms;
    rec->occurred_ms = c->occurred_ms;
    rec->channel = c->channel;
    rec->category = c->category;
    s_set(rec->street, sizeof rec->street, c->street);
    s_set(rec->house_number, sizeof rec->house_number, c->house_number);
    s_set(rec->subject, sizeof rec->subject, c->subject);
    s_set(rec->requester, sizeof rec->requester, c->requester);
    s_set(rec->summary, sizeof rec->summary, c->summary);
    rec->handling = c->handling;
    s_set(rec->acknowledged_date, sizeof rec->acknowledged_date, c->acknowledged_date);
    s_set(rec->response_due_date, sizeof rec->response_due_date, c->response_due_date);
    /* Answered on the spot: dealt with as it is recorded. */
    rec->closed_ms = c->handling == RELAIS_HANDLING_ANSWERED_ON_SPOT ? received_ms : 0;
    rec->contact_agreed = c->contact_agreed;
}

static int s_update(const relais_contact_update_view_t *u, int64_t received_ms, relais_reception_step_t *out)
{
    relais_contact_record_t *rec = &out->rec;
    char handle[RELAIS_CASE_ID_LEN];
    relais_entry_handle(rec->seq, handle);
    if (u->handling == RELAIS_HANDLING_CLOSED && !relais_reception_is_open(rec))
        return s_refuse(out, RELAIS_E_BAD_TRANSITION,
                        "%s is closed already; reopen it first (relais reception update %s --follow-up)", handle, handle);
    if ((u->acknowledged_date[0] || u->response_due_date[0]) && !relais_channel_is_written(rec->channel))
        return s_refuse(out, RELAIS_E_BAD_TRANSITION,
                        "%s came by %s: only a written request (letter, e-mail, form) is acknowledged and answered by "
                        "a due date",
                        handle, relais_channel_name(rec->channel));
    if (u->handling == RELAIS_HANDLING_FOLLOW_UP && !relais_reception_is_open(rec)) {
        rec->handling = RELAIS_HANDLING_FOLLOW_UP;
        rec->closed_ms = 0;
    } else if (u->handling == RELAIS_HANDLING_FOLLOW_UP) {
        rec->handling = RELAIS_HANDLING_FOLLOW_UP;
    } else if (u->handling == RELAIS_HANDLING_CLOSED) {
        rec->handling = RELAIS_HANDLING_CLOSED;
        rec->closed_ms = received_ms;
    }
    if (u->acknowledged_date[0])
        s_set(rec->acknowledged_date, sizeof rec->acknowledged_date, u->acknowledged_date);
    if (u->response_due_date[0])
        s_set(rec->response_due_date, sizeof rec->response_due_date, u->response_due_date);
    if (u->category)
        rec->category = u->category;
    if (u->street[0])
        s_set(rec->street, sizeof rec->street, u->street);
    if (u->house_number[0])
        s_set(rec->house_number, sizeof rec->house_number, u->house_number);
    if (u->subject[0])
        s_set(rec->subject, sizeof rec->subject, u->subject);
    return 0;
}

static int s_transfer(const relais_message_t *msg, const relais_transfer_view_t *t, uint64_t seq, int64_t received_ms,
                      relais_reception_step_t *out)
{
    relais_contact_record_t *rec = &out->rec;
    char handle[RELAIS_CASE_ID_LEN];
    relais_entry_handle(rec->seq, handle);
    if (!relais_reception_is_open(rec))
        return s_refuse(out, RELAIS_E_BAD_TRANSITION,
                        "%s is closed; reopen it first (relais reception update %s --follow-up)", handle, handle);
    if (rec->transfer_count >= RELAIS_MAX_TRANSFERS)
        return s_refuse(out, RELAIS_E_BAD_TRANSITION, "%s has been transferred %d times already, the most an entry keeps",
                        handle, RELAIS_MAX_TRANSFERS);
    for (size_t i = 0; t->recipient == RELAIS_RECIPIENT_HUB && i < rec->transfer_count; i++)
        if (rec->transfers[i].recipient == RELAIS_RECIPIENT_HUB &&
            strcmp(rec->transfers[i].recipient_name, t->recipient_name) == 0 && !rec->transfers[i].answer) {
            char th[RELAIS_CASE_ID_LEN];
            relais_transfer_handle(rec->transfers[i].seq, th);
            return s_refuse(out, RELAIS_E_BAD_TRANSITION, "%s is already transferred to %s (%s), who has not answered yet",
                            handle, t->recipient_name, th);
        }
    relais_transfer_state_t *x = &rec->transfers[rec->transfer_count++];
    memset(x, 0, sizeof *x);
    x->seq = seq;
    x->recipient = t->recipient;
    s_set(x->recipient_name, sizeof x->recipient_name, t->recipient_name);
    x->means = t->means;
    x->transferred_ms = received_ms;
    s_set(x->sender, sizeof x->sender, relais_message_sender(msg));
    rec->handling = RELAIS_HANDLING_TRANSFERRED;
    return 0;
}

static int s_answer(const relais_message_t *msg, const relais_transfer_answer_view_t *a, uint64_t transfer_seq,
                    uint64_t seq, int64_t received_ms, relais_reception_step_t *out)
{
    relais_transfer_state_t *x = (relais_transfer_state_t *)relais_reception_transfer(&out->rec, transfer_seq);
    const char *sender = relais_message_sender(msg);
    /* No transfer, or another's: one answer for both, so that asking teaches nothing. */
    if (!x || x->recipient != RELAIS_RECIPIENT_HUB || strcmp(x->recipient_name, sender) != 0)
        return s_refuse(out, RELAIS_E_FORBIDDEN, "%s was not transferred to %s; only its recipient answers it",
                        a->transfer_id, sender);
    if (x->answer)
        return s_refuse(out, RELAIS_E_BAD_TRANSITION, "%s was answered already (%s)", a->transfer_id,
                        relais_answer_name(x->answer));
    x->answer = a->answer;
    x->answer_seq = seq;
    x->answered_ms = received_ms;
    return 0;
}

int relais_reception_decide(const relais_contact_record_t *entry, const relais_message_t *msg, uint64_t seq,
                            int64_t received_ms, relais_reception_step_t *out)
{
    if (!msg || !out || !relais_payload_is_reception(relais_message_payload(msg)))
        return relais_status_set(RELAIS_E_INVALID, "relais_reception_decide needs a reception record");
    memset(out, 0, sizeof *out);
    relais_payload_t payload = relais_message_payload(msg);
    if (payload == RELAIS_PAYLOAD_CONTACT) {
        relais_contact_view_t c;
        int rc = relais_message_contact(msg, &c);
        if (rc)
            return rc;
        out->entry_seq = seq;
        s_open_entry(msg, &c, seq, received_ms, &out->rec);
        out->rec.last_seq = seq;
        out->rec.updated_ms = received_ms;
        return 0;
    }
    relais_contact_update_view_t u;
    relais_transfer_view_t t;
    relais_transfer_answer_view_t a;
    const char *named = payload == RELAIS_PAYLOAD_CONTACT_UPDATE ? (relais_message_contact_update(msg, &u), u.entry_id)
                        : payload == RELAIS_PAYLOAD_TRANSFER     ? (relais_message_transfer(msg, &t), t.entry_id)
                                                                 : (relais_message_transfer_answer(msg, &a), a.transfer_id);
    if (!entry && payload == RELAIS_PAYLOAD_TRANSFER_ANSWER)
        return s_refuse(out, RELAIS_E_FORBIDDEN, "%s was not transferred to %s; only its recipient answers it", named,
                        relais_message_sender(msg));
    if (!entry)
        return s_refuse(out, RELAIS_E_BAD_TRANSITION, "%s is not in the reception's register", named);
    out->rec = *entry;
    out->entry_seq = entry->seq;
    int rc = payload == RELAIS_PAYLOAD_CONTACT_UPDATE ? s_update(&u, received_ms, out)
             : payload == RELAIS_PAYLOAD_TRANSFER     ? s_transfer(msg, &t, seq, received_ms, out)
                                                      : s_answer(msg, &a, relais_transfer_handle_seq(a.transfer_id), seq,
                                                                 received_ms, out);
    if (rc == 0 && out->status == 0) {
        out->rec.last_seq = seq;
        out->rec.updated_ms = received_ms;
    }
    return rc;
}

/* ---- Over the index ------------------------------------------------------------------- */

static int s_decode(int rc, uint8_t *value, size_t len, uint64_t entry_seq, relais_contact_record_t *out)
{
    if (rc == 0 && relais_contact_record_decode(value, len, out) != 0)
        rc = relais_status_set(RELAIS_E_CORRUPT, "the register's entry A-%" PRIu64 " does not decode", entry_seq);
    free(value);
    return rc;
}

int relais_reception_load(relais_store_t *store, uint64_t entry_seq, relais_contact_record_t *out)
{
    uint8_t *value = NULL;
    size_t len = 0;
    int rc = relais_store_register_get(store, RELAIS_STORE_REGISTER_CONTACTS, entry_seq, &value, &len);
    return s_decode(rc, value, len, entry_seq, out);
}

/* The entry as the batch sees it (errors those of relais_reception_load). */
static int s_batch_load(relais_store_batch_t *batch, uint64_t entry_seq, relais_contact_record_t *out)
{
    uint8_t *value = NULL;
    size_t len = 0;
    int rc = relais_store_batch_register_get(batch, RELAIS_STORE_REGISTER_CONTACTS, entry_seq, &value, &len);
    return s_decode(rc, value, len, entry_seq, out);
}

/* The entry a record names: an update's or a transfer's, or the entry of the transfer an answer
 * names. 0 with *found 0 when there is none. */
static int s_named_entry(relais_store_batch_t *batch, const relais_message_t *msg, relais_contact_record_t *entry,
                         int *found)
{
    relais_contact_update_view_t u;
    relais_transfer_view_t t;
    relais_transfer_answer_view_t a;
    uint64_t entry_seq = 0;
    *found = 0;
    switch (relais_message_payload(msg)) {
    case RELAIS_PAYLOAD_CONTACT_UPDATE:
        relais_message_contact_update(msg, &u);
        entry_seq = relais_entry_handle_seq(u.entry_id);
        break;
    case RELAIS_PAYLOAD_TRANSFER:
        relais_message_transfer(msg, &t);
        entry_seq = relais_entry_handle_seq(t.entry_id);
        break;
    case RELAIS_PAYLOAD_TRANSFER_ANSWER: {
        relais_message_transfer_answer(msg, &a);
        int rc = relais_store_batch_register_of(batch, RELAIS_STORE_REGISTER_CONTACTS, relais_transfer_handle_seq(a.transfer_id), &entry_seq);
        if (rc == RELAIS_E_NOT_FOUND)
            return 0;
        if (rc)
            return rc;
        break;
    }
    default:
        return 0;
    }
    if (entry_seq == 0)
        return 0;
    int rc = s_batch_load(batch, entry_seq, entry);
    if (rc == RELAIS_E_NOT_FOUND)
        return 0;
    *found = rc == 0;
    return rc;
}

int relais_reception_batch_decide(relais_store_batch_t *batch, const relais_message_t *msg, uint64_t seq,
                                  int64_t received_ms, relais_reception_step_t *out)
{
    relais_contact_record_t *entry = malloc(sizeof *entry);
    if (!entry)
        return relais_status_set(RELAIS_E_NOMEM, "out of memory reading the register");
    int found = 0;
    int rc = s_named_entry(batch, msg, entry, &found);
    if (rc == 0)
        rc = relais_reception_decide(found ? entry : NULL, msg, seq, received_ms, out);
    free(entry);
    return rc;
}

/* Record `seq`, received at `received_ms`, is an event of entry `entry_seq`: the entry's lifecycle
 * ("A-<entry_seq>" in the lifecycle index) counts its active period from it. Also for a record
 * whose key is gone (the index's rebuild after the entry left the active base). */
static int s_lifecycle_touch(relais_store_batch_t *batch, uint64_t entry_seq, uint64_t seq, int64_t received_ms)
{
    char handle[RELAIS_CASE_ID_LEN];
    relais_lifecycle_t lc;
    relais_entry_handle(entry_seq, handle);
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

int relais_reception_batch_record(relais_store_batch_t *batch, const relais_reception_step_t *step, uint64_t seq)
{
    uint8_t *value = NULL;
    size_t len = 0;
    int rc = relais_contact_record_encode(&step->rec, &value, &len);
    if (rc == 0)
        rc = relais_store_batch_register_put(batch, RELAIS_STORE_REGISTER_CONTACTS, step->entry_seq, value, len);
    if (rc == 0)
        rc = relais_store_batch_register_link(batch, RELAIS_STORE_REGISTER_CONTACTS, seq, step->entry_seq);
    /* Every record of the entry is one more event: its active period counts from the last. */
    if (rc == 0)
        rc = s_lifecycle_touch(batch, step->entry_seq, seq, step->rec.updated_ms);
    free(value);
    return rc;
}

int relais_reception_fold(relais_store_batch_t *batch, const relais_message_t *msg, uint64_t seq, int64_t received_ms)
{
    if (relais_payload_is_lost(relais_message_payload(msg)))
        return relais_lost_fold(batch, msg, seq, received_ms);
    if (relais_message_payload(msg) == RELAIS_PAYLOAD_DECREE)
        return relais_decree_fold(batch, msg, seq, received_ms);
    if (!relais_payload_is_reception(relais_message_payload(msg)))
        return 0;
    relais_reception_step_t *step = malloc(sizeof *step);
    if (!step)
        return relais_status_set(RELAIS_E_NOMEM, "out of memory folding the register");
    int rc = relais_reception_batch_decide(batch, msg, seq, received_ms, step);
    if (rc == 0 && step->status)
        rc = reception_refused_in_log(seq, step->status, step->why, "a reception record", "the register");
    if (rc == 0)
        rc = relais_reception_batch_record(batch, step, seq);
    free(step);
    return rc;
}

/* Whether a record whose data key `key_id` is gone was an entry's of the register rather than a
 * case's: the record that opened the entry is sealed under its entry's own key (part 0, owner
 * the record itself), which no case record is (a case opens with a referral's key, part 1); the
 * entry's later records under that key once its lifecycle is known. */
static int s_owns_key(relais_store_batch_t *batch, uint64_t key_id, uint64_t seq)
{
    if (relais_key_id_part(key_id) != 0)
        return 0;
    uint64_t owner = relais_key_id_owner(key_id);
    if (owner == seq)
        return 1;
    char handle[RELAIS_CASE_ID_LEN];
    relais_lifecycle_t lc;
    relais_entry_handle(owner, handle);
    return relais_cases_batch_lifecycle_get(batch, handle, &lc) == 0;
}

int relais_reception_fold_gone(relais_store_batch_t *batch, uint64_t key_id, uint64_t seq, int64_t received_ms)
{
    int lost = relais_lost_fold_gone(batch, key_id, seq, received_ms);
    if (lost)
        return lost;
    if (!s_owns_key(batch, key_id, seq))
        return 0;
    int rc = s_lifecycle_touch(batch, relais_key_id_owner(key_id), seq, received_ms);
    return rc ? rc : 1;
}

/* ---- The desk's search ----------------------------------------------------------------- */

char *relais_reception_fold_text(const char *text, char *out, size_t cap)
{
    if (cap == 0)
        return out;
    if (relais_cases_normalise_name(text ? text : "", out, cap) != 0)
        out[0] = '\0';
    return out;
}

static int s_contains(const char *text, const char *folded)
{
    if (!folded[0])
        return 1;
    char buf[RELAIS_CONTACT_TEXT_LEN * 2];
    relais_reception_fold_text(text, buf, sizeof buf);
    return strstr(buf, folded) != NULL;
}

int relais_reception_matches(const relais_contact_record_t *rec, const relais_request_t *req, const char *search,
                             const char *street, int64_t now_ms)
{
    if (req->category && rec->category != req->category)
        return 0;
    if ((req->from_ms && rec->occurred_ms < req->from_ms) || (req->to_ms && rec->occurred_ms >= req->to_ms))
        return 0;
    if (req->open_only && !relais_reception_is_open(rec))
        return 0;
    if (req->overdue_only && !relais_reception_overdue(rec, now_ms))
        return 0;
    if ((req->awaiting_answer || req->declined || req->unacknowledged) && !relais_reception_is_open(rec))
        return 0;
    if (req->unacknowledged && (!relais_channel_is_written(rec->channel) || rec->acknowledged_date[0]))
        return 0;
    /* The transfers in the hub: any still unanswered; the last one declined. */
    int awaiting = 0;
    const relais_transfer_state_t *last = NULL;
    for (size_t i = 0; i < rec->transfer_count; i++)
        if (rec->transfers[i].recipient == RELAIS_RECIPIENT_HUB) {
            awaiting |= !rec->transfers[i].answer;
            last = &rec->transfers[i];
        }
    if (req->awaiting_answer && !awaiting)
        return 0;
    if (req->declined && (!last || last->answer != RELAIS_ANSWER_DECLINED))
        return 0;
    if (street[0]) {
        char buf[RELAIS_CONTACT_LABEL_LEN * 2];
        if (strcmp(relais_reception_fold_text(rec->street, buf, sizeof buf), street) != 0)
            return 0;
    }
    return !search[0] || s_contains(rec->subject, search) || s_contains(rec->requester, search) ||
           s_contains(rec->street, search) || s_contains(rec->summary, search);
}
