/* audit_consistency.c -- `relais audit consistency` (a proof that a later tree extends an earlier one) and
 * `check-consistency` (an auditor's check of it against two signed notes and the hub's certificate). */
#include "audit_internal.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "relais_store.h"

/* ---- consistency (offline) ------------------------------------------------------------------ */

/* The root of `size` and the store's signed note of that size ("" when it holds none, said on
 * stderr). A stored note whose root is not the log's own is a finding. */
static int s_offline_root(relais_store_t *store, uint64_t size, relais_hash_t root, char *note)
{
    relais_store_checkpoint_t cp;
    int rc = relais_store_root(store, size, root);
    if (rc)
        return rc;
    rc = relais_store_checkpoint_get(store, size, &cp);
    note[0] = '\0';
    if (rc == RELAIS_E_NOT_FOUND) {
        fprintf(stderr, "relais audit consistency: note: no signed checkpoint of size %" PRIu64
                        " in the store; check-consistency needs one of each size\n",
                size);
        return 0;
    }
    if (!rc && memcmp(cp.root, root, RELAIS_HASH_SIZE) != 0)
        rc = relais_status_set(RELAIS_E_PROOF, "the store's root of size %" PRIu64 " differs from its checkpoint of "
                                               "that size", size);
    if (!rc)
        memcpy(note, cp.note, sizeof cp.note);
    return rc;
}

/* Builds the proof from the store and checks it before anyone sees it. */
static int s_offline_build(relais_store_t *store, relais_audit_consistency_t *proof)
{
    int rc = relais_store_consistency_proof(store, proof->old_size, proof->new_size, proof->path, &proof->path_len);
    if (!rc)
        rc = s_offline_root(store, proof->old_size, proof->old_root, proof->old_note);
    if (!rc)
        rc = s_offline_root(store, proof->new_size, proof->new_root, proof->new_note);
    if (!rc && relais_merkle_verify_consistency(proof->old_size, proof->new_size, proof->old_root, proof->new_root,
                                                proof->path, proof->path_len) != 0)
        rc = relais_status_set(RELAIS_E_PROOF, "the store's proof does not lead from its old root to its new");
    return rc;
}

static int s_consistency_offline(const char *store_dir, uint64_t old_size, uint64_t new_size)
{
    const relais_store_options_t ro = {.read_only = 1};
    relais_audit_consistency_t *proof = calloc(1, sizeof *proof);
    relais_store_t *store = NULL;
    uint64_t head = 0;
    if (!proof)
        return relais_cli_local("audit consistency", relais_status_set(RELAIS_E_NOMEM, "a consistency proof"));
    int rc = relais_store_open(store_dir, &ro, &store);
    if (!rc)
        rc = relais_store_head(store, &head);
    proof->old_size = old_size;
    proof->new_size = new_size ? new_size : head;
    if (!rc && (proof->old_size > proof->new_size || proof->new_size > head))
        rc = relais_status_set(RELAIS_E_INVALID, "no consistency proof from size %" PRIu64 " to size %" PRIu64
                                                 " (the log has %" PRIu64 ")",
                               proof->old_size, proof->new_size, head);
    if (!rc)
        rc = s_offline_build(store, proof);
    relais_store_destroy(&store);
    if (rc) {
        free(proof);
        relais_cli_local(store_dir, rc);
        return rc == RELAIS_E_CORRUPT || rc == RELAIS_E_PROOF ? RELAIS_EXIT_REFUSED : RELAIS_EXIT_USAGE;
    }
    rc = relais_audit_print_json(relais_audit_consistency_json(proof));
    free(proof);
    return rc ? relais_cli_local("audit consistency", rc) : RELAIS_EXIT_OK;
}

int relais_audit_cmd_consistency(int argc, char **argv)
{
    enum { OPT_STORE = RELAIS_OPT_FIRST_FREE };
    static const struct option opts[] = {
        {"store", required_argument, NULL, OPT_STORE},
        RELAIS_CLI_CONN_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    relais_cli_conn_t conn = {0};
    const char *store = NULL;
    uint64_t old_size = 0, new_size = 0;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == OPT_STORE)
            store = optarg;
        else if (!relais_cli_conn_opt(&conn, c, optarg))
            break;
    }
    if (c == RELAIS_OPT_HELP) {
        relais_audit_usage(stdout);
        return RELAIS_EXIT_OK;
    }
    if (c != -1)
        return relais_cli_usage("audit consistency", "unknown option");
    if (optind == argc || argc - optind > 2 || relais_cli_parse_u64(argv[optind], &old_size) != 0 || old_size == 0 ||
        (argc - optind == 2 && (relais_cli_parse_u64(argv[optind + 1], &new_size) != 0 || new_size == 0)))
        return relais_cli_usage("audit consistency", "needs OLD_SIZE and, if not the log's size now, NEW_SIZE "
                                                     "(tree sizes, from 1)");
    if (new_size && old_size > new_size)
        return relais_cli_usage("audit consistency", "OLD_SIZE %" PRIu64 " is above NEW_SIZE %" PRIu64, old_size,
                                new_size);
    return store ? s_consistency_offline(store, old_size, new_size)
                 : relais_audit_online_consistency(&conn, old_size, new_size);
}

/* ---- check-consistency -------------------------------------------------------------------- */

/* One of the two notes: its signature by the hub's key, then its size and root against the
 * proof's. `which` is "old" or "new"; `option` the certificate's option, for the sentence. Returns 0, or the status of the first difference with a
 * sentence that names the note and the field. */
static int s_check_note(const char *which, const char *note, const relais_peer_t *broker, const char *option,
                        uint64_t size, const relais_hash_t root, relais_checkpoint_t *cp)
{
    char why[256];
    int rc = relais_checkpoint_verify(note, broker->name, broker->sign_public, cp);
    if (rc == RELAIS_E_BAD_SIGNATURE)
        return relais_status_set(rc, "the %s note is not signed by %s's key (the %s's sign-key)", which,
                                 broker->name, option);
    if (rc) {
        snprintf(why, sizeof why, "%s", relais_status_detail());
        return relais_status_set(rc, "the %s note is not a checkpoint note: %s", which, why);
    }
    if (cp->size != size)
        return relais_status_set(RELAIS_E_PROOF,
                                 "the %s note is for a tree of size %" PRIu64 ", the proof's %s_size is %" PRIu64, which,
                                 cp->size, which, size);
    if (memcmp(cp->root, root, RELAIS_HASH_SIZE) != 0)
        return relais_status_set(RELAIS_E_PROOF, "the %s note's root is not the proof's %s_root", which, which);
    return 0;
}

/* Both notes, then the proof itself (RFC 9162 section 2.1.4.2). The old note is checked with
 * `old_broker` when the hub's identity changed between the two (--old-broker-cert), else with
 * `broker`. */
static int s_check_consistency_against(const relais_audit_consistency_t *proof, const char *old_note,
                                       const char *new_note, const relais_peer_t *broker,
                                       const relais_peer_t *old_broker, relais_checkpoint_t *old_cp,
                                       relais_checkpoint_t *new_cp)
{
    int rc = old_broker ? s_check_note("old", old_note, old_broker, "--old-broker-cert", proof->old_size,
                                       proof->old_root, old_cp)
                        : s_check_note("old", old_note, broker, "--broker-cert", proof->old_size, proof->old_root,
                                       old_cp);
    if (!rc)
        rc = s_check_note("new", new_note, broker, "--broker-cert", proof->new_size, proof->new_root, new_cp);
    if (!rc && strcmp(old_cp->origin, new_cp->origin) != 0)
        rc = relais_status_set(RELAIS_E_PROOF, "the new note's origin '%s' is not the old note's '%s': two logs",
                               new_cp->origin, old_cp->origin);
    if (!rc && relais_merkle_verify_consistency(proof->old_size, proof->new_size, proof->old_root, proof->new_root,
                                                proof->path, proof->path_len) != 0)
        rc = relais_status_set(RELAIS_E_PROOF, "the proof does not lead from the old root to the new");
    return rc;
}

/* What check-consistency reads: the proof, both notes and the hub's certificate (and the one
 * that signed the old note, when it is another). Exit status 2 when one of them does not read
 * (or the proof is no proof), with the reason said. */
typedef struct {
    relais_audit_consistency_t proof;
    char old_note[RELAIS_NOTE_MAX];
    char new_note[RELAIS_NOTE_MAX];
    relais_peer_t broker;
    relais_peer_t old_broker;
} s_check_input_t;

static int s_check_read(const char *proof_file, const char *old_file, const char *new_file, const char *cert_file,
                        const char *old_cert_file, s_check_input_t *in)
{
    char *text = NULL;
    size_t len = 0;
    int rc = relais_audit_read_proof_file(proof_file, &text, &len);
    if (rc)
        return relais_cli_local("audit check-consistency", rc);
    rc = relais_audit_consistency_parse(text, len, &in->proof);
    free(text);
    if (rc) {
        relais_cli_line(stderr, "relais audit check-consistency: %s: not a consistency proof: %s", proof_file,
                        relais_status_detail());
        return RELAIS_EXIT_USAGE;
    }
    rc = relais_audit_read_note(old_file, in->old_note);
    if (!rc)
        rc = relais_audit_read_note(new_file, in->new_note);
    if (!rc)
        rc = relais_peer_load(cert_file, &in->broker);
    if (!rc && old_cert_file)
        rc = relais_peer_load(old_cert_file, &in->old_broker);
    return rc ? relais_cli_local("audit check-consistency", rc) : RELAIS_EXIT_OK;
}

static int s_check_consistency(const char *proof_file, const char *old_file, const char *new_file,
                               const char *cert_file, const char *old_cert_file)
{
    relais_checkpoint_t old_cp, new_cp;
    s_check_input_t *in = calloc(1, sizeof *in);
    if (!in)
        return relais_cli_local("audit check-consistency", relais_status_set(RELAIS_E_NOMEM, "a consistency proof"));
    int status = s_check_read(proof_file, old_file, new_file, cert_file, old_cert_file, in);
    if (status) {
        free(in);
        return status;
    }
    const relais_peer_t *old_broker = old_cert_file ? &in->old_broker : NULL;
    int rc = s_check_consistency_against(&in->proof, in->old_note, in->new_note, &in->broker, old_broker, &old_cp,
                                         &new_cp);
    if (rc) {
        free(in);
        relais_cli_local("audit check-consistency: FAILED", rc);
        return RELAIS_EXIT_REFUSED;
    }
    if (old_broker)
        relais_cli_line(stdout, "ok: the tree of size %" PRIu64 " extends the tree of size %" PRIu64
                                ", signed by %s then by %s (%s)",
                        new_cp.size, old_cp.size, old_broker->name, in->broker.name, new_cp.origin);
    else
        relais_cli_line(stdout, "ok: the tree of size %" PRIu64 " extends the tree of size %" PRIu64
                                ", both signed by %s (%s)",
                        new_cp.size, old_cp.size, in->broker.name, new_cp.origin);
    free(in);
    return RELAIS_EXIT_OK;
}

int relais_audit_cmd_check_consistency(int argc, char **argv)
{
    static const struct option opts[] = {
        {"old", required_argument, NULL, 'o'},
        {"new", required_argument, NULL, 'n'},
        {"broker-cert", required_argument, NULL, 'b'},
        {"old-broker-cert", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *old_note = NULL, *new_note = NULL, *cert = NULL, *old_cert = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'o') {
            old_note = optarg;
        } else if (c == 'n') {
            new_note = optarg;
        } else if (c == 'b') {
            cert = optarg;
        } else if (c == 'c') {
            old_cert = optarg;
        } else if (c == 'h') {
            relais_audit_usage(stdout);
            return RELAIS_EXIT_OK;
        } else {
            return relais_cli_usage("audit check-consistency", "unknown option");
        }
    }
    if (optind + 1 != argc || !old_note || !new_note || !cert)
        return relais_cli_usage("audit check-consistency", "needs FILE.json (or -), --old NOTE_FILE, --new NOTE_FILE "
                                                           "and --broker-cert FILE");
    return s_check_consistency(argv[optind], old_note, new_note, cert, old_cert);
}
