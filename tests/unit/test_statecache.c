/* SPDX-License-Identifier: Apache-2.0 */
/* The state cache answers only for the very file it saw: a file rewritten
 * by another writer, or removed, is read again. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "statecache.h"
#include "unit.h"


static void test_cache(void) {
  char dir[] = "/tmp/sp-unit-cache.XXXXXX";
  CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
  int dfd = open(dir, O_RDONLY | O_DIRECTORY);
  sp_state_cache *c = NULL;
  sp_error e = {0};
  CU_ASSERT_EQUAL_FATAL(sp_state_cache_new(&c, &e), 0);
  sp_state st = {0}, back;
  bool exists = true;
  CU_ASSERT_EQUAL(sp_state_load_cached(c, dfd, "c1", &back, &exists, &e), 0);
  CU_ASSERT(!exists);
  unit_state_add(&st, "/data/a:/mnt/a");
  CU_ASSERT_EQUAL(sp_state_save_cached(c, dfd, "c1", &st, &e), 0);
  CU_ASSERT_EQUAL(st.n, 0); /* taken by the cache, not copied */
  CU_ASSERT_EQUAL(sp_state_load_cached(c, dfd, "c1", &back, &exists, &e), 0);
  CU_ASSERT(exists);
  CU_ASSERT_EQUAL(back.n, 1);
  CU_ASSERT_STRING_EQUAL(back.paths[0].ctr, "/mnt/a");
  /* The caller's copy is its own: changing it leaves the cache alone. */
  sp_state_remove_at(&back, 0);
  sp_state_free(&back);
  CU_ASSERT_EQUAL(sp_state_load_cached(c, dfd, "c1", &back, &exists, &e), 0);
  CU_ASSERT_EQUAL(back.n, 1);
  sp_state_free(&back);
  unit_state_add(&st, "/data/a:/mnt/a");

  /* Another writer (plain sp_state_save: a new file by rename). */
  unit_state_add(&st, "/data/b:/mnt/b");
  CU_ASSERT_EQUAL(sp_state_save(dfd, "c1", &st, &e), 0);
  CU_ASSERT_EQUAL(sp_state_load_cached(c, dfd, "c1", &back, &exists, &e), 0);
  CU_ASSERT_EQUAL(back.n, 2);
  sp_state_free(&back);

  /* A hand edit in place that breaks the file is seen, not masked. */
  int fd = openat(dfd, "c1.json", O_WRONLY | O_TRUNC);
  CU_ASSERT_EQUAL(write(fd, "{", 1), 1);
  close(fd);
  CU_ASSERT_EQUAL(sp_state_load_cached(c, dfd, "c1", &back, &exists, &e),
                  -EINVAL);

  /* Removed: no state, whatever was cached. */
  CU_ASSERT_EQUAL(sp_state_save_cached(c, dfd, "c1", &st, &e), 0);
  CU_ASSERT_EQUAL(sp_state_unlink(dfd, "c1", &e), 0);
  CU_ASSERT_EQUAL(sp_state_load_cached(c, dfd, "c1", &back, &exists, &e), 0);
  CU_ASSERT(!exists);
  sp_state_free(&back);

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
