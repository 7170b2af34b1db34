/* x87 FPU instructions (opcodes D8-DF and FWAIT), on top of the soft-float in cpu/float80.c.
 *
 * Every handler follows one order so exceptions stay precise: check for a pending unmasked
 * exception (#MF is reported at the next waiting instruction, SDM Vol. 1, 8.6), read memory
 * operands, compute, write memory (a fault there leaves the FPU untouched), then update the
 * registers, tags and status word. An unmasked IE/DE/ZE leaves the destination unchanged; an
 * unmasked OE/UE still delivers the bias-adjusted result to a register but never stores to
 * memory (SDM Vol. 1, 8.5). */
#include <string.h>

#include "cpu/decode.h"
#include "cpu/float80.h"
#include "cpu/insn.h"

enum {
	SW_SF = 1 << 6, SW_ES = 1 << 7, SW_C0 = 1 << 8, SW_C1 = 1 << 9, SW_C2 = 1 << 10,
	SW_C3 = 1 << 14, SW_B = 1 << 15,
	SW_CC = SW_C0 | SW_C1 | SW_C2 | SW_C3,
	TAG_VALID = 0, TAG_ZERO = 1, TAG_SPECIAL = 2, TAG_EMPTY = 3,
};

/* Memory operand formats (row param bits 0-2), with FST flags. */
enum { FM_F32, FM_F64, FM_F80, FM_I16, FM_I32, FM_I64, FM_BCD };
enum { ST_POP = 8, ST_TRUNC = 16 };
static const uint8_t fm_size[] = { 4, 8, 10, 2, 4, 8, 10 };

/* ---------------------------------------------------------------- stack and tags */

static inline unsigned phys(const struct cpu *c, unsigned k)
{
	return (c->fpu.top + k) & 7;
}

static inline bool is_empty(const struct cpu *c, unsigned k)
{
	return ((c->fpu.tag >> (2 * phys(c, k))) & 3) == TAG_EMPTY;
}

static inline struct float80 st_get(const struct cpu *c, unsigned k)
{
	return c->fpu.st[phys(c, k)];
}

static unsigned tag_for(struct float80 v)
{
	switch (f80_classify(v)) {
	case F80_NORMAL: return TAG_VALID;
	case F80_ZERO: return TAG_ZERO;
	default: return TAG_SPECIAL;
	}
}

static void set_tag(struct cpu *c, unsigned p, unsigned tag)
{
	c->fpu.tag = (uint16_t)((c->fpu.tag & ~(3u << (2 * p))) | tag << (2 * p));
}

static void st_set(struct cpu *c, unsigned k, struct float80 v)
{
	unsigned p = phys(c, k);
	c->fpu.st[p] = v;
	set_tag(c, p, tag_for(v));
}

static void st_push(struct cpu *c, struct float80 v)
{
	c->fpu.top = (c->fpu.top - 1) & 7;
	st_set(c, 0, v);
}

static void st_pop(struct cpu *c)
{
	set_tag(c, phys(c, 0), TAG_EMPTY);
	c->fpu.top = (c->fpu.top + 1) & 7;
}

/* ---------------------------------------------------------------- exceptions and bookkeeping */

/* Waiting instructions first deliver a pending unmasked exception (#MF). */
static void fwait_check(struct cpu *c)
{
	if (unlikely(c->fpu.sw & SW_ES))
		cpu_raise(c, TRAP_X87);
}

static struct fpctx begin(struct cpu *c)
{
	fwait_check(c);
	return fpctx_make(c->fpu.cw);
}

static uint16_t unmasked(const struct cpu *c, uint16_t flags)
{
	return flags & ~c->fpu.cw & FPX_ALL;
}

/* The operation's flags were raised with an unmasked IE, DE or ZE: nothing is written. */
static bool blocked(const struct cpu *c, const struct fpctx *x)
{
	return unmasked(c, x->flags) & (FPX_IE | FPX_DE | FPX_ZE);
}

/* Stack overflow/underflow (SDM Vol. 1, 8.5.1.1): IE with SF, C1 = 1 for overflow. Returns
 * true when masked, i.e. the caller delivers the QNaN indefinite. */
static bool stack_fault(struct cpu *c, struct fpctx *x, bool overflow)
{
	x->flags |= FPX_IE;
	x->c1 = overflow;
	x->stack_fault = true;
	return c->fpu.cw & FPX_IE;
}

/* Record flags and C1, raise ES/B for unmasked exceptions, and note the instruction in
 * FIP/FOP (and FDP for memory operands). `cc_mask` are further condition bits to replace. */
static void finish(struct cpu *c, const struct insn *i, const struct fpctx *x, uint16_t cc_mask, uint16_t cc)
{
	uint16_t flags = x->flags;
	bool c1 = x->c1;
	if (blocked(c, x)) { /* nothing delivered: no rounding to report, only a stack fault */
		flags &= FPX_IE | FPX_DE | FPX_ZE;
		c1 = x->stack_fault && x->c1;
	}
	uint16_t sw = (uint16_t)((c->fpu.sw & ~(SW_C1 | cc_mask)) | flags | (cc & cc_mask));
	/* SF is recorded here, not when the stack fault is found, so a store whose memory
	 * operand faults afterwards leaves the status word as it was (the host does). */
	if (x->stack_fault)
		sw |= SW_SF;
	if (c1)
		sw |= SW_C1;
	if (unmasked(c, flags))
		sw |= SW_ES | SW_B;
	c->fpu.sw = sw;
	c->fpu.fip = i->next - i->len;
	const struct opcode_row *row = &opcode_rows[i->row];
	/* FOP: the low 3 bits of the opcode and the ModRM byte; for memory forms the ModRM mod/rm
	 * bits are not kept by the decoder and read as 0. */
	c->fpu.fop = (uint16_t)((row->opcode & 7) << 8 | (i->reg & 7) << 3 |
				(i->is_mem ? 0 : 0xc0 | (i->rm & 7)));
	if (i->is_mem)
		c->fpu.fdp = insn_ea(c, i);
}

/* ---------------------------------------------------------------- memory operands */

static struct float80 load_operand(struct cpu *c, struct fpctx *x, unsigned fm, uint64_t a)
{
	uint8_t b[10];
	switch (fm) {
	case FM_F32: return f80_from_f32(x, (uint32_t)cpu_read(c, a, 4));
	case FM_F64: return f80_from_f64(x, cpu_read(c, a, 8));
	case FM_I16: return f80_from_int((int16_t)cpu_read(c, a, 2));
	case FM_I32: return f80_from_int((int32_t)cpu_read(c, a, 4));
	case FM_I64: return f80_from_int((int64_t)cpu_read(c, a, 8));
	case FM_F80: {
		struct float80 v = { cpu_read(c, a, 8), (uint16_t)cpu_read(c, a + 8, 2) };
		return v;
	}
	default:
		cpu_read_bytes(c, a, b, 10);
		return f80_from_bcd(b);
	}
}

/* Convert for a store; `v` NULL means the source was empty (the format's indefinite). */
static void store_image(struct fpctx *x, unsigned fm, bool trunc, const struct float80 *v, uint8_t out[10])
{
	struct float80 s = v ? *v : F80_INDEFINITE;
	uint64_t bits = 0;
	switch (fm) {
	case FM_F32: bits = f80_to_f32(x, s); break;
	case FM_F64: bits = f80_to_f64(x, s); break;
	case FM_I16: bits = (uint64_t)f80_to_int(x, s, 16, trunc); break;
	case FM_I32: bits = (uint64_t)f80_to_int(x, s, 32, trunc); break;
	case FM_I64: bits = (uint64_t)f80_to_int(x, s, 64, trunc); break;
	case FM_F80:
		memcpy(out, &s.mant, 8);
		memcpy(out + 8, &s.sign_exp, 2);
		return;
	default:
		f80_to_bcd(x, s, out);
		return;
	}
	memcpy(out, &bits, 8);
}

/* ---------------------------------------------------------------- loads and stores */

static void push_checked(struct cpu *c, struct fpctx *x, struct float80 v)
{
	if (!is_empty(c, 7)) {
		x->flags = 0; /* the overflow stops the load before its own exceptions (DE) */
		if (stack_fault(c, x, true))
			st_push(c, F80_INDEFINITE);
		return;
	}
	/* An unmasked DE does not stop a load: the host x87 pushes the value (SDM Vol. 1, 8.5.2
	 * leaves it open); an unmasked IE (SNaN source) does. */
	if (!(unmasked(c, x->flags) & FPX_IE))
		st_push(c, v);
}

/* FLD m32/m64/m80, FILD m16/m32/m64, FBLD. */
void x87_fld_mem(struct cpu *c, const struct insn *i)
{
	struct fpctx x = begin(c);
	struct float80 v = load_operand(c, &x, i->param & 7, insn_ea(c, i));
	push_checked(c, &x, v);
	finish(c, i, &x, 0, 0);
}

/* FLD ST(i). */
void x87_fld_st(struct cpu *c, const struct insn *i)
{
	struct fpctx x = begin(c);
	unsigned k = i->rm & 7;
	if (is_empty(c, k)) {
		/* Underflow wins over a simultaneous overflow: C1 = 0 and the indefinite is pushed
		 * over ST(7) (as the host x87 does). */
		if (stack_fault(c, &x, false))
			st_push(c, F80_INDEFINITE);
		finish(c, i, &x, 0, 0);
		return;
	}
	push_checked(c, &x, st_get(c, k));
	finish(c, i, &x, 0, 0);
}

/* FST/FSTP m32/m64/m80, FIST/FISTP m16/m32/m64, FISTTP, FBSTP. */
void x87_fst_mem(struct cpu *c, const struct insn *i)
{
	struct fpctx x = begin(c);
	unsigned fm = i->param & 7;
	uint8_t img[10];
	bool empty = is_empty(c, 0);
	struct float80 v = st_get(c, 0);
	if (empty) {
		if (!stack_fault(c, &x, false)) {
			finish(c, i, &x, 0, 0);
			return;
		}
	}
	store_image(&x, fm, i->param & ST_TRUNC, empty ? NULL : &v, img);
	/* A store with an unmasked exception other than PE does not happen at all, and reports
	 * only that exception (no PE, no C1), as the hardware does. */
	if (unmasked(c, x.flags) & ~FPX_PE) {
		x.flags &= (uint16_t)~FPX_PE;
		x.c1 = false;
		finish(c, i, &x, 0, 0);
		return;
	}
	if (fm_size[fm] <= 8) { /* the TLB fast path for the common sizes */
		uint64_t bits;
		memcpy(&bits, img, 8);
		cpu_write(c, insn_ea(c, i), fm_size[fm], bits);
	} else {
		cpu_write_bytes(c, insn_ea(c, i), img, fm_size[fm]);
	}
	if (i->param & ST_POP)
		st_pop(c);
	finish(c, i, &x, 0, 0);
}

/* FST/FSTP ST(i). */
void x87_fst_st(struct cpu *c, const struct insn *i)
{
	struct fpctx x = begin(c);
	struct float80 v = st_get(c, 0);
	if (is_empty(c, 0)) {
		if (!stack_fault(c, &x, false)) {
			finish(c, i, &x, 0, 0);
			return;
		}
		v = F80_INDEFINITE;
	}
	st_set(c, i->rm & 7, v);
	if (i->param)
		st_pop(c);
	finish(c, i, &x, 0, 0);
}

/* FXCH ST(i): an empty operand is first filled with the indefinite (masked underflow). */
void x87_fxch(struct cpu *c, const struct insn *i)
{
	struct fpctx x = begin(c);
	unsigned k = i->rm & 7;
	struct float80 a = st_get(c, 0), b = st_get(c, k);
	if (is_empty(c, 0) || is_empty(c, k)) {
		if (!stack_fault(c, &x, false)) {
			finish(c, i, &x, 0, 0);
			return;
		}
		if (is_empty(c, 0))
			a = F80_INDEFINITE;
		if (is_empty(c, k))
			b = F80_INDEFINITE;
	}
	st_set(c, 0, b);
	st_set(c, k, a);
	finish(c, i, &x, 0, 0);
}

/* FLD1 FLDL2T FLDL2E FLDPI FLDLG2 FLDLN2 FLDZ. */
void x87_fldc(struct cpu *c, const struct insn *i)
{
	struct fpctx x = begin(c);
	push_checked(c, &x, f80_const(&x, (enum f80_const)i->param));
	finish(c, i, &x, 0, 0);
}

/* FCMOVcc (param: enum cond, from EFLAGS as the integer conditions). */
void x87_fcmov(struct cpu *c, const struct insn *i)
{
	struct fpctx x = begin(c);
	unsigned k = i->rm & 7;
	if (is_empty(c, 0) || is_empty(c, k)) {
		if (stack_fault(c, &x, false))
			st_set(c, 0, F80_INDEFINITE);
		finish(c, i, &x, 0, 0);
		return;
	}
	if (cond_eval(c, (enum cond)i->param))
		st_set(c, 0, st_get(c, k));
	finish(c, i, &x, SW_C1, c->fpu.sw); /* C1 changes only on a stack fault */
}

/* FFREE ST(i) / FFREEP ST(i) (param 1). */
void x87_ffree(struct cpu *c, const struct insn *i)
{
	struct fpctx x = begin(c);
	set_tag(c, phys(c, i->rm & 7), TAG_EMPTY);
	if (i->param)
		st_pop(c); /* a real pop: ST(0) is freed too */
	finish(c, i, &x, 0, 0);
}

/* ---------------------------------------------------------------- arithmetic */

/* ModRM.reg of D8/DC/DA/DE: add mul com comp sub subr div divr, x = ST(0), y = the other. */
static struct float80 arith(struct fpctx *x, unsigned op, struct float80 a, struct float80 b)
{
	switch (op) {
	case 0: return f80_add(x, a, b);
	case 1: return f80_mul(x, a, b);
	case 4: return f80_sub(x, a, b);
	case 5: return f80_sub(x, b, a);
	case 6: return f80_div(x, a, b);
	default: return f80_div(x, b, a);
	}
}

/* A denormal single/double memory operand is normal once extended: its DE (src_de) is added
 * here, unless the operation already failed on a NaN, an invalid operand or a zero divisor,
 * which the host x87 reports instead. */
static void add_src_de(struct fpctx *x, uint16_t src_de, struct float80 a)
{
	enum f80_class k = f80_classify(a);
	if (src_de && !(x->flags & (FPX_IE | FPX_ZE)) && k != F80_QNAN && k != F80_UNSUPPORTED)
		x->flags |= FPX_DE;
}

static const uint16_t cmp_cc[] = {
	[F80_GT] = 0, [F80_LT] = SW_C0, [F80_EQ] = SW_C3, [F80_UNORDERED] = SW_C0 | SW_C2 | SW_C3,
};

/* Compare ST(0) with `b`, set C0 C2 C3 (C1 cleared), pop `pops` times. */
static void compare_cc(struct cpu *c, const struct insn *i, struct fpctx *x, bool b_empty, struct float80 b,
		       bool quiet, unsigned pops, uint16_t src_de)
{
	/* The condition codes are written even when an unmasked exception stops the instruction
	 * (unordered then); only the pops are skipped, as on the host x87. */
	uint16_t cc = SW_C0 | SW_C2 | SW_C3;
	bool run;
	if (is_empty(c, 0) || b_empty) {
		run = stack_fault(c, x, false);
	} else {
		cc = cmp_cc[f80_compare(x, st_get(c, 0), b, quiet)];
		add_src_de(x, src_de, st_get(c, 0));
		run = !blocked(c, x);
	}
	while (run && pops--)
		st_pop(c);
	finish(c, i, x, SW_CC & ~SW_C1, cc);
}

/* Two-operand arithmetic with the result in ST(dest); pop afterwards if asked. */
static void arith_to(struct cpu *c, const struct insn *i, struct fpctx *x, unsigned op, bool b_empty,
		     struct float80 b, unsigned dest, bool pop, uint16_t src_de)
{
	if (is_empty(c, 0) || b_empty) {
		if (!stack_fault(c, x, false)) {
			finish(c, i, x, 0, 0);
			return;
		}
		st_set(c, dest, F80_INDEFINITE);
	} else {
		struct float80 r = arith(x, op, st_get(c, 0), b);
		add_src_de(x, src_de, st_get(c, 0));
		if (blocked(c, x)) {
			finish(c, i, x, 0, 0);
			return;
		}
		st_set(c, dest, r);
	}
	if (pop)
		st_pop(c);
	finish(c, i, x, 0, 0);
}

/* D8/DC/DA/DE with a memory operand (param: its format). */
void x87_arith_mem(struct cpu *c, const struct insn *i)
{
	struct fpctx x = begin(c), conv = fpctx_make(c->fpu.cw);
	struct float80 b = load_operand(c, &conv, i->param, insn_ea(c, i));
	unsigned op = i->reg & 7;
	/* The operand's conversion flags count only if the operation runs (no stack fault). An
	 * SNaN stays signalling so the operation's NaN rules see it (a QNaN in ST(0) beats it). */
	if (conv.flags & FPX_IE)
		b.mant &= ~0x4000000000000000ull;
	uint16_t src_de = conv.flags & FPX_DE;
	if (op == 2 || op == 3)
		compare_cc(c, i, &x, false, b, false, op == 3, src_de);
	else
		arith_to(c, i, &x, op, false, b, 0, false, src_de);
}

/* D8 /r register forms: ST(0) = ST(0) op ST(i); FCOM/FCOMP ST(i). */
void x87_arith_st0(struct cpu *c, const struct insn *i)
{
	struct fpctx x = begin(c);
	unsigned k = i->rm & 7, op = i->reg & 7;
	if (op == 2 || op == 3)
		compare_cc(c, i, &x, is_empty(c, k), st_get(c, k), false, op == 3, 0);
	else
		arith_to(c, i, &x, op, is_empty(c, k), st_get(c, k), 0, false, 0);
}

/* DC / DE register forms: ST(i) = ST(0) op ST(i) per the reg table (param 1: pop). The reg
 * field of DC E0-FF names the reversed operation, so "fsubr st(i), st0" (reg 4) computes
 * ST(0) - ST(i) just as reg 4 of D8 does. */
void x87_arith_sti(struct cpu *c, const struct insn *i)
{
	struct fpctx x = begin(c);
	unsigned k = i->rm & 7;
	arith_to(c, i, &x, i->reg & 7, is_empty(c, k), st_get(c, k), k, i->param, 0);
}

/* FCOM/FCOMP/FUCOM/FUCOMP ST(i) (param bit 0: pop, bit 1: quiet), FCOMPP/FUCOMPP (rm fixed,
 * param bit 2: pop twice, compare with ST(1)). */
void x87_com_st(struct cpu *c, const struct insn *i)
{
	struct fpctx x = begin(c);
	unsigned k = i->param & 4 ? 1 : i->rm & 7;
	unsigned pops = i->param & 4 ? 2 : i->param & 1;
	compare_cc(c, i, &x, is_empty(c, k), st_get(c, k), i->param & 2, pops, 0);
}

/* FCOMI/FCOMIP/FUCOMI/FUCOMIP (param bit 0: pop, bit 1: quiet): ZF PF CF, OF SF AF cleared. */
void x87_comi(struct cpu *c, const struct insn *i)
{
	struct fpctx x = begin(c);
	unsigned k = i->rm & 7;
	uint64_t fl = FL_ZF | FL_PF | FL_CF;
	bool fault = is_empty(c, 0) || is_empty(c, k), run;
	if (fault) {
		run = stack_fault(c, &x, false);
	} else {
		static const uint64_t rel_flags[] = {
			[F80_GT] = 0, [F80_LT] = FL_CF, [F80_EQ] = FL_ZF, [F80_UNORDERED] = FL_ZF | FL_PF | FL_CF,
		};
		fl = rel_flags[f80_compare(&x, st_get(c, 0), st_get(c, k), i->param & 2)];
		run = !blocked(c, &x);
	}
	/* EFLAGS are written even when an unmasked exception stops the pop (host x87). */
	flags_set_arith(c, FL_ARITH, fl);
	if (run && (i->param & 1))
		st_pop(c);
	finish(c, i, &x, fault ? 0 : SW_C1, c->fpu.sw); /* C1 changes only on a stack fault */
}

/* ---------------------------------------------------------------- D9 E0-FF */

/* Operations on ST(0) alone that replace it: FCHS FABS FSQRT FRNDINT F2XM1 (param). */
enum { U_CHS, U_ABS, U_SQRT, U_RNDINT, U_2XM1 };

void x87_unary(struct cpu *c, const struct insn *i)
{
	struct fpctx x = begin(c);
	if (is_empty(c, 0)) {
		if (stack_fault(c, &x, false))
			st_set(c, 0, F80_INDEFINITE);
		finish(c, i, &x, 0, 0);
		return;
	}
	struct float80 a = st_get(c, 0), r;
	switch (i->param) {
	case U_CHS: r = a; r.sign_exp ^= 0x8000; break;
	case U_ABS: r = a; r.sign_exp &= 0x7fff; break;
	case U_SQRT: r = f80_sqrt(&x, a); break;
	case U_RNDINT: r = f80_round_int(&x, a); break;
	default: r = f80_2xm1(&x, a); break;
	}
	if (!blocked(c, &x))
		st_set(c, 0, r);
	finish(c, i, &x, 0, 0);
}

/* FTST: compare ST(0) with +0.0. */
void x87_ftst(struct cpu *c, const struct insn *i)
{
	struct fpctx x = begin(c);
	compare_cc(c, i, &x, false, (struct float80){ 0, 0 }, false, 0, 0);
}

/* FXAM: class in C3 C2 C0, sign in C1; no exceptions, an empty register is a class. */
void x87_fxam(struct cpu *c, const struct insn *i)
{
	fwait_check(c);
	static const uint16_t cls[] = {
		[F80_UNSUPPORTED] = 0, [F80_QNAN] = SW_C0, [F80_SNAN] = SW_C0, [F80_NORMAL] = SW_C2,
		[F80_INF] = SW_C2 | SW_C0, [F80_ZERO] = SW_C3, [F80_DENORMAL] = SW_C3 | SW_C2,
	};
	struct float80 a = st_get(c, 0);
	uint16_t cc = is_empty(c, 0) ? SW_C3 | SW_C0 : cls[f80_classify(a)];
	if (f80_sign(a))
		cc |= SW_C1;
	struct fpctx x = fpctx_make(c->fpu.cw);
	finish(c, i, &x, SW_CC, cc);
}

/* FDECSTP / FINCSTP (param: +1 / -1 as 7 / 1 added to TOP). */
void x87_incdecstp(struct cpu *c, const struct insn *i)
{
	struct fpctx x = begin(c);
	c->fpu.top = (c->fpu.top + i->param) & 7;
	finish(c, i, &x, 0, 0);
}

void x87_fnop(struct cpu *c, const struct insn *i)
{
	struct fpctx x = begin(c);
	finish(c, i, &x, 0, 0);
}

/* FENI/FDISI/FSETPM (DB E0/E1/E4): 8087/287 controls that later FPUs ignore. */
void x87_fnop_nowait(struct cpu *c, const struct insn *i)
{
}

/* ST(1) = f(ST(1), ST(0)), pop: FPATAN FYL2X FYL2XP1 (param). */
enum { B_PATAN, B_YL2X, B_YL2XP1 };

void x87_binary_pop(struct cpu *c, const struct insn *i)
{
	struct fpctx x = begin(c);
	if (is_empty(c, 0) || is_empty(c, 1)) {
		if (!stack_fault(c, &x, false)) {
			finish(c, i, &x, 0, 0);
			return;
		}
		st_set(c, 1, F80_INDEFINITE);
	} else {
		struct float80 a = st_get(c, 0), b = st_get(c, 1), r;
		switch (i->param) {
		case B_PATAN: r = f80_atan2(&x, b, a); break;
		case B_YL2X: r = f80_yl2x(&x, b, a); break;
		default: r = f80_yl2xp1(&x, b, a); break;
		}
		if (blocked(c, &x)) {
			finish(c, i, &x, 0, 0);
			return;
		}
		st_set(c, 1, r);
	}
	st_pop(c);
	finish(c, i, &x, 0, 0);
}

/* FSCALE (param 0), FPREM (1), FPREM1 (2): ST(0) = f(ST(0), ST(1)). */
enum { S_SCALE, S_PREM, S_PREM1 };

void x87_st0_st1(struct cpu *c, const struct insn *i)
{
	struct fpctx x = begin(c);
	uint16_t cc = 0, cc_mask = 0;
	if (is_empty(c, 0) || is_empty(c, 1)) {
		if (stack_fault(c, &x, false))
			st_set(c, 0, F80_INDEFINITE);
		finish(c, i, &x, i->param == S_SCALE ? 0 : SW_C2, 0); /* FPREM: C2 = 0, C0 C3 kept */
		return;
	}
	struct float80 a = st_get(c, 0), b = st_get(c, 1), r;
	if (i->param == S_SCALE) {
		r = f80_scale(&x, a, b);
	} else {
		r = f80_rem(&x, a, b, i->param == S_PREM1, &cc);
		bool no_quotient = cc == F80_REM_NO_QUOTIENT || blocked(c, &x);
		cc_mask = no_quotient ? SW_C2 : SW_C0 | SW_C2 | SW_C3;
		if (no_quotient)
			cc = 0;
		x.c1 = cc & SW_C1;
	}
	if (!blocked(c, &x))
		st_set(c, 0, r);
	finish(c, i, &x, cc_mask, cc);
}

/* FSIN FCOS FPTAN FSINCOS (param): out of range (|x| >= 2^63) sets C2 and changes nothing. */
enum { T_SIN, T_COS, T_TAN, T_SINCOS };

void x87_trig(struct cpu *c, const struct insn *i)
{
	struct fpctx x = begin(c);
	bool pushes = i->param == T_TAN || i->param == T_SINCOS;
	if (is_empty(c, 0) || (pushes && !is_empty(c, 7))) {
		if (stack_fault(c, &x, !is_empty(c, 0))) {
			st_set(c, 0, F80_INDEFINITE);
			if (pushes)
				st_push(c, F80_INDEFINITE);
		}
		finish(c, i, &x, SW_C2, 0); /* a stack fault clears C2, as the host does */
		return;
	}
	struct float80 a = st_get(c, 0), r0 = a, r1 = a;
	bool ok;
	switch (i->param) {
	case T_SIN: ok = f80_sincos(&x, a, &r0, NULL); break;
	case T_COS: ok = f80_sincos(&x, a, NULL, &r0); break;
	case T_TAN: ok = f80_tan(&x, a, &r0); r1 = f80_const(&x, F80C_ONE); break;
	default: ok = f80_sincos(&x, a, &r0, &r1); break;
	}
	if (!ok) {
		finish(c, i, &x, SW_C2, SW_C2);
		return;
	}
	if (!blocked(c, &x)) {
		st_set(c, 0, r0);
		if (pushes) {
			/* FPTAN pushes 1.0 (a NaN operand: the NaN twice); FSINCOS leaves the sine in
			 * ST(1) and pushes the cosine. */
			if (i->param == T_TAN && f80_classify(r0) == F80_QNAN)
				r1 = r0;
			st_push(c, r1);
		}
	}
	finish(c, i, &x, SW_C2, 0);
}

/* FXTRACT: ST(0) = exponent, push the significand. */
void x87_fxtract(struct cpu *c, const struct insn *i)
{
	struct fpctx x = begin(c);
	if (is_empty(c, 0) || !is_empty(c, 7)) {
		if (stack_fault(c, &x, !is_empty(c, 0))) {
			st_set(c, 0, F80_INDEFINITE);
			st_push(c, F80_INDEFINITE);
		}
		finish(c, i, &x, 0, 0);
		return;
	}
	struct float80 e, s = f80_extract(&x, st_get(c, 0), &e);
	if (!blocked(c, &x)) {
		st_set(c, 0, e);
		st_push(c, s);
	}
	finish(c, i, &x, 0, 0);
}

/* ---------------------------------------------------------------- control */

void x87_fwait(struct cpu *c, const struct insn *i)
{
	fwait_check(c);
}

static void fninit_state(struct x87_state *f)
{
	f->cw = 0x37f;
	f->sw = 0;
	f->top = 0;
	f->tag = 0xffff;
	f->fop = 0;
	f->fip = 0;
	f->fdp = 0;
}

void x87_fninit(struct cpu *c, const struct insn *i)
{
	fninit_state(&c->fpu);
}

void x87_fnclex(struct cpu *c, const struct insn *i)
{
	c->fpu.sw &= (uint16_t)~(FPX_ALL | SW_SF | SW_ES | SW_B);
}

/* ES/B follow the flags against the masks after the control word or status word changes. */
static void update_es(struct x87_state *f)
{
	if (f->sw & ~f->cw & FPX_ALL)
		f->sw |= SW_ES | SW_B;
	else
		f->sw &= (uint16_t)~(SW_ES | SW_B);
}

static uint16_t status_word(const struct cpu *c)
{
	return (uint16_t)((c->fpu.sw & ~0x3800u) | (c->fpu.top & 7u) << 11);
}

/* Reserved control word bits: bit 6 reads as 1, 7 and 13-15 as 0. */
static uint16_t cw_value(uint16_t v)
{
	return (uint16_t)((v & 0x1f3f) | 0x40);
}

void x87_fldcw(struct cpu *c, const struct insn *i)
{
	fwait_check(c);
	uint16_t v = (uint16_t)cpu_read(c, insn_ea(c, i), 2);
	c->fpu.cw = cw_value(v);
	update_es(&c->fpu);
}

void x87_fnstcw(struct cpu *c, const struct insn *i)
{
	cpu_write(c, insn_ea(c, i), 2, c->fpu.cw);
}

/* FNSTSW m16 (param 0) / FNSTSW AX (param 1). */
void x87_fnstsw(struct cpu *c, const struct insn *i)
{
	if (i->param)
		c->r[R_AX] = (c->r[R_AX] & ~0xffffull) | status_word(c);
	else
		cpu_write(c, insn_ea(c, i), 2, status_word(c));
}

/* The full tag word of the stored environment, recomputed from register contents. */
static uint16_t tag_word(const struct cpu *c)
{
	uint16_t t = 0;
	for (unsigned p = 0; p < 8; p++) {
		unsigned tag = (c->fpu.tag >> (2 * p)) & 3;
		if (tag != TAG_EMPTY)
			tag = tag_for(c->fpu.st[p]);
		t |= (uint16_t)(tag << (2 * p));
	}
	return t;
}

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static uint16_t get16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

/* Protected-mode environment image (SDM Vol. 1, 8.1.10, figures 8-9 and 8-10): 14 bytes with a
 * 16-bit operand size, else 28 (also in 64-bit mode). Reserved halves read as ones, as on
 * hardware; FCS is the code selector, FDS 0. Returns the image size. */
static unsigned env_image(const struct cpu *c, const struct insn *i, uint8_t *img)
{
	if (i->osz == 2) {
		put16(img + 0, c->fpu.cw);
		put16(img + 2, status_word(c));
		put16(img + 4, tag_word(c));
		put16(img + 6, (uint16_t)c->fpu.fip);
		put16(img + 8, c->seg[SEG_CS]);
		put16(img + 10, (uint16_t)c->fpu.fdp);
		put16(img + 12, 0);
		return 14;
	}
	put32(img + 0, 0xffff0000u | c->fpu.cw);
	put32(img + 4, 0xffff0000u | status_word(c));
	put32(img + 8, 0xffff0000u | tag_word(c));
	put32(img + 12, (uint32_t)c->fpu.fip);
	put32(img + 16, c->seg[SEG_CS] | (uint32_t)(c->fpu.fop & 0x7ff) << 16);
	put32(img + 20, (uint32_t)c->fpu.fdp);
	put32(img + 24, 0xffff0000u);
	return 28;
}

static void load_env(struct cpu *c, const struct insn *i, const uint8_t *img)
{
	struct x87_state *f = &c->fpu;
	uint16_t sw, tag;
	if (i->osz == 2) {
		f->cw = cw_value(get16(img));
		sw = get16(img + 2);
		tag = get16(img + 4);
		f->fip = get16(img + 6);
		f->fdp = get16(img + 10);
	} else {
		f->cw = cw_value(get16(img));
		sw = get16(img + 4);
		tag = get16(img + 8);
		f->fip = get32(img + 12);
		f->fop = (uint16_t)(get32(img + 16) >> 16) & 0x7ff;
		f->fdp = get32(img + 20);
	}
	f->top = (sw >> 11) & 7;
	f->sw = sw & ~0x3800u;
	/* Only "empty" is taken from the image; other tags follow the register contents. */
	f->tag = 0;
	for (unsigned p = 0; p < 8; p++)
		set_tag(c, p, ((tag >> (2 * p)) & 3) == TAG_EMPTY ? TAG_EMPTY : tag_for(f->st[p]));
	update_es(f);
}

void x87_fnstenv(struct cpu *c, const struct insn *i)
{
	uint8_t img[28];
	unsigned n = env_image(c, i, img);
	cpu_write_bytes(c, insn_ea(c, i), img, n);
	c->fpu.cw |= FPX_ALL; /* FNSTENV then masks every exception */
}

void x87_fldenv(struct cpu *c, const struct insn *i)
{
	fwait_check(c);
	uint8_t img[28];
	cpu_read_bytes(c, insn_ea(c, i), img, i->osz == 2 ? 14 : 28);
	load_env(c, i, img);
}

/* FNSAVE: environment, then ST(0)..ST(7) as 10-byte reals, then FNINIT. */
void x87_fnsave(struct cpu *c, const struct insn *i)
{
	uint8_t img[108];
	unsigned n = env_image(c, i, img);
	for (unsigned k = 0; k < 8; k++) {
		struct float80 v = st_get(c, k);
		memcpy(img + n + 10 * k, &v.mant, 8);
		memcpy(img + n + 10 * k + 8, &v.sign_exp, 2);
	}
	cpu_write_bytes(c, insn_ea(c, i), img, n + 80);
	fninit_state(&c->fpu);
}

void x87_frstor(struct cpu *c, const struct insn *i)
{
	fwait_check(c);
	uint8_t img[108];
	unsigned n = i->osz == 2 ? 14 : 28;
	cpu_read_bytes(c, insn_ea(c, i), img, n + 80);
	/* Registers first (in ST order of the image's TOP) so the tags are computed from them. */
	unsigned top = (get16(img + (n == 14 ? 2 : 4)) >> 11) & 7;
	for (unsigned k = 0; k < 8; k++) {
		struct float80 *st = &c->fpu.st[(top + k) & 7];
		memcpy(&st->mant, img + n + 10 * k, 8);
		memcpy(&st->sign_exp, img + n + 10 * k + 8, 2);
	}
	load_env(c, i, img);
}
