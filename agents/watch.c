/* watch.c -- `relais submit --watch DIR`: the drop folder (drop.h) as a command, once or until
 * SIGINT or SIGTERM. */
#include <stdlib.h>
#include <time.h>

#include "drop.h"
#include "submit_internal.h"

#define S_FLUSH_SLICE_MS 5000 /* a running watcher looks at the folder again at least this often */

static void s_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL); /* a signal ends it early, which is what we want */
}

static int s_once(relais_client_t *client, relais_drop_t *drop, const relais_submit_opts_t *o)
{
    int rc = relais_drop_take(drop);
    if (rc)
        return relais_cli_local("drop folder", rc);
    rc = relais_client_flush(client, (int)o->timeout_ms, relais_drop_on_outcome, drop);
    int pending = rc == RELAIS_E_TIMEOUT ? relais_drop_report_pending(drop) : 0;
    if (rc && rc != RELAIS_E_TIMEOUT)
        return relais_cli_local("spool", rc);
    if (relais_drop_invalid_count(drop))
        return RELAIS_EXIT_USAGE;
    return relais_drop_refused_count(drop) || pending ? RELAIS_EXIT_REFUSED : RELAIS_EXIT_OK;
}

static int s_forever(relais_client_t *client, relais_drop_t *drop, const relais_submit_opts_t *o)
{
    relais_cli_catch_signals();
    while (!relais_cli_stopping()) {
        int rc = relais_drop_take(drop);
        if (rc)
            relais_cli_local("drop folder", rc); /* e.g. the folder went away for a moment */
        if (relais_client_spool_count(client) > 0) {
            rc = relais_client_flush(client, S_FLUSH_SLICE_MS, relais_drop_on_outcome, drop);
            if (rc && rc != RELAIS_E_TIMEOUT)
                return relais_cli_local("spool", rc);
            if (rc == RELAIS_E_TIMEOUT)
                continue; /* the broker is away: keep trying, and keep taking new files */
        }
        s_sleep_ms(o->poll_ms);
    }
    return RELAIS_EXIT_OK;
}

int relais_submit_watch(relais_client_t *client, const relais_submit_opts_t *o)
{
    relais_drop_options_t d = {o->watch_dir, o->done_dir, o->refused_dir, o->max_file};
    relais_drop_t *drop = NULL;
    relais_status_clear();
    int rc = relais_drop_open(client, &d, &drop);
    if (rc)
        return relais_cli_local("drop folder", rc);
    rc = o->once ? s_once(client, drop, o) : s_forever(client, drop, o);
    relais_drop_close(&drop);
    return rc;
}
