/* SSE/x87 state instructions: ldmxcsr, stmxcsr, fxsave, fxrstor (SDM Vol. 1, 10.5.1) and emms. */
#include "cpu/sse.h"

void sse_ldmxcsr(struct cpu *c, const struct insn *i)
{
	uint32_t v = (uint32_t)cpu_read(c, insn_ea(c, i), 4);
	if (v & ~MXCSR_MASK)
		cpu_raise_gp(c, GP_OTHER);
	c->mxcsr = v;
}

void sse_stmxcsr(struct cpu *c, const struct insn *i)
{
	cpu_write(c, insn_ea(c, i), 4, c->mxcsr);
}

/* EMMS: every x87 register empty. */
void sse_emms(struct cpu *c, const struct insn *i)
{
	c->fpu.tag = 0xffff;
}

/* FXSAVE image offsets (SDM Vol. 1, Table 10-2). */
enum {
	FX_FCW = 0, FX_FSW = 2, FX_FTW = 4, FX_FOP = 6, FX_FIP = 8, FX_FDP = 16,
	FX_MXCSR = 24, FX_MXCSR_MASK = 28, FX_ST = 32, FX_XMM = 160, FX_SIZE = 512,
};

static inline void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static inline void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static inline void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static inline uint16_t get16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static inline uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static inline uint64_t get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

/* XMM8-15 exist only in 64-bit mode; outside it their area is neither written nor read. */
static inline unsigned xmm_count(const struct cpu *c)
{
	return c->mode == CPU_MODE_64 ? 16 : 8;
}

static uint64_t fx_address(struct cpu *c, const struct insn *i)
{
	uint64_t a = insn_ea(c, i);
	if (a & 15)
		cpu_raise_gp(c, GP_MISALIGNED);
	return a;
}

/* REX.W selects the 64-bit instruction/data pointer format (FXSAVE64); otherwise FIP/FDP are
 * 32-bit offsets followed by FCS/FDS, which ntemu saves as 0 as processors that deprecate the
 * x87 CS/DS selectors do. */
void sse_fxsave(struct cpu *c, const struct insn *i)
{
	uint64_t a = fx_address(c, i);
	const struct x87_state *f = &c->fpu;
	uint8_t img[FX_SIZE] = {0};
	uint8_t ftw = 0;
	for (unsigned r = 0; r < 8; r++)
		if (((f->tag >> (2 * r)) & 3) != 3)
			ftw |= (uint8_t)(1u << r);
	put16(img + FX_FCW, f->cw);
	put16(img + FX_FSW, (uint16_t)((f->sw & ~0x3800u) | (f->top & 7u) << 11));
	img[FX_FTW] = ftw;
	put16(img + FX_FOP, f->fop);
	if (i->pfx & PFX_REXW) {
		put64(img + FX_FIP, f->fip);
		put64(img + FX_FDP, f->fdp);
	} else {
		put32(img + FX_FIP, (uint32_t)f->fip);
		put32(img + FX_FDP, (uint32_t)f->fdp);
	}
	put32(img + FX_MXCSR, c->mxcsr);
	put32(img + FX_MXCSR_MASK, MXCSR_MASK);
	/* Registers in stack order: ST(k) is physical register (TOP + k) mod 8. */
	for (unsigned k = 0; k < 8; k++) {
		const struct float80 *st = &f->st[(f->top + k) & 7];
		put64(img + FX_ST + 16 * k, st->mant);
		put16(img + FX_ST + 16 * k + 8, st->sign_exp);
	}
	unsigned nx = xmm_count(c);
	memcpy(img + FX_XMM, c->xmm, 16 * nx);
	/* Bytes past the XMM area are reserved or for software: left as they are. */
	cpu_write_bytes(c, a, img, FX_XMM + 16 * nx);
}

/* Full tag of a non-empty register from its contents (SDM Vol. 1, 8.1.7): 00 valid, 01 zero,
 * 10 special (NaN, infinity, denormal, unnormal). */
static unsigned tag_of(const struct float80 *st)
{
	unsigned exp = st->sign_exp & 0x7fff;
	bool integer_bit = st->mant >> 63;
	if (exp == 0)
		return st->mant ? 2 : 1;
	if (exp == 0x7fff || !integer_bit)
		return 2;
	return 0;
}

void sse_fxrstor(struct cpu *c, const struct insn *i)
{
	uint64_t a = fx_address(c, i);
	unsigned nx = xmm_count(c);
	uint8_t img[FX_SIZE];
	cpu_read_bytes(c, a, img, FX_XMM + 16 * nx);
	uint32_t mxcsr = get32(img + FX_MXCSR);
	if (mxcsr & ~MXCSR_MASK)
		cpu_raise_gp(c, GP_OTHER);

	struct x87_state *f = &c->fpu;
	uint16_t fsw = get16(img + FX_FSW);
	f->cw = get16(img + FX_FCW);
	f->top = (fsw >> 11) & 7;
	f->sw = fsw & ~0x3800u;
	f->fop = get16(img + FX_FOP) & 0x7ff;
	if (i->pfx & PFX_REXW) {
		f->fip = get64(img + FX_FIP);
		f->fdp = get64(img + FX_FDP);
	} else {
		f->fip = get32(img + FX_FIP);
		f->fdp = get32(img + FX_FDP);
	}
	for (unsigned k = 0; k < 8; k++) {
		struct float80 *st = &f->st[(f->top + k) & 7];
		st->mant = get64(img + FX_ST + 16 * k);
		st->sign_exp = get16(img + FX_ST + 16 * k + 8);
	}
	uint8_t ftw = img[FX_FTW];
	uint16_t tag = 0;
	for (unsigned r = 0; r < 8; r++)
		tag |= (uint16_t)(((ftw >> r) & 1 ? tag_of(&f->st[r]) : 3u) << (2 * r));
	f->tag = tag;
	c->mxcsr = mxcsr;
	memcpy(c->xmm, img + FX_XMM, 16 * nx);
}
