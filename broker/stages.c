/* stages.c -- the stage trace: where a message's time goes in the broker, logged every few seconds.
 *
 * The per-message cost beside the signature is what the hub can cut; the trace shows it stage by
 * stage on a running hub, from its log alone (relais-bench reads it back). Each stage adds the
 * monotonic time it took on its own thread: a few clock reads a message, through the vDSO.
 */
#include "broker_internal.h"

#include <stdio.h>
#include <time.h>

#define S_TRACE_EVERY_MS 2000 /* and whenever the writer finds nothing to do after a burst */

static const char *const s_stage_names[BROKER_STAGE_COUNT] = {"receive", "verify", "check", "rules", "seal",
                                                               "append", "commit", "answer", "feed"};

int64_t broker_clock_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void broker_stage_add(relais_broker_t *b, broker_stage_t stage, int64_t ns)
{
    if (ns > 0)
        atomic_fetch_add_explicit(&b->stage_ns[stage], (uint64_t)ns, memory_order_relaxed);
}

void broker_stages_commit(relais_broker_t *b, uint64_t messages, int force)
{
    uint64_t total = atomic_fetch_add_explicit(&b->stage_messages, messages, memory_order_relaxed) + messages;
    int64_t now = broker_now_ms();
    if (total == 0 || (!force && now - b->stage_logged_ms < S_TRACE_EVERY_MS))
        return;
    b->stage_logged_ms = now;
    atomic_store_explicit(&b->stage_messages, 0, memory_order_relaxed);
    char line[512];
    size_t at = 0;
    for (int i = 0; i < BROKER_STAGE_COUNT && at < sizeof line; i++) {
        uint64_t ns = atomic_exchange_explicit(&b->stage_ns[i], 0, memory_order_relaxed);
        int n = snprintf(line + at, sizeof line - at, " %s_us=%.2f", s_stage_names[i], (double)ns / 1e3 / (double)total);
        at += n > 0 ? (size_t)n : 0;
    }
    broker_log("info", "stages", "messages=%llu%s", (unsigned long long)total, line);
}
