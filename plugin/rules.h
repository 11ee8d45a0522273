/* SPDX-License-Identifier: Apache-2.0 */
/* Pure parsers and rules: paths, bind specs, options (ids: lib/id.h).
 * No I/O. */
#ifndef SP_RULES_H
#define SP_RULES_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "errors.h"
#include "id.h"

#define SP_HASH_HEX_LEN 64

typedef enum sp_propagation {
  SP_PROP_PRIVATE,
  SP_PROP_RPRIVATE,
  SP_PROP_SLAVE,
  SP_PROP_RSLAVE,
  SP_PROP_SHARED,
  SP_PROP_RSHARED,
} sp_propagation;

typedef struct sp_opts {
  bool ro;
  sp_propagation propagation;
  bool rbind; /* the host path with its submounts (a recursive bind) */
  bool idmap; /* idmapped to the container's user namespace */
} sp_opts;

/* One parsed "host:ctr[:opts]" (or, for removal, "ctr" / "host:ctr"). */
typedef struct sp_bind {
  char *host;      /* cleaned absolute path, or NULL (removal by ctr only) */
  char *ctr;       /* cleaned absolute path */
  sp_opts opts;
  char hash[SP_HASH_HEX_LEN + 1]; /* sha256(host), "" until computed */
  /* Unique id of the container-side mount in the running container, 0 if
   * unknown (not running, or a kernel before 6.8). */
  uint64_t mnt_id;
} sp_bind;

/* Clean an absolute path: collapse "//", drop "." and a trailing "/".
 * Refuses relative paths, ".." components, empty and over-long paths.
 * out must hold PATH_MAX bytes.  what names the path in messages. */
int sp_path_clean(const char *in, char *out, const char *what,
                  sp_error *err) SP_HIDDEN;

/* true when path equals prefix or lies below it (both cleaned). */
bool sp_path_within(const char *path, const char *prefix) SP_HIDDEN;

/* Parse "ro,rslave,rbind"-style options; NULL or "" gives the default
 * rw,rslave.  At most one of ro/rw and one propagation; rbind and idmap
 * at most once each. */
int sp_opts_parse(const char *s, sp_opts *out, sp_error *err) SP_HIDDEN;
/* Whether two option sets are the same (not memcmp: padding). */
bool sp_opts_equal(const sp_opts *a, const sp_opts *b) SP_HIDDEN;
/* Canonical text, e.g. "rw,rslave" or "ro,rprivate,rbind,idmap".  Static
 * storage. */
const char *sp_opts_string(const sp_opts *o) SP_HIDDEN;
const char *sp_propagation_name(sp_propagation p) SP_HIDDEN;

/* Parse "host:ctr[:opts]" (for_remove: "ctr" or "host:ctr").  Fills b with
 * malloc'd cleaned paths; free with sp_bind_clear(). */
int sp_bind_parse(const char *spec, bool for_remove, sp_bind *b,
                  sp_error *err) SP_HIDDEN;
void sp_bind_clear(sp_bind *b) SP_HIDDEN;

/* Container paths a bind may never target ("/", /.sharedpath, /proc, /sys). */
int sp_ctr_path_check(const char *ctr, sp_error *err) SP_HIDDEN;
/* Host paths (resolved) that would hand over the host. */
int sp_host_path_check(const char *resolved, const char *shared_root,
                       const char *state_dir, bool allow_sensitive,
                       sp_error *err) SP_HIDDEN;

/* Lowercase hex SHA-256 of s (OpenSSL EVP). */
int sp_hash_hex(const char *s, char out[SP_HASH_HEX_LEN + 1],
                sp_error *err) SP_HIDDEN;
/* A context holds the fetched algorithm from init to fini. */
void sp_hash_hold(void) SP_HIDDEN;
void sp_hash_release(void) SP_HIDDEN;

#endif
