/* The basic-block cache: guest code is decoded once into runs of pre-decoded instructions,
 * found by (address, mode) through an xxHash-keyed table and chained to their successors.
 *
 * A block ends at a control transfer or trap-capable instruction (F_END rows), an invalid
 * instruction, a page boundary or BLOCK_MAX_INSNS. Pages a block was decoded from are marked in
 * guest memory; writing to such a page, re-protecting or unmapping it invalidates its blocks
 * before the next instruction runs. */
#ifndef NTEMU_CPU_BLOCK_H
#define NTEMU_CPU_BLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"
#include "cpu/insn.h"

#define BLOCK_MAX_INSNS 64
/* No block has this key: 32-bit mode addresses stay below 2^32. */
#define BLOCK_NO_KEY (~0ull)

struct block {
	uint64_t key;              /* guest address | mode << 63 */
	struct block *hash_next;
	uint64_t page[2];          /* pages the block's bytes lie in (page[1] == page[0] if one) */
	struct block *page_next[2];
	/* Direct successors, valid while link_epoch == cache->epoch (any invalidation bumps the
	 * epoch, so a link never leads to a freed block). An empty slot has BLOCK_NO_KEY. */
	struct block *succ[2];
	uint64_t succ_key[2];
	uint32_t link_epoch;
	uint32_t n;
	bool dead;
	struct block *dead_next;
	struct insn insns[];
};

struct block_cache_stats {
	uint64_t blocks_built;
	uint64_t insns_decoded;
	uint64_t invalidations;    /* blocks discarded because their code changed */
	uint64_t lookups;          /* hash lookups (chained transitions are not counted) */
};

/* Private to block.c, except that the run loop follows successor links itself. */
struct page_entry;
struct block_cache {
	struct guest_mem *mem;
	struct block **table;      /* blocks by key */
	size_t table_mask;
	size_t count;
	struct page_entry **pages; /* blocks by page */
	size_t pages_mask;
	uint32_t epoch;
	struct block *dead;
	struct cpu *running;       /* cpu inside cpu_run, told to leave its block on invalidation */
	struct block_cache_stats stats;
};

struct block_cache *block_cache_create(struct guest_mem *mem);
void block_cache_destroy(struct block_cache *bc);
/* Drop every block (e.g. after the caller rewrote code behind the memory module's back). */
void block_cache_flush(struct block_cache *bc);
struct block_cache_stats block_cache_stats(const struct block_cache *bc);

/* Used by the run loop. */
static inline uint64_t block_key(uint64_t addr, enum cpu_mode mode)
{
	return addr | (uint64_t)mode << 63;
}
/* The block at c->rip in c->mode, decoding it if needed; NULL with c->trap set (instruction
 * fetch fault) if not even its first instruction can be fetched. `prev` (the block that ran
 * last, or NULL) is linked to the result. */
struct block *block_lookup(struct block_cache *bc, struct cpu *c, struct block *prev);

/* block_lookup with the common case inline: c->rip is one of the two successors `prev` has
 * already been linked to. */
static inline struct block *block_next(struct block_cache *bc, struct cpu *c, struct block *prev)
{
	if (likely(prev && prev->link_epoch == bc->epoch)) {
		uint64_t key = block_key(c->rip, c->mode);
		if (prev->succ_key[0] == key)
			return prev->succ[0];
		if (prev->succ_key[1] == key)
			return prev->succ[1];
	}
	return block_lookup(bc, c, prev);
}
/* cpu_run is returning: invalidations no longer concern `c` (which may be freed next). */
void block_cache_leave(struct block_cache *bc, const struct cpu *c);
/* Free blocks invalidated while they could still be running. */
void block_cache_reap(struct block_cache *bc);
/* setjmp value with which an invalidated running block stops before its next instruction
 * (c->cur, not run): see code_changed in block.c. */
#define BLOCK_JMP_RESUME 2

#endif
