/* SSE floating point: packed/scalar single and double arithmetic, compares, min/max, sqrt,
 * reciprocal estimates, horizontal forms, dot products, rounding and conversions.
 *
 * Results must match hardware bit for bit. Finite, non-NaN operands go through the host's IEEE
 * binary32/binary64 arithmetic in MXCSR's rounding mode, one operation at a time. Lanes whose
 * operands and result show they can only be inexact take a fast path that reads the host's
 * flags once per instruction (or never, when PE is already set and masked); the others collect
 * the host's exception flags after each operation. Everything x86-specific is done here in
 * software:
 * NaN propagation and the default NaN (SDM Vol. 1, 4.8.3.5 and 4.8.3.7), denormal-operand
 * detection and DAZ, flush-to-zero, min/max/compare rules, conversions to integer with the
 * integer indefinite, and unmasked exceptions (#XM with the destination unchanged, 11.5.3). */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#pragma STDC FENV_ACCESS ON
#endif
/* GCC: -std=c11 already means -ffp-contract=off; every host operation below reads its operands
 * from and writes its result to volatile objects, so it cannot be contracted, folded or moved
 * across the MXCSR/fenv accesses around it. */

#include <fenv.h>
#include <math.h>

#include "cpu/decode.h"
#include "cpu/sse.h"

/* ---- formats ---- */

struct ffmt {
	uint64_t sign, exp, mant, quiet, defnan;
	unsigned w; /* bytes */
};

static const struct ffmt F32 = { 0x80000000u, 0x7f800000u, 0x007fffffu, 0x00400000u, 0xffc00000u, 4 };
static const struct ffmt F64 = { 1ull << 63, 0x7ffull << 52, (1ull << 52) - 1, 1ull << 51,
				 0xfff8000000000000ull, 8 };

static inline bool f_nan(const struct ffmt *f, uint64_t x) { return (x & ~f->sign) > f->exp; }
static inline bool f_snan(const struct ffmt *f, uint64_t x) { return f_nan(f, x) && !(x & f->quiet); }
static inline bool f_inf(const struct ffmt *f, uint64_t x) { return (x & ~f->sign) == f->exp; }
static inline bool f_zero(const struct ffmt *f, uint64_t x) { return !(x & ~f->sign); }
static inline bool f_denorm(const struct ffmt *f, uint64_t x) { return !(x & f->exp) && (x & f->mant); }

static inline float f32_of(uint64_t x) { uint32_t b = (uint32_t)x; float v; memcpy(&v, &b, 4); return v; }
static inline double f64_of(uint64_t x) { double v; memcpy(&v, &x, 8); return v; }
static inline uint64_t bits_f32(float v) { uint32_t b; memcpy(&b, &v, 4); return b; }
static inline uint64_t bits_f64(double v) { uint64_t b; memcpy(&b, &v, 8); return b; }

static inline uint64_t lane(const union xmm *v, unsigned w, unsigned k)
{
	return w == 4 ? v->l[k] : v->q[k];
}

static inline void lane_set(union xmm *v, unsigned w, unsigned k, uint64_t x)
{
	if (w == 4)
		v->l[k] = (uint32_t)x;
	else
		v->q[k] = x;
}

/* The destination's first `lanes` lanes from r, lane by lane: r was just written lane by
 * lane, and a whole-register reload of it would stall on store forwarding. */
static inline void lanes_store(union xmm *dst, const union xmm *r, unsigned w, unsigned lanes)
{
	for (unsigned k = 0; k < lanes; k++)
		lane_set(dst, w, k, lane(r, w, k));
}

/* ---- the host floating-point environment ---- */

/* The host runs with its default environment (round to nearest, all exceptions masked, no
 * DAZ/FTZ). An SSE instruction clears the host's exception flags on entry, switches the
 * rounding mode when MXCSR.RC asks for another, and reads the flags its operations raised. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(NTEMU_PORTABLE_FENV)
/* The host MXCSR has the guest's layout; reading it directly is far cheaper than glibc's fenv
 * calls, which also rewrite the x87 environment. The host's own DE flag is ignored.
 * -DNTEMU_PORTABLE_FENV selects the <fenv.h> version below on x86-64 too (to test it). */
#define HOST_FLAGS (MX_IE | MX_ZE | MX_OE | MX_UE | MX_PE)

/* Reading MXCSR (stmxcsr) is much slower than writing it on some hosts: enter writes. */
static inline void host_enter(unsigned rc)
{
	__builtin_ia32_ldmxcsr(MX_DEFAULT | rc << MX_RC_SHIFT);
}

static inline void host_leave(unsigned rc)
{
	if (rc)
		__builtin_ia32_ldmxcsr(MX_DEFAULT);
}

/* The host's exception flags raised since host_enter or the last host_take. */
static inline unsigned host_flags(void)
{
	return __builtin_ia32_stmxcsr() & HOST_FLAGS;
}

/* Likewise, and clear them. */
static inline unsigned host_take(void)
{
	uint32_t m = __builtin_ia32_stmxcsr();
	if (m & HOST_FLAGS)
		__builtin_ia32_ldmxcsr(m & ~(uint32_t)MX_FLAGS);
	return m & HOST_FLAGS;
}
#else
static const int host_rc[4] = { FE_TONEAREST, FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO };

static inline void host_enter(unsigned rc)
{
	if (rc)
		fesetround(host_rc[rc]);
	feclearexcept(FE_ALL_EXCEPT);
}

static inline void host_leave(unsigned rc)
{
	if (rc)
		fesetround(FE_TONEAREST);
}

static inline unsigned host_flags(void)
{
	int e = fetestexcept(FE_ALL_EXCEPT);
	return (e & FE_INVALID ? MX_IE : 0) | (e & FE_DIVBYZERO ? MX_ZE : 0) |
	       (e & FE_OVERFLOW ? MX_OE : 0) | (e & FE_UNDERFLOW ? MX_UE : 0) |
	       (e & FE_INEXACT ? MX_PE : 0);
}

static inline unsigned host_take(void)
{
	unsigned f = host_flags();
	if (f)
		feclearexcept(FE_ALL_EXCEPT);
	return f;
}
#endif

/* One instruction's floating-point context. */
struct fpst {
	uint32_t mxcsr;
	uint32_t flags; /* exceptions detected in the current stage (MXCSR flag bits) */
	uint32_t prev;  /* exceptions of the instruction's completed stages */
	uint8_t rc;
	bool host;      /* the instruction uses host arithmetic (compares, min/max, rounding and
			 * conversions to integer are done in software and leave the host alone) */
};

static inline void fp_begin(struct cpu *c, struct fpst *s, bool host)
{
	s->mxcsr = c->mxcsr;
	s->flags = 0;
	s->prev = 0;
	s->rc = (c->mxcsr >> MX_RC_SHIFT) & 3;
	s->host = host;
	if (host)
		host_enter(s->rc);
}

/* End of a computation stage (all lanes of one operation; dpps/dppd have several): an
 * unmasked exception raises #XM before the destination is written (SDM Vol. 1, 11.5.3). When
 * a pre-computation exception (IE DE ZE) is unmasked, the stage's post-computation flags are
 * not recorded (11.5.2); flags of earlier stages are. Lanes computed on the fast path leave
 * their (inexact-only) flags in the host. */
static void fp_stage(struct cpu *c, struct fpst *s)
{
	if (s->host)
		s->flags |= host_take();
	unsigned unmasked = s->flags & ~(s->mxcsr >> MX_MASK_SHIFT) & MX_FLAGS;
	if (unlikely(unmasked)) {
		unsigned pre = s->flags & (MX_IE | MX_DE | MX_ZE);
		if (s->host)
			host_leave(s->rc);
		c->mxcsr |= s->prev | ((pre & unmasked) ? pre : s->flags);
		cpu_raise(c, TRAP_SIMD);
	}
	s->prev |= s->flags;
	s->flags = 0;
}

/* PE is already set in MXCSR and masked: an operation that can raise nothing else need not
 * read the host's flags (the common case: PE is sticky and set early by most programs). */
static inline bool pe_known(const struct fpst *s)
{
	return (s->mxcsr & (MX_PE | MX_PE << MX_MASK_SHIFT)) == (MX_PE | MX_PE << MX_MASK_SHIFT);
}

/* The last stage; then MXCSR gets the flags and the caller writes the destination. The host
 * flags are left for the next host_enter to clear. */
static void fp_end(struct cpu *c, struct fpst *s)
{
	if (s->host && !pe_known(s))
		s->flags |= host_flags();
	unsigned unmasked = s->flags & ~(s->mxcsr >> MX_MASK_SHIFT) & MX_FLAGS;
	if (unlikely(unmasked))
		fp_stage(c, s);
	if (s->host)
		host_leave(s->rc);
	c->mxcsr |= s->prev | s->flags;
}

/* ---- one lane ---- */

/* A source operand as the operation sees it: a denormal is zero under DAZ, else it adds DE
 * to *de. */
static inline uint64_t fp_in_de(const struct fpst *s, const struct ffmt *f, uint64_t x, unsigned *de)
{
	if (unlikely(f_denorm(f, x))) {
		if (s->mxcsr & MX_DAZ)
			return x & f->sign;
		*de |= MX_DE;
	}
	return x;
}

static inline uint64_t fp_in(struct fpst *s, const struct ffmt *f, uint64_t x)
{
	return fp_in_de(s, f, x, &s->flags);
}

/* Internal operation code for fp_out: a binary64 -> binary32 conversion. */
#define FP_CVT 15

static inline double as_f64(const struct ffmt *f, uint64_t x)
{
	return f->w == 8 ? f64_of(x) : (double)f32_of(x);
}

/* A binary64 value has at most p significant bits. */
static bool fits(double v, unsigned p)
{
	uint64_t b = bits_f64(v), m = b & F64.mant;
	if (!(b & ~F64.sign))
		return true;
	if (b & F64.exp)
		m |= 1ull << 52;
	return 64u - (unsigned)__builtin_clzll(m) - (unsigned)__builtin_ctzll(m) <= p;
}

/* Whether the result rounded to the format's precision with an unbounded exponent is
 * inexact: what PE reports when an unmasked overflow or underflow withholds the result
 * (SDM Vol. 1, 4.9.1.4-4.9.1.5). The finite operands are scaled into range by powers of two,
 * which is exact, and the operation redone in binary64. */
static bool unbounded_inexact(unsigned op, const struct ffmt *f, uint64_t a, uint64_t b)
{
	double x = as_f64(f, a), y = as_f64(f, b);
	unsigned p = f->w == 8 ? 53 : 24;
	int ex, ey;
	if (op == FP_CVT)
		return !fits(x, 24);
	x = frexp(x, &ex);
	y = frexp(y, &ey);
	if (x == 0)
		ex = ey;
	if (y == 0)
		ey = ex;
	if (op == FP_ADD || op == FP_SUB) {
		int e = ex > ey ? ex : ey;
		x = ldexp(x, ex - e);
		y = ldexp(y, ey - e);
	}
	host_take();
	volatile double vx = x, vy = y, r;
	switch (op) {
	case FP_ADD: r = vx + vy; break;
	case FP_SUB: r = vx - vy; break;
	case FP_MUL: r = vx * vy; break;
	default: r = vx / vy; break;
	}
	return (host_take() & MX_PE) || !fits(r, p);
}

/* A host result r of operation op on a, b (format in) with the host flags `hf` of the
 * operation: the default NaN for an invalid operation; for a tiny result (x86 detects
 * tininess after rounding) UE when underflow is unmasked even if exact, or signed zero with
 * UE and PE under FTZ when it is masked. */
static uint64_t fp_out(struct fpst *s, const struct ffmt *f, uint64_t r, unsigned hf, unsigned op,
		       const struct ffmt *in, uint64_t a, uint64_t b)
{
	if (hf & MX_IE)
		r = f->defnan;
	if (unlikely(f_denorm(f, r) || (hf & MX_UE))) {
		if (!(s->mxcsr & (MX_UE << MX_MASK_SHIFT)))
			hf |= MX_UE;
		else if (s->mxcsr & MX_FTZ) {
			r &= f->sign;
			hf |= MX_UE | MX_PE;
		}
	}
	if (unlikely(hf & ~(s->mxcsr >> MX_MASK_SHIFT) & (MX_OE | MX_UE)))
		hf = (hf & ~(unsigned)MX_PE) | (unbounded_inexact(op, in, a, b) ? MX_PE : 0);
	s->flags |= hf;
	return r;
}

static inline __attribute__((always_inline)) uint64_t host_arith(unsigned op, unsigned w, uint64_t a, uint64_t b)
{
	if (w == 4) {
		volatile float x = f32_of(a), y = f32_of(b), r;
		switch (op) {
		case FP_ADD: r = x + y; break;
		case FP_SUB: r = x - y; break;
		case FP_MUL: r = x * y; break;
		case FP_DIV: r = x / y; break;
		default: r = sqrtf(x); break;
		}
		return bits_f32(r);
	}
	volatile double x = f64_of(a), y = f64_of(b), r;
	switch (op) {
	case FP_ADD: r = x + y; break;
	case FP_SUB: r = x - y; break;
	case FP_MUL: r = x * y; break;
	case FP_DIV: r = x / y; break;
	default: r = sqrt(x); break;
	}
	return bits_f64(r);
}

/* Quiet NaN from NaN operands: the first source's if it is a NaN, else the second's (SDM Vol. 1,
 * Table 4-7); an SNaN operand raises IE. */
static inline uint64_t nan_result(struct fpst *s, const struct ffmt *f, uint64_t a, uint64_t b)
{
	if (f_snan(f, a) || f_snan(f, b))
		s->flags |= MX_IE;
	return (f_nan(f, a) ? a : b) | f->quiet;
}

/* add, sub, mul, div */
static uint64_t fp_arith(struct fpst *s, const struct ffmt *f, unsigned op, uint64_t a, uint64_t b)
{
	if (unlikely(f_nan(f, a) || f_nan(f, b)))
		return nan_result(s, f, a, b);
	unsigned de = 0;
	a = fp_in_de(s, f, a, &de);
	b = fp_in_de(s, f, b, &de);
	uint64_t r = host_arith(op, f->w, a, b);
	unsigned hf = host_take();
	/* Invalid and divide-by-zero outrank the denormal operand (SDM Vol. 1, 4.9.2). */
	if (!(hf & (MX_IE | MX_ZE)))
		s->flags |= de;
	return fp_out(s, f, r, hf, op, f, a, b);
}

static uint64_t fp_sqrt(struct fpst *s, const struct ffmt *f, uint64_t a)
{
	if (f_nan(f, a))
		return nan_result(s, f, a, a);
	if (f_denorm(f, a) && (s->mxcsr & MX_DAZ))
		a &= f->sign;
	/* Invalid outranks the denormal operand (SDM Vol. 1, 4.9.2): no DE for -denormal. */
	if ((a & f->sign) && !f_zero(f, a)) {
		s->flags |= MX_IE;
		return f->defnan;
	}
	a = fp_in(s, f, a);
	/* A square root cannot overflow or underflow: only PE. */
	uint64_t r = host_arith(FP_SQRT, f->w, a, 0);
	if (!pe_known(s))
		s->flags |= host_take();
	return r;
}

/* Total order of non-NaN values as signed integers (-0 and +0 equal). */
static inline int64_t order_key(const struct ffmt *f, uint64_t x)
{
	int64_t m = (int64_t)(x & ~f->sign);
	return x & f->sign ? -m : m;
}

/* minps/maxps family: the second operand when either is a NaN (IE even for a QNaN) or both are
 * zeros (SDM Vol. 2, MAXPS). */
static uint64_t fp_minmax(struct fpst *s, const struct ffmt *f, bool max, uint64_t a, uint64_t b)
{
	if (f_nan(f, a) || f_nan(f, b)) {
		s->flags |= MX_IE;
		return f_denorm(f, b) && (s->mxcsr & MX_DAZ) ? b & f->sign : b;
	}
	a = fp_in(s, f, a);
	b = fp_in(s, f, b);
	int64_t ka = order_key(f, a), kb = order_key(f, b);
	return (max ? ka > kb : ka < kb) ? a : b;
}

/* Compare: -1 less, 0 equal, 1 greater, 2 unordered. IE for an SNaN, or for any NaN when
 * `signaling` (comiss, and the LT/LE/NLT/NLE predicates). */
static int fp_compare(struct fpst *s, const struct ffmt *f, bool signaling, uint64_t a, uint64_t b)
{
	if (f_nan(f, a) || f_nan(f, b)) {
		if (signaling || f_snan(f, a) || f_snan(f, b))
			s->flags |= MX_IE;
		return 2;
	}
	a = fp_in(s, f, a);
	b = fp_in(s, f, b);
	int64_t ka = order_key(f, a), kb = order_key(f, b);
	return ka < kb ? -1 : ka > kb;
}

/* cmpps predicates imm8[2:0]: EQ LT LE UNORD NEQ NLT NLE ORD. */
static uint64_t fp_cmp_pred(struct fpst *s, const struct ffmt *f, unsigned pred, uint64_t a, uint64_t b)
{
	pred &= 7;
	bool signaling = (pred & 3) == 1 || (pred & 3) == 2;
	int r = fp_compare(s, f, signaling, a, b);
	bool t;
	switch (pred & 3) {
	case 0: t = r == 0; break;
	case 1: t = r == -1; break;
	case 2: t = r == -1 || r == 0; break;
	default: t = r == 2; break;
	}
	if (pred & 4)
		t = !t;
	return t ? size_mask(f->w) : 0;
}

/* rcpps/rsqrtps: hardware returns a table-based estimate (relative error <= 1.5 * 2^-12) that
 * differs between vendors; ntemu returns the estimate's ideal value, 1/x or 1/sqrt(x) rounded
 * to nearest. No exceptions; denormal inputs count as zero and tiny results flush to zero, as
 * on hardware. */
static uint64_t fp_estimate(bool rsqrt, uint64_t a)
{
	const struct ffmt *f = &F32;
	if (f_nan(f, a))
		return a | f->quiet;
	if (f_zero(f, a) || f_denorm(f, a))
		return (a & f->sign) | f->exp;
	if (rsqrt && (a & f->sign))
		return f->defnan;
	if (f_inf(f, a))
		return a & f->sign;
	volatile double x = (double)f32_of(a), r;
	r = rsqrt ? 1.0 / sqrt(x) : 1.0 / x;
	double v = r;
	if (fabs(v) < 0x1p-126)
		return a & f->sign;
	volatile float rf = (float)v;
	return bits_f32(rf);
}

static uint64_t fp_lane(struct fpst *s, const struct ffmt *f, unsigned op, unsigned imm,
			uint64_t a, uint64_t b)
{
	switch (op) {
	case FP_ADD:
	case FP_SUB:
	case FP_MUL:
	case FP_DIV:
		return fp_arith(s, f, op, a, b);
	case FP_MIN:
	case FP_MAX:
		return fp_minmax(s, f, op == FP_MAX, a, b);
	case FP_SQRT:
		return fp_sqrt(s, f, b);
	case FP_RCP:
	case FP_RSQRT: {
		uint64_t r = fp_estimate(op == FP_RSQRT, b);
		host_take(); /* the estimate's own host flags are not the instruction's */
		return r;
	}
	default:
		return fp_cmp_pred(s, f, imm, a, b);
	}
}

/* The fast path of add/sub/mul/div: finite non-denormal operands (no zero divisor) and a
 * normal result away from the overflow and underflow thresholds, or an exact zero, can raise
 * nothing but PE, which the host accumulates for fp_end. Returns false, having possibly
 * written some lanes, when a lane needs the exact path. */
static inline __attribute__((always_inline)) bool fast_operand(const struct ffmt *f, uint64_t x)
{
	uint64_t e = x & f->exp;
	return e != f->exp && (e || !(x & f->mant));
}

static inline __attribute__((always_inline)) bool
fast_result(const struct ffmt *f, unsigned op, uint64_t a, uint64_t b, uint64_t r)
{
	uint64_t m = r & ~f->sign, e = r & f->exp;
	if (!m) /* sums are exact when zero; products and quotients only from a zero operand */
		return op <= FP_SUB || f_zero(f, a) || (op == FP_MUL && f_zero(f, b));
	return e && e != f->exp && m != f->exp - 1 && m != f->mant + 1;
}

static inline __attribute__((always_inline)) bool
fast_arith(const struct ffmt *f, unsigned op_even, unsigned op_odd, const union xmm *a,
	   const union xmm *b, union xmm *r, unsigned lanes)
{
	unsigned w = f->w;
	for (unsigned k = 0; k < lanes; k++) {
		unsigned op = k & 1 ? op_odd : op_even;
		uint64_t x = lane(a, w, k), y = lane(b, w, k);
		if (!fast_operand(f, x) || !fast_operand(f, y) || (op == FP_DIV && f_zero(f, y)))
			return false;
		uint64_t z = host_arith(op, w, x, y);
		if (!fast_result(f, op, x, y, z))
			return false;
		lane_set(r, w, k, z);
	}
	return true;
}

static inline const struct ffmt *fmt_of(unsigned param)
{
	return (param & FP_PD) ? &F64 : &F32;
}

/* The second operand of a packed (m128, aligned) or scalar (m32/m64) form. */
static void fp_src(struct cpu *c, const struct insn *i, bool scalar, unsigned w, union xmm *b)
{
	if (scalar)
		b->q[0] = xmm_src_low(c, i, w);
	else
		vec_src(c, i, b, false);
}

/* addps ... cmpsd, haddps, hsubps, addsubps (param: FP_op | FP_format). Scalar forms change
 * only the low lane. */
void sse_fp(struct cpu *c, const struct insn *i)
{
	unsigned op = i->param & 15;
	bool scalar = i->param & FP_SS;
	const struct ffmt *f = fmt_of(i->param);
	unsigned w = f->w, lanes = scalar ? 1 : 16 / w;
	/* Operands by reference (the destination changes only after fp_end); r holds the
	 * computed lanes. */
	const union xmm *a = &c->xmm[i->reg], *b;
	union xmm bbuf, r, ha, hb;
	struct fpst s;
	if (scalar) {
		bbuf.q[0] = xmm_src_low(c, i, w);
		b = &bbuf;
	} else {
		b = xmm_src_ptr(c, i, &bbuf, false);
	}
	fp_begin(c, &s, op != FP_MIN && op != FP_MAX && op != FP_CMP);
	/* The arithmetic forms as lane k = x[k] op y[k], op per even/odd lane. */
	unsigned op_even = op, op_odd = op;
	switch (op) {
	case FP_HADD:
	case FP_HSUB:
		/* Low half: pairs of the destination; high half: pairs of the source. */
		for (unsigned k = 0; k < lanes; k++) {
			const union xmm *v = k < lanes / 2 ? a : b;
			unsigned j = 2 * (k % (lanes / 2));
			lane_set(&ha, w, k, lane(v, w, j));
			lane_set(&hb, w, k, lane(v, w, j + 1));
		}
		a = &ha;
		b = &hb;
		op_even = op_odd = op == FP_HADD ? FP_ADD : FP_SUB;
		break;
	case FP_ADDSUB:
		op_even = FP_SUB;
		op_odd = FP_ADD;
		break;
	}
	/* Instantiated per format so the masks are constants. */
	bool arith = op_even <= FP_DIV;
	if (!arith || unlikely(!(w == 4 ? fast_arith(&F32, op_even, op_odd, a, b, &r, lanes)
					: fast_arith(&F64, op_even, op_odd, a, b, &r, lanes)))) {
		if (arith)
			host_take(); /* a failed fast attempt's flags */
		for (unsigned k = 0; k < lanes; k++)
			lane_set(&r, w, k, fp_lane(&s, f, k & 1 ? op_odd : op_even, (unsigned)i->imm,
						   lane(a, w, k), lane(b, w, k)));
	}
	fp_end(c, &s);
	lanes_store(&c->xmm[i->reg], &r, w, lanes);
}

/* The operation on host values when nothing but the result is wanted: no flags are read, so
 * the operands need not pass through volatile objects (host_arith) and stay in registers. */
static inline __attribute__((always_inline)) uint64_t plain_arith(unsigned op, unsigned w, uint64_t a, uint64_t b)
{
	if (w == 4) {
		float x = f32_of(a), y = f32_of(b);
		switch (op) {
		case FP_ADD: return bits_f32(x + y);
		case FP_SUB: return bits_f32(x - y);
		case FP_MUL: return bits_f32(x * y);
		case FP_DIV: return bits_f32(x / y);
		default: return bits_f32(sqrtf(y));
		}
	}
	double x = f64_of(a), y = f64_of(b);
	switch (op) {
	case FP_ADD: return bits_f64(x + y);
	case FP_SUB: return bits_f64(x - y);
	case FP_MUL: return bits_f64(x * y);
	case FP_DIV: return bits_f64(x / y);
	default: return bits_f64(sqrt(y));
	}
}

/* The common case of add/sub/mul/div/sqrt needs no access to the host's MXCSR at all: with
 * MXCSR.RC nearest (the rounding the host runs with between instructions) and PE already set and
 * masked, a result fast_arith accepts changes nothing in MXCSR. The square root of a positive
 * normal number is normal and can raise only PE. Instantiated per format, lane count and
 * operation so that all of them are constants; anything else takes sse_fp. The destination
 * is written whole at once (xmm_set_q). */
static inline __attribute__((always_inline)) bool
fast_lane(const struct ffmt *f, unsigned op, uint64_t x, uint64_t y, uint64_t *z)
{
	if (!fast_operand(f, y))
		return false;
	if (op == FP_SQRT) {
		if (y & f->sign)
			return false;
		*z = plain_arith(op, f->w, 0, y);
		return true;
	}
	if (!fast_operand(f, x) || (op == FP_DIV && f_zero(f, y)))
		return false;
	*z = plain_arith(op, f->w, x, y);
	return fast_result(f, op, x, y, *z);
}

/* Lanes in scalars, not an array: the compiler would otherwise assemble the stored register
 * from the array in memory, a failed store forward of its own. */
static inline __attribute__((always_inline)) bool
sse_fp_fast(struct cpu *c, const struct insn *i, const struct ffmt *f, unsigned lanes, unsigned op)
{
	union xmm *d = &c->xmm[i->reg];
	unsigned w = f->w;
	uint64_t z0, z1, z2, z3;
	if (lanes == 1) {
		if (!fast_lane(f, op, lane(d, w, 0), xmm_src_low(c, i, w), &z0))
			return false;
		if (w == 8)
			xmm_set_q(d, z0, d->q[1]);
		else
			xmm_set_q(d, (d->q[0] & ~0xffffffffull) | z0, d->q[1]);
		return true;
	}
	union xmm bbuf;
	const union xmm *b = xmm_src_ptr(c, i, &bbuf, false);
	if (!fast_lane(f, op, lane(d, w, 0), lane(b, w, 0), &z0) ||
	    !fast_lane(f, op, lane(d, w, 1), lane(b, w, 1), &z1))
		return false;
	if (lanes == 2) {
		xmm_set_q(d, z0, z1);
		return true;
	}
	if (!fast_lane(f, op, lane(d, w, 2), lane(b, w, 2), &z2) ||
	    !fast_lane(f, op, lane(d, w, 3), lane(b, w, 3), &z3))
		return false;
	xmm_set_q(d, z0 | z1 << 32, z2 | z3 << 32);
	return true;
}

/* MXCSR allows the fast path: RC nearest, PE set and masked. */
static inline bool fast_env(const struct cpu *c)
{
	const uint32_t env_mask = MX_PE | MX_PE << MX_MASK_SHIFT | 3u << MX_RC_SHIFT;
	return (c->mxcsr & env_mask) == (MX_PE | MX_PE << MX_MASK_SHIFT);
}

/* add/sub/mul/div/sqrt with the operation and the format as constants, chosen by the decoder
 * (sse_fp_specialize). When a lane leaves the fast path, the lanes the host computed before it
 * leave flags behind: sse_fp starts by clearing the host's flags (fp_begin). */
#define FP_FIXED(name, op, fmt, f, lanes)                                                    \
	static void sse_fp_##name##_##fmt(struct cpu *c, const struct insn *i)               \
	{                                                                                    \
		if (likely(fast_env(c) && sse_fp_fast(c, i, f, lanes, op)))                   \
			return;                                                              \
		sse_fp(c, i);                                                                \
	}
#define FP_FIXED_OP(name, op)                                                                \
	FP_FIXED(name, op, ps, &F32, 4) FP_FIXED(name, op, pd, &F64, 2)                      \
	FP_FIXED(name, op, ss, &F32, 1) FP_FIXED(name, op, sd, &F64, 1)
FP_FIXED_OP(add, FP_ADD)
FP_FIXED_OP(sub, FP_SUB)
FP_FIXED_OP(mul, FP_MUL)
FP_FIXED_OP(div, FP_DIV)
FP_FIXED_OP(sqrt, FP_SQRT)

#define FP_ROW(name, op) [op] = { sse_fp_##name##_ps, sse_fp_##name##_pd, sse_fp_##name##_ss, sse_fp_##name##_sd }

insn_fn *sse_fp_specialize(insn_fn *fn, const struct insn *i)
{
	/* [operation][format: PS PD SS SD] */
	static insn_fn *const fixed[FP_SQRT + 1][4] = {
		FP_ROW(add, FP_ADD), FP_ROW(sub, FP_SUB), FP_ROW(mul, FP_MUL), FP_ROW(div, FP_DIV),
		FP_ROW(sqrt, FP_SQRT),
	};
	unsigned op = i->param & 15;
	if (fn != sse_fp || op > FP_SQRT || !fixed[op][0])
		return fn;
	return fixed[op][(i->param >> 4) & 3];
}

/* comiss/ucomiss/comisd/ucomisd (param: W4/W8 | COMIS_SIGNALING for comis): ZF PF CF as
 * unordered 111, less 001, equal 100, greater 000; OF SF AF cleared. */
void sse_comis(struct cpu *c, const struct insn *i)
{
	const struct ffmt *f = (i->param & 0xf) == W8 ? &F64 : &F32;
	uint64_t a = lane(&c->xmm[i->reg], f->w, 0), b = xmm_src_low(c, i, f->w);
	struct fpst s;
	fp_begin(c, &s, false);
	int r = fp_compare(&s, f, i->param & COMIS_SIGNALING, a, b);
	fp_end(c, &s);
	static const uint64_t fl[4] = { FL_CF, FL_ZF, 0, FL_ZF | FL_PF | FL_CF };
	flags_set_arith(c, FL_ARITH, fl[r + 1]);
}

/* dpps / dppd (param W4/W8): products of the lanes selected by imm8[7:4] (else +0), summed
 * pairwise in the order the SDM's DP_primitive gives, stored to the lanes in imm8[3:0]. */
void sse_dp(struct cpu *c, const struct insn *i)
{
	const struct ffmt *f = i->param == W8 ? &F64 : &F32;
	unsigned w = f->w, lanes = 16 / w, imm = (unsigned)i->imm;
	union xmm a = c->xmm[i->reg], b, r;
	uint64_t t[4];
	struct fpst s;
	vec_src(c, i, &b, false);
	fp_begin(c, &s, true);
	for (unsigned k = 0; k < lanes; k++)
		t[k] = (imm >> (4 + k)) & 1 ? fp_arith(&s, f, FP_MUL, lane(&a, w, k), lane(&b, w, k)) : 0;
	fp_stage(c, &s);
	uint64_t sum = fp_arith(&s, f, FP_ADD, t[0], t[1]);
	if (lanes == 4) {
		uint64_t hi = fp_arith(&s, f, FP_ADD, t[2], t[3]);
		fp_stage(c, &s);
		sum = fp_arith(&s, f, FP_ADD, sum, hi);
	}
	fp_end(c, &s);
	for (unsigned k = 0; k < lanes; k++)
		lane_set(&r, w, k, (imm >> k) & 1 ? sum : 0);
	c->xmm[i->reg] = r;
}

/* ---- rounding to integers ---- */

/* |x| (binary64 bits, finite) rounded to an integer by mode (MXCSR.RC encoding; 3 truncates).
 * *big: the magnitude is 2^64 or more (already an integer). */
static uint64_t round_mag(uint64_t x, unsigned mode, bool *inexact, bool *big)
{
	bool neg = x >> 63;
	unsigned bexp = (unsigned)(x >> 52) & 0x7ff;
	uint64_t m = (x & F64.mant) | (bexp ? 1ull << 52 : 0);
	int e = (bexp ? (int)bexp : 1) - 1075; /* |x| = m * 2^e */
	*inexact = false;
	*big = false;
	if (e >= 0) {
		if (e > 11)
			*big = true;
		return e > 11 ? 0 : m << e;
	}
	unsigned sh = -e > 63 ? 63 : (unsigned)-e; /* m < 2^53: beyond 53 only "below half" matters */
	uint64_t q = m >> sh, rem = m & ((1ull << sh) - 1), half = 1ull << (sh - 1);
	*inexact = rem != 0;
	bool up;
	switch (mode) {
	case 0: up = rem > half || (rem == half && (q & 1)); break;
	case 1: up = neg && rem; break;
	case 2: up = !neg && rem; break;
	default: up = false; break;
	}
	return q + up;
}

static inline uint64_t to_f64_bits(const struct ffmt *f, uint64_t x)
{
	return f->w == 8 ? x : bits_f64((double)f32_of(x));
}

/* cvt(t)ss2si ... cvt(t)pd2dq: integer of out_w bytes; NaN, infinity and out-of-range give
 * the integer indefinite with IE. Conversions do not report DE (SDM Vol. 2, CVTSS2SI). */
static uint64_t fp_to_int(struct fpst *s, const struct ffmt *f, uint64_t x, unsigned out_w, bool trunc)
{
	uint64_t lim = out_w == 4 ? 1ull << 31 : 1ull << 63;
	if (f_nan(f, x) || f_inf(f, x)) {
		s->flags |= MX_IE;
		return lim;
	}
	if (f_denorm(f, x) && (s->mxcsr & MX_DAZ))
		x &= f->sign;
	uint64_t d = to_f64_bits(f, x);
	bool inexact, big, neg = d >> 63;
	uint64_t mag = round_mag(d, trunc ? 3 : (s->mxcsr >> MX_RC_SHIFT) & 3, &inexact, &big);
	if (big || mag > lim || (mag == lim && !neg)) {
		s->flags |= MX_IE;
		return lim;
	}
	if (inexact)
		s->flags |= MX_PE;
	return (neg ? 0 - mag : mag) & size_mask(out_w);
}

/* Signed integer of in_w bytes to the format (host conversion in MXCSR's rounding mode). */
static uint64_t int_to_fp(struct fpst *s, const struct ffmt *f, uint64_t v, unsigned in_w)
{
	volatile int64_t x = in_w == 4 ? (int64_t)(int32_t)v : (int64_t)v;
	uint64_t r;
	if (f->w == 4) {
		volatile float y = (float)x;
		r = bits_f32(y);
	} else {
		volatile double y = (double)x;
		r = bits_f64(y);
	}
	if (!pe_known(s)) /* only PE */
		s->flags |= host_take();
	return r;
}

/* Between single and double. NaNs keep sign and the top payload bits, quieted (IE for SNaN). */
static uint64_t fp_convert(struct fpst *s, const struct ffmt *from, uint64_t x)
{
	if (f_nan(from, x)) {
		if (f_snan(from, x))
			s->flags |= MX_IE;
		if (from->w == 4)
			return (x & F32.sign ? F64.sign : 0) | F64.exp | F64.quiet | (x & F32.mant) << 29;
		return (x >> 63 ? F32.sign : 0) | F32.exp | F32.quiet | ((x & F64.mant) >> 29);
	}
	x = fp_in(s, from, x);
	if (from->w == 4)
		return bits_f64((double)f32_of(x)); /* exact */
	volatile double d = f64_of(x);
	volatile float r = (float)d;
	uint64_t z = bits_f32(r);
	if (fast_operand(&F64, x) && fast_result(&F32, FP_MUL, x, 1, z)) {
		if (!pe_known(s))
			s->flags |= host_take();
		return z;
	}
	return fp_out(s, &F32, z, host_take(), FP_CVT, &F64, x, 0);
}

/* roundps/roundpd/roundss/roundsd (param FP_format): imm8[1:0] the rounding mode unless imm8[2]
 * (then MXCSR.RC), imm8[3] suppresses PE. SNaN -> QNaN with IE. */
static uint64_t fp_round(struct fpst *s, const struct ffmt *f, uint64_t x, unsigned imm)
{
	if (f_nan(f, x))
		return nan_result(s, f, x, x);
	if (f_denorm(f, x) && (s->mxcsr & MX_DAZ))
		x &= f->sign;
	if (f_inf(f, x))
		return x;
	unsigned mode = imm & 4 ? (s->mxcsr >> MX_RC_SHIFT) & 3 : imm & 3;
	bool inexact, big;
	uint64_t mag = round_mag(to_f64_bits(f, x), mode, &inexact, &big);
	if (!inexact)
		return x;
	if (!(imm & 8))
		s->flags |= MX_PE;
	/* An inexact input is below 2^52 (2^23), so the integer converts exactly. */
	uint64_t r = f->w == 4 ? bits_f32((float)mag) : bits_f64((double)mag);
	return r | (x & f->sign);
}

void sse_round(struct cpu *c, const struct insn *i)
{
	bool scalar = i->param & FP_SS;
	const struct ffmt *f = fmt_of(i->param);
	unsigned w = f->w, lanes = scalar ? 1 : 16 / w;
	union xmm b, r = c->xmm[i->reg];
	struct fpst s;
	fp_src(c, i, scalar, w, &b);
	fp_begin(c, &s, false);
	for (unsigned k = 0; k < lanes; k++)
		lane_set(&r, w, k, fp_round(&s, f, lane(&b, w, k), (unsigned)i->imm));
	fp_end(c, &s);
	lanes_store(&c->xmm[i->reg], &r, w, lanes);
}

/* ---- conversions between vectors ---- */

enum cv_src { CS_MM64, CS_X64, CS_X128, CS_X32 };     /* mm/m64, xmm/m64, xmm/m128, xmm/m32 */
enum cv_dst { CD_MM, CD_ZERO, CD_MERGE };             /* mm; xmm upper cleared; xmm merged */
enum cv_kind { CK_I2F, CK_F2I, CK_F2IT, CK_F2F };

static const struct cvt_desc {
	uint8_t src, dst, kind, lanes, in_w, out_w;
} cvt_descs[] = {
	[CV_PI2PS] = { CS_MM64, CD_MERGE, CK_I2F, 2, 4, 4 },
	[CV_PI2PD] = { CS_MM64, CD_ZERO, CK_I2F, 2, 4, 8 },
	[CV_PS2PI] = { CS_X64, CD_MM, CK_F2I, 2, 4, 4 },
	[CV_TPS2PI] = { CS_X64, CD_MM, CK_F2IT, 2, 4, 4 },
	[CV_PD2PI] = { CS_X128, CD_MM, CK_F2I, 2, 8, 4 },
	[CV_TPD2PI] = { CS_X128, CD_MM, CK_F2IT, 2, 8, 4 },
	[CV_DQ2PS] = { CS_X128, CD_ZERO, CK_I2F, 4, 4, 4 },
	[CV_PS2DQ] = { CS_X128, CD_ZERO, CK_F2I, 4, 4, 4 },
	[CV_TPS2DQ] = { CS_X128, CD_ZERO, CK_F2IT, 4, 4, 4 },
	[CV_DQ2PD] = { CS_X64, CD_ZERO, CK_I2F, 2, 4, 8 },
	[CV_PD2DQ] = { CS_X128, CD_ZERO, CK_F2I, 2, 8, 4 },
	[CV_TPD2DQ] = { CS_X128, CD_ZERO, CK_F2IT, 2, 8, 4 },
	[CV_PS2PD] = { CS_X64, CD_ZERO, CK_F2F, 2, 4, 8 },
	[CV_PD2PS] = { CS_X128, CD_ZERO, CK_F2F, 2, 8, 4 },
	[CV_SS2SD] = { CS_X32, CD_MERGE, CK_F2F, 1, 4, 8 },
	[CV_SD2SS] = { CS_X64, CD_MERGE, CK_F2F, 1, 8, 4 },
};

static uint64_t cvt_lane(struct fpst *s, const struct cvt_desc *d, uint64_t x)
{
	const struct ffmt *in = d->in_w == 8 ? &F64 : &F32, *out = d->out_w == 8 ? &F64 : &F32;
	switch (d->kind) {
	case CK_I2F:
		return int_to_fp(s, out, x, d->in_w);
	case CK_F2I:
	case CK_F2IT:
		return fp_to_int(s, in, x, d->out_w, d->kind == CK_F2IT);
	default:
		return fp_convert(s, in, x);
	}
}

/* cvtpi2ps ... cvtsd2ss (param CV_*). The MMX register forms enter MMX state; cvtpi2ps/pd from
 * memory do not (SDM Vol. 2, CVTPI2PS). */
void sse_cvt(struct cpu *c, const struct insn *i)
{
	const struct cvt_desc *d = &cvt_descs[i->param];
	union xmm src = {0}, r;
	if (d->dst == CD_MM || (d->src == CS_MM64 && !i->is_mem))
		mmx_check(c);
	switch (d->src) {
	case CS_MM64:
		if (i->is_mem) {
			src.q[0] = cpu_read(c, insn_ea(c, i), 8);
		} else {
			mmx_enter(c);
			src.q[0] = mm_get(c, i->rm);
		}
		break;
	case CS_X64:
		src.q[0] = xmm_src_low(c, i, 8);
		break;
	case CS_X32:
		src.q[0] = xmm_src_low(c, i, 4);
		break;
	default:
		if (i->is_mem) {
			uint64_t a = insn_ea(c, i);
			check_align16(c, a);
			xmm_load(c, a, &src);
		} else {
			src = c->xmm[i->rm];
		}
	}
	/* The x87 -> MMX transition happens even when the conversion then raises #XM. */
	if (d->dst == CD_MM)
		mmx_enter(c);
	r = d->dst == CD_MERGE ? c->xmm[i->reg] : (union xmm){0};
	struct fpst s;
	fp_begin(c, &s, d->kind != CK_F2I && d->kind != CK_F2IT);
	for (unsigned k = 0; k < d->lanes; k++)
		lane_set(&r, d->out_w, k, cvt_lane(&s, d, lane(&src, d->in_w, k)));
	fp_end(c, &s);
	if (d->dst == CD_MM)
		mm_set(c, i->reg, r.q[0]);
	else
		c->xmm[i->reg] = r;
}

/* cvtsi2ss / cvtsi2sd xmm, r/m32|64 (param CVS_SS/CVS_SD): the low lane only. */
void sse_cvt_si2f(struct cpu *c, const struct insn *i)
{
	const struct ffmt *f = i->param & CVS_SD ? &F64 : &F32;
	uint64_t v = rm_read(c, i, i->osz);
	union xmm r = c->xmm[i->reg];
	struct fpst s;
	fp_begin(c, &s, true);
	lane_set(&r, f->w, 0, int_to_fp(&s, f, v, i->osz));
	fp_end(c, &s);
	c->xmm[i->reg] = r;
}

/* cvt(t)ss2si / cvt(t)sd2si r32|64, xmm/m32|m64 (param CVS_SS/CVS_SD | CVS_TRUNC). */
void sse_cvt_f2si(struct cpu *c, const struct insn *i)
{
	const struct ffmt *f = i->param & CVS_SD ? &F64 : &F32;
	uint64_t x = xmm_src_low(c, i, f->w);
	struct fpst s;
	fp_begin(c, &s, false);
	uint64_t v = fp_to_int(&s, f, x, i->osz, i->param & CVS_TRUNC);
	fp_end(c, &s);
	reg_set(c, i, i->reg, i->osz, v);
}
