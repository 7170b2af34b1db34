/* The pre-decoded instruction record and what instruction handlers use to reach operands and
 * guest memory. Private to cpu/.
 *
 * The decoder turns guest bytes into a `struct insn` once; the record lives in the block cache
 * and handlers read only its fields, never guest code bytes. Every handler has one signature,
 * so the opcode map (cpu/opcodes.def) is plain data.
 *
 * Faults: a handler that hits a fault calls one of the cpu_raise*() functions, which do not
 * return (they longjmp to cpu_run). A handler must therefore do everything that can fault
 * before it changes architectural state, so a faulting instruction leaves the state as before. */
#ifndef NTEMU_CPU_INSN_H
#define NTEMU_CPU_INSN_H

#include <string.h>

#include "cpu/cpu.h"
#include "cpu/flags.h"
#include "cpu/mem.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
/* Guest memory, XMM lanes and x87 images are accessed with host loads of little-endian data. */
#error "ntemu supports little-endian hosts only (x86-64, arm64, riscv64...)"
#endif

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

struct insn;
typedef void insn_fn(struct cpu *c, const struct insn *i);

enum insn_pfx {
	PFX_LOCK = 1 << 0,
	PFX_REP = 1 << 1,    /* F3 (REP/REPE) */
	PFX_REPNE = 1 << 2,  /* F2 */
	PFX_OPSIZE = 1 << 3, /* 66 */
	PFX_ADSIZE = 1 << 4, /* 67 */
	PFX_REX = 1 << 5,    /* any REX prefix: byte registers 4-7 are SPL..DIL, not AH..BH */
	PFX_REXW = 1 << 6,
	PFX_VEX = 1 << 7,
};

#define REG_NONE 0xff

struct insn {
	insn_fn *fn;
	uint64_t next;   /* address of the following instruction */
	uint64_t disp;   /* displacement; for RIP-relative operands the absolute address */
	uint64_t imm;    /* immediate (sign- or zero-extended as the form says); for relative
	                  * jumps/calls the absolute target; for far pointers offset | sel << 32 */
	uint16_t row;    /* opcode map row: names for traces and tests */
	uint8_t len;
	uint8_t osz;     /* operand size in bytes: 1, 2, 4, 8 (16 for whole-XMM forms) */
	uint8_t asz;     /* address size in bytes: 2, 4, 8 */
	uint8_t reg;     /* ModRM.reg + REX.R (or the register of +r opcode forms) */
	uint8_t rm;      /* ModRM.rm + REX.B when the operand is a register */
	uint8_t is_mem;  /* ModRM addresses memory */
	uint8_t base;    /* memory operand base register, REG_NONE if none */
	uint8_t index;   /* index register, REG_NONE if none */
	uint8_t scale;   /* log2 of the scale */
	uint8_t seg;     /* SEG_FS/SEG_GS when a based segment applies, else SEG_NONE */
	uint8_t pfx;     /* enum insn_pfx */
	uint8_t param;   /* per-row parameter from the opcode map */
	uint8_t vreg;    /* VEX.vvvv (register number) */
	uint8_t imm2;    /* second immediate byte (ENTER's nesting level) */
	uint8_t vex_l;   /* VEX.L */
	uint8_t fx;      /* enum insn_flag_effect: what the block builder's flag liveness needs */
};

/* How an instruction touches the arithmetic flags, for the block builder's liveness pass; set
 * by the decoder for the specialised forms it knows, 0 (a barrier: may read them or fault) for
 * all others. */
enum insn_flag_effect {
	FX_PURE = 1 << 0,     /* cannot fault and reads no arithmetic flag */
	FX_W_CFOF = 1 << 1,   /* writes CF and OF */
	FX_W_SZAP = 1 << 2,   /* writes SF ZF AF PF */
	FX_DEAD = 1 << 3,     /* every flag it writes is overwritten, within the block, before anything
			       * can observe it: fn skips them (block.c); the row's handler does not */
};

/* ---- registers ---- */

static inline uint64_t reg_get(const struct cpu *c, const struct insn *i, unsigned n, unsigned size)
{
	switch (size) {
	case 1:
		if (!(i->pfx & PFX_REX) && n >= 4 && n < 8)
			return (c->r[n - 4] >> 8) & 0xff; /* AH, CH, DH, BH */
		return c->r[n] & 0xff;
	case 2:
		return c->r[n] & 0xffff;
	case 4:
		return c->r[n] & 0xffffffff;
	default:
		return c->r[n];
	}
}

/* 32-bit writes zero the upper half; 8- and 16-bit writes merge (SDM Vol. 1, 3.4.1.1). */
static inline void reg_set(struct cpu *c, const struct insn *i, unsigned n, unsigned size, uint64_t v)
{
	switch (size) {
	case 1:
		if (!(i->pfx & PFX_REX) && n >= 4 && n < 8)
			c->r[n - 4] = (c->r[n - 4] & ~0xff00ull) | ((v & 0xff) << 8);
		else
			c->r[n] = (c->r[n] & ~0xffull) | (v & 0xff);
		break;
	case 2:
		c->r[n] = (c->r[n] & ~0xffffull) | (v & 0xffff);
		break;
	case 4:
		c->r[n] = v & 0xffffffff;
		break;
	default:
		c->r[n] = v;
	}
}

/* ---- traps (do not return) ---- */

_Noreturn void cpu_raise(struct cpu *c, enum trap_kind kind);
_Noreturn void cpu_raise_ud(struct cpu *c);
_Noreturn void cpu_raise_gp(struct cpu *c, enum gp_reason reason);
_Noreturn void cpu_raise_mem(struct cpu *c, const struct gmem_fault *f);
_Noreturn void cpu_raise_int(struct cpu *c, uint8_t vector);

/* ---- guest memory from handlers ---- */

/* Effective address of the memory operand (SDM Vol. 1, 3.7.5), segment base included. */
static inline uint64_t insn_ea(const struct cpu *c, const struct insn *i)
{
	uint64_t a = i->disp;
	if (i->base != REG_NONE)
		a += c->r[i->base];
	if (i->index != REG_NONE)
		a += c->r[i->index] << i->scale;
	if (i->asz != 8)
		a &= i->asz == 4 ? 0xffffffffull : 0xffffull;
	if (i->seg != SEG_NONE) {
		a += c->seg_base[i->seg];
		if (c->mode == CPU_MODE_32)
			a &= 0xffffffffull;
	}
	return a;
}

uint64_t cpu_read_slow(struct cpu *c, uint64_t addr, unsigned size);
void cpu_write_slow(struct cpu *c, uint64_t addr, unsigned size, uint64_t v);
/* Any size, any alignment; the whole range is checked before anything is written. */
void cpu_read_bytes(struct cpu *c, uint64_t addr, void *dst, size_t n);
void cpu_write_bytes(struct cpu *c, uint64_t addr, const void *src, size_t n);

static inline uint8_t *tlb_hit(struct gmem_tlb_entry *tlb, uint64_t addr, unsigned n)
{
	struct gmem_tlb_entry *e = &tlb[(addr >> GUEST_PAGE_SHIFT) & (GMEM_TLB_SIZE - 1)];
	if (likely(e->tag == (addr & ~GUEST_PAGE_MASK) && (addr & GUEST_PAGE_MASK) <= GUEST_PAGE_SIZE - n))
		return e->host + (addr & GUEST_PAGE_MASK);
	return NULL;
}

/* size is 1, 2, 4 or 8 */
static inline uint64_t cpu_read(struct cpu *c, uint64_t addr, unsigned size)
{
	uint8_t *p = tlb_hit(c->mem->tlb_read, addr, size);
	if (unlikely(!p))
		return cpu_read_slow(c, addr, size);
	switch (size) {
	case 1: return *p;
	case 2: { uint16_t v; memcpy(&v, p, 2); return v; }
	case 4: { uint32_t v; memcpy(&v, p, 4); return v; }
	default: { uint64_t v; memcpy(&v, p, 8); return v; }
	}
}

static inline void cpu_write(struct cpu *c, uint64_t addr, unsigned size, uint64_t v)
{
	uint8_t *p = tlb_hit(c->mem->tlb_write, addr, size);
	if (unlikely(!p)) {
		cpu_write_slow(c, addr, size, v);
		return;
	}
	switch (size) {
	case 1: *p = (uint8_t)v; break;
	case 2: { uint16_t x = (uint16_t)v; memcpy(p, &x, 2); break; }
	case 4: { uint32_t x = (uint32_t)v; memcpy(p, &x, 4); break; }
	default: memcpy(p, &v, 8); break;
	}
}

/* Host pointer for a write of n bytes, faulting like cpu_write, so a read-modify-write can check
 * writability before it changes anything. When the range crosses a page boundary both pages are
 * checked and NULL is returned: the caller then uses cpu_write_bytes, which can no longer fault. */
uint8_t *cpu_write_ptr(struct cpu *c, uint64_t addr, unsigned n);

/* ModRM r/m operand: register or memory. */
static inline uint64_t rm_read(struct cpu *c, const struct insn *i, unsigned size)
{
	return i->is_mem ? cpu_read(c, insn_ea(c, i), size) : reg_get(c, i, i->rm, size);
}

static inline void rm_write(struct cpu *c, const struct insn *i, unsigned size, uint64_t v)
{
	if (i->is_mem)
		cpu_write(c, insn_ea(c, i), size, v);
	else
		reg_set(c, i, i->rm, size, v);
}

/* Stack: SS is flat, the stack pointer width follows the mode. */
static inline uint64_t stack_mask(const struct cpu *c)
{
	return c->mode == CPU_MODE_64 ? ~0ull : 0xffffffffull;
}

static inline void push(struct cpu *c, unsigned size, uint64_t v)
{
	uint64_t sp = (c->r[R_SP] - size) & stack_mask(c);
	cpu_write(c, sp, size, v);
	c->r[R_SP] = c->mode == CPU_MODE_64 ? sp : (c->r[R_SP] & ~0xffffffffull) | sp;
}

static inline uint64_t pop(struct cpu *c, unsigned size)
{
	uint64_t sp = c->r[R_SP] & stack_mask(c);
	uint64_t v = cpu_read(c, sp, size);
	sp = (sp + size) & stack_mask(c);
	c->r[R_SP] = c->mode == CPU_MODE_64 ? sp : (c->r[R_SP] & ~0xffffffffull) | sp;
	return v;
}

/* Legacy SSE aligned forms fault on a misaligned 16-byte operand (#GP(0), SDM Vol. 1, 4.1.1). */
static inline void check_align16(struct cpu *c, uint64_t addr)
{
	if (addr & 15)
		cpu_raise_gp(c, GP_MISALIGNED);
}

#endif
