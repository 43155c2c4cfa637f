/* relais_proto.h -- status codes and the codec of relais.proto: the proto module's public face.
 *
 * Only proto/ includes the generated relais.pb-c.h; everything else sees the plain C
 * types below. Status convention (all modules): 0 on success, a negative RELAIS_E_*
 * code on failure; relais_strerror() gives the sentence, relais_status_name() the
 * stable code that also travels on the wire and on the command line.
 */
#ifndef RELAIS_PROTO_H
#define RELAIS_PROTO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Status codes ---------------------------------------------------------------------
 * The first twelve are the wire's ErrorCode values (code = -(RELAIS_E_BASE + wire value));
 * the rest are local and never sent. The range cannot clash with -errno or LMDB's codes. */
#define RELAIS_OK 0
#define RELAIS_E_BASE 40000
#define RELAIS_E_BAD_SIGNATURE (-40001)      /* signature does not verify over the body */
#define RELAIS_E_UNKNOWN_SENDER (-40002)     /* sender not in the trust registry */
#define RELAIS_E_SENDER_MISMATCH (-40003)    /* header sender != CURVE identity */
#define RELAIS_E_MALFORMED (-40004)          /* bytes or fields do not decode or are invalid */
#define RELAIS_E_TOO_LARGE (-40005)          /* message over the size limit */
#define RELAIS_E_STALE (-40006)              /* creation time outside the broker's window */
#define RELAIS_E_DUPLICATE_CONFLICT (-40007) /* message id already stored with other bytes */
#define RELAIS_E_NO_CONSENT (-40008)         /* referral with neither consent nor parental request */
#define RELAIS_E_BAD_TRANSITION (-40009)     /* case transition not allowed from its state */
#define RELAIS_E_FORBIDDEN (-40010)          /* role may not send or read this */
#define RELAIS_E_STORE_FULL (-40011)         /* the store's map is full; nothing written */
#define RELAIS_E_UNAVAILABLE (-40012)        /* broker or store cannot serve now; retry later */
#define RELAIS_E_WIRE_LAST RELAIS_E_UNAVAILABLE
#define RELAIS_E_CORRUPT (-40050)            /* stored data fails its own checks */
#define RELAIS_E_VERSION (-40051)            /* store or message of a format this build cannot read */
#define RELAIS_E_NOT_FOUND (-40052)          /* no such record, case or checkpoint */
#define RELAIS_E_IO (-40053)                 /* the operating system refused a file operation */
#define RELAIS_E_NOMEM (-40054)              /* out of memory */
#define RELAIS_E_INVALID (-40055)            /* caller passed an invalid argument */
#define RELAIS_E_CRYPTO (-40056)             /* the crypto library failed */
#define RELAIS_E_PROOF (-40057)              /* a Merkle proof or checkpoint does not verify */
#define RELAIS_E_TIMEOUT (-40058)            /* no answer in the time allowed */

/* The stable name of a code ("BAD_SIGNATURE"); "UNKNOWN" for a code not listed. */
const char *relais_status_name(int status);

/* One human sentence for a code; static storage. */
const char *relais_strerror(int status);

/* The code for a stable name, or RELAIS_E_INVALID when the name is not one. */
int relais_status_from_name(const char *name);

/* Wire ErrorCode value (1..12) for a status, 0 when it is not a wire code; and back. */
int relais_status_to_wire(int status);
int relais_status_from_wire(int wire_code);

/* Records a detail sentence for the calling thread and returns `status`, so that a failing
 * function can `return relais_status_set(RELAIS_E_VERSION, "store format %u ...", v);`. */
int relais_status_set(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The detail recorded last on this thread (empty string if none); valid until the next
 * relais_status_set() on this thread. */
const char *relais_status_detail(void);

/* Clears the calling thread's detail. */
void relais_status_clear(void);

/* ---- The log record (the Merkle leaf) -------------------------------------------------- */

/* A decoded LogRecord; `signed_message` points into the buffer it was decoded from. */
typedef struct {
    uint64_t seq;                  /* position in the log, from 1 */
    int64_t received_ms;           /* broker's receive time */
    const uint8_t *signed_message; /* SignedMessage bytes as received (borrowed) */
    size_t signed_len;             /* their length */
} relais_log_record_t;

/* Upper bound of relais_log_record_encode's output for a signed message of `signed_len`. */
size_t relais_log_record_max_size(size_t signed_len);

/* Serializes `rec` as the LogRecord protobuf into `out` (room `cap`); sets *out_len.
 * Errors: RELAIS_E_INVALID (cap too small or seq 0). */
int relais_log_record_encode(const relais_log_record_t *rec, uint8_t *out, size_t cap, size_t *out_len);

/* Decodes a LogRecord; the result borrows from `buf`, valid while `buf` is.
 * Errors: RELAIS_E_MALFORMED. */
int relais_log_record_decode(const uint8_t *buf, size_t len, relais_log_record_t *out);

#ifdef __cplusplus
}
#endif

#endif
