/* registry.c -- the trust registry: a folder of public certificates, loaded whole or not at all. */
#include "certs_internal.h"

#include "relais_proto.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Immutable once loaded, so any number of threads may look up at once without locks. */
struct relais_registry {
    relais_peer_t *peers;           /* sorted by name; what relais_registry_at walks */
    const relais_peer_t **by_curve; /* the same peers, sorted by raw CURVE public key */
    size_t count;                   /* number of peers */
};

/* A certificate during the load, with the file it came from for the error details. */
typedef struct {
    relais_peer_t peer;      /* as the file describes it */
    char file[NAME_MAX + 1]; /* its name inside the registry folder */
} s_entry_t;

typedef struct {
    s_entry_t *items; /* grown by doubling */
    size_t count;     /* used */
    size_t cap;       /* allocated */
} s_entries_t;

/* ---- Reading the folder ----------------------------------------------------------------- */

/* NAME.cert only: NAME.cert_secret and NAME.sign.key never match, so a secret copied here
 * by mistake is never trusted, nor read. */
static bool s_is_cert_file_name(const char *name)
{
    size_t len = strlen(name);
    return len > strlen(".cert") && strcmp(name + len - strlen(".cert"), ".cert") == 0;
}

static int s_append(s_entries_t *entries, const relais_peer_t *peer, const char *file)
{
    if (entries->count == entries->cap) {
        size_t cap = entries->cap ? entries->cap * 2 : 16;
        s_entry_t *items = realloc(entries->items, cap * sizeof *items);
        if (!items)
            return relais_status_set(RELAIS_E_NOMEM, "no memory for the registry");
        entries->items = items;
        entries->cap = cap;
    }
    s_entry_t *e = &entries->items[entries->count++];
    e->peer = *peer;
    snprintf(e->file, sizeof e->file, "%s", file);
    return 0;
}

/* Loads DIR/FILE unless it is a folder (revoked/ and the like) or another non-file. */
static int s_load_one(const char *dir, const char *file, s_entries_t *entries)
{
    char path[PATH_MAX];
    int n = snprintf(path, sizeof path, "%s/%s", dir, file);
    if (n < 0 || (size_t)n >= sizeof path)
        return relais_status_set(RELAIS_E_IO, "path %s/%s is too long", dir, file);
    struct stat st;
    if (stat(path, &st) != 0)
        return relais_status_set(RELAIS_E_IO, "cannot stat %s: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return 0;
    relais_peer_t peer;
    int rc = relais_peer_load(path, &peer);
    if (rc == 0)
        rc = s_append(entries, &peer, file);
    return rc;
}

static int s_scan(const char *dir, s_entries_t *entries)
{
    DIR *d = opendir(dir);
    if (!d)
        return relais_status_set(RELAIS_E_IO, "cannot open the registry folder %s: %s", dir, strerror(errno));
    int rc = 0;
    for (;;) {
        errno = 0;
        struct dirent *de = readdir(d);
        if (!de) {
            if (errno != 0)
                rc = relais_status_set(RELAIS_E_IO, "cannot list %s: %s", dir, strerror(errno));
            break;
        }
        if (!s_is_cert_file_name(de->d_name))
            continue;
        rc = s_load_one(dir, de->d_name, entries);
        if (rc != 0)
            break;
    }
    closedir(d);
    return rc;
}

/* ---- Uniqueness ------------------------------------------------------------------------- */

static int s_cmp_entry_name(const void *a, const void *b)
{
    return strcmp(((const s_entry_t *)a)->peer.name, ((const s_entry_t *)b)->peer.name);
}

static int s_cmp_entry_curve(const void *a, const void *b)
{
    const s_entry_t *x = *(const s_entry_t *const *)a, *y = *(const s_entry_t *const *)b;
    return memcmp(x->peer.curve_public, y->peer.curve_public, 32);
}

/* Sorts by name and refuses two certificates of one name: the sender name must say who. */
static int s_sort_unique_names(s_entries_t *entries, const char *dir)
{
    if (entries->count > 1)
        qsort(entries->items, entries->count, sizeof entries->items[0], s_cmp_entry_name);
    for (size_t i = 1; i < entries->count; i++) {
        const s_entry_t *a = &entries->items[i - 1], *b = &entries->items[i];
        if (strcmp(a->peer.name, b->peer.name) == 0)
            return relais_status_set(RELAIS_E_MALFORMED, "%s/%s and %s/%s both hold the name '%s'", dir, a->file, dir,
                                     b->file, a->peer.name);
    }
    return 0;
}

/* One CURVE key under two names would let its holder pick whose name it sends under. */
static int s_check_unique_curves(const s_entry_t **sorted, size_t count, const char *dir)
{
    for (size_t i = 1; i < count; i++) {
        const s_entry_t *a = sorted[i - 1], *b = sorted[i];
        if (memcmp(a->peer.curve_public, b->peer.curve_public, 32) == 0)
            return relais_status_set(RELAIS_E_MALFORMED, "%s/%s and %s/%s hold the same CURVE key %s", dir, a->file,
                                     dir, b->file, a->peer.curve_public_z85);
    }
    return 0;
}

/* ---- Building the registry -------------------------------------------------------------- */

/* `entries` are sorted by name already; the registry takes the same order. */
static int s_build(const s_entries_t *entries, const char *dir, relais_registry_t *self)
{
    size_t n = entries->count;
    const s_entry_t **sorted = calloc(n ? n : 1, sizeof *sorted);
    self->peers = calloc(n ? n : 1, sizeof *self->peers);
    self->by_curve = calloc(n ? n : 1, sizeof *self->by_curve);
    int rc = 0;
    if (!sorted || !self->peers || !self->by_curve) {
        rc = relais_status_set(RELAIS_E_NOMEM, "no memory for the registry");
        goto out_free_sorted;
    }
    for (size_t i = 0; i < n; i++)
        sorted[i] = &entries->items[i];
    if (n > 1)
        qsort(sorted, n, sizeof *sorted, s_cmp_entry_curve);
    rc = s_check_unique_curves(sorted, n, dir);
    if (rc != 0)
        goto out_free_sorted;
    for (size_t i = 0; i < n; i++) {
        self->peers[i] = entries->items[i].peer;
        self->by_curve[i] = &self->peers[sorted[i] - entries->items];
    }
    self->count = n;
out_free_sorted:
    free(sorted);
    return rc;
}

void relais_registry_destroy(relais_registry_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    relais_registry_t *self = *self_p;
    free(self->peers);
    free(self->by_curve);
    free(self);
    *self_p = NULL;
}

int relais_registry_load(const char *dir, relais_registry_t **out)
{
    if (!dir || !out)
        return relais_status_set(RELAIS_E_INVALID, "relais_registry_load: NULL argument");
    *out = NULL;
    s_entries_t entries = {0};
    relais_registry_t *self = calloc(1, sizeof *self);
    int rc = self ? certs_crypto_ready() : relais_status_set(RELAIS_E_NOMEM, "no memory for the registry");
    if (rc == 0)
        rc = s_scan(dir, &entries);
    if (rc == 0)
        rc = s_sort_unique_names(&entries, dir);
    if (rc == 0)
        rc = s_build(&entries, dir, self);
    free(entries.items);
    if (rc != 0)
        relais_registry_destroy(&self);
    *out = self;
    return rc;
}

/* ---- Lookups ---------------------------------------------------------------------------- */

static int s_cmp_name_key(const void *key, const void *elem)
{
    return strcmp(key, ((const relais_peer_t *)elem)->name);
}

static int s_cmp_curve_key(const void *key, const void *elem)
{
    return memcmp(key, (*(const relais_peer_t *const *)elem)->curve_public, 32);
}

const relais_peer_t *relais_registry_by_name(const relais_registry_t *self, const char *name)
{
    if (!self || !name || self->count == 0)
        return NULL;
    return bsearch(name, self->peers, self->count, sizeof self->peers[0], s_cmp_name_key);
}

const relais_peer_t *relais_registry_by_curve(const relais_registry_t *self, const uint8_t key[32])
{
    if (!self || !key || self->count == 0)
        return NULL;
    const relais_peer_t *const *hit =
        bsearch(key, self->by_curve, self->count, sizeof self->by_curve[0], s_cmp_curve_key);
    return hit ? *hit : NULL;
}

const relais_peer_t *relais_registry_by_curve_z85(const relais_registry_t *self, const char *z85)
{
    uint8_t key[32];
    /* Decoded rather than compared as text, so the raw key is the one identity. */
    if (!z85 || strlen(z85) != RELAIS_CURVE_Z85_LEN || !zmq_z85_decode(key, z85))
        return NULL;
    return relais_registry_by_curve(self, key);
}

size_t relais_registry_count(const relais_registry_t *self)
{
    return self ? self->count : 0;
}

const relais_peer_t *relais_registry_at(const relais_registry_t *self, size_t index)
{
    if (!self || index >= self->count)
        return NULL;
    return &self->peers[index];
}
