/* harness.h -- the common ground of the end-to-end C tests that drive the real relaisd
 * (test_broker_smoke, test_hostile): a scratch folder with a throw-away PKI, relaisd started on
 * loopback, and raw-zmq CURVE clients that send requests and wait for the replies.
 *
 * The functions check with cmocka's assertions: call them from a test, its setup or teardown. */
#ifndef RELAIS_E2E_HARNESS_H
#define RELAIS_E2E_HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "relais_certs.h"
#include "relais_proto.h"

#define H_WAIT_LISTEN_MS 15000 /* the broker prints event=listening within this */
#define H_RECV_TIMEOUT_MS 10000
#define H_BIND_ATTEMPTS 5
#define H_SOCKS 64
#define H_MAX_FLAGS 12
#define H_IDENTITIES 16

typedef struct {
    char dir[256];                         /* temporary folder, removed at the end */
    char keys[300], registry[300], store[300], log[300];
    char data_key[320];                    /* keys/data.key: relaisd's --data-key */
    const char *relaisd;                   /* the binary */
    const char *flags[H_MAX_FLAGS + 1];    /* more relaisd flags, NULL-terminated */
    int port_base, port_span;              /* h_start picks its port in [base, base + span) */
    long nofile;                           /* relaisd's descriptor limit, soft and hard (0: inherited) */
    pid_t pid;                             /* relaisd, or 0 */
    int port;                              /* its TCP port */
    char endpoint[64];
    void *ctx;
    void *socks[H_SOCKS];                  /* open client sockets, closed by h_env_cleanup if a test fails */
    relais_identity_t *ids[H_IDENTITIES];  /* the identities h_identity made, destroyed by h_env_cleanup */
} h_env_t;

int64_t h_now_ms(void); /* wall clock: also the created_ms of messages */
void h_sleep_ms(int ms);

/* /tmp/relais-NAME-XXXXXX with keys/ and registry/ in it, and a zmq context. */
void h_env_init(h_env_t *h, const char *name, const char *relaisd);
/* Kills relaisd, closes the sockets left open, ends the context and removes the folder
 * (kept, and said so on stderr, when RELAIS_KEEP_TMP is set). */
void h_env_cleanup(h_env_t *h);

/* A new identity saved in keys/; its .cert copied to registry/ when `registered`. The
 * environment owns it (h_env_cleanup destroys it). */
relais_identity_t *h_identity(h_env_t *h, const char *name, relais_role_t role, const char *org, int registered);
/* Copies keys/NAME.cert to registry/ (relaisd reads it at start or on SIGHUP). */
void h_register(h_env_t *h, const char *name);

/* Starts relaisd (key: keys/hub.cert_secret; --verifiers 2 --checkpoint-interval 1 --data-key
 * keys/data.key, then h->flags) on a free port, its stderr in h->log; 0 once it says
 * event=listening. */
int h_start(h_env_t *h);
/* Whether the broker's log holds `needle`. */
int h_log_has(const h_env_t *h, const char *needle);

/* A DEALER with `me`'s CURVE keys toward the broker whose server key is `server`'s;
 * receive timeout H_RECV_TIMEOUT_MS, no linger; closed by h_env_cleanup unless h_close'd. */
void *h_connect_as(h_env_t *h, const relais_identity_t *me, const relais_identity_t *server);
void h_track(h_env_t *h, void *sock);
void h_close(h_env_t *h, void *sock);
void h_set_timeout(void *sock, int ms);

void h_send_bytes(void *sock, const void *bytes, size_t len);
void h_send_request(void *sock, const relais_request_t *req);
/* 0 and *reply filled, or -1 when nothing came within the socket's timeout. */
int h_try_recv_reply(void *sock, relais_reply_t *reply);
/* The next reply; fails the test when none comes. */
void h_recv_reply(void *sock, relais_reply_t *reply);
void h_request(void *sock, const relais_request_t *req, relais_reply_t *reply);

/* Stands for a consent time in a test's JSON: h_sign_json puts the day before the message's
 * creation in its place, inside the hub's consent window whatever the day the tests run. */
#define H_CONSENT_MS "@CONSENT_MS@"

/* The Message built from `json` with `sender` in its header (*body, malloc'd), and `signer`'s
 * signature of it; H_CONSENT_MS in `json` is filled in first. */
void h_sign_json(const relais_identity_t *signer, const char *sender, const char *json, const uint8_t msg_id[16],
                 int64_t created_ms, uint8_t **body, size_t *body_len, uint8_t sig[64]);

/* ---- Shared steps of the tests that attack or load the hub ---------------------------- */

/* Whether RELAIS_TORTURE asks for the long forms (make torture). */
int h_torture(void);
/* Prints a figure, and appends it to the file RELAIS_TORTURE_SUMMARY names (make torture's). */
void h_summary(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The log's head, read from the store beside the running broker (LMDB readers never block). */
uint64_t h_head(const h_env_t *h);
/* A field of /proc/PID/status in KiB (VmRSS, RssAnon, VmHWM, ...); -1 when unreadable. */
long h_proc_kib(pid_t pid, const char *key);
/* Sends SIGHUP and waits until the broker logged one more registry reload. */
void h_reload(h_env_t *h);
/* How many lines of the broker's log hold `needle`. */
int h_log_count(const h_env_t *h, const char *needle);

/* The SUBMIT Request frame of `json`, signed by `signer` with `sender` in the header and
 * message id number `id` (*len set; caller frees). */
uint8_t *h_submit_frame(const relais_identity_t *signer, const char *sender, const char *json, uint32_t id,
                        int64_t created_ms, uint64_t request_id, size_t *len);
/* Submits `json` as `signer` (its own name as sender, now as created_ms) and waits for the reply. */
void h_submit(void *sock, const relais_identity_t *signer, const char *json, uint32_t id, uint64_t request_id,
              relais_reply_t *reply);
/* Submits and expects an ACK; returns it (the reply is cleared). */
relais_ack_t h_expect_ack(void *sock, const relais_identity_t *signer, const char *json, uint32_t id,
                          uint64_t request_id);
/* Fails unless `reply` is an ERROR with `status`; clears it. */
void h_expect_error(relais_reply_t *reply, int status, const char *what);
/* Fails when anything arrives on `sock` within `ms` (the socket's timeout is restored). */
void h_expect_nothing(void *sock, int ms, const char *what);

/* A referral JSON of child `family` `given` born `birth` (with consent), from organisation `org`. */
const char *h_referral_json(char *buf, size_t cap, const char *org, const char *family, const char *given,
                            const char *birth);

#endif
