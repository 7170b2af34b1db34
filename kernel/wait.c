#include "kernel/wait.h"

#include <stdlib.h>
#include <string.h>

#include "kernel/clock.h"
#include "kernel/context.h"
#include "kernel/guest.h"
#include "kernel/thread.h"

bool sync_init(struct kprocess *p)
{
	p->sync = calloc(1, sizeof *p->sync);
	if (!p->sync)
		return false;
	p->sync->global_keyed = object_alloc(OBJ_KEYED_EVENT, sizeof(struct kkeyed_event));
	return p->sync->global_keyed != NULL;
}

void sync_destroy(struct kprocess *p)
{
	struct ksync *s = p->sync;
	if (!s)
		return;
	for (unsigned i = 0; i < s->ntimers; i++)
		object_unref(s->timers[i]);
	free(s->timers);
	object_unref(s->global_keyed);
	free(s);
	p->sync = NULL;
}

/* ---- mutant ownership ---- */

static void owned_remove(struct kmutant *m)
{
	if (!m->owner)
		return;
	for (struct kmutant **pp = &m->owner->owned; *pp; pp = &(*pp)->next_owned)
		if (*pp == m) {
			*pp = m->next_owned;
			break;
		}
	m->owner = NULL;
	m->next_owned = NULL;
}

void mutant_destroy(struct kobject *obj)
{
	owned_remove((struct kmutant *)obj);
}

/* ---- signal state ---- */

/* Whether obj would satisfy a wait by t now. */
static bool is_signaled(struct kobject *obj, const struct kthread *t)
{
	switch (obj->type) {
	case OBJ_EVENT:
		return ((struct kevent *)obj)->signaled;
	case OBJ_SEMAPHORE:
		return ((struct ksemaphore *)obj)->count > 0;
	case OBJ_MUTANT: {
		const struct kmutant *m = (const struct kmutant *)obj;
		return !m->owner || m->owner == t;
	}
	case OBJ_TIMER:
		return ((struct ktimer *)obj)->signaled;
	case OBJ_THREAD:
		return ((struct kthread *)obj)->state == THREAD_TERMINATED;
	case OBJ_PROCESS:
		return ((struct kprocess *)obj)->exited;
	case OBJ_FILE:
		/* FIXME: a file object is signalled when its I/O completes; every request
		 * completes before its service returns, so it always is. */
		return true;
	default:
		return false;
	}
}

/* Take what the wait consumes. True if obj was an abandoned mutant. */
static bool acquire(struct kobject *obj, struct kthread *t)
{
	switch (obj->type) {
	case OBJ_EVENT: {
		struct kevent *e = (struct kevent *)obj;
		if (!e->manual)
			e->signaled = false;
		return false;
	}
	case OBJ_SEMAPHORE:
		((struct ksemaphore *)obj)->count--;
		return false;
	case OBJ_MUTANT: {
		struct kmutant *m = (struct kmutant *)obj;
		bool abandoned = m->abandoned;
		m->abandoned = false;
		if (!m->owner) {
			m->owner = t;
			m->next_owned = t->owned;
			t->owned = m;
		}
		m->recursion++;
		return abandoned;
	}
	case OBJ_TIMER: {
		struct ktimer *tm = (struct ktimer *)obj;
		if (!tm->manual)
			tm->signaled = false;
		return false;
	}
	default:
		return false;
	}
}

/* STATUS_ABANDONED_WAIT_0 + i (STATUS_ABANDONED is index 0). */
static ntstatus_t try_objects(struct kthread *t, bool *done)
{
	struct wait_block *wb = &t->wait;
	*done = false;
	if (wb->wait_all) {
		for (unsigned i = 0; i < wb->count; i++)
			if (!is_signaled(wb->objs[i], t))
				return 0;
		/* Atomic: every object is taken in the same step, none before all are ready. */
		bool abandoned = false;
		for (unsigned i = 0; i < wb->count; i++)
			abandoned |= acquire(wb->objs[i], t);
		*done = true;
		return abandoned ? STATUS_ABANDONED : STATUS_SUCCESS;
	}
	for (unsigned i = 0; i < wb->count; i++)
		if (is_signaled(wb->objs[i], t)) {
			*done = true;
			return (acquire(wb->objs[i], t) ? STATUS_ABANDONED : STATUS_SUCCESS) + i;
		}
	return 0;
}

/* Whether t's wait can end now (not counting time), and with which status. Objects first,
 * then alerts (KeWaitForMultipleObjects' order). */
static bool try_wait(struct kthread *t, ntstatus_t *status)
{
	struct wait_block *wb = &t->wait;
	bool done = false;
	if (wb->kind == WAIT_OBJECTS) {
		*status = try_objects(t, &done);
		if (done)
			return true;
	}
	if (wb->kind == WAIT_ALERT_ID && t->alert_by_id) {
		t->alert_by_id = false;
		*status = STATUS_ALERTED;
		return true;
	}
	if (wb->alertable && t->alerted) {
		t->alerted = false;
		*status = STATUS_ALERTED;
		return true;
	}
	if (wb->alertable && t->apcs) {
		*status = STATUS_USER_APC;
		return true;
	}
	return false;
}

void wait_release(struct kthread *t)
{
	struct wait_block *wb = &t->wait;
	for (unsigned i = 0; i < wb->count; i++)
		object_unref(wb->objs[i]);
	object_unref(wb->keyed);
	memset(wb, 0, sizeof *wb);
}

void wait_end(struct kthread *t, ntstatus_t status)
{
	wait_release(t);
	if (t->state == THREAD_WAITING) {
		t->state = THREAD_RUNNABLE;
		t->cpu.r[R_AX] = status;
		t->blocked_status = status;
		if (status == STATUS_USER_APC)
			apc_deliver(t, status, false);
	}
}

ntstatus_t wait_read_timeout(struct kprocess *p, gptr_t timeout, struct wait_block *wb)
{
	wb->timed = false;
	if (!timeout)
		return STATUS_SUCCESS;
	int64_t v;
	ntstatus_t st = guest_read(p, timeout, &v, 8);
	if (st != STATUS_SUCCESS)
		return st;
	wb->deadline = wait_time_to_uptime(p, v);
	/* Further away than the clock can count (e.g. INT64_MIN): no deadline at all. */
	wb->timed = wb->deadline != UINT64_MAX;
	return STATUS_SUCCESS;
}

uint64_t wait_time_to_uptime(struct kprocess *p, int64_t v)
{
	uint64_t now = clock_uptime(p);
	/* Past what a FILETIME can show once the clock got there: never. */
	const uint64_t never = INT64_MAX - CLOCK_EPOCH_FILETIME;
	uint64_t ahead;
	if (v < 0) {
		ahead = 0 - (uint64_t)v;
	} else {
		/* Absolute system time: as far ahead of now as it is ahead of the clock. */
		uint64_t sys = clock_system_time(p);
		ahead = (uint64_t)v > sys ? (uint64_t)v - sys : 0;
	}
	return ahead < never && now < never - ahead ? now + ahead : UINT64_MAX;
}

ntstatus_t wait_start(struct nt_call *c)
{
	struct kthread *t = c->thread;
	struct wait_block *wb = &t->wait;
	ntstatus_t status;
	if (try_wait(t, &status)) {
		wait_release(t);
		if (status == STATUS_USER_APC)
			apc_deliver(t, status, false);
		return status;
	}
	if (wb->timed && wb->deadline <= clock_uptime(c->proc)) {
		status = wb->timeout_status;
		wait_release(t);
		return status;
	}
	wb->seq = c->proc->sync->next_seq++;
	t->state = THREAD_WAITING;
	t->context_replaced = true;
	return STATUS_PENDING;
}

/* ---- user APCs ---- */

static bool apc_push(struct kthread *t, gptr_t func, gptr_t arg1, gptr_t arg2, gptr_t arg3)
{
	struct kapc *a = calloc(1, sizeof *a);
	if (!a)
		return false;
	*a = (struct kapc){func, {arg1, arg2, arg3}, NULL};
	struct kapc **tail = &t->apcs;
	while (*tail)
		tail = &(*tail)->next;
	*tail = a;
	return true;
}

bool apc_queue(struct kthread *t, gptr_t func, gptr_t arg1, gptr_t arg2, gptr_t arg3)
{
	if (!apc_push(t, func, arg1, arg2, arg3))
		return false;
	wait_update(t->proc);
	return true;
}

void apc_flush(struct kthread *t)
{
	while (t->apcs) {
		struct kapc *a = t->apcs;
		t->apcs = a->next;
		free(a);
	}
}

/* Wine's struct apc_stack_layout (unix signal_x86_64.c, call_user_apc_dispatcher), not
 * Windows': {ULONG64 save_regs[4]; void *func; ULONG64 align; CONTEXT context; ULONG64 rbp,
 * rip}, just below the interrupted stack, entered with rsp 8 below it (GUEST-CONTRACT.md §7). */
#define APC_FRAME_SIZE (0x30 + CONTEXT64_SIZE + 0x10)
#define APC_FRAME_FUNC 0x20
#define APC_FRAME_CONTEXT 0x30
#define CONTEXT64_RAX 0x78

bool apc_deliver(struct kthread *t, ntstatus_t status, bool keep_rax)
{
	struct kprocess *p = t->proc;
	struct kapc *a = t->apcs;
	if (!a)
		return false;
	t->apcs = a->next;
	struct cpu *c = &t->cpu;
	uint8_t frame[APC_FRAME_SIZE] = {0};
	uint8_t *ctx = frame + APC_FRAME_CONTEXT;
	context64_from_cpu(c, CONTEXT_FULL, ctx);
	if (!keep_rax) {
		uint64_t rax = status;
		memcpy(ctx + CONTEXT64_RAX, &rax, 8);
	}
	memcpy(frame + APC_FRAME_FUNC, &a->func, 8);
	uint64_t base = (c->r[R_SP] & ~15ull) - APC_FRAME_SIZE;
	/* 64-bit only: the services refuse APCs for 32-bit guests (WOW64 is a later issue). */
	if (p->ptr_size != 8 || !p->ntdll.ki_user_apc_dispatcher ||
	    guest_write(p, base, frame, sizeof frame) != STATUS_SUCCESS) {
		/* No usable stack: as a fault on it would, this ends the process. */
		free(a);
		kprocess_exit(p, STATUS_ACCESS_VIOLATION);
		return true;
	}
	c->r[R_SP] = base - 8;
	c->rip = p->ntdll.ki_user_apc_dispatcher;
	c->r[R_CX] = base + APC_FRAME_CONTEXT;
	c->r[R_DX] = a->arg[0];
	c->r[R_8] = a->arg[1];
	c->r[R_9] = a->arg[2];
	t->context_replaced = true;
	free(a);
	return true;
}

/* ---- timers ---- */

static void timer_remove(struct ksync *s, unsigned i)
{
	struct ktimer *tm = s->timers[i];
	memmove(s->timers + i, s->timers + i + 1, (s->ntimers - i - 1) * sizeof *s->timers);
	s->ntimers--;
	tm->active = false;
	object_unref(tm);
}

void timer_cancel(struct kprocess *p, struct ktimer *tm)
{
	struct ksync *s = p->sync;
	for (unsigned i = 0; i < s->ntimers; i++)
		if (s->timers[i] == tm) {
			timer_remove(s, i);
			return;
		}
}

void timer_arm(struct kprocess *p, struct ktimer *tm, uint64_t due, uint64_t period)
{
	struct ksync *s = p->sync;
	timer_cancel(p, tm);
	tm->signaled = false;
	tm->due = due;
	tm->period = period;
	if (due == UINT64_MAX)
		return; /* out of the clock's reach: it never expires */
	if (s->ntimers == s->timers_size) {
		unsigned size = s->timers_size ? s->timers_size * 2 : 8;
		struct ktimer **v = realloc(s->timers, size * sizeof *v);
		if (!v)
			return; /* FIXME: out of host memory, the timer never fires */
		s->timers = v;
		s->timers_size = size;
	}
	s->timers[s->ntimers++] = object_ref(tm);
	tm->active = true;
}

static void fire_timers(struct kprocess *p, uint64_t now)
{
	struct ksync *s = p->sync;
	for (unsigned i = 0; i < s->ntimers;) {
		struct ktimer *tm = s->timers[i];
		if (tm->due > now) {
			i++;
			continue;
		}
		tm->signaled = true;
		struct kthread *owner = tm->apc ? kthread_by_tid(p, tm->apc_tid) : NULL;
		if (owner && owner->state != THREAD_TERMINATED) {
			/* The routine gets the expiry as a FILETIME split in two (Wine's APC_TIMER). */
			uint64_t when = clock_system_time(p) - (now - tm->due);
			apc_push(owner, tm->apc, tm->apc_context, (uint32_t)when, when >> 32);
		}
		if (tm->period) {
			/* Missed periods are not queued: the next expiry is the first one ahead. */
			tm->due += ((now - tm->due) / tm->period + 1) * tm->period;
			i++;
		} else {
			timer_remove(s, i);
		}
	}
}

/* ---- the scheduler's side ---- */

static int by_seq(const void *a, const void *b)
{
	uint64_t x = (*(struct kthread *const *)a)->wait.seq, y = (*(struct kthread *const *)b)->wait.seq;
	return x < y ? -1 : x > y;
}

/* Waiting threads in the order their waits began. */
static unsigned waiters(struct kprocess *p, struct kthread ***out)
{
	unsigned n = 0;
	for (struct kthread *t = p->threads; t; t = t->next)
		n += t->state == THREAD_WAITING;
	*out = NULL;
	if (!n || !(*out = malloc(n * sizeof **out)))
		return 0;
	n = 0;
	for (struct kthread *t = p->threads; t; t = t->next)
		if (t->state == THREAD_WAITING)
			(*out)[n++] = t;
	qsort(*out, n, sizeof **out, by_seq);
	return n;
}

void wait_update(struct kprocess *p)
{
	if (p->exited || !p->sync)
		return;
	uint64_t now = clock_uptime(p);
	fire_timers(p, now);
	struct kthread **w;
	unsigned n = waiters(p, &w);
	for (unsigned i = 0; i < n; i++) {
		struct kthread *t = w[i];
		ntstatus_t status;
		if (t->state != THREAD_WAITING)
			continue;
		if (try_wait(t, &status))
			wait_end(t, status);
		else if (t->wait.timed && t->wait.deadline <= now)
			wait_end(t, t->wait.timeout_status);
	}
	free(w);
}

/* When t's wait might end by time alone: its deadline, or the next expiry of a timer it
 * waits for. */
static bool next_event(const struct kthread *t, uint64_t *when)
{
	const struct wait_block *wb = &t->wait;
	bool found = wb->timed;
	*when = wb->deadline;
	for (unsigned i = 0; i < wb->count; i++) {
		const struct ktimer *tm = (const struct ktimer *)wb->objs[i];
		if (wb->objs[i]->type == OBJ_TIMER && tm->active && (!found || tm->due < *when)) {
			*when = tm->due;
			found = true;
		}
	}
	return found;
}

bool wait_idle(struct kprocess *p)
{
	bool found = false;
	uint64_t earliest = 0, when;
	for (struct kthread *t = p->threads; t; t = t->next)
		if (t->state == THREAD_WAITING && next_event(t, &when) && (!found || when < earliest)) {
			earliest = when;
			found = true;
		}
	/* A timer's completion routine ends its owner's alertable wait. */
	struct ksync *s = p->sync;
	for (unsigned i = 0; i < s->ntimers; i++) {
		struct ktimer *tm = s->timers[i];
		struct kthread *owner = tm->apc ? kthread_by_tid(p, tm->apc_tid) : NULL;
		if (owner && owner->state == THREAD_WAITING && owner->wait.alertable &&
		    (!found || tm->due < earliest)) {
			earliest = tm->due;
			found = true;
		}
	}
	if (!found)
		return false;
	clock_advance_to(p, earliest);
	wait_update(p);
	return true;
}

void wait_thread_ended(struct kthread *t)
{
	struct kprocess *p = t->proc;
	wait_release(t);
	apc_flush(t);
	while (t->owned) {
		struct kmutant *m = t->owned;
		t->owned = m->next_owned;
		m->next_owned = NULL;
		m->owner = NULL;
		m->recursion = 0;
		m->abandoned = true;
	}
	wait_update(p);
}

/* ---- signal operations ---- */

int32_t event_set(struct kprocess *p, struct kevent *e)
{
	int32_t prev = e->signaled;
	e->signaled = true;
	wait_update(p);
	return prev;
}

ntstatus_t semaphore_release(struct kprocess *p, struct ksemaphore *s, uint32_t count, int32_t *prev)
{
	if (!count || count > (uint32_t)INT32_MAX || (int64_t)s->count + count > s->max)
		return count ? STATUS_SEMAPHORE_LIMIT_EXCEEDED : STATUS_INVALID_PARAMETER;
	*prev = s->count;
	s->count += (int32_t)count;
	wait_update(p);
	return STATUS_SUCCESS;
}

ntstatus_t mutant_release(struct kprocess *p, struct kmutant *m, struct kthread *t, int32_t *prev)
{
	if (m->owner != t)
		return STATUS_MUTANT_NOT_OWNED;
	/* MutantBasicInformation.CurrentCount: 1 when free, 1 - recursion when held. */
	*prev = 1 - (int32_t)m->recursion;
	if (!--m->recursion) {
		owned_remove(m);
		wait_update(p);
	}
	return STATUS_SUCCESS;
}
