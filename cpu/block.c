#include "cpu/block.h"

#include <stdlib.h>
#include <string.h>

#include "cpu/decode.h"
#include "cpu/opcode_defs.h"

struct page_entry {
	uint64_t page;
	struct block *blocks;
	struct page_entry *next;
};

/* Fibonacci hashing: keys are code addresses, whose low bits vary most; the multiply spreads
 * them into the high bits, which are the ones kept. Far cheaper than a general hash on the
 * lookup path, which runs on every unlinked block transition (returns, indirect jumps). */
static size_t hash_u64(uint64_t v)
{
	return (size_t)((v * 0x9e3779b97f4a7c15ull) >> 32);
}

static void code_changed(void *ctx, uint64_t page);

/* Instructions of a block that stops: leave cpu_run's block loop (see code_changed). */
static void stop_here(struct cpu *c, const struct insn *i)
{
	longjmp(c->fault_jmp, BLOCK_JMP_RESUME);
}

/* The run loop checks for invalidation only between blocks. When the block being run is
 * invalidated by one of its own instructions (self-modifying code), the instructions after it
 * must not run from stale records: they become stop_here, which returns to cpu_run to look up
 * the new code at that instruction. The records stay valid until the block is reaped. */
static void stop_if_running(struct block_cache *bc, struct block *b)
{
	struct cpu *c = bc->running;
	if (!c || !c->in_run || c->cur_block != b || !c->cur)
		return;
	for (struct insn *i = b->insns + (c->cur - b->insns) + 1; i < b->insns + b->n; i++) {
		i->fn = stop_here;
		i->fx &= (uint8_t)~FX_DEAD;
	}
}

struct block_cache *block_cache_create(struct guest_mem *mem)
{
	struct block_cache *bc = calloc(1, sizeof *bc);
	if (!bc)
		return NULL;
	bc->mem = mem;
	bc->table_mask = 4095;
	bc->pages_mask = 1023;
	bc->table = calloc(bc->table_mask + 1, sizeof *bc->table);
	bc->pages = calloc(bc->pages_mask + 1, sizeof *bc->pages);
	if (!bc->table || !bc->pages) {
		block_cache_destroy(bc);
		return NULL;
	}
	mem->code_changed = code_changed;
	mem->code_ctx = bc;
	return bc;
}

static void free_all(struct block_cache *bc)
{
	for (size_t i = 0; i <= bc->table_mask; i++) {
		for (struct block *b = bc->table[i], *next; b; b = next) {
			next = b->hash_next;
			free(b);
		}
		bc->table[i] = NULL;
	}
	for (size_t i = 0; i <= bc->pages_mask; i++) {
		for (struct page_entry *p = bc->pages[i], *next; p; p = next) {
			next = p->next;
			free(p);
		}
		bc->pages[i] = NULL;
	}
	bc->count = 0;
	block_cache_reap(bc);
}

void block_cache_destroy(struct block_cache *bc)
{
	if (!bc)
		return;
	if (bc->table && bc->pages)
		free_all(bc);
	if (bc->mem && bc->mem->code_ctx == bc)
		bc->mem->code_changed = NULL;
	free(bc->table);
	free(bc->pages);
	free(bc);
}

void block_cache_flush(struct block_cache *bc)
{
	/* A running block may be among them: retire everything through the dead list. */
	for (size_t i = 0; i <= bc->table_mask; i++) {
		for (struct block *b = bc->table[i], *next; b; b = next) {
			next = b->hash_next;
			stop_if_running(bc, b);
			b->dead = true;
			b->dead_next = bc->dead;
			bc->dead = b;
		}
		bc->table[i] = NULL;
	}
	for (size_t i = 0; i <= bc->pages_mask; i++) {
		for (struct page_entry *p = bc->pages[i], *next; p; p = next) {
			next = p->next;
			free(p);
		}
		bc->pages[i] = NULL;
	}
	bc->count = 0;
	bc->epoch++;
	if (bc->running)
		bc->running->exit_request |= EXIT_CODE_CHANGED;
}

struct block_cache_stats block_cache_stats(const struct block_cache *bc)
{
	return bc->stats;
}

void block_cache_leave(struct block_cache *bc, const struct cpu *c)
{
	if (bc->running == c)
		bc->running = NULL;
}

void block_cache_reap(struct block_cache *bc)
{
	for (struct block *b = bc->dead, *next; b; b = next) {
		next = b->dead_next;
		free(b);
	}
	bc->dead = NULL;
}

static struct page_entry **page_slot(struct block_cache *bc, uint64_t page)
{
	struct page_entry **pp = &bc->pages[hash_u64(page) & bc->pages_mask];
	while (*pp && (*pp)->page != page)
		pp = &(*pp)->next;
	return pp;
}

static void unlink_from_page(struct block_cache *bc, struct block *b, int which)
{
	struct page_entry **pp = page_slot(bc, b->page[which]);
	if (!*pp)
		return;
	for (struct block **bp = &(*pp)->blocks; *bp;) {
		struct block *x = *bp;
		int k = x->page[0] == b->page[which] ? 0 : 1;
		if (x == b) {
			*bp = x->page_next[k];
			break;
		}
		bp = &x->page_next[k];
	}
}

static void unlink_from_table(struct block_cache *bc, struct block *b)
{
	struct block **bp = &bc->table[hash_u64(b->key) & bc->table_mask];
	while (*bp && *bp != b)
		bp = &(*bp)->hash_next;
	if (*bp)
		*bp = b->hash_next;
	bc->count--;
}

/* Guest memory reports a write/protect/unmap of a page we decoded from. */
static void code_changed(void *ctx, uint64_t page)
{
	struct block_cache *bc = ctx;
	struct page_entry **pp = page_slot(bc, page);
	struct page_entry *pe = *pp;
	if (!pe)
		return;
	*pp = pe->next;
	for (struct block *b = pe->blocks, *next; b; b = next) {
		int k = b->page[0] == page ? 0 : 1;
		next = b->page_next[k];
		if (b->page[0] != b->page[1])
			unlink_from_page(bc, b, !k);
		unlink_from_table(bc, b);
		stop_if_running(bc, b);
		b->dead = true;
		b->dead_next = bc->dead;
		bc->dead = b;
		bc->stats.invalidations++;
	}
	free(pe);
	bc->epoch++;
	if (bc->running)
		bc->running->exit_request |= EXIT_CODE_CHANGED;
}

static void grow_table(struct block_cache *bc)
{
	size_t mask = bc->table_mask * 2 + 1;
	struct block **t = calloc(mask + 1, sizeof *t);
	if (!t)
		return; /* keep the smaller table: still correct, only slower */
	for (size_t i = 0; i <= bc->table_mask; i++) {
		for (struct block *b = bc->table[i], *next; b; b = next) {
			next = b->hash_next;
			size_t h = hash_u64(b->key) & mask;
			b->hash_next = t[h];
			t[h] = b;
		}
	}
	free(bc->table);
	bc->table = t;
	bc->table_mask = mask;
}

static bool add_to_page(struct block_cache *bc, struct block *b, int which)
{
	struct page_entry **pp = page_slot(bc, b->page[which]);
	if (!*pp) {
		*pp = calloc(1, sizeof **pp);
		if (!*pp)
			return false;
		(*pp)->page = b->page[which];
		gmem_mark_code(bc->mem, b->page[which]);
	}
	b->page_next[which] = (*pp)->blocks;
	(*pp)->blocks = b;
	return true;
}

/* Fetch up to 15 bytes at addr; returns how many are executable-readable. */
static size_t fetch(struct guest_mem *mem, uint64_t addr, uint8_t *buf, struct gmem_fault *f)
{
	size_t in_page = GUEST_PAGE_SIZE - (addr & GUEST_PAGE_MASK);
	size_t n = in_page < 15 ? in_page : 15;
	if (!gmem_fetch(mem, addr, buf, n, f))
		return 0;
	if (n < 15 && gmem_fetch(mem, addr + n, buf + n, 15 - n, f))
		n = 15;
	return n;
}

static void set_fetch_fault(struct cpu *c, uint64_t rip, const struct gmem_fault *f)
{
	memset(&c->trap, 0, sizeof c->trap);
	c->trap.kind = TRAP_PAGE_FAULT;
	c->trap.insn_rip = rip;
	c->trap.addr = f->addr;
	c->trap.access = ACCESS_EXEC;
	c->trap.guard = f->guard;
}

/* Flag liveness over one block, backwards from its end (where every flag is live): a shift
 * whose flags are all overwritten by later instructions of the block that cannot fault and read
 * no flag, with only such instructions between, runs without computing them. Nothing can observe
 * the skipped flags: not a fault (none can happen before they are overwritten), not the end of
 * the block; a run cut short inside the block (single-step, budget) uses the rows' own handlers
 * for FX_DEAD instructions (cpu_run). Instructions without an FX_PURE description are barriers. */
static void flags_liveness(struct insn *insns, unsigned n)
{
	unsigned live = FX_W_CFOF | FX_W_SZAP;
	for (unsigned k = n; k-- > 0;) {
		struct insn *i = &insns[k];
		if (!(i->fx & FX_PURE)) {
			live = FX_W_CFOF | FX_W_SZAP;
			continue;
		}
		unsigned w = i->fx & (FX_W_CFOF | FX_W_SZAP);
		if (w && !(w & live)) {
			insn_fn *nf = shift_flags_dead(i->fn);
			if (nf) {
				i->fn = nf;
				i->fx |= FX_DEAD;
			}
		}
		live &= ~w;
	}
}

static struct block *build(struct block_cache *bc, struct cpu *c, uint64_t start)
{
	struct insn buf[BLOCK_MAX_INSNS];
	uint64_t addr = start, page0 = start & ~GUEST_PAGE_MASK, last_byte = start;
	unsigned n = 0;
	uint64_t wrap = c->mode == CPU_MODE_32 ? 0xffffffffull : ~0ull;

	while (n < BLOCK_MAX_INSNS) {
		uint8_t bytes[15];
		struct gmem_fault f;
		size_t avail = fetch(bc->mem, addr, bytes, &f);
		if (!avail) {
			if (n)
				break;
			set_fetch_fault(c, addr, &f);
			return NULL;
		}
		struct insn *i = &buf[n];
		enum decode_status st = decode_insn(bytes, avail, addr, c->mode, i);
		if (st == DECODE_TRUNCATED) {
			if (n)
				break;
			/* The instruction runs into a page we may not execute. */
			f.addr = addr + avail;
			set_fetch_fault(c, addr, &f);
			return NULL;
		}
		n++;
		last_byte = addr + i->len - 1;
		addr = (addr + i->len) & wrap;
		if (st != DECODE_OK || (opcode_rows[i->row].flags & F_END))
			break;
		/* Stop at the page boundary so a block spans at most the page an instruction
		 * straddles into. */
		if ((addr & ~GUEST_PAGE_MASK) != page0)
			break;
	}

	flags_liveness(buf, n);
	struct block *b = malloc(sizeof *b + n * sizeof(struct insn));
	if (!b)
		return NULL;
	memset(b, 0, sizeof *b);
	memcpy(b->insns, buf, n * sizeof(struct insn));
	b->n = n;
	b->key = block_key(start, c->mode);
	b->page[0] = page0;
	b->page[1] = last_byte & ~GUEST_PAGE_MASK;
	b->succ_key[0] = b->succ_key[1] = BLOCK_NO_KEY;
	b->link_epoch = bc->epoch;
	if (!add_to_page(bc, b, 0) || (b->page[1] != b->page[0] && !add_to_page(bc, b, 1))) {
		/* Out of memory while indexing: the block cannot be invalidated safely. */
		abort();
	}
	size_t h = hash_u64(b->key) & bc->table_mask;
	b->hash_next = bc->table[h];
	bc->table[h] = b;
	if (++bc->count > bc->table_mask)
		grow_table(bc);
	bc->stats.blocks_built++;
	bc->stats.insns_decoded += n;
	return b;
}

struct block *block_lookup(struct block_cache *bc, struct cpu *c, struct block *prev)
{
	uint64_t key = block_key(c->rip, c->mode);
	bool linkable = prev && !prev->dead;
	if (linkable && prev->link_epoch == bc->epoch) {
		if (prev->succ_key[0] == key && prev->succ[0])
			return prev->succ[0];
		if (prev->succ_key[1] == key && prev->succ[1])
			return prev->succ[1];
	}
	bc->running = c;
	bc->stats.lookups++;
	struct block *b = bc->table[hash_u64(key) & bc->table_mask];
	while (b && b->key != key)
		b = b->hash_next;
	if (!b)
		b = build(bc, c, c->rip);
	if (!b)
		return NULL;
	if (linkable) {
		if (prev->link_epoch != bc->epoch) {
			prev->succ_key[0] = prev->succ_key[1] = BLOCK_NO_KEY;
			prev->link_epoch = bc->epoch;
		}
		int slot = prev->succ_key[0] != BLOCK_NO_KEY ? 1 : 0;
		prev->succ[slot] = b;
		prev->succ_key[slot] = key;
	}
	return b;
}
