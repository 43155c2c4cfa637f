/* audit.c -- `relais audit`: dispatch to its subcommands, the trust keys, and export. */
#include "audit_internal.h"

#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "relais_cases.h"
#include "relais_store.h"

void relais_audit_usage(FILE *out)
{
    fputs("usage: relais audit verify --store DIR --certs DIR [--data-key FILE] [--broker NAME] [--jobs N]\n"
          "                           [--quiet]\n"
          "       relais audit verify --endpoint E --key FILE --server-cert FILE --certs DIR [--quiet]\n"
          "       relais audit export --store DIR [--data-key FILE] [--from N] [--to M]\n"
          "       relais audit prove SEQ [--size N] [--save-checkpoint NOTE_FILE]\n"
          "                          (--store DIR | --endpoint E --key FILE --server-cert FILE)\n"
          "       relais audit check-proof FILE.json --checkpoint NOTE_FILE --broker-cert FILE\n"
          "       relais audit checkpoint [--size N] (--store DIR | --endpoint E --key FILE --server-cert FILE)\n"
          "       relais audit consistency OLD_SIZE [NEW_SIZE]\n"
          "                          (--store DIR | --endpoint E --key FILE --server-cert FILE)\n"
          "       relais audit check-consistency FILE.json --old NOTE_FILE --new NOTE_FILE --broker-cert FILE\n"
          "                          [--old-broker-cert FILE]\n"
          "       relais audit watch --checkpoints DIR --endpoint E --key FILE --server-cert FILE\n"
          "                          [--require-cosigners N --witness-cert FILE... [--cosign-wait S]]\n"
          "       relais audit snapshot --store DIR --out DIR\n"
          "\n"
          "verify checks every record (decoding, sequence, leaf hash, sender, signature, unique id)\n"
          "and every checkpoint (broker signature, root recomputed from the records, consistency).\n"
          "Records about children are stored sealed: without the hub's data key (--data-key) a copy\n"
          "is checked as stored (the tree, every leaf, the checkpoints) and verify says so; with it,\n"
          "every record is opened, its author's signature checked and the cases replayed. Online, the\n"
          "hub opens them for its auditor, and logs the reads. export gives sealed records as stored\n"
          "without the data key, opened with it.\n"
          "A registry's revoked/ folder is searched too. Exit 1 when the log fails, 2 on a local error.\n"
          "Offline, --jobs N checks signatures on N threads (default: the online cores).\n"
          "prove prints an inclusion proof (JSON, hashes in base64) for the latest signed checkpoint\n"
          "that holds SEQ; checkpoint prints a signed note (C2SP tlog-checkpoint) of the latest\n"
          "checkpoint or of --size N, which check-proof checks the proof against.\n"
          "consistency prints the proof (RFC 9162 section 2.1.4, JSON) that the tree of NEW_SIZE\n"
          "records (default: the log's size now) extends the tree of OLD_SIZE, with the hub's signed\n"
          "notes of those sizes when it has them; check-consistency checks it against two notes you\n"
          "kept, with nothing but the hub's certificate: exit 0 when the new tree extends the old, 1\n"
          "naming what differs, 2 when a file does not read. When the hub's identity changed between\n"
          "the two notes, --old-broker-cert is the certificate that signed the old one.\n"
          "watch, for an auditor's timer, fetches the hub's latest checkpoint and checks with a\n"
          "consistency proof that it extends the one kept in DIR (latest.note), then keeps it: exit 0;\n"
          "4 with an ALARM when the hub shows a history that does not extend the one kept (cut,\n"
          "rewritten, or another than it showed before), its note kept apart as evidence; 1 when the\n"
          "hub refused or did not answer; 2 on a local error. The first run keeps what it gets.\n"
          "With --witness-cert (the certificates of witnesses you trust, role witness) the checkpoint\n"
          "must also carry the valid cosignatures of N of them (--require-cosigners; all by default),\n"
          "fetched again for up to S seconds (--cosign-wait, 10) while they are missing: else exit 4,\n"
          "'missing cosignatures', as the witnesses refuse a history that does not extend theirs (a\n"
          "split view: the hub showing different histories to different people).\n"
          "snapshot copies a store, even one a running relaisd writes to, as it is at one instant\n"
          "(compacted; its data keys wrapped, so that it is read only with the hub's data key of its\n"
          "generation): the copy to audit offline, or a backup.\n"
          "\n" RELAIS_CLI_CONN_HELP,
          out);
}

int relais_cmd_audit(int argc, char **argv)
{
    static const struct {
        const char *name;                  /* subcommand as typed */
        int (*run)(int argc, char **argv); /* its entry point (audit_internal.h) */
    } subs[] = {
        {"verify", relais_audit_cmd_verify},
        {"export", relais_audit_cmd_export},
        {"prove", relais_audit_cmd_prove},
        {"check-proof", relais_audit_cmd_check_proof},
        {"checkpoint", relais_audit_cmd_checkpoint},
        {"snapshot", relais_audit_cmd_snapshot},
        {"consistency", relais_audit_cmd_consistency},
        {"check-consistency", relais_audit_cmd_check_consistency},
        {"watch", relais_audit_cmd_watch},
    };
    if (argc < 2) {
        relais_audit_usage(stderr);
        return RELAIS_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        relais_audit_usage(stdout);
        return RELAIS_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
        if (strcmp(argv[1], subs[i].name) == 0) {
            /* glibc's getopt keeps state between scans; 0 makes the next scan start afresh
             * whatever main() parsed before us. */
            optind = 0;
            return subs[i].run(argc - 1, argv + 1);
        }
    }
    relais_cli_line(stderr, "relais audit: unknown subcommand '%s'", argv[1]);
    relais_audit_usage(stderr);
    return RELAIS_EXIT_USAGE;
}

/* ---- Shared helpers ------------------------------------------------------------------- */

/* Base64 of `len` bytes; caller frees; NULL when out of memory. */
static char *s_base64(const uint8_t *in, size_t len)
{
    /* EVP_EncodeBlock takes an int length; a record never comes near it (the broker's
     * size limit), but refuse rather than truncate. */
    if (len > (size_t)INT32_MAX / 2)
        return NULL;
    char *out = malloc(4 * ((len + 2) / 3) + 1);
    if (out)
        EVP_EncodeBlock((unsigned char *)out, in, (int)len);
    return out;
}

json_t *relais_audit_json_hex(const uint8_t *in, size_t len)
{
    char text[2 * RELAIS_HASH_SIZE + 1];
    if (len > RELAIS_HASH_SIZE)
        return NULL;
    relais_hex_encode(in, len, text);
    return json_string(text);
}

/* ---- Trust keys ----------------------------------------------------------------------- */

int relais_audit_keys_load(const char *dir, relais_audit_keys_t *keys)
{
    char revoked[4096];
    struct stat st;
    memset(keys, 0, sizeof *keys);
    int rc = relais_registry_load(dir, &keys->current);
    if (rc)
        return rc;
    if (snprintf(revoked, sizeof revoked, "%s/revoked", dir) >= (int)sizeof revoked)
        return relais_status_set(RELAIS_E_INVALID, "registry path too long: %s", dir);
    if (stat(revoked, &st) == 0 && S_ISDIR(st.st_mode))
        rc = relais_registry_load(revoked, &keys->revoked);
    return rc;
}

void relais_audit_keys_clear(relais_audit_keys_t *keys)
{
    relais_registry_destroy(&keys->current);
    relais_registry_destroy(&keys->revoked);
}

const relais_peer_t *relais_audit_keys_find(const relais_audit_keys_t *keys, const char *name)
{
    const relais_peer_t *peer = relais_registry_by_name(keys->current, name);
    if (!peer && keys->revoked)
        peer = relais_registry_by_name(keys->revoked, name);
    return peer;
}

const relais_peer_t *relais_audit_keys_broker(const relais_audit_keys_t *keys, const char *name, char *why,
                                              size_t cap)
{
    const relais_peer_t *found = NULL;
    if (name) {
        found = relais_audit_keys_find(keys, name);
        if (!found)
            snprintf(why, cap, "no certificate named '%s' in the registry", name);
        return found;
    }
    /* Only the current registry: a broker key in revoked/ is one the hub stopped using. */
    for (size_t i = 0; i < relais_registry_count(keys->current); i++) {
        const relais_peer_t *peer = relais_registry_at(keys->current, i);
        if (peer->role != RELAIS_ROLE_BROKER)
            continue;
        if (found) {
            snprintf(why, cap, "several broker certificates ('%s', '%s'): name one with --broker", found->name,
                     peer->name);
            return NULL;
        }
        found = peer;
    }
    if (!found)
        snprintf(why, cap, "no certificate of role broker in the registry: name one with --broker");
    return found;
}

/* ---- export --------------------------------------------------------------------------- */

/* Where export writes and what went wrong first. */
typedef struct {
    relais_store_t *store;     /* the store exported */
    relais_audit_keys_t *keys; /* its data keys (--data-key), or keys->ring NULL */
    int status;                /* first failure, 0 while all is well */
    uint64_t seq;              /* the record it concerns */
} s_export_t;

/* Base64 of bytes as a JSON string value; NULL when out of memory. */
static json_t *s_json_base64(const uint8_t *in, size_t len)
{
    char *text = s_base64(in, len);
    json_t *value = text ? json_string(text) : NULL;
    free(text);
    return value;
}

/* A sealed record as stored, for whoever checks its leaf without the data key: the fields of
 * its canonical LogRecord (docs/log.md), its ciphertext in base64. */
static int s_export_sealed(const relais_log_record_t *rec, const relais_hash_t leaf, json_t **out)
{
    json_t *line = json_pack("{s:I, s:I, s:I, s:o, s:o, s:o}", "seq", (json_int_t)rec->seq, "received_ms",
                             (json_int_t)rec->received_ms, "key_id", (json_int_t)rec->key_id, "nonce",
                             relais_audit_json_hex(rec->nonce, RELAIS_SEAL_NONCE_BYTES), "sealed",
                             s_json_base64(rec->sealed, rec->sealed_len), "leaf_hash",
                             relais_audit_json_hex(leaf, RELAIS_HASH_SIZE));
    if (!line)
        return relais_status_set(RELAIS_E_NOMEM, "building the JSON of record %" PRIu64, rec->seq);
    if (rec->copy_of)
        json_object_set_new(line, "copy_of", json_integer((json_int_t)rec->copy_of));
    *out = line;
    return 0;
}

/* The export line of one record; the fields the record does not yield make it fail. A sealed
 * record is opened when the data key was given, and exported as stored when not. */
static int s_export_line(const relais_audit_keys_t *keys, uint64_t seq, const uint8_t *record, size_t len,
                         const relais_hash_t leaf, json_t **out)
{
    relais_log_record_t rec;
    relais_signed_t sig;
    relais_message_t *msg = NULL;
    uint8_t *plain = NULL;
    size_t plain_len = 0;
    int rc = relais_log_record_decode(record, len, &rec);
    if (rc)
        return rc;
    if (rec.key_id && !keys->ring)
        return s_export_sealed(&rec, leaf, out);
    if (rec.key_id) {
        rc = relais_keyring_open_record(keys->ring, keys->store, &rec, &plain, &plain_len);
        /* Its key is gone (its case left the active base, or a split moved it out): as stored. */
        if (rc == RELAIS_E_NOT_FOUND)
            return s_export_sealed(&rec, leaf, out);
        if (rc)
            return rc;
        rec.signed_message = plain;
        rec.signed_len = plain_len;
    }
    rc = relais_signed_decode(rec.signed_message, rec.signed_len, &sig);
    if (!rc)
        rc = relais_message_decode_stored(sig.body, sig.body_len, &msg);
    if (rc) {
        free(plain);
        return rc;
    }
    /* json_pack steals the "o" values, and fails as a whole when one of them is NULL. */
    json_t *line = json_pack("{s:I, s:I, s:s, s:o, s:o, s:o, s:o}", "seq", (json_int_t)seq, "received_ms",
                             (json_int_t)rec.received_ms, "sender", relais_message_sender(msg), "msg_id",
                             relais_audit_json_hex(relais_message_id(msg), RELAIS_MSG_ID_BYTES), "body",
                             s_json_base64(sig.body, sig.body_len), "signature",
                             s_json_base64(sig.signature, RELAIS_SIGNATURE_BYTES), "leaf_hash",
                             relais_audit_json_hex(leaf, RELAIS_HASH_SIZE));
    relais_message_destroy(&msg);
    if (plain)
        OPENSSL_cleanse(plain, plain_len);
    free(plain);
    if (!line)
        return relais_status_set(RELAIS_E_NOMEM, "building the JSON of record %" PRIu64, seq);
    if (rec.copy_of)
        json_object_set_new(line, "copy_of", json_integer((json_int_t)rec.copy_of));
    *out = line;
    return 0;
}

static int s_export_record(void *ctx, uint64_t seq, const uint8_t *record, size_t len, const relais_hash_t leaf)
{
    s_export_t *ex = ctx;
    json_t *line = NULL;
    int rc = s_export_line(ex->keys, seq, record, len, leaf, &line);
    if (!rc) {
        /* Not relais_cli_print_json: a whole log goes out here, buffered rather than flushed
         * a line at a time, and a failed write (a full disk) must fail the export. */
        rc = json_dumpf(line, stdout, JSON_COMPACT) || fputc('\n', stdout) == EOF
                 ? relais_status_set(RELAIS_E_IO, "writing to standard output")
                 : 0;
        json_decref(line);
    }
    if (rc) {
        ex->status = rc;
        ex->seq = seq;
    }
    if (rc == 0 && seq % RELAIS_AUDIT_RELEASE_EVERY == 0)
        (void)relais_store_release_mapped(ex->store); /* only memory is at stake */
    return rc;
}

/* Returns 1 to run, or 0 with the exit status in *status (--help, or a usage error). */
static int s_export_parse(int argc, char **argv, const char **store_dir, const char **data_key, uint64_t *from,
                          uint64_t *to, int *status)
{
    static const struct option opts[] = {
        {"store", required_argument, NULL, 's'},
        {"data-key", required_argument, NULL, 'k'},
        {"from", required_argument, NULL, 'f'},
        {"to", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    *status = RELAIS_EXIT_OK;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 's') {
            *store_dir = optarg;
        } else if (c == 'k') {
            *data_key = optarg;
        } else if (c == 'h') {
            relais_audit_usage(stdout);
            return 0;
        } else if (!(c == 'f' && relais_cli_parse_u64(optarg, from) == 0) &&
                   !(c == 't' && relais_cli_parse_u64(optarg, to) == 0)) {
            *status = relais_cli_usage("audit export", "unknown option, or --from/--to without a number");
            return 0;
        }
    }
    if (*store_dir && optind == argc)
        return 1;
    *status = relais_cli_usage("audit export", "needs --store DIR and no other argument");
    return 0;
}

int relais_audit_cmd_export(int argc, char **argv)
{
    const relais_store_options_t ro = {.read_only = 1};
    relais_store_t *store = NULL;
    const char *store_dir = NULL, *data_key = NULL;
    uint64_t from = 1, to = 0, head = 0;
    relais_audit_keys_t keys;
    relais_kek_t *kek = NULL;
    memset(&keys, 0, sizeof keys);
    s_export_t ex = {NULL, &keys, 0, 0};
    int status;
    if (!s_export_parse(argc, argv, &store_dir, &data_key, &from, &to, &status))
        return status;
    int rc = relais_store_open(store_dir, &ro, &store);
    if (!rc)
        rc = relais_store_head(store, &head);
    if (rc) {
        relais_store_destroy(&store);
        return relais_cli_local(store_dir, rc);
    }
    rc = relais_audit_open_keys(store, data_key, &kek, &keys);
    if (rc) {
        relais_audit_close_keys(&kek, &keys);
        relais_store_destroy(&store);
        return relais_cli_local(data_key, rc);
    }
    if (to == 0 || to > head)
        to = head;
    if (from == 0)
        from = 1;
    /* An empty range (an empty log, or --from past the end) exports nothing, successfully. */
    ex.store = store;
    if (from <= to)
        rc = relais_store_iterate(store, from, to, s_export_record, &ex);
    relais_audit_close_keys(&kek, &keys);
    relais_store_destroy(&store);
    if (fflush(stdout) != 0 && !rc)
        rc = relais_status_set(RELAIS_E_IO, "writing to standard output");
    if (!rc)
        return RELAIS_EXIT_OK;
    char where[64];
    snprintf(where, sizeof where, "audit export: record %" PRIu64, ex.seq);
    relais_cli_local(ex.status ? where : store_dir, rc);
    /* A record that does not decode is a finding about the log, not a local failure. */
    return rc == RELAIS_E_MALFORMED || rc == RELAIS_E_VERSION || rc == RELAIS_E_CORRUPT ? RELAIS_EXIT_REFUSED
                                                                                         : RELAIS_EXIT_USAGE;
}

/* ---- snapshot ------------------------------------------------------------------------- */

/* Returns 1 to run, or 0 with the exit status in *status (--help, or a usage error). */
static int s_snapshot_parse(int argc, char **argv, const char **store_dir, const char **out_dir, int *status)
{
    static const struct option opts[] = {
        {"store", required_argument, NULL, 's'},
        {"out", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    *status = RELAIS_EXIT_OK;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 's') {
            *store_dir = optarg;
        } else if (c == 'o') {
            *out_dir = optarg;
        } else if (c == 'h') {
            relais_audit_usage(stdout);
            return 0;
        } else {
            *status = relais_cli_usage("audit snapshot", "unknown option");
            return 0;
        }
    }
    if (*store_dir && *out_dir && optind == argc)
        return 1;
    *status = relais_cli_usage("audit snapshot", "needs --store DIR, --out DIR and no other argument");
    return 0;
}

/* A store in clear keeps the hub's child-key secret in a file beside it, which goes with the
 * copy: without it the copy's cases cannot be replayed. A sealed store keeps it wrapped among
 * its data keys, and the copy holds it as it holds them, wrapped: *generation says under which
 * KEK generation, without which the copy cannot be read. An empty log may have no secret yet
 * (*have = 0). Read before anything is copied, so that a store whose secret is missing leaves
 * no half snapshot behind. */
static int s_snapshot_secret_load(relais_store_t *store, const char *store_dir, uint64_t head,
                                  uint8_t secret[RELAIS_CASES_SECRET_SIZE], int *have, uint32_t *generation)
{
    uint8_t *wrapped = NULL;
    size_t len = 0;
    *have = 0;
    if (relais_store_key_get(store, RELAIS_KEY_ID_CHILD_SECRET, &wrapped, &len) == 0) {
        *generation = relais_wrapped_generation(wrapped, len);
        free(wrapped);
        return 0;
    }
    int rc = relais_cases_secret_load(store_dir, 0, secret, NULL);
    *have = rc == 0;
    return rc && head == 0 ? 0 : rc;
}

/* A snapshot goes into a new or empty directory: nothing already there (a lock file, a
 * link) is ever opened or written through. */
static int s_snapshot_dir(const char *out_dir)
{
    if (mkdir(out_dir, 0700) == 0)
        return 0;
    if (errno != EEXIST)
        return relais_status_set(RELAIS_E_IO, "cannot create %s: %s", out_dir, strerror(errno));
    DIR *d = opendir(out_dir);
    if (!d)
        return relais_status_set(RELAIS_E_IO, "cannot open %s: %s", out_dir, strerror(errno));
    int empty = 1;
    for (struct dirent *e; empty && (e = readdir(d)) != NULL;)
        empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
    closedir(d);
    return empty ? 0 : relais_status_set(RELAIS_E_INVALID, "%s is not empty: a snapshot goes into a new or empty "
                                                           "directory", out_dir);
}

/* What the copy holds, read back from the copy itself. */
static int s_snapshot_report(const char *out_dir, uint32_t generation)
{
    const relais_store_options_t ro = {.read_only = 1};
    relais_store_t *copy = NULL;
    relais_store_stat_t st;
    relais_store_checkpoint_t cp;
    int rc = relais_store_open(out_dir, &ro, &copy);
    if (!rc)
        rc = relais_store_stat(copy, &st);
    int has_cp = !rc && relais_store_checkpoint_latest(copy, &cp) == 0;
    relais_store_destroy(&copy);
    if (rc)
        return rc;
    relais_cli_line(stdout, "snapshot: %" PRIu64 " records, %" PRIu64 " checkpoints, %.1f MiB, in %s", st.records,
                    st.checkpoints, (double)st.used_bytes / (1024.0 * 1024.0), out_dir);
    if (has_cp)
        printf("latest checkpoint: size %" PRIu64 "\n", cp.size);
    if (generation)
        printf("sealed under data key generation %" PRIu32 ": the copy is read with that generation's file, and "
               "checked without it\n", generation);
    return 0;
}

int relais_audit_cmd_snapshot(int argc, char **argv)
{
    const relais_store_options_t ro = {.read_only = 1};
    relais_store_t *store = NULL;
    const char *store_dir = NULL, *out_dir = NULL;
    uint8_t secret[RELAIS_CASES_SECRET_SIZE];
    uint64_t head = 0;
    uint32_t generation = 0;
    int status, have_secret = 0;
    if (!s_snapshot_parse(argc, argv, &store_dir, &out_dir, &status))
        return status;
    int rc = s_snapshot_dir(out_dir);
    if (rc)
        return relais_cli_local("audit snapshot", rc);
    rc = relais_store_open(store_dir, &ro, &store);
    if (!rc)
        rc = relais_store_head(store, &head);
    if (!rc)
        rc = s_snapshot_secret_load(store, store_dir, head, secret, &have_secret, &generation);
    if (!rc)
        rc = relais_store_copy(store, out_dir);
    relais_store_destroy(&store);
    if (!rc && have_secret && (rc = relais_cases_secret_save(out_dir, secret)) != 0) {
        char path[4096];
        snprintf(path, sizeof path, "%s/data.mdb", out_dir);
        unlink(path); /* a copy without its secret is no snapshot */
    }
    memset(secret, 0, sizeof secret);
    if (rc)
        return relais_cli_local(store_dir, rc);
    rc = s_snapshot_report(out_dir, generation);
    return rc ? relais_cli_local(out_dir, rc) : RELAIS_EXIT_OK;
}
