/* spool.c -- the durable outbox: LMDB with sync on, one message per increasing big-endian key. */
#include "spool_internal.h"

#include <errno.h>
#include <lmdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <time.h>

#include "relais_proto.h"

#define S_DEFAULT_MAP (64u * 1024u * 1024u)

struct relais_spool {
    MDB_env *env;     /* the environment in the spool folder, owned */
    MDB_dbi messages; /* key -> SignedMessage bytes */
    MDB_dbi tags;     /* key -> tag text */
    MDB_dbi times;    /* key -> when it was spooled */
    MDB_dbi outcomes; /* message id -> the hub's final answer */
};

static int s_lmdb_fail(int rc, const char *what)
{
    if (rc == MDB_MAP_FULL || rc == MDB_TXN_FULL)
        return relais_status_set(RELAIS_E_STORE_FULL, "spool %s: %s", what, mdb_strerror(rc));
    return relais_status_set(RELAIS_E_IO, "spool %s: %s", what, mdb_strerror(rc));
}

static void s_key_encode(uint64_t key, uint8_t out[8])
{
    for (int i = 7; i >= 0; i--) {
        out[i] = (uint8_t)(key & 0xff);
        key >>= 8;
    }
}

static uint64_t s_key_decode(const MDB_val *v)
{
    uint64_t key = 0;
    const uint8_t *p = v->mv_data;
    for (size_t i = 0; i < v->mv_size && i < 8; i++)
        key = (key << 8) | p[i];
    return key;
}

static int64_t s_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The spool folder and any missing folder above it (~/.relais on a first run), each 0700: a
 * newcomer's first `relais submit` must not fail for want of a folder. */
static int s_mkdir(const char *dir)
{
    char path[4096];
    size_t len = strlen(dir);
    if (len == 0 || len >= sizeof path)
        return relais_status_set(RELAIS_E_IO, "spool folder '%s': no such path", dir);
    memcpy(path, dir, len + 1);
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        int made = mkdir(path, 0700) == 0 || errno == EEXIST;
        *p = '/';
        if (!made)
            return relais_status_set(RELAIS_E_IO, "spool folder %s: cannot make %.*s: %s", dir, (int)(p - path), path,
                                     strerror(errno));
    }
    if (mkdir(path, 0700) == 0 || errno == EEXIST)
        return RELAIS_OK;
    return relais_status_set(RELAIS_E_IO, "spool folder %s: %s", dir, strerror(errno));
}

static int s_open_dbs(relais_spool_t *self)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin(self->env, NULL, 0, &txn);
    if (rc)
        return s_lmdb_fail(rc, "open");
    rc = mdb_dbi_open(txn, "messages", MDB_CREATE, &self->messages);
    if (!rc)
        rc = mdb_dbi_open(txn, "tags", MDB_CREATE, &self->tags);
    if (!rc)
        rc = mdb_dbi_open(txn, "times", MDB_CREATE, &self->times);
    if (!rc)
        rc = mdb_dbi_open(txn, "outcomes", MDB_CREATE, &self->outcomes);
    if (rc) {
        mdb_txn_abort(txn);
        return s_lmdb_fail(rc, "open");
    }
    rc = mdb_txn_commit(txn);
    return rc ? s_lmdb_fail(rc, "open") : RELAIS_OK;
}

int relais_spool_open(const char *dir, size_t map_size, relais_spool_t **out)
{
    if (!dir || !*dir || !out)
        return relais_status_set(RELAIS_E_INVALID, "spool: no folder");
    *out = NULL;
    int rc = s_mkdir(dir);
    if (rc)
        return rc;
    relais_spool_t *self = calloc(1, sizeof *self);
    if (!self)
        return RELAIS_E_NOMEM;
    int mrc = mdb_env_create(&self->env);
    if (mrc) {
        free(self);
        return s_lmdb_fail(mrc, "create");
    }
    /* Sync on (no MDB_NOSYNC / MDB_NOMETASYNC): an entry acknowledged to the caller is on disk. */
    mdb_env_set_maxdbs(self->env, 8);
    mdb_env_set_mapsize(self->env, map_size ? map_size : S_DEFAULT_MAP);
    mrc = mdb_env_open(self->env, dir, MDB_NOTLS, 0600);
    if (mrc) {
        rc = s_lmdb_fail(mrc, dir);
        goto out_close;
    }
    rc = s_open_dbs(self);
    if (rc)
        goto out_close;
    *out = self;
    return RELAIS_OK;
out_close:
    mdb_env_close(self->env);
    free(self);
    return rc;
}

void relais_spool_close(relais_spool_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    mdb_env_close((*self_p)->env);
    free(*self_p);
    *self_p = NULL;
}

/* The key after the largest present: spool order stays submission order. */
static int s_next_key(relais_spool_t *self, MDB_txn *txn, uint64_t *key)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, self->messages, &cur);
    if (rc)
        return rc;
    MDB_val k, v;
    rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
    mdb_cursor_close(cur);
    if (rc == MDB_NOTFOUND) {
        *key = 1;
        return 0;
    }
    if (rc)
        return rc;
    *key = s_key_decode(&k) + 1;
    return 0;
}

int relais_spool_put(relais_spool_t *self, const uint8_t *bytes, size_t len, const char *tag, uint64_t *key)
{
    if (!self || !bytes || !len)
        return relais_status_set(RELAIS_E_INVALID, "spool: nothing to put");
    MDB_txn *txn;
    int rc = mdb_txn_begin(self->env, NULL, 0, &txn);
    if (rc)
        return s_lmdb_fail(rc, "put");
    uint64_t next = 0;
    rc = s_next_key(self, txn, &next);
    uint8_t kb[8];
    s_key_encode(next, kb);
    MDB_val k = {sizeof kb, kb};
    MDB_val v = {len, (void *)bytes};
    if (!rc)
        rc = mdb_put(txn, self->messages, &k, &v, MDB_NOOVERWRITE | MDB_APPEND);
    if (!rc && tag) {
        MDB_val t = {strlen(tag), (void *)tag};
        rc = mdb_put(txn, self->tags, &k, &t, 0);
    }
    uint8_t when[8];
    s_key_encode((uint64_t)s_wall_ms(), when);
    MDB_val w = {sizeof when, when};
    if (!rc)
        rc = mdb_put(txn, self->times, &k, &w, 0);
    if (rc) {
        mdb_txn_abort(txn);
        return s_lmdb_fail(rc, "put");
    }
    rc = mdb_txn_commit(txn);
    if (rc)
        return s_lmdb_fail(rc, "commit");
    if (key)
        *key = next;
    return RELAIS_OK;
}

/* Copies the tag of `k` (if any) out of the transaction. */
static int s_copy_tag(relais_spool_t *self, MDB_txn *txn, MDB_val *k, char **tag)
{
    MDB_val t;
    int rc = mdb_get(txn, self->tags, k, &t);
    if (rc == MDB_NOTFOUND)
        return 0;
    if (rc)
        return rc;
    *tag = malloc(t.mv_size + 1);
    if (!*tag)
        return ENOMEM;
    memcpy(*tag, t.mv_data, t.mv_size);
    (*tag)[t.mv_size] = '\0';
    return 0;
}

static int s_copy_entry(relais_spool_t *self, MDB_txn *txn, MDB_val *k, MDB_val *v, relais_spool_entry_t *out)
{
    out->key = s_key_decode(k);
    out->len = v->mv_size;
    out->bytes = malloc(v->mv_size ? v->mv_size : 1);
    if (!out->bytes)
        return RELAIS_E_NOMEM;
    memcpy(out->bytes, v->mv_data, v->mv_size);
    int rc = s_copy_tag(self, txn, k, &out->tag);
    if (rc == ENOMEM)
        return RELAIS_E_NOMEM;
    if (rc)
        return s_lmdb_fail(rc, "tag");
    MDB_val w;
    rc = mdb_get(txn, self->times, k, &w);
    if (rc == 0 && w.mv_size == 8)
        out->spooled_ms = (int64_t)s_key_decode(&w);
    else if (rc && rc != MDB_NOTFOUND)
        return s_lmdb_fail(rc, "time");
    return RELAIS_OK;
}

int relais_spool_next(relais_spool_t *self, uint64_t after, relais_spool_entry_t *out)
{
    if (!self || !out)
        return RELAIS_E_INVALID;
    memset(out, 0, sizeof *out);
    MDB_txn *txn;
    int rc = mdb_txn_begin(self->env, NULL, MDB_RDONLY, &txn);
    if (rc)
        return s_lmdb_fail(rc, "read");
    MDB_cursor *cur;
    rc = mdb_cursor_open(txn, self->messages, &cur);
    if (rc) {
        mdb_txn_abort(txn);
        return s_lmdb_fail(rc, "read");
    }
    uint8_t kb[8];
    s_key_encode(after + 1, kb);
    MDB_val k = {sizeof kb, kb}, v;
    int mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    int status;
    if (mrc == MDB_NOTFOUND)
        status = RELAIS_E_NOT_FOUND;
    else if (mrc)
        status = s_lmdb_fail(mrc, "read");
    else
        status = s_copy_entry(self, txn, &k, &v, out);
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    if (status)
        relais_spool_entry_clear(out);
    return status;
}

/* Deletes message `key`, its tag and its time; *had says whether it was there. */
static int s_delete(relais_spool_t *self, MDB_txn *txn, uint64_t key, int *had)
{
    uint8_t kb[8];
    s_key_encode(key, kb);
    MDB_val k = {sizeof kb, kb};
    int rc = mdb_del(txn, self->messages, &k, NULL);
    *had = rc == 0;
    if (rc == MDB_NOTFOUND)
        rc = 0;
    MDB_dbi others[] = {self->tags, self->times};
    for (size_t i = 0; !rc && i < sizeof others / sizeof others[0]; i++) {
        rc = mdb_del(txn, others[i], &k, NULL);
        if (rc == MDB_NOTFOUND)
            rc = 0;
    }
    return rc;
}

int relais_spool_remove(relais_spool_t *self, uint64_t key)
{
    if (!self)
        return RELAIS_E_INVALID;
    MDB_txn *txn;
    int rc = mdb_txn_begin(self->env, NULL, 0, &txn);
    if (rc)
        return s_lmdb_fail(rc, "remove");
    int had;
    rc = s_delete(self, txn, key, &had);
    if (rc) {
        mdb_txn_abort(txn);
        return s_lmdb_fail(rc, "remove");
    }
    rc = mdb_txn_commit(txn);
    return rc ? s_lmdb_fail(rc, "remove") : RELAIS_OK;
}

/* ---- Outcomes ----------------------------------------------------------------------------------
 * One record a message id: a version byte (1), spooled_ms and settled_ms (8 bytes each, big-endian),
 * refused (1 byte), seq (8 bytes), then case_id, code, sentence and tag, each NUL-terminated. */

#define S_OUTCOME_VERSION 1
#define S_OUTCOME_FIXED (1 + 8 + 8 + 1 + 8)

static size_t s_outcome_encode(const relais_spool_outcome_t *o, uint8_t *buf, size_t cap)
{
    const char *texts[] = {o->case_id, o->code, o->sentence, o->tag};
    size_t need = S_OUTCOME_FIXED;
    for (size_t i = 0; i < 4; i++)
        need += strnlen(texts[i], 511) + 1;
    if (need > cap)
        return 0;
    buf[0] = S_OUTCOME_VERSION;
    s_key_encode((uint64_t)o->spooled_ms, buf + 1);
    s_key_encode((uint64_t)o->settled_ms, buf + 9);
    buf[17] = o->refused ? 1 : 0;
    s_key_encode(o->seq, buf + 18);
    size_t at = S_OUTCOME_FIXED;
    for (size_t i = 0; i < 4; i++) {
        size_t n = strnlen(texts[i], 511);
        memcpy(buf + at, texts[i], n);
        buf[at + n] = '\0';
        at += n + 1;
    }
    return at;
}

static int s_outcome_decode(const MDB_val *k, const MDB_val *v, relais_spool_outcome_t *o)
{
    const uint8_t *p = v->mv_data;
    memset(o, 0, sizeof *o);
    if (k->mv_size != sizeof o->msg_id || v->mv_size < S_OUTCOME_FIXED || p[0] != S_OUTCOME_VERSION)
        return relais_status_set(RELAIS_E_CORRUPT, "spool: an outcome does not decode");
    memcpy(o->msg_id, k->mv_data, sizeof o->msg_id);
    MDB_val f = {8, (void *)(p + 1)};
    o->spooled_ms = (int64_t)s_key_decode(&f);
    f.mv_data = (void *)(p + 9);
    o->settled_ms = (int64_t)s_key_decode(&f);
    o->refused = p[17] != 0;
    f.mv_data = (void *)(p + 18);
    o->seq = s_key_decode(&f);
    struct {
        char *dst;
        size_t cap;
    } texts[] = {{o->case_id, sizeof o->case_id},
                 {o->code, sizeof o->code},
                 {o->sentence, sizeof o->sentence},
                 {o->tag, sizeof o->tag}};
    size_t at = S_OUTCOME_FIXED;
    for (size_t i = 0; i < 4; i++) {
        const char *text = (const char *)p + at;
        size_t n = at < v->mv_size ? strnlen(text, v->mv_size - at) : 0;
        if (at + n >= v->mv_size)
            return relais_status_set(RELAIS_E_CORRUPT, "spool: an outcome is cut short");
        snprintf(texts[i].dst, texts[i].cap, "%.*s", (int)n, text);
        at += n + 1;
    }
    return RELAIS_OK;
}

/* The oldest outcomes beyond RELAIS_SPOOL_OUTCOMES go: a linear scan, the table being small. */
static int s_prune(relais_spool_t *self, MDB_txn *txn)
{
    MDB_stat st;
    int rc = mdb_stat(txn, self->outcomes, &st);
    while (!rc && st.ms_entries > RELAIS_SPOOL_OUTCOMES) {
        MDB_cursor *cur;
        if ((rc = mdb_cursor_open(txn, self->outcomes, &cur)) != 0)
            break;
        uint8_t oldest[16];
        int64_t oldest_ms = INT64_MAX;
        MDB_val k, v;
        int mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
        while (mrc == 0) {
            MDB_val f = {8, (uint8_t *)v.mv_data + 9};
            int64_t ms = v.mv_size >= S_OUTCOME_FIXED ? (int64_t)s_key_decode(&f) : INT64_MIN;
            if (ms < oldest_ms && k.mv_size == sizeof oldest) {
                oldest_ms = ms;
                memcpy(oldest, k.mv_data, sizeof oldest);
            }
            mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
        }
        mdb_cursor_close(cur);
        if (mrc != MDB_NOTFOUND)
            return mrc;
        MDB_val old = {sizeof oldest, oldest};
        if ((rc = mdb_del(txn, self->outcomes, &old, NULL)) == 0)
            rc = mdb_stat(txn, self->outcomes, &st);
    }
    return rc;
}

int relais_spool_settle(relais_spool_t *self, uint64_t key, const relais_spool_outcome_t *outcome)
{
    if (!self || !outcome)
        return RELAIS_E_INVALID;
    uint8_t buf[S_OUTCOME_FIXED + 4 * 512];
    size_t len = s_outcome_encode(outcome, buf, sizeof buf);
    if (!len)
        return relais_status_set(RELAIS_E_INVALID, "spool: an outcome too long to keep");
    MDB_txn *txn;
    int rc = mdb_txn_begin(self->env, NULL, 0, &txn);
    if (rc)
        return s_lmdb_fail(rc, "settle");
    int had = 0;
    rc = s_delete(self, txn, key, &had);
    if (!rc && had) {
        MDB_val k = {sizeof outcome->msg_id, (void *)outcome->msg_id}, v = {len, buf};
        rc = mdb_put(txn, self->outcomes, &k, &v, 0);
        if (!rc)
            rc = s_prune(self, txn);
    }
    if (rc) {
        mdb_txn_abort(txn);
        return s_lmdb_fail(rc, "settle");
    }
    rc = mdb_txn_commit(txn);
    return rc ? s_lmdb_fail(rc, "settle") : RELAIS_OK;
}

int relais_spool_outcome(relais_spool_t *self, const uint8_t msg_id[16], relais_spool_outcome_t *out)
{
    if (!self || !out)
        return RELAIS_E_INVALID;
    MDB_txn *txn;
    int rc = mdb_txn_begin(self->env, NULL, MDB_RDONLY, &txn);
    if (rc)
        return s_lmdb_fail(rc, "read");
    MDB_val k = {16, (void *)msg_id}, v;
    rc = mdb_get(txn, self->outcomes, &k, &v);
    int status = rc == MDB_NOTFOUND ? RELAIS_E_NOT_FOUND : rc ? s_lmdb_fail(rc, "read") : s_outcome_decode(&k, &v, out);
    mdb_txn_abort(txn);
    return status;
}

static int s_newest_first(const void *a, const void *b)
{
    const relais_spool_outcome_t *x = a, *y = b;
    return x->settled_ms < y->settled_ms ? 1 : x->settled_ms > y->settled_ms ? -1 : 0;
}

int relais_spool_outcomes(relais_spool_t *self, relais_spool_outcome_t **out, size_t *count)
{
    if (!self || !out || !count)
        return RELAIS_E_INVALID;
    *out = NULL;
    *count = 0;
    MDB_txn *txn;
    int rc = mdb_txn_begin(self->env, NULL, MDB_RDONLY, &txn);
    if (rc)
        return s_lmdb_fail(rc, "read");
    MDB_stat st;
    MDB_cursor *cur = NULL;
    rc = mdb_stat(txn, self->outcomes, &st);
    if (!rc)
        rc = mdb_cursor_open(txn, self->outcomes, &cur);
    if (rc) {
        mdb_txn_abort(txn);
        return s_lmdb_fail(rc, "read");
    }
    relais_spool_outcome_t *list = calloc(st.ms_entries ? st.ms_entries : 1, sizeof *list);
    int status = list ? RELAIS_OK : RELAIS_E_NOMEM;
    size_t n = 0;
    MDB_val k, v;
    int mrc = status ? MDB_NOTFOUND : mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    while (mrc == 0 && n < st.ms_entries && !status) {
        status = s_outcome_decode(&k, &v, &list[n++]);
        mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    if (!status && mrc && mrc != MDB_NOTFOUND)
        status = s_lmdb_fail(mrc, "read");
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    if (status) {
        free(list);
        return status;
    }
    qsort(list, n, sizeof *list, s_newest_first);
    *out = list;
    *count = n;
    return RELAIS_OK;
}

int64_t relais_spool_count(relais_spool_t *self)
{
    if (!self)
        return RELAIS_E_INVALID;
    MDB_txn *txn;
    int rc = mdb_txn_begin(self->env, NULL, MDB_RDONLY, &txn);
    if (rc)
        return s_lmdb_fail(rc, "count");
    MDB_stat st;
    rc = mdb_stat(txn, self->messages, &st);
    mdb_txn_abort(txn);
    if (rc)
        return s_lmdb_fail(rc, "count");
    return (int64_t)st.ms_entries;
}

int relais_spool_find_tag(relais_spool_t *self, const char *tag, uint64_t *key)
{
    if (!self || !tag)
        return RELAIS_E_INVALID;
    MDB_txn *txn;
    int rc = mdb_txn_begin(self->env, NULL, MDB_RDONLY, &txn);
    if (rc)
        return s_lmdb_fail(rc, "find");
    MDB_cursor *cur;
    rc = mdb_cursor_open(txn, self->tags, &cur);
    if (rc) {
        mdb_txn_abort(txn);
        return s_lmdb_fail(rc, "find");
    }
    /* A linear scan: a spool holds what could not be sent yet, a handful of entries. */
    size_t tlen = strlen(tag);
    int status = RELAIS_E_NOT_FOUND;
    MDB_val k, v;
    int mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    while (mrc == 0) {
        if (v.mv_size == tlen && memcmp(v.mv_data, tag, tlen) == 0) {
            if (key)
                *key = s_key_decode(&k);
            status = RELAIS_OK;
            break;
        }
        mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    if (mrc && mrc != MDB_NOTFOUND)
        status = s_lmdb_fail(mrc, "find");
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    return status;
}

void relais_spool_entry_clear(relais_spool_entry_t *entry)
{
    if (!entry)
        return;
    free(entry->bytes);
    free(entry->tag);
    memset(entry, 0, sizeof *entry);
}
