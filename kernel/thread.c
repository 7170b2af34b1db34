#include "kernel/thread.h"

#include <stdlib.h>

#include "kernel/clock.h"
#include "kernel/trace.h"
#include "kernel/vm.h"

/* TEB.DeallocationStack (x64): the base of the thread's stack reservation. */
#define TEB_DEALLOCATION_STACK 0x1478

/* Windows hands out thread and process ids in multiples of 4. */
#define FIRST_TID 0x20

struct kthread *kthread_create(struct kprocess *p)
{
	struct kthread *t = object_alloc(OBJ_THREAD, sizeof *t);
	if (!t)
		return NULL;
	t->proc = p;
	if (!p->next_tid)
		p->next_tid = FIRST_TID;
	t->tid = p->next_tid;
	p->next_tid += 4;
	cpu_init(&t->cpu, p->mem, p->cache, p->config ? p->config->seed + t->tid : t->tid);
	t->cpu.hooks = (struct cpu_hooks){.ctx = p, .read_tsc = clock_read_tsc};
	t->create_time = clock_system_time(p);
	struct kthread **tail = &p->threads;
	while (*tail)
		tail = &(*tail)->next;
	*tail = t;
	return t;
}

void kthread_terminate(struct kthread *t, uint32_t status)
{
	if (t->state == THREAD_TERMINATED)
		return;
	if (t->blocked_call && t->proc->trace_out)
		trace_wait_end(t->proc->trace_out, t->tid, t->blocked_call, 0, true);
	t->blocked_call = NULL;
	t->state = THREAD_TERMINATED;
	t->exit_status = status;
	t->exit_time = clock_system_time(t->proc);
	cpu_request_stop(&t->cpu);
	wait_thread_ended(t);
	/* Its stack goes with it (Wine frees TEB.DeallocationStack at thread exit): a program
	 * that starts many short threads does not keep a MiB for each. The TEB stays, as other
	 * threads may still read it through the thread's handle. */
	struct kprocess *p = t->proc;
	uint64_t stack = 0, size = 0;
	if (!p->exited && t->teb && p->ptr_size == 8 &&
	    gmem_peek(p->mem, t->teb + TEB_DEALLOCATION_STACK, &stack, 8, NULL) && stack)
		vm_free(p, &stack, &size, MEM_RELEASE);
}

struct kthread *kthread_by_tid(struct kprocess *p, uint32_t tid)
{
	for (struct kthread *t = p->threads; t; t = t->next)
		if (t->tid == tid)
			return t;
	return NULL;
}

void kthread_destroy(struct kobject *obj)
{
	struct kthread *t = (struct kthread *)obj;
	/* A process torn down with its threads still alive: mutants they hold lose their owner
	 * without being abandoned (nobody can wait for them any more). */
	for (struct kmutant *m = t->owned; m; m = m->next_owned)
		m->owner = NULL;
	t->owned = NULL;
	wait_release(t);
	apc_flush(t);
}

void kprocess_exit(struct kprocess *p, uint32_t status)
{
	if (p->exited)
		return;
	p->exited = true;
	p->exit_status = status;
	for (struct kthread *t = p->threads; t; t = t->next)
		if (t->state != THREAD_TERMINATED)
			kthread_terminate(t, status);
}
