/* The allocation list of a guest process (see vm.h).
 *
 * Regions are kept in an array sorted by base address. Each region has one 16-bit state per
 * page: 0 = reserved, otherwise the page's PAGE_* protection (committed), plus PG_LOCKED and,
 * in MEM_WRITE_WATCH allocations, PG_WRITTEN.
 * Committed pages are mapped onto the region's host memory; reserved pages are unmapped.
 *
 * Write-copy pages turn into read-write ones on their first write, as NT reports them once it
 * has copied the page. The first write is seen through guest memory's code tracking: write-copy
 * pages are marked like pages holding decoded code, so their first store reports the page
 * (vm_page_written, chained in front of the block cache's callback). Write watches
 * (MEM_WRITE_WATCH, NtGetWriteWatch) use the same marks on committed pages not yet written. */
#include "kernel/vm.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "kernel/section.h"

#define PAGE ((uint64_t)GUEST_PAGE_SIZE)
#define PG_PROT 0x07ffu
#define PG_LOCKED 0x8000u
#define PG_WRITTEN 0x4000u

struct region {
	uint64_t base, size;
	uint32_t alloc_protect;
	uint32_t type;              /* MEM_PRIVATE, MEM_MAPPED, MEM_IMAGE */
	uint16_t *pages;
	uint8_t *host;
	bool owns_host;             /* munmap this region's part of the host block on release */
	struct ksection *section;   /* views: the section they keep alive */
	uint64_t offset;            /* views: where they start in the section */
	bool write_watch;           /* MEM_WRITE_WATCH: PG_WRITTEN is tracked */
};

struct file_view {
	char *key;
	uint64_t base, size;
	struct ksection *section;
};

struct vm_space {
	struct kprocess *p;
	struct region **v;          /* sorted by base, never overlapping */
	size_t n, cap;
	uint64_t alloc_start;       /* bottom-up search start */
	uint64_t limit;             /* exclusive end of user space */
	struct file_view *files;
	size_t nfiles;
	/* The guest-memory callback this module is chained in front of (the block cache's). */
	void (*next_changed)(void *ctx, uint64_t page);
	void *next_ctx;
	bool quiet;                 /* this module is remapping or re-protecting pages itself */
};

static uint64_t round_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/* ---- protections ---- */

bool vm_valid_protect(uint32_t protect)
{
	uint32_t base = protect & 0xff;
	if (protect & ~0x7ffu)
		return false;
	if (!base || (base & (base - 1)))
		return false;
	/* NT refuses modifiers on no-access pages and the mutually exclusive cache modifiers. */
	if ((protect & (PAGE_GUARD | PAGE_NOCACHE | PAGE_WRITECOMBINE)) && base == PAGE_NOACCESS)
		return false;
	if ((protect & PAGE_NOCACHE) && (protect & (PAGE_GUARD | PAGE_WRITECOMBINE)))
		return false;
	if ((protect & PAGE_WRITECOMBINE) && (protect & PAGE_GUARD))
		return false;
	return true;
}

static bool is_writecopy(uint32_t protect)
{
	return protect & (PAGE_WRITECOPY | PAGE_EXECUTE_WRITECOPY);
}

unsigned vm_gmem_prot(uint32_t protect)
{
	static const struct {
		uint32_t page;
		unsigned gmem;
	} map[] = {
		{PAGE_NOACCESS, 0},
		{PAGE_READONLY, GMEM_READ},
		{PAGE_READWRITE, GMEM_READ | GMEM_WRITE},
		/* Write-copy pages have host memory of their own (image views, write-copy data
		 * views): the copy is made when the view is, so they are plainly writable. */
		{PAGE_WRITECOPY, GMEM_READ | GMEM_WRITE},
		/* x86 page tables cannot express execute-only: such pages are readable on Windows. */
		{PAGE_EXECUTE, GMEM_READ | GMEM_EXEC},
		{PAGE_EXECUTE_READ, GMEM_READ | GMEM_EXEC},
		{PAGE_EXECUTE_READWRITE, GMEM_READ | GMEM_WRITE | GMEM_EXEC},
		{PAGE_EXECUTE_WRITECOPY, GMEM_READ | GMEM_WRITE | GMEM_EXEC},
	};
	unsigned g = 0;
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if ((protect & 0xff) == map[i].page)
			g = map[i].gmem;
	return g | (protect & PAGE_GUARD ? GMEM_GUARD : 0);
}

uint64_t vm_zero_bits_limit(uint64_t zero_bits)
{
	if (!zero_bits)
		return 0;
	if (zero_bits < 32)
		return UINT64_MAX >> (32 + zero_bits);
	int top = 63 - __builtin_clzll(zero_bits);
	return top == 63 ? UINT64_MAX : (2ull << top) - 1;
}

/* ---- the region list ---- */

static struct region *region_at(const struct vm_space *vm, uint64_t addr);

/* A page marked in guest memory changed: a first write to a write-copy page makes it
 * read-write (remaps and re-protections by this module itself are not writes). The block
 * cache hears of every change as before. */
static void vm_page_written(void *ctx, uint64_t page)
{
	struct vm_space *vm = ctx;
	struct region *r = vm->quiet ? NULL : region_at(vm, page);
	if (r) {
		uint16_t *pg = &r->pages[(page - r->base) / PAGE];
		if (r->write_watch && (*pg & PG_PROT))
			*pg |= PG_WRITTEN;
		if ((*pg & 0xff) == PAGE_WRITECOPY)
			*pg = (uint16_t)((*pg & ~0xffu) | PAGE_READWRITE);
		else if ((*pg & 0xff) == PAGE_EXECUTE_WRITECOPY)
			*pg = (uint16_t)((*pg & ~0xffu) | PAGE_EXECUTE_READWRITE);
	}
	if (vm->next_changed)
		vm->next_changed(vm->next_ctx, page);
}

bool vm_init(struct kprocess *p)
{
	struct vm_space *vm = calloc(1, sizeof *vm);
	if (!vm)
		return false;
	vm->p = p;
	vm->alloc_start = VM_LOW_LIMIT;
	vm->limit = p->ptr_size == 4 ? VM_USER_LIMIT_32 : VM_USER_LIMIT_64;
	vm->next_changed = p->mem->code_changed;
	vm->next_ctx = p->mem->code_ctx;
	p->mem->code_changed = vm_page_written;
	p->mem->code_ctx = vm;
	p->vm = vm;
	return true;
}

uint64_t vm_user_limit(const struct kprocess *p)
{
	return p->vm->limit;
}

void vm_set_alloc_start(struct kprocess *p, uint64_t addr)
{
	p->vm->alloc_start = round_up(addr < VM_LOW_LIMIT ? VM_LOW_LIMIT : addr, VM_GRANULARITY);
}

/* Index of the first region whose end is above addr (n if none). */
static size_t first_ending_above(const struct vm_space *vm, uint64_t addr)
{
	size_t lo = 0, hi = vm->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (vm->v[mid]->base + vm->v[mid]->size <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct region *region_at(const struct vm_space *vm, uint64_t addr)
{
	size_t i = first_ending_above(vm, addr);
	return i < vm->n && vm->v[i]->base <= addr ? vm->v[i] : NULL;
}

/* The region holding all of [base, base+size) (size 0: the page at base). */
static struct region *region_holding(const struct vm_space *vm, uint64_t base, uint64_t size)
{
	struct region *r = region_at(vm, base);
	if (r && size > r->base + r->size - base)
		return NULL;
	return r;
}

static bool range_free(const struct vm_space *vm, uint64_t base, uint64_t size)
{
	size_t i = first_ending_above(vm, base);
	return i == vm->n || vm->v[i]->base >= base + size;
}

/* A free 64 KiB-aligned range of `size` bytes in [vm->alloc_start, end). */
static bool find_free(const struct vm_space *vm, uint64_t size, uint64_t end, bool top_down,
		      uint64_t *out)
{
	uint64_t low = vm->alloc_start;
	if (end <= low || size > end - low)
		return false;
	if (!top_down) {
		uint64_t cand = low;
		for (size_t i = first_ending_above(vm, cand); i < vm->n; i++) {
			const struct region *r = vm->v[i];
			if (cand >= end || size > end - cand)
				return false;
			if (r->base >= cand + size)
				break;
			cand = round_up(r->base + r->size, VM_GRANULARITY);
		}
		if (cand >= end || size > end - cand)
			return false;
		*out = cand;
		return true;
	}
	uint64_t cand = (end - size) & ~(VM_GRANULARITY - 1);
	for (size_t i = vm->n; i-- > 0;) {
		const struct region *r = vm->v[i];
		if (r->base >= cand + size)
			continue;
		if (r->base + r->size <= cand)
			break;
		if (r->base < low + size)
			return false;
		cand = (r->base - size) & ~(VM_GRANULARITY - 1);
	}
	if (cand < low)
		return false;
	*out = cand;
	return true;
}

static bool insert_region(struct vm_space *vm, struct region *r)
{
	if (vm->n == vm->cap) {
		size_t cap = vm->cap ? vm->cap * 2 : 16;
		struct region **v = realloc(vm->v, cap * sizeof *v);
		if (!v)
			return false;
		vm->v = v;
		vm->cap = cap;
	}
	size_t i = first_ending_above(vm, r->base);
	memmove(vm->v + i + 1, vm->v + i, (vm->n - i) * sizeof *vm->v);
	vm->v[i] = r;
	vm->n++;
	return true;
}

static void remove_region(struct vm_space *vm, struct region *r)
{
	size_t i = first_ending_above(vm, r->base);
	memmove(vm->v + i, vm->v + i + 1, (vm->n - i - 1) * sizeof *vm->v);
	vm->n--;
}

/* A new region in vm (every page free of state), or NULL with nothing changed and `host` left
 * to the caller. */
static struct region *add_region(struct vm_space *vm, uint64_t base, uint64_t size,
				 uint32_t alloc_protect, uint32_t type, uint8_t *host, bool owns_host)
{
	struct region *r = calloc(1, sizeof *r);
	uint16_t *pages = calloc(size / PAGE, sizeof *pages);
	if (!r || !pages) {
		free(r);
		free(pages);
		return NULL;
	}
	*r = (struct region){base, size, alloc_protect, type, pages, host, owns_host, NULL, 0, false};
	if (!insert_region(vm, r)) {
		free(pages);
		free(r);
		return NULL;
	}
	return r;
}

/* Where a new allocation of `size` goes: at *base when one is given (the range must be free),
 * else the first free 64 KiB-aligned range below `limit` (0: the top of user space), searched
 * from the top when top_down. */
static ntstatus_t place(const struct vm_space *vm, uint64_t *base, uint64_t size, uint64_t limit,
			bool top_down)
{
	if (*base)
		return range_free(vm, *base, size) ? STATUS_SUCCESS : STATUS_CONFLICTING_ADDRESSES;
	uint64_t end = vm->limit;
	if (limit && limit < end - 1)
		end = limit + 1;
	return find_free(vm, size, end, top_down, base) ? STATUS_SUCCESS : STATUS_NO_MEMORY;
}

static uint8_t *host_alloc(uint64_t size)
{
	/* Reserved address space costs the host nothing until touched; untouched pages read 0. */
	void *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		       -1, 0);
	return m == MAP_FAILED ? NULL : m;
}

/* Whether page state `pg` of r needs its first write reported. */
static bool wants_mark(const struct region *r, uint16_t pg)
{
	return is_writecopy(pg & PG_PROT) || (r->write_watch && (pg & PG_PROT) && !(pg & PG_WRITTEN));
}

/* Map pages [first, first+count) of r into guest memory as their states say. */
static void map_pages(struct kprocess *p, struct region *r, uint64_t first, uint64_t count)
{
	uint64_t i = first, end = first + count;
	p->vm->quiet = true;
	while (i < end) {
		uint16_t prot = r->pages[i] & PG_PROT;
		uint64_t j = i + 1;
		while (j < end && (r->pages[j] & PG_PROT) == prot)
			j++;
		uint64_t addr = r->base + i * PAGE, len = (j - i) * PAGE;
		if (prot)
			gmem_map(p->mem, addr, len, r->host + i * PAGE, vm_gmem_prot(prot));
		else
			gmem_unmap(p->mem, addr, len);
		for (uint64_t k = i; k < j; k++)
			if (wants_mark(r, r->pages[k]))
				gmem_mark_code(p->mem, r->base + k * PAGE);
		i = j;
	}
	p->vm->quiet = false;
}

/* Give a mapped page of r its protection again (dropping its decoded code), keeping its
 * first-write mark. */
static void reprotect(struct kprocess *p, const struct region *r, uint64_t page)
{
	uint16_t pg = r->pages[(page - r->base) / PAGE];
	p->vm->quiet = true;
	gmem_protect(p->mem, page, PAGE, vm_gmem_prot(pg & PG_PROT));
	if (wants_mark(r, pg))
		gmem_mark_code(p->mem, page);
	p->vm->quiet = false;
}

static void set_pages(struct kprocess *p, struct region *r, uint64_t first, uint64_t count,
		      uint32_t protect)
{
	for (uint64_t i = first; i < first + count; i++)
		r->pages[i] = protect ? (uint16_t)(protect | (r->pages[i] & (PG_LOCKED | PG_WRITTEN))) : 0;
	map_pages(p, r, first, count);
}

/* Pages [first, first+count) of view r were committed: so are they in its SEC_RESERVE section
 * and in every other view of it that had them reserved. */
static void commit_in_section(struct kprocess *p, const struct region *r, uint64_t first,
			      uint64_t count)
{
	struct ksection *s = r->section;
	uint64_t start = r->offset / PAGE + first, end = start + count;
	memset(s->committed + start, 1, count);
	struct vm_space *vm = p->vm;
	for (size_t k = 0; k < vm->n; k++) {
		struct region *o = vm->v[k];
		if (o == r || o->section != s)
			continue;
		uint64_t ostart = o->offset / PAGE, oend = ostart + o->size / PAGE;
		for (uint64_t pg = start > ostart ? start : ostart; pg < end && pg < oend; pg++)
			if (!(o->pages[pg - ostart] & PG_PROT))
				set_pages(p, o, pg - ostart, 1, o->alloc_protect);
	}
}

void vm_set_pages(struct kprocess *p, uint64_t addr, uint64_t size, uint32_t protect)
{
	struct region *r = region_holding(p->vm, addr, size);
	if (!r || !size)
		return;
	uint64_t first = (addr - r->base) / PAGE, count = size / PAGE;
	set_pages(p, r, first, count, protect);
	if (protect && r->section && r->section->committed)
		commit_in_section(p, r, first, count);
}

/* Free a region's own resources (host memory it owns, its section reference). */
static void free_region(struct region *r)
{
	if (r->owns_host)
		munmap(r->host, r->size);
	if (r->section)
		object_unref(r->section);
	free(r->pages);
	free(r);
}

/* Remove a whole region from the address space. */
static void release_region(struct kprocess *p, struct region *r)
{
	p->vm->quiet = true;
	gmem_unmap(p->mem, r->base, r->size);
	p->vm->quiet = false;
	remove_region(p->vm, r);
	free_region(r);
}

void vm_destroy(struct kprocess *p)
{
	struct vm_space *vm = p->vm;
	if (!vm)
		return;
	/* The guest memory goes right after: its pages are not unmapped one by one (which would
	 * also report code changes to a block cache whose threads are gone). */
	p->mem->code_changed = vm->next_changed;
	p->mem->code_ctx = vm->next_ctx;
	for (size_t i = 0; i < vm->n; i++)
		free_region(vm->v[i]);
	for (size_t i = 0; i < vm->nfiles; i++) {
		free(vm->files[i].key);
		object_unref(vm->files[i].section);
	}
	free(vm->files);
	free(vm->v);
	free(vm);
	p->vm = NULL;
}

/* ---- services ---- */

ntstatus_t vm_check_process(struct kprocess *p, handle_t process, uint32_t access)
{
	void *obj;
	ntstatus_t st = process_ref_handle(p, process, OBJ_PROCESS, access, &obj);
	if (st != STATUS_SUCCESS)
		return st;
	object_unref(obj);
	/* FIXME: another process's memory (only one process exists so far). */
	return obj == &p->obj ? STATUS_SUCCESS : STATUS_NOT_SUPPORTED;
}

static bool is_data_view_of_file(const struct region *r)
{
	return r->type == MEM_IMAGE || (r->section && (r->section->attributes & SEC_FILE));
}

/* A view of a section whose protection does not allow `protect`. */
static bool exceeds_section(const struct region *r, uint32_t protect)
{
	if (!r->section || r->type == MEM_IMAGE)
		return false;
	uint32_t sp = r->section->protect & 0xff, np = protect & 0xff;
	bool s_write = sp & (PAGE_READWRITE | PAGE_EXECUTE_READWRITE);
	bool s_exec = sp & (PAGE_EXECUTE | PAGE_EXECUTE_READ | PAGE_EXECUTE_READWRITE | PAGE_EXECUTE_WRITECOPY);
	bool n_write = np & (PAGE_READWRITE | PAGE_EXECUTE_READWRITE);
	bool n_exec = np & (PAGE_EXECUTE | PAGE_EXECUTE_READ | PAGE_EXECUTE_READWRITE | PAGE_EXECUTE_WRITECOPY);
	return (n_write && !s_write) || (n_exec && !s_exec);
}

/* An image view's pages are copy-on-write: read-write requests become write-copy (Wine's
 * get_vprot_flags for images, and what Windows reports). */
static uint32_t image_protect(uint32_t protect)
{
	uint32_t base = protect & 0xff, mods = protect & ~0xffu;
	if (base == PAGE_READWRITE)
		return PAGE_WRITECOPY | mods;
	if (base == PAGE_EXECUTE_READWRITE)
		return PAGE_EXECUTE_WRITECOPY | mods;
	return protect;
}

ntstatus_t vm_allocate(struct kprocess *p, uint64_t *base_io, uint64_t *size_io, uint32_t type,
		       uint32_t protect, uint64_t limit)
{
	struct vm_space *vm = p->vm;
	uint64_t addr = *base_io, size = *size_io, base;
	if (!size)
		return STATUS_INVALID_PARAMETER;
	/* Wine answers STATUS_WORKING_SET_LIMIT_RANGE, an informational code callers would take
	 * for success; a size beyond user space is an invalid parameter. */
	if (size >= vm->limit)
		return STATUS_INVALID_PARAMETER;
	if (!(type & (MEM_COMMIT | MEM_RESERVE | MEM_RESET)) ||
	    (type & ~(MEM_COMMIT | MEM_RESERVE | MEM_TOP_DOWN | MEM_WRITE_WATCH | MEM_RESET)))
		return STATUS_INVALID_PARAMETER;
	/* MEM_RESET applies to existing memory and cannot be combined with an allocation
	 * (VirtualAlloc documentation). */
	if ((type & MEM_RESET) && ((type & (MEM_COMMIT | MEM_RESERVE)) || !addr))
		return STATUS_INVALID_PARAMETER;
	/* A write watch is a property of a reservation. */
	if ((type & MEM_WRITE_WATCH) && addr && !(type & MEM_RESERVE))
		return STATUS_INVALID_PARAMETER;

	if (addr) {
		base = addr & ~((type & MEM_RESERVE ? VM_GRANULARITY : PAGE) - 1);
		uint64_t end = addr + size;
		if (end < addr || end > UINT64_MAX - PAGE)
			return STATUS_INVALID_PARAMETER;
		size = round_up(end, PAGE) - base;
		/* The low 64 KiB and everything above user space are off limits (Wine's checks). */
		if (base < VM_LOW_LIMIT || base >= vm->limit || size > vm->limit - base)
			return STATUS_INVALID_PARAMETER;
	} else {
		base = 0;
		size = round_up(size, PAGE);
	}

	if ((type & MEM_RESERVE) || !addr) {
		if (!vm_valid_protect(protect) || is_writecopy(protect))
			return STATUS_INVALID_PAGE_PROTECTION;
		/* base is 0 exactly when no address was given (a given one is above VM_LOW_LIMIT). */
		ntstatus_t st = place(vm, &base, size, limit, type & MEM_TOP_DOWN);
		if (st != STATUS_SUCCESS)
			return st;
		uint8_t *host = host_alloc(size);
		struct region *r = host ? add_region(vm, base, size, protect, MEM_PRIVATE, host, true) : NULL;
		if (!r) {
			if (host)
				munmap(host, size);
			return STATUS_NO_MEMORY;
		}
		r->write_watch = type & MEM_WRITE_WATCH;
		if (type & MEM_COMMIT)
			vm_set_pages(p, base, size, protect);
	} else {
		struct region *r = region_holding(vm, base, size);
		if (!r)
			return STATUS_NOT_MAPPED_VIEW;
		if (type & MEM_RESET) {
			/* FIXME: contents are kept; MEM_RESET only allows discarding them. */
		} else {
			if (is_data_view_of_file(r))
				return STATUS_ALREADY_COMMITTED;
			/* More than the section allows: Wine says INVALID_PAGE_PROTECTION here too. */
			if (!vm_valid_protect(protect) || (!r->section && is_writecopy(protect)) ||
			    exceeds_section(r, protect))
				return STATUS_INVALID_PAGE_PROTECTION;
			vm_set_pages(p, base, size, protect);
		}
	}
	*base_io = base;
	*size_io = size;
	return STATUS_SUCCESS;
}

ntstatus_t vm_free(struct kprocess *p, uint64_t *base_io, uint64_t *size_io, uint32_t type)
{
	uint64_t addr = *base_io, size = *size_io;
	uint64_t base = addr & ~(PAGE - 1);
	if (size) {
		if (addr + size < addr)
			return STATUS_INVALID_PARAMETER;
		size = round_up(addr + size, PAGE) - base;
	}
	if (!base)
		return STATUS_INVALID_PARAMETER;
	struct region *r = region_at(p->vm, base);
	if (!r)
		return STATUS_MEMORY_NOT_ALLOCATED;
	if (r->type != MEM_PRIVATE)
		return STATUS_INVALID_PARAMETER;
	if (!size && base != r->base)
		return STATUS_FREE_VM_NOT_AT_BASE;
	if (r->base + r->size - base < size)
		return STATUS_UNABLE_TO_FREE_VM;
	uint64_t off = base - r->base;
	switch (type) {
	case MEM_DECOMMIT:
		if (!size)
			size = r->size;
		vm_set_pages(p, base, size, 0);
		/* Decommitted pages read as zero when committed again. */
		madvise(r->host + off, size, MADV_DONTNEED);
		break;
	case MEM_RELEASE:
		/* Whole allocations only: Wine 8 refuses a part with STATUS_INVALID_PARAMETER. */
		if (!size)
			size = r->size;
		if (off || size != r->size)
			return STATUS_INVALID_PARAMETER;
		release_region(p, r);
		break;
	default:
		return STATUS_INVALID_PARAMETER;
	}
	*base_io = base;
	*size_io = size;
	return STATUS_SUCCESS;
}

/* Whether every page of [base, base+size) in r is committed. */
static bool all_committed(const struct region *r, uint64_t base, uint64_t size)
{
	for (uint64_t a = base; a < base + size; a += PAGE)
		if (!(r->pages[(a - r->base) / PAGE] & PG_PROT))
			return false;
	return true;
}

ntstatus_t vm_protect(struct kprocess *p, uint64_t *base_io, uint64_t *size_io, uint32_t protect,
		      uint32_t *old)
{
	uint64_t addr = *base_io, base = addr & ~(PAGE - 1);
	if (addr + *size_io < addr)
		return STATUS_INVALID_PARAMETER;
	uint64_t size = round_up(addr + *size_io, PAGE) - base;
	struct region *r = region_holding(p->vm, base, size);
	/* A range that is not inside one allocation: Windows says CONFLICTING_ADDRESSES (Wine
	 * STATUS_INVALID_PARAMETER). */
	if (!r)
		return STATUS_CONFLICTING_ADDRESSES;
	if (!all_committed(r, base, size ? size : PAGE))
		return STATUS_NOT_COMMITTED;
	/* Beyond the section's protection: STATUS_INVALID_PAGE_PROTECTION (as Wine answers). */
	if (!vm_valid_protect(protect) || (!r->section && is_writecopy(protect)) ||
	    exceeds_section(r, protect))
		return STATUS_INVALID_PAGE_PROTECTION;
	if (r->type == MEM_IMAGE)
		protect = image_protect(protect);
	*old = r->pages[(base - r->base) / PAGE] & PG_PROT;
	vm_set_pages(p, base, size, protect);
	*base_io = base;
	*size_io = size;
	return STATUS_SUCCESS;
}

ntstatus_t vm_lock(struct kprocess *p, uint64_t *base_io, uint64_t *size_io, bool lock)
{
	uint64_t addr = *base_io, base = addr & ~(PAGE - 1);
	if (addr + *size_io < addr)
		return STATUS_INVALID_PARAMETER;
	uint64_t size = round_up(addr + *size_io, PAGE) - base;
	struct region *r = region_holding(p->vm, base, size);
	if (!r || !all_committed(r, base, size))
		return STATUS_NOT_COMMITTED;
	uint16_t *pg = r->pages + (base - r->base) / PAGE;
	if (!lock)
		for (uint64_t i = 0; i < size / PAGE; i++)
			if (!(pg[i] & PG_LOCKED))
				return STATUS_NOT_LOCKED;
	for (uint64_t i = 0; i < size / PAGE; i++)
		pg[i] = lock ? pg[i] | PG_LOCKED : pg[i] & ~PG_LOCKED;
	*base_io = base;
	*size_io = size;
	return STATUS_SUCCESS;
}

ntstatus_t vm_query(struct kprocess *p, uint64_t addr, struct vm_basic_info *out)
{
	struct vm_space *vm = p->vm;
	uint64_t page = addr & ~(PAGE - 1);
	if (page >= vm->limit)
		return STATUS_INVALID_PARAMETER;
	*out = (struct vm_basic_info){.base = page};
	size_t i = first_ending_above(vm, page);
	if (i == vm->n || vm->v[i]->base > page) {
		uint64_t next = i < vm->n ? vm->v[i]->base : vm->limit;
		out->region_size = next - page;
		out->state = MEM_FREE;
		out->protect = PAGE_NOACCESS;
		return STATUS_SUCCESS;
	}
	const struct region *r = vm->v[i];
	uint64_t first = (page - r->base) / PAGE, n = r->size / PAGE, j = first + 1;
	uint16_t prot = r->pages[first] & PG_PROT;
	while (j < n && (r->pages[j] & PG_PROT) == prot)
		j++;
	out->alloc_base = r->base;
	out->alloc_protect = r->alloc_protect;
	out->region_size = (j - first) * PAGE;
	out->state = prot ? MEM_COMMIT : MEM_RESERVE;
	out->protect = prot;
	out->type = r->type;
	return STATUS_SUCCESS;
}

ntstatus_t vm_query_region(struct kprocess *p, uint64_t addr, struct vm_region_info *out)
{
	const struct region *r = region_at(p->vm, addr & ~(PAGE - 1));
	if (!r)
		return STATUS_INVALID_ADDRESS;
	uint64_t committed = 0;
	for (uint64_t i = 0; i < r->size / PAGE; i++)
		if (r->pages[i] & PG_PROT)
			committed += PAGE;
	*out = (struct vm_region_info){r->base, r->alloc_protect, r->type, r->size, committed};
	return STATUS_SUCCESS;
}

bool vm_clear_guard(struct kprocess *p, uint64_t addr)
{
	uint64_t page = addr & ~(PAGE - 1);
	struct region *r = region_at(p->vm, page);
	if (!r)
		return false;
	uint16_t *pg = &r->pages[(page - r->base) / PAGE];
	if (!(*pg & PG_PROT) || !(*pg & PAGE_GUARD))
		return false;
	*pg &= ~PAGE_GUARD;
	reprotect(p, r, page);
	return true;
}

/* The write-watch allocation holding the pages of [addr, addr+*size), or NULL (also for a
 * range that wraps); *base and *size become those pages. */
static struct region *watched(struct kprocess *p, uint64_t addr, uint64_t *base, uint64_t *size)
{
	*base = addr & ~(PAGE - 1);
	if (addr + *size < addr)
		return NULL;
	*size = round_up(addr + *size, PAGE) - *base;
	struct region *r = *size ? region_holding(p->vm, *base, *size) : NULL;
	return r && r->write_watch ? r : NULL;
}

/* Forget the writes to [base, base+size) of r and watch for the next ones. */
static void reset_watch(struct kprocess *p, struct region *r, uint64_t base, uint64_t size)
{
	for (uint64_t a = base; a < base + size; a += PAGE) {
		uint16_t *pg = &r->pages[(a - r->base) / PAGE];
		if (*pg & PG_WRITTEN) {
			*pg &= ~PG_WRITTEN;
			gmem_mark_code(p->mem, a);
		}
	}
}

ntstatus_t vm_get_write_watch(struct kprocess *p, uint64_t addr, uint64_t size, bool reset,
			      uint64_t *pages, uint64_t *count)
{
	uint64_t base;
	struct region *r = watched(p, addr, &base, &size);
	if (!r)
		return STATUS_INVALID_PARAMETER;
	uint64_t n = 0, a = base;
	for (; a < base + size && n < *count; a += PAGE)
		if (r->pages[(a - r->base) / PAGE] & PG_WRITTEN)
			pages[n++] = a;
	/* Wine resets what it looked at: up to where the list filled up. */
	if (reset)
		reset_watch(p, r, base, a - base);
	*count = n;
	return STATUS_SUCCESS;
}

ntstatus_t vm_reset_write_watch(struct kprocess *p, uint64_t addr, uint64_t size)
{
	uint64_t base;
	struct region *r = watched(p, addr, &base, &size);
	if (!r)
		return STATUS_INVALID_PARAMETER;
	reset_watch(p, r, base, size);
	return STATUS_SUCCESS;
}

ntstatus_t vm_stack_guard_fault(struct kprocess *p, uint64_t addr, uint64_t dealloc_stack,
				uint64_t guaranteed, uint64_t *stack_limit)
{
	uint64_t page = addr & ~(PAGE - 1);
	struct region *r = region_at(p->vm, page);
	if (!r)
		return STATUS_GUARD_PAGE_VIOLATION;
	uint16_t prot = r->pages[(page - r->base) / PAGE] & PG_PROT;
	if (!prot || !(prot & PAGE_GUARD))
		return STATUS_GUARD_PAGE_VIOLATION;
	uint64_t min = p->ptr_size == 8 ? 2 * PAGE : PAGE;
	guaranteed = round_up(guaranteed < min ? min : guaranteed, PAGE);
	vm_set_pages(p, page, PAGE, prot & ~PAGE_GUARD);
	if (page >= dealloc_stack + PAGE + guaranteed) {
		vm_set_pages(p, page - PAGE, PAGE, prot);
		*stack_limit = page;
		return STATUS_SUCCESS;
	}
	/* Inside the guaranteed space: hand it out (no more guard) and report the overflow. */
	vm_set_pages(p, dealloc_stack + PAGE, guaranteed, prot & ~PAGE_GUARD);
	*stack_limit = dealloc_stack + PAGE;
	return STATUS_STACK_OVERFLOW;
}

ntstatus_t vm_guard_fault(struct kprocess *p, uint64_t addr, uint64_t dealloc_stack,
			  uint64_t stack_base, uint64_t guaranteed, uint64_t *stack_limit)
{
	if (addr >= dealloc_stack && addr < stack_base) {
		ntstatus_t st = vm_stack_guard_fault(p, addr, dealloc_stack, guaranteed, stack_limit);
		if (st != STATUS_GUARD_PAGE_VIOLATION)
			return st;
	}
	vm_clear_guard(p, addr);
	return STATUS_GUARD_PAGE_VIOLATION;
}

void vm_flush_code(struct kprocess *p, uint64_t addr, uint64_t size)
{
	struct vm_space *vm = p->vm;
	if (!addr && !size) {
		block_cache_flush(p->cache);
		return;
	}
	uint64_t end = addr + size < addr ? UINT64_MAX : addr + size;
	/* Re-protecting a page with its own protection makes gmem report its decoded code as
	 * changed, which drops exactly the blocks decoded from it. Only allocations hold pages,
	 * so a huge range costs no more than the memory inside it. */
	for (size_t i = first_ending_above(vm, addr & ~(PAGE - 1)); i < vm->n && vm->v[i]->base < end; i++) {
		const struct region *r = vm->v[i];
		uint64_t from = addr > r->base ? addr & ~(PAGE - 1) : r->base;
		uint64_t to = end < r->base + r->size ? end : r->base + r->size;
		for (uint64_t a = from; a < to; a += PAGE) {
			if (r->pages[(a - r->base) / PAGE] & PG_PROT)
				reprotect(p, r, a);
		}
	}
}

/* ---- views ---- */

ntstatus_t vm_insert_view(struct kprocess *p, uint64_t *base, uint64_t size, uint64_t limit,
			  bool top_down, const struct vm_view *v)
{
	struct vm_space *vm = p->vm;
	uint64_t at = *base;
	if (at && (at < VM_LOW_LIMIT || at >= vm->limit || size > vm->limit - at))
		return STATUS_INVALID_PARAMETER;
	ntstatus_t st = place(vm, &at, size, limit, top_down);
	if (st != STATUS_SUCCESS)
		return st;
	struct region *r = add_region(vm, at, size, v->alloc_protect, v->type, v->host, v->owns_host);
	if (!r)
		return STATUS_NO_MEMORY;
	r->section = object_ref(v->section);
	r->offset = v->offset;
	*base = at;
	return STATUS_SUCCESS;
}

struct ksection *vm_view_at(struct kprocess *p, uint64_t addr, uint64_t *view_base)
{
	struct region *r = region_at(p->vm, addr);
	if (!r || !r->section)
		return NULL;
	if (view_base)
		*view_base = r->base;
	return r->section;
}

struct ksection *vm_view_info(struct kprocess *p, uint64_t addr, uint64_t *view_base,
			      uint64_t *view_size, uint64_t *offset)
{
	struct region *r = region_at(p->vm, addr);
	if (!r || !r->section)
		return NULL;
	*view_base = r->base;
	*view_size = r->size;
	*offset = r->offset;
	return r->section;
}

bool vm_view_is(struct kprocess *p, uint64_t base, const struct ksection *s)
{
	uint64_t at = 0;
	return vm_view_at(p, base, &at) == s && at == base;
}

ntstatus_t vm_unmap_view(struct kprocess *p, uint64_t addr)
{
	struct region *r = region_at(p->vm, addr);
	if (!r || !r->section)
		return STATUS_NOT_MAPPED_VIEW;
	release_region(p, r);
	return STATUS_SUCCESS;
}

bool vm_file_view_lookup(struct kprocess *p, const char *key, uint64_t *base, uint64_t *size)
{
	struct vm_space *vm = p->vm;
	for (size_t i = 0; i < vm->nfiles; i++) {
		const struct file_view *f = &vm->files[i];
		if (strcmp(f->key, key))
			continue;
		/* The guest may have unmapped it (then it is mapped afresh). */
		if (!vm_view_is(p, f->base, f->section))
			return false;
		*base = f->base;
		*size = f->size;
		return true;
	}
	return false;
}

bool vm_file_view_remember(struct kprocess *p, const char *key, uint64_t base, uint64_t size,
			   struct ksection *s)
{
	struct vm_space *vm = p->vm;
	struct file_view *f = NULL;
	for (size_t i = 0; i < vm->nfiles; i++)
		if (!strcmp(vm->files[i].key, key))
			f = &vm->files[i];
	if (!f) {
		char *k = strdup(key);
		struct file_view *v = k ? realloc(vm->files, (vm->nfiles + 1) * sizeof *v) : NULL;
		if (!v) {
			free(k);
			return false;
		}
		vm->files = v;
		f = &vm->files[vm->nfiles++];
		*f = (struct file_view){.key = k};
	}
	/* The cache holds its section so the identity check above never sees a reused one. */
	object_ref(s);
	if (f->section)
		object_unref(f->section);
	f->section = s;
	f->base = base;
	f->size = size;
	return true;
}
