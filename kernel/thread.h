/* Guest threads. All of a process's threads run on one host thread, in a fixed order, each for
 * a fixed number of instructions (kernel/scheduler.c): the same input gives the same run. */
#ifndef NTEMU_KERNEL_THREAD_H
#define NTEMU_KERNEL_THREAD_H

#include "cpu/cpu.h"
#include "kernel/process.h"

enum thread_state { THREAD_RUNNABLE, THREAD_TERMINATED };

struct kthread {
	struct kobject obj;          /* what thread handles refer to */
	struct kprocess *proc;
	struct cpu cpu;
	uint32_t tid;
	gptr_t teb;
	enum thread_state state;
	uint32_t exit_status;
	/* Set by a service that replaced the register state (NtContinue, exception delivery):
	 * the syscall's status must not overwrite rax. */
	bool context_replaced;
	struct kthread *next;
};

/* A new runnable thread of p in 64-bit mode with a fresh CPU (the caller sets registers). */
struct kthread *kthread_create(struct kprocess *p);
void kthread_terminate(struct kthread *t, uint32_t status);

/* Run the process until it exits; returns its exit status. */
uint32_t kernel_run(struct kprocess *p);

/* End the whole process with `status` (every thread stops). */
void kprocess_exit(struct kprocess *p, uint32_t status);

#endif
