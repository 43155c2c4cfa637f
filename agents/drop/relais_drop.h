/* relais_drop.h -- a drop folder whose files go through the spool, then to done/ or refused/: what
 * `relais submit --watch` (watch.c) and the partner agent (agent/) share.
 *
 * A file's life: DIR/NAME.json -> DIR/.relais-inflight/NAME.json (renamed before it is spooled,
 * with the in-flight name as the spool tag) -> done/ once acknowledged, or refused/ with
 * NAME.error.json beside it. Not thread-safe: the caller serialises it with every other use of
 * the client it was opened with.
 */
#ifndef RELAIS_DROP_H
#define RELAIS_DROP_H

#include <jansson.h>
#include <stddef.h>

#include "relais_client.h"

/* A payload file may be this many times the message limit: JSON spells out field names and
 * escapes that protobuf does not. A larger file cannot hold a message the hub takes, and is
 * refused without being read whole. */
#define RELAIS_SUBMIT_FILE_FACTOR 16
#define RELAIS_SUBMIT_DEFAULT_MAX_MESSAGE 65536

typedef struct relais_drop relais_drop_t;

typedef struct {
    const char *dir;         /* the drop folder */
    const char *done_dir;    /* NULL: DIR/done */
    const char *refused_dir; /* NULL: DIR/refused */
    size_t max_file;         /* the largest file read */
} relais_drop_options_t;

/* Checks the folders (made 0700 when missing; done/ and refused/ on the drop folder's file
 * system) and spools the in-flight files a crash left unspooled. `client` has a spool and
 * outlives the drop. Errors: RELAIS_E_IO, RELAIS_E_INVALID, RELAIS_E_NOMEM. */
int relais_drop_open(relais_client_t *client, const relais_drop_options_t *opts, relais_drop_t **out);

/* Takes the new files of the folder, in name order, into the spool; a file that cannot be a
 * message goes to refused/ at once. Errors: RELAIS_E_IO (the folder could not be read). */
int relais_drop_take(relais_drop_t *drop);

/* The flush callback (relais_flush_fn) that moves a file once the hub answered it; `arg` is the
 * drop. Outcomes of messages that are not the folder's (another tag) are left alone. */
void relais_drop_on_outcome(void *arg, const uint8_t msg_id[RELAIS_MSG_ID_BYTES], const char *tag,
                            const relais_ack_t *ack, const relais_error_t *err);

/* One line per file still in flight (the hub did not answer): its number. */
int relais_drop_report_pending(relais_drop_t *drop);

/* Files the hub refused, and files that were no valid payload or could not be handled. */
int relais_drop_refused_count(const relais_drop_t *drop);
int relais_drop_invalid_count(const relais_drop_t *drop);

void relais_drop_close(relais_drop_t **drop_p);

/* The JSON line said of a file (or a message): shared with `relais submit FILE...`. */
/* {"file","msg_id","seq","leaf_hash","duplicate","received_ms","case_id"}; `file` may be NULL. */
json_t *relais_submit_ack_json(const char *file, const relais_ack_t *ack);

/* {"file","msg_id","error","message"}; `msg_id` may be NULL. */
json_t *relais_submit_error_json(const char *file, const uint8_t *msg_id, int status, const char *message);

#endif
