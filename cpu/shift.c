/* Shifts and rotates: rol ror rcl rcr shl/sal shr sar (C0 C1 D0-D3) and shld shrd (0F A4 A5 AC AD).
 *
 * Flags follow SDM Vol. 2, "RCL/RCR/ROL/ROR" and "SAL/SAR/SHL/SHR": the count is masked to 5 bits
 * (6 with a 64-bit operand) and a masked count of 0 changes no flag. Flags the SDM leaves
 * undefined are computed as the reference host (AMD Zen 4) does, measured with a native
 * differential run: AF = 1 after shl/shr/sar/shld/shrd; OF for counts above 1 follows the
 * 1-bit formula applied to the result (shl/shld: MSB(result) ^ CF; shr/shrd/ror/rcr: the top two
 * result bits differ; sar: 0; 16-bit shld/shrd from a count of 16 on: see dshift_do);
 * tests/unit/test_integer.c pins them. Flags are eager: the rules are too irregular for the
 * lazy record. */
#include "cpu/decode.h"
#include "cpu/integer.h"

enum shift_op { SH_ROL, SH_ROR, SH_RCL, SH_RCR, SH_SHL, SH_SHR, SH_SAL, SH_SAR };

static inline uint64_t msb(uint64_t v, unsigned size)
{
	return (v >> (size * 8 - 1)) & 1;
}

static inline uint64_t of_if(uint64_t bit)
{
	return bit ? FL_OF : 0;
}

/* OF of the right shifts and rotates: the two most significant result bits differ. */
static inline uint64_t of_top2(uint64_t r, unsigned size)
{
	return of_if(msb(r ^ (r << 1), size));
}

/* Returns the result; *fmask / *fval receive the flags to change. `a` is masked to size; `cin`
 * is CF, used by RCL/RCR only. */
static inline __attribute__((always_inline)) uint64_t
shift_calc(unsigned op, unsigned size, uint64_t a, unsigned cnt, uint64_t cin, uint64_t *fmask, uint64_t *fval)
{
	unsigned bits = size * 8;
	uint64_t mask = size_mask(size), r, cf, f;
	switch (op) {
	case SH_ROL: {
		unsigned n = cnt & (bits - 1);
		r = n ? ((a << n) | (a >> (bits - n))) & mask : a;
		cf = r & 1;
		*fmask = FL_CF | FL_OF;
		*fval = cf | of_if(msb(r, size) ^ cf);
		return r;
	}
	case SH_ROR: {
		unsigned n = cnt & (bits - 1);
		r = n ? ((a >> n) | (a << (bits - n))) & mask : a;
		cf = msb(r, size);
		*fmask = FL_CF | FL_OF;
		*fval = cf | of_top2(r, size);
		return r;
	}
	case SH_RCL:
	case SH_RCR: {
		/* Rotate the (bits+1)-bit value CF:a; 8- and 16-bit counts are taken mod 9 / 17. */
		unsigned n = bits < 32 ? cnt % (bits + 1) : cnt;
		*fmask = FL_CF | FL_OF;
		if (op == SH_RCR) {
			if (n == 0) {
				*fval = cin | of_top2(a, size);
				return a;
			}
			r = (a >> n) | (cin << (bits - n)) | (n >= 2 ? a << (bits + 1 - n) : 0);
			r &= mask;
			*fval = ((a >> (n - 1)) & 1) | of_top2(r, size);
			return r;
		}
		if (n == 0) {
			*fval = cin | of_if(msb(a, size) ^ cin);
			return a;
		}
		r = n < bits ? (a << n) & mask : 0;
		r |= cin << (n - 1);
		r |= n >= 2 ? a >> (bits + 1 - n) : 0;
		r &= mask;
		cf = (a >> (bits - n)) & 1;
		*fval = cf | of_if(msb(r, size) ^ cf);
		return r;
	}
	case SH_SHL:
	case SH_SAL:
		r = cnt < bits ? (a << cnt) & mask : 0;
		cf = cnt <= bits ? (a >> (bits - cnt)) & 1 : 0;
		f = cf | of_if(msb(r, size) ^ cf);
		break;
	case SH_SHR:
		r = cnt < bits ? a >> cnt : 0;
		cf = cnt <= bits ? (a >> (cnt - 1)) & 1 : 0;
		f = cf | of_top2(r, size);
		break;
	default: { /* SH_SAR */
		int64_t s = sext(a, size);
		r = (uint64_t)(s >> (cnt < bits ? cnt : bits - 1)) & mask;
		cf = (uint64_t)(s >> (cnt <= bits ? cnt - 1 : bits - 1)) & 1;
		f = cf;
		break;
	}
	}
	*fmask = FL_ARITH;
	*fval = f | FL_AF | flags_szp(r, size);
	return r;
}

/* Every form: memory operands, RCL/RCR (which read CF). `cnt` is already masked. */
static __attribute__((noinline)) void shift_any(struct cpu *c, const struct insn *i, unsigned cnt)
{
	unsigned size = i->osz;
	uint64_t addr = 0, a, r, fmask, fval;
	if (i->is_mem) {
		addr = insn_ea(c, i);
		a = cpu_read(c, addr, size);
	} else {
		a = reg_get(c, i, i->rm, size);
	}
	if (cnt == 0) {
		/* No flag changes, but the destination is still written: a 32-bit register is
		 * zero-extended and a read-only page faults, as on the host. */
		if (i->is_mem)
			cpu_write(c, addr, size, a);
		else
			reg_set(c, i, i->rm, size, a);
		return;
	}
	uint64_t cin = i->param == SH_RCL || i->param == SH_RCR ? flags_cf(c) : 0;
	r = shift_calc(i->param, size, a, cnt, cin, &fmask, &fval);
	if (i->is_mem)
		cpu_write(c, addr, size, r);
	else
		reg_set(c, i, i->rm, size, r);
	if (fmask == FL_ARITH)
		flags_set_all(c, fval);
	else
		flags_set_arith(c, fmask, fval);
}

/* The common case, a register shifted or rotated without the carry, makes no call before its
 * last step, so it needs no stack frame (the calls of shift_any's forms would cost every shift a
 * save and restore of the callee-saved registers). */
static void shift_do(struct cpu *c, const struct insn *i, unsigned count)
{
	unsigned size = i->osz, op = i->param;
	unsigned cnt = count & (size == 8 ? 63 : 31);
	if (i->is_mem || op == SH_RCL || op == SH_RCR || cnt == 0) {
		shift_any(c, i, cnt);
		return;
	}
	uint64_t fmask, fval, r = shift_calc(op, size, reg_get(c, i, i->rm, size), cnt, 0, &fmask, &fval);
	reg_set(c, i, i->rm, size, r);
	if (fmask == FL_ARITH)
		flags_set_all(c, fval);
	else
		flags_set_arith(c, fmask, fval);
}

/* Register forms of rol ror shl shr sal sar by an immediate with the operation and the size as
 * constants, chosen by the decoder (shift_specialize) for masked counts other than 0, with their
 * flags (`ri`) or without them (`ri_nf`: block.c found them dead). */
static inline __attribute__((always_inline)) void shift_ri(struct cpu *c, const struct insn *i,
							    unsigned op, unsigned size, bool flags)
{
	unsigned cnt = (unsigned)i->imm & (size == 8 ? 63 : 31);
	uint64_t fmask, fval, r = shift_calc(op, size, reg_get(c, i, i->rm, size), cnt, 0, &fmask, &fval);
	reg_set(c, i, i->rm, size, r);
	if (!flags)
		return;
	if (fmask == FL_ARITH)
		flags_set_all(c, fval);
	else
		flags_set_arith(c, fmask, fval);
}

#define SHIFT_FIXED(op, size)                                                                \
	static void shift_ri_##op##_##size(struct cpu *c, const struct insn *i)              \
	{                                                                                    \
		shift_ri(c, i, op, size, true);                                              \
	}                                                                                    \
	static void shift_ri_nf_##op##_##size(struct cpu *c, const struct insn *i)           \
	{                                                                                    \
		shift_ri(c, i, op, size, false);                                             \
	}
#define SHIFT_FIXED_OP(op) SHIFT_FIXED(op, 4) SHIFT_FIXED(op, 8)
SHIFT_FIXED_OP(SH_ROL)
SHIFT_FIXED_OP(SH_ROR)
SHIFT_FIXED_OP(SH_SHL)
SHIFT_FIXED_OP(SH_SHR)
SHIFT_FIXED_OP(SH_SAL)
SHIFT_FIXED_OP(SH_SAR)

/* [with flags, without][operation][size 4, 8] */
#define SHIFT_ROW(form, op) [op] = { shift_##form##_##op##_4, shift_##form##_##op##_8 }
#define SHIFT_TABLE(form)                                                                    \
	{ SHIFT_ROW(form, SH_ROL), SHIFT_ROW(form, SH_ROR), SHIFT_ROW(form, SH_SHL),           \
	  SHIFT_ROW(form, SH_SHR), SHIFT_ROW(form, SH_SAL), SHIFT_ROW(form, SH_SAR) }
static insn_fn *const shift_fixed[2][SH_SAR + 1][2] = { SHIFT_TABLE(ri), SHIFT_TABLE(ri_nf) };

/* C0 C1: Eb,Ib / Ev,Ib */
void shift_imm(struct cpu *c, const struct insn *i)
{
	shift_do(c, i, (unsigned)i->imm);
}

/* D0 D1: Eb,1 / Ev,1 */
void shift_1(struct cpu *c, const struct insn *i)
{
	shift_do(c, i, 1);
}

/* D2 D3: Eb,CL / Ev,CL */
void shift_cl(struct cpu *c, const struct insn *i)
{
	shift_do(c, i, (unsigned)c->r[R_CX] & 0xff);
}

/* SHLD (param 0) / SHRD (param 1) Ev,Gv,count (SDM Vol. 2, SHLD/SHRD). */
static void dshift_do(struct cpu *c, const struct insn *i, unsigned count)
{
	unsigned size = i->osz, bits = size * 8;
	unsigned cnt = count & (size == 8 ? 63 : 31);
	uint64_t addr = 0, d, s = reg_get(c, i, i->reg, size), r, cf, mask = size_mask(size);
	if (i->is_mem) {
		addr = insn_ea(c, i);
		d = cpu_read(c, addr, size);
	} else {
		d = reg_get(c, i, i->rm, size);
	}
	if (cnt == 0) {
		if (i->is_mem)
			cpu_write(c, addr, size, d);
		else
			reg_set(c, i, i->rm, size, d);
		return;
	}
	if (size == 2) {
		/* The 16-bit forms shift the 48-bit d:s:s (SHLD) / s:s:d (SHRD), which also gives
		 * the host's result for counts above 16 (undefined in the SDM); its CF is 0 then. */
		if (i->param) {
			uint64_t cat = s << 32 | s << 16 | d;
			r = (cat >> cnt) & mask;
			cf = cnt <= 16 ? (cat >> (cnt - 1)) & 1 : 0;
		} else {
			uint64_t cat = d << 32 | s << 16 | s;
			r = (cat >> (32 - cnt)) & mask;
			cf = cnt <= 16 ? (cat >> (48 - cnt)) & 1 : 0;
		}
	} else if (i->param) {
		r = ((d >> cnt) | s << (bits - cnt)) & mask;
		cf = (d >> (cnt - 1)) & 1;
	} else {
		r = ((d << cnt) | s >> (bits - cnt)) & mask;
		cf = (d >> (bits - cnt)) & 1;
	}
	if (i->is_mem)
		cpu_write(c, addr, size, r);
	else
		reg_set(c, i, i->rm, size, r);
	/* Undefined OF (counts above 1) as the host: SHRD the top two result bits differ, SHLD
	 * MSB(result) ^ CF, or just CF once a 16-bit count reaches 16. */
	uint64_t of;
	if (i->param)
		of = of_top2(r, size);
	else
		of = of_if(size == 2 && cnt >= 16 ? cf : msb(r, size) ^ cf);
	flags_set_all(c, cf | of | FL_AF | flags_szp(r, size));
}

/* 0F A4 / 0F AC: Ev,Gv,Ib */
void dshift_imm(struct cpu *c, const struct insn *i)
{
	dshift_do(c, i, (unsigned)i->imm);
}

/* 0F A5 / 0F AD: Ev,Gv,CL */
void dshift_cl(struct cpu *c, const struct insn *i)
{
	dshift_do(c, i, (unsigned)c->r[R_CX] & 0xff);
}

/* The decoder's choice for shift_imm rows (after shift_imm, which it names). */
insn_fn *shift_specialize(insn_fn *fn, struct insn *i)
{
	if (fn != shift_imm || i->is_mem || (i->osz != 4 && i->osz != 8) ||
	    !shift_fixed[0][i->param][0])
		return fn;
	if (((unsigned)i->imm & (i->osz == 8 ? 63 : 31)) == 0)
		return fn; /* changes no flag: shift_any */
	i->fx = FX_PURE | FX_W_CFOF;
	if (i->param != SH_ROL && i->param != SH_ROR)
		i->fx |= FX_W_SZAP;
	return shift_fixed[0][i->param][i->osz == 8];
}

insn_fn *shift_flags_dead(insn_fn *fn)
{
	for (unsigned op = 0; op <= SH_SAR; op++)
		for (unsigned k = 0; k < 2; k++)
			if (shift_fixed[0][op][k] && shift_fixed[0][op][k] == fn)
				return shift_fixed[1][op][k];
	return NULL;
}
