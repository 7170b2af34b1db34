/* Integer instructions: golden-state tests (bytes, initial state, expected state), exhaustive
 * 8-bit and sampled 16/32/64-bit flag checks of the ALU and shift groups against reference
 * models written from the SDM pseudo-code (one bit at a time for shifts), #DE and #GP cases,
 * 32-bit mode forms.
 *
 * Flags the SDM leaves undefined are pinned to what the reference host (AMD Zen 4) produced in a
 * native differential run (see cpu/shift.c, cpu/muldiv.c, cpu/bit.c). */
#include <check.h>
#include <string.h>

#include "cpu/insn.h"
#include "cpu_fixture.h"
#include "run_suite.h"

#define RUN(...)                                                                   \
	({                                                                         \
		static const uint8_t code_[] = {__VA_ARGS__};                      \
		fx_run(fx, code_, sizeof code_);                                   \
	})

static uint64_t R(unsigned n)
{
	return fx->cpu.r[n];
}

static uint64_t FL(void)
{
	return cpu_get_rflags(&fx->cpu) & FL_ARITH;
}

static void set_flags(uint64_t f)
{
	cpu_set_rflags(&fx->cpu, 0x202 | f);
}

/* ---- reference models ---- */

static uint64_t mask_of(unsigned bits)
{
	return bits == 64 ? ~0ull : (1ull << bits) - 1;
}

/* A register after a write of `bits`: 8/16-bit writes merge, 32/64-bit writes replace. */
static uint64_t merged(uint64_t old, uint64_t r, unsigned bits)
{
	return bits >= 32 ? r : (old & ~mask_of(bits)) | r;
}

static int64_t sx(uint64_t v, unsigned bits)
{
	return bits == 64 ? (int64_t)v : (int64_t)(v << (64 - bits)) >> (64 - bits);
}

static uint64_t szp(uint64_t r, unsigned bits)
{
	uint64_t f = 0;
	if ((r & mask_of(bits)) == 0)
		f |= FL_ZF;
	if ((r >> (bits - 1)) & 1)
		f |= FL_SF;
	if (!(__builtin_popcount((unsigned)(r & 0xff)) & 1))
		f |= FL_PF;
	return f;
}

enum { OP_ADD, OP_OR, OP_ADC, OP_SBB, OP_AND, OP_SUB, OP_XOR, OP_CMP };

/* Exact arithmetic in 128 bits: carry, borrow and signed overflow by range checks. */
static uint64_t ref_alu(unsigned op, unsigned bits, uint64_t a, uint64_t b, unsigned cin,
			uint64_t *fl)
{
	uint64_t m = mask_of(bits), r;
	a &= m;
	b &= m;
	__int128 smin = -((__int128)1 << (bits - 1)), smax = ((__int128)1 << (bits - 1)) - 1;
	unsigned c = op == OP_ADC || op == OP_SBB ? cin : 0;
	uint64_t f = 0;
	switch (op) {
	case OP_ADD:
	case OP_ADC: {
		unsigned __int128 u = (unsigned __int128)a + b + c;
		__int128 s = (__int128)sx(a, bits) + sx(b, bits) + c;
		r = (uint64_t)u & m;
		f |= u > m ? FL_CF : 0;
		f |= s < smin || s > smax ? FL_OF : 0;
		f |= (a & 15) + (b & 15) + c > 15 ? FL_AF : 0;
		break;
	}
	case OP_SUB:
	case OP_SBB:
	case OP_CMP: {
		__int128 u = (__int128)a - b - c;
		__int128 s = (__int128)sx(a, bits) - sx(b, bits) - c;
		r = (uint64_t)u & m;
		f |= u < 0 ? FL_CF : 0;
		f |= s < smin || s > smax ? FL_OF : 0;
		f |= (int)(a & 15) - (int)(b & 15) - (int)c < 0 ? FL_AF : 0;
		break;
	}
	case OP_OR: r = a | b; break;
	case OP_AND: r = a & b; break;
	default: r = a ^ b; break;
	}
	*fl = f | szp(r, bits);
	return r;
}

enum { SH_ROL, SH_ROR, SH_RCL, SH_RCR, SH_SHL, SH_SHR, SH_SAL, SH_SAR };

/* SDM Vol. 2 pseudo-code, one bit per step. Undefined flags as the host: AF = 1 for the
 * shifts; OF for counts above 1 from the result (shl: MSB ^ CF; shr, ror, rcr: the two top
 * bits differ; sar: 0; rol, rcl: MSB ^ CF). */
static uint64_t ref_shift(unsigned op, unsigned bits, uint64_t a, unsigned count, uint64_t fin,
			  uint64_t *fl)
{
	uint64_t m = mask_of(bits), top = 1ull << (bits - 1), d = a & m;
	unsigned cnt = count & (bits == 64 ? 63 : 31), cf = fin & FL_CF;
	if (cnt == 0) {
		*fl = fin;
		return d;
	}
	unsigned steps = cnt;
	if (op == SH_RCL || op == SH_RCR)
		steps = bits == 8 ? cnt % 9 : bits == 16 ? cnt % 17 : cnt;
	else if (op == SH_ROL || op == SH_ROR)
		steps = cnt % bits;
	for (unsigned k = 0; k < steps; k++) {
		unsigned out;
		switch (op) {
		case SH_ROL: out = !!(d & top); d = ((d << 1) | out) & m; break;
		case SH_ROR: out = d & 1; d = (d >> 1) | (out ? top : 0); break;
		case SH_RCL: out = !!(d & top); d = ((d << 1) | cf) & m; cf = out; break;
		case SH_RCR: out = d & 1; d = (d >> 1) | (cf ? top : 0); cf = out; break;
		case SH_SHL: case SH_SAL: cf = !!(d & top); d = (d << 1) & m; break;
		case SH_SHR: cf = d & 1; d >>= 1; break;
		default: cf = d & 1; d = (d >> 1) | (d & top); break;
		}
	}
	unsigned msb = !!(d & top), msb2 = !!(d & (top >> 1));
	uint64_t f;
	switch (op) {
	case SH_ROL:
		cf = d & 1;
		f = (fin & ~(uint64_t)(FL_CF | FL_OF)) | cf | (msb ^ cf ? FL_OF : 0);
		break;
	case SH_ROR:
		cf = msb;
		f = (fin & ~(uint64_t)(FL_CF | FL_OF)) | cf | (msb ^ msb2 ? FL_OF : 0);
		break;
	case SH_RCL:
		f = (fin & ~(uint64_t)(FL_CF | FL_OF)) | cf | (msb ^ cf ? FL_OF : 0);
		break;
	case SH_RCR:
		f = (fin & ~(uint64_t)(FL_CF | FL_OF)) | cf | (msb ^ msb2 ? FL_OF : 0);
		break;
	case SH_SHL:
	case SH_SAL:
		f = szp(d, bits) | FL_AF | cf | (msb ^ cf ? FL_OF : 0);
		break;
	case SH_SHR:
		f = szp(d, bits) | FL_AF | cf | (msb ^ msb2 ? FL_OF : 0);
		break;
	default:
		f = szp(d, bits) | FL_AF | cf;
		break;
	}
	*fl = f & FL_ARITH;
	return d;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	return fx_xorshift(&rng);
}

/* Operands that reach the edges: all-ones, sign bits, small values, random. */
static uint64_t operand(void)
{
	static const uint64_t edge[] = {0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff,
		0x7fffffff, 0x80000000, 0xffffffff, 0x7fffffffffffffffull, 0x8000000000000000ull,
		~0ull, 0x0f, 0x10};
	uint64_t r = rnd();
	switch (r % 4) {
	case 0: return edge[(r >> 8) % (sizeof edge / sizeof edge[0])];
	case 1: return rnd() & 0xff;
	default: return rnd();
	}
}

/* `op al/ax/eax/rax, cl` for the eight operations of one family: the ALU (00-3F, ModRM C8)
 * and the shifts (D2/D3 /op), each checked against its reference model. */
struct binop {
	const char *name;
	uint8_t opcode8;                  /* 8-bit form; +1 for 16/32/64 */
	uint8_t modrm;                    /* with the operation: opcode8 + 8*op or modrm | op << 3 */
	bool op_in_opcode;
	/* RAX and the arithmetic flags afterwards */
	uint64_t (*model)(unsigned op, unsigned bits, uint64_t a, uint64_t b, uint64_t fin, uint64_t *fl);
	/* 8-bit inputs: every AL (above it `a_high`, which must survive), CL over [0, b_count) with
	 * AL's `b_from_a` bits, both carries, and `fin_set` or `fin_clear` as AL's `fin_bit` says */
	unsigned b_count;
	uint64_t a_high, b_from_a, fin_bit, fin_set, fin_clear;
	uint64_t (*wide_b)(void); /* CL's samples for 16/32/64 bits */
};

static uint64_t alu_model(unsigned op, unsigned bits, uint64_t a, uint64_t b, uint64_t fin, uint64_t *fl)
{
	uint64_t r = ref_alu(op, bits, a, b, fin & FL_CF, fl);
	return op == OP_CMP ? a : merged(a, r, bits);
}

static uint64_t shift_model(unsigned op, unsigned bits, uint64_t a, uint64_t b, uint64_t fin, uint64_t *fl)
{
	return merged(a, ref_shift(op, bits, a, (unsigned)b, fin, fl), bits);
}

static uint64_t shift_count(void)
{
	return (unsigned)(rnd() & 0xff);
}

static const struct binop binops[] = {
	{ "alu", 0x00, 0xc8, true, alu_model, 256, 0x1234567890abcd00ull, 0, 1, FL_ZF, 0, operand },
	{ "shift", 0xd2, 0xc0, false, shift_model, 64, 0xabcdef00ull, 0xc0, 4, FL_OF | FL_ZF, FL_SF,
	  shift_count },
};

/* 66 or REX.W as the width needs, then the opcode and ModRM. */
static size_t binop_code(uint8_t *p, const struct binop *f, unsigned op, unsigned bits)
{
	size_t n = 0;
	if (bits == 16)
		p[n++] = 0x66;
	if (bits == 64)
		p[n++] = 0x48;
	p[n++] = (uint8_t)(f->opcode8 + (f->op_in_opcode ? op * 8 : 0) + (bits > 8));
	p[n++] = (uint8_t)(f->modrm | (f->op_in_opcode ? 0 : op << 3));
	return n;
}

static void check_binop(const struct binop *f, unsigned op, unsigned bits, uint64_t a, uint64_t b,
			uint64_t fin)
{
	uint64_t fl, want = f->model(op, bits, a, b, fin, &fl);
	fx->cpu.r[R_AX] = a;
	fx->cpu.r[R_CX] = b;
	set_flags(fin);
	fx->cpu.rip = FX_CODE;
	ck_assert_int_eq(fx_continue(fx, 10), TRAP_BREAKPOINT);
	if (R(R_AX) != want || FL() != fl)
		ck_abort_msg("%s op %u bits %u a %#llx b %#llx fin %#llx: "
			     "got %#llx fl %#llx want %#llx fl %#llx",
			     f->name, op, bits, (unsigned long long)a, (unsigned long long)b,
			     (unsigned long long)fin, (unsigned long long)R(R_AX),
			     (unsigned long long)FL(), (unsigned long long)want, (unsigned long long)fl);
}

START_TEST(binop_8bit_exhaustive)
{
	const struct binop *f = &binops[_i];
	for (unsigned op = 0; op < 8; op++) {
		uint8_t code[4];
		ck_assert_int_eq(fx_run(fx, code, binop_code(code, f, op, 8)), TRAP_BREAKPOINT);
		for (unsigned a = 0; a < 256; a++)
			for (unsigned b = 0; b < f->b_count; b++)
				for (unsigned cin = 0; cin < 2; cin++)
					check_binop(f, op, 8, f->a_high | a, b | (a & f->b_from_a),
						    cin | (a & f->fin_bit ? f->fin_set : f->fin_clear));
	}
}
END_TEST

START_TEST(binop_wide_sampled)
{
	const struct binop *f = &binops[_i];
	static const unsigned widths[] = {16, 32, 64};
	for (unsigned op = 0; op < 8; op++)
		for (unsigned w = 0; w < 3; w++) {
			uint8_t code[4];
			ck_assert_int_eq(fx_run(fx, code, binop_code(code, f, op, widths[w])), TRAP_BREAKPOINT);
			for (unsigned k = 0; k < 20000; k++)
				check_binop(f, op, widths[w], operand(), f->wide_b(), rnd() & FL_ARITH);
		}
}
END_TEST

/* inc/dec keep CF; neg sets CF unless the operand is 0; not changes no flag. */
START_TEST(unary_8bit_exhaustive)
{
	static const uint8_t codes[4][2] = {{0xfe, 0xc0}, {0xfe, 0xc8}, {0xf6, 0xd8}, {0xf6, 0xd0}};
	for (unsigned u = 0; u < 4; u++) {
		ck_assert_int_eq(fx_run(fx, codes[u], 2), TRAP_BREAKPOINT);
		for (unsigned a = 0; a < 256; a++)
			for (unsigned cin = 0; cin < 2; cin++) {
				uint64_t fin = cin | FL_OF | FL_AF, fl, r;
				switch (u) {
				case 0: r = ref_alu(OP_ADD, 8, a, 1, 0, &fl); fl = (fl & ~1ull) | cin; break;
				case 1: r = ref_alu(OP_SUB, 8, a, 1, 0, &fl); fl = (fl & ~1ull) | cin; break;
				case 2: r = ref_alu(OP_SUB, 8, 0, a, 0, &fl); break;
				default: r = ~a & 0xff; fl = fin; break;
				}
				fx->cpu.r[R_AX] = a;
				set_flags(fin);
				fx->cpu.rip = FX_CODE;
				ck_assert_int_eq(fx_continue(fx, 10), TRAP_BREAKPOINT);
				ck_assert_uint_eq(R(R_AX), r);
				ck_assert_uint_eq(FL(), fl);
			}
	}
}
END_TEST


/* A 32-bit destination is written even by a count of 0 (upper half cleared), flags untouched. */
START_TEST(shift_count_zero)
{
	fx->cpu.r[R_AX] = 0xffffffff80000001ull;
	fx->cpu.r[R_CX] = 0x40;
	set_flags(FL_CF | FL_OF | FL_ZF);
	ck_assert_int_eq(RUN(0xd3, 0xe0), TRAP_BREAKPOINT); /* shl eax, cl */
	ck_assert_uint_eq(R(R_AX), 0x80000001);
	ck_assert_uint_eq(FL(), FL_CF | FL_OF | FL_ZF);
	fx->cpu.r[R_AX] = 0x1234;
	ck_assert_int_eq(RUN(0x66, 0xc1, 0xc0, 0x20), TRAP_BREAKPOINT); /* rol ax, 32 */
	ck_assert_uint_eq(R(R_AX), 0x1234);
	ck_assert_uint_eq(FL(), FL_CF | FL_OF | FL_ZF);
}
END_TEST

START_TEST(shld_shrd)
{
	fx->cpu.r[R_AX] = 0x12345678;
	fx->cpu.r[R_BX] = 0x9abcdef0;
	fx->cpu.r[R_CX] = 8;
	ck_assert_int_eq(RUN(0x0f, 0xa5, 0xd8), TRAP_BREAKPOINT); /* shld eax, ebx, cl */
	ck_assert_uint_eq(R(R_AX), 0x3456789a);
	ck_assert_uint_eq(FL(), FL_AF | FL_PF); /* CF = bit 24 of 0x12345678 = 0; OF: 0 ^ 0 */
	fx->cpu.r[R_AX] = 0x12345678;
	ck_assert_int_eq(RUN(0x0f, 0xac, 0xd8, 0x04), TRAP_BREAKPOINT); /* shrd eax, ebx, 4 */
	ck_assert_uint_eq(R(R_AX), 0x01234567);
	ck_assert_uint_eq(FL(), FL_CF | FL_AF); /* CF = bit 3 of 0x...78 = 1; top two bits 00 */
	fx->cpu.r[R_AX] = 0x8000000000000001ull;
	fx->cpu.r[R_BX] = 0;
	ck_assert_int_eq(RUN(0x48, 0x0f, 0xa4, 0xd8, 0x01), TRAP_BREAKPOINT); /* shld rax, rbx, 1 */
	ck_assert_uint_eq(R(R_AX), 2);
	ck_assert_uint_eq(FL(), FL_CF | FL_OF | FL_AF); /* sign changed */
	/* 16-bit, count above 16 (undefined in the SDM): the host's d:s:s shift */
	fx->cpu.r[R_AX] = 0x1111;
	fx->cpu.r[R_BX] = 0xabcd;
	fx->cpu.r[R_CX] = 20;
	set_flags(FL_CF | FL_OF);
	ck_assert_int_eq(RUN(0x66, 0x0f, 0xa5, 0xd8), TRAP_BREAKPOINT); /* shld ax, bx, cl */
	ck_assert_uint_eq(R(R_AX), 0xbcda);
	ck_assert_uint_eq(FL(), FL_SF | FL_AF); /* CF = OF = 0 */
	fx->cpu.r[R_AX] = 0x1111;
	set_flags(FL_CF | FL_OF);
	ck_assert_int_eq(RUN(0x66, 0x0f, 0xad, 0xd8), TRAP_BREAKPOINT); /* shrd ax, bx, cl */
	ck_assert_uint_eq(R(R_AX), 0xdabc);
	ck_assert_uint_eq(FL(), FL_SF | FL_AF);
	/* shld by exactly 16: the result is the source, CF the last bit out, OF = CF */
	fx->cpu.r[R_AX] = 0x0001;
	ck_assert_int_eq(RUN(0x66, 0x0f, 0xa4, 0xd8, 0x10), TRAP_BREAKPOINT); /* shld ax, bx, 16 */
	ck_assert_uint_eq(R(R_AX), 0xabcd);
	ck_assert_uint_eq(FL(), FL_CF | FL_OF | FL_SF | FL_AF);
}
END_TEST

/* ---- multiply and divide ---- */

START_TEST(mul_imul)
{
	fx->cpu.r[R_AX] = 0xffffffffffffffffull;
	fx->cpu.r[R_CX] = 0xffffffffffffffffull;
	set_flags(FL_ZF | FL_SF);
	ck_assert_int_eq(RUN(0x48, 0xf7, 0xe1), TRAP_BREAKPOINT); /* mul rcx */
	ck_assert_uint_eq(R(R_AX), 1);
	ck_assert_uint_eq(R(R_DX), 0xfffffffffffffffeull);
	/* CF = OF = 1; SF ZF AF PF kept (host behaviour for the undefined ones) */
	ck_assert_uint_eq(FL(), FL_CF | FL_OF | FL_ZF | FL_SF);

	fx->cpu.r[R_AX] = 0xffffffffffffffffull; /* -1 */
	fx->cpu.r[R_CX] = 5;
	set_flags(FL_CF | FL_OF);
	ck_assert_int_eq(RUN(0x48, 0xf7, 0xe9), TRAP_BREAKPOINT); /* imul rcx */
	ck_assert_uint_eq(R(R_AX), (uint64_t)-5);
	ck_assert_uint_eq(R(R_DX), ~0ull);
	ck_assert_uint_eq(FL(), 0);

	fx->cpu.r[R_AX] = 0x80; /* al = -128 */
	fx->cpu.r[R_BX] = 0xff; /* bl = -1 */
	ck_assert_int_eq(RUN(0xf6, 0xeb), TRAP_BREAKPOINT); /* imul bl */
	ck_assert_uint_eq(R(R_AX), 0x0080);
	ck_assert_uint_eq(FL(), FL_CF | FL_OF);

	fx->cpu.r[R_CX] = 0x4000000000000000ull;
	ck_assert_int_eq(RUN(0x48, 0x6b, 0xc1, 0xfe), TRAP_BREAKPOINT); /* imul rax, rcx, -2 */
	ck_assert_uint_eq(R(R_AX), 0x8000000000000000ull);
	ck_assert_uint_eq(FL(), 0); /* -2^63 fits */
	fx->cpu.r[R_CX] = 0xc000000000000000ull;
	ck_assert_int_eq(RUN(0x48, 0x6b, 0xc1, 0xfe), TRAP_BREAKPOINT);
	ck_assert_uint_eq(R(R_AX), 0x8000000000000000ull);
	ck_assert_uint_eq(FL(), FL_CF | FL_OF); /* +2^63 does not */

	fx->cpu.r[R_AX] = 0xdeadbeef00010000ull;
	fx->cpu.r[R_DX] = 0xdeadbeefdeadbeefull;
	fx->cpu.r[R_CX] = 0x10000;
	ck_assert_int_eq(RUN(0xf7, 0xe1), TRAP_BREAKPOINT); /* mul ecx: zero-extends both halves */
	ck_assert_uint_eq(R(R_AX), 0);
	ck_assert_uint_eq(R(R_DX), 1);
}
END_TEST

START_TEST(div_idiv)
{
	fx->cpu.r[R_DX] = 1;
	fx->cpu.r[R_AX] = 5;
	fx->cpu.r[R_CX] = 2;
	set_flags(FL_CF | FL_ZF | FL_PF);
	ck_assert_int_eq(RUN(0x48, 0xf7, 0xf1), TRAP_BREAKPOINT); /* div rcx: (2^64 + 5) / 2 */
	ck_assert_uint_eq(R(R_AX), 0x8000000000000002ull);
	ck_assert_uint_eq(R(R_DX), 1);
	ck_assert_uint_eq(FL(), FL_CF | FL_AF); /* host: CF OF kept, AF set, SF ZF PF cleared */

	fx->cpu.r[R_DX] = 0xffffffff;
	fx->cpu.r[R_AX] = 0xfffffff9; /* edx:eax = -7 */
	fx->cpu.r[R_CX] = 2;
	ck_assert_int_eq(RUN(0xf7, 0xf9), TRAP_BREAKPOINT); /* idiv ecx: truncates toward 0 */
	ck_assert_uint_eq(R(R_AX), 0xfffffffd);
	ck_assert_uint_eq(R(R_DX), 0xffffffff);

	fx->cpu.r[R_AX] = 0xff05; /* ax = -251 */
	fx->cpu.r[R_CX] = 0x10;
	ck_assert_int_eq(RUN(0xf6, 0xf9), TRAP_BREAKPOINT); /* idiv cl */
	ck_assert_uint_eq(R(R_AX) & 0xffff, 0xf5f1); /* rem -11, quot -15 */
}
END_TEST

static void expect_de(const uint8_t *code, size_t n, uint64_t ax, uint64_t dx, uint64_t cx)
{
	fx->cpu.r[R_AX] = ax;
	fx->cpu.r[R_DX] = dx;
	fx->cpu.r[R_CX] = cx;
	set_flags(FL_OF | FL_SF);
	ck_assert_int_eq(fx_run(fx, code, n), TRAP_DE);
	ck_assert_uint_eq(fx->cpu.rip, FX_CODE);
	ck_assert_uint_eq(R(R_AX), ax);
	ck_assert_uint_eq(R(R_DX), dx);
	ck_assert_uint_eq(FL(), FL_OF | FL_SF);
}

START_TEST(divide_errors)
{
	static const uint8_t div_rcx[] = {0x48, 0xf7, 0xf1}, idiv_rcx[] = {0x48, 0xf7, 0xf9};
	static const uint8_t div_ecx[] = {0xf7, 0xf1}, idiv_ecx[] = {0xf7, 0xf9};
	static const uint8_t div_cl[] = {0xf6, 0xf1}, idiv_cl[] = {0xf6, 0xf9};
	static const uint8_t idiv_cx[] = {0x66, 0xf7, 0xf9};
	expect_de(div_rcx, 3, 1, 2, 0);                                 /* zero divisor */
	expect_de(div_rcx, 3, 0, 5, 5);                                 /* quotient 2^64 */
	expect_de(idiv_rcx, 3, 0, 0x8000000000000000ull, ~0ull);        /* huge / -1 */
	expect_de(idiv_rcx, 3, 0x8000000000000000ull, ~0ull, ~0ull);    /* INT64_MIN / -1 */
	expect_de(idiv_rcx, 3, 0, 1, 2);                                /* +2^63 does not fit */
	expect_de(div_ecx, 2, 0, 0x10, 0x10);
	expect_de(idiv_ecx, 2, 0x80000000, 0xffffffff, 0xffffffff);     /* INT32_MIN / -1 */
	expect_de(div_cl, 2, 0x1000, 0, 0x10);                          /* 4096 / 16 = 256 */
	expect_de(idiv_cl, 2, 0xff80, 0, 0xff);                         /* -128 / -1 */
	expect_de(idiv_cx, 3, 0x0000, 0x8000, 0xffff);                  /* INT32_MIN / -1 at 16 */
	/* The most negative quotient fits. */
	fx->cpu.r[R_AX] = 0x8000000000000000ull;
	fx->cpu.r[R_DX] = ~0ull;
	fx->cpu.r[R_CX] = 1;
	ck_assert_int_eq(fx_run(fx, idiv_rcx, 3), TRAP_BREAKPOINT);
	ck_assert_uint_eq(R(R_AX), 0x8000000000000000ull);
}
END_TEST

/* ---- bit instructions ---- */

START_TEST(bt_memory_offsets)
{
	memset(fx->data, 0, 64);
	fx->cpu.r[R_SI] = FX_DATA + 32;
	fx->cpu.r[R_CX] = (uint64_t)-1; /* bit -1: bit 7 of the byte before */
	set_flags(FL_ZF | FL_OF);
	ck_assert_int_eq(RUN(0x48, 0x0f, 0xab, 0x0e), TRAP_BREAKPOINT); /* bts [rsi], rcx */
	ck_assert_uint_eq(fx->data[31], 0x80);
	ck_assert_uint_eq(FL(), FL_ZF | FL_OF); /* CF = old bit 0; the rest unchanged */
	fx->cpu.r[R_CX] = 0x107; /* byte 32 + 32, bit 7 */
	ck_assert_int_eq(RUN(0x0f, 0xab, 0x0e), TRAP_BREAKPOINT); /* bts dword [rsi], ecx */
	ck_assert_uint_eq(fx->data[64], 0x80);
	ck_assert_int_eq(RUN(0x0f, 0xa3, 0x0e), TRAP_BREAKPOINT); /* bt dword [rsi], ecx */
	ck_assert_uint_eq(FL(), FL_ZF | FL_OF | FL_CF);
	fx->cpu.r[R_CX] = 0xfff0; /* 16-bit: offset -16 = the word before */
	ck_assert_int_eq(RUN(0x66, 0x0f, 0xbb, 0x0e), TRAP_BREAKPOINT); /* btc word [rsi], cx */
	ck_assert_uint_eq(fx->data[30], 1);
	/* An immediate offset wraps within the operand. */
	ck_assert_int_eq(RUN(0x0f, 0xba, 0x36, 0x27), TRAP_BREAKPOINT); /* btr dword [rsi], 39 */
	fx->data[32] = 0x80;
	ck_assert_int_eq(RUN(0x0f, 0xba, 0x36, 0x27), TRAP_BREAKPOINT);
	ck_assert_uint_eq(fx->data[32], 0);
	ck_assert_uint_eq(FL() & FL_CF, FL_CF);
}
END_TEST

START_TEST(bit_scans)
{
	fx->cpu.r[R_AX] = 0xffffffffffffffffull;
	fx->cpu.r[R_CX] = 0;
	ck_assert_int_eq(RUN(0x0f, 0xbc, 0xc1), TRAP_BREAKPOINT); /* bsf eax, ecx */
	ck_assert_uint_eq(R(R_AX), ~0ull); /* unchanged, upper half too */
	ck_assert_uint_eq(FL(), FL_ZF | FL_PF);
	fx->cpu.r[R_CX] = 0x8000000000000100ull;
	ck_assert_int_eq(RUN(0x48, 0x0f, 0xbd, 0xc1), TRAP_BREAKPOINT); /* bsr rax, rcx */
	ck_assert_uint_eq(R(R_AX), 63);
	ck_assert_uint_eq(FL(), FL_PF); /* parity of the index */
	ck_assert_int_eq(RUN(0x48, 0x0f, 0xbc, 0xc1), TRAP_BREAKPOINT); /* bsf rax, rcx */
	ck_assert_uint_eq(R(R_AX), 8);
	ck_assert_uint_eq(FL(), 0);
	fx->cpu.r[R_CX] = 0x00f0;
	ck_assert_int_eq(RUN(0xf3, 0x0f, 0xbd, 0xc1), TRAP_BREAKPOINT); /* lzcnt eax, ecx */
	ck_assert_uint_eq(R(R_AX), 24);
	set_flags(FL_OF);
	fx->cpu.r[R_CX] = 0xffff0000;
	ck_assert_int_eq(RUN(0x66, 0xf3, 0x0f, 0xbc, 0xc1), TRAP_BREAKPOINT); /* tzcnt ax, cx */
	ck_assert_uint_eq(R(R_AX), 16);
	ck_assert_uint_eq(FL(), FL_CF | FL_OF); /* source zero; OF kept */
	fx->cpu.r[R_CX] = 0xf0f0f0f0f0f0f0f0ull;
	ck_assert_int_eq(RUN(0xf3, 0x48, 0x0f, 0xb8, 0xc1), TRAP_BREAKPOINT); /* popcnt rax, rcx */
	ck_assert_uint_eq(R(R_AX), 32);
	ck_assert_uint_eq(FL(), 0);
	fx->cpu.r[R_AX] = 0x1122334455667788ull;
	ck_assert_int_eq(RUN(0x0f, 0xc8), TRAP_BREAKPOINT); /* bswap eax */
	ck_assert_uint_eq(R(R_AX), 0x88776655);
	fx->cpu.r[R_9] = 0x1122334455667788ull;
	ck_assert_int_eq(RUN(0x49, 0x0f, 0xc9), TRAP_BREAKPOINT); /* bswap r9 */
	ck_assert_uint_eq(R(R_9), 0x8877665544332211ull);
}
END_TEST

START_TEST(bmi)
{
	fx->cpu.r[R_BX] = 0x12345678abcdef01ull;
	fx->cpu.r[R_CX] = 0x00ff00ff00ff00ffull;
	ck_assert_int_eq(RUN(0xc4, 0xe2, 0xe3, 0xf5, 0xc1), TRAP_BREAKPOINT); /* pdep rax, rbx, rcx */
	ck_assert_uint_eq(R(R_AX), 0x00ab00cd00ef0001ull);
	fx->cpu.r[R_BX] = 0x00ab00cd00ef0001ull;
	ck_assert_int_eq(RUN(0xc4, 0xe2, 0xe2, 0xf5, 0xc1), TRAP_BREAKPOINT); /* pext rax, rbx, rcx */
	ck_assert_uint_eq(R(R_AX), 0xabcdef01);
	fx->cpu.r[R_DX] = 0xffffffffffffffffull;
	fx->cpu.r[R_CX] = 0xffffffffffffffffull;
	ck_assert_int_eq(RUN(0xc4, 0xe2, 0xe3, 0xf6, 0xc1), TRAP_BREAKPOINT); /* mulx rax, rbx, rcx */
	ck_assert_uint_eq(R(R_AX), 0xfffffffffffffffeull);
	ck_assert_uint_eq(R(R_BX), 1);
	fx->cpu.r[R_BX] = 0xf0f0;
	fx->cpu.r[R_CX] = 0x0804; /* start 4, length 8 */
	ck_assert_int_eq(RUN(0xc4, 0xe2, 0x70, 0xf7, 0xc3), TRAP_BREAKPOINT); /* bextr eax, ebx, ecx */
	ck_assert_uint_eq(R(R_AX), 0x0f);
	ck_assert_uint_eq(FL(), FL_AF | FL_PF);
	fx->cpu.r[R_BX] = 0x58;
	ck_assert_int_eq(RUN(0xc4, 0xe2, 0x78, 0xf3, 0xcb), TRAP_BREAKPOINT); /* blsr eax, ebx */
	ck_assert_uint_eq(R(R_AX), 0x50);
	ck_assert_uint_eq(FL(), FL_PF);
	fx->cpu.r[R_BX] = 0xffffffff;
	fx->cpu.r[R_CX] = 40;
	ck_assert_int_eq(RUN(0xc4, 0xe2, 0x70, 0xf5, 0xc3), TRAP_BREAKPOINT); /* bzhi eax, ebx, ecx */
	ck_assert_uint_eq(R(R_AX), 0xffffffff);
	ck_assert_uint_eq(FL(), FL_CF | FL_SF | FL_PF);
	fx->cpu.r[R_BX] = 0x80000000;
	fx->cpu.r[R_CX] = 0x43; /* count masked to 3 */
	ck_assert_int_eq(RUN(0xc4, 0xe2, 0xf2, 0xf7, 0xc3), TRAP_BREAKPOINT); /* sarx rax, rbx, rcx */
	ck_assert_uint_eq(R(R_AX), 0x80000000 >> 3);
	ck_assert_int_eq(RUN(0xc4, 0xe3, 0x7b, 0xf0, 0xc3, 0x08), TRAP_BREAKPOINT); /* rorx eax, ebx, 8 */
	ck_assert_uint_eq(R(R_AX), 0x00800000);
	ck_assert_int_eq(RUN(0xc4, 0xe3, 0x73, 0xf0, 0xc3, 0x08), TRAP_UD); /* VEX.vvvv != 1111b */
	ck_assert_int_eq(RUN(0xc4, 0xe3, 0x7f, 0xf0, 0xc3, 0x08), TRAP_UD); /* VEX.L = 1 */
	fx->cpu.r[R_BX] = 0xff00;
	fx->cpu.r[R_CX] = 0x0ff0;
	ck_assert_int_eq(RUN(0xc4, 0xe2, 0xe0, 0xf2, 0xc1), TRAP_BREAKPOINT); /* andn rax, rbx, rcx */
	ck_assert_uint_eq(R(R_AX), 0x00f0);
}
END_TEST

START_TEST(crc32c)
{
	/* CRC-32C("123456789") = 0xe3069283 (with the usual ~0 pre- and post-conditioning). */
	memcpy(fx->data, "123456789", 9);
	fx->cpu.r[R_AX] = 0xffffffff;
	fx->cpu.r[R_SI] = FX_DATA;
	fx->cpu.r[R_CX] = 9;
	/* l: crc32 eax, byte [rsi]; inc rsi; dec ecx; jnz l; not eax */
	ck_assert_int_eq(RUN(0xf2, 0x0f, 0x38, 0xf0, 0x06, 0x48, 0xff, 0xc6, 0xff, 0xc9, 0x75, 0xf4,
			     0xf7, 0xd0), TRAP_BREAKPOINT);
	ck_assert_uint_eq(R(R_AX), 0xe3069283);
	/* The 64-bit form over the same bytes 8 at a time plus one. */
	fx->cpu.r[R_AX] = 0xffffffff;
	/* crc32 rax, qword [rsi]; crc32 eax, byte [rsi+8]; not eax */
	fx->cpu.r[R_SI] = FX_DATA;
	ck_assert_int_eq(RUN(0xf2, 0x48, 0x0f, 0x38, 0xf1, 0x06, 0xf2, 0x0f, 0x38, 0xf0, 0x46, 0x08,
			     0xf7, 0xd0), TRAP_BREAKPOINT);
	ck_assert_uint_eq(R(R_AX), 0xe3069283);
}
END_TEST

/* ---- conditional moves ---- */

START_TEST(cmov_setcc)
{
	fx->cpu.r[R_AX] = 0xffffffff00000001ull;
	fx->cpu.r[R_CX] = 7;
	set_flags(0);
	ck_assert_int_eq(RUN(0x0f, 0x44, 0xc1), TRAP_BREAKPOINT); /* cmovz eax, ecx (false) */
	ck_assert_uint_eq(R(R_AX), 1); /* zero-extended anyway */
	fx->cpu.r[R_AX] = 0xffffffff00000001ull;
	ck_assert_int_eq(RUN(0x48, 0x0f, 0x44, 0xc1), TRAP_BREAKPOINT); /* cmovz rax, rcx */
	ck_assert_uint_eq(R(R_AX), 0xffffffff00000001ull);
	/* cmp 1, 2: jl / setl true, setnle false */
	fx->cpu.r[R_AX] = 1;
	fx->cpu.r[R_CX] = 2;
	ck_assert_int_eq(RUN(0x39, 0xc8, 0x0f, 0x9c, 0xc2, 0x0f, 0x9f, 0xc6), TRAP_BREAKPOINT);
	ck_assert_uint_eq(R(R_DX) & 0xffff, 0x0001); /* setl dl; setnle dh */
	/* The memory source is read even when the condition is false. */
	fx->cpu.r[R_SI] = 0;
	set_flags(0);
	ck_assert_int_eq(RUN(0x0f, 0x44, 0x06), TRAP_PAGE_FAULT); /* cmovz eax, [rsi] */
}
END_TEST

/* ---- data movement ---- */

START_TEST(moves)
{
	fx->cpu.r[R_AX] = 0x1122334455667788ull;
	fx->cpu.r[R_SP] = FX_STACK_TOP - 0x100;
	ck_assert_int_eq(RUN(0xb4, 0x05, 0x40, 0xb4, 0x06), TRAP_BREAKPOINT); /* mov ah, 5; mov spl, 6 */
	ck_assert_uint_eq(R(R_AX), 0x1122334455660588ull);
	ck_assert_uint_eq(R(R_SP) & 0xff, 6);
	fx->cpu.r[R_SP] = FX_STACK_TOP - 0x100;
	memcpy(fx->data, "\x01\x02\x03\x04\x05\x06\x07\x88", 8);
	/* mov rax, [moffs64 FX_DATA] */
	ck_assert_int_eq(RUN(0x48, 0xa1, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00), TRAP_BREAKPOINT);
	ck_assert_uint_eq(R(R_AX), 0x8807060504030201ull);
	fx->cpu.r[R_SI] = FX_DATA + 6;
	ck_assert_int_eq(RUN(0x48, 0x0f, 0xbf, 0x06), TRAP_BREAKPOINT); /* movsx rax, word [rsi] */
	ck_assert_uint_eq(R(R_AX), 0xffffffffffff8807ull);
	ck_assert_int_eq(RUN(0x48, 0x0f, 0xb7, 0x06), TRAP_BREAKPOINT); /* movzx rax, word [rsi] */
	ck_assert_uint_eq(R(R_AX), 0x8807);
	fx->cpu.r[R_CX] = 0x80000000;
	ck_assert_int_eq(RUN(0x48, 0x63, 0xc1), TRAP_BREAKPOINT); /* movsxd rax, ecx */
	ck_assert_uint_eq(R(R_AX), 0xffffffff80000000ull);
	fx->cpu.r[R_AX] = 0x8000;
	ck_assert_int_eq(RUN(0x48, 0x98), TRAP_BREAKPOINT); /* cdqe */
	ck_assert_uint_eq(R(R_AX), 0x8000);
	ck_assert_int_eq(RUN(0x98), TRAP_BREAKPOINT); /* cwde */
	ck_assert_uint_eq(R(R_AX), 0xffff8000);
	ck_assert_int_eq(RUN(0x48, 0x98, 0x48, 0x99), TRAP_BREAKPOINT); /* cdqe; cqo */
	ck_assert_uint_eq(R(R_DX), ~0ull);
	fx->cpu.r[R_AX] = 0x0000007f;
	ck_assert_int_eq(RUN(0x66, 0x99), TRAP_BREAKPOINT); /* cwd */
	ck_assert_uint_eq(R(R_DX), 0xffffffffffff0000ull);
	ck_assert_int_eq(RUN(0x66, 0x98), TRAP_BREAKPOINT); /* cbw */
	ck_assert_uint_eq(R(R_AX), 0x7f);
}
END_TEST

START_TEST(lea_sizes)
{
	fx->cpu.r[R_BX] = 0xfffffffffffffff0ull;
	fx->cpu.r[R_CX] = 0x10;
	ck_assert_int_eq(RUN(0x67, 0x8d, 0x44, 0x4b, 0x01), TRAP_BREAKPOINT); /* lea eax, [ebx+ecx*2+1] */
	ck_assert_uint_eq(R(R_AX), 0x11);
	ck_assert_int_eq(RUN(0x48, 0x8d, 0x44, 0x4b, 0x01), TRAP_BREAKPOINT); /* lea rax, [rbx+rcx*2+1] */
	ck_assert_uint_eq(R(R_AX), 0x11);
	fx->cpu.r[R_AX] = 0xaaaaaaaaaaaaaaaaull;
	ck_assert_int_eq(RUN(0x66, 0x8d, 0x43, 0x0f), TRAP_BREAKPOINT); /* lea ax, [rbx+15] */
	ck_assert_uint_eq(R(R_AX), 0xaaaaaaaaaaaaffffull);
	/* Segment bases do not apply. */
	fx->cpu.seg_base[SEG_GS] = 0x5000;
	ck_assert_int_eq(RUN(0x65, 0x48, 0x8d, 0x43, 0x10), TRAP_BREAKPOINT); /* lea rax, gs:[rbx+16] */
	ck_assert_uint_eq(R(R_AX), 0);
	ck_assert_int_eq(RUN(0x8d, 0xc0), TRAP_UD); /* lea eax, eax */
}
END_TEST

START_TEST(exchanges)
{
	fx->cpu.r[R_AX] = 0xffffffff00000001ull;
	fx->cpu.r[R_8] = 0x2222222222222222ull;
	ck_assert_int_eq(RUN(0x90), TRAP_BREAKPOINT); /* nop: no zero-extension */
	ck_assert_uint_eq(R(R_AX), 0xffffffff00000001ull);
	ck_assert_int_eq(RUN(0x41, 0x90), TRAP_BREAKPOINT); /* xchg r8d, eax */
	ck_assert_uint_eq(R(R_AX), 0x22222222);
	ck_assert_uint_eq(R(R_8), 1);
	fx->cpu.r[R_AX] = 0xffffffff00000001ull;
	ck_assert_int_eq(RUN(0x87, 0xc0), TRAP_BREAKPOINT); /* xchg eax, eax (87 form) zero-extends */
	ck_assert_uint_eq(R(R_AX), 1);

	memset(fx->data, 0, 16);
	fx->data[0] = 5;
	fx->cpu.r[R_SI] = FX_DATA;
	fx->cpu.r[R_AX] = 3;
	ck_assert_int_eq(RUN(0xf0, 0x0f, 0xc1, 0x06), TRAP_BREAKPOINT); /* lock xadd [rsi], eax */
	ck_assert_uint_eq(fx->data[0], 8);
	ck_assert_uint_eq(R(R_AX), 5);

	/* cmpxchg [rsi], ecx: equal -> store, not equal -> load (and the memory is rewritten) */
	fx->cpu.r[R_AX] = 8;
	fx->cpu.r[R_CX] = 0x77;
	ck_assert_int_eq(RUN(0x0f, 0xb1, 0x0e), TRAP_BREAKPOINT);
	ck_assert_uint_eq(fx->data[0], 0x77);
	ck_assert_uint_eq(FL() & FL_ZF, FL_ZF);
	fx->cpu.r[R_AX] = 0xffffffff00000008ull;
	ck_assert_int_eq(RUN(0x0f, 0xb1, 0x0e), TRAP_BREAKPOINT);
	ck_assert_uint_eq(R(R_AX), 0x77);
	ck_assert_uint_eq(FL() & FL_ZF, 0);
	/* Register destination, comparison fails: rAX is loaded, the destination is untouched. */
	fx->cpu.r[R_AX] = 1;
	fx->cpu.r[R_BX] = 0xffffffff00000002ull;
	ck_assert_int_eq(RUN(0x0f, 0xb1, 0xcb), TRAP_BREAKPOINT); /* cmpxchg ebx, ecx */
	ck_assert_uint_eq(R(R_AX), 2);
	ck_assert_uint_eq(R(R_BX), 0xffffffff00000002ull);
	/* A read-only page faults even when the comparison fails (the write always happens). */
	gmem_protect(fx->mem, FX_DATA, 0x1000, GMEM_READ);
	fx->cpu.r[R_AX] = 0;
	ck_assert_int_eq(RUN(0x0f, 0xb1, 0x0e), TRAP_PAGE_FAULT);
	ck_assert_int_eq(fx->cpu.trap.access, ACCESS_WRITE);
	ck_assert_uint_eq(R(R_AX), 0);
}
END_TEST

START_TEST(cmpxchg8b_16b)
{
	uint64_t mem[2] = {0x1111111122222222ull, 0x3333333344444444ull};
	memcpy(fx->data, mem, 16);
	fx->cpu.r[R_SI] = FX_DATA;
	fx->cpu.r[R_AX] = 0x22222222;
	fx->cpu.r[R_DX] = 0x11111111;
	fx->cpu.r[R_BX] = 0xaaaaaaaa;
	fx->cpu.r[R_CX] = 0xbbbbbbbb;
	set_flags(FL_CF);
	ck_assert_int_eq(RUN(0xf0, 0x0f, 0xc7, 0x0e), TRAP_BREAKPOINT); /* lock cmpxchg8b [rsi] */
	memcpy(mem, fx->data, 16);
	ck_assert_uint_eq(mem[0], 0xbbbbbbbbaaaaaaaaull);
	ck_assert_uint_eq(FL(), FL_CF | FL_ZF);
	ck_assert_int_eq(RUN(0x0f, 0xc7, 0x0e), TRAP_BREAKPOINT); /* fails: loads edx:eax */
	ck_assert_uint_eq(R(R_AX), 0xaaaaaaaa);
	ck_assert_uint_eq(R(R_DX), 0xbbbbbbbb);
	ck_assert_uint_eq(FL(), FL_CF);

	fx->cpu.r[R_AX] = mem[0];
	fx->cpu.r[R_DX] = mem[1];
	fx->cpu.r[R_BX] = 1;
	fx->cpu.r[R_CX] = 2;
	ck_assert_int_eq(RUN(0x48, 0x0f, 0xc7, 0x0e), TRAP_BREAKPOINT); /* cmpxchg16b [rsi] */
	memcpy(mem, fx->data, 16);
	ck_assert_uint_eq(mem[0], 1);
	ck_assert_uint_eq(mem[1], 2);
	ck_assert_uint_eq(FL() & FL_ZF, FL_ZF);
	fx->cpu.r[R_SI] = FX_DATA + 8;
	ck_assert_int_eq(RUN(0x48, 0x0f, 0xc7, 0x0e), TRAP_GP); /* misaligned */
	ck_assert_uint_eq(fx->cpu.rip, FX_CODE);
	ck_assert_int_eq(RUN(0x48, 0x0f, 0xc7, 0xce), TRAP_UD); /* register operand */
}
END_TEST

START_TEST(misc_moves)
{
	fx->cpu.r[R_AX] = 0xd700;
	ck_assert_int_eq(RUN(0x9e), TRAP_BREAKPOINT); /* sahf: SF ZF AF PF CF from AH */
	ck_assert_uint_eq(FL(), FL_SF | FL_ZF | FL_AF | FL_PF | FL_CF);
	fx->cpu.r[R_AX] = 0;
	ck_assert_int_eq(RUN(0x9f), TRAP_BREAKPOINT); /* lahf */
	ck_assert_uint_eq(R(R_AX), 0xd700);
	for (unsigned k = 0; k < 256; k++)
		fx->data[k] = (uint8_t)~k;
	fx->cpu.r[R_BX] = FX_DATA;
	fx->cpu.r[R_AX] = 0x1234;
	ck_assert_int_eq(RUN(0xd7), TRAP_BREAKPOINT); /* xlat */
	ck_assert_uint_eq(R(R_AX), 0x12cb);
	fx->cpu.r[R_SI] = FX_DATA;
	ck_assert_int_eq(RUN(0x0f, 0x38, 0xf0, 0x06), TRAP_BREAKPOINT); /* movbe eax, [rsi] */
	ck_assert_uint_eq(R(R_AX), 0xfffefdfc);
	ck_assert_int_eq(RUN(0x66, 0x0f, 0x38, 0xf0, 0x06), TRAP_BREAKPOINT); /* movbe ax, [rsi] */
	ck_assert_uint_eq(R(R_AX), 0xfffefffe);
	ck_assert_int_eq(RUN(0xf3, 0x0f, 0x38, 0xf0, 0x06), TRAP_UD);
	fx->cpu.r[R_AX] = 0x0102030405060708ull;
	ck_assert_int_eq(RUN(0x48, 0x0f, 0x38, 0xf1, 0x06), TRAP_BREAKPOINT); /* movbe [rsi], rax */
	ck_assert_uint_eq(fx->data[0], 1);
	ck_assert_uint_eq(fx->data[7], 8);
	ck_assert_int_eq(RUN(0x0f, 0x1f, 0x44, 0x00, 0x00, 0x0f, 0x1e, 0xfa, 0xf3, 0x0f, 0x1e, 0xfa),
			 TRAP_BREAKPOINT); /* nop dword [rax+rax]; hint nop; endbr64 */
}
END_TEST

/* LOCK: fine on a read-modify-write memory form, #UD on a register form or on mov. */
START_TEST(lock_prefix)
{
	fx->cpu.r[R_SI] = FX_DATA;
	fx->data[0] = 1;
	fx->cpu.r[R_BX] = 2;
	ck_assert_int_eq(RUN(0xf0, 0x01, 0x1e), TRAP_BREAKPOINT); /* lock add [rsi], ebx */
	ck_assert_uint_eq(fx->data[0], 3);
	ck_assert_int_eq(RUN(0xf0, 0x01, 0xd8), TRAP_UD);       /* lock add eax, ebx */
	ck_assert_int_eq(RUN(0xf0, 0x39, 0x1e), TRAP_UD);       /* lock cmp [rsi], ebx */
	ck_assert_int_eq(RUN(0xf0, 0x89, 0x1e), TRAP_UD);       /* lock mov [rsi], ebx */
	ck_assert_int_eq(RUN(0xf0, 0x0f, 0xa3, 0x1e), TRAP_UD); /* lock bt [rsi], ebx */
	ck_assert_int_eq(RUN(0xf0, 0x0f, 0xab, 0x1e), TRAP_BREAKPOINT); /* lock bts [rsi], ebx */
}
END_TEST

/* A read-modify-write whose store faults leaves registers and flags as they were. */
START_TEST(rmw_faults_are_precise)
{
	gmem_protect(fx->mem, FX_DATA, 0x1000, GMEM_READ);
	fx->cpu.r[R_SI] = FX_DATA;
	fx->cpu.r[R_CX] = 3;
	fx->cpu.r[R_AX] = 9;
	set_flags(FL_CF | FL_OF);
	static const uint8_t forms[][4] = {
		{0x01, 0x06},       /* add [rsi], eax */
		{0xd3, 0x26},       /* shl dword [rsi], cl */
		{0xff, 0x06},       /* inc dword [rsi] */
		{0xf7, 0x1e},       /* neg dword [rsi] */
		{0x0f, 0xc1, 0x06}, /* xadd [rsi], eax */
		{0x87, 0x06},       /* xchg [rsi], eax */
		{0x0f, 0xab, 0x0e}, /* bts [rsi], ecx */
		{0x0f, 0xa5, 0x06}, /* shld [rsi], eax, cl */
		{0xc1, 0x26, 0x00}, /* shl dword [rsi], 0: still a write, as on the host */
		{0x0f, 0x94, 0x06}, /* setz byte [rsi] */
	};
	static const size_t lens[] = {2, 2, 2, 2, 3, 2, 3, 3, 3, 3};
	for (unsigned k = 0; k < sizeof lens / sizeof lens[0]; k++) {
		ck_assert_int_eq(fx_run(fx, forms[k], lens[k]), TRAP_PAGE_FAULT);
		ck_assert_int_eq(fx->cpu.trap.access, ACCESS_WRITE);
		ck_assert_uint_eq(R(R_AX), 9);
		ck_assert_uint_eq(FL(), FL_CF | FL_OF);
		ck_assert_uint_eq(fx->cpu.rip, FX_CODE);
	}
}
END_TEST

/* Operands that straddle a page boundary take the accessors' slow paths. */
START_TEST(page_crossing_operands)
{
	uint64_t v = 0x1122334455667788ull;
	memcpy(fx->data + 0xffc, &v, 8);
	fx->cpu.r[R_SI] = FX_DATA + 0xffc;
	fx->cpu.r[R_AX] = 0x0101010101010101ull;
	ck_assert_int_eq(RUN(0x48, 0x01, 0x06), TRAP_BREAKPOINT); /* add [rsi], rax */
	memcpy(&v, fx->data + 0xffc, 8);
	ck_assert_uint_eq(v, 0x1223344556677889ull);
	fx->cpu.r[R_CX] = 35;
	ck_assert_int_eq(RUN(0x48, 0x0f, 0xbb, 0x0e), TRAP_BREAKPOINT); /* btc [rsi], rcx */
	ck_assert_uint_eq(fx->data[0xffc + 4], 0x45 ^ 0x08);
	fx->cpu.r[R_AX] = 0;
	ck_assert_int_eq(RUN(0x48, 0x0f, 0x38, 0xf0, 0x06), TRAP_BREAKPOINT); /* movbe rax, [rsi] */
	ck_assert_uint_eq(R(R_AX), 0x897867564d342312ull);
}
END_TEST

/* ---- 32-bit (compatibility) mode forms ---- */

START_TEST(compat_inc_dec)
{
	fx->cpu.r[R_AX] = 0x7fffffff;
	fx->cpu.r[R_DI] = 0;
	set_flags(FL_CF);
	ck_assert_int_eq(RUN(0x40, 0x4f), TRAP_BREAKPOINT); /* inc eax; dec edi */
	ck_assert_uint_eq(R(R_AX), 0x80000000);
	ck_assert_uint_eq(R(R_DI), 0xffffffff);
	ck_assert_uint_eq(FL(), FL_CF | FL_SF | FL_AF | FL_PF); /* dec 0: AF, CF kept */
	ck_assert_int_eq(RUN(0x40), TRAP_BREAKPOINT);
	ck_assert_uint_eq(FL(), FL_CF | FL_SF); /* from inc eax: 0x80000001 */
	fx->cpu.r[R_AX] = 0x7f;
	ck_assert_int_eq(RUN(0x82, 0xc0, 0x01), TRAP_BREAKPOINT); /* add al, 1 (82 alias) */
	ck_assert_uint_eq(FL(), FL_OF | FL_SF | FL_AF);
}
END_TEST

START_TEST(compat_bcd)
{
	/* SDM example: 0x79 + 0x35 = 0xae, daa -> 0x14 with CF. */
	fx->cpu.r[R_AX] = 0x79;
	ck_assert_int_eq(RUN(0x04, 0x35, 0x27), TRAP_BREAKPOINT); /* add al, 0x35; daa */
	ck_assert_uint_eq(R(R_AX), 0x14);
	ck_assert_uint_eq(FL() & (FL_CF | FL_AF), FL_CF | FL_AF);
	/* 0x35 - 0x47 = 0xee, das -> 0x88 with CF */
	fx->cpu.r[R_AX] = 0x35;
	ck_assert_int_eq(RUN(0x2c, 0x47, 0x2f), TRAP_BREAKPOINT); /* sub al, 0x47; das */
	ck_assert_uint_eq(R(R_AX), 0x88);
	ck_assert_uint_eq(FL() & (FL_CF | FL_AF | FL_SF), FL_CF | FL_AF | FL_SF);
	/* ASCII: '9' + '5' = 0x6e, aaa -> AX 0x0104 */
	fx->cpu.r[R_AX] = 0x39;
	ck_assert_int_eq(RUN(0x04, 0x35, 0x37), TRAP_BREAKPOINT); /* add al, '5'; aaa */
	ck_assert_uint_eq(R(R_AX), 0x0104);
	ck_assert_uint_eq(FL() & (FL_CF | FL_AF), FL_CF | FL_AF);
	fx->cpu.r[R_AX] = 0x0102;
	ck_assert_int_eq(RUN(0x2c, 0x05, 0x3f), TRAP_BREAKPOINT); /* sub al, 5; aas */
	ck_assert_uint_eq(R(R_AX), 0x0007);
	fx->cpu.r[R_AX] = 63;
	ck_assert_int_eq(RUN(0xd4, 0x0a), TRAP_BREAKPOINT); /* aam */
	ck_assert_uint_eq(R(R_AX), 0x0603);
	ck_assert_int_eq(RUN(0xd5, 0x0a), TRAP_BREAKPOINT); /* aad */
	ck_assert_uint_eq(R(R_AX), 63);
	ck_assert_int_eq(RUN(0xd4, 0x00), TRAP_DE); /* aam 0 */
	ck_assert_uint_eq(R(R_AX), 63);
}
END_TEST

START_TEST(compat_arpl)
{
	fx->cpu.r[R_AX] = 0x12340010;
	fx->cpu.r[R_BX] = 0x0003;
	ck_assert_int_eq(RUN(0x63, 0xd8), TRAP_BREAKPOINT); /* arpl ax, bx */
	ck_assert_uint_eq(R(R_AX), 0x12340013);
	ck_assert_uint_eq(FL() & FL_ZF, FL_ZF);
	ck_assert_int_eq(RUN(0x63, 0xd8), TRAP_BREAKPOINT);
	ck_assert_uint_eq(FL() & FL_ZF, 0);
}
END_TEST

START_TEST(compat_salc)
{
	fx->cpu.r[R_AX] = 0x12345678;
	set_flags(FL_CF | FL_ZF);
	ck_assert_int_eq(RUN(0xd6), TRAP_BREAKPOINT); /* salc */
	ck_assert_uint_eq(R(R_AX), 0x123456ff);
	ck_assert_uint_eq(FL(), FL_CF | FL_ZF);
	ck_assert_int_eq(RUN(0xf8, 0xd6), TRAP_BREAKPOINT); /* clc; salc */
	ck_assert_uint_eq(R(R_AX), 0x12345600);
}
END_TEST

/* 16-bit addressing wraps at 64 KiB before the operand-size truncation; a 32-bit address wraps
 * at 4 GiB for the bit-string offsets too. */
START_TEST(compat_addressing)
{
	fx->cpu.r[R_BX] = 0xfff0;
	fx->cpu.r[R_SI] = 0x20;
	fx->cpu.r[R_AX] = 0xaaaaaaaa;
	ck_assert_int_eq(RUN(0x67, 0x66, 0x8d, 0x40, 0x05), TRAP_BREAKPOINT); /* lea ax, [bx+si+5] */
	ck_assert_uint_eq(R(R_AX), 0xaaaa0015);
	ck_assert_int_eq(RUN(0x67, 0x8d, 0x40, 0x05), TRAP_BREAKPOINT); /* lea eax, [bx+si+5] */
	ck_assert_uint_eq(R(R_AX), 0x15);
	memset(fx->data, 0, 16);
	fx->cpu.r[R_SI] = FX_DATA + 8;
	fx->cpu.r[R_CX] = 0xffffffc0; /* -64 bits: 8 bytes back */
	ck_assert_int_eq(RUN(0x0f, 0xab, 0x0e), TRAP_BREAKPOINT); /* bts [esi], ecx */
	ck_assert_uint_eq(fx->data[0], 1);
	fx->cpu.r[R_BX] = FX_DATA;
	fx->cpu.r[R_AX] = 0xffffff00;
	fx->data[0] = 0x42;
	ck_assert_int_eq(RUN(0xd7), TRAP_BREAKPOINT); /* xlat */
	ck_assert_uint_eq(R(R_AX), 0xffffff42);
}
END_TEST

/* 64-bit mode: the BCD opcodes, arpl and the 82 alias do not exist. */
START_TEST(long_mode_invalid)
{
	static const uint8_t ops[] = {0x27, 0x2f, 0x37, 0x3f, 0xd4, 0xd5};
	for (unsigned k = 0; k < sizeof ops; k++) {
		uint8_t code[2] = {ops[k], 0x0a};
		ck_assert_int_eq(fx_run(fx, code, 2), TRAP_UD);
	}
	ck_assert_int_eq(RUN(0x82, 0xc0, 0x01), TRAP_UD);
	ck_assert_int_eq(RUN(0xd6), TRAP_UD); /* salc */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("integer");
	TCase *tc = ADD_TCASE(s, "64-bit", fx_setup64, fx_teardown,
			      unary_8bit_exhaustive, shift_count_zero, shld_shrd, mul_imul, div_idiv, divide_errors,
			      bt_memory_offsets, bit_scans, bmi, crc32c, cmov_setcc, moves, lea_sizes, exchanges,
			      cmpxchg8b_16b, misc_moves, lock_prefix, rmw_faults_are_precise, page_crossing_operands,
			      long_mode_invalid);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, binop_8bit_exhaustive, 0, (int)(sizeof binops / sizeof binops[0]));
	tcase_add_loop_test(tc, binop_wide_sampled, 0, (int)(sizeof binops / sizeof binops[0]));
	ADD_TCASE(s, "32-bit", fx_setup32, fx_teardown,
		  compat_inc_dec, compat_bcd, compat_arpl, compat_addressing, compat_salc);
	return run_suite(s);
}
