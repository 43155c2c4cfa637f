/* make_store.c -- test helper: builds a signed relais store without the broker, or tampers with one.
 *
 *   make_store build STORE_DIR CERTS_DIR NOTES_DIR COUNT BATCHES [PAD]
 *       creates a broker (relais-hub) and two partners in CERTS_DIR, appends COUNT signed
 *       referrals in BATCHES batches, and after each batch signs a checkpoint, stores it and
 *       writes its note to NOTES_DIR/SIZE.note and NOTES_DIR/latest.note. PAD (default 0,
 *       at most 4096) more characters of description make each record that much larger:
 *       benchmarks of the audit use records of about 1 KiB, as partners send them.
 *   make_store build-controls STORE_DIR CERTS_DIR NOTES_DIR
 *       the same with one referral whose names, school, class and organisation hold the
 *       controls an older hub let through (escape sequences, a line break, C1, a bidi
 *       override): a log the commands must still show, escaped.
 *   make_store tamper STORE_DIR SEQ
 *       flips one byte in the middle of record SEQ, straight through LMDB, as an attacker
 *       with write access to the disk would.
 * Exit 0 on success, 1 on failure (with a sentence on stderr).
 */
#include <errno.h>
#include <inttypes.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "relais_certs.h"
#include "relais_merkle.h"
#include "relais_proto.h"
#include "relais_store.h"
#include "store_cases.h"

#define S_ORIGIN "relais.sceaux.fr/enfance"
#define S_BROKER "relais-hub"
#define S_PAD_MAX 4096

static const char *const s_partners[] = {"ecole-jean-moulin", "pmi-les-blagis"};
#define S_PARTNERS (sizeof s_partners / sizeof s_partners[0])

/* What a build needs: the identities that sign and the store written to. */
typedef struct {
    relais_identity_t *broker;              /* signs checkpoints */
    relais_identity_t *partners[S_PARTNERS]; /* sign referrals, in turn */
    relais_store_t *store;                  /* the store being built */
    const char *notes_dir;                  /* where checkpoint notes go */
    size_t pad;                             /* extra description characters per referral */
    int controls;                           /* build-controls */
} s_build_t;

/* build-controls: each placeholder of the JSON is swapped in the body for text of its length
 * that the JSON reader (and today's hub) refuses. */
static const struct {
    const char *placeholder;
    const char *text;
} s_controls[] = {
    {"QQQQQQQQQQ", "Ben\x1b[2Jali"},                  /* family name: clears the screen */
    {"WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW", "Curie\n#99   2026-01-01 00:00 forged"}, /* school: a forged row */
    {"XXXXXXXXXX", "\x1b]0;pwned\x07"},                /* organisation: retitles the window */
    {"YYYYYYY", "Lina\xe2\x80\xae"},                   /* given name: a bidi override */
    {"ZZZZZZ", "6e\xc2\x9b" "1m"},                      /* class: a C1 CSI */
};

static void s_swap_controls(uint8_t *body, size_t len)
{
    for (size_t k = 0; k < sizeof s_controls / sizeof s_controls[0]; k++) {
        size_t n = strlen(s_controls[k].placeholder);
        if (strlen(s_controls[k].text) != n)
            abort(); /* a swap must keep every length of the encoding */
        for (size_t i = 0; i + n <= len; i++)
            if (memcmp(body + i, s_controls[k].placeholder, n) == 0)
                memcpy(body + i, s_controls[k].text, n);
    }
}

static int s_fail(int rc, const char *what)
{
    fprintf(stderr, "make_store: %s: %s (%s)\n", what, relais_status_name(rc), relais_status_detail());
    return 1;
}

static int64_t s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int s_identities(s_build_t *b, const char *certs_dir)
{
    int rc = relais_identity_generate(S_BROKER, RELAIS_ROLE_BROKER, "Ville de Sceaux", &b->broker);
    if (!rc)
        rc = relais_identity_save(b->broker, certs_dir);
    for (size_t i = 0; !rc && i < S_PARTNERS; i++) {
        rc = relais_identity_generate(s_partners[i], RELAIS_ROLE_PARTNER, "Partenaire", &b->partners[i]);
        if (!rc)
            rc = relais_identity_save(b->partners[i], certs_dir);
    }
    return rc ? s_fail(rc, "creating identities") : 0;
}

/* Signed referral number `n` (from 1): its SignedMessage bytes and message id. */
static int s_referral(const s_build_t *b, uint64_t n, uint8_t msg_id[RELAIS_MSG_ID_SIZE], uint8_t **out,
                      size_t *out_len)
{
    const relais_identity_t *id = b->partners[n % S_PARTNERS];
    char json[1024 + S_PAD_MAX], pad[S_PAD_MAX + 1];
    uint8_t *body = NULL, sig[64];
    size_t body_len = 0;
    memset(pad, '.', b->pad);
    pad[b->pad] = '\0';
    snprintf(json, sizeof json,
             "{\"referral\":{\"external_ref\":\"T-%" PRIu64 "\","
             "\"referrer\":{\"organisation\":\"Ecole Jean Moulin\",\"role\":\"TEACHER\",\"name\":\"M. Martin\"},"
             "\"child\":{\"family_name\":\"Enfant%" PRIu64 "\",\"given_names\":[\"Lina\"],"
             "\"birth_date\":\"2015-03-02\",\"school\":\"Ecole Jean Moulin\",\"class_name\":\"CM1\"},"
             "\"domains\":[\"EDUCATIONAL\"],\"description\":\"Absences repetees.%s\",\"urgency\":\"ROUTINE\","
             "\"consent\":{\"recorded_by\":\"M. Martin\",\"recorded_ms\":1767225600000,\"given_by\":\"mere\"}}}",
             n, n, pad);
    if (b->controls)
        snprintf(json, sizeof json,
                 "{\"referral\":{\"referrer\":{\"organisation\":\"XXXXXXXXXX\",\"role\":\"TEACHER\"},"
                 "\"child\":{\"family_name\":\"QQQQQQQQQQ\",\"given_names\":[\"YYYYYYY\"],"
                 "\"birth_date\":\"2015-03-02\",\"school\":\"WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW\","
                 "\"class_name\":\"ZZZZZZ\"},\"urgency\":\"URGENT\","
                 "\"consent\":{\"recorded_by\":\"M. Martin\",\"recorded_ms\":1767225600000,\"given_by\":\"mere\"}}}");
    memset(msg_id, 0xa5, RELAIS_MSG_ID_SIZE);
    for (int i = 0; i < 8; i++)
        msg_id[8 + i] = (uint8_t)(n >> (56 - 8 * i));
    const char *sender = relais_identity_peer(id)->name;
    int rc = relais_message_from_json(json, strlen(json), sender, msg_id, s_now_ms(), &body, &body_len);
    if (!rc && b->controls)
        s_swap_controls(body, body_len);
    if (!rc)
        rc = relais_identity_sign(id, body, body_len, sig);
    if (!rc)
        rc = relais_signed_encode(body, body_len, sig, out, out_len);
    free(body);
    return rc;
}

static int s_write_note(const char *dir, const char *name, const char *note)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    int ok = f && fputs(note, f) >= 0;
    if (f && fclose(f) != 0)
        ok = 0;
    if (!ok)
        fprintf(stderr, "make_store: cannot write %s\n", path);
    return ok ? 0 : 1;
}

/* Signs the tree as it stands, stores the checkpoint and writes its note. */
static int s_checkpoint(s_build_t *b)
{
    relais_checkpoint_t cp;
    relais_store_checkpoint_t *scp = calloc(1, sizeof *scp);
    char name[64];
    if (!scp)
        return 1;
    memset(&cp, 0, sizeof cp);
    snprintf(cp.origin, sizeof cp.origin, "%s", S_ORIGIN);
    int rc = relais_store_head(b->store, &cp.size);
    if (!rc)
        rc = relais_store_root(b->store, cp.size, cp.root);
    if (!rc)
        rc = relais_checkpoint_sign(&cp, S_BROKER, relais_identity_sign_seed(b->broker), scp->note,
                                    sizeof scp->note);
    scp->size = cp.size;
    memcpy(scp->root, cp.root, RELAIS_HASH_SIZE);
    scp->time_ms = s_now_ms();
    if (!rc)
        rc = relais_store_checkpoint_put(b->store, scp);
    snprintf(name, sizeof name, "%" PRIu64 ".note", cp.size);
    int bad = rc ? s_fail(rc, "signing a checkpoint")
                 : s_write_note(b->notes_dir, name, scp->note) || s_write_note(b->notes_dir, "latest.note", scp->note);
    free(scp);
    return bad;
}

/* Appends records first..first+n-1 in one batch. */
static int s_batch(s_build_t *b, uint64_t first, size_t n)
{
    relais_store_entry_t *entries = calloc(n, sizeof *entries);
    relais_store_ack_t *acks = calloc(n, sizeof *acks);
    uint8_t (*ids)[RELAIS_MSG_ID_SIZE] = calloc(n, RELAIS_MSG_ID_SIZE);
    uint8_t **bytes = calloc(n, sizeof *bytes);
    int rc = entries && acks && ids && bytes ? 0 : RELAIS_E_NOMEM;
    for (size_t i = 0; !rc && i < n; i++) {
        rc = s_referral(b, first + i, ids[i], &bytes[i], &entries[i].signed_len);
        entries[i].signed_message = bytes[i];
        entries[i].msg_id = ids[i];
        entries[i].received_ms = s_now_ms();
    }
    if (!rc)
        rc = relais_store_append_batch(b->store, entries, n, acks);
    for (size_t i = 0; !rc && i < n; i++)
        rc = acks[i].status || acks[i].duplicate || acks[i].seq != first + i ? RELAIS_E_CORRUPT : 0;
    for (size_t i = 0; bytes && i < n; i++)
        free(bytes[i]);
    free(bytes);
    free(ids);
    free(acks);
    free(entries);
    return rc ? s_fail(rc, "appending a batch") : 0;
}

static int s_build(char **argv, int controls)
{
    s_build_t b;
    char *end1 = "", *end2 = "";
    uint64_t count = controls ? 1 : strtoull(argv[5], &end1, 10), batches = controls ? 1 : strtoull(argv[6], &end2, 10);
    if (*end1 || *end2 || batches == 0 || count < batches) {
        fprintf(stderr, "make_store: COUNT and BATCHES must be numbers, 0 < BATCHES <= COUNT\n");
        return 1;
    }
    memset(&b, 0, sizeof b);
    b.controls = controls;
    if (!controls && argv[7]) {
        uint64_t pad = strtoull(argv[7], &end1, 10);
        if (*end1 || pad > S_PAD_MAX) {
            fprintf(stderr, "make_store: PAD must be a number from 0 to %d\n", S_PAD_MAX);
            return 1;
        }
        b.pad = (size_t)pad;
    }
    b.notes_dir = argv[4];
    int bad = s_identities(&b, argv[3]);
    if (!bad) {
        int rc = relais_store_open(argv[2], NULL, &b.store);
        bad = rc ? s_fail(rc, argv[2]) : 0;
    }
    for (uint64_t i = 0, done = 0; !bad && i < batches; i++) {
        uint64_t n = count / batches + (i < count % batches);
        bad = s_batch(&b, done + 1, (size_t)n) || s_checkpoint(&b);
        done += n;
    }
    /* The case index, as the broker's writer keeps it: audit verify compares it with the log. */
    int rc = bad ? 0 : store_cases_index(b.store, argv[2], 1, count);
    if (rc)
        bad = s_fail(rc, "indexing the cases");
    relais_store_destroy(&b.store);
    relais_identity_destroy(&b.broker);
    for (size_t i = 0; i < S_PARTNERS; i++)
        relais_identity_destroy(&b.partners[i]);
    return bad;
}

/* ---- tamper --------------------------------------------------------------------------- */

static int s_lmdb(int rc, const char *what)
{
    if (rc)
        fprintf(stderr, "make_store: %s: %s\n", what, mdb_strerror(rc));
    return rc;
}

/* Flips a bit of the middle byte of record `seq` in the "log" database (key: the sequence
 * number as 8 bytes big-endian, relais_store.h's layout). */
static int s_flip(MDB_txn *txn, uint64_t seq)
{
    uint8_t key[8];
    MDB_dbi dbi;
    MDB_val k = {sizeof key, key}, v;
    for (int i = 0; i < 8; i++)
        key[i] = (uint8_t)(seq >> (56 - 8 * i));
    int rc = s_lmdb(mdb_dbi_open(txn, "log", 0, &dbi), "open the log");
    if (!rc)
        rc = s_lmdb(mdb_get(txn, dbi, &k, &v), "find the record");
    if (rc)
        return rc;
    uint8_t *copy = malloc(v.mv_size);
    if (!copy)
        return ENOMEM;
    memcpy(copy, v.mv_data, v.mv_size);
    copy[v.mv_size / 2] ^= 0x01;
    MDB_val nv = {v.mv_size, copy};
    rc = s_lmdb(mdb_put(txn, dbi, &k, &nv, 0), "rewrite the record");
    free(copy);
    return rc;
}

static int s_tamper(char **argv)
{
    MDB_env *env = NULL;
    MDB_txn *txn = NULL;
    char *end;
    uint64_t seq = strtoull(argv[3], &end, 10);
    if (*end || seq == 0) {
        fprintf(stderr, "make_store: SEQ must be a positive number\n");
        return 1;
    }
    int rc = s_lmdb(mdb_env_create(&env), "create an environment");
    if (!rc)
        rc = s_lmdb(mdb_env_set_maxdbs(env, 16), "set the number of databases");
    if (!rc)
        rc = s_lmdb(mdb_env_set_mapsize(env, 4ULL << 30), "set the map size");
    if (!rc)
        rc = s_lmdb(mdb_env_open(env, argv[2], 0, 0600), argv[2]);
    if (!rc)
        rc = s_lmdb(mdb_txn_begin(env, NULL, 0, &txn), "begin a transaction");
    if (!rc) {
        rc = s_flip(txn, seq);
        rc = rc ? (mdb_txn_abort(txn), rc) : s_lmdb(mdb_txn_commit(txn), "commit");
    }
    if (env)
        mdb_env_close(env);
    return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
    if ((argc == 7 || argc == 8) && strcmp(argv[1], "build") == 0)
        return s_build(argv, 0);
    if (argc == 5 && strcmp(argv[1], "build-controls") == 0)
        return s_build(argv, 1);
    if (argc == 4 && strcmp(argv[1], "tamper") == 0)
        return s_tamper(argv);
    fprintf(stderr, "usage: make_store build STORE_DIR CERTS_DIR NOTES_DIR COUNT BATCHES [PAD]\n"
                    "       make_store build-controls STORE_DIR CERTS_DIR NOTES_DIR\n"
                    "       make_store tamper STORE_DIR SEQ\n");
    return 2;
}
