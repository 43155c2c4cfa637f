/* codec.c -- the byte-exact encodings: the LogRecord (the Merkle leaf) and the signed envelope. */
#include "proto_internal.h"

#include <stdlib.h>
#include <string.h>

size_t relais_log_record_max_size(size_t signed_len)
{
    /* six tags, four 10-byte varints, two length varints, the nonce, the payload and its tag */
    return 6 + 10 + 10 + 10 + 10 + 10 + 10 + RELAIS_SEAL_NONCE_BYTES + signed_len + RELAIS_SEAL_TAG_BYTES;
}

int relais_log_record_encode(const relais_log_record_t *rec, uint8_t *out, size_t cap, size_t *out_len)
{
    if (!rec || !out || !out_len || rec->seq == 0 || (rec->signed_len && !rec->signed_message))
        return relais_status_set(RELAIS_E_INVALID, "log record without sequence number or message");
    if (rec->key_id && (rec->signed_len || !rec->nonce || !rec->sealed || rec->sealed_len <= RELAIS_SEAL_TAG_BYTES))
        return relais_status_set(RELAIS_E_INVALID, "a sealed log record holds a nonce and a ciphertext, nothing in clear");
    if (rec->copy_of >= rec->seq)
        return relais_status_set(RELAIS_E_INVALID, "record %llu cannot copy record %llu, which is not before it",
                                 (unsigned long long)rec->seq, (unsigned long long)rec->copy_of);
    Relais__V1__LogRecord msg = RELAIS__V1__LOG_RECORD__INIT;
    msg.seq = rec->seq;
    msg.received_ms = rec->received_ms;
    msg.signed_message.data = (uint8_t *)rec->signed_message;
    msg.signed_message.len = rec->signed_len;
    if (rec->key_id) {
        msg.key_id = rec->key_id;
        msg.nonce.data = (uint8_t *)rec->nonce;
        msg.nonce.len = RELAIS_SEAL_NONCE_BYTES;
        msg.sealed.data = (uint8_t *)rec->sealed;
        msg.sealed.len = rec->sealed_len;
    }
    msg.copy_of = rec->copy_of;
    size_t need = relais__v1__log_record__get_packed_size(&msg);
    if (need > cap)
        return relais_status_set(RELAIS_E_INVALID, "log record needs %zu bytes, buffer has %zu", need, cap);
    *out_len = relais__v1__log_record__pack(&msg, out);
    return RELAIS_OK;
}

/* Hand decoding, so that the result can borrow from the caller's buffer (protobuf-c's
 * unpack would copy the message) and so that only the canonical encoding is accepted:
 * the leaf must be exactly what relais_log_record_encode() writes, or two byte strings
 * would describe one record. */
static int s_read_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    uint64_t x = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (*p >= end)
            return -1;
        uint8_t b = *(*p)++;
        if (shift == 63 && b > 1)
            return -1;
        x |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            if (b == 0 && shift > 0)
                return -1; /* over-long encoding */
            *v = x;
            return 0;
        }
    }
    return -1;
}

/* The sealed part: key id (field 4), nonce (field 5, 12 bytes), ciphertext (field 6); *next is
 * what follows. */
static int s_read_sealed(const uint8_t *p, const uint8_t *end, relais_log_record_t *out, const uint8_t **next)
{
    uint64_t key_id = 0, nlen = 0, clen = 0;
    if (p >= end || *p++ != 0x20 || s_read_varint(&p, end, &key_id) || key_id == 0)
        return -1;
    if (p >= end || *p++ != 0x2a || s_read_varint(&p, end, &nlen) || nlen != RELAIS_SEAL_NONCE_BYTES ||
        (uint64_t)(end - p) < nlen)
        return -1;
    const uint8_t *nonce = p;
    p += nlen;
    if (p >= end || *p++ != 0x32 || s_read_varint(&p, end, &clen) || clen <= RELAIS_SEAL_TAG_BYTES ||
        clen > (uint64_t)(end - p))
        return -1;
    out->key_id = key_id;
    out->nonce = nonce;
    out->sealed = p;
    out->sealed_len = (size_t)clen;
    *next = p + clen;
    return 0;
}

int relais_log_record_decode(const uint8_t *buf, size_t len, relais_log_record_t *out)
{
    const uint8_t *p = buf, *end = buf + len;
    uint64_t seq = 0, received = 0, slen = 0;
    if (!buf || !out)
        return relais_status_set(RELAIS_E_INVALID, "no record to decode");
    memset(out, 0, sizeof *out);
    if (p >= end || *p++ != 0x08 || s_read_varint(&p, end, &seq) || seq == 0)
        goto malformed;
    if (p < end && *p == 0x10) {
        p++;
        if (s_read_varint(&p, end, &received) || received == 0)
            goto malformed;
    }
    if (p < end && *p == 0x20) {
        if (s_read_sealed(p, end, out, &p) != 0)
            goto malformed;
    } else if (p < end && *p == 0x1a) {
        p++;
        if (s_read_varint(&p, end, &slen) || slen == 0 || slen > (uint64_t)(end - p))
            goto malformed;
        out->signed_message = p;
        out->signed_len = (size_t)slen;
        p += slen;
    }
    /* A split's copy names the record it copies, last (field 7, never 0). */
    uint64_t copy_of = 0;
    if (p < end && (*p++ != 0x38 || s_read_varint(&p, end, &copy_of) || copy_of == 0 || copy_of >= seq))
        goto malformed;
    if (p != end)
        goto malformed;
    out->copy_of = copy_of;
    out->seq = seq;
    out->received_ms = (int64_t)received;
    return RELAIS_OK;
malformed:
    memset(out, 0, sizeof *out);
    return relais_status_set(RELAIS_E_MALFORMED, "log record is not a canonical LogRecord encoding");
}

/* ---- The signed envelope ------------------------------------------------------------- */

/* Bytes a varint of `v` takes. */
static size_t s_varint_len(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static uint8_t *s_write_varint(uint8_t *p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}

/* Hand decoding again, for the same reasons as the LogRecord: the signature covers `body`
 * exactly as sent, so the envelope borrows it rather than copying, and a single canonical
 * form means one signed message has one byte string in the log. */
int relais_signed_decode(const uint8_t *buf, size_t len, relais_signed_t *out)
{
    const uint8_t *p = buf, *end = buf + len;
    uint64_t blen = 0, slen = 0;
    if (!buf || !out)
        return relais_status_set(RELAIS_E_INVALID, "no signed message to decode");
    if (p >= end || *p++ != 0x0a || s_read_varint(&p, end, &blen))
        return relais_status_set(RELAIS_E_MALFORMED, "signed message: body field missing");
    if (blen == 0 || blen > (uint64_t)(end - p))
        return relais_status_set(RELAIS_E_MALFORMED, "signed message: body empty or truncated");
    const uint8_t *body = p;
    p += blen;
    if (p >= end || *p++ != 0x12 || s_read_varint(&p, end, &slen) || slen != RELAIS_SIGNATURE_BYTES)
        return relais_status_set(RELAIS_E_MALFORMED, "signed message: signature field missing or not %d bytes",
                                 RELAIS_SIGNATURE_BYTES);
    if ((size_t)(end - p) != RELAIS_SIGNATURE_BYTES)
        return relais_status_set(RELAIS_E_MALFORMED, "signed message: signature truncated or trailing bytes");
    out->body = body;
    out->body_len = (size_t)blen;
    out->signature = p;
    return RELAIS_OK;
}

int relais_signed_encode(const uint8_t *body, size_t body_len, const uint8_t *signature, uint8_t **out,
                         size_t *out_len)
{
    if (!body || body_len == 0 || !signature || !out || !out_len)
        return relais_status_set(RELAIS_E_INVALID, "signed message needs a non-empty body and a signature");
    size_t total = 1 + s_varint_len(body_len) + body_len + 2 + RELAIS_SIGNATURE_BYTES;
    uint8_t *buf = malloc(total);
    if (!buf)
        return relais_status_set(RELAIS_E_NOMEM, "%zu bytes for a signed message", total);
    uint8_t *p = buf;
    *p++ = 0x0a;
    p = s_write_varint(p, body_len);
    memcpy(p, body, body_len);
    p += body_len;
    *p++ = 0x12;
    *p++ = RELAIS_SIGNATURE_BYTES;
    memcpy(p, signature, RELAIS_SIGNATURE_BYTES);
    *out = buf;
    *out_len = total;
    return RELAIS_OK;
}
