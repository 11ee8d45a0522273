/* SPDX-License-Identifier: Apache-2.0 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>

#include "args.h"
#include "base.h"
#include "hooklog.h"
#include "lookup.h"

static int cmp_known(const void *a, const void *b) {
  return strcmp(((const spc_known *)a)->id, ((const spc_known *)b)->id);
}

/* Add the ids named NAME.json in dir (not symlinks, valid ids only). */
static int scan(const char *dir, spc_known **k, size_t *n, size_t *cap,
                sp_error *e) {
  DIR *d = opendir(dir);
  if (!d)
    return errno == ENOENT ? 0
                           : sp_fail_errno(e, -errno, "cannot read %s", dir);
  int r = 0;
  struct dirent *de;
  while ((de = readdir(d))) {
    size_t len = strlen(de->d_name);
    if ((de->d_type != DT_REG && de->d_type != DT_UNKNOWN) || len <= 5 || len - 5 >= sizeof((*k)->id) ||
        strcmp(de->d_name + len - 5, ".json") != 0)
      continue;
    char id[sizeof((*k)->id)];
    memcpy(id, de->d_name, len - 5);
    id[len - 5] = '\0';
    if (spc_id_validate(id, NULL) < 0)
      continue;
    bool dup = false;
    for (size_t i = 0; i < *n && !dup; i++)
      dup = strcmp((*k)[i].id, id) == 0;
    if (dup)
      continue;
    if (*n == *cap) {
      size_t ncap = *cap ? *cap * 2 : 16;
      spc_known *p = realloc(*k, ncap * sizeof(*p));
      if (!p) {
        r = sp_fail(e, -ENOMEM, "out of memory");
        break;
      }
      *k = p;
      *cap = ncap;
    }
    (*k)[*n] = (spc_known){0};
    memcpy((*k)[*n].id, id, len - 4);
    (*n)++;
  }
  closedir(d);
  return r;
}

int spc_known_list(const char *state_dir, spc_known **out, size_t *n,
                   sp_error *e) {
  char owners[PATH_MAX];
  _cleanup_free_ spc_known *k = NULL;
  size_t cap = 0;
  int r;
  *n = 0;
  snprintf(owners, sizeof(owners), "%s/owners", state_dir);
  if ((r = scan(state_dir, &k, n, &cap, e)) < 0 ||
      (r = scan(owners, &k, n, &cap, e)) < 0)
    return r;
  /* An unreadable owner record only loses its engine id here. */
  for (size_t i = 0; i < *n; i++)
    k[i].has_owner = spc_owner_load(state_dir, k[i].id, &k[i].owner,
                                    NULL) == 0;
  if (*n)
    qsort(k, *n, sizeof(*k), cmp_known);
  *out = TAKE_PTR(k);
  return 0;
}

static bool names(const spc_known *k, const char *given) {
  if (!k->has_owner)
    return false;
  const spc_owner *o = &k->owner;
  size_t n = strlen(given);
  return strcmp(o->engine_id, given) == 0 ||
         (o->name[0] && strcmp(o->name, given) == 0) ||
         (n >= SPC_ENGINE_PREFIX_MIN && strncmp(o->engine_id, given, n) == 0);
}

int spc_known_match(const spc_known *k, size_t n, const char *given,
                    sp_error *e) {
  int found = -ENOENT;
  char which[512] = "";
  size_t used = 0;
  for (size_t i = 0; i < n; i++) {
    if (!names(&k[i], given))
      continue;
    char label[2 * SPC_ENGINE_ID_MAX];
    spc_owner_label(&k[i].owner, label, sizeof(label));
    int w = snprintf(which + used, sizeof(which) - used, "%s%s (container "
                     "%s)", used ? ", " : "", k[i].id, label);
    if (w > 0 && (size_t)w < sizeof(which) - used)
      used += (size_t)w;
    found = found == -ENOENT ? (int)i : -EINVAL;
  }
  if (found == -EINVAL)
    return sp_fail(e, -EINVAL, "'%s' names more than one container: %s; "
                   "give the sharedpath id", given, which);
  if (found == -ENOENT)
    return sp_fail(e, -ENOENT, "no container '%s'", given);
  return found;
}

void spc_known_describe(const spc_known *k, size_t n, size_t max, char *buf,
                        size_t sz) {
  size_t used = 0;
  buf[0] = '\0';
  if (n == 0) {
    snprintf(buf, sz, "none");
    return;
  }
  for (size_t i = 0; i < n && i < max; i++) {
    char label[2 * SPC_ENGINE_ID_MAX] = "";
    if (k[i].has_owner)
      spc_owner_label(&k[i].owner, label, sizeof(label));
    int w = snprintf(buf + used, sz - used, "%s%s%s%s%s", i ? ", " : "",
                     k[i].id, label[0] ? " (container " : "", label,
                     label[0] ? ")" : "");
    if (w < 0 || (size_t)w >= sz - used)
      return;
    used += (size_t)w;
  }
  if (n > max)
    snprintf(buf + used, sz - used, " and %zu more", n - max);
}

int spc_lookup_id(const char *state_dir, const char *given, char *out,
                  size_t sz, sp_error *e) {
  _cleanup_free_ spc_known *k = NULL;
  size_t n = 0;
  int r = spc_known_list(state_dir, &k, &n, e);
  if (r < 0)
    return r;
  int i = -ENOENT;
  for (size_t j = 0; j < n && i < 0; j++)
    if (strcmp(k[j].id, given) == 0)
      i = (int)j;
  sp_error why = {0};
  if (i < 0 && (i = spc_known_match(k, n, given, &why)) == -EINVAL)
    return sp_fail(e, -EINVAL, "%s", why.msg);
  if (i < 0) {
    char ids[256];
    spc_known_describe(k, n, 5, ids, sizeof(ids));
    return sp_fail(e, -ENOENT, "no container '%s' is known to sharedpath "
                   "(known: %s).  The id is the container's "
                   "io.sharedpath.id annotation; its engine id or the "
                   "first %d characters of it work too.  If it runs with "
                   "that annotation, its hooks did not run: see %s/" SPC_HOOK_LOG_DIR "/" SPC_HOOK_LOG_NAME,
                   given, ids, SPC_ENGINE_PREFIX_MIN, state_dir);
  }
  if (strlen(k[i].id) >= sz)
    return sp_fail(e, -ENAMETOOLONG, "id too long");
  memcpy(out, k[i].id, strlen(k[i].id) + 1);
  return 0;
}
