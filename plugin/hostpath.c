/* SPDX-License-Identifier: Apache-2.0 */
/* Opening a host path to bind: the host-path rules checked on the text
 * given and on where it really leads, a missing directory created below
 * what exists without following symlinks (hostpath.h). */
#include <fcntl.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "fault.h"
#include "hostpath.h"
#include "rules.h"
#include "syscalls.h"

/* The host-path rules on where fd really is (after every symlink), with
 * suffix (the part still to be created, or "") appended. */
static int check_real_host_path(const sp_ctx *ctx, int fd, const char *suffix,
                                const char *given, sp_error *err) {
  char link[64], real[PATH_MAX];
  snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
  ssize_t len = readlink(link, real, sizeof(real));
  if (len < 0)
    return sp_fail_errno(err, -errno, "cannot resolve host path %s", given);
  size_t sl = strlen(suffix);
  if ((size_t)len + sl >= sizeof(real))
    return sp_fail(err, -ENAMETOOLONG, "host path %s resolves to a path of "
                   "%d bytes or more", given, PATH_MAX);
  if (len == 1 && sl)
    len = 0; /* "/" + "/x" */
  memcpy(real + len, suffix, sl + 1);
  if (real[0] != '/')
    return sp_fail(err, -EPERM, "host path %s resolves outside this "
                   "process's root (%s)", given, real);
  return sp_host_path_check(real, ctx->root, ctx->state_dir,
                            ctx->flags & SHAREDPATH_HOST_ALLOW_SENSITIVE_PATHS,
                            err);
}

/* mkdir -p for a host path that does not exist yet (0755): the rules are
 * checked on where the deepest existing ancestor really is, before
 * anything is created, and each new component is made and opened below
 * the previous one without following symlinks.  Returns an O_PATH fd. */
static int create_host_dir(const sp_ctx *ctx, const char *path,
                           sp_error *err) {
  char buf[PATH_MAX];
  snprintf(buf, sizeof(buf), "%s", path);
  size_t len = strlen(buf);
  _cleanup_close_ int dirfd = -1;
  size_t cut = len;
  for (;;) {
    while (cut > 0 && buf[cut] != '/')
      cut--;
    if (cut == 0) {
      dirfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
      break;
    }
    buf[cut] = '\0';
    dirfd = open(buf, O_PATH | O_DIRECTORY | O_CLOEXEC);
    buf[cut] = '/';
    if (dirfd >= 0 || errno != ENOENT)
      break;
    cut--;
  }
  if (dirfd < 0)
    return sp_fail_errno(err, -errno, "cannot create host directory %s",
                         path);
  int r = check_real_host_path(ctx, dirfd, buf + cut, path, err);
  if (r < 0)
    return r;
  char *p = buf + cut + 1;
  for (;;) {
    char *slash = strchr(p, '/');
    if (slash)
      *slash = '\0';
    if (SP_SYS(SP_F_MKDIR, mkdirat(dirfd, p, 0755)) < 0 && errno != EEXIST)
      return sp_fail_errno(err, -errno, "cannot create host directory %s "
                           "(at %s)", path, p);
    int fd = openat(dirfd, p, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
      return sp_fail_errno(err, -errno, "cannot open host directory %s "
                           "(at %s), just created", path, p);
    close(dirfd);
    dirfd = fd;
    if (!slash)
      return TAKE_FD(dirfd);
    p = slash + 1;
  }
}

/* The kernel's own filesystems hand the host over wherever they are
 * mounted: /proc or /sys bound under another name is refused like /proc
 * and /sys themselves (unless the engine allows sensitive paths). */
int sp_host_check_kernel_fs(const sp_ctx *ctx, int fd, const char *host,
                            sp_error *err) {
  if (ctx->flags & SHAREDPATH_HOST_ALLOW_SENSITIVE_PATHS)
    return 0;
  static const struct {
    long magic;
    const char *name;
  } kernel_fs[] = {
      {PROC_SUPER_MAGIC, "procfs"},       {SYSFS_MAGIC, "sysfs"},
      {DEBUGFS_MAGIC, "debugfs"},         {TRACEFS_MAGIC, "tracefs"},
      {SECURITYFS_MAGIC, "securityfs"},   {BPF_FS_MAGIC, "bpffs"},
  };
  struct statfs sf;
  if (fstatfs(fd, &sf) < 0)
    return sp_fail_errno(err, -errno, "cannot statfs host path %s", host);
  for (size_t i = 0; i < SP_ARRAY_SIZE(kernel_fs); i++)
    if (sf.f_type == kernel_fs[i].magic)
      return sp_fail(err, -EPERM, "host path %s is on %s, which would hand "
                     "the host over to the container", host,
                     kernel_fs[i].name);
  return 0;
}

/* Open the host path to bind, and check what it really is after symlinks
 * through that fd, so a symlink swap cannot change it afterwards.  When no
 * symlink is on the way (openat2 RESOLVE_NO_SYMLINKS), the cleaned text is
 * that path and the check needs no readlink of /proc/self/fd/N (a procfs
 * lookup); otherwise, or on a kernel without openat2, it reads the link
 * as before. */
int sp_host_open(const sp_ctx *ctx, const char *host, sp_error *err) {
  /* The path as given first: nothing is created under the shared root,
   * the state dir or /proc before the rules are checked. */
  int r = sp_host_path_check(host, ctx->root, ctx->state_dir,
                             ctx->flags & SHAREDPATH_HOST_ALLOW_SENSITIVE_PATHS,
                             err);
  if (r < 0)
    return r;
  struct open_how how = {.flags = O_PATH | O_CLOEXEC,
                         .resolve = RESOLVE_NO_SYMLINKS};
  int fd = sp_openat2(AT_FDCWD, host, &how);
  if (fd >= 0)
    return fd; /* no symlink on the way: the text checked is the path */
  /* Missing (and no symlink before the missing part): create it, checking
   * where the deepest existing ancestor really is first. */
  if (errno == ENOENT)
    return create_host_dir(ctx, host, err);
  _cleanup_close_ int hostfd = open(host, O_PATH | O_CLOEXEC);
  if (hostfd < 0 && errno == ENOENT)
    return create_host_dir(ctx, host, err);
  if (hostfd < 0)
    return sp_fail_errno(err, -errno, "cannot open host path %s", host);
  /* Check what the path really is after symlinks, through the fd we will
   * bind, so a symlink swap cannot change it afterwards. */
  if ((r = check_real_host_path(ctx, hostfd, "", host, err)) < 0)
    return r;
  return TAKE_FD(hostfd);
}
