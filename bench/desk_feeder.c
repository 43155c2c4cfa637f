/* desk_feeder.c -- relais-desk-feeder: a partner submitting referrals at a steady rate, for the
 * desk's live measurement (bench/desk.sh). Run by hand through that script, never as a test.
 *
 * `relais submit` handed one file per process would spend its time starting processes, and a
 * batch handed to one `relais submit` goes as fast as the hub takes it: neither offers a paced
 * load. This submits each file through librelais (relais_client_submit_json: signed, sent, its
 * acknowledgement awaited) on a fixed schedule, the i-th at start + i / rate, and prints one JSON
 * line per acknowledgement with the wall-clock times the desk's page is compared with.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "relais_client.h"

#define S_MAX_FILE (1024 * 1024)

typedef struct {
    double rate;                  /* submissions a second */
    relais_client_options_t client;
    char **files;
    int file_count;
} s_opts_t;

typedef struct {
    char *json;
    size_t len;
} s_payload_t;

static void s_usage(FILE *out)
{
    fprintf(out,
            "usage: relais-desk-feeder --rate R [--endpoint E] [--key F] [--server-cert C] FILE...\n"
            "\n"
            "Submits each FILE (a payload object, {\"referral\": {...}}) as the identity of --key, one\n"
            "after the other on a fixed schedule of R a second (a submission late on it goes at once),\n"
            "each acknowledged before the next, and prints one JSON line per acknowledgement:\n"
            "  {\"file\":...,\"seq\":N,\"case_id\":\"R-N\",\"due_ms\":...,\"sent_ms\":...,\"ack_ms\":...,\"received_ms\":...}\n"
            "(wall-clock milliseconds: when it was due on the schedule, sent, acknowledged here, received\n"
            "by the hub). A summary goes to stderr. --endpoint, --key and --server-cert default to\n"
            "RELAIS_ENDPOINT, RELAIS_KEY and RELAIS_SERVER_CERT. Exit 0 when every file was acknowledged.\n");
}

static int s_parse(int argc, char **argv, s_opts_t *o)
{
    static const struct option opts[] = {{"rate", required_argument, NULL, 'r'},
                                         {"endpoint", required_argument, NULL, 'e'},
                                         {"key", required_argument, NULL, 'k'},
                                         {"server-cert", required_argument, NULL, 's'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    memset(o, 0, sizeof *o);
    o->client.endpoint = getenv("RELAIS_ENDPOINT");
    o->client.key_path = getenv("RELAIS_KEY");
    o->client.server_cert_path = getenv("RELAIS_SERVER_CERT");
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'r': {
            char *end = NULL;
            o->rate = strtod(optarg, &end);
            if (!end || *end || !(o->rate > 0 && o->rate <= 100000)) {
                fprintf(stderr, "relais-desk-feeder: --rate: a number of submissions a second, above 0\n");
                return 2;
            }
            break;
        }
        case 'e': o->client.endpoint = optarg; break;
        case 'k': o->client.key_path = optarg; break;
        case 's': o->client.server_cert_path = optarg; break;
        case 'h': s_usage(stdout); return -1;
        default: s_usage(stderr); return 2;
        }
    }
    if (!o->rate || optind >= argc || !o->client.endpoint || !o->client.key_path || !o->client.server_cert_path) {
        s_usage(stderr);
        return 2;
    }
    o->files = argv + optind;
    o->file_count = argc - optind;
    return 0;
}

static int64_t s_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t s_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Sleeps until the monotonic clock reads `ns` (returns at once when it is past). */
static void s_sleep_until(int64_t ns)
{
    struct timespec until = {.tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) == EINTR) {
    }
}

/* The whole of `path`, read before the run so that no disk read falls between two submissions. */
static int s_read_file(const char *path, s_payload_t *out)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "relais-desk-feeder: %s: %s\n", path, strerror(errno));
        return -1;
    }
    char *buf = malloc(S_MAX_FILE);
    size_t n = buf ? fread(buf, 1, S_MAX_FILE, f) : 0;
    int bad = !buf || ferror(f) || !feof(f);
    fclose(f);
    if (bad) {
        fprintf(stderr, "relais-desk-feeder: %s: unreadable, or over %d bytes\n", path, S_MAX_FILE);
        free(buf);
        return -1;
    }
    out->json = buf;
    out->len = n;
    return 0;
}

static int s_read_all(const s_opts_t *o, s_payload_t *payloads)
{
    for (int i = 0; i < o->file_count; i++)
        if (s_read_file(o->files[i], &payloads[i]) != 0)
            return -1;
    return 0;
}

/* `s` as a JSON string's content (the files' paths are the bench's own; quotes and controls made safe). */
static void s_json_text(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            printf("\\%c", *p);
        else if (*p < 0x20)
            printf("\\u%04x", *p);
        else
            putchar(*p);
    }
}

/* One submission, acknowledged; its line on stdout. */
static int s_submit_one(relais_client_t *client, const char *file, const s_payload_t *p, int64_t due_ms)
{
    relais_ack_t ack;
    relais_error_t err = {0};
    int64_t sent_ms = s_wall_ms();
    int rc = relais_client_submit_json(client, p->json, p->len, &ack, &err);
    int64_t ack_ms = s_wall_ms();
    if (rc != 0) {
        fprintf(stderr, "relais-desk-feeder: %s: %s: %s\n", file, relais_status_name(rc),
                err.message[0] ? err.message : relais_status_detail());
        return -1;
    }
    printf("{\"file\":\"");
    s_json_text(file);
    printf("\",\"seq\":%" PRIu64 ",\"case_id\":\"%s\",\"duplicate\":%s,\"due_ms\":%" PRId64
           ",\"sent_ms\":%" PRId64 ",\"ack_ms\":%" PRId64 ",\"received_ms\":%" PRId64 "}\n",
           ack.seq, ack.case_id, ack.duplicate ? "true" : "false", due_ms, sent_ms, ack_ms, ack.received_ms);
    return 0;
}

/* The schedule: submission i due at start + i / rate; `late` counts those sent more than a
 * period after their time. */
static int s_run(const s_opts_t *o, relais_client_t *client, const s_payload_t *payloads, int *late)
{
    double period_ns = 1e9 / o->rate;
    int64_t start_ns = s_mono_ns(), start_ms = s_wall_ms();
    for (int i = 0; i < o->file_count; i++) {
        int64_t due_ns = start_ns + (int64_t)(i * period_ns);
        s_sleep_until(due_ns);
        if (s_mono_ns() - due_ns > (int64_t)period_ns)
            (*late)++;
        if (s_submit_one(client, o->files[i], &payloads[i], start_ms + (int64_t)(i * period_ns / 1e6)) != 0)
            return -1;
    }
    fflush(stdout);
    double seconds = (double)(s_mono_ns() - start_ns) / 1e9;
    fprintf(stderr, "relais-desk-feeder: %d acknowledged in %.2f s (%.1f/s offered %.1f/s), %d late on the schedule\n",
            o->file_count, seconds, o->file_count / seconds, o->rate, *late);
    return 0;
}

int main(int argc, char **argv)
{
    s_opts_t o;
    int rc = s_parse(argc, argv, &o);
    if (rc)
        return rc < 0 ? 0 : rc;
    s_payload_t *payloads = calloc((size_t)o.file_count, sizeof *payloads);
    if (!payloads) {
        fprintf(stderr, "relais-desk-feeder: out of memory\n");
        return 1;
    }
    relais_client_t *client = NULL;
    rc = s_read_all(&o, payloads);
    if (rc == 0 && relais_client_new(&o.client, &client) != 0) {
        fprintf(stderr, "relais-desk-feeder: %s\n", relais_status_detail());
        rc = -1;
    }
    /* The connection made before the schedule starts: the first submission waits for no handshake. */
    if (rc == 0 && relais_client_ping(client, 10000) != 0) {
        fprintf(stderr, "relais-desk-feeder: the hub does not answer at %s\n", o.client.endpoint);
        rc = -1;
    }
    int late = 0;
    if (rc == 0)
        rc = s_run(&o, client, payloads, &late);
    relais_client_destroy(&client);
    for (int i = 0; i < o.file_count; i++)
        free(payloads[i].json);
    free(payloads);
    return rc == 0 ? 0 : 1;
}
