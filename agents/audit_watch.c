/* audit_watch.c -- `relais audit watch --checkpoints DIR`: an auditor's timer holds the hub to the
 * history it has already shown.
 *
 * Each run fetches the hub's latest signed checkpoint and compares it with the one kept in DIR
 * (DIR/latest.note) by a consistency proof (RFC 9162 section 2.1.4) that the hub must give: the
 * new tree must extend the kept one. The kept root is the auditor's own, never asked of the hub
 * again, so a hub that rewrote its history cannot answer with a proof that checks. A checkpoint
 * that extends the kept one is kept in its turn (DIR/SIZE.note, then DIR/latest.note by a rename,
 * so that a crash leaves the previous one whole). One that does not is an alarm, exit 4: its note
 * is kept apart as evidence (DIR/alarm-SIZE-TIME.note) and latest.note is left as it was, so that
 * the next run raises the alarm again.
 *
 * The first run has nothing to compare with and keeps what it gets: compare that first root with
 * another auditor's, or with a witness's, to know that it is the history everyone sees.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit_internal.h"
#include "cli.h"
#include "relais_client.h"

#define S_LATEST "latest.note"

typedef struct {
    const char *dir;
    char kept_note[RELAIS_NOTE_MAX];
    relais_checkpoint_t kept;
    int have_kept;
    char new_note[RELAIS_NOTE_MAX];
    relais_checkpoint_t now;
} s_watch_t;

static int s_path(const s_watch_t *w, const char *name, char *out)
{
    int n = snprintf(out, PATH_MAX, "%s/%s", w->dir, name);
    return n > 0 && n < PATH_MAX ? 0 : relais_status_set(RELAIS_E_INVALID, "the folder's path is too long: %s", w->dir);
}

/* Writes `note` to DIR/NAME through a temporary file, synced, then renamed over it. */
static int s_write_note(const s_watch_t *w, const char *name, const char *note)
{
    char path[PATH_MAX], tmp[PATH_MAX];
    int rc = s_path(w, name, path);
    if (!rc)
        rc = s_path(w, ".watch.tmp", tmp);
    if (rc)
        return rc;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return relais_status_set(RELAIS_E_IO, "cannot write %s: %s", tmp, strerror(errno));
    size_t len = strlen(note), done = 0;
    while (done < len) {
        ssize_t n = write(fd, note + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    int ok = done == len && fsync(fd) == 0;
    if (close(fd) != 0)
        ok = 0;
    if (!ok || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return relais_status_set(RELAIS_E_IO, "cannot write %s: %s", path, strerror(e));
    }
    return 0;
}

/* DIR, made (0700) when it does not exist; the kept note read and checked with the hub's key. */
static int s_load_kept(s_watch_t *w, const relais_peer_t *broker)
{
    if (mkdir(w->dir, 0700) != 0 && errno != EEXIST)
        return relais_status_set(RELAIS_E_IO, "cannot make the folder %s: %s", w->dir, strerror(errno));
    char path[PATH_MAX];
    int rc = s_path(w, S_LATEST, path);
    if (rc)
        return rc;
    if (access(path, F_OK) != 0)
        return 0;
    rc = relais_audit_read_note(path, w->kept_note);
    if (rc)
        return rc;
    rc = relais_checkpoint_verify(w->kept_note, broker->name, broker->sign_public, &w->kept);
    if (rc)
        return relais_status_set(rc, "%s is not a checkpoint signed by %s's key (the --server-cert's): "
                                     "was it kept from another hub?",
                                 path, broker->name);
    w->have_kept = 1;
    return 0;
}

/* Why the hub's latest checkpoint does not extend the kept one, into `why`; "" when it does.
 * Returns 0, or the status of a request the hub refused or did not answer. */
static int s_compare(s_watch_t *w, relais_audit_remote_t *r, char *why, size_t cap, relais_error_t *err)
{
    why[0] = '\0';
    const relais_checkpoint_t *old = &w->kept, *now = &w->now;
    if (strcmp(old->origin, now->origin) != 0) {
        snprintf(why, cap, "the hub now signs the log '%s', not the log '%s' kept: another history", now->origin,
                 old->origin);
        return 0;
    }
    if (now->size < old->size) {
        snprintf(why, cap,
                 "the hub's latest tree has %" PRIu64 " records, fewer than the %" PRIu64
                 " of the checkpoint kept: its history was cut or rewritten",
                 now->size, old->size);
        return 0;
    }
    if (now->size == old->size) {
        if (memcmp(now->root, old->root, RELAIS_HASH_SIZE) != 0)
            snprintf(why, cap,
                     "the hub signed two different roots for the same %" PRIu64
                     " records: its history was rewritten (or it shows different histories to different people)",
                     now->size);
        return 0;
    }
    relais_reply_t reply;
    memset(&reply, 0, sizeof reply);
    int rc = relais_client_audit_consistency(r->client, old->size, now->size, &reply, err);
    if (rc)
        return rc;
    if (reply.old_size != old->size || reply.tree_size != now->size || reply.path_len > RELAIS_MERKLE_MAX_PATH)
        rc = relais_status_set(RELAIS_E_PROOF, "the hub answered with a consistency proof of other sizes");
    else if (relais_merkle_verify_consistency(old->size, now->size, old->root, now->root,
                                              (const relais_hash_t *)reply.path, reply.path_len) != 0)
        snprintf(why, cap,
                 "the hub's tree of %" PRIu64 " records does not extend the tree of %" PRIu64
                 " records kept: its proof does not lead from the kept root to the new one; its history was "
                 "rewritten (or it shows different histories to different people)",
                 now->size, old->size);
    relais_reply_clear(&reply);
    return rc;
}

static int s_alarm(const s_watch_t *w, const char *why)
{
    char name[96], path[PATH_MAX];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(name, sizeof name, "alarm-%" PRIu64 "-%04d%02d%02dT%02d%02d%02dZ.note", w->now.size, tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    relais_cli_line(stderr, "relais audit watch: ALARM: %s", why);
    if (s_path(w, name, path) == 0 && s_write_note(w, name, w->new_note) == 0)
        relais_cli_line(stderr, "relais audit watch: the hub's note is kept as evidence in %s, beside %s/%s, the "
                                "checkpoint it contradicts; %s was not replaced",
                        path, w->dir, S_LATEST, S_LATEST);
    else
        relais_cli_line(stderr, "relais audit watch: the evidence could not be kept: %s", relais_status_detail());
    return RELAIS_EXIT_ALARM;
}

static int s_keep(const s_watch_t *w)
{
    char name[64];
    snprintf(name, sizeof name, "%" PRIu64 ".note", w->now.size);
    int rc = s_write_note(w, name, w->new_note);
    if (!rc)
        rc = s_write_note(w, S_LATEST, w->new_note);
    return rc;
}

static int s_watch(relais_cli_conn_t *conn, s_watch_t *w)
{
    relais_audit_remote_t r;
    relais_error_t err;
    memset(&err, 0, sizeof err);
    int status = relais_audit_remote_connect(conn, &r);
    if (status)
        return status;
    int rc = s_load_kept(w, &r.broker);
    if (rc) {
        relais_client_destroy(&r.client);
        return relais_cli_local("audit watch", rc);
    }
    char why[512] = "";
    rc = relais_audit_remote_checkpoint(&r, 0, &w->now, w->new_note, sizeof w->new_note, NULL, &err);
    if (!rc && w->have_kept)
        rc = s_compare(w, &r, why, sizeof why, &err);
    relais_client_destroy(&r.client);
    if (rc)
        return relais_audit_remote_status("audit watch", rc, &err);
    if (why[0])
        return s_alarm(w, why);
    rc = s_keep(w);
    if (rc)
        return relais_cli_local("audit watch", rc);
    if (!w->have_kept)
        relais_cli_line(stdout,
                        "first checkpoint kept: %" PRIu64 " records, %s (compare its root with another auditor's: "
                        "this run had nothing to hold the hub to)",
                        w->now.size, w->now.origin);
    else if (w->now.size == w->kept.size)
        relais_cli_line(stdout, "ok: the log has not grown: %" PRIu64 " records, the root kept", w->now.size);
    else
        relais_cli_line(stdout,
                        "ok: the tree of %" PRIu64 " records extends the tree of %" PRIu64
                        " kept (%" PRIu64 " more); kept in %s/%" PRIu64 ".note",
                        w->now.size, w->kept.size, w->now.size - w->kept.size, w->dir, w->now.size);
    return RELAIS_EXIT_OK;
}

int relais_audit_cmd_watch(int argc, char **argv)
{
    enum { OPT_CHECKPOINTS = RELAIS_OPT_FIRST_FREE };
    static const struct option opts[] = {
        {"checkpoints", required_argument, NULL, OPT_CHECKPOINTS},
        RELAIS_CLI_CONN_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    relais_cli_conn_t conn = {0};
    s_watch_t *w = calloc(1, sizeof *w);
    if (!w)
        return relais_cli_local("audit watch", relais_status_set(RELAIS_E_NOMEM, "the checkpoints"));
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == OPT_CHECKPOINTS)
            w->dir = optarg;
        else if (!relais_cli_conn_opt(&conn, c, optarg))
            break;
    }
    int status;
    if (c == RELAIS_OPT_HELP) {
        relais_audit_usage(stdout);
        status = RELAIS_EXIT_OK;
    } else if (c != -1 || optind != argc || !w->dir || !*w->dir) {
        status = relais_cli_usage("audit watch", "needs --checkpoints DIR (the folder where the checkpoints seen are "
                                                 "kept) and the connection's flags, nothing else");
    } else {
        status = s_watch(&conn, w);
    }
    free(w);
    return status;
}
