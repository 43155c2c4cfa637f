/* reception_json.c -- the register's payloads as JSON, built once for the command (reception.c)
 * and the web desk (desk/reception.c), so that both send the same message for the same words. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "relais_page.h"
#include "relais_reception.h"

/* "2026-12-03 09:40" (or a date alone: its midnight) as local time. */
int relais_rcli_local_time(const char *text, int64_t *ms)
{
    struct tm tm = {.tm_isdst = -1};
    int y, mo, d, h = 0, mi = 0;
    char tail = 0;
    int n = sscanf(text, "%4d-%2d-%2d %2d:%2d%c", &y, &mo, &d, &h, &mi, &tail);
    char date[11];
    snprintf(date, sizeof date, "%.10s", text);
    if ((n != 3 && n != 5) || !relais_calendar_date(date, NULL, NULL, NULL) || h > 23 || mi > 59 || h < 0 || mi < 0)
        return -1;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    time_t t = mktime(&tm);
    if (t == (time_t)-1)
        return -1;
    *ms = (int64_t)t * 1000;
    return 0;
}

/* An optional text: left out when empty, as the hub reads an empty string as the field left out. */
static void s_put(json_t *obj, const char *key, const char *value)
{
    if (value && value[0])
        json_object_set_new(obj, key, json_string(value));
}

/* Enums by number: the JSON form takes relais.proto's values, which the C enums hold. */
json_t *relais_rcli_contact_json(const relais_rcli_contact_t *c)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "channel", json_integer((int)c->channel));
    s_put(o, "subject", c->subject);
    s_put(o, "requester", c->requester);
    s_put(o, "summary", c->summary);
    json_object_set_new(o, "occurred_ms", json_integer(c->occurred_ms));
    json_object_set_new(o, "category", json_integer((int)c->category));
    s_put(o, "street", c->street);
    s_put(o, "house_number", c->house_number);
    s_put(o, "contact_details", c->contact_details);
    if (c->agreed)
        json_object_set_new(o, "contact_agreed", json_true());
    json_object_set_new(o, "handling",
                        json_integer(c->answered ? RELAIS_HANDLING_ANSWERED_ON_SPOT : RELAIS_HANDLING_FOLLOW_UP));
    s_put(o, "acknowledged_date", c->acknowledged_date);
    s_put(o, "response_due_date", c->response_due_date);
    return o;
}

json_t *relais_rcli_update_json(const relais_rcli_update_t *u)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    s_put(o, "entry_id", u->entry_id);
    if (u->handling)
        json_object_set_new(o, "handling", json_integer((int)u->handling));
    s_put(o, "note", u->note);
    s_put(o, "acknowledged_date", u->acknowledged_date);
    s_put(o, "response_due_date", u->response_due_date);
    if (u->category)
        json_object_set_new(o, "category", json_integer((int)u->category));
    s_put(o, "street", u->street);
    s_put(o, "house_number", u->house_number);
    s_put(o, "subject", u->subject);
    return o;
}

json_t *relais_rcli_transfer_json(const char *entry_id, relais_recipient_t recipient, const char *name,
                                  relais_means_t means, const char *note)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    s_put(o, "entry_id", entry_id);
    json_object_set_new(o, "recipient", json_integer((int)recipient));
    s_put(o, "recipient_name", name);
    json_object_set_new(o, "means",
                        json_integer(recipient == RELAIS_RECIPIENT_HUB ? RELAIS_MEANS_BY_HUB : (int)means));
    s_put(o, "note", note);
    return o;
}

json_t *relais_rcli_answer_json(const char *transfer_id, relais_answer_t answer, const char *note)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    s_put(o, "transfer_id", transfer_id);
    json_object_set_new(o, "answer", json_integer((int)answer));
    s_put(o, "note", note);
    return o;
}

int relais_rcli_due_date(int64_t when_ms, unsigned days, char *out, size_t cap)
{
    time_t t = (time_t)((when_ms + (int64_t)days * 86400 * 1000) / 1000);
    struct tm tm;
    if (!localtime_r(&t, &tm) || !strftime(out, cap, "%Y-%m-%d", &tm))
        return RELAIS_E_INVALID;
    return 0;
}

char *relais_rcli_payload(const char *key, json_t *body)
{
    json_t *root = json_object();
    if (!root || !body || json_object_set_new(root, key, body) != 0) {
        json_decref(root);
        return NULL;
    }
    char *json = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    return json;
}

json_t *relais_rcli_lost_json(const relais_rcli_lost_t *l)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "kind", json_integer((int)l->kind));
    json_object_set_new(o, "category", json_integer((int)l->category));
    s_put(o, "description", l->description);
    s_put(o, "street", l->street);
    if (l->street && l->street[0]) /* a number alone says no place */
        s_put(o, "house_number", l->house_number);
    s_put(o, "place", l->place);
    json_object_set_new(o, "when_ms", json_integer(l->when_ms));
    s_put(o, "person", l->person);
    s_put(o, "contact", l->contact);
    if (l->kind == RELAIS_LOST_KIND_FOUND) {
        s_put(o, "storage", l->storage);
        s_put(o, "keep_until", l->keep_until);
        if (l->finder_claims)
            json_object_set_new(o, "finder_claims", json_true());
    } else if (l->until_ms) {
        json_object_set_new(o, "until_ms", json_integer(l->until_ms));
    }
    return o;
}

json_t *relais_rcli_lost_update_json(const relais_rcli_lost_update_t *u)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    s_put(o, "item_id", u->item_id);
    json_object_set_new(o, "kind", json_integer((int)u->kind));
    s_put(o, "owner", u->owner);
    s_put(o, "identity_checked", u->identity_checked);
    s_put(o, "declaration_id", u->declaration_id);
    if (u->outcome)
        json_object_set_new(o, "outcome", json_integer((int)u->outcome));
    s_put(o, "handed_to", u->handed_to);
    s_put(o, "note", u->note);
    return o;
}

int relais_rcli_keep_until(int64_t when_ms, long days, char *out, size_t cap)
{
    const char *env = getenv("RELAIS_LOST_KEEP_DAYS");
    if (!days && env && atol(env) > 0 && atol(env) <= 730)
        days = atol(env);
    if (!days)
        days = RELAIS_LOST_KEEP_DAYS_DEFAULT;
    time_t t = (time_t)(when_ms / 1000);
    struct tm tm;
    if (!localtime_r(&t, &tm))
        return RELAIS_E_INVALID;
    tm.tm_mday += (int)days;
    tm.tm_hour = 12; /* noon: a change of hour does not move the day */
    tm.tm_isdst = -1;
    t = mktime(&tm);
    if (t == (time_t)-1 || !localtime_r(&t, &tm) || !strftime(out, cap, "%Y-%m-%d", &tm))
        return RELAIS_E_INVALID;
    return 0;
}
