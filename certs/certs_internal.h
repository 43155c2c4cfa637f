/* certs_internal.h -- what certs.c, identity.c and registry.c share; not part of the public face. */
#ifndef RELAIS_CERTS_INTERNAL_H
#define RELAIS_CERTS_INTERNAL_H

#include "relais_certs.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <czmq.h>

/* Hidden so that a shared library built on this static one (librelais) does not export them. */
#define CERTS_INTERNAL __attribute__((visibility("hidden")))

/* Bytes of RELAIS_SIGN_CONTEXT plus its 0x00 separator: what precedes every signed body. */
#define CERTS_CONTEXT_LEN (sizeof RELAIS_SIGN_CONTEXT)

/* A certificate or key file is a few hundred bytes; anything far larger is not one. */
#define CERTS_FILE_MAX (64 * 1024)

/* Initialises libsodium once per process. Errors: RELAIS_E_CRYPTO. */
CERTS_INTERNAL int certs_crypto_ready(void);

/* True for 1-63 bytes of [A-Za-z0-9._-]. */
CERTS_INTERNAL bool certs_name_valid(const char *name);

/* True for an organisation that fits RELAIS_IDENT_ORG_MAX and survives zcert's quoting. */
CERTS_INTERNAL bool certs_org_valid(const char *org);

/* Reads a whole certificate or key file into *text (NUL-terminated, caller frees with
 * certs_text_free). With `secret`, refuses a file that group or others may read or write.
 * Errors: RELAIS_E_IO, RELAIS_E_MALFORMED (too large, or holds a NUL byte), RELAIS_E_NOMEM. */
CERTS_INTERNAL int certs_read_file(const char *path, bool secret, char **text, size_t *len);

/* Wipes and frees what certs_read_file returned; safe on NULL. */
CERTS_INTERNAL void certs_text_free(char **text, size_t len);

/* Parses zcert text from `path` into *root (caller destroys). Errors: RELAIS_E_MALFORMED. */
CERTS_INTERNAL int certs_config_parse(const char *text, const char *path, zconfig_t **root);

/* Fills *out from a parsed certificate: CURVE public key, name, role, org, sign-key, each
 * checked. Errors: RELAIS_E_MALFORMED, the detail naming `path` and the field. */
CERTS_INTERNAL int certs_peer_from_config(zconfig_t *root, const char *path, relais_peer_t *out);

/* Points *msg at RELAIS_SIGN_CONTEXT || 0x00 || body, built in `stack` when it fits
 * (`stack_cap` bytes) and on the heap otherwise; release with certs_message_release.
 * Errors: RELAIS_E_NOMEM, RELAIS_E_INVALID (length overflow). */
CERTS_INTERNAL int certs_message_build(const uint8_t *body, size_t len, uint8_t *stack, size_t stack_cap,
                                       uint8_t **msg, size_t *msg_len);
CERTS_INTERNAL void certs_message_release(uint8_t *msg, const uint8_t *stack);

#endif
