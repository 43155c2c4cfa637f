/* decree.c -- the decrees' register: a number once, the repeals, and what is in force where. */
#include "relais_reception.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reception_internal.h"

#define s_refuse RECEPTION_REFUSE

static int s_load(relais_store_t *store, relais_store_batch_t *batch, uint64_t seq, relais_decree_record_t *out)
{
    uint8_t *value = NULL;
    size_t len = 0;
    int rc = batch ? relais_store_batch_register_get(batch, RELAIS_STORE_REGISTER_DECREES, seq, &value, &len)
                   : relais_store_register_get(store, RELAIS_STORE_REGISTER_DECREES, seq, &value, &len);
    if (rc == 0 && relais_decree_record_decode(value, len, out) != 0)
        rc = relais_status_set(RELAIS_E_CORRUPT, "the decree of record %" PRIu64 " does not decode", seq);
    free(value);
    return rc;
}

int relais_decree_load(relais_store_t *store, const char *number, relais_decree_record_t *out)
{
    uint64_t seq;
    int rc = relais_store_decree_number_get(store, number, &seq);
    return rc ? rc : s_load(store, NULL, seq, out);
}

int relais_decree_batch_decide(relais_store_batch_t *batch, const relais_message_t *msg, uint64_t seq,
                               int64_t received_ms, relais_decree_step_t *out)
{
    memset(out, 0, sizeof *out);
    relais_decree_record_t *rec = &out->rec;
    int rc = relais_message_decree(msg, &rec->decree, NULL);
    if (rc)
        return rc;
    rec->seq = seq;
    snprintf(rec->sender, sizeof rec->sender, "%s", relais_message_sender(msg));
    rec->received_ms = received_ms;
    uint64_t taken;
    rc = relais_store_batch_decree_number_get(batch, rec->decree.number, &taken);
    if (rc == 0)
        return s_refuse(out, RELAIS_E_BAD_TRANSITION,
                        "decree.number: %s is the number of a decree published already (record %" PRIu64
                        "); expected a number of its own",
                        rec->decree.number, taken);
    if (rc != RELAIS_E_NOT_FOUND)
        return rc;
    for (size_t i = 0; i < rec->decree.repeal_count; i++) {
        const char *number = rec->decree.repeals[i];
        for (size_t j = 0; j < i; j++)
            if (strcmp(rec->decree.repeals[j], number) == 0)
                return s_refuse(out, RELAIS_E_MALFORMED, "decree.repeals.%zu: %s is named twice", i + 1, number);
        rc = relais_store_batch_decree_number_get(batch, number, &taken);
        if (rc == RELAIS_E_NOT_FOUND)
            return s_refuse(out, RELAIS_E_BAD_TRANSITION,
                            "decree.repeals.%zu: no decree %s is published; expected the number of a decree in the "
                            "register",
                            i + 1, number);
        relais_decree_record_t *old = &out->repealed[i];
        if (rc == 0)
            rc = s_load(NULL, batch, taken, old);
        if (rc)
            return rc;
        if (old->repealed_by[0])
            return s_refuse(out, RELAIS_E_BAD_TRANSITION, "decree.repeals.%zu: %s was repealed already by %s", i + 1,
                            number, old->repealed_by);
        snprintf(old->repealed_by, sizeof old->repealed_by, "%s", rec->decree.number);
        snprintf(old->repealed_from, sizeof old->repealed_from, "%s", rec->decree.effective_from);
        out->repealed_count = i + 1;
    }
    return 0;
}

static int s_put(relais_store_batch_t *batch, const relais_decree_record_t *rec)
{
    uint8_t *value = NULL;
    size_t len = 0;
    int rc = relais_decree_record_encode(rec, &value, &len);
    if (rc == 0)
        rc = relais_store_batch_register_put(batch, RELAIS_STORE_REGISTER_DECREES, rec->seq, value, len);
    free(value);
    return rc;
}

int relais_decree_batch_record(relais_store_batch_t *batch, const relais_decree_step_t *step)
{
    int rc = s_put(batch, &step->rec);
    if (rc == 0)
        rc = relais_store_batch_decree_number_put(batch, step->rec.decree.number, step->rec.seq);
    for (size_t i = 0; rc == 0 && i < step->repealed_count; i++)
        rc = s_put(batch, &step->repealed[i]);
    return rc;
}

int relais_decree_fold(relais_store_batch_t *batch, const relais_message_t *msg, uint64_t seq, int64_t received_ms)
{
    relais_decree_step_t *step = malloc(sizeof *step);
    if (!step)
        return relais_status_set(RELAIS_E_NOMEM, "out of memory folding the decrees");
    int rc = relais_decree_batch_decide(batch, msg, seq, received_ms, step);
    if (rc == 0 && step->status)
        rc = reception_refused_in_log(seq, step->status, step->why, "a decree", "the decrees");
    if (rc == 0)
        rc = relais_decree_batch_record(batch, step);
    free(step);
    return rc;
}

int relais_decree_numbers_parse(const char *text, uint32_t *from, uint32_t *to)
{
    const char *p = text;
    uint64_t a = 0, b = 0;
    int digits_a = 0, digits_b = 0, dash = 0;
    for (; p && *p >= '0' && *p <= '9' && digits_a < 6; p++, digits_a++)
        a = a * 10 + (uint64_t)(*p - '0');
    if (p && *p == '-') {
        dash = 1;
        for (p++; *p >= '0' && *p <= '9' && digits_b < 6; p++, digits_b++)
            b = b * 10 + (uint64_t)(*p - '0');
    }
    if (!p || *p || (!digits_a && !digits_b) || a > 99999 || b > 99999 || (!dash && !digits_a) ||
        (digits_a && a == 0) || (digits_b && b == 0))
        return relais_status_set(RELAIS_E_INVALID, "'%.40s' is no range of house numbers; expected 15, 2-40, 100- or -20",
                                 text ? text : "");
    if (digits_a && digits_b && a > b)
        return relais_status_set(RELAIS_E_INVALID, "%llu-%llu: the range runs from the lower number to the higher",
                                 (unsigned long long)a, (unsigned long long)b);
    *from = (uint32_t)a;
    *to = dash ? (uint32_t)b : (uint32_t)a;
    return 0;
}

/* ---- In force ------------------------------------------------------------------------- */

int relais_decree_in_force_on(const relais_decree_record_t *rec, const char *date)
{
    const relais_decree_t *d = &rec->decree;
    /* ISO dates compare as text. */
    if (strcmp(date, d->effective_from) < 0)
        return 0;
    if (d->duration == RELAIS_DECREE_TEMPORARY && strcmp(date, d->effective_to) > 0)
        return 0;
    return !rec->repealed_by[0] || strcmp(date, rec->repealed_from) < 0;
}

/* The number a house number starts with ("12 bis" is 12); 0 when it starts with none. */
static uint32_t s_house(const char *text)
{
    uint32_t n = 0;
    for (const char *p = text; p && *p >= '0' && *p <= '9' && n < 1000000; p++)
        n = n * 10 + (uint32_t)(*p - '0');
    return n;
}

int relais_decree_applies_at(const relais_decree_record_t *rec, const char *street_folded, const char *house_number)
{
    const relais_decree_t *d = &rec->decree;
    if (d->town_wide)
        return 1;
    uint32_t n = s_house(house_number);
    for (size_t i = 0; street_folded && street_folded[0] && i < d->place_count; i++) {
        const relais_decree_place_t *p = &d->places[i];
        char folded[RELAIS_CONTACT_LABEL_LEN * 2];
        if (strcmp(relais_reception_fold_text(p->street, folded, sizeof folded), street_folded) != 0)
            continue;
        if (n == 0)
            return 1; /* anywhere in the street: a part of it is enough to mention it */
        if ((p->from_number && n < p->from_number) || (p->to_number && n > p->to_number))
            continue;
        if ((p->side == RELAIS_SIDE_EVEN && n % 2) || (p->side == RELAIS_SIDE_ODD && !(n % 2)))
            continue;
        return 1;
    }
    return 0;
}

int relais_decree_matches(const relais_decree_record_t *rec, const char *search_folded, const char *on_date)
{
    if (on_date && on_date[0] && !relais_decree_in_force_on(rec, on_date))
        return 0;
    if (!search_folded || !search_folded[0])
        return 1;
    char buf[RELAIS_DECREE_TITLE_LEN * 2];
    if (strstr(relais_reception_fold_text(rec->decree.title, buf, sizeof buf), search_folded) ||
        strstr(relais_reception_fold_text(rec->decree.number, buf, sizeof buf), search_folded))
        return 1;
    for (size_t i = 0; i < rec->decree.place_count; i++)
        if (strstr(relais_reception_fold_text(rec->decree.places[i].street, buf, sizeof buf), search_folded))
            return 1;
    return 0;
}
