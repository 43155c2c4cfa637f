/* relais_bench.c -- relais-bench: drives a real relaisd and prints one JSON object of its figures (issue 6). */
#define _GNU_SOURCE /* getrandom */
#include "bench.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "relais_keys.h"
#include "relais_proto.h"
#include "relais_store.h"

#define S_PREFILL_BASE (1ull << 40) /* prefilled messages' indexes: never those of the phases */
#define S_PROBES 4                  /* probe submissions: one before each phase, one spare */
#define S_PROOFS 1000               /* inclusion proofs timed */

typedef struct {
    char work[BENCH_PATH_MAX];        /* the work folder */
    char store[BENCH_PATH_MAX];       /* the store folder in it */
    char store_clear[BENCH_PATH_MAX]; /* the store of the run in clear, when encryption */
    int owned;                        /* we made it: we remove it unless --keep */
} s_dirs_t;

/* ---- Options -------------------------------------------------------------------------------- */

static void s_usage(FILE *out)
{
    fprintf(out,
            "usage: relais-bench [options]\n"
            "\n"
            "Starts a real relaisd on 127.0.0.1 (CURVE, store synced on every commit), drives it with K\n"
            "agents submitting signed referrals and S feed subscribers, and prints one JSON object:\n"
            "throughput, ack and feed latencies, broker and bench CPU, broker memory, store size, offline\n"
            "audit rate, the machine's yardsticks (Ed25519 verify on one and on all cores, fsync, a bare\n"
            "synced LMDB commit), the peers' figures (Redis, RabbitMQ) and the ratios between them.\n"
            "Progress goes to stderr.\n"
            "\n"
            "  --agents K          concurrent submitting agents (default 50)\n"
            "  --subscribers S     live feed subscribers in the latency phase (default 20; 1 in the\n"
            "                      throughput phase, plus one frozen subscriber throughout)\n"
            "  --size BYTES        SignedMessage size (default 1024)\n"
            "  --count N           messages of the throughput phase (default 200000; --quick 20000)\n"
            "  --duration S        end the throughput phase after S seconds (then --count, default\n"
            "                      S x 30000, only bounds the messages signed beforehand)\n"
            "  --window N          submissions in flight per agent in the throughput phase (default 32)\n"
            "  --rate R            offered load of the latency phase, msg/s (default 1000)\n"
            "  --latency-seconds S length of the latency phase (default 10; --quick 3)\n"
            "  --no-sealing-cost   skip the runs in clear and sealed again that measure what sealing\n"
            "                      costs (each prefills a store of its own: long growth runs)\n"
            "  --rebuild           remove the store's derived indexes before the broker starts (after\n"
            "                      --prefill): it rebuilds them from the log; prints how fast\n"
            "  --prefill N         before the broker starts, append N signed referrals to the store\n"
            "                      with the case index the broker's rules give them (growth runs)\n"
            "  --verifiers N       relaisd --verifiers (default: the broker's, one per core)\n"
            "  --batch-max N       relaisd --batch-max (default: the broker's)\n"
            "  --dir DIR           work folder (kept; reusing it reuses its keys and store)\n"
            "  --keep              keep the temporary work folder\n"
            "  --relaisd PATH      the broker binary (default: the one built beside this bench)\n"
            "  --relais PATH       the relais command, for the offline audit (default: likewise)\n"
            "  --no-audit          skip relais audit verify (long on a large prefilled store)\n"
            "  --no-encryption     relaisd without a data key: the store in clear. By default the store\n"
            "                      is sealed, and then the throughput phase runs in clear, sealed and in\n"
            "                      clear again, and the audit with the data key and in clear twice, for\n"
            "                      the ratios of what sealing costs (best of each kind)\n"
            "  --redis, --no-redis run or skip the Redis peer: redis-benchmark XADD to a stream,\n"
            "                      appendfsync always, 50 clients, 1 KiB (default: run it when\n"
            "                      redis-server and redis-benchmark are on PATH)\n"
            "  --rabbitmq, --no-rabbitmq\n"
            "                      run or skip the RabbitMQ peer: a node of its own in the work folder\n"
            "                      (127.0.0.1, free ports), a durable quorum queue, persistent messages\n"
            "                      of the relais messages' size, publisher confirms, K publishers with\n"
            "                      --window unconfirmed each (default: run it when rabbitmq-server is\n"
            "                      installed and the bench was built with rabbitmq-c, librabbitmq-dev)\n"
            "  --rabbitmq-count N  messages the RabbitMQ publishers send (default 500000; --quick 100000)\n"
            "  --rabbitmq-seconds S  and for S seconds at most (default 120; --quick 20)\n"
            "  --peers, --no-peers run every peer (and say why one could not run), or none; the\n"
            "                      default runs every peer that is installed\n"
            "  --matcher [N]       instead of the above, no relaisd: fill a store of its own (sealed, or\n"
            "                      in clear with --no-encryption) with N children (default 1000000;\n"
            "                      --quick 20000) through the writer's path, then time the likely-\n"
            "                      duplicate search a new case runs (relais_cases_batch_duplicates)\n"
            "  --matcher-referrals M  referrals that search times, half close variants of children\n"
            "                      in the store, half new children (default 10000; --quick 2000)\n"
            "  --quick             small counts: done within about a minute on 2 cores\n"
            "  --help              this text\n");
}

/* The path of a tool built beside this bench: the compile-time path, else ../broker/NAME
 * (or ../agents/NAME) next to this executable. */
static const char *s_default_tool(const char *built, const char *folder, const char *name)
{
    static char paths[2][BENCH_PATH_MAX];
    if (built && built[0])
        return built;
    char exe[BENCH_PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return name;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash)
        *slash = '\0';
    char *out = paths[strcmp(name, "relaisd") == 0 ? 0 : 1];
    if ((size_t)snprintf(out, BENCH_PATH_MAX, "%s/../%s/%s", exe, folder, name) >= BENCH_PATH_MAX)
        return name;
    return out;
}

static void s_defaults(bench_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->agents = 50;
    o->subscribers = 20;
    o->tp_subscribers = 1;
    o->size = 1024;
    o->rate = 1000;
    o->window = 32;
    o->redis = -1;
    o->sealing_cost = 1;
    o->rabbitmq = -1;
    o->audit = 1;
    o->encryption = 1;
#ifdef RELAIS_BENCH_RELAISD
    o->relaisd = s_default_tool(RELAIS_BENCH_RELAISD, "broker", "relaisd");
#else
    o->relaisd = s_default_tool(NULL, "broker", "relaisd");
#endif
#ifdef RELAIS_BENCH_RELAIS
    o->relais = s_default_tool(RELAIS_BENCH_RELAIS, "agents", "relais");
#else
    o->relais = s_default_tool(NULL, "agents", "relais");
#endif
}

static int s_num(const char *text, double min, double max, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || *end || !(v >= min && v <= max))
        return -1;
    *out = v;
    return 0;
}

enum {
    S_O_AGENTS = 256, S_O_SUBS, S_O_SIZE, S_O_COUNT, S_O_DURATION, S_O_WINDOW, S_O_RATE, S_O_LATSEC,
    S_O_PREFILL, S_O_REBUILD, S_O_NO_SEALING_COST, S_O_VERIFIERS, S_O_BATCH, S_O_DIR, S_O_KEEP, S_O_RELAISD, S_O_RELAIS, S_O_REDIS,
    S_O_NOREDIS, S_O_NOAUDIT, S_O_QUICK, S_O_NOENC, S_O_HELP, S_O_RABBITMQ, S_O_NORABBITMQ, S_O_PEERS,
    S_O_NOPEERS, S_O_RMQ_COUNT, S_O_RMQ_SECONDS, S_O_MATCHER, S_O_MATCHER_REFS,
};

static const struct option s_longopts[] = {
    {"agents", required_argument, NULL, S_O_AGENTS},       {"subscribers", required_argument, NULL, S_O_SUBS},
    {"size", required_argument, NULL, S_O_SIZE},           {"count", required_argument, NULL, S_O_COUNT},
    {"duration", required_argument, NULL, S_O_DURATION},   {"window", required_argument, NULL, S_O_WINDOW},
    {"rate", required_argument, NULL, S_O_RATE},           {"latency-seconds", required_argument, NULL, S_O_LATSEC},
    {"prefill", required_argument, NULL, S_O_PREFILL},     {"rebuild", no_argument, NULL, S_O_REBUILD},
    {"no-sealing-cost", no_argument, NULL, S_O_NO_SEALING_COST},     {"verifiers", required_argument, NULL, S_O_VERIFIERS},
    {"batch-max", required_argument, NULL, S_O_BATCH},     {"dir", required_argument, NULL, S_O_DIR},
    {"keep", no_argument, NULL, S_O_KEEP},                 {"relaisd", required_argument, NULL, S_O_RELAISD},
    {"relais", required_argument, NULL, S_O_RELAIS},       {"redis", no_argument, NULL, S_O_REDIS},
    {"no-redis", no_argument, NULL, S_O_NOREDIS},          {"no-audit", no_argument, NULL, S_O_NOAUDIT},
    {"quick", no_argument, NULL, S_O_QUICK},               {"no-encryption", no_argument, NULL, S_O_NOENC},
    {"rabbitmq", no_argument, NULL, S_O_RABBITMQ},         {"no-rabbitmq", no_argument, NULL, S_O_NORABBITMQ},
    {"peers", no_argument, NULL, S_O_PEERS},               {"no-peers", no_argument, NULL, S_O_NOPEERS},
    {"rabbitmq-count", required_argument, NULL, S_O_RMQ_COUNT},
    {"rabbitmq-seconds", required_argument, NULL, S_O_RMQ_SECONDS},
    {"matcher", optional_argument, NULL, S_O_MATCHER},
    {"matcher-referrals", required_argument, NULL, S_O_MATCHER_REFS},
    {"help", no_argument, NULL, S_O_HELP},                 {NULL, 0, NULL, 0},
};

static const char *s_option_name(int opt)
{
    for (const struct option *o = s_longopts; o->name; o++)
        if (o->val == opt)
            return o->name;
    return "?";
}

/* Options given on the command line, against which --quick's smaller defaults give way. */
typedef struct {
    int count, latency_s, rabbitmq_count, rabbitmq_s, matcher, matcher_refs;
} s_given_t;

/* One numeric option into its field; -1 when out of range. */
static int s_numeric(int opt, const char *arg, bench_opts_t *o, s_given_t *given)
{
    double v = 0;
    switch (opt) {
    case S_O_AGENTS: return s_num(arg, 1, 1000, &v) ? -1 : (o->agents = (int)v, 0);
    case S_O_SUBS: return s_num(arg, 0, 500, &v) ? -1 : (o->subscribers = (int)v, 0);
    case S_O_SIZE: return s_num(arg, 256, 60000, &v) ? -1 : (o->size = (size_t)v, 0);
    case S_O_COUNT: return s_num(arg, 1, 50e6, &v) ? -1 : (o->count = (uint64_t)v, given->count = 1, 0);
    case S_O_DURATION: return s_num(arg, 0.1, 86400, &v) ? -1 : (o->duration = v, 0);
    case S_O_WINDOW: return s_num(arg, 1, 10000, &v) ? -1 : (o->window = (int)v, 0);
    case S_O_RATE: return s_num(arg, 1, 1e6, &v) ? -1 : (o->rate = v, 0);
    case S_O_LATSEC: return s_num(arg, 0.5, 3600, &v) ? -1 : (o->latency_s = v, given->latency_s = 1, 0);
    case S_O_PREFILL: return s_num(arg, 0, 1e9, &v) ? -1 : (o->prefill = (uint64_t)v, 0);
    case S_O_REBUILD: o->rebuild = 1; return 0;
    case S_O_NO_SEALING_COST: o->sealing_cost = 0; return 0;
    case S_O_VERIFIERS: return s_num(arg, 1, 256, &v) ? -1 : (o->verifiers = (int)v, 0);
    case S_O_BATCH: return s_num(arg, 1, 100000, &v) ? -1 : (o->batch_max = (int)v, 0);
    case S_O_RMQ_COUNT:
        return s_num(arg, 1, 50e6, &v) ? -1 : (o->rabbitmq_messages = (uint64_t)v, given->rabbitmq_count = 1, 0);
    case S_O_RMQ_SECONDS:
        return s_num(arg, 0.1, 86400, &v) ? -1 : (o->rabbitmq_seconds = v, given->rabbitmq_s = 1, 0);
    case S_O_MATCHER:
        o->matcher_mode = 1;
        return !arg ? 0 : s_num(arg, 1, 1e9, &v) ? -1 : (o->matcher = (uint64_t)v, given->matcher = 1, 0);
    case S_O_MATCHER_REFS:
        return s_num(arg, 1, 1e7, &v) ? -1 : (o->matcher_referrals = (uint64_t)v, given->matcher_refs = 1, 0);
    default: return -1;
    }
}

/* 0 to run, 1 after --help, 2 on a usage error. */
static int s_parse(int argc, char **argv, bench_opts_t *o)
{
    int opt;
    s_given_t given = {0, 0, 0, 0, 0, 0};
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "", s_longopts, NULL)) != -1) {
        switch (opt) {
        case S_O_DIR: o->dir = optarg; break;
        case S_O_KEEP: o->keep = 1; break;
        case S_O_RELAISD: o->relaisd = optarg; break;
        case S_O_RELAIS: o->relais = optarg; break;
        case S_O_REDIS: o->redis = 1; break;
        case S_O_NOREDIS: o->redis = 0; break;
        case S_O_RABBITMQ: o->rabbitmq = 1; break;
        case S_O_NORABBITMQ: o->rabbitmq = 0; break;
        case S_O_PEERS: o->redis = o->rabbitmq = 1; break;
        case S_O_NOPEERS: o->redis = o->rabbitmq = 0; break;
        case S_O_NOAUDIT: o->audit = 0; break;
        case S_O_QUICK: o->quick = 1; break;
        case S_O_NOENC: o->encryption = 0; break;
        case S_O_HELP: s_usage(stdout); return 1;
        case '?': fprintf(stderr, "relais-bench: unknown option or missing value: %s\n", argv[optind - 1]); return 2;
        case S_O_MATCHER:
            /* `--matcher N` as well as `--matcher=N`: a number right after it is its count. */
            if (!optarg && optind < argc && argv[optind][0] >= '0' && argv[optind][0] <= '9')
                optarg = argv[optind++];
            /* fall through */
        default:
            if (s_numeric(opt, optarg, o, &given) != 0) {
                fprintf(stderr, "relais-bench: bad value for --%s: %s (see --help)\n", s_option_name(opt), optarg);
                return 2;
            }
        }
    }
    if (optind < argc) {
        fprintf(stderr, "relais-bench: unexpected argument: %s\n", argv[optind]);
        return 2;
    }
    if (!given.count)
        o->count = o->duration > 0 ? (uint64_t)(o->duration * 30000) : o->quick ? 20000 : 200000;
    if (!given.latency_s)
        o->latency_s = o->quick ? 3 : 10;
    o->redis_requests = o->quick ? 20000 : 100000;
    /* RabbitMQ confirms several times faster than Redis answers here: fewer messages would be
     * over in a fraction of a second, too short a run to be a figure. */
    if (!given.rabbitmq_count)
        o->rabbitmq_messages = o->quick ? 100000 : 500000;
    if (!given.rabbitmq_s)
        o->rabbitmq_seconds = o->quick ? 20 : 120;
    if (!given.matcher)
        o->matcher = o->quick ? 20000 : 1000000;
    if (!given.matcher_refs)
        o->matcher_referrals = o->quick ? 2000 : 10000;
    return 0;
}

/* ---- Folders ----------------------------------------------------------------------------- */

static int s_dirs(const bench_opts_t *o, s_dirs_t *d)
{
    memset(d, 0, sizeof *d);
    if (o->dir) {
        if ((size_t)snprintf(d->work, sizeof d->work, "%s", o->dir) >= sizeof d->work ||
            (mkdir(d->work, 0700) != 0 && errno != EEXIST))
            return -1;
    } else {
        const char *tmp = getenv("TMPDIR");
        snprintf(d->work, sizeof d->work, "%s/relais-bench-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
        if (!mkdtemp(d->work))
            return -1;
        d->owned = 1;
    }
    if ((size_t)snprintf(d->store_clear, sizeof d->store_clear, "%s/store-clear", d->work) >= sizeof d->store_clear ||
        (mkdir(d->store_clear, 0700) != 0 && errno != EEXIST))
        return -1;
    if ((size_t)snprintf(d->store, sizeof d->store, "%s/store", d->work) >= sizeof d->store ||
        (mkdir(d->store, 0700) != 0 && errno != EEXIST))
        return -1;
    return 0;
}

/* Removes a folder we made, unless asked to keep it or the run failed (its logs say why). */
static void s_dirs_cleanup(const bench_opts_t *o, const s_dirs_t *d, int failed)
{
    if (!d->owned || o->keep || failed) {
        bench_log("work folder kept: %s", d->work);
        return;
    }
    if (d->work[0] && bench_remove_tree(d->work) != 0)
        bench_log("warning: could not remove %s", d->work);
}

/* ---- Store figures --------------------------------------------------------------------------- */

static uint64_t s_file_size(const char *dir, const char *name)
{
    char path[BENCH_PATH_MAX];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

/* The log's size now (0 for a store not yet created). */
static uint64_t s_store_head(const char *store_dir)
{
    if (s_file_size(store_dir, "data.mdb") == 0)
        return 0;
    relais_store_options_t so = {.map_size = 0, .read_only = 1};
    relais_store_t *st = NULL;
    uint64_t head = 0;
    if (relais_store_open(store_dir, &so, &st) == 0)
        relais_store_head(st, &head);
    relais_store_destroy(&st);
    return head;
}

static uint64_t s_xorshift(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Mean time of S_PROOFS inclusion proofs of pseudo-random seqs (from `seed`) at the head, us. */
static double s_proof_pass(relais_store_t *st, uint64_t seed, uint64_t records, size_t *path_len)
{
    relais_hash_t path[RELAIS_MERKLE_MAX_PATH];
    uint64_t rng = seed | 1;
    int64_t t0 = bench_now_ns();
    for (int i = 0; i < S_PROOFS; i++) {
        uint64_t seq = 1 + s_xorshift(&rng) % records;
        if (relais_store_inclusion_proof(st, seq, 0, path, path_len) != 0)
            return NAN;
    }
    return (double)(bench_now_ns() - t0) / 1e3 / S_PROOFS;
}

/* Size, bytes per record and the mean inclusion-proof time, with the broker stopped. */
static void s_store_figures(const char *store_dir, uint64_t seed, bench_result_t *r)
{
    relais_store_options_t so = {.map_size = 0, .read_only = 1};
    relais_store_t *st = NULL;
    relais_store_stat_t stat;
    int rc = relais_store_open(store_dir, &so, &st);
    if (rc == 0)
        rc = relais_store_stat(st, &stat);
    if (rc != 0 || stat.records == 0) {
        bench_log("warning: store figures unavailable: %s", relais_strerror(rc));
        relais_store_destroy(&st);
        return;
    }
    r->records = stat.records;
    r->bytes_per_msg = (double)s_file_size(store_dir, "data.mdb") / (double)stat.records;
    r->used_bytes_per_msg = (double)stat.used_bytes / (double)stat.records;
    /* The same seqs twice: the first pass pays this process's page faults on a fresh map
     * (reported as cold), the second is what a running broker, its map warm, pays. */
    r->proof_cold_us = s_proof_pass(st, seed, stat.records, &r->proof_len);
    r->proof_us = s_proof_pass(st, seed, stat.records, &r->proof_len);
    relais_store_destroy(&st);
}

/* ---- The JSON report ---------------------------------------------------------------------- */

static void s_json_str(const char *key, const char *v, int last)
{
    printf("    \"%s\": \"", key);
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        if (*p == '"' || *p == '\\')
            printf("\\%c", *p);
        else if (*p < 0x20)
            printf("\\u%04x", *p);
        else
            putchar(*p);
    }
    printf("\"%s\n", last ? "" : ",");
}

/* A number, or null for what was not measured. */
static void s_json_num(const char *indent, const char *key, double v, int last)
{
    if (isnan(v) || isinf(v))
        printf("%s\"%s\": null%s\n", indent, key, last ? "" : ",");
    else
        printf("%s\"%s\": %.*f%s\n", indent, key, fabs(v) >= 100 ? 1 : 3, v, last ? "" : ",");
}

static void s_json_u64(const char *indent, const char *key, uint64_t v, int last)
{
    printf("%s\"%s\": %" PRIu64 "%s\n", indent, key, v, last ? "" : ",");
}

/* A count, or null when it is negative or zero (not set, not run). */
static void s_json_int(const char *indent, const char *key, int v, int last)
{
    if (v < 0 || (v == 0 && strcmp(key, "audit_exit_status") != 0))
        printf("%s\"%s\": null%s\n", indent, key, last ? "" : ",");
    else
        printf("%s\"%s\": %d%s\n", indent, key, v, last ? "" : ",");
}

static void s_cpu_model(char *out, size_t cap)
{
    snprintf(out, cap, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[512];
    while (f && fgets(line, sizeof line, f)) {
        char *colon = strchr(line, ':');
        if (strncmp(line, "model name", 10) == 0 && colon) {
            colon += colon[1] == ' ' ? 2 : 1;
            colon[strcspn(colon, "\n")] = '\0';
            snprintf(out, cap, "%s", colon);
            break;
        }
    }
    if (f)
        fclose(f);
}

static void s_json_conditions(const bench_opts_t *o, const bench_result_t *r, uint64_t lat_count)
{
    struct utsname u;
    char cpu[256];
    s_cpu_model(cpu, sizeof cpu);
    if (uname(&u) != 0)
        snprintf(u.release, sizeof u.release, "unknown");
    const char *in = "    ";
    printf("  \"conditions\": {\n");
    s_json_u64(in, "agents", (uint64_t)o->agents, 0);
    s_json_u64(in, "subscribers", (uint64_t)o->subscribers, 0);
    s_json_u64(in, "throughput_subscribers", (uint64_t)o->tp_subscribers, 0);
    s_json_u64(in, "frozen_subscribers", 1, 0);
    s_json_u64(in, "size", (uint64_t)o->size, 0);
    s_json_u64(in, "count", o->count, 0);
    s_json_num(in, "duration_s", o->duration > 0 ? o->duration : NAN, 0);
    s_json_u64(in, "window", (uint64_t)o->window, 0);
    s_json_num(in, "rate", o->rate, 0);
    s_json_u64(in, "latency_messages", lat_count, 0);
    s_json_u64(in, "prefill", o->prefill, 0);
    s_json_u64(in, "records_at_start", r->records_at_start, 0);
    s_json_int(in, "verifiers", r->verifiers_used, 0);
    s_json_int(in, "batch_max", o->batch_max, 0);
    s_json_u64(in, "cores", (uint64_t)sysconf(_SC_NPROCESSORS_ONLN), 0);
    s_json_str("kernel", u.release, 0);
    s_json_str("cpu", cpu, 0);
    s_json_u64(in, "rabbitmq_count", o->rabbitmq_messages, 0);
    s_json_num(in, "rabbitmq_max_seconds", o->rabbitmq_seconds, 0);
    s_json_u64(in, "encryption", (uint64_t)o->encryption, 0);
    s_json_u64(in, "quick", (uint64_t)o->quick, 1);
    printf("  },\n");
}

static void s_json_details(const bench_result_t *r)
{
    const char *in = "    ";
    printf("  \"details\": {\n");
    s_json_u64(in, "throughput_sent", r->tp_sent, 0);
    s_json_u64(in, "throughput_acked", r->tp_acked, 0);
    s_json_u64(in, "throughput_refused", r->tp_refused, 0);
    s_json_u64(in, "throughput_retried_unavailable", r->tp_retried, 0);
    s_json_u64(in, "throughput_unanswered", r->tp_lost, 0);
    s_json_num(in, "throughput_seconds", r->tp_seconds, 0);
    s_json_num(in, "throughput_ack_p50_ms", r->tp_ack_p50_ms, 0);
    s_json_num(in, "throughput_ack_p99_ms", r->tp_ack_p99_ms, 0);
    s_json_num(in, "throughput_feed_p50_ms", r->tp_feed_p50_ms, 0);
    s_json_num(in, "throughput_feed_p99_ms", r->tp_feed_p99_ms, 0);
    s_json_u64(in, "throughput_feed_missing", r->tp_feed_missing, 0);
    s_json_u64(in, "latency_sent", r->lat_sent, 0);
    s_json_u64(in, "latency_acked", r->lat_acked, 0);
    s_json_u64(in, "latency_refused", r->lat_refused, 0);
    s_json_u64(in, "latency_unanswered", r->lat_lost, 0);
    s_json_u64(in, "latency_feed_missing", r->lat_feed_missing, 0);
    s_json_num(in, "latency_offered_per_s", r->lat_offered_per_s, 0);
    s_json_num(in, "latency_send_lag_p99_ms", r->send_lag_p99_ms, 0);
    s_json_num(in, "latency_writer_batch_p50_ms", r->batch_p50_ms, 0);
    s_json_num(in, "latency_writer_batch_p99_ms", r->batch_p99_ms, 0);
    s_json_num(in, "broker_vmrss_end_mib", r->broker_rss_now_mib, 0);
    s_json_num(in, "broker_rss_anon_end_mib", r->broker_rss_anon_mib, 0);
    s_json_num(in, "broker_rss_anon_peak_mib", r->broker_anon_peak_mib, 0);
    s_json_num(in, "throughput_broker_cpu_cores", r->tp_broker_cores, 0);
    for (int k = 0; k < r->stage_count; k++) {
        char key[40];
        snprintf(key, sizeof key, "throughput_stage_%s_us", r->stage_names[k]);
        s_json_num(in, key, r->stage_us[k], 0);
    }
    s_json_num(in, "throughput_bench_cpu_cores", r->tp_bench_cores, 0);
    s_json_num(in, "latency_broker_cpu_cores", r->lat_broker_cores, 0);
    s_json_num(in, "latency_bench_cpu_cores", r->lat_bench_cores, 0);
    s_json_u64(in, "records", r->records, 0);
    s_json_num(in, "store_used_bytes_per_msg", r->used_bytes_per_msg, 0);
    s_json_u64(in, "proof_hashes", (uint64_t)r->proof_len, 0);
    s_json_num(in, "proof_cold_us", r->proof_cold_us, 0);
    s_json_int(in, "audit_exit_status", r->audit_exit, 0);
    s_json_num(in, "prefill_append_per_s", r->prefill_per_s, 0);
    s_json_num(in, "rebuild_seconds", r->rebuild_seconds, 0);
    s_json_u64(in, "rebuild_records", r->rebuild_records, 0);
    s_json_num(in, "rebuild_per_s", r->rebuild_seconds > 0 ? (double)r->rebuild_records / r->rebuild_seconds : NAN, 0);
    s_json_str("rabbitmq_status", r->rabbitmq_status, 0);
    s_json_u64(in, "rabbitmq_sent", r->rabbitmq_sent, 0);
    s_json_u64(in, "rabbitmq_confirmed", r->rabbitmq_confirmed, 0);
    s_json_u64(in, "rabbitmq_nacked", r->rabbitmq_nacked, 0);
    s_json_u64(in, "rabbitmq_unconfirmed", r->rabbitmq_unconfirmed, 0);
    s_json_num(in, "rabbitmq_seconds", r->rabbitmq_seconds, 0);
    s_json_u64(in, "rabbitmq_in_flight", r->rabbitmq_in_flight, 0);
    s_json_u64(in, "rabbitmq_message_bytes", (uint64_t)r->rabbitmq_message_bytes, 0);
    s_json_num(in, "rabbitmq_confirm_p50_ms", r->rabbitmq_confirm_p50_ms, 0);
    s_json_num(in, "rabbitmq_confirm_p99_ms", r->rabbitmq_confirm_p99_ms, 1);
    printf("  },\n");
}

static double s_max(double a, double b)
{
    return isnan(a) ? b : isnan(b) ? a : a > b ? a : b;
}

static void s_json_ratios(const bench_result_t *r)
{
    const char *in = "    ";
    double verify = s_max(r->verify_sodium, r->verify_openssl);
    printf("  \"ratios\": {\n");
    s_json_num(in, "acked_vs_verify_1core", r->acked_per_s / verify, 0);
    s_json_num(in, "acked_vs_verify_all_cores", r->acked_per_s / r->verify_all, 0);
    s_json_num(in, "acked_vs_redis", r->acked_per_s / r->redis_xadd, 0);
    s_json_num(in, "acked_vs_rabbitmq", r->acked_per_s / r->rabbitmq_confirmed_per_s, 0);
    s_json_num(in, "ack_p99_vs_fsync", r->ack_p99_ms / r->fsync_ms, 0);
    s_json_num(in, "commit_p50_vs_fsync", r->commit_p50_ms / r->fsync_ms, 0);
    s_json_num(in, "ack_p99_vs_fsync_p99", r->ack_p99_ms / r->fsync_p99_ms, 0);
    s_json_num(in, "ack_p99_vs_lmdb_commit_p99", r->ack_p99_ms / r->lmdb_commit_p99_ms, 0);
    s_json_num(in, "feed_p99_minus_ack_p99_ms", r->feed_p99_ms - r->ack_p99_ms, 0);
    s_json_num(in, "audit_vs_verify_1core", r->audit_verify_per_s / verify, 0);
    /* The audit of the main store: with the data key when it is sealed (the default). */
    s_json_num(in, "audit_vs_verify_all_cores", r->audit_verify_per_s / r->verify_all, 0);
    /* What sealing costs (1.0: nothing): sealed over clear, from the same run. */
    s_json_num(in, "encryption_acked_ratio", r->sealed_acked_best_per_s / r->clear_acked_per_s, 0);
    s_json_num(in, "encryption_audit_ratio", r->keyed_audit_best_per_s / r->clear_audit_per_s, 0);
    if (isnan(r->broker_rss_mib))
        printf("    \"rss_target_64mib_ok\": null\n");
    else
        printf("    \"rss_target_64mib_ok\": %s\n", r->broker_rss_mib <= 64.0 ? "true" : "false");
    printf("  }\n");
}

static void s_json(const bench_opts_t *o, const bench_result_t *r, uint64_t lat_count)
{
    const char *in = "  ";
    double verify = s_max(r->verify_sodium, r->verify_openssl);
    printf("{\n");
    s_json_num(in, "acked_per_s", r->acked_per_s, 0);
    s_json_num(in, "ack_p50_ms", r->ack_p50_ms, 0);
    s_json_num(in, "ack_p99_ms", r->ack_p99_ms, 0);
    s_json_num(in, "ack_p999_ms", r->ack_p999_ms, 0);
    s_json_num(in, "feed_p50_ms", r->feed_p50_ms, 0);
    s_json_num(in, "feed_p99_ms", r->feed_p99_ms, 0);
    s_json_num(in, "audit_verify_per_s", r->audit_verify_per_s, 0);
    s_json_num(in, "audit_unkeyed_per_s", r->audit_unkeyed_per_s, 0);
    s_json_num(in, "sealed_acked_best_per_s", r->sealed_acked_best_per_s, 0);
    s_json_num(in, "clear_acked_best_per_s", r->clear_acked_per_s, 0);
    s_json_num(in, "keyed_audit_best_per_s", r->keyed_audit_best_per_s, 0);
    s_json_num(in, "clear_audit_best_per_s", r->clear_audit_per_s, 0);
    s_json_num(in, "broker_rss_mib", r->broker_rss_mib, 0);
    s_json_num(in, "bytes_per_msg", r->bytes_per_msg, 0);
    s_json_num(in, "verify_per_s_1core", verify, 0);
    s_json_num(in, "verify_per_s_1core_libsodium", r->verify_sodium, 0);
    s_json_num(in, "verify_per_s_1core_openssl", r->verify_openssl, 0);
    s_json_num(in, "verify_per_s_all_cores", r->verify_all, 0);
    s_json_num(in, "fsync_ms", r->fsync_ms, 0);
    s_json_num(in, "fsync_p99_ms", r->fsync_p99_ms, 0);
    s_json_num(in, "lmdb_commit_ms", r->lmdb_commit_ms, 0);
    s_json_num(in, "lmdb_commit_p99_ms", r->lmdb_commit_p99_ms, 0);
    s_json_num(in, "commit_p50_ms", r->commit_p50_ms, 0);
    s_json_num(in, "commit_p99_ms", r->commit_p99_ms, 0);
    s_json_num(in, "proof_us", r->proof_us, 0);
    s_json_num(in, "redis_xadd_per_s", r->redis_xadd, 0);
    s_json_num(in, "rabbitmq_confirmed_per_s", r->rabbitmq_confirmed_per_s, 0);
    s_json_conditions(o, r, lat_count);
    s_json_details(r);
    s_json_ratios(r);
    printf("}\n");
    fflush(stdout);
}

/* ---- The run ------------------------------------------------------------------------------- */

static void s_yardsticks(const s_dirs_t *d, bench_result_t *r)
{
    bench_log("yardstick: Ed25519 verify, 1 s per library on one core");
    if (bench_verify_rates(1.0, &r->verify_sodium, &r->verify_openssl) != 0)
        bench_log("warning: a verify yardstick failed");
    r->verify_all = bench_verify_all_cores(1.0);
    r->fsync_ms = bench_fsync_ms(d->store, 1000, &r->fsync_p99_ms);
    /* In the work folder beside the store, so on its filesystem; the store itself stays the broker's. */
    r->lmdb_commit_ms = bench_lmdb_commit_ms(d->work, 1000, &r->lmdb_commit_p99_ms);
    bench_log("yardstick: libsodium %.0f/s, OpenSSL %.0f/s, libsodium on all cores %.0f/s, fsync median %.3f ms "
              "p99 %.3f ms, bare LMDB commit median %.3f ms p99 %.3f ms",
              r->verify_sodium, r->verify_openssl, r->verify_all, r->fsync_ms, r->fsync_p99_ms, r->lmdb_commit_ms,
              r->lmdb_commit_p99_ms);
}

/* LMDB map for the whole run: every record with its indexes and the B-trees' slack. */
static uint64_t s_map_mib(const bench_opts_t *o, const s_dirs_t *d, uint64_t messages)
{
    double per_record = ((double)o->size + 1024.0) * 2.5;
    double bytes = (double)s_file_size(d->store, "data.mdb") + (double)(messages + o->prefill) * per_record;
    uint64_t mib = (uint64_t)(bytes / 1048576.0) + 1;
    return mib < 4096 ? 4096 : mib;
}

typedef struct {
    bench_factory_t *f;   /* the signed-message factory */
    bench_pool_t tp;      /* throughput phase */
    bench_pool_t lat;     /* latency phase */
    bench_pool_t probe;   /* probes */
    uint64_t run_tag;     /* this run's message-id tag */
} s_msgs_t;

static int s_messages(const bench_opts_t *o, const bench_ids_t *ids, s_msgs_t *m)
{
    memset(m, 0, sizeof *m);
    if (getrandom(&m->run_tag, sizeof m->run_tag, 0) != (ssize_t)sizeof m->run_tag)
        return -1;
    if (bench_factory_new(o->size, m->run_tag, ids, &m->f) != 0)
        return -1;
    size_t n_lat = (size_t)(o->rate * o->latency_s);
    bench_log("signing %" PRIu64 " + %zu referrals of %zu bytes", o->count, n_lat, bench_factory_signed_size(m->f));
    if (bench_pool_build(m->f, 0, (size_t)o->count, &m->tp) != 0 ||
        bench_pool_build(m->f, o->count, n_lat, &m->lat) != 0 ||
        bench_pool_build(m->f, o->count + n_lat, S_PROBES, &m->probe) != 0)
        return -1;
    return 0;
}

static void s_messages_free(s_msgs_t *m)
{
    bench_pool_release(&m->tp);
    bench_pool_release(&m->lat);
    bench_pool_release(&m->probe);
    bench_factory_destroy(&m->f);
}

/* relaisd's --data-key: NULL runs it in clear. */
static const char *s_data_key(const bench_opts_t *o)
{
    return o->encryption ? o->data_key : NULL;
}

/* The hub's data key in the work folder: made once, reused with a reused --dir. */
static int s_data_key_setup(bench_opts_t *o, const s_dirs_t *d)
{
    if (!o->encryption)
        return 0;
    if ((size_t)snprintf(o->data_key, sizeof o->data_key, "%s/data.key", d->work) >= sizeof o->data_key)
        return -1;
    if (access(o->data_key, F_OK) == 0)
        return 0;
    int rc = relais_kek_create(o->data_key, 1);
    if (rc != 0)
        bench_log("error: cannot make the data key %s: %s", o->data_key, relais_status_detail());
    return rc;
}

static int s_prefill(const bench_opts_t *o, const s_dirs_t *d, const s_msgs_t *m, uint64_t map_mib,
                     bench_result_t *r)
{
    if (o->prefill == 0)
        return 0;
    bench_log("prefill: %" PRIu64 " records into %s", o->prefill, d->store);
    int64_t t0 = bench_now_ns();
    if (bench_prefill(m->f, d->store, s_data_key(o), map_mib << 20, S_PREFILL_BASE, o->prefill,
                      &r->prefill_per_s) != 0)
        return -1;
    bench_log("prefill: done in %.1f s (appends %.0f records/s)", (double)(bench_now_ns() - t0) / 1e9,
              r->prefill_per_s);
    return 0;
}

/* The verifier count the broker logged at start. */
static int s_broker_verifiers(const bench_broker_t *br)
{
    FILE *f = fopen(br->log_path, "r");
    char line[1024];
    int v = 0;
    while (f && fgets(line, sizeof line, f)) {
        const char *p = strstr(line, "event=listening");
        if (p && (p = strstr(p, "verifiers=")) != NULL)
            v = atoi(p + 10);
    }
    if (f)
        fclose(f);
    return v;
}

typedef struct {
    int64_t t;       /* wall clock, ns */
    double broker;   /* broker CPU seconds */
    double self;     /* this process's CPU seconds */
} s_cpu_mark_t;

static s_cpu_mark_t s_cpu_mark(pid_t broker)
{
    struct rusage ru;
    s_cpu_mark_t m = {bench_now_ns(), bench_proc_cpu_s(broker), NAN};
    if (getrusage(RUSAGE_SELF, &ru) == 0)
        m.self = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
                 (double)ru.ru_stime.tv_usec / 1e6;
    return m;
}

/* Cores used between two marks by the broker and by the bench. */
static void s_cpu_since(const s_cpu_mark_t *a, pid_t broker, double *broker_cores, double *self_cores)
{
    s_cpu_mark_t b = s_cpu_mark(broker);
    double wall = (double)(b.t - a->t) / 1e9;
    *broker_cores = wall > 0 ? (b.broker - a->broker) / wall : NAN;
    *self_cores = wall > 0 ? (b.self - a->self) / wall : NAN;
}

/* Connect, freeze one subscriber, the two phases, then the broker's memory. */
static int s_drive(const bench_opts_t *o, const bench_ids_t *ids, const s_msgs_t *m, const bench_broker_t *br,
                   bench_result_t *r)
{
    bench_load_t *load = NULL;
    if (bench_load_new(o, ids, m->f, br->endpoint, &load) != 0)
        return -1;
    if (bench_rss_watch_start(br->pid) != 0)
        bench_log("warning: no memory sampler thread: broker_rss_anon_peak_mib will be null");
    int rc = bench_load_freeze_one(load, &m->probe, 0);
    if (rc == 0) {
        bench_log("throughput: %d agents, window %d, %zu messages, %d live + 1 frozen subscriber", o->agents,
                  o->window, m->tp.n, o->tp_subscribers);
        s_cpu_mark_t mark = s_cpu_mark(br->pid);
        long stage_mark = bench_broker_log_mark(br);
        rc = bench_load_throughput(load, &m->tp, &m->probe, 1, o->tp_subscribers, r);
        s_cpu_since(&mark, br->pid, &r->tp_broker_cores, &r->tp_bench_cores);
        /* The writer closes its trace when it finds nothing more to do (within 250 ms). */
        nanosleep(&(struct timespec){0, 400000000}, NULL);
        r->stage_count = bench_broker_stages(br, stage_mark, r->stage_names, r->stage_us);
        bench_log("throughput: %" PRIu64 " acked in %.2f s = %.0f/s (refused %" PRIu64 ", unanswered %" PRIu64
                  ", ack p50 %.2f ms p99 %.2f ms)",
                  r->tp_acked, r->tp_seconds, r->acked_per_s, r->tp_refused, r->tp_lost, r->tp_ack_p50_ms,
                  r->tp_ack_p99_ms);
    }
    if (rc == 0 && m->lat.n > 0) {
        bench_log("latency: %.0f msg/s for %.1f s, %d subscribers", o->rate, o->latency_s, o->subscribers);
        s_cpu_mark_t mark = s_cpu_mark(br->pid);
        long log_mark = bench_broker_log_mark(br);
        rc = bench_load_latency(load, &m->lat, &m->probe, 2, o->subscribers, o->rate, r);
        s_cpu_since(&mark, br->pid, &r->lat_broker_cores, &r->lat_bench_cores);
        bench_broker_commit_times(br, log_mark, &r->commit_p50_ms, &r->commit_p99_ms, &r->batch_p50_ms,
                                  &r->batch_p99_ms);
        bench_log("latency: ack p50 %.2f p99 %.2f p99.9 %.2f ms; feed p50 %.2f p99 %.2f ms; broker's synced "
                  "commits p50 %.2f p99 %.2f ms",
                  r->ack_p50_ms, r->ack_p99_ms, r->ack_p999_ms, r->feed_p50_ms, r->feed_p99_ms, r->commit_p50_ms,
                  r->commit_p99_ms);
    }
    r->broker_anon_peak_mib = bench_rss_watch_stop();
    bench_proc_rss(br->pid, &r->broker_rss_mib, &r->broker_rss_now_mib, &r->broker_rss_anon_mib);
    bench_log("broker memory: VmHWM %.1f MiB; VmRSS %.1f MiB of which anonymous %.1f MiB (peak %.1f; the "
              "rest is mostly the store's mapped pages)", r->broker_rss_mib, r->broker_rss_now_mib,
              r->broker_rss_anon_mib, r->broker_anon_peak_mib);
    bench_load_destroy(&load);
    return rc;
}

/* The peers, after the relais phases so that neither shares the machine with the other. */
static void s_peers(const bench_opts_t *o, const s_dirs_t *d, size_t message_bytes, bench_result_t *r)
{
    int redis = o->redis >= 0 ? o->redis : bench_on_path("redis-server") && bench_on_path("redis-benchmark");
    if (redis) {
        bench_log("yardstick: Redis XADD, appendfsync always, 50 clients, %" PRIu64 " requests", o->redis_requests);
        r->redis_xadd = bench_redis_xadd(d->work, o->redis_requests, 50, 1024);
        bench_log("yardstick: Redis %.0f XADD/s", r->redis_xadd);
    }
    /* What the peer is held to, said even when it cannot run: as many unconfirmed messages as
     * the relais agents keep in flight, of the relais messages' size. */
    r->rabbitmq_message_bytes = message_bytes;
    r->rabbitmq_in_flight = (uint64_t)o->agents * (uint64_t)o->window;
    int rabbitmq = o->rabbitmq >= 0 ? o->rabbitmq : bench_rabbitmq_installed();
    if (rabbitmq) {
        /* Failures are logged and leave the figures null: the relais figures still stand. */
        (void)bench_rabbitmq_run(o, d->work, message_bytes, r);
    } else if (o->rabbitmq == 0) {
        r->rabbitmq_status = "skipped (--no-rabbitmq or --no-peers)";
    } else {
        r->rabbitmq_status = "unavailable: rabbitmq-server is not installed";
        bench_log("peer: RabbitMQ unavailable: rabbitmq-server is not installed (scripts/install-deps bench)");
    }
}

static void s_after(const bench_opts_t *o, const bench_ids_t *ids, const s_dirs_t *d, uint64_t seed,
                    size_t message_bytes, bench_result_t *r)
{
    s_store_figures(d->store, seed, r);
    bench_log("store: %" PRIu64 " records, %.0f bytes/record, proof %.1f us (%.1f us on a cold map)", r->records,
              r->bytes_per_msg, r->proof_us, r->proof_cold_us);
    double secs = o->audit ? bench_audit_verify(o->relais, d->store, ids->registry_dir, s_data_key(o), &r->audit_exit)
                           : NAN;
    if (!isnan(secs) && r->audit_exit == 0 && r->records > 0)
        r->audit_verify_per_s = (double)r->records / secs;
    if (r->audit_exit < 0)
        bench_log("audit: not run (%s%s): audit_verify_per_s is null", o->audit ? "no relais at " : "--no-audit",
                  o->audit ? o->relais : "");
    else
        bench_log("audit: verify of %" PRIu64 " records%s in %.2f s (exit %d)", r->records,
                  o->encryption ? " with the data key" : "", secs, r->audit_exit);
    if (o->audit && o->encryption && r->audit_exit == 0) {
        int st = -1;
        secs = bench_audit_verify(o->relais, d->store, ids->registry_dir, NULL, &st);
        if (!isnan(secs) && st == 0 && r->records > 0)
            r->audit_unkeyed_per_s = (double)r->records / secs;
        bench_log("audit: verify of %" PRIu64 " records without the data key (integrity only) in %.2f s (exit %d)",
                  r->records, secs, st);
    }
    s_peers(o, d, message_bytes, r);
}

static void s_result_init(bench_result_t *r)
{
    double *nums[] = {&r->verify_sodium, &r->verify_openssl, &r->verify_all, &r->fsync_ms, &r->redis_xadd,
                      &r->acked_per_s, &r->tp_seconds, &r->tp_ack_p50_ms, &r->tp_ack_p99_ms, &r->tp_feed_p50_ms,
                      &r->tp_feed_p99_ms, &r->tp_broker_cores, &r->tp_bench_cores, &r->ack_p50_ms, &r->ack_p99_ms,
                      &r->ack_p999_ms, &r->feed_p50_ms, &r->feed_p99_ms, &r->lat_offered_per_s,
                      &r->send_lag_p99_ms, &r->lat_broker_cores, &r->lat_bench_cores, &r->broker_rss_mib,
                      &r->broker_rss_now_mib, &r->broker_rss_anon_mib, &r->broker_anon_peak_mib, &r->bytes_per_msg,
                      &r->used_bytes_per_msg, &r->audit_verify_per_s, &r->proof_us, &r->proof_cold_us, &r->prefill_per_s,
                      &r->commit_p50_ms, &r->commit_p99_ms, &r->batch_p50_ms, &r->batch_p99_ms,
                      &r->fsync_p99_ms, &r->audit_unkeyed_per_s, &r->clear_acked_per_s, &r->clear_audit_per_s,
                      &r->sealed_acked_best_per_s, &r->keyed_audit_best_per_s, &r->lmdb_commit_ms,
                      &r->lmdb_commit_p99_ms, &r->rabbitmq_confirmed_per_s, &r->rabbitmq_seconds,
                      &r->rabbitmq_confirm_p50_ms, &r->rabbitmq_confirm_p99_ms};
    memset(r, 0, sizeof *r);
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++)
        *nums[i] = NAN;
    r->audit_exit = -1;
    r->rabbitmq_status = "not run";
}

/* The throughput phase alone against a relaisd of its own on `store_dir` (sealed under
 * `data_key`, or in clear when NULL); *acked_per_s. */
static int s_throughput_only(const bench_opts_t *o, const bench_ids_t *ids, const s_dirs_t *d, const s_msgs_t *m,
                             const char *store_dir, const char *data_key, uint64_t map_mib, double *acked_per_s)
{
    bench_result_t scratch;
    double per_s = NAN;
    s_result_init(&scratch);
    if (mkdir(store_dir, 0700) != 0 && errno != EEXIST)
        return -1;
    if (o->prefill && bench_prefill(m->f, store_dir, data_key, map_mib << 20, S_PREFILL_BASE, o->prefill, &per_s))
        return -1;
    bench_broker_t br;
    int rc = bench_broker_start(o, ids, d->work, store_dir, data_key, map_mib, &br);
    bench_load_t *load = NULL;
    if (rc == 0)
        rc = bench_load_new(o, ids, m->f, br.endpoint, &load);
    if (rc == 0)
        rc = bench_load_freeze_one(load, &m->probe, 0);
    if (rc == 0)
        rc = bench_load_throughput(load, &m->tp, &m->probe, 1, o->tp_subscribers, &scratch);
    bench_load_destroy(&load);
    if (br.pid)
        bench_stop(br.pid, 60000);
    *acked_per_s = scratch.acked_per_s;
    bench_log("%s: %" PRIu64 " acked in %.2f s = %.0f/s", data_key ? "sealed" : "in clear", scratch.tp_acked,
              scratch.tp_seconds, scratch.acked_per_s);
    return rc;
}

/* Records/s of `relais audit verify` over `store_dir` (with the data key when not NULL). */
static double s_audit_rate(const bench_opts_t *o, const bench_ids_t *ids, const char *store_dir, const char *data_key)
{
    int st = -1;
    uint64_t records = s_store_head(store_dir);
    double secs = bench_audit_verify(o->relais, store_dir, ids->registry_dir, data_key, &st);
    bench_log("audit %s: %" PRIu64 " records in %.2f s (exit %d)", data_key ? "with the data key" : "in clear",
              records, secs, st);
    return !isnan(secs) && st == 0 && records > 0 ? (double)records / secs : NAN;
}

static double s_best(double a, double b)
{
    return isnan(a) ? b : isnan(b) ? a : a > b ? a : b;
}

/* What sealing costs, on this shared machine whose speed drifts from minute to minute: the
 * throughput phase in clear (relaisd --no-encryption), sealed again, and in clear again, each
 * on a store of its own prefilled alike, and the audit with the data key and in clear in
 * turn, twice; each ratio is of the best of each kind. */
static int s_cost_runs(const bench_opts_t *o, const bench_ids_t *ids, const s_dirs_t *d, const s_msgs_t *m,
                       uint64_t map_mib, bench_result_t *r)
{
    char sealed2[BENCH_PATH_MAX], clear2[BENCH_PATH_MAX];
    if ((size_t)snprintf(sealed2, sizeof sealed2, "%s/store-sealed-2", d->work) >= sizeof sealed2 ||
        (size_t)snprintf(clear2, sizeof clear2, "%s/store-clear-2", d->work) >= sizeof clear2)
        return -1;
    bench_log("what sealing costs: the throughput phase in clear, sealed, in clear again (relaisd --no-encryption)");
    double clear_a = NAN, sealed_b = NAN, clear_b = NAN;
    int rc = s_throughput_only(o, ids, d, m, d->store_clear, NULL, map_mib, &clear_a);
    if (rc == 0)
        rc = s_throughput_only(o, ids, d, m, sealed2, o->data_key, map_mib, &sealed_b);
    if (rc == 0)
        rc = s_throughput_only(o, ids, d, m, clear2, NULL, map_mib, &clear_b);
    if (rc != 0)
        return rc;
    r->clear_acked_per_s = s_best(clear_a, clear_b);
    r->sealed_acked_best_per_s = s_best(r->acked_per_s, sealed_b);
    r->clear_records = s_store_head(d->store_clear);
    if (o->audit && r->audit_exit == 0) {
        double clear_audit = s_audit_rate(o, ids, d->store_clear, NULL);
        double keyed_again = s_audit_rate(o, ids, d->store, o->data_key);
        double clear_again = s_audit_rate(o, ids, d->store_clear, NULL);
        r->clear_audit_per_s = s_best(clear_audit, clear_again);
        r->keyed_audit_best_per_s = s_best(r->audit_verify_per_s, keyed_again);
    }
    return 0;
}

/* --rebuild: the derived indexes go, as a lost index folder would; the broker makes them again. */
static int s_drop_indexes(const char *store)
{
    static const char *const files[] = {"index/data.mdb", "index/lock.mdb"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[BENCH_PATH_MAX];
        if ((size_t)snprintf(path, sizeof path, "%s/%s", store, files[i]) >= sizeof path ||
            (unlink(path) != 0 && errno != ENOENT)) {
            bench_log("error: --rebuild: cannot remove %s", path);
            return -1;
        }
    }
    return 0;
}

/* Everything between the folders and the report; 0 when the figures are worth printing. */
static int s_run(const bench_opts_t *o, const s_dirs_t *d, bench_result_t *r, uint64_t *lat_count)
{
    bench_ids_t ids;
    s_msgs_t m;
    memset(&m, 0, sizeof m);
    s_yardsticks(d, r);
    int rc = bench_ids_setup(d->work, o->agents, &ids);
    if (rc == 0)
        rc = s_messages(o, &ids, &m);
    *lat_count = m.lat.n;
    uint64_t map_mib = s_map_mib(o, d, o->count + m.lat.n + 10000);
    if (rc == 0)
        rc = s_prefill(o, d, &m, map_mib, r);
    bench_broker_t br;
    memset(&br, 0, sizeof br);
    if (rc == 0 && o->rebuild)
        rc = s_drop_indexes(d->store);
    if (rc == 0) {
        r->records_at_start = s_store_head(d->store);
        rc = bench_broker_start(o, &ids, d->work, d->store, s_data_key(o), map_mib, &br);
    }
    r->rebuild_seconds = NAN;
    if (rc == 0 && o->rebuild) {
        if (bench_broker_rebuild(&br, &r->rebuild_records, &r->rebuild_seconds) != 0)
            bench_log("warning: --rebuild: relaisd logged no rebuild of its indexes");
        else
            bench_log("rebuild: %" PRIu64 " records in %.1f s at start", r->rebuild_records, r->rebuild_seconds);
    }
    if (rc == 0) {
        r->verifiers_used = s_broker_verifiers(&br);
        bench_log("relaisd pid %d on %s (%d verifiers, store of %" PRIu64 " records)", (int)br.pid, br.endpoint,
                  r->verifiers_used, r->records_at_start);
        rc = s_drive(o, &ids, &m, &br, r);
        int st = bench_stop(br.pid, 60000);
        bench_log("relaisd stopped (exit %d)", st);
    }
    if (rc == 0)
        s_after(o, &ids, d, m.run_tag, bench_factory_signed_size(m.f), r);
    if (rc == 0 && o->encryption && o->sealing_cost)
        rc = s_cost_runs(o, &ids, d, &m, map_mib, r);
    s_messages_free(&m);
    bench_ids_release(&ids);
    return rc;
}

int main(int argc, char **argv)
{
    bench_opts_t o;
    s_defaults(&o);
    int rc = s_parse(argc, argv, &o);
    if (rc != 0)
        return rc == 1 ? 0 : 2;
    bench_children_install();
    s_dirs_t d;
    if (s_dirs(&o, &d) != 0) {
        fprintf(stderr, "relais-bench: cannot create the work folder: %s\n", strerror(errno));
        return 1;
    }
    if (s_data_key_setup(&o, &d) != 0)
        return 1;
    if (o.matcher_mode) {
        /* The search alone, in this process: no broker, no report but its own lines. */
        bench_log("work folder %s; --matcher %" PRIu64 ", %" PRIu64 " referrals", d.work, o.matcher,
                  o.matcher_referrals);
        rc = bench_matcher_run(&o, d.work);
        if (rc == 0 && ferror(stdout)) {
            bench_log("error: cannot write the figures on stdout");
            rc = -1;
        }
        s_dirs_cleanup(&o, &d, rc != 0);
        return rc == 0 ? 0 : 1;
    }
    bench_log("work folder %s; relaisd %s", d.work, o.relaisd);
    bench_result_t r;
    s_result_init(&r);
    uint64_t lat_count = 0;
    rc = s_run(&o, &d, &r, &lat_count);
    if (rc == 0)
        s_json(&o, &r, lat_count);
    else
        bench_log("error: the run failed; no report (work folder %s)", d.work);
    if (rc == 0 && ferror(stdout)) {
        bench_log("error: cannot write the report on stdout");
        rc = -1;
    }
    s_dirs_cleanup(&o, &d, rc != 0);
    return rc == 0 ? 0 : 1;
}
