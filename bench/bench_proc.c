/* bench_proc.c -- relais-bench's child processes: relaisd, Redis and its benchmark, relais audit verify. */
#define _GNU_SOURCE /* execvpe */
#include "bench.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#define S_MAX_CHILDREN 8
#define S_BROKER_START_MS 60000  /* relaisd must log event=listening within this ... */
#define S_BROKER_REBUILD_MS 3600000 /* ... or this, while it says it rebuilds its indexes */
#define S_BROKER_TRIES 3         /* fresh ports tried when the port was taken meanwhile */
#define S_REDIS_START_MS 10000   /* redis-server must accept connections within this */
#define S_REDIS_BENCH_MS 300000  /* redis-benchmark must finish within this */
#define S_AUDIT_MS 1800000       /* relais audit verify must finish within this */

/* Children to kill on any exit path; read by the signal handler, so plain words. A group
 * leader's whole group goes with it: a launcher script's server is the script's child. */
static volatile pid_t s_children[S_MAX_CHILDREN];
static volatile sig_atomic_t s_child_group[S_MAX_CHILDREN];

static void s_kill_children(void)
{
    for (int i = 0; i < S_MAX_CHILDREN; i++) {
        pid_t pid = s_children[i];
        if (pid > 0 && s_child_group[i])
            kill(-pid, SIGKILL);
        if (pid > 0)
            kill(pid, SIGKILL);
    }
}

static void s_on_signal(int sig)
{
    s_kill_children();
    signal(sig, SIG_DFL);
    raise(sig);
}

void bench_children_install(void)
{
    atexit(s_kill_children);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = s_on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
}

static void s_track(pid_t pid, pid_t replace, int group)
{
    for (int i = 0; i < S_MAX_CHILDREN; i++) {
        if (s_children[i] == replace) {
            /* Cleared before the pid goes in: the handler must never see a stale group flag. */
            s_child_group[i] = 0;
            s_children[i] = pid;
            s_child_group[i] = pid > 0 && group;
            return;
        }
    }
}

/* In the child: output to the log, no inherited descriptors, die with the bench. Only
 * async-signal-safe calls: the bench has threads when it forks. */
static void s_child_exec(char *const argv[], char *const envp[], const char *cwd, const char *log_path,
                         int own_group)
{
    int in = open("/dev/null", O_RDONLY);
    int out = open(log_path ? log_path : "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
        _exit(127);
    for (int fd = 3; fd < 4096; fd++)
        close(fd);
    if ((cwd && chdir(cwd) != 0) || (own_group && setpgid(0, 0) != 0))
        _exit(127);
    /* If the bench is killed outright, its children must not outlive it. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() == 1)
        _exit(127);
    if (envp)
        execvpe(argv[0], argv, envp);
    else
        execvp(argv[0], argv);
    _exit(127);
}

pid_t bench_spawn_in(char *const argv[], char *const envp[], const char *cwd, const char *log_path, int own_group)
{
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        bench_log("error: fork: %s", strerror(errno));
        return 0;
    }
    if (pid == 0)
        s_child_exec(argv, envp, cwd, log_path, own_group);
    /* Set here too: a kill of the group must not miss it while the child has yet to run. */
    if (own_group)
        setpgid(pid, pid);
    s_track(pid, 0, own_group);
    return pid;
}

pid_t bench_spawn(char *const argv[], const char *log_path)
{
    return bench_spawn_in(argv, NULL, NULL, log_path, 0);
}

static int s_status(int st)
{
    return WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 255;
}

int bench_wait(pid_t pid, int timeout_ms)
{
    for (int waited = 0;; waited += 10) {
        int st = 0;
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid || (r < 0 && errno == ECHILD)) {
            s_track(0, pid, 0);
            return r == pid ? s_status(st) : 255;
        }
        if (waited >= timeout_ms)
            return -1;
        nanosleep(&(struct timespec){0, 10000000}, NULL);
    }
}

int bench_stop(pid_t pid, int timeout_ms)
{
    if (pid <= 0)
        return -1;
    kill(pid, SIGTERM);
    int st = bench_wait(pid, timeout_ms);
    if (st >= 0)
        return st;
    bench_log("warning: pid %d did not stop within %d ms: SIGKILL", (int)pid, timeout_ms);
    kill(pid, SIGKILL);
    return bench_wait(pid, 5000);
}

/* Waits up to timeout_ms for the child to exit without reaping it: 1 when it has exited, 0
 * when it still runs, -1 when it is no child of ours (reaped already). */
static int s_exited_unreaped(pid_t pid, int timeout_ms)
{
    for (int waited = 0;; waited += 10) {
        siginfo_t info;
        memset(&info, 0, sizeof info);
        if (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) != 0)
            return errno == EINTR ? 0 : -1;
        if (info.si_pid == pid)
            return 1;
        if (waited >= timeout_ms)
            return 0;
        nanosleep(&(struct timespec){0, 10000000}, NULL);
    }
}

int bench_stop_group(pid_t leader, int timeout_ms)
{
    if (leader <= 0)
        return -1;
    int exited = s_exited_unreaped(leader, 0);
    if (exited < 0)
        return bench_wait(leader, 0); /* its id may be another process's by now: no signal to it */
    if (!exited) {
        kill(leader, SIGTERM);
        exited = s_exited_unreaped(leader, timeout_ms);
    }
    if (!exited)
        bench_log("warning: pid %d did not stop within %d ms: SIGKILL to its group", (int)leader, timeout_ms);
    /* The leader unreaped still holds its group id, so this reaches only its own group. */
    kill(-leader, SIGKILL);
    return bench_wait(leader, 5000);
}

/* ---- relaisd -------------------------------------------------------------------------------- */

/* Reads up to cap-1 bytes of a file into buf; 0 or -1. */
static int s_read_file(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, cap - 1);
    close(fd);
    buf[n > 0 ? n : 0] = '\0';
    return n < 0 ? -1 : 0;
}

void bench_show_tail(const char *path)
{
    static char buf[1 << 16];
    if (s_read_file(path, buf, sizeof buf) != 0)
        return;
    size_t n = strlen(buf);
    fprintf(stderr, "---- %s (end) ----\n%s\n----\n", path, n > 2000 ? buf + n - 2000 : buf);
}

/* Waits for the listening line; 0 when seen, 1 when the broker exited, -1 on timeout. */
static int s_wait_listening(const bench_broker_t *br)
{
    static char buf[1 << 16];
    int rebuilding = 0;
    for (int waited = 0; waited < (rebuilding ? S_BROKER_REBUILD_MS : S_BROKER_START_MS); waited += 20) {
        if (s_read_file(br->log_path, buf, sizeof buf) == 0 && strstr(buf, "event=listening"))
            return 0;
        rebuilding = strstr(buf, "event=index-rebuild ") != NULL;
        if (bench_wait(br->pid, 0) >= 0)
            return 1;
        nanosleep(&(struct timespec){0, 20000000}, NULL);
    }
    return -1;
}

static int s_broker_try(const bench_opts_t *o, const bench_ids_t *ids, const char *store_dir, const char *data_key,
                        uint64_t map_mib, bench_broker_t *br)
{
    char key[BENCH_PATH_MAX], map[32], ver[32], batch[32];
    bench_ids_key_path(ids, ids->broker, key, sizeof key);
    snprintf(map, sizeof map, "%llu", (unsigned long long)map_mib);
    snprintf(ver, sizeof ver, "%d", o->verifiers);
    snprintf(batch, sizeof batch, "%d", o->batch_max);
    br->port = bench_free_port();
    if (br->port == 0)
        return -1;
    snprintf(br->endpoint, sizeof br->endpoint, "tcp://127.0.0.1:%d", br->port);
    char *argv[20];
    int a = 0;
    argv[a++] = (char *)o->relaisd;
    argv[a++] = "--endpoint", argv[a++] = br->endpoint;
    argv[a++] = "--store", argv[a++] = (char *)store_dir;
    argv[a++] = "--certs", argv[a++] = (char *)ids->registry_dir;
    argv[a++] = "--key", argv[a++] = key;
    argv[a++] = "--map-size", argv[a++] = map;
    if (data_key)
        argv[a++] = "--data-key", argv[a++] = (char *)data_key;
    else
        argv[a++] = "--no-encryption";
    if (o->verifiers > 0)
        argv[a++] = "--verifiers", argv[a++] = ver;
    if (o->batch_max > 0)
        argv[a++] = "--batch-max", argv[a++] = batch;
    argv[a] = NULL;
    br->pid = bench_spawn(argv, br->log_path);
    if (br->pid == 0)
        return -1;
    int rc = s_wait_listening(br);
    if (rc == 0)
        return 0;
    if (rc < 0)
        bench_stop(br->pid, 5000);
    br->pid = 0;
    return rc > 0 ? 1 : -1;
}

int bench_broker_start(const bench_opts_t *o, const bench_ids_t *ids, const char *work_dir, const char *store_dir,
                       const char *data_key, uint64_t map_mib, bench_broker_t *out)
{
    memset(out, 0, sizeof *out);
    /* The run in clear that measures what sealing costs logs apart from the main run. */
    const char *log = !data_key && o->encryption ? "relaisd-clear.log" : "relaisd.log";
    if ((size_t)snprintf(out->log_path, sizeof out->log_path, "%s/%s", work_dir, log) >= sizeof out->log_path)
        return -1;
    if (access(o->relaisd, X_OK) != 0) {
        bench_log("error: no relaisd at %s (build it, or pass --relaisd PATH)", o->relaisd);
        return -1;
    }
    for (int attempt = 0; attempt < S_BROKER_TRIES; attempt++) {
        int rc = s_broker_try(o, ids, store_dir, data_key, map_mib, out);
        if (rc == 0)
            return 0;
        /* Exited: most likely the port was taken between our probe and its bind; else fatal. */
        static char buf[1 << 16];
        if (rc < 0 || s_read_file(out->log_path, buf, sizeof buf) != 0 || !strstr(buf, "cannot bind"))
            break;
    }
    bench_log("error: relaisd did not start (log: %s)", out->log_path);
    bench_show_tail(out->log_path);
    return -1;
}

double bench_proc_cpu_s(pid_t pid)
{
    char path[64], buf[2048];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    if (s_read_file(path, buf, sizeof buf) != 0)
        return NAN;
    /* Fields after the command name, which may hold spaces: skip to its closing ')'. */
    const char *p = strrchr(buf, ')');
    unsigned long long ut = 0, st = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return NAN;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* ---- Peak anonymous memory ---------------------------------------------------------------- */

static struct {
    pthread_t thread;  /* the sampler */
    pid_t pid;         /* the process watched */
    atomic_int stop;   /* asks the sampler to leave */
    double peak;       /* largest RssAnon seen, MiB */
    int running;       /* the sampler exists */
} s_watch;

static void *s_watch_thread(void *arg)
{
    (void)arg;
    while (!atomic_load(&s_watch.stop)) {
        double hwm, rss, anon;
        bench_proc_rss(s_watch.pid, &hwm, &rss, &anon);
        if (!isnan(anon) && (isnan(s_watch.peak) || anon > s_watch.peak))
            s_watch.peak = anon;
        nanosleep(&(struct timespec){0, 50000000}, NULL);
    }
    return NULL;
}

int bench_rss_watch_start(pid_t pid)
{
    s_watch.pid = pid;
    s_watch.peak = NAN;
    atomic_store(&s_watch.stop, 0);
    s_watch.running = pthread_create(&s_watch.thread, NULL, s_watch_thread, NULL) == 0;
    return s_watch.running ? 0 : -1;
}

double bench_rss_watch_stop(void)
{
    if (!s_watch.running)
        return NAN;
    atomic_store(&s_watch.stop, 1);
    pthread_join(s_watch.thread, NULL);
    s_watch.running = 0;
    return s_watch.peak;
}

void bench_proc_rss(pid_t pid, double *hwm_mib, double *rss_mib, double *anon_mib)
{
    *hwm_mib = *rss_mib = *anon_mib = NAN;
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    unsigned long long kb;
    while (fgets(line, sizeof line, f)) {
        if (sscanf(line, "VmHWM: %llu kB", &kb) == 1)
            *hwm_mib = (double)kb / 1024.0;
        else if (sscanf(line, "VmRSS: %llu kB", &kb) == 1)
            *rss_mib = (double)kb / 1024.0;
        else if (sscanf(line, "RssAnon: %llu kB", &kb) == 1)
            *anon_mib = (double)kb / 1024.0;
    }
    fclose(f);
}

/* ---- Redis yardstick ------------------------------------------------------------------------ */

int bench_port_open(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return 0;
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return ok;
}

/* The requests/s figure of redis-benchmark's output (its last "... requests per second"). */
static double s_parse_rps(const char *text)
{
    const char *hit = NULL, *p = text;
    while ((p = strstr(p, " requests per second")) != NULL)
        hit = p++;
    if (!hit)
        return NAN;
    const char *start = hit;
    while (start > text && (start[-1] == '.' || (start[-1] >= '0' && start[-1] <= '9')))
        start--;
    return start < hit ? strtod(start, NULL) : NAN;
}

static pid_t s_redis_start(const char *dir, int *port_out)
{
    char port[16], log_path[BENCH_PATH_MAX];
    int p = bench_free_port();
    if (p == 0 || (size_t)snprintf(log_path, sizeof log_path, "%s/redis-server.log", dir) >= sizeof log_path)
        return 0;
    snprintf(port, sizeof port, "%d", p);
    char *argv[] = {"redis-server", "--bind", "127.0.0.1", "--port", port, "--dir", (char *)dir,
                    "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--daemonize", "no",
                    "--protected-mode", "yes", NULL};
    pid_t pid = bench_spawn(argv, log_path);
    for (int waited = 0; pid && waited < S_REDIS_START_MS; waited += 50) {
        if (bench_port_open(p)) {
            *port_out = p;
            return pid;
        }
        if (bench_wait(pid, 0) >= 0)
            return 0;
        nanosleep(&(struct timespec){0, 50000000}, NULL);
    }
    if (pid)
        bench_stop(pid, 5000);
    return 0;
}

static double s_redis_run(const char *dir, int port, uint64_t requests, int clients, size_t value_size)
{
    char p[16], n[32], c[16], out_path[BENCH_PATH_MAX];
    snprintf(p, sizeof p, "%d", port);
    snprintf(n, sizeof n, "%llu", (unsigned long long)requests);
    snprintf(c, sizeof c, "%d", clients);
    if ((size_t)snprintf(out_path, sizeof out_path, "%s/redis-benchmark.out", dir) >= sizeof out_path)
        return NAN;
    char *value = malloc(value_size + 1);
    if (!value)
        return NAN;
    memset(value, 'v', value_size);
    value[value_size] = '\0';
    /* A custom command on the command line: XADD to one stream, auto id, one 1 KiB field. */
    char *argv[] = {"redis-benchmark", "-h", "127.0.0.1", "-p", p, "-c", c, "-n", n, "-P", "1", "-q",
                    "XADD", "bench", "*", "f", value, NULL};
    pid_t pid = bench_spawn(argv, out_path);
    free(value);
    int st = pid ? bench_wait(pid, S_REDIS_BENCH_MS) : -1;
    if (st < 0 && pid)
        bench_stop(pid, 2000);
    static char buf[1 << 20];
    if (st != 0 || s_read_file(out_path, buf, sizeof buf) != 0)
        return NAN;
    return s_parse_rps(buf);
}

double bench_redis_xadd(const char *work_dir, uint64_t requests, int clients, size_t value_size)
{
    char dir[BENCH_PATH_MAX];
    if ((size_t)snprintf(dir, sizeof dir, "%s/redis", work_dir) >= sizeof dir ||
        (mkdir(dir, 0700) != 0 && errno != EEXIST))
        return NAN;
    int port = 0;
    pid_t pid = s_redis_start(dir, &port);
    if (!pid) {
        bench_log("warning: redis-server did not start (see %s/redis-server.log)", dir);
        return NAN;
    }
    double rps = s_redis_run(dir, port, requests, clients, value_size);
    bench_stop(pid, 10000);
    if (isnan(rps))
        bench_log("warning: no requests/s in %s/redis-benchmark.out", dir);
    return rps;
}

/* ---- Offline audit -------------------------------------------------------------------------- */

double bench_audit_verify(const char *relais, const char *store_dir, const char *certs_dir, const char *data_key,
                          int *exit_status)
{
    *exit_status = -1;
    if (!relais || access(relais, X_OK) != 0)
        return NAN;
    char log_path[BENCH_PATH_MAX];
    if ((size_t)snprintf(log_path, sizeof log_path, "%s/../audit-verify.log", store_dir) >= sizeof log_path)
        return NAN;
    char *argv[] = {(char *)relais, "audit", "verify", "--store", (char *)store_dir, "--certs", (char *)certs_dir,
                    "--quiet", data_key ? "--data-key" : NULL, (char *)data_key, NULL};
    int64_t t0 = bench_now_ns();
    pid_t pid = bench_spawn(argv, log_path);
    int st = pid ? bench_wait(pid, S_AUDIT_MS) : -1;
    double secs = (double)(bench_now_ns() - t0) / 1e9;
    if (st < 0 && pid) {
        bench_log("warning: relais audit verify did not finish within %d s", S_AUDIT_MS / 1000);
        bench_stop(pid, 2000);
        return NAN;
    }
    *exit_status = st;
    if (st != 0) {
        bench_log("warning: relais audit verify exited %d (log: %s)", st, log_path);
        bench_show_tail(log_path);
    }
    return pid ? secs : NAN;
}

/* ---- The broker's commits, read back from its log -------------------------------------------- */

long bench_broker_log_mark(const bench_broker_t *br)
{
    struct stat st;
    return stat(br->log_path, &st) == 0 ? (long)st.st_size : 0;
}

static int64_t s_log_field(const char *line, const char *key)
{
    const char *at = strstr(line, key);
    return at ? strtoll(at + strlen(key), NULL, 10) : -1;
}

int bench_broker_stages(const bench_broker_t *br, long mark, char names[][16], double *us)
{
    FILE *f = fopen(br->log_path, "r");
    char line[1024];
    double total[BENCH_STAGES_MAX] = {0}, messages = 0;
    int count = 0;
    if (f && fseek(f, mark, SEEK_SET) != 0) {
        fclose(f);
        f = NULL;
    }
    while (f && fgets(line, sizeof line, f)) {
        const char *at = strstr(line, "event=stages messages=");
        if (!at)
            continue;
        double n = strtod(at + strlen("event=stages messages="), NULL);
        int k = 0;
        /* Every "name_us=value" after the count, in order. */
        for (const char *p = strchr(at, ' '); p && k < BENCH_STAGES_MAX; p = strchr(p + 1, ' ')) {
            const char *eq = strstr(p, "_us=");
            const char *next = strchr(p + 1, ' ');
            if (!eq || (next && eq > next))
                continue;
            size_t len = (size_t)(eq - p - 1);
            snprintf(names[k], 16, "%.*s", (int)(len < 15 ? len : 15), p + 1);
            total[k] += n * strtod(eq + 4, NULL);
            k++;
        }
        messages += n;
        count = k;
    }
    if (f)
        fclose(f);
    for (int k = 0; k < count; k++)
        us[k] = messages > 0 ? total[k] / messages : NAN;
    return messages > 0 ? count : 0;
}

int bench_broker_rebuild(const bench_broker_t *br, uint64_t *records, double *seconds)
{
    FILE *f = fopen(br->log_path, "r");
    char line[1024];
    int found = -1;
    while (f && found != 0 && fgets(line, sizeof line, f)) {
        const char *at = strstr(line, "event=index-rebuilt ");
        const char *secs = at ? strstr(at, " seconds=") : NULL;
        if (secs && s_log_field(at, " records=") >= 0) {
            *records = (uint64_t)s_log_field(at, " records=");
            *seconds = strtod(secs + strlen(" seconds="), NULL);
            found = 0;
        }
    }
    if (f)
        fclose(f);
    return found;
}

void bench_broker_commit_times(const bench_broker_t *br, long mark, double *sync_p50_ms, double *sync_p99_ms,
                               double *batch_p50_ms, double *batch_p99_ms)
{
    *sync_p50_ms = *sync_p99_ms = *batch_p50_ms = *batch_p99_ms = NAN;
    FILE *f = fopen(br->log_path, "r");
    if (!f)
        return;
    size_t n = 0, cap = 0;
    int64_t *sync_ns = NULL, *batch_ns = NULL;
    char line[1024];
    if (fseek(f, mark, SEEK_SET) != 0)
        goto done;
    while (fgets(line, sizeof line, f)) {
        if (!strstr(line, "event=commit "))
            continue;
        int64_t sync_us = s_log_field(line, " sync_us="), batch_us = s_log_field(line, " us=");
        if (sync_us < 0 || batch_us < 0)
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 4096;
            int64_t *a = realloc(sync_ns, cap * sizeof *a);
            if (a)
                sync_ns = a;
            int64_t *b = a ? realloc(batch_ns, cap * sizeof *b) : NULL;
            if (!b)
                goto done;
            batch_ns = b;
        }
        sync_ns[n] = sync_us * 1000;
        batch_ns[n] = batch_us * 1000;
        n++;
    }
    *sync_p50_ms = bench_percentile_ms(sync_ns, n, 0.50, 0);
    *sync_p99_ms = bench_percentile_ms(sync_ns, n, 0.99, 1);
    *batch_p50_ms = bench_percentile_ms(batch_ns, n, 0.50, 0);
    *batch_p99_ms = bench_percentile_ms(batch_ns, n, 0.99, 1);
done:
    free(sync_ns);
    free(batch_ns);
    fclose(f);
}
