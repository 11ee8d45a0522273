/* SPDX-License-Identifier: Apache-2.0 */
/* The scenario runner: one step per line, see host-sim/README.md. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <ftw.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <openssl/evp.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <grp.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim.h"
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

static int errvalue(const char *name) {
  for (size_t i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++)
    if (!strcmp(errnames[i].name, name))
      return errnames[i].value;
  return !strcmp(name, "any") ? -1 : 0;
}

/* ---- setup ---- */

static int mkdirs(const char *p) {
  return mkdir(p, 0755) < 0 && errno != EEXIST ? -errno : 0;
}

/* The plugin's warnings and errors go to stderr, marked. */
static void plugin_log(void *data, int level, const char *message) {
  static const char *const names[] = {"error", "warning", "info", "debug"};
  (void)data;
  if (level > SHAREDPATH_LOG_WARNING)
    return;
  fprintf(stderr, "         [plugin %s] %s\n",
          level >= 0 && level <= 3 ? names[level] : "?", message);
}

int sim_setup(sim *s, char *msg, size_t msgsz) {
  if (geteuid() != 0) {
    snprintf(msg, msgsz, "must run as root: it creates mount namespaces");
    return -EPERM;
  }
  /* Our own mount namespace with / rprivate: nothing we or the plugin mount
   * can reach the machine's mount table. */
  if (unshare(CLONE_NEWNS) < 0 ||
      mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
    snprintf(msg, msgsz, "cannot enter a private mount namespace: %s",
             strerror(errno));
    return -errno;
  }
  /* Children of a killed engine (kill-walk) come back to us to be reaped. */
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  snprintf(s->tmp, sizeof(s->tmp), "/tmp/sharedpath-sim.XXXXXX");
  if (!mkdtemp(s->tmp)) {
    snprintf(msg, msgsz, "mkdtemp: %s", strerror(errno));
    return -errno;
  }
  /* Traversable by everyone, like / and /var: what keeps other users out
   * of the shared root and the state dir must be the plugin's own modes
   * (expect unreadable-by). */
  if (mount("sharedpath-sim", s->tmp, "tmpfs", MS_NOSUID | MS_NODEV,
            "mode=0755") < 0) {
    snprintf(msg, msgsz, "mount tmpfs on %s: %s", s->tmp, strerror(errno));
    rmdir(s->tmp);
    s->tmp[0] = '\0';
    return -errno;
  }
  snprintf(s->root, sizeof(s->root), "%s/sharedpath", s->tmp);
  /* The state dir is reached through a symlink, as on hosts where /var
   * or a parent is one: the plugin must apply its rules to where it really
   * is ($REALSTATE). */
  snprintf(s->state, sizeof(s->state), "%s/state-link/state", s->tmp);
  char real[PATH_MAX], link[PATH_MAX];
  snprintf(real, sizeof(real), "%s/state-real", s->tmp);
  snprintf(link, sizeof(link), "%s/state-link", s->tmp);
  if (mkdir(real, 0755) < 0 || symlink("state-real", link) < 0) {
    snprintf(msg, msgsz, "cannot create %s: %s", link, strerror(errno));
    return -EIO;
  }
  snprintf(s->data, sizeof(s->data), "%s/data", s->tmp);
  snprintf(s->rootfs, sizeof(s->rootfs), "%s/rootfs", s->tmp);
  if (mkdirs(s->data) < 0 || mkdirs(s->rootfs) < 0) {
    snprintf(msg, msgsz, "cannot create dirs in %s", s->tmp);
    return -EIO;
  }
  s->host = (struct sharedpath_host){
      .size = sizeof(s->host),
      .shared_root = s->root,
      .state_dir = s->state,
      .max_paths_per_container = s->max_paths,
      .log = plugin_log,
      .log_data = s,
  };
  return 0;
}

static void ctr_forget(sim *s, size_t i) {
  sim_ctr_stop(&s->ctrs[i]);
  free(s->ctrs[i].spec);
  s->ctrs[i] = s->ctrs[--s->nctrs];
}

void sim_teardown(sim *s) {
  while (s->nctrs)
    ctr_forget(s, 0);
  free(s->ctrs);
  s->ctrs = NULL;
  if (s->loaded)
    sph_unload(&s->plugin);
  s->loaded = false;
  sim_mounts_free(&s->baseline);
  s->have_baseline = false;
  for (size_t i = 0; i < s->nvars; i++)
    free(s->vars[i].value);
  s->nvars = 0;
  free(s->snapshot);
  s->snapshot = NULL;
  if (s->tmp[0]) {
    umount2(s->tmp, MNT_DETACH);
    rmdir(s->tmp);
    s->tmp[0] = '\0';
  }
}

/* ---- parsing ---- */


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

static const char *var(sim *s, const char *name) {
  if (!strcmp(name, "DATA"))
    return s->data;
  if (!strcmp(name, "ROOT"))
    return s->root;
  if (!strcmp(name, "STATE"))
    return s->state;
  if (!strcmp(name, "REALSTATE")) {
    snprintf(s->real_state, sizeof(s->real_state), "%s/state-real/state",
             s->tmp);
    return s->real_state;
  }
  if (!strcmp(name, "PLUGIN"))
    return s->plugin_path;
  if (!strcmp(name, "i") && s->iter[0])
    return s->iter;
  for (size_t i = 0; i < s->nvars; i++)
    if (!strcmp(s->vars[i].name, name))
      return s->vars[i].value;
  return getenv(name);
}

/* Split a line into tokens: whitespace separated, "double quoted" with \\ \"
 * \n escapes, # starts a comment, $NAME / ${NAME} expand. */
static int tokenize(line_ctx *l, const char *src, char *buf, size_t bufsz) {
  size_t o = 0;
  l->ntok = 0;
  const char *p = src;
  for (;;) {
    while (*p == ' ' || *p == '\t')
      p++;
    if (!*p || *p == '#' || *p == '\n')
      return 0;
    if (l->ntok == MAX_TOKENS)
      return fail(l, "too many tokens");
    l->tok[l->ntok++] = buf + o;
    bool quoted = false;
    for (; *p; p++) {
      if (!quoted && (*p == ' ' || *p == '\t' || *p == '\n'))
        break;
      if (o + 2 >= bufsz)
        return fail(l, "line too long");
      if (*p == '"') {
        quoted = !quoted;
        continue;
      }
      if (quoted && *p == '\\' && p[1]) {
        p++;
        buf[o++] = *p == 'n' ? '\n' : *p;
        continue;
      }
      if (*p == '$') {
        char name[64];
        size_t n = 0;
        const char *q = p + 1;
        bool brace = *q == '{';
        if (brace)
          q++;
        while ((isalnum((unsigned char)*q) || *q == '_') && n < sizeof(name) - 1)
          name[n++] = *q++;
        name[n] = '\0';
        if (brace && *q++ != '}')
          return fail(l, "unterminated ${");
        const char *v = var(l->s, name);
        if (!n || !v)
          return fail(l, "unknown variable $%s", name);
        size_t vl = strlen(v);
        if (o + vl + 2 >= bufsz)
          return fail(l, "line too long");
        memcpy(buf + o, v, vl);
        o += vl;
        p = q - 1;
        continue;
      }
      buf[o++] = *p;
    }
    if (quoted)
      return fail(l, "unterminated quote");
    buf[o++] = '\0';
  }
}

/* Peel "! ERRNO" off the end. */
static int take_expectation(line_ctx *l) {
  l->expect_err = 0;
  if (l->ntok >= 2 && !strcmp(l->tok[l->ntok - 2], "!")) {
    int v = errvalue(l->tok[l->ntok - 1]);
    if (!v)
      return fail(l, "unknown errno name '%s'", l->tok[l->ntok - 1]);
    l->expect_err = v;
    l->ntok -= 2;
  }
  return 0;
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

/* ---- steps ---- */

sim_ctr *find_ctr(sim *s, const char *id, size_t *idx) {
  for (size_t i = 0; i < s->nctrs; i++)
    if (!strcmp(s->ctrs[i].id, id)) {
      if (idx)
        *idx = i;
      return &s->ctrs[i];
    }
  return NULL;
}

/* Whether the engine hands the plugin a pidfd with the pid ('engine-pidfd
 * on|off'); an engine without pidfds passes the pid alone. */
static bool pass_pidfd = true;

struct sharedpath_container ctr_of(const char *id, const sim_ctr *c) {
  return (struct sharedpath_container){
      .size = sizeof(struct sharedpath_container),
      .id = id,
      .pid = c && c->running ? c->pid : 0,
      .pidfd = c && c->running && pass_pidfd ? c->pidfd : -1,
  };
}

static int step_engine_pidfd(line_ctx *l) {
  if (l->ntok != 2 || (strcmp(l->tok[1], "on") && strcmp(l->tok[1], "off")))
    return fail(l, "usage: engine-pidfd on|off");
  pass_pidfd = !strcmp(l->tok[1], "on");
  return 0;
}

int need_plugin(line_ctx *l) {
  return l->s->loaded ? 0 : fail(l, "no plugin loaded (use 'load PATH')");
}

static int step_load(line_ctx *l) {
  sim *s = l->s;
  if (l->ntok != 2)
    return fail(l, "usage: load PATH");
  if (s->loaded)
    return fail(l, "a plugin is already loaded; unload it first");
  struct sharedpath_error e = sph_error();
  int r = sph_load(l->tok[1], &s->host, &s->plugin, &e);
  if (r == 0) {
    s->loaded = true;
    if (!s->quiet)
      printf("         -> %s %s, ABI %u.%u (host %u.%u)\n",
             s->plugin.t->name ? s->plugin.t->name : "?",
             s->plugin.t->version ? s->plugin.t->version : "?",
             s->plugin.t->abi_major, s->plugin.t->abi_minor,
             SHAREDPATH_ABI_MAJOR, SHAREDPATH_ABI_MINOR);
    if (!s->have_baseline) {
      sim_mounts_read(&s->baseline);
      s->have_baseline = true;
    }
  }
  return outcome(l, r, e.message);
}

static int step_unload(line_ctx *l) {
  if (need_plugin(l))
    return 1;
  sph_unload(&l->s->plugin);
  l->s->loaded = false;
  return 0;
}

static const char base_spec[] =
    "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},"
    "\"mounts\":[{\"destination\":\"/tmp\",\"type\":\"tmpfs\","
    "\"source\":\"tmpfs\",\"options\":[\"nosuid\",\"nodev\",\"mode=1777\"]}]}";

static int step_create(line_ctx *l) {
  sim *s = l->s;
  if (need_plugin(l) || l->ntok != 2)
    return l->ntok != 2 ? fail(l, "usage: create ID") : 1;
  const char *id = l->tok[1];
  char *spec = NULL;
  struct sharedpath_error e = sph_error();
  int r = sph_create(&s->plugin, id, base_spec, &spec, &e);
  if (r == 0) {
    bool ok = spec && strstr(spec, "\"destination\"") &&
              strstr(spec, SHAREDPATH_CONTAINER_DIR) && strstr(spec, "rslave");
    char *copy = spec ? strdup(spec) : NULL;
    sph_release(&s->plugin, spec);
    if (!ok) {
      free(copy);
      return fail(l, "on_create returned a spec without the %s mount",
                  SHAREDPATH_CONTAINER_DIR);
    }
    sim_ctr *c = find_ctr(s, id, NULL);
    if (!c) {
      s->ctrs = realloc(s->ctrs, (s->nctrs + 1) * sizeof(*s->ctrs));
      c = &s->ctrs[s->nctrs++];
      *c = (sim_ctr){.pidfd = -1};
      snprintf(c->id, sizeof(c->id), "%s", id);
      snprintf(c->rootfs, sizeof(c->rootfs), "%s/%s", s->rootfs, id);
      if (mkdir(c->rootfs, 0755) < 0 && errno != EEXIST)
        return fail(l, "mkdir %s: %s", c->rootfs, strerror(errno));
    }
    free(c->spec);
    c->spec = copy;
  }
  return outcome(l, r, e.message);
}

static int step_start(line_ctx *l) {
  sim *s = l->s;
  if (need_plugin(l) || l->ntok != 2)
    return l->ntok != 2 ? fail(l, "usage: start ID") : 1;
  sim_ctr *c = find_ctr(s, l->tok[1], NULL);
  if (!c)
    return fail(l, "container %s was not created", l->tok[1]);
  if (c->running)
    return fail(l, "container %s is already running", c->id);
  char msg[512];
  if (sim_ctr_start(c, msg, sizeof(msg)) < 0)
    return fail(l, "%s", msg);
  struct sharedpath_container sc = ctr_of(c->id, c);
  struct sharedpath_error e = sph_error();
  int r = sph_start(&s->plugin, &sc, &e);
  if (r < 0)
    sim_ctr_stop(c); /* an engine does not run a container whose hook failed */
  return outcome(l, r, e.message);
}

static int step_stop(line_ctx *l) {
  sim *s = l->s;
  if (need_plugin(l) || l->ntok != 2)
    return l->ntok != 2 ? fail(l, "usage: stop ID") : 1;
  sim_ctr *c = find_ctr(s, l->tok[1], NULL);
  if (!c || !c->running)
    return fail(l, "container %s is not running", l->tok[1]);
  sim_ctr_stop(c);
  struct sharedpath_container sc = ctr_of(c->id, NULL);
  struct sharedpath_error e = sph_error();
  int r = sph_stop(&s->plugin, &sc, &e);
  if (r == -ENOSYS) {
    /* A minor-0 plugin has no on_stop: nothing to tell it. */
    if (!s->quiet)
      printf("         -> plugin has no on_stop (ABI minor %u)\n",
             s->plugin.t->abi_minor);
    r = 0;
  }
  return outcome(l, r, e.message);
}

static int step_delete(line_ctx *l) {
  sim *s = l->s;
  if (need_plugin(l) || l->ntok != 2)
    return l->ntok != 2 ? fail(l, "usage: delete ID") : 1;
  size_t idx = 0;
  sim_ctr *c = find_ctr(s, l->tok[1], &idx);
  struct sharedpath_container sc = ctr_of(l->tok[1], c);
  struct sharedpath_error e = sph_error();
  int r = sph_delete(&s->plugin, &sc, &e);
  if (r == 0 && c)
    ctr_forget(s, idx);
  return outcome(l, r, e.message);
}

static int step_paths(line_ctx *l, bool add) {
  sim *s = l->s;
  if (need_plugin(l))
    return 1;
  if (l->ntok < 3)
    return fail(l, "usage: %s ID SPEC...", add ? "add" : "remove");
  sim_ctr *c = find_ctr(s, l->tok[1], NULL);
  struct sharedpath_container sc = ctr_of(l->tok[1], c);
  struct sharedpath_error e = sph_error();
  const char *const *specs = (const char *const *)&l->tok[2];
  size_t n = (size_t)l->ntok - 2;
  int r = add ? sph_add(&s->plugin, &sc, specs, n, &e)
              : sph_remove(&s->plugin, &sc, specs, n, &e);
  return outcome(l, r, e.message);
}

static int step_host_write(line_ctx *l) {
  if (l->ntok != 3)
    return fail(l, "usage: host-write PATH TEXT");
  FILE *f = fopen(l->tok[1], "w");
  if (!f)
    return outcome(l, -errno, "host-write");
  fputs(l->tok[2], f);
  return outcome(l, fclose(f) == 0 ? 0 : -errno, "host-write");
}

static int step_host_mkdir(line_ctx *l) {
  if (l->ntok != 2)
    return fail(l, "usage: host-mkdir PATH");
  return outcome(l, mkdir(l->tok[1], 0755) < 0 ? -errno : 0, "host-mkdir");
}

static int step_host_symlink(line_ctx *l) {
  if (l->ntok != 3)
    return fail(l, "usage: host-symlink TARGET PATH");
  return outcome(l, symlink(l->tok[1], l->tok[2]) < 0 ? -errno : 0,
                 "host-symlink");
}

static int step_ctr_write(line_ctx *l) {
  if (l->ntok != 4)
    return fail(l, "usage: ctr-write ID PATH TEXT");
  sim_ctr *c = find_ctr(l->s, l->tok[1], NULL);
  if (!c || !c->running)
    return fail(l, "container %s is not running", l->tok[1]);
  int r = sim_ctr_write(c, l->tok[2], l->tok[3]);
  return outcome(l, r, r ? strerror(-r) : "");
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

static int expect_host(line_ctx *l);

static int step_expect(line_ctx *l) {
  sim *s = l->s;
  if (l->ntok >= 2) {
    int r = expect_host(l);
    if (r >= 0)
      return r;
  }
  if (l->ntok >= 2 && !strcmp(l->tok[1], "mounts")) {
    if (l->ntok != 3)
      return fail(l, "usage: expect mounts N");
    char master[PATH_MAX], mid[PATH_MAX];
    snprintf(master, sizeof(master), "%s/master", s->root);
    snprintf(mid, sizeof(mid), "%s/midpath", s->root);
    const char *const prefixes[] = {master, mid};
    size_t n = sim_mounts_count_below(prefixes, 2);
    size_t want = strtoul(l->tok[2], NULL, 10);
    return n == want ? 0 : fail(l, "expected %zu mounts under %s, saw %zu",
                                want, s->root, n);
  }
  if (l->ntok == 3 && !strcmp(l->tok[2], "consistent"))
    return expect_consistent(l, l->tok[1]);
  if (l->ntok >= 2 && !strcmp(l->tok[1], "no-leftover-mounts")) {
    if (!s->have_baseline)
      return fail(l, "no baseline yet (load a plugin first)");
    sim_mounts now;
    sim_mounts_read(&now);
    bool same = sim_mounts_same(&s->baseline, &now);
    sim_mounts_free(&now);
    return same ? 0 : fail(l, "the mount table differs from the one after "
                           "the first load (above)");
  }
  if (l->ntok >= 2 && !strcmp(l->tok[1], "host-content")) {
    if (l->ntok != 4)
      return fail(l, "usage: expect host-content PATH TEXT");
    char buf[256] = "";
    FILE *f = fopen(l->tok[2], "r");
    if (!f)
      return fail(l, "host file %s: %s", l->tok[2], strerror(errno));
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return !strcmp(buf, l->tok[3])
               ? 0 : fail(l, "host file %s holds \"%s\"", l->tok[2], buf);
  }
  if (l->ntok < 4)
    return fail(l, "usage: expect ID content|absent|ro|rw|listed|not-listed"
                "|paths ...");
  const char *id = l->tok[1], *what = l->tok[2], *arg = l->tok[3];
  if (!strcmp(what, "listed") || !strcmp(what, "not-listed") ||
      !strcmp(what, "paths")) {
    if (need_plugin(l))
      return 1;
    char *json = NULL;
    if (list_paths(l, id, &json))
      return 1;
    char needle[PATH_MAX + 32];
    snprintf(needle, sizeof(needle), "\"container\":\"%s\"", arg);
    bool has = strstr(json, needle) != NULL;
    int r = 0;
    if (!strcmp(what, "paths")) {
      if (count_paths(json) != strtoul(arg, NULL, 10))
        r = fail(l, "expected %s paths, list says %s", arg, json);
    } else if (has != !strcmp(what, "listed")) {
      r = fail(l, "%s %s listed: %s", arg, has ? "is" : "is not", json);
    }
    free(json);
    return r;
  }
  sim_ctr *c = find_ctr(s, id, NULL);
  if (!c || !c->running)
    return fail(l, "container %s is not running", id);
  sim_seen seen;
  bool wtest = !strcmp(what, "ro") || !strcmp(what, "rw");
  int r = sim_ctr_inspect(c, arg, wtest, &seen);
  if (r < 0)
    return fail(l, "cannot look inside %s: %s", id, strerror(-r));
  if (!strcmp(what, "absent"))
    return seen.err == ENOENT ? 0 : fail(l, "%s exists in %s%s", arg, id,
                                         seen.err ? " (stat error)" : "");
  if (seen.err)
    return fail(l, "%s in %s: %s", arg, id, strerror(seen.err));
  if (!strcmp(what, "content")) {
    if (l->ntok != 5)
      return fail(l, "usage: expect ID content PATH TEXT");
    return !strcmp(seen.content, l->tok[4])
               ? 0 : fail(l, "%s in %s holds \"%s\"", arg, id, seen.content);
  }
  if (!strcmp(what, "ro"))
    return seen.ro && seen.write_err == EROFS
               ? 0 : fail(l, "%s in %s is not read-only (mount %s, write "
                          "test: %s)", arg, id, seen.ro ? "ro" : "rw",
                          seen.write_err ? strerror(seen.write_err) : "ok");
  if (!strcmp(what, "rw"))
    return !seen.ro && seen.write_err == 0
               ? 0 : fail(l, "%s in %s is not writable (mount %s, write "
                          "test: %s)", arg, id, seen.ro ? "ro" : "rw",
                          seen.write_err ? strerror(seen.write_err) : "ok");
  return fail(l, "unknown expectation '%s'", what);
}


/* ---- steps for hostile tests: the container's and host's filesystems,
 * state files, and what must not change ---- */

static sim_ctr *running_ctr(line_ctx *l, const char *id) {
  sim_ctr *c = find_ctr(l->s, id, NULL);
  if (!c || !c->running) {
    fail(l, "container %s is not running", id);
    return NULL;
  }
  return c;
}

static int step_ctr_fs(line_ctx *l) {
  const char *cmd = l->tok[0];
  bool link = !strcmp(cmd, "ctr-symlink"), mnt = !strcmp(cmd, "ctr-mount"),
       mv = !strcmp(cmd, "ctr-rename");
  if (l->ntok != (link || mnt || mv ? 4 : 3))
    return fail(l, "usage: ctr-symlink ID TARGET LINKPATH | ctr-mkdir ID "
                "PATH | ctr-mount ID FSTYPE PATH | ctr-rename ID OLD NEW");
  sim_ctr *c = running_ctr(l, l->tok[1]);
  if (!c)
    return 1;
  int r = link ? sim_ctr_symlink(c, l->tok[2], l->tok[3])
          : mnt ? sim_ctr_mount(c, l->tok[2], l->tok[3])
          : mv  ? sim_ctr_rename(c, l->tok[2], l->tok[3])
                : sim_ctr_mkdir(c, l->tok[2]);
  return outcome(l, r, r ? strerror(-r) : "");
}

static int step_ctr_flip(line_ctx *l) {
  if (l->ntok != 4)
    return fail(l, "usage: ctr-flip ID PATH OTHER");
  sim_ctr *c = running_ctr(l, l->tok[1]);
  if (!c)
    return 1;
  int r = sim_ctr_flip_start(c, l->tok[2], l->tok[3]);
  return outcome(l, r, r ? strerror(-r) : "");
}

static int step_ctr_flip_stop(line_ctx *l) {
  if (l->ntok != 2 && l->ntok != 3)
    return fail(l, "usage: ctr-flip-stop ID [MIN-SWAPS]");
  sim_ctr *c = find_ctr(l->s, l->tok[1], NULL);
  if (!c || !c->flipper)
    return fail(l, "container %s has no flipper running", l->tok[1]);
  long n = sim_ctr_flip_stop(c);
  long min = l->ntok == 3 ? strtol(l->tok[2], NULL, 10) : 1;
  if (!l->s->quiet)
    printf("         -> %ld swaps\n", n);
  return n >= min ? 0 : fail(l, "the flipper made %ld swaps, fewer than %ld: "
                             "it did not race", n, min);
}

static int step_list(line_ctx *l) {
  if (need_plugin(l) || l->ntok != 2)
    return l->ntok != 2 ? fail(l, "usage: list ID") : 1;
  struct sharedpath_error e = sph_error();
  char *out = NULL;
  int r = sph_list(&l->s->plugin, l->tok[1], &out, &e);
  if (r == 0 && !l->s->quiet)
    printf("         -> %s\n", out);
  if (r == 0)
    sph_release(&l->s->plugin, out);
  return outcome(l, r, e.message);
}

/* chattr +i / -i: an immutable dir can have no entry added or removed. */
static int set_immutable(const char *path, bool on) {
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0)
    return -errno;
  int flags = 0, r = 0;
  if (ioctl(fd, FS_IOC_GETFLAGS, &flags) < 0)
    r = -errno;
  flags = on ? flags | FS_IMMUTABLE_FL : flags & ~FS_IMMUTABLE_FL;
  if (r == 0 && ioctl(fd, FS_IOC_SETFLAGS, &flags) < 0)
    r = -errno;
  close(fd);
  return r;
}

static int step_host_fs(line_ctx *l) {
  const char *cmd = l->tok[0];
  int r;
  if (!strcmp(cmd, "host-symlink")) {
    if (l->ntok != 3)
      return fail(l, "usage: host-symlink TARGET LINKPATH");
    r = symlink(l->tok[1], l->tok[2]) < 0 ? -errno : 0;
  } else if (!strcmp(cmd, "host-chmod")) {
    if (l->ntok != 3)
      return fail(l, "usage: host-chmod PATH OCTAL");
    r = chmod(l->tok[1], (mode_t)strtoul(l->tok[2], NULL, 8)) < 0 ? -errno : 0;
  } else if (!strcmp(cmd, "host-truncate")) {
    if (l->ntok != 3)
      return fail(l, "usage: host-truncate PATH BYTES");
    int fd = open(l->tok[1], O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    r = fd < 0 || ftruncate(fd, strtoll(l->tok[2], NULL, 10)) < 0 ? -errno : 0;
    if (fd >= 0)
      close(fd);
  } else if (!strcmp(cmd, "host-mount")) {
    if (l->ntok != 3)
      return fail(l, "usage: host-mount FSTYPE PATH");
    r = mount(l->tok[1], l->tok[2], l->tok[1], MS_NOSUID | MS_NODEV, NULL) < 0
            ? -errno : 0;
  } else if (!strcmp(cmd, "host-chattr")) {
    if (l->ntok != 3 || (strcmp(l->tok[2], "+i") && strcmp(l->tok[2], "-i")))
      return fail(l, "usage: host-chattr PATH +i|-i");
    r = set_immutable(l->tok[1], l->tok[2][0] == '+');
  } else if (!strcmp(cmd, "host-rm")) {
    if (l->ntok != 2)
      return fail(l, "usage: host-rm PATH");
    r = remove(l->tok[1]) < 0 ? -errno : 0;
  } else {
    if (l->ntok != 2)
      return fail(l, "usage: host-umount PATH");
    r = umount2(l->tok[1], UMOUNT_NOFOLLOW) < 0 ? -errno : 0;
  }
  return outcome(l, r, r ? strerror(-r) : "");
}

static int step_sha256(line_ctx *l) {
  sim *s = l->s;
  if (l->ntok != 3 || strlen(l->tok[1]) >= sizeof(s->vars[0].name))
    return fail(l, "usage: sha256 NAME TEXT");
  unsigned char md[32];
  unsigned int mdlen = 0;
  if (!EVP_Digest(l->tok[2], strlen(l->tok[2]), md, &mdlen, EVP_sha256(),
                  NULL))
    return fail(l, "sha256 failed");
  char hex[65];
  for (unsigned int i = 0; i < 32; i++)
    snprintf(hex + 2 * i, 3, "%02x", md[i]);
  size_t i;
  for (i = 0; i < s->nvars; i++)
    if (!strcmp(s->vars[i].name, l->tok[1]))
      break;
  if (i == sizeof(s->vars) / sizeof(s->vars[0]))
    return fail(l, "too many variables");
  if (i == s->nvars) {
    snprintf(s->vars[i].name, sizeof(s->vars[i].name), "%s", l->tok[1]);
    s->vars[i].value = NULL;
    s->nvars++;
  }
  free(s->vars[i].value);
  s->vars[i].value = strdup(hex);
  return 0;
}

/* Everything a failed call must leave alone, as text: the harness's mount
 * table, every running container's mount table, and the state dir's files
 * (name, mode, size, sha256 of the bytes). */
static char *take_snapshot(sim *s) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  if (!f)
    return NULL;
  sim_mounts m;
  sim_mounts_read(&m);
  for (size_t i = 0; i < m.n; i++)
    fprintf(f, "host mount %s\n", m.lines[i]);
  sim_mounts_free(&m);
  for (size_t c = 0; c < s->nctrs; c++) {
    if (!s->ctrs[c].running)
      continue;
    char p[64];
    snprintf(p, sizeof(p), "/proc/%d/mountinfo", s->ctrs[c].pid);
    sim_mounts_read_file(&m, p);
    for (size_t i = 0; i < m.n; i++)
      fprintf(f, "%s mount %s\n", s->ctrs[c].id, m.lines[i]);
    sim_mounts_free(&m);
  }
  struct dirent **names = NULL;
  int n = scandir(s->state, &names, NULL, alphasort);
  for (int i = 0; i < n; i++) {
    char p[PATH_MAX];
    snprintf(p, sizeof(p), "%s/%s", s->state, names[i]->d_name);
    struct stat sb;
    unsigned char md[32] = {0};
    if (lstat(p, &sb) == 0 && S_ISREG(sb.st_mode)) {
      EVP_MD_CTX *ctx = EVP_MD_CTX_new();
      FILE *in = fopen(p, "r");
      char buf[65536];
      size_t got;
      EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
      while (in && (got = fread(buf, 1, sizeof(buf), in)) > 0)
        EVP_DigestUpdate(ctx, buf, got);
      EVP_DigestFinal_ex(ctx, md, NULL);
      EVP_MD_CTX_free(ctx);
      if (in)
        fclose(in);
    }
    size_t nl = strlen(names[i]->d_name);
    if (nl > 5 && !strcmp(names[i]->d_name + nl - 5, ".lock")) {
      /* A lock file's bytes are scratch (a cleared intent record stays
       * behind it); what counts is that it exists and whether it holds a
       * live intent (first byte '{'). */
      char first = 0;
      FILE *in = fopen(p, "r");
      if (in && fread(&first, 1, 1, in) != 1)
        first = 0;
      if (in)
        fclose(in);
      fprintf(f, "state %s mode %o intent %s\n", names[i]->d_name,
              (unsigned)sb.st_mode, first == '{' ? "live" : "none");
      free(names[i]);
      continue;
    }
    fprintf(f, "state %s mode %o size %lld sha256 ", names[i]->d_name,
            (unsigned)sb.st_mode, (long long)sb.st_size);
    for (int k = 0; k < 32; k++)
      fprintf(f, "%02x", md[k]);
    fputc('\n', f);
    free(names[i]);
  }
  free(names);
  fclose(f);
  return text;
}

static int step_snapshot(line_ctx *l) {
  if (l->ntok != 1)
    return fail(l, "usage: snapshot");
  free(l->s->snapshot);
  l->s->snapshot = take_snapshot(l->s);
  return l->s->snapshot ? 0 : fail(l, "cannot take a snapshot");
}

/* Print the lines of a that are not in b. */
static void lines_missing(const char *a, const char *b, const char *label) {
  for (const char *p = a; *p;) {
    const char *e = strchrnul(p, '\n');
    size_t n = (size_t)(e - p);
    bool found = false;
    for (const char *q = b; *q && !found;) {
      const char *qe = strchrnul(q, '\n');
      found = (size_t)(qe - q) == n && !strncmp(p, q, n);
      q = *qe ? qe + 1 : qe;
    }
    if (!found)
      printf("    %s %.*s\n", label, (int)n, p);
    p = *e ? e + 1 : e;
  }
}

static int expect_unchanged(line_ctx *l) {
  if (!l->s->snapshot)
    return fail(l, "no snapshot taken (use 'snapshot')");
  char *now = take_snapshot(l->s);
  if (!now)
    return fail(l, "cannot take a snapshot");
  bool same = !strcmp(now, l->s->snapshot);
  if (!same) {
    lines_missing(now, l->s->snapshot, "new: ");
    lines_missing(l->s->snapshot, now, "gone:");
  }
  free(now);
  return same ? 0 : fail(l, "mounts or state changed since the snapshot "
                         "(above)");
}

static int ww_found;
static int world_writable(const char *path, const struct stat *sb, int type,
                          struct FTW *ftw) {
  (void)type, (void)ftw;
  if (!S_ISLNK(sb->st_mode) && (sb->st_mode & S_IWOTH)) {
    printf("    world-writable: %s (mode %o)\n", path,
           (unsigned)(sb->st_mode & 07777));
    ww_found++;
  }
  return 0;
}

/* Paths at and below a dir, as root sees them (binds crossed: their
 * content is what must not leak), for readable_by. */
static char **walked;
static size_t nwalked, capwalked;
static int collect(const char *path, const struct stat *sb, int type,
                   struct FTW *ftw) {
  (void)sb, (void)type, (void)ftw;
  if (nwalked == capwalked) {
    size_t cap = capwalked ? 2 * capwalked : 64;
    char **p = realloc(walked, cap * sizeof(*p));
    if (!p)
      return -1;
    walked = p, capwalked = cap;
  }
  return (walked[nwalked] = strdup(path)) ? (nwalked++, 0) : -1;
}

static void walked_free(void) {
  for (size_t i = 0; i < nwalked; i++)
    free(walked[i]);
  free(walked);
  walked = NULL, nwalked = capwalked = 0;
}

/* As uid (and gid uid, no supplementary groups), in a forked child: the
 * index of the first of paths that opens for reading (a dir: and lists),
 * or -1 when none does.  -2 when the child could not run. */
static long first_readable_by(uid_t uid, char **paths, size_t n) {
  int fds[2];
  if (pipe(fds) < 0)
    return -2;
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]), close(fds[1]);
    return -2;
  }
  if (pid == 0) {
    close(fds[0]);
    long found = -1;
    if (setgroups(0, NULL) < 0 || setresgid(uid, uid, uid) < 0 ||
        setresuid(uid, uid, uid) < 0)
      _exit(2);
    for (size_t i = 0; i < n && found < 0; i++) {
      int fd = open(paths[i], O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
      if (fd < 0)
        continue;
      struct stat sb;
      if (fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        DIR *d = fdopendir(fd);
        if (d && readdir(d))
          found = (long)i;
        if (d)
          closedir(d);
        else
          close(fd);
      } else {
        char c;
        if (read(fd, &c, 1) >= 0)
          found = (long)i;
        close(fd);
      }
    }
    _exit(write(fds[1], &found, sizeof(found)) == sizeof(found) ? 0 : 2);
  }
  close(fds[1]);
  long found = -2;
  if (read(fds[0], &found, sizeof(found)) != sizeof(found))
    found = -2;
  close(fds[0]);
  int status;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? found : -2;
}

/* expect readable-by UID PATH: PATH opens for reading as UID (the control
 * that shows the other can fail).  expect unreadable-by UID PATH: neither
 * PATH nor anything below it (as root sees it) does. */
static int expect_readable_by(line_ctx *l, bool want) {
  char *end;
  unsigned long uid = strtoul(l->tok[2], &end, 10);
  if (*end || end == l->tok[2] || uid == 0)
    return fail(l, "usage: expect %sreadable-by UID PATH (UID not 0)",
                want ? "" : "un");
  const char *path = l->tok[3];
  if (want) {
    char *one[] = {(char *)path};
    long r = first_readable_by((uid_t)uid, one, 1);
    return r == 0 ? 0 : fail(l, "uid %lu cannot read %s%s", uid, path,
                             r == -2 ? " (the check did not run)" : "");
  }
  if (nftw(path, collect, 16, FTW_PHYS) < 0) {
    walked_free();
    return fail(l, "cannot walk %s: %s", path, strerror(errno));
  }
  long r = first_readable_by((uid_t)uid, walked, nwalked);
  int rc = r == -1 ? 0
           : r == -2 ? fail(l, "the check as uid %lu did not run", uid)
                     : fail(l, "uid %lu can read %s", uid, walked[r]);
  walked_free();
  return rc;
}

static int expect_host(line_ctx *l) {
  sim *s = l->s;
  const char *what = l->tok[1];
  static const char *const ours[] = {"unchanged", "host-unmounted",
                                     "mounts-only-below", "mode",
                                     "no-world-writable", "tmpfs-size",
                                     "readable-by", "unreadable-by"};
  size_t k;
  for (k = 0; k < sizeof(ours) / sizeof(ours[0]); k++)
    if (!strcmp(what, ours[k]))
      break;
  if (k == sizeof(ours) / sizeof(ours[0]))
    return -1; /* not ours */
  if (!strcmp(what, "unchanged"))
    return l->ntok == 2 ? expect_unchanged(l) : fail(l, "usage: expect "
                                                     "unchanged");
  if (!strcmp(what, "readable-by") || !strcmp(what, "unreadable-by"))
    return l->ntok == 4 ? expect_readable_by(l, what[0] == 'r')
                        : fail(l, "usage: expect [un]readable-by UID PATH");
  if (l->ntok != 3 && !(l->ntok == 4 && (!strcmp(what, "mode") ||
                                         !strcmp(what, "tmpfs-size"))))
    return fail(l, "usage: expect host-unmounted PATH | mounts-only-below "
                "PATH | mode PATH OCTAL | no-world-writable PATH | "
                "tmpfs-size PATH BYTES");
  const char *path = l->tok[2];
  if (!strcmp(what, "host-unmounted") || !strcmp(what, "mounts-only-below")) {
    sim_mounts now;
    sim_mounts_read(&now);
    bool ok = what[0] == 'h'
                  ? sim_mounts_none_at_or_below(&now, path)
                  : s->have_baseline &&
                        sim_mounts_new_only_below(&s->baseline, &now, path);
    sim_mounts_free(&now);
    return ok ? 0 : fail(l, "%s", what[0] == 'h'
                         ? "something is mounted there (above)"
                         : "the harness gained mounts outside it (above)");
  }
  if (!strcmp(what, "mode")) {
    struct stat sb;
    if (lstat(path, &sb) < 0)
      return fail(l, "%s: %s", path, strerror(errno));
    unsigned want = (unsigned)strtoul(l->tok[3], NULL, 8);
    return (sb.st_mode & 07777) == want
               ? 0 : fail(l, "%s has mode %o, not %o", path,
                          (unsigned)(sb.st_mode & 07777), want);
  }
  if (!strcmp(what, "no-world-writable")) {
    ww_found = 0;
    if (nftw(path, world_writable, 16, FTW_PHYS) < 0)
      return fail(l, "cannot walk %s: %s", path, strerror(errno));
    return ww_found ? fail(l, "%d world-writable entries under %s (above)",
                           ww_found, path) : 0;
  }
  if (!strcmp(what, "tmpfs-size")) {
    struct statfs sf;
    if (statfs(path, &sf) < 0)
      return fail(l, "%s: %s", path, strerror(errno));
    unsigned long long size = (unsigned long long)sf.f_blocks *
                              (unsigned long long)sf.f_bsize,
                       want = strtoull(l->tok[3], NULL, 10);
    return sf.f_type == TMPFS_MAGIC && size == want
               ? 0 : fail(l, "%s: %s of %llu bytes, not a tmpfs of %llu",
                          path, sf.f_type == TMPFS_MAGIC ? "a tmpfs" : "not a "
                          "tmpfs", size, want);
  }
  return -1;
}

static const struct {
  const char *name;
  int (*fn)(line_ctx *);
} steps[] = {
    {"load", step_load},           {"unload", step_unload},
    {"create", step_create},       {"start", step_start},
    {"stop", step_stop},           {"delete", step_delete},
    {"host-write", step_host_write}, {"host-mkdir", step_host_mkdir},
    {"host-symlink", step_host_symlink},
    {"ctr-write", step_ctr_write}, {"expect", step_expect},
    {"fault-walk", step_fault_walk}, {"stress", step_stress},
    {"kill-walk", step_kill_walk},
    {"ctr-symlink", step_ctr_fs},  {"ctr-mkdir", step_ctr_fs},
    {"ctr-mount", step_ctr_fs},    {"ctr-rename", step_ctr_fs},
    {"engine-pidfd", step_engine_pidfd},
    {"ctr-flip", step_ctr_flip},
    {"ctr-flip-stop", step_ctr_flip_stop},
    {"host-symlink", step_host_fs}, {"host-chmod", step_host_fs},
    {"host-truncate", step_host_fs}, {"host-mount", step_host_fs},
    {"host-umount", step_host_fs}, {"host-rm", step_host_fs},
    {"host-chattr", step_host_fs},
    {"sha256", step_sha256},
    {"snapshot", step_snapshot},   {"list", step_list},
};

static int run_line(line_ctx *l) {
  l->try_ = false;
  if (!strcmp(l->tok[0], "try")) {
    if (l->ntok < 2 || l->expect_err)
      return fail(l, "usage: try STEP (without '! ERRNO')");
    memmove(l->tok, l->tok + 1, (size_t)(l->ntok - 1) * sizeof(l->tok[0]));
    l->ntok--;
    l->try_ = true;
  }
  const char *cmd = l->tok[0];
  if (!strcmp(cmd, "add") || !strcmp(cmd, "remove"))
    return step_paths(l, cmd[0] == 'a');
  for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
    if (!strcmp(cmd, steps[i].name))
      return steps[i].fn(l);
  return fail(l, "unknown step '%s'", cmd);
}

int sim_run_text(sim *s, const char *name, const char *text) {
  size_t bufsz = 64 * 1024;
  char *buf = malloc(bufsz);
  if (!buf)
    return 1;
  line_ctx l = {.s = s, .file = name};
  int rc = 0, last_comment = -1;
  for (const char *p = text; *p && rc == 0;) {
    const char *end = strchrnul(p, '\n');
    l.line++;
    char *src = strndup(p, (size_t)(end - p));
    p = *end ? end + 1 : end;
    if (!src) {
      rc = 1;
      break;
    }
    const char *first = src + strspn(src, " \t");
    if (*first == '#') {
      if (!s->quiet)
        printf("%s%s\n", last_comment == l.line - 1 ? "" : "\n", first);
      last_comment = l.line;
      free(src);
      continue;
    }
    /* "repeat N STEP": run STEP for $i = 1..N. */
    unsigned long times = 1;
    const char *step = first;
    if (!strncmp(first, "repeat ", 7)) {
      char *end_n;
      times = strtoul(first + 7, &end_n, 10);
      step = end_n + strspn(end_n, " \t");
      if (end_n == first + 7 || !*step) {
        rc = fail(&l, "usage: repeat N STEP");
        free(src);
        break;
      }
    }
    if (*first && !s->quiet)
      printf("  %4d  %s\n", l.line, first);
    fflush(stdout);
    for (unsigned long i = 1; i <= times && rc == 0; i++) {
      if (times > 1 || step != first)
        snprintf(s->iter, sizeof(s->iter), "%lu", i);
      rc = tokenize(&l, step, buf, bufsz);
      /* "A ; B": several steps on one line (useful after 'repeat'). */
      char *all[MAX_TOKENS];
      int nall = l.ntok;
      memcpy(all, l.tok, sizeof(all));
      for (int from = 0; rc == 0 && from < nall;) {
        int to = from;
        while (to < nall && strcmp(all[to], ";") != 0)
          to++;
        memcpy(l.tok, all + from, (size_t)(to - from) * sizeof(all[0]));
        l.ntok = to - from;
        if (l.ntok > 0) {
          rc = take_expectation(&l);
          if (rc == 0)
            rc = run_line(&l);
        }
        from = to + 1;
      }
    }
    s->iter[0] = '\0';
    free(src);
  }
  free(buf);
  return rc;
}

int sim_run_file(sim *s, const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) {
    printf("%s: cannot open: %s\n", path, strerror(errno));
    return 2;
  }
  char *text = NULL;
  size_t cap = 0;
  ssize_t n = getdelim(&text, &cap, '\0', f);
  fclose(f);
  if (n < 0) {
    free(text);
    text = strdup("");
  }
  int rc = sim_run_text(s, path, text);
  free(text);
  return rc;
}
