/* SPDX-License-Identifier: Apache-2.0 */
/* Host paths are named under the shared root by the SHA-256 of their cleaned
 * text: fixed length, no path characters, no collisions in practice. */
#include <openssl/evp.h>
#include <string.h>

#include "rules.h"

int sp_hash_hex(const char *s, char out[SP_HASH_HEX_LEN + 1], sp_error *err) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  /* EVP_Digest is the one-shot EVP interface: no context to leak. */
  if (EVP_Digest(s, strlen(s), md, &len, EVP_sha256(), NULL) != 1 ||
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
