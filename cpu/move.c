/* Data movement: mov (all integer forms), movzx movsx movsxd, arpl, lea, xchg, cmpxchg,
 * cmpxchg8b/16b, xadd, cbw/cwde/cdqe, cwd/cdq/cqo, movbe, lahf/sahf, xlat, the nops.
 *
 * Instructions that write memory and a register write the memory first, so a faulting store
 * leaves the registers and flags as they were. */
#include "cpu/decode.h"
#include "cpu/integer.h"

/* 88 89: Eb,Gb / Ev,Gv */
void mov_rm_reg(struct cpu *c, const struct insn *i)
{
	rm_write(c, i, i->osz, reg_get(c, i, i->reg, i->osz));
}

/* 8A 8B: Gb,Eb / Gv,Ev */
void mov_reg_rm(struct cpu *c, const struct insn *i)
{
	reg_set(c, i, i->reg, i->osz, rm_read(c, i, i->osz));
}

/* 32- and 64-bit forms with the size and the address form as constants, chosen by the decoder
 * (mov_specialize): register copies, and loads and stores whose address is base + disp or
 * base + index * scale + disp with 64-bit addressing and no segment base. */
static inline __attribute__((always_inline)) uint64_t ea_form(const struct cpu *c, const struct insn *i,
							      bool based, bool indexed)
{
	uint64_t a = i->disp;
	if (based)
		a += c->r[i->base];
	return indexed ? a + (c->r[i->index] << i->scale) : a;
}

static inline __attribute__((always_inline)) uint64_t ea_fixed(const struct cpu *c,
							       const struct insn *i, bool indexed)
{
	return ea_form(c, i, true, indexed);
}

#define MOV_FIXED(size)                                                                      \
	static void mov_rr_##size(struct cpu *c, const struct insn *i)                       \
	{                                                                                    \
		reg_set(c, i, i->rm, size, reg_get(c, i, i->reg, size));                      \
	}                                                                                    \
	static void mov_rr_rev_##size(struct cpu *c, const struct insn *i)                   \
	{                                                                                    \
		reg_set(c, i, i->reg, size, reg_get(c, i, i->rm, size));                      \
	}                                                                                    \
	static void mov_st_bd_##size(struct cpu *c, const struct insn *i)                    \
	{                                                                                    \
		cpu_write(c, ea_fixed(c, i, false), size, reg_get(c, i, i->reg, size));       \
	}                                                                                    \
	static void mov_st_bid_##size(struct cpu *c, const struct insn *i)                   \
	{                                                                                    \
		cpu_write(c, ea_fixed(c, i, true), size, reg_get(c, i, i->reg, size));        \
	}                                                                                    \
	static void mov_ld_bd_##size(struct cpu *c, const struct insn *i)                    \
	{                                                                                    \
		reg_set(c, i, i->reg, size, cpu_read(c, ea_fixed(c, i, false), size));        \
	}                                                                                    \
	static void mov_ld_bid_##size(struct cpu *c, const struct insn *i)                   \
	{                                                                                    \
		reg_set(c, i, i->reg, size, cpu_read(c, ea_fixed(c, i, true), size));         \
	}
MOV_FIXED(4)
MOV_FIXED(8)

/* lea with 64-bit addressing, the size and the address form as constants (mov_specialize):
 * displacement only (RIP-relative, absolute), index, base, base and index. */
#define LEA_FIXED(form, based, indexed, size)                                                \
	static void lea_##form##_##size(struct cpu *c, const struct insn *i)                 \
	{                                                                                    \
		reg_set(c, i, i->reg, size, ea_form(c, i, based, indexed));                  \
	}
#define LEA_FIXED_FORM(form, based, indexed) LEA_FIXED(form, based, indexed, 4) LEA_FIXED(form, based, indexed, 8)
LEA_FIXED_FORM(d, false, false)
LEA_FIXED_FORM(id, false, true)
LEA_FIXED_FORM(bd, true, false)
LEA_FIXED_FORM(bid, true, true)

/* mov r32/r64, imm (mov_specialize) */
static void mov_ri_4(struct cpu *c, const struct insn *i)
{
	c->r[i->reg] = (uint32_t)i->imm;
}

static void mov_ri_8(struct cpu *c, const struct insn *i)
{
	c->r[i->reg] = i->imm;
}

/* [form][size 4, 8]; forms: register, base + disp, base + index + disp */
static insn_fn *const mov_store_fixed[3][2] = {
	{ mov_rr_4, mov_rr_8 }, { mov_st_bd_4, mov_st_bd_8 }, { mov_st_bid_4, mov_st_bid_8 },
};
static insn_fn *const mov_load_fixed[3][2] = {
	{ mov_rr_rev_4, mov_rr_rev_8 }, { mov_ld_bd_4, mov_ld_bd_8 }, { mov_ld_bid_4, mov_ld_bid_8 },
};

/* C6 /0, C7 /0: Eb,Ib / Ev,Iz */
void mov_rm_imm(struct cpu *c, const struct insn *i)
{
	rm_write(c, i, i->osz, i->imm);
}

/* B0+r B8+r: Zb,Ib / Zv,Iv (imm64 with REX.W) */
void mov_reg_imm(struct cpu *c, const struct insn *i)
{
	reg_set(c, i, i->reg, i->osz, i->imm);
}

/* A0 A1: AL/rAX,moffs (the offset is in disp) */
void mov_acc_moffs(struct cpu *c, const struct insn *i)
{
	reg_set(c, i, R_AX, i->osz, cpu_read(c, ea_linear(c, i, i->disp), i->osz));
}

/* A2 A3: moffs,AL/rAX */
void mov_moffs_acc(struct cpu *c, const struct insn *i)
{
	cpu_write(c, ea_linear(c, i, i->disp), i->osz, c->r[R_AX]);
}

/* 0F B6 B7 (param = source size): Gv,Eb / Gv,Ew */
void movzx(struct cpu *c, const struct insn *i)
{
	reg_set(c, i, i->reg, i->osz, rm_read(c, i, i->param));
}

/* movzx with the sizes as constants, chosen by the decoder (mov_specialize). */
#define MOVZX_FIXED(src, size)                                                               \
	static void movzx_##src##_##size(struct cpu *c, const struct insn *i)                \
	{                                                                                    \
		reg_set(c, i, i->reg, size, rm_read(c, i, src));                             \
	}
MOVZX_FIXED(1, 4)
MOVZX_FIXED(1, 8)
MOVZX_FIXED(2, 4)
MOVZX_FIXED(2, 8)

/* 0F BE BF (param = source size): Gv,Eb / Gv,Ew */
void movsx(struct cpu *c, const struct insn *i)
{
	reg_set(c, i, i->reg, i->osz, (uint64_t)sext(rm_read(c, i, i->param), i->param));
}

/* 63 in 64-bit mode: Gv,Ed. Without REX.W it is a plain 32-bit (or, with 66, 16-bit) move. */
void movsxd(struct cpu *c, const struct insn *i)
{
	unsigned src = i->osz < 4 ? i->osz : 4;
	reg_set(c, i, i->reg, i->osz, (uint64_t)sext(rm_read(c, i, src), src));
}

/* 63 in 32-bit mode: arpl Ew,Gw raises the destination selector's RPL to the source's. */
void arpl(struct cpu *c, const struct insn *i)
{
	uint64_t addr = 0, d;
	if (i->is_mem) {
		addr = insn_ea(c, i);
		d = cpu_read(c, addr, 2);
	} else {
		d = reg_get(c, i, i->rm, 2);
	}
	unsigned rpl = reg_get(c, i, i->reg, 2) & 3;
	if ((d & 3) < rpl) {
		d = (d & ~3ull) | rpl;
		if (i->is_mem)
			cpu_write(c, addr, 2, d);
		else
			reg_set(c, i, i->rm, 2, d);
		flags_set_arith(c, FL_ZF, FL_ZF);
	} else {
		flags_set_arith(c, FL_ZF, 0);
	}
}

/* 8D: Gv,M. The offset is computed at the address size, then truncated or zero-extended to the
 * operand size; segment bases do not apply (SDM Vol. 2, LEA). */
void lea(struct cpu *c, const struct insn *i)
{
	reg_set(c, i, i->reg, i->osz, ea_offset(c, i, 0));
}

/* 86 87: Eb,Gb / Ev,Gv */
void xchg_rm_reg(struct cpu *c, const struct insn *i)
{
	unsigned size = i->osz;
	uint64_t r = reg_get(c, i, i->reg, size), d;
	if (i->is_mem) {
		uint64_t addr = insn_ea(c, i);
		d = cpu_read(c, addr, size);
		cpu_write(c, addr, size, r);
	} else {
		d = reg_get(c, i, i->rm, size);
		reg_set(c, i, i->rm, size, r);
	}
	reg_set(c, i, i->reg, size, d);
}

/* 90+r: rAX,Zv. Plain 90 is the nop row (no zero-extension); 41 90 exchanges r8 (SDM Vol. 2,
 * XCHG and NOP). */
void xchg_acc_reg(struct cpu *c, const struct insn *i)
{
	unsigned size = i->osz;
	uint64_t a = reg_get(c, i, R_AX, size);
	reg_set(c, i, R_AX, size, reg_get(c, i, i->reg, size));
	reg_set(c, i, i->reg, size, a);
}

/* 0F B0 B1: Eb,Gb / Ev,Gv. A memory destination is always written (with its old value when
 * the comparison fails), as the locked bus cycle does. */
void cmpxchg(struct cpu *c, const struct insn *i)
{
	unsigned size = i->osz;
	uint64_t acc = reg_get(c, i, R_AX, size), src = reg_get(c, i, i->reg, size), d;
	uint64_t addr = 0;
	if (i->is_mem) {
		addr = insn_ea(c, i);
		d = cpu_read(c, addr, size);
		cpu_write(c, addr, size, acc == d ? src : d);
	} else {
		d = reg_get(c, i, i->rm, size);
		if (acc == d)
			reg_set(c, i, i->rm, size, src);
	}
	if (acc != d)
		reg_set(c, i, R_AX, size, d);
	flags_lazy(c, LF_SUB, size, acc - d, acc, d);
}

/* 0F C7 /1: cmpxchg8b Mq, with REX.W cmpxchg16b Mdq (16-byte aligned, else #GP). Only ZF
 * changes. */
void cmpxchg8b16b(struct cpu *c, const struct insn *i)
{
	uint64_t addr = insn_ea(c, i);
	bool eq;
	if (i->pfx & PFX_REXW) {
		uint64_t old[2], cmp[2] = { c->r[R_AX], c->r[R_DX] };
		if (addr & 15)
			cpu_raise_gp(c, GP_MISALIGNED);
		cpu_read_bytes(c, addr, old, 16);
		eq = old[0] == cmp[0] && old[1] == cmp[1];
		uint64_t neu[2] = { c->r[R_BX], c->r[R_CX] };
		cpu_write_bytes(c, addr, eq ? neu : old, 16);
		if (!eq) {
			c->r[R_AX] = old[0];
			c->r[R_DX] = old[1];
		}
	} else {
		uint64_t old = cpu_read(c, addr, 8);
		uint64_t cmp = (c->r[R_DX] & 0xffffffffull) << 32 | (c->r[R_AX] & 0xffffffffull);
		eq = old == cmp;
		cpu_write(c, addr, 8,
			  eq ? (c->r[R_CX] & 0xffffffffull) << 32 | (c->r[R_BX] & 0xffffffffull) : old);
		if (!eq) {
			c->r[R_AX] = old & 0xffffffffull;
			c->r[R_DX] = old >> 32;
		}
	}
	flags_set_arith(c, FL_ZF, eq ? FL_ZF : 0);
}

/* 0F C0 C1: Eb,Gb / Ev,Gv: dest = dest + src, src = old dest (written first, so with one
 * register for both the sum wins). */
void xadd(struct cpu *c, const struct insn *i)
{
	unsigned size = i->osz;
	uint64_t s = reg_get(c, i, i->reg, size), d;
	if (i->is_mem) {
		uint64_t addr = insn_ea(c, i);
		d = cpu_read(c, addr, size);
		cpu_write(c, addr, size, d + s);
		reg_set(c, i, i->reg, size, d);
	} else {
		d = reg_get(c, i, i->rm, size);
		reg_set(c, i, i->reg, size, d);
		reg_set(c, i, i->rm, size, d + s);
	}
	flags_lazy(c, LF_ADD, size, d + s, d, s);
}

/* 98: cbw / cwde / cdqe: rAX = sign extension of its lower half */
void cbw(struct cpu *c, const struct insn *i)
{
	unsigned size = i->osz;
	reg_set(c, i, R_AX, size, (uint64_t)sext(c->r[R_AX], size / 2));
}

/* 99: cwd / cdq / cqo: rDX = sign of rAX replicated */
void cwd(struct cpu *c, const struct insn *i)
{
	unsigned size = i->osz;
	reg_set(c, i, R_DX, size, (uint64_t)(sext(c->r[R_AX], size) >> 63));
}

static inline uint64_t bswap_size(uint64_t v, unsigned size)
{
	switch (size) {
	case 2: return __builtin_bswap16((uint16_t)v);
	case 4: return __builtin_bswap32((uint32_t)v);
	default: return __builtin_bswap64(v);
	}
}

/* 0F38 F0 (Gv,Mv: param 0) / F1 (Mv,Gv: param 1). The rows are NP (Ov) and 66 (Ow: there 66 is
 * an operand-size prefix too; F3 is invalid, F2 is crc32); REX.W makes either 64-bit. */
void movbe(struct cpu *c, const struct insn *i)
{
	unsigned size = i->pfx & PFX_REXW ? 8 : i->osz;
	uint64_t addr = insn_ea(c, i);
	if (i->param)
		cpu_write(c, addr, size, bswap_size(reg_get(c, i, i->reg, size), size));
	else
		reg_set(c, i, i->reg, size, bswap_size(cpu_read(c, addr, size), size));
}

/* 9F: AH = SF:ZF:0:AF:0:PF:1:CF */
void lahf(struct cpu *c, const struct insn *i)
{
	uint64_t ah = (flags_arith(c) & 0xff) | FL_RESERVED1;
	c->r[R_AX] = (c->r[R_AX] & ~0xff00ull) | ah << 8;
}

/* 9E: SF ZF AF PF CF = AH (OF unchanged) */
void sahf(struct cpu *c, const struct insn *i)
{
	flags_set_arith(c, FL_SF | FL_ZF | FL_AF | FL_PF | FL_CF, (c->r[R_AX] >> 8) & 0xff);
}

/* D7: AL = [seg: rBX + AL] at the address size */
void xlat(struct cpu *c, const struct insn *i)
{
	uint64_t off = (c->r[R_BX] + (c->r[R_AX] & 0xff)) & size_mask(i->asz);
	uint64_t v = cpu_read(c, ea_linear(c, i, off), 1);
	c->r[R_AX] = (c->r[R_AX] & ~0xffull) | v;
}

/* 0F 1F and the reserved-NOP / hint space 0F 19-1E, which includes endbr32/endbr64 and rdssp:
 * NOPs while CET is not enabled (ntemu never enables it). Zydis names those forms only under
 * prefix rules of its own, so they stay in the nop rows. */
void nop(struct cpu *c, const struct insn *i)
{
}

insn_fn *mov_specialize(insn_fn *fn, struct insn *i)
{
	if (i->osz != 4 && i->osz != 8)
		return fn;
	if (fn == lea && i->asz == 8) {
		/* [base][index][size 4, 8] */
		static insn_fn *const fixed[2][2][2] = {
			{ { lea_d_4, lea_d_8 }, { lea_id_4, lea_id_8 } },
			{ { lea_bd_4, lea_bd_8 }, { lea_bid_4, lea_bid_8 } },
		};
		i->fx = FX_PURE;
		return fixed[i->base != REG_NONE][i->index != REG_NONE][i->osz == 8];
	}
	if (fn == mov_reg_imm) {
		i->fx = FX_PURE;
		return i->osz == 8 ? mov_ri_8 : mov_ri_4;
	}
	if (fn == movzx) {
		/* [source size 1, 2][size 4, 8] */
		static insn_fn *const fixed[2][2] = {
			{ movzx_1_4, movzx_1_8 }, { movzx_2_4, movzx_2_8 },
		};
		if (!i->is_mem)
			i->fx = FX_PURE;
		return fixed[i->param == 2][i->osz == 8];
	}
	if (fn != mov_rm_reg && fn != mov_reg_rm)
		return fn;
	unsigned form = 0;
	if (i->is_mem) {
		if (i->asz != 8 || i->seg != SEG_NONE || i->base == REG_NONE)
			return fn;
		form = i->index == REG_NONE ? 1 : 2;
	} else {
		i->fx = FX_PURE;
	}
	return (fn == mov_rm_reg ? mov_store_fixed : mov_load_fixed)[form][i->osz == 8];
}
