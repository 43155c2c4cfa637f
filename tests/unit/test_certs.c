/* test_certs.c -- identities on disk, Ed25519 signatures (checked against OpenSSL too) and the registry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <pthread.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "relais_certs.h"
#include "relais_proto.h"

/* ---- Helpers ---------------------------------------------------------------------------- */

/* Each test gets a fresh folder under /tmp, removed afterwards whatever happened. */
static int s_setup(void **state)
{
    char *dir = strdup("/tmp/relais-test-certs-XXXXXX");
    if (!dir || !mkdtemp(dir)) {
        free(dir);
        return -1;
    }
    *state = dir;
    return 0;
}

static void s_rmtree(const char *path)
{
    DIR *d = opendir(path);
    if (d) {
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
            if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                continue;
            char child[PATH_MAX];
            snprintf(child, sizeof child, "%s/%s", path, de->d_name);
            struct stat st;
            if (lstat(child, &st) == 0 && S_ISDIR(st.st_mode))
                s_rmtree(child);
            else
                unlink(child);
        }
        closedir(d);
    }
    rmdir(path);
}

static int s_teardown(void **state)
{
    s_rmtree(*state);
    free(*state);
    return 0;
}

static char *s_path(const char *dir, const char *name)
{
    static _Thread_local char buf[4][PATH_MAX];
    static _Thread_local int next;
    char *out = buf[next++ % 4];
    snprintf(out, PATH_MAX, "%s/%s", dir, name);
    return out;
}

/* out = a/b, refusing to truncate. */
static void s_join(char out[PATH_MAX], const char *a, const char *b)
{
    int n = snprintf(out, PATH_MAX, "%s/%s", a, b);
    assert_true(n > 0 && n < PATH_MAX);
}

static char *s_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = calloc(1, 65536);
    assert_non_null(buf);
    size_t n = fread(buf, 1, 65535, f);
    fclose(f);
    if (len)
        *len = n;
    return buf;
}

static void s_spit(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static void s_copy(const char *from, const char *to)
{
    size_t len = 0;
    char *data = s_slurp(from, &len);
    s_spit(to, data, len);
    free(data);
}

static void s_mkdir(const char *path)
{
    assert_int_equal(mkdir(path, 0700), 0);
}

/* Generates NAME in DIR/NAME/ and returns the identity; DIR/NAME/NAME.cert is its certificate. */
static relais_identity_t *s_make(const char *dir, const char *name, relais_role_t role, const char *org)
{
    relais_identity_t *id = NULL;
    assert_int_equal(relais_identity_generate(name, role, org, &id), 0);
    assert_int_equal(relais_identity_save(id, s_path(dir, name)), 0);
    return id;
}

static void s_cert_path(char out[PATH_MAX], const char *dir, const char *name, const char *suffix)
{
    snprintf(out, PATH_MAX, "%s/%s/%s%s", dir, name, name, suffix);
}

static void s_sign_key_b64(const relais_peer_t *peer, char out[64])
{
    EVP_EncodeBlock((unsigned char *)out, peer->sign_public, RELAIS_SIGN_PUBLIC_BYTES);
}

/* A certificate written by hand, as an operator's mistake or an attacker would. */
static void s_write_cert(const char *path, const char *name, const char *role, const char *z85, const char *sign_b64)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "metadata\n");
    if (name)
        fprintf(f, "    name = \"%s\"\n", name);
    if (role)
        fprintf(f, "    role = \"%s\"\n", role);
    if (sign_b64)
        fprintf(f, "    sign-key = \"%s\"\n", sign_b64);
    fprintf(f, "curve\n    public-key = \"%s\"\n", z85);
    assert_int_equal(fclose(f), 0);
}

static void s_assert_same_peer(const relais_peer_t *a, const relais_peer_t *b)
{
    assert_string_equal(a->name, b->name);
    assert_int_equal(a->role, b->role);
    assert_string_equal(a->org, b->org);
    assert_string_equal(a->curve_public_z85, b->curve_public_z85);
    assert_memory_equal(a->curve_public, b->curve_public, 32);
    assert_memory_equal(a->sign_public, b->sign_public, RELAIS_SIGN_PUBLIC_BYTES);
}

/* ---- Roles and names -------------------------------------------------------------------- */

static void test_role_names_round_trip(void **state)
{
    (void)state;
    const char *names[] = {"partner", "coordinator", "auditor", "reception", "broker"};
    for (int i = 0; i < 5; i++) {
        relais_role_t role = relais_role_from_name(names[i]);
        assert_int_not_equal(role, RELAIS_ROLE_NONE);
        assert_string_equal(relais_role_name(role), names[i]);
    }
    assert_int_equal(relais_role_from_name("admin"), RELAIS_ROLE_NONE);
    assert_int_equal(relais_role_from_name(""), RELAIS_ROLE_NONE);
    assert_int_equal(relais_role_from_name(NULL), RELAIS_ROLE_NONE);
    assert_null(relais_role_name(RELAIS_ROLE_NONE));
    assert_null(relais_role_name((relais_role_t)99));
}

static void test_invalid_names_refused(void **state)
{
    (void)state;
    char long_name[80];
    memset(long_name, 'a', 64);
    long_name[64] = '\0';
    const char *bad[] = {"", "a/b", "a b", "../x", "caf\xc3\xa9", "x\n", long_name};
    relais_identity_t *id = NULL;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(relais_identity_generate(bad[i], RELAIS_ROLE_PARTNER, NULL, &id), RELAIS_E_INVALID);
        assert_null(id);
    }
    assert_int_equal(relais_identity_generate(NULL, RELAIS_ROLE_PARTNER, NULL, &id), RELAIS_E_INVALID);
    assert_int_equal(relais_identity_generate("ok", RELAIS_ROLE_NONE, NULL, &id), RELAIS_E_INVALID);
    assert_int_equal(relais_identity_generate("ok", (relais_role_t)42, NULL, &id), RELAIS_E_INVALID);
    assert_int_equal(relais_identity_generate("ok", RELAIS_ROLE_PARTNER, "say \"hi\"", &id), RELAIS_E_INVALID);
    assert_int_equal(relais_identity_generate("ok", RELAIS_ROLE_PARTNER, "two\nlines", &id), RELAIS_E_INVALID);
    assert_null(id);

    long_name[63] = '\0'; /* 63 bytes is the longest name */
    assert_int_equal(relais_identity_generate(long_name, RELAIS_ROLE_PARTNER, NULL, &id), 0);
    relais_identity_destroy(&id);
    assert_int_equal(relais_identity_generate("A-z.0_9", RELAIS_ROLE_PARTNER, NULL, &id), 0);
    relais_identity_destroy(&id);
    relais_identity_destroy(&id); /* safe twice */
}

/* ---- Identities on disk ----------------------------------------------------------------- */

static void test_round_trip_each_role(void **state)
{
    const char *dir = *state;
    const struct {
        const char *name;
        relais_role_t role;
        const char *org;
    } ids[] = {
        {"college-curie", RELAIS_ROLE_PARTNER, "Coll\xc3\xa8ge Marie Curie"},
        {"coordination", RELAIS_ROLE_COORDINATOR, "Ville de Sceaux"},
        {"audit-ville", RELAIS_ROLE_AUDITOR, NULL},
        {"accueil-tu", RELAIS_ROLE_RECEPTION, "Tranquillit\xc3\xa9 urbaine"},
        {"relais-hub", RELAIS_ROLE_BROKER, "Ville de Sceaux"},
    };
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        relais_identity_t *made = s_make(dir, ids[i].name, ids[i].role, ids[i].org);
        char key[PATH_MAX], cert[PATH_MAX];
        s_cert_path(key, dir, ids[i].name, ".cert_secret");
        s_cert_path(cert, dir, ids[i].name, ".cert");

        relais_identity_t *loaded = NULL;
        assert_int_equal(relais_identity_load(key, &loaded), 0);
        const relais_peer_t *p = relais_identity_peer(loaded);
        s_assert_same_peer(p, relais_identity_peer(made));
        assert_string_equal(p->name, ids[i].name);
        assert_int_equal(p->role, ids[i].role);
        assert_string_equal(p->org, ids[i].org ? ids[i].org : "");
        assert_int_equal(strlen(relais_identity_curve_public_z85(loaded)), RELAIS_CURVE_Z85_LEN);
        assert_string_equal(relais_identity_curve_secret_z85(loaded), relais_identity_curve_secret_z85(made));
        assert_memory_equal(relais_identity_sign_seed(loaded), relais_identity_sign_seed(made),
                            RELAIS_SIGN_SEED_BYTES);

        /* The public file alone gives the same peer, though NAME.cert_secret lies beside it. */
        relais_peer_t peer;
        assert_int_equal(relais_peer_load(cert, &peer), 0);
        s_assert_same_peer(&peer, p);

        /* NAME.cert as the key path means the same files. */
        relais_identity_t *again = NULL;
        assert_int_equal(relais_identity_load(cert, &again), 0);
        assert_string_equal(relais_identity_curve_secret_z85(again), relais_identity_curve_secret_z85(made));
        relais_identity_destroy(&again);
        relais_identity_destroy(&loaded);
        relais_identity_destroy(&made);
        assert_null(made);
    }
}

static void test_file_modes_and_public_file(void **state)
{
    const char *dir = *state;
    relais_identity_t *id = s_make(dir, "pmi-blagis", RELAIS_ROLE_PARTNER, "PMI Les Blagis");
    char path[PATH_MAX];
    struct stat st;
    s_cert_path(path, dir, "pmi-blagis", ".cert_secret");
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    s_cert_path(path, dir, "pmi-blagis", ".sign.key");
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    char *pem = s_slurp(path, NULL);
    assert_non_null(strstr(pem, "-----BEGIN PRIVATE KEY-----"));
    free(pem);

    s_cert_path(path, dir, "pmi-blagis", ".cert");
    char *cert = s_slurp(path, NULL);
    assert_null(strstr(cert, "secret-key"));
    assert_null(strstr(cert, "PRIVATE"));
    assert_null(strstr(cert, relais_identity_curve_secret_z85(id)));
    assert_non_null(strstr(cert, "sign-key"));
    assert_non_null(strstr(cert, "role = \"partner\""));
    free(cert);
    relais_identity_destroy(&id);
}

static void test_refuse_overwrite(void **state)
{
    const char *dir = *state;
    relais_identity_t *first = s_make(dir, "cmp-sceaux", RELAIS_ROLE_PARTNER, "CMP de Sceaux");
    relais_identity_t *second = NULL;
    assert_int_equal(relais_identity_generate("cmp-sceaux", RELAIS_ROLE_PARTNER, NULL, &second), 0);
    assert_int_equal(relais_identity_save(second, s_path(dir, "cmp-sceaux")), RELAIS_E_IO);
    assert_non_null(strstr(relais_status_detail(), "already exists"));

    /* The first identity's files are untouched. */
    char key[PATH_MAX];
    s_cert_path(key, dir, "cmp-sceaux", ".cert_secret");
    relais_identity_t *loaded = NULL;
    assert_int_equal(relais_identity_load(key, &loaded), 0);
    assert_string_equal(relais_identity_curve_secret_z85(loaded), relais_identity_curve_secret_z85(first));

    /* Only the last file in the way: the two created before it are removed again. */
    const char *other = s_path(dir, "other");
    s_mkdir(other);
    char in_the_way[PATH_MAX];
    s_join(in_the_way, other, "cmp-sceaux.sign.key");
    s_spit(in_the_way, "x", 1);
    assert_int_equal(relais_identity_save(second, other), RELAIS_E_IO);
    struct stat st;
    s_join(in_the_way, other, "cmp-sceaux.cert");
    assert_int_not_equal(stat(in_the_way, &st), 0);
    s_join(in_the_way, other, "cmp-sceaux.cert_secret");
    assert_int_not_equal(stat(in_the_way, &st), 0);

    relais_identity_destroy(&loaded);
    relais_identity_destroy(&second);
    relais_identity_destroy(&first);
}

static void test_readable_secret_refused(void **state)
{
    const char *dir = *state;
    relais_identity_t *id = s_make(dir, "coordination", RELAIS_ROLE_COORDINATOR, NULL);
    char key[PATH_MAX], sign[PATH_MAX];
    s_cert_path(key, dir, "coordination", ".cert_secret");
    s_cert_path(sign, dir, "coordination", ".sign.key");
    relais_identity_t *loaded = NULL;

    assert_int_equal(chmod(key, 0640), 0);
    assert_int_equal(relais_identity_load(key, &loaded), RELAIS_E_IO);
    assert_null(loaded);
    assert_non_null(strstr(relais_status_detail(), "chmod 600"));
    assert_int_equal(chmod(key, 0600), 0);

    assert_int_equal(chmod(sign, 0604), 0);
    assert_int_equal(relais_identity_load(key, &loaded), RELAIS_E_IO);
    assert_non_null(strstr(relais_status_detail(), "coordination.sign.key"));
    assert_int_equal(chmod(sign, 0600), 0);

    assert_int_equal(relais_identity_load(key, &loaded), 0);
    relais_identity_destroy(&loaded);
    relais_identity_destroy(&id);
}

static void test_load_refuses_mixed_up_files(void **state)
{
    const char *dir = *state;
    relais_identity_t *a = s_make(dir, "alpha", RELAIS_ROLE_PARTNER, NULL);
    relais_identity_t *b = s_make(dir, "beta", RELAIS_ROLE_PARTNER, NULL);
    char a_sign[PATH_MAX], b_sign[PATH_MAX], a_key[PATH_MAX];
    s_cert_path(a_sign, dir, "alpha", ".sign.key");
    s_cert_path(b_sign, dir, "beta", ".sign.key");
    s_cert_path(a_key, dir, "alpha", ".cert_secret");
    assert_int_equal(unlink(a_sign), 0);
    s_copy(b_sign, a_sign);
    assert_int_equal(chmod(a_sign, 0600), 0);
    relais_identity_t *loaded = NULL;
    assert_int_equal(relais_identity_load(a_key, &loaded), RELAIS_E_MALFORMED);
    assert_null(loaded);

    assert_int_equal(unlink(a_sign), 0);
    assert_int_equal(relais_identity_load(a_key, &loaded), RELAIS_E_IO);
    assert_int_equal(relais_identity_load(s_path(dir, "alpha/alpha.txt"), &loaded), RELAIS_E_INVALID);

    /* The secret file is not a public certificate. */
    relais_peer_t peer;
    assert_int_equal(relais_peer_load(a_key, &peer), RELAIS_E_MALFORMED);
    relais_identity_destroy(&a);
    relais_identity_destroy(&b);
}

/* ---- Signatures ------------------------------------------------------------------------- */

static void test_sign_verify(void **state)
{
    (void)state;
    relais_identity_t *id = NULL, *other = NULL;
    assert_int_equal(relais_identity_generate("college-curie", RELAIS_ROLE_PARTNER, NULL, &id), 0);
    assert_int_equal(relais_identity_generate("pmi-blagis", RELAIS_ROLE_PARTNER, NULL, &other), 0);
    const uint8_t *pub = relais_identity_peer(id)->sign_public;

    /* Small (stack buffer), empty, and large (heap buffer) bodies. */
    size_t sizes[] = {37, 0, 4096 - 14, 4096, 200000};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t len = sizes[s];
        uint8_t *body = malloc(len + 1);
        assert_non_null(body);
        for (size_t i = 0; i < len; i++)
            body[i] = (uint8_t)(i * 31 + 7);
        uint8_t sig[64];
        assert_int_equal(relais_identity_sign(id, body, len, sig), 0);
        assert_int_equal(relais_signature_verify(pub, body, len, sig), 0);

        if (len > 0) {
            body[len / 2] ^= 0x01;
            assert_int_equal(relais_signature_verify(pub, body, len, sig), RELAIS_E_BAD_SIGNATURE);
            body[len / 2] ^= 0x01;
        }
        sig[5] ^= 0x80;
        assert_int_equal(relais_signature_verify(pub, body, len, sig), RELAIS_E_BAD_SIGNATURE);
        sig[5] ^= 0x80;
        sig[63] ^= 0x01;
        assert_int_equal(relais_signature_verify(pub, body, len, sig), RELAIS_E_BAD_SIGNATURE);
        sig[63] ^= 0x01;
        assert_int_equal(relais_signature_verify(relais_identity_peer(other)->sign_public, body, len, sig),
                         RELAIS_E_BAD_SIGNATURE);
        assert_int_equal(relais_signature_verify(pub, body, len, sig), 0);
        free(body);
    }
    uint8_t sig[64] = {0};
    assert_int_equal(relais_signature_verify(NULL, (const uint8_t *)"x", 1, sig), RELAIS_E_INVALID);
    assert_int_equal(relais_identity_sign(id, NULL, 5, sig), RELAIS_E_INVALID);
    relais_identity_destroy(&id);
    relais_identity_destroy(&other);
}

/* Ed25519 is deterministic: the same seed and message give the same signature after a reload. */
static void test_signature_survives_reload(void **state)
{
    const char *dir = *state;
    relais_identity_t *id = s_make(dir, "audit-ville", RELAIS_ROLE_AUDITOR, NULL);
    char key[PATH_MAX], cert[PATH_MAX];
    s_cert_path(key, dir, "audit-ville", ".cert_secret");
    s_cert_path(cert, dir, "audit-ville", ".cert");
    relais_identity_t *loaded = NULL;
    assert_int_equal(relais_identity_load(key, &loaded), 0);
    const uint8_t body[] = "checkpoint";
    uint8_t a[64], b[64];
    assert_int_equal(relais_identity_sign(id, body, sizeof body, a), 0);
    assert_int_equal(relais_identity_sign(loaded, body, sizeof body, b), 0);
    assert_memory_equal(a, b, 64);
    relais_peer_t peer;
    assert_int_equal(relais_peer_load(cert, &peer), 0);
    assert_int_equal(relais_signature_verify(peer.sign_public, body, sizeof body, b), 0);
    relais_identity_destroy(&loaded);
    relais_identity_destroy(&id);
}

static EVP_PKEY *s_openssl_public(const uint8_t pub[RELAIS_SIGN_PUBLIC_BYTES])
{
    EVP_PKEY *pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, RELAIS_SIGN_PUBLIC_BYTES);
    assert_non_null(pkey);
    return pkey;
}

static int s_openssl_verify(EVP_PKEY *pkey, const uint8_t *msg, size_t len, const uint8_t sig[64])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    assert_non_null(ctx);
    assert_int_equal(EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pkey), 1);
    int ok = EVP_DigestVerify(ctx, sig, 64, msg, len);
    EVP_MD_CTX_free(ctx);
    return ok;
}

/* What `openssl pkeyutl -rawin` checks: the context, one zero byte, then the body. */
static uint8_t *s_prefixed(const uint8_t *body, size_t len, size_t *out_len)
{
    const size_t ctx = sizeof RELAIS_SIGN_CONTEXT; /* with its NUL, the 0x00 separator */
    assert_int_equal(ctx, 14);
    uint8_t *msg = malloc(ctx + len);
    assert_non_null(msg);
    memcpy(msg, "relais/v1/msg\0", ctx);
    memcpy(msg + ctx, body, len);
    *out_len = ctx + len;
    return msg;
}

static int s_run_openssl_cli(const char *dir)
{
    char cmd[4 * PATH_MAX];
    snprintf(cmd, sizeof cmd,
             "/usr/bin/openssl pkeyutl -verify -rawin -pubin -inkey %s/pub.pem -in %s/msg -sigfile %s/sig "
             ">/dev/null 2>&1",
             dir, dir, dir);
    int status = system(cmd);
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

static void test_openssl_interop(void **state)
{
    const char *dir = *state;
    relais_identity_t *id = NULL;
    assert_int_equal(relais_identity_generate("cmp-sceaux", RELAIS_ROLE_PARTNER, NULL, &id), 0);
    const uint8_t body[] = "\x0a\x05hello referral body\x00\xff";
    uint8_t sig[64];
    assert_int_equal(relais_identity_sign(id, body, sizeof body, sig), 0);
    size_t msg_len = 0;
    uint8_t *msg = s_prefixed(body, sizeof body, &msg_len);
    EVP_PKEY *pkey = s_openssl_public(relais_identity_peer(id)->sign_public);
    assert_int_equal(s_openssl_verify(pkey, msg, msg_len, sig), 1);
    /* Without the context it must not verify: the prefix is part of what is signed. */
    assert_int_not_equal(s_openssl_verify(pkey, body, sizeof body, sig), 1);

    if (access("/usr/bin/openssl", X_OK) != 0) {
        print_message("skipped: /usr/bin/openssl not found, CLI check not run\n");
    } else {
        BIO *bio = BIO_new_file(s_path(dir, "pub.pem"), "w");
        assert_non_null(bio);
        assert_int_equal(PEM_write_bio_PUBKEY(bio, pkey), 1);
        BIO_free(bio);
        s_spit(s_path(dir, "msg"), msg, msg_len);
        s_spit(s_path(dir, "sig"), sig, sizeof sig);
        assert_int_equal(s_run_openssl_cli(dir), 0);
        sig[10] ^= 0x04;
        s_spit(s_path(dir, "sig"), sig, sizeof sig);
        assert_int_not_equal(s_run_openssl_cli(dir), 0);
    }
    EVP_PKEY_free(pkey);
    free(msg);
    relais_identity_destroy(&id);
}

/* ---- The registry ----------------------------------------------------------------------- */

/* Three partners' certificates copied into DIR/registry, as an operator would. */
static const char *s_registry_of_three(const char *dir, relais_identity_t *ids[3])
{
    const char *names[] = {"pmi-blagis", "college-curie", "cmp-sceaux"};
    const char *reg = s_path(dir, "registry");
    s_mkdir(reg);
    for (int i = 0; i < 3; i++) {
        ids[i] = s_make(dir, names[i], RELAIS_ROLE_PARTNER, NULL);
        char from[PATH_MAX], to[PATH_MAX];
        s_cert_path(from, dir, names[i], ".cert");
        snprintf(to, sizeof to, "%s/registry/%s.cert", dir, names[i]);
        s_copy(from, to);
    }
    return reg;
}

static void s_destroy_three(relais_identity_t *ids[3])
{
    for (int i = 0; i < 3; i++)
        relais_identity_destroy(&ids[i]);
}

static void test_registry_lookups(void **state)
{
    const char *dir = *state;
    relais_identity_t *ids[3];
    char reg[PATH_MAX];
    snprintf(reg, sizeof reg, "%s", s_registry_of_three(dir, ids));
    /* Neither a revoked/ subfolder nor a secret copied by mistake is part of the registry. */
    char revoked[PATH_MAX];
    s_join(revoked, reg, "revoked");
    s_mkdir(revoked);
    relais_identity_t *old = s_make(reg, "revoked", RELAIS_ROLE_PARTNER, NULL);
    relais_identity_t *coord = s_make(dir, "coordination", RELAIS_ROLE_COORDINATOR, NULL);
    char from[PATH_MAX], to[PATH_MAX];
    s_cert_path(from, dir, "coordination", ".cert_secret");
    s_join(to, reg, "coordination.cert_secret");
    s_copy(from, to);
    s_cert_path(from, dir, "coordination", ".sign.key");
    s_join(to, reg, "coordination.sign.key");
    s_copy(from, to);

    relais_registry_t *r = NULL;
    assert_int_equal(relais_registry_load(reg, &r), 0);
    assert_int_equal(relais_registry_count(r), 3);
    /* In order of name. */
    assert_string_equal(relais_registry_at(r, 0)->name, "cmp-sceaux");
    assert_string_equal(relais_registry_at(r, 1)->name, "college-curie");
    assert_string_equal(relais_registry_at(r, 2)->name, "pmi-blagis");
    assert_null(relais_registry_at(r, 3));

    for (int i = 0; i < 3; i++) {
        const relais_peer_t *want = relais_identity_peer(ids[i]);
        const relais_peer_t *by_name = relais_registry_by_name(r, want->name);
        assert_non_null(by_name);
        s_assert_same_peer(by_name, want);
        assert_ptr_equal(relais_registry_by_curve(r, want->curve_public), by_name);
        assert_ptr_equal(relais_registry_by_curve_z85(r, relais_identity_curve_public_z85(ids[i])), by_name);
    }
    const relais_peer_t *absent = relais_identity_peer(coord);
    assert_null(relais_registry_by_name(r, "coordination"));
    assert_null(relais_registry_by_name(r, "revoked"));
    assert_null(relais_registry_by_curve(r, absent->curve_public));
    assert_null(relais_registry_by_curve_z85(r, absent->curve_public_z85));
    assert_null(relais_registry_by_curve_z85(r, "short"));
    assert_null(relais_registry_by_curve_z85(r, NULL));
    assert_null(relais_registry_by_name(NULL, "cmp-sceaux"));
    assert_int_equal(relais_registry_count(NULL), 0);

    relais_registry_destroy(&r);
    relais_registry_destroy(&r);
    relais_identity_destroy(&coord);
    relais_identity_destroy(&old);
    s_destroy_three(ids);
}

static void test_registry_refuses_malformed(void **state)
{
    const char *dir = *state;
    relais_identity_t *ids[3];
    char reg[PATH_MAX], bad[PATH_MAX], b64[64];
    snprintf(reg, sizeof reg, "%s", s_registry_of_three(dir, ids));
    s_join(bad, reg, "intruder.cert");
    const relais_peer_t *p = relais_identity_peer(ids[0]);
    s_sign_key_b64(p, b64);
    const char *z85 = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7";
    struct {
        const char *name, *role, *z85, *sign;
    } cases[] = {
        {NULL, "partner", z85, b64},              /* no name */
        {"bad name", "partner", z85, b64},        /* name outside the alphabet */
        {"intruder", "admin", z85, b64},          /* unknown role */
        {"intruder", "partner", z85, NULL},       /* no sign-key */
        {"intruder", "partner", z85, "c2hvcnQ="}, /* sign-key too short */
        {"intruder", "partner", "not-z85", b64},  /* bad CURVE key */
    };
    relais_registry_t *r = NULL;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        s_write_cert(bad, cases[i].name, cases[i].role, cases[i].z85, cases[i].sign);
        assert_int_equal(relais_registry_load(reg, &r), RELAIS_E_MALFORMED);
        assert_null(r);
        assert_non_null(strstr(relais_status_detail(), "intruder.cert"));
    }
    s_spit(bad, "this is\n  not a zcert\n", 22);
    assert_int_equal(relais_registry_load(reg, &r), RELAIS_E_MALFORMED);

    /* A certificate holding a secret key does not belong in the registry. */
    char secret[PATH_MAX];
    s_cert_path(secret, dir, "pmi-blagis", ".cert_secret");
    s_copy(secret, bad);
    assert_int_equal(relais_registry_load(reg, &r), RELAIS_E_MALFORMED);
    assert_non_null(strstr(relais_status_detail(), "secret"));

    /* The well-formed hand-written certificate is accepted: the format is zcert's, no more. */
    s_write_cert(bad, "intruder", "partner", z85, b64);
    assert_int_equal(relais_registry_load(reg, &r), 0);
    assert_int_equal(relais_registry_count(r), 4);
    relais_registry_destroy(&r);

    assert_int_equal(relais_registry_load(s_path(dir, "no-such-folder"), &r), RELAIS_E_IO);
    s_destroy_three(ids);
}

static void test_registry_refuses_duplicates(void **state)
{
    const char *dir = *state;
    relais_identity_t *ids[3];
    char reg[PATH_MAX], path[PATH_MAX], b64[64];
    snprintf(reg, sizeof reg, "%s", s_registry_of_three(dir, ids));

    /* Same name, another key, another file name. */
    const char *elsewhere = s_path(dir, "elsewhere");
    relais_identity_t *twin = NULL;
    assert_int_equal(relais_identity_generate("college-curie", RELAIS_ROLE_PARTNER, NULL, &twin), 0);
    assert_int_equal(relais_identity_save(twin, elsewhere), 0);
    s_join(path, elsewhere, "college-curie.cert");
    char dup[PATH_MAX];
    s_join(dup, reg, "zz-copy.cert");
    s_copy(path, dup);
    relais_registry_t *r = NULL;
    assert_int_equal(relais_registry_load(reg, &r), RELAIS_E_MALFORMED);
    assert_null(r);
    assert_non_null(strstr(relais_status_detail(), "college-curie.cert"));
    assert_non_null(strstr(relais_status_detail(), "zz-copy.cert"));

    /* Another name, but the CURVE key of a registered peer. */
    const relais_peer_t *p = relais_identity_peer(ids[2]);
    s_sign_key_b64(relais_identity_peer(twin), b64);
    s_write_cert(dup, "impostor", "partner", p->curve_public_z85, b64);
    assert_int_equal(relais_registry_load(reg, &r), RELAIS_E_MALFORMED);
    assert_non_null(strstr(relais_status_detail(), "zz-copy.cert"));
    assert_non_null(strstr(relais_status_detail(), "cmp-sceaux.cert"));

    unlink(dup);
    assert_int_equal(relais_registry_load(reg, &r), 0);
    relais_registry_destroy(&r);
    relais_identity_destroy(&twin);
    s_destroy_three(ids);
}

typedef struct {
    const relais_registry_t *registry; /* shared, read by every thread */
    const uint8_t *sig;                /* signature of "body" by the first peer */
    int failures;                      /* this thread's wrong answers */
} s_reader_t;

static void *s_reader(void *arg)
{
    s_reader_t *r = arg;
    const uint8_t body[] = "body";
    for (int i = 0; i < 200; i++) {
        const relais_peer_t *p = relais_registry_by_name(r->registry, "cmp-sceaux");
        if (!p || relais_registry_by_curve(r->registry, p->curve_public) != p ||
            relais_signature_verify(p->sign_public, body, sizeof body, r->sig) != 0)
            r->failures++;
    }
    return NULL;
}

/* Lookups and verification from several threads at once (ASan/TSan builds make this count). */
static void test_concurrent_readers(void **state)
{
    const char *dir = *state;
    relais_identity_t *ids[3];
    char reg[PATH_MAX];
    snprintf(reg, sizeof reg, "%s", s_registry_of_three(dir, ids));
    relais_registry_t *r = NULL;
    assert_int_equal(relais_registry_load(reg, &r), 0);
    uint8_t sig[64];
    const uint8_t body[] = "body";
    assert_int_equal(relais_identity_sign(ids[2], body, sizeof body, sig), 0); /* cmp-sceaux */
    pthread_t threads[4];
    s_reader_t readers[4];
    for (int i = 0; i < 4; i++) {
        readers[i] = (s_reader_t){.registry = r, .sig = sig, .failures = 0};
        assert_int_equal(pthread_create(&threads[i], NULL, s_reader, &readers[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(threads[i], NULL), 0);
        assert_int_equal(readers[i].failures, 0);
    }
    relais_registry_destroy(&r);
    s_destroy_three(ids);
}

static void test_empty_registry(void **state)
{
    const char *dir = *state;
    relais_registry_t *r = NULL;
    assert_int_equal(relais_registry_load(dir, &r), 0);
    assert_int_equal(relais_registry_count(r), 0);
    assert_null(relais_registry_by_name(r, "x"));
    relais_registry_destroy(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_role_names_round_trip),
        cmocka_unit_test(test_invalid_names_refused),
        cmocka_unit_test_setup_teardown(test_round_trip_each_role, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_file_modes_and_public_file, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_refuse_overwrite, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_readable_secret_refused, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_load_refuses_mixed_up_files, s_setup, s_teardown),
        cmocka_unit_test(test_sign_verify),
        cmocka_unit_test_setup_teardown(test_signature_survives_reload, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_openssl_interop, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_registry_lookups, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_registry_refuses_malformed, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_registry_refuses_duplicates, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_readers, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_empty_registry, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
