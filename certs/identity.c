/* identity.c -- one's own identity: key generation, its three files on disk, and message signing. */
#include "certs_internal.h"

#include "relais_proto.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sodium.h>

struct relais_identity {
    relais_peer_t peer;                              /* the public face, as NAME.cert says */
    char curve_secret_z85[RELAIS_CURVE_Z85_LEN + 1]; /* CURVE secret key, Z85, for ZMQ_CURVE_SECRETKEY */
    uint8_t curve_secret[32];                        /* the same, raw */
    uint8_t sign_seed[RELAIS_SIGN_SEED_BYTES];       /* Ed25519 seed, what PKCS#8 holds */
    uint8_t sign_secret[crypto_sign_SECRETKEYBYTES]; /* libsodium's form of it: seed || public key */
};

/* The three files of an identity, in the order they are written. */
enum { S_FILE_CERT, S_FILE_SECRET, S_FILE_SIGN, S_FILE_COUNT };

typedef struct {
    char path[PATH_MAX]; /* DIR/NAME + suffix */
    int fd;              /* open while being written; -1 otherwise */
    bool created;        /* ours to unlink if the save fails */
} s_out_file_t;

static const char *const s_suffix[S_FILE_COUNT] = {".cert", ".cert_secret", ".sign.key"};
static const mode_t s_mode[S_FILE_COUNT] = {0644, 0600, 0600};

/* ---- Life cycle ------------------------------------------------------------------------- */

/* sodium_malloc: guard pages, kept out of swap and core dumps, zeroed again by sodium_free. */
static relais_identity_t *s_identity_new(void)
{
    relais_identity_t *self = sodium_malloc(sizeof *self);
    if (self)
        memset(self, 0, sizeof *self);
    return self;
}

void relais_identity_destroy(relais_identity_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sodium_memzero(*self_p, sizeof **self_p);
    sodium_free(*self_p);
    *self_p = NULL;
}

const relais_peer_t *relais_identity_peer(const relais_identity_t *self)
{
    return self ? &self->peer : NULL;
}

const char *relais_identity_curve_public_z85(const relais_identity_t *self)
{
    return self ? self->peer.curve_public_z85 : NULL;
}

const char *relais_identity_curve_secret_z85(const relais_identity_t *self)
{
    return self ? self->curve_secret_z85 : NULL;
}

const uint8_t *relais_identity_sign_seed(const relais_identity_t *self)
{
    return self ? self->sign_seed : NULL;
}

/* ---- Generation ------------------------------------------------------------------------- */

static int s_check_fields(const char *name, relais_role_t role, const char *org)
{
    if (!certs_name_valid(name))
        return relais_status_set(RELAIS_E_INVALID, "certificate name '%s' is not 1-63 of [A-Za-z0-9._-]",
                                 name ? name : "(null)");
    if (!relais_role_name(role))
        return relais_status_set(RELAIS_E_INVALID, "role %d is not a relais role", (int)role);
    if (!certs_org_valid(org))
        return relais_status_set(RELAIS_E_INVALID,
                                 "organisation is longer than %d bytes or holds a control character or a '\"'",
                                 RELAIS_IDENT_ORG_MAX - 1);
    return 0;
}

static int s_generate_keys(relais_identity_t *self)
{
    /* crypto_box keys are X25519, the CURVE of ZMTP: libzmq makes its own the same way. */
    if (crypto_box_keypair(self->peer.curve_public, self->curve_secret) != 0 ||
        crypto_sign_keypair(self->peer.sign_public, self->sign_secret) != 0 ||
        crypto_sign_ed25519_sk_to_seed(self->sign_seed, self->sign_secret) != 0)
        return relais_status_set(RELAIS_E_CRYPTO, "libsodium failed to generate key pairs");
    if (!zmq_z85_encode(self->peer.curve_public_z85, self->peer.curve_public, 32) ||
        !zmq_z85_encode(self->curve_secret_z85, self->curve_secret, 32))
        return relais_status_set(RELAIS_E_CRYPTO, "libzmq failed to encode a CURVE key in Z85");
    return 0;
}

int relais_identity_generate(const char *name, relais_role_t role, const char *org, relais_identity_t **out)
{
    if (!out)
        return relais_status_set(RELAIS_E_INVALID, "relais_identity_generate: NULL out");
    *out = NULL;
    int rc = s_check_fields(name, role, org);
    if (rc == 0)
        rc = certs_crypto_ready();
    if (rc != 0)
        return rc;
    relais_identity_t *self = s_identity_new();
    if (!self)
        return relais_status_set(RELAIS_E_NOMEM, "no memory for an identity");
    strcpy(self->peer.name, name); /* lengths checked by s_check_fields */
    strcpy(self->peer.org, org ? org : "");
    self->peer.role = role;
    rc = s_generate_keys(self);
    if (rc != 0)
        relais_identity_destroy(&self);
    *out = self;
    return rc;
}

/* ---- Saving ----------------------------------------------------------------------------- */

static int s_write_all(int fd, const char *path, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return relais_status_set(RELAIS_E_IO, "cannot write %s: %s", path, strerror(errno));
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* `relais keygen --out DIR` may name a folder that does not exist yet, in folders that do not
 * either (~/relais/NAME on a new machine): make each one missing, private. */
static int s_ensure_dir(const char *dir)
{
    char parent[PATH_MAX];
    size_t len = strlen(dir);
    if (len == 0 || len >= sizeof parent)
        return relais_status_set(RELAIS_E_INVALID, "the folder name is empty or too long");
    memcpy(parent, dir, len + 1);
    for (char *p = parent + 1; *p; p++) {
        if (*p != '/' || p[-1] == '/')
            continue;
        *p = '\0';
        int made = mkdir(parent, 0700) == 0 || errno == EEXIST;
        *p = '/';
        if (!made)
            return relais_status_set(RELAIS_E_IO, "cannot create folder %.*s: %s", (int)(p - parent), parent,
                                     strerror(errno));
    }
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return relais_status_set(RELAIS_E_IO, "cannot create folder %s: %s", dir, strerror(errno));
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return relais_status_set(RELAIS_E_IO, "%s is not a folder", dir);
    return 0;
}

/* O_EXCL both refuses to overwrite and gives a secret file its 0600 from the first moment. */
static int s_create_all(s_out_file_t files[S_FILE_COUNT], const char *dir, const char *name)
{
    for (int i = 0; i < S_FILE_COUNT; i++) {
        int n = snprintf(files[i].path, sizeof files[i].path, "%s/%s%s", dir, name, s_suffix[i]);
        if (n < 0 || (size_t)n >= sizeof files[i].path)
            return relais_status_set(RELAIS_E_INVALID, "path %s/%s%s is too long", dir, name, s_suffix[i]);
        files[i].fd = open(files[i].path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, s_mode[i]);
        if (files[i].fd < 0 && errno == EEXIST)
            return relais_status_set(RELAIS_E_IO, "%s already exists; refusing to overwrite an identity",
                                     files[i].path);
        if (files[i].fd < 0)
            return relais_status_set(RELAIS_E_IO, "cannot create %s: %s", files[i].path, strerror(errno));
        files[i].created = true;
    }
    return 0;
}

static zcert_t *s_zcert_new(const relais_identity_t *self)
{
    char sign_b64[sodium_base64_ENCODED_LEN(RELAIS_SIGN_PUBLIC_BYTES, sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2base64(sign_b64, sizeof sign_b64, self->peer.sign_public, RELAIS_SIGN_PUBLIC_BYTES,
                      sodium_base64_VARIANT_ORIGINAL);
    zcert_t *cert = zcert_new_from(self->peer.curve_public, self->curve_secret);
    if (!cert)
        return NULL;
    /* Only these four: czmq's ZAP handler copies metadata into a 512-byte buffer. */
    zcert_set_meta(cert, "name", "%s", self->peer.name);
    zcert_set_meta(cert, "role", "%s", relais_role_name(self->peer.role));
    if (self->peer.org[0])
        zcert_set_meta(cert, "org", "%s", self->peer.org);
    zcert_set_meta(cert, "sign-key", "%s", sign_b64);
    return cert;
}

/* zconfig reopens the files by name; they exist already with their final modes, so it only
 * fills them. czmq's own umask dance does not restore a zero umask, so we keep our own; the
 * umask is process-wide for that instant, which can only make other new files stricter. */
static int s_write_zcert(const relais_identity_t *self, s_out_file_t files[S_FILE_COUNT])
{
    zcert_t *cert = s_zcert_new(self);
    if (!cert)
        return relais_status_set(RELAIS_E_NOMEM, "no memory for a certificate");
    int rc = 0;
    if (zcert_save_public(cert, files[S_FILE_CERT].path) != 0)
        rc = relais_status_set(RELAIS_E_IO, "cannot write %s", files[S_FILE_CERT].path);
    if (rc == 0) {
        mode_t old_mask = umask(077);
        if (zcert_save_secret(cert, files[S_FILE_SECRET].path) != 0)
            rc = relais_status_set(RELAIS_E_IO, "cannot write %s", files[S_FILE_SECRET].path);
        umask(old_mask);
    }
    zcert_destroy(&cert);
    return rc;
}

/* PKCS#8 PEM, as `openssl genpkey -algorithm ed25519` writes it; built in OpenSSL's secure
 * memory BIO, which is wiped when freed. */
static int s_write_sign_key(const relais_identity_t *self, const s_out_file_t *file)
{
    int rc = 0;
    EVP_PKEY *pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, self->sign_seed, RELAIS_SIGN_SEED_BYTES);
    BIO *bio = BIO_new(BIO_s_secmem());
    char *pem = NULL;
    long pem_len = 0;
    if (!pkey || !bio || PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL) != 1 ||
        (pem_len = BIO_get_mem_data(bio, &pem)) <= 0) {
        ERR_clear_error();
        rc = relais_status_set(RELAIS_E_CRYPTO, "OpenSSL failed to encode the Ed25519 key of %s", file->path);
    } else {
        rc = s_write_all(file->fd, file->path, pem, (size_t)pem_len);
    }
    BIO_free(bio);
    EVP_PKEY_free(pkey);
    return rc;
}

/* Makes a file durable and checks that the name still leads to what we created, with the
 * mode we meant (a zconfig reopen by name must not have been redirected elsewhere). */
static int s_seal(s_out_file_t *file, mode_t mode)
{
    struct stat by_fd, by_name;
    if (fsync(file->fd) != 0)
        return relais_status_set(RELAIS_E_IO, "cannot sync %s: %s", file->path, strerror(errno));
    if (fstat(file->fd, &by_fd) != 0 || lstat(file->path, &by_name) != 0 || by_fd.st_ino != by_name.st_ino ||
        by_fd.st_dev != by_name.st_dev || by_fd.st_size == 0)
        return relais_status_set(RELAIS_E_IO, "%s changed while it was being written", file->path);
    if ((mode & 077) == 0 && (by_fd.st_mode & 077) != 0)
        return relais_status_set(RELAIS_E_IO, "%s has mode %03o instead of %03o", file->path,
                                 (unsigned)(by_fd.st_mode & 0777), (unsigned)mode);
    return 0;
}

/* The directory entries are what make new files survive a crash. Some file systems cannot
 * sync a folder (EINVAL); the files themselves are synced already. */
static int s_sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return relais_status_set(RELAIS_E_IO, "cannot open folder %s: %s", dir, strerror(errno));
    int rc = 0;
    if (fsync(fd) != 0 && errno != EINVAL)
        rc = relais_status_set(RELAIS_E_IO, "cannot sync folder %s: %s", dir, strerror(errno));
    close(fd);
    return rc;
}

static void s_close_all(s_out_file_t files[S_FILE_COUNT], bool unlink_created)
{
    for (int i = 0; i < S_FILE_COUNT; i++) {
        if (files[i].fd >= 0)
            close(files[i].fd);
        files[i].fd = -1;
        if (unlink_created && files[i].created)
            unlink(files[i].path);
    }
}

int relais_identity_save(const relais_identity_t *self, const char *dir)
{
    if (!self || !dir || !*dir)
        return relais_status_set(RELAIS_E_INVALID, "relais_identity_save: NULL identity or folder");
    s_out_file_t files[S_FILE_COUNT];
    for (int i = 0; i < S_FILE_COUNT; i++)
        files[i] = (s_out_file_t){.fd = -1, .created = false};
    int rc = s_ensure_dir(dir);
    if (rc == 0)
        rc = s_create_all(files, dir, self->peer.name);
    if (rc == 0)
        rc = s_write_zcert(self, files);
    if (rc == 0)
        rc = s_write_sign_key(self, &files[S_FILE_SIGN]);
    for (int i = 0; rc == 0 && i < S_FILE_COUNT; i++)
        rc = s_seal(&files[i], s_mode[i]);
    if (rc == 0)
        rc = s_sync_dir(dir);
    s_close_all(files, rc != 0);
    return rc;
}

/* ---- Loading ---------------------------------------------------------------------------- */

static bool s_ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* NAME.cert_secret (or, forgivingly, NAME.cert) -> the secret file and NAME.sign.key. */
static int s_key_paths(const char *key_path, char secret[PATH_MAX], char sign[PATH_MAX])
{
    const char *suffix = s_ends_with(key_path, ".cert_secret") ? ".cert_secret"
                         : s_ends_with(key_path, ".cert")      ? ".cert"
                                                               : NULL;
    if (!suffix)
        return relais_status_set(RELAIS_E_INVALID, "key file %s is not a NAME.cert_secret file", key_path);
    if (strlen(key_path) >= PATH_MAX)
        return relais_status_set(RELAIS_E_INVALID, "key file path %s is too long", key_path);
    int stem = (int)(strlen(key_path) - strlen(suffix));
    int n1 = snprintf(secret, PATH_MAX, "%.*s.cert_secret", stem, key_path);
    int n2 = snprintf(sign, PATH_MAX, "%.*s.sign.key", stem, key_path);
    if (n1 < 0 || n1 >= PATH_MAX || n2 < 0 || n2 >= PATH_MAX)
        return relais_status_set(RELAIS_E_INVALID, "key file path %s is too long", key_path);
    return 0;
}

static int s_curve_secret(relais_identity_t *self, zconfig_t *root, const char *path)
{
    const char *z85 = zconfig_get(root, "curve/secret-key", NULL);
    if (!z85 || strlen(z85) != RELAIS_CURVE_Z85_LEN || !zmq_z85_decode(self->curve_secret, z85))
        return relais_status_set(RELAIS_E_MALFORMED, "%s: curve/secret-key is missing or not a Z85 CURVE key", path);
    memcpy(self->curve_secret_z85, z85, RELAIS_CURVE_Z85_LEN + 1);
    uint8_t derived[32];
    if (crypto_scalarmult_base(derived, self->curve_secret) != 0 ||
        memcmp(derived, self->peer.curve_public, sizeof derived) != 0)
        return relais_status_set(RELAIS_E_MALFORMED, "%s: the CURVE secret key does not match its public key", path);
    return 0;
}

static int s_load_curve(relais_identity_t *self, const char *path)
{
    char *text = NULL;
    size_t len = 0;
    zconfig_t *root = NULL;
    int rc = certs_read_file(path, true, &text, &len);
    if (rc == 0)
        rc = certs_config_parse(text, path, &root);
    if (rc == 0)
        rc = certs_peer_from_config(root, path, &self->peer);
    if (rc == 0)
        rc = s_curve_secret(self, root, path);
    char *secret_txt = root ? zconfig_get(root, "curve/secret-key", NULL) : NULL;
    if (secret_txt)
        sodium_memzero(secret_txt, strlen(secret_txt)); /* zconfig frees without wiping */
    zconfig_destroy(&root);
    certs_text_free(&text, len);
    return rc;
}

/* Never prompt on a terminal for a passphrase: an encrypted key simply fails to load. */
static int s_no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf, (void)size, (void)rwflag, (void)u;
    return -1;
}

static int s_seed_from_pem(relais_identity_t *self, const char *text, size_t len, const char *path)
{
    int rc = 0;
    size_t seed_len = RELAIS_SIGN_SEED_BYTES;
    BIO *bio = BIO_new_mem_buf(text, (int)len);
    EVP_PKEY *pkey = bio ? PEM_read_bio_PrivateKey(bio, NULL, s_no_passphrase, NULL) : NULL;
    if (!pkey || EVP_PKEY_get_id(pkey) != EVP_PKEY_ED25519 ||
        EVP_PKEY_get_raw_private_key(pkey, self->sign_seed, &seed_len) != 1 || seed_len != RELAIS_SIGN_SEED_BYTES)
        rc = relais_status_set(RELAIS_E_MALFORMED, "%s is not an unencrypted Ed25519 private key in PEM", path);
    ERR_clear_error();
    EVP_PKEY_free(pkey);
    BIO_free(bio);
    return rc;
}

static int s_load_sign(relais_identity_t *self, const char *path)
{
    char *text = NULL;
    size_t len = 0;
    int rc = certs_read_file(path, true, &text, &len);
    if (rc == 0)
        rc = s_seed_from_pem(self, text, len, path);
    certs_text_free(&text, len);
    if (rc != 0)
        return rc;
    uint8_t derived[RELAIS_SIGN_PUBLIC_BYTES];
    crypto_sign_seed_keypair(derived, self->sign_secret, self->sign_seed);
    /* Files of two identities mixed up in one folder must not sign under the wrong name. */
    if (memcmp(derived, self->peer.sign_public, sizeof derived) != 0)
        return relais_status_set(RELAIS_E_MALFORMED, "%s does not match the sign-key of certificate '%s'", path,
                                 self->peer.name);
    return 0;
}

int relais_identity_load(const char *key_path, relais_identity_t **out)
{
    if (!key_path || !out)
        return relais_status_set(RELAIS_E_INVALID, "relais_identity_load: NULL argument");
    *out = NULL;
    char secret_path[PATH_MAX], sign_path[PATH_MAX];
    int rc = s_key_paths(key_path, secret_path, sign_path);
    if (rc == 0)
        rc = certs_crypto_ready();
    if (rc != 0)
        return rc;
    relais_identity_t *self = s_identity_new();
    if (!self)
        return relais_status_set(RELAIS_E_NOMEM, "no memory for an identity");
    rc = s_load_curve(self, secret_path);
    if (rc == 0)
        rc = s_load_sign(self, sign_path);
    if (rc != 0)
        relais_identity_destroy(&self);
    *out = self;
    return rc;
}

/* ---- Signing ---------------------------------------------------------------------------- */

int relais_identity_sign(const relais_identity_t *self, const uint8_t *body, size_t len, uint8_t signature[64])
{
    if (!self || !signature || (!body && len > 0))
        return relais_status_set(RELAIS_E_INVALID, "relais_identity_sign: NULL argument");
    int rc = certs_crypto_ready();
    if (rc != 0)
        return rc;
    uint8_t stack[4096];
    uint8_t *msg = NULL;
    size_t msg_len = 0;
    rc = certs_message_build(body, len, stack, sizeof stack, &msg, &msg_len);
    if (rc != 0)
        return rc;
    /* One-shot crypto_sign_detached is pure Ed25519; crypto_sign_init/update would be Ed25519ph. */
    if (crypto_sign_detached(signature, NULL, msg, msg_len, self->sign_secret) != 0)
        rc = relais_status_set(RELAIS_E_CRYPTO, "libsodium failed to sign");
    certs_message_release(msg, stack);
    return rc;
}
