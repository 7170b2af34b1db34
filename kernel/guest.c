#include "kernel/guest.h"

#include <string.h>

ntstatus_t guest_read(struct kprocess *p, gptr_t addr, void *dst, size_t n)
{
	return gmem_read(p->mem, addr, dst, n, NULL) ? STATUS_SUCCESS : STATUS_ACCESS_VIOLATION;
}

ntstatus_t guest_write(struct kprocess *p, gptr_t addr, const void *src, size_t n)
{
	return gmem_write(p->mem, addr, src, n, NULL) ? STATUS_SUCCESS : STATUS_ACCESS_VIOLATION;
}

ntstatus_t guest_read_ptr(struct kprocess *p, gptr_t addr, uint64_t *v)
{
	if (p->ptr_size == 8)
		return guest_read(p, addr, v, 8);
	uint32_t v32;
	ntstatus_t st = guest_read(p, addr, &v32, 4);
	*v = v32;
	return st;
}

ntstatus_t guest_write_ptr(struct kprocess *p, gptr_t addr, uint64_t v)
{
	if (p->ptr_size == 8)
		return guest_write(p, addr, &v, 8);
	uint32_t v32 = (uint32_t)v;
	return guest_write(p, addr, &v32, 4);
}

ntstatus_t guest_read_handle(struct kprocess *p, gptr_t addr, handle_t *h)
{
	ntstatus_t st = guest_read_ptr(p, addr, h);
	if (p->ptr_size == 4)
		*h = (uint64_t)(int64_t)(int32_t)*h;
	return st;
}

ntstatus_t guest_write_ustr_inline(struct kprocess *p, gptr_t addr, uint32_t size,
				   const uint16_t *str, size_t len, uint32_t *needed)
{
	unsigned hdr = ustr_size(p);
	uint64_t bytes = (uint64_t)len * 2;
	/* A name longer than a UNICODE_STRING can describe cannot be returned at all. */
	if (bytes + 2 > 0xffff)
		return STATUS_NAME_TOO_LONG;
	*needed = hdr + (uint32_t)bytes + (len ? 2 : 0);
	if (size < *needed)
		return STATUS_INFO_LENGTH_MISMATCH;
	uint8_t buf[16] = {0};
	uint16_t length = (uint16_t)bytes, max = (uint16_t)(len ? bytes + 2 : 0);
	uint64_t buffer = len ? addr + hdr : 0;
	memcpy(buf, &length, 2);
	memcpy(buf + 2, &max, 2);
	memcpy(buf + (hdr == 16 ? 8 : 4), &buffer, hdr == 16 ? 8 : 4);
	ntstatus_t st = guest_write(p, addr, buf, hdr);
	if (st == STATUS_SUCCESS && len) {
		static const uint16_t nul = 0;
		st = guest_write(p, addr + hdr, str, (size_t)bytes);
		if (st == STATUS_SUCCESS)
			st = guest_write(p, addr + hdr + bytes, &nul, 2);
	}
	return st;
}
