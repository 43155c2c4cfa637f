/* harness.c -- scratch folder, throw-away PKI, relaisd on loopback and raw-zmq CURVE clients for the e2e C tests. */
#define _GNU_SOURCE /* nftw */
#include "harness.h"

#include "relais_keys.h"
#include "relais_store.h"

#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <zmq.h>

int64_t h_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void h_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int h_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void h_copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb");
    assert_non_null(in);
    FILE *out = fopen(to, "wb");
    assert_non_null(out);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        assert_int_equal(fwrite(buf, 1, n, out), n);
    fclose(in);
    fclose(out);
}

void h_env_init(h_env_t *h, const char *name, const char *relaisd)
{
    memset(h, 0, sizeof *h);
    snprintf(h->dir, sizeof h->dir, "/tmp/relais-%s-XXXXXX", name);
    assert_non_null(mkdtemp(h->dir));
    snprintf(h->keys, sizeof h->keys, "%s/keys", h->dir);
    snprintf(h->registry, sizeof h->registry, "%s/registry", h->dir);
    snprintf(h->store, sizeof h->store, "%s/store", h->dir);
    snprintf(h->log, sizeof h->log, "%s/relaisd.log", h->dir);
    assert_int_equal(mkdir(h->keys, 0700), 0);
    snprintf(h->data_key, sizeof h->data_key, "%s/data.key", h->keys);
    assert_int_equal(relais_kek_create(h->data_key, 1), 0);
    assert_int_equal(mkdir(h->registry, 0700), 0);
    h->relaisd = relaisd;
    h->port_base = 18000;
    h->port_span = 2000;
    h->ctx = zmq_ctx_new();
}

void h_env_cleanup(h_env_t *h)
{
    if (h->pid > 0) {
        kill(h->pid, SIGKILL);
        waitpid(h->pid, NULL, 0);
        h->pid = 0;
    }
    for (size_t i = 0; i < H_SOCKS; i++)
        if (h->socks[i]) {
            zmq_close(h->socks[i]);
            h->socks[i] = NULL;
        }
    if (h->ctx)
        zmq_ctx_term(h->ctx); /* would wait forever for a socket left open */
    h->ctx = NULL;
    for (size_t i = 0; i < H_IDENTITIES; i++)
        relais_identity_destroy(&h->ids[i]);
    if (getenv("RELAIS_KEEP_TMP") == NULL)
        nftw(h->dir, h_rm, 16, FTW_DEPTH | FTW_PHYS);
    else
        fprintf(stderr, "kept %s\n", h->dir);
}

relais_identity_t *h_identity(h_env_t *h, const char *name, relais_role_t role, const char *org, int registered)
{
    relais_identity_t *id = NULL;
    assert_int_equal(relais_identity_generate(name, role, org, &id), 0);
    assert_int_equal(relais_identity_save(id, h->keys), 0);
    if (registered)
        h_register(h, name);
    size_t slot = 0;
    while (slot < H_IDENTITIES && h->ids[slot])
        slot++;
    if (slot == H_IDENTITIES)
        fail_msg("more than %d identities in one test", H_IDENTITIES);
    h->ids[slot] = id;
    return id;
}

void h_register(h_env_t *h, const char *name)
{
    char from[400], to[400];
    snprintf(from, sizeof from, "%s/%s.cert", h->keys, name);
    snprintf(to, sizeof to, "%s/%s.cert", h->registry, name);
    h_copy_file(from, to);
}

int h_log_has(const h_env_t *h, const char *needle)
{
    FILE *in = fopen(h->log, "r");
    if (!in)
        return 0;
    char line[4096];
    int found = 0;
    while (!found && fgets(line, sizeof line, in))
        found = strstr(line, needle) != NULL;
    fclose(in);
    return found;
}

static pid_t h_spawn(h_env_t *h)
{
    char key[400];
    snprintf(key, sizeof key, "%s/hub.cert_secret", h->keys);
    const char *argv[18 + H_MAX_FLAGS] = {"relaisd", "--endpoint", h->endpoint, "--store", h->store, "--certs",
                                          h->registry, "--key", key, "--verifiers", "2", "--checkpoint-interval",
                                          "1", "--data-key", h->data_key};
    int argc = 15;
    for (int i = 0; i < H_MAX_FLAGS && h->flags[i]; i++)
        argv[argc++] = h->flags[i];
    argv[argc] = NULL;
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(h->log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (fd < 0)
            _exit(127);
        if (h->nofile > 0) {
            struct rlimit lim = {(rlim_t)h->nofile, (rlim_t)h->nofile};
            if (setrlimit(RLIMIT_NOFILE, &lim) != 0)
                _exit(126);
        }
        dup2(fd, STDERR_FILENO);
        close(fd);
        execv(h->relaisd, (char *const *)argv);
        _exit(127);
    }
    return pid;
}

int h_start(h_env_t *h)
{
    for (int attempt = 0; attempt < H_BIND_ATTEMPTS; attempt++) {
        h->port = h->port_base + (int)((getpid() * 31 + attempt * 97 + h_now_ms()) % h->port_span);
        snprintf(h->endpoint, sizeof h->endpoint, "tcp://127.0.0.1:%d", h->port);
        unlink(h->log);
        h->pid = h_spawn(h);
        if (h->pid < 0)
            return -1;
        for (int waited = 0; waited < H_WAIT_LISTEN_MS; waited += 20) {
            if (h_log_has(h, "event=listening"))
                return 0;
            int status;
            if (waitpid(h->pid, &status, WNOHANG) == h->pid) {
                h->pid = 0; /* exited: the port was taken, most likely; try another */
                break;
            }
            h_sleep_ms(20);
        }
        if (h->pid > 0) {
            kill(h->pid, SIGKILL);
            waitpid(h->pid, NULL, 0);
            h->pid = 0;
            return -1;
        }
    }
    return -1;
}

void h_set_timeout(void *sock, int ms)
{
    zmq_setsockopt(sock, ZMQ_RCVTIMEO, &ms, sizeof ms);
}

void h_track(h_env_t *h, void *sock)
{
    for (size_t i = 0; i < H_SOCKS; i++)
        if (!h->socks[i]) {
            h->socks[i] = sock;
            return;
        }
    fail_msg("too many sockets");
}

void h_close(h_env_t *h, void *sock)
{
    for (size_t i = 0; i < H_SOCKS; i++)
        if (h->socks[i] == sock)
            h->socks[i] = NULL;
    zmq_close(sock);
}

void *h_connect_as(h_env_t *h, const relais_identity_t *me, const relais_identity_t *server)
{
    void *s = zmq_socket(h->ctx, ZMQ_DEALER);
    assert_non_null(s);
    int linger = 0;
    h_set_timeout(s, H_RECV_TIMEOUT_MS);
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    const char *srv = relais_identity_peer(server)->curve_public_z85;
    const char *pub = relais_identity_curve_public_z85(me);
    const char *sec = relais_identity_curve_secret_z85(me);
    assert_int_equal(zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, srv, strlen(srv) + 1), 0);
    assert_int_equal(zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, pub, strlen(pub) + 1), 0);
    assert_int_equal(zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, sec, strlen(sec) + 1), 0);
    assert_int_equal(zmq_connect(s, h->endpoint), 0);
    h_track(h, s);
    return s;
}

void h_send_bytes(void *sock, const void *bytes, size_t len)
{
    assert_int_equal(zmq_send(sock, bytes, len, 0), (int)len);
}

void h_send_request(void *sock, const relais_request_t *req)
{
    uint8_t *bytes = NULL;
    size_t len = 0;
    if (relais_request_encode(req, &bytes, &len) != 0)
        fail_msg("request %llu does not encode: %s", (unsigned long long)req->request_id, relais_status_detail());
    h_send_bytes(sock, bytes, len);
    free(bytes);
}

int h_try_recv_reply(void *sock, relais_reply_t *reply)
{
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    if (zmq_msg_recv(&msg, sock, 0) < 0) {
        zmq_msg_close(&msg);
        return -1;
    }
    int rc = relais_reply_decode(zmq_msg_data(&msg), zmq_msg_size(&msg), reply);
    zmq_msg_close(&msg);
    assert_int_equal(rc, 0);
    return 0;
}

void h_recv_reply(void *sock, relais_reply_t *reply)
{
    if (h_try_recv_reply(sock, reply) != 0)
        fail_msg("no answer from the broker");
}

void h_request(void *sock, const relais_request_t *req, relais_reply_t *reply)
{
    h_send_request(sock, req);
    h_recv_reply(sock, reply);
}

/* `json` with each H_CONSENT_MS replaced by a time the day before `created_ms`: a consent the
 * hub's window takes whatever the day the tests run (caller frees). */
static char *s_with_times(const char *json, int64_t created_ms)
{
    char ms[24];
    snprintf(ms, sizeof ms, "%lld", (long long)(created_ms - 86400 * 1000));
    size_t mark = strlen(H_CONSENT_MS), n = 0;
    for (const char *p = strstr(json, H_CONSENT_MS); p; p = strstr(p + mark, H_CONSENT_MS))
        n++;
    char *out = malloc(strlen(json) + n * strlen(ms) + 1), *w = out;
    assert_non_null(out);
    for (const char *p = json, *q; *p; p = q + mark) {
        q = strstr(p, H_CONSENT_MS);
        size_t take = q ? (size_t)(q - p) : strlen(p);
        memcpy(w, p, take);
        w += take;
        if (!q)
            break;
        memcpy(w, ms, strlen(ms));
        w += strlen(ms);
    }
    *w = '\0';
    return out;
}

void h_sign_json(const relais_identity_t *signer, const char *sender, const char *json, const uint8_t msg_id[16],
                 int64_t created_ms, uint8_t **body, size_t *body_len, uint8_t sig[64])
{
    char *filled = s_with_times(json, created_ms);
    if (relais_message_from_json(filled, strlen(filled), sender, msg_id, created_ms, body, body_len) != 0)
        fail_msg("%s: %s", filled, relais_status_detail());
    free(filled);
    assert_int_equal(relais_identity_sign(signer, *body, *body_len, sig), 0);
}

/* ---- Shared steps of the tests that attack or load the hub ---------------------------- */

int h_torture(void)
{
    const char *t = getenv("RELAIS_TORTURE");
    return t && *t && strcmp(t, "0") != 0;
}

void h_summary(const char *fmt, ...)
{
    const char *path = getenv("RELAIS_TORTURE_SUMMARY");
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    FILE *f = path && *path ? fopen(path, "a") : NULL;
    if (f) {
        va_start(ap, fmt);
        vfprintf(f, fmt, ap);
        va_end(ap);
        fclose(f);
    }
}

uint64_t h_head(const h_env_t *h)
{
    relais_store_options_t o = {.read_only = 1};
    relais_store_t *store = NULL;
    uint64_t head = 0;
    if (relais_store_open(h->store, &o, &store) != 0)
        fail_msg("cannot open the store read-only: %s", relais_status_detail());
    assert_int_equal(relais_store_head(store, &head), 0);
    relais_store_destroy(&store);
    return head;
}

long h_proc_kib(pid_t pid, const char *key)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *in = fopen(path, "r");
    long v = -1;
    size_t n = strlen(key);
    while (in && fgets(line, sizeof line, in))
        if (strncmp(line, key, n) == 0 && line[n] == ':')
            v = strtol(line + n + 1, NULL, 10);
    if (in)
        fclose(in);
    return v;
}

int h_log_count(const h_env_t *h, const char *needle)
{
    FILE *in = fopen(h->log, "r");
    if (!in)
        return 0;
    char line[4096];
    int count = 0;
    while (fgets(line, sizeof line, in))
        count += strstr(line, needle) != NULL;
    fclose(in);
    return count;
}

void h_reload(h_env_t *h)
{
    int before = h_log_count(h, "event=registry-reloaded");
    assert_int_equal(kill(h->pid, SIGHUP), 0);
    for (int tries = 0; tries < 200 && h_log_count(h, "event=registry-reloaded") == before; tries++)
        h_sleep_ms(25);
    if (h_log_count(h, "event=registry-reloaded") == before)
        fail_msg("the broker did not reload its registry");
}

uint8_t *h_submit_frame(const relais_identity_t *signer, const char *sender, const char *json, uint32_t id,
                        int64_t created_ms, uint64_t request_id, size_t *len)
{
    uint8_t msg_id[16] = {0xe2, (uint8_t)(id >> 24), (uint8_t)(id >> 16), (uint8_t)(id >> 8), (uint8_t)id};
    uint8_t *body = NULL, *sm = NULL, *out = NULL, sig[64];
    size_t body_len = 0, sm_len = 0;
    h_sign_json(signer, sender, json, msg_id, created_ms, &body, &body_len, sig);
    assert_int_equal(relais_signed_encode(body, body_len, sig, &sm, &sm_len), 0);
    free(body);
    relais_request_t req;
    memset(&req, 0, sizeof req);
    req.request_id = request_id;
    req.kind = RELAIS_REQ_SUBMIT;
    req.submit = sm;
    req.submit_len = sm_len;
    assert_int_equal(relais_request_encode(&req, &out, len), 0);
    free(sm);
    return out;
}

void h_submit(void *sock, const relais_identity_t *signer, const char *json, uint32_t id, uint64_t request_id,
              relais_reply_t *reply)
{
    size_t len = 0;
    uint8_t *frame =
        h_submit_frame(signer, relais_identity_peer(signer)->name, json, id, h_now_ms(), request_id, &len);
    h_send_bytes(sock, frame, len);
    free(frame);
    h_recv_reply(sock, reply);
    assert_int_equal(reply->request_id, request_id);
}

relais_ack_t h_expect_ack(void *sock, const relais_identity_t *signer, const char *json, uint32_t id,
                          uint64_t request_id)
{
    relais_reply_t reply;
    h_submit(sock, signer, json, id, request_id, &reply);
    if (reply.kind != RELAIS_REPLY_ACK)
        fail_msg("request %llu: expected an ack, got %s (%s)", (unsigned long long)request_id,
                 relais_status_name(reply.error.status), reply.error.message);
    relais_ack_t ack = reply.ack;
    relais_reply_clear(&reply);
    return ack;
}

void h_expect_error(relais_reply_t *reply, int status, const char *what)
{
    if (reply->kind != RELAIS_REPLY_ERROR || reply->error.status != status)
        fail_msg("%s: expected %s, got kind %d %s (%s)", what, relais_status_name(status), reply->kind,
                 reply->kind == RELAIS_REPLY_ERROR ? relais_status_name(reply->error.status) : "-",
                 reply->kind == RELAIS_REPLY_ERROR ? reply->error.message : "");
    relais_reply_clear(reply);
}

void h_expect_nothing(void *sock, int ms, const char *what)
{
    h_set_timeout(sock, ms);
    relais_reply_t reply;
    if (h_try_recv_reply(sock, &reply) == 0)
        fail_msg("%s: the broker sent something (kind %d, seq %llu)", what, reply.kind,
                 (unsigned long long)reply.delivery.seq);
    h_set_timeout(sock, H_RECV_TIMEOUT_MS);
}

const char *h_referral_json(char *buf, size_t cap, const char *org, const char *family, const char *given,
                            const char *birth)
{
    snprintf(buf, cap,
             "{\"referral\": {\"referrer\": {\"organisation\": \"%s\", \"role\": \"TEACHER\"},"
             " \"domains\": [\"EDUCATIONAL\"],"
             " \"child\": {\"family_name\": \"%s\", \"given_names\": [\"%s\"], \"birth_date\": \"%s\"},"
             " \"description\": \"absences repetees\", \"urgency\": \"ROUTINE\","
             " \"consent\": {\"recorded_by\": \"x\", \"recorded_ms\": " H_CONSENT_MS ", \"given_by\": \"mere\"}}}",
             org, family, given, birth);
    return buf;
}
