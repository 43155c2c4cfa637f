/* cosig.c -- cosignature/v1 lines (C2SP tlog-cosignature, Ed25519): signed by a witness, checked
 * by the hub that asked for them and by auditors. */
#include "relais_cosig.h"

#include "note_internal.h"
#include "relais_proto.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_HEADER "cosignature/v1\ntime "
#define S_TIME_MAX ((uint64_t)INT64_MAX) /* tlog-cosignature: a timestamp never exceeds 2^63 - 1 */

/* What a witness signs: the header line, the time line, then the note's text (every line up to
 * the blank one, each with its "\n"). Caller frees *msg. */
static int s_message(const char *note, size_t text_len, uint64_t timestamp, uint8_t **msg, size_t *len)
{
    char head[sizeof S_HEADER + 24];
    int n = snprintf(head, sizeof head, S_HEADER "%" PRIu64 "\n", timestamp);
    if (n < 0 || (size_t)n >= sizeof head)
        return relais_status_set(RELAIS_E_INVALID, "cosignature time line too long");
    *msg = malloc((size_t)n + text_len);
    if (*msg == NULL)
        return relais_status_set(RELAIS_E_NOMEM, "out of memory for a cosigned message");
    memcpy(*msg, head, (size_t)n);
    memcpy(*msg + n, note, text_len);
    *len = (size_t)n + text_len;
    return 0;
}

static uint64_t s_be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

int relais_cosig_sign(const char *note, const char *name, const uint8_t secret[32], uint64_t timestamp, char *line,
                      size_t cap)
{
    if (note == NULL || secret == NULL || line == NULL)
        return relais_status_set(RELAIS_E_INVALID, "cosign: missing argument");
    if (!note_valid_key_name(name))
        return relais_status_set(RELAIS_E_INVALID, "a witness name is one word of at most 255 bytes, without '+'");
    if (timestamp > S_TIME_MAX)
        return relais_status_set(RELAIS_E_INVALID, "a cosignature's time cannot pass 2^63 - 1");
    relais_checkpoint_t cp;
    size_t sigs_at = 0;
    int rc = note_parse_checkpoint(note, &cp, &sigs_at);
    if (rc)
        return rc;
    uint8_t blob[RELAIS_COSIG_BYTES], public_key[32], *msg = NULL;
    size_t msg_len = 0;
    rc = s_message(note, sigs_at - 1, timestamp, &msg, &msg_len);
    if (rc == 0)
        rc = note_ed25519_sign(secret, msg, msg_len, blob + NOTE_KEY_ID + 8, public_key);
    free(msg);
    if (rc == 0)
        rc = note_key_id(name, strlen(name), NOTE_ALG_COSIG_V1, public_key, blob);
    if (rc)
        return rc;
    for (int i = 0; i < 8; i++)
        blob[NOTE_KEY_ID + i] = (uint8_t)(timestamp >> (56 - 8 * i));
    char b64[NOTE_B64_LEN(RELAIS_COSIG_BYTES) + 1];
    note_b64_encode(blob, sizeof blob, b64);
    int n = snprintf(line, cap, NOTE_EM_DASH "%s %s\n", name, b64);
    if (n < 0 || (size_t)n >= cap)
        return relais_status_set(RELAIS_E_INVALID, "a cosignature line needs %d bytes, room for %zu", n + 1, cap);
    return 0;
}

/* Judges one signature line: 1 a valid cosignature by the witness (its time into *timestamp),
 * 0 a line of another key, 2 a line of the witness's name and key id that does not verify, or a
 * status. */
static int s_check_line(const note_sig_line_t *sl, const char *name, const uint8_t key_id[NOTE_KEY_ID],
                        const uint8_t public_key[32], const char *note, size_t text_len, uint64_t *timestamp)
{
    uint8_t blob[NOTE_DECODE_MAX];
    size_t decoded = 0;
    if (sl->name_len != strlen(name) || memcmp(sl->name, name, sl->name_len) != 0)
        return 0;
    /* Longer signatures are other algorithms' (ML-DSA's): another key id, never this witness's. */
    if (!note_b64_shape(sl->b64, sl->b64_len, &decoded) || decoded > sizeof blob ||
        !note_b64_decode_exact(sl->b64, sl->b64_len, blob, decoded))
        return 0;
    /* The name and key id name the key and its algorithm: such a line must verify (signed-note). */
    if (memcmp(blob, key_id, NOTE_KEY_ID) != 0)
        return 0;
    if (decoded != RELAIS_COSIG_BYTES)
        return 2;
    uint64_t t = s_be64(blob + NOTE_KEY_ID);
    if (t > S_TIME_MAX)
        return 2;
    uint8_t *msg = NULL;
    size_t msg_len = 0;
    int rc = s_message(note, text_len, t, &msg, &msg_len);
    if (rc)
        return rc;
    rc = note_ed25519_verify(public_key, msg, msg_len, blob + NOTE_KEY_ID + 8);
    free(msg);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return 2;
    *timestamp = t;
    return 1;
}

/* Walks the signature lines of `lines` from `pos` on (all well formed); the note's text is the
 * first `text_len` bytes of `note`. */
static int s_scan(const char *lines, size_t pos, const char *note, size_t text_len, const char *name,
                  const uint8_t public_key[32], char *out, size_t cap, uint64_t *timestamp)
{
    uint8_t key_id[NOTE_KEY_ID];
    int rc = note_key_id(name, strlen(name), NOTE_ALG_COSIG_V1, public_key, key_id);
    if (rc)
        return rc;
    int found = 0;
    uint64_t best = 0;
    while (lines[pos] != '\0') {
        size_t start = pos, len;
        const char *line;
        note_sig_line_t sl;
        if (!note_next_line(lines, &pos, &line, &len) || !note_parse_sig_line(line, len, &sl))
            return relais_status_set(RELAIS_E_MALFORMED, "a line that is not a note signature line (\"— NAME "
                                                         "BASE64\")");
        uint64_t t = 0;
        rc = s_check_line(&sl, name, key_id, public_key, note, text_len, &t);
        if (rc < 0)
            return rc;
        if (rc == 2)
            return relais_status_set(RELAIS_E_BAD_SIGNATURE, "a cosignature line of %s's name and key id does not "
                                                             "verify over this checkpoint",
                                     name);
        if (rc == 1 && (!found || t > best)) {
            found = 1;
            best = t;
            if (out != NULL) {
                if (pos - start + 1 > cap)
                    return relais_status_set(RELAIS_E_INVALID, "no room for %s's cosignature line", name);
                memcpy(out, lines + start, pos - start);
                out[pos - start] = '\0';
            }
        }
    }
    if (!found)
        return relais_status_set(RELAIS_E_NOT_FOUND, "no cosignature by %s", name);
    *timestamp = best;
    return 0;
}

int relais_cosig_verify(const char *note, const char *name, const uint8_t public_key[32], uint64_t *timestamp)
{
    if (note == NULL || public_key == NULL || timestamp == NULL)
        return relais_status_set(RELAIS_E_INVALID, "cosignature verify: missing argument");
    if (!note_valid_key_name(name))
        return relais_status_set(RELAIS_E_INVALID, "a witness name is one word of at most 255 bytes, without '+'");
    relais_checkpoint_t cp;
    size_t sigs_at = 0;
    int rc = note_parse_checkpoint(note, &cp, &sigs_at);
    if (rc)
        return rc;
    return s_scan(note, sigs_at, note, sigs_at - 1, name, public_key, NULL, 0, timestamp);
}

int relais_cosig_pick(const char *note, const char *reply, size_t len, const char *name, const uint8_t public_key[32],
                      char *line, size_t cap, uint64_t *timestamp)
{
    if (note == NULL || reply == NULL || line == NULL || timestamp == NULL)
        return relais_status_set(RELAIS_E_INVALID, "cosignature pick: missing argument");
    if (!note_valid_key_name(name))
        return relais_status_set(RELAIS_E_INVALID, "a witness name is one word of at most 255 bytes, without '+'");
    if (len == 0 || len > RELAIS_NOTE_MAX || memchr(reply, '\0', len) != NULL || reply[len - 1] != '\n')
        return relais_status_set(RELAIS_E_MALFORMED, "the witness's answer is not signature lines ended by a line feed");
    relais_checkpoint_t cp;
    size_t sigs_at = 0;
    int rc = note_parse_checkpoint(note, &cp, &sigs_at);
    if (rc)
        return rc;
    char *copy = malloc(len + 1);
    if (copy == NULL)
        return relais_status_set(RELAIS_E_NOMEM, "out of memory for the witness's answer");
    memcpy(copy, reply, len);
    copy[len] = '\0';
    rc = s_scan(copy, 0, note, sigs_at - 1, name, public_key, line, cap, timestamp);
    free(copy);
    return rc;
}
