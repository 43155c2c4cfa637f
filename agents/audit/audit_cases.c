/* audit_cases.c -- the case replay of `relais audit verify`: every case rebuilt from the log, compared with the index.
 *
 * The case index in the store is a cache the broker writes as it commits events. The audit
 * runs the very rules the broker runs (relais_cases) over the log, in order, into a map in
 * memory, then compares: each event's entry in the store (record -> case, and the status
 * after the event that partners are served), each case record byte for byte, each open
 * child's link. Any difference fails the audit and names the case.
 */
#include "audit_internal.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "relais_cases.h"
#include "relais_store.h"

/* ---- A small map: byte-string keys to byte-string values (open addressing) ------------------ */

typedef struct {
    uint8_t *key;  /* owned; NULL: an empty slot */
    size_t klen;   /* key length */
    uint64_t hash; /* the key's hash: most probes that miss stop here, without reading the key */
    uint8_t *val;  /* owned */
    size_t vlen;   /* value length */
    int seen;      /* matched against the store's index */
} s_slot_t;

typedef struct {
    s_slot_t *slots; /* power-of-two room */
    size_t room;     /* slots */
    size_t count;    /* used */
} s_map_t;

static uint64_t s_hash(const uint8_t *key, size_t len)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ key[i]) * 1099511628211ull;
    return h;
}

static s_slot_t *s_slot_hashed(const s_map_t *m, const void *key, size_t klen, uint64_t h)
{
    size_t i = (size_t)h & (m->room - 1);
    for (const s_slot_t *s = &m->slots[i]; s->key; s = &m->slots[i]) {
        if (s->hash == h && s->klen == klen && memcmp(s->key, key, klen) == 0)
            break;
        i = (i + 1) & (m->room - 1);
    }
    return &m->slots[i];
}

static s_slot_t *s_slot(const s_map_t *m, const void *key, size_t klen)
{
    return s_slot_hashed(m, key, klen, s_hash(key, klen));
}

static int s_grow(s_map_t *m)
{
    s_map_t bigger = {calloc(m->room ? 2 * m->room : 1024, sizeof(s_slot_t)), m->room ? 2 * m->room : 1024,
                      m->count};
    if (!bigger.slots)
        return RELAIS_E_NOMEM;
    for (size_t i = 0; i < m->room; i++)
        if (m->slots[i].key)
            *s_slot_hashed(&bigger, m->slots[i].key, m->slots[i].klen, m->slots[i].hash) = m->slots[i];
    free(m->slots);
    *m = bigger;
    return 0;
}

/* Sets key -> val, replacing a previous value; the map takes `val` (malloc'd) whatever the
 * outcome. */
static int s_put_owned(s_map_t *m, const void *key, size_t klen, uint8_t *val, size_t vlen)
{
    if (2 * (m->count + 1) > m->room && s_grow(m) != 0) {
        free(val);
        return RELAIS_E_NOMEM;
    }
    uint64_t h = s_hash(key, klen);
    s_slot_t *s = s_slot_hashed(m, key, klen, h);
    if (!s->key) {
        if (!(s->key = malloc(klen ? klen : 1))) {
            free(val);
            return RELAIS_E_NOMEM;
        }
        memcpy(s->key, key, klen);
        s->klen = klen;
        s->hash = h;
        m->count++;
    }
    free(s->val);
    s->val = val;
    s->vlen = vlen;
    return 0;
}

/* Sets key -> a copy of val. */
static int s_put(s_map_t *m, const void *key, size_t klen, const void *val, size_t vlen)
{
    uint8_t *copy = malloc(vlen ? vlen : 1);
    if (!copy)
        return RELAIS_E_NOMEM;
    memcpy(copy, val, vlen);
    return s_put_owned(m, key, klen, copy, vlen);
}

static s_slot_t *s_get(const s_map_t *m, const void *key, size_t klen)
{
    if (!m->room)
        return NULL;
    s_slot_t *s = s_slot(m, key, klen);
    return s->key ? s : NULL;
}

static void s_map_free(s_map_t *m)
{
    for (size_t i = 0; i < m->room; i++) {
        free(m->slots[i].key);
        free(m->slots[i].val);
    }
    free(m->slots);
    memset(m, 0, sizeof *m);
}

/* ---- The replay ------------------------------------------------------------------------------ */

struct relais_audit_cases {
    relais_store_t *store;        /* the copy audited */
    uint8_t secret[32];           /* the hub's child-key secret */
    s_map_t cases;                /* case id -> encoded CaseRecord, as the replay makes it */
    s_map_t children;             /* child key -> case id of the child's open case; "" when closed */
    s_map_t lifecycles;           /* case id -> relais_lifecycle_t (its bytes) */
    s_map_t gone;                 /* key id (8 bytes) -> "": keys found gone from the store */
    s_map_t meetings;             /* meeting id || 0x00 || seq (8) -> case id: the meetings' index the log makes */
    s_map_t blocks;               /* blocking key -> its cases in the store's order: (id length (1), id, names
                                   * length (2), names)... */
    s_map_t caseblocks;           /* case id -> its blocking keys (32 bytes each), to take its entries away */
    s_map_t moved;                /* seq (8) -> 1 byte: a referral the index files elsewhere than its case
                                   * then; a split must have moved it (0 once its copy showed where) */
    s_map_t split_keys;           /* key id (8) -> the split's seq (8): keys a split destroyed */
    s_map_t transfers;            /* a transfer's seq (8) -> its entry's seq (8): the register's answers */
    uint64_t next_seq;            /* the record the replay expects next */
    uint64_t gone_seq;            /* the last record whose key is gone ... */
    char gone_case[RELAIS_CASE_ID_LEN]; /* ... and the case its key names */
    int compare;                  /* the store's indexes can be read: each event is checked against them */
    relais_audit_outcome_t found; /* the replay's first finding, held back until the end */
    relais_audit_outcome_t *out;  /* where a finding goes: &found while records come in */
};
typedef struct relais_audit_cases s_replay_t;

static int s_case_get(void *ctx, const char *case_id, relais_case_record_t *out)
{
    const s_replay_t *r = ctx;
    const s_slot_t *s = s_get(&r->cases, case_id, strlen(case_id));
    if (!s)
        return RELAIS_E_NOT_FOUND;
    return relais_case_record_decode(s->val, s->vlen, out);
}

static int s_child_get(void *ctx, const uint8_t key[32], char *case_id)
{
    const s_replay_t *r = ctx;
    const s_slot_t *s = s_get(&r->children, key, 32);
    if (!s || s->vlen == 0 || s->vlen >= RELAIS_CASE_ID_LEN)
        return RELAIS_E_NOT_FOUND;
    memcpy(case_id, s->val, s->vlen);
    case_id[s->vlen] = '\0';
    return 0;
}

static int s_referral_get(void *ctx, uint64_t seq, relais_referral_record_t *out)
{
    const s_replay_t *r = ctx;
    char handle[RELAIS_CASE_ID_LEN];
    relais_referral_handle(seq, handle);
    const s_slot_t *s = s_get(&r->cases, handle, strlen(handle));
    if (!s || s->vlen == 0)
        return RELAIS_E_NOT_FOUND; /* none, or forgotten (its case left the active base) */
    return relais_referral_record_decode(s->val, s->vlen, out);
}

/* One case of a blocking key's list, at byte `at` of its value; 0 past the end. */
typedef struct {
    const uint8_t *id; /* the case id, id_len bytes, not terminated */
    size_t id_len;
    const uint8_t *names;
    size_t names_len;
    size_t size; /* the entry's bytes in the list */
} s_block_entry_t;

static int s_block_entry(const s_slot_t *s, size_t at, s_block_entry_t *e)
{
    if (!s || !s->key || at + 3 > s->vlen)
        return 0;
    e->id_len = s->val[at];
    e->id = s->val + at + 1;
    e->names_len = (size_t)s->val[at + 1 + e->id_len] << 8 | s->val[at + 2 + e->id_len];
    e->names = s->val + at + 3 + e->id_len;
    e->size = 3 + e->id_len + e->names_len;
    return 1;
}

/* The store's order of a blocking key's cases: their ids' bytes, the shorter first on a tie. */
static int s_block_order(const s_block_entry_t *x, const s_block_entry_t *y)
{
    int c = memcmp(x->id, y->id, x->id_len < y->id_len ? x->id_len : y->id_len);
    return c ? c : (x->id_len > y->id_len) - (x->id_len < y->id_len);
}

static int s_block_scan(void *ctx, const uint8_t key[RELAIS_CASES_BLOCK_KEY_SIZE],
                        int (*fn)(void *fn_ctx, const char *case_id, const uint8_t *names, size_t len), void *fn_ctx)
{
    const s_replay_t *r = ctx;
    const s_slot_t *s = s_get(&r->blocks, key, RELAIS_CASES_BLOCK_KEY_SIZE);
    s_block_entry_t e;
    for (size_t at = 0; s_block_entry(s, at, &e); at += e.size) {
        char case_id[RELAIS_CASE_ID_LEN];
        memcpy(case_id, e.id, e.id_len);
        case_id[e.id_len] = '\0';
        int rc = fn(fn_ctx, case_id, e.names, e.names_len);
        if (rc)
            return rc;
    }
    return 0;
}

/* Files a new case under its blocking keys, as the hub's index does. */
static int s_block_put(s_replay_t *r, const relais_cases_step_t *step)
{
    const char *id = step->rec.summary.case_id;
    size_t id_len = strlen(id), names_len = step->block_names_len;
    if (id_len >= RELAIS_CASE_ID_LEN || names_len > UINT16_MAX)
        return RELAIS_E_INVALID;
    const s_block_entry_t mine = {.id = (const uint8_t *)id, .id_len = id_len};
    for (size_t i = 0; i < step->block_count; i++) {
        const s_slot_t *s = s_get(&r->blocks, step->block_keys[i], RELAIS_CASES_BLOCK_KEY_SIZE);
        size_t old = s ? s->vlen : 0, at = 0, size = 3 + id_len + names_len;
        /* Kept in the store's order, so that a scan lists the cases as the store's does. */
        s_block_entry_t e;
        while (s_block_entry(s, at, &e) && s_block_order(&e, &mine) < 0)
            at += e.size;
        uint8_t *val = malloc(old + size);
        if (!val)
            return RELAIS_E_NOMEM;
        if (at)
            memcpy(val, s->val, at);
        val[at] = (uint8_t)id_len;
        memcpy(val + at + 1, id, id_len);
        val[at + 1 + id_len] = (uint8_t)(names_len >> 8);
        val[at + 2 + id_len] = (uint8_t)names_len;
        memcpy(val + at + 3 + id_len, step->block_names, names_len);
        if (old > at)
            memcpy(val + at + size, s->val + at, old - at);
        int rc = s_put_owned(&r->blocks, step->block_keys[i], RELAIS_CASES_BLOCK_KEY_SIZE, val, old + size);
        if (rc)
            return rc;
    }
    return s_put(&r->caseblocks, id, id_len, step->block_keys, step->block_count * RELAIS_CASES_BLOCK_KEY_SIZE);
}

/* A case that left the open states is no candidate: its entries go, as the hub's do. */
static int s_block_forget(s_replay_t *r, const char *case_id)
{
    size_t id_len = strlen(case_id);
    s_slot_t *keys = s_get(&r->caseblocks, case_id, id_len);
    for (size_t k = 0; keys && k + RELAIS_CASES_BLOCK_KEY_SIZE <= keys->vlen; k += RELAIS_CASES_BLOCK_KEY_SIZE) {
        s_slot_t *s = s_get(&r->blocks, keys->val + k, RELAIS_CASES_BLOCK_KEY_SIZE);
        size_t kept = 0;
        s_block_entry_t e;
        for (size_t at = 0; s_block_entry(s, at, &e); at += e.size)
            if (e.id_len != id_len || memcmp(e.id, case_id, id_len) != 0) {
                memmove(s->val + kept, s->val + at, e.size);
                kept += e.size;
            }
        if (s)
            s->vlen = kept;
    }
    if (keys)
        keys->vlen = 0;
    return 0;
}

static int s_lifecycle(const s_replay_t *r, const char *case_id, relais_lifecycle_t *out);

static int s_case_gone(void *ctx, const char *case_id)
{
    relais_lifecycle_t lc;
    return !s_get(&((const s_replay_t *)ctx)->cases, case_id, strlen(case_id)) && s_lifecycle(ctx, case_id, &lc);
}

static const relais_cases_index_t s_index = {s_case_get, s_child_get, s_referral_get, s_block_scan, s_case_gone};

/* A finding at record `seq`; the place is formatted only then, never on the way of a good record. */
static int s_fail_seq(s_replay_t *r, uint64_t seq, int status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int s_fail_seq(s_replay_t *r, uint64_t seq, int status, const char *fmt, ...)
{
    char where[64], problem[sizeof r->out->problem];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(problem, sizeof problem, fmt, ap);
    va_end(ap);
    snprintf(where, sizeof where, "seq %" PRIu64, seq);
    return relais_audit_fail(r->out, status, where, "%s", problem);
}

/* A referral the index files elsewhere than the case it joined: a later split must have moved
 * it, and its copy says where (s_check_moved); the end of the replay fails what none explained. */
static int s_defer_move(s_replay_t *r, uint64_t seq)
{
    uint8_t key[8], pending = 1;
    relais_u64_put(key, seq);
    return s_put(&r->moved, key, sizeof key, &pending, 1) ? s_fail_seq(r, seq, RELAIS_E_NOMEM, "out of memory "
                                                                                               "replaying the cases")
                                                          : 0;
}

/* The store's link of record `seq`: its case into `linked`, and *same when that is `case_id`
 * with `status` after the event. Returns the store's status (RELAIS_E_NOT_FOUND: no link). */
static int s_stored_link(const s_replay_t *r, uint64_t seq, const char *case_id, const relais_case_status_t *status,
                         char linked[RELAIS_CASE_ID_MAX], int *same)
{
    uint8_t *stored = NULL, *mine = NULL;
    size_t stored_len = 0, mine_len = 0;
    int rc = relais_store_seq_case(r->store, seq, linked, &stored, &stored_len);
    *same = rc == 0 && strcmp(linked, case_id) == 0 && relais_case_status_encode(status, &mine, &mine_len) == 0 &&
            mine_len == stored_len && memcmp(mine, stored, mine_len) == 0;
    free(stored);
    free(mine);
    return rc;
}

/* The store's entry for event `seq` must name the case and hold the status after it. */
static int s_check_event(s_replay_t *r, uint64_t seq, const relais_cases_step_t *step)
{
    char case_id[RELAIS_CASE_ID_MAX];
    int same = 0;
    if (!r->compare)
        return 0;
    int rc = s_stored_link(r, seq, step->rec.summary.case_id, &step->after, case_id, &same);
    if (rc == RELAIS_E_NOT_FOUND && step->has_referral)
        return s_defer_move(r, seq);
    if (rc == RELAIS_E_NOT_FOUND)
        return s_fail_seq(r, seq, RELAIS_E_CORRUPT, "record %" PRIu64 " is an event of case %s, which the index does not link it to",
                                 seq, step->rec.summary.case_id);
    if (rc)
        return s_fail_seq(r, seq, rc, "reading record %" PRIu64 "'s case: %s", seq, relais_status_detail());
    if (!same && step->has_referral && strcmp(case_id, step->rec.summary.case_id) != 0)
        return s_defer_move(r, seq);
    if (!same)
        return s_fail_seq(r, seq, RELAIS_E_CORRUPT,
                                 "record %" PRIu64 " is an event of case %s; the index links it to %s with another status",
                                 seq, step->rec.summary.case_id, case_id);
    return 0;
}

/* The index's link of a referral that a split moved out, once the log says where to: its new
 * case `case_id` with the status after its copy (`status`), or none when that case has left the
 * active base since (case_id NULL). */
static int s_check_moved(s_replay_t *r, uint64_t copy_seq, uint64_t moved, const char *case_id,
                         const relais_case_status_t *status)
{
    uint8_t key[8];
    relais_u64_put(key, moved);
    s_slot_t *pending = s_get(&r->moved, key, sizeof key);
    char linked[RELAIS_CASE_ID_MAX];
    int same = 0;
    if (!r->compare)
        return 0;
    if (case_id)
        s_stored_link(r, moved, case_id, status, linked, &same);
    else
        same = relais_store_seq_case(r->store, moved, linked, NULL, NULL) == RELAIS_E_NOT_FOUND;
    if (!same || (case_id && !pending))
        return s_fail_seq(r, copy_seq, RELAIS_E_CORRUPT,
                          case_id ? "record %" PRIu64 " moves R-%" PRIu64 " into case %s; the index does not file it there"
                                  : "record %" PRIu64 " moved R-%" PRIu64 " into a case that has left the active base; the "
                                    "index still files it%s",
                          copy_seq, moved, case_id ? case_id : "");
    if (pending)
        pending->val[0] = 0;
    return 0;
}

/* Forgets referral `seq`'s entry: an empty value, which no lookup finds and the comparison
 * counts as absent. */
static int s_forget_referral(s_replay_t *r, uint64_t seq)
{
    char handle[RELAIS_CASE_ID_LEN];
    relais_referral_handle(seq, handle);
    s_slot_t *s = s_get(&r->cases, handle, strlen(handle));
    if (s)
        s->vlen = 0;
    return 0;
}

static int s_record_step(s_replay_t *r, const relais_cases_step_t *step)
{
    uint8_t *bytes = NULL;
    size_t len = 0;
    const char *id = step->rec.summary.case_id;
    int rc = relais_case_record_encode(&step->rec, &bytes, &len);
    if (rc == 0)
        rc = s_put_owned(&r->cases, id, strlen(id), bytes, len);
    if (rc == 0 && step->split_key) {
        uint8_t key[8], split[8];
        relais_u64_put(key, step->split_key);
        relais_u64_put(split, step->rec.last_seq);
        rc = s_put(&r->split_keys, key, sizeof key, split, sizeof split);
    }
    if (rc == 0 && (step->has_referral || step->split_of || step->copy_of)) {
        char handle[RELAIS_CASE_ID_LEN];
        relais_referral_handle(step->referral.seq, handle);
        rc = relais_referral_record_encode(&step->referral, &bytes, &len);
        if (rc == 0)
            rc = s_put_owned(&r->cases, handle, strlen(handle), bytes, len);
    }
    if (rc == 0 && step->child == RELAIS_CASES_CHILD_LINK)
        rc = s_put(&r->children, step->rec.child_key, 32, id, strlen(id));
    if (rc == 0 && step->child == RELAIS_CASES_CHILD_UNLINK)
        rc = s_put(&r->children, step->rec.child_key, 32, "", 0);
    if (rc == 0 && step->block_count)
        rc = s_block_put(r, step);
    if (rc == 0 && step->unblock)
        rc = s_block_forget(r, step->has_merged ? step->merged.summary.case_id : id);
    if (rc == 0 && step->has_merged) {
        const char *merged = step->merged.summary.case_id;
        rc = relais_case_record_encode(&step->merged, &bytes, &len);
        if (rc == 0)
            rc = s_put_owned(&r->cases, merged, strlen(merged), bytes, len);
        if (rc == 0 && step->relink_child)
            rc = s_put(&r->children, step->merged.child_key, 32, id, strlen(id));
    }
    return rc;
}

/* ---- The meetings' index ------------------------------------------------------------------ */

/* meeting id || 0x00 || seq, as the store keys its meetings' index. */
static size_t s_meeting_key(const char *meeting_id, uint64_t seq, uint8_t key[RELAIS_MEETING_ID_LEN + 8])
{
    size_t id_len = strnlen(meeting_id, RELAIS_MEETING_ID_LEN - 1);
    memcpy(key, meeting_id, id_len);
    key[id_len] = 0x00;
    relais_u64_put(key + id_len + 1, seq);
    return id_len + 1 + 8;
}

static int s_meeting_put(s_replay_t *r, const char *meeting_id, uint64_t seq, const char *case_id)
{
    uint8_t key[RELAIS_MEETING_ID_LEN + 8];
    return s_put(&r->meetings, key, s_meeting_key(meeting_id, seq, key), case_id, strlen(case_id));
}

/* One entry of the store's meetings' index: the log made it, for that case. */
static int s_on_index_meeting(void *ctx, const char *meeting_id, uint64_t seq, const char *case_id)
{
    s_replay_t *r = ctx;
    uint8_t key[RELAIS_MEETING_ID_LEN + 8];
    char where[96];
    s_slot_t *s = s_get(&r->meetings, key, s_meeting_key(meeting_id, seq, key));
    snprintf(where, sizeof where, "meeting %s", meeting_id);
    if (!s || s->vlen != strlen(case_id) || memcmp(s->val, case_id, s->vlen) != 0)
        return relais_audit_fail(r->out, RELAIS_E_CORRUPT, where,
                                 s ? "the index files record %" PRIu64 " under another case than the log's"
                                   : "the index files record %" PRIu64 " under this meeting; the log does not",
                                 seq);
    s->seen = 1;
    return 0;
}

/* The store's meetings' index equals the replay's, entry for entry. */
static int s_check_meetings(s_replay_t *r)
{
    int rc = relais_store_meeting_iterate(r->store, s_on_index_meeting, r);
    for (size_t i = 0; rc == 0 && i < r->meetings.room; i++) {
        const s_slot_t *s = &r->meetings.slots[i];
        if (s->key && !s->seen)
            return relais_audit_fail(r->out, RELAIS_E_CORRUPT, "meetings",
                                     "the log makes meeting %s's record of %.*s; the index lacks it",
                                     (const char *)s->key, (int)s->vlen, (const char *)s->val);
    }
    return rc;
}

/* A record the rules say nothing about must not be linked to a case either. */
static int s_check_no_event(s_replay_t *r, uint64_t seq)
{
    char case_id[RELAIS_CASE_ID_MAX];
    if (!r->compare)
        return 0;
    int rc = relais_store_seq_case(r->store, seq, case_id, NULL, NULL);
    if (rc == RELAIS_E_NOT_FOUND)
        return 0;
    return s_fail_seq(r, seq, RELAIS_E_CORRUPT, "record %" PRIu64 " is no case's event, yet the index links it to case %s",
                             seq, rc == 0 ? case_id : "?");
}

/* ---- The lifecycle ----------------------------------------------------------------------- */

static int s_lifecycle(const s_replay_t *r, const char *case_id, relais_lifecycle_t *out)
{
    s_slot_t *s = s_get(&r->lifecycles, case_id, strlen(case_id));
    if (!s || s->vlen != sizeof *out) {
        memset(out, 0, sizeof *out);
        return 0;
    }
    memcpy(out, s->val, sizeof *out);
    return 1;
}

static int s_touch(s_replay_t *r, const char *case_id, uint64_t seq, int64_t received_ms)
{
    relais_lifecycle_t lc;
    s_lifecycle(r, case_id, &lc);
    relais_cases_lifecycle_touch(&lc, seq, received_ms);
    return s_put(&r->lifecycles, case_id, strlen(case_id), &lc, sizeof lc);
}

/* The surviving case's half of a MERGED record. */
static int s_adopt(s_replay_t *r, const relais_privacy_view_t *p, relais_lifecycle_t *merged)
{
    relais_lifecycle_t survivor;
    if (!s_lifecycle(r, p->value, &survivor))
        return relais_status_set(RELAIS_E_CORRUPT, "%s is merged into %s, which no event of the log made", p->case_id,
                                 p->value);
    int rc = relais_cases_lifecycle_adopt(&survivor, p->case_id, merged);
    return rc ? rc : s_put(&r->lifecycles, p->value, strlen(p->value), &survivor, sizeof survivor);
}

/* A Privacy record: the lifecycle rules the hub ran must accept it; a rectification is an
 * event of its case, linked with the case's status as it stands. */
static int s_apply_privacy(s_replay_t *r, uint64_t seq, int64_t received_ms, const relais_message_t *msg)
{
    relais_privacy_view_t p;
    relais_lifecycle_t lc;
    char record_case[RELAIS_CASE_ID_MAX] = "", why[256];
    if (relais_message_privacy(msg, &p) != 0 || !p.case_id)
        return s_fail_seq(r, seq, RELAIS_E_CORRUPT, "the record no longer decodes");
    int exists = s_lifecycle(r, p.case_id, &lc);
    if (p.kind == RELAIS_PRIVACY_RECTIFIED && p.record_seq &&
        relais_store_seq_case(r->store, p.record_seq, record_case, NULL, NULL) != 0)
        record_case[0] = '\0';
    int refused = relais_cases_lifecycle_apply(&lc, exists, &p, record_case, seq, received_ms, why, sizeof why);
    if (refused)
        return s_fail_seq(r, seq, RELAIS_E_CORRUPT, "the log holds a privacy record its rules refuse (%s): %s",
                          relais_status_name(refused), why);
    if (p.kind == RELAIS_PRIVACY_MERGED && s_adopt(r, &p, &lc) != 0)
        return s_fail_seq(r, seq, RELAIS_E_CORRUPT, "%s", relais_status_detail());
    if (s_put(&r->lifecycles, p.case_id, strlen(p.case_id), &lc, sizeof lc))
        return s_fail_seq(r, seq, RELAIS_E_NOMEM, "out of memory replaying the cases");
    if (p.kind != RELAIS_PRIVACY_RECTIFIED)
        return s_check_no_event(r, seq);
    relais_cases_step_t step;
    memset(&step, 0, sizeof step);
    if (s_case_get(r, p.case_id, &step.rec) != 0)
        return s_fail_seq(r, seq, RELAIS_E_CORRUPT, "a rectification of %s, which the replay does not hold", p.case_id);
    relais_cases_status(&step.rec, &step.after);
    step.after.rectification = 1;
    /* A referral rectified keeps the correction's record on its entry, as the hub's index does. */
    if (p.record_seq && s_referral_get(r, p.record_seq, &step.referral) == 0 && !step.referral.rectified_by) {
        step.referral.rectified_by = seq;
        uint8_t *bytes = NULL;
        size_t len = 0;
        char handle[RELAIS_CASE_ID_LEN];
        relais_referral_handle(p.record_seq, handle);
        if (relais_referral_record_encode(&step.referral, &bytes, &len) != 0 ||
            s_put_owned(&r->cases, handle, strlen(handle), bytes, len) != 0)
            return s_fail_seq(r, seq, RELAIS_E_NOMEM, "out of memory replaying the cases");
    }
    return s_check_event(r, seq, &step) ? RELAIS_AUDIT_STOP : 0;
}

/* The entry of the reception's register a record of it belongs to (0 when it names none the log
 * made): a new entry is its own; an update and a transfer name it; an answer names its transfer. */
static uint64_t s_entry_of(s_replay_t *r, uint64_t seq, const relais_message_t *msg)
{
    relais_contact_update_view_t u;
    relais_transfer_view_t t;
    relais_transfer_answer_view_t a;
    uint8_t key[8];
    if (relais_message_payload(msg) == RELAIS_PAYLOAD_CONTACT)
        return seq;
    if (relais_message_contact_update(msg, &u) == 0)
        return relais_entry_handle_seq(u.entry_id);
    if (relais_message_transfer(msg, &t) == 0) {
        uint64_t entry = relais_entry_handle_seq(t.entry_id);
        uint8_t value[8];
        relais_u64_put(key, seq);
        relais_u64_put(value, entry);
        return s_put(&r->transfers, key, sizeof key, value, sizeof value) ? 0 : entry;
    }
    if (relais_message_transfer_answer(msg, &a) != 0)
        return 0;
    relais_u64_put(key, relais_transfer_handle_seq(a.transfer_id));
    const s_slot_t *s = s_get(&r->transfers, key, sizeof key);
    return s && s->vlen == 8 ? relais_u64_get(s->val) : 0;
}

/* A record of the reception's register is an event of its entry, whose lifecycle it touches. The
 * register's own index is not compared with the log here yet (docs/reception.md says so). */
static int s_apply_reception(s_replay_t *r, uint64_t seq, int64_t received_ms, const relais_message_t *msg)
{
    char handle[RELAIS_CASE_ID_LEN];
    uint64_t entry = s_entry_of(r, seq, msg);
    if (!entry)
        return s_fail_seq(r, seq, RELAIS_E_CORRUPT, "a record of the reception's register that names no entry the log "
                                                    "made");
    relais_entry_handle(entry, handle);
    if (s_touch(r, handle, seq, received_ms))
        return s_fail_seq(r, seq, RELAIS_E_NOMEM, "out of memory replaying the register");
    return s_check_no_event(r, seq);
}

/* A record of the lost and found is an event of its item (a return, of the found item alone),
 * whose lifecycle it touches as the hub's index does. */
static int s_apply_lost(s_replay_t *r, uint64_t seq, int64_t received_ms, const relais_message_t *msg)
{
    char handle[RELAIS_CASE_ID_LEN];
    relais_lost_view_t item;
    relais_lost_update_view_t u;
    relais_lifecycle_t lc;
    int named = 0;
    if (relais_message_lost(msg, &item) == 0) {
        relais_lost_handle(item.kind, seq, handle);
        named = 1;
    } else if (relais_message_lost_update(msg, &u) == 0) {
        snprintf(handle, sizeof handle, "%s", u.item_id);
        named = s_lifecycle(r, handle, &lc);
    }
    if (!named)
        return s_fail_seq(r, seq, RELAIS_E_CORRUPT, "a record of the lost and found that names no item the log made");
    if (s_touch(r, handle, seq, received_ms))
        return s_fail_seq(r, seq, RELAIS_E_NOMEM, "out of memory replaying the lost and found");
    return s_check_no_event(r, seq);
}

/* A record whose key is gone was an entry's of the register when it is sealed under an entry's
 * own key: the one that opened it (part 0, its owner itself), or a later one of an entry the
 * replay knows. */
static int s_entry_key(const s_replay_t *r, uint64_t key_id, uint64_t seq, char *handle)
{
    uint64_t owner = relais_key_id_owner(key_id);
    relais_lifecycle_t lc;
    /* An item of the lost and found: its key's part says which kind. */
    if (relais_key_id_part(key_id) == RELAIS_KEY_ID_PART_FOUND || relais_key_id_part(key_id) == RELAIS_KEY_ID_PART_LOSS) {
        relais_lost_handle(relais_key_id_part(key_id) == RELAIS_KEY_ID_PART_LOSS ? RELAIS_LOST_KIND_LOST
                                                                                 : RELAIS_LOST_KIND_FOUND,
                           owner, handle);
        return 1;
    }
    relais_entry_handle(owner, handle);
    return relais_key_id_part(key_id) == 0 && (owner == seq || s_lifecycle(r, handle, &lc));
}

void relais_audit_cases_gone(relais_audit_cases_t *r, uint64_t seq, int64_t received_ms, uint64_t key_id,
                             uint64_t copy_of)
{
    if (r->found.status)
        return;
    if (seq != r->next_seq) {
        s_fail_seq(r, seq, RELAIS_E_CORRUPT, "the record no longer decodes");
        return;
    }
    r->next_seq++;
    char entry[RELAIS_CASE_ID_LEN];
    if (s_entry_key(r, key_id, seq, entry)) {
        uint8_t id[8];
        relais_u64_put(id, key_id);
        if (s_put(&r->gone, id, sizeof id, "", 0) || s_touch(r, entry, seq, received_ms))
            s_fail_seq(r, seq, RELAIS_E_NOMEM, "out of memory replaying the register");
        return;
    }
    relais_cases_step_t step;
    int rc = relais_cases_decide_gone(&s_index, r, key_id, copy_of, seq, received_ms, &step);
    if (rc) {
        s_fail_seq(r, seq, rc, "replaying the case rules: %s", relais_status_detail());
        return;
    }
    if (step.status) {
        s_fail_seq(r, seq, RELAIS_E_CORRUPT, "the log holds a record the case rules refuse (%s): %s",
                   relais_status_name(step.status), step.why);
        return;
    }
    char case_id[RELAIS_CASE_ID_LEN];
    snprintf(case_id, sizeof case_id, "C-%" PRIu64, relais_key_id_owner(key_id));
    r->gone_seq = seq;
    memcpy(r->gone_case, case_id, sizeof case_id);
    uint8_t id[8];
    relais_u64_put(id, key_id);
    if (s_put(&r->gone, id, sizeof id, "", 0) || (step.about_case && s_record_step(r, &step)) ||
        s_touch(r, case_id, seq, received_ms)) {
        s_fail_seq(r, seq, RELAIS_E_NOMEM, "out of memory replaying the cases");
        return;
    }
    /* A referral a split took out since: an event of its case then, whose details are gone. */
    if (step.about_case) {
        s_check_event(r, seq, &step);
        return;
    }
    /* A split's copy whose case has left the active base: the moved referral went with it. */
    if (step.forget_referral && (s_forget_referral(r, step.forget_referral) ||
                                 s_check_moved(r, seq, step.forget_referral, NULL, NULL)))
        return;
    /* A referral that joined a case gone since may have been split out before: its copy says
     * where the index must file it. */
    char linked[RELAIS_CASE_ID_MAX];
    if (relais_key_id_part(key_id) >= 2 && r->compare && relais_store_seq_case(r->store, seq, linked, NULL, NULL) == 0)
        s_defer_move(r, seq);
    else
        s_check_no_event(r, seq);
}

/* A split's copy: the referral it copies was received when its own record says; a split the
 * replay could not open (the record just before) stands as the hub accepted it. */
static int s_decide_copy(s_replay_t *r, uint64_t seq, int64_t received_ms, uint64_t copy_of,
                         const relais_message_t *msg, relais_cases_step_t *step)
{
    uint8_t *copied = NULL;
    size_t len = 0;
    relais_log_record_t lr;
    int rc = relais_store_get_record(r->store, copy_of, &copied, &len);
    if (rc == 0 && relais_log_record_decode(copied, len, &lr) != 0)
        rc = relais_status_set(RELAIS_E_CORRUPT, "record %" PRIu64 " does not decode", copy_of);
    relais_cases_copy_t copy = {.copy_of = copy_of,
                                .copied_ms = rc == 0 ? lr.received_ms : 0,
                                .split_unseen = r->gone_seq + 1 == seq ? r->gone_case : NULL};
    free(copied);
    return rc ? rc : relais_cases_decide_copy(&s_index, r, r->secret, msg, &copy, seq, received_ms, step);
}

static int s_apply(s_replay_t *r, uint64_t seq, int64_t received_ms, uint64_t copy_of, const relais_message_t *msg)
{
    if (relais_message_payload(msg) == RELAIS_PAYLOAD_PRIVACY && !copy_of)
        return s_apply_privacy(r, seq, received_ms, msg);
    if (relais_payload_is_reception(relais_message_payload(msg)))
        return s_apply_reception(r, seq, received_ms, msg);
    if (relais_payload_is_lost(relais_message_payload(msg)))
        return s_apply_lost(r, seq, received_ms, msg);
    relais_cases_step_t step;
    int rc = copy_of ? s_decide_copy(r, seq, received_ms, copy_of, msg, &step)
                     : relais_cases_decide(&s_index, r, r->secret, msg, NULL, seq, received_ms, &step);
    if (rc)
        return s_fail_seq(r, seq, rc, "replaying the case rules: %s", relais_status_detail());
    if (!step.about_case)
        return s_check_no_event(r, seq);
    if (step.status)
        return s_fail_seq(r, seq, RELAIS_E_CORRUPT, "the log holds an event the case rules refuse (%s): %s",
                                 relais_status_name(step.status), step.why);
    if (s_check_event(r, seq, &step) || (step.copy_of && s_check_moved(r, seq, step.copy_of, step.rec.summary.case_id,
                                                                       &step.after)))
        return RELAIS_AUDIT_STOP;
    rc = s_record_step(r, &step);
    if (rc == 0 && step.meeting_id[0])
        rc = s_meeting_put(r, step.meeting_id, seq, step.rec.summary.case_id);
    if (rc == 0)
        rc = s_touch(r, step.rec.summary.case_id, seq, received_ms);
    return rc ? s_fail_seq(r, seq, rc, "out of memory replaying the cases") : 0;
}

void relais_audit_cases_record(relais_audit_cases_t *r, uint64_t seq, int64_t received_ms, uint64_t copy_of,
                               const relais_message_t *msg)
{
    if (r->found.status)
        return;
    /* The pool hands back every record that verified, in order, with its message. */
    if (seq != r->next_seq || !msg) {
        s_fail_seq(r, seq, RELAIS_E_CORRUPT, "the record no longer decodes");
        return;
    }
    r->next_seq++;
    s_apply(r, seq, received_ms, copy_of, msg);
}

/* ---- The comparison ------------------------------------------------------------------------- */

/* One sentence on how two versions of a case differ, for the finding. */
static void s_difference(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen, char *out, size_t cap)
{
    relais_case_record_t mine, theirs;
    if (relais_case_record_decode(a, alen, &mine) || relais_case_record_decode(b, blen, &theirs)) {
        snprintf(out, cap, "the index's record does not decode");
        return;
    }
    const char *ms = relais_case_state_name(mine.summary.state), *ts = relais_case_state_name(theirs.summary.state);
    snprintf(out, cap, "the log gives state %s, %" PRIu32 " referral(s), last event %" PRIu64
             "; the index says %s, %" PRIu32 ", %" PRIu64 "%s",
             ms ? ms : "?", mine.summary.referral_count, mine.last_seq, ts ? ts : "?", theirs.summary.referral_count,
             theirs.last_seq,
             mine.summary.state == theirs.summary.state && mine.last_seq == theirs.last_seq ? " (other fields differ)"
                                                                                            : "");
}

static int s_is_referral_entry(const char *key, size_t len)
{
    const size_t prefix = sizeof RELAIS_REFERRAL_HANDLE_PREFIX - 1;
    return len > prefix && memcmp(key, RELAIS_REFERRAL_HANDLE_PREFIX, prefix) == 0;
}

/* A case's likely duplicates were found when it opened, among the cases open then; a case that
 * has left the active base since cannot be opened by the replay, which therefore never finds it.
 * The views ignore such a case (broker/query.c), and so does the comparison: *kept gets the
 * record without it (NULL when there is nothing to take away). */
static int s_without_gone_duplicates(const s_replay_t *r, const uint8_t *state, size_t len, uint8_t **kept,
                                     size_t *kept_len)
{
    relais_case_record_t rec;
    *kept = NULL;
    if (relais_case_record_decode(state, len, &rec) != 0 || rec.summary.duplicate_count == 0)
        return 0;
    relais_case_summary_t *sum = &rec.summary;
    size_t n = 0;
    for (size_t i = 0; i < sum->duplicate_count; i++)
        if (s_get(&r->cases, sum->duplicates[i], strlen(sum->duplicates[i])))
            memmove(sum->duplicates[n++], sum->duplicates[i], sizeof sum->duplicates[i]);
    if (n == sum->duplicate_count)
        return 0;
    sum->duplicate_count = n;
    return relais_case_record_encode(&rec, kept, kept_len);
}

static int s_on_index_case(void *ctx, const char *case_id, const uint8_t *state, size_t len)
{
    s_replay_t *r = ctx;
    char where[96], diff[256];
    int referral = s_is_referral_entry(case_id, strlen(case_id));
    snprintf(where, sizeof where, "%s %s", referral ? "referral" : "case", case_id);
    s_slot_t *s = s_get(&r->cases, case_id, strlen(case_id));
    if (!s || s->vlen == 0)
        return relais_audit_fail(r->out, RELAIS_E_CORRUPT, where, "the index holds an entry that no event of the log makes");
    uint8_t *kept = NULL;
    if (!referral && s_without_gone_duplicates(r, state, len, &kept, &len) == 0 && kept)
        state = kept;
    int differs = s->vlen != len || memcmp(s->val, state, len) != 0;
    free(kept);
    if (differs) {
        if (referral)
            snprintf(diff, sizeof diff, "the referral's entry (its case, referrer or details) is not the log's");
        else
            s_difference(s->val, s->vlen, state, len, diff, sizeof diff);
        return relais_audit_fail(r->out, RELAIS_E_CORRUPT, where, "the index differs from the replay: %s", diff);
    }
    s->seen = 1;
    return 0;
}

/* Every case the replay made is in the index, and every open child leads to its case. */
static int s_check_complete(s_replay_t *r)
{
    char where[96], linked[RELAIS_CASE_ID_MAX];
    for (size_t i = 0; i < r->cases.room; i++) {
        const s_slot_t *s = &r->cases.slots[i];
        if (s->key && s->vlen && !s->seen) {
            int referral = s_is_referral_entry((const char *)s->key, s->klen);
            snprintf(where, sizeof where, "%s %.*s", referral ? "referral" : "case", (int)s->klen,
                     (const char *)s->key);
            return relais_audit_fail(r->out, RELAIS_E_CORRUPT, where, "the log makes this %s; the index lacks it",
                                     referral ? "referral's entry" : "case");
        }
    }
    for (size_t i = 0; i < r->children.room; i++) {
        const s_slot_t *s = &r->children.slots[i];
        if (!s->key)
            continue;
        snprintf(where, sizeof where, "case %.*s", (int)s->vlen, (const char *)s->val);
        int rc = relais_store_child_case(r->store, s->key, linked);
        int same = s->vlen == 0 ? rc == RELAIS_E_NOT_FOUND
                                : rc == 0 && strlen(linked) == s->vlen && memcmp(linked, s->val, s->vlen) == 0;
        if (!same)
            return relais_audit_fail(r->out, RELAIS_E_CORRUPT, s->vlen ? where : "children",
                                     "a child's link to its open case differs from the replay");
    }
    return 0;
}

/* The store's lifecycle index equals the replay's, entry for entry; a key gone from the store is
 * that of a case the log archived; an archived or erased case keeps no data key. */
static int s_on_index_lifecycle(void *ctx, const char *case_id, const uint8_t *value, size_t len)
{
    s_replay_t *r = ctx;
    char where[96];
    snprintf(where, sizeof where, "case %s", case_id);
    s_slot_t *s = s_get(&r->lifecycles, case_id, strlen(case_id));
    uint8_t *mine = NULL;
    size_t mine_len = 0;
    int same = s && s->vlen == sizeof(relais_lifecycle_t) &&
               relais_lifecycle_encode((const relais_lifecycle_t *)s->val, &mine, &mine_len) == 0 && mine_len == len &&
               memcmp(mine, value, len) == 0;
    free(mine);
    if (!same)
        return relais_audit_fail(r->out, RELAIS_E_CORRUPT, where,
                                 s ? "its lifecycle (tier, last contact, hold, erasure) differs from the log's"
                                   : "the lifecycle index holds a case no event of the log makes");
    s->seen = 1;
    return 0;
}

static int s_count_key(void *ctx, uint64_t key_id, const uint8_t *wrapped, size_t len)
{
    (void)key_id;
    (void)wrapped;
    (void)len;
    (*(uint64_t *)ctx)++;
    return 0;
}

/* What the splits left: every referral filed elsewhere than its case was moved by one, and every
 * key a split destroyed is gone from the store. */
static int s_check_splits(s_replay_t *r)
{
    char where[64];
    for (size_t i = 0; i < r->moved.room; i++) {
        const s_slot_t *s = &r->moved.slots[i];
        if (!s->key || s->vlen != 1 || s->val[0] == 0)
            continue;
        snprintf(where, sizeof where, "seq %" PRIu64, relais_u64_get(s->key));
        return relais_audit_fail(r->out, RELAIS_E_CORRUPT, where, "the index files this referral elsewhere than the "
                                 "case it joined, and no split of the log moved it");
    }
    for (size_t i = 0; i < r->split_keys.room; i++) {
        const s_slot_t *s = &r->split_keys.slots[i];
        uint8_t *wrapped = NULL;
        size_t len = 0;
        if (!s->key || s->vlen != 8 || relais_store_key_get(r->store, relais_u64_get(s->key), &wrapped, &len) != 0)
            continue;
        free(wrapped);
        snprintf(where, sizeof where, "seq %" PRIu64, relais_u64_get(s->val));
        return relais_audit_fail(r->out, RELAIS_E_CORRUPT, where, "this split destroys data key %" PRIu64 ", which the "
                                 "store still holds", relais_u64_get(s->key));
    }
    return 0;
}

static int s_check_lifecycles(s_replay_t *r)
{
    char where[96];
    int rc = relais_store_lifecycle_iterate(r->store, s_on_index_lifecycle, r);
    if (rc)
        return rc;
    for (size_t i = 0; i < r->lifecycles.room; i++) {
        const s_slot_t *s = &r->lifecycles.slots[i];
        if (!s->key)
            continue;
        snprintf(where, sizeof where, "case %.*s", (int)s->klen, (const char *)s->key);
        if (!s->seen)
            return relais_audit_fail(r->out, RELAIS_E_CORRUPT, where, "the log gives this case a lifecycle; the "
                                                                      "index lacks it");
        const relais_lifecycle_t *lc = (const relais_lifecycle_t *)s->val;
        if (lc->tier == RELAIS_TIER_ACTIVE)
            continue;
        const char *id = where + 5;
        uint64_t n = relais_register_handle_seq(id) ? relais_register_handle_seq(id) : relais_cases_number(id), kept = 0;
        rc = relais_store_key_range(r->store, NULL, RELAIS_STORE_KEYS_LIVE, relais_key_id_of(n, 0),
                                    relais_key_id_of(n, RELAIS_KEY_ID_PART_MAX), s_count_key, &kept);
        if (rc)
            return rc;
        if (kept)
            return relais_audit_fail(r->out, RELAIS_E_CORRUPT, where, "the case left the active base at record %" PRIu64
                                     ", yet the store still holds %" PRIu64 " of its data keys",
                                     lc->archived_seq, kept);
    }
    for (size_t i = 0; i < r->gone.room; i++) {
        const s_slot_t *s = &r->gone.slots[i];
        if (!s->key || s->klen != 8 || s_get(&r->split_keys, s->key, s->klen))
            continue;
        uint64_t key_id = relais_u64_get(s->key);
        relais_lifecycle_t lc;
        uint32_t part = relais_key_id_part(key_id);
        if (part == RELAIS_KEY_ID_PART_FOUND || part == RELAIS_KEY_ID_PART_LOSS)
            relais_lost_handle(part == RELAIS_KEY_ID_PART_LOSS ? RELAIS_LOST_KIND_LOST : RELAIS_LOST_KIND_FOUND,
                               relais_key_id_owner(key_id), where);
        else
            relais_entry_handle(relais_key_id_owner(key_id), where);
        if ((part != 0 && part != RELAIS_KEY_ID_PART_FOUND && part != RELAIS_KEY_ID_PART_LOSS) || !s_lifecycle(r, where, &lc))
            snprintf(where, sizeof where, "C-%" PRIu64, relais_key_id_owner(key_id));
        if (!s_lifecycle(r, where, &lc) || lc.tier == RELAIS_TIER_ACTIVE)
            return relais_audit_fail(r->out, RELAIS_E_CORRUPT, "keys",
                                     "data key %" PRIu64 " is gone from the store, though the log never archived %s "
                                     "nor split out the referral it sealed",
                                     key_id, where);
    }
    return s_check_splits(r);
}

/* The store's blocking index holds exactly the replay's entries: each (key, case) with the
 * names the replay filed it with. */
typedef struct {
    s_replay_t *r;
    size_t count; /* the store's entries */
} s_blocks_check_t;

static int s_on_index_block(void *ctx, const uint8_t key[RELAIS_STORE_BLOCK_KEY_SIZE], const char *case_id,
                            const uint8_t *value, size_t len)
{
    s_blocks_check_t *c = ctx;
    char where[96];
    snprintf(where, sizeof where, "case %s", case_id);
    const s_slot_t *s = s_get(&c->r->blocks, key, RELAIS_CASES_BLOCK_KEY_SIZE);
    size_t id_len = strlen(case_id);
    s_block_entry_t e;
    for (size_t at = 0; s_block_entry(s, at, &e); at += e.size)
        if (e.id_len == id_len && memcmp(e.id, case_id, id_len) == 0) {
            if (e.names_len != len || memcmp(e.names, value, len) != 0)
                return relais_audit_fail(c->r->out, RELAIS_E_CORRUPT, where,
                                         "its blocking entry keeps other names than the log's");
            c->count++;
            return 0;
        }
    return relais_audit_fail(c->r->out, RELAIS_E_CORRUPT, where,
                             "the blocking index files it under a key the log does not give it, or it is no "
                             "longer open");
}

static int s_check_blocks(s_replay_t *r)
{
    s_blocks_check_t c = {r, 0};
    int rc = relais_store_block_iterate(r->store, s_on_index_block, &c);
    if (rc)
        return rc;
    size_t mine = 0;
    s_block_entry_t e;
    for (size_t i = 0; i < r->blocks.room; i++)
        for (size_t at = 0; s_block_entry(&r->blocks.slots[i], at, &e); at += e.size)
            mine++;
    if (mine != c.count)
        return relais_audit_fail(r->out, RELAIS_E_CORRUPT, "blocks",
                                 "the blocking index holds %zu entries; the log makes %zu", c.count, mine);
    return 0;
}

relais_audit_cases_t *relais_audit_cases_begin(relais_store_t *store, const char *store_dir, relais_keyring_t *ring)
{
    s_replay_t *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->store = store;
    r->out = &r->found;
    r->next_seq = 1;
    /* Indexes a running hub is writing, or a crash left, are rebuilt from the log at the hub's
     * next start: the replay checks the rules accept the log, and compares nothing. */
    relais_store_index_t index;
    uint64_t head = 0;
    r->compare = relais_store_index_state(store, &index) == 0 && index.trusted &&
                 relais_store_head(store, &head) == 0 && index.applied == head;
    int rc = ring ? relais_cases_secret_load_sealed(store, ring, 0, r->secret, NULL)
                  : relais_cases_secret_load(store_dir, 0, r->secret, NULL);
    if (rc != 0)
        relais_audit_fail(&r->found, RELAIS_E_IO, "cases", "cannot replay the cases without the hub's secret: %s",
                          relais_status_detail());
    return r;
}

int relais_audit_cases_end(relais_audit_cases_t *r, relais_audit_outcome_t *out)
{
    if (!r)
        return out->status ? RELAIS_AUDIT_STOP : 0;
    if (out->status == 0 && r->found.status)
        relais_audit_fail(out, r->found.status, r->found.where, "%s", r->found.problem);
    if (out->status == 0 && !r->compare) {
        relais_store_index_t index;
        out->index_not_compared = 1;
        if (relais_store_index_state(r->store, &index) == 0)
            snprintf(out->index_why, sizeof out->index_why, "%s", index.why);
    }
    if (out->status == 0 && r->compare) {
        r->out = out;
        int rc = relais_store_case_iterate(r->store, s_on_index_case, r);
        if (rc == 0)
            rc = s_check_complete(r);
        if (rc == 0)
            rc = s_check_lifecycles(r);
        if (rc == 0)
            rc = s_check_blocks(r);
        if (rc == 0)
            rc = s_check_meetings(r);
        if (rc && rc != RELAIS_AUDIT_STOP)
            relais_audit_fail(out, rc, "cases", "reading the case index: %s", relais_status_detail());
        if (out->status == 0) {
            out->cases_checked = 1;
            out->cases = 0;
            for (size_t i = 0; i < r->cases.room; i++)
                out->cases += r->cases.slots[i].key && !s_is_referral_entry((const char *)r->cases.slots[i].key,
                                                                               r->cases.slots[i].klen);
        }
    }
    memset(r->secret, 0, sizeof r->secret);
    s_map_free(&r->cases);
    s_map_free(&r->children);
    s_map_free(&r->blocks);
    s_map_free(&r->caseblocks);
    s_map_free(&r->lifecycles);
    s_map_free(&r->gone);
    s_map_free(&r->moved);
    s_map_free(&r->split_keys);
    s_map_free(&r->transfers);
    s_map_free(&r->meetings);
    free(r);
    return out->status ? RELAIS_AUDIT_STOP : 0;
}
