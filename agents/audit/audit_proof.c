/* audit_proof.c -- `relais audit prove` (inclusion proofs) and `check-proof` (an auditor's offline check). */
#include "audit_internal.h"

#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "relais_store.h"

/* ---- Proofs and notes in files ------------------------------------------------------------ */

int relais_audit_print_json(json_t *json)
{
    if (!json)
        return relais_status_set(RELAIS_E_NOMEM, "building the proof's JSON");
    relais_cli_print_json(stdout, json);
    return ferror(stdout) ? relais_status_set(RELAIS_E_IO, "writing to standard output") : 0;
}

int relais_audit_read_proof_file(const char *path, char **text, size_t *len)
{
    return strcmp(path, "-") == 0 ? relais_cli_read_fd(0, "standard input", RELAIS_AUDIT_PROOF_FILE_MAX, text, len)
                                  : relais_cli_read_file(path, RELAIS_AUDIT_PROOF_FILE_MAX, 0, text, len);
}

int relais_audit_read_note(const char *path, char *note)
{
    char *text = NULL;
    size_t len = 0;
    int rc = relais_cli_read_file(path, RELAIS_NOTE_MAX, 0, &text, &len);
    if (rc == RELAIS_E_TOO_LARGE)
        rc = relais_status_set(RELAIS_E_MALFORMED, "%s is not a checkpoint note (over %d bytes)", path,
                               RELAIS_NOTE_MAX);
    if (rc)
        return rc;
    if (len >= RELAIS_NOTE_MAX || strlen(text) != len)
        rc = relais_status_set(RELAIS_E_MALFORMED, "%s is not a checkpoint note", path);
    else
        memcpy(note, text, len + 1);
    free(text);
    return rc;
}

/* ---- prove (offline) ------------------------------------------------------------------- */

/* The stored checkpoint of `size` (0: the latest) into *cp. Errors: RELAIS_E_NOT_FOUND. */
static int s_checkpoint_get(relais_store_t *store, uint64_t size, relais_store_checkpoint_t *cp)
{
    return size == 0 ? relais_store_checkpoint_latest(store, cp) : relais_store_checkpoint_get(store, size, cp);
}

/* Without --size, the proof is for the latest checkpoint that holds the record, since only
 * a signed root lets an auditor check it; for the head when none does yet. */
static int s_prove_size(relais_store_t *store, uint64_t seq, uint64_t head, uint64_t *size)
{
    relais_store_checkpoint_t cp;
    int rc = s_checkpoint_get(store, 0, &cp);
    if (rc == 0 && cp.size >= seq)
        *size = cp.size;
    else if (rc == 0 || rc == RELAIS_E_NOT_FOUND)
        *size = head;
    return rc == RELAIS_E_NOT_FOUND ? 0 : rc;
}

/* The record's own hash, which must be the one the tree holds. */
static int s_prove_leaf(relais_store_t *store, uint64_t seq, relais_hash_t leaf)
{
    relais_hash_t stored;
    uint8_t *record = NULL;
    size_t len = 0;
    int rc = relais_store_get_record(store, seq, &record, &len);
    if (!rc)
        rc = relais_store_get_leaf_hash(store, seq, stored);
    if (!rc)
        relais_merkle_leaf_hash(record, len, leaf);
    free(record);
    if (!rc && memcmp(leaf, stored, RELAIS_HASH_SIZE) != 0)
        rc = relais_status_set(RELAIS_E_CORRUPT, "record %" PRIu64 " does not hash to its stored leaf hash", seq);
    return rc;
}

/* The root a proof leads to must be the one the broker signed at that size, if it signed one;
 * its note is copied into `note` (room RELAIS_CHECKPOINT_MAX; empty when there is none). */
static int s_prove_signed(relais_store_t *store, const relais_audit_proof_t *proof, char *note)
{
    relais_store_checkpoint_t cp;
    int rc = s_checkpoint_get(store, proof->tree_size, &cp);
    note[0] = '\0';
    if (rc == RELAIS_E_NOT_FOUND) {
        fprintf(stderr, "relais audit prove: note: no signed checkpoint of size %" PRIu64
                        " in the store; check-proof needs one of that size\n",
                proof->tree_size);
        return 0;
    }
    if (!rc && memcmp(cp.root, proof->root, RELAIS_HASH_SIZE) != 0)
        rc = relais_status_set(RELAIS_E_PROOF, "the store's root differs from its checkpoint of size %" PRIu64,
                               proof->tree_size);
    if (!rc)
        memcpy(note, cp.note, sizeof cp.note);
    return rc;
}

/* Builds the proof from the store and checks it before anyone sees it. */
static int s_prove_build(relais_store_t *store, relais_audit_proof_t *proof, char *note)
{
    int rc = s_prove_leaf(store, proof->seq, proof->leaf);
    if (!rc)
        rc = relais_store_inclusion_proof(store, proof->seq, proof->tree_size, proof->path, &proof->path_len);
    if (!rc)
        rc = relais_store_root(store, proof->tree_size, proof->root);
    if (!rc && relais_merkle_verify_inclusion(proof->seq - 1, proof->tree_size, proof->leaf, proof->path,
                                              proof->path_len, proof->root) != 0)
        rc = relais_status_set(RELAIS_E_PROOF, "the store's proof does not verify against its own root");
    return rc ? rc : s_prove_signed(store, proof, note);
}

int relais_audit_save_note(const char *path, const char *note)
{
    if (!*note)
        return relais_status_set(RELAIS_E_NOT_FOUND, "no signed checkpoint of the proof's size to save");
    FILE *f = fopen(path, "w");
    int ok = f && fputs(note, f) != EOF;
    if (f && fclose(f) != 0)
        ok = 0;
    return ok ? 0 : relais_status_set(RELAIS_E_IO, "cannot write %s", path);
}

static int s_prove_offline(const char *store_dir, uint64_t seq, uint64_t size, const char *save)
{
    const relais_store_options_t ro = {.read_only = 1};
    char note[RELAIS_CHECKPOINT_MAX];
    relais_store_t *store = NULL;
    relais_audit_proof_t proof;
    uint64_t head = 0;
    memset(&proof, 0, sizeof proof);
    proof.seq = seq;
    proof.tree_size = size;
    int rc = relais_store_open(store_dir, &ro, &store);
    if (!rc)
        rc = relais_store_head(store, &head);
    if (!rc && size == 0)
        rc = s_prove_size(store, seq, head, &proof.tree_size);
    if (!rc && (seq > proof.tree_size || proof.tree_size > head))
        rc = relais_status_set(RELAIS_E_INVALID, "record %" PRIu64 " is not in a tree of size %" PRIu64
                                                 " (the log has %" PRIu64 ")",
                               seq, proof.tree_size, head);
    if (!rc)
        rc = s_prove_build(store, &proof, note);
    relais_store_destroy(&store);
    if (!rc && save)
        rc = relais_audit_save_note(save, note);
    if (rc) {
        relais_cli_local(store_dir, rc);
        return rc == RELAIS_E_CORRUPT || rc == RELAIS_E_PROOF ? RELAIS_EXIT_REFUSED : RELAIS_EXIT_USAGE;
    }
    rc = relais_audit_print_json(relais_audit_proof_json(&proof));
    return rc ? relais_cli_local("audit prove", rc) : RELAIS_EXIT_OK;
}

/* The options of prove and checkpoint: --size, --store or the connection flags, and for
 * prove (`save` not NULL) --save-checkpoint. Returns 1 to run, or 0 with the exit status
 * in *status (--help, or a usage error). */
static int s_parse_source(int argc, char **argv, const char *cmd, const char **store, uint64_t *size,
                          const char **save, relais_cli_conn_t *conn, int *status)
{
    enum { OPT_SIZE = RELAIS_OPT_FIRST_FREE, OPT_STORE, OPT_SAVE };
    static const struct option opts[] = {
        {"size", required_argument, NULL, OPT_SIZE},
        {"store", required_argument, NULL, OPT_STORE},
        {"save-checkpoint", required_argument, NULL, OPT_SAVE},
        RELAIS_CLI_CONN_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    int c;
    *status = RELAIS_EXIT_OK;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == OPT_SIZE && (relais_cli_parse_u64(optarg, size) != 0 || *size == 0))
            break;
        if (c == OPT_STORE)
            *store = optarg;
        else if (c == OPT_SAVE && save)
            *save = optarg;
        else if (c != OPT_SIZE && !relais_cli_conn_opt(conn, c, optarg))
            break;
    }
    if (c == -1)
        return 1;
    if (c == RELAIS_OPT_HELP)
        relais_audit_usage(stdout);
    else
        *status = relais_cli_usage(cmd, "unknown option, or --size without a positive number");
    return 0;
}

int relais_audit_cmd_prove(int argc, char **argv)
{
    relais_cli_conn_t conn = {0};
    const char *store = NULL, *save = NULL;
    uint64_t seq = 0, size = 0;
    int status;
    if (!s_parse_source(argc, argv, "audit prove", &store, &size, &save, &conn, &status))
        return status;
    if (optind + 1 != argc || relais_cli_parse_u64(argv[optind], &seq) != 0 || seq == 0)
        return relais_cli_usage("audit prove", "needs one record number (from 1)");
    return store ? s_prove_offline(store, seq, size, save) : relais_audit_online_prove(&conn, seq, size, save);
}

/* ---- checkpoint ------------------------------------------------------------------------- */

/* Prints a stored signed note as it is, for check-proof or any tlog-checkpoint verifier. */
static int s_checkpoint_offline(const char *store_dir, uint64_t size)
{
    const relais_store_options_t ro = {.read_only = 1};
    relais_store_checkpoint_t cp;
    relais_store_t *store = NULL;
    int rc = relais_store_open(store_dir, &ro, &store);
    if (!rc)
        rc = s_checkpoint_get(store, size, &cp);
    relais_store_destroy(&store);
    if (rc)
        return relais_cli_local(store_dir, rc);
    if (fputs(cp.note, stdout) == EOF || fflush(stdout) != 0)
        return relais_cli_local("audit checkpoint", relais_status_set(RELAIS_E_IO, "writing to standard output"));
    return RELAIS_EXIT_OK;
}

int relais_audit_cmd_checkpoint(int argc, char **argv)
{
    relais_cli_conn_t conn = {0};
    const char *store = NULL;
    uint64_t size = 0;
    int status;
    if (!s_parse_source(argc, argv, "audit checkpoint", &store, &size, NULL, &conn, &status))
        return status;
    if (optind != argc)
        return relais_cli_usage("audit checkpoint", "takes no argument besides its options");
    return store ? s_checkpoint_offline(store, size) : relais_audit_online_checkpoint(&conn, size);
}

/* ---- check-proof ------------------------------------------------------------------------ */

/* The proof against the signed checkpoint: same tree, same root, and the path leads there. */
static int s_check_against(const relais_audit_proof_t *proof, const relais_checkpoint_t *cp)
{
    if (proof->tree_size != cp->size)
        return relais_status_set(RELAIS_E_PROOF, "the proof is for a tree of size %" PRIu64
                                                 ", the checkpoint for size %" PRIu64 " (ask: audit prove %" PRIu64
                                                 " --size %" PRIu64 ")",
                                 proof->tree_size, cp->size, proof->seq, cp->size);
    if (memcmp(proof->root, cp->root, RELAIS_HASH_SIZE) != 0)
        return relais_status_set(RELAIS_E_PROOF, "the proof's root is not the checkpoint's signed root");
    if (relais_merkle_verify_inclusion(proof->seq - 1, proof->tree_size, proof->leaf, proof->path,
                                       proof->path_len, cp->root) != 0)
        return relais_status_set(RELAIS_E_PROOF, "the path does not lead from the leaf to the signed root");
    return 0;
}

static int s_check_proof(const char *proof_file, const char *note_file, const char *cert_file)
{
    char note[RELAIS_NOTE_MAX];
    relais_audit_proof_t proof;
    relais_checkpoint_t cp;
    relais_peer_t broker;
    char *text = NULL;
    size_t len = 0;
    int rc = relais_audit_read_proof_file(proof_file, &text, &len);
    if (rc)
        return relais_cli_local("audit check-proof", rc);
    rc = relais_audit_proof_parse(text, len, &proof);
    free(text);
    if (rc) {
        relais_cli_line(stderr, "relais audit check-proof: %s: not a proof: %s", proof_file, relais_status_detail());
        return RELAIS_EXIT_USAGE;
    }
    rc = relais_audit_read_note(note_file, note);
    if (!rc)
        rc = relais_peer_load(cert_file, &broker);
    if (rc)
        return relais_cli_local("audit check-proof", rc);
    rc = relais_checkpoint_verify(note, broker.name, broker.sign_public, &cp);
    if (!rc)
        rc = s_check_against(&proof, &cp);
    if (rc) {
        relais_cli_local("audit check-proof: FAILED", rc);
        return RELAIS_EXIT_REFUSED;
    }
    relais_cli_line(stdout, "ok: record %" PRIu64 " is in the tree of size %" PRIu64 " signed by %s (%s)", proof.seq,
                    cp.size, broker.name, cp.origin);
    return RELAIS_EXIT_OK;
}

int relais_audit_cmd_check_proof(int argc, char **argv)
{
    static const struct option opts[] = {
        {"checkpoint", required_argument, NULL, 'c'},
        {"broker-cert", required_argument, NULL, 'b'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *note = NULL, *cert = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'c') {
            note = optarg;
        } else if (c == 'b') {
            cert = optarg;
        } else if (c == 'h') {
            relais_audit_usage(stdout);
            return RELAIS_EXIT_OK;
        } else {
            return relais_cli_usage("audit check-proof", "unknown option");
        }
    }
    if (optind + 1 != argc || !note || !cert)
        return relais_cli_usage("audit check-proof", "needs FILE.json (or -), --checkpoint NOTE_FILE and "
                                                     "--broker-cert FILE");
    return s_check_proof(argv[optind], note, cert);
}
