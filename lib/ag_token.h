/* ag_token.h: API bearer tokens: their form, making one, its hash, reading the header.
 *
 * A token is "ag_" and 32 characters of base64url (RFC 4648 5) encoding 24 random bytes from
 * getrandom(): 192 bits, so that only its SHA-256 is stored and no slow hash is needed (a slow
 * hash protects guessable passwords; nobody enumerates 2^192 candidates at any hash speed). The
 * prefix lets secret scanners recognise a leaked token.
 */
#ifndef AG_TOKEN_H
#define AG_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#define AG_TOKEN_PREFIX   "ag_"
#define AG_TOKEN_RAND     24                          /* bytes */
#define AG_TOKEN_LEN      (3 + AG_TOKEN_RAND / 3 * 4) /* characters: 35 */
#define AG_TOKEN_HASH_LEN 32                          /* SHA-256 */

/* Writes a new token and its NUL into out. AG_OK, or AG_EIO when the kernel's random source
 * fails (never a weaker fallback). */
int ag_token_generate(char out[AG_TOKEN_LEN + 1]);

/* SHA-256 of the len bytes of token. */
void ag_token_hash(const char *token, size_t len, uint8_t out[AG_TOKEN_HASH_LEN]);

/* Reads an Authorization header value: "Bearer" (any case, RFC 9110 11.1), one or more spaces,
 * a token of the form above, nothing after it. Returns AG_OK with the token at *tok (borrowed
 * from header, AG_TOKEN_LEN characters), AG_ENOTFOUND when header is NULL or empty, AG_EBADREQ
 * when it is anything else (another scheme, a token of another form, trailing bytes). */
int ag_token_parse_bearer(const char *header, const char **tok /* OUT */);

/* 1 when the two hashes are equal; the time taken does not depend on where they differ. */
int ag_token_hash_equal(const uint8_t a[AG_TOKEN_HASH_LEN], const uint8_t b[AG_TOKEN_HASH_LEN]);

#endif
