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

#include "app.h"
#include "args.h"
#include "cgscan.h"
#include "check.h"
#include "fileio.h"
#include "hook.h"
#include "hooklog.h"
#include "id.h"
#include "lookup.h"
#include "sharedpath/host.h"
#include "oci.h"
#include "owner.h"
#include "proc.h"

#include "version.h"

#define CONFIG_MAX (16u << 20)

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
  spc_installed_plugin(plugin, sizeof(plugin));
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

static char *to_text(json_object *o) {
  const char *t = json_object_to_json_string_ext(
      o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
  return t ? strdup(t) : NULL;
}

static int cmd_oci_prepare(spc_app *ap, char *where, size_t wsz, sp_error *e) {
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
  if ((r = spc_load(ap, e)) < 0)
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
  if ((r = spc_create(ap, id, edited, &out, &existed, e)) < 0)
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

static int cmd_create(spc_app *ap, sp_error *e) {
  const char *id = ap->a->args[0];
  _cleanup_free_ char *out = NULL;
  _cleanup_json_ json_object *spec = NULL;
  int r;
  if ((r = spc_load(ap, e)) < 0)
    return r;
  if ((r = spc_create(ap, id, "{}", &out, NULL, e)) < 0)
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

/* ---- add-path, remove-path, delete: a container by id ---- */

static int open_target(spc_app *ap, const char *id, spc_target *t,
                       sp_error *e) {
  if (ap->a->pid)
    return spc_target_from_pid(ap->a->pid, t, e);
  return spc_target_from_record(ap->a->state_dir, id, t, e);
}

/* A container that runs although no hook recorded it was started without
 * the hooks: nothing would apply a path saved for it.  Refused for add,
 * said for remove (which has nothing to take out of it). */
static int check_unrecorded(spc_app *ap, const char *id, bool add,
                            sp_error *e) {
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

static int cmd_paths(spc_app *ap, bool add, sp_error *e) {
  char id[SP_ID_MAX + 1];
  spc_target t;
  int r;
  /* The plugin first: it makes the state dir the lookup reads. */
  if ((r = spc_load(ap, e)) < 0)
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
    return spc_plugin_fail(r, &pe, e);
  if (!c.pid)
    fprintf(stderr, "sharedpath: %s %s: %s; saved: applied when it starts "
            "with the sharedpath hooks\n", ap->a->cmd->name, id, t.note);
  return 0;
}

static int cmd_list(spc_app *ap, sp_error *e) {
  char id[SP_ID_MAX + 1];
  struct sharedpath_error pe = sph_error();
  char *json = NULL;
  int r;
  if ((r = spc_load(ap, e)) < 0)
    return r;
  if ((r = spc_lookup_id(ap->a->state_dir, ap->a->args[0], id, sizeof(id),
                         e)) < 0)
    return r;
  if ((r = sph_list(&ap->p, id, &json, &pe)) < 0)
    return spc_plugin_fail(r, &pe, e);
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

static int cmd_delete(spc_app *ap, sp_error *e) {
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
  if ((r = spc_load(ap, e)) < 0)
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
    return spc_plugin_fail(r, &pe, e);
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

  spc_app ap = {.a = &a};
  char where[PATH_MAX + 64];
  int r;
  snprintf(where, sizeof(where), "%s%s%s", a.cmd->name, a.nargs ? " " : "",
           a.nargs ? a.args[0] : "");
  switch (a.cmd->cmd) {
  case SPC_CMD_OCI_PREPARE:
    r = cmd_oci_prepare(&ap, where, sizeof(where), &e);
    break;
  case SPC_CMD_HOOK:
    r = spc_cmd_hook(&ap, where, sizeof(where), &e);
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
    if ((r = spc_plugin_path(&a, ap.plugin, &e)) == 0)
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
