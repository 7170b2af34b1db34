/* mul imul div idiv (F6/F7 /4-/7), imul Gv,Ev (0F AF) and imul Gv,Ev,imm (69, 6B).
 *
 * SDM Vol. 2, MUL/IMUL/DIV/IDIV. CF = OF = "the high half is significant". The flags the SDM
 * leaves undefined are produced as the reference host (AMD Zen 4) does, measured natively:
 * MUL/IMUL keep SF ZF AF PF; DIV/IDIV keep CF OF, set AF and clear SF ZF PF. A zero divisor or
 * a quotient that does not fit raises #DE before anything changes. */
#include "cpu/integer.h"

/* 128/64 divide; unsigned __int128 where the compiler has it. Requires hi < d (the quotient
 * fits in 64 bits). */
#ifdef __SIZEOF_INT128__
static inline uint64_t div_u128(uint64_t hi, uint64_t lo, uint64_t d, uint64_t *rem)
{
	__extension__ unsigned __int128 n = (unsigned __int128)hi << 64 | lo;
	*rem = (uint64_t)(n % d);
	return (uint64_t)(n / d);
}
#else
/* Restoring division one bit at a time. */
static inline uint64_t div_u128(uint64_t hi, uint64_t lo, uint64_t d, uint64_t *rem)
{
	uint64_t q = 0;
	for (int b = 63; b >= 0; b--) {
		uint64_t top = hi >> 63;
		hi = hi << 1 | lo >> 63;
		lo <<= 1;
		q <<= 1;
		if (top || hi >= d) {
			hi -= d;
			q |= 1;
		}
	}
	*rem = hi;
	return q;
}
#endif

/* Signed 64x64 -> 128 from the unsigned product (two's-complement correction of the high half). */
static inline uint64_t mul_s128(uint64_t a, uint64_t b, uint64_t *hi)
{
	uint64_t lo = mul_u128(a, b, hi);
	if ((int64_t)a < 0)
		*hi -= b;
	if ((int64_t)b < 0)
		*hi -= a;
	return lo;
}

static inline void mul_flags(struct cpu *c, bool overflow)
{
	flags_set_arith(c, FL_CF | FL_OF, overflow ? FL_CF | FL_OF : 0);
}

static inline void div_flags(struct cpu *c)
{
	flags_set_arith(c, FL_SF | FL_ZF | FL_AF | FL_PF, FL_AF);
}

/* Writes the double-width result of the one-operand forms: AX, DX:AX, EDX:EAX, RDX:RAX. */
static inline void acc_pair_set(struct cpu *c, const struct insn *i, unsigned size, uint64_t lo,
				uint64_t hi)
{
	if (size == 1) {
		reg_set(c, i, R_AX, 2, (hi << 8) | (lo & 0xff));
		return;
	}
	reg_set(c, i, R_AX, size, lo);
	reg_set(c, i, R_DX, size, hi);
}

/* F6/F7 /4 */
void mul_rm(struct cpu *c, const struct insn *i)
{
	unsigned size = i->osz, bits = size * 8;
	uint64_t b = rm_read(c, i, size), a = c->r[R_AX] & size_mask(size), lo, hi;
	if (size == 8) {
		lo = mul_u128(a, b, &hi);
	} else {
		uint64_t p = a * b;
		lo = p & size_mask(size);
		hi = p >> bits;
	}
	acc_pair_set(c, i, size, lo, hi);
	mul_flags(c, hi != 0);
}

/* F6/F7 /5 */
void imul_rm(struct cpu *c, const struct insn *i)
{
	unsigned size = i->osz, bits = size * 8;
	uint64_t b = rm_read(c, i, size), lo, hi;
	bool overflow;
	if (size == 8) {
		lo = mul_s128(c->r[R_AX], b, &hi);
		overflow = hi != (uint64_t)((int64_t)lo >> 63);
	} else {
		int64_t p = sext(c->r[R_AX], size) * sext(b, size);
		lo = (uint64_t)p & size_mask(size);
		hi = ((uint64_t)p >> bits) & size_mask(size);
		overflow = p != sext((uint64_t)p, size);
	}
	acc_pair_set(c, i, size, lo, hi);
	mul_flags(c, overflow);
}

/* Truncated signed product of the two- and three-operand forms. */
static inline void imul_to_reg(struct cpu *c, const struct insn *i, uint64_t a, uint64_t b)
{
	unsigned size = i->osz;
	uint64_t lo;
	bool overflow;
	if (size == 8) {
		uint64_t hi;
		lo = mul_s128(a, b, &hi);
		overflow = hi != (uint64_t)((int64_t)lo >> 63);
	} else {
		int64_t p = sext(a, size) * sext(b, size);
		lo = (uint64_t)p & size_mask(size);
		overflow = p != sext((uint64_t)p, size);
	}
	reg_set(c, i, i->reg, size, lo);
	mul_flags(c, overflow);
}

/* 0F AF: Gv,Ev */
void imul_reg_rm(struct cpu *c, const struct insn *i)
{
	uint64_t b = rm_read(c, i, i->osz);
	imul_to_reg(c, i, reg_get(c, i, i->reg, i->osz), b);
}

/* 69 / 6B: Gv,Ev,Iz / Gv,Ev,Ib */
void imul_reg_rm_imm(struct cpu *c, const struct insn *i)
{
	imul_to_reg(c, i, rm_read(c, i, i->osz), i->imm);
}

/* F6/F7 /6 */
void div_rm(struct cpu *c, const struct insn *i)
{
	unsigned size = i->osz, bits = size * 8;
	uint64_t d = rm_read(c, i, size), q, r;
	if (d == 0)
		cpu_raise(c, TRAP_DE);
	if (size == 8) {
		if (c->r[R_DX] >= d)
			cpu_raise(c, TRAP_DE);
		q = div_u128(c->r[R_DX], c->r[R_AX], d, &r);
	} else {
		uint64_t hi = size == 1 ? (c->r[R_AX] >> 8) & 0xff : c->r[R_DX] & size_mask(size);
		uint64_t n = (hi << bits) | (c->r[R_AX] & size_mask(size));
		q = n / d;
		r = n % d;
		if (q > size_mask(size))
			cpu_raise(c, TRAP_DE);
	}
	acc_pair_set(c, i, size, q, r);
	div_flags(c);
}

/* F6/F7 /7 */
void idiv_rm(struct cpu *c, const struct insn *i)
{
	unsigned size = i->osz, bits = size * 8;
	uint64_t d = rm_read(c, i, size), q, r;
	if (d == 0)
		cpu_raise(c, TRAP_DE);
	if (size == 8) {
		uint64_t hi = c->r[R_DX], lo = c->r[R_AX];
		bool nneg = (int64_t)hi < 0, dneg = (int64_t)d < 0;
		/* Magnitudes, divide unsigned, then restore the signs. */
		if (nneg) {
			lo = 0 - lo;
			hi = ~hi + (lo == 0);
		}
		uint64_t ud = dneg ? 0 - d : d;
		if (hi >= ud)
			cpu_raise(c, TRAP_DE);
		q = div_u128(hi, lo, ud, &r);
		if (nneg != dneg ? q > 1ull << 63 : q > INT64_MAX)
			cpu_raise(c, TRAP_DE);
		if (nneg != dneg)
			q = 0 - q;
		if (nneg)
			r = 0 - r;
	} else {
		uint64_t hi = size == 1 ? (c->r[R_AX] >> 8) & 0xff : c->r[R_DX] & size_mask(size);
		int64_t n = sext((hi << bits) | (c->r[R_AX] & size_mask(size)), size * 2);
		int64_t sd = sext(d, size);
		/* INT64_MIN / -1 (only reachable at size 4) overflows in C as in the guest. */
		if (sd == -1 && n == INT64_MIN)
			cpu_raise(c, TRAP_DE);
		int64_t sq = n / sd;
		if (sq != sext((uint64_t)sq, size))
			cpu_raise(c, TRAP_DE);
		q = (uint64_t)sq;
		r = (uint64_t)(n % sd);
	}
	acc_pair_set(c, i, size, q & size_mask(size), r & size_mask(size));
	div_flags(c);
}
