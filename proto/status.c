/* status.c -- the stable status codes: names, sentences, wire mapping, per-thread detail. */
#include "relais_proto.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    int code;             /* RELAIS_E_* */
    const char *name;     /* stable name, as on the wire and the command line */
    const char *sentence; /* what a person reads */
} s_status_entry_t;

static const s_status_entry_t s_statuses[] = {
    {RELAIS_OK, "OK", "success"},
    {RELAIS_E_BAD_SIGNATURE, "BAD_SIGNATURE", "the signature does not verify over the message body"},
    {RELAIS_E_UNKNOWN_SENDER, "UNKNOWN_SENDER", "the sender is not in the hub's trust registry"},
    {RELAIS_E_SENDER_MISMATCH, "SENDER_MISMATCH",
     "the sender named in the message is not the identity that sent it"},
    {RELAIS_E_MALFORMED, "MALFORMED", "the message does not decode or a required field is missing or invalid"},
    {RELAIS_E_TOO_LARGE, "TOO_LARGE", "the message is larger than the hub accepts"},
    {RELAIS_E_STALE, "STALE", "the message was created too far from the hub's clock"},
    {RELAIS_E_DUPLICATE_CONFLICT, "DUPLICATE_CONFLICT",
     "a different message with the same message id is already in the log"},
    {RELAIS_E_NO_CONSENT, "NO_CONSENT", "the referral records neither the family's consent nor a parental request"},
    {RELAIS_E_BAD_TRANSITION, "BAD_TRANSITION", "the case cannot move to that state from where it is"},
    {RELAIS_E_FORBIDDEN, "FORBIDDEN", "this identity's role may not do that"},
    {RELAIS_E_STORE_FULL, "STORE_FULL", "the store is full; nothing was written"},
    {RELAIS_E_UNAVAILABLE, "UNAVAILABLE", "the hub cannot serve the request now; try again later"},
    {RELAIS_E_RATE_LIMITED, "RATE_LIMITED", "this identity has read as much as its role may for now; read again later"},
    {RELAIS_E_LEGAL_HOLD, "LEGAL_HOLD", "the case is under a legal hold: it cannot be erased until the hold is lifted"},
    {RELAIS_E_CORRUPT, "CORRUPT", "stored data fails its own consistency checks"},
    {RELAIS_E_VERSION, "VERSION", "the data was written by a newer format than this build reads"},
    {RELAIS_E_NOT_FOUND, "NOT_FOUND", "no such record"},
    {RELAIS_E_IO, "IO", "the operating system refused a file operation"},
    {RELAIS_E_NOMEM, "NOMEM", "out of memory"},
    {RELAIS_E_INVALID, "INVALID", "invalid argument"},
    {RELAIS_E_CRYPTO, "CRYPTO", "the cryptographic library failed"},
    {RELAIS_E_PROOF, "PROOF", "the proof or checkpoint does not verify"},
    {RELAIS_E_TIMEOUT, "TIMEOUT", "no answer in the time allowed"},
};

#define S_DETAIL_MAX 512
static _Thread_local char s_detail[S_DETAIL_MAX];

static const s_status_entry_t *s_lookup(int status)
{
    for (size_t i = 0; i < sizeof s_statuses / sizeof s_statuses[0]; i++)
        if (s_statuses[i].code == status)
            return &s_statuses[i];
    return NULL;
}

const char *relais_status_name(int status)
{
    const s_status_entry_t *e = s_lookup(status);
    return e ? e->name : "UNKNOWN";
}

const char *relais_strerror(int status)
{
    const s_status_entry_t *e = s_lookup(status);
    return e ? e->sentence : "unknown status code";
}

int relais_status_from_name(const char *name)
{
    if (!name)
        return RELAIS_E_INVALID;
    for (size_t i = 0; i < sizeof s_statuses / sizeof s_statuses[0]; i++)
        if (strcmp(s_statuses[i].name, name) == 0)
            return s_statuses[i].code;
    return RELAIS_E_INVALID;
}

int relais_status_to_wire(int status)
{
    /* only the codes from RELAIS_E_BAD_SIGNATURE on: -1 or -errno are not wire codes */
    if (status <= -(RELAIS_E_BASE + 1) && status >= RELAIS_E_WIRE_LAST)
        return -status - RELAIS_E_BASE;
    return 0;
}

int relais_status_from_wire(int wire_code)
{
    /* range first: RELAIS_E_BASE + a code near INT_MAX would overflow */
    if (wire_code < 1 || wire_code > -RELAIS_E_WIRE_LAST - RELAIS_E_BASE)
        return RELAIS_E_MALFORMED; /* a code this build does not know is itself bad input */
    return -(RELAIS_E_BASE + wire_code);
}

int relais_status_set(int status, const char *fmt, ...)
{
    /* Formatted aside first: a caller may pass relais_status_detail() itself as an argument,
     * to add to the detail of the failure it reports. */
    char detail[sizeof s_detail];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    memcpy(s_detail, detail, sizeof s_detail);
    return status;
}

const char *relais_status_detail(void)
{
    return s_detail;
}

void relais_status_clear(void)
{
    s_detail[0] = '\0';
}

void relais_hex_encode(const uint8_t *bytes, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 15];
    }
    out[2 * len] = '\0';
}
