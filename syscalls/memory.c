/* Virtual memory services: NtAllocateVirtualMemory[Ex], NtFreeVirtualMemory,
 * NtProtectVirtualMemory, NtQueryVirtualMemory, NtRead/WriteVirtualMemory,
 * NtFlushInstructionCache, NtLock/UnlockVirtualMemory. The state lives in kernel/vm.c; these
 * handlers read and write the guest's arguments (pointer width aware) and check them in the
 * order Wine's dlls/ntdll/unix/virtual.c does. */
#include <stdlib.h>
#include <string.h>

#include "kernel/guest.h"
#include "kernel/section.h"
#include "kernel/vm.h"

/* Process access rights (winnt.h). */
enum {
	PROCESS_VM_OPERATION = 0x8,
	PROCESS_VM_READ = 0x10,
	PROCESS_VM_WRITE = 0x20,
	PROCESS_QUERY_INFORMATION = 0x400,
};

/* Read *base and *size, and make sure both can be written back before anything changes, so a
 * failed write never leaves an allocation the caller cannot know about. */
static ntstatus_t read_base_size(struct kprocess *p, gptr_t base_ptr, gptr_t size_ptr,
				 uint64_t *base, uint64_t *size)
{
	ntstatus_t st;
	if ((st = guest_read_ptr(p, base_ptr, base)) != STATUS_SUCCESS ||
	    (st = guest_read_ptr(p, size_ptr, size)) != STATUS_SUCCESS ||
	    (st = guest_write_ptr(p, base_ptr, *base)) != STATUS_SUCCESS)
		return st;
	return guest_write_ptr(p, size_ptr, *size);
}

/* The end of an operation that ended in `st`: on success, the range it covered written back. */
static ntstatus_t write_base_size(struct kprocess *p, ntstatus_t st, gptr_t base_ptr,
				  gptr_t size_ptr, uint64_t base, uint64_t size)
{
	if (st == STATUS_SUCCESS)
		st = guest_write_ptr(p, base_ptr, base);
	return st != STATUS_SUCCESS ? st : guest_write_ptr(p, size_ptr, size);
}

/* The start of an operation on an existing range of `process`'s memory: the range read (as
 * read_base_size), then the handle checked for PROCESS_VM_OPERATION. */
static ntstatus_t operation_range(struct kprocess *p, handle_t process, gptr_t base_ptr,
				  gptr_t size_ptr, uint64_t *base, uint64_t *size)
{
	ntstatus_t st = read_base_size(p, base_ptr, size_ptr, base, size);
	return st != STATUS_SUCCESS ? st : vm_check_process(p, process, PROCESS_VM_OPERATION);
}

static ntstatus_t allocate(struct nt_call *c, handle_t process, gptr_t base_ptr,
			   uint64_t zero_bits, gptr_t size_ptr, uint32_t type, uint32_t protect)
{
	struct kprocess *p = c->proc;
	uint64_t base, size;
	ntstatus_t st = read_base_size(p, base_ptr, size_ptr, &base, &size);
	if (st != STATUS_SUCCESS)
		return st;
	if (!size)
		return STATUS_INVALID_PARAMETER;
	if (zero_bits > 21 && zero_bits < 32)
		return STATUS_INVALID_PARAMETER_3;
	/* A mask only exists for 64-bit callers; a 32-bit one gets the count form alone. */
	if (zero_bits > 32 && (p->ptr_size == 4 || zero_bits < VM_GRANULARITY - 1))
		return STATUS_INVALID_PARAMETER_3;
	if (type & ~(uint32_t)(MEM_COMMIT | MEM_RESERVE | MEM_TOP_DOWN | MEM_WRITE_WATCH | MEM_RESET))
		return STATUS_INVALID_PARAMETER;
	if ((st = vm_check_process(p, process, PROCESS_VM_OPERATION)) != STATUS_SUCCESS)
		return st;
	st = vm_allocate(p, &base, &size, type, protect, base ? 0 : vm_zero_bits_limit(zero_bits));
	return write_base_size(p, st, base_ptr, size_ptr, base, size);
}

ntstatus_t nt_allocate_virtual_memory(struct nt_call *c, handle_t process, gptr_t base,
				      uint64_t zero_bits, gptr_t size, uint32_t type, uint32_t protect)
{
	return allocate(c, process, base, zero_bits, size, type, protect);
}

ntstatus_t nt_allocate_virtual_memory_ex(struct nt_call *c, handle_t process, gptr_t base,
					 gptr_t size, uint32_t type, uint32_t protect, gptr_t params,
					 uint32_t count)
{
	if (count && !params)
		return STATUS_INVALID_PARAMETER;
	/* FIXME: MEM_EXTENDED_PARAMETER (address requirements, attribute flags, NUMA node) are
	 * not supported. */
	if (count)
		return STATUS_NOT_SUPPORTED;
	return allocate(c, process, base, 0, size, type, protect);
}

ntstatus_t nt_protect_virtual_memory(struct nt_call *c, handle_t process, gptr_t base_ptr,
				     gptr_t size_ptr, uint32_t new_protect, gptr_t old_ptr)
{
	struct kprocess *p = c->proc;
	uint64_t base, size;
	uint32_t old = 0;
	if (!old_ptr)
		return STATUS_ACCESS_VIOLATION;
	ntstatus_t st = read_base_size(p, base_ptr, size_ptr, &base, &size);
	if (st != STATUS_SUCCESS || (st = guest_write(p, old_ptr, &old, 4)) != STATUS_SUCCESS)
		return st;
	if ((st = vm_check_process(p, process, PROCESS_VM_OPERATION)) != STATUS_SUCCESS)
		return st;
	st = vm_protect(p, &base, &size, new_protect, &old);
	if ((st = write_base_size(p, st, base_ptr, size_ptr, base, size)) == STATUS_SUCCESS)
		st = guest_write(p, old_ptr, &old, 4);
	return st;
}

/* NtQueryVirtualMemory information classes. */
enum {
	MemoryBasicInformation = 0,
	MemoryMappedFilenameInformation = 2,
	MemoryRegionInformation = 3,
	MemoryWorkingSetExInformation = 4,
	MemoryImageInformation = 6,
	MemoryWineUnixFuncs = 1000,
	MemoryWineUnixWow64Funcs = 1001,
};

/* A structure of pointer-width and 32-bit fields, laid out for this guest. */
struct layout {
	uint8_t buf[64];
	unsigned len;
};

static void put(struct layout *l, uint64_t v, unsigned size)
{
	/* Natural alignment, as the C compiler lays out these structures. */
	l->len = (l->len + size - 1) & ~(size - 1);
	for (unsigned i = 0; i < size; i++)
		l->buf[l->len + i] = (uint8_t)(v >> (8 * i));
	l->len += size;
}

static void finish(struct layout *l, unsigned align)
{
	l->len = (l->len + align - 1) & ~(align - 1);
}

static ntstatus_t put_result(struct kprocess *p, gptr_t result_length, uint64_t n)
{
	return result_length ? guest_write_ptr(p, result_length, n) : STATUS_SUCCESS;
}

static ntstatus_t query_basic(struct kprocess *p, uint64_t addr, gptr_t buffer, uint64_t length,
			      gptr_t result_length)
{
	unsigned w = p->ptr_size;
	/* MEMORY_BASIC_INFORMATION: BaseAddress, AllocationBase, AllocationProtect (+ x64's
	 * PartitionId), RegionSize, State, Protect, Type: 48 bytes on x64, 28 on x86. */
	unsigned size = w == 8 ? 48 : 28;
	if (length < size)
		return STATUS_INFO_LENGTH_MISMATCH;
	struct vm_basic_info mbi;
	ntstatus_t st = vm_query(p, addr, &mbi);
	if (st != STATUS_SUCCESS)
		return st;
	struct layout l = {.len = 0};
	memset(l.buf, 0, sizeof l.buf);
	put(&l, mbi.base, w);
	put(&l, mbi.alloc_base, w);
	put(&l, mbi.alloc_protect, 4);
	put(&l, mbi.region_size, w);
	put(&l, mbi.state, 4);
	put(&l, mbi.protect, 4);
	put(&l, mbi.type, 4);
	finish(&l, w);
	if ((st = guest_write(p, buffer, l.buf, size)) != STATUS_SUCCESS)
		return st;
	return put_result(p, result_length, size);
}

static ntstatus_t query_region(struct kprocess *p, uint64_t addr, gptr_t buffer, uint64_t length,
			       gptr_t result_length)
{
	unsigned w = p->ptr_size;
	/* MEMORY_REGION_INFORMATION: AllocationBase, AllocationProtect, RegionType (flag bits:
	 * Private 1, MappedDataFile 2, MappedImage 4, MappedPageFile 8), RegionSize, CommitSize,
	 * PartitionId, NodePreference. Callers of older Windows pass only up to CommitSize. */
	unsigned min = 2 * w + 8;
	if (length < min)
		return STATUS_INFO_LENGTH_MISMATCH;
	struct vm_region_info ri;
	ntstatus_t st = vm_query_region(p, addr, &ri);
	if (st != STATUS_SUCCESS)
		return st;
	uint32_t flags = 1;
	if (ri.type == MEM_IMAGE) {
		flags = 4;
	} else if (ri.type == MEM_MAPPED) {
		struct ksection *s = vm_view_at(p, addr, NULL);
		flags = s && (s->attributes & SEC_FILE) ? 2 : 8;
	}
	struct layout l = {.len = 0};
	memset(l.buf, 0, sizeof l.buf);
	put(&l, ri.alloc_base, w);
	put(&l, ri.alloc_protect, 4);
	put(&l, flags, 4);
	put(&l, ri.size, w);
	put(&l, ri.committed, w);
	put(&l, 0, w); /* PartitionId */
	put(&l, 0, w); /* NodePreference */
	unsigned size = length >= l.len ? l.len : length >= min + w ? min + w : min;
	if ((st = guest_write(p, buffer, l.buf, size)) != STATUS_SUCCESS)
		return st;
	return put_result(p, result_length, size);
}

static ntstatus_t query_filename(struct kprocess *p, uint64_t addr, gptr_t buffer, uint64_t length,
				 gptr_t result_length)
{
	struct ksection *s = vm_view_at(p, addr, NULL);
	if (!s || !s->file_name)
		return STATUS_INVALID_ADDRESS;
	/* MEMORY_SECTION_NAME: a UNICODE_STRING followed by the characters and a NUL. The needed
	 * size is reported whether the buffer is too small for the header (INFO_LENGTH_MISMATCH)
	 * or for the name (BUFFER_OVERFLOW), as Wine 8 does. */
	ntstatus_t st = put_result(p, result_length, ustr_size(p) + 2 * (uint64_t)s->file_name_len + 2);
	if (st != STATUS_SUCCESS)
		return st;
	if (length < ustr_size(p))
		return STATUS_INFO_LENGTH_MISMATCH;
	uint32_t needed, size = length > UINT32_MAX ? UINT32_MAX : (uint32_t)length;
	st = guest_write_ustr_inline(p, buffer, size, s->file_name, s->file_name_len, &needed);
	return st == STATUS_INFO_LENGTH_MISMATCH ? STATUS_BUFFER_OVERFLOW : st;
}

static ntstatus_t query_working_set_ex(struct kprocess *p, gptr_t buffer, uint64_t length,
				       gptr_t result_length)
{
	/* An array of MEMORY_WORKING_SET_EX_INFORMATION {PVOID VirtualAddress; ULONG_PTR
	 * VirtualAttributes}: the caller names the pages, the attributes are filled in. Nothing is
	 * ever paged out, so a committed, accessible page is Valid (bit 0), with its protection
	 * (bits 4-14), Shared (bit 15) and a ShareCount of 1 (bits 1-3) for views. */
	unsigned w = p->ptr_size;
	if (length < 2u * w)
		return STATUS_INFO_LENGTH_MISMATCH;
	uint64_t n = length / (2u * w);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t addr, attrs = 0;
		gptr_t entry = buffer + i * 2 * w;
		ntstatus_t st = guest_read_ptr(p, entry, &addr);
		if (st != STATUS_SUCCESS)
			return st;
		struct vm_basic_info mbi;
		if (vm_query(p, addr, &mbi) == STATUS_SUCCESS && mbi.state == MEM_COMMIT &&
		    !(mbi.protect & PAGE_GUARD) && (mbi.protect & 0xff) != PAGE_NOACCESS) {
			bool shared = mbi.type != MEM_PRIVATE;
			attrs = 1 | (uint64_t)(mbi.protect & 0x7ff) << 4 | (shared ? 1u << 1 | 1u << 15 : 0);
		}
		if ((st = guest_write_ptr(p, entry + w, attrs)) != STATUS_SUCCESS)
			return st;
	}
	return put_result(p, result_length, n * 2 * w);
}

static ntstatus_t query_image(struct kprocess *p, uint64_t addr, gptr_t buffer, uint64_t length,
			      gptr_t result_length)
{
	/* MEMORY_IMAGE_INFORMATION {PVOID ImageBase; SIZE_T SizeOfImage; ULONG ImageFlags}: zero
	 * outside image views (as Wine answers); ImageSigningLevel (bits 2-5) is 12,
	 * SE_SIGNING_LEVEL_WINDOWS, as Wine reports for every image. */
	unsigned w = p->ptr_size, size = w == 8 ? 24 : 12;
	if (length < size)
		return STATUS_INFO_LENGTH_MISMATCH;
	struct layout l = {.len = 0};
	memset(l.buf, 0, sizeof l.buf);
	uint64_t base, view_size, offset;
	struct ksection *s = vm_view_info(p, addr, &base, &view_size, &offset);
	bool image = s && (s->attributes & SEC_IMAGE);
	put(&l, image ? base : 0, w);
	put(&l, image ? view_size : 0, w);
	put(&l, image ? 12u << 2 : 0, 4);
	ntstatus_t st = guest_write(p, buffer, l.buf, size);
	return st != STATUS_SUCCESS ? st : put_result(p, result_length, size);
}

ntstatus_t nt_query_virtual_memory(struct nt_call *c, handle_t process, gptr_t addr,
				   uint32_t info_class, gptr_t buffer, uint64_t length,
				   gptr_t result_length)
{
	struct kprocess *p = c->proc;
	ntstatus_t st = vm_check_process(p, process, PROCESS_QUERY_INFORMATION);
	if (st != STATUS_SUCCESS)
		return st;
	switch (info_class) {
	case MemoryBasicInformation:
		return query_basic(p, addr, buffer, length, result_length);
	case MemoryMappedFilenameInformation:
		return query_filename(p, addr, buffer, length, result_length);
	case MemoryRegionInformation:
		return query_region(p, addr, buffer, length, result_length);
	case MemoryWorkingSetExInformation:
		return query_working_set_ex(p, buffer, length, result_length);
	case MemoryImageInformation:
		return query_image(p, addr, buffer, length, result_length);
	case MemoryWineUnixFuncs:
	case MemoryWineUnixWow64Funcs:
		/* No module has a Wine unix library here (GUEST-CONTRACT.md §3 step 2, §4): the
		 * answer real Wine gives for a module without one. */
		return STATUS_DLL_NOT_FOUND;
	default:
		return STATUS_INVALID_INFO_CLASS;
	}
}

/* Whether every page of [addr, addr+n) is mapped with `need` (guard pages never qualify). */
static bool accessible(struct kprocess *p, uint64_t addr, uint64_t n, unsigned need)
{
	if (!n)
		return true;
	if (addr + n < addr)
		return false;
	for (uint64_t a = addr & ~GUEST_PAGE_MASK; a < addr + n; a += GUEST_PAGE_SIZE) {
		unsigned prot;
		if (!gmem_query(p->mem, a, &prot, NULL) || (prot & need) != need || (prot & GMEM_GUARD))
			return false;
	}
	return true;
}

/* Copy [src, src+size) to dst one page piece at a time, for NtReadVirtualMemory (`reading`:
 * the process handle needs PROCESS_VM_READ) or NtWriteVirtualMemory (PROCESS_VM_WRITE). The
 * caller's own buffer must be fully usable (else STATUS_ACCESS_VIOLATION, nothing copied); the
 * target range may end early (STATUS_PARTIAL_COPY with the bytes done, as Windows reports).
 *
 * The target of a write only needs to be readable: Windows' WriteProcessMemory makes
 * read-only pages writable before calling NtWriteVirtualMemory, Wine's kernelbase does not and
 * relies on its kernel side writing through the protection (it does), so this one does too. */
static ntstatus_t copy_memory(struct kprocess *p, handle_t process, uint64_t src, uint64_t dst,
			      uint64_t size, gptr_t done_ptr, bool reading)
{
	ntstatus_t st = vm_check_process(p, process, reading ? PROCESS_VM_READ : PROCESS_VM_WRITE);
	if (st != STATUS_SUCCESS)
		return st;
	uint64_t done = 0;
	if (!accessible(p, reading ? dst : src, size, reading ? GMEM_WRITE : GMEM_READ)) {
		st = STATUS_ACCESS_VIOLATION;
	} else {
		uint8_t chunk[GUEST_PAGE_SIZE];
		while (done < size) {
			uint64_t a = (reading ? src : dst) + done;
			uint64_t n = GUEST_PAGE_SIZE - (a & GUEST_PAGE_MASK);
			if (n > size - done)
				n = size - done;
			if (!accessible(p, a, n, GMEM_READ) || !gmem_read(p->mem, src + done, chunk, n, NULL) ||
			    !gmem_poke(p->mem, dst + done, chunk, n, NULL)) {
				st = STATUS_PARTIAL_COPY;
				break;
			}
			done += n;
		}
	}
	if (done_ptr) {
		ntstatus_t wst = guest_write_ptr(p, done_ptr, done);
		if (st == STATUS_SUCCESS)
			st = wst;
	}
	return st;
}

ntstatus_t nt_read_virtual_memory(struct nt_call *c, handle_t process, gptr_t addr, gptr_t buffer,
				  uint64_t size, gptr_t bytes_read)
{
	return copy_memory(c->proc, process, addr, buffer, size, bytes_read, true);
}

ntstatus_t nt_write_virtual_memory(struct nt_call *c, handle_t process, gptr_t addr, gptr_t buffer,
				   uint64_t size, gptr_t bytes_written)
{
	return copy_memory(c->proc, process, buffer, addr, size, bytes_written, false);
}

ntstatus_t nt_flush_instruction_cache(struct nt_call *c, handle_t process, gptr_t addr, uint64_t size)
{
	ntstatus_t st = vm_check_process(c->proc, process, PROCESS_VM_WRITE);
	if (st != STATUS_SUCCESS)
		return st;
	vm_flush_code(c->proc, addr, size);
	return STATUS_SUCCESS;
}

/* NtLockVirtualMemory's lock types. */
enum { MAP_PROCESS = 1, MAP_SYSTEM = 2 };

enum range_op { RANGE_FREE, RANGE_LOCK, RANGE_UNLOCK };

/* NtFreeVirtualMemory, NtLockVirtualMemory and NtUnlockVirtualMemory: the same arguments, an
 * operation on an existing range (`type` says how), the range it covered written back. */
static ntstatus_t range_op(struct nt_call *c, handle_t process, gptr_t base_ptr, gptr_t size_ptr,
			   uint32_t type, enum range_op op)
{
	struct kprocess *p = c->proc;
	uint64_t base, size;
	ntstatus_t st = operation_range(p, process, base_ptr, size_ptr, &base, &size);
	if (st != STATUS_SUCCESS)
		return st;
	if (op == RANGE_FREE) {
		st = vm_free(p, &base, &size, type);
	} else {
		if (!(type & (MAP_PROCESS | MAP_SYSTEM)) || (type & ~(uint32_t)(MAP_PROCESS | MAP_SYSTEM)))
			return STATUS_INVALID_PARAMETER;
		/* Locking into physical memory for the system needs SeLockMemoryPrivilege. */
		if (type & MAP_SYSTEM)
			return STATUS_PRIVILEGE_NOT_HELD;
		st = vm_lock(p, &base, &size, op == RANGE_LOCK);
	}
	return write_base_size(p, st, base_ptr, size_ptr, base, size);
}

ntstatus_t nt_free_virtual_memory(struct nt_call *c, handle_t process, gptr_t base, gptr_t size,
				  uint32_t type)
{
	return range_op(c, process, base, size, type, RANGE_FREE);
}

ntstatus_t nt_lock_virtual_memory(struct nt_call *c, handle_t process, gptr_t base, gptr_t size,
				  uint32_t type)
{
	return range_op(c, process, base, size, type, RANGE_LOCK);
}

ntstatus_t nt_unlock_virtual_memory(struct nt_call *c, handle_t process, gptr_t base, gptr_t size,
				    uint32_t type)
{
	return range_op(c, process, base, size, type, RANGE_UNLOCK);
}

ntstatus_t nt_flush_virtual_memory(struct nt_call *c, handle_t process, gptr_t base_ptr,
				   gptr_t size_ptr, gptr_t iosb)
{
	struct kprocess *p = c->proc;
	uint64_t addr, size;
	ntstatus_t st = operation_range(p, process, base_ptr, size_ptr, &addr, &size);
	if (st != STATUS_SUCCESS)
		return st;
	uint64_t base = addr & ~GUEST_PAGE_MASK;
	if (size && addr + size < addr)
		return STATUS_INVALID_PARAMETER;
	size = size ? ((addr + size + GUEST_PAGE_MASK) & ~GUEST_PAGE_MASK) - base : 0;
	struct vm_basic_info mbi;
	if (vm_query(p, base, &mbi) != STATUS_SUCCESS || mbi.state == MEM_FREE)
		return STATUS_INVALID_PARAMETER;
	uint64_t view, view_size, offset;
	struct ksection *s = vm_view_info(p, base, &view, &view_size, &offset);
	if (s) {
		if (!size)
			size = view + view_size - base;
		if (size > view + view_size - base)
			return STATUS_INVALID_PARAMETER;
		/* Sections without a file to write to have nothing to flush (Wine: success). */
		if (s->write_back && (st = section_write_back(s, offset + (base - view), size)))
			return st;
	}
	/* FIXME: private memory: Windows answers STATUS_NOT_MAPPED_DATA, Wine success. */
	if ((st = write_base_size(p, STATUS_SUCCESS, base_ptr, size_ptr, base, size)) != STATUS_SUCCESS)
		return st;
	return iosb ? guest_write_iosb(p, iosb, STATUS_SUCCESS, 0) : STATUS_SUCCESS;
}

enum { WRITE_WATCH_FLAG_RESET = 1 };

ntstatus_t nt_get_write_watch(struct nt_call *c, handle_t process, uint32_t flags, gptr_t base,
			      uint64_t size, gptr_t addresses, gptr_t count_ptr, gptr_t granularity_ptr)
{
	struct kprocess *p = c->proc;
	uint64_t count;
	/* Wine's order of checks. */
	if (!count_ptr || !granularity_ptr)
		return STATUS_ACCESS_VIOLATION;
	ntstatus_t st = guest_read_ptr(p, count_ptr, &count);
	if (st != STATUS_SUCCESS)
		return st;
	if (!count || !size || (flags & ~WRITE_WATCH_FLAG_RESET))
		return STATUS_INVALID_PARAMETER;
	if (!addresses)
		return STATUS_ACCESS_VIOLATION;
	if ((st = vm_check_process(p, process, PROCESS_VM_OPERATION)) != STATUS_SUCCESS)
		return st;
	/* The range lies in one allocation (vm_get_write_watch checks the rest): no more entries
	 * than its pages. */
	struct vm_region_info ri;
	if (vm_query_region(p, base, &ri) != STATUS_SUCCESS || size > ri.alloc_base + ri.size - base)
		return STATUS_INVALID_PARAMETER;
	uint64_t pages = size / GUEST_PAGE_SIZE + 2;
	if (count > pages)
		count = pages;
	/* The caller's array must take them all before any watch is reset. */
	uint32_t granularity = GUEST_PAGE_SIZE;
	if (!accessible(p, addresses, count * p->ptr_size, GMEM_WRITE) ||
	    (st = guest_write(p, granularity_ptr, &granularity, 4)) != STATUS_SUCCESS)
		return STATUS_ACCESS_VIOLATION;
	uint64_t *found = malloc(count * sizeof *found);
	if (!found)
		return STATUS_NO_MEMORY;
	st = vm_get_write_watch(p, base, size, flags & WRITE_WATCH_FLAG_RESET, found, &count);
	for (uint64_t i = 0; st == STATUS_SUCCESS && i < count; i++)
		st = guest_write_ptr(p, addresses + i * p->ptr_size, found[i]);
	free(found);
	if (st == STATUS_SUCCESS)
		st = guest_write_ptr(p, count_ptr, count);
	return st;
}

ntstatus_t nt_reset_write_watch(struct nt_call *c, handle_t process, gptr_t base, uint64_t size)
{
	if (!size)
		return STATUS_INVALID_PARAMETER;
	ntstatus_t st = vm_check_process(c->proc, process, PROCESS_VM_OPERATION);
	return st != STATUS_SUCCESS ? st : vm_reset_write_watch(c->proc, base, size);
}

ntstatus_t nt_flush_process_write_buffers(struct nt_call *c)
{
	/* Every guest thread runs on the one host thread: each store is already visible to all
	 * of them when the next instruction runs. */
	return STATUS_SUCCESS;
}

ntstatus_t nt_are_mapped_files_the_same(struct nt_call *c, gptr_t addr1, gptr_t addr2)
{
	struct kprocess *p = c->proc;
	struct vm_basic_info i1, i2;
	if (vm_query(p, addr1, &i1) != STATUS_SUCCESS || vm_query(p, addr2, &i2) != STATUS_SUCCESS ||
	    i1.state == MEM_FREE || i2.state == MEM_FREE)
		return STATUS_INVALID_ADDRESS;
	struct ksection *s1 = vm_view_at(p, addr1, NULL), *s2 = vm_view_at(p, addr2, NULL);
	if (!s1 || !s2)
		return STATUS_CONFLICTING_ADDRESSES;
	if (s1 == s2)
		return STATUS_SUCCESS;
	/* Two sections over one file: the file's NT name identifies it. */
	if (s1->file_name && s2->file_name && s1->file_name_len == s2->file_name_len &&
	    !memcmp(s1->file_name, s2->file_name, s1->file_name_len * sizeof *s1->file_name))
		return STATUS_SUCCESS;
	return STATUS_NOT_SAME_DEVICE;
}
