/* SSE/MMX instructions: golden-state tests with hand-derived results (any host), and on x86-64
 * hosts a differential test that runs each instruction on the host CPU and on the interpreter
 * from the same random and special-value states (NaN, infinity, denormals, every MXCSR rounding
 * mode, DAZ, FTZ, unmasked exceptions) and compares XMM registers, MXCSR, flags and GPRs. */
#include <check.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "cpu_fixture.h"
#include "host_run.h"
#include "run_suite.h"

static uint32_t f2u(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static uint64_t d2u(double d) { uint64_t u; memcpy(&u, &d, 8); return u; }

#define MXCSR_DEFAULT 0x1f80u

/* ---- moves, alignment ---- */

START_TEST(movaps_misaligned_faults_movups_does_not)
{
	static const uint8_t movaps[] = {0x0f, 0x28, 0x00}; /* movaps xmm0, [rax] */
	static const uint8_t movups[] = {0x0f, 0x10, 0x00}; /* movups xmm0, [rax] */
	for (int k = 0; k < 16; k++)
		fx->data[8 + k] = (uint8_t)(k + 1);
	fx->cpu.r[R_AX] = FX_DATA + 8;
	fx->cpu.xmm[0].q[0] = 0x1111;
	ck_assert_int_eq(fx_run(fx, movaps, sizeof movaps), TRAP_GP);
	ck_assert_int_eq(fx->cpu.trap.reason, GP_MISALIGNED);
	ck_assert_uint_eq(fx->cpu.rip, FX_CODE);
	ck_assert_uint_eq(fx->cpu.xmm[0].q[0], 0x1111);
	ck_assert_int_eq(fx_run(fx, movups, sizeof movups), TRAP_BREAKPOINT);
	ck_assert_uint_eq(fx->cpu.xmm[0].q[0], 0x0807060504030201ull);
	ck_assert_uint_eq(fx->cpu.xmm[0].q[1], 0x100f0e0d0c0b0a09ull);
	fx->cpu.r[R_AX] = FX_DATA + 16;
	ck_assert_int_eq(fx_run(fx, movaps, sizeof movaps), TRAP_BREAKPOINT);
	ck_assert_uint_eq(fx->cpu.xmm[0].b[0], 9);
}
END_TEST

START_TEST(packed_memory_operand_alignment)
{
	static const uint8_t paddd[] = {0x66, 0x0f, 0xfe, 0x00};  /* paddd xmm0, [rax] */
	static const uint8_t addsd[] = {0xf2, 0x0f, 0x58, 0x00};  /* addsd xmm0, [rax]: m64 */
	static const uint8_t pcmpistri[] = {0x66, 0x0f, 0x3a, 0x63, 0x00, 0x00}; /* no alignment */
	fx->cpu.r[R_AX] = FX_DATA + 4;
	ck_assert_int_eq(fx_run(fx, paddd, sizeof paddd), TRAP_GP);
	ck_assert_int_eq(fx_run(fx, addsd, sizeof addsd), TRAP_BREAKPOINT);
	ck_assert_int_eq(fx_run(fx, pcmpistri, sizeof pcmpistri), TRAP_BREAKPOINT);
}
END_TEST

START_TEST(scalar_moves_merge_or_clear)
{
	static const uint8_t code[] = {
		0xf3, 0x0f, 0x10, 0xc1, /* movss xmm0, xmm1: low lane only */
		0xf2, 0x0f, 0x10, 0x10, /* movsd xmm2, [rax]: upper cleared */
		0x0f, 0x12, 0xd9,       /* movhlps xmm3, xmm1 */
		0x66, 0x48, 0x0f, 0x6e, 0xe3, /* movq xmm4, rbx */
	};
	fx->cpu.xmm[0].q[0] = 0xaaaaaaaabbbbbbbbull;
	fx->cpu.xmm[0].q[1] = 0xccccccccddddddddull;
	fx->cpu.xmm[1].q[0] = 0x1111111122222222ull;
	fx->cpu.xmm[1].q[1] = 0x3333333344444444ull;
	fx->cpu.xmm[2].q[1] = 0x5555;
	fx->cpu.xmm[3].q[1] = 0x7777;
	fx->cpu.xmm[4].q[1] = 0x9999;
	fx->cpu.r[R_BX] = 0x123456789abcdef0ull;
	fx->cpu.r[R_AX] = FX_DATA;
	memcpy(fx->data, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	ck_assert_int_eq(fx_run(fx, code, sizeof code), TRAP_BREAKPOINT);
	ck_assert_uint_eq(fx->cpu.xmm[0].q[0], 0xaaaaaaaa22222222ull);
	ck_assert_uint_eq(fx->cpu.xmm[0].q[1], 0xccccccccddddddddull);
	ck_assert_uint_eq(fx->cpu.xmm[2].q[0], 0x0807060504030201ull);
	ck_assert_uint_eq(fx->cpu.xmm[2].q[1], 0);
	ck_assert_uint_eq(fx->cpu.xmm[3].q[0], 0x3333333344444444ull);
	ck_assert_uint_eq(fx->cpu.xmm[3].q[1], 0x7777);
	ck_assert_uint_eq(fx->cpu.xmm[4].q[0], 0x123456789abcdef0ull);
	ck_assert_uint_eq(fx->cpu.xmm[4].q[1], 0);
}
END_TEST

/* ---- floating point, hand-derived ---- */

START_TEST(addps_and_nan_propagation)
{
	static const uint8_t addps[] = {0x0f, 0x58, 0xc1};    /* addps xmm0, xmm1 */
	const uint32_t qnan_a = 0x7fc00001, qnan_b = 0xffc00002, snan_b = 0x7f800003;
	fx->cpu.xmm[0].l[0] = f2u(1.5f);
	fx->cpu.xmm[1].l[0] = f2u(2.25f);
	fx->cpu.xmm[0].l[1] = qnan_a;  /* both NaN: the first source wins */
	fx->cpu.xmm[1].l[1] = qnan_b;
	fx->cpu.xmm[0].l[2] = f2u(1.0f);
	fx->cpu.xmm[1].l[2] = snan_b;  /* SNaN quieted, IE */
	fx->cpu.xmm[0].l[3] = f2u(__builtin_inff());
	fx->cpu.xmm[1].l[3] = f2u(-__builtin_inff()); /* inf - inf: default NaN, IE */
	fx->cpu.mxcsr = MXCSR_DEFAULT;
	ck_assert_int_eq(fx_run(fx, addps, sizeof addps), TRAP_BREAKPOINT);
	ck_assert_uint_eq(fx->cpu.xmm[0].l[0], f2u(3.75f));
	ck_assert_uint_eq(fx->cpu.xmm[0].l[1], qnan_a);
	ck_assert_uint_eq(fx->cpu.xmm[0].l[2], 0x7fc00003);
	ck_assert_uint_eq(fx->cpu.xmm[0].l[3], 0xffc00000);
	ck_assert_uint_eq(fx->cpu.mxcsr, MXCSR_DEFAULT | 1 /* IE */);
}
END_TEST

START_TEST(unmasked_divide_by_zero_traps_with_destination_unchanged)
{
	static const uint8_t divsd[] = {0xf2, 0x0f, 0x5e, 0xc1}; /* divsd xmm0, xmm1 */
	fx->cpu.xmm[0].q[0] = d2u(1.0);
	fx->cpu.xmm[1].q[0] = 0;
	fx->cpu.mxcsr = MXCSR_DEFAULT & ~(4u << 7); /* ZM clear */
	ck_assert_int_eq(fx_run(fx, divsd, sizeof divsd), TRAP_SIMD);
	ck_assert_uint_eq(fx->cpu.rip, FX_CODE);
	ck_assert_uint_eq(fx->cpu.xmm[0].q[0], d2u(1.0));
	ck_assert_uint_eq(fx->cpu.mxcsr & 0x3f, 4 /* ZE */);
	fx->cpu.mxcsr = MXCSR_DEFAULT;
	ck_assert_int_eq(fx_run(fx, divsd, sizeof divsd), TRAP_BREAKPOINT);
	ck_assert_uint_eq(fx->cpu.xmm[0].q[0], d2u(__builtin_inf()));
	ck_assert_uint_eq(fx->cpu.mxcsr, MXCSR_DEFAULT | 4);
}
END_TEST

START_TEST(daz_and_ftz)
{
	static const uint8_t mulss[] = {0xf3, 0x0f, 0x59, 0xc1}; /* mulss xmm0, xmm1 */
	/* 2^-70 * 2^-70 = 2^-140: a denormal result, exact. */
	fx->cpu.xmm[0].l[0] = f2u(0x1p-70f);
	fx->cpu.xmm[1].l[0] = f2u(0x1p-70f);
	fx->cpu.mxcsr = MXCSR_DEFAULT;
	ck_assert_int_eq(fx_run(fx, mulss, sizeof mulss), TRAP_BREAKPOINT);
	ck_assert_uint_eq(fx->cpu.xmm[0].l[0], 1u << 9); /* 2^-140 = 2^9 * 2^-149 */
	ck_assert_uint_eq(fx->cpu.mxcsr, MXCSR_DEFAULT); /* exact: no UE while masked */
	/* FTZ: flushed to +0 with UE and PE. */
	fx->cpu.xmm[0].l[0] = f2u(-0x1p-70f);
	fx->cpu.mxcsr = MXCSR_DEFAULT | 0x8000;
	ck_assert_int_eq(fx_run(fx, mulss, sizeof mulss), TRAP_BREAKPOINT);
	ck_assert_uint_eq(fx->cpu.xmm[0].l[0], 0x80000000u);
	ck_assert_uint_eq(fx->cpu.mxcsr, MXCSR_DEFAULT | 0x8000 | 0x30);
	/* Denormal operand: DE; under DAZ it is zero and DE stays clear. */
	fx->cpu.xmm[0].l[0] = 1;
	fx->cpu.xmm[1].l[0] = f2u(2.0f);
	fx->cpu.mxcsr = MXCSR_DEFAULT;
	ck_assert_int_eq(fx_run(fx, mulss, sizeof mulss), TRAP_BREAKPOINT);
	ck_assert_uint_eq(fx->cpu.xmm[0].l[0], 2);
	ck_assert_uint_eq(fx->cpu.mxcsr, MXCSR_DEFAULT | 2);
	fx->cpu.xmm[0].l[0] = 1;
	fx->cpu.mxcsr = MXCSR_DEFAULT | 0x40;
	ck_assert_int_eq(fx_run(fx, mulss, sizeof mulss), TRAP_BREAKPOINT);
	ck_assert_uint_eq(fx->cpu.xmm[0].l[0], 0);
	ck_assert_uint_eq(fx->cpu.mxcsr, MXCSR_DEFAULT | 0x40);
}
END_TEST

START_TEST(conversions_round_and_saturate_to_indefinite)
{
	static const uint8_t cvtsd2si[] = {0xf2, 0x0f, 0x2d, 0xc1};  /* cvtsd2si eax, xmm1 */
	static const uint8_t cvttsd2si[] = {0xf2, 0x48, 0x0f, 0x2c, 0xc1}; /* cvttsd2si rax, xmm1 */
	static const struct { double in; uint32_t rc; uint32_t out; uint32_t flags; } cases[] = {
		{ 2.5, 0, 2, 0x20 }, { 3.5, 0, 4, 0x20 }, { -2.5, 0, (uint32_t)-2, 0x20 },
		{ 2.5, 1, 2, 0x20 }, { -2.5, 1, (uint32_t)-3, 0x20 }, { 2.1, 2, 3, 0x20 },
		{ -2.9, 3, (uint32_t)-2, 0x20 }, { 7.0, 0, 7, 0 },
		{ 2147483647.4, 0, 0x7fffffff, 0x20 }, { 2147483647.5, 0, 0x80000000u, 1 },
		{ -2147483648.4, 0, 0x80000000u, 0x20 }, { 1e10, 0, 0x80000000u, 1 },
	};
	for (unsigned k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		fx->cpu.xmm[1].q[0] = d2u(cases[k].in);
		fx->cpu.r[R_AX] = ~0ull;
		fx->cpu.mxcsr = MXCSR_DEFAULT | cases[k].rc << 13;
		ck_assert_int_eq(fx_run(fx, cvtsd2si, sizeof cvtsd2si), TRAP_BREAKPOINT);
		ck_assert_msg(fx->cpu.r[R_AX] == cases[k].out, "case %u: %#llx", k,
			      (unsigned long long)fx->cpu.r[R_AX]);
		ck_assert_uint_eq(fx->cpu.mxcsr & 0x3f, cases[k].flags);
	}
	fx->cpu.xmm[1].q[0] = 0x7ff8000000000000ull; /* NaN */
	fx->cpu.mxcsr = MXCSR_DEFAULT;
	ck_assert_int_eq(fx_run(fx, cvttsd2si, sizeof cvttsd2si), TRAP_BREAKPOINT);
	ck_assert_uint_eq(fx->cpu.r[R_AX], 0x8000000000000000ull);
	ck_assert_uint_eq(fx->cpu.mxcsr, MXCSR_DEFAULT | 1);
	fx->cpu.xmm[1].q[0] = d2u(-9.0e18);
	fx->cpu.mxcsr = MXCSR_DEFAULT;
	ck_assert_int_eq(fx_run(fx, cvttsd2si, sizeof cvttsd2si), TRAP_BREAKPOINT);
	ck_assert_uint_eq(fx->cpu.r[R_AX], (uint64_t)-9000000000000000000ll);
	ck_assert_uint_eq(fx->cpu.mxcsr, MXCSR_DEFAULT);
}
END_TEST

START_TEST(comisd_flags)
{
	static const uint8_t code[] = {0x66, 0x0f, 0x2f, 0xc1}; /* comisd xmm0, xmm1 */
	static const struct { double a, b; uint64_t fl; uint32_t ie; } cases[] = {
		{ 1.0, 2.0, FL_CF, 0 }, { 2.0, 1.0, 0, 0 }, { 0.0, -0.0, FL_ZF, 0 },
		{ __builtin_nan(""), 1.0, FL_ZF | FL_PF | FL_CF, 1 },
	};
	for (unsigned k = 0; k < 4; k++) {
		fx->cpu.xmm[0].q[0] = d2u(cases[k].a);
		fx->cpu.xmm[1].q[0] = d2u(cases[k].b);
		fx->cpu.mxcsr = MXCSR_DEFAULT;
		cpu_set_rflags(&fx->cpu, 0x202 | FL_OF | FL_SF | FL_AF);
		ck_assert_int_eq(fx_run(fx, code, sizeof code), TRAP_BREAKPOINT);
		ck_assert_uint_eq(cpu_get_rflags(&fx->cpu) & FL_ARITH, cases[k].fl);
		ck_assert_uint_eq(fx->cpu.mxcsr & 1, cases[k].ie);
	}
}
END_TEST

START_TEST(roundsd_modes)
{
	/* roundsd xmm0, xmm1, imm */
	uint8_t code[] = {0x66, 0x0f, 0x3a, 0x0b, 0xc1, 0};
	static const struct { double in; uint8_t imm; double out; uint32_t pe; } cases[] = {
		{ 2.5, 0, 2.0, 0x20 }, { -0.3, 0, -0.0, 0x20 }, { -0.3, 1, -1.0, 0x20 },
		{ 0.3, 2, 1.0, 0x20 }, { -1.7, 3, -1.0, 0x20 }, { -1.7, 3 | 8, -1.0, 0 },
		{ 1e300, 0, 1e300, 0 },
	};
	for (unsigned k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		code[5] = cases[k].imm;
		fx->cpu.xmm[1].q[0] = d2u(cases[k].in);
		fx->cpu.mxcsr = MXCSR_DEFAULT;
		ck_assert_int_eq(fx_run(fx, code, sizeof code), TRAP_BREAKPOINT);
		ck_assert_uint_eq(fx->cpu.xmm[0].q[0], d2u(cases[k].out));
		ck_assert_uint_eq(fx->cpu.mxcsr & 0x3f, cases[k].pe);
	}
}
END_TEST

/* ---- integer ---- */

START_TEST(packed_integer_basics)
{
	static const uint8_t code[] = {
		0x66, 0x0f, 0xed, 0xc1,       /* paddsw xmm0, xmm1 */
		0x66, 0x0f, 0x63, 0xd3,       /* packsswb xmm2, xmm3 */
		0x66, 0x0f, 0x70, 0xe5, 0x1b, /* pshufd xmm4, xmm5, 0x1b (reverse) */
		0x66, 0x0f, 0xd7, 0xc6,       /* pmovmskb eax, xmm6 */
	};
	fx->cpu.xmm[0].w[0] = 0x7000;
	fx->cpu.xmm[1].w[0] = 0x2000;  /* saturates to 0x7fff */
	fx->cpu.xmm[0].w[1] = 0x8001;
	fx->cpu.xmm[1].w[1] = 0xfff0;  /* saturates to 0x8000 */
	fx->cpu.xmm[2].w[0] = 300;
	fx->cpu.xmm[2].w[1] = (uint16_t)-300;
	fx->cpu.xmm[3].w[0] = 5;
	for (int k = 0; k < 4; k++)
		fx->cpu.xmm[5].l[k] = (uint32_t)k;
	fx->cpu.xmm[6].b[0] = 0x80;
	fx->cpu.xmm[6].b[15] = 0xff;
	fx->cpu.r[R_AX] = ~0ull;
	ck_assert_int_eq(fx_run(fx, code, sizeof code), TRAP_BREAKPOINT);
	ck_assert_uint_eq(fx->cpu.xmm[0].w[0], 0x7fff);
	ck_assert_uint_eq(fx->cpu.xmm[0].w[1], 0x8000);
	ck_assert_uint_eq(fx->cpu.xmm[2].b[0], 0x7f);
	ck_assert_uint_eq(fx->cpu.xmm[2].b[1], 0x80);
	ck_assert_uint_eq(fx->cpu.xmm[2].b[8], 5);
	ck_assert_uint_eq(fx->cpu.xmm[4].l[0], 3);
	ck_assert_uint_eq(fx->cpu.xmm[4].l[3], 0);
	ck_assert_uint_eq(fx->cpu.r[R_AX], 0x8001);
}
END_TEST

START_TEST(pcmpistri_known_results)
{
	/* pcmpistri xmm0, xmm1, imm: xmm0 = set/ranges/needle, xmm1 = string */
	uint8_t code[] = {0x66, 0x0f, 0x3a, 0x63, 0xc1, 0};
	static const struct {
		const char *a, *b;
		uint8_t imm;
		unsigned ecx;
		uint64_t fl;
	} cases[] = {
		/* equal any, first vowel of "hello world": 'e' at 1 */
		{ "aeiou", "hello world", 0x00, 1, FL_CF | FL_ZF | FL_SF },
		/* equal any, last vowel ('o' of world at 7) */
		{ "aeiou", "hello world", 0x40, 7, FL_CF | FL_ZF | FL_SF },
		/* ranges a-z, negative polarity: first non-lower-case letter (' ' at 5) */
		{ "az", "hello world", 0x14, 5, FL_CF | FL_ZF | FL_SF },
		/* equal ordered: "wor" in "hello world" at 6 */
		{ "wor", "hello world", 0x0c, 6, FL_CF | FL_ZF | FL_SF },
		/* equal each, negative masked: first difference at 3 */
		{ "abcxef", "abcdef", 0x38, 3, FL_CF | FL_ZF | FL_SF },
		/* no match: index 16, CF clear; equal any with empty set */
		{ "", "abc", 0x00, 16, FL_ZF | FL_SF },
		/* equal ordered: a needle running past the string's end is no match */
		{ "defg", "abcdef", 0x0c, 16, FL_ZF | FL_SF },
	};
	for (unsigned k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		memset(&fx->cpu.xmm[0], 0, 32);
		memcpy(fx->cpu.xmm[0].b, cases[k].a, strlen(cases[k].a));
		memcpy(fx->cpu.xmm[1].b, cases[k].b, strlen(cases[k].b));
		code[5] = cases[k].imm;
		ck_assert_int_eq(fx_run(fx, code, sizeof code), TRAP_BREAKPOINT);
		ck_assert_msg(fx->cpu.r[R_CX] == cases[k].ecx, "case %u: ecx %llu", k,
			      (unsigned long long)fx->cpu.r[R_CX]);
		ck_assert_msg((cpu_get_rflags(&fx->cpu) & FL_ARITH) == cases[k].fl, "case %u: flags %#llx",
			      k, (unsigned long long)(cpu_get_rflags(&fx->cpu) & FL_ARITH));
	}
}
END_TEST

/* ---- MMX ---- */

START_TEST(mmx_aliases_x87_and_emms_empties)
{
	static const uint8_t code[] = {
		0x0f, 0x6f, 0x00,       /* movq mm0, [rax] */
		0x0f, 0x6e, 0xcb,       /* movd mm1, ebx */
		0x0f, 0xfc, 0xc1,       /* paddb mm0, mm1 */
		0x0f, 0x7f, 0x40, 0x08, /* movq [rax+8], mm0 */
	};
	memcpy(fx->data, "\x01\x02\x03\x04\x05\x06\x07\xff", 8);
	fx->cpu.r[R_AX] = FX_DATA;
	fx->cpu.r[R_BX] = 0x01010101;
	fx->cpu.fpu.top = 5;
	fx->cpu.fpu.tag = 0xffff;
	ck_assert_int_eq(fx_run(fx, code, sizeof code), TRAP_BREAKPOINT);
	ck_assert_uint_eq(fx->cpu.fpu.st[0].mant, 0xff07060505040302ull);
	ck_assert_uint_eq(fx->cpu.fpu.st[0].sign_exp, 0xffff);
	ck_assert_uint_eq(fx->cpu.fpu.st[1].mant, 0x01010101);
	ck_assert_uint_eq(fx->cpu.fpu.top, 0);
	ck_assert_uint_eq(fx->cpu.fpu.tag, 0);
	ck_assert_mem_eq(fx->data + 8, "\x02\x03\x04\x05\x05\x06\x07\xff", 8);
	static const uint8_t emms[] = {0x0f, 0x77};
	ck_assert_int_eq(fx_run(fx, emms, sizeof emms), TRAP_BREAKPOINT);
	ck_assert_uint_eq(fx->cpu.fpu.tag, 0xffff);
}
END_TEST

START_TEST(mmx_shift_and_pshufw)
{
	static const uint8_t code[] = {
		0x0f, 0x71, 0xd0, 0x04,       /* psrlw mm0, 4 */
		0x0f, 0x70, 0xca, 0x1b,       /* pshufw mm1, mm2, 0x1b */
		0x0f, 0xd7, 0xc3,             /* pmovmskb eax, mm3 */
	};
	fx->cpu.fpu.st[0].mant = 0xfff0123400018000ull;
	fx->cpu.fpu.st[2].mant = 0x4444333322221111ull;
	fx->cpu.fpu.st[3].mant = 0x8000000000000080ull;
	ck_assert_int_eq(fx_run(fx, code, sizeof code), TRAP_BREAKPOINT);
	ck_assert_uint_eq(fx->cpu.fpu.st[0].mant, 0x0fff012300000800ull);
	ck_assert_uint_eq(fx->cpu.fpu.st[1].mant, 0x1111222233334444ull);
	ck_assert_uint_eq(fx->cpu.r[R_AX], 0x81);
}
END_TEST

START_TEST(mmx_delivers_pending_x87_exception)
{
	static const uint8_t paddb[] = {0x0f, 0xfc, 0xc1};         /* paddb mm0, mm1 */
	static const uint8_t emms[] = {0x0f, 0x77};
	static const uint8_t cvtpi2ps_m[] = {0x0f, 0x2a, 0x00};    /* cvtpi2ps xmm0, [rax] */
	static const uint8_t cvtpi2ps_r[] = {0x0f, 0x2a, 0xc1};    /* cvtpi2ps xmm0, mm1 */
	fx->cpu.fpu.sw = 0x8084; /* B, ES, ZE pending */
	fx->cpu.fpu.top = 3;
	fx->cpu.fpu.tag = 0xffff;
	fx->cpu.fpu.st[0].mant = 5;
	ck_assert_int_eq(fx_run(fx, paddb, sizeof paddb), TRAP_X87);
	ck_assert_uint_eq(fx->cpu.rip, FX_CODE);
	ck_assert_uint_eq(fx->cpu.fpu.st[0].mant, 5);
	ck_assert_uint_eq(fx->cpu.fpu.top, 3);
	ck_assert_uint_eq(fx->cpu.fpu.tag, 0xffff);
	ck_assert_int_eq(fx_run(fx, emms, sizeof emms), TRAP_X87);
	ck_assert_int_eq(fx_run(fx, cvtpi2ps_r, sizeof cvtpi2ps_r), TRAP_X87);
	/* cvtps2pi enters MMX state even when it then raises #XM (as the host does). */
	static const uint8_t cvtps2pi[] = {0x0f, 0x2d, 0xc1}; /* cvtps2pi mm0, xmm1 */
	fx->cpu.fpu.sw = 0;
	fx->cpu.xmm[1].l[0] = 0x7fc00000;
	fx->cpu.mxcsr = MXCSR_DEFAULT & ~(1u << 7); /* IM clear */
	ck_assert_int_eq(fx_run(fx, cvtps2pi, sizeof cvtps2pi), TRAP_SIMD);
	ck_assert_uint_eq(fx->cpu.fpu.top, 0);
	ck_assert_uint_eq(fx->cpu.fpu.tag, 0);
	ck_assert_uint_eq(fx->cpu.fpu.st[0].mant, 5);
	ck_assert_uint_eq(fx->cpu.mxcsr & 0x3f, 1);
	fx->cpu.fpu.sw = 0x8084;
	fx->cpu.fpu.top = 3;
	fx->cpu.mxcsr = MXCSR_DEFAULT;
	/* The memory form is not an MMX instruction (SDM Vol. 2, CVTPI2PS). */
	fx->cpu.r[R_AX] = FX_DATA;
	ck_assert_int_eq(fx_run(fx, cvtpi2ps_m, sizeof cvtpi2ps_m), TRAP_BREAKPOINT);
	ck_assert_uint_eq(fx->cpu.fpu.top, 3);
}
END_TEST

/* ---- state ---- */

START_TEST(ldmxcsr_stmxcsr_and_reserved_bits)
{
	static const uint8_t ld[] = {0x0f, 0xae, 0x10}; /* ldmxcsr [rax] */
	static const uint8_t st[] = {0x0f, 0xae, 0x18}; /* stmxcsr [rax] */
	fx->cpu.r[R_AX] = FX_DATA;
	uint32_t v = 0x7fc0;
	memcpy(fx->data, &v, 4);
	ck_assert_int_eq(fx_run(fx, ld, sizeof ld), TRAP_BREAKPOINT);
	ck_assert_uint_eq(fx->cpu.mxcsr, 0x7fc0);
	v = 0x11f80;
	memcpy(fx->data, &v, 4);
	ck_assert_int_eq(fx_run(fx, ld, sizeof ld), TRAP_GP);
	ck_assert_uint_eq(fx->cpu.mxcsr, 0x7fc0);
	fx->cpu.r[R_AX] = FX_DATA + 0x40;
	ck_assert_int_eq(fx_run(fx, st, sizeof st), TRAP_BREAKPOINT);
	memcpy(&v, fx->data + 0x40, 4);
	ck_assert_uint_eq(v, 0x7fc0);
}
END_TEST

START_TEST(fxsave_fxrstor_round_trip)
{
	static const uint8_t save[] = {0x48, 0x0f, 0xae, 0x00}; /* fxsave64 [rax] */
	static const uint8_t rstor[] = {0x48, 0x0f, 0xae, 0x08}; /* fxrstor64 [rax] */
	struct cpu *c = &fx->cpu;
	for (int k = 0; k < 16; k++) {
		c->xmm[k].q[0] = 0x0101010101010101ull * (uint64_t)k;
		c->xmm[k].q[1] = ~c->xmm[k].q[0];
	}
	c->mxcsr = 0x9fc5;
	c->fpu.cw = 0x27f;
	c->fpu.sw = 0x0041;
	c->fpu.top = 6;
	c->fpu.tag = 0x0fff; /* R6 valid, R7 zero-tag form below */
	c->fpu.st[6].mant = 0x8000000000000000ull;
	c->fpu.st[6].sign_exp = 0x3fff; /* 1.0 */
	c->fpu.st[7].mant = 0;
	c->fpu.st[7].sign_exp = 0;      /* +0 */
	c->fpu.tag = 0x4fff;            /* R7 zero (01), R6 valid (00), others empty */
	c->fpu.fop = 0x123;
	c->fpu.fip = 0x1122334455667788ull;
	c->fpu.fdp = 0x99aabbccddeeff00ull;
	c->r[R_AX] = FX_DATA + 0x200;
	memset(fx->data + 0x200, 0xee, 512);
	ck_assert_int_eq(fx_run(fx, save, sizeof save), TRAP_BREAKPOINT);
	const uint8_t *img = fx->data + 0x200;
	uint16_t w;
	uint32_t d;
	uint64_t q;
	memcpy(&w, img + 0, 2); ck_assert_uint_eq(w, 0x27f);
	memcpy(&w, img + 2, 2); ck_assert_uint_eq(w, 0x0041 | 6 << 11);
	ck_assert_uint_eq(img[4], 0xc0); /* R6, R7 non-empty */
	memcpy(&w, img + 6, 2); ck_assert_uint_eq(w, 0x123);
	memcpy(&q, img + 8, 8); ck_assert_uint_eq(q, 0x1122334455667788ull);
	memcpy(&q, img + 16, 8); ck_assert_uint_eq(q, 0x99aabbccddeeff00ull);
	memcpy(&d, img + 24, 4); ck_assert_uint_eq(d, 0x9fc5);
	memcpy(&d, img + 28, 4); ck_assert_uint_eq(d, 0xffff);
	memcpy(&q, img + 32, 8); ck_assert_uint_eq(q, 0x8000000000000000ull); /* ST0 = R6 */
	memcpy(&w, img + 40, 2); ck_assert_uint_eq(w, 0x3fff);
	memcpy(&q, img + 160 + 16 * 15, 8); ck_assert_uint_eq(q, 0x0f0f0f0f0f0f0f0full);
	ck_assert_uint_eq(img[464], 0xee); /* software-available area untouched */

	struct cpu saved = *c;
	memset(c->xmm, 0, sizeof c->xmm);
	memset(&c->fpu, 0, sizeof c->fpu);
	c->mxcsr = MXCSR_DEFAULT;
	ck_assert_int_eq(fx_run(fx, rstor, sizeof rstor), TRAP_BREAKPOINT);
	ck_assert_mem_eq(c->xmm, saved.xmm, sizeof c->xmm);
	ck_assert_uint_eq(c->mxcsr, 0x9fc5);
	ck_assert_uint_eq(c->fpu.cw, 0x27f);
	ck_assert_uint_eq(c->fpu.top, 6);
	ck_assert_uint_eq(c->fpu.sw, 0x0041);
	ck_assert_uint_eq(c->fpu.tag, 0x4fff);
	ck_assert_uint_eq(c->fpu.st[6].sign_exp, 0x3fff);
	ck_assert_uint_eq(c->fpu.fip, 0x1122334455667788ull);
	ck_assert_uint_eq(c->fpu.fop, 0x123);

	/* Misaligned area and reserved MXCSR bits fault without changing anything. */
	c->r[R_AX] = FX_DATA + 0x208;
	ck_assert_int_eq(fx_run(fx, save, sizeof save), TRAP_GP);
	c->r[R_AX] = FX_DATA + 0x200;
	d = 0x10000 | MXCSR_DEFAULT;
	memcpy(fx->data + 0x200 + 24, &d, 4);
	c->xmm[0].q[0] = 42;
	ck_assert_int_eq(fx_run(fx, rstor, sizeof rstor), TRAP_GP);
	ck_assert_uint_eq(c->xmm[0].q[0], 42);
}
END_TEST

START_TEST(fxsave_compat_mode_saves_eight_xmm)
{
	struct cpu_fixture *f32 = fx_new(CPU_MODE_32);
	static const uint8_t save[] = {0x0f, 0xae, 0x00}; /* fxsave [eax] */
	f32->cpu.r[R_AX] = FX_DATA;
	memset(f32->data, 0xee, 512);
	f32->cpu.xmm[7].q[0] = 7;
	f32->cpu.fpu.fip = 0x1122334455667788ull;
	ck_assert_int_eq(fx_run(f32, save, sizeof save), TRAP_BREAKPOINT);
	uint64_t q;
	memcpy(&q, f32->data + 160 + 16 * 7, 8);
	ck_assert_uint_eq(q, 7);
	ck_assert_uint_eq(f32->data[160 + 16 * 8], 0xee);
	uint32_t d;
	memcpy(&d, f32->data + 8, 4);
	ck_assert_uint_eq(d, 0x55667788);
	memcpy(&d, f32->data + 12, 4);
	ck_assert_uint_eq(d, 0); /* FCS */
	fx_free(f32);
}
END_TEST

START_TEST(compat_mode_forms)
{
	struct cpu_fixture *f32 = fx_new(CPU_MODE_32);
	static const uint8_t code[] = {
		0x66, 0x0f, 0x6e, 0xc0,       /* movd xmm0, eax */
		0xf2, 0x0f, 0x2a, 0xcb,       /* cvtsi2sd xmm1, ebx */
		0x66, 0x0f, 0xf7, 0xd3,       /* maskmovdqu xmm2, xmm3: [edi] */
		0x66, 0x0f, 0x3a, 0x16, 0xd1, 0x01, /* pextrd ecx, xmm2, 1 */
	};
	struct cpu *c = &f32->cpu;
	c->r[R_AX] = 0xdeadbeef;
	c->r[R_BX] = (uint64_t)-3 & 0xffffffff;
	c->r[R_DI] = FX_DATA + 0x10;
	for (int k = 0; k < 16; k++) {
		c->xmm[2].b[k] = (uint8_t)(0xa0 + k);
		c->xmm[3].b[k] = k & 1 ? 0x80 : 0;
	}
	memset(f32->data + 0x10, 0x55, 16);
	ck_assert_int_eq(fx_run(f32, code, sizeof code), TRAP_BREAKPOINT);
	ck_assert_uint_eq(c->xmm[0].q[0], 0xdeadbeef);
	ck_assert_uint_eq(c->xmm[0].q[1], 0);
	ck_assert_uint_eq(c->xmm[1].q[0], d2u(-3.0));
	ck_assert_uint_eq(f32->data[0x10], 0x55);
	ck_assert_uint_eq(f32->data[0x11], 0xa1);
	ck_assert_uint_eq(f32->data[0x1f], 0xaf);
	ck_assert_uint_eq(c->r[R_CX], 0xa7a6a5a4);
	fx_free(f32);
}
END_TEST

/* ---- differential test against the host CPU ---- */

#if defined(__x86_64__)

/* Instructions address memory as [rbx + 0x70 + k]: rbx points at this state on the host and
 * at FX_DATA in the interpreter, where `mem` is copied to FX_DATA + 0x70. */
struct vstate {
	union xmm x[4];
	uint32_t mxcsr, pad;
	uint64_t rflags, rax, rcx, rdx, pad2;
	uint8_t mem[64];
	uint64_t mm[4];
} __attribute__((aligned(16)));

#define MEM_OFF 0x70
_Static_assert(offsetof(struct vstate, mxcsr) == 64 && offsetof(struct vstate, rflags) == 72 &&
	       offsetof(struct vstate, rax) == 80 && offsetof(struct vstate, rcx) == 88 &&
	       offsetof(struct vstate, rdx) == 96 && offsetof(struct vstate, mem) == MEM_OFF &&
	       offsetof(struct vstate, mm) == 176, "layout used by the assembly below");

void sse_test_host_exec(struct vstate *s, const void *code);
__asm__(".text\n"
	".globl sse_test_host_exec\n"
	".type sse_test_host_exec, @function\n"
	"sse_test_host_exec:\n"
	"	push %rbx\n"
	"	mov %rdi, %rbx\n"
	"	movdqu 0(%rbx), %xmm0\n"
	"	movdqu 16(%rbx), %xmm1\n"
	"	movdqu 32(%rbx), %xmm2\n"
	"	movdqu 48(%rbx), %xmm3\n"
	"	mov 80(%rbx), %rax\n"
	"	mov 88(%rbx), %rcx\n"
	"	mov 96(%rbx), %rdx\n"
	"	movq 176(%rbx), %mm0\n"
	"	movq 184(%rbx), %mm1\n"
	"	movq 192(%rbx), %mm2\n"
	"	movq 200(%rbx), %mm3\n"
	"	ldmxcsr 64(%rbx)\n"
	"	call *%rsi\n"
	"	stmxcsr 64(%rbx)\n"
	"	pushfq\n"
	"	popq 72(%rbx)\n"
	"	movdqu %xmm0, 0(%rbx)\n"
	"	movdqu %xmm1, 16(%rbx)\n"
	"	movdqu %xmm2, 32(%rbx)\n"
	"	movdqu %xmm3, 48(%rbx)\n"
	"	mov %rax, 80(%rbx)\n"
	"	mov %rcx, 88(%rbx)\n"
	"	mov %rdx, 96(%rbx)\n"
	"	movq %mm0, 176(%rbx)\n"
	"	movq %mm1, 184(%rbx)\n"
	"	movq %mm2, 192(%rbx)\n"
	"	movq %mm3, 200(%rbx)\n"
	"	emms\n"
	"	push $0x1f80\n"
	"	ldmxcsr (%rsp)\n"
	"	add $8, %rsp\n"
	"	pop %rbx\n"
	"	ret\n"
	".size sse_test_host_exec, .-sse_test_host_exec\n");

struct host_exec_args {
	struct vstate *s;
	void *code;
};

static void host_exec(void *arg)
{
	struct host_exec_args *a = arg;
	sse_test_host_exec(a->s, a->code);
}

/* True when the instruction raised #XM: then only MXCSR and the XMM registers are as the
 * fault left them. */
static bool host_run(const uint8_t *insn, size_t n, struct vstate *s)
{
	struct host_exec_args a = { s, host_code(insn, n) };
	struct host_fault f;
	if (!host_call(host_exec, &a, &f))
		return false;
	__asm__ volatile("ldmxcsr %0\n\temms" : : "m"(*(const uint32_t[]){0x1f80}));
	s->mxcsr = f.fp.mxcsr;
	memcpy(s->x, f.fp._xmm, sizeof s->x);
	return true;
}

static bool emu_run(const uint8_t *insn, size_t n, struct vstate *s)
{
	struct cpu *c = &fx->cpu;
	memcpy(c->xmm, s->x, sizeof s->x);
	c->mxcsr = s->mxcsr;
	c->r[R_AX] = s->rax;
	c->r[R_CX] = s->rcx;
	c->r[R_DX] = s->rdx;
	c->r[R_BX] = FX_DATA;
	memcpy(fx->data + MEM_OFF, s->mem, sizeof s->mem);
	for (int k = 0; k < 4; k++)
		c->fpu.st[k].mant = s->mm[k];
	enum trap_kind t = fx_run(fx, insn, n);
	ck_assert_msg(t == TRAP_BREAKPOINT || t == TRAP_SIMD, "trap %s", cpu_trap_name(t));
	memcpy(s->x, c->xmm, sizeof s->x);
	s->mxcsr = c->mxcsr;
	s->rflags = cpu_get_rflags(c);
	s->rax = c->r[R_AX];
	s->rcx = c->r[R_CX];
	s->rdx = c->r[R_DX];
	memcpy(s->mem, fx->data + MEM_OFF, sizeof s->mem);
	for (int k = 0; k < 4; k++)
		s->mm[k] = c->fpu.st[k].mant;
	return t == TRAP_SIMD;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	return fx_xorshift(&rng);
}

enum pool { PL_F32, PL_F64, PL_INT, PL_STR };

static const uint32_t special32[] = {
	0, 0x80000000, 1, 0x80000001, 0x007fffff, 0x807fffff, 0x00800000, 0x80800000, 0x00400000,
	0x3f800000, 0xbf800000, 0x3fc00000, 0x3f000000, 0x40200000, 0xc0200000, 0x7f7fffff,
	0xff7fffff, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7fc00123, 0x7fa00000,
	0xff800001, 0x7f800001, 0x4b000000, 0x4b000001, 0x4effffff, 0x4f000000, 0xcf000000,
	0xcf000001, 0x5f000000, 0xdf000000, 0x5effffff, 0x1f800000, 0x20000000, 0x0c000000,
	0x3f7fffff, 0x3f800001, 0x4b7fffff, 0x00800001, 0x34000000,
};

static const uint64_t special64[] = {
	0, 0x8000000000000000ull, 1, 0x8000000000000001ull, 0x000fffffffffffffull,
	0x0010000000000000ull, 0x8010000000000000ull, 0x3ff0000000000000ull, 0xbff0000000000000ull,
	0x3ff8000000000000ull, 0x3fe0000000000000ull, 0x4004000000000000ull, 0xc004000000000000ull,
	0x7fefffffffffffffull, 0xffefffffffffffffull, 0x7ff0000000000000ull, 0xfff0000000000000ull,
	0x7ff8000000000000ull, 0xfff8000000000000ull, 0x7ff8000000000123ull, 0x7ff4000000000000ull,
	0xfff0000000000001ull, 0x41dfffffffc00000ull, 0x41dfffffffe00000ull, 0x41e0000000000000ull,
	0xc1e0000000000000ull, 0xc1e0000000100000ull, 0x43e0000000000000ull, 0xc3e0000000000000ull,
	0x43dfffffffffffffull, 0x4330000000000000ull, 0x4330000000000001ull, 0x3810000000000000ull,
	0x380fffffffffffffull, 0x36a0000000000000ull, 0x47efffffe0000000ull, 0x47efffff00000000ull,
	0x3fefffffffffffffull, 0x1ff0000000000000ull, 0x2000000000000000ull, 0x3690000000000000ull,
};

static uint32_t gen32(void)
{
	uint64_t r = rnd();
	switch (r % 4) {
	case 0:
	case 1:
		return special32[(r >> 8) % (sizeof special32 / 4)];
	case 2:
		/* a random value with a small exponent range around 1 */
		return (uint32_t)((r >> 8) & 0x807fffff) | (uint32_t)(0x3c000000 + ((r >> 40) % 0x08000000));
	default:
		return (uint32_t)(r >> 16);
	}
}

static uint64_t gen64(void)
{
	uint64_t r = rnd();
	switch (r % 4) {
	case 0:
	case 1:
		return special64[(r >> 8) % (sizeof special64 / 8)];
	case 2:
		return (rnd() & 0x800fffffffffffffull) | (0x3f00000000000000ull + ((r >> 40) % 0x0200) * (1ull << 52));
	default:
		return rnd();
	}
}

static uint64_t gen_int(void)
{
	static const uint64_t s[] = {0, ~0ull, 0x8000000000000000ull, 0x7fffffffffffffffull,
				     0x80008000800080ull, 0x7fff7fff7fff7fffull, 1, 5, 16, 33, 70};
	uint64_t r = rnd();
	if (r % 3 == 0)
		return s[(r >> 8) % (sizeof s / 8)];
	if (r % 3 == 1)
		return rnd() & 0x00ff00ff00ff00ffull;
	return rnd();
}

static void gen_state(struct vstate *s, enum pool p)
{
	static const uint8_t alphabet[] = {0, 'a', 'b', 'c', 'z', 'A', 0x80, 0xff, 0x7f, 'a', 'b', 'c'};
	for (int r = 0; r < 4; r++) {
		for (int k = 0; k < 4; k++) {
			switch (p) {
			case PL_F32:
				s->x[r].l[k] = gen32();
				break;
			case PL_F64:
				if (k < 2)
					s->x[r].q[k] = gen64();
				break;
			case PL_INT:
				if (k < 2)
					s->x[r].q[k] = gen_int();
				break;
			case PL_STR:
				for (int b = 0; b < 4; b++)
					s->x[r].b[4 * k + b] = alphabet[rnd() % sizeof alphabet];
				break;
			}
		}
		/* memory: the same kind of lanes */
		memcpy(&s->mem[16 * r], &s->x[r], 16);
		/* often make lanes equal between the two operands */
		if (r == 1 && rnd() % 4 == 0)
			memcpy(&s->x[1].b[8 * (rnd() & 1)], &s->x[0].b[8 * (rnd() & 1)], 8);
	}
	for (int k = 0; k < 4; k++)
		s->mm[k] = p == PL_F32 || p == PL_F64 ? gen_int() : s->x[k].q[0];
	s->rax = gen_int();
	s->rcx = gen_int();
	s->rdx = gen_int();
	if (p == PL_STR) {
		s->rax = (uint64_t)((int64_t)(rnd() % 41) - 20);
		s->rdx = (uint64_t)((int64_t)(rnd() % 41) - 20);
		if (rnd() % 8 == 0)
			s->rax ^= 0x100000000ull;
	}
}

static const uint32_t mxcsr_configs[] = {
	0x1f80, 0x3f80, 0x5f80, 0x7f80, 0x1fc0, 0x9f80, 0x9fc0, 0xffc0, 0x1f80 | 0x3f,
	0x1f00, 0x1e80, 0x1d80, 0x1b80, 0x1780, 0x0f80, 0x0000, 0x8f80, 0x1780 | 0x8000,
};

struct diff_insn {
	const char *name;
	const char *hex;   /* instruction bytes */
	enum pool pool;
	uint8_t imm_mask;  /* non-zero: the last byte is a random immediate & mask */
};

/* Packed integer operations with an MMX form (0F op, on mm) as well as the SSE one (66 0F op,
 * on xmm): the table lists each in both. Two lists so that the SSE-only punpck[lh]qdq keep
 * their place in opcode order between them. */
#define MMX_SSE_OPS_6X(X) \
	X("punpcklbw", "60"), X("punpcklwd", "61"), X("punpckldq", "62"), X("packsswb", "63"), \
	X("pcmpgtb", "64"), X("pcmpgtw", "65"), X("pcmpgtd", "66"), X("packuswb", "67"), \
	X("punpckhbw", "68"), X("punpckhwd", "69"), X("punpckhdq", "6a"), X("packssdw", "6b")
#define MMX_SSE_OPS(X) \
	X("pcmpeqb", "74"), X("pcmpeqw", "75"), X("pcmpeqd", "76"), X("psrlw", "d1"), \
	X("psrld", "d2"), X("psrlq", "d3"), X("paddq", "d4"), X("pmullw", "d5"), \
	X("psubusb", "d8"), X("psubusw", "d9"), X("pminub", "da"), X("pand", "db"), \
	X("paddusb", "dc"), X("paddusw", "dd"), X("pmaxub", "de"), X("pandn", "df"), \
	X("pavgb", "e0"), X("psraw", "e1"), X("psrad", "e2"), X("pavgw", "e3"), \
	X("pmulhuw", "e4"), X("pmulhw", "e5"), X("psubsb", "e8"), X("psubsw", "e9"), \
	X("pminsw", "ea"), X("por", "eb"), X("paddsb", "ec"), X("paddsw", "ed"), \
	X("pmaxsw", "ee"), X("pxor", "ef"), X("psllw", "f1"), X("pslld", "f2"), \
	X("psllq", "f3"), X("pmuludq", "f4"), X("pmaddwd", "f5"), X("psadbw", "f6"), \
	X("psubb", "f8"), X("psubw", "f9"), X("psubd", "fa"), X("psubq", "fb"), \
	X("paddb", "fc"), X("paddw", "fd"), X("paddd", "fe"), X("pmovmskb", "d7"), \
	X("pshufb", "3800"), X("phaddw", "3801"), X("phaddd", "3802"), X("phaddsw", "3803"), \
	X("pmaddubsw", "3804"), X("phsubw", "3805"), X("phsubd", "3806"), X("phsubsw", "3807"), \
	X("psignb", "3808"), X("psignw", "3809"), X("psignd", "380a"), X("pmulhrsw", "380b"), \
	X("pabsb", "381c"), X("pabsw", "381d"), X("pabsd", "381e")

/* Every instruction is preceded by xor r8d, r8d so both sides start with known flags. */
static const struct diff_insn diff_insns[] = {
#define FP4(n, op) { n "ps", "0f" op "c1", PL_F32, 0 }, { n "pd", "660f" op "c1", PL_F64, 0 }, \
	{ n "ss", "f30f" op "c1", PL_F32, 0 }, { n "sd", "f20f" op "c1", PL_F64, 0 }
	FP4("add", "58"), FP4("mul", "59"), FP4("sub", "5c"), FP4("min", "5d"), FP4("div", "5e"),
	FP4("max", "5f"), FP4("sqrt", "51"),
	{ "cmpps", "0fc2c100", PL_F32, 7 }, { "cmppd", "660fc2c100", PL_F64, 7 },
	{ "cmpss", "f30fc2c100", PL_F32, 7 }, { "cmpsd", "f20fc2c100", PL_F64, 7 },
	{ "comiss", "0f2fc1", PL_F32, 0 }, { "ucomiss", "0f2ec1", PL_F32, 0 },
	{ "comisd", "660f2fc1", PL_F64, 0 }, { "ucomisd", "660f2ec1", PL_F64, 0 },
	{ "haddps", "f20f7cc1", PL_F32, 0 }, { "haddpd", "660f7cc1", PL_F64, 0 },
	{ "hsubps", "f20f7dc1", PL_F32, 0 }, { "hsubpd", "660f7dc1", PL_F64, 0 },
	{ "addsubps", "f20fd0c1", PL_F32, 0 }, { "addsubpd", "660fd0c1", PL_F64, 0 },
	{ "dpps", "660f3a40c100", PL_F32, 0xff }, { "dppd", "660f3a41c100", PL_F64, 0xff },
	{ "roundps", "660f3a08c100", PL_F32, 0x0f }, { "roundpd", "660f3a09c100", PL_F64, 0x0f },
	{ "roundss", "660f3a0ac100", PL_F32, 0x0f }, { "roundsd", "660f3a0bc100", PL_F64, 0x0f },
	{ "cvtps2pd", "0f5ac1", PL_F32, 0 }, { "cvtpd2ps", "660f5ac1", PL_F64, 0 },
	{ "cvtss2sd", "f30f5ac1", PL_F32, 0 }, { "cvtsd2ss", "f20f5ac1", PL_F64, 0 },
	{ "cvtdq2ps", "0f5bc1", PL_INT, 0 }, { "cvtps2dq", "660f5bc1", PL_F32, 0 },
	{ "cvttps2dq", "f30f5bc1", PL_F32, 0 }, { "cvttpd2dq", "660fe6c1", PL_F64, 0 },
	{ "cvtdq2pd", "f30fe6c1", PL_INT, 0 }, { "cvtpd2dq", "f20fe6c1", PL_F64, 0 },
	{ "cvtsi2ss r32", "f30f2ac0", PL_INT, 0 }, { "cvtsi2ss r64", "f3480f2ac0", PL_INT, 0 },
	{ "cvtsi2sd r32", "f20f2ac0", PL_INT, 0 }, { "cvtsi2sd r64", "f2480f2ac0", PL_INT, 0 },
	{ "cvtss2si r32", "f30f2dc1", PL_F32, 0 }, { "cvtss2si r64", "f3480f2dc1", PL_F32, 0 },
	{ "cvttss2si r32", "f30f2cc1", PL_F32, 0 }, { "cvttss2si r64", "f3480f2cc1", PL_F32, 0 },
	{ "cvtsd2si r32", "f20f2dc1", PL_F64, 0 }, { "cvtsd2si r64", "f2480f2dc1", PL_F64, 0 },
	{ "cvttsd2si r32", "f20f2cc1", PL_F64, 0 }, { "cvttsd2si r64", "f2480f2cc1", PL_F64, 0 },
	{ "andps", "0f54c1", PL_F32, 0 }, { "andnpd", "660f55c1", PL_F64, 0 },
	{ "orps", "0f56c1", PL_F32, 0 }, { "xorpd", "660f57c1", PL_F64, 0 },
	{ "unpcklps", "0f14c1", PL_F32, 0 }, { "unpckhpd", "660f15c1", PL_F64, 0 },
	{ "shufps", "0fc6c100", PL_F32, 0xff }, { "shufpd", "660fc6c100", PL_F64, 0xff },
	{ "movmskps", "0f50c1", PL_F32, 0 }, { "movmskpd", "660f50c1", PL_F64, 0 },
	{ "movss", "f30f10c1", PL_F32, 0 }, { "movsd", "f20f10c1", PL_F64, 0 },
	{ "movhlps", "0f12c1", PL_F32, 0 }, { "movlhps", "0f16c1", PL_F32, 0 },
	{ "movsldup", "f30f12c1", PL_F32, 0 }, { "movshdup", "f30f16c1", PL_F32, 0 },
	{ "movddup", "f20f12c1", PL_F64, 0 }, { "insertps", "660f3a21c100", PL_F32, 0xff },
	{ "blendps", "660f3a0cc100", PL_F32, 0x0f }, { "blendpd", "660f3a0dc100", PL_F64, 0x03 },
	{ "blendvps", "660f3814d1", PL_F32, 0 }, { "blendvpd", "660f3815d1", PL_F64, 0 },
	{ "extractps", "660f3a17c000", PL_F32, 0x03 },
	{ "movq xmm, xmm", "f30f7ec1", PL_INT, 0 }, { "movq xmm1, xmm0", "660fd6c1", PL_INT, 0 },
	{ "movd r32, xmm", "660f7ec0", PL_INT, 0 }, { "movd xmm, r32", "660f6ec0", PL_INT, 0 },
	{ "movq r64, xmm", "66480f7ec0", PL_INT, 0 }, { "movq xmm, r64", "66480f6ec0", PL_INT, 0 },
#define I66(n, op) { n, "660f" op "c1", PL_INT, 0 }
	MMX_SSE_OPS_6X(I66), I66("punpcklqdq", "6c"), I66("punpckhqdq", "6d"), MMX_SSE_OPS(I66),
	I66("ptest", "3817"), I66("pmovsxbw", "3820"), I66("pmovsxbd", "3821"),
	I66("pmovsxbq", "3822"), I66("pmovsxwd", "3823"), I66("pmovsxwq", "3824"),
	I66("pmovsxdq", "3825"), I66("pmuldq", "3828"), I66("pcmpeqq", "3829"),
	I66("packusdw", "382b"), I66("pmovzxbw", "3830"), I66("pmovzxbd", "3831"),
	I66("pmovzxbq", "3832"), I66("pmovzxwd", "3833"), I66("pmovzxwq", "3834"),
	I66("pmovzxdq", "3835"), I66("pcmpgtq", "3837"), I66("pminsb", "3838"),
	I66("pminsd", "3839"), I66("pminuw", "383a"), I66("pminud", "383b"), I66("pmaxsb", "383c"),
	I66("pmaxsd", "383d"), I66("pmaxuw", "383e"), I66("pmaxud", "383f"), I66("pmulld", "3840"),
	I66("phminposuw", "3841"),
	{ "pblendvb", "660f3810d1", PL_INT, 0 },
	{ "psrlw imm", "660f71d000", PL_INT, 0xff }, { "psraw imm", "660f71e000", PL_INT, 0xff },
	{ "psllw imm", "660f71f000", PL_INT, 0xff }, { "psrld imm", "660f72d000", PL_INT, 0xff },
	{ "psrad imm", "660f72e000", PL_INT, 0xff }, { "pslld imm", "660f72f000", PL_INT, 0xff },
	{ "psrlq imm", "660f73d000", PL_INT, 0xff }, { "psllq imm", "660f73f000", PL_INT, 0xff },
	{ "psrldq", "660f73d800", PL_INT, 0xff }, { "pslldq", "660f73f800", PL_INT, 0xff },
	{ "pshufd", "660f70c100", PL_INT, 0xff }, { "pshufhw", "f30f70c100", PL_INT, 0xff },
	{ "pshuflw", "f20f70c100", PL_INT, 0xff }, { "palignr", "660f3a0fc100", PL_INT, 0xff },
	{ "pblendw", "660f3a0ec100", PL_INT, 0xff }, { "mpsadbw", "660f3a42c100", PL_INT, 0x07 },
	{ "pclmulqdq", "660f3a44c100", PL_INT, 0x11 },
	{ "pinsrb", "660f3a20c000", PL_INT, 0xff }, { "pinsrw", "660fc4c000", PL_INT, 0xff },
	{ "pinsrd", "660f3a22c000", PL_INT, 0xff }, { "pinsrq", "66480f3a22c000", PL_INT, 0xff },
	{ "pextrb", "660f3a14c000", PL_INT, 0xff }, { "pextrw", "660fc5c100", PL_INT, 0xff },
	{ "pextrw 3a", "660f3a15c000", PL_INT, 0xff }, { "pextrd", "660f3a16c000", PL_INT, 0xff },
	{ "pextrq", "66480f3a16c000", PL_INT, 0xff },
	{ "pcmpestri", "660f3a61c100", PL_STR, 0x7f }, { "pcmpestrm", "660f3a60c100", PL_STR, 0x7f },
	{ "pcmpistri", "660f3a63c100", PL_STR, 0x7f }, { "pcmpistrm", "660f3a62c100", PL_STR, 0x7f },
	{ "pcmpestri64", "66480f3a61c100", PL_STR, 0x7f },
	/* memory operands at [rbx+0x70...] */
	{ "addps m128", "0f584370", PL_F32, 0 }, { "movups load unaligned", "0f104371", PL_F32, 0 },
	{ "movdqu store unaligned", "f30f7f4b71", PL_INT, 0 }, { "lddqu", "f20ff04373", PL_INT, 0 },
	{ "movss store", "f30f114b74", PL_F32, 0 }, { "movss load", "f30f104374", PL_F32, 0 },
	{ "movsd load", "f20f104378", PL_F64, 0 }, { "movhps store", "0f174b78", PL_F32, 0 },
	{ "movlps load", "0f124370", PL_F32, 0 }, { "movhpd load", "660f164378", PL_F64, 0 },
	{ "movlpd store", "660f134b74", PL_F64, 0 }, { "movddup m64", "f20f124374", PL_F64, 0 },
	{ "pextrb m8", "660f3a144b7500", PL_INT, 0xff }, { "pextrw m16", "660f3a154b7600", PL_INT, 0xff },
	{ "pextrd m32", "660f3a164b7400", PL_INT, 0xff }, { "extractps m32", "660f3a174b7400", PL_F32, 0xff },
	{ "pinsrw m16", "660fc4437300", PL_INT, 0xff }, { "pinsrb m8", "660f3a20437100", PL_INT, 0xff },
	{ "insertps m32", "660f3a21437400", PL_F32, 0xff },
	{ "cvtss2sd m32", "f30f5a4374", PL_F32, 0 }, { "cvtsd2si m64", "f20f2d4378", PL_F64, 0 },
	{ "comisd m64", "660f2f4378", PL_F64, 0 }, { "pmovzxbw m64", "660f38304371", PL_INT, 0 },
	{ "pmovsxbq m16", "660f38224373", PL_INT, 0 }, { "movnti m32", "0fc34374", PL_INT, 0 },
	{ "stmxcsr", "0fae5b74", PL_INT, 0 }, { "movq load m64", "f30f7e4374", PL_INT, 0 },
	{ "movq store m64", "660fd64b74", PL_INT, 0 }, { "movd store m32", "660f7e4b74", PL_INT, 0 },
	{ "pcmpistri m128 unaligned", "660f3a63437100", PL_STR, 0x7f },
	{ "pshufd m128", "660f70437000", PL_INT, 0xff }, { "cvtdq2pd m64", "f30fe64374", PL_INT, 0 },
	{ "roundss m32", "660f3a0a437400", PL_F32, 0x0f }, { "cvtsi2sd m64", "f2480f2a4378", PL_INT, 0 },
	{ "maxsd m64", "f20f5f4378", PL_F64, 0 }, { "cvtps2pd m64", "0f5a4374", PL_F32, 0 },
	{ "movntdqa", "660f382a4370", PL_INT, 0 }, { "movntps", "0f2b4b70", PL_F32, 0 },
	/* lea rdi, [rbx+0x70]; maskmovdqu xmm0, xmm1 / maskmovq mm0, mm1 */
	{ "maskmovdqu", "488d7b70660ff7c1", PL_INT, 0 }, { "maskmovq", "488d7b700ff7c1", PL_INT, 0 },
	/* MMX (mm0..mm3) */
#define MMX(n, op) { n " mm", "0f" op "c1", PL_INT, 0 }
	MMX_SSE_OPS_6X(MMX), MMX_SSE_OPS(MMX),
	{ "punpcklbw mm, m32", "0f604374", PL_INT, 0 }, { "paddw mm, m64", "0ffd4374", PL_INT, 0 },
	{ "psrlw mm imm", "0f71d000", PL_INT, 0xff }, { "psraw mm imm", "0f71e000", PL_INT, 0xff },
	{ "psllq mm imm", "0f73f000", PL_INT, 0xff }, { "pshufw", "0f70c100", PL_INT, 0xff },
	{ "palignr mm", "0f3a0fc100", PL_INT, 0xff }, { "pinsrw mm", "0fc4c000", PL_INT, 0xff },
	{ "pextrw mm", "0fc5c100", PL_INT, 0xff }, { "movq2dq", "f30fd6c1", PL_INT, 0 },
	{ "movdq2q", "f20fd6c1", PL_INT, 0 }, { "movd mm, r32", "0f6ec0", PL_INT, 0 },
	{ "movd r32, mm", "0f7ec0", PL_INT, 0 }, { "movq r64, mm", "480f7ec0", PL_INT, 0 },
	{ "movq mm, m64", "0f6f4378", PL_INT, 0 }, { "movq m64, mm", "0f7f4b78", PL_INT, 0 },
	{ "movntq", "0fe74b78", PL_INT, 0 }, { "movq mm, mm", "0f6fc1", PL_INT, 0 },
	{ "cvtpi2ps", "0f2ac1", PL_INT, 0 }, { "cvtpi2pd", "660f2ac1", PL_INT, 0 },
	{ "cvtpi2ps m64", "0f2a4378", PL_INT, 0 },
	{ "cvtps2pi", "0f2dc1", PL_F32, 0 }, { "cvttps2pi", "0f2cc1", PL_F32, 0 },
	{ "cvtpd2pi", "660f2dc1", PL_F64, 0 }, { "cvttpd2pi", "660f2cc1", PL_F64, 0 },
};

static size_t parse_hex(const char *hex, uint8_t *out, size_t cap)
{
	static const uint8_t prefix[] = {0x45, 0x31, 0xc0}; /* xor r8d, r8d */
	memcpy(out, prefix, sizeof prefix);
	return sizeof prefix + fx_hex(hex, out + sizeof prefix, cap - sizeof prefix);
}

static void dump(const char *what, const struct vstate *s, bool trapped)
{
	fprintf(stderr, "  %s%s: mxcsr %#x flags %#llx rax %#llx rcx %#llx\n", what,
		trapped ? " (#XM)" : "", s->mxcsr, (unsigned long long)(s->rflags & FL_ARITH),
		(unsigned long long)s->rax, (unsigned long long)s->rcx);
	for (int r = 0; r < 4; r++)
		fprintf(stderr, "    xmm%d %016llx %016llx\n", r, (unsigned long long)s->x[r].q[1],
			(unsigned long long)s->x[r].q[0]);
}

START_TEST(differential_against_host)
{
	unsigned failed_insns = 0;
	for (size_t t = 0; t < sizeof diff_insns / sizeof diff_insns[0]; t++) {
		const struct diff_insn *d = &diff_insns[t];
		uint8_t code[32];
		size_t n = parse_hex(d->hex, code, sizeof code);
		unsigned mismatches = 0;
		for (unsigned it = 0; it < 1500; it++) {
			struct vstate in = {0}, h, e;
			gen_state(&in, d->pool);
			in.mxcsr = mxcsr_configs[it % (sizeof mxcsr_configs / 4)];
			if (it % 7 == 3)
				in.mxcsr |= (uint32_t)rnd() & 0x3f; /* sticky flags stay set */
			if (d->imm_mask)
				code[n - 1] = (uint8_t)(rnd() & d->imm_mask);
			h = e = in;
			bool ht = host_run(code, n, &h);
			bool et = emu_run(code, n, &e);
			bool same = ht == et && h.mxcsr == e.mxcsr && !memcmp(h.x, e.x, sizeof h.x) &&
				    !memcmp(h.mm, e.mm, sizeof h.mm) && !memcmp(h.mem, e.mem, sizeof h.mem);
			if (!ht)
				same = same && (h.rflags & FL_ARITH) == (e.rflags & FL_ARITH) &&
				       h.rax == e.rax && h.rcx == e.rcx && h.rdx == e.rdx;
			if (!same && mismatches++ < 2) {
				fprintf(stderr, "%s (imm %#x) mismatch\n", d->name, code[n - 1]);
				dump("input", &in, false);
				dump("host ", &h, ht);
				dump("emu  ", &e, et);
			}
		}
		if (mismatches) {
			fprintf(stderr, "%s: %u mismatches\n", d->name, mismatches);
			failed_insns++;
		}
	}
	ck_assert_msg(failed_insns == 0, "%u instructions differ from the host", failed_insns);
}
END_TEST
#endif

int main(void)
{
	Suite *s = suite_create("sse");
	TCase *tc = ADD_TCASE(s, "sse", fx_setup64, fx_teardown,
			      movaps_misaligned_faults_movups_does_not, packed_memory_operand_alignment,
			      scalar_moves_merge_or_clear, addps_and_nan_propagation,
			      unmasked_divide_by_zero_traps_with_destination_unchanged, daz_and_ftz,
			      conversions_round_and_saturate_to_indefinite, comisd_flags, roundsd_modes,
			      packed_integer_basics, pcmpistri_known_results, mmx_aliases_x87_and_emms_empties,
			      mmx_shift_and_pshufw, mmx_delivers_pending_x87_exception,
			      ldmxcsr_stmxcsr_and_reserved_bits, fxsave_fxrstor_round_trip,
			      fxsave_compat_mode_saves_eight_xmm, compat_mode_forms);
	tcase_set_timeout(tc, 120);
#if defined(__x86_64__)
	tcase_add_test(tc, differential_against_host);
#endif
	return run_suite(s);
}
