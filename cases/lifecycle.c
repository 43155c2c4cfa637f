/* lifecycle.c -- a case's lifecycle: the rights served on it, the moves the sweep makes, and when.
 *
 * Pure functions over a relais_lifecycle_t, like the case rules: the broker (writing the
 * store's lifecycle index) and the auditor (rebuilding it from the log) run this same code.
 */
#include "relais_cases.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define S_DAY_MS (24LL * 3600 * 1000)

void relais_cases_retention_default(relais_cases_retention_t *retention)
{
    retention->active_ms = RELAIS_CASES_ACTIVE_DAYS_DEFAULT * S_DAY_MS;
    retention->archive_ms = RELAIS_CASES_ARCHIVE_DAYS_DEFAULT * S_DAY_MS;
}

void relais_cases_lifecycle_touch(relais_lifecycle_t *lc, uint64_t seq, int64_t received_ms)
{
    lc->last_event_seq = seq;
    lc->last_event_ms = received_ms;
}

/* The fields a rectification may name: what a referral or a case update says of the child and
 * family, and the professionals' text about them. "guardian.N.x" names the N-th guardian of
 * the referral (from 1). */
static const char *const s_fields[] = {
    "child.family_name", "child.given_names", "child.birth_date", "child.school", "child.class_name",
    "referrer.name",     "referrer.contact",  "description",      "support_in_place", "note",
    "diagnosis",
};
static const char *const s_guardian_fields[] = {"name", "relationship", "phone", "email", "address"};

int relais_cases_rectifiable(const char *field)
{
    if (!field)
        return 0;
    for (size_t i = 0; i < sizeof s_fields / sizeof s_fields[0]; i++)
        if (strcmp(field, s_fields[i]) == 0)
            return 1;
    unsigned index;
    int n = 0;
    if (sscanf(field, "guardian.%u.%n", &index, &n) != 1 || n == 0 || index < 1 || index > 16)
        return 0;
    for (size_t i = 0; i < sizeof s_guardian_fields / sizeof s_guardian_fields[0]; i++)
        if (strcmp(field + n, s_guardian_fields[i]) == 0)
            return 1;
    return 0;
}

static int s_refuse(int code, char *why, size_t cap, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int s_refuse(int code, char *why, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, cap, fmt, ap);
    va_end(ap);
    return code;
}

static int s_rectify(const relais_lifecycle_t *lc, const relais_privacy_view_t *p, const char *record_case,
                     uint64_t seq, char *why, size_t cap)
{
    if (lc->tier != RELAIS_TIER_ACTIVE)
        return s_refuse(RELAIS_E_BAD_TRANSITION, why, cap,
                        "%s has left the active base: the hub can no longer read it to correct it", p->case_id);
    if (p->record_seq == 0 || p->record_seq >= seq || !record_case || strcmp(record_case, p->case_id) != 0)
        return s_refuse(RELAIS_E_BAD_TRANSITION, why, cap, "record %llu is no referral or update of %s",
                        (unsigned long long)p->record_seq, p->case_id);
    if (!relais_cases_rectifiable(p->field)) {
        snprintf(why, cap,
                 "privacy.field: '%.64s' cannot be corrected (child.family_name, child.given_names, "
                 "child.birth_date, child.school, child.class_name, guardian.N.name|relationship|phone|email|address, "
                 "referrer.name, referrer.contact, description, support_in_place, note, diagnosis)",
                 p->field ? p->field : "");
        return RELAIS_E_MALFORMED;
    }
    if (strcmp(p->field, "child.birth_date") == 0 && !relais_calendar_date(p->value, NULL, NULL, NULL)) {
        snprintf(why, cap, "privacy.value: a corrected birth date is a calendar date, YYYY-MM-DD");
        return RELAIS_E_MALFORMED;
    }
    return 0;
}

int relais_cases_lifecycle_apply(relais_lifecycle_t *lc, int exists, const relais_privacy_view_t *p,
                                 const char *record_case, uint64_t seq, int64_t received_ms, char *why, size_t cap)
{
    why[0] = '\0';
    const char *id = p->case_id ? p->case_id : "";
    if (!exists)
        return s_refuse(RELAIS_E_BAD_TRANSITION, why, cap, "there is no case %s", id);
    if (lc->tier == RELAIS_TIER_ERASED)
        return s_refuse(RELAIS_E_BAD_TRANSITION, why, cap, "%s was erased by record %llu: nothing of it is left", id,
                        (unsigned long long)lc->erased_seq);
    /* A merged case lives and goes with the case it was merged into: the family's requests are
     * that case's. */
    if (lc->merged_into[0] && (p->kind == RELAIS_PRIVACY_ERASURE_REQUESTED || p->kind == RELAIS_PRIVACY_HOLD_SET ||
                               p->kind == RELAIS_PRIVACY_HOLD_LIFTED))
        return s_refuse(RELAIS_E_BAD_TRANSITION, why, cap, "%s was merged into %s: ask for %s, whose records it holds",
                        id, lc->merged_into, lc->merged_into);
    int needs_reason = p->kind == RELAIS_PRIVACY_ERASURE_REQUESTED || p->kind == RELAIS_PRIVACY_HOLD_SET ||
                       p->kind == RELAIS_PRIVACY_ARCHIVE_OPENED || p->kind == RELAIS_PRIVACY_RECTIFIED;
    if (needs_reason && (!p->reason || !p->reason[0])) {
        snprintf(why, cap, "privacy.reason: a %s record says why", relais_privacy_kind_name(p->kind));
        return RELAIS_E_MALFORMED;
    }
    switch (p->kind) {
    case RELAIS_PRIVACY_ARCHIVED:
        if (lc->tier != RELAIS_TIER_ACTIVE)
            return s_refuse(RELAIS_E_BAD_TRANSITION, why, cap, "%s is archived already (record %llu)", id,
                            (unsigned long long)lc->archived_seq);
        lc->tier = RELAIS_TIER_ARCHIVED;
        lc->archived_seq = seq;
        lc->archived_ms = received_ms;
        return 0;
    case RELAIS_PRIVACY_ERASED:
        if (lc->tier != RELAIS_TIER_ARCHIVED)
            return s_refuse(RELAIS_E_BAD_TRANSITION, why, cap, "%s is erased from the archive only", id);
        if ((unsigned long long)lc->hold_seq)
            return s_refuse(RELAIS_E_LEGAL_HOLD, why, cap, "%s is under the legal hold of record %llu", id,
                            (unsigned long long)lc->hold_seq);
        lc->tier = RELAIS_TIER_ERASED;
        lc->erased_seq = seq;
        return 0;
    case RELAIS_PRIVACY_ERASURE_REQUESTED:
        if ((unsigned long long)lc->hold_seq)
            return s_refuse(RELAIS_E_LEGAL_HOLD, why, cap,
                            "%s is under the legal hold of record %llu: it cannot be erased until the hold is lifted",
                            id, (unsigned long long)lc->hold_seq);
        if ((unsigned long long)lc->erasure_requested_seq)
            return s_refuse(RELAIS_E_BAD_TRANSITION, why, cap, "the erasure of %s was asked already (record %llu)", id,
                            (unsigned long long)lc->erasure_requested_seq);
        lc->erasure_requested_seq = seq;
        return 0;
    case RELAIS_PRIVACY_HOLD_SET:
        if ((unsigned long long)lc->hold_seq)
            return s_refuse(RELAIS_E_BAD_TRANSITION, why, cap, "%s is under a legal hold already (record %llu)", id,
                            (unsigned long long)lc->hold_seq);
        lc->hold_seq = seq;
        return 0;
    case RELAIS_PRIVACY_HOLD_LIFTED:
        if (!(unsigned long long)lc->hold_seq)
            return s_refuse(RELAIS_E_BAD_TRANSITION, why, cap, "%s is under no legal hold", id);
        lc->hold_seq = 0;
        return 0;
    case RELAIS_PRIVACY_RECTIFIED: {
        int rc = s_rectify(lc, p, record_case, seq, why, cap);
        if (rc == 0)
            relais_cases_lifecycle_touch(lc, seq, received_ms);
        return rc;
    }
    case RELAIS_PRIVACY_ARCHIVE_OPENED:
        if (lc->tier != RELAIS_TIER_ARCHIVED)
            return s_refuse(RELAIS_E_BAD_TRANSITION, why, cap, "%s is not in the archive", id);
        return 0;
    case RELAIS_PRIVACY_MERGED:
        if (lc->tier != RELAIS_TIER_ACTIVE || lc->merged_into[0] || !p->value ||
            relais_cases_number(p->value) == 0 || strcmp(p->value, id) == 0)
            return s_refuse(RELAIS_E_BAD_TRANSITION, why, cap, "%s cannot be merged into '%.64s'", id,
                            p->value ? p->value : "");
        snprintf(lc->merged_into, sizeof lc->merged_into, "%s", p->value);
        return 0;
    default:
        snprintf(why, cap, "privacy.kind: missing or unknown");
        return RELAIS_E_MALFORMED;
    }
}

relais_cases_move_t relais_cases_sweep_move(const relais_lifecycle_t *lc, const relais_cases_retention_t *retention,
                                            int64_t now_ms, int64_t *due_ms)
{
    int64_t due = 0;
    relais_cases_move_t move = RELAIS_CASES_MOVE_NONE;
    if (lc->merged_into[0]) {
        /* A merged case moves with the case it was merged into, never on its own clock. */
    } else if (lc->tier == RELAIS_TIER_ACTIVE) {
        due = lc->erasure_requested_seq && !lc->hold_seq ? now_ms : lc->last_event_ms + retention->active_ms;
        move = now_ms >= due ? RELAIS_CASES_MOVE_ARCHIVE : RELAIS_CASES_MOVE_NONE;
    } else if (lc->tier == RELAIS_TIER_ARCHIVED && !(unsigned long long)lc->hold_seq) {
        due = lc->erasure_requested_seq ? now_ms : lc->archived_ms + retention->archive_ms;
        move = now_ms >= due ? RELAIS_CASES_MOVE_ERASE : RELAIS_CASES_MOVE_NONE;
    }
    if (due_ms)
        *due_ms = due;
    return move;
}

int relais_cases_lifecycle_adopt(relais_lifecycle_t *survivor, const char *merged_id, relais_lifecycle_t *merged)
{
    if (survivor->merged_count + 1 + merged->merged_count > RELAIS_MAX_MERGED)
        return relais_status_set(RELAIS_E_CORRUPT, "a case would hold more than %d merged cases", RELAIS_MAX_MERGED);
    snprintf(survivor->merged[survivor->merged_count++], RELAIS_CASE_ID_LEN, "%s", merged_id);
    memcpy(survivor->merged[survivor->merged_count], merged->merged, merged->merged_count * sizeof merged->merged[0]);
    survivor->merged_count += merged->merged_count;
    merged->merged_count = 0;
    return 0;
}
