/* Synchronisation: events, semaphores, mutants, timers, keyed events, the waits on them,
 * NtDelayExecution, NtYieldExecution, alerts (NtAlertThread, NtAlertThreadByThreadId /
 * NtWaitForAlertByThreadId). The wait machinery is kernel/wait.c. */
#include <string.h>

#include "kernel/clock.h"
#include "kernel/guest.h"
#include "kernel/namespace.h"
#include "kernel/thread.h"
#include "kernel/wait.h"

/* Specific access rights (winnt.h). */
enum {
	STATE_QUERY = 0x1,  /* EVENT/SEMAPHORE/MUTANT/TIMER_QUERY_STATE, KEYEDEVENT_WAIT */
	STATE_MODIFY = 0x2, /* EVENT/SEMAPHORE/TIMER_MODIFY_STATE, KEYEDEVENT_WAKE */
	THREAD_ALERT = 0x4,
};

/* ---- creating and opening ---- */

/* Name the new object as `attr` says (NULL: unnamed) and hand its creation reference to a new
 * handle written at `out`. */
static ntstatus_t create_object(struct nt_call *c, gptr_t out, uint32_t access, gptr_t attr,
				void *obj)
{
	struct objattr oa = {0};
	ntstatus_t st = attr ? guest_read_objattr(c->proc, attr, &oa) : STATUS_SUCCESS;
	if (st != STATUS_SUCCESS) {
		object_unref(obj);
		return st;
	}
	st = namespace_create_handle(c->proc, out, access, &oa, obj);
	objattr_free(&oa);
	return st;
}

static ntstatus_t open_object(struct nt_call *c, gptr_t out, uint32_t access, gptr_t attr,
			      enum object_type type)
{
	struct objattr oa;
	ntstatus_t st = guest_read_objattr(c->proc, attr, &oa);
	if (st != STATUS_SUCCESS)
		return st;
	st = namespace_open_handle(c->proc, out, access, &oa, type);
	objattr_free(&oa);
	return st;
}

static ntstatus_t put_long(struct kprocess *p, gptr_t addr, int32_t v)
{
	return addr ? guest_write(p, addr, &v, 4) : STATUS_SUCCESS;
}

/* The *BasicInformation of an event, semaphore, mutant or timer into `info`; its size. */
static uint32_t basic_info(struct nt_call *c, struct kobject *obj, uint8_t info[16])
{
	switch (obj->type) {
	case OBJ_EVENT: {
		/* EVENT_BASIC_INFORMATION {EVENT_TYPE EventType; LONG EventState} */
		const struct kevent *e = (const void *)obj;
		int32_t v[2] = {e->manual ? NOTIFICATION_EVENT : SYNCHRONIZATION_EVENT, e->signaled};
		memcpy(info, v, sizeof v);
		return sizeof v;
	}
	case OBJ_SEMAPHORE: {
		/* SEMAPHORE_BASIC_INFORMATION {LONG CurrentCount; LONG MaximumCount} */
		const struct ksemaphore *s = (const void *)obj;
		int32_t v[2] = {s->count, s->max};
		memcpy(info, v, sizeof v);
		return sizeof v;
	}
	case OBJ_MUTANT: {
		/* MUTANT_BASIC_INFORMATION {LONG CurrentCount; BOOLEAN OwnedByCaller, AbandonedState} */
		const struct kmutant *m = (const void *)obj;
		int32_t count = 1 - (int32_t)m->recursion;
		memcpy(info, &count, 4);
		info[4] = m->owner && m->owner == c->thread;
		info[5] = m->abandoned;
		return 8;
	}
	default: { /* OBJ_TIMER: query_basic asks for no other type */
		/* TIMER_BASIC_INFORMATION {LARGE_INTEGER RemainingTime; BOOLEAN TimerState} */
		const struct ktimer *tm = (const void *)obj;
		uint64_t now = clock_uptime(c->proc);
		int64_t remaining = tm->active && tm->due > now ? (int64_t)(tm->due - now) : 0;
		memcpy(info, &remaining, 8);
		info[8] = tm->signaled;
		return 16;
	}
	}
}

/* NtQueryEvent/Semaphore/Mutant/Timer on a handle to an object of `type`: class 0, its
 * *BasicInformation, whose exact size the buffer must have. */
static ntstatus_t query_basic(struct nt_call *c, handle_t handle, enum object_type type,
			      uint32_t info_class, gptr_t buffer, uint32_t length, gptr_t result_length)
{
	struct kobject *obj;
	ntstatus_t st = handle_ref(&c->proc->handles, handle, type, STATE_QUERY, (void **)&obj);
	if (st != STATUS_SUCCESS)
		return st;
	uint8_t info[16] = {0};
	uint32_t size = basic_info(c, obj, info);
	object_unref(obj);
	if (info_class != 0)
		return STATUS_INVALID_INFO_CLASS;
	if (length != size)
		return STATUS_INFO_LENGTH_MISMATCH;
	st = guest_write(c->proc, buffer, info, size);
	if (st == STATUS_SUCCESS && result_length)
		st = guest_write(c->proc, result_length, &size, 4);
	return st;
}

/* ---- events ---- */

ntstatus_t nt_create_event(struct nt_call *c, gptr_t handle, uint32_t access, gptr_t attr,
			   uint32_t type, uint32_t initial_state)
{
	if (type != NOTIFICATION_EVENT && type != SYNCHRONIZATION_EVENT)
		return STATUS_INVALID_PARAMETER;
	struct kevent *e = object_alloc(OBJ_EVENT, sizeof *e);
	if (!e)
		return STATUS_NO_MEMORY;
	e->manual = type == NOTIFICATION_EVENT;
	e->signaled = initial_state & 0xff;
	return create_object(c, handle, access, attr, e);
}

ntstatus_t nt_open_event(struct nt_call *c, gptr_t handle, uint32_t access, gptr_t attr)
{
	return open_object(c, handle, access, attr, OBJ_EVENT);
}

enum event_op { EVENT_SET, EVENT_RESET, EVENT_PULSE };

static ntstatus_t event_op(struct nt_call *c, handle_t handle, gptr_t previous_state, enum event_op op)
{
	struct kprocess *p = c->proc;
	struct kevent *e;
	ntstatus_t st = handle_ref(&p->handles, handle, OBJ_EVENT, STATE_MODIFY, (void **)&e);
	if (st != STATUS_SUCCESS)
		return st;
	int32_t prev = e->signaled;
	if (op == EVENT_RESET) {
		e->signaled = false;
	} else {
		event_set(p, e);
		/* PulseEvent: whoever could be released now was; then it is reset. */
		if (op == EVENT_PULSE)
			e->signaled = false;
	}
	object_unref(e);
	return put_long(p, previous_state, prev);
}

ntstatus_t nt_set_event(struct nt_call *c, handle_t handle, gptr_t previous_state)
{
	return event_op(c, handle, previous_state, EVENT_SET);
}

ntstatus_t nt_reset_event(struct nt_call *c, handle_t handle, gptr_t previous_state)
{
	return event_op(c, handle, previous_state, EVENT_RESET);
}

ntstatus_t nt_clear_event(struct nt_call *c, handle_t handle)
{
	return event_op(c, handle, 0, EVENT_RESET);
}

ntstatus_t nt_pulse_event(struct nt_call *c, handle_t handle, gptr_t previous_state)
{
	return event_op(c, handle, previous_state, EVENT_PULSE);
}

ntstatus_t nt_query_event(struct nt_call *c, handle_t handle, uint32_t info_class, gptr_t buffer,
			  uint32_t length, gptr_t result_length)
{
	return query_basic(c, handle, OBJ_EVENT, info_class, buffer, length, result_length);
}

/* ---- semaphores ---- */

ntstatus_t nt_create_semaphore(struct nt_call *c, gptr_t handle, uint32_t access, gptr_t attr,
			       int32_t initial, int32_t maximum)
{
	if (maximum <= 0 || initial < 0 || initial > maximum)
		return STATUS_INVALID_PARAMETER;
	struct ksemaphore *s = object_alloc(OBJ_SEMAPHORE, sizeof *s);
	if (!s)
		return STATUS_NO_MEMORY;
	s->count = initial;
	s->max = maximum;
	return create_object(c, handle, access, attr, s);
}

ntstatus_t nt_open_semaphore(struct nt_call *c, gptr_t handle, uint32_t access, gptr_t attr)
{
	return open_object(c, handle, access, attr, OBJ_SEMAPHORE);
}

ntstatus_t nt_release_semaphore(struct nt_call *c, handle_t handle, uint32_t count,
				gptr_t previous_count)
{
	struct ksemaphore *s;
	ntstatus_t st = handle_ref(&c->proc->handles, handle, OBJ_SEMAPHORE, STATE_MODIFY, (void **)&s);
	if (st != STATUS_SUCCESS)
		return st;
	int32_t prev;
	st = semaphore_release(c->proc, s, count, &prev);
	object_unref(s);
	return st == STATUS_SUCCESS ? put_long(c->proc, previous_count, prev) : st;
}

ntstatus_t nt_query_semaphore(struct nt_call *c, handle_t handle, uint32_t info_class,
			      gptr_t buffer, uint32_t length, gptr_t result_length)
{
	return query_basic(c, handle, OBJ_SEMAPHORE, info_class, buffer, length, result_length);
}

/* ---- mutants ---- */

ntstatus_t nt_create_mutant(struct nt_call *c, gptr_t handle, uint32_t access, gptr_t attr,
			    uint32_t initial_owner)
{
	struct kmutant *m = object_alloc(OBJ_MUTANT, sizeof *m);
	if (!m)
		return STATUS_NO_MEMORY;
	if (initial_owner & 0xff) {
		struct kthread *t = c->thread;
		m->owner = t;
		m->recursion = 1;
		m->next_owned = t->owned;
		t->owned = m;
	}
	return create_object(c, handle, access, attr, m);
}

ntstatus_t nt_open_mutant(struct nt_call *c, gptr_t handle, uint32_t access, gptr_t attr)
{
	return open_object(c, handle, access, attr, OBJ_MUTANT);
}

ntstatus_t nt_release_mutant(struct nt_call *c, handle_t handle, gptr_t previous_count)
{
	struct kmutant *m;
	ntstatus_t st = handle_ref(&c->proc->handles, handle, OBJ_MUTANT, 0, (void **)&m);
	if (st != STATUS_SUCCESS)
		return st;
	int32_t prev;
	st = mutant_release(c->proc, m, c->thread, &prev);
	object_unref(m);
	return st == STATUS_SUCCESS ? put_long(c->proc, previous_count, prev) : st;
}

ntstatus_t nt_query_mutant(struct nt_call *c, handle_t handle, uint32_t info_class, gptr_t buffer,
			   uint32_t length, gptr_t result_length)
{
	return query_basic(c, handle, OBJ_MUTANT, info_class, buffer, length, result_length);
}

/* ---- timers ---- */

ntstatus_t nt_create_timer(struct nt_call *c, gptr_t handle, uint32_t access, gptr_t attr,
			   uint32_t type)
{
	if (type != NOTIFICATION_EVENT && type != SYNCHRONIZATION_EVENT)
		return STATUS_INVALID_PARAMETER;
	struct ktimer *tm = object_alloc(OBJ_TIMER, sizeof *tm);
	if (!tm)
		return STATUS_NO_MEMORY;
	tm->manual = type == NOTIFICATION_EVENT;
	return create_object(c, handle, access, attr, tm);
}

ntstatus_t nt_open_timer(struct nt_call *c, gptr_t handle, uint32_t access, gptr_t attr)
{
	return open_object(c, handle, access, attr, OBJ_TIMER);
}

static ntstatus_t put_boolean(struct kprocess *p, gptr_t addr, bool v)
{
	uint8_t b = v;
	return addr ? guest_write(p, addr, &b, 1) : STATUS_SUCCESS;
}

ntstatus_t nt_set_timer(struct nt_call *c, handle_t handle, gptr_t due_time, gptr_t apc,
			gptr_t apc_context, uint32_t resume, int32_t period, gptr_t previous_state)
{
	struct kprocess *p = c->proc;
	if (period < 0)
		return STATUS_INVALID_PARAMETER_6;
	/* FIXME: 32-bit guests enter KiUserApcDispatcher differently (WOW64). */
	if (apc && p->ptr_size != 8)
		return STATUS_NOT_SUPPORTED;
	int64_t due;
	ntstatus_t st = guest_read(p, due_time, &due, 8);
	if (st != STATUS_SUCCESS)
		return st;
	struct ktimer *tm;
	if ((st = handle_ref(&p->handles, handle, OBJ_TIMER, STATE_MODIFY, (void **)&tm)) != STATUS_SUCCESS)
		return st;
	bool prev = tm->signaled;
	tm->apc = apc;
	tm->apc_context = apc_context;
	tm->apc_tid = c->thread->tid;
	/* period is in milliseconds. */
	timer_arm(p, tm, wait_time_to_uptime(p, due), (uint64_t)period * 10000);
	wait_update(p);
	object_unref(tm);
	return put_boolean(p, previous_state, prev);
}

ntstatus_t nt_cancel_timer(struct nt_call *c, handle_t handle, gptr_t current_state)
{
	struct ktimer *tm;
	ntstatus_t st = handle_ref(&c->proc->handles, handle, OBJ_TIMER, STATE_MODIFY, (void **)&tm);
	if (st != STATUS_SUCCESS)
		return st;
	timer_cancel(c->proc, tm);
	bool state = tm->signaled;
	object_unref(tm);
	return put_boolean(c->proc, current_state, state);
}

ntstatus_t nt_query_timer(struct nt_call *c, handle_t handle, uint32_t info_class, gptr_t buffer,
			  uint32_t length, gptr_t result_length)
{
	return query_basic(c, handle, OBJ_TIMER, info_class, buffer, length, result_length);
}

/* ---- waits ---- */

/* A handle's object if it is one a thread can wait for. */
static ntstatus_t ref_waitable(struct nt_call *c, handle_t h, struct kobject **out)
{
	void *obj;
	ntstatus_t st;
	if (h == CURRENT_THREAD)
		obj = object_ref(c->thread);
	else if ((st = process_ref_handle(c->proc, h, OBJ_ANY, SYNCHRONIZE, &obj)) != STATUS_SUCCESS)
		return st;
	switch (((struct kobject *)obj)->type) {
	case OBJ_EVENT:
	case OBJ_SEMAPHORE:
	case OBJ_MUTANT:
	case OBJ_TIMER:
	case OBJ_THREAD:
	case OBJ_PROCESS:
	case OBJ_FILE:
		*out = obj;
		return STATUS_SUCCESS;
	default:
		object_unref(obj);
		return STATUS_OBJECT_TYPE_MISMATCH;
	}
}

/* Start a wait whose objects (already in the wait block) or kind are set. */
static ntstatus_t begin(struct nt_call *c, uint32_t alertable, gptr_t timeout,
			ntstatus_t timeout_status)
{
	struct wait_block *wb = &c->thread->wait;
	wb->alertable = alertable & 0xff;
	wb->timeout_status = timeout_status;
	ntstatus_t st = wait_read_timeout(c->proc, timeout, wb);
	if (st != STATUS_SUCCESS) {
		wait_release(c->thread);
		return st;
	}
	return wait_start(c);
}

/* Wait for the one object `obj` (its reference goes to the wait block). */
static ntstatus_t wait_one(struct nt_call *c, struct kobject *obj, uint32_t alertable,
			   gptr_t timeout)
{
	struct wait_block *wb = &c->thread->wait;
	wait_release(c->thread);
	wb->kind = WAIT_OBJECTS;
	wb->objs[wb->count++] = obj;
	return begin(c, alertable, timeout, STATUS_TIMEOUT);
}

ntstatus_t nt_wait_for_single_object(struct nt_call *c, handle_t handle, uint32_t alertable,
				     gptr_t timeout)
{
	struct kobject *obj;
	ntstatus_t st = ref_waitable(c, handle, &obj);
	return st != STATUS_SUCCESS ? st : wait_one(c, obj, alertable, timeout);
}

enum { WAIT_ALL = 0, WAIT_ANY = 1 }; /* WAIT_TYPE */

ntstatus_t nt_wait_for_multiple_objects(struct nt_call *c, uint32_t count, gptr_t handles,
					uint32_t wait_type, uint32_t alertable, gptr_t timeout)
{
	struct kprocess *p = c->proc;
	if (!count || count > WAIT_MAX_OBJECTS)
		return STATUS_INVALID_PARAMETER_1;
	if (wait_type != WAIT_ALL && wait_type != WAIT_ANY)
		return STATUS_INVALID_PARAMETER_3;
	struct wait_block *wb = &c->thread->wait;
	wait_release(c->thread);
	wb->kind = WAIT_OBJECTS;
	wb->wait_all = wait_type == WAIT_ALL;
	for (uint32_t i = 0; i < count; i++) {
		handle_t h;
		ntstatus_t st = guest_read_handle(p, handles + (uint64_t)i * p->ptr_size, &h);
		if (st == STATUS_SUCCESS)
			st = ref_waitable(c, h, &wb->objs[wb->count]);
		if (st != STATUS_SUCCESS) {
			wait_release(c->thread);
			return st;
		}
		wb->count++;
	}
	/* Waiting for all of one object twice is refused (NT: ObpWaitForMultipleObjects). */
	for (uint32_t i = 0; wb->wait_all && i < count; i++)
		for (uint32_t k = 0; k < i; k++)
			if (wb->objs[i] == wb->objs[k]) {
				wait_release(c->thread);
				return STATUS_INVALID_PARAMETER_MIX;
			}
	return begin(c, alertable, timeout, STATUS_TIMEOUT);
}

ntstatus_t nt_signal_and_wait_for_single_object(struct nt_call *c, handle_t signal, handle_t wait,
						uint32_t alertable, gptr_t timeout)
{
	struct kprocess *p = c->proc;
	struct kobject *target, *sig;
	ntstatus_t st = ref_waitable(c, wait, &target);
	if (st != STATUS_SUCCESS)
		return st;
	if ((st = process_ref_handle(p, signal, OBJ_ANY, 0, (void **)&sig)) != STATUS_SUCCESS) {
		object_unref(target);
		return st;
	}
	struct handle_entry *e = handle_entry(&p->handles, signal);
	uint32_t granted = e ? e->access : 0;
	int32_t prev;
	switch (sig->type) {
	case OBJ_EVENT:
		st = granted & STATE_MODIFY ? (event_set(p, (struct kevent *)sig), STATUS_SUCCESS)
					    : STATUS_ACCESS_DENIED;
		break;
	case OBJ_SEMAPHORE:
		st = granted & STATE_MODIFY ? semaphore_release(p, (struct ksemaphore *)sig, 1, &prev)
					    : STATUS_ACCESS_DENIED;
		break;
	case OBJ_MUTANT:
		st = mutant_release(p, (struct kmutant *)sig, c->thread, &prev);
		break;
	default:
		st = STATUS_OBJECT_TYPE_MISMATCH;
		break;
	}
	object_unref(sig);
	if (st != STATUS_SUCCESS) {
		object_unref(target);
		return st;
	}
	return wait_one(c, target, alertable, timeout);
}

ntstatus_t nt_delay_execution(struct nt_call *c, uint32_t alertable, gptr_t timeout)
{
	struct wait_block *wb = &c->thread->wait;
	wait_release(c->thread);
	wb->kind = WAIT_DELAY;
	/* The delay elapsing is success, not a timeout. */
	return begin(c, alertable, timeout, STATUS_SUCCESS);
}

ntstatus_t nt_yield_execution(struct nt_call *c)
{
	/* Every system call ends the thread's turn already; the answer says whether anyone
	 * else could take it. */
	for (struct kthread *t = c->proc->threads; t; t = t->next)
		if (t != c->thread && kthread_can_run(t))
			return STATUS_SUCCESS;
	return STATUS_NO_YIELD_PERFORMED;
}

/* ---- keyed events ---- */

ntstatus_t nt_create_keyed_event(struct nt_call *c, gptr_t handle, uint32_t access, gptr_t attr,
				 uint32_t flags)
{
	if (flags)
		return STATUS_INVALID_PARAMETER_4;
	struct kkeyed_event *k = object_alloc(OBJ_KEYED_EVENT, sizeof *k);
	if (!k)
		return STATUS_NO_MEMORY;
	return create_object(c, handle, access, attr, k);
}

ntstatus_t nt_open_keyed_event(struct nt_call *c, gptr_t handle, uint32_t access, gptr_t attr)
{
	return open_object(c, handle, access, attr, OBJ_KEYED_EVENT);
}

/* A wait (or release) pairs with the earliest release (or wait) for the same key on the same
 * keyed event; without one it blocks until one comes. Handle 0 is the process's own keyed
 * event (Wine's unix side creates one at start-up; GUEST-CONTRACT.md §7). */
static ntstatus_t keyed(struct nt_call *c, handle_t handle, gptr_t key, uint32_t alertable,
			gptr_t timeout, bool releasing)
{
	struct kprocess *p = c->proc;
	struct kkeyed_event *k;
	if (!handle)
		k = object_ref(p->sync->global_keyed);
	else {
		ntstatus_t st = handle_ref(&p->handles, handle, OBJ_KEYED_EVENT,
					   releasing ? STATE_MODIFY : STATE_QUERY, (void **)&k);
		if (st != STATUS_SUCCESS)
			return st;
	}
	struct kthread *partner = NULL;
	for (struct kthread *t = p->threads; t; t = t->next)
		if (t->state == THREAD_WAITING && t->wait.kind == WAIT_KEYED && t->wait.keyed == k &&
		    t->wait.key == key && t->wait.releasing != releasing &&
		    (!partner || t->wait.seq < partner->wait.seq))
			partner = t;
	if (partner) {
		object_unref(k);
		wait_end(partner, STATUS_SUCCESS);
		return STATUS_SUCCESS;
	}
	struct wait_block *wb = &c->thread->wait;
	wait_release(c->thread);
	wb->kind = WAIT_KEYED;
	wb->keyed = k;
	wb->key = key;
	wb->releasing = releasing;
	return begin(c, alertable, timeout, STATUS_TIMEOUT);
}

ntstatus_t nt_wait_for_keyed_event(struct nt_call *c, handle_t handle, gptr_t key,
				   uint32_t alertable, gptr_t timeout)
{
	return keyed(c, handle, key, alertable, timeout, false);
}

ntstatus_t nt_release_keyed_event(struct nt_call *c, handle_t handle, gptr_t key,
				  uint32_t alertable, gptr_t timeout)
{
	return keyed(c, handle, key, alertable, timeout, true);
}

/* ---- alerts ---- */

/* RtlWaitOnAddress and everything built on it (critical sections, SRW locks, condition
 * variables): the address only names what the caller waits for; an alert that came first
 * is remembered and ends the next wait at once. */
ntstatus_t nt_wait_for_alert_by_thread_id(struct nt_call *c, gptr_t address, gptr_t timeout)
{
	struct wait_block *wb = &c->thread->wait;
	wait_release(c->thread);
	wb->kind = WAIT_ALERT_ID;
	return begin(c, false, timeout, STATUS_TIMEOUT);
}

ntstatus_t nt_alert_thread_by_thread_id(struct nt_call *c, handle_t thread_id)
{
	struct kthread *t = thread_id <= UINT32_MAX ? kthread_by_tid(c->proc, (uint32_t)thread_id) : NULL;
	if (!t || t->state == THREAD_TERMINATED)
		return STATUS_INVALID_CID;
	t->alert_by_id = true;
	wait_update(c->proc);
	return STATUS_SUCCESS;
}

ntstatus_t nt_alert_thread(struct nt_call *c, handle_t thread)
{
	struct kthread *t;
	if (thread == CURRENT_THREAD)
		t = object_ref(c->thread);
	else {
		ntstatus_t st = handle_ref(&c->proc->handles, thread, OBJ_THREAD, THREAD_ALERT, (void **)&t);
		if (st != STATUS_SUCCESS)
			return st;
	}
	if (t->state != THREAD_TERMINATED) {
		t->alerted = true;
		wait_update(c->proc);
	}
	object_unref(t);
	return STATUS_SUCCESS;
}
