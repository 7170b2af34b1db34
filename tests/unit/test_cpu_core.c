/* The run loop and the block cache: self-modifying code, exact budgets, single-step, stop
 * requests, chaining, fetch faults. */
#include <check.h>
#include <string.h>

#include "cpu_fixture.h"
#include "run_suite.h"

START_TEST(smc_patches_next_instruction_in_same_block)
{
	static const uint8_t code[] = {
		0xc6, 0x05, 0x01, 0x00, 0x00, 0x00, 0x07, /* mov byte [rip+1], 7 */
		0xb0, 0x05,                               /* mov al, 5  (imm patched to 7) */
	};
	ck_assert_int_eq(fx_run(fx, code, sizeof code), TRAP_BREAKPOINT);
	ck_assert_uint_eq(fx->cpu.r[R_AX] & 0xff, 7);
	ck_assert_uint_ge(block_cache_stats(fx->cache).invalidations, 1);
}
END_TEST

START_TEST(kernel_write_to_cached_code_is_seen)
{
	static const uint8_t code[] = {0xb0, 0x05}; /* mov al, 5 */
	ck_assert_int_eq(fx_run(fx, code, sizeof code), TRAP_BREAKPOINT);
	ck_assert_uint_eq(fx->cpu.r[R_AX] & 0xff, 5);
	uint8_t seven = 7;
	ck_assert(gmem_write(fx->mem, FX_CODE + 1, &seven, 1, NULL));
	fx->cpu.rip = FX_CODE;
	ck_assert_int_eq(fx_continue(fx, 100), TRAP_BREAKPOINT);
	ck_assert_uint_eq(fx->cpu.r[R_AX] & 0xff, 7);
}
END_TEST

START_TEST(reprotecting_code_invalidates_and_faults)
{
	static const uint8_t code[] = {0x90};
	ck_assert_int_eq(fx_run(fx, code, sizeof code), TRAP_BREAKPOINT);
	gmem_protect(fx->mem, FX_CODE, 0x1000, GMEM_READ | GMEM_WRITE);
	fx->cpu.rip = FX_CODE;
	ck_assert_int_eq(fx_continue(fx, 100), TRAP_PAGE_FAULT);
	ck_assert_int_eq(fx->cpu.trap.access, ACCESS_EXEC);
	ck_assert_uint_eq(fx->cpu.trap.addr, FX_CODE);
	ck_assert_uint_eq(fx->cpu.rip, FX_CODE);
}
END_TEST

/* loop: inc rax; dec rcx; jnz loop */
static const uint8_t counting_loop[] = {
	0x48, 0xff, 0xc0, /* inc rax */
	0x48, 0xff, 0xc9, /* dec rcx */
	0x75, 0xf8,       /* jnz -8 */
};

START_TEST(budget_is_exact)
{
	fx->cpu.r[R_CX] = 1000000;
	ck_assert(gmem_poke(fx->mem, FX_CODE, counting_loop, sizeof counting_loop, NULL));
	fx->cpu.rip = FX_CODE;
	ck_assert_int_eq(fx_continue(fx, 1000), TRAP_BUDGET);
	ck_assert_uint_eq(fx->cpu.icount, 1000);
	/* 1000 = 333 iterations of 3 + inc of the 334th. */
	ck_assert_uint_eq(fx->cpu.r[R_AX], 334);
	ck_assert_uint_eq(fx->cpu.r[R_CX], 1000000 - 333);
	ck_assert_uint_eq(fx->cpu.rip, FX_CODE + 3);
	ck_assert_int_eq(fx_continue(fx, 2), TRAP_BUDGET);
	ck_assert_uint_eq(fx->cpu.rip, FX_CODE);
	ck_assert_uint_eq(fx->cpu.icount, 1002);
}
END_TEST

START_TEST(chained_loop_needs_few_lookups)
{
	fx->cpu.r[R_CX] = 100000;
	ck_assert_int_eq(fx_run(fx, counting_loop, sizeof counting_loop), TRAP_BREAKPOINT);
	ck_assert_uint_eq(fx->cpu.r[R_AX], 100000);
	ck_assert_uint_eq(fx->cpu.icount, 300001);
	ck_assert_uint_lt(block_cache_stats(fx->cache).lookups, 10);
}
END_TEST

START_TEST(single_step_with_tf)
{
	static const uint8_t code[] = {0x48, 0xff, 0xc0, 0x48, 0xff, 0xc0}; /* inc rax x2 */
	ck_assert(gmem_poke(fx->mem, FX_CODE, code, sizeof code, NULL));
	fx->cpu.rip = FX_CODE;
	cpu_set_rflags(&fx->cpu, cpu_get_rflags(&fx->cpu) | FL_TF);
	ck_assert_int_eq(fx_continue(fx, 100), TRAP_SINGLE_STEP);
	ck_assert_uint_eq(fx->cpu.rip, FX_CODE + 3);
	ck_assert_uint_eq(fx->cpu.trap.insn_rip, FX_CODE);
	ck_assert_uint_eq(fx->cpu.r[R_AX], 1);
	ck_assert_int_eq(fx_continue(fx, 100), TRAP_SINGLE_STEP);
	ck_assert_uint_eq(fx->cpu.rip, FX_CODE + 6);
	ck_assert_uint_eq(fx->cpu.r[R_AX], 2);
}
END_TEST

START_TEST(stop_request_returns_before_running)
{
	static const uint8_t int3 = 0xcc;
	fx->cpu.r[R_CX] = 10;
	ck_assert(gmem_poke(fx->mem, FX_CODE, counting_loop, sizeof counting_loop, NULL));
	ck_assert(gmem_poke(fx->mem, FX_CODE + sizeof counting_loop, &int3, 1, NULL));
	fx->cpu.rip = FX_CODE;
	cpu_request_stop(&fx->cpu);
	ck_assert_int_eq(fx_continue(fx, 100), TRAP_STOP);
	ck_assert_uint_eq(fx->cpu.icount, 0);
	ck_assert_int_eq(fx_continue(fx, 1000), TRAP_BREAKPOINT);
}
END_TEST

START_TEST(instruction_straddling_into_unmapped_page)
{
	/* mov eax, imm32 whose last two bytes would lie past the end of the code area. */
	static const uint8_t head[] = {0xb8, 0x11, 0x22};
	uint64_t at = FX_CODE + FX_CODE_SIZE - sizeof head;
	ck_assert(gmem_poke(fx->mem, at, head, sizeof head, NULL));
	fx->cpu.rip = at;
	ck_assert_int_eq(fx_continue(fx, 10), TRAP_PAGE_FAULT);
	ck_assert_int_eq(fx->cpu.trap.access, ACCESS_EXEC);
	ck_assert_uint_eq(fx->cpu.trap.addr, FX_CODE + FX_CODE_SIZE);
	ck_assert_uint_eq(fx->cpu.trap.insn_rip, at);
	ck_assert_uint_eq(fx->cpu.rip, at);
}
END_TEST

START_TEST(data_fault_is_precise)
{
	static const uint8_t code[] = {
		0x48, 0xff, 0xc0,             /* inc rax */
		0x48, 0x8b, 0x1c, 0x25, 0x00, 0x00, 0x00, 0x00, /* mov rbx, [0] */
		0x48, 0xff, 0xc0,             /* inc rax */
	};
	ck_assert_int_eq(fx_run(fx, code, sizeof code), TRAP_PAGE_FAULT);
	ck_assert_uint_eq(fx->cpu.r[R_AX], 1);
	ck_assert_uint_eq(fx->cpu.rip, FX_CODE + 3);
	ck_assert_uint_eq(fx->cpu.trap.addr, 0);
	ck_assert_int_eq(fx->cpu.trap.access, ACCESS_READ);
	ck_assert_uint_eq(fx->cpu.icount, 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cpu core");
	ADD_TCASE(s, "run loop and block cache", fx_setup64, fx_teardown,
		  smc_patches_next_instruction_in_same_block, kernel_write_to_cached_code_is_seen,
		  reprotecting_code_invalidates_and_faults, budget_is_exact, chained_loop_needs_few_lookups,
		  single_step_with_tf, stop_request_returns_before_running,
		  instruction_straddling_into_unmapped_page, data_fault_is_precise);
	return run_suite(s);
}
