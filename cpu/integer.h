/* Helpers shared by the integer instruction families (alu, shift, muldiv, bit, bcd, cond, move).
 * Private to cpu/. */
#ifndef NTEMU_CPU_INTEGER_H
#define NTEMU_CPU_INTEGER_H

#include "cpu/insn.h"

/* ALU operations in ModRM.reg order of the 80-83 group (SDM Vol. 2, Table A-6), plus TEST. The
 * opcode map's `param` for the ALU rows is one of these. */
enum alu_op { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP, ALU_TEST };

static inline int64_t sext(uint64_t v, unsigned size)
{
	unsigned shift = 64 - size * 8;
	return (int64_t)(v << shift) >> shift;
}

/* The memory operand's offset (no segment base) with `extra` added before the address-size
 * wrap: LEA and the bit-string addressing of BT* with a register bit offset. */
static inline uint64_t ea_offset(const struct cpu *c, const struct insn *i, uint64_t extra)
{
	uint64_t a = i->disp + extra;
	if (i->base != REG_NONE)
		a += c->r[i->base];
	if (i->index != REG_NONE)
		a += c->r[i->index] << i->scale;
	return i->asz == 8 ? a : a & size_mask(i->asz);
}

/* Linear address of an offset in the instruction's data segment (only FS/GS have a base). */
static inline uint64_t ea_linear(const struct cpu *c, const struct insn *i, uint64_t off)
{
	if (i->seg == SEG_NONE)
		return off;
	off += c->seg_base[i->seg];
	return c->mode == CPU_MODE_32 ? off & 0xffffffffull : off;
}

/* Arithmetic flags for an eagerly computed result: ZF, SF and PF of `res` at `size`. */
static inline uint64_t flags_szp(uint64_t res, unsigned size)
{
	res &= size_mask(size);
	return (res ? 0 : FL_ZF) | (res & sign_bit(size) ? FL_SF : 0) | parity_flag(res);
}

/* Sets all six arithmetic flags. Nothing of the lazy record survives, so unlike
 * flags_set_arith() it is not evaluated first. */
static inline void flags_set_all(struct cpu *c, uint64_t value)
{
	c->rflags = (c->rflags & ~(uint64_t)FL_ARITH) | (value & FL_ARITH);
	c->lf.op = LF_NONE;
}

/* 64x64 -> 128 unsigned multiply: low half returned, high half in *hi. */
static inline uint64_t mul_u128(uint64_t a, uint64_t b, uint64_t *hi)
{
#ifdef __SIZEOF_INT128__
	__extension__ unsigned __int128 p = (unsigned __int128)a * b;
	*hi = (uint64_t)(p >> 64);
	return (uint64_t)p;
#else
	uint64_t al = (uint32_t)a, ah = a >> 32, bl = (uint32_t)b, bh = b >> 32;
	uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
	uint64_t mid = (ll >> 32) + (uint32_t)lh + (uint32_t)hl;
	*hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
	return (mid << 32) | (uint32_t)ll;
#endif
}

#endif
