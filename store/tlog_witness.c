/* tlog_witness.c -- the bodies of C2SP tlog-witness's add-checkpoint and of its 409 answer. */
#include "relais_cosig.h"

#include "note_internal.h"
#include "relais_proto.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define S_HASH_B64 NOTE_B64_LEN(RELAIS_HASH_SIZE) /* 44 characters */

int relais_tlogw_add_format(uint64_t old_size, const relais_hash_t *proof, size_t proof_len, const char *note,
                            char *out, size_t cap, size_t *len)
{
    if (note == NULL || out == NULL || len == NULL || (proof_len > 0 && proof == NULL))
        return relais_status_set(RELAIS_E_INVALID, "add-checkpoint: missing argument");
    if (proof_len > RELAIS_TLOGW_PROOF_MAX)
        return relais_status_set(RELAIS_E_INVALID, "add-checkpoint: %zu proof hashes, at most %d", proof_len,
                                 RELAIS_TLOGW_PROOF_MAX);
    size_t note_len = strlen(note);
    if (note_len == 0 || note[note_len - 1] != '\n')
        return relais_status_set(RELAIS_E_INVALID, "add-checkpoint: the note does not end a line");
    int n = snprintf(out, cap, "old %" PRIu64 "\n", old_size);
    if (n < 0 || (size_t)n >= cap)
        return relais_status_set(RELAIS_E_INVALID, "add-checkpoint: no room for the body");
    size_t at = (size_t)n;
    for (size_t i = 0; i < proof_len; i++) {
        if (at + S_HASH_B64 + 2 > cap)
            return relais_status_set(RELAIS_E_INVALID, "add-checkpoint: no room for the body");
        note_b64_encode(proof[i], RELAIS_HASH_SIZE, out + at);
        at += S_HASH_B64;
        out[at++] = '\n';
    }
    if (at + 1 + note_len + 1 > cap)
        return relais_status_set(RELAIS_E_INVALID, "add-checkpoint: no room for the body");
    out[at++] = '\n';
    memcpy(out + at, note, note_len + 1);
    *len = at + note_len;
    return 0;
}

/* The line at *pos of `body` (`len` bytes), without its '\n'; false when no '\n' ends it. */
static int s_line(const char *body, size_t len, size_t *pos, const char **line, size_t *line_len)
{
    const char *nl = memchr(body + *pos, '\n', len - *pos);
    if (nl == NULL)
        return 0;
    *line = body + *pos;
    *line_len = (size_t)(nl - *line);
    *pos += *line_len + 1;
    return 1;
}

int relais_tlogw_add_parse(const char *body, size_t len, relais_tlogw_add_t *out)
{
    if (body == NULL || out == NULL)
        return relais_status_set(RELAIS_E_INVALID, "add-checkpoint: missing argument");
    if (len > RELAIS_TLOGW_BODY_MAX)
        return relais_status_set(RELAIS_E_TOO_LARGE, "add-checkpoint: a body of %zu bytes, at most %d", len,
                                 RELAIS_TLOGW_BODY_MAX);
    if (memchr(body, '\0', len) != NULL)
        return relais_status_set(RELAIS_E_MALFORMED, "add-checkpoint: a NUL byte in the body");
    size_t pos = 0, line_len;
    const char *line;
    if (!s_line(body, len, &pos, &line, &line_len) || line_len < 5 || memcmp(line, "old ", 4) != 0 ||
        !note_parse_u64(line + 4, line_len - 4, &out->old_size))
        return relais_status_set(RELAIS_E_MALFORMED, "add-checkpoint: the first line is not \"old SIZE\" (a decimal "
                                                     "without leading zeros)");
    out->proof_len = 0;
    for (;;) {
        if (!s_line(body, len, &pos, &line, &line_len))
            return relais_status_set(RELAIS_E_MALFORMED, "add-checkpoint: no empty line after the proof");
        if (line_len == 0)
            break;
        if (out->proof_len == RELAIS_TLOGW_PROOF_MAX)
            return relais_status_set(RELAIS_E_MALFORMED, "add-checkpoint: more than %d proof lines",
                                     RELAIS_TLOGW_PROOF_MAX);
        if (!note_b64_decode_exact(line, line_len, out->proof[out->proof_len], RELAIS_HASH_SIZE))
            return relais_status_set(RELAIS_E_MALFORMED, "add-checkpoint: proof line %zu is not one hash in base64",
                                     out->proof_len + 1);
        out->proof_len++;
    }
    size_t note_len = len - pos;
    if (note_len == 0 || body[len - 1] != '\n')
        return relais_status_set(RELAIS_E_MALFORMED, "add-checkpoint: no checkpoint after the empty line, or its last "
                                                     "line not ended");
    if (note_len >= sizeof out->note)
        return relais_status_set(RELAIS_E_TOO_LARGE, "add-checkpoint: a checkpoint of %zu bytes, at most %zu",
                                 note_len, sizeof out->note - 1);
    memcpy(out->note, body + pos, note_len);
    out->note[note_len] = '\0';
    return 0;
}

int relais_tlogw_size_parse(const char *body, size_t len, uint64_t *size)
{
    if (body == NULL || size == NULL || len < 2 || body[len - 1] != '\n' || !note_parse_u64(body, len - 1, size))
        return relais_status_set(RELAIS_E_MALFORMED, "the witness's size is not a decimal ended by a line feed");
    return 0;
}
