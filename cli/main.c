/* SPDX-License-Identifier: Apache-2.0 */
/* sharedpath: the plugin behind a command line and OCI hooks, so that
 * runc, crun, podman and iSulad users can hot-add host paths.  It is an
 * engine like any other: it loads the plugin through libsharedpath-host
 * and speaks only the ABI in api/. */
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "args.h"
#include "cgscan.h"
#include "check.h"
#include "fileio.h"
#include "hooklog.h"
#include "id.h"
#include "lookup.h"
#include "sharedpath/host.h"
#include "oci.h"
#include "owner.h"
#include "proc.h"

#include "version.h"

/* Where the installed plugin is, from the directory of this binary:
 * <bindir> -> <libdir>/sharedpath/sharedpath-plugin.so as a relative path,
 * so a tree installed under any prefix (cmake --install --prefix, DESTDIR,
 * a package) finds its own plugin; absolute when an install dir is. */
#ifndef SHAREDPATH_PLUGIN_FROM_BINDIR
#error "SHAREDPATH_PLUGIN_FROM_BINDIR is set by cli/CMakeLists.txt"
#endif

/* The installed plugin for this binary (see above). */
static void installed_plugin(char *out, size_t size) {
  char exe[PATH_MAX];
  const char *rel = SHAREDPATH_PLUGIN_FROM_BINDIR;
  if (rel[0] == '/' || !realpath("/proc/self/exe", exe))
    snprintf(out, size, "%s", rel);
  else
    snprintf(out, size, "%s/%s", dirname(exe), rel);
}

#define CONFIG_MAX (16u << 20)
#define STDIN_MAX (16u << 20)

static void usage(FILE *f) {
  fprintf(f,
"Usage: sharedpath [OPTIONS] COMMAND [ARGS]\n"
"\n"
"Add and remove host paths in running containers through mount\n"
"propagation, with the sharedpath plugin.  Must run as root.\n"
"\n"
"Commands:\n");
  for (const spc_cmd_info *c = spc_cmds; c->name; c++)
    fprintf(f, "  %-12s %s\n", c->name, c->summary);
  char plugin[PATH_MAX];
  installed_plugin(plugin, sizeof(plugin));
  fprintf(f,
"\n"
"Options (any command):\n"
"  --root DIR        shared root on the host (default %s)\n"
"  --state-dir DIR   where container state lives (default %s)\n"
"  --plugin PATH     the plugin to load; default: when this binary is in\n"
"                    a build tree, <build>/plugin/sharedpath-plugin.so,\n"
"                    else the installed one beside it,\n"
"                    %s\n"
"  -v, --verbose     print the plugin's informational messages\n"
"  -h, --help        help; `sharedpath COMMAND --help` for a command\n"
"  --version         print the version\n"
"\n"
"Exit status: 0 success, 1 the operation failed (nothing was changed;\n"
"the reason is on stderr in one line), 2 bad command line.\n",
          SHAREDPATH_DEFAULT_SHARED_ROOT, SPC_DEFAULT_STATE_DIR, plugin);
}

static void usage_cmd(FILE *f, const spc_cmd_info *c) {
  if (c->cmd == SPC_CMD_HELP) {
    usage(f);
    return;
  }
  fprintf(f, "Usage: sharedpath [OPTIONS] %s\n\n%s%s", c->synopsis, c->summary,
          ".\n\n");
  fputs(c->help, f);
  fprintf(f, "\nGlobal options (--root, --state-dir, --plugin, --verbose) "
             "and exit status:\nsee `sharedpath --help`.\n");
}

/* ---- loading the plugin ---- */

static void plugin_log(void *data, int level, const char *msg) {
  const bool *verbose = data;
  if (level <= SHAREDPATH_LOG_WARNING || *verbose)
    fprintf(stderr, "sharedpath: plugin: %s\n", msg);
}

/* The plugin path: --plugin, else the build tree's beside us, else the
 * installed one.  Absolute, because hooks run from another directory. */
static int plugin_path(const spc_args *a, char *out, sp_error *e) {
  char want[PATH_MAX];
  if (a->plugin) {
    snprintf(want, sizeof(want), "%s", a->plugin);
  } else {
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    installed_plugin(want, sizeof(want));
    if (n > 0) {
      exe[n] = '\0';
      /* Only in a build tree (CMakeCache.txt one level up): an installed
       * binary never picks up a stray <prefix>/plugin/ directory. */
      char beside[PATH_MAX], cache[PATH_MAX];
      const char *dir = dirname(exe);
      snprintf(beside, sizeof(beside), "%s/../plugin/sharedpath-plugin.so",
               dir);
      snprintf(cache, sizeof(cache), "%s/../CMakeCache.txt", dir);
      if (access(cache, F_OK) == 0 && access(beside, R_OK) == 0)
        snprintf(want, sizeof(want), "%s", beside);
    }
  }
  if (!realpath(want, out))
    return sp_fail_errno(e, -errno, "cannot find the plugin %s (use "
                         "--plugin PATH)", want);
  return 0;
}

typedef struct app {
  const spc_args *a;
  sph_plugin p;
  char plugin[PATH_MAX];
  /* A hook's outcome for its log line; warn: a warning, on stderr too. */
  char done[SHAREDPATH_ERROR_MESSAGE_MAX + 128];
  bool warn;
} app;

static int load(app *ap, sp_error *e) {
  int r = plugin_path(ap->a, ap->plugin, e);
  if (r < 0)
    return r;
  struct sharedpath_host host = {
      .size = sizeof(host),
      .shared_root = ap->a->root,
      .state_dir = ap->a->state_dir,
      .log = plugin_log,
      .log_data = (void *)&ap->a->verbose,
  };
  struct sharedpath_error he = sph_error();
  r = sph_load(ap->plugin, &host, &ap->p, &he);
  return r < 0 ? sp_fail(e, r, "%s", sph_strerror(&he, r)) : 0;
}

/* The plugin's message, or strerror when it gave none. */
static int plugin_fail(int r, const struct sharedpath_error *pe, sp_error *e) {
  return sp_fail(e, r, "%s", sph_strerror(pe, r));
}

/* ---- oci-prepare, create, hook precreate: on_create ---- */

/* on_create for id on spec; *existed says whether id had state before, so
 * a caller that fails later knows whether to undo it. */
static int create(app *ap, const char *id, const char *spec, char **out,
                  bool *existed, sp_error *e) {
  struct sharedpath_error pe = sph_error();
  char *json = NULL;
  if (existed) {
    *existed = sph_list(&ap->p, id, &json, &pe) == 0;
    sph_release(&ap->p, json);
    pe = sph_error();
  }
  int r = sph_create(&ap->p, id, spec, &json, &pe);
  if (r < 0)
    return plugin_fail(r, &pe, e);
  *out = strdup(json);
  sph_release(&ap->p, json);
  return *out ? 0 : sp_fail(e, -ENOMEM, "out of memory");
}

static char *to_text(json_object *o) {
  const char *t = json_object_to_json_string_ext(
      o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
  return t ? strdup(t) : NULL;
}

static int cmd_oci_prepare(app *ap, char *where, size_t wsz, sp_error *e) {
  const spc_args *a = ap->a;
  char bundle[PATH_MAX], config[PATH_MAX + 16], exe[PATH_MAX];
  snprintf(where, wsz, "oci-prepare %s", a->args[0]);
  if (!realpath(a->args[0], bundle))
    return sp_fail_errno(e, -errno, "cannot find the bundle");
  snprintf(config, sizeof(config), "%s/config.json", bundle);
  char base[PATH_MAX];
  snprintf(base, sizeof(base), "%s", bundle);
  const char *id = a->id ? a->id : basename(base);
  int r;
  if (!a->id && spc_id_validate(id, NULL) < 0)
    return sp_fail(e, -EINVAL, "the bundle directory name '%s' is not a "
                   "valid container id; give one with --id ID", id);
  /* Everything that can fail on bad input runs before anything changes. */
  struct stat sb;
  _cleanup_free_ char *text = NULL, *edited = NULL, *out = NULL;
  _cleanup_json_ json_object *cfg = NULL;
  size_t len = 0;
  r = sp_read_file_at(AT_FDCWD, config, CONFIG_MAX, config, &text, &len, e);
  if (r < 0)
    return r;
  if ((r = sp_json_object_parse(text, len, config, &cfg, e)) < 0)
    return r;
  if (stat(config, &sb) < 0)
    return sp_fail_errno(e, -errno, "cannot stat %s", config);
  if (!realpath("/proc/self/exe", exe))
    return sp_fail_errno(e, -errno, "cannot find this program's path");
  if ((r = load(ap, e)) < 0)
    return r;
  const char *argv_prefix[] = {"sharedpath", "--root", a->root,
                               "--state-dir", a->state_dir, "--plugin",
                               ap->plugin, "--id", id, NULL};
  spc_hook_spec hs = {.path = exe, .argv_prefix = argv_prefix};
  if ((r = spc_oci_set_hooks(cfg, &hs, a->persist, e)) < 0)
    return sp_wrap(e, r, "%s", config);
  if (!(edited = to_text(cfg)))
    return sp_fail(e, -ENOMEM, "out of memory");
  bool existed;
  if ((r = create(ap, id, edited, &out, &existed, e)) < 0)
    return r;
  r = sp_write_atomic(config, out, strlen(out), sb.st_mode & 07777, e);
  if (r < 0 && !existed) {
    struct sharedpath_container c = {.size = sizeof(c), .id = id, .pidfd = -1};
    struct sharedpath_error pe = sph_error();
    if (sph_delete(&ap->p, &c, &pe) < 0)
      fprintf(stderr, "sharedpath: %s: undoing the create of '%s' failed: "
              "%s\n", where, id, pe.message);
  }
  return r;
}

static int cmd_create(app *ap, sp_error *e) {
  const char *id = ap->a->args[0];
  _cleanup_free_ char *out = NULL;
  _cleanup_json_ json_object *spec = NULL;
  int r;
  if ((r = load(ap, e)) < 0)
    return r;
  if ((r = create(ap, id, "{}", &out, NULL, e)) < 0)
    return r;
  r = sp_json_object_parse(out, strlen(out), "the plugin's spec", &spec, e);
  if (r < 0)
    return r;
  json_object *mounts, *m;
  if (!json_object_object_get_ex(spec, "mounts", &mounts) ||
      json_object_array_length(mounts) != 1 ||
      !(m = json_object_array_get_idx(mounts, 0)))
    return sp_fail(e, -EPROTO, "the plugin returned a spec without its "
                   "mount");
  printf("%s\n", json_object_to_json_string_ext(
                     m, JSON_C_TO_STRING_PLAIN |
                            JSON_C_TO_STRING_NOSLASHESCAPE));
  return 0;
}

/* ---- hook ---- */

static int hook_precreate(app *ap, const char *text, char *where, size_t wsz,
                          sp_error *e) {
  _cleanup_json_ json_object *cfg = NULL;
  int r = sp_json_object_parse(text, strlen(text), "OCI config on stdin",
                               &cfg, e);
  if (r < 0)
    return r;
  const char *id = ap->a->id ? ap->a->id
                             : spc_oci_annotation(cfg, SPC_ANNOTATION_ID);
  if (!id)
    return sp_fail(e, -EINVAL, "no container id: pass --id or set the "
                   "annotation " SPC_ANNOTATION_ID);
  snprintf(where, wsz, "hook precreate %s", id);
  if ((r = spc_id_validate(id, e)) < 0)
    return r;
  if ((r = spc_owner_precreate(ap->a->state_dir, id, e)) < 0)
    return r;
  if ((r = load(ap, e)) < 0)
    return r;
  snprintf(ap->done, sizeof(ap->done), "added the /.sharedpath mount");
  _cleanup_free_ char *out = NULL;
  if ((r = create(ap, id, text, &out, NULL, e)) < 0)
    return r;
  if (fputs(out, stdout) < 0 || fflush(stdout) != 0)
    return sp_fail_errno(e, -errno, "cannot write the config to stdout");
  return 0;
}

static const char *stage_of_status(const char *status) {
  if (!strcmp(status, "creating"))
    return "createRuntime";
  /* runc 1.1 reports "created" to poststart hooks, others "running". */
  if (!strcmp(status, "created") || !strcmp(status, "running"))
    return "poststart";
  if (!strcmp(status, "stopped"))
    return "poststop";
  return NULL;
}

/* Record the container's process; for poststart also re-apply its paths
 * into it, through a pidfd checked against what was just recorded. */
static int hook_started(app *ap, const char *id, const spc_oci_state *st,
                        bool apply, sp_error *e) {
  pid_t pid = st->pid;
  if (pid <= 0)
    return sp_fail(e, -EINVAL, "the OCI state has no pid");
  spc_owner me;
  char note[SHAREDPATH_ERROR_MESSAGE_MAX], label[2 * SPC_ENGINE_ID_MAX];
  int r = spc_owner_set(&me, st->id, st->name, st->bundle, e);
  if (r < 0)
    return r;
  /* Held until the process is recorded: another container's hook for
   * this id sees it as the running owner then. */
  _cleanup_close_ int lock = spc_owner_lock(ap->a->state_dir, id, e);
  if (lock < 0)
    return lock;
  if ((r = spc_owner_claim(ap->a->state_dir, id, &me, pid,
                           ap->a->takeover || st->takeover, note,
                           sizeof(note), e)) < 0)
    return r;
  spc_owner_label(&me, label, sizeof(label));
  snprintf(ap->done, sizeof(ap->done), "container %s, process %d: "
           "recorded%s%s%s", label, (int)pid, apply ? ", saved paths "
           "re-applied" : "", note[0] ? "; " : "", note);
  sph_proc proc;
  struct sharedpath_error pe = sph_error();
  r = sph_proc_read(pid, &proc, &pe);
  if (r < 0)
    return plugin_fail(r, &pe, e);
  if ((r = spc_record_save(ap->a->state_dir, id, &proc, e)) < 0)
    return r;
  if (!apply)
    return 0;
  spc_target t;
  if ((r = spc_target_from_record(ap->a->state_dir, id, &t, e)) < 0)
    return r;
  if (t.t.pid == 0)
    return sp_fail(e, -ESRCH, "%s", t.note);
  struct sharedpath_container c = sph_container(id, &t.t);
  r = sph_start(&ap->p, &c, &pe);
  spc_target_close(&t);
  return r < 0 ? plugin_fail(r, &pe, e) : 0;
}

static int hook_stopped(app *ap, const char *id, const spc_oci_state *st,
                        bool persist, sp_error *e) {
  spc_owner me;
  char label[2 * SPC_ENGINE_ID_MAX];
  int r = spc_owner_set(&me, st->id, st->name, st->bundle, e);
  if (r < 0)
    return r;
  _cleanup_close_ int lock = spc_owner_lock(ap->a->state_dir, id, e);
  if (lock < 0)
    return lock;
  if ((r = spc_owner_mine(ap->a->state_dir, id, &me, ap->done,
                          sizeof(ap->done), e)) < 0)
    return r;
  if (r == 0) { /* another container's id: not ours to touch */
    ap->warn = true;
    return 0;
  }
  spc_owner_label(&me, label, sizeof(label));
  snprintf(ap->done, sizeof(ap->done), "container %s stopped: %s", label,
           persist ? "its paths are kept for its next start"
                   : "its paths, mounts and state are deleted");
  /* The process is gone: forget it first, so nothing can reach a reused
   * pid even if what follows fails. */
  if ((r = spc_record_remove(ap->a->state_dir, id, e)) < 0)
    return r;
  /* The container's mount namespace is gone: pid 0. */
  struct sharedpath_container c = {.size = sizeof(c), .id = id, .pidfd = -1};
  struct sharedpath_error pe = sph_error();
  r = persist ? sph_stop(&ap->p, &c, &pe) : sph_delete(&ap->p, &c, &pe);
  /* A 1.0 plugin has no on_stop: keeping everything is what stop means.
   * An id deleted while it ran (sharedpath delete) has nothing to keep. */
  bool deleted = r == -ENOENT;
  if (persist && (r == -ENOSYS || r == -ENOENT))
    r = 0;
  if (r < 0)
    return plugin_fail(r, &pe, e);
  /* Kept paths keep their owner; a deleted id leaves no lock file. */
  return persist && !deleted ? 0 : spc_owner_remove(ap->a->state_dir, id, e);
}

static int cmd_hook(app *ap, char *where, size_t wsz, sp_error *e) {
  const spc_args *a = ap->a;
  const char *stage = a->nargs ? a->args[0] : NULL;
  snprintf(where, wsz, "hook%s%s", stage ? " " : "", stage ? stage : "");
  _cleanup_free_ char *text = NULL;
  int r = sp_read_all(STDIN_FILENO, -1, STDIN_MAX, "stdin", &text, NULL, e);
  if (r < 0)
    return r;
  if (stage && !strcmp(stage, "precreate"))
    return hook_precreate(ap, text, where, wsz, e);
  spc_oci_state st;
  if ((r = spc_oci_state_parse(text, &st, e)) < 0)
    return r;
  const char *id = a->id ? a->id : st.sp_id ? st.sp_id : st.id;
  if (!stage && !(stage = stage_of_status(st.status))) {
    r = sp_fail(e, -EINVAL, "cannot tell the hook stage from status '%s'; "
                "pass it: sharedpath hook STAGE", st.status);
    goto out;
  }
  snprintf(where, wsz, "hook %s %s", stage, id);
  bool start = !strcmp(stage, "poststart");
  if (!start && strcmp(stage, "createRuntime") && strcmp(stage, "prestart") &&
      strcmp(stage, "poststop")) {
    r = sp_fail(e, -EINVAL, "unknown hook stage '%s' (precreate, prestart, "
                "createRuntime, poststart, poststop)", stage);
    goto out;
  }
  if ((r = spc_id_validate(id, e)) < 0)
    goto out;
  /* createRuntime and prestart only record the process: no plugin to
   * load, which is most of what a hook costs the container's start. */
  if ((start || !strcmp(stage, "poststop")) && (r = load(ap, e)) < 0)
    goto out;
  if (!strcmp(stage, "poststop"))
    r = hook_stopped(ap, id, &st, a->persist || st.persist, e);
  else
    r = hook_started(ap, id, &st, start, e);
out:
  spc_oci_state_free(&st);
  return r;
}

/* ---- add-path, remove-path, delete: a container by id ---- */

static int open_target(app *ap, const char *id, spc_target *t, sp_error *e) {
  if (ap->a->pid)
    return spc_target_from_pid(ap->a->pid, t, e);
  return spc_target_from_record(ap->a->state_dir, id, t, e);
}

/* A container that runs although no hook recorded it was started without
 * the hooks: nothing would apply a path saved for it.  Refused for add,
 * said for remove (which has nothing to take out of it). */
static int check_unrecorded(app *ap, const char *id, bool add, sp_error *e) {
  spc_owner o;
  pid_t pid = spc_unrecorded_running(ap->a->state_dir, id, &o);
  if (!pid)
    return 0;
  char label[2 * SPC_ENGINE_ID_MAX], msg[SHAREDPATH_ERROR_MESSAGE_MAX];
  spc_owner_label(&o, label, sizeof(label));
  snprintf(msg, sizeof(msg), "container %s of id '%s' runs (process %d is "
           "in its cgroup) but no sharedpath hook recorded it: it was "
           "started without the hooks (podman: its hooks dir on every run, "
           "start and restart)", label, id, (int)pid);
  if (add)
    return sp_fail(e, -ESRCH, "%s, so the path would not be applied; "
                   "nothing saved.  Restart it with the hooks, then add the "
                   "path", msg);
  fprintf(stderr, "sharedpath: %s %s: warning: %s\n", ap->a->cmd->name, id,
          msg);
  return 0;
}

static int cmd_paths(app *ap, bool add, sp_error *e) {
  char id[SP_ID_MAX + 1];
  spc_target t;
  int r;
  /* The plugin first: it makes the state dir the lookup reads. */
  if ((r = load(ap, e)) < 0)
    return r;
  if ((r = spc_lookup_id(ap->a->state_dir, ap->a->args[0], id, sizeof(id),
                         e)) < 0)
    return r;
  if (!ap->a->pid && (r = check_unrecorded(ap, id, add, e)) < 0)
    return r;
  if ((r = open_target(ap, id, &t, e)) < 0)
    return r;
  struct sharedpath_container c = sph_container(id, &t.t);
  struct sharedpath_error pe = sph_error();
  const char *const *specs = (const char *const *)ap->a->args + 1;
  size_t n = (size_t)ap->a->nargs - 1;
  r = add ? sph_add(&ap->p, &c, specs, n, &pe)
          : sph_remove(&ap->p, &c, specs, n, &pe);
  spc_target_close(&t);
  if (r < 0)
    return plugin_fail(r, &pe, e);
  if (!c.pid)
    fprintf(stderr, "sharedpath: %s %s: %s; saved: applied when it starts "
            "with the sharedpath hooks\n", ap->a->cmd->name, id, t.note);
  return 0;
}

static int cmd_list(app *ap, sp_error *e) {
  char id[SP_ID_MAX + 1];
  struct sharedpath_error pe = sph_error();
  char *json = NULL;
  int r;
  if ((r = load(ap, e)) < 0)
    return r;
  if ((r = spc_lookup_id(ap->a->state_dir, ap->a->args[0], id, sizeof(id),
                         e)) < 0)
    return r;
  if ((r = sph_list(&ap->p, id, &json, &pe)) < 0)
    return plugin_fail(r, &pe, e);
  _cleanup_json_ json_object *o = NULL;
  if (ap->a->json) {
    printf("%s\n", json);
  } else if ((r = sp_json_object_parse(json, strlen(json), "the plugin's list",
                                       &o, e)) == 0) {
    json_object *paths, *h, *c, *opts;
    if (json_object_object_get_ex(o, "paths", &paths))
      for (size_t i = 0; i < json_object_array_length(paths); i++) {
        json_object *p = json_object_array_get_idx(paths, i);
        if (json_object_object_get_ex(p, "host", &h) &&
            json_object_object_get_ex(p, "container", &c) &&
            json_object_object_get_ex(p, "options", &opts))
          printf("%s\t%s\t%s\n", json_object_get_string(h),
                 json_object_get_string(c), json_object_get_string(opts));
      }
  }
  sph_release(&ap->p, json);
  return r;
}

static int cmd_delete(app *ap, sp_error *e) {
  char id[SP_ID_MAX + 1];
  spc_target t = {.t = {.pidfd = -1}};
  sp_error why = {0};
  int r = spc_lookup_id(ap->a->state_dir, ap->a->args[0], id, sizeof(id),
                        &why);
  /* Idempotent, but not silent: an unknown id is said, and what is left
   * of it on the host (if anything) still goes. */
  if (r == -ENOENT) {
    fprintf(stderr, "sharedpath: delete %s: nothing to delete: %s\n",
            ap->a->args[0], why.msg);
    snprintf(id, sizeof(id), "%s", ap->a->args[0]);
  } else if (r < 0) {
    return sp_fail(e, r, "%s", why.msg);
  }
  why = (sp_error){0};
  _cleanup_close_ int lock = spc_owner_lock(ap->a->state_dir, id, e);
  if (lock < 0)
    return lock;
  if ((r = load(ap, e)) < 0)
    return r;
  /* A broken record must not keep a container's mounts alive: delete from
   * the host side then (the container's namespace keeps its copies until
   * it goes away). */
  if (open_target(ap, id, &t, &why) < 0) {
    if (ap->a->pid)
      return sp_fail(e, -ESRCH, "%s", why.msg);
    fprintf(stderr, "sharedpath: delete %s: warning: %s; deleting on the "
            "host side only\n", id, why.msg);
  }
  struct sharedpath_container c = sph_container(id, &t.t);
  struct sharedpath_error pe = sph_error();
  r = sph_delete(&ap->p, &c, &pe);
  spc_target_close(&t);
  if (r < 0)
    return plugin_fail(r, &pe, e);
  if ((r = spc_record_remove(ap->a->state_dir, id, e)) < 0)
    return r;
  return spc_owner_remove(ap->a->state_dir, id, e);
}

int main(int argc, char **argv) {
  spc_args a;
  sp_error e = {0};
  if (spc_args_parse(argc, argv, &a, &e) < 0) {
    fprintf(stderr, "sharedpath: %s (try 'sharedpath %s%s--help')\n", e.msg,
            a.cmd ? a.cmd->name : "", a.cmd ? " " : "");
    return SPC_EXIT_USAGE;
  }
  if (a.version && !a.cmd) {
    printf("sharedpath %s (plugin ABI %d.%d)\n", SHAREDPATH_VERSION,
           SHAREDPATH_ABI_MAJOR, SHAREDPATH_ABI_MINOR);
    return SPC_EXIT_OK;
  }
  if (!a.cmd) {
    usage(a.help ? stdout : stderr);
    return a.help ? SPC_EXIT_OK : SPC_EXIT_USAGE;
  }
  if (a.help || a.cmd->cmd == SPC_CMD_HELP) {
    const spc_cmd_info *c = a.cmd;
    if (c->cmd == SPC_CMD_HELP && a.nargs &&
        !(c = spc_cmd_find(a.args[0]))) {
      fprintf(stderr, "sharedpath: help: unknown command '%s'\n", a.args[0]);
      return SPC_EXIT_USAGE;
    }
    usage_cmd(stdout, c);
    return SPC_EXIT_OK;
  }

  app ap = {.a = &a};
  char where[PATH_MAX + 64];
  int r;
  snprintf(where, sizeof(where), "%s%s%s", a.cmd->name, a.nargs ? " " : "",
           a.nargs ? a.args[0] : "");
  switch (a.cmd->cmd) {
  case SPC_CMD_OCI_PREPARE:
    r = cmd_oci_prepare(&ap, where, sizeof(where), &e);
    break;
  case SPC_CMD_HOOK:
    r = cmd_hook(&ap, where, sizeof(where), &e);
    break;
  case SPC_CMD_CREATE:
    r = cmd_create(&ap, &e);
    break;
  case SPC_CMD_ADD:
  case SPC_CMD_REMOVE:
    r = cmd_paths(&ap, a.cmd->cmd == SPC_CMD_ADD, &e);
    break;
  case SPC_CMD_LIST:
    r = cmd_list(&ap, &e);
    break;
  case SPC_CMD_DELETE:
    r = cmd_delete(&ap, &e);
    break;
  case SPC_CMD_CHECK:
    if ((r = plugin_path(&a, ap.plugin, &e)) == 0)
      r = spc_check(ap.plugin, a.json, stdout, &e);
    break;
  default:
    r = -EINVAL;
    break;
  }
  sph_unload(&ap.p);
  if (a.cmd->cmd == SPC_CMD_HOOK) {
    if (ap.warn)
      fprintf(stderr, "sharedpath: %s: warning: %s\n", where, ap.done);
    spc_hook_log(a.state_dir, r < 0 ? LOG_ERR : ap.warn ? LOG_WARNING
                                                         : LOG_INFO,
                 "%s: %s", where, r < 0 ? (e.msg[0] ? e.msg : strerror(-r))
                                        : ap.done[0] ? ap.done : "done");
  }
  if (r < 0) {
    fprintf(stderr, "sharedpath: %s: %s\n", where,
            e.msg[0] ? e.msg : strerror(-r));
    return SPC_EXIT_FAILED;
  }
  return SPC_EXIT_OK;
}
