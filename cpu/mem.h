/* Guest memory: 4 KiB pages with read/write/execute/guard state, mapped onto host memory that the
 * caller owns, with a software TLB for the interpreter's fast path.
 *
 * Every access is checked. The checked accessors return false and describe the fault; they never
 * touch host memory outside a mapped page. No host pointer is ever visible to the guest. */
#ifndef NTEMU_CPU_MEM_H
#define NTEMU_CPU_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GUEST_PAGE_SHIFT 12
#define GUEST_PAGE_SIZE (1u << GUEST_PAGE_SHIFT)
#define GUEST_PAGE_MASK ((uint64_t)GUEST_PAGE_SIZE - 1)
/* Canonical user addresses: the lower half of a 48-bit address space. */
#define GUEST_ADDR_LIMIT (1ull << 47)

enum gmem_prot {
	GMEM_READ = 1,
	GMEM_WRITE = 2,
	GMEM_EXEC = 4,
	GMEM_GUARD = 8, /* first access faults with guard=true; the kernel then clears the bit */
};

struct gmem_fault {
	uint64_t addr;  /* first guest address that could not be accessed */
	uint8_t access; /* enum mem_access (cpu.h): 0 read, 1 write, 8 execute */
	bool guard;
	bool unmapped;  /* no page at all (as opposed to a protection fault) */
};

#define GMEM_TLB_SIZE 256

struct gmem_tlb_entry {
	uint64_t tag;   /* guest page address; an odd value never matches */
	uint8_t *host;  /* host address of the page */
};

struct guest_mem {
	/* The interpreter's fast path: a hit is a mask, a compare and an add. The write TLB only
	 * holds pages without decoded code, so stores to code always take the slow path, which
	 * tells the block cache (self-modifying code). */
	struct gmem_tlb_entry tlb_read[GMEM_TLB_SIZE];
	struct gmem_tlb_entry tlb_write[GMEM_TLB_SIZE];
	void **root;              /* 4-level radix table over guest page numbers */
	/* Called when a page holding decoded code is written, re-protected or unmapped. */
	void (*code_changed)(void *ctx, uint64_t page_addr);
	void *code_ctx;
	struct gmem_owned *owned; /* host memory allocated by gmem_map_anon */
	size_t mapped_pages;
};

struct guest_mem *gmem_create(void);
void gmem_destroy(struct guest_mem *m);

/* Map [addr, addr+size) (page aligned) onto `host` (page-aligned host memory of `size` bytes,
 * owned by the caller and kept alive while mapped). Replaces existing pages. Two guest ranges may
 * map the same host memory (shared sections). Returns false on a bad range. */
bool gmem_map(struct guest_mem *m, uint64_t addr, uint64_t size, uint8_t *host, unsigned prot);
/* Like gmem_map with zero-filled host memory that the guest_mem owns until gmem_destroy. */
uint8_t *gmem_map_anon(struct guest_mem *m, uint64_t addr, uint64_t size, unsigned prot);
void gmem_unmap(struct guest_mem *m, uint64_t addr, uint64_t size);
/* Change protection of mapped pages (unmapped pages in the range are skipped). */
void gmem_protect(struct guest_mem *m, uint64_t addr, uint64_t size, unsigned prot);
/* Page state: false if unmapped. */
bool gmem_query(const struct guest_mem *m, uint64_t addr, unsigned *prot, uint8_t **host);

/* Checked accesses with the guest's permissions (guard pages fault). Nothing is written unless
 * the whole range is writable. */
bool gmem_read(struct guest_mem *m, uint64_t addr, void *dst, size_t n, struct gmem_fault *f);
bool gmem_write(struct guest_mem *m, uint64_t addr, const void *src, size_t n, struct gmem_fault *f);
/* Instruction fetch: needs execute permission. */
bool gmem_fetch(struct guest_mem *m, uint64_t addr, void *dst, size_t n, struct gmem_fault *f);
/* Kernel-side accesses that ignore protection (loader writes into read-only images, debugger
 * reads): only mapping is required. */
bool gmem_peek(struct guest_mem *m, uint64_t addr, void *dst, size_t n, struct gmem_fault *f);
bool gmem_poke(struct guest_mem *m, uint64_t addr, const void *src, size_t n, struct gmem_fault *f);

/* Host pointer for [addr, addr+n) if it lies in one page and `access` is allowed (the TLB refill
 * path of the interpreter). NULL with *f filled otherwise. A write to a code page notifies the
 * block cache first. */
uint8_t *gmem_translate(struct guest_mem *m, uint64_t addr, enum gmem_prot access, struct gmem_fault *f);

/* The block cache marks pages it decoded from; later writes to them are reported. */
void gmem_mark_code(struct guest_mem *m, uint64_t page_addr);

#endif
