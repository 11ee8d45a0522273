/* SPDX-License-Identifier: Apache-2.0 */
/* sharedpath-kernel-run: run a command as if on an older kernel.
 *
 *   sharedpath-kernel-run --kernel 6.6|5.15|5.10|5.4|4.19 [--shim PATH]
 *                         [--no-shim] -- CMD [ARG]...
 *
 * Installs a seccomp filter (raw BPF, no libseccomp) under which every
 * system call the named kernel does not have fails with ENOSYS, and the
 * flags it does not know of a few calls it has fail with EINVAL, exactly
 * as that kernel answers; then execs CMD.  The filter is inherited by
 * every child and survives every exec (ctest, the sim, runc, runc init).
 * What a filter cannot take away (statx mask bits, setns on a pidfd,
 * CLONE_PIDFD, idmapped tmpfs) is emulated by the LD_PRELOAD shim the
 * launcher sets, for programs that call glibc.  See README.md for what
 * each profile emulates and what it cannot.
 *
 * no_new_privs is not set when the caller may install a filter without it
 * (CAP_SYS_ADMIN, i.e. root here): setuid programs and runc's own
 * noNewPrivileges handling then behave exactly as without the launcher.
 * Only an unprivileged caller gets no_new_privs, with a note on stderr.
 *
 * Exit status: CMD's; 2 bad command line; 1 the filter could not be
 * installed; 126/127 CMD could not be executed. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "filter.h"

#ifndef SECCOMP_FILTER_FLAG_SPEC_ALLOW
#define SECCOMP_FILTER_FLAG_SPEC_ALLOW (1UL << 2)
#endif

static int install(struct sock_filter *f, int n) {
  struct sock_fprog fp = {.len = (unsigned short)n, .filter = f};
  /* SPEC_ALLOW: no forced speculative-store-bypass mitigation, so the
   * suite runs as fast as without the launcher. */
  unsigned long flags = SECCOMP_FILTER_FLAG_SPEC_ALLOW;
  for (int attempt = 0; attempt < 3; attempt++) {
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &fp) == 0)
      return 0;
    if (errno == EINVAL && flags) {
      flags = 0; /* a kernel before 4.17 has no SPEC_ALLOW */
      continue;
    }
    if (errno != EACCES)
      break;
    /* Not privileged in our user namespace: the kernel demands
     * no_new_privs, so setuid programs below will not gain privileges. */
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
      break;
    fprintf(stderr, "sharedpath-kernel-run: not privileged: set no_new_privs "
                    "to install the filter (setuid programs will not gain "
                    "privileges)\n");
  }
  return -errno;
}

static int usage(void) {
  fprintf(stderr, "usage: sharedpath-kernel-run --kernel VERSION [--shim PATH] "
                  "[--no-shim] -- CMD [ARG]...\nVERSION:");
  for (size_t i = 0; i < sizeof(sp_kernel_profiles) / sizeof(*sp_kernel_profiles);
       i++)
    fprintf(stderr, " %s", sp_kernel_profiles[i].name);
  fprintf(stderr, "\n");
  return 2;
}

/* The shim beside this program, where the build puts it. */
static int default_shim(char *out, size_t size) {
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n < 0)
    return -errno;
  exe[n] = '\0';
  char *slash = strrchr(exe, '/');
  if (!slash)
    return -ENOENT;
  *slash = '\0';
  if (snprintf(out, size, "%s/sharedpath-kernel-shim.so", exe) >= (int)size)
    return -ENAMETOOLONG;
  return 0;
}

int main(int argc, char **argv) {
  const char *kernel = NULL, *shim = NULL;
  bool no_shim = false;
  int i = 1;
  for (; i < argc; i++) {
    if (strcmp(argv[i], "--") == 0) {
      i++;
      break;
    } else if (strcmp(argv[i], "--kernel") == 0 && i + 1 < argc) {
      kernel = argv[++i];
    } else if (strcmp(argv[i], "--shim") == 0 && i + 1 < argc) {
      shim = argv[++i];
    } else if (strcmp(argv[i], "--no-shim") == 0) {
      no_shim = true;
    } else {
      return usage();
    }
  }
  const sp_kernel_profile *k = sp_kernel_profile_find(kernel);
  if (!k || i >= argc) {
    if (kernel && !k)
      fprintf(stderr, "sharedpath-kernel-run: no profile for kernel '%s'\n",
              kernel);
    return usage();
  }
  unsigned host = sp_host_kv();
  if (host && host < k->kv)
    fprintf(stderr, "sharedpath-kernel-run: note: this kernel is older than "
                    "%s; the profile only takes away what %s lacks\n",
            k->name, k->name);

  char path[PATH_MAX];
  if (!no_shim) {
    if (!shim) {
      int r = default_shim(path, sizeof(path));
      if (r < 0) {
        fprintf(stderr, "sharedpath-kernel-run: cannot find the shim: %s\n",
                strerror(-r));
        return 1;
      }
      shim = path;
    }
    if (access(shim, R_OK) < 0) {
      fprintf(stderr, "sharedpath-kernel-run: shim %s: %s (or --no-shim)\n",
              shim, strerror(errno));
      return 1;
    }
    const char *old = getenv("LD_PRELOAD");
    size_t len = strlen(shim) + (old ? strlen(old) : 0) + 2;
    char *preload = malloc(len);
    if (!preload)
      return 1;
    snprintf(preload, len, "%s%s%s", shim, old && *old ? ":" : "",
             old ? old : "");
    if (setenv("LD_PRELOAD", preload, 1) < 0)
      return 1;
    free(preload);
  }
  if (setenv(SP_KERNEL_PROFILE_ENV, k->name, 1) < 0)
    return 1;

  struct sock_filter f[SP_KERNEL_FILTER_MAX];
  int n = sp_kernel_filter(k, f, SP_KERNEL_FILTER_MAX);
  if (n < 0) {
    fprintf(stderr, "sharedpath-kernel-run: cannot build the filter\n");
    return 1;
  }
  int r = install(f, n);
  if (r < 0) {
    fprintf(stderr, "sharedpath-kernel-run: cannot install the seccomp "
                    "filter: %s\n", strerror(-r));
    return 1;
  }
  execvp(argv[i], argv + i);
  int e = errno;
  fprintf(stderr, "sharedpath-kernel-run: %s: %s\n", argv[i], strerror(e));
  return e == ENOENT ? 127 : 126;
}
