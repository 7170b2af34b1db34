/* Guest structures built field by field for either pointer width: each field is placed at the
 * next offset aligned to its size, as the Windows compilers lay out structures, so one
 * sequence of calls gives the x64 and the x86 layout (e.g. PROCESS_BASIC_INFORMATION is 48
 * bytes for w = 8 and 24 for w = 4). Used by the information services. */
#ifndef NTEMU_SYSCALLS_RECORD_H
#define NTEMU_SYSCALLS_RECORD_H

#include <stdint.h>
#include <string.h>

#define RECORD_MAX 0x800

struct record {
	uint8_t b[RECORD_MAX];
	uint32_t n;      /* bytes so far */
	uint32_t align;  /* largest field alignment so far */
	unsigned w;      /* guest pointer width */
};

static inline void rec_init(struct record *r, unsigned w)
{
	memset(r->b, 0, sizeof r->b);
	r->n = 0;
	r->align = 1;
	r->w = w;
}

/* A little-endian field of `size` bytes (1, 2, 4, 8) aligned to `align`. */
static inline void rec_put(struct record *r, uint64_t v, unsigned size, unsigned align)
{
	r->n = (r->n + align - 1) & ~(align - 1);
	if (align > r->align)
		r->align = align;
	for (unsigned i = 0; i < size && r->n < RECORD_MAX; i++)
		r->b[r->n++] = (uint8_t)(v >> (8 * i));
}

static inline void rec_u8(struct record *r, uint64_t v) { rec_put(r, v, 1, 1); }
static inline void rec_u16(struct record *r, uint64_t v) { rec_put(r, v, 2, 2); }
static inline void rec_u32(struct record *r, uint64_t v) { rec_put(r, v, 4, 4); }
static inline void rec_u64(struct record *r, uint64_t v) { rec_put(r, v, 8, 8); }
/* PVOID, HANDLE, SIZE_T, ULONG_PTR, KAFFINITY. */
static inline void rec_ptr(struct record *r, uint64_t v) { rec_put(r, v, r->w, r->w); }
/* LUID {ULONG LowPart; LONG HighPart}: 4-byte aligned. */
static inline void rec_luid(struct record *r, uint64_t v)
{
	rec_u32(r, (uint32_t)v);
	rec_u32(r, v >> 32);
}

/* Raw bytes (arrays of BYTE/WCHAR) aligned to `align`; src NULL leaves them zero. */
static inline void rec_bytes(struct record *r, const void *src, uint32_t n, unsigned align)
{
	r->n = (r->n + align - 1) & ~(align - 1);
	if (align > r->align)
		r->align = align;
	if (n > RECORD_MAX - r->n)
		n = RECORD_MAX - r->n;
	if (n && src)
		memcpy(r->b + r->n, src, n);
	r->n += n;
}

/* Skip to the next multiple of `align` (padding, or a nested structure's alignment). */
static inline void rec_align(struct record *r, unsigned align)
{
	rec_bytes(r, NULL, 0, align);
}

/* sizeof the structure: the end padded to its largest alignment. */
static inline uint32_t rec_size(struct record *r)
{
	return (r->n + r->align - 1) & ~(r->align - 1);
}

#endif
