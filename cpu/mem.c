#include "cpu/mem.h"

#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"

/* Guest page numbers have 35 significant bits (47-bit addresses); four 9-bit levels cover 36. */
#define LEVEL_BITS 9
#define LEVEL_SIZE (1u << LEVEL_BITS)
#define LEVELS 4

enum { PAGE_CODE = 0x80 }; /* internal flag next to enum gmem_prot */

struct gpage {
	uint8_t *host;
	uint8_t prot; /* enum gmem_prot | PAGE_CODE; 0 with host == NULL: unmapped */
};

struct gmem_owned {
	struct gmem_owned *next;
	void *mem;
};

static void tlb_flush_page(struct guest_mem *m, uint64_t page)
{
	unsigned i = (page >> GUEST_PAGE_SHIFT) & (GMEM_TLB_SIZE - 1);
	if (m->tlb_read[i].tag == page)
		m->tlb_read[i].tag = 1;
	if (m->tlb_write[i].tag == page)
		m->tlb_write[i].tag = 1;
}

static void tlb_flush_all(struct guest_mem *m)
{
	for (unsigned i = 0; i < GMEM_TLB_SIZE; i++)
		m->tlb_read[i].tag = m->tlb_write[i].tag = 1;
}

static void tlb_flush_range(struct guest_mem *m, uint64_t addr, uint64_t size)
{
	if (size / GUEST_PAGE_SIZE >= GMEM_TLB_SIZE) {
		tlb_flush_all(m);
		return;
	}
	for (uint64_t p = addr; p < addr + size; p += GUEST_PAGE_SIZE)
		tlb_flush_page(m, p);
}

struct guest_mem *gmem_create(void)
{
	struct guest_mem *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	m->root = calloc(LEVEL_SIZE, sizeof(void *));
	if (!m->root) {
		free(m);
		return NULL;
	}
	tlb_flush_all(m);
	return m;
}

static void free_level(void **table, int depth)
{
	if (!table)
		return;
	if (depth < LEVELS - 1)
		for (unsigned i = 0; i < LEVEL_SIZE; i++)
			free_level(table[i], depth + 1);
	free(table);
}

void gmem_destroy(struct guest_mem *m)
{
	if (!m)
		return;
	free_level(m->root, 0);
	for (struct gmem_owned *o = m->owned, *next; o; o = next) {
		next = o->next;
		free(o->mem);
		free(o);
	}
	free(m);
}

static unsigned level_index(uint64_t vpn, int depth)
{
	return (vpn >> (LEVEL_BITS * (LEVELS - 1 - depth))) & (LEVEL_SIZE - 1);
}

/* The page entry for `addr`, created on demand when `create`. */
static struct gpage *page_entry(const struct guest_mem *m, uint64_t addr, bool create)
{
	if (addr >= GUEST_ADDR_LIMIT)
		return NULL;
	uint64_t vpn = addr >> GUEST_PAGE_SHIFT;
	void **table = m->root;
	for (int depth = 0; depth < LEVELS - 1; depth++) {
		void **slot = &table[level_index(vpn, depth)];
		if (!*slot) {
			if (!create)
				return NULL;
			size_t n = depth == LEVELS - 2 ? sizeof(struct gpage) : sizeof(void *);
			*slot = calloc(LEVEL_SIZE, n);
			if (!*slot)
				return NULL;
		}
		table = *slot;
	}
	return &((struct gpage *)table)[level_index(vpn, LEVELS - 1)];
}

static bool range_ok(uint64_t addr, uint64_t size)
{
	return !(addr & GUEST_PAGE_MASK) && !(size & GUEST_PAGE_MASK) && size &&
	       addr < GUEST_ADDR_LIMIT && size <= GUEST_ADDR_LIMIT - addr;
}

static void code_changed(struct guest_mem *m, struct gpage *p, uint64_t page)
{
	if (!(p->prot & PAGE_CODE))
		return;
	p->prot &= ~PAGE_CODE;
	if (m->code_changed)
		m->code_changed(m->code_ctx, page);
}

bool gmem_map(struct guest_mem *m, uint64_t addr, uint64_t size, uint8_t *host, unsigned prot)
{
	if (!range_ok(addr, size) || !host)
		return false;
	for (uint64_t off = 0; off < size; off += GUEST_PAGE_SIZE) {
		struct gpage *p = page_entry(m, addr + off, true);
		if (!p)
			return false;
		if (p->host)
			code_changed(m, p, addr + off);
		else
			m->mapped_pages++;
		p->host = host + off;
		p->prot = prot & (GMEM_READ | GMEM_WRITE | GMEM_EXEC | GMEM_GUARD);
	}
	tlb_flush_range(m, addr, size);
	return true;
}

uint8_t *gmem_map_anon(struct guest_mem *m, uint64_t addr, uint64_t size, unsigned prot)
{
	if (!range_ok(addr, size))
		return NULL;
	struct gmem_owned *o = malloc(sizeof *o);
	uint8_t *mem = aligned_alloc(GUEST_PAGE_SIZE, size);
	if (!o || !mem || !gmem_map(m, addr, size, mem, prot)) {
		free(o);
		free(mem);
		return NULL;
	}
	memset(mem, 0, size);
	o->mem = mem;
	o->next = m->owned;
	m->owned = o;
	return mem;
}

void gmem_unmap(struct guest_mem *m, uint64_t addr, uint64_t size)
{
	if (!range_ok(addr, size))
		return;
	for (uint64_t off = 0; off < size; off += GUEST_PAGE_SIZE) {
		struct gpage *p = page_entry(m, addr + off, false);
		if (!p || !p->host)
			continue;
		code_changed(m, p, addr + off);
		p->host = NULL;
		p->prot = 0;
		m->mapped_pages--;
	}
	tlb_flush_range(m, addr, size);
}

void gmem_protect(struct guest_mem *m, uint64_t addr, uint64_t size, unsigned prot)
{
	if (!range_ok(addr, size))
		return;
	for (uint64_t off = 0; off < size; off += GUEST_PAGE_SIZE) {
		struct gpage *p = page_entry(m, addr + off, false);
		if (!p || !p->host)
			continue;
		code_changed(m, p, addr + off);
		p->prot = prot & (GMEM_READ | GMEM_WRITE | GMEM_EXEC | GMEM_GUARD);
	}
	tlb_flush_range(m, addr, size);
}

bool gmem_query(const struct guest_mem *m, uint64_t addr, unsigned *prot, uint8_t **host)
{
	struct gpage *p = page_entry(m, addr & ~GUEST_PAGE_MASK, false);
	if (!p || !p->host)
		return false;
	if (prot)
		*prot = p->prot & ~PAGE_CODE;
	if (host)
		*host = p->host;
	return true;
}

void gmem_mark_code(struct guest_mem *m, uint64_t page_addr)
{
	struct gpage *p = page_entry(m, page_addr, false);
	if (!p || !p->host)
		return;
	p->prot |= PAGE_CODE;
	tlb_flush_page(m, page_addr);
}

static void set_fault(struct gmem_fault *f, uint64_t addr, unsigned access, bool guard, bool unmapped)
{
	if (!f)
		return;
	f->addr = addr;
	f->access = (uint8_t)access;
	f->guard = guard;
	f->unmapped = unmapped;
}

static uint8_t access_code(unsigned need)
{
	return need & GMEM_EXEC ? ACCESS_EXEC : need & GMEM_WRITE ? ACCESS_WRITE : ACCESS_READ;
}

/* Host address of one page for an access needing `need` (0 = only mapped). */
static uint8_t *page_for(struct guest_mem *m, uint64_t addr, unsigned need, struct gmem_fault *f)
{
	uint64_t page = addr & ~GUEST_PAGE_MASK;
	struct gpage *p = page_entry(m, page, false);
	if (!p || !p->host) {
		set_fault(f, addr, access_code(need), false, true);
		return NULL;
	}
	if (need && (p->prot & GMEM_GUARD)) {
		set_fault(f, addr, access_code(need), true, false);
		return NULL;
	}
	if ((p->prot & need) != need) {
		set_fault(f, addr, access_code(need), false, false);
		return NULL;
	}
	return p->host;
}

uint8_t *gmem_translate(struct guest_mem *m, uint64_t addr, enum gmem_prot access, struct gmem_fault *f)
{
	uint64_t page = addr & ~GUEST_PAGE_MASK;
	uint8_t *host = page_for(m, addr, access, f);
	if (!host)
		return NULL;
	unsigned i = (page >> GUEST_PAGE_SHIFT) & (GMEM_TLB_SIZE - 1);
	if (access & GMEM_WRITE) {
		struct gpage *p = page_entry(m, page, false);
		code_changed(m, p, page);
		m->tlb_write[i] = (struct gmem_tlb_entry){page, host};
	} else if (access & GMEM_READ) {
		m->tlb_read[i] = (struct gmem_tlb_entry){page, host};
	}
	return host + (addr & GUEST_PAGE_MASK);
}

/* Copy between host and guest one page at a time after checking every page of the range first,
 * so a failing access leaves guest memory untouched. */
static bool copy(struct guest_mem *m, uint64_t addr, uint8_t *buf, size_t n, unsigned need,
		 bool to_guest, struct gmem_fault *f)
{
	if (n == 0)
		return true;
	if (addr >= GUEST_ADDR_LIMIT || n > GUEST_ADDR_LIMIT - addr) {
		set_fault(f, addr, access_code(need), false, true);
		return false;
	}
	for (uint64_t a = addr; a < addr + n; a = (a & ~GUEST_PAGE_MASK) + GUEST_PAGE_SIZE)
		if (!page_for(m, a, need, f))
			return false;
	for (uint64_t a = addr; a < addr + n;) {
		uint64_t page = a & ~GUEST_PAGE_MASK;
		size_t chunk = GUEST_PAGE_SIZE - (a - page);
		if (chunk > addr + n - a)
			chunk = addr + n - a;
		struct gpage *p = page_entry(m, page, false);
		if (to_guest) {
			code_changed(m, p, page);
			memcpy(p->host + (a - page), buf, chunk);
		} else {
			memcpy(buf, p->host + (a - page), chunk);
		}
		buf += chunk;
		a += chunk;
	}
	return true;
}

bool gmem_read(struct guest_mem *m, uint64_t addr, void *dst, size_t n, struct gmem_fault *f)
{
	return copy(m, addr, dst, n, GMEM_READ, false, f);
}

bool gmem_write(struct guest_mem *m, uint64_t addr, const void *src, size_t n, struct gmem_fault *f)
{
	return copy(m, addr, (uint8_t *)src, n, GMEM_WRITE, true, f);
}

bool gmem_fetch(struct guest_mem *m, uint64_t addr, void *dst, size_t n, struct gmem_fault *f)
{
	return copy(m, addr, dst, n, GMEM_EXEC, false, f);
}

bool gmem_peek(struct guest_mem *m, uint64_t addr, void *dst, size_t n, struct gmem_fault *f)
{
	return copy(m, addr, dst, n, 0, false, f);
}

bool gmem_poke(struct guest_mem *m, uint64_t addr, const void *src, size_t n, struct gmem_fault *f)
{
	return copy(m, addr, (uint8_t *)src, n, 0, true, f);
}
