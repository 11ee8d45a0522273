/* SPDX-License-Identifier: Apache-2.0 */
/* Replays a fuzz target's corpus in the normal build (gcc, no libFuzzer):
 * its entry function on every file named, or in a directory named, so
 * the inputs that once found bugs keep being checked by every CTest run,
 * under ASan and UBSan too.  A broken invariant aborts (FUZZ_CHECK).
 *   fuzz-replay-TARGET FILE|DIR... */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

/* The fuzz runs take inputs up to 64 KiB (tests/fuzz/run.sh -max_len). */
#define REPLAY_MAX (64u << 10)

static int replay_file(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    fprintf(stderr, "%s: %s\n", path, strerror(errno));
    return 1;
  }
  static uint8_t buf[REPLAY_MAX];
  size_t n = 0;
  ssize_t got;
  while (n < sizeof(buf) &&
         (got = read(fd, buf + n, sizeof(buf) - n)) > 0)
    n += (size_t)got;
  close(fd);
  /* An exact-size heap copy, as libFuzzer hands it: a read past the end
   * is then an ASan finding. */
  uint8_t *data = malloc(n ? n : 1);
  if (!data)
    return 1;
  memcpy(data, buf, n);
  LLVMFuzzerTestOneInput(data, n);
  free(data);
  return 0;
}

static int cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int replay(const char *path, size_t *count) {
  struct stat sb;
  if (stat(path, &sb) < 0) {
    fprintf(stderr, "%s: %s\n", path, strerror(errno));
    return 1;
  }
  if (!S_ISDIR(sb.st_mode)) {
    (*count)++;
    return replay_file(path);
  }
  DIR *d = opendir(path);
  if (!d) {
    fprintf(stderr, "%s: %s\n", path, strerror(errno));
    return 1;
  }
  char **names = NULL;
  size_t n = 0;
  int rc = 0;
  struct dirent *de;
  while ((de = readdir(d))) {
    if (de->d_name[0] == '.')
      continue;
    char **p = realloc(names, (n + 1) * sizeof(*names));
    if (!p || asprintf(&p[n], "%s/%s", path, de->d_name) < 0) {
      names = p;
      rc = 1;
      break;
    }
    names = p;
    n++;
  }
  closedir(d);
  qsort(names, n, sizeof(*names), cmp);
  for (size_t i = 0; i < n; i++) {
    if (rc == 0)
      rc = replay(names[i], count);
    free(names[i]);
  }
  free(names);
  return rc;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
    return 2;
  }
  size_t count = 0;
  int rc = 0;
  for (int i = 1; i < argc && rc == 0; i++)
    rc = replay(argv[i], &count);
  if (rc == 0)
    printf("%s: %zu inputs replayed, every invariant held\n", argv[0],
           count);
  return rc;
}
