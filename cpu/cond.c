/* cmovcc (0F 40-4F) and setcc (0F 90-9F), param = condition code (enum cond); salc (D6). */
#include "cpu/integer.h"

/* The source is read (and may fault) whatever the condition; a 32-bit destination is written,
 * so zero-extended, even when the condition is false (SDM Vol. 2, CMOVcc). */
void cmovcc(struct cpu *c, const struct insn *i)
{
	unsigned size = i->osz;
	uint64_t src = rm_read(c, i, size);
	if (cond_eval(c, (enum cond)i->param))
		reg_set(c, i, i->reg, size, src);
	else if (size == 4)
		c->r[i->reg] &= 0xffffffffull;
}

void setcc(struct cpu *c, const struct insn *i)
{
	rm_write(c, i, 1, cond_eval(c, (enum cond)i->param));
}

/* D6 (32-bit mode): AL = CF ? FF : 00, no flag changes. Undocumented by Intel, listed by AMD
 * and Zydis; Intel and AMD processors execute it. */
void salc(struct cpu *c, const struct insn *i)
{
	c->r[R_AX] = (c->r[R_AX] & ~0xffull) | (flags_cf(c) ? 0xff : 0);
}
