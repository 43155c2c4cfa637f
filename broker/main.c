/* main.c -- relaisd: command line, signals, start and stop of the broker. */
#include "relais_broker.h"
#include "relais_cases.h"
#include "relais_proto.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static relais_broker_t *s_broker; /* the one broker, for the signal handlers */
static const char **s_witnesses;  /* the --witness values, for the process's life */

static void s_usage(FILE *out)
{
    fprintf(out,
            "usage: relaisd --endpoint ENDPOINT --store DIR --certs DIR --key FILE [options]\n"
            "\n"
            "The relais hub's broker: CURVE endpoint, signature checks, case rules, durable log, feed.\n"
            "\n"
            "required:\n"
            "  --endpoint E              ZeroMQ endpoint to bind, e.g. tcp://127.0.0.1:7100\n"
            "  --store DIR               store directory (created if missing)\n"
            "  --certs DIR               trust registry: a folder of public .cert files (reloaded on SIGHUP)\n"
            "  --key FILE                the broker's NAME.cert_secret (NAME.sign.key beside it)\n"
            "options:\n"
            "  --verifiers N             verifier threads (default: online cores)\n"
            "  --checkpoint-every N      sign a checkpoint every N records (default 1000)\n"
            "  --checkpoint-interval S   ... or S seconds after the log grew (default 10); one at clean stop\n"
            "  --origin TEXT             checkpoint origin line (default relais/<broker name>)\n"
            "  --witness URL,CERT        send each new checkpoint to this witness (C2SP tlog-witness; URL\n"
            "                            its add-checkpoint address, CERT its certificate, role witness)\n"
            "                            and serve its cosignature with the checkpoint; repeatable. A\n"
            "                            witness down or refusing is logged and retried; intake never waits\n"
            "  --max-message BYTES       largest request accepted (default 65536)\n"
            "  --max-age SECONDS         oldest created_ms accepted (default 2592000, 30 days:\n"
            "                            spooled messages arrive late after an outage)\n"
            "  --max-skew SECONDS        how far in the future created_ms may be (default 300)\n"
            "  --map-size MIB            LMDB map size (default: the store's, 4096)\n"
            "  --batch-max N             largest group commit (default 512)\n"
            "  --triage-hours U,P,R      triage targets in hours: urgent, priority, routine (default 4,24,72;\n"
            "                            urgent counts working hours, the others clock hours)\n"
            "  --working-hours HH:MM-HH:MM  the working day, Monday to Friday, in the local time zone (the TZ\n"
            "                            environment variable; default 09:00-18:00). Deadlines are derived\n"
            "                            when a case is read.\n"
            "  --holidays fr|none        public holidays that are not working days: France's eleven\n"
            "                            (default) or none\n"
            "  --max-subscribers N       live feeds served at once (default 1024)\n"
            "  --queue-hwm N             high-water mark of the internal queues (default 10000)\n"
            "  --store-reserve KIB       free store space kept for the hub's own access records and\n"
            "                            checkpoints: below it messages get STORE_FULL while reads (which\n"
            "                            are logged) and checkpoints go on (default 2%% of the map, at\n"
            "                            least 1024, at most half the map)\n"
            "  --data-key FILE           the hub's data key (required; make it with relais datakey new, keep\n"
            "                            it outside the store folder): every record about a child and the\n"
            "                            case index are stored sealed under keys it wraps\n"
            "  --no-encryption           no data key: the store keeps everything in clear. For benchmarks\n"
            "                            that measure what sealing costs, never for children's data\n"
            "  --handshake-timeout MS    a connection that has not completed its CURVE handshake by then\n"
            "                            is closed (default 5000): connections held idle by someone\n"
            "                            without a key cannot hold the hub's descriptors for long\n"
            "  --active-days N           retention: a case leaves the active base N days after its last\n"
            "                            event (default 730: two years after the last contact)\n"
            "  --archive-days N          then stays N days in the intermediate archive, sealed to the data\n"
            "                            protection officer, before it is erased (default 1826)\n"
            "  --reception-active-days N an entry of the reception's register leaves the active base N days\n"
            "                            after its last event (default 365: its follow-up, its due date\n"
            "                            and the two months of an appeal, docs/reception.md)\n"
            "  --reception-archive-days N then stays N days in the intermediate archive (default 1826)\n"
            "  --lost-active-days N      an item of the lost and found leaves the active base N days after\n"
            "                            its last event or the end of its keeping (default 365)\n"
            "  --lost-archive-days N     then stays N days in the intermediate archive (default 1096: the\n"
            "                            three years an owner may claim a lost thing back)\n"
            "  --backup-days N           a retired data key generation (kept for restoring backups) is\n"
            "                            destroyed N days after the rotation that retired it (default 30)\n"
            "  --retired-keys DIR        where retired generations go (default: retired/ beside --data-key)\n"
            "  --sweep-interval S        the retention sweep runs at start, then every S seconds (86400)\n"
            "  --sweep-clock FILE        tests only: the sweep's time, read from FILE (ms since the epoch)\n"
            "  --index-settle MS         idle this long after a commit, the hub syncs its derived indexes\n"
            "                            and marks them clean, so that a crash costs no rebuild (1000)\n"
            "  --child-ages MIN-MAX      a referral's child is MIN to MAX years old (0-18: the programme's)\n"
            "  --consent-days N          a consent or parental request older than N days is refused (730;\n"
            "                            0: no limit)\n"
            "  --reference-days N        a partner's reference (external_ref) names a new referral only\n"
            "                            once its first one's case is closed and N days old (400)\n"
            "  --review-days N           a review date, an action's start or a meeting at most N days from\n"
            "                            today; at the reception desk, a solicitation at most N days old and\n"
            "                            its due and acknowledgement dates within N days (730)\n"
            "  --brake-bad-signatures N  an identity whose messages fail their signature N times in a\n"
            "                            burst (16; more than 1.6 a second sustained) has its submissions\n"
            "                            refused unverified until the burst has drained; 0: never\n"
            "  --metrics 127.0.0.1:PORT  serve GET /metrics there, in the Prometheus text format (counters of\n"
            "                            acks and refusals, commit times, feeds, store, checkpoint, registry,\n"
            "                            connections, memory; no personal data); 127.0.0.1 or localhost only,\n"
            "                            PORT 0 any free one (the log's event=metrics says which). Default: none\n"
            "  --help                    this text\n"
            "\n"
            "Signals: SIGTERM/SIGINT stop (in-flight batch committed, final checkpoint, exit 0);\n"
            "SIGHUP reloads the registry (the old one stays if the new one fails to load).\n"
            "Log: one key=value line per event on stderr. Exit: 0 clean stop, 2 usage or start-up failure.\n");
}

static int s_parse_u64(const char *text, uint64_t min, uint64_t max, uint64_t *out)
{
    char *end = NULL;
    errno = 0;
    if (!text || text[0] == '-' || text[0] == '\0')
        return -1;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

/* "4,24,72", through the case rules' own parser so that the hub and the desk read it alike. */
static int s_parse_triage(const char *text, unsigned hours[3])
{
    relais_cases_policy_t policy;
    relais_cases_policy_default(&policy);
    if (relais_cases_policy_triage(&policy, text) != 0)
        return -1;
    memcpy(hours, policy.hours, sizeof policy.hours);
    return 0;
}

/* "09:00-18:00", through the case rules' own parser so that both read it alike. */
static int s_parse_work_hours(const char *text, unsigned minutes[2])
{
    relais_cases_policy_t policy;
    relais_cases_policy_default(&policy);
    if (relais_cases_policy_hours(&policy, text) != 0)
        return -1;
    minutes[0] = policy.work_start_min;
    minutes[1] = policy.work_end_min;
    return 0;
}

/* "fr" or "none", likewise. */
static int s_parse_holidays(const char *text, int *holidays)
{
    relais_cases_policy_t policy;
    relais_cases_policy_default(&policy);
    if (relais_cases_policy_holidays(&policy, text) != 0)
        return -1;
    *holidays = (int)policy.holidays;
    return 0;
}

enum {
    S_OPT_ENDPOINT = 256,
    S_OPT_STORE,
    S_OPT_CERTS,
    S_OPT_KEY,
    S_OPT_VERIFIERS,
    S_OPT_CP_EVERY,
    S_OPT_CP_INTERVAL,
    S_OPT_ORIGIN,
    S_OPT_WITNESS,
    S_OPT_MAX_MESSAGE,
    S_OPT_MAX_AGE,
    S_OPT_MAX_SKEW,
    S_OPT_MAP_SIZE,
    S_OPT_BATCH_MAX,
    S_OPT_TRIAGE,
    S_OPT_WORK_HOURS,
    S_OPT_HOLIDAYS,
    S_OPT_MAX_SUBS,
    S_OPT_QUEUE_HWM,
    S_OPT_STORE_RESERVE,
    S_OPT_BRAKE,
    S_OPT_HANDSHAKE,
    S_OPT_DATA_KEY,
    S_OPT_NO_ENCRYPTION,
    S_OPT_ACTIVE_DAYS,
    S_OPT_ARCHIVE_DAYS, S_OPT_RECEPTION_ACTIVE_DAYS, S_OPT_RECEPTION_ARCHIVE_DAYS, S_OPT_LOST_ACTIVE_DAYS,
    S_OPT_LOST_ARCHIVE_DAYS,
    S_OPT_BACKUP_DAYS,
    S_OPT_RETIRED_KEYS,
    S_OPT_SWEEP_INTERVAL,
    S_OPT_INDEX_SETTLE,
    S_OPT_SWEEP_CLOCK,
    S_OPT_CHILD_AGES,
    S_OPT_CONSENT_DAYS,
    S_OPT_REVIEW_DAYS,
    S_OPT_REFERENCE_DAYS,
    S_OPT_METRICS,
    S_OPT_HELP,
};

static const struct option s_options[] = {
    {"endpoint", required_argument, NULL, S_OPT_ENDPOINT},
    {"store", required_argument, NULL, S_OPT_STORE},
    {"certs", required_argument, NULL, S_OPT_CERTS},
    {"key", required_argument, NULL, S_OPT_KEY},
    {"verifiers", required_argument, NULL, S_OPT_VERIFIERS},
    {"checkpoint-every", required_argument, NULL, S_OPT_CP_EVERY},
    {"checkpoint-interval", required_argument, NULL, S_OPT_CP_INTERVAL},
    {"origin", required_argument, NULL, S_OPT_ORIGIN},
    {"witness", required_argument, NULL, S_OPT_WITNESS},
    {"max-message", required_argument, NULL, S_OPT_MAX_MESSAGE},
    {"max-age", required_argument, NULL, S_OPT_MAX_AGE},
    {"max-skew", required_argument, NULL, S_OPT_MAX_SKEW},
    {"map-size", required_argument, NULL, S_OPT_MAP_SIZE},
    {"batch-max", required_argument, NULL, S_OPT_BATCH_MAX},
    {"triage-hours", required_argument, NULL, S_OPT_TRIAGE},
    {"working-hours", required_argument, NULL, S_OPT_WORK_HOURS},
    {"holidays", required_argument, NULL, S_OPT_HOLIDAYS},
    {"max-subscribers", required_argument, NULL, S_OPT_MAX_SUBS},
    {"queue-hwm", required_argument, NULL, S_OPT_QUEUE_HWM},
    {"store-reserve", required_argument, NULL, S_OPT_STORE_RESERVE},
    {"brake-bad-signatures", required_argument, NULL, S_OPT_BRAKE},
    {"handshake-timeout", required_argument, NULL, S_OPT_HANDSHAKE},
    {"data-key", required_argument, NULL, S_OPT_DATA_KEY},
    {"no-encryption", no_argument, NULL, S_OPT_NO_ENCRYPTION},
    {"active-days", required_argument, NULL, S_OPT_ACTIVE_DAYS},
    {"archive-days", required_argument, NULL, S_OPT_ARCHIVE_DAYS},
    {"reception-active-days", required_argument, NULL, S_OPT_RECEPTION_ACTIVE_DAYS},
    {"reception-archive-days", required_argument, NULL, S_OPT_RECEPTION_ARCHIVE_DAYS},
    {"lost-active-days", required_argument, NULL, S_OPT_LOST_ACTIVE_DAYS},
    {"lost-archive-days", required_argument, NULL, S_OPT_LOST_ARCHIVE_DAYS},
    {"backup-days", required_argument, NULL, S_OPT_BACKUP_DAYS},
    {"retired-keys", required_argument, NULL, S_OPT_RETIRED_KEYS},
    {"sweep-interval", required_argument, NULL, S_OPT_SWEEP_INTERVAL},
    {"index-settle", required_argument, NULL, S_OPT_INDEX_SETTLE},
    {"sweep-clock", required_argument, NULL, S_OPT_SWEEP_CLOCK},
    {"child-ages", required_argument, NULL, S_OPT_CHILD_AGES},
    {"consent-days", required_argument, NULL, S_OPT_CONSENT_DAYS},
    {"review-days", required_argument, NULL, S_OPT_REVIEW_DAYS},
    {"reference-days", required_argument, NULL, S_OPT_REFERENCE_DAYS},
    {"metrics", required_argument, NULL, S_OPT_METRICS},
    {"help", no_argument, NULL, S_OPT_HELP},
    {NULL, 0, NULL, 0},
};

static const char *s_option_name(int opt)
{
    for (const struct option *o = s_options; o->name; o++)
        if (o->val == opt)
            return o->name;
    return "?";
}

/* Applies one numeric option; -1 when its value is out of range. */
static int s_numeric(int opt, const char *arg, relais_broker_options_t *o)
{
    uint64_t v = 0;
    switch (opt) {
    case S_OPT_VERIFIERS:
        return s_parse_u64(arg, 1, 256, &v) ? -1 : (o->verifiers = (int)v, 0);
    case S_OPT_CP_EVERY:
        return s_parse_u64(arg, 1, UINT32_MAX, &v) ? -1 : (o->checkpoint_every = v, 0);
    case S_OPT_CP_INTERVAL:
        return s_parse_u64(arg, 1, 86400, &v) ? -1 : (o->checkpoint_interval_s = (int)v, 0);
    case S_OPT_MAX_MESSAGE:
        return s_parse_u64(arg, 1024, 64u << 20, &v) ? -1 : (o->max_message = (size_t)v, 0);
    case S_OPT_MAX_AGE:
        return s_parse_u64(arg, 1, 10ull * 365 * 86400, &v) ? -1 : (o->max_age_s = (int64_t)v, 0);
    case S_OPT_MAX_SKEW:
        return s_parse_u64(arg, 0, 86400, &v) ? -1 : (o->max_skew_s = (int64_t)v, 0);
    case S_OPT_MAP_SIZE:
        return s_parse_u64(arg, 1, 1u << 24, &v) ? -1 : (o->map_size_mib = v, 0);
    case S_OPT_BATCH_MAX:
        return s_parse_u64(arg, 1, 100000, &v) ? -1 : (o->batch_max = (size_t)v, 0);
    case S_OPT_MAX_SUBS:
        return s_parse_u64(arg, 1, 100000, &v) ? -1 : (o->max_subscribers = (size_t)v, 0);
    case S_OPT_QUEUE_HWM:
        return s_parse_u64(arg, 1, 1000000, &v) ? -1 : (o->queue_hwm = (int)v, 0);
    case S_OPT_STORE_RESERVE:
        return s_parse_u64(arg, 0, 1ull << 34, &v) ? -1 : (o->store_reserve_kib = v, 0);
    case S_OPT_HANDSHAKE:
        return s_parse_u64(arg, 100, 600000, &v) ? -1 : (o->handshake_timeout_ms = (int)v, 0);
    case S_OPT_BRAKE:
        return s_parse_u64(arg, 0, 1000000, &v) ? -1 : (o->brake_bad_signatures = (unsigned)v, 0);
    case S_OPT_ACTIVE_DAYS:
        return s_parse_u64(arg, 1, 36500, &v) ? -1 : (o->active_days = (unsigned)v, 0);
    case S_OPT_ARCHIVE_DAYS:
        return s_parse_u64(arg, 1, 36500, &v) ? -1 : (o->archive_days = (unsigned)v, 0);
    case S_OPT_RECEPTION_ACTIVE_DAYS:
        return s_parse_u64(arg, 1, 36500, &v) ? -1 : (o->reception_active_days = (unsigned)v, 0);
    case S_OPT_RECEPTION_ARCHIVE_DAYS:
        return s_parse_u64(arg, 1, 36500, &v) ? -1 : (o->reception_archive_days = (unsigned)v, 0);
    case S_OPT_LOST_ACTIVE_DAYS:
        return s_parse_u64(arg, 1, 36500, &v) ? -1 : (o->lost_active_days = (unsigned)v, 0);
    case S_OPT_LOST_ARCHIVE_DAYS:
        return s_parse_u64(arg, 1, 36500, &v) ? -1 : (o->lost_archive_days = (unsigned)v, 0);
    case S_OPT_BACKUP_DAYS:
        return s_parse_u64(arg, 0, 3650, &v) ? -1 : (o->backup_days = (unsigned)v, 0);
    case S_OPT_SWEEP_INTERVAL:
        return s_parse_u64(arg, 1, 7 * 86400, &v) ? -1 : (o->sweep_interval_s = (unsigned)v, 0);
    case S_OPT_INDEX_SETTLE:
        return s_parse_u64(arg, 1, 3600000, &v) ? -1 : (o->index_settle_ms = (unsigned)v, 0);
    case S_OPT_CONSENT_DAYS:
        return s_parse_u64(arg, 0, 36500, &v) ? -1 : (o->limits.consent_max_age_days = (int)v, 0);
    case S_OPT_REVIEW_DAYS:
        return s_parse_u64(arg, 1, 36500, &v) ? -1 : (o->limits.review_max_days = (int)v, 0);
    case S_OPT_REFERENCE_DAYS:
        return s_parse_u64(arg, 0, 36500, &v) ? -1 : (o->reference_days = (unsigned)v, 0);
    case S_OPT_CHILD_AGES: {
        unsigned lo = 0, hi = 0;
        int n = 0;
        if (sscanf(arg, "%3u-%3u%n", &lo, &hi, &n) != 2 || arg[n] != '\0' || lo > hi || hi > 120)
            return -1;
        o->limits.child_age_min = (int)lo;
        o->limits.child_age_max = (int)hi;
        return 0;
    }
    case S_OPT_TRIAGE:
        return s_parse_triage(arg, o->triage_hours);
    case S_OPT_WORK_HOURS:
        return s_parse_work_hours(arg, o->work_hours);
    case S_OPT_HOLIDAYS:
        return s_parse_holidays(arg, &o->holidays);
    default:
        return -1;
    }
}

/* Returns 0 to run, 1 after --help, 2 on a usage error (already reported). */
static int s_parse(int argc, char **argv, relais_broker_options_t *o)
{
    int opt, no_encryption = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "", s_options, NULL)) != -1) {
        switch (opt) {
        case S_OPT_ENDPOINT: o->endpoint = optarg; break;
        case S_OPT_STORE: o->store_dir = optarg; break;
        case S_OPT_CERTS: o->certs_dir = optarg; break;
        case S_OPT_KEY: o->key_path = optarg; break;
        case S_OPT_ORIGIN: o->origin = optarg; break;
        case S_OPT_WITNESS:
            if (!s_witnesses && !(s_witnesses = calloc((size_t)argc, sizeof *s_witnesses))) {
                fprintf(stderr, "relaisd: out of memory\n");
                return 2;
            }
            s_witnesses[o->witness_count++] = optarg;
            o->witnesses = s_witnesses;
            break;
        case S_OPT_DATA_KEY: o->data_key_path = optarg; break;
        case S_OPT_RETIRED_KEYS: o->retired_keys_dir = optarg; break;
        case S_OPT_SWEEP_CLOCK: o->sweep_clock_path = optarg; break;
        case S_OPT_METRICS: o->metrics_listen = optarg; break;
        case S_OPT_NO_ENCRYPTION: no_encryption = 1; break;
        case S_OPT_HELP: s_usage(stdout); return 1;
        case '?':
            fprintf(stderr, "relaisd: unknown option or missing value: %s (see --help)\n", argv[optind - 1]);
            return 2;
        default:
            if (s_numeric(opt, optarg, o) != 0) {
                fprintf(stderr, "relaisd: bad value for --%s: %s (see --help)\n", s_option_name(opt), optarg);
                return 2;
            }
        }
    }
    if (optind < argc) {
        fprintf(stderr, "relaisd: unexpected argument: %s (see --help)\n", argv[optind]);
        return 2;
    }
    if (!o->endpoint || !o->store_dir || !o->certs_dir || !o->key_path) {
        fprintf(stderr, "relaisd: --endpoint, --store, --certs and --key are required (see --help)\n");
        return 2;
    }
    if (!o->data_key_path == !no_encryption) {
        fprintf(stderr, "relaisd: %s\n", no_encryption ? "--data-key and --no-encryption exclude each other"
                                                       : "--data-key FILE is required: the store keeps children's "
                                                         "data sealed under it (make one with: relais datakey new "
                                                         "--out FILE)");
        return 2;
    }
    return 0;
}

static void s_on_stop(int sig)
{
    (void)sig;
    relais_broker_stop(s_broker);
}

static void s_on_hup(int sig)
{
    (void)sig;
    relais_broker_reload(s_broker);
}

static void s_install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sa.sa_handler = s_on_stop;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = s_on_hup;
    sigaction(SIGHUP, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
}

int main(int argc, char **argv)
{
    relais_broker_options_t opts;
    relais_broker_options_default(&opts);
    int rc = s_parse(argc, argv, &opts);
    if (rc != 0)
        return rc == 1 ? 0 : 2;
    relais_status_clear();
    rc = relais_broker_new(&opts, &s_broker);
    if (rc != 0) {
        const char *detail = relais_status_detail();
        fprintf(stderr, "relaisd: %s\n", detail && detail[0] ? detail : relais_strerror(rc));
        free(s_witnesses);
        return 2;
    }
    s_install_signals();
    rc = relais_broker_run(s_broker);
    if (rc != 0) {
        const char *detail = relais_status_detail();
        fprintf(stderr, "relaisd: %s\n", detail && detail[0] ? detail : relais_strerror(rc));
    }
    relais_broker_t *b = s_broker;
    s_broker = NULL;
    relais_broker_destroy(&b);
    free(s_witnesses);
    return rc == 0 ? 0 : 2;
}
