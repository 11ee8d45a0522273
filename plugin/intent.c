/* SPDX-License-Identifier: Apache-2.0 */
/* The intent record in a container's lock file (intent.h). */
#include <string.h>

#include "fileio.h"
#include "intent.h"

int sp_intent_write(int lockfd, off_t *size, const char *id,
                    const sp_state *st, sp_error *err) {
  _cleanup_free_ char *text = NULL;
  int r = sp_state_to_json(st, id, false, &text, err);
  if (r < 0)
    return r;
  size_t len = strlen(text);
  /* A lock file an earlier, larger batch left long would have every later
   * record padded to its length (tens of KiB after 128 paths): cut it
   * once instead.  Nothing is live in it (a live record was reconciled
   * before this call got here). */
  if (*size > 4096 && (size_t)*size > 2 * len &&
      ftruncate(lockfd, (off_t)len) == 0)
    *size = (off_t)len;
  size_t total = *size > 0 && (size_t)*size > len ? (size_t)*size : len;
  if (total > len) {
    /* Blanks over the rest of an older, longer record. */
    char *p = realloc(text, total);
    if (!p)
      return sp_fail(err, -ENOMEM, "out of memory");
    text = p;
    memset(text + len, ' ', total - len);
  }
  /* The body first, then the '{' that makes it live: a record cut short
   * never reads as one. */
  r = sp_write_all(lockfd, text + 1, total - 1, 1);
  if (r == 0)
    r = sp_write_all(lockfd, text, 1, 0);
  if (r < 0) {
    sp_intent_clear(lockfd);
    return sp_fail_errno(err, r, "cannot record the operation's intent");
  }
  *size = (off_t)total;
  return 0;
}

int sp_intent_read(int lockfd, off_t size, const char *id, sp_state *st,
                   bool *exists, sp_error *err) {
  *st = (sp_state){0};
  *exists = false;
  char first;
  ssize_t n;
  if (size <= 0)
    return 0;
  while ((n = pread(lockfd, &first, 1, 0)) < 0 && errno == EINTR)
    ;
  if (n < 0)
    return sp_fail_errno(err, -errno, "cannot read the lock file");
  if (n == 0 || first != '{')
    return 0; /* cleared, or never finished: nothing was mounted for it */
  if ((uint64_t)size > SP_STATE_MAX_BYTES)
    return sp_fail(err, -EFBIG, "the recorded intent is %lld bytes; it is "
                   "corrupt", (long long)size);
  _cleanup_free_ char *buf = NULL;
  size_t len = 0;
  int r = sp_read_all(lockfd, 0, SP_STATE_MAX_BYTES, "the recorded intent",
                      &buf, &len, err);
  if (r < 0)
    return r;
  if ((r = sp_state_parse(buf, len, id, st, err)) < 0)
    return r;
  *exists = true;
  return 0;
}

int sp_intent_clear(int lockfd) {
  return sp_write_all(lockfd, " ", 1, 0);
}
