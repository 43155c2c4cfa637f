/* audit_verify.c -- `relais audit verify` over a copy of the store: every record, every checkpoint. */
#include "audit_internal.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "relais_cases.h"
#include "relais_store.h"

/* ---- One record ----------------------------------------------------------------------- */

static int s_verdict(relais_audit_verdict_t *out, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int s_verdict(relais_audit_verdict_t *out, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->problem, sizeof out->problem, fmt, ap);
    va_end(ap);
    out->status = status;
    return status;
}

/* The envelope and message inside a decoded record: sender known, signature good. With
 * `keep`, a message that passes stays in out->msg. */
static int s_check_message(const relais_audit_keys_t *keys, const relais_log_record_t *rec, int keep,
                           relais_audit_verdict_t *out)
{
    relais_signed_t sig;
    relais_message_t *msg = NULL;
    int rc = relais_signed_decode(rec->signed_message, rec->signed_len, &sig);
    if (rc)
        return s_verdict(out, rc, "the signed envelope does not decode: %s", relais_status_detail());
    rc = relais_message_decode_stored(sig.body, sig.body_len, &msg);
    if (rc)
        return s_verdict(out, rc, "the message does not decode: %s", relais_status_detail());
    snprintf(out->sender, sizeof out->sender, "%s", relais_message_sender(msg));
    memcpy(out->msg_id, relais_message_id(msg), RELAIS_MSG_ID_BYTES);
    if (keep)
        out->msg = msg;
    else
        relais_message_destroy(&msg);
    const relais_peer_t *peer = relais_audit_keys_find(keys, out->sender);
    if (!peer)
        rc = s_verdict(out, RELAIS_E_UNKNOWN_SENDER,
                       "sender '%s' is neither in the registry nor in its revoked/ folder", out->sender);
    else if (relais_signature_verify(peer->sign_public, sig.body, sig.body_len, sig.signature) != 0)
        rc = s_verdict(out, RELAIS_E_BAD_SIGNATURE, "the signature by '%s' does not verify", out->sender);
    if (rc)
        relais_message_destroy(&out->msg);
    return rc;
}

/* A sealed record's message, opened with its data key: whoever holds the KEK checks what the
 * author signed; without it the leaf (over the ciphertext) is all there is to check. */
static int s_check_sealed(const relais_audit_keys_t *keys, relais_log_record_t *rec, int keep,
                          relais_audit_verdict_t *out)
{
    if (!keys->ring) {
        out->sealed = 1;
        return 0;
    }
    /* Most records fit on the stack: no allocation per record on the workers. */
    uint8_t small[8192];
    size_t plain_len = relais_log_record_opened_len(rec);
    uint8_t *plain = plain_len <= sizeof small ? small : malloc(plain_len);
    if (!plain)
        return s_verdict(out, RELAIS_E_NOMEM, "out of memory opening a record of %zu bytes", plain_len);
    int rc = relais_keyring_open_record_to(keys->ring, keys->store, rec, plain);
    if (rc == RELAIS_E_NOT_FOUND) {
        /* Its case was archived or erased: only the leaf is left to check. */
        out->sealed = out->gone = 1;
        out->key_id = rec->key_id;
        rc = 0;
    } else if (rc == 0) {
        rec->signed_message = plain;
        rec->signed_len = plain_len;
        rc = s_check_message(keys, rec, keep, out);
    } else {
        s_verdict(out, rc, "the sealed record does not open with data key %" PRIu64 ": %s", rec->key_id,
                  relais_status_detail());
    }
    OPENSSL_cleanse(plain, plain_len);
    if (plain != small)
        free(plain);
    return rc;
}

/* `given_leaf`: the record was opened by the hub, which sent its stored leaf's hash. */
static int s_check_record(const relais_audit_keys_t *keys, uint64_t seq, const uint8_t *record, size_t len,
                          const uint8_t *stored_leaf, const uint8_t *given_leaf, int keep,
                          relais_audit_verdict_t *out)
{
    relais_log_record_t rec;
    memset(out, 0, sizeof *out);
    if (given_leaf)
        memcpy(out->leaf, given_leaf, RELAIS_HASH_SIZE);
    else
        relais_merkle_leaf_hash(record, len, out->leaf);
    if (relais_log_record_decode(record, len, &rec) != 0)
        return s_verdict(out, RELAIS_E_MALFORMED, "the record is not a canonical LogRecord");
    out->copy_of = rec.copy_of;
    if (rec.seq != seq)
        return s_verdict(out, RELAIS_E_CORRUPT, "the record says it is number %" PRIu64, rec.seq);
    if (stored_leaf && memcmp(out->leaf, stored_leaf, RELAIS_HASH_SIZE) != 0)
        return s_verdict(out, RELAIS_E_CORRUPT, "the record's bytes do not hash to its stored leaf hash");
    out->received_ms = rec.received_ms;
    if (rec.key_id)
        return s_check_sealed(keys, &rec, keep, out);
    return s_check_message(keys, &rec, keep, out);
}

int relais_audit_check_record(const relais_audit_keys_t *keys, uint64_t seq, const uint8_t *record, size_t len,
                              const uint8_t *stored_leaf, relais_audit_verdict_t *out)
{
    return s_check_record(keys, seq, record, len, stored_leaf, NULL, 0, out);
}

int relais_audit_check_record_keep(const relais_audit_keys_t *keys, uint64_t seq, const uint8_t *record, size_t len,
                                   const uint8_t *stored_leaf, relais_audit_verdict_t *out)
{
    return s_check_record(keys, seq, record, len, stored_leaf, NULL, 1, out);
}

int relais_audit_check_opened(const relais_audit_keys_t *keys, uint64_t seq, const uint8_t *record, size_t len,
                              const relais_hash_t leaf, relais_audit_verdict_t *out)
{
    return s_check_record(keys, seq, record, len, NULL, leaf, 1, out);
}

/* ---- The streaming Merkle root ---------------------------------------------------------- */

void relais_audit_tree_init(relais_audit_tree_t *tree)
{
    memset(tree, 0, sizeof *tree);
}

void relais_audit_tree_push(relais_audit_tree_t *tree, const relais_hash_t leaf)
{
    memcpy(tree->stack[tree->depth++], leaf, RELAIS_HASH_SIZE);
    /* Each trailing 1 bit of the old size is a perfect subtree of the new leaf's height
     * that the leaf now completes into one of twice the height. */
    for (uint64_t n = tree->size; n & 1; n >>= 1) {
        tree->depth--;
        relais_merkle_node_hash(tree->stack[tree->depth - 1], tree->stack[tree->depth],
                                tree->stack[tree->depth - 1]);
    }
    tree->size++;
}

void relais_audit_tree_root(const relais_audit_tree_t *tree, relais_hash_t out)
{
    if (tree->depth == 0) {
        relais_merkle_empty_root(out);
        return;
    }
    /* RFC 9162 splits at the largest power of two, so the root folds the perfect
     * subtrees from the right. */
    memcpy(out, tree->stack[tree->depth - 1], RELAIS_HASH_SIZE);
    for (unsigned i = tree->depth - 1; i-- > 0;)
        relais_merkle_node_hash(tree->stack[i], out, out);
}

/* ---- Progress on a terminal ----------------------------------------------------------- */

static double s_seconds(const struct timespec *from, const struct timespec *to)
{
    return (double)(to->tv_sec - from->tv_sec) + (double)(to->tv_nsec - from->tv_nsec) / 1e9;
}

/* 12345 -> "12,345". */
static void s_grouped(uint64_t v, char out[32])
{
    char digits[24];
    int n = snprintf(digits, sizeof digits, "%" PRIu64, v), o = 0;
    for (int i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = digits[i];
    }
    out[o] = '\0';
}

static void s_progress_draw(relais_audit_progress_t *p, const struct timespec *now)
{
    enum { WIDTH = 20 };
    char bar[WIDTH + 1], done[32], total[32], rate[32];
    uint64_t filled = p->total ? p->done * WIDTH / p->total : WIDTH;
    uint64_t pct = p->total ? p->done * 100 / p->total : 100;
    double elapsed = s_seconds(&p->start, now);
    for (unsigned i = 0; i < WIDTH; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[WIDTH] = '\0';
    s_grouped(p->done, done);
    s_grouped(p->total, total);
    s_grouped(elapsed > 0 ? (uint64_t)((double)p->done / elapsed) : 0, rate);
    fprintf(stderr, "\rverifying [%s] %3" PRIu64 "%% %s/%s records %s/s\033[K", bar, pct, done, total, rate);
    fflush(stderr);
    p->shown = *now;
}

void relais_audit_progress_init(relais_audit_progress_t *p, uint64_t total, int quiet)
{
    memset(p, 0, sizeof *p);
    p->enabled = !quiet && isatty(STDERR_FILENO);
    p->total = total;
    clock_gettime(CLOCK_MONOTONIC, &p->start);
}

void relais_audit_progress_step(relais_audit_progress_t *p)
{
    struct timespec now;
    p->done++;
    if (!p->enabled)
        return;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (s_seconds(&p->shown, &now) >= 0.1)
        s_progress_draw(p, &now);
}

void relais_audit_progress_end(relais_audit_progress_t *p)
{
    struct timespec now;
    if (!p->enabled)
        return;
    clock_gettime(CLOCK_MONOTONIC, &now);
    s_progress_draw(p, &now);
    fputc('\n', stderr);
}

/* ---- How a verification went ------------------------------------------------------------ */

int relais_audit_fail(relais_audit_outcome_t *o, int status, const char *where, const char *fmt, ...)
{
    va_list ap;
    if (o->status)
        return RELAIS_AUDIT_STOP;
    o->status = status;
    snprintf(o->where, sizeof o->where, "%s", where);
    va_start(ap, fmt);
    vsnprintf(o->problem, sizeof o->problem, fmt, ap);
    va_end(ap);
    return RELAIS_AUDIT_STOP;
}

void relais_audit_report(const relais_audit_outcome_t *o, int quiet)
{
    char hex[2 * RELAIS_HASH_SIZE + 1];
    relais_hash_t root;
    if (o->status)
        relais_cli_line(stderr, "relais audit verify: %s: %s: %s", o->where, relais_status_name(o->status), o->problem);
    if (quiet)
        return;
    relais_audit_tree_root(&o->tree, root);
    relais_hex_encode(root, RELAIS_HASH_SIZE, hex);
    printf("records: %" PRIu64 "\n", o->tree.size);
    if (o->sealed)
        printf("level: integrity only (no data key): the tree, every leaf and the checkpoints; %" PRIu64
               " sealed records' signatures and the cases not checked (--data-key FILE checks them)\n",
               o->sealed);
    else if (o->keyed == RELAIS_AUDIT_KEYED_OFFLINE)
        printf("level: full, with the data key: the tree, every leaf, the checkpoints, every author's signature "
               "on the opened records%s\n", o->cases_checked ? ", the cases replayed" : "");
    else if (o->keyed == RELAIS_AUDIT_KEYED_BY_HUB)
        printf("level: full, the hub opening the records: the tree over the stored leaves, the checkpoint, every "
               "author's signature (that the leaves seal these records is the hub's word: --data-key checks it "
               "offline)\n");
    else
        printf("level: full (a store in clear): the tree, every leaf, the checkpoints, every signature%s\n",
               o->cases_checked ? ", the cases replayed" : "");
    if (o->gone > o->withheld)
        printf("archived or erased: %" PRIu64 " records whose keys are gone from the store (their cases left the "
               "active base, or a split moved them out), their leaves checked\n",
               o->gone - o->withheld);
    if (o->withheld)
        printf("withheld: %" PRIu64 " records of the reception's register, not this identity's to read, checked as "
               "stored (their leaves)\n",
               o->withheld);
    if (o->erased)
        printf("erasures: %" PRIu64 "\n%s", o->erased, o->erasures);
    printf("signatures ok: %" PRIu64 "\n", o->signatures);
    printf("checkpoints ok: %" PRIu64 "\n", o->checkpoints);
    if (o->have_cp)
        relais_cli_line(stdout, "latest checkpoint: size %" PRIu64 ", origin %s", o->cp_size, o->origin);
    if (o->cases_checked)
        printf("cases: %" PRIu64 " rebuilt, equal to the index\n", o->cases);
    if (o->index_not_compared)
        relais_cli_line(stdout, "cases: replayed by the rules; the index was not compared: %s", o->index_why);
    if (o->status) {
        printf("root at seq %" PRIu64 ": %s\n", o->tree.size, hex);
        relais_cli_line(stdout, "result: FAILED at %s: %s: %s", o->where, relais_status_name(o->status), o->problem);
        return;
    }
    printf("root at head: %s\n", hex);
    if (o->cp_size < o->head)
        printf("unsigned tail: records %" PRIu64 "..%" PRIu64 " are not yet covered by a checkpoint\n",
               o->cp_size + 1, o->head);
    printf("result: ok\n");
}

void relais_audit_note_privacy(relais_audit_outcome_t *o, uint64_t seq, const relais_message_t *msg)
{
    relais_privacy_view_t p;
    if (!msg || relais_message_privacy(msg, &p) != 0 || p.kind != RELAIS_PRIVACY_ERASED)
        return;
    o->erased++;
    size_t at = strlen(o->erasures);
    if (o->erased <= 10)
        snprintf(o->erasures + at, sizeof o->erasures - at, "  %.64s erased by record %" PRIu64 " (%s): %.200s\n",
                 p.case_id, seq, relais_message_sender(msg), p.reason ? p.reason : "");
    else if (o->erased == 11)
        snprintf(o->erasures + at, sizeof o->erasures - at, "  and more (relais audit export lists them all)\n");
}

int relais_audit_exit_status(int status)
{
    if (status == 0)
        return RELAIS_EXIT_OK;
    if (status == RELAIS_E_IO || status == RELAIS_E_NOMEM || status == RELAIS_E_INVALID)
        return RELAIS_EXIT_USAGE;
    return RELAIS_EXIT_REFUSED;
}

/* ---- The offline pass ----------------------------------------------------------------- */

/* One offline verification: what it checks against and what it found. The caller's thread
 * reads ahead of the pool's workers; what it finds while reading goes through s_fail, what
 * comes back from the pool is already in log order. */
typedef struct {
    relais_store_t *store;            /* the copy being audited, read-only */
    const relais_audit_keys_t *keys;  /* senders' keys */
    const relais_peer_t *broker;      /* whose key signs checkpoints; NULL: see broker_why */
    char broker_why[160];             /* why there is no broker key, when there is none */
    int broker_signed;                /* a checkpoint signed by `broker` was read: from then on a
                                       * hub key of revoked/ signs none */
    relais_audit_pool_t *pool;        /* checks signatures on worker threads */
    relais_audit_cases_t *cases;      /* the case replay, fed in log order; NULL: out of memory */
    uint64_t next_seq;                /* the next record to read (and hand to the pool) */
    int cp_read;                      /* a checkpoint was read and handed to the pool */
    uint64_t cp_read_size;            /* the size of the last one */
    relais_audit_progress_t progress; /* the bar on stderr */
    relais_audit_outcome_t out;       /* counts, roots, first problem */
} s_verify_t;

static void s_where_seq(char out[64], uint64_t seq)
{
    snprintf(out, 64, "seq %" PRIu64, seq);
}

/* A problem found while reading ahead: the records read before it are checked and handed
 * back first, so that the problem reported is still the first in the log. */
static int s_fail(s_verify_t *v, int status, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int s_fail(s_verify_t *v, int status, const char *where, const char *fmt, ...)
{
    char problem[sizeof v->out.problem];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(problem, sizeof problem, fmt, ap);
    va_end(ap);
    if (v->pool)
        relais_audit_pool_flush(v->pool);
    return relais_audit_fail(&v->out, status, where, "%s", problem);
}

/* Message ids are unique when the id index maps each record's id back to that very record:
 * two records with one id cannot both be where the index points. Constant memory, and the
 * broker's idempotence relies on that index being right. */
static int s_check_msg_id(s_verify_t *v, uint64_t seq, uint64_t copy_of, const uint8_t *msg_id)
{
    relais_store_ack_t ack;
    char hex[2 * RELAIS_MSG_ID_BYTES + 1], where[64];
    int rc = relais_store_find_msg(v->store, msg_id, &ack);
    /* A split's copy keeps its original's id, which the index maps to the original. */
    if (rc == 0 && ack.seq == (copy_of ? copy_of : seq))
        return 0;
    /* Formatting only on the way out: this runs once per record on the reading thread. */
    relais_hex_encode(msg_id, RELAIS_MSG_ID_BYTES, hex);
    s_where_seq(where, seq);
    if (rc == RELAIS_E_NOT_FOUND)
        return relais_audit_fail(&v->out, RELAIS_E_CORRUPT, where, "message id %s is missing from the message id index",
                                 hex);
    if (rc)
        return relais_audit_fail(&v->out, rc, where, "looking message id %s up: %s", hex, relais_status_detail());
    return relais_audit_fail(&v->out, RELAIS_E_DUPLICATE_CONFLICT, where,
                             "message id %s is also the id of record %" PRIu64, hex, ack.seq);
}

/* The pool's verdict on a record, in log order: what needs the records before it. */
static int s_on_verdict(void *ctx, uint64_t seq, const relais_audit_verdict_t *verdict)
{
    s_verify_t *v = ctx;
    char where[64];
    if (verdict->status) {
        s_where_seq(where, seq);
        return relais_audit_fail(&v->out, verdict->status, where, "%s", verdict->problem);
    }
    relais_audit_tree_push(&v->out.tree, verdict->leaf);
    if (verdict->gone) {
        v->out.gone++;
        if (v->cases)
            relais_audit_cases_gone(v->cases, seq, verdict->received_ms, verdict->key_id, verdict->copy_of);
        relais_audit_progress_step(&v->progress);
        return 0;
    }
    if (verdict->sealed) {
        /* Its message id is sealed with it: the id index is checked where records open. */
        v->out.sealed++;
        relais_audit_progress_step(&v->progress);
        return 0;
    }
    v->out.signatures++;
    if (s_check_msg_id(v, seq, verdict->copy_of, verdict->msg_id) != 0)
        return RELAIS_AUDIT_STOP;
    relais_audit_note_privacy(&v->out, seq, verdict->msg);
    if (v->cases)
        relais_audit_cases_record(v->cases, seq, verdict->received_ms, verdict->copy_of, verdict->msg);
    relais_audit_progress_step(&v->progress);
    return 0;
}

/* Hands each record to the pool, which copies it: `record` dies with the read transaction. */
static int s_on_record(void *ctx, uint64_t seq, const uint8_t *record, size_t len, const relais_hash_t leaf)
{
    s_verify_t *v = ctx;
    char where[64];
    if (seq != v->next_seq) {
        s_where_seq(where, seq);
        return s_fail(v, RELAIS_E_CORRUPT, where, "record %" PRIu64 " was expected here", v->next_seq);
    }
    v->next_seq++;
    int rc = relais_audit_pool_add(v->pool, seq, record, len, leaf);
    /* Only memory is at stake: a store that cannot let go is audited all the same. */
    if (rc == 0 && seq % RELAIS_AUDIT_RELEASE_EVERY == 0)
        (void)relais_store_release_mapped(v->store);
    return rc;
}

/* Reads the records up to `to` into the pool. 0 or RELAIS_AUDIT_STOP. */
static int s_advance(s_verify_t *v, uint64_t to)
{
    char where[64];
    if (to < v->next_seq)
        return 0;
    int rc = relais_store_iterate(v->store, v->next_seq, to, s_on_record, v);
    if (rc == 0 || rc == RELAIS_AUDIT_STOP)
        return rc;
    snprintf(where, sizeof where, "after seq %" PRIu64, v->next_seq - 1);
    return s_fail(v, rc, where, "reading the log: %s", relais_status_detail());
}

/* The root the tree recomputed against the store's own Merkle nodes, which serve the
 * proofs the broker hands out. Only once the pool handed back every record before. */
static int s_check_store_root(s_verify_t *v, const char *where)
{
    relais_hash_t mine, stored;
    relais_audit_tree_root(&v->out.tree, mine);
    int rc = relais_store_root(v->store, v->out.tree.size, stored);
    if (rc)
        return relais_audit_fail(&v->out, rc, where, "the store cannot give its root: %s", relais_status_detail());
    if (memcmp(mine, stored, RELAIS_HASH_SIZE) != 0)
        return relais_audit_fail(&v->out, RELAIS_E_CORRUPT, where,
                                 "the store's Merkle nodes do not give the records' root");
    return 0;
}

/* The previous verified checkpoint extends into this one. Both roots come from one pass
 * over one sequence of leaves, so this checks the consistency proof the store would serve. */
static int s_check_consistency(s_verify_t *v, const relais_checkpoint_t *cp, const char *where)
{
    relais_hash_t path[RELAIS_MERKLE_MAX_PATH];
    size_t path_len = 0;
    if (!v->out.have_cp || v->out.cp_size == 0)
        return 0;
    int rc = relais_store_consistency_proof(v->store, v->out.cp_size, cp->size, path, &path_len);
    if (!rc)
        rc = relais_merkle_verify_consistency(v->out.cp_size, cp->size, v->out.cp_root, cp->root, path, path_len);
    if (rc)
        return relais_audit_fail(&v->out, RELAIS_E_PROOF, where,
                                 "no valid consistency proof from the checkpoint of size %" PRIu64, v->out.cp_size);
    return 0;
}

/* A hub identity the hub used before its own was rotated (docs/operations.md, "Rotating and
 * revoking keys"): a certificate of role broker in the registry's revoked/ whose key signed
 * `note`; NULL when none did. */
static const relais_peer_t *s_former_broker(const s_verify_t *v, const char *note, relais_checkpoint_t *cp)
{
    const relais_registry_t *revoked = v->keys->revoked;
    for (size_t i = 0; revoked && i < relais_registry_count(revoked); i++) {
        const relais_peer_t *peer = relais_registry_at(revoked, i);
        if (peer->role == RELAIS_ROLE_BROKER && relais_checkpoint_verify(note, peer->name, peer->sign_public, cp) == 0)
            return peer;
    }
    return NULL;
}

/* The signed note, against the broker's key and the store's copy of size and root. Before the
 * first note of that key, a note may be signed by a former hub key, in revoked/. */
static int s_check_note(s_verify_t *v, const relais_store_checkpoint_t *scp, relais_checkpoint_t *cp,
                        const char *where)
{
    if (!v->broker)
        return s_fail(v, RELAIS_E_INVALID, where, "cannot check checkpoints: %s", v->broker_why);
    int rc = relais_checkpoint_verify(scp->note, v->broker->name, v->broker->sign_public, cp);
    char why[200];
    snprintf(why, sizeof why, "%s", rc ? relais_status_detail() : "");
    if (rc == 0)
        v->broker_signed = 1;
    else if (rc == RELAIS_E_BAD_SIGNATURE && !v->broker_signed && s_former_broker(v, scp->note, cp))
        rc = 0;
    if (rc)
        return s_fail(v, rc, where, "the signed note does not verify with the key of '%s'%s: %s", v->broker->name,
                      v->broker_signed ? "" : " (nor with a hub key of revoked/)", why);
    if (cp->size != scp->size || memcmp(cp->root, scp->root, RELAIS_HASH_SIZE) != 0)
        return s_fail(v, RELAIS_E_CORRUPT, where, "the signed note's size or root differ from those stored with it");
    return 0;
}

/* A store that a broker still writes to may have grown since the pass began, and then
 * holds checkpoints beyond the head read then: the pass goes on to the new head. */
static int s_refresh_head(s_verify_t *v)
{
    int rc = relais_store_head(v->store, &v->out.head);
    if (rc)
        return s_fail(v, rc, "head", "reading the log's head: %s", relais_status_detail());
    v->progress.total = v->out.head;
    return 0;
}

/* A checkpoint whose records the pool handed back: the tree now holds exactly cp->size
 * leaves, and their root must be the signed one. */
static int s_on_signed_root(void *ctx, const relais_checkpoint_t *cp)
{
    s_verify_t *v = ctx;
    relais_audit_outcome_t *o = &v->out;
    relais_hash_t root;
    char where[64];
    snprintf(where, sizeof where, "checkpoint of size %" PRIu64, cp->size);
    relais_audit_tree_root(&o->tree, root);
    if (memcmp(root, cp->root, RELAIS_HASH_SIZE) != 0)
        return relais_audit_fail(o, RELAIS_E_PROOF, where, "the records do not hash to the signed root");
    if (s_check_store_root(v, where) || s_check_consistency(v, cp, where))
        return RELAIS_AUDIT_STOP;
    o->have_cp = 1;
    o->cp_size = cp->size;
    memcpy(o->cp_root, cp->root, RELAIS_HASH_SIZE);
    snprintf(o->origin, sizeof o->origin, "%s", cp->origin);
    o->checkpoints++;
    return 0;
}

/* What a checkpoint says on its own is checked as it is read; its records are then read
 * into the pool and the checkpoint queued behind them (s_on_signed_root), so that the
 * workers never wait for a checkpoint. */
static int s_on_checkpoint(void *ctx, const relais_store_checkpoint_t *scp)
{
    s_verify_t *v = ctx;
    relais_checkpoint_t cp;
    char where[64];
    snprintf(where, sizeof where, "checkpoint of size %" PRIu64, scp->size);
    if (v->cp_read && scp->size <= v->cp_read_size)
        return s_fail(v, RELAIS_E_CORRUPT, where, "sizes do not increase (the previous is %" PRIu64 ")",
                      v->cp_read_size);
    if (scp->size > v->out.head && s_refresh_head(v) != 0)
        return RELAIS_AUDIT_STOP;
    if (scp->size > v->out.head)
        return s_fail(v, RELAIS_E_CORRUPT, where, "beyond the log's head %" PRIu64, v->out.head);
    if (s_check_note(v, scp, &cp, where) || s_advance(v, scp->size))
        return RELAIS_AUDIT_STOP;
    v->cp_read = 1;
    v->cp_read_size = scp->size;
    return relais_audit_pool_checkpoint(v->pool, &cp);
}

/* The whole pass: records in order, each checkpoint when the records reach its size, then
 * the records after the last one. Checkpoints drive the walk so that nothing about them
 * needs keeping but the last one. */
static void s_verify_pass(s_verify_t *v)
{
    int rc = relais_store_checkpoint_iterate(v->store, s_on_checkpoint, v);
    if (rc && rc != RELAIS_AUDIT_STOP) {
        s_fail(v, rc, "checkpoints", "reading the checkpoints: %s", relais_status_detail());
        return;
    }
    if (rc == 0 && s_advance(v, v->out.head) == 0 && relais_audit_pool_flush(v->pool) == 0)
        s_check_store_root(v, "head");
}

/* The pass with its pool of `jobs` workers around it. */
static void s_verify_run(s_verify_t *v, unsigned jobs)
{
    const relais_audit_pool_sink_t sink = {
        .record = s_on_verdict, .checkpoint = s_on_signed_root, .ctx = v, .keep_messages = 1};
    int rc = relais_audit_pool_new(v->keys, jobs, &sink, &v->pool);
    if (rc) {
        relais_audit_fail(&v->out, rc, "start", "%s", relais_status_detail());
        return;
    }
    s_verify_pass(v);
    relais_audit_pool_flush(v->pool); /* a stop leaves nothing in flight when the report is read */
    relais_audit_pool_destroy(&v->pool);
}

/* A sealed store keeps the child-key secret wrapped among its data keys. */
static int s_store_sealed(relais_store_t *store)
{
    uint8_t *wrapped = NULL;
    size_t len = 0;
    int sealed = relais_store_key_get(store, RELAIS_KEY_ID_CHILD_SECRET, &wrapped, &len) == 0;
    free(wrapped);
    return sealed;
}

int relais_audit_open_keys(relais_store_t *store, const char *data_key, relais_kek_t **kek, relais_audit_keys_t *keys)
{
    keys->ring = NULL;
    keys->store = store;
    if (!data_key)
        return 0;
    int rc = relais_kek_load(data_key, kek);
    if (rc == 0)
        rc = relais_keyring_new(*kek, &keys->ring);
    /* A case's key serves its records, its index entries and the replay's comparison, at
     * moments far apart in a pass; the replay holds every case in memory already, and a key
     * is much smaller than a case. */
    if (rc == 0)
        relais_keyring_set_cache(keys->ring, SIZE_MAX);
    uint8_t probe[RELAIS_DATA_KEY_BYTES];
    /* The child secret is key 0 of every sealed store: a wrong KEK is told at once, not at the
     * first record. */
    if (rc == 0 && s_store_sealed(store))
        rc = relais_keyring_key(keys->ring, store, NULL, RELAIS_KEY_ID_CHILD_SECRET, probe);
    OPENSSL_cleanse(probe, sizeof probe);
    if (rc == 0 && keys->ring)
        relais_cases_seal_store(store, keys->ring);
    return rc;
}

void relais_audit_close_keys(relais_kek_t **kek, relais_audit_keys_t *keys)
{
    if (keys->store && keys->ring)
        relais_cases_seal_store(keys->store, NULL);
    relais_keyring_destroy(&keys->ring);
    relais_kek_destroy(kek);
}

static int s_verify_offline(const char *store_dir, const char *certs_dir, const char *data_key, const char *broker,
                            unsigned jobs, int quiet)
{
    const relais_store_options_t ro = {.read_only = 1};
    relais_audit_keys_t keys;
    relais_kek_t *kek = NULL;
    s_verify_t v;
    memset(&v, 0, sizeof v);
    relais_audit_tree_init(&v.out.tree);
    v.next_seq = 1;
    int rc = relais_audit_keys_load(certs_dir, &keys);
    if (rc) {
        relais_audit_keys_clear(&keys);
        return relais_cli_local(certs_dir, rc);
    }
    rc = relais_store_open(store_dir, &ro, &v.store);
    if (!rc)
        rc = relais_store_head(v.store, &v.out.head);
    if (rc) {
        relais_cli_local(store_dir, rc);
        rc = RELAIS_E_IO; /* a store that cannot be opened is a local failure, not a finding */
        goto out_close;
    }
    rc = relais_audit_open_keys(v.store, data_key, &kek, &keys);
    if (rc) {
        relais_cli_local(data_key, rc);
        rc = RELAIS_E_IO; /* a data key that does not open the store is the auditor's to fix */
        goto out_close;
    }
    int sealed = s_store_sealed(v.store);
    v.keys = &keys;
    v.out.keyed = sealed && keys.ring ? RELAIS_AUDIT_KEYED_OFFLINE : 0;
    v.broker = relais_audit_keys_broker(&keys, broker, v.broker_why, sizeof v.broker_why);
    relais_audit_progress_init(&v.progress, v.out.head, quiet);
    /* The case index is a cache of the log; sealed, it is replayed only with the data key. */
    int replay = !sealed || keys.ring;
    v.cases = replay ? relais_audit_cases_begin(v.store, store_dir, keys.ring) : NULL;
    s_verify_run(&v, jobs);
    relais_audit_progress_end(&v.progress);
    if (replay && !v.cases && v.out.status == 0)
        relais_audit_fail(&v.out, RELAIS_E_NOMEM, "cases", "out of memory");
    if (replay)
        relais_audit_cases_end(v.cases, &v.out);
    relais_audit_report(&v.out, quiet);
    rc = v.out.status;
out_close:
    relais_audit_close_keys(&kek, &keys);
    relais_store_destroy(&v.store);
    relais_audit_keys_clear(&keys);
    return relais_audit_exit_status(rc);
}

/* --jobs N: 1 to RELAIS_AUDIT_MAX_JOBS worker threads. */
static int s_parse_jobs(const char *arg, unsigned *jobs)
{
    char *end;
    errno = 0;
    unsigned long n = strtoul(arg, &end, 10);
    if (errno || end == arg || *end || arg[0] == '-' || n < 1 || n > RELAIS_AUDIT_MAX_JOBS)
        return -1;
    *jobs = (unsigned)n;
    return 0;
}

int relais_audit_cmd_verify(int argc, char **argv)
{
    enum { OPT_STORE = RELAIS_OPT_FIRST_FREE, OPT_CERTS, OPT_BROKER, OPT_QUIET, OPT_JOBS, OPT_DATA_KEY };
    static const struct option opts[] = {
        {"store", required_argument, NULL, OPT_STORE},   {"certs", required_argument, NULL, OPT_CERTS},
        {"broker", required_argument, NULL, OPT_BROKER}, {"quiet", no_argument, NULL, OPT_QUIET},
        {"jobs", required_argument, NULL, OPT_JOBS},     {"data-key", required_argument, NULL, OPT_DATA_KEY},
        RELAIS_CLI_CONN_OPTIONS,                         {NULL, 0, NULL, 0},
    };
    const char *store = NULL, *certs = NULL, *broker = NULL, *jobs_arg = NULL, *data_key = NULL;
    relais_cli_conn_t conn = {0};
    unsigned jobs = relais_audit_pool_default_jobs();
    int quiet = 0, c;
    while ((c = getopt_long(argc, argv, "q", opts, NULL)) != -1) {
        if (c == OPT_STORE)
            store = optarg;
        else if (c == OPT_CERTS)
            certs = optarg;
        else if (c == OPT_BROKER)
            broker = optarg;
        else if (c == OPT_QUIET || c == 'q')
            quiet = 1;
        else if (c == OPT_JOBS)
            jobs_arg = optarg;
        else if (c == OPT_DATA_KEY)
            data_key = optarg;
        else if (c == RELAIS_OPT_HELP)
            break;
        else if (!relais_cli_conn_opt(&conn, c, optarg))
            return relais_cli_usage("audit verify", "unknown option");
    }
    if (c == RELAIS_OPT_HELP) {
        relais_audit_usage(stdout);
        return RELAIS_EXIT_OK;
    }
    if (optind != argc || !certs)
        return relais_cli_usage("audit verify", "needs --certs DIR (the registry) and --store DIR or a broker");
    if (jobs_arg && s_parse_jobs(jobs_arg, &jobs) != 0)
        return relais_cli_usage("audit verify", "--jobs takes a number of threads from 1 to 256");
    if (data_key && !store)
        return relais_cli_usage("audit verify", "--data-key is for a copy of the store (--store DIR); online, the "
                                                "hub opens the records for its auditor");
    if (store)
        return s_verify_offline(store, certs, data_key, broker, jobs, quiet);
    return relais_audit_online_verify(&conn, certs, quiet);
}
