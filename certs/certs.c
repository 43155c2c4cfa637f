/* certs.c -- roles, certificate files and their fields, and verification of message signatures. */
#include "certs_internal.h"

#include "relais_proto.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

/* ---- Crypto library start-up ------------------------------------------------------------ */

static pthread_once_t s_sodium_once = PTHREAD_ONCE_INIT;
static int s_sodium_rc = -1; /* sodium_init's verdict, written once under s_sodium_once */

static void s_sodium_init(void)
{
    /* 1 means another part of the process got there first, which is as good. */
    s_sodium_rc = sodium_init() < 0 ? -1 : 0;
}

int certs_crypto_ready(void)
{
    pthread_once(&s_sodium_once, s_sodium_init);
    if (s_sodium_rc != 0)
        return relais_status_set(RELAIS_E_CRYPTO, "libsodium failed to initialise");
    return 0;
}

/* ---- Roles and names -------------------------------------------------------------------- */

/* Indexed by relais_role_t; these spellings are the `role` metadata and the --role flag. */
static const char *const s_role_names[] = {
    [RELAIS_ROLE_PARTNER] = "partner",     [RELAIS_ROLE_COORDINATOR] = "coordinator",
    [RELAIS_ROLE_AUDITOR] = "auditor",     [RELAIS_ROLE_RECEPTION] = "reception",
    [RELAIS_ROLE_BROKER] = "broker",       [RELAIS_ROLE_DPO] = "dpo",
    [RELAIS_ROLE_PUBLISHER] = "publisher", [RELAIS_ROLE_WITNESS] = "witness",
};
#define S_ROLE_COUNT (sizeof s_role_names / sizeof s_role_names[0])

const char *relais_role_name(relais_role_t role)
{
    if ((unsigned)role >= S_ROLE_COUNT)
        return NULL;
    return s_role_names[role]; /* NULL for RELAIS_ROLE_NONE */
}

relais_role_t relais_role_from_name(const char *name)
{
    if (!name)
        return RELAIS_ROLE_NONE;
    for (size_t i = 1; i < S_ROLE_COUNT; i++)
        if (strcmp(s_role_names[i], name) == 0)
            return (relais_role_t)i;
    return RELAIS_ROLE_NONE;
}

bool certs_name_valid(const char *name)
{
    if (!name)
        return false;
    size_t len = strlen(name);
    if (len == 0 || len >= RELAIS_IDENT_NAME_MAX)
        return false;
    /* The name becomes a file name and a log field: no slash, no space, no surprise. */
    return strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == len;
}

bool certs_org_valid(const char *org)
{
    if (!org)
        return true;
    size_t len = strlen(org);
    if (len >= RELAIS_IDENT_ORG_MAX)
        return false;
    /* zconfig writes values between double quotes without escaping and reads a value up to
     * the end of its line, so a quote or a control character would corrupt the file. */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)org[i];
        if (c < 0x20 || c == 0x7f || c == '"')
            return false;
    }
    return true;
}

/* ---- Files ------------------------------------------------------------------------------ */

/* Reads exactly `size` bytes of an open file. */
static int s_read_all(int fd, const char *path, char *buf, size_t size)
{
    size_t done = 0;
    while (done < size) {
        ssize_t n = read(fd, buf + done, size - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return relais_status_set(RELAIS_E_IO, "cannot read %s: %s", path, strerror(errno));
        if (n == 0)
            return relais_status_set(RELAIS_E_IO, "%s shrank while being read", path);
        done += (size_t)n;
    }
    return 0;
}

/* Checks what fstat says of the file we opened (not of a name that could be swapped since). */
static int s_check_stat(const struct stat *st, const char *path, bool secret)
{
    if (!S_ISREG(st->st_mode))
        return relais_status_set(RELAIS_E_IO, "%s is not a regular file", path);
    /* Same rule as ssh: a key that others could read may already be someone else's key. */
    if (secret && (st->st_mode & (S_IRWXG | S_IRWXO)) != 0)
        return relais_status_set(RELAIS_E_IO, "%s holds a secret key but its mode is %03o; run chmod 600 on it", path,
                                 (unsigned)(st->st_mode & 0777));
    if (st->st_size > CERTS_FILE_MAX)
        return relais_status_set(RELAIS_E_MALFORMED, "%s is too large (%lld bytes) to be a certificate or key", path,
                                 (long long)st->st_size);
    return 0;
}

/* The body of certs_read_file, so that the descriptor has one owner and one close. */
static int s_read_fd(int fd, const char *path, bool secret, char **text, size_t *len)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return relais_status_set(RELAIS_E_IO, "cannot stat %s: %s", path, strerror(errno));
    int rc = s_check_stat(&st, path, secret);
    if (rc != 0)
        return rc;
    size_t size = (size_t)st.st_size;
    char *buf = malloc(size + 1);
    if (!buf)
        return relais_status_set(RELAIS_E_NOMEM, "no memory to read %s", path);
    rc = s_read_all(fd, path, buf, size);
    buf[size] = '\0';
    if (rc == 0 && memchr(buf, '\0', size) != NULL)
        rc = relais_status_set(RELAIS_E_MALFORMED, "%s holds a NUL byte: not a certificate or key file", path);
    if (rc != 0) {
        certs_text_free(&buf, size);
        return rc;
    }
    *text = buf;
    *len = size;
    return 0;
}

int certs_read_file(const char *path, bool secret, char **text, size_t *len)
{
    *text = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return relais_status_set(RELAIS_E_IO, "cannot open %s: %s", path, strerror(errno));
    int rc = s_read_fd(fd, path, secret, text, len);
    close(fd);
    return rc;
}

void certs_text_free(char **text, size_t len)
{
    if (!text || !*text)
        return;
    sodium_memzero(*text, len);
    free(*text);
    *text = NULL;
}

/* ---- Certificate fields ----------------------------------------------------------------- */

int certs_config_parse(const char *text, const char *path, zconfig_t **root)
{
    *root = zconfig_str_load(text);
    if (!*root)
        return relais_status_set(RELAIS_E_MALFORMED, "%s is not a zcert certificate (ZPL syntax error)", path);
    return 0;
}

static int s_curve_public(zconfig_t *root, const char *path, relais_peer_t *out)
{
    const char *z85 = zconfig_get(root, "curve/public-key", NULL);
    if (!z85 || strlen(z85) != RELAIS_CURVE_Z85_LEN || !zmq_z85_decode(out->curve_public, z85))
        return relais_status_set(RELAIS_E_MALFORMED, "%s: curve/public-key is missing or not a Z85 CURVE key", path);
    memcpy(out->curve_public_z85, z85, RELAIS_CURVE_Z85_LEN + 1);
    return 0;
}

static int s_sign_public(zconfig_t *root, const char *path, relais_peer_t *out)
{
    const char *b64 = zconfig_get(root, "metadata/sign-key", NULL);
    size_t bin_len = 0;
    const char *end = NULL;
    bool ok = b64 && sodium_base642bin(out->sign_public, sizeof out->sign_public, b64, strlen(b64), NULL, &bin_len,
                                       &end, sodium_base64_VARIANT_ORIGINAL) == 0;
    ok = ok && bin_len == RELAIS_SIGN_PUBLIC_BYTES && *end == '\0';
    if (!ok)
        return relais_status_set(RELAIS_E_MALFORMED,
                                 "%s: metadata sign-key is missing or not a base64 32-byte Ed25519 key", path);
    /* Refused here once rather than by every verification: a small-order key signs anything. */
    if (!crypto_core_ed25519_is_valid_point(out->sign_public))
        return relais_status_set(RELAIS_E_MALFORMED, "%s: metadata sign-key is not a usable Ed25519 public key", path);
    return 0;
}

static int s_metadata(zconfig_t *root, const char *path, relais_peer_t *out)
{
    const char *name = zconfig_get(root, "metadata/name", NULL);
    if (!certs_name_valid(name))
        return relais_status_set(RELAIS_E_MALFORMED, "%s: metadata name is missing or not 1-63 of [A-Za-z0-9._-]",
                                 path);
    const char *role = zconfig_get(root, "metadata/role", NULL);
    out->role = relais_role_from_name(role);
    if (out->role == RELAIS_ROLE_NONE)
        return relais_status_set(RELAIS_E_MALFORMED, "%s: metadata role '%s' is not a relais role", path,
                                 role ? role : "(missing)");
    const char *org = zconfig_get(root, "metadata/org", "");
    if (!certs_org_valid(org))
        return relais_status_set(RELAIS_E_MALFORMED, "%s: metadata org is too long or holds control characters",
                                 path);
    strcpy(out->name, name); /* lengths checked above */
    strcpy(out->org, org);
    return 0;
}

int certs_peer_from_config(zconfig_t *root, const char *path, relais_peer_t *out)
{
    memset(out, 0, sizeof *out);
    int rc = s_curve_public(root, path, out);
    if (rc == 0)
        rc = s_metadata(root, path, out);
    if (rc == 0)
        rc = certs_crypto_ready();
    if (rc == 0)
        rc = s_sign_public(root, path, out);
    return rc;
}

int relais_peer_load(const char *cert_path, relais_peer_t *out)
{
    if (!cert_path || !out)
        return relais_status_set(RELAIS_E_INVALID, "relais_peer_load: NULL argument");
    char *text = NULL;
    size_t len = 0;
    zconfig_t *root = NULL;
    /* Parsed by hand rather than by zcert_load, which silently prefers NAME.cert_secret when
     * it exists: a public certificate must be read from the public file only. */
    int rc = certs_read_file(cert_path, false, &text, &len);
    if (rc == 0)
        rc = certs_config_parse(text, cert_path, &root);
    if (rc == 0 && zconfig_get(root, "curve/secret-key", NULL) != NULL)
        rc = relais_status_set(RELAIS_E_MALFORMED,
                               "%s holds a CURVE secret key; give the public NAME.cert, never the secret file",
                               cert_path);
    if (rc == 0)
        rc = certs_peer_from_config(root, cert_path, out);
    zconfig_destroy(&root);
    certs_text_free(&text, len);
    return rc;
}

/* ---- Signatures ------------------------------------------------------------------------- */

int certs_message_build(const uint8_t *body, size_t len, uint8_t *stack, size_t stack_cap, uint8_t **msg,
                        size_t *msg_len)
{
    if (len > SIZE_MAX - CERTS_CONTEXT_LEN)
        return relais_status_set(RELAIS_E_INVALID, "message body too large to sign or verify");
    size_t total = CERTS_CONTEXT_LEN + len;
    uint8_t *buf = total <= stack_cap ? stack : malloc(total);
    if (!buf)
        return relais_status_set(RELAIS_E_NOMEM, "no memory for a %zu-byte message", len);
    /* sizeof includes the string's NUL: that is the 0x00 separator. */
    memcpy(buf, RELAIS_SIGN_CONTEXT, CERTS_CONTEXT_LEN);
    if (len > 0)
        memcpy(buf + CERTS_CONTEXT_LEN, body, len);
    *msg = buf;
    *msg_len = total;
    return 0;
}

void certs_message_release(uint8_t *msg, const uint8_t *stack)
{
    if (msg != stack)
        free(msg);
}

int relais_signature_verify(const uint8_t public_key[RELAIS_SIGN_PUBLIC_BYTES], const uint8_t *body, size_t len,
                            const uint8_t signature[64])
{
    if (!public_key || !signature || (!body && len > 0))
        return relais_status_set(RELAIS_E_INVALID, "relais_signature_verify: NULL argument");
    int rc = certs_crypto_ready();
    if (rc != 0)
        return rc;
    uint8_t stack[4096];
    uint8_t *msg = NULL;
    size_t msg_len = 0;
    rc = certs_message_build(body, len, stack, sizeof stack, &msg, &msg_len);
    if (rc != 0)
        return rc;
    /* crypto_sign_verify_detached is pure Ed25519 (RFC 8032), as openssl pkeyutl -rawin. */
    if (crypto_sign_verify_detached(signature, msg, msg_len, public_key) != 0)
        rc = relais_status_set(RELAIS_E_BAD_SIGNATURE, "the Ed25519 signature does not verify over the body");
    certs_message_release(msg, stack);
    return rc;
}
