#include "kernel/unicode.h"

#include <stdlib.h>

#define REPLACEMENT 0xfffd

/* Decode one code point at src[*i], advancing *i. */
static uint32_t next_utf8(const unsigned char *s, size_t n, size_t *i)
{
	unsigned char b = s[(*i)++];
	if (b < 0x80)
		return b;
	int extra = b >= 0xf0 && b < 0xf5 ? 3 : b >= 0xe0 ? 2 : b >= 0xc2 && b < 0xe0 ? 1 : -1;
	if (extra < 0)
		return REPLACEMENT;
	uint32_t cp = b & (0x3f >> extra);
	for (int k = 0; k < extra; k++) {
		if (*i >= n || (s[*i] & 0xc0) != 0x80)
			return REPLACEMENT;
		cp = cp << 6 | (s[(*i)++] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF are not UTF-8. */
	static const uint32_t min[4] = {0, 0x80, 0x800, 0x10000};
	if (cp < min[extra] || (cp >= 0xd800 && cp < 0xe000) || cp > 0x10ffff)
		return REPLACEMENT;
	return cp;
}

size_t utf8_to_utf16(const char *src, size_t n, uint16_t *dst, size_t cap)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t out = 0;
	for (size_t i = 0; i < n;) {
		uint32_t cp = next_utf8(s, n, &i);
		if (cp >= 0x10000) {
			if (dst && out + 1 < cap) {
				dst[out] = (uint16_t)(0xd800 + ((cp - 0x10000) >> 10));
				dst[out + 1] = (uint16_t)(0xdc00 + ((cp - 0x10000) & 0x3ff));
			}
			out += 2;
		} else {
			if (dst && out < cap)
				dst[out] = (uint16_t)cp;
			out++;
		}
	}
	return out;
}

size_t utf16_to_utf8(const uint16_t *src, size_t n, char *dst, size_t cap)
{
	size_t out = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t cp = src[i];
		if (cp >= 0xd800 && cp < 0xdc00 && i + 1 < n && src[i + 1] >= 0xdc00 && src[i + 1] < 0xe000)
			cp = 0x10000 + ((cp - 0xd800) << 10) + (src[++i] - 0xdc00);
		else if (cp >= 0xd800 && cp < 0xe000)
			cp = REPLACEMENT;
		unsigned char buf[4];
		size_t len;
		if (cp < 0x80) {
			buf[0] = (unsigned char)cp;
			len = 1;
		} else if (cp < 0x800) {
			buf[0] = (unsigned char)(0xc0 | cp >> 6);
			buf[1] = (unsigned char)(0x80 | (cp & 0x3f));
			len = 2;
		} else if (cp < 0x10000) {
			buf[0] = (unsigned char)(0xe0 | cp >> 12);
			buf[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
			buf[2] = (unsigned char)(0x80 | (cp & 0x3f));
			len = 3;
		} else {
			buf[0] = (unsigned char)(0xf0 | cp >> 18);
			buf[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
			buf[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
			buf[3] = (unsigned char)(0x80 | (cp & 0x3f));
			len = 4;
		}
		for (size_t k = 0; k < len; k++, out++)
			if (dst && out < cap)
				dst[out] = (char)buf[k];
	}
	return out;
}

uint16_t *utf8_to_utf16_dup(const char *src, size_t *len)
{
	size_t n = 0;
	while (src[n])
		n++;
	size_t units = utf8_to_utf16(src, n, NULL, 0);
	uint16_t *w = malloc((units + 1) * sizeof *w);
	if (!w)
		return NULL;
	utf8_to_utf16(src, n, w, units);
	w[units] = 0;
	if (len)
		*len = units;
	return w;
}

char *utf16_to_utf8_dup(const uint16_t *src, size_t n)
{
	size_t bytes = utf16_to_utf8(src, n, NULL, 0);
	char *s = malloc(bytes + 1);
	if (!s)
		return NULL;
	utf16_to_utf8(src, n, s, bytes);
	s[bytes] = 0;
	return s;
}
