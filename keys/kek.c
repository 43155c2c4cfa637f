/* kek.c -- the key-encryption key's file, wrapping data keys under it, and sealing with AES-256-GCM. */
#include "relais_keys.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#define S_FILE_MAGIC "relais-data-key 1"
#define S_WRAP_FORMAT 1
#define S_ARCHIVE_FORMAT 2
#define S_FILE_MAX 4096

struct relais_kek {
    uint8_t key[RELAIS_DATA_KEY_BYTES]; /* the KEK itself */
    uint32_t generation;                /* which one it is */
};

/* ---- Sealing ----------------------------------------------------------------------------- */

/* Each thread keeps AES-256-GCM contexts, set up once with the cipher: a new context for
 * every record (allocating it, looking the cipher up) cost as much as sealing a record of
 * 1 KiB. A call sets the nonce, and the key only when no context of its direction holds it
 * already: the key schedule is most of the cost of sealing a short value, and the writer
 * seals a record and its case's index entries one after the other under the case's key,
 * wrapping the case's new key under the KEK in between (so two contexts a direction). */
#define S_CTX_WAYS 2

typedef struct {
    EVP_CIPHER_CTX *ctx[2][S_CTX_WAYS];                /* [0] opens, [1] seals */
    uint8_t key[2][S_CTX_WAYS][RELAIS_DATA_KEY_BYTES]; /* the key each context holds */
    int keyed[2][S_CTX_WAYS];                          /* the context holds its key[] */
    int last[2];                                       /* the way used last, kept */
    uint8_t random[4096];    /* random bytes drawn ahead: one RAND_bytes call costs half of
                              * sealing a small value. Wiped as they are handed out. */
    size_t random_used;      /* how many of them were handed out */
} s_gcm_ctx_t;

static pthread_once_t s_gcm_once = PTHREAD_ONCE_INIT;
static pthread_key_t s_gcm_key;
static int s_gcm_key_ok;

static void s_gcm_ctx_free(void *p)
{
    s_gcm_ctx_t *c = p;
    for (int d = 0; d < 2; d++)
        for (int w = 0; w < S_CTX_WAYS; w++)
            EVP_CIPHER_CTX_free(c->ctx[d][w]);
    OPENSSL_cleanse(c, sizeof *c);
    free(c);
}

static void s_gcm_setup(void)
{
    s_gcm_key_ok = pthread_key_create(&s_gcm_key, s_gcm_ctx_free) == 0;
}

/* This thread's contexts; NULL when there are none to be had. */
static s_gcm_ctx_t *s_thread_ctx(void)
{
    pthread_once(&s_gcm_once, s_gcm_setup);
    if (!s_gcm_key_ok)
        return NULL;
    s_gcm_ctx_t *c = pthread_getspecific(s_gcm_key);
    if (!c) {
        c = calloc(1, sizeof *c);
        if (!c || pthread_setspecific(s_gcm_key, c) != 0) {
            free(c);
            return NULL;
        }
        c->random_used = sizeof c->random;
    }
    return c;
}

/* `n` (at most 64) fresh random bytes, from this thread's bytes drawn ahead, each handed out
 * once and wiped. */
static int s_random(uint8_t *out, size_t n)
{
    s_gcm_ctx_t *c = s_thread_ctx();
    if (!c || n > 64)
        return RAND_bytes(out, (int)n) == 1 ? 0 : -1;
    if (c->random_used + n > sizeof c->random) {
        if (RAND_bytes(c->random, sizeof c->random) != 1)
            return -1;
        c->random_used = 0;
    }
    memcpy(out, c->random + c->random_used, n);
    OPENSSL_cleanse(c->random + c->random_used, n);
    c->random_used += n;
    return 0;
}

int relais_random_key(uint8_t key[RELAIS_DATA_KEY_BYTES])
{
    return s_random(key, RELAIS_DATA_KEY_BYTES) == 0
               ? 0
               : relais_status_set(RELAIS_E_CRYPTO, "no random bytes for a data key");
}

/* This thread's context for `encrypt`, holding `key` and ready for `nonce`; NULL when there is
 * none to be had. */
static EVP_CIPHER_CTX *s_gcm_ctx(int encrypt, const uint8_t key[RELAIS_DATA_KEY_BYTES], const uint8_t *nonce)
{
    s_gcm_ctx_t *c = s_thread_ctx();
    if (!c)
        return NULL;
    int way = -1;
    for (int w = 0; w < S_CTX_WAYS && way < 0; w++)
        if (c->keyed[encrypt][w] && CRYPTO_memcmp(c->key[encrypt][w], key, RELAIS_DATA_KEY_BYTES) == 0)
            way = w;
    int same = way >= 0;
    if (!same)
        way = (c->last[encrypt] + 1) % S_CTX_WAYS; /* the one not used last */
    if (!c->ctx[encrypt][way]) {
        EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
        if (!ctx || EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL, encrypt) != 1) {
            EVP_CIPHER_CTX_free(ctx);
            return NULL;
        }
        c->ctx[encrypt][way] = ctx;
    }
    c->keyed[encrypt][way] = 0;
    if (EVP_CipherInit_ex(c->ctx[encrypt][way], NULL, NULL, same ? NULL : key, nonce, encrypt) != 1)
        return NULL;
    memcpy(c->key[encrypt][way], key, RELAIS_DATA_KEY_BYTES);
    c->keyed[encrypt][way] = 1;
    c->last[encrypt] = way;
    return c->ctx[encrypt][way];
}

static int s_gcm(int encrypt, const uint8_t key[RELAIS_DATA_KEY_BYTES], const uint8_t *nonce, const uint8_t *ad,
                 size_t ad_len, const uint8_t *in, size_t len, uint8_t *out, uint8_t *tag)
{
    EVP_CIPHER_CTX *ctx = s_gcm_ctx(encrypt != 0, key, nonce);
    int n = 0, ok = ctx && len <= INT32_MAX && ad_len <= INT32_MAX &&
                    EVP_CipherUpdate(ctx, NULL, &n, ad, (int)ad_len) == 1 &&
                    (len == 0 || EVP_CipherUpdate(ctx, out, &n, in, (int)len) == 1);
    if (ok && !encrypt)
        ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, RELAIS_SEAL_TAG_BYTES, tag) == 1;
    if (ok)
        ok = EVP_CipherFinal_ex(ctx, out + n, &n) == 1;
    if (ok && encrypt)
        ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, RELAIS_SEAL_TAG_BYTES, tag) == 1;
    return ok ? 0 : -1;
}

int relais_seal(const uint8_t key[RELAIS_DATA_KEY_BYTES], const uint8_t *ad, size_t ad_len, const uint8_t *plain,
                size_t len, uint8_t nonce[RELAIS_SEAL_NONCE_BYTES], uint8_t *out)
{
    if (s_random(nonce, RELAIS_SEAL_NONCE_BYTES) != 0 || s_gcm(1, key, nonce, ad, ad_len, plain, len, out, out + len))
        return relais_status_set(RELAIS_E_CRYPTO, "AES-256-GCM sealing failed");
    return 0;
}

int relais_open(const uint8_t key[RELAIS_DATA_KEY_BYTES], const uint8_t *ad, size_t ad_len,
                const uint8_t nonce[RELAIS_SEAL_NONCE_BYTES], const uint8_t *sealed, size_t sealed_len, uint8_t *out)
{
    if (sealed_len < RELAIS_SEAL_TAG_BYTES)
        return relais_status_set(RELAIS_E_CRYPTO, "sealed bytes shorter than their tag");
    size_t len = sealed_len - RELAIS_SEAL_TAG_BYTES;
    uint8_t tag[RELAIS_SEAL_TAG_BYTES];
    memcpy(tag, sealed + len, sizeof tag);
    if (s_gcm(0, key, nonce, ad, ad_len, sealed, len, out, tag) != 0) {
        OPENSSL_cleanse(out, len);
        return relais_status_set(RELAIS_E_CRYPTO, "the sealed bytes do not open with this key at this place "
                                                  "(another key, or altered)");
    }
    return 0;
}

static void s_put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

void relais_record_ad(uint64_t seq, uint64_t key_id, uint8_t ad[RELAIS_RECORD_AD_BYTES])
{
    memcpy(ad, "relais/v1/rec", 13);
    s_put_u64(ad + 13, seq);
    s_put_u64(ad + 21, key_id);
}

/* ---- The KEK file -------------------------------------------------------------------------- */

/* Writes a KEK file: created 0600 and never over an existing file, synced. */
static int s_write_file(const char *path, const uint8_t key[RELAIS_DATA_KEY_BYTES], uint32_t generation)
{
    if (!path || generation == 0)
        return relais_status_set(RELAIS_E_INVALID, "a data key file needs a path and a generation from 1");
    char b64[64];
    EVP_EncodeBlock((unsigned char *)b64, key, RELAIS_DATA_KEY_BYTES);
    char text[256];
    int n = snprintf(text, sizeof text,
                     "# The relais hub's data key: it opens every case's data. Keep it secret and apart from\n"
                     "# the store and its backups.\n" S_FILE_MAGIC "\ngeneration %u\nkey %s\n",
                     generation, b64);
    OPENSSL_cleanse(b64, sizeof b64);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        OPENSSL_cleanse(text, sizeof text);
        return relais_status_set(RELAIS_E_IO, "cannot create %s: %s", path, strerror(errno));
    }
    int ok = write(fd, text, (size_t)n) == n && fsync(fd) == 0;
    int saved = errno;
    close(fd);
    OPENSSL_cleanse(text, sizeof text);
    if (!ok) {
        unlink(path);
        return relais_status_set(RELAIS_E_IO, "cannot write %s: %s", path, strerror(saved));
    }
    return 0;
}

int relais_kek_create(const char *path, uint32_t generation)
{
    uint8_t key[RELAIS_DATA_KEY_BYTES];
    if (RAND_bytes(key, sizeof key) != 1)
        return relais_status_set(RELAIS_E_CRYPTO, "no random bytes for the data key");
    int rc = s_write_file(path, key, generation);
    OPENSSL_cleanse(key, sizeof key);
    return rc;
}

int relais_kek_erase(const char *path)
{
    relais_kek_t *kek = NULL;
    int rc = relais_kek_load(path, &kek); /* never erase a file that is no data key */
    relais_kek_destroy(&kek);
    if (rc != 0)
        return rc;
    int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        int saved = errno;
        if (fd >= 0)
            close(fd);
        return relais_status_set(RELAIS_E_IO, "cannot open %s to erase it: %s", path, strerror(saved));
    }
    /* Overwritten before it is unlinked: that helps where a file system writes in place; a
     * copy-on-write file system or an SSD may keep the old blocks (docs/security.md). */
    char zeros[S_FILE_MAX] = {0};
    size_t size = (size_t)st.st_size < sizeof zeros ? (size_t)st.st_size : sizeof zeros;
    int ok = pwrite(fd, zeros, size, 0) == (ssize_t)size && fsync(fd) == 0;
    int saved = errno;
    close(fd);
    if (!ok || unlink(path) != 0)
        return relais_status_set(RELAIS_E_IO, "cannot erase %s: %s", path, strerror(ok ? errno : saved));
    return 0;
}

/* Reads the whole file, refusing one that others may read. */
static int s_read_secret(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return relais_status_set(RELAIS_E_IO, "cannot open the data key %s: %s", path, strerror(errno));
    struct stat st;
    int rc = 0;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        rc = relais_status_set(RELAIS_E_IO, "the data key %s is not a regular file", path);
    else if (st.st_mode & 077)
        rc = relais_status_set(RELAIS_E_IO, "the data key %s may be read by others (mode %o): chmod 600 it", path,
                               (unsigned)(st.st_mode & 0777));
    ssize_t n = rc ? -1 : read(fd, buf, cap - 1);
    close(fd);
    if (rc)
        return rc;
    if (n < 0 || (size_t)n >= cap - 1)
        return relais_status_set(RELAIS_E_MALFORMED, "the data key %s is unreadable or too long", path);
    buf[n] = '\0';
    return 0;
}

static int s_parse(const char *path, char *text, relais_kek_t *out)
{
    int magic = 0, have_generation = 0, have_key = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        unsigned long generation;
        char b64[128], extra;
        if (line[0] == '#')
            continue;
        if (strcmp(line, S_FILE_MAGIC) == 0) {
            magic = 1;
        } else if (sscanf(line, "generation %lu%c", &generation, &extra) == 1 && generation >= 1 &&
                   generation <= UINT32_MAX) {
            out->generation = (uint32_t)generation;
            have_generation = 1;
        } else if (sscanf(line, "key %127s%c", b64, &extra) == 1 && strlen(b64) == 44) {
            uint8_t raw[36];
            have_key = EVP_DecodeBlock(raw, (const unsigned char *)b64, 44) == 33 && b64[43] == '=' && b64[42] != '=';
            if (have_key)
                memcpy(out->key, raw, sizeof out->key);
            OPENSSL_cleanse(raw, sizeof raw);
            OPENSSL_cleanse(b64, sizeof b64);
        } else {
            return relais_status_set(RELAIS_E_MALFORMED, "%s: a line that is no part of a relais data key", path);
        }
    }
    if (!magic || !have_generation || !have_key)
        return relais_status_set(RELAIS_E_MALFORMED, "%s is not a relais data key (it needs \"%s\", a generation and "
                                                     "a key of 32 bytes in base64)",
                                 path, S_FILE_MAGIC);
    return 0;
}

int relais_kek_load(const char *path, relais_kek_t **out)
{
    if (!path || !out)
        return relais_status_set(RELAIS_E_INVALID, "relais_kek_load needs a path");
    *out = NULL;
    char text[S_FILE_MAX];
    int rc = s_read_secret(path, text, sizeof text);
    relais_kek_t *kek = rc ? NULL : calloc(1, sizeof *kek);
    if (!rc && !kek)
        rc = relais_status_set(RELAIS_E_NOMEM, "out of memory");
    if (!rc)
        rc = s_parse(path, text, kek);
    OPENSSL_cleanse(text, sizeof text);
    if (rc) {
        relais_kek_destroy(&kek);
        return rc;
    }
    *out = kek;
    return 0;
}

void relais_kek_destroy(relais_kek_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    OPENSSL_cleanse(*self_p, sizeof **self_p);
    free(*self_p);
    *self_p = NULL;
}

uint32_t relais_kek_generation(const relais_kek_t *self)
{
    return self ? self->generation : 0;
}

/* ---- Wrapping -------------------------------------------------------------------------------- */

/* LABEL || key_id || generation: a wrapped value opens only as the value it was made for, of
 * the kind it was made as ("relais/v1/key" a data key, "relais/v1/arc" an archived key). */
static void s_wrap_ad(const char label[13], uint64_t key_id, uint32_t generation, uint8_t ad[13 + 8 + 4])
{
    memcpy(ad, label, 13);
    s_put_u64(ad + 13, key_id);
    for (int i = 3; i >= 0; i--, generation >>= 8)
        ad[21 + i] = (uint8_t)generation;
}

/* format (1) || generation (4) || nonce || ciphertext of `len` bytes || tag. */
static int s_wrap(const relais_kek_t *self, const char label[13], uint8_t format, uint64_t key_id, const uint8_t *in,
                  size_t len, uint8_t *out)
{
    uint8_t ad[25];
    s_wrap_ad(label, key_id, self->generation, ad);
    out[0] = format;
    memcpy(out + 1, ad + 21, 4);
    return relais_seal(self->key, ad, sizeof ad, in, len, out + 5, out + 5 + RELAIS_SEAL_NONCE_BYTES);
}

static uint32_t s_generation(const uint8_t *wrapped, size_t len, uint8_t format, size_t want)
{
    if (!wrapped || len != want || wrapped[0] != format)
        return 0;
    return (uint32_t)wrapped[1] << 24 | (uint32_t)wrapped[2] << 16 | (uint32_t)wrapped[3] << 8 | wrapped[4];
}

static int s_unwrap(const relais_kek_t *self, const char label[13], uint8_t format, const char *what, uint64_t key_id,
                    const uint8_t *wrapped, size_t len, size_t plain_len, uint8_t *out)
{
    uint32_t generation = s_generation(wrapped, len, format, 5 + RELAIS_SEAL_NONCE_BYTES + plain_len + RELAIS_SEAL_TAG_BYTES);
    if (generation == 0)
        return relais_status_set(RELAIS_E_MALFORMED, "%s %llu: not a wrapped key", what, (unsigned long long)key_id);
    if (generation != self->generation)
        return relais_status_set(RELAIS_E_CRYPTO, "%s %llu was wrapped under data key generation %u; the one "
                                                  "given is generation %u",
                                 what, (unsigned long long)key_id, generation, self->generation);
    uint8_t ad[25];
    s_wrap_ad(label, key_id, generation, ad);
    if (relais_open(self->key, ad, sizeof ad, wrapped + 5, wrapped + 5 + RELAIS_SEAL_NONCE_BYTES,
                    plain_len + RELAIS_SEAL_TAG_BYTES, out) != 0)
        return relais_status_set(RELAIS_E_CRYPTO, "%s %llu does not open with the data key given (generation %u): "
                                                  "it is another hub's, or the store was altered",
                                 what, (unsigned long long)key_id, generation);
    return 0;
}

int relais_kek_wrap(const relais_kek_t *self, uint64_t key_id, const uint8_t key[RELAIS_DATA_KEY_BYTES],
                    uint8_t out[RELAIS_WRAPPED_KEY_BYTES])
{
    return s_wrap(self, "relais/v1/key", S_WRAP_FORMAT, key_id, key, RELAIS_DATA_KEY_BYTES, out);
}

uint32_t relais_wrapped_generation(const uint8_t *wrapped, size_t len)
{
    return s_generation(wrapped, len, S_WRAP_FORMAT, RELAIS_WRAPPED_KEY_BYTES);
}

uint32_t relais_wrapped_archive_generation(const uint8_t *wrapped, size_t len)
{
    return s_generation(wrapped, len, S_ARCHIVE_FORMAT, RELAIS_WRAPPED_ARCHIVE_BYTES);
}

int relais_kek_unwrap(const relais_kek_t *self, uint64_t key_id, const uint8_t *wrapped, size_t len,
                      uint8_t key[RELAIS_DATA_KEY_BYTES])
{
    return s_unwrap(self, "relais/v1/key", S_WRAP_FORMAT, "data key", key_id, wrapped, len, RELAIS_DATA_KEY_BYTES,
                    key);
}

int relais_kek_wrap_archive(const relais_kek_t *self, uint64_t key_id, const uint8_t box[RELAIS_ARCHIVED_KEY_BYTES],
                            uint8_t out[RELAIS_WRAPPED_ARCHIVE_BYTES])
{
    return s_wrap(self, "relais/v1/arc", S_ARCHIVE_FORMAT, key_id, box, RELAIS_ARCHIVED_KEY_BYTES, out);
}

int relais_kek_unwrap_archive(const relais_kek_t *self, uint64_t key_id, const uint8_t *wrapped, size_t len,
                              uint8_t box[RELAIS_ARCHIVED_KEY_BYTES])
{
    return s_unwrap(self, "relais/v1/arc", S_ARCHIVE_FORMAT, "archived key", key_id, wrapped, len,
                    RELAIS_ARCHIVED_KEY_BYTES, box);
}

#define S_RETIRED_PREFIX "data-key.gen-"

void relais_kek_retired_name(uint32_t generation, int64_t retired_ms, char *out, size_t cap)
{
    snprintf(out, cap, S_RETIRED_PREFIX "%u.retired-%lld", generation, (long long)retired_ms);
}

int relais_kek_retired_parse(const char *name, uint32_t *generation, int64_t *retired_ms)
{
    unsigned g;
    long long ms;
    int n = 0;
    if (sscanf(name, S_RETIRED_PREFIX "%u.retired-%lld%n", &g, &ms, &n) != 2 || name[n] != '\0' || g == 0 || ms <= 0)
        return -1;
    *generation = g;
    *retired_ms = ms;
    return 0;
}

int relais_kek_save(const relais_kek_t *self, const char *path)
{
    return s_write_file(path, self->key, self->generation);
}
