/* codec.c -- the only file that speaks protobuf-c: relais.proto's messages to and from plain C. */
#include "relais_proto.h"

#include <string.h>

#include "relais.pb-c.h"

size_t relais_log_record_max_size(size_t signed_len)
{
    /* three tags, two 10-byte varints, one length varint and the payload */
    return 3 + 10 + 10 + 10 + signed_len;
}

int relais_log_record_encode(const relais_log_record_t *rec, uint8_t *out, size_t cap, size_t *out_len)
{
    if (!rec || !out || !out_len || rec->seq == 0 || (rec->signed_len && !rec->signed_message))
        return relais_status_set(RELAIS_E_INVALID, "log record without sequence number or message");
    Relais__V1__LogRecord msg = RELAIS__V1__LOG_RECORD__INIT;
    msg.seq = rec->seq;
    msg.received_ms = rec->received_ms;
    msg.signed_message.data = (uint8_t *)rec->signed_message;
    msg.signed_message.len = rec->signed_len;
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

int relais_log_record_decode(const uint8_t *buf, size_t len, relais_log_record_t *out)
{
    const uint8_t *p = buf, *end = buf + len;
    uint64_t seq = 0, received = 0, slen = 0;
    if (!buf || !out)
        return relais_status_set(RELAIS_E_INVALID, "no record to decode");
    if (p >= end || *p++ != 0x08 || s_read_varint(&p, end, &seq) || seq == 0)
        goto malformed;
    if (p < end && *p == 0x10) {
        p++;
        if (s_read_varint(&p, end, &received) || received == 0)
            goto malformed;
    }
    if (p < end) {
        if (*p++ != 0x1a || s_read_varint(&p, end, &slen) || slen == 0 || slen != (uint64_t)(end - p))
            goto malformed;
    }
    out->seq = seq;
    out->received_ms = (int64_t)received;
    out->signed_message = slen ? p : NULL;
    out->signed_len = (size_t)slen;
    return RELAIS_OK;
malformed:
    return relais_status_set(RELAIS_E_MALFORMED, "log record is not a canonical LogRecord encoding");
}
