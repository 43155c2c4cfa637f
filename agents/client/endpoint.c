/* endpoint.c -- the broker endpoint: "tcp://HOST:PORT", "HOST:PORT" or "ipc://PATH", checked before ZeroMQ sees it.
 *
 * zmq_connect answers a mistyped endpoint with "Invalid argument" and nothing else; here every
 * refusal says what was expected, with an example. The loopback listeners of the desk, the agent and
 * the metrics of relaisd and the agent are here too, so that a server that links no client reads
 * and binds its address the same way.
 */
#include "relais_endpoint.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "relais_proto.h"

#define S_EXPECTED "expected tcp://HOST:PORT, e.g. tcp://hub.example:7100 or tcp://192.0.2.10:7100"

static int s_refuse(const char *text, const char *why)
{
    char shown[96];
    relais_text_escape(text, strlen(text), shown, sizeof shown);
    return relais_status_set(RELAIS_E_INVALID, "endpoint '%s': %s; " S_EXPECTED, shown, why);
}

/* A DNS name or an IPv4 address: letters, digits, '.', '-' and '_' (some hosts' names have one). */
static int s_name_ok(const char *s, size_t n)
{
    if (n == 0 || n >= RELAIS_ENDPOINT_HOST_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
              c == '_'))
            return 0;
    }
    return 1;
}

/* An IPv6 address as written between brackets: hex digits, ':' and '.' (an embedded IPv4). */
static int s_ipv6_ok(const char *s, size_t n)
{
    if (n < 2 || n >= RELAIS_ENDPOINT_HOST_MAX)
        return 0;
    size_t colons = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        colons += c == ':';
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.'))
            return 0;
    }
    return colons >= 2;
}

static int s_port_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 5)
        return 0;
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    return v >= 1 && v <= 65535 && s[0] != '0';
}

static int s_tcp(const char *text, const char *rest, relais_endpoint_t *out)
{
    const char *host = rest, *colon;
    size_t host_len;
    if (rest[0] == '[') {
        const char *close = strchr(rest, ']');
        if (!close)
            return s_refuse(text, "an IPv6 address without its closing ']'");
        host = rest + 1;
        host_len = (size_t)(close - host);
        if (close[1] != ':')
            return s_refuse(text, "no port after the IPv6 address");
        colon = close + 1;
        if (!s_ipv6_ok(host, host_len))
            return s_refuse(text, "not an IPv6 address between the brackets");
    } else {
        colon = strrchr(rest, ':');
        if (!colon)
            return s_refuse(text, "no port");
        host_len = (size_t)(colon - rest);
        if (host_len == 1 && rest[0] == '*')
            return s_refuse(text, "'*' is for a hub that binds, not for an agent that connects");
        if (memchr(rest, ':', host_len))
            return s_refuse(text, "an IPv6 address goes between brackets, as in tcp://[2001:db8::1]:7100");
        if (!s_name_ok(rest, host_len))
            return s_refuse(text, host_len ? "the host is not a host name or an address" : "no host");
    }
    if (!s_port_ok(colon + 1))
        return s_refuse(text, "the port is not a number from 1 to 65535");
    memcpy(out->host, host, host_len);
    out->host[host_len] = '\0';
    snprintf(out->port, sizeof out->port, "%s", colon + 1);
    int n = snprintf(out->zmq, sizeof out->zmq, "tcp://%s", rest);
    if (n < 0 || (size_t)n >= sizeof out->zmq)
        return s_refuse(text, "too long");
    return RELAIS_OK;
}

int relais_endpoint_parse(const char *text, relais_endpoint_t *out)
{
    if (!text || !*text)
        return relais_status_set(RELAIS_E_INVALID, "no endpoint; " S_EXPECTED);
    relais_endpoint_t ep;
    memset(&ep, 0, sizeof ep);
    const char *sep = strstr(text, "://");
    int rc;
    if (!sep) {
        rc = s_tcp(text, text, &ep); /* HOST:PORT: the scheme is the only one there is */
    } else if (strncmp(text, "tcp://", 6) == 0) {
        rc = s_tcp(text, text + 6, &ep);
    } else if (strncmp(text, "ipc://", 6) == 0 && text[6]) {
        int n = snprintf(ep.zmq, sizeof ep.zmq, "%s", text);
        rc = n > 0 && (size_t)n < sizeof ep.zmq ? RELAIS_OK : s_refuse(text, "too long");
    } else {
        rc = s_refuse(text, "a hub is reached over tcp:// only");
    }
    if (rc == RELAIS_OK)
        *out = ep;
    return rc;
}

/* PORT: 1 to 5 digits, 0 to 65535; the number of digits read, 0 when none or too many. */
static size_t s_port(const char *text, unsigned *port)
{
    size_t digits = strspn(text, "0123456789");
    if (digits == 0 || digits > 5)
        return 0;
    unsigned v = 0;
    for (size_t i = 0; i < digits; i++)
        v = v * 10 + (unsigned)(text[i] - '0');
    if (v > 65535)
        return 0;
    *port = v;
    return digits;
}

int relais_endpoint_loopback_flag(const char *flag, const char *text, const char *who, const char *why,
                                  unsigned *port)
{
    const char *colon = text ? strrchr(text, ':') : NULL;
    unsigned p = 0;
    size_t digits = colon ? s_port(colon + 1, &p) : 0;
    if (!colon || !digits || colon[1 + digits] != '\0')
        return relais_status_set(RELAIS_E_INVALID, "%s: expected 127.0.0.1:PORT (PORT 0: any free one)", flag);
    size_t host = (size_t)(colon - text);
    if (host != 9 || (strncmp(text, "127.0.0.1", 9) != 0 && strncmp(text, "localhost", 9) != 0))
        return relais_status_set(RELAIS_E_INVALID, "%s: %s listens on 127.0.0.1 only (%s), not on %.*s", flag, who,
                                 why, (int)(host > 64 ? 64 : host), text);
    *port = p;
    return 0;
}

int relais_endpoint_loopback_port(const char *text, const char *who, const char *why, unsigned *port)
{
    return relais_endpoint_loopback_flag("--listen", text, who, why, port);
}

int relais_endpoint_loopback_url(const char *url)
{
    static const char *const hosts[] = {"http://127.0.0.1:", "http://localhost:"};
    const char *rest = NULL;
    for (size_t i = 0; url && i < sizeof hosts / sizeof *hosts && !rest; i++)
        if (strncmp(url, hosts[i], strlen(hosts[i])) == 0)
            rest = url + strlen(hosts[i]);
    unsigned port = 0;
    size_t digits = rest ? s_port(rest, &port) : 0;
    int bad = !digits || port == 0 || (rest[digits] != '/' && rest[digits] != '\0') || strlen(url) >= 500;
    for (const char *p = url; !bad && *p; p++)
        bad = (unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f;
    return bad ? relais_status_set(RELAIS_E_INVALID, "expected http://127.0.0.1:PORT/PATH (a system on this machine)")
               : 0;
}

int relais_cli_listen_loopback(unsigned port, int *fd_out, unsigned *got)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return relais_status_set(RELAIS_E_IO, "socket: %s", strerror(errno));
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 64) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
        int e = errno;
        close(fd);
        return relais_status_set(RELAIS_E_IO, "127.0.0.1:%u: %s", port, strerror(e));
    }
    *fd_out = fd;
    *got = ntohs(a.sin_port);
    return 0;
}
