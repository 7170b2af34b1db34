/* Wine's unix calls reach the kernel through the trampoline's service number and get the
 * answers ntdll expects (GUEST-CONTRACT.md §4). */
#include <check.h>
#include <string.h>

#include "kernel/clock.h"
#include "kernel/unixcall.h"
#include "run_suite.h"

#define CODE 0x400000ull
#define DATA 0x300000ull
#define STACK_TOP 0x200000ull

static uint64_t run_call(uint32_t code, uint64_t *time_out)
{
	static const struct kconfig cfg = {0};
	struct kprocess *p = kprocess_create(&cfg, 8);
	uint8_t *text = gmem_map_anon(p->mem, CODE, 0x1000, GMEM_READ | GMEM_EXEC);
	uint8_t *data = gmem_map_anon(p->mem, DATA, 0x1000, GMEM_READ | GMEM_WRITE);
	gmem_map_anon(p->mem, STACK_TOP - 0x10000, 0x10000, GMEM_READ | GMEM_WRITE);
	uint8_t prog[] = {
		0x49, 0xc7, 0xc2, 0x00, 0x00, 0x00, 0x00, /* mov r10, 0 (handle) */
		0xba, 0, 0, 0, 0,                         /* mov edx, code */
		0x49, 0xc7, 0xc0, 0x00, 0x00, 0x30, 0x00, /* mov r8, DATA */
		0xb8, 0xff, 0x3f, 0x00, 0x00,             /* mov eax, UNIX_CALL_SERVICE */
		0x0f, 0x05,                               /* syscall */
		0x48, 0x89, 0x04, 0x25, 0x08, 0x00, 0x30, 0x00, /* mov [DATA+8], rax */
	};
	memcpy(prog + 8, &code, 4);
	memcpy(text, prog, sizeof prog);
	struct kthread *t = kthread_create(p);
	t->cpu.rip = CODE;
	t->cpu.r[R_SP] = STACK_TOP - 0x100;
	p->max_insns = 6; /* the six instructions above, then the budget stops the run */
	kernel_run(p);
	uint64_t status;
	memcpy(&status, data + 8, 8);
	memcpy(time_out, data, 8);
	kprocess_destroy(p);
	return status;
}

START_TEST(ntdll_unix_calls)
{
	uint64_t t = 0;
	ck_assert_uint_eq(run_call(0, &t), STATUS_DLL_NOT_FOUND);
	ck_assert_uint_eq(run_call(1, &t), STATUS_UNSUCCESSFUL);
	ck_assert_uint_eq(run_call(77, &t), STATUS_NOT_IMPLEMENTED);
	ck_assert_uint_eq(run_call(2, &t), STATUS_SUCCESS);
	/* Virtual time: the epoch plus 4 instructions' worth (under 100 ns). */
	ck_assert_uint_eq(t, CLOCK_EPOCH_FILETIME);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("unixcall");
	ADD_TCASE(s, "wine unix calls", NULL, NULL, ntdll_unix_calls);
	return run_suite(s);
}
