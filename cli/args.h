/* SPDX-License-Identifier: Apache-2.0 */
/* The command line of `sharedpath`: commands, options, and which command
 * takes which option.  Parsing changes nothing on the machine. */
#ifndef SPC_ARGS_H
#define SPC_ARGS_H

#include <stdbool.h>
#include <sys/types.h>

#include "errors.h"

/* Exit status of the command. */
enum {
  SPC_EXIT_OK = 0,
  SPC_EXIT_FAILED = 1, /* the operation failed; nothing was changed */
  SPC_EXIT_USAGE = 2,  /* bad command line */
};

typedef enum spc_cmd {
  SPC_CMD_NONE = 0,
  SPC_CMD_OCI_PREPARE,
  SPC_CMD_HOOK,
  SPC_CMD_CREATE,
  SPC_CMD_ADD,
  SPC_CMD_REMOVE,
  SPC_CMD_LIST,
  SPC_CMD_DELETE,
  SPC_CMD_CHECK,
  SPC_CMD_HELP,
} spc_cmd;

/* Options a command may take beyond the global ones. */
#define SPC_OPT_ID (1u << 0)
#define SPC_OPT_PERSIST (1u << 1)
#define SPC_OPT_PID (1u << 2)
#define SPC_OPT_JSON (1u << 3)
#define SPC_OPT_TAKEOVER (1u << 4)

typedef struct spc_cmd_info {
  const char *name;
  spc_cmd cmd;
  unsigned int opts;      /* SPC_OPT_* allowed */
  int min_args, max_args; /* positional arguments; -1 = no limit */
  const char *synopsis;   /* after "sharedpath " */
  const char *summary;    /* one line for the command list */
  const char *help;       /* the rest of `sharedpath CMD --help` */
} spc_cmd_info;

typedef struct spc_args {
  const spc_cmd_info *cmd; /* NULL: no command (only --help/--version) */
  const char *root;        /* shared root, absolute */
  const char *state_dir;   /* absolute */
  const char *plugin;      /* NULL: the default search */
  const char *id;          /* --id */
  pid_t pid;               /* --pid, 0 = not given */
  bool persist, json, verbose, help, version, takeover;
  char **args; /* positional arguments after the command */
  int nargs;
  unsigned int given; /* SPC_OPT_* seen, for the per-command check */
} spc_args;

#define SPC_DEFAULT_STATE_DIR "/var/lib/sharedpath"

/* Parse argv (getopt_long; options may come before or after the command).
 * On a usage error returns -EINVAL with e saying what is wrong. */
int spc_args_parse(int argc, char **argv, spc_args *a, sp_error *e);

const spc_cmd_info *spc_cmd_find(const char *name);
/* A container id from the command line or an OCI state
 * (sp_id_validate), refused with the command's message. */
int spc_id_validate(const char *id, sp_error *e);
/* All commands, terminated by an entry with name NULL. */
extern const spc_cmd_info spc_cmds[];

#endif
