/* A fault travels the whole way: CPU trap -> EXCEPTION_RECORD + CONTEXT frame at the
 * dispatcher -> guest code inspects and edits the CONTEXT -> NtContinue resumes -> the process
 * ends through NtTerminateProcess with its status. The "dispatcher" is a few instructions of
 * test code standing in for ntdll's KiUserExceptionDispatcher. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/thread.h"
#include "kernel_fixture.h"
#include "run_suite.h"

#define CODE 0x400000ull
#define DISPATCHER 0x401000ull
#define DATA 0x300000ull
#define STACK_TOP 0x200000ull

static struct kfx_services ntdll;

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }

/* A process bound to ntdll's services, its exceptions delivered at DISPATCHER, with
 * `code_size` bytes of code at CODE (*code: their host view). */
static struct kprocess *start(uint64_t code_size, uint8_t **code)
{
	kfx_services_load(&ntdll, "system32");
	static const struct kconfig cfg = {0};
	struct kprocess *p = kfx_process(&cfg, 8, 0, 0);
	dispatch_bind(&p->syscalls, &ntdll.table);
	*code = gmem_map_anon(p->mem, CODE, code_size, GMEM_READ | GMEM_EXEC);
	p->ntdll.ki_user_exception_dispatcher = DISPATCHER;
	return p;
}

START_TEST(access_violation_dispatched_and_continued)
{
	uint8_t *code;
	struct kprocess *p = start(0x2000, &code);
	uint8_t *data = gmem_map_anon(p->mem, DATA, 0x1000, GMEM_READ | GMEM_WRITE);
	gmem_map_anon(p->mem, STACK_TOP - 0x100000, 0x100000, GMEM_READ | GMEM_WRITE);

	uint8_t main_code[] = {
		0x48, 0xc7, 0xc3, 0x34, 0x12, 0x00, 0x00,             /* mov rbx, 0x1234 */
		0x48, 0x8b, 0x04, 0x25, 0x10, 0x00, 0x00, 0x00,       /* mov rax, [0x10]: faults */
		0x48, 0xc7, 0xc6, 0x07, 0x00, 0x00, 0x00,             /* mov rsi, 7 */
		0x49, 0xc7, 0xc2, 0xff, 0xff, 0xff, 0xff,             /* mov r10, -1 */
		0xba, 0x2a, 0x00, 0x00, 0x00,                         /* mov edx, 42 */
		0xb8, 0, 0, 0, 0,                                     /* mov eax, NtTerminateProcess */
		0x0f, 0x05,                                           /* syscall */
		0xcc,
	};
	put32(main_code + 35, kfx_service_id(&ntdll.table, "NtTerminateProcess"));
	uint8_t dispatcher[] = {
		0x8b, 0x84, 0x24, 0xf0, 0x04, 0x00, 0x00,             /* mov eax, [rsp+0x4f0] (code) */
		0x89, 0x04, 0x25, 0x00, 0x00, 0x30, 0x00,             /* mov [DATA], eax */
		0x48, 0x8b, 0x84, 0x24, 0x18, 0x05, 0x00, 0x00,       /* mov rax, [rsp+0x518] (param 1) */
		0x48, 0x89, 0x04, 0x25, 0x08, 0x00, 0x30, 0x00,       /* mov [DATA+8], rax */
		0x48, 0x8b, 0x84, 0x24, 0x00, 0x05, 0x00, 0x00,       /* mov rax, [rsp+0x500] (address) */
		0x48, 0x89, 0x04, 0x25, 0x10, 0x00, 0x30, 0x00,       /* mov [DATA+0x10], rax */
		0x48, 0x83, 0x84, 0x24, 0xf8, 0x00, 0x00, 0x00, 0x08, /* add qword [rsp+0xf8], 8 (Rip) */
		0x48, 0x89, 0xe1,                                     /* mov rcx, rsp */
		0x31, 0xd2,                                           /* xor edx, edx */
		0x49, 0x89, 0xca,                                     /* mov r10, rcx */
		0xb8, 0, 0, 0, 0,                                     /* mov eax, NtContinue */
		0x0f, 0x05,                                           /* syscall */
		0xcc,
	};
	put32(dispatcher + 64, kfx_service_id(&ntdll.table, "NtContinue"));
	memcpy(code, main_code, sizeof main_code);
	memcpy(code + 0x1000, dispatcher, sizeof dispatcher);

	struct kthread *t = kthread_create(p);
	t->cpu.rip = CODE;
	t->cpu.r[R_SP] = STACK_TOP - 0x1000;
	ck_assert_uint_eq(kernel_run(p), 42);

	uint32_t exc_code;
	uint64_t fault_addr, exc_addr;
	memcpy(&exc_code, data, 4);
	memcpy(&fault_addr, data + 8, 8);
	memcpy(&exc_addr, data + 0x10, 8);
	ck_assert_uint_eq(exc_code, STATUS_ACCESS_VIOLATION);
	ck_assert_uint_eq(fault_addr, 0x10);
	ck_assert_uint_eq(exc_addr, CODE + 7);
	/* NtContinue restored the registers the fault interrupted, then execution went on (rcx
	 * and r11 belong to the final syscall, which clobbers them as the ISA says). */
	ck_assert_uint_eq(t->cpu.r[R_BX], 0x1234);
	ck_assert_uint_eq(t->cpu.r[R_SI], 7);
	ck_assert_uint_eq(t->cpu.r[R_SP], STACK_TOP - 0x1000);
	ck_assert(p->last_exception.valid);
	kprocess_destroy(p);
	kfx_services_free(&ntdll);
}
END_TEST

START_TEST(fault_without_usable_stack_ends_process)
{
	uint8_t *code;
	struct kprocess *p = start(0x1000, &code);
	static const uint8_t ud2[] = {0x0f, 0x0b};
	memcpy(code, ud2, sizeof ud2);
	struct kthread *t = kthread_create(p);
	t->cpu.rip = CODE;
	t->cpu.r[R_SP] = 0x7000000; /* unmapped: the frame cannot be written */
	ck_assert_uint_eq(kernel_run(p), STATUS_ILLEGAL_INSTRUCTION);
	ck_assert_uint_eq(p->last_exception.address, CODE);
	kprocess_destroy(p);
	kfx_services_free(&ntdll);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("exception");
	ADD_TCASE(s, "exception delivery", NULL, NULL, access_violation_dispatched_and_continued,
		  fault_without_usable_stack_ends_process);
	return run_suite(s);
}
