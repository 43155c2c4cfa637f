/* relais_endpoint.h -- the broker endpoint an agent is given, checked and spelled the way ZeroMQ takes it.
 *
 * Not installed: partners give a plain string in relais_client_options_t. librelais (client.c)
 * checks the hub's address with it, and the servers of this machine (the desk, the agent,
 * relaisd's metrics) their loopback addresses. Depends on nothing but libc and the status codes,
 * so that the fuzzer and the servers that link no client (relaisd's metrics) link it alone.
 */
#ifndef RELAIS_ENDPOINT_H
#define RELAIS_ENDPOINT_H

#define RELAIS_ENDPOINT_HOST_MAX 254 /* a DNS name, with its NUL */

typedef struct {
    char zmq[300];                      /* what zmq_connect gets: "tcp://HOST:PORT" or "ipc://PATH" */
    char host[RELAIS_ENDPOINT_HOST_MAX]; /* the host, without an IPv6 address's brackets; "" for ipc:// */
    char port[6];                       /* the TCP port, 1 to 65535, in decimal; "" for ipc:// */
} relais_endpoint_t;

/* Parses "tcp://HOST:PORT", "HOST:PORT" (taken as tcp://, the only transport a hub listens
 * on over a network) or "ipc://PATH". HOST is a name, an IPv4 address or an IPv6 address in
 * brackets ("[::1]:7100"). Errors: RELAIS_E_INVALID with a sentence saying what is expected.
 * `out` is filled only on success. */
int relais_endpoint_parse(const char *text, relais_endpoint_t *out);

/* The address a server of this machine only (the desk, the agent) listens on: "127.0.0.1:PORT"
 * or "localhost:PORT", PORT 0 to 65535 (0: any free one), into *port; otherwise RELAIS_E_INVALID,
 * whose sentence says that `who` listens on 127.0.0.1 only, and `why`. */
int relais_endpoint_loopback_port(const char *text, const char *who, const char *why, unsigned *port);

/* The same for the option `flag` ("--metrics"), which the refusal names. */
int relais_endpoint_loopback_flag(const char *flag, const char *text, const char *who, const char *why,
                                  unsigned *port);

/* A listening TCP socket on 127.0.0.1:port (0: any free one): *fd (the caller's) and the port it
 * got. Errors: RELAIS_E_IO. */
int relais_cli_listen_loopback(unsigned port, int *fd, unsigned *got);

/* Whether `url` is an http URL on this machine, "http://127.0.0.1:PORT[/PATH]" or localhost's,
 * PORT 1 to 65535, printable ASCII, under 500 bytes: 0, or RELAIS_E_INVALID. */
int relais_endpoint_loopback_url(const char *url);

#endif
