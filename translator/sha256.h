/* SHA-256, for module cache keys. */
#ifndef STAP_SHA256_H
#define STAP_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
	uint32_t h[8];
	uint64_t len;
	unsigned char buf[64];
	size_t n;
};

void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const void *data, size_t len);
void sha256_str(struct sha256 *c, const char *str);	/* includes the NUL: unambiguous */
void sha256_final(struct sha256 *c, unsigned char out[32]);
void sha256_hex(struct sha256 *c, char out[65]);

#endif
