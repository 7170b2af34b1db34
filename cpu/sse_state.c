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
	mmx_check(c);
	c->fpu.tag = 0xffff;
}

/* FXSAVE/FXRSTOR: the image itself is cpu/fxsave.c's, shared with the kernel's CONTEXT. */
static uint64_t fx_address(struct cpu *c, const struct insn *i)
{
	uint64_t a = insn_ea(c, i);
	if (a & 15)
		cpu_raise_gp(c, GP_MISALIGNED);
	return a;
}

/* REX.W selects the 64-bit instruction/data pointer format (FXSAVE64). Bytes past the XMM area
 * are reserved or for software: the instruction leaves them as they are. */
void sse_fxsave(struct cpu *c, const struct insn *i)
{
	uint64_t a = fx_address(c, i);
	uint8_t img[512];
	cpu_fxsave_image(c, img, i->pfx & PFX_REXW);
	cpu_write_bytes(c, a, img, 160 + 16 * (c->mode == CPU_MODE_64 ? 16 : 8));
}

void sse_fxrstor(struct cpu *c, const struct insn *i)
{
	uint64_t a = fx_address(c, i);
	uint8_t img[512] = {0};
	cpu_read_bytes(c, a, img, 160 + 16 * (c->mode == CPU_MODE_64 ? 16 : 8));
	if (!cpu_fxrstor_image(c, img, i->pfx & PFX_REXW))
		cpu_raise_gp(c, GP_OTHER);
}
