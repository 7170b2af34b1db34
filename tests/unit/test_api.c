/* The public library API (include/ntemu.h) used as a user would: a bare process, guest
 * memory, and system-call handlers called by name. Only ntemu.h is included. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "ntemu.h"
#include "run_suite.h"

static const char *sysroot(void)
{
	const char *s = getenv("NTEMU_SYSROOT");
	return s && *s ? s : "build/sysroot";
}

START_TEST(allocate_virtual_memory_through_the_api)
{
	char err[256];
	struct ntemu_options opt = {.sysroot = sysroot()};
	struct ntemu_process *p = ntemu_bare_process(&opt, err, sizeof err);
	ck_assert_msg(p, "%s", err);
	uint64_t buf = ntemu_alloc(p, 0x1000);
	ck_assert_uint_ne(buf, 0);
	ck_assert_uint_eq(buf & 0xffff, 0);

	/* NtAllocateVirtualMemory(-1, &base, 0, &size, MEM_RESERVE|MEM_COMMIT, PAGE_READWRITE) */
	uint64_t base = 0, size = 0x3000;
	ck_assert(ntemu_write(p, buf, &base, 8));
	ck_assert(ntemu_write(p, buf + 8, &size, 8));
	uint64_t args[6] = {(uint64_t)-1, buf, 0, buf + 8, 0x3000, 0x04};
	uint32_t status = 0xffffffff;
	ck_assert_int_eq(ntemu_syscall(p, "NtAllocateVirtualMemory", args, 6, &status), NTEMU_CALL_DONE);
	ck_assert_uint_eq(status, 0);
	ck_assert(ntemu_read(p, buf, &base, 8));
	ck_assert(ntemu_read(p, buf + 8, &size, 8));
	ck_assert_uint_ne(base, 0);
	ck_assert_uint_eq(size, 0x3000);
	uint32_t word = 0x12345678, back = 0;
	ck_assert(ntemu_write(p, base + 0x2ffc, &word, 4));
	ck_assert(ntemu_read(p, base + 0x2ffc, &back, 4));
	ck_assert_uint_eq(back, word);
	ck_assert(!ntemu_read(p, base + 0x3000, &back, 4));

	ck_assert_int_eq(ntemu_syscall(p, "NtAllocateVirtualMemory", args, 5, &status), NTEMU_CALL_BAD_ARGS);
	ck_assert_int_eq(ntemu_syscall(p, "NtNoSuchThing", args, 0, &status), NTEMU_CALL_NO_SUCH);
	/* A service the image has but ntemu does not serve answers, and says so. */
	ck_assert_int_eq(ntemu_syscall(p, "NtAddAtom", args, 3, &status), NTEMU_CALL_UNIMPLEMENTED);
	ck_assert_uint_eq(status, 0xc0000002);
	ntemu_process_free(p);
}
END_TEST

START_TEST(wow64_bare_process_widens_handles)
{
	char err[256];
	struct ntemu_options opt = {.sysroot = sysroot(), .wow64 = true};
	struct ntemu_process *p = ntemu_bare_process(&opt, err, sizeof err);
	ck_assert_msg(p, "%s", err);
	uint64_t buf = ntemu_alloc(p, 0x1000);
	ck_assert_uint_lt(buf, 0x80000000ull);
	/* NtQueryVirtualMemory(0xffffffff (-1 from a 32-bit guest), buf, MemoryBasicInformation,
	 * buf + 0x100, 28, NULL): 28-byte MEMORY_BASIC_INFORMATION for a 32-bit guest. */
	uint64_t args[6] = {0xffffffff, buf, 0, buf + 0x100, 28, 0};
	uint32_t status = 0xffffffff;
	ck_assert_int_eq(ntemu_syscall(p, "NtQueryVirtualMemory", args, 6, &status), NTEMU_CALL_DONE);
	ck_assert_uint_eq(status, 0);
	uint32_t mbi[7];
	ck_assert(ntemu_read(p, buf + 0x100, mbi, sizeof mbi));
	ck_assert_uint_eq(mbi[0], buf);          /* BaseAddress */
	ck_assert_uint_eq(mbi[1], buf);          /* AllocationBase */
	ck_assert_uint_eq(mbi[4], 0x1000);       /* State: MEM_COMMIT */
	ntemu_process_free(p);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("api");
	ADD_TCASE(s, "public API", NULL, NULL, allocate_virtual_memory_through_the_api,
		  wow64_bare_process_widens_handles);
	return run_suite(s);
}
