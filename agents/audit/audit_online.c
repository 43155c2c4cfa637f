/* audit_online.c -- `relais audit verify`, `prove`, `checkpoint` and `consistency` against a running broker. */
#include "audit_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "relais_cases.h"
#include "relais_client.h"

/* ---- Connecting ------------------------------------------------------------------------- */

int relais_audit_remote_connect(relais_cli_conn_t *conn, relais_audit_remote_t *r)
{
    memset(r, 0, sizeof *r);
    int status = relais_cli_connect(conn, NULL, 0, &r->client);
    if (status)
        return status;
    /* The client keeps only the CURVE key of the server certificate; the checkpoints are
     * signed with its Ed25519 key. */
    int rc = relais_peer_load(conn->server_cert, &r->broker);
    return rc ? relais_cli_local(conn->server_cert, rc) : 0;
}

/* The broker's own sentence when it refused, ours otherwise. */
static const char *s_why(int rc, const relais_error_t *err)
{
    if (relais_status_to_wire(rc) && err->message[0])
        return err->message;
    const char *detail = relais_status_detail();
    return detail && *detail ? detail : relais_strerror(rc);
}

int relais_audit_remote_checkpoint(relais_audit_remote_t *r, uint64_t size, relais_checkpoint_t *cp, char *note,
                                   size_t cap, relais_audit_cosigned_t *cosigned, relais_error_t *err)
{
    relais_reply_t reply;
    memset(&reply, 0, sizeof reply);
    int rc = size ? relais_client_audit_checkpoint_at(r->client, size, &reply, err)
                  : relais_client_audit_checkpoint(r->client, &reply, err);
    if (rc)
        return rc;
    if (!reply.note)
        rc = relais_status_set(RELAIS_E_MALFORMED, "the broker's checkpoint has no signed note");
    else
        rc = relais_checkpoint_verify(reply.note, r->broker.name, r->broker.sign_public, cp);
    if (!rc && (cp->size != reply.tree_size || memcmp(cp->root, reply.root, RELAIS_HASH_SIZE) != 0))
        rc = relais_status_set(RELAIS_E_PROOF, "the checkpoint's size or root differ from its signed note");
    if (!rc && size && cp->size != size)
        rc = relais_status_set(RELAIS_E_PROOF, "asked for the checkpoint of size %" PRIu64 ", the broker sent one of "
                                               "size %" PRIu64, size, cp->size);
    if (!rc && note && strlen(reply.note) >= cap)
        rc = relais_status_set(RELAIS_E_MALFORMED, "the hub's note is longer than the %zu bytes read", cap - 1);
    if (!rc && note)
        memcpy(note, reply.note, strlen(reply.note) + 1);
    if (!rc && cosigned) {
        cosigned->witnesses = reply.witnesses;
        cosigned->cosigned_ms = reply.cosigned_ms;
        cosigned->cosigned_size = reply.cosigned_size;
    }
    relais_reply_clear(&reply);
    return rc;
}

/* `note`, unless NULL, has room RELAIS_NOTE_MAX. */
static int s_latest_checkpoint(relais_audit_remote_t *r, relais_checkpoint_t *cp, char *note, relais_error_t *err)
{
    return relais_audit_remote_checkpoint(r, 0, cp, note, RELAIS_NOTE_MAX, NULL, err);
}

/* ---- Message ids seen ------------------------------------------------------------------- */

/* Online there is no id index to ask, so the ids seen are kept: 16 bytes a record, about 1%
 * of what the records themselves take. Open addressing, at most half full. */
typedef struct {
    uint8_t (*ids)[RELAIS_MSG_ID_BYTES]; /* the slots */
    uint8_t *used;                       /* 1 where a slot holds an id */
    size_t cap;                          /* slots, a power of two */
    size_t count;                        /* ids held */
} s_idset_t;

static size_t s_id_slot(const s_idset_t *set, const uint8_t *id)
{
    uint64_t a, b;
    memcpy(&a, id, 8);
    memcpy(&b, id + 8, 8);
    uint64_t h = (a ^ (b * 0x9e3779b97f4a7c15ULL)) * 0xff51afd7ed558ccdULL;
    return (size_t)(h ^ (h >> 33)) & (set->cap - 1);
}

/* Where `id` is, or the free slot where it would go. */
static size_t s_id_find(const s_idset_t *set, const uint8_t *id)
{
    size_t i = s_id_slot(set, id);
    while (set->used[i] && memcmp(set->ids[i], id, RELAIS_MSG_ID_BYTES) != 0)
        i = (i + 1) & (set->cap - 1);
    return i;
}

static int s_id_grow(s_idset_t *set)
{
    s_idset_t bigger = {NULL, NULL, set->cap ? set->cap * 2 : 1024, 0};
    bigger.ids = malloc(bigger.cap * RELAIS_MSG_ID_BYTES);
    bigger.used = calloc(bigger.cap, 1);
    if (!bigger.ids || !bigger.used) {
        free(bigger.ids);
        free(bigger.used);
        return relais_status_set(RELAIS_E_NOMEM, "room for %zu message ids", bigger.cap);
    }
    for (size_t i = 0; i < set->cap; i++) {
        if (!set->used[i])
            continue;
        size_t j = s_id_find(&bigger, set->ids[i]);
        memcpy(bigger.ids[j], set->ids[i], RELAIS_MSG_ID_BYTES);
        bigger.used[j] = 1;
    }
    bigger.count = set->count;
    free(set->ids);
    free(set->used);
    *set = bigger;
    return 0;
}

/* 0 when `id` is new (and now held), RELAIS_E_DUPLICATE_CONFLICT when seen before. */
static int s_id_add(s_idset_t *set, const uint8_t *id)
{
    if (2 * (set->count + 1) > set->cap && s_id_grow(set) != 0)
        return RELAIS_E_NOMEM;
    size_t i = s_id_find(set, id);
    if (set->used[i])
        return RELAIS_E_DUPLICATE_CONFLICT;
    memcpy(set->ids[i], id, RELAIS_MSG_ID_BYTES);
    set->used[i] = 1;
    set->count++;
    return 0;
}

static void s_id_free(s_idset_t *set)
{
    free(set->ids);
    free(set->used);
    memset(set, 0, sizeof *set);
}

/* ---- verify ----------------------------------------------------------------------------- */

/* One online verification. */
typedef struct {
    relais_audit_remote_t remote;                /* the broker */
    relais_audit_keys_t keys;         /* senders' keys: --certs */
    s_idset_t ids;                    /* message ids seen */
    uint64_t *gone, *gone_seqs;       /* key ids and numbers of the records sent sealed */
    uint64_t *archived, *copied;      /* cases the log archived; records a split's copy names */
    size_t gone_count, gone_room, gone_seq_count, gone_seq_room, archived_count, archived_room, copied_count,
        copied_room;
    int nomem;                        /* those lists could not grow */
    relais_audit_progress_t progress; /* the bar on stderr */
    relais_audit_outcome_t out;       /* counts, root, first problem */
} s_online_t;

static void s_note_id(s_online_t *v, uint64_t **list, size_t *count, size_t *room, uint64_t id)
{
    if (*count == *room) {
        size_t bigger = *room ? 2 * *room : 64;
        uint64_t *grown = realloc(*list, bigger * sizeof *grown);
        if (!grown) {
            v->nomem = 1;
            return;
        }
        *list = grown;
        *room = bigger;
    }
    (*list)[(*count)++] = id;
}

static int s_cmp_id(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* A record the hub sent sealed is one the hub can no longer open: its case must be one the
 * log archived, or the record a referral that a split moved out (the log holds the hub's copy
 * of it, which the hub sends opened), or the hub would be hiding a record from the signature
 * check. */
/* A key of the reception's registers: an entry's (part 0) or an item's of the lost and found (its
 * kind's part); an entry or an item opens under its own record's key, which no case's is. */
static int s_register_key(uint64_t key_id)
{
    uint32_t part = relais_key_id_part(key_id);
    return part == 0 || part == RELAIS_KEY_ID_PART_FOUND || part == RELAIS_KEY_ID_PART_LOSS;
}

static void s_check_gone(s_online_t *v)
{
    if (v->out.status || !v->gone_count)
        return;
    if (v->nomem || v->gone_seq_count != v->gone_count) {
        relais_audit_fail(&v->out, RELAIS_E_NOMEM, "records", "out of memory");
        return;
    }
    if (v->archived_count)
        qsort(v->archived, v->archived_count, sizeof *v->archived, s_cmp_id);
    if (v->copied_count)
        qsort(v->copied, v->copied_count, sizeof *v->copied, s_cmp_id);
    /* A reader other than an auditor gets the reception's register as stored, but for what was
     * transferred to it: an entry opens under its own key (part 0, its own record's number),
     * which no case's record is sealed under, so the entries withheld are known by their first
     * record, and their later records by that entry's key. (Its leaf is its own: the hub cannot
     * pass a case's record off as one of them.) */
    const char *role = relais_client_role(v->remote.client);
    int withheld_ok = role && strcmp(role, "auditor") != 0;
    uint64_t *entries = withheld_ok ? calloc(v->gone_count ? v->gone_count : 1, sizeof *entries) : NULL;
    size_t entry_count = 0;
    for (size_t i = 0; entries && i < v->gone_count; i++)
        if (s_register_key(v->gone[i]) && relais_key_id_owner(v->gone[i]) == v->gone_seqs[i])
            entries[entry_count++] = v->gone_seqs[i];
    for (size_t i = 0; i < v->gone_count; i++) {
        uint64_t owner = relais_key_id_owner(v->gone[i]);
        if ((v->archived_count && bsearch(&owner, v->archived, v->archived_count, sizeof *v->archived, s_cmp_id)) ||
            (relais_key_id_part(v->gone[i]) >= 2 && v->copied_count &&
             bsearch(&v->gone_seqs[i], v->copied, v->copied_count, sizeof *v->copied, s_cmp_id)) ||
            (entry_count && s_register_key(v->gone[i]) &&
             bsearch(&owner, entries, entry_count, sizeof *entries, s_cmp_id))) {
            v->out.withheld += entry_count && s_register_key(v->gone[i]) &&
                               bsearch(&owner, entries, entry_count, sizeof *entries, s_cmp_id) != NULL;
            continue;
        }
        free(entries);
        relais_audit_fail(&v->out, RELAIS_E_PROOF, "records",
                          "the hub sent record %" PRIu64 " (data key %" PRIu64 ") sealed, and the log neither archived "
                          "C-%" PRIu64 " nor moved the record out of it by a split",
                          v->gone_seqs[i], v->gone[i], owner);
        return;
    }
    free(entries);
}

/* From a sealed store the hub sends each record opened, with its stored leaf's hash: the tree is
 * checked over those hashes, each author's signature over the opened message. That the one
 * is the other's ciphertext rests on the hub's word; the offline audit with the data key
 * checks it. */
static int s_online_record(s_online_t *v, const uint8_t *record, size_t len, const uint8_t *leaf)
{
    relais_audit_verdict_t verdict;
    char where[64];
    uint64_t seq = v->out.tree.size + 1;
    snprintf(where, sizeof where, "seq %" PRIu64, seq);
    int rc = leaf ? relais_audit_check_opened(&v->keys, seq, record, len, leaf, &verdict)
                  : relais_audit_check_record_keep(&v->keys, seq, record, len, NULL, &verdict);
    if (rc != 0)
        return relais_audit_fail(&v->out, verdict.status, where, "%s", verdict.problem);
    if (verdict.sealed) {
        /* The hub sends a record whose case left the active base as stored: its leaf is its own. */
        relais_hash_t own;
        relais_merkle_leaf_hash(record, len, own);
        if (!leaf || memcmp(own, leaf, RELAIS_HASH_SIZE) != 0)
            return relais_audit_fail(&v->out, RELAIS_E_PROOF, where, "the hub sent the record sealed");
        v->out.gone++;
        relais_log_record_t sealed;
        if (relais_log_record_decode(record, len, &sealed) == 0) {
            s_note_id(v, &v->gone, &v->gone_count, &v->gone_room, sealed.key_id);
            s_note_id(v, &v->gone_seqs, &v->gone_seq_count, &v->gone_seq_room, seq);
        }
        relais_audit_tree_push(&v->out.tree, verdict.leaf);
        relais_audit_progress_step(&v->progress);
        return 0;
    }
    relais_audit_note_privacy(&v->out, seq, verdict.msg);
    relais_privacy_view_t p;
    const relais_peer_t *signer = verdict.msg ? relais_audit_keys_find(&v->keys, relais_message_sender(verdict.msg)) : NULL;
    if (signer && signer->role == RELAIS_ROLE_BROKER && relais_message_privacy(verdict.msg, &p) == 0 &&
        p.kind == RELAIS_PRIVACY_ARCHIVED)
        s_note_id(v, &v->archived, &v->archived_count, &v->archived_room,
                  relais_register_handle_seq(p.case_id) ? relais_register_handle_seq(p.case_id)
                                                        : relais_cases_number(p.case_id));
    if (verdict.copy_of)
        s_note_id(v, &v->copied, &v->copied_count, &v->copied_room, verdict.copy_of);
    relais_message_destroy(&verdict.msg);
    if (leaf)
        v->out.keyed = RELAIS_AUDIT_KEYED_BY_HUB;
    v->out.signatures++;
    /* A split's copy keeps the id of the record it copies, which the hub sent sealed. */
    rc = verdict.copy_of ? 0 : s_id_add(&v->ids, verdict.msg_id);
    if (rc)
        return relais_audit_fail(&v->out, rc, where, "%s",
                                 rc == RELAIS_E_NOMEM ? "out of memory"
                                                      : "its message id is the id of an earlier record");
    relais_audit_tree_push(&v->out.tree, verdict.leaf);
    relais_audit_progress_step(&v->progress);
    return 0;
}

/* Pages through records 1..size, verifying each as it comes. */
static int s_online_records(s_online_t *v, uint64_t size)
{
    relais_error_t err;
    relais_reply_t page;
    char where[64];
    while (v->out.tree.size < size) {
        uint64_t from = v->out.tree.size + 1;
        snprintf(where, sizeof where, "records from seq %" PRIu64, from);
        memset(&page, 0, sizeof page);
        memset(&err, 0, sizeof err);
        int rc = relais_client_audit_records(v->remote.client, from, size, &page, &err);
        if (rc)
            return relais_audit_fail(&v->out, rc, where, "the broker did not send them: %s", s_why(rc, &err));
        if (page.record_count == 0)
            rc = relais_audit_fail(&v->out, RELAIS_E_PROOF, where, "the broker sent none, its checkpoint has %" PRIu64,
                                   size);
        for (size_t i = 0; !rc && i < page.record_count && v->out.tree.size < size; i++)
            rc = s_online_record(v, page.records[i], page.record_lens[i],
                                 i < page.leaf_hash_count ? page.leaf_hashes[i] : NULL);
        relais_reply_clear(&page);
        if (rc)
            return rc;
    }
    return 0;
}

/* The latest checkpoint, then every record it covers, then its root. */
static void s_online_pass(s_online_t *v, int quiet)
{
    relais_checkpoint_t cp;
    relais_error_t err;
    relais_hash_t root;
    memset(&err, 0, sizeof err);
    int rc = s_latest_checkpoint(&v->remote, &cp, NULL, &err);
    if (rc) {
        relais_audit_fail(&v->out, rc, "latest checkpoint", "%s", s_why(rc, &err));
        return;
    }
    v->out.head = cp.size;
    relais_audit_progress_init(&v->progress, cp.size, quiet);
    rc = s_online_records(v, cp.size);
    relais_audit_progress_end(&v->progress);
    if (rc)
        return;
    relais_audit_tree_root(&v->out.tree, root);
    if (memcmp(root, cp.root, RELAIS_HASH_SIZE) != 0) {
        relais_audit_fail(&v->out, RELAIS_E_PROOF, "latest checkpoint", "the records do not hash to the signed root");
        return;
    }
    v->out.checkpoints = 1;
    v->out.have_cp = 1;
    v->out.cp_size = cp.size;
    memcpy(v->out.cp_root, cp.root, RELAIS_HASH_SIZE);
    snprintf(v->out.origin, sizeof v->out.origin, "%s", cp.origin);
}

int relais_audit_online_verify(relais_cli_conn_t *conn, const char *certs_dir, int quiet)
{
    s_online_t *v = calloc(1, sizeof *v);
    if (!v)
        return relais_cli_local("audit verify", relais_status_set(RELAIS_E_NOMEM, "a verification"));
    relais_audit_tree_init(&v->out.tree);
    int rc = relais_audit_keys_load(certs_dir, &v->keys);
    int status = rc ? relais_cli_local(certs_dir, rc) : relais_audit_remote_connect(conn, &v->remote);
    if (status == 0) {
        s_online_pass(v, quiet);
        s_check_gone(v);
        relais_audit_report(&v->out, quiet);
        status = relais_audit_exit_status(v->out.status);
    }
    relais_client_destroy(&v->remote.client);
    relais_audit_keys_clear(&v->keys);
    s_id_free(&v->ids);
    free(v->gone);
    free(v->gone_seqs);
    free(v->copied);
    free(v->archived);
    free(v);
    return status;
}

/* ---- prove ------------------------------------------------------------------------------ */

/* The record's own bytes give its leaf hash, so the proof does not rest on the broker's word
 * for it. A partner may not read records (FORBIDDEN): it then compares the leaf hash with
 * the one in its acknowledgement. */
static int s_online_leaf(relais_audit_remote_t *r, uint64_t seq, const relais_hash_t claimed)
{
    relais_reply_t page;
    relais_error_t err;
    relais_hash_t leaf;
    memset(&page, 0, sizeof page);
    memset(&err, 0, sizeof err);
    int rc = relais_client_audit_records(r->client, seq, seq, &page, &err);
    if (rc == RELAIS_E_FORBIDDEN) {
        fprintf(stderr, "relais audit prove: note: the broker does not let this identity read record %" PRIu64
                        "; compare the leaf hash with your acknowledgement\n",
                seq);
        rc = 0;
        goto out_clear;
    }
    if (!rc && page.record_count == 0)
        rc = relais_status_set(RELAIS_E_PROOF, "the broker did not send record %" PRIu64, seq);
    if (!rc) {
        /* A sealed record comes opened, with the hash of its leaf as stored. */
        if (page.leaf_hash_count)
            memcpy(leaf, page.leaf_hashes[0], RELAIS_HASH_SIZE);
        else
            relais_merkle_leaf_hash(page.records[0], page.record_lens[0], leaf);
        if (memcmp(leaf, claimed, RELAIS_HASH_SIZE) != 0)
            rc = relais_status_set(RELAIS_E_PROOF, "record %" PRIu64 " does not hash to the proof's leaf hash", seq);
    }
out_clear:
    relais_reply_clear(&page);
    return rc;
}

/* Asks for the proof of `seq` in the tree of the verified checkpoint and checks it. */
static int s_online_proof(relais_audit_remote_t *r, const relais_checkpoint_t *cp, relais_audit_proof_t *proof,
                          relais_error_t *err)
{
    relais_reply_t reply;
    memset(&reply, 0, sizeof reply);
    int rc = relais_client_audit_inclusion(r->client, proof->seq, cp->size, &reply, err);
    if (rc)
        return rc;
    if (reply.seq != proof->seq || reply.tree_size != cp->size || reply.path_len > RELAIS_MERKLE_MAX_PATH)
        rc = relais_status_set(RELAIS_E_PROOF, "the broker answered with a proof of something else");
    if (!rc) {
        proof->tree_size = cp->size;
        memcpy(proof->leaf, reply.leaf_hash, RELAIS_HASH_SIZE);
        if (reply.path_len) /* an empty path may come as no array at all */
            memcpy(proof->path, reply.path, reply.path_len * RELAIS_HASH_SIZE);
        proof->path_len = reply.path_len;
        memcpy(proof->root, cp->root, RELAIS_HASH_SIZE);
        rc = relais_merkle_verify_inclusion(proof->seq - 1, proof->tree_size, proof->leaf, proof->path,
                                            proof->path_len, proof->root);
    }
    relais_reply_clear(&reply);
    return rc ? rc : s_online_leaf(r, proof->seq, proof->leaf);
}

/* Only the latest checkpoint is verified online, and a proof is only as good as the root it
 * leads to, so the proof is for that checkpoint's size. */
static int s_prove_size_ok(uint64_t seq, uint64_t size, const relais_checkpoint_t *cp)
{
    if (size && size != cp->size)
        return relais_status_set(RELAIS_E_INVALID, "online proofs are for the broker's latest checkpoint (size %" PRIu64
                                                   "): leave --size out",
                                 cp->size);
    if (seq > cp->size)
        return relais_status_set(RELAIS_E_INVALID, "record %" PRIu64 " is not yet covered by the latest checkpoint "
                                                   "(size %" PRIu64 ")",
                                 seq, cp->size);
    return 0;
}

int relais_audit_remote_status(const char *what, int rc, const relais_error_t *err)
{
    if (relais_status_to_wire(rc) || rc == RELAIS_E_TIMEOUT)
        return relais_cli_fail(what, rc, err);
    relais_cli_local(what, rc);
    return relais_audit_exit_status(rc);
}

int relais_audit_online_prove(relais_cli_conn_t *conn, uint64_t seq, uint64_t size, const char *save)
{
    char note[RELAIS_NOTE_MAX];
    relais_audit_proof_t proof;
    relais_checkpoint_t cp;
    relais_error_t err;
    relais_audit_remote_t r;
    memset(&err, 0, sizeof err);
    memset(&proof, 0, sizeof proof);
    proof.seq = seq;
    int status = relais_audit_remote_connect(conn, &r);
    if (status)
        return status;
    int rc = s_latest_checkpoint(&r, &cp, note, &err);
    if (!rc)
        rc = s_prove_size_ok(seq, size, &cp);
    if (!rc)
        rc = s_online_proof(&r, &cp, &proof, &err);
    relais_client_destroy(&r.client);
    if (!rc && save)
        rc = relais_audit_save_note(save, note);
    if (!rc)
        rc = relais_audit_print_json(relais_audit_proof_json(&proof));
    return rc ? relais_audit_remote_status("audit prove", rc, &err) : RELAIS_EXIT_OK;
}

/* The wall clock: cosignatures and the hub's times are POSIX times (relais_cli_now_ms is monotonic). */
static int64_t s_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* How many signature lines follow the hub's own: its witnesses' cosignatures (not checked here:
 * the witnesses' certificates are `audit watch --witness-cert`'s). */
static unsigned s_extra_lines(const char *note)
{
    const char *sigs = strstr(note, "\n\n");
    unsigned lines = 0;
    for (const char *p = sigs ? sigs + 2 : note + strlen(note); *p; p++)
        lines += *p == '\n';
    return lines > 0 ? lines - 1 : 0;
}

int relais_audit_online_checkpoint(relais_cli_conn_t *conn, uint64_t size)
{
    char note[RELAIS_NOTE_MAX];
    relais_checkpoint_t cp;
    relais_error_t err;
    relais_audit_remote_t r;
    relais_audit_cosigned_t cosigned;
    memset(&err, 0, sizeof err);
    memset(&cosigned, 0, sizeof cosigned);
    int status = relais_audit_remote_connect(conn, &r);
    if (status)
        return status;
    int rc = relais_audit_remote_checkpoint(&r, size, &cp, note, sizeof note, &cosigned, &err);
    relais_client_destroy(&r.client);
    if (rc)
        return relais_audit_remote_status("audit checkpoint", rc, &err);
    /* The age of the newest cosignature is what tells a witness down (or refusing) for hours from
     * one that has not yet answered for the checkpoint signed a second ago. */
    if (!size && cosigned.witnesses && !cosigned.cosigned_ms)
        relais_cli_line(stderr, "relais audit checkpoint: note: the hub has %u witness(es) and no cosignature from any "
                                "yet",
                        cosigned.witnesses);
    else if (!size && cosigned.witnesses)
        relais_cli_line(stderr,
                        "relais audit checkpoint: note: %u cosignature line(s) on this checkpoint of %" PRIu64
                        "; the hub's newest cosignature (of size %" PRIu64 ", from %u witness(es)) came %lld s ago",
                        s_extra_lines(note), cp.size, cosigned.cosigned_size, cosigned.witnesses,
                        (long long)((s_wall_ms() - cosigned.cosigned_ms) / 1000));
    fputs(note, stdout);
    return fflush(stdout) == 0 ? RELAIS_EXIT_OK : RELAIS_EXIT_USAGE;
}

/* ---- consistency ------------------------------------------------------------------------ */

/* The root of the tree of `size` and the hub's signed note of that size into `note` ("" when
 * it signed none): from that note when there is one, else from the proof of the tree's last
 * record, which leads to the root as the hub holds it (its word alone: check-consistency wants
 * a note). A hub that answers a checkpoint of this size with MALFORMED signed none, or is older
 * than that request: said on stderr, not a failure. */
static int s_online_root(relais_audit_remote_t *r, uint64_t size, relais_hash_t root, char *note, relais_error_t *err)
{
    relais_checkpoint_t cp;
    relais_reply_t reply;
    memset(err, 0, sizeof *err);
    int rc = relais_audit_remote_checkpoint(r, size, &cp, note, RELAIS_CHECKPOINT_MAX, NULL, err);
    if (rc == 0) {
        memcpy(root, cp.root, RELAIS_HASH_SIZE);
        return 0;
    }
    note[0] = '\0';
    /* the hub's refusal, not a note of its that does not parse */
    if (rc != RELAIS_E_MALFORMED || err->status != RELAIS_E_MALFORMED)
        return rc;
    relais_cli_line(stderr,
                    "relais audit consistency: note: no signed checkpoint of size %" PRIu64 " from the hub (%s); "
                    "check-consistency needs one of each size",
                    size, err->message[0] ? err->message : "no sentence");
    memset(err, 0, sizeof *err);
    memset(&reply, 0, sizeof reply);
    rc = relais_client_audit_inclusion(r->client, size, size, &reply, err);
    if (rc)
        return rc;
    if (reply.seq != size || reply.tree_size != size || reply.path_len > RELAIS_MERKLE_MAX_PATH)
        rc = relais_status_set(RELAIS_E_PROOF, "the broker answered with a proof of something else");
    if (!rc && relais_merkle_inclusion_root(size - 1, size, reply.leaf_hash, (const relais_hash_t *)reply.path,
                                            reply.path_len, root) != 0)
        rc = relais_status_set(RELAIS_E_PROOF, "the broker's proof of record %" PRIu64 " leads to no root of size %"
                                               PRIu64, size, size);
    relais_reply_clear(&reply);
    return rc;
}

/* Asks for the proof (new_size 0: to the log's size now), then for the roots of both sizes,
 * and checks that the proof leads from one to the other before anyone sees it. */
static int s_online_consistency(relais_audit_remote_t *r, relais_audit_consistency_t *proof, relais_error_t *err)
{
    relais_reply_t reply;
    memset(&reply, 0, sizeof reply);
    int rc = relais_client_audit_consistency(r->client, proof->old_size, proof->new_size, &reply, err);
    if (rc)
        return rc;
    if (reply.old_size != proof->old_size || (proof->new_size && reply.tree_size != proof->new_size) ||
        reply.tree_size < proof->old_size || reply.path_len > RELAIS_MERKLE_MAX_PATH)
        rc = relais_status_set(RELAIS_E_PROOF, "the broker answered with a proof of something else");
    if (!rc) {
        proof->new_size = reply.tree_size;
        if (reply.path_len) /* an empty path may come as no array at all */
            memcpy(proof->path, reply.path, reply.path_len * RELAIS_HASH_SIZE);
        proof->path_len = reply.path_len;
    }
    relais_reply_clear(&reply);
    if (!rc)
        rc = s_online_root(r, proof->old_size, proof->old_root, proof->old_note, err);
    if (!rc)
        rc = s_online_root(r, proof->new_size, proof->new_root, proof->new_note, err);
    if (!rc && relais_merkle_verify_consistency(proof->old_size, proof->new_size, proof->old_root, proof->new_root,
                                                proof->path, proof->path_len) != 0)
        rc = relais_status_set(RELAIS_E_PROOF, "the hub's proof does not lead from the old root to the new");
    return rc;
}

int relais_audit_online_consistency(relais_cli_conn_t *conn, uint64_t old_size, uint64_t new_size)
{
    relais_audit_consistency_t *proof = calloc(1, sizeof *proof);
    relais_error_t err;
    relais_audit_remote_t r;
    memset(&err, 0, sizeof err);
    if (!proof)
        return relais_cli_local("audit consistency", relais_status_set(RELAIS_E_NOMEM, "a consistency proof"));
    int status = relais_audit_remote_connect(conn, &r);
    if (status) {
        free(proof);
        return status;
    }
    proof->old_size = old_size;
    proof->new_size = new_size;
    int rc = s_online_consistency(&r, proof, &err);
    relais_client_destroy(&r.client);
    if (!rc)
        rc = relais_audit_print_json(relais_audit_consistency_json(proof));
    free(proof);
    return rc ? relais_audit_remote_status("audit consistency", rc, &err) : RELAIS_EXIT_OK;
}
