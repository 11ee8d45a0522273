/* SPDX-License-Identifier: Apache-2.0 */
/* The ground every step stands on (steps.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "steps.h"

static const struct {
  const char *name;
  int value;
} errnames[] = {
    {"EPERM", EPERM},     {"ENOENT", ENOENT},   {"ESRCH", ESRCH},
    {"EIO", EIO},         {"EBADF", EBADF},     {"ENOMEM", ENOMEM},
    {"EACCES", EACCES},   {"EBUSY", EBUSY},     {"EEXIST", EEXIST},
    {"ENOTDIR", ENOTDIR}, {"EISDIR", EISDIR},   {"EINVAL", EINVAL},
    {"ENOSPC", ENOSPC},   {"EROFS", EROFS},     {"ENAMETOOLONG", ENAMETOOLONG},
    {"ENOSYS", ENOSYS},   {"ENOTEMPTY", ENOTEMPTY}, {"ELOOP", ELOOP},
    {"EPROTO", EPROTO},   {"EFBIG", EFBIG},     {"EXDEV", EXDEV},
    {"EPROTONOSUPPORT", EPROTONOSUPPORT}, {"EAGAIN", EAGAIN},
};

const char *errname(int e) {
  for (size_t i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++)
    if (errnames[i].value == e)
      return errnames[i].name;
  return "E?";
}

int errvalue(const char *name) {
  for (size_t i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++)
    if (!strcmp(errnames[i].name, name))
      return errnames[i].value;
  return !strcmp(name, "any") ? -1 : 0;
}

int fail(line_ctx *l, const char *fmt, ...) {
  va_list ap;
  fflush(stdout);
  fprintf(stdout, "%s:%d: FAILED: ", l->file, l->line);
  va_start(ap, fmt);
  vfprintf(stdout, fmt, ap);
  va_end(ap);
  fputc('\n', stdout);
  fflush(stdout);
  return 1;
}

/* Compare a call's outcome with the line's expectation. */
int outcome(line_ctx *l, int r, const char *message) {
  if (l->try_)
    return 0;
  if (l->expect_err == 0 && r == 0)
    return 0;
  if (l->expect_err == 0)
    return fail(l, "expected success, got -%s: %s", errname(-r),
                message && *message ? message : strerror(-r));
  if (r == 0)
    return fail(l, "expected failure with %s, but it succeeded",
                l->expect_err > 0 ? errname(l->expect_err) : "an error");
  if (l->expect_err > 0 && -r != l->expect_err)
    return fail(l, "expected %s, got -%s: %s", errname(l->expect_err),
                errname(-r), message && *message ? message : "");
  if (!l->s->quiet)
    printf("         -> -%s: %s\n", errname(-r),
           message && *message ? message : strerror(-r));
  return 0;
}

sim_ctr *find_ctr(sim *s, const char *id, size_t *idx) {
  for (size_t i = 0; i < s->nctrs; i++)
    if (!strcmp(s->ctrs[i].id, id)) {
      if (idx)
        *idx = i;
      return &s->ctrs[i];
    }
  return NULL;
}

sim_ctr *running_ctr(line_ctx *l, const char *id) {
  sim_ctr *c = find_ctr(l->s, id, NULL);
  if (!c || !c->running) {
    fail(l, "container %s is not running", id);
    return NULL;
  }
  return c;
}

struct sharedpath_container ctr_of(const sim *s, const char *id,
                                   const sim_ctr *c) {
  return (struct sharedpath_container){
      .size = sizeof(struct sharedpath_container),
      .id = id,
      .pid = c && c->running ? c->pid : 0,
      .pidfd = c && c->running && s->pass_pidfd
                   ? sim_ctr_handle(c, s->host.avoid & SHAREDPATH_MECH_PIDFD)
                   : -1,
  };
}

int need_plugin(line_ctx *l) {
  return l->s->loaded ? 0 : fail(l, "no plugin loaded (use 'load PATH')");
}

int list_paths(line_ctx *l, const char *id, char **json) {
  struct sharedpath_error e = sph_error();
  char *out = NULL;
  int r = sph_list(&l->s->plugin, id, &out, &e);
  if (r < 0)
    return fail(l, "on_list_paths failed: -%s: %s", errname(-r), e.message);
  *json = strdup(out);
  sph_release(&l->s->plugin, out);
  return 0;
}

size_t count_paths(const char *json) {
  size_t n = 0;
  for (const char *p = json; (p = strstr(p, "\"container\"")); p++)
    n++;
  return n;
}
