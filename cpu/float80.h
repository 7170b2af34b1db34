/* Soft-float for the x87 80-bit extended format (struct float80, cpu/cpu.h).
 *
 * How x87 precision is achieved portably: every operation is pure integer arithmetic on the
 * 64-bit significand; nothing here uses the host's long double, float or FPU, so results are the
 * same on any host. Basic operations (add, sub, mul, div, sqrt, conversions, round to integer,
 * scale, remainder) are computed exactly — the sum, product and quotient carry at least 64 extra
 * bits plus a sticky bit in a 128-bit intermediate — and rounded once, per CW.RC, to the
 * significand width CW.PC selects (24/53/64 bits) while keeping the 15-bit exponent range
 * (SDM Vol. 1, 8.1.5.2). Tininess is detected after rounding (to the selected precision with
 * an unbounded exponent); masked underflow/overflow responses, the unmasked ±24576 exponent
 * bias adjust for register destinations (SDM Vol. 1, 8.5.4 / 8.5.5), the C1 "rounded up" bit
 * and the order in which exceptions preempt each other follow the real FPU (checked against
 * the host x87 in tests/unit/test_float80.c and tests/unit/test_x87.c).
 *
 * Transcendentals (FSIN FCOS FSINCOS FPTAN FPATAN F2XM1 FYL2X FYL2XP1) are evaluated in an
 * internal binary format with a 128-bit significand (~126 good bits): argument reduction for the
 * trigonometric functions multiplies by a 384-bit 2/pi (Payne-Hanek), so it is exact over the
 * whole |x| < 2^63 domain (real x87 reduces with a 66-bit pi and differs from the true value for
 * huge arguments; ntemu gives the true value); series (Taylor for sin/cos/expm1/atan, atanh for
 * logarithms) run to below 2^-126 and the result is rounded once per CW.RC to 64 bits. The
 * error is well under 1 ulp of the 64-bit result (random samples checked against a 700-bit
 * reference came out correctly rounded), and deterministic on every host.
 *
 * Operand classes follow modern processors: unnormals, pseudo-NaNs and pseudo-infinities are
 * invalid operands (IE, QNaN indefinite); pseudo-denormals are accepted as denormals (DE) with
 * exponent 1, as the Pentium 4 and later — and the AMD host these tests ran on — do. */
#ifndef NTEMU_CPU_FLOAT80_H
#define NTEMU_CPU_FLOAT80_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"

/* Status word / control word exception bits (SDM Vol. 1, 8.1.3, 8.1.5). */
enum {
	FPX_IE = 1 << 0, FPX_DE = 1 << 1, FPX_ZE = 1 << 2,
	FPX_OE = 1 << 3, FPX_UE = 1 << 4, FPX_PE = 1 << 5,
	FPX_ALL = 0x3f,
};

/* Control word fields. */
#define FPCW_PC(cw) (((cw) >> 8) & 3) /* 0: 24 bits, 2: 53 bits, 3 (and reserved 1): 64 bits */
#define FPCW_RC(cw) (((cw) >> 10) & 3)
enum { RC_NEAREST, RC_DOWN, RC_UP, RC_ZERO };

/* Per-operation context: the control word in, exception flags and C1 ("rounded up") out. */
struct fpctx {
	uint16_t cw;
	uint16_t flags; /* FPX_* raised by the operation (or operations) */
	bool c1;        /* the inexact result was rounded away from zero */
	bool stack_fault; /* x87.c: the instruction hit a stack fault, C1 tells which */
};

static inline struct fpctx fpctx_make(uint16_t cw)
{
	return (struct fpctx){ .cw = cw, .flags = 0, .c1 = false, .stack_fault = false };
}

/* Operand classes (FXAM and operand checks). */
enum f80_class {
	F80_UNSUPPORTED, /* unnormal, pseudo-NaN, pseudo-infinity */
	F80_QNAN, F80_SNAN, F80_INF, F80_ZERO,
	F80_DENORMAL,    /* includes pseudo-denormals */
	F80_NORMAL,
};

enum f80_cmp { F80_LT, F80_EQ, F80_GT, F80_UNORDERED };

static const struct float80 F80_INDEFINITE = { 0xc000000000000000ull, 0xffff };

static inline bool f80_sign(struct float80 a) { return a.sign_exp >> 15; }
static inline unsigned f80_exp(struct float80 a) { return a.sign_exp & 0x7fff; }
static inline struct float80 f80_make(bool sign, unsigned exp, uint64_t mant)
{
	return (struct float80){ mant, (uint16_t)((sign ? 0x8000 : 0) | exp) };
}
static inline bool f80_is_zero(struct float80 a) { return f80_exp(a) == 0 && a.mant == 0; }

enum f80_class f80_classify(struct float80 a);

/* Arithmetic, rounded per ctx->cw (RC and PC). */
struct float80 f80_add(struct fpctx *x, struct float80 a, struct float80 b);
struct float80 f80_sub(struct fpctx *x, struct float80 a, struct float80 b);
struct float80 f80_mul(struct fpctx *x, struct float80 a, struct float80 b);
struct float80 f80_div(struct fpctx *x, struct float80 a, struct float80 b);
struct float80 f80_sqrt(struct fpctx *x, struct float80 a);

/* FPREM (ieee=false, truncating quotient) / FPREM1 (ieee=true, nearest). *cc receives the
 * status word bits C0 (0x100), C1 (0x200), C2 (0x400, reduction incomplete), C3 (0x4000), or
 * F80_REM_NO_QUOTIENT for NaN and invalid operands, where the hardware clears C1 and C2 and
 * leaves C0 and C3 alone. */
#define F80_REM_NO_QUOTIENT 1
struct float80 f80_rem(struct fpctx *x, struct float80 a, struct float80 b, bool ieee, uint16_t *cc);
struct float80 f80_round_int(struct fpctx *x, struct float80 a);              /* FRNDINT */
struct float80 f80_scale(struct fpctx *x, struct float80 a, struct float80 b); /* FSCALE */
/* FXTRACT: *exp = unbiased exponent, return value = significand. */
struct float80 f80_extract(struct fpctx *x, struct float80 a, struct float80 *exp);

/* Compare; quiet=true raises IE only for signalling NaNs (FUCOM), false for any NaN (FCOM). */
enum f80_cmp f80_compare(struct fpctx *x, struct float80 a, struct float80 b, bool quiet);

/* Integers. f80_to_int: bits 16/32/64, rounding per RC or truncating (FISTTP); out of range or
 * NaN gives IE and the integer indefinite (the most negative value). */
struct float80 f80_from_int(int64_t v);
int64_t f80_to_int(struct fpctx *x, struct float80 a, unsigned bits, bool truncate);

/* Memory formats. Loads are exact (SNaN: IE and quieted; denormal: DE); stores round per RC
 * (precision control does not apply) and flag overflow/underflow/inexact. */
struct float80 f80_from_f32(struct fpctx *x, uint32_t v);
struct float80 f80_from_f64(struct fpctx *x, uint64_t v);
uint32_t f80_to_f32(struct fpctx *x, struct float80 a);
uint64_t f80_to_f64(struct fpctx *x, struct float80 a);

/* Packed BCD (FBLD / FBSTP): 10 bytes, 18 digits little-endian, sign in bit 7 of byte 9. */
struct float80 f80_from_bcd(const uint8_t bcd[10]);
void f80_to_bcd(struct fpctx *x, struct float80 a, uint8_t bcd[10]);

/* Constants of FLD1 FLDL2T FLDL2E FLDPI FLDLG2 FLDLN2 FLDZ, rounded per RC. */
enum f80_const { F80C_ONE, F80C_L2T, F80C_L2E, F80C_PI, F80C_LG2, F80C_LN2, F80C_ZERO };
struct float80 f80_const(struct fpctx *x, enum f80_const which);

/* Transcendentals. The trigonometric ones return false (C2 = 1, operand untouched) when
 * |a| >= 2^63. */
bool f80_sincos(struct fpctx *x, struct float80 a, struct float80 *sin, struct float80 *cos);
bool f80_tan(struct fpctx *x, struct float80 a, struct float80 *tan);
struct float80 f80_atan2(struct fpctx *x, struct float80 y, struct float80 xv); /* FPATAN */
struct float80 f80_2xm1(struct fpctx *x, struct float80 a);
struct float80 f80_yl2x(struct fpctx *x, struct float80 y, struct float80 xv);
struct float80 f80_yl2xp1(struct fpctx *x, struct float80 y, struct float80 xv);

#endif
