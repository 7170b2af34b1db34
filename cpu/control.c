/* Control flow: near jumps, calls and returns, Jcc, LOOP/JrCXZ, and the far transfers (far JMP,
 * far CALL, RETF, IRET) that switch between 64-bit and compatibility mode (Heaven's Gate).
 *
 * All rows here are F_END: the run loop has set c->rip = i->next before the handler runs, and a
 * fault raised from a handler restores RIP to the instruction. Relative targets come
 * precomputed and wrapped in i->imm. */
#include "cpu/control.h"
#include "cpu/decode.h"

void op_jcc(struct cpu *c, const struct insn *i)
{
	if (cond_eval(c, (enum cond)i->param))
		c->rip = i->imm;
}

/* Jcc with the condition as a constant, chosen by the decoder (jcc_specialize): the condition
 * folds to the compare it needs, no dispatch on it. */
#define JCC_FIXED(cc)                                                                        \
	static void op_jcc_##cc(struct cpu *c, const struct insn *i)                         \
	{                                                                                    \
		if (cond_eval(c, cc))                                                        \
			c->rip = i->imm;                                                     \
	}
JCC_FIXED(CC_O) JCC_FIXED(CC_NO) JCC_FIXED(CC_B) JCC_FIXED(CC_AE)
JCC_FIXED(CC_E) JCC_FIXED(CC_NE) JCC_FIXED(CC_BE) JCC_FIXED(CC_A)
JCC_FIXED(CC_S) JCC_FIXED(CC_NS) JCC_FIXED(CC_P) JCC_FIXED(CC_NP)
JCC_FIXED(CC_L) JCC_FIXED(CC_GE) JCC_FIXED(CC_LE) JCC_FIXED(CC_G)

void op_jmp(struct cpu *c, const struct insn *i)
{
	c->rip = i->imm;
}

void op_jmp_rm(struct cpu *c, const struct insn *i)
{
	uint64_t target = rm_read(c, i, i->osz);
	check_branch_target(c, target);
	c->rip = target;
}

void op_call(struct cpu *c, const struct insn *i)
{
	push(c, i->osz, i->next);
	c->rip = i->imm;
}

/* The operand is read with the old RSP (`call [rsp+8]`), before the push. */
void op_call_rm(struct cpu *c, const struct insn *i)
{
	uint64_t target = rm_read(c, i, i->osz);
	check_branch_target(c, target);
	push(c, i->osz, i->next);
	c->rip = target;
}

/* RET / RET imm16: the immediate is released after the return address (SDM Vol. 2, RET). */
void op_ret(struct cpu *c, const struct insn *i)
{
	uint64_t target = stack_peek(c, 0, i->osz);
	check_branch_target(c, target);
	sp_set(c, sp_get(c) + i->osz + i->imm);
	c->rip = target;
}

/* The counter of LOOP/JrCXZ is CX, ECX or RCX by address size (SDM Vol. 2, LOOPcc). */
void op_jrcxz(struct cpu *c, const struct insn *i)
{
	if (reg_get(c, i, R_CX, i->asz) == 0)
		c->rip = i->imm;
}

enum { LOOP_ANY, LOOP_E, LOOP_NE }; /* row param */

void op_loop(struct cpu *c, const struct insn *i)
{
	uint64_t count = (reg_get(c, i, R_CX, i->asz) - 1) & size_mask(i->asz);
	reg_set(c, i, R_CX, i->asz, count);
	bool go = count != 0;
	if (go && i->param != LOOP_ANY)
		go = flags_zf(c) == (i->param == LOOP_E);
	if (go)
		c->rip = i->imm;
}

/* ---- far transfers ---- */

/* Check a far transfer to sel:offset before anything changes; returns the CS to load.
 * #GP(selector) for anything but the two code selectors the CPU knows. JMP/CALL to a
 * non-conforming code segment take the CPL as the new RPL, so only the index and table bits of
 * their selector matter; RETF/IRET need RPL 3 (an RPL below the CPL is #GP, one above it would be
 * a return to an outer level, impossible from CPL 3). SDM Vol. 2, JMP/CALL/RET/IRET. */
static uint16_t far_check(struct cpu *c, uint16_t sel, uint64_t *offset, bool is_return)
{
	uint16_t cs = is_return ? sel : sel | 3;
	if (cs != CPU_SEL_CS64 && cs != CPU_SEL_CS32)
		raise_gp_selector(c, sel);
	if (cs == CPU_SEL_CS32)
		*offset &= 0xffffffffull;
	else
		check_canonical(c, *offset);
	return cs;
}

/* The last step of a far transfer: may switch the mode. */
static void far_commit(struct cpu *c, uint16_t cs, uint64_t offset)
{
	cpu_set_cs(c, cs);
	c->rip = offset;
}

/* m16:16, m16:32 or (REX.W) m16:64: the offset of operand size, then the selector. */
static void read_far_pointer(struct cpu *c, const struct insn *i, uint16_t *sel, uint64_t *off)
{
	uint64_t ea = insn_ea(c, i);
	*off = cpu_read(c, ea, i->osz);
	*sel = (uint16_t)cpu_read(c, ea + i->osz, 2);
}

static void far_jmp(struct cpu *c, uint16_t sel, uint64_t off)
{
	uint16_t cs = far_check(c, sel, &off, false);
	far_commit(c, cs, off);
}

/* Far CALL pushes CS then the return offset, each of operand size (the selector zero-extended,
 * as AMD and older Intel CPUs store it). Both slots are written in one checked access before
 * RSP changes. */
static void far_call(struct cpu *c, const struct insn *i, uint16_t sel, uint64_t off)
{
	unsigned n = i->osz;
	uint16_t cs = far_check(c, sel, &off, false);
	uint64_t sp = (sp_get(c) - 2 * n) & stack_mask(c);
	uint64_t old_cs = c->seg[SEG_CS], ret = i->next;
	uint8_t frame[16];
	memcpy(frame, &ret, n);
	memcpy(frame + n, &old_cs, n);
	cpu_write_bytes(c, sp, frame, 2 * n);
	sp_set(c, sp);
	far_commit(c, cs, off);
}

void op_jmp_far(struct cpu *c, const struct insn *i)
{
	far_jmp(c, (uint16_t)(i->imm >> 32), i->imm & 0xffffffffull);
}

void op_jmp_far_m(struct cpu *c, const struct insn *i)
{
	uint16_t sel;
	uint64_t off;
	read_far_pointer(c, i, &sel, &off);
	far_jmp(c, sel, off);
}

void op_call_far(struct cpu *c, const struct insn *i)
{
	far_call(c, i, (uint16_t)(i->imm >> 32), i->imm & 0xffffffffull);
}

void op_call_far_m(struct cpu *c, const struct insn *i)
{
	uint16_t sel;
	uint64_t off;
	read_far_pointer(c, i, &sel, &off);
	far_call(c, i, sel, off);
}

/* RETF / RETF imm16: pops the offset and CS (operand size each), then releases imm16 bytes.
 * A return to the same privilege level pops no SS:RSP (SDM Vol. 2, RET). The new stack pointer
 * is computed with the stack width of the mode the instruction ran in. */
void op_retf(struct cpu *c, const struct insn *i)
{
	unsigned n = i->osz;
	uint64_t off = stack_peek(c, 0, n);
	uint16_t sel = (uint16_t)stack_peek(c, n, 2);
	uint16_t cs = far_check(c, sel, &off, true);
	sp_set(c, sp_get(c) + 2 * n + i->imm);
	far_commit(c, cs, off);
}

/* IRET/IRETD/IRETQ at CPL 3 without a privilege change (SDM Vol. 2, IRET, IA-32e mode): pops
 * RIP, CS, RFLAGS and — when it ran in 64-bit mode — RSP and SS, each of operand size. NT set
 * is #GP (no task returns in IA-32e mode). RFLAGS follow the POPF rules (cpu_set_rflags), a
 * 16-bit IRET replaces only FLAGS. */
void op_iret(struct cpu *c, const struct insn *i)
{
	unsigned n = i->osz;
	bool from64 = c->mode == CPU_MODE_64;
	uint64_t off = stack_peek(c, 0, n);
	uint16_t sel = (uint16_t)stack_peek(c, n, 2);
	uint64_t fl = stack_peek(c, 2 * n, n);
	uint64_t new_sp = sp_get(c) + 3 * n;
	uint16_t ss = c->seg[SEG_SS];
	if (from64) {
		new_sp = stack_peek(c, 3 * n, n);
		ss = (uint16_t)stack_peek(c, 4 * n, 2);
	}
	if (cpu_get_rflags(c) & FL_NT)
		cpu_raise_gp(c, GP_OTHER);
	uint16_t cs = far_check(c, sel, &off, true);
	if (from64 && !seg_selector_ok(c, SEG_SS, ss))
		raise_gp_selector(c, ss);
	if (n == 2)
		fl = (cpu_get_rflags(c) & ~0xffffull) | (fl & 0xffff);
	cpu_set_rflags(c, fl);
	if (from64) {
		c->r[R_SP] = new_sp & size_mask(n);
		c->seg[SEG_SS] = ss;
	} else {
		sp_set(c, new_sp);
	}
	far_commit(c, cs, off);
}

/* 64-bit near call and ret (no immediate): an operand size of 8 exists only in 64-bit mode. */
static void op_call64(struct cpu *c, const struct insn *i)
{
	uint64_t sp = c->r[R_SP] - 8;
	cpu_write(c, sp, 8, i->next);
	c->r[R_SP] = sp;
	c->rip = i->imm;
}

static void op_ret64(struct cpu *c, const struct insn *i)
{
	uint64_t sp = c->r[R_SP], target = cpu_read(c, sp, 8);
	check_branch_target(c, target);
	c->r[R_SP] = sp + 8;
	c->rip = target;
}

insn_fn *control_specialize(insn_fn *fn, const struct insn *i)
{
	if (fn == op_call && i->osz == 8)
		return op_call64;
	if (fn == op_ret && i->osz == 8 && i->imm == 0)
		return op_ret64;
	static insn_fn *const fixed[16] = {
		op_jcc_CC_O, op_jcc_CC_NO, op_jcc_CC_B, op_jcc_CC_AE,
		op_jcc_CC_E, op_jcc_CC_NE, op_jcc_CC_BE, op_jcc_CC_A,
		op_jcc_CC_S, op_jcc_CC_NS, op_jcc_CC_P, op_jcc_CC_NP,
		op_jcc_CC_L, op_jcc_CC_GE, op_jcc_CC_LE, op_jcc_CC_G,
	};
	return fn == op_jcc ? fixed[i->param & 15] : fn;
}
