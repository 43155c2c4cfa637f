/* client_query.c -- librelais's queries and coordinator moves: case list, show and update; meetings; online audit. */
#include "client_internal.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* ---- Cases ----------------------------------------------------------------------------- */

static int s_copy_text(char *dst, size_t cap, const char *src, const char *what)
{
    if (!src)
        src = "";
    if (strlen(src) >= cap)
        return relais_status_set(RELAIS_E_INVALID, "%s: longer than %zu bytes", what, cap - 1);
    memcpy(dst, src, strlen(src) + 1);
    return RELAIS_OK;
}

int relais_client_case_list(relais_client_t *self, const relais_case_filter_t *filter, relais_reply_t *out,
                            relais_error_t *err)
{
    relais_request_t req = {.kind = RELAIS_REQ_CASE_LIST};
    memset(out, 0, sizeof *out);
    if (filter) {
        req.states = filter->states;
        req.urgency = filter->urgency;
        req.overdue_only = filter->overdue_only;
        req.expiring_days = filter->expiring_days;
        req.mine = filter->mine;
        int rc = s_copy_text(req.school, sizeof req.school, filter->school, "school filter");
        if (!rc)
            rc = s_copy_text(req.referrer, sizeof req.referrer, filter->referrer, "referrer filter");
        if (!rc)
            rc = s_copy_text(req.name, sizeof req.name, filter->name, "name filter");
        if (rc)
            return rc;
    }
    int rc = relais_client_call(self, &req, RELAIS_REPLY_CASE_LIST, out, err);
    /* The hub sends a long list in pages: ask for the next until the last. */
    while (rc == 0 && out->next_case[0]) {
        if (strcmp(out->next_case, req.after) <= 0) {
            rc = relais_status_set(RELAIS_E_MALFORMED, "case list: the hub's next page goes backwards");
            break;
        }
        memcpy(req.after, out->next_case, sizeof req.after);
        relais_reply_t page;
        rc = relais_client_call(self, &req, RELAIS_REPLY_CASE_LIST, &page, err);
        if (rc)
            break;
        relais_case_summary_t *all =
            page.case_count ? realloc(out->cases, (out->case_count + page.case_count) * sizeof *all) : out->cases;
        if (!all) {
            relais_reply_clear(&page);
            rc = relais_status_set(RELAIS_E_NOMEM, "case list: %zu lines", out->case_count + page.case_count);
            break;
        }
        if (page.case_count)
            memcpy(all + out->case_count, page.cases, page.case_count * sizeof *all);
        out->cases = all;
        out->case_count += page.case_count;
        memcpy(out->next_case, page.next_case, sizeof out->next_case);
        relais_reply_clear(&page);
    }
    if (rc)
        relais_reply_clear(out);
    return rc;
}

/* Appends a following page's timeline to the first (taking its records). */
static int s_append_timeline(relais_reply_t *out, relais_reply_t *page)
{
    size_t n = out->record_count + page->record_count;
    uint8_t **records = realloc(out->records, (n ? n : 1) * sizeof *records);
    if (records)
        out->records = records;
    size_t *lens = records ? realloc(out->record_lens, (n ? n : 1) * sizeof *lens) : NULL;
    if (lens)
        out->record_lens = lens;
    if (!records || !lens)
        return relais_status_set(RELAIS_E_NOMEM, "case show: %zu records", n);
    memcpy(out->records + out->record_count, page->records, page->record_count * sizeof *records);
    memcpy(out->record_lens + out->record_count, page->record_lens, page->record_count * sizeof *lens);
    out->record_count = n;
    page->record_count = 0; /* the records are out's now */
    out->next_seq = page->next_seq;
    return 0;
}

int relais_client_case_show(relais_client_t *self, const char *case_id, relais_reply_t *out, relais_error_t *err)
{
    relais_request_t req = {.kind = RELAIS_REQ_CASE_SHOW, .with_history = 1};
    if (!case_id || !*case_id)
        return relais_status_set(RELAIS_E_INVALID, "no case id");
    int rc = s_copy_text(req.case_id, sizeof req.case_id, case_id, "case id");
    if (rc)
        return rc;
    rc = relais_client_call(self, &req, RELAIS_REPLY_CASE_DETAIL, out, err);
    /* A long timeline comes in pages; the first carries the summary and the history. */
    while (rc == 0 && out->next_seq) {
        if (out->next_seq <= req.from_seq) {
            rc = relais_status_set(RELAIS_E_MALFORMED, "case show: the hub's next page goes backwards");
            break;
        }
        req.from_seq = out->next_seq;
        req.with_history = 0;
        relais_reply_t page;
        rc = relais_client_call(self, &req, RELAIS_REPLY_CASE_DETAIL, &page, err);
        if (rc == 0)
            rc = s_append_timeline(out, &page);
        relais_reply_clear(&page); /* zeroed by a failed call: safe */
    }
    if (rc)
        relais_reply_clear(out);
    return rc;
}

int relais_client_archive_read(relais_client_t *self, const char *case_id, uint64_t opening_seq, relais_reply_t *out,
                               relais_error_t *err)
{
    relais_request_t req = {.kind = RELAIS_REQ_CASE_SHOW, .opening_seq = opening_seq};
    memset(out, 0, sizeof *out);
    int rc = s_copy_text(req.case_id, sizeof req.case_id, case_id, "case id");
    return rc ? rc : relais_client_call(self, &req, RELAIS_REPLY_CASE_DETAIL, out, err);
}

int relais_client_statistics(relais_client_t *self, unsigned threshold, relais_reply_t *out, relais_error_t *err)
{
    relais_request_t req = {.kind = RELAIS_REQ_STATS, .threshold = threshold};
    memset(out, 0, sizeof *out);
    return relais_client_call(self, &req, RELAIS_REPLY_STATISTICS, out, err);
}

int relais_client_reception_list(relais_client_t *self, const relais_request_t *filter, relais_reply_t *out,
                                 relais_error_t *err)
{
    relais_request_t req = *filter;
    req.kind = RELAIS_REQ_RECEPTION_LIST;
    req.submit = NULL;
    memset(out, 0, sizeof *out);
    return relais_client_call(self, &req, RELAIS_REPLY_CONTACT_LIST, out, err);
}

int relais_client_lost(relais_client_t *self, const relais_request_t *query, relais_reply_t *out, relais_error_t *err)
{
    relais_request_t req = *query;
    req.submit = NULL;
    memset(out, 0, sizeof *out);
    relais_reply_kind_t want = req.kind == RELAIS_REQ_LOST_LIST   ? RELAIS_REPLY_LOST_LIST
                               : req.kind == RELAIS_REQ_LOST_SHOW ? RELAIS_REPLY_LOST_DETAIL
                               : req.kind == RELAIS_REQ_LOST_MATCH ? RELAIS_REPLY_LOST_MATCHES
                                                                   : RELAIS_REPLY_NONE;
    if (want == RELAIS_REPLY_NONE)
        return relais_status_set(RELAIS_E_INVALID, "relais_client_lost: not a query of the lost and found");
    return relais_client_call(self, &req, want, out, err);
}

int relais_client_decree(relais_client_t *self, const relais_request_t *query, relais_reply_t *out, relais_error_t *err)
{
    relais_request_t req = *query;
    req.submit = NULL;
    memset(out, 0, sizeof *out);
    if (req.kind != RELAIS_REQ_DECREE_LIST && req.kind != RELAIS_REQ_DECREE_SHOW && req.kind != RELAIS_REQ_DECREE_IN_FORCE)
        return relais_status_set(RELAIS_E_INVALID, "relais_client_decree: not a query of the decrees");
    return relais_client_call(self, &req, RELAIS_REPLY_DECREE_LIST, out, err);
}

int relais_client_reception_show(relais_client_t *self, const char *entry, relais_reply_t *out, relais_error_t *err)
{
    relais_request_t req = {.kind = RELAIS_REQ_RECEPTION_SHOW};
    memset(out, 0, sizeof *out);
    if (!entry || snprintf(req.case_id, sizeof req.case_id, "%s", entry) >= (int)sizeof req.case_id)
        return relais_status_set(RELAIS_E_INVALID, "reception show: no entry, or one too long");
    return relais_client_call(self, &req, RELAIS_REPLY_CONTACT_DETAIL, out, err);
}

int relais_client_reception_stats(relais_client_t *self, int64_t from_ms, int64_t to_ms, unsigned threshold,
                                  relais_reply_t *out, relais_error_t *err)
{
    relais_request_t req = {.kind = RELAIS_REQ_RECEPTION_STATS, .from_ms = from_ms, .to_ms = to_ms,
                            .threshold = threshold};
    memset(out, 0, sizeof *out);
    return relais_client_call(self, &req, RELAIS_REPLY_STATISTICS, out, err);
}

/* "pathway-proposed" -> "PATHWAY_PROPOSED": the proto enum value name the JSON form uses. */
static json_t *s_state_json(relais_case_state_t state)
{
    const char *name = relais_case_state_name(state);
    char buf[64];
    size_t i = 0;
    for (; name && name[i] && i + 1 < sizeof buf; i++)
        buf[i] = name[i] == '-' ? '_' : (char)(name[i] >= 'a' && name[i] <= 'z' ? name[i] - 32 : name[i]);
    buf[i] = '\0';
    return json_string(buf);
}

static void s_set_text(json_t *obj, const char *key, const char *value)
{
    if (value && *value)
        json_object_set_new(obj, key, json_string(value));
}

static json_t *s_pathway_json(const relais_pathway_action_t *a)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "kind", json_string(a->kind == RELAIS_PATHWAY_COLLECTIVE ? "COLLECTIVE" : "INDIVIDUAL"));
    s_set_text(o, "description", a->description);
    s_set_text(o, "partner", a->partner);
    s_set_text(o, "start_date", a->start_date);
    s_set_text(o, "frequency", a->frequency);
    s_set_text(o, "responsible", a->responsible);
    return o;
}

/* The update as the JSON payload relais_message_from_json reads. Caller frees. */
static char *s_update_json(const relais_case_update_t *u)
{
    json_t *cu = json_object();
    json_t *root = json_object();
    json_t *path = json_array();
    char *text = NULL;
    if (!cu || !root || !path)
        goto out;
    s_set_text(cu, "case_id", u->case_id);
    json_object_set_new(cu, "from_state", s_state_json(u->from_state));
    json_object_set_new(cu, "to_state", s_state_json(u->to_state));
    s_set_text(cu, "sub_status", u->sub_status);
    s_set_text(cu, "reason_code", u->reason_code);
    s_set_text(cu, "note", u->note);
    s_set_text(cu, "diagnosis", u->diagnosis);
    for (size_t i = 0; i < u->pathway_count; i++)
        json_array_append_new(path, s_pathway_json(&u->pathway[i]));
    if (u->pathway_count)
        json_object_set(cu, "pathway", path);
    s_set_text(cu, "next_review_date", u->next_review_date);
    s_set_text(cu, "redirected_to", u->redirected_to);
    s_set_text(cu, "share_referral", u->share_referral);
    s_set_text(cu, "dismiss_duplicate", u->dismiss_duplicate);
    s_set_text(cu, "merge_into", u->merge_into);
    s_set_text(cu, "split_referral", u->split_referral);
    s_set_text(cu, "owner", u->owner);
    json_object_set(root, "case_update", cu);
    text = json_dumps(root, JSON_COMPACT);
out:
    json_decref(path);
    json_decref(cu);
    json_decref(root);
    return text;
}

/* The update's payload, checked; caller frees. */
static int s_update_checked(const relais_client_t *self, const relais_case_update_t *update, char **json)
{
    if (!self || !update || !update->case_id || !*update->case_id)
        return relais_status_set(RELAIS_E_INVALID, "case update: no case id");
    if (!relais_case_state_name(update->from_state) || !relais_case_state_name(update->to_state))
        return relais_status_set(RELAIS_E_INVALID, "case update: unknown state");
    *json = s_update_json(update);
    return *json ? 0 : RELAIS_E_NOMEM;
}

int relais_client_case_update(relais_client_t *self, const relais_case_update_t *update, relais_ack_t *ack,
                              relais_error_t *err)
{
    char *json = NULL;
    int rc = s_update_checked(self, update, &json);
    if (!rc)
        rc = relais_client_submit_json(self, json, strlen(json), ack, err);
    free(json);
    return rc;
}

int relais_client_case_update_sign(relais_client_t *self, const relais_case_update_t *update,
                                   uint8_t msg_id[RELAIS_MSG_ID_BYTES], uint8_t **out, size_t *out_len)
{
    char *json = NULL;
    int rc = s_update_checked(self, update, &json);
    if (!rc)
        rc = relais_client_sign_json(self, json, strlen(json), msg_id, out, out_len);
    free(json);
    return rc;
}

int relais_client_case_update_enqueue(relais_client_t *self, const relais_case_update_t *update, const char *tag,
                                      uint8_t msg_id[RELAIS_MSG_ID_BYTES])
{
    char *json = NULL;
    int rc = s_update_checked(self, update, &json);
    if (!rc)
        rc = relais_client_enqueue_json(self, json, strlen(json), tag, msg_id);
    free(json);
    return rc;
}

/* ---- Partnership meetings --------------------------------------------------------------- */

static json_t *s_attendee_json(const relais_attendee_t *a)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    s_set_text(o, "name", a->name);
    s_set_text(o, "role", a->role);
    s_set_text(o, "organisation", a->organisation);
    return o;
}

/* The record as the JSON payload relais_message_from_json reads. Caller frees. */
static char *s_meeting_json(const relais_meeting_record_t *m)
{
    json_t *mr = json_object(), *root = json_object(), *present = json_array();
    char *text = NULL;
    if (!mr || !root || !present)
        goto out;
    s_set_text(mr, "meeting_id", m->meeting_id);
    s_set_text(mr, "date", m->date);
    for (size_t i = 0; i < m->present_count; i++)
        json_array_append_new(present, s_attendee_json(&m->present[i]));
    if (m->present_count)
        json_object_set(mr, "present", present);
    s_set_text(mr, "case_id", m->case_id);
    s_set_text(mr, "decision", m->decision);
    s_set_text(mr, "next_review_date", m->next_review_date);
    json_object_set(root, "meeting", mr);
    text = json_dumps(root, JSON_COMPACT);
out:
    json_decref(present);
    json_decref(mr);
    json_decref(root);
    return text;
}

/* The record's payload, checked; caller frees. */
static int s_meeting_checked(const relais_client_t *self, const relais_meeting_record_t *record, char **json)
{
    if (!self || !record || !record->case_id || !*record->case_id || !record->meeting_id || !*record->meeting_id)
        return relais_status_set(RELAIS_E_INVALID, "meeting record: no case or meeting id");
    *json = s_meeting_json(record);
    return *json ? 0 : RELAIS_E_NOMEM;
}

int relais_client_meeting_record(relais_client_t *self, const relais_meeting_record_t *record, relais_ack_t *ack,
                                 relais_error_t *err)
{
    char *json = NULL;
    int rc = s_meeting_checked(self, record, &json);
    if (!rc)
        rc = relais_client_submit_json(self, json, strlen(json), ack, err);
    free(json);
    return rc;
}

int relais_client_meeting_record_enqueue(relais_client_t *self, const relais_meeting_record_t *record,
                                         const char *tag, uint8_t msg_id[RELAIS_MSG_ID_BYTES])
{
    char *json = NULL;
    int rc = s_meeting_checked(self, record, &json);
    if (!rc)
        rc = relais_client_enqueue_json(self, json, strlen(json), tag, msg_id);
    free(json);
    return rc;
}

int relais_client_meeting_list(relais_client_t *self, relais_reply_t *out, relais_error_t *err)
{
    relais_request_t req = {.kind = RELAIS_REQ_MEETING_LIST};
    memset(out, 0, sizeof *out);
    return relais_client_call(self, &req, RELAIS_REPLY_CASE_LIST, out, err);
}

int relais_client_meeting_show(relais_client_t *self, const char *meeting_id, relais_reply_t *out,
                               relais_error_t *err)
{
    relais_request_t req = {.kind = RELAIS_REQ_MEETING_SHOW};
    memset(out, 0, sizeof *out);
    int rc = s_copy_text(req.case_id, sizeof req.case_id, meeting_id, "meeting id");
    return rc ? rc : relais_client_call(self, &req, RELAIS_REPLY_CASE_DETAIL, out, err);
}

/* ---- Audit ----------------------------------------------------------------------------- */

int relais_client_audit_records(relais_client_t *self, uint64_t from_seq, uint64_t to_seq, relais_reply_t *out,
                                relais_error_t *err)
{
    relais_request_t req = {.kind = RELAIS_REQ_AUDIT_RECORDS, .from_seq = from_seq, .to_seq = to_seq};
    return relais_client_call(self, &req, RELAIS_REPLY_RECORDS, out, err);
}

int relais_client_audit_checkpoint(relais_client_t *self, relais_reply_t *out, relais_error_t *err)
{
    relais_request_t req = {.kind = RELAIS_REQ_AUDIT_CHECKPOINT};
    return relais_client_call(self, &req, RELAIS_REPLY_CHECKPOINT, out, err);
}

int relais_client_audit_checkpoint_at(relais_client_t *self, uint64_t tree_size, relais_reply_t *out,
                                      relais_error_t *err)
{
    relais_request_t req = {.kind = RELAIS_REQ_AUDIT_CHECKPOINT, .tree_size = tree_size};
    if (tree_size == 0)
        return relais_status_set(RELAIS_E_INVALID, "a checkpoint's tree size is from 1");
    return relais_client_call(self, &req, RELAIS_REPLY_CHECKPOINT, out, err);
}

int relais_client_audit_inclusion(relais_client_t *self, uint64_t seq, uint64_t tree_size, relais_reply_t *out,
                                  relais_error_t *err)
{
    relais_request_t req = {.kind = RELAIS_REQ_AUDIT_INCLUSION, .seq = seq, .tree_size = tree_size};
    return relais_client_call(self, &req, RELAIS_REPLY_INCLUSION, out, err);
}

int relais_client_audit_consistency(relais_client_t *self, uint64_t old_size, uint64_t new_size,
                                    relais_reply_t *out, relais_error_t *err)
{
    relais_request_t req = {.kind = RELAIS_REQ_AUDIT_CONSISTENCY, .old_size = old_size, .new_size = new_size};
    return relais_client_call(self, &req, RELAIS_REPLY_CONSISTENCY, out, err);
}
