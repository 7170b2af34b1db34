/* Test case synthesis: an encoding of one opcode row (prefixes, REX/VEX, ModRM/SIB forms,
 * immediates) and a random initial state whose memory operand, stack and string pointers land
 * in the data buffer. Every encoding is checked against Zydis (must decode, same length) and
 * against ntemu's decoder (must select the same row). */
#include <string.h>

#include <Zydis/Zydis.h>

#include "tests/diff/diff.h"
#include "tests/zydis_known.h"

static ZydisDecoder zdec, zdec32;
static bool gs_base_zero;

void gen_init(bool gs_zero)
{
	ZydisDecoderInit(&zdec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
	ZydisDecoderInit(&zdec32, ZYDIS_MACHINE_MODE_LONG_COMPAT_32, ZYDIS_STACK_WIDTH_32);
	gs_base_zero = gs_zero;
}

/* Instructions whose operands are implied registers pointing at memory. */
enum implicit {
	IMP_STACK = 1 << 0,  /* rsp */
	IMP_STRING = 1 << 1, /* rsi, rdi, rcx small */
	IMP_XLAT = 1 << 2,   /* rbx */
	IMP_FRAME = 1 << 3,  /* rbp */
	IMP_DI = 1 << 4,     /* rdi (masked moves) */
	IMP_REL = 1 << 5,    /* relative branch: target = next + 1 */
	IMP_IND = 1 << 6,    /* indirect branch through r/m: operand = next + 1 */
	IMP_RET = 1 << 7,    /* ret: [rsp] = next + 1 */
	IMP_POPF = 1 << 8,   /* popf: keep TF and AC clear in the popped image */
};

static const struct { const char *name; unsigned imp; } implicit_table[] = {
	{"push", IMP_STACK}, {"pop", IMP_STACK}, {"pushf", IMP_STACK}, {"pushfq", IMP_STACK},
	{"popf", IMP_STACK | IMP_POPF}, {"popfq", IMP_STACK | IMP_POPF},
	{"enter", IMP_STACK | IMP_FRAME}, {"leave", IMP_STACK | IMP_FRAME},
	{"call", IMP_STACK}, {"ret", IMP_STACK | IMP_RET},
	{"movsb", IMP_STRING}, {"movsw", IMP_STRING}, {"movsd", IMP_STRING}, {"movsq", IMP_STRING},
	{"cmpsb", IMP_STRING}, {"cmpsw", IMP_STRING}, {"cmpsd", IMP_STRING}, {"cmpsq", IMP_STRING},
	{"stosb", IMP_STRING}, {"stosw", IMP_STRING}, {"stosd", IMP_STRING}, {"stosq", IMP_STRING},
	{"lodsb", IMP_STRING}, {"lodsw", IMP_STRING}, {"lodsd", IMP_STRING}, {"lodsq", IMP_STRING},
	{"scasb", IMP_STRING}, {"scasw", IMP_STRING}, {"scasd", IMP_STRING}, {"scasq", IMP_STRING},
	{"xlat", IMP_XLAT},
	{"maskmovq", IMP_DI}, {"maskmovdqu", IMP_DI}, {"vmaskmovdqu", IMP_DI},
};

static unsigned implicit_of(unsigned row)
{
	const struct opcode_row *r = &opcode_rows[row];
	unsigned imp = 0;
	for (size_t k = 0; k < sizeof implicit_table / sizeof implicit_table[0]; k++)
		if (!strcmp(r->mnemonic, implicit_table[k].name))
			imp |= implicit_table[k].imp;
	if (r->imm == I_JB || r->imm == I_JZ)
		imp |= IMP_REL;
	else if ((r->flags & F_END) && (!strcmp(r->mnemonic, "jmp") || !strcmp(r->mnemonic, "call")))
		imp |= IMP_IND;
	/* SSE movsd/cmpsd (mandatory prefix rows) share their names with the string forms */
	if ((imp & IMP_STRING) && r->pfx != P_ANY)
		imp &= ~IMP_STRING;
	return imp;
}

static bool is_branch(unsigned imp)
{
	return imp & (IMP_REL | IMP_IND | IMP_RET);
}

/* Rows ending a block are control transfers or traps; only the near branches the stub can land
 * are run. The rest are listed with their reason. */
bool gen_row_supported(unsigned row, bool compat, const char **why)
{
	const struct opcode_row *r = &opcode_rows[row];
	const char *ex = excluded_row(row);
	if (ex) {
		*why = ex;
		return false;
	}
	if ((r->flags & F_I64) && !compat) {
		*why = "compatibility-mode only, and this host cannot run compatibility mode (golden-state tests)";
		return false;
	}
	unsigned imp = implicit_of(row);
	if ((r->flags & F_END) && !is_branch(imp) && !(imp & IMP_POPF) && !fault_row(row)) {
		*why = "ends a block with a trap or mode effect (golden-state tests)";
		return false;
	}
	return true;
}

/* ---- random values with a bias towards edge cases ---- */

static uint64_t rnd_int(struct rng *g)
{
	static const uint64_t edges[] = {
		0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000,
		0xffffffff, 0x7fffffffffffffffull, 0x8000000000000000ull, ~0ull, ~1ull,
	};
	switch (rng_below(g, 8)) {
	case 0:
		return edges[rng_below(g, sizeof edges / sizeof edges[0])];
	case 1:
		return rng_next(g) & 0xff;
	case 2:
		return (uint64_t)(int64_t)(int8_t)rng_next(g);
	case 3:
		return rng_next(g) & 0xffffffff;
	default:
		return rng_next(g);
	}
}

static uint32_t rnd_f32(struct rng *g)
{
	static const uint32_t edges[] = {
		0x00000000, 0x80000000, 0x3f800000, 0xbf800000, 0x7f800000, 0xff800000, 0x7fc00000,
		0xffc00000, 0x7f800001, 0x7fa00000, 0x00000001, 0x007fffff, 0x00800000, 0x7f7fffff,
		0x4f000000, 0xcf000000, 0x5f000000, 0x3f000000, 0x3fc00000, 0x40490fdb,
	};
	switch (rng_below(g, 4)) {
	case 0:
		return edges[rng_below(g, sizeof edges / sizeof edges[0])];
	case 1: { /* moderate magnitude, exactly representable small integers and halves */
		float f = (float)((int)rng_below(g, 2001) - 1000) / (float)(1u << rng_below(g, 4));
		uint32_t v;
		memcpy(&v, &f, 4);
		return v;
	}
	case 2: /* exponent near 1.0 with random mantissa */
		return (uint32_t)(rng_next(g) & 0x807fffff) | (uint32_t)(0x3c000000 + (rng_below(g, 64) << 23));
	default:
		return (uint32_t)rng_next(g);
	}
}

static uint64_t rnd_f64(struct rng *g)
{
	static const uint64_t edges[] = {
		0, 0x8000000000000000ull, 0x3ff0000000000000ull, 0xbff0000000000000ull,
		0x7ff0000000000000ull, 0xfff0000000000000ull, 0x7ff8000000000000ull,
		0xfff8000000000000ull, 0x7ff0000000000001ull, 0x7ff4000000000000ull, 1,
		0x000fffffffffffffull, 0x0010000000000000ull, 0x7fefffffffffffffull,
		0x43e0000000000000ull, 0xc3e0000000000000ull, 0x41e0000000000000ull,
		0xc1e0000000000000ull, 0x3fe0000000000000ull, 0x400921fb54442d18ull,
	};
	switch (rng_below(g, 4)) {
	case 0:
		return edges[rng_below(g, sizeof edges / sizeof edges[0])];
	case 1: {
		double d = (double)((int)rng_below(g, 2000001) - 1000000) / (double)(1u << rng_below(g, 4));
		uint64_t v;
		memcpy(&v, &d, 8);
		return v;
	}
	case 2:
		return (rng_next(g) & 0x800fffffffffffffull) | ((0x3c0ull + rng_below(g, 128)) << 52);
	default:
		return rng_next(g);
	}
}

/* x87 register contents: normals, integers, zeros, infinities, NaNs, denormals, unnormals. */
static void rnd_f80(struct rng *g, uint8_t *slot)
{
	uint64_t mant;
	uint16_t se;
	unsigned sign = rng_below(g, 2) << 15;
	switch (rng_below(g, 8)) {
	case 0:
		mant = 0, se = 0;
		break;
	case 1:
		mant = 1ull << 63, se = 0x7fff;
		break;
	case 2:
		mant = (3ull << 62) | (rng_next(g) >> 2), se = 0x7fff;
		break;
	case 3:
		mant = rng_next(g) >> 1, se = 0;
		break;
	case 4: { /* small integer */
		uint64_t v = rng_below(g, 100000) + 1;
		int e = 63;
		while (!(v >> e))
			e--;
		mant = v << (63 - e), se = (uint16_t)(0x3fff + e);
		break;
	}
	case 5: /* unnormal: exponent without the integer bit */
		mant = rng_next(g) >> 1, se = (uint16_t)(1 + rng_below(g, 0x7ffe));
		break;
	default:
		mant = rng_next(g) | (1ull << 63), se = (uint16_t)(0x3fff - 64 + rng_below(g, 128));
	}
	se |= (uint16_t)sign;
	memcpy(slot, &mant, 8);
	memcpy(slot + 8, &se, 2);
	memset(slot + 10, 0, 6);
}

static void rnd_state(struct rng *g, struct xstate *s)
{
	for (int n = 0; n < 16; n++)
		s->r[n] = rnd_int(g);
	s->rflags = 0x202 | (rng_next(g) & (FL_ARITH | FL_DF));

	uint8_t *fx = s->fx;
	memset(fx, 0, 512);
	/* all x87 exceptions masked, random precision and rounding control (PC 01 is reserved) */
	static const uint16_t pc[] = {0x000, 0x200, 0x300};
	uint16_t fcw = (uint16_t)(0x7f | pc[rng_below(g, 3)] | (rng_below(g, 4) << 10));
	uint16_t fsw = (uint16_t)((rng_next(g) & 0x473f) | (rng_below(g, 8) << 11));
	fsw &= (uint16_t)~0x80; /* ES: no exception pending */
	memcpy(fx + FX_FCW, &fcw, 2);
	memcpy(fx + FX_FSW, &fsw, 2);
	fx[FX_FTW] = (uint8_t)(rng_below(g, 3) ? rng_next(g) : rng_below(g, 2) ? 0xff : 0);
	/* all SIMD exceptions masked, random flags, rounding, DAZ and FTZ */
	uint32_t mxcsr = 0x1f80 | (uint32_t)(rng_next(g) & 0x3f);
	mxcsr |= (uint32_t)rng_below(g, 4) << 13;
	if (!rng_below(g, 4))
		mxcsr |= 0x8000;
	if (!rng_below(g, 4))
		mxcsr |= 0x40;
	if (!rng_below(g, 8)) /* unmask some SIMD exceptions: #XM must come exactly when it should */
		mxcsr &= ~(uint32_t)((rng_next(g) & 0x3f) << 7);
	memcpy(fx + FX_MXCSR, &mxcsr, 4);
	for (int k = 0; k < 8; k++)
		rnd_f80(g, fx + FX_ST + 16 * k);
	for (int x = 0; x < 16; x++) {
		uint8_t *p = fx + FX_XMM + 16 * x;
		switch (rng_below(g, 3)) {
		case 0:
			for (int l = 0; l < 4; l++) {
				uint32_t v = rnd_f32(g);
				memcpy(p + 4 * l, &v, 4);
			}
			break;
		case 1:
			for (int l = 0; l < 2; l++) {
				uint64_t v = rnd_f64(g);
				memcpy(p + 8 * l, &v, 8);
			}
			break;
		default:
			for (int l = 0; l < 2; l++) {
				uint64_t v = rnd_int(g);
				memcpy(p + 8 * l, &v, 8);
			}
		}
	}
}

/* ---- encoding ---- */

struct enc {
	/* chosen fields */
	bool rex, w, r, x, b;
	bool p66, lock, a32;
	bool mode32;       /* compatibility mode: no REX, 32-bit addressing without 67 */
	uint8_t rep;       /* 0, 0xf3, 0xf2 */
	uint8_t seg;       /* 0 or an ignored segment prefix (2e 3e 26 36) */
	uint8_t opcode;
	bool has_modrm;
	uint8_t mod, regf, rmf;
	bool has_sib;
	uint8_t sib;
	unsigned disp_len;
	uint32_t disp;
	bool riprel;
	int base, index;   /* -1 if none (full register numbers) */
	unsigned scale;
	/* VEX */
	uint8_t vvvv, l;
	bool vex2;         /* prefer the two-byte C5 form */
};

static unsigned put_imm(uint8_t *p, uint64_t v, unsigned n)
{
	memcpy(p, &v, n);
	return n;
}

/* Immediate size of the row's kind at operand size osz and address size asz. */
static unsigned imm_len(const struct opcode_row *r, unsigned osz, unsigned asz)
{
	switch (r->imm) {
	case I_B: case I_BS: case I_JB: return 1;
	case I_W: return 2;
	case I_Z: return osz == 2 ? 2 : 4;
	case I_V: return osz;
	case I_JZ: return 4;
	case I_MOFFS: return asz;
	case I_WB: return 3;
	default: return 0;
	}
}

/* Operand size implied by the prefixes (what the decoder should pick). */
static unsigned osz_of(const struct opcode_row *r, const struct enc *e, bool vex)
{
	switch (r->flags & OS_MASK) {
	case OS_B: return 1;
	case OS_W: return 2;
	case OS_D: return 4;
	case OS_Q: return 8;
	case OS_X: return 16;
	case OS_DQ: return e->w && !e->mode32 ? 8 : 4;
	case OS_F64: return e->mode32 ? (e->p66 ? 2 : 4) : 8;
	case OS_D64: return e->p66 ? 2 : e->mode32 ? 4 : 8;
	default:
		if (vex)
			return e->w && !e->mode32 ? 8 : 4;
		return e->w ? 8 : e->p66 ? 2 : 4;
	}
}

static void choose_mem(struct rng *g, struct enc *e, unsigned imp)
{
	/* 0 [base] 1 [base+d8] 2 [base+d32] 3 [base+idx*s+d] 4 [idx*s+d32] 5 rip+d32 6 [d32] */
	unsigned kind = rng_below(g, 16);
	kind = kind < 3 ? kind : kind < 9 ? 3 : kind < 11 ? 4 : kind < 14 ? 2 + (kind & 1) : kind == 14 ? 5 : 6;
	e->scale = rng_below(g, 4);
	e->riprel = false;
	unsigned nregs = e->mode32 ? 8 : 16;
	for (;;) {
		e->base = (int)rng_below(g, nregs);
		if (!(imp & IMP_STACK) || e->base != R_SP)
			break;
	}
	do /* SIB.index 100 without REX.X means "no index" */
		e->index = (int)rng_below(g, nregs);
	while (e->index == R_SP);
	if (kind == 5 && e->mode32)
		kind = 6; /* mod 00 rm 101 is an absolute disp32 there, not RIP-relative */
	switch (kind) {
	case 0:
		e->mod = 0;
		e->disp_len = 0;
		if ((e->base & 7) == 5) /* [rbp]/[r13] have no disp-less form */
			e->mod = 1, e->disp_len = 1;
		e->index = -1;
		break;
	case 1:
		e->mod = 1, e->disp_len = 1, e->index = -1;
		break;
	case 2:
		e->mod = 2, e->disp_len = 4, e->index = -1;
		break;
	case 3:
		e->mod = rng_below(g, 3), e->disp_len = e->mod == 1 ? 1 : e->mod == 2 ? 4 : 0;
		if (e->mod == 0 && (e->base & 7) == 5)
			e->mod = 1, e->disp_len = 1;
		break;
	case 4:
		e->mod = 0, e->disp_len = 4, e->base = -1;
		break;
	case 5:
		e->mod = 0, e->disp_len = 4, e->base = e->index = -1, e->riprel = true;
		break;
	default:
		e->mod = 0, e->disp_len = 4, e->base = e->index = -1;
	}
	/* a base in rsp/r12 needs a SIB byte; so do index and no-base forms */
	e->has_sib = !e->riprel && (e->index >= 0 || e->base < 0 || (e->base & 7) == 4);
	if (e->has_sib) {
		unsigned sbase = e->base < 0 ? 5 : (unsigned)e->base & 7;
		unsigned sidx = e->index < 0 ? 4 : (unsigned)e->index & 7;
		e->sib = (uint8_t)(e->scale << 6 | sidx << 3 | sbase);
		e->rmf = 4;
		if (e->index < 0)
			e->x = 0, e->scale = 0;
		else
			e->x = e->index >= 8;
		if (e->base >= 0)
			e->b = e->base >= 8;
	} else {
		e->rmf = e->riprel ? 5 : (uint8_t)(e->base & 7);
		if (e->base >= 0)
			e->b = e->base >= 8;
	}
	if (e->disp_len == 1)
		e->disp = (uint32_t)(int32_t)(int8_t)rng_next(g);
	else if (e->disp_len == 4)
		e->disp = rng_below(g, 2) ? (uint32_t)rng_next(g) : (uint32_t)(int32_t)(int16_t)rng_next(g);
}

/* Data-buffer address for a pointer: around the middle, aligned to 16 three times in four. */
static uint64_t rnd_target(struct rng *g, unsigned spread)
{
	uint64_t t = DIFF_DATA_MID + (uint64_t)((int64_t)rng_below(g, 2 * spread) - spread);
	if (rng_below(g, 4))
		t &= ~15ull;
	return t;
}

static void add_window(struct tcase *t, uint64_t center, uint64_t below, uint64_t above)
{
	uint64_t lo = center - below, hi = center + above;
	if (lo < DIFF_DATA)
		lo = DIFF_DATA;
	if (hi > DIFF_DATA + DIFF_DATA_SIZE)
		hi = DIFF_DATA + DIFF_DATA_SIZE;
	t->win_lo[t->nwin] = lo;
	t->win_hi[t->nwin] = hi;
	t->nwin++;
}

/* Pointer register value whose low `asz` bytes are `addr` (upper bits random for 32-bit
 * addressing, which must ignore them). */
static uint64_t ptr_value(struct rng *g, uint64_t addr, bool a32)
{
	return a32 ? (rng_next(g) & ~0xffffffffull) | addr : addr;
}

/* Solve the base/index register values so the effective address is `target`. */
static void place_mem(struct rng *g, struct tcase *t, const struct enc *e, uint64_t target)
{
	uint64_t disp = e->disp_len == 1 ? (uint64_t)(int64_t)(int8_t)e->disp
					  : (uint64_t)(int64_t)(int32_t)e->disp;
	uint64_t mask = e->a32 ? 0xffffffffull : ~0ull;
	if (e->base < 0 && e->index < 0)
		return; /* absolute or RIP-relative: the displacement already points there */
	uint64_t idxval = 0;
	if (e->index >= 0 && e->index != e->base && e->base >= 0) {
		idxval = rng_below(g, 2) ? (uint64_t)(int64_t)((int)rng_below(g, 512) - 256) : rnd_int(g);
		t->in.r[e->index] = idxval;
	}
	uint64_t rest = (target - disp - (idxval << e->scale)) & mask;
	if (e->base >= 0 && e->base == e->index) {
		/* v * (1 + 2^s) = rest: odd multipliers are invertible mod 2^64; for s = 0 the
		 * address may end one byte low, which the caller's range check accepts */
		uint64_t m = 1 + (1ull << e->scale);
		if (e->scale == 0) {
			t->in.r[e->base] = rest >> 1;
		} else {
			uint64_t inv = m; /* Newton iteration for the inverse mod 2^64 */
			for (int k = 0; k < 6; k++)
				inv *= 2 - m * inv;
			t->in.r[e->base] = rest * inv;
		}
	} else if (e->base >= 0) {
		t->in.r[e->base] = ptr_value(g, rest, e->a32);
	} else {
		/* [index*s + disp32]: the index alone reaches the target (low bits may round down) */
		t->in.r[e->index] = ptr_value(g, ((target - disp) & mask) >> e->scale, e->a32);
	}
}

/* Effective address the state gives (to verify place_mem's solution). */
static uint64_t ea_of(const struct tcase *t, const struct enc *e)
{
	uint64_t disp = e->disp_len == 1 ? (uint64_t)(int64_t)(int8_t)e->disp
					  : (uint64_t)(int64_t)(int32_t)e->disp;
	uint64_t a = disp;
	if (e->riprel)
		a += DIFF_INSN + t->len;
	if (e->base >= 0)
		a += t->in.r[e->base];
	if (e->index >= 0)
		a += t->in.r[e->index] << e->scale;
	return e->a32 ? a & 0xffffffffull : a;
}

static unsigned emit(const struct opcode_row *r, const struct enc *e, uint8_t *buf, unsigned imm_n,
		     uint64_t imm)
{
	uint8_t *p = buf;
	bool vex = r->pfx >= V_NP;
	if (e->seg)
		*p++ = e->seg;
	if (e->lock)
		*p++ = 0xf0;
	if (e->a32 && !e->mode32)
		*p++ = 0x67;
	if (!vex) {
		if (e->p66)
			*p++ = 0x66;
		if (e->rep)
			*p++ = e->rep;
		if (e->rex)
			*p++ = (uint8_t)(0x40 | e->w << 3 | e->r << 2 | e->x << 1 | e->b);
		if (r->map != M1)
			*p++ = 0x0f;
		if (r->map == M0F38)
			*p++ = 0x38;
		if (r->map == M0F3A)
			*p++ = 0x3a;
	} else {
		unsigned pp = (unsigned)(r->pfx - V_NP);
		if (r->map == M0F && !e->w && !e->x && !e->b && e->vex2) {
			/* the two-byte form, when it can express the fields */
			*p++ = 0xc5;
			*p++ = (uint8_t)(!e->r << 7 | (~e->vvvv & 15) << 3 | e->l << 2 | pp);
		} else {
			*p++ = 0xc4;
			*p++ = (uint8_t)(!e->r << 7 | !e->x << 6 | !e->b << 5 | (r->map == M0F ? 1 : r->map == M0F38 ? 2 : 3));
			*p++ = (uint8_t)(e->w << 7 | (~e->vvvv & 15) << 3 | e->l << 2 | pp);
		}
	}
	*p++ = e->opcode;
	if (e->has_modrm) {
		*p++ = (uint8_t)(e->mod << 6 | (e->regf & 7) << 3 | (e->rmf & 7));
		if (e->mod != 3 && e->has_sib)
			*p++ = e->sib;
		if (e->mod != 3)
			p += put_imm(p, e->disp, e->disp_len);
	}
	p += put_imm(p, imm, imm_n);
	return (unsigned)(p - buf);
}

/* One attempt at an encoding of `row`; returns its length (0: the row cannot be encoded so). */
static unsigned try_encode(unsigned row, struct rng *g, struct enc *e, struct tcase *t, unsigned imp,
			   bool mode32)
{
	const struct opcode_row *r = &opcode_rows[row];
	bool vex = r->pfx >= V_NP;
	unsigned oskind = r->flags & OS_MASK;
	memset(e, 0, sizeof *e);
	e->mode32 = mode32;

	e->rex = vex || mode32 ? false : rng_below(g, 2);
	if (e->rex) {
		e->w = oskind == OS_V || oskind == OS_DQ ? rng_below(g, 2) : !rng_below(g, 4);
		e->r = rng_below(g, 2);
		e->x = rng_below(g, 2);
		e->b = rng_below(g, 2);
	}
	if (vex) {
		e->w = r->flags & F_VW1 ? 1 : r->flags & F_VW0 ? 0 : rng_below(g, 2);
		e->r = rng_below(g, 2);
		e->x = rng_below(g, 2);
		e->b = rng_below(g, 2);
		e->l = r->flags & F_VL1 ? 1 : r->flags & F_VL0 ? 0 : rng_below(g, 2);
		/* stored inverted: register 0 encodes as 1111, which is also "no register" */
		e->vvvv = rng_below(g, 2) ? 0 : (uint8_t)rng_below(g, 16);
		e->vex2 = rng_below(g, 2);
		if (mode32) /* only eight registers; inverted R/X/B must read 1 (else LES/LDS) */
			e->r = e->x = e->b = 0, e->vvvv &= 7;
	}
	/* AMD honours 66 on near branches in 64-bit mode (16-bit target), Intel ignores it: the
	 * host cannot referee that difference */
	bool may66 = (oskind == OS_V || oskind == OS_D64 || (oskind == OS_F64 && !host_is_amd())) &&
		     !(is_branch(imp) && (mode32 || oskind == OS_F64));
	switch (r->pfx) {
	case P_ANY:
		e->p66 = may66 && !rng_below(g, 3);
		if (r->flags & F_REP)
			e->rep = (uint8_t)(rng_below(g, 3) == 0 ? 0 : rng_below(g, 2) ? 0xf3 : 0xf2);
		else if (!rng_below(g, 16)) /* ignored here, or it selects another row (skipped) */
			e->rep = rng_below(g, 2) ? 0xf3 : 0xf2;
		break;
	case P_66:
		e->p66 = true;
		break;
	case P_F3:
	case P_F2:
		e->rep = r->pfx == P_F3 ? 0xf3 : 0xf2;
		e->p66 = oskind == OS_V && !rng_below(g, 3);
		break;
	default:
		break;
	}
	/* CS/DS/ES/SS overrides are ignored in 64-bit mode; GS counts, with base 0 on both sides
	 * (Linux leaves the host's at 0; the tester's guest CPU has 0 too). */
	if (!rng_below(g, 16) && !(imp & IMP_REL)) {
		if (mode32) /* compatibility mode checks segments: the host's CS is not writable and
			     * its GS is the null selector, so only the flat data segments */
			e->seg = (uint8_t[]){0x3e, 0x26, 0x36}[rng_below(g, 3)];
		else
			e->seg = (uint8_t[]){0x2e, 0x3e, 0x26, 0x36, 0x65}[rng_below(g, gs_base_zero ? 5 : 4)];
	}

	e->opcode = r->opcode;
	if (r->flags & F_REGOP)
		e->opcode = (uint8_t)(r->opcode + rng_below(g, 8));

	e->has_modrm = r->mod != NOMODRM;
	bool mem = false;
	if (e->has_modrm) {
		mem = r->mod == MEM || (r->mod == ANY && rng_below(g, 2));
		e->regf = r->reg < 8 ? r->reg : (uint8_t)rng_below(g, 8);
		if (mem) {
			e->a32 = mode32 || !rng_below(g, 8);
			choose_mem(g, e, imp);
		} else {
			e->mod = 3;
			e->rmf = r->rm < 8 ? r->rm : (uint8_t)rng_below(g, 8);
		}
	}
	/* string instructions and xlat address through rsi/rdi/rbx: 67 selects esi/edi/ebx */
	if (imp & (IMP_STRING | IMP_XLAT | IMP_DI))
		e->a32 = mode32 || !rng_below(g, 6);
	if (r->imm == I_MOFFS)
		e->a32 = mode32 || !rng_below(g, 4);
	e->lock = (r->flags & F_LOCK) && mem && rng_below(g, 2);
	if (!vex && (e->w || e->r || e->x || e->b))
		e->rex = true;

	unsigned osz = osz_of(r, e, vex);
	unsigned asz = e->a32 ? 4 : 8;
	unsigned in = imm_len(r, osz, asz);
	uint64_t imm = rng_next(g);
	if (r->imm == I_JB || r->imm == I_JZ)
		imm = 1; /* taken: skip the cmc after the branch */
	if (r->imm == I_WB) /* enter: a small frame and nesting level */
		imm = (rng_next(g) & 0x1f8) | (uint64_t)(rng_below(g, 4) ? rng_below(g, 4) : rng_below(g, 32)) << 16;
	if (r->imm == I_MOFFS)
		imm = rnd_target(g, 1024);
	t->len = emit(r, e, t->bytes, in, imm);
	t->shift_count = r->imm == I_NONE ? 0 : imm & 0xff;
	return t->len;
}

static void add_init(struct tcase *t, uint64_t at, uint64_t val, unsigned n)
{
	t->init[t->ninit].at = at;
	t->init[t->ninit].val = val;
	t->init[t->ninit].n = n;
	t->ninit++;
}

/* Compare-and-exchange and string compares almost never find equal random operands: make
 * them equal half the time so the "equal" paths run too. */
static void make_equal(struct rng *g, struct tcase *t, const char *m, unsigned imp, unsigned rm)
{
	if (!strcmp(m, "cmpxchg")) {
		if (t->is_mem)
			add_init(t, t->ea, t->in.r[R_AX], t->osz);
		else if (rm != R_AX)
			t->in.r[rm] = t->in.r[R_AX];
	} else if (!strcmp(m, "cmpxchg8b") || !strcmp(m, "cmpxchg16b")) {
		unsigned half = t->osz == 8 ? 8 : 4; /* cmpxchg16b is the REX.W form */
		add_init(t, t->ea, t->in.r[R_AX], half);
		add_init(t, t->ea + half, t->in.r[R_DX], half);
	} else if ((imp & IMP_STRING) && (!strncmp(m, "cmps", 4) || !strncmp(m, "scas", 4))) {
		/* equal runs for repe, a differing byte somewhere for repne to find */
		uint64_t si = t->asz == 4 ? (uint32_t)t->in.r[R_SI] : t->in.r[R_SI];
		uint64_t di = t->asz == 4 ? (uint32_t)t->in.r[R_DI] : t->in.r[R_DI];
		static const uint64_t splat[] = {0x0101010101010101ull, 0x0001000100010001ull,
						 0x0000000100000001ull, 1};
		uint64_t n = 8 * rng_below(g, 48);
		bool down = t->in.rflags & FL_DF;
		if (!strncmp(m, "cmps", 4) && si != di) {
			t->copy_from = down ? si + 8 - n : si;
			t->copy_to = down ? di + 8 - n : di;
			t->copy_n = n;
		} else if (!strncmp(m, "scas", 4)) {
			for (unsigned k = 0; k < 2 && n; k++) /* the accumulator's pattern at rdi */
				add_init(t, down ? di - 8 * k : di + 8 * k, (t->in.r[R_AX] & size_mask(t->osz)) * splat[t->osz == 8 ? 3 : t->osz / 2], 8);
		}
	}
}

static bool mnem_eq(const char *a, const char *b)
{
	return !strcmp(a, b);
}

enum gen_status gen_case(unsigned row, bool mode32, struct rng *g, struct tcase *t, char *msg, size_t msgsz)
{
	const struct opcode_row *r = &opcode_rows[row];
	unsigned imp = implicit_of(row);
	struct enc e;
	struct insn di;
	ZydisDecodedInstruction zi;

	for (int attempt = 0; attempt < 32; attempt++) {
		memset(t, 0, sizeof *t);
		if (!try_encode(row, g, &e, t, imp, mode32) || t->len > 15)
			continue;
		t->mode32 = mode32;
		if (ZYAN_FAILED(ZydisDecoderDecodeInstruction(mode32 ? &zdec32 : &zdec, NULL, t->bytes, t->len, &zi)) ||
		    zi.length != t->len)
			continue; /* not a valid instruction (e.g. VEX.vvvv must be 1111 here) */
		const char *zname = ZydisMnemonicGetString(zi.mnemonic);
		enum decode_status st = decode_insn(t->bytes, t->len, DIFF_INSN, mode32 ? CPU_MODE_32 : CPU_MODE_64, &di);
		bool disagree = false;
		if (st != DECODE_OK || di.row != row || di.len != t->len) {
			/* another row may own this encoding (a more specific prefix form): then it is
			 * not this form's case. When Zydis names this row's instruction but ntemu
			 * decodes something else, the case runs anyway and the host CPU referees. */
			bool other_same = st == DECODE_OK && di.row < opcode_row_count &&
					  mnem_eq(opcode_rows[di.row].mnemonic, r->mnemonic);
			const char *ours = st == DECODE_OK && di.row < opcode_row_count ? opcode_rows[di.row].mnemonic
											 : "(bad)";
			if (!mnem_eq(zname, r->mnemonic) || (other_same && di.len == t->len))
				continue;
			if (!zydis_name_known_to_differ(zname, ours)) {
				snprintf(msg, msgsz, "Zydis says %s (len %u), ntemu decodes %s (len %u)", zname,
					 zi.length, ours, st == DECODE_OK ? di.len : 0);
				disagree = true;
			}
			if (st != DECODE_OK)
				memset(&di, 0, sizeof di);
		}
		const char *lack = missing_host_feature(zi.meta.isa_set);
		if (lack) {
			snprintf(msg, msgsz, "host lacks %s", lack);
			return GEN_SKIP;
		}
		t->zydis_undef = zi.cpu_flags ? (uint32_t)zi.cpu_flags->undefined & FL_ARITH : 0;
		t->osz = di.osz;
		t->is_mem = di.is_mem;
		t->row = row;
		t->asz = di.asz;
		t->branch = is_branch(imp);

		rnd_state(g, &t->in);
		uint64_t landing = DIFF_INSN + t->len + 1;
		if (imp & IMP_STACK) {
			t->in.r[R_SP] = rnd_target(g, 2048) & ~(rng_below(g, 8) ? 7ull : 0);
			add_window(t, t->in.r[R_SP], 256, 256);
		}
		if (imp & IMP_FRAME) {
			t->in.r[R_BP] = t->in.r[R_SP] + 8 * rng_below(g, 64);
			add_window(t, t->in.r[R_BP], 256, 64);
		}
		if (imp & IMP_STRING) {
			t->in.r[R_CX] = rng_below(g, 4) ? rng_below(g, 40) : rnd_int(g) & 0xffff0000ffff001full;
			/* a32 rep counts use ecx only */
			if (!e.a32)
				t->in.r[R_CX] &= 0x3f;
			uint64_t si = rnd_target(g, 8192), dst = rnd_target(g, 8192);
			if (!rng_below(g, 4)) /* overlapping moves */
				dst = si + (uint64_t)((int)rng_below(g, 33) - 16);
			t->in.r[R_SI] = ptr_value(g, si, e.a32);
			t->in.r[R_DI] = ptr_value(g, dst, e.a32);
			add_window(t, si, 600, 600);
			add_window(t, dst, 600, 600);
		}
		if (imp & (IMP_XLAT | IMP_DI)) {
			uint64_t p = rnd_target(g, 2048);
			t->in.r[imp & IMP_XLAT ? R_BX : R_DI] = ptr_value(g, p, e.a32);
			add_window(t, p, 16, 272);
		}
		if (r->imm == I_MOFFS) {
			uint64_t a = e.a32 ? (uint32_t)di.disp : di.disp;
			add_window(t, a, 64, 64);
		}
		if (t->is_mem) {
			uint64_t target = rnd_target(g, 4096);
			/* now and then straddle the end of the buffer: a fault with nothing written */
			bool edge = !rng_below(g, 32);
			if (edge)
				target = DIFF_DATA + DIFF_DATA_SIZE - 1 - rng_below(g, 16);
			if (e.riprel || (e.base < 0 && e.index < 0)) {
				/* rewrite disp32 so the absolute/RIP-relative address is the target */
				uint64_t want = e.riprel ? target - (DIFF_INSN + t->len) : target;
				uint32_t d = (uint32_t)want;
				unsigned off = t->len - imm_len(r, t->osz, t->asz) - 4;
				memcpy(t->bytes + off, &d, 4);
				e.disp = d;
			}
			place_mem(g, t, &e, target);
			uint64_t ea = ea_of(t, &e);
			if (ea < DIFF_DATA + 1024 || (ea >= DIFF_DATA + DIFF_DATA_SIZE - 1024 && !edge) ||
			    ea >= DIFF_DATA + DIFF_DATA_SIZE)
				continue; /* e.g. index-only forms with a scale: pick another encoding */
			add_window(t, ea, 64, 576);
			t->ea = ea;
		}
		if (imp & IMP_IND) {
			if (!t->is_mem && di.rm == R_SP)
				continue; /* `call rsp` would push its return address into the code page */
			if (t->is_mem)
				add_init(t, t->ea, landing, 8);
			else
				t->in.r[di.rm] = landing;
		}
		if (imp & IMP_RET)
			add_init(t, t->in.r[R_SP], landing, 8);
		if (imp & IMP_POPF)
			t->popf_at = t->in.r[R_SP];
		if (rng_below(g, 2))
			make_equal(g, t, r->mnemonic, imp, di.rm);
		if (undef_result(r->mnemonic, t)) {
			snprintf(msg, msgsz, "result undefined by the SDM or vendor-specific on this host");
			continue;
		}
		t->mem_seed = rng_next(g);
		/* everything the set-up above pinned: implied pointer/count registers, the memory
		 * operand's base and index, an indirect branch's target register */
		t->pinned = 0xff; /* rax..rdi */
		if (t->is_mem && e.base >= 0)
			t->pinned |= 1u << e.base;
		if (t->is_mem && e.index >= 0)
			t->pinned |= 1u << e.index;
		if ((imp & IMP_IND) && !t->is_mem)
			t->pinned |= 1u << di.rm;
		return disagree ? GEN_DECODE_DIFFERS : GEN_OK;
	}
	return GEN_SKIP;
}

void gen_prefix(struct rng *g, struct tcase *t)
{
	if (t->mode32)
		return; /* its encodings use REX */
	/* ModRM forms "op r/m, r" (reg = 8) and group forms (reg = /digit), all flags defined */
	static const struct { uint8_t op, reg; } ops[] = {
		{0x00, 8}, {0x10, 8}, {0x18, 8}, {0x28, 8}, {0x38, 8}, {0xf6, 3}, {0xfe, 0}, {0xfe, 1},
	};
	unsigned free_regs[8], nfree = 0;
	for (unsigned n = 8; n < 16; n++)
		if (!(t->pinned >> n & 1))
			free_regs[nfree++] = n;
	if (!nfree)
		return;
	unsigned k = rng_below(g, sizeof ops / sizeof ops[0]);
	unsigned dst = free_regs[rng_below(g, nfree)], src = rng_below(g, 16);
	bool byte = rng_below(g, 4) == 0;
	unsigned size = rng_below(g, 3); /* 0: 32, 1: 16, 2: 64 bits */
	uint8_t *p = t->pre;
	if (!byte && size == 1)
		*p++ = 0x66;
	unsigned reg = ops[k].reg == 8 ? src : ops[k].reg;
	*p++ = (uint8_t)(0x40 | (!byte && size == 2) << 3 | (reg >= 8) << 2 | (dst >= 8));
	*p++ = (uint8_t)(ops[k].op | !byte);
	*p++ = (uint8_t)(0xc0 | (reg & 7) << 3 | (dst & 7));
	t->prelen = (unsigned)(p - t->pre);
}
