/* SPDX-License-Identifier: Apache-2.0 */
/* Host paths are named under the shared root by the SHA-256 of their cleaned
 * text: fixed length, no path characters, no collisions in practice. */
#include <openssl/evp.h>
#include <pthread.h>
#include <string.h>

#include "rules.h"

/* The algorithm, fetched once while a context holds it: EVP_sha256()
 * makes EVP_Digest look it up in the provider store on every call, which
 * an add paid each time (BENCHMARKS.md).  Fetched from a library context
 * of our own: the default one would read openssl.cnf (a cost at every
 * process start of the CLI) and is the engine's, whose configuration a
 * path-naming hash has no business with.  Fetched at the first hash, not
 * at init, so the calls that name no host path (list, check, a hook's
 * delete) pay nothing.  Counted by the contexts that use it, and freed by
 * the last one's fini: a plugin unloaded with dlclose leaves nothing of
 * libcrypto's behind. */
static pthread_mutex_t md_lock = PTHREAD_MUTEX_INITIALIZER;
static OSSL_LIB_CTX *md_libctx;
static EVP_MD *md_sha256;
static unsigned long md_users;

void sp_hash_hold(void) {
  pthread_mutex_lock(&md_lock);
  md_users++;
  pthread_mutex_unlock(&md_lock);
}

void sp_hash_release(void) {
  pthread_mutex_lock(&md_lock);
  if (md_users && --md_users == 0) {
    EVP_MD *alg = md_sha256;
    __atomic_store_n(&md_sha256, NULL, __ATOMIC_RELEASE);
    EVP_MD_free(alg);
    OSSL_LIB_CTX_free(md_libctx);
    md_libctx = NULL;
  }
  pthread_mutex_unlock(&md_lock);
}

/* The held algorithm, fetched now if this is the first hash since a
 * context took it; NULL where no context holds it (the unit tests) or
 * libcrypto cannot give it. */
static const EVP_MD *held_sha256(void) {
  const EVP_MD *alg = __atomic_load_n(&md_sha256, __ATOMIC_ACQUIRE);
  if (alg)
    return alg;
  pthread_mutex_lock(&md_lock);
  if (md_users && !md_sha256) {
    if (!md_libctx)
      md_libctx = OSSL_LIB_CTX_new();
    if (md_libctx)
      __atomic_store_n(&md_sha256, EVP_MD_fetch(md_libctx, "SHA256", NULL),
                       __ATOMIC_RELEASE);
  }
  alg = md_sha256;
  pthread_mutex_unlock(&md_lock);
  return alg;
}

int sp_hash_hex(const char *s, char out[SP_HASH_HEX_LEN + 1], sp_error *err) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  /* Calls come from a context's callbacks, so a held algorithm is not
   * freed under them; without one (the unit tests) EVP looks it up. */
  const EVP_MD *alg = held_sha256();
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
