/* SPDX-License-Identifier: Apache-2.0 */
/* `sharedpath hook` (hook.h): precreate gives the config the /.sharedpath
 * mount (on_create); createRuntime and prestart record the container's
 * process, poststart records it and applies the container's saved paths
 * (on_start); poststop stops (on_stop: its paths kept, with persist) or
 * deletes the container.  Each checks the id's owner first (owner.h). */
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "hook.h"
#include "id.h"
#include "oci.h"
#include "owner.h"
#include "proc.h"

#define STDIN_MAX (16u << 20)

static int hook_precreate(spc_app *ap, const char *text, char *where,
                          size_t wsz, sp_error *e) {
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
  if ((r = spc_load(ap, e)) < 0)
    return r;
  snprintf(ap->done, sizeof(ap->done), "added the /.sharedpath mount");
  _cleanup_free_ char *out = NULL;
  if ((r = spc_create(ap, id, text, &out, NULL, e)) < 0)
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

/* The container of the OCI state as an owner of id (*me), and id's owner
 * lock taken: the lock's fd, or -errno. */
static int owner_locked(spc_app *ap, const char *id, const spc_oci_state *st,
                        spc_owner *me, sp_error *e) {
  int r = spc_owner_set(me, st->id, st->name, st->bundle, e);
  if (r < 0)
    return r;
  return spc_owner_lock(ap->a->state_dir, id, e);
}

/* Whether the process record of id on disk is p already: poststart after
 * createRuntime finds its own, durable since then, and writing it again
 * would only cost two flushes. */
static bool record_is(const char *state_dir, const char *id,
                      const sph_proc *p) {
  sph_proc old;
  if (spc_record_load(state_dir, id, &old, NULL) < 0)
    return false;
  return old.pid == p->pid && old.start_time == p->start_time &&
         old.mnt_dev == p->mnt_dev && old.mnt_ino == p->mnt_ino;
}

/* Record the container's process; for poststart also re-apply its paths
 * into it, through a pidfd checked against what was just recorded. */
static int hook_started(spc_app *ap, const char *id, const spc_oci_state *st,
                        bool apply, sp_error *e) {
  pid_t pid = st->pid;
  if (pid <= 0)
    return sp_fail(e, -EINVAL, "the OCI state has no pid");
  spc_owner me;
  char note[SHAREDPATH_ERROR_MESSAGE_MAX], label[2 * SPC_ENGINE_ID_MAX];
  /* Held until the process is recorded: another container's hook for
   * this id sees it as the running owner then. */
  _cleanup_close_ int lock = owner_locked(ap, id, st, &me, e);
  if (lock < 0)
    return lock;
  int r;
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
    return spc_plugin_fail(r, &pe, e);
  if (!record_is(ap->a->state_dir, id, &proc) &&
      (r = spc_record_save(ap->a->state_dir, id, &proc, e)) < 0)
    return r;
  if (!apply)
    return 0;
  spc_target t;
  if ((r = spc_target_from_proc(id, &proc, &t, e)) < 0)
    return r;
  if (t.t.pid == 0)
    return sp_fail(e, -ESRCH, "%s", t.note);
  struct sharedpath_container c = sph_container(id, &t.t);
  r = sph_start(&ap->p, &c, &pe);
  spc_target_close(&t);
  return r < 0 ? spc_plugin_fail(r, &pe, e) : 0;
}

static int hook_stopped(spc_app *ap, const char *id, const spc_oci_state *st,
                        bool persist, sp_error *e) {
  spc_owner me;
  char label[2 * SPC_ENGINE_ID_MAX];
  _cleanup_close_ int lock = owner_locked(ap, id, st, &me, e);
  if (lock < 0)
    return lock;
  int r;
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
    return spc_plugin_fail(r, &pe, e);
  /* Kept paths keep their owner; a deleted id leaves no lock file. */
  return persist && !deleted ? 0 : spc_owner_remove(ap->a->state_dir, id, e);
}

int spc_cmd_hook(spc_app *ap, char *where, size_t wsz, sp_error *e) {
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
  if ((start || !strcmp(stage, "poststop")) && (r = spc_load(ap, e)) < 0)
    goto out;
  if (!strcmp(stage, "poststop"))
    r = hook_stopped(ap, id, &st, a->persist || st.persist, e);
  else
    r = hook_started(ap, id, &st, start, e);
out:
  spc_oci_state_free(&st);
  return r;
}
