/* Soft-float for the x87 extended format. See float80.h for the design. */
#include "cpu/float80.h"

#include <string.h>

__extension__ typedef unsigned __int128 u128;

#define BIAS80 16383
#define EMAX80 0x7ffe
#define TOP64 0x8000000000000000ull
#define QUIET 0x4000000000000000ull
#define U128_TOP ((u128)1 << 127)

/* ---------------------------------------------------------------- classes and NaNs */

enum f80_class f80_classify(struct float80 a)
{
	unsigned e = f80_exp(a);
	bool j = a.mant >> 63;
	if (e == 0)
		return a.mant == 0 ? F80_ZERO : F80_DENORMAL;
	if (!j)
		return F80_UNSUPPORTED; /* unnormal, pseudo-infinity, pseudo-NaN (SDM Vol. 1, 8.2.2) */
	if (e == 0x7fff) {
		if (a.mant == TOP64)
			return F80_INF;
		return a.mant & QUIET ? F80_QNAN : F80_SNAN;
	}
	return F80_NORMAL;
}

static bool is_nan_class(enum f80_class k) { return k == F80_QNAN || k == F80_SNAN; }

static struct float80 invalid(struct fpctx *x)
{
	x->flags |= FPX_IE;
	return F80_INDEFINITE;
}

static struct float80 quieten(struct float80 a)
{
	a.mant |= QUIET;
	return a;
}

/* Result for operations with a NaN or unsupported operand (SDM Vol. 1, table 4-7): an SNaN is
 * invalid; of two NaNs a QNaN beats an SNaN, then the larger significand wins (ties: the
 * positive one, as the host FPU does). Returns false when no operand is a NaN. */
static bool nan_result(struct fpctx *x, struct float80 a, enum f80_class ka, struct float80 b,
		       enum f80_class kb, bool two, struct float80 *out)
{
	if (ka == F80_UNSUPPORTED || (two && kb == F80_UNSUPPORTED)) {
		*out = invalid(x);
		return true;
	}
	bool na = is_nan_class(ka), nb = two && is_nan_class(kb);
	if (!na && !nb)
		return false;
	if (ka == F80_SNAN || (two && kb == F80_SNAN))
		x->flags |= FPX_IE;
	if (na && nb) {
		if (ka != kb)
			*out = quieten(ka == F80_QNAN ? a : b);
		else if ((a.mant | QUIET) != (b.mant | QUIET))
			*out = quieten((a.mant | QUIET) > (b.mant | QUIET) ? a : b);
		else
			*out = quieten(f80_sign(a) ? b : a);
	} else {
		*out = quieten(na ? a : b);
	}
	return true;
}

/* ---------------------------------------------------------------- unpacked finite numbers */

/* value = m * 2^(e - 63), m normalised (bit 63 set) unless zero; e unbiased. */
struct unp {
	bool sign;
	int32_t e;
	uint64_t m;
};

static int clz64(uint64_t v) { return v ? __builtin_clzll(v) : 64; }

static int clz128(u128 v)
{
	uint64_t hi = (uint64_t)(v >> 64);
	return hi ? clz64(hi) : 64 + clz64((uint64_t)v);
}

/* Finite operand (zero, denormal, normal); a denormal raises DE. */
static struct unp unpack(struct fpctx *x, struct float80 a)
{
	struct unp u = { f80_sign(a), (int32_t)f80_exp(a) - BIAS80, a.mant };
	if (f80_exp(a) == 0 && a.mant) {
		x->flags |= FPX_DE;
		u.e = 1 - BIAS80; /* pseudo-denormals too: exponent 1 */
		int s = clz64(u.m);
		u.m <<= s;
		u.e -= s;
	}
	return u;
}

/* ---------------------------------------------------------------- rounding */

struct fmt {
	int p;           /* significand bits */
	int32_t bias;
	int32_t emax;    /* largest biased exponent of a finite number */
	int32_t wrap;    /* unmasked over/underflow exponent adjust, 0: never (memory destination) */
};

static const struct fmt FMT32 = { 24, 127, 254, 0 };
static const struct fmt FMT64 = { 53, 1023, 2046, 0 };

static struct fmt fmt80(uint16_t cw, bool use_pc)
{
	static const int pc_bits[4] = { 24, 64, 53, 64 };
	return (struct fmt){ use_pc ? pc_bits[FPCW_PC(cw)] : 64, BIAS80, EMAX80, 0x6000 };
}

/* A rounded result: biased exponent and the significand with the integer bit at bit 63. */
struct rounded {
	bool sign;
	int32_t be;
	uint64_t sig;
};

static u128 shift_right_sticky(u128 m, int n)
{
	if (n <= 0)
		return m;
	if (n >= 128)
		return m != 0;
	return (m >> n) | ((m & (((u128)1 << n) - 1)) != 0);
}

/* Round to the format `f` per RC: returns true if the value was rounded up in magnitude. */
static bool round_sig(struct fpctx *x, const struct fmt *f, bool sign, u128 *m)
{
	u128 unit = (u128)1 << (128 - f->p), half = unit >> 1, rest = *m & (unit - 1);
	if (!rest)
		return false;
	x->flags |= FPX_PE;
	bool up;
	switch (FPCW_RC(x->cw)) {
	case RC_NEAREST: up = rest > half || (rest == half && (*m & unit)); break;
	case RC_DOWN: up = sign; break;
	case RC_UP: up = !sign; break;
	default: up = false; break;
	}
	*m -= rest;
	if (up)
		*m += unit; /* may wrap to 0: the caller sees the carry */
	return up;
}

/* value = m * 2^xexp, m != 0, rounded to `f`. */
static struct rounded round_pack(struct fpctx *x, const struct fmt *f, bool sign, int32_t xexp, u128 m)
{
	int s = clz128(m);
	m <<= s;
	int32_t be = xexp - s + 127 + f->bias; /* biased exponent of bit 127 */
	struct rounded r = { sign, 0, 0 };
	uint16_t masks = x->cw;

	if (be <= 0) {
		/* x87 detects tininess after rounding (to the precision, exponent unbounded): a value
		 * just below the smallest normal that rounds up to it does not underflow. */
		struct fpctx scratch = *x;
		u128 probe = m;
		bool tiny = be < 0 || !round_sig(&scratch, f, sign, &probe) || (probe & U128_TOP);
		if (!tiny) {
			masks |= FPX_UE;
		} else if (!(masks & FPX_UE) && f->wrap) {
			x->flags |= FPX_UE;
			be += f->wrap;
			if (be <= 0) {
				/* Still tiny after the bias adjust (only FSCALE gets this far): the
				 * hardware delivers a signed zero, inexact, whatever the rounding. */
				x->flags |= FPX_PE;
				x->c1 = false;
				return r;
			}
		}
		if (be <= 0) {
			if (!(masks & FPX_UE))
				x->flags |= FPX_UE;
			m = shift_right_sticky(m, 1 - be);
			uint16_t before = x->flags;
			x->flags &= (uint16_t)~FPX_PE;
			bool up = round_sig(x, f, sign, &m);
			bool inexact = x->flags & FPX_PE;
			x->flags |= before;
			if (inexact && tiny)
				x->flags |= FPX_UE;
			x->c1 = up;
			r.be = (m & U128_TOP) ? 1 : 0;
			r.sig = (uint64_t)(m >> 64);
			return r;
		}
	}
	bool up = round_sig(x, f, sign, &m);
	x->c1 = up;
	if (up && !(m & U128_TOP)) { /* carry out: m wrapped to 0 */
		m = U128_TOP;
		be++;
	}
	if (be > f->emax) {
		/* Unmasked, a register result is bias-adjusted; if that still overflows (only FSCALE
		 * gets there) the hardware delivers an infinity whatever the rounding. */
		bool unmasked_reg = !(masks & FPX_OE) && f->wrap;
		if (unmasked_reg && be - f->wrap <= f->emax) {
			x->flags |= FPX_OE;
			be -= f->wrap;
		} else if (unmasked_reg) {
			x->flags |= FPX_OE | FPX_PE;
			x->c1 = true;
			r.be = f->emax + 1;
			r.sig = TOP64;
			return r;
		} else {
			x->flags |= FPX_OE | FPX_PE;
			int rc = FPCW_RC(x->cw);
			bool to_inf = rc == RC_NEAREST || (rc == RC_DOWN && sign) || (rc == RC_UP && !sign);
			x->c1 = to_inf;
			if (to_inf) {
				r.be = f->emax + 1;
				r.sig = TOP64;
			} else {
				r.be = f->emax;
				r.sig = ~0ull << (64 - f->p);
			}
			return r;
		}
	}
	r.be = be;
	r.sig = (uint64_t)(m >> 64);
	return r;
}

static struct float80 to80(struct rounded r)
{
	return f80_make(r.sign, (unsigned)r.be, r.sig);
}

static struct float80 round80(struct fpctx *x, bool use_pc, bool sign, int32_t xexp, u128 m)
{
	struct fmt f = fmt80(x->cw, use_pc);
	return to80(round_pack(x, &f, sign, xexp, m));
}

static struct float80 zero80(bool sign) { return f80_make(sign, 0, 0); }
static struct float80 inf80(bool sign) { return f80_make(sign, 0x7fff, TOP64); }

/* ---------------------------------------------------------------- add, sub, mul, div, sqrt */

static struct float80 add_core(struct fpctx *x, struct float80 a, struct float80 b, bool negb)
{
	enum f80_class ka = f80_classify(a), kb = f80_classify(b);
	struct float80 out;
	if (nan_result(x, a, ka, b, kb, true, &out))
		return out;
	bool sa = f80_sign(a), sb = f80_sign(b) ^ negb;
	if (ka == F80_INF || kb == F80_INF) {
		if (ka == F80_INF && kb == F80_INF && sa != sb)
			return invalid(x);
		if (ka == F80_DENORMAL || kb == F80_DENORMAL)
			x->flags |= FPX_DE;
		return inf80(ka == F80_INF ? sa : sb);
	}
	struct unp ua = unpack(x, a), ub = unpack(x, b);
	ua.sign = sa;
	ub.sign = sb;
	if (!ua.m && !ub.m)
		return zero80(sa == sb ? sa : FPCW_RC(x->cw) == RC_DOWN);
	if (!ua.m || (ub.m && ua.e < ub.e)) {
		struct unp t = ua;
		ua = ub;
		ub = t;
	}
	/* ua is the larger exponent and non-zero; 62 bits of headroom keep the sum exact. */
	u128 ma = (u128)ua.m << 62, mb = 0;
	if (ub.m)
		mb = shift_right_sticky((u128)ub.m << 62, ua.e - ub.e);
	int32_t xexp = ua.e - 63 - 62;
	bool sign = ua.sign;
	u128 m;
	if (ua.sign == ub.sign) {
		m = ma + mb;
	} else if (ma >= mb) {
		m = ma - mb;
	} else {
		m = mb - ma;
		sign = ub.sign;
	}
	if (!m)
		return zero80(FPCW_RC(x->cw) == RC_DOWN);
	return round80(x, true, sign, xexp, m);
}

struct float80 f80_add(struct fpctx *x, struct float80 a, struct float80 b)
{
	return add_core(x, a, b, false);
}

struct float80 f80_sub(struct fpctx *x, struct float80 a, struct float80 b)
{
	return add_core(x, a, b, true);
}

struct float80 f80_mul(struct fpctx *x, struct float80 a, struct float80 b)
{
	enum f80_class ka = f80_classify(a), kb = f80_classify(b);
	struct float80 out;
	if (nan_result(x, a, ka, b, kb, true, &out))
		return out;
	bool sign = f80_sign(a) ^ f80_sign(b);
	if (ka == F80_INF || kb == F80_INF) {
		if (ka == F80_ZERO || kb == F80_ZERO)
			return invalid(x);
		if (ka == F80_DENORMAL || kb == F80_DENORMAL)
			x->flags |= FPX_DE;
		return inf80(sign);
	}
	struct unp ua = unpack(x, a), ub = unpack(x, b);
	if (!ua.m || !ub.m)
		return zero80(sign);
	return round80(x, true, sign, ua.e + ub.e - 126, (u128)ua.m * ub.m);
}

struct float80 f80_div(struct fpctx *x, struct float80 a, struct float80 b)
{
	enum f80_class ka = f80_classify(a), kb = f80_classify(b);
	struct float80 out;
	if (nan_result(x, a, ka, b, kb, true, &out))
		return out;
	bool sign = f80_sign(a) ^ f80_sign(b);
	if (ka == F80_INF) {
		if (kb == F80_INF)
			return invalid(x);
		if (kb == F80_DENORMAL)
			x->flags |= FPX_DE;
		return inf80(sign);
	}
	if (kb == F80_INF) {
		if (ka == F80_DENORMAL)
			x->flags |= FPX_DE;
		return zero80(sign);
	}
	if (kb == F80_ZERO) { /* x / 0: ZE only, even for a denormal dividend */
		if (ka == F80_ZERO)
			return invalid(x);
		x->flags |= FPX_ZE;
		return inf80(sign);
	}
	struct unp ua = unpack(x, a), ub = unpack(x, b);
	if (!ua.m)
		return zero80(sign);
	/* Two 64-bit quotient digits: ua.m / ub.m < 2 so the first fits when scaled by 2^63. */
	u128 n1 = (u128)ua.m << 63;
	uint64_t q1 = (uint64_t)(n1 / ub.m), r1 = (uint64_t)(n1 % ub.m);
	u128 n2 = (u128)r1 << 64;
	uint64_t q2 = (uint64_t)(n2 / ub.m), r2 = (uint64_t)(n2 % ub.m);
	u128 q = ((u128)q1 << 64) | q2 | (r2 != 0);
	return round80(x, true, sign, ua.e - ub.e - 127, q);
}

/* floor(sqrt(v)) of a 64-bit value, bit by bit (32 steps). */
static uint64_t isqrt64(uint64_t v)
{
	uint64_t r = 0, bit = 1ull << 62;
	while (bit > v)
		bit >>= 2;
	while (bit) {
		if (v >= r + bit) {
			v -= r + bit;
			r = (r >> 1) + bit;
		} else {
			r >>= 1;
		}
		bit >>= 2;
	}
	return r;
}

/* floor(sqrt(rad)) for rad in [2^126, 2^128): a 32-bit root of the top half, one Newton step
 * to ~64 bits, then an exact correction. *rem = rad - root^2. */
static uint64_t isqrt128(u128 rad, u128 *rem)
{
	u128 x = (u128)isqrt64((uint64_t)(rad >> 64)) << 32;
	x = (x + rad / x) >> 1;
	if (x >> 64)
		x = ~0ull;
	uint64_t r = (uint64_t)x;
	while ((u128)r * r > rad)
		r--;
	while (r != ~0ull && (u128)r * r + 2 * (u128)r + 1 <= rad) /* (r+1)^2 <= rad, no 2^128 wrap */
		r++;
	*rem = rad - (u128)r * r;
	return r;
}

/* The radicand of a significand m (value m * 2^(e-63)): m * 2^63 for even e, m * 2^64 for odd
 * e, so sqrt = isqrt128(radicand) * 2^((e - (e & 1)) / 2 - 63). */
static u128 sqrt_radicand(uint64_t m, int32_t e)
{
	return (e & 1) ? (u128)m << 64 : (u128)m << 63;
}

struct float80 f80_sqrt(struct fpctx *x, struct float80 a)
{
	enum f80_class ka = f80_classify(a);
	struct float80 out;
	if (nan_result(x, a, ka, a, ka, false, &out))
		return out;
	if (ka == F80_ZERO)
		return a;
	if (f80_sign(a))
		return invalid(x); /* -inf, negative numbers (incl. denormals) */
	if (ka == F80_INF)
		return a;
	struct unp u = unpack(x, a);
	u128 rem;
	uint64_t root = isqrt128(sqrt_radicand(u.m, u.e), &rem);
	/* The bits after the 64-bit root: sqrt = root + f with f >= 1/2 exactly when
	 * rem > root, and f = 0 only when rem = 0 (f is never exactly 1/2). */
	u128 m = (u128)root << 64 | (rem > root ? 1ull << 63 : 0) | (rem != 0);
	int32_t half = (u.e - (u.e & 1)) / 2;
	return round80(x, true, false, half - 63 - 64, m);
}

/* ---------------------------------------------------------------- compare, classes of results */

/* Finite magnitude key: zero < denormals < normals; pseudo-denormals equal their normal twin. */
static int cmp_mag(struct fpctx *x, struct float80 a, enum f80_class ka, struct float80 b, enum f80_class kb)
{
	if (ka == F80_INF || kb == F80_INF) {
		if (ka == F80_DENORMAL || kb == F80_DENORMAL)
			x->flags |= FPX_DE;
		return (ka == F80_INF) - (kb == F80_INF);
	}
	struct unp ua = unpack(x, a), ub = unpack(x, b);
	if (!ua.m || !ub.m)
		return (ua.m != 0) - (ub.m != 0);
	if (ua.e != ub.e)
		return ua.e < ub.e ? -1 : 1;
	return (ua.m > ub.m) - (ua.m < ub.m);
}

enum f80_cmp f80_compare(struct fpctx *x, struct float80 a, struct float80 b, bool quiet)
{
	enum f80_class ka = f80_classify(a), kb = f80_classify(b);
	if (ka == F80_UNSUPPORTED || kb == F80_UNSUPPORTED) {
		x->flags |= FPX_IE;
		return F80_UNORDERED;
	}
	if (is_nan_class(ka) || is_nan_class(kb)) {
		if (!quiet || ka == F80_SNAN || kb == F80_SNAN)
			x->flags |= FPX_IE;
		return F80_UNORDERED;
	}
	int m = cmp_mag(x, a, ka, b, kb);
	bool sa = f80_sign(a) && ka != F80_ZERO, sb = f80_sign(b) && kb != F80_ZERO;
	int r;
	if (ka == F80_ZERO && kb == F80_ZERO)
		r = 0;
	else if (sa != sb)
		r = sa ? -1 : 1;
	else
		r = sa ? -m : m;
	return r < 0 ? F80_LT : r > 0 ? F80_GT : F80_EQ;
}

/* ---------------------------------------------------------------- remainder, integers, scale */

struct float80 f80_rem(struct fpctx *x, struct float80 a, struct float80 b, bool ieee, uint16_t *cc)
{
	enum f80_class ka = f80_classify(a), kb = f80_classify(b);
	struct float80 out;
	*cc = F80_REM_NO_QUOTIENT;
	if (nan_result(x, a, ka, b, kb, true, &out))
		return out;
	if (ka == F80_INF || kb == F80_ZERO)
		return invalid(x);
	*cc = 0;
	if (ka == F80_ZERO) {
		if (kb == F80_DENORMAL)
			x->flags |= FPX_DE;
		return a;
	}
	struct unp ua = unpack(x, a), ub = unpack(x, b);
	if (kb == F80_INF)
		return round80(x, false, ua.sign, ua.e - 63, ua.m);
	int32_t d = ua.e - ub.e;
	bool sign = ua.sign;
	u128 r;
	int32_t xexp;
	if (d >= 64) {
		/* Partial remainder: the exponent difference drops to a multiple of 32 (at least 32),
		 * as the hardware does (SDM Vol. 2, FPREM: "N ... between 32 and 63"). */
		int n = 32 + (d & 31);
		r = ((u128)ua.m << n) % ub.m;
		xexp = ua.e - n - 63;
		*cc = 0x400;
	} else if (d < -1 || (d == -1 && !ieee)) {
		/* The remainder is ST(0) itself, delivered like any result: a pseudo-denormal comes
		 * back normal, a denormal underflows (bias-adjusted when UE is unmasked). */
		return round80(x, false, ua.sign, ua.e - 63, ua.m);
	} else {
		int32_t s = d < 0 ? ua.e : ub.e;
		u128 an = (u128)ua.m << (ua.e - s), bn = (u128)ub.m << (ub.e - s);
		u128 q = an / bn;
		r = an % bn;
		if (ieee && (r > bn - r || (r == bn - r && (q & 1)))) {
			q++;
			r = bn - r;
			sign = !sign;
		}
		xexp = s - 63;
		*cc = (uint16_t)((q & 4 ? 0x100 : 0) | (q & 2 ? 0x4000 : 0) | (q & 1 ? 0x200 : 0));
	}
	if (!r)
		return zero80(ua.sign);
	return round80(x, false, sign, xexp, r);
}

/* Integer part of |value| = m * 2^(e-63) (e <= 62), rounded per RC or truncated. */
static uint64_t round_mag(struct fpctx *x, bool sign, int32_t e, uint64_t m, bool truncate)
{
	uint64_t ip, frac;
	int half; /* fraction compared with one half */
	if (e < 0) {
		ip = 0;
		frac = m;
		half = e < -1 ? -1 : (m > TOP64) - (m < TOP64);
	} else {
		ip = m >> (63 - e);
		frac = m << (e + 1);
		half = (frac > TOP64) - (frac < TOP64);
	}
	if (!frac)
		return ip;
	x->flags |= FPX_PE;
	bool up = false;
	if (!truncate) {
		switch (FPCW_RC(x->cw)) {
		case RC_NEAREST: up = half > 0 || (half == 0 && (ip & 1)); break;
		case RC_DOWN: up = sign; break;
		case RC_UP: up = !sign; break;
		default: break;
		}
	}
	x->c1 = up;
	return ip + up;
}

/* Exact: a 64-bit magnitude always fits the significand. */
static struct float80 from_mag(bool sign, uint64_t mag)
{
	if (!mag)
		return zero80(sign);
	int s = clz64(mag);
	return f80_make(sign, (unsigned)(BIAS80 + 63 - s), mag << s);
}

struct float80 f80_from_int(int64_t v)
{
	return from_mag(v < 0, v < 0 ? 0 - (uint64_t)v : (uint64_t)v);
}

struct float80 f80_round_int(struct fpctx *x, struct float80 a)
{
	enum f80_class ka = f80_classify(a);
	struct float80 out;
	if (nan_result(x, a, ka, a, ka, false, &out))
		return out;
	if (ka == F80_INF || ka == F80_ZERO)
		return a;
	struct unp u = unpack(x, a);
	if (u.e >= 63)
		return a;
	return from_mag(u.sign, round_mag(x, u.sign, u.e, u.m, false)); /* up to 2^63 */
}

int64_t f80_to_int(struct fpctx *x, struct float80 a, unsigned bits, bool truncate)
{
	int64_t indefinite = (int64_t)(~0ull << (bits - 1));
	enum f80_class ka = f80_classify(a);
	if (ka == F80_ZERO)
		return 0;
	if (ka != F80_NORMAL && ka != F80_DENORMAL) {
		x->flags |= FPX_IE;
		return indefinite;
	}
	struct fpctx quiet = *x; /* FIST/FISTTP do not raise DE */
	struct unp u = unpack(&quiet, a);
	uint16_t before = x->flags;
	uint64_t limit = (1ull << (bits - 1)) - !u.sign;
	if (u.e == 63 && u.m == TOP64 && u.sign && bits == 64)
		return INT64_MIN;
	uint64_t mag = u.e >= 63 ? ~0ull : round_mag(x, u.sign, u.e, u.m, truncate);
	if (mag > limit) {
		x->flags = before | FPX_IE;
		x->c1 = false;
		return indefinite;
	}
	return u.sign ? (int64_t)(0 - mag) : (int64_t)mag;
}

struct float80 f80_scale(struct fpctx *x, struct float80 a, struct float80 b)
{
	enum f80_class ka = f80_classify(a), kb = f80_classify(b);
	struct float80 out;
	if (nan_result(x, a, ka, b, kb, true, &out))
		return out;
	if (ka == F80_DENORMAL || kb == F80_DENORMAL)
		x->flags |= FPX_DE;
	if (kb == F80_INF) {
		if (!f80_sign(b)) {
			if (ka == F80_ZERO)
				return invalid(x);
			return inf80(f80_sign(a));
		}
		if (ka == F80_INF)
			return invalid(x);
		return zero80(f80_sign(a));
	}
	if (ka == F80_INF || ka == F80_ZERO)
		return a;
	struct fpctx quiet = *x;
	struct unp ua = unpack(&quiet, a), ub = unpack(&quiet, b);
	/* |ST(1)| >= 2^20 already under/overflows any operand: clamp to keep int32 arithmetic. */
	int32_t n = ub.e < 0 ? 0 : ub.e >= 20 ? 1 << 20 : (int32_t)(ub.m >> (63 - ub.e));
	if (ub.sign)
		n = -n;
	return round80(x, false, ua.sign, ua.e - 63 + n, ua.m);
}

struct float80 f80_extract(struct fpctx *x, struct float80 a, struct float80 *exp)
{
	enum f80_class ka = f80_classify(a);
	struct float80 out;
	if (nan_result(x, a, ka, a, ka, false, &out)) {
		*exp = out;
		return out;
	}
	if (ka == F80_ZERO) {
		x->flags |= FPX_ZE;
		*exp = inf80(true);
		return a;
	}
	if (ka == F80_INF) {
		*exp = inf80(false);
		return a;
	}
	struct unp u = unpack(x, a);
	*exp = f80_from_int(u.e);
	return f80_make(u.sign, BIAS80, u.m);
}

/* ---------------------------------------------------------------- single and double */

struct ieee_fmt {
	const struct fmt *f;
	int frac;  /* fraction bits */
	unsigned emask;
};

static const struct ieee_fmt IEEE32 = { &FMT32, 23, 0xff };
static const struct ieee_fmt IEEE64 = { &FMT64, 52, 0x7ff };

static struct float80 from_ieee(struct fpctx *x, const struct ieee_fmt *t, uint64_t v)
{
	bool sign = v >> (t->frac + (t->emask == 0xff ? 8 : 11));
	unsigned e = (unsigned)(v >> t->frac) & t->emask;
	uint64_t frac = v & ((1ull << t->frac) - 1);
	if (e == t->emask) {
		if (!frac)
			return inf80(sign);
		struct float80 r = f80_make(sign, 0x7fff, TOP64 | frac << (63 - t->frac));
		if (!(r.mant & QUIET)) {
			x->flags |= FPX_IE;
			r.mant |= QUIET;
		}
		return r;
	}
	if (e == 0) {
		if (!frac)
			return zero80(sign);
		x->flags |= FPX_DE;
		int s = clz64(frac);
		/* value = frac * 2^(1 - bias - fracbits); top bit at 63 - s */
		int32_t be = (63 - s) + 1 - t->f->bias - t->frac + BIAS80;
		return f80_make(sign, (unsigned)be, frac << s);
	}
	return f80_make(sign, e - (unsigned)t->f->bias + BIAS80, TOP64 | frac << (63 - t->frac));
}

static uint64_t to_ieee(struct fpctx *x, const struct ieee_fmt *t, struct float80 a)
{
	bool sign = f80_sign(a);
	int expbits = t->emask == 0xff ? 8 : 11;
	uint64_t s = (uint64_t)sign << (t->frac + expbits), inf = (uint64_t)t->emask << t->frac;
	uint64_t fmask = (1ull << t->frac) - 1, qbit = 1ull << (t->frac - 1);
	switch (f80_classify(a)) {
	case F80_UNSUPPORTED:
		x->flags |= FPX_IE;
		return ((uint64_t)1 << (t->frac + expbits)) | inf | qbit;
	case F80_SNAN:
		x->flags |= FPX_IE;
		/* fall through */
	case F80_QNAN:
		return s | inf | ((a.mant >> (63 - t->frac)) & fmask) | qbit;
	case F80_INF:
		return s | inf;
	case F80_ZERO:
		return s;
	default:
		break;
	}
	struct fpctx quiet = *x; /* FST does not raise DE for a denormal register */
	struct unp u = unpack(&quiet, a);
	struct rounded r = round_pack(x, t->f, sign, u.e - 63, u.m);
	return s | ((uint64_t)r.be << t->frac) | ((r.sig >> (63 - t->frac)) & fmask);
}

struct float80 f80_from_f32(struct fpctx *x, uint32_t v) { return from_ieee(x, &IEEE32, v); }
struct float80 f80_from_f64(struct fpctx *x, uint64_t v) { return from_ieee(x, &IEEE64, v); }
uint32_t f80_to_f32(struct fpctx *x, struct float80 a) { return (uint32_t)to_ieee(x, &IEEE32, a); }
uint64_t f80_to_f64(struct fpctx *x, struct float80 a) { return to_ieee(x, &IEEE64, a); }

/* ---------------------------------------------------------------- packed BCD */

struct float80 f80_from_bcd(const uint8_t bcd[10])
{
	uint64_t v = 0;
	for (int k = 8; k >= 0; k--)
		v = v * 100 + (bcd[k] >> 4) * 10 + (bcd[k] & 15);
	return from_mag(bcd[9] >> 7, v);
}

void f80_to_bcd(struct fpctx *x, struct float80 a, uint8_t bcd[10])
{
	static const uint8_t indefinite[10] = { 0, 0, 0, 0, 0, 0, 0, 0xc0, 0xff, 0xff };
	enum f80_class ka = f80_classify(a);
	uint64_t mag = 0;
	if (ka != F80_ZERO) {
		if (ka != F80_NORMAL && ka != F80_DENORMAL) {
			x->flags |= FPX_IE;
			memcpy(bcd, indefinite, 10);
			return;
		}
		struct fpctx quiet = *x; /* nor does FBSTP */
		struct unp u = unpack(&quiet, a);
		uint16_t before = x->flags;
		mag = u.e >= 63 ? ~0ull : round_mag(x, u.sign, u.e, u.m, false);
		if (mag > 999999999999999999ull) {
			x->flags = before | FPX_IE;
			x->c1 = false;
			memcpy(bcd, indefinite, 10);
			return;
		}
	}
	for (int k = 0; k < 9; k++) {
		unsigned two = (unsigned)(mag % 100);
		mag /= 100;
		bcd[k] = (uint8_t)((two / 10) << 4 | two % 10);
	}
	bcd[9] = f80_sign(a) ? 0x80 : 0;
}

/* ---------------------------------------------------------------- constants */

/* 128-bit significands with the exponent of their top bit (computed with exact integer series:
 * Machin's formula for pi, atanh series for the logarithms). */
struct c128 {
	uint64_t hi, lo;
	int32_t e;
	bool sign;
};

static const struct c128 C_PI = { 0xc90fdaa22168c234ull, 0xc4c6628b80dc1cd1ull, 1, false };
static const struct c128 C_LN2 = { 0xb17217f7d1cf79abull, 0xc9e3b39803f2f6afull, -1, false };
static const struct c128 C_L2E = { 0xb8aa3b295c17f0bbull, 0xbe87fed0691d3e88ull, 0, false };
static const struct c128 C_L2T = { 0xd49a784bcd1b8afeull, 0x492bf6ff4dafdb4cull, 1, false };
static const struct c128 C_LG2 = { 0x9a209a84fbcff798ull, 0x8f8959ac0b7c9178ull, -2, false };

struct float80 f80_const(struct fpctx *x, enum f80_const which)
{
	static const struct c128 *tab[] = {
		[F80C_L2T] = &C_L2T, [F80C_L2E] = &C_L2E, [F80C_PI] = &C_PI,
		[F80C_LG2] = &C_LG2, [F80C_LN2] = &C_LN2,
	};
	if (which == F80C_ONE)
		return f80_make(false, BIAS80, TOP64);
	if (which == F80C_ZERO)
		return zero80(false);
	/* Rounded per RC, without PE or C1: the hardware treats these as exact loads. */
	struct fpctx q = *x;
	const struct c128 *c = tab[which];
	return round80(&q, false, false, c->e - 127, ((u128)c->hi << 64) | c->lo);
}

/* ---------------------------------------------------------------- transcendentals
 *
 * xf: value = m * 2^(e - 127), m normalised (bit 127 set) or zero. Operations truncate; about
 * 126 bits survive each, far more than the 64 the results need. */

struct xf {
	bool sign;
	int32_t e;
	u128 m;
};

static struct xf xf_norm(bool sign, int32_t e, u128 m)
{
	if (!m)
		return (struct xf){ sign, 0, 0 };
	int s = clz128(m);
	return (struct xf){ sign, e - s, m << s };
}

static struct xf xf_from_c(const struct c128 *c)
{
	return (struct xf){ c->sign, c->e, ((u128)c->hi << 64) | c->lo };
}

static struct xf xf_from_unp(struct unp u)
{
	return xf_norm(u.sign, u.e + 64, (u128)u.m);
}

static struct xf xf_int(int32_t v)
{
	return xf_norm(v < 0, 127, (u128)(v < 0 ? -(int64_t)v : v));
}

static struct xf xf_neg(struct xf a)
{
	a.sign = !a.sign;
	return a;
}

static struct xf xf_add(struct xf a, struct xf b)
{
	if (!a.m)
		return b;
	if (!b.m)
		return a;
	if (a.e < b.e) {
		struct xf t = a;
		a = b;
		b = t;
	}
	int32_t d = a.e - b.e;
	u128 ma = a.m >> 1, mb = d >= 127 ? 0 : (b.m >> 1) >> d;
	if (a.sign == b.sign)
		return xf_norm(a.sign, a.e + 1, ma + mb);
	if (ma >= mb)
		return xf_norm(a.sign, a.e + 1, ma - mb);
	return xf_norm(b.sign, a.e + 1, mb - ma);
}

static struct xf xf_sub(struct xf a, struct xf b) { return xf_add(a, xf_neg(b)); }

static struct xf xf_mul(struct xf a, struct xf b)
{
	if (!a.m || !b.m)
		return (struct xf){ a.sign ^ b.sign, 0, 0 };
	uint64_t a1 = (uint64_t)(a.m >> 64), a0 = (uint64_t)a.m;
	uint64_t b1 = (uint64_t)(b.m >> 64), b0 = (uint64_t)b.m;
	u128 hh = (u128)a1 * b1, hl = (u128)a1 * b0, lh = (u128)a0 * b1, ll = (u128)a0 * b0;
	u128 mid = (hl & ~0ull) + (lh & ~0ull) + (ll >> 64);
	u128 top = hh + (hl >> 64) + (lh >> 64) + (mid >> 64);
	/* product = top * 2^128 (+ low bits); value = top * 2^(ea + eb - 127 - 127 + 128) */
	return xf_norm(a.sign ^ b.sign, a.e + b.e + 1, top);
}

/* a / b as a * (1/b): a 64-bit reciprocal from one integer division, then one Newton step
 * (x1 = x0 (2 - b x0)) doubles it to ~126 bits. */
static struct xf xf_div(struct xf a, struct xf b)
{
	if (!a.m)
		return a;
	uint64_t bh = (uint64_t)(b.m >> 64);
	/* 1/b ~ 2^(63 - b.e) / bh = (2^127 / bh) * 2^(-64 - b.e); bh >= 2^63 so q <= 2^64 */
	u128 q = ((u128)1 << 127) / bh;
	struct xf x0 = xf_norm(b.sign, 63 - b.e, q);
	struct xf two = xf_norm(false, 128, 1);
	struct xf x1 = xf_mul(x0, xf_sub(two, xf_mul(b, x0)));
	return xf_mul(a, x1);
}

/* Division by a small positive integer (series coefficients): one 128-by-64-bit division
 * keeps 128 - log2(k) bits. */
static struct xf xf_div_int(struct xf a, uint32_t k)
{
	return xf_norm(a.sign, a.e, a.m / k);
}

static struct xf xf_sqrt(struct xf a)
{
	/* 64-bit root of the top 64 bits, then one Newton step doubles the precision. */
	u128 rem;
	int32_t e = a.e; /* the top 64 bits as an unpacked significand: value = top * 2^(e - 63) */
	uint64_t root = isqrt128(sqrt_radicand((uint64_t)(a.m >> 64), e), &rem);
	struct xf y = xf_norm(false, (e - (e & 1)) / 2 + 64, root);
	struct xf t = xf_add(y, xf_div(a, y));
	t.e--;
	return t;
}

/* Round an xf result to the 64-bit register format per RC (the x87 transcendentals ignore PC). */
static struct float80 xf_round(struct fpctx *x, struct xf v)
{
	if (!v.m)
		return zero80(v.sign);
	return round80(x, false, v.sign, v.e - 127, v.m | 1); /* inexact: the tail is never zero */
}

/* Terms of a power series until they vanish below the sum's 2^-130. */
static bool negligible(struct xf term, struct xf sum)
{
	return !term.m || (sum.m && term.e < sum.e - 130);
}

/* sin (odd=true) or cos of |r| <= pi/4. */
static struct xf xf_sincos_series(struct xf r, bool odd)
{
	struct xf r2 = xf_mul(r, r), term = odd ? r : xf_int(1), sum = term;
	for (uint32_t k = odd ? 2 : 1; k < 80; k += 2) {
		term = xf_neg(xf_div_int(xf_mul(term, r2), k * (k + 1)));
		if (negligible(term, sum))
			break;
		sum = xf_add(sum, term);
	}
	return sum;
}

/* x * 2/pi split into quadrant and reduced argument r = x - q * pi/2, |r| <= pi/4, using a
 * 384-bit 2/pi so the reduction is exact for every |x| < 2^63. */
static struct xf reduce_pio2(struct unp u, unsigned *quadrant)
{
	static const uint64_t two_over_pi[6] = {
		0xa2f9836e4e441529ull, 0xfc2757d1f534ddc0ull, 0xdb6295993c439041ull,
		0xfe5163abdebbc561ull, 0xb7246e3a424dd2e0ull, 0x06492eea09d1921cull,
	};
	static const struct c128 PIO2 = { 0xc90fdaa22168c234ull, 0xc4c6628b80dc1cd1ull, 0, false };
	*quadrant = 0;
	if (u.e < -1) /* |x| < 0.5 < pi/4 */
		return xf_from_unp(u);
	/* p = m * W: 7 words, p[0] most significant; W = 0.w0w1..w5, x*2/pi = p * 2^(e-63-384+64)... */
	uint64_t p[7] = { 0 };
	for (int k = 5; k >= 0; k--) {
		u128 t = (u128)u.m * two_over_pi[k];
		u128 s = (u128)p[k + 1] + (uint64_t)t;
		p[k + 1] = (uint64_t)s;
		p[k] = (uint64_t)(t >> 64) + (uint64_t)(s >> 64);
	}
	/* m * W has 64 integer bits in p[0] when x = m (e = 63); the point sits 62 - e bits left
	 * of the p[0]/p[1] boundary: shift the whole product left by e + 1 so p[0] is the integer
	 * part (at most 64 bits since e <= 62). */
	int sh = u.e + 1; /* 0..63 */
	uint64_t w[7];
	for (int k = 0; k < 7; k++)
		w[k] = sh ? (p[k] << sh) | (k < 6 ? p[k + 1] >> (64 - sh) : 0) : p[k];
	uint64_t ip = sh ? p[0] >> (64 - sh) : 0;
	/* fraction: w[0..] (w[0] is now the first fraction word) */
	bool neg = false;
	if (w[0] >> 63) { /* fraction >= 1/2: use fraction - 1 */
		ip++;
		neg = true;
		/* negate the multiword fraction: 1 - f */
		int k = 6;
		for (; k >= 0 && !w[k]; k--)
			;
		for (int j = 0; j < 7; j++)
			w[j] = j < k ? ~w[j] : j == k ? 0 - w[j] : 0;
	}
	*quadrant = (unsigned)(ip & 3);
	/* Normalise the fraction to 128 bits. */
	int lead = 0;
	while (lead < 4 && !w[lead])
		lead++;
	int s = clz64(w[lead]);
	u128 hi = (u128)w[lead] << 64 | w[lead + 1];
	uint64_t next = w[lead + 2];
	u128 f = s ? (hi << s) | (next >> (64 - s)) : hi;
	struct xf frac = { neg != u.sign, -1 - 64 * lead - s, f };
	if (!f)
		return (struct xf){ u.sign, 0, 0 };
	if (u.sign)
		*quadrant = (4 - *quadrant) & 3;
	return xf_mul(frac, xf_from_c(&PIO2));
}

/* Common operand screening for one-operand transcendentals: NaN/unsupported/inf/zero. */
static bool trig_special(struct fpctx *x, struct float80 a, enum f80_class k, struct float80 *out)
{
	if (nan_result(x, a, k, a, k, false, out))
		return true;
	if (k == F80_INF) {
		*out = invalid(x);
		return true;
	}
	return false;
}

bool f80_sincos(struct fpctx *x, struct float80 a, struct float80 *sin, struct float80 *cos)
{
	enum f80_class k = f80_classify(a);
	struct float80 out;
	if (trig_special(x, a, k, &out)) {
		if (sin)
			*sin = out;
		if (cos)
			*cos = out;
		return true;
	}
	if (k == F80_ZERO) {
		if (sin)
			*sin = a;
		if (cos)
			*cos = f80_const(x, F80C_ONE);
		return true;
	}
	struct unp u = unpack(x, a);
	if (u.e >= 63)
		return false;
	unsigned q;
	struct xf r = reduce_pio2(u, &q);
	if (sin) {
		struct xf v = xf_sincos_series(r, !(q & 1));
		if (q & 2)
			v = xf_neg(v);
		*sin = xf_round(x, v);
	}
	if (cos) {
		struct fpctx cx = *x; /* FSINCOS reports one set of flags: both results' */
		struct xf v = xf_sincos_series(r, q & 1);
		if ((q + 1) & 2)
			v = xf_neg(v);
		*cos = xf_round(&cx, v);
		x->flags |= cx.flags;
		if (!sin)
			x->c1 = cx.c1;
	}
	return true;
}

bool f80_tan(struct fpctx *x, struct float80 a, struct float80 *tan)
{
	enum f80_class k = f80_classify(a);
	if (trig_special(x, a, k, tan))
		return true;
	if (k == F80_ZERO) {
		*tan = a;
		return true;
	}
	struct unp u = unpack(x, a);
	if (u.e >= 63)
		return false;
	unsigned q;
	struct xf r = reduce_pio2(u, &q);
	struct xf s = xf_sincos_series(r, true), c = xf_sincos_series(r, false);
	*tan = xf_round(x, q & 1 ? xf_neg(xf_div(c, s)) : xf_div(s, c));
	return true;
}

/* atan(t) for 0 <= t <= 1: two halvings t/(1 + sqrt(1 + t^2)) bring t below tan(pi/16). */
static struct xf xf_atan(struct xf t)
{
	struct xf one = xf_int(1);
	for (int k = 0; k < 2; k++)
		t = xf_div(t, xf_add(one, xf_sqrt(xf_add(one, xf_mul(t, t)))));
	struct xf t2 = xf_mul(t, t), pow = t, sum = t;
	for (uint32_t n = 3; n < 200; n += 2) {
		pow = xf_neg(xf_mul(pow, t2));
		struct xf term = xf_div_int(pow, n);
		if (negligible(term, sum))
			break;
		sum = xf_add(sum, term);
	}
	sum.e += 2;
	return sum;
}

struct float80 f80_atan2(struct fpctx *x, struct float80 y, struct float80 xv)
{
	enum f80_class ky = f80_classify(y), kx = f80_classify(xv);
	struct float80 out;
	if (nan_result(x, xv, kx, y, ky, true, &out))
		return out;
	if (ky == F80_DENORMAL || kx == F80_DENORMAL)
		x->flags |= FPX_DE;
	bool sy = f80_sign(y), sx = f80_sign(xv);
	struct xf pi = xf_from_c(&C_PI), v;
	struct xf pio2 = pi, pio4 = pi;
	pio2.e--;
	pio4.e -= 2;
	if (ky == F80_ZERO) {
		if (!sx)
			return y;
		v = pi;
	} else if (ky == F80_INF) {
		v = kx != F80_INF ? pio2 : sx ? xf_mul(pio4, xf_int(3)) : pio4;
	} else if (kx == F80_INF) {
		if (!sx)
			return zero80(sy);
		v = pi;
	} else if (kx == F80_ZERO) {
		v = pio2;
	} else {
		struct fpctx q = *x;
		struct xf ay = xf_from_unp(unpack(&q, y)), ax = xf_from_unp(unpack(&q, xv));
		ay.sign = ax.sign = false;
		bool swap = ay.e > ax.e || (ay.e == ax.e && ay.m > ax.m);
		v = swap ? xf_sub(pio2, xf_atan(xf_div(ax, ay))) : xf_atan(xf_div(ay, ax));
		if (sx)
			v = xf_sub(pi, v);
	}
	v.sign = sy;
	return xf_round(x, v);
}

/* ln(v) for v > 0 finite: v = 2^k * m with m in [sqrt(1/2), sqrt(2)), ln m = 2 atanh((m-1)/(m+1)). */
static struct xf xf_atanh_series(struct xf t)
{
	struct xf t2 = xf_mul(t, t), pow = t, sum = t;
	for (uint32_t n = 3; n < 400; n += 2) {
		pow = xf_mul(pow, t2);
		struct xf term = xf_div_int(pow, n);
		if (negligible(term, sum))
			break;
		sum = xf_add(sum, term);
	}
	sum.e++;
	return sum;
}

static struct xf xf_log2(struct xf v)
{
	/* v.m / 2^127 in [1, 2); sqrt(2) = 0xb504f333... */
	int32_t k = v.e;
	struct xf m = { false, 0, v.m };
	if (v.m > ((u128)0xb504f333f9de6484ull << 64)) {
		m.e = -1;
		k++;
	}
	struct xf one = xf_int(1);
	struct xf ln = xf_atanh_series(xf_div(xf_sub(m, one), xf_add(m, one)));
	return xf_add(xf_int(k), xf_mul(ln, xf_from_c(&C_L2E)));
}

struct float80 f80_yl2x(struct fpctx *x, struct float80 y, struct float80 xv)
{
	enum f80_class ky = f80_classify(y), kx = f80_classify(xv);
	struct float80 out;
	if (nan_result(x, xv, kx, y, ky, true, &out))
		return out;
	bool sy = f80_sign(y);
	if (f80_sign(xv) && kx != F80_ZERO)
		return invalid(x); /* IE and ZE come before DE, as the host x87 orders them */
	if (kx == F80_ZERO) {
		if (ky == F80_ZERO)
			return invalid(x);
		if (ky != F80_INF)
			x->flags |= FPX_ZE;
		return inf80(!sy);
	}
	if (ky == F80_DENORMAL || kx == F80_DENORMAL)
		x->flags |= FPX_DE;
	if (kx == F80_INF) {
		if (ky == F80_ZERO)
			return invalid(x);
		return inf80(sy);
	}
	struct fpctx q = *x;
	struct unp ux = unpack(&q, xv);
	bool is_one = ux.e == 0 && ux.m == TOP64, below_one = ux.e < 0;
	if (ky == F80_INF) {
		if (is_one)
			return invalid(x);
		return inf80(sy ^ below_one);
	}
	if (ky == F80_ZERO || is_one)
		return zero80(sy ^ below_one);
	struct xf l = xf_log2(xf_from_unp(ux));
	return xf_round(x, xf_mul(xf_from_unp(unpack(&q, y)), l));
}

struct float80 f80_yl2xp1(struct fpctx *x, struct float80 y, struct float80 xv)
{
	enum f80_class ky = f80_classify(y), kx = f80_classify(xv);
	struct float80 out;
	if (nan_result(x, xv, kx, y, ky, true, &out))
		return out;
	bool sy = f80_sign(y), sx = f80_sign(xv);
	/* 0 * log(inf) style operands are invalid before anything else: the host reports IE
	 * alone, without DE for a denormal other operand (measured by diff-cpu). */
	if ((kx == F80_ZERO && ky == F80_INF) || (kx == F80_INF && (sx || ky == F80_ZERO)))
		return invalid(x);
	if (ky == F80_DENORMAL || kx == F80_DENORMAL)
		x->flags |= FPX_DE;
	if (kx == F80_ZERO)
		return zero80(sy ^ sx);
	if (kx == F80_INF)
		return inf80(sy);
	struct fpctx q = *x;
	struct xf xx = xf_from_unp(unpack(&q, xv)), one = xf_int(1);
	struct xf v = xf_add(one, xx);
	if (v.sign || !v.m)
		return invalid(x);
	if (ky == F80_INF)
		return inf80(sy ^ sx);
	if (ky == F80_ZERO)
		return zero80(sy ^ sx);
	/* log2(1+x) = 2 atanh(x / (2 + x)) * log2(e): no cancellation for small x. */
	struct xf l = xf_mul(xf_atanh_series(xf_div(xx, xf_add(xf_int(2), xx))), xf_from_c(&C_L2E));
	return xf_round(x, xf_mul(xf_from_unp(unpack(&q, y)), l));
}

struct float80 f80_2xm1(struct fpctx *x, struct float80 a)
{
	enum f80_class k = f80_classify(a);
	struct float80 out;
	if (nan_result(x, a, k, a, k, false, &out))
		return out;
	if (k == F80_ZERO)
		return a;
	if (k == F80_INF)
		return f80_sign(a) ? f80_make(true, BIAS80, TOP64) : a;
	struct unp u = unpack(x, a);
	if (u.e > 14) /* outside the documented [-1, 1]: clamp the series' work */
		u.e = 14;
	/* expm1(x ln 2) by its Taylor series. */
	struct xf y = xf_mul(xf_from_unp(u), xf_from_c(&C_LN2)), term = y, sum = y;
	for (uint32_t n = 2; n < 400; n++) {
		term = xf_div_int(xf_mul(term, y), n);
		if (negligible(term, sum))
			break;
		sum = xf_add(sum, term);
	}
	return xf_round(x, sum);
}
