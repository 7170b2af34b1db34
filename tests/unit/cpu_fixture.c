#include "cpu_fixture.h"

#include <check.h>
#include <stdlib.h>

struct cpu_fixture *fx_new(enum cpu_mode mode)
{
	struct cpu_fixture *fx = calloc(1, sizeof *fx);
	if (!fx)
		abort();
	fx->mem = gmem_create();
	fx->cache = block_cache_create(fx->mem);
	fx->code = gmem_map_anon(fx->mem, FX_CODE, FX_CODE_SIZE, GMEM_READ | GMEM_WRITE | GMEM_EXEC);
	fx->data = gmem_map_anon(fx->mem, FX_DATA, FX_DATA_SIZE, GMEM_READ | GMEM_WRITE);
	fx->stack = gmem_map_anon(fx->mem, FX_STACK_TOP - FX_STACK_SIZE, FX_STACK_SIZE,
				  GMEM_READ | GMEM_WRITE);
	if (!fx->mem || !fx->cache || !fx->code || !fx->data || !fx->stack)
		abort();
	cpu_init(&fx->cpu, fx->mem, fx->cache, 1);
	cpu_set_cs(&fx->cpu, mode == CPU_MODE_64 ? CPU_SEL_CS64 : CPU_SEL_CS32);
	fx->cpu.r[R_SP] = FX_STACK_TOP - 0x100;
	return fx;
}

void fx_free(struct cpu_fixture *fx)
{
	block_cache_destroy(fx->cache);
	gmem_destroy(fx->mem);
	free(fx);
}

struct cpu_fixture *fx;

void fx_setup64(void)
{
	fx = fx_new(CPU_MODE_64);
}

void fx_setup32(void)
{
	fx = fx_new(CPU_MODE_32);
}

void fx_teardown(void)
{
	fx_free(fx);
}

enum trap_kind fx_run(struct cpu_fixture *fx, const void *code, size_t n)
{
	static const uint8_t int3 = 0xcc;
	if (n + 1 > FX_CODE_SIZE || !gmem_poke(fx->mem, FX_CODE, code, n, NULL) ||
	    !gmem_poke(fx->mem, FX_CODE + n, &int3, 1, NULL))
		abort();
	fx->cpu.rip = FX_CODE;
	return fx_continue(fx, 1000000);
}

enum trap_kind fx_continue(struct cpu_fixture *fx, uint64_t budget)
{
	return cpu_run(&fx->cpu, budget);
}

size_t fx_hex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;
	for (const char *s = hex; *s;) {
		if (*s == ' ') {
			s++;
			continue;
		}
		char two[3] = {s[0], s[1], 0};
		char *end;
		ck_assert_msg(s[1] && n < cap, "bad hex in test: %s", hex);
		out[n++] = (uint8_t)strtoul(two, &end, 16);
		ck_assert_msg(end == two + 2, "bad hex in test: %s", hex);
		s += 2;
	}
	return n;
}

uint64_t fx_xorshift(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}
