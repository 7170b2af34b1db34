#include "cpu/flags.h"

/* Flag formulas: Intel SDM Vol. 1, Appendix A (EFLAGS cross-reference) and the per-instruction
 * pages of Vol. 2. */
uint64_t flags_arith(const struct cpu *c)
{
	const struct lazy_flags *lf = &c->lf;
	if (lf->op == LF_NONE)
		return c->rflags & FL_ARITH;

	uint64_t mask = size_mask(lf->size), sign = sign_bit(lf->size);
	uint64_t res = lf->res, a = lf->src1 & mask, b = lf->src2 & mask;
	uint64_t f = (res ? 0 : FL_ZF) | (res & sign ? FL_SF : 0) | parity_flag(res);

	switch (lf->op) {
	case LF_ADD:
	case LF_ADC:
		if (lf->op == LF_ADC && lf->cin ? res <= a : res < a)
			f |= FL_CF;
		if ((a ^ res) & (b ^ res) & sign)
			f |= FL_OF;
		f |= (a ^ b ^ res) & FL_AF;
		break;
	case LF_SUB:
	case LF_SBB:
		if (a < b || (lf->op == LF_SBB && lf->cin && a == b))
			f |= FL_CF;
		if ((a ^ b) & (a ^ res) & sign)
			f |= FL_OF;
		f |= (a ^ b ^ res) & FL_AF;
		break;
	case LF_LOGIC:
		break;
	case LF_INC:
		f |= c->rflags & FL_CF;
		if (res == sign)
			f |= FL_OF;
		if ((res & 0xf) == 0)
			f |= FL_AF;
		break;
	case LF_DEC:
		f |= c->rflags & FL_CF;
		if (res == sign - 1)
			f |= FL_OF;
		if ((res & 0xf) == 0xf)
			f |= FL_AF;
		break;
	case LF_NEG:
		if (a)
			f |= FL_CF;
		if (res == sign)
			f |= FL_OF;
		f |= (a ^ res) & FL_AF;
		break;
	}
	return f;
}

void flags_materialize(struct cpu *c)
{
	if (c->lf.op == LF_NONE)
		return;
	c->rflags = (c->rflags & ~(uint64_t)FL_ARITH) | flags_arith(c);
	c->lf.op = LF_NONE;
}

/* SF, ZF, AF and PF of the lazy record: what survives an instruction that sets CF and OF itself
 * (rotates, multiplies). AF is the carry or borrow into bit 4, (src1 ^ src2 ^ res) bit 4, for
 * every arithmetic record: INC/DEC record src2 = 1, NEG src2 = 0. */
static uint64_t flags_szap(const struct lazy_flags *lf)
{
	uint64_t f = (lf->res ? 0 : FL_ZF) | (lf->res & sign_bit(lf->size) ? FL_SF : 0) | parity_flag(lf->res);
	if (lf->op != LF_LOGIC)
		f |= (lf->src1 ^ lf->src2 ^ lf->res) & FL_AF;
	return f;
}

void flags_set_arith(struct cpu *c, uint64_t mask, uint64_t value)
{
	mask &= FL_ARITH;
	if (c->lf.op != LF_NONE) {
		/* CF and OF are the costly, operation-specific part of a lazy record. */
		if ((mask & (FL_CF | FL_OF)) == (FL_CF | FL_OF)) {
			c->rflags = (c->rflags & ~(uint64_t)FL_ARITH) | flags_szap(&c->lf);
			c->lf.op = LF_NONE;
		} else {
			flags_materialize(c);
		}
	}
	c->rflags = (c->rflags & ~mask) | (value & mask);
}

void flags_lazy_incdec(struct cpu *c, enum lazy_op op, unsigned size, uint64_t res, uint64_t src)
{
	uint64_t cf = flags_cf(c) ? FL_CF : 0;
	c->rflags = (c->rflags & ~(uint64_t)FL_CF) | cf;
	flags_lazy(c, op, size, res, src, 1);
}

bool flags_cf(const struct cpu *c)
{
	const struct lazy_flags *lf = &c->lf;
	uint64_t mask = size_mask(lf->size);
	switch (lf->op) {
	case LF_SUB:
		return (lf->src1 & mask) < (lf->src2 & mask);
	case LF_ADD:
		return lf->res < (lf->src1 & mask);
	case LF_LOGIC:
		return false;
	default:
		return flags_arith(c) & FL_CF;
	}
}

bool flags_zf(const struct cpu *c)
{
	return c->lf.op == LF_NONE ? (c->rflags & FL_ZF) != 0 : c->lf.res == 0;
}

static bool cond_from_flags(uint64_t f, enum cond cc)
{
	bool r;
	switch (cc >> 1) {
	case 0: r = f & FL_OF; break;
	case 1: r = f & FL_CF; break;
	case 2: r = f & FL_ZF; break;
	case 3: r = f & (FL_CF | FL_ZF); break;
	case 4: r = f & FL_SF; break;
	case 5: r = f & FL_PF; break;
	case 6: r = !(f & FL_SF) != !(f & FL_OF); break;
	default: r = (f & FL_ZF) || !(f & FL_SF) != !(f & FL_OF); break;
	}
	return r ^ (cc & 1);
}

bool cond_eval_slow(const struct cpu *c, enum cond cc)
{
	return cond_from_flags(flags_arith(c), cc);
}
