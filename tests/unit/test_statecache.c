/* SPDX-License-Identifier: Apache-2.0 */
/* The state cache answers only for the very state it saw: a file
 * rewritten in place or replaced by another writer, a hand edit, a file
 * removed or created again are read again. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "statecache.h"
#include "unit.h"

/* A load through the cache, as a call does: the file is kept open in f
 * until the call ends. */
static int load(sp_state_cache *c, int dfd, sp_state *st, bool *exists) {
  sp_state_file f = SP_STATE_FILE_INIT;
  sp_error e = {0};
  int r = sp_state_load_cached(c, dfd, "c1", &f, st, exists, &e);
  sp_state_file_close(&f);
  return r;
}

static int save(sp_state_cache *c, int dfd, sp_state *st) {
  sp_state_file f = SP_STATE_FILE_INIT;
  sp_state old = {0};
  sp_error e = {0};
  bool exists;
  int r = sp_state_load_cached(c, dfd, "c1", &f, &old, &exists, &e);
  sp_state_free(&old);
  if (r == 0)
    r = sp_state_save_cached(c, &f, "c1", st, &e);
  sp_state_file_close(&f);
  return r;
}

static void test_cache(void) {
  char dir[] = "/tmp/sp-unit-cache.XXXXXX";
  CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
  int dfd = open(dir, O_RDONLY | O_DIRECTORY);
  sp_state_cache *c = NULL;
  sp_error e = {0};
  CU_ASSERT_EQUAL_FATAL(sp_state_cache_new(&c, &e), 0);
  sp_state st = {0}, back;
  bool exists = true;
  CU_ASSERT_EQUAL(load(c, dfd, &back, &exists), 0);
  CU_ASSERT(!exists);
  unit_state_add(&st, "/data/a:/mnt/a");
  CU_ASSERT_EQUAL(save(c, dfd, &st), 0);
  CU_ASSERT_EQUAL(st.n, 0); /* taken by the cache, not copied */
  CU_ASSERT_EQUAL(load(c, dfd, &back, &exists), 0);
  CU_ASSERT(exists);
  CU_ASSERT_EQUAL(back.n, 1);
  CU_ASSERT_STRING_EQUAL(back.paths[0].ctr, "/mnt/a");
  /* The caller's copy is its own: changing it leaves the cache alone. */
  sp_state_remove_at(&back, 0);
  sp_state_free(&back);
  CU_ASSERT_EQUAL(load(c, dfd, &back, &exists), 0);
  CU_ASSERT_EQUAL(back.n, 1);
  sp_state_free(&back);

  /* Another writer (another process: plain sp_state_save), in place: the
   * same inode, the same size, maybe the same times: its seq tells. */
  struct stat a, b;
  CU_ASSERT_EQUAL(fstatat(dfd, "c1.json", &a, 0), 0);
  unit_state_add(&st, "/data/b:/mnt/b");
  CU_ASSERT_EQUAL(sp_state_save(dfd, "c1", &st, &e), 0);
  CU_ASSERT_EQUAL(fstatat(dfd, "c1.json", &b, 0), 0);
  CU_ASSERT_EQUAL(a.st_ino, b.st_ino);
  CU_ASSERT_EQUAL(a.st_size, b.st_size);
  CU_ASSERT_EQUAL(load(c, dfd, &back, &exists), 0);
  CU_ASSERT_EQUAL(back.n, 1);
  sp_state_free(&back);
  sp_state_free(&st);
  /* Twice more, both slots written by the other: still seen. */
  unit_state_add(&st, "/data/c:/mnt/c");
  unit_state_add(&st, "/data/d:/mnt/d");
  CU_ASSERT_EQUAL(sp_state_save(dfd, "c1", &st, &e), 0);
  CU_ASSERT_EQUAL(sp_state_save(dfd, "c1", &st, &e), 0);
  CU_ASSERT_EQUAL(load(c, dfd, &back, &exists), 0);
  CU_ASSERT_EQUAL(back.n, 2);
  CU_ASSERT_STRING_EQUAL(back.paths[0].ctr, "/mnt/c");
  sp_state_free(&back);

  /* A hand edit in place that breaks the file is seen, not masked. */
  int fd = openat(dfd, "c1.json", O_WRONLY | O_TRUNC);
  CU_ASSERT_EQUAL(write(fd, "{", 1), 1);
  close(fd);
  CU_ASSERT_EQUAL(load(c, dfd, &back, &exists), -EINVAL);

  /* Removed: no state, whatever was cached; created again (a new file,
   * starting at seq 1 again, another nonce): read again. */
  CU_ASSERT_EQUAL(sp_state_unlink(dfd, "c1", &e), 0);
  CU_ASSERT_EQUAL(load(c, dfd, &back, &exists), 0);
  CU_ASSERT(!exists);
  sp_state_free(&back);
  CU_ASSERT_EQUAL(save(c, dfd, &st), 0);
  CU_ASSERT_EQUAL(load(c, dfd, &back, &exists), 0);
  CU_ASSERT_EQUAL(back.n, 2);
  sp_state_free(&back);
  CU_ASSERT_EQUAL(sp_state_unlink(dfd, "c1", &e), 0);
  unit_state_add(&st, "/data/e:/mnt/e");
  CU_ASSERT_EQUAL(sp_state_save(dfd, "c1", &st, &e), 0);
  CU_ASSERT_EQUAL(load(c, dfd, &back, &exists), 0);
  CU_ASSERT_EQUAL(back.n, 1);
  CU_ASSERT_STRING_EQUAL(back.paths[0].ctr, "/mnt/e");
  sp_state_free(&back);
  CU_ASSERT_EQUAL(sp_state_unlink(dfd, "c1", &e), 0);

  sp_state_cache_forget(c, "c1");
  sp_state_cache_free(c);
  sp_state_free(&st);
  close(dfd);
  CU_ASSERT_EQUAL(rmdir(dir), 0);
}

void register_statecache_suite(void) {
  CU_pSuite s = CU_add_suite("statecache", NULL, NULL);
  ADD(s, test_cache);
}
