/* watch.c -- `relais submit --watch DIR`: the drop folder (relais_drop.h) as a command, once or until
 * SIGINT or SIGTERM. */
#include <inttypes.h>
#include <stdlib.h>
#include <time.h>

#include "cli_internal.h"
#include "relais_drop.h"

#define S_FLUSH_SLICE_MS 5000 /* a running watcher looks at the folder again at least this often */
#define S_AWAY_SAY_MS (5 * 60 * 1000) /* while the hub stays away, said again this often */

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
    if (relais_drop_refused_count(drop))
        return RELAIS_EXIT_REFUSED;
    return pending ? RELAIS_EXIT_QUEUED : RELAIS_EXIT_OK;
}

/* The hub's going away and coming back, said once each way on stderr, and again every
 * S_AWAY_SAY_MS while it is away, with what waits: a partner's IT person watching the log learns
 * that files are kept, not lost. */
static void s_say_hub(relais_client_t *client, int up, int *said_up, int64_t *said_at)
{
    int64_t now = relais_cli_now_ms();
    if (up == *said_up && (up || now - *said_at < S_AWAY_SAY_MS))
        return;
    int64_t count = 0, oldest = -1;
    if (relais_client_outbox_waiting_age(client, &count, &oldest) != 0)
        count = -1;
    if (up) {
        relais_cli_line(stderr, "relais submit --watch: the hub answers again; the files kept went to it");
    } else {
        char why[256];
        relais_client_diagnose(client, why, sizeof why);
        relais_cli_line(stderr,
                        "relais submit --watch: the hub does not answer (%s); %" PRId64 " file%s kept in the spool, "
                        "the oldest for %" PRId64 " s; new files are taken and kept too",
                        why, count, count == 1 ? "" : "s", oldest < 0 ? 0 : oldest);
    }
    *said_up = up;
    *said_at = now;
}

static int s_forever(relais_client_t *client, relais_drop_t *drop, const relais_submit_opts_t *o)
{
    relais_cli_catch_signals();
    int said_up = 1;
    int64_t said_at = 0;
    while (!relais_cli_stopping()) {
        int rc = relais_drop_take(drop);
        if (rc)
            relais_cli_local("drop folder", rc); /* e.g. the folder went away for a moment */
        if (relais_client_spool_count(client) > 0) {
            rc = relais_client_flush(client, S_FLUSH_SLICE_MS, relais_drop_on_outcome, drop);
            if (rc && rc != RELAIS_E_TIMEOUT)
                return relais_cli_local("spool", rc);
            s_say_hub(client, rc == 0, &said_up, &said_at);
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
