/* The interpreter loop: find the block at RIP, run its pre-decoded instructions, follow the
 * chain to the next block. Budget, single-step and stop requests are checked once per block;
 * faults leave through longjmp from the instruction that raised them. */
#include <string.h>

#include "cpu/block.h"
#include "cpu/cpu.h"
#include "cpu/decode.h"
#include "cpu/insn.h"

void cpu_init(struct cpu *c, struct guest_mem *mem, struct block_cache *cache, uint64_t seed)
{
	memset(c, 0, sizeof *c);
	c->mem = mem;
	c->cache = cache;
	c->mode = CPU_MODE_64;
	c->seg[SEG_CS] = CPU_SEL_CS64;
	c->seg[SEG_SS] = c->seg[SEG_DS] = c->seg[SEG_ES] = c->seg[SEG_GS] = 0x2b;
	c->seg[SEG_FS] = 0x53;
	c->rflags = FL_RESERVED1 | FL_IF;
	c->mxcsr = 0x1f80;
	c->fpu.cw = 0x37f; /* FNINIT state (SDM Vol. 1, 8.1.5) */
	c->fpu.tag = 0xffff;
	c->rng_state = seed;
}

static const char *const trap_names[] = {
	[TRAP_NONE] = "none",
	[TRAP_BUDGET] = "budget",
	[TRAP_STOP] = "stop",
	[TRAP_SYSCALL] = "syscall",
	[TRAP_INT] = "int",
	[TRAP_BREAKPOINT] = "breakpoint",
	[TRAP_SINGLE_STEP] = "single-step",
	[TRAP_UD] = "#UD",
	[TRAP_DE] = "#DE",
	[TRAP_GP] = "#GP",
	[TRAP_PAGE_FAULT] = "#PF",
	[TRAP_X87] = "#MF",
	[TRAP_SIMD] = "#XM",
	[TRAP_BOUND] = "#BR",
};

const char *cpu_trap_name(enum trap_kind kind)
{
	if ((unsigned)kind < sizeof trap_names / sizeof *trap_names && trap_names[kind])
		return trap_names[kind];
	return "?";
}

/* Traps report after the instruction completed; everything else is a fault that undoes it. */
static bool trap_completes_insn(enum trap_kind kind)
{
	return kind == TRAP_SYSCALL || kind == TRAP_INT || kind == TRAP_BREAKPOINT ||
	       kind == TRAP_SINGLE_STEP;
}

_Noreturn void cpu_raise(struct cpu *c, enum trap_kind kind)
{
	c->trap.kind = kind;
	longjmp(c->fault_jmp, 1);
}

_Noreturn void cpu_raise_ud(struct cpu *c)
{
	const struct insn *i = c->cur;
	uint64_t rip = i->next - i->len;
	struct gmem_fault f;
	c->trap.nbytes = 0;
	if (gmem_peek(c->mem, rip, c->trap.bytes, i->len, &f))
		c->trap.nbytes = i->len;
	cpu_raise(c, TRAP_UD);
}

_Noreturn void cpu_raise_gp(struct cpu *c, enum gp_reason reason)
{
	c->trap.reason = (uint8_t)reason;
	cpu_raise(c, TRAP_GP);
}

_Noreturn void cpu_raise_int(struct cpu *c, uint8_t vector)
{
	c->trap.vector = vector;
	cpu_raise(c, TRAP_INT);
}

_Noreturn void cpu_raise_mem(struct cpu *c, const struct gmem_fault *f)
{
	/* A non-canonical address is #GP, not #PF (SDM Vol. 3, 6.15); canonical kernel-half
	 * addresses are page faults for user code. */
	uint64_t top = f->addr >> 47;
	if (c->mode == CPU_MODE_64 && top != 0 && top != 0x1ffff) {
		c->trap.addr = f->addr;
		cpu_raise_gp(c, GP_NONCANONICAL);
	}
	c->trap.addr = f->addr;
	c->trap.access = f->access;
	c->trap.guard = f->guard;
	cpu_raise(c, TRAP_PAGE_FAULT);
}

/* ---- memory slow paths ---- */

static bool crosses_page(uint64_t addr, size_t n)
{
	return (addr & GUEST_PAGE_MASK) + n > GUEST_PAGE_SIZE;
}

uint64_t cpu_read_slow(struct cpu *c, uint64_t addr, unsigned size)
{
	struct gmem_fault f;
	uint64_t v = 0;
	if (crosses_page(addr, size)) {
		if (!gmem_read(c->mem, addr, &v, size, &f))
			cpu_raise_mem(c, &f);
		return v;
	}
	uint8_t *p = gmem_translate(c->mem, addr, GMEM_READ, &f);
	if (!p)
		cpu_raise_mem(c, &f);
	memcpy(&v, p, size);
	return v;
}

void cpu_write_slow(struct cpu *c, uint64_t addr, unsigned size, uint64_t v)
{
	struct gmem_fault f;
	if (crosses_page(addr, size)) {
		if (!gmem_write(c->mem, addr, &v, size, &f))
			cpu_raise_mem(c, &f);
		return;
	}
	uint8_t *p = gmem_translate(c->mem, addr, GMEM_WRITE, &f);
	if (!p)
		cpu_raise_mem(c, &f);
	memcpy(p, &v, size);
}

void cpu_read_bytes(struct cpu *c, uint64_t addr, void *dst, size_t n)
{
	struct gmem_fault f;
	if (!gmem_read(c->mem, addr, dst, n, &f))
		cpu_raise_mem(c, &f);
}

void cpu_write_bytes(struct cpu *c, uint64_t addr, const void *src, size_t n)
{
	struct gmem_fault f;
	if (!gmem_write(c->mem, addr, src, n, &f))
		cpu_raise_mem(c, &f);
}

uint8_t *cpu_write_ptr(struct cpu *c, uint64_t addr, unsigned n)
{
	uint8_t *p = tlb_hit(c->mem->tlb_write, addr, n);
	if (p)
		return p;
	struct gmem_fault f;
	if (crosses_page(addr, n)) {
		uint64_t second = (addr | GUEST_PAGE_MASK) + 1;
		if (!gmem_translate(c->mem, addr, GMEM_WRITE, &f) ||
		    !gmem_translate(c->mem, second, GMEM_WRITE, &f))
			cpu_raise_mem(c, &f);
		return NULL;
	}
	p = gmem_translate(c->mem, addr, GMEM_WRITE, &f);
	if (!p)
		cpu_raise_mem(c, &f);
	return p;
}

/* ---- flags and modes ---- */

uint64_t cpu_get_rflags(struct cpu *c)
{
	flags_materialize(c);
	return c->rflags | FL_RESERVED1;
}

/* What POPF can change at CPL 3: not IF, IOPL, VM, RF, VIF, VIP (SDM Vol. 2, POPF). */
#define FL_USER_WRITABLE (FL_ARITH | FL_TF | FL_DF | FL_AC | FL_ID | (1u << 14) /* NT */)

void cpu_set_rflags(struct cpu *c, uint64_t value)
{
	c->lf.op = LF_NONE;
	c->rflags = (c->rflags & ~(uint64_t)FL_USER_WRITABLE) | (value & FL_USER_WRITABLE) | FL_RESERVED1;
}

bool cpu_set_cs(struct cpu *c, uint16_t cs)
{
	switch (cs) {
	case CPU_SEL_CS64:
		c->mode = CPU_MODE_64;
		break;
	case CPU_SEL_CS32:
		c->mode = CPU_MODE_32;
		break;
	default:
		return false;
	}
	c->seg[SEG_CS] = cs;
	return true;
}

void cpu_request_stop(struct cpu *c)
{
	c->exit_request |= EXIT_STOP;
}

/* ---- the loop ---- */

/* The handler that computes everything the instruction does (see flags_liveness in block.c). */
static insn_fn *exact_fn(const struct insn *i)
{
	return i->fx & FX_DEAD ? opcode_rows[i->row].handler : i->fn;
}

static enum trap_kind finish(struct cpu *c, enum trap_kind kind)
{
	c->trap.kind = kind;
	c->in_run = false;
	c->cur = NULL;
	c->cur_block = NULL;
	block_cache_leave(c->cache, c);
	return kind;
}

/* The loop proper, out of cpu_run so that nothing it keeps in registers is clobbered by the
 * setjmp there: it starts without a previous block (after a resume too) and writes the budget
 * left back to *left_io after each block, for cpu_run's resume path. */
static __attribute__((noinline)) enum trap_kind run_blocks(struct cpu *c, struct block_cache *bc,
							  volatile uint64_t *left_io)
{
	uint64_t left = *left_io;
	struct block *prev = NULL;

	while (left) {
		/* Requests are honoured between blocks (at most BLOCK_MAX_INSNS instructions
		 * late): checking after every instruction costs more than anything else in the
		 * loop. An invalidated running block stops by itself (block.c, stop_if_running). */
		if (unlikely(c->exit_request)) {
			if (c->exit_request & EXIT_STOP) {
				c->exit_request &= ~EXIT_STOP;
				return finish(c, TRAP_STOP);
			}
			c->exit_request &= ~EXIT_CODE_CHANGED;
			/* A block invalidated while it ran is freed now: never chain from it. */
			if (prev && prev->dead)
				prev = NULL;
			block_cache_reap(bc);
		}

		struct block *b = block_next(bc, c, prev);
		if (unlikely(!b))
			return finish(c, c->trap.kind);
		c->cur_block = b;

		bool step = c->rflags & FL_TF;
		uint64_t n = b->n;
		if (unlikely(step))
			n = 1;
		if (unlikely(n > left))
			n = left;

		const struct insn *i = b->insns, *last = b->insns + n - 1;
		if (likely(n == b->n)) {
			for (; i < last; i++) {
				c->cur = i;
				i->fn(c, i);
			}
			c->cur = i;
			c->rip = i->next;
			i->fn(c, i);
		} else {
			/* Cut short: flags the block found dead may be seen at the end. */
			for (; i < last; i++) {
				c->cur = i;
				exact_fn(i)(c, i);
			}
			c->cur = i;
			c->rip = i->next;
			exact_fn(i)(c, i);
		}
		c->icount += n;
		left -= n;
		*left_io = left;
		prev = b;

		if (unlikely(step)) {
			c->trap.insn_rip = i->next - i->len;
			return finish(c, TRAP_SINGLE_STEP);
		}
	}
	return finish(c, TRAP_BUDGET);
}

enum trap_kind cpu_run(struct cpu *c, uint64_t budget)
{
	struct block_cache *bc = c->cache;
	/* The budget left at the start of the running block survives the longjmp through this
	 * volatile copy, which run_blocks keeps current. */
	volatile uint64_t left = budget;

	memset(&c->trap, 0, sizeof c->trap);
	c->in_run = true;
	c->exit_request &= ~EXIT_CODE_CHANGED;
	block_cache_reap(bc);

	switch (setjmp(c->fault_jmp)) {
	case 0:
		break;
	case BLOCK_JMP_RESUME: {
		/* The running block was invalidated by its own instruction before c->cur: go on
		 * from there with freshly decoded code. */
		const struct insn *i = c->cur;
		uint64_t done = (uint64_t)(i - c->cur_block->insns);
		c->rip = i->next - i->len;
		c->icount += done;
		left -= done;
		break;
	}
	default: {
		const struct insn *i = c->cur;
		struct block *b = c->cur_block;
		uint64_t done = (uint64_t)(i - b->insns);
		c->trap.insn_rip = i->next - i->len;
		if (trap_completes_insn(c->trap.kind)) {
			done++;
			/* END rows had rip set to next before running; a completing trap from the
			 * middle of a block (none today) would need the same. */
			if (i != b->insns + b->n - 1)
				c->rip = i->next;
		} else {
			c->rip = c->trap.insn_rip;
		}
		c->icount += done;
		block_cache_reap(bc);
		return finish(c, c->trap.kind);
	}
	}
	return run_blocks(c, bc, &left);
}
