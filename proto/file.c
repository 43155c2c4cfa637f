/* file.c -- small state files replaced whole (relais_proto.h, "Small files written whole"). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "relais_proto.h"

static int s_write_all(int fd, const char *data, size_t len)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, data + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0) {
            errno = EIO;
            return -1;
        }
        done += (size_t)n;
    }
    return 0;
}

int relais_file_replace_at(int dir_fd, const char *dir_label, const char *name, const void *data, size_t len)
{
    char tmp[NAME_MAX + 1];
    int n = snprintf(tmp, sizeof tmp, ".%s.new", name);
    if (n < 0 || (size_t)n >= sizeof tmp || strchr(name, '/'))
        return relais_status_set(RELAIS_E_IO, "%s/%s: not a file name this folder can hold", dir_label, name);
    int fd = openat(dir_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return relais_status_set(RELAIS_E_IO, "cannot write %s/%s: %s", dir_label, tmp, strerror(errno));
    int ok = s_write_all(fd, data, len) == 0 && fsync(fd) == 0;
    int e = errno;
    if (close(fd) != 0 && ok) {
        ok = 0;
        e = errno;
    }
    if (ok && renameat(dir_fd, tmp, dir_fd, name) != 0) {
        ok = 0;
        e = errno;
    }
    if (!ok) {
        unlinkat(dir_fd, tmp, 0);
        return relais_status_set(RELAIS_E_IO, "cannot write %s/%s: %s", dir_label, name, strerror(e ? e : EIO));
    }
    if (fsync(dir_fd) != 0)
        return relais_status_set(RELAIS_E_IO, "cannot sync the folder %s: %s", dir_label, strerror(errno));
    return 0;
}

int relais_file_replace(const char *path, const void *data, size_t len)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    const char *name = slash ? slash + 1 : path;
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else if ((size_t)(slash - path) >= sizeof dir)
        return relais_status_set(RELAIS_E_IO, "%s: the folder's path is too long", path);
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    if (!*name)
        return relais_status_set(RELAIS_E_IO, "%s: names a folder, not a file", path);
    int dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd < 0)
        return relais_status_set(RELAIS_E_IO, "cannot open the folder %s: %s", dir, strerror(errno));
    int rc = relais_file_replace_at(dir_fd, dir, name, data, len);
    close(dir_fd);
    return rc;
}
