/* bench_setup.c -- relais-bench's helpers, yardsticks, identities, signed referrals and the prefill. */
#define _GNU_SOURCE /* memmem, nftw */
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <lmdb.h>
#include <openssl/evp.h>
#include <sodium.h>

#include "relais_cases.h"
#include "relais_keys.h"
#include "relais_proto.h"
#include "relais_store.h"

#define S_PREFILL_BATCH 10000      /* records per synced transaction of the prefill */
#define S_MAX_THREADS 64           /* signing threads at most */
#define S_NAME_LETTERS 18          /* family name: 6 letters of run tag, 12 of the index */
#define S_NAME_MARK "Qzqzqzqzqzqzqzqzqz" /* its placeholder in the template (S_NAME_LETTERS long) */
#define S_GIVEN_LETTERS 8          /* given name, from the index (spread, not in order) */
#define S_GIVEN_MARK "Gzgzgzgz"
#define S_BIRTH_MARK "1901-02-03"  /* birth date, from the index: a town's children over 12 years */
#define S_BIRTH_LEN 10
#define S_BIRTH_DAYS 4383
#define S_REF_LETTERS 20           /* external_ref: "E", 6 letters of run tag, "-", 12 digits of the index */
#define S_REF_MARK "Rzrzrzrzrzrzrzrzrzrz" /* its placeholder (S_REF_LETTERS long) */
#define S_LMDB_WARMUP 32           /* untimed commits first: the file's growth is not a commit's cost */
#define S_LMDB_VALUE 64            /* bytes of the yardstick's record */

/* ---- Helpers ------------------------------------------------------------------------------ */

int64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void bench_log(const char *fmt, ...)
{
    static int64_t start;
    if (!start)
        start = bench_now_ns();
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "[bench %7.2fs] %s\n", (double)(bench_now_ns() - start) / 1e9, line);
}

static int s_cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

void bench_sort(int64_t *samples_ns, size_t n)
{
    if (n > 1)
        qsort(samples_ns, n, sizeof *samples_ns, s_cmp_i64);
}

double bench_percentile_ms(int64_t *samples_ns, size_t n, double p, int sorted)
{
    if (n == 0)
        return NAN;
    if (!sorted)
        bench_sort(samples_ns, n);
    /* Nearest rank: the smallest sample with at least p of the samples at or below it. */
    double rank = ceil(p * (double)n);
    size_t i = rank < 1 ? 0 : (size_t)rank - 1;
    if (i >= n)
        i = n - 1;
    return (double)samples_ns[i] / 1e6;
}

int bench_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return 0;
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof a;
    int port = 0;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 && getsockname(fd, (struct sockaddr *)&a, &alen) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port;
}

/* Threads for work spread over the machine: one per online core. */
static int s_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > S_MAX_THREADS ? S_MAX_THREADS : (int)n;
}

int bench_on_path(const char *name)
{
    const char *path = getenv("PATH");
    if (!path)
        return 0;
    char dir[BENCH_PATH_MAX], full[BENCH_PATH_MAX];
    while (*path) {
        size_t n = strcspn(path, ":");
        if (n > 0 && n < sizeof dir) {
            memcpy(dir, path, n);
            dir[n] = '\0';
            if ((size_t)snprintf(full, sizeof full, "%s/%s", dir, name) < sizeof full && access(full, X_OK) == 0)
                return 1;
        }
        path += n;
        if (*path == ':')
            path++;
    }
    return 0;
}

static int s_remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

int bench_remove_tree(const char *path)
{
    if (access(path, F_OK) != 0)
        return errno == ENOENT ? 0 : -1;
    return nftw(path, s_remove_entry, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
}

/* ---- Yardsticks --------------------------------------------------------------------------- */

typedef struct {
    uint8_t msg[sizeof RELAIS_SIGN_CONTEXT + 1024]; /* context, 0x00 and a 1 KiB body */
    uint8_t pk[crypto_sign_PUBLICKEYBYTES];         /* Ed25519 public key */
    uint8_t sig[crypto_sign_BYTES];                 /* its signature over msg */
} s_verify_case_t;

static double s_verify_loop_sodium(const s_verify_case_t *c, double seconds)
{
    int64_t t0 = bench_now_ns(), until = t0 + (int64_t)(seconds * 1e9), now = t0;
    uint64_t n = 0;
    while (now < until) {
        /* Check the clock every 64 verifies: a clock read is cheap but not free. */
        for (int i = 0; i < 64; i++, n++)
            if (crypto_sign_verify_detached(c->sig, c->msg, sizeof c->msg, c->pk) != 0)
                return NAN;
        now = bench_now_ns();
    }
    return (double)n / ((double)(now - t0) / 1e9);
}

static double s_verify_loop_openssl(const s_verify_case_t *c, double seconds)
{
    EVP_PKEY *pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, c->pk, sizeof c->pk);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    double rate = NAN;
    if (!pkey || !ctx)
        goto out_free;
    int64_t t0 = bench_now_ns(), until = t0 + (int64_t)(seconds * 1e9), now = t0;
    uint64_t n = 0;
    while (now < until) {
        for (int i = 0; i < 64; i++, n++) {
            /* The key stays parsed (as a broker would cache it); each verify is one-shot. */
            if (EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pkey) != 1 ||
                EVP_DigestVerify(ctx, c->sig, sizeof c->sig, c->msg, sizeof c->msg) != 1)
                goto out_free;
        }
        now = bench_now_ns();
    }
    rate = (double)n / ((double)(now - t0) / 1e9);
out_free:
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(pkey);
    return rate;
}

/* A fresh key and its signature over the context and a random 1 KiB body. */
static int s_verify_case_make(s_verify_case_t *c)
{
    uint8_t sk[crypto_sign_SECRETKEYBYTES];
    if (sodium_init() < 0)
        return -1;
    memcpy(c->msg, RELAIS_SIGN_CONTEXT, sizeof RELAIS_SIGN_CONTEXT); /* with its NUL: the 0x00 */
    randombytes_buf(c->msg + sizeof RELAIS_SIGN_CONTEXT, 1024);
    int rc = crypto_sign_keypair(c->pk, sk) == 0 && crypto_sign_detached(c->sig, NULL, c->msg, sizeof c->msg, sk) == 0
                 ? 0
                 : -1;
    sodium_memzero(sk, sizeof sk);
    return rc;
}

int bench_verify_rates(double seconds, double *sodium_per_s, double *openssl_per_s)
{
    *sodium_per_s = *openssl_per_s = NAN;
    s_verify_case_t c;
    if (s_verify_case_make(&c) != 0)
        return -1;
    *sodium_per_s = s_verify_loop_sodium(&c, seconds);
    *openssl_per_s = s_verify_loop_openssl(&c, seconds);
    return isnan(*sodium_per_s) || isnan(*openssl_per_s) ? -1 : 0;
}

typedef struct {
    const s_verify_case_t *c; /* what to verify */
    double seconds;           /* for how long */
    double rate;              /* verifies/s of this thread */
} s_verify_job_t;

static void *s_verify_thread(void *arg)
{
    s_verify_job_t *j = arg;
    j->rate = s_verify_loop_sodium(j->c, j->seconds);
    return NULL;
}

double bench_verify_all_cores(double seconds)
{
    int n = s_threads();
    s_verify_case_t c;
    if (s_verify_case_make(&c) != 0)
        return NAN;
    pthread_t th[S_MAX_THREADS];
    s_verify_job_t jobs[S_MAX_THREADS];
    int started[S_MAX_THREADS], failed = 0;
    double total = 0;
    for (int i = 0; i < n; i++) {
        jobs[i] = (s_verify_job_t){&c, seconds, NAN};
        started[i] = pthread_create(&th[i], NULL, s_verify_thread, &jobs[i]) == 0;
        failed |= !started[i];
    }
    for (int i = 0; i < n; i++) {
        if (started[i]) {
            pthread_join(th[i], NULL);
            total += jobs[i].rate;
        }
    }
    return failed ? NAN : total;
}

double bench_fsync_ms(const char *dir, int rounds, double *p99_ms)
{
    char path[BENCH_PATH_MAX];
    *p99_ms = NAN;
    if ((size_t)snprintf(path, sizeof path, "%s/bench-fsync.tmp", dir) >= sizeof path || rounds <= 0)
        return NAN;
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return NAN;
    uint8_t block[4096];
    memset(block, 0xa5, sizeof block);
    int64_t *t = calloc((size_t)rounds, sizeof *t);
    double median = NAN;
    /* Allocate the 16 blocks first: the rounds then measure a data write and its sync, as a
     * commit into an already grown file does, not the file's growth. */
    for (int i = 0; i < 16; i++)
        if (pwrite(fd, block, sizeof block, (off_t)i * 4096) != (ssize_t)sizeof block)
            goto out_close;
    if (!t || fsync(fd) != 0)
        goto out_close;
    for (int i = 0; i < rounds; i++) {
        block[0] = (uint8_t)i;
        int64_t t0 = bench_now_ns();
        if (pwrite(fd, block, sizeof block, (off_t)(i % 16) * 4096) != (ssize_t)sizeof block || fdatasync(fd) != 0)
            goto out_close;
        t[i] = bench_now_ns() - t0;
    }
    median = bench_percentile_ms(t, (size_t)rounds, 0.5, 0);
    *p99_ms = bench_percentile_ms(t, (size_t)rounds, 0.99, 1);
out_close:
    free(t);
    close(fd);
    unlink(path);
    return median;
}

/* One write transaction of one new record, committed (LMDB syncs the data, then the meta page). */
static int s_lmdb_put_one(MDB_env *env, MDB_dbi dbi, uint64_t round, int64_t *elapsed_ns)
{
    uint8_t key[8], value[S_LMDB_VALUE];
    for (int b = 0; b < 8; b++)
        key[b] = (uint8_t)(round >> (56 - 8 * b)); /* big-endian: keys append, like the log's */
    memset(value, 0x5a, sizeof value);
    MDB_txn *txn = NULL;
    MDB_val k = {sizeof key, key}, v = {sizeof value, value};
    int64_t t0 = bench_now_ns();
    int rc = mdb_txn_begin(env, NULL, 0, &txn);
    if (rc == 0)
        rc = mdb_put(txn, dbi, &k, &v, 0);
    if (rc == 0) {
        rc = mdb_txn_commit(txn);
        txn = NULL;
    }
    *elapsed_ns = bench_now_ns() - t0;
    if (txn)
        mdb_txn_abort(txn);
    if (rc != 0)
        bench_log("warning: LMDB yardstick: %s", mdb_strerror(rc));
    return rc == 0 ? 0 : -1;
}

/* The main database's handle, opened once (a handle outlives the transaction that opened it). */
static int s_lmdb_main_dbi(MDB_env *env, MDB_dbi *dbi)
{
    MDB_txn *txn = NULL;
    int rc = mdb_txn_begin(env, NULL, 0, &txn);
    if (rc == 0 && (rc = mdb_dbi_open(txn, NULL, 0, dbi)) != 0)
        mdb_txn_abort(txn);
    else if (rc == 0)
        rc = mdb_txn_commit(txn);
    return rc == 0 ? 0 : -1;
}

double bench_lmdb_commit_ms(const char *dir, int rounds, double *p99_ms)
{
    char env_dir[BENCH_PATH_MAX];
    *p99_ms = NAN;
    if (rounds <= 0 || (size_t)snprintf(env_dir, sizeof env_dir, "%s/lmdb-commit-yardstick", dir) >= sizeof env_dir)
        return NAN;
    /* A fresh environment each run: a reused --dir must not time a larger tree. */
    if (bench_remove_tree(env_dir) != 0 || mkdir(env_dir, 0700) != 0)
        return NAN;
    int64_t *t = calloc((size_t)rounds, sizeof *t);
    MDB_env *env = NULL;
    MDB_dbi dbi;
    double median = NAN;
    int64_t unused;
    if (!t || mdb_env_create(&env) != 0)
        goto out;
    /* Flags 0: the default, synced commits, as the broker opens its store. */
    if (mdb_env_set_mapsize(env, (size_t)64 << 20) != 0 || mdb_env_open(env, env_dir, 0, 0600) != 0 ||
        s_lmdb_main_dbi(env, &dbi) != 0)
        goto out;
    for (int i = 0; i < S_LMDB_WARMUP; i++)
        if (s_lmdb_put_one(env, dbi, (uint64_t)i, &unused) != 0)
            goto out;
    for (int i = 0; i < rounds; i++)
        if (s_lmdb_put_one(env, dbi, (uint64_t)(S_LMDB_WARMUP + i), &t[i]) != 0)
            goto out;
    median = bench_percentile_ms(t, (size_t)rounds, 0.5, 0);
    *p99_ms = bench_percentile_ms(t, (size_t)rounds, 0.99, 1);
out:
    if (env)
        mdb_env_close(env);
    free(t);
    if (bench_remove_tree(env_dir) != 0)
        bench_log("warning: could not remove %s", env_dir);
    return median;
}

/* ---- Identities ------------------------------------------------------------------------------ */

/* Loads NAME from keys_dir when a previous run left it, else creates and saves it. */
static int s_identity(const char *keys_dir, const char *name, relais_role_t role, relais_identity_t **out)
{
    char path[BENCH_PATH_MAX];
    if ((size_t)snprintf(path, sizeof path, "%s/%s.cert_secret", keys_dir, name) >= sizeof path)
        return -1;
    int rc;
    if (access(path, F_OK) == 0) {
        rc = relais_identity_load(path, out);
    } else {
        rc = relais_identity_generate(name, role, "relais-bench", out);
        if (rc == 0 && (rc = relais_identity_save(*out, keys_dir)) != 0)
            relais_identity_destroy(out);
    }
    if (rc != 0)
        bench_log("error: identity %s: %s (%s)", name, relais_strerror(rc), relais_status_detail());
    return rc == 0 ? 0 : -1;
}

/* Copies keys_dir/NAME.cert into the registry folder (public part only). */
static int s_publish(const bench_ids_t *ids, const relais_identity_t *id)
{
    const char *name = relais_identity_peer(id)->name;
    char from[BENCH_PATH_MAX], to[BENCH_PATH_MAX];
    if ((size_t)snprintf(from, sizeof from, "%s/%s.cert", ids->keys_dir, name) >= sizeof from ||
        (size_t)snprintf(to, sizeof to, "%s/%s.cert", ids->registry_dir, name) >= sizeof to)
        return -1;
    FILE *in = fopen(from, "rb");
    FILE *out = in ? fopen(to, "wb") : NULL;
    char buf[8192];
    size_t n;
    int rc = in && out ? 0 : -1;
    while (rc == 0 && (n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, out) != n)
            rc = -1;
    if (in && ferror(in))
        rc = -1;
    if (out && fclose(out) != 0)
        rc = -1;
    if (in)
        fclose(in);
    if (rc != 0)
        bench_log("error: cannot copy %s to %s: %s", from, to, strerror(errno));
    return rc;
}

int bench_ids_setup(const char *work_dir, int agents, bench_ids_t *ids)
{
    memset(ids, 0, sizeof *ids);
    if ((size_t)snprintf(ids->keys_dir, sizeof ids->keys_dir, "%s/keys", work_dir) >= sizeof ids->keys_dir ||
        (size_t)snprintf(ids->registry_dir, sizeof ids->registry_dir, "%s/registry", work_dir) >=
            sizeof ids->registry_dir)
        return -1;
    if ((mkdir(ids->keys_dir, 0700) != 0 && errno != EEXIST) ||
        (mkdir(ids->registry_dir, 0700) != 0 && errno != EEXIST)) {
        bench_log("error: cannot create %s or %s: %s", ids->keys_dir, ids->registry_dir, strerror(errno));
        return -1;
    }
    ids->agents = calloc((size_t)agents, sizeof *ids->agents);
    if (!ids->agents)
        return -1;
    ids->agent_count = agents;
    if (s_identity(ids->keys_dir, BENCH_BROKER_NAME, RELAIS_ROLE_BROKER, &ids->broker) != 0 ||
        s_identity(ids->keys_dir, BENCH_COORDINATOR_NAME, RELAIS_ROLE_COORDINATOR, &ids->coordinator) != 0 ||
        s_identity(ids->keys_dir, BENCH_AUDITOR_NAME, RELAIS_ROLE_AUDITOR, &ids->auditor) != 0)
        return -1;
    if (s_publish(ids, ids->broker) != 0 || s_publish(ids, ids->coordinator) != 0 ||
        s_publish(ids, ids->auditor) != 0)
        return -1;
    for (int k = 0; k < agents; k++) {
        char name[RELAIS_IDENT_NAME_MAX];
        snprintf(name, sizeof name, BENCH_AGENT_PREFIX "%d", k);
        if (s_identity(ids->keys_dir, name, RELAIS_ROLE_PARTNER, &ids->agents[k]) != 0 ||
            s_publish(ids, ids->agents[k]) != 0)
            return -1;
    }
    return 0;
}

void bench_ids_release(bench_ids_t *ids)
{
    relais_identity_destroy(&ids->broker);
    relais_identity_destroy(&ids->coordinator);
    relais_identity_destroy(&ids->auditor);
    for (int k = 0; ids->agents && k < ids->agent_count; k++)
        relais_identity_destroy(&ids->agents[k]);
    free(ids->agents);
    ids->agents = NULL;
}

void bench_ids_key_path(const bench_ids_t *ids, const relais_identity_t *id, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%s.cert_secret", ids->keys_dir, relais_identity_peer(id)->name);
}

/* ---- Signed referrals ------------------------------------------------------------------------ */

/* One agent's template: the body with placeholders for the message id and the family name.
 * Patching bytes of fixed length keeps every protobuf length prefix right, so each message
 * costs a copy and a signature instead of a JSON parse. */
typedef struct {
    uint8_t *body;   /* template Message body (caller of the codec owns it) */
    size_t len;      /* its length */
    size_t id_off;   /* offset of the 16-byte message id */
    size_t name_off; /* offset of the S_NAME_LETTERS-byte family name */
    size_t given_off; /* offset of the S_GIVEN_LETTERS-byte given name */
    size_t birth_off; /* offset of the birth date */
    size_t ref_off;  /* offset of the S_REF_LETTERS-byte partner's reference */
} s_template_t;

struct bench_factory {
    const bench_ids_t *ids;  /* the agents who sign */
    s_template_t *tpl;       /* one template per agent (sender names differ in length) */
    int count;               /* templates */
    uint64_t run_tag;        /* last 8 bytes of every message id of this run */
    int64_t created_ms;      /* creation time of every message */
    size_t max_signed;       /* the largest SignedMessage */
};

static const uint8_t s_id_mark[16] = {0xb3, 0x9c, 0x17, 0xe2, 0x5a, 0x60, 0xd4, 0x0f,
                                      0x88, 0x21, 0xfe, 0x3b, 0x91, 0x4c, 0x75, 0xaa};

static int s_template_json(size_t pad, int64_t created_ms, char **out)
{
    char *pad_text = malloc(pad + 1);
    size_t cap = pad + 1024;
    char *json = malloc(cap);
    if (!pad_text || !json) {
        free(pad_text);
        free(json);
        return -1;
    }
    memset(pad_text, 'x', pad);
    pad_text[pad] = '\0';
    snprintf(json, cap,
             "{\"referral\":{\"external_ref\":\"%s\",\"referrer\":{\"organisation\":\"Ecole Bench\","
             "\"role\":\"TEACHER\",\"name\":\"M. Bench\",\"contact\":\"01 99 00 00 00\"},\"child\":{"
             "\"family_name\":\"%s\",\"given_names\":[\"%s\"],\"birth_date\":\"%s\","
             "\"school\":\"Ecole Bench\",\"class_name\":\"CM1\"},\"domains\":[\"EDUCATIONAL\"],"
             "\"description\":\"Charge de test. %s\",\"urgency\":\"ROUTINE\",\"consent\":{"
             "\"recorded_by\":\"M. Bench\",\"recorded_ms\":%lld}}}",
             S_REF_MARK, S_NAME_MARK, S_GIVEN_MARK, S_BIRTH_MARK, pad_text, (long long)(created_ms - 86400 * 1000)); /* agreed the day before */
    free(pad_text);
    *out = json;
    return 0;
}

static int s_find(const uint8_t *hay, size_t len, const void *needle, size_t nlen, size_t *off)
{
    const uint8_t *p = memmem(hay, len, needle, nlen);
    if (!p || memmem(p + 1, len - (size_t)(p - hay) - 1, needle, nlen))
        return -1; /* absent, or not unique: a patch would hit the wrong bytes */
    *off = (size_t)(p - hay);
    return 0;
}

static int s_template_build(const char *sender, int64_t created_ms, size_t pad, s_template_t *t)
{
    char *json = NULL;
    if (s_template_json(pad, created_ms, &json) != 0)
        return -1;
    int rc = relais_message_from_json(json, strlen(json), sender, s_id_mark, created_ms, &t->body, &t->len);
    free(json);
    if (rc != 0) {
        bench_log("error: template: %s (%s)", relais_strerror(rc), relais_status_detail());
        return -1;
    }
    if (s_find(t->body, t->len, s_id_mark, sizeof s_id_mark, &t->id_off) != 0 ||
        s_find(t->body, t->len, S_NAME_MARK, S_NAME_LETTERS, &t->name_off) != 0 ||
        s_find(t->body, t->len, S_GIVEN_MARK, S_GIVEN_LETTERS, &t->given_off) != 0 ||
        s_find(t->body, t->len, S_BIRTH_MARK, S_BIRTH_LEN, &t->birth_off) != 0 ||
        s_find(t->body, t->len, S_REF_MARK, S_REF_LETTERS, &t->ref_off) != 0) {
        bench_log("error: template: placeholders not found once in the body");
        return -1;
    }
    return 0;
}

/* Bytes of a SignedMessage around a body of `body_len` (fields 1 and 2 with their lengths). */
static size_t s_signed_size(size_t body_len)
{
    size_t v = 1;
    for (size_t n = body_len; n >= 128; n >>= 7)
        v++;
    return 1 + v + body_len + 2 + RELAIS_SIGNATURE_BYTES;
}

/* Builds agent k's template, padding the description so the signed size is about `size`. */
static int s_template_for(bench_factory_t *f, int k, size_t size)
{
    const char *sender = relais_identity_peer(f->ids->agents[k])->name;
    s_template_t *t = &f->tpl[k];
    if (s_template_build(sender, f->created_ms, 0, t) != 0)
        return -1;
    size_t pad = size > s_signed_size(t->len) ? size - s_signed_size(t->len) : 0;
    /* A few rounds: the description's own length prefix grows by a byte or two with it. */
    for (int round = 0; pad > 0 && round < 3; round++) {
        free(t->body);
        t->body = NULL;
        if (s_template_build(sender, f->created_ms, pad, t) != 0)
            return -1;
        size_t got = s_signed_size(t->len);
        if (got <= size)
            break;
        pad = got - size < pad ? pad - (got - size) : 0;
    }
    if (s_signed_size(t->len) > f->max_signed)
        f->max_signed = s_signed_size(t->len);
    return 0;
}

int bench_factory_new(size_t size, uint64_t run_tag, const bench_ids_t *ids, bench_factory_t **out)
{
    bench_factory_t *f = calloc(1, sizeof *f);
    if (!f || !(f->tpl = calloc((size_t)ids->agent_count, sizeof *f->tpl))) {
        free(f);
        return -1;
    }
    f->ids = ids;
    f->count = ids->agent_count;
    f->run_tag = run_tag;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    f->created_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    for (int k = 0; k < f->count; k++) {
        if (s_template_for(f, k, size) != 0) {
            bench_factory_destroy(&f);
            return -1;
        }
    }
    *out = f;
    return 0;
}

void bench_factory_destroy(bench_factory_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    bench_factory_t *f = *self_p;
    for (int k = 0; f->tpl && k < f->count; k++)
        free(f->tpl[k].body);
    free(f->tpl);
    free(f);
    *self_p = NULL;
}

size_t bench_factory_signed_size(const bench_factory_t *self)
{
    return self->max_signed;
}


/* A distinct child per message: letters from the run tag, then from the index. */
static void s_family_name(uint64_t run_tag, uint64_t index, char out[S_NAME_LETTERS])
{
    uint64_t tag = run_tag;
    for (int i = 5; i >= 0; i--, tag /= 26)
        out[i] = (char)((i == 0 ? 'A' : 'a') + tag % 26);
    for (int i = S_NAME_LETTERS - 1; i >= 6; i--, index /= 26)
        out[i] = (char)('a' + index % 26);
}

/* Its given name and birth date, spread over the index (a multiplicative hash), so that the
 * likely-duplicate search meets buckets of a town's size rather than every child born the same
 * day with the same name. */
static void s_given_and_birth(uint64_t index, char given[S_GIVEN_LETTERS], char birth[S_BIRTH_LEN + 1])
{
    uint64_t h = index * 0x9e3779b97f4a7c15ull;
    given[0] = (char)('A' + (h >> 59) % 26);
    for (int i = 1; i < S_GIVEN_LETTERS; i++, h /= 26)
        given[i] = (char)('a' + h % 26);
    time_t t = (time_t)(1262304000 + (int64_t)(index * 7919 % S_BIRTH_DAYS) * 86400); /* from 2010-01-01 */
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(birth, S_BIRTH_LEN + 1, "%Y-%m-%d", &tm); /* years 2010 to 2021: always 10 bytes */
}

/* The partner's own reference, growing with the index as a partner's system numbers its
 * referrals (each agent's share of the indexes grows in order). */
static void s_reference(uint64_t run_tag, uint64_t index, char out[S_REF_LETTERS])
{
    out[0] = 'E';
    for (int i = 6; i >= 1; i--, run_tag /= 26)
        out[i] = (char)('A' + run_tag % 26);
    out[7] = '-';
    for (int i = S_REF_LETTERS - 1; i >= 8; i--, index /= 10)
        out[i] = (char)('0' + index % 10);
}

int bench_factory_make(const bench_factory_t *self, uint64_t index, int agent, uint8_t *out, size_t cap,
                       size_t *len, uint8_t msg_id[16])
{
    const s_template_t *t = &self->tpl[agent];
    uint8_t stack[8192];
    uint8_t *body = t->len <= sizeof stack ? stack : malloc(t->len);
    if (!body)
        return -1;
    memcpy(body, t->body, t->len);
    relais_u64_put(msg_id, index);
    relais_u64_put(msg_id + 8, self->run_tag);
    memcpy(body + t->id_off, msg_id, 16);
    s_family_name(self->run_tag, index, (char *)body + t->name_off);
    char birth[S_BIRTH_LEN + 1];
    s_given_and_birth(index, (char *)body + t->given_off, birth);
    memcpy(body + t->birth_off, birth, S_BIRTH_LEN);
    s_reference(self->run_tag, index, (char *)body + t->ref_off);
    uint8_t sig[RELAIS_SIGNATURE_BYTES];
    uint8_t *sm = NULL;
    size_t sm_len = 0;
    int rc = relais_identity_sign(self->ids->agents[agent], body, t->len, sig);
    if (rc == 0)
        rc = relais_signed_encode(body, t->len, sig, &sm, &sm_len);
    if (rc == 0 && sm_len <= cap) {
        memcpy(out, sm, sm_len);
        *len = sm_len;
    }
    if (body != stack)
        free(body);
    free(sm);
    return rc == 0 && sm_len <= cap ? 0 : -1;
}

int64_t bench_factory_index_of(const bench_factory_t *self, const uint8_t msg_id[16])
{
    if (relais_u64_get(msg_id + 8) != self->run_tag)
        return -1;
    uint64_t v = relais_u64_get(msg_id);
    return v > INT64_MAX ? -1 : (int64_t)v;
}

/* Decodes one made message with the broker's own checks, so that a template the codec would
 * refuse fails here and not as thousands of MALFORMED replies. */
static int s_self_check(const bench_factory_t *f)
{
    size_t cap = f->max_signed + 64, len = 0;
    uint8_t *buf = malloc(cap), id[16];
    relais_signed_t sm;
    relais_message_t *msg = NULL;
    relais_referral_view_t ref;
    int ok = buf && bench_factory_make(f, 12345, 0, buf, cap, &len, id) == 0 &&
             relais_signed_decode(buf, len, &sm) == 0 && relais_message_decode(sm.body, sm.body_len, &msg) == 0 &&
             relais_message_referral(msg, &ref) == 0 && ref.has_consent &&
             memcmp(relais_message_id(msg), id, 16) == 0 &&
             relais_signature_verify(relais_identity_peer(f->ids->agents[0])->sign_public, sm.body, sm.body_len,
                                     sm.signature) == 0 &&
             bench_factory_index_of(f, relais_message_id(msg)) == 12345;
    if (!ok)
        bench_log("error: a made message does not decode or verify: %s", relais_status_detail());
    relais_message_destroy(&msg);
    free(buf);
    return ok ? 0 : -1;
}

/* ---- Work on every core ---------------------------------------------------------------------- */

int bench_parallel(void *ctx, size_t n, void *(*fn)(void *))
{
    int t = s_threads();
    bench_slice_t slices[S_MAX_THREADS];
    pthread_t th[S_MAX_THREADS];
    int started[S_MAX_THREADS];
    int failed = 0;
    for (int i = 0; i < t; i++) {
        slices[i] = (bench_slice_t){ctx, n * (size_t)i / (size_t)t, n * (size_t)(i + 1) / (size_t)t, 0};
        started[i] = pthread_create(&th[i], NULL, fn, &slices[i]) == 0;
        if (!started[i])
            fn(&slices[i]); /* no thread: do the slice here, slower but complete */
    }
    for (int i = 0; i < t; i++) {
        if (started[i])
            pthread_join(th[i], NULL);
        failed |= slices[i].failed;
    }
    return failed ? -1 : 0;
}

/* ---- Pools of Request frames ------------------------------------------------------------------ */

typedef struct {
    const bench_factory_t *f; /* the factory */
    bench_pool_t *pool;       /* the pool filled */
    size_t stride;            /* bytes per frame slot */
} s_pool_ctx_t;

/* Makes one message of the pool and encodes its Request into its slot. */
static int s_pool_one(const s_pool_ctx_t *c, size_t i, uint8_t *sm)
{
    bench_pool_t *p = c->pool;
    size_t sm_len = 0, frame_len = 0;
    uint8_t id[16];
    uint8_t *frame = NULL;
    int agents = c->f->ids->agent_count;
    if (bench_factory_make(c->f, p->base + i, (int)(i % (size_t)agents), sm, c->stride, &sm_len, id) != 0)
        return -1;
    relais_request_t req;
    memset(&req, 0, sizeof req);
    req.request_id = p->base + i;
    req.kind = RELAIS_REQ_SUBMIT;
    req.submit = sm;
    req.submit_len = sm_len;
    int rc = relais_request_encode(&req, &frame, &frame_len) == 0 && frame_len <= c->stride ? 0 : -1;
    if (rc == 0) {
        memcpy(p->buf + p->off[i], frame, frame_len);
        p->len[i] = (uint32_t)frame_len;
    }
    free(frame);
    return rc;
}

static void *s_pool_worker(void *arg)
{
    bench_slice_t *s = arg;
    const s_pool_ctx_t *c = s->ctx;
    uint8_t *sm = malloc(c->stride);
    for (size_t i = s->from; sm && i < s->to; i++) {
        if (s_pool_one(c, i, sm) != 0) {
            s->failed = 1;
            break;
        }
    }
    if (!sm)
        s->failed = 1;
    free(sm);
    return NULL;
}

int bench_pool_build(const bench_factory_t *f, uint64_t base, size_t n, bench_pool_t *pool)
{
    memset(pool, 0, sizeof *pool);
    if (s_self_check(f) != 0)
        return -1;
    size_t stride = f->max_signed + 64; /* the Request adds its tag, lengths and request id */
    pool->base = base;
    pool->n = n;
    pool->buf = malloc(n ? n * stride : 1);
    pool->off = calloc(n ? n : 1, sizeof *pool->off);
    pool->len = calloc(n ? n : 1, sizeof *pool->len);
    if (!pool->buf || !pool->off || !pool->len) {
        bench_log("error: no memory for %zu messages", n);
        bench_pool_release(pool);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        pool->off[i] = i * stride;
    s_pool_ctx_t ctx = {.f = f, .pool = pool, .stride = stride};
    if (bench_parallel(&ctx, n, s_pool_worker) != 0) {
        bench_log("error: could not sign and encode the messages: %s", relais_status_detail());
        bench_pool_release(pool);
        return -1;
    }
    return 0;
}

void bench_pool_release(bench_pool_t *pool)
{
    free(pool->buf);
    free(pool->off);
    free(pool->len);
    memset(pool, 0, sizeof *pool);
}

/* ---- Prefill ------------------------------------------------------------------------------ */

/* One batch of the prefill. Signing, decoding and child keys are spread over the cores; the
 * store's transaction, like the broker's writer, takes the records one by one. */
typedef struct {
    uint8_t *buf;                  /* the batch's signed messages */
    size_t stride;                 /* bytes per slot */
    uint8_t (*ids)[16];            /* their message ids */
    relais_store_entry_t *entries; /* what the store appends */
    relais_message_t **msgs;       /* the decoded messages, for the case rules */
    uint8_t (*keys)[32];           /* their child keys */
    uint8_t (*refs)[32];           /* their partners' references' keys */
    uint8_t (*contents)[32];       /* what each says (the reference's content hash) */
} s_batch_t;

typedef struct {
    const bench_factory_t *f;   /* the factory */
    s_batch_t *b;               /* the batch filled */
    uint64_t first;             /* global index of entry 0 */
    int64_t received_ms;        /* receive time stored */
    uint8_t secret[RELAIS_CASES_SECRET_SIZE]; /* the hub's child-key secret */
    relais_keyring_t *ring;     /* the store's data keys, NULL in clear */
} s_prefill_ctx_t;

/* Signs entry i, decodes it back and derives its child key, as a verifier would. */
static int s_prefill_one(const s_prefill_ctx_t *c, size_t i)
{
    s_batch_t *b = c->b;
    uint64_t index = c->first + i;
    size_t len = 0;
    uint8_t *slot = b->buf + i * b->stride;
    relais_signed_t sm;
    relais_referral_view_t ref;
    if (bench_factory_make(c->f, index, (int)(index % (uint64_t)c->f->ids->agent_count), slot, b->stride, &len,
                           b->ids[i]) != 0 ||
        relais_signed_decode(slot, len, &sm) != 0 || relais_message_decode(sm.body, sm.body_len, &b->msgs[i]) != 0 ||
        relais_message_referral(b->msgs[i], &ref) != 0 || relais_cases_child_key(c->secret, &ref, b->keys[i]) != 0 ||
        relais_cases_ref_key(c->secret, relais_message_sender(b->msgs[i]), ref.external_ref, b->refs[i]) != 0)
        return -1;
    uint8_t *payload = NULL;
    size_t payload_len = 0;
    int ok = relais_message_payload_pack(b->msgs[i], &payload, &payload_len) == 0 &&
             EVP_Digest(payload, payload_len, b->contents[i], NULL, EVP_sha256(), NULL) == 1;
    free(payload);
    if (!ok)
        return -1;
    b->entries[i] = (relais_store_entry_t){.signed_message = slot, .signed_len = len, .msg_id = b->ids[i],
                                           .received_ms = c->received_ms};
    return 0;
}

static void *s_prefill_worker(void *arg)
{
    bench_slice_t *s = arg;
    for (size_t i = s->from; i < s->to && !s->failed; i++)
        s->failed = s_prefill_one(s->ctx, i) != 0;
    return NULL;
}

/* The case rules read the index inside the batch, as the broker's writer lets them. */
/* Appends entry i with its case, inside the open batch. */
static int s_prefill_append(relais_store_batch_t *batch, const s_prefill_ctx_t *c, size_t i)
{
    s_batch_t *b = c->b;
    uint64_t seq = relais_store_batch_head(batch) + 1;
    relais_cases_step_t step;
    relais_store_ack_t ack;
    int rc = relais_cases_batch_decide(batch, c->secret, b->msgs[i], b->keys[i], seq, c->received_ms, &step);
    if (rc == 0 && step.about_case && step.status != 0)
        return relais_status_set(step.status, "the case rules refuse a prefill referral: %s", step.why);
    relais_store_entry_t entry = b->entries[i];
    uint8_t nonce[RELAIS_SEAL_NONCE_BYTES], *sealed = NULL;
    int create = 0;
    uint64_t key_id = relais_cases_step_key_id(&step, &create);
    if (rc == 0 && c->ring)
        rc = relais_keyring_seal_entry(c->ring, batch, key_id, create, seq, &entry, nonce, &sealed);
    if (rc == 0)
        rc = relais_store_batch_append(batch, &entry, &ack);
    free(sealed);
    if (rc == 0 && (ack.status != 0 || ack.duplicate || ack.seq != seq))
        rc = relais_status_set(RELAIS_E_CORRUPT, "prefill record %llu was not appended as new",
                               (unsigned long long)seq);
    if (rc == 0 && step.about_case)
        rc = relais_cases_batch_record(batch, &step, seq);
    if (rc == 0 && step.has_referral) {
        relais_store_ref_t ref = {.seq = seq, .received_ms = c->received_ms};
        memcpy(ref.content, b->contents[i], sizeof ref.content);
        rc = relais_store_batch_ref_put(batch, b->refs[i], &ref);
    }
    return rc;
}

static int s_prefill_commit(relais_store_t *store, const s_prefill_ctx_t *c, size_t n)
{
    relais_store_batch_t *batch = NULL;
    int rc = relais_store_batch_begin(store, &batch);
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = s_prefill_append(batch, c, i);
    if (rc == 0)
        rc = relais_store_batch_commit(&batch);
    else
        relais_store_batch_abort(&batch);
    relais_keyring_settle(c->ring, rc == 0);
    if (rc != 0)
        bench_log("error: prefill: %s (%s)", relais_strerror(rc), relais_status_detail());
    return rc;
}

static int s_batch_alloc(s_batch_t *b, size_t stride)
{
    b->stride = stride;
    b->buf = malloc(S_PREFILL_BATCH * stride);
    b->ids = calloc(S_PREFILL_BATCH, sizeof *b->ids);
    b->entries = calloc(S_PREFILL_BATCH, sizeof *b->entries);
    b->msgs = calloc(S_PREFILL_BATCH, sizeof *b->msgs);
    b->keys = calloc(S_PREFILL_BATCH, sizeof *b->keys);
    b->refs = calloc(S_PREFILL_BATCH, sizeof *b->refs);
    b->contents = calloc(S_PREFILL_BATCH, sizeof *b->contents);
    return b->buf && b->ids && b->entries && b->msgs && b->keys && b->refs && b->contents ? 0 : -1;
}

static void s_batch_clear(s_batch_t *b)
{
    for (size_t i = 0; b->msgs && i < S_PREFILL_BATCH; i++)
        relais_message_destroy(&b->msgs[i]);
}

static void s_batch_free(s_batch_t *b)
{
    s_batch_clear(b);
    free(b->buf);
    free(b->ids);
    free(b->entries);
    free(b->msgs);
    free(b->keys);
    free(b->refs);
    free(b->contents);
}

/* Signs and stores one batch of n records in one synced transaction; adds the store's
 * share of the time (rules, appends, commit) to *store_ns. */
static int s_prefill_batch(relais_store_t *store, s_prefill_ctx_t *c, size_t n, int64_t *store_ns)
{
    int rc = bench_parallel(c, n, s_prefill_worker);
    if (rc != 0)
        bench_log("error: prefill: a record could not be made: %s", relais_status_detail());
    int64_t t0 = bench_now_ns();
    if (rc == 0)
        rc = s_prefill_commit(store, c, n);
    *store_ns += bench_now_ns() - t0;
    s_batch_clear(c->b);
    return rc;
}

/* Opens the store and its hub secret (created with an empty log, as the broker would), and
 * with a data key, its keys, the case index sealed. */
static int s_prefill_open(const char *store_dir, const char *data_key, uint64_t map_bytes, relais_store_t **store,
                          relais_kek_t **kek, s_prefill_ctx_t *c)
{
    relais_store_options_t so = {.map_size = map_bytes, .read_only = 0};
    uint64_t head = 0;
    int rc = relais_store_open(store_dir, &so, store);
    if (rc == 0)
        rc = relais_store_head(*store, &head);
    if (rc == 0 && data_key) {
        rc = relais_kek_load(data_key, kek);
        if (rc == 0)
            rc = relais_keyring_new(*kek, &c->ring);
        if (rc == 0)
            rc = relais_cases_secret_load_sealed(*store, c->ring, head == 0, c->secret, NULL);
        if (rc == 0)
            relais_cases_seal_store(*store, c->ring);
    } else if (rc == 0) {
        rc = relais_cases_secret_load(store_dir, head == 0, c->secret, NULL);
    }
    if (rc != 0) {
        bench_log("error: prefill: %s (%s)", relais_strerror(rc), relais_status_detail());
        relais_store_destroy(store);
    }
    return rc;
}

int bench_prefill(const bench_factory_t *f, const char *store_dir, const char *data_key, uint64_t map_bytes,
                  uint64_t base, uint64_t n, double *per_s)
{
    *per_s = NAN;
    relais_store_t *store = NULL;
    relais_kek_t *kek = NULL;
    s_batch_t b;
    memset(&b, 0, sizeof b);
    s_prefill_ctx_t c = {.f = f, .b = &b};
    if (s_self_check(f) != 0 || s_prefill_open(store_dir, data_key, map_bytes, &store, &kek, &c) != 0) {
        relais_keyring_destroy(&c.ring);
        relais_kek_destroy(&kek);
        return -1;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    c.received_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    int64_t store_ns = 0, last_log = bench_now_ns();
    int ok = s_batch_alloc(&b, f->max_signed + 16) == 0;
    for (uint64_t done = 0; ok && done < n;) {
        size_t chunk = n - done < S_PREFILL_BATCH ? (size_t)(n - done) : S_PREFILL_BATCH;
        c.first = base + done;
        ok = s_prefill_batch(store, &c, chunk, &store_ns) == 0;
        done += chunk;
        if (ok && bench_now_ns() - last_log > 5000000000LL) {
            bench_log("prefill: %llu / %llu records", (unsigned long long)done, (unsigned long long)n);
            last_log = bench_now_ns();
        }
    }
    s_batch_free(&b);
    relais_store_destroy(&store);
    relais_keyring_destroy(&c.ring);
    relais_kek_destroy(&kek);
    sodium_memzero(c.secret, sizeof c.secret);
    if (ok && store_ns > 0)
        *per_s = (double)n / ((double)store_ns / 1e9);
    return ok ? 0 : -1;
}
