#include "kernel/guest.h"

#include <stdlib.h>
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

/* UNICODE_STRING.Length is a USHORT of bytes, so a string never exceeds 32767 characters. */
ntstatus_t guest_read_ustr(struct kprocess *p, gptr_t addr, struct ustr *out)
{
	out->buf = NULL;
	out->len = 0;
	uint8_t hdr[16];
	ntstatus_t st = guest_read(p, addr, hdr, ustr_size(p));
	if (st != STATUS_SUCCESS)
		return st;
	uint16_t length;
	memcpy(&length, hdr, 2);
	uint64_t buffer = 0;
	memcpy(&buffer, hdr + (p->ptr_size == 8 ? 8 : 4), p->ptr_size);
	/* MaximumLength is not checked: NT's capture of an input string reads only Length and
	 * Buffer, and kernelbase's create_key passes strings whose MaximumLength is stack garbage
	 * (it creates missing parent keys one component at a time). */
	if (length & 1)
		return STATUS_INVALID_PARAMETER;
	if (!length)
		return STATUS_SUCCESS;
	out->buf = malloc(length);
	if (!out->buf)
		return STATUS_NO_MEMORY;
	st = guest_read(p, buffer, out->buf, length);
	if (st != STATUS_SUCCESS) {
		ustr_free(out);
		return st;
	}
	out->len = length / 2;
	return STATUS_SUCCESS;
}

void ustr_free(struct ustr *s)
{
	free(s->buf);
	s->buf = NULL;
	s->len = 0;
}

ntstatus_t guest_read_objattr(struct kprocess *p, gptr_t addr, struct objattr *out)
{
	memset(out, 0, sizeof *out);
	bool wide = p->ptr_size == 8;
	uint8_t raw[0x30];
	ntstatus_t st = guest_read(p, addr, raw, wide ? 0x30 : 0x18);
	if (st != STATUS_SUCCESS)
		return st;
	uint32_t length;
	memcpy(&length, raw, 4);
	if (length != (wide ? 0x30u : 0x18u))
		return STATUS_INVALID_PARAMETER;
	uint64_t root = 0, name = 0, sd = 0;
	memcpy(&root, raw + (wide ? 0x8 : 0x4), p->ptr_size);
	memcpy(&name, raw + (wide ? 0x10 : 0x8), p->ptr_size);
	memcpy(&out->attributes, raw + (wide ? 0x18 : 0xc), 4);
	memcpy(&sd, raw + (wide ? 0x20 : 0x10), p->ptr_size);
	out->root = wide ? root : (uint64_t)(int64_t)(int32_t)root;
	out->security_descriptor = sd;
	return name ? guest_read_ustr(p, name, &out->name) : STATUS_SUCCESS;
}

void objattr_free(struct objattr *oa)
{
	ustr_free(&oa->name);
}

ntstatus_t guest_write_iosb(struct kprocess *p, gptr_t addr, ntstatus_t status, uint64_t information)
{
	if (p->ptr_size == 8) {
		uint64_t iosb[2] = {status, information};
		return guest_write(p, addr, iosb, sizeof iosb);
	}
	uint32_t iosb[2] = {status, (uint32_t)information};
	return guest_write(p, addr, iosb, sizeof iosb);
}
