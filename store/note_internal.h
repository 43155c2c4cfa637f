/* note_internal.h -- the pieces of C2SP signed notes (https://c2sp.org/signed-note) that the hub's
 * checkpoints (merkle.c) and the witnesses' cosignatures (cosig.c, tlog_witness.c) share: words and
 * key names, key ids, padded base64 read back only in its canonical form, pure Ed25519, lines.
 * Internal to relais_merkle: the public faces are relais_merkle.h and relais_cosig.h. */
#ifndef RELAIS_NOTE_INTERNAL_H
#define RELAIS_NOTE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "relais_merkle.h"

#define NOTE_KEY_NAME_MAX 255                /* keeps a checkpoint within RELAIS_CHECKPOINT_MAX */
#define NOTE_ED25519_SIG 64                  /* Ed25519 signature bytes */
#define NOTE_KEY_ID 4                        /* signed-note key id bytes */
#define NOTE_B64_LEN(n) (4 * (((n) + 2) / 3)) /* base64 text length of n bytes, padded */
#define NOTE_EM_DASH "\xE2\x80\x94 "          /* U+2014 and a space open a signature line */
#define NOTE_ALG_ED25519 0x01                /* signature type of a plain Ed25519 note signature */
#define NOTE_ALG_COSIG_V1 0x04               /* signature type of a cosignature/v1 (tlog-cosignature) */
#define NOTE_DECODE_MAX 96                   /* the longest signature any line of ours decodes to */

/* A single word: no byte at or below a space, no DEL; key names no '+' either, which separates
 * the fields of a signed-note verifier key. */
bool note_valid_word(const char *s, size_t len, size_t max, bool is_key_name);
bool note_valid_key_name(const char *name);
bool note_valid_origin(const char *origin, size_t len);

/* First 4 bytes of SHA-256(name || "\n" || alg || public key). Errors: RELAIS_E_CRYPTO. */
int note_key_id(const char *name, size_t name_len, uint8_t alg, const uint8_t public_key[32],
                uint8_t id[NOTE_KEY_ID]);

/* Standard base64 with padding; `out` holds NOTE_B64_LEN(len) + 1 bytes. */
void note_b64_encode(const uint8_t *in, size_t len, char *out);
/* Whether `in` is padded standard base64 (no whitespace); gives the decoded length. */
bool note_b64_shape(const char *in, size_t len, size_t *decoded_len);
/* Decodes exactly `want` bytes (at most NOTE_DECODE_MAX) from canonical base64, else false. */
bool note_b64_decode_exact(const char *in, size_t len, uint8_t *out, size_t want);

/* Pure Ed25519 over `msg`; also gives the public key. Errors: RELAIS_E_CRYPTO. */
int note_ed25519_sign(const uint8_t secret[32], const uint8_t *msg, size_t len, uint8_t sig[NOTE_ED25519_SIG],
                      uint8_t public_key[32]);
/* 1 when `sig` is a valid signature of `msg`, 0 when not, or RELAIS_E_CRYPTO. */
int note_ed25519_verify(const uint8_t public_key[32], const uint8_t *msg, size_t len,
                        const uint8_t sig[NOTE_ED25519_SIG]);

/* Cuts the line that starts at *pos of the NUL-terminated `s` (without its '\n'); false when
 * no '\n' ends it. */
bool note_next_line(const char *s, size_t *pos, const char **line, size_t *len);
/* Decimal without sign, spaces or leading zeros (other than "0"), within uint64_t. */
bool note_parse_u64(const char *s, size_t len, uint64_t *out);

/* The three lines of a checkpoint's body and the blank line after them, from a NUL-terminated
 * note; *sigs_at gets the offset of the first signature line (the signed text is the `sigs_at
 * - 1` bytes before it). Extension lines are legal C2SP but never written by relais: refused.
 * Errors: RELAIS_E_MALFORMED. */
int note_parse_checkpoint(const char *note, relais_checkpoint_t *cp, size_t *sigs_at);

/* A parsed signature line: "— <name> <base64>", pointers into the note. */
typedef struct {
    const char *name; /* key name, not NUL-terminated */
    size_t name_len;  /* its length */
    const char *b64;  /* base64 of key id || signature, not NUL-terminated */
    size_t b64_len;   /* its length */
} note_sig_line_t;

/* A well-formed signature line (any algorithm: a signature longer than its key id). */
bool note_parse_sig_line(const char *line, size_t len, note_sig_line_t *out);

#endif
