/* SSE4.2 string compares: pcmpestri, pcmpestrm, pcmpistri, pcmpistrm (SDM Vol. 2, 4.1).
 *
 * The first operand (ModRM.reg) is the "set" / "ranges" / "needle", the second (xmm/m128, no
 * alignment required) the string searched. imm8: [1:0] element format (unsigned bytes,
 * unsigned words, signed bytes, signed words), [3:2] aggregation, [5:4] polarity, [6] most
 * significant index / expanded mask. */
#include "cpu/sse.h"

enum { AGG_EQUAL_ANY, AGG_RANGES, AGG_EQUAL_EACH, AGG_EQUAL_ORDERED };

static inline int64_t elem(const union xmm *v, unsigned k, unsigned fmt)
{
	switch (fmt) {
	case 0: return v->b[k];
	case 1: return v->w[k];
	case 2: return (int8_t)v->b[k];
	default: return (int16_t)v->w[k];
	}
}

/* Implicit length: elements before the first zero element. */
static unsigned implicit_len(const union xmm *v, unsigned n, unsigned fmt)
{
	for (unsigned k = 0; k < n; k++)
		if (elem(v, k, fmt) == 0)
			return k;
	return n;
}

/* Explicit length from rAX / rDX: the absolute value, saturated to n. */
static unsigned explicit_len(const struct cpu *c, const struct insn *i, unsigned r, unsigned n)
{
	int64_t v = (i->pfx & PFX_REXW) ? (int64_t)c->r[r] : (int32_t)c->r[r];
	uint64_t a = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	return a > n ? n : (unsigned)a;
}

/* IntRes2: bit j for element j of the second operand. */
static unsigned str_compare(const union xmm *a, unsigned la, const union xmm *b, unsigned lb,
			    unsigned n, unsigned imm)
{
	unsigned fmt = imm & 3, res = 0;
	for (unsigned j = 0; j < n; j++) {
		bool r = false;
		switch ((imm >> 2) & 3) {
		case AGG_EQUAL_ANY:
			for (unsigned k = 0; k < la && j < lb && !r; k++)
				r = elem(a, k, fmt) == elem(b, j, fmt);
			break;
		case AGG_RANGES:
			for (unsigned k = 0; k + 1 < la && j < lb && !r; k += 2)
				r = elem(a, k, fmt) <= elem(b, j, fmt) && elem(b, j, fmt) <= elem(a, k + 1, fmt);
			break;
		case AGG_EQUAL_EACH:
			/* Both past their ends compare true, one past its end false. */
			if (j >= la || j >= lb)
				r = j >= la && j >= lb;
			else
				r = elem(a, j, fmt) == elem(b, j, fmt);
			break;
		default:
			/* The needle matches at j: every needle element up to its end equals the
			 * string's at j + k; the string ending first is a mismatch. */
			r = true;
			for (unsigned k = 0; k < la && j + k < n && r; k++)
				r = j + k < lb && elem(a, k, fmt) == elem(b, j + k, fmt);
			break;
		}
		res |= (unsigned)r << j;
	}
	unsigned all = (1u << n) - 1;
	switch ((imm >> 4) & 3) {
	case 1:
		return ~res & all;
	case 3:
		return res ^ ((1u << lb) - 1); /* negate only the string's valid elements */
	default:
		return res;
	}
}

void sse_pcmpstr(struct cpu *c, const struct insn *i)
{
	union xmm b;
	const union xmm *a = &c->xmm[i->reg];
	unsigned imm = (unsigned)i->imm, n = imm & 1 ? 8 : 16, la, lb;
	vec_src(c, i, &b, true);
	if (i->param & STR_EXPLICIT) {
		la = explicit_len(c, i, R_AX, n);
		lb = explicit_len(c, i, R_DX, n);
	} else {
		la = implicit_len(a, n, imm & 3);
		lb = implicit_len(&b, n, imm & 3);
	}
	unsigned res = str_compare(a, la, &b, lb, n, imm);
	if (i->param & STR_INDEX) {
		unsigned idx = n;
		if (res)
			idx = imm & 0x40 ? 31 - (unsigned)__builtin_clz(res) : (unsigned)__builtin_ctz(res);
		c->r[R_CX] = idx;
	} else {
		union xmm m = {0};
		if (imm & 0x40) {
			unsigned w = 16 / n;
			for (unsigned k = 0; k < n; k++)
				if ((res >> k) & 1)
					memset(&m.b[k * w], 0xff, w);
		} else {
			m.w[0] = (uint16_t)res;
		}
		c->xmm[0] = m;
	}
	flags_set_arith(c, FL_ARITH, (res ? FL_CF : 0) | (lb < n ? FL_ZF : 0) | (la < n ? FL_SF : 0) |
					     (res & 1 ? FL_OF : 0));
}
