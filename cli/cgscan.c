/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "base.h"
#include "cgscan.h"
#include "fileio.h"
#include "owner.h"
#include "proc.h"

static bool component_names(const char *c, size_t len, const char *id,
                            size_t idlen) {
  if (len > 6 && memcmp(c + len - 6, ".scope", 6) == 0)
    len -= 6;
  if (len < idlen || memcmp(c + len - idlen, id, idlen) != 0)
    return false;
  return len == idlen || c[len - idlen - 1] == '-';
}

bool spc_cgroup_names(const char *text, const char *engine_id) {
  size_t idlen = strlen(engine_id);
  if (!idlen)
    return false;
  for (const char *line = text; *line;) {
    size_t ll = strcspn(line, "\n");
    /* hierarchy-ID:controllers:path */
    const char *c1 = memchr(line, ':', ll);
    const char *c2 = c1 ? memchr(c1 + 1, ':', ll - (size_t)(c1 + 1 - line))
                        : NULL;
    if (c2) {
      const char *p = c2 + 1, *end = line + ll;
      while (p < end) {
        const char *slash = memchr(p, '/', (size_t)(end - p));
        const char *cend = slash ? slash : end;
        if (cend > p && component_names(p, (size_t)(cend - p), engine_id,
                                         idlen))
          return true;
        p = cend + 1;
      }
    }
    line += ll;
    if (*line)
      line++;
  }
  return false;
}

pid_t spc_cgroup_find(const char *engine_id) {
  struct stat self;
  if (stat("/proc/self/ns/mnt", &self) < 0)
    return 0;
  DIR *d = opendir("/proc");
  if (!d)
    return 0;
  pid_t found = 0;
  struct dirent *de;
  while ((de = readdir(d))) {
    if (!isdigit((unsigned char)de->d_name[0]))
      continue;
    char path[64];
    snprintf(path, sizeof(path), "/proc/%s/cgroup", de->d_name);
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    _cleanup_free_ char *text = NULL;
    if (fd < 0 || sp_read_all(fd, -1, 64u << 10, path, &text, NULL, NULL) < 0 ||
        !spc_cgroup_names(text, engine_id))
      continue;
    pid_t pid = (pid_t)atoi(de->d_name);
    struct stat ns;
    snprintf(path, sizeof(path), "/proc/%s/ns/mnt", de->d_name);
    bool other_ns = stat(path, &ns) == 0 && (ns.st_dev != self.st_dev ||
                                             ns.st_ino != self.st_ino);
    if (!found || other_ns)
      found = pid;
    if (other_ns)
      break;
  }
  closedir(d);
  return found;
}

pid_t spc_unrecorded_running(const char *state_dir, const char *id,
                             spc_owner *owner) {
  sph_proc rec;
  if (spc_record_load(state_dir, id, &rec, NULL) != -ENOENT ||
      spc_owner_load(state_dir, id, owner, NULL) < 0)
    return 0;
  return spc_cgroup_find(owner->engine_id);
}
