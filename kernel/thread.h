/* Guest threads. All of a process's threads run on one host thread, in a fixed order, each for
 * a fixed number of instructions (kernel/scheduler.c): the same input gives the same run. */
#ifndef NTEMU_KERNEL_THREAD_H
#define NTEMU_KERNEL_THREAD_H

#include "cpu/cpu.h"
#include "kernel/process.h"
#include "kernel/wait.h"

/* A waiting thread has a wait block (kernel/wait.h); a suspended one (suspend_count > 0) is
 * runnable or waiting as well but gets no turn. */
enum thread_state { THREAD_RUNNABLE, THREAD_WAITING, THREAD_TERMINATED };

struct kthread {
	struct kobject obj;          /* what thread handles refer to */
	struct kprocess *proc;
	struct cpu cpu;
	uint32_t tid;
	gptr_t teb;
	enum thread_state state;
	uint32_t exit_status;
	uint64_t create_time, exit_time; /* system time (FILETIME) of its creation and its end */
	/* Set by a service that replaced the register state (NtContinue, exception delivery):
	 * the syscall's status must not overwrite rax. */
	bool context_replaced;
	struct wait_block wait;      /* kind WAIT_NONE unless the thread waits */
	/* --trace: the service a blocking call's wait began in and the status it ended with; the
	 * line that ends it comes when the thread runs again (or ends). */
	const char *blocked_call;
	ntstatus_t blocked_status;
	uint32_t suspend_count;
	bool alerted;                /* NtAlertThread: ends an alertable wait with STATUS_ALERTED */
	bool alert_by_id;            /* NtAlertThreadByThreadId, remembered until waited for */
	struct kmutant *owned;       /* mutants the thread holds */
	struct kapc *apcs;           /* queued user APCs, oldest first */
	struct kthread *next;
};

/* A new runnable thread of p in 64-bit mode with a fresh CPU (the caller sets registers). */
struct kthread *kthread_create(struct kprocess *p);
void kthread_terminate(struct kthread *t, uint32_t status);
/* Whether the scheduler gives t a turn. */
static inline bool kthread_can_run(const struct kthread *t)
{
	return t->state == THREAD_RUNNABLE && !t->suspend_count;
}
/* The thread with id tid, NULL if there is none. */
struct kthread *kthread_by_tid(struct kprocess *p, uint32_t tid);
/* Destroy callback of OBJ_THREAD. */
void kthread_destroy(struct kobject *obj);

/* Run the process until it exits; returns its exit status. */
uint32_t kernel_run(struct kprocess *p);

/* End the whole process with `status` (every thread stops). */
void kprocess_exit(struct kprocess *p, uint32_t status);

#endif
