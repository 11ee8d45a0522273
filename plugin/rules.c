/* SPDX-License-Identifier: Apache-2.0 */
#include <libmount.h>
#include <string.h>

#include "rules.h"

int sp_path_clean(const char *in, char *out, const char *what,
                  sp_error *err) {
  if (!in || !*in)
    return sp_fail(err, -EINVAL, "%s path is empty", what);
  if (in[0] != '/')
    return sp_fail(err, -EINVAL, "%s path '%s' is not absolute", what, in);
  if (strnlen(in, PATH_MAX) >= PATH_MAX)
    return sp_fail(err, -ENAMETOOLONG, "%s path is %d bytes or longer",
                   what, PATH_MAX);
  size_t o = 0;
  const char *p = in;
  while (*p) {
    while (*p == '/')
      p++;
    if (!*p)
      break;
    const char *end = strchrnul(p, '/');
    size_t len = (size_t)(end - p);
    if (len == 1 && p[0] == '.') {
      p = end;
      continue;
    }
    if (len == 2 && p[0] == '.' && p[1] == '.')
      return sp_fail(err, -EINVAL, "%s path '%s' contains '..'", what, in);
    if (len > NAME_MAX)
      return sp_fail(err, -ENAMETOOLONG,
                     "%s path '%s' has a component longer than %d bytes",
                     what, in, NAME_MAX);
    out[o++] = '/';
    memcpy(out + o, p, len);
    o += len;
    p = end;
  }
  if (o == 0)
    out[o++] = '/';
  out[o] = '\0';
  return 0;
}

bool sp_path_within(const char *path, const char *prefix) {
  if (strcmp(prefix, "/") == 0)
    return true;
  size_t n = strlen(prefix);
  return strncmp(path, prefix, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static const char *const prop_names[] = {
    [SP_PROP_PRIVATE] = "private", [SP_PROP_RPRIVATE] = "rprivate",
    [SP_PROP_SLAVE] = "slave",     [SP_PROP_RSLAVE] = "rslave",
    [SP_PROP_SHARED] = "shared",   [SP_PROP_RSHARED] = "rshared",
};

const char *sp_propagation_name(sp_propagation p) {
  return (size_t)p < SP_ARRAY_SIZE(prop_names) ? prop_names[p] : "?";
}

/* A flag option: its name and where it goes. */
static bool *flag_option(sp_opts *o, const char *name, size_t len) {
  if (len == 5 && !strncmp(name, "rbind", 5))
    return &o->rbind;
  if (len == 5 && !strncmp(name, "idmap", 5))
    return &o->idmap;
  return NULL;
}

int sp_opts_parse(const char *s, sp_opts *out, sp_error *err) {
  sp_opts o = {.ro = false, .propagation = SP_PROP_RSLAVE};
  bool have_rw = false, have_prop = false;
  if (s && *s) {
    if (s[0] == ',' || s[strlen(s) - 1] == ',' || strstr(s, ",,"))
      return sp_fail(err, -EINVAL, "options '%s' contain an empty option", s);
    char *optstr = (char *)s; /* libmount only reads through it */
    char *name;
    size_t namesz;
    char *value;
    size_t valsz;
    int r;
    while ((r = mnt_optstr_next_option(&optstr, &name, &namesz, &value,
                                       &valsz)) == 0) {
      if (value)
        return sp_fail(err, -EINVAL, "option '%.*s' takes no value",
                       (int)namesz, name);
      if ((namesz == 2 && !strncmp(name, "ro", 2)) ||
          (namesz == 2 && !strncmp(name, "rw", 2))) {
        if (have_rw)
          return sp_fail(err, -EINVAL,
                         "options '%s' give ro/rw more than once", s);
        have_rw = true;
        o.ro = name[1] == 'o';
        continue;
      }
      bool *flag = flag_option(&o, name, namesz);
      if (flag) {
        if (*flag)
          return sp_fail(err, -EINVAL, "options '%s' give %.*s more than "
                         "once", s, (int)namesz, name);
        *flag = true;
        continue;
      }
      size_t i;
      for (i = 0; i < SP_ARRAY_SIZE(prop_names); i++)
        if (strlen(prop_names[i]) == namesz &&
            !strncmp(prop_names[i], name, namesz))
          break;
      if (i == SP_ARRAY_SIZE(prop_names))
        return sp_fail(err, -EINVAL,
                       "unknown option '%.*s'; allowed: ro, rw, private, "
                       "rprivate, slave, rslave, shared, rshared, rbind, "
                       "idmap", (int)namesz, name);
      if (have_prop)
        return sp_fail(err, -EINVAL,
                       "options '%s' give more than one propagation", s);
      have_prop = true;
      o.propagation = (sp_propagation)i;
    }
    if (r < 0)
      return sp_fail(err, -EINVAL, "cannot parse options '%s'", s);
  }
  *out = o;
  return 0;
}

bool sp_opts_equal(const sp_opts *a, const sp_opts *b) {
  return a->ro == b->ro && a->propagation == b->propagation &&
         a->rbind == b->rbind && a->idmap == b->idmap;
}

/* Every canonical string, so that the text lives in static storage:
 * [ro][rbind][idmap][propagation]. */
#define SP_OPTS_ROW(rw, tail)                                                    {rw ",private" tail, rw ",rprivate" tail, rw ",slave" tail,                    rw ",rslave" tail,  rw ",shared" tail,   rw ",rshared" tail}
#define SP_OPTS_RW(rw)                                                           {{SP_OPTS_ROW(rw, ""), SP_OPTS_ROW(rw, ",idmap")},                              {SP_OPTS_ROW(rw, ",rbind"), SP_OPTS_ROW(rw, ",rbind,idmap")}}

const char *sp_opts_string(const sp_opts *o) {
  static const char *const table[2][2][2][6] = {SP_OPTS_RW("rw"),
                                                SP_OPTS_RW("ro")};
  return table[o->ro][o->rbind][o->idmap][o->propagation];
}

void sp_bind_clear(sp_bind *b) {
  free(b->host);
  free(b->ctr);
  *b = (sp_bind){0};
}

int sp_ctr_path_check(const char *ctr, sp_error *err) {
  static const char *const forbidden[] = {SHAREDPATH_CONTAINER_DIR, "/proc",
                                          "/sys"};
  if (strcmp(ctr, "/") == 0)
    return sp_fail(err, -EINVAL,
                   "container path '/' would hide the container's root");
  for (size_t i = 0; i < SP_ARRAY_SIZE(forbidden); i++)
    if (sp_path_within(ctr, forbidden[i]))
      return sp_fail(err, -EPERM, "container path '%s' is under %s, which "
                     "is reserved", ctr, forbidden[i]);
  return 0;
}

int sp_host_path_check(const char *resolved, const char *shared_root,
                       const char *state_dir, bool allow_sensitive,
                       sp_error *err) {
  if (sp_path_within(resolved, shared_root) ||
      sp_path_within(shared_root, resolved))
    return sp_fail(err, -EPERM, "host path '%s' overlaps the shared root %s",
                   resolved, shared_root);
  if (state_dir && (sp_path_within(resolved, state_dir) ||
                    sp_path_within(state_dir, resolved)))
    return sp_fail(err, -EPERM, "host path '%s' overlaps the state dir %s",
                   resolved, state_dir);
  if (allow_sensitive)
    return 0;
  static const char *const sensitive[] = {"/proc", "/sys", "/dev"};
  if (strcmp(resolved, "/") == 0)
    return sp_fail(err, -EPERM, "host path '/' would hand the host's root to "
                   "the container");
  for (size_t i = 0; i < SP_ARRAY_SIZE(sensitive); i++)
    if (sp_path_within(resolved, sensitive[i]))
      return sp_fail(err, -EPERM, "host path '%s' is under %s, which would "
                     "hand the host over to the container", resolved,
                     sensitive[i]);
  return 0;
}

int sp_bind_parse(const char *spec, bool for_remove, sp_bind *b,
                  sp_error *err) {
  *b = (sp_bind){0};
  b->opts = (sp_opts){.ro = false, .propagation = SP_PROP_RSLAVE};
  if (!spec || !*spec)
    return sp_fail(err, -EINVAL, "bind spec is empty");
  if (strnlen(spec, 2 * PATH_MAX + 64) >= 2 * PATH_MAX + 64)
    return sp_fail(err, -ENAMETOOLONG, "bind spec is too long");
  _cleanup_free_ char *copy = strdup(spec);
  if (!copy)
    return sp_fail(err, -ENOMEM, "out of memory");
  char *fields[3] = {NULL, NULL, NULL};
  size_t nf = 0;
  for (char *p = copy;;) {
    char *colon = strchr(p, ':');
    if (nf == 3)
      return sp_fail(err, -EINVAL, "bind spec '%s' has too many ':'; "
                     "expected host:container[:options]", spec);
    fields[nf++] = p;
    if (!colon)
      break;
    *colon = '\0';
    p = colon + 1;
  }
  const char *host = NULL, *ctr = NULL, *opts = NULL;
  if (for_remove) {
    if (nf == 3)
      return sp_fail(err, -EINVAL, "remove spec '%s' takes host:container "
                     "or container, without options", spec);
    if (nf == 1)
      ctr = fields[0];
    else
      host = fields[0], ctr = fields[1];
  } else {
    if (nf < 2)
      return sp_fail(err, -EINVAL, "bind spec '%s' needs host:container"
                     "[:options]", spec);
    host = fields[0], ctr = fields[1], opts = nf == 3 ? fields[2] : NULL;
    if (nf == 3 && !*opts)
      return sp_fail(err, -EINVAL, "bind spec '%s' ends with an empty "
                     "options field", spec);
  }
  char buf[PATH_MAX];
  int r;
  if (host) {
    if ((r = sp_path_clean(host, buf, "host", err)) < 0)
      return r;
    if (!(b->host = strdup(buf)))
      return sp_fail(err, -ENOMEM, "out of memory");
  }
  r = sp_path_clean(ctr, buf, "container", err);
  if (r == 0)
    r = sp_ctr_path_check(buf, err);
  if (r == 0)
    r = sp_opts_parse(opts, &b->opts, err);
  if (r < 0) {
    sp_bind_clear(b);
    return r;
  }
  if (!(b->ctr = strdup(buf))) {
    sp_bind_clear(b);
    return sp_fail(err, -ENOMEM, "out of memory");
  }
  return 0;
}
