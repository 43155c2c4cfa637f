/* note.c -- what checkpoints and cosignatures share of C2SP signed notes (note_internal.h). */
#include "note_internal.h"

#include "relais_proto.h"

#include <string.h>

#include <openssl/evp.h>

bool note_valid_word(const char *s, size_t len, size_t max, bool is_key_name)
{
    if (len == 0 || len > max)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c == 0x7f || (is_key_name && c == '+'))
            return false;
    }
    return true;
}

bool note_valid_key_name(const char *name)
{
    return name != NULL && note_valid_word(name, strnlen(name, NOTE_KEY_NAME_MAX + 1), NOTE_KEY_NAME_MAX, true);
}

bool note_valid_origin(const char *origin, size_t len)
{
    return note_valid_word(origin, len, sizeof(((relais_checkpoint_t *)0)->origin) - 1, false);
}

int note_key_id(const char *name, size_t name_len, uint8_t alg, const uint8_t public_key[32], uint8_t id[NOTE_KEY_ID])
{
    const uint8_t sep[2] = {'\n', alg};
    uint8_t h[32];
    unsigned int h_len = 0;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = md != NULL && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
             EVP_DigestUpdate(md, name, name_len) == 1 && EVP_DigestUpdate(md, sep, sizeof sep) == 1 &&
             EVP_DigestUpdate(md, public_key, 32) == 1 && EVP_DigestFinal_ex(md, h, &h_len) == 1 && h_len == 32;
    EVP_MD_CTX_free(md);
    if (!ok)
        return relais_status_set(RELAIS_E_CRYPTO, "SHA-256 failed in the crypto library");
    memcpy(id, h, NOTE_KEY_ID);
    return 0;
}

void note_b64_encode(const uint8_t *in, size_t len, char *out)
{
    EVP_EncodeBlock((unsigned char *)out, in, (int)len);
}

static bool s_b64_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

/* EVP_DecodeBlock would skip whitespace and accept more than the one spelling a signer writes. */
bool note_b64_shape(const char *in, size_t len, size_t *decoded_len)
{
    if (len == 0 || len % 4 != 0)
        return false;
    size_t pad = in[len - 1] == '=' ? (in[len - 2] == '=' ? 2 : 1) : 0;
    for (size_t i = 0; i < len - pad; i++)
        if (!s_b64_char((unsigned char)in[i]))
            return false;
    *decoded_len = len / 4 * 3 - pad;
    return true;
}

bool note_b64_decode_exact(const char *in, size_t len, uint8_t *out, size_t want)
{
    uint8_t buf[NOTE_B64_LEN(NOTE_DECODE_MAX)];
    char again[NOTE_B64_LEN(NOTE_DECODE_MAX) + 1];
    size_t n;
    if (want > NOTE_DECODE_MAX || len > sizeof buf || !note_b64_shape(in, len, &n) || n != want)
        return false;
    /* DecodeBlock counts padding as zero bytes; n, from the '=' count, is the true length. */
    if (EVP_DecodeBlock(buf, (const unsigned char *)in, (int)len) < 0)
        return false;
    /* Unused bits set would give a second spelling of the same bytes: only the canonical one. */
    note_b64_encode(buf, n, again);
    if (memcmp(again, in, len) != 0)
        return false;
    memcpy(out, buf, n);
    return true;
}

/* No pre-hash (hence the NULL digest): pure Ed25519, as RFC 8032 and signed notes want it. */
int note_ed25519_sign(const uint8_t secret[32], const uint8_t *msg, size_t len, uint8_t sig[NOTE_ED25519_SIG],
                      uint8_t public_key[32])
{
    EVP_PKEY *key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, secret, 32);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    size_t sig_len = NOTE_ED25519_SIG, pub_len = 32;
    int ok = key != NULL && md != NULL && EVP_PKEY_get_raw_public_key(key, public_key, &pub_len) == 1 &&
             pub_len == 32 && EVP_DigestSignInit(md, NULL, NULL, NULL, key) == 1 &&
             EVP_DigestSign(md, sig, &sig_len, msg, len) == 1 && sig_len == NOTE_ED25519_SIG;
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(key);
    return ok ? 0 : relais_status_set(RELAIS_E_CRYPTO, "Ed25519 signing failed in the crypto library");
}

int note_ed25519_verify(const uint8_t public_key[32], const uint8_t *msg, size_t len,
                        const uint8_t sig[NOTE_ED25519_SIG])
{
    EVP_PKEY *key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, public_key, 32);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (key == NULL || md == NULL || EVP_DigestVerifyInit(md, NULL, NULL, NULL, key) != 1) {
        EVP_MD_CTX_free(md);
        EVP_PKEY_free(key);
        return relais_status_set(RELAIS_E_CRYPTO, "Ed25519 verification could not start");
    }
    int ok = EVP_DigestVerify(md, sig, NOTE_ED25519_SIG, msg, len) == 1;
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(key);
    return ok;
}

bool note_next_line(const char *s, size_t *pos, const char **line, size_t *len)
{
    const char *start = s + *pos;
    const char *nl = strchr(start, '\n');
    if (nl == NULL)
        return false;
    *line = start;
    *len = (size_t)(nl - start);
    *pos += *len + 1;
    return true;
}

bool note_parse_u64(const char *s, size_t len, uint64_t *out)
{
    if (len == 0 || len > 20 || (len > 1 && s[0] == '0'))
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

int note_parse_checkpoint(const char *note, relais_checkpoint_t *cp, size_t *sigs_at)
{
    size_t pos = 0, len;
    const char *line;
    if (!note_next_line(note, &pos, &line, &len) || !note_valid_origin(line, len))
        return relais_status_set(RELAIS_E_MALFORMED, "checkpoint: bad origin line");
    memcpy(cp->origin, line, len);
    cp->origin[len] = '\0';
    if (!note_next_line(note, &pos, &line, &len) || !note_parse_u64(line, len, &cp->size))
        return relais_status_set(RELAIS_E_MALFORMED, "checkpoint: bad size line");
    if (!note_next_line(note, &pos, &line, &len) || !note_b64_decode_exact(line, len, cp->root, RELAIS_HASH_SIZE))
        return relais_status_set(RELAIS_E_MALFORMED, "checkpoint: bad root hash line");
    if (note[pos] != '\n')
        return relais_status_set(RELAIS_E_MALFORMED, "checkpoint: expected a blank line after the root");
    *sigs_at = pos + 1;
    return 0;
}

bool note_parse_sig_line(const char *line, size_t len, note_sig_line_t *out)
{
    size_t dash = sizeof NOTE_EM_DASH - 1, decoded;
    if (len < dash || memcmp(line, NOTE_EM_DASH, dash) != 0)
        return false;
    const char *name = line + dash;
    const char *space = memchr(name, ' ', len - dash);
    if (space == NULL)
        return false;
    out->name = name;
    out->name_len = (size_t)(space - name);
    out->b64 = space + 1;
    out->b64_len = len - dash - out->name_len - 1;
    /* A signature shorter than its key id plus one byte is malformed in any algorithm. */
    return note_valid_word(name, out->name_len, SIZE_MAX, true) && note_b64_shape(out->b64, out->b64_len, &decoded) &&
           decoded > NOTE_KEY_ID;
}
