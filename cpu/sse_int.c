/* Packed integer instructions (MMX, SSE2, SSSE3, SSE4.1, SSE4.2 pcmpgtq): one table of vector
 * operations over a byte length n (8 for the MMX forms, 16 for the XMM forms); the same rows'
 * handler serves both. */
#include "cpu/sse.h"

/* d and s never overlap (sse_pint copies a source that is the destination register), so the
 * compiler may vectorise the lane loops: with n a constant (the wrappers below) most become one
 * host SIMD instruction and, what matters more, one 16-byte store of the result, which later
 * whole-register loads can forward from. */
typedef void vec_op(union xmm *restrict d, const union xmm *restrict s, unsigned n);

/* The operation `name` for 8-byte (MMX) and 16-byte (XMM) vectors from an always-inlined
 * body name##_n(d, s, n). */
#define BY_WIDTH(name)                                                                   \
	static void name(union xmm *restrict d, const union xmm *restrict s, unsigned n) \
	{                                                                                \
		if (n == 16)                                                             \
			name##_n(d, s, 16);                                              \
		else                                                                     \
			name##_n(d, s, 8);                                               \
	}
#define INLINE static inline __attribute__((always_inline))

static inline int64_t sat(int64_t v, int64_t lo, int64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* Signed saturation to `bytes`-wide lanes, unsigned saturation likewise. */
#define SMIN(bytes) (-SMAX(bytes) - 1)
#define SMAX(bytes) (((int64_t)1 << ((bytes) * 8 - 1)) - 1)
#define UMAX(bytes) ((int64_t)((1ull << ((bytes) * 8)) - 1))

/* A lane-wise operation: `a` is the destination lane, `b` the source lane, u_t/s_t the lane's
 * unsigned/signed types. */
#define LANE_OP(name, U, S, F, expr)                                                        \
	INLINE void name##_n(union xmm *restrict d, const union xmm *restrict s, unsigned n) \
	{                                                                                   \
		typedef U u_t;                                                              \
		typedef S s_t __attribute__((unused));                                      \
		for (unsigned k = 0; k < n / sizeof(U); k++) {                              \
			u_t a = d->F[k], b = s->F[k];                                       \
			(void)a;                                                            \
			d->F[k] = (U)(expr);                                                \
		}                                                                           \
	}                                                                                   \
	BY_WIDTH(name)
#define LANE_OP8(name, expr) LANE_OP(name##8, uint8_t, int8_t, b, expr)
#define LANE_OP16(name, expr) LANE_OP(name##16, uint16_t, int16_t, w, expr)
#define LANE_OP32(name, expr) LANE_OP(name##32, uint32_t, int32_t, l, expr)
#define LANE_OP64(name, expr) LANE_OP(name##64, uint64_t, int64_t, q, expr)
#define LANE_OP_BWDQ(name, expr) LANE_OP8(name, expr) LANE_OP16(name, expr) \
	LANE_OP32(name, expr) LANE_OP64(name, expr)

#define ONES ((u_t)~(u_t)0)

LANE_OP_BWDQ(padd, a + b)
LANE_OP_BWDQ(psub, a - b)
LANE_OP_BWDQ(pcmpeq, a == b ? ONES : 0)
LANE_OP_BWDQ(pcmpgt, (s_t)a > (s_t)b ? ONES : 0)
LANE_OP64(pand, a & b)
LANE_OP64(pandn, ~a & b)
LANE_OP64(por, a | b)
LANE_OP64(pxor, a ^ b)
LANE_OP8(padds, sat((int64_t)(s_t)a + (s_t)b, SMIN(1), SMAX(1)))
LANE_OP16(padds, sat((int64_t)(s_t)a + (s_t)b, SMIN(2), SMAX(2)))
LANE_OP8(paddus, sat((int64_t)a + b, 0, UMAX(1)))
LANE_OP16(paddus, sat((int64_t)a + b, 0, UMAX(2)))
LANE_OP8(psubs, sat((int64_t)(s_t)a - (s_t)b, SMIN(1), SMAX(1)))
LANE_OP16(psubs, sat((int64_t)(s_t)a - (s_t)b, SMIN(2), SMAX(2)))
LANE_OP8(psubus, sat((int64_t)a - b, 0, UMAX(1)))
LANE_OP16(psubus, sat((int64_t)a - b, 0, UMAX(2)))
LANE_OP16(pmullw, (uint32_t)a * b)
LANE_OP16(pmulhw, (uint32_t)((int32_t)(s_t)a * (s_t)b) >> 16)
LANE_OP16(pmulhuw, ((uint32_t)a * b) >> 16)
LANE_OP32(pmulld, (uint64_t)a * b)
LANE_OP16(pmulhrsw, (uint32_t)((((int32_t)(s_t)a * (s_t)b) >> 14) + 1) >> 1)
LANE_OP8(pavg, ((unsigned)a + b + 1) >> 1)
LANE_OP16(pavg, ((unsigned)a + b + 1) >> 1)
LANE_OP8(pminu, a < b ? a : b)
LANE_OP16(pminu, a < b ? a : b)
LANE_OP32(pminu, a < b ? a : b)
LANE_OP8(pmaxu, a > b ? a : b)
LANE_OP16(pmaxu, a > b ? a : b)
LANE_OP32(pmaxu, a > b ? a : b)
LANE_OP8(pmins, (s_t)a < (s_t)b ? a : b)
LANE_OP16(pmins, (s_t)a < (s_t)b ? a : b)
LANE_OP32(pmins, (s_t)a < (s_t)b ? a : b)
LANE_OP8(pmaxs, (s_t)a > (s_t)b ? a : b)
LANE_OP16(pmaxs, (s_t)a > (s_t)b ? a : b)
LANE_OP32(pmaxs, (s_t)a > (s_t)b ? a : b)
LANE_OP8(pabs, (s_t)b < 0 ? -(s_t)b : b)
LANE_OP16(pabs, (s_t)b < 0 ? -(s_t)b : b)
LANE_OP32(pabs, (s_t)b < 0 ? 0u - b : b)
LANE_OP8(psign, (s_t)b < 0 ? -a : b ? a : 0)
LANE_OP16(psign, (s_t)b < 0 ? -a : b ? a : 0)
LANE_OP32(psign, (s_t)b < 0 ? 0u - a : b ? a : 0)

/* Even 32-bit lanes multiplied to 64 bits. */
INLINE void pmuludq_n(union xmm *restrict d, const union xmm *restrict s, unsigned n)
{
	for (unsigned k = 0; k < n / 8; k++)
		d->q[k] = (uint64_t)d->l[2 * k] * s->l[2 * k];
}
BY_WIDTH(pmuludq)

INLINE void pmuldq_n(union xmm *restrict d, const union xmm *restrict s, unsigned n)
{
	for (unsigned k = 0; k < n / 8; k++)
		d->q[k] = (uint64_t)((int64_t)(int32_t)d->l[2 * k] * (int32_t)s->l[2 * k]);
}
BY_WIDTH(pmuldq)

INLINE void pmaddwd_n(union xmm *restrict d, const union xmm *restrict s, unsigned n)
{
	union xmm r;
	for (unsigned k = 0; k < n / 4; k++) {
		int64_t lo = (int64_t)(int16_t)d->w[2 * k] * (int16_t)s->w[2 * k];
		int64_t hi = (int64_t)(int16_t)d->w[2 * k + 1] * (int16_t)s->w[2 * k + 1];
		r.l[k] = (uint32_t)(lo + hi); /* 0x8000^2 * 2 wraps to 0x80000000 as hardware does */
	}
	memcpy(d, &r, n);
}
BY_WIDTH(pmaddwd)

/* Unsigned bytes of the destination times signed bytes of the source, pairs summed with
 * signed saturation. */
INLINE void pmaddubsw_n(union xmm *restrict d, const union xmm *restrict s, unsigned n)
{
	union xmm r;
	for (unsigned k = 0; k < n / 2; k++) {
		int64_t v = (int64_t)d->b[2 * k] * (int8_t)s->b[2 * k] +
			    (int64_t)d->b[2 * k + 1] * (int8_t)s->b[2 * k + 1];
		r.w[k] = (uint16_t)sat(v, SMIN(2), SMAX(2));
	}
	memcpy(d, &r, n);
}
BY_WIDTH(pmaddubsw)

/* Sum of absolute byte differences per 8-byte group, in the group's low word. */
INLINE void psadbw_n(union xmm *restrict d, const union xmm *restrict s, unsigned n)
{
	for (unsigned g = 0; g < n / 8; g++) {
		unsigned sum = 0;
		for (unsigned k = 0; k < 8; k++) {
			int diff = d->b[8 * g + k] - s->b[8 * g + k];
			sum += (unsigned)(diff < 0 ? -diff : diff);
		}
		d->q[g] = sum;
	}
}
BY_WIDTH(psadbw)

/* Packs: destination lanes then source lanes, narrowed with saturation. */
INLINE void pack(union xmm *restrict d, const union xmm *restrict s, unsigned n, unsigned from,
		 bool sgn_out)
{
	union xmm r;
	unsigned lanes = n / from;
	int64_t lo = sgn_out ? SMIN(from / 2) : 0, hi = sgn_out ? SMAX(from / 2) : UMAX(from / 2);
	for (unsigned k = 0; k < 2 * lanes; k++) {
		const union xmm *v = k < lanes ? d : s;
		unsigned j = k % lanes;
		int64_t x = from == 2 ? (int16_t)v->w[j] : (int32_t)v->l[j];
		if (from == 2)
			r.b[k] = (uint8_t)sat(x, lo, hi);
		else
			r.w[k] = (uint16_t)sat(x, lo, hi);
	}
	memcpy(d, &r, n);
}

#define PACK(name, from, sgn_out)                                                            \
	INLINE void name##_n(union xmm *restrict d, const union xmm *restrict s, unsigned n) \
	{                                                                                    \
		pack(d, s, n, from, sgn_out);                                                \
	}                                                                                    \
	BY_WIDTH(name)
PACK(packsswb, 2, true)
PACK(packssdw, 4, true)
PACK(packuswb, 2, false)
PACK(packusdw, 4, false)

/* Interleave lanes of width w from the low (hi = false) or high half of both operands. */
INLINE void unpack(union xmm *restrict d, const union xmm *restrict s, unsigned n, unsigned w,
		   bool hi)
{
	union xmm r = {0}; /* (the MMX instance of the qword forms, never used, writes no lane) */
	unsigned half = n / 2, base = hi ? half : 0;
	if (w == 8 && n == 16) { /* unpcklpd/unpckhpd: no lane-wise copy to reload */
		xmm_set_q(d, d->q[base / 8], s->q[base / 8]);
		return;
	}
	for (unsigned k = 0; k < half / w; k++) {
		memcpy(&r.b[2 * k * w], &d->b[base + k * w], w);
		memcpy(&r.b[(2 * k + 1) * w], &s->b[base + k * w], w);
	}
	memcpy(d, &r, n);
}

#define UNPACK(name, w, hi)                                                                  \
	INLINE void name##_n(union xmm *restrict d, const union xmm *restrict s, unsigned n) \
	{                                                                                    \
		unpack(d, s, n, w, hi);                                                      \
	}                                                                                    \
	BY_WIDTH(name)
UNPACK(punpcklbw, 1, false)
UNPACK(punpcklwd, 2, false)
UNPACK(punpckldq, 4, false)
UNPACK(punpcklqdq, 8, false)
UNPACK(punpckhbw, 1, true)
UNPACK(punpckhwd, 2, true)
UNPACK(punpckhdq, 4, true)
UNPACK(punpckhqdq, 8, true)

/* Shifts by the count in the source's low quadword (or the immediate, put there by the
 * immediate forms). Logical shifts past the width give 0, arithmetic ones fill with the sign. */
enum shift_kind { SH_RL, SH_RA, SH_LL };

INLINE void pshift(union xmm *restrict d, uint64_t count, unsigned n, unsigned w, enum shift_kind kind)
{
	unsigned bits = w * 8;
	for (unsigned k = 0; k < n / w; k++) {
		uint64_t v = 0;
		memcpy(&v, &d->b[k * w], w);
		if (kind == SH_RA) {
			int64_t x = (int64_t)(v << (64 - bits)) >> (64 - bits);
			v = (uint64_t)(x >> (count >= bits ? bits - 1 : count));
		} else if (count >= bits) {
			v = 0;
		} else {
			v = kind == SH_RL ? v >> count : v << count;
		}
		memcpy(&d->b[k * w], &v, w);
	}
}

#define PSHIFT(name, w, kind)                                                                \
	INLINE void name##_n(union xmm *restrict d, const union xmm *restrict s, unsigned n) \
	{                                                                                    \
		pshift(d, s->q[0], n, w, kind);                                              \
	}                                                                                    \
	BY_WIDTH(name)
PSHIFT(psrlw, 2, SH_RL)
PSHIFT(psrld, 4, SH_RL)
PSHIFT(psrlq, 8, SH_RL)
PSHIFT(psraw, 2, SH_RA)
PSHIFT(psrad, 4, SH_RA)
PSHIFT(psllw, 2, SH_LL)
PSHIFT(pslld, 4, SH_LL)
PSHIFT(psllq, 8, SH_LL)

/* Whole-register byte shifts (XMM only). */
INLINE void psrldq_n(union xmm *restrict d, const union xmm *restrict s, unsigned n)
{
	union xmm r = {0};
	uint64_t cnt = s->q[0] > 16 ? 16 : s->q[0];
	memcpy(r.b, d->b + cnt, 16 - cnt);
	*d = r;
}
BY_WIDTH(psrldq)

INLINE void pslldq_n(union xmm *restrict d, const union xmm *restrict s, unsigned n)
{
	union xmm r = {0};
	uint64_t cnt = s->q[0] > 16 ? 16 : s->q[0];
	memcpy(r.b + cnt, d->b, 16 - cnt);
	*d = r;
}
BY_WIDTH(pslldq)

/* Index bits: 3 for MMX, 4 for XMM; bit 7 set zeroes the byte. */
INLINE void pshufb_n(union xmm *restrict d, const union xmm *restrict s, unsigned n)
{
	union xmm r;
	for (unsigned k = 0; k < n; k++)
		r.b[k] = s->b[k] & 0x80 ? 0 : d->b[s->b[k] & (n - 1)];
	memcpy(d, &r, n);
}
BY_WIDTH(pshufb)

/* Horizontal add/subtract of adjacent lane pairs: destination pairs fill the low half of the
 * result, source pairs the high half. */
INLINE void phorizontal(union xmm *restrict d, const union xmm *restrict s, unsigned n, unsigned w,
			bool sub,
			bool satur)
{
	union xmm r;
	unsigned pairs = n / w / 2;
	for (unsigned k = 0; k < 2 * pairs; k++) {
		const union xmm *v = k < pairs ? d : s;
		unsigned j = 2 * (k % pairs);
		int64_t a = w == 2 ? (int16_t)v->w[j] : (int32_t)v->l[j];
		int64_t b = w == 2 ? (int16_t)v->w[j + 1] : (int32_t)v->l[j + 1];
		int64_t x = sub ? a - b : a + b;
		if (satur)
			x = sat(x, SMIN(2), SMAX(2));
		if (w == 2)
			r.w[k] = (uint16_t)x;
		else
			r.l[k] = (uint32_t)x;
	}
	memcpy(d, &r, n);
}

#define PHORIZ(name, w, sub, satur)                                                          \
	INLINE void name##_n(union xmm *restrict d, const union xmm *restrict s, unsigned n) \
	{                                                                                    \
		phorizontal(d, s, n, w, sub, satur);                                         \
	}                                                                                    \
	BY_WIDTH(name)
PHORIZ(phaddw, 2, false, false)
PHORIZ(phaddd, 4, false, false)
PHORIZ(phaddsw, 2, false, true)
PHORIZ(phsubw, 2, true, false)
PHORIZ(phsubd, 4, true, false)
PHORIZ(phsubsw, 2, true, true)

static vec_op *const pint_ops[PI_COUNT] = {
	[PI_PADDB] = padd8, [PI_PADDW] = padd16, [PI_PADDD] = padd32, [PI_PADDQ] = padd64,
	[PI_PSUBB] = psub8, [PI_PSUBW] = psub16, [PI_PSUBD] = psub32, [PI_PSUBQ] = psub64,
	[PI_PADDSB] = padds8, [PI_PADDSW] = padds16, [PI_PADDUSB] = paddus8, [PI_PADDUSW] = paddus16,
	[PI_PSUBSB] = psubs8, [PI_PSUBSW] = psubs16, [PI_PSUBUSB] = psubus8, [PI_PSUBUSW] = psubus16,
	[PI_PMULLW] = pmullw16, [PI_PMULHW] = pmulhw16, [PI_PMULHUW] = pmulhuw16,
	[PI_PMULUDQ] = pmuludq, [PI_PMADDWD] = pmaddwd, [PI_PSADBW] = psadbw,
	[PI_PAVGB] = pavg8, [PI_PAVGW] = pavg16,
	[PI_PMINUB] = pminu8, [PI_PMINSW] = pmins16, [PI_PMAXUB] = pmaxu8, [PI_PMAXSW] = pmaxs16,
	[PI_PAND] = pand64, [PI_PANDN] = pandn64, [PI_POR] = por64, [PI_PXOR] = pxor64,
	[PI_PCMPEQB] = pcmpeq8, [PI_PCMPEQW] = pcmpeq16, [PI_PCMPEQD] = pcmpeq32, [PI_PCMPEQQ] = pcmpeq64,
	[PI_PCMPGTB] = pcmpgt8, [PI_PCMPGTW] = pcmpgt16, [PI_PCMPGTD] = pcmpgt32, [PI_PCMPGTQ] = pcmpgt64,
	[PI_PACKSSWB] = packsswb, [PI_PACKSSDW] = packssdw, [PI_PACKUSWB] = packuswb,
	[PI_PACKUSDW] = packusdw,
	[PI_PUNPCKLBW] = punpcklbw, [PI_PUNPCKLWD] = punpcklwd, [PI_PUNPCKLDQ] = punpckldq,
	[PI_PUNPCKLQDQ] = punpcklqdq, [PI_PUNPCKHBW] = punpckhbw, [PI_PUNPCKHWD] = punpckhwd,
	[PI_PUNPCKHDQ] = punpckhdq, [PI_PUNPCKHQDQ] = punpckhqdq,
	[PI_PSRLW] = psrlw, [PI_PSRLD] = psrld, [PI_PSRLQ] = psrlq, [PI_PSRAW] = psraw,
	[PI_PSRAD] = psrad, [PI_PSLLW] = psllw, [PI_PSLLD] = pslld, [PI_PSLLQ] = psllq,
	[PI_PSRLDQ] = psrldq, [PI_PSLLDQ] = pslldq,
	[PI_PSHUFB] = pshufb, [PI_PHADDW] = phaddw, [PI_PHADDD] = phaddd, [PI_PHADDSW] = phaddsw,
	[PI_PHSUBW] = phsubw, [PI_PHSUBD] = phsubd, [PI_PHSUBSW] = phsubsw,
	[PI_PMADDUBSW] = pmaddubsw, [PI_PSIGNB] = psign8, [PI_PSIGNW] = psign16,
	[PI_PSIGND] = psign32, [PI_PMULHRSW] = pmulhrsw16,
	[PI_PABSB] = pabs8, [PI_PABSW] = pabs16, [PI_PABSD] = pabs32,
	[PI_PMULDQ] = pmuldq, [PI_PMULLD] = pmulld32,
	[PI_PMINSB] = pmins8, [PI_PMINSD] = pmins32, [PI_PMINUW] = pminu16, [PI_PMINUD] = pminu32,
	[PI_PMAXSB] = pmaxs8, [PI_PMAXSD] = pmaxs32, [PI_PMAXUW] = pmaxu16, [PI_PMAXUD] = pmaxu32,
};

/* reg = reg OP r/m (m128 aligned for the XMM forms). */
void sse_pint(struct cpu *c, const struct insn *i)
{
	union xmm buf;
	if (is_mmx(i)) {
		union xmm d;
		vec_src(c, i, &buf, false);
		vec_reg(c, i, &d);
		pint_ops[i->param](&d, &buf, 8);
		mm_set(c, i->reg, d.q[0]);
	} else {
		/* In place (nothing can fault any more); a source that is the destination
		 * register is copied, as the operations require. */
		const union xmm *s = xmm_src_ptr(c, i, &buf, false);
		if (s == &c->xmm[i->reg]) {
			buf = *s;
			s = &buf;
		}
		pint_ops[i->param](&c->xmm[i->reg], s, 16);
	}
}

/* The MMX punpckl* forms read only 32 bits of memory (SDM Vol. 2, PUNPCKLBW mm, mm/m32). */
void sse_pint_m32(struct cpu *c, const struct insn *i)
{
	union xmm d, s = {0};
	mmx_check(c);
	if (i->is_mem)
		s.q[0] = cpu_read(c, insn_ea(c, i), 4);
	else
		s.q[0] = mm_get(c, i->rm);
	vec_reg(c, i, &d);
	pint_ops[i->param](&d, &s, 8);
	vec_set(c, i, i->reg, &d);
}

/* Shift groups 0F 71/72/73 /digit ib: the register operand is ModRM.rm. */
void sse_pshift_imm(struct cpu *c, const struct insn *i)
{
	const union xmm s = { .q = { i->imm & 0xff, 0 } };
	if (is_mmx(i)) {
		union xmm d;
		mmx_check(c);
		d.q[0] = mm_get(c, i->rm);
		pint_ops[i->param](&d, &s, 8);
		mm_set(c, i->rm, d.q[0]);
	} else {
		pint_ops[i->param](&c->xmm[i->rm], &s, 16);
	}
}

/* pshufd / pshufhw / pshuflw (XMM) and pshufw (MMX): 2-bit selectors from imm8. */
void sse_pshuf(struct cpu *c, const struct insn *i)
{
	union xmm s, r;
	unsigned imm = (unsigned)i->imm;
	vec_src(c, i, &s, false);
	r = s;
	switch (i->param) {
	case SHUF_PSHUFD:
		for (unsigned k = 0; k < 4; k++)
			r.l[k] = s.l[(imm >> (2 * k)) & 3];
		break;
	case SHUF_PSHUFHW:
	case SHUF_PSHUFLW:
	case SHUF_PSHUFW: {
		unsigned base = i->param == SHUF_PSHUFHW ? 4 : 0;
		for (unsigned k = 0; k < 4; k++)
			r.w[base + k] = s.w[base + ((imm >> (2 * k)) & 3)];
		break;
	}
	}
	vec_set(c, i, i->reg, &r);
}

/* palignr: the concatenation dest:src shifted right by imm8 bytes (zeros beyond). */
void sse_palignr(struct cpu *c, const struct insn *i)
{
	union xmm d, s;
	uint8_t cat[64] = {0};
	unsigned n = i->osz, sh = (unsigned)i->imm & 0xff;
	vec_src(c, i, &s, false);
	vec_reg(c, i, &d);
	memcpy(cat, s.b, n);
	memcpy(cat + n, d.b, n);
	memset(&d, 0, sizeof d);
	if (sh < 2 * n)
		memcpy(d.b, cat + sh, n);
	vec_set(c, i, i->reg, &d);
}

/* pmovsx / pmovzx: the low lanes of xmm/m16/m32/m64 widened (param: PMX()). */
void sse_pmovx(struct cpu *c, const struct insn *i)
{
	unsigned from = i->param & 7, to = (i->param >> 3) & 15, lanes = 16 / to;
	bool sgn = i->param & 0x80;
	uint64_t src = xmm_src_low(c, i, from * lanes);
	union xmm r;
	for (unsigned k = 0; k < lanes; k++) {
		uint64_t v = (src >> (k * from * 8)) & size_mask(from);
		if (sgn)
			v = (uint64_t)((int64_t)(v << (64 - from * 8)) >> (64 - from * 8));
		memcpy(&r.b[k * to], &v, to);
	}
	c->xmm[i->reg] = r;
}

/* ptest: ZF = (dest AND src) == 0, CF = (NOT dest AND src) == 0; other flags cleared. */
void sse_ptest(struct cpu *c, const struct insn *i)
{
	union xmm s;
	const union xmm *d = &c->xmm[i->reg];
	vec_src(c, i, &s, false);
	bool zf = !((d->q[0] & s.q[0]) | (d->q[1] & s.q[1]));
	bool cf = !((~d->q[0] & s.q[0]) | (~d->q[1] & s.q[1]));
	flags_set_arith(c, FL_ARITH, (zf ? FL_ZF : 0) | (cf ? FL_CF : 0));
}

/* Blends: a lane takes the source when its selector bit is set. Variable forms (pblendvb,
 * blendvps, blendvpd) use the top bit of the matching XMM0 lane, the immediate forms imm8 bits. */
static void blend(struct cpu *c, const struct insn *i, unsigned w, bool variable)
{
	union xmm s, d = c->xmm[i->reg];
	vec_src(c, i, &s, false);
	for (unsigned k = 0; k < 16 / w; k++) {
		bool sel = variable ? c->xmm[0].b[k * w + w - 1] >> 7 : (i->imm >> k) & 1;
		if (sel)
			memcpy(&d.b[k * w], &s.b[k * w], w);
	}
	c->xmm[i->reg] = d;
}

void sse_blendv(struct cpu *c, const struct insn *i)
{
	blend(c, i, i->param, true);
}

void sse_blend(struct cpu *c, const struct insn *i)
{
	blend(c, i, i->param, false);
}

/* Sign bit of each lane of width param into a general register, zero-extended (pmovmskb,
 * movmskps, movmskpd). */
void sse_movmsk(struct cpu *c, const struct insn *i)
{
	union xmm mm;
	const union xmm *s = &c->xmm[i->rm];
	unsigned w = i->param, n = is_mmx(i) ? 8 : 16;
	uint64_t m = 0;
	if (is_mmx(i)) {
		mmx_check(c);
		mmx_enter(c);
		mm.q[0] = mm_get(c, i->rm);
		s = &mm;
	}
	if (w == 1) {
		/* The eight top bits of a quadword gathered by one multiplication. */
		for (unsigned k = 0; k < n / 8; k++)
			m |= ((s->q[k] & 0x8080808080808080ull) * 0x0002040810204081ull) >> 56 << (8 * k);
	} else {
		for (unsigned k = 0; k < n / w; k++)
			m |= (uint64_t)(s->b[k * w + w - 1] >> 7) << k;
	}
	c->r[i->reg] = m;
}

/* pinsrb/w/d/q (66 0F 3A 20/22, 0F C4) and the MMX pinsrw (param PINSR_MMX | W2): lane imm8 of
 * the ModRM.reg register from r32/r64/mem. param 0: dword or qword by REX.W (the row's OS_DQ). */
void sse_pinsr(struct cpu *c, const struct insn *i)
{
	bool mmx = i->param & PINSR_MMX;
	unsigned w = i->param & 0xf ? i->param & 0xf : i->osz, n = mmx ? 8 : 16;
	if (mmx)
		mmx_check(c);
	uint64_t v = i->is_mem ? cpu_read(c, insn_ea(c, i), w) : c->r[i->rm] & size_mask(w);
	unsigned off = (unsigned)(i->imm % (n / w)) * w;
	if (mmx) {
		uint64_t m = mm_get(c, i->reg) & ~(size_mask(w) << (off * 8));
		mm_set(c, i->reg, m | v << (off * 8));
	} else {
		memcpy(&c->xmm[i->reg].b[off], &v, w);
	}
}

/* pextrw r32, mm/xmm (0F C5): lane imm8 of the ModRM.rm register into ModRM.reg. */
void sse_pextrw_reg(struct cpu *c, const struct insn *i)
{
	unsigned lanes = is_mmx(i) ? 4 : 8;
	uint16_t v;
	if (is_mmx(i)) {
		mmx_check(c);
		mmx_enter(c);
		v = (uint16_t)(mm_get(c, i->rm) >> (16 * (i->imm % lanes)));
	} else {
		v = c->xmm[i->rm].w[i->imm % lanes];
	}
	c->r[i->reg] = v;
}

/* pextrb/w/d/q and extractps (66 0F 3A 14-17): lane imm8 of ModRM.reg into r/m; a register
 * destination is zero-extended to 32 or 64 bits. param 0: dword or qword by REX.W. */
void sse_pextr(struct cpu *c, const struct insn *i)
{
	unsigned w = i->param ? i->param : i->osz;
	uint64_t v = 0;
	memcpy(&v, &c->xmm[i->reg].b[(i->imm % (16 / w)) * w], w);
	if (i->is_mem)
		cpu_write(c, insn_ea(c, i), w, v);
	else
		c->r[i->rm] = v;
}

/* phminposuw: minimum unsigned word and its index (lowest index on ties). */
void sse_phminposuw(struct cpu *c, const struct insn *i)
{
	union xmm s, r = {0};
	unsigned best = 0;
	vec_src(c, i, &s, false);
	for (unsigned k = 1; k < 8; k++)
		if (s.w[k] < s.w[best])
			best = k;
	r.w[0] = s.w[best];
	r.w[1] = (uint16_t)best;
	c->xmm[i->reg] = r;
}

/* mpsadbw: eight sums of absolute differences of 4-byte groups; imm8[2] picks the destination
 * window offset (0/4), imm8[1:0] the source group. */
void sse_mpsadbw(struct cpu *c, const struct insn *i)
{
	union xmm s, r;
	const union xmm *d = &c->xmm[i->reg];
	unsigned doff = (i->imm & 4) ? 4 : 0, soff = (i->imm & 3) * 4;
	vec_src(c, i, &s, false);
	for (unsigned k = 0; k < 8; k++) {
		unsigned sum = 0;
		for (unsigned j = 0; j < 4; j++) {
			int diff = d->b[doff + k + j] - s.b[soff + j];
			sum += (unsigned)(diff < 0 ? -diff : diff);
		}
		r.w[k] = (uint16_t)sum;
	}
	c->xmm[i->reg] = r;
}

/* maskmovq / maskmovdqu: bytes of reg whose rm byte has its top bit set are stored at
 * DS:[rDI] (address size wrap). All selected bytes are checked writable first. */
void sse_maskmov(struct cpu *c, const struct insn *i)
{
	union xmm d, m;
	unsigned n = i->osz;
	vec_reg(c, i, &d);
	if (is_mmx(i)) {
		mmx_enter(c);
		m.q[0] = mm_get(c, i->rm);
	} else {
		m = c->xmm[i->rm];
	}
	uint64_t addr = c->r[R_DI] & size_mask(i->asz);
	if (i->seg != SEG_NONE) {
		addr += c->seg_base[i->seg];
		if (c->mode == CPU_MODE_32)
			addr &= 0xffffffffull;
	}
	/* Only the span from the first to the last selected byte is touched; a read-merge-write
	 * of it keeps the store precise (an unselected byte inside is written back unchanged). */
	unsigned first = n, last = 0;
	for (unsigned k = 0; k < n; k++) {
		if (m.b[k] & 0x80) {
			if (first == n)
				first = k;
			last = k;
		}
	}
	if (first == n)
		return;
	union xmm old;
	uint64_t a = (addr + first) & (c->mode == CPU_MODE_32 ? 0xffffffffull : ~0ull);
	cpu_read_bytes(c, a, &old.b[first], last - first + 1);
	for (unsigned k = first; k <= last; k++)
		if (m.b[k] & 0x80)
			old.b[k] = d.b[k];
	cpu_write_bytes(c, a, &old.b[first], last - first + 1);
}

/* pclmulqdq: carry-less product of the quadwords imm8[0] (dest) and imm8[4] (source). */
void sse_pclmulqdq(struct cpu *c, const struct insn *i)
{
	union xmm s, r = {0};
	vec_src(c, i, &s, false);
	uint64_t a = c->xmm[i->reg].q[i->imm & 1], b = s.q[(i->imm >> 4) & 1];
	for (unsigned k = 0; k < 64; k++) {
		if ((b >> k) & 1) {
			r.q[0] ^= a << k;
			if (k)
				r.q[1] ^= a >> (64 - k);
		}
	}
	c->xmm[i->reg] = r;
}
