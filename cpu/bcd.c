/* Decimal adjust: daa das aaa aas aam aad (32-bit mode only; #UD in 64-bit mode by the map).
 *
 * SDM Vol. 2, DAA/DAS/AAA/AAS/AAM/AAD pseudo-code. Flags it calls undefined are cleared (OF for
 * daa/das; OF for aaa/aas, whose SF ZF PF follow AL; OF AF CF for aam/aad). */
#include "cpu/integer.h"

static inline unsigned al_of(const struct cpu *c)
{
	return c->r[R_AX] & 0xff;
}

static inline void al_set(struct cpu *c, unsigned v)
{
	c->r[R_AX] = (c->r[R_AX] & ~0xffull) | (v & 0xff);
}

/* 27 daa (param 0), 2F das (param 1) */
void daa_das(struct cpu *c, const struct insn *i)
{
	uint64_t f = flags_arith(c);
	unsigned al = al_of(c), old_al = al, old_cf = (f & FL_CF) != 0, cf = 0, af = 0;
	bool das = i->param;
	if ((al & 0xf) > 9 || (f & FL_AF)) {
		cf = old_cf || (das ? al < 6 : al + 6 > 0xff);
		al = (das ? al - 6 : al + 6) & 0xff;
		af = 1;
	}
	if (old_al > 0x99 || old_cf) {
		al = (das ? al - 0x60 : al + 0x60) & 0xff;
		cf = 1;
	} else if (!das) {
		cf = 0;
	}
	al_set(c, al);
	flags_set_all(c, (cf ? FL_CF : 0) | (af ? FL_AF : 0) | flags_szp(al, 1));
}

/* 37 aaa (param 0), 3F aas (param 1) */
void aaa_aas(struct cpu *c, const struct insn *i)
{
	uint64_t f = flags_arith(c), ax = c->r[R_AX] & 0xffff, adj = 0;
	if ((ax & 0xf) > 9 || (f & FL_AF)) {
		ax = i->param ? ax - 6 - 0x100 : ax + 0x106;
		adj = FL_AF | FL_CF;
	}
	ax &= 0xff0f;
	c->r[R_AX] = (c->r[R_AX] & ~0xffffull) | ax;
	flags_set_all(c, adj | flags_szp(ax, 1));
}

/* D4 ib: AH = AL / imm8, AL = AL % imm8; imm8 = 0 raises #DE. */
void aam(struct cpu *c, const struct insn *i)
{
	unsigned base = i->imm & 0xff, al = al_of(c);
	if (base == 0)
		cpu_raise(c, TRAP_DE);
	unsigned ax = (al / base) << 8 | al % base;
	c->r[R_AX] = (c->r[R_AX] & ~0xffffull) | ax;
	flags_set_all(c, flags_szp(ax, 1));
}

/* D5 ib: AL = AL + AH * imm8, AH = 0 */
void aad(struct cpu *c, const struct insn *i)
{
	unsigned al = (al_of(c) + ((c->r[R_AX] >> 8) & 0xff) * (i->imm & 0xff)) & 0xff;
	c->r[R_AX] = (c->r[R_AX] & ~0xffffull) | al;
	flags_set_all(c, flags_szp(al, 1));
}
