/* bench_rabbitmq.c -- relais-bench's RabbitMQ peer: a node of its own, then publishers with confirms.
 *
 * What the relais throughput phase measures is an acknowledgement that a message is stored
 * durably, so the peer is held to the same promise: a quorum queue (a Raft log that syncs to
 * disk before it confirms, even on one node), persistent messages, publisher confirms, the
 * relais messages' size, and as many messages unconfirmed at once as the relais agents keep in
 * flight: one publisher per agent, each on a connection and a thread of its own as the agents
 * are, each with the agents' window.
 *
 * The node is started from Debian's scripts in /usr/lib/rabbitmq/bin rather than through
 * /usr/sbin/rabbitmq-server, which switches to the rabbitmq user when run as root. The
 * RABBITMQ_* variables put everything the node writes (data, logs, config, the Erlang cookie
 * under HOME) in WORK/rabbitmq, and its listeners on 127.0.0.1 and on ports found free, so a
 * system RabbitMQ, on 5672 or anywhere, is neither used nor touched. The node gets an epmd of
 * its own on a free port, run in the foreground as our child: the one Erlang would otherwise
 * start daemonises, and would outlive the bench.
 */
#define _GNU_SOURCE /* environ */
#include "bench.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define S_RMQ_SERVER "/usr/lib/rabbitmq/bin/rabbitmq-server"

int bench_rabbitmq_installed(void)
{
    /* The launcher script runs `erl` from PATH, and the node needs an epmd to register with. */
    return access(S_RMQ_SERVER, X_OK) == 0 && bench_on_path("erl") && bench_on_path("epmd");
}

#ifndef RELAIS_BENCH_HAVE_RABBITMQ

int bench_rabbitmq_run(const bench_opts_t *o, const char *work_dir, size_t message_bytes, bench_result_t *r)
{
    (void)o;
    (void)work_dir;
    (void)message_bytes;
    r->rabbitmq_status = "unavailable: relais-bench was built without rabbitmq-c";
    bench_log("peer: RabbitMQ unavailable: this relais-bench was built without rabbitmq-c (install librabbitmq-dev, "
              "for instance with `scripts/install-deps bench`, then configure the build again)");
    return -1;
}

#else /* RELAIS_BENCH_HAVE_RABBITMQ */

#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <time.h>

#if __has_include(<rabbitmq-c/amqp.h>)
#include <rabbitmq-c/amqp.h>
#include <rabbitmq-c/tcp_socket.h>
#else
#include <amqp.h>
#include <amqp_tcp_socket.h>
#endif

#define S_RMQ_QUEUE "relais-bench"
#define S_RMQ_CHANNEL 1
#define S_EPMD_START_MS 10000      /* our epmd listens within this */
#define S_RMQ_START_MS 120000      /* the node accepts AMQP connections within this */
#define S_RMQ_STOP_MS 30000        /* and exits within this of SIGTERM, else its group is killed */
#define S_RMQ_IO_S 10              /* bound of a connect, the login and every RPC */
#define S_RMQ_POLL_MS 100          /* longest wait for a frame before the clock is looked at */
#define S_RMQ_STALL_NS 30000000000LL /* a publisher with messages unconfirmed this long gives up */
#define S_RMQ_DRAIN_NS 30000000000LL /* confirms awaited after the last publish */
#define S_RMQ_WATCHDOG_MS 15000    /* past the drain, the node is stopped to free a blocked publisher */
#define S_ENV_SET 15               /* variables the node's environment sets */
#define S_ENV_TEXT (BENCH_PATH_MAX + 64)

/* ---- The node ----------------------------------------------------------------------------- */

typedef struct {
    char dir[BENCH_PATH_MAX];       /* WORK/rabbitmq: everything the node writes */
    int amqp_port, dist_port, epmd_port;
    pid_t epmd;                     /* our own epmd (0: not running) */
    pid_t node;                     /* the launcher script, leader of the node's process group */
    char set[S_ENV_SET][S_ENV_TEXT]; /* NAME=value of what the environment sets */
    char **envp;                    /* the node's environment: ours, less what `set` replaces */
} s_node_t;

static int s_write_text(const char *dir, const char *name, const char *text)
{
    char path[BENCH_PATH_MAX];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
        return -1;
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    int ok = fputs(text, f) >= 0;
    return fclose(f) == 0 && ok ? 0 : -1;
}

/* A fresh folder with the node's config files; the data of an earlier run (reused --dir) goes. */
static int s_node_folder(const char *work_dir, s_node_t *n)
{
    char sub[BENCH_PATH_MAX];
    if ((size_t)snprintf(n->dir, sizeof n->dir, "%s/rabbitmq", work_dir) >= sizeof n->dir ||
        bench_remove_tree(n->dir) != 0 || mkdir(n->dir, 0700) != 0)
        return -1;
    const char *subs[] = {"home", "mnesia", "log"};
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
        if ((size_t)snprintf(sub, sizeof sub, "%s/%s", n->dir, subs[i]) >= sizeof sub || mkdir(sub, 0700) != 0)
            return -1;
    /* An empty env file of its own, so that /etc/rabbitmq/rabbitmq-env.conf is not read;
     * no plugins; guest, the default user, may log in from loopback only (RabbitMQ's default,
     * said here so that the file is the whole configuration). */
    if (s_write_text(n->dir, "rabbitmq-env.conf", "") != 0 || s_write_text(n->dir, "enabled_plugins", "[].\n") != 0 ||
        s_write_text(n->dir, "rabbitmq.conf",
                     "# relais-bench's own node; its address, ports and folders come from the environment.\n"
                     "loopback_users.guest = true\n") != 0)
        return -1;
    return 0;
}

/* Three distinct ports that were free a moment ago: AMQP, Erlang distribution, epmd. */
static int s_node_ports(s_node_t *n)
{
    for (int attempt = 0; attempt < 10; attempt++) {
        n->amqp_port = bench_free_port();
        n->dist_port = bench_free_port();
        n->epmd_port = bench_free_port();
        if (n->amqp_port && n->dist_port && n->epmd_port && n->amqp_port != n->dist_port &&
            n->amqp_port != n->epmd_port && n->dist_port != n->epmd_port)
            return 0;
    }
    return -1;
}

/* Variables of ours the node must not see: it gets its own values of these. */
static int s_env_replaced(const char *entry)
{
    static const char *const prefixes[] = {"RABBITMQ_", "ERL_EPMD_", "ERL_CRASH_DUMP=", "HOME=", "CONF_ENV_FILE=",
                                           /* would make the launcher report readiness to our systemd unit */
                                           "NOTIFY_SOCKET="};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (strncmp(entry, prefixes[i], strlen(prefixes[i])) == 0)
            return 1;
    return 0;
}

static int s_node_env(s_node_t *n)
{
    const char *d = n->dir;
    int i = 0, over = 0;
#define S_SET(...) (over |= i >= S_ENV_SET || (size_t)snprintf(n->set[i++], S_ENV_TEXT, __VA_ARGS__) >= S_ENV_TEXT)
    S_SET("HOME=%s/home", d); /* where Erlang puts the node's cookie */
    S_SET("RABBITMQ_CONF_ENV_FILE=%s/rabbitmq-env.conf", d);
    S_SET("RABBITMQ_CONFIG_FILE=%s/rabbitmq.conf", d);
    S_SET("RABBITMQ_ADVANCED_CONFIG_FILE=%s/advanced.config", d); /* absent: nothing read from /etc */
    S_SET("RABBITMQ_ENABLED_PLUGINS_FILE=%s/enabled_plugins", d);
    S_SET("RABBITMQ_MNESIA_BASE=%s/mnesia", d);
    S_SET("RABBITMQ_LOG_BASE=%s/log", d);
    S_SET("RABBITMQ_NODENAME=relais-bench-%d@localhost", (int)getpid());
    S_SET("RABBITMQ_NODE_IP_ADDRESS=127.0.0.1");
    S_SET("RABBITMQ_NODE_PORT=%d", n->amqp_port);
    S_SET("RABBITMQ_DIST_PORT=%d", n->dist_port);
    /* The distribution listener would otherwise listen on every interface. */
    S_SET("RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=-kernel inet_dist_use_interface {127,0,0,1}");
    S_SET("ERL_EPMD_PORT=%d", n->epmd_port);
    S_SET("ERL_EPMD_ADDRESS=127.0.0.1");
    S_SET("ERL_CRASH_DUMP=%s/erl_crash.dump", d);
#undef S_SET
    if (over)
        return -1;
    size_t kept = 0;
    for (char **e = environ; *e; e++)
        kept++;
    n->envp = calloc(kept + S_ENV_SET + 1, sizeof *n->envp);
    if (!n->envp)
        return -1;
    size_t at = 0;
    for (char **e = environ; *e; e++)
        if (!s_env_replaced(*e))
            n->envp[at++] = *e;
    for (int j = 0; j < i; j++)
        n->envp[at++] = n->set[j];
    n->envp[at] = NULL;
    return 0;
}

/* Waits until something accepts connections on `port`; 0, or -1 when time runs out or *pid
 * exits (reaped then, and *pid set to 0 so that no stop signals a pid that may be reused). */
static int s_wait_port(int port, pid_t *pid, int timeout_ms)
{
    for (int waited = 0; waited < timeout_ms; waited += 100) {
        if (bench_port_open(port))
            return 0;
        int st = bench_wait(*pid, 0);
        if (st >= 0) {
            bench_log("warning: RabbitMQ peer: pid %d exited (status %d) before it listened on port %d", (int)*pid,
                      st, port);
            *pid = 0;
            return -1;
        }
        nanosleep(&(struct timespec){0, 100000000}, NULL);
    }
    return -1;
}

static void s_node_stop(s_node_t *n)
{
    if (n->node) {
        int64_t t0 = bench_now_ns();
        int st = bench_stop_group(n->node, S_RMQ_STOP_MS);
        bench_log("peer: RabbitMQ node stopped in %.1f s (exit %d)", (double)(bench_now_ns() - t0) / 1e9, st);
        n->node = 0;
    }
    if (n->epmd) {
        bench_stop(n->epmd, 5000);
        n->epmd = 0;
    }
}

static int s_node_start(const char *work_dir, s_node_t *n)
{
    char port[16], log_path[BENCH_PATH_MAX], epmd_log[BENCH_PATH_MAX];
    if (s_node_folder(work_dir, n) != 0 || s_node_ports(n) != 0 || s_node_env(n) != 0 ||
        (size_t)snprintf(log_path, sizeof log_path, "%s/rabbitmq-server.out", n->dir) >= sizeof log_path ||
        (size_t)snprintf(epmd_log, sizeof epmd_log, "%s/epmd.log", n->dir) >= sizeof epmd_log) {
        bench_log("warning: RabbitMQ peer: cannot prepare %s/rabbitmq", work_dir);
        return -1;
    }
    snprintf(port, sizeof port, "%d", n->epmd_port);
    char *epmd_argv[] = {"epmd", "-port", port, "-address", "127.0.0.1", NULL};
    n->epmd = bench_spawn_in(epmd_argv, n->envp, n->dir, epmd_log, 0);
    if (!n->epmd || s_wait_port(n->epmd_port, &n->epmd, S_EPMD_START_MS) != 0) {
        bench_log("warning: RabbitMQ peer: epmd did not listen on port %d", n->epmd_port);
        bench_show_tail(epmd_log);
        return -1;
    }
    char *node_argv[] = {S_RMQ_SERVER, NULL};
    int64_t t0 = bench_now_ns();
    n->node = bench_spawn_in(node_argv, n->envp, n->dir, log_path, 1);
    if (!n->node || s_wait_port(n->amqp_port, &n->node, S_RMQ_START_MS) != 0) {
        if (n->node)
            bench_log("warning: RabbitMQ peer: the node did not accept connections on 127.0.0.1:%d within %d s",
                      n->amqp_port, S_RMQ_START_MS / 1000);
        /* The work folder goes at the end of a run that succeeds: what the node said, now. */
        bench_show_tail(log_path);
        return -1;
    }
    bench_log("peer: RabbitMQ node up in %.1f s on 127.0.0.1:%d (distribution %d, epmd %d), files in %s",
              (double)(bench_now_ns() - t0) / 1e9, n->amqp_port, n->dist_port, n->epmd_port, n->dir);
    return 0;
}

/* ---- Connections -------------------------------------------------------------------------- */

/* What an RPC's reply says went wrong, into `why`. */
static void s_reply_text(amqp_rpc_reply_t rep, const char *what, char *why, size_t cap)
{
    if (rep.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION) {
        snprintf(why, cap, "%s: %s", what, amqp_error_string2(rep.library_error));
    } else if (rep.reply_type == AMQP_RESPONSE_SERVER_EXCEPTION && rep.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
        const amqp_channel_close_t *c = rep.reply.decoded;
        snprintf(why, cap, "%s: channel closed by the server: %u %.*s", what, c->reply_code,
                 (int)c->reply_text.len, (const char *)c->reply_text.bytes);
    } else if (rep.reply_type == AMQP_RESPONSE_SERVER_EXCEPTION && rep.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
        const amqp_connection_close_t *c = rep.reply.decoded;
        snprintf(why, cap, "%s: connection closed by the server: %u %.*s", what, c->reply_code,
                 (int)c->reply_text.len, (const char *)c->reply_text.bytes);
    } else {
        snprintf(why, cap, "%s: no reply", what);
    }
}

/* Logged in as guest with channel S_RMQ_CHANNEL open, every wait bounded. 0, or -1 with `why`. */
static int s_connect(int port, amqp_connection_state_t *out, char *why, size_t cap)
{
    *out = NULL;
    amqp_connection_state_t conn = amqp_new_connection();
    if (!conn) {
        snprintf(why, cap, "connection: out of memory");
        return -1;
    }
    struct timeval io = {S_RMQ_IO_S, 0};
    amqp_socket_t *sock = amqp_tcp_socket_new(conn);
    int st = sock ? amqp_socket_open_noblock(sock, "127.0.0.1", port, &io) : AMQP_STATUS_NO_MEMORY;
    if (st == AMQP_STATUS_OK)
        st = amqp_set_handshake_timeout(conn, &io);
    if (st == AMQP_STATUS_OK)
        st = amqp_set_rpc_timeout(conn, &io);
    if (st != AMQP_STATUS_OK) {
        snprintf(why, cap, "connect to 127.0.0.1:%d: %s", port, amqp_error_string2(st));
        amqp_destroy_connection(conn);
        return -1;
    }
    /* No heartbeats: a connection lives for one bounded run on loopback, and a publisher that
     * hears nothing for S_RMQ_STALL_NS gives up by itself. */
    amqp_rpc_reply_t rep = amqp_login(conn, "/", 0, AMQP_DEFAULT_FRAME_SIZE, 0, AMQP_SASL_METHOD_PLAIN, "guest", "guest");
    if (rep.reply_type == AMQP_RESPONSE_NORMAL) {
        amqp_channel_open(conn, S_RMQ_CHANNEL);
        rep = amqp_get_rpc_reply(conn);
        if (rep.reply_type != AMQP_RESPONSE_NORMAL)
            s_reply_text(rep, "channel.open", why, cap);
    } else {
        s_reply_text(rep, "login", why, cap);
    }
    if (rep.reply_type != AMQP_RESPONSE_NORMAL) {
        amqp_destroy_connection(conn);
        return -1;
    }
    *out = conn;
    return 0;
}

/* Closes the connection, politely when it still works (one bounded RPC). */
static void s_close(amqp_connection_state_t conn, int polite)
{
    if (!conn)
        return;
    if (polite)
        amqp_connection_close(conn, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(conn);
}

/* The durable quorum queue every publisher sends to, through the default exchange. */
static int s_declare_queue(int port, char *why, size_t cap)
{
    amqp_connection_state_t conn = NULL;
    if (s_connect(port, &conn, why, cap) != 0)
        return -1;
    amqp_table_entry_t type = {.key = amqp_cstring_bytes("x-queue-type"),
                               .value = {.kind = AMQP_FIELD_KIND_UTF8, .value = {.bytes = amqp_cstring_bytes("quorum")}}};
    amqp_table_t args = {.num_entries = 1, .entries = &type};
    amqp_queue_declare(conn, S_RMQ_CHANNEL, amqp_cstring_bytes(S_RMQ_QUEUE), 0, 1, 0, 0, args);
    amqp_rpc_reply_t rep = amqp_get_rpc_reply(conn);
    int ok = rep.reply_type == AMQP_RESPONSE_NORMAL;
    if (!ok)
        s_reply_text(rep, "queue.declare (quorum)", why, cap);
    s_close(conn, ok);
    return ok ? 0 : -1;
}

/* ---- Publishers --------------------------------------------------------------------------- */

typedef struct {
    amqp_bytes_t body;              /* every message's body */
    amqp_bytes_t routing_key;       /* the queue's name */
    amqp_basic_properties_t props;  /* persistent */
    int window;                     /* unconfirmed publishes per publisher */
    pthread_mutex_t lock;           /* guards ready and go */
    pthread_cond_t cond;
    int ready;                      /* publishers waiting for the start */
    int go;                         /* 1: start (clock set), -1: leave at once */
    int64_t t0, send_until, give_up; /* the clock, set before go */
    atomic_int finished;            /* publishers that left their loop */
} s_load_t;

typedef struct {
    s_load_t *load;
    amqp_connection_state_t conn;   /* its connection, channel S_RMQ_CHANNEL in confirm mode */
    uint64_t quota;                 /* messages it sends at most */
    uint64_t sent;                  /* publishes so far, also the last delivery tag given */
    uint64_t settled_below;         /* every delivery tag below this is acked or nacked */
    uint64_t outstanding;           /* published, not yet acked or nacked */
    uint64_t confirmed, nacked;
    uint8_t *settled;               /* per delivery tag (1..quota): acked or nacked */
    int64_t *t_pub;                 /* per delivery tag: when it was published */
    int64_t *latency;               /* publish -> ack of each acked message, ns */
    int64_t last_confirm;           /* time of its last ack */
    int64_t last_answer;            /* time of its last ack or nack (or of the start) */
    int broken;                     /* failed: the connection is not closed politely */
    char why[256];                  /* the failure */
} s_pub_t;

static int s_pub_fail(s_pub_t *p, const char *what, const char *detail)
{
    if (!p->broken)
        snprintf(p->why, sizeof p->why, "%s%s%s", what, detail ? ": " : "", detail ? detail : "");
    p->broken = 1;
    return -1;
}

/* An ack or nack of `tag`, or with `multiple` of every tag up to it not settled yet. */
static int s_settle(s_pub_t *p, uint64_t tag, int multiple, int ack, int64_t now)
{
    /* AMQP: multiple with tag 0 settles everything outstanding. */
    if (multiple && tag == 0)
        tag = p->sent;
    if (tag == 0 || tag > p->sent)
        return s_pub_fail(p, "a confirm for a delivery tag never published", NULL);
    for (uint64_t t = multiple ? p->settled_below : tag; t <= tag; t++) {
        if (p->settled[t])
            continue;
        p->settled[t] = 1;
        p->outstanding--;
        if (ack)
            p->latency[p->confirmed++] = now - p->t_pub[t];
        else
            p->nacked++;
    }
    while (p->settled_below <= p->sent && p->settled[p->settled_below])
        p->settled_below++;
    p->last_answer = now;
    if (ack)
        p->last_confirm = now;
    return 0;
}

/* One frame from the server: confirms count, a close ends the publisher, the rest is ignored. */
static int s_on_frame(s_pub_t *p, const amqp_frame_t *f, int64_t now)
{
    if (f->frame_type != AMQP_FRAME_METHOD)
        return 0;
    char detail[160];
    switch (f->payload.method.id) {
    case AMQP_BASIC_ACK_METHOD: {
        const amqp_basic_ack_t *a = f->payload.method.decoded;
        return s_settle(p, a->delivery_tag, a->multiple, 1, now);
    }
    case AMQP_BASIC_NACK_METHOD: {
        const amqp_basic_nack_t *n = f->payload.method.decoded;
        return s_settle(p, n->delivery_tag, n->multiple, 0, now);
    }
    case AMQP_CHANNEL_CLOSE_METHOD: {
        const amqp_channel_close_t *c = f->payload.method.decoded;
        snprintf(detail, sizeof detail, "%u %.*s", c->reply_code, (int)c->reply_text.len,
                 (const char *)c->reply_text.bytes);
        return s_pub_fail(p, "channel closed by the server", detail);
    }
    case AMQP_CONNECTION_CLOSE_METHOD: {
        const amqp_connection_close_t *c = f->payload.method.decoded;
        snprintf(detail, sizeof detail, "%u %.*s", c->reply_code, (int)c->reply_text.len,
                 (const char *)c->reply_text.bytes);
        return s_pub_fail(p, "connection closed by the server", detail);
    }
    default:
        return 0;
    }
}

/* Waits up to wait_ms for a frame, then takes every frame already there without waiting. */
static int s_read_confirms(s_pub_t *p, long wait_ms)
{
    struct timeval tv = {0, wait_ms * 1000};
    const struct timeval none = {0, 0};
    amqp_frame_t f;
    int st;
    while ((st = amqp_simple_wait_frame_noblock(p->conn, &f, &tv)) == AMQP_STATUS_OK) {
        tv = none;
        if (s_on_frame(p, &f, bench_now_ns()) != 0)
            return -1;
    }
    /* Decoded frames live in the connection's pool until released. */
    amqp_maybe_release_buffers(p->conn);
    return st == AMQP_STATUS_TIMEOUT ? 0 : s_pub_fail(p, "reading confirms", amqp_error_string2(st));
}

static int s_publish_one(s_pub_t *p)
{
    const s_load_t *load = p->load;
    uint64_t tag = p->sent + 1; /* a confirm channel numbers its publishes 1, 2, 3 ... */
    p->t_pub[tag] = bench_now_ns();
    int st = amqp_basic_publish(p->conn, S_RMQ_CHANNEL, amqp_empty_bytes, load->routing_key, 0, 0, &load->props,
                                load->body);
    if (st != AMQP_STATUS_OK)
        return s_pub_fail(p, "publish", amqp_error_string2(st));
    p->sent = tag;
    p->outstanding++;
    return 0;
}

/* Waits for the start; 0 to run, -1 to leave. */
static int s_pub_wait_go(s_load_t *load)
{
    pthread_mutex_lock(&load->lock);
    load->ready++;
    pthread_cond_broadcast(&load->cond);
    while (load->go == 0)
        pthread_cond_wait(&load->cond, &load->lock);
    int go = load->go;
    pthread_mutex_unlock(&load->lock);
    return go > 0 ? 0 : -1;
}

static void *s_pub_thread(void *arg)
{
    s_pub_t *p = arg;
    s_load_t *load = p->load;
    if (s_pub_wait_go(load) == 0) {
        p->last_answer = bench_now_ns();
        while (!p->broken) {
            int64_t now = bench_now_ns();
            int more = now < load->send_until && p->sent < p->quota;
            if (!more && p->outstanding == 0)
                break;
            if (now > load->give_up || (p->outstanding > 0 && now - p->last_answer > S_RMQ_STALL_NS)) {
                s_pub_fail(p, "gave up waiting for confirms", NULL);
                break;
            }
            /* Keep the window full, as the relais agents do theirs. */
            while (more && p->outstanding < (uint64_t)load->window && s_publish_one(p) == 0)
                more = p->sent < p->quota;
            if (!p->broken)
                s_read_confirms(p, S_RMQ_POLL_MS);
        }
    }
    atomic_fetch_add(&load->finished, 1);
    return NULL;
}

/* ---- The run ------------------------------------------------------------------------------ */

typedef struct {
    s_load_t load;
    s_pub_t *pubs;
    pthread_t *threads;
    int count;          /* publishers */
    int started;        /* threads running */
    int synced;         /* load.lock and load.cond are initialised */
    uint8_t *body;
} s_run_t;

static int s_run_alloc(const bench_opts_t *o, size_t message_bytes, s_run_t *run)
{
    memset(run, 0, sizeof *run);
    run->count = o->agents;
    run->body = malloc(message_bytes ? message_bytes : 1);
    run->pubs = calloc((size_t)run->count, sizeof *run->pubs);
    run->threads = calloc((size_t)run->count, sizeof *run->threads);
    if (!run->body || !run->pubs || !run->threads)
        return -1;
    /* Bytes of any value: RabbitMQ neither compresses nor looks inside a body. */
    for (size_t i = 0; i < message_bytes; i++)
        run->body[i] = (uint8_t)(i * 131u + 7u);
    s_load_t *load = &run->load;
    load->body = (amqp_bytes_t){message_bytes, run->body};
    load->routing_key = amqp_cstring_bytes(S_RMQ_QUEUE);
    load->props._flags = AMQP_BASIC_DELIVERY_MODE_FLAG;
    load->props.delivery_mode = AMQP_DELIVERY_PERSISTENT;
    load->window = o->window;
    if (pthread_mutex_init(&load->lock, NULL) != 0)
        return -1;
    if (pthread_cond_init(&load->cond, NULL) != 0) {
        pthread_mutex_destroy(&load->lock);
        return -1;
    }
    run->synced = 1;
    atomic_init(&load->finished, 0);
    uint64_t n = o->rabbitmq_messages, k_count = (uint64_t)run->count;
    for (int k = 0; k < run->count; k++) {
        s_pub_t *p = &run->pubs[k];
        p->load = load;
        /* Message i is publisher i % K's, as the relais agents share their pool. */
        p->quota = n / k_count + ((uint64_t)k < n % k_count);
        p->settled_below = 1;
        p->settled = calloc(p->quota + 2, sizeof *p->settled);
        p->t_pub = calloc(p->quota + 2, sizeof *p->t_pub);
        p->latency = calloc(p->quota + 1, sizeof *p->latency);
        if (!p->settled || !p->t_pub || !p->latency)
            return -1;
    }
    return 0;
}

static void s_run_free(s_run_t *run)
{
    for (int k = 0; run->pubs && k < run->count; k++) {
        s_pub_t *p = &run->pubs[k];
        s_close(p->conn, !p->broken);
        free(p->settled);
        free(p->t_pub);
        free(p->latency);
    }
    if (run->synced) {
        pthread_cond_destroy(&run->load.cond);
        pthread_mutex_destroy(&run->load.lock);
    }
    free(run->pubs);
    free(run->threads);
    free(run->body);
}

/* Every publisher connected, its channel in confirm mode, before any clock starts. */
static int s_pubs_connect(s_run_t *run, int port)
{
    for (int k = 0; k < run->count; k++) {
        s_pub_t *p = &run->pubs[k];
        if (s_connect(port, &p->conn, p->why, sizeof p->why) != 0) {
            bench_log("warning: RabbitMQ publisher %d: %s", k, p->why);
            return -1;
        }
        amqp_confirm_select(p->conn, S_RMQ_CHANNEL);
        amqp_rpc_reply_t rep = amqp_get_rpc_reply(p->conn);
        if (rep.reply_type != AMQP_RESPONSE_NORMAL) {
            s_reply_text(rep, "confirm.select", p->why, sizeof p->why);
            p->broken = 1;
            bench_log("warning: RabbitMQ publisher %d: %s", k, p->why);
            return -1;
        }
    }
    return 0;
}

/* Starts the threads, sets the clock once all wait for it, and waits for them, bounded: past
 * the drain and a margin the node is stopped, which ends any publish blocked on its socket. */
static int s_pubs_run(s_run_t *run, const bench_opts_t *o, s_node_t *node)
{
    s_load_t *load = &run->load;
    for (; run->started < run->count; run->started++)
        if (pthread_create(&run->threads[run->started], NULL, s_pub_thread, &run->pubs[run->started]) != 0)
            break;
    int all = run->started == run->count;
    pthread_mutex_lock(&load->lock);
    while (all && load->ready < run->started)
        pthread_cond_wait(&load->cond, &load->lock);
    load->t0 = bench_now_ns();
    load->send_until = load->t0 + (int64_t)(o->rabbitmq_seconds * 1e9);
    load->give_up = load->send_until + S_RMQ_DRAIN_NS;
    load->go = all ? 1 : -1;
    pthread_cond_broadcast(&load->cond);
    pthread_mutex_unlock(&load->lock);
    int64_t watchdog = load->give_up + (int64_t)S_RMQ_WATCHDOG_MS * 1000000;
    while (atomic_load(&load->finished) < run->started && bench_now_ns() < watchdog)
        nanosleep(&(struct timespec){0, 20000000}, NULL);
    if (atomic_load(&load->finished) < run->started) {
        bench_log("warning: RabbitMQ publishers still blocked %d s after the drain: stopping the node",
                  S_RMQ_WATCHDOG_MS / 1000);
        s_node_stop(node);
    }
    for (int k = 0; k < run->started; k++)
        pthread_join(run->threads[k], NULL);
    if (!all)
        bench_log("warning: RabbitMQ peer: cannot start publisher thread %d", run->started);
    return all ? 0 : -1;
}

static void s_results(const s_run_t *run, bench_result_t *r)
{
    uint64_t total_confirmed = 0;
    int64_t last = 0;
    for (int k = 0; k < run->count; k++) {
        const s_pub_t *p = &run->pubs[k];
        r->rabbitmq_sent += p->sent;
        r->rabbitmq_confirmed += p->confirmed;
        r->rabbitmq_nacked += p->nacked;
        r->rabbitmq_unconfirmed += p->outstanding;
        total_confirmed += p->confirmed;
        if (p->last_confirm > last)
            last = p->last_confirm;
        if (p->broken)
            bench_log("warning: RabbitMQ publisher %d: %s", k, p->why);
    }
    r->rabbitmq_seconds = last > run->load.t0 ? (double)(last - run->load.t0) / 1e9 : NAN;
    r->rabbitmq_confirmed_per_s = total_confirmed > 0 ? (double)total_confirmed / r->rabbitmq_seconds : NAN;
    int64_t *all = calloc(total_confirmed ? total_confirmed : 1, sizeof *all);
    size_t n = 0;
    for (int k = 0; all && k < run->count; k++) {
        memcpy(all + n, run->pubs[k].latency, run->pubs[k].confirmed * sizeof *all);
        n += run->pubs[k].confirmed;
    }
    if (all) {
        bench_sort(all, n);
        r->rabbitmq_confirm_p50_ms = bench_percentile_ms(all, n, 0.50, 1);
        r->rabbitmq_confirm_p99_ms = bench_percentile_ms(all, n, 0.99, 1);
    }
    free(all);
}

/* The queue, the publishers and their load against a node that is up. 0 when measured. */
static int s_measure(const bench_opts_t *o, size_t message_bytes, s_node_t *node, bench_result_t *r)
{
    char why[256];
    if (s_declare_queue(node->amqp_port, why, sizeof why) != 0) {
        bench_log("warning: RabbitMQ peer: %s", why);
        return -1;
    }
    s_run_t run;
    int rc = s_run_alloc(o, message_bytes, &run);
    if (rc != 0)
        bench_log("warning: RabbitMQ peer: out of memory");
    if (rc == 0)
        rc = s_pubs_connect(&run, node->amqp_port);
    if (rc == 0) {
        bench_log("peer: RabbitMQ quorum queue, %d publishers with confirms, window %d, %" PRIu64
                  " persistent messages of %zu bytes (at most %.0f s)",
                  run.count, o->window, o->rabbitmq_messages, message_bytes, o->rabbitmq_seconds);
        rc = s_pubs_run(&run, o, node);
    }
    if (rc == 0)
        s_results(&run, r);
    s_run_free(&run);
    return rc == 0 && r->rabbitmq_confirmed > 0 ? 0 : -1;
}

int bench_rabbitmq_run(const bench_opts_t *o, const char *work_dir, size_t message_bytes, bench_result_t *r)
{
    if (!bench_rabbitmq_installed()) {
        r->rabbitmq_status = "unavailable: rabbitmq-server is not installed";
        bench_log("peer: RabbitMQ unavailable: no %s, erl or epmd (scripts/install-deps bench installs them)",
                  S_RMQ_SERVER);
        return -1;
    }
    s_node_t *node = calloc(1, sizeof *node);
    if (!node) {
        r->rabbitmq_status = "failed: out of memory";
        return -1;
    }
    int rc = s_node_start(work_dir, node);
    if (rc != 0)
        r->rabbitmq_status = "failed: the node did not start (its output is on stderr)";
    if (rc == 0 && (rc = s_measure(o, message_bytes, node, r)) != 0)
        r->rabbitmq_status = "failed: see the warnings on stderr";
    s_node_stop(node);
    free(node->envp);
    free(node);
    if (rc == 0) {
        r->rabbitmq_status = "measured";
        bench_log("peer: RabbitMQ %.0f confirmed/s (%" PRIu64 " confirmed, %" PRIu64 " nacked, %" PRIu64
                  " unconfirmed, in %.2f s; confirm p50 %.2f ms p99 %.2f ms)",
                  r->rabbitmq_confirmed_per_s, r->rabbitmq_confirmed, r->rabbitmq_nacked, r->rabbitmq_unconfirmed,
                  r->rabbitmq_seconds, r->rabbitmq_confirm_p50_ms, r->rabbitmq_confirm_p99_ms);
    }
    return rc;
}

#endif /* RELAIS_BENCH_HAVE_RABBITMQ */
