#include "kernel/thread.h"

#include <stdlib.h>

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
	t->state = THREAD_TERMINATED;
	t->exit_status = status;
	cpu_request_stop(&t->cpu);
	wait_thread_ended(t);
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
