/* fuzz_keys.c -- libFuzzer target: the hub's data key file, and wrapped keys as a store holds them.
 *
 * A data key file is text anyone with access to the hub's /etc may have edited; a wrapped key
 * is bytes a copy of the store may have had altered. Neither may crash the reader, and a file
 * that loads is one that wraps and unwraps.
 */
#include "fuzz_common.h"

#include "relais_keys.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char s_dir[200];        /* a folder of this process's own */
static char s_path[256];       /* where each input is written as a data key file */
static relais_kek_t *s_kek;    /* a real KEK, for the wrapped keys */

static void s_cleanup(void)
{
    unlink(s_path);
    rmdir(s_dir);
    relais_kek_destroy(&s_kek);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *tmp = getenv("TMPDIR");
    snprintf(s_dir, sizeof s_dir, "%s/relais-fuzz-keys-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(s_dir))
        fuzz_fail("no temporary folder", 0);
    snprintf(s_path, sizeof s_path, "%s/real.key", s_dir);
    int rc = relais_kek_create(s_path, 1);
    if (rc == RELAIS_OK)
        rc = relais_kek_load(s_path, &s_kek);
    if (rc != RELAIS_OK)
        fuzz_fail("cannot make the KEK", rc);
    unlink(s_path);
    snprintf(s_path, sizeof s_path, "%s/input.key", s_dir);
    atexit(s_cleanup);
    return 0;
}

/* Any text as a data key file: refused with MALFORMED or IO, or a KEK that round-trips a key. */
static void s_file(const uint8_t *data, size_t size)
{
    int fd = open(s_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    FUZZ_CHECK(fd >= 0, "cannot write the input file", 0);
    FUZZ_CHECK(write(fd, data, size) == (ssize_t)size, "cannot write the input file", 0);
    close(fd);
    relais_kek_t *kek = NULL;
    int rc = relais_kek_load(s_path, &kek);
    if (rc != RELAIS_OK) {
        FUZZ_CHECK(rc == RELAIS_E_MALFORMED || rc == RELAIS_E_IO, "a data key file refused with another code", rc);
        FUZZ_CHECK(kek == NULL, "a refused file left a KEK", rc);
        return;
    }
    FUZZ_CHECK(relais_kek_generation(kek) >= 1, "a KEK of generation 0", 0);
    uint8_t key[RELAIS_DATA_KEY_BYTES], back[RELAIS_DATA_KEY_BYTES], wrapped[RELAIS_WRAPPED_KEY_BYTES];
    memset(key, 0x5c, sizeof key);
    rc = relais_kek_wrap(kek, 9, key, wrapped);
    if (rc == RELAIS_OK)
        rc = relais_kek_unwrap(kek, 9, wrapped, sizeof wrapped, back);
    FUZZ_CHECK(rc == RELAIS_OK && memcmp(key, back, sizeof key) == 0, "a loaded KEK does not round-trip", rc);
    FUZZ_CHECK(relais_wrapped_generation(wrapped, sizeof wrapped) == relais_kek_generation(kek),
               "a wrapped key does not carry its KEK's generation", 0);
    relais_kek_destroy(&kek);
}

/* Any bytes as a stored wrapped key: never opened (only the KEK makes the tag), refused with
 * MALFORMED when it is no wrapped key, CRYPTO when it is one of another KEK or altered. */
static void s_wrapped(const uint8_t *data, size_t size)
{
    uint8_t key[RELAIS_DATA_KEY_BYTES];
    int rc = relais_kek_unwrap(s_kek, 9, data, size, key);
    FUZZ_CHECK(rc != RELAIS_OK, "bytes nobody wrapped opened as a data key", 0);
    uint32_t generation = relais_wrapped_generation(data, size);
    FUZZ_CHECK(generation == 0 ? rc == RELAIS_E_MALFORMED : rc == RELAIS_E_CRYPTO,
               "a wrapped key refused with the wrong code", rc);
    /* The same bytes as an archived key wrapped under the KEK. */
    uint8_t box[RELAIS_ARCHIVED_KEY_BYTES];
    rc = relais_kek_unwrap_archive(s_kek, 9, data, size, box);
    FUZZ_CHECK(rc != RELAIS_OK, "bytes nobody wrapped opened as an archived key", 0);
    generation = relais_wrapped_archive_generation(data, size);
    FUZZ_CHECK(generation == 0 ? rc == RELAIS_E_MALFORMED : rc == RELAIS_E_CRYPTO,
               "an archived key refused with the wrong code", rc);
    /* And as the sealed box itself, as the data protection officer's machine receives it. */
    uint8_t pk[RELAIS_ARCHIVE_PUBLIC_BYTES], sk[RELAIS_ARCHIVE_SECRET_BYTES], key2[RELAIS_DATA_KEY_BYTES];
    memset(pk, 0x11, sizeof pk);
    memset(sk, 0x22, sizeof sk);
    uint64_t id = 0;
    rc = relais_keys_archive_open(pk, sk, 0, UINT64_MAX, data, size, &id, key2);
    FUZZ_CHECK(size == RELAIS_ARCHIVED_KEY_BYTES ? rc == RELAIS_E_CRYPTO : rc == RELAIS_E_MALFORMED,
               "a box nobody sealed refused with the wrong code", rc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    s_file(data, size);
    s_wrapped(data, size);
    return 0;
}
