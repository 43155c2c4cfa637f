/* relais_cosig.h -- witnesses' cosignatures on the hub's checkpoints, and the messages of the
 * witness protocol, without any network: pure functions the hub, the witness and an auditor share.
 *
 * Cosignatures: C2SP tlog-cosignature (https://c2sp.org/tlog-cosignature), the Ed25519 kind
 * ("cosignature/v1"), as note signature lines (https://c2sp.org/signed-note):
 *
 *   — <witness name> base64(key id || timestamp || signature)
 *
 *   key id    = first 4 bytes of SHA-256(<witness name> || "\n" || 0x04 || 32-byte public key)
 *   timestamp = 8 bytes, big-endian: POSIX seconds when the witness signed (at most 2^63 - 1)
 *   signature = pure Ed25519 over "cosignature/v1\ntime <timestamp in decimal>\n" followed by the
 *               checkpoint's note text (origin, size, root, each line with its "\n")
 *
 * Messages: C2SP tlog-witness (https://c2sp.org/tlog-witness), add-checkpoint's request body
 *
 *   old <size>\n  <one base64 hash a line, at most 63>\n  \n  <the checkpoint note>
 *
 * and the body of its 409 Conflict answer (Content-Type text/x.tlog.size): "<size>\n".
 *
 * Status convention as everywhere in relais: 0, or a negative RELAIS_E_* with
 * relais_status_detail() saying why.
 */
#ifndef RELAIS_COSIG_H
#define RELAIS_COSIG_H

#include <stddef.h>
#include <stdint.h>

#include "relais_merkle.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RELAIS_COSIG_BYTES (4 + 8 + 64) /* key id, timestamp, Ed25519 signature */
/* A cosignature line with its "\n" and a NUL: the dash and space, a name of at most 255 bytes, a
 * space, the 104 characters of base64. */
#define RELAIS_COSIG_LINE_MAX (4 + 255 + 1 + 104 + 2)

/* Cosigns the checkpoint `note` (its text: the signature lines already there are not part of
 * what is signed) as the witness `name` with the 32-byte Ed25519 seed `secret`, at POSIX time
 * `timestamp`; writes the signature line, "\n" and NUL included, into `line` (room `cap`).
 * Errors: RELAIS_E_MALFORMED (`note` is no checkpoint), RELAIS_E_INVALID (a name that is not
 * one word, a timestamp past 2^63 - 1, no room), RELAIS_E_CRYPTO. */
int relais_cosig_sign(const char *note, const char *name, const uint8_t secret[32], uint64_t timestamp, char *line,
                      size_t cap);

/* Looks for the cosignature of the witness (`name`, its 32-byte Ed25519 `public_key`) among the
 * signature lines of the checkpoint `note`, lines of other keys ignored as signed notes require.
 * 0 when one verifies: *timestamp gets its time (the latest, if the witness signed more than
 * once). Errors: RELAIS_E_NOT_FOUND (no line of that witness's name and key id),
 * RELAIS_E_BAD_SIGNATURE (a line of that name and key id that does not verify: the note is to
 * be refused whole), RELAIS_E_MALFORMED (not a checkpoint note, or a line that is no signature
 * line), RELAIS_E_INVALID (a bad name). */
int relais_cosig_verify(const char *note, const char *name, const uint8_t public_key[32], uint64_t *timestamp);

/* Takes, from a witness's answer to add-checkpoint (`reply`, `len` bytes: one or more signature
 * lines, each ended by "\n"), the line that is that witness's valid cosignature of `note`, into
 * `line` (room `cap`; with its "\n"), and its time into *timestamp. Lines of other keys are
 * ignored. Errors: RELAIS_E_NOT_FOUND, RELAIS_E_BAD_SIGNATURE, RELAIS_E_MALFORMED (an answer
 * that is not signature lines), RELAIS_E_INVALID (no room). */
int relais_cosig_pick(const char *note, const char *reply, size_t len, const char *name, const uint8_t public_key[32],
                      char *line, size_t cap, uint64_t *timestamp);

/* ---- tlog-witness messages ------------------------------------------------------------------ */

#define RELAIS_TLOGW_PROOF_MAX 63 /* consistency proof lines a client may send */
/* The largest add-checkpoint body read: the old size line, 63 hashes, the blank line, a note. */
#define RELAIS_TLOGW_BODY_MAX (32 + RELAIS_TLOGW_PROOF_MAX * 45 + 1 + RELAIS_NOTE_MAX)

typedef struct {
    uint64_t old_size;                            /* the size the client believes the witness holds */
    relais_hash_t proof[RELAIS_TLOGW_PROOF_MAX];  /* the consistency proof from old_size */
    size_t proof_len;                             /* its hashes */
    char note[RELAIS_NOTE_MAX];                   /* the checkpoint note, NUL-terminated, not yet checked */
} relais_tlogw_add_t;

/* Writes the add-checkpoint body for `note` (a checkpoint note ending in "\n") with the proof
 * from `old_size` into `out` (room `cap`); *len gets its length (a NUL follows it).
 * Errors: RELAIS_E_INVALID (more than 63 hashes, a note that does not end a line, no room). */
int relais_tlogw_add_format(uint64_t old_size, const relais_hash_t *proof, size_t proof_len, const char *note,
                            char *out, size_t cap, size_t *len);

/* Reads an add-checkpoint body (`len` bytes, not NUL-terminated) into *out: the lines' syntax
 * only; the witness judges sizes, proof and signatures. Errors: RELAIS_E_MALFORMED (the detail
 * says which line), RELAIS_E_TOO_LARGE (a body past RELAIS_TLOGW_BODY_MAX). */
int relais_tlogw_add_parse(const char *body, size_t len, relais_tlogw_add_t *out);

/* Reads the body of a 409 answer, "<size>\n" in decimal without leading zeros.
 * Errors: RELAIS_E_MALFORMED. */
int relais_tlogw_size_parse(const char *body, size_t len, uint64_t *size);

#ifdef __cplusplus
}
#endif

#endif
