/* Virtual memory of a guest process: the allocation (VAD) list behind kprocess.vm.
 *
 * Every guest-visible range belongs to one allocation ("region"): private memory
 * (NtAllocateVirtualMemory), a view of a section (MEM_MAPPED) or an image view (MEM_IMAGE).
 * A region has an AllocationBase, an AllocationProtect, a type and per-page state (reserved, or
 * committed with a PAGE_* protection). Its host memory is one mmap'd block per region (private
 * memory, image views, write-copy data views) or the section's memory (other data views, so
 * two views share their bytes); committed pages are mapped into guest memory with gmem_map,
 * reserved pages are not mapped. The allocation granularity is 64 KiB; NULL-address
 * allocations search bottom-up from VM_LOW_LIMIT (vm_set_alloc_start moves that start), or
 * top-down from the end of user space with MEM_TOP_DOWN.
 *
 * Anything the bootstrap puts in guest memory (stacks, TEB, PEB, KUSER_SHARED_DATA) must come
 * from here too, so allocations never land on it and NtQueryVirtualMemory describes it. */
#ifndef NTEMU_KERNEL_VM_H
#define NTEMU_KERNEL_VM_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/process.h"

/* MEM_* allocation types and states (winnt.h). */
enum {
	MEM_COMMIT = 0x1000,
	MEM_RESERVE = 0x2000,
	MEM_DECOMMIT = 0x4000,
	MEM_RELEASE = 0x8000,
	MEM_FREE = 0x10000,
	MEM_PRIVATE = 0x20000,
	MEM_MAPPED = 0x40000,
	MEM_RESET = 0x80000,
	MEM_TOP_DOWN = 0x100000,
	MEM_WRITE_WATCH = 0x200000,
	MEM_IMAGE = 0x1000000,
	MEM_LARGE_PAGES = 0x20000000,
};

/* PAGE_* protections (winnt.h). */
enum {
	PAGE_NOACCESS = 0x01,
	PAGE_READONLY = 0x02,
	PAGE_READWRITE = 0x04,
	PAGE_WRITECOPY = 0x08,
	PAGE_EXECUTE = 0x10,
	PAGE_EXECUTE_READ = 0x20,
	PAGE_EXECUTE_READWRITE = 0x40,
	PAGE_EXECUTE_WRITECOPY = 0x80,
	PAGE_GUARD = 0x100,
	PAGE_NOCACHE = 0x200,
	PAGE_WRITECOMBINE = 0x400,
};

/* Allocation granularity: NULL-address allocations and reservations start on 64 KiB. */
#define VM_GRANULARITY 0x10000ull
/* Lowest address an allocation may use: the first 64 KiB stay free (NULL-pointer guard). */
#define VM_LOW_LIMIT 0x10000ull
/* Exclusive upper ends of user space: 64-bit Windows' MmHighestUserAddress is 0x7ffffffeffff;
 * a 32-bit guest (not large-address-aware) ends below 0x7fff0000. */
#define VM_USER_LIMIT_64 0x7ffffffF0000ull
#define VM_USER_LIMIT_32 0x7fff0000ull

/* MEMORY_BASIC_INFORMATION, host side. */
struct vm_basic_info {
	uint64_t base;            /* BaseAddress: the query address rounded down to its page */
	uint64_t alloc_base;      /* 0 for free memory */
	uint32_t alloc_protect;
	uint64_t region_size;     /* pages from `base` on with the same state and protection */
	uint32_t state;           /* MEM_COMMIT, MEM_RESERVE or MEM_FREE */
	uint32_t protect;         /* 0 for reserved pages, PAGE_NOACCESS for free memory */
	uint32_t type;            /* MEM_PRIVATE, MEM_MAPPED, MEM_IMAGE; 0 when free */
};

/* MEMORY_REGION_INFORMATION, host side: the whole allocation. */
struct vm_region_info {
	uint64_t alloc_base;
	uint32_t alloc_protect;
	uint32_t type;
	uint64_t size;
	uint64_t committed;
};

bool vm_init(struct kprocess *p);
void vm_destroy(struct kprocess *p);

/* Exclusive end of the guest's user space (VM_USER_LIMIT_64 or _32). */
uint64_t vm_user_limit(const struct kprocess *p);
/* Where bottom-up NULL-address allocations start searching (default VM_LOW_LIMIT). */
void vm_set_alloc_start(struct kprocess *p, uint64_t addr);

/* Highest address (inclusive) a NULL-address allocation may use for a ZeroBits argument:
 * 0 = no constraint (returns 0); 1..31 = that many high zero bits of a 32-bit address (NT
 * counts them from bit 31 on x64 too); >= 32 = a mask (x64 only): every bit above its highest
 * set bit must be zero. */
uint64_t vm_zero_bits_limit(uint64_t zero_bits);

/* Validate a PAGE_* value: exactly one base protection, GUARD/NOCACHE/WRITECOMBINE only in the
 * combinations Windows accepts. */
bool vm_valid_protect(uint32_t protect);
/* The gmem permission bits of a PAGE_* value. */
unsigned vm_gmem_prot(uint32_t protect);

/* The engines of NtAllocateVirtualMemory / NtFreeVirtualMemory / NtProtectVirtualMemory on this
 * process, with the services' rounding, checks and statuses. *base and *size are in/out.
 * `limit` is the inclusive highest address for a NULL-address allocation (0: user space). */
ntstatus_t vm_allocate(struct kprocess *p, uint64_t *base, uint64_t *size, uint32_t type,
		       uint32_t protect, uint64_t limit);
ntstatus_t vm_free(struct kprocess *p, uint64_t *base, uint64_t *size, uint32_t type);
ntstatus_t vm_protect(struct kprocess *p, uint64_t *base, uint64_t *size, uint32_t protect,
		      uint32_t *old);
/* Lock/unlock committed pages (NtLockVirtualMemory): ntemu never pages anything out, so a lock
 * only records itself; unlocking pages that are not locked is STATUS_NOT_LOCKED as on NT. */
ntstatus_t vm_lock(struct kprocess *p, uint64_t *base, uint64_t *size, bool lock);

/* STATUS_INVALID_PARAMETER above user space. */
ntstatus_t vm_query(struct kprocess *p, uint64_t addr, struct vm_basic_info *out);
/* STATUS_INVALID_ADDRESS for free memory. */
ntstatus_t vm_query_region(struct kprocess *p, uint64_t addr, struct vm_region_info *out);

/* The exception path calls this on a guard-page fault: clears PAGE_GUARD of that page and
 * returns true if it was a guard page (STATUS_GUARD_PAGE_VIOLATION is then raised once). */
bool vm_clear_guard(struct kprocess *p, uint64_t addr);

/* Write watches of a MEM_WRITE_WATCH allocation holding [addr, addr+size) (else
 * STATUS_INVALID_PARAMETER): up to *count addresses of pages written since the last reset go
 * to `pages`, *count gets their number; `reset` restarts watching the pages looked at. */
ntstatus_t vm_get_write_watch(struct kprocess *p, uint64_t addr, uint64_t size, bool reset,
			      uint64_t *pages, uint64_t *count);
ntstatus_t vm_reset_write_watch(struct kprocess *p, uint64_t addr, uint64_t size);

/* A guard-page fault at `addr` inside a thread's stack, whose reserved bottom is
 * `dealloc_stack` (TEB.DeallocationStack): the stack grows as Wine's virtual_handle_stack_fault
 * grows it. The touched page loses its guard and the page below becomes the new committed
 * guard page, unless that would eat into the last page plus `guaranteed` bytes
 * (TEB.GuaranteedStackBytes, at least 2 pages on x64 / 1 on x86): then those are committed
 * without a guard and the result is STATUS_STACK_OVERFLOW (to be raised), else STATUS_SUCCESS
 * (resume, nothing is raised). *stack_limit gets the new TEB StackLimit. Returns
 * STATUS_GUARD_PAGE_VIOLATION, changing nothing, if addr's page is no guard page. */
ntstatus_t vm_stack_guard_fault(struct kprocess *p, uint64_t addr, uint64_t dealloc_stack,
				uint64_t guaranteed, uint64_t *stack_limit);

/* The whole guard-page fault path in one call, for the exception code: a fault at `addr`
 * inside the faulting thread's stack [dealloc_stack, stack_base) grows it
 * (vm_stack_guard_fault: STATUS_SUCCESS = resume silently with *stack_limit as the TEB's new
 * StackLimit, STATUS_STACK_OVERFLOW = raise that); elsewhere the page loses its guard and
 * STATUS_GUARD_PAGE_VIOLATION is to be raised, once. */
ntstatus_t vm_guard_fault(struct kprocess *p, uint64_t addr, uint64_t dealloc_stack,
			  uint64_t stack_base, uint64_t guaranteed, uint64_t *stack_limit);

/* Invalidate decoded code of [addr, addr+size) (NtFlushInstructionCache); size 0 with addr 0
 * drops the whole block cache. Needed after writes through another view of shared memory,
 * which the written page's own code tracking cannot see. */
void vm_flush_code(struct kprocess *p, uint64_t addr, uint64_t size);

/* ---- views (used by kernel/section.c) ---- */

struct ksection;

/* A view being placed. */
struct vm_view {
	uint32_t type;            /* MEM_MAPPED or MEM_IMAGE */
	uint32_t alloc_protect;
	uint8_t *host;            /* host memory of the whole view, page aligned */
	bool owns_host;           /* munmap'd when the view goes (image copies) */
	struct ksection *section; /* the view takes a reference */
	uint64_t offset;          /* where the view starts in the section */
};

/* Place a view of `size` bytes (page multiple): at *base if non-zero (64 KiB aligned,
 * STATUS_CONFLICTING_ADDRESSES if taken), else at a free 64 KiB-aligned address below
 * `limit` (inclusive; 0 = user space), top-down if asked. All pages start reserved; the
 * caller commits them with vm_set_pages. On failure the view's host memory is not touched. */
ntstatus_t vm_insert_view(struct kprocess *p, uint64_t *base, uint64_t size, uint64_t limit,
			  bool top_down, const struct vm_view *v);
/* Set the state of pages of an existing region: protect 0 = reserved (unmapped), else
 * committed with that PAGE_* protection (mapped onto the region's host memory). Committing
 * pages of a SEC_RESERVE section's view commits them in the section: every other view of it
 * gets them committed with its own protection. */
void vm_set_pages(struct kprocess *p, uint64_t addr, uint64_t size, uint32_t protect);
/* The section and view base of the view holding addr; NULL for private or free memory. */
struct ksection *vm_view_at(struct kprocess *p, uint64_t addr, uint64_t *view_base);
/* The same with the view's size and its offset in the section. */
struct ksection *vm_view_info(struct kprocess *p, uint64_t addr, uint64_t *view_base,
			      uint64_t *view_size, uint64_t *offset);
/* NtUnmapViewOfSection: STATUS_NOT_MAPPED_VIEW unless addr lies in a view. */
ntstatus_t vm_unmap_view(struct kprocess *p, uint64_t addr);
/* Whether the view of `s` at `base` is still mapped. */
bool vm_view_is(struct kprocess *p, uint64_t base, const struct ksection *s);

/* The process handle of a memory service must name this process (the only one there is):
 * checks the handle's type and `access` (PROCESS_VM_* rights). */
ntstatus_t vm_check_process(struct kprocess *p, handle_t process, uint32_t access);

/* Per-process cache of read-only file views (section_map_file_once): the view remembered
 * under `key`, if it is still mapped. */
bool vm_file_view_lookup(struct kprocess *p, const char *key, uint64_t *base, uint64_t *size);
bool vm_file_view_remember(struct kprocess *p, const char *key, uint64_t base, uint64_t size,
			   struct ksection *s);

/* ---- image mapping for the bootstrap ---- */

struct pe_image;

/* Map the PE image in host file `host_path` as a MEM_IMAGE view at its preferred base, the way
 * NtMapViewOfSection maps an image section (headers read-only, sections with their page
 * protections). STATUS_CONFLICTING_ADDRESSES when the preferred range is taken (no relocation:
 * the bootstrap decides). `nt_path` (UTF-8) is what MemoryMappedFilenameInformation reports.
 * *out, if given, receives the parsed headers. */
ntstatus_t vm_map_image(struct kprocess *p, const char *host_path, const char *nt_path,
			uint64_t *base, struct pe_image *out);

#endif
