/* Lazy arithmetic flags.
 *
 * Most flag results are overwritten before anything reads them, so a flag-setting instruction
 * only records its operation, operands and result (c->lf); CF/PF/AF/ZF/SF/OF are computed when an
 * instruction reads them. Conditions (Jcc/SETcc/CMOVcc) are evaluated straight from the record:
 * after `cmp a,b` the test `jl` is a signed compare of a and b, no flag is built.
 *
 * Instructions whose flag rules are irregular (shifts, rotates, multiplies, bit tests, BCD)
 * compute their flags eagerly with flags_set_arith(). */
#ifndef NTEMU_CPU_FLAGS_H
#define NTEMU_CPU_FLAGS_H

#include "cpu/cpu.h"

enum lazy_op {
	LF_NONE,  /* arithmetic flags are in c->rflags */
	LF_ADD,   /* res = src1 + src2 */
	LF_ADC,   /* res = src1 + src2 + cin */
	LF_SUB,   /* res = src1 - src2 (also CMP) */
	LF_SBB,   /* res = src1 - src2 - cin */
	LF_LOGIC, /* AND/OR/XOR/TEST: CF=OF=0, AF undefined (0, as hardware gives) */
	LF_INC,   /* res = src1 + 1; CF preserved in c->rflags */
	LF_DEC,   /* res = src1 - 1; CF preserved in c->rflags */
	LF_NEG,   /* res = 0 - src1 */
};

/* Condition codes in opcode order (Jcc 0x70 + cc). */
enum cond {
	CC_O, CC_NO, CC_B, CC_AE, CC_E, CC_NE, CC_BE, CC_A,
	CC_S, CC_NS, CC_P, CC_NP, CC_L, CC_GE, CC_LE, CC_G,
};

static inline uint64_t size_mask(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

static inline uint64_t sign_bit(unsigned size)
{
	return 1ull << (size * 8 - 1);
}

static inline void flags_lazy(struct cpu *c, enum lazy_op op, unsigned size, uint64_t res,
			      uint64_t src1, uint64_t src2)
{
	c->lf.op = op;
	c->lf.size = (uint8_t)size;
	c->lf.res = res & size_mask(size);
	c->lf.src1 = src1;
	c->lf.src2 = src2;
}

/* ADC/SBB need the carry they consumed. */
static inline void flags_lazy_carry(struct cpu *c, enum lazy_op op, unsigned size, uint64_t res,
				    uint64_t src1, uint64_t src2, unsigned cin)
{
	flags_lazy(c, op, size, res, src1, src2);
	c->lf.cin = (uint8_t)cin;
}

/* Arithmetic flags as RFLAGS bits (only FL_ARITH bits set). */
uint64_t flags_arith(const struct cpu *c);

/* Materialise lazy flags into c->rflags (lf.op becomes LF_NONE). */
void flags_materialize(struct cpu *c);

/* Set the arithmetic flags named in `mask` to the bits in `value`; others keep their values. */
void flags_set_arith(struct cpu *c, uint64_t mask, uint64_t value);

/* INC/DEC keep CF: record it first. */
void flags_lazy_incdec(struct cpu *c, enum lazy_op op, unsigned size, uint64_t res, uint64_t src);

bool flags_cf(const struct cpu *c);
bool flags_zf(const struct cpu *c);
/* Any condition from any flag state. */
bool cond_eval_slow(const struct cpu *c, enum cond cc);

/* Conditions straight from the record of the two operations compilers put before nearly every
 * Jcc/SETcc/CMOVcc: cmp/sub and test/and/or/xor. Operands shifted to the top of a 64-bit word
 * compare like the operand-sized values, unsigned and signed, so no mask or sign extension is
 * needed. Each condition tests some of CF, ZF and "less" (SF != OF): bit 0, 1 and 2 of `m`;
 * which ones comes from a table, so the compare needs no branch on the condition. 0 marks the
 * conditions (O, S, P) left to cond_eval_slow. */
static inline __attribute__((always_inline)) bool cond_eval_on(const struct cpu *c, enum cond cc)
{
	static const uint8_t sub_tests[8] = { 0, 1, 2, 3, 0, 0, 4, 6 };
	const struct lazy_flags *lf = &c->lf;
	unsigned sh = 64 - 8u * lf->size, t = sub_tests[cc >> 1];
	if (__builtin_expect(lf->op == LF_SUB && t, 1)) {
		uint64_t a = lf->src1 << sh, b = lf->src2 << sh;
		unsigned m = (a < b) | (a == b) << 1 | ((int64_t)a < (int64_t)b) << 2;
		return ((m & t) != 0) ^ (cc & 1);
	}
	if (__builtin_expect(lf->op == LF_LOGIC && (cc >> 1) != 5, 1)) {
		/* CF = OF = 0: "less" is SF, and O and B are never true. */
		uint64_t r = lf->res << sh;
		unsigned m = (r == 0) << 1 | ((int64_t)r < 0) << 2;
		static const uint8_t logic_tests[8] = { 0, 0, 2, 2, 4, 0, 4, 6 };
		return ((m & logic_tests[cc >> 1]) != 0) ^ (cc & 1);
	}
	return cond_eval_slow(c, cc);
}

/* One instance of cond_eval_on per condition: the condition becomes a constant and each case
 * folds to the one or two compares it needs (callers with a constant condition get just that). */
static inline bool cond_eval(const struct cpu *c, enum cond cc)
{
	switch (cc & 15) {
	case CC_O: return cond_eval_on(c, CC_O);
	case CC_NO: return cond_eval_on(c, CC_NO);
	case CC_B: return cond_eval_on(c, CC_B);
	case CC_AE: return cond_eval_on(c, CC_AE);
	case CC_E: return cond_eval_on(c, CC_E);
	case CC_NE: return cond_eval_on(c, CC_NE);
	case CC_BE: return cond_eval_on(c, CC_BE);
	case CC_A: return cond_eval_on(c, CC_A);
	case CC_S: return cond_eval_on(c, CC_S);
	case CC_NS: return cond_eval_on(c, CC_NS);
	case CC_P: return cond_eval_on(c, CC_P);
	case CC_NP: return cond_eval_on(c, CC_NP);
	case CC_L: return cond_eval_on(c, CC_L);
	case CC_GE: return cond_eval_on(c, CC_GE);
	case CC_LE: return cond_eval_on(c, CC_LE);
	default: return cond_eval_on(c, CC_G);
	}
}

/* Even parity of the low byte (PF). */
static inline uint64_t parity_flag(uint64_t res)
{
	return (0x9669u >> ((res ^ (res >> 4)) & 0xf)) & 1 ? FL_PF : 0;
}

#endif
