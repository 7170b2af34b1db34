/* Process, thread, token and system information services called directly on a bare process
 * (plus a thread with a TEB and a PEB where the class needs one), in the 64-bit and 32-bit
 * layouts, with the size rules of each family of classes. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/clock.h"
#include "kernel/guest.h"
#include "kernel/info.h"
#include "kernel/process.h"
#include "kernel/section.h"
#include "kernel/thread.h"
#include "kernel/vm.h"
#include "kernel_fixture.h"
#include "run_suite.h"

#define SCRATCH 0x60000000ull
#define RET_P (SCRATCH + 0x000)
#define HANDLE_P (SCRATCH + 0x010)
#define ARG_P (SCRATCH + 0x020)
#define STR_P (SCRATCH + 0x100)
#define BUF (SCRATCH + 0x1000)
#define BUF_SIZE 0x4000u
#define TEB (SCRATCH + 0x8000)  /* 0x4000 bytes */
#define PEB (SCRATCH + 0xc000)

static struct kconfig cfg;
static struct kprocess *p;
static struct kthread *thread;
static struct nt_call call;

static void start(unsigned ptr_size)
{
	p = kfx_process(&cfg, ptr_size, SCRATCH, 0x10000);
	/* One thread whose TEB points at the PEB, as the bootstrap lays them out. */
	thread = kthread_create(p);
	thread->teb = TEB;
	guest_write_ptr(p, TEB + (ptr_size == 8 ? 0x60 : 0x30), PEB);
	call = (struct nt_call){.proc = p, .thread = thread};
}

static void setup64(void) { start(8); }
static void setup32(void) { start(4); }
static void teardown(void) { kprocess_destroy(p); }

static uint32_t rd32(gptr_t a) { return kfx_rd32(p, a); }
static uint64_t rdptr(gptr_t a) { return kfx_rdptr(p, a); }

static void wr32(gptr_t a, uint32_t v) { guest_write(p, a, &v, 4); }

static ntstatus_t qproc(uint32_t cls, uint32_t len)
{
	wr32(RET_P, 0xdead);
	return nt_query_information_process(&call, CURRENT_PROCESS, cls, BUF, len, RET_P);
}

static ntstatus_t qthread(handle_t h, uint32_t cls, uint32_t len)
{
	wr32(RET_P, 0xdead);
	return nt_query_information_thread(&call, h, cls, BUF, len, RET_P);
}

static ntstatus_t qtoken(handle_t h, uint32_t cls, uint32_t len)
{
	wr32(RET_P, 0xdead);
	return nt_query_information_token(&call, h, cls, BUF, len, RET_P);
}

static ntstatus_t qsys(uint32_t cls, uint32_t len)
{
	wr32(RET_P, 0xdead);
	return nt_query_system_information(&call, cls, BUF, len, RET_P);
}

/* ---- processes ---- */

/* An image view standing in for the program, found through PEB.ImageBaseAddress. */
static void map_program(struct pe_image *pe)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/system32/kernel32.dll", kfx_sysroot());
	uint64_t base = 0;
	ck_assert_uint_eq(vm_map_image(p, path, "C:\\dir\\prog.exe", &base, pe), STATUS_SUCCESS);
	guest_write_ptr(p, PEB + (p->ptr_size == 8 ? 0x10 : 0x8), base);
}

START_TEST(process_basic_information)
{
	unsigned w = p->ptr_size;
	uint32_t size = w == 8 ? 48 : 24;
	ck_assert_uint_eq(qproc(0, size), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(RET_P), size);
	ck_assert_uint_eq(rd32(BUF), STATUS_PENDING);       /* ExitStatus: still running */
	ck_assert_uint_eq(rdptr(BUF + w), PEB);             /* PebBaseAddress */
	ck_assert_uint_eq(rdptr(BUF + 2 * w), 1);           /* AffinityMask */
	ck_assert_uint_eq(rd32(BUF + 3 * w), 2);            /* BasePriority: Wine's PROCESS_PRIOCLASS_NORMAL */
	ck_assert_uint_eq(rdptr(BUF + 4 * w), 0x10);        /* UniqueProcessId */
	/* NT wants exactly the structure's size. */
	ck_assert_uint_eq(qproc(0, size - 1), STATUS_INFO_LENGTH_MISMATCH);
	ck_assert_uint_eq(rd32(RET_P), size);
	ck_assert_uint_eq(qproc(0, size * 2), STATUS_INFO_LENGTH_MISMATCH);
	ck_assert_uint_eq(nt_query_information_process(&call, CURRENT_PROCESS, 0, 0x1000, size, 0),
			  STATUS_ACCESS_VIOLATION);
	ck_assert_uint_eq(nt_query_information_process(&call, 0x1234, 0, BUF, size, 0), STATUS_INVALID_HANDLE);
	/* A process handle needs one of the query rights. */
	handle_t h;
	ck_assert_uint_eq(handle_alloc(&p->handles, &p->obj, 0x1 /* PROCESS_TERMINATE */, 0, &h), STATUS_SUCCESS);
	ck_assert_uint_eq(nt_query_information_process(&call, h, 0, BUF, size, 0), STATUS_ACCESS_DENIED);
	ck_assert_uint_eq(handle_alloc(&p->handles, &p->obj, 0x1000, 0, &h), STATUS_SUCCESS);
	ck_assert_uint_eq(nt_query_information_process(&call, h, 0, BUF, size, 0), STATUS_SUCCESS);
	ck_assert_uint_eq(qproc(9999, 64), STATUS_INVALID_INFO_CLASS);
}
END_TEST

START_TEST(process_debug_and_small_classes)
{
	unsigned w = p->ptr_size;
	ck_assert_uint_eq(qproc(7, w), STATUS_SUCCESS); /* ProcessDebugPort */
	ck_assert_uint_eq(rdptr(BUF), 0);
	ck_assert_uint_eq(qproc(31, 4), STATUS_SUCCESS); /* ProcessDebugFlags */
	ck_assert_uint_eq(rd32(BUF), 1);
	guest_write_ptr(p, BUF, 0x55);
	ck_assert_uint_eq(qproc(30, w), STATUS_PORT_NOT_SET); /* ProcessDebugObjectHandle */
	ck_assert_uint_eq(rdptr(BUF), 0);
	ck_assert_uint_eq(qproc(26, w), STATUS_SUCCESS); /* ProcessWow64Information */
	ck_assert_uint_eq(rdptr(BUF), 0);
	ck_assert_uint_eq(qproc(24, 4), STATUS_SUCCESS); /* ProcessSessionInformation */
	ck_assert_uint_eq(rd32(BUF), 1);
	ck_assert_uint_eq(qproc(36, 4), STATUS_SUCCESS); /* ProcessCookie: fixed per seed */
	uint32_t cookie = rd32(BUF);
	ck_assert_uint_eq(qproc(36, 4), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF), cookie);
	ck_assert_uint_eq(qproc(20, 4), STATUS_SUCCESS); /* ProcessHandleCount */
	ck_assert_uint_eq(rd32(BUF), p->handles.count);
	ck_assert_uint_eq(qproc(20, 8), STATUS_SUCCESS);
	ck_assert_uint_eq(qproc(4, 32), STATUS_SUCCESS); /* ProcessTimes */
	uint64_t create;
	guest_read(p, BUF, &create, 8);
	ck_assert_uint_eq(create, 133801632000000000ull);
	/* VM_COUNTERS and VM_COUNTERS_EX: the scratch allocation is in the working set. */
	ck_assert_uint_eq(qproc(3, w == 8 ? 88 : 44), STATUS_SUCCESS);
	ck_assert_uint_ge(rdptr(BUF + (w == 8 ? 0x20 : 0x10)), 0x10000);
	ck_assert_uint_eq(qproc(3, w == 8 ? 96 : 48), STATUS_SUCCESS);
	ck_assert_uint_eq(qproc(3, 50), STATUS_INFO_LENGTH_MISMATCH);
	ck_assert_uint_eq(qproc(18, 2), STATUS_SUCCESS); /* ProcessPriorityClass */
	ck_assert_uint_eq(rd32(BUF) >> 8 & 0xff, 2);
	ck_assert_uint_eq(qproc(1, w == 8 ? 48 : 32), STATUS_SUCCESS); /* ProcessQuotaLimits */
	ck_assert_uint_eq(rdptr(BUF + 2 * w), 204800);
	wr32(BUF, 0); /* ProcessMitigationPolicy: ProcessDEPPolicy */
	ck_assert_uint_eq(qproc(52, 8), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF + 4), w == 8 ? 5 : 1);
	wr32(BUF, 99);
	ck_assert_uint_eq(qproc(52, 8), STATUS_INVALID_PARAMETER);
}
END_TEST

START_TEST(process_device_map)
{
	/* C: is the root; D: and Q: are mounted. */
	static struct kconfig drives = {.root = "/tmp", .nmounts = 2,
					.mounts = {{'D', "/tmp", false}, {'Q', "/tmp", true}}};
	p->config = &drives;
	ck_assert_uint_eq(qproc(23, 36), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF), 1u << 2 | 1u << 3 | 1u << 16);
	ck_assert_uint_eq(rd32(BUF + 4) >> 16 & 0xff, 3); /* DriveType['C'] = DRIVE_FIXED */
	ck_assert_uint_eq(rd32(BUF + 4) & 0xff, 0);
	p->config = &cfg;
}
END_TEST

START_TEST(process_set_classes)
{
	unsigned w = p->ptr_size;
	wr32(ARG_P, 5);
	ck_assert_uint_eq(nt_set_information_process(&call, CURRENT_PROCESS, 12, ARG_P, 4), STATUS_SUCCESS);
	ck_assert_uint_eq(qproc(12, 4), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF), 5);
	ck_assert_uint_eq(nt_set_information_process(&call, CURRENT_PROCESS, 12, ARG_P, 8), STATUS_INFO_LENGTH_MISMATCH);
	/* Affinity: a subset of the one processor. */
	guest_write_ptr(p, ARG_P, 2);
	ck_assert_uint_eq(nt_set_information_process(&call, CURRENT_PROCESS, 21, ARG_P, w), STATUS_INVALID_PARAMETER);
	guest_write_ptr(p, ARG_P, 1);
	ck_assert_uint_eq(nt_set_information_process(&call, CURRENT_PROCESS, 21, ARG_P, w), STATUS_SUCCESS);
	/* DEP is permanent for 64-bit processes only. */
	wr32(ARG_P, 2);
	ck_assert_uint_eq(nt_set_information_process(&call, CURRENT_PROCESS, 34, ARG_P, 4),
			  w == 8 ? STATUS_ACCESS_DENIED : STATUS_SUCCESS);
	ck_assert_uint_eq(qproc(34, 4), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF), w == 8 ? 0xd : 2);
	/* Priority class. */
	guest_write(p, ARG_P, "\0\6", 2);
	ck_assert_uint_eq(nt_set_information_process(&call, CURRENT_PROCESS, 18, ARG_P, 2), STATUS_SUCCESS);
	ck_assert_uint_eq(qproc(18, 2), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF) >> 8 & 0xff, 6);
	guest_write(p, ARG_P, "\0\11", 2);
	ck_assert_uint_eq(nt_set_information_process(&call, CURRENT_PROCESS, 18, ARG_P, 2), STATUS_INVALID_PARAMETER);
	ck_assert_uint_eq(nt_set_information_process(&call, CURRENT_PROCESS, 9999, ARG_P, 4), STATUS_INVALID_INFO_CLASS);
}
END_TEST

START_TEST(process_image_information_and_name)
{
	struct pe_image pe;
	map_program(&pe);
	ck_assert_uint_eq(qproc(37, 0x40), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF + 48) & 0xffff, 0x8664); /* Machine */
	ck_assert_uint_eq(rd32(BUF + 48) >> 16 & 0xff, 1);  /* ImageContainsCode */
	ck_assert_uint_eq(rd32(BUF + 52), 0);               /* LoaderFlags */
	ck_assert_uint_eq(rdptr(BUF), pe.image_base + pe.entry_rva);
	ck_assert_uint_eq(qproc(37, 0x30), STATUS_INFO_LENGTH_MISMATCH);

	/* Names: UNICODE_STRING then the characters. */
	ck_assert_uint_eq(qproc(43, 8), STATUS_INFO_LENGTH_MISMATCH);
	ck_assert_uint_eq(rd32(RET_P), 16 + 16 * 2);
	ck_assert_uint_eq(qproc(43, BUF_SIZE), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF) & 0xffff, 15 * 2);
	uint16_t c;
	guest_read(p, BUF + 16 + 3 * 2, &c, 2);
	ck_assert_uint_eq(c, 'd');
	ck_assert_uint_eq(qproc(27, BUF_SIZE), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF) & 0xffff, (23 + 13) * 2); /* \Device\HarddiskVolume1\dir\prog.exe */
	guest_read(p, BUF + 16 + 22 * 2, &c, 2);
	ck_assert_uint_eq(c, '1');
}
END_TEST

/* ---- threads ---- */

START_TEST(thread_basic_and_last_thread)
{
	unsigned w = p->ptr_size;
	uint32_t size = w == 8 ? 48 : 28;
	ck_assert_uint_eq(qthread(CURRENT_THREAD, 0, size), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF), STATUS_PENDING);
	ck_assert_uint_eq(rdptr(BUF + w), TEB);
	ck_assert_uint_eq(rdptr(BUF + 2 * w), 0x10);
	ck_assert_uint_eq(rdptr(BUF + 3 * w), thread->tid);
	ck_assert_uint_eq(rdptr(BUF + 4 * w), 1);
	ck_assert_uint_eq(qthread(CURRENT_THREAD, 0, size + 4), STATUS_INFO_LENGTH_MISMATCH);

	ck_assert_uint_eq(qthread(CURRENT_THREAD, 12, 4), STATUS_SUCCESS); /* ThreadAmILastThread */
	ck_assert_uint_eq(rd32(BUF), 1);
	struct kthread *other = kthread_create(p);
	handle_t h;
	ck_assert_uint_eq(handle_alloc(&p->handles, other, 0x1fffff, 0, &h), STATUS_SUCCESS);
	ck_assert_uint_eq(qthread(CURRENT_THREAD, 12, 4), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF), 0);
	kthread_terminate(other, 7);
	ck_assert_uint_eq(qthread(CURRENT_THREAD, 12, 4), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF), 1);
	/* The other thread through its handle: terminated, with its exit status. */
	ck_assert_uint_eq(qthread(h, 20, 4), STATUS_SUCCESS); /* ThreadIsTerminated */
	handle_t weak;
	ck_assert_uint_eq(handle_alloc(&p->handles, other, 0x1 /* THREAD_TERMINATE */, 0, &weak), STATUS_SUCCESS);
	ck_assert_uint_eq(qthread(weak, 20, 4), STATUS_ACCESS_DENIED);
	ck_assert_uint_eq(rd32(BUF), 1);
	ck_assert_uint_eq(qthread(h, 0, size), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF), 7);
	ck_assert_uint_eq(qthread(CURRENT_PROCESS, 0, size), STATUS_OBJECT_TYPE_MISMATCH);
	ck_assert_uint_eq(qthread(CURRENT_THREAD, 29, 0x2cc), STATUS_INVALID_PARAMETER); /* WOW64 context */
	ck_assert_uint_eq(qthread(CURRENT_THREAD, 9999, 4), STATUS_INVALID_INFO_CLASS);
	/* Without a calling thread the pseudo-handle names nothing... */
	call.thread = NULL;
	ck_assert_uint_eq(qthread(CURRENT_THREAD, 0, size), STATUS_INVALID_HANDLE);
	/* ...unless the scheduler has recorded whose call it serves; NtDuplicateObject then makes
	 * a real handle of it. */
	p->current = thread;
	ck_assert_uint_eq(qthread(CURRENT_THREAD, 0, size), STATUS_SUCCESS);
	ck_assert_uint_eq(rdptr(BUF + 3 * w), thread->tid);
	ck_assert_uint_eq(nt_duplicate_object(&call, CURRENT_PROCESS, CURRENT_THREAD, CURRENT_PROCESS, HANDLE_P,
					      0, 0, 2 /* DUPLICATE_SAME_ACCESS */), STATUS_SUCCESS);
	ck_assert_ptr_eq(handle_entry(&p->handles, rdptr(HANDLE_P))->obj, &thread->obj);
}
END_TEST

START_TEST(thread_times_and_suspend_count)
{
	/* KERNEL_USER_TIMES {CreateTime, ExitTime, KernelTime, UserTime}: each thread's own
	 * creation time from the clock, its exit time once it ended. */
	ck_assert_uint_eq(qthread(CURRENT_THREAD, 1, 32), STATUS_SUCCESS); /* ThreadTimes */
	ck_assert_uint_eq(kfx_rd64(p, BUF), CLOCK_EPOCH_FILETIME);
	ck_assert_uint_eq(kfx_rd64(p, BUF + 8), 0);
	p->clock_skew += 5000; /* every thread waited 500 us */
	struct kthread *other = kthread_create(p);
	handle_t h;
	ck_assert_uint_eq(handle_alloc(&p->handles, other, 0x1fffff, 0, &h), STATUS_SUCCESS);
	ck_assert_uint_eq(qthread(h, 1, 32), STATUS_SUCCESS);
	ck_assert_uint_eq(kfx_rd64(p, BUF), CLOCK_EPOCH_FILETIME + 5000);
	ck_assert_uint_eq(kfx_rd64(p, BUF + 8), 0);
	p->clock_skew += 7000;
	kthread_terminate(other, 0);
	ck_assert_uint_eq(qthread(h, 1, 32), STATUS_SUCCESS);
	ck_assert_uint_eq(kfx_rd64(p, BUF), CLOCK_EPOCH_FILETIME + 5000);
	ck_assert_uint_eq(kfx_rd64(p, BUF + 8), CLOCK_EPOCH_FILETIME + 12000);
	ck_assert_uint_eq(qthread(CURRENT_THREAD, 1, 32), STATUS_SUCCESS);
	ck_assert_uint_eq(kfx_rd64(p, BUF), CLOCK_EPOCH_FILETIME);
	/* The process was created when it started, not when the machine booted; the time the
	 * clock jumped while it waited is not its user time. */
	ck_assert_uint_eq(qproc(4, 32), STATUS_SUCCESS); /* ProcessTimes */
	ck_assert_uint_eq(kfx_rd64(p, BUF), CLOCK_EPOCH_FILETIME);
	ck_assert_uint_eq(kfx_rd64(p, BUF + 24), 0);

	/* ThreadSuspendCount follows NtSuspendThread / NtResumeThread. */
	struct kthread *worker = kthread_create(p);
	handle_t hw;
	ck_assert_uint_eq(handle_alloc(&p->handles, worker, 0x1fffff, 0, &hw), STATUS_SUCCESS);
	ck_assert_uint_eq(qthread(hw, 35, 4), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF), 0);
	ck_assert_uint_eq(nt_suspend_thread(&call, hw, 0), STATUS_SUCCESS);
	ck_assert_uint_eq(nt_suspend_thread(&call, hw, 0), STATUS_SUCCESS);
	ck_assert_uint_eq(qthread(hw, 35, 4), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF), 2);
	ck_assert_uint_eq(nt_resume_thread(&call, hw, 0), STATUS_SUCCESS);
	ck_assert_uint_eq(qthread(hw, 35, 4), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF), 1);
	ck_assert_uint_eq(qthread(hw, 35, 3), STATUS_INFO_LENGTH_MISMATCH);

	/* Uptime, the performance counter and the TSC count from the same boot. */
	uint64_t up = clock_uptime(p);
	ck_assert_uint_eq(up, CLOCK_BOOT_UPTIME + 12000);
	ck_assert_uint_eq(nt_query_performance_counter(&call, ARG_P, ARG_P + 8), STATUS_SUCCESS);
	ck_assert_uint_eq(kfx_rd64(p, ARG_P), up);
	ck_assert_uint_eq(kfx_rd64(p, ARG_P + 8), CLOCK_QPC_FREQUENCY);
	ck_assert_uint_eq(clock_read_tsc(p, &thread->cpu), up * CLOCK_TSC_PER_100NS);
	ck_assert_uint_eq(clock_system_time(p), CLOCK_EPOCH_FILETIME + up - CLOCK_BOOT_UPTIME);
}
END_TEST

/* timeBeginPeriod/timeEndPeriod's services: a request is clamped to 0.5 ms .. 15.625 ms, read
 * back until it is withdrawn, and withdrawing without one is refused; one processor, number 0. */
START_TEST(timer_resolution_and_processor_number)
{
	ck_assert_uint_eq(nt_query_timer_resolution(&call, ARG_P, ARG_P + 4, ARG_P + 8), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(ARG_P), 156250);
	ck_assert_uint_eq(rd32(ARG_P + 4), 5000);
	ck_assert_uint_eq(rd32(ARG_P + 8), 156250);
	ck_assert_uint_eq(nt_set_timer_resolution(&call, 10000, 0, ARG_P), STATUS_TIMER_RESOLUTION_NOT_SET);
	ck_assert_uint_eq(rd32(ARG_P), 156250);
	ck_assert_uint_eq(nt_set_timer_resolution(&call, 10000, 1, ARG_P), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(ARG_P), 10000);
	ck_assert_uint_eq(nt_query_timer_resolution(&call, ARG_P, ARG_P + 4, ARG_P + 8), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(ARG_P + 8), 10000);
	ck_assert_uint_eq(nt_set_timer_resolution(&call, 1, 1, ARG_P), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(ARG_P), 5000);
	ck_assert_uint_eq(nt_set_timer_resolution(&call, 1000000, 1, ARG_P), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(ARG_P), 156250);
	ck_assert_uint_eq(nt_set_timer_resolution(&call, 0, 0, ARG_P), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(ARG_P), 156250);
	ck_assert_uint_eq(nt_set_timer_resolution(&call, 0, 0, ARG_P), STATUS_TIMER_RESOLUTION_NOT_SET);
	/* Every pointer is checked. */
	ck_assert_uint_eq(nt_query_timer_resolution(&call, ARG_P, ARG_P + 4, 0), STATUS_ACCESS_VIOLATION);
	ck_assert_uint_eq(nt_set_timer_resolution(&call, 10000, 1, 0), STATUS_ACCESS_VIOLATION);

	ck_assert_uint_eq(nt_get_current_processor_number(&call), 0);
}
END_TEST

START_TEST(thread_set_classes)
{
	unsigned w = p->ptr_size;
	/* ThreadZeroTlsCell clears the slot in every TEB. */
	uint64_t tls = TEB + (w == 8 ? 0x1480 : 0xe10) + 3ull * w;
	guest_write_ptr(p, tls, 0x1234);
	wr32(ARG_P, 3);
	ck_assert_uint_eq(nt_set_information_thread(&call, CURRENT_THREAD, 10, ARG_P, 4), STATUS_SUCCESS);
	ck_assert_uint_eq(rdptr(tls), 0);
	wr32(ARG_P, 5000);
	ck_assert_uint_eq(nt_set_information_thread(&call, CURRENT_THREAD, 10, ARG_P, 4), STATUS_INVALID_PARAMETER);
	/* ThreadHideFromDebugger takes an empty buffer. */
	ck_assert_uint_eq(nt_set_information_thread(&call, CURRENT_THREAD, 17, 0, 0), STATUS_SUCCESS);
	ck_assert_uint_eq(nt_set_information_thread(&call, CURRENT_THREAD, 17, ARG_P, 4), STATUS_INFO_LENGTH_MISMATCH);
	ck_assert_uint_eq(qthread(CURRENT_THREAD, 17, 1), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF) & 0xff, 1);
	/* Priorities and affinity. */
	wr32(ARG_P, 2);
	ck_assert_uint_eq(nt_set_information_thread(&call, CURRENT_THREAD, 3, ARG_P, 4), STATUS_SUCCESS);
	wr32(ARG_P, 7);
	ck_assert_uint_eq(nt_set_information_thread(&call, CURRENT_THREAD, 3, ARG_P, 4), STATUS_INVALID_PARAMETER);
	ck_assert_uint_eq(qthread(CURRENT_THREAD, 0, w == 8 ? 48 : 28), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF + 5 * w), 2);  /* Priority: the increment, as Wine reports it */
	guest_write_ptr(p, ARG_P, 3);
	ck_assert_uint_eq(nt_set_information_thread(&call, CURRENT_THREAD, 4, ARG_P, w), STATUS_INVALID_PARAMETER);
	/* Win32 start address. */
	guest_write_ptr(p, ARG_P, 0x401000);
	ck_assert_uint_eq(nt_set_information_thread(&call, CURRENT_THREAD, 9, ARG_P, w), STATUS_SUCCESS);
	ck_assert_uint_eq(qthread(CURRENT_THREAD, 9, w), STATUS_SUCCESS);
	ck_assert_uint_eq(rdptr(BUF), 0x401000);
	/* Reverting impersonation is always possible; a primary token cannot impersonate. */
	guest_write_ptr(p, ARG_P, 0);
	ck_assert_uint_eq(nt_set_information_thread(&call, CURRENT_THREAD, 5, ARG_P, w), STATUS_SUCCESS);
	ck_assert_uint_eq(nt_open_process_token(&call, CURRENT_PROCESS, MAXIMUM_ALLOWED, HANDLE_P), STATUS_SUCCESS);
	guest_write_ptr(p, ARG_P, rdptr(HANDLE_P));
	ck_assert_uint_eq(nt_set_information_thread(&call, CURRENT_THREAD, 5, ARG_P, w), STATUS_BAD_TOKEN_TYPE);
}
END_TEST

START_TEST(thread_description)
{
	unsigned w = p->ptr_size;
	unsigned us = w == 8 ? 16 : 8;
	/* No description yet: an empty string. */
	ck_assert_uint_eq(qthread(CURRENT_THREAD, 38, BUF_SIZE), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF) & 0xffff, 0);
	static const uint16_t name[] = u"worker";
	guest_write(p, STR_P, name, 12);
	uint16_t len[2] = {12, 12};
	guest_write(p, ARG_P, len, 4);
	guest_write_ptr(p, ARG_P + w, STR_P);
	ck_assert_uint_eq(nt_set_information_thread(&call, CURRENT_THREAD, 38, ARG_P, us), STATUS_SUCCESS);
	ck_assert_uint_eq(nt_set_information_thread(&call, CURRENT_THREAD, 38, ARG_P, us + 1),
			  STATUS_INFO_LENGTH_MISMATCH);
	ck_assert_uint_eq(qthread(CURRENT_THREAD, 38, us), STATUS_BUFFER_TOO_SMALL);
	ck_assert_uint_eq(rd32(RET_P), us + 14);
	ck_assert_uint_eq(qthread(CURRENT_THREAD, 38, BUF_SIZE), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF) & 0xffff, 12);
	ck_assert_uint_eq(rdptr(BUF + w), BUF + us);
	uint16_t c;
	guest_read(p, BUF + us + 2, &c, 2);
	ck_assert_uint_eq(c, 'o');
}
END_TEST

/* ---- tokens ---- */

/* The SID at `a` is S-1-5-21-0-0-0-1000. */
static void assert_user_sid(gptr_t a)
{
	uint8_t sid[28];
	guest_read(p, a, sid, sizeof sid);
	static const uint8_t want[28] = {1, 5, 0, 0, 0, 0, 0, 5, 21, 0, 0, 0, 0, 0, 0, 0,
					 0, 0, 0, 0, 0, 0, 0, 0, 0xe8, 3, 0, 0};
	ck_assert_mem_eq(sid, want, sizeof want);
}

START_TEST(token_user_groups_and_sizes)
{
	unsigned w = p->ptr_size;
	uint32_t size = 2 * w + 28;
	/* version_init's call: the effective-token pseudo-handle. */
	ck_assert_uint_eq(qtoken(CURRENT_THREAD_EFFECTIVE_TOKEN, 1, 88), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(RET_P), size);
	ck_assert_uint_eq(rdptr(BUF), BUF + 2 * w);
	ck_assert_uint_eq(rd32(BUF + w), 0);
	assert_user_sid(BUF + 2 * w);
	ck_assert_uint_eq(qtoken(CURRENT_PROCESS_TOKEN, 1, size - 1), STATUS_BUFFER_TOO_SMALL);
	ck_assert_uint_eq(rd32(RET_P), size);
	ck_assert_uint_eq(qtoken(CURRENT_PROCESS_TOKEN, 1, size), STATUS_SUCCESS);
	ck_assert_uint_eq(qtoken(CURRENT_THREAD_TOKEN, 1, 88), STATUS_NO_TOKEN);

	/* Groups: Everyone first, the medium integrity label last. */
	ck_assert_uint_eq(qtoken(CURRENT_PROCESS_TOKEN, 2, BUF_SIZE), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF), 5);
	gptr_t entries = BUF + w;
	gptr_t everyone = rdptr(entries);
	ck_assert_uint_eq(everyone, entries + 5 * 2 * w);
	ck_assert_uint_eq(rd32(everyone) & 0xffff, 0x0101); /* revision 1, one sub-authority */
	ck_assert_uint_eq(rd32(entries + w), 7);
	ck_assert_uint_eq(rd32(entries + 4 * 2 * w + w), 0x60);
	ck_assert_uint_eq(rd32(RET_P), 5 * 2 * w + w + 12 + 16 + 12 + 12 + 12);

	/* The integrity level: S-1-16-8192. */
	ck_assert_uint_eq(qtoken(CURRENT_PROCESS_TOKEN, 25, BUF_SIZE), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(rdptr(BUF) + 8), 0x2000);
	/* Small classes. */
	ck_assert_uint_eq(qtoken(CURRENT_PROCESS_TOKEN, 20, 4), STATUS_SUCCESS); /* TokenElevation */
	ck_assert_uint_eq(rd32(BUF), 0);
	ck_assert_uint_eq(qtoken(CURRENT_PROCESS_TOKEN, 18, 4), STATUS_SUCCESS); /* TokenElevationType */
	ck_assert_uint_eq(rd32(BUF), 1);
	ck_assert_uint_eq(qtoken(CURRENT_PROCESS_TOKEN, 8, 4), STATUS_SUCCESS);  /* TokenType */
	ck_assert_uint_eq(rd32(BUF), 1);
	ck_assert_uint_eq(qtoken(CURRENT_PROCESS_TOKEN, 12, 4), STATUS_SUCCESS); /* TokenSessionId */
	ck_assert_uint_eq(rd32(BUF), 1);
	ck_assert_uint_eq(qtoken(CURRENT_PROCESS_TOKEN, 29, 4), STATUS_SUCCESS); /* TokenIsAppContainer */
	ck_assert_uint_eq(qtoken(CURRENT_PROCESS_TOKEN, 29, 3), STATUS_BUFFER_TOO_SMALL);
	ck_assert_uint_eq(qtoken(CURRENT_PROCESS_TOKEN, 9, 4), STATUS_INVALID_INFO_CLASS);
	ck_assert_uint_eq(qtoken(CURRENT_PROCESS_TOKEN, 10, BUF_SIZE), STATUS_SUCCESS); /* TokenStatistics */
	ck_assert_uint_eq(rd32(RET_P), 56);
	ck_assert_uint_eq(rd32(BUF + 40), 5); /* PrivilegeCount */
	ck_assert_uint_eq(qtoken(CURRENT_PROCESS_TOKEN, 4, BUF_SIZE), STATUS_SUCCESS); /* TokenOwner */
	assert_user_sid(rdptr(BUF));
	ck_assert_uint_eq(qtoken(CURRENT_PROCESS_TOKEN, 6, BUF_SIZE), STATUS_SUCCESS); /* TokenDefaultDacl */
	ck_assert_uint_eq(rd32(rdptr(BUF)) >> 16, 8 + 36 + 20); /* AclSize */
	ck_assert_uint_eq(qtoken(CURRENT_PROCESS_TOKEN, 9999, 4), STATUS_INVALID_INFO_CLASS);
}
END_TEST

START_TEST(token_handles_and_privileges)
{
	ck_assert_uint_eq(nt_open_process_token(&call, CURRENT_PROCESS, TOKEN_ADJUST_PRIVILEGES, HANDLE_P),
			  STATUS_SUCCESS);
	handle_t adjust_only = rdptr(HANDLE_P);
	ck_assert_uint_eq(qtoken(adjust_only, 1, 88), STATUS_ACCESS_DENIED);
	ck_assert_uint_eq(nt_open_process_token_ex(&call, CURRENT_PROCESS, TOKEN_QUERY | TOKEN_ADJUST_PRIVILEGES,
						   0, HANDLE_P), STATUS_SUCCESS);
	handle_t h = rdptr(HANDLE_P);
	ck_assert_uint_eq(qtoken(h, 1, 88), STATUS_SUCCESS);
	assert_user_sid(BUF + 2 * p->ptr_size);
	ck_assert_uint_eq(nt_open_thread_token(&call, CURRENT_THREAD, TOKEN_QUERY, 1, HANDLE_P), STATUS_NO_TOKEN);
	ck_assert_uint_eq(rdptr(HANDLE_P), 0);

	/* Enable SeShutdownPrivilege (19); SeDebugPrivilege (20) is not held. */
	uint32_t state[7] = {2, 19, 0, 2 /* SE_PRIVILEGE_ENABLED */, 20, 0, 2};
	guest_write(p, ARG_P, state, sizeof state);
	ck_assert_uint_eq(nt_adjust_privileges_token(&call, h, 0, ARG_P, 4, BUF, RET_P), STATUS_BUFFER_TOO_SMALL);
	ck_assert_uint_eq(rd32(RET_P), 16);
	ck_assert_uint_eq(nt_adjust_privileges_token(&call, h, 0, ARG_P, 64, BUF, RET_P), STATUS_NOT_ALL_ASSIGNED);
	ck_assert_uint_eq(rd32(BUF), 1);      /* one privilege changed */
	ck_assert_uint_eq(rd32(BUF + 4), 19);
	ck_assert_uint_eq(rd32(BUF + 12), 0); /* it was disabled */
	ck_assert_uint_eq(qtoken(h, 3, BUF_SIZE), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF), 5);
	ck_assert_uint_eq(rd32(BUF + 4), 19);
	ck_assert_uint_eq(rd32(BUF + 12), 2);
	/* Disable all: SeChangeNotify keeps only its by-default bit. */
	ck_assert_uint_eq(nt_adjust_privileges_token(&call, h, 1, 0, 0, 0, 0), STATUS_SUCCESS);
	ck_assert_uint_eq(qtoken(h, 3, BUF_SIZE), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF + 12), 0);
	ck_assert_uint_eq(rd32(BUF + 12 + 12), 1);
	ck_assert_uint_eq(nt_adjust_privileges_token(&call, adjust_only, 1, 0, 0, BUF, RET_P), STATUS_ACCESS_DENIED);
}
END_TEST

/* OBJECT_ATTRIBUTES at ARG_P + 0x40 with a SECURITY_QUALITY_OF_SERVICE asking for `level`. */
static gptr_t sqos_attr(uint32_t level)
{
	unsigned w = p->ptr_size;
	gptr_t oa = kfx_objattr(p, ARG_P + 0x40, 0, 0, 0), qos = ARG_P + 0xa0;
	guest_write_ptr(p, oa + 5 * w, qos); /* SecurityQualityOfService */
	uint32_t q[3] = {12, level, 0};
	guest_write(p, qos, q, sizeof q);
	return oa;
}

START_TEST(token_duplicate_and_impersonate)
{
	unsigned w = p->ptr_size;
	p->current = thread;
	ck_assert_uint_eq(nt_open_process_token(&call, CURRENT_PROCESS, TOKEN_DUPLICATE, HANDLE_P), STATUS_SUCCESS);
	handle_t primary = rdptr(HANDLE_P);
	/* DuplicateTokenEx(SecurityImpersonation, TokenImpersonation), as CheckTokenMembership does. */
	ck_assert_uint_eq(nt_duplicate_token(&call, primary, TOKEN_QUERY | TOKEN_IMPERSONATE | TOKEN_DUPLICATE,
					     sqos_attr(2), 0, 2, HANDLE_P), STATUS_SUCCESS);
	handle_t imp = rdptr(HANDLE_P);
	ck_assert_uint_eq(qtoken(imp, 8, 4), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF), 2); /* TokenImpersonation */
	ck_assert_uint_eq(qtoken(imp, 9, 4), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF), 2); /* SecurityImpersonation */
	ck_assert_uint_eq(qtoken(imp, 2, BUF_SIZE), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF), 5);
	/* A copy cannot raise the level of an impersonation token. */
	ck_assert_uint_eq(nt_duplicate_token(&call, imp, 0, sqos_attr(3), 0, 2, HANDLE_P),
			  STATUS_BAD_IMPERSONATION_LEVEL);
	ck_assert_uint_eq(nt_duplicate_token(&call, imp, 0, 0, 0, 7, HANDLE_P), STATUS_INVALID_PARAMETER);
	ck_assert_uint_eq(nt_duplicate_token(&call, imp, 0, 0, 0, 1, HANDLE_P), STATUS_SUCCESS); /* back to primary */
	ck_assert_uint_eq(qtoken(rdptr(HANDLE_P), 9, 4), STATUS_INVALID_INFO_CLASS);

	/* The thread impersonates; its token is what -5 and -6 name, until it reverts. */
	guest_write_ptr(p, ARG_P, imp);
	ck_assert_uint_eq(nt_set_information_thread(&call, CURRENT_THREAD, 5, ARG_P, w), STATUS_SUCCESS);
	ck_assert_uint_eq(nt_open_thread_token(&call, CURRENT_THREAD, TOKEN_QUERY, 1, HANDLE_P), STATUS_SUCCESS);
	ck_assert_uint_eq(qtoken(rdptr(HANDLE_P), 8, 4), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF), 2);
	ck_assert_uint_eq(qtoken(CURRENT_THREAD_TOKEN, 8, 4), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF), 2);
	ck_assert_uint_eq(qtoken(CURRENT_THREAD_EFFECTIVE_TOKEN, 8, 4), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF), 2);
	ck_assert_uint_eq(qtoken(CURRENT_PROCESS_TOKEN, 8, 4), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF), 1);
	guest_write_ptr(p, ARG_P, 0);
	ck_assert_uint_eq(nt_set_information_thread(&call, CURRENT_THREAD, 5, ARG_P, w), STATUS_SUCCESS);
	ck_assert_uint_eq(nt_open_thread_token(&call, CURRENT_THREAD, TOKEN_QUERY, 1, HANDLE_P), STATUS_NO_TOKEN);
	ck_assert_uint_eq(qtoken(CURRENT_THREAD_TOKEN, 8, 4), STATUS_NO_TOKEN);
	/* The impersonation survives its handle being closed. */
	guest_write_ptr(p, ARG_P, imp);
	ck_assert_uint_eq(nt_set_information_thread(&call, CURRENT_THREAD, 5, ARG_P, w), STATUS_SUCCESS);
	ck_assert_uint_eq(nt_close(&call, imp), STATUS_SUCCESS);
	ck_assert_uint_eq(qtoken(CURRENT_THREAD_TOKEN, 9, 4), STATUS_SUCCESS);
}
END_TEST

/* ---- system ---- */

START_TEST(system_basic_cpu_and_time)
{
	unsigned w = p->ptr_size;
	uint32_t size = w == 8 ? 64 : 44;
	ck_assert_uint_eq(qsys(0, size), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(RET_P), size);
	ck_assert_uint_eq(rd32(BUF + 8), 0x1000);      /* PageSize */
	ck_assert_uint_eq(rd32(BUF + 12), 0x600000);   /* NumberOfPhysicalPages, as KUSER says */
	ck_assert_uint_eq(rd32(BUF + 24), 0x10000);    /* AllocationGranularity */
	ck_assert_uint_eq(rdptr(BUF + 28 + (w == 8 ? 4 : 0)), 0x10000);
	ck_assert_uint_eq(rdptr(BUF + 28 + (w == 8 ? 4 : 0) + w), w == 8 ? 0x7ffffffeffffull : 0x7ffeffff);
	ck_assert_uint_eq(rd32(BUF + size - (w == 8 ? 8 : 4)) & 0xff, 1); /* NumberOfProcessors */
	ck_assert_uint_eq(qsys(0, size - 1), STATUS_INFO_LENGTH_MISMATCH);
	ck_assert_uint_eq(rd32(RET_P), size);
	/* The WOW64 view always has the 32-bit limits. */
	ck_assert_uint_eq(qsys(62, size), STATUS_SUCCESS);
	ck_assert_uint_eq(rdptr(BUF + 28 + (w == 8 ? 4 : 0) + w), 0x7ffeffff);

	ck_assert_uint_eq(qsys(1, 12), STATUS_SUCCESS); /* SystemCpuInformation */
	ck_assert_uint_eq(rd32(BUF) & 0xffff, w == 8 ? 9 : 0);
	ck_assert_uint_eq(rd32(BUF) >> 16, 6);
	ck_assert_uint_ne(rd32(BUF + 8) & 0x10000, 0); /* SSE2 */

	/* Time of day: may be cut short, not exceeded. */
	ck_assert_uint_eq(qsys(3, 16), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(RET_P), 16);
	ck_assert_uint_eq(qsys(3, 48), STATUS_SUCCESS);
	ck_assert_uint_eq(qsys(3, 49), STATUS_INFO_LENGTH_MISMATCH);
	uint64_t boot;
	guest_read(p, BUF, &boot, 8);
	/* The virtual machine booted CLOCK_BOOT_UPTIME (one hour) before the process started. */
	ck_assert_uint_eq(boot, 133801632000000000ull - CLOCK_BOOT_UPTIME);
	ck_assert_uint_eq(kfx_rd64(p, BUF + 8) - boot, clock_uptime(p));

	ck_assert_uint_eq(qsys(102, 432), STATUS_SUCCESS); /* SystemDynamicTimeZoneInformation */
	uint16_t key[4];
	guest_read(p, BUF + 172, key, sizeof key);
	ck_assert_uint_eq(key[0], 'U');
	ck_assert_uint_eq(key[2], 'C');
	ck_assert_uint_eq(key[3], 0);
	ck_assert_uint_eq(qsys(44, 172), STATUS_SUCCESS);

	ck_assert_uint_eq(qsys(35, 2), STATUS_SUCCESS); /* SystemKernelDebuggerInformation */
	ck_assert_uint_eq(rd32(BUF) & 0xffff, 0x0100);
	ck_assert_uint_eq(qsys(50, w), STATUS_SUCCESS);
	ck_assert_uint_eq(qsys(58, 4), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF), 64);
	ck_assert_uint_eq(qsys(2, 0x138), STATUS_SUCCESS);
	/* AvailablePages, TotalCommittedPages, TotalCommitLimit, PeakCommitment: the fields
	 * kernelbase's GlobalMemoryStatusEx reads. */
	ck_assert_uint_eq(rd32(BUF + 0x2c), 0x300000);
	ck_assert_uint_eq(rd32(BUF + 0x30), 0xc0000);
	ck_assert_uint_eq(rd32(BUF + 0x34), 0x600000);
	ck_assert_uint_eq(rd32(BUF + 0x38), 0xc0000);
	ck_assert_uint_eq(qsys(1000, 256), STATUS_INVALID_INFO_CLASS); /* SystemWineVersionInformation */
	ck_assert_uint_eq(qsys(76, 256), STATUS_NOT_SUPPORTED);
	ck_assert_uint_eq(qsys(9999, 256), STATUS_INVALID_INFO_CLASS);
}
END_TEST

START_TEST(system_processors)
{
	unsigned w = p->ptr_size;
	uint32_t entry = w == 8 ? 32 : 24;
	ck_assert_uint_eq(qsys(73, 8), STATUS_INFO_LENGTH_MISMATCH);
	ck_assert_uint_eq(rd32(RET_P), 7 * entry);
	ck_assert_uint_eq(qsys(73, BUF_SIZE), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF + w), 0);               /* RelationProcessorCore */
	ck_assert_uint_eq(rd32(BUF + entry + w), 2);       /* RelationCache: L1d */
	uint32_t u = entry + (w == 8 ? 16 : 8);             /* the union */
	ck_assert_uint_eq(rd32(BUF + u) & 0xff, 1);
	ck_assert_uint_eq(rd32(BUF + u + 4), 32 << 10);
	ck_assert_uint_eq(rd32(BUF + u + 8), 2);           /* CacheData */

	/* The Ex form needs NtQuerySystemInformationEx and a relationship. */
	ck_assert_uint_eq(qsys(107, BUF_SIZE), STATUS_INVALID_INFO_CLASS);
	wr32(ARG_P, 0xffff);
	ck_assert_uint_eq(nt_query_system_information_ex(&call, 107, ARG_P, 4, BUF, BUF_SIZE, RET_P), STATUS_SUCCESS);
	uint32_t total = rd32(RET_P), n = 0, caches = 0;
	for (uint32_t off = 0; off < total; n++) {
		caches += rd32(BUF + off) == 2;
		off += rd32(BUF + off + 4);
	}
	ck_assert_uint_eq(n, 8);
	ck_assert_uint_eq(caches, 4);
	ck_assert_uint_eq(rd32(BUF + 4), w == 8 ? 48 : 44); /* PROCESSOR_RELATIONSHIP entry */
	wr32(ARG_P, 2);
	ck_assert_uint_eq(nt_query_system_information_ex(&call, 107, ARG_P, 4, BUF, 8, RET_P),
			  STATUS_INFO_LENGTH_MISMATCH);
	ck_assert_uint_eq(rd32(RET_P), 4 * (w == 8 ? 56 : 52));
	wr32(ARG_P, 9);
	ck_assert_uint_eq(nt_query_system_information_ex(&call, 107, ARG_P, 4, BUF, BUF_SIZE, RET_P),
			  STATUS_INVALID_PARAMETER);
	ck_assert_uint_eq(nt_query_system_information_ex(&call, 0, ARG_P, 4, BUF, BUF_SIZE, RET_P),
			  STATUS_INVALID_INFO_CLASS);
}
END_TEST

START_TEST(system_process_list)
{
	unsigned w = p->ptr_size;
	ck_assert_uint_eq(qsys(5, 16), STATUS_INFO_LENGTH_MISMATCH);
	uint32_t need = rd32(RET_P);
	ck_assert_uint_eq(qsys(5, need), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF), 0);     /* NextEntryOffset: the only entry */
	ck_assert_uint_eq(rd32(BUF + 4), 1); /* NumberOfThreads */
	uint32_t fixed = w == 8 ? 0x100 : 0xb8, thr = w == 8 ? 0x50 : 0x40;
	ck_assert_uint_eq(rdptr(BUF + (w == 8 ? 0x50 : 0x44)), 0x10); /* UniqueProcessId */
	ck_assert_uint_eq(rdptr(BUF + fixed + (w == 8 ? 0x30 : 0x24)), thread->tid); /* ClientId.UniqueThread */
	/* No program mapped: no name, as for the idle process. */
	ck_assert_uint_eq(rdptr(BUF + 0x38 + w), 0);
	ck_assert_uint_eq(need, fixed + thr);
	/* The process's and its thread's own creation times, as ProcessTimes/ThreadTimes say. */
	ck_assert_uint_eq(kfx_rd64(p, BUF + 0x20), clock_process_start(p));
	ck_assert_uint_eq(kfx_rd64(p, BUF + 0x28), clock_instructions(p) / 100);
	ck_assert_uint_eq(kfx_rd64(p, BUF + fixed + 0x10), thread->create_time);
	struct pe_image pe;
	map_program(&pe);
	ck_assert_uint_eq(qsys(5, BUF_SIZE), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(RET_P), fixed + thr + 9 * 2);
	ck_assert_uint_eq(rd32(BUF + 0x38), 8 * 2 | 9 * 2 << 16);
	gptr_t name = rdptr(BUF + 0x38 + w);
	ck_assert_uint_eq(name, BUF + fixed + thr);
	uint16_t c;
	guest_read(p, name, &c, 2);
	ck_assert_uint_eq(c, 'p');
}
END_TEST

int main(void)
{
	Suite *s = suite_create("info");
	/* Run in both layouts. */
	const TTest *const both[] = {process_basic_information, process_debug_and_small_classes,
				     process_set_classes, process_device_map, thread_basic_and_last_thread,
				     thread_times_and_suspend_count, thread_set_classes, thread_description, token_user_groups_and_sizes,
				     token_handles_and_privileges, token_duplicate_and_impersonate,
				     system_basic_cpu_and_time, system_processors, system_process_list,
				     timer_resolution_and_processor_number};
	size_t n = sizeof both / sizeof both[0];
	TCase *tc = add_tcase(s, "x64", setup64, teardown, both, n);
	tcase_add_test(tc, process_image_information_and_name);
	add_tcase(s, "x86", setup32, teardown, both, n);
	return run_suite(s);
}
