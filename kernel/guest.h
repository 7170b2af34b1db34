/* Reading and writing guest structures from system-call handlers.
 *
 * Every access is checked: a bad guest pointer becomes STATUS_ACCESS_VIOLATION, never a host
 * fault. Pointer-sized fields follow the guest's width (kprocess.ptr_size), so one handler
 * serves 64-bit and 32-bit guests. */
#ifndef NTEMU_KERNEL_GUEST_H
#define NTEMU_KERNEL_GUEST_H

#include <stddef.h>
#include <stdint.h>

#include "kernel/dispatch.h"
#include "kernel/process.h"

ntstatus_t guest_read(struct kprocess *p, gptr_t addr, void *dst, size_t n);
ntstatus_t guest_write(struct kprocess *p, gptr_t addr, const void *src, size_t n);

/* A pointer-width field (PVOID, SIZE_T, ULONG_PTR, HANDLE). Handles from 32-bit guests are
 * sign-extended so pseudo-handles stay negative; other values are zero-extended. */
ntstatus_t guest_read_ptr(struct kprocess *p, gptr_t addr, uint64_t *v);
ntstatus_t guest_write_ptr(struct kprocess *p, gptr_t addr, uint64_t v);
ntstatus_t guest_read_handle(struct kprocess *p, gptr_t addr, handle_t *h);

/* sizeof(UNICODE_STRING) for this guest: {USHORT Length, MaximumLength; PWSTR Buffer}. */
static inline unsigned ustr_size(const struct kprocess *p)
{
	return p->ptr_size == 8 ? 16 : 8;
}

/* Write a UNICODE_STRING at `addr` whose characters follow it in the same buffer (the layout
 * of OBJECT_NAME_INFORMATION and similar). `size` is the buffer size; *needed gets the size
 * the whole thing takes. STATUS_INFO_LENGTH_MISMATCH if it does not fit. */
ntstatus_t guest_write_ustr_inline(struct kprocess *p, gptr_t addr, uint32_t size,
				   const uint16_t *str, size_t len, uint32_t *needed);

/* A UNICODE_STRING's characters, copied to the host (malloc'd; free with ustr_free). */
struct ustr {
	uint16_t *buf; /* NULL when len == 0 */
	size_t len;    /* in UTF-16 units */
};

ntstatus_t guest_read_ustr(struct kprocess *p, gptr_t addr, struct ustr *out);
void ustr_free(struct ustr *s);

/* OBJECT_ATTRIBUTES: {ULONG Length; HANDLE RootDirectory; PUNICODE_STRING ObjectName;
 * ULONG Attributes; PVOID SecurityDescriptor, SecurityQualityOfService} — 0x30 bytes on x64,
 * 0x18 on x86. A Length of any other size is STATUS_INVALID_PARAMETER, as NT checks. */
struct objattr {
	handle_t root;
	struct ustr name;   /* empty when ObjectName is NULL */
	uint32_t attributes;
	gptr_t security_descriptor;
};

ntstatus_t guest_read_objattr(struct kprocess *p, gptr_t addr, struct objattr *out);
void objattr_free(struct objattr *oa);

/* IO_STATUS_BLOCK {NTSTATUS Status (pointer-sized union); ULONG_PTR Information}. */
ntstatus_t guest_write_iosb(struct kprocess *p, gptr_t addr, ntstatus_t status, uint64_t information);

#endif
