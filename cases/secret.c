/* secret.c -- the hub's child-key secret: a 32-byte file beside the store, read or created once. */
#include "relais_cases.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/rand.h>

static int s_secret_read(const char *path, int fd, uint8_t out[RELAIS_CASES_SECRET_SIZE])
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return relais_status_set(RELAIS_E_IO, "cannot stat %s: %s", path, strerror(errno));
    /* The secret turns names into keys: whoever reads it can test guesses of a child's name. */
    if (st.st_mode & 077)
        return relais_status_set(RELAIS_E_IO, "%s is readable by others (mode %03o); it must be 0600", path,
                                 (unsigned)(st.st_mode & 0777));
    if (st.st_size != RELAIS_CASES_SECRET_SIZE)
        return relais_status_set(RELAIS_E_IO, "%s must hold exactly %d bytes", path, RELAIS_CASES_SECRET_SIZE);
    if (read(fd, out, RELAIS_CASES_SECRET_SIZE) != RELAIS_CASES_SECRET_SIZE)
        return relais_status_set(RELAIS_E_IO, "cannot read %s", path);
    return 0;
}

/* Syncs the directory `path` is in, so that a file just created there survives a crash. */
static int s_sync_dir_of(const char *path)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    int fd = open(slash ? (dir[0] ? dir : "/") : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int ok = fd >= 0 && fsync(fd) == 0;
    if (fd >= 0)
        close(fd);
    return ok ? 0 : -1;
}

/* Writes the secret to a new file (0600, synced with its directory); never over an existing
 * one. */
static int s_secret_write(const char *path, const uint8_t secret[RELAIS_CASES_SECRET_SIZE])
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return relais_status_set(RELAIS_E_IO, "cannot create %s: %s", path, strerror(errno));
    int ok = write(fd, secret, RELAIS_CASES_SECRET_SIZE) == RELAIS_CASES_SECRET_SIZE && fsync(fd) == 0;
    close(fd);
    ok = ok && s_sync_dir_of(path) == 0;
    if (!ok) {
        unlink(path);
        return relais_status_set(RELAIS_E_IO, "cannot write %s", path);
    }
    return 0;
}

static int s_secret_create(const char *path, uint8_t out[RELAIS_CASES_SECRET_SIZE])
{
    if (RAND_bytes(out, RELAIS_CASES_SECRET_SIZE) != 1)
        return relais_status_set(RELAIS_E_CRYPTO, "no random bytes for the hub secret");
    return s_secret_write(path, out);
}

int relais_cases_secret_save(const char *dir, const uint8_t secret[RELAIS_CASES_SECRET_SIZE])
{
    char path[4096];
    if (!dir || !secret)
        return relais_status_set(RELAIS_E_INVALID, "relais_cases_secret_save needs a directory and a secret");
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, RELAIS_CASES_SECRET_FILE) >= sizeof path)
        return relais_status_set(RELAIS_E_IO, "store path too long");
    return s_secret_write(path, secret);
}

int relais_cases_secret_load(const char *dir, int may_create, uint8_t out[RELAIS_CASES_SECRET_SIZE], int *created)
{
    char path[4096];
    if (created)
        *created = 0;
    if (!dir || !out)
        return relais_status_set(RELAIS_E_INVALID, "relais_cases_secret_load needs a directory and room");
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, RELAIS_CASES_SECRET_FILE) >= sizeof path)
        return relais_status_set(RELAIS_E_IO, "store path too long");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && !may_create)
        return relais_status_set(RELAIS_E_IO, "%s is missing but the log is not empty: without it no referral "
                                              "finds its child's case; restore it from backup", path);
    if (fd < 0 && errno == ENOENT) {
        int rc = s_secret_create(path, out);
        if (rc == 0 && created)
            *created = 1;
        return rc;
    }
    if (fd < 0)
        return relais_status_set(RELAIS_E_IO, "cannot open %s: %s", path, strerror(errno));
    int rc = s_secret_read(path, fd, out);
    close(fd);
    return rc;
}

int relais_cases_secret_load_sealed(relais_store_t *store, relais_keyring_t *ring, int may_create,
                                    uint8_t out[RELAIS_CASES_SECRET_SIZE], int *created)
{
    if (created)
        *created = 0;
    if (!store || !ring || !out)
        return relais_status_set(RELAIS_E_INVALID, "relais_cases_secret_load_sealed needs a store and a keyring");
    int rc = relais_keyring_key(ring, store, NULL, RELAIS_KEY_ID_CHILD_SECRET, out);
    if (rc != RELAIS_E_NOT_FOUND || !may_create)
        return rc;
    relais_store_batch_t *batch = NULL;
    rc = relais_store_batch_begin(store, &batch);
    if (rc == 0)
        rc = relais_keyring_create(ring, batch, RELAIS_KEY_ID_CHILD_SECRET, out);
    if (rc == 0)
        rc = relais_store_batch_commit(&batch);
    else
        relais_store_batch_abort(&batch);
    relais_keyring_settle(ring, rc == 0);
    if (rc == 0 && created)
        *created = 1;
    return rc;
}
