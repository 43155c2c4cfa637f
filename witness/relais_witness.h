/* relais_witness.h -- a witness for relais hubs: `relais witness`, the server side of C2SP
 * tlog-witness (https://c2sp.org/tlog-witness) over HTTP, cosigning with C2SP tlog-cosignature's
 * cosignature/v1 (https://c2sp.org/tlog-cosignature).
 *
 * A witness holds an identity of its own (role witness: its Ed25519 key signs, its certificate's
 * name is its key name) and a list of logs, each an origin and the certificate of the hub that
 * signs its checkpoints. For each log it keeps the last checkpoint it cosigned, in a file of its
 * state folder written before it answers, so that neither a restart nor a crash lets it cosign a
 * tree that does not extend one it already cosigned: that refusal is what keeps a hub from
 * showing two histories, each cosigned, to two people.
 *
 * Status convention as everywhere in relais: 0, or a negative RELAIS_E_* with
 * relais_status_detail() saying why.
 */
#ifndef RELAIS_WITNESS_H
#define RELAIS_WITNESS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct relais_witness relais_witness_t;

typedef struct {
    const char *key_path;   /* the witness's identity, NAME.cert_secret (NAME.sign.key beside it) */
    const char *state_dir;  /* where the last cosigned checkpoint of each log is kept (made 0700) */
    const char *const *logs; /* the logs witnessed: "CERT" (origin relais/<the cert's name>, as
                              * relaisd's default) or "CERT,ORIGIN"; CERT a hub's (role broker) */
    size_t log_count;
    const char *listen;     /* "ADDRESS:PORT", an IPv4 address or localhost; PORT 0: any free one */
} relais_witness_options_t;

/* Loads the identity (it must be a witness's), the logs' certificates and the state kept of each
 * (a kept checkpoint must verify with its hub's key and carry this witness's own cosignature),
 * and locks the state folder against a second witness. Does not listen yet.
 * Errors: RELAIS_E_INVALID (options, an identity of another role, a log given twice),
 * RELAIS_E_IO, RELAIS_E_MALFORMED (a certificate), RELAIS_E_CORRUPT (a kept checkpoint that does
 * not verify), RELAIS_E_UNAVAILABLE (another witness holds the folder). */
int relais_witness_open(const relais_witness_options_t *opts, relais_witness_t **out);

/* The answer to one add-checkpoint request, as the specification fixes it: 200 and the
 * cosignature line; 400 (a body that does not parse, an old size past the checkpoint's);
 * 403 (no valid signature by the log's key); 404 (an origin it does not witness); 409 and
 * text/x.tlog.size "<size>\n" (the old size is not the one it holds), or 409 alone (another root
 * for the size it holds); 422 (the proof does not lead from its root to the new one); 500 (the
 * state could not be written: nothing cosigned). */
typedef struct {
    unsigned status;          /* the HTTP status */
    const char *content_type; /* NULL: none */
    char body[512];           /* NUL-terminated */
    size_t len;               /* bytes of body */
} relais_witness_answer_t;

/* Judges one add-checkpoint body (`len` bytes) and, when it is cosigned, keeps the new state
 * first. Thread-safe: requests are judged one at a time, the check and the write together. */
void relais_witness_add_checkpoint(relais_witness_t *w, const char *body, size_t len, relais_witness_answer_t *a);

/* Listens and serves POST /add-checkpoint on threads of its own until relais_witness_close.
 * Errors: RELAIS_E_INVALID (the address), RELAIS_E_IO (the socket, the server). */
int relais_witness_serve(relais_witness_t *w);

/* "http://ADDRESS:PORT" (the port it got), once serving. */
const char *relais_witness_address(const relais_witness_t *w);

/* The witness's key name (its certificate's name). */
const char *relais_witness_name(const relais_witness_t *w);

/* Stops serving (requests in flight finish) and frees everything. */
void relais_witness_close(relais_witness_t **w);

#ifdef __cplusplus
}
#endif

#endif
