/* util.c -- the broker's plumbing: queue envelopes, replies, structured log lines, time. */
#include "broker_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

int broker_env_frame(zmq_msg_t *msg, const broker_env_t *env, const void *d1, size_t len1, const void *d2,
                     size_t len2)
{
    broker_env_t head = *env;
    head.len1 = d1 ? len1 : 0;
    head.len2 = d2 ? len2 : 0;
    if (zmq_msg_init_size(msg, sizeof head + head.len1 + head.len2) != 0)
        return -1;
    uint8_t *p = zmq_msg_data(msg);
    memcpy(p, &head, sizeof head);
    if (head.len1)
        memcpy(p + sizeof head, d1, head.len1);
    if (head.len2)
        memcpy(p + sizeof head + head.len1, d2, head.len2);
    return 0;
}

int broker_env_send(void *sock, const broker_env_t *env, const void *d1, size_t len1, const void *d2,
                    size_t len2, int flags)
{
    zmq_msg_t msg;
    if (broker_env_frame(&msg, env, d1, len1, d2, len2) != 0)
        return -1;
    int sent;
    /* A blocking send interrupted by a signal is not a failure: the item must get through. */
    while ((sent = zmq_msg_send(&msg, sock, flags)) < 0 && errno == EINTR && !(flags & ZMQ_DONTWAIT)) {
    }
    if (sent < 0) {
        int saved = errno;
        zmq_msg_close(&msg);
        errno = saved;
        return -1;
    }
    return 0;
}

int broker_env_recv(void *sock, zmq_msg_t *msg, broker_env_t *env, const uint8_t **d1, const uint8_t **d2,
                    int flags)
{
    zmq_msg_init(msg);
    if (zmq_msg_recv(msg, sock, flags) < 0) {
        int saved = errno;
        zmq_msg_close(msg);
        errno = saved;
        return -1;
    }
    size_t size = zmq_msg_size(msg);
    const uint8_t *p = zmq_msg_data(msg);
    /* Only our own threads write these queues; a bad frame is a bug, not an attack. */
    if (size < sizeof *env)
        goto out_bad;
    memcpy(env, p, sizeof *env);
    if (env->len1 > size - sizeof *env || env->len2 > size - sizeof *env - env->len1)
        goto out_bad;
    *d1 = p + sizeof *env;
    *d2 = p + sizeof *env + env->len1;
    return 0;
out_bad:
    broker_log("error", "internal", "what=\"bad queue frame\" size=%zu", size);
    zmq_msg_close(msg);
    return 1;
}

void *broker_queue_socket(relais_broker_t *b, int type)
{
    void *s = zmq_socket(b->ctx, type);
    if (!s)
        return NULL;
    int hwm = b->opts.queue_hwm;
    int linger = 0;
    zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(s, ZMQ_RCVHWM, &hwm, sizeof hwm);
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    return s;
}

int broker_send_reply(void *sock, const broker_env_t *env, const relais_reply_t *reply)
{
    uint8_t *bytes = NULL;
    size_t len = 0;
    int rc = relais_reply_encode(reply, &bytes, &len);
    if (rc != 0)
        return rc;
    broker_env_t out = *env;
    out.kind = BROKER_OUT_REPLY;
    out.flags = 0;
    out.status = reply->kind == RELAIS_REPLY_ERROR ? reply->error.status : 0; /* intake lets refusals of identity out */
    rc = broker_env_send(sock, &out, bytes, len, NULL, 0, 0) == 0 ? 0 : RELAIS_E_UNAVAILABLE;
    free(bytes);
    return rc;
}

void broker_error_fill(relais_reply_t *reply, const broker_env_t *env, int status, const uint8_t *msg_id,
                       const char *fmt, va_list ap)
{
    memset(reply, 0, sizeof *reply);
    reply->request_id = env->request_id;
    reply->kind = RELAIS_REPLY_ERROR;
    /* Local codes (IO, NOMEM, ...) are the broker's problem: the agent may retry. */
    reply->error.status = relais_status_to_wire(status) ? status : RELAIS_E_UNAVAILABLE;
    vsnprintf(reply->error.message, sizeof reply->error.message, fmt, ap);
    if (msg_id) {
        memcpy(reply->error.msg_id, msg_id, RELAIS_MSG_ID_BYTES);
        reply->error.has_msg_id = 1;
    }
    char q[320];
    char id[2 * RELAIS_MSG_ID_BYTES + 1] = "-";
    if (msg_id)
        relais_hex_encode(msg_id, RELAIS_MSG_ID_BYTES, id);
    broker_log("info", "refused", "code=%s sender=%s request=%llu msg=%s why=%s",
               relais_status_name(reply->error.status), env->user[0] ? env->user : "-",
               (unsigned long long)env->request_id, id, broker_logq(q, sizeof q, reply->error.message));
}

int broker_send_error(void *sock, const broker_env_t *env, int status, const uint8_t *msg_id, const char *fmt, ...)
{
    relais_reply_t reply;
    va_list ap;
    va_start(ap, fmt);
    broker_error_fill(&reply, env, status, msg_id, fmt, ap);
    va_end(ap);
    return broker_send_reply(sock, env, &reply);
}

/* ---- Access records ------------------------------------------------------------------ */

int broker_access_sign(relais_broker_t *b, const relais_access_t *access, uint8_t **out, size_t *out_len)
{
    uint8_t msg_id[RELAIS_MSG_ID_BYTES];
    uint8_t signature[RELAIS_SIGNATURE_BYTES];
    uint8_t *body = NULL;
    size_t body_len = 0;
    int64_t now = broker_now_ms();
    relais_msg_id_stamp(msg_id, now); /* in order, like librelais's: the id index grows at its end */
    if (RAND_bytes(msg_id + 6, sizeof msg_id - 6) != 1)
        return RELAIS_E_CRYPTO;
    int rc = relais_message_encode_access(b->name, msg_id, now, access, &body, &body_len);
    if (rc == 0)
        rc = broker_sign(b, body, body_len, signature);
    if (rc == 0)
        rc = relais_signed_encode(body, body_len, signature, out, out_len);
    free(body);
    return rc;
}

/* ---- Log lines ------------------------------------------------------------------------- */

static int s_needs_quotes(const char *s)
{
    if (!*s)
        return 1;
    for (; *s; s++)
        if (*s == ' ' || *s == '"' || *s == '=' || *s == '\\' || (unsigned char)*s < 0x20)
            return 1;
    return 0;
}

const char *broker_logq(char *buf, size_t cap, const char *s)
{
    if (cap < 3)
        return "";
    if (!s)
        s = "";
    if (!s_needs_quotes(s)) {
        snprintf(buf, cap, "%s", s);
        return buf;
    }
    size_t n = 0;
    buf[n++] = '"';
    for (; *s && n + 3 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            buf[n++] = '\\';
            buf[n++] = (char)c;
        } else if (c < 0x20) {
            buf[n++] = ' '; /* one event, one line */
        } else {
            buf[n++] = (char)c;
        }
    }
    buf[n++] = '"';
    buf[n] = '\0';
    return buf;
}

static size_t s_stamp(char out[40], size_t cap)
{
    int64_t now = broker_now_ms();
    time_t secs = (time_t)(now / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    int n = snprintf(out, cap, "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03dZ ", (tm.tm_year + 1900) % 10000,
                     (tm.tm_mon + 1) % 100, tm.tm_mday % 100, tm.tm_hour % 100, tm.tm_min % 100, tm.tm_sec % 100,
                     (int)(now % 1000));
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

/* One line into `line` (room `cap` > 2): the stamp, level, event, the fields, a newline. */
__attribute__((format(printf, 6, 0))) static size_t s_line(char *line, size_t cap, const char *stamp,
                                                            const char *level, const char *event, const char *fmt,
                                                            va_list ap)
{
    int n = snprintf(line, cap, "%slevel=%s event=%s ", stamp, level, event);
    if (n < 0 || (size_t)n >= cap)
        return 0;
    int m = vsnprintf(line + n, cap - (size_t)n, fmt, ap);
    size_t len = (m < 0) ? (size_t)n : (size_t)n + (size_t)m;
    if (len > cap - 2)
        len = cap - 2;
    while (len > 0 && line[len - 1] == ' ')
        len--;
    line[len++] = '\n';
    return len;
}

void broker_log(const char *level, const char *event, const char *fmt, ...)
{
    char line[2048], stamp[40];
    s_stamp(stamp, sizeof stamp);
    va_list ap;
    va_start(ap, fmt);
    size_t len = s_line(line, sizeof line, stamp, level, event, fmt, ap);
    va_end(ap);
    /* One write per line, so that threads never interleave inside a line. */
    ssize_t w = write(STDERR_FILENO, line, len);
    (void)w;
}

void broker_logbuf_begin(broker_logbuf_t *lb)
{
    s_stamp(lb->stamp, sizeof lb->stamp);
    lb->len = 0;
}

void broker_logbuf_flush(broker_logbuf_t *lb)
{
    /* At most PIPE_BUF (4096) bytes: a pipe writes them whole, never mixed with another thread's. */
    if (lb->len > 0) {
        ssize_t w = write(STDERR_FILENO, lb->data, lb->len);
        (void)w;
    }
    lb->len = 0;
}

void broker_logbuf_add(broker_logbuf_t *lb, const char *level, const char *event, const char *fmt, ...)
{
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    size_t len = s_line(line, sizeof line, lb->stamp, level, event, fmt, ap);
    va_end(ap);
    if (lb->len + len > sizeof lb->data)
        broker_logbuf_flush(lb);
    memcpy(lb->data + lb->len, line, len);
    lb->len += len;
}

int64_t broker_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t broker_monotonic_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
