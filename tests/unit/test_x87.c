/* x87 instructions through the run loop: golden checks of stack, tags, condition codes,
 * exceptions and memory images, and (on x86-64 hosts) every sequence in `seqs` run natively
 * too, comparing the whole FPU state, the flags, AX and the data area with the host's x87. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "cpu_fixture.h"
#include "host_run.h"
#include "cpu/float80.h"
#include "run_suite.h"

/* The data area every sequence sees at rbx. */
#define DATA_SIZE 0x200
static void fill_data(uint8_t *d)
{
	static const struct { unsigned off, n; uint64_t v; } init[] = {
		{ 0x00, 4, 0x3fc00000 },             /* f32 1.5 */
		{ 0x04, 4, 0x00000003 },             /* f32 denormal */
		{ 0x08, 8, 0x3fb999999999999aull },  /* f64 0.1 */
		{ 0x10, 8, 0xc00e000000000000ull },  /* f64 -3.75 */
		{ 0x18, 8, 0xaaaaaaaaaaaaaaabull },  /* f80 1/3 */
		{ 0x20, 2, 0x3ffd },
		{ 0x28, 2, (uint16_t)-1234 },        /* i16 */
		{ 0x2a, 2, 7 },                      /* i16 */
		{ 0x2c, 4, 123456789 },              /* i32 */
		{ 0x30, 8, (uint64_t)-9876543210123ll }, /* i64 */
		{ 0x38, 8, 0x7654321098765432ull },  /* BCD -987654321098765432 */
		{ 0x40, 2, 0x8098 },
		{ 0x48, 8, 0x0f7f0b7f077f037full },  /* CW: nearest, down, up, zero */
		{ 0x50, 4, 0x027f007f },             /* CW: PC 24, PC 53 */
		{ 0x54, 4, 0x7f800001 },             /* f32 SNaN */
		{ 0x58, 8, 0x7e37e43c8800759cull },  /* f64 1e300 */
		{ 0x60, 8, 0xffffffffffffffffull },  /* f80 largest finite */
		{ 0x68, 2, 0x7ffe },
		{ 0x70, 8, 0x4000000000000000ull },  /* f64 2.0 */
		{ 0x78, 4, 0x7fffffff },
		{ 0x84, 8, 0x036f0377037b037eull },  /* CW unmasking IE, ZE, OE, UE */
		{ 0x8c, 4, 0x035f037d },             /* CW unmasking DE, PE */
		{ 0x90, 8, 3 },                      /* f80 denormal */
	};
	memset(d, 0, DATA_SIZE);
	for (unsigned k = 0; k < sizeof init / sizeof init[0]; k++)
		memcpy(d + init[k].off, &init[k].v, init[k].n);
}

struct seq {
	const char *name;
	const uint8_t *code;
	size_t n;
};

/* Every listed sequence starts from an initialised FPU and a zero AX (FNSTSW writes only AX,
 * and RAX is compared): the runner puts fninit; xor eax, eax before the listed bytes. */
struct listed_seq {
	const char *name;
	const char *hex;
};

static const struct listed_seq seqs[] = {
	/* fld1; fldpi; faddp st1, st0 */
	{ "add_pi_one", "d9e8 d9eb dec1" },
	/* fld dword [rbx+0]; fld qword [rbx+8]; fmul st0, st1; fld tword [rbx+0x18]; */
	/* fstp tword [rbx+0x100]; fst qword [rbx+0x110]; fstp dword [rbx+0x118] */
	{ "load_formats_mul", "d903 dd4308 d8c9 db6b18 dbbb00010000 dd9310010000 d99b18010000" },
	/* fild word [rbx+0x28]; fild dword [rbx+0x2c]; fild qword [rbx+0x30]; fist word [rbx+0x100]; */
	/* fistp dword [rbx+0x104]; fistp qword [rbx+0x108]; fld qword [rbx+0x10]; fisttp dword [rbx+0x110]; */
	/* fld qword [rbx+0x10]; fistp dword [rbx+0x114] */
	{ "int_loads_stores", "df4328 db432c df6b30 df9300010000 db9b04010000 dfbb08010000 dd4310 db8b10010000 dd4310 db9b14010000" },
	/* fild qword [rbx+0x30]; fist word [rbx+0x100]; fist dword [rbx+0x104]; fistp qword [rbx+0x108]; */
	/* fnstsw ax */
	{ "int_store_overflow", "df6b30 df9300010000 db9304010000 dfbb08010000 dfe0" },
	/* fbld tword [rbx+0x38]; fld st0; fbstp tword [rbx+0x100]; fld qword [rbx+0x10]; */
	/* fbstp tword [rbx+0x110]; fld qword [rbx+0x58]; fbstp tword [rbx+0x120]; fnstsw ax */
	{ "bcd", "df6338 d9c0 dfb300010000 dd4310 dfb310010000 dd4358 dfb320010000 dfe0" },
	/* fld1; fldz; fcom st1; fnstsw ax; mov [rbx+0x100], ax; fcomp st1; fnstsw ax; mov [rbx+0x102], ax; */
	/* fldpi; fld1; fcompp; fnstsw ax; mov [rbx+0x104], ax; fld dword [rbx+0]; fcom dword [rbx+0]; */
	/* fnstsw ax */
	{ "compare_cc", "d9e8 d9ee d8d1 dfe0 66898300010000 d8d9 dfe0 66898302010000 d9eb d9e8 ded9 dfe0 66898304010000 d903 d813 dfe0" },
	/* fldz; fldz; fdiv st0, st1; fld1; fucom st1; fnstsw ax; mov [rbx+0x100], ax; fcom st1; fnstsw ax; */
	/* mov [rbx+0x102], ax; fucomip st0, st1; fnstsw ax */
	{ "compare_nan", "d9ee d9ee d8f1 d9e8 dde1 dfe0 66898300010000 d8d1 dfe0 66898302010000 dfe9 dfe0" },
	/* fld1; fldz; fcomi st0, st1 */
	{ "fcomi_lt", "d9e8 d9ee dbf1" },
	/* fldz; fld1; fcomip st0, st1 */
	{ "fcomi_gt", "d9ee d9e8 dff1" },
	/* fld1; fld1; fucomi st0, st1 */
	{ "fucomi_eq", "d9e8 d9e8 dbe9" },
	/* fild word [rbx+0x2a]; ficom word [rbx+0x2a]; fnstsw ax; mov [rbx+0x100], ax; */
	/* ficomp dword [rbx+0x2c]; fnstsw ax */
	{ "ficom", "df432a de532a dfe0 66898300010000 da5b2c dfe0" },
	/* fld1; fld1; fld1; fld1; fld1; fld1; fld1; fld1; fldpi; fnstsw ax */
	{ "stack_overflow", "d9e8 d9e8 d9e8 d9e8 d9e8 d9e8 d9e8 d9e8 d9eb dfe0" },
	/* fadd st0, st1; fnstsw ax; mov [rbx+0x100], ax; fld1; fadd st0, st3; fnstsw ax */
	{ "stack_underflow", "d8c1 dfe0 66898300010000 d9e8 d8c3 dfe0" },
	/* fst dword [rbx+0x100]; fstp qword [rbx+0x108]; fistp word [rbx+0x110]; fnstsw ax */
	{ "fst_empty", "d99300010000 dd9b08010000 df9b10010000 dfe0" },
	/* fld1; fldpi; fxch st1; fxch st3; fnstsw ax */
	{ "fxch", "d9e8 d9eb d9c9 d9cb dfe0" },
	/* fld1; fldpi; fldz; mov eax, 1; cmp eax, 2; fcmovb st0, st1; fcmovnb st0, st2; fcmove st0, st2; */
	/* fcmovne st0, st2; fcmovbe st0, st1; fcmovnbe st0, st2; fcmovu st0, st1; fcmovnu st0, st2 */
	{ "fcmov", "d9e8 d9eb d9ee b801000000 83f802 dac1 dbc2 daca dbca dad1 dbd2 dad9 dbda" },
	/* fld qword [rbx+0x10]; fld st0; frndint; fldcw [rbx+0x4a]; fld st1; frndint; fldcw [rbx+0x4c]; */
	/* fld st2; frndint; fldcw [rbx+0x4e]; fld st3; frndint; fnstsw ax */
	{ "frndint_modes", "dd4310 d9c0 d9fc d96b4a d9c1 d9fc d96b4c d9c2 d9fc d96b4e d9c3 d9fc dfe0" },
	/* fld1; fldpi; fprem; fnstsw ax; mov [rbx+0x100], ax; fld qword [rbx+0x58]; fld qword [rbx+0x10]; */
	/* fxch st1; fprem; fnstsw ax; mov [rbx+0x102], ax; fprem1; fnstsw ax */
	{ "fprem", "d9e8 d9eb d9f8 dfe0 66898300010000 dd4358 dd4310 d9c9 d9f8 dfe0 66898302010000 d9f5 dfe0" },
	/* fld qword [rbx+0x10]; fxtract; fld qword [rbx+0x70]; fld1; fscale; fldz; fxtract; fnstsw ax */
	{ "fxtract_fscale", "dd4310 d9f4 dd4370 d9e8 d9fd d9ee d9f4 dfe0" },
	/* fld1; fldpi; fldz; fdiv st0, st1; fnstenv [rbx+0x100]; fldcw [rbx+0x48]; fnsave [rbx+0x140]; */
	/* fld1; frstor [rbx+0x140]; fxch st1 */
	{ "env_save", "d9e8 d9eb d9ee d8f1 d9b300010000 d96b48 ddb340010000 d9e8 dda340010000 d9c9" },
	/* fld1; fldpi; fnstenv [rbx+0x100]; mov word [rbx+0x100], 0x0c7f; fldenv [rbx+0x100]; fld1; */
	/* fld qword [rbx+0x10]; fadd st0, st1; fnstsw ax */
	{ "env_load", "d9e8 d9eb d9b300010000 66c783000100007f0c d9a300010000 d9e8 dd4310 d8c1 dfe0" },
	/* fldcw [rbx+0x50]; fld1; fld qword [rbx+0x10]; fdiv st1, st0; fsqrt; fldcw [rbx+0x52]; fld1; */
	/* fld qword [rbx+0x10]; fdivr st1, st0; fnstsw ax */
	{ "precision_24_53", "d96b50 d9e8 dd4310 dcf9 d9fa d96b52 d9e8 dd4310 dcf1 dfe0" },
	/* fld dword [rbx+4]; fnstsw ax; mov [rbx+0x100], ax; fld st0; fmul st0, st1; fst dword [rbx+0x104]; */
	/* fnstsw ax; mov [rbx+0x108], ax; fld tword [rbx+0x60]; fmul st0, st0; fnstsw ax */
	{ "denormals", "d94304 dfe0 66898300010000 d9c0 d8c9 d99304010000 dfe0 66898308010000 db6b60 dcc8 dfe0" },
	/* fld dword [rbx+0x54]; fnstsw ax; fld st0; fstp qword [rbx+0x100] */
	{ "snan_load", "d94354 dfe0 d9c0 dd9b00010000" },
	/* fld qword [rbx+0x58]; fst dword [rbx+0x100]; fnstsw ax; mov [rbx+0x104], ax; */
	/* fld tword [rbx+0x60]; fst qword [rbx+0x108]; fldcw [rbx+0x4e]; fst dword [rbx+0x110]; fnstsw ax */
	{ "fst_overflow", "dd4358 d99300010000 dfe0 66898304010000 db6b60 dd9308010000 d96b4e d99310010000 dfe0" },
	/* fld qword [rbx+0x10]; fld qword [rbx+0x8]; fld1; fsub st0, st1; fsubr st0, st2; fsub st1, st0; */
	/* fsubr st2, st0; fdiv st0, st1; fdivr st0, st2; fdiv st1, st0; fdivr st2, st0; fsubp st1, st0; */
	/* fsubrp st1, st0; fld1; fdivp st1, st0; fld1; fdivrp st1, st0 */
	{ "sub_div_forms", "dd4310 dd4308 d9e8 d8e1 d8ea dce9 dce2 d8f1 d8fa dcf9 dcf2 dee9 dee1 d9e8 def9 d9e8 def1" },
	/* fld1; fadd dword [rbx]; fmul qword [rbx+8]; fsub dword [rbx]; fsubr qword [rbx+0x10]; */
	/* fdiv dword [rbx]; fdivr qword [rbx+0x10]; fiadd word [rbx+0x2a]; fimul dword [rbx+0x2c]; */
	/* fisub word [rbx+0x28]; fisubr dword [rbx+0x2c]; fidiv word [rbx+0x2a]; fidivr dword [rbx+0x2c] */
	{ "mem_arith", "d9e8 d803 dc4b08 d823 dc6b10 d833 dc7b10 de432a da4b2c de6328 da6b2c de732a da7b2c" },
	/* fld1; fldz; fdivp st1, st0; fnstsw ax; fldz; fldz; fdivp st1, st0 */
	{ "div_zero_masked", "d9e8 d9ee def9 dfe0 d9ee d9ee def9" },
	/* fld1; fchs; fld1; fabs; fldpi; ftst; fnstsw ax; mov [rbx+0x100], ax; fxam; fnstsw ax; */
	/* mov [rbx+0x102], ax; ffree st1; fdecstp; fincstp; fincstp; fnop; fxam; fnstsw ax; */
	/* mov [rbx+0x104], ax; ffreep st0; fld st1; fst st3; fstp st2 */
	{ "misc_ops", "d9e8 d9e0 d9e8 d9e1 d9eb d9e4 dfe0 66898300010000 d9e5 dfe0 66898302010000 ddc1 d9f6 d9f7 d9f7 d9d0 d9e5 dfe0 66898304010000 dfc0 d9c1 ddd3 ddda" },
	/* fldz; fxam; fnstsw ax; mov [rbx+0x100], ax; fld dword [rbx+4]; fxam; fnstsw ax; */
	/* mov [rbx+0x102], ax; fld1; fldz; fdivp st1, st0; fxam; fnstsw ax; mov [rbx+0x104], ax; */
	/* fld tword [rbx+0x18]; fchs; fxam; fnstsw ax */
	{ "fxam_classes", "d9ee d9e5 dfe0 66898300010000 d94304 d9e5 dfe0 66898302010000 d9e8 d9ee def9 d9e5 dfe0 66898304010000 db6b18 d9e0 d9e5 dfe0" },
	/* fldl2t; fldl2e; fldpi; fldlg2; fldln2; fldcw [rbx+0x4a]; fldl2t; fldl2e; fnstsw ax */
	{ "constants_rc", "d9e9 d9ea d9eb d9ec d9ed d96b4a d9e9 d9ea dfe0" },
	/* fldcw [rbx+0x4c]; fldpi; fldlg2; fldln2; fldl2e; fldl2t; fld1; fldz */
	{ "constants_up", "d96b4c d9eb d9ec d9ed d9ea d9e9 d9e8 d9ee" },
	/* fld qword [rbx+0x70]; fsqrt; fld qword [rbx+0x10]; fchs; fsqrt; fnstsw ax */
	{ "sqrt_exact", "dd4370 d9fa dd4310 d9e0 d9fa dfe0" },
	/* fld1; fld qword [rbx+0x70]; fyl2x; fld1; fld1; fpatan; fldz; f2xm1; fld1; fchs; f2xm1; fldz; */
	/* fld1; fyl2xp1 */
	{ "transc_exact", "d9e8 dd4370 d9f1 d9e8 d9e8 d9f3 d9ee d9f0 d9e8 d9e0 d9f0 d9ee d9e8 d9f9" },
	/* fldz; fld1; fdivrp st1, st0; fnstsw ax; mov [rbx+0x100], ax; fnclex; fnstsw ax */
	{ "fnclex_sw", "d9ee d9e8 def1 dfe0 66898300010000 dbe2 dfe0" },
	/* fld qword [rbx+0x10]; fisttp word [rbx+0x100]; fld qword [rbx+0x10]; fisttp qword [rbx+0x108]; */
	/* fld qword [rbx+0x58]; fisttp dword [rbx+0x110]; fnstsw ax */
	{ "fisttp_forms", "dd4310 df8b00010000 dd4310 dd8b08010000 dd4358 db8b10010000 dfe0" },
	/* fldz; fptan; fldz; fsincos; fnstsw ax */
	{ "fptan_fsincos_zero", "d9ee d9f2 d9ee d9fb dfe0" },
	/* fld qword [rbx+0x58]; fsin; fnstsw ax; mov [rbx+0x100], ax; fcos; fptan; fnstsw ax */
	{ "fsin_out_of_range", "dd4358 d9fe dfe0 66898300010000 d9ff d9f2 dfe0" },
	/* fldcw [rbx+0x84]; fadd st0, st1; fnstsw ax */
	{ "unmasked_ie_stack", "d9ab84000000 d8c1 dfe0" },
	/* fldcw [rbx+0x86]; fld1; fldz; fdivp st1, st0; fnstsw ax */
	{ "unmasked_ze", "d9ab86000000 d9e8 d9ee def9 dfe0" },
	/* fldcw [rbx+0x88]; fld tword [rbx+0x60]; fmul st0, st0 */
	{ "unmasked_oe_reg", "d9ab88000000 db6b60 dcc8" },
	/* fldcw [rbx+0x88]; fld tword [rbx+0x60]; fst dword [rbx+0x100]; fnstsw ax */
	{ "unmasked_oe_store", "d9ab88000000 db6b60 d99300010000 dfe0" },
	/* fldcw [rbx+0x8a]; fld dword [rbx+4]; fst dword [rbx+0x100]; fnstsw ax */
	{ "unmasked_ue_store", "d9ab8a000000 d94304 d99300010000 dfe0" },
	/* fldcw [rbx+0x8c]; fld1; fld dword [rbx+4]; fnstsw ax */
	{ "unmasked_de_load", "d9ab8c000000 d9e8 d94304 dfe0" },
	/* fldcw [rbx+0x8c]; fld1; fld tword [rbx+0x90]; fadd st0, st1; fnstsw ax */
	{ "unmasked_de_arith", "d9ab8c000000 d9e8 dbab90000000 d8c1 dfe0" },
	/* fldcw [rbx+0x8c]; fld1; fadd dword [rbx+4]; fnstsw ax */
	{ "unmasked_de_mem", "d9ab8c000000 d9e8 d84304 dfe0" },
	/* fld1; fld tword [rbx+0x90]; fadd st0, st1; fld tword [rbx+0x90]; fst dword [rbx+0x100]; */
	/* fnstsw ax */
	{ "masked_de_arith", "d9e8 dbab90000000 d8c1 dbab90000000 d99300010000 dfe0" },
	/* fld1; fldpi; fldz; db 0xdc, 0xd1; fnstsw ax; mov [rbx+0x100], ax; db 0xdc, 0xda; db 0xdd, 0xc9; */
	/* db 0xdf, 0xc9; fld1; db 0xde, 0xd1; fnstsw ax; mov [rbx+0x102], ax; fld1; fld1; db 0xdf, 0xd1; */
	/* db 0xdf, 0xd9; db 0xd9, 0xd9; db 0xdb, 0xe0; db 0xdb, 0xe1; db 0xdb, 0xe4 */
	{ "undocumented_aliases", "d9e8 d9eb d9ee dc d1df e066 898300010000 dc dadd c9 df c9 d9e8 de d1df e066 898302010000 d9e8 d9e8 df d1df d9 d9 d9 dbe0 dbe1 dbe4" },
	/* fldcw [rbx+0x84]; fld1; fld dword [rbx+0x54]; fnstsw ax */
	{ "unmasked_ie_snan_load", "d9ab84000000 d9e8 d94354 dfe0" },
	/* fldcw [rbx+0x84]; fld1; fchs; fsqrt; fnstsw ax */
	{ "unmasked_ie_invalid", "d9ab84000000 d9e8 d9e0 d9fa dfe0" },
	/* fldcw [rbx+0x84]; fld qword [rbx+0x58]; fistp dword [rbx+0x100]; fnstsw ax */
	{ "unmasked_ie_fist", "d9ab84000000 dd4358 db9b00010000 dfe0" },
	/* fldcw [rbx+0x8e]; fld qword [rbx+8]; fstp dword [rbx+0x100]; fnstsw ax */
	{ "unmasked_pe_store", "d9ab8e000000 dd4308 d99b00010000 dfe0" },
	/* fldcw [rbx+0x8e]; fld1; fld qword [rbx+8]; fdivp st1, st0; fnstsw ax */
	{ "unmasked_pe_arith", "d9ab8e000000 d9e8 dd4308 def9 dfe0" },
	/* fldcw [rbx+0x8a]; fld qword [rbx+8]; fld tword [rbx+0x90]; fmul st0, st1; fnstsw ax */
	{ "unmasked_ue_reg", "d9ab8a000000 dd4308 dbab90000000 d8c9 dfe0" },
	/* fldcw [rbx+0x86]; fld1; fdiv dword [rbx+0x100]; fnstsw ax */
	{ "unmasked_ze_mem", "d9ab86000000 d9e8 d8b300010000 dfe0" },
	/* fldcw [rbx+0x88]; fild word [rbx+0x2a]; fld tword [rbx+0x60]; fscale; fnstsw ax */
	{ "unmasked_oe_scale", "d9ab88000000 df432a db6b60 d9fd dfe0" },
};

/* FPU state in FXSAVE terms (abridged tag), what both sides can produce. */
struct fstate {
	uint16_t cw, sw;
	uint8_t ftw;
	uint8_t st[8][10]; /* ST(0)..ST(7) */
	uint64_t rax, flags;
	int trap; /* offset of the instruction that raised #MF, -1 if none */
	uint8_t data[DATA_SIZE];
};

static void emu_run_with(const struct seq *s, const uint8_t *init, struct fstate *out)
{
	memcpy(fx->data, init, DATA_SIZE);
	memset(fx->cpu.fpu.st, 0, sizeof fx->cpu.fpu.st);
	fx->cpu.r[R_BX] = FX_DATA;
	enum trap_kind t = fx_run(fx, s->code, s->n);
	ck_assert_msg(t == TRAP_BREAKPOINT || t == TRAP_X87, "%s: trap %s at +%llx (%02x %02x)", s->name, cpu_trap_name(t),
		      (unsigned long long)(fx->cpu.trap.insn_rip - FX_CODE), s->code[fx->cpu.trap.insn_rip - FX_CODE],
		      s->code[fx->cpu.trap.insn_rip - FX_CODE + 1]);
	const struct x87_state *f = &fx->cpu.fpu;
	memset(out, 0, sizeof *out);
	out->cw = f->cw;
	out->sw = (uint16_t)((f->sw & ~0x3800u) | f->top << 11);
	for (unsigned p = 0; p < 8; p++)
		if (((f->tag >> (2 * p)) & 3) != 3)
			out->ftw |= (uint8_t)(1u << p);
	for (unsigned k = 0; k < 8; k++) {
		const struct float80 *r = &f->st[(f->top + k) & 7];
		memcpy(out->st[k], &r->mant, 8);
		memcpy(out->st[k] + 8, &r->sign_exp, 2);
	}
	out->rax = fx->cpu.r[R_AX];
	out->flags = cpu_get_rflags(&fx->cpu) & FL_ARITH;
	out->trap = t == TRAP_X87 ? (int)(fx->cpu.trap.insn_rip - FX_CODE) : -1;
	memcpy(out->data, fx->data, DATA_SIZE);
}

static void emu_run(const struct seq *s, struct fstate *out)
{
	uint8_t init[DATA_SIZE];
	fill_data(init);
	emu_run_with(s, init, out);
}

#ifdef __x86_64__
struct native_args {
	struct _libc_fpstate fp __attribute__((aligned(16))); /* FXSAVE after the sequence */
	uint8_t *data;
	void *code;
	uint64_t rax, flags;
};

static void native_exec(void *arg)
{
	struct native_args *a = arg;
	uint64_t rax, fl;
	/* Step over the red zone before the call; the sequences use rax and rbx. */
	/* Stale register contents (FNSAVE images, FXAM's C1 on empty registers) start as +0 on
	 * both sides: fldz x8 then fninit. */
	__asm__ volatile("fninit\n\t" "fldz\n\tfldz\n\tfldz\n\tfldz\n\tfldz\n\tfldz\n\tfldz\n\tfldz\n\t"
			 "sub $128, %%rsp\n\tmov %[d], %%rbx\n\tfninit\n\tcall *%[f]\n\t"
			 "pushfq\n\tpop %[fl]\n\tadd $128, %%rsp\n\tfxsave %[fx]\n\tfninit"
			 : "=a"(rax), [fl] "=&r"(fl), [fx] "=m"(a->fp)
			 : [d] "r"(a->data), [f] "r"(a->code)
			 : "rbx", "memory", "cc");
	a->rax = rax;
	a->flags = fl;
}

/* A sequence that leaves an unmasked exception pending traps (#MF, SIGFPE) at its next waiting
 * instruction natively too: the state is then the one at the trap. */
static void native_run_with(const struct seq *s, const uint8_t *init, struct fstate *out)
{
	static uint8_t data[DATA_SIZE] __attribute__((aligned(16)));
	static struct native_args a;
	memcpy(data, init, DATA_SIZE);
	a.data = data;
	a.code = host_code(s->code, s->n);
	struct host_fault f;
	const struct _libc_fpstate *fp = &a.fp;
	memset(out, 0, sizeof *out);
	out->trap = -1;
	if (host_call(native_exec, &a, &f)) {
		__asm__ volatile("fninit");
		fp = &f.fp;
		a.rax = (uint64_t)f.gregs[REG_RAX];
		a.flags = (uint64_t)f.gregs[REG_EFL];
		out->trap = (int)((uint8_t *)f.gregs[REG_RIP] - (uint8_t *)a.code);
	}
	out->cw = fp->cwd;
	out->sw = fp->swd;
	out->ftw = (uint8_t)fp->ftw;
	for (unsigned k = 0; k < 8; k++)
		memcpy(out->st[k], &fp->_st[k], 10);
	out->rax = a.rax;
	out->flags = a.flags & FL_ARITH;
	memcpy(out->data, data, DATA_SIZE);
}

static void native_run(const struct seq *s, struct fstate *out)
{
	uint8_t init[DATA_SIZE];
	fill_data(init);
	native_run_with(s, init, out);
}

/* Environment images in the data area hold FIP/FDP, which are addresses: not comparable. */
static void mask_env(struct fstate *s, const char *name)
{
	if (strcmp(name, "env_save") && strcmp(name, "env_load"))
		return;
	static const unsigned offs[] = { 0x100, 0x140 };
	for (unsigned k = 0; k < 2; k++) {
		memset(s->data + offs[k] + 12, 0, 4);
		memset(s->data + offs[k] + 20, 0, 4);
	}
}

/* Differences as a message, or NULL when the states agree. */
static const char *state_diff(const struct fstate *e, const struct fstate *h)
{
	static char msg[200];
	if (e->trap != h->trap) {
		snprintf(msg, sizeof msg, "#MF at %d, host %d", e->trap, h->trap);
		return msg;
	}
	if (e->cw != h->cw || e->sw != h->sw || e->ftw != h->ftw) {
		snprintf(msg, sizeof msg, "cw %04x sw %04x ftw %02x, host %04x %04x %02x", e->cw, e->sw, e->ftw,
			 h->cw, h->sw, h->ftw);
		return msg;
	}
	for (unsigned k = 0; k < 8; k++) {
		if (!((h->ftw >> ((k + ((h->sw >> 11) & 7)) & 7)) & 1))
			continue; /* empty registers hold stale values */
		if (memcmp(e->st[k], h->st[k], 10)) {
			uint64_t em, hm;
			uint16_t ee, he;
			memcpy(&em, e->st[k], 8);
			memcpy(&hm, h->st[k], 8);
			memcpy(&ee, e->st[k] + 8, 2);
			memcpy(&he, h->st[k] + 8, 2);
			snprintf(msg, sizeof msg, "st(%u) %04x %016llx host %04x %016llx", k, ee,
				 (unsigned long long)em, he, (unsigned long long)hm);
			return msg;
		}
	}
	if (e->rax != h->rax || e->flags != h->flags) {
		snprintf(msg, sizeof msg, "rax %llx flags %llx, host %llx %llx", (unsigned long long)e->rax,
			 (unsigned long long)e->flags, (unsigned long long)h->rax, (unsigned long long)h->flags);
		return msg;
	}
	for (unsigned k = 0; k < DATA_SIZE; k++) {
		if (e->data[k] != h->data[k]) {
			snprintf(msg, sizeof msg, "data[%#x] %02x host %02x", k, e->data[k], h->data[k]);
			return msg;
		}
	}
	return NULL;
}

START_TEST(sequences_match_host_x87)
{
	uint8_t code[128] = {
		0xdb, 0xe3, /* fninit */
		0x31, 0xc0, /* xor eax, eax */
	};
	struct seq s = { seqs[_i].name, code, 4 };
	s.n += fx_hex(seqs[_i].hex, code + s.n, sizeof code - s.n);
	struct fstate e, h;
	emu_run(&s, &e);
	native_run(&s, &h);
	mask_env(&e, s.name);
	mask_env(&h, s.name);
	const char *d = state_diff(&e, &h);
	ck_assert_msg(!d, "%s: %s", s.name, d);
}
END_TEST

/* Random sequences of non-transcendental x87 instructions over random operands: register
 * forms of every arithmetic, compare, move and stack instruction, loads and stores of every
 * memory format at rbx+disp32, control words with random RC and PC (all exceptions masked so
 * the native run cannot trap). */
static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint64_t rnd(void)
{
	return fx_xorshift(&rng);
}

/* Input area 0x000-0x0ff: random values; output area 0x100-0x1ff. */
static void random_data(uint8_t *d)
{
	for (unsigned k = 0; k < DATA_SIZE; k += 8) {
		uint64_t v = rnd();
		memcpy(d + k, &v, 8);
	}
	for (unsigned k = 0; k < 0x100; k += 16) {
		uint16_t se;
		uint64_t m = rnd() | 0x8000000000000000ull;
		switch (rnd() % 8) {
		case 0: se = (uint16_t)(rnd() & 0x8000); m >>= rnd() % 64; break; /* denormal */
		case 1: se = 0x7fff | (rnd() & 0x8000); break;                   /* inf / NaN */
		case 2: se = (uint16_t)(rnd() & 0x8000); m = 0; break;            /* zero */
		case 3: se = (uint16_t)((rnd() & 0x8000) | (0x3ffe + (int)(rnd() % 68))); m = ~0ull; break;
		default: se = (uint16_t)((rnd() & 0x8000) | (0x3fff + (int)(rnd() % 130) - 65)); break;
		}
		memcpy(d + k, &m, 8);
		memcpy(d + k + 8, &se, 2);
	}
	/* Control words (all exceptions masked) at 0xf0.. for fldcw, BCD digits at 0xe0. */
	for (unsigned k = 0; k < 8; k++) {
		uint16_t cw = (uint16_t)(0x7f | (rnd() & 0xf00));
		memcpy(d + 0xf0 + 2 * k, &cw, 2);
	}
	for (unsigned k = 0; k < 9; k++) {
		unsigned two = (unsigned)(rnd() % 100);
		d[0xe0 + k] = (uint8_t)((two / 10) << 4 | two % 10);
	}
	d[0xe9] = (uint8_t)(rnd() & 0x80);
}

/* Operands inside every transcendental's domain (|x| < 1/4 for FYL2XP1, |x| <= 1 for F2XM1;
 * small trigonometric arguments, where the host needs no reduction). */
static void domain_data(uint8_t *init)
{
	for (unsigned k = 0; k < 0x100; k += 16) {
		uint16_t se;
		memcpy(&se, init + k + 8, 2);
		if ((se & 0x7fff) > 0x3ffc && (se & 0x7fff) != 0x7fff)
			se = (uint16_t)((se & 0x8000) | (0x3fec + (se & 15)));
		memcpy(init + k + 8, &se, 2);
		uint64_t d;
		memcpy(&d, init + k, 8);
		if ((d & 0x7ff0000000000000ull) != 0x7ff0000000000000ull && (d & ~(1ull << 63)) > 0x3fd0000000000000ull)
			d = (d & 0x800fffffffffffffull) | 0x3f80000000000000ull;
		memcpy(init + k, &d, 8);
		uint32_t f;
		for (unsigned o = 0; o < 8; o += 4) { /* singles at rbx+k, rbx+k+4 (after the double) */
			memcpy(&f, init + k + o, 4);
			if ((f & 0x7f800000) != 0x7f800000 && (f & 0x7fffffff) > 0x3e800000)
				f = (f & 0x807fffff) | 0x3c000000;
			memcpy(init + k + o, &f, 4);
		}
	}
}

/* fninit; fldz x8; fninit: every register +0 and empty, so stale contents (which FXAM's C1
 * shows) are the same natively, where a SIGFPE resets the registers, and emulated. */
static size_t random_prologue(uint8_t *p)
{
	size_t n = 0;
	p[n++] = 0xdb; p[n++] = 0xe3;
	for (int k = 0; k < 8; k++) {
		p[n++] = 0xd9; p[n++] = 0xee;
	}
	p[n++] = 0xdb; p[n++] = 0xe3;
	return n;
}

static size_t emit_mem(uint8_t *p, uint8_t op, unsigned reg, unsigned disp)
{
	p[0] = op;
	p[1] = (uint8_t)(0x83 | reg << 3); /* [rbx + disp32] */
	memcpy(p + 2, &disp, 4);
	return 6;
}

static size_t random_insn(uint8_t *p)
{
	static const uint8_t d9_specials[] = {
		0xe0, 0xe1, 0xe4, 0xe5, 0xe8, 0xe9, 0xea, 0xeb, 0xec, 0xed, 0xee,
		0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xfa, 0xfc, 0xfd,
	};
	/* memory formats: opcode and reg of the load, of the store-and-pop, and the size */
	static const struct { uint8_t ld_op, ld_reg, st_op, st_reg, size; } fmt[] = {
		{ 0xd9, 0, 0xd9, 3, 4 }, { 0xdd, 0, 0xdd, 3, 8 }, { 0xdb, 5, 0xdb, 7, 10 },
		{ 0xdf, 0, 0xdf, 3, 2 }, { 0xdb, 0, 0xdb, 3, 4 }, { 0xdf, 5, 0xdf, 7, 8 },
	};
	unsigned i = (unsigned)(rnd() % 8), r = (unsigned)rnd();
	switch (rnd() % 16) {
	case 0: case 1: /* D8 / DC / DE register arithmetic */
		p[0] = (const uint8_t[]){ 0xd8, 0xdc, 0xde }[r % 3];
		p[1] = (uint8_t)(0xc0 | ((r >> 4) & 7) << 3 | i);
		if (p[0] == 0xde && ((r >> 4) & 7) == 3)
			p[1] = 0xd9; /* fcompp: the only DE D8-DF form */
		return 2;
	case 2: p[0] = 0xd9; p[1] = (uint8_t)(0xc0 | i); return 2;                  /* fld st(i) */
	case 3: p[0] = 0xd9; p[1] = (uint8_t)(0xc8 | i); return 2;                  /* fxch */
	case 4: p[0] = 0xdd; p[1] = (uint8_t)((r & 1 ? 0xd0 : 0xd8) | i); return 2; /* fst(p) st(i) */
	case 5: p[0] = 0xdd; p[1] = (uint8_t)((0xc0 + 8 * (4 + r % 2)) | i);        /* fucom(p) */
		if (r % 7 == 0) { p[0] = 0xdd; p[1] = (uint8_t)(0xc0 | i); }         /* ffree */
		if (r % 11 == 0) { p[0] = 0xdf; p[1] = (uint8_t)(0xc0 | i); }        /* ffreep */
		return 2;
	case 6: /* fcomi / fucomi / fcomip / fucomip, fcompp, fucompp */
		p[0] = r & 1 ? 0xdb : 0xdf;
		p[1] = (uint8_t)((r & 2 ? 0xe8 : 0xf0) | i);
		if (r % 9 == 0) { p[0] = 0xde; p[1] = 0xd9; }
		if (r % 13 == 0) { p[0] = 0xda; p[1] = 0xe9; }
		return 2;
	case 7: p[0] = r & 1 ? 0xda : 0xdb; p[1] = (uint8_t)(0xc0 | (r >> 1) % 32); return 2; /* fcmov */
	case 8: case 9: p[0] = 0xd9; p[1] = d9_specials[r % sizeof d9_specials]; return 2;
	case 10: case 11: { /* load */
		unsigned f = r % 6;
		return emit_mem(p, fmt[f].ld_op, fmt[f].ld_reg, (unsigned)(rnd() % 15) * 16 + ((r >> 8) & 1) * 4 * (fmt[f].size <= 4));
	}
	case 12: { /* store (with or without pop), fisttp, fbstp */
		unsigned f = r % 6, disp = 0x100 + (unsigned)(rnd() % 24) * 10;
		unsigned reg = fmt[f].st_reg;
		if (f != 2 && f != 5 && (r >> 4) % 3 == 0)
			reg = 2; /* fst / fist without pop */
		if ((r >> 6) % 5 == 0 && f >= 3)
			return emit_mem(p, f == 3 ? 0xdf : f == 4 ? 0xdb : 0xdd, 1, disp); /* fisttp */
		if ((r >> 6) % 5 == 1)
			return emit_mem(p, 0xdf, (r >> 9) & 1 ? 6 : 4, (r >> 9) & 1 ? disp : 0xe0); /* fbstp / fbld */
		return emit_mem(p, fmt[f].st_op, reg, disp);
	}
	case 13: /* memory arithmetic: m32fp, m64fp, m32int, m16int */
		return emit_mem(p, (uint8_t)(0xd8 + 2 * (r % 4)), (r >> 3) & 7, (unsigned)(rnd() % 16) * 16);
	case 14: return emit_mem(p, 0xd9, 5, 0xf0 + 2 * (r % 8));  /* fldcw */
	default: p[0] = 0xdf; p[1] = 0xe0; return 2;               /* fnstsw ax */
	}
}

/* Transcendental instructions in random sequences. ntemu's results are correctly rounded
 * to ~1 ulp and the host's are not (its 66-bit pi), so register values are compared to 2^-40
 * relative and C1 (rounded up) is ignored; everything else (NaN handling, stack faults,
 * out-of-range C2, zero/infinity/denormal rules, tags, flags) must match exactly. */
static bool close_values(const uint8_t *a, const uint8_t *b)
{
	uint64_t ma, mb;
	uint16_t ea, eb;
	memcpy(&ma, a, 8);
	memcpy(&mb, b, 8);
	memcpy(&ea, a + 8, 2);
	memcpy(&eb, b + 8, 2);
	if (ma == mb && ea == eb)
		return true;
	if ((ea & 0x8000) != (eb & 0x8000) || (ea & 0x7fff) == 0x7fff || (eb & 0x7fff) == 0x7fff)
		return false;
	int d = (int)(ea & 0x7fff) - (int)(eb & 0x7fff);
	if (d < -1 || d > 1)
		return false;
	/* align to the larger exponent and compare the difference with 2^-40 of it */
	if (d < 0) {
		uint64_t t = ma; ma = mb; mb = t;
		d = -d;
	}
	mb >>= d;
	uint64_t diff = ma > mb ? ma - mb : mb - ma;
	return diff <= (ma >> 40 | 2); /* denormal results: 2 ulp */
}

/* One transcendental instruction with freshly loaded operands (so they stay in the documented
 * domains), or an fldcw, ffree or fxch to vary rounding and the stack. */
static size_t random_trans_insn(uint8_t *p)
{
	static const struct { uint8_t op, nargs; } ops[] = {
		{ 0xf0, 1 }, { 0xf1, 2 }, { 0xf2, 1 }, { 0xf3, 2 }, { 0xf9, 2 },
		{ 0xfb, 1 }, { 0xfe, 1 }, { 0xff, 1 }, { 0xfd, 2 }, { 0xf4, 1 },
	};
	unsigned r = (unsigned)rnd();
	size_t len = 0;
	switch (rnd() % 6) {
	case 0: return emit_mem(p, 0xd9, 5, 0xf0 + 2 * (r % 8));                    /* fldcw */
	case 1: p[0] = r & 1 ? 0xdd : 0xd9; p[1] = (uint8_t)(0xc8 | (r >> 1) % 8); /* ffree / fxch */
		p[1] = (uint8_t)(r & 1 ? p[1] - 8 : p[1]);
		return 2;
	default: {
		unsigned k = r % (sizeof ops / sizeof ops[0]);
		for (unsigned n = 0; n < ops[k].nargs; n++) {
			unsigned v = (unsigned)rnd();
			len += emit_mem(p + len, (const uint8_t[]){ 0xd9, 0xdd, 0xdb }[v % 3], v % 3 == 2 ? 5 : 0,
					(unsigned)(rnd() % 15) * 16 + ((v >> 8) & 1) * 4 * (v % 3 == 0));
		}
		p[len++] = 0xd9;
		p[len++] = ops[k].op;
		return len;
	}
	}
}

/* Exact except where close_values allows, and C1 ignored: differences as a message, or NULL. */
static const char *close_diff(const struct fstate *e, const struct fstate *h)
{
	static char msg[200];
	bool ok = e->trap == h->trap && e->cw == h->cw && (e->sw & ~0x200) == (h->sw & ~0x200) &&
		  e->ftw == h->ftw && e->flags == h->flags;
	for (unsigned k = 0; ok && k < 8; k++)
		if ((h->ftw >> ((k + ((h->sw >> 11) & 7)) & 7)) & 1)
			ok = close_values(e->st[k], h->st[k]);
	if (ok)
		return NULL;
	snprintf(msg, sizeof msg, "#MF %d sw %04x ftw %02x, host %d %04x %02x", e->trap, e->sw, e->ftw,
		 h->trap, h->sw, h->ftw);
	return msg;
}

/* The random sequences: what they are made of and how their results are compared. */
static const struct random_kind {
	const char *name;
	int count, min_insns, more_insns; /* sequences; instructions in each: min + rnd() % more */
	size_t (*insn)(uint8_t *p);
	bool domain;                      /* operands within the transcendentals' domains */
	const char *(*diff)(const struct fstate *e, const struct fstate *h);
} random_kinds[] = {
	{ "random", 20000, 4, 24, random_insn, false, state_diff },
	{ "random transcendental", 5000, 2, 12, random_trans_insn, true, close_diff },
};

/* Iterations: each kind with every exception masked, then with random control words that
 * unmask some: both then stop with #MF at the same waiting instruction, in the same state
 * (the native state is the one the SIGFPE handler sees). */
START_TEST(random_sequences_match_host_x87)
{
	const struct random_kind *kind = &random_kinds[_i / 2];
	bool unmask = _i % 2;
	uint8_t code[512], init[DATA_SIZE];
	int bad = 0;
	for (int n = 0; n < kind->count; n++) {
		size_t len = random_prologue(code);
		code[len++] = 0x31; code[len++] = 0xc0; /* xor eax, eax */
		int count = kind->min_insns + (int)(rnd() % (uint64_t)kind->more_insns);
		for (int k = 0; k < count; k++)
			len += kind->insn(code + len);
		uint64_t data_seed = rng;
		random_data(init);
		if (kind->domain)
			domain_data(init);
		if (unmask) {
			for (unsigned k = 0; k < 8; k++) {
				uint16_t cw = (uint16_t)(0x40 | (rnd() & 0xf3f));
				memcpy(init + 0xf0 + 2 * k, &cw, 2);
			}
		}
		struct seq s = { kind->name, code, len };
		struct fstate e, h;
		emu_run_with(&s, init, &e);
		native_run_with(&s, init, &h);
		const char *d = kind->diff(&e, &h);
		if (d && bad++ < 5) {
			fprintf(stderr, "%s sequence %d (data seed %#llx) differs: %s\n ", kind->name, n,
				(unsigned long long)data_seed, d);
			for (size_t k = 0; k < len; k++)
				fprintf(stderr, " %02x", code[k]);
			fprintf(stderr, "\n");
			for (unsigned k = 0; k < 8; k++) {
				uint64_t em, hm;
				uint16_t ee, he;
				memcpy(&em, e.st[k], 8);
				memcpy(&hm, h.st[k], 8);
				memcpy(&ee, e.st[k] + 8, 2);
				memcpy(&he, h.st[k] + 8, 2);
				fprintf(stderr, "  st(%u) %04x %016llx host %04x %016llx\n", k, ee,
					(unsigned long long)em, he, (unsigned long long)hm);
			}
		}
	}
	ck_assert_msg(bad == 0, "%d %s sequences differ from the host x87", bad, kind->name);
}
END_TEST
#endif

/* ---------------------------------------------------------------- emulator-only golden tests */

static struct float80 st(unsigned k)
{
	return fx->cpu.fpu.st[(fx->cpu.fpu.top + k) & 7];
}

/* Runs fninit; fldcw [rbx+0x86] (ZE unmasked); fld1; fldz; fdivp st1, st0 (ZE, nothing
 * written; its FIP is FX_CODE + 12), then `tail` (at FX_CODE + 14), which must raise #MF. */
static void run_pending_ze(const uint8_t *tail, size_t n)
{
	uint8_t code[32] = {
		0xdb, 0xe3,                         /* fninit */
		0xd9, 0xab, 0x86, 0x00, 0x00, 0x00, /* fldcw [rbx+0x86] */
		0xd9, 0xe8,                         /* fld1 */
		0xd9, 0xee,                         /* fldz */
		0xde, 0xf9,                         /* fdivp st1, st0 */
	};
	ck_assert_uint_le(14 + n, sizeof code);
	memcpy(code + 14, tail, n);
	fill_data(fx->data);
	fx->cpu.r[R_BX] = FX_DATA;
	ck_assert_int_eq(fx_run(fx, code, 14 + n), TRAP_X87);
}

/* An unmasked exception is reported at the next waiting instruction, not at the faulting one;
 * the faulting instruction left its destination alone. */
START_TEST(unmasked_exception_traps_at_next_waiting_insn)
{
	static const uint8_t tail[] = {
		0xdf, 0xe0, /* fnstsw ax: no-wait, no trap */
		0xd9, 0xe8, /* fld1: #MF here */
	};
	run_pending_ze(tail, sizeof tail);
	ck_assert_uint_eq(fx->cpu.trap.insn_rip, FX_CODE + 16);
	ck_assert_uint_eq(fx->cpu.rip, FX_CODE + 16);
	ck_assert_uint_eq(fx->cpu.r[R_AX] & 0xffff, 0x8000 | 0x3000 | 0x80 | FPX_ZE);
	ck_assert_uint_eq(fx->cpu.fpu.top, 6);
	ck_assert(f80_is_zero(st(0)));
	ck_assert_uint_eq(st(1).sign_exp, 0x3fff);
	/* The handler clears the exception; the fld1 then runs. */
	fx->cpu.fpu.sw &= ~0x80ffu;
	ck_assert_int_eq(fx_continue(fx, 100), TRAP_BREAKPOINT);
	ck_assert_uint_eq(fx->cpu.fpu.top, 5);
	ck_assert_uint_eq(st(0).sign_exp, 0x3fff);
}
END_TEST

START_TEST(fwait_delivers_pending_exception)
{
	static const uint8_t tail[] = {
		0x9b, /* fwait: #MF */
	};
	run_pending_ze(tail, sizeof tail);
	ck_assert_uint_eq(fx->cpu.trap.insn_rip, FX_CODE + 14);
	/* FIP names the faulting fdivp, not the fwait. */
	ck_assert_uint_eq(fx->cpu.fpu.fip, FX_CODE + 12);
	ck_assert_uint_eq(fx->cpu.fpu.fop, 0x6f9);
}
END_TEST

/* A store that page-faults leaves the stack, tags and status word as they were. */
START_TEST(faulting_store_is_precise)
{
	static const uint8_t code[] = {
		0xdb, 0xe3,       /* fninit */
		0xd9, 0xe8,       /* fld1 */
		0xdd, 0x1b,       /* fstp qword [rbx] */
	};
	fx->cpu.r[R_BX] = 0x5000000; /* unmapped */
	ck_assert_int_eq(fx_run(fx, code, sizeof code), TRAP_PAGE_FAULT);
	ck_assert_uint_eq(fx->cpu.trap.insn_rip, FX_CODE + 4);
	ck_assert_uint_eq(fx->cpu.fpu.top, 7);
	ck_assert_uint_eq(fx->cpu.fpu.tag, 0x3fff);
	ck_assert_uint_eq(fx->cpu.fpu.sw, 0);
	ck_assert_uint_eq(fx->cpu.fpu.fip, FX_CODE + 2);
	ck_assert_uint_eq(st(0).sign_exp, 0x3fff);
}
END_TEST

/* The first words of a 16-bit environment image after fninit; fld1: the default FCW, TOP 7 and
 * only R7 valid. Returns `env` for the caller's checks of the later words. */
static const uint8_t *check_env16_after_fld1(const uint8_t *env)
{
	uint16_t h[3];
	memcpy(h, env, sizeof h);
	ck_assert_uint_eq(h[0], 0x037f);
	ck_assert_uint_eq(h[1], 0x3800);
	ck_assert_uint_eq(h[2], 0x3fff);
	return env;
}

/* Compatibility mode: the 28-byte environment, and the 14-byte one with a 16-bit operand size. */
START_TEST(environment_layouts_32bit)
{
	static const uint8_t code[] = {
		0xdb, 0xe3,                         /* fninit */
		0xd9, 0xe8,                         /* fld1 */
		0xd9, 0x33,                         /* fnstenv [ebx] */
		0x66, 0xd9, 0x73, 0x40,             /* o16 fnstenv [ebx+0x40] */
		0xd9, 0xee,                         /* fldz */
		0xd9, 0x83, 0x80, 0x00, 0x00, 0x00, /* fld dword [ebx+0x80] (a denormal) */
		0xd9, 0x73, 0x60,                   /* fnstenv [ebx+0x60] */
	};
	memset(fx->data, 0, 0x100);
	fx->data[0x80] = 3;
	fx->cpu.r[R_BX] = FX_DATA;
	ck_assert_int_eq(fx_run(fx, code, sizeof code), TRAP_BREAKPOINT);
	uint32_t w[7];
	memcpy(w, fx->data, sizeof w);
	ck_assert_uint_eq(w[0], 0xffff037f);
	ck_assert_uint_eq(w[1], 0xffff3800);
	ck_assert_uint_eq(w[2], 0xffff3fff);
	ck_assert_uint_eq(w[3], FX_CODE + 2);
	ck_assert_uint_eq(w[4], 0x1e8u << 16 | 0x23);
	ck_assert_uint_eq(w[5], 0);
	ck_assert_uint_eq(w[6], 0xffff0000);
	uint16_t h[7];
	memcpy(h, check_env16_after_fld1(fx->data + 0x40), sizeof h);
	ck_assert_uint_eq(h[3], (uint16_t)(FX_CODE + 2));
	ck_assert_uint_eq(h[4], 0x23);
	/* After fldz and a single denormal load (a normal extended number): tags 00 01 00 for
	 * R7 R6 R5, DE flagged, FDP = the operand. FNSTENV masked everything. */
	memcpy(w, fx->data + 0x60, sizeof w);
	ck_assert_uint_eq(w[1], 0xffff2800 | FPX_DE);
	ck_assert_uint_eq(w[2], 0xffff0000 | 0x03ff | 1u << 12);
	ck_assert_uint_eq(w[3], FX_CODE + 12);
	ck_assert_uint_eq(w[5], FX_DATA + 0x80);
	ck_assert_uint_eq(fx->cpu.fpu.cw, 0x37f);
}
END_TEST

/* The 16-bit FNSAVE image is 94 bytes (14-byte environment + 8 registers); FNSAVE reinitialises
 * the FPU and FRSTOR brings the stack back. */
START_TEST(fnsave_frstor_16bit)
{
	static const uint8_t code[] = {
		0xdb, 0xe3,             /* fninit */
		0xd9, 0xe8,             /* fld1 */
		0x66, 0xdd, 0x33,       /* o16 fnsave [ebx] */
		0xd9, 0xe8,             /* fld1 (after the reinit: TOP 7 again) */
		0x66, 0xdd, 0x23,       /* o16 frstor [ebx] */
	};
	memset(fx->data, 0xaa, 0x100);
	fx->cpu.r[R_BX] = FX_DATA;
	ck_assert_int_eq(fx_run(fx, code, sizeof code), TRAP_BREAKPOINT);
	check_env16_after_fld1(fx->data);
	uint64_t m;
	memcpy(&m, fx->data + 14, 8);
	ck_assert_uint_eq(m, 0x8000000000000000ull);
	ck_assert_uint_eq(fx->data[94], 0xaa);                        /* past it: untouched */
	ck_assert_uint_eq(fx->cpu.fpu.top, 7);
	ck_assert_uint_eq(fx->cpu.fpu.tag, 0x3fff);
	ck_assert_uint_eq(st(0).sign_exp, 0x3fff);
}
END_TEST

/* Trigonometric results and the out-of-range rule through the instruction forms. */
START_TEST(trig_instructions)
{
	static const uint8_t code[] = {
		0xdb, 0xe3,       /* fninit */
		0xd9, 0xeb,       /* fldpi */
		0xd9, 0xfe,       /* fsin: sin(fl(pi)) */
		0xd9, 0xe8,       /* fld1 */
		0xd9, 0xe8,       /* fld1 */
		0xd9, 0xf3,       /* fpatan: pi/4 */
		0xdd, 0x03,       /* fld qword [rbx]: 2^63 */
		0xd9, 0xfb,       /* fsincos: out of range, C2 */
		0xdf, 0xe0,       /* fnstsw ax */
	};
	static const uint64_t two63 = 0x43e0000000000000ull;
	memcpy(fx->data, &two63, 8);
	fx->cpu.r[R_BX] = FX_DATA;
	ck_assert_int_eq(fx_run(fx, code, sizeof code), TRAP_BREAKPOINT);
	ck_assert_uint_eq(fx->cpu.r[R_AX] & 0x4700, 0x0400);
	ck_assert_uint_eq(fx->cpu.fpu.top, 5);
	ck_assert_uint_eq(st(0).sign_exp, 0x403e);
	ck_assert_uint_eq(st(1).sign_exp, 0x3ffe);
	ck_assert_uint_eq(st(1).mant, 0xc90fdaa22168c235ull);
	ck_assert_uint_eq(st(2).sign_exp, 0xbfbe);
	ck_assert_uint_eq(st(2).mant, 0xece675d1fc8f8cbbull);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("x87");
	TCase *tc = ADD_TCASE(s, "x87", fx_setup64, fx_teardown,
			      unmasked_exception_traps_at_next_waiting_insn, fwait_delivers_pending_exception,
			      faulting_store_is_precise, trig_instructions);
	tcase_set_timeout(tc, 120);
#ifdef __x86_64__
	tcase_add_loop_test(tc, sequences_match_host_x87, 0, (int)(sizeof seqs / sizeof seqs[0]));
	tcase_add_loop_test(tc, random_sequences_match_host_x87, 0,
			    (int)(2 * sizeof random_kinds / sizeof random_kinds[0]));
#endif
	ADD_TCASE(s, "x87 compatibility mode", fx_setup32, fx_teardown, environment_layouts_32bit,
		  fnsave_frstor_16bit);
	return run_suite(s);
}
