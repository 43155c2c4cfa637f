/* metrics.c -- `relais agent --metrics`: what a partner's monitoring watches of its agent.
 *
 * On a port of its own and without the token: the token lets its holder send referrals about
 * children, and a scraper needs none of that; these figures name no one (agent/README.md).
 */
#include <stdio.h>

#include "agent_internal.h"

static void s_render(void *ctx, relais_metrics_text_t *t)
{
    relais_agent_t *a = ctx;
    relais_agent_status_t st = {0};
    if (relais_agent_status(a, &st) == 0) {
        relais_metrics_gauge(t, "relais_agent_spool_messages", "Messages in the spool, not yet answered by the hub.",
                             (double)st.waiting);
        relais_metrics_gauge(t, "relais_agent_spool_oldest_age_seconds",
                             "The oldest waiting message's age; 0 when none waits.",
                             (double)(st.oldest_age_s > 0 ? st.oldest_age_s : 0));
    }
    relais_metrics_gauge(t, "relais_agent_hub_reachable", "1 when a handshake with the hub completed and the "
                         "connection is up, else 0.", (double)st.hub_reachable);
    int64_t last_ack_ms = atomic_load(&a->last_ack_ms);
    relais_metrics_gauge(t, "relais_agent_last_ack_timestamp_seconds",
                         "When the hub last acknowledged one of the spool's messages (Unix time); 0: not since "
                         "the start.",
                         (double)last_ack_ms / 1000.0);
    relais_metrics_gauge(t, "relais_agent_feed_position_records",
                         "The last record of the feed delivered to the outbox.", (double)st.feed_position);
    if (st.posts_waiting >= 0)
        relais_metrics_gauge(t, "relais_agent_posts_waiting",
                             "Statuses the partner's system (--post-to) has not taken yet.", (double)st.posts_waiting);
    if (st.posts_refused >= 0)
        relais_metrics_gauge(t, "relais_agent_posts_refused",
                             "Statuses the partner's system refused as such, set aside in STATE/post-refused.",
                             (double)st.posts_refused);
    uint64_t resident = 0;
    if (relais_metrics_resident_bytes(&resident) == 0)
        relais_metrics_gauge(t, "relais_agent_resident_memory_bytes", "The agent's resident memory.",
                             (double)resident);
}

static void s_http_log(void *ctx, const char *what)
{
    (void)ctx;
    agent_log("warn", "metrics-http", "why=\"%s\"", what);
}

int agent_metrics_bind(relais_agent_t *a, const char *listen)
{
    relais_metrics_server_options_t o = {.listen = listen, .flag = "--metrics", .who = "the agent",
                                         .render = s_render, .ctx = a, .log = s_http_log};
    return relais_metrics_server_bind(&o, &a->metrics);
}

int agent_metrics_start(relais_agent_t *a)
{
    if (!a->metrics)
        return 0;
    int rc = relais_metrics_server_start(a->metrics);
    if (rc == 0)
        agent_log("info", "metrics", "url=%s", relais_metrics_server_url(a->metrics));
    return rc;
}
