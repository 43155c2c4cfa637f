/* submit_internal.h -- what submit.c shares with watch.c, the drop-folder mode of `relais submit`. */
#ifndef RELAIS_SUBMIT_INTERNAL_H
#define RELAIS_SUBMIT_INTERNAL_H

#include <jansson.h>
#include <stdint.h>

#include "cli_util.h"
#include "drop.h"

typedef struct {
    relais_cli_conn_t conn;  /* --endpoint, --key, --server-cert */
    const char *spool_dir;   /* --spool, or the default */
    int64_t timeout_ms;      /* --timeout: how long to wait for the broker */
    const char *watch_dir;   /* --watch DIR, or NULL for file mode */
    const char *done_dir;    /* --done, or NULL: DIR/done */
    const char *refused_dir; /* --refused, or NULL: DIR/refused */
    int poll_ms;             /* --poll-ms */
    int once;                /* --once */
    int flush_only;          /* --flush: send the spool, take no new file */
    size_t max_file;         /* the largest payload file read: RELAIS_SUBMIT_FILE_FACTOR x --max-message */
} relais_submit_opts_t;

/* The drop-folder loop; returns the exit status. */
int relais_submit_watch(relais_client_t *client, const relais_submit_opts_t *opts);

#endif
