/* file.c: atomic file replacement (file.h). */
#include "base/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Every byte, through short writes and EINTR. Returns 0 or -1 (errno set). */
static int write_all(int fd, const char *p, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

/* fsync of the directory holding path, so the rename itself survives a crash. */
static int sync_dir(const char *path) {
  const char *slash = strrchr(path, '/');
  char *dir = slash == NULL ? strdup(".") : slash == path ? strdup("/")
                                                          : strndup(path, (size_t)(slash - path));
  if (dir == NULL) return -1;
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  free(dir);
  if (fd < 0) return -1;
  int rc = fsync(fd);
  int saved = errno;
  close(fd);
  errno = saved;
  return rc;
}

int bloopi_file_write_atomic(const char *path, const void *data, size_t len) {
  size_t n = strlen(path) + 32;
  char *tmp = malloc(n);
  if (tmp == NULL) return -1;
  snprintf(tmp, n, "%s.tmp.%ld", path, (long)getpid());
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) goto fail;
  if (write_all(fd, data, len) != 0 || fsync(fd) != 0) {
    int saved = errno;
    close(fd);
    errno = saved;
    goto fail_unlink;
  }
  if (close(fd) != 0 || rename(tmp, path) != 0) goto fail_unlink;
  free(tmp);
  return sync_dir(path);

fail_unlink : {
  int saved = errno;
  unlink(tmp);
  errno = saved;
}
fail : {
  int saved = errno;
  free(tmp);
  errno = saved;
  return -1;
}
}
