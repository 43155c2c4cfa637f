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
 * another auditor's, or require witnesses, to know that it is the history everyone sees.
 *
 * With --require-cosigners N and the witnesses' certificates (--witness-cert), the checkpoint
 * must also carry the valid cosignatures (C2SP tlog-cosignature) of N of them. A witness cosigns
 * only a tree that extends the one it cosigned before, so a hub that shows this auditor one
 * history and someone else another (a split view) cannot get both cosigned: the one without its
 * cosignatures is an alarm here, the first run included. The hub asks its witnesses right after it
 * signs; a checkpoint without enough of them is fetched again for a few seconds before the alarm.
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
#include "relais_client.h"
#include "relais_cosig.h"

#define S_LATEST "latest.note"
#define S_MAX_WITNESSES 32
#define S_FUTURE_S 600 /* a cosignature dated further ahead than this is not counted */

/* The wall clock: cosignatures and the hub's times are POSIX times (relais_cli_now_ms is monotonic). */
static int64_t s_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

typedef struct {
    const char *dir;
    char kept_note[RELAIS_NOTE_MAX];
    relais_checkpoint_t kept;
    int have_kept;
    char new_note[RELAIS_NOTE_MAX];
    relais_checkpoint_t now;
    relais_audit_cosigned_t cosigned;       /* what the hub says of its witnesses */
    relais_peer_t witnesses[S_MAX_WITNESSES]; /* --witness-cert */
    size_t witness_count;
    unsigned required;                      /* --require-cosigners; 0: none */
    unsigned wait_s;                        /* --cosign-wait */
    unsigned counted;                       /* valid cosignatures of trusted witnesses on new_note */
    char cosigners[512];                    /* their names */
} s_watch_t;

static int s_path(const s_watch_t *w, const char *name, char *out)
{
    int n = snprintf(out, PATH_MAX, "%s/%s", w->dir, name);
    return n > 0 && n < PATH_MAX ? 0 : relais_status_set(RELAIS_E_INVALID, "the folder's path is too long: %s", w->dir);
}

/* Writes `note` to DIR/NAME, replaced whole. */
static int s_write_note(const s_watch_t *w, const char *name, const char *note)
{
    char path[PATH_MAX];
    int rc = s_path(w, name, path);
    return rc ? rc : relais_file_replace(path, note, strlen(note));
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

/* Counts the valid cosignatures of the trusted witnesses on the new note. A line of a trusted
 * witness's name and key id that does not verify is an alarm of its own (`why`): the note was
 * altered, or the witness's key is not the one trusted. */
static void s_count(s_watch_t *w, char *why, size_t cap)
{
    w->counted = 0;
    w->cosigners[0] = '\0';
    int64_t now_s = s_wall_ms() / 1000;
    for (size_t i = 0; i < w->witness_count; i++) {
        const relais_peer_t *p = &w->witnesses[i];
        uint64_t t = 0;
        int rc = relais_cosig_verify(w->new_note, p->name, p->sign_public, &t);
        if (rc == RELAIS_E_BAD_SIGNATURE || rc == RELAIS_E_MALFORMED) {
            snprintf(why, cap,
                     "a cosignature line of %s on the hub's checkpoint of %" PRIu64
                     " records does not verify with its certificate's key: the note was altered",
                     p->name, w->now.size);
            return;
        }
        if (rc != 0)
            continue;
        if (t > (uint64_t)now_s + S_FUTURE_S) {
            relais_cli_line(stderr, "relais audit watch: note: %s's cosignature is dated %" PRIu64
                                    ", ahead of this machine's clock: not counted",
                            p->name, t);
            continue;
        }
        size_t len = strlen(w->cosigners);
        snprintf(w->cosigners + len, sizeof w->cosigners - len, "%s%s", len ? ", " : "", p->name);
        w->counted++;
    }
}

/* Why the cosignatures do not do, into `why` ("" when they do). */
static void s_judge_cosigners(const s_watch_t *w, char *why, size_t cap)
{
    if (!w->required || w->counted >= w->required || why[0])
        return;
    char age[96] = "";
    if (w->cosigned.cosigned_ms)
        snprintf(age, sizeof age, "; the hub's newest cosignature, of %" PRIu64 " records, came %lld s ago",
                 w->cosigned.cosigned_size, (long long)((s_wall_ms() - w->cosigned.cosigned_ms) / 1000));
    else if (w->cosigned.witnesses)
        snprintf(age, sizeof age, "; the hub has had no cosignature from its %u witness(es)", w->cosigned.witnesses);
    else
        snprintf(age, sizeof age, "; the hub says it has no witnesses");
    snprintf(why, cap,
             "missing cosignatures: the hub's checkpoint of %" PRIu64 " records carries %u valid cosignature(s) of "
             "the trusted witnesses (%s), %u required: the witnesses did not cosign this tree, because they refused "
             "it (a history that does not extend the one they cosigned: the hub rewrote it, or shows different "
             "histories to different people, a split view) or are not reached%s",
             w->now.size, w->counted, w->counted ? w->cosigners : "none", w->required, age);
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
    char why[1024] = "", cosig_why[1024] = "";
    for (unsigned waited = 0;; waited++) {
        cosig_why[0] = '\0';
        rc = relais_audit_remote_checkpoint(&r, 0, &w->now, w->new_note, sizeof w->new_note, &w->cosigned, &err);
        if (rc || !w->witness_count)
            break;
        s_count(w, cosig_why, sizeof cosig_why);
        if (cosig_why[0] || w->counted >= w->required || waited >= w->wait_s)
            break;
        sleep(1);
    }
    /* A history that does not extend the kept one is said first: it is the graver finding. */
    if (!rc && w->have_kept)
        rc = s_compare(w, &r, why, sizeof why, &err);
    relais_client_destroy(&r.client);
    if (!rc && !why[0] && cosig_why[0])
        snprintf(why, sizeof why, "%s", cosig_why);
    if (!rc && !why[0])
        s_judge_cosigners(w, why, sizeof why);
    if (rc)
        return relais_audit_remote_status("audit watch", rc, &err);
    if (why[0])
        return s_alarm(w, why);
    rc = s_keep(w);
    if (rc)
        return relais_cli_local("audit watch", rc);
    if (w->required)
        relais_cli_line(stdout, "cosigned by %u of the trusted witnesses (%s), %u required", w->counted, w->cosigners,
                        w->required);
    if (!w->have_kept && w->required)
        relais_cli_line(stdout, "first checkpoint kept: %" PRIu64 " records, %s, as its witnesses saw it", w->now.size,
                        w->now.origin);
    else if (!w->have_kept)
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
    enum { OPT_CHECKPOINTS = RELAIS_OPT_FIRST_FREE, OPT_REQUIRE, OPT_WITNESS_CERT, OPT_WAIT };
    static const struct option opts[] = {
        {"checkpoints", required_argument, NULL, OPT_CHECKPOINTS},
        {"require-cosigners", required_argument, NULL, OPT_REQUIRE},
        {"witness-cert", required_argument, NULL, OPT_WITNESS_CERT},
        {"cosign-wait", required_argument, NULL, OPT_WAIT},
        RELAIS_CLI_CONN_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    relais_cli_conn_t conn = {0};
    s_watch_t *w = calloc(1, sizeof *w);
    if (!w)
        return relais_cli_local("audit watch", relais_status_set(RELAIS_E_NOMEM, "the checkpoints"));
    int c, status = -1;
    uint64_t v;
    w->wait_s = 10;
    while (status < 0 && (c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == OPT_CHECKPOINTS) {
            w->dir = optarg;
        } else if (c == OPT_REQUIRE) {
            if (relais_cli_parse_u64(optarg, &v) || v == 0 || v > S_MAX_WITNESSES)
                status = relais_cli_usage("audit watch", "--require-cosigners: 1 to %d", S_MAX_WITNESSES);
            w->required = (unsigned)v;
        } else if (c == OPT_WAIT) {
            if (relais_cli_parse_u64(optarg, &v) || v > 600)
                status = relais_cli_usage("audit watch", "--cosign-wait: 0 to 600 seconds");
            w->wait_s = (unsigned)v;
        } else if (c == OPT_WITNESS_CERT) {
            relais_peer_t *p = &w->witnesses[w->witness_count];
            int rc = w->witness_count < S_MAX_WITNESSES ? relais_peer_load(optarg, p)
                                                         : relais_status_set(RELAIS_E_INVALID, "more than %d witnesses",
                                                                             S_MAX_WITNESSES);
            if (!rc && p->role != RELAIS_ROLE_WITNESS)
                rc = relais_status_set(RELAIS_E_INVALID, "%s is the certificate of %s, a %s, not a witness's", optarg,
                                       p->name, relais_role_name(p->role));
            for (size_t i = 0; !rc && i < w->witness_count; i++)
                if (strcmp(w->witnesses[i].name, p->name) == 0)
                    rc = relais_status_set(RELAIS_E_INVALID, "the witness %s is given twice", p->name);
            if (rc)
                status = relais_cli_usage("audit watch", "--witness-cert: %s", relais_status_detail());
            w->witness_count++;
        } else if (c == RELAIS_OPT_HELP) {
            relais_audit_usage(stdout);
            status = RELAIS_EXIT_OK;
        } else if (!relais_cli_conn_opt(&conn, c, optarg)) {
            status = relais_cli_usage("audit watch", "unknown option");
        }
    }
    /* Witnesses given without a number: all of them. */
    if (status < 0 && w->witness_count && !w->required)
        w->required = (unsigned)w->witness_count;
    if (status >= 0) {
        /* said already */
    } else if (optind != argc || !w->dir || !*w->dir) {
        status = relais_cli_usage("audit watch", "needs --checkpoints DIR (the folder where the checkpoints seen are "
                                                 "kept) and the connection's flags, nothing else");
    } else if (w->required > w->witness_count) {
        status = relais_cli_usage("audit watch", "--require-cosigners %u needs as many --witness-cert (%zu given): "
                                                 "the certificates of the witnesses trusted",
                                  w->required, w->witness_count);
    } else {
        status = s_watch(&conn, w);
    }
    free(w);
    return status;
}
