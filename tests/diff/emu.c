/* The interpreter side: the same instruction bytes at the same guest address, followed by int3,
 * run by cpu_run from the state the native stub loads; the result is converted to the FXSAVE
 * image the native side produces. */
#include <stdlib.h>
#include <string.h>

#include "cpu/block.h"
#include "tests/diff/diff.h"

#if defined(__x86_64__) /* only the x86-64 tester (diff_cpu.c) drives it */

static struct guest_mem *mem;
static struct block_cache *cache;
static struct cpu cpu;
static uint8_t *data;

/* Also after an interpreter crash: the old state may be inconsistent, so it is abandoned. */
bool emu_init(void)
{
	mem = gmem_create();
	if (!mem)
		return false;
	cache = block_cache_create(mem);
	data = gmem_map_anon(mem, DIFF_DATA, DIFF_DATA_SIZE, GMEM_READ | GMEM_WRITE);
	if (!cache || !data || !gmem_map_anon(mem, DIFF_CODE, GUEST_PAGE_SIZE, GMEM_READ | GMEM_EXEC))
		return false;
	cpu_init(&cpu, mem, cache, 1);
	return true;
}

uint8_t *emu_data(void)
{
	return data;
}

/* x87 tag of a register's contents (SDM Vol. 1, 8.1.7): 0 valid, 1 zero, 2 special. */
static unsigned tag_class(const struct float80 *f)
{
	unsigned exp = f->sign_exp & 0x7fff;
	if (exp == 0)
		return f->mant ? 2 : 1;
	if (exp == 0x7fff || !(f->mant >> 63))
		return 2;
	return 0;
}

static void fx_to_cpu(struct cpu *c, const uint8_t *fx)
{
	uint16_t fsw;
	memcpy(&c->fpu.cw, fx + FX_FCW, 2);
	memcpy(&fsw, fx + FX_FSW, 2);
	c->fpu.top = (fsw >> 11) & 7;
	c->fpu.sw = fsw & (uint16_t)~0x3800;
	c->fpu.tag = 0;
	for (unsigned i = 0; i < 8; i++) { /* image slot i is ST(i) */
		struct float80 *f = &c->fpu.st[(c->fpu.top + i) & 7];
		memcpy(&f->mant, fx + FX_ST + 16 * i, 8);
		memcpy(&f->sign_exp, fx + FX_ST + 16 * i + 8, 2);
	}
	for (unsigned p = 0; p < 8; p++) { /* abridged tag: one bit per physical register */
		unsigned t = fx[FX_FTW] >> p & 1 ? tag_class(&c->fpu.st[p]) : 3;
		c->fpu.tag |= (uint16_t)(t << (2 * p));
	}
	memcpy(&c->fpu.fop, fx + FX_FOP, 2);
	memcpy(&c->fpu.fip, fx + FX_FIP, 8);
	memcpy(&c->fpu.fdp, fx + FX_FDP, 8);
	memcpy(&c->mxcsr, fx + FX_MXCSR, 4);
	memcpy(c->xmm, fx + FX_XMM, 256);
}

static void cpu_to_fx(struct cpu *c, uint8_t *fx)
{
	memset(fx, 0, 512);
	uint16_t fsw = (uint16_t)((c->fpu.sw & ~0x3800) | (c->fpu.top & 7) << 11);
	memcpy(fx + FX_FCW, &c->fpu.cw, 2);
	memcpy(fx + FX_FSW, &fsw, 2);
	for (unsigned p = 0; p < 8; p++)
		if ((c->fpu.tag >> (2 * p) & 3) != 3)
			fx[FX_FTW] |= (uint8_t)(1u << p);
	for (unsigned i = 0; i < 8; i++) {
		const struct float80 *f = &c->fpu.st[(c->fpu.top + i) & 7];
		memcpy(fx + FX_ST + 16 * i, &f->mant, 8);
		memcpy(fx + FX_ST + 16 * i + 8, &f->sign_exp, 2);
	}
	memcpy(fx + FX_MXCSR, &c->mxcsr, 4);
	memcpy(fx + FX_XMM, c->xmm, 256);
}

static enum outcome outcome_of(enum trap_kind k)
{
	switch (k) {
	case TRAP_BREAKPOINT: return OUT_OK;
	case TRAP_DE: return OUT_DE;
	case TRAP_X87: case TRAP_SIMD: return OUT_FPE;
	case TRAP_GP: case TRAP_PAGE_FAULT: case TRAP_BOUND: return OUT_GP; /* Linux: #BR is SIGSEGV */
	case TRAP_UD: return OUT_UD;
	case TRAP_SINGLE_STEP: return OUT_TRAP;
	default: return OUT_OTHER;
	}
}

void emu_run(const struct tcase *t, struct result *res)
{
	uint8_t code[48];
	memcpy(code, t->pre, t->prelen);
	unsigned n = t->prelen;
	memcpy(code + n, t->bytes, t->len);
	n += t->len;
	if (t->branch)
		code[n++] = 0xf5; /* cmc, skipped by a taken branch as natively */
	code[n++] = 0xcc;
	struct gmem_fault f;
	uint64_t start = DIFF_INSN - t->prelen;
	gmem_poke(mem, start, code, n, &f); /* tells the block cache the code changed */

	struct cpu *c = &cpu;
	cpu_set_cs(c, t->mode32 ? CPU_SEL_CS32 : CPU_SEL_CS64);
	memcpy(c->r, t->in.r, sizeof c->r);
	cpu_set_rflags(c, t->in.rflags);
	fx_to_cpu(c, t->in.fx);
	c->rip = start;
	static sigjmp_buf jb;
	int sig = sigsetjmp(jb, 1);
	if (sig) {
		native_guard(NULL);
		memset(res, 0, sizeof *res);
		res->out = OUT_CRASH;
		res->s.pad = (uint64_t)sig;
		uint8_t *old = data;
		if (!emu_init())
			abort();
		memcpy(data, old, DIFF_DATA_SIZE);
		return;
	}
	native_guard(&jb);
	enum trap_kind k = cpu_run(c, 64);
	native_guard(NULL);

	memcpy(res->s.r, c->r, sizeof c->r);
	res->s.rflags = cpu_get_rflags(c);
	res->s.pad = c->trap.insn_rip;
	cpu_to_fx(c, res->s.fx);
	res->out = outcome_of(k);
	/* int3 must be the instruction after: anything else ran too far or stopped early */
	if (k == TRAP_BREAKPOINT && c->rip != start + n)
		res->out = OUT_OTHER;
}

#endif
