/* witness.c -- `relais witness`: C2SP tlog-witness's add-checkpoint, judged against the state kept
 * of each log, cosigned with C2SP tlog-cosignature's cosignature/v1, served over HTTP by
 * libmicrohttpd.
 *
 * The state of a log is one file, STATE/<origin, %-escaped>.note: the last checkpoint cosigned,
 * as the hub signed it, with this witness's cosignature line. It is replaced (a temporary file,
 * fsync, rename, fsync of the folder) before the cosignature is given, under the one lock every
 * request takes, so that two requests never both pass against the same old size (the race the
 * specification describes) and a crash leaves either the old state or the new one. At start each
 * file must verify with its hub's key and carry this witness's own cosignature: a file edited by
 * hand is refused, not trusted.
 */
#include "relais_witness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "relais_certs.h"
#include "relais_cosig.h"
#include "relais_merkle.h"
#include "relais_proto.h"

#define S_EVIDENCE_MAX 64 /* refused bodies kept as evidence per run: a misbehaving hub fills no disk */
#define S_STATE_MAX (RELAIS_NOTE_MAX + RELAIS_COSIG_LINE_MAX)
#define S_TEXT_PLAIN "text/plain; charset=utf-8"

typedef struct {
    char origin[256];      /* the log's origin line */
    char file[256 * 3 + 8]; /* its state file's name: the origin %-escaped, ".note" */
    relais_peer_t hub;     /* the certificate whose key signs its checkpoints */
    uint64_t size;         /* the size last cosigned; 0: none yet */
    relais_hash_t root;    /* its root */
} s_log_t;

struct relais_witness {
    relais_identity_t *id;
    const relais_peer_t *self; /* the identity's public face: name and sign key */
    char dir[PATH_MAX];
    int lock_fd;
    s_log_t *logs;
    size_t log_count;
    pthread_mutex_t mu; /* one request judged at a time: the check and the write together */
    unsigned evidence;  /* refused bodies kept this run */
    char listen[128];
    int listen_fd;
    struct MHD_Daemon *mhd;
    char address[96];
};

/* ---- The log lines: relaisd's style, "ts=… level=… event=… key=value…" on stderr ------------- */

__attribute__((format(printf, 3, 4))) static void s_log(const char *level, const char *event, const char *fmt, ...)
{
    char line[2048];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    int n = snprintf(line, sizeof line, "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03dZ level=%s event=%s ",
                     (tm.tm_year + 1900) % 10000, (tm.tm_mon + 1) % 100, tm.tm_mday % 100, tm.tm_hour % 100,
                     tm.tm_min % 100, tm.tm_sec % 100, (int)(ts.tv_nsec / 1000000), level, event);
    if (n < 0 || (size_t)n >= sizeof line)
        return;
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    size_t len = m < 0 ? (size_t)n : (size_t)n + (size_t)m;
    if (len > sizeof line - 2)
        len = sizeof line - 2;
    line[len++] = '\n';
    /* one write a line: threads never interleave inside one */
    ssize_t w = write(STDERR_FILENO, line, len);
    (void)w;
}

/* A value from the wire for a log line: quoted, without controls, at most `cap` - 3 bytes. */
static const char *s_q(char *buf, size_t cap, const char *s, size_t len)
{
    size_t n = 0;
    buf[n++] = '"';
    for (size_t i = 0; i < len && n + 3 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        buf[n++] = c < 0x20 || c == '"' || c == '\\' || c == 0x7f ? '?' : (char)c;
    }
    buf[n++] = '"';
    buf[n] = '\0';
    return buf;
}

/* ---- Files ---------------------------------------------------------------------------------- */

/* Bytes an origin may keep in a file name; every other byte is %XX, so that any origin (with '/'
 * in it, as relais's have) names one file and no two origins the same one. */
static void s_escape(const char *origin, char *out, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)origin; *p && n + 4 < cap; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.' ||
            *p == '_' || *p == '-') {
            out[n++] = (char)*p;
        } else {
            out[n++] = '%';
            out[n++] = hex[*p >> 4];
            out[n++] = hex[*p & 15];
        }
    }
    out[n] = '\0';
}

static int s_path(const relais_witness_t *w, const char *name, char *out)
{
    int n = snprintf(out, PATH_MAX, "%s/%s", w->dir, name);
    return n > 0 && n < PATH_MAX ? 0 : relais_status_set(RELAIS_E_INVALID, "the state folder's path is too long");
}

/* Writes DIR/NAME whole or not at all. */
static int s_write_file(const relais_witness_t *w, const char *name, const char *data, size_t len)
{
    char path[PATH_MAX];
    int rc = s_path(w, name, path);
    return rc ? rc : relais_file_replace(path, data, len);
}

/* The whole of a small file, NUL-terminated, into `buf` (room `cap`); RELAIS_E_NOT_FOUND when
 * there is none. */
static int s_read_file(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? RELAIS_E_NOT_FOUND : relais_status_set(RELAIS_E_IO, "%s: %s", path, strerror(errno));
    size_t len = 0;
    for (;;) {
        ssize_t n = read(fd, buf + len, cap - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
        if (len == cap - 1)
            break;
    }
    char extra;
    ssize_t more = read(fd, &extra, 1);
    close(fd);
    if (more > 0)
        return relais_status_set(RELAIS_E_CORRUPT, "%s is longer than any checkpoint", path);
    buf[len] = '\0';
    if (strlen(buf) != len)
        return relais_status_set(RELAIS_E_CORRUPT, "%s holds a NUL byte", path);
    return 0;
}

/* ---- Opening: the identity, the logs, their state -------------------------------------------- */

static int s_add_log(relais_witness_t *w, const char *spec)
{
    s_log_t *log = &w->logs[w->log_count];
    memset(log, 0, sizeof *log);
    char cert[PATH_MAX];
    const char *comma = strchr(spec, ',');
    size_t cert_len = comma ? (size_t)(comma - spec) : strlen(spec);
    if (cert_len == 0 || cert_len >= sizeof cert)
        return relais_status_set(RELAIS_E_INVALID, "--log-cert: expected CERT or CERT,ORIGIN, not '%s'", spec);
    memcpy(cert, spec, cert_len);
    cert[cert_len] = '\0';
    int rc = relais_peer_load(cert, &log->hub);
    if (rc)
        return rc;
    if (log->hub.role != RELAIS_ROLE_BROKER)
        return relais_status_set(RELAIS_E_INVALID, "--log-cert %s: the certificate of %s, a %s, not a hub's (role "
                                                   "broker): only a hub signs checkpoints",
                                 cert, log->hub.name, relais_role_name(log->hub.role));
    int n = comma ? snprintf(log->origin, sizeof log->origin, "%s", comma + 1)
                  : snprintf(log->origin, sizeof log->origin, "relais/%s", log->hub.name);
    if (n <= 0 || (size_t)n >= sizeof log->origin || strpbrk(log->origin, " \t\r\n") != NULL)
        return relais_status_set(RELAIS_E_INVALID, "--log-cert %s: the origin is empty, too long or has spaces", spec);
    for (size_t i = 0; i < w->log_count; i++)
        if (strcmp(w->logs[i].origin, log->origin) == 0)
            return relais_status_set(RELAIS_E_INVALID, "the log %s is given twice", log->origin);
    char esc[sizeof log->file - 8];
    s_escape(log->origin, esc, sizeof esc);
    snprintf(log->file, sizeof log->file, "%s.note", esc);
    w->log_count++;
    return 0;
}

/* The kept checkpoint of `log`, if any: its hub's signature and this witness's cosignature must
 * both verify, or the witness does not start (a state it did not write is no state). */
static int s_load_state(relais_witness_t *w, s_log_t *log)
{
    char path[PATH_MAX];
    int rc = s_path(w, log->file, path);
    if (rc)
        return rc;
    char *note = malloc(S_STATE_MAX);
    if (!note)
        return relais_status_set(RELAIS_E_NOMEM, "out of memory for %s", path);
    rc = s_read_file(path, note, S_STATE_MAX);
    if (rc == RELAIS_E_NOT_FOUND) {
        free(note);
        return 0;
    }
    relais_checkpoint_t cp;
    uint64_t t = 0;
    if (!rc && (relais_checkpoint_verify(note, log->hub.name, log->hub.sign_public, &cp) != 0 ||
                strcmp(cp.origin, log->origin) != 0 ||
                relais_cosig_verify(note, w->self->name, w->self->sign_public, &t) != 0))
        rc = relais_status_set(RELAIS_E_CORRUPT,
                               "%s is not a checkpoint of %s signed by %s and cosigned by this witness (%s): restore "
                               "the file this witness wrote, or retire the witness and start another with a new key",
                               path, log->origin, log->hub.name, w->self->name);
    free(note);
    if (rc)
        return rc;
    log->size = cp.size;
    memcpy(log->root, cp.root, RELAIS_HASH_SIZE);
    return 0;
}

/* One witness a state folder: a second would judge against a state the first is changing. */
static int s_lock(relais_witness_t *w)
{
    if (mkdir(w->dir, 0700) != 0 && errno != EEXIST)
        return relais_status_set(RELAIS_E_IO, "cannot make the state folder %s: %s", w->dir, strerror(errno));
    char path[PATH_MAX];
    int rc = s_path(w, ".lock", path);
    if (rc)
        return rc;
    w->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (w->lock_fd < 0)
        return relais_status_set(RELAIS_E_IO, "cannot open %s: %s", path, strerror(errno));
    if (flock(w->lock_fd, LOCK_EX | LOCK_NB) != 0)
        return relais_status_set(RELAIS_E_UNAVAILABLE, "another witness uses the state folder %s", w->dir);
    return 0;
}

int relais_witness_open(const relais_witness_options_t *o, relais_witness_t **out)
{
    *out = NULL;
    if (!o || !o->key_path || !o->state_dir || !*o->state_dir || o->log_count == 0 || !o->logs)
        return relais_status_set(RELAIS_E_INVALID, "a witness needs --key, --state and at least one --log-cert");
    relais_witness_t *w = calloc(1, sizeof *w);
    if (!w)
        return relais_status_set(RELAIS_E_NOMEM, "out of memory");
    w->lock_fd = w->listen_fd = -1;
    pthread_mutex_init(&w->mu, NULL);
    int rc = 0;
    if (snprintf(w->dir, sizeof w->dir, "%s", o->state_dir) >= (int)sizeof w->dir ||
        snprintf(w->listen, sizeof w->listen, "%s", o->listen ? o->listen : "127.0.0.1:0") >= (int)sizeof w->listen)
        rc = relais_status_set(RELAIS_E_INVALID, "--state or --listen too long");
    if (!rc)
        rc = relais_identity_load(o->key_path, &w->id);
    if (!rc) {
        w->self = relais_identity_peer(w->id);
        if (w->self->role != RELAIS_ROLE_WITNESS)
            rc = relais_status_set(RELAIS_E_INVALID,
                                   "--key: %s is a %s's identity; a witness cosigns with a key of its own, of role "
                                   "witness (relais keygen NAME --role witness)",
                                   w->self->name, relais_role_name(w->self->role));
    }
    if (!rc && !(w->logs = calloc(o->log_count, sizeof *w->logs)))
        rc = relais_status_set(RELAIS_E_NOMEM, "out of memory");
    for (size_t i = 0; !rc && i < o->log_count; i++)
        rc = s_add_log(w, o->logs[i]);
    if (!rc)
        rc = s_lock(w);
    for (size_t i = 0; !rc && i < w->log_count; i++)
        rc = s_load_state(w, &w->logs[i]);
    if (rc) {
        relais_witness_close(&w);
        return rc;
    }
    *out = w;
    return 0;
}

/* ---- add-checkpoint ---------------------------------------------------------------------------- */

static void s_answer(relais_witness_answer_t *a, unsigned status, const char *type, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void s_answer(relais_witness_answer_t *a, unsigned status, const char *type, const char *fmt, ...)
{
    a->status = status;
    a->content_type = type;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(a->body, sizeof a->body, fmt, ap);
    va_end(ap);
    a->len = n < 0 ? 0 : (size_t)n >= sizeof a->body ? sizeof a->body - 1 : (size_t)n;
}

/* A refusal: the answer (a sentence ending in a line feed) and its log line. */
static void s_refuse(relais_witness_answer_t *a, unsigned status, const char *origin, uint64_t size, uint64_t old,
                     const char *why)
{
    char q[300];
    s_answer(a, status, S_TEXT_PLAIN, "%s\n", why);
    s_log("warn", "add-checkpoint-refused", "status=%u origin=%s size=%" PRIu64 " old=%" PRIu64 " why=%s", status,
          origin, size, old, s_q(q, sizeof q, why, strlen(why)));
}

/* A signed request the witness refused on its merits is kept: it may be the proof that the hub
 * showed another history (tlog-witness allows it). */
static void s_keep_evidence(relais_witness_t *w, const s_log_t *log, uint64_t size, const char *body, size_t len)
{
    if (w->evidence >= S_EVIDENCE_MAX)
        return;
    char esc[sizeof log->file], name[sizeof log->file + 64];
    s_escape(log->origin, esc, sizeof esc);
    snprintf(name, sizeof name, "refused-%s-%" PRIu64 "-%lld.body", esc, size, (long long)time(NULL));
    if (s_write_file(w, name, body, len) == 0) {
        w->evidence++;
        s_log("warn", "evidence-kept", "file=%s/%s", w->dir, name);
    } else {
        char q[300];
        const char *why = relais_status_detail();
        s_log("error", "evidence-not-kept", "origin=%s size=%" PRIu64 " why=%s", log->origin, size,
              s_q(q, sizeof q, why, strlen(why)));
    }
}

static s_log_t *s_find_log(relais_witness_t *w, const char *note)
{
    const char *nl = strchr(note, '\n');
    size_t len = nl ? (size_t)(nl - note) : strlen(note);
    for (size_t i = 0; i < w->log_count; i++)
        if (strlen(w->logs[i].origin) == len && memcmp(w->logs[i].origin, note, len) == 0)
            return &w->logs[i];
    return NULL;
}

/* Cosigns `note` for `log`, keeping the new state before the answer is given. */
static void s_cosign(relais_witness_t *w, s_log_t *log, const char *note, const relais_checkpoint_t *cp,
                     relais_witness_answer_t *a)
{
    char line[RELAIS_COSIG_LINE_MAX];
    int rc = relais_cosig_sign(note, w->self->name, relais_identity_sign_seed(w->id), (uint64_t)time(NULL), line,
                               sizeof line);
    size_t note_len = strlen(note), line_len = strlen(line);
    char *state = rc ? NULL : malloc(note_len + line_len + 1);
    if (!rc && !state)
        rc = relais_status_set(RELAIS_E_NOMEM, "out of memory for the state");
    if (!rc) {
        memcpy(state, note, note_len);
        memcpy(state + note_len, line, line_len + 1);
        rc = s_write_file(w, log->file, state, note_len + line_len);
    }
    free(state);
    if (rc) {
        char q[300];
        const char *why = relais_status_detail();
        s_answer(a, 500, S_TEXT_PLAIN, "the witness could not keep its state; nothing was cosigned\n");
        s_log("error", "state-write-failed", "origin=%s size=%" PRIu64 " code=%s why=%s", log->origin, cp->size,
              relais_status_name(rc), s_q(q, sizeof q, why, strlen(why)));
        return;
    }
    uint64_t before = log->size;
    log->size = cp->size;
    memcpy(log->root, cp->root, RELAIS_HASH_SIZE);
    s_answer(a, 200, S_TEXT_PLAIN, "%s", line);
    s_log("info", "cosigned", "origin=%s size=%" PRIu64 " old=%" PRIu64, log->origin, cp->size, before);
}

static void s_judge(relais_witness_t *w, const char *body, size_t len, const relais_tlogw_add_t *add,
                    relais_witness_answer_t *a)
{
    char q[300];
    s_log_t *log = s_find_log(w, add->note);
    if (!log) {
        const char *nl = strchr(add->note, '\n');
        s_refuse(a, 404, s_q(q, sizeof q, add->note, nl ? (size_t)(nl - add->note) : 0), 0, add->old_size,
                 "this witness does not witness that log (its origin line)");
        return;
    }
    relais_checkpoint_t cp;
    int rc = relais_checkpoint_verify(add->note, log->hub.name, log->hub.sign_public, &cp);
    if (rc == RELAIS_E_BAD_SIGNATURE) {
        s_refuse(a, 403, log->origin, 0, add->old_size, "no signature by the log's key verifies");
        return;
    }
    if (rc) {
        s_refuse(a, 400, log->origin, 0, add->old_size, "the checkpoint is not a checkpoint note");
        return;
    }
    if (add->old_size > cp.size) {
        s_refuse(a, 400, log->origin, cp.size, add->old_size, "the old size is past the checkpoint's size");
        return;
    }
    if (add->old_size != log->size) {
        a->status = 409;
        a->content_type = "text/x.tlog.size";
        a->len = (size_t)snprintf(a->body, sizeof a->body, "%" PRIu64 "\n", log->size);
        s_log("info", "add-checkpoint-conflict", "origin=%s size=%" PRIu64 " old=%" PRIu64 " held=%" PRIu64,
              log->origin, cp.size, add->old_size, log->size);
        return;
    }
    if (add->old_size == 0) {
        if (add->proof_len != 0) {
            s_refuse(a, 422, log->origin, cp.size, 0, "a proof from size 0 must be empty");
            return;
        }
    } else if (cp.size == log->size) {
        if (memcmp(cp.root, log->root, RELAIS_HASH_SIZE) != 0) {
            s_keep_evidence(w, log, cp.size, body, len);
            s_refuse(a, 409, log->origin, cp.size, add->old_size,
                     "another root for the size this witness cosigned: the log's history was rewritten, or it shows "
                     "two histories");
            return;
        }
        if (add->proof_len != 0) {
            s_refuse(a, 422, log->origin, cp.size, add->old_size, "a proof between equal sizes must be empty");
            return;
        }
    } else if (relais_merkle_verify_consistency(log->size, cp.size, log->root, cp.root, add->proof,
                                                add->proof_len) != 0) {
        s_keep_evidence(w, log, cp.size, body, len);
        s_refuse(a, 422, log->origin, cp.size, add->old_size,
                 "the consistency proof does not lead from the tree this witness cosigned to this one");
        return;
    }
    s_cosign(w, log, add->note, &cp, a);
}

void relais_witness_add_checkpoint(relais_witness_t *w, const char *body, size_t len, relais_witness_answer_t *a)
{
    memset(a, 0, sizeof *a);
    relais_tlogw_add_t *add = malloc(sizeof *add);
    if (!add) {
        s_answer(a, 500, S_TEXT_PLAIN, "out of memory\n");
        return;
    }
    int rc = relais_tlogw_add_parse(body, len, add);
    if (rc) {
        const char *why = relais_status_detail();
        char q[300];
        s_answer(a, rc == RELAIS_E_TOO_LARGE ? 413 : 400, S_TEXT_PLAIN, "%s\n", why);
        s_log("warn", "add-checkpoint-refused", "status=%u why=%s", a->status, s_q(q, sizeof q, why, strlen(why)));
        free(add);
        return;
    }
    pthread_mutex_lock(&w->mu);
    s_judge(w, body, len, add, a);
    pthread_mutex_unlock(&w->mu);
    free(add);
}

/* ---- HTTP ------------------------------------------------------------------------------------- */

typedef struct {
    char *body;     /* what was posted so far */
    size_t len;     /* its bytes */
    int too_large;  /* more than any add-checkpoint body was posted */
} s_request_t;

static enum MHD_Result s_reply(struct MHD_Connection *conn, const relais_witness_answer_t *a, const char *allow)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(a->len, (void *)a->body, MHD_RESPMEM_MUST_COPY);
    if (!resp)
        return MHD_NO;
    if (a->content_type)
        MHD_add_response_header(resp, "Content-Type", a->content_type);
    if (allow)
        MHD_add_response_header(resp, "Allow", allow);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    enum MHD_Result rc = MHD_queue_response(conn, a->status, resp);
    MHD_destroy_response(resp);
    return rc;
}

static enum MHD_Result s_handle(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                const char *version, const char *upload, size_t *upload_size, void **req_cls)
{
    (void)version;
    relais_witness_t *w = cls;
    s_request_t *r = *req_cls;
    if (!r) {
        r = calloc(1, sizeof *r);
        if (!r)
            return MHD_NO;
        *req_cls = r;
        return MHD_YES;
    }
    if (*upload_size) {
        if (!r->too_large && r->len + *upload_size <= RELAIS_TLOGW_BODY_MAX) {
            char *grown = realloc(r->body, r->len + *upload_size);
            if (!grown)
                return MHD_NO;
            r->body = grown;
            memcpy(r->body + r->len, upload, *upload_size);
            r->len += *upload_size;
        } else {
            r->too_large = 1; /* read to the end and dropped, so that the answer reaches the client */
        }
        *upload_size = 0;
        return MHD_YES;
    }
    relais_witness_answer_t a;
    memset(&a, 0, sizeof a);
    if (strcmp(url, "/add-checkpoint") != 0) {
        s_answer(&a, 404, S_TEXT_PLAIN, "this witness answers POST /add-checkpoint only\n");
        return s_reply(conn, &a, NULL);
    }
    if (strcmp(method, "POST") != 0) {
        s_answer(&a, 405, S_TEXT_PLAIN, "add-checkpoint is a POST\n");
        return s_reply(conn, &a, "POST");
    }
    if (r->too_large) {
        s_answer(&a, 413, S_TEXT_PLAIN, "a body of more than %d bytes is no add-checkpoint body\n",
                 RELAIS_TLOGW_BODY_MAX);
        return s_reply(conn, &a, NULL);
    }
    relais_witness_add_checkpoint(w, r->body ? r->body : "", r->len, &a);
    return s_reply(conn, &a, NULL);
}

static void s_done(void *cls, struct MHD_Connection *conn, void **req_cls, enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    s_request_t *r = *req_cls;
    if (r) {
        free(r->body);
        free(r);
    }
    *req_cls = NULL;
}

__attribute__((format(printf, 2, 0))) static void s_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char text[512], q[600];
    int n = vsnprintf(text, sizeof text, fmt, ap);
    if (n < 0)
        return;
    size_t len = (size_t)n < sizeof text ? (size_t)n : sizeof text - 1;
    while (len && text[len - 1] == '\n')
        len--;
    s_log("warn", "http", "what=%s", s_q(q, sizeof q, text, len));
}

/* "ADDRESS:PORT": an IPv4 address, or localhost for 127.0.0.1. A witness serves the hubs it
 * witnesses, so it may listen beyond the loopback; TLS, when the network is not trusted, is a
 * proxy's (tlog-witness allows a bastion in front). */
static int s_listen(relais_witness_t *w)
{
    const char *colon = strrchr(w->listen, ':');
    char host[64];
    unsigned long port = 0;
    char *end = NULL;
    if (colon)
        port = strtoul(colon + 1, &end, 10);
    size_t host_len = colon ? (size_t)(colon - w->listen) : 0;
    if (!colon || !end || *end || colon[1] == '\0' || port > 65535 || host_len == 0 || host_len >= sizeof host)
        return relais_status_set(RELAIS_E_INVALID, "--listen: expected ADDRESS:PORT (127.0.0.1:8420; PORT 0: any free "
                                                   "one), not '%s'",
                                 w->listen);
    memcpy(host, w->listen, host_len);
    host[host_len] = '\0';
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (strcmp(host, "localhost") == 0)
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    else if (inet_pton(AF_INET, host, &a.sin_addr) != 1)
        return relais_status_set(RELAIS_E_INVALID, "--listen: '%s' is not an IPv4 address", host);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return relais_status_set(RELAIS_E_IO, "socket: %s", strerror(errno));
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    socklen_t len = sizeof a;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 64) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
        int e = errno;
        close(fd);
        return relais_status_set(RELAIS_E_IO, "cannot listen on %s: %s", w->listen, strerror(e));
    }
    char shown[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &a.sin_addr, shown, sizeof shown);
    snprintf(w->address, sizeof w->address, "http://%s:%u", shown, (unsigned)ntohs(a.sin_port));
    w->listen_fd = fd;
    return 0;
}

int relais_witness_serve(relais_witness_t *w)
{
    int rc = s_listen(w);
    if (rc)
        return rc;
    w->mhd = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
                                  MHD_USE_ERROR_LOG,
                              0, NULL, NULL, s_handle, w, MHD_OPTION_EXTERNAL_LOGGER, s_mhd_log, w,
                              MHD_OPTION_LISTEN_SOCKET, (MHD_socket)w->listen_fd, MHD_OPTION_NOTIFY_COMPLETED, s_done,
                              w, MHD_OPTION_CONNECTION_LIMIT, (unsigned)64, MHD_OPTION_CONNECTION_TIMEOUT,
                              (unsigned)30, MHD_OPTION_END);
    if (!w->mhd)
        return relais_status_set(RELAIS_E_IO, "the HTTP server did not start on %s", w->address);
    w->listen_fd = -1; /* the server's now: it closes it when it stops */
    s_log("info", "listening", "address=%s name=%s logs=%zu", w->address, w->self->name, w->log_count);
    for (size_t i = 0; i < w->log_count; i++)
        s_log("info", "log", "origin=%s hub=%s held=%" PRIu64, w->logs[i].origin, w->logs[i].hub.name,
              w->logs[i].size);
    return 0;
}

const char *relais_witness_address(const relais_witness_t *w)
{
    return w->address;
}

const char *relais_witness_name(const relais_witness_t *w)
{
    return w->self->name;
}

void relais_witness_close(relais_witness_t **wp)
{
    relais_witness_t *w = wp ? *wp : NULL;
    if (!w)
        return;
    if (w->mhd)
        MHD_stop_daemon(w->mhd);
    if (w->listen_fd >= 0)
        close(w->listen_fd);
    if (w->lock_fd >= 0)
        close(w->lock_fd);
    relais_identity_destroy(&w->id);
    free(w->logs);
    pthread_mutex_destroy(&w->mu);
    free(w);
    *wp = NULL;
}
