/* audit_proof.c -- `relais audit prove` (inclusion proofs) and `check-proof` (an auditor's offline check). */
#include "audit_internal.h"

#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "relais_store.h"

/* A proof is a few dozen hashes: a file far larger is not one, and is not read whole. */
#define S_PROOF_MAX (1024 * 1024)

/* ---- The proof as JSON ------------------------------------------------------------------ */

static int s_nibble(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Parses exactly `len` bytes of hex; 0 or -1. */
static int s_unhex(const char *in, uint8_t *out, size_t len)
{
    if (!in || strlen(in) != 2 * len)
        return -1;
    for (size_t i = 0; i < len; i++) {
        int hi = s_nibble(in[2 * i]), lo = s_nibble(in[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

void relais_audit_proof_print(const relais_audit_proof_t *proof)
{
    json_t *path = json_array();
    for (size_t i = 0; path && i < proof->path_len; i++)
        json_array_append_new(path, relais_audit_json_hex(proof->path[i], RELAIS_HASH_SIZE));
    /* json_pack steals the values given with "o" and fails as a whole on a NULL among them. */
    relais_cli_print_json(stdout, json_pack("{s:I, s:I, s:o, s:o*, s:o}", "seq", (json_int_t)proof->seq, "tree_size",
                                            (json_int_t)proof->tree_size, "leaf_hash", relais_audit_json_hex(proof->leaf, RELAIS_HASH_SIZE),
                                            "path", path, "root", relais_audit_json_hex(proof->root, RELAIS_HASH_SIZE)));
}

/* A 32-byte hash from a hex string member or element. */
static int s_hash_of(const json_t *value, relais_hash_t out)
{
    return json_is_string(value) ? s_unhex(json_string_value(value), out, RELAIS_HASH_SIZE) : -1;
}

static int s_u64_of(const json_t *value, uint64_t *out)
{
    if (!json_is_integer(value) || json_integer_value(value) < 1)
        return -1;
    *out = (uint64_t)json_integer_value(value);
    return 0;
}

/* Reads a proof as `prove` prints it. 0, or -1 with the reason in `why`. */
static int s_proof_parse(const json_t *doc, relais_audit_proof_t *proof, char *why, size_t cap)
{
    const json_t *path = json_object_get(doc, "path");
    memset(proof, 0, sizeof *proof);
    if (s_u64_of(json_object_get(doc, "seq"), &proof->seq) || s_u64_of(json_object_get(doc, "tree_size"),
                                                                         &proof->tree_size)) {
        snprintf(why, cap, "\"seq\" and \"tree_size\" must be positive integers");
        return -1;
    }
    if (s_hash_of(json_object_get(doc, "leaf_hash"), proof->leaf) ||
        s_hash_of(json_object_get(doc, "root"), proof->root)) {
        snprintf(why, cap, "\"leaf_hash\" and \"root\" must be 64 hex digits");
        return -1;
    }
    if (!json_is_array(path) || json_array_size(path) > RELAIS_MERKLE_MAX_PATH) {
        snprintf(why, cap, "\"path\" must be an array of at most %d hashes", RELAIS_MERKLE_MAX_PATH);
        return -1;
    }
    for (size_t i = 0; i < json_array_size(path); i++) {
        if (s_hash_of(json_array_get(path, i), proof->path[i])) {
            snprintf(why, cap, "\"path\"[%zu] must be 64 hex digits", i);
            return -1;
        }
    }
    proof->path_len = json_array_size(path);
    return 0;
}

/* ---- prove (offline) ------------------------------------------------------------------- */

/* Stops a checkpoint walk at the size wanted, copying that checkpoint out. */
typedef struct {
    uint64_t size;                 /* wanted */
    relais_store_checkpoint_t *cp; /* where it goes */
} s_cp_find_t;

static int s_cp_find(void *ctx, const relais_store_checkpoint_t *cp)
{
    s_cp_find_t *f = ctx;
    if (cp->size != f->size)
        return 0;
    *f->cp = *cp;
    return 1;
}

/* The stored checkpoint of `size` (0: the latest) into *cp. Errors: RELAIS_E_NOT_FOUND. */
static int s_checkpoint_get(relais_store_t *store, uint64_t size, relais_store_checkpoint_t *cp)
{
    s_cp_find_t find = {size, cp};
    if (size == 0)
        return relais_store_checkpoint_latest(store, cp);
    int rc = relais_store_checkpoint_iterate(store, s_cp_find, &find);
    if (rc == 0)
        return relais_status_set(RELAIS_E_NOT_FOUND, "no checkpoint of size %" PRIu64 " in the store", size);
    return rc == 1 ? 0 : rc;
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
    if (!rc) {
        relais_audit_proof_print(&proof);
        return RELAIS_EXIT_OK;
    }
    relais_cli_local(store_dir, rc);
    return rc == RELAIS_E_CORRUPT || rc == RELAIS_E_PROOF ? RELAIS_EXIT_REFUSED : RELAIS_EXIT_USAGE;
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

/* Reads a checkpoint note file into `note` (room RELAIS_CHECKPOINT_MAX). */
static int s_read_note(const char *path, char *note)
{
    char *text = NULL;
    size_t len = 0;
    int rc = relais_cli_read_file(path, RELAIS_CHECKPOINT_MAX, 0, &text, &len);
    if (rc == RELAIS_E_TOO_LARGE)
        rc = relais_status_set(RELAIS_E_MALFORMED, "%s is not a checkpoint note (over %d bytes)", path,
                               RELAIS_CHECKPOINT_MAX);
    if (rc)
        return rc;
    if (len >= RELAIS_CHECKPOINT_MAX || strlen(text) != len)
        rc = relais_status_set(RELAIS_E_MALFORMED, "%s is not a checkpoint note", path);
    else
        memcpy(note, text, len + 1);
    free(text);
    return rc;
}

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
    char note[RELAIS_CHECKPOINT_MAX], why[160];
    relais_audit_proof_t proof;
    relais_checkpoint_t cp;
    relais_peer_t broker;
    json_error_t jerr;
    char *text = NULL;
    size_t len = 0;
    int read_rc = strcmp(proof_file, "-") == 0 ? relais_cli_read_fd(0, "standard input", S_PROOF_MAX, &text, &len)
                                               : relais_cli_read_file(proof_file, S_PROOF_MAX, 0, &text, &len);
    if (read_rc)
        return relais_cli_local("audit check-proof", read_rc);
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    free(text);
    if (!doc) {
        /* jansson's words quote the text near the error: the line and column say where */
        relais_cli_line(stderr, "relais audit check-proof: %s: not valid JSON (line %d, column %d)", proof_file,
                        jerr.line, jerr.column);
        return RELAIS_EXIT_USAGE;
    }
    int parsed = s_proof_parse(doc, &proof, why, sizeof why);
    json_decref(doc);
    if (parsed != 0) {
        relais_cli_line(stderr, "relais audit check-proof: %s: not a proof: %s", proof_file, why);
        return RELAIS_EXIT_USAGE;
    }
    int rc = s_read_note(note_file, note);
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
