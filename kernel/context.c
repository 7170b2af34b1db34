#include "kernel/context.h"

#include <string.h>

#include "cpu/flags.h"

/* CONTEXT (x64) layout: winnt.h. */
enum {
	CTX_MXCSR = 0x34,
	CTX_SEGCS = 0x38, CTX_SEGDS = 0x3a, CTX_SEGES = 0x3c, CTX_SEGFS = 0x3e, CTX_SEGGS = 0x40,
	CTX_SEGSS = 0x42,
	CTX_EFLAGS = 0x44,
	CTX_DR0 = 0x48,
	CTX_RAX = 0x78,  /* Rax, Rcx, Rdx, Rbx, Rsp, Rbp, Rsi, Rdi, R8..R15: the CPU's order */
	CTX_FLTSAVE = 0x100,
};

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static uint16_t get16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

static bool has(uint32_t flags, uint32_t part)
{
	return (flags & part) == part;
}

void context64_from_cpu(const struct cpu *c, uint32_t flags, uint8_t ctx[CONTEXT64_SIZE])
{
	memset(ctx, 0, CONTEXT64_SIZE);
	put32(ctx + CONTEXT64_FLAGS, flags);
	if (has(flags, CONTEXT_CONTROL)) {
		put16(ctx + CTX_SEGCS, c->seg[SEG_CS]);
		put16(ctx + CTX_SEGSS, c->seg[SEG_SS]);
		put64(ctx + CONTEXT64_RSP, c->r[R_SP]);
		put64(ctx + CONTEXT64_RIP, c->rip);
		put32(ctx + CTX_EFLAGS, (uint32_t)cpu_get_rflags((struct cpu *)c));
	}
	if (has(flags, CONTEXT_INTEGER))
		for (int r = 0; r < 16; r++)
			if (r != R_SP)
				put64(ctx + CTX_RAX + 8 * r, c->r[r]);
	if (has(flags, CONTEXT_SEGMENTS)) {
		put16(ctx + CTX_SEGDS, c->seg[SEG_DS]);
		put16(ctx + CTX_SEGES, c->seg[SEG_ES]);
		put16(ctx + CTX_SEGFS, c->seg[SEG_FS]);
		put16(ctx + CTX_SEGGS, c->seg[SEG_GS]);
	}
	if (has(flags, CONTEXT_FLOATING_POINT)) {
		cpu_fxsave_image(c, ctx + CTX_FLTSAVE, true);
		put32(ctx + CTX_MXCSR, c->mxcsr);
	}
	/* Debug registers: the CPU has none, so they read as zero. */
}

bool context64_to_cpu(struct cpu *c, const uint8_t ctx[CONTEXT64_SIZE])
{
	uint32_t flags = get32(ctx + CONTEXT64_FLAGS);
	if (!(flags & CONTEXT_AMD64))
		return false;
	struct cpu saved = *c;
	if (has(flags, CONTEXT_FLOATING_POINT)) {
		if (!cpu_fxrstor_image(c, ctx + CTX_FLTSAVE, true))
			return false;
		/* SSE takes the top-level MxCsr field, reserved bits dropped as the NT kernel
		 * sanitises it; FltSave.MxCsr only had to be valid for the restore above. */
		c->mxcsr = get32(ctx + CTX_MXCSR) & 0xffff;
	}
	if (has(flags, CONTEXT_CONTROL)) {
		if (!cpu_set_cs(c, get16(ctx + CTX_SEGCS))) {
			*c = saved;
			return false;
		}
		c->seg[SEG_SS] = get16(ctx + CTX_SEGSS);
		c->r[R_SP] = get64(ctx + CONTEXT64_RSP);
		c->rip = get64(ctx + CONTEXT64_RIP);
		cpu_set_rflags(c, get32(ctx + CTX_EFLAGS));
	}
	if (has(flags, CONTEXT_INTEGER))
		for (int r = 0; r < 16; r++)
			if (r != R_SP)
				c->r[r] = get64(ctx + CTX_RAX + 8 * r);
	/* Segment selectors other than CS/SS are the kernel's: a user CONTEXT cannot change
	 * them (NtSetContextThread ignores them too). */
	return true;
}
