/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>

#include "base.h"
#include "fileio.h"
#include "hooklog.h"

static int open_log(const char *path, sp_error *e) {
  int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC |
                          O_NONBLOCK, 0600);
  if (fd < 0)
    return sp_fail_errno(e, -errno, "cannot open the log %s", path);
  struct stat sb;
  if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
    close(fd);
    return sp_fail(e, -EINVAL, "the log %s is not a regular file", path);
  }
  if ((sb.st_mode & 07777) != 0600 && fchmod(fd, 0600) < 0) {
    int r = -errno;
    close(fd);
    return sp_fail_errno(e, r, "cannot make the log %s 0600", path);
  }
  if (flock(fd, LOCK_EX) < 0) {
    int r = -errno;
    close(fd);
    return sp_fail_errno(e, r, "cannot lock the log %s", path);
  }
  return fd;
}

int spc_log_append(const char *path, size_t max, const char *line,
                   sp_error *e) {
  char old[PATH_MAX];
  if (snprintf(old, sizeof(old), "%s.1", path) >= (int)sizeof(old))
    return sp_fail(e, -ENAMETOOLONG, "log path %s is too long", path);
  _cleanup_close_ int fd = open_log(path, e);
  if (fd < 0)
    return fd;
  struct stat held, now;
  if (fstat(fd, &held) < 0)
    return sp_fail_errno(e, -errno, "cannot stat the log %s", path);
  /* Rotate only the file still at path: another hook may have rotated it
   * while we waited for the lock (then we hold the old one: reopen). */
  bool current = stat(path, &now) == 0 && now.st_ino == held.st_ino &&
                 now.st_dev == held.st_dev;
  if (!current || (size_t)held.st_size >= max) {
    if (current && rename(path, old) < 0)
      return sp_fail_errno(e, -errno, "cannot rotate the log %s", path);
    close(fd);
    if ((fd = open_log(path, e)) < 0)
      return fd;
  }
  size_t n = strlen(line);
  char buf[SHAREDPATH_ERROR_MESSAGE_MAX + 256];
  if (n > sizeof(buf) - 2)
    n = sizeof(buf) - 2;
  memcpy(buf, line, n);
  buf[n++] = '\n';
  /* One write of one line: O_APPEND keeps lines whole. */
  if (write(fd, buf, n) != (ssize_t)n)
    return sp_fail_errno(e, errno ? -errno : -EIO, "cannot write the log "
                         "%s", path);
  return 0;
}

int spc_syslog_send(const char *socket_path, int priority,
                    const char *msg) {
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  if (strlen(socket_path) >= sizeof(sa.sun_path))
    return -ENAMETOOLONG;
  memcpy(sa.sun_path, socket_path, strlen(socket_path) + 1);
  _cleanup_close_ int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -errno;
  if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
    return -errno;
  char stamp[32];
  time_t t = time(NULL);
  struct tm tm;
  strftime(stamp, sizeof(stamp), "%b %e %H:%M:%S", localtime_r(&t, &tm));
  char buf[2048];
  int n = snprintf(buf, sizeof(buf), "<%d>%s sharedpath[%d]: %s",
                   LOG_MAKEPRI(LOG_DAEMON, priority & LOG_PRIMASK), stamp,
                   (int)getpid(), msg);
  if (n < 0)
    return -EINVAL;
  if ((size_t)n >= sizeof(buf))
    n = sizeof(buf) - 1;
  if (send(fd, buf, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
    return -errno;
  return 0;
}

static const char *level_name(int priority) {
  switch (priority & LOG_PRIMASK) {
  case LOG_EMERG:
  case LOG_ALERT:
  case LOG_CRIT:
  case LOG_ERR:
    return "error";
  case LOG_WARNING:
    return "warning";
  default:
    return "info";
  }
}

void spc_hook_log(const char *state_dir, int priority, const char *fmt,
                  ...) {
  char msg[SHAREDPATH_ERROR_MESSAGE_MAX + 128];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  char line[sizeof(msg) + 96], stamp[32], dir[PATH_MAX], path[PATH_MAX];
  time_t t = time(NULL);
  struct tm tm;
  strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
  snprintf(line, sizeof(line), "%s sharedpath[%d]: %s: %s", stamp,
           (int)getpid(), level_name(priority), msg);
  snprintf(dir, sizeof(dir), "%s/" SPC_HOOK_LOG_DIR, state_dir);
  snprintf(path, sizeof(path), "%s/" SPC_HOOK_LOG_NAME, dir);
  sp_error e = {0};
  /* The state dir may not exist yet when the hook failed early. */
  int r = sp_mkdir(state_dir, 0700, NULL, &e);
  if (r >= 0 && (r = sp_mkdir(dir, 0700, NULL, &e)) >= 0 &&
      chmod(dir, 0700) < 0)
    r = sp_fail_errno(&e, -errno, "cannot make %s 0700", dir);
  if (r >= 0)
    r = spc_log_append(path, SPC_HOOK_LOG_MAX, line, &e);
  if (r < 0)
    fprintf(stderr, "sharedpath: warning: %s\n", e.msg);
  if ((priority & LOG_PRIMASK) <= LOG_WARNING)
    (void)spc_syslog_send(SPC_SYSLOG_SOCKET, priority, msg);
}
