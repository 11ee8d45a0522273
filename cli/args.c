/* SPDX-License-Identifier: Apache-2.0 */
#include <getopt.h>
#include <limits.h>
#include <string.h>

#include "args.h"
#include "id.h"

/* clang-format off */
const spc_cmd_info spc_cmds[] = {
  {"oci-prepare", SPC_CMD_OCI_PREPARE, SPC_OPT_ID | SPC_OPT_PERSIST, 1, 1,
   "oci-prepare BUNDLE [--id ID] [--persist]",
   "prepare an OCI bundle's config.json for sharedpath",
   "Runs the plugin's on_create on BUNDLE/config.json and rewrites it in\n"
   "place, atomically (temp file, fsync, rename): it adds the /.sharedpath\n"
   "mount and OCI hooks that run `sharedpath hook` (createRuntime: record\n"
   "the container's process; poststart: re-apply saved paths; poststop:\n"
   "clean up), with this command's --root, --state-dir and --plugin.\n"
   "Running it again on the same bundle replaces its own hooks.\n"
   "\n"
   "  --id ID     the sharedpath id (default: the bundle directory's name);\n"
   "              add-path and friends take this id\n"
   "  --persist   poststop keeps the saved paths: runc has no separate stop\n"
   "              and delete, so without it poststop deletes everything.\n"
   "              With it, paths come back when a container of the same\n"
   "              bundle starts again; `sharedpath delete ID` removes them\n"},
  {"hook", SPC_CMD_HOOK, SPC_OPT_ID | SPC_OPT_PERSIST | SPC_OPT_TAKEOVER, 0, 1,
   "hook [STAGE] [--id ID] [--persist] [--takeover]",
   "run as an OCI hook (reads the container state on stdin)",
   "Reads the OCI state JSON ({id, pid, status, bundle, annotations}) on\n"
   "stdin.  STAGE is the hook stage; without it the stage follows from the\n"
   "state's status (creating: createRuntime, created/running: poststart,\n"
   "stopped: poststop).\n"
   "\n"
   "  prestart, createRuntime  record the container's pid with its start\n"
   "                           time and mount namespace\n"
   "  poststart                record it, then re-apply the saved paths\n"
   "                           (on_start); a failure stops the container\n"
   "  poststop                 delete the container's paths, mounts and\n"
   "                           state; with --persist only forget its process\n"
   "  precreate                (podman) read the OCI config on stdin and\n"
   "                           write it back with the /.sharedpath mount\n"
   "\n"
   "The id is --id, else the annotation io.sharedpath.id, else the state's\n"
   "id.  The annotation io.sharedpath.persist=true acts as --persist.\n"
   "\n"
   "One container per id: the first container (by the state's id) whose\n"
   "hook runs for an id owns it until the id is deleted.  A hook of another\n"
   "container for it fails while the owner runs; while the owner is stopped\n"
   "it fails too, unless --takeover (or the annotation\n"
   "io.sharedpath.takeover=true) hands the id and its saved paths over.  A\n"
   "poststop of a container that does not own the id changes nothing.\n"
   "\n"
   "Every run leaves a line in <state-dir>/log/hooks.log; failures and\n"
   "warnings also go to syslog (/dev/log) when something listens there.\n"},
  {"create", SPC_CMD_CREATE, 0, 1, 1,
   "create ID",
   "set up ID for engines that add the mount themselves",
   "Runs on_create for ID without a bundle: makes <root>/master/ID and the\n"
   "container's state, and prints the mount the engine must give the\n"
   "container (for iSulad, CRI-O and others that cannot run oci-prepare).\n"},
  {"add-path", SPC_CMD_ADD, SPC_OPT_PID, 2, -1,
   "add-path ID HOST:CTR[:OPTS]... [--pid PID]",
   "bind host paths into a container, all or nothing",
   "HOST and CTR are absolute; OPTS: ro or rw, and one of private,\n"
   "rprivate, slave, rslave, shared, rshared (default rw,rslave).  A\n"
   "missing host directory is created; a file binds onto a file.\n"
   "The container's process is the one the hook recorded, checked to be\n"
   "still the same process (start time and mount namespace), or --pid.\n"
   "When the container is not running the paths are saved and applied at\n"
   "its next start.  A container that runs although its hooks did not\n"
   "record it (started without them) is refused: nothing would apply the\n"
   "paths.\n"
   "\n"
   "ID, for add-path, remove-path, list-path and delete, is the sharedpath\n"
   "id; the engine's id of the container (podman's full id or the first 12\n"
   "characters of it), or a name the engine passed to the hooks, find it\n"
   "too.\n"},
  {"remove-path", SPC_CMD_REMOVE, SPC_OPT_PID, 2, -1,
   "remove-path ID HOST:CTR|CTR... [--pid PID]",
   "take paths out of a container, all or nothing",
   "Unmounts each path inside the container and its staging on the host.\n"},
  {"list-path", SPC_CMD_LIST, SPC_OPT_JSON, 1, 1,
   "list-path ID [--json]",
   "list a container's paths",
   "Prints one line per path: HOST CTR OPTIONS.  --json prints the\n"
   "plugin's JSON: {\"version\":1,\"id\":...,\"paths\":[{\"host\",\n"
   "\"container\",\"options\",\"hash\"}...]}\n"},
  {"delete", SPC_CMD_DELETE, SPC_OPT_PID, 1, 1,
   "delete ID [--pid PID]",
   "remove every path, mount and the state of a container",
   "Deleting an unknown id succeeds, and says on stderr that it was\n"
   "unknown.  Use it after `runc delete` for a bundle prepared with\n"
   "--persist, or `podman rm` of a container run with\n"
   "io.sharedpath.persist=true.\n"},
  {"check", SPC_CMD_CHECK, SPC_OPT_JSON, 0, 0,
   "check [--json]",
   "show what the plugin can use and guarantee on this kernel",
   "Prints the kernel, the mechanism the plugin takes for each step (the\n"
   "newest the kernel has, or the older way it falls back to), what the\n"
   "kernel has and lacks, what holds here and what, if anything, is given\n"
   "up.  --json prints the plugin's own answer.  Changes nothing: the\n"
   "plugin is loaded without init.  Exit status 1 when the plugin cannot\n"
   "work on this kernel.\n"},
  {"help", SPC_CMD_HELP, 0, 0, 1,
   "help [COMMAND]",
   "show help",
   ""},
  {NULL, SPC_CMD_NONE, 0, 0, 0, NULL, NULL, NULL},
};
/* clang-format on */

const spc_cmd_info *spc_cmd_find(const char *name) {
  for (const spc_cmd_info *c = spc_cmds; c->name; c++)
    if (strcmp(c->name, name) == 0)
      return c;
  return NULL;
}

int spc_id_validate(const char *id, sp_error *e) {
  if (!id || !*id)
    return sp_fail(e, -EINVAL, "container id is empty");
  if (sp_id_validate(id, NULL) < 0)
    return sp_fail(e, -EINVAL, "invalid container id '%.140s': use 1 to 128 "
                   "of A-Z a-z 0-9 _ . -, starting with a letter or digit",
                   id);
  return 0;
}

static int parse_pid(const char *s, pid_t *out, sp_error *e) {
  char *end = NULL;
  errno = 0;
  long v = s[0] >= '0' && s[0] <= '9' ? strtol(s, &end, 10) : -1;
  if (v <= 0 || errno || !end || *end || v > INT_MAX)
    return sp_fail(e, -EINVAL, "--pid '%s' is not a process id (a positive "
                   "integer)", s);
  *out = (pid_t)v;
  return 0;
}

static int want_absolute(const char *opt, const char *v, sp_error *e) {
  if (v[0] != '/')
    return sp_fail(e, -EINVAL, "%s '%s' must be an absolute path", opt, v);
  return 0;
}

static const char *opt_name(unsigned int bit) {
  switch (bit) {
  case SPC_OPT_ID: return "--id";
  case SPC_OPT_PERSIST: return "--persist";
  case SPC_OPT_PID: return "--pid";
  case SPC_OPT_TAKEOVER: return "--takeover";
  default: return "--json";
  }
}

int spc_args_parse(int argc, char **argv, spc_args *a, sp_error *e) {
  static const struct option opts[] = {
      {"root", required_argument, NULL, 'r'},
      {"state-dir", required_argument, NULL, 's'},
      {"plugin", required_argument, NULL, 'P'},
      {"pid", required_argument, NULL, 'p'},
      {"id", required_argument, NULL, 'i'},
      {"persist", no_argument, NULL, 'k'},
      {"takeover", no_argument, NULL, 't'},
      {"json", no_argument, NULL, 'j'},
      {"verbose", no_argument, NULL, 'v'},
      {"help", no_argument, NULL, 'h'},
      {"version", no_argument, NULL, 'V'},
      {0},
  };
  *a = (spc_args){.root = SHAREDPATH_DEFAULT_SHARED_ROOT,
                  .state_dir = SPC_DEFAULT_STATE_DIR};
  int r, c;
  optind = 0; /* GNU: full re-initialization, so parsing can run twice */
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":vh", opts, NULL)) != -1) {
    switch (c) {
    case 'r':
      if ((r = want_absolute("--root", optarg, e)) < 0)
        return r;
      a->root = optarg;
      break;
    case 's':
      if ((r = want_absolute("--state-dir", optarg, e)) < 0)
        return r;
      a->state_dir = optarg;
      break;
    case 'P':
      if (!*optarg)
        return sp_fail(e, -EINVAL, "--plugin needs a path");
      a->plugin = optarg;
      break;
    case 'p':
      if ((r = parse_pid(optarg, &a->pid, e)) < 0)
        return r;
      a->given |= SPC_OPT_PID;
      break;
    case 'i':
      if ((r = spc_id_validate(optarg, e)) < 0)
        return r;
      a->id = optarg;
      a->given |= SPC_OPT_ID;
      break;
    case 'k':
      a->persist = true;
      a->given |= SPC_OPT_PERSIST;
      break;
    case 't':
      a->takeover = true;
      a->given |= SPC_OPT_TAKEOVER;
      break;
    case 'j':
      a->json = true;
      a->given |= SPC_OPT_JSON;
      break;
    case 'v':
      a->verbose = true;
      break;
    case 'h':
      a->help = true;
      break;
    case 'V':
      a->version = true;
      break;
    case ':':
      return sp_fail(e, -EINVAL, "option %s needs a value", argv[optind - 1]);
    default:
      return sp_fail(e, -EINVAL, "unknown option '%s'", argv[optind - 1]);
    }
  }
  if (optind >= argc) {
    if (a->given)
      return sp_fail(e, -EINVAL, "no command given");
    return 0; /* --help, --version, or nothing: the caller decides */
  }
  if (!(a->cmd = spc_cmd_find(argv[optind])))
    return sp_fail(e, -EINVAL, "unknown command '%s'", argv[optind]);
  a->args = argv + optind + 1;
  a->nargs = argc - optind - 1;
  if (a->help)
    return 0;
  unsigned int extra = a->given & ~a->cmd->opts;
  if (extra)
    return sp_fail(e, -EINVAL, "%s does not take %s", a->cmd->name,
                   opt_name(extra & -extra));
  if (a->nargs < a->cmd->min_args ||
      (a->cmd->max_args >= 0 && a->nargs > a->cmd->max_args))
    return sp_fail(e, -EINVAL, "%s takes %s; usage: sharedpath %s",
                   a->cmd->name,
                   a->nargs < a->cmd->min_args ? "more arguments"
                                                : "fewer arguments",
                   a->cmd->synopsis);
  /* Ids are checked here: they become file names. */
  bool takes_id = a->cmd->cmd != SPC_CMD_OCI_PREPARE &&
                  a->cmd->cmd != SPC_CMD_HOOK && a->cmd->cmd != SPC_CMD_HELP &&
                  a->cmd->cmd != SPC_CMD_CHECK;
  if (takes_id && (r = spc_id_validate(a->args[0], e)) < 0)
    return r;
  return 0;
}
