/* key_search.c -- does any copy of a case's key still open? For lifecycle.sh.
 *
 *   key_search [--bytes-from STORE] KEY_ID DPO_KEY KEK_FILE... -- FILE...
 *
 * Scans every byte of every FILE (store files and the files of a folder given, free pages included, snapshots) for what could be
 * a data key of KEY_ID wrapped under a KEK (format 1 and the generation of one of the KEK files
 * given) or its archived key (format 2: the sealed box for the data protection officer, wrapped
 * under a KEK), and tries to open each candidate with every KEK given, then an archived one with
 * the officer's key pair (DPO_KEY, a NAME.cert_secret). Prints one line a copy that opens, then
 * "candidates N opened M". With --bytes-from, first counts the copies, in the files, of the
 * very bytes that STORE (a snapshot taken before) keeps for the key: what is still there,
 * whether or not anything opens it. Exit 0 unless the arguments are wrong.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <zmq.h>

#include "relais_certs.h"
#include "relais_keys.h"
#include "relais_store.h"

#define S_KEKS_MAX 64

typedef struct {
    relais_kek_t *keks[S_KEKS_MAX];
    const char *paths[S_KEKS_MAX];
    size_t count;
    uint64_t key_id;
    uint8_t dpo_public[32], dpo_secret[32];
    unsigned long candidates, opened;
    uint8_t *known[2];   /* the wrapped key and the archived key as a snapshot kept them, or NULL */
    size_t known_len[2];
    unsigned long copies;
} s_search_t;

static uint32_t s_u32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void s_try(s_search_t *s, const char *file, size_t at, const uint8_t *p, size_t left)
{
    int archive = p[0] == 2;
    size_t need = archive ? RELAIS_WRAPPED_ARCHIVE_BYTES : RELAIS_WRAPPED_KEY_BYTES;
    if (left < need)
        return;
    for (size_t k = 0; k < s->count; k++) {
        if (s_u32(p + 1) != relais_kek_generation(s->keks[k]))
            continue;
        s->candidates++;
        uint8_t key[RELAIS_DATA_KEY_BYTES], box[RELAIS_ARCHIVED_KEY_BYTES];
        int rc = archive ? relais_kek_unwrap_archive(s->keks[k], s->key_id, p, need, box)
                         : relais_kek_unwrap(s->keks[k], s->key_id, p, need, key);
        if (rc == 0 && archive)
            rc = relais_keys_archive_open(s->dpo_public, s->dpo_secret, s->key_id, s->key_id, box, sizeof box,
                                          &(uint64_t){0}, key);
        if (rc == 0) {
            s->opened++;
            printf("OPENS %s offset %zu: %s of key %llu with %s (generation %u)%s\n", file, at,
                   archive ? "the archived key" : "the wrapped key", (unsigned long long)s->key_id, s->paths[k],
                   relais_kek_generation(s->keks[k]), archive ? " and the officer's key" : "");
        }
    }
}

static int s_scan(s_search_t *s, const char *file)
{
    struct stat st;
    if (stat(file, &st) != 0)
        return 0; /* a file that went away (the store's lock) has nothing to search */
    if (S_ISDIR(st.st_mode)) {
        /* A store's index environment is a folder of its own: its files are searched too. */
        DIR *d = opendir(file);
        struct dirent *e;
        while (d && (e = readdir(d)) != NULL) {
            char path[4096];
            if (e->d_name[0] != '.' && (size_t)snprintf(path, sizeof path, "%s/%s", file, e->d_name) < sizeof path)
                s_scan(s, path);
        }
        if (d)
            closedir(d);
        return 0;
    }
    if (!S_ISREG(st.st_mode))
        return 0;
    FILE *f = fopen(file, "rb");
    if (!f)
        return 0; /* a file that went away (the store's lock) has nothing to search */
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *bytes = size > 0 ? malloc((size_t)size) : NULL;
    size_t n = bytes ? fread(bytes, 1, (size_t)size, f) : 0;
    fclose(f);
    for (size_t i = 0; i + 5 <= n; i++) {
        for (int k = 0; k < 2; k++)
            if (s->known[k] && i + s->known_len[k] <= n && memcmp(bytes + i, s->known[k], s->known_len[k]) == 0)
                s->copies++;
        if (bytes[i] == 1 || bytes[i] == 2)
            s_try(s, file, i, bytes + i, n - i);
    }
    free(bytes);
    return 0;
}

int main(int argc, char **argv)
{
    s_search_t s;
    memset(&s, 0, sizeof s);
    const char *from = NULL;
    if (argc > 2 && strcmp(argv[1], "--bytes-from") == 0) {
        from = argv[2];
        argc -= 2;
        argv += 2;
    }
    if (argc < 5) {
        fprintf(stderr, "usage: key_search KEY_ID DPO_KEY KEK_FILE... -- FILE...\n");
        return 2;
    }
    s.key_id = strtoull(argv[1], NULL, 10);
    if (from) {
        relais_store_t *store = NULL;
        const relais_store_options_t ro = {.read_only = 1};
        if (relais_store_open(from, &ro, &store) != 0) {
            fprintf(stderr, "key_search: %s: %s\n", from, relais_status_detail());
            return 2;
        }
        if (relais_store_key_get(store, s.key_id, &s.known[0], &s.known_len[0]) != 0)
            s.known[0] = NULL;
        if (relais_store_archive_get(store, s.key_id, &s.known[1], &s.known_len[1]) != 0)
            s.known[1] = NULL;
        relais_store_destroy(&store);
    }
    relais_identity_t *dpo = NULL;
    if (relais_identity_load(argv[2], &dpo) != 0 ||
        !zmq_z85_decode(s.dpo_public, relais_identity_curve_public_z85(dpo)) ||
        !zmq_z85_decode(s.dpo_secret, relais_identity_curve_secret_z85(dpo))) {
        fprintf(stderr, "key_search: %s: %s\n", argv[2], relais_status_detail());
        return 2;
    }
    relais_identity_destroy(&dpo);
    int i = 3;
    for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (s.count == S_KEKS_MAX || relais_kek_load(argv[i], &s.keks[s.count]) != 0) {
            fprintf(stderr, "key_search: %s: %s\n", argv[i], relais_status_detail());
            return 2;
        }
        s.paths[s.count++] = argv[i];
    }
    for (i++; i < argc; i++)
        s_scan(&s, argv[i]);
    if (from)
        printf("copies of the bytes %s kept %lu\n", from, s.copies);
    printf("candidates %lu opened %lu\n", s.candidates, s.opened);
    free(s.known[0]);
    free(s.known[1]);
    for (size_t k = 0; k < s.count; k++)
        relais_kek_destroy(&s.keks[k]);
    return 0;
}
