/* relais_certs.h -- identities, the trust registry and Ed25519 message signatures.
 *
 * Files of one identity NAME, as `relais keygen` writes them into a folder:
 *   NAME.cert          public zcert: CURVE public key; metadata name, role, org, sign-key
 *                      (the raw 32-byte Ed25519 public key in base64). Goes in the registry.
 *   NAME.cert_secret   zcert secret file: the CURVE secret key (mode 0600)
 *   NAME.sign.key      the Ed25519 private key, PKCS#8 PEM as OpenSSL writes it (mode 0600)
 * A "key file" (--key) is NAME.cert_secret; NAME.sign.key is found beside it.
 * The registry is a folder of public NAME.cert files (files ending in _secret or .key are
 * ignored there, so a mistaken copy never makes a secret part of the registry).
 */
#ifndef RELAIS_CERTS_H
#define RELAIS_CERTS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RELAIS_SIGN_PUBLIC_BYTES 32
#define RELAIS_SIGN_SEED_BYTES 32
#define RELAIS_CURVE_Z85_LEN 40 /* Z85 text of a CURVE key, without the NUL */
#define RELAIS_IDENT_NAME_MAX 64 /* room for a certificate name with its NUL */
#define RELAIS_IDENT_ORG_MAX 128 /* room for an organisation with its NUL */

typedef enum {
    RELAIS_ROLE_NONE = 0,
    RELAIS_ROLE_PARTNER,     /* a partner's system: submits referrals, sees its closed loop */
    RELAIS_ROLE_COORDINATOR, /* the socio-educational coordinator: moves cases, sees all */
    RELAIS_ROLE_AUDITOR,     /* reads and verifies everything, writes nothing */
    RELAIS_ROLE_RECEPTION,   /* the Tranquillite urbaine reception desk */
    RELAIS_ROLE_BROKER,      /* the hub itself (signs checkpoints and access records) */
    RELAIS_ROLE_DPO,         /* the town's data protection officer: the family's rights, and
                              * the only one who can open the intermediate archive (its CURVE
                              * key, an X25519 key, is what archived cases are sealed to) */
    RELAIS_ROLE_PUBLISHER,   /* the mayor's office: publishes the town's decrees, reads nothing
                              * personal */
    RELAIS_ROLE_WITNESS,     /* a witness (`relais witness`): cosigns the hub's checkpoints that
                              * extend what it cosigned before; talks to no hub, sends nothing */
} relais_role_t;

/* "partner", "coordinator", ...; NULL for an unknown role. */
const char *relais_role_name(relais_role_t role);
/* RELAIS_ROLE_NONE when `name` is not a role. */
relais_role_t relais_role_from_name(const char *name);

/* A peer as the registry (or a single public certificate) describes it. */
typedef struct {
    char name[RELAIS_IDENT_NAME_MAX];               /* certificate name, the sender name */
    relais_role_t role;
    char org[RELAIS_IDENT_ORG_MAX];                 /* organisation, may be empty */
    char curve_public_z85[RELAIS_CURVE_Z85_LEN + 1]; /* CURVE public key, Z85 */
    uint8_t curve_public[32];                       /* the same, raw */
    uint8_t sign_public[RELAIS_SIGN_PUBLIC_BYTES];  /* Ed25519 public key */
} relais_peer_t;

/* Reads one public certificate (e.g. --server-cert); only that file, even when NAME.cert_secret
 * lies beside it. Errors: RELAIS_E_IO (unreadable), RELAIS_E_MALFORMED (not a relais
 * certificate: missing or bad name, role or sign-key; or a file holding a CURVE secret key). */
int relais_peer_load(const char *cert_path, relais_peer_t *out);

/* ---- Own identity (secret keys) --------------------------------------------------------- */

typedef struct relais_identity relais_identity_t;

/* Creates fresh CURVE and Ed25519 key pairs. `org` may be NULL. Names are 1-63 bytes of
 * [A-Za-z0-9._-]. Errors: RELAIS_E_INVALID, RELAIS_E_CRYPTO, RELAIS_E_NOMEM. */
int relais_identity_generate(const char *name, relais_role_t role, const char *org, relais_identity_t **out);

/* Writes DIR/NAME.cert, DIR/NAME.cert_secret and DIR/NAME.sign.key (secrets 0600, created
 * so that they are never readable by others, not even for a moment). Refuses to overwrite
 * existing files. Creates DIR (mode 0700) if it does not exist; its parent must. On failure
 * no file of the three is left behind. Errors: RELAIS_E_IO, RELAIS_E_INVALID. */
int relais_identity_save(const relais_identity_t *self, const char *dir);

/* Loads an identity from its key file (NAME.cert_secret; NAME.sign.key beside it; a path to
 * NAME.cert is accepted too and means the same files). Both secret files must have no group or
 * other permission bits (as ssh requires of its keys); the CURVE and Ed25519 keys must match
 * the certificate's public keys. Errors: RELAIS_E_IO (missing or unreadable, or a secret
 * readable by others), RELAIS_E_MALFORMED, RELAIS_E_INVALID (a path not ending in
 * .cert_secret or .cert), RELAIS_E_NOMEM. */
int relais_identity_load(const char *key_path, relais_identity_t **out);

void relais_identity_destroy(relais_identity_t **self_p);

/* The public face of the identity (as its NAME.cert says). Valid while the identity lives. */
const relais_peer_t *relais_identity_peer(const relais_identity_t *self);

/* The CURVE keys as Z85 text, for zmq_setsockopt(ZMQ_CURVE_*KEY). Valid while it lives. */
const char *relais_identity_curve_public_z85(const relais_identity_t *self);
const char *relais_identity_curve_secret_z85(const relais_identity_t *self);

/* The Ed25519 seed (secret); for checkpoint signing. Valid while the identity lives. */
const uint8_t *relais_identity_sign_seed(const relais_identity_t *self);

/* Pure Ed25519 over RELAIS_SIGN_CONTEXT || 0x00 || body. Errors: RELAIS_E_CRYPTO; also
 * RELAIS_E_INVALID (NULL argument) and RELAIS_E_NOMEM (bodies over 4 KiB take a heap buffer). */
int relais_identity_sign(const relais_identity_t *self, const uint8_t *body, size_t len, uint8_t signature[64]);

/* Checks a message signature. Returns 0, or RELAIS_E_BAD_SIGNATURE. Thread-safe. Also, for
 * programming or resource errors only: RELAIS_E_INVALID (NULL argument), RELAIS_E_NOMEM
 * (bodies over 4 KiB take a heap buffer), RELAIS_E_CRYPTO. */
int relais_signature_verify(const uint8_t public_key[RELAIS_SIGN_PUBLIC_BYTES], const uint8_t *body, size_t len,
                            const uint8_t signature[64]);

/* ---- The trust registry ------------------------------------------------------------------ */

typedef struct relais_registry relais_registry_t;

/* Loads every *.cert file of `dir` (regular files, or symbolic links to them; subfolders such
 * as revoked/ are not read). A malformed certificate or two certificates with the
 * same name or CURVE key fail the whole load (RELAIS_E_MALFORMED, the detail names the
 * file), so that a broker never runs on half a registry. Errors also: RELAIS_E_IO,
 * RELAIS_E_INVALID, RELAIS_E_NOMEM. An empty folder gives an empty registry. */
int relais_registry_load(const char *dir, relais_registry_t **out);

void relais_registry_destroy(relais_registry_t **self_p);

/* Lookups; the peer is valid while the registry lives. NULL when absent. Thread-safe. */
const relais_peer_t *relais_registry_by_curve_z85(const relais_registry_t *self, const char *z85);
const relais_peer_t *relais_registry_by_curve(const relais_registry_t *self, const uint8_t key[32]);
const relais_peer_t *relais_registry_by_name(const relais_registry_t *self, const char *name);

/* Peers in order of name (strcmp); relais_registry_at returns NULL past the end. */
size_t relais_registry_count(const relais_registry_t *self);
const relais_peer_t *relais_registry_at(const relais_registry_t *self, size_t index);

#ifdef __cplusplus
}
#endif

#endif
