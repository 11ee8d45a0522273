/* SPDX-License-Identifier: Apache-2.0 */
/* Host paths are named under the shared root by the SHA-256 of their cleaned
 * text: fixed length, no path characters, no collisions in practice. */
#include <openssl/evp.h>
#include <pthread.h>
#include <string.h>

#include "rules.h"

/* The algorithm, fetched once while a context holds it: EVP_sha256()
 * makes EVP_Digest look it up in the provider store on every call, which
 * an add paid each time (BENCHMARKS.md).  Counted by the contexts that
 * use it, and freed by the last one's fini: a plugin unloaded with
 * dlclose leaves nothing of libcrypto's behind. */
static pthread_mutex_t md_lock = PTHREAD_MUTEX_INITIALIZER;
static EVP_MD *md_sha256;
static unsigned long md_users;

void sp_hash_hold(void) {
  pthread_mutex_lock(&md_lock);
  if (md_users++ == 0)
    __atomic_store_n(&md_sha256, EVP_MD_fetch(NULL, "SHA256", NULL),
                     __ATOMIC_RELEASE);
  pthread_mutex_unlock(&md_lock);
}

void sp_hash_release(void) {
  pthread_mutex_lock(&md_lock);
  if (md_users && --md_users == 0) {
    EVP_MD *alg = md_sha256;
    __atomic_store_n(&md_sha256, NULL, __ATOMIC_RELEASE);
    EVP_MD_free(alg);
  }
  pthread_mutex_unlock(&md_lock);
}

int sp_hash_hex(const char *s, char out[SP_HASH_HEX_LEN + 1], sp_error *err) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  /* Calls come from a context's callbacks, so a held algorithm is not
   * freed under them; without one (the unit tests) EVP looks it up. */
  const EVP_MD *alg = __atomic_load_n(&md_sha256, __ATOMIC_ACQUIRE);
  /* EVP_Digest is the one-shot EVP interface: no context to leak. */
  if (EVP_Digest(s, strlen(s), md, &len, alg ? alg : EVP_sha256(), NULL) !=
          1 ||
      len != SP_HASH_HEX_LEN / 2)
    return sp_fail(err, -EIO, "SHA-256 of '%s' failed in libcrypto", s);
  static const char hex[] = "0123456789abcdef";
  for (unsigned int i = 0; i < len; i++) {
    out[2 * i] = hex[md[i] >> 4];
    out[2 * i + 1] = hex[md[i] & 0xf];
  }
  out[SP_HASH_HEX_LEN] = '\0';
  return 0;
}
