/* fake_hub.c -- test helper: what an agent may find at a hub's address instead of a working hub.
 *
 *   fake_hub not-zmtp PORT
 *       a TCP server on 127.0.0.1:PORT that is no ZeroMQ peer: it answers every connection
 *       with an HTTP error and closes it (a web server on the wrong port, say);
 *   fake_hub mute PORT KEY
 *       a CURVE ROUTER on 127.0.0.1:PORT with the hub's secret key file KEY that completes
 *       every handshake and never answers (a hub stuck after accepting connections).
 * Prints "listening" on stdout once it listens, then serves until killed. Exit 1 on failure.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <zmq.h>

#include "relais_certs.h"
#include "relais_proto.h"

static int s_not_zmtp(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 16) != 0) {
        perror("fake_hub: listen");
        return 1;
    }
    printf("listening\n");
    fflush(stdout);
    static const char answer[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
    for (;;) {
        int c = accept(fd, NULL, NULL);
        if (c < 0)
            continue;
        char buf[256];
        ssize_t n = read(c, buf, sizeof buf); /* the agent's greeting, unread beyond that */
        (void)n;
        n = write(c, answer, sizeof answer - 1);
        (void)n;
        close(c);
    }
}

static int s_mute(int port, const char *key)
{
    relais_identity_t *hub = NULL;
    if (relais_identity_load(key, &hub) != 0) {
        fprintf(stderr, "fake_hub: %s: %s\n", key, relais_status_detail());
        return 1;
    }
    void *ctx = zmq_ctx_new();
    void *router = zmq_socket(ctx, ZMQ_ROUTER);
    const char *secret = relais_identity_curve_secret_z85(hub);
    int one = 1;
    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "tcp://127.0.0.1:%d", port);
    /* no ZAP handler: libzmq then takes every client key, so the handshake completes */
    if (zmq_setsockopt(router, ZMQ_CURVE_SERVER, &one, sizeof one) != 0 ||
        zmq_setsockopt(router, ZMQ_CURVE_SECRETKEY, secret, strlen(secret)) != 0 || zmq_bind(router, endpoint) != 0) {
        fprintf(stderr, "fake_hub: %s: %s\n", endpoint, zmq_strerror(zmq_errno()));
        return 1;
    }
    printf("listening\n");
    fflush(stdout);
    for (;;) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, router, 0) < 0) {
            zmq_msg_close(&m);
            break;
        }
        zmq_msg_close(&m); /* read and never answered */
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "not-zmtp") == 0)
        return s_not_zmtp(atoi(argv[2]));
    if (argc == 4 && strcmp(argv[1], "mute") == 0)
        return s_mute(atoi(argv[2]), argv[3]);
    fprintf(stderr, "usage: fake_hub not-zmtp PORT | fake_hub mute PORT KEY\n");
    return 2;
}
