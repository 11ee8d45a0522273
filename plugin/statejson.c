/* SPDX-License-Identifier: Apache-2.0 */
/* The state as JSON: parsed and re-validated like user input, and
 * written in json-c's own format. */
#include <string.h>

#include "jsonobj.h"
#include "state.h"

static const char *get_string(json_object *o, const char *key) {
  json_object *v;
  if (!json_object_object_get_ex(o, key, &v) ||
      !json_object_is_type(v, json_type_string))
    return NULL;
  return json_object_get_string(v);
}

static int parse_entry(json_object *e, size_t i, sp_bind *b, sp_error *err) {
  if (!json_object_is_type(e, json_type_object))
    return sp_fail(err, -EINVAL, "state entry %zu is not an object", i);
  const char *host = get_string(e, "host"), *ctr = get_string(e, "container"),
             *opts = get_string(e, "options"), *hash = get_string(e, "hash");
  if (!host || !ctr || !opts || !hash)
    return sp_fail(err, -EINVAL, "state entry %zu lacks host, container, "
                   "options or hash", i);
  /* Re-validate as user input: a state file is no more trusted than that. */
  size_t need = strlen(host) + strlen(ctr) + strlen(opts) + 3;
  _cleanup_free_ char *spec = malloc(need);
  if (!spec)
    return sp_fail(err, -ENOMEM, "out of memory");
  snprintf(spec, need, "%s:%s:%s", host, ctr, opts);
  int r = sp_bind_parse(spec, false, b, err);
  if (r < 0)
    return sp_wrap(err, r, "state entry %zu", i);
  if (strcmp(b->host, host) || strcmp(b->ctr, ctr)) {
    sp_bind_clear(b);
    return sp_fail(err, -EINVAL, "state entry %zu has uncleaned paths", i);
  }
  if ((r = sp_hash_hex(b->host, b->hash, err)) < 0) {
    sp_bind_clear(b);
    return r;
  }
  if (strcmp(b->hash, hash) != 0) {
    sp_bind_clear(b);
    return sp_fail(err, -EINVAL, "state entry %zu: hash does not match its "
                   "host path", i);
  }
  json_object *id;
  if (json_object_object_get_ex(e, "mount_id", &id)) {
    int64_t v = json_object_is_type(id, json_type_int)
                    ? json_object_get_int64(id) : -1;
    if (v <= 0 || v == INT64_MAX) {
      sp_bind_clear(b);
      return sp_fail(err, -EINVAL, "state entry %zu: mount_id is not a "
                     "positive integer", i);
    }
    b->mnt_id = (uint64_t)v;
  }
  return 0;
}

static int by_ctr(const void *a, const void *b, void *arg) {
  const sp_bind *p = arg;
  size_t i = *(const size_t *)a, j = *(const size_t *)b;
  int c = strcmp(p[i].ctr, p[j].ctr);
  return c ? c : (i > j) - (i < j);
}

static int by_host(const void *a, const void *b, void *arg) {
  const sp_bind *p = arg;
  size_t i = *(const size_t *)a, j = *(const size_t *)b;
  int c = strcmp(p[i].host, p[j].host);
  return c ? c : (i > j) - (i < j);
}

/* One container path per entry, one set of options per host path.  By
 * sorting, not pairwise: a state file of the largest size accepted holds
 * some 30000 entries, and every call loads it. */
static int check_conflicts(const sp_state *st, sp_error *err) {
  if (st->n < 2)
    return 0;
  _cleanup_free_ size_t *idx = malloc(st->n * sizeof(*idx));
  if (!idx)
    return sp_fail(err, -ENOMEM, "out of memory");
  for (int pass = 0; pass < 2; pass++) {
    for (size_t i = 0; i < st->n; i++)
      idx[i] = i;
    qsort_r(idx, st->n, sizeof(*idx), pass ? by_host : by_ctr, st->paths);
    for (size_t k = 1; k < st->n; k++) {
      const sp_bind *a = &st->paths[idx[k - 1]], *b = &st->paths[idx[k]];
      bool clash = pass ? strcmp(a->host, b->host) == 0 &&
                              !sp_opts_equal(&a->opts, &b->opts)
                        : strcmp(a->ctr, b->ctr) == 0;
      if (clash)
        return sp_fail(err, -EINVAL, "state entry %zu conflicts with entry "
                       "%zu (%s)", idx[k], idx[k - 1],
                       pass ? "same host path, other options"
                            : "same container path");
    }
  }
  return 0;
}

int sp_state_parse(const char *text, size_t len, const char *id,
                   sp_state *st, sp_error *err) {
  *st = (sp_state){0};
  if (len > SP_STATE_MAX_BYTES)
    return sp_fail(err, -EFBIG, "state is %zu bytes, more than the %u "
                   "allowed", len, SP_STATE_MAX_BYTES);
  _cleanup_json_ json_object *root = NULL;
  int r = sp_json_object_parse(text, len, "state", &root, err);
  if (r < 0)
    return r;
  int64_t version;
  if ((r = sp_json_version(root, "state", &version, err)) < 0)
    return r;
  if (version > SP_STATE_FILE_VERSION)
    return sp_fail(err, -EPROTO, "state format version %lld is newer than "
                   "this plugin's %d; use a newer plugin",
                   (long long)version, SP_STATE_FILE_VERSION);
  if (version > SP_STATE_VERSION)
    return sp_fail(err, -EINVAL, "a version %lld state file keeps its state "
                   "in slots, and this one has none", (long long)version);
  if (version < 1)
    return sp_fail(err, -EINVAL, "state format version %lld is invalid",
                   (long long)version);
  const char *sid = get_string(root, "id");
  if (!sid || strcmp(sid, id) != 0)
    return sp_fail(err, -EINVAL, "state belongs to container '%s', not '%s'",
                   sid ? sid : "(none)", id);
  json_object *paths;
  if (!json_object_object_get_ex(root, "paths", &paths) ||
      !json_object_is_type(paths, json_type_array))
    return sp_fail(err, -EINVAL, "state has no \"paths\" array");
  size_t n = json_object_array_length(paths);
  for (size_t i = 0; i < n; i++) {
    sp_bind b;
    r = parse_entry(json_object_array_get_idx(paths, i), i, &b, err);
    if (r < 0) {
      sp_state_free(st);
      return r;
    }
    r = sp_state_append(st, &b, err);
    sp_bind_clear(&b);
    if (r < 0) {
      sp_state_free(st);
      return r;
    }
  }
  r = check_conflicts(st, err);
  if (r < 0)
    sp_state_free(st);
  return r;
}

/* Append s as a JSON string at o, escaped as json-c does with
 * JSON_C_TO_STRING_NOSLASHESCAPE (bytes >= 0x80 pass through).  Needs at
 * most 6 * strlen(s) + 2 bytes.  Runs of plain bytes (a whole path, in
 * practice) are copied at once. */
static char *put_string(char *o, const char *s) {
  static const char hex[] = "0123456789abcdef";
  *o++ = '"';
  for (const unsigned char *p = (const unsigned char *)s;; p++) {
    const unsigned char *q = p;
    while (*q >= 0x20 && *q != '"' && *q != '\\')
      q++;
    memcpy(o, p, (size_t)(q - p));
    o += q - p;
    p = q;
    if (!*p)
      break;
    char c = 0;
    switch (*p) {
    case '"': c = '"'; break;
    case '\\': c = '\\'; break;
    case '\b': c = 'b'; break;
    case '\f': c = 'f'; break;
    case '\n': c = 'n'; break;
    case '\r': c = 'r'; break;
    case '\t': c = 't'; break;
    }
    if (c) {
      *o++ = '\\';
      *o++ = c;
    } else {
      memcpy(o, "\\u00", 4);
      o[4] = hex[*p >> 4];
      o[5] = hex[*p & 0xf];
      o += 6;
    }
  }
  *o++ = '"';
  return o;
}

/* Append s, known to need no escaping (a hex hash, an options string from
 * a fixed table), as a JSON string: no byte-by-byte scan. */
static char *put_plain(char *o, const char *s, size_t len) {
  *o++ = '"';
  memcpy(o, s, len);
  o += len;
  *o++ = '"';
  return o;
}

/* The text between the values, plain and pretty (json-c's two-space
 * indentation), with their lengths known at compile time. */
typedef struct glue {
  const char *s;
  size_t n;
} glue;
#define GLUE(x) {x, sizeof(x) - 1}
enum { G_PATHS, G_FIRST, G_NEXT, G_CTR, G_OPTS, G_HASH, G_MNT, G_END, G_TAIL,
       G_N };
static const glue glues[2][G_N] = {
    {GLUE(",\"paths\":["), GLUE("{\"host\":"), GLUE(",{\"host\":"),
     GLUE(",\"container\":"), GLUE(",\"options\":"), GLUE(",\"hash\":"),
     GLUE(",\"mount_id\":"), GLUE("}"), GLUE("]}")},
    {GLUE(",\n  \"paths\":["), GLUE("\n    {\n      \"host\":"),
     GLUE(",\n    {\n      \"host\":"), GLUE(",\n      \"container\":"),
     GLUE(",\n      \"options\":"), GLUE(",\n      \"hash\":"),
     GLUE(",\n      \"mount_id\":"), GLUE("\n    }"), GLUE("\n  ]\n}")},
};

/* A decimal number, as "%llu" prints it, without printf. */
static char *put_u64(char *o, uint64_t v) {
  char d[20];
  int n = 0;
  do
    d[n++] = (char)('0' + v % 10);
  while (v /= 10);
  while (n)
    *o++ = d[--n];
  return o;
}

static char *put_glue(char *o, const glue *g) {
  memcpy(o, g->s, g->n);
  return o + g->n;
}

/* Written directly rather than through a json-c tree: building one object
 * (and hash table) per path was the largest part of a save, as measured by
 * `sharedpath-sim bench` (BENCHMARKS.md).  The text is byte for byte what
 * json-c prints for the same tree (PLAIN or PRETTY, NOSLASHESCAPE), and
 * sp_state_parse still reads it with json-c. */
int sp_state_to_json(const sp_state *st, const char *id, bool pretty,
                     char **out, sp_error *err) {
  const glue *g = glues[pretty];
  /* Worst case: every byte of a string escaped to 6; 128 per line of
   * punctuation, keys and indentation. */
  size_t cap = 6 * strlen(id) + 256;
  /* Per path: the two escaped strings, and 256 for the hash (64), the
   * options (at most 23), a mount id (at most 20 digits), quotes and the
   * glue (99 at most).  Kept small: a request above the small bins makes
   * malloc consolidate its fast bins first. */
  for (size_t i = 0; i < st->n; i++)
    cap += 6 * (strlen(st->paths[i].host) + strlen(st->paths[i].ctr)) + 256;
  char *text = malloc(cap), *o = text;
  if (!text)
    return sp_fail(err, -ENOMEM, "out of memory");
  int version = 1;
  for (size_t i = 0; i < st->n; i++)
    if (st->paths[i].opts.rbind || st->paths[i].opts.idmap)
      version = 2;
  o += sprintf(o, pretty ? "{\n  \"version\":%d,\n  \"id\":"
                         : "{\"version\":%d,\"id\":",
               version);
  o = put_string(o, id);
  o = put_glue(o, &g[G_PATHS]);
  for (size_t i = 0; i < st->n; i++) {
    const sp_bind *b = &st->paths[i];
    o = put_glue(o, &g[i ? G_NEXT : G_FIRST]);
    o = put_string(o, b->host);
    o = put_glue(o, &g[G_CTR]);
    o = put_string(o, b->ctr);
    o = put_glue(o, &g[G_OPTS]);
    const char *opts = sp_opts_string(&b->opts);
    o = put_plain(o, opts, strlen(opts));
    o = put_glue(o, &g[G_HASH]);
    o = put_plain(o, b->hash, strlen(b->hash));
    if (b->mnt_id) {
      o = put_glue(o, &g[G_MNT]);
      o = put_u64(o, b->mnt_id);
    }
    o = put_glue(o, &g[G_END]);
  }
  o = put_glue(o, &g[G_TAIL]);
  *o = '\0';
  *out = text;
  return 0;
}
