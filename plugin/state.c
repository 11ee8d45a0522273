/* SPDX-License-Identifier: Apache-2.0 */
/* A container's paths in memory. */
#include <string.h>

#include "state.h"

void sp_state_free(sp_state *st) {
  for (size_t i = 0; i < st->n; i++)
    sp_bind_clear(&st->paths[i]);
  free(st->paths);
  *st = (sp_state){0};
}

int sp_state_append(sp_state *st, const sp_bind *b, sp_error *err) {
  if (st->n == st->cap) {
    size_t cap = st->cap ? st->cap * 2 : 8;
    sp_bind *p = realloc(st->paths, cap * sizeof(*p));
    if (!p)
      return sp_fail(err, -ENOMEM, "out of memory");
    st->paths = p;
    st->cap = cap;
  }
  sp_bind *d = &st->paths[st->n];
  *d = *b;
  d->host = strdup(b->host);
  d->ctr = strdup(b->ctr);
  if (!d->host || !d->ctr) {
    sp_bind_clear(d);
    return sp_fail(err, -ENOMEM, "out of memory");
  }
  st->n++;
  return 0;
}

void sp_state_remove_at(sp_state *st, size_t i) {
  sp_bind_clear(&st->paths[i]);
  memmove(&st->paths[i], &st->paths[i + 1],
          (st->n - i - 1) * sizeof(st->paths[0]));
  st->n--;
}

const sp_bind *sp_state_find_ctr(const sp_state *st, const char *ctr) {
  for (size_t i = 0; i < st->n; i++)
    if (strcmp(st->paths[i].ctr, ctr) == 0)
      return &st->paths[i];
  return NULL;
}

const sp_bind *sp_binds_find_host(const sp_bind *v, size_t n,
                                  const char *host) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(v[i].host, host) == 0)
      return &v[i];
  return NULL;
}

int sp_state_copy(const sp_state *src, sp_state *dst, sp_error *err) {
  *dst = (sp_state){0};
  for (size_t i = 0; i < src->n; i++) {
    int r = sp_state_append(dst, &src->paths[i], err);
    if (r < 0) {
      sp_state_free(dst);
      return r;
    }
  }
  return 0;
}
