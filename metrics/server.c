/* server.c -- GET /metrics on 127.0.0.1, with libmicrohttpd's one thread.
 *
 * One thread, not one a connection: a scraper comes every few seconds, and whatever comes more
 * often waits its turn rather than costing the hub threads. The page is made afresh for each
 * scrape by the caller's render function, on this thread.
 */
#include "relais_metrics.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

#include "relais_endpoint.h"
#include "relais_proto.h"

#define S_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define S_CONNECTIONS_MAX 16
#define S_TIMEOUT_S 10

struct relais_metrics_server {
    relais_metrics_server_options_t opts; /* strings not kept: only render, ctx and log are used */
    int listen_fd;                        /* until the server takes it; -1 then */
    struct MHD_Daemon *mhd;
    char url[64];
};

static void s_mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* libmicrohttpd's own format, one line for the caller's log. */
static void s_mhd_log(void *cls, const char *fmt, va_list ap)
{
    relais_metrics_server_t *s = cls;
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    line[strcspn(line, "\r\n")] = '\0';
    if (s->opts.log)
        s->opts.log(s->opts.ctx, line);
}

static enum MHD_Result s_answer(struct MHD_Connection *conn, unsigned status, const char *type, const char *body,
                                size_t len, const char *allow)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", type);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    if (allow)
        MHD_add_response_header(resp, "Allow", allow);
    enum MHD_Result rc = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);
    return rc;
}

static enum MHD_Result s_handle(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                const char *version, const char *upload, size_t *upload_size, void **req_cls)
{
    (void)version;
    (void)upload;
    static int s_seen; /* the first call of a request only says it came; the answer goes on the next */
    relais_metrics_server_t *s = cls;
    if (*req_cls == NULL) {
        *req_cls = &s_seen;
        return MHD_YES;
    }
    if (*upload_size) { /* a body nobody asked for is read and dropped */
        *upload_size = 0;
        return MHD_YES;
    }
    static const char not_found[] = "not found: this server answers GET /metrics only\n";
    if (strcmp(url, "/metrics") != 0)
        return s_answer(conn, MHD_HTTP_NOT_FOUND, "text/plain; charset=utf-8", not_found, sizeof not_found - 1, NULL);
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return s_answer(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain; charset=utf-8", not_found,
                        sizeof not_found - 1, "GET, HEAD");
    relais_metrics_text_t text = {0};
    s->opts.render(s->opts.ctx, &text);
    enum MHD_Result rc;
    if (text.failed) {
        static const char oom[] = "out of memory\n";
        rc = s_answer(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8", oom, sizeof oom - 1, NULL);
    } else {
        rc = s_answer(conn, MHD_HTTP_OK, S_CONTENT_TYPE, text.data ? text.data : "", text.len, NULL);
    }
    relais_metrics_text_free(&text);
    return rc;
}

int relais_metrics_server_bind(const relais_metrics_server_options_t *o, relais_metrics_server_t **out)
{
    *out = NULL;
    unsigned port = 0;
    if (!o || !o->render)
        return relais_status_set(RELAIS_E_INVALID, "a metrics server needs a render function");
    int rc = relais_endpoint_loopback_flag(o->flag ? o->flag : "--metrics", o->listen, o->who ? o->who : "the server",
                                           "its figures are for a scraper on this machine or a proxy there", &port);
    if (rc)
        return rc;
    relais_metrics_server_t *s = calloc(1, sizeof *s);
    if (!s)
        return relais_status_set(RELAIS_E_NOMEM, "out of memory");
    s->opts = *o;
    s->opts.listen = s->opts.flag = s->opts.who = NULL;
    unsigned got = 0;
    rc = relais_cli_listen_loopback(port, &s->listen_fd, &got);
    if (rc) {
        free(s);
        return rc;
    }
    snprintf(s->url, sizeof s->url, "http://127.0.0.1:%u/metrics", got);
    *out = s;
    return 0;
}

int relais_metrics_server_start(relais_metrics_server_t *s)
{
    if (!s || s->mhd || s->listen_fd < 0)
        return relais_status_set(RELAIS_E_INVALID, "the metrics server starts once, after it was bound");
    s->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ERROR_LOG, 0, NULL, NULL,
                              s_handle, s, MHD_OPTION_EXTERNAL_LOGGER, s_mhd_log, s, MHD_OPTION_LISTEN_SOCKET,
                              (MHD_socket)s->listen_fd, MHD_OPTION_CONNECTION_LIMIT, (unsigned)S_CONNECTIONS_MAX,
                              MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)S_TIMEOUT_S, MHD_OPTION_END);
    if (!s->mhd)
        return relais_status_set(RELAIS_E_IO, "the metrics server did not start on %s", s->url);
    s->listen_fd = -1; /* the server's now: it closes it when it stops */
    return 0;
}

const char *relais_metrics_server_url(const relais_metrics_server_t *s)
{
    return s ? s->url : "";
}

void relais_metrics_server_destroy(relais_metrics_server_t **sp)
{
    relais_metrics_server_t *s = sp ? *sp : NULL;
    if (!s)
        return;
    if (s->mhd)
        MHD_stop_daemon(s->mhd);
    if (s->listen_fd >= 0)
        close(s->listen_fd);
    free(s);
    *sp = NULL;
}
