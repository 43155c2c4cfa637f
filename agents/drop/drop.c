/* drop.c -- a drop folder whose files go through the spool, then to done/ or refused/ (relais_drop.h).
 *
 * A file's life: DIR/NAME.json -> DIR/.relais-inflight/NAME.json (renamed before it is
 * spooled, with the in-flight name as the spool tag) -> done/ once acknowledged, or
 * refused/ with NAME.error.json. After a crash, an in-flight file whose tag is in the
 * spool is already on its way; one without a tag was never spooled and is spooled now. The
 * file is moved before the spool forgets the message, so no crash makes a second message
 * of one file.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "relais_drop.h"
#include "relais_page.h"

struct relais_drop {
    relais_client_t *client; /* with the spool */
    char dir[PATH_MAX];      /* the drop folder */
    char inflight[PATH_MAX]; /* DIR/.relais-inflight */
    char done[PATH_MAX];     /* where acknowledged files go */
    char refused[PATH_MAX];  /* where refused files go, with their .error.json */
    size_t max_file;         /* the largest file read */
    int refused_count;       /* files the broker refused */
    int invalid_count;       /* files that are not a valid payload, or could not be handled */
};

/* ---- The lines said of each file: an ack or an error ----------------------------------------- */

json_t *relais_submit_ack_json(const char *file, const relais_ack_t *ack)
{
    char id[2 * RELAIS_MSG_ID_BYTES + 1], leaf[65];
    relais_hex_encode(ack->msg_id, sizeof ack->msg_id, id);
    relais_hex_encode(ack->leaf_hash, sizeof ack->leaf_hash, leaf);
    json_t *o = json_object();
    json_object_set_new(o, "file", file ? json_string(file) : json_null());
    json_object_set_new(o, "msg_id", json_string(id));
    json_object_set_new(o, "seq", json_integer((json_int_t)ack->seq));
    json_object_set_new(o, "leaf_hash", json_string(leaf));
    json_object_set_new(o, "duplicate", json_boolean(ack->duplicate));
    json_object_set_new(o, "received_ms", json_integer(ack->received_ms));
    json_object_set_new(o, "case_id", *ack->case_id ? json_string(ack->case_id) : json_null());
    return o;
}

json_t *relais_submit_error_json(const char *file, const uint8_t *msg_id, int status, const char *message)
{
    json_t *o = json_object();
    json_object_set_new(o, "file", file ? json_string(file) : json_null());
    if (msg_id) {
        char id[2 * RELAIS_MSG_ID_BYTES + 1];
        relais_hex_encode(msg_id, RELAIS_MSG_ID_BYTES, id);
        json_object_set_new(o, "msg_id", json_string(id));
    }
    json_object_set_new(o, "error", json_string(relais_status_name(status)));
    json_object_set_new(o, "message", json_string(message && *message ? message : relais_strerror(status)));
    return o;
}

/* ---- Folder helpers ---------------------------------------------------------------------- */

/* DIR/NAME into out; RELAIS_E_INVALID when it does not fit (never a silently cut path). */
static int s_join(char *out, size_t cap, const char *dir, const char *name)
{
    int n = snprintf(out, cap, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= cap)
        return relais_status_set(RELAIS_E_INVALID, "path too long: %s/%s", dir, name);
    return RELAIS_OK;
}

static int s_has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Partners write NAME.json.tmp (or anything) and rename to NAME.json: only those are taken.
 * A NAME.json that is not a regular file (a link, a FIFO) is taken too, to be refused with the
 * reason rather than left there unexplained; what it is, is decided on the descriptor that
 * reads it (s_spool), not on this look. */
static int s_is_candidate(const char *dir, const char *name)
{
    if (name[0] == '.' || !s_has_suffix(name, ".json") || s_has_suffix(name, ".tmp"))
        return 0;
    char path[PATH_MAX];
    struct stat st;
    return s_join(path, sizeof path, dir, name) == RELAIS_OK && lstat(path, &st) == 0 && !S_ISDIR(st.st_mode);
}

static int s_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void s_free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* The candidate files of `dir`, sorted (so that a batch goes in name order). */
static int s_list(const char *dir, char ***out, size_t *count)
{
    DIR *d = opendir(dir);
    if (!d)
        return relais_status_set(RELAIS_E_IO, "%s: %s", dir, strerror(errno));
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = RELAIS_OK;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!s_is_candidate(dir, e->d_name))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            char **grown = realloc(names, cap * sizeof *names);
            if (!grown) {
                rc = RELAIS_E_NOMEM;
                break;
            }
            names = grown;
        }
        if (!(names[n] = strdup(e->d_name))) {
            rc = RELAIS_E_NOMEM;
            break;
        }
        n++;
    }
    closedir(d);
    if (rc) {
        s_free_names(names, n);
        return rc;
    }
    if (n)
        qsort(names, n, sizeof *names, s_cmp);
    *out = names;
    *count = n;
    return RELAIS_OK;
}

/* DIR/NAME, or DIR/STEM.N.EXT when NAME is taken: a partner may reuse a file name. */
static int s_unique(const char *dir, const char *name, char *out, size_t cap)
{
    int rc = s_join(out, cap, dir, name);
    if (rc)
        return rc;
    if (access(out, F_OK) != 0)
        return RELAIS_OK;
    const char *dot = strrchr(name, '.');
    int stem = dot ? (int)(dot - name) : (int)strlen(name);
    for (int i = 1; i < 10000; i++) {
        int n = snprintf(out, cap, "%s/%.*s.%d%s", dir, stem, name, i, dot ? dot : "");
        if (n > 0 && (size_t)n < cap && access(out, F_OK) != 0)
            return RELAIS_OK;
    }
    return relais_status_set(RELAIS_E_IO, "%s: no free name for %s", dir, name);
}

static int s_move(const char *from_dir, const char *name, const char *to_dir, char *final, size_t cap)
{
    char from[PATH_MAX];
    int rc = s_join(from, sizeof from, from_dir, name);
    if (!rc)
        rc = s_unique(to_dir, name, final, cap);
    if (rc)
        return rc;
    if (rename(from, final) != 0)
        return relais_status_set(RELAIS_E_IO, "%s -> %s: %s", from, final, strerror(errno));
    return RELAIS_OK;
}

static int s_mkdir(const char *path)
{
    if (mkdir(path, 0700) == 0 || errno == EEXIST)
        return RELAIS_OK;
    return relais_status_set(RELAIS_E_IO, "%s: %s", path, strerror(errno));
}

/* rename() cannot cross file systems; find out now rather than with a file half moved. */
static int s_same_fs(const char *a, const char *b)
{
    struct stat sa, sb;
    if (stat(a, &sa) != 0 || stat(b, &sb) != 0)
        return relais_status_set(RELAIS_E_IO, "%s or %s: %s", a, b, strerror(errno));
    if (sa.st_dev != sb.st_dev)
        return relais_status_set(RELAIS_E_INVALID, "%s is not on the file system of %s", b, a);
    return RELAIS_OK;
}

/* ---- Outcomes ----------------------------------------------------------------------------- */

/* NAME.error.json (NAME without .json) beside the refused file, written then renamed. It says
 * why in our words and never copies the file's content: a file refused for what it holds may
 * hold anything. */
static void s_write_error(relais_drop_t *w, const char *name, json_t *err)
{
    char stem[NAME_MAX + 1], target[PATH_MAX], tmp[PATH_MAX + 8];
    snprintf(stem, sizeof stem, "%.*s.error.json", (int)(strlen(name) - strlen(".json")), name);
    if (s_unique(w->refused, stem, target, sizeof target))
        return;
    snprintf(tmp, sizeof tmp, "%s.tmp", target);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (f) {
        relais_cli_print_json(f, json_incref(err));
        if (fclose(f) == 0 && rename(tmp, target) == 0)
            return;
    } else if (fd >= 0) {
        close(fd);
    }
    relais_cli_line(stderr, "relais submit: cannot write %s: %s", target, strerror(errno));
    unlink(tmp);
}

static void s_refuse(relais_drop_t *w, const char *name, const uint8_t *msg_id, int status, const char *message)
{
    json_t *err = relais_submit_error_json(name, msg_id, status, message);
    s_write_error(w, name, err);
    char final[PATH_MAX];
    if (s_move(w->inflight, name, w->refused, final, sizeof final))
        relais_cli_local("cannot move a refused file", RELAIS_E_IO);
    relais_cli_print_json(stdout, err);
    relais_cli_line(stderr, "relais: refused: %s: %s -- %s", relais_status_name(status),
                    message && *message ? message : relais_strerror(status), name);
}

void relais_drop_on_outcome(void *arg, const uint8_t msg_id[RELAIS_MSG_ID_BYTES], const char *tag,
                            const relais_ack_t *ack, const relais_error_t *err)
{
    relais_drop_t *w = arg;
    char path[PATH_MAX], final[PATH_MAX];
    if (!tag || s_join(path, sizeof path, w->inflight, tag) || access(path, F_OK) != 0)
        return; /* told again after a crash: the file was moved by the run that crashed */
    if (err) {
        w->refused_count++;
        s_refuse(w, tag, msg_id, err->status, err->message);
        return;
    }
    relais_cli_print_json(stdout, relais_submit_ack_json(tag, ack));
    if (s_move(w->inflight, tag, w->done, final, sizeof final)) {
        w->invalid_count++;
        relais_cli_local("cannot move an acknowledged file", RELAIS_E_IO);
    }
}

/* ---- Taking files ------------------------------------------------------------------------- */

/* Spools the in-flight file NAME under the tag NAME. A file that cannot be a message goes to
 * refused/ with the reason, before anything is spooled: not a regular file (a link, a FIFO),
 * over max_file bytes, not a valid payload, or a message over the hub's limit. The file is
 * read through the descriptor it was opened with, without following a link, so a file
 * swapped for a link after the listing is refused rather than read. */
static void s_spool(relais_drop_t *w, const char *name)
{
    char path[PATH_MAX];
    char *json = NULL;
    size_t len = 0;
    relais_status_clear();
    int rc = s_join(path, sizeof path, w->inflight, name);
    if (!rc)
        rc = relais_cli_read_file(path, w->max_file, RELAIS_CLI_READ_NOFOLLOW | RELAIS_CLI_READ_PRIVATE, &json, &len);
    if (!rc)
        rc = relais_client_enqueue_json(w->client, json, len, name, NULL);
    free(json);
    if (rc == RELAIS_E_MALFORMED || rc == RELAIS_E_VERSION || rc == RELAIS_E_INVALID || rc == RELAIS_E_TOO_LARGE) {
        w->invalid_count++;
        s_refuse(w, name, NULL, rc, relais_status_detail());
    } else if (rc) {
        /* The spool failed: leave the file in flight; the next recovery spools it. */
        w->invalid_count++;
        relais_cli_local(name, rc);
    }
}

/* In-flight files the spool does not know: a crash came between the rename and the spool. */
static int s_recover(relais_drop_t *w)
{
    char **names = NULL;
    size_t n = 0;
    int rc = s_list(w->inflight, &names, &n);
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++)
        if (!relais_client_spool_has_tag(w->client, names[i]))
            s_spool(w, names[i]);
    s_free_names(names, n);
    return RELAIS_OK;
}

int relais_drop_take(relais_drop_t *w)
{
    char **names = NULL;
    size_t n = 0;
    int rc = s_list(w->dir, &names, &n);
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++) {
        char final[PATH_MAX];
        if (s_move(w->dir, names[i], w->inflight, final, sizeof final)) {
            relais_cli_local("cannot take a file", RELAIS_E_IO);
            continue;
        }
        const char *base = strrchr(final, '/');
        s_spool(w, base ? base + 1 : final);
    }
    s_free_names(names, n);
    return RELAIS_OK;
}

static int s_setup(relais_drop_t *w, const relais_drop_options_t *o)
{
    if (snprintf(w->dir, sizeof w->dir, "%s", o->dir) >= (int)sizeof w->dir ||
        snprintf(w->inflight, sizeof w->inflight, "%s/.relais-inflight", o->dir) >= (int)sizeof w->inflight ||
        (o->done_dir ? snprintf(w->done, sizeof w->done, "%s", o->done_dir)
                     : snprintf(w->done, sizeof w->done, "%s/done", o->dir)) >= (int)sizeof w->done ||
        (o->refused_dir ? snprintf(w->refused, sizeof w->refused, "%s", o->refused_dir)
                        : snprintf(w->refused, sizeof w->refused, "%s/refused", o->dir)) >= (int)sizeof w->refused)
        return relais_status_set(RELAIS_E_INVALID, "the drop folder's path is too long: %s", o->dir);
    struct stat st;
    if (stat(w->dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return relais_status_set(RELAIS_E_IO, "%s: not a folder", w->dir);
    int rc = s_mkdir(w->inflight);
    if (!rc)
        rc = s_mkdir(w->done);
    if (!rc)
        rc = s_mkdir(w->refused);
    if (!rc)
        rc = s_same_fs(w->dir, w->done);
    if (!rc)
        rc = s_same_fs(w->dir, w->refused);
    return rc;
}

int relais_drop_open(relais_client_t *client, const relais_drop_options_t *o, relais_drop_t **out)
{
    *out = NULL;
    if (!client || !o || !o->dir)
        return relais_status_set(RELAIS_E_INVALID, "a drop folder needs a folder and a client with a spool");
    relais_drop_t *w = calloc(1, sizeof *w);
    if (!w)
        return relais_status_set(RELAIS_E_NOMEM, "out of memory for the drop folder");
    w->client = client;
    w->max_file = o->max_file;
    int rc = s_setup(w, o);
    if (!rc)
        rc = s_recover(w);
    if (rc) {
        free(w);
        return rc;
    }
    *out = w;
    return RELAIS_OK;
}

int relais_drop_refused_count(const relais_drop_t *w)
{
    return w->refused_count;
}

int relais_drop_invalid_count(const relais_drop_t *w)
{
    return w->invalid_count;
}

void relais_drop_close(relais_drop_t **w)
{
    if (!w || !*w)
        return;
    free(*w);
    *w = NULL;
}

int relais_drop_report_pending(relais_drop_t *w)
{
    char **names = NULL;
    size_t n = 0;
    if (s_list(w->inflight, &names, &n))
        return 0;
    char why[256];
    relais_client_diagnose(w->client, why, sizeof why);
    for (size_t i = 0; i < n; i++) {
        relais_cli_print_json(stdout, relais_submit_error_json(names[i], NULL, RELAIS_E_UNAVAILABLE, why));
        relais_cli_line(stderr, "relais: UNAVAILABLE: %s; kept in the spool -- %s", why, names[i]);
    }
    s_free_names(names, n);
    return (int)n;
}

