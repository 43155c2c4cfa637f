/* zap.c -- the ZAP handler (RFC 27): only registered CURVE keys complete a handshake.
 *
 * Without a handler, libzmq's CURVE server admits any key; with this one, a connection is
 * admitted only when its CURVE public key is a certificate of the registry, and it gets that
 * certificate's name as User-Id, which intake reads from every frame. NULL and PLAIN
 * mechanisms, other domains and unknown keys all get 400.
 */
#include "broker_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define S_ZAP_FRAMES_MAX 8 /* version, id, domain, address, routing id, mechanism, credentials */

typedef struct {
    zmq_msg_t frames[S_ZAP_FRAMES_MAX]; /* the request's frames */
    int count;                          /* how many were received */
} s_zap_request_t;

static void s_request_close(s_zap_request_t *req)
{
    for (int i = 0; i < req->count; i++)
        zmq_msg_close(&req->frames[i]);
    req->count = 0;
}

/* Receives every frame of one request; extra frames beyond our room are read and dropped. */
static int s_request_recv(void *sock, s_zap_request_t *req)
{
    req->count = 0;
    int more = 1;
    while (more) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, sock, 0) < 0) {
            zmq_msg_close(&m);
            s_request_close(req);
            return -1;
        }
        more = zmq_msg_more(&m);
        if (req->count < S_ZAP_FRAMES_MAX)
            req->frames[req->count++] = m;
        else
            zmq_msg_close(&m);
    }
    return 0;
}

static int s_frame_is(zmq_msg_t *m, const char *text)
{
    size_t n = strlen(text);
    return zmq_msg_size(m) == n && memcmp(zmq_msg_data(m), text, n) == 0;
}

static void s_frame_text(zmq_msg_t *m, char *out, size_t cap)
{
    size_t n = zmq_msg_size(m);
    if (n >= cap)
        n = cap - 1;
    memcpy(out, zmq_msg_data(m), n);
    out[n] = '\0';
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)out[i] < 0x20 || (unsigned char)out[i] > 0x7e)
            out[i] = '?';
}

/* Decides one request: 200 with the certificate name, or 400 with the reason. */
static int s_decide(relais_broker_t *b, s_zap_request_t *req, char *user, size_t user_cap, char *key_z85,
                    const char **why)
{
    if (req->count < 6 || !s_frame_is(&req->frames[0], "1.0")) {
        *why = "bad ZAP request";
        return 400;
    }
    if (!s_frame_is(&req->frames[5], "CURVE")) {
        *why = "CURVE is required";
        return 400;
    }
    if (!s_frame_is(&req->frames[2], BROKER_ZAP_DOMAIN)) {
        *why = "unknown ZAP domain";
        return 400;
    }
    if (req->count < 7 || zmq_msg_size(&req->frames[6]) != 32) {
        *why = "no CURVE key";
        return 400;
    }
    relais_peer_t peer;
    if (broker_peer_by_curve(b, zmq_msg_data(&req->frames[6]), &peer) != 0) {
        *why = "key not in the registry";
        return 400;
    }
    snprintf(user, user_cap, "%s", peer.name);
    memcpy(key_z85, peer.curve_public_z85, RELAIS_CURVE_Z85_LEN + 1);
    *why = "OK";
    return 200;
}

static int s_send_text(void *sock, const void *data, size_t len, int more)
{
    return zmq_send(sock, data, len, more ? ZMQ_SNDMORE : 0) < 0 ? -1 : 0;
}

/* The metadata frame of an admitted peer (ZMTP property encoding: name length, name, 4-byte
 * big-endian value length, value): its CURVE key, which every frame then carries, so that
 * the broker authorises the key a connection holds and not only the name it was given. */
static size_t s_metadata(uint8_t *out, size_t cap, const char *key_z85)
{
    size_t name_len = strlen(BROKER_ZAP_KEY_PROPERTY), value_len = strlen(key_z85);
    if (!key_z85[0] || 1 + name_len + 4 + value_len > cap)
        return 0;
    size_t n = 0;
    out[n++] = (uint8_t)name_len;
    memcpy(out + n, BROKER_ZAP_KEY_PROPERTY, name_len);
    n += name_len;
    out[n++] = 0;
    out[n++] = 0;
    out[n++] = 0;
    out[n++] = (uint8_t)value_len;
    memcpy(out + n, key_z85, value_len);
    return n + value_len;
}

static int s_reply(void *sock, zmq_msg_t *request_id, int code, const char *text, const char *user,
                   const char *key_z85)
{
    const char *status = code == 200 ? "200" : "400";
    uint8_t metadata[128];
    size_t metadata_len = code == 200 ? s_metadata(metadata, sizeof metadata, key_z85) : 0;
    if (s_send_text(sock, "1.0", 3, 1) != 0 ||
        s_send_text(sock, zmq_msg_data(request_id), zmq_msg_size(request_id), 1) != 0 ||
        s_send_text(sock, status, 3, 1) != 0 || s_send_text(sock, text, strlen(text), 1) != 0 ||
        s_send_text(sock, user, strlen(user), 1) != 0 || s_send_text(sock, metadata, metadata_len, 0) != 0)
        return -1;
    return 0;
}

static void s_handle(relais_broker_t *b, void *sock)
{
    s_zap_request_t req;
    if (s_request_recv(sock, &req) != 0)
        return;
    char user[RELAIS_IDENT_NAME_MAX] = "";
    char key_z85[RELAIS_CURVE_Z85_LEN + 1] = "";
    const char *why = "bad ZAP request";
    int code = s_decide(b, &req, user, sizeof user, key_z85, &why);
    char address[64] = "-", mechanism[16] = "-";
    if (req.count > 3)
        s_frame_text(&req.frames[3], address, sizeof address);
    if (req.count > 5)
        s_frame_text(&req.frames[5], mechanism, sizeof mechanism);
    zmq_msg_t empty;
    zmq_msg_init(&empty);
    int rc = s_reply(sock, req.count > 1 ? &req.frames[1] : &empty, code, why, user, key_z85);
    zmq_msg_close(&empty);
    s_request_close(&req);
    if (rc != 0)
        broker_log("error", "zap-reply-failed", "errno=%s", zmq_strerror(errno));
    else if (code == 200)
        broker_log("info", "connect", "user=%s address=%s", user, address);
    else
        broker_log("warn", "zap-denied", "mechanism=%s address=%s why=\"%s\"", mechanism, address, why);
}

static void *s_zap_thread(void *arg)
{
    relais_broker_t *b = arg;
    void *sock = b->zap_socket;
    while (!atomic_load(&b->zap_stop)) {
        zmq_pollitem_t item = {sock, 0, ZMQ_POLLIN, 0};
        int n = zmq_poll(&item, 1, 200);
        if (n < 0 && errno == ETERM)
            break;
        if (n > 0 && (item.revents & ZMQ_POLLIN))
            s_handle(b, sock);
    }
    zmq_close(sock);
    return NULL;
}

int broker_zap_start(relais_broker_t *b)
{
    b->zap_socket = zmq_socket(b->ctx, ZMQ_REP);
    if (!b->zap_socket)
        return relais_status_set(RELAIS_E_NOMEM, "ZAP socket: %s", zmq_strerror(errno));
    int linger = 0;
    zmq_setsockopt(b->zap_socket, ZMQ_LINGER, &linger, sizeof linger);
    if (zmq_bind(b->zap_socket, BROKER_EP_ZAP) != 0) {
        int rc = relais_status_set(RELAIS_E_UNAVAILABLE, "cannot bind the ZAP handler: %s", zmq_strerror(errno));
        zmq_close(b->zap_socket);
        b->zap_socket = NULL;
        return rc;
    }
    /* The socket is bound in this thread and used only by the ZAP thread from now on;
     * pthread_create is the memory barrier that hands it over. */
    if (pthread_create(&b->zap_thread, NULL, s_zap_thread, b) != 0) {
        zmq_close(b->zap_socket);
        b->zap_socket = NULL;
        return relais_status_set(RELAIS_E_NOMEM, "cannot start the ZAP thread");
    }
    b->zap_started = 1;
    return 0;
}

void broker_zap_stop(relais_broker_t *b)
{
    if (!b->zap_started)
        return;
    atomic_store(&b->zap_stop, 1);
    pthread_join(b->zap_thread, NULL);
    b->zap_started = 0;
    b->zap_socket = NULL;
}
