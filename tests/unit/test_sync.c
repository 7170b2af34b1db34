/* Synchronisation: the services called directly on a bare process with a few threads (which
 * never run: a blocked wait shows as THREAD_WAITING, its status appears in rax when it ends),
 * and small guest programs run by kernel_run where the scheduler's side matters (ping-pong,
 * the virtual clock jumping to a deadline, deadlock detection). */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/clock.h"
#include "kernel/guest.h"
#include "kernel/thread.h"
#include "kernel/vm.h"
#include "kernel_fixture.h"
#include "run_suite.h"

#define DATA 0x300000ull
#define CODE 0x400000ull
#define STACKS 0x500000ull

static const struct kconfig cfg = {0};
static struct kprocess *p;
static struct kthread *t1, *t2, *t3;

static void setup(void)
{
	p = kfx_process(&cfg, 8, 0, 0);
	gmem_map_anon(p->mem, DATA, 0x10000, GMEM_READ | GMEM_WRITE);
	t1 = kthread_create(p);
	t2 = kthread_create(p);
	t3 = kthread_create(p);
}

static void teardown(void)
{
	kprocess_destroy(p);
}

static struct nt_call on(struct kthread *t)
{
	p->current = t;
	return (struct nt_call){.proc = p, .thread = t};
}

static handle_t read_handle(gptr_t at)
{
	uint64_t h = 0;
	ck_assert_uint_eq(guest_read(p, at, &h, 8), STATUS_SUCCESS);
	return h;
}

static handle_t new_event(bool manual, bool initial)
{
	struct nt_call c = on(t1);
	ck_assert_uint_eq(nt_create_event(&c, DATA, 0x1f0003, 0, manual ? 0 : 1, initial), STATUS_SUCCESS);
	return read_handle(DATA);
}

static void put_time(gptr_t at, int64_t v)
{
	ck_assert_uint_eq(guest_write(p, at, &v, 8), STATUS_SUCCESS);
}

/* A zero timeout: poll. */
#define POLL (DATA + 0x100)
/* A wait that ended: the thread runs again with `status` in rax. */
#define ck_woken(t, status)                                          \
	do {                                                         \
		ck_assert_int_eq((t)->state, THREAD_RUNNABLE);       \
		ck_assert_uint_eq((t)->cpu.r[R_AX], (status));       \
	} while (0)

START_TEST(event_auto_and_manual)
{
	put_time(POLL, 0);
	handle_t a = new_event(false, true), m = new_event(true, false);
	struct nt_call c = on(t1);
	ck_assert_uint_eq(nt_wait_for_single_object(&c, a, 0, POLL), STATUS_SUCCESS);
	/* An auto-reset event let one wait through and reset itself. */
	ck_assert_uint_eq(nt_wait_for_single_object(&c, a, 0, POLL), STATUS_TIMEOUT);

	/* Two threads wait on the manual event: setting it releases both. */
	struct nt_call c2 = on(t2), c3 = on(t3);
	ck_assert_uint_eq(nt_wait_for_single_object(&c2, m, 0, 0), STATUS_PENDING);
	ck_assert_uint_eq(nt_wait_for_single_object(&c3, m, 0, 0), STATUS_PENDING);
	ck_assert_int_eq(t2->state, THREAD_WAITING);
	c = on(t1);
	ck_assert_uint_eq(nt_set_event(&c, m, DATA + 8), STATUS_SUCCESS);
	ck_woken(t2, STATUS_SUCCESS);
	ck_woken(t3, STATUS_SUCCESS);
	int32_t info[2];
	ck_assert_uint_eq(nt_query_event(&c, m, 0, DATA + 0x10, 8, 0), STATUS_SUCCESS);
	guest_read(p, DATA + 0x10, info, 8);
	ck_assert_int_eq(info[0], 0); /* NotificationEvent */
	ck_assert_int_eq(info[1], 1);
	ck_assert_uint_eq(nt_query_event(&c, m, 0, DATA + 0x10, 4, 0), STATUS_INFO_LENGTH_MISMATCH);

	/* Two waiters on the auto event: one set releases only the first to wait. */
	c2 = on(t2), c3 = on(t3);
	ck_assert_uint_eq(nt_wait_for_single_object(&c3, a, 0, 0), STATUS_PENDING);
	ck_assert_uint_eq(nt_wait_for_single_object(&c2, a, 0, 0), STATUS_PENDING);
	c = on(t1);
	ck_assert_uint_eq(nt_set_event(&c, a, 0), STATUS_SUCCESS);
	ck_woken(t3, STATUS_SUCCESS);
	ck_assert_int_eq(t2->state, THREAD_WAITING);
	/* PulseEvent releases the remaining waiter and leaves the event reset. */
	ck_assert_uint_eq(nt_pulse_event(&c, a, DATA + 8), STATUS_SUCCESS);
	ck_woken(t2, STATUS_SUCCESS);
	ck_assert_uint_eq(nt_query_event(&c, a, 0, DATA + 0x10, 8, 0), STATUS_SUCCESS);
	guest_read(p, DATA + 0x10, info, 8);
	ck_assert_int_eq(info[0], 1); /* SynchronizationEvent */
	ck_assert_int_eq(info[1], 0);
	ck_assert_uint_eq(nt_create_event(&c, DATA, 0x1f0003, 0, 2, 0), STATUS_INVALID_PARAMETER);
}
END_TEST

START_TEST(semaphore_counts)
{
	put_time(POLL, 0);
	struct nt_call c = on(t1);
	ck_assert_uint_eq(nt_create_semaphore(&c, DATA, 0x1f0003, 0, 2, 3), STATUS_SUCCESS);
	handle_t s = read_handle(DATA);
	ck_assert_uint_eq(nt_wait_for_single_object(&c, s, 0, POLL), STATUS_SUCCESS);
	ck_assert_uint_eq(nt_wait_for_single_object(&c, s, 0, POLL), STATUS_SUCCESS);
	ck_assert_uint_eq(nt_wait_for_single_object(&c, s, 0, POLL), STATUS_TIMEOUT);
	struct nt_call c2 = on(t2);
	ck_assert_uint_eq(nt_wait_for_single_object(&c2, s, 0, 0), STATUS_PENDING);
	c = on(t1);
	/* Releasing 2 wakes the waiter, which takes one: 1 left. */
	int32_t prev;
	ck_assert_uint_eq(nt_release_semaphore(&c, s, 2, DATA + 8), STATUS_SUCCESS);
	guest_read(p, DATA + 8, &prev, 4);
	ck_assert_int_eq(prev, 0);
	ck_woken(t2, STATUS_SUCCESS);
	ck_assert_uint_eq(nt_release_semaphore(&c, s, 3, DATA + 8), STATUS_SEMAPHORE_LIMIT_EXCEEDED);
	ck_assert_uint_eq(nt_release_semaphore(&c, s, 2, DATA + 8), STATUS_SUCCESS);
	guest_read(p, DATA + 8, &prev, 4);
	ck_assert_int_eq(prev, 1);
	int32_t info[2];
	ck_assert_uint_eq(nt_query_semaphore(&c, s, 0, DATA + 0x10, 8, DATA + 0x20), STATUS_SUCCESS);
	guest_read(p, DATA + 0x10, info, 8);
	ck_assert_int_eq(info[0], 3);
	ck_assert_int_eq(info[1], 3);
	ck_assert_uint_eq(nt_create_semaphore(&c, DATA, 0x1f0003, 0, 4, 3), STATUS_INVALID_PARAMETER);
	ck_assert_uint_eq(nt_create_semaphore(&c, DATA, 0x1f0003, 0, 0, 0), STATUS_INVALID_PARAMETER);
}
END_TEST

static void query_mutant(struct nt_call *c, handle_t m, int32_t *count, uint8_t *owned, uint8_t *abandoned)
{
	uint8_t info[8];
	ck_assert_uint_eq(nt_query_mutant(c, m, 0, DATA + 0x10, 8, 0), STATUS_SUCCESS);
	guest_read(p, DATA + 0x10, info, 8);
	memcpy(count, info, 4);
	*owned = info[4];
	*abandoned = info[5];
}

START_TEST(mutant_recursion_and_abandonment)
{
	put_time(POLL, 0);
	struct nt_call c = on(t1);
	ck_assert_uint_eq(nt_create_mutant(&c, DATA, 0x1f0001, 0, 1), STATUS_SUCCESS);
	handle_t m = read_handle(DATA);
	ck_assert_uint_eq(nt_wait_for_single_object(&c, m, 0, POLL), STATUS_SUCCESS);
	int32_t count;
	uint8_t owned, abandoned;
	query_mutant(&c, m, &count, &owned, &abandoned);
	ck_assert_int_eq(count, -1);
	ck_assert(owned && !abandoned);

	struct nt_call c2 = on(t2);
	ck_assert_uint_eq(nt_wait_for_single_object(&c2, m, 0, 0), STATUS_PENDING);
	ck_assert_uint_eq(nt_release_mutant(&c2, m, 0), STATUS_MUTANT_NOT_OWNED);
	c = on(t1);
	int32_t prev;
	ck_assert_uint_eq(nt_release_mutant(&c, m, DATA + 8), STATUS_SUCCESS);
	guest_read(p, DATA + 8, &prev, 4);
	ck_assert_int_eq(prev, -1);
	ck_assert_int_eq(t2->state, THREAD_WAITING); /* still held once */
	ck_assert_uint_eq(nt_release_mutant(&c, m, DATA + 8), STATUS_SUCCESS);
	guest_read(p, DATA + 8, &prev, 4);
	ck_assert_int_eq(prev, 0);
	ck_woken(t2, STATUS_SUCCESS);
	ck_assert_uint_eq(nt_release_mutant(&c, m, 0), STATUS_MUTANT_NOT_OWNED);

	/* t2 ends holding it: the next owner hears it was abandoned, at its wait index. */
	ck_assert_uint_eq(nt_wait_for_single_object(&c, m, 0, POLL), STATUS_TIMEOUT);
	kthread_terminate(t2, 0);
	query_mutant(&c, m, &count, &owned, &abandoned);
	ck_assert_int_eq(count, 1);
	ck_assert(!owned && abandoned);
	handle_t e = new_event(true, false);
	uint64_t handles[2] = {e, m};
	guest_write(p, DATA + 0x40, handles, sizeof handles);
	c = on(t1);
	ck_assert_uint_eq(nt_wait_for_multiple_objects(&c, 2, DATA + 0x40, 1, 0, POLL), STATUS_ABANDONED + 1);
	query_mutant(&c, m, &count, &owned, &abandoned);
	ck_assert_int_eq(count, 0);
	ck_assert(owned && !abandoned);
}
END_TEST

START_TEST(wait_all_is_atomic)
{
	put_time(POLL, 0);
	handle_t e1 = new_event(false, false), e2 = new_event(false, false);
	uint64_t handles[2] = {e1, e2};
	guest_write(p, DATA + 0x40, handles, sizeof handles);
	struct nt_call c2 = on(t2);
	ck_assert_uint_eq(nt_wait_for_multiple_objects(&c2, 2, DATA + 0x40, 0, 0, 0), STATUS_PENDING);
	struct nt_call c = on(t1);
	ck_assert_uint_eq(nt_set_event(&c, e1, 0), STATUS_SUCCESS);
	/* Half of a wait-all takes nothing: e1 is still there for someone else. */
	ck_assert_int_eq(t2->state, THREAD_WAITING);
	ck_assert_uint_eq(nt_wait_for_single_object(&c, e1, 0, POLL), STATUS_SUCCESS);
	ck_assert_uint_eq(nt_set_event(&c, e2, 0), STATUS_SUCCESS);
	ck_assert_int_eq(t2->state, THREAD_WAITING);
	ck_assert_uint_eq(nt_set_event(&c, e1, 0), STATUS_SUCCESS);
	ck_woken(t2, STATUS_SUCCESS);
	/* Both were consumed together. */
	ck_assert_uint_eq(nt_wait_for_multiple_objects(&c, 2, DATA + 0x40, 1, 0, POLL), STATUS_TIMEOUT);
	ck_assert_uint_eq(nt_wait_for_multiple_objects(&c, 0, DATA + 0x40, 1, 0, POLL), STATUS_INVALID_PARAMETER_1);
	ck_assert_uint_eq(nt_wait_for_multiple_objects(&c, 65, DATA + 0x40, 1, 0, POLL), STATUS_INVALID_PARAMETER_1);
	ck_assert_uint_eq(nt_wait_for_multiple_objects(&c, 2, DATA + 0x40, 2, 0, POLL), STATUS_INVALID_PARAMETER_3);
	handles[1] = e1;
	guest_write(p, DATA + 0x40, handles, sizeof handles);
	ck_assert_uint_eq(nt_wait_for_multiple_objects(&c, 2, DATA + 0x40, 0, 0, POLL), STATUS_INVALID_PARAMETER_MIX);
	ck_assert_uint_eq(nt_wait_for_multiple_objects(&c, 2, DATA + 0x40, 1, 0, POLL), STATUS_TIMEOUT);
	handles[1] = 0x7770;
	guest_write(p, DATA + 0x40, handles, sizeof handles);
	ck_assert_uint_eq(nt_wait_for_multiple_objects(&c, 2, DATA + 0x40, 1, 0, POLL), STATUS_INVALID_HANDLE);
}
END_TEST

START_TEST(timeout_advances_the_clock_exactly)
{
	handle_t e = new_event(false, false);
	put_time(DATA + 0x100, -1000);
	put_time(DATA + 0x108, -5000);
	uint64_t start = clock_uptime(p);
	struct nt_call c = on(t1), c2 = on(t2);
	ck_assert_uint_eq(nt_wait_for_single_object(&c, e, 0, 0x7000000), STATUS_ACCESS_VIOLATION);
	ck_assert_uint_eq(nt_wait_for_single_object(&c, e, 0, DATA + 0x100), STATUS_PENDING);
	ck_assert_uint_eq(nt_delay_execution(&c2, 0, DATA + 0x108), STATUS_PENDING);
	t3->state = THREAD_TERMINATED;
	ck_assert(wait_idle(p));
	ck_assert_uint_eq(clock_uptime(p), start + 1000);
	ck_woken(t1, STATUS_TIMEOUT);
	ck_assert_int_eq(t2->state, THREAD_WAITING);
	t1->state = THREAD_TERMINATED;
	ck_assert(wait_idle(p));
	ck_assert_uint_eq(clock_uptime(p), start + 5000);
	ck_woken(t2, STATUS_SUCCESS); /* a delay that elapsed succeeded */
	/* An absolute time: the current system time plus 300. */
	put_time(DATA + 0x100, (int64_t)clock_system_time(p) + 300);
	c2 = on(t2);
	ck_assert_uint_eq(nt_wait_for_single_object(&c2, e, 0, DATA + 0x100), STATUS_PENDING);
	ck_assert(wait_idle(p));
	ck_assert_uint_eq(clock_uptime(p), start + 5300);
	ck_woken(t2, STATUS_TIMEOUT);
	/* A relative timeout too far for the clock is no deadline: like nothing with a deadline,
	 * wait_idle cannot help (the scheduler calls this deadlock). */
	put_time(DATA + 0x100, INT64_MIN);
	ck_assert_uint_eq(nt_wait_for_single_object(&c2, e, 0, DATA + 0x100), STATUS_PENDING);
	ck_assert(!wait_idle(p));
	t2->state = THREAD_RUNNABLE;
	ck_assert_uint_eq(nt_wait_for_single_object(&c2, e, 0, 0), STATUS_PENDING);
	ck_assert(!wait_idle(p));
}
END_TEST

START_TEST(keyed_events_pair_by_key)
{
	struct nt_call c1 = on(t1), c2 = on(t2), c3 = on(t3);
	/* Handle 0: the process-wide keyed event. A release waits for a waiter. */
	ck_assert_uint_eq(nt_release_keyed_event(&c1, 0, 0x1000, 0, 0), STATUS_PENDING);
	ck_assert_uint_eq(nt_wait_for_keyed_event(&c2, 0, 0x2000, 0, 0), STATUS_PENDING);
	ck_assert_uint_eq(nt_wait_for_keyed_event(&c3, 0, 0x1000, 0, 0), STATUS_SUCCESS);
	ck_woken(t1, STATUS_SUCCESS);
	ck_assert_int_eq(t2->state, THREAD_WAITING);
	c1 = on(t1);
	ck_assert_uint_eq(nt_release_keyed_event(&c1, 0, 0x2000, 0, 0), STATUS_SUCCESS);
	ck_woken(t2, STATUS_SUCCESS);
	/* Another keyed event does not pair with the global one. */
	ck_assert_uint_eq(nt_create_keyed_event(&c1, DATA, 0xf0003, 0, 0), STATUS_SUCCESS);
	handle_t k = read_handle(DATA);
	ck_assert_uint_eq(nt_wait_for_keyed_event(&c2, 0, 0x3000, 0, 0), STATUS_PENDING);
	put_time(POLL, 0);
	ck_assert_uint_eq(nt_release_keyed_event(&c1, k, 0x3000, 0, POLL), STATUS_TIMEOUT);
	ck_assert_int_eq(t2->state, THREAD_WAITING);
	ck_assert_uint_eq(nt_create_keyed_event(&c1, DATA, 0xf0003, 0, 1), STATUS_INVALID_PARAMETER_4);
}
END_TEST

START_TEST(alert_by_thread_id_before_and_after_wait)
{
	put_time(POLL, 0);
	struct nt_call c1 = on(t1), c2 = on(t2);
	/* An alert that comes first is remembered, once. */
	ck_assert_uint_eq(nt_alert_thread_by_thread_id(&c2, t1->tid), STATUS_SUCCESS);
	ck_assert_uint_eq(nt_wait_for_alert_by_thread_id(&c1, DATA, 0), STATUS_ALERTED);
	ck_assert_uint_eq(nt_wait_for_alert_by_thread_id(&c1, DATA, POLL), STATUS_TIMEOUT);
	ck_assert_uint_eq(nt_wait_for_alert_by_thread_id(&c1, DATA, 0), STATUS_PENDING);
	ck_assert_uint_eq(nt_alert_thread_by_thread_id(&c2, t1->tid), STATUS_SUCCESS);
	ck_woken(t1, STATUS_ALERTED);
	ck_assert_uint_eq(nt_alert_thread_by_thread_id(&c2, 0x7777), STATUS_INVALID_CID);

	/* NtAlertThread ends alertable waits only. */
	handle_t e = new_event(false, false), th;
	ck_assert_uint_eq(handle_alloc(&p->handles, t1, 0x1fffff, 0, &th), STATUS_SUCCESS);
	c1 = on(t1);
	ck_assert_uint_eq(nt_wait_for_single_object(&c1, e, 1, 0), STATUS_PENDING);
	c2 = on(t2);
	ck_assert_uint_eq(nt_alert_thread(&c2, th), STATUS_SUCCESS);
	ck_woken(t1, STATUS_ALERTED);
	ck_assert_uint_eq(nt_alert_thread(&c2, th), STATUS_SUCCESS);
	c1 = on(t1);
	ck_assert_uint_eq(nt_wait_for_single_object(&c1, e, 0, POLL), STATUS_TIMEOUT);
	ck_assert_uint_eq(nt_delay_execution(&c1, 1, 0), STATUS_ALERTED);
}
END_TEST

START_TEST(yield_and_thread_waits)
{
	struct nt_call c1 = on(t1);
	ck_assert_uint_eq(nt_yield_execution(&c1), STATUS_SUCCESS);
	t2->state = t3->state = THREAD_TERMINATED;
	ck_assert_uint_eq(nt_yield_execution(&c1), STATUS_NO_YIELD_PERFORMED);
	t2->state = THREAD_RUNNABLE;
	t2->suspend_count = 1;
	ck_assert_uint_eq(nt_yield_execution(&c1), STATUS_NO_YIELD_PERFORMED);
	t2->suspend_count = 0;

	/* A thread is signalled when it ends. */
	handle_t th;
	ck_assert_uint_eq(handle_alloc(&p->handles, t2, 0x1fffff, 0, &th), STATUS_SUCCESS);
	ck_assert_uint_eq(nt_wait_for_single_object(&c1, th, 0, 0), STATUS_PENDING);
	kthread_terminate(t2, 5);
	ck_woken(t1, STATUS_SUCCESS);
	/* A handle without SYNCHRONIZE, and an object that is not waitable. */
	ck_assert_uint_eq(nt_create_keyed_event(&c1, DATA, 0xf0003, 0, 0), STATUS_SUCCESS);
	ck_assert_uint_eq(nt_wait_for_single_object(&c1, read_handle(DATA), 0, 0), STATUS_ACCESS_DENIED);
	struct kobject *k = object_alloc(OBJ_KEYED_EVENT, sizeof(struct kkeyed_event));
	ck_assert_uint_eq(handle_alloc(&p->handles, k, SYNCHRONIZE, 0, &th), STATUS_SUCCESS);
	object_unref(k);
	ck_assert_uint_eq(nt_wait_for_single_object(&c1, th, 0, 0), STATUS_OBJECT_TYPE_MISMATCH);
}
END_TEST

START_TEST(signal_and_wait)
{
	put_time(POLL, 0);
	handle_t a = new_event(false, false), b = new_event(false, false);
	struct nt_call c2 = on(t2), c1 = on(t1);
	ck_assert_uint_eq(nt_wait_for_single_object(&c2, a, 0, 0), STATUS_PENDING);
	ck_assert_uint_eq(nt_signal_and_wait_for_single_object(&c1, a, b, 0, 0), STATUS_PENDING);
	ck_woken(t2, STATUS_SUCCESS);
	c2 = on(t2);
	ck_assert_uint_eq(nt_set_event(&c2, b, 0), STATUS_SUCCESS);
	ck_woken(t1, STATUS_SUCCESS);
	ck_assert_uint_eq(nt_create_semaphore(&c2, DATA, 0x1f0003, 0, 0, 1), STATUS_SUCCESS);
	handle_t s = read_handle(DATA);
	ck_assert_uint_eq(nt_signal_and_wait_for_single_object(&c2, s, s, 0, POLL), STATUS_SUCCESS);
	ck_assert_uint_eq(nt_create_mutant(&c2, DATA, 0x1f0001, 0, 0), STATUS_SUCCESS);
	ck_assert_uint_eq(nt_signal_and_wait_for_single_object(&c2, read_handle(DATA), s, 0, POLL),
			  STATUS_MUTANT_NOT_OWNED);
}
END_TEST

START_TEST(timer_signals_on_the_virtual_clock)
{
	struct nt_call c1 = on(t1);
	ck_assert_uint_eq(nt_create_timer(&c1, DATA, 0x1f0003, 0, 1), STATUS_SUCCESS);
	handle_t tm = read_handle(DATA);
	uint64_t start = clock_uptime(p);
	put_time(DATA + 0x100, -2000);
	/* Periodic, 1 ms after the first expiry. */
	ck_assert_uint_eq(nt_set_timer(&c1, tm, DATA + 0x100, 0, 0, 0, 1, DATA + 8), STATUS_SUCCESS);
	ck_assert_uint_eq(nt_wait_for_single_object(&c1, tm, 0, 0), STATUS_PENDING);
	t2->state = t3->state = THREAD_TERMINATED;
	ck_assert(wait_idle(p));
	ck_assert_uint_eq(clock_uptime(p), start + 2000);
	ck_woken(t1, STATUS_SUCCESS);
	c1 = on(t1);
	ck_assert_uint_eq(nt_wait_for_single_object(&c1, tm, 0, 0), STATUS_PENDING);
	ck_assert(wait_idle(p));
	ck_assert_uint_eq(clock_uptime(p), start + 12000);
	ck_woken(t1, STATUS_SUCCESS);
	uint8_t info[16];
	ck_assert_uint_eq(nt_query_timer(&c1, tm, 0, DATA + 0x10, 16, 0), STATUS_SUCCESS);
	guest_read(p, DATA + 0x10, info, 16);
	int64_t remaining;
	memcpy(&remaining, info, 8);
	ck_assert_int_eq(remaining, 10000);
	ck_assert_uint_eq(nt_cancel_timer(&c1, tm, DATA + 8), STATUS_SUCCESS);
	ck_assert_uint_eq(nt_wait_for_single_object(&c1, tm, 0, 0), STATUS_PENDING);
	ck_assert(!wait_idle(p)); /* cancelled: it never fires again */
}
END_TEST

START_TEST(suspend_resume_and_context)
{
	struct nt_call c1 = on(t1);
	handle_t th;
	ck_assert_uint_eq(handle_alloc(&p->handles, t2, 0x1fffff, 0, &th), STATUS_SUCCESS);
	uint32_t prev;
	ck_assert_uint_eq(nt_suspend_thread(&c1, th, DATA + 8), STATUS_SUCCESS);
	ck_assert_uint_eq(nt_suspend_thread(&c1, th, DATA + 8), STATUS_SUCCESS);
	guest_read(p, DATA + 8, &prev, 4);
	ck_assert_uint_eq(prev, 1);
	ck_assert(!kthread_can_run(t2));
	ck_assert_uint_eq(nt_resume_thread(&c1, th, DATA + 8), STATUS_SUCCESS);
	ck_assert_uint_eq(nt_resume_thread(&c1, th, DATA + 8), STATUS_SUCCESS);
	guest_read(p, DATA + 8, &prev, 4);
	ck_assert_uint_eq(prev, 1);
	ck_assert(kthread_can_run(t2));
	ck_assert_uint_eq(nt_resume_thread(&c1, th, DATA + 8), STATUS_SUCCESS);
	guest_read(p, DATA + 8, &prev, 4);
	ck_assert_uint_eq(prev, 0);

	/* CONTEXT_INTEGER out and back in: Rbx is at +0x90. */
	t2->cpu.r[R_BX] = 0x55;
	uint32_t flags = 0x100002;
	guest_write(p, DATA + 0x1000 + 0x30, &flags, 4);
	ck_assert_uint_eq(nt_get_context_thread(&c1, th, DATA + 0x1000), STATUS_SUCCESS);
	uint64_t rbx;
	guest_read(p, DATA + 0x1090, &rbx, 8);
	ck_assert_uint_eq(rbx, 0x55);
	rbx = 0x66;
	guest_write(p, DATA + 0x1090, &rbx, 8);
	ck_assert_uint_eq(nt_set_context_thread(&c1, th, DATA + 0x1000), STATUS_SUCCESS);
	ck_assert_uint_eq(t2->cpu.r[R_BX], 0x66);
	/* NtOpenThread by client id: this process's id (or 0) and the thread's. */
	uint64_t cid[2] = {0x10, t2->tid};
	guest_write(p, DATA + 0x20, cid, sizeof cid);
	ck_assert_uint_eq(nt_open_thread(&c1, DATA, MAXIMUM_ALLOWED, 0, DATA + 0x20), STATUS_SUCCESS);
	handle_t opened = read_handle(DATA);
	ck_assert_uint_eq(nt_suspend_thread(&c1, opened, 0), STATUS_SUCCESS);
	ck_assert_uint_eq(nt_resume_thread(&c1, opened, 0), STATUS_SUCCESS);
	cid[1] = 0x7770;
	guest_write(p, DATA + 0x20, cid, sizeof cid);
	ck_assert_uint_eq(nt_open_thread(&c1, DATA, MAXIMUM_ALLOWED, 0, DATA + 0x20), STATUS_INVALID_CID);
	kthread_terminate(t2, 0);
	ck_assert_uint_eq(nt_suspend_thread(&c1, th, 0), STATUS_THREAD_IS_TERMINATING);
	ck_assert_uint_eq(nt_queue_apc_thread(&c1, th, 0x1234, 1, 2, 3), STATUS_UNSUCCESSFUL);
}
END_TEST

START_TEST(user_apc_enters_the_dispatcher)
{
	p->ntdll.ki_user_apc_dispatcher = 0x7000;
	t1->cpu.r[R_SP] = DATA + 0x8008;
	t1->cpu.rip = 0x1111;
	struct nt_call c1 = on(t1);
	handle_t e = new_event(false, false), th;
	ck_assert_uint_eq(handle_alloc(&p->handles, t1, 0x1fffff, 0, &th), STATUS_SUCCESS);
	/* A non-alertable wait does not run it. */
	ck_assert_uint_eq(nt_wait_for_single_object(&c1, e, 0, 0), STATUS_PENDING);
	struct nt_call c2 = on(t2);
	ck_assert_uint_eq(nt_queue_apc_thread(&c2, th, 0x1234, 1, 2, 3), STATUS_SUCCESS);
	ck_assert_int_eq(t1->state, THREAD_WAITING);
	ck_assert_uint_eq(nt_set_event(&c2, e, 0), STATUS_SUCCESS);
	ck_woken(t1, STATUS_SUCCESS);
	ck_assert_uint_eq(t1->cpu.rip, 0x1111);
	/* An alertable one does: Wine's frame below the 16-byte aligned stack. */
	c1 = on(t1);
	ck_assert_uint_eq(nt_delay_execution(&c1, 1, 0), STATUS_USER_APC);
	uint64_t frame = DATA + 0x8000 - 0x510;
	ck_assert_uint_eq(t1->cpu.rip, 0x7000);
	ck_assert_uint_eq(t1->cpu.r[R_SP], frame - 8);
	ck_assert_uint_eq(t1->cpu.r[R_CX], frame + 0x30);
	ck_assert_uint_eq(t1->cpu.r[R_DX], 1);
	ck_assert_uint_eq(t1->cpu.r[R_8], 2);
	ck_assert_uint_eq(t1->cpu.r[R_9], 3);
	uint64_t func, rax, rsp, rip;
	guest_read(p, frame + 0x20, &func, 8);
	guest_read(p, frame + 0x30 + 0x78, &rax, 8);
	guest_read(p, frame + 0x30 + 0x98, &rsp, 8);
	guest_read(p, frame + 0x30 + 0xf8, &rip, 8);
	ck_assert_uint_eq(func, 0x1234);
	ck_assert_uint_eq(rax, STATUS_USER_APC);
	ck_assert_uint_eq(rsp, DATA + 0x8008);
	ck_assert_uint_eq(rip, 0x1111);
	ck_assert_ptr_null(t1->apcs);
	/* Queued to a thread already in an alertable wait: it wakes into the dispatcher. */
	t1->cpu.r[R_SP] = DATA + 0x8008;
	ck_assert_uint_eq(nt_wait_for_single_object(&c1, e, 1, 0), STATUS_PENDING);
	ck_assert_uint_eq(nt_queue_apc_thread(&c2, th, 0x5678, 4, 5, 6), STATUS_SUCCESS);
	ck_assert_int_eq(t1->state, THREAD_RUNNABLE);
	ck_assert_uint_eq(t1->cpu.rip, 0x7000);
	ck_assert_uint_eq(t1->cpu.r[R_DX], 4);
	guest_read(p, frame + 0x30 + 0x78, &rax, 8);
	ck_assert_uint_eq(rax, STATUS_USER_APC);
}
END_TEST

START_TEST(ended_thread_frees_its_stack)
{
	uint64_t stack = 0, size = 0x100000, teb = 0, tsize = 0x4000;
	ck_assert_uint_eq(vm_allocate(p, &stack, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE, 0), STATUS_SUCCESS);
	ck_assert_uint_eq(vm_allocate(p, &teb, &tsize, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE, 0), STATUS_SUCCESS);
	ck_assert_uint_eq(guest_write(p, teb + 0x1478, &stack, 8), STATUS_SUCCESS);
	t2->teb = teb;
	kthread_terminate(t2, 0);
	struct vm_basic_info mbi;
	ck_assert_uint_eq(vm_query(p, stack, &mbi), STATUS_SUCCESS);
	ck_assert_uint_eq(mbi.state, MEM_FREE);
	ck_assert_uint_eq(vm_query(p, teb, &mbi), STATUS_SUCCESS);
	ck_assert_uint_eq(mbi.state, MEM_COMMIT);
}
END_TEST

/* OBJECT_ATTRIBUTES at DATA + 0x400 naming `name` (absolute). */
static gptr_t objattr(const char *name)
{
	return kfx_objattr(p, DATA + 0x400, 0, kfx_ustr(p, DATA + 0x440, DATA + 0x460, name), 0);
}

START_TEST(named_objects)
{
	struct nt_call c = on(t1);
	ck_assert_uint_eq(nt_create_event(&c, DATA, 0x1f0003, objattr("\\BaseNamedObjects\\ev"), 0, 0),
			  STATUS_SUCCESS);
	handle_t e = read_handle(DATA);
	ck_assert_uint_eq(nt_open_event(&c, DATA, 0x1f0003, objattr("\\BaseNamedObjects\\ev")), STATUS_SUCCESS);
	handle_t e2 = read_handle(DATA);
	ck_assert_uint_ne(e, e2);
	/* Both handles name one event. */
	ck_assert_uint_eq(nt_set_event(&c, e2, 0), STATUS_SUCCESS);
	put_time(POLL, 0);
	ck_assert_uint_eq(nt_wait_for_single_object(&c, e, 0, POLL), STATUS_SUCCESS);
	ck_assert_uint_eq(nt_open_semaphore(&c, DATA, 0x1f0003, objattr("\\BaseNamedObjects\\ev")),
			  STATUS_OBJECT_TYPE_MISMATCH);
	ck_assert_uint_eq(nt_open_mutant(&c, DATA, 0x1f0001, objattr("\\BaseNamedObjects\\none")),
			  STATUS_OBJECT_NAME_NOT_FOUND);
	ck_assert_uint_eq(nt_create_mutant(&c, DATA, 0x1f0001, objattr("\\BaseNamedObjects\\ev"), 1),
			  STATUS_OBJECT_NAME_COLLISION);
	/* The refused mutant was not left on the thread's list of held mutants. */
	ck_assert_ptr_null(t1->owned);
}
END_TEST

/* ---- guest code under kernel_run ---- */

static struct kfx_services ntdll;

/* A tiny assembler for straight-line test code. */
struct code {
	uint8_t *buf;
	size_t n;
};

static void emit(struct code *c, const void *bytes, size_t n)
{
	memcpy(c->buf + c->n, bytes, n);
	c->n += n;
}

enum { RAX, RDX, R8, R10 };

static void mov_imm(struct code *c, int reg, uint64_t v)
{
	static const uint8_t op[][2] = {{0x48, 0xb8}, {0x48, 0xba}, {0x49, 0xb8}, {0x49, 0xba}};
	emit(c, op[reg], 2);
	emit(c, &v, 8);
}

/* Service `name` with up to three register arguments. */
static void sys(struct code *c, const char *name, uint64_t a1, uint64_t a2, uint64_t a3)
{
	mov_imm(c, R10, a1);
	mov_imm(c, RDX, a2);
	mov_imm(c, R8, a3);
	mov_imm(c, RAX, kfx_service_id(&ntdll.table, name));
	emit(c, "\x0f\x05", 2);
}

/* Append byte `tag` to the log whose cursor is at [DATA]. */
static void log_tag(struct code *c, uint8_t tag)
{
	emit(c, "\x48\x8b\x04\x25\x00\x00\x30\x00", 8); /* mov rax, [DATA] */
	emit(c, "\xc6\x00", 2);                         /* mov byte [rax], tag */
	emit(c, &tag, 1);
	emit(c, "\x48\xff\x04\x25\x00\x00\x30\x00", 8); /* inc qword [DATA] */
}

/* Store rax at an absolute address below 2 GiB. */
static void store_rax(struct code *c, uint32_t at)
{
	emit(c, "\x48\x89\x04\x25", 4);
	emit(c, &at, 4);
}

static uint8_t *code_page;

static void guest_setup(void)
{
	kfx_services_load(&ntdll, "system32");
	p = kfx_process(&cfg, 8, 0, 0);
	dispatch_bind(&p->syscalls, &ntdll.table);
	gmem_map_anon(p->mem, DATA, 0x10000, GMEM_READ | GMEM_WRITE);
	gmem_map_anon(p->mem, STACKS, 0x40000, GMEM_READ | GMEM_WRITE);
	code_page = gmem_map_anon(p->mem, CODE, 0x4000, GMEM_READ | GMEM_EXEC);
	uint64_t cursor = DATA + 0x800;
	ck_assert_uint_eq(guest_write(p, DATA, &cursor, 8), STATUS_SUCCESS);
}

static void guest_teardown(void)
{
	kprocess_destroy(p);
	kfx_services_free(&ntdll);
}

static struct kthread *start(unsigned k, struct code *c)
{
	struct kthread *t = kthread_create(p);
	t->cpu.rip = CODE + (uint64_t)(c->buf - code_page);
	t->cpu.r[R_SP] = STACKS + (k + 1) * 0x10000 - 0x100;
	return t;
}

static struct code at(unsigned k)
{
	return (struct code){code_page + k * 0x1000, 0};
}

START_TEST(event_ping_pong_between_threads)
{
	guest_setup();
	struct nt_call c = {.proc = p};
	struct kthread *dummy = kthread_create(p); /* owns nothing: makes the handles */
	dummy->state = THREAD_TERMINATED;
	c.thread = dummy;
	ck_assert_uint_eq(nt_create_event(&c, DATA + 8, 0x1f0003, 0, 1, 0), STATUS_SUCCESS);
	ck_assert_uint_eq(nt_create_event(&c, DATA + 0x10, 0x1f0003, 0, 1, 0), STATUS_SUCCESS);
	handle_t ping = read_handle(DATA + 8), pong = read_handle(DATA + 0x10);

	struct code a = at(0), b = at(1);
	for (int i = 0; i < 3; i++) {
		log_tag(&a, 'A');
		sys(&a, "NtSetEvent", ping, 0, 0);
		sys(&a, "NtWaitForSingleObject", pong, 0, 0);
		sys(&b, "NtWaitForSingleObject", ping, 0, 0);
		log_tag(&b, 'B');
		sys(&b, "NtSetEvent", pong, 0, 0);
	}
	sys(&b, "NtTerminateThread", CURRENT_THREAD, 7, 0);
	start(0, &a);
	struct kthread *tb = start(1, &b);
	handle_t hb;
	ck_assert_uint_eq(handle_alloc(&p->handles, tb, 0x1fffff, 0, &hb), STATUS_SUCCESS);
	/* A then waits for B to end and exits with what that wait returned + 0x40. */
	sys(&a, "NtWaitForSingleObject", hb, 0, 0);
	emit(&a, "\x48\x83\xc0\x40", 4); /* add rax, 0x40 */
	emit(&a, "\x48\x89\xc2", 3);     /* mov rdx, rax */
	mov_imm(&a, R10, CURRENT_PROCESS);
	mov_imm(&a, RAX, kfx_service_id(&ntdll.table, "NtTerminateProcess"));
	emit(&a, "\x0f\x05", 2);
	p->quantum = 5; /* switch often: the order must come from the events alone */

	ck_assert_uint_eq(kernel_run(p), 0x40);
	ck_assert_ptr_null(p->fatal);
	char log[8] = {0};
	guest_read(p, DATA + 0x800, log, 6);
	ck_assert_str_eq(log, "ABABAB");
	ck_assert_uint_eq(tb->exit_status, 7);
	guest_teardown();
}
END_TEST

START_TEST(delay_jumps_the_virtual_clock)
{
	guest_setup();
	put_time(DATA + 0x100, -10000000); /* 1 s */
	put_time(DATA + 0x108, -25000000); /* 2.5 s */
	struct code a = at(0), b = at(1);
	sys(&a, "NtDelayExecution", 0, DATA + 0x100, 0);
	store_rax(&a, DATA + 0x200);
	log_tag(&a, 'A');
	sys(&a, "NtTerminateThread", CURRENT_THREAD, 0, 0);
	sys(&b, "NtDelayExecution", 0, DATA + 0x108, 0);
	log_tag(&b, 'B');
	sys(&b, "NtTerminateProcess", CURRENT_PROCESS, 9, 0);
	start(0, &a);
	start(1, &b);
	ck_assert_uint_eq(kernel_run(p), 9);
	char log[4] = {0};
	guest_read(p, DATA + 0x800, log, 2);
	ck_assert_str_eq(log, "AB");
	uint64_t rax = 1;
	guest_read(p, DATA + 0x200, &rax, 8);
	ck_assert_uint_eq(rax, STATUS_SUCCESS);
	/* Both delays began within a few instructions of the start; the clock jumped exactly to
	 * the second deadline: 2.5 s plus the instructions run before the delay. */
	ck_assert_uint_ge(clock_uptime(p), CLOCK_BOOT_UPTIME + 25000000);
	ck_assert_uint_lt(clock_uptime(p), CLOCK_BOOT_UPTIME + 25000000 + 10);
	guest_teardown();
}
END_TEST

START_TEST(trace_shows_what_a_blocked_wait_returned)
{
	guest_setup();
	char *text = NULL;
	size_t len = 0;
	p->trace_out = open_memstream(&text, &len);
	struct nt_call c = {.proc = p};
	struct kthread *dummy = kthread_create(p); /* 0x20: makes the handle */
	dummy->state = THREAD_TERMINATED;
	c.thread = dummy;
	ck_assert_uint_eq(nt_create_event(&c, DATA + 8, 0x1f0003, 0, 1, 0), STATUS_SUCCESS);
	handle_t e = read_handle(DATA + 8);
	put_time(DATA + 0x100, -10000000); /* 1 s */
	/* 0x24 times out after blocking; 0x28 waits for good and is still waiting at the end. */
	struct code a = at(0), b = at(1);
	sys(&a, "NtWaitForSingleObject", e, 0, DATA + 0x100);
	sys(&a, "NtTerminateProcess", CURRENT_PROCESS, 3, 0);
	sys(&b, "NtWaitForSingleObject", e, 0, 0);
	start(0, &a);
	start(1, &b);
	ck_assert_uint_eq(kernel_run(p), 3);
	fclose(p->trace_out);
	p->trace_out = NULL;
	char expected[1024];
	snprintf(expected, sizeof expected,
		 "[0024] NtWaitForSingleObject(handle=0x%" PRIx64 ", alertable=0, timeout=0x300100{-10000000}) ...\n"
		 "[0028] NtWaitForSingleObject(handle=0x%" PRIx64 ", alertable=0, timeout=0x0) ...\n"
		 "[0024] ... NtWaitForSingleObject = STATUS_TIMEOUT\n"
		 "[0028] ... NtWaitForSingleObject: the thread ended\n"
		 "[0024] NtTerminateProcess(process=CurrentProcess, exit_status=0x3) = STATUS_SUCCESS\n",
		 e, e);
	ck_assert_str_eq(text, expected);
	free(text);
	guest_teardown();
}
END_TEST

START_TEST(deadlock_is_detected)
{
	guest_setup();
	struct nt_call c = {.proc = p};
	struct kthread *dummy = kthread_create(p);
	dummy->state = THREAD_TERMINATED;
	c.thread = dummy;
	ck_assert_uint_eq(nt_create_event(&c, DATA + 8, 0x1f0003, 0, 1, 0), STATUS_SUCCESS);
	handle_t e = read_handle(DATA + 8);
	struct code a = at(0), b = at(1);
	sys(&a, "NtWaitForSingleObject", e, 0, 0);
	sys(&b, "NtWaitForAlertByThreadId", 0, 0, 0);
	start(0, &a);
	start(1, &b);
	kernel_run(p);
	ck_assert_str_eq(p->fatal, "deadlock: every thread waits forever");
	guest_teardown();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sync");
	ADD_TCASE(s, "services", setup, teardown, event_auto_and_manual, semaphore_counts,
		  mutant_recursion_and_abandonment, wait_all_is_atomic, timeout_advances_the_clock_exactly,
		  keyed_events_pair_by_key, alert_by_thread_id_before_and_after_wait, yield_and_thread_waits,
		  signal_and_wait, timer_signals_on_the_virtual_clock, named_objects,
		  suspend_resume_and_context, user_apc_enters_the_dispatcher, ended_thread_frees_its_stack);
	ADD_TCASE(s, "scheduler", NULL, NULL, event_ping_pong_between_threads,
		  delay_jumps_the_virtual_clock, trace_shows_what_a_blocked_wait_returned, deadlock_is_detected);
	return run_suite(s);
}
