#include "kernel/guest.h"

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
