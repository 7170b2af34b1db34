/* The FXSAVE image of the x87/SSE state (SDM Vol. 1, 10.5.1, Table 10-2): used by the
 * FXSAVE/FXRSTOR instructions and by the kernel for a CONTEXT's FltSave. */
#include <string.h>

#include "cpu/cpu.h"

enum {
	FX_FCW = 0, FX_FSW = 2, FX_FTW = 4, FX_FOP = 6, FX_FIP = 8, FX_FDP = 16,
	FX_MXCSR = 24, FX_MXCSR_MASK = 28, FX_ST = 32, FX_XMM = 160, FX_SIZE = 512,
};

/* Bits of MXCSR that exist (FXSAVE reports them as MXCSR_MASK; others #GP when loaded). */
#define FX_MXCSR_WRITABLE 0xffffu

static inline void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static inline void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static inline void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static inline uint16_t get16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static inline uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static inline uint64_t get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

/* XMM8-15 exist only in 64-bit mode; outside it their area is zero in the image and ignored
 * on restore. */
static inline unsigned xmm_count(const struct cpu *c)
{
	return c->mode == CPU_MODE_64 ? 16 : 8;
}

/* With fip64 (FXSAVE64) FIP/FDP are 64-bit; otherwise 32-bit offsets followed by FCS/FDS,
 * which ntemu saves as 0 as processors that deprecate the x87 CS/DS selectors do. */
void cpu_fxsave_image(const struct cpu *c, uint8_t img[512], bool fip64)
{
	const struct x87_state *f = &c->fpu;
	memset(img, 0, FX_SIZE);
	uint8_t ftw = 0;
	for (unsigned r = 0; r < 8; r++)
		if (((f->tag >> (2 * r)) & 3) != 3)
			ftw |= (uint8_t)(1u << r);
	put16(img + FX_FCW, f->cw);
	put16(img + FX_FSW, (uint16_t)((f->sw & ~0x3800u) | (f->top & 7u) << 11));
	img[FX_FTW] = ftw;
	put16(img + FX_FOP, f->fop);
	if (fip64) {
		put64(img + FX_FIP, f->fip);
		put64(img + FX_FDP, f->fdp);
	} else {
		put32(img + FX_FIP, (uint32_t)f->fip);
		put32(img + FX_FDP, (uint32_t)f->fdp);
	}
	put32(img + FX_MXCSR, c->mxcsr);
	put32(img + FX_MXCSR_MASK, FX_MXCSR_WRITABLE);
	/* Registers in stack order: ST(k) is physical register (TOP + k) mod 8. */
	for (unsigned k = 0; k < 8; k++) {
		const struct float80 *st = &f->st[(f->top + k) & 7];
		put64(img + FX_ST + 16 * k, st->mant);
		put16(img + FX_ST + 16 * k + 8, st->sign_exp);
	}
	memcpy(img + FX_XMM, c->xmm, 16 * xmm_count(c));
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

bool cpu_fxrstor_image(struct cpu *c, const uint8_t img[512], bool fip64)
{
	uint32_t mxcsr = get32(img + FX_MXCSR);
	if (mxcsr & ~FX_MXCSR_WRITABLE)
		return false;
	struct x87_state *f = &c->fpu;
	uint16_t fsw = get16(img + FX_FSW);
	f->cw = get16(img + FX_FCW);
	f->top = (fsw >> 11) & 7;
	f->sw = fsw & ~0x3800u;
	f->fop = get16(img + FX_FOP) & 0x7ff;
	if (fip64) {
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
	memcpy(c->xmm, img + FX_XMM, 16 * xmm_count(c));
	return true;
}
