/* hello_relais.c -- a partner's smallest program, built against an installed librelais by tests/install/install.sh:
 * a client made from an identity of `relais keygen`, its name printed, the client destroyed. It needs no hub:
 * connecting does not wait for one. */
#include <stdio.h>

#include <relais_client.h>

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: hello_relais KEY.cert_secret SERVER.cert SPOOL_DIR\n");
        return 2;
    }
    relais_client_options_t o = {
        .endpoint = "tcp://127.0.0.1:7100", /* nothing needs to listen there: connecting is asynchronous */
        .key_path = argv[1],
        .server_cert_path = argv[2],
        .spool_dir = argv[3], /* the spool too, so that the installed library's LMDB half is linked and run */
    };
    relais_client_t *c = NULL;
    if (relais_client_new(&o, &c) != 0) {
        fprintf(stderr, "hello_relais: %s\n", relais_status_detail());
        return 1;
    }
    printf("%s\n", relais_client_name(c));
    relais_client_destroy(&c);
    return c == NULL ? 0 : 1;
}
