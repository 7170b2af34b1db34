/* Two-operand ALU (add or adc sbb and sub xor cmp test) and the unary group (not neg inc dec).
 *
 * One function computes every ALU operation at every width for a register destination and one
 * for a memory destination; the handlers only differ in where their operands come from. Flags
 * are lazy (cpu/flags.h). Memory destinations are read, then written, then the flags are
 * recorded, so a faulting write leaves the state untouched. LOCK needs nothing: all guest
 * threads run on one host thread. */
#include "cpu/decode.h"
#include "cpu/integer.h"

static inline unsigned alu_cin(const struct cpu *c, unsigned op)
{
	return op == ALU_ADC || op == ALU_SBB ? flags_cf(c) : 0;
}

static inline uint64_t alu_result(unsigned op, uint64_t a, uint64_t b, unsigned cin)
{
	switch (op) {
	case ALU_ADD: return a + b;
	case ALU_OR: return a | b;
	case ALU_ADC: return a + b + cin;
	case ALU_SBB: return a - b - cin;
	case ALU_SUB: case ALU_CMP: return a - b;
	case ALU_XOR: return a ^ b;
	default: return a & b; /* ALU_AND, ALU_TEST */
	}
}

static inline void alu_flags(struct cpu *c, unsigned op, unsigned size, uint64_t r, uint64_t a,
			     uint64_t b, unsigned cin)
{
	switch (op) {
	case ALU_ADD: flags_lazy(c, LF_ADD, size, r, a, b); break;
	case ALU_ADC: flags_lazy_carry(c, LF_ADC, size, r, a, b, cin); break;
	case ALU_SBB: flags_lazy_carry(c, LF_SBB, size, r, a, b, cin); break;
	case ALU_SUB: case ALU_CMP: flags_lazy(c, LF_SUB, size, r, a, b); break;
	default: flags_lazy(c, LF_LOGIC, size, r, a, b); break;
	}
}

static inline bool alu_writes(unsigned op)
{
	return op != ALU_CMP && op != ALU_TEST;
}

/* ADC/SBB with a register destination. Out of line: the carry-in may need a call
 * (flags_cf), and a call inside alu_reg would make every ALU handler save and restore
 * callee-saved registers. */
static __attribute__((noinline)) void alu_reg_carry(struct cpu *c, const struct insn *i,
						    unsigned dst, uint64_t b)
{
	unsigned size = i->osz, cin = flags_cf(c);
	uint64_t a = reg_get(c, i, dst, size), r;
	if (i->param == ALU_ADC) {
		r = a + b + cin;
		flags_lazy_carry(c, LF_ADC, size, r, a, b, cin);
	} else {
		r = a - b - cin;
		flags_lazy_carry(c, LF_SBB, size, r, a, b, cin);
	}
	reg_set(c, i, dst, size, r);
}

/* Register destination, the hot case: nothing can fault, so one dispatch on the operation
 * computes the result and records the flags. */
static inline __attribute__((always_inline)) void alu_reg_op(struct cpu *c, const struct insn *i,
							     unsigned op, unsigned size, unsigned dst,
							     uint64_t b)
{
	uint64_t a = reg_get(c, i, dst, size), r;
	switch (op) {
	case ALU_ADD:
		r = a + b;
		flags_lazy(c, LF_ADD, size, r, a, b);
		break;
	case ALU_OR:
		r = a | b;
		flags_lazy(c, LF_LOGIC, size, r, a, b);
		break;
	case ALU_ADC:
	case ALU_SBB:
		alu_reg_carry(c, i, dst, b);
		return;
	case ALU_AND:
		r = a & b;
		flags_lazy(c, LF_LOGIC, size, r, a, b);
		break;
	case ALU_SUB:
		r = a - b;
		flags_lazy(c, LF_SUB, size, r, a, b);
		break;
	case ALU_XOR:
		r = a ^ b;
		flags_lazy(c, LF_LOGIC, size, r, a, b);
		break;
	case ALU_CMP:
		flags_lazy(c, LF_SUB, size, a - b, a, b);
		return;
	default: /* ALU_TEST */
		flags_lazy(c, LF_LOGIC, size, a & b, a, b);
		return;
	}
	reg_set(c, i, dst, size, r);
}

static inline __attribute__((always_inline)) void alu_reg(struct cpu *c, const struct insn *i,
							  unsigned dst, uint64_t b)
{
	alu_reg_op(c, i, i->param, i->osz, dst, b);
}

/* Memory destination: the result is written before the flags are recorded, so a faulting
 * write changes nothing. */
static inline __attribute__((always_inline)) void alu_mem_op(struct cpu *c, const struct insn *i,
							     unsigned op, unsigned size, uint64_t b)
{
	unsigned cin = alu_cin(c, op);
	uint64_t addr = insn_ea(c, i), a = cpu_read(c, addr, size);
	uint64_t r = alu_result(op, a, b, cin);
	if (alu_writes(op))
		cpu_write(c, addr, size, r);
	alu_flags(c, op, size, r, a, b, cin);
}

static void alu_mem(struct cpu *c, const struct insn *i, uint64_t b)
{
	alu_mem_op(c, i, i->param, i->osz, b);
}

/* 00 08 10 18 20 28 30 38 (and 01...), 84 85: Eb,Gb / Ev,Gv */
void alu_rm_reg(struct cpu *c, const struct insn *i)
{
	uint64_t b = reg_get(c, i, i->reg, i->osz);
	if (likely(!i->is_mem))
		alu_reg(c, i, i->rm, b);
	else
		alu_mem(c, i, b);
}

/* 80 81 82 83, F6/F7 /0 /1: Eb,Ib / Ev,Iz / Ev,Ib */
void alu_rm_imm(struct cpu *c, const struct insn *i)
{
	if (likely(!i->is_mem))
		alu_reg(c, i, i->rm, i->imm);
	else
		alu_mem(c, i, i->imm);
}

/* 02 0A ... 3B: Gb,Eb / Gv,Ev */
void alu_reg_rm(struct cpu *c, const struct insn *i)
{
	alu_reg(c, i, i->reg, rm_read(c, i, i->osz));
}

/* 04 05 0C ... 3D, A8 A9: AL,Ib / rAX,Iz */
void alu_acc_imm(struct cpu *c, const struct insn *i)
{
	alu_reg(c, i, R_AX, i->imm);
}

/* Forms with the operation and the operand size as constants, chosen by the decoder
 * (alu_specialize): no dispatch on the operation, no size switch. 8-, 32- and 64-bit forms of
 * the operations without a carry-in; `rr` is Ev,Gv, `rr_rev` Gv,Ev, `ri` Ev,imm with a register
 * destination, `mr`, `mi` and `rm` the same with a memory operand. */
#define ALU_FIXED(op, size)                                                                  \
	static void alu_rr_##op##_##size(struct cpu *c, const struct insn *i)                \
	{                                                                                    \
		alu_reg_op(c, i, op, size, i->rm, reg_get(c, i, i->reg, size));              \
	}                                                                                    \
	static void alu_ri_##op##_##size(struct cpu *c, const struct insn *i)                \
	{                                                                                    \
		alu_reg_op(c, i, op, size, i->rm, i->imm);                                   \
	}                                                                                    \
	static void alu_rr_rev_##op##_##size(struct cpu *c, const struct insn *i)            \
	{                                                                                    \
		alu_reg_op(c, i, op, size, i->reg, reg_get(c, i, i->rm, size));              \
	}                                                                                    \
	static void alu_mr_##op##_##size(struct cpu *c, const struct insn *i)                \
	{                                                                                    \
		alu_mem_op(c, i, op, size, reg_get(c, i, i->reg, size));                      \
	}                                                                                    \
	static void alu_mi_##op##_##size(struct cpu *c, const struct insn *i)                \
	{                                                                                    \
		alu_mem_op(c, i, op, size, i->imm);                                          \
	}                                                                                    \
	static void alu_rm_##op##_##size(struct cpu *c, const struct insn *i)                \
	{                                                                                    \
		alu_reg_op(c, i, op, size, i->reg, cpu_read(c, insn_ea(c, i), size));        \
	}
#define ALU_FIXED_OP(op) ALU_FIXED(op, 1) ALU_FIXED(op, 4) ALU_FIXED(op, 8)
ALU_FIXED_OP(ALU_ADD)
ALU_FIXED_OP(ALU_OR)
ALU_FIXED_OP(ALU_AND)
ALU_FIXED_OP(ALU_SUB)
ALU_FIXED_OP(ALU_XOR)
ALU_FIXED_OP(ALU_CMP)
ALU_FIXED_OP(ALU_TEST)

/* [operation][operand size 1, 4, 8] */
#define ALU_ROW(form, op) [op] = { alu_##form##_##op##_1, alu_##form##_##op##_4, alu_##form##_##op##_8 }
#define ALU_TABLE(form)                                                                      \
	static insn_fn *const alu_##form[ALU_TEST + 1][3] = {                                \
		ALU_ROW(form, ALU_ADD), ALU_ROW(form, ALU_OR), ALU_ROW(form, ALU_AND),         \
		ALU_ROW(form, ALU_SUB), ALU_ROW(form, ALU_XOR), ALU_ROW(form, ALU_CMP),        \
		ALU_ROW(form, ALU_TEST),                                                     \
	};
ALU_TABLE(rr)
ALU_TABLE(ri)
ALU_TABLE(rr_rev)
ALU_TABLE(mr)
ALU_TABLE(mi)
ALU_TABLE(rm)

insn_fn *alu_specialize(insn_fn *fn, struct insn *i)
{
	if (i->osz == 2 || i->osz > 8 || i->param > ALU_TEST)
		return fn;
	insn_fn *const (*table)[3];
	if (fn == alu_rm_reg)
		table = i->is_mem ? alu_mr : alu_rr;
	else if (fn == alu_rm_imm)
		table = i->is_mem ? alu_mi : alu_ri;
	else if (fn == alu_reg_rm)
		table = i->is_mem ? alu_rm : alu_rr_rev;
	else
		return fn;
	insn_fn *s = table[i->param][i->osz == 1 ? 0 : i->osz == 4 ? 1 : 2];
	if (!s)
		return fn;
	if (!i->is_mem)
		i->fx = FX_PURE | FX_W_CFOF | FX_W_SZAP;
	return s;
}

/* F6/F7 /2 (not, param 0) and /3 (neg, param 1). NOT changes no flag. */
void unary_rm(struct cpu *c, const struct insn *i)
{
	unsigned size = i->osz;
	uint64_t addr = 0, a;
	if (i->is_mem) {
		addr = insn_ea(c, i);
		a = cpu_read(c, addr, size);
	} else {
		a = reg_get(c, i, i->rm, size);
	}
	uint64_t r = i->param ? 0 - a : ~a;
	if (i->is_mem)
		cpu_write(c, addr, size, r);
	else
		reg_set(c, i, i->rm, size, r);
	if (i->param)
		flags_lazy(c, LF_NEG, size, r, a, 0);
}

/* INC/DEC keep CF (SDM Vol. 2, INC). param 0 inc, 1 dec. */
static inline uint64_t incdec(struct cpu *c, unsigned dec, unsigned size, uint64_t a)
{
	uint64_t r = dec ? a - 1 : a + 1;
	flags_lazy_incdec(c, dec ? LF_DEC : LF_INC, size, r, a);
	return r;
}

/* FE/FF /0 /1 */
void incdec_rm(struct cpu *c, const struct insn *i)
{
	unsigned size = i->osz;
	if (i->is_mem) {
		uint64_t addr = insn_ea(c, i);
		uint64_t a = cpu_read(c, addr, size);
		uint64_t r = i->param ? a - 1 : a + 1;
		cpu_write(c, addr, size, r);
		incdec(c, i->param, size, a);
		return;
	}
	reg_set(c, i, i->rm, size, incdec(c, i->param, size, reg_get(c, i, i->rm, size)));
}

/* 40+r / 48+r (32-bit mode only; REX prefixes in 64-bit mode) */
void incdec_reg(struct cpu *c, const struct insn *i)
{
	unsigned size = i->osz;
	reg_set(c, i, i->reg, size, incdec(c, i->param, size, reg_get(c, i, i->reg, size)));
}
