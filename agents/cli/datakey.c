/* datakey.c -- `relais datakey`: the hub's data key (KEK) file, its rotation, and the backup-key
 * store of retired generations. */
#include <dirent.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_internal.h"
#include "relais_keys.h"
#include "relais_store.h"

static const char s_help[] =
    "usage: relais datakey new --out FILE\n"
    "       relais datakey rotate --store DIR --data-key FILE --out NEW_FILE [--keep-old]\n"
    "       relais datakey retired --dir DIR [--backup-days N]\n"
    "       relais datakey export-retired --dir DIR --generation N --out FILE\n"
    "       relais datakey destroy --dir DIR --generation N\n"
    "\n"
    "new     writes a new data key (generation 1) to FILE, mode 0600, never over an existing file.\n"
    "        relaisd --data-key FILE seals every record about a child, and the case index, under\n"
    "        keys that this one wraps. Keep it apart from the store and its backups: a copy of the\n"
    "        store without it can be checked, not read.\n"
    "rotate  with relaisd stopped: writes the next generation to NEW_FILE, wraps every data key of\n"
    "        the store again under it in one pass (all or nothing), checks that NEW_FILE opens them,\n"
    "        then erases FILE (zeros, then removed): snapshots taken before can then no longer be\n"
    "        read. --keep-old keeps FILE, for as long as such snapshots must stay readable.\n"
    "\n"
    "The backup-key store (DIR: relaisd's --retired-keys, retired/ beside its data key): relaisd\n"
    "rotates its data key after every sweep that archived or erased a case, and keeps the old\n"
    "generation there, since only it opens the snapshots taken before; it destroys it when the\n"
    "backup period ends (--backup-days, 30).\n"
    "retired         lists the generations kept, when each was retired and when it goes.\n"
    "export-retired  copies one to FILE (0600, never over a file): to an offline medium the town\n"
    "                keeps with its backups, and destroys with them.\n"
    "destroy         overwrites one with zeros and removes it (each of its files, when a restore had\n"
    "                it retired twice): the snapshots it opened are then unreadable for good.\n";

static int s_fail(const char *what, int status)
{
    const char *detail = relais_status_detail();
    relais_cli_line(stderr, "relais datakey: %s: %s: %s", what, relais_status_name(status),
                    detail && *detail ? detail : relais_strerror(status));
    return RELAIS_EXIT_USAGE;
}

static int s_new(const char *out)
{
    int rc = relais_kek_create(out, 1);
    if (rc)
        return s_fail(out, rc);
    relais_cli_line(stdout, "%s: data key, generation 1", out);
    return RELAIS_EXIT_OK;
}

/* Every key of the store opens with `kek`: read back after the rotation, before the old
 * generation goes. */
typedef struct {
    const relais_kek_t *kek;
    int status;
} s_check_t;

static int s_check_key(void *ctx, uint64_t key_id, const uint8_t *wrapped, size_t len)
{
    s_check_t *c = ctx;
    uint8_t key[RELAIS_DATA_KEY_BYTES];
    c->status = relais_kek_unwrap(c->kek, key_id, wrapped, len, key);
    memset(key, 0, sizeof key);
    return c->status != 0;
}

static int s_rotate_store(relais_store_t *store, const char *old_path, const char *new_path, uint64_t *moved,
                          uint32_t *generation)
{
    relais_kek_t *old_kek = NULL, *new_kek = NULL;
    int created = 0, rc = relais_kek_load(old_path, &old_kek);
    if (rc == 0)
        created = (rc = relais_kek_create(new_path, relais_kek_generation(old_kek) + 1)) == 0;
    if (rc == 0)
        rc = relais_kek_load(new_path, &new_kek);
    if (rc == 0)
        rc = relais_keys_rotate(store, old_kek, new_kek, moved);
    /* A rotation that did not commit left every key under the old generation: the new file
     * would open nothing. */
    if (rc != 0 && created)
        unlink(new_path);
    s_check_t check = {new_kek, 0};
    if (rc == 0)
        rc = relais_store_key_iterate(store, s_check_key, &check);
    if (rc == 0 && check.status)
        rc = check.status;
    if (rc == 0)
        *generation = relais_kek_generation(new_kek);
    relais_kek_destroy(&old_kek);
    relais_kek_destroy(&new_kek);
    return rc;
}

static int s_rotate(const char *store_dir, const char *old_path, const char *new_path, int keep_old)
{
    int lock = -1;
    relais_store_t *store = NULL;
    uint64_t moved = 0;
    uint32_t generation = 0;
    int rc = relais_store_lock_writer(store_dir, "relais-datakey-rotate", &lock);
    if (rc == 0)
        rc = relais_store_open(store_dir, NULL, &store);
    if (rc == 0)
        rc = s_rotate_store(store, old_path, new_path, &moved, &generation);
    relais_store_destroy(&store);
    if (lock >= 0)
        close(lock);
    if (rc)
        return s_fail(store_dir, rc);
    relais_cli_line(stdout, "%s: %" PRIu64 " data keys wrapped under generation %" PRIu32 " (%s)", store_dir, moved,
                    generation, new_path);
    if (keep_old) {
        relais_cli_line(stdout, "%s kept: it still opens snapshots taken before; erase it once none is needed",
                        old_path);
        return RELAIS_EXIT_OK;
    }
    rc = relais_kek_erase(old_path);
    if (rc)
        return s_fail(old_path, rc);
    relais_cli_line(stdout, "%s erased: start relaisd with --data-key %s", old_path, new_path);
    return RELAIS_EXIT_OK;
}

/* ---- The backup-key store ---------------------------------------------------------------- */

static int s_retired(const char *dir, uint64_t backup_days)
{
    DIR *d = opendir(dir);
    if (!d) {
        relais_cli_line(stderr, "relais datakey: %s: no backup-key store here (relaisd makes it at its first "
                                "rotation)", dir);
        return RELAIS_EXIT_USAGE;
    }
    struct dirent *e;
    int count = 0;
    while ((e = readdir(d)) != NULL) {
        uint32_t generation;
        int64_t retired_ms;
        if (relais_kek_retired_parse(e->d_name, &generation, &retired_ms) != 0)
            continue;
        char retired[32], until[32];
        relais_cli_time(retired_ms, retired, sizeof retired);
        relais_cli_time(retired_ms + (int64_t)backup_days * 24 * 3600 * 1000, until, sizeof until);
        relais_cli_line(stdout, "generation %" PRIu32 "  retired %s  destroyed by relaisd after %s  (%s/%s)",
                        generation, retired, until, dir, e->d_name);
        count++;
    }
    closedir(d);
    printf("%d retired generation%s\n", count, count == 1 ? "" : "s");
    return RELAIS_EXIT_OK;
}

/* The (first) file of generation `generation` in the store `dir`, into `path`; RELAIS_EXIT_USAGE when
 * there is none, said on stderr unless `quiet`. */
static int s_find_retired_in(const char *dir, uint64_t generation, char *path, size_t cap, int quiet)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int found = 0;
    while (d && !found && (e = readdir(d)) != NULL) {
        uint32_t g;
        int64_t ms;
        if (relais_kek_retired_parse(e->d_name, &g, &ms) == 0 && g == generation) {
            snprintf(path, cap, "%s/%s", dir, e->d_name);
            found = 1;
        }
    }
    if (d)
        closedir(d);
    if (!found && !quiet)
        relais_cli_line(stderr, "relais datakey: %s holds no generation %" PRIu64, dir, generation);
    return found ? 0 : RELAIS_EXIT_USAGE;
}

static int s_find_retired(const char *dir, uint64_t generation, char *path, size_t cap)
{
    return s_find_retired_in(dir, generation, path, cap, 0);
}

static int s_find_retired_quiet(const char *dir, uint64_t generation, char *path, size_t cap)
{
    return s_find_retired_in(dir, generation, path, cap, 1);
}

static int s_export_retired(const char *dir, uint64_t generation, const char *out)
{
    char path[4096];
    relais_kek_t *kek = NULL;
    int rc = s_find_retired(dir, generation, path, sizeof path);
    if (rc)
        return rc;
    rc = relais_kek_load(path, &kek);
    if (rc == 0)
        rc = relais_kek_save(kek, out);
    relais_kek_destroy(&kek);
    if (rc)
        return s_fail(out, rc);
    relais_cli_line(stdout, "%s: generation %" PRIu64 ", for the backups taken under it", out, generation);
    return RELAIS_EXIT_OK;
}

/* Every file of the generation: a restore from a snapshot of a retired generation has relaisd retire
 * that generation again at its next rotation, so the store may hold it twice, under two dates. */
static int s_destroy(const char *dir, uint64_t generation)
{
    char path[4096];
    int rc = s_find_retired(dir, generation, path, sizeof path);
    if (rc)
        return rc;
    int count = 0;
    do {
        rc = relais_kek_erase(path);
        if (rc)
            return s_fail(path, rc);
        count++;
    } while (s_find_retired_quiet(dir, generation, path, sizeof path) == 0);
    if (count > 1)
        relais_cli_line(stdout, "generation %" PRIu64 " destroyed (its %d files): the snapshots taken under it can no "
                                "longer be read",
                        generation, count);
    else
        relais_cli_line(stdout, "generation %" PRIu64 " destroyed: the snapshots taken under it can no longer be read",
                        generation);
    return RELAIS_EXIT_OK;
}

int relais_cmd_datakey(int argc, char **argv)
{
    static const struct option opts[] = {{"out", required_argument, NULL, 'o'},
                                         {"store", required_argument, NULL, 's'},
                                         {"data-key", required_argument, NULL, 'k'},
                                         {"keep-old", no_argument, NULL, 'K'},
                                         {"dir", required_argument, NULL, 'd'},
                                         {"generation", required_argument, NULL, 'g'},
                                         {"backup-days", required_argument, NULL, 'b'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *out = NULL, *store = NULL, *old = NULL, *dir = NULL;
    uint64_t generation = 0, backup_days = 30;
    int keep_old = 0, c;
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(s_help, stdout);
        return RELAIS_EXIT_OK;
    }
    if (argc < 2)
        return relais_cli_usage("datakey", "expected new or rotate");
    const char *sub = argv[1];
    optind = 0; /* getopt starts again, over the subcommand's own arguments */
    while ((c = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 's': store = optarg; break;
        case 'k': old = optarg; break;
        case 'K': keep_old = 1; break;
        case 'd': dir = optarg; break;
        case 'g':
            if (relais_cli_parse_u64(optarg, &generation) != 0 || generation == 0 || generation > UINT32_MAX)
                return relais_cli_usage("datakey", "--generation: a generation number, from 1");
            break;
        case 'b':
            if (relais_cli_parse_u64(optarg, &backup_days) != 0 || backup_days > 3650)
                return relais_cli_usage("datakey", "--backup-days: 0 to 3650");
            break;
        case 'h': fputs(s_help, stdout); return RELAIS_EXIT_OK;
        default: return relais_cli_usage("datakey", "unknown option");
        }
    }
    if (optind != argc - 1)
        return relais_cli_usage("datakey", "unexpected argument %s", argv[1 + optind]);
    int retired_opts = dir || generation;
    if (strcmp(sub, "retired") == 0)
        return dir && !generation && !out && !store && !old ? s_retired(dir, backup_days)
                                                             : relais_cli_usage("datakey", "retired takes --dir DIR");
    if (strcmp(sub, "export-retired") == 0)
        return dir && generation && out ? s_export_retired(dir, generation, out)
                                        : relais_cli_usage("datakey", "export-retired needs --dir, --generation, --out");
    if (strcmp(sub, "destroy") == 0)
        return dir && generation && !out ? s_destroy(dir, generation)
                                         : relais_cli_usage("datakey", "destroy needs --dir and --generation");
    if (retired_opts)
        return relais_cli_usage("datakey", "--dir and --generation are for retired, export-retired and destroy");
    if (strcmp(sub, "new") == 0) {
        if (!out || store || old || keep_old)
            return relais_cli_usage("datakey", "new takes --out FILE and nothing else");
        return s_new(out);
    }
    if (strcmp(sub, "rotate") == 0) {
        if (!out || !store || !old)
            return relais_cli_usage("datakey", "rotate needs --store DIR, --data-key FILE and --out NEW_FILE");
        return s_rotate(store, old, out, keep_old);
    }
    return relais_cli_usage("datakey", "expected new, rotate, retired, export-retired or destroy, not %s", sub);
}
