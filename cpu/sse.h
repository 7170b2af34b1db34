/* Helpers shared by the SSE/MMX families (cpu/sse_*.c): MXCSR bits, MMX registers aliased on the
 * x87 significands, and XMM/MMX operand access. Private to cpu/. */
#ifndef NTEMU_CPU_SSE_H
#define NTEMU_CPU_SSE_H

#include "cpu/insn.h"
#include "cpu/sse_ops.h"

/* MXCSR (SDM Vol. 1, 10.2.3). */
enum {
	MX_IE = 1 << 0, MX_DE = 1 << 1, MX_ZE = 1 << 2, MX_OE = 1 << 3, MX_UE = 1 << 4,
	MX_PE = 1 << 5, MX_FLAGS = 0x3f,
	MX_DAZ = 1 << 6,
	MX_MASK_SHIFT = 7, /* IM DM ZM OM UM PM: the flag bits shifted left by 7 */
	MX_RC_SHIFT = 13,  /* 0 nearest, 1 down, 2 up, 3 toward zero */
	MX_FTZ = 1 << 15,
	MX_DEFAULT = 0x1f80,
};
/* Bits FXSAVE reports as writable (MXCSR_MASK) and LDMXCSR/FXRSTOR accept; the rest #GP. */
#define MXCSR_MASK 0xffffu

/* ---- MMX: mm(n) is the significand of physical x87 register n (SDM Vol. 1, 9.5) ---- */

/* MMX instructions (EMMS too) are waiting instructions: an unmasked x87 exception pending in
 * the status word (ES, SDM Vol. 1, 8.1.3.1) is delivered as #MF before they run. Call it
 * before anything can change. */
static inline void mmx_check(struct cpu *c)
{
	if (unlikely(c->fpu.sw & 0x80))
		cpu_raise(c, TRAP_X87);
}

/* Every MMX instruction except EMMS: TOP = 0 and all tags valid. */
static inline void mmx_enter(struct cpu *c)
{
	c->fpu.top = 0;
	c->fpu.tag = 0;
}

static inline uint64_t mm_get(struct cpu *c, unsigned n)
{
	return c->fpu.st[n & 7].mant;
}

/* A write also sets the register's sign and exponent to all ones. */
static inline void mm_set(struct cpu *c, unsigned n, uint64_t v)
{
	c->fpu.st[n & 7].mant = v;
	c->fpu.st[n & 7].sign_exp = 0xffff;
	mmx_enter(c);
}

/* ---- XMM memory operands ---- */

/* TLB misses (cpu/sse_move.c): refill the TLB like cpu_read/cpu_write do, so a loop of 16-byte
 * accesses runs on the fast path. A load writes *v only after the whole read succeeded. */
void xmm_load_slow(struct cpu *c, uint64_t addr, union xmm *v);
void xmm_store_slow(struct cpu *c, uint64_t addr, const union xmm *v);

static inline void xmm_load(struct cpu *c, uint64_t addr, union xmm *v)
{
	uint8_t *p = tlb_hit(c->mem->tlb_read, addr, 16);
	if (likely(p != NULL))
		memcpy(v, p, 16);
	else
		xmm_load_slow(c, addr, v);
}

/* Checks the whole range before writing anything. */
static inline void xmm_store(struct cpu *c, uint64_t addr, const union xmm *v)
{
	uint8_t *p = tlb_hit(c->mem->tlb_write, addr, 16);
	if (likely(p != NULL))
		memcpy(p, v, 16);
	else
		xmm_store_slow(c, addr, v);
}

/* Write a whole XMM register with one 16-byte host store. A register written in 8-byte halves
 * and then read whole (movapd, a packed operand) makes the host wait until both stores retire
 * (a failed store-to-load forward: tens of cycles); written whole, any later read of it, whole or
 * half, is forwarded. The vector type only steers the host compiler to one store. */
static inline void xmm_set_q(union xmm *d, uint64_t lo, uint64_t hi)
{
#if defined(__GNUC__)
	typedef uint64_t v2q __attribute__((vector_size(16)));
	v2q v = { lo, hi };
	memcpy(d, &v, 16);
#else
	d->q[0] = lo;
	d->q[1] = hi;
#endif
}

/* ---- packed operands: XMM forms (osz 16) and MMX forms (osz 8) share handlers ---- */

static inline bool is_mmx(const struct insn *i)
{
	return i->osz == 8;
}

/* The ModRM.reg operand. */
static inline void vec_reg(struct cpu *c, const struct insn *i, union xmm *v)
{
	if (is_mmx(i)) {
		mmx_check(c);
		v->q[0] = mm_get(c, i->reg);
		v->q[1] = 0;
	} else {
		*v = c->xmm[i->reg];
	}
}

/* The ModRM.rm operand: register, or memory of the form's width (m64 for MMX, m128 for XMM,
 * which legacy SSE requires 16-byte aligned unless `unaligned`). */
static inline void vec_src(struct cpu *c, const struct insn *i, union xmm *v, bool unaligned)
{
	if (is_mmx(i)) {
		mmx_check(c);
		v->q[0] = i->is_mem ? cpu_read(c, insn_ea(c, i), 8) : mm_get(c, i->rm);
		v->q[1] = 0;
	} else if (!i->is_mem) {
		*v = c->xmm[i->rm];
	} else {
		uint64_t a = insn_ea(c, i);
		if (!unaligned)
			check_align16(c, a);
		xmm_load(c, a, v);
	}
}

/* The XMM forms' ModRM.rm operand without copying a register (a copy right after a lane-wise
 * write of it stalls on store forwarding); memory goes to *buf. */
static inline const union xmm *xmm_src_ptr(struct cpu *c, const struct insn *i, union xmm *buf,
					   bool unaligned)
{
	if (!i->is_mem)
		return &c->xmm[i->rm];
	vec_src(c, i, buf, unaligned);
	return buf;
}

/* Write register `n` of the form's kind (an MMX write enters MMX state). */
static inline void vec_set(struct cpu *c, const struct insn *i, unsigned n, const union xmm *v)
{
	if (is_mmx(i))
		mm_set(c, n, v->q[0]);
	else
		c->xmm[n] = *v;
}

/* Memory read of the low `n` bytes (1..8) of an XMM-sized operand, or the register. Scalar and
 * half-register forms never require alignment. */
static inline uint64_t xmm_src_low(struct cpu *c, const struct insn *i, unsigned n)
{
	if (i->is_mem)
		return cpu_read(c, insn_ea(c, i), n);
	return n == 8 ? c->xmm[i->rm].q[0] : c->xmm[i->rm].q[0] & size_mask(n);
}

#endif
