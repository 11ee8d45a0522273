/* SPDX-License-Identifier: Apache-2.0 */
/* OCI JSON the command reads and edits: the container state a runtime
 * passes to hooks, and the hooks section of a bundle's config.json. */
#ifndef SPC_OCI_H
#define SPC_OCI_H

#include <json-c/json.h>
#include <stdbool.h>
#include <sys/types.h>

#include "jsonobj.h"

/* Annotations an engine can set to drive the hook (podman, iSulad). */
#define SPC_ANNOTATION_ID "io.sharedpath.id"
#define SPC_ANNOTATION_PERSIST "io.sharedpath.persist"
/* "true": this container may take over an id another, stopped, container
 * owns, with its saved paths (owner.h). */
#define SPC_ANNOTATION_TAKEOVER "io.sharedpath.takeover"

/* The OCI state (runtime-spec "state"), the fields hooks use. */
typedef struct spc_oci_state {
  char *id;
  char *status;   /* creating, created, running, stopped */
  char *bundle;   /* may be NULL */
  pid_t pid;      /* 0 when absent (stopped) */
  char *sp_id;    /* annotation io.sharedpath.id, or NULL */
  bool persist;   /* annotation io.sharedpath.persist == "true" */
  bool takeover;  /* annotation io.sharedpath.takeover == "true" */
  const char *name; /* the engine's name for it, or NULL; points into
                       name_buf (see spc_oci_engine_name) */
  char *name_buf;
} spc_oci_state;

/* The engine's name for a container, from the annotations of a state or
 * config, or NULL: engines that pass one to hooks do so as an annotation
 * (io.kubernetes.container.name: CRI-O and containerd's CRI; nerdctl/name:
 * nerdctl).  podman 4.3 passes none. */
const char *spc_oci_engine_name(json_object *o);

int spc_oci_state_parse(const char *text, spc_oci_state *st, sp_error *e);
void spc_oci_state_free(spc_oci_state *st);

/* A string annotation of an OCI config or state object, or NULL. */
const char *spc_oci_annotation(json_object *o, const char *key);

/* The hooks oci-prepare installs.  argv_prefix: everything before the
 * stage ("sharedpath", "--root", R, ...); persist adds --persist to the
 * poststop hook. */
typedef struct spc_hook_spec {
  const char *path;               /* absolute path of the sharedpath binary */
  const char *const *argv_prefix; /* NULL-terminated */
} spc_hook_spec;

/* Replace our hooks (an entry whose args[0] is "sharedpath" and which has
 * a "hook" argument) in config's createRuntime, poststart and poststop
 * lists with fresh ones; other hooks stay as they are.  config is edited
 * in place; on error it may be half edited (callers work on a copy). */
int spc_oci_set_hooks(json_object *config, const spc_hook_spec *h,
                      bool persist, sp_error *e);

#endif
