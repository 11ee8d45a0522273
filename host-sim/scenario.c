/* SPDX-License-Identifier: Apache-2.0 */
/* The scenario runner: one step per line, see host-sim/README.md.  It
 * reads lines, expands variables, peels "! ERRNO" and "try", and hands
 * each step to its step file's table. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "steps.h"

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

/* Every step of every step file. */
static const sim_step *const tables[] = {
    sim_engine_steps, sim_fs_steps,   sim_expect_steps,
    sim_snapshot_steps, sim_walk_steps, NULL,
};

static const sim_step *find_step(const char *name) {
  for (size_t t = 0; tables[t]; t++)
    for (const sim_step *st = tables[t]; st->name; st++)
      if (!strcmp(st->name, name))
        return st;
  return NULL;
}

/* A name in two tables would leave one of its steps unreachable. */
static const char *duplicate_step(void) {
  for (size_t t = 0; tables[t]; t++)
    for (const sim_step *st = tables[t]; st->name; st++)
      if (find_step(st->name) != st)
        return st->name;
  return NULL;
}

static int run_line(line_ctx *l) {
  l->try_ = false;
  if (!strcmp(l->tok[0], "try")) {
    if (l->ntok < 2 || l->expect_err)
      return fail(l, "usage: try STEP (without '! ERRNO')");
    memmove(l->tok, l->tok + 1, (size_t)(l->ntok - 1) * sizeof(l->tok[0]));
    l->ntok--;
    l->try_ = true;
  }
  /* race N FROM TO STEP: the fault-injection plugin renames FROM to TO
   * in the container right before STEP's Nth bind there (lib/fault.h). */
  bool race = !strcmp(l->tok[0], "race");
  if (race) {
    char *end = NULL;
    long n = l->ntok >= 5 ? strtol(l->tok[1], &end, 10) : 0;
    if (n < 1 || *end)
      return fail(l, "usage: race N FROM TO STEP");
    char fault[32], spec[2 * PATH_MAX + 2];
    snprintf(fault, sizeof(fault), "race:bind:%ld", n);
    snprintf(spec, sizeof(spec), "%s %s", l->tok[2], l->tok[3]);
    setenv("SHAREDPATH_FAULT", fault, 1);
    setenv("SHAREDPATH_FAULT_RACE", spec, 1);
    memmove(l->tok, l->tok + 4, (size_t)(l->ntok - 4) * sizeof(l->tok[0]));
    l->ntok -= 4;
  }
  const sim_step *st = find_step(l->tok[0]);
  int r = st ? st->fn(l) : fail(l, "unknown step '%s'", l->tok[0]);
  if (race) {
    unsetenv("SHAREDPATH_FAULT");
    unsetenv("SHAREDPATH_FAULT_RACE");
  }
  return r;
}

int sim_run_text(sim *s, const char *name, const char *text) {
  size_t bufsz = 64 * 1024;
  char *buf = malloc(bufsz);
  if (!buf)
    return 1;
  line_ctx l = {.s = s, .file = name};
  const char *dup = duplicate_step();
  if (dup) {
    free(buf);
    return fail(&l, "step '%s' is defined twice", dup);
  }
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

char *sim_read_text(const char *path, size_t *len) {
  FILE *f = fopen(path, "r");
  if (!f)
    return NULL;
  char *text = NULL;
  size_t cap = 0;
  ssize_t n = getdelim(&text, &cap, '\0', f);
  fclose(f);
  if (n < 0) {
    free(text);
    text = strdup("");
    n = 0;
  }
  if (len)
    *len = (size_t)n;
  return text;
}

int sim_run_file(sim *s, const char *path) {
  char *text = sim_read_text(path, NULL);
  if (!text) {
    printf("%s: cannot open: %s\n", path, strerror(errno));
    return 2;
  }
  int rc = sim_run_text(s, path, text);
  free(text);
  return rc;
}
