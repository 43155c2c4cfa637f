/* store_lock.c -- one writing process a store: relaisd, or a key rotation while relaisd is stopped. */
#include "relais_store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "relais_proto.h"
#include "store_internal.h"

/* Who holds the lock, for the sentence: "relaisd (pid 123)", from the file's one line. */
static void s_holder(int fd, char *out, size_t cap)
{
    char line[96] = "";
    ssize_t n = pread(fd, line, sizeof line - 1, 0);
    line[n > 0 ? n : 0] = '\0';
    line[strcspn(line, "\n")] = '\0';
    long pid = 0;
    char who[64] = "";
    int got = sscanf(line, "%ld %63s", &pid, who);
    if (got == 2)
        snprintf(out, cap, "%s (pid %ld)", who, pid);
    else if (got == 1)
        snprintf(out, cap, "relaisd (pid %ld)", pid);
    else
        snprintf(out, cap, "another process");
}

int relais_store_lock_writer(const char *dir, const char *who, int *fd_out)
{
    char path[4096];
    if (!dir || !who || !fd_out)
        return relais_status_set(RELAIS_E_INVALID, "relais_store_lock_writer needs a directory, a name and a result");
    if (snprintf(path, sizeof path, "%s/relaisd.lock", dir) >= (int)sizeof path)
        return relais_status_set(RELAIS_E_INVALID, "the store path %s is too long", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return relais_status_set(RELAIS_E_IO, "cannot open %s: %s", path, strerror(errno));
    /* A reader's probe (store_writer_running) holds the lock shared for an instant: a few tries
     * keep it from failing a start. */
    int locked = flock(fd, LOCK_EX | LOCK_NB) == 0;
    for (int tries = 0; !locked && errno == EWOULDBLOCK && tries < 20; tries++) {
        usleep(10000);
        locked = flock(fd, LOCK_EX | LOCK_NB) == 0;
    }
    if (!locked) {
        int saved = errno;
        char holder[128];
        s_holder(fd, holder, sizeof holder);
        close(fd);
        if (saved == EWOULDBLOCK)
            return relais_status_set(RELAIS_E_UNAVAILABLE,
                                     "the store %s is in use by another %s: stop that one first, or give this one a "
                                     "store of its own",
                                     dir, holder);
        return relais_status_set(RELAIS_E_IO, "cannot lock %s: %s", path, strerror(saved));
    }
    char line[96];
    int len = snprintf(line, sizeof line, "%ld %s\n", (long)getpid(), who);
    if (len < 0 || (size_t)len >= sizeof line || ftruncate(fd, 0) != 0 || pwrite(fd, line, (size_t)len, 0) != len) {
        int saved = errno;
        close(fd);
        return relais_status_set(RELAIS_E_IO, "cannot write %s: %s", path, strerror(saved));
    }
    *fd_out = fd;
    return 0;
}

int store_writer_running(const char *dir)
{
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/relaisd.lock", dir) >= sizeof path)
        return 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return 0;
    int running = flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    close(fd); /* lets go of the shared lock, if it was taken */
    return running;
}
