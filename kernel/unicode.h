/* UTF-8 <-> UTF-16 for the boundary between host strings and the guest's WCHAR strings.
 * Invalid sequences become U+FFFD; nothing is ever read past the given lengths. */
#ifndef NTEMU_KERNEL_UNICODE_H
#define NTEMU_KERNEL_UNICODE_H

#include <stddef.h>
#include <stdint.h>

/* UTF-16 units needed for `src` (n bytes), or written to dst (room for `cap` units) when dst
 * is non-NULL. Returns the number of units the whole conversion takes. */
size_t utf8_to_utf16(const char *src, size_t n, uint16_t *dst, size_t cap);
/* Same in the other direction, in bytes. */
size_t utf16_to_utf8(const uint16_t *src, size_t n, char *dst, size_t cap);

/* malloc'd conversions with a terminating NUL; *len (if given) excludes it. NULL on OOM. */
uint16_t *utf8_to_utf16_dup(const char *src, size_t *len);
char *utf16_to_utf8_dup(const uint16_t *src, size_t n);

#endif
